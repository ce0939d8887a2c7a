//! The one place that knows how catalog records become bytes.
//!
//! Catalog records (table, index and view definitions) are serde types encoded with bincode 2
//! in its standard configuration. Keeping the codec behind this module means bincode can be
//! swapped (the crate is unmaintained) by changing two functions; the on-disk format of table
//! rows and keys does not go through here (see `sql::row`), so a swap only touches catalogs.

use crate::sql::SqlError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Encodes a catalog record.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, SqlError> {
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| SqlError::new("XX000", format!("catalog encoding failed: {e}")))
}

/// Decodes a catalog record; corrupt bytes are an internal error (XX001), never a panic.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SqlError> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| SqlError::new("XX001", format!("catalog record is corrupt: {e}")))
}
