//! The dimensional model behind dimgen: facts, dimensions and bridges with
//! their Kimball semantics (grain, additivity, SCD types, role-playing,
//! outriggers, bridges), loaded from TOML with diagnostics that point at the
//! line, and validated by one set of rules.
//!
//! ```
//! let text = r#"
//! name = "shop"
//! database = "SHOP"
//! [environments.PROD]
//! schema = "PROD"
//! [[dimension]]
//! name = "DIM_PRODUCT"
//! natural_key = "SKU"
//! columns = [{ name = "SKU", type = "string" }]
//! [[fact]]
//! name = "FACT_SALES"
//! columns = [
//!   { name = "PRODUCT_KEY", references = "DIM_PRODUCT" },
//!   { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
//! ]
//! "#;
//! let loaded = model_core::load_str("shop.toml", text).unwrap();
//! assert_eq!(loaded.model.facts[0].columns.len(), 2);
//!
//! // A broken model reports every problem with its line and column.
//! let broken = text.replace("references = \"DIM_PRODUCT\"", "references = \"DIM_PRODUCTS\"");
//! let err = model_core::load_str("shop.toml", &broken).unwrap_err();
//! let shown = err.diagnostics.render(80);
//! assert!(shown.contains("DIM_PRODUCTS"));
//! assert!(shown.contains("shop.toml:13:"));
//! ```

mod code;
mod declare;
mod diagnostic;
mod document;
pub mod evolve;
mod export;
pub mod expression;
pub mod ingest;
pub mod interpolate;
mod layout;
mod load;
pub mod lower;
pub mod marts;
pub mod masking;
pub mod model;
pub mod naming;
mod redact;
mod types;
mod validate;
mod validated;

pub use code::Code;
pub use declare::{__private, Bridge, Dimension, Fact, Key, ModelBuilder, Numeric, SqlType, Table, TableDef};
pub use diagnostic::{Diagnostics, Label, Loc, Problem, RustTable, SourceMap, TableId};
#[doc(hidden)]
pub use document::agrees_with_toml;
pub use export::to_toml;
pub use layout::{Origin, PhysicalColumn};
pub use load::{
    BRIDGE_KEYS, COLUMN_KEYS, DIMENSION_KEYS, EFFECTIVE_KEYS, ENVIRONMENT_KEYS, FACT_KEYS, LoadError, Loaded,
    MODEL_KEYS, load_str, load_string,
};
pub use model::{
    Additivity, Column, ColumnKind, DefaultValue, EffectiveDating, Environment, FactType, Grain, KeyGeneration, Model,
    ScdType, TableKind, TableRef, scd2,
};
pub use naming::{default_key, default_role};
pub use types::{DataType, TYPE_SPELLINGS, TypeError};
pub use validate::{MAX_IDENTIFIER_LEN, validate};
pub use validated::{Rejected, Validated};

#[cfg(feature = "derive")]
pub use model_derive::{Bridge, Dimension, Fact};
