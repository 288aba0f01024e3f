//! Resolving a load against the model: the landing table a pipe copies into,
//! where each of its columns comes from, and how the MERGE that maintains the
//! dimension or fact uses it. Validation reports the problems; codegen prints
//! the plan as SQL (`dimgen::loading`).
//!
//! A landing table holds the staged rows as the source system sends them:
//! natural keys instead of surrogate keys. For a dimension it has the natural
//! key and the attributes; for a fact, its measures, degenerate and plain
//! columns, and for each reference the natural key of the referenced
//! dimension (`PATIENT_KEY` → `PATIENT_ID`; role-playing references are
//! prefixed by their role: `REFERRING_PROVIDER_PROVIDER_ID`). A reference to a
//! dimension with a smart key (`key_generation = "natural"`, e.g. a `yyyymmdd`
//! date key) lands under its own name: its value is the key.

use std::collections::HashMap;

use crate::code::Code;
use crate::diagnostic::{Loc, Problem, TableId};
use crate::layout::{Layouts, Origin, layout_of};
use crate::model::{
    ColumnKind, CopyMapping, Dimension, FileFormat, FileMetadata, FileType, KeyGeneration, Load, Model, Stage,
    StorageProvider, TableKind, TableRef,
};
use crate::naming::default_role;
use crate::types::DataType;

/// Where a landing column's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// Copied into the table's column `column`: the landing column has its
    /// name, or the files' name for the field (`fields`).
    Value {
        /// The table's column.
        column: String,
    },
    /// Part `part` of the natural key of `dimension`, looked up to fill the
    /// target's reference column `reference` with the dimension's key.
    Lookup {
        /// The target's reference column.
        reference: String,
        /// The referenced dimension (index into the model's `dimensions`).
        dimension: usize,
        /// Which natural-key column of the dimension.
        part: usize,
    },
    /// File metadata recorded by the COPY.
    Metadata(FileMetadata),
}

/// One column of a landing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingColumn {
    /// Column name.
    pub name: String,
    /// Snowflake type (the target column's, or the natural key's).
    pub sql_type: DataType,
    /// What it feeds.
    pub landing: Landing,
}

/// What a load maintains: a dimension or a fact (bridges are not loaded),
/// by index into the model's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadTarget {
    /// The `n`-th dimension.
    Dimension(usize),
    /// The `n`-th fact.
    Fact(usize),
}

impl LoadTarget {
    /// The table's id, for locating problems.
    pub fn id(self) -> TableId {
        match self {
            Self::Dimension(index) => TableId {
                kind: TableKind::Dimension,
                index,
            },
            Self::Fact(index) => TableId {
                kind: TableKind::Fact,
                index,
            },
        }
    }
}

/// The table a load maintains, resolved.
#[derive(Debug, Clone, Copy)]
pub enum Loaded<'m> {
    /// A dimension.
    Dimension(&'m Dimension),
    /// A fact.
    Fact(&'m crate::model::Fact),
}

impl<'m> Loaded<'m> {
    /// As any table.
    pub fn table(self) -> TableRef<'m> {
        match self {
            Self::Dimension(d) => TableRef::Dimension(d),
            Self::Fact(f) => TableRef::Fact(f),
        }
    }

    /// The table's name.
    pub fn name(self) -> &'m str {
        self.table().name()
    }

    /// The table's declared columns.
    pub fn columns(self) -> &'m [crate::model::Column] {
        self.table().columns()
    }
}

/// How a fact's event time (`event_time`) is read from a landed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTime {
    /// A date or timestamp column.
    Instant(String),
    /// A reference to a date dimension with `yyyymmdd` keys.
    DateKey(String),
}

/// A load resolved against the model. It names the model's objects by
/// index, so it can be kept beside the model it was planned from (see
/// [`Validated`](crate::Validated), whose `load_*` methods follow them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    /// The declaration (index into the model's `loads`).
    pub load: usize,
    /// The dimension or fact loaded.
    pub table: LoadTarget,
    /// The stage the files arrive on (index into the model's `stages`).
    pub stage: usize,
    /// The file format the COPY reads with, the load's, else the stage's
    /// (index into the model's `file_formats`).
    pub format: usize,
    /// The landing table's columns, in order: the data columns, then metadata.
    pub columns: Vec<LandingColumn>,
    /// A fact's event time, which picks the SCD2 version of each dimension
    /// (none: the current versions).
    pub event_time: Option<EventTime>,
}

/// A load's plan beside the objects it names (what
/// [`Validated::loads`](crate::Validated::loads) yields); it reads as the
/// [`LoadPlan`] through `Deref`.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'m> {
    /// The plan.
    pub plan: &'m LoadPlan,
    /// The declaration.
    pub load: &'m Load,
    /// The dimension or fact loaded.
    pub table: Loaded<'m>,
    /// The stage the files arrive on.
    pub stage: &'m Stage,
    /// The file format the COPY reads with (the load's, else the stage's).
    pub format: &'m FileFormat,
}

impl std::ops::Deref for Resolved<'_> {
    type Target = LoadPlan;

    fn deref(&self) -> &LoadPlan {
        self.plan
    }
}

impl LoadPlan {
    /// The data columns (what the staged files carry), in landing order.
    pub fn data_columns(&self) -> impl Iterator<Item = &LandingColumn> {
        self.columns
            .iter()
            .filter(|c| !matches!(c.landing, Landing::Metadata(_)))
    }

    /// The landing column recording `metadata`, if the load asks for it.
    pub fn metadata(&self, metadata: FileMetadata) -> Option<&LandingColumn> {
        self.columns.iter().find(|c| c.landing == Landing::Metadata(metadata))
    }

    /// The landing column that carries the table's column `column` as it is
    /// (not a reference's lookup), if the load lands it.
    pub fn value_column(&self, column: &str) -> Option<&LandingColumn> {
        self.columns
            .iter()
            .find(|c| matches!(&c.landing, Landing::Value { column: target } if target == column))
    }

    /// The landing columns that feed reference `reference`, in natural-key order.
    pub fn lookup_columns(&self, reference: &str) -> Vec<&LandingColumn> {
        self.columns
            .iter()
            .filter(|c| matches!(&c.landing, Landing::Lookup { reference: r, .. } if r == reference))
            .collect()
    }
}

/// The landing column names of a reference to `dimension` playing `role`
/// (explicit or derived from `column`), one per natural-key column.
pub fn lookup_names(column: &str, role: Option<&str>, dimension: &Dimension) -> Vec<String> {
    if dimension.key_generation == KeyGeneration::Natural {
        return vec![column.to_owned()];
    }
    let role = role.map_or_else(|| default_role(column), str::to_owned);
    let prefix = format!("{}_", role.to_uppercase());
    dimension
        .natural_key
        .iter()
        .map(|nk| {
            if nk.to_uppercase().starts_with(&prefix) {
                nk.clone()
            } else {
                format!("{role}_{nk}")
            }
        })
        .collect()
}

/// Resolve every load of the model; problems for those that do not resolve.
pub fn plan_all(model: &Model) -> (Vec<LoadPlan>, Vec<Problem>) {
    plan_all_in(model, None)
}

/// [`plan_all`] with the layouts validation computed.
pub(crate) fn plan_all_in(model: &Model, layouts: Option<&Layouts>) -> (Vec<LoadPlan>, Vec<Problem>) {
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for (index, load) in model.loads.iter().enumerate() {
        match plan_in(
            model,
            layouts,
            load,
            TableId {
                kind: TableKind::Load,
                index,
            },
        ) {
            Ok(p) => plans.push(p),
            Err(mut p) => problems.append(&mut p),
        }
    }
    (plans, problems)
}

/// Resolve one load.
///
/// # Errors
///
/// Every problem found, located in the load's declaration.
pub fn plan(model: &Model, load: &Load, id: TableId) -> Result<LoadPlan, Vec<Problem>> {
    plan_in(model, None, load, id)
}

/// [`plan`] with the layouts validation computed (or computed here).
pub(crate) fn plan_in(
    model: &Model,
    layouts: Option<&Layouts>,
    load: &Load,
    id: TableId,
) -> Result<LoadPlan, Vec<Problem>> {
    let mut problems = Vec::new();
    let at = |key: &'static str| Loc::table(id, key);
    let table = model
        .dimension(&load.table)
        .map(TableRef::Dimension)
        .or_else(|| model.fact(&load.table).map(TableRef::Fact));
    let stage_index = model.stages.iter().position(|s| s.name == load.stage);
    let stage = stage_index.map(|i| &model.stages[i]);
    let format_name = load.file_format.as_deref().or(stage.map(|s| s.file_format.as_str()));
    let format_index = format_name.and_then(|n| model.file_formats.iter().position(|f| f.name == n));
    let format = format_index.map(|i| &model.file_formats[i]);
    if table.is_none() {
        let what = if model.bridges.iter().any(|b| b.name == load.table) {
            "a bridge; dimensions and facts are loaded, bridges are maintained by their own process"
        } else {
            "not a dimension or fact of this model"
        };
        let names: Vec<&str> = model
            .tables()
            .filter(|t| !matches!(t, TableRef::Bridge(_)))
            .map(TableRef::name)
            .collect();
        problems.push(
            Problem::new(
                Code::UnknownLoadTarget,
                format!("load of `{}`: it is {what}", load.table),
                at("table"),
                "nothing to load",
            )
            .help(format!("dimensions and facts: {}", names.join(", "))),
        );
    }
    if stage.is_none() {
        let names: Vec<&str> = model.stages.iter().map(|s| s.name.as_str()).collect();
        problems.push(
            Problem::new(
                Code::UnknownLoadTarget,
                format!(
                    "load of `{}` reads stage `{}`, which is not declared",
                    load.table, load.stage
                ),
                at("stage"),
                "no such stage",
            )
            .help(if names.is_empty() {
                "declare it in a `[[stage]]`".to_owned()
            } else {
                format!("stages: {}", names.join(", "))
            }),
        );
    }
    if let (Some(name), None) = (load.file_format.as_deref(), format) {
        problems.push(unknown_format(model, name, at("file_format")));
    }
    let (Some(table), Some(stage_index), Some(format_index), Some(format)) = (table, stage_index, format_index, format)
    else {
        return Err(problems);
    };

    let (table_kind, table_index) = match table {
        TableRef::Dimension(d) => (TableKind::Dimension, model.dimension_index(&d.name).unwrap_or(0)),
        _ => (TableKind::Fact, model.fact_index(table.name()).unwrap_or(0)),
    };
    let mut columns = Vec::new();
    for column in layout_of(model, layouts, table_kind, table_index).iter() {
        match column.origin {
            Origin::SurrogateKey(KeyGeneration::Natural) | Origin::Declared(_) => {}
            _ => continue, // generated keys and SCD2 housekeeping are dimgen's
        }
        let declared = match column.origin {
            Origin::Declared(i) => table.columns().get(i),
            _ => None,
        };
        match declared.map(|c| &c.kind) {
            Some(ColumnKind::Reference { dimension, role }) => {
                let Some(dim_index) = model.dimension_index(dimension) else {
                    continue;
                };
                let dim = &model.dimensions[dim_index];
                let dim_layout = layout_of(model, layouts, TableKind::Dimension, dim_index);
                let key_types: Vec<DataType> = dim
                    .natural_key
                    .iter()
                    .map(|nk| {
                        dim_layout
                            .iter()
                            .find(|c| &c.name == nk)
                            .map_or(DataType::INTEGER, |c| c.sql_type)
                    })
                    .collect();
                for (part, name) in lookup_names(&column.name, role.as_deref(), dim).into_iter().enumerate() {
                    columns.push(LandingColumn {
                        name,
                        sql_type: key_types.get(part).copied().unwrap_or(column.sql_type),
                        landing: Landing::Lookup {
                            reference: column.name.clone(),
                            dimension: dim_index,
                            part,
                        },
                    });
                }
            }
            _ => columns.push(LandingColumn {
                name: column.name.clone(),
                sql_type: column.sql_type,
                landing: Landing::Value {
                    column: column.name.clone(),
                },
            }),
        }
    }
    for metadata in FileMetadata::ALL {
        if load.metadata.contains(&metadata) {
            columns.push(LandingColumn {
                name: metadata.column().to_owned(),
                sql_type: match metadata {
                    FileMetadata::FileName => DataType::Varchar(None),
                    FileMetadata::FileRowNumber => DataType::INTEGER,
                    FileMetadata::LoadTime => DataType::TimestampLtz,
                },
                landing: Landing::Metadata(metadata),
            });
        }
    }
    // The files' own names for their fields: the landing column takes the
    // field's name, so matching by name, a derived projection and a CSV
    // header all find it (dimgen's names for reference lookups, such as
    // `CUSTOMER_C_CUSTKEY`, are what no source file calls its field).
    let headerless = format.file_type == FileType::Csv && format.parse_header != Some(true);
    if !load.fields.is_empty() && headerless {
        problems.push(
            Problem::new(
                Code::CopyMappingConflict,
                format!(
                    "load of `{}` names the files' fields, but CSV without a header (file format `{}`) has no field names",
                    load.table, format.name
                ),
                at("fields"),
                "no header to name",
            )
            .help("give every landing column its position in `projection = { COLUMN = 1, ... }`, or read the header: `parse_header = true` on the file format"),
        );
    }
    // (Not applied where refused above: the positions name dimgen's columns.)
    // Keys name the columns as dimgen named them, whatever an earlier key renamed.
    let dimgen_names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    for (key, field) in load.fields.iter().filter(|_| !headerless) {
        let targets: Vec<usize> = match dimgen_names.iter().position(|name| name == key) {
            Some(i) => vec![i],
            None => columns
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(&c.landing, Landing::Lookup { reference, .. } if reference == key))
                .map(|(i, _)| i)
                .collect(),
        };
        match targets.as_slice() {
            // File metadata is not a field of the files.
            [i] if matches!(columns[*i].landing, Landing::Metadata(_)) => problems.push(
                Problem::new(
                    Code::CopyMappingConflict,
                    format!("`fields` names `{key}`, which the COPY fills from file metadata, not from a field"),
                    at("fields"),
                    "file metadata",
                )
                .help("name the data columns only: the table's columns and its references' lookup columns"),
            ),
            [_] if field.is_empty()
                || field.contains('"')
                || field.chars().any(char::is_control)
                || field.chars().count() > crate::naming::MAX_IDENTIFIER_LEN =>
            {
                problems.push(
                    Problem::new(
                        Code::InvalidName,
                        format!("`fields` gives `{key}` the field name `{field}`, which cannot name a column"),
                        at("fields"),
                        "not a field name",
                    )
                    .help("the field's name as the files spell it: not empty, no double quote or control character, at most 255 characters"),
                );
            }
            [i] => field.clone_into(&mut columns[*i].name),
            [] => {
                let names: Vec<&str> = columns
                    .iter()
                    .filter(|c| !matches!(c.landing, Landing::Metadata(_)))
                    .map(|c| c.name.as_str())
                    .collect();
                problems.push(
                    Problem::new(
                        Code::UnknownColumn,
                        format!(
                            "`fields` of the load of `{}` names `{key}`, which is neither a landing column nor a reference of the table",
                            load.table
                        ),
                        at("fields"),
                        "no such column",
                    )
                    .help(format!("landing columns: {}", names.join(", "))),
                );
            }
            several => {
                let names: Vec<&str> = several.iter().map(|i| columns[*i].name.as_str()).collect();
                problems.push(
                    Problem::new(
                        Code::UnknownColumn,
                        format!(
                            "`fields` names the reference `{key}`, whose dimension's natural key lands as {} columns",
                            several.len()
                        ),
                        at("fields"),
                        "several landing columns",
                    )
                    .help(format!("name each of its landing columns: {}", names.join(", "))),
                );
            }
        }
    }
    // Two landing columns with one name (a declared `PATIENT_ID` beside the
    // natural key of `PATIENT_KEY`).
    let target_id = TableId {
        kind: table_kind,
        index: table_index,
    };
    let column_loc = |c: &LandingColumn| {
        let name = match &c.landing {
            Landing::Lookup { reference, .. } => reference.as_str(),
            _ => c.name.as_str(),
        };
        match table.columns().iter().position(|d| d.name == name) {
            Some(i) => Loc::column(target_id, i, "name"),
            None => at("table"),
        }
    };
    for (i, c) in columns.iter().enumerate() {
        if let Some(first) = columns[..i].iter().find(|o| o.name.eq_ignore_ascii_case(&c.name)) {
            problems.push(
                Problem::new(
                    Code::DuplicateColumn,
                    format!(
                        "the landing table of `{}` would have two columns named `{}` ({} and {})",
                        load.table,
                        c.name,
                        describe(model, &first.landing),
                        describe(model, &c.landing)
                    ),
                    column_loc(c),
                    "lands as the same column",
                )
                .also(column_loc(first), "as this one")
                .help("give the reference a `role` (its natural-key columns land as `<ROLE>_<KEY>`), or rename the declared column"),
            );
        }
    }

    // The COPY mapping.
    match &load.mapping {
        CopyMapping::MatchByColumnName { .. } => {
            if format.file_type == FileType::Csv && format.parse_header != Some(true) {
                problems.push(
                    Problem::new(
                        Code::CopyMappingConflict,
                        format!(
                            "load of `{}` matches CSV columns by name (the default mapping), but file format `{}` does not parse the header",
                            load.table, format.name
                        ),
                        at("match_by_column_name"),
                        "CSV by name",
                    )
                    .also(
                        Loc::table(
                            TableId {
                                kind: TableKind::FileFormat,
                                index: model.file_formats.iter().position(|f| f.name == format.name).unwrap_or(0),
                            },
                            "type",
                        ),
                        "a CSV format",
                    )
                    .help("set `parse_header = true` on the file format, or map by position: `projection = { COLUMN = 1, ... }` for every landing column"),
                );
            }
        }
        CopyMapping::Projection { fields } => {
            // `projection = true` on CSV would read field n into the n-th
            // landing column: the order the model happens to declare them
            // in, so reordering the model would remap the load silently.
            if format.file_type == FileType::Csv && fields.is_empty() {
                let positions: Vec<String> = columns
                    .iter()
                    .filter(|c| !matches!(c.landing, Landing::Metadata(_)))
                    .enumerate()
                    .map(|(i, c)| format!("{} = {}", c.name, i + 1))
                    .collect();
                problems.push(
                    Problem::new(
                        Code::CopyMappingConflict,
                        format!(
                            "`projection = true` on the CSV load of `{}` would read the fields in the order the model declares the landing columns: reordering the model would remap the load",
                            load.table
                        ),
                        at("projection"),
                        "CSV positions implied",
                    )
                    .help(format!(
                        "write the positions out (today's order: `projection = {{ {} }}`), or load by header name: `parse_header = true` on the file format and no `projection`",
                        positions.join(", ")
                    )),
                );
            }
            // CSV fields have no names: once one position is given, every
            // landing column needs one (a default of "its own place" would
            // silently collide with the positions given).
            let missing: Vec<&str> = columns
                .iter()
                .filter(|c| !matches!(c.landing, Landing::Metadata(_)) && !fields.contains_key(&c.name))
                .map(|c| c.name.as_str())
                .collect();
            if format.file_type == FileType::Csv && !fields.is_empty() && !missing.is_empty() {
                problems.push(
                    Problem::new(
                        Code::CopyMappingConflict,
                        format!(
                            "`projection` of the load of `{}` gives CSV positions for some landing columns but not for {}",
                            load.table,
                            missing.join(", ")
                        ),
                        at("projection"),
                        "positions missing",
                    )
                    .help("give every landing column its field position (CSV fields have no names; `projection = true` is refused for CSV, so that no position follows the model's column order)"),
                );
            }
            for (column, field) in fields {
                let Some(c) = columns.iter().find(|c| &c.name == column) else {
                    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                    problems.push(
                        Problem::new(
                            Code::UnknownColumn,
                            format!(
                                "`projection` of the load of `{}` names `{column}`, which is not a landing column",
                                load.table
                            ),
                            at("projection"),
                            "no such landing column",
                        )
                        .help(format!("landing columns: {}", names.join(", "))),
                    );
                    continue;
                };
                if matches!(c.landing, Landing::Metadata(_)) {
                    problems.push(Problem::new(
                        Code::CopyMappingConflict,
                        format!("`projection` maps `{column}`, which the COPY fills from file metadata"),
                        at("projection"),
                        "metadata column",
                    ));
                }
                let positional = field.parse::<u32>().is_ok_and(|n| n >= 1);
                if format.file_type == FileType::Csv && !positional {
                    problems.push(
                        Problem::new(
                            Code::CopyMappingConflict,
                            format!("`projection` maps `{column}` to `{field}`, but CSV fields are read by position"),
                            at("projection"),
                            "not a position",
                        )
                        .help(format!("e.g. `{column} = 3` for the third field")),
                    );
                }
                if field.is_empty() || field.contains('"') || field.chars().any(char::is_control) {
                    problems.push(Problem::new(
                        Code::InvalidName,
                        format!("`projection` maps `{column}` to `{field}`, which is not a field name"),
                        at("projection"),
                        "not a field name",
                    ));
                }
            }
        }
    }

    if load.max_unknown_percent.is_some() && !columns.iter().any(|c| matches!(c.landing, Landing::Lookup { .. })) {
        problems.push(Problem::new(
            Code::MisplacedKey,
            format!(
                "load of `{}` sets `max_unknown_percent`, but the table has no reference to fall to an unknown member",
                load.table
            ),
            at("max_unknown_percent"),
            "no reference",
        ));
    }
    // A fact's MERGE recognizes a reloaded row by its grain; without one, a
    // replayed row whose dimension member arrived in between would be
    // inserted a second time.
    if let TableRef::Fact(f) = table
        && f.grain.columns.is_empty()
    {
        problems.push(
            Problem::new(
                Code::LoadWithoutGrain,
                format!(
                    "`{}` is loaded but has no `grain_columns`: its MERGE could not tell a reloaded row from a new one",
                    f.name
                ),
                at("table"),
                "loaded here",
            )
            .also(Loc::table(target_id, "name"), "no grain_columns")
            .help("add the source's business key as a degenerate column, e.g. `{ name = \"ENCOUNTER_ID\", type = \"int\", degenerate = true }`, and list it in `grain_columns`"),
        );
    }
    // A dimension's MERGE recognizes a member by its natural key (a smart
    // key is its own natural key); without one there is nothing to match on.
    if let TableRef::Dimension(d) = table
        && d.natural_key.is_empty()
        && d.key_generation != KeyGeneration::Natural
    {
        problems.push(
            Problem::new(
                Code::LoadWithoutGrain,
                format!(
                    "`{}` is loaded but has no `natural_key`: its MERGE could not tell a member it has from a new one",
                    d.name
                ),
                at("table"),
                "loaded here",
            )
            .also(Loc::table(target_id, "name"), "no natural_key")
            .help("name the source's identifier of a member, e.g. `natural_key = \"CUSTOMER_ID\"`"),
        );
    }
    // Facts: the event time that picks SCD2 versions.
    let mut event = None;
    if let Some(event_time) = &load.event_time {
        match table {
            TableRef::Fact(f) => {
                event = f
                    .columns
                    .iter()
                    .find(|c| &c.name == event_time)
                    .and_then(|c| match &c.kind {
                        ColumnKind::Reference { dimension, .. } => model
                            .dimension(dimension)
                            .is_some_and(|d| {
                                d.key_generation == KeyGeneration::Natural && model.key_type(&d.name).is_numeric()
                            })
                            .then(|| EventTime::DateKey(event_time.clone())),
                        ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type } => {
                            sql_type.is_temporal().then(|| EventTime::Instant(event_time.clone()))
                        }
                        _ => None,
                    });
                if event.is_none() {
                    problems.push(
                        Problem::new(
                            Code::UnknownColumn,
                            format!(
                                "`event_time = \"{event_time}\"` is not a date or timestamp column of `{}`, nor a reference to a date dimension with `yyyymmdd` keys",
                                f.name
                            ),
                            at("event_time"),
                            "not an event time",
                        )
                        .help("name the column whose date picks the SCD2 version of each dimension, e.g. `event_time = \"DATE_OF_SERVICE\"`"),
                    );
                }
            }
            _ => problems.push(Problem::new(
                Code::MisplacedKey,
                format!(
                    "load of dimension `{}` sets `event_time`, which only applies to facts",
                    load.table
                ),
                at("event_time"),
                "not a fact",
            )),
        }
    }
    if problems.is_empty() {
        Ok(LoadPlan {
            load: id.index,
            table: match table_kind {
                TableKind::Dimension => LoadTarget::Dimension(table_index),
                _ => LoadTarget::Fact(table_index),
            },
            stage: stage_index,
            format: format_index,
            columns,
            event_time: event,
        })
    } else {
        Err(problems)
    }
}

fn describe(model: &Model, landing: &Landing) -> String {
    match landing {
        Landing::Value { .. } => "a column of the table".to_owned(),
        Landing::Lookup {
            reference, dimension, ..
        } => {
            format!(
                "the natural key of `{}` for `{reference}`",
                model.dimensions[*dimension].name
            )
        }
        Landing::Metadata(m) => format!("file metadata `{}`", m.as_str()),
    }
}

fn unknown_format(model: &Model, name: &str, at: Loc) -> Problem {
    let names: Vec<&str> = model.file_formats.iter().map(|f| f.name.as_str()).collect();
    Problem::new(
        Code::UnknownLoadTarget,
        format!("file format `{name}` is not declared"),
        at,
        "no such file format",
    )
    .help(if names.is_empty() {
        "declare it in a `[[file_format]]`".to_owned()
    } else {
        format!("file formats: {}", names.join(", "))
    })
}

/// Whether `url` is a folder URL of `provider`'s storage; else what was
/// expected. Parts carrying `${...}` placeholders are taken on trust (each
/// environment resolves them).
fn url_fits(url: &str, provider: StorageProvider) -> Result<(), &'static str> {
    let expected = match provider {
        StorageProvider::S3 => "s3://bucket/folder/",
        StorageProvider::Gcs => "gcs://bucket/folder/",
        StorageProvider::Azure => "azure://account.blob.core.windows.net/container/folder/",
    };
    let rest = url.strip_prefix(provider.scheme()).ok_or(expected)?;
    if rest.is_empty() || !url.ends_with('/') || url.contains(char::is_whitespace) {
        return Err(expected);
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.contains("${") {
        return Ok(());
    }
    match provider {
        StorageProvider::S3 => Ok(()),
        // Bucket names: lower-case letters, digits, `-`, `_`, `.`; 3 to 222 characters.
        StorageProvider::Gcs => (host.len() >= 3
            && host.len() <= 222
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')))
        .then_some(())
        .ok_or(expected),
        // A storage account (3 to 24 lower-case letters and digits) on the
        // blob endpoint, then a container.
        StorageProvider::Azure => {
            let account = host.strip_suffix(".blob.core.windows.net").ok_or(expected)?;
            let container = rest.split('/').nth(1).unwrap_or_default();
            let account_ok = (3..=24).contains(&account.len())
                && account.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            (account_ok && !container.is_empty()).then_some(()).ok_or(expected)
        }
    }
}

/// The file suffix a load's `pattern` implies when it ends in a literal
/// extension (`.*[.]parquet`, `.*\.csv$`): what S3's suffix filter of its
/// event notification can say.
pub fn implied_suffix(pattern: &str) -> Option<String> {
    let p = pattern.strip_suffix('$').unwrap_or(pattern);
    let (before, ext) = p.rsplit_once("[.]").or_else(|| p.rsplit_once("\\."))?;
    let literal = !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (literal && !before.ends_with('\\')).then(|| format!(".{ext}"))
}

/// `s3://bucket/pre/fix/` → the bucket and the folder (`pre/fix/`, empty
/// for the bucket's root); `None` for any other URL.
pub fn s3_location(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("s3://")?;
    Some(rest.split_once('/').unwrap_or((rest, "")))
}

/// Which new objects an auto-ingest load's S3 event notification is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationFilter {
    /// The bucket.
    pub bucket: String,
    /// The key prefix: the stage's folder and the load's `path`.
    pub prefix: String,
    /// The key suffix its `pattern` implies, if any.
    pub suffix: Option<String>,
}

impl NotificationFilter {
    /// Whether S3 would refuse the two together: one bucket, one prefix
    /// beginning the other, and suffixes that do not tell the files apart.
    pub fn overlaps(&self, other: &Self) -> bool {
        let prefixes = self.prefix.starts_with(&other.prefix) || other.prefix.starts_with(&self.prefix);
        let suffixes = match (&self.suffix, &other.suffix) {
            (Some(x), Some(y)) => x.ends_with(y.as_str()) || y.ends_with(x.as_str()),
            _ => true,
        };
        self.bucket == other.bucket && prefixes && suffixes
    }
}

/// Where an auto-ingest load from S3 is notified, in one environment
/// (`None` for any other load, or a name that does not resolve).
pub fn notification_filter(model: &Model, load: &Load, env: &crate::model::Environment) -> Option<NotificationFilter> {
    let resolve = |t: &str| crate::interpolate::resolve(t, &env.name, &env.vars).ok();
    let stage = model.stages.iter().find(|s| s.name == load.stage)?;
    let integration = model
        .storage_integrations
        .iter()
        .find(|i| i.name == stage.storage_integration)?;
    if !load.auto_ingest || integration.provider != StorageProvider::S3 {
        return None;
    }
    let url = resolve(stage.url.as_deref()?)?;
    let (bucket, folder) = s3_location(&url)?;
    let suffix = match &load.pattern {
        Some(p) => implied_suffix(&resolve(p)?),
        None => None,
    };
    Some(NotificationFilter {
        bucket: bucket.to_owned(),
        prefix: format!("{folder}{}", resolve(&load.path)?),
        suffix,
    })
}

/// Two auto-ingest loads whose notifications S3 would refuse together: one
/// folder inside the other on one bucket, and suffixes that do not tell
/// their files apart (one ends the other, or either is absent).
fn overlapping_notifications(model: &Model, problems: &mut Vec<Problem>) {
    let mut reported = std::collections::HashSet::new();
    for env in &model.environments {
        let filters: Vec<(usize, NotificationFilter)> = model
            .loads
            .iter()
            .enumerate()
            .filter_map(|(i, load)| Some((i, notification_filter(model, load, env)?)))
            .collect();
        for (k, (i, a)) in filters.iter().enumerate() {
            for (j, b) in &filters[k + 1..] {
                if !a.overlaps(b) || !reported.insert((*i, *j)) {
                    continue;
                }
                let (first, second) = (&model.loads[*i], &model.loads[*j]);
                problems.push(
                    Problem::new(
                        Code::OverlappingNotifications,
                        format!(
                            "the auto-ingest loads of `{}` and `{}` notify under overlapping folders of bucket `{}` in environment `{}`: `{}` and `{}`",
                            first.table, second.table, a.bucket, env.name, a.prefix, b.prefix
                        ),
                        Loc::table(
                            TableId {
                                kind: TableKind::Load,
                                index: *j,
                            },
                            "path",
                        ),
                        "overlaps another load's folder",
                    )
                    .help("S3 refuses two event notifications whose prefixes and suffixes overlap: give each load a folder of its own (`path`), or file suffixes that tell them apart (`pattern = \".*[.]csv\"`)"),
                );
            }
        }
    }
}

/// Problems of the stages, file formats and integrations, and of the
/// auto-ingest loads' notifications together (each load is checked by
/// [`plan`]).
pub fn check_objects(model: &Model) -> Vec<Problem> {
    let mut problems = Vec::new();
    overlapping_notifications(model, &mut problems);
    for (index, format) in model.file_formats.iter().enumerate() {
        let id = TableId {
            kind: TableKind::FileFormat,
            index,
        };
        let csv_only: [(&'static str, bool); 6] = [
            ("field_delimiter", format.field_delimiter.is_some()),
            ("record_delimiter", format.record_delimiter.is_some()),
            ("skip_header", format.skip_header.is_some()),
            ("parse_header", format.parse_header.is_some()),
            (
                "field_optionally_enclosed_by",
                format.field_optionally_enclosed_by.is_some(),
            ),
            ("empty_field_as_null", format.empty_field_as_null.is_some()),
        ];
        let text_only: [(&'static str, bool); 4] = [
            ("null_if", format.null_if.is_some()),
            ("trim_space", format.trim_space.is_some()),
            ("date_format", format.date_format.is_some()),
            ("timestamp_format", format.timestamp_format.is_some()),
        ];
        let json_only = [("strip_outer_array", format.strip_outer_array.is_some())];
        if let Some(compression) = &format.compression {
            let choices: &[&str] = match format.file_type {
                FileType::Parquet => &["auto", "lzo", "snappy", "none"],
                _ => &[
                    "auto",
                    "gzip",
                    "bz2",
                    "brotli",
                    "zstd",
                    "deflate",
                    "raw_deflate",
                    "none",
                ],
            };
            if !choices.contains(&compression.to_lowercase().as_str()) {
                problems.push(
                    Problem::new(
                        Code::InvalidChoice,
                        format!(
                            "`compression = \"{compression}\"` is not a {} compression",
                            format.file_type.as_str().to_uppercase()
                        ),
                        Loc::table(id, "compression"),
                        "invalid choice",
                    )
                    .help(format!("use one of {}", choices.join(", "))),
                );
            }
        }
        let misplaced = |key: &'static str, applies: &str| {
            Problem::new(
                Code::MisplacedKey,
                format!(
                    "file format `{}` is {} but sets `{key}`, which only applies to {applies}",
                    format.name,
                    format.file_type.as_str().to_uppercase()
                ),
                Loc::table(id, key),
                "does not apply",
            )
        };
        for (key, set) in csv_only {
            if set && format.file_type != FileType::Csv {
                problems.push(misplaced(key, "CSV"));
            }
        }
        for (key, set) in text_only {
            if set && format.file_type == FileType::Parquet {
                problems.push(misplaced(key, "CSV and JSON"));
            }
        }
        for (key, set) in json_only {
            if set && format.file_type != FileType::Json {
                problems.push(misplaced(key, "JSON"));
            }
        }
        // Snowflake documents SKIP_HEADER as unsupported with PARSE_HEADER = TRUE: the header
        // line is the one parsed.
        if format.parse_header == Some(true)
            && let Some(skip) = format.skip_header.filter(|&n| n > 0)
        {
            problems.push(
                Problem::new(
                    Code::ConflictingKeys,
                    format!(
                        "file format `{}` sets `parse_header = true` and `skip_header = {skip}`: Snowflake does not support SKIP_HEADER with PARSE_HEADER, whose header line is the one parsed",
                        format.name
                    ),
                    Loc::table(id, "skip_header"),
                    "conflicts with parse_header",
                )
                .also(Loc::table(id, "parse_header"), "reads the header line")
                .help("remove `skip_header`: `parse_header = true` reads the first line as the column names and loads the rest"),
            );
        }
    }
    for (index, stage) in model.stages.iter().enumerate() {
        let id = TableId {
            kind: TableKind::Stage,
            index,
        };
        let Some(url) = stage.url.as_deref() else {
            // An internal stage: PUT fills it; Snowpipe cannot auto-ingest from it.
            for (index, load) in model.loads.iter().enumerate() {
                if load.stage == stage.name && load.auto_ingest {
                    problems.push(
                        Problem::new(
                            Code::MisplacedKey,
                            format!(
                                "the load of `{}` sets `auto_ingest = true`, but stage `{}` is internal: auto-ingest needs a bucket's event notifications",
                                load.table, stage.name
                            ),
                            Loc::table(
                                TableId {
                                    kind: TableKind::Load,
                                    index,
                                },
                                "auto_ingest",
                            ),
                            "internal stage",
                        )
                        .help("remove `auto_ingest` (files PUT on an internal stage are loaded through the Snowpipe REST API, insertFiles), or give the stage a `url`"),
                    );
                }
            }
            continue;
        };
        // The integration's cloud decides the URL's form (S3 when unknown).
        let provider = model
            .storage_integrations
            .iter()
            .find(|i| i.name == stage.storage_integration)
            .map_or(StorageProvider::S3, |i| i.provider);
        if let Err(expected) = url_fits(url, provider) {
            problems.push(
                Problem::new(
                    Code::InvalidUrl,
                    format!(
                        "stage `{}`: `{url}` is not {} folder URL",
                        stage.name,
                        match provider {
                            StorageProvider::S3 => "an S3",
                            StorageProvider::Gcs => "a Google Cloud Storage",
                            StorageProvider::Azure => "an Azure Blob Storage",
                        }
                    ),
                    Loc::table(id, "url"),
                    format!("expected {expected}"),
                )
                .help(match provider {
                    StorageProvider::S3 => "e.g. `url = \"s3://${bucket}/claims/model/fact/\"` (a folder: it ends with `/`)",
                    StorageProvider::Gcs => "e.g. `url = \"gcs://${bucket}/claims/\"`: Snowflake reads `gcs://`, not `gs://` or `https://`; a folder ends with `/`",
                    StorageProvider::Azure => "e.g. `url = \"azure://${account}.blob.core.windows.net/claims/fact/\"`: the blob endpoint (for Data Lake Storage Gen2 too), not `dfs`, `wasbs://` or `https://`; a folder ends with `/`",
                }),
            );
        }
        // Auto-ingest: S3 notifies the pipe's own queue (or an SNS topic);
        // GCS and Azure notify through a notification integration.
        for (index, load) in model.loads.iter().enumerate() {
            if load.stage != stage.name {
                continue;
            }
            let at = |key| {
                Loc::table(
                    TableId {
                        kind: TableKind::Load,
                        index,
                    },
                    key,
                )
            };
            let cloud = provider != StorageProvider::S3;
            match (&load.notification_integration, load.auto_ingest, cloud) {
                (None, true, true) => problems.push(
                    Problem::new(
                        Code::MissingKey,
                        format!(
                            "the load of `{}` auto-ingests from {} stage `{}`, which notifies through a notification integration",
                            load.table,
                            provider.as_str(),
                            stage.name
                        ),
                        at("auto_ingest"),
                        "no notification_integration",
                    )
                    .help("name it: `notification_integration = \"${env}_FILES_QUEUE\"` (a Pub/Sub subscription or a storage queue, created by the account administrator), or load through the REST API (`auto_ingest = false`)"),
                ),
                (Some(_), _, false) | (Some(_), false, _) => problems.push(
                    Problem::new(
                        Code::MisplacedKey,
                        format!(
                            "the load of `{}` sets `notification_integration`, which only auto-ingest from a GCS or Azure stage uses",
                            load.table
                        ),
                        at("notification_integration"),
                        "not used here",
                    )
                    .help("S3 notifies the pipe's own queue (or `aws_sns_topic`); without `auto_ingest` nothing is notified"),
                ),
                // Checked as each environment spells it.
                (Some(name), true, true)
                    if model.environments.iter().any(|env| {
                        crate::interpolate::resolve(name, &env.name, &env.vars)
                            .is_ok_and(|resolved| resolved.chars().any(char::is_lowercase))
                    }) =>
                {
                    problems.push(
                    Problem::new(
                        Code::InvalidName,
                        format!("notification integration `{name}` is not in upper case"),
                        at("notification_integration"),
                        "lower case",
                    )
                    .help("Snowflake requires a pipe's `INTEGRATION` in upper case"),
                    );
                }
                _ => {}
            }
            if cloud && load.aws_sns_topic.is_some() {
                problems.push(Problem::new(
                    Code::MisplacedKey,
                    format!(
                        "the load of `{}` sets `aws_sns_topic`, but stage `{}` is on {}",
                        load.table,
                        stage.name,
                        provider.as_str()
                    ),
                    at("aws_sns_topic"),
                    "not S3",
                ));
            }
        }
        if !stage.storage_integration.is_empty()
            && !model
                .storage_integrations
                .iter()
                .any(|i| i.name == stage.storage_integration)
        {
            let names: Vec<&str> = model.storage_integrations.iter().map(|i| i.name.as_str()).collect();
            problems.push(
                Problem::new(
                    Code::UnknownLoadTarget,
                    format!(
                        "stage `{}` reads through storage integration `{}`, which is not declared",
                        stage.name, stage.storage_integration
                    ),
                    Loc::table(id, "storage_integration"),
                    "no such integration",
                )
                .help(if names.is_empty() {
                    "declare it in a `[[storage_integration]]` (its DDL goes to the administrator's file)".to_owned()
                } else {
                    format!("integrations: {}", names.join(", "))
                }),
            );
        }
        if !model.file_formats.iter().any(|f| f.name == stage.file_format) {
            problems.push(unknown_format(model, &stage.file_format, Loc::table(id, "file_format")));
        }
    }
    for (index, integration) in model.storage_integrations.iter().enumerate() {
        let id = TableId {
            kind: TableKind::StorageIntegration,
            index,
        };
        // One account-wide integration shared by environments must have one
        // role (S3) or tenant (Azure).
        let credential = match integration.provider {
            StorageProvider::Azure => integration.azure_tenant_id.clone().unwrap_or_default(),
            _ => integration.aws_role_arn.clone(),
        };
        let mut seen: Vec<(String, String, &str)> = Vec::new();
        for env in &model.environments {
            let resolve =
                |t: &str| crate::interpolate::resolve(t, &env.name, &env.vars).unwrap_or_else(|_| t.to_owned());
            let (name, arn) = (resolve(&integration.name), resolve(&credential));
            if let Some((_, other, other_env)) = seen.iter().find(|(n, a, _)| *n == name && *a != arn) {
                problems.push(
                    Problem::new(
                        Code::IntegrationConflict,
                        format!(
                            "storage integration `{name}` is shared by environments {other_env} and {} but its role differs (`{other}`, `{arn}`): each deployment would overwrite the other's role",
                            env.name
                        ),
                        Loc::table(id, "aws_role_arn"),
                        "differs per environment",
                    )
                    .help("give each environment its own integration, e.g. `name = \"${env}_S3_INTEGRATION\"`, or one role for all"),
                );
                break;
            }
            seen.push((name, arn, &env.name));
        }
        let arn = integration.aws_role_arn.as_str();
        let looks_like_role = arn.starts_with("arn:aws") && arn.contains(":iam::") && arn.contains(":role/");
        if integration.provider == StorageProvider::S3 && !looks_like_role && !arn.contains("${") {
            problems.push(
                Problem::new(
                    Code::InvalidUrl,
                    format!(
                        "storage integration `{}`: `{arn}` is not an IAM role ARN",
                        integration.name
                    ),
                    Loc::table(id, "aws_role_arn"),
                    "expected arn:aws:iam::<account>:role/<name>",
                )
                .help("usually a variable per environment: `aws_role_arn = \"${aws_role_arn}\"`"),
            );
        }
    }
    // The first load of each table: a second one is reported against it.
    let mut first_load: HashMap<&str, usize> = HashMap::with_capacity(model.loads.len());
    for (index, load) in model.loads.iter().enumerate() {
        let id = TableId {
            kind: TableKind::Load,
            index,
        };
        if load.aws_sns_topic.is_some() && !load.auto_ingest {
            problems.push(
                Problem::new(
                    Code::MisplacedKey,
                    format!(
                        "load of `{}` sets `aws_sns_topic` but not `auto_ingest = true`",
                        load.table
                    ),
                    Loc::table(id, "aws_sns_topic"),
                    "needs auto_ingest",
                )
                .help("S3 notifications through SNS trigger auto-ingest pipes; a REST-triggered pipe has no topic"),
            );
        }
        let path_ok = load
            .path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '='))
            && !load.path.starts_with('/')
            && !load.path.contains("..");
        if !path_ok {
            problems.push(
                Problem::new(
                    Code::InvalidName,
                    format!(
                        "load of `{}`: path `{}` is not a plain folder below the stage",
                        load.table, load.path
                    ),
                    Loc::table(id, "path"),
                    "letters, digits, _ - . = and /",
                )
                .help("a folder relative to the stage URL, e.g. `path = \"claims/2024/\"`: no leading `/`, no `..`"),
            );
        }
        let first = *first_load.entry(load.table.as_str()).or_insert(index);
        if first != index {
            problems.push(
                Problem::new(
                    Code::DuplicateTable,
                    format!("`{}` is loaded twice", load.table),
                    Loc::table(id, "table"),
                    "loaded again",
                )
                .help(
                    "one load per table: its MERGE is the only writer; cover several folders with `path` and `pattern`",
                )
                .also(
                    Loc::table(
                        TableId {
                            kind: TableKind::Load,
                            index: first,
                        },
                        "table",
                    ),
                    "first here",
                ),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {

    #[test]
    fn notifications_overlap_as_s3_sees_it() {
        let n = |prefix: &str, suffix: Option<&str>| NotificationFilter {
            bucket: "b".into(),
            prefix: prefix.into(),
            suffix: suffix.map(str::to_owned),
        };
        assert!(n("a/", None).overlaps(&n("a/b/", None)));
        assert!(!n("a/", None).overlaps(&n("b/", None)));
        assert!(!n("a/", Some(".csv")).overlaps(&n("a/", Some(".json"))));
        assert!(n("a/", Some(".csv")).overlaps(&n("a/", Some("s.csv"))));
        assert!(n("a/", Some(".csv")).overlaps(&n("a/b/", None)));
    }

    #[test]
    fn a_pattern_s_literal_extension_is_the_suffix() {
        assert_eq!(implied_suffix(".*[.]parquet").as_deref(), Some(".parquet"));
        assert_eq!(implied_suffix(".*\\.csv$").as_deref(), Some(".csv"));
        assert_eq!(implied_suffix("claims_[0-9]+[.]json").as_deref(), Some(".json"));
        assert_eq!(implied_suffix(".*[.](csv|tsv)"), None);
        assert_eq!(implied_suffix(".*"), None);
        assert_eq!(
            implied_suffix(".*\\\\.csv"),
            None,
            "an escaped backslash, then any character"
        );
    }

    use super::*;

    #[test]
    fn stage_urls_follow_their_provider() {
        use StorageProvider::{Azure, Gcs, S3};
        assert!(url_fits("s3://bucket/in/", S3).is_ok());
        assert!(url_fits("gcs://my-bucket.data/in/", Gcs).is_ok());
        assert!(url_fits("gcs://${bucket}/in/", Gcs).is_ok());
        assert!(url_fits("azure://acct01.blob.core.windows.net/container/in/", Azure).is_ok());
        for (url, provider) in [
            ("gs://bucket/in/", Gcs),
            ("gcs://Bucket/in/", Gcs),
            ("gcs://bucket/in", Gcs),
            ("s3://bucket/in/", Gcs),
            ("azure://acct01.dfs.core.windows.net/container/in/", Azure),
            ("azure://Acct01.blob.core.windows.net/container/", Azure),
            ("azure://acct01.blob.core.windows.net/", Azure),
            ("https://acct01.blob.core.windows.net/container/", Azure),
        ] {
            assert!(url_fits(url, provider).is_err(), "{url}");
        }
    }
}
