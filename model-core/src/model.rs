//! The dimensional model: what a warehouse is made of, in Kimball's terms.
//!
//! These types are the one in-memory form of a model, whichever door it came
//! in by (a TOML file today, derive macros later). They carry no source
//! positions, so two models declared differently compare equal when they mean
//! the same; positions live in a [`SourceMap`](crate::SourceMap) beside them.

use std::collections::BTreeMap;

use crate::types::DataType;

/// A complete dimensional model plus the deployment settings it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Short name of the model, used in generated file headers.
    pub name: String,
    /// Snowflake database the model deploys into (may contain `${var}`).
    pub database: String,
    /// What the model is for.
    pub comment: Option<String>,
    /// Deployment environments, ordered by name.
    pub environments: Vec<Environment>,
    /// Dimensions in declaration order.
    pub dimensions: Vec<Dimension>,
    /// Facts in declaration order.
    pub facts: Vec<Fact>,
    /// Bridges in declaration order.
    pub bridges: Vec<Bridge>,
    /// Data marts in declaration order.
    pub marts: Vec<Mart>,
    /// Access roles in declaration order.
    pub roles: Vec<Role>,
}

/// One deployment target (e.g. `DEV`, `STAGE`, `PROD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Environment name as given on the command line (`--env`).
    pub name: String,
    /// Schema the model's tables live in for this environment (may contain `${var}`).
    pub schema: String,
    /// Variables substituted into `${name}` placeholders. `env` is predefined.
    pub vars: BTreeMap<String, String>,
}

/// How a dimension's surrogate key gets its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyGeneration {
    /// A sequence `<TABLE>_SEQ` (`START WITH 1 INCREMENT BY 1 ORDER`) as the column default.
    Sequence,
    /// `IDENTITY(1, 1) ORDER` on the column.
    Identity,
    /// A smart key supplied by the loader (e.g. a date key `yyyymmdd`): the
    /// natural key is the key; no separate surrogate column.
    Natural,
}

/// Slowly changing dimension type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ScdType {
    /// Type 0: the original value is kept forever.
    Fixed,
    /// Type 1: changes overwrite the value.
    Overwrite,
    /// Type 2: changes add a new row version (valid-from, valid-to, is-current).
    History,
}

impl ScdType {
    /// The Kimball number of this type (0, 1 or 2).
    pub fn number(self) -> u8 {
        match self {
            Self::Fixed => 0,
            Self::Overwrite => 1,
            Self::History => 2,
        }
    }

    /// The type for a Kimball number, if it is one dimgen supports.
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            0 => Some(Self::Fixed),
            1 => Some(Self::Overwrite),
            2 => Some(Self::History),
            _ => None,
        }
    }
}

/// How a measure may be aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Additivity {
    /// Can be summed across every dimension (amounts, counts).
    Additive,
    /// Can be summed across every dimension except time (balances, inventory levels).
    SemiAdditive,
    /// Cannot be summed at all (ratios, unit prices, lab values).
    NonAdditive,
}

impl Additivity {
    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Additive => "additive",
            Self::SemiAdditive => "semi_additive",
            Self::NonAdditive => "non_additive",
        }
    }
}

/// Kimball's fact table types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FactType {
    /// One row per business event.
    Transaction,
    /// One row per entity per period.
    PeriodicSnapshot,
    /// One row per process instance, updated as milestones pass.
    AccumulatingSnapshot,
    /// Records that an event happened; no measures.
    Factless,
}

impl FactType {
    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transaction => "transaction",
            Self::PeriodicSnapshot => "periodic_snapshot",
            Self::AccumulatingSnapshot => "accumulating_snapshot",
            Self::Factless => "factless",
        }
    }
}

/// A column declared by the user, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// What the column is in the model.
    pub kind: ColumnKind,
    /// Whether the column accepts NULL. Natural-key and grain columns are
    /// NOT NULL whatever this says. See [`Column::default_nullable`].
    pub nullable: bool,
    /// What the column holds.
    pub comment: Option<String>,
    /// Personally identifiable information (used by masking and grants later).
    pub pii: bool,
}

impl Column {
    /// Nullability when none is declared: references are NOT NULL (a
    /// missing dimension row is the unknown member, key -1); everything else
    /// is nullable. (`Option<T>` fields decide it in Rust declarations.)
    pub fn default_nullable(kind: &ColumnKind) -> bool {
        !matches!(kind, ColumnKind::Reference { .. })
    }

    /// The column's declared type, if it has one (references take their
    /// dimension key's type).
    pub fn declared_type(&self) -> Option<&DataType> {
        match &self.kind {
            ColumnKind::Attribute { sql_type, .. }
            | ColumnKind::Measure { sql_type, .. }
            | ColumnKind::Degenerate { sql_type } => Some(sql_type),
            ColumnKind::Reference { .. } => None,
        }
    }
}

/// The role a column plays.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// A descriptive attribute. In a dimension, `scd` overrides the
    /// dimension's SCD type for this attribute.
    Attribute {
        /// Snowflake type.
        sql_type: DataType,
        /// Per-attribute SCD type (dimensions only).
        scd: Option<ScdType>,
    },
    /// A foreign key to a dimension's key (an outrigger when it sits in a dimension).
    Reference {
        /// Name of the referenced dimension.
        dimension: String,
        /// Role name for role-playing references (e.g. `SERVICE_DATE`).
        role: Option<String>,
    },
    /// A numeric fact with its additivity.
    Measure {
        /// Snowflake type (numeric).
        sql_type: DataType,
        /// How it may be aggregated.
        additivity: Additivity,
        /// For a semi-additive measure: the reference column of its time
        /// dimension, across which it is never summed.
        over: Option<String>,
    },
    /// A degenerate dimension: a business key kept on the fact (e.g. a claim number).
    Degenerate {
        /// Snowflake type.
        sql_type: DataType,
    },
}

/// A dimension table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    /// Table name.
    pub name: String,
    /// What one row records.
    pub comment: Option<String>,
    /// SCD type of attributes that do not set their own.
    pub scd: ScdType,
    /// Surrogate key column name (the natural key column when generation is `Natural`).
    pub key: String,
    /// How the key is generated.
    pub key_generation: KeyGeneration,
    /// Business key columns.
    pub natural_key: Vec<String>,
    /// Whether to insert the unknown member (key -1).
    pub unknown_member: bool,
    /// Declared columns.
    pub columns: Vec<Column>,
    /// Clustering key columns.
    pub cluster_by: Vec<String>,
}

impl Dimension {
    /// The SCD type in effect for a column of this dimension.
    pub fn scd_of(&self, column: &Column) -> ScdType {
        match column.kind {
            ColumnKind::Attribute { scd: Some(scd), .. } => scd,
            _ => self.scd,
        }
    }

    /// Whether the table keeps history (any column outside the natural key
    /// is type 2), which adds the valid-from / valid-to / is-current columns.
    pub fn keeps_history(&self) -> bool {
        self.columns
            .iter()
            .filter(|c| !self.natural_key.contains(&c.name))
            .any(|c| self.scd_of(c) == ScdType::History)
    }

    /// A declared column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Names of the SCD2 housekeeping columns dimgen adds to history-keeping dimensions.
pub mod scd2 {
    /// Start of the version's validity (inclusive).
    pub const VALID_FROM: &str = "VALID_FROM";
    /// End of the version's validity (exclusive); `9999-12-31` while current.
    pub const VALID_TO: &str = "VALID_TO";
    /// TRUE on the current version of each natural key.
    pub const IS_CURRENT: &str = "IS_CURRENT";
}

/// The grain of a fact: what one row means.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grain {
    /// In words, e.g. "one row per claim line".
    pub description: Option<String>,
    /// Columns that identify a row at this grain (emitted as a UNIQUE constraint).
    pub columns: Vec<String>,
}

/// A fact table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// Table name.
    pub name: String,
    /// What one row records.
    pub comment: Option<String>,
    /// Kimball fact type.
    pub fact_type: FactType,
    /// What one row means.
    pub grain: Grain,
    /// Surrogate key column (a sequence-backed row id).
    pub key: String,
    /// How the key is generated (`Sequence` or `Identity`).
    pub key_generation: KeyGeneration,
    /// References, degenerate dimensions, measures and other columns.
    pub columns: Vec<Column>,
    /// Clustering key columns.
    pub cluster_by: Vec<String>,
}

/// Effective dating of a bridge: which columns bound each row's validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveDating {
    /// Column where validity starts (part of the bridge's unique key).
    pub from: String,
    /// Column where validity ends.
    pub to: String,
    /// Optional flag column marking current rows.
    pub current: Option<String>,
}

/// A bridge table resolving a many-to-many relationship between two dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    /// Table name.
    pub name: String,
    /// What one row records.
    pub comment: Option<String>,
    /// The dimensions it joins; a valid bridge has exactly two, each adding a
    /// reference column named after that dimension's key.
    pub dimensions: Vec<String>,
    /// Weighting factor column (weights sum to 1 per group), if allocated.
    pub weight: Option<String>,
    /// Group key column, if the bridge groups rows (e.g. a care team).
    pub group: Option<String>,
    /// Effective dating, if rows are valid for a period.
    pub effective: Option<EffectiveDating>,
    /// Further columns.
    pub columns: Vec<Column>,
    /// Clustering key columns.
    pub cluster_by: Vec<String>,
}

/// A table of any kind, for code that treats them alike.
#[derive(Debug, Clone, Copy)]
pub enum TableRef<'m> {
    /// A dimension.
    Dimension(&'m Dimension),
    /// A fact.
    Fact(&'m Fact),
    /// A bridge.
    Bridge(&'m Bridge),
}

impl<'m> TableRef<'m> {
    /// Table name.
    pub fn name(self) -> &'m str {
        match self {
            Self::Dimension(d) => &d.name,
            Self::Fact(f) => &f.name,
            Self::Bridge(b) => &b.name,
        }
    }

    /// Declared columns.
    pub fn columns(self) -> &'m [Column] {
        match self {
            Self::Dimension(d) => &d.columns,
            Self::Fact(f) => &f.columns,
            Self::Bridge(b) => &b.columns,
        }
    }

    /// Clustering key.
    pub fn cluster_by(self) -> &'m [String] {
        match self {
            Self::Dimension(d) => &d.cluster_by,
            Self::Fact(f) => &f.cluster_by,
            Self::Bridge(b) => &b.cluster_by,
        }
    }

    /// Table comment.
    pub fn comment(self) -> Option<&'m str> {
        match self {
            Self::Dimension(d) => d.comment.as_deref(),
            Self::Fact(f) => f.comment.as_deref(),
            Self::Bridge(b) => b.comment.as_deref(),
        }
    }

    /// `dimension`, `fact` or `bridge`.
    pub fn kind(self) -> TableKind {
        match self {
            Self::Dimension(_) => TableKind::Dimension,
            Self::Fact(_) => TableKind::Fact,
            Self::Bridge(_) => TableKind::Bridge,
        }
    }
}

/// The three kinds of table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    /// A dimension.
    Dimension,
    /// A fact.
    Fact,
    /// A bridge.
    Bridge,
    /// A data mart (not a table of the model, but located the same way).
    Mart,
    /// An access role.
    Role,
}

impl TableKind {
    /// Lower-case name, as in the TOML section (`[[dimension]]`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dimension => "dimension",
            Self::Fact => "fact",
            Self::Bridge => "bridge",
            Self::Mart => "mart",
            Self::Role => "role",
        }
    }
}

impl Model {
    /// Every table: dimensions, then facts, then bridges, each in declaration order.
    pub fn tables(&self) -> impl Iterator<Item = TableRef<'_>> {
        self.dimensions
            .iter()
            .map(TableRef::Dimension)
            .chain(self.facts.iter().map(TableRef::Fact))
            .chain(self.bridges.iter().map(TableRef::Bridge))
    }

    /// A dimension by exact name.
    pub fn dimension(&self, name: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.name == name)
    }

    /// An environment by name (exact match).
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }
}

/// How a mart is materialized.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MartKind {
    /// `CREATE OR REPLACE VIEW ... COPY GRANTS` (a view holds no data; grants survive).
    View,
    /// A secure view: definition hidden from consumers, no optimizer shortcuts through it.
    SecureView,
    /// A dynamic table kept fresh by Snowflake.
    DynamicTable {
        /// `TARGET_LAG`, e.g. `5 minutes` or `DOWNSTREAM`.
        target_lag: String,
        /// `REFRESH_MODE`.
        refresh_mode: RefreshMode,
        /// Warehouse that refreshes it.
        warehouse: String,
    },
}

/// A dynamic table's `REFRESH_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RefreshMode {
    /// Snowflake picks incremental when the query allows it, else full.
    #[default]
    Auto,
    /// Recompute the whole result on every refresh.
    Full,
    /// Apply only the changes (fails to create when the query does not allow it).
    Incremental,
}

impl RefreshMode {
    /// Every mode, in the order of their TOML spellings.
    pub const ALL: [Self; 3] = [Self::Auto, Self::Full, Self::Incremental];

    /// The spelling used in TOML models (`auto`, `full`, `incremental`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Full => "full",
            Self::Incremental => "incremental",
        }
    }

    /// The Snowflake keyword (`AUTO`, `FULL`, `INCREMENTAL`).
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Auto => "AUTO",
            Self::Full => "FULL",
            Self::Incremental => "INCREMENTAL",
        }
    }
}

/// An aggregated column of an aggregate mart.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Aggregate {
    /// `SUM(measure)`, named after the measure (additive, or semi-additive grouped by its time key).
    Sum(String),
    /// `AVG(measure)`, named `<MEASURE>_AVG`.
    Avg(String),
    /// `MIN(measure)`, named `<MEASURE>_MIN`.
    Min(String),
    /// `MAX(measure)`, named `<MEASURE>_MAX`.
    Max(String),
    /// `COUNT(*)`: fact rows (or allocated rows through an impact bridge).
    Count {
        /// Output column.
        name: String,
    },
    /// `COUNT(DISTINCT column)` of a fact column.
    CountDistinct {
        /// Output column.
        name: String,
        /// Fact column counted.
        column: String,
    },
    /// `SUM(numerator) / NULLIF(SUM(denominator), 0)` of two additive measures.
    Ratio {
        /// Output column.
        name: String,
        /// Additive measure summed above the line.
        numerator: String,
        /// Additive measure summed below the line.
        denominator: String,
    },
}

/// How a bridge spreads a fact over a many-valued dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Allocation {
    /// Measures multiplied by the bridge's weighting factor: totals equal the fact's.
    Weighted,
    /// Every bridge row gets the full fact: totals are larger (each member's impact).
    Impact,
}

/// Which bridge rows a fact row joins.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsOf {
    /// Rows flagged current (the bridge's `effective.current` column).
    Current,
    /// Rows valid at the fact's date: `from <= date < to`, with `date` this
    /// reference column of the fact (date keys compare in date order).
    FactDate(String),
    /// Every bridge row (the bridge is not effective-dated).
    All,
}

/// A fact reaching a many-valued dimension through a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Through {
    /// The bridge.
    pub bridge: String,
    /// The fact's reference column whose dimension is one side of the bridge.
    pub reference: String,
    /// Role name of the dimension reached (prefixes its attributes).
    pub role: String,
    /// Weighted or impact.
    pub allocation: Allocation,
    /// Which bridge rows apply.
    pub as_of: AsOf,
}

/// A data mart over one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mart {
    /// Object name.
    pub name: String,
    /// What it is for.
    pub comment: Option<String>,
    /// View, secure view or dynamic table.
    pub kind: MartKind,
    /// The fact it reads.
    pub fact: String,
    /// Dimension attributes as `ROLE.ATTRIBUTE` (output column `ROLE_ATTRIBUTE`);
    /// the grouping columns of an aggregate.
    pub attributes: Vec<String>,
    /// Fact columns passed through unaggregated (star marts).
    pub columns: Vec<String>,
    /// Aggregated columns; empty for a star mart.
    pub aggregates: Vec<Aggregate>,
    /// A bridge to a many-valued dimension.
    pub through: Option<Through>,
}

impl Mart {
    /// Whether the mart groups (has aggregates) rather than listing fact rows.
    pub fn is_aggregate(&self) -> bool {
        !self.aggregates.is_empty()
    }
}

/// A level of access that expands to a bundle of privileges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Access {
    /// USAGE on database and schema, SELECT on tables, views and dynamic tables.
    Read,
    /// Read plus INSERT, UPDATE, DELETE, TRUNCATE on tables.
    Write,
    /// Write plus CREATE TABLE / VIEW / DYNAMIC TABLE in the schema.
    Manage,
}

impl Access {
    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Manage => "manage",
        }
    }
}

/// What a grant covers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// Every table, view and dynamic table of the schema, existing and future.
    Schema,
    /// Every mart of the model.
    Marts,
    /// Named tables and marts.
    Objects(Vec<String>),
}

/// One grant of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Access level.
    pub access: Access,
    /// What it covers.
    pub scope: Scope,
}

/// An account role (names may carry `${env}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// What the role is for.
    pub comment: Option<String>,
    /// The role it is granted to (inherits it); default `SYSADMIN`.
    pub parent: String,
    /// Grants on the model's objects.
    pub grants: Vec<Grant>,
    /// Warehouses it may use.
    pub warehouses: Vec<String>,
}

/// Snowflake's system roles, valid as parents without being declared.
pub const SYSTEM_ROLES: &[&str] = &["ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "PUBLIC"];
