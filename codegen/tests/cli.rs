//! The `dimgen` command line: exit codes, diagnostics on stderr, and output
//! folders that are complete or untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dimgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dimgen"))
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .expect("run dimgen")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

#[test]
fn generate_writes_every_file_and_is_byte_identical_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("nested/b");
    for out in [&a, &b] {
        let o = dimgen(&[
            "generate",
            "schemas/healthcare.toml",
            "--env",
            "PROD",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert_eq!(
        files_in(&a),
        [
            "00_storage_integrations.sql",
            "01_database.sql",
            "02_tables.sql",
            "03_marts.sql",
            "04_roles.sql",
            "05_stages.sql",
            "06_pipes.sql",
            "07_loading.sql",
            "08_governance.sql",
            "deploy.sql"
        ]
    );
    for name in files_in(&a) {
        assert_eq!(
            std::fs::read(a.join(&name)).unwrap(),
            std::fs::read(b.join(&name)).unwrap(),
            "{name}"
        );
    }
    let tables = std::fs::read_to_string(a.join("02_tables.sql")).unwrap();
    assert_eq!(
        tables.matches("CREATE TABLE IF NOT EXISTS HEALTH_TECH.PROD.").count(),
        29
    );
    assert!(!tables.contains("CREATE OR REPLACE"));
    // Stages and pipes are never replaced: recreating a stage stops its
    // pipes, recreating a pipe loses its load history.
    // (A view holds no data: the unknown-member audits of 07 are replaced.)
    for file in ["05_stages.sql", "06_pipes.sql", "07_loading.sql"] {
        let text = std::fs::read_to_string(a.join(file)).unwrap();
        let replaced: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("CREATE OR REPLACE") && !l.starts_with("CREATE OR REPLACE VIEW "))
            .collect();
        assert!(replaced.is_empty(), "{file}: {replaced:?}");
    }
    let loading = std::fs::read_to_string(a.join("07_loading.sql")).unwrap();
    assert_eq!(loading.matches("CREATE OR REPLACE VIEW HEALTH_TECH.PROD.").count(), 14);
    assert_eq!(loading.matches("_UNKNOWN_MEMBERS COPY GRANTS").count(), 14);
    let pipes = std::fs::read_to_string(a.join("06_pipes.sql")).unwrap();
    assert_eq!(
        pipes
            .matches("CREATE PIPE IF NOT EXISTS HEALTH_TECH.PROD.PROD_")
            .count(),
        21
    );
    // No staging folder left beside the output.
    assert!(
        files_in(tmp.path()).iter().all(|n| !n.starts_with(".dimgen-")),
        "{:?}",
        files_in(tmp.path())
    );
}

#[test]
fn broken_models_exit_1_with_located_diagnostics_and_write_nothing() {
    let cases = [
        (
            "syntax.toml",
            "database = \"X\"\n[environments.DEV]\nschema = \"DEV\n",
            "syntax.toml:3:",
        ),
        (
            "reference.toml",
            "database = \"X\"\n[environments.DEV]\nschema = \"DEV\"\n[[fact]]\nname = \"F\"\ncolumns = [{ name = \"D_KEY\", references = \"DIM_NOPE\" }]\n",
            "reference.toml:6:",
        ),
        (
            "duplicate.toml",
            "database = \"X\"\n[environments.DEV]\nschema = \"DEV\"\n[[dimension]]\nname = \"D\"\ncolumns = [\n  { name = \"A\", type = \"int\" },\n  { name = \"A\", type = \"int\" },\n]\n",
            "duplicate.toml:8:12",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (file, text, location) in cases {
        let model = tmp.path().join(file);
        std::fs::write(&model, text).unwrap();
        let out = tmp.path().join(format!("out-{file}"));
        let o = dimgen(&[
            "generate",
            model.to_str().unwrap(),
            "--env",
            "DEV",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{file}");
        let err = stderr(&o);
        assert!(err.contains(location), "{file}: expected {location} in\n{err}");
        assert!(o.stdout.is_empty(), "{file}: stdout should be empty");
        assert!(!out.exists(), "{file}: output folder created");

        // An existing output folder keeps exactly what it had.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.txt"), "mine").unwrap();
        let o = dimgen(&[
            "generate",
            model.to_str().unwrap(),
            "--env",
            "DEV",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(files_in(&out), ["keep.txt"], "{file}");

        let o = dimgen(&["check", model.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "check {file}");
        assert!(stderr(&o).contains(location));
    }
    assert!(files_in(tmp.path()).iter().all(|n| !n.starts_with(".dimgen-")));
}

#[test]
fn check_reports_a_clean_model() {
    let o = dimgen(&["check", "schemas/healthcare.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "schemas/healthcare.toml: ok (13 dimensions, 8 facts, 8 bridges, 9 marts, 4 roles, 21 loads; environments: DEV, PROD, STAGE)\n"
    );
}

#[test]
fn unknown_environment_and_missing_file_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = dimgen(&[
        "generate",
        "schemas/healthcare.toml",
        "--env",
        "QA",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("environment `QA` is not declared in the model (declared: DEV, PROD, STAGE)"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    let o = dimgen(&["check", "schemas/nope.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot read schemas/nope.toml"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    for args in [
        &["generate", "schemas/healthcare.toml"][..],
        &["frobnicate"],
        &[],
        &["check"],
        &["generate", "--env"],
    ] {
        let o = dimgen(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    for args in [&["--help"][..], &["generate", "--help"], &["check", "--help"]] {
        let o = dimgen(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage: dimgen"), "{args:?}");
    }
}

/// Every file of `dir` with its contents (`<dir>` for a folder), sorted.
fn snapshot_of(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap_or_else(|_| "<dir>".into());
            (e.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    out.sort();
    out
}

/// Issue 9, finding 5: a step file that cannot be replaced (a folder named
/// `07_loading.sql` in the way) fails the run and leaves the output folder
/// exactly as it was: the earlier deployment's files, unchanged.
#[test]
fn a_failed_write_leaves_the_output_folder_exactly_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = dimgen(&[
        "generate",
        "schemas/retail.toml",
        "--env",
        "DEV",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(out.join("01_database.sql"), "-- the deployment of last week\n").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::remove_file(out.join("07_loading.sql")).unwrap();
    std::fs::create_dir(out.join("07_loading.sql")).unwrap();
    let before = snapshot_of(&out);
    let o = dimgen(&[
        "generate",
        "schemas/retail.toml",
        "--env",
        "PROD",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("07_loading.sql"), "{}", stderr(&o));
    assert_eq!(snapshot_of(&out), before);
    // Nothing left beside it either (the staging folder is removed).
    let beside: Vec<String> = files_in(tmp.path());
    assert_eq!(beside, ["out"]);
}

/// Issue 9, finding 4: a label past column 65,535 made miette panic (exit
/// 101); now it is an ordinary diagnostic, cut around the label.
#[test]
fn a_problem_on_a_very_long_line_is_shown_cut_around_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.toml");
    let comment = "c".repeat(70_000);
    std::fs::write(
        &path,
        format!("name = \"m\"\ndatabase = \"D\"\ncomment = \"{comment}\" oops\n[environments.DEV]\nschema = \"DEV\"\n"),
    )
    .unwrap();
    let o = dimgen(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("long.toml:3:70014]"), "{err}");
    assert!(err.len() < 2_000, "{} bytes on stderr", err.len());
    // A 5 MB model on one line: refused in a few lines, not echoed.
    std::fs::write(&path, format!("name = \"m\" {}\n", "x = 1, ".repeat(700_000))).unwrap();
    let o = dimgen(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("long.toml:1:12]"), "{}", stderr(&o));
    assert!(o.stderr.len() < 2_000, "{} bytes on stderr", o.stderr.len());
}

/// Issue 9, finding 6: a credential in a model never reaches stdout or
/// stderr, whatever error it sits next to: a stage key, a sub-table, a
/// dotted key, an inline table, a duplicate, a syntax error beside it or
/// in it, a multi-line string, a key in another section, a type error.
#[test]
fn credentials_never_reach_the_terminal() {
    const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let base = std::fs::read_to_string(workspace().join("tests/fixtures/invalid/stage_credentials.toml")).unwrap();
    let mut clean = String::new();
    for line in base.lines().filter(|l| !l.starts_with("aws_")) {
        clean.push_str(line);
        clean.push('\n');
    }
    let after_url = |extra: &str| {
        clean.replacen(
            "url = \"s3://${bucket}/sales/\"\n",
            &format!("url = \"s3://${{bucket}}/sales/\"\n{extra}\n"),
            1,
        )
    };
    let before_load = |extra: &str| clean.replacen("[[load]]", &format!("{extra}\n[[load]]"), 1);
    let cases: Vec<(&str, String)> = vec![
        (
            "top-level keys",
            after_url(&format!("aws_key_id = \"{KEY_ID}\"\naws_secret_key = \"{SECRET}\"")),
        ),
        (
            "sub-table",
            before_load(&format!(
                "[stage.credentials]\naws_key_id = \"{KEY_ID}\"\naws_secret_key = \"{SECRET}\""
            )),
        ),
        (
            "dotted key",
            after_url(&format!("credentials.aws_secret_key = \"{SECRET}\"")),
        ),
        (
            "inline table",
            after_url(&format!(
                "credentials = {{ aws_key_id = \"{KEY_ID}\", aws_secret_key = \"{SECRET}\" }}"
            )),
        ),
        (
            "duplicate",
            after_url(&format!("aws_secret_key = \"{SECRET}\"\naws_secret_key = \"{SECRET}\"")),
        ),
        (
            "syntax error next to it",
            after_url(&format!("aws_secret_key = \"{SECRET}\"\nfile_format = = oops")),
        ),
        ("syntax error in it", after_url(&format!("aws_secret_key = \"{SECRET}"))),
        (
            "multi-line string",
            after_url(&format!("aws_secret_key = \"\"\"\n{SECRET}\n\"\"\"")),
        ),
        ("literal string", after_url(&format!("aws_secret_key = '{SECRET}'"))),
        (
            "key in a load",
            clean.replacen(
                "event_time = \"SALE_DATE\"",
                &format!("event_time = \"SALE_DATE\"\naws_secret_key = \"{SECRET}\""),
                1,
            ),
        ),
        (
            "key in the environment",
            clean.replacen(
                "schema = \"DEV\"",
                &format!("schema = \"DEV\"\naws_secret_key = \"{SECRET}\""),
                1,
            ),
        ),
        ("not a string", after_url(&format!("aws_secret_key = {SECRET}"))),
        (
            "encryption",
            after_url(&format!(
                "encryption = {{ type = \"AWS_SSE_KMS\", master_key = \"{SECRET}\" }}"
            )),
        ),
        (
            "many problems",
            after_url(&format!("aws_secret_key = \"{SECRET}\"\nunknown = 1\n"))
                .replace("type = \"int\"", "type = \"integr\""),
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (what, text) in &cases {
        assert!(
            text.contains(SECRET) || text.contains(KEY_ID),
            "{what}: the case holds its secret"
        );
        let path = tmp.path().join("model.toml");
        std::fs::write(&path, text).unwrap();
        let out = tmp.path().join("out");
        for args in [
            vec!["check", path.to_str().unwrap()],
            vec![
                "generate",
                path.to_str().unwrap(),
                "--env",
                "DEV",
                "--out",
                out.to_str().unwrap(),
            ],
        ] {
            let o = dimgen(&args);
            assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
            for stream in [&o.stdout, &o.stderr] {
                let shown = String::from_utf8_lossy(stream);
                for secret in [SECRET, KEY_ID, "EXAMPLEKEY", "bPxRfiCY"] {
                    assert!(
                        !shown.contains(secret),
                        "{what}: `{secret}` printed by {args:?}:\n{shown}"
                    );
                }
            }
            assert!(!out.exists(), "{what}: nothing written");
        }
    }
}

/// A small model for `dimgen plan`, and the same model with `change` applied.
const PLAN_MODEL: &str = r#"name = "m"
database = "D"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
  { name = "REGION", type = "string" },
]
"#;

fn plan_files(tmp: &Path, after: &str) -> (String, String) {
    let before = tmp.join("deployed.toml");
    let now = tmp.join("model.toml");
    std::fs::write(&before, PLAN_MODEL).unwrap();
    std::fs::write(&now, after).unwrap();
    (before.display().to_string(), now.display().to_string())
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn plan_writes_one_migration_and_numbers_it_after_the_last() {
    let tmp = tempfile::tempdir().unwrap();
    let widened = PLAN_MODEL.replace("varchar(20)", "varchar(50)").replace(
        "  { name = \"REGION\", type = \"string\" },\n",
        "  { name = \"REGION\", type = \"string\" },\n  { name = \"SIZE\", type = \"number(6,1)\" },\n",
    );
    let (before, now) = plan_files(tmp.path(), &widened);
    let out = tmp.path().join("migrations");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("V3__earlier.sql"), "-- an earlier migration\n").unwrap();
    let o = dimgen(&[
        "plan",
        &now,
        "--env",
        "DEV",
        "--from",
        &before,
        "--out",
        out.to_str().unwrap(),
        "--description",
        "wider city",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let shown = stdout(&o);
    assert!(
        shown.contains("safe         DIM_STORE.CITY: VARCHAR(20) -> VARCHAR(50): grows in place"),
        "{shown}"
    );
    assert!(shown.contains("2 safe, 0 careful, 0 destructive"), "{shown}");
    assert_eq!(files_in(&out), ["V3__earlier.sql", "V4__wider_city.sql"]);
    let sql = std::fs::read_to_string(out.join("V4__wider_city.sql")).unwrap();
    assert!(
        sql.contains("ALTER TABLE D.DEV.DIM_STORE ALTER COLUMN CITY SET DATA TYPE VARCHAR(50);"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE D.DEV.DIM_STORE ADD COLUMN IF NOT EXISTS SIZE NUMBER(6,1);"),
        "{sql}"
    );
    // The unknown member's SIZE stays NULL (a nullable number): no UPDATE.
    assert!(!sql.contains("UPDATE"), "{sql}");

    // Nothing to do: exit 0, nothing written.
    let (before, now) = plan_files(tmp.path(), PLAN_MODEL);
    let o = dimgen(&[
        "plan",
        &now,
        "--env",
        "DEV",
        "--from",
        &before,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));
    assert_eq!(files_in(&out).len(), 2);
}

#[test]
fn plan_refuses_to_lose_data_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let dropped = PLAN_MODEL.replace("  { name = \"REGION\", type = \"string\" },\n", "");
    let (before, now) = plan_files(tmp.path(), &dropped);
    let out = tmp.path().join("migrations");
    let args = [
        "plan",
        &now,
        "--env",
        "DEV",
        "--from",
        &before,
        "--out",
        out.to_str().unwrap(),
    ];
    let o = dimgen(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("destructive  DIM_STORE.REGION"), "{}", stdout(&o));
    assert!(stderr(&o).contains("--allow-destructive"), "{}", stderr(&o));
    assert!(!out.exists(), "no file, no folder");

    let mut allowed = args.to_vec();
    allowed.push("--allow-destructive");
    let o = dimgen(&allowed);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sql = std::fs::read_to_string(out.join("V1__migration.sql")).unwrap();
    assert!(sql.contains("-- destructive: DIM_STORE.REGION:"), "{sql}");
    assert!(
        sql.contains("ALTER TABLE D.DEV.DIM_STORE DROP COLUMN IF EXISTS REGION;"),
        "{sql}"
    );
}

#[test]
fn plan_refuses_what_it_cannot_migrate_yet() {
    let tmp = tempfile::tempdir().unwrap();
    // Another key generation: every row would be re-keyed.
    let rekeyed = PLAN_MODEL.replace(
        "natural_key = \"STORE_ID\"",
        "natural_key = \"STORE_ID\"\nkey_generation = \"sequence\"",
    );
    let (before, now) = plan_files(tmp.path(), &rekeyed);
    let out = tmp.path().join("migrations");
    let o = dimgen(&[
        "plan",
        &now,
        "--env",
        "DEV",
        "--from",
        &before,
        "--out",
        out.to_str().unwrap(),
        "--allow-destructive",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(
            "unsupported  DIM_STORE: key STORE_KEY (identity) -> STORE_KEY (sequence): Snowflake cannot switch"
        ),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("cannot migrate yet"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `dimgen catalog-query` prints the SELECT whose rows (`snow sql --format
/// json`) are a catalog baseline; `plan --from catalog.json` shows the drift
/// between the live schema and the model, and what it cannot see.
#[test]
fn a_catalog_snapshot_is_a_baseline_for_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, now) = plan_files(tmp.path(), PLAN_MODEL);
    let o = dimgen(&["catalog-query", &now, "--env", "DEV"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let query = stdout(&o);
    assert!(
        query.starts_with("SELECT c.TABLE_NAME, c.COLUMN_NAME, c.ORDINAL_POSITION"),
        "{query}"
    );
    assert!(query.contains("FROM D.INFORMATION_SCHEMA.COLUMNS AS c"), "{query}");
    assert!(
        query.contains("WHERE c.TABLE_SCHEMA = 'DEV' AND t.TABLE_TYPE = 'BASE TABLE'"),
        "{query}"
    );
    assert!(
        query.contains(
            ";\nSELECT p.PIPE_NAME, p.DEFINITION, p.IS_AUTOINGEST_ENABLED\nFROM D.INFORMATION_SCHEMA.PIPES AS p"
        ),
        "{query}"
    );
    let without = dimgen(&["catalog-query", &now, "--env", "DEV", "--no-pipes"]);
    assert_eq!(without.status.code(), Some(0), "{}", stderr(&without));
    assert_eq!(
        stdout(&without),
        query.replacen(&query[query.find(";\nSELECT p.").unwrap()..query.len() - 1], "", 1)
    );

    // The live schema: CITY narrower than the model's, a column added by
    // hand, and a table dimgen does not know.
    let row = |table: &str,
               column: &str,
               position: u32,
               ty: &str,
               len: &str,
               p: &str,
               nullable: &str,
               comment: &str| {
        format!(
            r#"{{"TABLE_NAME": "{table}", "COLUMN_NAME": "{column}", "ORDINAL_POSITION": {position}, "DATA_TYPE": "{ty}", "CHARACTER_MAXIMUM_LENGTH": {len}, "NUMERIC_PRECISION": {p}, "NUMERIC_SCALE": {s}, "IS_NULLABLE": "{nullable}", "COMMENT": {comment}}}"#,
            s = if p == "null" { "null" } else { "0" }
        )
    };
    let rows = [
        row(
            "DIM_STORE",
            "STORE_KEY",
            1,
            "NUMBER",
            "null",
            "38",
            "NO",
            "\"Surrogate key of DIM_STORE; -1 is the unknown member.\"",
        ),
        row("DIM_STORE", "STORE_ID", 2, "NUMBER", "null", "38", "NO", "null"),
        row("DIM_STORE", "CITY", 3, "TEXT", "10", "null", "YES", "null"),
        row("DIM_STORE", "REGION", 4, "TEXT", "16777216", "null", "YES", "null"),
        row("DIM_STORE", "HAND_MADE", 5, "TEXT", "5", "null", "YES", "null"),
        row("SCRATCH", "X", 1, "NUMBER", "null", "38", "YES", "null"),
    ];
    let catalog = tmp.path().join("catalog.json");
    std::fs::write(&catalog, format!("[{}]", rows.join(",\n"))).unwrap();
    let o = dimgen(&["plan", &now, "--env", "DEV", "--from", catalog.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "a drop needs --allow-destructive: {out}");
    assert!(
        out.contains("safe         DIM_STORE.CITY: VARCHAR(10) -> VARCHAR(20): grows in place"),
        "{out}"
    );
    assert!(out.contains("destructive  DIM_STORE.HAND_MADE:"), "{out}");
    assert!(
        out.contains("note: a catalog baseline shows tables, columns and pipes only"),
        "{out}"
    );
    // One statement's rows: the snapshot was taken without the pipes.
    assert!(
        out.contains("note: the catalog snapshot has no pipes (taken with `--no-pipes`)"),
        "{out}"
    );
    assert!(
        out.contains(
            "left alone (a catalog cannot tell a table dropped from the model from one dimgen never made): SCRATCH"
        ),
        "{out}"
    );
    assert!(out.contains("1 safe, 0 careful, 1 destructive"), "{out}");

    // Not a catalog: the error names the file and says how to make one.
    std::fs::write(&catalog, "{\"rows\": 1}").unwrap();
    let o = dimgen(&["plan", &now, "--env", "DEV", "--from", catalog.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("catalog.json is not a catalog snapshot (expected an array of rows"),
        "{err}"
    );
    assert!(err.contains("dimgen catalog-query"), "{err}");
    std::fs::write(
        &catalog,
        format!("[{}]", row("T", "C", 1, "GEOGRAPHY", "null", "null", "YES", "null")),
    )
    .unwrap();
    let o = dimgen(&["plan", &now, "--env", "DEV", "--from", catalog.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("row 1: DATA_TYPE GEOGRAPHY is not a type dimgen models"),
        "{}",
        stderr(&o)
    );
}

/// The CI gate: a changed model must come with a migration that holds its
/// statements; `--check` writes nothing.
#[test]
fn plan_check_fails_until_the_migration_is_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let widened = PLAN_MODEL.replace("varchar(20)", "varchar(50)");
    let (before, now) = plan_files(tmp.path(), &widened);
    let out = tmp.path().join("migrations");
    let check = [
        "plan",
        &now,
        "--env",
        "DEV",
        "--from",
        &before,
        "--out",
        out.to_str().unwrap(),
        "--check",
    ];
    let o = dimgen(&check);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("no migration in"), "{}", stderr(&o));
    assert!(!out.exists(), "--check writes nothing");

    let o = dimgen(&check[..check.len() - 1]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = dimgen(&check);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("covered by"), "{}", stdout(&o));
    assert_eq!(files_in(&out), ["V1__migration.sql"]);

    // A further change is not covered by the committed file.
    let wider = widened.replace("varchar(50)", "varchar(80)");
    std::fs::write(&now, wider).unwrap();
    let o = dimgen(&check);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // --check needs the folder.
    let o = dimgen(&["plan", &now, "--env", "DEV", "--from", &before, "--check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// docs/migrations.md shows real output: each of its three examples is what
/// `dimgen plan` prints and writes, byte for byte.
#[test]
fn the_migration_docs_show_real_output() {
    let doc = std::fs::read_to_string(workspace().join("docs/migrations.md")).unwrap();
    let healthcare = std::fs::read_to_string(workspace().join("schemas/healthcare.toml")).unwrap();
    let retail = std::fs::read_to_string(workspace().join("schemas/retail.toml")).unwrap();
    let entity_type = "  { name = \"ENTITY_TYPE\", type = \"string\", comment = \"Whose contact it is: PATIENT or PROVIDER (added in a later sprint).\" },\n";
    let cost = "  { name = \"COST_AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n";
    let cases = [
        (
            "healthcare.toml",
            healthcare.clone(),
            healthcare.replace(entity_type, ""),
            "PROD",
            "deployed.toml",
            "entity_type",
        ),
        (
            "retail.toml",
            retail.clone(),
            retail
                .replace(cost, "")
                .replace(", \"NET_AMOUNT\", \"COST_AMOUNT\"]", ", \"NET_AMOUNT\"]"),
            "DEV",
            "retail_v1.toml",
            "cost_amount",
        ),
        (
            "retail.toml",
            retail
                .replace(
                    "[[fact]]\nname = \"FACT_SALES\"",
                    "[[fact]]\nname = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
                )
                .replace("table = \"FACT_SALES\"", "table = \"FACT_RECEIPTS\"")
                .replace("fact = \"FACT_SALES\"", "fact = \"FACT_RECEIPTS\""),
            retail.clone(),
            "DEV",
            "retail_deployed.toml",
            "receipts",
        ),
    ];
    for (name, now, deployed, env, baseline, description) in cases {
        assert_ne!(now, deployed, "{name}: the example's change is in the model");
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("schemas")).unwrap();
        std::fs::write(tmp.path().join("schemas").join(name), &now).unwrap();
        std::fs::write(tmp.path().join(baseline), &deployed).unwrap();
        let model = format!("schemas/{name}");
        let o = Command::new(env!("CARGO_BIN_EXE_dimgen"))
            .args(["plan", &model, "--env", env, "--from", baseline, "--out", "migrations"])
            .args(["--description", description])
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let printed = stdout(&o);
        assert!(
            doc.contains(&format!("```text\n{printed}```")),
            "docs/migrations.md should show what `dimgen plan` prints for {name}:\n{printed}"
        );
        let file = format!("migrations/V1__{description}.sql");
        let written = std::fs::read_to_string(tmp.path().join(&file)).unwrap();
        assert!(
            doc.contains(&format!("`{file}`:\n\n```sql\n{written}```")),
            "docs/migrations.md should show {file} as written:\n{written}"
        );
    }
}

/// `dimgen docs`: the three files, byte-identical twice; a broken model or
/// an unknown environment writes nothing; a file that cannot be replaced
/// (a folder named `dbt/sources.yml`) leaves the earlier docs as they were.
#[test]
fn docs_writes_three_files_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("nested/b");
    for out in [&a, &b] {
        let o = dimgen(&[
            "docs",
            "schemas/healthcare.toml",
            "--env",
            "PROD",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("wrote "), "{}", stdout(&o));
    }
    assert_eq!(files_in(&a), ["dbt", "index.html", "model.md"]);
    assert_eq!(files_in(&a.join("dbt")), ["sources.yml"]);
    for name in ["model.md", "index.html", "dbt/sources.yml"] {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
        );
        assert!(x.len() > 1000, "{name} is {} bytes", x.len());
        assert_eq!(x, y, "{name} differs between two runs");
    }

    let none = tmp.path().join("none");
    let o = dimgen(&[
        "docs",
        "schemas/healthcare.toml",
        "--env",
        "QA",
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("environment `QA` is not declared"),
        "{}",
        stderr(&o)
    );
    let broken = tmp.path().join("broken.toml");
    std::fs::write(&broken, "name = \"m\"\ndatabase = \"D\"\n[environments.DEV]\nschema = \"DEV\"\n[[fact]]\nname = \"F\"\ncolumns = [{ name = \"X\", references = \"DIM_NOPE\" }]\n").unwrap();
    let o = dimgen(&[
        "docs",
        broken.to_str().unwrap(),
        "--env",
        "DEV",
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("DIM_NOPE"), "{}", stderr(&o));
    assert!(!none.exists(), "a failed run wrote {}", none.display());

    std::fs::write(a.join("model.md"), "last week's docs\n").unwrap();
    std::fs::remove_file(a.join("dbt/sources.yml")).unwrap();
    std::fs::create_dir(a.join("dbt/sources.yml")).unwrap();
    let before = snapshot_of(&a);
    let o = dimgen(&[
        "docs",
        "schemas/retail.toml",
        "--env",
        "PROD",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("sources.yml"), "{}", stderr(&o));
    assert_eq!(snapshot_of(&a), before);
    assert_eq!(
        std::fs::read_to_string(a.join("model.md")).unwrap(),
        "last week's docs\n"
    );
}

/// `dimgen aws` and `dimgen ci github`: their files, byte-identical twice;
/// a model with no S3 integration has no AWS side (exit 1, nothing
/// written); overlapping notifications are refused naming both pipes.
#[test]
fn aws_and_ci_write_their_files_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for run in ["a", "b"] {
        let out = tmp.path().join(run);
        let o = dimgen(&[
            "aws",
            "schemas/healthcare.toml",
            "--out",
            out.join("aws").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let o = dimgen(&[
            "ci",
            "github",
            "schemas/healthcare.toml",
            "--out",
            out.join("workflows").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let a = tmp.path().join("a");
    assert_eq!(
        files_in(&a.join("aws")),
        ["123456789012.template.json", "health-tech-snowflake.policy.json"]
    );
    assert_eq!(files_in(&a.join("workflows")), ["dimgen-healthcare.yml"]);
    for name in [
        "aws/123456789012.template.json",
        "aws/health-tech-snowflake.policy.json",
        "workflows/dimgen-healthcare.yml",
    ] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(tmp.path().join("b").join(name)).unwrap(),
            "{name}"
        );
    }
    let none = tmp.path().join("none");
    let o = dimgen(&["aws", "schemas/ssb.toml", "--out", none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no S3 storage integration"), "{}", stderr(&o));
    let overlapping = tmp.path().join("overlap.toml");
    let text = std::fs::read_to_string(workspace().join("schemas/healthcare.toml"))
        .unwrap()
        .replacen("path = \"patient/\"", "path = \"\"", 1);
    std::fs::write(&overlapping, text).unwrap();
    let o = dimgen(&["aws", overlapping.to_str().unwrap(), "--out", none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("DIM_PATIENT_PIPE") && stderr(&o).contains("overlapping"),
        "{}",
        stderr(&o)
    );
    assert!(!none.exists());
    let o = dimgen(&[
        "ci",
        "gitlab",
        "schemas/healthcare.toml",
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "an unknown CI system is a usage error");
}
