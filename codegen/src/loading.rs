//! Steps 0 and 5–7: ingestion. File formats (in step 1), the storage
//! integration for the account administrator (step 0, not part of
//! `deploy.sql`), external stages and landing tables (step 5), pipes
//! (step 6), and the streams and tasks whose MERGE statements maintain the
//! dimensions and facts (step 7), printed from `model_core::ingest` plans.
//!
//! Nothing here is replaced: stages, pipes and streams are
//! `CREATE ... IF NOT EXISTS` (recreating a stage stops its pipes, a pipe
//! loses its load history, a stream its offset; even `ALTER STAGE ... SET URL`
//! stops its auto-ingest pipes, so stages are not altered either); file
//! formats and integrations are brought up to date with `ALTER ... SET`;
//! tasks are `CREATE OR ALTER`.

use model_core::ingest::{EventTime, Landing, LandingColumn, Loaded, Resolved};
use model_core::model::{
    ColumnKind, CopyMapping, Dimension, Fact, FactType, FileFormat, FileMetadata, FileType, KeyGeneration, ScdType,
    StorageProvider, scd2,
};
use model_core::{DataType, interpolate, naming};

use crate::ddl::Target;
use crate::writer::{
    Alias, BinaryOp, ColumnDef, Copy, CopyField, CreateTable, Credentials, Expr, FieldPath, FormatOption, Function,
    Join, JoinKind, Merge, ObjectName, OptionValue, OrderBy, Pipe, Query, Relation, Select, SelectItem, StageLocation,
    Statement, Task, When, file_type_keyword,
};

/// Options of a file format, in Snowflake's documented order.
fn format_options(format: &FileFormat) -> Vec<(FormatOption, OptionValue)> {
    let mut out = Vec::new();
    if let Some(c) = &format.compression {
        out.push((FormatOption::Compression, OptionValue::Keyword(c.to_uppercase())));
    }
    let strings = [
        (FormatOption::RecordDelimiter, &format.record_delimiter),
        (FormatOption::FieldDelimiter, &format.field_delimiter),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            out.push((key, OptionValue::Str(v.clone())));
        }
    }
    if let Some(parse) = format.parse_header {
        out.push((FormatOption::ParseHeader, OptionValue::Bool(parse)));
    }
    if let Some(n) = format.skip_header {
        out.push((FormatOption::SkipHeader, OptionValue::Int(n)));
    }
    if let Some(q) = &format.field_optionally_enclosed_by {
        out.push((FormatOption::FieldOptionallyEnclosedBy, OptionValue::Str(q.clone())));
    }
    if let Some(list) = &format.null_if {
        out.push((FormatOption::NullIf, OptionValue::List(list.clone())));
    }
    for (key, value) in [
        (FormatOption::EmptyFieldAsNull, format.empty_field_as_null),
        (FormatOption::TrimSpace, format.trim_space),
    ] {
        if let Some(b) = value {
            out.push((key, OptionValue::Bool(b)));
        }
    }
    for (key, value) in [
        (FormatOption::DateFormat, &format.date_format),
        (FormatOption::TimestampFormat, &format.timestamp_format),
    ] {
        if let Some(v) = value {
            out.push((key, OptionValue::Str(v.clone())));
        }
    }
    if let Some(b) = format.strip_outer_array {
        out.push((FormatOption::StripOuterArray, OptionValue::Bool(b)));
    }
    out
}

/// Step 1 additions: every file format, created and then brought up to date.
pub fn file_formats(target: &Target<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    for format in &target.model.file_formats {
        let name = target.object(&format.name);
        let options = format_options(format);
        let comment = target.comment(format.comment.as_deref());
        out.push(Statement::FileFormat {
            name: name.clone(),
            file_type: format.file_type,
            options: options.clone(),
            comment: comment.clone(),
            alter: false,
        });
        if !options.is_empty() || comment.is_some() {
            out.push(Statement::FileFormat {
                name,
                file_type: format.file_type,
                options,
                comment,
                alter: true,
            });
        }
    }
    out
}

/// Step 0, for the account administrator: each storage integration the
/// stages of this environment use, with the locations every environment
/// sharing it needs.
pub fn integrations(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = Vec::new();
    for integration in &model.storage_integrations {
        let name = target.text(&integration.name);
        // Every environment whose stages resolve to this same integration.
        let mut locations: Vec<String> = Vec::new();
        for env in &model.environments {
            let resolve = |t: &str| interpolate::resolve(t, &env.name, &env.vars).unwrap_or_else(|_| t.to_owned());
            if resolve(&integration.name) != name {
                continue;
            }
            for stage in model
                .stages
                .iter()
                .filter(|s| s.storage_integration == integration.name)
            {
                locations.extend(stage.url.as_deref().map(resolve));
            }
        }
        locations.sort();
        locations.dedup();
        if locations.is_empty() {
            continue;
        }
        let credentials = match integration.provider {
            StorageProvider::S3 => Credentials::S3 {
                role_arn: target.text(&integration.aws_role_arn),
            },
            StorageProvider::Gcs => Credentials::Gcs,
            StorageProvider::Azure => Credentials::Azure {
                tenant_id: target.text(integration.azure_tenant_id.as_deref().unwrap_or_default()),
            },
        };
        let comment = target.comment(integration.comment.as_deref());
        out.push(Statement::StorageIntegration {
            name: name.clone(),
            credentials: credentials.clone(),
            locations: locations.clone(),
            comment,
            alter: false,
        });
        out.push(Statement::StorageIntegration {
            name: name.clone(),
            credentials,
            locations,
            comment: None,
            alter: true,
        });
        for role in &integration.usage {
            // This file runs first, before step 4 creates the model's roles:
            // create a declared role here too (IF NOT EXISTS, as step 4 does).
            if let Some(declared) = model.roles.iter().find(|r| &r.name == role) {
                out.push(Statement::CreateRole {
                    name: target.text(&declared.name),
                    comment: target.comment(declared.comment.as_deref()),
                });
            }
            out.push(Statement::Grant {
                privileges: vec![crate::writer::Privilege::Usage],
                on: crate::writer::GrantOn::Integration(name.clone()),
                role: target.text(role),
            });
        }
    }
    out
}

/// Step 5: the stages (external, or internal for files PUT on them) and the
/// landing table of every load.
pub fn stages(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = Vec::new();
    for stage in &model.stages {
        let name = target.object(&target.text(&stage.name));
        let url = stage.url.as_deref().map(|u| target.text(u));
        let integration = url.as_ref().map(|_| target.text(&stage.storage_integration));
        let format = target.object(&stage.file_format);
        let comment = target.comment(stage.comment.as_deref());
        out.push(Statement::Stage {
            name,
            url,
            storage_integration: integration,
            file_format: format,
            comment,
        });
    }
    for plan in target.model.loads() {
        out.push(Statement::CreateTable(landing_table(target, &plan)));
    }
    out
}

fn landing_table(target: &Target<'_>, plan: &Resolved<'_>) -> CreateTable {
    CreateTable {
        name: target.object(&plan.load.landing),
        columns: plan
            .columns
            .iter()
            .map(|c| ColumnDef {
                name: c.name.clone(),
                sql_type: c.sql_type,
                nullable: true,
                default: None,
                comment: None,
            })
            .collect(),
        constraints: Vec::new(),
        cluster_by: Vec::new(),
        comment: Some(format!(
            "Landing table of {}: rows as staged by pipe {}, before the MERGE of task {}.",
            plan.table.name(),
            target.text(&plan.load.pipe),
            naming::load_task(plan.table.name())
        )),
    }
}

/// The COPY of a load's pipe.
pub fn copy(target: &Target<'_>, plan: &Resolved<'_>) -> Copy {
    let load = plan.load;
    let data: Vec<&LandingColumn> = plan.data_columns().collect();
    let metadata: Vec<FileMetadata> = FileMetadata::ALL
        .into_iter()
        .filter(|m| plan.metadata(*m).is_some())
        .collect();
    let mut copy = Copy {
        into: target.object(&load.landing),
        columns: Vec::new(),
        select: Vec::new(),
        from: StageLocation {
            stage: target.object(&target.text(&plan.stage.name)),
            path: load.path.clone(),
        },
        file_format: target.object(&plan.format.name),
        match_by_column_name: None,
        include_metadata: Vec::new(),
        pattern: load.pattern.as_deref().map(|p| target.text(p)),
        on_error: load.on_error,
    };
    match &load.mapping {
        CopyMapping::MatchByColumnName { case_sensitive } => {
            copy.match_by_column_name = Some(*case_sensitive);
            copy.include_metadata = metadata.iter().map(|m| (m.column().to_owned(), *m)).collect();
        }
        CopyMapping::Projection { fields } => {
            copy.columns = data.iter().map(|c| c.name.clone()).collect();
            // CSV positions are whole numbers from 1 (validation); a field
            // of another format is a name or path, and its position unused.
            let positions: Vec<u32> = data
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let default = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    fields
                        .get(&c.name)
                        .map_or(Some(default), |p| p.parse().ok())
                        .unwrap_or(0)
                })
                .collect();
            let in_order = positions
                .iter()
                .enumerate()
                .all(|(i, p)| usize::try_from(*p).is_ok_and(|p| p == i + 1));
            if plan.format.file_type == FileType::Csv && in_order && metadata.is_empty() {
                // Positional: the column list alone maps field n to column n.
                return copy;
            }
            copy.select = data
                .iter()
                .zip(&positions)
                .map(|(c, position)| {
                    if plan.format.file_type == FileType::Csv {
                        CopyField::Position(*position)
                    } else {
                        // A field the model names (`a.b`) is a path; a column's own name is one key.
                        let path = match fields.get(&c.name) {
                            Some(field) => FieldPath(field.split('.').map(str::to_owned).collect()),
                            None => FieldPath(vec![c.name.clone()]),
                        };
                        CopyField::Path(path, c.sql_type)
                    }
                })
                .collect();
            for m in &metadata {
                copy.columns.push(m.column().to_owned());
                copy.select.push(CopyField::Metadata(*m));
            }
        }
    }
    copy
}

/// Step 6: a pipe per load.
pub fn pipes(target: &Target<'_>) -> Vec<Statement> {
    target
        .model
        .loads()
        .map(|plan| Statement::CreatePipe(Box::new(pipe(target, &plan))))
        .collect()
}

/// The pipe of one load (what `CREATE PIPE` makes; a migration's runbook
/// recreates it).
pub fn pipe(target: &Target<'_>, plan: &Resolved<'_>) -> Pipe {
    let load = plan.load;
    Pipe {
        name: target.object(&target.text(&load.pipe)),
        auto_ingest: load.auto_ingest,
        aws_sns_topic: load.aws_sns_topic.as_deref().map(|t| target.text(t)),
        integration: load.notification_integration.as_deref().map(|i| target.text(i)),
        error_integration: load.error_integration.as_deref().map(|t| target.text(t)),
        comment: Some(format!(
            "Loads {} files from {} into {} ({}).",
            file_type_keyword(plan.format.file_type),
            target.text(&plan.stage.name),
            load.landing,
            if load.auto_ingest {
                if load.notification_integration.is_some() {
                    "triggered by the bucket's notifications through its notification integration"
                } else {
                    "triggered by S3 event notifications"
                }
            } else {
                "triggered through the Snowpipe REST API"
            }
        )),
        copy: copy(target, plan),
    }
}

/// Step 7: per load, a stream on the landing table and a task running the MERGE.
pub fn loading(target: &Target<'_>) -> Vec<Statement> {
    let plans: Vec<Resolved<'_>> = target.model.loads().collect();
    let mut out = Vec::new();
    for plan in &plans {
        let landing = target.object(&plan.load.landing);
        let stream = target.object(&naming::stream(&plan.load.landing));
        out.push(Statement::CreateStream {
            name: stream.clone(),
            table: landing,
            comment: Some(format!(
                "New rows of {} for task {}.",
                plan.load.landing,
                naming::load_task(plan.table.name())
            )),
        });
        let task = target.object(&naming::load_task(plan.table.name()));
        out.push(Statement::AlterTask {
            name: task.clone(),
            resume: false,
        });
        let what = match plan.table {
            Loaded::Dimension(d) if d.keeps_history() => "SCD2 history",
            Loaded::Dimension(_) => "SCD1 overwrite",
            Loaded::Fact(_) => "surrogate-key lookups",
        };
        out.push(Statement::Task(Box::new(Task {
            name: task.clone(),
            warehouse: target.text(&plan.load.warehouse),
            schedule: plan.load.schedule.as_deref().map(|s| target.text(s)),
            when_stream: Some(stream.clone()),
            comment: Some(format!(
                "Merges new rows of {} into {} ({what}).",
                plan.load.landing,
                plan.table.name()
            )),
            body: {
                let merge = Box::new(merge(target, plan, stream.clone()));
                match (
                    plan.load.max_unknown_percent,
                    unknown_counts(target, plan, stream, Counted::Worst),
                ) {
                    (Some(percent), Some(select)) => Statement::CheckedMerge {
                        counts: Query::Select(Box::new(select)),
                        percent,
                        table: plan.table.name().to_owned(),
                        merge,
                    },
                    _ => Statement::Merge(merge),
                }
            },
        })));
        out.push(Statement::AlterTask {
            name: task,
            resume: true,
        });
        if let Some(audit) = unknown_members(target, plan) {
            out.push(audit);
        }
    }
    out
}

/// The unknown-member audit of a load with references: per batch of its
/// landing table (`_FILE_NAME`, else `_LOADED_AT`, else all rows), the rows
/// landed and, per reference, those whose member the dimension does not
/// have (or that name the unknown member): the rows the MERGE gives -1.
/// Landed rows stay after the MERGE, so every batch keeps its count.
fn unknown_members(target: &Target<'_>, plan: &Resolved<'_>) -> Option<Statement> {
    let batch = [FileMetadata::FileName, FileMetadata::LoadTime]
        .into_iter()
        .find_map(|m| plan.metadata(m));
    let select = unknown_counts(
        target,
        plan,
        target.object(&plan.load.landing),
        Counted::PerBatch(batch),
    )?;
    Some(Statement::CreateView {
        name: target.object(&naming::unknown_members(plan.table.name())),
        secure: false,
        comment: Some(format!(
            "Unknown-member audit of {}: per batch of {}, the rows landed and, per reference, the rows whose member its dimension lacks (the MERGE gives them -1).",
            plan.table.name(),
            plan.load.landing
        )),
        query: Query::Select(Box::new(select)),
    })
}

/// How [`unknown_counts`] counts.
#[derive(Clone, Copy)]
enum Counted<'a> {
    /// `ROWS_LANDED` and a column per reference, grouped by this batch
    /// column (a `BATCH` column) when there is one: the audit view.
    PerBatch(Option<&'a LandingColumn>),
    /// One row of `LANDED` and `UNKNOWN`, the worst reference's count: the
    /// task's check.
    Worst,
}

/// Rows of `source` (landed rows, or a stream of them) and, per reference,
/// those whose natural key finds no member or names the unknown one.
/// `None` for a table without references.
fn unknown_counts(
    target: &Target<'_>,
    plan: &Resolved<'_>,
    source: ObjectName,
    counted: Counted<'_>,
) -> Option<Select> {
    let model = target.model;
    let (per_batch, batch) = match counted {
        Counted::PerBatch(batch) => (true, batch),
        Counted::Worst => (false, None),
    };
    let mut items = Vec::new();
    let mut group_by = Vec::new();
    if let Some(b) = batch {
        items.push(SelectItem::named(col("l", &b.name), "BATCH"));
        group_by.push(col("l", &b.name));
    }
    items.push(SelectItem::named(
        Expr::CountAll,
        if per_batch { "ROWS_LANDED" } else { "LANDED" },
    ));
    let mut counts = Vec::new();
    let mut joins = Vec::new();
    for column in plan.table.columns() {
        let lookup = plan.lookup_columns(&column.name);
        let Some(Landing::Lookup { dimension, .. }) = lookup.first().map(|l| &l.landing) else {
            continue;
        };
        let dim = &model.dimensions[*dimension];
        let a = format!("d{}", joins.len() + 1);
        let mut on: Vec<Expr> = dim
            .natural_key
            .iter()
            .zip(&lookup)
            .map(|(nk, l)| col(&a, nk).eq(col("l", &l.name)))
            .collect();
        if dim.keeps_history() {
            // One row per member: its current version.
            on.push(col(&a, scd2::IS_CURRENT).eq(Expr::Bool(true)));
        }
        let key = col(&a, &dim.key);
        let unknown = Expr::any([Expr::IsNull(Box::new(key.clone())), key.eq(Expr::Int(-1))])?;
        // COUNT of a CASE without ELSE: an integer count, in Snowflake and the emulator alike.
        counts.push((
            Expr::call(
                Function::Count,
                [Expr::Case {
                    when: vec![(unknown, Expr::Int(1))],
                    otherwise: None,
                }],
            ),
            naming::unknown_count(&column.name),
        ));
        joins.push(Join {
            kind: JoinKind::Left,
            relation: Relation::Table(target.object(&dim.name)),
            alias: alias(&a),
            on,
        });
    }
    if joins.is_empty() {
        return None;
    }
    if per_batch {
        items.extend(counts.into_iter().map(|(e, name)| SelectItem::named(e, &name)));
    } else {
        let worst = if counts.len() == 1 {
            counts.remove(0).0
        } else {
            Expr::call(Function::Greatest, counts.into_iter().map(|(e, _)| e))
        };
        items.push(SelectItem::named(worst, "UNKNOWN"));
    }
    let mut select = Select::new(items, Relation::Table(source), alias("l"));
    select.joins = joins;
    select.group_by = group_by;
    Some(select)
}

/// The MERGE of a load, reading new rows from `source`.
pub fn merge(target: &Target<'_>, plan: &Resolved<'_>, source: ObjectName) -> Merge {
    let (using, on, when) = match plan.table {
        Loaded::Dimension(d) => dimension_merge(target, plan, d),
        Loaded::Fact(f) => fact_merge(target, plan, f),
    };
    Merge {
        target: target.object(plan.table.name()),
        source,
        using,
        on,
        when,
    }
}

fn alias(name: &str) -> Alias {
    Alias::new(name)
}

fn col(alias: &str, name: &str) -> Expr {
    Expr::Column(Some(Alias::new(alias)), name.to_owned())
}

/// `SELECT <landing columns> FROM <source> QUALIFY ROW_NUMBER() ... = 1`:
/// the latest row per `partition` (landing columns), deterministically.
fn batch(plan: &Resolved<'_>, partition: &[&str]) -> Select {
    let items = plan
        .columns
        .iter()
        .map(|c| SelectItem::bare(col("src", &c.name)))
        .collect();
    let mut order: Vec<OrderBy> = [
        FileMetadata::LoadTime,
        FileMetadata::FileName,
        FileMetadata::FileRowNumber,
    ]
    .into_iter()
    .filter_map(|m| plan.metadata(m))
    .map(|c| OrderBy {
        expr: col("src", &c.name),
        descending_nulls_last: true,
    })
    .collect();
    order.extend(
        plan.data_columns()
            .filter(|c| !matches!(c.sql_type, DataType::Variant | DataType::Object | DataType::Array))
            .map(|c| OrderBy {
                expr: col("src", &c.name),
                descending_nulls_last: false,
            }),
    );
    let mut select = Select::new(items, Relation::MergeSource, alias("src"));
    select.qualify = Some(
        Expr::Window {
            function: Function::RowNumber,
            args: Vec::new(),
            partition_by: partition.iter().map(|c| col("src", c)).collect(),
            order_by: order,
        }
        .eq(Expr::Int(1)),
    );
    select
}

/// The batch with references looked up: `SELECT <value columns>,
/// COALESCE(dN.KEY, -1) AS <reference>, ... FROM (batch) AS b LEFT JOIN ...`,
/// giving the table's columns (and `_CHANGED_AT`).
fn looked_up(target: &Target<'_>, plan: &Resolved<'_>, partition: &[&str]) -> (Select, Vec<String>) {
    let table = plan.table;
    let mut items: Vec<SelectItem> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut joins: Vec<Join> = Vec::new();
    let event = plan.event_time.as_ref().map(|e| event_expr(plan, e));
    for column in table.columns() {
        if let ColumnKind::Reference { .. } = &column.kind {
            // The plan names the dimension of every reference it lands (all
            // of them, in a validated model).
            let lookup = plan.lookup_columns(&column.name);
            let Some(Landing::Lookup { dimension, .. }) = lookup.first().map(|l| &l.landing) else {
                continue;
            };
            let dim = &target.model.dimensions[*dimension];
            let a = format!("d{}", joins.len() + 1);
            let mut on: Vec<Expr> = dim
                .natural_key
                .iter()
                .zip(&lookup)
                .map(|(nk, l)| col(&a, nk).eq(col("b", &l.name)))
                .collect();
            if dim.keeps_history() {
                match &event {
                    Some(ev) => {
                        on.push(Expr::binary(col(&a, scd2::VALID_FROM), BinaryOp::LtEq, ev.clone()));
                        on.push(Expr::binary(ev.clone(), BinaryOp::Lt, col(&a, scd2::VALID_TO)));
                    }
                    None => on.push(col(&a, scd2::IS_CURRENT).eq(Expr::Bool(true))),
                }
            }
            let key = col(&a, &dim.key);
            items.push(SelectItem::named(
                if dim.unknown_member {
                    Expr::call(Function::Coalesce, [key, Expr::Int(-1)])
                } else {
                    key
                },
                &column.name,
            ));
            joins.push(Join {
                kind: JoinKind::Left,
                relation: Relation::Table(target.object(&dim.name)),
                alias: alias(&a),
                on,
            });
            names.push(column.name.clone());
        } else {
            // The landing column may carry the files' name (`fields`).
            items.push(SelectItem::named(col("b", landed(plan, &column.name)), &column.name));
            names.push(column.name.clone());
        }
    }
    // Smart-key dimensions: the key is the natural key, declared on the dimension itself.
    if let Loaded::Dimension(d) = table
        && d.key_generation == KeyGeneration::Natural
        && !names.contains(&d.key)
    {
        items.insert(0, SelectItem::named(col("b", landed(plan, &d.key)), &d.key));
        names.insert(0, d.key.clone());
    }
    let changed = match plan.metadata(FileMetadata::LoadTime) {
        Some(c) => col("b", &c.name),
        None => Expr::call(Function::CurrentTimestamp, []),
    };
    items.push(SelectItem::named(changed.cast(DataType::TimestampNtz), CHANGED_AT));
    let mut select = Select::new(
        items,
        Relation::Derived(Box::new(Query::Select(Box::new(batch(plan, partition))))),
        alias("b"),
    );
    select.joins = joins;
    (select, names)
}

/// The column of a MERGE's source recording when the row changed.
const CHANGED_AT: &str = "_CHANGED_AT";

/// The landing column that carries the table's column `column` as it is:
/// its own name, or the files' name for the field (`fields`).
fn landed<'p>(plan: &'p Resolved<'_>, column: &'p str) -> &'p str {
    plan.value_column(column).map_or(column, |c| c.name.as_str())
}

/// The expression of a fact's event time in the batch (`b`).
fn event_expr(plan: &Resolved<'_>, event: &EventTime) -> Expr {
    match event {
        EventTime::Instant(column) => col("b", landed(plan, column)),
        // A smart date key: yyyymmdd. TRY_: the unknown date (-1) gives NULL,
        // and so the unknown member, instead of failing the whole batch.
        EventTime::DateKey(column) => Expr::call(
            Function::TryToDate,
            [
                Expr::call(
                    Function::ToVarchar,
                    // The smart key lands as the reference's one lookup column.
                    [col(
                        "b",
                        plan.lookup_columns(column)
                            .first()
                            .map_or(column.as_str(), |l| l.name.as_str()),
                    )],
                ),
                Expr::Str("YYYYMMDD".into()),
            ],
        ),
    }
}

/// The landing columns that carry `columns` of the table (lookups for references).
fn landing_of(plan: &Resolved<'_>, columns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for c in columns {
        let lookups = plan.lookup_columns(c);
        if lookups.is_empty() {
            out.push(landed(plan, c).to_owned());
        } else {
            out.extend(lookups.iter().map(|l| l.name.clone()));
        }
    }
    out
}

/// `(NOT EQUAL_NULL(a.c1, b.c1) OR ...)`: whether any of `columns` differs.
fn differ(a: &str, b: &str, columns: &[&String]) -> Expr {
    Expr::any(
        columns
            .iter()
            .map(|c| Expr::Not(Box::new(Expr::call(Function::EqualNull, [col(a, c), col(b, c)])))),
    )
    .unwrap_or(Expr::Bool(false))
    .nested()
}

/// `a.c = b.c` for each of `columns`.
fn pairs(a: &str, b: &str, columns: &[String]) -> Vec<Expr> {
    columns.iter().map(|c| col(a, c).eq(col(b, c))).collect()
}

/// `c = s.c, ...`: an UPDATE SET from the source row.
fn set_from_source(columns: &[&String]) -> Vec<(String, Expr)> {
    columns.iter().map(|c| ((*c).clone(), col("s", c))).collect()
}

/// `WHEN MATCHED AND (<any differs>) THEN UPDATE SET <each from s>`, unless
/// there is nothing to update.
fn update_when_changed(when: &mut Vec<When>, columns: &[&String]) {
    if !columns.is_empty() {
        when.push(When::MatchedUpdate {
            and: vec![differ("t", "s", columns)],
            set: set_from_source(columns),
        });
    }
}

/// `WHEN NOT MATCHED THEN INSERT (<columns>, <extra>) VALUES (s.<columns>, <extra values>)`.
fn insert_when_new(columns: &[String], extra: Vec<(&str, Expr)>) -> When {
    let mut names = columns.to_vec();
    let mut values: Vec<Expr> = columns.iter().map(|c| col("s", c)).collect();
    for (name, value) in extra {
        names.push(name.to_owned());
        values.push(value);
    }
    When::NotMatchedInsert { columns: names, values }
}

type MergeParts = (Query, Vec<Expr>, Vec<When>);

fn dimension_merge(target: &Target<'_>, plan: &Resolved<'_>, d: &Dimension) -> MergeParts {
    let natural: Vec<String> = if d.key_generation == KeyGeneration::Natural {
        vec![d.key.clone()]
    } else {
        d.natural_key.clone()
    };
    let partition = landing_of(plan, &natural);
    let partition: Vec<&str> = partition.iter().map(String::as_str).collect();
    let scd = |name: &str| {
        d.columns
            .iter()
            .find(|c| c.name == name)
            .map_or(ScdType::Fixed, |c| d.scd_of(c))
    };
    let derived = |select: Select| Relation::Derived(Box::new(Query::Select(Box::new(select))));
    let mut when = Vec::new();
    if d.keeps_history() {
        // Branch 1: every member of the batch, matched on its natural key
        // (updates and expiry); branch 2: a new version of each member whose
        // type-2 attributes changed (never matches, so it is inserted).
        let (members, columns) = looked_up(target, plan, &partition);
        let mut first = merge_keys(&natural, true);
        first.push(SelectItem::bare(Expr::Wildcard(alias("s"))));
        let updates = Select::new(first, derived(members), alias("s"));

        let mut second = merge_keys(&natural, false);
        second.extend(
            columns
                .iter()
                .map(|c| {
                    if !natural.contains(c) && scd(c) == ScdType::Fixed {
                        col("c", c) // type 0: the original value, kept in every version
                    } else {
                        col("s", c)
                    }
                })
                .chain(std::iter::once(col("s", CHANGED_AT)))
                .map(SelectItem::bare),
        );
        let type2: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::History)
            .collect();
        let mut versions = Select::new(second, derived(looked_up(target, plan, &partition).0), alias("s"));
        let mut on = pairs("c", "s", &natural);
        on.push(col("c", scd2::IS_CURRENT).eq(Expr::Bool(true)));
        versions.joins.push(Join {
            kind: JoinKind::Inner,
            relation: Relation::Table(target.object(&d.name)),
            alias: alias("c"),
            on,
        });
        versions.filter = vec![
            differ("c", "s", &type2),
            Expr::binary(col("s", CHANGED_AT), BinaryOp::Gt, col("c", scd2::VALID_FROM)),
        ];
        let on = natural
            .iter()
            .map(|n| col("t", n).eq(col("s", &merge_key(n))))
            .collect();

        let type1: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::Overwrite)
            .collect();
        let mut expire = vec![
            (scd2::VALID_TO.to_owned(), col("s", CHANGED_AT)),
            (scd2::IS_CURRENT.to_owned(), Expr::Bool(false)),
        ];
        expire.extend(set_from_source(&type1));
        when.push(When::MatchedUpdate {
            and: vec![
                col("t", scd2::IS_CURRENT).eq(Expr::Bool(true)),
                Expr::binary(col("s", CHANGED_AT), BinaryOp::Gt, col("t", scd2::VALID_FROM)),
                differ("t", "s", &type2),
            ],
            set: expire,
        });
        update_when_changed(&mut when, &type1);
        // A new version (no merge key) starts at its change; a new member's
        // first version at the beginning of time, so older facts find it.
        let first = natural.first().map_or(Expr::Null, |n| col("s", &merge_key(n)));
        when.push(insert_when_new(
            &columns,
            vec![
                (
                    scd2::VALID_FROM,
                    Expr::Case {
                        when: vec![(Expr::IsNull(Box::new(first)), col("s", CHANGED_AT))],
                        otherwise: Some(Box::new(Expr::Str("1900-01-01".into()).cast(DataType::TimestampNtz))),
                    },
                ),
                (
                    scd2::VALID_TO,
                    Expr::Str("9999-12-31".into()).cast(DataType::TimestampNtz),
                ),
                (scd2::IS_CURRENT, Expr::Bool(true)),
            ],
        ));
        (Query::UnionAll(vec![updates, versions]), on, when)
    } else {
        let (select, columns) = looked_up(target, plan, &partition);
        let type1: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::Overwrite)
            .collect();
        update_when_changed(&mut when, &type1);
        when.push(insert_when_new(&columns, Vec::new()));
        (Query::Select(Box::new(select)), pairs("t", "s", &natural), when)
    }
}

/// The column of the SCD2 merge source carrying natural-key column `n`
/// (NULL on the rows that insert a new version).
fn merge_key(n: &str) -> String {
    format!("_MERGE_{n}")
}

/// `s.NK AS _MERGE_NK, ...` (or `NULL AS ...` for new versions).
fn merge_keys(natural: &[String], real: bool) -> Vec<SelectItem> {
    natural
        .iter()
        .map(|n| SelectItem::named(if real { col("s", n) } else { Expr::Null }, &merge_key(n)))
        .collect()
}

fn fact_merge(target: &Target<'_>, plan: &Resolved<'_>, f: &Fact) -> MergeParts {
    // What identifies a row: the grain columns (validation requires them).
    let identity: Vec<String> = f.grain.columns.clone();
    let partition = landing_of(plan, &identity);
    let partition: Vec<&str> = partition.iter().map(String::as_str).collect();
    let (select, columns) = looked_up(target, plan, &partition);
    let nullable = |name: &str| f.columns.iter().find(|c| c.name == name).is_some_and(|c| c.nullable);
    let on = identity
        .iter()
        .map(|c| {
            if nullable(c) {
                Expr::call(Function::EqualNull, [col("t", c), col("s", c)])
            } else {
                col("t", c).eq(col("s", c))
            }
        })
        .collect();
    let others: Vec<&String> = columns.iter().filter(|c| !identity.contains(c)).collect();
    let mut when = Vec::new();
    if f.fact_type == FactType::AccumulatingSnapshot {
        update_when_changed(&mut when, &others);
    } else {
        // A fact that arrived before its dimension member got the unknown
        // member; when it is loaded again, the real key replaces -1 (and
        // nothing else of the fact changes).
        let late: Vec<&String> = others
            .iter()
            .copied()
            .filter(|c| {
                f.columns.iter().any(|fc| {
                    &&fc.name == c
                        && matches!(&fc.kind, ColumnKind::Reference { dimension, .. }
                            if target.model.dimension(dimension).is_some_and(|d| d.unknown_member))
                })
            })
            .collect();
        if let Some(any_late) = Expr::any(late.iter().map(|c| {
            Expr::binary(
                col("t", c).eq(Expr::Int(-1)),
                BinaryOp::And,
                Expr::binary(col("s", c), BinaryOp::NotEq, Expr::Int(-1)),
            )
            .nested()
        })) {
            let set = late
                .iter()
                .map(|c| {
                    (
                        (*c).clone(),
                        Expr::Case {
                            when: vec![(col("t", c).eq(Expr::Int(-1)), col("s", c))],
                            otherwise: Some(Box::new(col("t", c))),
                        },
                    )
                })
                .collect();
            when.push(When::MatchedUpdate {
                and: vec![any_late.nested()],
                set,
            });
        }
    }
    when.push(insert_when_new(&columns, Vec::new()));
    (Query::Select(Box::new(select)), on, when)
}
