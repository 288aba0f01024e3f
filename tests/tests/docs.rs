//! The documentation's models are real: every complete TOML model in the
//! README and docs/ (a ```toml block with `database =`) loads, validates and
//! generates for each of its environments; a block marked ```` ```toml broken ````
//! must be refused.
#![allow(clippy::doc_markdown)]

use dimgen_tests::workspace_root;

/// TOML blocks with whether they are marked broken (```` ```toml broken ````).
fn toml_blocks(text: &str) -> Vec<(String, bool)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for line in text.lines() {
        let fence = line.trim_start();
        match &mut current {
            None if fence == "```toml" || fence == "```toml broken" => {
                current = Some((String::new(), fence.ends_with("broken")));
            }
            Some((block, broken)) if fence == "```" => {
                blocks.push((std::mem::take(block), *broken));
                current = None;
            }
            Some((block, _)) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn documented_models_load_and_generate() {
    let mut files = vec![workspace_root().join("README.md")];
    for entry in std::fs::read_dir(workspace_root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    let mut models = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, (block, broken)) in toml_blocks(&text).into_iter().enumerate() {
            if !block.lines().any(|l| l.starts_with("database =")) {
                continue; // a fragment, not a whole model
            }
            let name = format!("{} block {}", path.display(), i + 1);
            if broken {
                assert!(
                    model_core::load_str(&name, &block).is_err(),
                    "{name} is marked broken but loads"
                );
                continue;
            }
            let loaded =
                model_core::load_str(&name, &block).unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)));
            for env in &loaded.model.environments {
                dimgen::generate(&loaded.model, &env.name).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            models += 1;
        }
    }
    assert!(models >= 1, "the README shows a complete model");
}
