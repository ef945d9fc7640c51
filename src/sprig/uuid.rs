//! Sprig's `uuidv4` (google/uuid `New().String()`), from [`Env`]'s
//! entropy.

use crate::gotemplate::{Func, Funcs, Signature, Type};

use super::Env;
use super::typed::string;

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let env = env.clone();
    funcs.insert(Func::new(
        "uuidv4",
        Signature::new(vec![], Type::String),
        move |_, _| Ok(string(uuidv4(&env))),
    ));
}

/// A random (version 4, RFC 4122 variant) UUID in its 36-character form.
pub(crate) fn uuidv4(env: &Env) -> String {
    let mut b = env.random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
