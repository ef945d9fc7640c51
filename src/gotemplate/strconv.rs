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
