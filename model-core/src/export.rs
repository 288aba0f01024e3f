//! Writing a model back as TOML, so that a model declared in Rust can be used
//! with the CLI (and read, diffed and edited by hand).
//!
//! The document has the layout of the models in `schemas/`: the top-level
//! keys, one `[environments.NAME]` table per environment, then
//! `[[dimension]]`, `[[fact]]` and `[[bridge]]` tables in model order, each
//! with its `columns = [ ... ]` written one inline table per line. A key is
//! written only when its value differs from what the loader assumes without
//! it, so the export reads like a file written by hand.
//!
//! Every struct of the model is destructured field by field below: a field
//! added to the model is a compile error here until the export writes it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::load::default_key;
use crate::model::{
    Bridge, Column, ColumnKind, Dimension, EffectiveDating, Environment, Fact, FactType, Grain, KeyGeneration, Model,
    ScdType,
};

/// The model name the loader assumes when `name` is absent.
const DEFAULT_MODEL_NAME: &str = "model";
/// The dimension SCD type the loader assumes when `scd` is absent.
const DEFAULT_SCD: ScdType = ScdType::Overwrite;
/// The key generation the loader assumes when `key_generation` is absent.
const DEFAULT_KEY_GENERATION: KeyGeneration = KeyGeneration::Identity;
/// The fact type the loader assumes when `fact_type` is absent.
const DEFAULT_FACT_TYPE: FactType = FactType::Transaction;

/// Write a model as a TOML document in dimgen's model format; loading the
/// result with `load_str` gives back an equal `Model`.
///
/// The round trip holds for every model that loads from TOML: strings are
/// written exactly, whatever they contain, and defaults are left out only
/// where the loader puts the same value back. Types are written in their
/// canonical Snowflake spelling (`NUMBER(38,0)`, `VARCHAR(20)`). The output
/// depends only on the model: the same model gives the same text.
///
/// A model built in Rust can hold what TOML cannot say, and [`validate`]
/// does not (yet) refuse it: environments out of name order (the loader
/// sorts them) or two with one name (a TOML syntax error), a type outside
/// the ranges the loader accepts (`VARCHAR(0)`, `NUMBER(39,0)`,
/// `NUMBER(5,6)`), or a fact with `key_generation = "natural"`. Their
/// export is written as the model says, and loading it fails or reorders.
///
/// [`validate`]: crate::validate
///
/// ```
/// let text = r#"
/// database = "SHOP"
/// [environments.DEV]
/// schema = "DEV"
/// [[dimension]]
/// name = "DIM_CUSTOMER"
/// natural_key = "CUSTOMER_ID"
/// columns = [{ name = "CUSTOMER_ID", type = "int" }, { name = "CITY", type = "string" }]
/// "#;
/// let model = model_core::load_str("shop.toml", text).unwrap().model;
/// let exported = model_core::to_toml(&model);
/// assert!(exported.contains(r#"  { name = "CUSTOMER_ID", type = "NUMBER(38,0)" },"#));
/// assert_eq!(model_core::load_str("shop.toml", &exported).unwrap().model, model);
/// ```
pub fn to_toml(model: &Model) -> String {
    let Model {
        name,
        database,
        comment,
        environments,
        dimensions,
        facts,
        bridges,
    } = model;
    let mut doc = Document::default();
    if name != DEFAULT_MODEL_NAME {
        doc.field("name", &string(name));
    }
    doc.field("database", &string(database));
    doc.optional("comment", comment.as_deref());
    for environment in environments {
        doc.environment(environment);
    }
    for dimension in dimensions {
        doc.dimension(dimension);
    }
    for fact in facts {
        doc.fact(fact);
    }
    for bridge in bridges {
        doc.bridge(bridge);
    }
    doc.text
}

/// The document being written, line by line.
#[derive(Default)]
struct Document {
    text: String,
}

impl Document {
    /// A table header (`[environments.DEV]`, `[[dimension]]`), after a blank line.
    fn header(&mut self, header: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(header);
        self.text.push('\n');
    }

    /// `key = value`, the value already in TOML.
    fn field(&mut self, key: &str, value: &str) {
        self.text.push_str(key);
        self.text.push_str(" = ");
        self.text.push_str(value);
        self.text.push('\n');
    }

    /// `key = "value"` when there is a value.
    fn optional(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.field(key, &string(value));
        }
    }

    /// A list of column or table names: nothing when empty, a string for one
    /// name, an array otherwise (the loader's `Names` takes both).
    fn names(&mut self, key: &str, names: &[String]) {
        match names {
            [] => {}
            [one] => self.field(key, &string(one)),
            many => self.field(key, &array(many)),
        }
    }

    /// `columns = [`, one inline table per line, `]`; nothing when there are none.
    /// `identifying` lists the natural-key or grain columns, which are NOT NULL
    /// whatever they say, so their `nullable` is not written.
    fn columns(&mut self, columns: &[Column], identifying: &[String]) {
        if columns.is_empty() {
            return;
        }
        self.text.push_str("columns = [\n");
        for column in columns {
            self.text.push_str("  ");
            self.text
                .push_str(&self::column(column, identifying.contains(&column.name)));
            self.text.push_str(",\n");
        }
        self.text.push_str("]\n");
    }

    fn environment(&mut self, environment: &Environment) {
        let Environment { name, schema, vars } = environment;
        self.header(&format!("[environments.{}]", key(name)));
        self.field("schema", &string(schema));
        if !vars.is_empty() {
            self.field("vars", &variables(vars));
        }
    }

    fn dimension(&mut self, dimension: &Dimension) {
        let Dimension {
            name,
            comment,
            scd,
            key,
            key_generation,
            natural_key,
            unknown_member,
            columns,
            cluster_by,
        } = dimension;
        self.header("[[dimension]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        self.names("natural_key", natural_key);
        // Without `key`, the loader takes the natural key for a natural key
        // generation and derives `DIM_X` → `X_KEY` otherwise.
        let implied_key = match key_generation {
            KeyGeneration::Natural => natural_key.first().cloned().unwrap_or_default(),
            KeyGeneration::Identity | KeyGeneration::Sequence => default_key(name, "DIM_"),
        };
        if *key != implied_key {
            self.field("key", &string(key));
        }
        if *key_generation != DEFAULT_KEY_GENERATION {
            self.field("key_generation", &string(key_generation_str(*key_generation)));
        }
        if *scd != DEFAULT_SCD {
            self.field("scd", &scd.number().to_string());
        }
        if !unknown_member {
            self.field("unknown_member", "false");
        }
        self.names("cluster_by", cluster_by);
        self.columns(columns, natural_key);
    }

    fn fact(&mut self, fact: &Fact) {
        let Fact {
            name,
            comment,
            fact_type,
            grain,
            key,
            key_generation,
            columns,
            cluster_by,
        } = fact;
        let Grain {
            description,
            columns: grain_columns,
        } = grain;
        self.header("[[fact]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        if *fact_type != DEFAULT_FACT_TYPE {
            self.field("fact_type", &string(fact_type.as_str()));
        }
        self.optional("grain", description.as_deref());
        self.names("grain_columns", grain_columns);
        if *key != default_key(name, "FACT_") {
            self.field("key", &string(key));
        }
        if *key_generation != DEFAULT_KEY_GENERATION {
            self.field("key_generation", &string(key_generation_str(*key_generation)));
        }
        self.names("cluster_by", cluster_by);
        self.columns(columns, grain_columns);
    }

    fn bridge(&mut self, bridge: &Bridge) {
        let Bridge {
            name,
            comment,
            dimensions,
            weight,
            group,
            effective,
            columns,
            cluster_by,
        } = bridge;
        self.header("[[bridge]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        self.field("between", &array(dimensions));
        self.optional("group", group.as_deref());
        self.optional("weight", weight.as_deref());
        if let Some(EffectiveDating { from, to, current }) = effective {
            let mut pairs = vec![("from", string(from)), ("to", string(to))];
            if let Some(current) = current {
                pairs.push(("current", string(current)));
            }
            self.field("effective", &inline(&pairs));
        }
        self.names("cluster_by", cluster_by);
        self.columns(columns, &[]);
    }
}

/// One column as an inline table: `{ name = "X", type = "VARCHAR", ... }`.
fn column(column: &Column, identifying: bool) -> String {
    let Column {
        name,
        kind,
        nullable,
        comment,
        pii,
    } = column;
    let mut pairs = vec![("name", string(name))];
    match kind {
        ColumnKind::Attribute { sql_type, scd } => {
            pairs.push(("type", string(&sql_type.to_string())));
            // An attribute's own `scd` is written even when it equals the
            // dimension's: `None` and `Some(_)` are different models.
            if let Some(scd) = scd {
                pairs.push(("scd", scd.number().to_string()));
            }
        }
        ColumnKind::Reference { dimension, role } => {
            pairs.push(("references", string(dimension)));
            if let Some(role) = role {
                pairs.push(("role", string(role)));
            }
        }
        ColumnKind::Measure { sql_type, additivity } => {
            pairs.push(("type", string(&sql_type.to_string())));
            pairs.push(("measure", string(additivity.as_str())));
        }
        ColumnKind::Degenerate { sql_type } => {
            pairs.push(("type", string(&sql_type.to_string())));
            pairs.push(("degenerate", "true".to_owned()));
        }
    }
    if !identifying && *nullable != Column::default_nullable(kind) {
        pairs.push(("nullable", nullable.to_string()));
    }
    if *pii {
        pairs.push(("pii", "true".to_owned()));
    }
    if let Some(comment) = comment {
        pairs.push(("comment", string(comment)));
    }
    inline(&pairs)
}

/// `vars = { name = "value", ... }`, in the map's (sorted) order.
fn variables(vars: &BTreeMap<String, String>) -> String {
    let pairs: Vec<(String, String)> = vars.iter().map(|(name, value)| (key(name), string(value))).collect();
    inline(&pairs)
}

/// An inline table from keys and values already in TOML.
fn inline<K: AsRef<str>>(pairs: &[(K, String)]) -> String {
    if pairs.is_empty() {
        return "{}".to_owned();
    }
    let fields: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{} = {value}", key.as_ref()))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// An array of strings on one line: `["A", "B"]`.
fn array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| string(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The spelling of a key generation in model files.
fn key_generation_str(generation: KeyGeneration) -> &'static str {
    match generation {
        KeyGeneration::Identity => "identity",
        KeyGeneration::Sequence => "sequence",
        KeyGeneration::Natural => "natural",
    }
}

/// A TOML key: bare when TOML allows it (`A-Z a-z 0-9 _ -`), otherwise a
/// quoted string (`"dev env"`, `"über"`, `""`).
fn key(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { text.to_owned() } else { string(text) }
}

/// A TOML string on one line, decoding to exactly `text`.
///
/// The `toml` crate picks the form (a basic `"..."` string, or a literal
/// `'...'` one when that needs no escapes). Where it would pick a multi-line
/// string (text with a line break, or with both kinds of quotes), which would
/// break the one-column-per-line layout, the text is written as a basic
/// string with escapes instead.
fn string(text: &str) -> String {
    let formatted = toml::Value::String(text.to_owned()).to_string();
    let multi_line = formatted.starts_with("\"\"\"") || formatted.starts_with("'''") || formatted.contains('\n');
    if multi_line { basic_string(text) } else { formatted }
}

/// A basic TOML string: `"` and `\` escaped, line breaks and tabs as `\n`,
/// `\r`, `\t`, every other control character as `\uXXXX`.
fn basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                // Writing into a `String` cannot fail.
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataType;

    /// Hostile texts: quotes of both kinds, backslashes, line breaks, tabs,
    /// control characters, non-ASCII, placeholders and TOML syntax.
    const HOSTILE: &[&str] = &[
        "",
        " ",
        "plain",
        "it's",
        "dim \"quoted\"",
        "it's \"both\"",
        "back\\slash",
        "trailing backslash \\",
        "\\",
        "\"",
        "'",
        "'''",
        "\"\"\"",
        "''' and \"\"\"",
        "line\nbreak",
        "\nleading newline",
        "crlf\r\nline",
        "lone\rcarriage",
        "tab\there",
        "nul\u{0}byte",
        "bell\u{7}, escape\u{1b}, delete\u{7f}, c1\u{85}",
        "ÜBER_GRÖSSE, 尺寸, emoji 🚀",
        "\u{feff}byte order mark",
        "line\u{2028}separator",
        "${var} and $$ and $",
        "# not a comment",
        "a = \"b\" ]",
        "x'); DELETE FROM t; --",
        "\\u0041 is not an escape here",
    ];

    /// The value of `x` in a one-line TOML document.
    fn decode_value(value: &str) -> String {
        assert!(!value.contains('\n'), "not on one line: {value}");
        let table: toml::Table = toml::from_str(&format!("x = {value}\n")).unwrap_or_else(|e| panic!("{value}: {e}"));
        match table.get("x") {
            Some(toml::Value::String(s)) => s.clone(),
            other => panic!("{value} decoded to {other:?}"),
        }
    }

    #[test]
    fn strings_decode_to_exactly_what_was_written() {
        for text in HOSTILE {
            let written = string(text);
            assert_eq!(decode_value(&written), *text, "written as {written}");
            assert_eq!(decode_value(&basic_string(text)), *text, "basic string");
        }
    }

    #[test]
    fn strings_that_the_crate_writes_multi_line_stay_on_one_line() {
        assert_eq!(string("line\nbreak"), r#""line\nbreak""#);
        assert_eq!(string("it's \"both\""), r#""it's \"both\"""#);
        assert_eq!(string("crlf\r\nline"), r#""crlf\r\nline""#);
        assert_eq!(string("dim \"quoted\""), r#"'dim "quoted"'"#);
        assert_eq!(string("nul\u{0}"), r#""nul\u0000""#);
        assert_eq!(basic_string("tab\t\u{7f}"), r#""tab\t\u007F""#);
    }

    #[test]
    fn keys_are_bare_only_when_toml_allows() {
        assert_eq!(key("DEV"), "DEV");
        assert_eq!(key("dev-env_2"), "dev-env_2");
        assert_eq!(key("dev env"), r#""dev env""#);
        assert_eq!(key("a.b"), r#""a.b""#);
        assert_eq!(key("über"), r#""über""#);
        assert_eq!(key(""), r#""""#);
        for text in HOSTILE {
            let written = key(text);
            let table: toml::Table =
                toml::from_str(&format!("{written} = 1\n")).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(table.keys().collect::<Vec<_>>(), [*text], "written as {written}");
        }
    }

    /// Every type, so that a new variant is a compile error until listed here.
    fn every_type() -> Vec<DataType> {
        let all = vec![
            DataType::INTEGER,
            DataType::Number {
                precision: 20,
                scale: 2,
            },
            DataType::Number { precision: 1, scale: 0 },
            DataType::Number {
                precision: 38,
                scale: 38,
            },
            DataType::Float,
            DataType::Varchar(None),
            DataType::Varchar(Some(1)),
            DataType::Varchar(Some(16_777_216)),
            DataType::Boolean,
            DataType::Date,
            DataType::Time,
            DataType::TimestampNtz,
            DataType::TimestampLtz,
            DataType::TimestampTz,
            DataType::Variant,
            DataType::Object,
            DataType::Array,
            DataType::Binary,
        ];
        for ty in &all {
            match ty {
                DataType::Number { .. }
                | DataType::Float
                | DataType::Varchar(_)
                | DataType::Boolean
                | DataType::Date
                | DataType::Time
                | DataType::TimestampNtz
                | DataType::TimestampLtz
                | DataType::TimestampTz
                | DataType::Variant
                | DataType::Object
                | DataType::Array
                | DataType::Binary => {}
            }
        }
        all
    }

    #[test]
    fn canonical_type_spellings_parse_back() {
        for ty in every_type() {
            assert_eq!(DataType::parse(&ty.to_string()), Ok(ty), "{ty}");
        }
    }

    fn load(text: &str) -> Model {
        match crate::load_str("export.toml", text) {
            Ok(loaded) => loaded.model,
            Err(e) => panic!("{}\n{text}", e.diagnostics.render(100)),
        }
    }

    fn round_trip(text: &str) -> String {
        let model = load(text);
        let exported = to_toml(&model);
        assert_eq!(load(&exported), model, "{exported}");
        assert_eq!(to_toml(&load(&exported)), exported);
        exported
    }

    #[test]
    fn defaults_are_left_out() {
        let exported = round_trip(
            r#"
name = "model"
database = "DB"
[environments.DEV]
schema = "DEV"
vars = {}
[[dimension]]
name = "DIM_A"
key = "A_KEY"
key_generation = "identity"
scd = 1
unknown_member = true
natural_key = ["ID"]
columns = [
  { name = "ID", type = "int", nullable = false, pii = false, degenerate = false },
  { name = "B_KEY", references = "DIM_B", nullable = false },
]
[[dimension]]
name = "DIM_B"
key = "B_ID"
key_generation = "natural"
natural_key = "B_ID"
columns = [{ name = "B_ID", type = "int" }]
[[fact]]
name = "FACT_F"
key = "F_KEY"
fact_type = "transaction"
key_generation = "identity"
grain_columns = []
cluster_by = []
columns = [{ name = "A_KEY", references = "DIM_A" }]
"#,
        );
        assert_eq!(
            exported,
            r#"database = "DB"

[environments.DEV]
schema = "DEV"

[[dimension]]
name = "DIM_A"
natural_key = "ID"
columns = [
  { name = "ID", type = "NUMBER(38,0)" },
  { name = "B_KEY", references = "DIM_B" },
]

[[dimension]]
name = "DIM_B"
natural_key = "B_ID"
key_generation = "natural"
columns = [
  { name = "B_ID", type = "NUMBER(38,0)" },
]

[[fact]]
name = "FACT_F"
columns = [
  { name = "A_KEY", references = "DIM_A" },
]
"#
        );
    }

    #[test]
    fn values_other_than_the_defaults_are_written() {
        let exported = round_trip(
            r#"
name = "shop"
database = "DB"
comment = "c"
[environments."dev env"]
schema = "S"
vars = { "my var" = "x", b = "y\nz" }
[environments.PROD]
schema = "P"
vars = { "my var" = "1", b = "2" }
[[dimension]]
name = "dim_a"
key = "surrogate"
key_generation = "sequence"
scd = 2
unknown_member = false
natural_key = ["ID", "SRC"]
cluster_by = "ID"
columns = [
  { name = "ID", type = "varchar(20)", nullable = false, pii = true, comment = "the id" },
  { name = "SRC", type = "string", scd = 1 },
  { name = "NAME", type = "string", scd = 2 },
]
[[dimension]]
name = "DIM_B"
natural_key = "B"
columns = [{ name = "B", type = "int" }]
[[fact]]
name = "FACT_F"
key = "ROW_ID"
key_generation = "sequence"
fact_type = "periodic_snapshot"
grain = "one row per thing"
grain_columns = "DOC"
cluster_by = ["DOC", "AMOUNT"]
columns = [
  { name = "DOC", type = "varchar(9)", degenerate = true },
  { name = "A", references = "dim_a", role = "FIRST", nullable = true },
  { name = "AMOUNT", type = "number(12,2)", measure = "semi_additive" },
]
[[bridge]]
name = "BRIDGE_AB"
comment = "bridge"
between = ["dim_a", "DIM_B"]
group = "G"
weight = "W"
effective = { from = "F", to = "T", current = "C" }
cluster_by = ["G"]
columns = [
  { name = "G", type = "int" },
  { name = "W", type = "float" },
  { name = "F", type = "date" },
  { name = "T", type = "date" },
  { name = "C", type = "boolean" },
]
"#,
        );
        for expected in [
            "name = \"shop\"\n",
            "comment = \"c\"\n",
            "[environments.\"dev env\"]\n",
            "vars = { b = \"y\\nz\", \"my var\" = \"x\" }\n",
            "key = \"surrogate\"\n",
            "key_generation = \"sequence\"\n",
            "scd = 2\n",
            "unknown_member = false\n",
            "natural_key = [\"ID\", \"SRC\"]\n",
            "cluster_by = \"ID\"\n",
            "{ name = \"ID\", type = \"VARCHAR(20)\", pii = true, comment = \"the id\" }",
            "{ name = \"SRC\", type = \"VARCHAR\", scd = 1 }",
            "fact_type = \"periodic_snapshot\"\n",
            "grain = \"one row per thing\"\n",
            "grain_columns = \"DOC\"\n",
            "key = \"ROW_ID\"\n",
            "{ name = \"DOC\", type = \"VARCHAR(9)\", degenerate = true }",
            "{ name = \"A\", references = \"dim_a\", role = \"FIRST\", nullable = true }",
            "{ name = \"AMOUNT\", type = \"NUMBER(12,2)\", measure = \"semi_additive\" }",
            "between = [\"dim_a\", \"DIM_B\"]\n",
            "group = \"G\"\nweight = \"W\"\n",
            "effective = { from = \"F\", to = \"T\", current = \"C\" }\n",
            "{ name = \"W\", type = \"FLOAT\" }",
        ] {
            assert!(exported.contains(expected), "missing {expected:?} in\n{exported}");
        }
    }

    #[test]
    fn hostile_strings_survive_a_round_trip() {
        let mut model = load(
            r#"
database = "DB"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_A"
natural_key = "ID"
columns = [{ name = "ID", type = "int" }]
"#,
        );
        for text in HOSTILE {
            model.name = (*text).to_owned();
            model.comment = Some((*text).to_owned());
            model.dimensions[0].comment = Some((*text).to_owned());
            model.dimensions[0].columns[0].comment = Some((*text).to_owned());
            // `${var}` in the comments needs `var`.
            model.environments[0].vars = BTreeMap::from([
                ((*text).to_owned(), (*text).to_owned()),
                ("var".to_owned(), (*text).to_owned()),
            ]);
            let exported = to_toml(&model);
            let reloaded = match crate::load_str("export.toml", &exported) {
                Ok(loaded) => loaded.model,
                Err(e) => panic!("{text:?}: {}\n{exported}", e.diagnostics.render(100)),
            };
            assert_eq!(reloaded, model, "{text:?}\n{exported}");
        }
    }

    #[test]
    fn environment_names_are_quoted_keys_when_needed() {
        let mut model = load("database = \"DB\"\n[environments.DEV]\nschema = \"DEV\"\n");
        for name in ["dev env", "a.b", "über", "", "\"", "x]\n[y", "DEV-2_x"] {
            model.environments[0].name = name.to_owned();
            let exported = to_toml(&model);
            assert_eq!(load(&exported), model, "{name:?}\n{exported}");
        }
    }
}
