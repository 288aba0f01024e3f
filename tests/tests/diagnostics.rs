//! One broken model per validation rule (`tests/fixtures/invalid/<code>.toml`,
//! variants as `<code>--<variant>.toml`), each with a snapshot of the rendered
//! diagnostic: message, <file:line:column>, and the label under the value.
#![allow(clippy::doc_markdown)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use dimgen_tests::workspace_root;

fn fixtures() -> Vec<PathBuf> {
    let dir = workspace_root().join("tests/fixtures/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn stem(path: &std::path::Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

fn render(path: &std::path::Path) -> (Vec<&'static str>, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = format!("tests/fixtures/invalid/{}.toml", stem(path));
    let err = model_core::load_str(&name, &text).expect_err("fixture must be refused");
    let codes = err.diagnostics.problems.iter().map(|p| p.code.as_str()).collect();
    (codes, err.diagnostics.render(80))
}

#[test]
fn every_rule_renders_its_diagnostic() {
    for path in fixtures() {
        let stem = stem(&path);
        let (codes, rendered) = render(&path);
        let code = format!("dimgen::{}", stem.split("--").next().unwrap());
        if stem != "many_problems" {
            assert!(
                codes.contains(&code.as_str()),
                "{stem}: expected {code}, got {codes:?}\n{rendered}"
            );
            assert!(
                rendered.contains(&format!("[tests/fixtures/invalid/{stem}.toml:")),
                "{stem}: no file:line:col in\n{rendered}"
            );
        }
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true, description => stem.clone() }, {
            insta::assert_snapshot!(format!("diagnostic__{stem}"), rendered);
        });
    }
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let path = workspace_root().join("tests/fixtures/invalid/many_problems.toml");
    let (codes, rendered) = render(&path);
    for code in [
        "dimgen::duplicate_column",
        "dimgen::unknown_reference",
        "dimgen::non_numeric_measure",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(
        rendered.ends_with("3 problems found in tests/fixtures/invalid/many_problems.toml\n"),
        "{rendered}"
    );
}

#[test]
fn unknown_keys_are_all_reported_with_suggestions() {
    let (codes, rendered) = render(&workspace_root().join("tests/fixtures/invalid/unknown_key.toml"));
    assert_eq!(
        codes.iter().filter(|c| **c == "dimgen::unknown_key").count(),
        3,
        "{rendered}"
    );
    // `typ` instead of `type` also leaves the column without a type: reported too.
    assert!(codes.contains(&"dimgen::missing_type"), "{rendered}");
    assert!(rendered.contains("did you mean `type`?"), "{rendered}");
    assert!(rendered.contains("did you mean `scd`?"), "{rendered}");
}

#[test]
fn every_diagnostic_code_has_a_fixture() {
    // Every code the enum declares (model_core::Code, one place).
    let codes: BTreeSet<String> = model_core::Code::ALL
        .iter()
        .map(|c| c.as_str().trim_start_matches("dimgen::").to_owned())
        .collect();
    let covered: BTreeSet<String> = fixtures()
        .iter()
        .map(|p| stem(p).split("--").next().unwrap().to_owned())
        .collect();
    let missing: Vec<_> = codes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "diagnostic codes without a fixture in tests/fixtures/invalid: {missing:?}"
    );
    assert!(codes.len() >= 48, "found only {} codes", codes.len());
}
