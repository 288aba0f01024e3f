//! index.html in a real browser: headless Chromium opens the healthcare
//! model's page from a file URL with the network off. Through the DOM after
//! the page's script ran: every table is a box of the diagram and every
//! reference a line, each table has its page, and a search (`?q=`) finds a
//! column by name and hides the tables without it. The page logs nothing
//! (a Content-Security-Policy violation or a script error would), and a
//! screenshot is kept at `target/docs-browser/healthcare.png`.

use std::path::Path;
use std::process::Command;

use dimgen_tests::{load_model, model_references, workspace_root};

/// Run Chromium headless on `url` with `extra` arguments; its stdout and stderr.
fn chromium(browser: &Path, profile: &Path, url: &str, extra: &[&str]) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-extensions",
            "--disable-sync",
            // No name resolves: any fetch the page tried would fail (and log).
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1600,1100",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed on {url}:\n{stderr}");
    (stdout, stderr)
}

/// The page's console messages (Chromium logs them as `CONSOLE`).
fn console(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn the_healthcare_page_renders_every_table_and_relationship_and_finds_columns() {
    let Some(browser) = dimgen_tests::tools::chromium() else {
        return;
    };
    let model = load_model(&workspace_root().join("schemas/healthcare.toml"));
    let out = workspace_root().join("target/docs-browser");
    let site = out.join("healthcare");
    dimgen::docs::generate(&model, "PROD").unwrap().write_to(&site).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let page = format!("file://{}", site.join("index.html").display());

    // The search for a column, run by the page's script from `?q=`.
    let (dom, log) = chromium(
        &browser,
        profile.path(),
        &format!("{page}?q=date_of_birth"),
        &["--dump-dom"],
    );
    assert!(
        console(&log).is_empty(),
        "the page logged:\n{}",
        console(&log).join("\n")
    );
    assert!(dom.contains("<svg"), "no diagram in the DOM");
    for table in model.tables() {
        let name = table.name();
        assert!(dom.contains(&format!("data-table=\"{name}\"")), "no box for {name}");
        assert!(
            dom.contains(&format!("<section class=\"sheet\" id=\"t-{name}\"")),
            "no page for {name}"
        );
    }
    for mart in &model.marts {
        assert!(
            dom.contains(&format!("id=\"t-{}\"", mart.name)),
            "no page for {}",
            mart.name
        );
    }
    let refs = model_references(&model);
    for (dimension, table, role, _) in &refs {
        let edge = format!("data-to=\"{dimension}\" data-role=\"{role}\"");
        let found = dom
            .match_indices(&format!("class=\"edge\" data-from=\"{table}\""))
            .any(|(at, _)| dom[at..].split('>').next().is_some_and(|tag| tag.contains(&edge)));
        assert!(found, "no line {table} → {dimension} as {role}");
    }
    assert_eq!(
        dom.matches("class=\"edge\"").count(),
        refs.len(),
        "one line per reference"
    );
    // The two tables with a DATE_OF_BIRTH column, and only those.
    let mut results: Vec<&str> = dom
        .match_indices("<li class=\"result\" data-table=\"")
        .map(|(at, m)| {
            let rest = &dom[at + m.len()..];
            &rest[..rest.find('>').unwrap()]
        })
        .collect();
    results.sort_unstable();
    assert_eq!(
        results,
        [
            "DIM_PATIENT\" data-column=\"DATE_OF_BIRTH\"",
            "DIM_PROVIDER\" data-column=\"DATE_OF_BIRTH\""
        ]
    );
    let item = |name: &str| {
        let at = dom.find(&format!("<li data-name=\"{name}\"")).unwrap();
        dom[at..dom[at..].find('>').unwrap() + at].to_owned()
    };
    assert!(
        !item("DIM_PATIENT").contains("display: none"),
        "{}",
        item("DIM_PATIENT")
    );
    assert!(item("DIM_DATE").contains("display: none"), "{}", item("DIM_DATE"));
    assert!(item("FACT_CLAIMS").contains("display: none"), "{}", item("FACT_CLAIMS"));

    // Without a query every table is listed; a fragment shows its page.
    let (dom, _) = chromium(
        &browser,
        profile.path(),
        &format!("{page}#t-FACT_CLAIMS"),
        &["--dump-dom"],
    );
    assert!(!dom.contains("display: none"));
    assert!(
        dom.contains("<section class=\"sheet shown\" id=\"t-FACT_CLAIMS\""),
        "the fragment's page is not shown"
    );

    // The screenshot, kept for CI.
    let shot = out.join("healthcare.png");
    let _ = std::fs::remove_file(&shot);
    let (_, log) = chromium(
        &browser,
        profile.path(),
        &page,
        &[&format!("--screenshot={}", shot.display())],
    );
    assert!(
        console(&log).is_empty(),
        "the page logged:\n{}",
        console(&log).join("\n")
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank or unstyled page compresses to a few kilobytes; the diagram does not.
    assert!(png.len() > 100_000, "screenshot of {} bytes", png.len());
    eprintln!("screenshot: {}", shot.display());
}

/// Every `mermaid` block of every model's model.md, drawn by Mermaid
/// itself (the library GitHub renders them with) in the browser: each one
/// parses, renders, and has a box per table it names — the whole model in
/// the overview, the fact and the dimensions it reaches in a star.
#[test]
fn mermaid_draws_every_diagram_of_model_md() {
    let Some(browser) = dimgen_tests::tools::chromium() else {
        return;
    };
    let Some(mermaid) = dimgen_tests::tools::mermaid_js() else {
        return;
    };
    let mut diagrams: Vec<(String, String, usize)> = Vec::new();
    for path in dimgen_tests::model_files() {
        let model = load_model(&path);
        let env = model.environment("PROD").unwrap_or(&model.environments[0]).name.clone();
        let md = dimgen::docs::generate(&model, &env)
            .unwrap()
            .file("model.md")
            .unwrap()
            .to_owned();
        let blocks: Vec<&str> = md
            .split("```mermaid\n")
            .skip(1)
            .map(|b| b.split("```").next().unwrap())
            .collect();
        assert_eq!(blocks.len(), 1 + model.facts.len(), "{}", path.display());
        // The overview: every table; a star: the fact and what it reaches.
        diagrams.push((
            format!("{} overview", path.display()),
            blocks[0].to_owned(),
            model.tables().count(),
        ));
        for (f, block) in model.facts.iter().zip(&blocks[1..]) {
            let mut reached = std::collections::BTreeSet::from([f.name.clone()]);
            let mut todo = vec![f.name.clone()];
            while let Some(table) = todo.pop() {
                let columns = model.tables().find(|t| t.name() == table).unwrap().columns();
                for c in columns {
                    if let model_core::model::ColumnKind::Reference { dimension, .. } = &c.kind
                        && reached.insert(dimension.clone())
                    {
                        todo.push(dimension.clone());
                    }
                }
            }
            diagrams.push((
                format!("{} star of {}", path.display(), f.name),
                (*block).to_owned(),
                reached.len(),
            ));
        }
    }
    let data: Vec<(&str, &str)> = diagrams.iter().map(|(n, t, _)| (n.as_str(), t.as_str())).collect();
    // Test page only: the diagrams as JSON, `<` escaped so no text closes the script.
    let data = serde_json::to_string(&data).unwrap().replace('<', "\\u003c");
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><pre id=\"result\">pending</pre><div id=\"out\"></div>\n\
<script>{}</script>\n<script>\nconst diagrams = {data};\n{}\n</script></body></html>\n",
        std::fs::read_to_string(&mermaid).unwrap(),
        r#"mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
(async () => {
  const lines = [];
  for (let i = 0; i < diagrams.length; i++) {
    const [name, text] = diagrams[i];
    try {
      await mermaid.parse(text);
      const { svg } = await mermaid.render('m' + i, text);
      const div = document.createElement('div');
      div.innerHTML = svg;
      document.getElementById('out').appendChild(div);
      lines.push('ok ' + div.querySelectorAll('g[id^="entity-"]').length + ' ' + name);
    } catch (e) {
      lines.push('error ' + name + ': ' + ((e && e.message) || e));
    }
  }
  document.getElementById('result').textContent = lines.join('\n');
})();"#
    );
    let dir = workspace_root().join("target/docs-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mermaid-check.html");
    std::fs::write(&file, page).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (dom, _) = chromium(
        &browser,
        profile.path(),
        &format!("file://{}", file.display()),
        &["--virtual-time-budget=60000", "--dump-dom"],
    );
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap()
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&");
    let lines: Vec<&str> = result.lines().collect();
    assert_eq!(lines.len(), diagrams.len(), "Mermaid did not finish:\n{result}");
    for ((name, _, tables), line) in diagrams.iter().zip(&lines) {
        assert_eq!(*line, format!("ok {tables} {name}"), "Mermaid on {name}");
    }
}
