//! Problems found in a model, where they are, and how they are shown.
//!
//! Validation speaks in [`Loc`]s (a table, a column, a key), never in byte
//! offsets, so the same rules serve every way a model is declared. A
//! [`SourceMap`] filled by the TOML loader turns a `Loc` into a span of the
//! file; the rendering then looks like a compiler error (miette's graphical
//! handler) with file, line, column and a label under the offending value.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::fmt::{self, Write as _};
use std::ops::Range;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use crate::code::Code;
use crate::model::{Model, TableKind, TableRef};

/// Which table: its kind and position among the tables of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    /// Dimension, fact or bridge.
    pub kind: TableKind,
    /// Index in the model's list of that kind.
    pub index: usize,
}

impl TableId {
    /// The id of one of `model`'s tables (`None` for a table of another model).
    pub fn of(model: &Model, table: TableRef<'_>) -> Option<Self> {
        let (kind, index) = match table {
            TableRef::Dimension(d) => (TableKind::Dimension, model.dimension_index(&d.name)?),
            TableRef::Fact(f) => (TableKind::Fact, model.fact_index(&f.name)?),
            TableRef::Bridge(b) => (TableKind::Bridge, model.bridges.iter().position(|x| x.name == b.name)?),
        };
        Some(Self { kind, index })
    }
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
    spans: Spans,
    rust: HashMap<TableId, RustTable>,
}

/// The recorded spans: lists while loading (a push per key of the file),
/// indexed by `Loc` on the first lookup, which only diagnostics make. A
/// large model records a million spans; hashing each into a table as it
/// was read cost a tenth of loading it. The keys of tables and columns,
/// nearly all of them, are kept packed (40 bytes instead of 72: 30 MB less
/// for the benchmark's 20,000 dimensions).
#[derive(Debug, Clone, Default)]
struct Spans {
    packed: Vec<Packed>,
    /// Every other record, and any that does not fit the packing.
    other: Vec<(Loc, Range<usize>)>,
    index: std::sync::OnceLock<FxHashMap<Loc, Range<usize>>>,
}

/// A [`Loc::Table`] or [`Loc::Column`] and its span, packed.
#[derive(Debug, Clone)]
struct Packed {
    key: &'static str,
    index: u32,
    /// The column, or the list element (`NONE` for none).
    item: u32,
    start: u32,
    end: u32,
    kind: TableKind,
    column: bool,
}

impl Packed {
    const NONE: u32 = u32::MAX;

    fn new(loc: &Loc, span: &Range<usize>) -> Option<Self> {
        let small = |n: usize| u32::try_from(n).ok().filter(|&n| n != Self::NONE);
        let (start, end) = (small(span.start)?, small(span.end)?);
        match *loc {
            Loc::Table { table, key, index } => Some(Self {
                key,
                index: small(table.index)?,
                item: match index {
                    Some(i) => small(i)?,
                    None => Self::NONE,
                },
                start,
                end,
                kind: table.kind,
                column: false,
            }),
            Loc::Column { table, column, key } => Some(Self {
                key,
                index: small(table.index)?,
                item: small(column)?,
                start,
                end,
                kind: table.kind,
                column: true,
            }),
            _ => None,
        }
    }

    fn unpack(&self) -> (Loc, Range<usize>) {
        let table = TableId {
            kind: self.kind,
            index: self.index as usize,
        };
        let loc = if self.column {
            Loc::column(table, self.item as usize, self.key)
        } else if self.item == Self::NONE {
            Loc::table(table, self.key)
        } else {
            Loc::table_item(table, self.key, self.item as usize)
        };
        (loc, self.start as usize..self.end as usize)
    }
}

impl Spans {
    fn with_capacity(n: usize) -> Self {
        Self {
            packed: Vec::with_capacity(n),
            other: Vec::new(),
            index: std::sync::OnceLock::new(),
        }
    }

    fn insert(&mut self, loc: Loc, span: Range<usize>) {
        if let Some(index) = self.index.get_mut() {
            index.insert(loc.clone(), span.clone());
        }
        match Packed::new(&loc, &span) {
            Some(packed) => self.packed.push(packed),
            None => self.other.push((loc, span)),
        }
    }

    fn get(&self, loc: &Loc) -> Option<&Range<usize>> {
        self.index
            .get_or_init(|| {
                // Later records of one `Loc` win, as inserts into a map would
                // (a `Loc` always lands in the same list).
                let mut index = FxHashMap::with_capacity_and_hasher(
                    self.packed.len() + self.other.len(),
                    rustc_hash::FxBuildHasher,
                );
                index.extend(self.packed.iter().map(Packed::unpack));
                index.extend(self.other.iter().cloned());
                index
            })
            .get(loc)
    }
}

impl SourceMap {
    /// An empty map for a source.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut map = Self::for_text(name, text.len());
        map.text = text;
        map
    }

    /// An empty map, its text not yet set, for a source of `len` bytes.
    pub(crate) fn for_text(name: impl Into<String>, len: usize) -> Self {
        Self {
            name: name.into(),
            // About one recorded span per 14 bytes of TOML (the benchmark's
            // star: 933,010 spans for 12.8 MB): reserved once, with room to
            // spare, since growing a vector this size copies it whole and
            // the capacity never written is never resident.
            spans: Spans::with_capacity(len / 10),
            text: String::new(),
            rust: HashMap::new(),
        }
    }

    /// Record the Rust type a table was declared by.
    pub fn insert_rust(&mut self, table: TableId, origin: RustTable) {
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
        self.spans.get(loc).is_some()
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

/// Where a Rust-declared table came from, for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustTable {
    /// The type's name.
    pub rust_name: &'static str,
    /// The field of each declared column.
    pub fields: &'static [&'static str],
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
    pub code: Code,
    /// What is wrong, in one sentence that names the table and column.
    pub message: String,
    /// The primary place first, then related places.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem labelled at one place.
    pub fn new(code: Code, message: impl Into<String>, at: Loc, label: impl Into<String>) -> Self {
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
    ///
    /// The source it carries is an [`Excerpt`]: only the lines around the
    /// labels, each long line cut to a window around its label, control
    /// characters shown as `�`, so a diagnostic stays readable (and miette
    /// cannot be asked for a column past its limits) whatever the file holds.
    pub fn report(&self, problem: &Problem) -> impl Diagnostic + Send + Sync + 'static {
        let mut placed = Vec::new();
        let mut unplaced = Vec::new();
        for (i, label) in problem.labels.iter().enumerate() {
            let span = match &label.within {
                Some((range, value)) => self.source.sub_span(&label.at, range.clone(), value),
                None => self.source.span(&label.at),
            };
            match span {
                Some(span) => placed.push((i == 0, span, printable(&label.text, false))),
                None => unplaced.push(match self.source.describe(&label.at) {
                    Some(place) => format!("{}: {place}", label.text),
                    None => label.text.clone(),
                }),
            }
        }
        let (source, labels, outside) = Excerpt::new(&self.source.name, &self.source.text, &placed);
        unplaced.extend(outside);
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
            message: printable(&problem.message, true),
            help: help.map(|h| printable(&h, true)),
            labels,
            source,
        }
    }
}

/// Longest message, label or help shown, in characters; a longer one loses its middle.
const MAX_MESSAGE: usize = 1_000;
/// Bytes of a source line shown around a label; longer lines are cut.
const LINE_WINDOW: usize = 160;
/// A label over more lines than this is shown on its first line only.
const MAX_LABEL_LINES: usize = 8;
/// Labels this many lines apart or closer are shown in one snippet (with
/// the lines between, as miette shows them); farther ones in separate ones.
const MAX_EXCERPT_LINES: usize = 40;

/// `text` with control characters written as escapes (line breaks kept
/// when `newlines`); longer than [`MAX_MESSAGE`] characters, its middle is
/// cut (the end of a message says what is wrong: keep it).
fn printable(text: &str, newlines: bool) -> String {
    let count = text.chars().count();
    let (head, tail) = if count > MAX_MESSAGE {
        (MAX_MESSAGE * 2 / 3, MAX_MESSAGE / 3)
    } else {
        (count, 0)
    };
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE * 4 + 8));
    for (n, c) in text.chars().enumerate() {
        if n == head && tail > 0 {
            out.push('…');
        }
        if n >= head && n < count - tail {
            continue;
        }
        match c {
            '\n' if newlines => out.push('\n'),
            c if c.is_control() => {
                let _ = write!(out, "{}", c.escape_default());
            }
            c => out.push(c),
        }
    }
    out
}

/// How a source character is shown: control characters (a terminal escape,
/// a lone carriage return) as the replacement character, tabs as they are.
fn shown(c: char) -> char {
    if c.is_control() && c != '\t' { '\u{fffd}' } else { c }
}

/// A label's span in the original text, with its first and last line.
struct Placed {
    start: usize,
    end: usize,
    line: usize,
    end_line: usize,
}

/// Line breaks in `bytes`.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes.iter().fold(0, |n, &b| n + usize::from(b == b'\n'))
}

/// One line of an [`Excerpt`].
#[derive(Debug, Clone)]
struct ShownLine {
    /// Byte offset of the line in the original text.
    orig_start: usize,
    /// The window shown, as byte offsets into the original line.
    window: Range<usize>,
    /// Byte offset of the line in the excerpt.
    start: usize,
    /// Whether a `…` opens it.
    cut_before: bool,
}

/// The lines of a source a diagnostic shows, as a miette source: line
/// numbers and the primary label's column are those of the original file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// Original line number (0-based) of the excerpt's first line.
    first_line: usize,
    /// Excerpt offset of a label's start → its column in the original line.
    columns: HashMap<usize, usize>,
    /// Report line counts as miette does for the whole file, so snippets
    /// merge exactly as they would (only when every line between is shown).
    merge: bool,
}

impl Excerpt {
    /// The excerpt for labels `(primary, span, text)` of `text`; their spans
    /// in it; and notes for labels that fall outside the lines' windows.
    fn new(name: &str, text: &str, labels: &[(bool, Range<usize>, String)]) -> (Self, Vec<LabeledSpan>, Vec<String>) {
        let line_of = |offset: usize| line_breaks(&text.as_bytes()[..offset]);
        let line_start = |offset: usize| text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = |offset: usize| {
            let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
            if end > offset && text.as_bytes()[end - 1] == b'\r' {
                end - 1
            } else {
                end
            }
        };
        // Labels: original spans clipped to the text, long ones cut to their first line.
        let mut spans: Vec<Placed> = Vec::with_capacity(labels.len());
        for (_, span, _) in labels {
            let start = text.floor_char_boundary(span.start);
            let mut end = text.ceil_char_boundary(span.end.max(start));
            let line = line_of(start);
            let last_byte = end.saturating_sub(1).max(start);
            let mut end_line = line + line_breaks(&text.as_bytes()[start..last_byte]);
            if end_line - line >= MAX_LABEL_LINES {
                end = line_end(start).max(start);
                end_line = line;
            }
            spans.push(Placed {
                start,
                end,
                line,
                end_line,
            });
        }
        // The last line that holds text (a final line break opens no line).
        let last_line = text.matches('\n').count() - usize::from(text.ends_with('\n') && !text.is_empty());
        let first = spans.iter().map(|p| p.line.saturating_sub(1)).min().unwrap_or(0);
        let last = spans.iter().map(|p| (p.end_line + 1).min(last_line)).max().unwrap_or(0);
        let merge = last - first < MAX_EXCERPT_LINES;
        // Where a long line's window is anchored: its first label's offset in the line.
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        for p in &spans {
            anchors.entry(p.line).or_insert(p.start - line_start(p.start));
        }
        let mut lines: Vec<ShownLine> = Vec::new();
        let mut out = String::new();
        // Walk the original lines from `first` to `last`.
        let mut offset = {
            let mut o = 0;
            for _ in 0..first {
                o = text[o..].find('\n').map_or(text.len(), |i| o + i + 1);
            }
            o
        };
        let needed = |n: usize| merge || spans.iter().any(|p| n + 1 >= p.line && n <= p.end_line + 1);
        for n in first..=last {
            let end = line_end(offset);
            let line = &text[offset..end];
            let start = out.len();
            let (window, cut_before) = if !needed(n) {
                (0..0, false)
            } else if line.len() <= LINE_WINDOW {
                (0..line.len(), false)
            } else {
                let anchor = anchors.get(&n).copied().unwrap_or(0);
                let mut a = anchor.saturating_sub(LINE_WINDOW / 4);
                let mut b = a + LINE_WINDOW;
                if b > line.len() {
                    b = line.len();
                    a = b.saturating_sub(LINE_WINDOW);
                }
                (line.floor_char_boundary(a)..line.ceil_char_boundary(b), a > 0)
            };
            if cut_before {
                out.push('…');
            }
            out.extend(line[window.clone()].chars().map(shown));
            if window.end < line.len() {
                out.push('…');
            }
            if text.len() > end {
                out.push('\n');
            }
            lines.push(ShownLine {
                orig_start: offset,
                window,
                start,
                cut_before,
            });
            offset = text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1);
        }
        // Map a label offset into the excerpt; None when outside its line's window.
        let map = |orig: usize, n: usize, is_end: bool| -> Option<usize> {
            let l = lines.get(n.checked_sub(first)?)?;
            let within = orig.checked_sub(l.orig_start)?;
            let shown_line = &text[l.orig_start..];
            let inside = l.window.start <= within && within <= l.window.end;
            if !(inside || (is_end && within > l.window.end)) {
                return None;
            }
            let upto = within.min(l.window.end);
            let prefix = if l.cut_before { '…'.len_utf8() } else { 0 };
            let body: usize = shown_line[l.window.start..upto]
                .chars()
                .map(|c| shown(c).len_utf8())
                .sum();
            Some(l.start + prefix + body)
        };
        let mut placed = Vec::new();
        let mut outside = Vec::new();
        let mut columns = HashMap::new();
        for ((primary, _, label), p) in labels.iter().zip(&spans) {
            let start = map(p.start, p.line, false);
            let end = map(p.end, p.end_line, true).or_else(|| {
                // An end past its line's window: the end of what is shown of that line.
                let l = lines.get(p.end_line.checked_sub(first)?)?;
                Some(l.start + out[l.start..].find('\n').unwrap_or(0))
            });
            let column = p.start - line_start(p.start);
            match (start, end) {
                (Some(s), Some(e)) if s <= e => {
                    columns.insert(s, column);
                    let text = Some(label.clone());
                    placed.push(if *primary {
                        LabeledSpan::new_primary_with_span(text, s..e)
                    } else {
                        LabeledSpan::new_with_span(text, s..e)
                    });
                }
                _ => outside.push(format!("{label}: line {}, column {}", p.line + 1, column + 1)),
            }
        }
        let excerpt = Self {
            name: name.to_owned(),
            text: out,
            first_line: first,
            columns,
            merge,
        };
        (excerpt, placed, outside)
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .as_str()
            .read_span(span, context_lines_before, context_lines_after)?;
        let column = match self.columns.get(&span.offset()) {
            Some(&c) if context_lines_before == 0 => c,
            _ => inner.column(),
        };
        let line_count = if self.merge {
            inner.line_count() + self.first_line
        } else {
            inner.line_count()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            line_count,
        )))
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(100))
    }
}

#[derive(Debug)]
struct Report {
    code: Code,
    message: String,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Excerpt,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of record comes back as it was recorded, packed or not,
    /// and a later record of one place wins.
    #[test]
    fn spans_come_back_as_recorded() {
        let table = TableId {
            kind: TableKind::Fact,
            index: 3,
        };
        let huge = TableId {
            kind: TableKind::Dimension,
            index: usize::MAX,
        };
        let records = [
            (Loc::table(table, "grain"), 10..20),
            (Loc::table_item(table, "grain_columns", 2), 30..35),
            (Loc::column(table, 7, "type"), 40..45),
            (Loc::column(huge, 0, "name"), 1..2),
            (Loc::table_item(table, "cluster_by", u32::MAX as usize), 3..4),
            (Loc::table(table, "key"), 5..(u32::MAX as usize) + 9),
            (Loc::Model("database"), 50..60),
            (
                Loc::Environment {
                    env: "DEV".into(),
                    key: "schema".into(),
                },
                70..80,
            ),
            (Loc::Span(90..95), 90..95),
        ];
        let mut source = SourceMap::new("m.toml", "");
        for (loc, span) in &records {
            source.insert(loc.clone(), span.clone());
        }
        source.insert(Loc::table(table, "grain"), 11..21);
        assert_eq!(source.spans.packed.len(), 4, "three packed records and the rewrite");
        assert_eq!(source.spans.get(&Loc::table(table, "grain")), Some(&(11..21)));
        for (loc, span) in &records[1..] {
            assert_eq!(source.spans.get(loc), Some(span), "{loc:?}");
        }
        assert_eq!(source.spans.get(&Loc::table(table, "comment")), None);
        assert_eq!(source.spans.get(&Loc::column(table, 8, "type")), None);
    }
}
