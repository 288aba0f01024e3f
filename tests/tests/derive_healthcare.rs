//! The healthcare model declared in Rust (`examples/healthcare-model`) and
//! `schemas/healthcare.toml` generate byte-identical deployments in every
//! environment.
#![allow(clippy::doc_markdown)]

use dimgen_tests::{load_model, workspace_root};
use model_core::Validated;

const ENVIRONMENTS: [&str; 3] = ["DEV", "STAGE", "PROD"];
const TABLES: usize = 29;

fn rust_model() -> Validated {
    healthcare_model::model().unwrap_or_else(|e| panic!("the Rust healthcare model is invalid:\n{}", e.render(100)))
}

fn toml_model() -> Validated {
    load_model(&workspace_root().join("schemas/healthcare.toml"))
}

fn rendered(model: &Validated, env: &str, which: &str) -> Vec<(String, String)> {
    dimgen::generate(model, env)
        .unwrap_or_else(|e| panic!("generating {env} from the {which} model: {e}"))
        .rendered()
}

/// `None` when equal; otherwise where the two texts first differ, with the
/// line of each side.
fn first_difference(rust: &str, toml: &str) -> Option<String> {
    if rust == toml {
        return None;
    }
    let (mut r, mut t) = (rust.split_inclusive('\n'), toml.split_inclusive('\n'));
    let mut line = 1;
    loop {
        match (r.next(), t.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                let show = |s: Option<&str>| s.map_or_else(|| "<end of file>".to_owned(), |s| format!("{s:?}"));
                return Some(format!("line {line}:\n  rust: {}\n  toml: {}", show(a), show(b)));
            }
        }
    }
}

#[test]
fn both_models_declare_the_same_29_tables() {
    let (rust, toml) = (rust_model(), toml_model());
    let names = |m: &Validated| m.tables().map(|t| t.name().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&rust).len(), TABLES);
    assert_eq!(names(&toml).len(), TABLES);
    assert_eq!(names(&rust), names(&toml));
    let envs = |m: &Validated| m.environments.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
    assert_eq!(envs(&rust), ["DEV", "PROD", "STAGE"]);
    assert_eq!(envs(&rust), envs(&toml));
    // Not only the same SQL: the very same model, through either door.
    assert_eq!(rust, toml);
}

#[test]
fn the_rust_healthcare_model_generates_the_same_files_as_the_toml_one() {
    let (rust, toml) = (rust_model(), toml_model());
    for env in ENVIRONMENTS {
        let from_rust = rendered(&rust, env, "Rust");
        let from_toml = rendered(&toml, env, "TOML");
        let files = |r: &[(String, String)]| r.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
        assert_eq!(files(&from_rust), files(&from_toml), "{env}: different output files");

        // Not vacuous: every table is created, in both.
        for (which, out) in [("Rust", &from_rust), ("TOML", &from_toml)] {
            let tables = out
                .iter()
                .find(|(name, _)| name == "02_tables.sql")
                .map(|(_, text)| text);
            let created = tables.map_or(0, |t| t.lines().filter(|l| l.starts_with("CREATE TABLE ")).count());
            assert_eq!(
                created, TABLES,
                "{env}: the {which} model's 02_tables.sql creates {created} tables"
            );
        }

        for ((file, rust_text), (_, toml_text)) in from_rust.iter().zip(&from_toml) {
            if let Some(at) = first_difference(rust_text, toml_text) {
                panic!("{env}/{file}: the Rust model's output differs from schemas/healthcare.toml's at {at}");
            }
        }
    }
}

#[test]
fn first_difference_names_the_line() {
    assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    assert_eq!(
        first_difference("a\nb\nc\n", "a\nB\nc\n").as_deref(),
        Some("line 2:\n  rust: \"b\\n\"\n  toml: \"B\\n\"")
    );
    assert_eq!(
        first_difference("a\n", "a\nb\n").as_deref(),
        Some("line 2:\n  rust: <end of file>\n  toml: \"b\\n\"")
    );
}
