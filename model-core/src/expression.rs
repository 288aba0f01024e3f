//! The small expressions users write in marts: derived measures
//! (`REVENUE - SUPPLY_COST`) and filters (`ORDER_DATE.YEAR = 1993 AND
//! DISCOUNT BETWEEN 1 AND 3`).
//!
//! sqlparser's Snowflake dialect reads the text; this module keeps the small,
//! documented part of SQL a mart needs and turns it into the mart plan's
//! typed [`Expr`]: every identifier resolved by the mart (a fact column, or
//! `ROLE.ATTRIBUTE` of a joined dimension), literals checked, functions from
//! [`Function::ALL`], operands type-checked. Anything else — subqueries,
//! other functions, casts, window functions, parameters — is refused with a
//! message that names it. No SQL text leaves this module: codegen prints the
//! tree, with its own quoting and escaping.

use std::fmt;

use sqlparser::ast as sql;
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::model::Additivity;
use crate::types::DataType;

/// A table in the mart's FROM clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// The fact (`f`).
    Fact,
    /// The n-th joined dimension (`d1`, `d2`, ...).
    Dimension(usize),
    /// The bridge (`b`).
    Bridge,
    /// The dimension reached through the bridge (`r`).
    Reached,
}

/// An expression of the mart's SELECT list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expr {
    /// `alias.column`.
    Column(Alias, String),
    /// `a * b`.
    Times(Box<Expr>, Box<Expr>),
    /// `COALESCE(e, n)`.
    Coalesce(Box<Expr>, i64),
    /// `SUM(e)`.
    Sum(Box<Expr>),
    /// `AVG(e)`.
    Avg(Box<Expr>),
    /// `MIN(e)`.
    Min(Box<Expr>),
    /// `MAX(e)`.
    Max(Box<Expr>),
    /// `COUNT(*)`.
    CountAll,
    /// `COUNT(DISTINCT e)`.
    CountDistinct(Box<Expr>),
    /// `a / NULLIF(b, 0)`.
    Ratio(Box<Expr>, Box<Expr>),
    /// A numeric literal.
    Number(Number),
    /// A string literal.
    Text(String),
    /// `DATE 'YYYY-MM-DD'`.
    Date(DateLiteral),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// `NULL`.
    Null,
    /// `a op b`, as the user wrote it (grouping kept by [`Expr::Nested`]).
    Binary(Box<Expr>, Operator, Box<Expr>),
    /// `-e`.
    Negate(Box<Expr>),
    /// `NOT e`.
    Not(Box<Expr>),
    /// `e IS [NOT] NULL`.
    IsNull {
        /// The value tested.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `e [NOT] BETWEEN low AND high`.
    Between {
        /// The value tested.
        expr: Box<Expr>,
        /// Lower bound (inclusive).
        low: Box<Expr>,
        /// Upper bound (inclusive).
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `e [NOT] IN (a, b, ...)`.
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `e [NOT] LIKE pattern`, or `ILIKE`.
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
    /// A call of one of the functions mart expressions may use.
    Call(Function, Vec<Expr>),
    /// `CASE WHEN c THEN v ... [ELSE e] END`.
    Case {
        /// Conditions and their values, in order.
        when: Vec<(Expr, Expr)>,
        /// The value otherwise (NULL when absent).
        otherwise: Option<Box<Expr>>,
    },
    /// `(e)`.
    Nested(Box<Expr>),
}

impl Expr {
    /// The expressions this one is computed from, in order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Self::Column(..)
            | Self::CountAll
            | Self::Number(_)
            | Self::Text(_)
            | Self::Date(_)
            | Self::Bool(_)
            | Self::Null => Vec::new(),
            Self::Times(a, b) | Self::Ratio(a, b) | Self::Binary(a, _, b) => vec![a, b],
            Self::Coalesce(e, _)
            | Self::Sum(e)
            | Self::Avg(e)
            | Self::Min(e)
            | Self::Max(e)
            | Self::CountDistinct(e)
            | Self::Negate(e)
            | Self::Not(e)
            | Self::Nested(e)
            | Self::IsNull { expr: e, .. } => vec![e],
            Self::Between { expr, low, high, .. } => vec![expr, low, high],
            Self::InList { expr, list, .. } => std::iter::once(expr.as_ref()).chain(list).collect(),
            Self::Like { expr, pattern, .. } => vec![expr, pattern],
            Self::Call(_, args) => args.iter().collect(),
            Self::Case { when, otherwise } => when
                .iter()
                .flat_map(|(c, v)| [c, v])
                .chain(otherwise.as_deref())
                .collect(),
        }
    }

    /// This expression as an operand of a larger one: in parentheses unless
    /// it is a single column, literal or call.
    #[must_use]
    pub fn operand(self) -> Self {
        match self {
            Self::Binary(..)
            | Self::Negate(_)
            | Self::Not(_)
            | Self::IsNull { .. }
            | Self::Between { .. }
            | Self::InList { .. }
            | Self::Like { .. }
            | Self::Times(..)
            | Self::Ratio(..) => Self::Nested(Box::new(self)),
            other => other,
        }
    }
}

/// What a value is, as far as a mart expression needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// NUMBER or FLOAT.
    Number,
    /// VARCHAR.
    Text,
    /// BOOLEAN.
    Boolean,
    /// DATE or a timestamp.
    Temporal,
    /// NULL, VARIANT and the like: fits anywhere.
    Any,
}

impl Ty {
    /// The kind of a column type.
    pub fn of(sql_type: DataType) -> Self {
        match sql_type {
            t if t.is_numeric() => Self::Number,
            t if t.is_temporal() => Self::Temporal,
            DataType::Varchar(_) => Self::Text,
            DataType::Boolean => Self::Boolean,
            _ => Self::Any,
        }
    }

    /// The kind in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Number => "a number",
            Self::Text => "text",
            Self::Boolean => "a boolean",
            Self::Temporal => "a date",
            Self::Any => "any value",
        }
    }

    /// Whether a value of this kind can be a number.
    pub fn fits_number(self) -> bool {
        self.fits(Self::Number)
    }

    fn fits(self, other: Self) -> bool {
        self == other || self == Self::Any || other == Self::Any
    }

    /// Whether two values can be compared: same kind, or a date with a
    /// text literal such as `'1997-01-01'` (Snowflake casts it).
    fn comparable(self, other: Self) -> bool {
        self.fits(other)
            || matches!(
                (self, other),
                (Self::Temporal, Self::Text) | (Self::Text, Self::Temporal)
            )
    }
}

/// A binary operator of a mart expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
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
    /// `=`
    Eq,
    /// `<>` (also written `!=`)
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
}

/// A function a mart expression may call: row-level, deterministic, and the
/// same in Snowflake and the emulator. Aggregates are the mart's own keys
/// (`sum`, `avg`, ...), never written inside an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `ABS(n)`
    Abs,
    /// `ROUND(n [, scale])`
    Round,
    /// `FLOOR(n)`
    Floor,
    /// `CEIL(n)`
    Ceil,
    /// `COALESCE(a, b, ...)`
    Coalesce,
    /// `NULLIF(a, b)`
    NullIf,
    /// `IFF(condition, then, else)`
    Iff,
    /// `UPPER(text)`
    Upper,
    /// `LOWER(text)`
    Lower,
    /// `TRIM(text)`
    Trim,
    /// `LENGTH(text)`
    Length,
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
    /// Every function, in the order the docs list them.
    pub const ALL: [Self; 16] = [
        Self::Abs,
        Self::Round,
        Self::Floor,
        Self::Ceil,
        Self::Coalesce,
        Self::NullIf,
        Self::Iff,
        Self::Upper,
        Self::Lower,
        Self::Trim,
        Self::Length,
        Self::Substr,
        Self::Year,
        Self::Quarter,
        Self::Month,
        Self::Day,
    ];

    /// The function's name in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Abs => "ABS",
            Self::Round => "ROUND",
            Self::Floor => "FLOOR",
            Self::Ceil => "CEIL",
            Self::Coalesce => "COALESCE",
            Self::NullIf => "NULLIF",
            Self::Iff => "IFF",
            Self::Upper => "UPPER",
            Self::Lower => "LOWER",
            Self::Trim => "TRIM",
            Self::Length => "LENGTH",
            Self::Substr => "SUBSTR",
            Self::Year => "YEAR",
            Self::Quarter => "QUARTER",
            Self::Month => "MONTH",
            Self::Day => "DAY",
        }
    }

    /// Argument kinds (the last repeats for COALESCE), and how many are optional at the end.
    fn signature(self) -> (&'static [Ty], usize) {
        use Ty::{Any, Boolean, Number, Temporal, Text};
        match self {
            Self::Abs | Self::Floor | Self::Ceil => (&[Number], 0),
            Self::Round => (&[Number, Number], 1),
            Self::Coalesce | Self::NullIf => (&[Any, Any], 0),
            Self::Iff => (&[Boolean, Any, Any], 0),
            Self::Upper | Self::Lower | Self::Trim | Self::Length => (&[Text], 0),
            Self::Substr => (&[Text, Number, Number], 1),
            Self::Year | Self::Quarter | Self::Month | Self::Day => (&[Temporal], 0),
        }
    }
}

/// A numeric literal as written: digits with at most one decimal point and
/// an optional exponent. It can only be built by [`Number::parse`], so a
/// printer may write it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// A number literal, or `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let mantissa_ok = match mantissa.split_once('.') {
            Some((whole, fraction)) => {
                (digits(whole) || whole.is_empty())
                    && (digits(fraction) || fraction.is_empty())
                    && !(whole.is_empty() && fraction.is_empty())
            }
            None => digits(mantissa),
        };
        let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
        (mantissa_ok && exponent_ok).then(|| Self(text.to_owned()))
    }

    /// The literal as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date literal, `DATE 'YYYY-MM-DD'`: only built by [`DateLiteral::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLiteral(String);

impl DateLiteral {
    /// A `YYYY-MM-DD` day of the calendar (leap years counted), or `None`.
    pub fn parse(text: &str) -> Option<Self> {
        crate::model::civil_day(text).map(|_| Self(text.to_owned()))
    }

    /// The date as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a name in an expression stands for, as the mart resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The plan expression that reads it.
    pub expr: Expr,
    /// Its kind.
    pub ty: Ty,
    /// For a measure (or a derived measure), its additivity and `over`.
    pub measure: Option<(Additivity, Option<String>)>,
    /// How many tokens it stands for: 1 for a column, a derived measure's
    /// whole size (its expression is put in its place).
    pub size: usize,
}

/// How a derived measure may be aggregated, as far as its expression shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inferred {
    /// Built from additive measures by `+` and `-`, or scaled by constants.
    Measure(Additivity, Option<String>),
    /// A constant.
    Constant,
    /// A column that is not a measure (an attribute, a key).
    Plain,
    /// Anything else (a product of two measures, a function): the user
    /// declares what it is.
    Unknown,
}

/// A checked expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The plan expression.
    pub expr: Expr,
    /// Its kind.
    pub ty: Ty,
    /// What its expression shows of its additivity.
    pub additivity: Inferred,
    /// Its tokens, counting those of the derived measures it uses.
    pub size: usize,
}

/// Why an expression was refused: one sentence naming what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressionError(pub String);

impl fmt::Display for ExpressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, ExpressionError>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(ExpressionError(message.into()))
}

/// The most words and symbols (tokens) one expression may have.
pub const MAX_TOKENS: usize = 200;

/// The functions a mart expression may call, for help texts.
pub fn function_list() -> String {
    Function::ALL.map(Function::as_str).join(", ")
}

/// Resolves a name of an expression: `(role, column)`, `role` `None` for a
/// fact column; an error says why the name is unknown.
pub type Resolver<'a> = dyn FnMut(Option<&str>, &str) -> std::result::Result<Resolved, String> + 'a;

/// Parse and check `text`. `resolve(role, column)` resolves a name: a fact
/// column (`role` is `None`) or `ROLE.COLUMN`; identifiers are upper-cased
/// unless quoted, as Snowflake does.
///
/// # Errors
///
/// A syntax error, or the first part of the expression outside what marts
/// allow, with what is wrong.
pub fn parse(text: &str, resolve: &mut Resolver<'_>) -> Result<Typed> {
    let dialect = SnowflakeDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize()
        .map_err(|e| ExpressionError(format!("cannot read the expression: {e}")))?;
    // A chain of operators nests one level per operator, and every pass over
    // the tree (checking, printing, dropping) recurses through it: a bound on
    // its length keeps a hostile model from exhausting the stack.
    let words = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))).count();
    if words > MAX_TOKENS {
        return fail(format!(
            "the expression has {words} words and symbols, more than the {MAX_TOKENS} a mart expression may have: split it into derived measures"
        ));
    }
    let mut parser = Parser::new(&dialect).with_tokens(tokens);
    let parsed = parser
        .parse_expr()
        .map_err(|e| ExpressionError(format!("cannot read the expression: {}", parser_message(&e))))?;
    let rest = parser.peek_token();
    if rest.token != Token::EOF {
        return fail(format!(
            "the expression ends before `{}`: one expression, without a trailing `;` or clause",
            rest.token
        ));
    }
    let mut converter = Converter { resolve, size: words };
    let Node { expr, ty, additivity } = converter.expr(&parsed)?;
    Ok(Typed {
        expr,
        ty,
        additivity,
        size: converter.size,
    })
}

fn parser_message(e: &sqlparser::parser::ParserError) -> String {
    let text = e.to_string();
    text.strip_prefix("sql parser error: ").unwrap_or(&text).to_owned()
}

/// A checked expression while it is built (its size is the converter's).
struct Node {
    expr: Expr,
    ty: Ty,
    additivity: Inferred,
}

struct Converter<'r> {
    resolve: &'r mut Resolver<'r>,
    /// Tokens so far, the derived measures used counted whole.
    size: usize,
}

fn name(ident: &sql::Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_uppercase()
    }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Converter<'_> {
    fn expr(&mut self, e: &sql::Expr) -> Result<Node> {
        match e {
            sql::Expr::Identifier(ident) => self.name(None, ident),
            sql::Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [role, column] => self.name(Some(role), column),
                _ => fail(format!(
                    "`{e}`: name a fact column (`AMOUNT`) or a dimension attribute as `ROLE.ATTRIBUTE`"
                )),
            },
            sql::Expr::Value(v) => literal(&v.value),
            sql::Expr::TypedString(t) => match (&t.data_type, &t.value.value) {
                (sql::DataType::Date, sql::Value::SingleQuotedString(s)) => match DateLiteral::parse(s) {
                    Some(d) => Ok(Node {
                        expr: Expr::Date(d),
                        ty: Ty::Temporal,
                        additivity: Inferred::Constant,
                    }),
                    None => fail(format!("`DATE '{s}'` is not a date: write `DATE 'YYYY-MM-DD'`")),
                },
                _ => fail(format!("`{e}`: the only typed literal is `DATE 'YYYY-MM-DD'`")),
            },
            sql::Expr::Nested(inner) => {
                let t = self.expr(inner)?;
                Ok(Node {
                    expr: Expr::Nested(boxed(t.expr)),
                    ..t
                })
            }
            sql::Expr::UnaryOp { op, expr } => self.unary(*op, expr),
            sql::Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            sql::Expr::IsNull(inner) | sql::Expr::IsNotNull(inner) => {
                let t = self.expr(inner)?;
                Ok(boolean(Expr::IsNull {
                    expr: boxed(t.expr),
                    negated: matches!(e, sql::Expr::IsNotNull(_)),
                }))
            }
            sql::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (t, lo, hi) = (self.expr(expr)?, self.expr(low)?, self.expr(high)?);
                for bound in [&lo, &hi] {
                    if !t.ty.comparable(bound.ty) {
                        return fail(format!(
                            "`{e}` compares {} with {}",
                            t.ty.describe(),
                            bound.ty.describe()
                        ));
                    }
                }
                Ok(boolean(Expr::Between {
                    expr: boxed(t.expr),
                    low: boxed(lo.expr),
                    high: boxed(hi.expr),
                    negated: *negated,
                }))
            }
            sql::Expr::In {
                expr,
                target,
                negated,
                global: false,
            } => {
                let sql::InTarget::List(items) = target else {
                    return fail(format!(
                        "`{e}`: `IN` takes a list of values; subqueries are not allowed in a mart expression"
                    ));
                };
                let t = self.expr(expr)?;
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    let i = self.expr(item)?;
                    if !t.ty.comparable(i.ty) {
                        return fail(format!("`{e}` compares {} with {}", t.ty.describe(), i.ty.describe()));
                    }
                    list.push(i.expr);
                }
                Ok(boolean(Expr::InList {
                    expr: boxed(t.expr),
                    list,
                    negated: *negated,
                }))
            }
            sql::Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            }
            | sql::Expr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => {
                let (t, p) = (self.expr(expr)?, self.expr(pattern)?);
                if !t.ty.fits(Ty::Text) || !p.ty.fits(Ty::Text) {
                    return fail(format!("`{e}`: LIKE matches text with a text pattern"));
                }
                Ok(boolean(Expr::Like {
                    expr: boxed(t.expr),
                    pattern: boxed(p.expr),
                    negated: *negated,
                    case_insensitive: matches!(e, sql::Expr::ILike { .. }),
                }))
            }
            sql::Expr::Case {
                operand: None,
                conditions,
                else_result,
                ..
            } => self.case(conditions, else_result.as_deref()),
            sql::Expr::Case { operand: Some(_), .. } => fail(format!(
                "`{e}`: write the searched form, `CASE WHEN condition THEN value ... END`"
            )),
            sql::Expr::Function(f) => self.function(e, f),
            sql::Expr::Subquery(_) | sql::Expr::Exists { .. } => {
                fail("subqueries are not allowed in a mart expression: name the fact's columns and `ROLE.ATTRIBUTE`s")
            }
            other => fail(format!(
                "`{other}` is not allowed in a mart expression: use columns, `ROLE.ATTRIBUTE`, literals, + - * / %, comparisons, AND/OR/NOT, BETWEEN, IN (...), LIKE, IS NULL, CASE WHEN and the functions {}",
                function_list()
            )),
        }
    }

    fn name(&mut self, role: Option<&sql::Ident>, column: &sql::Ident) -> Result<Node> {
        let role = role.map(name);
        let column = name(column);
        let resolved = (self.resolve)(role.as_deref(), &column).map_err(ExpressionError)?;
        self.size += resolved.size.saturating_sub(1);
        if self.size > MAX_TOKENS {
            return fail(format!(
                "with the derived measures it uses, the expression has more than the {MAX_TOKENS} words and symbols a mart expression may have"
            ));
        }
        let additivity = match resolved.measure {
            Some((a, over)) => Inferred::Measure(a, over),
            None => Inferred::Plain,
        };
        Ok(Node {
            expr: resolved.expr,
            ty: resolved.ty,
            additivity,
        })
    }

    fn unary(&mut self, op: sql::UnaryOperator, inner: &sql::Expr) -> Result<Node> {
        let t = self.expr(inner)?;
        match op {
            sql::UnaryOperator::Minus => {
                if !t.ty.fits(Ty::Number) {
                    return fail(format!("`-{inner}` negates {}, not a number", t.ty.describe()));
                }
                Ok(Node {
                    expr: Expr::Negate(boxed(t.expr)),
                    ty: Ty::Number,
                    additivity: t.additivity,
                })
            }
            sql::UnaryOperator::Plus => Ok(t),
            sql::UnaryOperator::Not => {
                if !t.ty.fits(Ty::Boolean) {
                    return fail(format!("`NOT {inner}` negates {}, not a condition", t.ty.describe()));
                }
                Ok(boolean(Expr::Not(boxed(t.expr))))
            }
            other => fail(format!("the operator `{other}` is not allowed in a mart expression")),
        }
    }

    fn binary(&mut self, left: &sql::Expr, op: &sql::BinaryOperator, right: &sql::Expr) -> Result<Node> {
        use sql::BinaryOperator as B;
        let operator = match op {
            B::Plus => Operator::Plus,
            B::Minus => Operator::Minus,
            B::Multiply => Operator::Times,
            B::Divide => Operator::Divide,
            B::Modulo => Operator::Modulo,
            B::Eq => Operator::Eq,
            B::NotEq => Operator::NotEq,
            B::Lt => Operator::Lt,
            B::LtEq => Operator::LtEq,
            B::Gt => Operator::Gt,
            B::GtEq => Operator::GtEq,
            B::And => Operator::And,
            B::Or => Operator::Or,
            other => {
                return fail(format!(
                    "the operator `{other}` is not allowed in a mart expression: use + - * / %, = <> < <= > >=, AND, OR"
                ));
            }
        };
        let (l, r) = (self.expr(left)?, self.expr(right)?);
        let shown = || format!("{left} {op} {right}");
        let (ty, additivity) = match operator {
            Operator::Plus | Operator::Minus => {
                let ty = match (l.ty, r.ty) {
                    (a, b) if a.fits(Ty::Number) && b.fits(Ty::Number) => Ty::Number,
                    // A date plus or minus a number of days.
                    (Ty::Temporal, b) if b.fits(Ty::Number) => Ty::Temporal,
                    (a, b) => {
                        return fail(format!(
                            "`{}` computes with {} and {}: arithmetic takes numbers",
                            shown(),
                            a.describe(),
                            b.describe()
                        ));
                    }
                };
                (ty, sum_additivity(&l.additivity, &r.additivity))
            }
            Operator::Times | Operator::Divide | Operator::Modulo => {
                if !l.ty.fits(Ty::Number) || !r.ty.fits(Ty::Number) {
                    return fail(format!(
                        "`{}` computes with {} and {}: arithmetic takes numbers",
                        shown(),
                        l.ty.describe(),
                        r.ty.describe()
                    ));
                }
                (Ty::Number, product_additivity(operator, &l.additivity, &r.additivity))
            }
            Operator::Eq | Operator::NotEq | Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq => {
                if !l.ty.comparable(r.ty) {
                    return fail(format!(
                        "`{}` compares {} with {}",
                        shown(),
                        l.ty.describe(),
                        r.ty.describe()
                    ));
                }
                (Ty::Boolean, Inferred::Unknown)
            }
            Operator::And | Operator::Or => {
                if !l.ty.fits(Ty::Boolean) || !r.ty.fits(Ty::Boolean) {
                    return fail(format!(
                        "`{}` joins {} and {}: AND and OR join conditions",
                        shown(),
                        l.ty.describe(),
                        r.ty.describe()
                    ));
                }
                (Ty::Boolean, Inferred::Unknown)
            }
        };
        Ok(Node {
            expr: Expr::Binary(boxed(l.expr), operator, boxed(r.expr)),
            ty,
            additivity,
        })
    }

    fn case(&mut self, conditions: &[sql::CaseWhen], otherwise: Option<&sql::Expr>) -> Result<Node> {
        let mut when = Vec::with_capacity(conditions.len());
        let mut ty = Ty::Any;
        for c in conditions {
            let (condition, value) = (self.expr(&c.condition)?, self.expr(&c.result)?);
            if !condition.ty.fits(Ty::Boolean) {
                return fail(format!(
                    "`WHEN {}` is {}, not a condition",
                    c.condition,
                    condition.ty.describe()
                ));
            }
            ty = unify(ty, value.ty).ok_or_else(|| {
                ExpressionError(format!(
                    "the values of a CASE differ in kind: {} and {}",
                    ty.describe(),
                    value.ty.describe()
                ))
            })?;
            when.push((condition.expr, value.expr));
        }
        let otherwise = match otherwise {
            Some(e) => {
                let t = self.expr(e)?;
                ty = unify(ty, t.ty).ok_or_else(|| {
                    ExpressionError(format!(
                        "the values of a CASE differ in kind: {} and {}",
                        ty.describe(),
                        t.ty.describe()
                    ))
                })?;
                Some(boxed(t.expr))
            }
            None => None,
        };
        Ok(Node {
            expr: Expr::Case { when, otherwise },
            ty,
            additivity: Inferred::Unknown,
        })
    }

    fn function(&mut self, whole: &sql::Expr, f: &sql::Function) -> Result<Node> {
        let spelled = f.name.to_string();
        let Some(function) = Function::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(&spelled))
        else {
            let aggregate = ["SUM", "AVG", "MIN", "MAX", "COUNT"]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&spelled));
            return fail(if aggregate {
                format!(
                    "`{whole}`: a mart expression is computed row by row; aggregate it with the mart's `sum`, `avg`, `min` or `max`"
                )
            } else {
                format!(
                    "`{spelled}` is not a function a mart expression may call; these are: {}",
                    function_list()
                )
            });
        };
        let plain = !f.uses_odbc_syntax
            && matches!(f.parameters, sql::FunctionArguments::None)
            && f.within_group.is_empty()
            && f.filter.is_none()
            && f.null_treatment.is_none()
            && f.over.is_none();
        let sql::FunctionArguments::List(list) = &f.args else {
            return fail(format!("`{whole}`: call {spelled} with arguments in parentheses"));
        };
        if !plain || list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
            return fail(format!("`{whole}`: only a plain call `{spelled}(a, b)` is allowed"));
        }
        let (kinds, optional) = function.signature();
        let repeats = function == Function::Coalesce;
        let (min, max) = (kinds.len() - optional, if repeats { usize::MAX } else { kinds.len() });
        if list.args.len() < min || list.args.len() > max {
            return fail(format!(
                "`{whole}`: {spelled} takes {}",
                match (min, max) {
                    (a, usize::MAX) => format!("{a} or more arguments"),
                    (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                    (a, b) => format!("{a} to {b} arguments"),
                }
            ));
        }
        let mut args = Vec::with_capacity(list.args.len());
        let mut tys = Vec::with_capacity(list.args.len());
        for (i, arg) in list.args.iter().enumerate() {
            let sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(arg)) = arg else {
                return fail(format!("`{whole}`: arguments are plain expressions, unnamed"));
            };
            let t = self.expr(arg)?;
            let want = kinds[i.min(kinds.len() - 1)];
            if !t.ty.fits(want) {
                return fail(format!(
                    "`{whole}`: argument {} of {spelled} is {}, not {}",
                    i + 1,
                    t.ty.describe(),
                    want.describe()
                ));
            }
            tys.push(t.ty);
            args.push(t.expr);
        }
        let ty = match function {
            Function::Abs
            | Function::Round
            | Function::Floor
            | Function::Ceil
            | Function::Length
            | Function::Year
            | Function::Quarter
            | Function::Month
            | Function::Day => Ty::Number,
            Function::Upper | Function::Lower | Function::Trim | Function::Substr => Ty::Text,
            Function::NullIf => tys[0],
            Function::Coalesce | Function::Iff => {
                let values = if function == Function::Iff { &tys[1..] } else { &tys[..] };
                values
                    .iter()
                    .try_fold(Ty::Any, |a, b| unify(a, *b))
                    .ok_or_else(|| ExpressionError(format!("`{whole}`: the values of {spelled} differ in kind")))?
            }
        };
        Ok(Node {
            expr: Expr::Call(function, args),
            ty,
            additivity: Inferred::Unknown,
        })
    }
}

fn unify(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Any, t) | (t, Ty::Any) => Some(t),
        (a, b) if a == b => Some(a),
        _ => None,
    }
}

fn boolean(expr: Expr) -> Node {
    Node {
        expr,
        ty: Ty::Boolean,
        additivity: Inferred::Unknown,
    }
}

fn literal(v: &sql::Value) -> Result<Node> {
    let (expr, ty) = match v {
        sql::Value::Number(n, false) => match Number::parse(n) {
            Some(n) => (Expr::Number(n), Ty::Number),
            None => return fail(format!("`{n}` is not a number")),
        },
        sql::Value::SingleQuotedString(s) => (Expr::Text(s.clone()), Ty::Text),
        sql::Value::Boolean(b) => (Expr::Bool(*b), Ty::Boolean),
        sql::Value::Null => (Expr::Null, Ty::Any),
        other => {
            return fail(format!(
                "`{other}` is not a literal a mart expression takes: numbers, 'text', TRUE, FALSE, NULL and DATE 'YYYY-MM-DD'"
            ));
        }
    };
    Ok(Node {
        expr,
        ty,
        additivity: Inferred::Constant,
    })
}

/// `a + b` and `a - b`: additive stays additive; a semi-additive measure stays
/// semi-additive with another over the same time; a non-additive value
/// makes the whole non-additive. Anything else is for the user to declare.
fn sum_additivity(a: &Inferred, b: &Inferred) -> Inferred {
    use Additivity::{Additive, NonAdditive, SemiAdditive};
    match (a, b) {
        (Inferred::Measure(NonAdditive, _), _) | (_, Inferred::Measure(NonAdditive, _)) => {
            Inferred::Measure(NonAdditive, None)
        }
        (Inferred::Measure(Additive, _), Inferred::Measure(Additive, _)) => Inferred::Measure(Additive, None),
        (Inferred::Measure(SemiAdditive, x), Inferred::Measure(SemiAdditive, y)) if x == y => {
            Inferred::Measure(SemiAdditive, x.clone())
        }
        (Inferred::Measure(SemiAdditive, x), Inferred::Measure(Additive, _))
        | (Inferred::Measure(Additive, _), Inferred::Measure(SemiAdditive, x)) => {
            Inferred::Measure(SemiAdditive, x.clone())
        }
        (Inferred::Constant, Inferred::Constant) => Inferred::Constant,
        _ => Inferred::Unknown,
    }
}

/// `a * k` and `a / k` of a measure and a constant keep its additivity (a
/// change of unit); any other product is a new row-level amount the user
/// declares.
fn product_additivity(op: Operator, a: &Inferred, b: &Inferred) -> Inferred {
    match (a, b) {
        (Inferred::Measure(additivity, over), Inferred::Constant) if op != Operator::Modulo => {
            Inferred::Measure(*additivity, over.clone())
        }
        (Inferred::Constant, Inferred::Measure(additivity, over)) if op == Operator::Times => {
            Inferred::Measure(*additivity, over.clone())
        }
        (Inferred::Constant, Inferred::Constant) => Inferred::Constant,
        _ => Inferred::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(role: Option<&str>, column: &str) -> std::result::Result<Resolved, String> {
        let measure = |a: Additivity| Some((a, None));
        let (ty, m) = match (role, column) {
            (None, "REVENUE" | "SUPPLY_COST") => (Ty::Number, measure(Additivity::Additive)),
            (None, "DISCOUNT") => (Ty::Number, measure(Additivity::NonAdditive)),
            (None, "ON_HAND") => (
                Ty::Number,
                Some((Additivity::SemiAdditive, Some("SNAPSHOT_DATE".into()))),
            ),
            (None, "SHIP_MODE") => (Ty::Text, None),
            (Some("ORDER_DATE"), "YEAR") => (Ty::Number, None),
            (Some("ORDER_DATE"), "FULL_DATE") => (Ty::Temporal, None),
            (r, c) => return Err(format!("unknown {r:?}.{c}")),
        };
        let alias = if role.is_some() {
            Alias::Dimension(1)
        } else {
            Alias::Fact
        };
        Ok(Resolved {
            expr: Expr::Column(alias, column.to_owned()),
            ty,
            measure: m,
            size: 1,
        })
    }

    fn check(text: &str) -> Result<Typed> {
        parse(text, &mut resolve)
    }

    #[test]
    fn sums_and_differences_of_additive_measures_are_additive() {
        let t = check("revenue - SUPPLY_COST").unwrap();
        assert_eq!(t.ty, Ty::Number);
        assert_eq!(t.additivity, Inferred::Measure(Additivity::Additive, None));
        assert_eq!(
            t.expr,
            Expr::Binary(
                boxed(Expr::Column(Alias::Fact, "REVENUE".into())),
                Operator::Minus,
                boxed(Expr::Column(Alias::Fact, "SUPPLY_COST".into()))
            )
        );
        assert_eq!(
            check("REVENUE / 100").unwrap().additivity,
            Inferred::Measure(Additivity::Additive, None)
        );
        assert_eq!(
            check("ON_HAND + ON_HAND").unwrap().additivity,
            Inferred::Measure(Additivity::SemiAdditive, Some("SNAPSHOT_DATE".into()))
        );
    }

    #[test]
    fn products_are_declared_and_non_additive_stays_non_additive() {
        assert_eq!(check("REVENUE * DISCOUNT").unwrap().additivity, Inferred::Unknown);
        assert_eq!(
            check("REVENUE + DISCOUNT").unwrap().additivity,
            Inferred::Measure(Additivity::NonAdditive, None)
        );
        assert_eq!(check("REVENUE + 1").unwrap().additivity, Inferred::Unknown);
    }

    #[test]
    fn filters_are_conditions_over_columns_and_attributes() {
        let t = check("ORDER_DATE.YEAR = 1993 AND DISCOUNT BETWEEN 1 AND 3 AND SHIP_MODE IN ('AIR', 'MAIL')").unwrap();
        assert_eq!(t.ty, Ty::Boolean);
        let t = check("ORDER_DATE.FULL_DATE >= DATE '1997-01-01' OR SHIP_MODE LIKE 'A%'").unwrap();
        assert_eq!(t.ty, Ty::Boolean);
        assert!(check("NOT (SHIP_MODE IS NULL)").is_ok());
        assert!(check("CASE WHEN DISCOUNT > 3 THEN REVENUE ELSE 0 END").is_ok());
    }

    #[test]
    fn what_is_outside_the_language_is_named() {
        let err = |t: &str| check(t).unwrap_err().0;
        assert!(
            err("REVENUE - (SELECT 1)").contains("subqueries"),
            "{}",
            err("REVENUE - (SELECT 1)")
        );
        assert!(err("SHIP_MODE IN (SELECT 1)").contains("subqueries"));
        assert!(err("CURRENT_ROLE()").contains("not a function"));
        assert!(err("SUM(REVENUE)").contains("row by row"));
        assert!(err("REVENUE; DROP TABLE X").contains("ends before"));
        assert!(err("REVENUE - SHIP_MODE").contains("arithmetic takes numbers"));
        assert!(err("SHIP_MODE = 'AIR' AND REVENUE").contains("AND and OR join conditions"));
        assert!(err("SHIP_MODE = 3").contains("compares text with a number"));
        assert!(err("NOPE").contains("unknown"));
        assert!(err("A.B.C").contains("ROLE.ATTRIBUTE"));
        assert!(err("REVENUE::VARCHAR").contains("not allowed"));
        assert!(err("ROUND(REVENUE, 1, 2)").contains("1 to 2 arguments"));
        assert!(err("DATE '1997-13-01' = ORDER_DATE.FULL_DATE").contains("not a date"));
        assert!(err("REVENUE +").contains("cannot read"));
        let long = vec!["REVENUE"; MAX_TOKENS].join(" + ");
        assert!(err(&long).contains("more than the 200"), "{}", err(&long));
        let longest = vec!["REVENUE"; MAX_TOKENS / 2].join(" + ");
        assert!(check(&longest).is_ok());
    }

    #[test]
    fn quoted_names_keep_their_case() {
        let mut seen = Vec::new();
        let mut r = |role: Option<&str>, column: &str| {
            seen.push((role.map(str::to_owned), column.to_owned()));
            resolve(Some("ORDER_DATE"), "YEAR")
        };
        parse("\"Mixed\".\"yEar\" + order_date.year + \"x\"", &mut r).unwrap();
        assert_eq!(
            seen,
            [
                (Some("Mixed".to_owned()), "yEar".to_owned()),
                (Some("ORDER_DATE".to_owned()), "YEAR".to_owned()),
                (None, "x".to_owned()),
            ]
        );
    }

    #[test]
    fn numbers_and_dates_are_checked_literals() {
        for ok in ["1", "10.5", ".5", "5.", "1e10", "2.5E-3"] {
            assert!(Number::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", ".", "1.2.3", "1e", "0x10", "1;", "-1", "1 "] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert!(DateLiteral::parse("2024-02-29").is_some());
        for bad in ["2024-2-29", "2024-00-10", "2024-01-32", "2024-01-01'", "abcd-ef-gh"] {
            assert!(DateLiteral::parse(bad).is_none(), "{bad}");
        }
    }
}
