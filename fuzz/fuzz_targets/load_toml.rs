//! Any text through the TOML loader: a model or diagnostics, never a panic;
//! the rendered diagnostics hold no raw control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = model_core::load_str("fuzz.toml", text) {
        let shown = e.diagnostics.render(80);
        if let Some(c) = shown.chars().find(|&c| c.is_control() && c != '\n') {
            panic!("raw control character {c:?} in a diagnostic:\n{shown}");
        }
    }
});
