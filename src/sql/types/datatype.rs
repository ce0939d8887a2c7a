//! SQL data types and their PostgreSQL catalog facts.
//!
//! Design: [`DataType`] is the planner-level type, including type modifiers
//! (varchar length, numeric precision/scale). It knows its pg_type OID, its
//! `format_type` name (`character varying(3)`, `numeric(10,2)`), `typlen` and
//! `atttypmod` as sent in RowDescription. [`DataType::from_sql_name`] accepts
//! PostgreSQL's spellings and aliases (`int`, `float(p)`, `decimal`, `bpchar`,
//! `timestamp with time zone`, ...) and validates modifiers with PostgreSQL's
//! messages. Rules followed: `char` without length is `char(1)`; `float(p)` is
//! `real` for p <= 24 and `double precision` for 25..=53; typmods are n+4 for
//! varchar/bpchar and ((p << 16) | s) + 4 for numeric.

use crate::sql::error::SqlError;

/// A SQL data type with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DataType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Text,
    Varchar(Option<u32>),
    /// bpchar; `None` is the unconstrained `bpchar`.
    Char(Option<u32>),
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    /// An untyped literal.
    Unknown,
}

/// Maximum numeric precision (NUMERIC_MAX_PRECISION).
pub const NUMERIC_MAX_PRECISION: u32 = 1000;
/// Maximum varchar/char length (MaxAttrSize / 1 byte chars).
pub const MAX_CHAR_LENGTH: u32 = 10_485_760;

impl DataType {
    /// Unconstrained numeric.
    pub const NUMERIC: DataType = DataType::Numeric {
        precision: None,
        scale: None,
    };

    /// pg_type OID.
    pub fn oid(&self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::Int8 => 20,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Text => 25,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Unknown => 705,
            DataType::Char(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timestamp => 1114,
            DataType::Timestamptz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric { .. } => 1700,
        }
    }

    /// The name as PostgreSQL's `format_type` prints it.
    pub fn name(&self) -> String {
        match self {
            DataType::Bool => "boolean".into(),
            DataType::Int2 => "smallint".into(),
            DataType::Int4 => "integer".into(),
            DataType::Int8 => "bigint".into(),
            DataType::Float4 => "real".into(),
            DataType::Float8 => "double precision".into(),
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => format!("numeric({},{})", p, scale.unwrap_or(0)),
            DataType::Numeric { .. } => "numeric".into(),
            DataType::Text => "text".into(),
            DataType::Varchar(Some(n)) => format!("character varying({n})"),
            DataType::Varchar(None) => "character varying".into(),
            DataType::Char(Some(n)) => format!("character({n})"),
            DataType::Char(None) => "bpchar".into(),
            DataType::Bytea => "bytea".into(),
            DataType::Date => "date".into(),
            DataType::Time => "time without time zone".into(),
            DataType::Timestamp => "timestamp without time zone".into(),
            DataType::Timestamptz => "timestamp with time zone".into(),
            DataType::Interval => "interval".into(),
            DataType::Unknown => "unknown".into(),
        }
    }

    /// The type name without modifiers (used in casts error messages and
    /// input error messages, e.g. `character varying`).
    pub fn base_name(&self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::Int2 => "smallint",
            DataType::Int4 => "integer",
            DataType::Int8 => "bigint",
            DataType::Float4 => "real",
            DataType::Float8 => "double precision",
            DataType::Numeric { .. } => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "character varying",
            DataType::Char(_) => "character",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Time => "time without time zone",
            DataType::Timestamp => "timestamp without time zone",
            DataType::Timestamptz => "timestamp with time zone",
            DataType::Interval => "interval",
            DataType::Unknown => "unknown",
        }
    }

    /// Parse a type name with its modifiers.
    pub fn from_sql_name(name: &str, modifiers: &[u32]) -> Result<DataType, SqlError> {
        let lowered = name.trim().to_ascii_lowercase();
        let norm: String = lowered.split_whitespace().collect::<Vec<_>>().join(" ");
        let no_mods = |t: DataType| -> Result<DataType, SqlError> {
            if modifiers.is_empty() {
                Ok(t)
            } else {
                Err(SqlError::new(
                    "42601",
                    format!("type modifier is not allowed for type \"{norm}\""),
                ))
            }
        };
        match norm.as_str() {
            "int" | "int4" | "integer" => no_mods(DataType::Int4),
            "int2" | "smallint" => no_mods(DataType::Int2),
            "int8" | "bigint" => no_mods(DataType::Int8),
            "float4" | "real" => no_mods(DataType::Float4),
            "float8" | "double precision" => no_mods(DataType::Float8),
            "float" => match modifiers {
                [] => Ok(DataType::Float8),
                [0] => Err(SqlError::invalid_parameter_value(
                    "precision for type float must be at least 1 bit",
                )),
                [p] if *p <= 24 => Ok(DataType::Float4),
                [p] if *p <= 53 => Ok(DataType::Float8),
                [_] => Err(SqlError::invalid_parameter_value(
                    "precision for type float must be less than 54 bits",
                )),
                _ => Err(SqlError::new("42601", "invalid type modifier")),
            },
            "numeric" | "decimal" | "dec" => {
                let (p, s) = match modifiers {
                    [] => return Ok(DataType::NUMERIC),
                    [p] => (*p, 0),
                    [p, s] => (*p, *s),
                    _ => return Err(SqlError::new("42601", "invalid NUMERIC type modifier")),
                };
                if !(1..=NUMERIC_MAX_PRECISION).contains(&p) {
                    return Err(SqlError::invalid_parameter_value(format!(
                        "NUMERIC precision {p} must be between 1 and {NUMERIC_MAX_PRECISION}"
                    )));
                }
                if s > NUMERIC_MAX_PRECISION {
                    return Err(SqlError::invalid_parameter_value(format!(
                        "NUMERIC scale {s} must be between -1000 and 1000"
                    )));
                }
                Ok(DataType::Numeric {
                    precision: Some(p),
                    scale: Some(s),
                })
            }
            "text" => no_mods(DataType::Text),
            "varchar" | "character varying" | "char varying" => {
                Ok(DataType::Varchar(length_mod("varchar", modifiers)?))
            }
            "char" | "character" => Ok(DataType::Char(Some(
                length_mod("char", modifiers)?.unwrap_or(1),
            ))),
            "bpchar" => Ok(DataType::Char(length_mod("char", modifiers)?)),
            "bool" | "boolean" => no_mods(DataType::Bool),
            "bytea" => no_mods(DataType::Bytea),
            "date" => no_mods(DataType::Date),
            "time" | "time without time zone" => no_mods(DataType::Time),
            "timestamp" | "timestamp without time zone" => no_mods(DataType::Timestamp),
            "timestamptz" | "timestamp with time zone" => no_mods(DataType::Timestamptz),
            "interval" => no_mods(DataType::Interval),
            "unknown" => no_mods(DataType::Unknown),
            _ => Err(SqlError::undefined_type(name.trim())),
        }
    }

    /// typlen as sent in RowDescription.
    pub fn typlen(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::Int2 => 2,
            DataType::Int4 | DataType::Float4 | DataType::Date => 4,
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz => 8,
            DataType::Interval => 16,
            DataType::Unknown => -2,
            _ => -1,
        }
    }

    /// atttypmod as sent in RowDescription.
    pub fn typmod(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => (*n as i32).saturating_add(4),
            DataType::Numeric {
                precision: Some(p),
                scale,
            } => ((((*p as i64) << 16) | (scale.unwrap_or(0) as i64 & 0x7ff)) + 4) as i32,
            _ => -1,
        }
    }

    /// True for int2/int4/int8/float4/float8/numeric.
    pub fn is_numeric_family(&self) -> bool {
        matches!(
            self,
            DataType::Int2
                | DataType::Int4
                | DataType::Int8
                | DataType::Float4
                | DataType::Float8
                | DataType::Numeric { .. }
        )
    }

    /// True for text/varchar/bpchar.
    pub fn is_text_family(&self) -> bool {
        matches!(
            self,
            DataType::Text | DataType::Varchar(_) | DataType::Char(_)
        )
    }

    /// True for date/timestamp/timestamptz.
    pub fn is_datetime_family(&self) -> bool {
        matches!(
            self,
            DataType::Date | DataType::Timestamp | DataType::Timestamptz
        )
    }
}

fn length_mod(tname: &str, modifiers: &[u32]) -> Result<Option<u32>, SqlError> {
    match modifiers {
        [] => Ok(None),
        [0] => Err(SqlError::invalid_parameter_value(format!(
            "length for type {tname} must be at least 1"
        ))),
        [n] if *n > MAX_CHAR_LENGTH => Err(SqlError::invalid_parameter_value(format!(
            "length for type {tname} cannot exceed {MAX_CHAR_LENGTH}"
        ))),
        [n] => Ok(Some(*n)),
        _ => Err(SqlError::new("42601", "invalid type modifier")),
    }
}
