//! A model that passed validation, with what validation worked out on the
//! way: every table's physical layout, the dimensions in creation order, and
//! the plan of every mart and every load. Generation takes this type, so it
//! never plans twice and never meets a model the rules refused.

use std::ops::Deref;

use crate::diagnostic::Problem;
use crate::ingest::{LoadPlan, LoadTarget, Loaded, Resolved};
use crate::layout::PhysicalColumn;
use crate::marts::MartPlan;
use crate::model::{Dimension, Model, TableRef};
use crate::validate::Findings;

/// A validated model: the [`Model`] (read through `Deref`) and what
/// validation resolved. Build one with [`Validated::new`]; the loaders
/// ([`load_str`](crate::load_str), [`ModelBuilder::build`](crate::ModelBuilder::build))
/// return one.
///
/// ```
/// let text = r#"
/// name = "shop"
/// database = "SHOP"
/// [environments.PROD]
/// schema = "PROD"
/// [[dimension]]
/// name = "DIM_PRODUCT"
/// natural_key = "SKU"
/// columns = [{ name = "SKU", type = "string" }]
/// "#;
/// let validated = model_core::load_str("shop.toml", text).unwrap().model;
/// let layout = validated.layout(model_core::TableRef::Dimension(&validated.dimensions[0]));
/// let names: Vec<&str> = layout.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["PRODUCT_KEY", "SKU"]);
///
/// // A changed model is validated again.
/// let mut model = validated.into_model();
/// model.dimensions[0].natural_key = vec!["NO_SUCH_COLUMN".into()];
/// let rejected = model_core::Validated::new(model).unwrap_err();
/// assert_eq!(rejected.problems[0].code, model_core::Code::UnknownColumn);
/// ```
#[derive(Debug, Clone)]
pub struct Validated {
    model: Model,
    findings: Findings,
}

/// A model that failed validation: the model back, and every problem.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the model has {} problem(s); the first: {}", problems.len(), problems.first().map_or("", |p| p.message.as_str()))]
pub struct Rejected {
    /// The model, unchanged.
    pub model: Box<Model>,
    /// Every problem validation found.
    pub problems: Vec<Problem>,
}

impl Validated {
    /// Validate `model`: the validated model, or the model back with every
    /// problem found.
    pub fn new(model: Model) -> Result<Self, Rejected> {
        let (findings, problems) = crate::validate::check(&model);
        if problems.is_empty() {
            Ok(Self { model, findings })
        } else {
            Err(Rejected {
                model: Box::new(model),
                problems,
            })
        }
    }

    /// Wrap a model without refusing it: what resolves is planned, what does
    /// not is left out. Only for tests of the writer's second line of defence
    /// (a model that skipped validation must still not smuggle SQL); the
    /// output of an invalid model is not meaningful.
    #[doc(hidden)]
    pub fn unchecked(model: Model) -> Self {
        let (findings, _) = crate::validate::check(&model);
        Self { model, findings }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model, to change it (validate it again afterwards).
    pub fn into_model(self) -> Model {
        self.model
    }

    /// The physical columns of a table of this model, in creation order:
    /// declared columns plus the surrogate key, bridge ends and SCD2
    /// housekeeping they imply.
    ///
    /// # Panics
    ///
    /// If `table` is not a table of this model.
    pub fn layout(&self, table: TableRef<'_>) -> &[PhysicalColumn] {
        let id = crate::diagnostic::TableId::of(&self.model, table)
            .unwrap_or_else(|| panic!("`{}` is not a table of this model", table.name()));
        self.findings.layouts.get(id.kind, id.index)
    }

    /// The dimensions in creation order: every outrigger before the
    /// dimensions that reference it, declaration order otherwise.
    pub fn dimension_order(&self) -> impl Iterator<Item = &Dimension> {
        self.findings.dimension_order.iter().map(|&i| &self.model.dimensions[i])
    }

    /// Every table with its layout, in creation order: the dimensions in
    /// [`dimension_order`](Self::dimension_order), then the facts, then the
    /// bridges, each in declaration order.
    pub fn tables_in_order(&self) -> impl Iterator<Item = (TableRef<'_>, &[PhysicalColumn])> {
        let (model, layouts) = (&self.model, &self.findings.layouts);
        let dimensions = self.findings.dimension_order.iter().map(|&i| {
            (
                TableRef::Dimension(&model.dimensions[i]),
                layouts.dimensions[i].as_slice(),
            )
        });
        let facts = model
            .facts
            .iter()
            .zip(&layouts.facts)
            .map(|(f, l)| (TableRef::Fact(f), l.as_slice()));
        let bridges = model
            .bridges
            .iter()
            .zip(&layouts.bridges)
            .map(|(b, l)| (TableRef::Bridge(b), l.as_slice()));
        dimensions.chain(facts).chain(bridges)
    }

    /// Every mart's plan, in declaration order.
    pub fn mart_plans(&self) -> &[MartPlan] {
        &self.findings.marts
    }

    /// Every load's plan, in declaration order.
    pub fn load_plans(&self) -> &[LoadPlan] {
        &self.findings.loads
    }

    /// Where the model's personal data is, and the masking policy of each
    /// column of it.
    pub fn masking(&self) -> &crate::masking::MaskingPlan {
        &self.findings.masking
    }

    /// Every load's plan with the objects it names, in declaration order.
    pub fn loads(&self) -> impl Iterator<Item = Resolved<'_>> {
        self.findings.loads.iter().map(|plan| Resolved {
            plan,
            load: &self.model.loads[plan.load],
            table: match plan.table {
                LoadTarget::Dimension(i) => Loaded::Dimension(&self.model.dimensions[i]),
                LoadTarget::Fact(i) => Loaded::Fact(&self.model.facts[i]),
            },
            stage: &self.model.stages[plan.stage],
            format: &self.model.file_formats[plan.format],
        })
    }
}

impl Deref for Validated {
    type Target = Model;

    fn deref(&self) -> &Model {
        &self.model
    }
}

impl AsRef<Model> for Validated {
    fn as_ref(&self) -> &Model {
        &self.model
    }
}

impl TryFrom<Model> for Validated {
    type Error = Rejected;

    fn try_from(model: Model) -> Result<Self, Rejected> {
        Self::new(model)
    }
}

impl PartialEq for Validated {
    /// Two validated models are equal when their models are (what validation
    /// worked out follows from the model).
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model
    }
}

impl Eq for Validated {}

impl PartialEq<Model> for Validated {
    fn eq(&self, other: &Model) -> bool {
        &self.model == other
    }
}

impl PartialEq<Validated> for Model {
    fn eq(&self, other: &Validated) -> bool {
        self == &other.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Validated {
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
        crate::load_str("chain.toml", &text).unwrap().model
    }

    /// 5,000 outriggers in one chain: the order is exactly the reverse of
    /// the declarations. (Before this was linear, ordering 2,000 took 1.7 s
    /// and 20,000 would take minutes; the bench binary prints the figure.)
    #[test]
    fn a_long_outrigger_chain_is_ordered_leaves_first() {
        let model = chain(5_000);
        let names: Vec<&str> = model.dimension_order().map(|d| d.name.as_str()).collect();
        let expected: Vec<String> = (0..5_000).rev().map(|i| format!("DIM_{i}")).collect();
        assert!(names.iter().eq(expected.iter()), "first: {:?}", &names[..3]);
    }
}
