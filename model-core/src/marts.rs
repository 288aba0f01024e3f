//! Resolving a mart against the model: which dimensions it joins under which
//! role, which bridge it goes through, and how every output column is
//! computed — with the Kimball rules (additivity, semi-additivity over time,
//! bridges that connect) checked on the way. Validation reports the problems;
//! codegen prints the plan as SQL.

use std::collections::HashMap;

use crate::code::Code;
use crate::diagnostic::{Loc, Problem, TableId};
use crate::expression::{self, Inferred, Resolved, Ty};
use crate::layout::{Layouts, layout_of};
use crate::model::{
    Additivity, Aggregate, Allocation, AsOf, Column, ColumnKind, Dimension, Fact, Mart, Model, TableKind,
};
use crate::naming::default_role;

pub use crate::expression::{Alias, Expr};

/// A dimension joined to the fact through one of its references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// Role name (prefix of output columns).
    pub role: String,
    /// The dimension (index into the model's `dimensions`).
    pub dimension: usize,
    /// The fact's reference column.
    pub fact_column: String,
}

/// The bridge part of a mart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeJoin {
    /// The bridge (index into the model's `bridges`).
    pub bridge: usize,
    /// The fact's reference column to the near dimension.
    pub fact_column: String,
    /// The bridge's column referencing the near dimension.
    pub near_column: String,
    /// The bridge's column referencing the dimension reached.
    pub far_column: String,
    /// The dimension reached (index into the model's `dimensions`).
    pub reached: usize,
    /// How the fact is spread.
    pub allocation: Allocation,
    /// Extra join condition on the bridge.
    pub as_of: AsOfJoin,
}

/// The bridge rows a fact row joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOfJoin {
    /// Every row.
    All,
    /// `b.<current> = TRUE`.
    Current(String),
    /// `b.<from> <= f.<fact> AND f.<fact> < b.<to>`.
    Between {
        /// Bridge column where validity starts.
        from: String,
        /// Bridge column where validity ends (exclusive).
        to: String,
        /// Fact date column.
        fact: String,
    },
}

/// A resolved mart. It names the model's tables by index, so it can be kept
/// beside the model it was planned from (see [`Validated`](crate::Validated)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MartPlan {
    /// The mart (index into the model's `marts`).
    pub mart: usize,
    /// Its fact (index into the model's `facts`).
    pub fact: usize,
    /// Dimensions joined by role, in order of first use.
    pub joins: Vec<Join>,
    /// The bridge, if any.
    pub through: Option<BridgeJoin>,
    /// Output columns: expression and name, in order.
    pub select: Vec<(Expr, String)>,
    /// GROUP BY expressions (aggregates only).
    pub group_by: Vec<Expr>,
    /// The WHERE condition (the mart's `where`).
    pub filter: Option<Expr>,
}

/// Plan every mart; problems for those that cannot be planned.
pub fn plan_all(model: &Model) -> (Vec<MartPlan>, Vec<Problem>) {
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for (index, mart) in model.marts.iter().enumerate() {
        match plan(
            model,
            mart,
            TableId {
                kind: TableKind::Mart,
                index,
            },
        ) {
            Ok(p) => plans.push(p),
            Err(mut p) => problems.append(&mut p),
        }
    }
    (plans, problems)
}

fn col(alias: Alias, column: &str) -> Expr {
    Expr::Column(alias, column.to_owned())
}

/// Resolve one mart: `id` is its place among the model's marts.
///
/// # Errors
///
/// Every problem found, located in the mart's declaration.
pub fn plan(model: &Model, mart: &Mart, id: TableId) -> Result<MartPlan, Vec<Problem>> {
    plan_in(model, None, mart, id)
}

/// [`plan`] with the layouts validation computed (or computed here).
pub(crate) fn plan_in(
    model: &Model,
    layouts: Option<&Layouts>,
    mart: &Mart,
    id: TableId,
) -> Result<MartPlan, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some((fact_index, fact)) = model.fact_index(&mart.fact).map(|i| (i, &model.facts[i])) else {
        let what = model
            .tables()
            .find(|t| t.name() == mart.fact)
            .map_or("not a table of this model".to_owned(), |t| {
                format!("a {}, not a fact", t.kind().as_str())
            });
        let facts: Vec<&str> = model.facts.iter().map(|f| f.name.as_str()).collect();
        return Err(vec![
            Problem::new(
                Code::MartUnknownFact,
                format!("mart `{}` reads `{}`, which is {what}", mart.name, mart.fact),
                Loc::table(id, "fact"),
                "no such fact",
            )
            .help(format!("facts of this model: {}", facts.join(", "))),
        ]);
    };
    // The fact's references by role.
    let mut roles: HashMap<String, (String, usize)> = HashMap::new();
    for column in &fact.columns {
        if let ColumnKind::Reference { dimension, role } = &column.kind
            && let Some(dim) = model.dimension_index(dimension)
        {
            let role = role.clone().unwrap_or_else(|| default_role(&column.name));
            roles.insert(role.to_uppercase(), (column.name.clone(), dim));
        }
    }
    let through = mart
        .through
        .as_ref()
        .and_then(|t| resolve_through(model, mart, fact, t, id, &mut problems));
    let mut scope = Scope {
        model,
        layouts,
        mart,
        fact,
        roles,
        through: through.as_ref(),
        joins: Vec::new(),
        derived: Vec::new(),
    };

    let mut select = Vec::new();
    let mut group_by = Vec::new();
    for (i, attribute) in mart.attributes.iter().enumerate() {
        let at = Loc::table_item(id, "attributes", i);
        let Some((role, column)) = attribute.path.split_once('.') else {
            problems.push(
                Problem::new(
                    Code::MartUnknownAttribute,
                    format!("mart `{}`: `{}` is not `ROLE.ATTRIBUTE`", mart.name, attribute.path),
                    at,
                    "expected ROLE.ATTRIBUTE",
                )
                .help("e.g. `PAID_DATE.YEAR`: the role of a reference of the fact, a dot, a column of its dimension; `PAID_DATE.*` for all of them; a fact column goes in `columns`"),
            );
            continue;
        };
        let columns: Vec<String> = if column == "*" {
            match scope.role(role) {
                Ok(Some((_, dimension))) => {
                    if attribute.name.is_some() {
                        problems.push(
                            Problem::new(
                                Code::MartShape,
                                format!(
                                    "mart `{}`: `{}` is every attribute of a dimension, so it cannot take one `name`",
                                    mart.name, attribute.path
                                ),
                                at.clone(),
                                "several columns, one name",
                            )
                            .help("name the attributes one by one, or drop `name` (each is named ROLE_ATTRIBUTE)"),
                        );
                    }
                    let physical = layout_of(model, layouts, TableKind::Dimension, dimension);
                    physical
                        .iter()
                        .filter(|c| matches!(c.origin, crate::layout::Origin::Declared(_)))
                        .map(|c| c.name.clone())
                        .collect()
                }
                Ok(None) => continue,
                Err(message) => {
                    problems.push(scope.unknown_role(message, at));
                    continue;
                }
            }
        } else {
            vec![column.to_owned()]
        };
        for column in columns {
            match scope.attribute(role, &column) {
                Ok(Some((expr, _))) => {
                    let name = attribute.name.clone().unwrap_or_else(|| format!("{role}_{column}"));
                    select.push((expr.clone(), name));
                    if mart.is_aggregate() {
                        group_by.push(expr);
                    }
                }
                Ok(None) => {}
                Err(message) => problems.push(scope.unknown_role(message, at.clone())),
            }
        }
    }

    // Derived measures, in order: each may use the ones before it.
    for (i, derived) in mart.derived.iter().enumerate() {
        let at = Loc::table_item(id, "derived.expression", i);
        if fact.columns.iter().any(|c| c.name.eq_ignore_ascii_case(&derived.name))
            || scope.derived.iter().any(|d| d.name.eq_ignore_ascii_case(&derived.name))
        {
            problems.push(
                Problem::new(
                    Code::DuplicateColumn,
                    format!(
                        "mart `{}`: derived measure `{}` takes the name of a column of `{}` or of another derived measure",
                        mart.name, derived.name, fact.name
                    ),
                    Loc::table_item(id, "derived", i),
                    "name already used",
                )
                .help("give the derived measure a name of its own"),
            );
            continue;
        }
        let typed = match expression::parse(&derived.expression, &mut |r, c| scope.resolve(r, c)) {
            Ok(t) => t,
            Err(e) => {
                problems.push(expression_problem(mart, &derived.name, &e.0, at));
                continue;
            }
        };
        if !typed.ty.fits_number() {
            problems.push(expression_problem(
                mart,
                &derived.name,
                &format!(
                    "a derived measure computes a number; this expression gives {}",
                    typed.ty.describe()
                ),
                at,
            ));
            continue;
        }
        match derived_additivity(fact, derived, &typed.additivity) {
            Ok((additivity, over)) => scope.derived.push(Derived {
                name: derived.name.clone(),
                expr: typed.expr,
                additivity,
                over,
                size: typed.size,
            }),
            Err((message, help)) => problems.push(
                Problem::new(
                    Code::DerivedAdditivity,
                    format!("mart `{}`: derived measure `{}` {message}", mart.name, derived.name),
                    Loc::table_item(id, "derived", i),
                    "additivity",
                )
                .help(help),
            ),
        }
    }

    let filter = mart.filter.as_ref().and_then(|text| {
        let at = Loc::table(id, "where");
        match expression::parse(text, &mut |r, c| scope.resolve(r, c)) {
            Ok(t) if t.ty == Ty::Boolean || t.ty == Ty::Any => Some(t.expr),
            Ok(t) => {
                problems.push(expression_problem(
                    mart,
                    "where",
                    &format!("a filter is a condition; this expression gives {}", t.ty.describe()),
                    at,
                ));
                None
            }
            Err(e) => {
                problems.push(expression_problem(mart, "where", &e.0, at));
                None
            }
        }
    });

    let weight = through.as_ref().and_then(|t| {
        (t.allocation == Allocation::Weighted)
            .then(|| {
                model.bridges[t.bridge]
                    .weight
                    .as_ref()
                    .map(|w| Expr::Coalesce(Box::new(col(Alias::Bridge, w)), 1))
            })
            .flatten()
    });
    let allocated = |e: Expr| match &weight {
        Some(w) => Expr::Times(Box::new(e.operand()), Box::new(w.clone())),
        None => e,
    };
    let fact_columns: Vec<&str> = fact.columns.iter().map(|c| c.name.as_str()).collect();
    let derived = &scope.derived;
    // A derived measure refused above is reported once, not again where it is used.
    let refused: Vec<&str> = mart
        .derived
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| !derived.iter().any(|d| d.name == *n))
        .collect();
    let unknown = |problems: &mut Vec<Problem>, name: &str, at: Loc, what: &str| {
        if !refused.contains(&name) {
            problems.push(unknown_measure(mart, fact, name, at, what));
        }
    };
    let mut used = vec![false; derived.len()];
    // A measure of the fact, or a derived measure: its additivity, `over`, and how it is read.
    let mut measure = |name: &str| -> Option<(Additivity, Option<String>, Expr)> {
        if let Some(i) = derived.iter().position(|d| d.name == name) {
            used[i] = true;
            let d = &derived[i];
            return Some((d.additivity, d.over.clone(), d.expr.clone()));
        }
        fact.columns
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| match &c.kind {
                ColumnKind::Measure { additivity, over, .. } => {
                    Some((*additivity, over.clone(), col(Alias::Fact, name)))
                }
                _ => None,
            })
    };

    for (i, name) in mart.columns.iter().enumerate() {
        let at = Loc::table_item(id, "columns", i);
        let found = measure(name);
        if mart.is_aggregate() {
            // An aggregate groups by its fact columns: degenerate dimensions
            // and plain attributes, never a measure.
            if found.is_some() {
                problems.push(
                    Problem::new(
                        Code::MartShape,
                        format!(
                            "mart `{}` aggregates, so it cannot group by the measure `{name}`",
                            mart.name
                        ),
                        at,
                        "a measure in `columns`",
                    )
                    .help("an aggregate groups by `attributes` and by the fact's degenerate or plain columns in `columns`; aggregate measures with `sum`, `avg`, `min`, `max`"),
                );
                continue;
            }
            if !fact_columns.contains(&name.as_str()) {
                unknown(&mut problems, name, at, "a column");
                continue;
            }
            let expr = col(Alias::Fact, name);
            select.push((expr.clone(), name.clone()));
            group_by.push(expr);
            continue;
        }
        match found {
            // Allocation splits amounts; a non-additive value (a price, a lab
            // result) is the same for every member it reaches, so it is kept.
            Some((additivity, _, expr)) => select.push((
                if additivity == Additivity::NonAdditive {
                    expr
                } else {
                    allocated(expr)
                },
                name.clone(),
            )),
            None if fact_columns.contains(&name.as_str()) => select.push((col(Alias::Fact, name), name.clone())),
            None => unknown(&mut problems, name, at, "a column"),
        }
    }
    if mart.aggregates.is_empty() && mart.columns.is_empty() && mart.attributes.is_empty() {
        problems.push(Problem::new(
            Code::MartShape,
            format!("mart `{}` selects nothing", mart.name),
            Loc::table(id, "name"),
            "empty mart",
        ));
    }

    // `ROLE.KEY` grouping a semi-additive measure at the grain of its time reference.
    let time_key = |over: &str| -> Option<String> {
        let column = fact.columns.iter().find(|c| c.name == over)?;
        let ColumnKind::Reference { dimension, role } = &column.kind else {
            return None;
        };
        let role = role.clone().unwrap_or_else(|| default_role(&column.name));
        let dim = model.dimension(dimension)?;
        Some(format!("{role}.{}", dim.natural_key.first().unwrap_or(&dim.key)))
    };
    let time_grouped = |over: &str| -> bool {
        // Grouped at the grain of time: by the key or natural key of the `over` reference's role.
        let Some(column) = fact.columns.iter().find(|c| c.name == over) else {
            return false;
        };
        let ColumnKind::Reference { dimension, role } = &column.kind else {
            return false;
        };
        let role = role.clone().unwrap_or_else(|| default_role(&column.name));
        let Some(dim) = model.dimension(dimension) else {
            return false;
        };
        mart.attributes.iter().any(|a| {
            a.path.split_once('.').is_some_and(|(r, c)| {
                r.eq_ignore_ascii_case(&role) && (c == "*" || c == dim.key || dim.natural_key.iter().any(|k| k == c))
            })
        })
    };
    let (mut sum_i, mut avg_i, mut min_i, mut max_i, mut ratio_i, mut distinct_i) = (0, 0, 0, 0, 0, 0);
    for aggregate in &mart.aggregates {
        let (key, index) = match aggregate {
            Aggregate::Sum(_) => ("sum", &mut sum_i),
            Aggregate::Avg(_) => ("avg", &mut avg_i),
            Aggregate::Min(_) => ("min", &mut min_i),
            Aggregate::Max(_) => ("max", &mut max_i),
            Aggregate::Ratio { .. } => ("ratio", &mut ratio_i),
            Aggregate::CountDistinct { .. } => ("count_distinct", &mut distinct_i),
            Aggregate::Count { .. } => ("count", &mut 0),
        };
        let at = if key == "count" {
            Loc::table(id, "count")
        } else {
            Loc::table_item(id, key, *index)
        };
        *index += 1;
        match aggregate {
            Aggregate::Sum(m) => match measure(m) {
                None => unknown(&mut problems, m, at, "a measure"),
                Some((Additivity::NonAdditive, ..)) => problems.push(
                    Problem::new(
                        Code::NonAdditiveSum,
                        format!("mart `{}` sums `{m}`, which is non-additive", mart.name),
                        at,
                        "cannot be summed",
                    )
                    .help("use `avg`, `min` or `max`, or a `ratio` of additive measures"),
                ),
                Some((Additivity::SemiAdditive, over, _)) if !over.as_deref().is_some_and(time_grouped) => {
                    let help = match &over {
                        Some(over) => format!(
                            "add `{}` to `attributes` so each total is at one point in time, or use `avg`/`min`/`max`",
                            time_key(over).unwrap_or_else(|| format!("the key of `{over}`"))
                        ),
                        None => format!(
                            "declare `over = \"...\"` on `{m}` (its time reference) and group by that role's key, or use `avg`/`min`/`max`"
                        ),
                    };
                    problems.push(
                        Problem::new(
                            Code::SemiAdditiveOverTime,
                            format!(
                                "mart `{}` would sum `{m}` across its time dimension, but it is semi-additive",
                                mart.name
                            ),
                            at,
                            "summed over time",
                        )
                        .help(help),
                    );
                }
                Some((.., expr)) => select.push((Expr::Sum(Box::new(allocated(expr))), m.clone())),
            },
            Aggregate::Avg(m) | Aggregate::Min(m) | Aggregate::Max(m) => {
                let Some((.., inner)) = measure(m) else {
                    unknown(&mut problems, m, at, "a measure");
                    continue;
                };
                let inner = Box::new(inner);
                let (expr, suffix) = match aggregate {
                    Aggregate::Avg(_) => (Expr::Avg(inner), "AVG"),
                    Aggregate::Min(_) => (Expr::Min(inner), "MIN"),
                    _ => (Expr::Max(inner), "MAX"),
                };
                select.push((expr, format!("{m}_{suffix}")));
            }
            Aggregate::Count { name } => {
                let expr = match &weight {
                    Some(w) => Expr::Sum(Box::new(w.clone())),
                    None => Expr::CountAll,
                };
                select.push((expr, name.clone()));
            }
            Aggregate::CountDistinct { name, column } => {
                if !fact_columns.contains(&column.as_str()) {
                    problems.push(unknown_measure(mart, fact, column, at, "a column"));
                    continue;
                }
                select.push((Expr::CountDistinct(Box::new(col(Alias::Fact, column))), name.clone()));
            }
            Aggregate::Ratio {
                name,
                numerator,
                denominator,
            } => {
                let mut sums = Vec::new();
                for m in [numerator, denominator] {
                    match measure(m) {
                        None => unknown(&mut problems, m, at.clone(), "a measure"),
                        Some((Additivity::Additive, _, expr)) => sums.push(Expr::Sum(Box::new(allocated(expr)))),
                        Some((additivity, ..)) => {
                            problems.push(
                                Problem::new(
                                    Code::NonAdditiveSum,
                                    format!(
                                        "ratio `{name}` of mart `{}` sums `{m}`, which is {}",
                                        mart.name,
                                        additivity.as_str()
                                    ),
                                    at.clone(),
                                    "cannot be summed",
                                )
                                .help("a ratio divides sums of additive measures"),
                            );
                        }
                    }
                }
                let mut sums = sums.into_iter();
                if let (Some(above), Some(below)) = (sums.next(), sums.next()) {
                    select.push((Expr::Ratio(Box::new(above), Box::new(below)), name.clone()));
                }
            }
        }
    }
    for (i, was_used) in used.iter().enumerate() {
        if !was_used && i < mart.derived.len() {
            let name = &scope.derived[i].name;
            let Some(at) = mart.derived.iter().position(|d| &d.name == name) else {
                continue;
            };
            problems.push(
                Problem::new(
                    Code::MartShape,
                    format!("mart `{}` derives `{name}` but never shows it", mart.name),
                    Loc::table_item(id, "derived", at),
                    "unused",
                )
                .help(if mart.is_aggregate() {
                    "aggregate it: list it in `sum`, `avg`, `min`, `max` or a `ratio`"
                } else {
                    "list it in `columns`"
                }),
            );
        }
    }
    // Output names must be distinct.
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (_, name) in &select {
        if let Some(first) = seen.insert(name.to_uppercase(), name) {
            problems.push(
                Problem::new(
                    Code::DuplicateColumn,
                    format!(
                        "mart `{}` would have two columns named `{name}` (first: `{first}`)",
                        mart.name
                    ),
                    Loc::table(id, "name"),
                    "duplicate output column",
                )
                .help("each attribute is named ROLE_ATTRIBUTE (or its `name`) and each aggregate after its measure; drop or rename one"),
            );
        }
    }
    if problems.is_empty() {
        Ok(MartPlan {
            mart: id.index,
            fact: fact_index,
            joins: scope.joins,
            through,
            select,
            group_by,
            filter,
        })
    } else {
        Err(problems)
    }
}

/// What the names of a mart resolve to: the fact's columns, the roles of its
/// references (joined on first use), the dimension reached through a
/// bridge, and the derived measures declared so far.
struct Scope<'m> {
    model: &'m Model,
    layouts: Option<&'m Layouts>,
    mart: &'m Mart,
    fact: &'m Fact,
    roles: HashMap<String, (String, usize)>,
    through: Option<&'m BridgeJoin>,
    joins: Vec<Join>,
    /// The derived measures planned so far.
    derived: Vec<Derived>,
}

/// A derived measure as planned.
struct Derived {
    name: String,
    expr: Expr,
    additivity: Additivity,
    over: Option<String>,
    /// Its tokens, counting the derived measures it uses (its expression
    /// replaces its name wherever it is used).
    size: usize,
}

impl Scope<'_> {
    /// The alias and dimension a role stands for, joining it on first use;
    /// `Ok(None)` when the mart's bridge did not resolve (reported already).
    fn role(&mut self, role: &str) -> Result<Option<(Alias, usize)>, Unknown> {
        if mart_role(self.mart).eq_ignore_ascii_case(role) && self.mart.through.is_some() {
            return Ok(self.through.map(|t| (Alias::Reached, t.reached)));
        }
        let Some((fact_column, dim)) = self.roles.get(&role.to_uppercase()) else {
            let mut known: Vec<&str> = self.roles.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(Unknown {
                message: format!("`{role}` is not a role of `{}`", self.fact.name),
                label: "unknown role",
                help: format!("roles of `{}`: {}", self.fact.name, known.join(", ")),
            });
        };
        let index = self
            .joins
            .iter()
            .position(|j| j.role.eq_ignore_ascii_case(role))
            .unwrap_or_else(|| {
                self.joins.push(Join {
                    role: role.to_owned(),
                    dimension: *dim,
                    fact_column: fact_column.clone(),
                });
                self.joins.len() - 1
            });
        Ok(Some((Alias::Dimension(index + 1), *dim)))
    }

    /// `ROLE.COLUMN`: its expression and type.
    fn attribute(&mut self, role: &str, column: &str) -> Result<Option<(Expr, crate::types::DataType)>, Unknown> {
        let Some((alias, dimension_index)) = self.role(role)? else {
            return Ok(None);
        };
        let dimension = &self.model.dimensions[dimension_index];
        let physical = layout_of(self.model, self.layouts, TableKind::Dimension, dimension_index);
        let Some(c) = physical.iter().find(|c| c.name == column) else {
            let names: Vec<&str> = physical.iter().map(|c| c.name.as_str()).collect();
            return Err(Unknown {
                message: format!("`{column}` is not a column of `{}` (role `{role}`)", dimension.name),
                label: "no such attribute",
                help: format!("columns of `{}`: {}", dimension.name, names.join(", ")),
            });
        };
        Ok(Some((col(alias, column), c.sql_type)))
    }

    /// A name in an expression: a fact column, a derived measure, or `ROLE.COLUMN`.
    fn resolve(&mut self, role: Option<&str>, column: &str) -> Result<Resolved, String> {
        if let Some(role) = role {
            return match self
                .attribute(role, column)
                .map_err(|u| format!("{}; {}", u.message, u.help))?
            {
                Some((expr, sql_type)) => Ok(Resolved {
                    expr,
                    ty: Ty::of(sql_type),
                    measure: None,
                    size: 1,
                }),
                // The bridge did not resolve: any type, so that one problem is reported once.
                None => Ok(Resolved {
                    expr: Expr::Null,
                    ty: Ty::Any,
                    measure: None,
                    size: 1,
                }),
            };
        }
        if let Some(d) = self.derived.iter().find(|d| d.name == column) {
            return Ok(Resolved {
                expr: d.expr.clone().operand(),
                ty: Ty::Number,
                measure: Some((d.additivity, d.over.clone())),
                size: d.size,
            });
        }
        let Some(c) = self.fact.columns.iter().find(|c| c.name == column) else {
            let names: Vec<&str> = self.fact.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "`{column}` is not a column of `{}`; its columns: {} (a dimension's attribute is `ROLE.ATTRIBUTE`)",
                self.fact.name,
                names.join(", ")
            ));
        };
        let (ty, measure) = match &c.kind {
            ColumnKind::Measure {
                sql_type,
                additivity,
                over,
            } => (Ty::of(*sql_type), Some((*additivity, over.clone()))),
            ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type } => (Ty::of(*sql_type), None),
            ColumnKind::Reference { dimension, .. } => (Ty::of(self.model.key_type(dimension)), None),
        };
        Ok(Resolved {
            expr: col(Alias::Fact, column),
            ty,
            measure,
            size: 1,
        })
    }

    fn unknown_role(&self, unknown: Unknown, at: Loc) -> Problem {
        Problem::new(
            Code::MartUnknownAttribute,
            format!("mart `{}`: {}", self.mart.name, unknown.message),
            at,
            unknown.label,
        )
        .help(unknown.help)
    }
}

/// A role or attribute a mart names that the model lacks.
struct Unknown {
    message: String,
    label: &'static str,
    help: String,
}

fn expression_problem(mart: &Mart, what: &str, message: &str, at: Loc) -> Problem {
    Problem::new(
        Code::MartExpression,
        format!("mart `{}`, `{what}`: {message}", mart.name),
        at,
        "in this expression",
    )
    .help(format!(
        "mart expressions use the fact's columns, `ROLE.ATTRIBUTE`, literals, + - * / %, comparisons, AND/OR/NOT, BETWEEN, IN (...), LIKE, IS NULL, CASE WHEN and the functions {}",
        expression::function_list()
    ))
}

/// The additivity of a derived measure: what its expression shows, or what
/// the user declares where the expression cannot tell. A declaration may be
/// stricter than the expression, never looser.
fn derived_additivity(
    fact: &Fact,
    derived: &crate::model::DerivedMeasure,
    inferred: &Inferred,
) -> Result<(Additivity, Option<String>), (String, String)> {
    let rank = |a: Additivity| match a {
        Additivity::Additive => 0,
        Additivity::SemiAdditive => 1,
        Additivity::NonAdditive => 2,
    };
    let (additivity, over) = match (derived.additivity, inferred) {
        (None, Inferred::Measure(a, over)) => (*a, over.clone()),
        (None, _) => {
            return Err((
                "needs its additivity declared: its expression does not show whether it can be summed".to_owned(),
                "add `measure = \"additive\"` (an amount per row, e.g. price × discount), `\"semi_additive\"` with `over`, or `\"non_additive\"` (a rate, a price)".to_owned(),
            ));
        }
        (Some(declared), Inferred::Measure(a, over)) if rank(declared) < rank(*a) => {
            return Err((
                format!(
                    "is declared {} but is computed from {} measures{}",
                    declared.as_str(),
                    a.as_str(),
                    over.as_ref().map(|o| format!(" (over `{o}`)")).unwrap_or_default()
                ),
                format!(
                    "a sum or difference is as restricted as its most restricted part: declare `measure = \"{}\"`, or leave `measure` out",
                    a.as_str()
                ),
            ));
        }
        (Some(declared), Inferred::Measure(_, over)) => (declared, derived.over.clone().or_else(|| over.clone())),
        (Some(declared), _) => (declared, derived.over.clone()),
    };
    if additivity == Additivity::SemiAdditive {
        let Some(over) = &over else {
            return Err((
                "is semi-additive but names no time reference".to_owned(),
                "add `over = \"...\"`: the fact's reference to its time dimension".to_owned(),
            ));
        };
        let is_reference = fact
            .columns
            .iter()
            .any(|c| &c.name == over && matches!(c.kind, ColumnKind::Reference { .. }));
        if !is_reference {
            return Err((
                format!(
                    "is semi-additive over `{over}`, which is not a reference of `{}`",
                    fact.name
                ),
                "`over` names the fact's reference to its time dimension".to_owned(),
            ));
        }
    } else if derived.over.is_some() {
        return Err((
            format!("sets `over` but is {}", additivity.as_str()),
            "`over` is for semi-additive measures only".to_owned(),
        ));
    }
    Ok((additivity, over))
}

/// What an as-of join compares: keys of one dimension (smart date keys order
/// like their dates), or dates and timestamps.
#[derive(Debug, PartialEq, Eq)]
enum Timeline {
    Keys(String),
    Instants,
}

fn timeline(column: &Column) -> Option<Timeline> {
    match &column.kind {
        ColumnKind::Reference { dimension, .. } => Some(Timeline::Keys(dimension.clone())),
        ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type } => {
            sql_type.is_temporal().then_some(Timeline::Instants)
        }
        _ => None,
    }
}

/// The name of the current-rows view of an SCD2 dimension.
pub fn current_view_name(dimension: &Dimension) -> String {
    crate::naming::current_view(&dimension.name)
}

/// The role of the dimension reached through the mart's bridge.
fn mart_role(mart: &Mart) -> &str {
    mart.through.as_ref().map_or("", |t| t.role.as_str())
}

fn unknown_measure(mart: &Mart, fact: &Fact, name: &str, at: Loc, what: &str) -> Problem {
    let measures: Vec<&str> = fact
        .columns
        .iter()
        .filter(|c| what == "a column" || matches!(c.kind, ColumnKind::Measure { .. }))
        .map(|c| c.name.as_str())
        .collect();
    Problem::new(
        Code::MartUnknownMeasure,
        format!(
            "mart `{}` uses `{name}`, which is not {what} of `{}`",
            mart.name, fact.name
        ),
        at,
        format!("not {what} of the fact"),
    )
    .help(format!(
        "{}: {}",
        if what == "a column" { "columns" } else { "measures" },
        measures.join(", ")
    ))
}

fn resolve_through(
    model: &Model,
    mart: &Mart,
    fact: &Fact,
    through: &crate::model::Through,
    id: TableId,
    problems: &mut Vec<Problem>,
) -> Option<BridgeJoin> {
    let fail = |problems: &mut Vec<Problem>, key: &'static str, message: String, help: &str| {
        problems.push(
            Problem::new(
                Code::BridgeNotConnected,
                message,
                Loc::table(id, key),
                "does not connect",
            )
            .help(help.to_owned()),
        );
    };
    let Some((bridge_index, bridge)) = model.bridges.iter().enumerate().find(|(_, b)| b.name == through.bridge) else {
        let bridges: Vec<&str> = model.bridges.iter().map(|b| b.name.as_str()).collect();
        fail(
            problems,
            "through.bridge",
            format!(
                "mart `{}` goes through `{}`, which is not a bridge of this model",
                mart.name, through.bridge
            ),
            &format!("bridges: {}", bridges.join(", ")),
        );
        return None;
    };
    let reference = fact.columns.iter().find(|c| c.name == through.reference);
    let Some(ColumnKind::Reference { dimension: near, .. }) = reference.map(|c| &c.kind) else {
        fail(
            problems,
            "through.reference",
            format!("`{}` is not a reference column of `{}`", through.reference, fact.name),
            "name the fact's reference to one of the bridge's dimensions, e.g. `reference = \"PROVIDER_KEY\"`",
        );
        return None;
    };
    let side = bridge.dimensions.iter().position(|d| d == near);
    let (Some(side), 2) = (side, bridge.dimensions.len()) else {
        fail(
            problems,
            "through.reference",
            format!(
                "`{}.{}` references `{near}`, which `{}` does not join (it joins {})",
                fact.name,
                through.reference,
                bridge.name,
                bridge.dimensions.join(" and ")
            ),
            "a bridge connects a fact to a many-valued dimension through a dimension they share",
        );
        return None;
    };
    let near_dim = model.dimension(near)?;
    let far_index = model.dimension_index(&bridge.dimensions[1 - side])?;
    let far_dim = &model.dimensions[far_index];
    if through.allocation == Allocation::Weighted && bridge.weight.is_none() {
        fail(
            problems,
            "through.allocation",
            format!(
                "mart `{}` allocates by weight, but `{}` has no `weight`",
                mart.name, bridge.name
            ),
            "use `allocation = \"impact\"` or give the bridge a weighting factor",
        );
    }
    let as_of = match &through.as_of {
        AsOf::All => AsOfJoin::All,
        AsOf::Current => {
            if let Some(current) = bridge.effective.as_ref().and_then(|e| e.current.clone()) {
                AsOfJoin::Current(current)
            } else {
                fail(
                    problems,
                    "through.as_of",
                    format!("`{}` has no current flag (`effective.current`)", bridge.name),
                    "use `as_of = \"all\"` or a fact date reference",
                );
                AsOfJoin::All
            }
        }
        AsOf::FactDate(column) => {
            if let Some(e) = bridge.effective.as_ref() {
                // `from <= fact < to` only means something when the three
                // columns are on one timeline: references to the same (date)
                // dimension, whose keys order like the dates, or all three
                // dates/timestamps. A date key compared with a DATE is not.
                let fact_line = fact.columns.iter().find(|c| &c.name == column).and_then(timeline);
                let from_line = bridge.columns.iter().find(|c| c.name == e.from).and_then(timeline);
                let to_line = bridge.columns.iter().find(|c| c.name == e.to).and_then(timeline);
                match (&fact_line, &from_line, &to_line) {
                    (Some(f), Some(a), Some(b)) if f == a && a == b => AsOfJoin::Between {
                        from: e.from.clone(),
                        to: e.to.clone(),
                        fact: column.clone(),
                    },
                    _ => {
                        let describe = |line: &Option<Timeline>| match line {
                            Some(Timeline::Keys(d)) => format!("a reference to `{d}`"),
                            Some(Timeline::Instants) => "a date/timestamp".to_owned(),
                            None => "not a date".to_owned(),
                        };
                        fail(
                            problems,
                            "through.as_of",
                            format!(
                                "`as_of = \"{column}\"` compares `{}.{column}` ({}) with `{}.{}` ({}) and `{}` ({}); they are not on one timeline",
                                fact.name,
                                describe(&fact_line),
                                bridge.name,
                                e.from,
                                describe(&from_line),
                                e.to,
                                describe(&to_line),
                            ),
                            "name a fact column of the same kind as the bridge's effective columns (both references to one date dimension, or both dates), or use `\"current\"` or `\"all\"`",
                        );
                        AsOfJoin::All
                    }
                }
            } else {
                fail(
                    problems,
                    "through.as_of",
                    format!(
                        "`{}` is not effective-dated, so it cannot be joined as of `{column}`",
                        bridge.name
                    ),
                    "use `as_of = \"all\"`",
                );
                AsOfJoin::All
            }
        }
    };
    Some(BridgeJoin {
        bridge: bridge_index,
        fact_column: through.reference.clone(),
        near_column: near_dim.key.clone(),
        far_column: far_dim.key.clone(),
        reached: far_index,
        allocation: through.allocation,
        as_of,
    })
}
