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
    for file in ["05_stages.sql", "06_pipes.sql", "07_loading.sql"] {
        let text = std::fs::read_to_string(a.join(file)).unwrap();
        assert!(!text.contains("CREATE OR REPLACE"), "{file}");
    }
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
