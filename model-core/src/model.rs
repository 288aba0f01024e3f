//! The dimensional model: what a warehouse is made of, in Kimball's terms.
//!
//! These types are the one in-memory form of a model, whichever door it came
//! in by (a TOML file today, derive macros later). They carry no source
//! positions, so two models declared differently compare equal when they mean
//! the same; positions live in a [`SourceMap`](crate::SourceMap) beside them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

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
    /// Named file formats.
    pub file_formats: Vec<FileFormat>,
    /// Storage integrations the stages read through.
    pub storage_integrations: Vec<StorageIntegration>,
    /// External stages.
    pub stages: Vec<Stage>,
    /// Loads of dimensions and facts from the stages.
    pub loads: Vec<Load>,
    /// Where each dimension and fact sits, for lookups by name (a cache:
    /// write `Lookup::default()`; it never takes part in comparisons).
    #[doc(hidden)]
    pub lookup: Lookup,
}

/// Where each dimension and fact sits in its list, built on the first
/// lookup by name. A model is a plain value with public fields, so the cache
/// may go stale when one is changed afterwards: every hit is checked against
/// the name and a miss falls back to a scan, so a stale cache costs time,
/// never a wrong answer. (A validated model that carries its indexes is the
/// plan: docs/architecture.md.)
#[derive(Default)]
pub struct Lookup {
    dimensions: OnceLock<FxHashMap<String, usize>>,
    facts: OnceLock<FxHashMap<String, usize>>,
}

impl Lookup {
    fn position<T>(
        index: &OnceLock<FxHashMap<String, usize>>,
        items: &[T],
        name_of: impl Fn(&T) -> &str,
        name: &str,
    ) -> Option<usize> {
        let map = index.get_or_init(|| {
            let mut map = FxHashMap::with_capacity_and_hasher(items.len(), rustc_hash::FxBuildHasher);
            for (i, item) in items.iter().enumerate() {
                // The first of two equal names, as a scan would find it.
                map.entry(name_of(item).to_owned()).or_insert(i);
            }
            map
        });
        match map.get(name) {
            Some(&i) if items.get(i).is_some_and(|item| name_of(item) == name) => Some(i),
            _ => items.iter().position(|item| name_of(item) == name),
        }
    }
}

impl Clone for Lookup {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for Lookup {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Lookup {}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookup")
    }
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

/// The class of personal data a column holds (`pii = "name"`); the words
/// are [`model_vocab::PII_CLASSES`], in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiClass {
    /// A person's name.
    Name,
    /// A contact value: phone or fax number, e-mail address, URL.
    Contact,
    /// A date of an individual (birth, death, admission), which reveals
    /// more than its year.
    Date,
    /// A location smaller than a state: street address, city, ZIP code.
    Location,
    /// An identifying number: medical record, account, licence, device.
    Identifier,
    /// Any other personal data (`pii = true`).
    Other,
}

impl PiiClass {
    /// Every class, in the order of [`model_vocab::PII_CLASSES`].
    pub const ALL: [Self; 6] = [
        Self::Name,
        Self::Contact,
        Self::Date,
        Self::Location,
        Self::Identifier,
        Self::Other,
    ];

    /// The spelling used in models (and the value of the `PII` tag).
    pub fn as_str(self) -> &'static str {
        model_vocab::PII_CLASSES[self as usize]
    }

    /// The class a word names, if any.
    pub fn from_word(word: &str) -> Option<Self> {
        model_vocab::PII_CLASSES
            .iter()
            .position(|w| *w == word)
            .map(|i| Self::ALL[i])
    }

    /// How its values are masked when the model says nothing: contact
    /// values keep their last four characters, dates their year, the rest
    /// is redacted.
    pub fn default_mask(self) -> Mask {
        match self {
            Self::Contact => Mask::Partial,
            Self::Date => Mask::Year,
            Self::Name | Self::Location | Self::Identifier | Self::Other => Mask::Redact,
        }
    }
}

/// What a column of personal data holds and how it is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pii {
    /// What it is (`pii = "name"`).
    pub class: PiiClass,
    /// How roles that may not unmask the class read it (`mask = ...`,
    /// default [`PiiClass::default_mask`]).
    pub mask: Mask,
}

impl Pii {
    /// A class with its default mask.
    pub fn new(class: PiiClass) -> Self {
        Self {
            class,
            mask: class.default_mask(),
        }
    }
}

/// How a masked value reads for a role that may not see it; the words are
/// [`model_vocab::MASKS`], in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mask {
    /// Text reads `'***'`; any other type NULL.
    Redact,
    /// Text keeps its last four characters, the others read `*`.
    Partial,
    /// A date or timestamp reads the first day of its year.
    Year,
    /// NULL.
    Null,
}

impl Mask {
    /// Every mask, in the order of [`model_vocab::MASKS`].
    pub const ALL: [Self; 4] = [Self::Redact, Self::Partial, Self::Year, Self::Null];

    /// The spelling used in models.
    pub fn as_str(self) -> &'static str {
        model_vocab::MASKS[self as usize]
    }

    /// The mask a word names, if any.
    pub fn from_word(word: &str) -> Option<Self> {
        model_vocab::MASKS.iter().position(|w| *w == word).map(|i| Self::ALL[i])
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
    /// The personal data it holds, if any: the column is tagged with its
    /// class and masked for every role that may not unmask that class.
    pub pii: Option<Pii>,
    /// The name this column had in the schema as deployed: `dimgen plan`
    /// renames it instead of dropping one column and adding another.
    pub renamed_from: Option<String>,
    /// A constant: the column's `DEFAULT`, and the value a migration gives
    /// the rows already there when it adds the column (a new NOT NULL column
    /// needs one).
    pub default: Option<DefaultValue>,
}

/// A constant a column declares as its `default`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    /// An integer.
    Int(i64),
    /// A number with a fraction, as its decimal digits (`-12.5`).
    Decimal(String),
    /// `true` / `false`.
    Bool(bool),
    /// A string (also a date or timestamp, which Snowflake casts).
    Text(String),
}

impl std::fmt::Display for DefaultValue {
    /// As a TOML value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Decimal(d) => f.write_str(d),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Text(t) => write!(f, "{t:?}"),
        }
    }
}

impl Column {
    /// Nullability when none is declared: references are NOT NULL (a
    /// missing dimension row is the unknown member, key -1); everything else
    /// is nullable. (`Option<T>` fields decide it in Rust declarations.)
    pub fn default_nullable(kind: &ColumnKind) -> bool {
        model_vocab::nullable(false, None, None, matches!(kind, ColumnKind::Reference { .. })).unwrap_or(true)
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
    /// The name this table had in the schema as deployed: `dimgen plan`
    /// renames it instead of dropping one table and creating another.
    pub renamed_from: Option<String>,
    /// A date dimension dimgen fills itself, one row per day of a range.
    pub generate: Option<Calendar>,
}

/// A generated date dimension: one row per day from `from` to `to`, every
/// column filled from the day by its [`DatePart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD` (inclusive).
    pub to: String,
    /// The month the fiscal year starts in (1–12; 1 when the fiscal year is
    /// the calendar year). A fiscal year is named after the calendar year it
    /// ends in: with 7, July 2024 – June 2025 is fiscal 2025.
    pub fiscal_year_start: u8,
    /// Columns whose part is declared; any other column takes the part its
    /// name spells (`YEAR`, `MONTH_NAME`, ...), the smart key is `yyyymmdd`.
    pub columns: Vec<(String, DatePart)>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, or `None` when it is not
/// one (month 1–12, a day the month has, leap years counted).
pub fn civil_day(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[usize::try_from(m - 1).ok()?] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

impl Calendar {
    /// How many days the range holds (`to` included), or `None` when a
    /// bound is not a date or `to` is before `from`.
    pub fn day_count(&self) -> Option<u32> {
        let (from, to) = (civil_day(&self.from)?, civil_day(&self.to)?);
        u32::try_from(to - from + 1).ok().filter(|n| *n > 0)
    }

    /// The months the fiscal year is ahead of the calendar: 0 when it is
    /// the calendar year, 6 when it starts in July.
    pub fn fiscal_offset(&self) -> u8 {
        (13 - self.fiscal_year_start.clamp(1, 12)) % 12
    }

    /// The part column `column` of `dimension` is filled with: declared, the
    /// one its name spells, or, for the smart key, `date_key`.
    pub fn part_in(&self, dimension: &Dimension, column: &str) -> Option<DatePart> {
        self.part_of(column).or_else(|| {
            (dimension.natural_key.first().map(String::as_str) == Some(column)).then_some(DatePart::DateKey)
        })
    }

    /// The part a column of the dimension is filled with: declared, or the
    /// one its name spells (case-insensitive).
    pub fn part_of(&self, column: &str) -> Option<DatePart> {
        self.columns
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, p)| *p)
            .or_else(|| {
                DatePart::ALL
                    .into_iter()
                    .find(|p| p.as_str().eq_ignore_ascii_case(column))
            })
    }
}

/// The names of the months, January first, as a generated date dimension
/// spells them (`month_name`; `month_short` is their first three letters).
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The names of the ISO weekdays, Monday first (`day_name`; `day_short` is
/// their first three letters).
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// What a column of a generated date dimension holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePart {
    /// The day itself (DATE).
    FullDate,
    /// `yyyymmdd` (the smart key's value).
    DateKey,
    /// Calendar year.
    Year,
    /// 1–4.
    Quarter,
    /// 1–12.
    Month,
    /// 1–31.
    DayOfMonth,
    /// 1–366.
    DayOfYear,
    /// ISO day of the week: 1 = Monday … 7 = Sunday.
    DayOfWeek,
    /// ISO week of the year, 1–53.
    WeekOfYear,
    /// The ISO week's year (the year a 30 December may belong to the next one of).
    YearOfWeek,
    /// `yyyymm`.
    YearMonth,
    /// `January` … `December`.
    MonthName,
    /// `Jan` … `Dec`.
    MonthShort,
    /// `Monday` … `Sunday`.
    DayName,
    /// `Mon` … `Sun`.
    DayShort,
    /// `Q1` … `Q4`.
    QuarterName,
    /// `Jan2024`: the short month name and the year.
    YearMonthName,
    /// Saturday or Sunday.
    IsWeekend,
    /// Monday to Friday.
    IsWeekday,
    /// The last day of its month.
    IsMonthEnd,
    /// The Monday of its ISO week (DATE).
    WeekStart,
    /// The first day of its month (DATE).
    MonthStart,
    /// The last day of its month (DATE).
    MonthEnd,
    /// The fiscal year, named after the calendar year it ends in.
    FiscalYear,
    /// 1–4 within the fiscal year.
    FiscalQuarter,
    /// 1–12 within the fiscal year.
    FiscalMonth,
}

/// The kind of value a [`DatePart`] gives, to check a column can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePartKind {
    /// An integer.
    Number,
    /// Text of at most this many characters.
    Text(u32),
    /// A boolean.
    Boolean,
    /// A DATE.
    Date,
}

impl DatePart {
    /// Every part, in the order of the docs.
    pub const ALL: [Self; 26] = [
        Self::FullDate,
        Self::DateKey,
        Self::Year,
        Self::Quarter,
        Self::Month,
        Self::DayOfMonth,
        Self::DayOfYear,
        Self::DayOfWeek,
        Self::WeekOfYear,
        Self::YearOfWeek,
        Self::YearMonth,
        Self::MonthName,
        Self::MonthShort,
        Self::DayName,
        Self::DayShort,
        Self::QuarterName,
        Self::YearMonthName,
        Self::IsWeekend,
        Self::IsWeekday,
        Self::IsMonthEnd,
        Self::WeekStart,
        Self::MonthStart,
        Self::MonthEnd,
        Self::FiscalYear,
        Self::FiscalQuarter,
        Self::FiscalMonth,
    ];

    /// The spelling used in TOML models (and the column name it is inferred from).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullDate => "full_date",
            Self::DateKey => "date_key",
            Self::Year => "year",
            Self::Quarter => "quarter",
            Self::Month => "month",
            Self::DayOfMonth => "day_of_month",
            Self::DayOfYear => "day_of_year",
            Self::DayOfWeek => "day_of_week",
            Self::WeekOfYear => "week_of_year",
            Self::YearOfWeek => "year_of_week",
            Self::YearMonth => "year_month",
            Self::MonthName => "month_name",
            Self::MonthShort => "month_short",
            Self::DayName => "day_name",
            Self::DayShort => "day_short",
            Self::QuarterName => "quarter_name",
            Self::YearMonthName => "year_month_name",
            Self::IsWeekend => "is_weekend",
            Self::IsWeekday => "is_weekday",
            Self::IsMonthEnd => "is_month_end",
            Self::WeekStart => "week_start",
            Self::MonthStart => "month_start",
            Self::MonthEnd => "month_end",
            Self::FiscalYear => "fiscal_year",
            Self::FiscalQuarter => "fiscal_quarter",
            Self::FiscalMonth => "fiscal_month",
        }
    }

    /// What kind of value it gives.
    pub fn kind(self) -> DatePartKind {
        match self {
            Self::FullDate | Self::WeekStart | Self::MonthStart | Self::MonthEnd => DatePartKind::Date,
            Self::MonthName | Self::DayName => DatePartKind::Text(9),
            Self::MonthShort | Self::DayShort => DatePartKind::Text(3),
            Self::QuarterName => DatePartKind::Text(2),
            Self::YearMonthName => DatePartKind::Text(7),
            Self::IsWeekend | Self::IsWeekday | Self::IsMonthEnd => DatePartKind::Boolean,
            _ => DatePartKind::Number,
        }
    }
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
    /// The name this table had in the schema as deployed: `dimgen plan`
    /// renames it instead of dropping one table and creating another.
    pub renamed_from: Option<String>,
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
    /// The name this table had in the schema as deployed: `dimgen plan`
    /// renames it instead of dropping one table and creating another.
    pub renamed_from: Option<String>,
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

    /// A declared column by name.
    pub fn column(self, name: &str) -> Option<&'m Column> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// Clustering key.
    pub fn renamed_from(self) -> Option<&'m str> {
        match self {
            Self::Dimension(d) => d.renamed_from.as_deref(),
            Self::Fact(f) => f.renamed_from.as_deref(),
            Self::Bridge(b) => b.renamed_from.as_deref(),
        }
    }

    /// Clustering key columns.
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
    /// A file format.
    FileFormat,
    /// A storage integration.
    StorageIntegration,
    /// A stage.
    Stage,
    /// A load (pipe, landing table, stream, task).
    Load,
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
            Self::FileFormat => "file_format",
            Self::StorageIntegration => "storage_integration",
            Self::Stage => "stage",
            Self::Load => "load",
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
        self.dimension_index(name).map(|i| &self.dimensions[i])
    }

    /// Where the dimension of that exact name sits in `dimensions`.
    pub fn dimension_index(&self, name: &str) -> Option<usize> {
        Lookup::position(&self.lookup.dimensions, &self.dimensions, |d| d.name.as_str(), name)
    }

    /// A fact by exact name.
    pub fn fact(&self, name: &str) -> Option<&Fact> {
        self.fact_index(name).map(|i| &self.facts[i])
    }

    /// Where the fact of that exact name sits in `facts`.
    pub fn fact_index(&self, name: &str) -> Option<usize> {
        Lookup::position(&self.lookup.facts, &self.facts, |f| f.name.as_str(), name)
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
    /// Dimension attributes as `ROLE.ATTRIBUTE` (output column `ROLE_ATTRIBUTE`
    /// unless named) or `ROLE.*`; the grouping columns of an aggregate.
    pub attributes: Vec<MartAttribute>,
    /// Fact columns (and derived measures) passed through row by row in a
    /// star mart; in an aggregate, the fact's non-measure columns (degenerate
    /// dimensions, plain attributes) it groups by.
    pub columns: Vec<String>,
    /// Aggregated columns; empty for a star mart.
    pub aggregates: Vec<Aggregate>,
    /// Row-level measures computed from the fact's columns, usable by name
    /// in `columns` and the aggregates.
    pub derived: Vec<DerivedMeasure>,
    /// Which fact rows the mart keeps (`where`): a condition over the fact's
    /// columns and `ROLE.ATTRIBUTE`s.
    pub filter: Option<String>,
    /// A bridge to a many-valued dimension.
    pub through: Option<Through>,
}

/// A dimension attribute a mart shows (and, in an aggregate, groups by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MartAttribute {
    /// `ROLE.COLUMN`, or `ROLE.*` for every declared column of the dimension.
    pub path: String,
    /// The output column's name; `ROLE_COLUMN` when absent.
    pub name: Option<String>,
}

impl From<&str> for MartAttribute {
    fn from(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            name: None,
        }
    }
}

/// A row-level measure a mart computes from the fact's columns, e.g.
/// `PROFIT = REVENUE - SUPPLY_COST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedMeasure {
    /// Its name, used in the mart's `columns`, `sum`, `avg`, ... and as the output column.
    pub name: String,
    /// The expression, in the documented subset of Snowflake SQL
    /// (docs/marts.md): the fact's columns, `ROLE.ATTRIBUTE`, literals,
    /// arithmetic, comparisons, CASE and a short list of functions.
    pub expression: String,
    /// How it may be aggregated. When absent it is inferred: a sum or
    /// difference of additive measures is additive; a product of two
    /// measures must be declared.
    pub additivity: Option<Additivity>,
    /// For a semi-additive measure: the fact's time reference it is never summed across.
    pub over: Option<String>,
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
    /// The classes of personal data it reads in clear (and so does every
    /// role it is granted to); every other role reads them masked.
    pub unmask: Vec<PiiClass>,
}

/// Snowflake's system roles, valid as parents without being declared.
pub const SYSTEM_ROLES: &[&str] = &["ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "PUBLIC"];

/// The kind of staged files a file format reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Delimited text.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// JSON (one document per line, or an outer array with `strip_outer_array`).
    Json,
}

impl FileType {
    /// Every type, in the order of their TOML spellings.
    pub const ALL: [Self; 3] = [Self::Csv, Self::Parquet, Self::Json];

    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Json => "json",
        }
    }
}

/// A named file format (`CREATE FILE FORMAT`). Options left `None` keep
/// Snowflake's defaults; the CSV-only and JSON-only ones are refused on other
/// types by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFormat {
    /// Format name, in the model's schema.
    pub name: String,
    /// What it is for.
    pub comment: Option<String>,
    /// CSV, Parquet or JSON.
    pub file_type: FileType,
    /// `COMPRESSION`, e.g. `AUTO`, `GZIP`, `SNAPPY`, `NONE`.
    pub compression: Option<String>,
    /// CSV: `FIELD_DELIMITER`.
    pub field_delimiter: Option<String>,
    /// CSV: `RECORD_DELIMITER`.
    pub record_delimiter: Option<String>,
    /// CSV: `SKIP_HEADER` (lines).
    pub skip_header: Option<u32>,
    /// CSV: `PARSE_HEADER` (column names from the first line; needed for
    /// `MATCH_BY_COLUMN_NAME` on CSV).
    pub parse_header: Option<bool>,
    /// CSV: `FIELD_OPTIONALLY_ENCLOSED_BY`.
    pub field_optionally_enclosed_by: Option<String>,
    /// CSV and JSON: `NULL_IF` markers.
    pub null_if: Option<Vec<String>>,
    /// CSV: `EMPTY_FIELD_AS_NULL`.
    pub empty_field_as_null: Option<bool>,
    /// CSV and JSON: `TRIM_SPACE`.
    pub trim_space: Option<bool>,
    /// CSV and JSON: `DATE_FORMAT`.
    pub date_format: Option<String>,
    /// CSV and JSON: `TIMESTAMP_FORMAT`.
    pub timestamp_format: Option<String>,
    /// JSON: `STRIP_OUTER_ARRAY`.
    pub strip_outer_array: Option<bool>,
}

impl FileFormat {
    /// A format of `file_type` with every option at Snowflake's default.
    pub fn new(name: &str, file_type: FileType) -> Self {
        Self {
            name: name.to_owned(),
            comment: None,
            file_type,
            compression: None,
            field_delimiter: None,
            record_delimiter: None,
            skip_header: None,
            parse_header: None,
            field_optionally_enclosed_by: None,
            null_if: None,
            empty_field_as_null: None,
            trim_space: None,
            date_format: None,
            timestamp_format: None,
            strip_outer_array: None,
        }
    }
}

/// A storage integration the stages read through. It is created by an
/// account administrator; dimgen writes that DDL to a separate file, with the
/// allowed locations derived from the stages that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageIntegration {
    /// Integration name (account-wide; may carry `${env}`).
    pub name: String,
    /// What it is for.
    pub comment: Option<String>,
    /// The cloud the buckets are in.
    pub provider: StorageProvider,
    /// S3: `STORAGE_AWS_ROLE_ARN`, usually a `${variable}` per environment
    /// (empty for GCS and Azure).
    pub aws_role_arn: String,
    /// Azure: `AZURE_TENANT_ID`, the Active Directory tenant of the storage accounts.
    pub azure_tenant_id: Option<String>,
    /// Roles given USAGE on the integration (those that create the stages).
    pub usage: Vec<String>,
}

/// The cloud storage a storage integration reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StorageProvider {
    /// Amazon S3 (`s3://bucket/path/`), through an IAM role.
    #[default]
    S3,
    /// Google Cloud Storage (`gcs://bucket/path/`), through Snowflake's service account.
    Gcs,
    /// Azure Blob Storage and Data Lake Storage Gen2
    /// (`azure://account.blob.core.windows.net/container/path/`), through a tenant's consent.
    Azure,
}

impl StorageProvider {
    /// Every provider, in the order of their TOML spellings.
    pub const ALL: [Self; 3] = [Self::S3, Self::Gcs, Self::Azure];

    /// The spelling used in TOML models (`s3`, `gcs`, `azure`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S3 => "s3",
            Self::Gcs => "gcs",
            Self::Azure => "azure",
        }
    }

    /// The scheme of its URLs (`s3://`, `gcs://`, `azure://`).
    pub fn scheme(self) -> &'static str {
        match self {
            Self::S3 => "s3://",
            Self::Gcs => "gcs://",
            Self::Azure => "azure://",
        }
    }
}

/// An external stage on S3 (`CREATE STAGE IF NOT EXISTS`: recreating a stage
/// silently stops the pipes that read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Stage name (may carry `${env}`, e.g. `${env}_CLAIMS_STAGE`).
    pub name: String,
    /// What it is for.
    pub comment: Option<String>,
    /// `s3://bucket/path/` (may carry `${bucket}`-style variables) for an
    /// external stage; `None` for an internal stage (files arrive by `PUT`).
    pub url: Option<String>,
    /// The storage integration an external stage reads through (never
    /// credentials); empty for an internal stage.
    pub storage_integration: String,
    /// The file format of its files.
    pub file_format: String,
}

/// How a COPY maps staged fields to landing columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyMapping {
    /// `MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE` (or `CASE_SENSITIVE`).
    MatchByColumnName {
        /// Match names case-sensitively.
        case_sensitive: bool,
    },
    /// An explicit column list with a projection from the staged file:
    /// `$1:"FIELD"::TYPE` for Parquet and JSON, positional `$n` for CSV.
    /// `fields` overrides the source of some landing columns (a field name
    /// or path for Parquet/JSON, a 1-based position for CSV).
    Projection {
        /// Landing column → source field.
        fields: BTreeMap<String, String>,
    },
}

/// File metadata a COPY can record in the landing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileMetadata {
    /// `_FILE_NAME` ← `METADATA$FILENAME`.
    FileName,
    /// `_FILE_ROW_NUMBER` ← `METADATA$FILE_ROW_NUMBER`.
    FileRowNumber,
    /// `_LOADED_AT` ← `METADATA$START_SCAN_TIME`.
    LoadTime,
}

impl FileMetadata {
    /// Every kind, in the order of their TOML spellings.
    pub const ALL: [Self; 3] = [Self::FileName, Self::FileRowNumber, Self::LoadTime];

    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FileName => "file_name",
            Self::FileRowNumber => "file_row_number",
            Self::LoadTime => "load_time",
        }
    }

    /// The landing column that records it.
    pub fn column(self) -> &'static str {
        match self {
            Self::FileName => "_FILE_NAME",
            Self::FileRowNumber => "_FILE_ROW_NUMBER",
            Self::LoadTime => "_LOADED_AT",
        }
    }
}

/// A COPY's `ON_ERROR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnError {
    /// Load the good rows, skip the bad ones.
    Continue,
    /// Skip a file with any error (Snowpipe's default).
    SkipFile,
    /// Fail the whole load.
    AbortStatement,
}

impl OnError {
    /// Every choice, in the order of their TOML spellings.
    pub const ALL: [Self; 3] = [Self::Continue, Self::SkipFile, Self::AbortStatement];

    /// The spelling used in TOML models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::SkipFile => "skip_file",
            Self::AbortStatement => "abort_statement",
        }
    }
}

/// How files reach a dimension or fact: a pipe copies them from a stage into
/// a landing table; a stream on the landing table and a task run the MERGE
/// that maintains the table (SCD0/1/2 for dimensions, surrogate-key lookups
/// for facts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// The dimension or fact loaded.
    pub table: String,
    /// The stage its files arrive on.
    pub stage: String,
    /// Folder below the stage URL (e.g. `claims/`), or empty.
    pub path: String,
    /// Pipe name (may carry `${env}`); default `<TABLE>_PIPE`.
    pub pipe: String,
    /// Landing table name; default `<TABLE>_LANDING`.
    pub landing: String,
    /// File format, if not the stage's.
    pub file_format: Option<String>,
    /// How staged fields map to landing columns.
    pub mapping: CopyMapping,
    /// The names the files give their fields, where they differ from
    /// dimgen's landing names: landing column (or a reference column whose
    /// dimension has a one-column natural key) → the field's name, exactly
    /// as the files spell it. The landing column takes that name, so
    /// matching by column name, a derived projection and a CSV header all
    /// find the field.
    pub fields: BTreeMap<String, String>,
    /// File metadata recorded in the landing table.
    pub metadata: Vec<FileMetadata>,
    /// `AUTO_INGEST = TRUE` (S3 event notifications) or FALSE (Snowpipe REST API).
    pub auto_ingest: bool,
    /// `AWS_SNS_TOPIC` for auto-ingest through SNS.
    pub aws_sns_topic: Option<String>,
    /// GCS and Azure auto-ingest: the notification integration (a Pub/Sub
    /// subscription or a storage queue) the pipe listens to, `INTEGRATION = '...'`.
    pub notification_integration: Option<String>,
    /// `ERROR_INTEGRATION` notified of load errors.
    pub error_integration: Option<String>,
    /// `PATTERN`, a regular expression on file paths.
    pub pattern: Option<String>,
    /// `ON_ERROR`.
    pub on_error: Option<OnError>,
    /// Warehouse that runs the MERGE task.
    pub warehouse: String,
    /// Task `SCHEDULE` (e.g. `5 MINUTES`); without it the task is triggered
    /// by new rows on the stream.
    pub schedule: Option<String>,
    /// Facts: the column whose date picks the SCD2 version of each
    /// dimension (a date/timestamp, or a reference to a date dimension with
    /// `yyyymmdd` keys); without it the current version is used.
    pub event_time: Option<String>,
    /// The task refuses a batch (raises, merging nothing; the rows stay on
    /// the stream) when more than this percentage of its rows would get the
    /// unknown member of one reference.
    pub max_unknown_percent: Option<u8>,
}

impl Load {
    /// A load of `table` from `stage` with every default: pipe
    /// `<TABLE>_PIPE`, landing table `<TABLE>_LANDING`, REST-triggered,
    /// mapping by column name, task triggered by the stream.
    pub fn new(table: &str, stage: &str, warehouse: &str) -> Self {
        Self {
            table: table.to_owned(),
            stage: stage.to_owned(),
            path: String::new(),
            pipe: default_pipe(table),
            landing: default_landing(table),
            file_format: None,
            mapping: CopyMapping::MatchByColumnName { case_sensitive: false },
            fields: BTreeMap::new(),
            metadata: Vec::new(),
            auto_ingest: false,
            aws_sns_topic: None,
            notification_integration: None,
            error_integration: None,
            pattern: None,
            on_error: None,
            warehouse: warehouse.to_owned(),
            schedule: None,
            event_time: None,
            max_unknown_percent: None,
        }
    }
}

pub use crate::naming::{default_landing, default_pipe};
