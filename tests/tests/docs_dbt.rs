//! dbt reads the sources `dimgen docs` writes: `dbt parse` (dbt-core with
//! dbt-duckdb) on a small project using the file succeeds without a warning,
//! and its manifest holds what the model implies, worked out here from the
//! model: a source per table, a `relationships` test per reference to the
//! dimension's key, `unique` and `not_null` on the keys and the grain, the
//! names exactly as Snowflake spells them.

use std::path::Path;
use std::process::Command;

use dimgen_tests::{load_model, model_references, workspace_root};
use model_core::TableRef;
use serde_json::Value;

/// Parse `sources_yml` in a fresh project; the manifest.
fn parse(dbt: &Path, sources_yml: &str, model_sql: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("models")).unwrap();
    std::fs::write(
        root.join("dbt_project.yml"),
        "name: dimgen_check\nversion: \"1.0\"\nconfig-version: 2\nprofile: dimgen_check\nmodel-paths: [\"models\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("profiles.yml"),
        "dimgen_check:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \":memory:\"\n",
    )
    .unwrap();
    std::fs::write(root.join("models/sources.yml"), sources_yml).unwrap();
    if let Some(sql) = model_sql {
        std::fs::write(root.join("models/uses_a_source.sql"), sql).unwrap();
    }
    let out = Command::new(dbt)
        .args([
            "parse",
            "--no-partial-parse",
            "--show-all-deprecations",
            "--no-version-check",
            "--profiles-dir",
        ])
        .arg(root)
        .arg("--project-dir")
        .arg(root)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("NO_COLOR", "1")
        .output()
        .expect("run dbt");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dbt parse failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for word in ["[WARNING]", "Deprecat", "deprecat"] {
        assert!(!stdout.contains(word), "dbt parse warned:\n{stdout}");
    }
    let manifest = std::fs::read_to_string(root.join("target/manifest.json")).unwrap();
    serde_json::from_str(&manifest).unwrap()
}

/// The generic tests of a manifest: (test name, source table, column, kwargs).
fn tests_of(manifest: &Value) -> Vec<(String, String, String, Value)> {
    let sources = &manifest["sources"];
    manifest["nodes"]
        .as_object()
        .unwrap()
        .values()
        .filter(|n| n["resource_type"] == "test")
        .map(|n| {
            let meta = &n["test_metadata"];
            let on = n["depends_on"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| sources[id.as_str().unwrap()]["identifier"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>();
            // A relationships test depends on both tables; the tested one is in `model`.
            let model = meta["kwargs"]["model"].as_str().unwrap_or_default();
            let table = on
                .iter()
                .find(|t| model.contains(&format!("'{t}'")))
                .or(on.first())
                .cloned()
                .unwrap_or_default();
            (
                meta["name"].as_str().unwrap().to_owned(),
                table,
                n["column_name"].as_str().unwrap_or_default().to_owned(),
                meta["kwargs"].clone(),
            )
        })
        .collect()
}

#[test]
fn dbt_parses_the_sources_of_every_schema_and_gets_the_model_s_tests() {
    let Some(dbt) = dimgen_tests::tools::dbt() else { return };
    for stem in ["healthcare", "retail", "ssb"] {
        let model = load_model(&workspace_root().join(format!("schemas/{stem}.toml")));
        let docs = dimgen::docs::generate(&model, "PROD").unwrap();
        let fact = &model.facts[0].name;
        let sql = format!("select * from {{{{ source('{stem}', '{fact}') }}}}\n");
        let manifest = parse(&dbt, docs.file("dbt/sources.yml").unwrap(), Some(&sql));
        let sources = manifest["sources"].as_object().unwrap();
        assert_eq!(sources.len(), model.tables().count(), "{stem}: a source per table");
        let env = model.environment("PROD").unwrap();
        let resolve = |t: &str| model_core::interpolate::resolve(t, "PROD", &env.vars).unwrap();
        for s in sources.values() {
            assert_eq!(s["database"], resolve(&model.database), "{stem}");
            assert_eq!(s["schema"], resolve(&env.schema), "{stem}");
        }
        let tests = tests_of(&manifest);
        let has = |name: &str, table: &str, column: &str| {
            tests.iter().any(|(n, t, c, _)| n == name && t == table && c == column)
        };
        // Every reference: relationships to the dimension's key.
        let refs = model_references(&model);
        let relationships: Vec<_> = tests.iter().filter(|t| t.0 == "relationships").collect();
        assert_eq!(
            relationships.len(),
            refs.len(),
            "{stem}: a relationships test per reference"
        );
        for (_, table, column, kwargs) in &relationships {
            let column_def = model
                .tables()
                .find(|t| t.name() == table)
                .and_then(|t| t.column(column));
            let dimension = match column_def.map(|c| &c.kind) {
                Some(model_core::model::ColumnKind::Reference { dimension, .. }) => dimension.clone(),
                _ => {
                    // A bridge end: the column is the dimension's key.
                    model.dimensions.iter().find(|d| &d.key == column).unwrap().name.clone()
                }
            };
            let key = &model.dimension(&dimension).unwrap().key;
            assert_eq!(
                kwargs["to"],
                format!("source('{stem}', '{dimension}')"),
                "{table}.{column}"
            );
            assert_eq!(kwargs["field"], key.as_str(), "{table}.{column}");
        }
        // Keys: unique and not null; the grain of a fact not null (unique when one column).
        for table in model.tables() {
            match table {
                TableRef::Dimension(d) => {
                    assert!(has("unique", &d.name, &d.key), "{stem}: unique {}.{}", d.name, d.key);
                    assert!(has("not_null", &d.name, &d.key));
                    for n in &d.natural_key {
                        assert!(has("not_null", &d.name, n), "{stem}: not_null {}.{n}", d.name);
                    }
                }
                TableRef::Fact(f) => {
                    assert!(has("unique", &f.name, &f.key), "{stem}: unique {}.{}", f.name, f.key);
                    for g in &f.grain.columns {
                        assert!(has("not_null", &f.name, g), "{stem}: not_null {}.{g}", f.name);
                    }
                    if let [g] = f.grain.columns.as_slice() {
                        assert!(has("unique", &f.name, g), "{stem}: unique {}.{g}", f.name);
                    }
                }
                TableRef::Bridge(_) => {}
            }
        }
        if stem == "ssb" {
            // The generated date dimension's month names, and its unknown member's.
            let months = tests
                .iter()
                .find(|(n, t, c, _)| n == "accepted_values" && t == "DIM_DATE" && c == "D_MONTH")
                .map(|t| t.3["values"].clone())
                .expect("accepted_values on DIM_DATE.D_MONTH");
            let expected: Vec<&str> = vec![
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
                "Unknown",
            ];
            assert_eq!(months, serde_json::json!(expected));
        }
    }
}

/// The hostile model: names dbt could not put in Jinja or SQL as they are
/// get a plain dbt name and their exact identifier, quoted the way
/// Snowflake reads them back.
#[test]
fn dbt_reads_hostile_names_as_snowflake_spells_them() {
    let Some(dbt) = dimgen_tests::tools::dbt() else { return };
    let model = load_model(&workspace_root().join("tests/fixtures/valid/hostile.toml"));
    let docs = dimgen::docs::generate(&model, "dev env").unwrap();
    let manifest = parse(&dbt, docs.file("dbt/sources.yml").unwrap(), None);
    let mut relations: Vec<String> = manifest["sources"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["relation_name"].as_str().unwrap().to_owned())
        .collect();
    relations.sort();
    assert_eq!(
        relations,
        [
            r#""weird db"."Schema ""One"""."bridge 'quoted' ""both""""#,
            r#""weird db"."Schema ""One"""."dim ""quoted""""#,
            r#""weird db"."Schema ""One"""."fact; DROP TABLE x""#,
            r#""weird db"."Schema ""One"""."mixedCase""#,
        ]
    );
    let refs = model_references(&model);
    let tests = tests_of(&manifest);
    assert_eq!(tests.iter().filter(|t| t.0 == "relationships").count(), refs.len());
}
