//! How versions are stored, and reading them through a snapshot.
//!
//! A table is a storage tree of versions. The storage key of a version is the user key,
//! escaped to be prefix-free (0x00 becomes 0x00 0xFF, then 0x00 0x01 ends it), followed by the
//! version's commit timestamp as 8 big-endian bytes. So all versions of a key are adjacent, in
//! commit order, and user-key order is storage-key order. The stored value is `[0][bytes]` for a
//! row and `[1]` for a deletion (a tombstone).
//!
//! Versions are written only when their transaction commits (uncommitted writes live in the
//! transaction's write set), so every stored version is committed, and a snapshot, which is a
//! commit timestamp, sees exactly the newest version of each key at or below it.

use super::error::Result;
use crate::storage::{Cursor, Tree};
use std::ops::Bound;

/// A commit timestamp (also the space transaction ids are drawn from).
pub type Ts = u64;

const LIVE: u8 = 0;
const TOMBSTONE: u8 = 1;

/// Appends the escaped, terminated form of `key`.
pub(crate) fn push_prefix(out: &mut Vec<u8>, key: &[u8]) {
    for &b in key {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

/// The storage key of `key`'s version committed at `ts`.
pub(crate) fn version_key(key: &[u8], ts: Ts) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 10);
    push_prefix(&mut out, key);
    out.extend_from_slice(&ts.to_be_bytes());
    out
}

/// Splits a storage key into the user key (unescaped, into `key`) and the timestamp.
pub(crate) fn split_version_key(vk: &[u8], key: &mut Vec<u8>) -> Option<Ts> {
    key.clear();
    let mut i = 0;
    while i < vk.len() {
        let b = vk[i];
        if b == 0 {
            match vk.get(i + 1) {
                Some(0xff) => {
                    key.push(0);
                    i += 2;
                    continue;
                }
                Some(1) => {
                    let ts = vk.get(i + 2..i + 10)?;
                    return Some(u64::from_be_bytes(ts.try_into().ok()?));
                }
                _ => return None,
            }
        }
        key.push(b);
        i += 1;
    }
    None
}

/// The stored value of a row, or of a deletion when `value` is `None`.
pub(crate) fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        Some(v) => {
            let mut out = Vec::with_capacity(v.len() + 1);
            out.push(LIVE);
            out.extend_from_slice(v);
            out
        }
        None => vec![TOMBSTONE],
    }
}

fn decode_value(stored: &[u8]) -> Option<&[u8]> {
    match stored.first() {
        Some(&LIVE) => Some(&stored[1..]),
        _ => None,
    }
}

/// Storage bounds covering every version of the user keys within the bounds.
fn storage_bounds(lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let with_ts = |k: &[u8], ts: Ts| version_key(k, ts);
    let prefix = |k: &[u8]| {
        let mut p = Vec::with_capacity(k.len() + 2);
        push_prefix(&mut p, k);
        p
    };
    let lower = match lo {
        Bound::Included(k) => Bound::Included(prefix(k)),
        Bound::Excluded(k) => Bound::Excluded(with_ts(k, Ts::MAX)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let upper = match hi {
        Bound::Included(k) => Bound::Included(with_ts(k, Ts::MAX)),
        Bound::Excluded(k) => Bound::Excluded(prefix(k)),
        Bound::Unbounded => Bound::Unbounded,
    };
    (lower, upper)
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    b.as_ref().map(Vec::as_slice)
}

/// The newest version of `key` at or below `snapshot`: `None` if there is none; `Some(None)` if
/// it is a deletion.
pub(crate) fn read_at(tree: &Tree, key: &[u8], snapshot: Ts) -> Result<Option<Option<Vec<u8>>>> {
    let lo = version_key(key, 0);
    let hi = version_key(key, snapshot);
    let mut c = tree.range(Bound::Included(&lo), Bound::Included(&hi), true);
    Ok(c.next_entry()?
        .map(|(_, v)| decode_value(v).map(<[u8]>::to_vec)))
}

/// Every version of `key`, oldest first: (commit timestamp, whether it is a deletion).
pub(crate) fn versions_of(tree: &Tree, key: &[u8]) -> Result<Vec<(Ts, bool)>> {
    let lo = version_key(key, 0);
    let hi = version_key(key, Ts::MAX);
    let mut c = tree.range(Bound::Included(&lo), Bound::Included(&hi), false);
    let mut out = Vec::new();
    let mut k = Vec::new();
    while let Some((vk, v)) = c.next_entry()? {
        if let Some(ts) = split_version_key(vk, &mut k) {
            out.push((ts, decode_value(v).is_none()));
        }
    }
    Ok(out)
}

/// The newest version of `key`, whatever its timestamp.
pub(crate) fn newest(tree: &Tree, key: &[u8]) -> Result<Option<(Ts, Option<Vec<u8>>)>> {
    let lo = version_key(key, 0);
    let hi = version_key(key, Ts::MAX);
    let mut c = tree.range(Bound::Included(&lo), Bound::Included(&hi), true);
    let mut k = Vec::new();
    Ok(match c.next_entry()? {
        Some((vk, v)) => {
            split_version_key(vk, &mut k).map(|ts| (ts, decode_value(v).map(<[u8]>::to_vec)))
        }
        None => None,
    })
}

/// Which versions of one key are garbage, given the snapshots in use (ascending) and the
/// visible timestamp (every future snapshot is at or above it). `versions` is oldest first:
/// (commit timestamp, is a deletion). A version is kept if it is the newest at or below some
/// snapshot in use or below the visible timestamp, or newer than the visible timestamp; then
/// deletions at the old end of what is kept go too, since they hide nothing. Returns the
/// indices to remove.
pub(crate) fn garbage(versions: &[(Ts, bool)], snapshots: &[Ts], visible: Ts) -> Vec<usize> {
    let mut keep = vec![false; versions.len()];
    let newest_at = |s: Ts| versions.iter().rposition(|&(ts, _)| ts <= s);
    for &s in snapshots.iter().chain(std::iter::once(&visible)) {
        if let Some(i) = newest_at(s) {
            keep[i] = true;
        }
    }
    for (i, &(ts, _)) in versions.iter().enumerate() {
        if ts > visible {
            keep[i] = true;
        }
    }
    for (i, &(_, tombstone)) in versions.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        if tombstone {
            keep[i] = false;
        } else {
            break;
        }
    }
    (0..versions.len()).filter(|&i| !keep[i]).collect()
}

/// The rows of a table visible at a snapshot, in key order (or reverse), as
/// `(key, Some(value))`; deleted keys are skipped.
pub(crate) struct SnapshotScan {
    cursor: Cursor,
    snapshot: Ts,
    reverse: bool,
    key: Vec<u8>,
    /// Forward scans hold the newest visible version of the current key until the key changes.
    pending: Option<(Vec<u8>, Option<Vec<u8>>)>,
    done: bool,
}

impl SnapshotScan {
    pub fn new(
        tree: &Tree,
        lo: Bound<&[u8]>,
        hi: Bound<&[u8]>,
        reverse: bool,
        snapshot: Ts,
    ) -> Self {
        let (l, h) = storage_bounds(lo, hi);
        SnapshotScan {
            cursor: tree.range(as_ref(&l), as_ref(&h), reverse),
            snapshot,
            reverse,
            key: Vec::new(),
            pending: None,
            done: false,
        }
    }

    /// The next visible row.
    pub fn next_row(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some((vk, v)) = self.cursor.next_entry()? else {
                self.done = true;
                return Ok(self.pending.take().and_then(|(k, v)| v.map(|v| (k, v))));
            };
            let Some(ts) = split_version_key(vk, &mut self.key) else {
                continue;
            };
            if ts > self.snapshot {
                continue;
            }
            let value = decode_value(v).map(<[u8]>::to_vec);
            if self.reverse {
                // Newest first: the first visible version of a key is the one; skip the rest.
                if self.pending.as_ref().is_some_and(|(k, _)| *k == self.key) {
                    continue;
                }
                self.pending = Some((self.key.clone(), None));
                if let Some(v) = value {
                    return Ok(Some((self.key.clone(), v)));
                }
            } else {
                match &mut self.pending {
                    Some((k, pv)) if *k == self.key => *pv = value,
                    _ => {
                        let prev = self.pending.replace((self.key.clone(), value));
                        if let Some((k, Some(v))) = prev {
                            return Ok(Some((k, v)));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_keeps_what_snapshots_need() {
        let v = [(1, false), (3, false), (5, false), (7, false), (9, false)];
        // No snapshot in use: only the newest visible one (and anything newer) stays.
        assert_eq!(garbage(&v, &[], 8), vec![0, 1, 2]);
        // A snapshot at 4 keeps version 3 as well; nothing between it and the present.
        assert_eq!(garbage(&v, &[4], 8), vec![0, 2]);
        // Versions above the visible timestamp are never touched.
        assert_eq!(garbage(&v, &[], 2), Vec::<usize>::new());
        // A deletion at the old end hides nothing and goes; one in the middle stays.
        let d = [(1, false), (2, true), (4, false)];
        assert_eq!(garbage(&d, &[], 3), vec![0, 1]);
        assert_eq!(garbage(&d, &[1], 3), Vec::<usize>::new());
        assert_eq!(garbage(&[(1, false), (2, true)], &[], 5), vec![0, 1]);
    }

    #[test]
    fn version_keys_order_and_round_trip() {
        let keys: [&[u8]; 6] = [b"", b"\0", b"\0\0", b"a", b"a\0", b"ab"];
        let mut all = Vec::new();
        for k in keys {
            for ts in [1u64, 5, u64::MAX] {
                let vk = version_key(k, ts);
                let mut back = Vec::new();
                assert_eq!(split_version_key(&vk, &mut back), Some(ts));
                assert_eq!(back, k);
                all.push(vk);
            }
        }
        // Keys in order, and each key's versions in timestamp order.
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, all);
    }
}
