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

use model_core::evolve::{Change, Class};
use model_core::{TableRef, Validated};

use crate::ddl::{self, Target};
use crate::writer::{self, AlterTable, ColumnDef, Expr, Statement, Value};
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
        let steps = model_core::evolve::diff(before, after)
            .into_iter()
            .map(|change| {
                let statements = statements(&target, &change);
                Step { change, statements }
            })
            .collect();
        Ok(Self { steps })
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

/// The statements of one change.
fn statements(target: &Target<'_>, change: &Change) -> Vec<Statement> {
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
        } => {
            let mut out = vec![alter(
                table,
                AlterTable::AddColumn(ColumnDef {
                    name: column.name.clone(),
                    sql_type: column.sql_type,
                    // Added nullable: existing rows have no value yet.
                    nullable: true,
                    default: None,
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
            if !column.nullable {
                // A NOT NULL reference: existing rows point at the unknown member.
                out.push(Statement::Update {
                    table: target.object(table),
                    set: vec![(column.name.clone(), Value::Int(-1))],
                    filter: vec![Expr::IsNull(Box::new(Expr::Column(None, column.name.clone())))],
                });
                out.push(alter(table, AlterTable::SetNotNull(column.name.clone())));
            }
            out
        }
        Change::RenameColumn { table, from, to } => {
            vec![alter(table, AlterTable::RenameColumn(from.clone(), to.clone()))]
        }
        Change::DropColumn { table, column, .. } => vec![alter(table, AlterTable::DropColumn(column.clone()))],
        Change::Widen { table, column, to, .. } => vec![alter(table, AlterTable::SetDataType(column.clone(), *to))],
        Change::DropNotNull { table, column } => vec![alter(table, AlterTable::DropNotNull(column.clone()))],
        // Snowflake refuses SET NOT NULL while a row holds NULL: the statement is its own check.
        Change::SetNotNull { table, column } => vec![alter(table, AlterTable::SetNotNull(column.clone()))],
        Change::ColumnComment { table, column, comment } => vec![alter(
            table,
            AlterTable::Comment(column.clone(), target.comment(comment.as_deref())),
        )],
        // `deploy.sql` creates new tables; what is not migrated yet refused the plan.
        _ => Vec::new(),
    }
}
