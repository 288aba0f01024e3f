#![allow(clippy::doc_markdown)] // table and column names in the docs
//! End to end with real clients: the real Snowflake CLI (`snow`, in its own
//! venv) against fakesnow's server mode (`tests/emulator/serve.py`, which
//! starts it with fixes for what fakesnow 0.12.1 gets wrong through the
//! server; its docstring says what and why). The healthcare model as it was
//! before its ENTITY_TYPE sprint change is deployed through `snow sql -f`
//! (the statement kinds the emulator lacks filtered out, as in the other
//! emulator tests), its catalog taken with `snow sql --format json` and the
//! query `dimgen catalog-query` prints; the plan from that catalog has
//! nothing to do. The migration `dimgen plan` writes for the sprint change
//! runs through `snow sql -f`, then the new deploy.sql; the catalog then
//! matches the new model, rows kept. A hand-made `ALTER TABLE` shows up as
//! drift, and the plan refuses to drop what it added without
//! `--allow-destructive`.
//!
//! Why serve.py and not stock fakesnow: through the stock server a CREATE
//! TABLE with an IDENTITY column never returns. fakesnow creates the
//! column's helper sequence in the session's current database rather than
//! the table's; DuckDB then refuses a statement writing to two databases;
//! fakesnow answers that unmapped error with HTTP 500, which the connector
//! retries without end (no `network_timeout`). Sequence defaults fail
//! because fakesnow drops the sequence's database and schema and aliases
//! `NEXTVAL` inside the DEFAULT. serve.py fixes both at their cause (and
//! answers any other unmapped error as an error, not a 500), keeping the
//! model's IDENTITY keys; the connection also sets `network_timeout`, so a
//! regression fails instead of hanging.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dimgen::migrate::Plan;
use dimgen_tests::emulator::{Emulator, NOT_EXECUTABLE};
use dimgen_tests::workspace_root;
use model_core::evolve::Class;
use model_core::{DataType, Validated};

/// The emulator's server on a free port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(python: &Path, log: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log = std::fs::File::create(log).expect("server log");
    let child = Command::new(python)
        .arg(workspace_root().join("tests/emulator/serve.py"))
        .args(["-p", &port.to_string()])
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start the emulator's server");
    let server = Server { child, port };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the emulator's server did not listen on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

/// `snow` from the CLI's venv (`scripts/setup-emulator`), if installed.
fn locate_snow() -> Option<PathBuf> {
    let venv =
        std::env::var_os("DIMGEN_SNOWCLI_VENV").map_or_else(|| workspace_root().join(".venv-snowcli"), PathBuf::from);
    let snow = venv.join("bin").join("snow");
    if snow.exists() {
        return Some(snow);
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("DIMGEN_REQUIRE_EMULATOR").is_some();
    assert!(
        !required,
        "CI or DIMGEN_REQUIRE_EMULATOR is set, so the Snowflake CLI test may not be skipped: {} missing; run scripts/setup-emulator",
        snow.display()
    );
    eprintln!(
        "SKIPPED: the Snowflake CLI is not installed ({} missing)",
        snow.display()
    );
    None
}

/// The Snowflake CLI with a connection `fake` to the server.
struct Snow {
    snow: PathBuf,
    home: tempfile::TempDir,
}

impl Snow {
    fn new(snow: PathBuf, port: u16) -> Self {
        let home = tempfile::tempdir().expect("SNOWFLAKE_HOME");
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "default_connection_name = \"fake\"\n[connections.fake]\naccount = \"fakeacct\"\nuser = \"fake\"\npassword = \"fake\"\nhost = \"localhost\"\nport = {port}\nprotocol = \"http\"\nnetwork_timeout = 60\n"
            ),
        )
        .expect("config.toml");
        // The CLI refuses a config file others may read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
        }
        Self { snow, home }
    }

    /// `snow sql -c fake ARGS`: stdout, or a panic with what it printed.
    fn sql(&self, args: &[&str]) -> String {
        let output = Command::new(&self.snow)
            .arg("sql")
            .args(["-c", "fake"])
            .args(args)
            .env("SNOWFLAKE_HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "200")
            .stdin(Stdio::null())
            .output()
            .expect("run snow");
        assert!(
            output.status.success(),
            "snow sql {args:?} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    /// `snow sql -f FILE` of `statements`.
    fn run_file(&self, name: &str, statements: &[String]) {
        let path = self.home.path().join(name);
        let text: String = statements.iter().flat_map(|s| [s.as_str(), ";\n"]).collect();
        std::fs::write(&path, text).expect("write the SQL file");
        self.sql(&["-f", path.to_str().expect("UTF-8 path")]);
    }

    /// The catalog of `model`'s schema in `env`, through `snow sql --format json`.
    ///
    /// DuckDB has one timestamp-with-time-zone type, so fakesnow reports a
    /// TIMESTAMP_LTZ column as TIMESTAMP_TZ (Snowflake reports it as
    /// declared). The healthcare model declares no TIMESTAMP_TZ (checked), so
    /// each is read back as the TIMESTAMP_LTZ it was created as.
    fn catalog(&self, model: &Validated, env: &str) -> model_core::evolve::Catalog {
        // fakesnow has no INFORMATION_SCHEMA.PIPES (nor pipes): the query
        // is taken without its second SELECT, as `--no-pipes` prints it.
        let mut query = dimgen::migrate::catalog_query(model, env).expect("catalog query");
        query.pipes = false;
        let query = query.to_string();
        let json = self.sql(&["--format", "json", "-q", &query]);
        let mut catalog = dimgen::migrate::parse_catalog(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
        let declares_tz = model
            .tables_in_order()
            .flat_map(|(_, columns)| columns)
            .any(|c| c.sql_type == DataType::TimestampTz)
            || model
                .loads()
                .any(|l| l.columns.iter().any(|c| c.sql_type == DataType::TimestampTz));
        assert!(!declares_tz, "the workaround below assumes no TIMESTAMP_TZ column");
        for column in catalog.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
            if column.sql_type == DataType::TimestampTz {
                column.sql_type = DataType::TimestampLtz;
            }
        }
        catalog
    }

    fn rows(&self, query: &str) -> serde_json::Value {
        serde_json::from_str(&self.sql(&["--format", "json", "-q", query])).expect("JSON rows")
    }
}

/// The deployment as the emulator runs it (plain views for secure views and
/// dynamic tables, without what it lacks).
fn deploy_statements(model: &Validated, env: &str) -> Vec<String> {
    dimgen::generate(model, env)
        .expect("generate")
        .statements()
        .filter_map(|(_, s)| match s.as_plain_view() {
            Some(view) => Some(view.to_string()),
            None if NOT_EXECUTABLE.contains(&s.kind()) => None,
            None => Some(s.to_string()),
        })
        .collect()
}

fn load(name: &str, text: &str) -> Validated {
    match model_core::load_str(name, text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!("{}", e.diagnostics.render(100)),
    }
}

#[test]
fn deploy_migrate_and_see_drift_through_the_snowflake_cli() {
    let Some(emulator) = Emulator::locate() else { return };
    let Some(snow) = locate_snow() else { return };
    let logs = tempfile::tempdir().expect("logs");
    let server = start_server(emulator.python(), &logs.path().join("server.log"));
    let snow = Snow::new(snow, server.port);

    let after_text = std::fs::read_to_string(workspace_root().join("schemas/healthcare.toml")).expect("model");
    let line = "  { name = \"ENTITY_TYPE\", type = \"string\", comment = \"Whose contact it is: PATIENT or PROVIDER (added in a later sprint).\" },\n";
    assert!(after_text.contains(line));
    let before = load("healthcare_v1.toml", &after_text.replace(line, ""));
    let after = load("schemas/healthcare.toml", &after_text);
    let env = after.environments[0].name.clone();
    let target = |m: &Validated| {
        let e = &m.environments[0];
        let resolve = |t: &str| model_core::interpolate::resolve(t, &e.name, &e.vars).expect("resolves");
        format!("{}.{}", resolve(&m.database), resolve(&e.schema))
    };
    let schema = target(&after);

    // v1 through `snow sql -f`, and a row.
    snow.run_file("deploy_v1.sql", &deploy_statements(&before, &env));
    snow.sql(&[
        "-q",
        &format!("INSERT INTO {schema}.DIM_CONTACT (CONTACT_ID, CONTACT, CONTACT_TYPE) VALUES (7, 'a@b.c', 'EMAIL')"),
    ]);

    // Its catalog is what v1 deploys: nothing to do.
    let plan = Plan::from_catalog(&snow.catalog(&before, &env), &before, &env).expect("plan");
    assert!(plan.is_empty(), "v1's catalog should match v1:\n{}", plan.render());
    // Against v2 the catalog lacks ENTITY_TYPE, as the model baseline says.
    let from_catalog = Plan::from_catalog(&snow.catalog(&before, &env), &after, &env).expect("plan");
    let from_model = Plan::new(&before, &after, &env).expect("plan");
    let objects = |p: &Plan| {
        p.steps
            .iter()
            .map(|s| (s.change.class(), s.change.object()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        objects(&from_catalog),
        objects(&from_model),
        "{}",
        from_catalog.render()
    );
    assert_eq!(
        objects(&from_model),
        [
            (Class::Safe, "DIM_CONTACT.ENTITY_TYPE".to_owned()),
            (Class::Safe, "DIM_CONTACT_LANDING.ENTITY_TYPE".to_owned()),
        ]
    );

    // The migration file, then v2's deploy.sql, through `snow sql -f`.
    let migration = from_model.migration(&["test migration"], false).expect("migration");
    let path = snow.home.path().join("V1__entity_type.sql");
    std::fs::write(&path, &migration).expect("write the migration");
    snow.sql(&["-f", path.to_str().expect("UTF-8 path")]);
    snow.run_file("deploy_v2.sql", &deploy_statements(&after, &env));
    let plan = Plan::from_catalog(&snow.catalog(&after, &env), &after, &env).expect("plan");
    assert!(
        plan.is_empty(),
        "after the migration the catalog should match v2:\n{}",
        plan.render()
    );
    assert_eq!(
        snow.rows(&format!(
            "SELECT CONTACT_ID, CONTACT, ENTITY_TYPE FROM {schema}.DIM_CONTACT ORDER BY CONTACT_KEY"
        )),
        serde_json::json!([
            {"CONTACT_ID": -1, "CONTACT": "Unknown", "ENTITY_TYPE": "Unknown"},
            {"CONTACT_ID": 7, "CONTACT": "a@b.c", "ENTITY_TYPE": null},
        ]),
        "the row kept, the unknown member's new value filled in"
    );

    // Drift made by hand: a column nobody modelled, and a column widened.
    snow.sql(&[
        "-q",
        &format!("ALTER TABLE {schema}.DIM_CONTACT ADD COLUMN HAND_MADE VARCHAR(10)"),
    ]);
    let drift = Plan::from_catalog(&snow.catalog(&after, &env), &after, &env).expect("plan");
    assert_eq!(
        objects(&drift),
        [(Class::Destructive, "DIM_CONTACT.HAND_MADE".to_owned())],
        "{}",
        drift.render()
    );
    assert!(
        drift
            .render()
            .contains("a catalog baseline shows tables, columns and pipes only")
    );
    assert!(drift.notes.iter().any(|n| n == dimgen::migrate::CATALOG_WITHOUT_PIPES));
    assert!(
        drift.migration(&[], false).is_err(),
        "dropping it needs --allow-destructive"
    );
    drop(server);
}
