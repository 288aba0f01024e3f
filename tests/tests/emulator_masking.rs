//! What each role reads of the personal data, by meaning. The emulator has
//! no masking policies, so the test computes what Snowflake would show:
//!
//! - for every role (the model's and the system roles they roll up to), the
//!   emitted body of each masking policy with `IS_ROLE_IN_SESSION('X')`
//!   replaced by whether X is the role or a role granted to it (the
//!   hierarchy Snowflake walks);
//! - that body evaluated in the emulator over the sample rows, for every
//!   masked column of the tables and landing tables;
//! - every mart and current view queried as the role would read it: views
//!   over the base tables as the role reads them (a view inherits its base
//!   columns' policies), dynamic tables as their owner stored them (clear)
//!   with their own columns' policies on top;
//! - compared with the clear values masked by an independent Rust
//!   implementation of each mask, or with the clear values for a role that
//!   unmasks the class.

use std::collections::{BTreeMap, BTreeSet};

use dimgen::writer::{Expr, Function, Ident, MASKED_VALUE, SqlType, Statement};
use dimgen_tests::emulator::{Emulator, Step};
use dimgen_tests::marts_oracle::filled_tables;
use dimgen_tests::workspace_root;
use model_core::marts::{Alias, Expr as MartExpr, MartPlan};
use model_core::masking::{Holder, MaskedColumn};
use model_core::model::{MartKind, Mask, PiiClass, TableRef};
use model_core::{DataType, Validated};
use serde_json::Value;

/// A value as the emulator returns it, as text (`None` for NULL).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => match (o.get("temporal"), o.get("decimal")) {
            (Some(Value::String(t)), _) | (_, Some(Value::String(t))) => Some(t.clone()),
            _ => Some(v.to_string()),
        },
        other => Some(other.to_string()),
    }
}

/// What a mask makes of a value: the meaning docs/governance.md gives each
/// mask, written again without SQL.
fn masked(mask: Mask, sql_type: DataType, value: Option<&str>) -> Option<String> {
    let value = value?;
    let is_text = matches!(sql_type, DataType::Varchar(_));
    // No more stars than the column holds.
    let stars = match sql_type {
        DataType::Varchar(Some(n)) => "***"[..(n as usize).min(3)].to_owned(),
        _ => "***".to_owned(),
    };
    match mask {
        Mask::Redact if is_text => Some(stars),
        Mask::Partial if is_text => {
            let chars: Vec<char> = value.chars().collect();
            Some(if chars.len() > 4 {
                "*".repeat(chars.len() - 4) + &chars[chars.len() - 4..].iter().collect::<String>()
            } else {
                stars
            })
        }
        // `YYYY-MM-DD...`: the first day of the year, the rest (a time) kept as midnight.
        Mask::Year => Some(format!(
            "{}-01-01{}",
            &value[..4],
            if value.len() > 10 { "T00:00:00" } else { "" }
        )),
        _ => None,
    }
}

/// The body with the session's roles decided and the argument replaced by
/// `column`.
fn decided(body: &Expr, in_session: &BTreeSet<String>, column: &str) -> Expr {
    let again = |e: &Expr| decided(e, in_session, column);
    match body {
        Expr::Column(None, name) if name == MASKED_VALUE => Expr::Column(None, column.to_owned()),
        Expr::Call(Function::IsRoleInSession, args) => match args.as_slice() {
            [Expr::Str(role)] => Expr::Bool(in_session.contains(role)),
            other => panic!("IS_ROLE_IN_SESSION of {other:?}"),
        },
        Expr::Call(f, args) => Expr::Call(*f, args.iter().map(again).collect()),
        Expr::Binary(a, op, b) => Expr::binary(again(a), *op, again(b)),
        Expr::IsNull(e) => Expr::IsNull(Box::new(again(e))),
        Expr::Not(e) => Expr::Not(Box::new(again(e))),
        Expr::Nested(e) => again(e).nested(),
        Expr::Case { when, otherwise } => Expr::Case {
            when: when.iter().map(|(c, v)| (again(c), again(v))).collect(),
            otherwise: otherwise.as_ref().map(|e| Box::new(again(e))),
        },
        other => other.clone(),
    }
}

/// Every role a test session can have: the model's, and the system roles
/// they roll up to; each with the roles in its hierarchy (itself and every
/// role granted to it, transitively).
fn hierarchies(model: &Validated, env: &str) -> BTreeMap<String, BTreeSet<String>> {
    let environment = model.environment(env).unwrap();
    let resolve = |t: &str| model_core::interpolate::resolve(t, &environment.name, &environment.vars).unwrap();
    let edges: Vec<(String, String)> = model
        .roles
        .iter()
        .map(|r| (resolve(&r.name), resolve(&r.parent)))
        .collect();
    let mut roles: BTreeSet<String> = edges.iter().flat_map(|(c, p)| [c.clone(), p.clone()]).collect();
    roles.retain(|r| !r.is_empty());
    roles
        .iter()
        .map(|role| {
            let mut below = BTreeSet::from([role.clone()]);
            loop {
                let more: Vec<String> = edges
                    .iter()
                    .filter(|(child, parent)| below.contains(parent) && !below.contains(child))
                    .map(|(child, _)| child.clone())
                    .collect();
                if more.is_empty() {
                    break;
                }
                below.extend(more);
            }
            (role.clone(), below)
        })
        .collect()
}

/// Whether a role reads `class` in clear: a role in its hierarchy unmasks it.
fn unmasks(model: &Validated, env: &str, below: &BTreeSet<String>, class: PiiClass) -> bool {
    let environment = model.environment(env).unwrap();
    let resolve = |t: &str| model_core::interpolate::resolve(t, &environment.name, &environment.vars).unwrap();
    model
        .roles
        .iter()
        .any(|r| below.contains(&resolve(&r.name)) && r.unmask.contains(&class))
}

/// The base column a mart's output keeps the values of (passed through,
/// MIN or MAX), with its table.
fn kept<'m>(model: &'m Validated, plan: &MartPlan, expr: &MartExpr) -> Option<(TableRef<'m>, String)> {
    let (alias, column) = match expr {
        MartExpr::Column(a, c) => (a, c),
        MartExpr::Min(e) | MartExpr::Max(e) => match e.as_ref() {
            MartExpr::Column(a, c) => (a, c),
            _ => return None,
        },
        _ => return None,
    };
    let table = match alias {
        Alias::Fact => TableRef::Fact(&model.facts[plan.fact]),
        Alias::Dimension(n) => TableRef::Dimension(&model.dimensions[plan.joins[n - 1].dimension]),
        Alias::Bridge => TableRef::Bridge(&model.bridges[plan.through.as_ref()?.bridge]),
        Alias::Reached => TableRef::Dimension(&model.dimensions[plan.through.as_ref()?.reached]),
    };
    Some((table, column.clone()))
}

/// The model with its first environment deployed to another schema.
fn moved(model: &Validated, schema: &str) -> Validated {
    let mut m = model.clone().into_model();
    schema.clone_into(&mut m.environments[0].schema);
    Validated::new(m).expect("a valid model stays valid in another schema")
}

struct Read {
    label: String,
    role: String,
    class: PiiClass,
    mask: Mask,
    sql_type: DataType,
    clear: usize,
    seen: usize,
}

fn check_model(emulator: &Emulator, model: &Validated) -> (Vec<String>, Vec<String>) {
    let env = model.environments[0].name.clone();
    let environment = &model.environments[0];
    let resolve = |t: &str| model_core::interpolate::resolve(t, &environment.name, &environment.vars).unwrap();
    let db = resolve(&model.database);
    let plan = model.masking();
    let deployment = dimgen::generate(model, &env).unwrap();
    let bodies: BTreeMap<String, Expr> = deployment
        .statements()
        .filter_map(|(_, s)| match s {
            Statement::MaskingPolicy {
                name,
                body,
                alter: false,
                ..
            } => Some((name.object().to_owned(), body.clone())),
            _ => None,
        })
        .collect();
    let q = |schema: &str, object: &str| format!("{}.{}.{}", Ident(&db), Ident(schema), Ident(object));
    let policy_of = |object: &str, column: &str| -> Option<&MaskedColumn> {
        plan.columns.iter().find(|c| c.object == object && c.column == column)
    };

    let mut steps = vec![];
    let clear = moved(model, "CLEAR");
    steps.extend(filled_tables(&clear, &env).into_iter().map(Step::exec));
    let clear_deployment = dimgen::generate(&clear, &env).unwrap();
    for (file, s) in clear_deployment.statements() {
        if file.starts_with("03_") {
            steps.push(Step::exec(s.as_plain_view().unwrap_or_else(|| s.clone()).to_string()));
        }
    }
    let setup = steps.len();
    let mut reads: Vec<Read> = Vec::new();
    let query = |steps: &mut Vec<Step>, sql: String| {
        steps.push(Step::query(sql));
        steps.len() - 1
    };

    let roles = hierarchies(model, &env);
    let mut covered = BTreeSet::new();
    for (r, (role, below)) in roles.iter().enumerate() {
        let schema = format!("AS_ROLE_{r}");
        steps.push(Step::exec(format!(
            "CREATE SCHEMA IF NOT EXISTS {}.{}",
            Ident(&db),
            Ident(&schema)
        )));
        let masked_expr = |column: &MaskedColumn, name: &str| {
            let policy = &plan.policies[column.policy];
            let body = decided(&bodies[&policy.name], below, name);
            format!("CAST({body} AS {})", SqlType(policy.sql_type))
        };
        // Each policy over the clear values of its column, in the tables and
        // the landing tables (a landing column holds its target column's values).
        for column in &plan.columns {
            let source = match column.holder {
                Holder::Table => column.object.clone(),
                Holder::Landing => {
                    let load = model.loads.iter().find(|l| l.landing == column.object).unwrap();
                    load.table.clone()
                }
                Holder::DynamicTable => continue,
            };
            let policy = &plan.policies[column.policy];
            let seen = query(
                &mut steps,
                format!(
                    "SELECT DISTINCT {} FROM {}",
                    masked_expr(column, &column.column),
                    q("CLEAR", &source)
                ),
            );
            let clear = query(
                &mut steps,
                format!("SELECT DISTINCT {} FROM {}", Ident(&column.column), q("CLEAR", &source)),
            );
            covered.insert((column.object.clone(), column.column.clone()));
            reads.push(Read {
                label: format!("{role} reading {}.{}", column.object, column.column),
                role: role.clone(),
                class: column.class,
                mask: policy.mask,
                sql_type: policy.sql_type,
                clear,
                seen,
            });
        }
        // The tables as this role reads them, as views of the clear ones.
        for (table, layout) in model.tables_in_order() {
            let items: Vec<String> = layout
                .iter()
                .map(|c| match policy_of(table.name(), &c.name) {
                    Some(m) => format!("{} AS {}", masked_expr(m, &Ident(&c.name).to_string()), Ident(&c.name)),
                    None => Ident(&c.name).to_string(),
                })
                .collect();
            steps.push(Step::exec(format!(
                "CREATE OR REPLACE VIEW {} AS SELECT {} FROM {}",
                q(&schema, table.name()),
                items.join(", "),
                q("CLEAR", table.name())
            )));
        }
        // Views over them; dynamic tables as their owner stored them (the
        // clear schema's), with their own columns' policies.
        let here = moved(model, &schema);
        for (file, s) in dimgen::generate(&here, &env).unwrap().statements() {
            if !file.starts_with("03_") {
                continue;
            }
            if let Statement::CreateDynamicTable(dt) = s {
                let name = dt.name.0.last().unwrap().clone();
                let mart_plan = model
                    .mart_plans()
                    .iter()
                    .find(|p| model.marts[p.mart].name == name)
                    .unwrap();
                let items: Vec<String> = mart_plan
                    .select
                    .iter()
                    .map(|(_, out)| match policy_of(&name, out) {
                        Some(m) => format!("{} AS {}", masked_expr(m, &Ident(out).to_string()), Ident(out)),
                        None => Ident(out).to_string(),
                    })
                    .collect();
                steps.push(Step::exec(format!(
                    "CREATE OR REPLACE VIEW {} AS SELECT {} FROM {}",
                    q(&schema, &name),
                    items.join(", "),
                    q("CLEAR", &name)
                )));
            } else {
                steps.push(Step::exec(s.as_plain_view().unwrap_or_else(|| s.clone()).to_string()));
            }
        }
        // Every mart column that keeps a PII column's values, as the role reads it.
        for mart_plan in model.mart_plans() {
            let mart = &model.marts[mart_plan.mart];
            for (expr, out) in &mart_plan.select {
                let Some((table, column)) = kept(model, mart_plan, expr) else {
                    continue;
                };
                let Some(base) = policy_of(table.name(), &column) else {
                    continue;
                };
                let policy = &plan.policies[base.policy];
                let seen = query(
                    &mut steps,
                    format!("SELECT DISTINCT {} FROM {}", Ident(out), q(&schema, &mart.name)),
                );
                let clear = query(
                    &mut steps,
                    format!("SELECT DISTINCT {} FROM {}", Ident(out), q("CLEAR", &mart.name)),
                );
                let kind = if matches!(mart.kind, MartKind::DynamicTable { .. }) {
                    "dynamic table"
                } else {
                    "view"
                };
                covered.insert((format!("{kind} {}", mart.name), out.clone()));
                reads.push(Read {
                    label: format!(
                        "{role} reading {kind} {}.{out} (from {}.{column})",
                        mart.name,
                        table.name()
                    ),
                    role: role.clone(),
                    class: base.class,
                    mask: policy.mask,
                    sql_type: policy.sql_type,
                    clear,
                    seen,
                });
            }
        }
    }

    let outcomes = emulator.run(&steps);
    let mut problems = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        if let Some(error) = &outcome.error {
            let phase = if i < setup { "setup" } else { "a role's schema" };
            problems.push(format!("{phase}: statement failed: {error}\n{}", steps[i].sql));
        }
    }
    let values = |i: usize| -> BTreeSet<Option<String>> { outcomes[i].rows.iter().map(|row| text(&row[0])).collect() };
    let mut lines = Vec::new();
    for read in &reads {
        let role = read.role.as_str();
        let clear = values(read.clear);
        let seen = values(read.seen);
        let in_clear = unmasks(model, &env, &roles[role], read.class);
        let expected: BTreeSet<Option<String>> = if in_clear {
            clear.clone()
        } else {
            clear
                .iter()
                .map(|v| masked(read.mask, read.sql_type, v.as_deref()))
                .collect()
        };
        if clear.iter().all(Option::is_none) {
            problems.push(format!("{}: the sample has no value to mask", read.label));
        }
        if !in_clear && expected == clear {
            problems.push(format!("{}: the mask changes no sample value: {clear:?}", read.label));
        }
        if seen != expected {
            problems.push(format!(
                "{}: read {seen:?}, but {} ({:?}) should read {expected:?}; clear: {clear:?}",
                read.label,
                if in_clear {
                    "a role that unmasks the class"
                } else {
                    "a masked role"
                },
                read.class,
            ));
        }
        lines.push(format!("{}: {}", read.label, if in_clear { "clear" } else { "masked" }));
    }
    // Every PII column of the tables and of the landing tables is covered.
    for table in model.tables() {
        for c in table.columns().iter().filter(|c| c.pii.is_some()) {
            if !covered.contains(&(table.name().to_owned(), c.name.clone())) {
                problems.push(format!("{}.{} is pii but no policy is read", table.name(), c.name));
            }
        }
    }
    for load in &model.loads {
        let table = model.tables().find(|t| t.name() == load.table).unwrap();
        for c in table.columns().iter().filter(|c| c.pii.is_some()) {
            if !covered.contains(&(load.landing.clone(), c.name.clone())) {
                problems.push(format!("landing table {}.{} is not masked", load.landing, c.name));
            }
        }
    }
    (problems, lines)
}

/// The roles of `lines` (from `check_model`) that read `how` (`clear` or `masked`).
fn readers<'a>(lines: &'a [String], how: &str) -> BTreeSet<&'a str> {
    lines
        .iter()
        .filter(|l| l.ends_with(&format!(": {how}")))
        .filter_map(|l| l.split(' ').next())
        .collect()
}

/// The model of `schema` (a path from the workspace root) and what every
/// role reads of it; no problem may be found on the way.
fn read_clean(emulator: &Emulator, schema: &str) -> (Validated, Vec<String>) {
    let model = dimgen_tests::load_model(&workspace_root().join(schema));
    let (problems, lines) = check_model(emulator, &model);
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    (model, lines)
}

/// Retail: the engineer (and SYSADMIN above it) reads clear values, the
/// merchandiser masks, through the customer dimension and its contact mask.
#[test]
fn the_retail_merchandiser_reads_masks() {
    let Some(emulator) = Emulator::locate() else { return };
    let (model, lines) = read_clean(&emulator, "schemas/retail.toml");
    let env = &model.environments[0].name;
    for (role, how) in [
        (format!("RETAIL_{env}_ENGINEER"), "clear"),
        ("SYSADMIN".to_owned(), "clear"),
        (format!("RETAIL_{env}_MERCHANDISER"), "masked"),
    ] {
        let mine: Vec<&String> = lines.iter().filter(|l| l.starts_with(&format!("{role} "))).collect();
        assert!(!mine.is_empty(), "{role}: nothing read");
        assert!(
            mine.iter().all(|l| l.ends_with(&format!(": {how}"))),
            "{role}: {mine:#?}"
        );
    }
    assert!(lines.iter().any(|l| l.contains("reading DIM_CUSTOMER.EMAIL")));
}

#[test]
fn every_role_reads_personal_data_masked_unless_it_unmasks_the_class() {
    let Some(emulator) = Emulator::locate() else { return };
    let (model, lines) = read_clean(&emulator, "schemas/healthcare.toml");
    // The healthcare model's roles: DATA_ENGINEER and the deploying role
    // above it read clear values, every other role masks.
    let (clear, masked) = (readers(&lines, "clear"), readers(&lines, "masked"));
    let env = &model.environments[0].name;
    assert_eq!(
        clear,
        BTreeSet::from([format!("{env}_DATA_ENGINEER").as_str(), "SYSADMIN"])
    );
    assert_eq!(
        masked,
        BTreeSet::from([
            format!("{env}_DATA_ANALYST").as_str(),
            format!("{env}_DATA_SCIENTIST").as_str(),
            format!("{env}_ML_ENGINEER").as_str(),
        ])
    );
    // Through a view, a secure view, a dynamic table and a landing table.
    for what in [
        "reading view MART_MARKETING_ENCOUNTER_REACH.PATIENT_LOCATION_CITY",
        "reading view MART_HR_SATISFACTION.PROVIDER_FULL_NAME",
        "reading dynamic table MART_OPERATIONS_CARE_TEAM.CARE_PROVIDER_FULL_NAME",
        "reading DIM_PATIENT_LANDING.DATE_OF_BIRTH",
        "reading DIM_CONTACT.CONTACT",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(what)),
            "nothing checked {what}:\n{}",
            lines.join("\n")
        );
    }
}

/// Every model of `schemas/`, with a reader that unmasks nothing and sits
/// outside the model's hierarchy added: it masks every PII column it can
/// reach, and no check fails. (The hostile fixture cannot run in fakesnow:
/// it refuses its database name and sequences; its policies are checked by
/// snapshot and by the output checker.)
#[test]
fn every_model_masks_a_reader_that_unmasks_nothing() {
    let Some(emulator) = Emulator::locate() else { return };
    for path in dimgen_tests::schema_files() {
        let mut model = dimgen_tests::load_model(&path).into_model();
        if !model.tables().any(|t| t.columns().iter().any(|c| c.pii.is_some())) {
            continue;
        }
        model.roles.push(model_core::model::Role {
            name: "PLAIN_READER".to_owned(),
            comment: None,
            parent: "SYSADMIN".to_owned(),
            grants: Vec::new(),
            warehouses: Vec::new(),
            unmask: Vec::new(),
        });
        let model = Validated::new(model).expect("a reader keeps the model valid");
        let (problems, lines) = check_model(&emulator, &model);
        let label = path.display();
        assert!(
            problems.is_empty(),
            "{label}: {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
        let mine: Vec<&String> = lines.iter().filter(|l| l.starts_with("PLAIN_READER ")).collect();
        assert!(!mine.is_empty(), "{label}: the reader read nothing");
        assert!(mine.iter().all(|l| l.ends_with(": masked")), "{label}: {mine:#?}");
    }
}
