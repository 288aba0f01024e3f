//! The physical columns of each table: the declared ones plus what the model
//! implies (surrogate key, bridge references, SCD2 housekeeping), in the order
//! they are created. Validation checks these names; codegen emits them.

use crate::model::{Column, ColumnKind, KeyGeneration, Model, TableKind, TableRef, scd2};
use crate::types::DataType;

/// Why a physical column exists.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// The table's generated surrogate key.
    SurrogateKey(KeyGeneration),
    /// A declared column (index into the table's `columns`).
    Declared(usize),
    /// A bridge's reference to one of the dimensions it joins (index into `dimensions`).
    BridgeEnd(usize),
    /// SCD2 start of validity.
    ValidFrom,
    /// SCD2 end of validity.
    ValidTo,
    /// SCD2 current-version flag.
    IsCurrent,
}

/// One column as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalColumn {
    /// Column name.
    pub name: String,
    /// Snowflake type.
    pub sql_type: DataType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Column comment.
    pub comment: Option<String>,
    /// The dimension this column references, if it is a foreign key.
    pub references: Option<String>,
    /// Why it exists.
    pub origin: Origin,
}

impl Model {
    /// The type of a dimension's key as seen by the columns that reference it.
    /// Unknown dimensions and unresolvable smart keys fall back to `NUMBER(38,0)`
    /// (validation reports them).
    pub fn key_type(&self, dimension: &str) -> DataType {
        // A natural key may itself reference another dimension's key: follow
        // the chain (a loop, not recursion: chains can be thousands long),
        // at most once around every dimension in case of a cycle.
        let mut dimension = dimension;
        for _ in 0..=self.dimensions.len() {
            let Some(dim) = self.dimension(dimension) else {
                return DataType::INTEGER;
            };
            if dim.key_generation != KeyGeneration::Natural {
                return DataType::INTEGER;
            }
            match dim.column(&dim.key).map(|c| &c.kind) {
                Some(ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type }) => return *sql_type,
                Some(ColumnKind::Reference { dimension: next, .. }) => dimension = next,
                _ => return DataType::INTEGER,
            }
        }
        DataType::INTEGER
    }

    /// The columns of a table in creation order.
    pub fn physical_columns(&self, table: TableRef<'_>) -> Vec<PhysicalColumn> {
        let mut out = Vec::new();
        let key = |name: &str, generation: KeyGeneration, comment: String| PhysicalColumn {
            name: name.to_owned(),
            sql_type: DataType::INTEGER,
            nullable: false,
            comment: Some(comment),
            references: None,
            origin: Origin::SurrogateKey(generation),
        };
        match table {
            TableRef::Dimension(d) if d.key_generation != KeyGeneration::Natural => {
                let unknown = if d.unknown_member {
                    "; -1 is the unknown member"
                } else {
                    ""
                };
                out.push(key(
                    &d.key,
                    d.key_generation,
                    format!("Surrogate key of {}{unknown}.", d.name),
                ));
            }
            TableRef::Fact(f) => out.push(key(&f.key, f.key_generation, format!("Surrogate key of {}.", f.name))),
            TableRef::Bridge(b) => {
                for (i, dim) in b.dimensions.iter().enumerate() {
                    let name = self
                        .dimension(dim)
                        .map_or_else(|| crate::naming::default_key(dim, "DIM_"), |d| d.key.clone());
                    out.push(PhysicalColumn {
                        name,
                        sql_type: self.key_type(dim),
                        nullable: false,
                        comment: Some(format!("Reference to {dim}.")),
                        references: Some(dim.clone()),
                        origin: Origin::BridgeEnd(i),
                    });
                }
            }
            TableRef::Dimension(_) => {}
        }
        for (i, column) in table.columns().iter().enumerate() {
            out.push(self.declared(table, i, column));
        }
        if let TableRef::Dimension(d) = table
            && d.keeps_history()
        {
            out.extend(scd2_columns());
        }
        out
    }

    fn declared(&self, table: TableRef<'_>, index: usize, column: &Column) -> PhysicalColumn {
        let (sql_type, references) = match &column.kind {
            ColumnKind::Reference { dimension, .. } => (self.key_type(dimension), Some(dimension.clone())),
            ColumnKind::Attribute { sql_type, .. }
            | ColumnKind::Measure { sql_type, .. }
            | ColumnKind::Degenerate { sql_type } => (*sql_type, None),
        };
        // The natural key of a dimension and the grain of a fact identify rows: never NULL.
        let in_natural_key = match table {
            TableRef::Dimension(d) => d.natural_key.contains(&column.name),
            TableRef::Fact(f) => f.grain.columns.contains(&column.name),
            TableRef::Bridge(_) => false,
        };
        PhysicalColumn {
            name: column.name.clone(),
            sql_type,
            nullable: column.nullable && !in_natural_key,
            comment: column.comment.clone(),
            references,
            origin: Origin::Declared(index),
        }
    }
}

fn scd2_columns() -> [PhysicalColumn; 3] {
    let col = |name: &str, sql_type: DataType, comment: &str, origin: Origin| PhysicalColumn {
        name: name.to_owned(),
        sql_type,
        nullable: false,
        comment: Some(comment.to_owned()),
        references: None,
        origin,
    };
    [
        col(
            scd2::VALID_FROM,
            DataType::TimestampNtz,
            "SCD2: this version is valid from (inclusive).",
            Origin::ValidFrom,
        ),
        col(
            scd2::VALID_TO,
            DataType::TimestampNtz,
            "SCD2: valid until (exclusive); 9999-12-31 while current.",
            Origin::ValidTo,
        ),
        col(
            scd2::IS_CURRENT,
            DataType::Boolean,
            "SCD2: TRUE on the current version of the natural key.",
            Origin::IsCurrent,
        ),
    ]
}

/// The physical columns of each dimension, fact and bridge, by index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layouts {
    pub dimensions: Vec<Vec<PhysicalColumn>>,
    pub facts: Vec<Vec<PhysicalColumn>>,
    pub bridges: Vec<Vec<PhysicalColumn>>,
}

impl Layouts {
    /// Every table's layout.
    pub fn of(model: &Model) -> Self {
        Self {
            dimensions: model
                .dimensions
                .iter()
                .map(|d| model.physical_columns(TableRef::Dimension(d)))
                .collect(),
            facts: model
                .facts
                .iter()
                .map(|f| model.physical_columns(TableRef::Fact(f)))
                .collect(),
            bridges: model
                .bridges
                .iter()
                .map(|b| model.physical_columns(TableRef::Bridge(b)))
                .collect(),
        }
    }

    /// The layout of the `index`-th dimension, fact or bridge.
    pub fn get(&self, kind: TableKind, index: usize) -> &[PhysicalColumn] {
        match kind {
            TableKind::Dimension => &self.dimensions[index],
            TableKind::Fact => &self.facts[index],
            _ => &self.bridges[index],
        }
    }
}

/// A table's layout: the one validation computed, or computed now.
pub(crate) fn layout_of<'a>(
    model: &'a Model,
    layouts: Option<&'a Layouts>,
    kind: TableKind,
    index: usize,
) -> std::borrow::Cow<'a, [PhysicalColumn]> {
    if let Some(l) = layouts {
        return std::borrow::Cow::Borrowed(l.get(kind, index));
    }
    let table = match kind {
        TableKind::Dimension => TableRef::Dimension(&model.dimensions[index]),
        TableKind::Fact => TableRef::Fact(&model.facts[index]),
        _ => TableRef::Bridge(&model.bridges[index]),
    };
    std::borrow::Cow::Owned(model.physical_columns(table))
}
