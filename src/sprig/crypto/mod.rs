//! Sprig's crypto functions: digests (`sha1sum`, `sha256sum`,
//! `sha512sum`, `adler32sum`), passwords (`bcrypt`, `htpasswd`,
//! `derivePassword`), Sprig's AES scheme (`encryptAES`, `decryptAES`),
//! and, in the submodules, private keys and certificates.

mod aes_cbc;
mod certs;
mod der;
mod keys;
mod password;
#[cfg(test)]
mod tests;

use sha2::Digest;

use crate::gotemplate::Funcs;

use super::Env;
use super::typed::string_fn;

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    string_fn(funcs, "sha1sum", |s| {
        hex::encode(sha1::Sha1::digest(s)).into_bytes()
    });
    string_fn(funcs, "sha256sum", |s| {
        hex::encode(sha2::Sha256::digest(s)).into_bytes()
    });
    string_fn(funcs, "sha512sum", |s| {
        hex::encode(sha2::Sha512::digest(s)).into_bytes()
    });
    string_fn(funcs, "adler32sum", |s| adler32(s).to_string().into_bytes());
    password::register(funcs, env);
    aes_cbc::register(funcs, env);
    certs::register(funcs, env);
}

/// Go's `hash/adler32.Checksum`.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest block whose sums cannot overflow a u32 before
    // the reduction (zlib's NMAX).
    for block in data.chunks(5552) {
        for &byte in block {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

/// Sprig's `bcrypt`, for tests outside this module.
#[cfg(test)]
pub(crate) fn bcrypt_for_tests(env: &Env, password: &[u8]) -> String {
    password::bcrypt(env, password)
}
