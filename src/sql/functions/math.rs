//! Mathematical functions over integers, floats and numeric, matching
//! PostgreSQL 15 (`int.c`, `int8.c`, `float.c`, `numeric.c`).
//!
//! Design: float functions call the platform libm through `f64` methods
//! (the same glibc routines PostgreSQL calls, so results agree to the bit,
//! e.g. `cbrt(27)` = `3.0000000000000004`) and then apply PostgreSQL's checks:
//! 22003 `value out of range: overflow|underflow` when a finite input gives
//! an infinite or vanished result, 2201E/2201F/22003 domain errors, POSIX
//! NaN/infinity rules for `power`. Integer functions use checked arithmetic
//! (`abs(-32768::int2)` is `smallint out of range`). Numeric rounding works on
//! the unscaled `BigInt`, so negative scales (`round(1234.5, -2)` = `1200`)
//! and scales up to ±2000 follow `numeric_round`/`numeric_trunc`; the
//! transcendental numeric functions live in `numeric_math`.

use super::float::{float_power, float_width_bucket, glibc_cbrt, random};
use super::numeric_math as nm;
use super::{F4, F8, INT2, INT4, INT8, NUM, Op, P, Sig, f64_arg, i32_arg, i64_arg, wrong_arg};
use crate::sql::error::SqlError;
use crate::sql::types::{DataType, Numeric, Value};
use bigdecimal::num_bigint::BigInt;
use bigdecimal::{Signed, Zero};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MathOp {
    Abs,
    Ceil,
    Floor,
    Round,
    Trunc,
    Sign,
    Sqrt,
    Cbrt,
    Power,
    Exp,
    Ln,
    Log10,
    LogBase,
    Mod,
    Div,
    Pi,
    Degrees,
    Radians,
    Sin,
    Cos,
    Tan,
    Cot,
    Asin,
    Acos,
    Atan,
    Atan2,
    Random,
    Gcd,
    Lcm,
    WidthBucket,
    Scale,
    MinScale,
    TrimScale,
}

use MathOp::*;

const fn m(name: &'static str, args: &'static [P], ret: DataType, op: MathOp) -> Sig {
    Sig::new(name, args, ret, Op::Math(op))
}
const D: DataType = DataType::Float8;
const N: DataType = DataType::NUMERIC;

pub(crate) const SIGS: &[Sig] = &[
    m("abs", &[INT2], DataType::Int2, Abs),
    m("abs", &[INT4], DataType::Int4, Abs),
    m("abs", &[INT8], DataType::Int8, Abs),
    m("abs", &[F4], DataType::Float4, Abs),
    m("abs", &[F8], D, Abs),
    m("abs", &[NUM], N, Abs),
    m("ceil", &[F8], D, Ceil),
    m("ceil", &[NUM], N, Ceil),
    m("ceiling", &[F8], D, Ceil),
    m("ceiling", &[NUM], N, Ceil),
    m("floor", &[F8], D, Floor),
    m("floor", &[NUM], N, Floor),
    m("round", &[F8], D, Round),
    m("round", &[NUM], N, Round),
    m("round", &[NUM, INT4], N, Round),
    m("trunc", &[F8], D, Trunc),
    m("trunc", &[NUM], N, Trunc),
    m("trunc", &[NUM, INT4], N, Trunc),
    m("sign", &[F8], D, Sign),
    m("sign", &[NUM], N, Sign),
    m("sqrt", &[F8], D, Sqrt),
    m("sqrt", &[NUM], N, Sqrt),
    m("cbrt", &[F8], D, Cbrt),
    m("power", &[F8, F8], D, Power),
    m("power", &[NUM, NUM], N, Power),
    m("pow", &[F8, F8], D, Power),
    m("pow", &[NUM, NUM], N, Power),
    m("exp", &[F8], D, Exp),
    m("exp", &[NUM], N, Exp),
    m("ln", &[F8], D, Ln),
    m("ln", &[NUM], N, Ln),
    m("log", &[F8], D, Log10),
    m("log", &[NUM], N, Log10),
    m("log", &[NUM, NUM], N, LogBase),
    m("log10", &[F8], D, Log10),
    m("log10", &[NUM], N, Log10),
    m("mod", &[INT2, INT2], DataType::Int2, Mod),
    m("mod", &[INT4, INT4], DataType::Int4, Mod),
    m("mod", &[INT8, INT8], DataType::Int8, Mod),
    m("mod", &[NUM, NUM], N, Mod),
    m("div", &[NUM, NUM], N, Div),
    m("pi", &[], D, Pi),
    m("degrees", &[F8], D, Degrees),
    m("radians", &[F8], D, Radians),
    m("sin", &[F8], D, Sin),
    m("cos", &[F8], D, Cos),
    m("tan", &[F8], D, Tan),
    m("cot", &[F8], D, Cot),
    m("asin", &[F8], D, Asin),
    m("acos", &[F8], D, Acos),
    m("atan", &[F8], D, Atan),
    m("atan2", &[F8, F8], D, Atan2),
    m("random", &[], D, Random).volatile(),
    m("gcd", &[INT4, INT4], DataType::Int4, Gcd),
    m("gcd", &[INT8, INT8], DataType::Int8, Gcd),
    m("gcd", &[NUM, NUM], N, Gcd),
    m("lcm", &[INT4, INT4], DataType::Int4, Lcm),
    m("lcm", &[INT8, INT8], DataType::Int8, Lcm),
    m("lcm", &[NUM, NUM], N, Lcm),
    m(
        "width_bucket",
        &[F8, F8, F8, INT4],
        DataType::Int4,
        WidthBucket,
    ),
    m(
        "width_bucket",
        &[NUM, NUM, NUM, INT4],
        DataType::Int4,
        WidthBucket,
    ),
    m("scale", &[NUM], DataType::Int4, Scale),
    m("min_scale", &[NUM], DataType::Int4, MinScale),
    m("trim_scale", &[NUM], N, TrimScale),
];

/// Scale limits of `numeric_round`/`numeric_trunc`: NUMERIC_DSCALE_MAX
/// after the point, one digit more than the format allows before it.
const MAX_ROUND_SCALE: i64 = 0x3FFF;
const MIN_ROUND_SCALE: i64 = -(0x7FFF + 1) * 4 - 1;
/// RADIANS_PER_DEGREE as PostgreSQL spells it.
const RADIANS_PER_DEGREE: f64 = 0.017453292519943295;

pub(crate) fn overflow() -> SqlError {
    SqlError::numeric_value_out_of_range("value out of range: overflow")
}

pub(crate) fn underflow() -> SqlError {
    SqlError::numeric_value_out_of_range("value out of range: underflow")
}

fn input_out_of_range() -> SqlError {
    SqlError::numeric_value_out_of_range("input is out of range")
}

pub(crate) fn log_error(zero: bool) -> SqlError {
    SqlError::new(
        "2201E",
        if zero {
            "cannot take logarithm of zero"
        } else {
            "cannot take logarithm of a negative number"
        },
    )
}

fn num_arg(args: &[Value], i: usize) -> Result<Numeric, SqlError> {
    match args.get(i) {
        Some(Value::Numeric(n)) => Ok(n.clone()),
        Some(Value::Int2(v)) => Ok(Numeric::from_i64(*v as i64)),
        Some(Value::Int4(v)) => Ok(Numeric::from_i64(*v as i64)),
        Some(Value::Int8(v)) => Ok(Numeric::from_i64(*v)),
        _ => Err(wrong_arg("numeric function")),
    }
}

fn is_numeric(args: &[Value]) -> bool {
    matches!(args.first(), Some(Value::Numeric(_)))
}

/// Result check shared by most float8 functions.
fn checked(r: f64, x: f64, zero_ok: bool) -> Result<Value, SqlError> {
    if r.is_infinite() && !x.is_infinite() {
        return Err(overflow());
    }
    if r == 0.0 && !zero_ok {
        return Err(underflow());
    }
    Ok(Value::Float8(r))
}

pub(crate) fn eval(op: MathOp, args: &[Value]) -> Result<Value, SqlError> {
    let fl = |i: usize| f64_arg(args, i, "math function");
    let num = |i: usize| num_arg(args, i);
    let f8 = |v: f64| Ok(Value::Float8(v));
    let numv = |n: Numeric| Ok(Value::Numeric(n));
    match op {
        Abs => match args.first() {
            Some(Value::Int2(v)) => v
                .checked_abs()
                .map(Value::Int2)
                .ok_or_else(SqlError::smallint_out_of_range),
            Some(Value::Int4(v)) => v
                .checked_abs()
                .map(Value::Int4)
                .ok_or_else(SqlError::integer_out_of_range),
            Some(Value::Int8(v)) => v
                .checked_abs()
                .map(Value::Int8)
                .ok_or_else(SqlError::bigint_out_of_range),
            Some(Value::Float4(v)) => Ok(Value::Float4(v.abs())),
            Some(Value::Numeric(n)) => numv(if n.signum() < 0 { n.neg() } else { n.clone() }),
            _ => f8(fl(0)?.abs()),
        },
        Ceil | Floor | Round | Trunc if is_numeric(args) => {
            let n = num(0)?;
            let scale = if args.len() > 1 {
                i32_arg(args, 1, "round")? as i64
            } else {
                0
            };
            let mode = match op {
                Ceil => Rounding::Ceil,
                Floor => Rounding::Floor,
                Round => Rounding::HalfAway,
                _ => Rounding::Trunc,
            };
            numv(rescale(&n, scale, mode).check_overflow()?)
        }
        Ceil => f8(fl(0)?.ceil()),
        Floor => f8(fl(0)?.floor()),
        Round => f8(fl(0)?.round_ties_even()),
        Trunc => f8(fl(0)?.trunc()),
        Sign if is_numeric(args) => {
            let n = num(0)?;
            numv(if n.is_nan() {
                Numeric::NaN
            } else {
                Numeric::from_i64(n.signum() as i64)
            })
        }
        Sign => {
            let x = fl(0)?;
            f8(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        }
        Sqrt if is_numeric(args) => numv(nm::sqrt(&num(0)?)?),
        Sqrt => {
            let x = fl(0)?;
            if x < 0.0 {
                return Err(nm::sqrt_negative());
            }
            checked(x.sqrt(), x, x == 0.0)
        }
        Cbrt => {
            let x = fl(0)?;
            checked(glibc_cbrt(x), x, x == 0.0)
        }
        Power if is_numeric(args) => numv(nm::power(&num(0)?, &num(1)?)?),
        Power => float_power(fl(0)?, fl(1)?),
        Exp if is_numeric(args) => numv(nm::exp(&num(0)?)?),
        Exp => {
            let x = fl(0)?;
            if x.is_nan() {
                return f8(x);
            }
            if x.is_infinite() {
                return f8(if x > 0.0 { x } else { 0.0 });
            }
            checked(x.exp(), x, false)
        }
        Ln | Log10 if is_numeric(args) => {
            let n = num(0)?;
            numv(if op == Ln {
                nm::ln(&n)?
            } else {
                nm::log(&Numeric::from_i64(10), &n)?
            })
        }
        Ln | Log10 => {
            let x = fl(0)?;
            if x <= 0.0 {
                return Err(log_error(x == 0.0));
            }
            let r = if op == Ln { x.ln() } else { x.log10() };
            checked(r, x, x == 1.0)
        }
        LogBase => numv(nm::log(&num(0)?, &num(1)?)?),
        Mod if is_numeric(args) => numv(num(0)?.rem(&num(1)?)?),
        Mod => {
            let (a, b) = (i64_arg(args, 0, "mod")?, i64_arg(args, 1, "mod")?);
            if b == 0 {
                return Err(SqlError::division_by_zero());
            }
            let r = if b == -1 { 0 } else { a % b };
            Ok(match args.first() {
                Some(Value::Int2(_)) => Value::Int2(r as i16),
                Some(Value::Int4(_)) => Value::Int4(r as i32),
                _ => Value::Int8(r),
            })
        }
        Div => numv(div_trunc(&num(0)?, &num(1)?)?),
        Pi => f8(std::f64::consts::PI),
        Degrees => {
            let x = fl(0)?;
            checked(x / RADIANS_PER_DEGREE, x, x == 0.0)
        }
        Radians => {
            let x = fl(0)?;
            checked(x * RADIANS_PER_DEGREE, x, x == 0.0)
        }
        Sin | Cos | Tan | Cot => {
            let x = fl(0)?;
            if x.is_nan() {
                return f8(x);
            }
            if x.is_infinite() {
                return Err(input_out_of_range());
            }
            let r = match op {
                Sin => x.sin(),
                Cos => x.cos(),
                Tan => return f8(x.tan()),
                _ => return f8(1.0 / x.tan()),
            };
            checked(r, x, true)
        }
        Asin | Acos => {
            let x = fl(0)?;
            if x.is_nan() {
                return f8(x);
            }
            if !(-1.0..=1.0).contains(&x) {
                return Err(input_out_of_range());
            }
            f8(if op == Asin { x.asin() } else { x.acos() })
        }
        Atan => f8(fl(0)?.atan()),
        Atan2 => f8(fl(0)?.atan2(fl(1)?)),
        Random => f8(random()),
        Gcd | Lcm if is_numeric(args) => numv(nm::gcd_lcm(&num(0)?, &num(1)?, op == Lcm)?),
        Gcd | Lcm => int_gcd_lcm(args, op == Lcm),
        WidthBucket => {
            let count = i32_arg(args, 3, "width_bucket")?;
            if is_numeric(args) {
                nm::width_bucket(&num(0)?, &num(1)?, &num(2)?, count).map(Value::Int4)
            } else {
                float_width_bucket(fl(0)?, fl(1)?, fl(2)?, count).map(Value::Int4)
            }
        }
        Scale | MinScale | TrimScale => {
            let n = num(0)?;
            let Some((int, s)) = n.parts() else {
                return Ok(if op == TrimScale {
                    Value::Numeric(n)
                } else {
                    Value::Null
                });
            };
            let min = min_scale(&int, s);
            match op {
                Scale => Ok(Value::Int4(s as i32)),
                MinScale => Ok(Value::Int4(min as i32)),
                _ => numv(rescale(&n, min, Rounding::Trunc)),
            }
        }
    }
}

/// Smallest scale that represents `int * 10^-s` exactly.
fn min_scale(int: &BigInt, s: i64) -> i64 {
    if int.is_zero() {
        return 0;
    }
    let digits = int.abs().to_string();
    let zeros = digits.len() - digits.trim_end_matches('0').len();
    (s - zeros as i64).max(0)
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Rounding {
    HalfAway,
    Trunc,
    Ceil,
    Floor,
}

pub(crate) fn pow10(n: u64) -> BigInt {
    let mut r = BigInt::from(1u32);
    let mut b = BigInt::from(10u32);
    let mut e = n;
    while e > 0 {
        if e & 1 == 1 {
            r *= &b;
        }
        e >>= 1;
        if e > 0 {
            b = &b * &b;
        }
    }
    r
}

/// `n / d` (d > 0) rounded as asked.
pub(crate) fn div_round(n: &BigInt, d: &BigInt, mode: Rounding) -> BigInt {
    let q = n / d;
    let r = n - &q * d;
    if r.is_zero() {
        return q;
    }
    let neg = n.is_negative();
    let up = match mode {
        Rounding::Trunc => false,
        Rounding::Ceil => !neg,
        Rounding::Floor => neg,
        Rounding::HalfAway => r.abs() * 2u32 >= *d,
    };
    match (up, neg) {
        (false, _) => q,
        (true, false) => q + 1u32,
        (true, true) => q - 1u32,
    }
}

/// Round or truncate a numeric to `scale` digits after the point (negative
/// scales round before it); the result's display scale is `max(scale, 0)`.
pub(crate) fn rescale(n: &Numeric, scale: i64, mode: Rounding) -> Numeric {
    let scale = scale.clamp(MIN_ROUND_SCALE, MAX_ROUND_SCALE);
    let Some((int, s)) = n.parts() else {
        return n.clone();
    };
    if scale >= s {
        return Numeric::from_parts(int * pow10((scale - s) as u64), scale);
    }
    let q = div_round(&int, &pow10((s - scale) as u64), mode);
    Numeric::from_parts(q, scale)
}

/// `div(x, y)`: the quotient truncated toward zero.
fn div_trunc(a: &Numeric, b: &Numeric) -> Result<Numeric, SqlError> {
    if a.is_nan() || b.is_nan() {
        return Ok(Numeric::NaN);
    }
    if a.inf_sign().is_some() {
        return match b.signum() {
            _ if b.inf_sign().is_some() => Ok(Numeric::NaN),
            0 => Err(SqlError::division_by_zero()),
            s if s == a.signum() => Ok(Numeric::PosInf),
            _ => Ok(Numeric::NegInf),
        };
    }
    if b.inf_sign().is_some() {
        return Ok(Numeric::from_i64(0));
    }
    let (Some((x, sx)), Some((y, sy))) = (a.parts(), b.parts()) else {
        return Ok(Numeric::NaN);
    };
    if y.is_zero() {
        return Err(SqlError::division_by_zero());
    }
    let s = sx.max(sy);
    let x = x * pow10((s - sx) as u64);
    let y = y * pow10((s - sy) as u64);
    Numeric::from_parts(x / y, 0).check_overflow()
}

fn int_gcd_lcm(args: &[Value], lcm: bool) -> Result<Value, SqlError> {
    let a = i64_arg(args, 0, "gcd")? as i128;
    let b = i64_arg(args, 1, "gcd")? as i128;
    let (mut x, mut y) = (a.abs(), b.abs());
    while y != 0 {
        (x, y) = (y, x % y);
    }
    let r = if !lcm {
        x
    } else if a == 0 || b == 0 {
        0
    } else {
        (a / x * b).abs()
    };
    match args.first() {
        Some(Value::Int8(_)) => i64::try_from(r)
            .map(Value::Int8)
            .map_err(|_| SqlError::bigint_out_of_range()),
        _ => i32::try_from(r)
            .map(Value::Int4)
            .map_err(|_| SqlError::integer_out_of_range()),
    }
}

pub(crate) fn bucket_error(msg: &str) -> SqlError {
    SqlError::new("2201G", msg)
}

/// Numeric → f64 for callers that need an estimate.
pub(crate) fn approx(n: &Numeric) -> f64 {
    match n.parts() {
        Some((int, s)) => {
            let digits = int.abs().to_string();
            let lead: f64 = digits[..digits.len().min(17)].parse().unwrap_or(0.0);
            let exp = digits.len() as i64 - digits.len().min(17) as i64 - s;
            let v = lead * 10f64.powi(exp.clamp(-400, 400) as i32);
            if int.is_negative() { -v } else { v }
        }
        None => n.to_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).unwrap()
    }

    #[test]
    fn numeric_rounding() {
        assert_eq!(
            rescale(&n("1234.5678"), -2, Rounding::HalfAway).to_string(),
            "1200"
        );
        assert_eq!(
            rescale(&n("1250"), -2, Rounding::HalfAway).to_string(),
            "1300"
        );
        assert_eq!(rescale(&n("-2.5"), 0, Rounding::HalfAway).to_string(), "-3");
        assert_eq!(
            rescale(&n("1.5"), 3, Rounding::HalfAway).to_string(),
            "1.500"
        );
        assert_eq!(rescale(&n("-1.5"), 0, Rounding::Floor).to_string(), "-2");
        assert_eq!(rescale(&n("-1.5"), 0, Rounding::Ceil).to_string(), "-1");
        assert_eq!(
            rescale(&n("5"), i32::MIN as i64, Rounding::HalfAway).to_string(),
            "0"
        );
    }
}
