//! SQL type system: types, values, I/O, casts, comparison and arithmetic,
//! matching PostgreSQL 15.
//!
//! Each concept lives in its own module; the commonly used items are
//! re-exported here.

pub mod arith;
pub mod binary;
pub mod cast;
pub mod compare;
pub mod datatype;
pub mod datetime;
pub mod float;
pub mod numeric;
pub mod value;

pub use crate::sql::error::SqlError;
pub use arith::{add, concat_op, div, mul, neg, rem, sub};
pub use binary::{decode_binary, encode_binary};
pub use cast::{assign, cast, implicit_cast_target};
pub use compare::{compare, hash_key};
pub use datatype::DataType;
pub use datetime::Interval;
pub use numeric::Numeric;
pub use value::{Value, parse_text};
