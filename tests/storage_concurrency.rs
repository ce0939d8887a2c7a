//! Many threads of readers and writers at once, with a model check at the end.
//!
//! Writers own disjoint key spaces and keep their own model; readers scan and read all the
//! while and check what they can without a model: scans are strictly ordered, every value is
//! whole (it names its own key), and a writer's progress counter never goes backwards.

use isodb::storage::{Db, Durability, Options, WriteBatch};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

const WRITERS: u64 = 4;
const READERS: usize = 4;
const BATCHES: u64 = 150;

fn value_for(key: &[u8], version: u64, big: bool) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&(key.len() as u32).to_be_bytes());
    v.extend_from_slice(key);
    v.extend_from_slice(&version.to_be_bytes());
    let pad = if big { 9000 } else { (version % 200) as usize };
    v.resize(v.len() + pad, key[key.len() - 1]);
    v
}

fn check_value(key: &[u8], v: &[u8]) -> bool {
    if v.len() < 12 {
        return false;
    }
    let n = u32::from_be_bytes(v[0..4].try_into().unwrap()) as usize;
    v.len() >= 12 + n && &v[4..4 + n] == key && v[12 + n..].iter().all(|&b| b == key[key.len() - 1])
}

#[test]
fn readers_and_writers() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        pool_bytes: 2 << 20,
        ..Options::default()
    };
    let db = Arc::new(Db::open(dir.path(), opts.clone()).unwrap());
    db.create_tree("t").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(WRITERS as usize + READERS));
    let mut models = Vec::new();
    std::thread::scope(|s| {
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (db, start) = (db.clone(), start.clone());
            writers.push(s.spawn(move || {
                let mut rng = rand::rngs::StdRng::seed_from_u64(w);
                let mut model = BTreeMap::new();
                start.wait();
                for n in 0..BATCHES {
                    let mut b = WriteBatch::new();
                    for _ in 0..rng.random_range(1..40) {
                        let k = format!("w{w}-{:05}", rng.random_range(0..3000)).into_bytes();
                        if rng.random_bool(0.25) {
                            b.delete("t", &k);
                            model.remove(&k);
                        } else {
                            let v = value_for(&k, n, rng.random_bool(0.02));
                            b.put("t", &k, &v);
                            model.insert(k, v);
                        }
                    }
                    let ck = format!("counter-{w}").into_bytes();
                    let cv = value_for(&ck, n, false);
                    b.put("t", &ck, &cv);
                    model.insert(ck, cv);
                    let d = if n % 3 == 0 {
                        Durability::Async
                    } else {
                        Durability::Sync
                    };
                    db.commit(b, d).unwrap();
                }
                model
            }));
        }
        for r in 0..READERS {
            let (db, stop, start) = (db.clone(), stop.clone(), start.clone());
            s.spawn(move || {
                let tree = db.tree("t").unwrap();
                let mut rng = rand::rngs::StdRng::seed_from_u64(100 + r as u64);
                let mut last_counter = vec![0u64; WRITERS as usize];
                start.wait();
                let mut scans = 0;
                while !stop.load(Ordering::Acquire) || scans < 3 {
                    let reverse = rng.random_bool(0.5);
                    let w = rng.random_range(0..WRITERS);
                    let lo = format!("w{w}-{:05}", rng.random_range(0..3000)).into_bytes();
                    let mut prev: Option<Vec<u8>> = None;
                    let range = if reverse {
                        tree.range(Bound::Unbounded, Bound::Included(&lo), true)
                    } else {
                        tree.range(Bound::Included(&lo), Bound::Unbounded, false)
                    };
                    for (i, e) in range.enumerate() {
                        let (k, v) = e.unwrap();
                        assert!(
                            check_value(&k, &v),
                            "torn value under key {:?}",
                            String::from_utf8_lossy(&k)
                        );
                        if let Some(p) = &prev {
                            assert!(if reverse { &k < p } else { &k > p }, "scan out of order");
                        }
                        prev = Some(k);
                        if i > 500 {
                            break;
                        }
                    }
                    scans += 1;
                    for (w, last) in last_counter.iter_mut().enumerate() {
                        let ck = format!("counter-{w}").into_bytes();
                        if let Some(v) = tree.get(&ck).unwrap() {
                            assert!(check_value(&ck, &v));
                            let n = u64::from_be_bytes(
                                v[4 + ck.len()..12 + ck.len()].try_into().unwrap(),
                            );
                            assert!(
                                n >= *last,
                                "counter of writer {w} went back from {last} to {n}"
                            );
                            *last = n;
                        }
                    }
                }
            });
        }
        for h in writers {
            models.push(h.join().unwrap());
        }
        stop.store(true, Ordering::Release);
    });
    let want: BTreeMap<Vec<u8>, Vec<u8>> = models.into_iter().flatten().collect();
    let check = |db: &Db| {
        let got: BTreeMap<Vec<u8>, Vec<u8>> =
            db.tree("t").unwrap().iter().map(|r| r.unwrap()).collect();
        assert_eq!(got.len(), want.len());
        assert!(
            got == want,
            "final contents differ from the writers' models"
        );
    };
    check(&db);
    let db = Arc::into_inner(db).unwrap();
    db.close().unwrap();
    check(&Db::open(dir.path(), opts).unwrap());
}

/// A scan that is slow to consume does not hold writers up.
#[test]
fn slow_scan_does_not_block_writers() {
    let db = Db::open_memory(Options::default()).unwrap();
    let t = db.create_tree("t").unwrap();
    let mut b = WriteBatch::new();
    for i in 0..20_000u32 {
        b.put("t", &i.to_be_bytes(), &[1; 50]);
    }
    db.commit(b, Durability::Sync).unwrap();
    let mut scan = t.iter();
    let mut seen = 0;
    // Between steps of the scan a writer commits, behind the scan's position; it never waits
    // for the scan, which holds no latch between steps.
    while let Some((k, _)) = scan.next_entry().unwrap() {
        let k = u32::from_be_bytes(k.try_into().unwrap());
        seen += 1;
        if seen % 100 == 0 {
            let mut behind = (k - 50).to_be_bytes().to_vec();
            behind.push(0);
            t.put(&behind, b"new").unwrap();
        }
    }
    assert_eq!(seen, 20_000);
    assert_eq!(t.iter().count(), 20_000 + 200);
}

#[test]
fn lock_file_prevents_double_open_but_not_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), Options::default()).unwrap();
    assert!(matches!(
        Db::open(dir.path(), Options::default()),
        Err(isodb::storage::StorageError::Locked(_))
    ));
    drop(db);
    Db::open(dir.path(), Options::default()).unwrap();
}
