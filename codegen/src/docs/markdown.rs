//! `model.md`: the Mermaid ER diagrams and the data dictionary, in
//! GitHub-flavoured Markdown. Every piece of user text is escaped for where
//! it lands: a table cell, a code span, or a Mermaid label.

use std::fmt::Write as _;

use std::collections::BTreeSet;

use model_core::PhysicalColumn;
use model_core::model::TableKind;

use super::content::{self, Cell, Inline, Sheet};
use super::describe::{ColumnDoc, ColumnRole, Described, Relationship, Table};
use super::one_line;

/// Text in Markdown (a paragraph or a table cell): one line, with the
/// characters Markdown or a table would read escaped.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A name as a code span that survives a table cell.
pub(super) fn code(s: &str) -> String {
    let s = one_line(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

/// A name as a Mermaid identifier: letters, digits and `_`, not starting
/// with a digit (anything else becomes `_`).
pub(super) fn mermaid_id(name: &str) -> String {
    super::word(name)
}

/// A Mermaid label (inside `"…"`): one line, no double quote.
fn mermaid_label(s: &str) -> String {
    one_line(s).replace('"', "'")
}

/// `NUMBER`, `VARCHAR`, ...: the type without its length, precision and scale
/// (a Mermaid attribute type is one word).
fn mermaid_type(c: &PhysicalColumn) -> String {
    let full = c.sql_type.to_string();
    full.split('(').next().unwrap_or(&full).to_owned()
}

/// The key markers of a column in a diagram.
fn markers(c: &ColumnDoc<'_>) -> &'static str {
    match (c.role, c.reference.is_some()) {
        (ColumnRole::SurrogateKey | ColumnRole::SmartKey, true) => "PK, FK",
        (ColumnRole::SurrogateKey | ColumnRole::SmartKey, false) => "PK",
        (ColumnRole::NaturalKey, true) => "UK, FK",
        (ColumnRole::NaturalKey, false) => "UK",
        (_, true) => "FK",
        _ => "",
    }
}

/// The Mermaid line of a relationship: the dimension's side is exactly one
/// (zero or one when the reference may be NULL), the referencing side many.
fn relationship_line(r: &Relationship<'_>) -> String {
    let one = if r.optional { "|o" } else { "||" };
    format!(
        "    {} {one}--o{{ {} : \"{}\"\n",
        mermaid_id(r.to),
        mermaid_id(r.from),
        mermaid_label(&r.role)
    )
}

/// An entity with the columns `keep` selects.
fn entity(out: &mut String, table: &Table<'_>, keep: &dyn Fn(&ColumnDoc<'_>) -> bool) {
    let _ = writeln!(out, "    {} {{", mermaid_id(table.table.name()));
    for c in table.columns.iter().filter(|c| keep(c)) {
        let marker = markers(c);
        let _ = write!(
            out,
            "        {} {}",
            mermaid_type(c.physical),
            mermaid_id(&c.physical.name)
        );
        if !marker.is_empty() {
            let _ = write!(out, " {marker}");
        }
        out.push('\n');
    }
    out.push_str("    }\n");
}

/// The whole model: every table with its keys, every reference, every
/// bridge as many-to-many.
pub(super) fn overview(d: &Described<'_>) -> String {
    let mut out = String::from("erDiagram\n");
    for t in &d.tables {
        entity(&mut out, t, &|c| !markers(c).is_empty());
    }
    for r in &d.relationships {
        out.push_str(&relationship_line(r));
    }
    for b in &d.bridges {
        let _ = writeln!(
            out,
            "    {} }}o..o{{ {} : \"{}\"",
            mermaid_id(b.left),
            mermaid_id(b.right),
            mermaid_label(&format!("many-to-many through {}", b.bridge))
        );
    }
    out
}

/// One fact's star: the fact, the dimensions it references and their
/// outriggers, every column.
pub(super) fn star(d: &Described<'_>, fact: &str) -> String {
    let (tables, edges) = d.star(fact);
    let mut out = String::from("erDiagram\n");
    for t in d.tables.iter().filter(|t| tables.contains(t.table.name())) {
        entity(&mut out, t, &|_| true);
    }
    for r in edges {
        out.push_str(&relationship_line(r));
    }
    out
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, other
/// punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

/// A cell as Markdown: links to the sheets that exist, names as code.
fn cell(c: &Cell, sheets: &BTreeSet<&str>) -> String {
    let mut out = String::new();
    for piece in c {
        match piece {
            Inline::Text(t) => out.push_str(&text(t)),
            Inline::Code(t) => out.push_str(&code(t)),
            Inline::Link(name) if sheets.contains(name.as_str()) => {
                let _ = write!(out, "[{}](#{})", code(name), anchor(name));
            }
            Inline::Link(name) => out.push_str(&code(name)),
        }
    }
    out
}

fn row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    out.push('|');
    for c in cells {
        let _ = write!(out, " {c} |");
    }
    out.push('\n');
}

fn sheet(out: &mut String, s: &Sheet, sheets: &BTreeSet<&str>) {
    let _ = writeln!(out, "#### {}\n", text(&s.title));
    if let Some(c) = &s.comment {
        let _ = writeln!(out, "{}\n", text(c));
    }
    out.push_str("| | |\n|---|---|\n");
    for (label, value) in &s.properties {
        row(out, [(*label).to_owned(), cell(value, sheets)]);
    }
    out.push('\n');
    if !s.rows.is_empty() {
        row(out, s.header.iter().map(|h| (*h).to_owned()));
        row(out, s.header.iter().map(|_| "---".to_owned()));
        for (_, cells) in &s.rows {
            row(out, cells.iter().map(|c| cell(c, sheets)));
        }
        out.push('\n');
    }
}

/// The whole `model.md`.
pub(super) fn model_md(d: &Described<'_>) -> String {
    let model = d.target.model;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}: the data model in {}\n",
        text(&model.name),
        code(&format!("{}.{}", d.target.database, d.target.schema))
    );
    out.push_str("<!-- Generated by `dimgen docs`; do not edit. -->\n\n");
    if let Some(c) = &model.comment {
        let _ = writeln!(out, "{}\n", text(&d.target.text(c)));
    }
    let _ = writeln!(
        out,
        "{} dimensions, {} facts, {} bridges, {} marts, {} roles and {} loads, for environment {}.\n",
        model.dimensions.len(),
        model.facts.len(),
        model.bridges.len(),
        model.marts.len(),
        model.roles.len(),
        model.loads.len(),
        code(&d.target.env.name)
    );
    out.push_str("## Diagram\n\n");
    out.push_str(
        "Every table with its keys (PK: the key, UK: the natural key, FK: a reference), every reference \
         labelled with the role its dimension plays, and every bridge as a many-to-many relationship.\n\n",
    );
    let _ = write!(out, "```mermaid\n{}```\n\n", overview(d));
    if !model.facts.is_empty() {
        out.push_str("## Stars\n\nEach fact with the dimensions it references and their outriggers, every column.\n\n");
        for f in &model.facts {
            let _ = write!(
                out,
                "### Star of {}\n\n```mermaid\n{}```\n\n",
                text(&f.name),
                star(d, &f.name)
            );
        }
    }
    out.push_str("## Data dictionary\n\n");
    let tables: Vec<Sheet> = d.tables.iter().map(|t| content::table_sheet(d, t)).collect();
    let marts = content::mart_sheets(d);
    let sheets: BTreeSet<&str> = tables.iter().chain(&marts).filter_map(|s| s.name.as_deref()).collect();
    for (kind, title) in [
        (TableKind::Dimension, "Dimensions"),
        (TableKind::Fact, "Facts"),
        (TableKind::Bridge, "Bridges"),
    ] {
        let mut of_kind = d
            .tables
            .iter()
            .zip(&tables)
            .filter(|(t, _)| t.table.kind() == kind)
            .peekable();
        if of_kind.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for (_, s) in of_kind {
            sheet(&mut out, s, &sheets);
        }
    }
    if !marts.is_empty() {
        out.push_str("### Marts\n\n");
        for s in &marts {
            sheet(&mut out, s, &sheets);
        }
    }
    let loads = content::load_sheets(d);
    if !loads.is_empty() {
        out.push_str("### Loads\n\n");
        for s in &loads {
            sheet(&mut out, s, &sheets);
        }
    }
    let (header, rows) = content::roles(d);
    if !rows.is_empty() {
        out.push_str("### Roles\n\n");
        row(&mut out, header.iter().map(|h| (*h).to_owned()));
        row(&mut out, header.iter().map(|_| "---".to_owned()));
        for cells in &rows {
            row(&mut out, cells.iter().map(|c| cell(c, &sheets)));
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
