//! Write batches and their encoding, which is also the WAL record format.
//!
//! A batch is encoded once, as it is built, into the exact bytes its WAL record carries:
//! `[op u8][name len u16][name]` then, for puts and deletes, `[key len u32][key]` and, for
//! puts, `[value len u32][value]`. Committing appends those bytes to the WAL and then applies
//! them by decoding the same bytes, and recovery applies a replayed record by the same code, so
//! what is applied after a crash is what was applied before it.

use super::error::{Result, StorageError};

const OP_PUT: u8 = 1;
const OP_DELETE: u8 = 2;
const OP_CREATE_TREE: u8 = 3;
const OP_DROP_TREE: u8 = 4;

/// When a committed batch is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Durable when `commit` returns (the WAL is fsynced, shared with concurrent commits).
    #[default]
    Sync,
    /// Durable within a few milliseconds, by the background WAL flush; a crash may lose it, but
    /// never part of it.
    Async,
}

/// One operation of a batch, borrowed from its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    Put {
        tree: &'a str,
        key: &'a [u8],
        value: &'a [u8],
    },
    Delete {
        tree: &'a str,
        key: &'a [u8],
    },
    CreateTree {
        tree: &'a str,
    },
    DropTree {
        tree: &'a str,
    },
}

/// An atomic group of writes: after a crash either all of it is present or none.
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    pub(crate) buf: Vec<u8>,
    pub(crate) ops: usize,
    pub(crate) value_bytes: usize,
    pub(crate) max_value: usize,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> WriteBatch {
        WriteBatch::default()
    }

    fn head(&mut self, op: u8, tree: &str) {
        self.ops += 1;
        self.buf.push(op);
        let name = &tree.as_bytes()[..tree.len().min(u16::MAX as usize)];
        self.buf
            .extend_from_slice(&(name.len() as u16).to_le_bytes());
        self.buf.extend_from_slice(name);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(b);
    }

    /// Sets `key` to `value` in `tree`.
    pub fn put(&mut self, tree: &str, key: &[u8], value: &[u8]) -> &mut Self {
        self.head(OP_PUT, tree);
        self.bytes(key);
        self.bytes(value);
        self.value_bytes += value.len();
        self.max_value = self.max_value.max(value.len());
        self
    }

    /// Removes `key` from `tree` (no error if it is absent).
    pub fn delete(&mut self, tree: &str, key: &[u8]) -> &mut Self {
        self.head(OP_DELETE, tree);
        self.bytes(key);
        self
    }

    /// Creates an empty tree.
    pub fn create_tree(&mut self, tree: &str) -> &mut Self {
        self.head(OP_CREATE_TREE, tree);
        self
    }

    /// Drops a tree and everything in it.
    pub fn drop_tree(&mut self, tree: &str) -> &mut Self {
        self.head(OP_DROP_TREE, tree);
        self
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.ops
    }

    /// Whether the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops == 0
    }

    /// Size of the encoded batch in bytes.
    pub fn encoded_len(&self) -> usize {
        self.buf.len()
    }
}

/// Decodes an encoded batch, failing cleanly on malformed input.
pub(crate) struct OpIter<'a> {
    buf: &'a [u8],
    lsn: u64,
}

impl<'a> OpIter<'a> {
    pub fn new(buf: &'a [u8], lsn: u64) -> OpIter<'a> {
        OpIter { buf, lsn }
    }

    fn err(&self) -> StorageError {
        StorageError::CorruptWal {
            lsn: self.lsn,
            reason: "malformed batch record".into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(self.err());
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    fn len32(&mut self) -> Result<&'a [u8]> {
        let l = self.take(4)?;
        let n = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
        self.take(n)
    }

    fn next_op(&mut self) -> Result<Op<'a>> {
        let op = self.take(1)?[0];
        let l = self.take(2)?;
        let name = self.take(u16::from_le_bytes([l[0], l[1]]) as usize)?;
        let tree = std::str::from_utf8(name).map_err(|_| self.err())?;
        Ok(match op {
            OP_PUT => {
                let key = self.len32()?;
                let value = self.len32()?;
                Op::Put { tree, key, value }
            }
            OP_DELETE => Op::Delete {
                tree,
                key: self.len32()?,
            },
            OP_CREATE_TREE => Op::CreateTree { tree },
            OP_DROP_TREE => Op::DropTree { tree },
            _ => return Err(self.err()),
        })
    }
}

impl<'a> Iterator for OpIter<'a> {
    type Item = Result<Op<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        let r = self.next_op();
        if r.is_err() {
            self.buf = &[];
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let mut b = WriteBatch::new();
        b.create_tree("t")
            .put("t", b"k", b"v")
            .delete("t", b"k")
            .drop_tree("t");
        let ops: Vec<Op> = OpIter::new(&b.buf, 0).collect::<Result<_>>().unwrap();
        assert_eq!(
            ops,
            vec![
                Op::CreateTree { tree: "t" },
                Op::Put {
                    tree: "t",
                    key: b"k",
                    value: b"v"
                },
                Op::Delete {
                    tree: "t",
                    key: b"k"
                },
                Op::DropTree { tree: "t" },
            ]
        );
        for cut in 0..b.buf.len() {
            // Every truncation either decodes fewer ops or fails; none panics.
            let _ = OpIter::new(&b.buf[..cut], 0).collect::<Result<Vec<_>>>();
        }
        assert!(OpIter::new(&[9, 0, 0], 0).next().unwrap().is_err());
    }
}
