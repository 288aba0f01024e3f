//! The typed SQL of queries: expressions, SELECTs with their joins, and the
//! MERGE that maintains a table from landed rows. Step modules build these
//! values; only this module (and its parent) turn them into text, so
//! quoting, escaping and layout are decided here.
//!
//! Layout is part of the output's contract (snapshots): a view's query is
//! printed one select item per line ([`Query`]'s `Display`); the queries
//! inside a MERGE are printed compactly, one clause per line at the depth
//! of their nesting.

use std::fmt::{self, Display};

use model_core::DataType;
use model_core::expression::Number;

use super::{Ident, Literal, ObjectName, SqlType};

/// A table alias chosen by dimgen (`t`, `s`, `d1`, ...): a short lower-case
/// word printed as is. Never built from user text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Alias(String);

impl Alias {
    /// An alias; `name` is lower-case ASCII letters and digits, starting with a letter.
    ///
    /// # Panics
    ///
    /// If `name` is anything else (a bug in dimgen, never user input).
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "not an alias dimgen chooses: {name:?}"
        );
        Self(name)
    }

    /// The alias.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Times,
    /// `/`
    Divide,
    /// `%`
    Modulo,
    /// `AND`
    And,
    /// `OR`
    Or,
}

impl BinaryOp {
    fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::NotEq => "<>",
            Self::Lt => "<",
            Self::LtEq => "<=",
            Self::Gt => ">",
            Self::GtEq => ">=",
            Self::Plus => "+",
            Self::Minus => "-",
            Self::Times => "*",
            Self::Divide => "/",
            Self::Modulo => "%",
            Self::And => "AND",
            Self::Or => "OR",
        }
    }
}

/// A function dimgen calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `COALESCE(a, b, ...)`
    Coalesce,
    /// `NULLIF(a, b)`
    NullIf,
    /// `EQUAL_NULL(a, b)`: NULL-safe equality.
    EqualNull,
    /// `SUM(e)`
    Sum,
    /// `COUNT(e)`: the rows where `e` is not NULL.
    Count,
    /// `GREATEST(a, b, ...)`
    Greatest,
    /// `AVG(e)`
    Avg,
    /// `MIN(e)`
    Min,
    /// `MAX(e)`
    Max,
    /// `TRY_TO_DATE(text, format)`
    TryToDate,
    /// `TO_VARCHAR(e)`
    ToVarchar,
    /// `CURRENT_TIMESTAMP()`
    CurrentTimestamp,
    /// `ROW_NUMBER()` (a window function)
    RowNumber,
    /// `IS_ROLE_IN_SESSION('ROLE')`: whether the role is in the session's
    /// primary or secondary role hierarchy.
    IsRoleInSession,
    /// `LENGTH(text)`
    Length,
    /// `REPEAT(text, n)`
    Repeat,
    /// `RIGHT(text, n)`
    Right,
    /// `CONCAT(a, b, ...)`
    Concat,
    /// `DATE_TRUNC('YEAR', date)`
    DateTrunc,
    /// `ABS(n)`
    Abs,
    /// `ROUND(n [, scale])`
    Round,
    /// `FLOOR(n)`
    Floor,
    /// `CEIL(n)`
    Ceil,
    /// `IFF(condition, then, else)`
    Iff,
    /// `UPPER(text)`
    Upper,
    /// `LOWER(text)`
    Lower,
    /// `TRIM(text)`
    Trim,
    /// `SUBSTR(text, start [, length])`
    Substr,
    /// `YEAR(date)`
    Year,
    /// `QUARTER(date)`
    Quarter,
    /// `MONTH(date)`
    Month,
    /// `DAY(date)`
    Day,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Self::Coalesce => "COALESCE",
            Self::NullIf => "NULLIF",
            Self::EqualNull => "EQUAL_NULL",
            Self::Sum => "SUM",
            Self::Count => "COUNT",
            Self::Greatest => "GREATEST",
            Self::Avg => "AVG",
            Self::Min => "MIN",
            Self::Max => "MAX",
            Self::TryToDate => "TRY_TO_DATE",
            Self::ToVarchar => "TO_VARCHAR",
            Self::CurrentTimestamp => "CURRENT_TIMESTAMP",
            Self::RowNumber => "ROW_NUMBER",
            Self::IsRoleInSession => "IS_ROLE_IN_SESSION",
            Self::Length => "LENGTH",
            Self::Repeat => "REPEAT",
            Self::Right => "RIGHT",
            Self::Concat => "CONCAT",
            Self::DateTrunc => "DATE_TRUNC",
            Self::Abs => "ABS",
            Self::Round => "ROUND",
            Self::Floor => "FLOOR",
            Self::Ceil => "CEIL",
            Self::Iff => "IFF",
            Self::Upper => "UPPER",
            Self::Lower => "LOWER",
            Self::Trim => "TRIM",
            Self::Substr => "SUBSTR",
            Self::Year => "YEAR",
            Self::Quarter => "QUARTER",
            Self::Month => "MONTH",
            Self::Day => "DAY",
        }
    }
}

/// One key of an ORDER BY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// What is ordered by.
    pub expr: Expr,
    /// `DESC NULLS LAST` (else ascending, the default).
    pub descending_nulls_last: bool,
}

/// An expression. Printed exactly as built: the writer adds no parentheses
/// of its own, so a builder writes [`Expr::Nested`] where grouping matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `alias.column` (or `column` without an alias).
    Column(Option<Alias>, String),
    /// `alias.*`
    Wildcard(Alias),
    /// `NULL`
    Null,
    /// `TRUE` / `FALSE`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A numeric literal a user wrote, checked by [`Number::parse`].
    Number(Number),
    /// A string literal (escaped by [`Literal`]).
    Str(String),
    /// `expr::TYPE`
    Cast(Box<Expr>, DataType),
    /// `left op right`
    Binary(Box<Expr>, BinaryOp, Box<Expr>),
    /// `NOT expr`
    Not(Box<Expr>),
    /// `expr IS NULL`
    IsNull(Box<Expr>),
    /// `expr IS NOT NULL`
    IsNotNull(Box<Expr>),
    /// `-expr`
    Negate(Box<Expr>),
    /// `expr [NOT] BETWEEN low AND high`
    Between {
        /// The value tested.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `expr [NOT] IN (a, b, ...)`
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern` (or `ILIKE`)
    Like {
        /// The text matched.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
    },
    /// `F(args)`
    Call(Function, Vec<Expr>),
    /// `COUNT(*)`
    CountAll,
    /// `COUNT(DISTINCT expr)`
    CountDistinct(Box<Expr>),
    /// `CASE WHEN c THEN v ... ELSE e END`
    Case {
        /// Conditions and their values, in order.
        when: Vec<(Expr, Expr)>,
        /// The value otherwise (`NULL` when absent).
        otherwise: Option<Box<Expr>>,
    },
    /// `F(args) OVER (PARTITION BY ... ORDER BY ...)`
    Window {
        /// The function.
        function: Function,
        /// Its arguments.
        args: Vec<Expr>,
        /// PARTITION BY.
        partition_by: Vec<Expr>,
        /// ORDER BY.
        order_by: Vec<OrderBy>,
    },
    /// `(expr)`
    Nested(Box<Expr>),
}

impl Expr {
    /// `alias.column`
    pub fn column(alias: &Alias, name: &str) -> Self {
        Self::Column(Some(alias.clone()), name.to_owned())
    }

    /// `left op right`
    pub fn binary(left: Expr, op: BinaryOp, right: Expr) -> Self {
        Self::Binary(Box::new(left), op, Box::new(right))
    }

    /// `self = other`
    #[must_use]
    pub fn eq(self, other: Expr) -> Self {
        Self::binary(self, BinaryOp::Eq, other)
    }

    /// `F(args)`
    pub fn call(function: Function, args: impl IntoIterator<Item = Expr>) -> Self {
        Self::Call(function, args.into_iter().collect())
    }

    /// `expr::TYPE`
    #[must_use]
    pub fn cast(self, to: DataType) -> Self {
        Self::Cast(Box::new(self), to)
    }

    /// `(self)`
    #[must_use]
    pub fn nested(self) -> Self {
        Self::Nested(Box::new(self))
    }

    /// `a AND b AND ...` (`None` for no terms).
    pub fn all(terms: impl IntoIterator<Item = Expr>) -> Option<Self> {
        terms.into_iter().reduce(|a, b| Self::binary(a, BinaryOp::And, b))
    }

    /// `a OR b OR ...` (`None` for no terms).
    pub fn any(terms: impl IntoIterator<Item = Expr>) -> Option<Self> {
        terms.into_iter().reduce(|a, b| Self::binary(a, BinaryOp::Or, b))
    }
}

fn comma_list<T: Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if self.descending_nulls_last {
            f.write_str(" DESC NULLS LAST")?;
        }
        Ok(())
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Column(Some(alias), name) => {
                f.write_str(alias.as_str())?;
                f.write_str(".")?;
                Display::fmt(&Ident(name), f)
            }
            Self::Column(None, name) => write!(f, "{}", Ident(name)),
            Self::Wildcard(alias) => write!(f, "{alias}.*"),
            Self::Null => f.write_str("NULL"),
            Self::Bool(true) => f.write_str("TRUE"),
            Self::Bool(false) => f.write_str("FALSE"),
            Self::Int(n) => write!(f, "{n}"),
            Self::Str(s) => write!(f, "{}", Literal(s)),
            Self::Cast(e, ty) => write!(f, "{e}::{}", SqlType(*ty)),
            Self::Binary(a, op, b) => write!(f, "{a} {} {b}", op.symbol()),
            Self::Not(e) => write!(f, "NOT {e}"),
            Self::IsNull(e) => write!(f, "{e} IS NULL"),
            Self::IsNotNull(e) => write!(f, "{e} IS NOT NULL"),
            Self::Number(n) => f.write_str(n.as_str()),
            // `-` directly before a literal or a column; otherwise in
            // parentheses, so that `- -x` can never print as `--` (a comment).
            Self::Negate(e) => match e.as_ref() {
                Self::Number(_) | Self::Int(0..) | Self::Column(..) | Self::Nested(_) | Self::Call(..) => {
                    write!(f, "-{e}")
                }
                _ => write!(f, "-({e})"),
            },
            Self::Between {
                expr,
                low,
                high,
                negated,
            } => write!(
                f,
                "{expr} {}BETWEEN {low} AND {high}",
                if *negated { "NOT " } else { "" }
            ),
            Self::InList { expr, list, negated } => {
                write!(f, "{expr} {}IN (", if *negated { "NOT " } else { "" })?;
                comma_list(f, list)?;
                f.write_str(")")
            }
            Self::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => write!(
                f,
                "{expr} {}{} {pattern}",
                if *negated { "NOT " } else { "" },
                if *case_insensitive { "ILIKE" } else { "LIKE" }
            ),
            Self::Call(function, args) => {
                write!(f, "{}(", function.name())?;
                comma_list(f, args)?;
                f.write_str(")")
            }
            Self::CountAll => f.write_str("COUNT(*)"),
            Self::CountDistinct(e) => write!(f, "COUNT(DISTINCT {e})"),
            Self::Case { when, otherwise } => {
                f.write_str("CASE")?;
                for (condition, value) in when {
                    write!(f, " WHEN {condition} THEN {value}")?;
                }
                if let Some(e) = otherwise {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
            Self::Window {
                function,
                args,
                partition_by,
                order_by,
            } => {
                write!(f, "{}(", function.name())?;
                comma_list(f, args)?;
                f.write_str(") OVER (")?;
                if !partition_by.is_empty() {
                    f.write_str("PARTITION BY ")?;
                    comma_list(f, partition_by)?;
                }
                if !order_by.is_empty() {
                    if !partition_by.is_empty() {
                        f.write_str(" ")?;
                    }
                    f.write_str("ORDER BY ")?;
                    comma_list(f, order_by)?;
                }
                f.write_str(")")
            }
            Self::Nested(e) => write!(f, "({e})"),
        }
    }
}

/// One item of a select list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectItem {
    /// The value.
    pub expr: Expr,
    /// `AS name` (quoted as needed).
    pub name: Option<String>,
}

impl SelectItem {
    /// `expr AS name`
    pub fn named(expr: Expr, name: &str) -> Self {
        Self {
            expr,
            name: Some(name.to_owned()),
        }
    }

    /// `expr` (a wildcard, say).
    pub fn bare(expr: Expr) -> Self {
        Self { expr, name: None }
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(name) = &self.name {
            write!(f, " AS {}", Ident(name))?;
        }
        Ok(())
    }
}

/// What a FROM or JOIN reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// A table or view.
    Table(ObjectName),
    /// A subquery.
    Derived(Box<Query>),
    /// The rows a MERGE reads: the stream on the landing table, or whatever
    /// [`Merge::source`] names.
    MergeSource,
}

/// A join kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `JOIN`
    Inner,
    /// `LEFT JOIN`
    Left,
}

/// A JOIN of a select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// What is joined.
    pub relation: Relation,
    /// Its alias.
    pub alias: Alias,
    /// The join conditions, AND-ed.
    pub on: Vec<Expr>,
}

/// A SELECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// The select list.
    pub items: Vec<SelectItem>,
    /// FROM: what is read and its alias.
    pub from: (Relation, Alias),
    /// JOINs, in order.
    pub joins: Vec<Join>,
    /// WHERE conditions, AND-ed.
    pub filter: Vec<Expr>,
    /// GROUP BY.
    pub group_by: Vec<Expr>,
    /// QUALIFY.
    pub qualify: Option<Expr>,
}

impl Select {
    /// `SELECT items FROM relation AS alias`, nothing else yet.
    pub fn new(items: Vec<SelectItem>, relation: Relation, alias: Alias) -> Self {
        Self {
            items,
            from: (relation, alias),
            joins: Vec::new(),
            filter: Vec::new(),
            group_by: Vec::new(),
            qualify: None,
        }
    }
}

/// A query: one SELECT, or several under UNION ALL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// One SELECT.
    Select(Box<Select>),
    /// `a UNION ALL b ...`
    UnionAll(Vec<Select>),
}

/// A view's query: one select item per line, a JOIN's conditions one per line.
impl Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let selects: &[Select] = match self {
            Self::Select(s) => std::slice::from_ref(s),
            Self::UnionAll(all) => all,
        };
        for (i, select) in selects.iter().enumerate() {
            if i > 0 {
                f.write_str("\nUNION ALL\n")?;
            }
            block(f, select)?;
        }
        Ok(())
    }
}

fn relation(f: &mut fmt::Formatter<'_>, relation: &Relation, source: &ObjectName, indent: &str) -> fmt::Result {
    match relation {
        Relation::Table(name) => write!(f, "{name}"),
        Relation::MergeSource => write!(f, "{source}"),
        Relation::Derived(query) => {
            f.write_str("(")?;
            compact(f, query, source, &format!("{indent}    "))?;
            f.write_str(")")
        }
    }
}

fn block(f: &mut fmt::Formatter<'_>, select: &Select) -> fmt::Result {
    let none = ObjectName(Vec::new());
    f.write_str("SELECT\n")?;
    for (i, item) in select.items.iter().enumerate() {
        let sep = if i + 1 < select.items.len() { "," } else { "" };
        writeln!(f, "    {item}{sep}")?;
    }
    f.write_str("FROM ")?;
    relation(f, &select.from.0, &none, "")?;
    write!(f, " AS {}", select.from.1)?;
    for join in &select.joins {
        let kind = match join.kind {
            JoinKind::Left => "LEFT JOIN",
            JoinKind::Inner => "JOIN",
        };
        write!(f, "\n{kind} ")?;
        relation(f, &join.relation, &none, "")?;
        write!(f, " AS {}\n    ON ", join.alias)?;
        joined(f, &join.on, "\n    AND ")?;
    }
    if !select.filter.is_empty() {
        f.write_str("\nWHERE ")?;
        joined(f, &select.filter, "\n  AND ")?;
    }
    if !select.group_by.is_empty() {
        f.write_str("\nGROUP BY ")?;
        comma_list(f, &select.group_by)?;
    }
    if let Some(q) = &select.qualify {
        write!(f, "\nQUALIFY {q}")?;
    }
    Ok(())
}

fn joined(f: &mut fmt::Formatter<'_>, terms: &[Expr], separator: &str) -> fmt::Result {
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{term}")?;
    }
    Ok(())
}

/// A query inside a MERGE: the select list on one line, each further clause
/// on its own line at `indent`; a FROM of a table stays on the SELECT's line,
/// a FROM of a subquery starts a line and nests one level deeper.
fn compact(f: &mut fmt::Formatter<'_>, query: &Query, source: &ObjectName, indent: &str) -> fmt::Result {
    let selects: &[Select] = match query {
        Query::Select(s) => std::slice::from_ref(s),
        Query::UnionAll(all) => all,
    };
    for (i, select) in selects.iter().enumerate() {
        if i > 0 {
            write!(f, "\n{indent}UNION ALL\n{indent}")?;
        }
        f.write_str("SELECT ")?;
        comma_list(f, &select.items)?;
        let (from, alias) = &select.from;
        if matches!(from, Relation::Derived(_)) {
            write!(f, "\n{indent}FROM ")?;
        } else {
            f.write_str(" FROM ")?;
        }
        relation(f, from, source, indent)?;
        write!(f, " AS {alias}")?;
        for join in &select.joins {
            let kind = match join.kind {
                JoinKind::Left => "LEFT JOIN",
                JoinKind::Inner => "JOIN",
            };
            write!(f, "\n{indent}{kind} ")?;
            relation(f, &join.relation, source, indent)?;
            write!(f, " AS {} ON ", join.alias)?;
            joined(f, &join.on, " AND ")?;
        }
        if !select.filter.is_empty() {
            write!(f, "\n{indent}WHERE ")?;
            joined(f, &select.filter, " AND ")?;
        }
        if !select.group_by.is_empty() {
            write!(f, "\n{indent}GROUP BY ")?;
            comma_list(f, &select.group_by)?;
        }
        if let Some(q) = &select.qualify {
            write!(f, "\n{indent}QUALIFY {q}")?;
        }
    }
    Ok(())
}

/// One WHEN clause of a MERGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// `WHEN MATCHED [AND conditions] THEN UPDATE SET column = value, ...`
    MatchedUpdate {
        /// Extra conditions, AND-ed.
        and: Vec<Expr>,
        /// The assignments.
        set: Vec<(String, Expr)>,
    },
    /// `WHEN NOT MATCHED THEN INSERT (columns) VALUES (values)`
    NotMatchedInsert {
        /// The columns.
        columns: Vec<String>,
        /// One value per column.
        values: Vec<Expr>,
    },
}

/// A MERGE that maintains a table from landed rows:
/// `MERGE INTO target AS t USING (query) AS s ON ... WHEN ...`. The query
/// reads [`Relation::MergeSource`], printed as `source`: the stream on the
/// landing table, which tests point at the landing table itself (the
/// emulator has no streams); the statement is otherwise the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The dimension or fact maintained (alias `t`).
    pub target: ObjectName,
    /// Where the new rows are read from.
    pub source: ObjectName,
    /// The rows merged (alias `s`).
    pub using: Query,
    /// The match conditions, AND-ed.
    pub on: Vec<Expr>,
    /// The WHEN clauses, in order.
    pub when: Vec<When>,
}

impl Display for Merge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MERGE INTO {} AS t\nUSING (\n    ", self.target)?;
        compact(f, &self.using, &self.source, "    ")?;
        f.write_str("\n) AS s\nON ")?;
        joined(f, &self.on, " AND ")?;
        for when in &self.when {
            match when {
                When::MatchedUpdate { and, set } => {
                    f.write_str("\nWHEN MATCHED")?;
                    for term in and {
                        write!(f, " AND {term}")?;
                    }
                    f.write_str(" THEN UPDATE SET ")?;
                    for (i, (column, value)) in set.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{} = {value}", Ident(column))?;
                    }
                }
                When::NotMatchedInsert { columns, values } => {
                    f.write_str("\nWHEN NOT MATCHED THEN INSERT (")?;
                    for (i, column) in columns.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", Ident(column))?;
                    }
                    f.write_str(") VALUES (")?;
                    comma_list(f, values)?;
                    f.write_str(")")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_print_as_built() {
        let t = Alias::new("t");
        let e = Expr::any([
            Expr::call(Function::EqualNull, [Expr::column(&t, "a b"), Expr::Int(-1)]),
            Expr::Str("it's".into()).cast(DataType::Date),
        ])
        .unwrap()
        .nested();
        assert_eq!(e.to_string(), "(EQUAL_NULL(t.\"a b\", -1) OR 'it''s'::DATE)");
        let w = Expr::Window {
            function: Function::RowNumber,
            args: Vec::new(),
            partition_by: vec![Expr::column(&t, "K")],
            order_by: vec![OrderBy {
                expr: Expr::column(&t, "L"),
                descending_nulls_last: true,
            }],
        };
        assert_eq!(
            w.to_string(),
            "ROW_NUMBER() OVER (PARTITION BY t.K ORDER BY t.L DESC NULLS LAST)"
        );
    }

    #[test]
    #[should_panic(expected = "not an alias")]
    fn an_alias_is_never_user_text() {
        let _ = Alias::new("x; DROP");
    }
}
