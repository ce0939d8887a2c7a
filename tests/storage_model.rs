//! Model-based tests: random operation sequences run against the engine and a `BTreeMap`,
//! with reopens, checkpoints and simulated power cuts in between; after each step, reads and
//! scans of the engine must equal the model's.

use isodb::storage::{CrashMode, Db, Durability, MemVfs, Options, Vfs, WriteBatch};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Action {
    Put(usize, Vec<u8>, Vec<u8>),
    Delete(usize, Vec<u8>),
    Batch(usize, Vec<(Vec<u8>, Option<Vec<u8>>)>),
    Get(usize, Vec<u8>),
    Range(usize, Bound<Vec<u8>>, Bound<Vec<u8>>, bool),
    RecreateTree(usize),
    Checkpoint,
    Reopen,
    Crash(Option<u64>),
}

const TREES: [&str; 2] = ["alpha", "beta"];

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(2), Just(0xff)], 0..4),
        6 => proptest::collection::vec(any::<u8>(), 1..24),
        1 => proptest::collection::vec(any::<u8>(), 500..2048),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..200),
        2 => (1usize..8000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        1 => (8000usize..40_000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        Just(Bound::Unbounded),
        key().prop_map(Bound::Included),
        key().prop_map(Bound::Excluded),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let tree = 0usize..2;
    prop_oneof![
        30 => (tree.clone(), key(), value()).prop_map(|(t, k, v)| Action::Put(t, k, v)),
        10 => (tree.clone(), key()).prop_map(|(t, k)| Action::Delete(t, k)),
        10 => (tree.clone(), proptest::collection::vec((key(), proptest::option::weighted(0.7, value())), 1..60))
            .prop_map(|(t, ops)| Action::Batch(t, ops)),
        8 => (tree.clone(), key()).prop_map(|(t, k)| Action::Get(t, k)),
        8 => (tree.clone(), bound(), bound(), any::<bool>()).prop_map(|(t, lo, hi, r)| Action::Range(t, lo, hi, r)),
        1 => Just(Action::RecreateTree(1)),
        2 => Just(Action::Checkpoint),
        2 => Just(Action::Reopen),
        2 => proptest::option::of(any::<u64>()).prop_map(Action::Crash),
    ]
}

type Model = [BTreeMap<Vec<u8>, Vec<u8>>; 2];

fn in_range(k: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let above = match lo {
        Bound::Included(l) => k >= l.as_slice(),
        Bound::Excluded(l) => k > l.as_slice(),
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(h) => k <= h.as_slice(),
        Bound::Excluded(h) => k < h.as_slice(),
        Bound::Unbounded => true,
    };
    above && below
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k),
        Bound::Excluded(k) => Bound::Excluded(k),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn open(vfs: &Arc<MemVfs>, background: bool) -> Db {
    let opts = Options {
        pool_bytes: 64 * 8192,
        wal_segment_bytes: 64 << 10,
        checkpoint_wal_bytes: 256 << 10,
        background,
        ..Options::default()
    };
    let vfs: Arc<dyn Vfs> = vfs.clone();
    Db::open_with_vfs(vfs, Path::new("/db"), opts).expect("open")
}

fn check_all(db: &Db, model: &Model) -> Result<(), TestCaseError> {
    for (t, m) in model.iter().enumerate() {
        let tree = db.tree(TREES[t]).expect("tree");
        let got: Vec<(Vec<u8>, Vec<u8>)> = tree.iter().map(|r| r.expect("scan")).collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        prop_assert_eq!(got.len(), want.len(), "tree {} size", TREES[t]);
        prop_assert!(got == want, "tree {} contents differ", TREES[t]);
    }
    Ok(())
}

fn run(actions: Vec<Action>, background: bool) -> Result<(), TestCaseError> {
    let mut vfs = MemVfs::with_durability();
    let mut db = open(&vfs, background);
    for t in TREES {
        db.create_tree(t).expect("create");
    }
    let mut model: Model = Default::default();
    for a in actions {
        match a {
            Action::Put(t, k, v) => {
                db.tree(TREES[t]).unwrap().put(&k, &v).expect("put");
                model[t].insert(k, v);
            }
            Action::Delete(t, k) => {
                db.tree(TREES[t]).unwrap().delete(&k).expect("delete");
                model[t].remove(&k);
            }
            Action::Batch(t, ops) => {
                let mut b = WriteBatch::new();
                for (k, v) in &ops {
                    match v {
                        Some(v) => {
                            b.put(TREES[t], k, v);
                            model[t].insert(k.clone(), v.clone());
                        }
                        None => {
                            b.delete(TREES[t], k);
                            model[t].remove(k);
                        }
                    }
                }
                db.commit(b, Durability::Sync).expect("batch");
            }
            Action::Get(t, k) => {
                let got = db.tree(TREES[t]).unwrap().get(&k).expect("get");
                prop_assert_eq!(got.as_ref(), model[t].get(&k));
            }
            Action::Range(t, lo, hi, reverse) => {
                let tree = db.tree(TREES[t]).unwrap();
                let got: Vec<Vec<u8>> = tree
                    .range(as_ref(&lo), as_ref(&hi), reverse)
                    .map(|r| r.expect("range").0)
                    .collect();
                let mut want: Vec<Vec<u8>> = model[t]
                    .keys()
                    .filter(|k| in_range(k, &lo, &hi))
                    .cloned()
                    .collect();
                if reverse {
                    want.reverse();
                }
                prop_assert_eq!(got, want);
            }
            Action::RecreateTree(t) => {
                db.drop_tree(TREES[t]).expect("drop");
                prop_assert!(db.tree(TREES[t]).is_err());
                db.create_tree(TREES[t]).expect("create");
                model[t].clear();
            }
            Action::Checkpoint => db.checkpoint().expect("checkpoint"),
            Action::Reopen => {
                drop(db);
                db = open(&vfs, background);
                check_all(&db, &model)?;
            }
            Action::Crash(seed) => {
                // Every commit was synchronous, so a power cut loses nothing of the model.
                let mode = match seed {
                    Some(seed) => CrashMode::Scramble { seed },
                    None => CrashMode::DropUnsynced,
                };
                let after = vfs.crash(mode);
                drop(db); // its close writes go to the old, pre-crash files
                vfs = after;
                db = open(&vfs, background);
                check_all(&db, &model)?;
            }
        }
    }
    check_all(&db, &model)?;
    let free_before = db.stats().pages;
    drop(db);
    let db = open(&vfs, background);
    check_all(&db, &model)?;
    prop_assert_eq!(db.stats().pages, free_before);
    Ok(())
}

fn cases() -> u32 {
    std::env::var("ISODB_MODEL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_btreemap(actions in proptest::collection::vec(action(), 1..60), background in any::<bool>()) {
        run(actions, background)?;
    }
}
