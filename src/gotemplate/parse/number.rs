//! Number constants: Go's `parse.newNumber`, with the `strconv.ParseInt`,
//! `ParseUint` and `ParseFloat` rules it relies on (base prefixes, a
//! leading `0` meaning octal for integers, `_` separators, hex floats,
//! imaginary and character constants).

use super::super::ast::NumberNode;
use super::super::ast::Pos;
use super::super::strconv::{parse_float, parse_int, parse_uint};
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
