//! The formatting half of Go's `fmt` (Go's `format.go`): flags, width,
//! precision, padding, and the text of one number, string or rune.

use super::strconv;

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

/// Lower- or upper-case hex digits (`%x` vs `%X`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    Lower,
    Upper,
}

impl Case {
    fn digits(self) -> &'static [u8; 17] {
        match self {
            Case::Lower => LDIGITS,
            Case::Upper => UDIGITS,
        }
    }
}

/// Go's `fmtFlags` plus width and precision.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Flags {
    pub(super) wid_present: bool,
    pub(super) prec_present: bool,
    pub(super) minus: bool,
    pub(super) plus: bool,
    pub(super) sharp: bool,
    pub(super) space: bool,
    pub(super) zero: bool,
    /// `%+v`: the plus flag moved aside for the `v` verb.
    pub(super) plus_v: bool,
    /// `%#v`: Go-syntax printing.
    pub(super) sharp_v: bool,
    pub(super) wid: i64,
    pub(super) prec: i64,
}

/// Go's `fmt` struct: an output buffer and the current flags.
#[derive(Default)]
pub(super) struct Formatter {
    pub(super) buf: Vec<u8>,
    pub(super) f: Flags,
}

impl Formatter {
    /// Go's `clearflags`.
    pub(super) fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    /// Appends `n` padding bytes: zeros when the zero flag applies.
    pub(super) fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero && !self.f.minus {
            b'0'
        } else {
            b' '
        };
        self.buf
            .extend(std::iter::repeat_n(pad, usize::try_from(n).unwrap_or(0)));
    }

    /// Go's `pad`/`padString`: `b` padded to the width, counted in runes.
    pub(super) fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.f.wid - strconv::rune_count(b) as i64;
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    /// `pad` with the zero flag off (Go pads these with spaces only).
    fn pad_no_zero(&mut self, b: &[u8]) {
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(b);
        self.f.zero = old;
    }

    /// Go's `fmtBoolean`.
    pub(super) fn fmt_boolean(&mut self, v: bool) {
        self.pad(if v { b"true" } else { b"false" });
    }

    /// Go's `fmtUnicode`: `U+0078`, with `#` also `U+0078 'x'`.
    pub(super) fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut hex = strconv::format_uint(u, 16)
            .to_ascii_uppercase()
            .into_bytes();
        let mut out = b"U+".to_vec();
        let zeros = (prec - hex.len() as i64).max(0);
        out.extend(std::iter::repeat_n(b'0', zeros as usize));
        out.append(&mut hex);
        if self.f.sharp && u <= u64::from(strconv::MAX_RUNE) && strconv::is_print_rune(u as u32) {
            out.extend_from_slice(b" '");
            strconv::append_rune(&mut out, u as u32);
            out.push(b'\'');
        }
        self.pad_no_zero(&out);
    }

    /// Go's `fmtInteger`: `u` (the two's complement bits when `signed`) in
    /// `base`, with sign, precision, zero padding and `#` prefixes.
    pub(super) fn fmt_integer(&mut self, u: u64, base: u32, signed: bool, verb: u32, case: Case) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative {
            (u as i64).unsigned_abs()
        } else {
            u
        };
        let digits = case.digits();
        let mut prec = 0i64;
        if self.f.prec_present {
            prec = self.f.prec;
            // Precision 0 and value 0 print only padding.
            if prec == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // leave room for the sign
            }
        }
        // Digits are produced backwards.
        let mut rev: Vec<u8> = Vec::new();
        let b = u64::from(base);
        while u >= b {
            rev.push(digits[(u % b) as usize]);
            u /= b;
        }
        rev.push(digits[u as usize]);
        while (rev.len() as i64) < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == u32::from(b'O') {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        // The zero padding, if any, was already done via the precision.
        self.pad_no_zero(&rev);
    }

    /// Go's `truncate`: at most `prec` runes of `s`.
    fn truncate<'a>(&self, s: &'a [u8]) -> &'a [u8] {
        if self.f.prec_present {
            let mut n = self.f.prec;
            let mut i = 0;
            while i < s.len() {
                n -= 1;
                if n < 0 {
                    return &s[..i];
                }
                i += strconv::decode_rune(&s[i..]).1;
            }
        }
        s
    }

    /// Go's `fmtS`/`fmtBs`: truncated to the precision, padded.
    pub(super) fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// Go's `fmtSbx`: hex of each byte, `% x` spacing, `#` prefixes.
    pub(super) fn fmt_sbx(&mut self, s: &[u8], case: Case) {
        let digits = case.digits();
        let mut length = s.len() as i64;
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (i, &c) in s.iter().take(length as usize).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[usize::from(c >> 4)]);
            self.buf.push(digits[usize::from(c & 0xF)]);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    /// Go's `fmtQ`: a quoted string (backquoted with `#` when possible,
    /// ASCII-only with `+`).
    pub(super) fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        if self.f.sharp && strconv::can_backquote(s) {
            let mut q = Vec::with_capacity(s.len() + 2);
            q.push(b'`');
            q.extend_from_slice(s);
            q.push(b'`');
            self.pad(&q);
            return;
        }
        let q = if self.f.plus {
            strconv::quote_to_ascii(s)
        } else {
            strconv::quote(s)
        };
        self.pad(q.as_bytes());
    }

    /// Go's `fmtC`: the rune itself.
    pub(super) fn fmt_c(&mut self, c: u64) {
        let r = u32::try_from(c)
            .ok()
            .filter(|&r| r <= strconv::MAX_RUNE)
            .unwrap_or(strconv::RUNE_ERROR);
        let mut out = Vec::new();
        strconv::append_rune(&mut out, r);
        self.pad(&out);
    }

    /// Go's `fmtQc`: a quoted rune literal.
    pub(super) fn fmt_qc(&mut self, c: u64) {
        let r = u32::try_from(c)
            .ok()
            .filter(|&r| r <= strconv::MAX_RUNE)
            .unwrap_or(strconv::RUNE_ERROR);
        let q = if self.f.plus {
            strconv::quote_rune_to_ascii(r)
        } else {
            strconv::quote_rune(r)
        };
        self.pad(q.as_bytes());
    }

    /// Go's `fmtFloat`: `v` in format `verb` (`b e E f g G x X`) with the
    /// given default precision, then signs, `#` and padding.
    pub(super) fn fmt_float(&mut self, v: f64, size: u32, verb: u8, prec: i64) {
        let prec = if self.f.prec_present {
            self.f.prec
        } else {
            prec
        };
        let text = strconv::format_float(v, verb, prec.clamp(-1, i32::MAX as i64) as i32, size);
        // num[0] is the sign slot, as in Go.
        let mut num: Vec<u8> = Vec::with_capacity(text.len() + 1);
        if text.starts_with('-') || text.starts_with('+') {
            num.extend_from_slice(text.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(text.as_bytes());
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Infinities and NaN pad with spaces only; NaN has no sign unless
        // asked for.
        if num.get(1) == Some(&b'I') || num.get(1) == Some(&b'N') {
            let body: &[u8] = if num[1] == b'N' && !self.f.space && !self.f.plus {
                &num[1..]
            } else {
                &num
            };
            let body = body.to_vec();
            self.pad_no_zero(&body);
            return;
        }
        if self.f.sharp && verb != b'b' {
            num = sharp_float(num, verb, prec);
        }
        if self.f.plus || num[0] != b'+' {
            // A sign goes before zero padding.
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() as i64 {
                self.buf.push(num[0]);
                self.write_padding(self.f.wid - num.len() as i64);
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }
}

/// The `#` flag on floats: always a decimal point, and for `%g`/`%v`/`%x`
/// the trailing zeros up to the precision kept.
fn sharp_float(mut num: Vec<u8>, verb: u8, prec: i64) -> Vec<u8> {
    let mut digits = match verb {
        b'v' | b'g' | b'G' | b'x' => {
            if prec == -1 {
                6
            } else {
                prec
            }
        }
        _ => 0,
    };
    let mut tail: Vec<u8> = Vec::new();
    let mut has_point = false;
    let mut saw_nonzero = false;
    let mut i = 1;
    while i < num.len() {
        match num[i] {
            b'.' => has_point = true,
            b'p' | b'P' => {
                tail.extend_from_slice(&num[i..]);
                num.truncate(i);
                break;
            }
            b'e' | b'E' if verb != b'x' && verb != b'X' => {
                tail.extend_from_slice(&num[i..]);
                num.truncate(i);
                break;
            }
            c => {
                if c != b'0' {
                    saw_nonzero = true;
                }
                // Count significant digits after the first non-zero.
                if saw_nonzero {
                    digits -= 1;
                }
            }
        }
        i += 1;
    }
    if !has_point {
        // Leading digit 0 should contribute once to digits.
        if num.len() == 2 && num[1] == b'0' {
            digits -= 1;
        }
        num.push(b'.');
    }
    while digits > 0 {
        num.push(b'0');
        digits -= 1;
    }
    num.extend_from_slice(&tail);
    num
}
