//! `model_core::to_toml`: every model in `schemas/` and `tests/fixtures/valid/`
//! survives export and reload unchanged, the export is a fixpoint, and the
//! retail model's export is reviewed as a snapshot.
#![allow(clippy::doc_markdown)]

use dimgen_tests::{load_model, model_files, workspace_root};

fn reload(name: &str, text: &str) -> model_core::Model {
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

    use model_core::model::{Bridge, Dimension, Fact};
    use model_core::{
        Additivity, Column, ColumnKind, DataType, EffectiveDating, Environment, FactType, Grain, KeyGeneration, Model,
        ScdType, default_key,
    };
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// Characters of names: TOML and SQL syntax, quotes, placeholders,
    /// non-ASCII (with case mappings that change length), invisible ones.
    /// Never `~`, which the builder uses to make names unique.
    const NAME_CHARS: &[char] = &[
        '"', '\'', '\\', ' ', ';', '.', ',', '$', '{', '}', '#', '=', '[', ']', '-', '/', '*', 'é', 'ß', 'ﬀ', 'İ',
        '尺', '🚀', '\u{feff}', '\u{2028}', '\u{a0}',
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
        pii: bool,
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
            any::<bool>(),
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

    #[derive(Debug, Clone)]
    struct ModelSeed {
        name: String,
        database: String,
        comment: Option<String>,
        environments: Vec<EnvironmentSeed>,
        dimensions: Vec<TableSeed>,
        facts: Vec<TableSeed>,
        bridges: Vec<TableSeed>,
    }

    fn model_seed() -> impl Strategy<Value = ModelSeed> {
        let environment = (
            name(0..6),
            identifier_template("S"),
            text(),
            prop::collection::vec((name(0..5), text()), 0..3),
        );
        (
            text(),
            identifier_template("DB"),
            proptest::option::of(template()),
            prop::collection::vec(environment, 1..4),
            prop::collection::vec(table_seed(), 1..5),
            prop::collection::vec(table_seed(), 0..4),
            prop::collection::vec(table_seed(), 0..3),
        )
            .prop_map(
                |(name, database, comment, environments, dimensions, facts, bridges)| ModelSeed {
                    name,
                    database,
                    comment,
                    environments,
                    dimensions,
                    facts,
                    bridges,
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
        Column {
            name,
            kind,
            nullable,
            comment: seed.comment.clone(),
            pii: seed.pii,
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
        let grain_columns = picked(&columns, &seed.picks[..seed.picks.len().min(seed.natural_key_len)]);
        // Grain columns are never NULL (the loader makes them so).
        let mut columns = columns;
        for c in columns.iter_mut().filter(|c| grain_columns.contains(&c.name)) {
            c.nullable = false;
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
            columns,
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
        let effective = match (pick(0), pick(1)) {
            (Some(from), Some(to)) if seed.explicit_key => Some(EffectiveDating {
                from,
                to,
                current: pick(2),
            }),
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
            columns,
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
        Model {
            name: seed.name.clone(),
            database: seed.database.clone(),
            comment: seed.comment.clone(),
            environments: environments.into_values().collect(),
            dimensions,
            facts,
            bridges,
        }
    }

    fn models() -> impl Strategy<Value = Model> {
        model_seed().prop_map(|seed| build(&seed))
    }

    /// The generator is worth running: most of its models are valid.
    #[test]
    fn most_random_models_are_valid() {
        let mut runner = TestRunner::deterministic();
        let strategy = models();
        let mut invalid = BTreeMap::<String, usize>::new();
        let total = 200;
        for _ in 0..total {
            let model = strategy.new_tree(&mut runner).expect("a model").current();
            let problems = model_core::validate(&model);
            if let Some(problem) = problems.first() {
                *invalid
                    .entry(format!("{}: {}", problem.code, problem.message))
                    .or_default() += 1;
            }
        }
        let count: usize = invalid.values().sum();
        assert!(
            count * 10 <= total,
            "{count} of {total} random models are invalid: {invalid:#?}"
        );
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
