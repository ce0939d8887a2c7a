//! `extract` (numeric) and `date_part` (float8) for date, time, timestamp,
//! timestamptz and interval, plus the unit-name decoding they share with
//! `date_trunc`.
//!
//! Design: unit names go through PostgreSQL's two token tables —
//! `deltatktbl` (DecodeUnits: `us`, `msec`, `hours`, `mon`, `qtr`, `w`,
//! `timezone_h`, ...) and, for extract, `datetktbl` (DecodeSpecial: `dow`,
//! `doy`, `isodow`, `isoyear`, `julian`/`j`/`jd`, `mm`, `epoch` and the
//! reserved words). Keys are lower-cased (ASCII only), cut to 63 bytes for
//! messages and compared on their first 10 characters (`TOKMAXLEN`), so
//! `microseconds` matches `microsecon` as in PostgreSQL. Errors distinguish
//! 22023 `unit "x" not recognized for type t` from 0A000 `... not supported
//! for type t`.
//!
//! Values follow PostgreSQL 14+'s `*_part_common`: integral fields are exact
//! integers; seconds/milliseconds/epoch are the exact microsecond count with
//! display scale 6/3 (`extract(second ...)` = `7.500000`); `julian` adds the
//! day fraction with numeric division; infinite inputs give ±Infinity for
//! monotonic fields and NULL for cyclic ones. BC years use PostgreSQL's
//! year-0-is-1-BC internal numbering in the decade/century/millennium rules.

use super::datetime::{Tm, julian, ts_to_tm};
use super::math::{Rounding, rescale};
use crate::sql::error::SqlError;
use crate::sql::types::datetime::{USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC};
use crate::sql::types::{Numeric, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Microsec,
    Millisec,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Tz,
    TzHour,
    TzMinute,
    Dow,
    Isodow,
    Doy,
    Julian,
    Isoyear,
    /// Reserved word `epoch`.
    Epoch,
    /// Other reserved words (`now`, `today`, `infinity`, ...).
    OtherReserved,
}

use Unit::*;

/// Result of unit decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Units(Unit),
    Reserved(Unit),
    Unknown,
}

const DELTA: &[(&str, Unit)] = &[
    ("c", Century),
    ("cent", Century),
    ("centuries", Century),
    ("century", Century),
    ("d", Day),
    ("day", Day),
    ("days", Day),
    ("dec", Decade),
    ("decade", Decade),
    ("decades", Decade),
    ("decs", Decade),
    ("h", Hour),
    ("hour", Hour),
    ("hours", Hour),
    ("hr", Hour),
    ("hrs", Hour),
    ("m", Minute),
    ("microsecon", Microsec),
    ("mil", Millennium),
    ("millennia", Millennium),
    ("millennium", Millennium),
    ("millisecon", Millisec),
    ("mils", Millennium),
    ("min", Minute),
    ("mins", Minute),
    ("minute", Minute),
    ("minutes", Minute),
    ("mon", Month),
    ("mons", Month),
    ("month", Month),
    ("months", Month),
    ("ms", Millisec),
    ("msec", Millisec),
    ("msecond", Millisec),
    ("mseconds", Millisec),
    ("msecs", Millisec),
    ("qtr", Quarter),
    ("quarter", Quarter),
    ("s", Second),
    ("sec", Second),
    ("second", Second),
    ("seconds", Second),
    ("secs", Second),
    ("timezone", Tz),
    ("timezone_h", TzHour),
    ("timezone_m", TzMinute),
    ("us", Microsec),
    ("usec", Microsec),
    ("usecond", Microsec),
    ("useconds", Microsec),
    ("usecs", Microsec),
    ("w", Week),
    ("week", Week),
    ("weeks", Week),
    ("y", Year),
    ("year", Year),
    ("years", Year),
    ("yr", Year),
    ("yrs", Year),
];

const SPECIAL_UNITS: &[(&str, Unit)] = &[
    ("d", Day),
    ("dow", Dow),
    ("doy", Doy),
    ("h", Hour),
    ("isodow", Isodow),
    ("isoyear", Isoyear),
    ("j", Julian),
    ("jd", Julian),
    ("julian", Julian),
    ("m", Month),
    ("mm", Minute),
    ("s", Second),
    ("y", Year),
];

const RESERVED: &[&str] = &[
    "-infinity",
    "allballs",
    "infinity",
    "now",
    "today",
    "tomorrow",
    "yesterday",
];

/// `downcase_truncate_identifier`: ASCII lower-casing, at most 63 bytes.
pub(crate) fn lower_units(s: &str) -> String {
    let mut end = s.len().min(63);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_ascii_lowercase()
}

/// The key as `strncmp(key, token, TOKMAXLEN)` sees it.
fn tok_key(s: &str) -> &str {
    let mut end = s.len().min(10);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// DecodeUnits (deltatktbl only), as date_trunc uses it.
pub(crate) fn decode_units(low: &str) -> Kind {
    let key = tok_key(low);
    match DELTA.iter().find(|(t, _)| *t == key) {
        Some((_, u)) => Kind::Units(*u),
        None => Kind::Unknown,
    }
}

/// DecodeUnits, then DecodeSpecial, as extract/date_part use them.
fn decode_part_units(low: &str) -> Kind {
    match decode_units(low) {
        Kind::Unknown => {}
        k => return k,
    }
    // The delta table also holds "@" and "ago", which are not units.
    let key = tok_key(low);
    if key == "epoch" {
        return Kind::Reserved(Epoch);
    }
    if RESERVED.contains(&key) {
        return Kind::Reserved(OtherReserved);
    }
    match SPECIAL_UNITS.iter().find(|(t, _)| *t == key) {
        Some((_, u)) => Kind::Units(*u),
        None => Kind::Unknown,
    }
}

pub(crate) fn not_recognized(low: &str, tname: &str) -> SqlError {
    SqlError::invalid_parameter_value(format!("unit \"{low}\" not recognized for type {tname}"))
}

pub(crate) fn not_supported(low: &str, tname: &str) -> SqlError {
    SqlError::feature_not_supported(format!("unit \"{low}\" not supported for type {tname}"))
}

/// A field value before conversion to numeric or float8.
enum Part {
    Int(i64),
    /// `v / 10^scale`, exact.
    Scaled(i64, i64),
    Numeric(Numeric),
    Float(f64),
    Null,
    Inf(bool),
}

fn finish(p: Part, numeric: bool) -> Result<Value, SqlError> {
    Ok(match (p, numeric) {
        (Part::Null, _) => Value::Null,
        (Part::Int(v), true) => Value::Numeric(Numeric::from_i64(v)),
        (Part::Int(v), false) => Value::Float8(v as f64),
        (Part::Scaled(v, s), true) => Value::Numeric(Numeric::from_parts(v.into(), s)),
        (Part::Scaled(v, s), false) => Value::Float8(v as f64 / 10f64.powi(s as i32)),
        (Part::Numeric(n), true) => Value::Numeric(n),
        (Part::Numeric(n), false) => Value::Float8(n.to_f64()),
        (Part::Float(f), _) => Value::Float8(f),
        (Part::Inf(neg), true) => Value::Numeric(if neg {
            Numeric::NegInf
        } else {
            Numeric::PosInf
        }),
        (Part::Inf(neg), false) => Value::Float8(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
    })
}

fn year_field(u: Unit, y: i64) -> i64 {
    match u {
        Year if y > 0 => y,
        Year => y - 1,
        Decade if y >= 0 => y / 10,
        Decade => -((8 - (y - 1)) / 10),
        Century if y > 0 => (y + 99) / 100,
        Century => -((99 - (y - 1)) / 100),
        Millennium if y > 0 => (y + 999) / 1000,
        _ => -((999 - (y - 1)) / 1000),
    }
}

/// ISO 8601 (week, year) of a date given as days since 2000-01-01.
pub(crate) fn iso_week(days: i64) -> (i64, i64) {
    let isodow = (days + 5).rem_euclid(7) + 1; // 2000-01-01 was a Saturday
    let thursday = days - isodow + 4;
    let (y, _, _) = crate::sql::types::datetime::civil_from_days(thursday);
    let jan1 = crate::sql::types::datetime::days_from_civil(y, 1, 1);
    ((thursday - jan1) / 7 + 1, y)
}

/// Fields shared by date and timestamp.
fn date_fields(u: Unit, tm: &Tm) -> Option<i64> {
    let days = julian(tm.year, tm.mon, tm.mday) - 2_451_545;
    Some(match u {
        Day => tm.mday as i64,
        Month => tm.mon as i64,
        Quarter => (tm.mon as i64 - 1) / 3 + 1,
        Week => iso_week(days).0,
        Year | Decade | Century | Millennium => year_field(u, tm.year),
        Isoyear => {
            let y = iso_week(days).1;
            if y <= 0 { y - 1 } else { y }
        }
        Dow | Isodow => {
            let dow = (days + 2_451_545 + 1).rem_euclid(7);
            if u == Isodow && dow == 0 { 7 } else { dow }
        }
        Doy => days - (julian(tm.year, 1, 1) - 2_451_545) + 1,
        _ => return None,
    })
}

const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800 * USECS_PER_SEC;

fn timestamp_part(low: &str, ts: i64, tz: bool, numeric: bool) -> Result<Value, SqlError> {
    let tname = if tz {
        "timestamp with time zone"
    } else {
        "timestamp without time zone"
    };
    let kind = decode_part_units(low);
    if ts == i64::MIN || ts == i64::MAX {
        let neg = ts == i64::MIN;
        return finish(
            match kind {
                Kind::Unknown => return Err(not_recognized(low, tname)),
                Kind::Reserved(Epoch) => Part::Inf(neg),
                Kind::Reserved(_) => return Err(not_supported(low, tname)),
                Kind::Units(Year | Decade | Century | Millennium | Julian | Isoyear) => {
                    Part::Inf(neg)
                }
                Kind::Units(_) => Part::Null,
            },
            numeric,
        );
    }
    let tm = ts_to_tm(ts)?;
    let sec_us = tm.sec as i64 * USECS_PER_SEC + tm.fsec;
    let p = match kind {
        Kind::Units(u) => match u {
            Microsec => Part::Int(sec_us),
            Millisec if numeric => Part::Scaled(sec_us, 3),
            Millisec => Part::Float(tm.sec as f64 * 1000.0 + tm.fsec as f64 / 1000.0),
            Second if numeric => Part::Scaled(sec_us, 6),
            Second => Part::Float(tm.sec as f64 + tm.fsec as f64 / 1_000_000.0),
            Minute => Part::Int(tm.min as i64),
            Hour => Part::Int(tm.hour as i64),
            Tz | TzHour | TzMinute if tz => Part::Int(0),
            Julian => {
                let jd = julian(tm.year, tm.mon, tm.mday);
                let tod = ts.rem_euclid(USECS_PER_DAY);
                if numeric {
                    let frac = Numeric::from_i64(tod).div(&Numeric::from_i64(USECS_PER_DAY))?;
                    Part::Numeric(Numeric::from_i64(jd).add(&frac)?)
                } else {
                    let secs = ((tm.hour as i64 * 60 + tm.min as i64) * 60 + tm.sec as i64) as f64
                        + tm.fsec as f64 / 1_000_000.0;
                    Part::Float(jd as f64 + secs / 86400.0)
                }
            }
            _ => match date_fields(u, &tm) {
                Some(v) => Part::Int(v),
                None => return Err(not_supported(low, tname)),
            },
        },
        Kind::Reserved(Epoch) => {
            let epoch = -PG_EPOCH_UNIX_MICROS;
            if ts < i64::MAX + epoch {
                let d = ts - epoch;
                if numeric {
                    Part::Scaled(d, 6)
                } else {
                    Part::Float(d as f64 / 1_000_000.0)
                }
            } else if numeric {
                // PostgreSQL's slow path: numeric division, then round(…, 6).
                let d = Numeric::from_i64(ts).sub(&Numeric::from_i64(epoch))?;
                let q = d.div(&Numeric::from_i64(USECS_PER_SEC))?;
                Part::Numeric(rescale(&q, 6, Rounding::HalfAway))
            } else {
                Part::Float((ts as f64 - epoch as f64) / 1_000_000.0)
            }
        }
        Kind::Reserved(_) => return Err(not_supported(low, tname)),
        Kind::Unknown => return Err(not_recognized(low, tname)),
    };
    finish(p, numeric)
}

fn date_part_of_date(low: &str, d: i32) -> Result<Value, SqlError> {
    let tname = "date";
    let kind = decode_part_units(low);
    if d == i32::MIN || d == i32::MAX {
        let neg = d == i32::MIN;
        return finish(
            match kind {
                Kind::Unknown => return Err(not_recognized(low, tname)),
                Kind::Units(Day | Month | Quarter | Week | Dow | Isodow | Doy) => Part::Null,
                Kind::Units(Year | Decade | Century | Millennium | Julian | Isoyear)
                | Kind::Reserved(Epoch) => Part::Inf(neg),
                _ => return Err(not_supported(low, tname)),
            },
            true,
        );
    }
    let (y, m, dd) = crate::sql::types::datetime::civil_from_days(d as i64);
    let tm = Tm {
        year: y,
        mon: m as i32,
        mday: dd as i32,
        ..Tm::default()
    };
    let v = match kind {
        Kind::Units(Julian) => d as i64 + 2_451_545,
        Kind::Units(u) => date_fields(u, &tm).ok_or_else(|| not_supported(low, tname))?,
        Kind::Reserved(Epoch) => (d as i64 + 10_957) * 86_400,
        Kind::Reserved(_) => return Err(not_supported(low, tname)),
        Kind::Unknown => return Err(not_recognized(low, tname)),
    };
    finish(Part::Int(v), true)
}

fn time_part(low: &str, t: i64, numeric: bool) -> Result<Value, SqlError> {
    let tname = "time without time zone";
    let sec_us = t % USECS_PER_MINUTE;
    let p = match decode_part_units(low) {
        Kind::Units(Microsec) => Part::Int(sec_us),
        Kind::Units(Millisec) if numeric => Part::Scaled(sec_us, 3),
        Kind::Units(Millisec) => Part::Float(sec_us as f64 / 1000.0),
        Kind::Units(Second) if numeric => Part::Scaled(sec_us, 6),
        Kind::Units(Second) => Part::Float(sec_us as f64 / 1_000_000.0),
        Kind::Units(Minute) => Part::Int(t % USECS_PER_HOUR / USECS_PER_MINUTE),
        Kind::Units(Hour) => Part::Int(t / USECS_PER_HOUR),
        Kind::Units(_) => return Err(not_supported(low, tname)),
        Kind::Reserved(Epoch) if numeric => Part::Scaled(t, 6),
        Kind::Reserved(Epoch) => Part::Float(t as f64 / 1_000_000.0),
        _ => return Err(not_recognized(low, tname)),
    };
    finish(p, numeric)
}

/// interval2tm's split: (years, months, days, hours, minutes, sec·1e6+µs).
pub(crate) fn interval_fields(
    months: i32,
    days: i32,
    micros: i64,
) -> (i64, i64, i64, i64, i64, i64) {
    let t = micros;
    (
        months as i64 / 12,
        months as i64 % 12,
        days as i64,
        t / USECS_PER_HOUR,
        t % USECS_PER_HOUR / USECS_PER_MINUTE,
        t % USECS_PER_MINUTE,
    )
}

fn interval_part(
    low: &str,
    months: i32,
    days: i32,
    micros: i64,
    numeric: bool,
) -> Result<Value, SqlError> {
    let tname = "interval";
    let (y, mon, d, h, mi, sec_us) = interval_fields(months, days, micros);
    let p = match decode_part_units(low) {
        Kind::Units(u) => match u {
            Microsec => Part::Int(sec_us),
            Millisec if numeric => Part::Scaled(sec_us, 3),
            Millisec => Part::Float(sec_us as f64 / 1000.0),
            Second if numeric => Part::Scaled(sec_us, 6),
            Second => Part::Float(sec_us as f64 / 1_000_000.0),
            Minute => Part::Int(mi),
            Hour => Part::Int(h),
            Day => Part::Int(d),
            Month => Part::Int(mon),
            Quarter => Part::Int(mon / 3 + 1),
            Year => Part::Int(y),
            Decade => Part::Int(y / 10),
            Century => Part::Int(y / 100),
            Millennium => Part::Int(y / 1000),
            _ => return Err(not_supported(low, tname)),
        },
        Kind::Reserved(Epoch) if numeric => {
            // 4 × (365.25 days per year, 30 days per month, days) × 21600 s
            let secs = (1461 * (months as i64 / 12) + 120 * (months as i64 % 12) + 4 * days as i64)
                * 21_600;
            match secs
                .checked_mul(USECS_PER_SEC)
                .and_then(|v| v.checked_add(micros))
            {
                Some(v) => Part::Scaled(v, 6),
                None => Part::Numeric(
                    Numeric::from_parts(micros.into(), 6).add(&Numeric::from_i64(secs))?,
                ),
            }
        }
        Kind::Reserved(Epoch) => Part::Float(
            micros as f64 / 1_000_000.0
                + 365.25 * 86400.0 * (months / 12) as f64
                + 30.0 * 86400.0 * (months % 12) as f64
                + 86400.0 * days as f64,
        ),
        _ => return Err(not_recognized(low, tname)),
    };
    finish(p, numeric)
}

/// `extract(field, v)` (numeric) or `date_part(field, v)` (float8).
pub(crate) fn part(field: &str, v: &Value, numeric: bool) -> Result<Value, SqlError> {
    let low = lower_units(field);
    match v {
        Value::Date(d) if numeric => date_part_of_date(&low, *d),
        Value::Date(d) => {
            let ts = match *d {
                i32::MIN => i64::MIN,
                i32::MAX => i64::MAX,
                d => (d as i64)
                    .checked_mul(USECS_PER_DAY)
                    .filter(|t| *t < crate::sql::types::datetime::TS_END)
                    .ok_or_else(|| {
                        SqlError::datetime_out_of_range("date out of range for timestamp")
                    })?,
            };
            timestamp_part(&low, ts, false, false)
        }
        Value::Timestamp(t) => timestamp_part(&low, *t, false, numeric),
        Value::Timestamptz(t) => timestamp_part(&low, *t, true, numeric),
        Value::Time(t) => time_part(&low, *t, numeric),
        Value::Interval {
            months,
            days,
            micros,
        } => interval_part(&low, *months, *days, *micros, numeric),
        _ => Err(super::wrong_arg("extract")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_tables() {
        assert_eq!(decode_units("microseconds"), Kind::Units(Microsec));
        assert_eq!(decode_units("microsecondsxyz"), Kind::Units(Microsec));
        assert_eq!(decode_units("dow"), Kind::Unknown);
        assert_eq!(decode_part_units("dow"), Kind::Units(Dow));
        assert_eq!(decode_part_units("m"), Kind::Units(Minute));
        assert_eq!(decode_part_units("mm"), Kind::Units(Minute));
        assert_eq!(decode_part_units("epoch"), Kind::Reserved(Epoch));
        assert_eq!(decode_part_units("now"), Kind::Reserved(OtherReserved));
        assert_eq!(decode_part_units("zulu"), Kind::Unknown);
        assert_eq!(lower_units("ÉPOCH"), "Époch".to_ascii_lowercase());
        let long = "é".repeat(40);
        assert!(lower_units(&long).len() <= 63);
        assert_eq!(tok_key("ééééééé"), "ééééé");
        assert!(DELTA.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn iso_weeks() {
        let d = |y, m, dd| crate::sql::types::datetime::days_from_civil(y, m, dd);
        assert_eq!(iso_week(d(2021, 1, 1)), (53, 2020));
        assert_eq!(iso_week(d(2024, 12, 30)), (1, 2025));
        assert_eq!(iso_week(d(2024, 5, 15)), (20, 2024));
    }
}
