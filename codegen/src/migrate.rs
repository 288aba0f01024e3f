//! Migrations: the statements that carry a deployed schema to the model
//! now, from the changes `model_core::evolve` finds between the model as
//! deployed and the model now. After the migration, the new model's
//! `deploy.sql` runs on the migrated schema (it creates new tables, views,
//! roles and grants itself; a migration only alters what exists).
//!
//! Nothing is dropped unless the plan was allowed to destroy data, and a
//! change dimgen cannot migrate yet refuses the whole plan: no statement of
//! a migration is skipped in silence.

use std::fmt::Write as _;

use model_core::evolve::{Catalog, Change, Class};
use model_core::{TableRef, Validated, naming};

use crate::ddl::{self, Target};
use crate::writer::{
    self, AlterTable, ColumnDef, ColumnDefault, Constraint, DropKind, Expr, GrantOn, ObjectName, Privilege, RenameKind,
    Statement, Value,
};
use crate::{GenerateError, target};

/// One change and the statements that apply it.
#[derive(Debug, Clone)]
pub struct Step {
    /// The change.
    pub change: Change,
    /// Its statements, in order (none for a new table: `deploy.sql` creates it).
    pub statements: Vec<Statement>,
}

/// The changes from a deployed model to the model now, for one environment.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `before` → `after`, in the order they are applied.
    pub steps: Vec<Step>,
    /// What the reviewer should know beside the changes: with a catalog
    /// baseline, what it cannot see and the tables of the schema the model
    /// does not have.
    pub notes: Vec<String>,
}

/// Why a plan gives no migration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    /// Changes that lose data, and the plan was not allowed to.
    #[error("{} change(s) would lose data; rerun with --allow-destructive after reading what each loses", .0.len())]
    Destructive(Vec<String>),
    /// Changes dimgen does not migrate yet.
    #[error("{} change(s) dimgen cannot migrate yet: {}", .0.len(), .0.join("; "))]
    Unsupported(Vec<String>),
}

impl Plan {
    /// Plan the migration of `env` from `before` (as deployed) to `after`.
    pub fn new(before: &Validated, after: &Validated, env: &str) -> Result<Self, GenerateError> {
        let target = target(after, env)?;
        let changes = model_core::evolve::diff(before, after);
        // What the two deployments grant and define (a deployed model
        // without this environment deployed nothing in it).
        let deployed = crate::generate(before, env).ok();
        let now = crate::generate(after, env)?;
        let mut steps = Vec::new();
        if let Some(deployed) = &deployed {
            // Revoked first, while every object still has its old name.
            steps.extend(revokes(before, deployed, &now, env, &changes));
        }
        steps.extend(changes.into_iter().map(|change| {
            let statements = statements(Some(before), &target, &change);
            Step { change, statements }
        }));
        if let Some(deployed) = &deployed {
            steps.extend(redefined_dynamic_tables(deployed, &now));
        }
        Ok(Self {
            steps,
            notes: Vec::new(),
        })
    }

    /// Plan the migration of `env` from the schema as its catalog shows it
    /// (`dimgen catalog-query`) to `after`: drift made by hand shows up as
    /// changes. What a catalog cannot show is listed in [`Plan::notes`].
    pub fn from_catalog(catalog: &Catalog, after: &Validated, env: &str) -> Result<Self, GenerateError> {
        let target = target(after, env)?;
        let (changes, unknown) = model_core::evolve::diff_catalog(catalog, after, target.env);
        let mut steps: Vec<Step> = changes
            .into_iter()
            .map(|change| {
                let statements = statements(None, &target, &change);
                Step { change, statements }
            })
            .collect();
        let mut notes = vec![CATALOG_BLIND_SPOTS.to_owned()];
        match &catalog.pipes {
            Some(pipes) => {
                let (drifted, unknown_pipes) = pipe_drift(pipes, &target);
                steps.extend(drifted.into_iter().map(|change| {
                    let statements = statements(None, &target, &change);
                    Step { change, statements }
                }));
                if !unknown_pipes.is_empty() {
                    notes.push(format!(
                        "pipes of the schema the model does not have, left alone: {}",
                        unknown_pipes.join(", ")
                    ));
                }
            }
            None => notes.push(CATALOG_WITHOUT_PIPES.to_owned()),
        }
        if !unknown.is_empty() {
            notes.push(format!(
                "tables of the schema the model does not have, left alone (a catalog cannot tell a table dropped from the model from one dimgen never made): {}",
                unknown.join(", ")
            ));
        }
        Ok(Self { steps, notes })
    }

    /// Whether there is nothing to migrate.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// How many changes of `class`.
    pub fn count(&self, class: Class) -> usize {
        self.steps.iter().filter(|s| s.change.class() == class).count()
    }

    /// `3 safe, 1 careful, 0 destructive` (and the unsupported, if any).
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} safe, {} careful, {} destructive",
            self.count(Class::Safe),
            self.count(Class::Careful),
            self.count(Class::Destructive)
        );
        let unsupported = self.count(Class::Unsupported);
        if unsupported > 0 {
            let _ = write!(out, ", {unsupported} not migrated yet");
        }
        out
    }

    /// The plan as a reviewer reads it: one line per change (class, object,
    /// what changes and why), then the summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        for step in &self.steps {
            let _ = writeln!(
                out,
                "  {:<12} {}: {}",
                step.change.class().as_str(),
                step.change.object(),
                step.change.describe()
            );
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// The migration file's text: a header, then each change under a
    /// comment naming its class, with its statements.
    ///
    /// # Errors
    ///
    /// When a change is not migrated yet, or loses data and `allow_destructive` is off.
    pub fn migration(&self, header: &[&str], allow_destructive: bool) -> Result<String, Refused> {
        let of = |class: Class| -> Vec<String> {
            self.steps
                .iter()
                .filter(|s| s.change.class() == class)
                .map(|s| format!("{}: {}", s.change.object(), s.change.describe()))
                .collect()
        };
        let unsupported = of(Class::Unsupported);
        if !unsupported.is_empty() {
            return Err(Refused::Unsupported(unsupported));
        }
        let destructive = of(Class::Destructive);
        if !destructive.is_empty() && !allow_destructive {
            return Err(Refused::Destructive(destructive));
        }
        let mut out = writer::comment_lines(header);
        for step in &self.steps {
            out.push('\n');
            out.push_str(&writer::comment_lines(&[format!(
                "{}: {}: {}",
                step.change.class().as_str(),
                step.change.object(),
                step.change.describe()
            )]));
            for statement in &step.statements {
                let _ = writeln!(out, "{statement};");
            }
        }
        Ok(out)
    }

    /// Every statement, in order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.steps.iter().flat_map(|s| s.statements.iter())
    }
}

/// The catalog query of `env` (`dimgen catalog-query`): run it with the
/// Snowflake CLI, `snow sql --format json -q "..." > catalog.json`, and pass
/// the file to `dimgen plan --from`.
///
/// # Errors
///
/// An unknown environment.
pub fn catalog_query(model: &Validated, env: &str) -> Result<writer::CatalogQuery, GenerateError> {
    let target = target(model, env)?;
    Ok(writer::CatalogQuery {
        database: target.database,
        schema: target.schema,
        pipes: true,
    })
}

/// A catalog from the rows of [`catalog_query`] as JSON: the array of row
/// objects `snow sql --format json` prints (an array of such arrays, one per
/// statement, is read too).
///
/// # Errors
///
/// Text that is not such JSON, a row without a column the query selects, or
/// a type dimgen does not model; the message names the row.
pub fn parse_catalog(json: &str) -> Result<Catalog, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let (rows, statements): (Vec<&serde_json::Value>, usize) = match &value {
        serde_json::Value::Array(items) if !items.is_empty() && items.iter().all(serde_json::Value::is_array) => (
            items.iter().filter_map(serde_json::Value::as_array).flatten().collect(),
            items.len(),
        ),
        serde_json::Value::Array(items) => (items.iter().collect(), 1),
        _ => return Err("expected an array of rows, as `snow sql --format json` prints".to_owned()),
    };
    let mut catalog = Catalog::default();
    // The pipes' SELECT is the second statement: its result, even empty,
    // says the snapshot has the pipes.
    if statements > 1 {
        catalog.pipes = Some(Vec::new());
    }
    for (i, row) in rows.iter().enumerate() {
        let at = |what: &str| format!("row {}: {what}", i + 1);
        let object = row.as_object().ok_or_else(|| at("not an object"))?;
        let field = |name: &str| object.get(name).filter(|v| !v.is_null());
        let text = |name: &str| -> Result<String, String> {
            field(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| at(&format!("no {name}")))
        };
        if object.contains_key("PIPE_NAME") {
            let pipe = model_core::evolve::CatalogPipe {
                name: text("PIPE_NAME")?,
                definition: text("DEFINITION")?,
                // A text column: 'true' / 'false' (a boolean is read too).
                auto_ingest: match field("IS_AUTOINGEST_ENABLED") {
                    Some(serde_json::Value::Bool(b)) => *b,
                    Some(serde_json::Value::String(t)) => t.eq_ignore_ascii_case("true"),
                    _ => false,
                },
            };
            catalog.pipes.get_or_insert_with(Vec::new).push(pipe);
            continue;
        }
        // Numbers come as JSON numbers or, for NUMBER columns, as strings.
        let number = |name: &str| -> Result<Option<u64>, String> {
            match field(name) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .map(Some)
                    .ok_or_else(|| at(&format!("{name} is not a count"))),
            }
        };
        let table = text("TABLE_NAME")?;
        let sql_type = model_core::evolve::catalog_type(
            &text("DATA_TYPE")?,
            number("CHARACTER_MAXIMUM_LENGTH")?,
            number("NUMERIC_PRECISION")?,
            number("NUMERIC_SCALE")?,
        )
        .map_err(|e| at(&e))?;
        let column = model_core::evolve::CatalogColumn {
            name: text("COLUMN_NAME")?,
            sql_type,
            nullable: text("IS_NULLABLE")? != "NO",
            comment: field("COMMENT").and_then(serde_json::Value::as_str).map(str::to_owned),
        };
        match catalog.tables.iter_mut().find(|t| t.name == table) {
            Some(t) => t.columns.push(column),
            None => catalog.tables.push(model_core::evolve::CatalogTable {
                name: table,
                columns: vec![column],
            }),
        }
    }
    Ok(catalog)
}

/// What a plan from a catalog baseline cannot compare.
pub const CATALOG_BLIND_SPOTS: &str = "a catalog baseline shows tables, columns and pipes only: roles, grants, streams, tasks, stages, keys and constraints, SCD types and defaults are not compared (plan against the model as deployed, `--from deployed.toml`, for those)";

/// Said when the snapshot was taken without the pipes' SELECT.
pub const CATALOG_WITHOUT_PIPES: &str =
    "the catalog snapshot has no pipes (taken with `--no-pipes`): pipes are not compared";

/// The pipes whose COPY or `AUTO_INGEST` as deployed (`pipes`, from the
/// catalog) differs from the model's, each to be recreated by the pipe
/// runbook; and the catalog's pipes the model does not have. COPY texts are
/// compared with their whitespace collapsed.
fn pipe_drift(pipes: &[model_core::evolve::CatalogPipe], target: &Target<'_>) -> (Vec<Change>, Vec<String>) {
    let squeeze = |text: &str| {
        text.trim()
            .trim_end_matches(';')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let generated: Vec<crate::writer::Pipe> = crate::loading::pipes(target)
        .into_iter()
        .filter_map(|s| match s {
            Statement::CreatePipe(p) => Some(*p),
            _ => None,
        })
        .collect();
    let mut changes = Vec::new();
    let mut known = Vec::new();
    for load in target.model.loads() {
        let stored = target.text(&load.load.pipe);
        let name = target.object(&stored);
        let (Some(pipe), Some(deployed)) = (
            generated.iter().find(|p| p.name == name),
            pipes.iter().find(|p| p.name == stored),
        ) else {
            continue;
        };
        known.push(stored.clone());
        let mut reasons = Vec::new();
        if squeeze(&deployed.definition) != squeeze(&pipe.copy_text()) {
            reasons.push("its COPY as deployed differs from the model's".to_owned());
        }
        if deployed.auto_ingest != pipe.auto_ingest {
            reasons.push(format!(
                "AUTO_INGEST is {} as deployed, {} in the model",
                deployed.auto_ingest, pipe.auto_ingest
            ));
        }
        if !reasons.is_empty() {
            changes.push(Change::RecreatePipe {
                table: load.load.table.clone(),
                from: load.load.pipe.clone(),
                pipe: load.load.pipe.clone(),
                reasons,
                landing: None,
            });
        }
    }
    let unknown = pipes
        .iter()
        .filter(|p| !known.contains(&p.name))
        .map(|p| p.name.clone())
        .collect();
    (changes, unknown)
}

/// The dynamic tables both deployments create whose definition changed.
fn redefined_dynamic_tables(deployed: &crate::Deployment, now: &crate::Deployment) -> Vec<Step> {
    let dynamic = |d: &crate::Deployment| -> Vec<(ObjectName, String)> {
        d.statements()
            .filter_map(|(_, s)| match s {
                Statement::CreateDynamicTable(t) => Some((t.name.clone(), t.definition_hash())),
                _ => None,
            })
            .collect()
    };
    let was = dynamic(deployed);
    dynamic(now)
        .into_iter()
        .filter(|(name, hash)| was.iter().any(|(n, h)| n == name && h != hash))
        .map(|(name, _)| Step {
            change: Change::RefreshDynamicTable {
                mart: name.object().to_owned(),
            },
            // deploy.sql replaces it.
            statements: Vec::new(),
        })
        .collect()
}

/// What `before`'s `deploy.sql` grants (one privilege at a time, and each
/// role granted to another) that `after`'s does not: each revoked, unless a
/// role of it or the object it is on is dropped by `changes` anyway.
fn revokes(
    before: &Validated,
    deployed: &crate::Deployment,
    now: &crate::Deployment,
    env: &str,
    changes: &[Change],
) -> Vec<Step> {
    type Granted = (Option<Privilege>, Option<GrantOn>, String, String);
    let granted = |deployment: &crate::Deployment| -> Vec<Granted> {
        let mut out = Vec::new();
        for (_, statement) in deployment.statements() {
            match statement {
                Statement::Grant { privileges, on, role } => {
                    out.extend(
                        privileges
                            .iter()
                            .map(|p| (Some(*p), Some(on.clone()), role.clone(), String::new())),
                    );
                }
                Statement::GrantRole { role, to } => out.push((None, None, to.clone(), role.clone())),
                _ => {}
            }
        }
        out
    };
    let Ok(before_target) = target(before, env) else {
        return Vec::new();
    };
    let now = granted(now);
    let dropped_role = |role: &str| {
        changes
            .iter()
            .any(|c| matches!(c, Change::DropRole { role: r } if before_target.text(r) == role))
    };
    // Objects dropped with their grants (tables, marts): their grants go with them.
    let dropped_object = |on: &GrantOn| {
        let GrantOn::Object(_, name) = on else { return false };
        changes.iter().any(|c| match c {
            Change::DropTable { table } => before_target.object(table) == *name,
            Change::DropMart { mart, .. } => before_target.object(mart) == *name,
            _ => false,
        })
    };
    // Objects renamed in place keep their grants: a grant on the old name
    // that the model makes on the new one is no revoke.
    let renamed: Vec<(ObjectName, ObjectName)> = changes
        .iter()
        .flat_map(|c| match c {
            Change::RenameTable { from, to, .. }
            | Change::RecreatePipe {
                landing: Some((from, to)),
                ..
            } => vec![(from.clone(), to.clone())],
            Change::ChangeStage { pipes, .. } => pipes.iter().filter_map(|p| p.landing.clone()).collect(),
            _ => Vec::new(),
        })
        .map(|(from, to)| (before_target.object(&from), before_target.object(&to)))
        .collect();
    let carried = |grant: &Granted| {
        let (privilege, Some(GrantOn::Object(kind, name)), role, child) = grant else {
            return false;
        };
        renamed.iter().any(|(from, to)| {
            from == name
                && now.contains(&(
                    *privilege,
                    Some(GrantOn::Object(*kind, to.clone())),
                    role.clone(),
                    child.clone(),
                ))
        })
    };
    let mut steps = Vec::new();
    for grant in granted(deployed) {
        if now.contains(&grant) || carried(&grant) {
            continue;
        }
        let (privilege, on, role, child) = grant;
        if dropped_role(&role) || dropped_role(&child) || on.as_ref().is_some_and(dropped_object) {
            continue;
        }
        let (statement, what) = match (privilege, on) {
            (Some(privilege), Some(on)) => (
                Statement::Revoke {
                    privileges: vec![privilege],
                    on: on.clone(),
                    role: role.clone(),
                },
                format!("{privilege} ON {on}"),
            ),
            _ => (
                Statement::RevokeRole {
                    role: child.clone(),
                    from: role.clone(),
                },
                format!("ROLE {child}"),
            ),
        };
        steps.push(Step {
            change: Change::Revoke { role, grant: what },
            statements: vec![statement],
        });
    }
    steps
}

/// How long a recreated pipe's runbook waits for the files the pipe as
/// deployed has queued: 60 polls of 10 seconds.
pub const PIPE_DRAIN_POLLS: u32 = 60;

/// The statements of one change.
fn statements(before: Option<&Validated>, target: &Target<'_>, change: &Change) -> Vec<Statement> {
    let alter = |table: &str, action: AlterTable| Statement::AlterTable {
        table: target.object(table),
        action,
    };
    match change {
        Change::DropTable { table } => vec![Statement::DropTable {
            table: target.object(table),
        }],
        Change::AddColumn {
            table,
            column,
            unknown_member,
            default,
        } => {
            let default = default.as_ref().map(|d| ddl::default_value(column.sql_type, d));
            let mut out = vec![alter(
                table,
                AlterTable::AddColumn(ColumnDef {
                    name: column.name.clone(),
                    sql_type: column.sql_type,
                    // Added nullable: existing rows have no value yet.
                    nullable: true,
                    default: default.clone().map(ColumnDefault::Value),
                    comment: target.comment(column.comment.as_deref()),
                }),
            )];
            let key = target.model.tables().find(|t| t.name() == table).and_then(|t| match t {
                TableRef::Dimension(d) => Some(d.key.clone()),
                _ => None,
            });
            // The unknown member's row holds the unknown value, as a fresh deployment's does.
            if *unknown_member && let Some(key) = &key {
                let value = ddl::unknown_value(column, false);
                if value != Value::Null {
                    out.push(Statement::Update {
                        table: target.object(table),
                        set: vec![(column.name.clone(), value)],
                        filter: vec![Expr::Column(None, key.clone()).eq(Expr::Int(-1))],
                    });
                }
            }
            // The rows already there: a NOT NULL reference points at the
            // unknown member; a declared default is every row's value (Snowflake
            // fills it in when it adds the column; the UPDATE says so and makes
            // sure of it).
            let backfill = match (&default, column.references.is_some()) {
                (Some(value), false) => Some(value.clone()),
                (_, true) if !column.nullable => Some(Value::Int(-1)),
                _ => None,
            };
            if let Some(value) = backfill {
                out.push(Statement::Update {
                    table: target.object(table),
                    set: vec![(column.name.clone(), value)],
                    filter: vec![Expr::IsNull(Box::new(Expr::Column(None, column.name.clone())))],
                });
            }
            if !column.nullable {
                out.push(alter(table, AlterTable::SetNotNull(column.name.clone())));
            }
            out
        }
        Change::RenameColumn { table, from, to } => {
            let mut out = vec![alter(table, AlterTable::RenameColumn(from.clone(), to.clone()))];
            // A reference's foreign key is named after its column: deploy.sql's RELY names the new one.
            let is_reference = target.model.tables().find(|t| t.name() == table).is_some_and(|t| {
                target
                    .model
                    .layout(t)
                    .iter()
                    .any(|c| c.name == *to && c.references.is_some())
            });
            if is_reference {
                out.push(alter(
                    table,
                    AlterTable::RenameConstraint(naming::foreign_key(table, from), naming::foreign_key(table, to)),
                ));
            }
            out
        }
        Change::RenameTable {
            from,
            to,
            loaded,
            sequence,
        } => rename_table(before, target, from, to, *loaded, *sequence),
        Change::DropLoad { table, pipe, landing } => {
            let landing = target.text(landing);
            vec![
                Statement::AlterTask {
                    name: target.object(&naming::load_task(table)),
                    resume: false,
                },
                Statement::Drop {
                    kind: DropKind::Task,
                    name: target.object(&naming::load_task(table)),
                },
                Statement::Drop {
                    kind: DropKind::Pipe,
                    name: target.object(&target.text(pipe)),
                },
                Statement::Drop {
                    kind: DropKind::Stream,
                    name: target.object(&naming::stream(&landing)),
                },
                Statement::DropTable {
                    table: target.object(&landing),
                },
            ]
        }
        Change::DropMart { mart, dynamic, .. } => vec![Statement::Drop {
            kind: if *dynamic {
                DropKind::DynamicTable
            } else {
                DropKind::View
            },
            name: target.object(mart),
        }],
        Change::DropRole { role } => vec![Statement::Drop {
            kind: DropKind::Role,
            name: ObjectName(vec![target.text(role)]),
        }],
        Change::AddHistory { table, columns } => add_history(target, table, columns),
        Change::IdentityColumns { table, what, from, .. } => {
            // The constraint as deployed, if there was one (its name is the table's).
            let old = (!from.is_empty()).then(|| match *what {
                "grain" => naming::grain_constraint(table),
                "bridge key" => naming::bridge_constraint(table),
                _ => naming::natural_key_constraint(table),
            });
            redeclare_unique(target, table, old)
        }
        Change::DropHistory {
            table,
            columns,
            references,
        } => drop_history(target, table, columns, references),
        Change::ClusterBy { table, to, .. } => vec![alter(table, AlterTable::ClusterBy(to.clone()))],
        Change::DropColumn { table, column, .. } => vec![alter(table, AlterTable::DropColumn(column.clone()))],
        Change::Widen { table, column, to, .. } => vec![alter(table, AlterTable::SetDataType(column.clone(), *to))],
        Change::DropNotNull { table, column } => vec![alter(table, AlterTable::DropNotNull(column.clone()))],
        Change::ChangeType {
            table,
            column,
            to,
            links: false,
            ..
        } => rebuild_column(target, table, column, *to),
        Change::ChangeType { table, column, to, .. } => rebuild_link(before, target, table, column, *to),
        Change::Repoint { table, column, .. } => {
            vec![alter(
                table,
                AlterTable::DropConstraint(naming::foreign_key(table, column)),
            )]
        }
        Change::ChangeDefault { table, column, .. } => {
            let sql_type = target
                .model
                .tables()
                .find(|t| t.name() == table)
                .and_then(|t| target.model.layout(t).iter().find(|c| c.name == *column))
                .map(|c| c.sql_type);
            sql_type.map_or_else(Vec::new, |ty| rebuild_column(target, table, column, ty))
        }
        // Snowflake refuses SET NOT NULL while a row holds NULL: the statement is its own check.
        Change::SetNotNull { table, column } => vec![alter(table, AlterTable::SetNotNull(column.clone()))],
        Change::ColumnComment { table, column, comment } => vec![alter(
            table,
            AlterTable::Comment(column.clone(), target.comment(comment.as_deref())),
        )],
        Change::RecreatePipe {
            from, pipe, landing, ..
        } => recreate_pipes(before, target, &[(from, pipe, landing.as_ref())], Vec::new()),
        Change::ChangeStage { stage, pipes, .. } => {
            let alter: Vec<Statement> = alter_stage(target, stage).into_iter().collect();
            if pipes.is_empty() {
                alter
            } else {
                let swaps: Vec<Swap<'_>> = pipes
                    .iter()
                    .map(|p| (p.from.as_str(), p.pipe.as_str(), p.landing.as_ref()))
                    .collect();
                recreate_pipes(before, target, &swaps, alter)
            }
        }
        Change::AddUnknownMember { table, references } => {
            let Some(d) = target.model.dimension(table) else {
                return Vec::new();
            };
            let mut out = vec![ddl::unknown_member(
                target,
                d,
                target.model.layout(TableRef::Dimension(d)),
            )];
            for (t, c) in references {
                out.push(Statement::Update {
                    table: target.object(t),
                    set: vec![(c.clone(), Value::Int(-1))],
                    filter: vec![Expr::IsNull(Box::new(Expr::Column(None, c.clone())))],
                });
            }
            out
        }
        Change::DropUnknownMember { table, key, references } => {
            let mut out = Vec::new();
            for (t, c) in references {
                out.push(Statement::Update {
                    table: target.object(t),
                    set: vec![(c.clone(), Value::Null)],
                    filter: vec![Expr::Column(None, c.clone()).eq(Expr::Int(-1))],
                });
                out.push(alter(t, AlterTable::NoRely(naming::foreign_key(t, c))));
            }
            out.push(Statement::Delete {
                table: target.object(table),
                filter: vec![Expr::Column(None, key.clone()).eq(Expr::Int(-1))],
            });
            out
        }
        Change::Unmask {
            object,
            column,
            dynamic,
        } => vec![
            Statement::UnsetMaskingPolicy {
                table: target.object(object),
                dynamic: *dynamic,
                column: column.clone(),
            },
            Statement::UnsetTag {
                table: target.object(object),
                dynamic: *dynamic,
                column: column.clone(),
                tag: target.object(model_core::naming::PII_TAG),
            },
        ],
        // `deploy.sql` creates new tables; what is not migrated yet refused the plan.
        _ => Vec::new(),
    }
}

/// A column rebuilt: for a type that cannot change in place, or a default
/// Snowflake cannot alter. A new column with the new type and the declared
/// default is filled with `CAST` (which fails on a value that does not fit,
/// before anything is dropped), the old one dropped, the new one renamed,
/// the unknown member's value set as a fresh deployment's, then NOT NULL
/// again if the column has it. A natural key, grain or bridge-key column's
/// unique constraint is dropped first and declared again last. Grants and the
/// table's other columns are untouched; the column moves to the end of the
/// table.
fn rebuild_column(target: &Target<'_>, table: &str, column: &str, to: model_core::DataType) -> Vec<Statement> {
    let alter = |action: AlterTable| Statement::AlterTable {
        table: target.object(table),
        action,
    };
    let new = target.model.tables().find(|t| t.name() == table);
    let layout = new.map(|t| target.model.layout(t));
    let declared = layout.and_then(|l| l.iter().find(|c| c.name == column));
    let default = new
        .zip(declared)
        .and_then(|(t, c)| match c.origin {
            model_core::Origin::Declared(i) => t.columns().get(i).and_then(|d| d.default.as_ref()),
            _ => None,
        })
        .map(|d| ColumnDefault::Value(ddl::default_value(to, d)));
    let identifies = match new {
        Some(TableRef::Dimension(d)) => d.natural_key.iter().any(|c| c == column),
        Some(TableRef::Fact(f)) => f.grain.columns.iter().any(|c| c == column),
        // Its two ends and where validity starts.
        Some(TableRef::Bridge(b)) => {
            declared.is_some_and(|c| matches!(c.origin, model_core::Origin::BridgeEnd(_)))
                || b.effective.as_ref().is_some_and(|e| e.from == column)
        }
        None => false,
    };
    let unique = identifies.then(|| natural_key_unique(target, table)).flatten();
    let temporary = naming::rebuilt_column(column);
    let mut out: Vec<Statement> = unique
        .iter()
        .map(|name| alter(AlterTable::DropConstraint(name.clone())))
        .collect();
    out.extend([
        alter(AlterTable::AddColumn(ColumnDef {
            name: temporary.clone(),
            sql_type: to,
            nullable: true,
            default,
            comment: declared.and_then(|c| target.comment(c.comment.as_deref())),
        })),
        Statement::SetColumn {
            table: target.object(table),
            column: temporary.clone(),
            value: Expr::Cast(Box::new(Expr::Column(None, column.to_owned())), to),
        },
        alter(AlterTable::DropColumn(column.to_owned())),
        alter(AlterTable::RenameColumn(temporary, column.to_owned())),
    ]);
    // The unknown member holds the new type's unknown value, as a fresh deployment's does.
    let dimension = target.model.dimension(table).filter(|d| d.unknown_member);
    if let (Some(d), Some(c)) = (dimension, declared) {
        out.push(Statement::Update {
            table: target.object(table),
            set: vec![(
                column.to_owned(),
                ddl::unknown_value(c, d.natural_key.contains(&c.name)),
            )],
            filter: vec![Expr::Column(None, d.key.clone()).eq(Expr::Int(-1))],
        });
    }
    if declared.is_some_and(|c| !c.nullable) {
        out.push(alter(AlterTable::SetNotNull(column.to_owned())));
    }
    if unique.is_some() {
        out.extend(redeclare_unique(target, table, None));
    }
    out
}

/// A column that links tables rebuilt for its type (see [`rebuild_column`]).
/// A dimension's smart key: the foreign keys to it that exist (as the
/// deployed model had them; without one, every reference of the new model)
/// are dropped, then its primary key, and the primary key is declared again
/// after the rebuild. A reference, which shares that key's type and is
/// rebuilt after it: its foreign key, dropped with the key's, is declared
/// again after its rebuild.
fn rebuild_link(
    before: Option<&Validated>,
    target: &Target<'_>,
    table: &str,
    column: &str,
    to: model_core::DataType,
) -> Vec<Statement> {
    let Some(new) = target.model.tables().find(|t| t.name() == table) else {
        return Vec::new();
    };
    let constraints = ddl::create_table(target, new, target.model.layout(new)).constraints;
    let is_key = matches!(new, TableRef::Dimension(d) if d.key == column);
    let mut out = Vec::new();
    let mut after = Vec::new();
    if is_key {
        for (t, c, _) in model_core::evolve::references_to(target.model, table) {
            let existed = before.is_none_or(|b| {
                b.tables()
                    .find(|o| o.name() == t)
                    .is_some_and(|o| b.layout(o).iter().any(|p| p.name == c && p.references.is_some()))
            });
            if existed {
                out.push(Statement::AlterTable {
                    table: target.object(&t),
                    action: AlterTable::DropConstraint(naming::foreign_key(&t, &c)),
                });
            }
        }
        if let Some(pk) = constraints.iter().find(|c| matches!(c, Constraint::PrimaryKey { .. })) {
            out.push(Statement::AlterTable {
                table: target.object(table),
                action: AlterTable::DropConstraint(pk.name().to_owned()),
            });
            after.push(pk.clone());
        }
    } else {
        after.extend(
            constraints
                .iter()
                .filter(|c| matches!(c, Constraint::ForeignKey { columns, .. } if columns.iter().any(|k| k == column)))
                .cloned(),
        );
    }
    out.extend(rebuild_column(target, table, column, to));
    out.extend(after.into_iter().map(|c| Statement::AlterTable {
        table: target.object(table),
        action: AlterTable::AddConstraint(c),
    }));
    out
}

/// The name of the unique constraint the new model declares on `table`
/// (a dimension's natural key keeps its name when SCD2 adds `VALID_FROM` to it).
fn natural_key_unique(target: &Target<'_>, table: &str) -> Option<String> {
    let new = target.model.tables().find(|t| t.name() == table)?;
    ddl::create_table(target, new, target.model.layout(new))
        .constraints
        .into_iter()
        .find_map(|c| match c {
            Constraint::Unique { name, .. } => Some(name),
            _ => None,
        })
}

/// The table's unique constraint as deployed (`old`, if it had one)
/// dropped, and the one the new model's `CREATE TABLE` declares added.
fn redeclare_unique(target: &Target<'_>, table: &str, old: Option<String>) -> Vec<Statement> {
    let alter = |action: AlterTable| Statement::AlterTable {
        table: target.object(table),
        action,
    };
    let mut out: Vec<Statement> = old
        .into_iter()
        .map(|name| alter(AlterTable::DropConstraint(name)))
        .collect();
    if let Some(new) = target.model.tables().find(|t| t.name() == table) {
        out.extend(
            ddl::create_table(target, new, target.model.layout(new))
                .constraints
                .into_iter()
                .filter(|c| matches!(c, Constraint::Unique { .. }))
                .map(|c| alter(AlterTable::AddConstraint(c))),
        );
    }
    out
}

/// SCD1 -> SCD2: each housekeeping column added, every row given the
/// values of a current version valid since the beginning of time (what the
/// unknown member of a fresh deployment holds), then NOT NULL; then the
/// natural key's unique constraint is redeclared with `VALID_FROM`.
fn add_history(target: &Target<'_>, table: &str, columns: &[model_core::PhysicalColumn]) -> Vec<Statement> {
    let alter = |action: AlterTable| Statement::AlterTable {
        table: target.object(table),
        action,
    };
    let mut out = Vec::new();
    for column in columns {
        out.push(alter(AlterTable::AddColumn(ColumnDef {
            name: column.name.clone(),
            sql_type: column.sql_type,
            nullable: true,
            default: None,
            comment: target.comment(column.comment.as_deref()),
        })));
        out.push(Statement::Update {
            table: target.object(table),
            set: vec![(column.name.clone(), ddl::unknown_value(column, false))],
            filter: vec![Expr::IsNull(Box::new(Expr::Column(None, column.name.clone())))],
        });
        if !column.nullable {
            out.push(alter(AlterTable::SetNotNull(column.name.clone())));
        }
    }
    out.extend(redeclare_unique(target, table, natural_key_unique(target, table)));
    out
}

/// SCD2 -> SCD1: every reference to an older version repointed at its
/// member's current version, the older versions deleted, the unique
/// constraint declared without `VALID_FROM`, the housekeeping columns and
/// the `_CURRENT` view dropped.
fn drop_history(
    target: &Target<'_>,
    table: &str,
    columns: &[model_core::PhysicalColumn],
    references: &[(String, String)],
) -> Vec<Statement> {
    let Some(dimension) = target.model.dimension(table) else {
        return Vec::new();
    };
    let alter = |action: AlterTable| Statement::AlterTable {
        table: target.object(table),
        action,
    };
    // The view over the current versions goes first: it reads IS_CURRENT.
    let mut out = vec![Statement::Drop {
        kind: DropKind::View,
        name: target.object(&naming::current_view(table)),
    }];
    out.extend(references.iter().map(|(t, c)| Statement::Repoint {
        table: target.object(t),
        column: c.clone(),
        dimension: target.object(table),
        key: dimension.key.clone(),
        natural_key: dimension.natural_key.clone(),
    }));
    out.push(Statement::Delete {
        table: target.object(table),
        filter: vec![Expr::Not(Box::new(Expr::Column(
            None,
            model_core::scd2::IS_CURRENT.to_owned(),
        )))],
    });
    out.extend(redeclare_unique(target, table, natural_key_unique(target, table)));
    out.extend(columns.iter().map(|c| alter(AlterTable::DropColumn(c.name.clone()))));
    out
}

/// One deployed pipe a runbook recreates: its name as deployed, its name
/// now, and its landing table renamed (as deployed, now).
type Swap<'c> = (&'c str, &'c str, Option<&'c (String, String)>);

/// The runbook recreating the pipes of `swaps`, with `first` (a stage
/// altered) and the landing tables renamed in between, preceded by what
/// the new pipes read that the deployed model did not have (their storage
/// integration, file format or stage: `deploy.sql`, which creates them too,
/// runs after the migration; each is `IF NOT EXISTS`, as in `deploy.sql`)
/// and by suspending the task of each load whose landing table is renamed
/// (its body reads the stream by its old name until `deploy.sql` alters it).
fn recreate_pipes(
    before: Option<&Validated>,
    target: &Target<'_>,
    swaps: &[Swap<'_>],
    first: Vec<Statement>,
) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let mut between = first;
    let mut pipes = Vec::new();
    for &(from, pipe, landing) in swaps {
        // Evolve names the pipe of a load of the new model.
        let Some(load) = target.model.loads().find(|l| l.load.pipe == pipe) else {
            continue;
        };
        for statement in prerequisites(before, target, &load) {
            if !out.contains(&statement) {
                out.push(statement);
            }
        }
        if let Some((was, now)) = landing {
            out.push(Statement::AlterTask {
                name: target.object(&naming::load_task(load.table.name())),
                resume: false,
            });
            between.push(Statement::AlterTable {
                table: target.object(was),
                action: AlterTable::RenameTo(target.object(now)),
            });
            between.push(Statement::Rename {
                kind: RenameKind::Stream,
                from: target.object(&naming::stream(was)),
                to: target.object(&naming::stream(now)),
            });
        }
        pipes.push((
            target.object(&target.text(from)),
            Box::new(crate::loading::pipe(target, &load)),
        ));
    }
    out.push(Statement::RecreatePipe {
        pipes,
        between,
        polls: PIPE_DRAIN_POLLS,
    });
    out
}

/// What the pipe of `load` reads that the deployed model did not have (all
/// of it without a deployed model: a catalog baseline).
fn prerequisites(
    before: Option<&Validated>,
    target: &Target<'_>,
    load: &model_core::ingest::Resolved<'_>,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let stage_is_new = before.is_none_or(|b| !b.stages.iter().any(|s| s.name == load.stage.name));
    let format_is_new = before.is_none_or(|b| !b.file_formats.iter().any(|f| f.name == load.format.name));
    let integration_is_new = before.is_none_or(|b| {
        !b.storage_integrations
            .iter()
            .any(|i| i.name == load.stage.storage_integration)
    });
    if integration_is_new {
        let integration = target.text(&load.stage.storage_integration);
        out.extend(crate::loading::integrations(target).into_iter().filter(|s| match s {
            Statement::StorageIntegration { name, .. }
            | Statement::Grant {
                on: crate::writer::GrantOn::Integration(name),
                ..
            } => *name == integration,
            _ => false,
        }));
    }
    if format_is_new {
        let format = target.object(&load.format.name);
        out.extend(
            crate::loading::file_formats(target)
                .into_iter()
                .filter(|s| matches!(s, Statement::FileFormat { name, .. } if *name == format)),
        );
    }
    if stage_is_new {
        let stage = target.object(&target.text(&load.stage.name));
        out.extend(
            crate::loading::stages(target)
                .into_iter()
                .filter(|s| matches!(s, Statement::Stage { name, .. } if *name == stage)),
        );
    }
    out
}

/// A stage as the model now declares it, altered in place
/// (`ALTER STAGE ... SET`): what `CREATE STAGE` in `deploy.sql` would make.
fn alter_stage(target: &Target<'_>, stage: &str) -> Option<Statement> {
    let name = target.object(&target.text(stage));
    crate::loading::stages(target).into_iter().find_map(|s| match s {
        Statement::Stage {
            name: n,
            url,
            storage_integration,
            file_format,
            ..
        } if n == name => Some(Statement::AlterStage {
            name: n,
            url,
            storage_integration,
            file_format,
        }),
        _ => None,
    })
}

/// A table renamed. First what is named after it and `deploy.sql` makes
/// again under the new name: its load's task (suspended, then dropped; the
/// rows its stream holds wait for the new task) and its views (the
/// `_CURRENT` view of a dimension keeping history, a load's unknown-member
/// audit). Then `ALTER TABLE old RENAME TO new`, and each constraint named
/// after the table (its primary key, unique constraint and foreign keys)
/// renamed as the new model names it, so that `deploy.sql`'s RELY
/// statements find them (the constraints are the ones `CREATE TABLE`
/// declares, paired by kind, foreign keys by their column). Last, a key's
/// sequence renamed, and the key's default set to it again (Snowflake
/// changes a default from one sequence to another, and only that).
fn rename_table(
    before: Option<&Validated>,
    target: &Target<'_>,
    from: &str,
    to: &str,
    loaded: bool,
    sequence: bool,
) -> Vec<Statement> {
    let new = target.model.tables().find(|t| t.name() == to);
    let deployed = before.and_then(|b| b.tables().find(|t| t.name() == from).map(|t| (b, t)));
    let mut out = Vec::new();
    if loaded {
        let task = target.object(&naming::load_task(from));
        out.push(Statement::AlterTask {
            name: task.clone(),
            resume: false,
        });
        out.push(Statement::Drop {
            kind: DropKind::Task,
            name: task,
        });
    }
    // The table as deployed (without a deployed model, as it is now).
    let kept_history = match deployed.map(|(_, t)| t).or(new) {
        Some(TableRef::Dimension(d)) => d.keeps_history(),
        _ => false,
    };
    if kept_history {
        out.push(Statement::Drop {
            kind: DropKind::View,
            name: target.object(&naming::current_view(from)),
        });
    }
    if loaded {
        out.push(Statement::Drop {
            kind: DropKind::View,
            name: target.object(&naming::unknown_members(from)),
        });
    }
    out.push(Statement::AlterTable {
        table: target.object(from),
        action: AlterTable::RenameTo(target.object(to)),
    });
    let Some(new) = new else {
        return out;
    };
    if sequence {
        // The key as deployed: a renamed key column is renamed after this.
        let key = deployed
            .map_or_else(|| target.model.layout(new), |(b, t)| b.layout(t))
            .iter()
            .find(|c| matches!(c.origin, model_core::Origin::SurrogateKey(_)))
            .map(|c| c.name.clone());
        out.push(Statement::Rename {
            kind: RenameKind::Sequence,
            from: target.object(&naming::sequence(from)),
            to: target.object(&naming::sequence(to)),
        });
        if let Some(key) = key {
            out.push(Statement::AlterTable {
                table: target.object(to),
                action: AlterTable::SetDefaultSequence(key, target.object(&naming::sequence(to))),
            });
        }
    }
    let new_columns = target.model.layout(new);
    let new_constraints = ddl::create_table(target, new, new_columns).constraints;
    let old_constraints = if let Some((before, old)) = deployed {
        ddl::create_table(target, old, before.layout(old)).constraints
    } else {
        // A catalog baseline: the new table's constraints under the old name.
        let create = |t: TableRef<'_>| ddl::create_table(target, t, new_columns).constraints;
        match new {
            TableRef::Dimension(d) => create(TableRef::Dimension(&model_core::model::Dimension {
                name: from.to_owned(),
                ..d.clone()
            })),
            TableRef::Fact(f) => create(TableRef::Fact(&model_core::model::Fact {
                name: from.to_owned(),
                ..f.clone()
            })),
            TableRef::Bridge(b) => create(TableRef::Bridge(&model_core::model::Bridge {
                name: from.to_owned(),
                ..b.clone()
            })),
        }
    };
    for c in old_constraints {
        let renamed = match &c {
            // Named after the table and its column as deployed: a renamed
            // reference renames its foreign key again, after this.
            Constraint::ForeignKey { columns, .. } => columns.first().map(|column| naming::foreign_key(to, column)),
            Constraint::PrimaryKey { .. } => new_constraints
                .iter()
                .find(|n| matches!(n, Constraint::PrimaryKey { .. }))
                .map(|n| n.name().to_owned()),
            Constraint::Unique { .. } => new_constraints
                .iter()
                .find(|n| matches!(n, Constraint::Unique { .. }))
                .map(|n| n.name().to_owned()),
        };
        if let Some(renamed) = renamed
            && renamed != c.name()
        {
            out.push(Statement::AlterTable {
                table: target.object(to),
                action: AlterTable::RenameConstraint(c.name().to_owned(), renamed),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Validated {
        model_core::load_str("m.toml", text)
            .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
            .model
    }

    fn retail() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/retail.toml")).unwrap()
    }

    fn without_cost(text: &str) -> String {
        text.replace(
            "  { name = \"COST_AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n",
            "",
        )
        .replace(", \"NET_AMOUNT\", \"COST_AMOUNT\"]", ", \"NET_AMOUNT\"]")
    }

    /// The pipes of a catalog snapshot against the model's: a pipe as the
    /// model creates it (whitespace aside) is no change; one whose COPY or
    /// `AUTO_INGEST` differs is recreated through the runbook, with the
    /// reason; a pipe the model lacks is named in a note; a snapshot taken
    /// without the pipes says so.
    #[test]
    fn a_catalog_s_pipes_are_compared_with_the_model_s() {
        let model = load(&retail());
        let target = target(&model, "DEV").unwrap();
        let pipes: Vec<crate::writer::Pipe> = crate::loading::pipes(&target)
            .into_iter()
            .filter_map(|s| match s {
                Statement::CreatePipe(p) => Some(*p),
                _ => None,
            })
            .collect();
        assert!(!pipes.is_empty());
        let row = |p: &crate::writer::Pipe, definition: String, auto_ingest: bool| {
            serde_json::json!({
                "PIPE_NAME": p.name.object(),
                "DEFINITION": definition,
                "IS_AUTOINGEST_ENABLED": if auto_ingest { "true" } else { "false" },
            })
        };
        // Snowflake's text as stored may be laid out otherwise.
        let as_stored = |p: &crate::writer::Pipe| p.copy_text().replace('\n', "\n  ") + ";";
        let plan_of = |pipe_rows: Vec<serde_json::Value>| {
            let json = serde_json::json!([[], pipe_rows]).to_string();
            let catalog = parse_catalog(&json).unwrap();
            Plan::from_catalog(&catalog, &model, "DEV").unwrap()
        };
        let recreated = |plan: &Plan| -> Vec<(String, Vec<String>, Vec<&'static str>)> {
            plan.steps
                .iter()
                .filter_map(|step| match &step.change {
                    Change::RecreatePipe { pipe, reasons, .. } => Some((
                        pipe.clone(),
                        reasons.clone(),
                        step.statements.iter().map(Statement::kind).collect(),
                    )),
                    _ => None,
                })
                .collect()
        };

        let same = plan_of(pipes.iter().map(|p| row(p, as_stored(p), p.auto_ingest)).collect());
        assert_eq!(recreated(&same), []);
        assert!(
            !same
                .notes
                .iter()
                .any(|n| n.starts_with("pipes of the schema") || n == CATALOG_WITHOUT_PIPES),
            "{:?}",
            same.notes
        );

        let first = &pipes[0];
        let mut rows: Vec<serde_json::Value> = pipes.iter().map(|p| row(p, as_stored(p), p.auto_ingest)).collect();
        rows[0] = row(
            first,
            as_stored(first).replace("COPY INTO", "COPY  INTO") + " ",
            !first.auto_ingest,
        );
        rows.push(serde_json::json!({"PIPE_NAME": "HAND_MADE_PIPE", "DEFINITION": "COPY INTO T FROM @S", "IS_AUTOINGEST_ENABLED": "false"}));
        let flipped = plan_of(rows.clone());
        let [(pipe, reasons, kinds)] = recreated(&flipped).try_into().unwrap();
        assert_eq!(target.object(&target.text(&pipe)), first.name);
        assert_eq!(
            reasons,
            [format!(
                "AUTO_INGEST is {} as deployed, {} in the model",
                !first.auto_ingest, first.auto_ingest
            )]
        );
        assert_eq!(kinds.last(), Some(&"RECREATE PIPE"));
        assert!(
            flipped.notes.iter().any(|n| n.contains("left alone: HAND_MADE_PIPE")),
            "{:?}",
            flipped.notes
        );

        rows[0] = row(
            first,
            as_stored(first).replace("FROM", "FROM (SELECT 1) --"),
            first.auto_ingest,
        );
        let [(_, reasons, _)] = recreated(&plan_of(rows)).try_into().unwrap();
        assert_eq!(reasons, ["its COPY as deployed differs from the model's"]);

        let without = parse_catalog("[]").unwrap();
        assert_eq!(without.pipes, None);
        let plan = Plan::from_catalog(&without, &model, "DEV").unwrap();
        assert_eq!(recreated(&plan), []);
        assert!(plan.notes.iter().any(|n| n == CATALOG_WITHOUT_PIPES));

        let mut query = catalog_query(&model, "DEV").unwrap();
        let text = query.to_string();
        assert!(
            text.ends_with(";\nSELECT p.PIPE_NAME, p.DEFINITION, p.IS_AUTOINGEST_ENABLED\nFROM RETAIL.INFORMATION_SCHEMA.PIPES AS p\nWHERE p.PIPE_SCHEMA = 'SALES_DEV'\nORDER BY p.PIPE_NAME"),
            "{text}"
        );
        query.pipes = false;
        assert!(!query.to_string().contains("PIPES"));
    }

    /// The runbook of a changed pipe, in the order that loses no file:
    /// pause, note the time, wait (or resume and stop), drop, create, refresh
    /// from the time noted.
    #[test]
    fn a_changed_pipe_is_paused_drained_recreated_and_refreshed_in_order() {
        let after = retail();
        let plan = Plan::new(&load(&without_cost(&after)), &load(&after), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(sql.len(), 3, "{sql:#?}");
        let runbook = &sql[2];
        let pipe = "RETAIL.SALES_DEV.FACT_SALES_PIPE";
        let steps = [
            "EXECUTE IMMEDIATE $$\nDECLARE\n".to_owned(),
            format!("ALTER PIPE IF EXISTS {pipe} SET PIPE_EXECUTION_PAUSED = TRUE;"),
            "paused_at := TO_VARCHAR(CURRENT_TIMESTAMP()".to_owned(),
            format!("FOR i IN 1 TO {PIPE_DRAIN_POLLS} DO"),
            format!("SYSTEM$PIPE_STATUS('{pipe}')):pendingFileCount::INTEGER"),
            "SELECT SYSTEM$WAIT(10);".to_owned(),
            format!("ALTER PIPE {pipe} SET PIPE_EXECUTION_PAUSED = FALSE;\n        RAISE still_loading;"),
            format!("DROP PIPE IF EXISTS {pipe};"),
            format!("CREATE PIPE IF NOT EXISTS {pipe}\n"),
            "$1:\"COST_AMOUNT\"::NUMBER(12,2),".to_owned(),
            format!("refresh_sql := 'ALTER PIPE {pipe} REFRESH MODIFIED_AFTER = ''' || paused_at || '''';"),
            "EXECUTE IMMEDIATE :refresh_sql;\nEND;\n$$".to_owned(),
        ];
        let mut at = 0;
        for step in &steps {
            let found = runbook[at..]
                .find(step.as_str())
                .unwrap_or_else(|| panic!("{step:?} after byte {at} of\n{runbook}"));
            at += found + step.len();
        }
        // The COPY is the one deploy.sql creates the pipe with.
        let deployment = crate::generate(&load(&after), "DEV").unwrap();
        let create = deployment
            .statements()
            .find(|(_, s)| s.kind() == "CREATE PIPE" && s.to_string().contains("FACT_SALES_PIPE"))
            .unwrap()
            .1
            .to_string();
        for line in create.lines() {
            assert!(runbook.contains(&format!("    {line}\n")), "{line}");
        }
    }

    /// A column that is no longer `pii` has its policy and tag unset; one
    /// that changes class needs nothing (deploy.sql sets policies with FORCE).
    #[test]
    fn a_column_no_longer_pii_is_unmasked_and_a_changed_class_needs_nothing() {
        let before = retail();
        let after = before.replace(
            "{ name = \"EMAIL\", type = \"string\", pii = \"contact\" },",
            "{ name = \"EMAIL\", type = \"string\" },",
        );
        assert_ne!(before, after);
        let plan = Plan::new(&load(&before), &load(&after), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE RETAIL.SALES_DEV.DIM_CUSTOMER MODIFY COLUMN EMAIL UNSET MASKING POLICY",
                "ALTER TABLE RETAIL.SALES_DEV.DIM_CUSTOMER MODIFY COLUMN EMAIL UNSET TAG RETAIL.SALES_DEV.PII_CLASS",
            ]
        );
        let classes: Vec<Class> = plan.steps.iter().map(|s| s.change.class()).collect();
        assert_eq!(classes, [Class::Careful]);
        let reclassed = before.replace(
            "{ name = \"EMAIL\", type = \"string\", pii = \"contact\" },",
            "{ name = \"EMAIL\", type = \"string\", pii = \"identifier\", mask = \"null\" },",
        );
        let plan = Plan::new(&load(&before), &load(&reclassed), "DEV").unwrap();
        assert_eq!(plan.statements().count(), 0);
    }

    /// A renamed pipe: the old one is paused and dropped, the new one created
    /// and refreshed; a name holding a quote stays one literal everywhere.
    #[test]
    fn a_renamed_pipe_with_a_hostile_name_stays_quoted() {
        let before = retail();
        let after = before.replace(
            "[[load]]\ntable = \"FACT_SALES\"",
            "[[load]]\ntable = \"FACT_SALES\"\npipe = \"SALES'; DROP TABLE X; --\"",
        );
        let plan = Plan::new(&load(&before), &load(&after), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(sql.len(), 1, "{sql:#?}");
        let new = "RETAIL.SALES_DEV.\"SALES'; DROP TABLE X; --\"";
        assert!(sql[0].contains("DROP PIPE IF EXISTS RETAIL.SALES_DEV.FACT_SALES_PIPE;"));
        assert!(sql[0].contains(&format!("CREATE PIPE IF NOT EXISTS {new}\n")));
        assert!(
            sql[0].contains("refresh_sql := 'ALTER PIPE RETAIL.SALES_DEV.\"SALES''; DROP TABLE X; --\" REFRESH MODIFIED_AFTER = ''' || paused_at"),
            "{}",
            sql[0]
        );
    }

    /// A pipe that reads a stage and format the deployed model did not have:
    /// the migration creates them first (deploy.sql runs after it).
    #[test]
    fn a_recreated_pipe_on_a_new_stage_gets_the_stage_first() {
        let before = retail();
        let after = before.replace(
            "[[load]]\ntable = \"FACT_SALES\"\nstage = \"POS_STAGE\"",
            "[[load]]\ntable = \"FACT_SALES\"\nstage = \"RECEIPTS_STAGE\"",
        );
        let stage_at = after.find("[[stage]]").expect("a stage");
        let stage_end = after[stage_at..].find("\n\n").map_or(after.len(), |i| stage_at + i + 2);
        let stage = after[stage_at..stage_end].replacen("name = \"POS_STAGE\"", "name = \"RECEIPTS_STAGE\"", 1);
        assert!(stage.contains("RECEIPTS_STAGE"), "{stage}");
        let after = format!("{}{stage}{}", &after[..stage_end], &after[stage_end..]);
        let plan = Plan::new(&load(&before), &load(&after), "DEV").unwrap();
        let kinds: Vec<&str> = plan.statements().map(Statement::kind).collect();
        assert_eq!(kinds, ["CREATE STAGE", "RECREATE PIPE"], "{}", plan.render());
    }

    const SHOP: &str = r#"
name = "shop"
database = "SHOP"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
]
[[fact]]
name = "FACT_SALES"
grain_columns = ["RECEIPT"]
columns = [
  { name = "RECEIPT", type = "int", degenerate = true },
  { name = "STORE_KEY", references = "DIM_STORE" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]
"#;

    /// A renamed table keeps its constraints under the names the new model
    /// gives them (deploy.sql's RELY names them); so does a renamed
    /// reference's foreign key.
    #[test]
    fn renames_carry_the_constraints_named_after_them() {
        let after = SHOP
            .replace(
                "name = \"FACT_SALES\"",
                "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"\ncluster_by = [\"RECEIPT\"]",
            )
            .replace(
                "{ name = \"STORE_KEY\", references = \"DIM_STORE\" }",
                "{ name = \"SHOP_KEY\", references = \"DIM_STORE\", renamed_from = \"STORE_KEY\" }",
            );
        let plan = Plan::new(&load(SHOP), &load(&after), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        let t = "SHOP.DEV.FACT_RECEIPTS";
        assert_eq!(
            sql,
            [
                "ALTER TABLE SHOP.DEV.FACT_SALES RENAME TO SHOP.DEV.FACT_RECEIPTS".to_owned(),
                format!("ALTER TABLE {t} RENAME CONSTRAINT PK_FACT_SALES TO PK_FACT_RECEIPTS"),
                format!("ALTER TABLE {t} RENAME CONSTRAINT UQ_FACT_SALES_GRAIN TO UQ_FACT_RECEIPTS_GRAIN"),
                format!("ALTER TABLE {t} RENAME CONSTRAINT FK_FACT_SALES_STORE_KEY TO FK_FACT_RECEIPTS_STORE_KEY"),
                format!("ALTER TABLE {t} CLUSTER BY (RECEIPT)"),
                format!("ALTER TABLE {t} RENAME COLUMN SALES_KEY TO RECEIPTS_KEY"),
                format!("ALTER TABLE {t} ALTER COLUMN RECEIPTS_KEY COMMENT 'Surrogate key of FACT_RECEIPTS.'"),
                format!("ALTER TABLE {t} RENAME COLUMN STORE_KEY TO SHOP_KEY"),
                format!("ALTER TABLE {t} RENAME CONSTRAINT FK_FACT_RECEIPTS_STORE_KEY TO FK_FACT_RECEIPTS_SHOP_KEY"),
            ],
            "{}",
            plan.render()
        );
        // Every constraint deploy.sql trusts (RELY) exists under its name after the migration.
        let deployment = crate::generate(&load(&after), "DEV").unwrap();
        let relied: Vec<String> = deployment
            .statements()
            .filter_map(|(_, s)| match s {
                Statement::RelyConstraint { table, constraint } if table.object() == "FACT_RECEIPTS" => {
                    Some(constraint.clone())
                }
                _ => None,
            })
            .collect();
        assert!(!relied.is_empty());
        for constraint in relied {
            assert!(
                sql.iter().any(|s| s.ends_with(&format!(" TO {constraint}"))),
                "{constraint} is not renamed into place"
            );
        }
    }

    /// The position of each of `steps` in `sql`, in order (each after the
    /// one before), or a panic naming the first one missing.
    fn in_order(sql: &str, steps: &[String]) {
        let mut at = 0;
        for step in steps {
            let found = sql[at..]
                .find(step.as_str())
                .unwrap_or_else(|| panic!("{step:?} after byte {at} of\n{sql}"));
            at += found + step.len();
        }
    }

    /// A loaded table renamed: its task goes first (deploy.sql creates the
    /// new one), then the table; its landing table and stream are renamed
    /// inside the pipe's runbook, after the drain and before the new pipe,
    /// so that the rows landed and not yet merged wait for the new task.
    #[test]
    fn a_renamed_loaded_table_takes_its_landing_table_and_stream_along() {
        let before = retail();
        let after = before
            .replace(
                "[[fact]]\nname = \"FACT_SALES\"",
                "[[fact]]\nname = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
            )
            .replace("table = \"FACT_SALES\"", "table = \"FACT_RECEIPTS\"")
            .replace("fact = \"FACT_SALES\"", "fact = \"FACT_RECEIPTS\"");
        let plan = Plan::new(&load(&before), &load(&after), "DEV").unwrap();
        assert_eq!(plan.count(Class::Unsupported), 0, "{}", plan.render());
        assert_eq!(plan.count(Class::Destructive), 0, "{}", plan.render());
        let sql: String = plan.statements().map(|s| s.to_string() + ";\n").collect();
        let at = |name: &str| format!("RETAIL.SALES_DEV.{name}");
        in_order(
            &sql,
            &[
                format!("ALTER TASK IF EXISTS {} SUSPEND;", at("FACT_SALES_LOAD_TASK")),
                format!("DROP TASK IF EXISTS {};", at("FACT_SALES_LOAD_TASK")),
                format!("DROP VIEW IF EXISTS {};", at("FACT_SALES_UNKNOWN_MEMBERS")),
                format!("ALTER TABLE {} RENAME TO {};", at("FACT_SALES"), at("FACT_RECEIPTS")),
                format!("ALTER TASK IF EXISTS {} SUSPEND;", at("FACT_RECEIPTS_LOAD_TASK")),
                format!(
                    "ALTER PIPE IF EXISTS {} SET PIPE_EXECUTION_PAUSED = TRUE;",
                    at("FACT_SALES_PIPE")
                ),
                format!("DROP PIPE IF EXISTS {};", at("FACT_SALES_PIPE")),
                format!(
                    "    ALTER TABLE {} RENAME TO {}\n    ;",
                    at("FACT_SALES_LANDING"),
                    at("FACT_RECEIPTS_LANDING")
                ),
                format!(
                    "    ALTER STREAM IF EXISTS {} RENAME TO {}\n    ;",
                    at("FACT_SALES_LANDING_STREAM"),
                    at("FACT_RECEIPTS_LANDING_STREAM")
                ),
                format!("CREATE PIPE IF NOT EXISTS {}\n", at("FACT_RECEIPTS_PIPE")),
                format!("COPY INTO {}", at("FACT_RECEIPTS_LANDING")),
                format!("'ALTER PIPE {} REFRESH MODIFIED_AFTER = '''", at("FACT_RECEIPTS_PIPE")),
            ],
        );
        // Nothing of the load is dropped or created empty beside it.
        for kind in ["DROP TABLE", "DROP STREAM", "DROP PIPE", "CREATE TABLE"] {
            assert!(plan.statements().all(|s| s.kind() != kind), "{kind} in\n{sql}");
        }
        let renamed = plan
            .steps
            .iter()
            .find(|s| matches!(s.change, Change::RecreatePipe { .. }))
            .expect("the pipe's runbook");
        assert!(
            renamed
                .change
                .describe()
                .contains("its landing table FACT_SALES_LANDING renamed FACT_RECEIPTS_LANDING with its stream"),
            "{}",
            renamed.change.describe()
        );
    }

    /// A key drawn from a sequence: the sequence is renamed with its table
    /// and set as the key's default again.
    #[test]
    fn a_renamed_table_takes_its_key_sequence_along() {
        let sequence = SHOP.replace(
            "grain_columns = [\"RECEIPT\"]",
            "grain_columns = [\"RECEIPT\"]\nkey_generation = \"sequence\"",
        );
        let after = sequence.replace(
            "name = \"FACT_SALES\"",
            "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
        );
        let plan = Plan::new(&load(&sequence), &load(&after), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        let from = sql
            .iter()
            .position(|s| s == "ALTER TABLE SHOP.DEV.FACT_SALES RENAME TO SHOP.DEV.FACT_RECEIPTS")
            .expect("the rename");
        assert_eq!(
            sql[from + 1..from + 3],
            [
                "ALTER SEQUENCE IF EXISTS SHOP.DEV.FACT_SALES_SEQ RENAME TO SHOP.DEV.FACT_RECEIPTS_SEQ",
                "ALTER TABLE SHOP.DEV.FACT_RECEIPTS ALTER COLUMN SALES_KEY SET DEFAULT SHOP.DEV.FACT_RECEIPTS_SEQ.NEXTVAL",
            ],
            "{sql:#?}"
        );
        // The key column named after the table is renamed after that.
        assert!(
            sql[from + 3..]
                .iter()
                .any(|s| s == "ALTER TABLE SHOP.DEV.FACT_RECEIPTS RENAME COLUMN SALES_KEY TO RECEIPTS_KEY"),
            "{sql:#?}"
        );
        // deploy.sql's CREATE SEQUENCE IF NOT EXISTS finds the renamed one.
        let deployment = crate::generate(&load(&after), "DEV").unwrap();
        assert!(deployment.statements().any(|(_, s)| {
            s.to_string()
                .starts_with("CREATE SEQUENCE IF NOT EXISTS SHOP.DEV.FACT_RECEIPTS_SEQ ")
        }));
    }

    /// A stage that moves: its pipes are paused and drained, the stage is
    /// altered while none runs, the pipes recreated and refreshed; a pipe
    /// that also copies differently is recreated once, in that runbook. A
    /// file format alone is altered in place.
    #[test]
    fn a_moved_stage_is_altered_between_its_pipes_drain_and_their_recreation() {
        let before = retail();
        let moved = before.replace(
            "url = \"s3://${landing_bucket}/pos/\"",
            "url = \"s3://${landing_bucket}/pos-v2/\"",
        );
        assert_ne!(moved, before);
        let plan = Plan::new(&load(&before), &load(&moved), "DEV").unwrap();
        assert_eq!(plan.steps.len(), 1, "{}", plan.render());
        assert_eq!(plan.steps[0].change.class(), Class::Careful);
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(sql.len(), 1, "{sql:#?}");
        let pipes = ["DIM_PRODUCT_PIPE", "DIM_STORE_PIPE", "FACT_SALES_PIPE"];
        let mut steps: Vec<String> = pipes
            .iter()
            .map(|p| format!("ALTER PIPE IF EXISTS RETAIL.SALES_DEV.{p} SET PIPE_EXECUTION_PAUSED = TRUE;"))
            .collect();
        steps.push("FOR i IN 1 TO".to_owned());
        steps.extend(
            pipes
                .iter()
                .map(|p| format!("SYSTEM$PIPE_STATUS('RETAIL.SALES_DEV.{p}')")),
        );
        steps.extend(
            pipes
                .iter()
                .map(|p| format!("ALTER PIPE RETAIL.SALES_DEV.{p} SET PIPE_EXECUTION_PAUSED = FALSE;")),
        );
        steps.push("RAISE still_loading;".to_owned());
        steps.extend(
            pipes
                .iter()
                .map(|p| format!("DROP PIPE IF EXISTS RETAIL.SALES_DEV.{p};")),
        );
        steps.push(
            "    ALTER STAGE IF EXISTS RETAIL.SALES_DEV.POS_STAGE SET\n        URL = 's3://retail-landing-dev/pos-v2/'"
                .to_owned(),
        );
        steps.extend(
            pipes
                .iter()
                .map(|p| format!("CREATE PIPE IF NOT EXISTS RETAIL.SALES_DEV.{p}\n")),
        );
        steps.extend(
            pipes
                .iter()
                .map(|p| format!("'ALTER PIPE RETAIL.SALES_DEV.{p} REFRESH MODIFIED_AFTER = '''")),
        );
        in_order(&sql[0], &steps);

        // The same move with a pipe that copies differently: one runbook,
        // which names why each pipe is recreated.
        let plan = Plan::new(&load(&without_cost(&before)), &load(&moved), "DEV").unwrap();
        let kinds: Vec<&str> = plan.statements().map(Statement::kind).collect();
        assert_eq!(
            kinds,
            ["ALTER TABLE ADD COLUMN", "ALTER TABLE ADD COLUMN", "RECREATE PIPE"],
            "{}",
            plan.render()
        );
        let stage = plan
            .steps
            .iter()
            .find(|s| matches!(s.change, Change::ChangeStage { .. }))
            .expect("the stage's change");
        assert!(
            stage
                .change
                .describe()
                .contains("FACT_SALES_PIPE (its COPY projects new columns (COST_AMOUNT))"),
            "{}",
            stage.change.describe()
        );

        // A new file format alone, with every load naming its own: ALTER
        // STAGE in place, no runbook, safe.
        let own_format = |text: &str| {
            text.replace(
                "path = \"products/\"",
                "path = \"products/\"\nfile_format = \"POS_CSV\"",
            )
            .replace("path = \"stores/\"", "path = \"stores/\"\nfile_format = \"POS_CSV\"")
        };
        let reformatted = own_format(&before).replacen(
            "storage_integration = \"RETAIL_${env}_S3\"\nfile_format = \"POS_CSV\"",
            "storage_integration = \"RETAIL_${env}_S3\"\nfile_format = \"RECEIPTS_PARQUET\"",
            1,
        );
        assert!(
            reformatted.contains("file_format = \"RECEIPTS_PARQUET\"\n\n"),
            "{reformatted}"
        );
        let plan = Plan::new(&load(&before), &load(&reformatted), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(
            sql,
            [
                "ALTER STAGE IF EXISTS RETAIL.SALES_DEV.POS_STAGE SET\n    URL = 's3://retail-landing-dev/pos/'\n    STORAGE_INTEGRATION = RETAIL_DEV_S3\n    FILE_FORMAT = (FORMAT_NAME = 'RETAIL.SALES_DEV.RECEIPTS_PARQUET')"
            ],
            "{}",
            plan.render()
        );
        assert_eq!(plan.steps[0].change.class(), Class::Safe);
    }

    /// What deploy.sql never takes back: a removed role is dropped (and its
    /// grants are not revoked one by one), a privilege the model stops
    /// granting is revoked, a removed mart is dropped (its grants with it),
    /// a removed load's task, pipe, stream and landing table are dropped.
    #[test]
    fn what_the_model_stops_having_is_dropped_or_revoked() {
        let retail = retail();
        let kinds = |after: &str| -> Vec<(Class, String, Vec<String>)> {
            Plan::new(&load(&retail), &load(after), "DEV")
                .unwrap()
                .steps
                .iter()
                .map(|s| {
                    (
                        s.change.class(),
                        s.change.object(),
                        s.statements.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect()
        };
        let role = "[[role]]\nname = \"RETAIL_${env}_MERCHANDISER\"\ncomment = \"Merchandisers and supply-chain planners: read every mart (and current view), nothing else.\"\nwarehouses = [\"${env}_ANALYTICS_WH\"]\ngrants = [{ access = \"read\", scope = \"marts\" }]\n\n";
        assert!(retail.contains(role));
        assert_eq!(
            kinds(&retail.replace(role, "")),
            [(
                Class::Destructive,
                "RETAIL_${env}_MERCHANDISER".to_owned(),
                vec!["DROP ROLE IF EXISTS RETAIL_DEV_MERCHANDISER".to_owned()]
            )],
            "the role's own grants go with it"
        );
        let narrower = retail.replace(
            "grants = [{ access = \"read\", scope = \"marts\" }]",
            "grants = [{ access = \"read\", objects = [\"MART_SALES_BY_FORMAT\"] }]",
        );
        let revoked = kinds(&narrower);
        assert!(!revoked.is_empty());
        for (class, object, sql) in &revoked {
            assert_eq!(*class, Class::Careful, "{object}");
            assert!(object.ends_with(" FROM ROLE RETAIL_DEV_MERCHANDISER"), "{object}");
            assert!(!object.contains("MART_SALES_BY_FORMAT"), "still granted: {object}");
            assert!(sql[0].starts_with("REVOKE "), "{sql:?}");
        }
        assert!(
            revoked.iter().any(|(_, o, _)| o.contains("MART_INVENTORY_DAILY")),
            "{revoked:#?}"
        );
        // A removed mart and a removed load.
        let mart_at = retail.find("[[mart]]\nname = \"MART_INVENTORY_DAILY\"").unwrap();
        let mart_end = retail[mart_at..].find("\n\n").map_or(retail.len(), |i| mart_at + i + 2);
        let load_at = retail.find("[[load]]\ntable = \"DIM_STORE\"").unwrap();
        let load_end = retail[load_at..].find("\n\n").map_or(retail.len(), |i| load_at + i + 2);
        let mut without = retail.clone();
        without.replace_range(load_at..load_end, "");
        without.replace_range(mart_at..mart_end, "");
        let dropped = kinds(&without);
        assert_eq!(
            dropped,
            [
                (
                    Class::Destructive,
                    "DIM_STORE_LANDING".to_owned(),
                    vec![
                        "ALTER TASK IF EXISTS RETAIL.SALES_DEV.DIM_STORE_LOAD_TASK SUSPEND".to_owned(),
                        "DROP TASK IF EXISTS RETAIL.SALES_DEV.DIM_STORE_LOAD_TASK".to_owned(),
                        "DROP PIPE IF EXISTS RETAIL.SALES_DEV.DIM_STORE_PIPE".to_owned(),
                        "DROP STREAM IF EXISTS RETAIL.SALES_DEV.DIM_STORE_LANDING_STREAM".to_owned(),
                        "DROP TABLE IF EXISTS RETAIL.SALES_DEV.DIM_STORE_LANDING".to_owned(),
                    ]
                ),
                (
                    Class::Careful,
                    "MART_INVENTORY_DAILY".to_owned(),
                    vec!["DROP DYNAMIC TABLE IF EXISTS RETAIL.SALES_DEV.MART_INVENTORY_DAILY".to_owned()]
                ),
            ],
            "the mart's grants go with it: nothing revoked"
        );
    }

    /// A dynamic table whose definition changed is replaced by deploy.sql:
    /// the plan says so (a full refresh), with no statement of its own.
    #[test]
    fn a_redefined_dynamic_table_is_a_careful_change() {
        let retail = retail();
        let at = retail.find("name = \"MART_INVENTORY_DAILY\"").unwrap();
        let lag = retail[at..].find("target_lag = ").unwrap() + at;
        let end = retail[lag..].find('\n').unwrap() + lag;
        let after = format!("{}target_lag = \"2 hours\"{}", &retail[..lag], &retail[end..]);
        assert_ne!(after, retail);
        let plan = Plan::new(&load(&retail), &load(&after), "DEV").unwrap();
        let found: Vec<(Class, String, usize)> = plan
            .steps
            .iter()
            .map(|s| (s.change.class(), s.change.object(), s.statements.len()))
            .collect();
        assert_eq!(
            found,
            [(Class::Careful, "MART_INVENTORY_DAILY".to_owned(), 0)],
            "{}",
            plan.render()
        );
        assert!(plan.render().contains("full refresh"));
        assert!(Plan::new(&load(&retail), &load(&retail), "DEV").unwrap().is_empty());
    }

    /// A natural key or grain change redeclares the unique constraint (one
    /// the deployed table did not have is only added).
    #[test]
    fn a_new_grain_redeclares_its_unique_constraint() {
        let grain = SHOP.replace(
            "grain_columns = [\"RECEIPT\"]",
            "grain_columns = [\"RECEIPT\", \"STORE_KEY\"]",
        );
        let plan = Plan::new(&load(SHOP), &load(&grain), "DEV").unwrap();
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE SHOP.DEV.FACT_SALES DROP CONSTRAINT UQ_FACT_SALES_GRAIN",
                "ALTER TABLE SHOP.DEV.FACT_SALES ADD CONSTRAINT UQ_FACT_SALES_GRAIN UNIQUE (RECEIPT, STORE_KEY)",
            ],
            "{}",
            plan.render()
        );
        assert_eq!(plan.count(Class::Careful), 1);
        let without = SHOP.replace("grain_columns = [\"RECEIPT\"]\n", "");
        let added = Plan::new(&load(&without), &load(SHOP), "DEV").unwrap();
        let sql: Vec<String> = added.statements().map(ToString::to_string).collect();
        assert!(sql.iter().all(|s| !s.contains("DROP CONSTRAINT")), "{sql:?}");
        assert!(
            sql.iter()
                .any(|s| s.ends_with("ADD CONSTRAINT UQ_FACT_SALES_GRAIN UNIQUE (RECEIPT)")),
            "{sql:?}"
        );
    }

    /// A bridge that starts dating its rows: its new columns arrive with
    /// their defaults (every existing row valid since its default), and its
    /// unique constraint is declared again with the start of validity. A
    /// bridge that joins other dimensions is refused.
    #[test]
    fn a_bridge_that_starts_dating_its_rows_redeclares_its_key() {
        let bridge = format!(
            "{SHOP}[[dimension]]\nname = \"DIM_TAG\"\nnatural_key = \"TAG\"\ncolumns = [{{ name = \"TAG\", type = \"varchar(20)\" }}]\n[[bridge]]\nname = \"BRIDGE_STORE_TAG\"\nbetween = [\"DIM_STORE\", \"DIM_TAG\"]\ncolumns = [\n]\n"
        );
        let dated = bridge
            .replace(
                "between = [\"DIM_STORE\", \"DIM_TAG\"]\n",
                "between = [\"DIM_STORE\", \"DIM_TAG\"]\neffective = { from = \"VALID_SINCE\", to = \"VALID_UNTIL\" }\n",
            )
            .replace(
                "columns = [\n]",
                "columns = [\n  { name = \"VALID_SINCE\", type = \"date\", nullable = false, default = \"1900-01-01\" },\n  { name = \"VALID_UNTIL\", type = \"date\", nullable = false, default = \"9999-12-31\" },\n]",
            );
        let plan = Plan::new(&load(&bridge), &load(&dated), "DEV").unwrap();
        assert_eq!(plan.count(Class::Unsupported), 0, "{}", plan.render());
        let sql: Vec<String> = plan.statements().map(ToString::to_string).collect();
        let t = "SHOP.DEV.BRIDGE_STORE_TAG";
        // The columns first, then the constraint that names one of them.
        assert_eq!(
            sql,
            [
                format!("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS VALID_SINCE DATE DEFAULT '1900-01-01'::DATE"),
                format!("UPDATE {t} SET VALID_SINCE = '1900-01-01'::DATE WHERE VALID_SINCE IS NULL"),
                format!("ALTER TABLE {t} ALTER COLUMN VALID_SINCE SET NOT NULL"),
                format!("ALTER TABLE {t} ADD COLUMN IF NOT EXISTS VALID_UNTIL DATE DEFAULT '9999-12-31'::DATE"),
                format!("UPDATE {t} SET VALID_UNTIL = '9999-12-31'::DATE WHERE VALID_UNTIL IS NULL"),
                format!("ALTER TABLE {t} ALTER COLUMN VALID_UNTIL SET NOT NULL"),
                format!("ALTER TABLE {t} DROP CONSTRAINT UQ_BRIDGE_STORE_TAG"),
                format!("ALTER TABLE {t} ADD CONSTRAINT UQ_BRIDGE_STORE_TAG UNIQUE (STORE_KEY, TAG_KEY, VALID_SINCE)"),
            ],
        );
        let other = bridge
            .replace(
                "between = [\"DIM_STORE\", \"DIM_TAG\"]",
                "between = [\"DIM_STORE\", \"DIM_COLOUR\"]",
            )
            .replace("name = \"DIM_TAG\"", "name = \"DIM_COLOUR\"");
        let plan = Plan::new(&load(&bridge), &load(&other), "DEV").unwrap();
        assert!(
            plan.render()
                .contains("the bridge joined DIM_STORE and DIM_TAG, joins DIM_STORE and DIM_COLOUR"),
            "{}",
            plan.render()
        );
    }

    /// A renamed table keeps its grants (Snowflake moves them with it): the
    /// grant the model now makes on the new name is no revoke of the old.
    #[test]
    fn a_renamed_table_keeps_its_grants_without_a_revoke() {
        let granted = format!(
            "{SHOP}[[role]]\nname = \"READER\"\ngrants = [{{ access = \"read\", objects = [\"FACT_SALES\"] }}]\n"
        );
        let renamed = granted
            .replace(
                "name = \"FACT_SALES\"",
                "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
            )
            .replace("objects = [\"FACT_SALES\"]", "objects = [\"FACT_RECEIPTS\"]");
        let plan = Plan::new(&load(&granted), &load(&renamed), "DEV").unwrap();
        assert!(
            plan.steps.iter().all(|s| !matches!(s.change, Change::Revoke { .. })),
            "{}",
            plan.render()
        );
        // A grant the model stops making on the renamed table is still revoked.
        let ungranted = renamed.replace("objects = [\"FACT_RECEIPTS\"]", "objects = [\"DIM_STORE\"]");
        let plan = Plan::new(&load(&granted), &load(&ungranted), "DEV").unwrap();
        assert_eq!(
            plan.steps
                .iter()
                .filter(|s| matches!(s.change, Change::Revoke { .. }))
                .count(),
            1,
            "{}",
            plan.render()
        );
    }

    /// A bridge's end shares its smart key's type: narrowed with it, the end
    /// is rebuilt inside the bridge's unique constraint (dropped first,
    /// declared again) and its foreign key declared again.
    #[test]
    fn a_bridge_end_follows_its_narrowed_smart_key() {
        let smart = format!(
            "{}[[dimension]]\nname = \"DIM_TAG\"\nnatural_key = \"TAG\"\ncolumns = [{{ name = \"TAG\", type = \"varchar(20)\" }}]\n[[bridge]]\nname = \"BRIDGE_STORE_TAG\"\nbetween = [\"DIM_STORE\", \"DIM_TAG\"]\n",
            SHOP.replace(
                "natural_key = \"STORE_ID\"",
                "natural_key = \"STORE_ID\"\nkey_generation = \"natural\"\nkey = \"STORE_ID\"",
            )
        );
        let narrowed = smart.replace(
            "{ name = \"STORE_ID\", type = \"int\" }",
            "{ name = \"STORE_ID\", type = \"number(10,0)\" }",
        );
        let plan = Plan::new(&load(&smart), &load(&narrowed), "DEV").unwrap();
        assert_eq!(plan.count(Class::Unsupported), 0, "{}", plan.render());
        let bridge: Vec<String> = plan
            .statements()
            .map(ToString::to_string)
            .filter(|s| s.starts_with("ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG ") && s.contains("CONSTRAINT"))
            .collect();
        assert_eq!(
            bridge,
            [
                "ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG DROP CONSTRAINT FK_BRIDGE_STORE_TAG_STORE_ID",
                "ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG DROP CONSTRAINT UQ_BRIDGE_STORE_TAG",
                "ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG ADD CONSTRAINT UQ_BRIDGE_STORE_TAG UNIQUE (STORE_ID, TAG_KEY)",
                "ALTER TABLE SHOP.DEV.BRIDGE_STORE_TAG ADD CONSTRAINT FK_BRIDGE_STORE_TAG_STORE_ID FOREIGN KEY (STORE_ID) REFERENCES SHOP.DEV.DIM_STORE (STORE_ID)",
            ],
            "{}",
            plan.render()
        );
    }
}
