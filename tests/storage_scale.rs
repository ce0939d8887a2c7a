//! Sizes: a data set ten times the buffer pool, 16 MiB values, 2 KiB keys, and a churn of
//! inserts and deletes that must not grow the file.

use isodb::storage::{Db, Durability, MAX_KEY_LEN, Options, StorageError, WriteBatch};

#[test]
fn data_set_ten_times_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        pool_bytes: 1 << 20,
        ..Options::default()
    };
    let value = |i: u32| vec![(i % 251) as u8; 100 + (i % 50) as usize];
    let n = 100_000u32;
    {
        let db = Db::open(dir.path(), opts.clone()).unwrap();
        db.create_tree("t").unwrap();
        for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
            let mut b = WriteBatch::new();
            for &i in chunk {
                b.put("t", &i.wrapping_mul(2_654_435_761).to_be_bytes(), &value(i));
            }
            db.commit(b, Durability::Sync).unwrap();
        }
        let s = db.stats();
        assert!(
            s.pages * 8192 > 10 * (1 << 20),
            "data set is only {} pages",
            s.pages
        );
        assert!(s.evictions > 0);
    }
    let db = Db::open(dir.path(), opts).unwrap();
    let t = db.tree("t").unwrap();
    for i in (0..n).step_by(97) {
        assert_eq!(
            t.get(&i.wrapping_mul(2_654_435_761).to_be_bytes()).unwrap(),
            Some(value(i))
        );
    }
    let mut prev: Option<Vec<u8>> = None;
    let mut count = 0;
    for e in t.iter() {
        let (k, _) = e.unwrap();
        assert!(prev.as_ref().is_none_or(|p| *p < k));
        prev = Some(k);
        count += 1;
    }
    assert_eq!(count, n);
}

#[test]
fn large_values_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 253) as u8).collect();
    let long_key = vec![b'k'; MAX_KEY_LEN];
    {
        let db = Db::open(dir.path(), Options::default()).unwrap();
        let t = db.create_tree("t").unwrap();
        t.put(b"big", &big).unwrap();
        t.put(&long_key, b"long").unwrap();
        for i in 0..200u32 {
            let mut k = vec![b'a'; 1500];
            k.extend_from_slice(&i.to_be_bytes());
            t.put(&k, &i.to_be_bytes()).unwrap();
        }
        assert_eq!(t.get(b"big").unwrap().as_deref(), Some(&big[..]));
        let too_long = vec![0u8; MAX_KEY_LEN + 1];
        assert!(matches!(
            t.put(&too_long, b"x"),
            Err(StorageError::KeyTooLarge { .. })
        ));
    }
    let db = Db::open(dir.path(), Options::default()).unwrap();
    let t = db.tree("t").unwrap();
    assert_eq!(t.get(b"big").unwrap().as_deref(), Some(&big[..]));
    assert_eq!(t.get(&long_key).unwrap().as_deref(), Some(&b"long"[..]));
    assert_eq!(t.iter().count(), 202);
    let pages_with_big = db.stats().pages;
    // Replacing the big value frees its overflow chain for reuse.
    t.put(b"big", b"small").unwrap();
    assert!(db.stats().free_pages >= 2000, "{:?}", db.stats());
    t.put(b"big2", &big[..8 << 20]).unwrap();
    assert!(db.stats().pages <= pages_with_big + 8, "{:?}", db.stats());
}

#[test]
fn churn_does_not_grow_the_file() {
    let db = Db::open_memory(Options {
        pool_bytes: 4 << 20,
        ..Options::default()
    })
    .unwrap();
    db.create_tree("t").unwrap();
    let mut sizes = Vec::new();
    for round in 0..8u32 {
        for chunk in (0..20_000u32).collect::<Vec<_>>().chunks(1000) {
            let mut b = WriteBatch::new();
            for &i in chunk {
                b.put("t", &(i ^ round).to_be_bytes(), &[round as u8; 120]);
            }
            db.commit(b, Durability::Async).unwrap();
        }
        for chunk in (0..20_000u32).collect::<Vec<_>>().chunks(1000) {
            let mut b = WriteBatch::new();
            for &i in chunk {
                b.delete("t", &(i ^ round).to_be_bytes());
            }
            db.commit(b, Durability::Async).unwrap();
        }
        assert_eq!(db.tree("t").unwrap().iter().count(), 0);
        sizes.push(db.stats().pages);
    }
    assert!(
        sizes[7] <= sizes[1] + 16,
        "page count kept growing across rounds: {sizes:?}"
    );
}
