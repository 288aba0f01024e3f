//! The names dimgen derives from the model's own: default surrogate keys,
//! the roles references play, and the objects dimgen creates beside the
//! tables (current views, sequences, pipes, landing tables, streams, tasks).
//! One place, used by the TOML loader, the derives' builder, layout,
//! planning, validation, export and codegen alike.

pub use model_vocab::{default_key, default_role};

use crate::types::DataType;

/// The tag that records the class of every column of personal data.
pub const PII_TAG: &str = "PII_CLASS";

/// The masking policy of one class, mask and column type:
/// `PII_NAME_REDACT_VARCHAR`, `PII_CONTACT_PARTIAL_VARCHAR_100`,
/// `PII_OTHER_NULL_NUMBER_38_0`.
pub fn masking_policy(class: &str, mask: &str, sql_type: DataType) -> String {
    let ty = match sql_type {
        DataType::Number { precision, scale } => format!("NUMBER_{precision}_{scale}"),
        DataType::Float => "FLOAT".into(),
        DataType::Varchar(None) => "VARCHAR".into(),
        DataType::Varchar(Some(n)) => format!("VARCHAR_{n}"),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Date => "DATE".into(),
        DataType::Time => "TIME".into(),
        DataType::TimestampNtz => "TIMESTAMP_NTZ".into(),
        DataType::TimestampLtz => "TIMESTAMP_LTZ".into(),
        DataType::TimestampTz => "TIMESTAMP_TZ".into(),
        DataType::Variant => "VARIANT".into(),
        DataType::Object => "OBJECT".into(),
        DataType::Array => "ARRAY".into(),
        DataType::Binary => "BINARY".into(),
    };
    format!("PII_{}_{}_{ty}", class.to_uppercase(), mask.to_uppercase())
}

/// The current-rows view of an SCD2 dimension: `DIM_PATIENT_CURRENT`.
pub fn current_view(dimension: &str) -> String {
    format!("{dimension}_CURRENT")
}

/// The sequence backing a table's key under `key_generation = "sequence"`.
pub fn sequence(table: &str) -> String {
    format!("{table}_SEQ")
}

/// The pipe of a load when none is named.
pub fn default_pipe(table: &str) -> String {
    format!("{table}_PIPE")
}

/// The landing table of a load when none is named.
pub fn default_landing(table: &str) -> String {
    format!("{table}_LANDING")
}

/// The stream on a landing table.
pub fn stream(landing: &str) -> String {
    format!("{landing}_STREAM")
}

/// The task that runs the MERGE of a table's load.
pub fn load_task(table: &str) -> String {
    format!("{table}_LOAD_TASK")
}

/// The column a migration fills while it rebuilds `column` with another
/// type: `AMOUNT__DIMGEN_REBUILD`.
pub fn rebuilt_column(column: &str) -> String {
    format!("{column}__DIMGEN_REBUILD")
}

/// A table's primary-key constraint: `PK_DIM_PATIENT`.
pub fn primary_key(table: &str) -> String {
    format!("PK_{table}")
}

/// A dimension's unique constraint on its natural key (with `VALID_FROM`
/// under SCD2): `UQ_DIM_PATIENT_NATURAL_KEY`.
pub fn natural_key_constraint(table: &str) -> String {
    format!("UQ_{table}_NATURAL_KEY")
}

/// A fact's unique constraint on its grain columns: `UQ_FACT_CLAIMS_GRAIN`.
pub fn grain_constraint(table: &str) -> String {
    format!("UQ_{table}_GRAIN")
}

/// A bridge's unique constraint on its two ends (and start of validity):
/// `UQ_BRIDGE_PROVIDER_TEAM`.
pub fn bridge_constraint(table: &str) -> String {
    format!("UQ_{table}")
}

/// The foreign key of a reference column: `FK_FACT_CLAIMS_PATIENT_KEY`.
pub fn foreign_key(table: &str, column: &str) -> String {
    format!("FK_{table}_{column}")
}

/// The view counting, per batch of a load, the rows whose references find
/// no member (`FACT_SALES` → `FACT_SALES_UNKNOWN_MEMBERS`).
pub fn unknown_members(table: &str) -> String {
    format!("{table}_UNKNOWN_MEMBERS")
}

/// The column of that view counting the unknown members of one reference.
pub fn unknown_count(reference: &str) -> String {
    format!("{reference}_UNKNOWN")
}

/// Longest identifier Snowflake accepts.
pub const MAX_IDENTIFIER_LEN: usize = 255;
