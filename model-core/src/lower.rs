//! The one lowering from declarations to the model. Both front ends — the
//! TOML loader and the derives — produce these declaration forms (what was
//! written, every field optional; where it was written lives in the
//! [`SourceMap`](crate::SourceMap)), and this module applies the model's
//! semantics once: the defaults, key derivation, nullability, and the rules
//! for what kind a column is. The words and rules themselves come from
//! `model_vocab`, which the derives also use for their compile-time errors.

use crate::code::Code;
use crate::diagnostic::{Loc, Problem, TableId};
use crate::model::{
    Additivity, Bridge, Column, ColumnKind, DefaultValue, Dimension, EffectiveDating, Fact, FactType, Grain,
    KeyGeneration, Mask, Pii, PiiClass, ScdType,
};
use crate::types::DataType;

/// A column as declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: String,
    /// The type written: `None` when none is, `Some(None)` when one is
    /// written that is not a type (the front end reports that).
    pub sql_type: Option<Option<DataType>>,
    /// `references`: the dimension referenced.
    pub references: Option<String>,
    /// `role` of a reference.
    pub role: Option<String>,
    /// `measure`: how it adds up.
    pub measure: Option<Additivity>,
    /// `over`: the time reference of a semi-additive measure.
    pub over: Option<String>,
    /// `degenerate`.
    pub degenerate: Option<bool>,
    /// `scd` of an attribute.
    pub scd: Option<ScdType>,
    /// `nullable`, when written.
    pub nullable: Option<bool>,
    /// Nullability the declaring type implies (Rust's `Option<T>`), used
    /// when `nullable` is not written.
    pub implied_nullable: Option<bool>,
    /// `comment`.
    pub comment: Option<String>,
    /// `pii`: the class of personal data (`pii = true` is
    /// [`PiiClass::Other`]).
    pub pii: Option<PiiClass>,
    /// `mask`: how the personal data is masked (default: the class's).
    pub mask: Option<Mask>,
    /// `renamed_from`: the column's name in the schema as deployed.
    pub renamed_from: Option<String>,
    /// `default`: a constant.
    pub default: Option<DefaultValue>,
}

/// A dimension as declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DimensionDecl {
    /// Table name.
    pub name: String,
    /// `comment`.
    pub comment: Option<String>,
    /// `scd` of the table (default 1).
    pub scd: Option<ScdType>,
    /// `key` (default: derived from the name, or the natural key for smart keys).
    pub key: Option<String>,
    /// `key_generation` (default identity).
    pub key_generation: Option<KeyGeneration>,
    /// `natural_key`.
    pub natural_key: Vec<String>,
    /// `unknown_member` (default true).
    pub unknown_member: Option<bool>,
    /// The columns.
    pub columns: Vec<ColumnDecl>,
    /// `cluster_by`.
    pub cluster_by: Vec<String>,
    /// `renamed_from`: the table's name in the schema as deployed.
    pub renamed_from: Option<String>,
    /// `generate`: a date dimension dimgen fills (TOML only for now).
    pub generate: Option<crate::model::Calendar>,
}

/// A fact as declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactDecl {
    /// Table name.
    pub name: String,
    /// `comment`.
    pub comment: Option<String>,
    /// `fact_type` (default transaction).
    pub fact_type: Option<FactType>,
    /// `grain`: what one row means.
    pub grain: Option<String>,
    /// `grain_columns`.
    pub grain_columns: Vec<String>,
    /// `key` (default: derived from the name).
    pub key: Option<String>,
    /// `key_generation` (default identity).
    pub key_generation: Option<KeyGeneration>,
    /// The columns.
    pub columns: Vec<ColumnDecl>,
    /// `cluster_by`.
    pub cluster_by: Vec<String>,
    /// `renamed_from`: the table's name in the schema as deployed.
    pub renamed_from: Option<String>,
}

/// A bridge as declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeDecl {
    /// Table name.
    pub name: String,
    /// `comment`.
    pub comment: Option<String>,
    /// `between`: the two dimensions joined.
    pub dimensions: Vec<String>,
    /// `weight` column.
    pub weight: Option<String>,
    /// `group` column.
    pub group: Option<String>,
    /// `effective` dating.
    pub effective: Option<EffectiveDating>,
    /// The columns.
    pub columns: Vec<ColumnDecl>,
    /// `cluster_by`.
    pub cluster_by: Vec<String>,
    /// `renamed_from`: the table's name in the schema as deployed.
    pub renamed_from: Option<String>,
}

/// The SCD type of a dimension that declares none.
pub const DEFAULT_SCD: ScdType = ScdType::Overwrite;
/// The key generation of a table that declares none.
pub const DEFAULT_KEY_GENERATION: KeyGeneration = KeyGeneration::Identity;
/// The fact type of a fact that declares none.
pub const DEFAULT_FACT_TYPE: FactType = FactType::Transaction;

/// The key generation words, in `model_vocab` order, as the model's type.
pub(crate) fn key_generation(word: &str) -> Option<KeyGeneration> {
    match word {
        "identity" => Some(KeyGeneration::Identity),
        "sequence" => Some(KeyGeneration::Sequence),
        "natural" => Some(KeyGeneration::Natural),
        _ => None,
    }
}

/// The key of a dimension: the one written; for a smart key
/// (`key_generation = "natural"`) its first natural-key column; else
/// derived from the name (`DIM_PATIENT` → `PATIENT_KEY`).
pub fn dimension_key(name: &str, key: Option<&str>, generation: KeyGeneration, natural_key: &[String]) -> String {
    match (key, generation) {
        (Some(key), _) => key.to_owned(),
        (None, KeyGeneration::Natural) => natural_key.first().cloned().unwrap_or_default(),
        (None, _) => model_vocab::default_key(name, model_vocab::DIMENSION_PREFIX),
    }
}

/// The key of a fact: the one written, else derived from the name
/// (`FACT_CLAIMS` → `CLAIMS_KEY`).
pub fn fact_key(name: &str, key: Option<&str>) -> String {
    key.map_or_else(
        || model_vocab::default_key(name, model_vocab::FACT_PREFIX),
        str::to_owned,
    )
}

/// Lower one column of table `table` (its `index`-th); problems are located
/// at `Loc::column(table, index, key)`.
pub fn column(decl: ColumnDecl, table: TableId, index: usize, problems: &mut Vec<Problem>) -> Column {
    let at = |key: &'static str| Loc::column(table, index, key);
    let ColumnDecl {
        name,
        sql_type,
        references,
        role,
        measure,
        over,
        degenerate,
        scd,
        nullable,
        implied_nullable,
        comment,
        pii,
        mask,
        renamed_from,
        default,
    } = decl;
    // Exactly one kind; conflicting keys are reported here, the rest in validation.
    if let Err((first, second)) =
        model_vocab::column_kind(references.is_some(), measure.is_some(), degenerate == Some(true))
    {
        problems.push(
            Problem::new(
                Code::ConflictingKeys,
                format!("column `{name}` sets both `{}` and `{}`", first.key(), second.key()),
                at(second.key()),
                "conflicts",
            )
            .also(at(first.key()), "with this")
            .help("a column is a reference, a measure or a degenerate dimension, not several"),
        );
    }
    let placeholder = |fallback: DataType| sql_type.flatten().unwrap_or(fallback);
    let kind = if let Some(dimension) = references {
        if sql_type.is_some() {
            problems.push(
                Problem::new(
                    Code::TypeOnReference,
                    format!("reference column `{name}` declares a `type`"),
                    at("type"),
                    "remove this",
                )
                .help(format!("a reference takes the type of `{dimension}`'s key")),
            );
        }
        ColumnKind::Reference {
            dimension,
            role: role.clone(),
        }
    } else {
        if sql_type.is_none() {
            problems.push(
                Problem::new(
                    Code::MissingType,
                    format!("column `{name}` has no `type`"),
                    at("name"),
                    "needs `type = \"...\"`",
                )
                .help(format!(
                    "write one of: {}; or `references = \"DIM_...\"` for a foreign key",
                    crate::TYPE_SPELLINGS
                )),
            );
        }
        if let Some(additivity) = measure {
            ColumnKind::Measure {
                sql_type: placeholder(DataType::Float),
                additivity,
                over: over.clone(),
            }
        } else if degenerate == Some(true) {
            ColumnKind::Degenerate {
                sql_type: placeholder(DataType::Varchar(None)),
            }
        } else {
            ColumnKind::Attribute {
                sql_type: placeholder(DataType::Varchar(None)),
                scd,
            }
        }
    };
    if role.is_some() && !matches!(kind, ColumnKind::Reference { .. }) {
        problems.push(
            Problem::new(
                Code::RoleWithoutReference,
                format!("column `{name}` has a `role` but no `references`"),
                at("role"),
                "only references play roles",
            )
            .help("add `references = \"DIM_...\"` or remove `role`"),
        );
    }
    if over.is_some() && measure.is_none() {
        problems.push(Problem::new(
            Code::MisplacedKey,
            format!("column `{name}` sets `over`, which only applies to semi_additive measures"),
            at("over"),
            "not a measure",
        ));
    }
    if scd.is_some() && !matches!(kind, ColumnKind::Attribute { .. }) {
        problems.push(Problem::new(
            Code::MisplacedKey,
            format!("column `{name}` sets `scd`, which only applies to dimension attributes"),
            at("scd"),
            "not an attribute",
        ));
    }
    if mask.is_some() && pii.is_none() {
        problems.push(
            Problem::new(
                Code::MisplacedKey,
                format!("column `{name}` sets `mask` but is not `pii`"),
                at("mask"),
                "masks nothing",
            )
            .help("add `pii = \"<class>\"` (what the column holds) or remove `mask`"),
        );
    }
    let pii = pii.map(|class| Pii {
        class,
        mask: mask.unwrap_or_else(|| class.default_mask()),
    });
    let reference = matches!(kind, ColumnKind::Reference { .. });
    // Identifying columns are settled by the table (`identifying`).
    let nullable = model_vocab::nullable(false, nullable, implied_nullable, reference).unwrap_or(true);
    Column {
        name,
        kind,
        nullable,
        comment,
        pii,
        renamed_from,
        default,
    }
}

/// Columns in `list` (`natural_key`, `grain_columns`) identify rows, so they
/// are never NULL; `nullable = true` written on one is a contradiction worth
/// reporting. `written[i]`: whether column `i` wrote `nullable = true`.
fn identifying(
    table: TableId,
    columns: &mut [Column],
    written: &[Option<bool>],
    names: &[String],
    list: &'static str,
    problems: &mut Vec<Problem>,
) {
    for (i, column) in columns.iter_mut().enumerate() {
        let Some(position) = names.iter().position(|n| n == &column.name) else {
            continue;
        };
        let written = written.get(i).copied().flatten();
        if model_vocab::nullable(true, written, None, false).is_err() {
            problems.push(
                Problem::new(
                    Code::ConflictingKeys,
                    format!("column `{}` is in `{list}`, so it cannot be nullable", column.name),
                    Loc::column(table, i, "nullable"),
                    "nullable here",
                )
                .also(Loc::table_item(table, list, position), "identifies rows here")
                .help("remove `nullable = true`"),
            );
        }
        column.nullable = false;
    }
}

fn columns(decls: Vec<ColumnDecl>, table: TableId, problems: &mut Vec<Problem>) -> (Vec<Column>, Vec<Option<bool>>) {
    let written = decls.iter().map(|c| c.nullable).collect();
    let columns = decls
        .into_iter()
        .enumerate()
        .map(|(i, c)| column(c, table, i, problems))
        .collect();
    (columns, written)
}

/// Lower a dimension (`table` locates its problems).
pub fn dimension(mut decl: DimensionDecl, table: TableId, problems: &mut Vec<Problem>) -> Dimension {
    let decls = std::mem::take(&mut decl.columns);
    let (columns, written) = columns(decls, table, problems);
    dimension_with(decl, columns, &written, table, problems)
}

/// Lower a dimension whose columns were lowered one by one (the TOML
/// loader does, to report each column's problems in reading order);
/// `written[i]` is what column `i` wrote for `nullable`.
pub fn dimension_with(
    decl: DimensionDecl,
    mut columns: Vec<Column>,
    written: &[Option<bool>],
    table: TableId,
    problems: &mut Vec<Problem>,
) -> Dimension {
    let key_generation = decl.key_generation.unwrap_or(DEFAULT_KEY_GENERATION);
    let key = dimension_key(&decl.name, decl.key.as_deref(), key_generation, &decl.natural_key);
    identifying(table, &mut columns, written, &decl.natural_key, "natural_key", problems);
    Dimension {
        name: decl.name,
        comment: decl.comment,
        scd: decl.scd.unwrap_or(DEFAULT_SCD),
        key,
        key_generation,
        natural_key: decl.natural_key,
        unknown_member: decl.unknown_member.unwrap_or(model_vocab::DEFAULT_UNKNOWN_MEMBER),
        columns,
        cluster_by: decl.cluster_by,
        renamed_from: decl.renamed_from,
        generate: decl.generate,
    }
}

/// Lower a fact (`table` locates its problems).
pub fn fact(mut decl: FactDecl, table: TableId, problems: &mut Vec<Problem>) -> Fact {
    let decls = std::mem::take(&mut decl.columns);
    let (columns, written) = columns(decls, table, problems);
    fact_with(decl, columns, &written, table, problems)
}

/// Lower a fact whose columns were lowered one by one (see [`dimension_with`]).
pub fn fact_with(
    decl: FactDecl,
    mut columns: Vec<Column>,
    written: &[Option<bool>],
    table: TableId,
    problems: &mut Vec<Problem>,
) -> Fact {
    let key = fact_key(&decl.name, decl.key.as_deref());
    identifying(
        table,
        &mut columns,
        written,
        &decl.grain_columns,
        "grain_columns",
        problems,
    );
    Fact {
        name: decl.name,
        comment: decl.comment,
        fact_type: decl.fact_type.unwrap_or(DEFAULT_FACT_TYPE),
        grain: Grain {
            description: decl.grain,
            columns: decl.grain_columns,
        },
        key,
        key_generation: decl.key_generation.unwrap_or(DEFAULT_KEY_GENERATION),
        columns,
        cluster_by: decl.cluster_by,
        renamed_from: decl.renamed_from,
    }
}

/// Lower a bridge (`table` locates its problems).
pub fn bridge(mut decl: BridgeDecl, table: TableId, problems: &mut Vec<Problem>) -> Bridge {
    let decls = std::mem::take(&mut decl.columns);
    let (columns, _) = columns(decls, table, problems);
    bridge_with(decl, columns)
}

/// Lower a bridge whose columns were lowered one by one.
pub fn bridge_with(decl: BridgeDecl, columns: Vec<Column>) -> Bridge {
    Bridge {
        name: decl.name,
        comment: decl.comment,
        dimensions: decl.dimensions,
        weight: decl.weight,
        group: decl.group,
        effective: decl.effective,
        columns,
        cluster_by: decl.cluster_by,
        renamed_from: decl.renamed_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TableKind;

    /// The model's words are the vocabulary's (the derives check these at compile time).
    #[test]
    fn the_model_speaks_the_vocabulary() {
        for (i, word) in model_vocab::DIMENSION_KEY_GENERATIONS.iter().enumerate() {
            let generation = key_generation(word).unwrap_or_else(|| panic!("{word}"));
            assert_eq!(i == 0, generation == KeyGeneration::Identity, "{word} is the default");
        }
        let facts = [
            FactType::Transaction,
            FactType::PeriodicSnapshot,
            FactType::AccumulatingSnapshot,
            FactType::Factless,
        ];
        assert_eq!(facts.map(FactType::as_str).as_slice(), model_vocab::FACT_TYPES);
        let additivities = [Additivity::Additive, Additivity::SemiAdditive, Additivity::NonAdditive];
        assert_eq!(
            additivities.map(Additivity::as_str).as_slice(),
            model_vocab::ADDITIVITIES
        );
        for n in 0..model_vocab::SCD_TYPES.len() {
            assert!(ScdType::from_number(i64::try_from(n).unwrap()).is_some());
        }
        assert_eq!(
            ScdType::from_number(i64::from(model_vocab::DEFAULT_SCD)),
            Some(ScdType::Overwrite)
        );
    }

    #[test]
    fn a_dimension_gets_its_defaults_once() {
        let table = TableId {
            kind: TableKind::Dimension,
            index: 0,
        };
        let mut problems = Vec::new();
        let d = dimension(
            DimensionDecl {
                name: "DIM_PATIENT".into(),
                natural_key: vec!["PATIENT_ID".into()],
                columns: vec![
                    ColumnDecl {
                        name: "PATIENT_ID".into(),
                        sql_type: Some(Some(DataType::INTEGER)),
                        implied_nullable: Some(true),
                        ..ColumnDecl::default()
                    },
                    ColumnDecl {
                        name: "CLINIC_KEY".into(),
                        references: Some("DIM_CLINIC".into()),
                        ..ColumnDecl::default()
                    },
                    ColumnDecl {
                        name: "CITY".into(),
                        sql_type: Some(Some(DataType::Varchar(None))),
                        ..ColumnDecl::default()
                    },
                ],
                ..DimensionDecl::default()
            },
            table,
            &mut problems,
        );
        assert_eq!(problems, Vec::new());
        assert_eq!(d.key, "PATIENT_KEY");
        assert_eq!(d.scd, ScdType::Overwrite);
        assert!(d.unknown_member);
        let nullable: Vec<bool> = d.columns.iter().map(|c| c.nullable).collect();
        assert_eq!(nullable, [false, false, true], "identifying, reference, attribute");
    }

    #[test]
    fn contradictions_are_reported_where_they_are_written() {
        let table = TableId {
            kind: TableKind::Fact,
            index: 3,
        };
        let mut problems = Vec::new();
        let f = fact(
            FactDecl {
                name: "FACT_SALES".into(),
                grain_columns: vec!["RECEIPT".into()],
                columns: vec![
                    ColumnDecl {
                        name: "RECEIPT".into(),
                        sql_type: Some(Some(DataType::INTEGER)),
                        degenerate: Some(true),
                        nullable: Some(true),
                        ..ColumnDecl::default()
                    },
                    ColumnDecl {
                        name: "AMOUNT".into(),
                        references: Some("DIM_X".into()),
                        measure: Some(Additivity::Additive),
                        ..ColumnDecl::default()
                    },
                ],
                ..FactDecl::default()
            },
            table,
            &mut problems,
        );
        assert_eq!(f.key, "SALES_KEY");
        let found: Vec<(Code, Loc)> = problems.iter().map(|p| (p.code, p.labels[0].at.clone())).collect();
        assert_eq!(
            found,
            [
                (Code::ConflictingKeys, Loc::column(table, 1, "measure")),
                (Code::ConflictingKeys, Loc::column(table, 0, "nullable")),
            ]
        );
        assert!(!f.columns[0].nullable);
    }
}
