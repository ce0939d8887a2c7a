//! float8 routines that need more than a libm call: `power` with POSIX's
//! NaN/infinity rules, glibc's `cbrt`, `width_bucket`, and `random()`.
//!
//! Design: PostgreSQL calls the C library, so where Rust's standard library
//! uses a different algorithm (only `cbrt`; `sin`, `exp`, `pow`, `atan2`, ...
//! resolve to glibc and agree to the bit) the glibc routine is ported here.
//! `power` follows `dpow`: POSIX special cases first, 2201F domain errors,
//! then 22003 overflow/underflow when a finite result is infinite or zero.
//! `random()` is a per-thread xorshift64* generator giving 53-bit floats in
//! [0, 1).

use super::math::{bucket_error, overflow, underflow};
use crate::sql::error::SqlError;
use crate::sql::types::Value;

pub(crate) fn float_power(x: f64, y: f64) -> Result<Value, SqlError> {
    let f8 = |v: f64| Ok(Value::Float8(v));
    if x.is_nan() {
        return f8(if y.is_nan() || y != 0.0 {
            f64::NAN
        } else {
            1.0
        });
    }
    if y.is_nan() {
        return f8(if x != 1.0 { f64::NAN } else { 1.0 });
    }
    if x == 0.0 && y < 0.0 {
        return Err(SqlError::new(
            "2201F",
            "zero raised to a negative power is undefined",
        ));
    }
    if x < 0.0 && y.floor() != y {
        return Err(SqlError::new(
            "2201F",
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let ax = x.abs();
    if y.is_infinite() {
        return f8(if ax == 1.0 {
            1.0
        } else if (y > 0.0) == (ax > 1.0) {
            f64::INFINITY
        } else {
            0.0
        });
    }
    if x.is_infinite() {
        let odd = (y / 2.0).floor() != y / 2.0;
        return f8(match (y == 0.0, x > 0.0, y > 0.0) {
            (true, _, _) => 1.0,
            (_, true, true) => x,
            (_, true, false) => 0.0,
            (_, false, true) => {
                if odd {
                    x
                } else {
                    -x
                }
            }
            (_, false, false) => {
                if odd {
                    -0.0
                } else {
                    0.0
                }
            }
        });
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(overflow());
    }
    if r == 0.0 && x != 0.0 {
        return Err(underflow());
    }
    f8(r)
}

pub(crate) fn float_width_bucket(x: f64, lo: f64, hi: f64, count: i32) -> Result<i32, SqlError> {
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    if x.is_nan() || lo.is_nan() || hi.is_nan() {
        return Err(bucket_error(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if lo.is_infinite() || hi.is_infinite() {
        return Err(bucket_error("lower and upper bounds must be finite"));
    }
    if lo == hi {
        return Err(bucket_error("lower bound cannot equal upper bound"));
    }
    let (below, above) = if lo < hi {
        (x < lo, x >= hi)
    } else {
        (x > lo, x <= hi)
    };
    if below {
        return Ok(0);
    }
    if above {
        return count
            .checked_add(1)
            .ok_or_else(SqlError::integer_out_of_range);
    }
    let (num, den) = if lo < hi {
        (x - lo, hi - lo)
    } else {
        (lo - x, lo - hi)
    };
    // PostgreSQL 15's formula, without later releases' clamping:
    // count * (x - lo) / (hi - lo) + 1, truncated as C converts to int.
    let r = count as f64 * num / den + 1.0;
    // x86-64 turns NaN and out-of-range values into INT_MIN.
    Ok(
        if r.is_finite() && r > -2_147_483_649.0 && r < 2_147_483_648.0 {
            r as i32
        } else {
            i32::MIN
        },
    )
}

/// glibc's `cbrt` (sysdeps/ieee754/dbl-64/s_cbrt.c), which PostgreSQL calls:
/// Rust's `f64::cbrt` is a different, more accurate routine and would
/// print `cbrt(27)` as `3` instead of PostgreSQL's `3.0000000000000004`.
/// Bit-identical to glibc on all inputs tested.
pub(crate) fn glibc_cbrt(x: f64) -> f64 {
    const CBRT2: f64 = 1.2599210498948732;
    const SQR_CBRT2: f64 = 1.5874010519681996;
    const FACTOR: [f64; 5] = [1.0 / SQR_CBRT2, 1.0 / CBRT2, 1.0, CBRT2, SQR_CBRT2];
    if x.is_nan() || x.is_infinite() || x == 0.0 {
        return x + x;
    }
    let (xm, xe) = frexp(x.abs());
    let u = 0.35489576504391984
        + (1.508191937815849
            + (-2.114994941673713
                + (2.4469312256353444
                    + (-1.8346927748361308
                        + (0.7849323449766392 - 0.14526389938548637 * xm) * xm)
                        * xm)
                    * xm)
                * xm)
            * xm;
    let t2 = u * u * u;
    let ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * FACTOR[(2 + xe % 3) as usize];
    // 2^(xe / 3) is a normal number for every finite non-zero input.
    let scale = f64::from_bits(((1023 + xe / 3) as u64) << 52);
    (if x > 0.0 { ym } else { -ym }) * scale
}

/// frexp for finite non-zero `x`: mantissa in [0.5, 1) and exponent.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // subnormal: scale by 2^54 first
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000));
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, exp - 1022)
}

thread_local! {
    static RNG: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A float8 in [0, 1) from a per-thread xorshift64* generator seeded from
/// the clock and the thread.
pub(crate) fn random() -> f64 {
    RNG.with(|cell| {
        let mut x = cell.get();
        if x == 0 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15);
            let local = 0u8;
            x = (nanos ^ (&local as *const u8 as u64).rotate_left(32)) | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        cell.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_edges() {
        let v = |r: Result<Value, SqlError>| match r {
            Ok(v) => v.to_text().unwrap_or_default(),
            Err(e) => e.message,
        };
        assert_eq!(
            v(float_power(-8.0, 1.0 / 3.0)),
            "a negative number raised to a non-integer power yields a complex result"
        );
        assert_eq!(v(float_power(f64::NEG_INFINITY, 3.0)), "-Infinity");
        assert_eq!(v(float_power(10.0, 400.0)), "value out of range: overflow");
        assert_eq!(
            v(float_power(10.0, -400.0)),
            "value out of range: underflow"
        );
        assert_eq!(v(float_power(f64::NAN, 0.0)), "1");
        assert_eq!(glibc_cbrt(27.0).to_bits(), 0x4008_0000_0000_0001);
        assert_eq!(glibc_cbrt(5e-324).to_bits(), 0x298f_ffff_ffff_ffff);
        assert_eq!(glibc_cbrt(-8.0), -2.0);
        assert!(glibc_cbrt(f64::NAN).is_nan());
        assert_eq!(float_width_bucket(5.0, 10.0, 0.0, 5), Ok(3));
        // PostgreSQL 15: no clamping, and an infinite span gives INT_MIN.
        assert_eq!(float_width_bucket(-606984.58583, -312e24, 34.0, 1), Ok(2));
        assert_eq!(float_width_bucket(0.0, -1.7e308, 1.7e308, 10), Ok(i32::MIN));
        for _ in 0..1000 {
            let r = random();
            assert!((0.0..1.0).contains(&r));
        }
    }
}
