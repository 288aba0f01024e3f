//! Parsing `#[model(...)]` attributes: one table of keys for containers and
//! one for fields, each saying which derive it belongs to and what value it
//! takes. Every mistake is recorded at its own tokens and parsing goes on, so
//! a user with three typos sees three errors.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, Lit, LitStr, Token};

/// Which derive is being expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Dimension,
    Fact,
    Bridge,
}

impl Derive {
    pub fn name(self) -> &'static str {
        match self {
            Self::Dimension => "Dimension",
            Self::Fact => "Fact",
            Self::Bridge => "Bridge",
        }
    }
}

/// What a key takes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `key = "text"`.
    Str,
    /// `key = 2` within 0..=max.
    Int(u8),
    /// `key` or `key = true|false`.
    Bool,
    /// `key` alone.
    Flag,
    /// `key = "one of these"`.
    Choice(&'static [&'static str]),
    /// `key(field, field)`.
    Fields,
    /// `key = "text" | 12 | -1.5 | true`: a constant.
    Literal,
    /// `key` alone, or `key = "one of these"`.
    FlagOrChoice(&'static [&'static str]),
}

struct KeyDef {
    name: &'static str,
    kind: Kind,
    on: &'static [Derive],
    /// Why it belongs where it does, for the wrong-derive error.
    why: &'static str,
}

const ALL: &[Derive] = &[Derive::Dimension, Derive::Fact, Derive::Bridge];
const DIM: &[Derive] = &[Derive::Dimension];
const FACT: &[Derive] = &[Derive::Fact];
const BRIDGE: &[Derive] = &[Derive::Bridge];
const DIM_FACT: &[Derive] = &[Derive::Dimension, Derive::Fact];

use model_vocab::{ADDITIVITIES, DIMENSION_KEY_GENERATIONS as KEY_GENERATIONS, FACT_TYPES};

const CONTAINER_KEYS: &[KeyDef] = &[
    KeyDef {
        name: "name",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "comment",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "cluster_by",
        kind: Kind::Fields,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "renamed_from",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "scd",
        kind: Kind::Int(2),
        on: DIM,
        why: "only dimensions keep SCD history",
    },
    KeyDef {
        name: "key",
        kind: Kind::Str,
        on: DIM_FACT,
        why: "bridges have no surrogate key",
    },
    KeyDef {
        name: "key_generation",
        kind: Kind::Choice(KEY_GENERATIONS),
        on: DIM_FACT,
        why: "bridges have no surrogate key",
    },
    KeyDef {
        name: "unknown_member",
        kind: Kind::Bool,
        on: DIM,
        why: "only dimensions have an unknown member",
    },
    KeyDef {
        name: "fact_type",
        kind: Kind::Choice(FACT_TYPES),
        on: FACT,
        why: "it is the kind of fact table",
    },
    KeyDef {
        name: "grain",
        kind: Kind::Str,
        on: FACT,
        why: "the grain is what one fact row means",
    },
];

const FIELD_KEYS: &[KeyDef] = &[
    KeyDef {
        name: "name",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "comment",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "sql_type",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "nullable",
        kind: Kind::Bool,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "pii",
        kind: Kind::FlagOrChoice(model_vocab::PII_CLASSES),
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "mask",
        kind: Kind::Choice(model_vocab::MASKS),
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "renamed_from",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "default",
        kind: Kind::Literal,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "role",
        kind: Kind::Str,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "skip",
        kind: Kind::Flag,
        on: ALL,
        why: "",
    },
    KeyDef {
        name: "scd",
        kind: Kind::Int(2),
        on: DIM,
        why: "only dimension attributes keep SCD history",
    },
    KeyDef {
        name: "natural_key",
        kind: Kind::Flag,
        on: DIM,
        why: "the natural key identifies a dimension member",
    },
    KeyDef {
        name: "measure",
        kind: Kind::Choice(ADDITIVITIES),
        on: FACT,
        why: "measures belong to facts; a dimension describes its members with attributes",
    },
    KeyDef {
        name: "over",
        kind: Kind::Fields,
        on: FACT,
        why: "it names the time reference a semi-additive measure is not summed across",
    },
    KeyDef {
        name: "degenerate",
        kind: Kind::Flag,
        on: FACT,
        why: "degenerate dimensions live on facts",
    },
    KeyDef {
        name: "grain",
        kind: Kind::Flag,
        on: FACT,
        why: "the grain is what one fact row means",
    },
    KeyDef {
        name: "between",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it marks the two dimensions a bridge joins",
    },
    KeyDef {
        name: "weight",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it marks a bridge's weighting factor",
    },
    KeyDef {
        name: "group",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it marks a bridge's group key",
    },
    KeyDef {
        name: "effective_from",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it dates bridge rows",
    },
    KeyDef {
        name: "effective_to",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it dates bridge rows",
    },
    KeyDef {
        name: "current",
        kind: Kind::Flag,
        on: BRIDGE,
        why: "it flags current bridge rows",
    },
];

/// A parsed value with the span of its tokens.
#[derive(Clone)]
pub enum Value {
    Str(LitStr),
    Int(u8, Span),
    Bool(bool, Span),
    Flag(Span),
    Choice(String, Span),
    Fields(Vec<Ident>, Span),
    /// A constant as written: the literal, and whether a `-` precedes it.
    Literal(Lit, bool, Span),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Self::Str(s) => s.span(),
            Self::Int(_, s)
            | Self::Bool(_, s)
            | Self::Flag(s)
            | Self::Choice(_, s)
            | Self::Fields(_, s)
            | Self::Literal(_, _, s) => *s,
        }
    }
}

/// The keys of one container's or field's `#[model(...)]` attributes.
#[derive(Default, Clone)]
pub struct Attrs {
    values: BTreeMap<&'static str, Value>,
}

impl Attrs {
    pub fn str(&self, key: &str) -> Option<&LitStr> {
        match self.values.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self, key: &str) -> Option<(u8, Span)> {
        match self.values.get(key) {
            Some(Value::Int(n, span)) => Some((*n, *span)),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.values.get(key) {
            Some(Value::Bool(b, _)) => Some(*b),
            _ => None,
        }
    }

    /// A constant: the literal and whether it is negated.
    pub fn literal(&self, key: &str) -> Option<(&Lit, bool)> {
        match self.values.get(key) {
            Some(Value::Literal(lit, negative, _)) => Some((lit, *negative)),
            _ => None,
        }
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.values.get(key), Some(Value::Flag(_)))
    }

    pub fn choice(&self, key: &str) -> Option<(&str, Span)> {
        match self.values.get(key) {
            Some(Value::Choice(c, span)) => Some((c.as_str(), *span)),
            _ => None,
        }
    }

    pub fn fields(&self, key: &str) -> &[Ident] {
        match self.values.get(key) {
            Some(Value::Fields(f, _)) => f,
            _ => &[],
        }
    }

    pub fn span(&self, key: &str) -> Option<Span> {
        self.values.get(key).map(Value::span)
    }
}

/// Errors collected while expanding; all are reported together.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_compile_errors(self) -> proc_macro2::TokenStream {
        self.0.into_iter().map(|e| e.to_compile_error()).collect()
    }
}

/// Where the attribute sits.
#[derive(Clone, Copy)]
pub enum Position {
    Container,
    Field,
}

fn table(position: Position) -> &'static [KeyDef] {
    match position {
        Position::Container => CONTAINER_KEYS,
        Position::Field => FIELD_KEYS,
    }
}

fn place(position: Position, derive: Derive) -> String {
    match position {
        Position::Container => format!("#[derive({})] type", derive.name()),
        Position::Field => format!("field of a #[derive({})] type", derive.name()),
    }
}

/// Parse every `#[model(...)]` among `attrs`.
pub fn parse(attrs: &[Attribute], position: Position, derive: Derive, errors: &mut Errors) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        if let syn::Meta::Path(path) = &attr.meta {
            errors.push(path.span(), "write the keys inside: `#[model(key = value, ...)]`");
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            parse_one(&meta, position, derive, &mut out, errors);
            Ok(())
        });
        if let Err(e) = result {
            errors.0.push(e);
        }
    }
    out
}

fn suggestion(key: &str, candidates: &[&str]) -> Option<&'static str> {
    let all = CONTAINER_KEYS.iter().chain(FIELD_KEYS).map(|k| k.name);
    all.filter(|c| candidates.contains(c))
        .map(|c| (strsim::jaro_winkler(c, key), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Consume whatever value follows a key we refuse, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(Token![=]) {
        let _ = meta.value().and_then(syn::parse::ParseBuffer::parse::<syn::Expr>);
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.input.parse::<proc_macro2::Group>();
    }
}

fn parse_one(meta: &ParseNestedMeta<'_>, position: Position, derive: Derive, out: &mut Attrs, errors: &mut Errors) {
    let path_span = meta.path.span();
    let Some(ident) = meta.path.get_ident() else {
        errors.push(path_span, "expected a key such as `name` or `comment`");
        skip_value(meta);
        return;
    };
    let key = ident.to_string();
    let keys = table(position);
    let valid: Vec<&str> = keys.iter().filter(|k| k.on.contains(&derive)).map(|k| k.name).collect();
    let Some(def) = keys.iter().find(|k| k.name == key) else {
        let hint = suggestion(&key, &valid)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        errors.push(
            path_span,
            format!(
                "unknown key `{key}` on a {}; {hint}expected one of: {}",
                place(position, derive),
                valid.join(", ")
            ),
        );
        skip_value(meta);
        return;
    };
    if !def.on.contains(&derive) {
        let belongs: Vec<String> = def.on.iter().map(|d| format!("#[derive({})]", d.name())).collect();
        let what = match position {
            Position::Container => "types",
            Position::Field => "fields",
        };
        errors.push(
            path_span,
            format!(
                "`{key}` does not belong on a {}: it goes on {what} of {} ({})",
                place(position, derive),
                belongs.join(" or "),
                def.why
            ),
        );
        skip_value(meta);
        return;
    }
    let Some(value) = parse_value(meta, &key, def.kind, path_span, errors) else {
        return;
    };
    if let Some(first) = out.values.get(def.name) {
        let mut err = syn::Error::new(path_span, format!("duplicate key `{key}`"));
        err.combine(syn::Error::new(first.span(), format!("`{key}` first set here")));
        errors.0.push(err);
        return;
    }
    out.values.insert(def.name, value);
}

fn parse_value(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    kind: Kind,
    path_span: Span,
    errors: &mut Errors,
) -> Option<Value> {
    let wants_eq = matches!(kind, Kind::Str | Kind::Int(_) | Kind::Choice(_) | Kind::Literal);
    // `FlagOrChoice` takes either form, settled below.
    let has_eq = meta.input.peek(Token![=]);
    let form = match kind {
        Kind::Str => format!("`{key} = \"...\"`"),
        Kind::Int(max) => format!("`{key} = N` with N in 0..={max}"),
        Kind::Bool => format!("`{key}` or `{key} = false`"),
        Kind::Flag => format!("`{key}` alone"),
        Kind::Choice(choices) => format!("`{key} = \"{}\"`", choices.join("\" | \"")),
        Kind::Fields => format!("`{key}(field, ...)`"),
        Kind::Literal => format!("`{key} = \"text\"`, `{key} = 0`, `{key} = 1.5` or `{key} = true`"),
        Kind::FlagOrChoice(choices) => format!("`{key}` or `{key} = \"{}\"`", choices.join("\" | \"")),
    };
    if wants_eq && !has_eq {
        errors.push(path_span, format!("`{key}` needs a value: write {form}"));
        skip_value(meta);
        return None;
    }
    let kind = match kind {
        Kind::FlagOrChoice(_) if !has_eq => {
            if meta.input.peek(syn::token::Paren) {
                errors.push(path_span, format!("`{key}` takes no list: write {form}"));
                skip_value(meta);
                return None;
            }
            return Some(Value::Flag(path_span));
        }
        Kind::FlagOrChoice(choices) => Kind::Choice(choices),
        other => other,
    };
    match kind {
        Kind::Flag => {
            if has_eq || meta.input.peek(syn::token::Paren) {
                errors.push(path_span, format!("`{key}` is a flag and takes no value: write {form}"));
                skip_value(meta);
                return None;
            }
            Some(Value::Flag(path_span))
        }
        Kind::Bool => {
            if !has_eq {
                return Some(Value::Bool(true, path_span));
            }
            match meta.value().and_then(syn::parse::ParseBuffer::parse::<syn::Expr>) {
                Ok(syn::Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. })) => Some(Value::Bool(b.value, b.span())),
                Ok(other) => {
                    errors.push(other.span(), format!("`{key}` takes `true` or `false`: write {form}"));
                    None
                }
                Err(e) => {
                    errors.0.push(e);
                    None
                }
            }
        }
        Kind::Literal => {
            let expr = match meta.value().and_then(syn::parse::ParseBuffer::parse::<syn::Expr>) {
                Ok(expr) => expr,
                Err(e) => {
                    errors.0.push(e);
                    return None;
                }
            };
            let span = expr.span();
            let (lit, negative) = match expr {
                syn::Expr::Lit(syn::ExprLit { lit, .. }) => (lit, false),
                syn::Expr::Unary(syn::ExprUnary {
                    op: syn::UnOp::Neg(_),
                    expr,
                    ..
                }) => match *expr {
                    syn::Expr::Lit(syn::ExprLit { lit, .. }) => (lit, true),
                    other => {
                        errors.push(other.span(), format!("`{key}` takes a constant: write {form}"));
                        return None;
                    }
                },
                other => {
                    errors.push(other.span(), format!("`{key}` takes a constant: write {form}"));
                    return None;
                }
            };
            let fits = match &lit {
                Lit::Str(_) | Lit::Bool(_) => !negative,
                Lit::Int(n) => n.base10_parse::<i64>().is_ok(),
                Lit::Float(x) => x.base10_digits().bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                _ => false,
            };
            if !fits {
                errors.push(
                    span,
                    format!("`{key}` takes a string, an i64 integer, a plain decimal or a boolean: write {form}"),
                );
                return None;
            }
            Some(Value::Literal(lit, negative, span))
        }
        Kind::Fields => {
            if !meta.input.peek(syn::token::Paren) {
                errors.push(path_span, format!("`{key}` takes a list of fields: write {form}"));
                skip_value(meta);
                return None;
            }
            let mut fields = Vec::new();
            let result = meta.parse_nested_meta(|inner| {
                match inner.path.get_ident() {
                    Some(ident) if inner.input.is_empty() || inner.input.peek(Token![,]) => fields.push(ident.clone()),
                    _ => {
                        errors.push(inner.path.span(), format!("`{key}` lists field names: write {form}"));
                        skip_value(&inner);
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.0.push(e);
            }
            Some(Value::Fields(fields, path_span))
        }
        Kind::Str | Kind::Int(_) | Kind::Choice(_) | Kind::FlagOrChoice(_) => {
            // Parse any expression so that a non-literal is consumed and reported once.
            let lit = match meta.value().and_then(syn::parse::ParseBuffer::parse::<syn::Expr>) {
                Ok(syn::Expr::Lit(syn::ExprLit { lit, .. })) => lit,
                Ok(other) => {
                    errors.push(other.span(), format!("`{key}` takes a literal: write {form}"));
                    return None;
                }
                Err(e) => {
                    errors.0.push(e);
                    return None;
                }
            };
            match (kind, lit) {
                (Kind::Str, Lit::Str(s)) => Some(Value::Str(s)),
                (Kind::Int(max), Lit::Int(n)) => match n.base10_parse::<u8>() {
                    Ok(v) if v <= max => Some(Value::Int(v, n.span())),
                    _ => {
                        errors.push(n.span(), format!("`{key}` must be one of 0..={max}"));
                        None
                    }
                },
                (Kind::Choice(choices), Lit::Str(s)) => {
                    let v = s.value();
                    if choices.contains(&v.as_str()) {
                        Some(Value::Choice(v, s.span()))
                    } else {
                        errors.push(
                            s.span(),
                            format!(
                                "invalid `{key}` \"{v}\": expected one of \"{}\"",
                                choices.join("\", \"")
                            ),
                        );
                        None
                    }
                }
                (_, other) => {
                    let wanted = match kind {
                        Kind::Int(_) => "an integer",
                        _ => "a string",
                    };
                    errors.push(other.span(), format!("`{key}` takes {wanted}: write {form}"));
                    None
                }
            }
        }
    }
}

pub use model_vocab::screaming_snake;
