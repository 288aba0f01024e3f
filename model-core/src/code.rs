//! Every problem code dimgen reports, in one enum with its documentation.
//!
//! The code is what a diagnostic prints (`dimgen::unknown_reference`) and what
//! a fixture in `tests/fixtures/invalid/<code>.toml` is named after; the
//! table in docs/model-format.md says the same in prose.

use std::fmt;

/// The stable code of a [`Problem`](crate::Problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Code {
    /// A malformed placeholder: `${` without `}`, or `${...}` around something that is not a variable name.
    BadPlaceholder,
    /// A bridge's `between` does not list exactly two dimensions, or lists the same dimension twice.
    BridgeArity,
    /// A mart's `through` names no bridge, a reference whose dimension the bridge does not join, `weighted` on a bridge without `weight`, `as_of` on a bridge that is not effective-dated or has no `current` flag, or an `as_of` column not on the timeline of the bridge's `from`/`to`.
    BridgeNotConnected,
    /// Two tables, or two columns of one table, differ only in case.
    CaseCollision,
    /// A column sets more than one of `references`, `measure`, `degenerate = true`; or a CSV file format sets `parse_header = true` with a `skip_header` of 1 or more.
    ConflictingKeys,
    /// A load both matches by column name and selects a projection, matches CSV by name without `parse_header = true`, maps a CSV column to something other than a position, leaves CSV positions implied (`projection = true`, or positions for some columns only), or projects a metadata column.
    CopyMappingConflict,
    /// A mart's derived measure declares no `measure` where its expression cannot tell (a product of two measures, a function), declares one looser than its parts (`additive` for a sum that includes a non-additive measure), or is semi-additive without a time reference in `over`.
    DerivedAdditivity,
    /// A table has two columns of the same name, counting the columns dimgen adds (surrogate key, bridge reference columns, `VALID_FROM`/`VALID_TO`/`IS_CURRENT`).
    DuplicateColumn,
    /// Two references of one table play the same role (add `role` to each).
    DuplicateRole,
    /// Two tables (of any kind) have the same name; two objects of the schema (tables, marts, file formats, stages, pipes, landing tables) share a name; two role declarations name one role in some environment after `${env}` substitution.
    DuplicateTable,
    /// The `database` or an environment's `schema` is empty.
    EmptyName,
    /// A generated date dimension (`generate`) without a smart integer key, with a `from` or `to` that is not a date or a `to` before its `from`, a column whose type cannot hold its part, a NOT NULL column no part fills, or a reference column.
    GeneratedDimension,
    /// Environments share one storage integration name but resolve `aws_role_arn` to different roles.
    IntegrationConflict,
    /// A value outside its choices: `scd` not 0, 1 or 2; `key_generation` not `identity`/`sequence`/`natural` (dimensions) or `identity`/`sequence` (facts); an unknown `fact_type` or `measure`.
    InvalidChoice,
    /// A column's `default` does not fit its type (a string for a number, an integer too long for its precision, a string longer than its VARCHAR), or sits on a column that takes none (a reference, which defaults to the unknown member; a `variant`, `object`, `array` or `binary`).
    InvalidDefault,
    /// A table or column name is empty, longer than 255 characters, or contains a control character; or any other name (the model's, an environment's, a variable's value, a role, warehouse, integration, stage or pipe) contains a control character. The Unicode line and paragraph separators (U+2028, U+2029) count as control characters here.
    InvalidName,
    /// A `pii` column is a natural key, a grain column or a reference: masking it would break the joins and loads that match on it.
    MaskedKey,
    /// A `pii` column's mask cannot take its type: `partial` on anything but text, `year` on anything but a date or timestamp.
    MaskType,
    /// A dynamic-table mart computes a value from a `pii` column (a SUM, an AVG, a product or ratio), or filters on one (`where`): a dynamic table stores what its owner reads, in clear, so no masking policy fits a computed value, and the rows a filter keeps reveal the masked values.
    MaskedComputation,
    /// A `pii` column is loaded, or stored by a dynamic-table mart, but no role unmasks its class: the load's task and the dynamic table's refresh read as their owner, and would store the mask instead of the value.
    NoUnmaskingRole,
    /// A `type` that is not a known spelling, or has invalid arguments (`number(39,0)`, `varchar(0)`, `boolean(1)`).
    InvalidType,
    /// A stage `url` is not a folder URL of its integration's provider (`s3://bucket/folder/`, `gcs://bucket/folder/`, `azure://account.blob.core.windows.net/container/folder/`), or an integration's `aws_role_arn` is not an IAM role ARN.
    InvalidUrl,
    /// A loaded fact has no `grain_columns`, or a loaded dimension no `natural_key`: its MERGE could not tell a reloaded row from a new one.
    LoadWithoutGrain,
    /// A mart's `where` or a derived measure's `expression` does not parse, uses something outside the documented subset (a subquery, another function, a cast), names an unknown column, mixes kinds (text in arithmetic, a number as a condition), or is longer than 200 tokens with the derived measures it uses.
    MartExpression,
    /// A mart selects nothing, aggregates and also groups by a measure in `columns`, names one output for `ROLE.*`, or derives a measure it never shows.
    MartShape,
    /// A mart attribute is not `ROLE.COLUMN`, its role is not a role of the fact (or of `through`), or the column is not in that dimension.
    MartUnknownAttribute,
    /// A mart's `fact` is not a fact of the model.
    MartUnknownFact,
    /// A mart's `sum`/`avg`/`min`/`max`/`ratio` names no measure of the fact, or `columns`/`count_distinct` no column.
    MartUnknownMeasure,
    /// A `factless` fact declares a measure.
    MeasureOnFactless,
    /// A key used where it does not apply: `scd` on a reference, measure or degenerate column, or on any fact or bridge column; `measure` or `degenerate` on a dimension or bridge column; `over` on a column that is not a measure; `target_lag`, `warehouse` or `refresh_mode` on a mart that is not a dynamic table; a file-format option on a type it does not apply to; `aws_sns_topic` without `auto_ingest = true`; `event_time` on a dimension load; `storage_integration` on an internal stage (one without `url`), or `auto_ingest = true` on a load from one; `max_unknown_percent` on a load of a table without references; `aws_role_arn` or `azure_tenant_id` on an integration of another provider; `notification_integration` on a load that does not auto-ingest from GCS or Azure, or `aws_sns_topic` on one from GCS or Azure.
    MisplacedKey,
    /// The model has no `database`, an environment has no `schema`, a stage has no `storage_integration`, or a table lacks a key it needs (a stage's `url`, a load's `warehouse`, a column's `name`, ...), an S3 integration has no `aws_role_arn` or an Azure one no `azure_tenant_id`, or a load auto-ingests from a GCS or Azure stage without `notification_integration`.
    MissingKey,
    /// A column that is not a reference has no `type`.
    MissingType,
    /// `key_generation = "natural"` with not exactly one natural-key column, with a `key` other than the natural key, with a key column that is not an integer type, or on a dimension that keeps SCD2 history.
    NaturalKeyGeneration,
    /// The model declares no environment.
    NoEnvironment,
    /// A mart sums a non-additive measure, or a `ratio` divides sums of measures that are not additive.
    NonAdditiveSum,
    /// A measure's type is not numeric.
    NonNumericMeasure,
    /// A bridge's `weight` column is not numeric.
    NonNumericWeight,
    /// `references` or `between` names a fact or a bridge.
    NotADimension,
    /// Two auto-ingest loads notify on overlapping folders of one S3 bucket
    /// (one folder inside the other, and file suffixes that do not tell them
    /// apart) in some environment: S3 refuses overlapping event notifications.
    OverlappingNotifications,
    /// Dimensions reference each other in a cycle (outriggers must form a hierarchy; a dimension referencing itself is allowed). The first cycle found is reported.
    ReferenceCycle,
    /// Roles inherit from each other in a cycle.
    RoleCycle,
    /// A column has `role` but no `references`.
    RoleWithoutReference,
    /// A dimension keeps SCD2 history but has no `natural_key`.
    Scd2WithoutNaturalKey,
    /// A mart sums a semi-additive measure without grouping by the key of its `over` time reference.
    SemiAdditiveOverTime,
    /// A stage holds credentials (`credentials`, `aws_key_id`, `aws_secret_key`, `aws_token`, ...) instead of reading through a storage integration. The value of every credential-named key, anywhere in the file (sub-tables such as `[stage.credentials]`, dotted and quoted keys, inline tables, multi-line strings), is blanked out of every diagnostic before anything is printed, even when a syntax error or a duplicate key stops the parse.
    StageCredentials,
    /// A declared role is named like a Snowflake system role (`SYSADMIN`, ...).
    SystemRole,
    /// A value has the wrong TOML type for its key (e.g. `scd = "2"`, a number in `vars`).
    TomlStructure,
    /// The file is not valid TOML.
    TomlSyntax,
    /// A reference column declares a `type` (it takes the referenced key's type).
    TypeOnReference,
    /// A role's `parent` is neither a declared role nor a system role.
    UndeclaredRole,
    /// A `${name}` is not defined in one or more environments (every variable must be defined in every environment; `env` is predefined).
    UndefinedVariable,
    /// `natural_key`, `grain_columns`, `cluster_by`, or a bridge's `weight`, `group`, `effective.from`/`to`/`current` names a column the table does not have.
    UnknownColumn,
    /// A grant's `objects` names no table or mart of the model.
    UnknownGrantObject,
    /// A key that the section does not accept (the help lists the valid keys and suggests the closest).
    UnknownKey,
    /// A load's `table` is not a dimension or fact (or is a bridge), or a load's or stage's `stage`, `file_format` or `storage_integration` is not declared.
    UnknownLoadTarget,
    /// A dimension with an unknown member has a NOT NULL `variant`, `object`, `array` or `binary` column, for which the unknown member has no value.
    UnknownMemberValue,
    /// `references` or `between` names something that is not a table of the model (the help suggests a close dimension name).
    UnknownReference,
}

impl Code {
    /// Every code, in alphabetical order of its text.
    pub const ALL: &'static [Code] = &[
        Code::BadPlaceholder,
        Code::BridgeArity,
        Code::BridgeNotConnected,
        Code::CaseCollision,
        Code::ConflictingKeys,
        Code::CopyMappingConflict,
        Code::DerivedAdditivity,
        Code::DuplicateColumn,
        Code::DuplicateRole,
        Code::DuplicateTable,
        Code::EmptyName,
        Code::GeneratedDimension,
        Code::IntegrationConflict,
        Code::InvalidChoice,
        Code::InvalidDefault,
        Code::InvalidName,
        Code::InvalidType,
        Code::InvalidUrl,
        Code::LoadWithoutGrain,
        Code::MartExpression,
        Code::MartShape,
        Code::MartUnknownAttribute,
        Code::MartUnknownFact,
        Code::MartUnknownMeasure,
        Code::MaskType,
        Code::MaskedComputation,
        Code::MaskedKey,
        Code::MeasureOnFactless,
        Code::MisplacedKey,
        Code::MissingKey,
        Code::MissingType,
        Code::NaturalKeyGeneration,
        Code::NoEnvironment,
        Code::NoUnmaskingRole,
        Code::NonAdditiveSum,
        Code::NonNumericMeasure,
        Code::NonNumericWeight,
        Code::NotADimension,
        Code::OverlappingNotifications,
        Code::ReferenceCycle,
        Code::RoleCycle,
        Code::RoleWithoutReference,
        Code::Scd2WithoutNaturalKey,
        Code::SemiAdditiveOverTime,
        Code::StageCredentials,
        Code::SystemRole,
        Code::TomlStructure,
        Code::TomlSyntax,
        Code::TypeOnReference,
        Code::UndeclaredRole,
        Code::UndefinedVariable,
        Code::UnknownColumn,
        Code::UnknownGrantObject,
        Code::UnknownKey,
        Code::UnknownLoadTarget,
        Code::UnknownMemberValue,
        Code::UnknownReference,
    ];

    /// The code as printed, e.g. `dimgen::unknown_reference`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::BadPlaceholder => "dimgen::bad_placeholder",
            Code::BridgeArity => "dimgen::bridge_arity",
            Code::BridgeNotConnected => "dimgen::bridge_not_connected",
            Code::CaseCollision => "dimgen::case_collision",
            Code::ConflictingKeys => "dimgen::conflicting_keys",
            Code::CopyMappingConflict => "dimgen::copy_mapping_conflict",
            Code::DerivedAdditivity => "dimgen::derived_additivity",
            Code::DuplicateColumn => "dimgen::duplicate_column",
            Code::DuplicateRole => "dimgen::duplicate_role",
            Code::DuplicateTable => "dimgen::duplicate_table",
            Code::EmptyName => "dimgen::empty_name",
            Code::GeneratedDimension => "dimgen::generated_dimension",
            Code::IntegrationConflict => "dimgen::integration_conflict",
            Code::InvalidChoice => "dimgen::invalid_choice",
            Code::InvalidName => "dimgen::invalid_name",
            Code::InvalidType => "dimgen::invalid_type",
            Code::InvalidDefault => "dimgen::invalid_default",
            Code::MaskType => "dimgen::mask_type",
            Code::MaskedComputation => "dimgen::masked_computation",
            Code::MaskedKey => "dimgen::masked_key",
            Code::NoUnmaskingRole => "dimgen::no_unmasking_role",
            Code::InvalidUrl => "dimgen::invalid_url",
            Code::LoadWithoutGrain => "dimgen::load_without_grain",
            Code::MartExpression => "dimgen::mart_expression",
            Code::MartShape => "dimgen::mart_shape",
            Code::MartUnknownAttribute => "dimgen::mart_unknown_attribute",
            Code::MartUnknownFact => "dimgen::mart_unknown_fact",
            Code::MartUnknownMeasure => "dimgen::mart_unknown_measure",
            Code::MeasureOnFactless => "dimgen::measure_on_factless",
            Code::MisplacedKey => "dimgen::misplaced_key",
            Code::MissingKey => "dimgen::missing_key",
            Code::MissingType => "dimgen::missing_type",
            Code::NaturalKeyGeneration => "dimgen::natural_key_generation",
            Code::NoEnvironment => "dimgen::no_environment",
            Code::NonAdditiveSum => "dimgen::non_additive_sum",
            Code::NonNumericMeasure => "dimgen::non_numeric_measure",
            Code::NonNumericWeight => "dimgen::non_numeric_weight",
            Code::NotADimension => "dimgen::not_a_dimension",
            Code::OverlappingNotifications => "dimgen::overlapping_notifications",
            Code::ReferenceCycle => "dimgen::reference_cycle",
            Code::RoleCycle => "dimgen::role_cycle",
            Code::RoleWithoutReference => "dimgen::role_without_reference",
            Code::Scd2WithoutNaturalKey => "dimgen::scd2_without_natural_key",
            Code::SemiAdditiveOverTime => "dimgen::semi_additive_over_time",
            Code::StageCredentials => "dimgen::stage_credentials",
            Code::SystemRole => "dimgen::system_role",
            Code::TomlStructure => "dimgen::toml_structure",
            Code::TomlSyntax => "dimgen::toml_syntax",
            Code::TypeOnReference => "dimgen::type_on_reference",
            Code::UndeclaredRole => "dimgen::undeclared_role",
            Code::UndefinedVariable => "dimgen::undefined_variable",
            Code::UnknownColumn => "dimgen::unknown_column",
            Code::UnknownGrantObject => "dimgen::unknown_grant_object",
            Code::UnknownKey => "dimgen::unknown_key",
            Code::UnknownLoadTarget => "dimgen::unknown_load_target",
            Code::UnknownMemberValue => "dimgen::unknown_member_value",
            Code::UnknownReference => "dimgen::unknown_reference",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_and_documented() {
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(texts.windows(2).all(|w| w[0] < w[1]), "{texts:?}");
        let docs = include_str!("../../docs/model-format.md");
        for code in texts {
            assert!(
                docs.contains(&format!("| `{code}`")),
                "{code} is not in docs/model-format.md"
            );
        }
    }
}
