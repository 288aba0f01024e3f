//! The generated DDL of every model in `schemas/` executed in the Snowflake
//! emulator (fakesnow): every statement must succeed without an "Unsupported"
//! warning (except the allow-list below), a second run must change nothing,
//! rows must go in through the unknown member and through real keys, foreign
//! keys must hold, and `information_schema` must show every table and column
//! with the intended type.
#![allow(clippy::doc_markdown)]

use std::collections::{BTreeMap, BTreeSet};

use dimgen::writer::{Ident, Literal, Statement};
use dimgen_tests::emulator::{Emulator, IGNORED, NOT_EXECUTABLE, Outcome, Step};
use dimgen_tests::{load_model, model_stem, schema_files};
use model_core::{DataType, Origin, PhysicalColumn, TableRef, Validated};
use serde_json::Value;

/// Warnings fakesnow logs for what `DuckDB` cannot store. Snowflake keeps these;
/// the emulator drops them, which is harmless for what the tests check.
const ALLOWED_WARNINGS: &[&str] = &[
    // Column comments (`COMMENT '...'` on a column) are not stored.
    "CommentColumnConstraint unsupported",
    // CLUSTER BY is a Snowflake storage hint with no DuckDB equivalent.
    "Unsupported property clusterproperty",
    // COPY GRANTS on CREATE OR REPLACE VIEW keeps grants; the emulator has none.
    "Unsupported property copygrantsproperty",
];

/// A row of `information_schema.columns`: table, column, data type,
/// precision, scale, maximum length, nullable.
type InfoColumn = (String, String, String, Option<i64>, Option<i64>, Option<i64>, String);

fn disallowed_warnings(outcome: &Outcome) -> Vec<&String> {
    outcome
        .warnings
        .iter()
        .filter(|w| !ALLOWED_WARNINGS.iter().any(|a| w.contains(a)))
        .collect()
}

/// What `information_schema.columns` should say about a column of this type:
/// (`data_type`, `numeric_precision`, `numeric_scale`, `character_maximum_length`).
fn expected_info_schema(ty: DataType) -> (String, Option<i64>, Option<i64>, Option<i64>) {
    match ty {
        DataType::Number { precision, scale } => (
            "NUMBER".into(),
            Some(i64::from(precision)),
            Some(i64::from(scale)),
            None,
        ),
        DataType::Float => ("FLOAT".into(), None, None, None),
        DataType::Varchar(len) => ("TEXT".into(), None, None, Some(len.map_or(16_777_216, i64::from))),
        DataType::Boolean => ("BOOLEAN".into(), None, None, None),
        DataType::Date => ("DATE".into(), None, None, None),
        DataType::TimestampNtz => ("TIMESTAMP_NTZ".into(), None, None, None),
        // DuckDB's TIMESTAMPTZ, which fakesnow reports as TIMESTAMP_TZ.
        DataType::TimestampLtz => ("TIMESTAMP_TZ".into(), None, None, None),
        DataType::Variant => ("VARIANT".into(), None, None, None),
        other => panic!("no expected information_schema type for {other} yet; add it when a model uses it"),
    }
}

/// A sample value of a type for a real (not unknown) member.
fn sample_value(ty: DataType, n: i64) -> String {
    match ty {
        DataType::Number { scale: 0, .. } => n.to_string(),
        DataType::Number { .. } => format!("{n}.25"),
        DataType::Float => format!("{n}.5"),
        DataType::Varchar(Some(len)) => Literal(&"x".repeat((len as usize).min(3))).to_string(),
        DataType::Varchar(None) => Literal(&format!("sample {n} 'quoted' \\ é")).to_string(),
        DataType::Boolean => "TRUE".into(),
        DataType::Date => "'2024-01-15'::DATE".into(),
        DataType::TimestampNtz => "'2024-01-15 10:00:00'::TIMESTAMP_NTZ".into(),
        _ => "NULL".into(),
    }
}

/// The key value of the sample member of each dimension.
fn real_keys(model: &Validated) -> BTreeMap<String, i64> {
    model
        .dimensions
        .iter()
        .map(|d| {
            let key = if d.key_generation == model_core::KeyGeneration::Natural {
                20_240_115
            } else {
                1
            };
            (d.name.clone(), key)
        })
        .collect()
}

fn qualified(db: &str, schema: &str, table: &str) -> String {
    format!("{}.{}.{}", Ident(db), Ident(schema), Ident(table))
}

/// An INSERT of one row whose references all point at `reference` (a key
/// value per dimension) and whose other columns hold sample values.
fn insert_row(
    model: &Validated,
    db: &str,
    schema: &str,
    table: TableRef<'_>,
    keys: &BTreeMap<String, i64>,
    unknown: bool,
    n: i64,
) -> String {
    let columns = model.physical_columns(table);
    let mut names = Vec::new();
    let mut values = Vec::new();
    for column in &columns {
        let value = match (&column.references, &column.origin) {
            (Some(dim), _) => (if unknown { -1 } else { keys[dim] }).to_string(),
            (None, Origin::SurrogateKey(_)) => match table {
                TableRef::Dimension(d) => keys[&d.name].to_string(),
                _ => continue, // facts take their key from IDENTITY
            },
            (None, Origin::Declared(_)) => match table {
                TableRef::Dimension(d) if d.natural_key.contains(&column.name) && d.key == column.name => {
                    keys[&d.name].to_string()
                }
                _ => sample_value(column.sql_type, n),
            },
            (None, Origin::ValidFrom) => "'2024-01-01 00:00:00'::TIMESTAMP_NTZ".into(),
            (None, Origin::ValidTo) => "'9999-12-31 00:00:00'::TIMESTAMP_NTZ".into(),
            (None, _) => "TRUE".into(),
        };
        names.push(Ident(&column.name).to_string());
        values.push(value);
    }
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        qualified(db, schema, table.name()),
        names.join(", "),
        values.join(", ")
    )
}

fn count(outcome: &Outcome) -> i64 {
    outcome
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        .unwrap_or(-999)
}

/// The models of `schemas/`. (The hostile-names model is checked by parsing
/// only: fakesnow 0.12.1 cannot attach a database whose name has a space and
/// builds invalid sequence names for IDENTITY columns of quoted tables.)
#[test]
fn every_model_deploys_in_the_emulator() {
    let Some(emulator) = Emulator::locate() else { return };
    for path in schema_files() {
        let model = load_model(&path);
        for env in &model.environments {
            check_deployment(&emulator, &model, &model_stem(&path), &env.name);
        }
    }
}

fn check_deployment(emulator: &Emulator, model: &Validated, stem: &str, env: &str) {
    let deployment = dimgen::generate(model, env).expect("generate");
    let statements: Vec<&Statement> = deployment.statements().map(|(_, s)| s).collect();
    // Secure views and dynamic tables run as plain views over the same query:
    // fakesnow drops SECURE (with a warning) and knows no dynamic tables.
    let plain_views: Vec<Statement> = statements.iter().filter_map(|s| s.as_plain_view()).collect();
    let executable: Vec<&Statement> = statements
        .iter()
        .copied()
        .filter(|s| !NOT_EXECUTABLE.contains(&s.kind()) && s.as_plain_view().is_none())
        .chain(plain_views.iter())
        .collect();
    let refused: Vec<&Statement> = statements
        .iter()
        .copied()
        .filter(|s| NOT_EXECUTABLE.contains(&s.kind()))
        .collect();
    let db = model_core::interpolate::resolve(&model.database, env, &model.environment(env).unwrap().vars).unwrap();
    let schema_raw = &model.environment(env).unwrap().schema;
    let schema = model_core::interpolate::resolve(schema_raw, env, &model.environment(env).unwrap().vars).unwrap();

    let mut steps: Vec<Step> = Vec::new();
    // 1. the deployment, 2. the deployment again (idempotent).
    for _ in 0..2 {
        steps.extend(executable.iter().map(|s| Step::query(s.to_string())));
    }
    let first_run = 0..executable.len();
    let second_run = executable.len()..2 * executable.len();
    // 3. statements the emulator cannot run must still fail.
    let refused_range = steps.len()..steps.len() + refused.len();
    steps.extend(refused.iter().map(|s| Step::exec(s.to_string())));
    // 4. one unknown member per dimension after two runs.
    let member_counts = steps.len();
    for d in model.dimensions.iter().filter(|d| d.unknown_member) {
        steps.push(Step::query(format!(
            "SELECT COUNT(*) FROM {} WHERE {} = -1",
            qualified(&db, &schema, &d.name),
            Ident(&d.key)
        )));
    }
    // 5. a real member per dimension (outriggers first), then per fact one row
    //    through the unknown members and one through the real keys; bridges too.
    let keys = real_keys(model);
    let inserts = steps.len();
    let mut insert_count = 0;
    for d in model.dimension_order() {
        steps.push(Step::exec(insert_row(
            model,
            &db,
            &schema,
            TableRef::Dimension(d),
            &keys,
            false,
            1,
        )));
        insert_count += 1;
    }
    for table in model
        .facts
        .iter()
        .map(TableRef::Fact)
        .chain(model.bridges.iter().map(TableRef::Bridge))
    {
        for (n, unknown) in [(1, true), (2, false)] {
            steps.push(Step::exec(insert_row(model, &db, &schema, table, &keys, unknown, n)));
            insert_count += 1;
        }
    }
    // 6. every fact row joins to every referenced dimension (unknown member included).
    let joins = steps.len();
    let mut join_checks = Vec::new();
    for f in &model.facts {
        for column in model.physical_columns(TableRef::Fact(f)) {
            let Some(dim) = column.references.as_ref().and_then(|d| model.dimension(d)) else {
                continue;
            };
            steps.push(Step::query(format!(
                "SELECT COUNT(*) FROM {} f JOIN {} d ON f.{} = d.{}",
                qualified(&db, &schema, &f.name),
                qualified(&db, &schema, &dim.name),
                Ident(&column.name),
                Ident(&dim.key)
            )));
            join_checks.push(format!("{}.{} → {}", f.name, column.name, dim.name));
        }
    }
    // 7. a reference to a member that does not exist is refused (FKs exist).
    let fk_checks = steps.len();
    let mut fk_tables = Vec::new();
    for f in &model.facts {
        let columns = model.physical_columns(TableRef::Fact(f));
        if columns.iter().any(|c| c.references.is_some()) {
            let mut bad = keys.clone();
            for v in bad.values_mut() {
                *v = 987_654;
            }
            steps.push(Step::exec(insert_row(
                model,
                &db,
                &schema,
                TableRef::Fact(f),
                &bad,
                false,
                3,
            )));
            fk_tables.push(f.name.clone());
        }
    }
    // 8. information_schema.
    let info = steps.len();
    steps.push(Step::query(format!(
        "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale, character_maximum_length, is_nullable \
         FROM {0}.information_schema.columns WHERE table_schema = {1} \
         AND table_name IN (SELECT table_name FROM {0}.information_schema.tables WHERE table_schema = {1} AND table_type = 'BASE TABLE') \
         ORDER BY table_name, ordinal_position",
        Ident(&db),
        Literal(&schema)
    )));
    // 9. The views: every mart (dynamic tables run as plain views here) and
    // the current view of every SCD2 dimension, nothing else. (fakesnow lists
    // views in information_schema.views only, not in .tables.)
    let views = steps.len();
    steps.push(Step::query(format!(
        "SELECT table_name FROM {}.information_schema.views WHERE table_schema = {} ORDER BY table_name",
        Ident(&db),
        Literal(&schema)
    )));

    let outcomes = emulator.run(&steps);
    let label = format!("{stem} ({env})");
    let mut failures = Vec::new();

    for (run, range) in [("first", first_run), ("second", second_run)] {
        for i in range {
            let outcome = &outcomes[i];
            if let Some(error) = &outcome.error {
                failures.push(format!("{run} run: statement failed: {error}\n{}", steps[i].sql));
            }
            let bad = disallowed_warnings(outcome);
            if !bad.is_empty() {
                failures.push(format!(
                    "{run} run: unsupported in the emulator: {bad:?}\n{}",
                    steps[i].sql
                ));
            }
        }
    }
    // Inserts report the rows they inserted: an unknown member 1 the first
    // time, a generated date dimension its days; 0 the second time.
    for (i, statement) in executable.iter().enumerate() {
        if statement.kind() == "INSERT" {
            let (what, want) = match statement {
                Statement::FillCalendar { days, .. } => ("generated days", i64::from(*days)),
                _ => ("unknown member", 1),
            };
            let first = count(&outcomes[i]);
            let second = count(&outcomes[executable.len() + i]);
            if (first, second) != (want, 0) {
                failures.push(format!(
                    "{what}: inserted {first} then {second} rows (want {want}, 0):\n{statement}"
                ));
            }
        }
    }
    for (i, statement) in refused_range.zip(&refused) {
        if IGNORED.contains(&statement.kind()) {
            if let Some(error) = &outcomes[i].error {
                failures.push(format!(
                    "the emulator now refuses a statement it used to accept and ignore (IGNORED): {error}\n{}",
                    steps[i].sql
                ));
            }
        } else if outcomes[i].error.is_none() {
            failures.push(format!(
                "the emulator now runs a statement listed in NOT_EXECUTABLE; move it to the executed set:\n{}",
                steps[i].sql
            ));
        }
    }
    for (i, d) in model.dimensions.iter().filter(|d| d.unknown_member).enumerate() {
        let n = count(&outcomes[member_counts + i]);
        if n != 1 {
            failures.push(format!("{}: {n} unknown-member rows after two deployments", d.name));
        }
    }
    for i in inserts..inserts + insert_count {
        if let Some(error) = &outcomes[i].error {
            failures.push(format!("sample insert failed: {error}\n{}", steps[i].sql));
        }
    }
    for (i, check) in join_checks.iter().enumerate() {
        let n = count(&outcomes[joins + i]);
        if n != 2 {
            failures.push(format!("join {check}: {n} of 2 fact rows found their dimension row"));
        }
    }
    for (i, table) in fk_tables.iter().enumerate() {
        match &outcomes[fk_checks + i].error {
            Some(e) if e.contains("foreign key") => {}
            other => failures.push(format!(
                "{table}: a reference to a missing member was not refused ({other:?})"
            )),
        }
    }

    let actual_views: BTreeSet<String> = outcomes[views]
        .rows
        .iter()
        .map(|r| r[0].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected_views: BTreeSet<String> = model
        .marts
        .iter()
        .map(|m| m.name.clone())
        .chain(
            model
                .dimensions
                .iter()
                .filter(|d| d.keeps_history())
                .map(model_core::marts::current_view_name),
        )
        // The unknown-member audit of every load with a reference.
        .chain(
            model
                .loads()
                .filter(|l| {
                    l.columns
                        .iter()
                        .any(|c| matches!(c.landing, model_core::ingest::Landing::Lookup { .. }))
                })
                .map(|l| model_core::naming::unknown_members(l.table.name())),
        )
        .collect();
    if actual_views != expected_views {
        failures.push(format!("views: expected {expected_views:?}, found {actual_views:?}"));
    }

    // information_schema: exactly the tables and columns of the model, typed as intended.
    let actual: BTreeSet<InfoColumn> = outcomes[info]
        .rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().unwrap_or_default().to_owned(),
                r[2].as_str().unwrap_or_default().to_owned(),
                r[3].as_i64(),
                r[4].as_i64(),
                r[5].as_i64(),
                r[6].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<_> = model
        .tables()
        .flat_map(|t| {
            model
                .physical_columns(t)
                .into_iter()
                .map(move |c: PhysicalColumn| (t.name().to_owned(), c.name, c.sql_type, c.nullable))
        })
        // The landing tables of the loads: every column nullable.
        .chain(model.loads().flat_map(|plan| {
            let landing = &plan.load.landing;
            plan.plan
                .columns
                .iter()
                .map(move |c| (landing.clone(), c.name.clone(), c.sql_type, true))
        }))
        .map(|(table, name, sql_type, nullable)| {
            let (ty, p, s, len) = expected_info_schema(sql_type);
            (
                table,
                name,
                ty,
                p,
                s,
                len,
                if nullable { "YES".to_owned() } else { "NO".to_owned() },
            )
        })
        .collect();
    for missing in expected.difference(&actual) {
        failures.push(format!("information_schema lacks or differs: expected {missing:?}"));
    }
    for extra in actual.difference(&expected) {
        failures.push(format!("information_schema has unexpected {extra:?}"));
    }
    assert!(
        failures.is_empty(),
        "{label}: {} problem(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{label}: {} statements executed twice, {} refused as expected, {} tables and {} columns verified",
        executable.len(),
        refused.len(),
        model.tables().count(),
        expected.len()
    );
}

/// A generated date dimension with every part and a fiscal year starting in
/// July, filled over 2024 and into 2025, then extended: the values of days
/// whose calendar facts are known (a leap day, ISO weeks across a year end,
/// the fiscal year's edges) are checked against those facts, written out
/// below, and a second fill adds only the new days.
#[test]
fn a_generated_date_dimension_holds_the_calendar() {
    let parts = model_core::model::DatePart::ALL;
    let column = |p: model_core::model::DatePart| {
        let ty = match p.kind() {
            model_core::model::DatePartKind::Number => "int".to_owned(),
            model_core::model::DatePartKind::Text(n) => format!("varchar({n})"),
            model_core::model::DatePartKind::Boolean => "boolean".to_owned(),
            model_core::model::DatePartKind::Date => "date".to_owned(),
        };
        format!("  {{ name = \"{}\", type = \"{ty}\" }},\n", p.as_str().to_uppercase())
    };
    let model = |to: &str| {
        let columns: String = parts.iter().map(|p| column(*p)).collect();
        format!(
            "name = \"calendar\"\ndatabase = \"CAL\"\n[environments.DEV]\nschema = \"DEV\"\n\
             [[dimension]]\nname = \"DIM_DATE\"\nnatural_key = \"DATE_KEY\"\nkey_generation = \"natural\"\n\
             generate = {{ from = \"2024-01-01\", to = \"{to}\", fiscal_year_start = 7 }}\ncolumns = [\n{columns}]\n"
        )
    };
    let fill = |to: &str| -> Vec<Statement> {
        let loaded = model_core::load_str("calendar.toml", &model(to))
            .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
            .model;
        dimgen::generate(&loaded, "DEV")
            .expect("generate")
            .statements()
            .filter(|(file, s)| {
                (file.starts_with("01_") || file.starts_with("02_")) && !NOT_EXECUTABLE.contains(&s.kind())
            })
            .map(|(_, s)| s.clone())
            .collect()
    };
    let Some(emulator) = Emulator::locate() else { return };
    let first = fill("2024-12-31");
    let second = fill("2025-01-31");
    // Each statement's rows: an INSERT's is the count it inserted.
    let mut steps: Vec<Step> = first.iter().map(|s| Step::query(s.to_string())).collect();
    let filled_first = steps.len() - 1;
    steps.extend(second.iter().map(|s| Step::query(s.to_string())));
    let filled_second = steps.len() - 1;
    let names: Vec<String> = parts.iter().map(|p| p.as_str().to_uppercase()).collect();
    steps.push(Step::query(format!(
        "SELECT {} FROM CAL.DEV.DIM_DATE WHERE DATE_KEY IN (20240101, 20240229, 20240630, 20240701, 20241229, 20241230, 20250131) ORDER BY DATE_KEY",
        names.join(", ")
    )));
    steps.push(Step::query(
        "SELECT COUNT(*), COUNT(DISTINCT DATE_KEY) FROM CAL.DEV.DIM_DATE",
    ));
    let outcomes = emulator.run(&steps);
    for (step, outcome) in steps.iter().zip(&outcomes) {
        assert!(outcome.error.is_none(), "{}\n{:?}", step.sql, outcome.error);
        assert!(
            disallowed_warnings(outcome).is_empty(),
            "{}\n{:?}",
            step.sql,
            outcome.warnings
        );
    }
    assert!(
        matches!(first.last(), Some(Statement::FillCalendar { days: 366, .. })),
        "2024 is a leap year"
    );
    assert_eq!(count(&outcomes[filled_first]), 366, "the first fill inserts 2024");
    assert_eq!(
        count(&outcomes[filled_second]),
        31,
        "the second fill adds January 2025 only"
    );
    let totals = &outcomes[outcomes.len() - 1].rows[0];
    // 366 + 31 days and the unknown member.
    assert_eq!((totals[0].as_i64(), totals[1].as_i64()), (Some(398), Some(398)));

    // The calendar facts, one line per day, in the order of DatePart::ALL:
    // full_date, date_key, year, quarter, month, day_of_month, day_of_year,
    // day_of_week (ISO), week_of_year (ISO), year_of_week (ISO), year_month,
    // month_name, month_short, day_name, day_short, quarter_name,
    // year_month_name, is_weekend, is_weekday, is_month_end, week_start,
    // month_start, month_end, fiscal_year, fiscal_quarter, fiscal_month
    // (fiscal years start in July and are named after the year they end in).
    let expected = [
        "2024-01-01|20240101|2024|1|1|1|1|1|1|2024|202401|January|Jan|Monday|Mon|Q1|Jan2024|false|true|false|2024-01-01|2024-01-01|2024-01-31|2024|3|7",
        "2024-02-29|20240229|2024|1|2|29|60|4|9|2024|202402|February|Feb|Thursday|Thu|Q1|Feb2024|false|true|true|2024-02-26|2024-02-01|2024-02-29|2024|3|8",
        "2024-06-30|20240630|2024|2|6|30|182|7|26|2024|202406|June|Jun|Sunday|Sun|Q2|Jun2024|true|false|true|2024-06-24|2024-06-01|2024-06-30|2024|4|12",
        "2024-07-01|20240701|2024|3|7|1|183|1|27|2024|202407|July|Jul|Monday|Mon|Q3|Jul2024|false|true|false|2024-07-01|2024-07-01|2024-07-31|2025|1|1",
        "2024-12-29|20241229|2024|4|12|29|364|7|52|2024|202412|December|Dec|Sunday|Sun|Q4|Dec2024|true|false|false|2024-12-23|2024-12-01|2024-12-31|2025|2|6",
        "2024-12-30|20241230|2024|4|12|30|365|1|1|2025|202412|December|Dec|Monday|Mon|Q4|Dec2024|false|true|false|2024-12-30|2024-12-01|2024-12-31|2025|2|6",
        "2025-01-31|20250131|2025|1|1|31|31|5|5|2025|202501|January|Jan|Friday|Fri|Q1|Jan2025|false|true|true|2025-01-27|2025-01-01|2025-01-31|2025|3|7",
    ];
    let rows = &outcomes[outcomes.len() - 2].rows;
    let shown = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        // Dates and decimals come back tagged by the runner.
        Value::Object(o) => o.values().next().map_or_else(String::new, |v| match v {
            Value::String(s) => s.chars().take(10).collect(),
            other => other.to_string(),
        }),
        other => other.to_string(),
    };
    let got: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(shown).collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(got, expected, "columns: {}", names.join("|"));
}
