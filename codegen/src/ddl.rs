//! Step 1 (database, schema, sequences) and step 2 (tables) of a deployment.

use model_core::model::Dimension;
use model_core::{
    ColumnKind, DataType, Environment, KeyGeneration, Model, Origin, PhysicalColumn, TableRef, interpolate,
};

use crate::writer::{ColumnDef, ColumnDefault, Constraint, CreateTable, ObjectName, Statement, Value};

/// Names resolved for one environment.
#[derive(Debug, Clone)]
pub struct Target<'m> {
    /// The model.
    pub model: &'m Model,
    /// Database name with variables substituted.
    pub database: String,
    /// Schema name with variables substituted.
    pub schema: String,
    /// The environment.
    pub env: &'m Environment,
    /// Every load's plan, computed once per deployment (steps 5, 6 and 7
    /// read it).
    pub loads: Vec<model_core::ingest::LoadPlan<'m>>,
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

/// The sequence backing a table's key when `key_generation = "sequence"`.
fn sequence_name(table: &str) -> String {
    format!("{table}_SEQ")
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
                name: target.object(&sequence_name(table.name())),
                comment: Some(format!("Surrogate key values of {}.", table.name())),
            });
        }
    }
    out
}

/// Dimensions in an order where every outrigger comes before the dimensions
/// that reference it (declaration order otherwise: of the dimensions whose
/// outriggers are all placed, the first declared goes next). Validation has
/// ruled out cycles; should one remain, the first declared of the rest goes
/// next. Kahn's algorithm with the ready set ordered by declaration: linear
/// in the references, times a log for the heap.
pub fn dimension_order(model: &Model) -> Vec<&Dimension> {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    let dims = &model.dimensions;
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::with_capacity(dims.len());
    for (i, d) in dims.iter().enumerate() {
        by_name.entry(d.name.as_str()).or_default().push(i);
    }
    // waiting[i]: how many dimensions `i` references that are not placed yet;
    // dependents[j]: the dimensions waiting on `j`.
    let mut waiting = vec![0usize; dims.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); dims.len()];
    for (i, d) in dims.iter().enumerate() {
        for c in &d.columns {
            if let ColumnKind::Reference { dimension, .. } = &c.kind
                && dimension != &d.name
            {
                for &j in by_name.get(dimension.as_str()).map_or(&[][..], Vec::as_slice) {
                    waiting[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..dims.len()).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut placed = vec![false; dims.len()];
    let mut out: Vec<&Dimension> = Vec::with_capacity(dims.len());
    let mut first_unplaced = 0;
    while out.len() < dims.len() {
        let next = match ready.pop() {
            Some(Reverse(i)) if placed[i] => continue,
            Some(Reverse(i)) => i,
            None => {
                // A cycle: take the first declared dimension not yet placed.
                while placed[first_unplaced] {
                    first_unplaced += 1;
                }
                first_unplaced
            }
        };
        placed[next] = true;
        out.push(&dims[next]);
        for &k in &dependents[next] {
            waiting[k] -= 1;
            if waiting[k] == 0 && !placed[k] {
                ready.push(Reverse(k));
            }
        }
    }
    out
}

/// Every table in deployment order, each followed by its RELY statements and,
/// for dimensions, its unknown-member row.
pub fn tables(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = Vec::new();
    let ordered = dimension_order(model)
        .into_iter()
        .map(TableRef::Dimension)
        .chain(model.facts.iter().map(TableRef::Fact))
        .chain(model.bridges.iter().map(TableRef::Bridge));
    for table in ordered {
        let columns = model.physical_columns(table);
        let create = create_table(target, table, &columns);
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
        out.push(Statement::CreateTable(create));
        out.extend(rely);
        if let TableRef::Dimension(d) = table
            && d.unknown_member
        {
            out.push(unknown_member(target, d, &columns));
        }
    }
    out
}

fn create_table(target: &Target<'_>, table: TableRef<'_>, columns: &[PhysicalColumn]) -> CreateTable {
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
                    Some(ColumnDefault::Sequence(target.object(&sequence_name(name))))
                }
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
            name: format!("PK_{name}"),
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
                name: format!("UQ_{name}_NATURAL_KEY"),
                columns: cols,
            });
        }
        TableRef::Fact(f) if !f.grain.columns.is_empty() => {
            constraints.push(Constraint::Unique {
                name: format!("UQ_{name}_GRAIN"),
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
                name: format!("UQ_{name}"),
                columns: cols,
            });
        }
        _ => {}
    }
    for column in columns {
        if let Some(dim) = column.references.as_ref().and_then(|d| target.model.dimension(d)) {
            constraints.push(Constraint::ForeignKey {
                name: format!("FK_{name}_{}", column.name),
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

/// Text for the unknown member, shortened to fit a `VARCHAR(n)`.
fn unknown_text(max: Option<u32>) -> String {
    let text = "Unknown";
    match max {
        Some(n) if (n as usize) < text.len() => "?".repeat((n as usize).min(1)),
        _ => text.to_owned(),
    }
}

/// The value a column of the unknown member holds.
fn unknown_value(column: &PhysicalColumn, in_natural_key: bool) -> Value {
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

fn unknown_member(target: &Target<'_>, d: &Dimension, columns: &[PhysicalColumn]) -> Statement {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Model {
        // DIM_0 references DIM_1, which references DIM_2, ...: declared in the
        // worst order, every dimension before the outrigger it needs.
        let mut text = String::from("name = \"m\"\ndatabase = \"D\"\n[environments.DEV]\nschema = \"DEV\"\n");
        for i in 0..n {
            text.push_str("[[dimension]]\nname = \"DIM_");
            text.push_str(&i.to_string());
            text.push_str("\"\nnatural_key = \"ID\"\ncolumns = [{ name = \"ID\", type = \"int\" }");
            if i + 1 < n {
                text.push_str(", { name = \"UP\", references = \"DIM_");
                text.push_str(&(i + 1).to_string());
                text.push_str("\" }");
            }
            text.push_str("]\n");
        }
        model_core::load_str("chain.toml", &text).unwrap().model
    }

    /// 5,000 outriggers in one chain: the order is exactly the reverse of
    /// the declarations. (Before this was linear, ordering 2,000 took 1.7 s
    /// and 20,000 would take minutes; the bench binary prints the figure.)
    #[test]
    fn a_long_outrigger_chain_is_ordered_leaves_first() {
        let model = chain(5_000);
        let names: Vec<&str> = dimension_order(&model).iter().map(|d| d.name.as_str()).collect();
        let expected: Vec<String> = (0..5_000).rev().map(|i| format!("DIM_{i}")).collect();
        assert!(names.iter().eq(expected.iter()), "first: {:?}", &names[..3]);
    }
}
