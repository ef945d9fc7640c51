//! Sprig's random functions: `randAlphaNum`, `randAlpha`, `randAscii`,
//! `randNumeric` (Masterminds/goutils `CryptoRandom*`), `randInt`
//! (`math/rand.Intn`), `shuffle` (xstrings `Shuffle`) and `randBytes`.
//!
//! Every random draw comes from [`Env::entropy`], so a render with
//! [`Env::fixed`] repeats exactly.

use crate::gotemplate::{Func, Funcs, Signature, Type, Value};

use super::Env;
use super::encoding::b64_encode;
use super::typed::{arg, bytes, fail, int, string};

/// Adapts [`Env`]'s entropy to the `rand_core` traits the RustCrypto
/// crates draw keys, salts and serial numbers from.
pub(crate) struct EnvRng<'a>(pub(crate) &'a Env);

impl rand_core::RngCore for EnvRng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.entropy.borrow_mut().fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// The entropy is the operating system's (or a test's fixed stream), as
// Go's crypto/rand.Reader.
impl rand_core::CryptoRng for EnvRng<'_> {}

/// A uniform draw from `0..n` (`n > 0`), the way Go's `crypto/rand.Int`
/// draws: the fewest whole bytes holding `n - 1`, the top byte masked to
/// its bit length, rejected until below `n`.
pub(crate) fn uniform(env: &Env, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let len = bits.div_ceil(8) as usize;
    let top_bits = match bits % 8 {
        0 => 8,
        b => b,
    };
    loop {
        let mut buf = env.random_bytes(len);
        buf[0] &= ((1u16 << top_bits) - 1) as u8;
        let v = buf.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        if v < n {
            return v;
        }
    }
}

/// Which characters a `CryptoRandom*` variant keeps.
#[derive(Clone, Copy)]
enum Alphabet {
    AlphaNum,
    Alpha,
    Numeric,
    Ascii,
}

/// goutils `CryptoRandom`: draws from `' '..='z'` (or `' '..='~'` for
/// ASCII) and keeps the characters the alphabet allows, until `count`
/// are kept. A negative count is an error Sprig discards: "".
fn crypto_random(env: &Env, count: i64, alphabet: Alphabet) -> String {
    let (start, end) = match alphabet {
        Alphabet::Ascii => (32u8, 127u8),
        _ => (b' ', b'z' + 1),
    };
    let mut out = String::new();
    let mut left = count.max(0);
    while left > 0 {
        let c = start + uniform(env, u64::from(end - start)) as u8;
        let keep = match alphabet {
            Alphabet::AlphaNum => c.is_ascii_alphanumeric(),
            Alphabet::Alpha => c.is_ascii_alphabetic(),
            Alphabet::Numeric => c.is_ascii_digit(),
            Alphabet::Ascii => true,
        };
        if keep {
            out.push(char::from(c));
            left -= 1;
        }
    }
    out
}

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let int_to_string = Signature::new(
        vec![Type::Int(crate::gotemplate::IntKind::Int)],
        Type::String,
    );
    for (name, alphabet) in [
        ("randAlphaNum", Alphabet::AlphaNum),
        ("randAlpha", Alphabet::Alpha),
        ("randAscii", Alphabet::Ascii),
        ("randNumeric", Alphabet::Numeric),
    ] {
        let env = env.clone();
        funcs.insert(Func::new(name, int_to_string.clone(), move |_, args| {
            Ok(string(crypto_random(&env, int(arg(&args, 0)), alphabet)))
        }));
    }

    let go_int = Type::Int(crate::gotemplate::IntKind::Int);
    let e = env.clone();
    funcs.insert(Func::new(
        "randInt",
        Signature::new(vec![go_int.clone(), go_int.clone()], go_int.clone()),
        move |_, args| {
            let (min, max) = (int(arg(&args, 0)), int(arg(&args, 1)));
            let span = max.wrapping_sub(min);
            if span <= 0 {
                // math/rand.Intn's panic.
                return Err(fail("invalid argument to Intn"));
            }
            Ok(Value::int(
                min.wrapping_add(uniform(&e, span as u64) as i64),
            ))
        },
    ));

    let e = env.clone();
    funcs.insert(Func::new(
        "shuffle",
        Signature::new(vec![Type::String], Type::String),
        move |_, args| Ok(string(shuffle(&e, bytes(arg(&args, 0))))),
    ));

    let e = env.clone();
    funcs.insert(Func::new(
        "randBytes",
        Signature::new(vec![go_int], Type::String).with_error(),
        move |_, args| {
            let n = int(arg(&args, 0));
            if n < 0 {
                return Err(fail("runtime error: makeslice: len out of range"));
            }
            Ok(string(b64_encode(&e.random_bytes(n as usize))))
        },
    ));
}

/// xstrings `Shuffle`: a Fisher-Yates shuffle of the runes (invalid
/// UTF-8 bytes become U+FFFD, as Go's `[]rune(s)`).
fn shuffle(env: &Env, s: &[u8]) -> String {
    let mut runes: Vec<char> = String::from_utf8_lossy(s).chars().collect();
    for i in (1..runes.len()).rev() {
        let j = uniform(env, i as u64 + 1) as usize;
        runes.swap(i, j);
    }
    runes.into_iter().collect()
}
