//! Data marts verified in the Snowflake emulator (fakesnow) against numbers
//! computed in Rust.
//!
//! For every model in `schemas/` (first environment) and for a small model
//! declared below that has every mart shape, one emulator session:
//!
//! 1. runs `01_database.sql` and `02_tables.sql` (the executable statements);
//! 2. loads deterministic sample rows, generated here, in dependency order:
//!    dimension members (SCD2 dimensions with two versions of some members,
//!    VALID_FROM / VALID_TO / IS_CURRENT set right), fact rows referencing
//!    real members, older versions and the unknown member (-1), and bridge
//!    rows whose weights sum to 1 per near member at every date (one, two or
//!    three rows per member, a change of team in the middle of the calendar,
//!    some members with none);
//! 3. creates every statement of `03_marts.sql` (secure views and dynamic
//!    tables as plain views over the same query, as `emulator.rs` does);
//! 4. queries every mart and every current view.
//!
//! The expected rows are computed from the sample rows alone (never by SQL),
//! from what the model's `Mart` declares: the fact's references by role,
//! LEFT JOIN semantics (a fact row is never lost; a fact without a bridge row
//! goes to the reached dimension's unknown member), the as-of rule of the
//! bridge, the weighting factor, and SQL's NULL rules for SUM / AVG / MIN /
//! MAX / COUNT / COUNT(DISTINCT) / ratios. The unknown-member rows are the
//! only input read back from the emulator (the generated DDL inserts them).
//!
//! Per mart the test compares every row (aggregates: every group and every
//! aggregated column; star marts: the whole multiset of rows), and checks
//! the totals a department would reconcile: row count = fact rows (x bridge
//! rows through a bridge), sums of measures = the fact's totals, weighted
//! bridge totals = the fact's totals, impact totals > the fact's totals.
#![allow(
    clippy::doc_markdown,
    // Sample values are small integers; f64 holds them exactly.
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use dimgen_tests::emulator::Emulator;
use dimgen_tests::marts_oracle::{Check, Expected, MART_LAB, Val, check_totals, compare, lab_model, run_models};
use dimgen_tests::{load_model, model_stem, schema_files};
use model_core::Validated;
use serde_json::Value;

#[test]
fn every_mart_returns_the_numbers_computed_from_the_sample_rows() {
    let Some(emulator) = Emulator::locate() else { return };
    let mut models: Vec<(Validated, String)> = schema_files().iter().map(|p| (load_model(p), model_stem(p))).collect();
    models.push((lab_model(MART_LAB), "mart_lab (tests/fixtures/emulator)".to_owned()));
    let problems = run_models(&emulator, models);
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// A bridge whose validity columns are `date`-typed (like retail's
/// BRIDGE_PRODUCT_PROMOTION) joined as of a fact's smart date key (an int
/// yyyymmdd). Either validation refuses the mart, or its SQL must return the
/// rows valid at the fact's day.
const DATE_TYPED_BRIDGE: &str = r#"
[[bridge]]
name = "BRIDGE_BRANCH_MANAGER"
between = ["DIM_BRANCH", "DIM_ADVISOR"]
weight = "MANAGER_SHARE"
effective = { from = "START_DATE", to = "END_DATE" }
columns = [
  { name = "MANAGER_SHARE", type = "number(5,4)", nullable = false },
  { name = "START_DATE", type = "date", nullable = false },
  { name = "END_DATE", type = "date", nullable = false },
]

[[mart]]
name = "MART_BRANCH_MANAGER"
fact = "FACT_TXN"
attributes = ["MANAGER.ADVISOR_NAME"]
sum = ["AMOUNT"]
count = "TXN_SHARE"
through = { bridge = "BRIDGE_BRANCH_MANAGER", reference = "BRANCH_KEY", role = "MANAGER", allocation = "weighted", as_of = "TXN_DAY" }
"#;

#[test]
fn a_date_typed_bridge_joined_as_of_a_date_key_is_refused_or_right() {
    let text = format!("{MART_LAB}{DATE_TYPED_BRIDGE}");
    let model = match model_core::load_str("emulator_marts.rs (DATE_TYPED_BRIDGE)", &text) {
        Ok(loaded) => loaded.model,
        Err(e) => {
            let rendered = e.diagnostics.render(100);
            assert!(
                rendered.contains("MART_BRANCH_MANAGER") || rendered.contains("as_of"),
                "{rendered}"
            );
            eprintln!("validation refuses the mart, as it may:\n{rendered}");
            return;
        }
    };
    let Some(emulator) = Emulator::locate() else { return };
    let problems: Vec<String> = run_models(&emulator, vec![(model, "mart_lab + date-typed bridge".to_owned())])
        .into_iter()
        .filter(|p| p.contains("MART_BRANCH_MANAGER"))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_comparison_reports_a_corrupted_number() {
    let expected = Expected {
        columns: vec!["YEAR".into(), "CITY".into(), "AMOUNT".into(), "N".into()],
        key_len: 2,
        multiset: false,
        rows: vec![
            vec![
                Val::Num(2024.0),
                Val::Text("o'neil".into()),
                Val::Num(10.5),
                Val::Num(2.0),
            ],
            vec![Val::Num(2024.0), Val::Null, Val::Num(1.25), Val::Num(1.0)],
        ],
    };
    let actual = vec![
        vec![
            serde_json::json!(2024),
            Value::Null,
            serde_json::json!(1.25),
            serde_json::json!(1),
        ],
        vec![
            serde_json::json!(2024),
            serde_json::json!("o'neil"),
            serde_json::json!({"decimal": "10.50"}),
            serde_json::json!(2),
        ],
    ];
    assert_eq!(compare("t", &expected, &actual), Vec::<String>::new());

    let mut wrong = expected.clone();
    wrong.rows[0][2] = Val::Num(10.51);
    let reported = compare("t", &wrong, &actual);
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(reported[0].contains("AMOUNT expected 10.51, got 10.5"), "{reported:?}");

    // A missing group, and a star mart with one row too many.
    wrong = expected.clone();
    wrong.rows[1][1] = Val::Text("x".into());
    assert_eq!(compare("t", &wrong, &actual).len(), 2);
    let star = Expected {
        key_len: 4,
        multiset: true,
        ..expected.clone()
    };
    let mut more = actual.clone();
    more.push(actual[0].clone());
    assert!(compare("t", &star, &more)[0].contains("3 rows, expected 2"));

    // Totals: an impact total that is not larger is reported.
    let checks = [Check::TotalExceeds {
        column: "AMOUNT".into(),
        fact_total: 11.75,
        why: "impact".into(),
    }];
    assert_eq!(check_totals("t", &expected.columns, &checks, &actual).len(), 1);
}
