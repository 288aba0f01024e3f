//! Models declared in Rust: the traits the derives implement, typed
//! references, Rust-to-Snowflake type mapping, and the builder that turns
//! declared types plus deployment settings into a validated [`Model`].

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

use crate::diagnostic::{Diagnostics, RustTable, SourceMap, TableId};
use crate::load::{LoadError, load_str};
use crate::lower;
use crate::model::{Environment, Model, TableKind};
use crate::types::DataType;

/// A table declared in Rust; implemented by `#[derive(Dimension)]`,
/// `#[derive(Fact)]` and `#[derive(Bridge)]`.
pub trait Table {
    /// The table's name in Snowflake.
    const NAME: &'static str;
    /// The Rust type's name, for diagnostics.
    const RUST_NAME: &'static str;
    /// The table definition.
    fn definition() -> TableDef;
    /// The Rust field of each declared column, in column order (for diagnostics).
    fn fields() -> &'static [&'static str];
}

/// A dimension declared with `#[derive(Dimension)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dimension",
    label = "`Key<...>` must name a `#[derive(Dimension)]` type",
    note = "references point at dimensions; facts and bridges cannot be referenced"
)]
pub trait Dimension: Table {}

/// A fact declared with `#[derive(Fact)]`.
pub trait Fact: Table {}

/// A bridge declared with `#[derive(Bridge)]`.
pub trait Bridge: Table {}

/// A table declaration of any kind, as produced by a derive: what the
/// attributes say, lowered into the model by [`ModelBuilder`] with the
/// same rules as a TOML table ([`lower`](crate::lower)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableDef {
    /// A dimension.
    Dimension(lower::DimensionDecl),
    /// A fact.
    Fact(lower::FactDecl),
    /// A bridge.
    Bridge(lower::BridgeDecl),
}

/// A foreign key to dimension `D`: the field type of a reference in a fact,
/// bridge or (as an outrigger) dimension. `Option<Key<D>>` is a nullable
/// reference. The compiler refuses `Key<T>` when `T` is not a dimension.
pub struct Key<D: Dimension> {
    /// The surrogate key value (-1 is the unknown member).
    pub value: i64,
    dimension: PhantomData<fn() -> D>,
}

impl<D: Dimension> Key<D> {
    /// The unknown member's key.
    pub const UNKNOWN: i64 = -1;

    /// A key value.
    pub fn new(value: i64) -> Self {
        Self {
            value,
            dimension: PhantomData,
        }
    }
}

impl<D: Dimension> Clone for Key<D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D: Dimension> Copy for Key<D> {}

impl<D: Dimension> PartialEq for Key<D> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<D: Dimension> Eq for Key<D> {}

impl<D: Dimension> std::fmt::Debug for Key<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key<{}>({})", D::NAME, self.value)
    }
}

/// Maps a Rust type to a Snowflake type. Implement it for your own newtypes:
///
/// ```
/// struct Cents(i64);
/// impl model_core::SqlType for Cents {
///     fn data_type() -> model_core::DataType {
///         model_core::DataType::Number { precision: 20, scale: 0 }
///     }
/// }
/// assert_eq!(<Option<Cents> as model_core::SqlType>::NULLABLE, true);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no Snowflake type",
    label = "implement `model_core::SqlType` for it, or set `#[model(sql_type = \"...\")]`"
)]
pub trait SqlType {
    /// The Snowflake type of a column holding this Rust type.
    fn data_type() -> DataType;
    /// Whether the column accepts NULL (`Option<T>` does).
    const NULLABLE: bool = false;
}

/// Rust types that make sensible measures: numbers that can be summed or averaged.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not numeric, so it cannot be a measure",
    label = "a measure must be a number (integer, float, decimal)",
    note = "text belongs in an attribute or a degenerate dimension"
)]
pub trait Numeric: SqlType {}

macro_rules! sql_types {
    ($($ty:ty => $data:expr, numeric: $numeric:tt;)*) => {$(
        impl SqlType for $ty {
            fn data_type() -> DataType {
                $data
            }
        }
        sql_types!(@numeric $numeric $ty);
    )*};
    (@numeric true $ty:ty) => { impl Numeric for $ty {} };
    (@numeric false $ty:ty) => {};
}

sql_types! {
    i8 => DataType::INTEGER, numeric: true;
    i16 => DataType::INTEGER, numeric: true;
    i32 => DataType::INTEGER, numeric: true;
    i64 => DataType::INTEGER, numeric: true;
    i128 => DataType::INTEGER, numeric: true;
    u8 => DataType::INTEGER, numeric: true;
    u16 => DataType::INTEGER, numeric: true;
    u32 => DataType::INTEGER, numeric: true;
    u64 => DataType::INTEGER, numeric: true;
    f32 => DataType::Float, numeric: true;
    f64 => DataType::Float, numeric: true;
    bool => DataType::Boolean, numeric: false;
    String => DataType::Varchar(None), numeric: false;
    Vec<u8> => DataType::Binary, numeric: false;
}

impl SqlType for &str {
    fn data_type() -> DataType {
        DataType::Varchar(None)
    }
}

impl<T: SqlType> SqlType for Option<T> {
    fn data_type() -> DataType {
        T::data_type()
    }
    const NULLABLE: bool = true;
}

impl<T: Numeric> Numeric for Option<T> {}

impl<D: Dimension> SqlType for Key<D> {
    fn data_type() -> DataType {
        DataType::INTEGER
    }
}

#[cfg(feature = "chrono")]
sql_types! {
    chrono::NaiveDate => DataType::Date, numeric: false;
    chrono::NaiveTime => DataType::Time, numeric: false;
    chrono::NaiveDateTime => DataType::TimestampNtz, numeric: false;
    chrono::DateTime<chrono::Utc> => DataType::TimestampTz, numeric: false;
    chrono::DateTime<chrono::FixedOffset> => DataType::TimestampTz, numeric: false;
}

#[cfg(feature = "rust_decimal")]
sql_types! {
    // Snowflake's widest decimal; set `sql_type = "number(p,s)"` for the scale you store.
    rust_decimal::Decimal => DataType::Number { precision: 38, scale: 10 }, numeric: true;
}

#[cfg(feature = "serde_json")]
sql_types! {
    serde_json::Value => DataType::Variant, numeric: false;
}

/// Assembles a model from derived types and deployment settings, validated by
/// the same rules as TOML models.
///
/// ```
/// use model_core::{Dimension, Fact, Key, ModelBuilder};
///
/// #[derive(Dimension)]
/// #[model(name = "DIM_PRODUCT", comment = "One row per product.")]
/// struct Product {
///     #[model(natural_key)]
///     sku: String,
///     colour: Option<String>,
/// }
///
/// #[derive(Fact)]
/// #[model(name = "FACT_SALES", grain = "one row per sale")]
/// struct Sale {
///     product_key: Key<Product>,
///     #[model(measure = "additive", sql_type = "number(12,2)")]
///     amount: f64,
/// }
///
/// let model = ModelBuilder::new("shop", "SHOP")
///     .environment("PROD", "PROD")
///     .dimension::<Product>()
///     .fact::<Sale>()
///     .build()
///     .unwrap();
/// assert_eq!(model.facts[0].columns[0].name, "PRODUCT_KEY");
/// ```
#[derive(Debug, Clone)]
pub struct ModelBuilder {
    model: Model,
    origins: HashMap<TableId, RustTable>,
    /// What lowering the declarations found (the derives refuse most of it
    /// at compile time already).
    problems: Vec<crate::diagnostic::Problem>,
}

impl ModelBuilder {
    /// A model named `name` deploying into `database`.
    pub fn new(name: &str, database: &str) -> Self {
        Self {
            model: Model {
                name: name.to_owned(),
                database: database.to_owned(),
                comment: None,
                environments: Vec::new(),
                dimensions: Vec::new(),
                facts: Vec::new(),
                bridges: Vec::new(),
                marts: Vec::new(),
                roles: Vec::new(),
                file_formats: Vec::new(),
                storage_integrations: Vec::new(),
                stages: Vec::new(),
                loads: Vec::new(),
                lookup: crate::model::Lookup::default(),
            },
            origins: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// Take the deployment settings (name, database, comment, environments)
    /// from a TOML model file that declares no tables, e.g. `deploy.toml`.
    pub fn from_toml_deployment(file_name: &str, text: &str) -> Result<Self, LoadError> {
        let model = load_str(file_name, text)?.model.into_model();
        let mut builder = Self::new(&model.name, &model.database);
        builder.model.comment = model.comment;
        builder.model.environments = model.environments;
        Ok(builder)
    }

    /// Describe the model.
    #[must_use]
    pub fn comment(mut self, comment: &str) -> Self {
        self.model.comment = Some(comment.to_owned());
        self
    }

    /// Add an environment deploying into `schema`.
    #[must_use]
    pub fn environment(self, name: &str, schema: &str) -> Self {
        self.environment_with_vars(name, schema, &[])
    }

    /// Add an environment with `${name}` variables.
    #[must_use]
    pub fn environment_with_vars(mut self, name: &str, schema: &str, vars: &[(&str, &str)]) -> Self {
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        // One environment per name (a later call replaces an earlier one), kept
        // ordered by name as a TOML file gives them.
        self.model.environments.retain(|e| e.name != name);
        self.model.environments.push(Environment {
            name: name.to_owned(),
            schema: schema.to_owned(),
            vars,
        });
        self.model.environments.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    fn add<T: Table>(mut self) -> Self {
        let origin = RustTable {
            rust_name: T::RUST_NAME,
            fields: T::fields(),
        };
        let id = match T::definition() {
            TableDef::Dimension(d) => {
                let id = TableId {
                    kind: TableKind::Dimension,
                    index: self.model.dimensions.len(),
                };
                self.model.dimensions.push(lower::dimension(d, id, &mut self.problems));
                id
            }
            TableDef::Fact(f) => {
                let id = TableId {
                    kind: TableKind::Fact,
                    index: self.model.facts.len(),
                };
                self.model.facts.push(lower::fact(f, id, &mut self.problems));
                id
            }
            TableDef::Bridge(b) => {
                let id = TableId {
                    kind: TableKind::Bridge,
                    index: self.model.bridges.len(),
                };
                self.model.bridges.push(lower::bridge(b, id, &mut self.problems));
                id
            }
        };
        self.origins.insert(id, origin);
        self
    }

    /// Add a dimension.
    #[must_use]
    pub fn dimension<D: Dimension>(self) -> Self {
        self.add::<D>()
    }

    /// Add a fact.
    #[must_use]
    pub fn fact<F: Fact>(self) -> Self {
        self.add::<F>()
    }

    /// Add a bridge.
    #[must_use]
    pub fn bridge<B: Bridge>(self) -> Self {
        self.add::<B>()
    }

    /// Add a data mart (see [`Mart`](crate::model::Mart)).
    #[must_use]
    pub fn mart(mut self, mart: crate::model::Mart) -> Self {
        self.model.marts.push(mart);
        self
    }

    /// Add an access role (see [`Role`](crate::model::Role)).
    #[must_use]
    pub fn role(mut self, role: crate::model::Role) -> Self {
        self.model.roles.push(role);
        self
    }

    /// Add a named file format (see [`FileFormat`](crate::model::FileFormat)).
    #[must_use]
    pub fn file_format(mut self, format: crate::model::FileFormat) -> Self {
        self.model.file_formats.push(format);
        self
    }

    /// Add a storage integration (see [`StorageIntegration`](crate::model::StorageIntegration)).
    #[must_use]
    pub fn storage_integration(mut self, integration: crate::model::StorageIntegration) -> Self {
        self.model.storage_integrations.push(integration);
        self
    }

    /// Add an external stage (see [`Stage`](crate::model::Stage)).
    #[must_use]
    pub fn stage(mut self, stage: crate::model::Stage) -> Self {
        self.model.stages.push(stage);
        self
    }

    /// Add a load of a dimension or fact (see [`Load`](crate::model::Load)).
    #[must_use]
    pub fn load(mut self, load: crate::model::Load) -> Self {
        self.model.loads.push(load);
        self
    }

    /// Validate and return the model, or every problem found, each naming
    /// the Rust type and field it is about.
    pub fn build(self) -> Result<crate::Validated, Diagnostics> {
        let name = self.model.name.clone();
        let mut problems = self.problems;
        match crate::Validated::new(self.model) {
            Ok(validated) if problems.is_empty() => return Ok(validated),
            Ok(_) => {}
            Err(rejected) => problems.extend(rejected.problems),
        }
        let mut source = SourceMap::new(format!("Rust model `{name}`"), String::new());
        for (id, origin) in self.origins {
            source.insert_rust(id, origin);
        }
        Err(Diagnostics {
            problems,
            source: Box::new(source),
        })
    }
}

/// Support for generated code; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::{
        Additivity, Bridge, Column, ColumnKind, DefaultValue, Dimension, EffectiveDating, Fact, FactType, Grain,
        KeyGeneration, Mask, PiiClass, ScdType,
    };
    pub use crate::types::DataType;
    pub use std::option::Option::{self, None, Some};
    pub use std::string::String;
    pub use std::vec::Vec;

    /// `DataType::from_spelling` for a literal the derive already checked at compile time.
    pub const fn spelled(ty: Option<DataType>) -> DataType {
        match ty {
            Some(ty) => ty,
            None => panic!(
                "`sql_type` is not a Snowflake type dimgen knows; write one of: int, bigint, number(p,s), \
                 decimal(p,s), float, double, string, varchar(n), boolean, date, time, timestamp, timestamp_ntz, \
                 timestamp_ltz, timestamp_tz, variant, object, array, binary"
            ),
        }
    }

    /// A string.
    pub fn s(text: &str) -> String {
        text.to_owned()
    }

    /// The key column of dimension `D` (a bridge's reference column is named after it).
    pub fn key_of<D: super::Dimension>() -> String {
        match D::definition() {
            super::TableDef::Dimension(d) => crate::lower::dimension_key(
                &d.name,
                d.key.as_deref(),
                d.key_generation.unwrap_or(crate::lower::DEFAULT_KEY_GENERATION),
                &d.natural_key,
            ),
            // `D: Dimension` is only implemented by #[derive(Dimension)], which builds a dimension.
            _ => crate::naming::default_key(D::NAME, "DIM_"),
        }
    }

    /// Compile-time check that a `Key<D>` names a dimension (error at `D`).
    pub fn assert_dimension<D: super::Dimension>() {}

    /// Compile-time check that a measure's field type is numeric (error at the type).
    pub fn assert_numeric<T: super::Numeric>() {}
}
