//! The data dictionary as content, before it is printed: one [`Sheet`] per
//! table, mart and load, and the roles, made of cells of text, code and
//! links. `model.md` prints them as Markdown, `index.html` as HTML, so the
//! two always say the same.

use std::fmt::Write as _;

use model_core::TableRef;
use model_core::model::{Dimension, FactType, Scope};

use super::describe::{ColumnDoc, ColumnRole, Described, Table};
use super::one_line;

/// A piece of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inline {
    /// Prose.
    Text(String),
    /// A name or an expression, shown as code.
    Code(String),
    /// A table or mart of the model, linked to its sheet.
    Link(String),
}

/// A cell: pieces in order.
pub(crate) type Cell = Vec<Inline>;

fn text(s: impl Into<String>) -> Cell {
    vec![Inline::Text(s.into())]
}

fn code(s: impl Into<String>) -> Cell {
    vec![Inline::Code(s.into())]
}

/// Names as code, separated by commas; `—` when there are none.
fn codes<'a>(names: impl IntoIterator<Item = &'a str>) -> Cell {
    list(names.into_iter().map(code))
}

/// Names as links, separated by commas; `—` when there are none.
fn links<'a>(names: impl IntoIterator<Item = &'a str>) -> Cell {
    list(names.into_iter().map(|n| vec![Inline::Link(n.to_owned())]))
}

fn list(cells: impl IntoIterator<Item = Cell>) -> Cell {
    list_with(", ", cells)
}

fn list_with(separator: &str, cells: impl IntoIterator<Item = Cell>) -> Cell {
    let mut out = Cell::new();
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(Inline::Text(separator.into()));
        }
        out.extend(c);
    }
    if out.is_empty() {
        out.push(Inline::Text("—".into()));
    }
    out
}

/// Roles with their access: `` `ROLE` (read) ``.
fn readers(roles: &[(String, &'static str)]) -> Cell {
    list(
        roles
            .iter()
            .map(|(name, access)| vec![Inline::Code(name.clone()), Inline::Text(format!(" ({access})"))]),
    )
}

/// What a sheet describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SheetKind {
    Dimension,
    Fact,
    Bridge,
    Mart,
    Load,
}

/// One table, mart or load: a title, what it is, its properties, and a
/// table of its columns.
pub(crate) struct Sheet {
    pub kind: SheetKind,
    pub title: String,
    /// The object's name (the link target), when it is a table or mart.
    pub name: Option<String>,
    pub comment: Option<String>,
    pub properties: Vec<(&'static str, Cell)>,
    pub header: &'static [&'static str],
    /// Column rows, each with the column's name (for search) and its cells.
    pub rows: Vec<(String, Vec<Cell>)>,
}

const TABLE_HEADER: &[&str] = &[
    "Column",
    "Type",
    "Null",
    "Role",
    "SCD",
    "Additivity",
    "PII",
    "Used by",
    "Comment",
];

/// The sheet of a dimension, fact or bridge.
pub(crate) fn table_sheet(d: &Described<'_>, t: &Table<'_>) -> Sheet {
    let mut p: Vec<(&'static str, Cell)> = Vec::new();
    let key_of = |role: ColumnRole| -> Vec<&str> {
        t.columns
            .iter()
            .filter(|c| c.role == role)
            .map(|c| c.physical.name.as_str())
            .collect()
    };
    let kind = match t.table {
        TableRef::Dimension(dim) => {
            p.push(("Kind", text(dimension_kind(dim))));
            let key = key_of(ColumnRole::SurrogateKey);
            let smart = key_of(ColumnRole::SmartKey);
            if !key.is_empty() {
                p.push(("Surrogate key", codes(key)));
            }
            if smart.is_empty() {
                p.push(("Natural key", codes(dim.natural_key.iter().map(String::as_str))));
            } else {
                let mut cell = codes(smart);
                cell.push(Inline::Text(" (the natural key is the key)".into()));
                p.push(("Key", cell));
            }
            if dim.unknown_member {
                p.push((
                    "Unknown member",
                    text("key -1, the member of references that find none"),
                ));
            }
            if let Some(c) = &dim.generate {
                p.push((
                    "Filled by",
                    text(format!("dimgen, one row per day from {} to {}", c.from, c.to)),
                ));
            }
            SheetKind::Dimension
        }
        TableRef::Fact(f) => {
            p.push(("Kind", text(format!("fact, {}", fact_type(f.fact_type)))));
            if let Some(g) = &f.grain.description {
                p.push(("Grain", text(g.clone())));
            }
            p.push(("Surrogate key", codes(key_of(ColumnRole::SurrogateKey))));
            p.push(("Grain columns", codes(f.grain.columns.iter().map(String::as_str))));
            SheetKind::Fact
        }
        TableRef::Bridge(b) => {
            let mut cell = text("bridge, many-to-many between ");
            cell.extend(links(b.dimensions.iter().map(String::as_str)));
            p.push(("Kind", cell));
            if let Some(w) = &b.weight {
                p.push(("Weight", code(w.clone())));
            }
            if let Some(g) = &b.group {
                p.push(("Group", code(g.clone())));
            }
            if let Some(e) = &b.effective {
                let mut cell = text("from ");
                cell.extend(code(e.from.clone()));
                cell.push(Inline::Text(" to ".into()));
                cell.extend(code(e.to.clone()));
                if let Some(c) = &e.current {
                    cell.push(Inline::Text(", current rows flagged by ".into()));
                    cell.extend(code(c.clone()));
                }
                p.push(("Effective", cell));
            }
            SheetKind::Bridge
        }
    };
    let loads = list(t.loads.iter().map(|&i| {
        let l = &d.loads[i];
        let mut cell = text("pipe ");
        cell.extend(code(l.pipe.clone()));
        cell.push(Inline::Text(" from ".into()));
        cell.extend(code(l.files.clone()));
        cell
    }));
    if !t.loads.is_empty() {
        p.push(("Loaded by", loads));
    }
    p.push(("Used by marts", links(t.marts.iter().copied())));
    p.push(("Readable by", readers(&t.readers)));
    Sheet {
        kind,
        title: t.table.name().to_owned(),
        name: Some(t.table.name().to_owned()),
        comment: t.table.comment().map(|c| d.target.text(c)),
        properties: p,
        header: TABLE_HEADER,
        rows: t
            .columns
            .iter()
            .map(|c| (c.physical.name.clone(), column_cells(d, c)))
            .collect(),
    }
}

/// `transaction`, `periodic snapshot`, ...: the model's word, in prose.
pub(crate) fn fact_type(t: FactType) -> String {
    t.as_str().replace('_', " ")
}

pub(crate) fn dimension_kind(dim: &Dimension) -> String {
    let types = super::describe::scd_types(dim);
    let types: Vec<String> = types.iter().map(u8::to_string).collect();
    format!(
        "dimension, SCD type {}{}",
        types.join(" and "),
        if dim.keeps_history() {
            " (keeps history: one row per version)"
        } else {
            ""
        }
    )
}

fn column_cells(d: &Described<'_>, c: &ColumnDoc<'_>) -> Vec<Cell> {
    let mut role = text(c.role.as_str());
    if let Some((to, r)) = &c.reference {
        role.push(Inline::Text(" → ".into()));
        role.push(Inline::Link((*to).to_owned()));
        role.push(Inline::Text(" as ".into()));
        role.push(Inline::Code(r.clone()));
    }
    let additivity = match &c.additivity {
        Some((a, Some(over))) => {
            let mut cell = text(format!("{}, not over ", a.as_str()));
            cell.extend(code(*over));
            cell
        }
        Some((a, None)) => text(a.as_str()),
        None => Cell::new(),
    };
    let pii = match &c.pii {
        Some((class, mask, clear)) => {
            let mut cell = text(format!("{class}, masked: {mask}"));
            if !clear.is_empty() {
                cell.push(Inline::Text("; in clear to ".into()));
                cell.extend(codes(clear.iter().map(String::as_str)));
            }
            cell
        }
        None => Cell::new(),
    };
    let mut comment = c
        .physical
        .comment
        .as_deref()
        .map(|s| d.target.text(s))
        .unwrap_or_default();
    if let Some(values) = &c.accepted {
        if !comment.is_empty() {
            comment.push(' ');
        }
        let values: Vec<String> = values.iter().map(ToString::to_string).collect();
        let _ = write!(comment, "Values: {}.", values.join(", "));
    }
    vec![
        code(c.physical.name.clone()),
        text(c.physical.sql_type.to_string()),
        text(if c.physical.nullable { "yes" } else { "no" }),
        role,
        c.scd.map(|s| text(s.to_string())).unwrap_or_default(),
        additivity,
        pii,
        if c.marts.is_empty() {
            Cell::new()
        } else {
            links(c.marts.iter().copied())
        },
        if comment.is_empty() { Cell::new() } else { text(comment) },
    ]
}

/// The sheets of the marts.
pub(crate) fn mart_sheets(d: &Described<'_>) -> Vec<Sheet> {
    d.marts
        .iter()
        .map(|m| {
            let mut p: Vec<(&'static str, Cell)> = vec![
                ("Kind", text(m.kind.clone())),
                ("Fact", vec![Inline::Link(m.mart.fact.clone())]),
                (
                    "Shape",
                    text(if m.mart.is_aggregate() {
                        "aggregate: one row per combination of its grouping columns"
                    } else {
                        "star: one row per fact row"
                    }),
                ),
            ];
            if !m.joins.is_empty() {
                p.push((
                    "Dimensions",
                    list(m.joins.iter().map(|(role, dim)| {
                        vec![
                            Inline::Link((*dim).to_owned()),
                            Inline::Text(" as ".into()),
                            Inline::Code(role.clone()),
                        ]
                    })),
                ));
            }
            if let Some(t) = &m.through {
                p.push(("Through", text(t.clone())));
            }
            if let Some(f) = &m.mart.filter {
                p.push(("Where", code(one_line(f))));
            }
            p.push(("Readable by", readers(&m.readers)));
            Sheet {
                kind: SheetKind::Mart,
                title: m.mart.name.clone(),
                name: Some(m.mart.name.clone()),
                comment: m.mart.comment.as_deref().map(|c| d.target.text(c)),
                properties: p,
                header: &["Column", "How", "From"],
                rows: m
                    .columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            vec![
                                code(c.name.clone()),
                                text(c.how.clone()),
                                if c.from.is_empty() {
                                    Cell::new()
                                } else {
                                    code(one_line(&c.from))
                                },
                            ],
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The sheets of the loads.
pub(crate) fn load_sheets(d: &Described<'_>) -> Vec<Sheet> {
    d.loads
        .iter()
        .map(|l| {
            let mut p: Vec<(&'static str, Cell)> = vec![
                ("Table", vec![Inline::Link(l.table.to_owned())]),
                ("Stage", code(l.stage.clone())),
                ("Files", code(l.files.clone())),
            ];
            if let Some(pattern) = &l.pattern {
                p.push(("Pattern", code(pattern.clone())));
            }
            p.push(("File format", text(l.format.clone())));
            let mut pipe = code(l.pipe.clone());
            pipe.push(Inline::Text(format!(", {}", l.trigger)));
            p.push(("Pipe", pipe));
            p.push(("Landing table", code(l.landing.clone())));
            p.push(("Task", text(l.task.clone())));
            p.push(("MERGE", text(l.merge.clone())));
            Sheet {
                kind: SheetKind::Load,
                title: format!("{} ← {}", l.table, l.stage),
                name: None,
                comment: None,
                properties: p,
                header: &[],
                rows: Vec::new(),
            }
        })
        .collect()
}

/// The roles: one row each.
pub(crate) fn roles(d: &Described<'_>) -> (&'static [&'static str], Vec<Vec<Cell>>) {
    let rows = d
        .target
        .model
        .roles
        .iter()
        .map(|r| {
            let grants = list_with(
                "; ",
                r.grants.iter().map(|g| {
                    let mut cell = text(format!("{} on ", g.access.as_str()));
                    match &g.scope {
                        Scope::Schema => cell.push(Inline::Text("the schema".into())),
                        Scope::Marts => cell.push(Inline::Text("every mart".into())),
                        Scope::Objects(names) => cell.extend(links(names.iter().map(String::as_str))),
                        _ => {}
                    }
                    cell
                }),
            );
            vec![
                code(d.target.text(&r.name)),
                code(d.target.text(&r.parent)),
                grants,
                text(r.unmask.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")),
                r.comment.as_deref().map(|c| text(d.target.text(c))).unwrap_or_default(),
            ]
        })
        .collect();
    (&["Role", "Granted to", "Grants", "Reads in clear", "Comment"], rows)
}
