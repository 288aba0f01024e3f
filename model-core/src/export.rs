//! Writing a model back as TOML, so that a model declared in Rust can be used
//! with the CLI (and read, diffed and edited by hand).
//!
//! The document has the layout of the models in `schemas/`: the top-level
//! keys, one `[environments.NAME]` table per environment, then
//! `[[dimension]]`, `[[fact]]` and `[[bridge]]` tables in model order, each
//! with its `columns = [ ... ]` written one inline table per line, then
//! `[[mart]]` and `[[role]]` tables, then the ingestion: `[[file_format]]`,
//! `[[storage_integration]]`, `[[stage]]` and `[[load]]` tables, each kind in
//! model order. A key is written only
//! when its value differs from what the loader assumes without it, so the
//! export reads like a file written by hand; arrays too long for a line are
//! written one item per line.
//!
//! Every struct of the model is destructured field by field below: a field
//! added to the model is a compile error here until the export writes it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{
    Aggregate, Allocation, AsOf, Bridge, Calendar, Column, ColumnKind, CopyMapping, DefaultValue, DerivedMeasure,
    Dimension, EffectiveDating, Environment, Fact, FileFormat, FileMetadata, Grain, Grant, KeyGeneration, Load, Mart,
    MartAttribute, MartKind, Model, PiiClass, RefreshMode, Role, Scope, Stage, StorageIntegration, StorageProvider,
    Through, default_landing, default_pipe,
};

/// The model name the loader assumes when `name` is absent.
const DEFAULT_MODEL_NAME: &str = "model";
use crate::lower::{DEFAULT_FACT_TYPE, DEFAULT_KEY_GENERATION, DEFAULT_SCD};
/// The dynamic-table refresh mode the loader assumes when `refresh_mode` is absent.
const DEFAULT_REFRESH_MODE: RefreshMode = RefreshMode::Auto;
/// The role parent the loader assumes when `parent` is absent.
const DEFAULT_PARENT: &str = "SYSADMIN";
/// The roles given USAGE on a storage integration when `usage` is absent.
const DEFAULT_USAGE: &[&str] = &["SYSADMIN"];
/// Lines longer than this write their array one item per line.
const WIDTH: usize = 120;

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
/// does not (yet) refuse it. Its export is written as the model says, and
/// loading it fails, reorders or normalizes:
///
/// - environments out of name order (the loader sorts them) or two with one
///   name (a TOML syntax error);
/// - a type outside the ranges the loader accepts (`VARCHAR(0)`,
///   `NUMBER(39,0)`, `NUMBER(5,6)`), or a fact with
///   `key_generation = "natural"`;
/// - a mart's aggregates in another order than the loader builds them:
///   every `Sum`, then `Avg`, `Min`, `Max`, `Count`, `CountDistinct`,
///   `Ratio` (each kind keeps its own order); they come back in that order;
/// - a mart with two `Count`s (a file has one `count`: a duplicate key);
/// - `AsOf::FactDate("all")` or `AsOf::FactDate("current")` (a fact column
///   with that name): it comes back as `AsOf::All` or `AsOf::Current`.
///
/// The ingestion sections round-trip whole. Only their text is normalized:
/// a projection source that reads as an integer is written as one
/// (`{ ID = "3" }` exports as `{ ID = 3 }`; both load as the text `"3"`), an
/// empty projection table (`projection = {}`) as `projection = true`, and
/// `match_by_column_name = "case_insensitive"`, `auto_ingest = false`,
/// `usage = ["SYSADMIN"]` and the default pipe and landing names are left
/// out. `null_if = []` and `usage = []` are kept: they differ from no key.
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
        marts,
        roles,
        file_formats,
        storage_integrations,
        stages,
        loads,
        lookup: _,
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
    for mart in marts {
        doc.mart(mart);
    }
    for role in roles {
        doc.role(role);
    }
    for format in file_formats {
        doc.file_format(format);
    }
    for integration in storage_integrations {
        doc.storage_integration(integration);
    }
    for stage in stages {
        doc.stage(stage);
    }
    for load in loads {
        doc.load(load);
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
    /// name, an array otherwise (the loader's `Names` takes both); one name
    /// per line when the array does not fit on the line.
    fn names(&mut self, key: &str, names: &[String]) {
        match names {
            [one] => self.field(key, &string(one)),
            many => self.list(key, many),
        }
    }

    /// A list written as an array even with one item (mart and role lists,
    /// as in the models in `schemas/`): nothing when empty, one item per line
    /// when the array does not fit on the line.
    fn list(&mut self, key: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        let one_line = array(items);
        if width(key) + 3 + width(&one_line) <= WIDTH {
            self.field(key, &one_line);
        } else {
            self.field(key, &wrapped(items, ""));
        }
    }

    /// `key = value` when there is a value, written by `write`.
    fn optional_with<T>(&mut self, key: &str, value: Option<T>, write: impl Fn(T) -> String) {
        if let Some(value) = value {
            self.field(key, &write(value));
        }
    }

    /// Like [`list`](Self::list), but an empty list is written `key = []`
    /// (where the loader tells an empty list from an absent key).
    fn present_list(&mut self, key: &str, items: &[String]) {
        if items.is_empty() {
            self.field(key, "[]");
        } else {
            self.list(key, items);
        }
    }

    /// An array of inline tables (`ratio`, `grants`): nothing when empty,
    /// `key = [{ ... }]` for one that fits on the line, otherwise one table
    /// per line. `row` writes an item, given the indentation of its line
    /// when it must wrap its own arrays to fit.
    fn tables<T>(&mut self, key: &str, items: &[T], row: impl Fn(&T, Option<&str>) -> String) {
        if let [one] = items {
            let one_line = format!("[{}]", row(one, None));
            if width(key) + 3 + width(&one_line) <= WIDTH {
                self.field(key, &one_line);
                return;
            }
        }
        if items.is_empty() {
            return;
        }
        self.text.push_str(key);
        self.text.push_str(" = [\n");
        for item in items {
            let mut line = row(item, None);
            if 2 + width(&line) + 1 > WIDTH {
                line = row(item, Some("  "));
            }
            self.text.push_str("  ");
            self.text.push_str(&line);
            self.text.push_str(",\n");
        }
        self.text.push_str("]\n");
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
            renamed_from,
            generate,
        } = dimension;
        self.header("[[dimension]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        self.names("natural_key", natural_key);
        // Without `key`, lowering derives it (the natural key of a smart key,
        // `DIM_X` → `X_KEY` otherwise).
        let implied_key = crate::lower::dimension_key(name, None, *key_generation, natural_key);
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
        self.optional("renamed_from", renamed_from.as_deref());
        if let Some(Calendar {
            from,
            to,
            fiscal_year_start,
            columns: parts,
        }) = generate
        {
            let mut pairs = vec![("from", string(from)), ("to", string(to))];
            if *fiscal_year_start != 1 {
                pairs.push(("fiscal_year_start", fiscal_year_start.to_string()));
            }
            if !parts.is_empty() {
                let parts: Vec<(String, String)> = parts
                    .iter()
                    .map(|(column, part)| (self::key(column), string(part.as_str())))
                    .collect();
                pairs.push(("columns", inline(&parts)));
            }
            self.field("generate", &inline(&pairs));
        }
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
            renamed_from,
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
        if *key != crate::lower::fact_key(name, None) {
            self.field("key", &string(key));
        }
        if *key_generation != DEFAULT_KEY_GENERATION {
            self.field("key_generation", &string(key_generation_str(*key_generation)));
        }
        self.names("cluster_by", cluster_by);
        self.optional("renamed_from", renamed_from.as_deref());
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
            renamed_from,
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
        self.optional("renamed_from", renamed_from.as_deref());
        self.columns(columns, &[]);
    }
}

impl Document {
    fn mart(&mut self, mart: &Mart) {
        let Mart {
            name,
            comment,
            kind,
            fact,
            attributes,
            columns,
            aggregates,
            derived,
            filter,
            through,
        } = mart;
        self.header("[[mart]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        match kind {
            MartKind::View => {}
            MartKind::SecureView => self.field("kind", &string("secure_view")),
            MartKind::DynamicTable {
                target_lag,
                refresh_mode,
                warehouse,
            } => {
                self.field("kind", &string("dynamic_table"));
                // Both are required of a dynamic table, even when empty.
                self.field("target_lag", &string(target_lag));
                self.field("warehouse", &string(warehouse));
                if *refresh_mode != DEFAULT_REFRESH_MODE {
                    self.field("refresh_mode", &string(refresh_mode.as_str()));
                }
            }
        }
        self.field("fact", &string(fact));
        if attributes.iter().all(|a| a.name.is_none()) {
            let paths: Vec<String> = attributes.iter().map(|a| a.path.clone()).collect();
            self.list("attributes", &paths);
        } else {
            // Named attributes are inline tables, one item per line.
            self.text.push_str("attributes = [\n");
            for MartAttribute { path, name } in attributes {
                self.text.push_str("  ");
                self.text.push_str(&match name {
                    Some(name) => inline(&[("attribute", string(path)), ("name", string(name))]),
                    None => string(path),
                });
                self.text.push_str(",\n");
            }
            self.text.push_str("]\n");
        }
        self.list("columns", columns);
        self.tables("derived", derived, |d, _| {
            let DerivedMeasure {
                name,
                expression,
                additivity,
                over,
            } = d;
            let mut pairs = vec![("name", string(name)), ("expression", string(expression))];
            if let Some(a) = additivity {
                pairs.push(("measure", string(a.as_str())));
            }
            if let Some(over) = over {
                pairs.push(("over", string(over)));
            }
            inline(&pairs)
        });
        self.optional("where", filter.as_deref());
        // One key per kind of aggregate, in the order the loader reads them
        // back (sum, avg, min, max, count, count_distinct, ratio).
        let (mut sum, mut avg, mut min, mut max) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut counts, mut distinct, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for aggregate in aggregates {
            match aggregate {
                Aggregate::Sum(measure) => sum.push(measure.clone()),
                Aggregate::Avg(measure) => avg.push(measure.clone()),
                Aggregate::Min(measure) => min.push(measure.clone()),
                Aggregate::Max(measure) => max.push(measure.clone()),
                Aggregate::Count { name } => counts.push(name),
                Aggregate::CountDistinct { name, column } => distinct.push((name, column)),
                Aggregate::Ratio {
                    name,
                    numerator,
                    denominator,
                } => ratios.push((name, numerator, denominator)),
            }
        }
        self.list("sum", &sum);
        self.list("avg", &avg);
        self.list("min", &min);
        self.list("max", &max);
        // `count` holds one name; a second one is written as the model says
        // and fails to load (a duplicate key) rather than being dropped.
        for name in counts {
            self.field("count", &string(name));
        }
        self.tables("count_distinct", &distinct, |(name, column), _| {
            inline(&[("name", string(name)), ("column", string(column))])
        });
        self.tables("ratio", &ratios, |(name, numerator, denominator), _| {
            inline(&[
                ("name", string(name)),
                ("numerator", string(numerator)),
                ("denominator", string(denominator)),
            ])
        });
        if let Some(through) = through {
            self.field("through", &self::through(through));
        }
    }

    fn role(&mut self, role: &Role) {
        let Role {
            name,
            comment,
            parent,
            grants,
            warehouses,
            unmask,
        } = role;
        self.header("[[role]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        if parent != DEFAULT_PARENT {
            self.field("parent", &string(parent));
        }
        self.list("warehouses", warehouses);
        self.tables("grants", grants, grant);
        if unmask.len() == PiiClass::ALL.len() {
            self.field("unmask", &string("all"));
        } else {
            let words: Vec<String> = unmask.iter().map(|c| c.as_str().to_owned()).collect();
            self.list("unmask", &words);
        }
    }
}

impl Document {
    fn file_format(&mut self, format: &FileFormat) {
        let FileFormat {
            name,
            comment,
            file_type,
            compression,
            field_delimiter,
            record_delimiter,
            skip_header,
            parse_header,
            field_optionally_enclosed_by,
            null_if,
            empty_field_as_null,
            trim_space,
            date_format,
            timestamp_format,
            strip_outer_array,
        } = format;
        self.header("[[file_format]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        self.field("type", &string(file_type.as_str()));
        self.optional("compression", compression.as_deref());
        self.optional("field_delimiter", field_delimiter.as_deref());
        self.optional("record_delimiter", record_delimiter.as_deref());
        self.optional_with("skip_header", *skip_header, |n| n.to_string());
        self.optional_with("parse_header", *parse_header, |b| b.to_string());
        self.optional("field_optionally_enclosed_by", field_optionally_enclosed_by.as_deref());
        if let Some(markers) = null_if {
            // `null_if = []` (no markers) is not the same as no `null_if`.
            self.present_list("null_if", markers);
        }
        self.optional_with("empty_field_as_null", *empty_field_as_null, |b| b.to_string());
        self.optional_with("trim_space", *trim_space, |b| b.to_string());
        self.optional("date_format", date_format.as_deref());
        self.optional("timestamp_format", timestamp_format.as_deref());
        self.optional_with("strip_outer_array", *strip_outer_array, |b| b.to_string());
    }

    fn storage_integration(&mut self, integration: &StorageIntegration) {
        let StorageIntegration {
            name,
            comment,
            provider,
            aws_role_arn,
            azure_tenant_id,
            usage,
        } = integration;
        self.header("[[storage_integration]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        if *provider == StorageProvider::S3 {
            // Required of S3, even when empty (the loader tells it from absent).
            self.field("aws_role_arn", &string(aws_role_arn));
        } else {
            self.field("provider", &string(provider.as_str()));
            if !aws_role_arn.is_empty() {
                self.field("aws_role_arn", &string(aws_role_arn));
            }
        }
        self.optional("azure_tenant_id", azure_tenant_id.as_deref());
        // Without `usage` the loader grants it to SYSADMIN; `usage = []`
        // grants it to no one.
        if *usage != DEFAULT_USAGE {
            self.present_list("usage", usage);
        }
    }

    fn stage(&mut self, stage: &Stage) {
        let Stage {
            name,
            comment,
            url,
            storage_integration,
            file_format,
        } = stage;
        self.header("[[stage]]");
        self.field("name", &string(name));
        self.optional("comment", comment.as_deref());
        // An internal stage has neither; an external one always writes its
        // integration, even empty (the loader requires it).
        if let Some(url) = url {
            self.field("url", &string(url));
            self.field("storage_integration", &string(storage_integration));
        }
        self.field("file_format", &string(file_format));
    }

    fn load(&mut self, load: &Load) {
        let Load {
            table,
            stage,
            path,
            pipe,
            landing,
            file_format,
            mapping,
            fields,
            metadata,
            auto_ingest,
            aws_sns_topic,
            notification_integration,
            error_integration,
            pattern,
            on_error,
            warehouse,
            schedule,
            event_time,
            max_unknown_percent,
        } = load;
        self.header("[[load]]");
        self.field("table", &string(table));
        self.field("stage", &string(stage));
        if !path.is_empty() {
            self.field("path", &string(path));
        }
        if *pipe != default_pipe(table) {
            self.field("pipe", &string(pipe));
        }
        if *landing != default_landing(table) {
            self.field("landing", &string(landing));
        }
        self.optional("file_format", file_format.as_deref());
        match mapping {
            CopyMapping::MatchByColumnName { case_sensitive: false } => {}
            CopyMapping::MatchByColumnName { case_sensitive: true } => {
                self.field("match_by_column_name", &string("case_sensitive"));
            }
            CopyMapping::Projection { fields } if fields.is_empty() => self.field("projection", "true"),
            CopyMapping::Projection { fields } => self.field("projection", &projection(fields)),
        }
        if !fields.is_empty() {
            let pairs: Vec<(String, String)> = fields.iter().map(|(c, f)| (self::key(c), string(f))).collect();
            self.field("fields", &inline(&pairs));
        }
        let metadata: Vec<String> = metadata.iter().map(|m| FileMetadata::as_str(*m).to_owned()).collect();
        self.list("metadata", &metadata);
        if *auto_ingest {
            self.field("auto_ingest", "true");
        }
        self.optional("aws_sns_topic", aws_sns_topic.as_deref());
        self.optional("notification_integration", notification_integration.as_deref());
        self.optional("error_integration", error_integration.as_deref());
        self.optional("pattern", pattern.as_deref());
        self.optional_with("on_error", *on_error, |e| string(e.as_str()));
        self.field("warehouse", &string(warehouse));
        self.optional("schedule", schedule.as_deref());
        self.optional("event_time", event_time.as_deref());
        self.optional_with("max_unknown_percent", *max_unknown_percent, |p| p.to_string());
    }
}

/// A load's `projection = { COLUMN = "field", ... }`: a source that reads as
/// an integer (a CSV position, `3`) is written as one, as by hand, and the
/// positions come first in their order (then the names, in column order);
/// the loader reads either spelling back as the same text, in a map.
fn projection(fields: &BTreeMap<String, String>) -> String {
    let mut entries: Vec<(Option<i64>, &String, &String)> = fields
        .iter()
        .map(|(column, field)| {
            let position = field.parse::<i64>().ok().filter(|n| n.to_string() == *field);
            (position, column, field)
        })
        .collect();
    entries.sort_by_key(|(position, column, _)| (position.is_none(), *position, *column));
    let pairs: Vec<(String, String)> = entries
        .into_iter()
        .map(|(position, column, field)| (key(column), position.map_or_else(|| string(field), |n| n.to_string())))
        .collect();
    inline(&pairs)
}

/// A mart's `through = { bridge = ..., reference = ..., role = ... }`.
fn through(through: &Through) -> String {
    let Through {
        bridge,
        reference,
        role,
        allocation,
        as_of,
    } = through;
    let mut pairs = vec![
        ("bridge", string(bridge)),
        ("reference", string(reference)),
        ("role", string(role)),
    ];
    match allocation {
        Allocation::Impact => {}
        Allocation::Weighted => pairs.push(("allocation", string("weighted"))),
    }
    match as_of {
        AsOf::All => {}
        AsOf::Current => pairs.push(("as_of", string("current"))),
        // A fact column named `all` or `current` reads back as those choices.
        AsOf::FactDate(column) => pairs.push(("as_of", string(column))),
    }
    inline(&pairs)
}

/// A grant as an inline table: `{ access = "read", scope = "schema" }` or
/// `{ access = "read", objects = ["A", "B"] }`; with `wrap`, the objects
/// one per line below a line indented by it.
fn grant(grant: &Grant, wrap: Option<&str>) -> String {
    let Grant { access, scope } = grant;
    let access = access.as_str();
    let scope = match scope {
        Scope::Schema => ("scope", string("schema")),
        Scope::Marts => ("scope", string("marts")),
        Scope::Objects(objects) => (
            "objects",
            match wrap {
                Some(indent) if !objects.is_empty() => wrapped(objects, indent),
                _ => array(objects),
            },
        ),
    };
    inline(&[("access", string(access)), scope])
}

/// One column as an inline table: `{ name = "X", type = "VARCHAR", ... }`.
fn column(column: &Column, identifying: bool) -> String {
    let Column {
        name,
        kind,
        nullable,
        comment,
        pii,
        renamed_from,
        default,
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
        ColumnKind::Measure {
            sql_type,
            additivity,
            over,
        } => {
            pairs.push(("type", string(&sql_type.to_string())));
            pairs.push(("measure", string(additivity.as_str())));
            if let Some(over) = over {
                pairs.push(("over", string(over)));
            }
        }
        ColumnKind::Degenerate { sql_type } => {
            pairs.push(("type", string(&sql_type.to_string())));
            pairs.push(("degenerate", "true".to_owned()));
        }
    }
    if !identifying && *nullable != Column::default_nullable(kind) {
        pairs.push(("nullable", nullable.to_string()));
    }
    if let Some(pii) = pii {
        pairs.push((
            "pii",
            match pii.class {
                PiiClass::Other => "true".to_owned(),
                class => string(class.as_str()),
            },
        ));
        if pii.mask != pii.class.default_mask() {
            pairs.push(("mask", string(pii.mask.as_str())));
        }
    }
    if let Some(old) = renamed_from {
        pairs.push(("renamed_from", string(old)));
    }
    if let Some(default) = default {
        pairs.push((
            "default",
            match default {
                DefaultValue::Text(t) => string(t),
                other => other.to_string(),
            },
        ));
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

/// An array of strings, one per line: `[`, each item indented two spaces
/// more than `indent`, `]` at `indent`.
fn wrapped(items: &[String], indent: &str) -> String {
    let mut out = "[\n".to_owned();
    for item in items {
        out.push_str(indent);
        out.push_str("  ");
        out.push_str(&string(item));
        out.push_str(",\n");
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// Width of a line's text, in characters.
fn width(text: &str) -> usize {
    text.chars().count()
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
    use crate::model::{Access, FileType, OnError};

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
            Ok(loaded) => loaded.model.into_model(),
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

    /// The keys of issue 13: a generated date dimension, a load's `fields`,
    /// and a mart's named attributes, derived measures and filter.
    #[test]
    fn calendars_fields_and_mart_expressions_round_trip() {
        let exported = round_trip(
            r#"
name = "m"
database = "DB"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_DATE"
natural_key = "DATE_KEY"
key_generation = "natural"
generate = { from = "2020-01-01", to = "2020-12-31", fiscal_year_start = 4, columns = { "day name" = "day_name" } }
columns = [{ name = "DATE_KEY", type = "int" }, { name = "day name", type = "varchar(9)" }]
[[dimension]]
name = "DIM_CUSTOMER"
natural_key = "C_CUSTKEY"
columns = [{ name = "C_CUSTKEY", type = "int" }, { name = "C_NATION", type = "string" }]
[[fact]]
name = "FACT_LINEORDER"
grain_columns = ["LO_ORDERKEY"]
columns = [
  { name = "LO_ORDERKEY", type = "int", degenerate = true },
  { name = "LO_CUSTKEY", references = "DIM_CUSTOMER" },
  { name = "LO_ORDERDATE", references = "DIM_DATE", role = "ORDER_DATE" },
  { name = "LO_REVENUE", type = "number(12,2)", measure = "additive" },
]
[[file_format]]
name = "PARQUET"
type = "parquet"
[[stage]]
name = "FILES"
file_format = "PARQUET"
[[load]]
table = "FACT_LINEORDER"
stage = "FILES"
fields = { LO_CUSTKEY = "lo_custkey" }
warehouse = "WH"
[[mart]]
name = "MART_NATIONS"
fact = "FACT_LINEORDER"
attributes = [{ attribute = "LO_CUSTKEY.C_NATION", name = "NATION" }, "ORDER_DATE.*"]
derived = [{ name = "HALF", expression = "LO_REVENUE / 2", measure = "additive" }]
where = "LO_REVENUE > 0 AND ORDER_DATE.\"day name\" <> 'Sunday'"
sum = ["HALF"]
"#,
        );
        for line in [
            r#"generate = { from = "2020-01-01", to = "2020-12-31", fiscal_year_start = 4, columns = { "day name" = "day_name" } }"#,
            r#"fields = { LO_CUSTKEY = "lo_custkey" }"#,
            r#"  { attribute = "LO_CUSTKEY.C_NATION", name = "NATION" },"#,
            r#"derived = [{ name = "HALF", expression = "LO_REVENUE / 2", measure = "additive" }]"#,
        ] {
            assert!(exported.lines().any(|l| l == line), "{line}\n{exported}");
        }
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
vars = { "my var" = "x", b = "y\\z" }
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
  { name = "ID", type = "varchar(20)", nullable = false, comment = "the id" },
  { name = "SRC", type = "string", scd = 1 },
  { name = "NAME", type = "string", scd = 2, pii = "contact", mask = "redact" },
  { name = "NOTE", type = "string", pii = true },
  { name = "BORN", type = "date", pii = "date" },
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
            "vars = { b = 'y\\z', \"my var\" = \"x\" }\n",
            "key = \"surrogate\"\n",
            "key_generation = \"sequence\"\n",
            "scd = 2\n",
            "unknown_member = false\n",
            "natural_key = [\"ID\", \"SRC\"]\n",
            "cluster_by = \"ID\"\n",
            "{ name = \"ID\", type = \"VARCHAR(20)\", comment = \"the id\" }",
            "{ name = \"NAME\", type = \"VARCHAR\", scd = 2, pii = \"contact\", mask = \"redact\" }",
            "{ name = \"NOTE\", type = \"VARCHAR\", pii = true }",
            "{ name = \"BORN\", type = \"DATE\", pii = \"date\" }",
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
            // The model's name (in every file's header) and the variables'
            // values (substituted into names) refuse control characters.
            let name_like = if text.chars().any(crate::validate::breaks_text) {
                "plain"
            } else {
                text
            };
            model.name = name_like.to_owned();
            model.comment = Some((*text).to_owned());
            model.dimensions[0].comment = Some((*text).to_owned());
            model.dimensions[0].columns[0].comment = Some((*text).to_owned());
            // `${var}` in the comments needs `var`.
            model.environments[0].vars = BTreeMap::from([
                ((*text).to_owned(), name_like.to_owned()),
                ("var".to_owned(), name_like.to_owned()),
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
        for name in ["dev env", "a.b", "über", "\"", "x]\"[y", "DEV-2_x"] {
            model.environments[0].name = name.to_owned();
            let exported = to_toml(&model);
            assert_eq!(load(&exported), model, "{name:?}\n{exported}");
        }
    }

    /// Two dimensions joined by a weighted, effective-dated bridge, a date
    /// dimension, and a fact with every kind of measure.
    const MART_MODEL: &str = r#"
database = "DB"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_DATE"
natural_key = "DATE_ID"
key_generation = "natural"
columns = [{ name = "DATE_ID", type = "int" }, { name = "YEAR", type = "int" }]
[[dimension]]
name = "DIM_PATIENT"
natural_key = "PATIENT_ID"
columns = [{ name = "PATIENT_ID", type = "int" }, { name = "GENDER", type = "string" }]
[[dimension]]
name = "DIM_PROVIDER"
natural_key = "PROVIDER_ID"
columns = [{ name = "PROVIDER_ID", type = "int" }, { name = "FULL_NAME", type = "string" }]
[[fact]]
name = "FACT_CLAIMS"
grain_columns = ["CLAIM_ID"]
columns = [
  { name = "CLAIM_ID", type = "int", degenerate = true },
  { name = "SERVICE_DATE", references = "DIM_DATE" },
  { name = "PATIENT_KEY", references = "DIM_PATIENT" },
  { name = "PROVIDER_KEY", references = "DIM_PROVIDER" },
  { name = "PAID", type = "number(20,2)", measure = "additive" },
  { name = "ALLOWED", type = "number(20,2)", measure = "additive" },
  { name = "BALANCE", type = "number(20,2)", measure = "semi_additive", over = "SERVICE_DATE" },
  { name = "GLUCOSE", type = "float", measure = "non_additive" },
]
[[bridge]]
name = "BRIDGE_CARE_TEAM"
between = ["DIM_PATIENT", "DIM_PROVIDER"]
weight = "WEIGHT"
effective = { from = "FROM_DATE", to = "TO_DATE", current = "IS_CURRENT" }
columns = [
  { name = "WEIGHT", type = "number(5,4)" },
  { name = "FROM_DATE", references = "DIM_DATE" },
  { name = "TO_DATE", references = "DIM_DATE" },
  { name = "IS_CURRENT", type = "boolean" },
]
"#;

    /// The export from the first `[[mart]]` on.
    fn marts_and_roles(exported: &str) -> &str {
        let start = exported.find("[[mart]]").or_else(|| exported.find("[[role]]"));
        &exported[start.unwrap_or(exported.len())..]
    }

    #[test]
    fn marts_and_roles_are_written_without_their_defaults() {
        let exported = round_trip(&format!(
            r#"{MART_MODEL}
[[mart]]
name = "MART_STAR"
kind = "view"
fact = "FACT_CLAIMS"
attributes = ["SERVICE_DATE.YEAR", "PATIENT.GENDER"]
columns = ["CLAIM_ID", "PAID", "BALANCE"]
sum = []
count_distinct = []
ratio = []

[[mart]]
name = "MART_EVERY_AGGREGATE"
comment = "every aggregate"
kind = "secure_view"
fact = "FACT_CLAIMS"
attributes = "SERVICE_DATE.DATE_ID"
sum = ["PAID", "BALANCE"]
avg = "GLUCOSE"
min = ["GLUCOSE", "PAID"]
max = ["GLUCOSE"]
count = "ROWS"
count_distinct = [{{ name = "PATIENTS", column = "PATIENT_KEY" }}, {{ name = "CLAIMS", column = "CLAIM_ID" }}]
ratio = [{{ name = "PAID_TO_ALLOWED", numerator = "PAID", denominator = "ALLOWED" }}]

[[mart]]
name = "MART_WEIGHTED"
kind = "dynamic_table"
target_lag = "5 minutes"
warehouse = "${{env}}_WH"
refresh_mode = "auto"
fact = "FACT_CLAIMS"
attributes = ["CARE_PROVIDER.FULL_NAME"]
sum = ["PAID"]
count = "SHARE"
through = {{ bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "CARE_PROVIDER", allocation = "weighted", as_of = "SERVICE_DATE" }}

[[mart]]
name = "MART_CURRENT"
kind = "dynamic_table"
target_lag = "DOWNSTREAM"
warehouse = "WH"
refresh_mode = "full"
fact = "FACT_CLAIMS"
attributes = ["TEAM.FULL_NAME"]
count = "ROWS"
through = {{ bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "TEAM", allocation = "impact", as_of = "current" }}

[[mart]]
name = "MART_ALL"
kind = "dynamic_table"
target_lag = ""
warehouse = ""
refresh_mode = "incremental"
fact = "FACT_CLAIMS"
attributes = ["TEAM.FULL_NAME"]
count_distinct = [{{ name = "CLAIMS", column = "CLAIM_ID" }}]
through = {{ bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "TEAM", as_of = "all" }}

[[role]]
name = "ENGINEER"
parent = "SYSADMIN"
warehouses = ["WH"]
grants = [{{ access = "manage", scope = "schema" }}]

[[role]]
name = "${{env}}_ANALYST"
comment = "analysts"
warehouses = ["A_WH", "B_WH"]
grants = [
  {{ access = "read", scope = "marts" }},
  {{ access = "write", objects = "FACT_CLAIMS" }},
  {{ access = "read", objects = ["MART_STAR", "DIM_DATE"] }},
]

[[role]]
name = "ML"
parent = "${{env}}_ANALYST"
grants = [{{ access = "read", objects = [] }}]

[[role]]
name = "NOBODY"
parent = "PUBLIC"
warehouses = []
grants = []
"#
        ));
        assert_eq!(
            marts_and_roles(&exported),
            r#"[[mart]]
name = "MART_STAR"
fact = "FACT_CLAIMS"
attributes = ["SERVICE_DATE.YEAR", "PATIENT.GENDER"]
columns = ["CLAIM_ID", "PAID", "BALANCE"]

[[mart]]
name = "MART_EVERY_AGGREGATE"
comment = "every aggregate"
kind = "secure_view"
fact = "FACT_CLAIMS"
attributes = ["SERVICE_DATE.DATE_ID"]
sum = ["PAID", "BALANCE"]
avg = ["GLUCOSE"]
min = ["GLUCOSE", "PAID"]
max = ["GLUCOSE"]
count = "ROWS"
count_distinct = [
  { name = "PATIENTS", column = "PATIENT_KEY" },
  { name = "CLAIMS", column = "CLAIM_ID" },
]
ratio = [{ name = "PAID_TO_ALLOWED", numerator = "PAID", denominator = "ALLOWED" }]

[[mart]]
name = "MART_WEIGHTED"
kind = "dynamic_table"
target_lag = "5 minutes"
warehouse = "${env}_WH"
fact = "FACT_CLAIMS"
attributes = ["CARE_PROVIDER.FULL_NAME"]
sum = ["PAID"]
count = "SHARE"
through = { bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "CARE_PROVIDER", allocation = "weighted", as_of = "SERVICE_DATE" }

[[mart]]
name = "MART_CURRENT"
kind = "dynamic_table"
target_lag = "DOWNSTREAM"
warehouse = "WH"
refresh_mode = "full"
fact = "FACT_CLAIMS"
attributes = ["TEAM.FULL_NAME"]
count = "ROWS"
through = { bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "TEAM", as_of = "current" }

[[mart]]
name = "MART_ALL"
kind = "dynamic_table"
target_lag = ""
warehouse = ""
refresh_mode = "incremental"
fact = "FACT_CLAIMS"
attributes = ["TEAM.FULL_NAME"]
count_distinct = [{ name = "CLAIMS", column = "CLAIM_ID" }]
through = { bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "TEAM" }

[[role]]
name = "ENGINEER"
warehouses = ["WH"]
grants = [{ access = "manage", scope = "schema" }]

[[role]]
name = "${env}_ANALYST"
comment = "analysts"
warehouses = ["A_WH", "B_WH"]
grants = [
  { access = "read", scope = "marts" },
  { access = "write", objects = ["FACT_CLAIMS"] },
  { access = "read", objects = ["MART_STAR", "DIM_DATE"] },
]

[[role]]
name = "ML"
parent = "${env}_ANALYST"
grants = [{ access = "read", objects = [] }]

[[role]]
name = "NOBODY"
parent = "PUBLIC"
"#
        );
    }

    #[test]
    fn every_mart_kind_aggregate_allocation_as_of_and_scope_is_written() {
        let mut model = load(MART_MODEL);
        let kinds = [
            MartKind::View,
            MartKind::SecureView,
            MartKind::DynamicTable {
                target_lag: "1 hour".to_owned(),
                refresh_mode: RefreshMode::Auto,
                warehouse: "WH".to_owned(),
            },
            MartKind::DynamicTable {
                target_lag: "1 hour".to_owned(),
                refresh_mode: RefreshMode::Full,
                warehouse: "WH".to_owned(),
            },
            MartKind::DynamicTable {
                target_lag: "1 hour".to_owned(),
                refresh_mode: RefreshMode::Incremental,
                warehouse: "WH".to_owned(),
            },
        ];
        // In loader order, one of each.
        let aggregates = vec![
            Aggregate::Sum("PAID".to_owned()),
            Aggregate::Avg("GLUCOSE".to_owned()),
            Aggregate::Min("BALANCE".to_owned()),
            Aggregate::Max("ALLOWED".to_owned()),
            Aggregate::Count { name: "N".to_owned() },
            Aggregate::CountDistinct {
                name: "CLAIMS".to_owned(),
                column: "CLAIM_ID".to_owned(),
            },
            Aggregate::Ratio {
                name: "R".to_owned(),
                numerator: "PAID".to_owned(),
                denominator: "ALLOWED".to_owned(),
            },
        ];
        for aggregate in &aggregates {
            match aggregate {
                Aggregate::Sum(_)
                | Aggregate::Avg(_)
                | Aggregate::Min(_)
                | Aggregate::Max(_)
                | Aggregate::Count { .. }
                | Aggregate::CountDistinct { .. }
                | Aggregate::Ratio { .. } => {}
            }
        }
        let allocations = [Allocation::Impact, Allocation::Weighted];
        let as_ofs = [AsOf::All, AsOf::Current, AsOf::FactDate("SERVICE_DATE".to_owned())];
        let mut i = 0;
        for kind in &kinds {
            for allocation in allocations {
                for as_of in &as_ofs {
                    i += 1;
                    model.marts.push(Mart {
                        name: format!("MART_{i}"),
                        comment: Some(format!("mart {i}")),
                        kind: kind.clone(),
                        fact: "FACT_CLAIMS".to_owned(),
                        attributes: vec!["PATIENT.GENDER".into(), "TEAM.FULL_NAME".into()],
                        columns: Vec::new(),
                        aggregates: aggregates.clone(),
                        derived: Vec::new(),
                        filter: None,
                        through: Some(Through {
                            bridge: "BRIDGE_CARE_TEAM".to_owned(),
                            reference: "PATIENT_KEY".to_owned(),
                            role: "TEAM".to_owned(),
                            allocation,
                            as_of: as_of.clone(),
                        }),
                    });
                }
            }
        }
        let scopes = [
            Scope::Schema,
            Scope::Marts,
            Scope::Objects(Vec::new()),
            Scope::Objects(vec!["MART_1".to_owned()]),
            Scope::Objects(vec!["FACT_CLAIMS".to_owned(), "MART_2".to_owned()]),
        ];
        for (r, access) in [Access::Read, Access::Write, Access::Manage].into_iter().enumerate() {
            model.roles.push(Role {
                name: format!("ROLE_{r}"),
                comment: None,
                parent: if r == 0 {
                    "SYSADMIN".to_owned()
                } else {
                    format!("ROLE_{}", r - 1)
                },
                grants: scopes
                    .iter()
                    .map(|scope| Grant {
                        access,
                        scope: scope.clone(),
                    })
                    .collect(),
                warehouses: vec![format!("WH_{r}")],
                unmask: Vec::new(),
            });
        }
        assert_eq!(crate::validate(&model), Vec::new());
        let exported = to_toml(&model);
        assert_eq!(load(&exported), model, "{exported}");
        assert_eq!(to_toml(&load(&exported)), exported);
        for expected in [
            "kind = \"secure_view\"\n",
            "kind = \"dynamic_table\"\ntarget_lag = \"1 hour\"\nwarehouse = \"WH\"\nfact",
            "refresh_mode = \"full\"\n",
            "refresh_mode = \"incremental\"\n",
            "sum = [\"PAID\"]\navg = [\"GLUCOSE\"]\nmin = [\"BALANCE\"]\nmax = [\"ALLOWED\"]\ncount = \"N\"\n",
            "count_distinct = [{ name = \"CLAIMS\", column = \"CLAIM_ID\" }]\n",
            "ratio = [{ name = \"R\", numerator = \"PAID\", denominator = \"ALLOWED\" }]\n",
            "role = \"TEAM\" }\n",
            "role = \"TEAM\", as_of = \"current\" }\n",
            "role = \"TEAM\", as_of = \"SERVICE_DATE\" }\n",
            "role = \"TEAM\", allocation = \"weighted\" }\n",
            "role = \"TEAM\", allocation = \"weighted\", as_of = \"current\" }\n",
            "role = \"TEAM\", allocation = \"weighted\", as_of = \"SERVICE_DATE\" }\n",
            "  { access = \"read\", scope = \"schema\" },\n",
            "  { access = \"write\", scope = \"marts\" },\n",
            "  { access = \"manage\", objects = [] },\n",
            "  { access = \"manage\", objects = [\"MART_1\"] },\n",
            "  { access = \"manage\", objects = [\"FACT_CLAIMS\", \"MART_2\"] },\n",
            "parent = \"ROLE_1\"\n",
        ] {
            assert!(exported.contains(expected), "missing {expected:?} in\n{exported}");
        }
        assert!(!exported.contains("refresh_mode = \"auto\""), "{exported}");
        assert!(!exported.contains("parent = \"SYSADMIN\""), "{exported}");
        assert!(!exported.contains("kind = \"view\""), "{exported}");
    }

    #[test]
    fn aggregates_come_back_in_loader_order() {
        let mut model = load(&format!(
            r#"{MART_MODEL}
[[mart]]
name = "MART_A"
fact = "FACT_CLAIMS"
attributes = ["PATIENT.GENDER"]
sum = ["ALLOWED", "PAID"]
avg = ["PAID", "GLUCOSE"]
max = "GLUCOSE"
count = "N"
ratio = [{{ name = "R2", numerator = "PAID", denominator = "ALLOWED" }}, {{ name = "R1", numerator = "ALLOWED", denominator = "PAID" }}]
"#
        ));
        let in_loader_order = model.marts[0].aggregates.clone();
        assert!(matches!(
            in_loader_order.as_slice(),
            [
                Aggregate::Sum(_),
                Aggregate::Sum(_),
                Aggregate::Avg(_),
                Aggregate::Avg(_),
                Aggregate::Max(_),
                Aggregate::Count { .. },
                Aggregate::Ratio { .. },
                Aggregate::Ratio { .. },
            ]
        ));
        let exported = to_toml(&model);
        // From Rust, any order: the export groups them by kind, keeping the
        // order within each kind, which is how they load back.
        model.marts[0].aggregates.reverse();
        let reversed = to_toml(&model);
        let reloaded = load(&reversed);
        assert_ne!(reloaded, model);
        let mut expected = in_loader_order.clone();
        // Reversal keeps kinds apart but reverses each kind's order.
        for run in [0..2, 2..4, 6..8] {
            expected[run].reverse();
        }
        assert_eq!(reloaded.marts[0].aggregates, expected);
        assert!(
            reversed.contains("sum = [\"PAID\", \"ALLOWED\"]\navg = [\"GLUCOSE\", \"PAID\"]\n"),
            "{reversed}"
        );
        assert_ne!(reversed, exported);
    }

    #[test]
    fn what_the_loader_normalizes_comes_back_normalized() {
        let mut model = load(&format!(
            r#"{MART_MODEL}
[[mart]]
name = "MART_A"
kind = "dynamic_table"
target_lag = "1 minute"
warehouse = "WH"
fact = "FACT_CLAIMS"
attributes = ["TEAM.FULL_NAME"]
count = "N"
through = {{ bridge = "BRIDGE_CARE_TEAM", reference = "PATIENT_KEY", role = "TEAM" }}
"#
        ));
        let mart = &mut model.marts[0];
        let MartKind::DynamicTable { refresh_mode, .. } = &mut mart.kind else {
            panic!("a dynamic table")
        };
        *refresh_mode = RefreshMode::Full;
        // A fact column named `all` is the choice `all`.
        if let Some(through) = &mut mart.through {
            through.as_of = AsOf::FactDate("all".to_owned());
        }
        let exported = to_toml(&model);
        assert!(exported.contains("refresh_mode = \"full\"\n"), "{exported}");
        assert!(exported.contains("as_of = \"all\" }"), "{exported}");
        let reloaded = load(&exported);
        assert_eq!(
            reloaded.marts[0].kind,
            MartKind::DynamicTable {
                target_lag: "1 minute".to_owned(),
                refresh_mode: RefreshMode::Full,
                warehouse: "WH".to_owned(),
            }
        );
        assert_eq!(reloaded.marts[0].through.as_ref().map(|t| &t.as_of), Some(&AsOf::All));
        // A second count is a duplicate key, not a silent loss.
        model.marts[0]
            .aggregates
            .push(Aggregate::Count { name: "M".to_owned() });
        let exported = to_toml(&model);
        assert!(exported.contains("count = \"N\"\ncount = \"M\"\n"), "{exported}");
        assert!(crate::load_str("export.toml", &exported).is_err());
    }

    #[test]
    fn hostile_strings_in_marts_and_roles_survive_a_round_trip() {
        let mut model = load(&format!(
            r#"{MART_MODEL}
[[mart]]
name = "MART_VIEW"
fact = "FACT_CLAIMS"
columns = ["PAID"]
[[mart]]
name = "MART_DYNAMIC"
kind = "dynamic_table"
target_lag = "1 minute"
warehouse = "WH"
fact = "FACT_CLAIMS"
count = "N"
[[role]]
name = "R"
grants = [{{ access = "read", objects = ["MART_VIEW"] }}]
"#
        ));
        model.environments[0].vars = BTreeMap::from([("var".to_owned(), "x".to_owned())]);
        for text in HOSTILE {
            // Names must be usable identifiers (validation refuses the rest).
            let usable = !text.trim().is_empty() && !text.chars().any(crate::validate::breaks_text);
            if usable {
                model.marts[0].name = (*text).to_owned();
                model.roles[0].name = (*text).to_owned();
                model.roles[0].grants[0].scope = Scope::Objects(vec![(*text).to_owned()]);
            }
            model.marts[0].comment = Some((*text).to_owned());
            if let MartKind::DynamicTable {
                target_lag, warehouse, ..
            } = &mut model.marts[1].kind
            {
                (*text).clone_into(target_lag);
                // A warehouse is a name: control characters are refused.
                if !text.chars().any(crate::validate::breaks_text) {
                    (*text).clone_into(warehouse);
                }
            }
            model.marts[1].aggregates = vec![Aggregate::Count {
                name: (*text).to_owned(),
            }];
            model.roles[0].comment = Some((*text).to_owned());
            if !text.chars().any(crate::validate::breaks_text) {
                model.roles[0].warehouses = vec![(*text).to_owned(), "WH".to_owned()];
            }
            assert_eq!(crate::validate(&model), Vec::new(), "{text:?}");
            let exported = to_toml(&model);
            assert_eq!(load(&exported), model, "{text:?}\n{exported}");
        }
    }

    /// [`MART_MODEL`] with a loader role, ready for ingestion sections.
    fn ingest_model(sections: &str) -> String {
        format!("{MART_MODEL}\n[[role]]\nname = \"LOADER\"\n{sections}")
    }

    /// The export from the first `[[file_format]]` on.
    fn ingestion(exported: &str) -> &str {
        let start = ["[[file_format]]", "[[storage_integration]]", "[[stage]]", "[[load]]"]
            .iter()
            .filter_map(|header| exported.find(header))
            .min();
        &exported[start.unwrap_or(exported.len())..]
    }

    /// An internal stage (no `url`) exports without `url` and without
    /// `storage_integration`, and loads back as the same stage.
    #[test]
    fn an_internal_stage_round_trips() {
        let exported = round_trip(&ingest_model(
            r#"
[[file_format]]
name = "PARQUET_FORMAT"
type = "parquet"

[[stage]]
name = "PUT_STAGE"
comment = "files PUT by the tests"
file_format = "PARQUET_FORMAT"

[[load]]
table = "DIM_PATIENT"
stage = "PUT_STAGE"
warehouse = "WH"
"#,
        ));
        let stage = &exported[exported.find("[[stage]]").unwrap()..exported.find("[[load]]").unwrap()];
        assert_eq!(
            stage,
            "[[stage]]\nname = \"PUT_STAGE\"\ncomment = \"files PUT by the tests\"\nfile_format = \"PARQUET_FORMAT\"\n\n"
        );
        assert_eq!(load(&exported).stages[0].url, None);
    }

    #[test]
    fn ingestion_defaults_are_left_out() {
        let exported = round_trip(&ingest_model(
            r#"
[[file_format]]
name = "CSV_HEADER"
type = "csv"
parse_header = true

[[file_format]]
name = "PARQUET_FORMAT"
type = "parquet"

[[storage_integration]]
name = "S3_INTEGRATION"
aws_role_arn = "arn:aws:iam::123456789012:role/loader"
usage = "SYSADMIN"

[[stage]]
name = "CSV_STAGE"
url = "s3://bucket/csv/"
storage_integration = "S3_INTEGRATION"
file_format = "CSV_HEADER"

[[stage]]
name = "PARQUET_STAGE"
url = "s3://bucket/parquet/"
storage_integration = "S3_INTEGRATION"
file_format = "PARQUET_FORMAT"

[[load]]
table = "DIM_PATIENT"
stage = "CSV_STAGE"
path = ""
pipe = "DIM_PATIENT_PIPE"
landing = "DIM_PATIENT_LANDING"
match_by_column_name = "case_insensitive"
metadata = []
auto_ingest = false
warehouse = "WH"

[[load]]
table = "DIM_PROVIDER"
stage = "PARQUET_STAGE"
projection = false
warehouse = "WH"
"#,
        ));
        assert_eq!(
            ingestion(&exported),
            r#"[[file_format]]
name = "CSV_HEADER"
type = "csv"
parse_header = true

[[file_format]]
name = "PARQUET_FORMAT"
type = "parquet"

[[storage_integration]]
name = "S3_INTEGRATION"
aws_role_arn = "arn:aws:iam::123456789012:role/loader"

[[stage]]
name = "CSV_STAGE"
url = "s3://bucket/csv/"
storage_integration = "S3_INTEGRATION"
file_format = "CSV_HEADER"

[[stage]]
name = "PARQUET_STAGE"
url = "s3://bucket/parquet/"
storage_integration = "S3_INTEGRATION"
file_format = "PARQUET_FORMAT"

[[load]]
table = "DIM_PATIENT"
stage = "CSV_STAGE"
warehouse = "WH"

[[load]]
table = "DIM_PROVIDER"
stage = "PARQUET_STAGE"
warehouse = "WH"
"#
        );
        // Built in Rust with the constructors: the same model.
        let model = load(&exported);
        let mut csv = FileFormat::new("CSV_HEADER", FileType::Csv);
        csv.parse_header = Some(true);
        assert_eq!(
            model.file_formats,
            [csv, FileFormat::new("PARQUET_FORMAT", FileType::Parquet)]
        );
        assert_eq!(model.storage_integrations[0].usage, ["SYSADMIN"]);
        assert_eq!(
            model.loads,
            [
                Load::new("DIM_PATIENT", "CSV_STAGE", "WH"),
                Load::new("DIM_PROVIDER", "PARQUET_STAGE", "WH")
            ]
        );
    }

    #[test]
    fn every_ingestion_key_other_than_its_default_is_written() {
        let exported = round_trip(&ingest_model(
            r#"
[[file_format]]
name = "CSV_FORMAT"
comment = "pipe-separated"
type = "csv"
compression = "gzip"
field_delimiter = "|"
record_delimiter = "\r\n"
skip_header = 1
parse_header = false
field_optionally_enclosed_by = '"'
null_if = ["", "NULL", "\\N"]
empty_field_as_null = false
trim_space = true
date_format = "YYYY-MM-DD"
timestamp_format = "AUTO"

[[file_format]]
name = "JSON_FORMAT"
type = "json"
null_if = []
trim_space = false
strip_outer_array = true

[[file_format]]
name = "CSV_HEADER"
type = "csv"
skip_header = 0
parse_header = true
empty_field_as_null = true

[[storage_integration]]
name = "${env}_S3"
comment = "the buckets"
aws_role_arn = "arn:aws:iam::123456789012:role/loader"
usage = "LOADER"

[[storage_integration]]
name = "UNUSED_S3"
aws_role_arn = "arn:aws:iam::123456789012:role/unused"
usage = []

[[storage_integration]]
name = "SHARED_S3"
aws_role_arn = "arn:aws:iam::123456789012:role/shared"
usage = ["LOADER", "SYSADMIN"]

[[stage]]
name = "${env}_CSV_STAGE"
comment = "CSV files"
url = "s3://bucket/csv/"
storage_integration = "${env}_S3"
file_format = "CSV_FORMAT"

[[stage]]
name = "JSON_STAGE"
url = "s3://bucket/json/"
storage_integration = "SHARED_S3"
file_format = "JSON_FORMAT"

[[load]]
table = "FACT_CLAIMS"
stage = "${env}_CSV_STAGE"
path = "claims/year=2024/"
pipe = "${env}_CLAIMS_PIPE"
landing = "CLAIMS_LANDING"
projection = { CLAIM_ID = 1, SERVICE_DATE = 2, "PATIENT_ID" = 3, PROVIDER_ID = "4", PAID = "5", ALLOWED = 6, BALANCE = 7, GLUCOSE = 8 }
metadata = ["load_time", "file_name", "file_row_number"]
auto_ingest = true
aws_sns_topic = "arn:aws:sns:us-east-1:123456789012:claims"
error_integration = "LOAD_ERRORS"
pattern = ".*[.]csv[.]gz"
on_error = "skip_file"
warehouse = "${env}_LOAD_WH"
schedule = "5 MINUTES"
event_time = "SERVICE_DATE"

[[load]]
table = "DIM_PATIENT"
stage = "JSON_STAGE"
match_by_column_name = "case_sensitive"
metadata = "file_name"
auto_ingest = true
on_error = "continue"
warehouse = "WH"

[[load]]
table = "DIM_PROVIDER"
stage = "JSON_STAGE"
projection = { FULL_NAME = "name.full", PROVIDER_ID = "03" }
on_error = "abort_statement"
warehouse = "WH"

[[load]]
table = "DIM_DATE"
stage = "JSON_STAGE"
file_format = "CSV_FORMAT"
projection = { DATE_ID = 1, YEAR = 2 }
warehouse = "WH"
"#,
        ));
        assert_eq!(
            ingestion(&exported),
            r#"[[file_format]]
name = "CSV_FORMAT"
comment = "pipe-separated"
type = "csv"
compression = "gzip"
field_delimiter = "|"
record_delimiter = "\r\n"
skip_header = 1
parse_header = false
field_optionally_enclosed_by = '"'
null_if = ["", "NULL", '\N']
empty_field_as_null = false
trim_space = true
date_format = "YYYY-MM-DD"
timestamp_format = "AUTO"

[[file_format]]
name = "JSON_FORMAT"
type = "json"
null_if = []
trim_space = false
strip_outer_array = true

[[file_format]]
name = "CSV_HEADER"
type = "csv"
skip_header = 0
parse_header = true
empty_field_as_null = true

[[storage_integration]]
name = "${env}_S3"
comment = "the buckets"
aws_role_arn = "arn:aws:iam::123456789012:role/loader"
usage = ["LOADER"]

[[storage_integration]]
name = "UNUSED_S3"
aws_role_arn = "arn:aws:iam::123456789012:role/unused"
usage = []

[[storage_integration]]
name = "SHARED_S3"
aws_role_arn = "arn:aws:iam::123456789012:role/shared"
usage = ["LOADER", "SYSADMIN"]

[[stage]]
name = "${env}_CSV_STAGE"
comment = "CSV files"
url = "s3://bucket/csv/"
storage_integration = "${env}_S3"
file_format = "CSV_FORMAT"

[[stage]]
name = "JSON_STAGE"
url = "s3://bucket/json/"
storage_integration = "SHARED_S3"
file_format = "JSON_FORMAT"

[[load]]
table = "FACT_CLAIMS"
stage = "${env}_CSV_STAGE"
path = "claims/year=2024/"
pipe = "${env}_CLAIMS_PIPE"
landing = "CLAIMS_LANDING"
projection = { CLAIM_ID = 1, SERVICE_DATE = 2, PATIENT_ID = 3, PROVIDER_ID = 4, PAID = 5, ALLOWED = 6, BALANCE = 7, GLUCOSE = 8 }
metadata = ["load_time", "file_name", "file_row_number"]
auto_ingest = true
aws_sns_topic = "arn:aws:sns:us-east-1:123456789012:claims"
error_integration = "LOAD_ERRORS"
pattern = ".*[.]csv[.]gz"
on_error = "skip_file"
warehouse = "${env}_LOAD_WH"
schedule = "5 MINUTES"
event_time = "SERVICE_DATE"

[[load]]
table = "DIM_PATIENT"
stage = "JSON_STAGE"
match_by_column_name = "case_sensitive"
metadata = ["file_name"]
auto_ingest = true
on_error = "continue"
warehouse = "WH"

[[load]]
table = "DIM_PROVIDER"
stage = "JSON_STAGE"
projection = { FULL_NAME = "name.full", PROVIDER_ID = "03" }
on_error = "abort_statement"
warehouse = "WH"

[[load]]
table = "DIM_DATE"
stage = "JSON_STAGE"
file_format = "CSV_FORMAT"
projection = { DATE_ID = 1, YEAR = 2 }
warehouse = "WH"
"#
        );
        let model = load(&exported);
        // Every choice of every enumeration occurs.
        let types: Vec<FileType> = model.file_formats.iter().map(|f| f.file_type).collect();
        assert!(types.contains(&FileType::Csv) && types.contains(&FileType::Json));
        let on_errors: Vec<OnError> = model.loads.iter().filter_map(|l| l.on_error).collect();
        assert_eq!(
            on_errors,
            [OnError::SkipFile, OnError::Continue, OnError::AbortStatement]
        );
        assert_eq!(
            model.loads[0].mapping,
            CopyMapping::Projection {
                fields: [
                    "CLAIM_ID",
                    "SERVICE_DATE",
                    "PATIENT_ID",
                    "PROVIDER_ID",
                    "PAID",
                    "ALLOWED",
                    "BALANCE",
                    "GLUCOSE"
                ]
                .into_iter()
                .zip(1..)
                .map(|(column, position)| (column.to_owned(), format!("{position}")))
                .collect()
            }
        );
        assert_eq!(
            model.loads[0].metadata,
            [
                FileMetadata::LoadTime,
                FileMetadata::FileName,
                FileMetadata::FileRowNumber
            ]
        );
        assert_eq!(
            model.loads[3].mapping,
            CopyMapping::Projection {
                fields: [("DATE_ID", "1"), ("YEAR", "2")]
                    .map(|(c, p)| (c.to_owned(), p.to_owned()))
                    .into()
            }
        );
    }

    #[test]
    fn hostile_strings_in_ingestion_survive_a_round_trip() {
        let mut model = load(&ingest_model(
            r#"
[[file_format]]
name = "CSV_FORMAT"
type = "csv"
parse_header = true
[[file_format]]
name = "JSON_FORMAT"
type = "json"
[[storage_integration]]
name = "S3"
aws_role_arn = "arn:aws:iam::123456789012:role/loader"
[[stage]]
name = "CSV_STAGE"
url = "s3://bucket/csv/"
storage_integration = "S3"
file_format = "CSV_FORMAT"
[[stage]]
name = "JSON_STAGE"
url = "s3://bucket/json/"
storage_integration = "S3"
file_format = "JSON_FORMAT"
[[load]]
table = "FACT_CLAIMS"
stage = "CSV_STAGE"
auto_ingest = true
warehouse = "WH"
[[load]]
table = "DIM_PROVIDER"
stage = "JSON_STAGE"
projection = { FULL_NAME = "name" }
warehouse = "WH"
"#,
        ));
        model.environments[0].vars = BTreeMap::from([("var".to_owned(), "x".to_owned())]);
        for text in HOSTILE {
            let usable = !text.trim().is_empty() && !text.chars().any(crate::validate::breaks_text);
            let csv = &mut model.file_formats[0];
            csv.comment = Some((*text).to_owned());
            // `compression` is a choice (checked by validation).
            for option in [
                &mut csv.field_delimiter,
                &mut csv.record_delimiter,
                &mut csv.field_optionally_enclosed_by,
                &mut csv.date_format,
                &mut csv.timestamp_format,
            ] {
                *option = Some((*text).to_owned());
            }
            csv.null_if = Some(vec![(*text).to_owned(), String::new()]);
            model.storage_integrations[0].comment = Some((*text).to_owned());
            model.stages[0].comment = Some((*text).to_owned());
            let fact_load = &mut model.loads[0];
            for option in [
                &mut fact_load.aws_sns_topic,
                &mut fact_load.pattern,
                &mut fact_load.schedule,
            ] {
                *option = Some((*text).to_owned());
            }
            // An integration is a name: control characters are refused.
            if !text.chars().any(crate::validate::breaks_text) {
                fact_load.error_integration = Some((*text).to_owned());
            }
            if usable {
                (*text).clone_into(&mut fact_load.warehouse);
                fact_load.pipe = format!("{text}_PIPE");
                fact_load.landing = format!("{text}_LANDING");
                // A JSON path: anything but quotes and control characters.
                if !text.contains('"') {
                    model.loads[1].mapping = CopyMapping::Projection {
                        fields: BTreeMap::from([("FULL_NAME".to_owned(), (*text).to_owned())]),
                    };
                }
            }
            assert_eq!(crate::validate(&model), Vec::new(), "{text:?}");
            let exported = to_toml(&model);
            assert_eq!(load(&exported), model, "{text:?}\n{exported}");
        }
    }

    #[test]
    fn projection_positions_are_integers_only_when_they_read_back_the_same() {
        let fields = BTreeMap::from(
            [
                ("A", "3"),
                ("B", "03"),
                ("C", "+3"),
                ("D", "-1"),
                ("E", "99999999999999999999"),
                ("F", "x"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        assert_eq!(
            projection(&fields),
            r#"{ D = -1, A = 3, B = "03", C = "+3", E = "99999999999999999999", F = "x" }"#
        );
    }

    #[test]
    fn long_lists_are_written_one_item_per_line() {
        let mut model = load(MART_MODEL);
        let mart_names: Vec<String> = (0..8).map(|i| format!("MART_WITH_A_LONG_NAME_{i}")).collect();
        for name in &mart_names {
            model.marts.push(Mart {
                name: name.clone(),
                comment: None,
                kind: MartKind::View,
                fact: "FACT_CLAIMS".to_owned(),
                attributes: vec![
                    "SERVICE_DATE.YEAR".into(),
                    "SERVICE_DATE.DATE_ID".into(),
                    "PATIENT.GENDER".into(),
                    "PATIENT.PATIENT_ID".into(),
                    "PROVIDER.FULL_NAME".into(),
                    "PROVIDER.PROVIDER_ID".into(),
                ],
                columns: vec!["CLAIM_ID".to_owned()],
                aggregates: Vec::new(),
                derived: Vec::new(),
                filter: None,
                through: None,
            });
        }
        model.roles.push(Role {
            name: "READER".to_owned(),
            comment: None,
            parent: "SYSADMIN".to_owned(),
            grants: vec![Grant {
                access: Access::Read,
                scope: Scope::Objects(mart_names.clone()),
            }],
            warehouses: Vec::new(),
            unmask: Vec::new(),
        });
        model.roles.push(Role {
            name: "WRITER".to_owned(),
            comment: None,
            parent: "READER".to_owned(),
            grants: vec![
                Grant {
                    access: Access::Write,
                    scope: Scope::Objects(mart_names[..2].to_vec()),
                },
                Grant {
                    access: Access::Read,
                    scope: Scope::Objects(mart_names.clone()),
                },
            ],
            warehouses: Vec::new(),
            unmask: Vec::new(),
        });
        let exported = to_toml(&model);
        assert_eq!(load(&exported), model, "{exported}");
        assert!(exported.lines().all(|line| width(line) <= WIDTH), "{exported}");
        assert!(
            exported.contains(
                "attributes = [\n  \"SERVICE_DATE.YEAR\",\n  \"SERVICE_DATE.DATE_ID\",\n  \"PATIENT.GENDER\",\n"
            ),
            "{exported}"
        );
        let reader = &exported[exported.find("name = \"READER\"").unwrap_or_default()..];
        let objects: String = mart_names
            .iter()
            .map(|n| format!("    {},\n", string(n)))
            .collect::<Vec<_>>()
            .concat();
        assert!(
            reader.starts_with(&format!(
                "name = \"READER\"\ngrants = [\n  {{ access = \"read\", objects = [\n{objects}  ] }},\n]\n"
            )),
            "{reader}"
        );
        assert!(
            exported.contains(
                "grants = [\n  { access = \"write\", objects = [\"MART_WITH_A_LONG_NAME_0\", \"MART_WITH_A_LONG_NAME_1\"] },\n  { access = \"read\", objects = [\n"
            ),
            "{exported}"
        );
    }
}
