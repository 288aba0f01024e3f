//! The model's documentation, from the same validated model as the SQL:
//! `model.md` (a Mermaid ER diagram of the whole model, one per fact's
//! star, and the data dictionary), `index.html` (one self-contained page:
//! the diagram as SVG, a searchable table list, a page per table and mart)
//! and `dbt/sources.yml` (dbt sources with the tests the keys imply).
//!
//! ```
//! let text = r#"
//! name = "shop"
//! database = "SHOP"
//! [environments.PROD]
//! schema = "PROD"
//! [[dimension]]
//! name = "DIM_PRODUCT"
//! natural_key = "SKU"
//! columns = [{ name = "SKU", type = "string" }]
//! [[fact]]
//! name = "FACT_SALES"
//! grain_columns = ["ORDER_LINE"]
//! columns = [
//!   { name = "ORDER_LINE", type = "int", degenerate = true },
//!   { name = "PRODUCT_KEY", references = "DIM_PRODUCT" },
//!   { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
//! ]
//! "#;
//! let model = model_core::load_str("shop.toml", text).unwrap().model;
//! let docs = dimgen::docs::generate(&model, "PROD").unwrap();
//! let names: Vec<&str> = docs.files.iter().map(|f| f.name.as_str()).collect();
//! assert_eq!(names, ["model.md", "index.html", "dbt/sources.yml"]);
//! assert!(docs.file("model.md").unwrap().contains("DIM_PRODUCT ||--o{ FACT_SALES : \"PRODUCT\""));
//! ```

mod content;
mod dbt;
mod describe;
mod html;
mod markdown;

use std::path::{Path, PathBuf};

use model_core::Validated;

use crate::output::{TextFile, WriteError, write_text_files};
use crate::{GenerateError, target};

/// The documentation of a model for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Docs {
    /// `model.md`, `index.html`, `dbt/sources.yml`, in that order.
    pub files: Vec<TextFile>,
}

impl Docs {
    /// The text of a file by name.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.iter().find(|f| f.name == name).map(|f| f.text.as_str())
    }

    /// Write every file into `dir` (created if missing), all or nothing: the
    /// files are written beside it first and moved in together; on an error
    /// `dir` is left as it was. Returns the paths written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        write_text_files(dir, &self.files)
    }
}

/// The documentation of a validated model for the environment `env`: its
/// names (database, schema, roles, stages, pipes) are those of `env`.
pub fn generate(model: &Validated, env: &str) -> Result<Docs, GenerateError> {
    let target = target(model, env)?;
    let described = describe::Described::of(&target);
    Ok(Docs {
        files: vec![
            TextFile {
                name: "model.md".to_owned(),
                text: markdown::model_md(&described),
            },
            TextFile {
                name: "index.html".to_owned(),
                text: html::index_html(&described),
            },
            TextFile {
                name: "dbt/sources.yml".to_owned(),
                text: dbt::sources_yml(&described),
            },
        ],
    })
}

/// A name as a plain word for tools that take nothing else (Mermaid's
/// identifiers, dbt's source and table names): ASCII letters, digits and
/// `_`, anything else as `_`, and a leading `_` before a digit.
fn word(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// User text on one line: every run of whitespace (newlines included) is one space.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}
