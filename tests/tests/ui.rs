//! Compile-fail cases for the derives, one per error message, each with the
//! compiler output it must produce (`tests/ui/<derive>/<case>.stderr`, pinned
//! to rustc 1.95). Regenerate after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p dimgen-tests --test ui` and review the diff.

#[test]
fn derive_errors_point_at_the_offending_tokens() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*/*.rs");
}
