//! Where the model's personal data is, and the masking policy each column
//! of it takes: the plan of the governance step. No SQL here: the policy
//! bodies are the writer's.
//!
//! A policy is identified by the class of the data, its mask and the exact
//! type of the columns it is set on (a masking policy's signature must be
//! the column's type). Its body shows the value to the roles that unmask
//! the class, and to every role they are granted to (`IS_ROLE_IN_SESSION`
//! honours the hierarchy), and the mask to every other role.
//!
//! A policy is set on every PII column of the tables that hold data: the
//! dimensions, facts and bridges, the landing tables of their loads, and
//! the columns of dynamic-table marts that pass a PII column through or
//! take its MIN or MAX (a dynamic table stores what its owner reads, so it
//! needs a policy of its own). Views read the base columns, so they inherit
//! the masking and need none.

use std::collections::HashMap;

use crate::diagnostic::TableId;
use crate::ingest::{Landing, LoadPlan, LoadTarget};
use crate::layout::Layouts;
use crate::marts::{Alias, Expr, MartPlan};
use crate::model::{Column, MartKind, Mask, Model, Pii, PiiClass, TableRef};
use crate::naming;
use crate::types::DataType;

/// One masking policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Its name (see [`naming::masking_policy`]).
    pub name: String,
    /// The class of the data it masks.
    pub class: PiiClass,
    /// How it masks.
    pub mask: Mask,
    /// Its signature's type: the type of every column it is set on.
    pub sql_type: DataType,
    /// The roles that read clear values (as declared, `${env}` unresolved),
    /// in declaration order.
    pub unmasked_by: Vec<String>,
}

/// What kind of object a masked column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A dimension, fact or bridge.
    Table,
    /// A load's landing table.
    Landing,
    /// A dynamic-table mart.
    DynamicTable,
}

/// One column a policy is set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedColumn {
    /// The table, landing table or dynamic table (as declared).
    pub object: String,
    /// What kind of object it is.
    pub holder: Holder,
    /// The column.
    pub column: String,
    /// Its class (the value of its tag).
    pub class: PiiClass,
    /// Its policy (index into [`MaskingPlan::policies`]).
    pub policy: usize,
}

/// The governance step's plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaskingPlan {
    /// Every policy, in order of first use.
    pub policies: Vec<Policy>,
    /// Every masked column: the tables in declaration order (dimensions,
    /// facts, bridges), then the landing tables, then the dynamic tables.
    pub columns: Vec<MaskedColumn>,
}

impl MaskingPlan {
    /// Whether the model holds no personal data.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

/// The roles that unmask `class`, in declaration order.
pub fn unmasking_roles(model: &Model, class: PiiClass) -> Vec<String> {
    model
        .roles
        .iter()
        .filter(|r| r.unmask.contains(&class))
        .map(|r| r.name.clone())
        .collect()
}

/// The column a mart's output passes through or takes the MIN or MAX of:
/// the columns that keep the type and values of a base column.
fn passed_through(expr: &Expr) -> Option<(Alias, &str)> {
    match expr {
        Expr::Column(alias, column) => Some((*alias, column)),
        Expr::Min(inner) | Expr::Max(inner) => match inner.as_ref() {
            Expr::Column(alias, column) => Some((*alias, column)),
            _ => None,
        },
        _ => None,
    }
}

/// The table an alias of a mart plan stands for.
pub(crate) fn aliased<'m>(model: &'m Model, plan: &MartPlan, alias: Alias) -> Option<TableRef<'m>> {
    match alias {
        Alias::Fact => model.facts.get(plan.fact).map(TableRef::Fact),
        // `d1` is the first join.
        Alias::Dimension(n) => plan
            .joins
            .get(n.wrapping_sub(1))
            .and_then(|join| model.dimensions.get(join.dimension))
            .map(TableRef::Dimension),
        Alias::Bridge => plan
            .through
            .as_ref()
            .and_then(|t| model.bridges.get(t.bridge))
            .map(TableRef::Bridge),
        Alias::Reached => plan
            .through
            .as_ref()
            .and_then(|t| model.dimensions.get(t.reached))
            .map(TableRef::Dimension),
    }
}

/// Every PII column a mart's output expression reads, with its table and
/// how (`true` when it keeps the value: passed through, MIN or MAX).
pub(crate) fn pii_read<'m>(model: &'m Model, plan: &MartPlan, expr: &Expr) -> Vec<(TableRef<'m>, &'m Column, bool)> {
    fn walk<'a>(expr: &'a Expr, out: &mut Vec<(Alias, &'a str, bool)>, counted: bool) {
        match expr {
            Expr::Column(alias, column) => out.push((*alias, column, !counted)),
            // Counting distinct values shows how many there are, not what they are.
            Expr::CountDistinct(e) => walk(e, out, true),
            // Anything computed reads every column it is computed from.
            other => {
                for child in other.children() {
                    walk(child, out, counted);
                }
            }
        }
    }
    let mut columns = Vec::new();
    walk(expr, &mut columns, false);
    let keeps = passed_through(expr).is_some();
    columns
        .into_iter()
        .filter_map(|(alias, name, read)| {
            let table = aliased(model, plan, alias)?;
            let column = table.column(name)?;
            (column.pii.is_some() && read).then_some((table, column, keeps))
        })
        .collect()
}

/// Plan the governance step of a model whose tables, marts and loads were
/// planned.
pub(crate) fn plan(model: &Model, layouts: &Layouts, marts: &[MartPlan], loads: &[LoadPlan]) -> MaskingPlan {
    let mut plan = MaskingPlan::default();
    let mut index: HashMap<(PiiClass, Mask, DataType), usize> = HashMap::new();
    let mut policy = |plan: &mut MaskingPlan, pii: Pii, sql_type: DataType| -> usize {
        *index.entry((pii.class, pii.mask, sql_type)).or_insert_with(|| {
            plan.policies.push(Policy {
                name: naming::masking_policy(pii.class.as_str(), pii.mask.as_str(), sql_type),
                class: pii.class,
                mask: pii.mask,
                sql_type,
                unmasked_by: unmasking_roles(model, pii.class),
            });
            plan.policies.len() - 1
        })
    };
    let mut mask = |plan: &mut MaskingPlan, object: &str, holder: Holder, column: &str, pii: Pii, ty: DataType| {
        let policy = policy(plan, pii, ty);
        plan.columns.push(MaskedColumn {
            object: object.to_owned(),
            holder,
            column: column.to_owned(),
            class: pii.class,
            policy,
        });
    };
    let tables = model
        .dimensions
        .iter()
        .map(TableRef::Dimension)
        .zip(&layouts.dimensions)
        .chain(model.facts.iter().map(TableRef::Fact).zip(&layouts.facts))
        .chain(model.bridges.iter().map(TableRef::Bridge).zip(&layouts.bridges));
    for (table, layout) in tables {
        for physical in layout {
            if let crate::layout::Origin::Declared(i) = physical.origin
                && let Some(pii) = table.columns().get(i).and_then(|c| c.pii)
            {
                mask(
                    &mut plan,
                    table.name(),
                    Holder::Table,
                    &physical.name,
                    pii,
                    physical.sql_type,
                );
            }
        }
    }
    for load in loads {
        let table = match load.table {
            LoadTarget::Dimension(i) => TableRef::Dimension(&model.dimensions[i]),
            LoadTarget::Fact(i) => TableRef::Fact(&model.facts[i]),
        };
        let landing = &model.loads[load.load].landing;
        for column in &load.columns {
            if let Landing::Value { column: target } = &column.landing
                && let Some(pii) = table.column(target).and_then(|c| c.pii)
            {
                mask(&mut plan, landing, Holder::Landing, &column.name, pii, column.sql_type);
            }
        }
    }
    for mart_plan in marts {
        let mart = &model.marts[mart_plan.mart];
        if !matches!(mart.kind, MartKind::DynamicTable { .. }) {
            continue;
        }
        for (expr, name) in &mart_plan.select {
            let Some((alias, column)) = passed_through(expr) else {
                continue;
            };
            let Some(table) = aliased(model, mart_plan, alias) else {
                continue;
            };
            let Some(pii) = table.column(column).and_then(|c| c.pii) else {
                continue;
            };
            let ty = layout_type(model, layouts, table, column);
            mask(&mut plan, &mart.name, Holder::DynamicTable, name, pii, ty);
        }
    }
    plan
}

/// The created type of a table's column.
fn layout_type(model: &Model, layouts: &Layouts, table: TableRef<'_>, column: &str) -> DataType {
    TableId::of(model, table)
        .and_then(|id| layouts.get(id.kind, id.index).iter().find(|c| c.name == column))
        .map_or(DataType::Varchar(None), |c| c.sql_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
name = "clinic"
database = "CLINIC"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_PATIENT"
natural_key = "PATIENT_ID"
columns = [
  { name = "PATIENT_ID", type = "int" },
  { name = "FULL_NAME", type = "string", pii = "name" },
  { name = "NICKNAME", type = "varchar(20)", pii = "name" },
  { name = "PHONE", type = "string", pii = "contact" },
  { name = "PHONE_2", type = "string", pii = "contact", mask = "redact" },
  { name = "BORN", type = "date", pii = "date" },
  { name = "INCOME", type = "number(12,2)", pii = true },
  { name = "REGION", type = "string" },
]
[[fact]]
name = "FACT_VISITS"
grain_columns = ["VISIT_NUMBER"]
columns = [
  { name = "VISIT_NUMBER", type = "string", degenerate = true },
  { name = "PATIENT_KEY", references = "DIM_PATIENT", role = "PATIENT" },
  { name = "CHARGE", type = "number(12,2)", measure = "additive" },
]
[[mart]]
name = "MART_VISITS"
kind = "dynamic_table"
target_lag = "1 hour"
warehouse = "WH"
fact = "FACT_VISITS"
attributes = ["PATIENT.REGION", "PATIENT.FULL_NAME"]
sum = ["CHARGE"]
[[mart]]
name = "MART_VISITS_VIEW"
fact = "FACT_VISITS"
attributes = ["PATIENT.PHONE"]
sum = ["CHARGE"]
[[role]]
name = "ENGINEER"
unmask = "all"
[[role]]
name = "SUPPORT"
unmask = ["contact"]
"#;

    fn plan() -> MaskingPlan {
        crate::load_str("clinic.toml", MODEL).unwrap().model.masking().clone()
    }

    #[test]
    fn one_policy_per_class_mask_and_exact_type() {
        let plan = plan();
        let names: Vec<&str> = plan.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "PII_NAME_REDACT_VARCHAR",
                "PII_NAME_REDACT_VARCHAR_20",
                "PII_CONTACT_PARTIAL_VARCHAR",
                "PII_CONTACT_REDACT_VARCHAR",
                "PII_DATE_YEAR_DATE",
                "PII_OTHER_REDACT_NUMBER_12_2",
            ]
        );
        let by_name = |n: &str| plan.policies.iter().find(|p| p.name == n).unwrap();
        assert_eq!(by_name("PII_NAME_REDACT_VARCHAR").unmasked_by, ["ENGINEER"]);
        assert_eq!(
            by_name("PII_CONTACT_REDACT_VARCHAR").unmasked_by,
            ["ENGINEER", "SUPPORT"]
        );
        assert_eq!(by_name("PII_DATE_YEAR_DATE").sql_type, DataType::Date);
    }

    #[test]
    fn the_tables_and_the_dynamic_tables_columns_are_masked_not_the_views() {
        let plan = plan();
        let columns: Vec<(Holder, &str, &str, &str)> = plan
            .columns
            .iter()
            .map(|c| {
                (
                    c.holder,
                    c.object.as_str(),
                    c.column.as_str(),
                    plan.policies[c.policy].name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            columns,
            [
                (Holder::Table, "DIM_PATIENT", "FULL_NAME", "PII_NAME_REDACT_VARCHAR"),
                (Holder::Table, "DIM_PATIENT", "NICKNAME", "PII_NAME_REDACT_VARCHAR_20"),
                (Holder::Table, "DIM_PATIENT", "PHONE", "PII_CONTACT_PARTIAL_VARCHAR"),
                (Holder::Table, "DIM_PATIENT", "PHONE_2", "PII_CONTACT_REDACT_VARCHAR"),
                (Holder::Table, "DIM_PATIENT", "BORN", "PII_DATE_YEAR_DATE"),
                (Holder::Table, "DIM_PATIENT", "INCOME", "PII_OTHER_REDACT_NUMBER_12_2"),
                // The dynamic table stores FULL_NAME; the view reads PHONE through its policy.
                (
                    Holder::DynamicTable,
                    "MART_VISITS",
                    "PATIENT_FULL_NAME",
                    "PII_NAME_REDACT_VARCHAR"
                ),
            ]
        );
    }
}
