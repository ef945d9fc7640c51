//! Go's `strconv` float formatting, as far as `encoding/json`, jsoniter
//! and go-yaml use it.
//!
//! The digits and layout come from the template engine's port of Go's
//! `strconv.FormatFloat` ([`crate::gotemplate::strconv`], the lower,
//! dependency-free layer); this module only picks Go's `'e'`/`'f'`/`'g'`
//! cut-offs for each encoder.

use crate::gotemplate::strconv::format_float;

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
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        b'e'
    } else {
        b'f'
    };
    format_float(f, fmt, -1, 64)
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`: exponent notation when the
/// decimal exponent is below -4 or at least 6 (Go's fixed cut-off for the
/// shortest form), plain notation otherwise. Non-finite values print as
/// Go does: `+Inf`, `-Inf`, `NaN`.
pub fn format_g(f: f64) -> String {
    format_float(f, b'g', -1, 64)
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
