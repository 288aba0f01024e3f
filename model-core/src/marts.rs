//! Resolving a mart against the model: which dimensions it joins under which
//! role, which bridge it goes through, and how every output column is
//! computed — with the Kimball rules (additivity, semi-additivity over time,
//! bridges that connect) checked on the way. Validation reports the problems;
//! codegen prints the plan as SQL.

use std::collections::HashMap;

use crate::code::Code;
use crate::diagnostic::{Loc, Problem, TableId};
use crate::layout::{Layouts, layout_of};
use crate::model::{
    Additivity, Aggregate, Allocation, AsOf, Column, ColumnKind, Dimension, Fact, Mart, Model, TableKind,
};
use crate::naming::default_role;

/// A table in the mart's FROM clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// The fact (`f`).
    Fact,
    /// The n-th joined dimension (`d1`, `d2`, ...).
    Dimension(usize),
    /// The bridge (`b`).
    Bridge,
    /// The dimension reached through the bridge (`r`).
    Reached,
}

/// An expression of the mart's SELECT list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expr {
    /// `alias.column`.
    Column(Alias, String),
    /// `a * b`.
    Times(Box<Expr>, Box<Expr>),
    /// `COALESCE(e, n)`.
    Coalesce(Box<Expr>, i64),
    /// `SUM(e)`.
    Sum(Box<Expr>),
    /// `AVG(e)`.
    Avg(Box<Expr>),
    /// `MIN(e)`.
    Min(Box<Expr>),
    /// `MAX(e)`.
    Max(Box<Expr>),
    /// `COUNT(*)`.
    CountAll,
    /// `COUNT(DISTINCT e)`.
    CountDistinct(Box<Expr>),
    /// `a / NULLIF(b, 0)`.
    Ratio(Box<Expr>, Box<Expr>),
}

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

    let mut joins: Vec<Join> = Vec::new();
    let mut select = Vec::new();
    let mut group_by = Vec::new();
    for (i, attribute) in mart.attributes.iter().enumerate() {
        let at = Loc::table_item(id, "attributes", i);
        let Some((role, column)) = attribute.split_once('.') else {
            problems.push(
                Problem::new(
                    Code::MartUnknownAttribute,
                    format!("mart `{}`: `{attribute}` is not `ROLE.ATTRIBUTE`", mart.name),
                    at,
                    "expected ROLE.ATTRIBUTE",
                )
                .help("e.g. `PAID_DATE.YEAR`: the role of a reference of the fact, a dot, a column of its dimension"),
            );
            continue;
        };
        let (alias, dimension) = if through.is_some() && mart_role(mart).eq_ignore_ascii_case(role) {
            (Alias::Reached, through.as_ref().map(|t| t.reached))
        } else if mart.through.is_some() && mart_role(mart).eq_ignore_ascii_case(role) {
            continue; // the bridge did not resolve; that problem is reported already
        } else if let Some((fact_column, dim)) = roles.get(&role.to_uppercase()) {
            let index = joins
                .iter()
                .position(|j| j.role.eq_ignore_ascii_case(role))
                .unwrap_or_else(|| {
                    joins.push(Join {
                        role: role.to_owned(),
                        dimension: *dim,
                        fact_column: fact_column.clone(),
                    });
                    joins.len() - 1
                });
            (Alias::Dimension(index + 1), Some(*dim))
        } else {
            let mut known: Vec<&str> = roles.keys().map(String::as_str).collect();
            known.sort_unstable();
            problems.push(
                Problem::new(
                    Code::MartUnknownAttribute,
                    format!("mart `{}`: `{role}` is not a role of `{}`", mart.name, fact.name),
                    at,
                    "unknown role",
                )
                .help(format!("roles of `{}`: {}", fact.name, known.join(", "))),
            );
            continue;
        };
        let Some(dimension_index) = dimension else {
            continue;
        };
        let dimension = &model.dimensions[dimension_index];
        let physical = layout_of(model, layouts, TableKind::Dimension, dimension_index);
        if !physical.iter().any(|c| c.name == column) {
            let names: Vec<&str> = physical.iter().map(|c| c.name.as_str()).collect();
            problems.push(
                Problem::new(
                    Code::MartUnknownAttribute,
                    format!(
                        "mart `{}`: `{column}` is not a column of `{}` (role `{role}`)",
                        mart.name, dimension.name
                    ),
                    at,
                    "no such attribute",
                )
                .help(format!("columns of `{}`: {}", dimension.name, names.join(", "))),
            );
            continue;
        }
        let expr = col(alias, column);
        select.push((expr.clone(), format!("{role}_{column}")));
        if mart.is_aggregate() {
            group_by.push(expr);
        }
    }

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
        Some(w) => Expr::Times(Box::new(e), Box::new(w.clone())),
        None => e,
    };
    let fact_columns: Vec<&str> = fact.columns.iter().map(|c| c.name.as_str()).collect();
    let measure = |name: &str| {
        fact.columns
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| match &c.kind {
                ColumnKind::Measure { additivity, over, .. } => Some((*additivity, over.clone())),
                _ => None,
            })
    };

    if mart.is_aggregate() && !mart.columns.is_empty() {
        problems.push(
            Problem::new(
                Code::MartShape,
                format!("mart `{}` aggregates, so it cannot also list fact `columns`", mart.name),
                Loc::table(id, "columns"),
                "row-level columns",
            )
            .help("an aggregate groups by `attributes`; list measures in `sum`, `avg`, `min`, `max`"),
        );
    }
    for (i, name) in mart.columns.iter().enumerate() {
        if !fact_columns.contains(&name.as_str()) {
            problems.push(unknown_measure(
                mart,
                fact,
                name,
                Loc::table_item(id, "columns", i),
                "a column",
            ));
            continue;
        }
        // Allocation splits amounts; a non-additive value (a price, a lab
        // result) is the same for every member it reaches, so it is kept.
        let splits = measure(name).is_some_and(|(a, _)| a != Additivity::NonAdditive);
        let expr = col(Alias::Fact, name);
        select.push((if splits { allocated(expr) } else { expr }, name.clone()));
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
            a.split_once('.').is_some_and(|(r, c)| {
                r.eq_ignore_ascii_case(&role) && (c == dim.key || dim.natural_key.iter().any(|k| k == c))
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
                None => problems.push(unknown_measure(mart, fact, m, at, "a measure")),
                Some((Additivity::NonAdditive, _)) => problems.push(
                    Problem::new(
                        Code::NonAdditiveSum,
                        format!("mart `{}` sums `{m}`, which is non-additive", mart.name),
                        at,
                        "cannot be summed",
                    )
                    .help("use `avg`, `min` or `max`, or a `ratio` of additive measures"),
                ),
                Some((Additivity::SemiAdditive, over)) if !over.as_deref().is_some_and(time_grouped) => {
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
                Some(_) => select.push((Expr::Sum(Box::new(allocated(col(Alias::Fact, m)))), m.clone())),
            },
            Aggregate::Avg(m) | Aggregate::Min(m) | Aggregate::Max(m) => {
                if measure(m).is_none() {
                    problems.push(unknown_measure(mart, fact, m, at, "a measure"));
                    continue;
                }
                let inner = Box::new(col(Alias::Fact, m));
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
                let mut ok = true;
                for m in [numerator, denominator] {
                    match measure(m) {
                        None => {
                            problems.push(unknown_measure(mart, fact, m, at.clone(), "a measure"));
                            ok = false;
                        }
                        Some((Additivity::Additive, _)) => {}
                        Some((additivity, _)) => {
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
                            ok = false;
                        }
                    }
                }
                if ok {
                    select.push((
                        Expr::Ratio(
                            Box::new(Expr::Sum(Box::new(allocated(col(Alias::Fact, numerator))))),
                            Box::new(Expr::Sum(Box::new(allocated(col(Alias::Fact, denominator))))),
                        ),
                        name.clone(),
                    ));
                }
            }
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
                .help("each attribute is named ROLE_ATTRIBUTE and each aggregate after its measure; drop one"),
            );
        }
    }
    if problems.is_empty() {
        Ok(MartPlan {
            mart: id.index,
            fact: fact_index,
            joins,
            through,
            select,
            group_by,
        })
    } else {
        Err(problems)
    }
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
