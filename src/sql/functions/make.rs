//! Date/time constructors and normalizers: `make_date`, `make_time`,
//! `make_timestamp[tz]`, `make_interval`, `justify_days/hours/interval` and
//! `to_timestamp(float8)`.
//!
//! Design: straight ports of PostgreSQL 15's `date.c`/`timestamp.c`
//! routines on the type layer's integers. Quirks kept on purpose: negative
//! years mean BC (`make_date(-44, 3, 15)`), `make_date`'s error text shows
//! the year after BC conversion (`-43-02-30`) while `make_timestamp`'s shows
//! the argument; seconds are checked after rounding to microseconds
//! (`float_time_overflows`) and printed with C's `%g`; `make_interval` wraps
//! on integer overflow like the C code (`make_interval(2147483647, 1)` is
//! `-11 mons`).

use super::datetime::TimeOp::{self, JustifyDays, JustifyHours, JustifyInterval};
use super::datetime::{days_in, iv_out_of_range, julian, valid_julian};
use super::{f64_arg, i32_arg};
use crate::sql::error::SqlError;
use crate::sql::types::Value;
use crate::sql::types::datetime::{
    DATE_END, DATE_MIN, TS_END, TS_MIN, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE,
};

/// C's `%g` (PostgreSQL's snprintf spelling of NaN and infinities), zero
/// padded to `width`.
pub(crate) fn fmt_g(x: f64, width: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let body = if x == 0.0 {
        if x.is_sign_negative() {
            "-0".to_string()
        } else {
            "0".to_string()
        }
    } else {
        let sci = format!("{:.5e}", x);
        let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let strip = |s: &str| -> String {
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s.to_string()
            }
        };
        if !(-4..6).contains(&exp) {
            format!(
                "{}e{}{:02}",
                strip(mant),
                if exp < 0 { '-' } else { '+' },
                exp.unsigned_abs()
            )
        } else {
            strip(&format!("{:.*}", (5 - exp) as usize, x))
        }
    };
    let (sign, digits) = match body.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", body.as_str()),
    };
    let pad = width.saturating_sub(body.len());
    format!("{sign}{}{digits}", "0".repeat(pad))
}

/// ValidateDate for a (year, month, day) triple; BC when `bc` (year > 0).
fn validate_date(year: i64, mon: i32, mday: i32, bc: bool) -> Result<i64, i64> {
    if year <= 0 {
        return Err(year);
    }
    let y = if bc { -(year - 1) } else { year };
    if !(1..=12).contains(&mon) || !(1..=31).contains(&mday) || mday > days_in(y, mon) {
        return Err(y);
    }
    Ok(y)
}

pub(crate) fn make_date(year: i32, mon: i32, mday: i32) -> Result<i32, SqlError> {
    let bc = year < 0;
    let field = |y: i64| {
        SqlError::datetime_out_of_range(format!(
            "date field value out of range: {y}-{mon:02}-{mday:02}"
        ))
    };
    // C's -INT_MIN stays INT_MIN, which ValidateDate then rejects.
    if year == i32::MIN {
        return Err(field(year as i64));
    }
    let y = if bc { -(year as i64) } else { year as i64 };
    let y = validate_date(y, mon, mday, bc).map_err(field)?;
    let oor =
        || SqlError::datetime_out_of_range(format!("date out of range: {y}-{mon:02}-{mday:02}"));
    if !valid_julian(y, mon) {
        return Err(oor());
    }
    let days = julian(y, mon, mday) - 2_451_545;
    if !(DATE_MIN..DATE_END).contains(&days) {
        return Err(oor());
    }
    Ok(days as i32)
}

/// float_time_overflows.
pub(crate) fn time_overflows(h: i32, m: i32, s: f64) -> bool {
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || s.is_nan() {
        return true;
    }
    let us = (s * 1e6).round_ties_even();
    if !(0.0..=60e6).contains(&us) {
        return true;
    }
    (h as i64 * 60 + m as i64) * USECS_PER_MINUTE + us as i64 > USECS_PER_DAY
}

pub(crate) fn time_micros(h: i32, m: i32, s: f64) -> i64 {
    (h as i64 * 60 + m as i64) * USECS_PER_MINUTE + (s * 1e6).round_ties_even() as i64
}

pub(crate) fn time_field_error(h: i32, m: i32, s: f64) -> SqlError {
    SqlError::datetime_out_of_range(format!(
        "time field value out of range: {h}:{m:02}:{}",
        fmt_g(s, 2)
    ))
}

pub(crate) fn make_timestamp(v: [i32; 5], sec: f64) -> Result<i64, SqlError> {
    let [year, mon, mday, hour, min] = v;
    let bc = year < 0;
    let abs_year = if year == i32::MIN {
        year as i64
    } else {
        (year as i64).abs()
    };
    let y = validate_date(abs_year, mon, mday, bc).map_err(|_| {
        SqlError::datetime_out_of_range(format!(
            "date field value out of range: {year}-{mon:02}-{mday:02}"
        ))
    })?;
    if !valid_julian(y, mon) {
        return Err(SqlError::datetime_out_of_range(format!(
            "date out of range: {year}-{mon:02}-{mday:02}"
        )));
    }
    if time_overflows(hour, min, sec) {
        return Err(time_field_error(hour, min, sec));
    }
    let date = julian(y, mon, mday) - 2_451_545;
    let r = date as i128 * USECS_PER_DAY as i128 + time_micros(hour, min, sec) as i128;
    if r < TS_MIN as i128 || r >= TS_END as i128 {
        return Err(SqlError::datetime_out_of_range(format!(
            "timestamp out of range: {year}-{mon:02}-{mday:02} {hour}:{min:02}:{}",
            fmt_g(sec, 2)
        )));
    }
    Ok(r as i64)
}

pub(crate) fn make_interval(args: &[Value]) -> Result<Value, SqlError> {
    let n = |i: usize| {
        if i < args.len() {
            i32_arg(args, i, "make_interval")
        } else {
            Ok(0)
        }
    };
    let secs = if args.len() > 6 {
        f64_arg(args, 6, "make_interval")?
    } else {
        0.0
    };
    if secs.is_nan() || secs.is_infinite() {
        return Err(iv_out_of_range());
    }
    let months = n(0)?.wrapping_mul(12).wrapping_add(n(1)?);
    let days = n(2)?.wrapping_mul(7).wrapping_add(n(3)?);
    let us = (secs * 1e6).round_ties_even();
    // C's out-of-range double → int64 conversion yields INT64_MIN on x86-64.
    let us = if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&us) {
        us as i64
    } else {
        i64::MIN
    };
    let micros = (n(4)? as i64)
        .wrapping_mul(USECS_PER_HOUR)
        .wrapping_add((n(5)? as i64).wrapping_mul(USECS_PER_MINUTE))
        .wrapping_add(us);
    Ok(Value::Interval {
        months,
        days,
        micros,
    })
}

pub(crate) fn justify(op: TimeOp, months: i32, days: i32, micros: i64) -> Result<Value, SqlError> {
    let (mut m, mut d, mut t) = (months as i64, days as i64, micros);
    let month_of = |m: i64| i32::try_from(m).map_err(|_| iv_out_of_range());
    if op == JustifyHours || op == JustifyInterval {
        if op == JustifyInterval && ((d > 0 && t > 0) || (d < 0 && t < 0)) {
            m += d / 30;
            d %= 30;
            month_of(m)?;
        }
        d += t / USECS_PER_DAY;
        t %= USECS_PER_DAY;
        if op == JustifyHours {
            i32::try_from(d).map_err(|_| iv_out_of_range())?;
        }
    }
    if op == JustifyDays || op == JustifyInterval {
        m += d / 30;
        d %= 30;
        month_of(m)?;
        let t_neg = op == JustifyInterval && d == 0 && t < 0;
        let t_pos = op == JustifyInterval && d == 0 && t > 0;
        if m > 0 && (d < 0 || t_neg) {
            d += 30;
            m -= 1;
        } else if m < 0 && (d > 0 || t_pos) {
            d -= 30;
            m += 1;
        }
    }
    if op != JustifyDays {
        if d > 0 && t < 0 {
            t += USECS_PER_DAY;
            d -= 1;
        } else if d < 0 && t > 0 {
            t -= USECS_PER_DAY;
            d += 1;
        }
    }
    Ok(Value::Interval {
        months: month_of(m)?,
        days: i32::try_from(d).map_err(|_| iv_out_of_range())?,
        micros: t,
    })
}

pub(crate) fn to_timestamp(secs: f64) -> Result<Value, SqlError> {
    if secs.is_nan() {
        return Err(SqlError::datetime_out_of_range("timestamp cannot be NaN"));
    }
    if secs.is_infinite() {
        return Ok(Value::Timestamptz(if secs < 0.0 {
            i64::MIN
        } else {
            i64::MAX
        }));
    }
    let oor = || {
        SqlError::datetime_out_of_range(format!("timestamp out of range: \"{}\"", fmt_g(secs, 0)))
    };
    let lo = 86400.0 * (0.0 - 2_440_588.0);
    let hi = 86400.0 * (109_203_528.0 - 2_440_588.0);
    if secs < lo || secs >= hi {
        return Err(oor());
    }
    let us = ((secs - 946_684_800.0) * 1e6).round_ties_even() as i64;
    if !(TS_MIN..TS_END).contains(&us) {
        return Err(oor());
    }
    Ok(Value::Timestamptz(us))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_g_format() {
        assert_eq!(fmt_g(0.0, 2), "00");
        assert_eq!(fmt_g(0.5, 2), "0.5");
        assert_eq!(fmt_g(5.0, 2), "05");
        assert_eq!(fmt_g(-1.0, 2), "-1");
        assert_eq!(fmt_g(123456789.5, 2), "1.23457e+08");
        assert_eq!(fmt_g(60.0000001, 2), "60");
        assert_eq!(fmt_g(1e20, 0), "1e+20");
        assert_eq!(fmt_g(0.0001234, 0), "0.0001234");
        assert_eq!(fmt_g(0.00001234, 0), "1.234e-05");
        assert_eq!(fmt_g(f64::NAN, 2), "NaN");
    }

    #[test]
    fn constructors() {
        assert_eq!(
            make_date(-44, 2, 30).unwrap_err().message,
            "date field value out of range: -43-02-30"
        );
        assert_eq!(
            make_date(0, 1, 1).unwrap_err().message,
            "date field value out of range: 0-01-01"
        );
        assert!(make_date(i32::MIN, 1, 1).is_err());
        assert!(make_date(5_874_897, 12, 31).is_ok());
        assert!(make_timestamp([i32::MAX, 12, 31, 0, 0], 0.0).is_err());
        assert!(time_overflows(24, 0, 0.5));
        assert!(!time_overflows(24, 0, 0.0));
        assert!(to_timestamp(1e300).is_err());
    }
}
