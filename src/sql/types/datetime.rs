//! Calendar math and text I/O for date, time, timestamp[tz] and interval.
//!
//! Design: values use PostgreSQL's internal representations — dates are
//! days since 2000-01-01, times microseconds since midnight, timestamps
//! microseconds since 2000-01-01 00:00 (UTC for timestamptz), intervals
//! (months, days, micros). Calendar conversion is the proleptic Gregorian
//! algorithm (Hinnant's days-from-civil); years <= 0 print as `BC`
//! (year 0 = 1 BC). `i32::MIN/MAX` and `i64::MIN/MAX` are `-infinity` and
//! `infinity` as in PostgreSQL.
//!
//! PostgreSQL rules followed: ISO `DateStyle` output (`2024-03-05`,
//! `2024-03-05 12:34:56.5`, timestamptz printed in UTC with `+00` — the
//! session time zone is assumed to be UTC), fractional seconds printed with
//! trailing zeros removed, input fractions rounded to microseconds, `24:00:00`
//! and leap second `:60` accepted, 22007 for bad syntax and 22008 for field
//! overflow (with the `datestyle` hint for month/day out of 1..12/1..31),
//! date range 4714-11-24 BC .. 5874897 AD, timestamp range up to 294276 AD.
//! Intervals use the `postgres` IntervalStyle and PostgreSQL 15's
//! `DecodeInterval` fraction cascading (1.5 months = 1 mon 15 days).

use crate::sql::error::SqlError;

pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
/// Unix epoch day of 2000-01-01.
const PG_EPOCH_UNIX_DAYS: i64 = 10957;
/// First valid date: 4714-11-24 BC (Julian day 0).
pub const DATE_MIN: i64 = -2_451_545;
/// One past the last valid date (5874898-01-01).
pub const DATE_END: i64 = 2_147_483_494 - 2_451_545;
/// First valid timestamp.
pub const TS_MIN: i64 = -211_813_488_000_000_000;
/// One past the last valid timestamp (294277-01-01).
pub const TS_END: i64 = 9_223_371_331_200_000_000;
pub const DATE_NEG_INF: i32 = i32::MIN;
pub const DATE_POS_INF: i32 = i32::MAX;
pub const TS_NEG_INF: i64 = i64::MIN;
pub const TS_POS_INF: i64 = i64::MAX;

/// Days since 2000-01-01 of a proleptic Gregorian date (year 0 = 1 BC).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - PG_EPOCH_UNIX_DAYS
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + PG_EPOCH_UNIX_DAYS + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

fn fmt_year(y: i64) -> (String, bool) {
    if y <= 0 {
        (format!("{:04}", 1 - y), true)
    } else {
        (format!("{y:04}"), false)
    }
}

/// date_out.
pub fn format_date(d: i32) -> String {
    match d {
        DATE_NEG_INF => return "-infinity".into(),
        DATE_POS_INF => return "infinity".into(),
        _ => {}
    }
    let (y, m, dd) = civil_from_days(d as i64);
    let (ys, bc) = fmt_year(y);
    format!("{ys}-{m:02}-{dd:02}{}", if bc { " BC" } else { "" })
}

fn fmt_hms(out: &mut String, micros: u64) {
    let (hr, mn, sc) = (
        USECS_PER_HOUR as u64,
        USECS_PER_MINUTE as u64,
        USECS_PER_SEC as u64,
    );
    let (h, rest) = (micros / hr, micros % hr);
    let (mi, rest) = (rest / mn, rest % mn);
    let (s, us) = (rest / sc, rest % sc);
    out.push_str(&format!("{h:02}:{mi:02}:{s:02}"));
    if us != 0 {
        let frac = format!("{us:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
}

/// time_out.
pub fn format_time(t: i64) -> String {
    let mut s = String::new();
    fmt_hms(&mut s, t.max(0) as u64);
    s
}

/// timestamp_out / timestamptz_out (UTC, `+00`).
pub fn format_timestamp(ts: i64, tz: bool) -> String {
    match ts {
        TS_NEG_INF => return "-infinity".into(),
        TS_POS_INF => return "infinity".into(),
        _ => {}
    }
    let days = ts.div_euclid(USECS_PER_DAY);
    let tod = ts.rem_euclid(USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (ys, bc) = fmt_year(y);
    let mut s = format!("{ys}-{m:02}-{d:02} ");
    fmt_hms(&mut s, tod as u64);
    if tz {
        s.push_str("+00");
    }
    if bc {
        s.push_str(" BC");
    }
    s
}

/// Error kinds used while parsing, mapped to SqlErrors by the caller.
#[derive(Debug, PartialEq)]
enum DtErr {
    Format,
    Field,
    MdField,
    TzDisplacement,
}

fn map_err(e: DtErr, tname: &str, input: &str) -> SqlError {
    match e {
        DtErr::Format => SqlError::invalid_datetime_format(tname, input),
        DtErr::Field => SqlError::datetime_field_overflow(input),
        DtErr::MdField => SqlError::datetime_field_overflow(input)
            .with_hint("Perhaps you need a different \"datestyle\" setting."),
        DtErr::TzDisplacement => SqlError::new(
            "22009",
            format!("time zone displacement out of range: \"{input}\""),
        ),
    }
}

fn num(s: &str) -> Result<i64, DtErr> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DtErr::Format);
    }
    s.parse().map_err(|_| DtErr::Format)
}

/// Parse `YYYY-MM-DD` (also `YYYYMMDD`); returns days. `bc` flips the year.
fn parse_ymd(s: &str, bc: bool) -> Result<i64, DtErr> {
    let parts: Vec<&str> = s.split('-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (num(y)?, num(m)?, num(d)?),
        [ymd] if ymd.len() == 8 && ymd.is_ascii() => {
            (num(&ymd[..4])?, num(&ymd[4..6])?, num(&ymd[6..])?)
        }
        _ => return Err(DtErr::Format),
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(DtErr::MdField);
    }
    if bc && y == 0 {
        return Err(DtErr::Field);
    }
    let y = if bc { 1 - y } else { y };
    if d as u32 > days_in_month(y, m as u32) {
        return Err(DtErr::Field);
    }
    Ok(days_from_civil(y, m as u32, d as u32))
}

/// Parse `HH:MM[:SS[.ffffff]]`; returns micros (may equal one day).
fn parse_hms(s: &str) -> Result<i64, DtErr> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (num(h)?, num(m)?, "0"),
        [h, m, s] => (num(h)?, num(m)?, *s),
        _ => return Err(DtErr::Format),
    };
    let (si, frac) = match sec.split_once('.') {
        Some((a, b)) => (num(a)?, b),
        None => (num(sec)?, ""),
    };
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DtErr::Format);
    }
    let mut us: i64 = 0;
    if !frac.is_empty() {
        let f: f64 = format!("0.{frac}").parse().map_err(|_| DtErr::Format)?;
        us = (f * 1e6).round() as i64;
    }
    if h > 24 || m > 59 || si > 60 || (h == 24 && (m != 0 || si != 0 || us != 0)) {
        return Err(DtErr::Field);
    }
    Ok(h * USECS_PER_HOUR + m * USECS_PER_MINUTE + si * USECS_PER_SEC + us)
}

/// Parse a time zone suffix; returns the offset in seconds east of UTC.
fn parse_tz(s: &str) -> Result<i64, DtErr> {
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "z" | "utc" | "gmt" | "zulu") {
        return Ok(0);
    }
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(DtErr::Format),
    };
    let parts: Vec<&str> = body.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [hm] if hm.len() <= 2 => (num(hm)?, 0, 0),
        [hm] if hm.len() == 4 && hm.is_ascii() => (num(&hm[..2])?, num(&hm[2..])?, 0),
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        _ => return Err(DtErr::Format),
    };
    if m > 59 || sec > 59 {
        return Err(DtErr::Field);
    }
    if h > 15 {
        return Err(DtErr::TzDisplacement);
    }
    Ok(sign * (h * 3600 + m * 60 + sec))
}

fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs.div_euclid(86_400) - PG_EPOCH_UNIX_DAYS
}

/// Split off a trailing ` BC` / ` AD` marker.
fn strip_era(s: &str) -> (&str, bool) {
    let t = s.trim_end();
    let lower = t.to_ascii_lowercase();
    if lower.ends_with(" bc") {
        (t[..t.len() - 3].trim_end(), true)
    } else if lower.ends_with(" ad") {
        (t[..t.len() - 3].trim_end(), false)
    } else {
        (t, false)
    }
}

/// date_in.
pub fn parse_date(input: &str) -> Result<i32, SqlError> {
    let s = input.trim();
    match s.to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => return Ok(DATE_POS_INF),
        "-infinity" => return Ok(DATE_NEG_INF),
        "epoch" => return Ok(days_from_civil(1970, 1, 1) as i32),
        "today" | "now" => return Ok(today() as i32),
        "tomorrow" => return Ok(today() as i32 + 1),
        "yesterday" => return Ok(today() as i32 - 1),
        _ => {}
    }
    let (body, bc) = strip_era(s);
    let days = parse_ymd(body, bc).map_err(|e| map_err(e, "date", input))?;
    if !(DATE_MIN..DATE_END).contains(&days) {
        return Err(SqlError::datetime_out_of_range(format!(
            "date out of range: \"{input}\""
        )));
    }
    Ok(days as i32)
}

/// time_in (a date part or time zone, if present, is ignored).
pub fn parse_time(input: &str) -> Result<i64, SqlError> {
    let s = input.trim();
    let fail = |e| map_err(e, "time", input);
    let mut t = s;
    if let Some((a, b)) = s.split_once([' ', 'T'])
        && a.contains('-')
    {
        t = b.trim();
    }
    let (time_part, _) = split_tz(t);
    parse_hms(time_part).map_err(fail)
}

/// Split `12:34:56+02` into ("12:34:56", Some("+02")).
fn split_tz(s: &str) -> (&str, Option<&str>) {
    let s = s.trim();
    if let Some(pos) = s.rfind(['+', '-']) {
        return (s[..pos].trim_end(), Some(&s[pos..]));
    }
    if let Some(p) = s.rfind(' ') {
        let tail = &s[p + 1..];
        if tail.chars().all(|c| c.is_ascii_alphabetic()) {
            return (s[..p].trim_end(), Some(tail));
        }
    }
    if let Some(stripped) = s.strip_suffix(['Z', 'z']) {
        return (stripped, Some("Z"));
    }
    (s, None)
}

/// timestamp_in / timestamptz_in. Time zones are honoured only when `tz`.
pub fn parse_timestamp(input: &str, tz: bool) -> Result<i64, SqlError> {
    let tname = if tz {
        "timestamp with time zone"
    } else {
        "timestamp"
    };
    let s = input.trim();
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "infinity" | "+infinity" => return Ok(TS_POS_INF),
        "-infinity" => return Ok(TS_NEG_INF),
        "epoch" => return Ok(days_from_civil(1970, 1, 1) * USECS_PER_DAY),
        "today" => return Ok(today() * USECS_PER_DAY),
        _ => {}
    }
    let fail = |e| map_err(e, tname, input);
    let (body, bc) = strip_era(s);
    let (date_part, rest) = match body.find([' ', 'T', 't']) {
        Some(p) => (&body[..p], body[p + 1..].trim()),
        None => (body, ""),
    };
    let days = parse_ymd(date_part, bc).map_err(fail)?;
    let mut micros: i128 = days as i128 * USECS_PER_DAY as i128;
    if !rest.is_empty() {
        let (tpart, zone) = if rest.contains(':') || rest.len() > 3 {
            split_tz(rest)
        } else {
            ("", Some(rest))
        };
        if !tpart.is_empty() {
            micros += parse_hms(tpart).map_err(fail)? as i128;
        }
        if let Some(z) = zone {
            let off = parse_tz(z).map_err(fail)?;
            if tz {
                micros -= off as i128 * USECS_PER_SEC as i128;
            }
        }
    }
    if micros < TS_MIN as i128 || micros >= TS_END as i128 {
        return Err(SqlError::datetime_out_of_range(format!(
            "timestamp out of range: \"{input}\""
        )));
    }
    Ok(micros as i64)
}

/// A PostgreSQL interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

impl Interval {
    /// Comparison key: months count as 30 days, days as 24 hours.
    pub fn span(&self) -> i128 {
        (self.months as i128 * 30 + self.days as i128) * USECS_PER_DAY as i128 + self.micros as i128
    }
}

/// interval_out, IntervalStyle = postgres.
pub fn format_interval(iv: &Interval) -> String {
    let years = iv.months / 12;
    let mons = iv.months % 12;
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    for (v, unit) in [(years, "year"), (mons, "mon"), (iv.days, "day")] {
        if v == 0 {
            continue;
        }
        out.push_str(&format!(
            "{}{}{} {}{}",
            if is_zero { "" } else { " " },
            if is_before && v > 0 { "+" } else { "" },
            v,
            unit,
            if v != 1 { "s" } else { "" }
        ));
        is_before = v < 0;
        is_zero = false;
    }
    if is_zero || iv.micros != 0 {
        let minus = iv.micros < 0;
        if !is_zero {
            out.push(' ');
        }
        if minus {
            out.push('-');
        } else if is_before {
            out.push('+');
        }
        fmt_hms(&mut out, iv.micros.unsigned_abs());
    }
    out
}

fn interval_overflow(input: &str) -> SqlError {
    SqlError::new(
        "22015",
        format!("interval field value out of range: \"{input}\""),
    )
}

/// Tokens of an interval string.
fn lex(s: &str) -> Vec<String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' || c == '+' || c == '-' {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ':')
            {
                i += 1;
            }
            toks.push(chars[start..i].iter().collect());
        } else if c.is_alphabetic() || c == '@' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            toks.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            toks.push(c.to_string());
            i += 1;
        }
    }
    toks
}

enum Unit {
    Micro,
    Milli,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year(i64),
}

fn unit_of(w: &str) -> Option<(Unit, u32)> {
    Some(match w {
        "us" | "usec" | "usecs" | "microsecond" | "microseconds" | "microsecon" => (Unit::Micro, 1),
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" | "millisecon" => (Unit::Milli, 2),
        "s" | "sec" | "secs" | "second" | "seconds" => (Unit::Second, 4),
        "m" | "min" | "mins" | "minute" | "minutes" => (Unit::Minute, 8),
        "h" | "hr" | "hrs" | "hour" | "hours" => (Unit::Hour, 16),
        "d" | "day" | "days" => (Unit::Day, 32),
        "w" | "week" | "weeks" => (Unit::Week, 64),
        "mon" | "mons" | "month" | "months" => (Unit::Month, 128),
        "y" | "yr" | "yrs" | "year" | "years" => (Unit::Year(1), 256),
        "dec" | "decs" | "decade" | "decades" => (Unit::Year(10), 512),
        "c" | "cent" | "century" | "centuries" => (Unit::Year(100), 1024),
        "mil" | "mils" | "millennium" | "millennia" | "millenniums" => (Unit::Year(1000), 2048),
        _ => return None,
    })
}

/// Split a signed decimal token into its exact whole part and fraction.
fn split_number(t: &str) -> Option<(i128, f64)> {
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (w, f) = body.split_once('.').unwrap_or((body, ""));
    if (w.is_empty() && f.is_empty())
        || !w.bytes().all(|b| b.is_ascii_digit())
        || !f.bytes().all(|b| b.is_ascii_digit())
        || w.len() > 30
    {
        return None;
    }
    let whole: i128 = if w.is_empty() { 0 } else { w.parse().ok()? };
    let frac: f64 = if f.is_empty() {
        0.0
    } else {
        format!("0.{f}").parse().ok()?
    };
    Some(if neg { (-whole, -frac) } else { (whole, frac) })
}

/// interval_in for the verbose postgres format (`1 day 02:03:04 ago`).
pub fn parse_interval(input: &str) -> Result<Interval, SqlError> {
    let bad = || SqlError::invalid_datetime_format("interval", input);
    let toks = lex(input);
    let mut months: i128 = 0;
    let mut days: i128 = 0;
    let mut micros: i128 = 0;
    let mut mask: u32 = 0;
    let mut ago = false;
    let mut any = false;
    let mut i = 0;
    if toks.first().map(String::as_str) == Some("@") {
        i = 1;
    }
    let usec = USECS_PER_SEC as f64;
    // whole * scale exactly plus the rounded fractional part
    let scaled = |whole: i128, frac: f64, scale: i64| -> i128 {
        whole.saturating_mul(scale as i128) + (frac * scale as f64).round() as i128
    };
    // PostgreSQL's AdjustFractDays: whole days to `days`, rest to micros
    let fract_days = |frac_days: f64, days: &mut i128, micros: &mut i128| {
        let d = frac_days.trunc();
        *days += d as i128;
        *micros += ((frac_days - d) * 86400.0 * usec).round() as i128;
    };
    while i < toks.len() {
        let t = &toks[i];
        if t == "ago" {
            if ago || !any {
                return Err(bad());
            }
            ago = true;
            i += 1;
            continue;
        }
        if t.contains(':') {
            if mask & (4 | 8 | 16) != 0 {
                return Err(bad());
            }
            mask |= 4 | 8 | 16;
            let (neg, body) = match t.as_bytes().first() {
                Some(b'-') => (true, &t[1..]),
                Some(b'+') => (false, &t[1..]),
                _ => (false, t.as_str()),
            };
            let v = parse_interval_hms(body).ok_or_else(bad)?;
            micros += if neg { -v } else { v };
            any = true;
            i += 1;
            continue;
        }
        let (whole, frac) = split_number(t).ok_or_else(bad)?;
        let next = toks.get(i + 1);
        let unit = match next.and_then(|w| unit_of(w)) {
            Some(u) => {
                i += 2;
                u
            }
            None => {
                i += 1;
                match next {
                    Some(n) if n.contains(':') => (Unit::Day, 32),
                    None => (Unit::Second, 4),
                    Some(_) => return Err(bad()),
                }
            }
        };
        let (u, bit) = unit;
        if mask & bit != 0 {
            return Err(bad());
        }
        mask |= bit;
        any = true;
        match u {
            Unit::Micro => micros += whole + frac.round() as i128,
            Unit::Milli => micros += scaled(whole, frac, 1000),
            Unit::Second => micros += scaled(whole, frac, USECS_PER_SEC),
            Unit::Minute => micros += scaled(whole, frac, USECS_PER_MINUTE),
            Unit::Hour => micros += scaled(whole, frac, USECS_PER_HOUR),
            Unit::Day => {
                days += whole;
                micros += (frac * 86400.0 * usec).round() as i128;
            }
            Unit::Week => {
                days += whole.saturating_mul(7);
                fract_days(frac * 7.0, &mut days, &mut micros);
            }
            Unit::Month => {
                months += whole;
                fract_days(frac * 30.0, &mut days, &mut micros);
            }
            Unit::Year(mult) => {
                months += whole.saturating_mul(12 * mult as i128);
                months += (frac * 12.0 * mult as f64).round() as i128;
            }
        }
    }
    if !any {
        return Err(bad());
    }
    if ago {
        months = -months;
        days = -days;
        micros = -micros;
    }
    match (
        i32::try_from(months),
        i32::try_from(days),
        i64::try_from(micros),
    ) {
        (Ok(months), Ok(days), Ok(micros)) => Ok(Interval {
            months,
            days,
            micros,
        }),
        _ => Err(interval_overflow(input)),
    }
}

fn parse_interval_hms(s: &str) -> Option<i128> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let digits = |x: &str| !x.is_empty() && x.len() <= 20 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let h: i128 = h.parse().ok()?;
    let m: i128 = m.parse().ok()?;
    let (whole, frac) = split_number(sec)?;
    if m > 59 || !(0..60).contains(&whole) || sec.starts_with(['+', '-']) {
        return None;
    }
    Some(
        (h * 3600 + m * 60 + whole) * USECS_PER_SEC as i128
            + (frac * USECS_PER_SEC as f64).round() as i128,
    )
}

/// timestamp + interval (PostgreSQL's timestamp_pl_interval, in UTC).
pub fn timestamp_add_interval(ts: i64, iv: &Interval) -> Result<i64, SqlError> {
    if ts == TS_NEG_INF || ts == TS_POS_INF {
        return Ok(ts);
    }
    let oor = || SqlError::datetime_out_of_range("timestamp out of range");
    let mut days = ts.div_euclid(USECS_PER_DAY);
    let tod = ts.rem_euclid(USECS_PER_DAY);
    if iv.months != 0 {
        let (y, m, d) = civil_from_days(days);
        let total = y * 12 + (m as i64 - 1) + iv.months as i64;
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        let nd = d.min(days_in_month(ny, nm));
        days = days_from_civil(ny, nm, nd);
    }
    days += iv.days as i64;
    let r = (days as i128) * USECS_PER_DAY as i128 + tod as i128 + iv.micros as i128;
    if r < TS_MIN as i128 || r >= TS_END as i128 {
        return Err(oor());
    }
    Ok(r as i64)
}
