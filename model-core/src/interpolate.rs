//! `${name}` placeholders in model strings, resolved per environment.
//!
//! `$$` writes a literal `$`. Names are `[A-Za-z_][A-Za-z0-9_]*`. The variable
//! `env` is always defined as the environment's name.

use std::collections::BTreeMap;
use std::ops::Range;

/// A placeholder found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Variable name.
    pub name: String,
    /// Byte range of `${name}` in the string.
    pub range: Range<usize>,
}

/// A malformed placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderError {
    /// What is wrong.
    pub message: String,
    /// Byte range in the string.
    pub range: Range<usize>,
}

enum Piece<'a> {
    Text(&'a str),
    Var(Placeholder),
}

fn pieces(s: &str) -> Result<Vec<Piece<'_>>, PlaceholderError> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => {
                out.push(Piece::Text(&s[rest_start..=i]));
                i += 2;
                rest_start = i;
            }
            Some(b'{') => {
                let Some(len) = s[i + 2..].find('}') else {
                    return Err(PlaceholderError {
                        message: "`${` without a closing `}`".into(),
                        range: i..s.len(),
                    });
                };
                let name = &s[i + 2..i + 2 + len];
                let end = i + 2 + len + 1;
                let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(PlaceholderError {
                        message: format!("`${{{name}}}` is not a variable name (letters, digits, `_`)"),
                        range: i..end,
                    });
                }
                out.push(Piece::Text(&s[rest_start..i]));
                out.push(Piece::Var(Placeholder {
                    name: name.to_owned(),
                    range: i..end,
                }));
                i = end;
                rest_start = end;
            }
            _ => i += 1,
        }
    }
    out.push(Piece::Text(&s[rest_start..]));
    Ok(out)
}

/// The placeholders of a string.
pub fn placeholders(s: &str) -> Result<Vec<Placeholder>, PlaceholderError> {
    Ok(pieces(s)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Substitute every placeholder from `vars` (plus `env`). Unknown variables
/// are returned as errors, all of them.
pub fn resolve(s: &str, env: &str, vars: &BTreeMap<String, String>) -> Result<String, Vec<PlaceholderError>> {
    let pieces = pieces(s).map_err(|e| vec![e])?;
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(v) if v.name == "env" && !vars.contains_key("env") => out.push_str(env),
            Piece::Var(v) => match vars.get(&v.name) {
                Some(value) => out.push_str(value),
                None => missing.push(PlaceholderError {
                    message: format!("variable `{}` is not defined in environment `{env}`", v.name),
                    range: v.range,
                }),
            },
        }
    }
    if missing.is_empty() { Ok(out) } else { Err(missing) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([("bucket".to_owned(), "acme-prod".to_owned())])
    }

    #[test]
    fn substitutes_variables_and_env() {
        assert_eq!(
            resolve("s3://${bucket}/${env}/", "PROD", &vars()).unwrap(),
            "s3://acme-prod/PROD/"
        );
        assert_eq!(
            resolve("cost $$5 ${bucket}", "DEV", &vars()).unwrap(),
            "cost $5 acme-prod"
        );
        assert_eq!(resolve("plain $ sign", "DEV", &vars()).unwrap(), "plain $ sign");
    }

    #[test]
    fn reports_every_missing_variable_with_its_range() {
        let errs = resolve("${a}-${bucket}-${b}", "DEV", &vars()).unwrap_err();
        let ranges: Vec<_> = errs.iter().map(|e| e.range.clone()).collect();
        assert_eq!(ranges, vec![0..4, 15..19]);
    }

    #[test]
    fn malformed_placeholders_are_errors() {
        assert_eq!(placeholders("x ${oops").unwrap_err().range, 2..8);
        assert_eq!(placeholders("${1x}").unwrap_err().range, 0..5);
        assert_eq!(placeholders("${}").unwrap_err().range, 0..3);
    }
}
