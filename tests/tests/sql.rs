//! The generated SQL of every model in `schemas/`: snapshots of every output
//! file, parse-back with sqlparser's Snowflake dialect, determinism, order,
//! and the promises dimgen makes about what it never emits.
#![allow(clippy::doc_markdown)]

use std::collections::HashSet;

use dimgen::writer::Statement;
use dimgen_tests::{load_model, model_files, model_stem};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;

/// What sqlparser 0.64 cannot parse of what dimgen emits, and why. Each such
/// statement is asserted to still fail as emitted, so an upgrade that learns
/// the syntax shows up here; where a reduced form exists (the statement with
/// the unknown part rewritten to syntax sqlparser knows), that form must parse
/// as exactly one statement, so the rest of the statement is still checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unparseable {
    /// `ALTER TABLE ... ALTER CONSTRAINT name RELY`: sqlparser has no RELY.
    Rely,
    /// `CREATE SEQUENCE ... ORDER`: sqlparser has no ORDER / NOORDER sequence
    /// option (Snowflake needs it: new sequences default to NOORDER).
    SequenceOrder,
    /// `CREATE ROLE ... COMMENT = '...'`: sqlparser's CREATE ROLE has no COMMENT.
    RoleComment,
    /// `GRANT ... ON [ALL | FUTURE] DYNAMIC TABLE[S]`: no dynamic-table object type.
    DynamicTableGrant,
    /// `GRANT CREATE TABLE, CREATE VIEW, ... ON SCHEMA`: no CREATE <type> privileges.
    CreatePrivilege,
    /// `CREATE` / `ALTER STORAGE INTEGRATION`: not known at all.
    StorageIntegration,
    /// `ALTER FILE FORMAT ... SET`: no ALTER FILE FORMAT (CREATE parses);
    /// reduced: the same options as a CREATE.
    AlterFileFormat,
    /// `CREATE PIPE`: not known; reduced: its COPY INTO.
    Pipe,
    /// `CREATE STREAM`: not known.
    Stream,
    /// `ALTER TASK ... SUSPEND | RESUME`: not known.
    AlterTask,
    /// `CREATE OR ALTER TASK`: not known; reduced: the MERGE it runs.
    Task,
    /// `CREATE TAG`: not known.
    Tag,
    /// `CREATE MASKING POLICY` / `ALTER MASKING POLICY ... SET BODY`: not
    /// known; reduced: the body, selected.
    MaskingPolicy,
    /// `ALTER [DYNAMIC] TABLE ... MODIFY COLUMN ... SET MASKING POLICY` or
    /// `SET TAG`: not known.
    ColumnGovernance,
}

impl Unparseable {
    fn of(statement: &Statement) -> Option<Self> {
        use dimgen::writer::{GrantOn, ObjectKind, Privilege};
        match statement {
            Statement::RelyConstraint { .. } => Some(Self::Rely),
            Statement::StorageIntegration { .. } => Some(Self::StorageIntegration),
            Statement::FileFormat { alter: true, .. } => Some(Self::AlterFileFormat),
            Statement::CreatePipe(_) => Some(Self::Pipe),
            Statement::CreateStream { .. } => Some(Self::Stream),
            Statement::AlterTask { .. } => Some(Self::AlterTask),
            Statement::Task(_) => Some(Self::Task),
            Statement::CreateTag { .. } => Some(Self::Tag),
            Statement::MaskingPolicy { .. } => Some(Self::MaskingPolicy),
            Statement::SetMaskingPolicy { .. } | Statement::SetTag { .. } => Some(Self::ColumnGovernance),
            Statement::CreateSequence { .. } => Some(Self::SequenceOrder),
            Statement::CreateRole { comment: Some(_), .. } => Some(Self::RoleComment),
            Statement::Grant { privileges, on, .. } => {
                if privileges.iter().any(|p| matches!(p, Privilege::Create(_))) {
                    Some(Self::CreatePrivilege)
                } else if matches!(on, GrantOn::Object(kind, _) | GrantOn::All(kind, _) | GrantOn::Future(kind, _) if *kind == ObjectKind::DynamicTable)
                {
                    Some(Self::DynamicTableGrant)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The statement rewritten to syntax sqlparser knows, if there is one.
    fn reduced(self, statement: &Statement, sql: &str) -> Option<String> {
        match (self, statement.clone()) {
            (
                Self::AlterFileFormat,
                Statement::FileFormat {
                    name,
                    file_type,
                    options,
                    comment,
                    ..
                },
            ) => {
                return Some(
                    Statement::FileFormat {
                        name,
                        file_type,
                        options,
                        comment,
                        alter: false,
                    }
                    .to_string(),
                );
            }
            (Self::Pipe, Statement::CreatePipe(pipe)) => return Some(pipe.copy.to_string()),
            (Self::Task, Statement::Task(task)) => return Some(task.body.to_string()),
            (Self::MaskingPolicy, Statement::MaskingPolicy { body, .. }) => {
                return Some(format!(
                    "SELECT {body} FROM (SELECT NULL AS {})",
                    dimgen::writer::MASKED_VALUE
                ));
            }
            _ => {}
        }
        match self {
            Self::Rely
            | Self::SequenceOrder
            | Self::StorageIntegration
            | Self::Stream
            | Self::AlterTask
            | Self::AlterFileFormat
            | Self::Pipe
            | Self::Task
            | Self::Tag
            | Self::MaskingPolicy
            | Self::ColumnGovernance => None,
            Self::RoleComment => sql.find(" COMMENT = ").map(|at| sql[..at].to_owned()),
            Self::DynamicTableGrant => Some(sql.replacen(" DYNAMIC TABLE", " TABLE", 1)),
            Self::CreatePrivilege => Some(
                sql.replace("CREATE DYNAMIC TABLE", "CREATE")
                    .replace("CREATE TABLE", "CREATE")
                    .replace("CREATE VIEW", "CREATE"),
            ),
        }
    }
}

fn parse(sql: &str) -> Result<usize, String> {
    Parser::parse_sql(&SnowflakeDialect {}, sql)
        .map(|s| s.len())
        .map_err(|e| e.to_string())
}

#[test]
fn every_output_file_matches_its_snapshot() {
    for path in model_files() {
        let model = load_model(&path);
        let stem = model_stem(&path);
        for env in &model.environments {
            let deployment = dimgen::generate(&model, &env.name).expect("generate");
            for (file, text) in deployment.rendered() {
                let env_name: String = env
                    .name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let name = format!("{stem}__{env_name}__{}", file.trim_end_matches(".sql"));
                insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                    insta::assert_snapshot!(name, text);
                });
            }
        }
    }
}

#[test]
fn every_statement_parses_back_as_one_snowflake_statement() {
    let mut parsed = 0;
    let mut refused = 0;
    let mut reasons = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for path in model_files() {
        let model = load_model(&path);
        for env in &model.environments {
            let deployment = dimgen::generate(&model, &env.name).expect("generate");
            for (file, statement) in deployment.statements() {
                let sql = statement.to_string();
                let result = parse(&sql);
                if let Some(reason) = Unparseable::of(statement) {
                    refused += 1;
                    reasons.insert(format!("{reason:?}"));
                    if result.is_ok() {
                        failures.push(format!(
                            "sqlparser now parses {reason:?}: take it off `Unparseable`\n{sql}"
                        ));
                    }
                    if let Some(reduced) = reason.reduced(statement, &sql) {
                        match parse(&reduced) {
                            Ok(1) => {}
                            other => failures.push(format!("{file}: {reason:?}, reduced: {other:?}\n{reduced}")),
                        }
                    }
                    continue;
                }
                parsed += 1;
                match result {
                    Ok(1) => {}
                    Ok(n) => failures.push(format!("{file}: parsed as {n} statements:\n{sql}")),
                    Err(e) => failures.push(format!("{file}: {e}\n{sql}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(parsed > 100 && refused > 0, "parsed {parsed}, refused {refused}");
    // Every entry of `Unparseable` is still needed by some emitted statement.
    assert_eq!(
        reasons.into_iter().collect::<Vec<_>>(),
        [
            "AlterFileFormat",
            "AlterTask",
            "ColumnGovernance",
            "CreatePrivilege",
            "DynamicTableGrant",
            "MaskingPolicy",
            "Pipe",
            "Rely",
            "RoleComment",
            "SequenceOrder",
            "StorageIntegration",
            "Stream",
            "Tag",
            "Task"
        ]
    );
}

/// Statement boundaries survive hostile names: the tokenizer (which knows
/// quoted identifiers, strings and comments) finds exactly one `;` per
/// statement in every file, including statements sqlparser cannot parse.
#[test]
fn every_file_holds_exactly_its_statements() {
    use sqlparser::tokenizer::{Token, Tokenizer};
    for path in model_files() {
        let model = load_model(&path);
        for env in &model.environments {
            let deployment = dimgen::generate(&model, &env.name).unwrap();
            for file in &deployment.files {
                let text = file.render();
                let tokens = Tokenizer::new(&SnowflakeDialect {}, &text)
                    .tokenize()
                    .expect("tokenize");
                let semicolons = tokens.iter().filter(|t| matches!(t, Token::SemiColon)).count();
                assert_eq!(
                    semicolons,
                    file.statements.len(),
                    "{} {} {}",
                    path.display(),
                    env.name,
                    file.name
                );
            }
        }
    }
}

#[test]
fn the_combined_file_is_the_step_files_in_order() {
    for path in model_files() {
        let model = load_model(&path);
        let env = &model.environments[0].name;
        let deployment = dimgen::generate(&model, env).unwrap();
        let rendered = deployment.rendered();
        let (last, steps) = rendered.split_last().unwrap();
        assert_eq!(last.0, "deploy.sql");
        let mut rest = last.1.as_str();
        // The administrator's file is not part of deploy.sql.
        let (admin, steps) = steps.split_first().unwrap();
        assert_eq!(admin.0, "00_storage_integrations.sql");
        assert!(!last.1.contains("CREATE STORAGE INTEGRATION"));
        for (name, text) in steps {
            let at = rest
                .find(text.as_str())
                .unwrap_or_else(|| panic!("deploy.sql lacks {name} (in order)"));
            rest = &rest[at + text.len()..];
        }
        assert!(
            steps.iter().map(|(n, _)| n.as_str()).eq([
                "01_database.sql",
                "02_tables.sql",
                "03_marts.sql",
                "04_roles.sql",
                "05_stages.sql",
                "06_pipes.sql",
                "07_loading.sql",
                "08_governance.sql"
            ]),
            "numbered step files"
        );
    }
}

#[test]
fn generation_is_deterministic() {
    for path in model_files() {
        for env in &load_model(&path).environments {
            let a = dimgen::generate(&load_model(&path), &env.name).unwrap().rendered();
            let b = dimgen::generate(&load_model(&path), &env.name).unwrap().rendered();
            assert_eq!(a, b, "{} {}", path.display(), env.name);
        }
    }
}

/// What may be replaced (views, dynamic tables) keeps its grants: COPY
/// GRANTS. That nothing else is replaced, dropped, truncated, deleted or
/// taken ownership of is the output checker's job, checked on tokens (so a
/// table named `fact; DROP TABLE x` does not count) by
/// `every_deployment_passes_the_output_checker` below.
#[test]
fn what_is_replaced_keeps_its_grants() {
    for path in model_files() {
        let model = load_model(&path);
        for env in &model.environments {
            let deployment = dimgen::generate(&model, &env.name).unwrap();
            for (_, statement) in deployment.statements() {
                if matches!(
                    statement,
                    Statement::CreateView { .. } | Statement::CreateDynamicTable(_)
                ) {
                    let sql = statement.to_string();
                    assert!(
                        sql.contains("COPY GRANTS"),
                        "{}: replaced without COPY GRANTS:\n{sql}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn every_table_is_created_after_the_tables_it_references() {
    for path in model_files() {
        let model = load_model(&path);
        let deployment = dimgen::generate(&model, &model.environments[0].name).unwrap();
        let mut created: HashSet<String> = HashSet::new();
        let mut tables = 0;
        for (_, statement) in deployment.statements() {
            if let Statement::CreateTable(t) = statement {
                for c in &t.constraints {
                    if let dimgen::writer::Constraint::ForeignKey { table, .. } = c {
                        let target = table.object().to_owned();
                        assert!(
                            created.contains(&target) || target == t.name.object(),
                            "{}: {} references {target} before it is created",
                            path.display(),
                            t.name.object()
                        );
                    }
                }
                created.insert(t.name.object().to_owned());
                tables += 1;
            }
        }
        assert_eq!(
            tables,
            model.tables().count() + model.loads.len(),
            "one CREATE TABLE per table and landing table"
        );
    }
}

#[test]
fn the_healthcare_model_has_every_table_of_the_design() {
    let model = load_model(&dimgen_tests::workspace_root().join("schemas/healthcare.toml"));
    let deployment = dimgen::generate(&model, "PROD").unwrap();
    let created: Vec<String> = deployment
        .statements()
        .filter_map(|(file, s)| match s {
            Statement::CreateTable(t) if file == "02_tables.sql" => Some(t.name.to_string()),
            _ => None,
        })
        .collect();
    // The 28 tables of DESIGN.md plus the weighted care-team bridge (the
    // landing tables of step 5 are not part of the model).
    let expected = [
        "DIM_DATE",
        "DIM_PATIENT",
        "DIM_PROVIDER",
        "DIM_CONTACT",
        "DIM_PROVIDER_SPECIALTY",
        "DIM_LANGUAGE",
        "DIM_LOCATION",
        "DIM_PROCEDURE_TYPE",
        "DIM_ENROLLMENTS",
        "DIM_PAYMENT_TYPE",
        "DIM_SURVEYS",
        "DIM_OUTCOME",
        "DIM_ENCOUNTER_TYPE",
        "FACT_CLAIMS",
        "FACT_ENCOUNTERS",
        "FACT_APPOINTMENTS",
        "FACT_LAB_RESULTS",
        "FACT_PROCEDURES",
        "FACT_ENROLLMENTS",
        "FACT_PAYMENTS",
        "FACT_EMPLOYEE_SATISFACTION_RESULTS",
        "BRIDGE_PATIENT_CONTACT",
        "BRIDGE_PROVIDER_CONTACT",
        "BRIDGE_PROVIDER_SPECIALTY",
        "BRIDGE_PROVIDER_LANGUAGE",
        "BRIDGE_PATIENT_LANGUAGE",
        "BRIDGE_PATIENT_LOCATION",
        "BRIDGE_PROVIDER_LOCATION",
        "BRIDGE_CARE_TEAM",
    ];
    let mut want: Vec<String> = expected.iter().map(|t| format!("HEALTH_TECH.PROD.{t}")).collect();
    let mut got = created.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    // Role-playing: two references from FACT_CLAIMS to DIM_DATE, each with its role.
    let claims = model.facts.iter().find(|f| f.name == "FACT_CLAIMS").unwrap();
    let date_roles: Vec<_> = claims
        .columns
        .iter()
        .filter_map(|c| match &c.kind {
            model_core::ColumnKind::Reference { dimension, role } if dimension == "DIM_DATE" => {
                Some((c.name.as_str(), role.as_deref()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        date_roles,
        [
            ("DATE_OF_SERVICE", Some("SERVICE_DATE")),
            ("PAID_DATE", Some("PAID_DATE"))
        ]
    );
    // FACT_PAYMENTS references outcome and patient.
    let payments = deployment.deploy_sql();
    for fk in [
        "CONSTRAINT FK_FACT_PAYMENTS_OUTCOME_KEY FOREIGN KEY (OUTCOME_KEY) REFERENCES HEALTH_TECH.PROD.DIM_OUTCOME (OUTCOME_KEY)",
        "CONSTRAINT FK_FACT_PAYMENTS_PATIENT_KEY FOREIGN KEY (PATIENT_KEY) REFERENCES HEALTH_TECH.PROD.DIM_PATIENT (PATIENT_KEY)",
        "CONSTRAINT FK_FACT_CLAIMS_DATE_OF_SERVICE FOREIGN KEY (DATE_OF_SERVICE) REFERENCES HEALTH_TECH.PROD.DIM_DATE (DATE_ID)",
    ] {
        assert!(payments.contains(fk), "missing: {fk}");
    }
}

/// Quoting keeps every name exactly as written: sqlparser reads back the
/// same table and column names (including case, quotes, spaces, non-ASCII).
#[test]
fn names_survive_quoting_exactly() {
    for path in model_files() {
        let model = load_model(&path);
        let env = &model.environments[0].name;
        let deployment = dimgen::generate(&model, env).unwrap();
        let mut checked = 0;
        for (_, statement) in deployment.statements() {
            let Statement::CreateTable(table) = statement else {
                continue;
            };
            let parsed = Parser::parse_sql(&SnowflakeDialect {}, &statement.to_string()).unwrap();
            let sqlparser::ast::Statement::CreateTable(create) = &parsed[0] else {
                panic!("not a CREATE TABLE")
            };
            let name_parts: Vec<String> = create
                .name
                .0
                .iter()
                .map(|p| p.as_ident().unwrap().value.clone())
                .collect();
            assert_eq!(name_parts, table.name.0);
            let columns: Vec<&str> = create.columns.iter().map(|c| c.name.value.as_str()).collect();
            let expected: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(columns, expected, "{}", path.display());
            checked += 1;
        }
        assert_eq!(checked, model.tables().count() + model.loads.len());
    }
}

/// The output checker the fuzz targets run (tests/src/check.rs), on every
/// model and environment: statements split exactly, each of its kind, no
/// forbidden word, no control character, headers comments only,
/// deterministic.
#[test]
fn every_deployment_passes_the_output_checker() {
    for path in model_files() {
        let model = load_model(&path);
        if let Err(e) = dimgen_tests::check::check_model(&model) {
            panic!("{}: {e}", path.display());
        }
    }
}

/// Every statement a migration emits parses as one Snowflake statement,
/// except the kinds sqlparser does not know (each with its reason).
#[test]
fn every_migration_statement_parses_back() {
    // Kinds sqlparser 0.64 does not parse, and why that is not our error.
    let unknown = [
        // A Snowflake Scripting block around ALTER PIPE and CREATE PIPE (neither known).
        "RECREATE PIPE",
        // No DROP PIPE / STREAM / TASK, ALTER TASK, RENAME CONSTRAINT, DROP CLUSTERING KEY.
        "DROP PIPE",
        "DROP STREAM",
        "DROP TASK",
        "ALTER TASK",
        "ALTER TABLE RENAME CONSTRAINT",
        "ALTER TABLE DROP CLUSTERING KEY",
        // No ALTER COLUMN c COMMENT '...' (Snowflake's form of a column comment change).
        "ALTER TABLE ALTER COLUMN COMMENT",
        // No ALTER SEQUENCE, ALTER STAGE (the latter only inside a runbook's block, above).
        "ALTER SEQUENCE RENAME",
        "ALTER STAGE",
    ];
    let shop = r#"
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
  { name = "FLOOR", type = "int" },
  { name = "OLD", type = "string" },
]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "STORE_KEY", references = "DIM_STORE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
[[role]]
name = "READER"
grants = [{ access = "read", scope = "marts" }]
[[mart]]
name = "MART_BY_CITY"
fact = "FACT_SALES"
attributes = ["STORE.CITY"]
sum = ["AMOUNT"]
"#;
    let changed = shop
        .replace(
            "natural_key = \"STORE_ID\"",
            "natural_key = \"STORE_ID\"\nscd = 2\ncluster_by = [\"TOWN\"]",
        )
        .replace(
            "{ name = \"CITY\", type = \"varchar(20)\" }",
            "{ name = \"TOWN\", type = \"varchar(40)\", renamed_from = \"CITY\", comment = \"c\" }",
        )
        .replace(
            "{ name = \"FLOOR\", type = \"int\" }",
            "{ name = \"FLOOR\", type = \"varchar(10)\", nullable = false }",
        )
        .replace(
            "  { name = \"OLD\", type = \"string\" },\n",
            "  { name = \"OPEN\", type = \"boolean\", nullable = false, default = true },\n",
        )
        .replace(
            "name = \"FACT_SALES\"",
            "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
        )
        .replace("fact = \"FACT_SALES\"", "fact = \"FACT_RECEIPTS\"")
        .replace("attributes = [\"STORE.CITY\"]", "attributes = [\"STORE.TOWN\"]")
        .replace(
            "[[role]]\nname = \"READER\"\ngrants = [{ access = \"read\", scope = \"marts\" }]\n",
            "",
        );
    let retail = std::fs::read_to_string(dimgen_tests::workspace_root().join("schemas/retail.toml")).unwrap();
    let retail_v1 = retail
        .replace(
            "  { name = \"COST_AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n",
            "",
        )
        .replace(", \"NET_AMOUNT\", \"COST_AMOUNT\"]", ", \"NET_AMOUNT\"]");
    let load = |text: &str| {
        model_core::load_str("m.toml", text)
            .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
            .model
    };
    let pairs = [
        (shop.to_owned(), changed.clone()),
        (changed.clone(), shop.to_owned()),
        (retail_v1, retail.clone()),
        (
            retail.clone(),
            retail.replace(
                "[[role]]\nname = \"RETAIL_${env}_MERCHANDISER\"",
                "[[role]]\nname = \"RETAIL_${env}_ANALYST\"",
            ),
        ),
        (
            retail.clone(),
            retail.replace(
                "grants = [{ access = \"read\", scope = \"marts\" }]",
                "grants = [{ access = \"read\", objects = [\"MART_SALES_BY_FORMAT\"] }]",
            ),
        ),
    ];
    // A loaded table renamed (landing table and stream in the runbook), a
    // moved stage, a key's sequence renamed.
    let renamed_loaded = retail
        .replace(
            "[[fact]]\nname = \"FACT_SALES\"",
            "[[fact]]\nname = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
        )
        .replace("table = \"FACT_SALES\"", "table = \"FACT_RECEIPTS\"")
        .replace("fact = \"FACT_SALES\"", "fact = \"FACT_RECEIPTS\"");
    let moved = retail.replace("/pos/\"", "/pos-v2/\"");
    let sequence = |text: &str| {
        text.replace(
            "grain_columns = [\"RECEIPT\"]",
            "grain_columns = [\"RECEIPT\"]\nkey_generation = \"sequence\"",
        )
    };
    let pairs = pairs.into_iter().chain([
        (retail.clone(), renamed_loaded),
        (retail.clone(), moved),
        (sequence(shop), sequence(&changed)),
    ]);
    let mut kinds = std::collections::BTreeSet::new();
    for (before, after) in pairs {
        let plan = dimgen::migrate::Plan::new(&load(&before), &load(&after), "DEV").unwrap();
        for statement in plan.statements() {
            kinds.insert(statement.kind());
            if unknown.contains(&statement.kind()) {
                continue;
            }
            let mut sql = statement.to_string();
            // As for GRANT (Unparseable::DynamicTableGrant): sqlparser has no dynamic-table object type.
            if statement.kind() == "REVOKE" {
                sql = sql.replacen(" ON DYNAMIC TABLE ", " ON TABLE ", 1);
            }
            assert_eq!(parse(&sql), Ok(1), "{sql}");
        }
    }
    // The scenarios reach the statements they are meant to.
    for kind in [
        "ALTER TABLE RENAME TO",
        "ALTER TABLE ADD CONSTRAINT",
        "DELETE",
        "UPDATE",
        "REVOKE",
        "DROP ROLE",
        "RECREATE PIPE",
        "ALTER SEQUENCE RENAME",
        "ALTER TABLE ALTER COLUMN SET DEFAULT",
    ] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }
}

/// `dimgen catalog-query` prints two SELECTs (the tables' columns, then the
/// pipes), or one with `--no-pipes`; sqlparser reads each as a query, for
/// every model and environment (quoted names included).
#[test]
fn the_catalog_query_parses_as_its_selects() {
    for path in model_files() {
        let model = load_model(&path);
        for env in &model.environments {
            let mut query = dimgen::migrate::catalog_query(&model, &env.name).expect("catalog query");
            for (pipes, statements) in [(true, 2), (false, 1)] {
                query.pipes = pipes;
                let sql = query.to_string();
                assert_eq!(
                    parse(&sql),
                    Ok(statements),
                    "{}, {}:\n{sql}",
                    model_stem(&path),
                    env.name
                );
            }
        }
    }
}

/// `max_unknown_percent`: the fact's task counts the batch on its stream and
/// raises before the MERGE when more than the share of rows would get an
/// unknown member; a load without it merges straight away.
#[test]
fn a_load_with_max_unknown_percent_checks_its_batch_before_merging() {
    let model = dimgen_tests::load_model(&dimgen_tests::workspace_root().join("schemas/ssb.toml"));
    let deployment = dimgen::generate(&model, "DEV").expect("generate");
    let tasks: Vec<String> = deployment
        .statements()
        .filter(|(file, s)| file.starts_with("07_") && s.kind() == "CREATE OR ALTER TASK")
        .map(|(_, s)| s.to_string())
        .collect();
    let fact = tasks
        .iter()
        .find(|t| t.contains("TASK SSB.SSB_DEV.FACT_LINEORDER_LOAD_TASK"))
        .expect("the fact's task");
    let check = fact.find("IF (unknown * 100 > 1 * landed) THEN").expect("the check");
    let raise = fact.find("RAISE too_many_unknown;").expect("the raise");
    let merge = fact
        .find("MERGE INTO SSB.SSB_DEV.FACT_LINEORDER AS t")
        .expect("the MERGE");
    assert!(check < raise && raise < merge, "{fact}");
    // The count reads the stream, which a SELECT does not consume.
    assert!(
        fact.contains("FROM SSB.SSB_DEV.FACT_LINEORDER_LANDING_STREAM AS l\nLEFT JOIN SSB.SSB_DEV.DIM_CUSTOMER AS d1"),
        "{fact}"
    );
    assert!(fact.contains("ON d1.C_CUSTKEY = l.\"lo_custkey\""), "{fact}");
    let customer = tasks
        .iter()
        .find(|t| t.contains("TASK SSB.SSB_DEV.DIM_CUSTOMER_LOAD_TASK"))
        .expect("the customer task");
    assert!(customer.contains("\nAS\nMERGE INTO"), "{customer}");
    assert!(!customer.contains("RAISE"), "{customer}");
}
