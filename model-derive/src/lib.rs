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

#[cfg(test)]
mod tests {
    //! Expansion snapshots (diesel-style): derive → prettyplease → insta, one
    //! representative struct per derive.

    use crate::attr::Derive;

    fn expand(derive: Derive, input: &syn::DeriveInput) -> String {
        let tokens = crate::expand::derive(derive, input);
        let file: syn::File = syn::parse2(tokens).expect("expansion is valid Rust");
        prettyplease::unparse(&file)
    }

    #[test]
    fn dimension_expansion() {
        let input = syn::parse_quote! {
            #[model(name = "DIM_PATIENT", comment = "One row per patient version.", scd = 2, cluster_by(last_name))]
            struct Patient {
                #[model(natural_key, comment = "Source patient number.")]
                patient_id: i64,
                age: Option<f64>,
                deceased_date: Key<DimDate>,
                #[model(scd = 1, pii)]
                last_name: Option<String>,
            }
        };
        insta::assert_snapshot!(expand(Derive::Dimension, &input));
    }

    #[test]
    fn fact_expansion() {
        let input = syn::parse_quote! {
            #[model(name = "FACT_CLAIMS", grain = "one row per claim", key = "CLAIM_KEY")]
            struct Claims {
                #[model(degenerate, grain)]
                claim_id: i64,
                #[model(role = "SERVICE_DATE")]
                date_of_service: Key<DimDate>,
                #[model(measure = "additive", sql_type = "number(20,2)")]
                paid_amount: Option<rust_decimal::Decimal>,
            }
        };
        insta::assert_snapshot!(expand(Derive::Fact, &input));
    }

    #[test]
    fn bridge_expansion() {
        let input = syn::parse_quote! {
            #[model(name = "BRIDGE_CARE_TEAM")]
            struct CareTeam {
                #[model(between)]
                patient_key: Key<Patient>,
                #[model(between)]
                provider_key: Key<Provider>,
                #[model(weight, sql_type = "number(9,8)")]
                weighting_factor: rust_decimal::Decimal,
                #[model(effective_from)]
                effective_date: Key<DimDate>,
                #[model(effective_to)]
                expiration_date: Key<DimDate>,
            }
        };
        insta::assert_snapshot!(expand(Derive::Bridge, &input));
    }

    #[test]
    fn errors_expand_to_compile_errors_and_a_placeholder_impl() {
        let input = syn::parse_quote! {
            #[model(nmae = "X")]
            struct Patient {
                #[model(measure = "additive")]
                id: i64,
            }
        };
        let out = expand(Derive::Dimension, &input);
        assert_eq!(out.matches("compile_error!").count(), 2, "{out}");
        assert!(out.contains("impl ::model_core::Dimension for Patient"), "{out}");
    }
}
