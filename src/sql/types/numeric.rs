//! Arbitrary-precision `numeric` with PostgreSQL's NaN, ±Infinity and
//! display scale.
//!
//! Design: [`Numeric`] wraps a [`BigDecimal`] (whose scale is kept equal to
//! PostgreSQL's `dscale`, never negative) plus the special value `NaN`.
//! All scale-sensitive operations are done here on the underlying `BigInt`
//! so that the rules are explicit:
//! - input keeps the written scale (`1.50` stays `1.50`; `1e3` has scale 0);
//! - add/sub use max(dscale), mul uses dscale1 + dscale2;
//! - division uses PostgreSQL's `select_div_scale` (at least 16 significant
//!   digits, never less than either input's dscale) rounding half away from
//!   zero;
//! - rounding to a scale (typmod, `::int`) is half away from zero;
//! - NaN equals NaN and sorts above all other values, `-Infinity` < finite
//!   < `Infinity` < NaN; infinities follow PostgreSQL 14+'s rules
//!   (`inf - inf` = NaN, `inf * 0` = NaN, `x / inf` = 0, `inf % x` = NaN,
//!   `x % inf` = x, `inf / 0` is `division by zero`);
//! - values whose weight exceeds 131072 digits before the point or 16383
//!   after it raise `value overflows numeric format`.

use crate::sql::error::SqlError;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{BigDecimal, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Maximum digits before the decimal point (NUMERIC_WEIGHT_MAX+1)*4.
pub const MAX_INT_DIGITS: i64 = 131072;
/// Maximum display scale (NUMERIC_DSCALE_MAX).
pub const MAX_DSCALE: i64 = 0x3FFF;
const MIN_SIG_DIGITS: i64 = 16;
const MAX_DISPLAY_SCALE: i64 = 1000;

/// A PostgreSQL numeric value.
#[derive(Debug, Clone)]
pub enum Numeric {
    NaN,
    PosInf,
    NegInf,
    /// A finite value; its scale is the display scale (>= 0).
    Finite(BigDecimal),
}

fn pow10(n: u64) -> BigInt {
    num_pow(BigInt::from(10u32), n)
}

fn num_pow(base: BigInt, mut exp: u64) -> BigInt {
    let mut result = BigInt::from(1u32);
    let mut b = base;
    while exp > 0 {
        if exp & 1 == 1 {
            result *= &b;
        }
        exp >>= 1;
        if exp > 0 {
            b = &b * &b;
        }
    }
    result
}

/// Round `int * 10^-scale` to `new_scale` digits, half away from zero.
fn rescale(int: &BigInt, scale: i64, new_scale: i64) -> BigInt {
    if new_scale >= scale {
        int * pow10((new_scale - scale) as u64)
    } else {
        let div = pow10((scale - new_scale) as u64);
        round_div(int, &div)
    }
}

/// `n / d` rounded half away from zero (d != 0).
fn round_div(n: &BigInt, d: &BigInt) -> BigInt {
    let q = n / d;
    let r = n % d;
    let twice: BigInt = r.abs() * 2u32;
    if twice >= d.abs() {
        let neg = (n.sign() == Sign::Minus) != (d.sign() == Sign::Minus);
        if neg { q - 1u32 } else { q + 1u32 }
    } else {
        q
    }
}

impl Numeric {
    /// Build from integer digits and a (non-negative) scale.
    pub fn from_parts(int: BigInt, scale: i64) -> Numeric {
        if scale < 0 {
            Numeric::Finite(BigDecimal::new(int * pow10((-scale) as u64), 0))
        } else {
            Numeric::Finite(BigDecimal::new(int, scale))
        }
    }

    /// From an i64 (scale 0).
    pub fn from_i64(v: i64) -> Numeric {
        Numeric::Finite(BigDecimal::new(BigInt::from(v), 0))
    }

    /// The integer digits and scale of a finite value.
    pub fn parts(&self) -> Option<(BigInt, i64)> {
        match self {
            Numeric::NaN | Numeric::PosInf | Numeric::NegInf => None,
            Numeric::Finite(d) => Some(d.as_bigint_and_exponent()),
        }
    }

    /// Display scale (0 for NaN).
    pub fn scale(&self) -> i64 {
        match self {
            Numeric::Finite(d) => d.fractional_digit_count().max(0),
            _ => 0,
        }
    }

    pub fn is_nan(&self) -> bool {
        matches!(self, Numeric::NaN)
    }

    /// +1 / -1 for the infinities, None otherwise.
    pub fn inf_sign(&self) -> Option<i8> {
        match self {
            Numeric::PosInf => Some(1),
            Numeric::NegInf => Some(-1),
            _ => None,
        }
    }

    /// -1, 0 or 1 (NaN gives 0).
    pub fn signum(&self) -> i8 {
        match self {
            Numeric::PosInf => 1,
            Numeric::NegInf => -1,
            Numeric::NaN => 0,
            Numeric::Finite(d) => match d.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    fn inf(sign: i8) -> Numeric {
        if sign < 0 {
            Numeric::NegInf
        } else {
            Numeric::PosInf
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Numeric::Finite(d) if d.is_zero())
    }

    /// Parse PostgreSQL numeric input (`numeric_in`).
    pub fn parse(input: &str) -> Result<Numeric, SqlError> {
        let bad = || SqlError::invalid_text_representation("numeric", input);
        let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
        if s.eq_ignore_ascii_case("nan") {
            return Ok(Numeric::NaN);
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            neg = bytes[i] == b'-';
            i += 1;
        }
        let rest = &s[i..];
        let lower = rest.to_ascii_lowercase();
        if lower == "infinity" || lower == "inf" {
            return Ok(if neg {
                Numeric::NegInf
            } else {
                Numeric::PosInf
            });
        }
        let mut digits = String::new();
        let mut frac_len: i64 = 0;
        let mut seen_dot = false;
        let mut any_digit = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                digits.push(c as char);
                any_digit = true;
                if seen_dot {
                    frac_len += 1;
                }
            } else if c == b'.' && !seen_dot {
                seen_dot = true;
            } else {
                break;
            }
            i += 1;
        }
        if !any_digit {
            return Err(bad());
        }
        let mut exp: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let mut eneg = false;
            if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                eneg = bytes[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                exp = exp
                    .saturating_mul(10)
                    .saturating_add((bytes[i] - b'0') as i64);
                i += 1;
            }
            if i == start {
                return Err(bad());
            }
            if exp >= i32::MAX as i64 / 2 {
                return Err(SqlError::numeric_overflow());
            }
            if eneg {
                exp = -exp;
            }
        }
        if i != bytes.len() {
            return Err(bad());
        }
        let trimmed = digits.trim_start_matches('0');
        let sig = trimmed.len() as i64;
        let scale = frac_len - exp;
        // digits before the point of the value
        if sig - scale > MAX_INT_DIGITS || scale > MAX_DSCALE {
            if sig == 0 && scale <= MAX_DSCALE {
                return Ok(Numeric::from_i64(0));
            }
            return Err(SqlError::numeric_overflow());
        }
        let mut int: BigInt = if trimmed.is_empty() {
            BigInt::zero()
        } else {
            trimmed.parse::<BigInt>().map_err(|_| bad())?
        };
        if neg {
            int = -int;
        }
        Ok(Numeric::from_parts(int, scale))
    }

    /// Check the storage limits after an arithmetic operation.
    pub fn check_overflow(self) -> Result<Numeric, SqlError> {
        if let Numeric::Finite(d) = &self {
            if d.is_zero() {
                return Ok(self);
            }
            let (int, scale) = d.as_bigint_and_exponent();
            let ndigits = int.abs().to_string().len() as i64;
            if ndigits - scale > MAX_INT_DIGITS || scale > MAX_DSCALE {
                return Err(SqlError::numeric_overflow());
            }
        }
        Ok(self)
    }

    /// Round to `scale` decimal places (half away from zero).
    pub fn round_to(&self, scale: i64) -> Numeric {
        match self.parts() {
            None => self.clone(),
            Some((int, s)) => Numeric::from_parts(rescale(&int, s, scale), scale.max(0)),
        }
    }

    /// Truncate toward zero to `scale` decimal places.
    pub fn trunc_to(&self, scale: i64) -> Numeric {
        match self.parts() {
            None => self.clone(),
            Some((int, s)) if scale < s => {
                let div = pow10((s - scale) as u64);
                Numeric::from_parts(int / div, scale)
            }
            Some((int, s)) => Numeric::from_parts(rescale(&int, s, scale), scale),
        }
    }

    /// Apply a numeric(p,s) typmod (`apply_typmod`).
    pub fn apply_typmod(
        &self,
        precision: Option<u32>,
        scale: Option<u32>,
    ) -> Result<Numeric, SqlError> {
        let Some(p) = precision else {
            return Ok(self.clone());
        };
        let s = scale.unwrap_or(0);
        if self.inf_sign().is_some() {
            return Err(
                SqlError::numeric_value_out_of_range("numeric field overflow").with_detail(
                    format!("A field with precision {p}, scale {s} cannot hold an infinite value."),
                ),
            );
        }
        let rounded = self.round_to(s as i64);
        // |value| must be < 10^(p - s), i.e. |int| < 10^p at scale s.
        if let Some((int, _)) = rounded.parts()
            && !int.is_zero()
            && int.abs() >= pow10(p as u64)
        {
            return Err(SqlError::numeric_field_overflow(p, s));
        }
        Ok(rounded)
    }

    /// Round to an integer half away from zero and convert to i64.
    pub fn to_i64_rounded(&self) -> Option<i64> {
        let (int, s) = self.parts()?;
        rescale(&int, s, 0).to_i64()
    }

    /// Nearest f64 (NaN for NaN).
    pub fn to_f64(&self) -> f64 {
        match self {
            Numeric::NaN => f64::NAN,
            Numeric::PosInf => f64::INFINITY,
            Numeric::NegInf => f64::NEG_INFINITY,
            Numeric::Finite(_) => self.to_string().parse::<f64>().unwrap_or(f64::NAN),
        }
    }

    /// float8 -> numeric as PostgreSQL does: via `%.15g` (`%.6g` for float4
    /// when `sig_digits` is 6); infinities map to numeric infinities.
    pub fn from_float(f: f64, sig_digits: usize) -> Option<Numeric> {
        if f.is_nan() {
            return Some(Numeric::NaN);
        }
        if f.is_infinite() {
            return Some(Numeric::inf(if f > 0.0 { 1 } else { -1 }));
        }
        let sci = format!("{:.*e}", sig_digits.saturating_sub(1), f);
        let (mant, exp) = sci.split_once('e')?;
        let exp: i64 = exp.parse().ok()?;
        let neg = mant.starts_with('-');
        let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
        let mut int: BigInt = digits.parse().ok()?;
        if neg {
            int = -int;
        }
        let scale = digits.len() as i64 - 1 - exp;
        Some(Numeric::from_parts(int, scale))
    }

    /// Base-10000 digits (most significant first) and weight of the first
    /// digit, as in PostgreSQL's NumericVar. Zero has no digits, weight 0.
    pub fn base10000(&self) -> (Vec<i16>, i16) {
        let Some((int, scale)) = self.parts() else {
            return (Vec::new(), 0);
        };
        let s = int.abs().to_string();
        if int.is_zero() {
            return (Vec::new(), 0);
        }
        let scale = scale.max(0) as usize;
        let frac_pad = (4 - scale % 4) % 4;
        let mut all = s;
        all.extend(std::iter::repeat_n('0', frac_pad));
        let frac_digits = scale + frac_pad;
        let int_len = all.len() as i64 - frac_digits as i64;
        if int_len < 0 {
            let pad = (-int_len) as usize;
            all = "0".repeat(pad) + &all;
        }
        let int_len = all.len() - frac_digits;
        let lead_pad = (4 - int_len % 4) % 4;
        all = "0".repeat(lead_pad) + &all;
        let int_groups = (int_len + lead_pad) / 4;
        let mut groups: Vec<i16> = all
            .as_bytes()
            .chunks(4)
            .map(|c| c.iter().fold(0i16, |acc, b| acc * 10 + (b - b'0') as i16))
            .collect();
        let mut weight = int_groups as i64 - 1;
        let lead = groups.iter().take_while(|g| **g == 0).count();
        groups.drain(..lead);
        weight -= lead as i64;
        while groups.last() == Some(&0) {
            groups.pop();
        }
        (
            groups,
            weight.clamp(i16::MIN as i64, i16::MAX as i64) as i16,
        )
    }

    /// PostgreSQL's `select_div_scale`.
    fn div_scale(a: &Numeric, b: &Numeric) -> i64 {
        let (da, wa) = a.base10000();
        let (db, wb) = b.base10000();
        let (w1, f1) = da.first().map_or((0, 0), |f| (wa as i64, *f));
        let (w2, f2) = db.first().map_or((0, 0), |f| (wb as i64, *f));
        let mut qweight = w1 - w2;
        if f1 <= f2 {
            qweight -= 1;
        }
        let rscale = (MIN_SIG_DIGITS - qweight * 4)
            .max(a.scale())
            .max(b.scale())
            .max(0);
        rscale.min(MAX_DISPLAY_SCALE)
    }

    pub fn add(&self, other: &Numeric) -> Result<Numeric, SqlError> {
        self.addsub(other, false)
    }

    pub fn sub(&self, other: &Numeric) -> Result<Numeric, SqlError> {
        self.addsub(other, true)
    }

    fn addsub(&self, other: &Numeric, negate: bool) -> Result<Numeric, SqlError> {
        if self.is_nan() || other.is_nan() {
            return Ok(Numeric::NaN);
        }
        let bs = other.inf_sign().map(|x| if negate { -x } else { x });
        match (self.inf_sign(), bs) {
            (Some(a), Some(b)) if a != b => return Ok(Numeric::NaN),
            (Some(a), _) => return Ok(Numeric::inf(a)),
            (None, Some(b)) => return Ok(Numeric::inf(b)),
            (None, None) => {}
        }
        let (Some((a, sa)), Some((b, sb))) = (self.parts(), other.parts()) else {
            return Ok(Numeric::NaN);
        };
        let s = sa.max(sb);
        let a = rescale(&a, sa, s);
        let b = rescale(&b, sb, s);
        let r = if negate { a - b } else { a + b };
        Numeric::from_parts(r, s).check_overflow()
    }

    pub fn mul(&self, other: &Numeric) -> Result<Numeric, SqlError> {
        if self.is_nan() || other.is_nan() {
            return Ok(Numeric::NaN);
        }
        if self.inf_sign().is_some() || other.inf_sign().is_some() {
            let sign = self.signum() * other.signum();
            return Ok(if sign == 0 {
                Numeric::NaN
            } else {
                Numeric::inf(sign)
            });
        }
        let (Some((a, sa)), Some((b, sb))) = (self.parts(), other.parts()) else {
            return Ok(Numeric::NaN);
        };
        let r = Numeric::from_parts(a * b, sa + sb);
        // PostgreSQL rounds products to NUMERIC_DSCALE_MAX.
        let s = (sa + sb).min(MAX_DSCALE);
        r.round_to(s).check_overflow()
    }

    pub fn div(&self, other: &Numeric) -> Result<Numeric, SqlError> {
        if self.is_nan() || other.is_nan() {
            return Ok(Numeric::NaN);
        }
        if let Some(a) = self.inf_sign() {
            return match other.signum() {
                _ if other.inf_sign().is_some() => Ok(Numeric::NaN),
                0 => Err(SqlError::division_by_zero()),
                b => Ok(Numeric::inf(a * b)),
            };
        }
        if other.inf_sign().is_some() {
            return Ok(Numeric::from_i64(0));
        }
        let (Some((a, sa)), Some((b, sb))) = (self.parts(), other.parts()) else {
            return Ok(Numeric::NaN);
        };
        if b.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let rscale = Self::div_scale(self, other);
        // a/b * 10^rscale = (a * 10^(sb - sa + rscale)) / b
        let e = sb - sa + rscale;
        let q = if e >= 0 {
            round_div(&(a * pow10(e as u64)), &b)
        } else {
            round_div(&a, &(b * pow10((-e) as u64)))
        };
        Numeric::from_parts(q, rscale).check_overflow()
    }

    /// Truncating integer quotient (used by `%` and `div`).
    pub fn rem(&self, other: &Numeric) -> Result<Numeric, SqlError> {
        if self.is_nan() || other.is_nan() {
            return Ok(Numeric::NaN);
        }
        if self.inf_sign().is_some() {
            if other.signum() == 0 {
                return Err(SqlError::division_by_zero());
            }
            return Ok(Numeric::NaN);
        }
        if other.inf_sign().is_some() {
            return Ok(self.clone());
        }
        let (Some((a, sa)), Some((b, sb))) = (self.parts(), other.parts()) else {
            return Ok(Numeric::NaN);
        };
        if b.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let s = sa.max(sb);
        let a = rescale(&a, sa, s);
        let b = rescale(&b, sb, s);
        Ok(Numeric::from_parts(a % b, s))
    }

    pub fn neg(&self) -> Numeric {
        match self {
            Numeric::NaN => Numeric::NaN,
            Numeric::PosInf => Numeric::NegInf,
            Numeric::NegInf => Numeric::PosInf,
            Numeric::Finite(d) => {
                let (i, s) = d.as_bigint_and_exponent();
                Numeric::from_parts(-i, s)
            }
        }
    }

    /// Total order: NaN is equal to NaN and greater than everything.
    pub fn total_cmp(&self, other: &Numeric) -> Ordering {
        match (self, other) {
            (Numeric::NaN, Numeric::NaN) => Ordering::Equal,
            (Numeric::NaN, _) => Ordering::Greater,
            (_, Numeric::NaN) => Ordering::Less,
            (Numeric::Finite(a), Numeric::Finite(b)) => a.cmp(b),
            _ => {
                let rank = |n: &Numeric| match n {
                    Numeric::NegInf => 0,
                    Numeric::PosInf => 2,
                    _ => 1,
                };
                rank(self).cmp(&rank(other))
            }
        }
    }

    /// Canonical text with trailing fractional zeros removed (for hashing).
    pub fn normalized_string(&self) -> String {
        match self.parts() {
            None => match self {
                Numeric::PosInf => "inf".into(),
                Numeric::NegInf => "-inf".into(),
                _ => "NaN".into(),
            },
            Some((int, scale)) => {
                let mut int = int;
                let mut scale = scale;
                let ten = BigInt::from(10u32);
                while scale > 0 && (&int % &ten).is_zero() {
                    int /= &ten;
                    scale -= 1;
                }
                Numeric::from_parts(int, scale).to_string()
            }
        }
    }

    pub fn is_negative(&self) -> bool {
        matches!(self, Numeric::Finite(d) if d.is_negative())
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Self) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((int, scale)) = self.parts() else {
            return f.write_str(match self {
                Numeric::PosInf => "Infinity",
                Numeric::NegInf => "-Infinity",
                _ => "NaN",
            });
        };
        let neg = int.sign() == Sign::Minus;
        let mut digits = int.abs().to_string();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if scale <= 0 {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (-scale) as usize));
        } else {
            let scale = scale as usize;
            if digits.len() <= scale {
                digits = "0".repeat(scale + 1 - digits.len()) + &digits;
            }
            let (ip, fp) = digits.split_at(digits.len() - scale);
            out.push_str(ip);
            out.push('.');
            out.push_str(fp);
        }
        f.write_str(&out)
    }
}
