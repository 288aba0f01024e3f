#![allow(clippy::doc_markdown)] // table and column names in the docs
//! Migrations in the Snowflake emulator (fakesnow): deploy the model as it
//! was, insert rows, apply the migration `dimgen::migrate` plans, run the new
//! model's `deploy.sql`, and check that every row is still there, that the
//! new columns arrived (the unknown member holding its unknown value), and
//! that the marts reading them work. Without the migration the same
//! `deploy.sql` fails, as issue 11 found: that is checked too, so the test
//! means something.

use dimgen::writer::{Ident, Literal, ObjectName, Statement};
use dimgen_tests::emulator::{Emulator, NOT_EXECUTABLE, Outcome, Step, executable};
use dimgen_tests::workspace_root;
use model_core::{DataType, Origin, Validated};

/// The store dimension every small case starts from.
const STORE: &str = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
]
"#;

/// A fact of receipts referencing the store.
const SALES: &str = r#"[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "STORE_KEY", references = "DIM_STORE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
"#;

fn load(name: &str, text: &str) -> Validated {
    match model_core::load_str(name, text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!("{}", e.diagnostics.render(100)),
    }
}

fn model_text(file: &str) -> String {
    std::fs::read_to_string(workspace_root().join(file)).unwrap()
}

/// The deployment of `model` as the emulator runs it (plain views for
/// secure views and dynamic tables).
fn deploy_steps(model: &Validated, env: &str) -> Vec<Step> {
    deploy_steps_with(model, env, true)
}

/// [`deploy_steps`], the tables without their constraints unless
/// `constraints`.
fn deploy_steps_with(model: &Validated, env: &str, constraints: bool) -> Vec<Step> {
    let deployment = dimgen::generate(model, env).expect("generate");
    deployment
        .statements()
        .filter_map(|(_, s)| match s.as_plain_view() {
            Some(view) => Some(view),
            None if NOT_EXECUTABLE.contains(&s.kind()) => None,
            None => match s {
                Statement::CreateTable(table) if !constraints => {
                    let mut table = table.clone();
                    table.constraints.clear();
                    Some(Statement::CreateTable(table))
                }
                s => Some(s.clone()),
            },
        })
        .map(|s| Step::exec(s.to_string()))
        .collect()
}

/// An INSERT of row `n` into `table`, every reference at the unknown member.
fn insert_row(model: &Validated, object: &ObjectName, table: &str, n: i64) -> Step {
    let t = model.tables().find(|t| t.name() == table).expect("table");
    let mut names = Vec::new();
    let mut values = Vec::new();
    for c in model.layout(t) {
        if matches!(c.origin, Origin::SurrogateKey(_)) {
            continue;
        }
        names.push(Ident(&c.name).to_string());
        values.push(match (&c.references, c.sql_type) {
            (Some(_), _) => "-1".to_owned(),
            (None, DataType::Varchar(_)) => Literal(&format!("R{n}")).to_string(),
            (None, DataType::Number { scale: 0, .. }) => n.to_string(),
            (None, DataType::Number { .. } | DataType::Float) => format!("{n}.25"),
            (None, DataType::Boolean) => "TRUE".to_owned(),
            (None, DataType::Date) => "'2024-01-01'".to_owned(),
            (None, DataType::TimestampNtz | DataType::TimestampLtz | DataType::TimestampTz) => {
                "'2024-01-01 00:00:00'".to_owned()
            }
            _ => "NULL".to_owned(),
        });
    }
    Step::exec(format!(
        "INSERT INTO {object} ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    ))
}

fn failures(steps: &[Step], outcomes: &[Outcome], range: std::ops::Range<usize>) -> Vec<String> {
    range
        .filter_map(|i| {
            outcomes[i]
                .error
                .as_ref()
                .map(|e| format!("{}\n  -> {e}", steps[i].sql))
        })
        .collect()
}

/// One case: the model before and after, the environment, the fact that
/// gets rows, and what to check after the migration.
struct Case {
    before: Validated,
    after: Validated,
    env: &'static str,
    database: &'static str,
    schema: &'static str,
    table: &'static str,
    /// Whether the emulator's tables get their constraints (DuckDB cannot
    /// drop one, nor a column one names).
    constraints: bool,
    /// Queries and the rows they must return after migrating; the first
    /// must fail without the migration (the control).
    checks: Vec<(String, serde_json::Value)>,
}

fn run_case(emulator: &Emulator, case: &Case) {
    let plan = dimgen::migrate::Plan::new(&case.before, &case.after, case.env).expect("plan");
    assert!(!plan.is_empty(), "the case changes nothing");
    assert_eq!(
        plan.count(model_core::evolve::Class::Unsupported),
        0,
        "{}",
        plan.render()
    );
    let object = ObjectName::qualified(case.database, case.schema, case.table);

    // Session 1: without the migration, the new deploy.sql does not bring the schema along.
    let mut steps = deploy_steps_with(&case.before, case.env, case.constraints);
    steps.push(insert_row(&case.before, &object, case.table, 1));
    steps.push(insert_row(&case.before, &object, case.table, 2));
    let v2_at = steps.len();
    steps.extend(deploy_steps_with(&case.after, case.env, case.constraints));
    steps.push(Step::query(case.checks[0].0.clone()));
    let outcomes = emulator.run(&steps);
    assert_eq!(
        failures(&steps, &outcomes, 0..v2_at),
        Vec::<String>::new(),
        "v1 and its rows"
    );
    let mut without = failures(&steps, &outcomes, v2_at..steps.len());
    let control = outcomes.last().expect("the control query");
    if control.error.is_none() && serde_json::json!(control.rows) != case.checks[0].1 {
        without.push(format!("`{}` returned {:?}", case.checks[0].0, control.rows));
    }

    // Session 2: v1, rows, the migration, v2's deploy.sql, the checks.
    let mut steps = deploy_steps_with(&case.before, case.env, case.constraints);
    steps.push(insert_row(&case.before, &object, case.table, 1));
    steps.push(insert_row(&case.before, &object, case.table, 2));
    let migration_at = steps.len();
    steps.extend(
        plan.statements()
            .flat_map(executable)
            .map(|s| Step::exec(s.to_string())),
    );
    let v2_at = steps.len();
    steps.extend(deploy_steps_with(&case.after, case.env, case.constraints));
    let checks_at = steps.len();
    steps.extend(case.checks.iter().map(|(q, _)| Step::query(q.clone())));
    let outcomes = emulator.run(&steps);
    let failed = failures(&steps, &outcomes, 0..checks_at);
    assert!(failed.is_empty(), "with the migration:\n{}", failed.join("\n"));
    assert!(migration_at < v2_at, "the migration has statements");
    for (i, (query, expected)) in case.checks.iter().enumerate() {
        let outcome = &outcomes[checks_at + i];
        assert_eq!(outcome.error, None, "{query}");
        assert_eq!(serde_json::json!(outcome.rows), *expected, "{query}");
    }
    // The control: without the migration the schema did not follow the model.
    assert!(
        !without.is_empty(),
        "without the migration the new deploy.sql or `{}` should fail or return other rows, and neither did",
        case.checks[0].0
    );
}

/// Issue 11's own example: `COST_AMOUNT` added to FACT_SALES and to
/// MART_SALES_BY_FORMAT's `sum`. FACT_SALES's load copies a projection, so
/// its landing table gains the column and its pipe is recreated (the
/// runbook is a statement the emulator cannot run; dimgen::migrate's unit
/// tests read it).
#[test]
fn a_new_measure_reaches_a_deployed_fact_and_its_mart() {
    let Some(emulator) = Emulator::locate() else { return };
    let after_text = model_text("schemas/retail.toml");
    let before_text = after_text
        .replace(
            "  { name = \"COST_AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n",
            "",
        )
        .replace(", \"NET_AMOUNT\", \"COST_AMOUNT\"]", ", \"NET_AMOUNT\"]");
    assert_ne!(before_text, after_text);
    assert!(!before_text.contains("COST_AMOUNT"));
    let kinds: Vec<&str> = dimgen::migrate::Plan::new(
        &load("retail_v1.toml", &before_text),
        &load("schemas/retail.toml", &after_text),
        "DEV",
    )
    .expect("plan")
    .statements()
    .map(Statement::kind)
    .collect();
    assert_eq!(
        kinds,
        ["ALTER TABLE ADD COLUMN", "ALTER TABLE ADD COLUMN", "RECREATE PIPE"],
        "the fact, its landing table, its pipe"
    );
    let case = Case {
        before: load("retail_v1.toml", &before_text),
        after: load("schemas/retail.toml", &after_text),
        env: "DEV",
        database: "RETAIL",
        schema: "SALES_DEV",
        table: "FACT_SALES",
        constraints: true,
        checks: vec![
            (
                "SELECT COUNT(*) FROM RETAIL.SALES_DEV.MART_SALES_BY_FORMAT".to_owned(),
                serde_json::json!([[1]]),
            ),
            (
                "SELECT RECEIPT_NUMBER, COST_AMOUNT FROM RETAIL.SALES_DEV.FACT_SALES ORDER BY 1".to_owned(),
                serde_json::json!([["R1", null], ["R2", null]]),
            ),
            (
                "SELECT COUNT(COST_AMOUNT) FROM RETAIL.SALES_DEV.FACT_SALES_LANDING".to_owned(),
                serde_json::json!([[0]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// The healthcare sprint change: ENTITY_TYPE on DIM_CONTACT, a dimension
/// with an unknown member, whose row gets `'Unknown'` as a fresh deployment's
/// does.
#[test]
fn a_new_attribute_reaches_a_deployed_dimension_and_its_unknown_member() {
    let Some(emulator) = Emulator::locate() else { return };
    let after_text = model_text("schemas/healthcare.toml");
    let line = "  { name = \"ENTITY_TYPE\", type = \"string\", comment = \"Whose contact it is: PATIENT or PROVIDER (added in a later sprint).\" },\n";
    assert!(after_text.contains(line));
    let before_text = after_text.replace(line, "");
    let before = load("healthcare_v1.toml", &before_text);
    let after = load("schemas/healthcare.toml", &after_text);
    let env = &after.environments[0];
    let resolve = |t: &str| model_core::interpolate::resolve(t, &env.name, &env.vars).unwrap();
    let (database, schema) = (resolve(&after.database), resolve(&env.schema));
    let table = format!("{database}.{schema}.DIM_CONTACT");
    let (case_db, case_schema) = (database.clone(), schema.clone());
    let case = Case {
        env: leak(env.name.clone()),
        database: leak(database),
        schema: leak(schema),
        table: "DIM_CONTACT",
        constraints: true,
        checks: vec![
            (
                format!("SELECT CONTACT_KEY, ENTITY_TYPE FROM {table} WHERE CONTACT_KEY = -1"),
                serde_json::json!([[-1, "Unknown"]]),
            ),
            (
                format!("SELECT CONTACT_ID, ENTITY_TYPE FROM {table} WHERE CONTACT_KEY <> -1 ORDER BY 1"),
                serde_json::json!([[1, null], [2, null]]),
            ),
            (
                format!(
                    "SELECT COUNT(ENTITY_TYPE) FROM {database_name}.{schema_name}.{landing}",
                    database_name = case_db,
                    schema_name = case_schema,
                    landing = "DIM_CONTACT_LANDING"
                ),
                serde_json::json!([[0]]),
            ),
        ],
        before,
        after,
    };
    run_case(&emulator, &case);
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A declared rename (`renamed_from`): the values move with the column, in
/// the dimension and in its unknown member; nothing is dropped.
#[test]
fn a_renamed_column_keeps_its_values() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = STORE;
    let after_text = before_text.replace(
        "{ name = \"CITY\", type = \"varchar(20)\" }",
        "{ name = \"TOWN\", type = \"varchar(40)\", renamed_from = \"CITY\" }",
    );
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE SHOP.DEV.DIM_STORE RENAME COLUMN CITY TO TOWN",
            "ALTER TABLE SHOP.DEV.DIM_STORE ALTER COLUMN TOWN SET DATA TYPE VARCHAR(40)",
        ]
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "DIM_STORE",
        constraints: true,
        checks: vec![(
            "SELECT STORE_ID, TOWN FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
            serde_json::json!([[-1, "Unknown"], [1, "R1"], [2, "R2"]]),
        )],
    };
    run_case(&emulator, &case);
}

/// A declared table rename (`renamed_from` on the table): the rows move
/// with it, its key named after it is renamed too, and the clustering key
/// it gains is set in place. Without the migration the new deploy.sql
/// creates an empty table beside the old one.
#[test]
fn a_renamed_table_keeps_its_rows() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text: &str = &format!(
        r#"{STORE}{SALES}[[mart]]
name = "MART_SALES_BY_CITY"
fact = "FACT_SALES"
attributes = ["STORE.CITY"]
sum = ["AMOUNT"]
"#
    );
    let after_text = before_text
        .replace(
            "name = \"FACT_SALES\"",
            "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"\ncluster_by = [\"RECEIPT\"]",
        )
        .replace("fact = \"FACT_SALES\"", "fact = \"FACT_RECEIPTS\"");
    let case = Case {
        before: load("shop_v1.toml", before_text),
        after: load("shop_v2.toml", &after_text),
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "FACT_SALES",
        constraints: true,
        checks: vec![
            (
                "SELECT RECEIPTS_KEY, RECEIPT, AMOUNT FROM SHOP.DEV.FACT_RECEIPTS ORDER BY 2".to_owned(),
                serde_json::json!([[1, 1, {"decimal": "1.25"}], [2, 2, {"decimal": "2.25"}]]),
            ),
            (
                "SELECT STORE_CITY, AMOUNT FROM SHOP.DEV.MART_SALES_BY_CITY".to_owned(),
                serde_json::json!([["Unknown", 3.5]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// A loaded table renamed (issue 11's last refusal): the table, its
/// landing table and its stream follow it. A row landed and not yet merged
/// when the migration runs stays in the renamed landing table, and the new
/// deploy.sql's MERGE (the new task's body, read from the landing table as
/// the emulator has no streams) brings it into the renamed fact next to the
/// rows that were there. The pipe's runbook and the stream rename cannot
/// run in the emulator; the landing table's rename, which the runbook runs
/// between the drain and the new pipe, runs in its place.
#[test]
fn a_renamed_loaded_table_keeps_its_rows_and_its_landed_rows() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text: &str = &format!(
        r#"{STORE}{SALES}[[file_format]]
name = "SHOP_PARQUET"
type = "parquet"
[[stage]]
name = "SHOP_STAGE"
file_format = "SHOP_PARQUET"
[[load]]
table = "FACT_SALES"
stage = "SHOP_STAGE"
path = "sales/"
metadata = ["file_name", "load_time"]
warehouse = "LOAD_WH"
"#
    );
    let after_text = before_text
        .replace(
            "name = \"FACT_SALES\"",
            "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
        )
        .replace("table = \"FACT_SALES\"", "table = \"FACT_RECEIPTS\"");
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    assert_eq!(
        (
            plan.count(model_core::evolve::Class::Unsupported),
            plan.count(model_core::evolve::Class::Destructive)
        ),
        (0, 0),
        "{}",
        plan.render()
    );
    let landed = "INSERT INTO SHOP.DEV.FACT_SALES_LANDING (RECEIPT, STORE_ID, AMOUNT, _FILE_NAME, _LOADED_AT) VALUES (3, NULL, 3.25, 'sales/3.parquet', '2024-01-02 00:00:00')";
    let mut merge = dimgen::generate(&after, "DEV")
        .expect("generate")
        .statements()
        .find_map(|(_, s)| match s {
            Statement::Task(task) => match &task.body {
                Statement::Merge(merge) => Some((**merge).clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("the new task's MERGE");
    merge.source = ObjectName::qualified("SHOP", "DEV", "FACT_RECEIPTS_LANDING");
    let object = ObjectName::qualified("SHOP", "DEV", "FACT_SALES");
    let mut steps = deploy_steps(&before, "DEV");
    steps.push(insert_row(&before, &object, "FACT_SALES", 1));
    steps.push(insert_row(&before, &object, "FACT_SALES", 2));
    steps.push(Step::exec(landed));
    let migration_at = steps.len();
    steps.extend(
        plan.statements()
            .flat_map(executable)
            .map(|s| Step::exec(s.to_string())),
    );
    let v2_at = steps.len();
    steps.extend(deploy_steps(&after, "DEV"));
    steps.push(Step::exec(merge.to_string()));
    let checks_at = steps.len();
    let checks = [
        (
            "SELECT RECEIPT, AMOUNT FROM SHOP.DEV.FACT_RECEIPTS ORDER BY 1",
            serde_json::json!([[1, {"decimal": "1.25"}], [2, {"decimal": "2.25"}], [3, {"decimal": "3.25"}]]),
        ),
        (
            "SELECT RECEIPT, _FILE_NAME FROM SHOP.DEV.FACT_RECEIPTS_LANDING",
            serde_json::json!([[3, "sales/3.parquet"]]),
        ),
        (
            "SELECT TABLE_NAME FROM SHOP.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'DEV' AND TABLE_NAME LIKE 'FACT%' ORDER BY 1",
            serde_json::json!([["FACT_RECEIPTS"], ["FACT_RECEIPTS_LANDING"]]),
        ),
    ];
    steps.extend(checks.iter().map(|(q, _)| Step::query(*q)));
    let outcomes = emulator.run(&steps);
    let failed = failures(&steps, &outcomes, 0..checks_at);
    assert!(failed.is_empty(), "with the migration:\n{}", failed.join("\n"));
    for (i, (query, expected)) in checks.iter().enumerate() {
        let outcome = &outcomes[checks_at + i];
        assert_eq!(outcome.error, None, "{query}");
        assert_eq!(serde_json::json!(outcome.rows), *expected, "{query}");
    }
    let ran: Vec<&str> = steps[migration_at..v2_at].iter().map(|s| s.sql.as_str()).collect();
    assert!(
        ran.contains(&"ALTER TABLE SHOP.DEV.FACT_SALES_LANDING RENAME TO SHOP.DEV.FACT_RECEIPTS_LANDING"),
        "{ran:#?}"
    );
}

/// A default changed and a grain column's type changed on a deployed fact:
/// each column is rebuilt with its values (Snowflake alters neither in
/// place), the grain's unique constraint dropped around the rebuild and
/// declared again; a row inserted without the column then takes the new
/// default. DuckDB, under the emulator, can neither drop a constraint nor
/// a column a constraint names: the emulator's tables are created without
/// their constraints (which Snowflake does not enforce either), and the
/// constraint statements are checked as text here.
#[test]
fn a_changed_default_and_a_retyped_grain_column_are_rebuilt_with_their_values() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text: &str = &format!(
        r#"{STORE}[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  {{ name = "RECEIPT", type = "int", degenerate = true }},
  {{ name = "AMOUNT", type = "number(12,2)", measure = "additive" }},
  {{ name = "CHANNEL", type = "varchar(8)", degenerate = true, default = "store" }},
]
"#
    );
    let after_text = before_text
        .replace(
            "{ name = \"RECEIPT\", type = \"int\", degenerate = true }",
            "{ name = \"RECEIPT\", type = \"varchar(12)\", degenerate = true }",
        )
        .replace("default = \"store\"", "default = \"web\"");
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE SHOP.DEV.FACT_SALES DROP CONSTRAINT UQ_FACT_SALES_GRAIN",
            "ALTER TABLE SHOP.DEV.FACT_SALES ADD COLUMN IF NOT EXISTS RECEIPT__DIMGEN_REBUILD VARCHAR(12)",
            "UPDATE SHOP.DEV.FACT_SALES SET RECEIPT__DIMGEN_REBUILD = RECEIPT::VARCHAR(12)",
            "ALTER TABLE SHOP.DEV.FACT_SALES DROP COLUMN IF EXISTS RECEIPT",
            "ALTER TABLE SHOP.DEV.FACT_SALES RENAME COLUMN RECEIPT__DIMGEN_REBUILD TO RECEIPT",
            "ALTER TABLE SHOP.DEV.FACT_SALES ALTER COLUMN RECEIPT SET NOT NULL",
            "ALTER TABLE SHOP.DEV.FACT_SALES ADD CONSTRAINT UQ_FACT_SALES_GRAIN UNIQUE (RECEIPT)",
            "ALTER TABLE SHOP.DEV.FACT_SALES ADD COLUMN IF NOT EXISTS CHANNEL__DIMGEN_REBUILD VARCHAR(8) DEFAULT 'web'",
            "UPDATE SHOP.DEV.FACT_SALES SET CHANNEL__DIMGEN_REBUILD = CHANNEL::VARCHAR(8)",
            "ALTER TABLE SHOP.DEV.FACT_SALES DROP COLUMN IF EXISTS CHANNEL",
            "ALTER TABLE SHOP.DEV.FACT_SALES RENAME COLUMN CHANNEL__DIMGEN_REBUILD TO CHANNEL",
        ],
        "{}",
        plan.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "FACT_SALES",
        constraints: false,
        checks: vec![
            (
                "SELECT RECEIPT, AMOUNT, CHANNEL FROM SHOP.DEV.FACT_SALES ORDER BY 1".to_owned(),
                serde_json::json!([["1", {"decimal": "1.25"}, "R1"], ["2", {"decimal": "2.25"}, "R2"]]),
            ),
            (
                "INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, AMOUNT) VALUES ('W-3', 3.5)".to_owned(),
                serde_json::json!([[1]]),
            ),
            (
                "SELECT CHANNEL FROM SHOP.DEV.FACT_SALES WHERE RECEIPT = 'W-3'".to_owned(),
                serde_json::json!([["web"]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// A smart key narrowed (NUMBER(38,0) -> NUMBER(10,0)), which cannot happen
/// in place: the foreign key to it and its primary key (a smart key is its
/// own natural key: no unique constraint beside it) are dropped, the key
/// rebuilt, its primary key declared again, then the reference, which
/// shares its type, rebuilt and its foreign key declared again. Every key
/// and reference keeps its value and the mart still joins them. (Tables
/// without constraints in the emulator, as above; the constraint
/// statements are checked as text.)
#[test]
fn a_narrowed_smart_key_rebuilds_the_references_to_it() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
key_generation = "natural"
key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "STORE_KEY", references = "DIM_STORE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
[[mart]]
name = "MART_SALES_BY_CITY"
fact = "FACT_SALES"
attributes = ["STORE.CITY"]
sum = ["AMOUNT"]
"#;
    let after_text = before_text.replace(
        "{ name = \"STORE_ID\", type = \"int\" }",
        "{ name = \"STORE_ID\", type = \"number(10,0)\" }",
    );
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    let constraint_steps: Vec<&str> = sql
        .iter()
        .map(String::as_str)
        .filter(|s| s.contains(" CONSTRAINT "))
        .collect();
    assert_eq!(
        constraint_steps,
        [
            "ALTER TABLE SHOP.DEV.FACT_SALES DROP CONSTRAINT FK_FACT_SALES_STORE_KEY",
            "ALTER TABLE SHOP.DEV.DIM_STORE DROP CONSTRAINT PK_DIM_STORE",
            "ALTER TABLE SHOP.DEV.DIM_STORE ADD CONSTRAINT PK_DIM_STORE PRIMARY KEY (STORE_ID)",
            "ALTER TABLE SHOP.DEV.FACT_SALES ADD CONSTRAINT FK_FACT_SALES_STORE_KEY FOREIGN KEY (STORE_KEY) REFERENCES SHOP.DEV.DIM_STORE (STORE_ID)",
        ],
        "{}",
        plan.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "FACT_SALES",
        constraints: false,
        checks: vec![
            (
                "SELECT COLUMN_NAME, NUMERIC_PRECISION FROM SHOP.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'DEV' AND COLUMN_NAME IN ('STORE_ID', 'STORE_KEY') ORDER BY 1".to_owned(),
                serde_json::json!([["STORE_ID", 10], ["STORE_KEY", 10]]),
            ),
            (
                "SELECT RECEIPT, STORE_KEY, AMOUNT FROM SHOP.DEV.FACT_SALES ORDER BY 1".to_owned(),
                // NUMBER(10,0) reads back as a decimal in the emulator.
                serde_json::json!([[1, {"decimal": "-1"}, {"decimal": "1.25"}], [2, {"decimal": "-1"}, {"decimal": "2.25"}]]),
            ),
            (
                "SELECT STORE_ID, CITY FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
                serde_json::json!([[{"decimal": "-1"}, "Unknown"]]),
            ),
            (
                "SELECT STORE_CITY, AMOUNT FROM SHOP.DEV.MART_SALES_BY_CITY".to_owned(),
                serde_json::json!([["Unknown", 3.5]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// A bridge that starts dating its rows: its new dating columns arrive
/// with their defaults, so every pair already there is valid from the
/// beginning until the end of time, and a new pair can be added with its
/// own period. (Tables without constraints, as above: the bridge's unique
/// constraint, redeclared with its start of validity, is checked as text.)
#[test]
fn a_bridge_that_starts_dating_keeps_its_pairs_valid_forever() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text: &str = &format!(
        r#"{STORE}[[dimension]]
name = "DIM_TAG"
natural_key = "TAG"
columns = [{{ name = "TAG", type = "varchar(20)" }}]
[[bridge]]
name = "BRIDGE_STORE_TAG"
between = ["DIM_STORE", "DIM_TAG"]
columns = [
]
"#
    );
    let after_text = before_text
        .replace(
            "between = [\"DIM_STORE\", \"DIM_TAG\"]\n",
            "between = [\"DIM_STORE\", \"DIM_TAG\"]\neffective = { from = \"VALID_SINCE\", to = \"VALID_UNTIL\" }\n",
        )
        .replace(
            "columns = [\n]",
            "columns = [\n  { name = \"VALID_SINCE\", type = \"date\", nullable = false, default = \"1900-01-01\" },\n  { name = \"VALID_UNTIL\", type = \"date\", nullable = false, default = \"9999-12-31\" },\n]",
        );
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    assert_eq!(
        sql.last().map(String::as_str),
        Some(
            "ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG ADD CONSTRAINT UQ_BRIDGE_STORE_TAG UNIQUE (STORE_KEY, TAG_KEY, VALID_SINCE)"
        ),
        "{}",
        plan.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "BRIDGE_STORE_TAG",
        constraints: false,
        checks: vec![
            (
                "SELECT STORE_KEY, TAG_KEY, VALID_SINCE::VARCHAR, VALID_UNTIL::VARCHAR FROM SHOP.DEV.BRIDGE_STORE_TAG ORDER BY 1".to_owned(),
                serde_json::json!([[-1, -1, "1900-01-01", "9999-12-31"], [-1, -1, "1900-01-01", "9999-12-31"]]),
            ),
            (
                "INSERT INTO SHOP.DEV.BRIDGE_STORE_TAG (STORE_KEY, TAG_KEY, VALID_SINCE, VALID_UNTIL) VALUES (-1, -1, '2024-01-01', '2024-12-31')".to_owned(),
                serde_json::json!([[1]]),
            ),
            (
                "SELECT COUNT(*) FROM SHOP.DEV.BRIDGE_STORE_TAG WHERE DATE '2024-06-01' BETWEEN VALID_SINCE AND VALID_UNTIL".to_owned(),
                serde_json::json!([[3]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// The healthcare sprint change BILLED_AMOUNT: a measure added to
/// FACT_CLAIMS (whose load matches columns by name, so its pipe stays) and
/// to the finance and operations marts' sums and ratios.
#[test]
fn the_billed_amount_sprint_change_keeps_every_claim() {
    let Some(emulator) = Emulator::locate() else { return };
    let after_text = model_text("schemas/healthcare.toml");
    let column = "  { name = \"BILLED_AMOUNT\", type = \"number(20,2)\", measure = \"additive\", comment = \"Added in a later sprint.\" },\n";
    let ratio =
        "  { name = \"ALLOWED_TO_BILLED\", numerator = \"ALLOWED_AMOUNT\", denominator = \"BILLED_AMOUNT\" },\n";
    let ratio_line =
        "ratio = [{ name = \"PAID_TO_BILLED\", numerator = \"PAID_AMOUNT\", denominator = \"BILLED_AMOUNT\" }]\n";
    for piece in [column, ratio, ratio_line] {
        assert!(after_text.contains(piece), "{piece}");
    }
    let before_text = after_text
        .replace(column, "")
        .replace(ratio, "")
        .replace(ratio_line, "")
        .replace("\"BILLED_AMOUNT\", ", "");
    assert!(!before_text.contains("BILLED"), "every use of BILLED_AMOUNT is removed");
    let before = load("healthcare_v1.toml", &before_text);
    let after = load("schemas/healthcare.toml", &after_text);
    let env = &after.environments[0];
    let resolve = |t: &str| model_core::interpolate::resolve(t, &env.name, &env.vars).unwrap();
    let (database, schema) = (resolve(&after.database), resolve(&env.schema));
    let at = |table: &str| format!("{database}.{schema}.{table}");
    let kinds: Vec<&str> = dimgen::migrate::Plan::new(&before, &after, &env.name)
        .expect("plan")
        .statements()
        .map(Statement::kind)
        .collect();
    assert_eq!(
        kinds,
        ["ALTER TABLE ADD COLUMN", "ALTER TABLE ADD COLUMN"],
        "the fact and its landing table; the pipe matches by name"
    );
    let case = Case {
        env: leak(env.name.clone()),
        database: leak(database.clone()),
        schema: leak(schema.clone()),
        table: "FACT_CLAIMS",
        constraints: true,
        checks: vec![
            (
                format!(
                    "SELECT COUNT(*), SUM(ALLOWED_TO_BILLED) FROM {}",
                    at("MART_FINANCE_CLAIMS")
                ),
                serde_json::json!([[1, null]]),
            ),
            (
                format!(
                    "SELECT CLAIM_ID, ALLOWED_AMOUNT, BILLED_AMOUNT FROM {} ORDER BY 1",
                    at("FACT_CLAIMS")
                ),
                serde_json::json!([[1, {"decimal": "1.25"}, null], [2, {"decimal": "2.25"}, null]]),
            ),
            (
                format!("SELECT COUNT(BILLED_AMOUNT) FROM {}", at("FACT_CLAIMS_LANDING")),
                serde_json::json!([[0]]),
            ),
        ],
        before,
        after,
    };
    run_case(&emulator, &case);
}

/// New NOT NULL columns with a declared `default`: added with their
/// DEFAULT, every existing row holds it (the unknown member its unknown
/// value, as a fresh deployment's), then NOT NULL is set. Without a default
/// the plan refuses them. (No fact references DIM_STORE here: DuckDB, under
/// the emulator, cannot ALTER a column of a table a foreign key points at;
/// Snowflake can.)
#[test]
fn new_not_null_columns_are_backfilled_with_their_default() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text: &str = &format!(
        r#"{STORE}[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  {{ name = "RECEIPT", type = "int", degenerate = true }},
  {{ name = "AMOUNT", type = "number(12,2)", measure = "additive" }},
]
"#
    );
    let after_text = before_text
        .replace(
            "  { name = \"CITY\", type = \"varchar(20)\" },\n",
            "  { name = \"CITY\", type = \"varchar(20)\" },\n  { name = \"REGION\", type = \"varchar(10)\", nullable = false, default = \"NONE\" },\n",
        )
        .replace(
            "  { name = \"AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n",
            "  { name = \"AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n  { name = \"TAX_RATE\", type = \"number(4,3)\", measure = \"non_additive\", nullable = false, default = 0.2 },\n  { name = \"CHANNEL\", type = \"varchar(8)\", degenerate = true, nullable = false, default = \"store\" },\n",
        );
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    assert_eq!(
        sql[..4],
        [
            "ALTER TABLE SHOP.DEV.DIM_STORE ADD COLUMN IF NOT EXISTS REGION VARCHAR(10) DEFAULT 'NONE'",
            "UPDATE SHOP.DEV.DIM_STORE SET REGION = 'Unknown' WHERE STORE_KEY = -1",
            "UPDATE SHOP.DEV.DIM_STORE SET REGION = 'NONE' WHERE REGION IS NULL",
            "ALTER TABLE SHOP.DEV.DIM_STORE ALTER COLUMN REGION SET NOT NULL",
        ],
        "{}",
        plan.render()
    );
    assert_eq!(plan.count(model_core::evolve::Class::Careful), 3, "{}", plan.render());
    // The same columns without a default: refused.
    let bare = load("shop_v2.toml", &after_text.replace(", default = \"NONE\"", ""));
    let refused = dimgen::migrate::Plan::new(&before, &bare, "DEV").expect("plan");
    assert_eq!(
        refused.count(model_core::evolve::Class::Unsupported),
        1,
        "{}",
        refused.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "FACT_SALES",
        constraints: true,
        checks: vec![
            (
                "SELECT RECEIPT, TAX_RATE, CHANNEL FROM SHOP.DEV.FACT_SALES ORDER BY 1".to_owned(),
                serde_json::json!([[1, {"decimal": "0.200"}, "store"], [2, {"decimal": "0.200"}, "store"]]),
            ),
            (
                "SELECT STORE_KEY, REGION FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
                serde_json::json!([[-1, "Unknown"]]),
            ),
            // NOT NULL holds: a row without the column is refused... unless it takes the DEFAULT.
            (
                "INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, AMOUNT) VALUES (3, 1)".to_owned(),
                serde_json::json!([[1]]),
            ),
            (
                "SELECT CHANNEL, TAX_RATE FROM SHOP.DEV.FACT_SALES WHERE RECEIPT = 3".to_owned(),
                serde_json::json!([["store", {"decimal": "0.200"}]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// SCD1 -> SCD2: the history columns arrive and every row is its member's
/// current version, valid since 1900-01-01; the new deploy.sql's current
/// view reads them. (No fact references the dimension: DuckDB cannot ALTER a
/// column of a table a foreign key points at; Snowflake can.)
#[test]
fn a_dimension_that_starts_keeping_history_keeps_its_rows_as_current_versions() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = STORE;
    let after_text = before_text.replace("natural_key = \"STORE_ID\"", "natural_key = \"STORE_ID\"\nscd = 2");
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    let t = "SHOP.DEV.DIM_STORE";
    assert_eq!(
        sql[sql.len() - 2..],
        [
            format!("ALTER TABLE {t} DROP CONSTRAINT UQ_DIM_STORE_NATURAL_KEY"),
            format!("ALTER TABLE {t} ADD CONSTRAINT UQ_DIM_STORE_NATURAL_KEY UNIQUE (STORE_ID, VALID_FROM)"),
        ],
        "{}",
        plan.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "DIM_STORE",
        constraints: true,
        checks: vec![
            (
                "SELECT STORE_ID, CITY, VALID_FROM::VARCHAR, VALID_TO::VARCHAR, IS_CURRENT FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
                serde_json::json!([
                    [-1, "Unknown", "1900-01-01 00:00:00", "9999-12-31 00:00:00", true],
                    [1, "R1", "1900-01-01 00:00:00", "9999-12-31 00:00:00", true],
                    [2, "R2", "1900-01-01 00:00:00", "9999-12-31 00:00:00", true],
                ]),
            ),
            (
                "SELECT COUNT(*) FROM SHOP.DEV.DIM_STORE_CURRENT".to_owned(),
                serde_json::json!([[3]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// A type that cannot change in place (here another type family): only with
/// --allow-destructive, the column is rebuilt (a new column filled with CAST,
/// the old dropped, the new renamed) and its values carried over; a natural
/// key column's type change is refused.
#[test]
fn a_column_of_another_type_is_rebuilt_with_its_values() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "FLOOR", type = "int", nullable = false, comment = "Floor number." },
  { name = "CITY", type = "varchar(20)" },
]
"#;
    let after_text = before_text.replace(
        "{ name = \"FLOOR\", type = \"int\"",
        "{ name = \"FLOOR\", type = \"varchar(10)\"",
    );
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    assert!(
        matches!(
            plan.migration(&[], false),
            Err(dimgen::migrate::Refused::Destructive(_))
        ),
        "{}",
        plan.render()
    );
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    let t = "SHOP.DEV.DIM_STORE";
    assert_eq!(
        sql,
        [
            format!(
                "ALTER TABLE {t} ADD COLUMN IF NOT EXISTS FLOOR__DIMGEN_REBUILD VARCHAR(10) COMMENT 'Floor number.'"
            ),
            format!("UPDATE {t} SET FLOOR__DIMGEN_REBUILD = FLOOR::VARCHAR(10)"),
            format!("ALTER TABLE {t} DROP COLUMN IF EXISTS FLOOR"),
            format!("ALTER TABLE {t} RENAME COLUMN FLOOR__DIMGEN_REBUILD TO FLOOR"),
            format!("UPDATE {t} SET FLOOR = 'Unknown' WHERE STORE_KEY = -1"),
            format!("ALTER TABLE {t} ALTER COLUMN FLOOR SET NOT NULL"),
        ]
    );
    // A natural key's type: rebuilt the same way, its unique constraint
    // dropped first and declared again last.
    let key = load(
        "shop_v2.toml",
        &before_text.replace(
            "{ name = \"STORE_ID\", type = \"int\" }",
            "{ name = \"STORE_ID\", type = \"varchar(10)\" }",
        ),
    );
    let rebuilt = dimgen::migrate::Plan::new(&before, &key, "DEV").expect("plan");
    let kinds: Vec<&str> = rebuilt.statements().map(Statement::kind).collect();
    assert_eq!(
        (
            kinds.first(),
            kinds.last(),
            rebuilt.count(model_core::evolve::Class::Unsupported)
        ),
        (
            Some(&"ALTER TABLE DROP CONSTRAINT"),
            Some(&"ALTER TABLE ADD CONSTRAINT"),
            0
        ),
        "{}",
        rebuilt.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "DIM_STORE",
        constraints: true,
        checks: vec![(
            "SELECT STORE_ID, FLOOR, CITY FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
            serde_json::json!([[-1, "Unknown", "Unknown"], [1, "1", "R1"], [2, "2", "R2"]]),
        )],
    };
    run_case(&emulator, &case);
}

/// The remaining column classes in one model: a dropped column and a
/// dropped table (destructive: only with --allow-destructive), NOT NULL set
/// (careful) and dropped (safe), a comment changed (safe). The other
/// columns keep every value.
#[test]
fn drops_and_nullability_changes_keep_the_other_values() {
    use model_core::evolve::Class::{Careful, Destructive, Safe};
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
  { name = "REGION", type = "varchar(20)", nullable = false },
  { name = "LEGACY_CODE", type = "varchar(5)" },
]
[[dimension]]
name = "DIM_OLD"
natural_key = "OLD_ID"
columns = [{ name = "OLD_ID", type = "int" }]
"#;
    let after_text = before_text
        .replace(
            "{ name = \"CITY\", type = \"varchar(20)\" }",
            "{ name = \"CITY\", type = \"varchar(20)\", nullable = false, comment = \"Where it is.\" }",
        )
        .replace(
            "{ name = \"REGION\", type = \"varchar(20)\", nullable = false }",
            "{ name = \"REGION\", type = \"varchar(20)\" }",
        )
        .replace("  { name = \"LEGACY_CODE\", type = \"varchar(5)\" },\n", "");
    let after_text = after_text[..after_text.find("[[dimension]]\nname = \"DIM_OLD\"").unwrap()].to_owned();
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let found: Vec<(model_core::evolve::Class, String)> = plan
        .steps
        .iter()
        .map(|s| (s.change.class(), s.change.object()))
        .collect();
    assert_eq!(
        found,
        [
            (Careful, "DIM_STORE.CITY".to_owned()),
            (Safe, "DIM_STORE.CITY".to_owned()),
            (Safe, "DIM_STORE.REGION".to_owned()),
            (Destructive, "DIM_STORE.LEGACY_CODE".to_owned()),
            (Destructive, "DIM_OLD".to_owned()),
        ],
        "{}",
        plan.render()
    );
    assert!(matches!(
        plan.migration(&[], false),
        Err(dimgen::migrate::Refused::Destructive(lost)) if lost.len() == 2
    ));
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "SHOP",
        schema: "DEV",
        table: "DIM_STORE",
        constraints: true,
        checks: vec![
            (
                "SELECT COUNT(*) FROM SHOP.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'DIM_OLD'".to_owned(),
                serde_json::json!([[0]]),
            ),
            (
                "SELECT STORE_ID, CITY, REGION FROM SHOP.DEV.DIM_STORE ORDER BY 1".to_owned(),
                serde_json::json!([[-1, "Unknown", "Unknown"], [1, "R1", "R1"], [2, "R2", "R2"]]),
            ),
            (
                "SELECT COUNT(*) FROM SHOP.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'DIM_STORE' AND COLUMN_NAME = 'LEGACY_CODE'".to_owned(),
                serde_json::json!([[0]]),
            ),
            (
                "SELECT COLUMN_NAME, IS_NULLABLE FROM SHOP.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'DIM_STORE' AND COLUMN_NAME IN ('CITY', 'REGION') ORDER BY 1".to_owned(),
                serde_json::json!([["CITY", "NO"], ["REGION", "YES"]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// A mart and a load the model no longer has: the view is dropped, and the
/// load's landing table (its task, pipe and stream are statements the
/// emulator cannot run) is dropped, only with --allow-destructive; the
/// tables keep their rows. Without the migration both stay behind.
#[test]
fn a_removed_mart_and_load_are_dropped() {
    let Some(emulator) = Emulator::locate() else { return };
    let retail = model_text("schemas/retail.toml");
    let cut = |text: &str, start: &str| {
        let at = text.find(start).expect(start);
        let end = text[at..].find("\n\n").map_or(text.len(), |i| at + i + 2);
        format!("{}{}", &text[..at], &text[end..])
    };
    let after_text = cut(
        &cut(&retail, "[[mart]]\nname = \"MART_SALES_BY_FORMAT\""),
        "[[load]]\ntable = \"DIM_STORE\"",
    );
    let before = load("schemas/retail.toml", &retail);
    let after = load("retail_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    assert!(
        matches!(plan.migration(&[], false), Err(dimgen::migrate::Refused::Destructive(lost)) if lost.len() == 1),
        "{}",
        plan.render()
    );
    let case = Case {
        before,
        after,
        env: "DEV",
        database: "RETAIL",
        schema: "SALES_DEV",
        table: "DIM_STORE",
        constraints: true,
        checks: vec![
            (
                "SELECT COUNT(*) FROM RETAIL.INFORMATION_SCHEMA.VIEWS WHERE TABLE_NAME = 'MART_SALES_BY_FORMAT'"
                    .to_owned(),
                serde_json::json!([[0]]),
            ),
            (
                "SELECT COUNT(*) FROM RETAIL.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'DIM_STORE_LANDING'"
                    .to_owned(),
                serde_json::json!([[0]]),
            ),
            (
                "SELECT COUNT(*) FROM RETAIL.SALES_DEV.DIM_STORE".to_owned(),
                serde_json::json!([[3]]),
            ),
        ],
    };
    run_case(&emulator, &case);
}

/// SCD2 -> SCD1 (destructive): a fact row pointing at an older version of a
/// store is repointed at its current version, then the older version is
/// deleted. (DuckDB, under the emulator, cannot drop a column of a table a
/// foreign key points at, so the migration's three DROP COLUMNs and its
/// constraint statements are checked as SQL here and run in Snowflake only.)
#[test]
fn a_dimension_that_stops_keeping_history_repoints_its_facts_first() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
scd = 2
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "STORE_KEY", references = "DIM_STORE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
"#;
    let after_text = before_text.replace("scd = 2\n", "");
    let before = load("shop_v1.toml", before_text);
    let after = load("shop_v2.toml", &after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    assert!(matches!(
        plan.migration(&[], false),
        Err(dimgen::migrate::Refused::Destructive(_))
    ));
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    let t = "SHOP.DEV.DIM_STORE";
    assert_eq!(
        sql,
        [
            "DROP VIEW IF EXISTS SHOP.DEV.DIM_STORE_CURRENT".to_owned(),
            format!(
                "UPDATE SHOP.DEV.FACT_SALES AS r SET STORE_KEY = v.CURRENT_KEY FROM (SELECT o.STORE_KEY AS OLD_KEY, c.STORE_KEY AS CURRENT_KEY FROM {t} AS o JOIN {t} AS c ON c.STORE_ID = o.STORE_ID AND c.IS_CURRENT WHERE NOT o.IS_CURRENT) AS v WHERE r.STORE_KEY = v.OLD_KEY"
            ),
            format!("DELETE FROM {t} WHERE NOT IS_CURRENT"),
            format!("ALTER TABLE {t} DROP CONSTRAINT UQ_DIM_STORE_NATURAL_KEY"),
            format!("ALTER TABLE {t} ADD CONSTRAINT UQ_DIM_STORE_NATURAL_KEY UNIQUE (STORE_ID)"),
            format!("ALTER TABLE {t} DROP COLUMN IF EXISTS VALID_FROM"),
            format!("ALTER TABLE {t} DROP COLUMN IF EXISTS VALID_TO"),
            format!("ALTER TABLE {t} DROP COLUMN IF EXISTS IS_CURRENT"),
        ]
    );
    let mut steps = deploy_steps(&before, "DEV");
    let deployed = steps.len();
    steps.push(Step::exec(format!(
        "INSERT INTO {t} (STORE_ID, CITY, VALID_FROM, VALID_TO, IS_CURRENT) VALUES (1, 'Old', '2020-01-01', '2024-01-01', FALSE)"
    )));
    steps.push(Step::exec(format!(
        "INSERT INTO {t} (STORE_ID, CITY, VALID_FROM, VALID_TO, IS_CURRENT) VALUES (1, 'New', '2024-01-01', '9999-12-31', TRUE)"
    )));
    steps.push(Step::exec(format!(
        "INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, STORE_KEY, AMOUNT) SELECT 10, STORE_KEY, 5 FROM {t} WHERE CITY = 'Old'"
    )));
    let migration_at = steps.len();
    steps.extend(
        plan.statements()
            .filter(|s| !NOT_EXECUTABLE.contains(&s.kind()) && s.kind() != "ALTER TABLE DROP COLUMN")
            .map(|s| Step::exec(s.to_string())),
    );
    let checks_at = steps.len();
    steps.push(Step::query(format!(
        "SELECT f.RECEIPT, d.CITY FROM SHOP.DEV.FACT_SALES AS f JOIN {t} AS d ON d.STORE_KEY = f.STORE_KEY"
    )));
    steps.push(Step::query(format!("SELECT STORE_ID, CITY FROM {t} ORDER BY 1")));
    let outcomes = emulator.run(&steps);
    assert_eq!(failures(&steps, &outcomes, 0..checks_at), Vec::<String>::new());
    assert!(deployed < migration_at && migration_at < checks_at);
    assert_eq!(
        serde_json::json!(outcomes[checks_at].rows),
        serde_json::json!([[10, "New"]]),
        "the fact row points at the current version"
    );
    assert_eq!(
        serde_json::json!(outcomes[checks_at + 1].rows),
        serde_json::json!([[-1, "Unknown"], [1, "New"]]),
        "one row per member"
    );
}

/// A dimension with an unknown member and a fact whose nullable reference
/// points at it: the two unknown-member cases turn it on and off.
const CHANNELS: &str = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_CHANNEL"
natural_key = "CHANNEL_ID"
columns = [
  { name = "CHANNEL_ID", type = "int" },
  { name = "CHANNEL_NAME", type = "varchar(20)" },
]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "CHANNEL_KEY", references = "DIM_CHANNEL", nullable = true },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
"#;

/// `CHANNELS` without its unknown member.
fn channels_without_member() -> String {
    CHANNELS.replace(
        "natural_key = \"CHANNEL_ID\"\n",
        "natural_key = \"CHANNEL_ID\"\nunknown_member = false\n",
    )
}

/// Deploy `before`, insert `rows`, then run `after`'s deploy.sql, without
/// the migration (the control) and with it: the rows of each check query,
/// once per run.
fn without_and_with(
    emulator: &Emulator,
    before: &Validated,
    after: &Validated,
    rows: &[Step],
    checks: &[&str],
) -> [Vec<serde_json::Value>; 2] {
    let plan = dimgen::migrate::Plan::new(before, after, "DEV").expect("plan");
    [false, true].map(|with_migration| {
        let mut steps = deploy_steps(before, "DEV");
        steps.extend(rows.iter().cloned());
        if with_migration {
            steps.extend(
                plan.statements()
                    .filter(|s: &&Statement| !NOT_EXECUTABLE.contains(&s.kind()))
                    .map(|s| Step::exec(s.to_string())),
            );
        }
        steps.extend(deploy_steps(after, "DEV"));
        let checks_at = steps.len();
        steps.extend(checks.iter().map(|q| Step::query(*q)));
        let outcomes = emulator.run(&steps);
        assert_eq!(failures(&steps, &outcomes, 0..checks_at), Vec::<String>::new());
        outcomes[checks_at..]
            .iter()
            .map(|o| serde_json::json!(o.rows))
            .collect()
    })
}

/// A dimension that gains an unknown member: the migration inserts the -1
/// row and points the NULL references of the rows already there at it,
/// which the new loads would do for new rows. Without it the new
/// deploy.sql inserts the row, but the old NULLs stay.
#[test]
fn a_new_unknown_member_takes_the_null_references() {
    let Some(emulator) = Emulator::locate() else { return };
    let before_text = channels_without_member();
    let after_text = CHANNELS;
    let before = load("shop_v1.toml", &before_text);
    let after = load("shop_v2.toml", after_text);
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    // The key's comment (it names the unknown member), the row, the references.
    assert_eq!(sql.len(), 3, "{}", plan.render());
    assert!(sql[0].contains("ALTER COLUMN CHANNEL_KEY COMMENT"), "{}", sql[0]);
    assert!(sql[1].starts_with("INSERT INTO SHOP.DEV.DIM_CHANNEL"), "{}", sql[1]);
    assert_eq!(
        sql[2],
        "UPDATE SHOP.DEV.FACT_SALES SET CHANNEL_KEY = -1 WHERE CHANNEL_KEY IS NULL"
    );
    assert_eq!(plan.count(model_core::evolve::Class::Careful), 1, "{}", plan.render());
    // Removing it again with a NOT NULL reference is refused, not guessed.
    let strict = load("shop_v1.toml", &before_text.replace(", nullable = true", ""));
    let strict_after = load("shop_v2.toml", &after_text.replace(", nullable = true", ""));
    let back = dimgen::migrate::Plan::new(&strict_after, &strict, "DEV").expect("plan");
    assert_eq!(
        back.count(model_core::evolve::Class::Unsupported),
        1,
        "{}",
        back.render()
    );

    let rows = [
        Step::exec("INSERT INTO SHOP.DEV.DIM_CHANNEL (CHANNEL_ID, CHANNEL_NAME) VALUES (7, 'web')"),
        Step::exec("INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, CHANNEL_KEY, AMOUNT) VALUES (1, NULL, 5)"),
        Step::exec(
            "INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, CHANNEL_KEY, AMOUNT) SELECT 2, CHANNEL_KEY, 6 FROM SHOP.DEV.DIM_CHANNEL WHERE CHANNEL_ID = 7",
        ),
    ];
    let check = "SELECT f.RECEIPT, f.CHANNEL_KEY = -1, c.CHANNEL_NAME FROM SHOP.DEV.FACT_SALES AS f JOIN SHOP.DEV.DIM_CHANNEL AS c ON c.CHANNEL_KEY = f.CHANNEL_KEY ORDER BY 1";
    let [without, with] = without_and_with(&emulator, &before, &after, &rows, &[check]);
    // The control: the NULL reference joins nothing.
    assert_eq!(without, [serde_json::json!([[2, false, "web"]])], "migration: false");
    // Every sale joins: the one without a channel to the unknown member.
    assert_eq!(
        with,
        [serde_json::json!([[1, true, "Unknown"], [2, false, "web"]])],
        "migration: true"
    );
}

/// A dimension that loses its unknown member: the references pointing at
/// -1 become NULL (they are nullable), their foreign keys stop being RELY,
/// and the -1 row goes. Without the migration the row stays.
#[test]
fn a_removed_unknown_member_leaves_null_references() {
    let Some(emulator) = Emulator::locate() else { return };
    let before = load("shop_v1.toml", CHANNELS);
    let after = load("shop_v2.toml", &channels_without_member());
    let plan = dimgen::migrate::Plan::new(&before, &after, "DEV").expect("plan");
    let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
    assert_eq!(plan.count(model_core::evolve::Class::Careful), 1, "{}", plan.render());
    let tail: Vec<&str> = sql.iter().rev().take(3).rev().map(String::as_str).collect();
    assert_eq!(
        tail,
        [
            "UPDATE SHOP.DEV.FACT_SALES SET CHANNEL_KEY = NULL WHERE CHANNEL_KEY = -1",
            "ALTER TABLE SHOP.DEV.FACT_SALES ALTER CONSTRAINT FK_FACT_SALES_CHANNEL_KEY NORELY",
            "DELETE FROM SHOP.DEV.DIM_CHANNEL WHERE CHANNEL_KEY = -1",
        ],
        "{}",
        plan.render()
    );
    let rows = [
        Step::exec("INSERT INTO SHOP.DEV.DIM_CHANNEL (CHANNEL_ID, CHANNEL_NAME) VALUES (7, 'web')"),
        Step::exec("INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, CHANNEL_KEY, AMOUNT) VALUES (1, -1, 5)"),
        Step::exec(
            "INSERT INTO SHOP.DEV.FACT_SALES (RECEIPT, CHANNEL_KEY, AMOUNT) SELECT 2, CHANNEL_KEY, 6 FROM SHOP.DEV.DIM_CHANNEL WHERE CHANNEL_ID = 7",
        ),
    ];
    let checks = [
        "SELECT RECEIPT, CHANNEL_KEY IS NULL FROM SHOP.DEV.FACT_SALES ORDER BY 1",
        "SELECT COUNT(*) FROM SHOP.DEV.DIM_CHANNEL WHERE CHANNEL_KEY = -1",
    ];
    let [without, with] = without_and_with(&emulator, &before, &after, &rows, &checks);
    assert_eq!(
        without,
        [serde_json::json!([[1, false], [2, false]]), serde_json::json!([[1]])],
        "migration: false"
    );
    assert_eq!(
        with,
        [serde_json::json!([[1, true], [2, false]]), serde_json::json!([[0]])],
        "migration: true"
    );
}
