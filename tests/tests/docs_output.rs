//! `dimgen docs`: model.md and sources.yml snapshotted like the SQL, and
//! what every model's docs must hold, worked out here from the model itself:
//! every table, every reference with its role, every bridge as
//! many-to-many, a star per fact; Markdown tables whose rows keep their
//! cells whatever the comments hold; an HTML page with nothing from the
//! network and no user text outside escaped text.

use dimgen_tests::{load_model, model_files, model_stem};
use model_core::TableRef;

/// The environment the docs are written for: PROD where there is one.
fn env_of(model: &model_core::Validated) -> String {
    model.environment("PROD").unwrap_or(&model.environments[0]).name.clone()
}

/// Mermaid's identifier for a name, as docs/docs.md describes it.
fn mermaid_id(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn references(model: &model_core::Validated) -> Vec<(String, String, String, bool)> {
    dimgen_tests::model_references(model)
}

#[test]
fn model_md_and_sources_yml_match_their_snapshots() {
    for path in model_files() {
        let model = load_model(&path);
        let env = env_of(&model);
        let docs = dimgen::docs::generate(&model, &env).unwrap();
        assert_eq!(docs, dimgen::docs::generate(&model, &env).unwrap(), "not deterministic");
        for name in ["model.md", "dbt/sources.yml"] {
            let snapshot = format!("docs__{}__{}", model_stem(&path), name.replace(['/', '.'], "_"));
            insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(snapshot, docs.file(name).unwrap());
            });
        }
    }
}

#[test]
fn the_diagrams_show_every_table_reference_and_bridge() {
    for path in model_files() {
        let model = load_model(&path);
        let docs = dimgen::docs::generate(&model, &env_of(&model)).unwrap();
        let md = docs.file("model.md").unwrap();
        let overview = md
            .split("```mermaid\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap();
        assert!(overview.starts_with("erDiagram\n"));
        for table in model.tables() {
            let entity = format!("\n    {} {{\n", mermaid_id(table.name()));
            assert!(overview.contains(&entity), "{}: no entity {entity:?}", path.display());
        }
        let refs = references(&model);
        assert!(!refs.is_empty());
        for (dimension, table, role, nullable) in &refs {
            let one = if *nullable { "|o" } else { "||" };
            let line = format!(
                "    {} {one}--o{{ {} : \"{}\"\n",
                mermaid_id(dimension),
                mermaid_id(table),
                role.replace('"', "'")
            );
            assert!(overview.contains(&line), "{}: no line {line:?}", path.display());
        }
        assert_eq!(
            overview.matches("--o{").count(),
            refs.len(),
            "{}: one line per reference",
            path.display()
        );
        for b in &model.bridges {
            let line = format!(
                "    {} }}o..o{{ {} : \"many-to-many through {}\"\n",
                mermaid_id(&b.dimensions[0]),
                mermaid_id(&b.dimensions[1]),
                b.name.replace('"', "'")
            );
            assert!(overview.contains(&line), "{}: no line {line:?}", path.display());
        }
        // One star per fact, each with the fact's own references.
        for f in &model.facts {
            let heading = format!("### Star of {}\n", f.name);
            let star = md.split(&heading).nth(1).unwrap_or_else(|| panic!("no {heading:?}"));
            let star = star.split("```").nth(1).unwrap();
            for (dimension, table, role, _) in refs.iter().filter(|r| r.1 == f.name) {
                let needle = format!("{} : \"{}\"", mermaid_id(table), role.replace('"', "'"));
                assert!(star.contains(&needle), "star of {}: {needle:?}", f.name);
                assert!(star.contains(&format!("    {} {{", mermaid_id(dimension))));
            }
        }
    }
}

/// A Markdown table row's cells: `|` that are not escaped.
fn cells(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

#[test]
fn every_markdown_table_row_has_its_header_s_cells() {
    for path in model_files() {
        let model = load_model(&path);
        let docs = dimgen::docs::generate(&model, &env_of(&model)).unwrap();
        let md = docs.file("model.md").unwrap();
        let mut header: Option<usize> = None;
        let mut rows = 0;
        for line in md.lines() {
            if line.starts_with('|') {
                let n = cells(line);
                match header {
                    None => header = Some(n),
                    Some(h) => assert_eq!(n, h, "{}: row {line:?}", path.display()),
                }
                rows += 1;
            } else {
                header = None;
            }
        }
        assert!(
            rows > model.tables().count() * 3,
            "{}: {rows} table rows",
            path.display()
        );
        // A dictionary entry per table and mart.
        for name in model
            .tables()
            .map(TableRef::name)
            .chain(model.marts.iter().map(|m| m.name.as_str()))
        {
            let heading = format!("\n#### {}\n", name.replace('`', "\\`").replace('#', "\\#"));
            assert!(md.contains(&heading), "{}: no heading for {name}", path.display());
        }
    }
}

#[test]
fn index_html_is_self_contained_and_escapes_every_name() {
    for path in model_files() {
        let model = load_model(&path);
        let docs = dimgen::docs::generate(&model, &env_of(&model)).unwrap();
        let html = docs.file("index.html").unwrap();
        assert!(html.contains(
            "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\""
        ));
        assert_eq!(
            html.matches("<script").count(),
            1,
            "{}: one script, ours",
            path.display()
        );
        assert_eq!(html.matches("<style").count(), 1);
        // An attribute value opens with a quote, which escaped text never holds.
        for needle in [" src=\"", "href=\"http", "url(http", "@import"] {
            assert!(!html.contains(needle), "{}: {needle}", path.display());
        }
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;")
        };
        for table in model.tables() {
            let node = format!("data-table=\"{}\"", esc(table.name()));
            assert!(html.contains(&node), "{}: {node}", path.display());
            for c in table.columns() {
                assert!(html.contains(&format!("<tr data-column=\"{}\">", esc(&c.name))));
            }
        }
        for (dimension, table, role, _) in references(&model) {
            let edge = format!("data-to=\"{}\" data-role=\"{}\"", esc(&dimension), esc(&role));
            assert!(html.contains(&edge), "{}: {edge}", path.display());
            assert!(html.contains(&format!("class=\"edge\" data-from=\"{}\"", esc(&table))));
        }
    }
}

/// The hostile model's comments hold markup, Markdown and line breaks:
/// none of it becomes structure.
#[test]
fn hostile_comments_stay_text() {
    let path = dimgen_tests::workspace_root().join("tests/fixtures/valid/hostile.toml");
    let model = load_model(&path);
    let docs = dimgen::docs::generate(&model, &env_of(&model)).unwrap();
    let html = docs.file("index.html").unwrap();
    assert!(!html.contains("<img"), "markup from a comment reached the page");
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    let md = docs.file("model.md").unwrap();
    assert!(md.contains("\\</script\\>\\<img src=x onerror=alert(1)\\>"), "{md}");
    assert!(!md.contains("a\nnewline"), "a comment's newline reached model.md");
    let yml = docs.file("dbt/sources.yml").unwrap();
    assert!(yml.contains("\"It's a test'; DROP DATABASE prod; -- with \\\\ backslash and a newline </script><img src=x onerror=alert(1)> | *bold* [link](http://x)\""), "{yml}");
}

/// The README shows the healthcare model's diagram as `dimgen docs` draws
/// it today (regenerate it into the README when the model changes).
#[test]
fn the_readme_shows_the_healthcare_diagram_as_drawn_today() {
    let root = dimgen_tests::workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let shown = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in the README");
    let model = load_model(&root.join("schemas/healthcare.toml"));
    let docs = dimgen::docs::generate(&model, "PROD").unwrap();
    let md = docs.file("model.md").unwrap();
    let drawn = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    assert!(
        shown == drawn,
        "README.md's diagram is not model.md's overview; copy it from `dimgen docs schemas/healthcare.toml --env PROD`"
    );
    // Near the top: before the first line of TOML or Rust.
    let at = readme.find("```mermaid").unwrap();
    assert!(at < readme.find("```rust").unwrap() && at < readme.find("```toml").unwrap());
}
