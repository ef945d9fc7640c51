//! Sprig's arithmetic (numeric.go and the `genericMap` closures): integer
//! functions convert with spf13/cast and compute in Go `int64` (wrapping,
//! with Go's divide-by-zero panic); the `f` variants go through
//! shopspring/decimal as Sprig does, so `addf 0.1 0.2` is `0.3`.

use super::convert::{ANY, FLOAT64, INT, INT64, arg_int, def, slice_of, to_float64, to_int64};
use super::env::Env;
use super::strings::until_step;
use crate::gotemplate::{FuncError, Funcs, List, Signature, Value};

/// Go's panic text for an integer division by zero.
const DIVIDE_BY_ZERO: &str = "runtime error: integer divide by zero";

/// Registers the math functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    def(funcs, "add1", Signature::new(vec![ANY], INT64), |a| {
        Ok(Value::int64(to_int64(&a[0]).wrapping_add(1)))
    });
    def(funcs, "add", Signature::variadic(vec![], ANY, INT64), |a| {
        Ok(Value::int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    def(funcs, "sub", Signature::new(vec![ANY, ANY], INT64), |a| {
        Ok(Value::int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    def(funcs, "div", Signature::new(vec![ANY, ANY], INT64), |a| {
        let (x, y) = (to_int64(&a[0]), to_int64(&a[1]));
        if y == 0 {
            return Err(FuncError::new(DIVIDE_BY_ZERO));
        }
        Ok(Value::int64(x.wrapping_div(y)))
    });
    def(funcs, "mod", Signature::new(vec![ANY, ANY], INT64), |a| {
        let (x, y) = (to_int64(&a[0]), to_int64(&a[1]));
        if y == 0 {
            return Err(FuncError::new(DIVIDE_BY_ZERO));
        }
        Ok(Value::int64(x.wrapping_rem(y)))
    });
    def(
        funcs,
        "mul",
        Signature::variadic(vec![ANY], ANY, INT64),
        |a| {
            Ok(Value::int64(
                a.iter()
                    .skip(1)
                    .fold(to_int64(&a[0]), |acc, v| acc.wrapping_mul(to_int64(v))),
            ))
        },
    );
    for name in ["max", "biggest"] {
        def(
            funcs,
            name,
            Signature::variadic(vec![ANY], ANY, INT64),
            |a| Ok(Value::int64(fold_args(&a, to_int64, i64::max))),
        );
    }
    def(
        funcs,
        "min",
        Signature::variadic(vec![ANY], ANY, INT64),
        |a| Ok(Value::int64(fold_args(&a, to_int64, i64::min))),
    );
    def(
        funcs,
        "maxf",
        Signature::variadic(vec![ANY], ANY, FLOAT64),
        |a| Ok(Value::float64(fold_args(&a, to_float64, go_max))),
    );
    def(
        funcs,
        "minf",
        Signature::variadic(vec![ANY], ANY, FLOAT64),
        |a| Ok(Value::float64(fold_args(&a, to_float64, go_min))),
    );
    def(funcs, "floor", Signature::new(vec![ANY], FLOAT64), |a| {
        Ok(Value::float64(to_float64(&a[0]).floor()))
    });
    def(funcs, "ceil", Signature::new(vec![ANY], FLOAT64), |a| {
        Ok(Value::float64(to_float64(&a[0]).ceil()))
    });
    def(
        funcs,
        "round",
        Signature::variadic(vec![ANY, INT], FLOAT64, FLOAT64),
        |a| {
            let round_on = match a.get(2) {
                Some(Value::Float(f, _)) => *f,
                _ => 0.5,
            };
            Ok(Value::float64(round(
                to_float64(&a[0]),
                arg_int(&a[1]),
                round_on,
            )))
        },
    );
    def(
        funcs,
        "until",
        Signature::new(vec![INT], slice_of(INT)),
        |a| {
            let count = arg_int(&a[0]);
            let step = if count < 0 { -1 } else { 1 };
            Ok(int_list(until_step(0, count, step)))
        },
    );
    def(
        funcs,
        "untilStep",
        Signature::new(vec![INT, INT, INT], slice_of(INT)),
        |a| {
            Ok(int_list(until_step(
                arg_int(&a[0]),
                arg_int(&a[1]),
                arg_int(&a[2]),
            )))
        },
    );
    def(funcs, "add1f", Signature::new(vec![ANY], FLOAT64), |a| {
        decimal_op(&a[0], &[Value::int(1)], Decimal::add)
    });
    def(
        funcs,
        "addf",
        Signature::variadic(vec![], ANY, FLOAT64),
        |a| decimal_op(&Value::float64(0.0), &a, Decimal::add),
    );
    def(
        funcs,
        "subf",
        Signature::variadic(vec![ANY], ANY, FLOAT64),
        |a| decimal_op(&a[0], &a[1..], Decimal::sub),
    );
    def(
        funcs,
        "mulf",
        Signature::variadic(vec![ANY], ANY, FLOAT64),
        |a| decimal_op(&a[0], &a[1..], Decimal::mul),
    );
    def(
        funcs,
        "divf",
        Signature::variadic(vec![ANY], ANY, FLOAT64),
        |a| decimal_op(&a[0], &a[1..], Decimal::div),
    );
}

/// A Go `[]int`.
/// Sprig's variadic `max`/`min` family: `op` folded over the converted
/// arguments, starting from the first (the executor guarantees one).
fn fold_args<T>(a: &[Value], conv: fn(&Value) -> T, op: fn(T, T) -> T) -> T {
    a.iter().skip(1).map(conv).fold(conv(&a[0]), op)
}

fn int_list(items: Vec<i64>) -> Value {
    Value::List(List::new(INT, items.into_iter().map(Value::int).collect()))
}

/// Go's `math.Max` (NaN wins; +0 beats -0).
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min` (NaN wins; -0 beats +0).
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// Sprig's `round`: away from the floor once the fraction reaches
/// `round_on`.
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * val;
    let frac = digit.fract();
    let rounded = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    rounded / pow
}

/// A shopspring/decimal value: `mant * 10^exp`. Sprig only adds,
/// subtracts, multiplies and divides (16 places) decimals made from
/// float64s, which fits in `i128` except for extreme exponent spreads;
/// those fall back to float arithmetic.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    mant: i128,
    exp: i32,
    /// The float value, used when an exact result would overflow.
    approx: f64,
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that round-trips.
    fn from_f64(f: f64) -> Result<Decimal, FuncError> {
        if !f.is_finite() {
            let text = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(FuncError::new(format!(
                "Cannot create a Decimal from {text}"
            )));
        }
        // `{:e}` is Rust's shortest round-trip digits: "1.2345e-5".
        let text = format!("{f:e}");
        let (digits, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let mant: i128 = format!("{int}{frac}").parse().unwrap_or(0);
        Ok(Decimal {
            mant,
            exp: exp - frac.len() as i32,
            approx: f,
        })
    }

    fn inexact(approx: f64) -> Decimal {
        Decimal::from_f64(approx).unwrap_or(Decimal {
            mant: 0,
            exp: 0,
            approx,
        })
    }

    /// The nearest float64 (decimal's `Float64`).
    fn to_f64(self) -> f64 {
        format!("{}e{}", self.mant, self.exp)
            .parse()
            .unwrap_or(self.approx)
    }

    /// Both mantissas at the smaller exponent, if that fits.
    fn align(self, other: Decimal) -> Option<(i128, i128, i32)> {
        let exp = self.exp.min(other.exp);
        let scale = |d: Decimal| -> Option<i128> {
            let shift = u32::try_from(d.exp - exp).ok()?;
            d.mant.checked_mul(10i128.checked_pow(shift)?)
        };
        Some((scale(self)?, scale(other)?, exp))
    }

    fn add(self, other: Decimal) -> Result<Decimal, FuncError> {
        let sum = self.to_f64() + other.to_f64();
        Ok(match self.align(other) {
            Some((a, b, exp)) => match a.checked_add(b) {
                Some(mant) => Decimal {
                    mant,
                    exp,
                    approx: sum,
                },
                None => Decimal::inexact(sum),
            },
            None => Decimal::inexact(sum),
        })
    }

    fn sub(self, other: Decimal) -> Result<Decimal, FuncError> {
        self.add(Decimal {
            mant: -other.mant,
            exp: other.exp,
            approx: -other.approx,
        })
    }

    fn mul(self, other: Decimal) -> Result<Decimal, FuncError> {
        let product = self.to_f64() * other.to_f64();
        Ok(
            match (
                self.mant.checked_mul(other.mant),
                self.exp.checked_add(other.exp),
            ) {
                (Some(mant), Some(exp)) => Decimal {
                    mant,
                    exp,
                    approx: product,
                },
                _ => Decimal::inexact(product),
            },
        )
    }

    /// `Div`: `DivRound(d2, 16)`, half away from zero.
    fn div(self, other: Decimal) -> Result<Decimal, FuncError> {
        const PRECISION: i32 = 16;
        if other.mant == 0 {
            return Err(FuncError::new("decimal division by 0"));
        }
        let quotient = self.to_f64() / other.to_f64();
        let k = self.exp - other.exp + PRECISION;
        let scaled = |m: i128, shift: i32| -> Option<i128> {
            m.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)
        };
        let (num, den) = if k >= 0 {
            (scaled(self.mant, k), Some(other.mant))
        } else {
            (Some(self.mant), scaled(other.mant, -k))
        };
        let (Some(num), Some(den)) = (num, den) else {
            return Ok(Decimal::inexact(quotient));
        };
        let mut q = num / den;
        let r = num % den;
        if r.unsigned_abs().saturating_mul(2) >= den.unsigned_abs() {
            if (num < 0) != (den < 0) {
                q -= 1;
            } else {
                q += 1;
            }
        }
        Ok(Decimal {
            mant: q,
            exp: -PRECISION,
            approx: quotient,
        })
    }
}

/// Sprig's `execDecimalOp`: folds `rest` into `first` with `op`.
fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: fn(Decimal, Decimal) -> Result<Decimal, FuncError>,
) -> Result<Value, FuncError> {
    let mut acc = Decimal::from_f64(to_float64(first))?;
    for v in rest {
        acc = op(acc, Decimal::from_f64(to_float64(v))?)?;
    }
    Ok(Value::float64(acc.to_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> Value {
        Value::float64(x)
    }

    fn val(v: Result<Value, FuncError>) -> f64 {
        match v {
            Ok(Value::Float(x, _)) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decimal_ops_follow_shopspring() {
        // sprig numeric_test.go TestAddf/TestSubf/TestMulf/TestDivf and
        // the oracle (fixtures/sprig/vectors.json).
        assert_eq!(
            val(decimal_op(&f(0.0), &[f(0.1), f(0.2)], Decimal::add)),
            0.3
        );
        assert_eq!(val(decimal_op(&f(1.0), &[f(0.9)], Decimal::sub)), 0.1);
        assert_eq!(val(decimal_op(&f(1.1), &[f(3.0)], Decimal::mul)), 3.3);
        assert_eq!(
            val(decimal_op(&f(1.0), &[f(3.0)], Decimal::div)),
            0.3333333333333333
        );
        assert_eq!(
            val(decimal_op(&f(2.0), &[f(3.0)], Decimal::div)),
            0.6666666666666667
        );
        assert_eq!(
            val(decimal_op(&f(1e300), &[f(1e-300)], Decimal::add)),
            1e300
        );
        let err = decimal_op(&f(1.0), &[f(0.0)], Decimal::div)
            .err()
            .map(|e| e.message);
        assert_eq!(err.as_deref(), Some("decimal division by 0"));
    }

    #[test]
    fn round_follows_sprig() {
        assert_eq!(round(3.5, 0, 0.5), 4.0);
        assert_eq!(round(3.4, 0, 0.5), 3.0);
        assert_eq!(round(123.5555, 3, 0.5), 123.556);
        assert_eq!(round(123.55555, 4, 0.6), 123.5555);
        assert_eq!(round(-3.5, 0, 0.5), -4.0);
    }

    #[test]
    fn min_max_follow_go_math() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(-0.0, 0.0).to_bits(), 0f64.to_bits());
        assert_eq!(go_min(-0.0, 0.0).to_bits(), (-0f64).to_bits());
    }
}
