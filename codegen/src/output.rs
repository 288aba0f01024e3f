//! Output files: one per deployment step plus `deploy.sql`, written so that a
//! failed run leaves no generated file behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::writer::Statement;

/// One numbered file of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// File name, e.g. `02_tables.sql`.
    pub name: String,
    /// Comment lines at the top.
    pub header: String,
    /// Statements in execution order.
    pub statements: Vec<Statement>,
    /// Part of `deploy.sql` (false for the administrator's file).
    pub in_deploy: bool,
}

impl OutputFile {
    /// The file's text: header, then each statement terminated by `;` and a blank line.
    pub fn render(&self) -> String {
        let mut out = self.header.clone();
        for statement in &self.statements {
            out.push('\n');
            out.push_str(&statement.to_string());
            out.push_str(";\n");
        }
        out
    }
}

/// A generated deployment for one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The step files, in execution order.
    pub files: Vec<OutputFile>,
}

/// Writing the output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The path being written.
    pub path: PathBuf,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// Name of the combined file.
pub const DEPLOY_FILE: &str = "deploy.sql";

impl Deployment {
    /// Every statement with the file it belongs to, in execution order.
    pub fn statements(&self) -> impl Iterator<Item = (&str, &Statement)> {
        self.files
            .iter()
            .flat_map(|f| f.statements.iter().map(move |s| (f.name.as_str(), s)))
    }

    /// All step files concatenated, each introduced by its name.
    pub fn deploy_sql(&self) -> String {
        let mut out = String::from(
            "-- dimgen: the whole deployment, every step file in order (not the administrator's 00_ file).\n",
        );
        for file in self.files.iter().filter(|f| f.in_deploy) {
            out.push_str("\n-- ===== ");
            out.push_str(&file.name);
            out.push_str(" =====\n");
            out.push_str(&file.render());
        }
        out
    }

    /// `(file name, contents)` for every output file, `deploy.sql` last.
    pub fn rendered(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.files.iter().map(|f| (f.name.clone(), f.render())).collect();
        out.push((DEPLOY_FILE.to_owned(), self.deploy_sql()));
        out
    }

    /// Write every file into `dir` (created if missing). Files are first
    /// written to a temporary folder beside `dir` and moved in only when all
    /// of them were written, so an error leaves `dir` without new files.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError { path, source }
        };
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(err(&parent))?;
        let staging = tempfile::Builder::new()
            .prefix(".dimgen-")
            .tempdir_in(&parent)
            .map_err(err(&parent))?;
        let rendered = self.rendered();
        for (name, text) in &rendered {
            let path = staging.path().join(name);
            fs::write(&path, text).map_err(err(&path))?;
        }
        fs::create_dir_all(dir).map_err(err(dir))?;
        let mut written = Vec::with_capacity(rendered.len());
        for (name, _) in &rendered {
            let target = dir.join(name);
            fs::rename(staging.path().join(name), &target).map_err(err(&target))?;
            written.push(target);
        }
        Ok(written)
    }
}
