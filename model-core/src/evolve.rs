//! Schema evolution: what changed between the model as deployed and the
//! model now, table by table and column by column, each change with its
//! class (safe, careful, destructive) and why. Codegen turns the changes
//! into a migration (`dimgen::migrate`); this module holds no SQL.
//!
//! Compared are the physical layouts (what `CREATE TABLE` made), the loads
//! (landing tables and pipes), stages, marts and roles. What the new
//! `deploy.sql` creates by itself (a new table, mart, role, grant or load)
//! needs no statement; what it never takes back (a removed load, mart or
//! role) does. Grants and dynamic-table definitions are compared by codegen,
//! which knows them as statements. A catalog snapshot of the live schema
//! ([`Catalog`], [`diff_catalog`]) goes through the same column comparison.
//! What dimgen does not migrate is a change of its own class,
//! [`Class::Unsupported`], with its reason, so that nothing is skipped in
//! silence.

use std::fmt;

use crate::layout::PhysicalColumn;
use crate::model::{DefaultValue, KeyGeneration, TableRef};
use crate::types::DataType;
use crate::validated::Validated;

/// How risky a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing can be lost: the migration applies it.
    Safe,
    /// Applied, with a backfill or a check first.
    Careful,
    /// Loses data; applied only when allowed.
    Destructive,
    /// Not migrated: a change no migration can make without changing what
    /// rows or values mean (a new key generation, a reference repointed at
    /// another dimension), or one Snowflake cannot make; the plan refuses
    /// with the reason and what to do instead.
    Unsupported,
}

impl Class {
    /// `safe`, `careful`, `destructive`, `unsupported`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Careful => "careful",
            Self::Destructive => "destructive",
            Self::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A new table (the new `deploy.sql` creates it).
    AddTable {
        /// The table.
        table: String,
    },
    /// A table the model no longer has.
    DropTable {
        /// The table.
        table: String,
    },
    /// A new column. NOT NULL references are backfilled with the unknown
    /// member's key (-1) before NOT NULL is set.
    AddColumn {
        /// The table.
        table: String,
        /// The column as the new model lays it out.
        column: PhysicalColumn,
        /// The table is a dimension with an unknown member (its row gets
        /// the unknown value of the new column).
        unknown_member: bool,
        /// Its declared `default`: the value the rows already there get.
        default: Option<DefaultValue>,
    },
    /// A dimension's natural key or a fact's grain changed: its unique
    /// constraint is declared again on the new columns (Snowflake does not
    /// enforce it; the new `deploy.sql`'s MERGE matches rows on them).
    IdentityColumns {
        /// The table.
        table: String,
        /// `natural key` or `grain`.
        what: &'static str,
        /// The columns before.
        from: Vec<String>,
        /// The columns now.
        to: Vec<String>,
    },
    /// A dimension that starts keeping history (SCD1 -> SCD2): its
    /// housekeeping columns are added and every existing row becomes its
    /// member's current version, valid since the beginning of time.
    AddHistory {
        /// The dimension.
        table: String,
        /// `VALID_FROM`, `VALID_TO`, `IS_CURRENT`, as the new model lays them out.
        columns: Vec<PhysicalColumn>,
    },
    /// A dimension that stops keeping history (SCD2 -> SCD1): each member
    /// keeps its current version. What points at an older version is
    /// repointed at the current one first; then the older versions are
    /// deleted and the housekeeping columns dropped.
    DropHistory {
        /// The dimension.
        table: String,
        /// `VALID_FROM`, `VALID_TO`, `IS_CURRENT`, as deployed.
        columns: Vec<PhysicalColumn>,
        /// Each (table, column) of the new model that references it.
        references: Vec<(String, String)>,
    },
    /// A table renamed (`renamed_from`): its rows, grants and constraints
    /// move with it (the constraints named after it are renamed too), and
    /// so does its key's sequence. Its load's task and the views named after
    /// it are dropped: `deploy.sql` creates them under the new name.
    RenameTable {
        /// The name as deployed.
        from: String,
        /// The name now.
        to: String,
        /// It had a load (its task is named after it).
        loaded: bool,
        /// Its key is drawn from a sequence (named after it).
        sequence: bool,
    },
    /// A column renamed (`renamed_from`): its values move with it.
    RenameColumn {
        /// The table.
        table: String,
        /// The name as deployed.
        from: String,
        /// The name now.
        to: String,
    },
    /// A column the model no longer has.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        sql_type: DataType,
    },
    /// A type that grows in place (`VARCHAR(n)` longer, `NUMBER(p,s)` more
    /// precise at the same scale).
    Widen {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Type before.
        from: DataType,
        /// Type after.
        to: DataType,
    },
    /// A type that cannot change in place (narrower, another scale or
    /// family): the column is rebuilt (a new column filled with a cast, the
    /// old one dropped and the new one renamed). A natural key or grain
    /// column's unique constraint is declared again around it.
    ChangeType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Type before.
        from: DataType,
        /// Type after.
        to: DataType,
        /// The column links tables: a smart key (the foreign keys to it and
        /// its primary key are dropped before its rebuild, the primary key
        /// declared again after) or a reference sharing that key's type (its
        /// foreign key declared again after its rebuild).
        links: bool,
    },
    /// A reference that points at another dimension than deployed, or a
    /// column that stops being a reference.
    Repoint {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The dimension it referenced as deployed.
        from: String,
        /// The dimension it references now (`None`: none).
        to: Option<String>,
    },
    /// NOT NULL dropped.
    DropNotNull {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// NOT NULL set on an existing column (the migration checks for NULLs first).
    SetNotNull {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column's declared `default` set, changed or removed. Snowflake
    /// cannot set or change a constant default on a column that exists, nor
    /// drop one that `ALTER TABLE ... ADD COLUMN` declared (as an earlier
    /// migration does): the column is rebuilt with its values.
    ChangeDefault {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The default as deployed.
        from: Option<DefaultValue>,
        /// The default now.
        to: Option<DefaultValue>,
    },
    /// A column's comment changed.
    ColumnComment {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The new comment.
        comment: Option<String>,
    },
    /// The clustering key changed (no columns: none any more).
    ClusterBy {
        /// The table.
        table: String,
        /// The columns before.
        from: Vec<String>,
        /// The columns now.
        to: Vec<String>,
    },
    /// A load's pipe would copy differently. A pipe's COPY cannot be
    /// altered: the migration pauses it, waits for the files it has queued,
    /// recreates it and refreshes it from the moment of the pause, so that no
    /// file is lost or loaded twice.
    RecreatePipe {
        /// The table the load maintains.
        table: String,
        /// The pipe's name as deployed (as the model writes it).
        from: String,
        /// Its name now.
        pipe: String,
        /// What differs.
        reasons: Vec<String>,
        /// Its landing table renamed, as deployed and now (renamed, with its
        /// stream, while no pipe runs: the landed rows not yet merged stay).
        landing: Option<(String, String)>,
    },
    /// A stage whose URL or storage integration changed: altered while the
    /// pipes reading it are paused and drained, then the pipes are recreated
    /// and refreshed from the pause (an auto-ingest pipe does not follow a
    /// stage whose location changed). A change of its file format alone is
    /// altered in place (a pipe's COPY names its own format).
    ChangeStage {
        /// The stage.
        stage: String,
        /// What differs.
        reasons: Vec<String>,
        /// The deployed loads' pipes reading it, recreated around the change.
        pipes: Vec<PipeSwap>,
    },
    /// A load the model no longer has: its task, pipe, stream and landing
    /// table are dropped (rows landed and not yet merged are lost).
    DropLoad {
        /// The table it loaded.
        table: String,
        /// Its pipe (as the model writes it).
        pipe: String,
        /// Its landing table (as the model writes it).
        landing: String,
    },
    /// A mart the model no longer has, or whose kind changed between a view
    /// and a dynamic table (then `deploy.sql` creates it again).
    DropMart {
        /// The mart.
        mart: String,
        /// It was a dynamic table.
        dynamic: bool,
        /// The model still has it, as the other kind.
        replaced: bool,
    },
    /// A dynamic-table mart whose definition changed (found by comparing
    /// the two models' `deploy.sql`): `deploy.sql` replaces it, which
    /// recomputes every row.
    RefreshDynamicTable {
        /// The mart.
        mart: String,
    },
    /// A role the model no longer has.
    DropRole {
        /// The role (as the model writes it).
        role: String,
    },
    /// A privilege the model no longer grants (found by comparing the
    /// grants the two models' `deploy.sql` make).
    Revoke {
        /// The grantee.
        role: String,
        /// What is revoked, as SQL (`SELECT ON VIEW D.S.V`, `ROLE R`).
        grant: String,
    },
    /// A dimension that gains an unknown member: the -1 row is inserted,
    /// and the references to the dimension that hold NULL point at it.
    AddUnknownMember {
        /// The dimension.
        table: String,
        /// Every `(table, column)` referencing it that exists already.
        references: Vec<(String, String)>,
    },
    /// A dimension that loses its unknown member: the references pointing
    /// at -1 become NULL (they are nullable), their foreign keys stop being
    /// RELY, and the -1 row is deleted.
    DropUnknownMember {
        /// The dimension.
        table: String,
        /// Its key.
        key: String,
        /// Every `(table, column)` referencing it that exists already.
        references: Vec<(String, String)>,
    },
    /// A column that is no longer `pii` (of a table, a landing table or a
    /// dynamic table): its masking policy and tag are unset. (A column that
    /// becomes `pii`, or changes class or mask, needs no migration: every
    /// `deploy.sql` sets each PII column's policy with FORCE.)
    Unmask {
        /// The table, landing table or dynamic table.
        object: String,
        /// The column.
        column: String,
        /// A dynamic table.
        dynamic: bool,
    },
    /// Something dimgen does not migrate yet.
    Unsupported {
        /// The object.
        object: String,
        /// What changed, and what to do instead.
        what: String,
    },
}

/// A deployed pipe recreated by a [`Change::ChangeStage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipeSwap {
    /// The table its load maintains.
    pub table: String,
    /// The pipe's name as deployed (as the model writes it).
    pub from: String,
    /// Its name now.
    pub pipe: String,
    /// Its landing table renamed, as deployed and now.
    pub landing: Option<(String, String)>,
    /// What else differs in its COPY.
    pub reasons: Vec<String>,
}

impl Change {
    /// The class of this change.
    pub fn class(&self) -> Class {
        match self {
            Self::AddTable { .. } | Self::Widen { .. } | Self::DropNotNull { .. } | Self::ColumnComment { .. } => {
                Class::Safe
            }
            // Altered in place: no deployed pipe reads it.
            Self::ChangeStage { pipes, .. } if pipes.is_empty() => Class::Safe,
            Self::AddColumn { column, .. } if column.nullable => Class::Safe,
            // A NOT NULL reference is backfilled with the unknown member (-1),
            // another NOT NULL column with its declared default.
            Self::AddColumn { column, .. } if column.references.is_some() => Class::Careful,
            Self::AddColumn { default: Some(_), .. }
            | Self::SetNotNull { .. }
            | Self::ChangeDefault { .. }
            | Self::RenameTable { .. }
            | Self::AddHistory { .. }
            | Self::RenameColumn { .. }
            | Self::ClusterBy { .. }
            | Self::RecreatePipe { .. }
            | Self::ChangeStage { .. }
            | Self::DropMart { .. }
            | Self::RefreshDynamicTable { .. }
            | Self::IdentityColumns { .. }
            | Self::Unmask { .. }
            | Self::AddUnknownMember { .. }
            | Self::DropUnknownMember { .. }
            | Self::Repoint { to: None, .. }
            | Self::Revoke { .. } => Class::Careful,
            Self::DropTable { .. }
            | Self::DropColumn { .. }
            | Self::ChangeType { .. }
            | Self::DropLoad { .. }
            | Self::DropHistory { .. }
            | Self::DropRole { .. } => Class::Destructive,
            // Any other new NOT NULL column has no value for the existing
            // rows; a repointed reference's values are keys of another dimension.
            Self::AddColumn { .. } | Self::Repoint { .. } | Self::Unsupported { .. } => Class::Unsupported,
        }
    }

    /// The object changed (`TABLE` or `TABLE.COLUMN`).
    pub fn object(&self) -> String {
        match self {
            Self::AddTable { table }
            | Self::DropTable { table }
            | Self::ClusterBy { table, .. }
            | Self::AddHistory { table, .. }
            | Self::DropHistory { table, .. }
            | Self::IdentityColumns { table, .. }
            | Self::AddUnknownMember { table, .. }
            | Self::DropUnknownMember { table, .. } => table.clone(),
            Self::RenameTable { to, .. } => to.clone(),
            Self::AddColumn { table, column, .. } => format!("{table}.{}", column.name),
            Self::RenameColumn { table, to, .. } => format!("{table}.{to}"),
            Self::DropColumn { table, column, .. }
            | Self::Widen { table, column, .. }
            | Self::ChangeType { table, column, .. }
            | Self::Repoint { table, column, .. }
            | Self::DropNotNull { table, column }
            | Self::ChangeDefault { table, column, .. }
            | Self::SetNotNull { table, column }
            | Self::ColumnComment { table, column, .. } => format!("{table}.{column}"),
            Self::RecreatePipe { pipe, .. } => pipe.clone(),
            Self::ChangeStage { stage, .. } => stage.clone(),
            Self::DropLoad { landing, .. } => landing.clone(),
            Self::DropMart { mart, .. } | Self::RefreshDynamicTable { mart } => mart.clone(),
            Self::DropRole { role } => role.clone(),
            Self::Unmask { object, column, .. } => format!("{object}.{column}"),
            Self::Revoke { role, grant } => format!("{grant} FROM ROLE {role}"),
            Self::Unsupported { object, .. } => object.clone(),
        }
    }

    /// What changes, before → after, and why it has its class: one line for
    /// a reviewer.
    pub fn describe(&self) -> String {
        match self {
            Self::AddTable { .. } => "new table: created by the new deploy.sql".to_owned(),
            Self::DropTable { .. } => {
                "table removed from the model: dropping it loses its rows (UNDROP TABLE within Time Travel brings it back)"
                    .to_owned()
            }
            Self::AddColumn {
                column,
                default: Some(default),
                ..
            } if column.references.is_none() => format!(
                "new column {}{} with default {default}: added with its DEFAULT, existing rows get {default}{}",
                column.sql_type,
                if column.nullable { "" } else { " NOT NULL" },
                if column.nullable { "" } else { ", then NOT NULL" }
            ),
            Self::AddColumn {
                column,
                unknown_member: true,
                ..
            } if column.nullable => format!(
                "new column {}, nullable: added, existing rows hold NULL and the unknown member its unknown value",
                column.sql_type
            ),
            Self::AddColumn { column, .. } if column.nullable => {
                format!("new column {}, nullable: added, existing rows hold NULL", column.sql_type)
            }
            Self::AddColumn { column, .. } if column.references.is_some() => format!(
                "new reference {} NOT NULL: added nullable, existing rows get the unknown member (-1), then NOT NULL",
                column.sql_type
            ),
            Self::AddColumn { column, .. } => format!(
                "new column {} NOT NULL: existing rows have no value for it; declare a `default` for them, or make it nullable",
                column.sql_type
            ),
            Self::RenameTable {
                from, loaded, sequence, ..
            } => format!(
                "renamed from {from} (`renamed_from`): renamed in place with its rows, grants and constraints{}{}; the views named after {from} are dropped, and deploy.sql creates them, the marts{} under the new name",
                if *sequence {
                    "; its key's sequence is renamed and stays the key's default, so keys go on from where they were"
                } else {
                    ""
                },
                if *loaded {
                    "; its load's task is suspended and dropped first (the rows its stream holds wait for the new task)"
                } else {
                    ""
                },
                if *loaded { " and the new task" } else { "" }
            ),
            Self::RenameColumn { from, .. } => format!(
                "renamed from {from} (`renamed_from`): renamed in place, its values kept; queries and files that name {from} must follow"
            ),
            Self::DropColumn { sql_type, .. } => format!(
                "column {sql_type} is not in the model: dropping it loses its values (a rename? write `renamed_from = \"OLD\"` on the new column)"
            ),
            Self::Widen { from, to, .. } => format!("{from} -> {to}: grows in place"),
            Self::ChangeType { from, to, links, .. } => format!(
                "{from} -> {to}: cannot change in place (narrower, another scale or type family): rebuilt as a new column filled with CAST, then the old one dropped and the new one renamed (a value that does not fit fails the UPDATE before anything is dropped, but fewer decimal places round; the column moves to the end of the table; a natural key or grain column's unique constraint is dropped first and declared again after{}; Time Travel keeps the old column's values)",
                if *links {
                    "; a key's primary key and the foreign keys to it are dropped first, and each declared again once its column is rebuilt (the references to a key share its type, so each is rebuilt too, after it)"
                } else {
                    ""
                }
            ),
            Self::Repoint { from, to: Some(to), .. } => format!(
                "references {to}, was {from}: its values are keys of {from}, which mean nothing in {to}; add a new reference column for {to} (and drop this one), or keep it pointing at {from}"
            ),
            Self::Repoint { from, to: None, .. } => format!(
                "no longer references {from}: its foreign key is dropped, its values stay"
            ),
            Self::DropNotNull { .. } => "NOT NULL -> nullable".to_owned(),
            Self::ChangeDefault { from, to, .. } => format!(
                "default {} -> {}: Snowflake cannot alter a constant default in place, so the column is rebuilt with its values (a new column with the new default filled from the old one, the old one dropped and the new one renamed; the column moves to the end of the table); rows already there keep their values",
                from.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string),
                to.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string)
            ),
            Self::SetNotNull { .. } => "nullable -> NOT NULL: fails if a row holds NULL (checked first)".to_owned(),
            Self::ColumnComment { comment, .. } => match comment {
                Some(_) => "comment changed".to_owned(),
                None => "comment removed".to_owned(),
            },
            Self::AddHistory { columns, .. } => format!(
                "SCD1 -> SCD2: adds {}; every existing row becomes its member's current version, valid from 1900-01-01 until 9999-12-31 (its history starts now), and the natural key's unique constraint gains {}",
                columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
                crate::model::scd2::VALID_FROM
            ),
            Self::DropHistory { references, .. } => format!(
                "SCD2 -> SCD1: each member keeps only its current version; {} repointed at it first, then the older versions are deleted, VALID_FROM, VALID_TO and IS_CURRENT dropped, the natural key's unique constraint declared without VALID_FROM and the _CURRENT view dropped (the history is lost; Time Travel keeps it for its retention period)",
                if references.is_empty() {
                    "nothing references it, so nothing is".to_owned()
                } else {
                    format!("{} {}", listed(references), if references.len() == 1 { "is" } else { "are" })
                }
            ),
            Self::IdentityColumns { what, from, to, .. } => format!(
                "{what} [{}] -> [{}]: its unique constraint is declared again on the new columns; Snowflake does not enforce it, so rows already sharing the new {what} stay (find them with GROUP BY {} HAVING COUNT(*) > 1), and the new deploy.sql's MERGE matches landed rows on it",
                from.join(", "),
                to.join(", "),
                to.join(", ")
            ),
            Self::ClusterBy { from, to, .. } => {
                let list = |c: &[String]| if c.is_empty() { "none".to_owned() } else { format!("({})", c.join(", ")) };
                format!(
                    "clustering key {} -> {}: altered in place; automatic clustering then reorganises the table in the background, which costs credits",
                    list(from),
                    list(to)
                )
            }
            Self::RecreatePipe {
                table,
                from,
                reasons,
                landing,
                ..
            } => format!(
                "the pipe of the load of {table}{} would copy differently ({}): paused, its queued files waited for, {}recreated, then refreshed with MODIFIED_AFTER the pause (no file lost or loaded twice)",
                if from == &self.object() { String::new() } else { format!(", formerly {from},") },
                reasons.join(", "),
                match landing {
                    Some((was, now)) => format!(
                        "its landing table {was} renamed {now} with its stream (the rows landed and not yet merged stay for the task), then "
                    ),
                    None => String::new(),
                }
            ),
            Self::ChangeStage { reasons, pipes, .. } if pipes.is_empty() => format!(
                "the stage changed ({}): altered in place; no deployed pipe reads it",
                reasons.join(", ")
            ),
            Self::ChangeStage { reasons, pipes, .. } => format!(
                "the stage changed ({}): its pipes {} are paused and their queued files waited for, the stage is altered{}, the pipes recreated and refreshed with MODIFIED_AFTER the pause (files at the new location staged before the pause are not loaded: load them with COPY if they are needed)",
                reasons.join(", "),
                pipes
                    .iter()
                    .map(|p| if p.reasons.is_empty() {
                        p.from.clone()
                    } else {
                        format!("{} ({})", p.from, p.reasons.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                {
                    let landings: Vec<String> = pipes
                        .iter()
                        .filter_map(|p| p.landing.as_ref().map(|(was, now)| format!("{was} renamed {now}")))
                        .collect();
                    if landings.is_empty() {
                        String::new()
                    } else {
                        format!(" and the landing tables {} with their streams", landings.join(", "))
                    }
                }
            ),
            Self::DropLoad { table, pipe, .. } => format!(
                "the load of {table} is removed: its task is suspended and dropped, then its pipe {pipe}, its stream and this landing table (rows landed and not yet merged are lost; UNDROP TABLE within Time Travel brings the table back)"
            ),
            Self::DropMart {
                dynamic, replaced: true, ..
            } => format!(
                "{} -> {}: dropped, then deploy.sql creates it as the other kind (queries reading it fail in between; its grants go with it and deploy.sql makes them again)",
                if *dynamic { "dynamic table" } else { "view" },
                if *dynamic { "view" } else { "dynamic table" }
            ),
            Self::DropMart { dynamic, .. } => format!(
                "mart removed from the model: its {} is dropped (it holds no data of its own; queries and dashboards reading it fail, and its grants go with it)",
                if *dynamic { "dynamic table" } else { "view" }
            ),
            Self::RefreshDynamicTable { .. } => {
                "dynamic table redefined: deploy.sql replaces it (COPY GRANTS keeps its grants), which recomputes every row on its warehouse: a full refresh, in time and credits as large as the table".to_owned()
            }
            Self::DropRole { .. } => {
                "role removed from the model: DROP ROLE takes every grant to it and its place in the hierarchy with it; whoever used it loses that access (recreate it with the old model's deploy.sql)".to_owned()
            }
            Self::Revoke { .. } => {
                "no longer granted by the model: revoked (deploy.sql only grants, so without this the privilege would stay)".to_owned()
            }
            Self::AddUnknownMember { references, .. } => format!(
                "unknown member added: its -1 row is inserted{}; loads then point unmatched rows at it, and deploy.sql marks the foreign keys to it RELY",
                if references.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", and the NULLs of {} become -1 (a NULL reference would not survive an inner join the optimizer may drop)",
                        listed(references)
                    )
                }
            ),
            Self::DropUnknownMember { references, .. } => format!(
                "unknown member removed: {}its foreign keys stop being RELY (a NULL reference does not join), and the -1 row is deleted",
                if references.is_empty() {
                    String::new()
                } else {
                    format!("{} pointing at -1 become NULL, ", listed(references))
                }
            ),
            Self::Unmask { .. } => {
                "no longer `pii`: its masking policy and PII_CLASS tag are unset, so every role that reads it reads clear values (deploy.sql only sets policies, so without this the column would stay masked)".to_owned()
            }
            Self::Unsupported { what, .. } => what.clone(),
        }
    }
}

/// `T.C, U.D`: the columns a change names.
fn listed(columns: &[(String, String)]) -> String {
    columns
        .iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every column of `model` that references `dimension`: its table, name and
/// whether it is nullable, in creation order.
pub fn references_to(model: &Validated, dimension: &str) -> Vec<(String, String, bool)> {
    model
        .tables_in_order()
        .flat_map(|(t, layout)| {
            layout
                .iter()
                .filter(|c| c.references.as_deref() == Some(dimension))
                .map(move |c| (t.name().to_owned(), c.name.clone(), c.nullable))
        })
        .collect()
}

/// Whether `to` holds every value of `from` and Snowflake changes it in
/// place: a longer VARCHAR, or a NUMBER with more precision at the same scale.
pub fn widens(from: DataType, to: DataType) -> bool {
    match (from, to) {
        (DataType::Varchar(Some(a)), DataType::Varchar(b)) => b.is_none_or(|b| b >= a),
        (
            DataType::Number {
                precision: p1,
                scale: s1,
            },
            DataType::Number {
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1,
        _ => false,
    }
}

/// Every schema change from `before` (as deployed) to `after`, in the order
/// a migration applies them: tables in `after`'s creation order (each with
/// its column changes, in column order), then the tables dropped.
pub fn diff(before: &Validated, after: &Validated) -> Vec<Change> {
    let mut changes = Vec::new();
    let old_tables: Vec<(TableRef<'_>, &[PhysicalColumn])> = before.tables_in_order().collect();
    let find_old = |name: &str| old_tables.iter().find(|(t, _)| t.name() == name);
    let mut renamed: Vec<&str> = Vec::new();
    for (table, columns) in after.tables_in_order() {
        let found = find_old(table.name()).or_else(|| {
            let from = table.renamed_from()?;
            let old = find_old(from)?;
            renamed.push(from);
            changes.push(Change::RenameTable {
                from: from.to_owned(),
                to: table.name().to_owned(),
                loaded: before.loads.iter().any(|l| l.table == from),
                sequence: sequence_key(old.0),
            });
            Some(old)
        });
        let Some((old, old_columns)) = found else {
            changes.push(Change::AddTable {
                table: table.name().to_owned(),
            });
            continue;
        };
        table_changes(*old, old_columns, table, columns, after, &mut changes);
        if let (TableRef::Dimension(a), TableRef::Dimension(b)) = (old, table)
            && a.unknown_member != b.unknown_member
        {
            // The references that exist before the migration; one it adds
            // is backfilled when it is added.
            let existed = |t: &str, c: &str| {
                old_tables
                    .iter()
                    .any(|(o, layout)| o.name() == t && layout.iter().any(|p| p.name == c))
            };
            let (references, nullable): (Vec<(String, String)>, Vec<bool>) = references_to(after, &b.name)
                .into_iter()
                .filter(|(t, c, _)| existed(t, c))
                .map(|(t, c, nullable)| ((t, c), nullable))
                .unzip();
            let not_null: Vec<(String, String)> = references
                .iter()
                .zip(&nullable)
                .filter(|(_, nullable)| !**nullable)
                .map(|(r, _)| r.clone())
                .collect();
            changes.push(if b.unknown_member {
                Change::AddUnknownMember {
                    table: b.name.clone(),
                    references,
                }
            } else if not_null.is_empty() {
                Change::DropUnknownMember {
                    table: b.name.clone(),
                    key: b.key.clone(),
                    references,
                }
            } else {
                Change::Unsupported {
                    object: b.name.clone(),
                    what: format!(
                        "unknown_member removed, but {} NOT NULL: the rows pointing at -1 would have no value; make the reference nullable (they become NULL) or keep the unknown member",
                        listed(&not_null)
                    ),
                }
            });
        }
    }
    load_changes(before, after, &mut changes);
    stage_changes(before, after, &mut changes);
    // A pipe recreated around its stage's change is not recreated again.
    let swapped: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::ChangeStage { pipes, .. } => Some(pipes.iter().map(|p| p.pipe.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    changes.retain(|c| !matches!(c, Change::RecreatePipe { pipe, .. } if swapped.contains(pipe)));
    access_changes(before, after, &mut changes);
    masking_changes(before, after, &mut changes);
    let new_names: Vec<&str> = after.tables().map(TableRef::name).collect();
    for (old, _) in &old_tables {
        if !new_names.contains(&old.name()) && !renamed.contains(&old.name()) {
            changes.push(Change::DropTable {
                table: old.name().to_owned(),
            });
        }
    }
    changes
}

fn table_changes(
    old: TableRef<'_>,
    old_columns: &[PhysicalColumn],
    new: TableRef<'_>,
    columns: &[PhysicalColumn],
    after: &Validated,
    changes: &mut Vec<Change>,
) {
    let name = new.name().to_owned();
    let unsupported = |what: String| Change::Unsupported {
        object: name.clone(),
        what,
    };
    let is_history = |c: &PhysicalColumn| {
        matches!(
            c.origin,
            crate::layout::Origin::ValidFrom | crate::layout::Origin::ValidTo | crate::layout::Origin::IsCurrent
        )
    };
    let mut history_added = false;
    let mut history_dropped = false;
    // A unique constraint declared again on new columns: after the columns
    // are added (below).
    let mut identity = Vec::new();
    // Keys, constraints and history are the table's identity.
    match (old, new) {
        (TableRef::Dimension(a), TableRef::Dimension(b)) => {
            if !a.keeps_history() && b.keeps_history() {
                history_added = true;
                changes.push(Change::AddHistory {
                    table: name.clone(),
                    columns: columns.iter().filter(|c| is_history(c)).cloned().collect(),
                });
            } else if a.keeps_history() && !b.keeps_history() {
                history_dropped = true;
                // Every column of the new model that points at this dimension.
                let references = references_to(after, &b.name)
                    .into_iter()
                    .map(|(t, c, _)| (t, c))
                    .collect();
                changes.push(Change::DropHistory {
                    table: name.clone(),
                    columns: old_columns.iter().filter(|c| is_history(c)).cloned().collect(),
                    references,
                });
            }
            // A surrogate key renamed (e.g. with its table) is a column rename, below.
            let renamed_key = a.key_generation != KeyGeneration::Natural;
            if a.key_generation != b.key_generation || (a.key != b.key && !renamed_key) {
                changes.push(unsupported(format!(
                    "key {} ({}) -> {} ({}): Snowflake cannot switch a column between IDENTITY, a sequence and none, and a new key would re-key every row and every reference to it; dimgen does not generate that: keep the generation, or build the new table beside this one",
                    a.key,
                    generation(a.key_generation),
                    b.key,
                    generation(b.key_generation)
                )));
            }
            // A smart key is the natural key: changing it changes the key (refused above).
            if a.natural_key != b.natural_key && b.key_generation != KeyGeneration::Natural {
                identity.push(Change::IdentityColumns {
                    table: name.clone(),
                    what: "natural key",
                    from: a.natural_key.clone(),
                    to: b.natural_key.clone(),
                });
            } else if a.natural_key != b.natural_key {
                changes.push(unsupported(format!(
                    "natural key [{}] -> [{}] of a smart key: the key is the natural key, so every row and every reference to it would be re-keyed; dimgen does not generate that: keep the natural key, or build the new table beside this one",
                    a.natural_key.join(", "),
                    b.natural_key.join(", ")
                )));
            }
            // A new or removed unknown member is `Change::{Add,Drop}UnknownMember` (in `diff`).
        }
        (TableRef::Fact(a), TableRef::Fact(b)) => {
            if a.key_generation != b.key_generation {
                changes.push(unsupported(format!(
                    "key {} ({}) -> {} ({}): Snowflake cannot switch a column between IDENTITY, a sequence and none, and a new key would re-key every row and every reference to it; dimgen does not generate that: keep the generation, or build the new table beside this one",
                    a.key,
                    generation(a.key_generation),
                    b.key,
                    generation(b.key_generation)
                )));
            }
            if a.grain.columns != b.grain.columns {
                identity.push(Change::IdentityColumns {
                    table: name.clone(),
                    what: "grain",
                    from: a.grain.columns.clone(),
                    to: b.grain.columns.clone(),
                });
            }
        }
        (TableRef::Bridge(a), TableRef::Bridge(b)) => {
            // The same dimensions under new names are the same bridge.
            let same = a.dimensions.len() == b.dimensions.len()
                && a.dimensions
                    .iter()
                    .zip(&b.dimensions)
                    .all(|(was, now)| same_dimension(after, was, now));
            if !same {
                changes.push(unsupported(format!(
                    "the bridge joined {}, joins {}: its rows relate other members; create a new bridge (another name) and load it",
                    a.dimensions.join(" and "),
                    b.dimensions.join(" and ")
                )));
            } else if a.effective.as_ref().map(|e| &e.from) != b.effective.as_ref().map(|e| &e.from) {
                // Its key: its two ends, and where validity starts.
                let key = |layout: &[PhysicalColumn], effective: Option<&crate::model::EffectiveDating>| {
                    layout
                        .iter()
                        .filter(|c| matches!(c.origin, crate::layout::Origin::BridgeEnd(_)))
                        .map(|c| c.name.clone())
                        .chain(effective.map(|e| e.from.clone()))
                        .collect::<Vec<_>>()
                };
                identity.push(Change::IdentityColumns {
                    table: name.clone(),
                    what: "bridge key",
                    from: key(old_columns, a.effective.as_ref()),
                    to: key(columns, b.effective.as_ref()),
                });
            }
        }
        (a, b) => {
            changes.push(unsupported(format!(
                "was a {}, is a {}: not migrated",
                a.kind().as_str(),
                b.kind().as_str()
            )));
            return;
        }
    }
    if old.cluster_by() != new.cluster_by() {
        changes.push(Change::ClusterBy {
            table: name.clone(),
            from: old.cluster_by().to_vec(),
            to: new.cluster_by().to_vec(),
        });
    }
    let old_default = |c: &PhysicalColumn| declared(old, c).and_then(|d| d.default.clone());
    // The history columns of a dimension that starts or stops keeping history go with that change.
    let old_columns: Vec<PhysicalColumn> = old_columns
        .iter()
        .filter(|c| !(history_dropped && is_history(c)))
        .cloned()
        .collect();
    let old_columns = old_columns.as_slice();
    let columns: Vec<PhysicalColumn> = columns
        .iter()
        .filter(|c| !(history_added && is_history(c)))
        .cloned()
        .collect();
    let same = |was: &str, now: &str| same_dimension(after, was, now);
    column_changes(
        &name,
        new,
        old_columns,
        &columns,
        Some(&old_default),
        Some(&same),
        changes,
    );
    changes.extend(identity);
}

/// Whether dimension `was` (as deployed) is `now` of `after`: the same
/// name, or `now` renamed from it.
fn same_dimension(after: &Validated, was: &str, now: &str) -> bool {
    was == now || after.dimension(now).and_then(|d| d.renamed_from.as_deref()) == Some(was)
}

/// A deployed column's declared default.
type OldDefault<'a> = dyn Fn(&PhysicalColumn) -> Option<DefaultValue> + 'a;

/// Whether a dimension as deployed (first) is the one a reference names now.
type SameDimension<'a> = dyn Fn(&str, &str) -> bool + 'a;

/// The changes of one table's columns (`old_columns` as deployed, `columns`
/// now): renames, additions, type, nullability, default and comment changes,
/// drops. `old_default` gives a deployed column's declared default; without
/// it (a catalog baseline) defaults are not compared.
fn column_changes(
    name: &str,
    new: TableRef<'_>,
    old_columns: &[PhysicalColumn],
    columns: &[PhysicalColumn],
    old_default: Option<&OldDefault<'_>>,
    same_dimension: Option<&SameDimension<'_>>,
    changes: &mut Vec<Change>,
) {
    let name = name.to_owned();
    let renamed_from = |c: &PhysicalColumn| match c.origin {
        crate::layout::Origin::Declared(i) => new.columns().get(i).and_then(|d| d.renamed_from.clone()),
        _ => None,
    };
    let mut renamed: Vec<String> = Vec::new();
    for column in columns {
        let by_name = old_columns.iter().find(|c| c.name == column.name);
        let by_rename = || {
            // The surrogate key under another name (the generation is the same: checked above).
            if let crate::layout::Origin::SurrogateKey(_) = column.origin {
                return old_columns
                    .iter()
                    .find(|c| matches!(c.origin, crate::layout::Origin::SurrogateKey(_)));
            }
            let from = renamed_from(column)?;
            old_columns.iter().find(|c| c.name == from)
        };
        let before = match by_name {
            Some(before) => Some(before),
            None => by_rename().inspect(|before| {
                renamed.push(before.name.clone());
                changes.push(Change::RenameColumn {
                    table: name.clone(),
                    from: before.name.clone(),
                    to: column.name.clone(),
                });
            }),
        };
        let Some(before) = before else {
            changes.push(Change::AddColumn {
                table: name.clone(),
                column: column.clone(),
                unknown_member: matches!(new, TableRef::Dimension(d) if d.unknown_member),
                default: declared(new, column).and_then(|d| d.default.clone()),
            });
            continue;
        };
        let now = declared(new, column).and_then(|d| d.default.clone());
        let was = old_default.map(|f| f(before));
        // A column rebuilt for its type gets its new default with it.
        let rebuilt = before.sql_type != column.sql_type && !widens(before.sql_type, column.sql_type);
        if let Some(was) = was
            && was != now
            && !rebuilt
        {
            changes.push(Change::ChangeDefault {
                table: name.clone(),
                column: column.name.clone(),
                from: was,
                to: now,
            });
        }
        let at = |c: &PhysicalColumn| (name.clone(), c.name.clone());
        if let (Some(same), Some(was)) = (same_dimension, &before.references)
            && column.references.as_ref().is_none_or(|now| !same(was, now))
        {
            let (table, column_name) = at(column);
            changes.push(Change::Repoint {
                table,
                column: column_name,
                from: was.clone(),
                to: column.references.clone(),
            });
        } else if same_dimension.is_some()
            && before.references.is_none()
            && let Some(now) = &column.references
        {
            changes.push(Change::Unsupported {
                object: format!("{name}.{}", column.name),
                what: format!(
                    "becomes a reference to {now}: its values are not keys of {now}; add a new reference column (its load looks the keys up) and drop this one"
                ),
            });
        }
        if before.sql_type != column.sql_type {
            let (table, column_name) = at(column);
            changes.push(if widens(before.sql_type, column.sql_type) {
                Change::Widen {
                    table,
                    column: column_name,
                    from: before.sql_type,
                    to: column.sql_type,
                }
            } else if let crate::layout::Origin::SurrogateKey(generation) = column.origin {
                // (Only a catalog shows one: the model gives every surrogate key one type.)
                Change::Unsupported {
                    object: format!("{table}.{column_name}"),
                    what: format!(
                        "{} -> {}: a surrogate key rebuilt as a new column would lose its {} default, and Snowflake cannot add one to a column; restore the type by hand",
                        before.sql_type,
                        column.sql_type,
                        generation_default(generation)
                    ),
                }
            } else {
                Change::ChangeType {
                    table,
                    column: column_name,
                    from: before.sql_type,
                    to: column.sql_type,
                    links: links(new, column),
                }
            });
        }
        if before.nullable != column.nullable {
            let (table, column_name) = at(column);
            changes.push(if column.nullable {
                Change::DropNotNull {
                    table,
                    column: column_name,
                }
            } else {
                Change::SetNotNull {
                    table,
                    column: column_name,
                }
            });
        }
        if before.comment != column.comment {
            let (table, column_name) = at(column);
            changes.push(Change::ColumnComment {
                table,
                column: column_name,
                comment: column.comment.clone(),
            });
        }
    }
    for before in old_columns {
        if !columns.iter().any(|c| c.name == before.name) && !renamed.contains(&before.name) {
            changes.push(Change::DropColumn {
                table: name.clone(),
                column: before.name.clone(),
                sql_type: before.sql_type,
            });
        }
    }
}

/// The masked columns of the model as deployed that the model now has but
/// no longer masks. What is dropped or renamed is not unset: a dropped
/// column takes its policy with it, a renamed one keeps it (and a
/// rename that also drops `pii` is left masked; unset it by hand).
fn masking_changes(before: &Validated, after: &Validated, changes: &mut Vec<Change>) {
    use crate::masking::Holder;
    let now = after.masking();
    let kept = |object: &str, column: &str| now.columns.iter().any(|c| c.object == object && c.column == column);
    let exists = |holder: Holder, object: &str, column: &str| match holder {
        Holder::Table => after
            .tables_in_order()
            .any(|(t, layout)| t.name() == object && layout.iter().any(|c| c.name == column)),
        Holder::Landing => after
            .loads()
            .any(|l| l.load.landing == object && l.plan.columns.iter().any(|c| c.name == column)),
        Holder::DynamicTable => after.mart_plans().iter().any(|p| {
            let mart = &after.marts[p.mart];
            mart.name == object
                && matches!(mart.kind, crate::model::MartKind::DynamicTable { .. })
                && p.select.iter().any(|(_, name)| name == column)
        }),
    };
    for was in &before.masking().columns {
        if !kept(&was.object, &was.column) && exists(was.holder, &was.object, &was.column) {
            changes.push(Change::Unmask {
                object: was.object.clone(),
                column: was.column.clone(),
                dynamic: was.holder == Holder::DynamicTable,
            });
        }
    }
}

/// Whether `column` of `table` links tables: a key (a surrogate key, a
/// smart key, a bridge's end) or a reference. Foreign keys of other tables
/// name it, or it names another table's key, and its type is that key's:
/// a type change of one is a rebuild of every table it links. (A natural
/// key or grain column is only in its own table's unique constraint: its
/// type change rebuilds the column with the constraint declared again.)
fn links(table: TableRef<'_>, column: &PhysicalColumn) -> bool {
    let smart_key =
        matches!(table, TableRef::Dimension(d) if d.key_generation == KeyGeneration::Natural && d.key == column.name);
    smart_key
        || column.references.is_some()
        || !matches!(
            column.origin,
            crate::layout::Origin::Declared(_)
                | crate::layout::Origin::ValidFrom
                | crate::layout::Origin::ValidTo
                | crate::layout::Origin::IsCurrent
        )
}

/// The declared column behind a physical one, if it is declared.
fn declared<'m>(table: TableRef<'m>, column: &PhysicalColumn) -> Option<&'m crate::model::Column> {
    match column.origin {
        crate::layout::Origin::Declared(i) => table.columns().get(i),
        _ => None,
    }
}

/// The deployed load that `new` continues: the load of the same table, or
/// of the table it was renamed from (a table has one load at most).
fn deployed_load<'a, 'm>(
    old: &'a [crate::ingest::Resolved<'m>],
    new: &crate::ingest::Resolved<'_>,
) -> Option<&'a crate::ingest::Resolved<'m>> {
    old.iter().find(|o| o.load.table == new.load.table).or_else(|| {
        let from = new.table.table().renamed_from()?;
        old.iter().find(|o| o.load.table == from)
    })
}

/// The landing tables and pipes of the loads. A new load is created by
/// `deploy.sql`; a landing table gains new columns in place (under its name
/// as deployed); a pipe whose COPY would change is recreated (pause, wait,
/// recreate, refresh with `MODIFIED_AFTER`), its landing table renamed in
/// between if its name changed; a removed load's task, pipe, stream and
/// landing table are dropped.
fn load_changes(before: &Validated, after: &Validated, changes: &mut Vec<Change>) {
    let old: Vec<crate::ingest::Resolved<'_>> = before.loads().collect();
    for new in after.loads() {
        let Some(was) = deployed_load(&old, &new) else {
            changes.push(Change::AddTable {
                table: new.load.landing.clone(),
            });
            continue;
        };
        // Column changes apply to the landing table as deployed: a new name
        // comes with the pipe's runbook, after them.
        let landing = was.load.landing.clone();
        // A landing column carrying a renamed column of the table is renamed
        // too, and so is a reference's lookup column the files now name
        // otherwise (`fields`).
        let renamed_from = |landing: &crate::ingest::LandingColumn| -> Option<String> {
            use crate::ingest::Landing;
            // The same column under another landing name (`fields` changed).
            let same = was
                .columns
                .iter()
                .find(|c| c.landing == landing.landing && c.name != landing.name)
                .map(|c| c.name.clone());
            match &landing.landing {
                Landing::Lookup { .. } => same,
                Landing::Value { column } => same.or_else(|| {
                    // The table's column renamed (`renamed_from`): its old landing column.
                    let declared = new.table.columns().iter().find(|c| &c.name == column)?;
                    let from = declared.renamed_from.clone()?;
                    was.columns
                        .iter()
                        .find(|c| c.landing == Landing::Value { column: from.clone() })
                        .map(|c| c.name.clone())
                }),
                Landing::Metadata(_) => None,
            }
        };
        let mut renamed: Vec<String> = Vec::new();
        for (i, column) in new.columns.iter().enumerate() {
            if !was.columns.iter().any(|c| c.name == column.name)
                && let Some(from) = renamed_from(column)
            {
                changes.push(Change::RenameColumn {
                    table: landing.clone(),
                    from: from.clone(),
                    to: column.name.clone(),
                });
                renamed.push(from);
                continue;
            }
            match was.columns.iter().find(|c| c.name == column.name) {
                None => changes.push(Change::AddColumn {
                    table: landing.clone(),
                    column: PhysicalColumn {
                        name: column.name.clone(),
                        sql_type: column.sql_type,
                        // Every landing column is nullable.
                        nullable: true,
                        comment: None,
                        references: None,
                        origin: crate::layout::Origin::Declared(i),
                    },
                    unknown_member: false,
                    default: None,
                }),
                // A landing table holds rows on their way to the MERGE: its
                // columns widen in place or are rebuilt like any other.
                Some(c) if c.sql_type != column.sql_type => changes.push(if widens(c.sql_type, column.sql_type) {
                    Change::Widen {
                        table: landing.clone(),
                        column: column.name.clone(),
                        from: c.sql_type,
                        to: column.sql_type,
                    }
                } else {
                    Change::ChangeType {
                        table: landing.clone(),
                        column: column.name.clone(),
                        from: c.sql_type,
                        to: column.sql_type,
                        links: false,
                    }
                }),
                Some(_) => {}
            }
        }
        for column in &was.columns {
            if !new.columns.iter().any(|c| c.name == column.name) && !renamed.contains(&column.name) {
                changes.push(Change::DropColumn {
                    table: landing.clone(),
                    column: column.name.clone(),
                    sql_type: column.sql_type,
                });
            }
        }
        let reasons = pipe_differences(was, &new);
        if !reasons.is_empty() {
            changes.push(Change::RecreatePipe {
                table: new.load.table.clone(),
                from: was.load.pipe.clone(),
                pipe: new.load.pipe.clone(),
                reasons,
                landing: landing_renamed(was, &new),
            });
        }
    }
    let continued: Vec<&str> = after
        .loads()
        .filter_map(|new| deployed_load(&old, &new).map(|was| was.load.table.as_str()))
        .collect();
    for was in &old {
        if !continued.contains(&was.load.table.as_str()) {
            changes.push(Change::DropLoad {
                table: was.load.table.clone(),
                pipe: was.load.pipe.clone(),
                landing: was.load.landing.clone(),
            });
        }
    }
}

/// Marts and roles the model no longer has (or a mart whose kind changed
/// between a view and a dynamic table, which `CREATE OR REPLACE` of the
/// other kind cannot replace): `deploy.sql` creates what is new, but drops
/// nothing.
fn access_changes(before: &Validated, after: &Validated, changes: &mut Vec<Change>) {
    let dynamic = |m: &crate::model::Mart| matches!(m.kind, crate::model::MartKind::DynamicTable { .. });
    for mart in &before.marts {
        match after.marts.iter().find(|m| m.name == mart.name) {
            Some(now) if dynamic(now) == dynamic(mart) => {}
            now => changes.push(Change::DropMart {
                mart: mart.name.clone(),
                dynamic: dynamic(mart),
                replaced: now.is_some(),
            }),
        }
    }
    for role in &before.roles {
        if !after.roles.iter().any(|r| r.name == role.name) {
            changes.push(Change::DropRole {
                role: role.name.clone(),
            });
        }
    }
}

/// Whether a table's key is drawn from a sequence (named after the table).
fn sequence_key(table: TableRef<'_>) -> bool {
    match table {
        TableRef::Dimension(d) => d.key_generation == KeyGeneration::Sequence,
        TableRef::Fact(f) => f.key_generation == KeyGeneration::Sequence,
        TableRef::Bridge(_) => false,
    }
}

/// The landing table of a continued load under another name: (as deployed, now).
fn landing_renamed(was: &crate::ingest::Resolved<'_>, new: &crate::ingest::Resolved<'_>) -> Option<(String, String)> {
    (was.load.landing != new.load.landing).then(|| (was.load.landing.clone(), new.load.landing.clone()))
}

/// Stages are created once and never altered by `deploy.sql`. A stage whose
/// URL or storage integration changed is altered while the pipes reading it
/// are paused and drained, and the pipes are recreated (`ALTER STAGE ... SET
/// URL` stops a stage's auto-ingest pipes); a file format alone is altered
/// in place. An internal stage cannot become external, nor the reverse.
fn stage_changes(before: &Validated, after: &Validated, changes: &mut Vec<Change>) {
    let old: Vec<crate::ingest::Resolved<'_>> = before.loads().collect();
    for stage in &after.stages {
        let Some(was) = before.stages.iter().find(|s| s.name == stage.name) else {
            continue;
        };
        if was.url.is_some() != stage.url.is_some() {
            changes.push(Change::Unsupported {
                object: stage.name.clone(),
                what: format!(
                    "the stage was {}, is {}: Snowflake cannot alter one into the other; give the new stage another name (the loads then move to it through their pipes' runbooks)",
                    if was.url.is_some() { "external" } else { "internal" },
                    if stage.url.is_some() { "external" } else { "internal" },
                ),
            });
            continue;
        }
        let mut reasons = Vec::new();
        if was.url != stage.url {
            reasons.push(format!(
                "URL {} -> {}",
                was.url.as_deref().unwrap_or_default(),
                stage.url.as_deref().unwrap_or_default()
            ));
        }
        if was.storage_integration != stage.storage_integration {
            reasons.push(format!(
                "storage integration {} -> {}",
                was.storage_integration, stage.storage_integration
            ));
        }
        let moved = !reasons.is_empty();
        if was.file_format != stage.file_format {
            reasons.push(format!("file format {} -> {}", was.file_format, stage.file_format));
        }
        if reasons.is_empty() {
            continue;
        }
        let pipes = if moved {
            after
                .loads()
                .filter(|new| new.load.stage == stage.name)
                .filter_map(|new| {
                    let was = deployed_load(&old, &new)?;
                    Some(PipeSwap {
                        table: new.load.table.clone(),
                        from: was.load.pipe.clone(),
                        pipe: new.load.pipe.clone(),
                        landing: landing_renamed(was, &new),
                        reasons: pipe_differences(was, &new),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        changes.push(Change::ChangeStage {
            stage: stage.name.clone(),
            reasons,
            pipes,
        });
    }
}

/// What makes the pipe of a load copy differently (a pipe's COPY cannot be
/// altered: it is recreated), one phrase per difference.
fn pipe_differences(was: &crate::ingest::Resolved<'_>, new: &crate::ingest::Resolved<'_>) -> Vec<String> {
    let (a, b) = (was.load, new.load);
    let mut out = Vec::new();
    let mut differs = |what: &str, changed: bool| {
        if changed {
            out.push(what.to_owned());
        }
    };
    differs("its name", a.pipe != b.pipe);
    differs("its landing table", a.landing != b.landing);
    differs("its stage", a.stage != b.stage);
    differs("its path", a.path != b.path);
    differs("its file format", was.format.name != new.format.name);
    differs("its column mapping", a.mapping != b.mapping);
    differs("the file metadata it records", a.metadata != b.metadata);
    differs("AUTO_INGEST", a.auto_ingest != b.auto_ingest);
    differs("AWS_SNS_TOPIC", a.aws_sns_topic != b.aws_sns_topic);
    differs("ERROR_INTEGRATION", a.error_integration != b.error_integration);
    differs("PATTERN", a.pattern != b.pattern);
    differs("ON_ERROR", a.on_error != b.on_error);
    // A COPY with a projection names every data column, by position.
    let positional = |r: &crate::ingest::Resolved<'_>| {
        matches!(r.load.mapping, crate::model::CopyMapping::Projection { .. }).then(|| {
            r.data_columns()
                .map(|c| (c.name.clone(), c.sql_type))
                .collect::<Vec<_>>()
        })
    };
    let (before, after) = (positional(was), positional(new));
    if before.is_some() && after.is_some() && before != after {
        let gained: Vec<String> = after
            .iter()
            .flatten()
            .filter(|c| !before.iter().flatten().any(|o| o.0 == c.0))
            .map(|c| c.0.clone())
            .collect();
        if gained.is_empty() {
            differs("the columns its COPY projects", true);
        } else {
            out.push(format!("its COPY projects new columns ({})", gained.join(", ")));
        }
    }
    out
}

/// The tables of a deployed schema as its `INFORMATION_SCHEMA` shows them
/// (`dimgen catalog-query`): the baseline for drift made by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Base tables, each with its columns in ordinal order.
    pub tables: Vec<CatalogTable>,
    /// The schema's pipes, when the snapshot has them (`None`: taken
    /// without, e.g. `dimgen catalog-query --no-pipes`).
    pub pipes: Option<Vec<CatalogPipe>>,
}

/// One pipe of a [`Catalog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPipe {
    /// Its name, as stored.
    pub name: String,
    /// The COPY statement it runs, as stored (`DEFINITION`).
    pub definition: String,
    /// `IS_AUTOINGEST_ENABLED`.
    pub auto_ingest: bool,
}

/// One table of a [`Catalog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogTable {
    /// Its name, as stored.
    pub name: String,
    /// Its columns, in ordinal order.
    pub columns: Vec<CatalogColumn>,
}

/// One column of a [`CatalogTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogColumn {
    /// Its name, as stored.
    pub name: String,
    /// Its type.
    pub sql_type: DataType,
    /// `IS_NULLABLE = 'YES'`.
    pub nullable: bool,
    /// Its comment.
    pub comment: Option<String>,
}

impl Catalog {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&CatalogTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// A column type from `INFORMATION_SCHEMA.COLUMNS`: `DATA_TYPE` with its
/// length, precision and scale. `TEXT` of Snowflake's maximum length is a
/// VARCHAR declared without one.
///
/// # Errors
///
/// A `DATA_TYPE` dimgen does not know (it names it).
pub fn catalog_type(
    data_type: &str,
    length: Option<u64>,
    precision: Option<u64>,
    scale: Option<u64>,
) -> Result<DataType, String> {
    Ok(match data_type.to_ascii_uppercase().as_str() {
        "NUMBER" | "DECIMAL" | "NUMERIC" => {
            let p = precision.unwrap_or(38);
            let s = scale.unwrap_or(0);
            DataType::Number {
                precision: u8::try_from(p).map_err(|_| format!("NUMBER precision {p}"))?,
                scale: u8::try_from(s).map_err(|_| format!("NUMBER scale {s}"))?,
            }
        }
        "TEXT" | "VARCHAR" | "STRING" => match length {
            None | Some(16_777_216) => DataType::Varchar(None),
            Some(n) => DataType::Varchar(Some(u32::try_from(n).map_err(|_| format!("VARCHAR length {n}"))?)),
        },
        "FLOAT" | "DOUBLE" | "REAL" => DataType::Float,
        "BOOLEAN" => DataType::Boolean,
        "DATE" => DataType::Date,
        "TIME" => DataType::Time,
        "TIMESTAMP_NTZ" | "DATETIME" => DataType::TimestampNtz,
        "TIMESTAMP_LTZ" => DataType::TimestampLtz,
        "TIMESTAMP_TZ" => DataType::TimestampTz,
        "VARIANT" => DataType::Variant,
        "OBJECT" => DataType::Object,
        "ARRAY" => DataType::Array,
        "BINARY" => DataType::Binary,
        other => return Err(format!("DATA_TYPE {other} is not a type dimgen models")),
    })
}

/// Every change from the schema as the catalog shows it to `after` in
/// environment `env`: the column changes of each table and landing table
/// (comments as the environment resolves them); a table the catalog lacks
/// is new. A catalog does not show keys, SCD types, defaults, pipes, roles
/// or grants, so nothing about them is compared; a table of the schema the
/// model does not have is left alone (the second value lists them: a
/// catalog cannot tell a table dropped from the model from one dimgen never
/// made).
pub fn diff_catalog(
    catalog: &Catalog,
    after: &Validated,
    env: &crate::model::Environment,
) -> (Vec<Change>, Vec<String>) {
    let resolve =
        |text: &str| crate::interpolate::resolve(text, &env.name, &env.vars).unwrap_or_else(|_| text.to_owned());
    let physical = |t: &CatalogTable| -> Vec<PhysicalColumn> {
        t.columns
            .iter()
            .map(|c| PhysicalColumn {
                name: c.name.clone(),
                sql_type: c.sql_type,
                nullable: c.nullable,
                comment: c.comment.clone(),
                references: None,
                // Not declared by any model: no rename, key or default is read from it.
                origin: crate::layout::Origin::Declared(usize::MAX),
            })
            .collect()
    };
    let mut changes = Vec::new();
    let mut known: Vec<String> = Vec::new();
    // The tables found under the name they were renamed from.
    let mut renamed: Vec<String> = Vec::new();
    for (table, columns) in after.tables_in_order() {
        let resolved: Vec<PhysicalColumn> = columns
            .iter()
            .map(|c| PhysicalColumn {
                comment: c.comment.as_deref().map(resolve),
                ..c.clone()
            })
            .collect();
        let found = catalog.table(table.name()).or_else(|| {
            let from = table.renamed_from()?;
            let old = catalog.table(from)?;
            changes.push(Change::RenameTable {
                from: from.to_owned(),
                to: table.name().to_owned(),
                loaded: after.loads.iter().any(|l| l.table == table.name()),
                sequence: sequence_key(table),
            });
            renamed.push(table.name().to_owned());
            Some(old)
        });
        let Some(old) = found else {
            changes.push(Change::AddTable {
                table: table.name().to_owned(),
            });
            continue;
        };
        known.push(old.name.clone());
        let mut deployed = physical(old);
        if renamed.iter().any(|r| r == table.name()) {
            // The surrogate key named after the table as deployed, when it
            // took its default name: paired with the key now (a rename).
            let old_key = match table {
                TableRef::Dimension(d) if d.key_generation != KeyGeneration::Natural => Some(
                    crate::lower::dimension_key(&old.name, None, d.key_generation, &d.natural_key),
                ),
                TableRef::Fact(_) => Some(crate::lower::fact_key(&old.name, None)),
                _ => None,
            };
            let key_now = columns
                .iter()
                .find(|c| matches!(c.origin, crate::layout::Origin::SurrogateKey(_)));
            if let (Some(old_key), Some(key_now)) = (old_key, key_now)
                && !deployed.iter().any(|c| c.name == key_now.name)
                && let Some(c) = deployed.iter_mut().find(|c| c.name == old_key)
            {
                c.origin = key_now.origin.clone();
            }
        }
        column_changes(table.name(), table, &deployed, &resolved, None, None, &mut changes);
    }
    for load in after.loads() {
        let landing = resolve(&load.load.landing);
        let Some(old) = catalog.table(&landing) else {
            changes.push(if renamed.contains(&load.load.table) {
                // Its landing table may be there under the old name, holding rows not merged yet.
                Change::Unsupported {
                    object: landing,
                    what: format!(
                        "{} was renamed, and a catalog cannot tell which of the schema's tables was its landing table: plan from the model as deployed (--from deployed.toml), which knows it",
                        load.load.table
                    ),
                }
            } else {
                Change::AddTable { table: landing }
            });
            continue;
        };
        known.push(old.name.clone());
        let columns: Vec<PhysicalColumn> = load
            .columns
            .iter()
            .map(|c| PhysicalColumn {
                name: c.name.clone(),
                sql_type: c.sql_type,
                nullable: true,
                comment: None,
                references: None,
                origin: crate::layout::Origin::Declared(usize::MAX),
            })
            .collect();
        column_changes(
            &landing,
            load.table.table(),
            &physical(old),
            &columns,
            None,
            None,
            &mut changes,
        );
    }
    // Dynamic-table marts are base tables in the catalog.
    known.extend(after.marts.iter().map(|m| m.name.clone()));
    let unknown = catalog
        .tables
        .iter()
        .filter(|t| !known.contains(&t.name))
        .map(|t| t.name.clone())
        .collect();
    (changes, unknown)
}

/// What a surrogate key's generation declares on its column (`IDENTITY`,
/// `sequence`).
fn generation_default(g: KeyGeneration) -> &'static str {
    if g == KeyGeneration::Identity {
        "IDENTITY"
    } else {
        generation(g)
    }
}

fn generation(g: KeyGeneration) -> &'static str {
    match g {
        KeyGeneration::Identity => "identity",
        KeyGeneration::Sequence => "sequence",
        KeyGeneration::Natural => "natural",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"
name = "m"
database = "D"
[environments.DEV]
schema = "DEV"
[[dimension]]
name = "DIM_STORE"
natural_key = "STORE_ID"
columns = [
  { name = "STORE_ID", type = "int" },
  { name = "CITY", type = "varchar(20)" },
  { name = "SIZE", type = "number(5,1)" },
  { name = "OLD", type = "string" },
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

    fn load(text: &str) -> Validated {
        crate::load_str("m.toml", text)
            .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
            .model
    }

    #[test]
    fn an_unchanged_model_has_no_change() {
        assert_eq!(diff(&load(V1), &load(V1)), Vec::new());
    }

    #[test]
    fn each_change_gets_its_class() {
        let v2 = V1
            .replace("varchar(20)", "varchar(40)")
            .replace("number(5,1)", "number(5,2)")
            .replace("  { name = \"OLD\", type = \"string\" },\n", "")
            .replace(
                "measure = \"additive\" },",
                "measure = \"additive\" },\n  { name = \"COST\", type = \"number(12,2)\", measure = \"additive\" },\n  { name = \"CASHIER\", type = \"string\", nullable = false },",
            );
        let found: Vec<(Class, String)> = diff(&load(V1), &load(&v2))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Safe, "DIM_STORE.CITY".to_owned()),
                // Another scale: rebuilt as a new column, values rounded.
                (Class::Destructive, "DIM_STORE.SIZE".to_owned()),
                (Class::Destructive, "DIM_STORE.OLD".to_owned()),
                (Class::Safe, "FACT_SALES.COST".to_owned()),
                (Class::Unsupported, "FACT_SALES.CASHIER".to_owned()),
            ]
        );
    }

    /// Issue 11's example: `FACT_SALES`'s load copies by position, so its
    /// pipe gains the column and is recreated; the landing table gains it in
    /// place.
    /// `fields` naming a reference's field the way the files do renames its
    /// landing column (its rows kept) and recreates the pipe, whose COPY
    /// reads the new name.
    #[test]
    fn a_field_named_by_the_files_renames_its_landing_column() {
        let before = retail_model();
        let after = before.replace(
            "file_format = \"RECEIPTS_PARQUET\"\nprojection = true\n",
            "file_format = \"RECEIPTS_PARQUET\"\nprojection = true\nfields = { STORE_KEY = \"store_number\" }\n",
        );
        assert_ne!(before, after);
        let changes = diff(&load(&before), &load(&after));
        let found: Vec<(Class, String)> = changes.iter().map(|c| (c.class(), c.object())).collect();
        assert_eq!(
            found,
            [
                (Class::Careful, "FACT_SALES_LANDING.store_number".to_owned()),
                (Class::Careful, "FACT_SALES_PIPE".to_owned()),
            ]
        );
        assert!(
            matches!(&changes[0], Change::RenameColumn { from, to, .. } if from == "STORE_NUMBER" && to == "store_number"),
            "{:?}",
            changes[0]
        );
    }

    /// The same for a column of the table itself (the files' `qty`): one
    /// landing rename, never a drop and an add.
    #[test]
    fn a_plain_column_named_by_the_files_renames_its_landing_column() {
        let before = retail_model();
        let after = before.replace(
            "file_format = \"RECEIPTS_PARQUET\"\nprojection = true\n",
            "file_format = \"RECEIPTS_PARQUET\"\nprojection = true\nfields = { QUANTITY = \"qty\" }\n",
        );
        assert_ne!(before, after);
        let changes = diff(&load(&before), &load(&after));
        let found: Vec<(Class, String)> = changes.iter().map(|c| (c.class(), c.object())).collect();
        assert_eq!(
            found,
            [
                (Class::Careful, "FACT_SALES_LANDING.qty".to_owned()),
                (Class::Careful, "FACT_SALES_PIPE".to_owned()),
            ]
        );
        assert!(
            matches!(&changes[0], Change::RenameColumn { from, to, .. } if from == "QUANTITY" && to == "qty"),
            "{:?}",
            changes[0]
        );
    }

    #[test]
    fn a_positional_pipe_that_would_change_is_recreated() {
        let after = retail_model();
        let before = after
            .replace(
                "  { name = \"COST_AMOUNT\", type = \"number(12,2)\", measure = \"additive\" },\n",
                "",
            )
            .replace(", \"NET_AMOUNT\", \"COST_AMOUNT\"]", ", \"NET_AMOUNT\"]");
        let found: Vec<(Class, String)> = diff(&load(&before), &load(&after))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Safe, "FACT_SALES.COST_AMOUNT".to_owned()),
                (Class::Safe, "FACT_SALES_LANDING.COST_AMOUNT".to_owned()),
                (Class::Careful, "FACT_SALES_PIPE".to_owned()),
            ]
        );
        let changes = diff(&load(&before), &load(&after));
        assert!(
            changes[2]
                .describe()
                .contains("would copy differently (its COPY projects new columns (COST_AMOUNT))"),
            "{}",
            changes[2].describe()
        );
        // A setting of the pipe itself, and its name.
        let renamed = after.replace(
            "[[load]]\ntable = \"FACT_SALES\"",
            "[[load]]\ntable = \"FACT_SALES\"\npipe = \"SALES_PIPE\"",
        );
        let on_error = after.replace(
            "[[load]]\ntable = \"FACT_SALES\"",
            "[[load]]\ntable = \"FACT_SALES\"\non_error = \"abort_statement\"",
        );
        for (text, object, reason) in [
            (
                &renamed,
                "SALES_PIPE",
                ", formerly FACT_SALES_PIPE, would copy differently (its name)",
            ),
            (&on_error, "FACT_SALES_PIPE", "would copy differently (ON_ERROR)"),
        ] {
            assert_ne!(text, &after);
            let changes = diff(&load(&after), &load(text));
            assert_eq!(changes.len(), 1, "{changes:?}");
            assert_eq!(
                (changes[0].class(), changes[0].object()),
                (Class::Careful, object.to_owned())
            );
            assert!(changes[0].describe().contains(reason), "{}", changes[0].describe());
        }
    }

    /// A declared rename is a rename, never a drop and an add; without the
    /// declaration it is both, and the drop is destructive.
    #[test]
    fn a_declared_rename_keeps_the_column() {
        let renamed = V1.replace(
            "{ name = \"CITY\", type = \"varchar(20)\" }",
            "{ name = \"TOWN\", type = \"varchar(30)\", renamed_from = \"CITY\" }",
        );
        let found: Vec<(Class, String)> = diff(&load(V1), &load(&renamed))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Careful, "DIM_STORE.TOWN".to_owned()),
                (Class::Safe, "DIM_STORE.TOWN".to_owned()),
            ],
            "the rename, then the widening"
        );
        let undeclared = V1.replace("\"CITY\", type", "\"TOWN\", type");
        let found: Vec<Class> = diff(&load(V1), &load(&undeclared)).iter().map(Change::class).collect();
        assert_eq!(found, [Class::Safe, Class::Destructive]);
        // Renamed from a name another column still has: refused by validation.
        let ambiguous = V1.replace(
            "{ name = \"OLD\", type = \"string\" }",
            "{ name = \"OLD\", type = \"string\", renamed_from = \"CITY\" }",
        );
        let err = crate::load_str("m.toml", &ambiguous).unwrap_err();
        assert!(err.diagnostics.render(100).contains("ambiguous rename"));
    }

    /// A declared table rename is a rename (with its column changes after
    /// it), never a drop and an add; undeclared it is both.
    #[test]
    fn a_declared_table_rename_keeps_the_table() {
        let renamed = V1
            .replace(
                "name = \"FACT_SALES\"",
                "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
            )
            .replace(
                "{ name = \"RECEIPT\", type = \"int\", degenerate = true }",
                "{ name = \"RECEIPT\", type = \"int\", degenerate = true, comment = \"c\" }",
            );
        let found: Vec<(Class, String)> = diff(&load(V1), &load(&renamed))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Careful, "FACT_RECEIPTS".to_owned()),
                // The key named after the table follows it, with its comment.
                (Class::Careful, "FACT_RECEIPTS.RECEIPTS_KEY".to_owned()),
                (Class::Safe, "FACT_RECEIPTS.RECEIPTS_KEY".to_owned()),
                (Class::Safe, "FACT_RECEIPTS.RECEIPT".to_owned()),
            ]
        );
        let undeclared = V1.replace("name = \"FACT_SALES\"", "name = \"FACT_RECEIPTS\"");
        let found: Vec<Class> = diff(&load(V1), &load(&undeclared)).iter().map(Change::class).collect();
        assert_eq!(found, [Class::Safe, Class::Destructive]);
        // Renamed from a table that still exists: refused by validation.
        let ambiguous = V1.replace(
            "name = \"FACT_SALES\"",
            "name = \"FACT_SALES\"\nrenamed_from = \"DIM_STORE\"",
        );
        let err = crate::load_str("m.toml", &ambiguous).unwrap_err();
        assert!(err.diagnostics.render(100).contains("ambiguous rename"));
        // A key drawn from a sequence named after the table: the sequence follows.
        let sequence = renamed.replace(
            "grain_columns = [\"RECEIPT\"]",
            "grain_columns = [\"RECEIPT\"]\nkey_generation = \"sequence\"",
        );
        let v1_sequence = V1.replace(
            "grain_columns = [\"RECEIPT\"]",
            "grain_columns = [\"RECEIPT\"]\nkey_generation = \"sequence\"",
        );
        let changes = diff(&load(&v1_sequence), &load(&sequence));
        assert!(changes.iter().all(|c| c.class() != Class::Unsupported), "{changes:?}");
        assert!(
            changes.contains(&Change::RenameTable {
                from: "FACT_SALES".to_owned(),
                to: "FACT_RECEIPTS".to_owned(),
                loaded: false,
                sequence: true,
            }),
            "{changes:?}"
        );
        assert!(changes[0].describe().contains("its key's sequence is renamed"));
    }

    #[test]
    fn a_clustering_change_is_careful() {
        let clustered = V1.replace(
            "natural_key = \"STORE_ID\"",
            "natural_key = \"STORE_ID\"\ncluster_by = [\"CITY\"]",
        );
        let changes = diff(&load(V1), &load(&clustered));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].class(), Class::Careful);
        assert!(changes[0].describe().starts_with("clustering key none -> (CITY)"));
        let back = diff(&load(&clustered), &load(V1));
        assert!(back[0].describe().starts_with("clustering key (CITY) -> none"));
    }

    /// A new NOT NULL column takes its declared default; a default set,
    /// changed or dropped later rebuilds the column (Snowflake alters none in
    /// place once `ALTER TABLE ... ADD COLUMN` declared it).
    #[test]
    fn defaults_backfill_new_columns_and_rebuild_them_later() {
        let with_default = V1.replace(
            "{ name = \"OLD\", type = \"string\" },",
            "{ name = \"OLD\", type = \"string\" },\n  { name = \"OPEN\", type = \"boolean\", nullable = false, default = true },",
        );
        let changes = diff(&load(V1), &load(&with_default));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].class(), changes[0].object()),
            (Class::Careful, "DIM_STORE.OPEN".to_owned())
        );
        assert!(
            changes[0].describe().contains("with default true"),
            "{}",
            changes[0].describe()
        );
        let without = with_default.replace(", default = true", ", default = false");
        let set_later = diff(&load(&with_default), &load(&without));
        assert_eq!(
            set_later,
            [Change::ChangeDefault {
                table: "DIM_STORE".to_owned(),
                column: "OPEN".to_owned(),
                from: Some(DefaultValue::Bool(true)),
                to: Some(DefaultValue::Bool(false)),
            }]
        );
        assert_eq!(set_later[0].class(), Class::Careful);
        assert!(set_later[0].describe().starts_with("default true -> false: "));
        let dropped = with_default.replace(", nullable = false, default = true", "");
        let found: Vec<(Class, String)> = diff(&load(&with_default), &load(&dropped))
            .iter()
            .map(|c| (c.class(), c.describe()[..12].to_owned()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Careful, "default true".to_owned()),
                (Class::Safe, "NOT NULL -> ".to_owned())
            ],
            "the default's rebuild, then DROP NOT NULL"
        );
        // A type change that rebuilds the column brings the new default along.
        let retyped = with_default.replace(
            "{ name = \"OPEN\", type = \"boolean\", nullable = false, default = true }",
            "{ name = \"OPEN\", type = \"varchar(5)\", nullable = false, default = \"yes\" }",
        );
        let found: Vec<Class> = diff(&load(&with_default), &load(&retyped))
            .iter()
            .map(Change::class)
            .collect();
        assert_eq!(found, [Class::Destructive], "one rebuild for the type and the default");
    }

    #[test]
    fn catalog_types_read_back_as_the_model_declares_them() {
        let n = |precision, scale| DataType::Number { precision, scale };
        assert_eq!(catalog_type("NUMBER", None, Some(38), Some(0)), Ok(DataType::INTEGER));
        assert_eq!(catalog_type("NUMBER", None, Some(12), Some(2)), Ok(n(12, 2)));
        assert_eq!(
            catalog_type("TEXT", Some(20), None, None),
            Ok(DataType::Varchar(Some(20)))
        );
        assert_eq!(
            catalog_type("TEXT", Some(16_777_216), None, None),
            Ok(DataType::Varchar(None)),
            "VARCHAR without a length is Snowflake's maximum"
        );
        assert_eq!(
            catalog_type("timestamp_ntz", None, None, None),
            Ok(DataType::TimestampNtz)
        );
        assert_eq!(catalog_type("FLOAT", None, None, None), Ok(DataType::Float));
        assert!(
            catalog_type("GEOGRAPHY", None, None, None)
                .unwrap_err()
                .contains("GEOGRAPHY")
        );
        assert!(catalog_type("NUMBER", None, Some(300), Some(0)).is_err());
    }

    /// SCD1 -> SCD2 adds the history columns as one careful change (not
    /// as three NOT NULL columns without a value); SCD2 -> SCD1 is refused.
    #[test]
    fn a_dimension_that_starts_keeping_history() {
        let scd2 = V1.replace("natural_key = \"STORE_ID\"", "natural_key = \"STORE_ID\"\nscd = 2");
        let changes = diff(&load(V1), &load(&scd2));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].class(), changes[0].object()),
            (Class::Careful, "DIM_STORE".to_owned())
        );
        let Change::AddHistory { columns, .. } = &changes[0] else {
            panic!("{:?}", changes[0])
        };
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["VALID_FROM", "VALID_TO", "IS_CURRENT"]);
        // Back to SCD1: one destructive change (not three dropped columns),
        // which knows the fact's reference to repoint.
        let back = diff(&load(&scd2), &load(V1));
        assert_eq!(back.len(), 1, "{back:?}");
        assert_eq!(back[0].class(), Class::Destructive);
        let Change::DropHistory { references, .. } = &back[0] else {
            panic!("{:?}", back[0])
        };
        assert_eq!(references, &[("FACT_SALES".to_owned(), "STORE_KEY".to_owned())]);
    }

    /// A mart that changes kind between a view and a dynamic table is
    /// dropped for deploy.sql to create again (CREATE OR REPLACE VIEW cannot
    /// replace a dynamic table); a removed one is dropped.
    #[test]
    fn marts_that_go_or_change_kind_are_dropped() {
        let with_mart = format!(
            "{V1}[[mart]]\nname = \"MART_BY_CITY\"\nfact = \"FACT_SALES\"\nattributes = [\"STORE.CITY\"]\nsum = [\"AMOUNT\"]\n"
        );
        let dynamic = with_mart.replace(
            "name = \"MART_BY_CITY\"",
            "name = \"MART_BY_CITY\"\nkind = \"dynamic_table\"\ntarget_lag = \"1 hour\"\nwarehouse = \"WH\"",
        );
        let changes = diff(&load(&with_mart), &load(&dynamic));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].class(), changes[0].object()),
            (Class::Careful, "MART_BY_CITY".to_owned())
        );
        assert!(
            changes[0].describe().starts_with("view -> dynamic table: dropped"),
            "{}",
            changes[0].describe()
        );
        let gone = diff(&load(&dynamic), &load(V1));
        assert!(
            gone[0]
                .describe()
                .starts_with("mart removed from the model: its dynamic table is dropped")
        );
        assert_eq!(diff(&load(&with_mart), &load(&with_mart)), Vec::new());
    }

    /// A landing column follows its table's column: widened in place or
    /// rebuilt, never refused.
    /// schemas/retail.toml, which the migration tests edit.
    fn retail_model() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/retail.toml"))
            .expect("schemas/retail.toml")
    }

    /// Each change from `before` to `after`: its class and object.
    fn classes(before: &str, after: &str) -> Vec<(Class, String)> {
        diff(&load(before), &load(after))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect()
    }

    #[test]
    fn landing_columns_follow_their_table() {
        let retail = retail_model();
        let wider = retail.replace(
            "{ name = \"FLOOR_AREA_SQM\", type = \"number(10,2)\" }",
            "{ name = \"FLOOR_AREA_SQM\", type = \"number(14,2)\" }",
        );
        assert_ne!(wider, retail);
        let found = classes(&retail, &wider);
        assert!(
            found.contains(&(Class::Safe, "DIM_STORE.FLOOR_AREA_SQM".to_owned())),
            "{found:?}"
        );
        assert!(
            found.contains(&(Class::Safe, "DIM_STORE_LANDING.FLOOR_AREA_SQM".to_owned())),
            "{found:?}"
        );
        assert!(found.iter().all(|(c, _)| *c != Class::Unsupported), "{found:?}");
        let other = retail.replace(
            "{ name = \"FLOOR_AREA_SQM\", type = \"number(10,2)\" }",
            "{ name = \"FLOOR_AREA_SQM\", type = \"varchar(20)\" }",
        );
        let found = classes(&retail, &other);
        assert!(
            found.contains(&(Class::Destructive, "DIM_STORE_LANDING.FLOOR_AREA_SQM".to_owned())),
            "{found:?}"
        );
        assert!(found.iter().all(|(c, _)| *c != Class::Unsupported), "{found:?}");
    }

    #[test]
    fn widening_follows_snowflakes_rules() {
        let n = |precision, scale| DataType::Number { precision, scale };
        assert!(widens(DataType::Varchar(Some(10)), DataType::Varchar(Some(20))));
        assert!(widens(DataType::Varchar(Some(10)), DataType::Varchar(None)));
        assert!(!widens(DataType::Varchar(Some(20)), DataType::Varchar(Some(10))));
        assert!(!widens(DataType::Varchar(None), DataType::Varchar(Some(10))));
        assert!(widens(n(10, 2), n(12, 2)));
        assert!(!widens(n(10, 2), n(12, 3)), "another scale is a rebuild");
        assert!(!widens(n(12, 2), n(10, 2)));
        assert!(!widens(DataType::INTEGER, DataType::Float), "another family");
    }

    #[test]
    fn a_new_and_a_dropped_table_and_a_key_change() {
        let v2 = V1.replace("name = \"FACT_SALES\"", "name = \"FACT_ORDERS\"").replace(
            "natural_key = \"STORE_ID\"",
            "natural_key = \"STORE_ID\"\nkey_generation = \"sequence\"",
        );
        let found: Vec<(Class, String)> = diff(&load(V1), &load(&v2))
            .iter()
            .map(|c| (c.class(), c.object()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Unsupported, "DIM_STORE".to_owned()),
                (Class::Safe, "FACT_ORDERS".to_owned()),
                (Class::Destructive, "FACT_SALES".to_owned()),
            ]
        );
    }

    /// A smart key and the references to it share one type: a type change
    /// that cannot happen in place rebuilds the key, then each reference
    /// (both marked as linking tables); the same change on a natural key of
    /// a surrogate-keyed dimension is a rebuild of one column. A reference
    /// that points at another dimension is refused; one that stops being a
    /// reference loses its foreign key.
    #[test]
    fn retyped_keys_rebuild_what_they_link_and_repointed_references_are_refused() {
        let smart = V1.replace(
            "natural_key = \"STORE_ID\"",
            "natural_key = \"STORE_ID\"\nkey_generation = \"natural\"\nkey = \"STORE_ID\"",
        );
        let retyped = smart.replace(
            "{ name = \"STORE_ID\", type = \"int\" }",
            "{ name = \"STORE_ID\", type = \"number(10,0)\" }",
        );
        let found: Vec<(String, bool)> = diff(&load(&smart), &load(&retyped))
            .iter()
            .map(|c| match c {
                Change::ChangeType { links, .. } => (c.object(), *links),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            found,
            [
                ("DIM_STORE.STORE_ID".to_owned(), true),
                ("FACT_SALES.STORE_KEY".to_owned(), true)
            ]
        );
        let natural = V1.replace(
            "{ name = \"STORE_ID\", type = \"int\" }",
            "{ name = \"STORE_ID\", type = \"varchar(10)\" }",
        );
        let changes = diff(&load(V1), &load(&natural));
        assert!(
            matches!(&changes[..], [Change::ChangeType { links: false, .. }]),
            "{changes:?}"
        );
        // Another dimension of the same key type: the values would mean nothing.
        let two = V1.replace(
            "[[fact]]",
            "[[dimension]]\nname = \"DIM_WAREHOUSE\"\nnatural_key = \"WH_ID\"\ncolumns = [{ name = \"WH_ID\", type = \"int\" }]\n[[fact]]",
        );
        let repointed = two.replace(
            "{ name = \"STORE_KEY\", references = \"DIM_STORE\" }",
            "{ name = \"STORE_KEY\", references = \"DIM_WAREHOUSE\", role = \"STORE\" }",
        );
        let changes = diff(&load(&two), &load(&repointed));
        assert!(
            matches!(&changes[..], [c @ Change::Repoint { to: Some(_), .. }] if c.class() == Class::Unsupported),
            "{changes:?}"
        );
        // The same dimension renamed is no repoint.
        let renamed = V1
            .replace(
                "name = \"DIM_STORE\"",
                "name = \"DIM_SHOP\"\nrenamed_from = \"DIM_STORE\"",
            )
            .replace(
                "references = \"DIM_STORE\"",
                "references = \"DIM_SHOP\", role = \"STORE\"",
            );
        let changes = diff(&load(V1), &load(&renamed));
        assert!(
            changes.iter().all(|c| !matches!(c, Change::Repoint { .. })),
            "{changes:?}"
        );
        // A reference that becomes a plain column: its foreign key goes.
        let plain = V1.replace(
            "{ name = \"STORE_KEY\", references = \"DIM_STORE\" }",
            "{ name = \"STORE_KEY\", type = \"int\", degenerate = true }",
        );
        let changes = diff(&load(V1), &load(&plain));
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::Repoint { to: None, .. }) && c.class() == Class::Careful),
            "{changes:?}"
        );
    }

    /// An internal stage cannot be altered into an external one.
    #[test]
    fn a_stage_that_turns_external_is_refused() {
        let internal = format!(
            "{V1}[[file_format]]\nname = \"F\"\ntype = \"parquet\"\n[[stage]]\nname = \"S\"\nfile_format = \"F\"\n"
        );
        let external = internal.replace(
            "name = \"S\"\n",
            "name = \"S\"\nurl = \"s3://b/x/\"\nstorage_integration = \"I\"\n",
        ) + "[[storage_integration]]\nname = \"I\"\naws_role_arn = \"arn:aws:iam::123456789012:role/r\"\n";
        let changes = diff(&load(&internal), &load(&external));
        assert!(
            matches!(&changes[..], [Change::Unsupported { object, what }] if object == "S" && what.starts_with("the stage was internal, is external")),
            "{changes:?}"
        );
    }

    /// The catalog of `model` as deployed in DEV: every table and landing
    /// table with its columns (no pipes).
    fn catalog_of(model: &Validated) -> Catalog {
        let column = |name: &str, sql_type, nullable, comment: &Option<String>| CatalogColumn {
            name: name.to_owned(),
            sql_type,
            nullable,
            comment: comment.clone(),
        };
        let mut tables: Vec<CatalogTable> = model
            .tables_in_order()
            .map(|(t, layout)| CatalogTable {
                name: t.name().to_owned(),
                columns: layout
                    .iter()
                    .map(|c| column(&c.name, c.sql_type, c.nullable, &c.comment))
                    .collect(),
            })
            .collect();
        tables.extend(model.loads().map(|l| {
            CatalogTable {
                name: l.load.landing.clone(),
                columns: l
                    .columns
                    .iter()
                    .map(|c| column(&c.name, c.sql_type, true, &None))
                    .collect(),
            }
        }));
        Catalog { tables, pipes: None }
    }

    /// Against a catalog, a renamed table is found under its old name; its
    /// landing table, whose old name a catalog cannot know, refuses the plan
    /// rather than being created empty beside the one holding rows.
    #[test]
    fn a_catalog_cannot_follow_a_renamed_loaded_table_s_landing_table() {
        let loaded = format!(
            "{V1}[[file_format]]\nname = \"F\"\ntype = \"parquet\"\n[[stage]]\nname = \"S\"\nfile_format = \"F\"\n[[load]]\ntable = \"FACT_SALES\"\nstage = \"S\"\npath = \"sales/\"\nwarehouse = \"WH\"\n"
        );
        let before = load(&loaded);
        let env = before.environments[0].clone();
        let (changes, unknown) = diff_catalog(&catalog_of(&before), &before, &env);
        assert!(changes.is_empty() && unknown.is_empty(), "{changes:?} {unknown:?}");
        let renamed = loaded
            .replace(
                "name = \"FACT_SALES\"",
                "name = \"FACT_RECEIPTS\"\nrenamed_from = \"FACT_SALES\"",
            )
            .replace("table = \"FACT_SALES\"", "table = \"FACT_RECEIPTS\"");
        let (changes, _) = diff_catalog(&catalog_of(&before), &load(&renamed), &env);
        assert!(
            changes.contains(&Change::RenameTable {
                from: "FACT_SALES".to_owned(),
                to: "FACT_RECEIPTS".to_owned(),
                loaded: true,
                sequence: false,
            }),
            "{changes:?}"
        );
        let refused: Vec<String> = changes
            .iter()
            .filter(|c| c.class() == Class::Unsupported)
            .map(Change::object)
            .collect();
        assert_eq!(refused, ["FACT_RECEIPTS_LANDING"], "{changes:?}");
        assert!(
            !changes.iter().any(|c| matches!(c, Change::AddTable { .. })),
            "{changes:?}"
        );
    }

    /// A surrogate key of another type in the live schema cannot be rebuilt
    /// (its IDENTITY would be lost): refused with the reason.
    #[test]
    fn a_catalog_s_retyped_surrogate_key_is_refused() {
        let model = load(V1);
        let env = model.environments[0].clone();
        let mut catalog = catalog_of(&model);
        let key = catalog
            .tables
            .iter_mut()
            .flat_map(|t| t.columns.iter_mut())
            .find(|c| c.name == "SALES_KEY")
            .expect("the fact's key");
        key.sql_type = DataType::Varchar(Some(10));
        let (changes, _) = diff_catalog(&catalog, &model, &env);
        assert!(
            matches!(&changes[..], [Change::Unsupported { object, what }] if object == "FACT_SALES.SALES_KEY" && what.contains("lose its IDENTITY default")),
            "{changes:?}"
        );
    }
}
