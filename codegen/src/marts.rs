//! Step 3: data marts (views, secure views, dynamic tables) printed from the
//! plans `model_core::marts` resolved, plus a current-rows view of every
//! SCD2 dimension.

use model_core::expression::{Function as MartFunction, Operator};
use model_core::marts::{Alias, AsOfJoin, Expr, MartPlan, current_view_name};
use model_core::model::{Allocation, MartKind};
use model_core::{Origin, TableRef, scd2};

use crate::ddl::Target;
use crate::writer::{self, DynamicTable, Join, JoinKind, ObjectName, Query, Relation, Select, SelectItem, Statement};

fn alias(a: Alias) -> writer::Alias {
    writer::Alias::new(match a {
        Alias::Fact => "f".to_owned(),
        Alias::Dimension(n) => format!("d{n}"),
        Alias::Bridge => "b".to_owned(),
        Alias::Reached => "r".to_owned(),
    })
}

fn column(a: Alias, name: &str) -> writer::Expr {
    writer::Expr::column(&alias(a), name)
}

/// A plan expression as SQL.
pub fn expr(e: &Expr) -> writer::Expr {
    use writer::{BinaryOp, Expr as Sql, Function};
    match e {
        Expr::Column(a, c) => column(*a, c),
        Expr::Times(a, b) => Sql::binary(expr(a), BinaryOp::Times, expr(b)),
        Expr::Coalesce(e, n) => Sql::call(Function::Coalesce, [expr(e), Sql::Int(*n)]),
        Expr::Sum(e) => Sql::call(Function::Sum, [expr(e)]),
        Expr::Avg(e) => Sql::call(Function::Avg, [expr(e)]),
        Expr::Min(e) => Sql::call(Function::Min, [expr(e)]),
        Expr::Max(e) => Sql::call(Function::Max, [expr(e)]),
        Expr::CountAll => Sql::CountAll,
        Expr::CountDistinct(e) => Sql::CountDistinct(Box::new(expr(e))),
        Expr::Ratio(a, b) => Sql::binary(
            expr(a),
            BinaryOp::Divide,
            Sql::call(Function::NullIf, [expr(b), Sql::Int(0)]),
        ),
        Expr::Number(n) => Sql::Number(n.clone()),
        Expr::Text(t) => Sql::Str(t.clone()),
        Expr::Date(d) => Sql::Cast(Box::new(Sql::Str(d.as_str().to_owned())), model_core::DataType::Date),
        Expr::Bool(b) => Sql::Bool(*b),
        Expr::Binary(a, op, b) => Sql::binary(expr(a), operator(*op), expr(b)),
        Expr::Negate(e) => Sql::Negate(Box::new(expr(e))),
        Expr::Not(e) => Sql::Not(Box::new(expr(e))),
        Expr::IsNull { expr: e, negated } => {
            if *negated {
                Sql::IsNotNull(Box::new(expr(e)))
            } else {
                Sql::IsNull(Box::new(expr(e)))
            }
        }
        Expr::Between {
            expr: e,
            low,
            high,
            negated,
        } => Sql::Between {
            expr: Box::new(expr(e)),
            low: Box::new(expr(low)),
            high: Box::new(expr(high)),
            negated: *negated,
        },
        Expr::InList { expr: e, list, negated } => Sql::InList {
            expr: Box::new(expr(e)),
            list: list.iter().map(expr).collect(),
            negated: *negated,
        },
        Expr::Like {
            expr: e,
            pattern,
            negated,
            case_insensitive,
        } => Sql::Like {
            expr: Box::new(expr(e)),
            pattern: Box::new(expr(pattern)),
            negated: *negated,
            case_insensitive: *case_insensitive,
        },
        Expr::Call(f, args) => Sql::Call(function(*f), args.iter().map(expr).collect()),
        Expr::Case { when, otherwise } => Sql::Case {
            when: when.iter().map(|(c, v)| (expr(c), expr(v))).collect(),
            otherwise: otherwise.as_deref().map(|e| Box::new(expr(e))),
        },
        Expr::Nested(e) => Sql::Nested(Box::new(expr(e))),
        // `Expr` is non-exhaustive; every variant model-core plans is printed above.
        _ => Sql::Null,
    }
}

fn operator(op: Operator) -> writer::BinaryOp {
    use writer::BinaryOp as B;
    match op {
        Operator::Plus => B::Plus,
        Operator::Minus => B::Minus,
        Operator::Times => B::Times,
        Operator::Divide => B::Divide,
        Operator::Modulo => B::Modulo,
        Operator::Eq => B::Eq,
        Operator::NotEq => B::NotEq,
        Operator::Lt => B::Lt,
        Operator::LtEq => B::LtEq,
        Operator::Gt => B::Gt,
        Operator::GtEq => B::GtEq,
        Operator::And => B::And,
        Operator::Or => B::Or,
    }
}

fn function(f: MartFunction) -> writer::Function {
    use writer::Function as W;
    match f {
        MartFunction::Abs => W::Abs,
        MartFunction::Round => W::Round,
        MartFunction::Floor => W::Floor,
        MartFunction::Ceil => W::Ceil,
        MartFunction::Coalesce => W::Coalesce,
        MartFunction::NullIf => W::NullIf,
        MartFunction::Iff => W::Iff,
        MartFunction::Upper => W::Upper,
        MartFunction::Lower => W::Lower,
        MartFunction::Trim => W::Trim,
        MartFunction::Length => W::Length,
        MartFunction::Substr => W::Substr,
        MartFunction::Year => W::Year,
        MartFunction::Quarter => W::Quarter,
        MartFunction::Month => W::Month,
        MartFunction::Day => W::Day,
    }
}

fn left_join(target: &Target<'_>, table: &str, a: Alias, on: Vec<writer::Expr>) -> Join {
    Join {
        kind: JoinKind::Left,
        relation: Relation::Table(target.object(table)),
        alias: alias(a),
        on,
    }
}

/// The SELECT of a mart.
pub fn query(target: &Target<'_>, plan: &MartPlan) -> Query {
    use writer::BinaryOp;
    let model = target.model;
    let fact = Relation::Table(target.object(&model.facts[plan.fact].name));
    let mut select = Select::new(
        plan.select
            .iter()
            .map(|(e, name)| SelectItem::named(expr(e), name))
            .collect(),
        fact,
        alias(Alias::Fact),
    );
    for (i, join) in plan.joins.iter().enumerate() {
        let a = Alias::Dimension(i + 1);
        let dimension = &model.dimensions[join.dimension];
        // LEFT JOIN: a fact row is never lost, even if a key were missing.
        select.joins.push(left_join(
            target,
            &dimension.name,
            a,
            vec![column(a, &dimension.key).eq(column(Alias::Fact, &join.fact_column))],
        ));
    }
    if let Some(t) = &plan.through {
        let (bridge, reached) = (&model.bridges[t.bridge], &model.dimensions[t.reached]);
        let mut on = vec![column(Alias::Bridge, &t.near_column).eq(column(Alias::Fact, &t.fact_column))];
        match &t.as_of {
            AsOfJoin::All => {}
            AsOfJoin::Current(current) => on.push(column(Alias::Bridge, current).eq(writer::Expr::Bool(true))),
            AsOfJoin::Between { from: start, to, fact } => {
                on.push(writer::Expr::binary(
                    column(Alias::Bridge, start),
                    BinaryOp::LtEq,
                    column(Alias::Fact, fact),
                ));
                on.push(writer::Expr::binary(
                    column(Alias::Fact, fact),
                    BinaryOp::Lt,
                    column(Alias::Bridge, to),
                ));
            }
        }
        select.joins.push(left_join(target, &bridge.name, Alias::Bridge, on));
        // A fact row without a bridge row is allocated to the unknown member (-1).
        select.joins.push(left_join(
            target,
            &reached.name,
            Alias::Reached,
            vec![column(Alias::Reached, &reached.key).eq(writer::Expr::call(
                writer::Function::Coalesce,
                [column(Alias::Bridge, &t.far_column), writer::Expr::Int(-1)],
            ))],
        ));
    }
    // The user's condition, in parentheses when it is an OR, so that a
    // condition added beside it can never change what it means.
    select.filter = plan
        .filter
        .iter()
        .map(|f| match f {
            Expr::Binary(_, Operator::Or, _) => writer::Expr::Nested(Box::new(expr(f))),
            f => expr(f),
        })
        .collect();
    select.group_by = plan.group_by.iter().map(expr).collect();
    Query::Select(Box::new(select))
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
        let items = columns
            .iter()
            .filter(|c| !matches!(c.origin, Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent))
            .map(|c| SelectItem::named(column(Alias::Dimension(1), &c.name), &c.name))
            .collect();
        let mut select = Select::new(
            items,
            Relation::Table(target.object(&d.name)),
            alias(Alias::Dimension(1)),
        );
        select.filter = vec![column(Alias::Dimension(1), scd2::IS_CURRENT).eq(writer::Expr::Bool(true))];
        out.push(Statement::CreateView {
            name: target.object(&current_view_name(d)),
            secure: false,
            comment: Some(format!("Current version of each member of {}.", d.name)),
            query: Query::Select(Box::new(select)),
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
                refresh_mode: *refresh_mode,
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
