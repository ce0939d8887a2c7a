//! Order-preserving key encoding.
//!
//! A key (one [`KeyValue`] or a composite of several) is turned into a byte
//! string such that comparing two encodings with `memcmp` (i.e. `[u8]`'s
//! `Ord`) gives the same answer as [`compare_values`] on the values, applied
//! lexicographically component by component for composites. Storage layers can
//! then sort and range-scan raw bytes without knowing the key types.
//!
//! # Format of one ascending component
//!
//! Every component starts with a one-byte *type tag*, followed by a payload:
//!
//! | value        | tag    | payload                                          |
//! |--------------|--------|--------------------------------------------------|
//! | `Bool(b)`    | `0x02` | one byte, `0x00` for false, `0x01` for true      |
//! | `Int(i)`     | `0x03` | 8 bytes: big-endian `i as u64` with sign bit flipped |
//! | `Float(f)`   | `0x04` | 8 bytes: big-endian transformed IEEE bits (below) |
//! | `Text(s)`    | `0x05` | escaped UTF-8 bytes + terminator (below)         |
//! | `Bytes(b)`   | `0x06` | escaped bytes + terminator (below)               |
//! | `Null`       | `0x07` | none                                             |
//!
//! Why each part preserves order:
//!
//! * **Tags.** Values of different types differ in the first byte, so they
//!   order by tag: `Bool < Int < Float < Text < Bytes < Null`. `Null` has the
//!   largest tag, giving PostgreSQL's default `ASC NULLS LAST`.
//! * **Sign-bit flip.** Two's-complement integers compare wrongly as unsigned
//!   numbers only because negatives have the top bit set. Flipping that bit
//!   maps `i64::MIN..=i64::MAX` monotonically onto `0..=u64::MAX`, and
//!   big-endian bytes of an unsigned number compare like the number.
//! * **Float bit trick.** IEEE-754 bits of a non-negative float, read as an
//!   unsigned integer, grow with the value; for negative floats they grow as the
//!   value *shrinks*. So for negatives we invert all bits (reversing their order
//!   and clearing the sign bit) and for non-negatives we set the sign bit (so
//!   they sort above all negatives). Before that, `-0.0` is normalized to `0.0`
//!   (they compare equal) and every NaN is replaced by one canonical positive
//!   quiet NaN, whose transformed bits exceed those of `+inf`: NaNs are all
//!   equal and greater than every other float, as in PostgreSQL.
//! * **String escaping.** Text and bytes are variable length, so they need a
//!   terminator that sorts below every content byte. Each content `0x00` is
//!   written as `0x00 0xFF` and the end is marked by `0x00 0x01`. At the first
//!   difference between two strings the encodings differ the same way (content
//!   bytes are copied; a `0x00` content byte vs. the end of the shorter string
//!   gives `0xFF > 0x01`, and any non-zero byte beats the `0x00` starting the
//!   terminator), so `"a" < "a\0" < "ab"` holds for the encodings too.
//!
//! # Descending components
//!
//! A `Desc` component is the ascending encoding with every byte inverted
//! (`b ^ 0xFF`). Inversion exactly reverses the order of two byte strings as
//! long as neither is a proper prefix of the other — which holds because every
//! component encoding is *prefix-free*: fixed-size payloads after a tag, or a
//! terminator that cannot occur inside the escaped content. In particular
//! `Null` sorts first under `Desc`.
//!
//! # Composites
//!
//! A composite key is the concatenation of its component encodings, each with
//! its own [`SortOrder`]. Equal components have identical encodings (the
//! encoding is canonical), and at the first unequal component the encodings
//! first differ at a byte inside both components (prefix-freedom), so memcmp
//! decides exactly as that component's comparison does. A key that is a
//! component-wise prefix of another encodes to a byte prefix and sorts first.
//!
//! Decoding is strict: it accepts exactly the byte strings the encoder can
//! produce and returns [`KeyDecodeError`] (never panics) on anything else.

use std::cmp::Ordering;
use std::fmt;

/// One component of a key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Sort direction of one key component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// Error returned when decoding malformed or truncated key bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDecodeError(pub String);

impl fmt::Display for KeyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key decode error: {}", self.0)
    }
}

impl std::error::Error for KeyDecodeError {}

const TAG_BOOL: u8 = 0x02;
const TAG_INT: u8 = 0x03;
const TAG_FLOAT: u8 = 0x04;
const TAG_TEXT: u8 = 0x05;
const TAG_BYTES: u8 = 0x06;
const TAG_NULL: u8 = 0x07;

const SIGN_BIT: u64 = 1 << 63;
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

fn rank(v: &KeyValue) -> u8 {
    match v {
        KeyValue::Bool(_) => 0,
        KeyValue::Int(_) => 1,
        KeyValue::Float(_) => 2,
        KeyValue::Text(_) => 3,
        KeyValue::Bytes(_) => 4,
        KeyValue::Null => 5,
    }
}

fn compare_floats(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // Neither is NaN, so partial_cmp is total here and -0.0 == 0.0.
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// The reference (ascending) order that the encoding implements.
pub fn compare_values(a: &KeyValue, b: &KeyValue) -> Ordering {
    use KeyValue::*;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Bool(x), Bool(y)) => x.cmp(y),
        (Int(x), Int(y)) => x.cmp(y),
        (Float(x), Float(y)) => compare_floats(*x, *y),
        (Text(x), Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Transformed bits of a float: normalized, then ordered as an unsigned int.
fn float_to_key_bits(f: f64) -> u64 {
    let bits = if f.is_nan() {
        CANONICAL_NAN
    } else if f == 0.0 {
        0 // both +0.0 and -0.0
    } else {
        f.to_bits()
    };
    if bits & SIGN_BIT != 0 {
        !bits
    } else {
        bits | SIGN_BIT
    }
}

fn key_bits_to_float(k: u64) -> f64 {
    let bits = if k & SIGN_BIT != 0 { k & !SIGN_BIT } else { !k };
    f64::from_bits(bits)
}

fn encode_escaped(out: &mut Vec<u8>, data: &[u8]) {
    for &b in data {
        out.push(b);
        if b == 0x00 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Append the encoding of one component to `out`.
pub fn encode_value(out: &mut Vec<u8>, v: &KeyValue, order: SortOrder) {
    let start = out.len();
    match v {
        KeyValue::Null => out.push(TAG_NULL),
        KeyValue::Bool(b) => out.extend_from_slice(&[TAG_BOOL, u8::from(*b)]),
        KeyValue::Int(i) => {
            out.push(TAG_INT);
            out.extend_from_slice(&((*i as u64) ^ SIGN_BIT).to_be_bytes());
        }
        KeyValue::Float(f) => {
            out.push(TAG_FLOAT);
            out.extend_from_slice(&float_to_key_bits(*f).to_be_bytes());
        }
        KeyValue::Text(s) => {
            out.push(TAG_TEXT);
            encode_escaped(out, s.as_bytes());
        }
        KeyValue::Bytes(b) => {
            out.push(TAG_BYTES);
            encode_escaped(out, b);
        }
    }
    if order == SortOrder::Desc {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

/// Encode a composite key with every component ascending.
pub fn encode_key(values: &[KeyValue]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        encode_value(&mut out, v, SortOrder::Asc);
    }
    out
}

fn err(msg: &str) -> KeyDecodeError {
    KeyDecodeError(msg.to_string())
}

/// Reads bytes from the input, undoing the `Desc` inversion on the fly.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    mask: u8,
}

impl Reader<'_> {
    fn byte(&mut self, what: &str) -> Result<u8, KeyDecodeError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| KeyDecodeError(format!("truncated {what}")))?;
        self.pos += 1;
        Ok(b ^ self.mask)
    }

    fn u64(&mut self, what: &str) -> Result<u64, KeyDecodeError> {
        let mut buf = [0u8; 8];
        for slot in &mut buf {
            *slot = self.byte(what)?;
        }
        Ok(u64::from_be_bytes(buf))
    }

    fn escaped(&mut self, what: &str) -> Result<Vec<u8>, KeyDecodeError> {
        let mut res = Vec::new();
        loop {
            match self.byte(what)? {
                0x00 => match self.byte(what)? {
                    0x01 => return Ok(res),
                    0xFF => res.push(0x00),
                    _ => return Err(KeyDecodeError(format!("bad escape in {what}"))),
                },
                b => res.push(b),
            }
        }
    }
}

/// Decode one component from the front of `input`, advancing it past the
/// component on success. On error `input` is left unchanged.
pub fn decode_value(input: &mut &[u8], order: SortOrder) -> Result<KeyValue, KeyDecodeError> {
    let mask = match order {
        SortOrder::Asc => 0x00,
        SortOrder::Desc => 0xFF,
    };
    let mut r = Reader {
        data: input,
        pos: 0,
        mask,
    };
    let value = match r.byte("tag")? {
        TAG_NULL => KeyValue::Null,
        TAG_BOOL => match r.byte("bool")? {
            0 => KeyValue::Bool(false),
            1 => KeyValue::Bool(true),
            _ => return Err(err("invalid bool payload")),
        },
        TAG_INT => KeyValue::Int((r.u64("int")? ^ SIGN_BIT) as i64),
        TAG_FLOAT => {
            let k = r.u64("float")?;
            let f = key_bits_to_float(k);
            // Reject non-canonical forms (-0.0, non-canonical NaNs) so that
            // decoding accepts exactly what the encoder produces.
            if float_to_key_bits(f) != k {
                return Err(err("non-canonical float"));
            }
            KeyValue::Float(f)
        }
        TAG_TEXT => {
            let raw = r.escaped("text")?;
            let s = String::from_utf8(raw).map_err(|_| err("text is not valid UTF-8"))?;
            KeyValue::Text(s)
        }
        TAG_BYTES => KeyValue::Bytes(r.escaped("bytes")?),
        t => return Err(KeyDecodeError(format!("unknown tag 0x{t:02x}"))),
    };
    *input = &input[r.pos..];
    Ok(value)
}

/// Decode a composite key whose components are all ascending.
pub fn decode_key(bytes: &[u8]) -> Result<Vec<KeyValue>, KeyDecodeError> {
    let mut input = bytes;
    let mut values = Vec::new();
    while !input.is_empty() {
        values.push(decode_value(&mut input, SortOrder::Asc)?);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &KeyValue, order: SortOrder) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&mut out, v, order);
        out
    }

    #[test]
    fn float_transform_is_monotonic_on_specials() {
        let xs = [
            f64::NEG_INFINITY,
            f64::MIN,
            -1.0,
            -f64::MIN_POSITIVE,
            -5e-324,
            0.0,
            5e-324,
            f64::MIN_POSITIVE,
            1.0,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        for w in xs.windows(2) {
            assert!(float_to_key_bits(w[0]) < float_to_key_bits(w[1]), "{w:?}");
        }
        assert_eq!(float_to_key_bits(-0.0), float_to_key_bits(0.0));
        assert_eq!(float_to_key_bits(-f64::NAN), float_to_key_bits(f64::NAN));
    }

    #[test]
    fn desc_is_bytewise_inverse() {
        let v = KeyValue::Text("a\0b".into());
        let asc = enc(&v, SortOrder::Asc);
        let desc = enc(&v, SortOrder::Desc);
        assert!(asc.iter().zip(&desc).all(|(a, d)| *a == !*d));
    }
}
