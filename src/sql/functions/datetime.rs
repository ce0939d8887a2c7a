//! Date/time functions: `now()` and friends, `date_trunc`, `age`,
//! `make_date`/`make_time`/`make_timestamp[tz]`/`make_interval`, `isfinite`,
//! `justify_*`, `to_timestamp(float8)`; `extract`/`date_part` live in
//! `extract`.
//!
//! Design: values are the type layer's integers (days / microseconds since
//! 2000-01-01, UTC for timestamptz, (months, days, micros) intervals). Field
//! arithmetic goes through [`Tm`], PostgreSQL's `struct pg_tm` with year 0 =
//! 1 BC, so the ports of `timestamp_trunc`, `timestamp_age`,
//! `make_timestamp_internal` keep PostgreSQL's quirks: `age` borrows days
//! from the month of the *earlier* operand, `age('infinity', ...)` computes
//! on the raw sentinel like PostgreSQL 15 while `-infinity` is out of range,
//! `make_interval` wraps on integer overflow, error texts print seconds with
//! C's `%g`. The session time zone is UTC, so timestamptz behaves like
//! timestamp except for type names in messages; explicit zone arguments
//! accept only UTC spellings.

use super::extract::{self, Kind, Unit, decode_units, lower_units, not_recognized, not_supported};
use super::make::{
    justify, make_date, make_interval, make_timestamp, time_field_error, time_micros,
    time_overflows, to_timestamp,
};
use super::{
    DATE, F8, INT4, IV, Op, P, Sig, TEXT, TIME, TS, TSTZ, f64_arg, i32_arg, text_arg, wrong_arg,
};
use crate::sql::error::SqlError;
use crate::sql::types::datetime::{
    TS_END, TS_MIN, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
    civil_from_days, days_from_civil, days_in_month,
};
use crate::sql::types::{DataType, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeOp {
    Now,
    StatementTs,
    ClockTs,
    CurrentDate,
    LocalTs,
    LocalTime,
    DateTrunc,
    DatePart,
    Extract,
    Age,
    MakeDate,
    MakeTime,
    MakeTs,
    MakeTstz,
    MakeInterval,
    IsFinite,
    JustifyDays,
    JustifyHours,
    JustifyInterval,
    ToTimestamp,
}

use TimeOp::*;

const fn t(name: &'static str, args: &'static [P], ret: DataType, op: TimeOp) -> Sig {
    Sig::new(name, args, ret, Op::Time(op))
}
const TZ: DataType = DataType::Timestamptz;
const F: DataType = DataType::Float8;
const N: DataType = DataType::NUMERIC;
const I: DataType = DataType::Interval;

pub(crate) const SIGS: &[Sig] = &[
    t("now", &[], TZ, Now),
    t("current_timestamp", &[], TZ, Now),
    t("transaction_timestamp", &[], TZ, Now),
    t("statement_timestamp", &[], TZ, StatementTs),
    t("clock_timestamp", &[], TZ, ClockTs).volatile(),
    t("current_date", &[], DataType::Date, CurrentDate),
    t("localtimestamp", &[], DataType::Timestamp, LocalTs),
    t("localtime", &[], DataType::Time, LocalTime),
    t("date_trunc", &[TEXT, TS], DataType::Timestamp, DateTrunc),
    t("date_trunc", &[TEXT, TSTZ], TZ, DateTrunc),
    t("date_trunc", &[TEXT, TSTZ, TEXT], TZ, DateTrunc),
    t("date_trunc", &[TEXT, IV], I, DateTrunc),
    t("date_part", &[TEXT, DATE], F, DatePart),
    t("date_part", &[TEXT, TIME], F, DatePart),
    t("date_part", &[TEXT, TS], F, DatePart),
    t("date_part", &[TEXT, TSTZ], F, DatePart),
    t("date_part", &[TEXT, IV], F, DatePart),
    t("extract", &[TEXT, DATE], N, Extract),
    t("extract", &[TEXT, TIME], N, Extract),
    t("extract", &[TEXT, TS], N, Extract),
    t("extract", &[TEXT, TSTZ], N, Extract),
    t("extract", &[TEXT, IV], N, Extract),
    t("age", &[TS, TS], I, Age),
    t("age", &[TSTZ, TSTZ], I, Age),
    t("age", &[TS], I, Age),
    t("age", &[TSTZ], I, Age),
    t("make_date", &[INT4, INT4, INT4], DataType::Date, MakeDate),
    t("make_time", &[INT4, INT4, F8], DataType::Time, MakeTime),
    t(
        "make_timestamp",
        &[INT4, INT4, INT4, INT4, INT4, F8],
        DataType::Timestamp,
        MakeTs,
    ),
    t(
        "make_timestamptz",
        &[INT4, INT4, INT4, INT4, INT4, F8],
        TZ,
        MakeTstz,
    ),
    t(
        "make_timestamptz",
        &[INT4, INT4, INT4, INT4, INT4, F8, TEXT],
        TZ,
        MakeTstz,
    ),
    t("make_interval", &[], I, MakeInterval),
    t("make_interval", &[INT4], I, MakeInterval),
    t("make_interval", &[INT4, INT4], I, MakeInterval),
    t("make_interval", &[INT4, INT4, INT4], I, MakeInterval),
    t("make_interval", &[INT4, INT4, INT4, INT4], I, MakeInterval),
    t(
        "make_interval",
        &[INT4, INT4, INT4, INT4, INT4],
        I,
        MakeInterval,
    ),
    t(
        "make_interval",
        &[INT4, INT4, INT4, INT4, INT4, INT4],
        I,
        MakeInterval,
    ),
    t(
        "make_interval",
        &[INT4, INT4, INT4, INT4, INT4, INT4, F8],
        I,
        MakeInterval,
    ),
    t("isfinite", &[DATE], DataType::Bool, IsFinite),
    t("isfinite", &[TS], DataType::Bool, IsFinite),
    t("isfinite", &[TSTZ], DataType::Bool, IsFinite),
    t("isfinite", &[IV], DataType::Bool, IsFinite),
    t("justify_days", &[IV], I, JustifyDays),
    t("justify_hours", &[IV], I, JustifyHours),
    t("justify_interval", &[IV], I, JustifyInterval),
    t("to_timestamp", &[F8], TZ, ToTimestamp),
];

/// PostgreSQL's `struct pg_tm` (year 0 = 1 BC) plus fractional microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tm {
    pub year: i64,
    pub mon: i32,
    pub mday: i32,
    pub hour: i32,
    pub min: i32,
    pub sec: i32,
    pub fsec: i64,
}

/// date2j: the Julian day number.
pub(crate) fn julian(y: i64, m: i32, d: i32) -> i64 {
    days_from_civil(y, m.clamp(1, 12) as u32, d.max(1) as u32) + 2_451_545
}

fn ts_out_of_range() -> SqlError {
    SqlError::datetime_out_of_range("timestamp out of range")
}

pub(crate) fn iv_out_of_range() -> SqlError {
    SqlError::datetime_out_of_range("interval out of range")
}

/// timestamp2tm (UTC); fails like PostgreSQL for negative Julian days.
pub(crate) fn ts_to_tm(ts: i64) -> Result<Tm, SqlError> {
    let days = ts.div_euclid(USECS_PER_DAY);
    let tod = ts.rem_euclid(USECS_PER_DAY);
    let jd = days + 2_451_545;
    if !(0..=i32::MAX as i64).contains(&jd) {
        return Err(ts_out_of_range());
    }
    let (y, m, d) = civil_from_days(days);
    Ok(Tm {
        year: y,
        mon: m as i32,
        mday: d as i32,
        hour: (tod / USECS_PER_HOUR) as i32,
        min: (tod % USECS_PER_HOUR / USECS_PER_MINUTE) as i32,
        sec: (tod % USECS_PER_MINUTE / USECS_PER_SEC) as i32,
        fsec: tod % USECS_PER_SEC,
    })
}

pub(crate) fn valid_julian(y: i64, m: i32) -> bool {
    (y > -4713 || (y == -4713 && m >= 11)) && (y < 5_874_898 || (y == 5_874_898 && m < 6))
}

/// tm2timestamp.
fn tm_to_ts(tm: &Tm) -> Result<i64, SqlError> {
    if !valid_julian(tm.year, tm.mon) {
        return Err(ts_out_of_range());
    }
    let date = julian(tm.year, tm.mon, tm.mday) - 2_451_545;
    let time =
        ((tm.hour as i64 * 60 + tm.min as i64) * 60 + tm.sec as i64) * USECS_PER_SEC + tm.fsec;
    let r = date as i128 * USECS_PER_DAY as i128 + time as i128;
    if r < TS_MIN as i128 || r >= TS_END as i128 {
        return Err(ts_out_of_range());
    }
    Ok(r as i64)
}

pub(crate) fn eval(op: TimeOp, args: &[Value], ctx: &super::FnContext) -> Result<Value, SqlError> {
    let f = "datetime function";
    let int = |i: usize| i32_arg(args, i, f);
    let txt = |i: usize| text_arg(args, i, f);
    let now = ctx.transaction_timestamp;
    match op {
        Now => Ok(Value::Timestamptz(now)),
        StatementTs => Ok(Value::Timestamptz(ctx.statement_timestamp)),
        ClockTs => Ok(Value::Timestamptz(clock_now())),
        CurrentDate => Ok(Value::Date(now.div_euclid(USECS_PER_DAY) as i32)),
        LocalTs => Ok(Value::Timestamp(now)),
        LocalTime => Ok(Value::Time(now.rem_euclid(USECS_PER_DAY))),
        DateTrunc => {
            if args.len() > 2 {
                check_utc_zone(txt(2)?)?;
            }
            date_trunc(txt(0)?, &args[1])
        }
        DatePart => extract::part(txt(0)?, &args[1], false),
        Extract => extract::part(txt(0)?, &args[1], true),
        Age => {
            let midnight = now.saturating_sub(now.rem_euclid(USECS_PER_DAY));
            let (a, b) = match args {
                [
                    Value::Timestamp(a) | Value::Timestamptz(a),
                    Value::Timestamp(b) | Value::Timestamptz(b),
                ] => (*a, *b),
                [Value::Timestamp(b) | Value::Timestamptz(b)] => (midnight, *b),
                _ => return Err(wrong_arg("age")),
            };
            age(a, b)
        }
        MakeDate => make_date(int(0)?, int(1)?, int(2)?).map(Value::Date),
        MakeTime => {
            let (h, m, s) = (int(0)?, int(1)?, f64_arg(args, 2, f)?);
            if time_overflows(h, m, s) {
                return Err(time_field_error(h, m, s));
            }
            Ok(Value::Time(time_micros(h, m, s)))
        }
        MakeTs | MakeTstz => {
            if args.len() > 6 {
                check_utc_zone(txt(6)?)?;
            }
            let v = [int(0)?, int(1)?, int(2)?, int(3)?, int(4)?];
            let ts = make_timestamp(v, f64_arg(args, 5, f)?)?;
            Ok(if op == MakeTs {
                Value::Timestamp(ts)
            } else {
                Value::Timestamptz(ts)
            })
        }
        MakeInterval => make_interval(args),
        IsFinite => Ok(Value::Bool(match args.first() {
            Some(Value::Date(d)) => *d != i32::MIN && *d != i32::MAX,
            Some(Value::Timestamp(t) | Value::Timestamptz(t)) => *t != i64::MIN && *t != i64::MAX,
            Some(Value::Interval { .. }) => true,
            _ => return Err(wrong_arg("isfinite")),
        })),
        JustifyDays | JustifyHours | JustifyInterval => match args.first() {
            Some(Value::Interval {
                months,
                days,
                micros,
            }) => justify(op, *months, *days, *micros),
            _ => Err(wrong_arg("justify")),
        },
        ToTimestamp => to_timestamp(f64_arg(args, 0, f)?),
    }
}

fn clock_now() -> i64 {
    let micros = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(e) => -(e.duration().as_micros() as i64),
    };
    micros - 946_684_800 * USECS_PER_SEC
}

fn check_utc_zone(zone: &str) -> Result<(), SqlError> {
    let z = zone.trim().to_ascii_lowercase();
    match z.as_str() {
        "utc" | "gmt" | "z" | "zulu" | "uct" | "universal" | "etc/utc" | "etc/gmt" | "etc/uct"
        | "etc/universal" | "+00" | "-00" | "+00:00" | "-00:00" | "0" => Ok(()),
        _ => Err(SqlError::invalid_parameter_value(format!(
            "time zone \"{zone}\" not recognized"
        ))),
    }
}

fn date_trunc(field: &str, v: &Value) -> Result<Value, SqlError> {
    let low = lower_units(field);
    let (ts, tname) = match v {
        Value::Timestamp(ts) => (*ts, "timestamp without time zone"),
        Value::Timestamptz(ts) => (*ts, "timestamp with time zone"),
        Value::Interval {
            months,
            days,
            micros,
        } => return interval_trunc(&low, *months, *days, *micros),
        _ => return Err(wrong_arg("date_trunc")),
    };
    let wrap = |r: i64| match v {
        Value::Timestamp(_) => Value::Timestamp(r),
        _ => Value::Timestamptz(r),
    };
    if ts == i64::MIN || ts == i64::MAX {
        return Ok(wrap(ts));
    }
    let Kind::Units(unit) = decode_units(&low) else {
        return Err(not_recognized(&low, tname));
    };
    let mut tm = ts_to_tm(ts)?;
    use Unit::*;
    let level = match unit {
        Week => {
            let days = julian(tm.year, tm.mon, tm.mday) - 2_451_545;
            let monday = days - (days + 5).rem_euclid(7);
            let (y, m, d) = civil_from_days(monday);
            tm = Tm {
                year: y,
                mon: m as i32,
                mday: d as i32,
                ..Tm::default()
            };
            return tm_to_ts(&tm).map(wrap);
        }
        Millennium => 0,
        Century => 1,
        Decade => 2,
        Year => 3,
        Quarter => 4,
        Month => 5,
        Day => 6,
        Hour => 7,
        Minute => 8,
        Second => 9,
        Millisec => {
            tm.fsec = tm.fsec / 1000 * 1000;
            return tm_to_ts(&tm).map(wrap);
        }
        Microsec => return Ok(wrap(ts)),
        _ => return Err(not_supported(&low, tname)),
    };
    let y = tm.year;
    if level == 0 {
        tm.year = if y > 0 {
            (y + 999) / 1000 * 1000 - 999
        } else {
            -((999 - (y - 1)) / 1000) * 1000 + 1
        };
    }
    if level <= 1 {
        let y = tm.year;
        tm.year = if y > 0 {
            (y + 99) / 100 * 100 - 99
        } else {
            -((99 - (y - 1)) / 100) * 100 + 1
        };
    }
    if level == 2 {
        tm.year = if y > 0 {
            y / 10 * 10
        } else {
            -((8 - (y - 1)) / 10) * 10
        };
    }
    if level <= 3 {
        tm.mon = 1;
    }
    if level <= 4 {
        tm.mon = 3 * ((tm.mon - 1) / 3) + 1;
    }
    if level <= 5 {
        tm.mday = 1;
    }
    if level <= 6 {
        tm.hour = 0;
    }
    if level <= 7 {
        tm.min = 0;
    }
    if level <= 8 {
        tm.sec = 0;
    }
    tm.fsec = 0;
    tm_to_ts(&tm).map(wrap)
}

fn interval_trunc(low: &str, months: i32, days: i32, micros: i64) -> Result<Value, SqlError> {
    let Kind::Units(unit) = decode_units(low) else {
        return Err(not_recognized(low, "interval"));
    };
    let (mut y, mut mon, mut d, mut h, mut mi, mut sec_us) =
        extract::interval_fields(months, days, micros);
    use Unit::*;
    let level = match unit {
        Millennium => 0,
        Century => 1,
        Decade => 2,
        Year => 3,
        Quarter => 4,
        Month => 5,
        Day => 6,
        Hour => 7,
        Minute => 8,
        Second => 9,
        Millisec => 10,
        Microsec => 11,
        _ => {
            let e = not_supported(low, "interval");
            return Err(if unit == Week {
                e.with_detail("Months usually have fractional weeks.")
            } else {
                e
            });
        }
    };
    // PostgreSQL's fall-through switch: each level also clears the finer ones.
    if level == 0 {
        y = y / 1000 * 1000;
    }
    if level <= 1 {
        y = y / 100 * 100;
    }
    if level <= 2 {
        y = y / 10 * 10;
    }
    if level <= 3 {
        mon = 0;
    }
    if level <= 4 {
        mon = 3 * (mon / 3);
    }
    if level <= 5 {
        d = 0;
    }
    if level <= 6 {
        h = 0;
    }
    if level <= 7 {
        mi = 0;
    }
    if level <= 8 {
        sec_us %= USECS_PER_SEC;
    }
    if level <= 9 {
        sec_us -= sec_us % USECS_PER_SEC;
    } else if level == 10 {
        sec_us = sec_us / 1000 * 1000;
    }
    let months = y
        .checked_mul(12)
        .and_then(|v| v.checked_add(mon))
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(iv_out_of_range)?;
    let time = (h * 60 + mi)
        .checked_mul(USECS_PER_MINUTE)
        .and_then(|v| v.checked_add(sec_us))
        .ok_or_else(iv_out_of_range)?;
    Ok(Value::Interval {
        months,
        days: d as i32,
        micros: time,
    })
}

pub(crate) fn days_in(y: i64, m: i32) -> i32 {
    days_in_month(y, m.clamp(1, 12) as u32) as i32
}

/// timestamp_age: field-wise difference with borrowing.
fn age(a: i64, b: i64) -> Result<Value, SqlError> {
    let (t1, t2) = (ts_to_tm(a)?, ts_to_tm(b)?);
    let flip = if a < b { -1 } else { 1 };
    let mut fsec = (t1.fsec - t2.fsec) * flip;
    let mut sec = (t1.sec - t2.sec) as i64 * flip;
    let mut min = (t1.min - t2.min) as i64 * flip;
    let mut hour = (t1.hour - t2.hour) as i64 * flip;
    let mut mday = (t1.mday - t2.mday) as i64 * flip;
    let mut mon = (t1.mon - t2.mon) as i64 * flip;
    let mut year = (t1.year - t2.year) * flip;
    if fsec < 0 {
        fsec += USECS_PER_SEC;
        sec -= 1;
    }
    if sec < 0 {
        sec += 60;
        min -= 1;
    }
    if min < 0 {
        min += 60;
        hour -= 1;
    }
    if hour < 0 {
        hour += 24;
        mday -= 1;
    }
    while mday < 0 {
        let from = if a < b { &t1 } else { &t2 };
        mday += days_in(from.year, from.mon) as i64;
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    let months = year
        .checked_mul(12)
        .and_then(|v| v.checked_add(mon))
        .map(|v| v * flip)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(iv_out_of_range)?;
    let time = ((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + fsec;
    Ok(Value::Interval {
        months,
        days: i32::try_from(mday * flip).map_err(|_| iv_out_of_range())?,
        micros: time * flip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_borrows_like_postgres() {
        let ts = |y, m, d| days_from_civil(y, m, d) * USECS_PER_DAY;
        let show = |v: Value| v.to_text().unwrap_or_default();
        assert_eq!(
            show(age(ts(2024, 3, 31), ts(2024, 2, 29) + 12 * USECS_PER_HOUR).unwrap()),
            "1 mon 1 day 12:00:00"
        );
        assert_eq!(
            show(age(ts(2024, 1, 1), ts(2024, 3, 31)).unwrap()),
            "-2 mons -30 days"
        );
        assert_eq!(
            show(age(i64::MAX, ts(2020, 1, 1)).unwrap()),
            "292257 years 8 days 04:00:54.775807"
        );
        assert!(age(i64::MIN, 0).is_err());
    }

    #[test]
    fn clock_functions_use_the_context() {
        use crate::sql::functions::{FnContext, call, resolve};
        // 2024-05-15 12:34:56.5 UTC (transaction) and one second later (statement)
        let tx = days_from_civil(2024, 5, 15) * USECS_PER_DAY + 45_296_500_000;
        let ctx = FnContext {
            statement_timestamp: tx + USECS_PER_SEC,
            transaction_timestamp: tx,
        };
        let eval = |name: &str, args: &[Value]| {
            let types: Vec<DataType> = args.iter().map(Value::data_type).collect();
            let r = resolve(name, &types).unwrap();
            (
                call(r.func, args, &ctx)
                    .unwrap()
                    .to_text()
                    .unwrap_or_default(),
                r.ret.name(),
            )
        };
        let now = "2024-05-15 12:34:56.5+00".to_string();
        let tz = "timestamp with time zone".to_string();
        assert_eq!(eval("now", &[]), (now.clone(), tz.clone()));
        assert_eq!(eval("current_timestamp", &[]), (now.clone(), tz.clone()));
        assert_eq!(eval("transaction_timestamp", &[]), (now, tz.clone()));
        assert_eq!(
            eval("statement_timestamp", &[]),
            ("2024-05-15 12:34:57.5+00".into(), tz)
        );
        assert_eq!(eval("current_date", &[]).0, "2024-05-15");
        assert_eq!(eval("localtimestamp", &[]).0, "2024-05-15 12:34:56.5");
        assert_eq!(eval("localtime", &[]).0, "12:34:56.5");
        let born = Value::Timestamp(days_from_civil(2000, 2, 29) * USECS_PER_DAY);
        assert_eq!(eval("age", &[born]).0, "24 years 2 mons 15 days");
        let r = resolve("clock_timestamp", &[]).unwrap();
        assert!(r.func.is_volatile());
        assert!(!resolve("now", &[]).unwrap().func.is_volatile());
        let Ok(Value::Timestamptz(t)) = call(r.func, &[], &ctx) else {
            panic!()
        };
        assert!(t > tx, "clock_timestamp is the wall clock");
    }
}
