#![allow(clippy::missing_panics_doc, clippy::doc_markdown)] // test helpers panic by design
//! Shared helpers for dimgen's integration tests: loading the models in
//! `schemas/`, splitting generated SQL into statements, running SQL in
//! the Snowflake emulator, and the mart oracle the emulator test checks
//! marts against.

pub mod check;
pub mod emulator;
pub mod marts_oracle;
pub mod tools;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every model file in `schemas/`, sorted by name.
pub fn schema_files() -> Vec<PathBuf> {
    toml_files("schemas")
}

/// The models in `schemas/` plus the valid test models in
/// `tests/fixtures/valid/` (hostile names and comments).
pub fn model_files() -> Vec<PathBuf> {
    let mut files = schema_files();
    files.extend(toml_files("tests/fixtures/valid"));
    files
}

fn toml_files(relative: &str) -> Vec<PathBuf> {
    let dir = workspace_root().join(relative);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no models in {}", dir.display());
    files
}

/// Load and validate a model file, panicking with the rendered diagnostics.
pub fn load_model(path: &Path) -> model_core::Validated {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let name = path
        .strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string();
    match model_core::load_str(&name, &text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!("{}", e.diagnostics.render(100)),
    }
}

/// The file stem of a model path (`healthcare` for `schemas/healthcare.toml`).
pub fn model_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every reference of a model as (dimension, table, role, nullable): each
/// declared reference column (its role declared, or the column name without
/// `_KEY`/`_ID`/`_SK`), and both ends of every bridge (role: the
/// dimension's key column).
pub fn model_references(model: &model_core::Model) -> Vec<(String, String, String, bool)> {
    use model_core::TableRef;
    use model_core::model::ColumnKind;
    let mut out = Vec::new();
    for table in model.tables() {
        if let TableRef::Bridge(b) = table {
            for dim in &b.dimensions {
                let key = model.dimension(dim).map(|d| d.key.clone()).unwrap_or_default();
                out.push((dim.clone(), b.name.clone(), key, false));
            }
        }
        for c in table.columns() {
            if let ColumnKind::Reference { dimension, role } = &c.kind {
                let role = role.clone().unwrap_or_else(|| model_core::default_role(&c.name));
                out.push((dimension.clone(), table.name().to_owned(), role, c.nullable));
            }
        }
    }
    out
}
