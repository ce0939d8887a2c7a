//! Fault injection through the in-memory file layer: lost unsynced writes, power cuts in the
//! middle of checkpoints (torn page writes included), failed fsyncs, a full disk, corrupt pages
//! and corrupt WAL. Each must be recovered from, or reported with a clear error; none may panic
//! or lose an acknowledged commit.

use isodb::storage::{CrashMode, Db, Durability, MemVfs, Options, StorageError, Vfs, WriteBatch};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

fn opts() -> Options {
    Options {
        pool_bytes: 64 * 8192,
        wal_segment_bytes: 16 << 10,
        checkpoint_wal_bytes: 64 << 10,
        background: false,
        ..Options::default()
    }
}

fn open(vfs: &Arc<MemVfs>) -> Result<Db, StorageError> {
    let v: Arc<dyn Vfs> = vfs.clone();
    Db::open_with_vfs(v, Path::new("/db"), opts())
}

/// Batch `i`: a few keys of its own, and overwrites of keys it shares with other batches.
fn batch(i: u64) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let mut ops = Vec::new();
    for j in 0..(1 + i % 5) {
        let len = if (i + j).is_multiple_of(11) {
            12_000
        } else {
            10 + ((i * 13 + j) % 400) as usize
        };
        ops.push((
            format!("own-{i:05}-{j}").into_bytes(),
            Some(vec![(i + j) as u8; len]),
        ));
    }
    ops.push((
        format!("shared-{}", i % 13).into_bytes(),
        Some(i.to_be_bytes().to_vec()),
    ));
    if i % 4 == 3 {
        ops.push((format!("own-{:05}-0", i - 3).into_bytes(), None));
    }
    ops.push((b"last".to_vec(), Some(i.to_be_bytes().to_vec())));
    ops
}

fn commit(db: &Db, i: u64, durability: Durability) -> Result<(), StorageError> {
    let mut b = WriteBatch::new();
    for (k, v) in batch(i) {
        match v {
            Some(v) => b.put("t", &k, &v),
            None => b.delete("t", &k),
        };
    }
    db.commit(b, durability)
}

/// The state after batches `0..n`.
fn model(n: u64) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut m = BTreeMap::new();
    for i in 0..n {
        for (k, v) in batch(i) {
            match v {
                Some(v) => m.insert(k, v),
                None => m.remove(&k),
            };
        }
    }
    m
}

/// Checks the database holds exactly the state after some prefix of batches of at least
/// `min` batches (whole batches only); returns the prefix length.
fn check_prefix(db: &Db, min: u64) -> u64 {
    let t = db.tree("t").expect("tree");
    let n = t
        .get(b"last")
        .unwrap()
        .map(|v| u64::from_be_bytes(v.try_into().unwrap()) + 1)
        .unwrap_or(0);
    assert!(
        n >= min,
        "only {n} batches survived, {min} were acknowledged"
    );
    let got: BTreeMap<Vec<u8>, Vec<u8>> = t.iter().map(|r| r.unwrap()).collect();
    assert!(
        got == model(n),
        "state is not the state after {n} whole batches"
    );
    n
}

#[test]
fn lost_unsynced_writes() {
    let vfs = MemVfs::with_durability();
    let db = open(&vfs).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..30 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    for i in 30..40 {
        commit(&db, i, Durability::Async).unwrap();
    }
    let after = vfs.crash(CrashMode::DropUnsynced);
    drop(db);
    let db = open(&after).unwrap();
    let n = check_prefix(&db, 30);
    assert_eq!(
        n, 30,
        "nothing unsynced can survive a crash that drops unsynced writes"
    );
    // The recovered database goes on working and survives another crash.
    for i in n..n + 20 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    let again = after.crash(CrashMode::Scramble { seed: 3 });
    drop(db);
    check_prefix(&open(&again).unwrap(), n + 20);
}

/// Power cuts at every point of a run with checkpoints: writes after the cut are lost, and the
/// unsynced writes before it survive whole, torn or not at all.
#[test]
fn power_cuts_during_checkpoints() {
    let mut cuts = 0;
    for seed in 0..150u64 {
        let vfs = MemVfs::with_durability();
        let db = open(&vfs).unwrap();
        db.create_tree("t").unwrap();
        for i in 0..10 {
            commit(&db, i, Durability::Sync).unwrap();
        }
        db.checkpoint().unwrap();
        vfs.faults()
            .writes_until_power_cut
            .store(seed * 7 % 400, Ordering::SeqCst);
        let mut acked = 10;
        for i in 10..120 {
            if commit(&db, i, Durability::Sync).is_err() {
                break;
            }
            if !vfs.faults().power_cut.load(Ordering::SeqCst) {
                acked = i + 1;
            }
            if i % 17 == 0 && db.checkpoint().is_err() {
                break;
            }
        }
        cuts += vfs.faults().power_cut.load(Ordering::SeqCst) as u32;
        let image = vfs.crash(CrashMode::Scramble { seed });
        drop(db);
        let db = open(&image).unwrap_or_else(|e| panic!("seed {seed}: reopen failed: {e}"));
        check_prefix(&db, acked);
        // Recovery is itself crash-safe: crash right after it and recover again.
        let image2 = image.crash(CrashMode::Scramble { seed: seed + 1 });
        drop(db);
        check_prefix(&open(&image2).unwrap(), acked);
    }
    assert!(cuts > 100, "only {cuts} runs reached their power cut");
}

#[test]
fn failed_fsync_stops_writes_and_recovers() {
    let vfs = MemVfs::with_durability();
    let db = open(&vfs).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..5 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    vfs.faults().fail_sync.store(true, Ordering::SeqCst);
    let e = commit(&db, 5, Durability::Sync).unwrap_err();
    assert!(matches!(e, StorageError::SyncFailed(_)), "{e:?}");
    // Never retried and ignored: every later write fails, even once fsync works again.
    vfs.faults().fail_sync.store(false, Ordering::SeqCst);
    let e = commit(&db, 6, Durability::Sync).unwrap_err();
    assert!(matches!(e, StorageError::Poisoned(_)), "{e:?}");
    assert!(db.failure().unwrap().contains("fsync"));
    // Reads still work.
    assert!(db.tree("t").unwrap().get(b"last").unwrap().is_some());
    let image = vfs.crash(CrashMode::DropUnsynced);
    drop(db);
    let db = open(&image).unwrap();
    let n = check_prefix(&db, 5);
    commit(&db, n, Durability::Sync).unwrap();
}

#[test]
fn disk_full_is_reported_and_recovered() {
    let vfs = MemVfs::with_durability();
    let db = open(&vfs).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..5 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    vfs.faults().space_left.store(100, Ordering::SeqCst);
    let e = commit(&db, 5, Durability::Sync).unwrap_err();
    assert!(matches!(e, StorageError::DiskFull(_)), "{e:?}");
    assert!(matches!(
        commit(&db, 6, Durability::Sync),
        Err(StorageError::Poisoned(_))
    ));
    let image = vfs.crash(CrashMode::DropUnsynced);
    drop(db);
    let db = open(&image).unwrap();
    check_prefix(&db, 5);

    // A full disk during a checkpoint (the WAL fits, the double-write buffer does not).
    let vfs = MemVfs::with_durability();
    let db = open(&vfs).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..40 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    vfs.faults().space_left.store(20_000, Ordering::SeqCst);
    let e = db.checkpoint().unwrap_err();
    assert!(matches!(e, StorageError::DiskFull(_)), "{e:?}");
    assert!(matches!(
        commit(&db, 40, Durability::Sync),
        Err(StorageError::Poisoned(_))
    ));
    let image = vfs.crash(CrashMode::DropUnsynced);
    drop(db);
    check_prefix(&open(&image).unwrap(), 40);
}

#[test]
fn corrupt_page_is_reported_by_number() {
    let vfs = MemVfs::with_durability();
    let db = open(&vfs).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..200 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    db.close().unwrap();
    let pages = vfs.file_len(Path::new("/db/data.db")).unwrap() / 8192;
    assert!(pages > 20);
    // Damage the middle of every other page past the directory, as media corruption would.
    // The last checkpoint's double-write buffer would repair its own pages, so empty it first.
    vfs.corrupt(Path::new("/db/data.dwb"), 0, &[0u8; 32])
        .unwrap();
    for p in (3..pages).step_by(2) {
        vfs.corrupt(Path::new("/db/data.db"), p * 8192 + 4000, b"garbage")
            .unwrap();
    }
    let db = open(&vfs).unwrap();
    let t = db.tree("t").unwrap();
    let err = t
        .iter()
        .find_map(|r| r.err())
        .expect("a scan over corrupt pages must fail");
    match err {
        StorageError::CorruptPage { page, reason } => {
            assert!(page >= 3 && page % 2 == 1, "page {page}");
            assert!(reason.contains("checksum"), "{reason}");
        }
        e => panic!("expected a corrupt page error, got {e:?}"),
    }
}

#[test]
fn corrupt_wal() {
    let vfs = MemVfs::with_durability();
    let mut o = opts();
    o.checkpoint_wal_bytes = u64::MAX;
    o.pool_bytes = 1 << 20;
    let v: Arc<dyn Vfs> = vfs.clone();
    let db = Db::open_with_vfs(v, Path::new("/db"), o.clone()).unwrap();
    db.create_tree("t").unwrap();
    for i in 0..60 {
        commit(&db, i, Durability::Sync).unwrap();
    }
    // No checkpoint since the start: recovery needs the whole log.
    let image = vfs.crash(CrashMode::DropUnsynced);
    drop(db);
    let mut segs: Vec<String> = image.list(Path::new("/db/wal")).unwrap();
    segs.sort();
    assert!(segs.len() >= 3, "{segs:?}");
    let last = Path::new("/db/wal").join(segs.last().unwrap());

    // A torn tail (garbage after the last record) is where the log ends: nothing is lost.
    let torn = image.crash(CrashMode::DropUnsynced);
    let len = torn.file_len(&last).unwrap();
    torn.corrupt(&last, len, &[0x55; 100]).unwrap();
    let v: Arc<dyn Vfs> = torn.clone();
    let db = Db::open_with_vfs(v, Path::new("/db"), o.clone()).unwrap();
    check_prefix(&db, 60);
    drop(db);

    // A damaged record with valid segments after it is corruption, reported as such.
    let bad = image.crash(CrashMode::DropUnsynced);
    let first = Path::new("/db/wal").join(&segs[0]);
    bad.corrupt(&first, 200, &[0xAA; 16]).unwrap();
    let v: Arc<dyn Vfs> = bad.clone();
    match Db::open_with_vfs(v, Path::new("/db"), o) {
        Err(StorageError::CorruptWal { .. }) => {}
        Err(e) => panic!("expected CorruptWal, got {e:?}"),
        Ok(_) => panic!("opened a database with a corrupt WAL"),
    }
}
