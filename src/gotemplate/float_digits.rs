//! Decimal digits of a float, as Go's `strconv` produces them before the
//! layout: shortest round-trip digits (`prec` -1) or correctly rounded
//! digits for a precision.
//!
//! Rust's float formatting computes the same digits (shortest via Grisu
//! with a Dragon4 fallback, fixed precision exactly with round-half-even on
//! the exact binary value), so the digits are taken from it and only Go's
//! choices that differ are applied here: an exact tie between two shortest
//! candidates goes to the even one in Go (Dragonbox) and up in Rust.

/// Digits `0.d1d2d3… × 10^dp`, trailing zeros trimmed; zero has none.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Digits {
    digits: Vec<u8>,
    /// The decimal point position (Go's `decimalSlice.dp`).
    pub(super) dp: i32,
}

impl Digits {
    /// Number of digits (Go's `nd`).
    pub(super) fn nd(&self) -> usize {
        self.digits.len()
    }

    /// The ASCII digit at `i`, `'0'` past the end.
    pub(super) fn digit(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }

    /// Digits from Rust's `{:e}` text `d.ddde±x`.
    fn from_exp_text(text: &str) -> Digits {
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        let exponent: i32 = exponent.parse().unwrap_or(0);
        Digits {
            digits,
            dp: exponent + 1,
        }
        .trimmed()
    }

    /// Drops trailing zeros; all zeros leave no digits.
    fn trimmed(mut self) -> Digits {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.dp = 0;
        }
        self
    }

    /// The shortest digits that read back as `abs` at `bits` (32 or 64)
    /// precision. `abs` must be finite and non-negative.
    pub(super) fn shortest(abs: f64, bits: u32) -> Digits {
        if abs == 0.0 {
            return Digits::default();
        }
        let text = if bits == 32 {
            format!("{:e}", abs as f32)
        } else {
            format!("{abs:e}")
        };
        let d = Digits::from_exp_text(&text);
        d.tie_to_even(abs, bits).unwrap_or(d)
    }

    /// When `abs` lies exactly halfway between two shortest candidates,
    /// Go keeps the even one; returns it if it differs from `self`.
    fn tie_to_even(&self, abs: f64, bits: u32) -> Option<Digits> {
        let n = self.digits.len();
        // A tie needs the exact value to have exactly n + 1 significant
        // digits ending in 5; the rounded form filters nearly all cases.
        let rounded = format!("{abs:.n$e}");
        if !rounded.split('e').next().is_some_and(|m| m.ends_with('5')) {
            return None;
        }
        // Every f64 has an exact decimal expansion of at most 767
        // significant digits.
        let exact = Digits::from_exp_text(&format!("{abs:.800e}"));
        if exact.digits.len() != n + 1 || exact.digits.last() != Some(&b'5') {
            return None;
        }
        let mut digits = exact.digits;
        digits.pop();
        let mut dp = exact.dp;
        if digits.last().is_some_and(|d| (d - b'0') % 2 == 1) {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    dp += 1;
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
        let candidate = Digits { digits, dp }.trimmed();
        if candidate == *self {
            return None;
        }
        // Near a power of two only one neighbour may read back as `abs`.
        let text = format!(
            "0.{}e{}",
            String::from_utf8_lossy(&candidate.digits),
            candidate.dp
        );
        let reads_back = if bits == 32 {
            text.parse::<f32>().ok().map(f64::from) == Some(abs)
        } else {
            text.parse::<f64>().ok() == Some(abs)
        };
        reads_back.then_some(candidate)
    }

    /// `abs` rounded to `n` (>= 1) significant digits.
    pub(super) fn significant(abs: f64, n: usize) -> Digits {
        if abs == 0.0 {
            return Digits::default();
        }
        let prec = n.saturating_sub(1);
        Digits::from_exp_text(&format!("{abs:.prec$e}"))
    }

    /// `abs` rounded to `prec` digits after the decimal point.
    pub(super) fn fixed(abs: f64, prec: usize) -> Digits {
        if abs == 0.0 {
            return Digits::default();
        }
        let text = format!("{abs:.prec$}");
        let (whole, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let mut digits: Vec<u8> = whole.bytes().chain(frac.bytes()).collect();
        let mut dp = whole.len() as i32;
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..lead);
        dp -= lead as i32;
        Digits { digits, dp }.trimmed()
    }
}
