//! The invariants of docs/architecture.md that can be read off the source:
//! no import cycle among the top-level modules of model-core and codegen,
//! and no SQL text in the string literals of codegen's step modules (SQL is
//! printed by the writer only).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dimgen_tests::workspace_root;

/// The source of a module without its `#[cfg(test)] mod tests`.
fn module_source(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Top-level modules of a crate (`src/x.rs` and `src/x/mod.rs`), with their sources.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut text = String::new();
            for file in std::fs::read_dir(&path).unwrap().filter_map(Result::ok) {
                text.push_str(&module_source(&file.path()));
            }
            out.insert(name, text);
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            out.insert(name, module_source(&path));
        }
    }
    out
}

/// `crate::name` references (also inside `use crate::{a, b::c}`).
fn references(text: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let group = if let Some(inner) = rest.strip_prefix('{') {
            &inner[..inner.find('}').unwrap_or(inner.len())]
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        };
        for part in group.split(',') {
            let head = part.trim().split("::").next().unwrap_or("").trim();
            if names.contains(head) {
                out.insert(head.to_owned());
            }
        }
    }
    out
}

/// A cycle of the graph, if it has one (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in &graph[node] {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, path) {
                        return Some(cycle);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node)
            && let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

fn import_graph(src: &str) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(&workspace_root().join(src));
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, text)| {
            let mut refs = references(text, &names);
            refs.remove(name);
            (name.clone(), refs)
        })
        .collect()
}

#[test]
fn no_import_cycle_among_top_level_modules() {
    for src in ["model-core/src", "codegen/src"] {
        let graph = import_graph(src);
        assert!(graph.len() > 5, "{src}: {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{src}: import cycle {}", cycle.join(" -> "));
        }
    }
    // The layering docs/architecture.md states for codegen.
    let codegen = import_graph("codegen/src");
    assert!(codegen["writer"].is_empty(), "writer imports {:?}", codegen["writer"]);
    assert_eq!(codegen["ddl"], BTreeSet::from(["writer".to_owned()]));
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    let names: BTreeSet<String> = ["lower", "model"].map(str::to_owned).into();
    assert_eq!(
        references("use crate::{lower::x, model};\nlet y = crate::model::Z;", &names),
        names
    );
}

/// The string literals of Rust source (comments skipped; char literals,
/// raw strings and escapes handled well enough for this code base).
fn string_literals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                // A char literal ('x', '\n', '"'), or a lifetime.
                if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else if chars.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    i += 1;
                }
            }
            'r' if chars.get(i + 1) == Some(&'#')
                || (chars.get(i + 1) == Some(&'"') && i > 0 && !chars[i - 1].is_alphanumeric()) =>
            {
                let mut hashes = 0;
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                out.push(rest[..end].to_owned());
                i = j + 1 + rest[..end].chars().count() + close.chars().count();
            }
            '"' => {
                let mut literal = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if let Some(&c) = chars.get(i) {
                        literal.push(c);
                    }
                    i += 1;
                }
                out.push(literal);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// SQL in the making: what a string literal of a step module would hold if
/// it assembled a statement or an expression itself.
const SQL_TEXT: &[&str] = &[
    "SELECT ",
    " FROM ",
    "JOIN ",
    "MERGE INTO",
    "INSERT INTO",
    "UPDATE SET",
    " WHERE ",
    "WHERE ",
    "GROUP BY",
    "QUALIFY",
    "COALESCE(",
    "CASE WHEN",
    "NULLIF(",
    " AS {",
    "{}.{}",
    "{} = {}",
    "::{",
    " AND {",
    " OR {",
    "CREATE TABLE",
    "CREATE VIEW",
    "GRANT ",
    "ALTER ",
];

#[test]
fn step_modules_hold_no_sql_text() {
    let src = workspace_root().join("codegen/src");
    let mut found = Vec::new();
    for module in [
        "ddl.rs",
        "marts.rs",
        "grants.rs",
        "loading.rs",
        "migrate.rs",
        "lib.rs",
        "output.rs",
        "main.rs",
    ] {
        let text = module_source(&src.join(module));
        for literal in string_literals(&text) {
            for sql in SQL_TEXT {
                if literal.contains(sql) {
                    found.push(format!("{module}: {literal:?} contains {sql:?}"));
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL text outside the writer:\n{}", found.join("\n"));
    // The scan itself works: the writer's literals are full of SQL.
    let writer = module_source(&src.join("writer/query.rs"));
    let literals = string_literals(&writer);
    assert!(literals.iter().any(|l| l.contains("MERGE INTO")), "{literals:?}");
    assert!(literals.iter().any(|l| l.contains("CASE WHEN") || l.contains("CASE")));
}
