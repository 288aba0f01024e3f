//! The output checker: what every generated deployment must satisfy,
//! whatever the model; used by the SQL tests and by the fuzz targets. Also
//! the one SQL statement splitter the tests share (`split_statements`).
//!
//! - no control character but the line break, anywhere in any file;
//! - each file's header is comments only;
//! - sqlparser's tokenizer (which knows quoted identifiers, strings, `$$`
//!   bodies and comments) splits each file into exactly the statements
//!   dimgen meant to emit, each opening with the words of its kind;
//! - no word outside identifiers and strings that dimgen never emits: DROP,
//!   TRUNCATE, DELETE (but as a privilege in a GRANT), REPLACE (but of a view
//!   or a dynamic table), SWAP, OWNERSHIP, REVOKE, UNDROP; `$$` bodies and
//!   `EXECUTE IMMEDIATE` strings are checked the same way, inside;
//! - `deploy.sql` holds the step files' statements and nothing else.

use dimgen::Deployment;
use dimgen::writer::Statement;
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer, Whitespace};

/// The words a statement of `kind` (see [`Statement::kind`]) opens with.
pub fn leading_words(kind: &str) -> Vec<&'static str> {
    match kind {
        "CREATE DYNAMIC TABLE" => vec!["EXECUTE", "IMMEDIATE"],
        "CREATE VIEW" => vec!["CREATE", "OR", "REPLACE", "VIEW"],
        "CREATE SECURE VIEW" => vec!["CREATE", "OR", "REPLACE", "SECURE", "VIEW"],
        "ALTER TABLE ALTER CONSTRAINT RELY" => vec!["ALTER", "TABLE"],
        k if k.starts_with("GRANT") => vec!["GRANT"],
        "CREATE DATABASE" => vec!["CREATE", "DATABASE"],
        "CREATE SCHEMA" => vec!["CREATE", "SCHEMA"],
        "CREATE SEQUENCE" => vec!["CREATE", "SEQUENCE"],
        "CREATE TABLE" => vec!["CREATE", "TABLE"],
        "INSERT" => vec!["INSERT", "INTO"],
        "CREATE ROLE" => vec!["CREATE", "ROLE"],
        "CREATE FILE FORMAT" => vec!["CREATE", "FILE", "FORMAT"],
        "ALTER FILE FORMAT" => vec!["ALTER", "FILE", "FORMAT"],
        "CREATE STORAGE INTEGRATION" => vec!["CREATE", "STORAGE", "INTEGRATION"],
        "ALTER STORAGE INTEGRATION" => vec!["ALTER", "STORAGE", "INTEGRATION"],
        "CREATE STAGE" => vec!["CREATE", "STAGE"],
        "CREATE PIPE" => vec!["CREATE", "PIPE"],
        "CREATE STREAM" => vec!["CREATE", "STREAM"],
        "ALTER TASK" => vec!["ALTER", "TASK"],
        "CREATE OR ALTER TASK" => vec!["CREATE", "OR", "ALTER", "TASK"],
        "MERGE" => vec!["MERGE", "INTO"],
        "CREATE TAG" => vec!["CREATE", "TAG"],
        "CREATE MASKING POLICY" => vec!["CREATE", "MASKING", "POLICY"],
        "ALTER MASKING POLICY" => vec!["ALTER", "MASKING", "POLICY"],
        "ALTER TABLE SET MASKING POLICY"
        | "ALTER TABLE SET TAG"
        | "ALTER TABLE UNSET MASKING POLICY"
        | "ALTER TABLE UNSET TAG" => vec!["ALTER", "TABLE"],
        "ALTER DYNAMIC TABLE SET MASKING POLICY"
        | "ALTER DYNAMIC TABLE SET TAG"
        | "ALTER DYNAMIC TABLE UNSET MASKING POLICY"
        | "ALTER DYNAMIC TABLE UNSET TAG" => vec!["ALTER", "DYNAMIC", "TABLE"],
        // A kind this checker does not know yet is a violation (below).
        _ => Vec::new(),
    }
}

fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    Tokenizer::new(&SnowflakeDialect {}, sql)
        .tokenize()
        .map_err(|e| format!("does not tokenize: {e}"))
}

fn is_space(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

/// Unquoted words, upper-cased.
fn words(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_uppercase()),
            _ => None,
        })
        .collect()
}

/// Words dimgen never emits, looked for in `tokens` and in every `$$` body
/// or string they run (`EXECUTE IMMEDIATE`).
fn forbidden(tokens: &[Token], is_grant: bool, depth: usize) -> Result<(), String> {
    let w = words(tokens);
    for (i, word) in w.iter().enumerate() {
        let next = |n: usize| w.get(i + n).map_or("", String::as_str);
        let bad = match word.as_str() {
            "REPLACE" => {
                !(next(1) == "VIEW"
                    || (next(1) == "SECURE" && next(2) == "VIEW")
                    || (next(1) == "DYNAMIC" && next(2) == "TABLE"))
            }
            "DELETE" | "TRUNCATE" => !is_grant,
            "DROP" | "SWAP" | "OWNERSHIP" | "REVOKE" | "UNDROP" => true,
            _ => false,
        };
        if bad {
            return Err(format!("`{word}` emitted"));
        }
    }
    if depth > 2 {
        return Ok(());
    }
    let executes = w.first().is_some_and(|f| f == "EXECUTE");
    for t in tokens {
        let body = match t {
            Token::DollarQuotedString(s) => Some(s.value.as_str()),
            Token::SingleQuotedString(s) if executes => Some(s.as_str()),
            _ => None,
        };
        if let Some(body) = body {
            // A body that does not tokenize is no statement of ours to run.
            let inner = tokenize(body)?;
            forbidden(&inner, false, depth + 1).map_err(|e| format!("inside a body: {e}"))?;
        }
    }
    Ok(())
}

/// One statement of a SQL file: its text and its tokens (whitespace and
/// comments dropped).
#[derive(Debug, Clone)]
pub struct Sql {
    /// The statement, without its `;`.
    pub text: String,
    /// Its tokens.
    pub tokens: Vec<Token>,
}

/// Byte offset of a tokenizer location (1-based line, 1-based column in characters).
fn offset(text: &str, line_starts: &[usize], at: Location) -> usize {
    // Locations are 1-based; out of range they clamp to the text's end.
    let line = usize::try_from(at.line).unwrap_or(usize::MAX).saturating_sub(1);
    let column = usize::try_from(at.column).unwrap_or(usize::MAX).saturating_sub(1);
    let Some(&start) = line_starts.get(line) else {
        return text.len();
    };
    text[start..]
        .char_indices()
        .nth(column)
        .map_or(text.len(), |(i, _)| start + i)
}

/// Split a SQL file into statements on `;` tokens: quoted identifiers,
/// strings and comments are single tokens, so a `;` inside a name never splits.
pub fn split_statements(text: &str) -> Result<Vec<Sql>, String> {
    let tokens = Tokenizer::new(&SnowflakeDialect {}, text)
        .tokenize_with_location()
        .map_err(|e| format!("cannot tokenize: {e}"))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut out = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut start = None;
    for t in tokens {
        match t.token {
            Token::SemiColon => {
                let Some(from) = start.take() else {
                    return Err("an empty statement (`;` with nothing before it)".to_owned());
                };
                let to = offset(text, &line_starts, t.span.start);
                out.push(Sql {
                    text: text[from..to].to_owned(),
                    tokens: std::mem::take(&mut current),
                });
            }
            Token::Whitespace(_) => {}
            token => {
                if start.is_none() {
                    start = Some(offset(text, &line_starts, t.span.start));
                }
                current.push(token);
            }
        }
    }
    if current.is_empty() {
        Ok(out)
    } else {
        Err(format!("text after the last `;`: {current:?}"))
    }
}

fn check_statements(text: &str, statements: &[&Statement]) -> Result<(), String> {
    let split: Vec<Vec<Token>> = split_statements(text)?.into_iter().map(|s| s.tokens).collect();
    if split.len() != statements.len() {
        return Err(format!(
            "{} statements by tokens, {} emitted",
            split.len(),
            statements.len()
        ));
    }
    for (i, (tokens, statement)) in split.iter().zip(statements).enumerate() {
        let kind = statement.kind();
        let expected = leading_words(kind);
        if expected.is_empty() {
            return Err(format!("statement {i}: kind `{kind}` unknown to the checker"));
        }
        let significant: Vec<&Token> = tokens.iter().filter(|t| !is_space(t)).collect();
        let opening: Vec<String> = significant
            .iter()
            .take(expected.len())
            .map(|t| match t {
                Token::Word(w) if w.quote_style.is_none() => w.value.to_uppercase(),
                other => other.to_string(),
            })
            .collect();
        if opening != expected {
            return Err(format!("statement {i} ({kind}) opens with {opening:?}"));
        }
        forbidden(tokens, kind.starts_with("GRANT"), 0).map_err(|e| format!("statement {i} ({kind}): {e}"))?;
    }
    Ok(())
}

fn printable(text: &str) -> Result<(), String> {
    match text
        .char_indices()
        .find(|&(_, c)| (c.is_control() && c != '\n') || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        Some((at, c)) => Err(format!("control character {c:?} at byte {at}")),
        None => Ok(()),
    }
}

/// Check one deployment; the error names the file and what is wrong.
pub fn check_deployment(deployment: &Deployment) -> Result<(), String> {
    let mut deployed: Vec<&Statement> = Vec::new();
    for file in &deployment.files {
        let fail = |e: String| format!("{}: {e}", file.name);
        let text = file.render();
        printable(&text).map_err(fail)?;
        let header = tokenize(&file.header).map_err(fail)?;
        if !header.iter().all(|t| {
            matches!(
                t,
                Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::Newline)
            )
        }) {
            return Err(fail("the header is not comments only".into()));
        }
        let statements: Vec<&Statement> = file.statements.iter().collect();
        check_statements(&text, &statements).map_err(fail)?;
        if file.in_deploy {
            deployed.extend(statements);
        }
    }
    let deploy = deployment.deploy_sql();
    printable(&deploy).map_err(|e| format!("deploy.sql: {e}"))?;
    check_statements(&deploy, &deployed).map_err(|e| format!("deploy.sql: {e}"))
}

/// Generate every environment of `model` twice and check each deployment;
/// the same bytes both times. Environments that fail to generate are an
/// error too (validation should have refused the model).
pub fn check_model(model: &model_core::Validated) -> Result<(), String> {
    for env in &model.environments {
        let first = dimgen::generate(model, &env.name).map_err(|e| format!("{}: {e}", env.name))?;
        check_deployment(&first).map_err(|e| format!("environment {:?}: {e}", env.name))?;
        let second = dimgen::generate(model, &env.name).map_err(|e| format!("{}: {e}", env.name))?;
        if first.rendered() != second.rendered() {
            return Err(format!("environment {:?}: not deterministic", env.name));
        }
    }
    Ok(())
}
