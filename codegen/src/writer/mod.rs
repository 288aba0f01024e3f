//! The typed SQL writer: identifiers and literals that print themselves
//! safely, and statement values that print whole Snowflake statements.
//!
//! Every name and every string that reaches the output passes through
//! [`Ident`] or [`Literal`]; nothing else in codegen formats user text, so
//! quoting and escaping are decided in one place.

use std::fmt::{self, Display, Write as _};

use model_core::DataType;
use model_core::model::{DatePart, FileMetadata, FileType, OnError, RefreshMode};

mod query;

pub use query::{
    Alias, BinaryOp, Expr, Function, Join, JoinKind, Merge, OrderBy, Query, Relation, Select, SelectItem, When,
};

/// A data type as Snowflake spells it (`NUMBER(38,0)`, `VARCHAR(20)`,
/// `TIMESTAMP_NTZ`): the writer's spelling, whatever the model calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlType(pub DataType);

impl Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DataType::Number { precision, scale } => write!(f, "NUMBER({precision},{scale})"),
            DataType::Float => f.write_str("FLOAT"),
            DataType::Varchar(None) => f.write_str("VARCHAR"),
            DataType::Varchar(Some(n)) => write!(f, "VARCHAR({n})"),
            DataType::Boolean => f.write_str("BOOLEAN"),
            DataType::Date => f.write_str("DATE"),
            DataType::Time => f.write_str("TIME"),
            DataType::TimestampNtz => f.write_str("TIMESTAMP_NTZ"),
            DataType::TimestampLtz => f.write_str("TIMESTAMP_LTZ"),
            DataType::TimestampTz => f.write_str("TIMESTAMP_TZ"),
            DataType::Variant => f.write_str("VARIANT"),
            DataType::Object => f.write_str("OBJECT"),
            DataType::Array => f.write_str("ARRAY"),
            DataType::Binary => f.write_str("BINARY"),
        }
    }
}

/// The Snowflake keyword of a file type (`TYPE = CSV`).
pub fn file_type_keyword(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Csv => "CSV",
        FileType::Parquet => "PARQUET",
        FileType::Json => "JSON",
    }
}

fn refresh_mode_keyword(mode: RefreshMode) -> &'static str {
    match mode {
        RefreshMode::Auto => "AUTO",
        RefreshMode::Full => "FULL",
        RefreshMode::Incremental => "INCREMENTAL",
    }
}

fn on_error_keyword(on_error: OnError) -> &'static str {
    match on_error {
        OnError::Continue => "CONTINUE",
        OnError::SkipFile => "SKIP_FILE",
        OnError::AbortStatement => "ABORT_STATEMENT",
    }
}

/// The metadata column of a COPY that records `metadata`.
fn metadata_source(metadata: FileMetadata) -> &'static str {
    match metadata {
        FileMetadata::FileName => "METADATA$FILENAME",
        FileMetadata::FileRowNumber => "METADATA$FILE_ROW_NUMBER",
        FileMetadata::LoadTime => "METADATA$START_SCAN_TIME",
    }
}

/// One value of a COPY's projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyField {
    /// A CSV field by position: `$3`.
    Position(u32),
    /// A Parquet or JSON field, cast to the landing column's type: `$1:"a"."b"::NUMBER(38,0)`.
    Path(FieldPath, DataType),
    /// File metadata: `METADATA$FILENAME`.
    Metadata(FileMetadata),
}

impl Display for CopyField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Position(n) => write!(f, "${n}"),
            Self::Path(path, ty) => write!(f, "{path}::{}", SqlType(*ty)),
            Self::Metadata(m) => f.write_str(metadata_source(*m)),
        }
    }
}

/// Snowflake's reserved words (and ANSI words it refuses as unquoted
/// identifiers). A name equal to one of these is quoted. Sorted (a unit test
/// checks): looked up by binary search.
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DEFAULT",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "KEY",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "PRIMARY",
    "QUALIFY",
    "REFERENCES",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Whether a name can be written unquoted and still mean exactly itself:
/// upper-case ASCII letters, digits, `_` and `$`, not starting with a digit or
/// `$`, holding no `$$` (Snowflake's string delimiter: `DIM$$X` unquoted
/// would read as `DIM` followed by a `$$` string), and not a reserved word.
pub fn is_plain_identifier(name: &str) -> bool {
    // One pass over the bytes (this runs for every name printed); the
    // reserved words are only looked up for a name that could be one.
    let bytes = name.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !(first.is_ascii_uppercase() || first == b'_') {
        return false;
    }
    let mut may_be_reserved = bytes.len() <= LONGEST_RESERVED;
    let mut after_dollar = false;
    for &b in &bytes[1..] {
        match b {
            b'A'..=b'Z' | b'_' => after_dollar = false,
            b'0'..=b'9' => {
                after_dollar = false;
                may_be_reserved = false;
            }
            b'$' if after_dollar => return false,
            b'$' => {
                after_dollar = true;
                may_be_reserved = false;
            }
            _ => return false,
        }
    }
    !may_be_reserved || RESERVED.binary_search(&name).is_err()
}

/// The length of the longest reserved word.
const LONGEST_RESERVED: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < RESERVED.len() {
        if RESERVED[i].len() > longest {
            longest = RESERVED[i].len();
        }
        i += 1;
    }
    longest
};

/// The character written in place of a control character inside a quoted
/// identifier, where SQL has no escape for it. Validation refuses control
/// characters in every name, so this only shows for a model that was never
/// validated; the writer never emits a raw control character.
pub const REPLACEMENT: char = '\u{fffd}';

/// An identifier: printed unquoted when that is exact, otherwise
/// double-quoted with inner `"` doubled (so `dim_patient` stays lower case).
#[derive(Debug, Clone, Copy)]
pub struct Ident<'a>(pub &'a str);

impl Display for Ident<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain_identifier(self.0) {
            f.write_str(self.0)
        } else {
            f.write_char('"')?;
            for c in self.0.chars() {
                match c {
                    '"' => f.write_str("\"\"")?,
                    // Validation refuses these in names: this guards an unchecked model.
                    c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => f.write_char(REPLACEMENT)?,
                    c => f.write_char(c)?,
                }
            }
            f.write_char('"')
        }
    }
}

/// A body between `$$` delimiters (`EXECUTE IMMEDIATE $$ ... $$`), which
/// keeps a block readable. A `$$` inside would end it early, and nothing can
/// be escaped there, so such a body is written as an ordinary escaped
/// [`Literal`] instead; so is a body holding a control character other than
/// the line break (a `$$` body would carry it raw).
#[derive(Debug, Clone, Copy)]
pub struct DollarQuoted<'a>(pub &'a str);

impl Display for DollarQuoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains("$$") || self.0.chars().any(|c| c.is_control() && c != '\n') {
            write!(f, "{}", Literal(self.0))
        } else {
            write!(f, "$$\n{}$$", self.0)
        }
    }
}

/// One line of a `--` comment. The text is dimgen's, with names from the
/// model in it; every control character (a newline above all, which would end
/// the comment and let the rest run as SQL) is written as a visible escape
/// (`\n`, `\u{1b}`), as are the Unicode line and paragraph separators.
#[derive(Debug, Clone, Copy)]
pub struct LineComment<'a>(pub &'a str);

impl Display for LineComment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("--")?;
        if !self.0.is_empty() {
            f.write_char(' ')?;
        }
        for c in self.0.chars() {
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                    write!(f, "\\u{{{:x}}}", u32::from(c))?;
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('\n')
    }
}

/// Comment lines, each printed as a [`LineComment`].
pub fn comment_lines<S: AsRef<str>>(lines: &[S]) -> String {
    lines.iter().map(|l| LineComment(l.as_ref()).to_string()).collect()
}

/// A field of a staged file's semi-structured row, `$1:"a"."b"`: each
/// element is one key (a `.` inside an element is part of the key, never a
/// path separator). Elements are double-quoted; when one holds a `"` or a
/// control character, the whole path is written in bracket notation with
/// escaped string literals instead (`$1['a']['say "hi"']`), which needs no
/// identifier escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(pub Vec<String>);

impl Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$1")?;
        let plain = self
            .0
            .iter()
            .all(|e| !e.is_empty() && !e.contains('"') && !e.chars().any(char::is_control));
        for (i, element) in self.0.iter().enumerate() {
            if plain {
                f.write_str(if i == 0 { ":" } else { "." })?;
                write!(f, "\"{element}\"")?;
            } else {
                write!(f, "[{}]", Literal(element))?;
            }
        }
        Ok(())
    }
}

/// A dotted name: `DATABASE.SCHEMA.OBJECT`, each part an [`Ident`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName(pub Vec<String>);

impl ObjectName {
    /// `database.schema.object`.
    pub fn qualified(database: &str, schema: &str, object: &str) -> Self {
        Self(vec![database.to_owned(), schema.to_owned(), object.to_owned()])
    }

    /// The last part (the object's own name).
    pub fn object(&self) -> &str {
        self.0.last().map_or("", String::as_str)
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            write!(f, "{}", Ident(part))?;
        }
        Ok(())
    }
}

/// A single-quoted string literal. Snowflake treats `\` as an escape inside
/// string literals, so backslashes are doubled as well as quotes; control
/// characters are written as escapes so a literal never spans lines.
#[derive(Debug, Clone, Copy)]
pub struct Literal<'a>(pub &'a str);

impl Display for Literal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        for c in self.0.chars() {
            match c {
                '\'' => f.write_str("''")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\0' => f.write_str("\\0")?,
                c if c.is_control() => write!(f, "\\x{:02x}", u32::from(c))?,
                // Line and paragraph separators would break the line for editors and tools.
                '\u{2028}' | '\u{2029}' => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('\'')
    }
}

/// A constant value in an INSERT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A string literal.
    Str(String),
    /// A string literal cast to a type, e.g. `'1900-01-01'::DATE`.
    Typed(String, DataType),
    /// A decimal number (`-12.50`), printed as is; anything but digits with
    /// one optional sign and point is printed as a string literal instead.
    Decimal(String),
}

impl Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("NULL"),
            Self::Int(n) => write!(f, "{n}"),
            Self::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Self::Str(s) => write!(f, "{}", Literal(s)),
            Self::Typed(s, ty) => write!(f, "{}::{}", Literal(s), SqlType(*ty)),
            Self::Decimal(d) => {
                let digits = d.strip_prefix('-').unwrap_or(d);
                let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
                let numeric = !whole.is_empty()
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && fraction.bytes().all(|b| b.is_ascii_digit());
                if numeric {
                    f.write_str(d)
                } else {
                    write!(f, "{}", Literal(d))
                }
            }
        }
    }
}

/// How a column gets its value when none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnDefault {
    /// `IDENTITY(1, 1) ORDER`.
    Identity,
    /// `DEFAULT <sequence>.NEXTVAL`.
    Sequence(ObjectName),
    /// `DEFAULT <constant>`.
    Value(Value),
}

/// A column in a CREATE TABLE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    /// Name.
    pub name: String,
    /// Type.
    pub sql_type: DataType,
    /// NOT NULL when false.
    pub nullable: bool,
    /// Generated values.
    pub default: Option<ColumnDefault>,
    /// Column comment.
    pub comment: Option<String>,
}

/// An out-of-line table constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// `CONSTRAINT name PRIMARY KEY (cols)`.
    PrimaryKey {
        /// Constraint name.
        name: String,
        /// Columns.
        columns: Vec<String>,
    },
    /// `CONSTRAINT name UNIQUE (cols)`.
    Unique {
        /// Constraint name.
        name: String,
        /// Columns.
        columns: Vec<String>,
    },
    /// `CONSTRAINT name FOREIGN KEY (cols) REFERENCES table (cols)`.
    ForeignKey {
        /// Constraint name.
        name: String,
        /// Referencing columns.
        columns: Vec<String>,
        /// Referenced table.
        table: ObjectName,
        /// Referenced columns.
        referenced: Vec<String>,
    },
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Self::PrimaryKey { name, .. } | Self::Unique { name, .. } | Self::ForeignKey { name, .. } => name,
        }
    }
}

/// `CREATE TABLE IF NOT EXISTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTable {
    /// Qualified table name.
    pub name: ObjectName,
    /// Columns in order.
    pub columns: Vec<ColumnDef>,
    /// Constraints after the columns.
    pub constraints: Vec<Constraint>,
    /// Clustering key.
    pub cluster_by: Vec<String>,
    /// Table comment.
    pub comment: Option<String>,
}

/// The argument of every masking policy: the value being read.
pub const MASKED_VALUE: &str = "VAL";

/// One statement of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Statement {
    /// `CREATE DATABASE IF NOT EXISTS`.
    CreateDatabase {
        /// Database name.
        name: String,
        /// Comment.
        comment: Option<String>,
    },
    /// `CREATE SCHEMA IF NOT EXISTS`.
    CreateSchema {
        /// `database.schema`.
        name: ObjectName,
    },
    /// `CREATE SEQUENCE IF NOT EXISTS ... START WITH 1 INCREMENT BY 1 ORDER`.
    CreateSequence {
        /// Qualified name.
        name: ObjectName,
        /// Comment.
        comment: Option<String>,
    },
    /// `CREATE TABLE IF NOT EXISTS`.
    CreateTable(CreateTable),
    /// `ALTER TABLE t <action>`: one step of a migration.
    AlterTable {
        /// Table.
        table: ObjectName,
        /// What changes.
        action: AlterTable,
    },
    /// `UPDATE t SET c = v, ... WHERE ...`: a migration's backfill.
    Update {
        /// Table.
        table: ObjectName,
        /// Assignments.
        set: Vec<(String, Value)>,
        /// Conditions, AND-ed.
        filter: Vec<Expr>,
    },
    /// `UPDATE t SET c = <expression>`: a migration filling a rebuilt column.
    SetColumn {
        /// Table.
        table: ObjectName,
        /// The column set.
        column: String,
        /// Its value in each row.
        value: Expr,
    },
    /// `DELETE FROM t WHERE ...`: a migration removing rows it was allowed to.
    Delete {
        /// Table.
        table: ObjectName,
        /// Conditions, AND-ed.
        filter: Vec<Expr>,
    },
    /// `UPDATE t AS r SET c = v.CURRENT_KEY FROM (<each older version's key
    /// and its member's current key>) AS v WHERE r.c = v.OLD_KEY`: a
    /// reference repointed from older versions of an SCD2 dimension at the
    /// current one.
    Repoint {
        /// The referencing table.
        table: ObjectName,
        /// Its reference column.
        column: String,
        /// The dimension.
        dimension: ObjectName,
        /// Its key.
        key: String,
        /// Its natural key.
        natural_key: Vec<String>,
    },
    /// `DROP TABLE IF EXISTS t`: only in a migration the user allowed to
    /// destroy data (never in a deployment).
    DropTable {
        /// Table.
        table: ObjectName,
    },
    /// `ALTER TABLE t ALTER CONSTRAINT c RELY`: tell the optimizer it may
    /// trust an informational constraint (idempotent).
    RelyConstraint {
        /// Table.
        table: ObjectName,
        /// Constraint name.
        constraint: String,
    },
    /// `INSERT INTO t (cols) SELECT values WHERE NOT EXISTS (row with key)`:
    /// inserts a fixed row once, whatever the number of runs.
    InsertIfAbsent {
        /// Table.
        table: ObjectName,
        /// Columns and their values.
        values: Vec<(String, Value)>,
        /// The key column identifying the row.
        key: String,
        /// Its value.
        key_value: Value,
    },
    /// Fills a generated date dimension: `INSERT INTO t (cols) SELECT ...`
    /// one row per day from `from`, `days` days, each column computed from
    /// the day, `WHERE NOT EXISTS` a row with that day's key: re-running it
    /// adds only the days the table lacks.
    FillCalendar {
        /// Table.
        table: ObjectName,
        /// The smart key column (yyyymmdd).
        key: String,
        /// Every filled column with its part (the key among them).
        columns: Vec<(String, DatePart)>,
        /// First day, `YYYY-MM-DD`.
        from: String,
        /// How many days.
        days: u32,
        /// Months the fiscal year is ahead of the calendar year (0–11).
        fiscal_offset: u8,
    },
    /// `CREATE OR REPLACE [SECURE] VIEW ... COPY GRANTS`: a view holds no
    /// data, and COPY GRANTS keeps the grants made on it.
    CreateView {
        /// Qualified name.
        name: ObjectName,
        /// `SECURE`.
        secure: bool,
        /// Comment.
        comment: Option<String>,
        /// The query.
        query: Query,
    },
    /// A dynamic table, created or replaced only when its definition changed:
    /// a Snowflake Scripting block compares the definition hash kept in the
    /// table's comment with the new one.
    CreateDynamicTable(DynamicTable),
    /// `CREATE ROLE IF NOT EXISTS` (never OR REPLACE: that drops every grant).
    CreateRole {
        /// Role name.
        name: String,
        /// Comment.
        comment: Option<String>,
    },
    /// `GRANT ROLE child TO ROLE parent`: the parent inherits the child's privileges.
    GrantRole {
        /// The role granted.
        role: String,
        /// The role receiving it.
        to: String,
    },
    /// `CREATE FILE FORMAT IF NOT EXISTS`, or with `alter`
    /// `ALTER FILE FORMAT IF EXISTS ... SET` (bringing an existing format's
    /// options up to date without recreating it).
    FileFormat {
        /// Qualified name.
        name: ObjectName,
        /// `TYPE`.
        file_type: FileType,
        /// Options in order.
        options: Vec<(FormatOption, OptionValue)>,
        /// Comment.
        comment: Option<String>,
        /// ALTER ... SET rather than CREATE.
        alter: bool,
    },
    /// `CREATE STORAGE INTEGRATION IF NOT EXISTS` (S3, GCS or Azure), or
    /// with `alter` the `ALTER ... SET` of its role or tenant and allowed
    /// locations.
    StorageIntegration {
        /// Name (account-wide).
        name: String,
        /// The cloud, and what it authenticates with.
        credentials: Credentials,
        /// `STORAGE_ALLOWED_LOCATIONS`.
        locations: Vec<String>,
        /// Comment.
        comment: Option<String>,
        /// ALTER ... SET rather than CREATE.
        alter: bool,
    },
    /// `CREATE STAGE IF NOT EXISTS`: external through an integration, or
    /// internal (no URL). Never altered on deploy: any `ALTER STAGE ... SET
    /// URL` stops the stage's auto-ingest pipes (`STOPPED_STAGE_ALTERED`), so
    /// a changed stage is a migration, like a changed pipe.
    Stage {
        /// Qualified name.
        name: ObjectName,
        /// `URL` (`None`: an internal stage).
        url: Option<String>,
        /// `STORAGE_INTEGRATION` (an external stage's).
        storage_integration: Option<String>,
        /// `FILE_FORMAT = (FORMAT_NAME = ...)`.
        file_format: ObjectName,
        /// Comment.
        comment: Option<String>,
    },
    /// `CREATE PIPE IF NOT EXISTS ... AS COPY INTO ...` (never OR REPLACE:
    /// that throws away the pipe's load history).
    CreatePipe(Box<Pipe>),
    /// A migration's runbook for pipes that must be recreated (a pipe's COPY
    /// cannot be altered), as one Snowflake Scripting block: pause the pipes
    /// as deployed, note the time, wait for the files they have queued (if
    /// they do not drain in time, resume them and stop, having changed
    /// nothing), drop them, run `between` (what the new pipes read changes
    /// while no pipe runs: a landing table renamed, a stage altered), create
    /// the new ones, and refresh each with `MODIFIED_AFTER` the pause, so
    /// that no file is lost or loaded twice.
    RecreatePipe {
        /// Each pipe as deployed, and the pipe that replaces it.
        pipes: Vec<(ObjectName, Box<Pipe>)>,
        /// What runs after the drop and before the create.
        between: Vec<Statement>,
        /// How long to wait for the queued files, in 10-second polls.
        polls: u32,
    },
    /// `ALTER SEQUENCE IF EXISTS a RENAME TO b`, `ALTER STREAM IF EXISTS a
    /// RENAME TO b` (a stream renamed keeps its offset).
    Rename {
        /// What is renamed.
        kind: RenameKind,
        /// Its name now.
        from: ObjectName,
        /// Its new name.
        to: ObjectName,
    },
    /// `ALTER STAGE IF EXISTS ... SET URL = ... STORAGE_INTEGRATION = ...
    /// FILE_FORMAT = (...)`: a stage as the model now declares it.
    AlterStage {
        /// Qualified name.
        name: ObjectName,
        /// `URL` (`None`: an internal stage, which has none).
        url: Option<String>,
        /// `STORAGE_INTEGRATION`.
        storage_integration: Option<String>,
        /// `FILE_FORMAT = (FORMAT_NAME = ...)`.
        file_format: ObjectName,
    },
    /// `CREATE STREAM IF NOT EXISTS ... ON TABLE ... APPEND_ONLY = TRUE`
    /// (recreating a stream loses its offset).
    CreateStream {
        /// Qualified name.
        name: ObjectName,
        /// The table it tracks.
        table: ObjectName,
        /// Comment.
        comment: Option<String>,
    },
    /// `ALTER TASK IF EXISTS name SUSPEND` or `RESUME`.
    AlterTask {
        /// Qualified name.
        name: ObjectName,
        /// `true` for RESUME.
        resume: bool,
    },
    /// `CREATE OR ALTER TASK`: creates the task or alters it in place
    /// (history and grants kept).
    Task(Box<Task>),
    /// A `MERGE` that maintains a dimension or fact from landed rows.
    Merge(Box<Merge>),
    /// A task body that counts the batch's rows and its unknown members
    /// first, and raises instead of merging when more than `percent` of the
    /// rows would get the unknown member of one reference (the rows stay on
    /// the stream); otherwise the `MERGE`.
    CheckedMerge {
        /// One row: `LANDED` (rows) and `UNKNOWN` (the worst reference's unknown rows).
        counts: Query,
        /// The highest share, in percent, the batch may have.
        percent: u8,
        /// The table, for the error's message.
        table: String,
        /// The MERGE.
        merge: Box<Merge>,
    },
    /// `REVOKE privileges ON object FROM ROLE role`: a migration taking back
    /// what the model no longer grants.
    Revoke {
        /// Privileges.
        privileges: Vec<Privilege>,
        /// What they are on.
        on: GrantOn,
        /// Grantee.
        role: String,
    },
    /// `REVOKE ROLE child FROM ROLE parent`.
    RevokeRole {
        /// The role granted.
        role: String,
        /// The role it was granted to.
        from: String,
    },
    /// `DROP <kind> IF EXISTS name`: only in a migration (a view or dynamic
    /// table, a load's task, pipe and stream, a role).
    Drop {
        /// What is dropped.
        kind: DropKind,
        /// Its name (one part for a role).
        name: ObjectName,
    },
    /// `CREATE TAG IF NOT EXISTS ... ALLOWED_VALUES ...` (never OR REPLACE:
    /// a replaced tag is detached from every object it was set on).
    CreateTag {
        /// Qualified name.
        name: ObjectName,
        /// `ALLOWED_VALUES`.
        allowed: Vec<String>,
        /// Comment.
        comment: Option<String>,
    },
    /// `CREATE MASKING POLICY IF NOT EXISTS name AS (VAL type) RETURNS type
    /// -> body`, or with `alter` the `ALTER MASKING POLICY IF EXISTS name SET
    /// BODY -> body` that keeps an existing policy current (never OR
    /// REPLACE: a replaced policy is detached from its columns).
    MaskingPolicy {
        /// Qualified name.
        name: ObjectName,
        /// The type it takes and returns.
        sql_type: DataType,
        /// The body, over the argument [`MASKED_VALUE`].
        body: Expr,
        /// Comment (creation only).
        comment: Option<String>,
        /// ALTER ... SET BODY rather than CREATE.
        alter: bool,
    },
    /// `ALTER [DYNAMIC] TABLE t MODIFY COLUMN c SET MASKING POLICY p FORCE`:
    /// FORCE replaces whatever policy the column has, so the statement sets
    /// the model's policy whatever was set before.
    SetMaskingPolicy {
        /// The table.
        table: ObjectName,
        /// A dynamic table.
        dynamic: bool,
        /// The column.
        column: String,
        /// The policy.
        policy: ObjectName,
    },
    /// `ALTER [DYNAMIC] TABLE t MODIFY COLUMN c SET TAG tag = 'value'` (a
    /// tag set again takes the new value).
    SetTag {
        /// The table.
        table: ObjectName,
        /// A dynamic table.
        dynamic: bool,
        /// The column.
        column: String,
        /// The tag.
        tag: ObjectName,
        /// Its value.
        value: String,
    },
    /// `ALTER [DYNAMIC] TABLE t MODIFY COLUMN c UNSET MASKING POLICY`: a
    /// migration unmasking a column that is no longer personal data.
    UnsetMaskingPolicy {
        /// The table.
        table: ObjectName,
        /// A dynamic table.
        dynamic: bool,
        /// The column.
        column: String,
    },
    /// `ALTER [DYNAMIC] TABLE t MODIFY COLUMN c UNSET TAG tag`.
    UnsetTag {
        /// The table.
        table: ObjectName,
        /// A dynamic table.
        dynamic: bool,
        /// The column.
        column: String,
        /// The tag.
        tag: ObjectName,
    },
    /// `GRANT privileges ON object TO ROLE role`.
    Grant {
        /// Privileges, e.g. `SELECT`.
        privileges: Vec<Privilege>,
        /// What they are on.
        on: GrantOn,
        /// Grantee.
        role: String,
    },
}

/// The SELECTs over a schema's `INFORMATION_SCHEMA` whose rows (as the
/// Snowflake CLI prints them, `snow sql --format json -q ...`) are a catalog
/// baseline for `dimgen plan`: every column of every base table, in order,
/// then (unless `pipes` is false) every pipe with its COPY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogQuery {
    /// The database.
    pub database: String,
    /// The schema.
    pub schema: String,
    /// Whether the second SELECT, over `INFORMATION_SCHEMA.PIPES`, follows.
    pub pipes: bool,
}

impl CatalogQuery {
    /// The columns it selects, as the rows name them.
    pub const COLUMNS: [&'static str; 9] = [
        "TABLE_NAME",
        "COLUMN_NAME",
        "ORDINAL_POSITION",
        "DATA_TYPE",
        "CHARACTER_MAXIMUM_LENGTH",
        "NUMERIC_PRECISION",
        "NUMERIC_SCALE",
        "IS_NULLABLE",
        "COMMENT",
    ];
    /// The columns of the pipes' SELECT.
    pub const PIPE_COLUMNS: [&'static str; 3] = ["PIPE_NAME", "DEFINITION", "IS_AUTOINGEST_ENABLED"];
}

impl Display for CatalogQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let db = Ident(&self.database);
        f.write_str("SELECT ")?;
        for (i, column) in Self::COLUMNS.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "c.{column}")?;
        }
        write!(
            f,
            "\nFROM {db}.INFORMATION_SCHEMA.COLUMNS AS c\nJOIN {db}.INFORMATION_SCHEMA.TABLES AS t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME\nWHERE c.TABLE_SCHEMA = {} AND t.TABLE_TYPE = 'BASE TABLE'\nORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            Literal(&self.schema)
        )?;
        if self.pipes {
            write!(
                f,
                ";\nSELECT p.{}\nFROM {db}.INFORMATION_SCHEMA.PIPES AS p\nWHERE p.PIPE_SCHEMA = {}\nORDER BY p.PIPE_NAME",
                Self::PIPE_COLUMNS.join(", p."),
                Literal(&self.schema)
            )?;
        }
        Ok(())
    }
}

/// A statement as an output file holds it: on a line of its own after a
/// blank line, terminated by `;`.
pub struct InFile<'a>(pub &'a Statement);

impl Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{};\n", self.0)
    }
}

impl Pipe {
    /// The COPY statement the pipe runs, as `CREATE PIPE` prints it after
    /// `AS` (what `INFORMATION_SCHEMA.PIPES` shows as its `DEFINITION`).
    pub fn copy_text(&self) -> String {
        self.copy.to_string()
    }
}

/// An option of a file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatOption {
    /// `COMPRESSION`
    Compression,
    /// `RECORD_DELIMITER`
    RecordDelimiter,
    /// `FIELD_DELIMITER`
    FieldDelimiter,
    /// `PARSE_HEADER`
    ParseHeader,
    /// `SKIP_HEADER`
    SkipHeader,
    /// `FIELD_OPTIONALLY_ENCLOSED_BY`
    FieldOptionallyEnclosedBy,
    /// `NULL_IF`
    NullIf,
    /// `EMPTY_FIELD_AS_NULL`
    EmptyFieldAsNull,
    /// `TRIM_SPACE`
    TrimSpace,
    /// `DATE_FORMAT`
    DateFormat,
    /// `TIMESTAMP_FORMAT`
    TimestampFormat,
    /// `STRIP_OUTER_ARRAY`
    StripOuterArray,
}

impl Display for FormatOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Compression => "COMPRESSION",
            Self::RecordDelimiter => "RECORD_DELIMITER",
            Self::FieldDelimiter => "FIELD_DELIMITER",
            Self::ParseHeader => "PARSE_HEADER",
            Self::SkipHeader => "SKIP_HEADER",
            Self::FieldOptionallyEnclosedBy => "FIELD_OPTIONALLY_ENCLOSED_BY",
            Self::NullIf => "NULL_IF",
            Self::EmptyFieldAsNull => "EMPTY_FIELD_AS_NULL",
            Self::TrimSpace => "TRIM_SPACE",
            Self::DateFormat => "DATE_FORMAT",
            Self::TimestampFormat => "TIMESTAMP_FORMAT",
            Self::StripOuterArray => "STRIP_OUTER_ARRAY",
        })
    }
}

/// A value of a file-format option.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionValue {
    /// An unquoted keyword, e.g. `AUTO` (validation allows only the
    /// documented ones; anything else is printed as a string literal).
    Keyword(String),
    /// A string literal.
    Str(String),
    /// A number.
    Int(u32),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// `('a', 'b')`.
    List(Vec<String>),
}

impl Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyword(k)
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
            {
                f.write_str(k)
            }
            Self::Keyword(k) => write!(f, "{}", Literal(k)),
            Self::Str(s) => write!(f, "{}", Literal(s)),
            Self::Int(n) => write!(f, "{n}"),
            Self::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Self::List(items) => {
                f.write_char('(')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Literal(item))?;
                }
                f.write_char(')')
            }
        }
    }
}

/// A stage location: `@db.schema.stage/path/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLocation {
    /// The stage.
    pub stage: ObjectName,
    /// Folder below it (validated: letters, digits, `_ - . = /`), or empty.
    pub path: String,
}

impl Display for StageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.stage)?;
        if !self.path.is_empty() {
            write!(f, "/{}", self.path)?;
        }
        Ok(())
    }
}

/// `COPY INTO table FROM stage`: either matching columns by name, or an
/// explicit column list, with a projection (`SELECT ... FROM @stage`) when
/// the fields must be picked or file metadata recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The landing table.
    pub into: ObjectName,
    /// Column list (empty when matching by name).
    pub columns: Vec<String>,
    /// Projection, one field per column (empty: read the stage directly).
    pub select: Vec<CopyField>,
    /// Where the files are.
    pub from: StageLocation,
    /// `FILE_FORMAT = (FORMAT_NAME = '...')`.
    pub file_format: ObjectName,
    /// `MATCH_BY_COLUMN_NAME`: `Some(true)` for `CASE_SENSITIVE`,
    /// `Some(false)` for `CASE_INSENSITIVE`.
    pub match_by_column_name: Option<bool>,
    /// `INCLUDE_METADATA = (column = METADATA$...)` (with matching by name).
    pub include_metadata: Vec<(String, FileMetadata)>,
    /// `PATTERN`.
    pub pattern: Option<String>,
    /// `ON_ERROR`.
    pub on_error: Option<OnError>,
}

impl Display for Copy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COPY INTO {}", self.into)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_idents(f, &self.columns)?;
            f.write_char(')')?;
        }
        if self.select.is_empty() {
            write!(f, "\nFROM {}", self.from)?;
        } else {
            f.write_str("\nFROM (\n    SELECT\n")?;
            for (i, expr) in self.select.iter().enumerate() {
                let comma = if i + 1 < self.select.len() { "," } else { "" };
                writeln!(f, "        {expr}{comma}")?;
            }
            write!(f, "    FROM {}\n)", self.from)?;
        }
        write!(
            f,
            "\nFILE_FORMAT = (FORMAT_NAME = {})",
            Literal(&self.file_format.to_string())
        )?;
        if let Some(case_sensitive) = self.match_by_column_name {
            let m = if case_sensitive {
                "CASE_SENSITIVE"
            } else {
                "CASE_INSENSITIVE"
            };
            write!(f, "\nMATCH_BY_COLUMN_NAME = {m}")?;
        }
        if !self.include_metadata.is_empty() {
            f.write_str("\nINCLUDE_METADATA = (")?;
            for (i, (column, source)) in self.include_metadata.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{} = {}", Ident(column), metadata_source(*source))?;
            }
            f.write_char(')')?;
        }
        if let Some(p) = &self.pattern {
            write!(f, "\nPATTERN = {}", Literal(p))?;
        }
        if let Some(e) = self.on_error {
            write!(f, "\nON_ERROR = {}", on_error_keyword(e))?;
        }
        Ok(())
    }
}

/// What a storage integration reads through, by cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `STORAGE_PROVIDER = 'S3'` and the IAM role it assumes.
    S3 {
        /// `STORAGE_AWS_ROLE_ARN`.
        role_arn: String,
    },
    /// `STORAGE_PROVIDER = 'GCS'`: Snowflake's own service account, given
    /// access to the buckets.
    Gcs,
    /// `STORAGE_PROVIDER = 'AZURE'` and the tenant that consents.
    Azure {
        /// `AZURE_TENANT_ID`.
        tenant_id: String,
    },
}

/// A Snowpipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipe {
    /// Qualified name.
    pub name: ObjectName,
    /// `AUTO_INGEST`.
    pub auto_ingest: bool,
    /// `AWS_SNS_TOPIC`.
    pub aws_sns_topic: Option<String>,
    /// `INTEGRATION = '...'`: the notification integration of a GCS or
    /// Azure auto-ingest pipe.
    pub integration: Option<String>,
    /// `ERROR_INTEGRATION`.
    pub error_integration: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// The COPY it runs.
    pub copy: Copy,
}

/// A task running one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Qualified name.
    pub name: ObjectName,
    /// `WAREHOUSE`.
    pub warehouse: String,
    /// `SCHEDULE`.
    pub schedule: Option<String>,
    /// `WHEN SYSTEM$STREAM_HAS_DATA('stream')`.
    pub when_stream: Option<ObjectName>,
    /// Comment.
    pub comment: Option<String>,
    /// What it runs.
    pub body: Statement,
}

/// What an `ALTER TABLE` of a migration does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlterTable {
    /// `ADD COLUMN IF NOT EXISTS <definition>`
    AddColumn(ColumnDef),
    /// `RENAME COLUMN a TO b`
    RenameColumn(String, String),
    /// `DROP COLUMN IF EXISTS c`
    DropColumn(String),
    /// `ALTER COLUMN c SET DATA TYPE T`
    SetDataType(String, DataType),
    /// `ALTER COLUMN c SET NOT NULL`
    SetNotNull(String),
    /// `ALTER COLUMN c DROP NOT NULL`
    DropNotNull(String),
    /// `ALTER COLUMN c DROP DEFAULT`
    DropDefault(String),
    /// `ALTER COLUMN c SET DEFAULT seq.NEXTVAL` (Snowflake changes a
    /// column's default only from one sequence to another).
    SetDefaultSequence(String, ObjectName),
    /// `ALTER COLUMN c COMMENT '...'`, or `UNSET COMMENT`.
    Comment(String, Option<String>),
    /// `RENAME TO <new name>`
    RenameTo(ObjectName),
    /// `RENAME CONSTRAINT a TO b`
    RenameConstraint(String, String),
    /// `DROP CONSTRAINT c`
    DropConstraint(String),
    /// `ALTER CONSTRAINT c NORELY`: the optimizer may no longer trust it.
    NoRely(String),
    /// `ADD <constraint>`
    AddConstraint(Constraint),
    /// `CLUSTER BY (a, b)`, or with no column `DROP CLUSTERING KEY`.
    ClusterBy(Vec<String>),
}

impl Display for AlterTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AddColumn(def) => write!(f, "ADD COLUMN IF NOT EXISTS {def}"),
            Self::RenameColumn(a, b) => write!(f, "RENAME COLUMN {} TO {}", Ident(a), Ident(b)),
            Self::DropColumn(c) => write!(f, "DROP COLUMN IF EXISTS {}", Ident(c)),
            Self::SetDataType(c, ty) => write!(f, "ALTER COLUMN {} SET DATA TYPE {}", Ident(c), SqlType(*ty)),
            Self::SetNotNull(c) => write!(f, "ALTER COLUMN {} SET NOT NULL", Ident(c)),
            Self::DropNotNull(c) => write!(f, "ALTER COLUMN {} DROP NOT NULL", Ident(c)),
            Self::DropDefault(c) => write!(f, "ALTER COLUMN {} DROP DEFAULT", Ident(c)),
            Self::SetDefaultSequence(c, sequence) => {
                write!(f, "ALTER COLUMN {} SET DEFAULT {sequence}.NEXTVAL", Ident(c))
            }
            Self::Comment(c, Some(text)) => write!(f, "ALTER COLUMN {} COMMENT {}", Ident(c), Literal(text)),
            Self::Comment(c, None) => write!(f, "ALTER COLUMN {} UNSET COMMENT", Ident(c)),
            Self::RenameTo(name) => write!(f, "RENAME TO {name}"),
            Self::RenameConstraint(a, b) => write!(f, "RENAME CONSTRAINT {} TO {}", Ident(a), Ident(b)),
            Self::DropConstraint(c) => write!(f, "DROP CONSTRAINT {}", Ident(c)),
            Self::AddConstraint(c) => write!(f, "ADD {c}"),
            Self::NoRely(c) => write!(f, "ALTER CONSTRAINT {} NORELY", Ident(c)),
            Self::ClusterBy(columns) if columns.is_empty() => f.write_str("DROP CLUSTERING KEY"),
            Self::ClusterBy(columns) => {
                f.write_str("CLUSTER BY (")?;
                comma_idents(f, columns)?;
                f.write_str(")")
            }
        }
    }
}

/// A stage's `URL`, `STORAGE_INTEGRATION` and `FILE_FORMAT`, one a line, as
/// `CREATE STAGE` and `ALTER STAGE ... SET` write them.
fn stage_parameters(
    f: &mut fmt::Formatter<'_>,
    url: Option<&str>,
    storage_integration: Option<&str>,
    file_format: &ObjectName,
) -> fmt::Result {
    if let Some(url) = url {
        write!(f, "\n    URL = {}", Literal(url))?;
    }
    if let Some(integration) = storage_integration {
        write!(f, "\n    STORAGE_INTEGRATION = {}", Ident(integration))?;
    }
    write!(
        f,
        "\n    FILE_FORMAT = (FORMAT_NAME = {})",
        Literal(&file_format.to_string())
    )
}

/// What a migration's `ALTER ... RENAME TO` renames (tables have `AlterTable::RenameTo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenameKind {
    /// A sequence.
    Sequence,
    /// A stream.
    Stream,
}

impl RenameKind {
    fn keyword(self) -> &'static str {
        match self {
            Self::Sequence => "SEQUENCE",
            Self::Stream => "STREAM",
        }
    }
}

/// What a migration's `DROP` drops (tables have `Statement::DropTable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropKind {
    /// `VIEW`
    View,
    /// `DYNAMIC TABLE`
    DynamicTable,
    /// `TASK`
    Task,
    /// `PIPE`
    Pipe,
    /// `STREAM`
    Stream,
    /// `ROLE`
    Role,
}

impl DropKind {
    /// The keyword(s).
    pub fn keyword(self) -> &'static str {
        match self {
            Self::View => "VIEW",
            Self::DynamicTable => "DYNAMIC TABLE",
            Self::Task => "TASK",
            Self::Pipe => "PIPE",
            Self::Stream => "STREAM",
            Self::Role => "ROLE",
        }
    }
}

/// A privilege dimgen grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Privilege {
    /// `SELECT`
    Select,
    /// `INSERT`
    Insert,
    /// `UPDATE`
    Update,
    /// `DELETE`
    Delete,
    /// `TRUNCATE`
    Truncate,
    /// `USAGE` (of a database, schema, warehouse or integration)
    Usage,
    /// `CREATE <kind>` in a schema.
    Create(ObjectKind),
}

impl Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Select => f.write_str("SELECT"),
            Self::Insert => f.write_str("INSERT"),
            Self::Update => f.write_str("UPDATE"),
            Self::Delete => f.write_str("DELETE"),
            Self::Truncate => f.write_str("TRUNCATE"),
            Self::Usage => f.write_str("USAGE"),
            Self::Create(kind) => write!(f, "CREATE {kind}"),
        }
    }
}

/// The kind of a schema object, as GRANT names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `TABLE`
    Table,
    /// `VIEW`
    View,
    /// `DYNAMIC TABLE`
    DynamicTable,
}

impl ObjectKind {
    /// The plural, for `ON ALL` / `ON FUTURE` (`TABLES`, `VIEWS`, `DYNAMIC TABLES`).
    pub fn plural(self) -> &'static str {
        match self {
            Self::Table => "TABLES",
            Self::View => "VIEWS",
            Self::DynamicTable => "DYNAMIC TABLES",
        }
    }
}

impl Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Table => "TABLE",
            Self::View => "VIEW",
            Self::DynamicTable => "DYNAMIC TABLE",
        })
    }
}

/// The object of a GRANT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantOn {
    /// `ON DATABASE d`.
    Database(String),
    /// `ON SCHEMA d.s`.
    Schema(ObjectName),
    /// `ON WAREHOUSE w`.
    Warehouse(String),
    /// `ON INTEGRATION i`.
    Integration(String),
    /// `ON <kind> d.s.o`.
    Object(ObjectKind, ObjectName),
    /// `ON ALL <kinds> IN SCHEMA d.s`.
    All(ObjectKind, ObjectName),
    /// `ON FUTURE <kinds> IN SCHEMA d.s`.
    Future(ObjectKind, ObjectName),
}

impl Display for GrantOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database(d) => write!(f, "DATABASE {}", Ident(d)),
            Self::Schema(s) => write!(f, "SCHEMA {s}"),
            Self::Warehouse(w) => write!(f, "WAREHOUSE {}", Ident(w)),
            Self::Integration(i) => write!(f, "INTEGRATION {}", Ident(i)),
            Self::Object(kind, name) => write!(f, "{kind} {name}"),
            Self::All(kind, schema) => write!(f, "ALL {} IN SCHEMA {schema}", kind.plural()),
            Self::Future(kind, schema) => write!(f, "FUTURE {} IN SCHEMA {schema}", kind.plural()),
        }
    }
}

/// A dynamic table's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicTable {
    /// Qualified name (database, schema, table).
    pub name: ObjectName,
    /// `TARGET_LAG`.
    pub target_lag: String,
    /// `REFRESH_MODE` keyword: `AUTO`, `FULL` or `INCREMENTAL`.
    pub refresh_mode: RefreshMode,
    /// `WAREHOUSE`.
    pub warehouse: String,
    /// The user's comment (the definition hash is appended).
    pub comment: Option<String>,
    /// The query.
    pub query: Query,
}

impl DynamicTable {
    /// The CREATE statement without the hash; its hash identifies the definition.
    fn create(&self, hash: Option<&str>) -> String {
        let comment = match (&self.comment, hash) {
            (Some(c), Some(h)) => format!("{c} [dimgen:definition={h}]"),
            (None, Some(h)) => format!("[dimgen:definition={h}]"),
            (Some(c), None) => c.clone(),
            (None, None) => String::new(),
        };
        format!(
            "CREATE OR REPLACE DYNAMIC TABLE {}
    TARGET_LAG = {}
    REFRESH_MODE = {}
    WAREHOUSE = {}
    COPY GRANTS
    COMMENT = {}
AS
{}",
            self.name,
            Literal(&self.target_lag),
            refresh_mode_keyword(self.refresh_mode),
            Ident(&self.warehouse),
            Literal(&comment),
            self.query
        )
    }

    /// A stable 64-bit FNV-1a hash of the definition, in hex (stable across
    /// Rust versions, unlike `std`'s hasher).
    pub fn definition_hash(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.create(None).bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl Statement {
    /// A secure view or dynamic table as a plain `CREATE OR REPLACE VIEW`
    /// over the same query: how tests run their SQL in an emulator that
    /// knows neither.
    pub fn as_plain_view(&self) -> Option<Statement> {
        let (name, query) = match self {
            Self::CreateView {
                name,
                secure: true,
                query,
                ..
            } => (name, query),
            Self::CreateDynamicTable(t) => (&t.name, &t.query),
            _ => return None,
        };
        Some(Self::CreateView {
            name: name.clone(),
            secure: false,
            comment: None,
            query: query.clone(),
        })
    }

    /// A short name of the statement's kind (`CREATE TABLE`, ...), used by
    /// tests to list what a tool can and cannot check.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CreateDatabase { .. } => "CREATE DATABASE",
            Self::CreateSchema { .. } => "CREATE SCHEMA",
            Self::CreateSequence { .. } => "CREATE SEQUENCE",
            Self::CreateTable(_) => "CREATE TABLE",
            Self::RelyConstraint { .. } => "ALTER TABLE ALTER CONSTRAINT RELY",
            Self::AlterTable { action, .. } => match action {
                AlterTable::AddColumn(_) => "ALTER TABLE ADD COLUMN",
                AlterTable::RenameColumn(..) => "ALTER TABLE RENAME COLUMN",
                AlterTable::RenameTo(_) => "ALTER TABLE RENAME TO",
                AlterTable::RenameConstraint(..) => "ALTER TABLE RENAME CONSTRAINT",
                AlterTable::DropConstraint(_) => "ALTER TABLE DROP CONSTRAINT",
                AlterTable::AddConstraint(_) => "ALTER TABLE ADD CONSTRAINT",
                AlterTable::NoRely(_) => "ALTER TABLE ALTER CONSTRAINT NORELY",
                AlterTable::ClusterBy(c) if c.is_empty() => "ALTER TABLE DROP CLUSTERING KEY",
                AlterTable::ClusterBy(_) => "ALTER TABLE CLUSTER BY",
                AlterTable::DropColumn(_) => "ALTER TABLE DROP COLUMN",
                AlterTable::SetDataType(..) => "ALTER TABLE ALTER COLUMN SET DATA TYPE",
                AlterTable::SetNotNull(_) => "ALTER TABLE ALTER COLUMN SET NOT NULL",
                AlterTable::DropNotNull(_) => "ALTER TABLE ALTER COLUMN DROP NOT NULL",
                AlterTable::DropDefault(_) => "ALTER TABLE ALTER COLUMN DROP DEFAULT",
                AlterTable::SetDefaultSequence(..) => "ALTER TABLE ALTER COLUMN SET DEFAULT",
                AlterTable::Comment(..) => "ALTER TABLE ALTER COLUMN COMMENT",
            },
            Self::Update { .. } | Self::SetColumn { .. } | Self::Repoint { .. } => "UPDATE",
            Self::Delete { .. } => "DELETE",
            Self::DropTable { .. } => "DROP TABLE",
            Self::InsertIfAbsent { .. } | Self::FillCalendar { .. } => "INSERT",
            Self::CreateView { secure: false, .. } => "CREATE VIEW",
            Self::CreateView { secure: true, .. } => "CREATE SECURE VIEW",
            Self::CreateDynamicTable(_) => "CREATE DYNAMIC TABLE",
            Self::CreateRole { .. } => "CREATE ROLE",
            Self::FileFormat { alter: false, .. } => "CREATE FILE FORMAT",
            Self::FileFormat { alter: true, .. } => "ALTER FILE FORMAT",
            Self::StorageIntegration { alter: false, .. } => "CREATE STORAGE INTEGRATION",
            Self::StorageIntegration { alter: true, .. } => "ALTER STORAGE INTEGRATION",
            Self::Stage { .. } => "CREATE STAGE",
            Self::CreatePipe(_) => "CREATE PIPE",
            Self::RecreatePipe { .. } => "RECREATE PIPE",
            Self::Rename {
                kind: RenameKind::Sequence,
                ..
            } => "ALTER SEQUENCE RENAME",
            Self::Rename {
                kind: RenameKind::Stream,
                ..
            } => "ALTER STREAM RENAME",
            Self::AlterStage { .. } => "ALTER STAGE",
            Self::CreateStream { .. } => "CREATE STREAM",
            Self::AlterTask { .. } => "ALTER TASK",
            Self::Task(_) => "CREATE OR ALTER TASK",
            Self::Merge(_) => "MERGE",
            Self::CheckedMerge { .. } => "EXECUTE IMMEDIATE",
            Self::CreateTag { .. } => "CREATE TAG",
            Self::MaskingPolicy { alter: false, .. } => "CREATE MASKING POLICY",
            Self::MaskingPolicy { alter: true, .. } => "ALTER MASKING POLICY",
            Self::SetMaskingPolicy { dynamic: false, .. } => "ALTER TABLE SET MASKING POLICY",
            Self::SetMaskingPolicy { dynamic: true, .. } => "ALTER DYNAMIC TABLE SET MASKING POLICY",
            Self::SetTag { dynamic: false, .. } => "ALTER TABLE SET TAG",
            Self::SetTag { dynamic: true, .. } => "ALTER DYNAMIC TABLE SET TAG",
            Self::UnsetMaskingPolicy { dynamic: false, .. } => "ALTER TABLE UNSET MASKING POLICY",
            Self::UnsetMaskingPolicy { dynamic: true, .. } => "ALTER DYNAMIC TABLE UNSET MASKING POLICY",
            Self::UnsetTag { dynamic: false, .. } => "ALTER TABLE UNSET TAG",
            Self::UnsetTag { dynamic: true, .. } => "ALTER DYNAMIC TABLE UNSET TAG",
            Self::GrantRole { .. } => "GRANT ROLE",
            Self::Grant {
                on: GrantOn::Future(..),
                ..
            } => "GRANT ON FUTURE",
            Self::Grant {
                on: GrantOn::All(..), ..
            } => "GRANT ON ALL",
            Self::Grant { .. } => "GRANT",
            Self::Revoke { .. } => "REVOKE",
            Self::RevokeRole { .. } => "REVOKE ROLE",
            Self::Drop { kind, .. } => match kind {
                DropKind::View => "DROP VIEW",
                DropKind::DynamicTable => "DROP DYNAMIC TABLE",
                DropKind::Task => "DROP TASK",
                DropKind::Pipe => "DROP PIPE",
                DropKind::Stream => "DROP STREAM",
                DropKind::Role => "DROP ROLE",
            },
        }
    }
}

/// The SQL of one part of the day `d.D`. ISO weekdays and weeks, so the
/// values do not depend on the session's `WEEK_START`; names spelled out with
/// DECODE rather than a format (the emulator ignores `TO_CHAR`'s formats).
/// `INSERT INTO <table> (<columns>)\nSELECT `: the head of an INSERT ... SELECT.
fn insert_select(f: &mut fmt::Formatter<'_>, table: &ObjectName, columns: &[String]) -> fmt::Result {
    write!(f, "INSERT INTO {table} (")?;
    comma_idents(f, columns)?;
    f.write_str(")\nSELECT ")
}

/// `1, 'January', 2, 'February', ...`: DECODE's pairs for names numbered from 1
/// (the names are dimgen's own words, without quotes to escape).
fn numbered(names: &[&str]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{}, {}", i + 1, Literal(name)))
        .collect();
    pairs.join(", ")
}

fn date_part(part: DatePart, fiscal_offset: u8) -> String {
    const DAY: &str = "d.D";
    let fiscal = if fiscal_offset == 0 {
        DAY.to_owned()
    } else {
        format!("ADD_MONTHS({DAY}, {fiscal_offset})")
    };
    match part {
        DatePart::FullDate => DAY.to_owned(),
        DatePart::DateKey => format!("YEAR({DAY}) * 10000 + MONTH({DAY}) * 100 + DAY({DAY})"),
        DatePart::Year => format!("YEAR({DAY})"),
        DatePart::Quarter => format!("QUARTER({DAY})"),
        DatePart::Month => format!("MONTH({DAY})"),
        DatePart::DayOfMonth => format!("DAY({DAY})"),
        DatePart::DayOfYear => format!("DAYOFYEAR({DAY})"),
        DatePart::DayOfWeek => format!("DAYOFWEEKISO({DAY})"),
        DatePart::WeekOfYear => format!("WEEKISO({DAY})"),
        DatePart::YearOfWeek => format!("YEAROFWEEKISO({DAY})"),
        DatePart::YearMonth => format!("YEAR({DAY}) * 100 + MONTH({DAY})"),
        DatePart::MonthName => format!("DECODE(MONTH({DAY}), {})", numbered(&model_core::model::MONTH_NAMES)),
        DatePart::MonthShort => format!("MONTHNAME({DAY})"),
        DatePart::DayName => format!(
            "DECODE(DAYOFWEEKISO({DAY}), {})",
            numbered(&model_core::model::DAY_NAMES)
        ),
        DatePart::DayShort => format!("DAYNAME({DAY})"),
        DatePart::QuarterName => format!("'Q' || TO_VARCHAR(QUARTER({DAY}))"),
        DatePart::YearMonthName => format!("MONTHNAME({DAY}) || TO_VARCHAR(YEAR({DAY}))"),
        DatePart::IsWeekend => format!("DAYOFWEEKISO({DAY}) IN (6, 7)"),
        DatePart::IsWeekday => format!("DAYOFWEEKISO({DAY}) <= 5"),
        DatePart::IsMonthEnd => format!("{DAY} = LAST_DAY({DAY}, 'MONTH')"),
        DatePart::WeekStart => format!("DATEADD(DAY, 1 - DAYOFWEEKISO({DAY}), {DAY})"),
        DatePart::MonthStart => format!("DATE_FROM_PARTS(YEAR({DAY}), MONTH({DAY}), 1)"),
        DatePart::MonthEnd => format!("LAST_DAY({DAY}, 'MONTH')"),
        DatePart::FiscalYear => format!("YEAR({fiscal})"),
        DatePart::FiscalQuarter => format!("QUARTER({fiscal})"),
        DatePart::FiscalMonth => format!("MONTH({fiscal})"),
    }
}

fn comma_idents(out: &mut fmt::Formatter<'_>, names: &[String]) -> fmt::Result {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{}", Ident(name))?;
    }
    Ok(())
}

fn comment_clause(f: &mut fmt::Formatter<'_>, comment: Option<&String>) -> fmt::Result {
    match comment {
        Some(c) => write!(f, " COMMENT = {}", Literal(c)),
        None => Ok(()),
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Snowflake's documented order: type, COMMENT, DEFAULT/IDENTITY, NOT NULL.
        write!(f, "{} {}", Ident(&self.name), SqlType(self.sql_type))?;
        if let Some(c) = &self.comment {
            write!(f, " COMMENT {}", Literal(c))?;
        }
        match &self.default {
            Some(ColumnDefault::Identity) => f.write_str(" IDENTITY(1, 1) ORDER")?,
            Some(ColumnDefault::Sequence(seq)) => write!(f, " DEFAULT {seq}.NEXTVAL")?,
            Some(ColumnDefault::Value(value)) => write!(f, " DEFAULT {value}")?,
            None => {}
        }
        if !self.nullable {
            f.write_str(" NOT NULL")?;
        }
        Ok(())
    }
}

impl Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrimaryKey { name, columns } => {
                write!(f, "CONSTRAINT {} PRIMARY KEY (", Ident(name))?;
                comma_idents(f, columns)?;
                f.write_str(")")
            }
            Self::Unique { name, columns } => {
                write!(f, "CONSTRAINT {} UNIQUE (", Ident(name))?;
                comma_idents(f, columns)?;
                f.write_str(")")
            }
            Self::ForeignKey {
                name,
                columns,
                table,
                referenced,
            } => {
                write!(f, "CONSTRAINT {} FOREIGN KEY (", Ident(name))?;
                comma_idents(f, columns)?;
                write!(f, ") REFERENCES {table} (")?;
                comma_idents(f, referenced)?;
                f.write_str(")")
            }
        }
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateDatabase { name, comment } => {
                write!(f, "CREATE DATABASE IF NOT EXISTS {}", Ident(name))?;
                comment_clause(f, comment.as_ref())
            }
            // No schema comment: sqlparser 0.64 cannot parse one, and the database comment says it all.
            Self::CreateSchema { name } => write!(f, "CREATE SCHEMA IF NOT EXISTS {name}"),
            Self::CreateSequence { name, comment } => {
                write!(
                    f,
                    "CREATE SEQUENCE IF NOT EXISTS {name} START WITH 1 INCREMENT BY 1 ORDER"
                )?;
                comment_clause(f, comment.as_ref())
            }
            Self::CreateTable(t) => {
                writeln!(f, "CREATE TABLE IF NOT EXISTS {} (", t.name)?;
                let items = t.columns.len() + t.constraints.len();
                let lines = t
                    .columns
                    .iter()
                    .map(ToString::to_string)
                    .chain(t.constraints.iter().map(ToString::to_string));
                for (i, line) in lines.enumerate() {
                    let sep = if i + 1 < items { "," } else { "" };
                    writeln!(f, "    {line}{sep}")?;
                }
                f.write_str(")")?;
                if !t.cluster_by.is_empty() {
                    f.write_str("\nCLUSTER BY (")?;
                    comma_idents(f, &t.cluster_by)?;
                    f.write_str(")")?;
                }
                if let Some(c) = &t.comment {
                    write!(f, "\nCOMMENT = {}", Literal(c))?;
                }
                Ok(())
            }
            Self::AlterTable { table, action } => write!(f, "ALTER TABLE {table} {action}"),
            Self::Update { table, set, filter } => {
                write!(f, "UPDATE {table} SET ")?;
                for (i, (column, value)) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {value}", Ident(column))?;
                }
                for (i, condition) in filter.iter().enumerate() {
                    f.write_str(if i == 0 { " WHERE " } else { " AND " })?;
                    write!(f, "{condition}")?;
                }
                Ok(())
            }
            Self::SetColumn { table, column, value } => write!(f, "UPDATE {table} SET {} = {value}", Ident(column)),
            Self::Delete { table, filter } => {
                write!(f, "DELETE FROM {table}")?;
                for (i, condition) in filter.iter().enumerate() {
                    f.write_str(if i == 0 { " WHERE " } else { " AND " })?;
                    write!(f, "{condition}")?;
                }
                Ok(())
            }
            Self::Repoint {
                table,
                column,
                dimension,
                key,
                natural_key,
            } => {
                let key = Ident(key);
                write!(
                    f,
                    "UPDATE {table} AS r SET {} = v.CURRENT_KEY FROM (SELECT o.{key} AS OLD_KEY, c.{key} AS CURRENT_KEY FROM {dimension} AS o JOIN {dimension} AS c ON ",
                    Ident(column)
                )?;
                for n in natural_key {
                    write!(f, "c.{0} = o.{0} AND ", Ident(n))?;
                }
                write!(
                    f,
                    "c.{current} WHERE NOT o.{current}) AS v WHERE r.{} = v.OLD_KEY",
                    Ident(column),
                    current = Ident(model_core::scd2::IS_CURRENT)
                )
            }
            Self::DropTable { table } => write!(f, "DROP TABLE IF EXISTS {table}"),
            Self::RelyConstraint { table, constraint } => {
                write!(f, "ALTER TABLE {table} ALTER CONSTRAINT {} RELY", Ident(constraint))
            }
            Self::InsertIfAbsent {
                table,
                values,
                key,
                key_value,
            } => {
                let names: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
                insert_select(f, table, &names)?;
                for (i, (_, v)) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(
                    f,
                    "\nWHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {} = {key_value})",
                    Ident(key)
                )
            }
            Self::FillCalendar {
                table,
                key,
                columns,
                from,
                days,
                fiscal_offset,
            } => {
                let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
                insert_select(f, table, &names)?;
                for (i, name) in names.iter().enumerate() {
                    write!(f, "{}g.{}", if i > 0 { ", " } else { "" }, Ident(name))?;
                }
                f.write_str("\nFROM (\n    SELECT")?;
                for (i, (name, part)) in columns.iter().enumerate() {
                    write!(
                        f,
                        "{}\n        {} AS {}",
                        if i > 0 { "," } else { "" },
                        date_part(*part, *fiscal_offset),
                        Ident(name)
                    )?;
                }
                write!(
                    f,
                    "\n    FROM (\n        SELECT DATEADD(DAY, n.N, {}::DATE) AS D\n        FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS N FROM TABLE(GENERATOR(ROWCOUNT => {days}))) AS n\n    ) AS d\n) AS g\nWHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.{} = g.{})",
                    Literal(from),
                    Ident(key),
                    Ident(key)
                )
            }
            Self::CreateView {
                name,
                secure,
                comment,
                query,
            } => {
                let secure = if *secure { "SECURE " } else { "" };
                write!(f, "CREATE OR REPLACE {secure}VIEW {name} COPY GRANTS")?;
                comment_clause(f, comment.as_ref())?;
                write!(f, " AS\n{query}")
            }
            Self::CreateDynamicTable(table) => {
                let hash = table.definition_hash();
                let ObjectName(parts) = &table.name;
                let (db, schema, object) = match parts.as_slice() {
                    [db, schema, object] => (db.as_str(), schema.as_str(), object.as_str()),
                    _ => ("", "", table.name.object()),
                };
                let mut block = format!(
                    "BEGIN\n    -- Replace the dynamic table only when its definition changed: its comment keeps the hash.\n    IF (NOT EXISTS (\n        SELECT 1 FROM {}.INFORMATION_SCHEMA.TABLES\n        WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}\n        AND CONTAINS(COMMENT, {})\n    )) THEN\n",
                    Ident(db),
                    Literal(schema),
                    Literal(object),
                    Literal(&format!("dimgen:definition={hash}"))
                );
                for line in table.create(Some(&hash)).lines() {
                    block.push_str("        ");
                    block.push_str(line);
                    block.push('\n');
                }
                block.push_str("        ;\n    END IF;\nEND;\n");
                write!(f, "EXECUTE IMMEDIATE {}", DollarQuoted(&block))
            }
            Self::FileFormat {
                name,
                file_type,
                options,
                comment,
                alter,
            } => {
                if *alter {
                    write!(f, "ALTER FILE FORMAT IF EXISTS {name} SET")?;
                } else {
                    write!(
                        f,
                        "CREATE FILE FORMAT IF NOT EXISTS {name}\n    TYPE = {}",
                        file_type_keyword(*file_type)
                    )?;
                }
                for (key, value) in options {
                    write!(f, "\n    {key} = {value}")?;
                }
                if let Some(c) = comment {
                    write!(f, "\n    COMMENT = {}", Literal(c))?;
                }
                Ok(())
            }
            Self::StorageIntegration {
                name,
                credentials,
                locations,
                comment,
                alter,
            } => {
                if *alter {
                    write!(f, "ALTER STORAGE INTEGRATION IF EXISTS {} SET", Ident(name))?;
                } else {
                    let provider = match credentials {
                        Credentials::S3 { .. } => "S3",
                        Credentials::Gcs => "GCS",
                        Credentials::Azure { .. } => "AZURE",
                    };
                    write!(
                        f,
                        "CREATE STORAGE INTEGRATION IF NOT EXISTS {}\n    TYPE = EXTERNAL_STAGE\n    STORAGE_PROVIDER = '{provider}'\n    ENABLED = TRUE",
                        Ident(name)
                    )?;
                }
                match credentials {
                    Credentials::S3 { role_arn } => write!(f, "\n    STORAGE_AWS_ROLE_ARN = {}", Literal(role_arn))?,
                    Credentials::Azure { tenant_id } => write!(f, "\n    AZURE_TENANT_ID = {}", Literal(tenant_id))?,
                    Credentials::Gcs => {}
                }
                write!(
                    f,
                    "\n    STORAGE_ALLOWED_LOCATIONS = {}",
                    OptionValue::List(locations.clone())
                )?;
                if let Some(c) = comment {
                    write!(f, "\n    COMMENT = {}", Literal(c))?;
                }
                Ok(())
            }
            Self::Stage {
                name,
                url,
                storage_integration,
                file_format,
                comment,
            } => {
                write!(f, "CREATE STAGE IF NOT EXISTS {name}")?;
                stage_parameters(f, url.as_deref(), storage_integration.as_deref(), file_format)?;
                if let Some(c) = comment {
                    write!(f, "\n    COMMENT = {}", Literal(c))?;
                }
                Ok(())
            }
            Self::RecreatePipe { pipes, between, polls } => {
                let names: Vec<String> = pipes.iter().map(|(from, _)| from.to_string()).collect();
                let one = names.len() == 1;
                let (pronoun, subject, plural) = if one {
                    ("it", "it", "pipe")
                } else {
                    ("them", "they", "pipes")
                };
                let message = format!(
                    "{} still had files to load after {} seconds: {subject} {} resumed and nothing was changed; run the migration again later",
                    names.join(", "),
                    u64::from(*polls) * 10,
                    if one { "was" } else { "were" }
                );
                let mut block = format!(
                    "DECLARE\n    pending INTEGER DEFAULT 0;\n    paused_at VARCHAR;\n    refresh_sql VARCHAR;\n    still_loading EXCEPTION (-20001, {message});\nBEGIN\n    -- 1. Pause the {plural} as deployed and note the time: the files staged from now on are left to the last step.\n",
                    message = Literal(&message),
                );
                for name in &names {
                    let _ = writeln!(
                        block,
                        "    ALTER PIPE IF EXISTS {name} SET PIPE_EXECUTION_PAUSED = TRUE;"
                    );
                }
                let status: Vec<String> = names
                    .iter()
                    .map(|name| {
                        format!(
                            "COALESCE(PARSE_JSON(SYSTEM$PIPE_STATUS({})):pendingFileCount::INTEGER, 0)",
                            Literal(name)
                        )
                    })
                    .collect();
                let _ = write!(
                    block,
                    "    paused_at := TO_VARCHAR(CURRENT_TIMESTAMP(), 'YYYY-MM-DD\"T\"HH24:MI:SS.FF3TZH:TZM');\n    -- 2. Wait for the files {subject} had queued.\n    FOR i IN 1 TO {polls} DO\n        SELECT {} INTO :pending;\n        IF (pending = 0) THEN\n            BREAK;\n        END IF;\n        SELECT SYSTEM$WAIT(10);\n    END FOR;\n    IF (pending > 0) THEN\n",
                    status.join("\n            + ")
                );
                for name in &names {
                    let _ = writeln!(block, "        ALTER PIPE {name} SET PIPE_EXECUTION_PAUSED = FALSE;");
                }
                let _ = writeln!(
                    block,
                    "        RAISE still_loading;\n    END IF;\n    -- 3. Drop {pronoun}: a pipe's COPY cannot be altered."
                );
                for name in &names {
                    let _ = writeln!(block, "    DROP PIPE IF EXISTS {name};");
                }
                let indented = |block: &mut String, statement: &Statement| {
                    for line in statement.to_string().lines() {
                        block.push_str("    ");
                        block.push_str(line);
                        block.push('\n');
                    }
                    block.push_str("    ;\n");
                };
                let mut step = 4;
                if !between.is_empty() {
                    let _ = writeln!(
                        block,
                        "    -- 4. Change what the new {plural} {}, while no pipe runs.",
                        if one { "reads" } else { "read" }
                    );
                    for statement in between {
                        indented(&mut block, statement);
                    }
                    step += 1;
                }
                let _ = writeln!(block, "    -- {step}. Create the new {plural}.");
                for (_, pipe) in pipes {
                    indented(&mut block, &Self::CreatePipe(pipe.clone()));
                }
                let _ = writeln!(
                    block,
                    "    -- {}. Queue the files staged since the pause (a new pipe has no load history).",
                    step + 1
                );
                for (_, pipe) in pipes {
                    let _ = writeln!(
                        block,
                        "    refresh_sql := {} || paused_at || '''';\n    EXECUTE IMMEDIATE :refresh_sql;",
                        Literal(&format!("ALTER PIPE {} REFRESH MODIFIED_AFTER = '", pipe.name))
                    );
                }
                block.push_str("END;\n");
                write!(f, "EXECUTE IMMEDIATE {}", DollarQuoted(&block))
            }
            Self::Rename { kind, from, to } => {
                write!(f, "ALTER {} IF EXISTS {from} RENAME TO {to}", kind.keyword())
            }
            Self::AlterStage {
                name,
                url,
                storage_integration,
                file_format,
            } => {
                write!(f, "ALTER STAGE IF EXISTS {name} SET")?;
                stage_parameters(f, url.as_deref(), storage_integration.as_deref(), file_format)
            }
            Self::CreatePipe(pipe) => {
                write!(
                    f,
                    "CREATE PIPE IF NOT EXISTS {}\n    AUTO_INGEST = {}",
                    pipe.name,
                    if pipe.auto_ingest { "TRUE" } else { "FALSE" }
                )?;
                if let Some(topic) = &pipe.aws_sns_topic {
                    write!(f, "\n    AWS_SNS_TOPIC = {}", Literal(topic))?;
                }
                if let Some(integration) = &pipe.integration {
                    write!(f, "\n    INTEGRATION = {}", Literal(integration))?;
                }
                if let Some(integration) = &pipe.error_integration {
                    write!(f, "\n    ERROR_INTEGRATION = {}", Ident(integration))?;
                }
                if let Some(c) = &pipe.comment {
                    write!(f, "\n    COMMENT = {}", Literal(c))?;
                }
                write!(f, "\nAS\n{}", pipe.copy)
            }
            Self::CreateTag { name, allowed, comment } => {
                write!(f, "CREATE TAG IF NOT EXISTS {name} ALLOWED_VALUES ")?;
                for (i, value) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Literal(value))?;
                }
                comment_clause(f, comment.as_ref())
            }
            Self::MaskingPolicy {
                name,
                sql_type,
                body,
                comment,
                alter: false,
            } => {
                write!(
                    f,
                    "CREATE MASKING POLICY IF NOT EXISTS {name} AS ({} {}) RETURNS {} ->\n  {body}",
                    Ident(MASKED_VALUE),
                    SqlType(*sql_type),
                    SqlType(*sql_type)
                )?;
                comment_clause(f, comment.as_ref())
            }
            Self::MaskingPolicy {
                name,
                body,
                alter: true,
                ..
            } => write!(f, "ALTER MASKING POLICY IF EXISTS {name} SET BODY ->\n  {body}"),
            Self::SetMaskingPolicy {
                table,
                dynamic,
                column,
                policy,
            } => write!(
                f,
                "ALTER {}TABLE {table} MODIFY COLUMN {} SET MASKING POLICY {policy} FORCE",
                if *dynamic { "DYNAMIC " } else { "" },
                Ident(column)
            ),
            Self::SetTag {
                table,
                dynamic,
                column,
                tag,
                value,
            } => write!(
                f,
                "ALTER {}TABLE {table} MODIFY COLUMN {} SET TAG {tag} = {}",
                if *dynamic { "DYNAMIC " } else { "" },
                Ident(column),
                Literal(value)
            ),
            Self::UnsetMaskingPolicy { table, dynamic, column } => write!(
                f,
                "ALTER {}TABLE {table} MODIFY COLUMN {} UNSET MASKING POLICY",
                if *dynamic { "DYNAMIC " } else { "" },
                Ident(column)
            ),
            Self::UnsetTag {
                table,
                dynamic,
                column,
                tag,
            } => write!(
                f,
                "ALTER {}TABLE {table} MODIFY COLUMN {} UNSET TAG {tag}",
                if *dynamic { "DYNAMIC " } else { "" },
                Ident(column)
            ),
            Self::CreateStream { name, table, comment } => {
                write!(
                    f,
                    "CREATE STREAM IF NOT EXISTS {name} ON TABLE {table} APPEND_ONLY = TRUE"
                )?;
                comment_clause(f, comment.as_ref())
            }
            Self::AlterTask { name, resume } => {
                write!(
                    f,
                    "ALTER TASK IF EXISTS {name} {}",
                    if *resume { "RESUME" } else { "SUSPEND" }
                )
            }
            Self::Task(task) => {
                write!(
                    f,
                    "CREATE OR ALTER TASK {}\n    WAREHOUSE = {}",
                    task.name,
                    Ident(&task.warehouse)
                )?;
                if let Some(schedule) = &task.schedule {
                    write!(f, "\n    SCHEDULE = {}", Literal(schedule))?;
                }
                if let Some(c) = &task.comment {
                    write!(f, "\n    COMMENT = {}", Literal(c))?;
                }
                if let Some(stream) = &task.when_stream {
                    write!(f, "\n    WHEN SYSTEM$STREAM_HAS_DATA({})", Literal(&stream.to_string()))?;
                }
                write!(f, "\nAS\n{}", task.body)
            }
            Self::Merge(merge) => write!(f, "{merge}"),
            Self::CheckedMerge {
                counts,
                percent,
                table,
                merge,
            } => {
                let message = Literal(&format!(
                    "more than {percent}% of a batch of {table} would get an unknown member: see the {} view",
                    model_core::naming::unknown_members(table)
                ))
                .to_string();
                let block = format!(
                    "DECLARE\n    landed INTEGER DEFAULT 0;\n    unknown INTEGER DEFAULT 0;\n    too_many_unknown EXCEPTION (-20002, {message});\nBEGIN\n    -- Count the batch before merging it: a SELECT leaves the rows on the stream.\n    SELECT c.LANDED, c.UNKNOWN INTO :landed, :unknown FROM (\n{counts}\n    ) AS c;\n    IF (unknown * 100 > {percent} * landed) THEN\n        RAISE too_many_unknown;\n    END IF;\n{merge};\nEND;\n"
                );
                write!(f, "EXECUTE IMMEDIATE {}", DollarQuoted(&block))
            }
            Self::CreateRole { name, comment } => {
                write!(f, "CREATE ROLE IF NOT EXISTS {}", Ident(name))?;
                comment_clause(f, comment.as_ref())
            }
            Self::GrantRole { role, to } => write!(f, "GRANT ROLE {} TO ROLE {}", Ident(role), Ident(to)),
            Self::RevokeRole { role, from } => write!(f, "REVOKE ROLE {} FROM ROLE {}", Ident(role), Ident(from)),
            Self::Revoke { privileges, on, role } => {
                f.write_str("REVOKE ")?;
                for (i, privilege) in privileges.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{privilege}")?;
                }
                write!(f, " ON {on} FROM ROLE {}", Ident(role))
            }
            Self::Drop { kind, name } => write!(f, "DROP {} IF EXISTS {name}", kind.keyword()),
            Self::Grant { privileges, on, role } => {
                f.write_str("GRANT ")?;
                for (i, privilege) in privileges.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{privilege}")?;
                }
                write!(f, " ON {on} TO ROLE {}", Ident(role))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        // `is_plain_identifier` skips the lookup for names with digits or `$`.
        assert!(
            RESERVED
                .iter()
                .all(|w| w.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        );
        assert!(!is_plain_identifier("CURRENT_TIMESTAMP"));
        assert!(is_plain_identifier("CURRENT_TIMESTAMP_2"));
        assert!(!is_plain_identifier("A$$B"));
        assert!(is_plain_identifier("A$B$C"));
    }

    #[test]
    fn each_sql_context_escapes_or_switches_form() {
        assert_eq!(Ident("DIM$$X").to_string(), "\"DIM$$X\"");
        assert_eq!(Ident("DIM$X").to_string(), "DIM$X");
        assert_eq!(Ident("a\u{7}b").to_string(), "\"a\u{fffd}b\"");
        assert_eq!(
            LineComment("m\nDROP TABLE t; --\r\u{1b}").to_string(),
            "-- m\\nDROP TABLE t; --\\r\\u{1b}\n"
        );
        assert_eq!(LineComment("").to_string(), "--\n");
        assert_eq!(DollarQuoted("SELECT 1;\n").to_string(), "$$\nSELECT 1;\n$$");
        assert_eq!(DollarQuoted("a $$ b").to_string(), "'a $$ b'");
        assert_eq!(DollarQuoted("a\tb").to_string(), "'a\\tb'");
        assert_eq!(
            FieldPath(vec!["a".into(), "b.c".into()]).to_string(),
            "$1:\"a\".\"b.c\""
        );
        assert_eq!(
            FieldPath(vec!["X\"; DROP".into(), "it's".into()]).to_string(),
            "$1['X\"; DROP']['it''s']"
        );
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        let cases = [
            ("DIM_PATIENT", "DIM_PATIENT"),
            ("A$1", "A$1"),
            ("_X", "_X"),
            ("dim_patient", "\"dim_patient\""),
            ("Mixed", "\"Mixed\""),
            ("ORDER", "\"ORDER\""),
            ("1ST", "\"1ST\""),
            ("$X", "\"$X\""),
            ("WITH SPACE", "\"WITH SPACE\""),
            ("QU\"OTE", "\"QU\"\"OTE\""),
            ("ÜBER", "\"ÜBER\""),
            ("", "\"\""),
        ];
        for (name, expected) in cases {
            assert_eq!(Ident(name).to_string(), expected, "{name}");
        }
    }

    #[test]
    fn literals_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(Literal("it's").to_string(), "'it''s'");
        assert_eq!(Literal(r"C:\path").to_string(), r"'C:\\path'");
        assert_eq!(Literal("a\nb\tc\u{1}").to_string(), r"'a\nb\tc\x01'");
        assert_eq!(Literal("'; DROP TABLE X; --").to_string(), "'''; DROP TABLE X; --'");
        assert_eq!(Literal("naïve café").to_string(), "'naïve café'");
    }

    /// The writer's SQL spelling of every type reads back as the same type
    /// in the model's vocabulary (so DDL and model agree on what a column is).
    #[test]
    fn every_type_is_spelled_as_snowflake_reads_it() {
        let types = [
            DataType::INTEGER,
            DataType::Number {
                precision: 12,
                scale: 2,
            },
            DataType::Float,
            DataType::Varchar(None),
            DataType::Varchar(Some(20)),
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
        for ty in types {
            let sql = SqlType(ty).to_string();
            assert_eq!(DataType::parse(&sql), Ok(ty), "{sql}");
        }
        assert_eq!(SqlType(DataType::INTEGER).to_string(), "NUMBER(38,0)");
        assert_eq!(SqlType(DataType::Varchar(Some(20))).to_string(), "VARCHAR(20)");
    }

    /// A keyword option is printed bare only when it is one word of capitals;
    /// anything else (validation refuses it) becomes a string literal.
    #[test]
    fn a_keyword_option_cannot_carry_sql() {
        assert_eq!(OptionValue::Keyword("GZIP".into()).to_string(), "GZIP");
        assert_eq!(
            OptionValue::Keyword("GZIP; DROP TABLE X".into()).to_string(),
            "'GZIP; DROP TABLE X'"
        );
        assert_eq!(OptionValue::Keyword(String::new()).to_string(), "''");
        assert_eq!(
            Privilege::Create(ObjectKind::DynamicTable).to_string(),
            "CREATE DYNAMIC TABLE"
        );
        assert_eq!(ObjectKind::DynamicTable.plural(), "DYNAMIC TABLES");
    }

    #[test]
    fn column_definitions_follow_snowflake_order() {
        let col = ColumnDef {
            name: "K".into(),
            sql_type: DataType::INTEGER,
            nullable: false,
            default: Some(ColumnDefault::Identity),
            comment: Some("key".into()),
        };
        assert_eq!(
            col.to_string(),
            "K NUMBER(38,0) COMMENT 'key' IDENTITY(1, 1) ORDER NOT NULL"
        );
    }
}
