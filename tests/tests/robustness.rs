//! Hostile models (issue 9): names that try to smuggle SQL, control
//! characters, and diagnostics on pathological sources. Each test is the
//! regression test of one finding of the fuzzing run; the output checker
//! (`dimgen_tests::check`) is the property the fuzz targets check too.

use dimgen_tests::check::{check_deployment, check_model};
use model_core::{Validated, load_str};

/// A small model with a Parquet load, for the cases below.
const BASE: &str = r#"
name = "m"
database = "N"
[environments.DEV]
schema = "DEV"
vars = { aws_role_arn = "arn:aws:iam::123456789012:role/r" }
[[dimension]]
name = "DIM_DATE"
natural_key = "DATE_ID"
key_generation = "natural"
columns = [{ name = "DATE_ID", type = "int" }]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "string", degenerate = true },
  { name = "SALE_DATE", references = "DIM_DATE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
[[role]]
name = "READER_${env}"
grants = [{ access = "read", scope = "schema" }]
[[file_format]]
name = "PARQUET_FORMAT"
type = "parquet"
[[storage_integration]]
name = "S3_INTEGRATION"
aws_role_arn = "${aws_role_arn}"
[[stage]]
name = "SALES_STAGE"
url = "s3://bucket/sales/"
storage_integration = "S3_INTEGRATION"
file_format = "PARQUET_FORMAT"
[[load]]
table = "FACT_SALES"
stage = "SALES_STAGE"
projection = true
warehouse = "LOAD_WH"
"#;

fn codes(text: &str) -> Vec<&'static str> {
    match load_str("hostile.toml", text) {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics.problems.iter().map(|p| p.code.as_str()).collect(),
    }
}

fn rendered(text: &str) -> String {
    load_str("hostile.toml", text).map_or_else(|e| e.diagnostics.render(100), |_| String::new())
}

/// Finding 1: the model's and the environment's names went raw into the
/// `-- dimgen: model …` header of every file; a newline ended the comment.
/// They are refused at load now, and the writer keeps them on their line
/// even for a model that skipped validation.
#[test]
fn names_in_the_headers_cannot_end_their_comment() {
    let smuggling = BASE.replacen("name = \"m\"", "name = \"m\\nDROP TABLE smuggled; --\"", 1);
    assert_eq!(codes(&smuggling), ["dimgen::invalid_name"]);
    assert!(
        rendered(&smuggling).contains("hostile.toml:2:8]"),
        "{}",
        rendered(&smuggling)
    );
    let env = BASE.replacen(
        "[environments.DEV]\nschema = \"DEV\"",
        "[environments.\"\\n\"]\nschema = \"}\"",
        1,
    );
    assert!(codes(&env).contains(&"dimgen::invalid_name"), "{:?}", codes(&env));

    // Bypass validation: the header still holds the text on one comment line.
    let mut model = load_str("m.toml", BASE).unwrap().model.into_model();
    model.name = "m\nDROP TABLE smuggled; --\r\u{2028}x".into();
    let deployment = dimgen::generate(&Validated::unchecked(model), "DEV").unwrap();
    check_deployment(&deployment).unwrap();
    for (name, text) in deployment.rendered() {
        assert!(
            text.contains("model `m\\nDROP TABLE smuggled; --\\r\\u{2028}x`") || name == "deploy.sql",
            "{name}: {text}"
        );
        assert!(!text.lines().any(|l| l.starts_with("DROP")), "{name}");
    }
}

/// Finding 2: `$1:"…"` paths in Parquet/JSON pipes did not double `"`, and a
/// column name holding `.` was split into a path.
#[test]
fn column_names_stay_one_element_of_a_field_path() {
    let text = BASE.replacen(
        "  { name = \"AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },",
        "  { name = \"AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n  { name = 'X\"; DROP TABLE smuggled; --', type = \"string\" },\n  { name = \"A.B\", type = \"string\" },",
        1,
    );
    let model = load_str("m.toml", &text).unwrap().model;
    check_model(&model).unwrap();
    let deployment = dimgen::generate(&model, "DEV").unwrap();
    let pipes = &deployment
        .files
        .iter()
        .find(|f| f.name == "06_pipes.sql")
        .unwrap()
        .render();
    assert!(
        pipes.contains(r#"$1['X"; DROP TABLE smuggled; --']::VARCHAR"#),
        "{pipes}"
    );
    assert!(pipes.contains(r#"$1:"A.B"::VARCHAR"#), "{pipes}");
    assert!(pipes.contains(r#"$1:"AMOUNT"::NUMBER(12,2)"#), "{pipes}");
}

/// Finding 3: control characters were accepted in database, schema,
/// environment, role, warehouse and integration names, and landed raw in
/// quoted identifiers. Each kind of name refuses them at load, located.
#[test]
fn control_characters_are_refused_in_every_kind_of_name() {
    let cases = [
        ("environment", "[environments.DEV]", "[environments.\"\\u0007\"]"),
        ("model name", "name = \"m\"", "name = \"m\\u0000\""),
        ("database", "database = \"N\"", "database = \"N\\u001b[31m\""),
        ("schema", "schema = \"DEV\"", "schema = \"DEV\\t\""),
        ("variable", "role/r\" }", "role/r\", x = \"\\u007f\" }"),
        ("role", "name = \"READER_${env}\"", "name = \"READER\\u0085${env}\""),
        ("warehouse", "warehouse = \"LOAD_WH\"", "warehouse = \"LOAD\\u0007WH\""),
        (
            "integration",
            "storage_integration = \"S3_INTEGRATION\"\nfile",
            "storage_integration = \"S3\\rINTEGRATION\"\nfile",
        ),
        ("stage", "name = \"SALES_STAGE\"", "name = \"SALES\\u0000STAGE\""),
        ("column", "name = \"RECEIPT\", type", "name = \"RE\\nCEIPT\", type"),
    ];
    for (what, from, to) in cases {
        assert!(BASE.contains(from), "{what}: {from}");
        let text = BASE.replacen(from, to, 1);
        let found = codes(&text);
        assert!(
            found.contains(&"dimgen::invalid_name"),
            "{what}: {found:?}\n{}",
            rendered(&text)
        );
        let shown = rendered(&text);
        assert!(shown.contains("hostile.toml:"), "{what}: located\n{shown}");
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{what}: the diagnostic prints a raw control character:\n{shown}"
        );
    }
    // A model that skipped validation still gets no raw control character.
    let mut model = load_str("m.toml", BASE).unwrap().model.into_model();
    model.environments[0].name = "\u{7}".into();
    model.database = "N\u{1b}[2J".into();
    model.facts[0].columns[0].name = "RE\u{0}CEIPT".into();
    let deployment = dimgen::generate(&Validated::unchecked(model), "\u{7}").unwrap();
    check_deployment(&deployment).unwrap();
}

/// A finding of the bounded fuzzing run in CI (`hostile_models`, 2026-12-02):
/// the Unicode line separator is no control character to Rust, so a
/// database named `DB\u{2028}` passed validation and went raw into a quoted
/// identifier, where editors and tools see a line break. Names holding
/// U+2028 or U+2029 are refused now; a string literal (a comment) escapes
/// them as `\u2028`, and the writer keeps them out of an unchecked model's
/// identifiers.
#[test]
fn line_separators_are_refused_in_names_and_escaped_in_comments() {
    for separator in ["\\u2028", "\\u2029"] {
        let text = BASE.replacen("database = \"N\"", &format!("database = \"N{separator}\""), 1);
        let found = codes(&text);
        assert!(
            found.contains(&"dimgen::invalid_name"),
            "{found:?}\n{}",
            rendered(&text)
        );
        let text = BASE.replacen(
            "name = \"RECEIPT\", type",
            &format!("name = \"RE{separator}CEIPT\", type"),
            1,
        );
        assert!(codes(&text).contains(&"dimgen::invalid_name"), "{}", rendered(&text));
    }
    let text = BASE.replacen(
        "[[fact]]\nname = \"FACT_SALES\"",
        "[[fact]]\nname = \"FACT_SALES\"\ncomment = \"a\\u2028b\\u2029c\"",
        1,
    );
    let model = load_str("m.toml", &text).unwrap().model;
    let deployment = dimgen::generate(&model, "DEV").unwrap();
    check_deployment(&deployment).unwrap();
    assert!(deployment.deploy_sql().contains("COMMENT = 'a\\u2028b\\u2029c'"));
    // A model that skipped validation gets no raw separator either.
    let mut unchecked = model.into_model();
    unchecked.database = "N\u{2028}".into();
    let deployment = dimgen::generate(&Validated::unchecked(unchecked), "DEV").unwrap();
    check_deployment(&deployment).unwrap();
}

/// Finding 7: `DIM$$X` unquoted reads as `DIM` and a `$$` string.
#[test]
fn a_name_holding_dollar_dollar_is_quoted() {
    let text = BASE.replace("DIM_DATE", "DIM$$DATE");
    let model = load_str("m.toml", &text).unwrap().model;
    check_model(&model).unwrap();
    let sql = dimgen::generate(&model, "DEV").unwrap().deploy_sql();
    assert!(
        sql.contains("CREATE TABLE IF NOT EXISTS N.DEV.\"DIM$$DATE\" ("),
        "{sql}"
    );
    assert!(!sql.contains(".DIM$$DATE"));
}

/// Finding 4: diagnostics on pathological sources neither panic nor echo
/// them: very long lines, multi-byte characters, spans at the end of the file.
#[test]
fn diagnostics_stay_readable_on_pathological_sources() {
    let long = format!(
        "name = \"m\"\ndatabase = \"D\"\ncomment = \"{}\" oops\n",
        "c".repeat(70_000)
    );
    let shown = rendered(&long);
    assert!(shown.contains("hostile.toml:3:70014]"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
    assert!(shown.contains("…"), "cut: {shown}");

    // A line of multi-byte characters with the problem in its middle.
    let wide = format!("name = \"{}\" oops {}\n", "尺".repeat(30_000), "🚀".repeat(30_000));
    let shown = rendered(&wide);
    assert!(shown.contains("hostile.toml:1:90011]"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes", shown.len());

    // Spans at the very end, with and without a final line break.
    for text in [
        "name = \"m",
        "name = \"m\n",
        "name = ",
        "[",
        "\u{1b}[31m = 1",
        "a = 1\r\nb = 2\rc",
    ] {
        let shown = rendered(text);
        assert!(shown.contains("hostile.toml"), "{text:?}: {shown}");
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}: {shown:?}"
        );
    }

    // A problem naming a very long value is cut too.
    let name = "N".repeat(50_000);
    let shown = rendered(&BASE.replacen("database = \"N\"", &format!("database = \"{name}\""), 1));
    assert!(shown.contains("longer than Snowflake's 255 characters"), "{shown}");
    assert!(
        shown.len() < 5_000,
        "{} bytes in {} problems",
        shown.len(),
        shown.matches("dimgen::").count()
    );
}

/// The checker itself catches what it is for (so a passing check means something).
#[test]
fn the_output_checker_rejects_smuggled_statements() {
    let model = load_str("m.toml", BASE).unwrap().model;
    let mut deployment = dimgen::generate(&model, "DEV").unwrap();
    check_deployment(&deployment).unwrap();
    let clean = deployment.clone();
    deployment.files[1].header.push_str("DROP TABLE smuggled;\n");
    assert!(check_deployment(&deployment).unwrap_err().contains("01_database.sql"));
    let mut deployment = clean.clone();
    deployment.files[2].header.push_str("-- \u{1b}[2J\n");
    assert!(check_deployment(&deployment).unwrap_err().contains("control character"));
    // A header that opens a string swallows the statements after it.
    let mut deployment = clean;
    deployment.files[2].header.push_str("'\n");
    assert!(check_deployment(&deployment).is_err());
}
