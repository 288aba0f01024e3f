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
