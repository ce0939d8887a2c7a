//! float4/float8 text input and output.
//!
//! Output follows PostgreSQL 15 with the default `extra_float_digits = 1`:
//! the shortest string that round-trips, computed here exactly with big
//! integers the way PostgreSQL's Ryu copy behaves (digits strictly inside the
//! rounding interval, i.e. bounds are never accepted, so `73223e16` prints as
//! `7.322300000000001e+20`; closest candidate; exact ties to an even digit,
//! so real `-334609.625` prints `-334609.62`), printed in fixed notation when the decimal exponent is in
//! `-4 ..= 14` for float8 (`-4 ..= 5` for float4) and otherwise as
//! `d.ddde+XX` with at least two exponent digits (`1e+20`, `1.5e-05`,
//! `1e+06`); `NaN`, `Infinity`, `-Infinity`, and `-0` for negative zero.
//!
//! Input follows `float8in`/`float4in`: surrounding whitespace is allowed,
//! `NaN`, `Infinity`, `inf` with optional sign, case-insensitive; values that
//! overflow to infinity or underflow to zero raise 22003
//! `"1e400" is out of range for type double precision`.

use crate::sql::error::SqlError;
use bigdecimal::num_bigint::BigInt;

fn format_shortest(sci: &str, neg: bool, fixed_max_exp: i32) -> String {
    // sci is like "1.2345e-5" or "1e20" (no sign)
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..fixed_max_exp).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}

/// Shortest decimal digits of the finite positive binary value `m * 2^e`
/// that lie strictly inside its rounding interval (PostgreSQL's Ryu copy does
/// not accept the interval bounds), choosing the closest such string and
/// breaking exact ties toward an even last digit. `asym` marks a power of two
/// whose lower neighbour is closer. Returns (digits, decimal exponent of the
/// first digit).
fn shortest_digits(m: u64, e: i32, asym: bool) -> (String, i32) {
    // value = N/D with N, D integers; bounds are (4m ± 2)/4 ulp (lower 4m-1 if asym).
    let (shift_num, shift_den) = if e >= 0 {
        (e as usize, 0)
    } else {
        (0, (-e) as usize)
    };
    let d = BigInt::from(4u32) << shift_den;
    let v = BigInt::from(4 * m) << shift_num;
    let hi = BigInt::from(4 * m + 2) << shift_num;
    let lo = BigInt::from(4 * m - if asym { 1 } else { 2 }) << shift_num;
    // decimal exponent estimate, then exact adjustment: 10^x <= v < 10^(x+1)
    let approx = (m as f64).log10() + e as f64 * std::f64::consts::LOG10_2;
    let mut x = approx.floor() as i32;
    let ten = BigInt::from(10u32);
    let cmp_pow = |x: i32| -> std::cmp::Ordering {
        // compare v/d with 10^x
        if x >= 0 {
            v.cmp(&(&d * ten.pow(x as u32)))
        } else {
            (&v * ten.pow((-x) as u32)).cmp(&d)
        }
    };
    while cmp_pow(x) == std::cmp::Ordering::Less {
        x -= 1;
    }
    while cmp_pow(x + 1) != std::cmp::Ordering::Less {
        x += 1;
    }
    for n in 1..=40i32 {
        let k = x - n + 1;
        // work in units of 10^k: scaled value = val * 10^-k
        let (num_mul, den_mul) = if k >= 0 {
            (BigInt::from(1u32), ten.pow(k as u32))
        } else {
            (ten.pow((-k) as u32), BigInt::from(1u32))
        };
        let dd = &d * &den_mul;
        let sv = &v * &num_mul;
        let shi = &hi * &num_mul;
        let slo = &lo * &num_mul;
        let q = &sv / &dd;
        let inside = |c: &BigInt| {
            let cd = c * &dd;
            cd > slo && cd < shi
        };
        let q1: BigInt = &q + 1u32;
        let (in0, in1) = (inside(&q), inside(&q1));
        let pick = match (in0, in1) {
            (true, true) => {
                let d0 = &sv - &q * &dd;
                let d1 = &q1 * &dd - &sv;
                match d0.cmp(&d1) {
                    std::cmp::Ordering::Less => q,
                    std::cmp::Ordering::Greater => q1,
                    std::cmp::Ordering::Equal => {
                        if (&q % 2u32) == BigInt::from(0u32) {
                            q
                        } else {
                            q1
                        }
                    }
                }
            }
            (true, false) => q,
            (false, true) => q1,
            (false, false) => continue,
        };
        let mut digits = pick.to_string();
        let mut exp = k + digits.len() as i32 - 1;
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
        if digits == "0" {
            exp = 0;
        }
        return (digits, exp);
    }
    ("0".into(), 0)
}

fn layout(digits: &str, exp: i32, neg: bool, fixed_max_exp: i32) -> String {
    format_shortest(&format!("{}e{}", digits, exp), neg, fixed_max_exp)
}

/// The spellings of NaN, the infinities and the zeros, shared by float4out and float8out (an
/// f32 widens to f64 exactly, so one check serves both).
fn special_text(f: f64) -> Option<String> {
    let s = if f.is_nan() {
        "NaN"
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }
    } else if f == 0.0 {
        if f.is_sign_negative() { "-0" } else { "0" }
    } else {
        return None;
    };
    Some(s.to_string())
}

/// float8out.
pub fn format_f64(f: f64) -> String {
    if let Some(s) = special_text(f) {
        return s;
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e, asym) = if exp == 0 {
        (frac, -1074, false)
    } else {
        (frac | (1u64 << 52), exp - 1075, frac == 0 && exp > 1)
    };
    let (digits, dexp) = shortest_digits(m, e, asym);
    layout(&digits, dexp, f.is_sign_negative(), 15)
}

/// float4out.
pub fn format_f32(f: f32) -> String {
    if let Some(s) = special_text(f as f64) {
        return s;
    }
    let bits = f.to_bits();
    let exp = ((bits >> 23) & 0xff) as i32;
    let frac = (bits & ((1u32 << 23) - 1)) as u64;
    let (m, e, asym) = if exp == 0 {
        (frac, -149, false)
    } else {
        (frac | (1u64 << 23), exp - 150, frac == 0 && exp > 1)
    };
    let (digits, dexp) = shortest_digits(m, e, asym);
    layout(&digits, dexp, f.is_sign_negative(), 6)
}

/// Special spellings shared by float4in/float8in. Returns None when `s` is
/// not one of them.
fn special(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (neg, body) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, lower.as_str()),
    };
    let v = match body {
        "nan" => f64::NAN,
        "infinity" | "inf" => f64::INFINITY,
        _ => return None,
    };
    Some(if neg { -v } else { v })
}

fn check_syntax(s: &str) -> bool {
    // [+-]? (digits [. digits?] | . digits) ([eE][+-]?digits)?
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut nd = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        nd += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            nd += 1;
        }
    }
    if nd == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

fn mantissa_is_zero(s: &str) -> bool {
    let m = s.split(['e', 'E']).next().unwrap_or("");
    m.chars().all(|c| !c.is_ascii_digit() || c == '0')
}

/// float8in.
pub fn parse_f64(input: &str) -> Result<f64, SqlError> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if let Some(v) = special(s) {
        return Ok(v);
    }
    if !check_syntax(s) {
        return Err(SqlError::invalid_text_representation(
            "double precision",
            input,
        ));
    }
    let v: f64 = s
        .parse()
        .map_err(|_| SqlError::invalid_text_representation("double precision", input))?;
    if v.is_infinite() || (v == 0.0 && !mantissa_is_zero(s)) {
        return Err(SqlError::float_input_out_of_range(
            input,
            "double precision",
        ));
    }
    Ok(v)
}

/// float4in.
pub fn parse_f32(input: &str) -> Result<f32, SqlError> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if let Some(v) = special(s) {
        return Ok(v as f32);
    }
    if !check_syntax(s) {
        return Err(SqlError::invalid_text_representation("real", input));
    }
    let v: f32 = s
        .parse()
        .map_err(|_| SqlError::invalid_text_representation("real", input))?;
    if v.is_infinite() || (v == 0.0 && !mantissa_is_zero(s)) {
        return Err(SqlError::float_input_out_of_range(input, "real"));
    }
    Ok(v)
}
