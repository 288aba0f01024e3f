//! Step 3: data marts (views, secure views, dynamic tables) printed from the
//! plans `model_core::marts` resolved, plus a current-rows view of every
//! SCD2 dimension.

use model_core::marts::{Alias, AsOfJoin, Expr, MartPlan, current_view_name};
use model_core::model::{Allocation, MartKind};
use model_core::{Origin, TableRef, scd2};

use crate::ddl::Target;
use crate::writer::{DynamicTable, FromItem, Ident, ObjectName, Query, Statement};

fn alias(a: Alias) -> String {
    match a {
        Alias::Fact => "f".to_owned(),
        Alias::Dimension(n) => format!("d{n}"),
        Alias::Bridge => "b".to_owned(),
        Alias::Reached => "r".to_owned(),
    }
}

fn column(a: Alias, name: &str) -> String {
    format!("{}.{}", alias(a), Ident(name))
}

/// Print a plan expression.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Column(a, c) => column(*a, c),
        Expr::Times(a, b) => format!("{} * {}", expr(a), expr(b)),
        Expr::Coalesce(e, n) => format!("COALESCE({}, {n})", expr(e)),
        Expr::Sum(e) => format!("SUM({})", expr(e)),
        Expr::Avg(e) => format!("AVG({})", expr(e)),
        Expr::Min(e) => format!("MIN({})", expr(e)),
        Expr::Max(e) => format!("MAX({})", expr(e)),
        Expr::CountAll => "COUNT(*)".to_owned(),
        Expr::CountDistinct(e) => format!("COUNT(DISTINCT {})", expr(e)),
        Expr::Ratio(a, b) => format!("{} / NULLIF({}, 0)", expr(a), expr(b)),
        // `Expr` is non-exhaustive; every variant model-core plans is printed above.
        _ => "NULL".to_owned(),
    }
}

/// The SELECT of a mart.
pub fn query(target: &Target<'_>, plan: &MartPlan) -> Query {
    let model = target.model;
    let mut from = vec![FromItem {
        table: target.object(&model.facts[plan.fact].name),
        alias: alias(Alias::Fact),
        on: Vec::new(),
    }];
    for (i, join) in plan.joins.iter().enumerate() {
        let a = Alias::Dimension(i + 1);
        let dimension = &model.dimensions[join.dimension];
        // LEFT JOIN: a fact row is never lost, even if a key were missing.
        from.push(FromItem {
            table: target.object(&dimension.name),
            alias: alias(a),
            on: vec![format!(
                "{} = {}",
                column(a, &dimension.key),
                column(Alias::Fact, &join.fact_column)
            )],
        });
    }
    if let Some(t) = &plan.through {
        let (bridge, reached) = (&model.bridges[t.bridge], &model.dimensions[t.reached]);
        let mut on = vec![format!(
            "{} = {}",
            column(Alias::Bridge, &t.near_column),
            column(Alias::Fact, &t.fact_column)
        )];
        match &t.as_of {
            AsOfJoin::All => {}
            AsOfJoin::Current(current) => on.push(format!("{} = TRUE", column(Alias::Bridge, current))),
            AsOfJoin::Between { from: start, to, fact } => {
                on.push(format!(
                    "{} <= {}",
                    column(Alias::Bridge, start),
                    column(Alias::Fact, fact)
                ));
                on.push(format!("{} < {}", column(Alias::Fact, fact), column(Alias::Bridge, to)));
            }
        }
        from.push(FromItem {
            table: target.object(&bridge.name),
            alias: alias(Alias::Bridge),
            on,
        });
        // A fact row without a bridge row is allocated to the unknown member (-1).
        from.push(FromItem {
            table: target.object(&reached.name),
            alias: alias(Alias::Reached),
            on: vec![format!(
                "{} = COALESCE({}, -1)",
                column(Alias::Reached, &reached.key),
                column(Alias::Bridge, &t.far_column)
            )],
        });
    }
    Query {
        select: plan.select.iter().map(|(e, name)| (expr(e), name.clone())).collect(),
        from,
        filter: Vec::new(),
        group_by: plan.group_by.iter().map(expr).collect(),
    }
}

fn comment(plan: &MartPlan, target: &Target<'_>) -> Option<String> {
    let model = target.model;
    let base = target.comment(model.marts[plan.mart].comment.as_deref());
    let note = plan.through.as_ref().map(|t| match t.allocation {
        Allocation::Weighted => format!(
            "Weighted allocation through {}: measures are multiplied by {}, so totals equal the fact's.",
            model.bridges[t.bridge].name,
            model.bridges[t.bridge].weight.as_deref().unwrap_or("the weight")
        ),
        _ => format!(
            "Impact (unweighted) through {}: each {} carries the full fact, so totals exceed the fact's.",
            model.bridges[t.bridge].name, model.dimensions[t.reached].name
        ),
    });
    match (base, note) {
        (Some(b), Some(n)) => Some(format!("{b} {n}")),
        (b, n) => b.or(n),
    }
}

/// Every statement of step 3.
pub fn marts(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = Vec::new();
    for d in model.dimensions.iter().filter(|d| d.keeps_history()) {
        let columns = model.layout(TableRef::Dimension(d));
        let select = columns
            .iter()
            .filter(|c| !matches!(c.origin, Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent))
            .map(|c| (column(Alias::Dimension(1), &c.name), c.name.clone()))
            .collect();
        out.push(Statement::CreateView {
            name: target.object(&current_view_name(d)),
            secure: false,
            comment: Some(format!("Current version of each member of {}.", d.name)),
            query: Query {
                select,
                from: vec![FromItem {
                    table: target.object(&d.name),
                    alias: "d1".to_owned(),
                    on: Vec::new(),
                }],
                filter: vec![format!("{} = TRUE", column(Alias::Dimension(1), scd2::IS_CURRENT))],
                group_by: Vec::new(),
            },
        });
    }
    for plan in model.mart_plans() {
        let mart = &model.marts[plan.mart];
        let name: ObjectName = target.object(&mart.name);
        let query = query(target, plan);
        let comment = comment(plan, target);
        out.push(match &mart.kind {
            MartKind::DynamicTable {
                target_lag,
                refresh_mode,
                warehouse,
            } => Statement::CreateDynamicTable(DynamicTable {
                name,
                target_lag: target.text(target_lag),
                refresh_mode: refresh_mode.keyword(),
                warehouse: target.text(warehouse),
                comment,
                query,
            }),
            kind => Statement::CreateView {
                name,
                secure: matches!(kind, MartKind::SecureView),
                comment,
                query,
            },
        });
    }
    out
}
