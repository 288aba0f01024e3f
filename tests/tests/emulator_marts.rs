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

use dimgen_tests::emulator::{Emulator, NOT_EXECUTABLE, Step};
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

/// A star-schema-benchmark lineorder in miniature, with marts that use every
/// expression key: a derived product declared additive and a filter over a
/// dimension attribute, a degenerate and a measure (SSB Q1.1's shape); an
/// inferred-additive difference grouped by a named attribute and a
/// degenerate dimension, under an OR filter with LIKE; a star mart with
/// `ROLE.*`, a derived column with a function, and NOT / a date literal.
const EXPRESSION_LAB: &str = r#"
name = "expression_lab"
database = "LAB"

[environments.DEV]
schema = "DEV"

[[dimension]]
name = "DIM_DATE"
natural_key = "D_DATEKEY"
key_generation = "natural"
columns = [
  { name = "D_DATEKEY", type = "int" },
  { name = "D_YEAR", type = "int" },
  { name = "D_DATE", type = "date" },
]

[[dimension]]
name = "DIM_CUSTOMER"
natural_key = "C_CUSTKEY"
key_generation = "natural"
columns = [
  { name = "C_CUSTKEY", type = "int" },
  { name = "C_NAME", type = "varchar(25)" },
  { name = "C_NATION", type = "varchar(15)" },
  { name = "C_REGION", type = "varchar(12)" },
]

[[fact]]
name = "FACT_LINEORDER"
grain_columns = ["LO_ORDERKEY", "LO_LINENUMBER"]
columns = [
  { name = "LO_ORDERKEY", type = "int", degenerate = true },
  { name = "LO_LINENUMBER", type = "int", degenerate = true },
  { name = "LO_ORDERDATE", references = "DIM_DATE", role = "ORDER_DATE" },
  { name = "LO_CUSTKEY", references = "DIM_CUSTOMER", role = "CUSTOMER" },
  { name = "LO_SHIPMODE", type = "varchar(10)", degenerate = true },
  { name = "LO_QUANTITY", type = "int", measure = "additive" },
  { name = "LO_EXTENDEDPRICE", type = "number(12,2)", measure = "additive" },
  { name = "LO_DISCOUNT", type = "int", measure = "non_additive" },
  { name = "LO_REVENUE", type = "number(12,2)", measure = "additive" },
  { name = "LO_SUPPLYCOST", type = "number(12,2)", measure = "additive" },
]

[[mart]]
name = "MART_Q1_1"
fact = "FACT_LINEORDER"
derived = [{ name = "DISCOUNTED", expression = "lo_extendedprice * LO_DISCOUNT", measure = "additive" }]
where = "ORDER_DATE.D_YEAR = 1993 AND LO_DISCOUNT BETWEEN 1 AND 3 AND LO_QUANTITY < 25"
sum = ["DISCOUNTED"]

[[mart]]
name = "MART_PROFIT"
fact = "FACT_LINEORDER"
attributes = [{ attribute = "CUSTOMER.C_NATION", name = "NATION" }]
columns = ["LO_SHIPMODE"]
derived = [{ name = "PROFIT", expression = "LO_REVENUE - LO_SUPPLYCOST" }]
where = "CUSTOMER.C_REGION IN ('AMERICA', 'EUROPE') OR CUSTOMER.C_NAME LIKE 'Ch%'"
sum = ["PROFIT", "LO_REVENUE"]
count = "LINES"

[[mart]]
name = "MART_LINES"
fact = "FACT_LINEORDER"
attributes = ["CUSTOMER.*", { attribute = "ORDER_DATE.D_YEAR", name = "ORDER_YEAR" }]
columns = ["LO_ORDERKEY", "LO_LINENUMBER", "NET_PRICE"]
derived = [{ name = "NET_PRICE", expression = "ROUND(LO_EXTENDEDPRICE * (100 - LO_DISCOUNT) / 100, 2)", measure = "additive" }]
where = "NOT (LO_SHIPMODE = 'MAIL') AND ORDER_DATE.D_DATE >= DATE '1993-06-01'"
"#;

/// One line of the lab's fact.
struct Line {
    order: i64,
    number: i64,
    date: i64,
    customer: i64,
    ship_mode: &'static str,
    quantity: i64,
    price: f64,
    discount: i64,
    revenue: f64,
    cost: f64,
}

#[test]
fn mart_expressions_return_the_numbers_computed_from_the_sample_rows() {
    let validated = model_core::load_str("emulator_marts.rs (EXPRESSION_LAB)", EXPRESSION_LAB)
        .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
        .model;
    let Some(emulator) = Emulator::locate() else { return };
    // (key, year, date) and (key, name, nation, region).
    let dates = [
        (19_930_105, 1993, "1993-01-05"),
        (19_930_610, 1993, "1993-06-10"),
        (19_940_301, 1994, "1994-03-01"),
    ];
    let customers = [
        (1, "Alice", "UNITED STATES", "AMERICA"),
        (2, "Bruno", "BRAZIL", "AMERICA"),
        (3, "Chen", "CHINA", "ASIA"),
    ];
    let line = |order, number, date, customer, ship_mode, quantity, price, discount, revenue, cost| Line {
        order,
        number,
        date,
        customer,
        ship_mode,
        quantity,
        price,
        discount,
        revenue,
        cost,
    };
    let lines = [
        line(1, 1, 19_930_105, 1, "AIR", 10, 100.0, 2, 98.0, 60.0),
        line(1, 2, 19_930_105, 1, "MAIL", 30, 300.0, 1, 297.0, 200.0),
        line(2, 1, 19_930_610, 2, "AIR", 5, 50.0, 4, 48.0, 20.0),
        line(3, 1, 19_940_301, 3, "SHIP", 20, 200.0, 3, 194.0, 150.0),
        line(4, 1, 19_930_610, 3, "AIR", 24, 240.0, 3, 232.8, 100.0),
        // An anonymous sale: the unknown customer, outside every region.
        line(5, 1, 19_930_105, -1, "MAIL", 1, 10.0, 0, 10.0, 5.0),
    ];
    let deployment = dimgen::generate(&validated, "DEV").expect("generate");
    let mut steps = Vec::new();
    for (file, statement) in deployment.statements() {
        if (file.starts_with("01_") || file.starts_with("02_")) && !NOT_EXECUTABLE.contains(&statement.kind()) {
            steps.push(Step::exec(statement.to_string()));
        }
    }
    let values: Vec<String> = dates
        .iter()
        .map(|(k, y, d)| format!("({k}, {y}, '{d}'::DATE)"))
        .collect();
    steps.push(Step::exec(format!(
        "INSERT INTO LAB.DEV.DIM_DATE (D_DATEKEY, D_YEAR, D_DATE) VALUES {}",
        values.join(", ")
    )));
    let values: Vec<String> = customers
        .iter()
        .map(|(k, n, nation, region)| format!("({k}, '{n}', '{nation}', '{region}')"))
        .collect();
    steps.push(Step::exec(format!(
        "INSERT INTO LAB.DEV.DIM_CUSTOMER (C_CUSTKEY, C_NAME, C_NATION, C_REGION) VALUES {}",
        values.join(", ")
    )));
    let values: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "({}, {}, {}, {}, '{}', {}, {:.2}, {}, {:.2}, {:.2})",
                l.order, l.number, l.date, l.customer, l.ship_mode, l.quantity, l.price, l.discount, l.revenue, l.cost
            )
        })
        .collect();
    steps.push(Step::exec(format!(
        "INSERT INTO LAB.DEV.FACT_LINEORDER (LO_ORDERKEY, LO_LINENUMBER, LO_ORDERDATE, LO_CUSTKEY, LO_SHIPMODE, \
         LO_QUANTITY, LO_EXTENDEDPRICE, LO_DISCOUNT, LO_REVENUE, LO_SUPPLYCOST) VALUES {}",
        values.join(", ")
    )));
    for (file, statement) in deployment.statements() {
        if file.starts_with("03_") {
            steps.push(Step::exec(statement.to_string()));
        }
    }
    let first_query = steps.len();
    steps.push(Step::query("SELECT DISCOUNTED FROM LAB.DEV.MART_Q1_1"));
    steps.push(Step::query(
        "SELECT NATION, LO_SHIPMODE, PROFIT, LO_REVENUE, LINES FROM LAB.DEV.MART_PROFIT",
    ));
    steps.push(Step::query(
        "SELECT CUSTOMER_C_CUSTKEY, CUSTOMER_C_NAME, CUSTOMER_C_NATION, CUSTOMER_C_REGION, ORDER_YEAR, \
         LO_ORDERKEY, LO_LINENUMBER, NET_PRICE FROM LAB.DEV.MART_LINES",
    ));
    let outcomes = emulator.run(&steps);
    for (step, outcome) in steps.iter().zip(&outcomes) {
        assert!(outcome.error.is_none(), "{}\n{:?}", step.sql, outcome.error);
    }

    // Expected rows, computed from the sample rows in Rust.
    let year = |date: i64| dates.iter().find(|d| d.0 == date).map(|d| d.1).expect("a date");
    let customer = |key: i64| customers.iter().find(|c| c.0 == key);
    let q1 = lines
        .iter()
        .filter(|l| year(l.date) == 1993 && (1..=3).contains(&l.discount) && l.quantity < 25)
        .map(|l| l.price * l.discount as f64)
        .sum::<f64>();
    let q1_expected = Expected {
        columns: vec!["DISCOUNTED".into()],
        key_len: 0,
        multiset: true,
        rows: vec![vec![Val::Num(q1)]],
    };
    let mut groups: std::collections::BTreeMap<(String, String), (f64, f64, f64)> = std::collections::BTreeMap::new();
    for l in &lines {
        let Some((_, name, nation, region)) = customer(l.customer) else {
            continue; // the unknown member's region and name match neither test
        };
        if ["AMERICA", "EUROPE"].contains(region) || name.starts_with("Ch") {
            let g = groups
                .entry(((*nation).to_owned(), l.ship_mode.to_owned()))
                .or_default();
            g.0 += l.revenue - l.cost;
            g.1 += l.revenue;
            g.2 += 1.0;
        }
    }
    let profit_expected = Expected {
        columns: ["NATION", "LO_SHIPMODE", "PROFIT", "LO_REVENUE", "LINES"]
            .map(String::from)
            .to_vec(),
        key_len: 2,
        multiset: false,
        rows: groups
            .into_iter()
            .map(|((nation, mode), (profit, revenue, n))| {
                vec![
                    Val::Text(nation),
                    Val::Text(mode),
                    Val::Num(profit),
                    Val::Num(revenue),
                    Val::Num(n),
                ]
            })
            .collect(),
    };
    let star_rows: Vec<Vec<Val>> = lines
        .iter()
        .filter(|l| l.ship_mode != "MAIL" && dates.iter().any(|d| d.0 == l.date && d.2 >= "1993-06-01"))
        .map(|l| {
            let (key, name, nation, region) = customer(l.customer).expect("known customers only here");
            vec![
                Val::Num(*key as f64),
                Val::Text((*name).to_owned()),
                Val::Text((*nation).to_owned()),
                Val::Text((*region).to_owned()),
                Val::Num(f64::from(year(l.date))),
                Val::Num(l.order as f64),
                Val::Num(l.number as f64),
                Val::Num((l.price * (100 - l.discount) as f64 / 100.0 * 100.0).round() / 100.0),
            ]
        })
        .collect();
    assert_eq!(star_rows.len(), 3, "the filter keeps lines 2/1, 3/1 and 4/1");
    let star_expected = Expected {
        columns: [
            "CUSTOMER_C_CUSTKEY",
            "CUSTOMER_C_NAME",
            "CUSTOMER_C_NATION",
            "CUSTOMER_C_REGION",
            "ORDER_YEAR",
            "LO_ORDERKEY",
            "LO_LINENUMBER",
            "NET_PRICE",
        ]
        .map(String::from)
        .to_vec(),
        key_len: 8,
        multiset: true,
        rows: star_rows,
    };
    let mut problems = Vec::new();
    for (i, (label, expected)) in [
        ("MART_Q1_1", q1_expected),
        ("MART_PROFIT", profit_expected),
        ("MART_LINES", star_expected),
    ]
    .into_iter()
    .enumerate()
    {
        problems.extend(compare(label, &expected, &outcomes[first_query + i].rows));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!((q1 - 920.0).abs() < 1e-9, "the sample rows give Q1.1 = 100x2 + 240x3");
}
