//! The Snowflake emulator (fakesnow, over `DuckDB`), driven through
//! `tests/emulator/run.py` in the venv that `scripts/setup-emulator` creates.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::workspace_root;

/// Statement kinds the emulator cannot execute. Each is run anyway and must
/// still fail, so a fakesnow release that learns one shows up here.
pub const NOT_EXECUTABLE: &[&str] = &[
    // `ALTER TABLE ... ALTER CONSTRAINT ... RELY`: sqlglot falls back to a raw
    // command that DuckDB rejects. Checked by snapshot and parse tests instead.
    "ALTER TABLE ALTER CONSTRAINT RELY",
    // A migration's `ALTER TABLE ... RENAME CONSTRAINT` (a renamed table or
    // reference column): DuckDB has no such statement. Checked by
    // dimgen::migrate's unit tests.
    "ALTER TABLE RENAME CONSTRAINT",
    // The unique constraint of a dimension that starts keeping history,
    // redeclared with VALID_FROM: DuckDB cannot drop or add a constraint.
    // Checked by dimgen::migrate's unit tests.
    // A migration's drops and revokes of what fakesnow does not have: roles,
    // grants, tasks, pipes, streams, dynamic tables (DROP VIEW and DROP TABLE
    // run). Checked by dimgen::migrate's unit tests.
    "DROP ROLE",
    "REVOKE",
    "REVOKE ROLE",
    "DROP TASK",
    "DROP PIPE",
    "DROP STREAM",
    "DROP DYNAMIC TABLE",
    "ALTER TABLE DROP CONSTRAINT",
    "ALTER TABLE ADD CONSTRAINT",
    // A migration's NORELY on the foreign keys to a dimension that loses its
    // unknown member: DuckDB has no RELY (as above).
    "ALTER TABLE ALTER CONSTRAINT NORELY",
    // Roles and grants: fakesnow has no access control. Checked by
    // tests/tests/grants.rs (effective privileges) and by parsing.
    "CREATE ROLE",
    "GRANT ROLE",
    "GRANT",
    "GRANT ON ALL",
    "GRANT ON FUTURE",
    // The replace-on-change Snowflake Scripting block around a dynamic table.
    // Its query runs as a plain view instead (`Statement::as_plain_view`).
    "CREATE DYNAMIC TABLE",
    // Ingestion objects fakesnow does not have: storage integrations, S3
    // pipes, streams, tasks, and ALTER FILE FORMAT. (It does
    // accept CREATE STAGE with an S3 URL, as a stage it cannot read: run.)
    // Checked by snapshot and parse tests (tests/tests/sql.rs); the COPY of
    // every pipe and the MERGE of every task run in tests/tests/emulator_loading.rs.
    "CREATE STORAGE INTEGRATION",
    "ALTER STORAGE INTEGRATION",
    "ALTER FILE FORMAT",
    "CREATE PIPE",
    // A migration's runbook for a changed pipe (a Snowflake Scripting block
    // around ALTER PIPE, SYSTEM$PIPE_STATUS, DROP and CREATE PIPE): checked
    // by codegen's unit tests (dimgen::migrate).
    "RECREATE PIPE",
    // What a migration renames or alters beside a table that fakesnow lacks
    // (streams) or cannot alter (DuckDB has no ALTER SEQUENCE ... RENAME, no
    // sequence defaults fakesnow translates back, no ALTER STAGE): checked by
    // dimgen::migrate's unit tests and parsed where sqlparser can
    // (tests/tests/sql.rs).
    "ALTER STREAM RENAME",
    "ALTER SEQUENCE RENAME",
    "ALTER TABLE ALTER COLUMN SET DEFAULT",
    "ALTER STAGE",
    "CREATE STREAM",
    "ALTER TASK",
    "CREATE OR ALTER TASK",
    // Governance: fakesnow has no masking policies (it fails on them) and no
    // tags (it accepts CREATE TAG and a table's SET TAG and does nothing,
    // see `IGNORED`). What each role reads is computed from the policy
    // bodies in tests/tests/emulator_masking.rs; the statements are checked
    // by snapshot and by tests/tests/sql.rs.
    "CREATE TAG",
    "CREATE MASKING POLICY",
    "ALTER MASKING POLICY",
    "ALTER TABLE SET MASKING POLICY",
    "ALTER DYNAMIC TABLE SET MASKING POLICY",
    "ALTER TABLE SET TAG",
    "ALTER DYNAMIC TABLE SET TAG",
    // A migration unmasking a column that is no longer `pii`: checked by
    // dimgen::migrate's unit tests.
    "ALTER TABLE UNSET MASKING POLICY",
    "ALTER DYNAMIC TABLE UNSET MASKING POLICY",
    "ALTER TABLE UNSET TAG",
    "ALTER DYNAMIC TABLE UNSET TAG",
];

/// What the emulator runs of one statement of a migration: the statement,
/// or nothing when its kind is [`NOT_EXECUTABLE`]; of a pipes' runbook
/// (whose pipe steps it cannot run), the statements the runbook runs
/// between the drain and the new pipes (a landing table renamed), in its
/// place and the same way.
pub fn executable(statement: &dimgen::writer::Statement) -> Vec<dimgen::writer::Statement> {
    match statement {
        dimgen::writer::Statement::RecreatePipe { between, .. } => between.iter().flat_map(executable).collect(),
        s if NOT_EXECUTABLE.contains(&s.kind()) => Vec::new(),
        s => vec![s.clone()],
    }
}

/// Kinds of [`NOT_EXECUTABLE`] that the emulator accepts and ignores
/// rather than refuses: they must run without error (and do nothing).
pub const IGNORED: &[&str] = &["CREATE TAG", "ALTER TABLE SET TAG", "ALTER DYNAMIC TABLE SET TAG"];

/// A statement to run, and whether to return its rows; or a Parquet file to
/// write (see [`Step::write_parquet`]).
#[derive(Debug, Clone)]
pub struct Step {
    /// The SQL text (one statement, no trailing `;` needed).
    pub sql: String,
    /// Return the result rows.
    pub fetch: bool,
    /// Instead of running `sql`, write this Parquet file: `{"path": ...,
    /// "columns": [{"name", "type", "values"}, ...]}` (types in
    /// `tests/emulator/run.py`).
    pub write_parquet: Option<Value>,
}

impl Step {
    /// A statement whose rows are not needed.
    pub fn exec(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            fetch: false,
            write_parquet: None,
        }
    }

    /// A query whose rows are returned.
    pub fn query(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            fetch: true,
            write_parquet: None,
        }
    }

    /// Write a Parquet file at `path` (absolute) in the emulator's Python,
    /// for a later `PUT`. `columns` is a JSON array of `{"name": ..., "type":
    /// ..., "values": [...]}` in file order; types: `int32`, `int64`,
    /// `float64`, `string`, `bool`, `date32` (values `"YYYY-MM-DD"`),
    /// `timestamp` (values `"YYYY-MM-DDTHH:MM:SS"`), `decimal(p,s)` (values as
    /// strings); nulls are `null`.
    pub fn write_parquet(path: &std::path::Path, columns: Value) -> Self {
        let mut spec = json!({"path": path.to_string_lossy()});
        spec["columns"] = columns;
        Self {
            sql: format!("-- write Parquet file {}", path.display()),
            fetch: false,
            write_parquet: Some(spec),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The error, if the statement failed.
    pub error: Option<String>,
    /// Warnings the emulator logged while running it.
    pub warnings: Vec<String>,
    /// Rows, for queries.
    pub rows: Vec<Vec<Value>>,
}

/// A located emulator.
#[derive(Debug, Clone)]
pub struct Emulator {
    python: PathBuf,
}

/// Whether a missing emulator is a failure rather than a skip: under CI
/// (`CI` set) or when `DIMGEN_REQUIRE_EMULATOR` is set (as `scripts/test` does).
pub fn emulator_required() -> bool {
    let set =
        |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    set("CI") || set("DIMGEN_REQUIRE_EMULATOR")
}

impl Emulator {
    /// Find the emulator's Python. Without it: when [`emulator_required`],
    /// panic; otherwise print why the test is skipped and
    /// return `None`.
    pub fn locate() -> Option<Self> {
        let python = if let Some(p) = std::env::var_os("DIMGEN_EMULATOR_PYTHON") {
            PathBuf::from(p)
        } else {
            let venv = std::env::var_os("DIMGEN_EMULATOR_VENV")
                .map_or_else(|| workspace_root().join(".venv-emulator"), PathBuf::from);
            venv.join("bin").join("python")
        };
        if python.exists() {
            return Some(Self { python });
        }
        let reason = format!(
            "the Snowflake emulator is not installed ({} missing); run scripts/setup-emulator",
            python.display()
        );
        assert!(
            !emulator_required(),
            "CI or DIMGEN_REQUIRE_EMULATOR is set, so emulator tests may not be skipped: {reason}"
        );
        eprintln!("SKIPPED emulator test: {reason}");
        None
    }

    /// The emulator venv's Python (which also runs `tests/emulator/serve.py`).
    pub fn python(&self) -> &std::path::Path {
        &self.python
    }

    /// Run the steps in one emulator session and return one outcome per step.
    pub fn run(&self, steps: &[Step]) -> Vec<Outcome> {
        let script = workspace_root().join("tests/emulator/run.py");
        let request = json!({
            "steps": steps
                .iter()
                .map(|s| {
                    let mut step = json!({"sql": s.sql, "fetch": s.fetch});
                    if let Some(parquet) = &s.write_parquet {
                        step["write_parquet"] = parquet.clone();
                    }
                    step
                })
                .collect::<Vec<_>>()
        });
        let mut child = Command::new(&self.python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.python.display()));
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(request.to_string().as_bytes())
            .expect("write emulator request");
        let output = child.wait_with_output().expect("wait for emulator");
        assert!(
            output.status.success(),
            "emulator runner failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let response: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "emulator output is not JSON ({e}):\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        let results = response["results"].as_array().expect("results array");
        assert_eq!(results.len(), steps.len(), "one result per step");
        results
            .iter()
            .map(|r| Outcome {
                error: r["error"].as_str().map(str::to_owned),
                warnings: r["warnings"]
                    .as_array()
                    .map(|w| w.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                rows: r["rows"]
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .map(|row| row.as_array().cloned().unwrap_or_default())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }
}
