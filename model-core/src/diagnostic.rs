//! Problems found in a model, where they are, and how they are shown.
//!
//! Validation speaks in [`Loc`]s (a table, a column, a key), never in byte
//! offsets, so the same rules serve every way a model is declared. A
//! [`SourceMap`] filled by the TOML loader turns a `Loc` into a span of the
//! file; the rendering then looks like a compiler error (miette's graphical
//! handler) with file, line, column and a label under the offending value.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::ops::Range;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use crate::model::TableKind;

/// Which table: its kind and position among the tables of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    /// Dimension, fact or bridge.
    pub kind: TableKind,
    /// Index in the model's list of that kind.
    pub index: usize,
}

/// A place in a model, independent of how the model was written.
///
/// `key` names the TOML key (and later the derive attribute) the problem is
/// about; the empty key means the whole item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Loc {
    /// A top-level key of the model (`database`, `name`, ...).
    Model(&'static str),
    /// An environment, or one of its keys (`schema`, `vars.NAME`).
    Environment {
        /// Environment name.
        env: String,
        /// Key inside the environment.
        key: String,
    },
    /// A table-level key; `index` selects an element of a list value.
    Table {
        /// The table.
        table: TableId,
        /// The key.
        key: &'static str,
        /// Element of a list-valued key.
        index: Option<usize>,
    },
    /// A key of one declared column.
    Column {
        /// The table.
        table: TableId,
        /// Index among the table's declared columns.
        column: usize,
        /// The key.
        key: &'static str,
    },
    /// A raw byte range of the source (syntax errors, unknown keys).
    Span(Range<usize>),
}

impl Loc {
    /// A table-level key.
    pub fn table(table: TableId, key: &'static str) -> Self {
        Self::Table {
            table,
            key,
            index: None,
        }
    }

    /// One element of a list-valued table key.
    pub fn table_item(table: TableId, key: &'static str, index: usize) -> Self {
        Self::Table {
            table,
            key,
            index: Some(index),
        }
    }

    /// A column key.
    pub fn column(table: TableId, column: usize, key: &'static str) -> Self {
        Self::Column { table, column, key }
    }
}

/// Byte spans of a model's source for the [`Loc`]s it declares.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// Display name of the source (usually the path as given).
    pub name: String,
    /// The source text.
    pub text: String,
    spans: HashMap<Loc, Range<usize>>,
    rust: HashMap<TableId, crate::declare::RustTable>,
}

impl SourceMap {
    /// An empty map for a source.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            spans: HashMap::new(),
            rust: HashMap::new(),
        }
    }

    /// Record the Rust type a table was declared by.
    pub fn insert_rust(&mut self, table: TableId, origin: crate::declare::RustTable) {
        self.rust.insert(table, origin);
    }

    /// Where `loc` is declared in Rust (`at Claims::paid_amount`), for
    /// models built from derived types.
    pub fn describe(&self, loc: &Loc) -> Option<String> {
        let (table, column, key) = match loc {
            Loc::Table { table, key, .. } => (table, None, *key),
            Loc::Column { table, column, key } => (table, Some(*column), *key),
            _ => return None,
        };
        let origin = self.rust.get(table)?;
        let key = if key.is_empty() || key == "name" {
            String::new()
        } else {
            format!(", `{key}`")
        };
        Some(match column.and_then(|c| origin.fields.get(c)) {
            Some(field) => format!("at `{}::{field}`{key}", origin.rust_name),
            None => format!("at `{}`{key}", origin.rust_name),
        })
    }

    /// Whether `loc` itself (not a fallback) is written in the source.
    pub fn has(&self, loc: &Loc) -> bool {
        self.spans.contains_key(loc)
    }

    /// Record where `loc` is written.
    pub fn insert(&mut self, loc: Loc, span: Range<usize>) {
        self.spans.insert(loc, span);
    }

    /// Where `loc` is written, falling back from a list element to the list,
    /// from a key to its item, so a label lands as close as the source allows.
    pub fn span(&self, loc: &Loc) -> Option<Range<usize>> {
        if let Loc::Span(range) = loc {
            return Some(range.clone());
        }
        if let Some(span) = self.spans.get(loc) {
            return Some(span.clone());
        }
        let parent = match loc {
            Loc::Table {
                table,
                key,
                index: Some(_),
            } => Loc::table(*table, key),
            // A key falls back to the table's name, the name to the whole table.
            Loc::Table {
                table,
                key: "name",
                index: None,
            } => Loc::table(*table, ""),
            Loc::Table {
                table,
                key,
                index: None,
            } if !key.is_empty() => Loc::table(*table, "name"),
            Loc::Column { table, column, key } if !key.is_empty() => {
                return self
                    .spans
                    .get(&Loc::column(*table, *column, ""))
                    .or_else(|| self.spans.get(&Loc::column(*table, *column, "name")))
                    .cloned();
            }
            Loc::Environment { env, key } if !key.is_empty() => Loc::Environment {
                env: env.clone(),
                key: String::new(),
            },
            _ => return None,
        };
        self.span(&parent)
    }

    /// The span of `range` (byte offsets into a string value's content) inside
    /// the quoted string written at `loc`, when the string is written without
    /// escapes; otherwise the whole value.
    pub fn sub_span(&self, loc: &Loc, range: Range<usize>, value: &str) -> Option<Range<usize>> {
        let whole = self.span(loc)?;
        let written = self.text.get(whole.clone())?;
        let quote_len = if written.starts_with("\"\"\"") || written.starts_with("'''") {
            3
        } else {
            1
        };
        match written.get(quote_len..quote_len + value.len()) {
            Some(inner) if inner == value => {
                Some(whole.start + quote_len + range.start..whole.start + quote_len + range.end)
            }
            _ => Some(whole),
        }
    }
}

/// One labelled place of a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub at: Loc,
    /// A byte range inside the string value at `at` (e.g. one `${var}`).
    pub within: Option<(Range<usize>, String)>,
    /// The text shown under it.
    pub text: String,
}

/// One thing wrong with a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable code, e.g. `dimgen::unknown_reference`.
    pub code: &'static str,
    /// What is wrong, in one sentence that names the table and column.
    pub message: String,
    /// The primary place first, then related places.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem labelled at one place.
    pub fn new(code: &'static str, message: impl Into<String>, at: Loc, label: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            labels: vec![Label {
                at,
                within: None,
                text: label.into(),
            }],
            help: None,
        }
    }

    /// Add a related place.
    #[must_use]
    pub fn also(mut self, at: Loc, label: impl Into<String>) -> Self {
        self.labels.push(Label {
            at,
            within: None,
            text: label.into(),
        });
        self
    }

    /// Narrow the primary label to `range` inside the string `value` written there.
    #[must_use]
    pub fn within(mut self, range: Range<usize>, value: &str) -> Self {
        if let Some(first) = self.labels.first_mut() {
            first.within = Some((range, value.to_owned()));
        }
        self
    }

    /// Add a help line.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every problem found in a model, with the source they point into.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The problems, in the order found (source order where possible).
    pub problems: Vec<Problem>,
    /// The source the locations refer to.
    /// The source the locations refer to (boxed: keeps `Result<_, Diagnostics>` small).
    pub source: Box<SourceMap>,
}

impl Diagnostics {
    /// Render every problem as miette's graphical report without colours
    /// (Unicode box drawing, `width` columns), separated by blank lines.
    pub fn render(&self, width: usize) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(width)
            .with_links(false);
        self.render_with(&handler)
    }

    /// Render with colours when `color` is set (for terminals).
    pub fn render_for_terminal(&self, color: bool, width: usize) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        self.render_with(&handler)
    }

    fn render_with(&self, handler: &GraphicalReportHandler) -> String {
        let mut out = String::new();
        for problem in &self.problems {
            let report = self.report(problem);
            // Rendering into a String cannot fail.
            let _ = handler.render_report(&mut out, &report);
            out.push('\n');
        }
        let n = self.problems.len();
        let _ = writeln!(
            out,
            "{n} problem{} found in {}",
            if n == 1 { "" } else { "s" },
            self.source.name
        );
        out
    }

    /// One problem as a miette diagnostic (labels resolved to spans).
    pub fn report(&self, problem: &Problem) -> impl Diagnostic + Send + Sync + 'static {
        let mut labels = Vec::new();
        let mut unplaced = Vec::new();
        for (i, label) in problem.labels.iter().enumerate() {
            let span = match &label.within {
                Some((range, value)) => self.source.sub_span(&label.at, range.clone(), value),
                None => self.source.span(&label.at),
            };
            match span {
                Some(span) => {
                    let text = Some(label.text.clone());
                    labels.push(if i == 0 {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    });
                }
                None => unplaced.push(match self.source.describe(&label.at) {
                    Some(place) => format!("{}: {place}", label.text),
                    None => label.text.clone(),
                }),
            }
        }
        let mut help = problem.help.clone();
        if !unplaced.is_empty() {
            let note = unplaced.join("; ");
            help = Some(match help {
                Some(h) => format!("{h}\n({note})"),
                None => format!("({note})"),
            });
        }
        Report {
            code: problem.code,
            message: problem.message.clone(),
            help,
            labels,
            source: NamedSource::new(self.source.name.clone(), self.source.text.clone()),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(100))
    }
}

#[derive(Debug)]
struct Report {
    code: &'static str,
    message: String,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: NamedSource<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.labels.is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}
