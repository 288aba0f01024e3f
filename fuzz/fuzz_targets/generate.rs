//! Any text through load + validate + generate: every model that loads
//! generates, for every environment, a deployment that passes the output
//! checker (tests/src/check.rs), twice with the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loaded) = model_core::load_str("fuzz.toml", text) {
        if let Err(e) = dimgen_tests::check::check_model(&loaded.model) {
            panic!("generated SQL fails the checker: {e}");
        }
    }
});
