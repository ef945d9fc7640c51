//! Sprig's `encryptAES` / `decryptAES`: AES-256-CBC with the password
//! zero-padded (or cut) to 32 bytes as the key, PKCS#7 padding, a random
//! IV in front, base64. Decryption does not check the padding, as
//! Sprig's does not; its panics on short or ragged input become errors
//! with Go's runtime texts.

use aes::Aes256;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};

use crate::gotemplate::{Func, Funcs, Signature, Type};

use crate::sprig::Env;
use crate::sprig::encoding::{b64_decode, b64_encode};
use crate::sprig::typed::{arg, bytes, fail, string};

const BLOCK: usize = 16;

fn cipher(password: &[u8]) -> Aes256 {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password[..n]);
    Aes256::new(&GenericArray::from(key))
}

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let e = env.clone();
    funcs.insert(Func::new(
        "encryptAES",
        Signature::new(vec![Type::String, Type::String], Type::String).with_error(),
        move |_, args| {
            let plain = bytes(arg(&args, 1));
            if plain.is_empty() {
                return Ok(string(""));
            }
            let aes = cipher(bytes(arg(&args, 0)));
            let pad = BLOCK - plain.len() % BLOCK;
            let mut content = plain.to_vec();
            content.resize(plain.len() + pad, pad as u8);
            let mut out = e.random_bytes(BLOCK);
            let mut prev = [0u8; BLOCK];
            prev.copy_from_slice(&out);
            for chunk in content.chunks(BLOCK) {
                let mut block = GenericArray::from(prev);
                for (b, p) in block.iter_mut().zip(chunk) {
                    *b ^= p;
                }
                aes.encrypt_block(&mut block);
                prev.copy_from_slice(&block);
                out.extend_from_slice(&block);
            }
            Ok(string(b64_encode(&out)))
        },
    ));
    funcs.insert(Func::new(
        "decryptAES",
        Signature::new(vec![Type::String, Type::String], Type::String).with_error(),
        |_, args| {
            let text = bytes(arg(&args, 1));
            if text.is_empty() {
                return Ok(string(""));
            }
            let crypt = b64_decode(text)
                .map_err(|at| fail(format!("illegal base64 data at input byte {at}")))?;
            if crypt.len() < BLOCK {
                // Go slices a buffer of DecodedLen capacity.
                return Err(fail(format!(
                    "runtime error: slice bounds out of range [:16] with capacity {}",
                    text.len() / 4 * 3
                )));
            }
            let (iv, body) = crypt.split_at(BLOCK);
            if body.len() % BLOCK != 0 {
                return Err(fail("crypto/cipher: input not full blocks"));
            }
            let aes = cipher(bytes(arg(&args, 0)));
            let mut prev = [0u8; BLOCK];
            prev.copy_from_slice(iv);
            let mut out = Vec::with_capacity(body.len());
            for chunk in body.chunks(BLOCK) {
                let mut block = GenericArray::clone_from_slice(chunk);
                aes.decrypt_block(&mut block);
                for (b, p) in block.iter_mut().zip(prev.iter()) {
                    *b ^= p;
                }
                out.extend_from_slice(&block);
                prev.copy_from_slice(chunk);
            }
            let Some(&last) = out.last() else {
                return Err(fail("runtime error: index out of range [-1]"));
            };
            let keep = out.len() as i64 - i64::from(last);
            if keep < 0 {
                return Err(fail(format!(
                    "runtime error: slice bounds out of range [:{keep}]"
                )));
            }
            out.truncate(keep as usize);
            Ok(string(out))
        },
    ));
}
