//! Generates the shop warehouse's SQL from `shop-model`: every environment
//! into `$OUT_DIR/sql/<ENV>/`, plus an index of the files for `src/lib.rs`.
//! A model error fails the build with every problem rendered.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    // Path build-dependencies are rebuilt when they change; these lines also
    // say that nothing else in this package affects the output.
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../shop-model/src");

    let model = match shop_model::model() {
        Ok(model) => model,
        Err(diagnostics) => {
            // Cargo shows each line as `error: shop-warehouse@0.1.0: ...` and
            // fails the build ("build script logged errors").
            for line in diagnostics.render(100).lines() {
                println!("cargo::error={line}");
            }
            return;
        }
    };

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let sql_dir = out_dir.join("sql");
    // Start clean so that a file dimgen no longer writes does not linger.
    if sql_dir.exists() {
        fs::remove_dir_all(&sql_dir).unwrap_or_else(|e| panic!("cannot remove {}: {e}", sql_dir.display()));
    }

    // `[Environment { name: "DEV", files: &[("01_database.sql", include_str!(...)), ...] }, ...]`
    let mut index = String::from("&[\n");
    for environment in &model.environments {
        let name = &environment.name;
        let deployment = dimgen::generate(&model, name).unwrap_or_else(|e| panic!("environment {name}: {e}"));
        deployment
            .write_to(&sql_dir.join(name))
            .unwrap_or_else(|e| panic!("{e}"));
        writeln!(index, "    Environment {{ name: {name:?}, files: &[").unwrap();
        for (file, _) in deployment.rendered() {
            let path = format!("/sql/{name}/{file}");
            writeln!(
                index,
                "        ({file:?}, include_str!(concat!(env!(\"OUT_DIR\"), {path:?}))),"
            )
            .unwrap();
        }
        writeln!(index, "    ] }},").unwrap();
    }
    index.push(']');
    let index_path = out_dir.join("environments.rs");
    fs::write(&index_path, index).unwrap_or_else(|e| panic!("cannot write {}: {e}", index_path.display()));
}
