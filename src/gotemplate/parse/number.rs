//! Number constants: Go's `parse.newNumber`, with the `strconv.ParseInt`,
//! `ParseUint` and `ParseFloat` rules it relies on (base prefixes, a
//! leading `0` meaning octal for integers, `_` separators, hex floats,
//! imaginary and character constants).

use super::super::ast::NumberNode;
use super::super::ast::Pos;
use super::quote::{go_quote, unquote_char};

/// The lexer's kind of number token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberKind {
    /// `'a'`.
    Char,
    /// `1+2i`.
    Complex,
    /// Any other number, including `1i`.
    Plain,
}

/// Go's `newNumber`: every interpretation of `text`, or Go's error text.
pub(super) fn new_number(pos: Pos, text: &str, kind: NumberKind) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        text: text.to_string(),
    };
    match kind {
        NumberKind::Char => {
            let bytes = text.as_bytes();
            let (r, _, tail) = unquote_char(&bytes[1..], bytes[0])
                .ok_or_else(|| super::quote::INVALID_SYNTAX.to_string())?;
            if tail != b"'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int64 = i64::from(r);
            n.is_int = true;
            n.uint64 = u64::from(r);
            n.is_uint = true;
            // Odd, but those are Go's rules.
            n.float64 = f64::from(r);
            n.is_float = true;
            return Ok(n);
        }
        NumberKind::Complex => {
            let (re, im) = parse_complex(text).ok_or_else(|| {
                format!(
                    "strconv.ParseFloat: parsing {}: invalid syntax",
                    go_quote(text.as_bytes())
                )
            })?;
            n.is_complex = true;
            simplify_complex(&mut n, re, im);
            return Ok(n);
        }
        NumberKind::Plain => {}
    }
    // Imaginary constants are complex unless zero.
    if let Some(imag) = text.strip_suffix('i')
        && let Some(f) = parse_float(imag)
    {
        n.is_complex = true;
        simplify_complex(&mut n, 0.0, f);
        return Ok(n);
    }
    // Integers first, so that 0x123 etc. are exact.
    let u = parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            // -0 is a uint too.
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = parse_float(text) {
        // A float that looks like an integer is one too large for int64.
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text.as_bytes())));
        }
        n.is_float = true;
        n.float64 = f;
        if let Some(i) = float_to_int(f) {
            n.is_int = true;
            n.int64 = i;
        }
        if let Some(u) = float_to_uint(f) {
            n.is_uint = true;
            n.uint64 = u;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            go_quote(text.as_bytes())
        ));
    }
    Ok(n)
}

/// `float64(int64(f)) == f` on amd64: only floats in int64's range with
/// no fraction survive (out-of-range conversions give MinInt64 there).
fn float_to_int(f: f64) -> Option<i64> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    ((-TWO_63..TWO_63).contains(&f) && f.trunc() == f).then_some(f as i64)
}

/// `float64(uint64(f)) == f` on amd64.
fn float_to_uint(f: f64) -> Option<u64> {
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    ((0.0..TWO_64).contains(&f) && f.trunc() == f).then_some(f as u64)
}

/// Go's `simplifyComplex`: a zero imaginary part makes the number a float
/// (and an int/uint when whole).
fn simplify_complex(n: &mut NumberNode, re: f64, im: f64) {
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        if let Some(i) = float_to_int(re) {
            n.is_int = true;
            n.int64 = i;
        }
        if let Some(u) = float_to_uint(re) {
            n.is_uint = true;
            n.uint64 = u;
        }
    }
}

/// `fmt.Sscan` of a complex constant `re±imi`.
fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let body = text.strip_suffix('i')?;
    let bytes = body.as_bytes();
    // The split is the last sign not following an exponent marker.
    let split = (1..bytes.len()).rev().find(|&i| {
        matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E' | b'p' | b'P')
    })?;
    let re = parse_float(&body[..split])?;
    let im = parse_float(&body[split..])?;
    Some((re, im))
}

/// Go's `underscoreOK`: `_` only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let mut s = s.as_bytes();
    if let Some(b'+' | b'-') = s.first() {
        s = &s[1..];
    }
    // '^' start, '0' digit or prefix, '_' underscore, '!' anything else.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub(super) fn parse_uint(s0: &str) -> Option<u64> {
    let mut s = s0.as_bytes();
    if s.is_empty() {
        return None;
    }
    let mut base: u32 = 10;
    if s[0] == b'0' {
        match s.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if s.len() >= 3 => (base, s) = (2, &s[2..]),
            Some(b'o') if s.len() >= 3 => (base, s) = (8, &s[2..]),
            Some(b'x') if s.len() >= 3 => (base, s) = (16, &s[2..]),
            _ => (base, s) = (8, &s[1..]),
        }
    }
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in s {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = char::from(c).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(super) fn parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(rest)?;
    const CUTOFF: u64 = 1 << 63;
    if neg {
        if un > CUTOFF {
            return None;
        }
        Some((un as i64).wrapping_neg())
    } else {
        i64::try_from(un).ok()
    }
}

/// The parts of a float Go's `readFloat` accepts.
struct FloatParts {
    neg: bool,
    hex: bool,
    /// Digits (without separators or the point) and the point's position.
    digits: Vec<u8>,
    point: usize,
    exp: i64,
}

/// Go's `readFloat` grammar over the whole string (ParseFloat rejects
/// trailing bytes): sign, optional `0x`, digits with one optional point,
/// an exponent (`e`, or `p`, required for hex), `_` per `underscoreOK`.
fn read_float(s: &str) -> Option<FloatParts> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first() {
        Some(b'+') => i += 1,
        Some(b'-') => {
            i += 1;
            neg = true;
        }
        _ => {}
    }
    let mut hex = false;
    if i + 2 < b.len() && b[i] == b'0' && b[i + 1].eq_ignore_ascii_case(&b'x') {
        hex = true;
        i += 2;
    }
    let mut digits = Vec::new();
    let mut point = None;
    let mut underscores = false;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if point.is_some() {
                break;
            }
            point = Some(digits.len());
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            digits.push(c);
        } else {
            break;
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let exp_char = if hex { b'p' } else { b'e' };
    let mut exp: i64 = 0;
    if i < b.len() && b[i].to_ascii_lowercase() == exp_char {
        i += 1;
        let mut sign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                i += 1;
                sign = -1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exp < 100_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        exp *= sign;
    } else if hex {
        return None;
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return None;
    }
    let point = point.unwrap_or(digits.len());
    Some(FloatParts {
        neg,
        hex,
        digits,
        point,
        exp,
    })
}

/// Go's `strconv.ParseFloat(s, 64)` for what the lexer can produce;
/// `None` for syntax errors and overflow (Go's `ErrRange`).
pub(super) fn parse_float(s: &str) -> Option<f64> {
    let parts = read_float(s)?;
    let f = if parts.hex {
        hex_float(&parts)?
    } else {
        // Rust's parser rounds correctly, as Go's does.
        let mut text = String::with_capacity(parts.digits.len() + 24);
        text.push_str(std::str::from_utf8(&parts.digits[..parts.point]).ok()?);
        text.push('.');
        text.push_str(std::str::from_utf8(&parts.digits[parts.point..]).ok()?);
        text.push_str(&format!("e{}", parts.exp));
        let v: f64 = text.parse().ok()?;
        if parts.neg { -v } else { v }
    };
    f.is_finite().then_some(f)
}

/// A hex float (`0x1.8p3`), rounded to nearest even like Go's `atofHex`.
fn hex_float(parts: &FloatParts) -> Option<f64> {
    let mut mant: u64 = 0;
    let mut sticky = false;
    // Binary exponent of the last kept digit.
    let mut exp: i64 = parts.exp - 4 * (parts.digits.len() - parts.point) as i64;
    for &d in &parts.digits {
        let v = u64::from(char::from(d).to_digit(16)?);
        if mant >> 60 == 0 {
            mant = (mant << 4) | v;
        } else {
            // Too many digits: drop them into the sticky bit.
            sticky |= v != 0;
            exp += 4;
        }
    }
    let sign = if parts.neg { -0.0f64 } else { 0.0 };
    if mant == 0 {
        return Some(sign);
    }
    // Normalise so that bit 63 is set: value = mant * 2^exp.
    let lz = mant.leading_zeros();
    mant <<= lz;
    exp -= i64::from(lz);
    // The value is in [2^e2, 2^(e2+1)).
    let mut e2 = exp + 63;
    let mut shift: u32 = 11;
    if e2 < -1022 {
        // Subnormal: keep fewer bits.
        let extra = -1022 - e2;
        if extra > 53 {
            // Below half the smallest subnormal.
            return Some(sign);
        }
        shift = 11 + extra as u32;
    }
    let keep_bits = |m: u64, s: u32| if s >= 64 { 0 } else { m >> s };
    let mut keep = keep_bits(mant, shift);
    let rem = if shift >= 64 {
        mant
    } else {
        mant & ((1u64 << shift) - 1)
    };
    let half = 1u64 << (shift - 1).min(63);
    // Round half to even; dropped digits count as being above half.
    if rem > half || (rem == half && (sticky || keep & 1 == 1)) {
        keep += 1;
    }
    if shift == 11 {
        if keep == 1 << 53 {
            keep >>= 1;
            e2 += 1;
        }
        if e2 > 1023 {
            return None;
        }
        let bits = (((e2 + 1023) as u64) << 52) | (keep & ((1 << 52) - 1));
        return Some(f64::from_bits(bits).copysign(sign));
    }
    // Subnormal (a carry into bit 52 makes it the smallest normal).
    Some(f64::from_bits(keep).copysign(sign))
}
