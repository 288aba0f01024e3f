//! Step 1 (database, schema, sequences) and step 2 (tables) of a deployment.

use model_core::model::Dimension;
use model_core::{
    DataType, DefaultValue, Environment, KeyGeneration, Origin, PhysicalColumn, TableRef, Validated, interpolate,
    naming,
};

use crate::writer::{ColumnDef, ColumnDefault, Constraint, CreateTable, ObjectName, Statement, Value};

/// Names resolved for one environment.
#[derive(Debug, Clone)]
pub struct Target<'m> {
    /// The validated model (its layouts and plans).
    pub model: &'m Validated,
    /// Database name with variables substituted.
    pub database: String,
    /// Schema name with variables substituted.
    pub schema: String,
    /// The environment.
    pub env: &'m Environment,
}

impl Target<'_> {
    /// `DATABASE.SCHEMA.object`.
    pub fn object(&self, name: &str) -> ObjectName {
        ObjectName::qualified(&self.database, &self.schema, name)
    }

    /// `text` with this environment's variables substituted. Validation has
    /// checked every placeholder; should one remain, the text is kept as is.
    pub fn text(&self, text: &str) -> String {
        interpolate::resolve(text, &self.env.name, &self.env.vars).unwrap_or_else(|_| text.to_owned())
    }

    /// A comment with variables substituted.
    pub fn comment(&self, text: Option<&str>) -> Option<String> {
        text.map(|t| self.text(t))
    }
}

/// Database, schema and sequences.
pub fn database(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = vec![
        Statement::CreateDatabase {
            name: target.database.clone(),
            comment: target.comment(model.comment.as_deref()),
        },
        Statement::CreateSchema {
            name: ObjectName(vec![target.database.clone(), target.schema.clone()]),
        },
    ];
    for table in model.tables() {
        let generation = match table {
            TableRef::Dimension(d) => d.key_generation,
            TableRef::Fact(f) => f.key_generation,
            TableRef::Bridge(_) => continue,
        };
        if generation == KeyGeneration::Sequence {
            out.push(Statement::CreateSequence {
                name: target.object(&naming::sequence(table.name())),
                comment: Some(format!("Surrogate key values of {}.", table.name())),
            });
        }
    }
    out
}

/// Every table in deployment order, each followed by its RELY statements and,
/// for dimensions, its unknown-member row.
pub fn tables(target: &Target<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    tables_each(target, &mut |statement| out.push(statement));
    out
}

/// [`tables`], each statement handed to `emit` as soon as it is built: the
/// tables are most of a deployment, and a writer that prints and drops each
/// statement never holds them all (`generate_into`).
pub(crate) fn tables_each(target: &Target<'_>, emit: &mut dyn FnMut(Statement)) {
    let model = target.model;
    for (table, columns) in model.tables_in_order() {
        let create = create_table(target, table, columns);
        // RELY where it is true: generated keys are unique, and a reference always
        // resolves when the referenced dimension has an unknown member to fall back on.
        let rely: Vec<Statement> = create
            .constraints
            .iter()
            .filter(|c| match c {
                Constraint::PrimaryKey { .. } => true,
                Constraint::ForeignKey { table, .. } => {
                    model.dimension(table.object()).is_some_and(|d| d.unknown_member)
                }
                Constraint::Unique { .. } => false,
            })
            .map(|c| Statement::RelyConstraint {
                table: create.name.clone(),
                constraint: c.name().to_owned(),
            })
            .collect();
        emit(Statement::CreateTable(create));
        rely.into_iter().for_each(&mut *emit);
        if let TableRef::Dimension(d) = table
            && d.unknown_member
        {
            emit(unknown_member(target, d, columns));
        }
        if let TableRef::Dimension(d) = table
            && let Some(fill) = calendar(target, d)
        {
            emit(fill);
        }
    }
}

/// The days of a generated date dimension (validation checked the key, the
/// range and every column's part).
pub(crate) fn calendar(target: &Target<'_>, d: &Dimension) -> Option<Statement> {
    let calendar = d.generate.as_ref()?;
    let key = d.natural_key.first()?;
    let columns = d
        .columns
        .iter()
        .filter_map(|c| Some((c.name.clone(), calendar.part_in(d, &c.name)?)))
        .collect();
    Some(Statement::FillCalendar {
        table: target.object(&d.name),
        key: key.clone(),
        columns,
        from: calendar.from.clone(),
        days: calendar.day_count()?,
        fiscal_offset: calendar.fiscal_offset(),
    })
}

/// The `CREATE TABLE` of `table` as laid out in `columns`.
pub(crate) fn create_table(target: &Target<'_>, table: TableRef<'_>, columns: &[PhysicalColumn]) -> CreateTable {
    let name = table.name();
    let defs = columns
        .iter()
        .map(|c| ColumnDef {
            name: c.name.clone(),
            sql_type: c.sql_type,
            nullable: c.nullable,
            default: match c.origin {
                Origin::SurrogateKey(KeyGeneration::Identity) => Some(ColumnDefault::Identity),
                Origin::SurrogateKey(KeyGeneration::Sequence) => {
                    Some(ColumnDefault::Sequence(target.object(&naming::sequence(name))))
                }
                Origin::Declared(i) => table.columns()[i]
                    .default
                    .as_ref()
                    .map(|d| ColumnDefault::Value(default_value(c.sql_type, d))),
                _ => None,
            },
            comment: target.comment(c.comment.as_deref()),
        })
        .collect();

    let mut constraints = Vec::new();
    let key = match table {
        TableRef::Dimension(d) => Some(d.key.clone()),
        TableRef::Fact(f) => Some(f.key.clone()),
        TableRef::Bridge(_) => None,
    };
    if let Some(key) = key {
        constraints.push(Constraint::PrimaryKey {
            name: naming::primary_key(name),
            columns: vec![key],
        });
    }
    match table {
        TableRef::Dimension(d) if !d.natural_key.is_empty() && d.key_generation != KeyGeneration::Natural => {
            let mut cols = d.natural_key.clone();
            if d.keeps_history() {
                cols.push(model_core::scd2::VALID_FROM.to_owned());
            }
            constraints.push(Constraint::Unique {
                name: naming::natural_key_constraint(name),
                columns: cols,
            });
        }
        TableRef::Fact(f) if !f.grain.columns.is_empty() => {
            constraints.push(Constraint::Unique {
                name: naming::grain_constraint(name),
                columns: f.grain.columns.clone(),
            });
        }
        TableRef::Bridge(b) => {
            let mut cols: Vec<String> = columns
                .iter()
                .filter(|c| matches!(c.origin, Origin::BridgeEnd(_)))
                .map(|c| c.name.clone())
                .collect();
            if let Some(e) = &b.effective {
                cols.push(e.from.clone());
            }
            constraints.push(Constraint::Unique {
                name: naming::bridge_constraint(name),
                columns: cols,
            });
        }
        _ => {}
    }
    for column in columns {
        if let Some(dim) = column.references.as_ref().and_then(|d| target.model.dimension(d)) {
            constraints.push(Constraint::ForeignKey {
                name: naming::foreign_key(name, &column.name),
                columns: vec![column.name.clone()],
                table: target.object(&dim.name),
                referenced: vec![dim.key.clone()],
            });
        }
    }
    CreateTable {
        name: target.object(name),
        columns: defs,
        constraints,
        cluster_by: table.cluster_by().to_vec(),
        comment: target.comment(table.comment()),
    }
}

/// A declared `default` as SQL: numbers and booleans bare, strings as
/// literals, dates and times as literals cast to the column's type.
pub fn default_value(sql_type: DataType, default: &DefaultValue) -> Value {
    match default {
        DefaultValue::Int(n) => Value::Int(*n),
        DefaultValue::Decimal(d) => Value::Decimal(d.clone()),
        DefaultValue::Bool(b) => Value::Bool(*b),
        DefaultValue::Text(t) => match sql_type {
            DataType::Varchar(_) => Value::Str(t.clone()),
            other => Value::Typed(t.clone(), other),
        },
    }
}

/// Text for the unknown member, shortened to fit a `VARCHAR(n)`.
fn unknown_text(max: Option<u32>) -> String {
    let text = "Unknown";
    match max {
        Some(n) if (n as usize) < text.len() => "?".repeat((n as usize).min(1)),
        _ => text.to_owned(),
    }
}

/// The value a column of the unknown member holds.
pub(crate) fn unknown_value(column: &PhysicalColumn, in_natural_key: bool) -> Value {
    if column.references.is_some() {
        return Value::Int(-1);
    }
    match column.origin {
        Origin::SurrogateKey(_) => return Value::Int(-1),
        Origin::ValidFrom => return Value::Typed("1900-01-01 00:00:00".into(), DataType::TimestampNtz),
        Origin::ValidTo => return Value::Typed("9999-12-31 00:00:00".into(), DataType::TimestampNtz),
        Origin::IsCurrent => return Value::Bool(true),
        _ => {}
    }
    let required = in_natural_key || !column.nullable;
    match &column.sql_type {
        DataType::Varchar(max) => Value::Str(unknown_text(*max)),
        DataType::Number { .. } | DataType::Float if in_natural_key => Value::Int(-1),
        _ if !required => Value::Null,
        DataType::Number { .. } | DataType::Float => Value::Int(0),
        DataType::Boolean => Value::Bool(false),
        DataType::Date => Value::Typed("1900-01-01".into(), DataType::Date),
        DataType::Time => Value::Typed("00:00:00".into(), DataType::Time),
        ty @ (DataType::TimestampNtz | DataType::TimestampLtz | DataType::TimestampTz) => {
            Value::Typed("1900-01-01 00:00:00".into(), *ty)
        }
        _ => Value::Null,
    }
}

pub(crate) fn unknown_member(target: &Target<'_>, d: &Dimension, columns: &[PhysicalColumn]) -> Statement {
    let values = columns
        .iter()
        .map(|c| (c.name.clone(), unknown_value(c, d.natural_key.contains(&c.name))))
        .collect();
    Statement::InsertIfAbsent {
        table: target.object(&d.name),
        values,
        key: d.key.clone(),
        key_value: Value::Int(-1),
    }
}
