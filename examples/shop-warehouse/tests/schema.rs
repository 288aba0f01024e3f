//! Snapshot tests guarding the shop warehouse's SQL: every generated file of
//! every environment is a snapshot in `tests/snapshots/`, so a change to the
//! model fails here until the SQL diff is reviewed and accepted
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).

use shop_warehouse::{ENVIRONMENTS, PROD_DEPLOY, environment};

#[test]
fn every_generated_file_matches_its_snapshot() {
    let names: Vec<&str> = ENVIRONMENTS.iter().map(|e| e.name).collect();
    assert_eq!(names, ["DEV", "PROD"]);
    // Check every file before failing, so that one run prints every diff and
    // leaves every changed snapshot pending for `cargo insta review`.
    let mut changed = Vec::new();
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        for env in ENVIRONMENTS {
            for (file, text) in env.files {
                // `DEV__02_tables`, `PROD__deploy`, ...
                let name = format!("{}__{}", env.name, file.trim_end_matches(".sql"));
                if std::panic::catch_unwind(|| insta::assert_snapshot!(name.as_str(), *text)).is_err() {
                    changed.push(name);
                }
            }
        }
    });
    assert!(
        changed.is_empty(),
        "the generated SQL changed: {}; review with `cargo insta review`",
        changed.join(", ")
    );
}

/// The tables a deployment creates, in the order it creates them.
fn created_tables(sql: &str, schema: &str) -> Vec<String> {
    let prefix = format!("CREATE TABLE IF NOT EXISTS SHOP.{schema}.");
    sql.lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|rest| rest.trim_end_matches(" (").to_owned())
        .collect()
}

#[test]
fn prod_creates_the_star_in_dependency_order() {
    assert_eq!(
        created_tables(PROD_DEPLOY, "PROD"),
        [
            "DIM_DATE",
            "DIM_CUSTOMER",
            "DIM_PRODUCT",
            "DIM_INTEREST",
            "FACT_ORDER_LINE",
            "BRIDGE_CUSTOMER_INTEREST"
        ]
    );
    // The PROD deployment never touches the DEV schema.
    assert!(!PROD_DEPLOY.contains("SHOP.DEV"), "{PROD_DEPLOY}");
}

#[test]
fn dev_and_prod_differ_only_in_the_schema() {
    let (Some(dev), Some(prod)) = (environment("DEV"), environment("PROD")) else {
        panic!("the model declares DEV and PROD");
    };
    assert_eq!(dev.files.len(), prod.files.len());
    for ((dev_name, dev_text), (prod_name, prod_text)) in dev.files.iter().zip(prod.files) {
        assert_eq!(dev_name, prod_name);
        assert_eq!(dev_text.replace("DEV", "PROD"), *prod_text, "{dev_name}");
    }
}
