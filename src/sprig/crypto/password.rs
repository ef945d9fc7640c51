//! `bcrypt`, `htpasswd` and `derivePassword` (the Master Password
//! algorithm, deterministic).

use hmac::{Hmac, Mac};

use crate::gotemplate::{Func, Funcs, Signature, Type, UintKind};

use crate::sprig::Env;
use crate::sprig::typed::{arg, bytes, int, string, text};

/// golang.org/x/crypto/bcrypt's `DefaultCost`.
const BCRYPT_COST: u32 = 10;

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let e = env.clone();
    funcs.insert(Func::new(
        "bcrypt",
        Signature::new(vec![Type::String], Type::String),
        move |_, args| Ok(string(bcrypt(&e, bytes(arg(&args, 0))))),
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "htpasswd",
        Signature::new(vec![Type::String, Type::String], Type::String),
        move |_, args| {
            let user = text(arg(&args, 0));
            if user.contains(':') {
                return Ok(string(format!("invalid username: {user}")));
            }
            Ok(string(format!(
                "{user}:{}",
                bcrypt(&e, bytes(arg(&args, 1)))
            )))
        },
    ));
    funcs.insert(Func::new(
        "derivePassword",
        Signature::new(
            vec![
                Type::Uint(UintKind::Uint32),
                Type::String,
                Type::String,
                Type::String,
                Type::String,
            ],
            Type::String,
        ),
        |_, args| {
            Ok(string(derive_password(
                int(arg(&args, 0)) as u32,
                bytes(arg(&args, 1)),
                bytes(arg(&args, 2)),
                bytes(arg(&args, 3)),
                bytes(arg(&args, 4)),
            )))
        },
    ));
}

/// Sprig's `bcrypt`: x/crypto's `GenerateFromPassword` at the default
/// cost, `$2a$` form, salt from the environment's entropy; failures are
/// the output text.
pub(crate) fn bcrypt(env: &Env, password: &[u8]) -> String {
    if password.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .to_string();
    }
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&env.random_bytes(16));
    match bcrypt::hash_with_salt(password, BCRYPT_COST, salt) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(err) => format!("failed to encrypt string with bcrypt: {err}"),
    }
}

const SEED: &[u8] = b"com.lyndir.masterpassword";

/// The templates of each password type, and the characters each template
/// letter stands for (Sprig's tables).
fn templates(kind: &[u8]) -> Option<&'static [&'static str]> {
    Some(match kind {
        b"maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        b"long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        b"medium" => &["CvcnoCvc", "CvcCvcno"],
        b"short" => &["Cvcn"],
        b"basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        b"pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword`: scrypt(N=32768, r=8, p=2) of the master
/// password salted with the user name, HMAC-SHA256 of the site and
/// counter, and the seed bytes picking a template and its characters.
pub(crate) fn derive_password(
    counter: u32,
    kind: &[u8],
    password: &[u8],
    user: &[u8],
    site: &[u8],
) -> String {
    let Some(templates) = templates(kind) else {
        return format!(
            "cannot find password template {}",
            String::from_utf8_lossy(kind)
        );
    };
    let mut salt = SEED.to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user);
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|params| {
            scrypt::scrypt(password, &salt, &params, &mut key).map_err(|e| e.to_string())
        });
    if let Err(err) = derived {
        return format!("failed to derive password: {err}");
    }
    let mut message = SEED.to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site);
    message.extend_from_slice(&counter.to_be_bytes());
    let seed = match Hmac::<sha2::Sha256>::new_from_slice(&key) {
        Ok(mut mac) => {
            mac.update(&message);
            mac.finalize().into_bytes()
        }
        Err(err) => return format!("failed to derive password: {err}"),
    };
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}
