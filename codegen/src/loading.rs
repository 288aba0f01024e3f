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

use std::fmt::Write as _;

use model_core::ingest::{LandingColumn, Resolved};
use model_core::model::{
    ColumnKind, CopyMapping, Dimension, Fact, FactType, FileFormat, FileMetadata, FileType, KeyGeneration, ScdType,
    scd2,
};
use model_core::{DataType, TableRef, interpolate};

use crate::ddl::Target;
use crate::writer::{
    ColumnDef, Copy, CreateTable, FieldPath, Ident, Merge, MergeText, ObjectName, OptionValue, Pipe, StageLocation,
    Statement, Task,
};

fn col(alias: &str, name: &str) -> String {
    format!("{alias}.{}", Ident(name))
}

fn idents<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| Ident(n).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Options of a file format, in Snowflake's documented order.
fn format_options(format: &FileFormat) -> Vec<(&'static str, OptionValue)> {
    let mut out = Vec::new();
    if let Some(c) = &format.compression {
        out.push(("COMPRESSION", OptionValue::Keyword(c.to_uppercase())));
    }
    let strings = [
        ("RECORD_DELIMITER", &format.record_delimiter),
        ("FIELD_DELIMITER", &format.field_delimiter),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            out.push((key, OptionValue::Str(v.clone())));
        }
    }
    if let Some(parse) = format.parse_header {
        out.push(("PARSE_HEADER", OptionValue::Bool(parse)));
    }
    if let Some(n) = format.skip_header {
        out.push(("SKIP_HEADER", OptionValue::Int(n)));
    }
    if let Some(q) = &format.field_optionally_enclosed_by {
        out.push(("FIELD_OPTIONALLY_ENCLOSED_BY", OptionValue::Str(q.clone())));
    }
    if let Some(list) = &format.null_if {
        out.push(("NULL_IF", OptionValue::List(list.clone())));
    }
    for (key, value) in [
        ("EMPTY_FIELD_AS_NULL", format.empty_field_as_null),
        ("TRIM_SPACE", format.trim_space),
    ] {
        if let Some(b) = value {
            out.push((key, OptionValue::Bool(b)));
        }
    }
    for (key, value) in [
        ("DATE_FORMAT", &format.date_format),
        ("TIMESTAMP_FORMAT", &format.timestamp_format),
    ] {
        if let Some(v) = value {
            out.push((key, OptionValue::Str(v.clone())));
        }
    }
    if let Some(b) = format.strip_outer_array {
        out.push(("STRIP_OUTER_ARRAY", OptionValue::Bool(b)));
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
            file_type: format.file_type.keyword(),
            options: options.clone(),
            comment: comment.clone(),
            alter: false,
        });
        if !options.is_empty() || comment.is_some() {
            out.push(Statement::FileFormat {
                name,
                file_type: format.file_type.keyword(),
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
                locations.push(resolve(&stage.url));
            }
        }
        locations.sort();
        locations.dedup();
        if locations.is_empty() {
            continue;
        }
        let arn = target.text(&integration.aws_role_arn);
        let comment = target.comment(integration.comment.as_deref());
        out.push(Statement::StorageIntegration {
            name: name.clone(),
            aws_role_arn: arn.clone(),
            locations: locations.clone(),
            comment,
            alter: false,
        });
        out.push(Statement::StorageIntegration {
            name: name.clone(),
            aws_role_arn: arn,
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
                privileges: vec!["USAGE"],
                on: crate::writer::GrantOn::Integration(name.clone()),
                role: target.text(role),
            });
        }
    }
    out
}

/// Step 5: external stages and the landing table of every load.
pub fn stages(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let mut out = Vec::new();
    for stage in &model.stages {
        let name = target.object(&target.text(&stage.name));
        let url = target.text(&stage.url);
        let integration = target.text(&stage.storage_integration);
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
            task_name(plan.table.name())
        )),
    }
}

fn task_name(table: &str) -> String {
    format!("{table}_LOAD_TASK")
}

fn stream_name(landing: &str) -> String {
    format!("{landing}_STREAM")
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
        on_error: load.on_error.map(model_core::model::OnError::keyword),
    };
    match &load.mapping {
        CopyMapping::MatchByColumnName { case_sensitive } => {
            copy.match_by_column_name = Some(if *case_sensitive {
                "CASE_SENSITIVE"
            } else {
                "CASE_INSENSITIVE"
            });
            copy.include_metadata = metadata.iter().map(|m| (m.column().to_owned(), m.source())).collect();
        }
        CopyMapping::Projection { fields } => {
            copy.columns = data.iter().map(|c| c.name.clone()).collect();
            let positions: Vec<String> = data
                .iter()
                .enumerate()
                .map(|(i, c)| fields.get(&c.name).cloned().unwrap_or_else(|| (i + 1).to_string()))
                .collect();
            let in_order = positions.iter().enumerate().all(|(i, p)| *p == (i + 1).to_string());
            if plan.format.file_type == FileType::Csv && in_order && metadata.is_empty() {
                // Positional: the column list alone maps field n to column n.
                return copy;
            }
            copy.select = data
                .iter()
                .zip(&positions)
                .map(|(c, position)| {
                    if plan.format.file_type == FileType::Csv {
                        format!("${position}")
                    } else {
                        // A field the model names (`a.b`) is a path; a column's own name is one key.
                        let path = match fields.get(&c.name) {
                            Some(field) => FieldPath(field.split('.').map(str::to_owned).collect()),
                            None => FieldPath(vec![c.name.clone()]),
                        };
                        format!("{path}::{}", c.sql_type)
                    }
                })
                .collect();
            for m in &metadata {
                copy.columns.push(m.column().to_owned());
                copy.select.push(m.source().to_owned());
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
        .map(|plan| {
            let load = plan.load;
            Statement::CreatePipe(Box::new(Pipe {
                name: target.object(&target.text(&load.pipe)),
                auto_ingest: load.auto_ingest,
                aws_sns_topic: load.aws_sns_topic.as_deref().map(|t| target.text(t)),
                error_integration: load.error_integration.as_deref().map(|t| target.text(t)),
                comment: Some(format!(
                    "Loads {} files from {} into {} ({}).",
                    plan.format.file_type.keyword(),
                    target.text(&plan.stage.name),
                    load.landing,
                    if load.auto_ingest {
                        "triggered by S3 event notifications"
                    } else {
                        "triggered through the Snowpipe REST API"
                    }
                )),
                copy: copy(target, &plan),
            }))
        })
        .collect()
}

/// Step 7: per load, a stream on the landing table and a task running the MERGE.
pub fn loading(target: &Target<'_>) -> Vec<Statement> {
    let plans: Vec<Resolved<'_>> = target.model.loads().collect();
    let mut out = Vec::new();
    for plan in &plans {
        let landing = target.object(&plan.load.landing);
        let stream = target.object(&stream_name(&plan.load.landing));
        out.push(Statement::CreateStream {
            name: stream.clone(),
            table: landing,
            comment: Some(format!(
                "New rows of {} for task {}.",
                plan.load.landing,
                task_name(plan.table.name())
            )),
        });
        let task = target.object(&task_name(plan.table.name()));
        out.push(Statement::AlterTask {
            name: task.clone(),
            resume: false,
        });
        let what = match plan.table {
            TableRef::Dimension(d) if d.keeps_history() => "SCD2 history",
            TableRef::Dimension(_) => "SCD1 overwrite",
            _ => "surrogate-key lookups",
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
            body: Statement::Merge(Box::new(merge(target, plan, stream))),
        })));
        out.push(Statement::AlterTask {
            name: task,
            resume: true,
        });
    }
    out
}

/// The MERGE of a load, reading new rows from `source`.
pub fn merge(target: &Target<'_>, plan: &Resolved<'_>, source: ObjectName) -> Merge {
    let mut sql = MergeText::default();
    match plan.table {
        TableRef::Dimension(d) => dimension_merge(&mut sql, target, plan, d),
        TableRef::Fact(f) => fact_merge(&mut sql, target, plan, f),
        TableRef::Bridge(_) => {} // refused by validation
    }
    Merge::new(target.object(plan.table.name()), source, sql)
}

/// `SELECT <landing columns> FROM <source> QUALIFY ROW_NUMBER() ... = 1`:
/// the latest row per `partition` (landing columns), deterministically.
fn batch(sql: &mut MergeText, plan: &Resolved<'_>, partition: &[&str], indent: &str) {
    let all: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    let _ = write!(
        sql,
        "SELECT {} FROM ",
        all.iter().map(|c| col("src", c)).collect::<Vec<_>>().join(", ")
    );
    sql.source();
    let mut order: Vec<String> = [
        FileMetadata::LoadTime,
        FileMetadata::FileName,
        FileMetadata::FileRowNumber,
    ]
    .into_iter()
    .filter_map(|m| plan.metadata(m))
    .map(|c| format!("{} DESC NULLS LAST", col("src", &c.name)))
    .collect();
    order.extend(
        plan.data_columns()
            .filter(|c| !matches!(c.sql_type, DataType::Variant | DataType::Object | DataType::Array))
            .map(|c| col("src", &c.name)),
    );
    let _ = write!(
        sql,
        " AS src\n{indent}QUALIFY ROW_NUMBER() OVER (PARTITION BY {} ORDER BY {}) = 1",
        partition.iter().map(|c| col("src", c)).collect::<Vec<_>>().join(", "),
        order.join(", ")
    );
}

/// The batch with references looked up: `SELECT <value columns>,
/// COALESCE(dN.KEY, -1) AS <reference>, ... FROM (batch) AS b LEFT JOIN ...`,
/// giving the table's columns (and `_CHANGED_AT`).
fn looked_up(
    sql: &mut MergeText,
    target: &Target<'_>,
    plan: &Resolved<'_>,
    partition: &[&str],
    indent: &str,
) -> Vec<String> {
    let table = plan.table;
    let mut select: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut joins: Vec<String> = Vec::new();
    let event = plan.load.event_time.as_deref().map(|e| event_expr(plan, e));
    for column in table.columns() {
        if let ColumnKind::Reference { dimension, .. } = &column.kind {
            let Some(dim) = target.model.dimension(dimension) else {
                continue;
            };
            let alias = format!("d{}", joins.len() + 1);
            let lookup = plan.lookup_columns(&column.name);
            let mut on: Vec<String> = dim
                .natural_key
                .iter()
                .zip(&lookup)
                .map(|(nk, l)| format!("{} = {}", col(&alias, nk), col("b", &l.name)))
                .collect();
            if dim.keeps_history() {
                match &event {
                    Some(ev) => {
                        on.push(format!("{} <= {ev}", col(&alias, scd2::VALID_FROM)));
                        on.push(format!("{ev} < {}", col(&alias, scd2::VALID_TO)));
                    }
                    None => on.push(format!("{} = TRUE", col(&alias, scd2::IS_CURRENT))),
                }
            }
            joins.push(format!(
                "LEFT JOIN {} AS {alias} ON {}",
                target.object(&dim.name),
                on.join(" AND ")
            ));
            let key = col(&alias, &dim.key);
            select.push(if dim.unknown_member {
                format!("COALESCE({key}, -1) AS {}", Ident(&column.name))
            } else {
                format!("{key} AS {}", Ident(&column.name))
            });
            names.push(column.name.clone());
        } else {
            select.push(format!("{} AS {}", col("b", &column.name), Ident(&column.name)));
            names.push(column.name.clone());
        }
    }
    // Smart-key dimensions: the key is the natural key, declared on the dimension itself.
    if let TableRef::Dimension(d) = table
        && d.key_generation == KeyGeneration::Natural
        && !names.contains(&d.key)
    {
        select.insert(0, format!("{} AS {}", col("b", &d.key), Ident(&d.key)));
        names.insert(0, d.key.clone());
    }
    let changed = match plan.metadata(FileMetadata::LoadTime) {
        Some(c) => format!("{}::TIMESTAMP_NTZ", col("b", &c.name)),
        None => "CURRENT_TIMESTAMP()::TIMESTAMP_NTZ".to_owned(),
    };
    select.push(format!("{changed} AS _CHANGED_AT"));
    let _ = write!(sql, "SELECT {}\n{indent}FROM (", select.join(", "));
    batch(sql, plan, partition, &format!("{indent}    "));
    let _ = write!(sql, ") AS b");
    for join in joins {
        let _ = write!(sql, "\n{indent}{join}");
    }
    names
}

/// The expression of a fact's event time in the batch (`b`).
fn event_expr(plan: &Resolved<'_>, event_time: &str) -> String {
    let TableRef::Fact(f) = plan.table else {
        return "NULL".to_owned();
    };
    match f.columns.iter().find(|c| c.name == event_time).map(|c| &c.kind) {
        Some(ColumnKind::Attribute { sql_type, .. } | ColumnKind::Degenerate { sql_type })
            if sql_type.is_temporal() =>
        {
            col("b", event_time)
        }
        // A smart date key: yyyymmdd. TRY_: the unknown date (-1) gives NULL,
        // and so the unknown member, instead of failing the whole batch.
        _ => format!("TRY_TO_DATE(TO_VARCHAR({}), 'YYYYMMDD')", col("b", event_time)),
    }
}

/// The landing columns that carry `columns` of the table (lookups for references).
fn landing_of(plan: &Resolved<'_>, columns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for c in columns {
        let lookups = plan.lookup_columns(c);
        if lookups.is_empty() {
            out.push(c.clone());
        } else {
            out.extend(lookups.iter().map(|l| l.name.clone()));
        }
    }
    out
}

fn differ(a: &str, b: &str, columns: &[&String]) -> String {
    columns
        .iter()
        .map(|c| format!("NOT EQUAL_NULL({}, {})", col(a, c), col(b, c)))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// `pair(c1) AND pair(c2) ...`: a join or merge condition over `columns`.
fn all_of(columns: &[String], pair: impl Fn(&str) -> String) -> String {
    columns.iter().map(|c| pair(c)).collect::<Vec<_>>().join(" AND ")
}

/// `c = s.c, ...`: an UPDATE SET from the source row.
fn set_from_source(columns: &[&String]) -> Vec<String> {
    columns
        .iter()
        .map(|c| format!("{} = {}", Ident(c), col("s", c)))
        .collect()
}

/// `WHEN MATCHED AND (<any differs>) THEN UPDATE SET <each from s>`, unless
/// there is nothing to update.
fn update_when_changed(sql: &mut MergeText, columns: &[&String]) {
    if !columns.is_empty() {
        let _ = write!(
            sql,
            "\nWHEN MATCHED AND ({}) THEN UPDATE SET {}",
            differ("t", "s", columns),
            set_from_source(columns).join(", ")
        );
    }
}

/// `WHEN NOT MATCHED THEN INSERT (<columns>, <extra>) VALUES (s.<columns>, <extra values>)`.
fn insert_when_new(sql: &mut MergeText, columns: &[String], extra: &[(&str, String)]) {
    let names = columns.iter().map(String::as_str).chain(extra.iter().map(|(n, _)| *n));
    let values: Vec<String> = columns
        .iter()
        .map(|c| col("s", c))
        .chain(extra.iter().map(|(_, v)| v.clone()))
        .collect();
    let _ = write!(
        sql,
        "\nWHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        idents(names),
        values.join(", ")
    );
}

fn dimension_merge(sql: &mut MergeText, target: &Target<'_>, plan: &Resolved<'_>, d: &Dimension) {
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
    let _ = write!(sql, "MERGE INTO {} AS t\nUSING (\n    ", target.object(&d.name));
    if d.keeps_history() {
        // Branch 1: every member of the batch, matched on its natural key
        // (updates and expiry); branch 2: a new version of each member whose
        // type-2 attributes changed (never matches, so it is inserted).
        let _ = write!(sql, "SELECT {}, s.*\n    FROM (", merge_keys(&natural, true));
        let columns = looked_up(sql, target, plan, &partition, "        ");
        let _ = write!(
            sql,
            ") AS s\n    UNION ALL\n    SELECT {}, ",
            merge_keys(&natural, false)
        );
        let from_current: Vec<String> = columns
            .iter()
            .map(|c| {
                if !natural.contains(c) && scd(c) == ScdType::Fixed {
                    col("c", c) // type 0: the original value, kept in every version
                } else {
                    col("s", c)
                }
            })
            .chain(std::iter::once("s._CHANGED_AT".to_owned()))
            .collect();
        let _ = write!(sql, "{}\n    FROM (", from_current.join(", "));
        looked_up(sql, target, plan, &partition, "        ");
        let type2: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::History)
            .collect();
        let _ = write!(
            sql,
            ") AS s\n    JOIN {} AS c ON {} AND {} = TRUE\n    WHERE ({}) AND s._CHANGED_AT > {}\n) AS s\nON {}",
            target.object(&d.name),
            all_of(&natural, |n| format!("{} = {}", col("c", n), col("s", n))),
            col("c", scd2::IS_CURRENT),
            differ("c", "s", &type2),
            col("c", scd2::VALID_FROM),
            all_of(&natural, |n| format!("{} = {}", col("t", n), col("s", &merge_key(n))))
        );
        let type1: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::Overwrite)
            .collect();
        let mut expire = vec![
            format!("{} = s._CHANGED_AT", Ident(scd2::VALID_TO)),
            format!("{} = FALSE", Ident(scd2::IS_CURRENT)),
        ];
        expire.extend(set_from_source(&type1));
        let _ = write!(
            sql,
            "\nWHEN MATCHED AND {} = TRUE AND s._CHANGED_AT > {} AND ({}) THEN UPDATE SET {}",
            col("t", scd2::IS_CURRENT),
            col("t", scd2::VALID_FROM),
            differ("t", "s", &type2),
            expire.join(", ")
        );
        update_when_changed(sql, &type1);
        // A new version (no merge key) starts at its change; a new member's
        // first version at the beginning of time, so older facts find it.
        let first = natural.first().map_or_else(String::new, |n| col("s", &merge_key(n)));
        insert_when_new(
            sql,
            &columns,
            &[
                (
                    scd2::VALID_FROM,
                    format!("CASE WHEN {first} IS NULL THEN s._CHANGED_AT ELSE '1900-01-01'::TIMESTAMP_NTZ END"),
                ),
                (scd2::VALID_TO, "'9999-12-31'::TIMESTAMP_NTZ".to_owned()),
                (scd2::IS_CURRENT, "TRUE".to_owned()),
            ],
        );
    } else {
        let columns = looked_up(sql, target, plan, &partition, "    ");
        let _ = write!(
            sql,
            "\n) AS s\nON {}",
            all_of(&natural, |n| format!("{} = {}", col("t", n), col("s", n)))
        );
        let type1: Vec<&String> = columns
            .iter()
            .filter(|c| !natural.contains(c) && scd(c) == ScdType::Overwrite)
            .collect();
        update_when_changed(sql, &type1);
        insert_when_new(sql, &columns, &[]);
    }
}

/// The column of the SCD2 merge source carrying natural-key column `n`
/// (NULL on the rows that insert a new version).
fn merge_key(n: &str) -> String {
    format!("_MERGE_{n}")
}

/// `s.NK AS _MERGE_NK, ...` (or `NULL AS ...` for new versions).
fn merge_keys(natural: &[String], real: bool) -> String {
    natural
        .iter()
        .map(|n| {
            let value = if real { col("s", n) } else { "NULL".to_owned() };
            format!("{value} AS {}", Ident(&merge_key(n)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fact_merge(sql: &mut MergeText, target: &Target<'_>, plan: &Resolved<'_>, f: &Fact) {
    // What identifies a row: the grain columns (validation requires them).
    let identity: Vec<String> = f.grain.columns.clone();
    let partition = landing_of(plan, &identity);
    let partition: Vec<&str> = partition.iter().map(String::as_str).collect();
    let _ = write!(sql, "MERGE INTO {} AS t\nUSING (\n    ", target.object(&f.name));
    let columns = looked_up(sql, target, plan, &partition, "    ");
    let nullable = |name: &str| f.columns.iter().find(|c| c.name == name).is_some_and(|c| c.nullable);
    let on = all_of(&identity, |c| {
        if nullable(c) {
            format!("EQUAL_NULL({}, {})", col("t", c), col("s", c))
        } else {
            format!("{} = {}", col("t", c), col("s", c))
        }
    });
    let _ = write!(sql, "\n) AS s\nON {on}");
    let others: Vec<&String> = columns.iter().filter(|c| !identity.contains(c)).collect();
    if f.fact_type == FactType::AccumulatingSnapshot {
        update_when_changed(sql, &others);
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
        if !late.is_empty() {
            let when: Vec<String> = late
                .iter()
                .map(|c| format!("({} = -1 AND {} <> -1)", col("t", c), col("s", c)))
                .collect();
            let set: Vec<String> = late
                .iter()
                .map(|c| {
                    format!(
                        "{} = CASE WHEN {} = -1 THEN {} ELSE {} END",
                        Ident(c),
                        col("t", c),
                        col("s", c),
                        col("t", c)
                    )
                })
                .collect();
            let _ = write!(
                sql,
                "\nWHEN MATCHED AND ({}) THEN UPDATE SET {}",
                when.join(" OR "),
                set.join(", ")
            );
        }
    }
    insert_when_new(sql, &columns, &[]);
}
