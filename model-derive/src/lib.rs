//! Derive macros for dimgen models: `#[derive(Dimension)]`, `#[derive(Fact)]`
//! and `#[derive(Bridge)]`, re-exported by `model_core` (default `derive`
//! feature). One attribute namespace, `#[model(...)]`, on types and fields;
//! see `docs/derive.md` for every key.
//!
//! The generated code names `::model_core::...` paths only, inside
//! `const _: () = { ... };`, so it compiles whatever the user imported.

mod attr;
mod expand;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Declare a dimension table. See `docs/derive.md`.
#[proc_macro_derive(Dimension, attributes(model))]
pub fn derive_dimension(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(attr::Derive::Dimension, &input).into()
}

/// Declare a fact table. See `docs/derive.md`.
#[proc_macro_derive(Fact, attributes(model))]
pub fn derive_fact(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(attr::Derive::Fact, &input).into()
}

/// Declare a bridge table. See `docs/derive.md`.
#[proc_macro_derive(Bridge, attributes(model))]
pub fn derive_bridge(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(attr::Derive::Bridge, &input).into()
}
