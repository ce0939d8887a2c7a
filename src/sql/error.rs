//! SQL errors carrying a PostgreSQL SQLSTATE.
//!
//! Design: one plain struct, [`SqlError`], mirroring the fields of a
//! PostgreSQL `ErrorResponse` that this layer fills (code, message, detail,
//! hint). Constructors exist for every SQLSTATE the type layer raises and use
//! PostgreSQL 15's exact message texts (e.g. `integer out of range`,
//! `invalid input syntax for type integer: "abc"`), so that the wire layer can
//! forward them unchanged.

use std::fmt;

/// An error as PostgreSQL would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// Five-character SQLSTATE, e.g. `22003`.
    pub code: &'static str,
    /// Primary message (`errmsg`).
    pub message: String,
    /// Optional `errdetail`.
    pub detail: Option<String>,
    /// Optional `errhint`.
    pub hint: Option<String>,
    /// 1-based character position in the statement (`P` field), where known.
    pub position: Option<u32>,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR:  {}", self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "\nDETAIL:  {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nHINT:  {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

impl SqlError {
    /// Generic constructor.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
        }
    }

    /// Attach a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Attach a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// 22P02: `invalid input syntax for type integer: "abc"`.
    pub fn invalid_text_representation(type_name: &str, input: &str) -> Self {
        Self::new(
            "22P02",
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }

    /// 22003 with an arbitrary message (`integer out of range`, ...).
    pub fn numeric_value_out_of_range(message: impl Into<String>) -> Self {
        Self::new("22003", message)
    }

    /// 22003 `integer out of range`.
    pub fn integer_out_of_range() -> Self {
        Self::numeric_value_out_of_range("integer out of range")
    }

    /// 22003 `smallint out of range`.
    pub fn smallint_out_of_range() -> Self {
        Self::numeric_value_out_of_range("smallint out of range")
    }

    /// 22003 `bigint out of range`.
    pub fn bigint_out_of_range() -> Self {
        Self::numeric_value_out_of_range("bigint out of range")
    }

    /// 22003 `value overflows numeric format`.
    pub fn numeric_overflow() -> Self {
        Self::numeric_value_out_of_range("value overflows numeric format")
    }

    /// 22003 from the integer input functions:
    /// `value "99999999999" is out of range for type integer`.
    pub fn input_out_of_range(input: &str, type_name: &str) -> Self {
        Self::numeric_value_out_of_range(format!(
            "value \"{input}\" is out of range for type {type_name}"
        ))
    }

    /// 22003 from the float input functions:
    /// `"1e400" is out of range for type double precision`.
    pub fn float_input_out_of_range(input: &str, type_name: &str) -> Self {
        Self::numeric_value_out_of_range(format!(
            "\"{input}\" is out of range for type {type_name}"
        ))
    }

    /// 22003 `numeric field overflow` for numeric(p,s).
    pub fn numeric_field_overflow(precision: u32, scale: u32) -> Self {
        let maxdigits = precision as i64 - scale as i64;
        let bound = if maxdigits != 0 {
            format!("10^{maxdigits}")
        } else {
            "1".to_string()
        };
        Self::numeric_value_out_of_range("numeric field overflow").with_detail(format!(
            "A field with precision {precision}, scale {scale} must round to an absolute value less than {bound}."
        ))
    }

    /// 22012 `division by zero`.
    pub fn division_by_zero() -> Self {
        Self::new("22012", "division by zero")
    }

    /// 22001 `value too long for type character varying(3)`.
    pub fn string_data_right_truncation(type_name: &str) -> Self {
        Self::new("22001", format!("value too long for type {type_name}"))
    }

    /// 22007 `invalid input syntax for type date: "x"`.
    pub fn invalid_datetime_format(type_name: &str, input: &str) -> Self {
        Self::new(
            "22007",
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }

    /// 22008 `date/time field value out of range: "2024-02-30"`.
    pub fn datetime_field_overflow(input: &str) -> Self {
        Self::new(
            "22008",
            format!("date/time field value out of range: \"{input}\""),
        )
    }

    /// 22008 with an arbitrary message (`timestamp out of range`, ...).
    pub fn datetime_out_of_range(message: impl Into<String>) -> Self {
        Self::new("22008", message)
    }

    /// 42846 `cannot cast type boolean to date`.
    pub fn cannot_coerce(from: &str, to: &str) -> Self {
        Self::new("42846", format!("cannot cast type {from} to {to}"))
    }

    /// 42804 datatype_mismatch with an arbitrary message.
    pub fn datatype_mismatch(message: impl Into<String>) -> Self {
        Self::new("42804", message)
    }

    /// 42883 `operator does not exist: integer = boolean`.
    pub fn undefined_operator(left: &str, op: &str, right: &str) -> Self {
        Self::new(
            "42883",
            format!("operator does not exist: {left} {op} {right}"),
        )
        .with_hint(
            "No operator matches the given name and argument types. You might need to add explicit type casts.",
        )
    }

    /// 42704 `type "foo" does not exist`.
    pub fn undefined_type(name: &str) -> Self {
        Self::new("42704", format!("type \"{name}\" does not exist"))
    }

    /// 22023 invalid_parameter_value.
    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::new("22023", message)
    }

    /// 0A000 feature_not_supported.
    pub fn feature_not_supported(message: impl Into<String>) -> Self {
        Self::new("0A000", message)
    }

    /// 22P03 invalid_binary_representation.
    pub fn invalid_binary_representation(message: impl Into<String>) -> Self {
        Self::new("22P03", message)
    }

    /// 08P01 `insufficient data left in message`.
    pub fn insufficient_data() -> Self {
        Self::new("08P01", "insufficient data left in message")
    }

    /// 22021 invalid byte sequence for UTF8.
    pub fn character_not_in_repertoire(bytes: &[u8]) -> Self {
        let shown: Vec<String> = bytes.iter().take(2).map(|b| format!("0x{b:02x}")).collect();
        Self::new(
            "22021",
            format!(
                "invalid byte sequence for encoding \"UTF8\": {}",
                shown.join(" ")
            ),
        )
    }
}

impl From<crate::txn::TxnError> for SqlError {
    fn from(e: crate::txn::TxnError) -> Self {
        let mut out = SqlError::new(e.sqlstate(), e.to_string());
        if let Some(d) = e.detail() {
            out = out.with_detail(d);
        }
        if matches!(e, crate::txn::TxnError::SerializationFailure { .. }) {
            out = out.with_hint("The transaction might succeed if retried.");
        }
        out
    }
}
