use std::cmp::Ordering;

use isodb::storage::keycode::{
    KeyValue, SortOrder, compare_values, decode_key, decode_value, encode_key, encode_value,
};
use proptest::prelude::*;

const CASES: u32 = 2000;

fn enc(v: &KeyValue, order: SortOrder) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(&mut out, v, order);
    out
}

fn enc_composite(values: &[KeyValue], orders: &[SortOrder]) -> Vec<u8> {
    let mut out = Vec::new();
    for (v, o) in values.iter().zip(orders) {
        encode_value(&mut out, v, *o);
    }
    out
}

fn directed(ord: Ordering, order: SortOrder) -> Ordering {
    match order {
        SortOrder::Asc => ord,
        SortOrder::Desc => ord.reverse(),
    }
}

/// Expected composite order: lexicographic by component, `Desc` reversing
/// that component; a component-wise prefix sorts first.
fn compare_composite(a: &[KeyValue], b: &[KeyValue], orders: &[SortOrder]) -> Ordering {
    for ((x, y), o) in a.iter().zip(b).zip(orders) {
        let c = directed(compare_values(x, y), *o);
        if c != Ordering::Equal {
            return c;
        }
    }
    a.len().cmp(&b.len())
}

/// What a value must decode to: -0.0 becomes 0.0; NaN stays NaN.
fn assert_round_trip(original: &KeyValue, decoded: &KeyValue) {
    match (original, decoded) {
        (KeyValue::Float(o), KeyValue::Float(d)) if o.is_nan() => {
            assert!(d.is_nan(), "NaN decoded as {d}");
        }
        (KeyValue::Float(o), KeyValue::Float(d)) => {
            let expected = if *o == 0.0 { 0.0 } else { *o };
            assert_eq!(d.to_bits(), expected.to_bits(), "{o} decoded as {d}");
        }
        _ => assert_eq!(original, decoded),
    }
}

fn arb_order() -> impl Strategy<Value = SortOrder> {
    prop_oneof![Just(SortOrder::Asc), Just(SortOrder::Desc)]
}

fn arb_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MIN + 1),
        Just(i64::MAX),
        Just(i64::MAX - 1),
        Just(0),
        -3i64..=3,
        any::<i64>(),
    ]
}

fn arb_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::from_bits(0x7FF0_0000_0000_0001)), // signalling NaN payload
        Just(f64::from_bits(0xFFFF_FFFF_FFFF_FFFF)), // negative NaN, max payload
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(-f64::MIN_POSITIVE),
        Just(5e-324),
        Just(-5e-324),
        (-3i8..=3).prop_map(f64::from),
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
    ]
}

/// Small alphabets make equal values and shared prefixes common.
fn arb_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        Just('\0'),
        Just('\u{1}'),
        Just('a'),
        Just('b'),
        Just('\u{7f}'),
        Just('é'),
        Just('\u{FFFF}'),
        Just('\u{10FFFF}'),
        any::<char>(),
    ];
    prop::collection::vec(ch, 0..5).prop_map(|cs| cs.into_iter().collect())
}

fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    let b = prop_oneof![
        Just(0x00u8),
        Just(0x01),
        Just(0x02),
        Just(0x61),
        Just(0xFE),
        Just(0xFF),
        any::<u8>(),
    ];
    prop::collection::vec(b, 0..5)
}

fn arb_value() -> impl Strategy<Value = KeyValue> {
    prop_oneof![
        Just(KeyValue::Null),
        any::<bool>().prop_map(KeyValue::Bool),
        arb_int().prop_map(KeyValue::Int),
        arb_float().prop_map(KeyValue::Float),
        arb_text().prop_map(KeyValue::Text),
        arb_bytes().prop_map(KeyValue::Bytes),
    ]
}

/// Pairs biased towards interesting comparisons: any two values, two values
/// of the same type, and strings/bytes where one is a prefix of the other.
fn arb_pair() -> impl Strategy<Value = (KeyValue, KeyValue)> {
    prop_oneof![
        (arb_value(), arb_value()),
        (any::<bool>(), any::<bool>()).prop_map(|(a, b)| (KeyValue::Bool(a), KeyValue::Bool(b))),
        (arb_int(), arb_int()).prop_map(|(a, b)| (KeyValue::Int(a), KeyValue::Int(b))),
        (arb_float(), arb_float()).prop_map(|(a, b)| (KeyValue::Float(a), KeyValue::Float(b))),
        (arb_text(), arb_text()).prop_map(|(a, b)| (KeyValue::Text(a), KeyValue::Text(b))),
        (arb_bytes(), arb_bytes()).prop_map(|(a, b)| (KeyValue::Bytes(a), KeyValue::Bytes(b))),
        (arb_bytes(), any::<prop::sample::Index>()).prop_map(|(a, i)| {
            let cut = i.index(a.len() + 1);
            (KeyValue::Bytes(a[..cut].to_vec()), KeyValue::Bytes(a))
        }),
        (arb_text(), any::<prop::sample::Index>()).prop_map(|(a, i)| {
            let chars: Vec<char> = a.chars().collect();
            let prefix: String = chars[..i.index(chars.len() + 1)].iter().collect();
            (KeyValue::Text(a), KeyValue::Text(prefix))
        }),
    ]
}

/// A value drawn from a tiny pool, so composite keys often tie on leading
/// components and the later components decide.
fn arb_small_value() -> impl Strategy<Value = KeyValue> {
    prop_oneof![
        Just(KeyValue::Null),
        any::<bool>().prop_map(KeyValue::Bool),
        (-1i64..=1).prop_map(KeyValue::Int),
        prop_oneof![Just(f64::NAN), Just(-0.0), Just(0.0), Just(1.0)].prop_map(KeyValue::Float),
        prop_oneof![Just(""), Just("a"), Just("a\0"), Just("ab")]
            .prop_map(|s| KeyValue::Text(s.to_string())),
        prop_oneof![
            Just(vec![]),
            Just(vec![0u8]),
            Just(vec![0u8, 0]),
            Just(vec![1u8])
        ]
        .prop_map(KeyValue::Bytes),
    ]
}

fn arb_component() -> impl Strategy<Value = KeyValue> {
    prop_oneof![3 => arb_small_value(), 1 => arb_value()]
}

/// A schema of 1..4 sort orders and two keys of 1..=schema-length components.
fn arb_composite_pair() -> impl Strategy<Value = (Vec<SortOrder>, Vec<KeyValue>, Vec<KeyValue>)> {
    prop::collection::vec(arb_order(), 1..4).prop_flat_map(|orders| {
        let n = orders.len();
        (
            Just(orders),
            prop::collection::vec(arb_component(), 1..=n),
            prop::collection::vec(arb_component(), 1..=n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn single_value_order_matches((a, b) in arb_pair()) {
        let expected = compare_values(&a, &b);
        prop_assert_eq!(expected, compare_values(&b, &a).reverse());
        prop_assert_eq!(enc(&a, SortOrder::Asc).cmp(&enc(&b, SortOrder::Asc)), expected);
        prop_assert_eq!(
            enc(&a, SortOrder::Desc).cmp(&enc(&b, SortOrder::Desc)),
            expected.reverse()
        );
        // Equal values must have identical (canonical) encodings.
        if expected == Ordering::Equal {
            prop_assert_eq!(enc(&a, SortOrder::Asc), enc(&b, SortOrder::Asc));
        }
    }

    #[test]
    fn composite_order_matches((orders, a, b) in arb_composite_pair()) {
        let expected = compare_composite(&a, &b, &orders);
        let actual = enc_composite(&a, &orders).cmp(&enc_composite(&b, &orders));
        prop_assert_eq!(actual, expected, "orders {:?}", orders);
    }

    #[test]
    fn single_value_round_trip(v in arb_value(), order in arb_order()) {
        let bytes = enc(&v, order);
        let mut input = bytes.as_slice();
        let decoded = decode_value(&mut input, order).expect("decode");
        prop_assert!(input.is_empty(), "trailing bytes {:?}", input);
        assert_round_trip(&v, &decoded);
        // Every proper prefix is rejected, and the input is left untouched.
        for cut in 0..bytes.len() {
            let mut short = &bytes[..cut];
            prop_assert!(decode_value(&mut short, order).is_err(), "prefix {} accepted", cut);
            prop_assert_eq!(short.len(), cut);
        }
    }

    #[test]
    fn composite_round_trip(
        parts in prop::collection::vec((arb_component(), arb_order()), 0..5)
    ) {
        let values: Vec<KeyValue> = parts.iter().map(|(v, _)| v.clone()).collect();
        let orders: Vec<SortOrder> = parts.iter().map(|(_, o)| *o).collect();
        let bytes = enc_composite(&values, &orders);
        let mut input = bytes.as_slice();
        for (v, o) in &parts {
            let decoded = decode_value(&mut input, *o).expect("decode");
            assert_round_trip(v, &decoded);
        }
        prop_assert!(input.is_empty());

        let asc = encode_key(&values);
        let decoded = decode_key(&asc).expect("decode_key");
        prop_assert_eq!(decoded.len(), values.len());
        for (v, d) in values.iter().zip(&decoded) {
            assert_round_trip(v, d);
        }
    }

    #[test]
    fn decoding_garbage_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..32),
        order in arb_order(),
    ) {
        let _ = decode_key(&bytes);
        let mut input = bytes.as_slice();
        if let Ok(v) = decode_value(&mut input, order) {
            // Decoding is strict: whatever it accepts re-encodes to the same bytes.
            let consumed = bytes.len() - input.len();
            prop_assert_eq!(enc(&v, order), bytes[..consumed].to_vec());
        }
    }

    #[test]
    fn decoding_mutated_encodings_never_panics(
        v in arb_value(),
        order in arb_order(),
        idx in any::<prop::sample::Index>(),
        new_byte in any::<u8>(),
    ) {
        let mut bytes = enc(&v, order);
        let i = idx.index(bytes.len());
        bytes[i] = new_byte;
        let mut input = bytes.as_slice();
        if let Ok(d) = decode_value(&mut input, order) {
            let consumed = bytes.len() - input.len();
            prop_assert_eq!(enc(&d, order), bytes[..consumed].to_vec());
        }
    }
}

fn text(s: &str) -> KeyValue {
    KeyValue::Text(s.to_string())
}

/// Asserts `values` is strictly increasing under both the reference order and
/// the ascending encoding, and strictly decreasing under the descending one.
fn assert_strictly_increasing(values: &[KeyValue]) {
    for w in values.windows(2) {
        assert_eq!(compare_values(&w[0], &w[1]), Ordering::Less, "{w:?}");
        assert!(
            enc(&w[0], SortOrder::Asc) < enc(&w[1], SortOrder::Asc),
            "{w:?}"
        );
        assert!(
            enc(&w[0], SortOrder::Desc) > enc(&w[1], SortOrder::Desc),
            "{w:?}"
        );
    }
}

#[test]
fn ints_order() {
    assert_strictly_increasing(&[
        KeyValue::Int(i64::MIN),
        KeyValue::Int(-1),
        KeyValue::Int(0),
        KeyValue::Int(1),
        KeyValue::Int(i64::MAX),
    ]);
}

#[test]
fn text_order() {
    assert_strictly_increasing(&[text(""), text("a"), text("a\0"), text("a\0\0"), text("ab")]);
    assert_strictly_increasing(&[text("Z"), text("a"), text("é")]);
}

#[test]
fn bytes_order() {
    assert_strictly_increasing(&[
        KeyValue::Bytes(vec![]),
        KeyValue::Bytes(vec![0]),
        KeyValue::Bytes(vec![0, 0]),
        KeyValue::Bytes(vec![0, 1]),
        KeyValue::Bytes(vec![1]),
        KeyValue::Bytes(vec![0xFF]),
    ]);
}

#[test]
fn floats_order() {
    assert_strictly_increasing(&[
        KeyValue::Float(f64::NEG_INFINITY),
        KeyValue::Float(-1.5),
        KeyValue::Float(-0.0),
        KeyValue::Float(5e-324),
        KeyValue::Float(1.0),
        KeyValue::Float(f64::INFINITY),
        KeyValue::Float(f64::NAN),
    ]);
    let zero = KeyValue::Float(0.0);
    let neg_zero = KeyValue::Float(-0.0);
    assert_eq!(compare_values(&zero, &neg_zero), Ordering::Equal);
    assert_eq!(encode_key(&[zero]), encode_key(&[neg_zero]));
    let nan = KeyValue::Float(f64::NAN);
    let neg_nan = KeyValue::Float(-f64::NAN);
    assert_eq!(compare_values(&nan, &neg_nan), Ordering::Equal);
    assert_eq!(encode_key(&[nan]), encode_key(&[neg_nan]));
}

#[test]
fn type_order_and_nulls_last_asc() {
    assert_strictly_increasing(&[
        KeyValue::Bool(false),
        KeyValue::Bool(true),
        KeyValue::Int(i64::MIN),
        KeyValue::Int(i64::MAX),
        KeyValue::Float(f64::NEG_INFINITY),
        KeyValue::Float(f64::NAN),
        text(""),
        text("\u{10FFFF}"),
        KeyValue::Bytes(vec![]),
        KeyValue::Bytes(vec![0xFF; 4]),
        KeyValue::Null,
    ]);
}

#[test]
fn null_first_desc() {
    let null = enc(&KeyValue::Null, SortOrder::Desc);
    for v in [KeyValue::Bool(false), KeyValue::Int(i64::MIN), text("")] {
        assert!(null < enc(&v, SortOrder::Desc), "{v:?}");
    }
}

#[test]
fn mixed_composite() {
    // (Int ASC, Text DESC): NULL first under DESC, then text descending.
    let orders = [SortOrder::Asc, SortOrder::Desc];
    let keys = [
        vec![KeyValue::Int(1), KeyValue::Null],
        vec![KeyValue::Int(1), text("b")],
        vec![KeyValue::Int(1), text("a")],
        vec![KeyValue::Int(1), text("")],
        vec![KeyValue::Int(2), text("z")],
    ];
    for w in keys.windows(2) {
        assert!(
            enc_composite(&w[0], &orders) < enc_composite(&w[1], &orders),
            "{w:?}"
        );
        assert_eq!(compare_composite(&w[0], &w[1], &orders), Ordering::Less);
    }
}

#[test]
fn decode_errors() {
    let bad: &[&[u8]] = &[
        &[],
        &[0x00],
        &[0xAA],
        &[0x02],
        &[0x02, 0x02],
        &[0x03, 0, 0, 0],
        &[0x04, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], // -0.0
        &[0x05, b'a'],
        &[0x05, b'a', 0x00],
        &[0x05, b'a', 0x00, 0x02],
        &[0x05, 0xC3, 0x00, 0x01], // invalid UTF-8
        &[0x06, 0x00, 0xFF],
    ];
    for b in bad {
        let mut input = *b;
        let e = decode_value(&mut input, SortOrder::Asc).unwrap_err();
        assert!(!e.to_string().is_empty());
        assert_eq!(input, *b, "input advanced on error");
    }
    assert_eq!(decode_key(&[]), Ok(vec![]));
    assert!(decode_key(&[0x07, 0x02]).is_err());
}
