//! Any text through the TOML loader: a model or diagnostics, never a panic;
//! the rendered diagnostics hold no raw control character; and whatever the
//! loader's fast path reads, toml reads into the same keys, values and spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(difference) = model_core::agrees_with_toml(text) {
        panic!("the fast path and toml disagree on {text:?}:\n{difference}");
    }
    if let Err(e) = model_core::load_str("fuzz.toml", text) {
        let shown = e.diagnostics.render(80);
        if let Some(c) = shown.chars().find(|&c| c.is_control() && c != '\n') {
            panic!("raw control character {c:?} in a diagnostic:\n{shown}");
        }
    }
});
