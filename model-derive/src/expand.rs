//! Code generation for the three derives: a `::model_core::Table` impl that
//! builds the table definition, and the marker trait of its kind, inside
//! `const _: () = { ... };` with every path absolute.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type};

use crate::attr::{self, Attrs, Derive, Errors, Position};

/// One struct field and what its attributes say.
struct Field<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    attrs: Attrs,
    column: String,
    /// `D` when the type is `Key<D>` or `Option<Key<D>>`.
    dimension: Option<&'a Type>,
}

/// Expand one derive; on errors, the errors plus a placeholder impl.
pub fn derive(derive: Derive, input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let body = expand(derive, input, &mut errors);
    let ident = &input.ident;
    let kind_trait = Ident::new(derive.name(), Span::call_site());
    if errors.is_empty() {
        return body;
    }
    // Still implement the traits so that uses of the type do not cascade into more errors.
    let compile_errors = errors.into_compile_errors();
    let name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #compile_errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::model_core::Table for #ident #ty_generics #where_clause {
                const NAME: &'static str = #name;
                const RUST_NAME: &'static str = #name;
                fn definition() -> ::model_core::TableDef {
                    ::core::unreachable!("#[model] attributes of this type have errors")
                }
                fn fields() -> &'static [&'static str] {
                    &[]
                }
            }
            #[automatically_derived]
            impl #impl_generics ::model_core::#kind_trait for #ident #ty_generics #where_clause {}
        };
    }
}

/// Whether the type is `Key<...>` itself (not wrapped in `Option`).
fn is_key(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Key"))
}

/// `D` of `Key<D>` (the last path segment named `Key` with one type argument).
fn key_target(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let first = types.next()?;
    if types.next().is_some() {
        return None;
    }
    match last.ident.to_string().as_str() {
        "Key" => Some(first),
        "Option" => key_target(first),
        _ => None,
    }
}

/// A field's `default` as a `DefaultValue` (its fit to the column's type is
/// checked by validation, as for TOML).
fn default_tokens(value: Option<(&syn::Lit, bool)>) -> TokenStream {
    let value = match value {
        Some((syn::Lit::Str(s), _)) => {
            quote!(::model_core::__private::DefaultValue::Text(::model_core::__private::s(#s)))
        }
        Some((syn::Lit::Bool(b), _)) => quote!(::model_core::__private::DefaultValue::Bool(#b)),
        Some((syn::Lit::Int(n), negative)) => {
            let n = n.base10_parse::<i64>().unwrap_or_default();
            let n = if negative { -n } else { n };
            quote!(::model_core::__private::DefaultValue::Int(#n))
        }
        Some((syn::Lit::Float(x), negative)) => {
            let digits = format!("{}{}", if negative { "-" } else { "" }, x.base10_digits());
            quote!(::model_core::__private::DefaultValue::Decimal(::model_core::__private::s(#digits)))
        }
        // No default; attr.rs admits no other literal.
        None | Some(_) => return quote!(::model_core::__private::None),
    };
    quote!(::model_core::__private::Some(#value))
}

fn opt_str(value: Option<&LitStr>) -> TokenStream {
    if let Some(s) = value {
        quote!(::model_core::__private::Some(::model_core::__private::s(#s)))
    } else {
        quote!(::model_core::__private::None)
    }
}

fn scd_tokens(n: u8) -> TokenStream {
    match n {
        0 => quote!(::model_core::__private::ScdType::Fixed),
        1 => quote!(::model_core::__private::ScdType::Overwrite),
        _ => quote!(::model_core::__private::ScdType::History),
    }
}

fn column_list(names: &[String]) -> TokenStream {
    quote!(::model_core::__private::Vec::from([#(::model_core::__private::s(#names)),*]))
}

#[allow(clippy::too_many_lines)]
fn expand(derive: Derive, input: &DeriveInput, errors: &mut Errors) -> TokenStream {
    let ident = &input.ident;
    let container = attr::parse(&input.attrs, Position::Container, derive, errors);
    if !input.generics.params.is_empty() {
        errors.push(
            input.generics.span(),
            format!("#[derive({})] does not support generic types", derive.name()),
        );
    }
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        errors.push(
            ident.span(),
            format!(
                "#[derive({})] needs a struct with named fields, one per column",
                derive.name()
            ),
        );
        return TokenStream::new();
    };

    let mut fields: Vec<Field<'_>> = Vec::new();
    for f in &named.named {
        let Some(fident) = f.ident.as_ref() else { continue };
        let attrs = attr::parse(&f.attrs, Position::Field, derive, errors);
        if attrs.flag("skip") {
            continue;
        }
        let column = attrs
            .str("name")
            .map_or_else(|| attr::screaming_snake(&fident.to_string()), LitStr::value);
        fields.push(Field {
            ident: fident,
            ty: &f.ty,
            dimension: key_target(&f.ty),
            attrs,
            column,
        });
    }

    // Rules that span several attributes.
    for f in &fields {
        if f.dimension.is_some() {
            for key in [
                "sql_type",
                "measure",
                "degenerate",
                "natural_key",
                "scd",
                "weight",
                "group",
            ] {
                if let Some(span) = f.attrs.span(key) {
                    errors.push(
                        span,
                        format!(
                            "`{key}` does not apply to `{}`: a `Key<...>` field is a reference to a dimension",
                            f.ident
                        ),
                    );
                }
            }
        } else {
            for key in ["role", "between"] {
                if let Some(span) = f.attrs.span(key) {
                    errors.push(
                        span,
                        format!(
                            "`{key}` applies to references: make `{}` a `Key<Dimension>` field",
                            f.ident
                        ),
                    );
                }
            }
        }
        if f.attrs.flag("between") {
            if let Some(span) = f.attrs.span("name") {
                errors.push(
                    span,
                    "a bridge's reference column is named after the dimension's key; remove `name`",
                );
            }
            // dimgen defines a bridge end completely: NOT NULL, commented, never PII.
            for key in [
                "nullable",
                "comment",
                "pii",
                "role",
                "grain",
                "effective_from",
                "effective_to",
                "current",
            ] {
                if let Some(span) = f.attrs.span(key) {
                    errors.push(
                        span,
                        format!(
                            "`{key}` has no effect on `{}`: dimgen defines a bridge's reference columns itself",
                            f.ident
                        ),
                    );
                }
            }
            if key_target(f.ty).is_some() && !is_key(f.ty) {
                errors.push(
                    f.ty.span(),
                    "a bridge's reference is never NULL: write `Key<...>`, not `Option<Key<...>>`",
                );
            }
        }
    }
    let field_names: Vec<&Ident> = fields.iter().map(|f| f.ident).collect();
    for listed in container.fields("cluster_by") {
        if !field_names.contains(&listed) {
            errors.push(
                listed.span(),
                format!("`cluster_by` names `{listed}`, which is not a field of `{ident}`"),
            );
        }
    }
    // A cluster column: a bridge end is named after its dimension's key, known only at run time.
    let column_of = |listed: &Ident| -> TokenStream {
        match fields.iter().find(|f| f.ident == listed) {
            Some(f) if derive == Derive::Bridge && f.attrs.flag("between") => match f.dimension {
                Some(dim) => quote!(::model_core::__private::key_of::<#dim>()),
                None => TokenStream::new(),
            },
            Some(f) => {
                let column = &f.column;
                quote!(::model_core::__private::s(#column))
            }
            None => {
                let column = listed.to_string();
                quote!(::model_core::__private::s(#column))
            }
        }
    };

    let name = container
        .str("name")
        .map_or_else(|| attr::screaming_snake(&ident.to_string()), LitStr::value);
    let comment = opt_str(container.str("comment"));
    let cluster_columns: Vec<TokenStream> = container.fields("cluster_by").iter().map(column_of).collect();
    let cluster_by = quote!(::model_core::__private::Vec::from([#(#cluster_columns),*]));
    let table_renamed_from = opt_str(container.str("renamed_from"));

    let mut checks = Vec::new();
    let mut columns = Vec::new();
    let mut rust_fields = Vec::new();
    let mut between = Vec::new();
    for f in &fields {
        if derive == Derive::Bridge && f.attrs.flag("between") {
            if let Some(dim) = f.dimension {
                between.push(dim);
                checks.push(quote_spanned!(dim.span()=> ::model_core::__private::assert_dimension::<#dim>();));
            }
            continue;
        }
        let ty = f.ty;
        let column = &f.column;
        let data_type = if let Some(spelling) = f.attrs.str("sql_type") {
            // Checked at compile time: a misspelt type fails here, at the literal.
            quote_spanned!(spelling.span()=> {
                const TYPE: ::model_core::__private::DataType =
                    ::model_core::__private::spelled(::model_core::__private::DataType::from_spelling(#spelling));
                TYPE
            })
        } else {
            quote_spanned!(ty.span()=> <#ty as ::model_core::SqlType>::data_type())
        };
        // Natural-key and grain columns identify rows: never NULL, whatever
        // the type says (the lowering applies it; `nullable = true` on one is
        // refused here, at its tokens).
        let identifies = f.attrs.flag("natural_key") || f.attrs.flag("grain");
        let nullable = optional(f.attrs.bool("nullable").map(|b| quote!(#b)));
        let implied_nullable =
            quote_spanned!(ty.span()=> ::model_core::__private::Some(<#ty as ::model_core::SqlType>::NULLABLE));
        if identifies && f.attrs.bool("nullable") == Some(true) {
            errors.push(
                f.attrs.span("nullable").unwrap_or_else(Span::call_site),
                format!(
                    "`{}` identifies rows (natural key or grain), so it cannot be nullable",
                    f.ident
                ),
            );
        }
        let none = quote!(::model_core::__private::None);
        let (mut sql_type, mut references, mut role, mut measure, mut over_tokens, mut degenerate, mut scd) = (
            quote!(::model_core::__private::Some(::model_core::__private::Some(#data_type))),
            none.clone(),
            none.clone(),
            none.clone(),
            none.clone(),
            none.clone(),
            none.clone(),
        );
        if let Some(dim) = f.dimension {
            checks.push(quote_spanned!(dim.span()=> ::model_core::__private::assert_dimension::<#dim>();));
            sql_type = none.clone();
            role = opt_str(f.attrs.str("role"));
            references = quote!(::model_core::__private::Some(
                ::model_core::__private::s(<#dim as ::model_core::Table>::NAME)
            ));
        } else if let Some((additivity, _)) = f.attrs.choice("measure") {
            checks.push(quote_spanned!(ty.span()=> ::model_core::__private::assert_numeric::<#ty>();));
            let additivity = match additivity {
                "semi_additive" => quote!(SemiAdditive),
                "non_additive" => quote!(NonAdditive),
                _ => quote!(Additive),
            };
            let over = match f.attrs.fields("over") {
                [] => quote!(::model_core::__private::None),
                [field] => {
                    let column = fields
                        .iter()
                        .find(|g| g.ident == field)
                        .map_or_else(|| field.to_string(), |g| g.column.clone());
                    if !fields.iter().any(|g| g.ident == field && g.dimension.is_some()) {
                        errors.push(
                            field.span(),
                            format!("`over` names `{field}`, which is not a `Key<...>` field of `{ident}`"),
                        );
                    }
                    quote!(::model_core::__private::Some(::model_core::__private::s(#column)))
                }
                [_, second, ..] => {
                    errors.push(
                        second.span(),
                        "`over` names one field: the time reference, e.g. `over(snapshot_date)`",
                    );
                    quote!(::model_core::__private::None)
                }
            };
            measure = quote!(::model_core::__private::Some(::model_core::__private::Additivity::#additivity));
            over_tokens = over;
        } else if f.attrs.flag("degenerate") {
            degenerate = quote!(::model_core::__private::Some(true));
        } else if let Some((n, _)) = f.attrs.int("scd") {
            let tokens = scd_tokens(n);
            scd = quote!(::model_core::__private::Some(#tokens));
        }
        if let (Some(span), None) = (f.attrs.span("over"), f.attrs.choice("measure")) {
            errors.push(
                span,
                "`over` only applies to a semi-additive measure: add `measure = \"semi_additive\"` or remove it",
            );
        }
        let col_comment = opt_str(f.attrs.str("comment"));
        let renamed_from = opt_str(f.attrs.str("renamed_from"));
        let default = default_tokens(f.attrs.literal("default"));
        let pii = if f.attrs.flag("pii") {
            quote!(::model_core::__private::Some(::model_core::__private::PiiClass::Other))
        } else if let Some((class, _)) = f.attrs.choice("pii") {
            let variant = Ident::new(&pascal(class), Span::call_site());
            quote!(::model_core::__private::Some(::model_core::__private::PiiClass::#variant))
        } else {
            quote!(::model_core::__private::None)
        };
        let mask = if let Some((word, _)) = f.attrs.choice("mask") {
            let variant = Ident::new(&pascal(word), Span::call_site());
            quote!(::model_core::__private::Some(::model_core::__private::Mask::#variant))
        } else {
            quote!(::model_core::__private::None)
        };
        columns.push(quote! {
            ::model_core::lower::ColumnDecl {
                name: ::model_core::__private::s(#column),
                sql_type: #sql_type,
                references: #references,
                role: #role,
                measure: #measure,
                over: #over_tokens,
                degenerate: #degenerate,
                scd: #scd,
                nullable: #nullable,
                implied_nullable: #implied_nullable,
                comment: #col_comment,
                pii: #pii,
                mask: #mask,
                renamed_from: #renamed_from,
                default: #default,
            }
        });
        rust_fields.push(f.ident.to_string());
    }

    let flagged = |flag: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|f| f.attrs.flag(flag))
            .map(|f| f.column.clone())
            .collect()
    };

    let definition = match derive {
        Derive::Dimension => {
            let natural_key = flagged("natural_key");
            let scd = container.int("scd");
            let history = scd.is_some_and(|(n, _)| n == 2)
                || fields.iter().any(|f| f.attrs.int("scd").is_some_and(|(n, _)| n == 2));
            if history && natural_key.is_empty() {
                let span = scd
                    .filter(|(n, _)| *n == 2)
                    .map(|(_, s)| s)
                    .or_else(|| {
                        fields
                            .iter()
                            .find_map(|f| f.attrs.int("scd").filter(|(n, _)| *n == 2).map(|(_, s)| s))
                    })
                    .unwrap_or_else(|| ident.span());
                errors.push(
                    span,
                    format!(
                        "`{ident}` keeps SCD2 history but has no natural key: mark the business key with #[model(natural_key)]"
                    ),
                );
            }
            let generation_tokens = optional(container.choice("key_generation").map(|(g, _)| generation_tokens(g)));
            let key = opt_str(container.str("key"));
            let scd = optional(scd.map(|(n, _)| scd_tokens(n)));
            let unknown_member = optional(container.bool("unknown_member").map(|b| quote!(#b)));
            let natural_key = column_list(&natural_key);
            quote! {
                ::model_core::TableDef::Dimension(::model_core::lower::DimensionDecl {
                    name: ::model_core::__private::s(#name),
                    comment: #comment,
                    scd: #scd,
                    key: #key,
                    key_generation: #generation_tokens,
                    natural_key: #natural_key,
                    unknown_member: #unknown_member,
                    columns: ::model_core::__private::Vec::from([#(#columns),*]),
                    cluster_by: #cluster_by,
                    renamed_from: #table_renamed_from,
                    generate: ::model_core::__private::None,
                })
            }
        }
        Derive::Fact => {
            let generation = match container.choice("key_generation") {
                Some((g, span)) if !model_vocab::FACT_KEY_GENERATIONS.contains(&g) => {
                    errors.push(
                        span,
                        "facts cannot use `key_generation = \"natural\"`: use \"identity\" or \"sequence\"",
                    );
                    None
                }
                other => other.map(|(g, _)| g),
            };
            let generation_tokens = optional(generation.map(generation_tokens));
            let key = opt_str(container.str("key"));
            let fact_type = optional(container.choice("fact_type").map(|(t, _)| {
                let variant = match t {
                    "periodic_snapshot" => quote!(PeriodicSnapshot),
                    "accumulating_snapshot" => quote!(AccumulatingSnapshot),
                    "factless" => quote!(Factless),
                    _ => quote!(Transaction),
                };
                quote!(::model_core::__private::FactType::#variant)
            }));
            let grain = opt_str(container.str("grain"));
            let grain_columns = column_list(&flagged("grain"));
            quote! {
                ::model_core::TableDef::Fact(::model_core::lower::FactDecl {
                    name: ::model_core::__private::s(#name),
                    comment: #comment,
                    fact_type: #fact_type,
                    grain: #grain,
                    grain_columns: #grain_columns,
                    key: #key,
                    key_generation: #generation_tokens,
                    columns: ::model_core::__private::Vec::from([#(#columns),*]),
                    cluster_by: #cluster_by,
                    renamed_from: #table_renamed_from,
                })
            }
        }
        Derive::Bridge => {
            if between.len() != 2 {
                errors.push(
                    ident.span(),
                    format!(
                        "bridge `{ident}` needs exactly two `#[model(between)] field: Key<Dimension>` fields, one per dimension it joins; found {}",
                        between.len()
                    ),
                );
            }
            let mut single = |flag: &str| -> TokenStream {
                let found = flagged(flag);
                for extra in fields.iter().filter(|f| f.attrs.flag(flag)).skip(1) {
                    errors.push(
                        extra.ident.span(),
                        format!("only one field of `{ident}` can be `#[model({flag})]`"),
                    );
                }
                opt_str(found.first().map(|c| LitStr::new(c, Span::call_site())).as_ref())
            };
            let weight = single("weight");
            let group = single("group");
            let from = flagged("effective_from");
            let to = flagged("effective_to");
            let current = single("current");
            let effective = match (from.first(), to.first()) {
                (Some(from), Some(to)) => {
                    quote!(::model_core::__private::Some(::model_core::__private::EffectiveDating {
                        from: ::model_core::__private::s(#from),
                        to: ::model_core::__private::s(#to),
                        current: #current,
                    }))
                }
                (None, None) => quote!(::model_core::__private::None),
                _ => {
                    errors.push(
                        ident.span(),
                        format!("bridge `{ident}` is effective-dated: mark one field `effective_from` and one `effective_to`"),
                    );
                    quote!(::model_core::__private::None)
                }
            };
            quote! {
                ::model_core::TableDef::Bridge(::model_core::lower::BridgeDecl {
                    name: ::model_core::__private::s(#name),
                    comment: #comment,
                    dimensions: ::model_core::__private::Vec::from([
                        #(::model_core::__private::s(<#between as ::model_core::Table>::NAME)),*
                    ]),
                    weight: #weight,
                    group: #group,
                    effective: #effective,
                    columns: ::model_core::__private::Vec::from([#(#columns),*]),
                    cluster_by: #cluster_by,
                    renamed_from: #table_renamed_from,
                })
            }
        }
    };

    let rust_name = ident.to_string();
    let kind_trait = Ident::new(derive.name(), Span::call_site());
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::model_core::Table for #ident {
                const NAME: &'static str = #name;
                const RUST_NAME: &'static str = #rust_name;
                fn definition() -> ::model_core::TableDef {
                    #(#checks)*
                    #definition
                }
                fn fields() -> &'static [&'static str] {
                    &[#(#rust_fields),*]
                }
            }
            #[automatically_derived]
            impl ::model_core::#kind_trait for #ident {}
        };
    }
}

/// `Some(tokens)` or `None`, as the declaration's optional field.
fn optional(tokens: Option<TokenStream>) -> TokenStream {
    tokens.map_or_else(
        || quote!(::model_core::__private::None),
        |t| quote!(::model_core::__private::Some(#t)),
    )
}

fn generation_tokens(generation: &str) -> TokenStream {
    match generation {
        "sequence" => quote!(::model_core::__private::KeyGeneration::Sequence),
        "natural" => quote!(::model_core::__private::KeyGeneration::Natural),
        _ => quote!(::model_core::__private::KeyGeneration::Identity),
    }
}

/// A vocabulary word as its enum variant: `birth_date` → `BirthDate`.
fn pascal(word: &str) -> String {
    word.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
