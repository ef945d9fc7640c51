//! Go's `strconv` float formatting, as far as `encoding/json`, jsoniter
//! and go-yaml use it.
//!
//! Both Go and Rust produce the *shortest* decimal digit string that reads
//! back as the same `f64` (Go with Ryū, Rust with Grisu and a Dragon4
//! fallback), so the digits are taken from Rust's `{:e}` formatting and only
//! the layout around them is Go's: where the decimal point goes, when an
//! exponent is used, how the exponent is padded.

/// The shortest round-trip decimal form of a finite `f64`:
/// `0.d1d2d3… × 10^point`, with `digits` holding `d1d2d3…` as ASCII.
///
/// Zero has no digits, as in Go's `decimalSlice`.
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i32,
}

impl Decimal {
    fn shortest(f: f64) -> Decimal {
        let negative = f.is_sign_negative();
        if f == 0.0 {
            return Decimal {
                negative,
                digits: Vec::new(),
                point: 0,
            };
        }
        // `{:e}` prints `d.ddd…e±x` with the shortest round-trip digits.
        let text = format!("{:e}", f.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let shortest = Decimal {
            negative,
            digits,
            point: exponent + 1,
        };
        shortest.tie_to_even(f.abs()).unwrap_or(shortest)
    }

    /// When `f` lies exactly halfway between two shortest candidates (say
    /// 866132495654318.25 between …318.2 and …318.3), Rust rounds the tie
    /// up, while Go (Dragonbox) rounds it to the even candidate. Returns
    /// Go's choice if it differs from `self`.
    fn tie_to_even(&self, abs: f64) -> Option<Decimal> {
        let n = self.digits.len();
        // A tie needs the exact value to have exactly n + 1 significant
        // digits, the last a 5; the rounded (n + 1)-digit form filters out
        // nearly every other case cheaply.
        let rounded = format!("{abs:.n$e}");
        if !rounded.split('e').next().is_some_and(|m| m.ends_with('5')) {
            return None;
        }
        // Every f64 has a terminating decimal expansion of at most 767
        // significant digits, so this prints it exactly.
        let exact = format!("{abs:.800e}");
        let (mantissa, exponent) = exact.split_once('e')?;
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.len() != n + 1 || digits.last() != Some(&b'5') {
            return None;
        }
        digits.pop();
        let mut point = exponent.parse::<i32>().ok()? + 1;
        if digits.last().is_some_and(|d| (d - b'0') % 2 == 1) {
            // Round up to the even neighbour, carrying as needed.
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    point += 1;
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        let candidate = Decimal {
            negative: self.negative,
            digits,
            point,
        };
        // Near a power of two the rounding interval is lopsided and only
        // one neighbour may read back as `abs`; Go keeps that one.
        let text = format!(
            "0.{}e{}",
            String::from_utf8_lossy(&candidate.digits),
            candidate.point
        );
        (candidate.digits != self.digits && text.parse::<f64>().ok() == Some(abs))
            .then_some(candidate)
    }

    /// Go's `fmtF`: plain decimal notation with `precision` fraction digits.
    fn write_fixed(&self, out: &mut String, precision: usize) {
        if self.negative {
            out.push('-');
        }
        if self.point > 0 {
            let whole = self.point as usize;
            for i in 0..whole {
                out.push(self.digits.get(i).map_or('0', |&d| char::from(d)));
            }
        } else {
            out.push('0');
        }
        if precision > 0 {
            out.push('.');
            for i in 1..=precision {
                let index = self.point as i64 + i as i64 - 1;
                let digit = usize::try_from(index).ok().and_then(|j| self.digits.get(j));
                out.push(digit.map_or('0', |&d| char::from(d)));
            }
        }
    }

    /// Go's `fmtE` with the shortest precision: `d.ddde±XX`, the exponent
    /// written with at least two digits.
    fn write_exponent(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        out.push(self.digits.first().map_or('0', |&d| char::from(d)));
        if self.digits.len() > 1 {
            out.push('.');
            out.extend(self.digits[1..].iter().map(|&d| char::from(d)));
        }
        out.push('e');
        let exponent = if self.digits.is_empty() {
            0
        } else {
            self.point - 1
        };
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    }
}

/// `f` as Go's `encoding/json` writes a `float64` (`floatEncoder`): plain
/// decimal notation for `1e-6 <= |f| < 1e21` (and zero), otherwise
/// exponent notation with a single-digit negative exponent left unpadded
/// (`1e-7`, but `1e+21`).
///
/// Callers must reject NaN and infinities first: Go refuses to encode them.
pub fn json_float(f: f64) -> String {
    let mut out = jsoniter_float(f);
    // encoding/json trims the zero padding only from negative one-digit
    // exponents.
    let bytes = out.as_bytes();
    let n = bytes.len();
    if n >= 4 && &bytes[n - 4..n - 1] == b"e-0" {
        out.remove(n - 2);
    }
    out
}

/// `f` as jsoniter's `WriteFloat64` writes it (structured-merge-diff's
/// values): the same cut-offs as [`json_float`], but the exponent always
/// padded to two digits (`1e-07`, `2.5e-08`).
///
/// Callers must reject NaN and infinities first.
pub fn jsoniter_float(f: f64) -> String {
    let d = Decimal::shortest(f);
    let mut out = String::new();
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        d.write_exponent(&mut out);
    } else {
        let precision = (d.digits.len() as i32 - d.point).max(0) as usize;
        d.write_fixed(&mut out, precision);
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`: exponent notation when the
/// decimal exponent is below -4 or at least 6 (Go's fixed cut-off for the
/// shortest form), plain notation otherwise. Non-finite values print as
/// Go does: `+Inf`, `-Inf`, `NaN`.
pub fn format_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let d = Decimal::shortest(f);
    let mut out = String::new();
    let exponent = d.point - 1;
    if !(-4..6).contains(&exponent) {
        d.write_exponent(&mut out);
    } else {
        let precision = (d.digits.len() as i32 - d.point).max(0) as usize;
        d.write_fixed(&mut out, precision);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_layout() {
        assert_eq!(json_float(0.0), "0");
        assert_eq!(json_float(-0.0), "-0");
        assert_eq!(json_float(1e-6), "0.000001");
        assert_eq!(json_float(1e-7), "1e-7");
        assert_eq!(json_float(1.5e-10), "1.5e-10");
        assert_eq!(json_float(1e20), "100000000000000000000");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(3.0), "3");
        assert_eq!(json_float(1.1), "1.1");
        assert_eq!(json_float(5e-324), "5e-324");
        // An exact tie between two shortest forms goes to the even digit.
        assert_eq!(
            json_float(f64::from_bits(0x43089df17ddaed72)),
            "866132495654318.2"
        );
    }

    /// What Go 1.26 prints for each value: `json.Marshal`, jsoniter (the
    /// `'e'`/`'f'` layout without trimming) and `FormatFloat(f, 'g', -1,
    /// 64)`. The Go outputs were checked with a throwaway `go run`.
    #[test]
    fn go_reference_values() {
        for (bits, json, jsoniter, g) in [
            // The 1e21 cut-off, on both sides and negative.
            (0x444b1ae4d6e2ef50_u64, "1e+21", "1e+21", "1e+21"),
            (0xc44b1ae4d6e2ef50, "-1e+21", "-1e+21", "-1e+21"),
            (
                0x444b1ae4d6e2ef4f,
                "999999999999999900000",
                "999999999999999900000",
                "9.999999999999999e+20",
            ),
            (
                0x4415af1d78b58c40,
                "100000000000000000000",
                "100000000000000000000",
                "1e+20",
            ),
            // The 1e-6 cut-off.
            (0x3eb0c6f7a0b5ed8d, "0.000001", "0.000001", "1e-06"),
            (0x3e7ad7f29abcaf48, "1e-7", "1e-07", "1e-07"),
            (0xbe7ad7f29abcaf48, "-1e-7", "-1e-07", "-1e-07"),
            (0x3e5ad7f29abcaf48, "2.5e-8", "2.5e-08", "2.5e-08"),
            (
                0x3eb4b3fd5942cd96,
                "0.000001234",
                "0.000001234",
                "1.234e-06",
            ),
            (0x3ee4f8b588e368f1, "0.00001", "0.00001", "1e-05"),
            // Zero, negative zero, the smallest and largest float64.
            (0x0, "0", "0", "0"),
            (0x8000000000000000, "-0", "-0", "-0"),
            (0x1, "5e-324", "5e-324", "5e-324"),
            (
                0x7fefffffffffffff,
                "1.7976931348623157e+308",
                "1.7976931348623157e+308",
                "1.7976931348623157e+308",
            ),
            // 0.1 + 0.2, and 2^53 + 1 as read by ParseFloat.
            (
                0x3fd3333333333334,
                "0.30000000000000004",
                "0.30000000000000004",
                "0.30000000000000004",
            ),
            (
                0x4340000000000000,
                "9007199254740992",
                "9007199254740992",
                "9.007199254740992e+15",
            ),
            // An exact tie between two shortest forms: the even digit wins.
            (
                0x43089df17ddaed72,
                "866132495654318.2",
                "866132495654318.2",
                "8.661324956543182e+14",
            ),
            (
                0x44ba249b1f10a06d,
                "1.2345678901234569e+23",
                "1.2345678901234569e+23",
                "1.2345678901234569e+23",
            ),
            (
                0x419d6f3456000000,
                "123456789.5",
                "123456789.5",
                "1.234567895e+08",
            ),
            (0x40fe240800000000, "123456.5", "123456.5", "123456.5"),
        ] {
            let f = f64::from_bits(bits);
            assert_eq!(json_float(f), json, "{bits:x} json");
            assert_eq!(jsoniter_float(f), jsoniter, "{bits:x} jsoniter");
            assert_eq!(format_g(f), g, "{bits:x} g");
        }
    }

    #[test]
    fn g_layout() {
        assert_eq!(format_g(0.0), "0");
        assert_eq!(format_g(1e20), "1e+20");
        assert_eq!(format_g(123456789.5), "1.234567895e+08");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(123456.5), "123456.5");
        assert_eq!(format_g(1e-100), "1e-100");
        assert_eq!(format_g(f64::INFINITY), "+Inf");
    }
}
