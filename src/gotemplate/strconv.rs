//! Go's `strconv` texts: float formatting (`FormatFloat`), integer
//! formatting, quoting with Go's printability, and the `unicode/utf8`
//! decoding rules those depend on.
//!
//! Go strings are bytes, not necessarily UTF-8, so everything here works on
//! byte slices and decodes as Go does: every byte of an invalid sequence is
//! one `U+FFFD` of width 1 (Rust's lossy decoding groups them differently).

use super::float_digits::Digits;
use super::printable::PRINT_RANGES;

/// `utf8.RuneError`, what an invalid byte decodes to.
pub const RUNE_ERROR: u32 = 0xFFFD;

/// `utf8.MaxRune`.
pub const MAX_RUNE: u32 = 0x10_FFFF;

/// Go's `utf8.DecodeRune`: the first rune of `s` and its width in bytes.
/// An empty input gives `(RUNE_ERROR, 0)`; an invalid or overlong sequence
/// or a surrogate gives `(RUNE_ERROR, 1)`.
pub fn decode_rune(s: &[u8]) -> (u32, usize) {
    let Some(&b0) = s.first() else {
        return (RUNE_ERROR, 0);
    };
    if b0 < 0x80 {
        return (u32::from(b0), 1);
    }
    // (length, lower bound of the second byte, upper bound of it) per
    // Go's `first` and `acceptRanges` tables.
    let (len, lo, hi) = match b0 {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xF0 => (4, 0x90, 0xBF),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        _ => return (RUNE_ERROR, 1),
    };
    if s.len() < len {
        return (RUNE_ERROR, 1);
    }
    if !(lo..=hi).contains(&s[1]) {
        return (RUNE_ERROR, 1);
    }
    if s[2..len].iter().any(|&b| !(0x80..=0xBF).contains(&b)) {
        return (RUNE_ERROR, 1);
    }
    let mut r = u32::from(b0) & (0x7F >> len);
    for &b in &s[1..len] {
        r = (r << 6) | (u32::from(b) & 0x3F);
    }
    (r, len)
}

/// Go's `utf8.RuneCount`: invalid bytes count one each.
pub fn rune_count(mut s: &[u8]) -> usize {
    let mut n = 0;
    while !s.is_empty() {
        let (_, w) = decode_rune(s);
        s = &s[w..];
        n += 1;
    }
    n
}

/// Go's `utf8.AppendRune`: surrogates and values above `MAX_RUNE` become
/// `U+FFFD`.
pub fn append_rune(buf: &mut Vec<u8>, r: u32) {
    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
    let mut tmp = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// Go's `strconv.IsPrint` for a rune given as a number (surrogates and
/// out-of-range values are not printable).
pub fn is_print_rune(r: u32) -> bool {
    if r < 0x80 {
        return (0x20..0x7F).contains(&r);
    }
    let i = PRINT_RANGES.partition_point(|&(_, hi)| hi < r);
    PRINT_RANGES.get(i).is_some_and(|&(lo, _)| lo <= r)
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space, per Go 1.26's Unicode tables.
pub fn is_print(c: char) -> bool {
    is_print_rune(u32::from(c))
}

/// Go's `strconv.CanBackquote`: whether `s` can be written as a raw
/// string literal unchanged.
pub fn can_backquote(mut s: &[u8]) -> bool {
    while !s.is_empty() {
        let (r, w) = decode_rune(s);
        s = &s[w..];
        if w > 1 {
            if r == 0xFEFF {
                return false;
            }
            continue;
        }
        if r == RUNE_ERROR {
            return false;
        }
        if (r < u32::from(b' ') && r != u32::from(b'\t')) || r == u32::from(b'`') || r == 0x7F {
            return false;
        }
    }
    true
}

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Go's `appendEscapedRune`.
fn append_escaped_rune(buf: &mut Vec<u8>, r: u32, quote: u8, ascii_only: bool) {
    if r == u32::from(quote) || r == u32::from(b'\\') {
        buf.push(b'\\');
        buf.push(r as u8);
        return;
    }
    if ascii_only {
        if r < 0x80 && is_print_rune(r) {
            buf.push(r as u8);
            return;
        }
    } else if is_print_rune(r) {
        append_rune(buf, r);
        return;
    }
    match r {
        0x07 => buf.extend_from_slice(b"\\a"),
        0x08 => buf.extend_from_slice(b"\\b"),
        0x0C => buf.extend_from_slice(b"\\f"),
        0x0A => buf.extend_from_slice(b"\\n"),
        0x0D => buf.extend_from_slice(b"\\r"),
        0x09 => buf.extend_from_slice(b"\\t"),
        0x0B => buf.extend_from_slice(b"\\v"),
        _ if r < u32::from(b' ') || r == 0x7F => {
            buf.extend_from_slice(b"\\x");
            buf.push(LOWER_HEX[(r >> 4) as usize & 0xF]);
            buf.push(LOWER_HEX[r as usize & 0xF]);
        }
        _ => {
            let r = if char::from_u32(r).is_some() {
                r
            } else {
                RUNE_ERROR
            };
            let (prefix, shifts): (&[u8], u32) = if r < 0x10000 {
                (b"\\u", 4)
            } else {
                (b"\\U", 8)
            };
            buf.extend_from_slice(prefix);
            for k in (0..shifts).rev() {
                buf.push(LOWER_HEX[(r >> (4 * k)) as usize & 0xF]);
            }
        }
    }
}

/// Go's `appendQuotedWith`.
fn quote_with(mut s: &[u8], quote: u8, ascii_only: bool) -> String {
    let mut buf = Vec::with_capacity(s.len() + 2);
    buf.push(quote);
    while !s.is_empty() {
        let (r, w) = decode_rune(s);
        if w == 1 && r == RUNE_ERROR {
            buf.extend_from_slice(b"\\x");
            buf.push(LOWER_HEX[usize::from(s[0] >> 4)]);
            buf.push(LOWER_HEX[usize::from(s[0] & 0xF)]);
        } else {
            append_escaped_rune(&mut buf, r, quote, ascii_only);
        }
        s = &s[w..];
    }
    buf.push(quote);
    // Only printable runes are copied; everything else is escaped ASCII.
    String::from_utf8_lossy(&buf).into_owned()
}

/// Go's `strconv.Quote`: a double-quoted Go literal, non-printable runes
/// and invalid bytes escaped.
pub fn quote(s: &[u8]) -> String {
    quote_with(s, b'"', false)
}

/// Go's `strconv.QuoteToASCII`: as [`quote`], with every non-ASCII rune
/// escaped too.
pub fn quote_to_ascii(s: &[u8]) -> String {
    quote_with(s, b'"', true)
}

/// Go's `strconv.QuoteRune` for a rune given as a number; an invalid rune
/// is quoted as `U+FFFD`.
pub fn quote_rune(r: u32) -> String {
    quote_rune_with(r, false)
}

/// Go's `strconv.QuoteRuneToASCII`.
pub fn quote_rune_to_ascii(r: u32) -> String {
    quote_rune_with(r, true)
}

fn quote_rune_with(r: u32, ascii_only: bool) -> String {
    let r = if char::from_u32(r).is_some() {
        r
    } else {
        RUNE_ERROR
    };
    let mut buf = vec![b'\''];
    append_escaped_rune(&mut buf, r, b'\'', ascii_only);
    buf.push(b'\'');
    String::from_utf8_lossy(&buf).into_owned()
}

const DIGITS36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Go's `strconv.FormatUint` for a base in `2..=36` (other bases are
/// treated as 10; Go panics on them).
pub fn format_uint(mut u: u64, base: u32) -> String {
    let base = if (2..=36).contains(&base) {
        u64::from(base)
    } else {
        10
    };
    let mut out = Vec::new();
    loop {
        out.push(DIGITS36[(u % base) as usize]);
        u /= base;
        if u == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `strconv.FormatInt` for a base in `2..=36`.
pub fn format_int(i: i64, base: u32) -> String {
    let digits = format_uint(i.unsigned_abs(), base);
    if i < 0 { format!("-{digits}") } else { digits }
}

/// Go's `strconv.FormatFloat(f, fmt, prec, bits)`.
///
/// `fmt` is one of `e E f g G b x X` (any other byte gives `%` followed by
/// it, as Go does); `prec` -1 means the shortest digits that read back as
/// the same value of `bits` (32 or 64; a 32-bit format first rounds `f` to
/// `float32`). Infinities and NaN print `+Inf`, `-Inf`, `NaN`.
pub fn format_float(f: f64, fmt: u8, prec: i32, bits: u32) -> String {
    let f = if bits == 32 { f64::from(f as f32) } else { f };
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let neg = f.is_sign_negative();
    match fmt {
        b'b' => return format_b(f, neg, bits),
        b'x' | b'X' => return format_x(f, neg, prec, fmt, bits),
        _ => {}
    }
    let abs = f.abs();
    let mut prec = prec;
    let shortest = prec < 0;
    let digs = if shortest {
        let d = Digits::shortest(abs, bits);
        prec = match fmt {
            b'e' | b'E' => (d.nd() as i32 - 1).max(0),
            b'f' => (d.nd() as i32 - d.dp).max(0),
            _ => d.nd() as i32,
        };
        d
    } else {
        match fmt {
            b'e' | b'E' => Digits::significant(abs, prec as usize + 1),
            b'f' => Digits::fixed(abs, prec as usize),
            b'g' | b'G' => {
                if prec == 0 {
                    prec = 1;
                }
                Digits::significant(abs, prec as usize)
            }
            _ => Digits::default(),
        }
    };
    let mut out = String::new();
    format_digits(&mut out, shortest, neg, &digs, prec, fmt);
    out
}

/// Go's `formatDigits`: lays out decimal digits per the format.
fn format_digits(out: &mut String, shortest: bool, neg: bool, d: &Digits, prec: i32, fmt: u8) {
    match fmt {
        b'e' | b'E' => fmt_e(out, neg, d, prec, fmt),
        b'f' => fmt_f(out, neg, d, prec),
        b'g' | b'G' => {
            let nd = d.nd() as i32;
            let mut eprec = prec;
            if eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            // %e is used if the exponent from the conversion is less than
            // -4 or greater than or equal to the precision; the shortest
            // form uses 6 as the precision for this decision.
            if shortest {
                eprec = 6;
            }
            let exp = d.dp - 1;
            let mut prec = prec;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                fmt_e(out, neg, d, prec - 1, fmt + b'e' - b'g');
                return;
            }
            if prec > d.dp {
                prec = nd;
            }
            fmt_f(out, neg, d, (prec - d.dp).max(0));
        }
        _ => {
            out.push('%');
            out.push(char::from(fmt));
        }
    }
}

/// Go's `fmtE`: `d.ddddde±dd`.
fn fmt_e(out: &mut String, neg: bool, d: &Digits, prec: i32, fmt: u8) {
    if neg {
        out.push('-');
    }
    out.push(char::from(d.digit(0)));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(char::from(d.digit(i)));
        }
    }
    out.push(char::from(fmt));
    let mut exp = if d.nd() == 0 { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

/// Go's `fmtF`: `ddddd.ddddd`.
fn fmt_f(out: &mut String, neg: bool, d: &Digits, prec: i32) {
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        for i in 0..d.dp as usize {
            out.push(char::from(d.digit(i)));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            let j = d.dp + i;
            let c = if j >= 0 { d.digit(j as usize) } else { b'0' };
            out.push(char::from(c));
        }
    }
}

/// The mantissa (with the implicit bit) and binary exponent of a finite
/// value as Go's `genericFtoa` derives them (`exp` already unbiased).
fn decompose(f: f64, bits: u32) -> (u64, i32, u32) {
    if bits == 32 {
        let b = (f as f32).to_bits();
        let exp = ((b >> 23) & 0xFF) as i32;
        let mut mant = u64::from(b & 0x7F_FFFF);
        let exp = if exp == 0 {
            1
        } else {
            mant |= 1 << 23;
            exp
        };
        (mant, exp - 127, 23)
    } else {
        let b = f.to_bits();
        let exp = ((b >> 52) & 0x7FF) as i32;
        let mut mant = b & ((1 << 52) - 1);
        let exp = if exp == 0 {
            1
        } else {
            mant |= 1 << 52;
            exp
        };
        (mant, exp - 1023, 52)
    }
}

/// Go's `fmtB`: `mantissa p exponent` in decimal.
fn format_b(f: f64, neg: bool, bits: u32) -> String {
    let (mant, exp, mantbits) = decompose(f, bits);
    let exp = exp - mantbits as i32;
    let sign = if neg { "-" } else { "" };
    let esign = if exp >= 0 { "+" } else { "" };
    format!("{sign}{mant}p{esign}{exp}")
}

/// Go's `fmtX`: hexadecimal mantissa and binary exponent, `-0x1.23abcp+20`.
fn format_x(f: f64, neg: bool, prec: i32, fmt: u8, bits: u32) -> String {
    let (mut mant, mut exp, mantbits) = decompose(f, bits);
    if mant == 0 {
        exp = 0;
    }
    // Shift the mantissa so its leading 1 sits at bit 60.
    mant <<= 60 - mantbits;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    // Round to `prec` hex digits, half to even.
    if (0..15).contains(&prec) {
        let shift = prec as u32 * 4;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        LOWER_HEX
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(char::from(fmt));
    out.push(char::from(b'0' + ((mant >> 60) & 1) as u8));
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

// Parsing: Go's `ParseInt`/`ParseUint` with base 0 and `ParseFloat`,
// shared by the template parser's number constants and Sprig's casts.

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
pub fn parse_uint(s0: &str) -> Option<u64> {
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
pub fn parse_int(s: &str) -> Option<i64> {
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

/// Go's `strconv.ParseFloat(s, 64)`: decimal and hex floats, `_`
/// separators, `inf`/`infinity`/`nan` in any case; `None` for syntax
/// errors and overflow (Go's `ErrRange`).
pub fn parse_float(s: &str) -> Option<f64> {
    if let Some(special) = parse_special(s) {
        return Some(special);
    }
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

/// Go's `special`: a whole string `[+-]inf`, `[+-]infinity` or `nan`,
/// in any case.
fn parse_special(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        Some(sign * f64::INFINITY)
    } else if body.eq_ignore_ascii_case("nan") && body.len() == s.len() {
        Some(f64::NAN)
    } else {
        None
    }
}
