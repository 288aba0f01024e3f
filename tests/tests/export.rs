//! `model_core::to_toml`: every model in `schemas/` and `tests/fixtures/valid/`
//! survives export and reload unchanged, the export is a fixpoint, and the
//! retail model's export is reviewed as a snapshot.
#![allow(clippy::doc_markdown)]

use dimgen_tests::{load_model, model_files, workspace_root};

fn reload(name: &str, text: &str) -> model_core::Validated {
    match model_core::load_str(name, text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!(
            "the export of {name} does not load:\n{}\n{text}",
            e.diagnostics.render(100)
        ),
    }
}

#[test]
fn every_model_survives_export_and_reload() {
    for path in model_files() {
        let model = load_model(&path);
        let name = path.display().to_string();
        let exported = model_core::to_toml(&model);
        let reloaded = reload(&name, &exported);
        assert!(reloaded == model, "{name}: the reloaded model differs\n{exported}");
        assert_eq!(
            model_core::to_toml(&reloaded),
            exported,
            "{name}: exporting the reloaded model changed the text"
        );
    }
}

#[test]
fn export_is_deterministic() {
    for path in model_files() {
        let model = load_model(&path);
        assert_eq!(model_core::to_toml(&model), model_core::to_toml(&model.clone()));
    }
}

#[test]
fn every_model_generates_the_same_sql_after_export() {
    for path in model_files() {
        let model = load_model(&path);
        let reloaded = reload(&path.display().to_string(), &model_core::to_toml(&model));
        for env in &model.environments {
            let before = dimgen::generate(&model, &env.name).expect("generate");
            let after = dimgen::generate(&reloaded, &env.name).expect("generate");
            assert_eq!(before.rendered(), after.rendered(), "{}: {}", path.display(), env.name);
        }
    }
}

#[test]
fn the_retail_export_matches_its_snapshot() {
    let model = load_model(&workspace_root().join("schemas/retail.toml"));
    let text = model_core::to_toml(&model);
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("export__retail", text);
    });
}

/// Random models, built to be valid (most are; the rest are skipped), with
/// hostile names, comments and keys, every column kind and every type.
mod random {
    use std::collections::{BTreeMap, BTreeSet};

    use model_core::model::{
        Access, Aggregate, Allocation, AsOf, Bridge, CopyMapping, DerivedMeasure, Dimension, Fact, FileFormat,
        FileMetadata, FileType, Grant, Load, Mart, MartAttribute, MartKind, OnError, PiiClass, RefreshMode, Role,
        SYSTEM_ROLES, Scope, Stage, StorageIntegration, StorageProvider, Through, default_landing, default_pipe,
    };
    use model_core::{
        Additivity, Column, ColumnKind, DataType, EffectiveDating, Environment, FactType, Grain, KeyGeneration, Model,
        ScdType, TableId, TableKind, default_key, default_role,
    };
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// Characters of names: TOML and SQL syntax, quotes, placeholders,
    /// non-ASCII (with case mappings that change length), invisible ones (not
    /// the line separator U+2028, which names may not hold).
    /// Never `~`, which the builder uses to make names unique.
    const NAME_CHARS: &[char] = &[
        '"', '\'', '\\', ' ', ';', '.', ',', '$', '{', '}', '#', '=', '[', ']', '-', '/', '*', 'é', 'ß', 'ﬀ', 'İ',
        '尺', '🚀', '\u{feff}', '\u{200b}', '\u{a0}',
    ];

    fn name_char() -> impl Strategy<Value = char> {
        prop_oneof![
            prop::sample::select(NAME_CHARS),
            prop::char::range('A', 'Z'),
            prop::char::range('a', 'z'),
            prop::char::range('0', '9'),
            Just('_'),
        ]
    }

    /// A name without control characters.
    fn name(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
        prop::collection::vec(name_char(), len).prop_map(String::from_iter)
    }

    /// Any text: names' characters, line breaks, control characters, any
    /// Unicode scalar value.
    fn text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            3 => name_char(),
            1 => prop::sample::select(&['\n', '\r', '\t', '\0', '\u{7f}', '\u{85}', '\u{1b}'][..]),
            1 => any::<char>(),
        ];
        prop::collection::vec(c, 0..16).prop_map(String::from_iter)
    }

    /// Text where placeholders are substituted: no malformed `${`, and
    /// sometimes a `${v}` (defined everywhere), `${env}` or `$$`.
    fn template() -> impl Strategy<Value = String> {
        (text(), placeholder()).prop_map(|(text, tail)| format!("{}{tail}", text.replace("${", "$ {")))
    }

    fn placeholder() -> impl Strategy<Value = &'static str> {
        prop::sample::select(&["", "${v}", "${env}", "$$", "US$", "$"][..])
    }

    /// A database or schema name: `prefix`, name characters, maybe a placeholder.
    fn identifier_template(prefix: &'static str) -> impl Strategy<Value = String> {
        (name(0..6), placeholder()).prop_map(move |(name, tail)| format!("{prefix}{}{tail}", name.replace("${", "$ {")))
    }

    fn data_type() -> impl Strategy<Value = DataType> {
        prop_oneof![
            (1u8..=38)
                .prop_flat_map(|p| (Just(p), 0..=p))
                .prop_map(|(precision, scale)| DataType::Number { precision, scale }),
            Just(DataType::INTEGER),
            Just(DataType::Float),
            Just(DataType::Varchar(None)),
            (1u32..=16_777_216).prop_map(|n| DataType::Varchar(Some(n))),
            Just(DataType::Boolean),
            Just(DataType::Date),
            Just(DataType::Time),
            Just(DataType::TimestampNtz),
            Just(DataType::TimestampLtz),
            Just(DataType::TimestampTz),
            Just(DataType::Variant),
            Just(DataType::Object),
            Just(DataType::Array),
            Just(DataType::Binary),
        ]
    }

    #[derive(Debug, Clone)]
    struct ColumnSeed {
        name: String,
        comment: Option<String>,
        kind: u8,
        sql_type: DataType,
        nullable: Option<bool>,
        /// The class and mask, as indexes of `PiiClass::ALL` and `Mask::ALL`.
        pii: Option<(usize, usize)>,
        scd: Option<u8>,
        role: bool,
        pick: usize,
    }

    fn column_seed() -> impl Strategy<Value = ColumnSeed> {
        (
            name(1..6),
            proptest::option::of(template()),
            0u8..4,
            data_type(),
            proptest::option::of(any::<bool>()),
            proptest::option::of((
                0..model_core::model::PiiClass::ALL.len(),
                0..model_core::model::Mask::ALL.len(),
            )),
            proptest::option::of(0u8..3),
            any::<bool>(),
            any::<usize>(),
        )
            .prop_map(
                |(name, comment, kind, sql_type, nullable, pii, scd, role, pick)| ColumnSeed {
                    name,
                    comment,
                    kind,
                    sql_type,
                    nullable,
                    pii,
                    scd,
                    role,
                    pick,
                },
            )
    }

    #[derive(Debug, Clone)]
    struct TableSeed {
        name: String,
        comment: Option<String>,
        choice: u8,
        key_generation: u8,
        explicit_key: bool,
        unknown_member: bool,
        natural_key_len: usize,
        picks: Vec<usize>,
        grain: Option<String>,
        columns: Vec<ColumnSeed>,
    }

    fn table_seed() -> impl Strategy<Value = TableSeed> {
        (
            name(1..8),
            proptest::option::of(template()),
            0u8..4,
            0u8..3,
            any::<bool>(),
            any::<bool>(),
            0usize..3,
            prop::collection::vec(any::<usize>(), 0..4),
            proptest::option::of(text()),
            prop::collection::vec(column_seed(), 1..6),
        )
            .prop_map(
                |(
                    name,
                    comment,
                    choice,
                    key_generation,
                    explicit_key,
                    unknown_member,
                    natural_key_len,
                    picks,
                    grain,
                    columns,
                )| {
                    TableSeed {
                        name,
                        comment,
                        choice,
                        key_generation,
                        explicit_key,
                        unknown_member,
                        natural_key_len,
                        picks,
                        grain,
                        columns,
                    }
                },
            )
    }

    /// Name, schema, the value of `v`, more variables.
    type EnvironmentSeed = (String, String, String, Vec<(String, String)>);

    /// A mart: what it is, what it reads, what it computes. Lists of picks
    /// choose among the candidates the model offers.
    #[derive(Debug, Clone)]
    struct MartSeed {
        name: String,
        comment: Option<String>,
        kind: u8,
        target_lag: String,
        warehouse: String,
        refresh_mode: u8,
        fact: usize,
        star: bool,
        attributes: Vec<usize>,
        columns: Vec<usize>,
        /// Sum, avg, min, max picks.
        measures: [Vec<usize>; 4],
        count: Option<String>,
        count_distinct: Vec<(String, usize)>,
        ratio: Vec<(String, usize, usize)>,
        /// Sum a semi-additive measure, grouped by its time key.
        over_time: Option<usize>,
        /// Pick of bridge and reference, allocation, as-of choice and pick.
        through: Option<(usize, bool, u8, usize)>,
    }

    fn picks(max: usize) -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(any::<usize>(), 0..max)
    }

    fn mart_seed() -> impl Strategy<Value = MartSeed> {
        let what = (
            name(1..8),
            proptest::option::of(template()),
            0u8..3,
            template(),
            identifier_template("WH"),
            0u8..3,
        );
        let reads = (any::<usize>(), any::<bool>(), picks(5), picks(4));
        let computes = (
            [picks(3), picks(3), picks(3), picks(3)],
            proptest::option::of(name(0..4)),
            prop::collection::vec((name(0..4), any::<usize>()), 0..3),
            prop::collection::vec((name(0..4), any::<usize>(), any::<usize>()), 0..3),
            proptest::option::of(any::<usize>()),
            proptest::option::weighted(0.7, (any::<usize>(), any::<bool>(), 0u8..3, any::<usize>())),
        );
        (what, reads, computes).prop_map(
            |(
                (name, comment, kind, target_lag, warehouse, refresh_mode),
                (fact, star, attributes, columns),
                (measures, count, count_distinct, ratio, over_time, through),
            )| MartSeed {
                name,
                comment,
                kind,
                target_lag,
                warehouse,
                refresh_mode,
                fact,
                star,
                attributes,
                columns,
                measures,
                count,
                count_distinct,
                ratio,
                over_time,
                through,
            },
        )
    }

    /// A role: name, comment, parent choice and pick, warehouses, grants
    /// (access, scope choice, object picks).
    type RoleSeed = (
        String,
        Option<String>,
        u8,
        usize,
        Vec<String>,
        Vec<(u8, u8, Vec<usize>)>,
    );

    fn role_seed() -> impl Strategy<Value = RoleSeed> {
        (
            identifier_template("R"),
            proptest::option::of(template()),
            0u8..3,
            any::<usize>(),
            prop::collection::vec(identifier_template("WH"), 0..3),
            prop::collection::vec((0u8..3, 0u8..3, picks(4)), 0..4),
        )
    }

    /// A file format: name, comment, type, compression (pick, upper case),
    /// the field, record and enclosing delimiters, `skip_header`,
    /// `parse_header`, `null_if`, `empty_field_as_null`, `trim_space` and
    /// `strip_outer_array`, the date and timestamp formats. Options that do
    /// not apply to the type are dropped.
    #[derive(Debug, Clone)]
    struct FormatSeed {
        name: (String, u8),
        comment: Option<String>,
        file_type: u8,
        compression: Option<(usize, bool)>,
        delimiters: [Option<String>; 3],
        skip_header: Option<u32>,
        parse_header: Option<bool>,
        null_if: Option<Vec<String>>,
        flags: [Option<bool>; 3],
        formats: [Option<String>; 2],
    }

    fn format_seed() -> impl Strategy<Value = FormatSeed> {
        let delimiter = || proptest::option::of(prop_oneof![3 => text(), 1 => Just("\"".to_owned())]);
        (
            (name(0..5), 0u8..3),
            proptest::option::of(template()),
            0u8..3,
            proptest::option::of((any::<usize>(), any::<bool>())),
            [delimiter(), delimiter(), delimiter()],
            proptest::option::of(any::<u32>()),
            proptest::option::weighted(0.7, prop::bool::weighted(0.8)),
            proptest::option::of(prop::collection::vec(text(), 0..3)),
            [
                proptest::option::of(any::<bool>()),
                proptest::option::of(any::<bool>()),
                proptest::option::of(any::<bool>()),
            ],
            [proptest::option::of(text()), proptest::option::of(text())],
        )
            .prop_map(
                |(
                    name,
                    comment,
                    file_type,
                    compression,
                    delimiters,
                    skip_header,
                    parse_header,
                    null_if,
                    flags,
                    formats,
                )| FormatSeed {
                    name,
                    comment,
                    file_type,
                    compression,
                    delimiters,
                    skip_header,
                    parse_header,
                    null_if,
                    flags,
                    formats,
                },
            )
    }

    /// A storage integration: name (prefix, placeholder choice), comment,
    /// kind of role ARN, AWS account, IAM role name, usage choice and picks.
    type IntegrationSeed = ((String, u8), Option<String>, u8, u64, String, u8, Vec<usize>);

    fn integration_seed() -> impl Strategy<Value = IntegrationSeed> {
        (
            (name(0..5), 0u8..3),
            proptest::option::of(template()),
            0u8..3,
            0u64..1_000_000_000_000,
            "[A-Za-z0-9+=,.@_-]{1,12}",
            0u8..3,
            picks(3),
        )
    }

    /// A stage: name, comment, bucket (a name, `${v}` or `${env}`), folder,
    /// integration and file format picks.
    type StageSeed = ((String, u8), Option<String>, u8, String, String, usize, usize);

    fn stage_seed() -> impl Strategy<Value = StageSeed> {
        (
            (name(0..5), 0u8..3),
            proptest::option::of(template()),
            0u8..3,
            "[a-z0-9][a-z0-9.-]{2,10}",
            "([A-Za-z0-9_=.-]{1,6}/){0,3}",
            any::<usize>(),
            any::<usize>(),
        )
    }

    /// A load: which table, stage and format; how it maps; how it runs.
    #[derive(Debug, Clone)]
    struct LoadSeed {
        table: usize,
        stage: usize,
        file_format: Option<usize>,
        path: Option<String>,
        pipe: Option<(String, u8)>,
        landing: Option<(String, u8)>,
        /// Match by name (case-insensitive, case-sensitive), projection
        /// derived or with fields.
        mapping: u8,
        /// Which landing columns get a field, and the field names.
        fields: (Vec<usize>, Vec<String>, usize, bool),
        metadata: Vec<usize>,
        auto_ingest: bool,
        /// `aws_sns_topic`, `error_integration`, `pattern`, `schedule`.
        texts: [Option<String>; 4],
        on_error: Option<u8>,
        warehouse: String,
        event_time: Option<usize>,
    }

    fn load_seed() -> impl Strategy<Value = LoadSeed> {
        let which = (
            any::<usize>(),
            any::<usize>(),
            proptest::option::weighted(0.3, any::<usize>()),
            proptest::option::of("([A-Za-z0-9_=.-]{1,6}/){0,3}[A-Za-z0-9_=.-]{0,4}"),
            proptest::option::of((name(0..5), 0u8..3)),
            proptest::option::of((name(0..5), 0u8..3)),
        );
        let maps = (
            0u8..4,
            (
                picks(6),
                prop::collection::vec(name(0..6), 0..6),
                any::<usize>(),
                any::<bool>(),
            ),
            picks(4),
        );
        let runs = (
            any::<bool>(),
            [
                proptest::option::of(template().boxed()),
                // error_integration is a name: no control characters.
                proptest::option::of(identifier_template("ERR").boxed()),
                proptest::option::of(template().boxed()),
                proptest::option::of(template().boxed()),
            ],
            proptest::option::of(0u8..3),
            identifier_template("WH"),
            proptest::option::weighted(0.7, any::<usize>()),
        );
        (which, maps, runs).prop_map(
            |(
                (table, stage, file_format, path, pipe, landing),
                (mapping, fields, metadata),
                (auto_ingest, texts, on_error, warehouse, event_time),
            )| LoadSeed {
                table,
                stage,
                file_format,
                path,
                pipe,
                landing,
                mapping,
                fields,
                metadata,
                auto_ingest,
                texts,
                on_error,
                warehouse,
                event_time,
            },
        )
    }

    /// The ingestion of a model: file formats, integrations, stages, loads.
    type IngestSeed = (Vec<FormatSeed>, Vec<IntegrationSeed>, Vec<StageSeed>, Vec<LoadSeed>);

    fn ingest_seed() -> impl Strategy<Value = IngestSeed> {
        (
            prop::collection::vec(format_seed(), 0..4),
            prop::collection::vec(integration_seed(), 1..3),
            prop::collection::vec(stage_seed(), 1..4),
            prop::collection::vec(load_seed(), 0..6),
        )
    }

    #[derive(Debug, Clone)]
    struct ModelSeed {
        name: String,
        database: String,
        comment: Option<String>,
        environments: Vec<EnvironmentSeed>,
        dimensions: Vec<TableSeed>,
        facts: Vec<TableSeed>,
        bridges: Vec<TableSeed>,
        marts: Vec<MartSeed>,
        roles: Vec<RoleSeed>,
        ingestion: IngestSeed,
    }

    fn model_seed() -> impl Strategy<Value = ModelSeed> {
        // Environment names, variable values and the model's name end up in
        // names and header comments: validation refuses control characters
        // and blank environment names there (tests/tests/robustness.rs).
        let environment = (
            name(1..6).prop_filter("a blank environment name is refused", |n| !n.trim().is_empty()),
            identifier_template("S"),
            name(0..16),
            prop::collection::vec((name(0..5), name(0..16)), 0..3),
        );
        (
            name(0..16),
            identifier_template("DB"),
            proptest::option::of(template()),
            prop::collection::vec(environment, 1..4),
            prop::collection::vec(table_seed(), 1..5),
            prop::collection::vec(table_seed(), 0..4),
            prop::collection::vec(table_seed(), 0..3),
            prop::collection::vec(mart_seed(), 0..6),
            prop::collection::vec(role_seed(), 0..4),
            ingest_seed(),
        )
            .prop_map(
                |(name, database, comment, environments, dimensions, facts, bridges, marts, roles, ingestion)| {
                    ModelSeed {
                        name,
                        database,
                        comment,
                        environments,
                        dimensions,
                        facts,
                        bridges,
                        marts,
                        roles,
                        ingestion,
                    }
                },
            )
    }

    fn is_semi_structured(ty: DataType) -> bool {
        matches!(
            ty,
            DataType::Variant | DataType::Object | DataType::Array | DataType::Binary
        )
    }

    fn scd(n: u8) -> ScdType {
        match n {
            0 => ScdType::Fixed,
            1 => ScdType::Overwrite,
            _ => ScdType::History,
        }
    }

    /// Column names unique in the model (`~table_column`), distinct column
    /// names picked by `picks`.
    fn picked(columns: &[Column], picks: &[usize]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        picks
            .iter()
            .map(|p| columns[p % columns.len()].name.clone())
            .filter(|n| seen.insert(n.clone()))
            .collect()
    }

    fn column(seed: &ColumnSeed, name: String, kind: ColumnKind) -> Column {
        let nullable = seed.nullable.unwrap_or_else(|| Column::default_nullable(&kind));
        let ty = match &kind {
            ColumnKind::Attribute { sql_type, .. }
            | ColumnKind::Measure { sql_type, .. }
            | ColumnKind::Degenerate { sql_type } => Some(*sql_type),
            _ => None,
        };
        // Never on a reference (`dimgen::masked_key`); a mask the type
        // cannot take (`dimgen::mask_type`) becomes `redact`.
        let pii = seed
            .pii
            .filter(|_| !matches!(kind, ColumnKind::Reference { .. }))
            .map(|(class, mask)| {
                let text = matches!(ty, Some(DataType::Varchar(_)));
                let dated = matches!(
                    ty,
                    Some(DataType::Date | DataType::TimestampNtz | DataType::TimestampLtz | DataType::TimestampTz)
                );
                let mask = match model_core::model::Mask::ALL[mask] {
                    model_core::model::Mask::Partial if !text => model_core::model::Mask::Redact,
                    model_core::model::Mask::Year if !dated => model_core::model::Mask::Redact,
                    fits => fits,
                };
                model_core::model::Pii {
                    class: model_core::model::PiiClass::ALL[class],
                    mask,
                }
            });
        Column {
            name,
            kind,
            nullable,
            comment: seed.comment.clone(),
            pii,
            renamed_from: None,
            default: None,
        }
    }

    fn role(seed: &ColumnSeed, j: usize) -> Option<String> {
        seed.role.then(|| format!("ROLE{j}"))
    }

    fn dimension(seed: &TableSeed, t: usize, names: &[String]) -> Dimension {
        let name = names[t].clone();
        let key_generation = [KeyGeneration::Identity, KeyGeneration::Sequence, KeyGeneration::Natural]
            [usize::from(seed.key_generation) % 3];
        let natural = key_generation == KeyGeneration::Natural;
        // No history with a natural key (versions need a surrogate key).
        let table_scd = match scd(seed.choice % 3) {
            ScdType::History if natural => ScdType::Overwrite,
            other => other,
        };
        // SCD2 history needs a natural key (this may add one where none is
        // needed, which is harmless).
        let may_keep_history = table_scd == ScdType::History || seed.columns.iter().any(|c| c.scd == Some(2));
        let natural_key_len = match seed.natural_key_len.min(seed.columns.len()) {
            _ if natural => 1,
            0 if may_keep_history => 1,
            n => n,
        };
        let columns: Vec<Column> = seed
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let column_name = format!("{}~{t}_{j}", c.name);
                let in_key = j < natural_key_len;
                if c.kind == 0 && !in_key {
                    // An outrigger to an earlier dimension or to itself: never a cycle.
                    let target = names[c.pick % (t + 1)].clone();
                    return column(
                        c,
                        column_name,
                        ColumnKind::Reference {
                            dimension: target,
                            role: role(c, j),
                        },
                    );
                }
                let mut sql_type = c.sql_type;
                if natural && in_key {
                    sql_type = match sql_type {
                        DataType::Number { precision, .. } => DataType::Number { precision, scale: 0 },
                        _ => DataType::INTEGER,
                    };
                }
                if in_key && seed.unknown_member && is_semi_structured(sql_type) {
                    sql_type = DataType::Varchar(None);
                }
                let column_scd = c.scd.map(scd).map(|s| match s {
                    ScdType::History if natural => ScdType::Fixed,
                    other => other,
                });
                let mut column = column(
                    c,
                    column_name,
                    ColumnKind::Attribute {
                        sql_type,
                        scd: column_scd,
                    },
                );
                if seed.unknown_member && is_semi_structured(sql_type) {
                    column.nullable = true;
                }
                column
            })
            .collect();
        let mut columns = columns;
        // Natural-key columns are never NULL (the loader makes them so).
        for c in &mut columns[..natural_key_len] {
            c.nullable = false;
            // Validation refuses masked keys (`dimgen::masked_key`).
            c.pii = None;
        }
        let natural_key: Vec<String> = columns[..natural_key_len].iter().map(|c| c.name.clone()).collect();
        let key = match key_generation {
            KeyGeneration::Natural => natural_key[0].clone(),
            _ if seed.explicit_key => format!("{}~k{t}", seed.name),
            _ => default_key(&name, "DIM_"),
        };
        Dimension {
            name,
            comment: seed.comment.clone(),
            scd: table_scd,
            key,
            key_generation,
            natural_key,
            unknown_member: seed.unknown_member,
            cluster_by: picked(&columns, &seed.picks),
            renamed_from: None,
            generate: None,
            columns,
        }
    }

    fn fact(seed: &TableSeed, t: usize, names: &[String], dimensions: &[Dimension]) -> Fact {
        let name = names[t].clone();
        let fact_type = [
            FactType::Transaction,
            FactType::PeriodicSnapshot,
            FactType::AccumulatingSnapshot,
            FactType::Factless,
        ][usize::from(seed.choice) % 4];
        let columns: Vec<Column> = seed
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let column_name = format!("{}~{t}_{j}", c.name);
                let kind = match c.kind {
                    0 => ColumnKind::Reference {
                        dimension: dimensions[c.pick % dimensions.len()].name.clone(),
                        role: role(c, j),
                    },
                    1 if fact_type != FactType::Factless => ColumnKind::Measure {
                        sql_type: if c.sql_type.is_numeric() {
                            c.sql_type
                        } else {
                            DataType::Float
                        },
                        additivity: [Additivity::Additive, Additivity::SemiAdditive, Additivity::NonAdditive]
                            [c.pick % 3],
                        over: None,
                    },
                    2 => ColumnKind::Degenerate { sql_type: c.sql_type },
                    _ => ColumnKind::Attribute {
                        sql_type: c.sql_type,
                        scd: None,
                    },
                };
                column(c, column_name, kind)
            })
            .collect();
        // A semi-additive measure may name its time reference (`over`).
        let references: Vec<String> = columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Reference { .. }))
            .map(|c| c.name.clone())
            .collect();
        let mut columns = columns;
        for (c, s) in columns.iter_mut().zip(&seed.columns) {
            if let ColumnKind::Measure {
                additivity: Additivity::SemiAdditive,
                over,
                ..
            } = &mut c.kind
                && s.role
                && !references.is_empty()
            {
                *over = Some(references[s.pick / 3 % references.len()].clone());
            }
        }
        let grain_columns = picked(&columns, &seed.picks[..seed.picks.len().min(seed.natural_key_len)]);
        // Grain columns are never NULL (the loader makes them so).
        for c in columns.iter_mut().filter(|c| grain_columns.contains(&c.name)) {
            c.nullable = false;
            c.pii = None;
        }
        Fact {
            name: name.clone(),
            comment: seed.comment.clone(),
            fact_type,
            grain: Grain {
                description: seed.grain.clone(),
                columns: grain_columns,
            },
            key: if seed.explicit_key {
                format!("{}~k{t}", seed.name)
            } else {
                default_key(&name, "FACT_")
            },
            key_generation: [KeyGeneration::Identity, KeyGeneration::Sequence][usize::from(seed.key_generation) % 2],
            cluster_by: picked(&columns, &seed.picks),
            renamed_from: None,
            columns,
        }
    }

    /// What an as-of join may compare: keys of one dimension, or dates.
    fn timeline(column: &Column) -> Option<String> {
        match &column.kind {
            ColumnKind::Reference { dimension, .. } => Some(dimension.clone()),
            ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type } => {
                sql_type.is_temporal().then(|| "date or timestamp".to_owned())
            }
            _ => None,
        }
    }

    fn bridge(seed: &TableSeed, t: usize, names: &[String], dimensions: &[Dimension]) -> Bridge {
        let n = dimensions.len();
        let first = seed.columns[0].pick % n;
        let second = (first + 1 + seed.key_generation as usize % (n - 1)) % n;
        let columns: Vec<Column> = seed
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let column_name = format!("{}~{t}_{j}", c.name);
                let kind = if c.kind == 0 {
                    ColumnKind::Reference {
                        dimension: dimensions[c.pick % n].name.clone(),
                        role: role(c, j),
                    }
                } else {
                    ColumnKind::Attribute {
                        sql_type: c.sql_type,
                        scd: None,
                    }
                };
                column(c, column_name, kind)
            })
            .collect();
        let attributes: Vec<&Column> = columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Attribute { .. }))
            .collect();
        let weight = attributes
            .iter()
            .find(|c| c.declared_type().is_some_and(DataType::is_numeric))
            .filter(|_| seed.choice.is_multiple_of(2))
            .map(|c| c.name.clone());
        let pick = |i: usize| seed.picks.get(i).map(|p| columns[p % columns.len()].name.clone());
        // `to` is on the timeline of `from` (validation refuses an `as_of`
        // join otherwise): a column of the same kind, possibly `from` itself.
        let effective = match (seed.picks.first(), seed.picks.get(1)) {
            (Some(&from), Some(&to)) if seed.explicit_key => {
                let from = &columns[from % columns.len()];
                let peers: Vec<&Column> = columns.iter().filter(|c| timeline(c) == timeline(from)).collect();
                Some(EffectiveDating {
                    from: from.name.clone(),
                    to: peers[to % peers.len()].name.clone(),
                    current: pick(2),
                })
            }
            _ => None,
        };
        Bridge {
            name: names[t].clone(),
            comment: seed.comment.clone(),
            dimensions: vec![dimensions[first].name.clone(), dimensions[second].name.clone()],
            weight,
            group: if seed.unknown_member { pick(3) } else { None },
            effective,
            cluster_by: picked(&columns, &seed.picks[..seed.picks.len().min(seed.natural_key_len)]),
            renamed_from: None,
            columns,
        }
    }

    /// Distinct items of `candidates` chosen by `picks`.
    fn choose<T: Clone + PartialEq>(candidates: &[T], picks: &[usize]) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        if candidates.is_empty() {
            return out;
        }
        for p in picks {
            let item = &candidates[p % candidates.len()];
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        out
    }

    /// The roles of a fact's references as the mart planner sees them: the
    /// last reference of each upper-cased role wins. Roles with a dot cannot
    /// be written as `ROLE.ATTRIBUTE`.
    fn fact_roles<'m>(model: &'m Model, fact: &'m Fact) -> Vec<(String, &'m Column, &'m Dimension)> {
        let mut roles: Vec<(String, &Column, &Dimension)> = Vec::new();
        for column in &fact.columns {
            let ColumnKind::Reference { dimension, role } = &column.kind else {
                continue;
            };
            let Some(dimension) = model.dimension(dimension) else {
                continue;
            };
            let role = role.clone().unwrap_or_else(|| default_role(&column.name));
            roles.retain(|(r, ..)| r.to_uppercase() != role.to_uppercase());
            roles.push((role, column, dimension));
        }
        roles.retain(|(r, ..)| !r.contains('.'));
        roles
    }

    /// A mart over one of the model's facts, valid by construction (mostly).
    fn mart(seed: &MartSeed, i: usize, model: &Model) -> Option<Mart> {
        let fact = model.facts.get(seed.fact % model.facts.len().max(1))?;
        let roles = fact_roles(model, fact);
        let mut attributes: Vec<String> = roles
            .iter()
            .flat_map(|(role, _, dimension)| dimension.columns.iter().map(move |c| format!("{role}.{}", c.name)))
            .collect();
        // A bridge one of whose sides the fact references.
        let mut through = None;
        if let Some((pick, weighted, as_of, date_pick)) = seed.through {
            let connections: Vec<(&Bridge, &Column, &Dimension)> = model
                .bridges
                .iter()
                .flat_map(|b| fact.columns.iter().map(move |c| (b, c)))
                .filter_map(|(b, c)| match &c.kind {
                    ColumnKind::Reference { dimension, .. } => {
                        let side = b.dimensions.iter().position(|d| d == dimension)?;
                        let reached = model.dimension(&b.dimensions[1 - side])?;
                        Some((b, c, reached))
                    }
                    _ => None,
                })
                .collect();
            // Prefer the bridges that can do what the seed asks.
            let able: Vec<_> = connections
                .iter()
                .copied()
                .filter(|(b, ..)| !weighted || b.weight.is_some())
                .filter(|(b, ..)| as_of == 0 || b.effective.as_ref().is_some_and(|e| as_of == 2 || e.current.is_some()))
                .collect();
            let connections = if able.is_empty() { connections } else { able };
            if !connections.is_empty() {
                let (bridge, reference, reached) = connections[pick % connections.len()];
                let role = format!("VIA{i}");
                attributes.extend(reached.columns.iter().map(|c| format!("{role}.{}", c.name)));
                // `as_of` a fact date must name a fact column on the timeline
                // of the bridge's `from` (and `to`) column.
                let dated_by = bridge
                    .effective
                    .as_ref()
                    .and_then(|e| bridge.columns.iter().find(|c| c.name == e.from).and_then(timeline));
                let dates: Vec<&Column> = fact
                    .columns
                    .iter()
                    .filter(|c| dated_by.is_some() && timeline(c) == dated_by)
                    .collect();
                let current = bridge.effective.as_ref().is_some_and(|e| e.current.is_some());
                let as_of = match as_of {
                    1 if current => AsOf::Current,
                    2 if !dates.is_empty() => AsOf::FactDate(dates[date_pick % dates.len()].name.clone()),
                    _ => AsOf::All,
                };
                through = Some(Through {
                    bridge: bridge.name.clone(),
                    reference: reference.name.clone(),
                    role,
                    allocation: if weighted && bridge.weight.is_some() {
                        Allocation::Weighted
                    } else {
                        Allocation::Impact
                    },
                    as_of,
                });
            }
        }
        let mut attributes = choose(&attributes, &seed.attributes);
        let measures: Vec<(&Column, Additivity, Option<&String>)> = fact
            .columns
            .iter()
            .filter_map(|c| match &c.kind {
                ColumnKind::Measure { additivity, over, .. } => Some((c, *additivity, over.as_ref())),
                _ => None,
            })
            .collect();
        let all: Vec<String> = measures.iter().map(|(c, ..)| c.name.clone()).collect();
        let additive: Vec<String> = measures
            .iter()
            .filter(|(_, a, _)| *a == Additivity::Additive)
            .map(|(c, ..)| c.name.clone())
            .collect();
        let mut columns = Vec::new();
        let mut aggregates = Vec::new();
        if seed.star {
            let names: Vec<String> = fact.columns.iter().map(|c| c.name.clone()).collect();
            columns = choose(&names, &seed.columns);
            if columns.is_empty() && attributes.is_empty() {
                columns.push(names[0].clone());
            }
        } else {
            // In the order the loader builds them: sum, avg, min, max, count,
            // count_distinct, ratio.
            let [sum, avg, min, max] = &seed.measures;
            let mut sums = choose(&additive, sum);
            // A semi-additive measure summed at the grain of its time reference.
            let over_time: Vec<(String, String)> = measures
                .iter()
                .filter_map(|(c, a, over)| {
                    let over = over.filter(|_| *a == Additivity::SemiAdditive)?;
                    let (role, _, dimension) = roles.iter().find(|(_, r, _)| &r.name == over)?;
                    let key = dimension.natural_key.first().unwrap_or(&dimension.key);
                    Some((c.name.clone(), format!("{role}.{key}")))
                })
                .collect();
            if let Some(pick) = seed.over_time
                && !over_time.is_empty()
            {
                let (measure, attribute) = &over_time[pick % over_time.len()];
                if !attributes.contains(attribute) {
                    attributes.push(attribute.clone());
                }
                sums.push(measure.clone());
            }
            aggregates.extend(sums.into_iter().map(Aggregate::Sum));
            aggregates.extend(choose(&all, avg).into_iter().map(Aggregate::Avg));
            aggregates.extend(choose(&all, min).into_iter().map(Aggregate::Min));
            aggregates.extend(choose(&all, max).into_iter().map(Aggregate::Max));
            let names: Vec<String> = fact.columns.iter().map(|c| c.name.clone()).collect();
            let count = seed.count.clone().map(|name| Aggregate::Count {
                name: format!("{name}~c{i}"),
            });
            aggregates.extend(count);
            for (k, (name, pick)) in seed.count_distinct.iter().enumerate() {
                aggregates.push(Aggregate::CountDistinct {
                    name: format!("{name}~d{i}_{k}"),
                    column: names[pick % names.len()].clone(),
                });
            }
            if !additive.is_empty() {
                for (k, (name, numerator, denominator)) in seed.ratio.iter().enumerate() {
                    aggregates.push(Aggregate::Ratio {
                        name: format!("{name}~r{i}_{k}"),
                        numerator: additive[numerator % additive.len()].clone(),
                        denominator: additive[denominator % additive.len()].clone(),
                    });
                }
            }
            if aggregates.is_empty() {
                // An aggregate mart aggregates something.
                aggregates.push(Aggregate::Count {
                    name: format!("N~c{i}"),
                });
            }
        }
        let name = format!("{}~m{i}", seed.name);
        let comment = seed.comment.clone();
        let kind = match seed.kind {
            0 => MartKind::View,
            1 => MartKind::SecureView,
            _ => MartKind::DynamicTable {
                target_lag: seed.target_lag.clone(),
                refresh_mode: RefreshMode::ALL[usize::from(seed.refresh_mode) % 3],
                warehouse: seed.warehouse.clone(),
            },
        };
        // The expression keys: a named attribute, a filter, a derived measure
        // (names quoted as Snowflake does, `"` doubled).
        let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let mut attributes: Vec<MartAttribute> = attributes.iter().map(|a| MartAttribute::from(a.as_str())).collect();
        if i % 3 == 1
            && let Some(first) = attributes.first_mut()
            && !first.path.ends_with(".*")
        {
            first.name = Some(format!("NAMED~a{i}"));
        }
        let filter = i
            .is_multiple_of(2)
            .then(|| format!("{} IS NOT NULL", quote(&fact.columns[0].name)));
        let mut derived = Vec::new();
        if !seed.star
            && i % 2 == 1
            && let Some(first) = additive.first()
        {
            let name = format!("DERIVED~v{i}");
            derived.push(DerivedMeasure {
                name: name.clone(),
                expression: format!("{} - {}", quote(first), quote(first)),
                additivity: None,
                over: None,
            });
            // After the other sums: the loader reads `sum` as one list.
            let at = aggregates.iter().take_while(|a| matches!(a, Aggregate::Sum(_))).count();
            aggregates.insert(at, Aggregate::Sum(name));
        }
        Some(Mart {
            name,
            comment,
            kind,
            fact: fact.name.clone(),
            attributes,
            columns,
            aggregates,
            derived,
            filter,
            through,
        })
    }

    /// A role whose parent is a system role or an earlier role (never a
    /// cycle), with grants of every scope on the model's tables and marts.
    fn access_role(seed: &RoleSeed, i: usize, earlier: &[Role], objects: &[String]) -> Role {
        let (name, comment, parent_choice, parent_pick, warehouses, grants) = seed;
        let parent = match parent_choice {
            1 => SYSTEM_ROLES[parent_pick % SYSTEM_ROLES.len()].to_owned(),
            2 if !earlier.is_empty() => earlier[parent_pick % earlier.len()].name.clone(),
            _ => "SYSADMIN".to_owned(),
        };
        let grants = grants
            .iter()
            .map(|(access, scope, picks)| Grant {
                access: [Access::Read, Access::Write, Access::Manage][usize::from(*access) % 3],
                scope: match scope {
                    0 => Scope::Schema,
                    1 => Scope::Marts,
                    _ => Scope::Objects(choose(objects, picks)),
                },
            })
            .collect();
        Role {
            name: format!("{name}~r{i}"),
            comment: comment.clone(),
            parent,
            grants,
            warehouses: warehouses.clone(),
            // The first role unmasks every class (loads and dynamic tables
            // need one, `dimgen::no_unmasking_role`); the others a pick.
            unmask: PiiClass::ALL
                .into_iter()
                .filter(|c| i == 0 || parent_pick >> (*c as usize) & 1 == 1)
                .collect(),
        }
    }

    fn build(seed: &ModelSeed) -> Model {
        let mut environments = BTreeMap::new();
        for (name, schema, v, vars) in &seed.environments {
            let mut vars: BTreeMap<String, String> = vars.iter().cloned().collect();
            vars.insert("v".to_owned(), v.clone());
            environments.insert(
                name.clone(),
                Environment {
                    name: name.clone(),
                    schema: schema.clone(),
                    vars,
                },
            );
        }
        let tables = seed.dimensions.iter().chain(&seed.facts).chain(&seed.bridges);
        let names: Vec<String> = tables.enumerate().map(|(t, s)| format!("{}~{t}", s.name)).collect();
        let mut dimensions = Vec::new();
        for (t, s) in seed.dimensions.iter().enumerate() {
            let dimension = dimension(s, t, &names);
            dimensions.push(dimension);
        }
        let offset = dimensions.len();
        let facts = seed
            .facts
            .iter()
            .enumerate()
            .map(|(k, s)| fact(s, offset + k, &names, &dimensions))
            .collect();
        let offset = offset + seed.facts.len();
        let bridges = if dimensions.len() < 2 {
            Vec::new()
        } else {
            seed.bridges
                .iter()
                .enumerate()
                .map(|(k, s)| bridge(s, offset + k, &names, &dimensions))
                .collect()
        };
        let mut model = Model {
            name: seed.name.clone(),
            database: seed.database.clone(),
            comment: seed.comment.clone(),
            environments: environments.into_values().collect(),
            dimensions,
            facts,
            bridges,
            marts: Vec::new(),
            roles: Vec::new(),
            file_formats: Vec::new(),
            storage_integrations: Vec::new(),
            stages: Vec::new(),
            loads: Vec::new(),
            lookup: model_core::model::Lookup::default(),
        };
        model.marts = seed
            .marts
            .iter()
            .enumerate()
            .filter_map(|(i, s)| mart(s, i, &model))
            .collect();
        let objects: Vec<String> = model
            .tables()
            .map(|t| t.name().to_owned())
            .chain(model.marts.iter().map(|m| m.name.clone()))
            .collect();
        for (i, s) in seed.roles.iter().enumerate() {
            let role = access_role(s, i, &model.roles, &objects);
            model.roles.push(role);
        }
        ingestion(&seed.ingestion, &mut model);
        governable(&mut model);
        model
    }

    /// Repair what the masking rules refuse, so that most models stay valid:
    /// personal data a load or dynamic table stores with no role to unmask
    /// it stops being `pii`, and a dynamic table that computes from personal
    /// data becomes a view.
    fn governable(model: &mut Model) {
        use model_core::{Code, Loc, TableKind};
        for _ in 0..20 {
            let mut changed = false;
            for problem in model_core::validate(model) {
                let Some(label) = problem.labels.first() else { continue };
                match (problem.code, &label.at) {
                    (Code::NoUnmaskingRole, Loc::Column { table, column, .. }) => {
                        let columns = match table.kind {
                            TableKind::Dimension => &mut model.dimensions[table.index].columns,
                            TableKind::Fact => &mut model.facts[table.index].columns,
                            _ => &mut model.bridges[table.index].columns,
                        };
                        changed |= columns[*column].pii.take().is_some();
                    }
                    (Code::MaskedComputation, Loc::Table { table, .. }) => {
                        model.marts[table.index].kind = MartKind::View;
                        changed = true;
                    }
                    _ => {}
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// The name of an object of the ingestion: a prefix of name characters
    /// (no placeholder, no `$` at its end that would escape the next one),
    /// maybe `${env}_` or `${v}`, then a suffix that makes it unique.
    fn object_name((prefix, placeholder): &(String, u8), suffix: &str) -> String {
        let prefix = prefix.replace("${", "$ {");
        let middle = ["", "${env}_", "${v}"][usize::from(*placeholder) % 3];
        format!("{}{middle}{suffix}", prefix.trim_end_matches('$'))
    }

    fn file_format(seed: &FormatSeed, i: usize) -> FileFormat {
        let file_type = FileType::ALL[usize::from(seed.file_type) % 3];
        let (csv, text, json) = (
            file_type == FileType::Csv,
            file_type != FileType::Parquet,
            file_type == FileType::Json,
        );
        let compressions: &[&str] = if file_type == FileType::Parquet {
            &["auto", "lzo", "snappy", "none"]
        } else {
            &[
                "auto",
                "gzip",
                "bz2",
                "brotli",
                "zstd",
                "deflate",
                "raw_deflate",
                "none",
            ]
        };
        let [field_delimiter, record_delimiter, enclosed_by] = seed.delimiters.clone();
        let [empty_field_as_null, trim_space, strip_outer_array] = seed.flags;
        let [date_format, timestamp_format] = seed.formats.clone();
        let only = |applies: bool, value: Option<String>| value.filter(|_| applies);
        FileFormat {
            name: object_name(&seed.name, &format!("~f{i}")),
            comment: seed.comment.clone(),
            file_type,
            compression: seed.compression.map(|(pick, upper)| {
                let choice = compressions[pick % compressions.len()];
                if upper {
                    choice.to_uppercase()
                } else {
                    choice.to_owned()
                }
            }),
            field_delimiter: only(csv, field_delimiter),
            record_delimiter: only(csv, record_delimiter),
            // Snowflake does not take SKIP_HEADER with PARSE_HEADER = TRUE
            // (`dimgen::conflicting_keys`).
            skip_header: seed
                .skip_header
                .filter(|_| csv)
                .map(|n| if seed.parse_header == Some(true) { 0 } else { n }),
            parse_header: seed.parse_header.filter(|_| csv),
            field_optionally_enclosed_by: only(csv, enclosed_by),
            null_if: seed.null_if.clone().filter(|_| text),
            empty_field_as_null: empty_field_as_null.filter(|_| csv),
            trim_space: trim_space.filter(|_| text),
            date_format: only(text, date_format),
            timestamp_format: only(text, timestamp_format),
            strip_outer_array: strip_outer_array.filter(|_| json),
        }
    }

    /// An integration whose role ARN is an IAM role, or a variable; one
    /// that differs by environment only when its name does too.
    fn storage_integration(seed: &IntegrationSeed, i: usize, roles: &[Role]) -> StorageIntegration {
        let (name, comment, arn, account, role, usage, picks) = seed;
        let aws_role_arn = match (arn, name.1 % 3) {
            (1, 1 | 2) => "${v}".to_owned(),
            (2, 1) => format!("arn:aws:iam::{account:012}:role/${{env}}-{role}"),
            _ => format!("arn:aws:iam::{account:012}:role/{role}"),
        };
        let candidates: Vec<String> = SYSTEM_ROLES
            .iter()
            .map(|r| (*r).to_owned())
            .chain(roles.iter().map(|r| r.name.clone()))
            .collect();
        StorageIntegration {
            name: object_name(name, &format!("~i{i}")),
            comment: comment.clone(),
            provider: StorageProvider::S3,
            aws_role_arn,
            azure_tenant_id: None,
            usage: match usage {
                0 => vec!["SYSADMIN".to_owned()],
                1 => Vec::new(),
                _ => choose(&candidates, picks),
            },
        }
    }

    fn stage(seed: &StageSeed, i: usize, integrations: &[StorageIntegration], formats: &[FileFormat]) -> Stage {
        let (name, comment, bucket_choice, bucket, folder, integration, format) = seed;
        let bucket = match bucket_choice {
            0 => bucket.as_str(),
            1 => "${v}",
            _ => "${env}",
        };
        Stage {
            name: object_name(name, &format!("~s{i}")),
            comment: comment.clone(),
            url: Some(format!("s3://{bucket}/{folder}")),
            storage_integration: integrations[integration % integrations.len()].name.clone(),
            file_format: formats[format % formats.len()].name.clone(),
        }
    }

    /// A load of a table not loaded yet, valid by construction: CSV matched
    /// by name only with a parsed header, a projection only of landing
    /// columns (CSV: every one, by position), an event time only on facts.
    fn load(seed: &LoadSeed, i: usize, model: &Model) -> Option<Load> {
        let tables: Vec<&str> = model
            .dimensions
            .iter()
            // A loaded dimension needs a natural key, a loaded fact grain
            // columns (their MERGE matches on them).
            .filter(|d| !d.natural_key.is_empty())
            .map(|d| d.name.as_str())
            .chain(
                model
                    .facts
                    .iter()
                    .filter(|f| !f.grain.columns.is_empty())
                    .map(|f| f.name.as_str()),
            )
            .collect();
        if tables.is_empty() {
            return None;
        }
        let table = tables[seed.table % tables.len()];
        if model.loads.iter().any(|l| l.table == table) {
            return None;
        }
        let stage = &model.stages[seed.stage % model.stages.len()];
        let file_format = seed
            .file_format
            .map(|pick| model.file_formats[pick % model.file_formats.len()].name.clone());
        let format_name = file_format.as_deref().unwrap_or(&stage.file_format);
        let format = model.file_formats.iter().find(|f| f.name == format_name)?;
        let csv = format.file_type == FileType::Csv;
        let [aws_sns_topic, error_integration, pattern, schedule] = seed.texts.clone();
        let event_times: Vec<String> = model
            .facts
            .iter()
            .find(|f| f.name == table)
            .map(|fact| {
                fact.columns
                    .iter()
                    .filter(|c| match &c.kind {
                        ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type } => {
                            sql_type.is_temporal()
                        }
                        ColumnKind::Reference { dimension, .. } => model.dimension(dimension).is_some_and(|d| {
                            d.key_generation == KeyGeneration::Natural && model.key_type(&d.name).is_numeric()
                        }),
                        _ => false,
                    })
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut load = Load {
            table: table.to_owned(),
            stage: stage.name.clone(),
            path: seed.path.clone().unwrap_or_default().replace("..", "._"),
            pipe: seed
                .pipe
                .as_ref()
                .map_or_else(|| default_pipe(table), |name| object_name(name, &format!("~p{i}"))),
            landing: seed
                .landing
                .as_ref()
                .map_or_else(|| default_landing(table), |name| object_name(name, &format!("~l{i}"))),
            file_format,
            mapping: CopyMapping::Projection {
                fields: BTreeMap::new(),
            },
            fields: BTreeMap::new(),
            metadata: choose(&FileMetadata::ALL, &seed.metadata),
            auto_ingest: seed.auto_ingest,
            aws_sns_topic: aws_sns_topic.filter(|_| seed.auto_ingest),
            notification_integration: None,
            error_integration,
            pattern,
            on_error: seed.on_error.map(|e| OnError::ALL[usize::from(e) % 3]),
            warehouse: seed.warehouse.clone(),
            schedule,
            event_time: seed
                .event_time
                .filter(|_| !event_times.is_empty())
                .map(|pick| event_times[pick % event_times.len()].clone()),
            max_unknown_percent: None,
        };
        load.mapping = match seed.mapping {
            0 | 1 if !csv || format.parse_header == Some(true) => CopyMapping::MatchByColumnName {
                case_sensitive: seed.mapping == 1,
            },
            3 => {
                let columns = landing_columns(model, &load);
                let (picks, names, offset, zero_padded) = &seed.fields;
                let fields = if columns.is_empty() {
                    BTreeMap::new()
                } else if csv {
                    // Every landing column, by position (some spelled `"07"`).
                    let n = columns.len();
                    columns
                        .iter()
                        .enumerate()
                        .map(|(k, c)| {
                            let position = (k + offset) % n + 1;
                            let field = if *zero_padded && k == 0 {
                                format!("0{position}")
                            } else {
                                position.to_string()
                            };
                            (c.clone(), field)
                        })
                        .collect()
                } else {
                    // Some columns, by field name or path (never a quote or
                    // control character), or a number that is a name.
                    choose(&columns, picks)
                        .into_iter()
                        .zip(names.iter().cycle())
                        .enumerate()
                        .map(|(k, (c, name))| {
                            let field: String = name.chars().filter(|c| *c != '"').collect();
                            let field = if field.is_empty() || (*zero_padded && k == 0) {
                                (offset % 100).to_string()
                            } else {
                                field
                            };
                            (c, field)
                        })
                        .collect()
                };
                CopyMapping::Projection { fields }
            }
            // `projection = true`: derived fields for Parquet and JSON; CSV
            // needs its positions written out (every landing column, in order).
            _ => {
                let fields = if csv {
                    landing_columns(model, &load)
                        .into_iter()
                        .zip(1..)
                        .map(|(c, position): (_, u32)| (c, position.to_string()))
                        .collect()
                } else {
                    BTreeMap::new()
                };
                CopyMapping::Projection { fields }
            }
        };
        Some(load)
    }

    /// The landing columns of `load` (not its metadata), as the planner sees
    /// them: planned as a Parquet load with derived fields, which any load
    /// of a dimension or fact can be (a CSV one is refused a derived
    /// projection, and its positions are what this is for). Empty when the
    /// load cannot be planned.
    fn landing_columns(model: &Model, load: &Load) -> Vec<String> {
        let mut probe = model.clone();
        probe
            .file_formats
            .push(model_core::model::FileFormat::new("~probe", FileType::Parquet));
        let mut load = load.clone();
        load.file_format = Some("~probe".to_owned());
        load.mapping = CopyMapping::Projection {
            fields: BTreeMap::new(),
        };
        let id = TableId {
            kind: TableKind::Load,
            index: model.loads.len(),
        };
        model_core::ingest::plan(&probe, &load, id)
            .map(|plan| plan.data_columns().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    fn ingestion(seed: &IngestSeed, model: &mut Model) {
        let (formats, integrations, stages, loads) = seed;
        model.file_formats = formats.iter().enumerate().map(|(i, s)| file_format(s, i)).collect();
        model.storage_integrations = integrations
            .iter()
            .enumerate()
            .map(|(i, s)| storage_integration(s, i, &model.roles))
            .collect();
        if model.file_formats.is_empty() {
            return;
        }
        model.stages = stages
            .iter()
            .enumerate()
            .map(|(i, s)| stage(s, i, &model.storage_integrations, &model.file_formats))
            .collect();
        for (i, s) in loads.iter().enumerate() {
            if let Some(load) = load(s, i, model) {
                model.loads.push(load);
            }
        }
    }

    fn models() -> impl Strategy<Value = Model> {
        model_seed().prop_map(|seed| build(&seed))
    }

    /// The generator is worth running: most of its models are valid, and
    /// the valid ones have every kind of mart, aggregate, bridge join and grant.
    #[test]
    fn most_random_models_are_valid() {
        let mut runner = TestRunner::deterministic();
        let strategy = models();
        let mut invalid = BTreeMap::<String, usize>::new();
        let mut seen = BTreeMap::new();
        let total = 200;
        for _ in 0..total {
            let model = strategy.new_tree(&mut runner).expect("a model").current();
            let problems = model_core::validate(&model);
            if let Some(problem) = problems.first() {
                *invalid
                    .entry(format!("{}: {}", problem.code, problem.message))
                    .or_default() += 1;
            } else {
                features(&model, &mut seen);
            }
        }
        let count: usize = invalid.values().sum();
        assert!(
            count * 10 <= total,
            "{count} of {total} random models are invalid: {invalid:#?}"
        );
        let missing: Vec<&str> = FEATURES.iter().copied().filter(|f| !seen.contains_key(f)).collect();
        assert!(
            missing.is_empty(),
            "no valid random model has {missing:?}; seen {seen:#?}"
        );
    }

    /// What the valid random models must exercise between them.
    const FEATURES: &[&str] = &[
        "over",
        "view",
        "secure_view",
        "dynamic_table AUTO",
        "dynamic_table FULL",
        "dynamic_table INCREMENTAL",
        "star mart",
        "sum",
        "sum over time",
        "avg",
        "min",
        "max",
        "count",
        "count_distinct",
        "ratio",
        "impact",
        "weighted",
        "as_of all",
        "as_of current",
        "as_of fact date",
        "role under a system role",
        "role under a role",
        "read",
        "write",
        "manage",
        "scope schema",
        "scope marts",
        "no objects",
        "objects",
        "warehouses",
        "csv",
        "parquet",
        "json",
        "compression",
        "null_if",
        "usage SYSADMIN",
        "usage nobody",
        "usage roles",
        "aws_role_arn variable",
        "stage url variable",
        "load match by name",
        "load match by name case sensitive",
        "load csv match by name",
        "load projection derived",
        "load csv projection",
        "load projection fields",
        "load file_format",
        "path",
        "pipe",
        "landing",
        "metadata",
        "auto_ingest",
        "aws_sns_topic",
        "on_error",
        "schedule",
        "event_time",
        "event_time date key",
    ];

    /// Count the features of `FEATURES` that `model` has.
    fn features(model: &Model, seen: &mut BTreeMap<&'static str, usize>) {
        let mut has = |feature: &'static str| {
            assert!(FEATURES.contains(&feature), "{feature}");
            *seen.entry(feature).or_default() += 1;
        };
        for fact in &model.facts {
            for column in &fact.columns {
                if let ColumnKind::Measure { over: Some(_), .. } = column.kind {
                    has("over");
                }
            }
        }
        for mart in &model.marts {
            has(match &mart.kind {
                MartKind::View => "view",
                MartKind::SecureView => "secure_view",
                MartKind::DynamicTable { refresh_mode, .. } => match refresh_mode {
                    RefreshMode::Auto => "dynamic_table AUTO",
                    RefreshMode::Full => "dynamic_table FULL",
                    RefreshMode::Incremental => "dynamic_table INCREMENTAL",
                },
                _ => unreachable!(),
            });
            if !mart.is_aggregate() {
                has("star mart");
            }
            let fact = model.facts.iter().find(|f| f.name == mart.fact);
            for aggregate in &mart.aggregates {
                has(match aggregate {
                    Aggregate::Sum(measure) => {
                        let semi = fact
                            .and_then(|f| f.columns.iter().find(|c| &c.name == measure))
                            .is_some_and(|c| {
                                matches!(
                                    c.kind,
                                    ColumnKind::Measure {
                                        additivity: Additivity::SemiAdditive,
                                        ..
                                    }
                                )
                            });
                        if semi { "sum over time" } else { "sum" }
                    }
                    Aggregate::Avg(_) => "avg",
                    Aggregate::Min(_) => "min",
                    Aggregate::Max(_) => "max",
                    Aggregate::Count { .. } => "count",
                    Aggregate::CountDistinct { .. } => "count_distinct",
                    Aggregate::Ratio { .. } => "ratio",
                    _ => unreachable!(),
                });
            }
            if let Some(through) = &mart.through {
                has(match through.allocation {
                    Allocation::Impact => "impact",
                    Allocation::Weighted => "weighted",
                    _ => unreachable!(),
                });
                has(match through.as_of {
                    AsOf::All => "as_of all",
                    AsOf::Current => "as_of current",
                    AsOf::FactDate(_) => "as_of fact date",
                    _ => unreachable!(),
                });
            }
        }
        for role in &model.roles {
            has(if SYSTEM_ROLES.contains(&role.parent.as_str()) {
                "role under a system role"
            } else {
                "role under a role"
            });
            if !role.warehouses.is_empty() {
                has("warehouses");
            }
            for grant in &role.grants {
                has(match grant.access {
                    Access::Read => "read",
                    Access::Write => "write",
                    Access::Manage => "manage",
                    _ => unreachable!(),
                });
                has(match &grant.scope {
                    Scope::Schema => "scope schema",
                    Scope::Marts => "scope marts",
                    Scope::Objects(objects) if objects.is_empty() => "no objects",
                    Scope::Objects(_) => "objects",
                    _ => unreachable!(),
                });
            }
        }
        ingestion_features(model, &mut has);
    }

    /// Count the ingestion features of `FEATURES` that `model` has.
    fn ingestion_features(model: &Model, has: &mut impl FnMut(&'static str)) {
        for format in &model.file_formats {
            has(match format.file_type {
                FileType::Csv => "csv",
                FileType::Parquet => "parquet",
                FileType::Json => "json",
            });
            if format.compression.is_some() {
                has("compression");
            }
            if format.null_if.is_some() {
                has("null_if");
            }
        }
        for integration in &model.storage_integrations {
            has(match integration.usage.as_slice() {
                [] => "usage nobody",
                [one] if one == "SYSADMIN" => "usage SYSADMIN",
                _ => "usage roles",
            });
            if integration.aws_role_arn.contains("${") {
                has("aws_role_arn variable");
            }
        }
        for stage in &model.stages {
            if stage.url.as_deref().is_some_and(|u| u.contains("${")) {
                has("stage url variable");
            }
        }
        for load in &model.loads {
            let stage = model.stages.iter().find(|s| s.name == load.stage);
            let format_name = load.file_format.as_deref().or(stage.map(|s| s.file_format.as_str()));
            let csv = model
                .file_formats
                .iter()
                .find(|f| Some(f.name.as_str()) == format_name)
                .is_some_and(|f| f.file_type == FileType::Csv);
            match &load.mapping {
                CopyMapping::MatchByColumnName { case_sensitive } => {
                    has(if *case_sensitive {
                        "load match by name case sensitive"
                    } else {
                        "load match by name"
                    });
                    if csv {
                        has("load csv match by name");
                    }
                }
                CopyMapping::Projection { fields } if fields.is_empty() => has("load projection derived"),
                CopyMapping::Projection { .. } => has(if csv {
                    "load csv projection"
                } else {
                    "load projection fields"
                }),
            }
            for (feature, set) in [
                ("load file_format", load.file_format.is_some()),
                ("path", !load.path.is_empty()),
                ("pipe", load.pipe != default_pipe(&load.table)),
                ("landing", load.landing != default_landing(&load.table)),
                ("metadata", !load.metadata.is_empty()),
                ("auto_ingest", load.auto_ingest),
                ("aws_sns_topic", load.aws_sns_topic.is_some()),
                ("on_error", load.on_error.is_some()),
                ("schedule", load.schedule.is_some()),
            ] {
                if set {
                    has(feature);
                }
            }
            if let Some(event_time) = &load.event_time {
                let fact = model.facts.iter().find(|f| f.name == load.table);
                let column = fact.and_then(|f| f.columns.iter().find(|c| &c.name == event_time));
                has(match column.map(|c| &c.kind) {
                    Some(ColumnKind::Reference { .. }) => "event_time date key",
                    _ => "event_time",
                });
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn random_models_survive_export_and_reload(model in models()) {
            prop_assume!(model_core::validate(&model).is_empty());
            let text = model_core::to_toml(&model);
            let reloaded = match model_core::load_str("random.toml", &text) {
                Ok(loaded) => loaded.model,
                Err(e) => return Err(TestCaseError::fail(format!("{}\n{text}", e.diagnostics.render(100)))),
            };
            prop_assert_eq!(&reloaded, &model, "{}", text);
            prop_assert_eq!(model_core::to_toml(&reloaded), text);
        }
    }
}
