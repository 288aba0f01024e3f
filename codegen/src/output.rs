//! Output files: one per deployment step plus `deploy.sql`, written so that a
//! failed run leaves no generated file behind.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::writer::{InFile, LineComment, Statement};

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
        use std::fmt::Write as _;
        let mut out = self.header.clone();
        for statement in &self.statements {
            let _ = write!(out, "{}", InFile(statement));
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
        let texts: Vec<String> = self.files.iter().map(OutputFile::render).collect();
        self.deploy_from(&texts)
    }

    /// `deploy.sql` from the step files' texts, rendered once.
    fn deploy_from(&self, texts: &[String]) -> String {
        let mut out = deploy_header();
        out.reserve(texts.iter().map(String::len).sum::<usize>() + 64 * texts.len());
        for (file, text) in self.files.iter().zip(texts).filter(|(f, _)| f.in_deploy) {
            out.push_str(&deploy_separator(&file.name));
            out.push_str(text);
        }
        out
    }

    /// `(file name, contents)` for every output file, `deploy.sql` last.
    pub fn rendered(&self) -> Vec<(String, String)> {
        let texts: Vec<String> = self.files.iter().map(OutputFile::render).collect();
        let deploy = self.deploy_from(&texts);
        let mut out: Vec<(String, String)> = self.files.iter().map(|f| f.name.clone()).zip(texts).collect();
        out.push((DEPLOY_FILE.to_owned(), deploy));
        out
    }

    /// Write every file into `dir` (created if missing), all or nothing.
    ///
    /// Every file is first written to a temporary folder beside `dir`. When
    /// `dir` does not exist, that folder is renamed to `dir`: one step. When
    /// it exists (it may hold other files, which are left alone), each
    /// target is checked first (a directory in the way is an error before
    /// anything is touched), then the old files are moved aside and the new
    /// ones moved in; if any move fails, every move made so far is undone,
    /// so `dir` is exactly as it was.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        let mut staging = Staging::new(dir)?;
        for file in &self.files {
            let mut out = staging.file(&file.name, &file.header, file.in_deploy)?;
            for statement in &file.statements {
                out.statement(statement);
            }
            out.finish()?;
        }
        staging.commit(dir)
    }
}

/// Files being written into a temporary folder beside their destination,
/// and into `deploy.sql` alongside, then moved in all at once
/// ([`Staging::commit`]). Each file is written statement by statement as it
/// is rendered: no file's text is ever held whole.
pub(crate) struct Staging {
    temporary: tempfile::TempDir,
    fresh: PathBuf,
    deploy_path: PathBuf,
    deploy: io::BufWriter<fs::File>,
    deploy_result: io::Result<()>,
    names: Vec<String>,
}

/// One file of a [`Staging`], being written.
pub(crate) struct StagedFile<'s> {
    path: PathBuf,
    out: io::BufWriter<fs::File>,
    result: io::Result<()>,
    /// `deploy.sql`'s writer when the file is part of it.
    deploy: Option<(&'s mut io::BufWriter<fs::File>, &'s mut io::Result<()>)>,
    buffer: String,
}

impl Staging {
    pub(crate) fn new(dir: &Path) -> Result<Self, WriteError> {
        let (staging, fresh) = staging_beside(dir)?;
        let deploy_path = fresh.join(DEPLOY_FILE);
        let mut deploy = io::BufWriter::new(fs::File::create(&deploy_path).map_err(at(&deploy_path))?);
        let deploy_result = deploy.write_all(deploy_header().as_bytes());
        Ok(Self {
            temporary: staging,
            fresh,
            deploy_path,
            deploy,
            deploy_result,
            names: Vec::new(),
        })
    }

    /// Start the next step file: its header is written.
    pub(crate) fn file(&mut self, name: &str, header: &str, in_deploy: bool) -> Result<StagedFile<'_>, WriteError> {
        let path = self.fresh.join(name);
        let out = io::BufWriter::new(fs::File::create(&path).map_err(at(&path))?);
        self.names.push(name.to_owned());
        let deploy = if in_deploy {
            if self.deploy_result.is_ok() {
                self.deploy_result = self.deploy.write_all(deploy_separator(name).as_bytes());
            }
            Some((&mut self.deploy, &mut self.deploy_result))
        } else {
            None
        };
        let mut file = StagedFile {
            path,
            out,
            result: Ok(()),
            deploy,
            buffer: String::new(),
        };
        file.piece(header);
        Ok(file)
    }

    /// Move every file written into `dir` (see [`Deployment::write_to`]).
    pub(crate) fn commit(mut self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        let deploy_result = std::mem::replace(&mut self.deploy_result, Ok(()));
        deploy_result
            .and_then(|()| self.deploy.flush())
            .map_err(at(&self.deploy_path))?;
        let Self {
            temporary: staging,
            fresh,
            names,
            ..
        } = self;
        let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
        names.push(DEPLOY_FILE);
        move_in(&staging, &fresh, &names, dir)
    }
}

/// A file of text to write: its path below the output folder
/// (`/`-separated, `dbt/sources.yml`) and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    /// Its path below the output folder.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Write `files` into `dir` (created if missing), all or nothing as
/// [`Deployment::write_to`] does: written beside it first and moved in
/// together; on an error `dir` is left as it was. Returns the paths written.
pub fn write_text_files(dir: &Path, files: &[TextFile]) -> Result<Vec<PathBuf>, WriteError> {
    let (staging, fresh) = staging_beside(dir)?;
    for TextFile { name, text } in files {
        let path = fresh.join(name);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).map_err(at(folder))?;
        }
        fs::write(&path, text).map_err(at(&path))?;
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    move_in(&staging, &fresh, &names, dir)
}

/// A temporary folder beside `dir` (on the same file system, so its files
/// move in by rename) and the empty folder `new` inside it, where the
/// files are written first.
fn staging_beside(dir: &Path) -> Result<(tempfile::TempDir, PathBuf), WriteError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(at(&parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".dimgen-")
        .tempdir_in(&parent)
        .map_err(at(&parent))?;
    let fresh = staging.path().join("new");
    fs::create_dir(&fresh).map_err(at(&fresh))?;
    Ok((staging, fresh))
}

/// Move the files `names` of `fresh` (inside `staging`) into `dir`: the
/// whole folder when `dir` does not exist yet, else file by file, undoing
/// every move on the first failure.
fn move_in(staging: &tempfile::TempDir, fresh: &Path, names: &[&str], dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let written = names.iter().map(|n| dir.join(n)).collect();
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::rename(fresh, dir).map_err(at(dir))?;
            return Ok(written);
        }
        Err(e) => {
            return Err(WriteError {
                path: dir.to_path_buf(),
                source: e,
            });
        }
        Ok(m) if !m.is_dir() => {
            return Err(WriteError {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory"),
            });
        }
        Ok(_) => {}
    }
    for name in names {
        let target = dir.join(name);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => {
                return Err(WriteError {
                    path: target,
                    source: io::Error::new(io::ErrorKind::AlreadyExists, "a directory is in the way"),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(WriteError {
                    path: target,
                    source: e,
                });
            }
        }
    }
    let aside = staging.path().join("old");
    fs::create_dir(&aside).map_err(at(&aside))?;
    // Files in subfolders (`dbt/sources.yml`): the folders, in place and aside.
    for name in names {
        if let Some(folder) = Path::new(name).parent().filter(|p| !p.as_os_str().is_empty()) {
            for base in [dir, aside.as_path()] {
                let path = base.join(folder);
                fs::create_dir_all(&path).map_err(at(&path))?;
            }
        }
    }
    swap_in(dir, fresh, &aside, names, &mut |from, to| fs::rename(from, to))?;
    Ok(written)
}

impl StagedFile<'_> {
    /// Print one statement, terminated as [`OutputFile::render`] does.
    pub(crate) fn statement(&mut self, statement: &Statement) {
        use std::fmt::Write as _;
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        let _ = write!(buffer, "{}", InFile(statement));
        self.piece(&buffer);
        self.buffer = buffer;
    }

    fn piece(&mut self, text: &str) {
        if self.result.is_ok() {
            self.result = self.out.write_all(text.as_bytes());
        }
        if let Some((deploy, result)) = &mut self.deploy
            && result.is_ok()
        {
            **result = deploy.write_all(text.as_bytes());
        }
    }

    /// The file is complete: any error writing it is reported here.
    pub(crate) fn finish(mut self) -> Result<(), WriteError> {
        let result = std::mem::replace(&mut self.result, Ok(()));
        result.and_then(|()| self.out.flush()).map_err(at(&self.path))
    }
}

/// The first line of `deploy.sql`.
fn deploy_header() -> String {
    LineComment("dimgen: the whole deployment, every step file in order (not the administrator's 00_ file).")
        .to_string()
}

/// What introduces a step file in `deploy.sql`.
fn deploy_separator(name: &str) -> String {
    format!("\n{}", LineComment(&format!("===== {name} =====")))
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError { path, source }
}

/// Move `names` from `fresh` into `dir`, moving what they replace into
/// `aside`; on the first failure undo every move already made (newest
/// first) and return the error. `rename` is `fs::rename` (a parameter so
/// tests can make it fail).
fn swap_in(
    dir: &Path,
    fresh: &Path,
    aside: &Path,
    names: &[&str],
    rename: &mut dyn FnMut(&Path, &Path) -> io::Result<()>,
) -> Result<(), WriteError> {
    // (target, where the file it replaced went); undone in reverse.
    let mut done: Vec<(PathBuf, PathBuf, Option<PathBuf>)> = Vec::new();
    let mut failure = None;
    for name in names {
        let target = dir.join(name);
        let new = fresh.join(name);
        let old = if target.symlink_metadata().is_ok() {
            let old = aside.join(name);
            if let Err(e) = rename(&target, &old) {
                failure = Some(WriteError {
                    path: target,
                    source: e,
                });
                break;
            }
            Some(old)
        } else {
            None
        };
        if let Err(e) = rename(&new, &target) {
            if let Some(old) = &old {
                let _ = rename(old, &target);
            }
            failure = Some(WriteError {
                path: target,
                source: e,
            });
            break;
        }
        done.push((target, new, old));
    }
    let Some(failure) = failure else { return Ok(()) };
    for (target, new, old) in done.into_iter().rev() {
        // Best effort: the first error is the one reported.
        let _ = rename(&target, &new);
        if let Some(old) = old {
            let _ = rename(&old, &target);
        }
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let text = fs::read_to_string(e.path()).unwrap_or_else(|_| "<dir>".into());
                (e.file_name().to_string_lossy().into_owned(), text)
            })
            .collect();
        out.sort();
        out
    }

    /// The files written statement by statement, by `write_to` and by
    /// `generate_into`, hold exactly the texts `rendered` gives (deploy.sql
    /// included), for every model of schemas/ and every environment.
    #[test]
    fn the_written_files_are_the_rendered_texts() {
        let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        for entry in fs::read_dir(schemas).unwrap() {
            let path = entry.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            let loaded = model_core::load_str("m.toml", &text).unwrap();
            for env in &loaded.model.environments {
                let deployment = crate::generate(&loaded.model, &env.name).unwrap();
                let root = tempfile::tempdir().unwrap();
                let out = root.path().join("out");
                deployment.write_to(&out).unwrap();
                let mut rendered = deployment.rendered();
                rendered.sort();
                assert!(rendered.iter().any(|(name, _)| name == DEPLOY_FILE));
                assert!(listing(&out) == rendered, "{} {}", path.display(), env.name);
                let streamed = root.path().join("streamed");
                let written = crate::generate_into(&loaded.model, &env.name, &streamed).unwrap();
                assert_eq!(written.len(), rendered.len());
                assert!(
                    listing(&streamed) == rendered,
                    "{} {}: generate_into",
                    path.display(),
                    env.name
                );
            }
        }
    }

    /// A move that fails half-way is undone: the folder holds exactly what
    /// it held before, old files included, for every point of failure.
    #[test]
    fn a_failed_swap_leaves_the_folder_as_it_was() {
        let names = ["a.sql", "b.sql", "c.sql"];
        for fail_at in 0..6 {
            let root = tempfile::tempdir().unwrap();
            let (dir, fresh, aside) = (
                root.path().join("out"),
                root.path().join("new"),
                root.path().join("old"),
            );
            for d in [&dir, &fresh, &aside] {
                fs::create_dir(d).unwrap();
            }
            fs::write(dir.join("a.sql"), "old a").unwrap();
            fs::write(dir.join("c.sql"), "old c").unwrap();
            fs::write(dir.join("notes.txt"), "mine").unwrap();
            for n in names {
                fs::write(fresh.join(n), format!("new {n}")).unwrap();
            }
            let before = listing(&dir);
            let mut calls = 0;
            let result = swap_in(&dir, &fresh, &aside, &names, &mut |from, to| {
                calls += 1;
                if calls == fail_at + 1 {
                    Err(io::Error::other("injected"))
                } else {
                    fs::rename(from, to)
                }
            });
            // a: 2 moves, b: 1, c: 2, so 5 moves in all; failing move 6 never happens.
            if fail_at < 5 {
                assert!(result.is_err(), "failure at move {fail_at} reported");
                assert_eq!(listing(&dir), before, "failure at move {fail_at}");
            } else {
                result.unwrap();
                assert_eq!(
                    listing(&dir),
                    [
                        ("a.sql".to_owned(), "new a.sql".to_owned()),
                        ("b.sql".to_owned(), "new b.sql".to_owned()),
                        ("c.sql".to_owned(), "new c.sql".to_owned()),
                        ("notes.txt".to_owned(), "mine".to_owned()),
                    ]
                );
            }
        }
    }
}
