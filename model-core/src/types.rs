//! Snowflake column types, parsed from the spellings data engineers write.

use std::fmt;

/// A Snowflake data type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `NUMBER(precision, scale)`; `int` is `NUMBER(38,0)`.
    Number {
        /// Total digits, 1..=38.
        precision: u8,
        /// Digits after the point, 0..=precision.
        scale: u8,
    },
    /// `FLOAT` (double precision; also `double`, `real`).
    Float,
    /// `VARCHAR` with an optional maximum length in characters.
    Varchar(Option<u32>),
    /// `BOOLEAN`.
    Boolean,
    /// `DATE`.
    Date,
    /// `TIME`.
    Time,
    /// `TIMESTAMP_NTZ` (wall-clock time, no zone; also `timestamp`, `datetime`).
    TimestampNtz,
    /// `TIMESTAMP_LTZ`.
    TimestampLtz,
    /// `TIMESTAMP_TZ`.
    TimestampTz,
    /// `VARIANT` (semi-structured, e.g. JSON).
    Variant,
    /// `OBJECT`.
    Object,
    /// `ARRAY`.
    Array,
    /// `BINARY`.
    Binary,
}

/// The spellings [`SqlType::parse`] accepts, for error messages.
pub const TYPE_SPELLINGS: &str = "int, bigint, number(p,s), decimal(p,s), float, double, \
string, varchar(n), boolean, date, time, timestamp, timestamp_ntz, timestamp_ltz, \
timestamp_tz, variant, object, array, binary";

/// Why a type spelling was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// Not a type dimgen knows.
    #[error("unknown type `{0}`")]
    Unknown(String),
    /// A known type with arguments it cannot take or out of range.
    #[error("invalid arguments for `{name}`: {why}")]
    Arguments {
        /// The type name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

impl SqlType {
    /// `NUMBER(38,0)`, Snowflake's integer.
    pub const INTEGER: SqlType = SqlType::Number {
        precision: 38,
        scale: 0,
    };

    /// Parse a type as written in a model (case-insensitive, spaces allowed
    /// inside the parentheses).
    pub fn parse(text: &str) -> Result<Self, TypeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let lower = compact.to_ascii_lowercase();
        let (name, args) = match lower.split_once('(') {
            Some((name, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(|| TypeError::Arguments {
                    name: name.to_owned(),
                    why: "missing `)`".to_owned(),
                })?;
                (name, Some(inner))
            }
            None => (lower.as_str(), None),
        };
        let no_args = |ty: SqlType| match args {
            None => Ok(ty),
            Some(_) => Err(TypeError::Arguments {
                name: name.to_owned(),
                why: "takes no arguments".to_owned(),
            }),
        };
        match name {
            "int" | "integer" | "bigint" | "smallint" | "tinyint" | "byteint" => no_args(Self::INTEGER),
            "number" | "numeric" | "decimal" => Self::parse_number(name, args),
            "float" | "float4" | "float8" | "double" | "doubleprecision" | "real" => no_args(Self::Float),
            "string" | "text" | "varchar" => match args {
                None => Ok(Self::Varchar(None)),
                Some(n) => match n.parse::<u32>() {
                    Ok(len @ 1..=16_777_216) => Ok(Self::Varchar(Some(len))),
                    _ => Err(TypeError::Arguments {
                        name: name.to_owned(),
                        why: format!("length must be 1..=16777216, got `{n}`"),
                    }),
                },
            },
            "boolean" | "bool" => no_args(Self::Boolean),
            "date" => no_args(Self::Date),
            "time" => no_args(Self::Time),
            "timestamp" | "timestamp_ntz" | "datetime" => no_args(Self::TimestampNtz),
            "timestamp_ltz" => no_args(Self::TimestampLtz),
            "timestamp_tz" => no_args(Self::TimestampTz),
            "variant" | "json" => no_args(Self::Variant),
            "object" => no_args(Self::Object),
            "array" => no_args(Self::Array),
            "binary" => no_args(Self::Binary),
            _ => Err(TypeError::Unknown(text.trim().to_owned())),
        }
    }

    fn parse_number(name: &str, args: Option<&str>) -> Result<Self, TypeError> {
        let bad = |why: String| TypeError::Arguments {
            name: name.to_owned(),
            why,
        };
        let Some(args) = args else {
            return Ok(Self::INTEGER);
        };
        let mut parts = args.split(',');
        let precision: u8 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .filter(|p| (1..=38).contains(p))
            .ok_or_else(|| bad(format!("precision must be 1..=38 in `({args})`")))?;
        let scale: u8 = match parts.next() {
            None => 0,
            Some(s) => s
                .parse()
                .ok()
                .filter(|s| *s <= precision)
                .ok_or_else(|| bad(format!("scale must be 0..=precision in `({args})`")))?,
        };
        if parts.next().is_some() {
            return Err(bad(format!("expected (precision, scale), got `({args})`")));
        }
        Ok(Self::Number { precision, scale })
    }

    /// Whether values can be summed or averaged (a measure's type must be).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Self::Number { .. } | Self::Float)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number { precision, scale } => write!(f, "NUMBER({precision},{scale})"),
            Self::Float => f.write_str("FLOAT"),
            Self::Varchar(None) => f.write_str("VARCHAR"),
            Self::Varchar(Some(n)) => write!(f, "VARCHAR({n})"),
            Self::Boolean => f.write_str("BOOLEAN"),
            Self::Date => f.write_str("DATE"),
            Self::Time => f.write_str("TIME"),
            Self::TimestampNtz => f.write_str("TIMESTAMP_NTZ"),
            Self::TimestampLtz => f.write_str("TIMESTAMP_LTZ"),
            Self::TimestampTz => f.write_str("TIMESTAMP_TZ"),
            Self::Variant => f.write_str("VARIANT"),
            Self::Object => f.write_str("OBJECT"),
            Self::Array => f.write_str("ARRAY"),
            Self::Binary => f.write_str("BINARY"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_map_to_snowflake_types() {
        let cases = [
            ("int", "NUMBER(38,0)"),
            ("NUMBER(20, 2)", "NUMBER(20,2)"),
            ("decimal(10)", "NUMBER(10,0)"),
            ("double", "FLOAT"),
            ("string", "VARCHAR"),
            ("varchar(12)", "VARCHAR(12)"),
            ("Boolean", "BOOLEAN"),
            ("timestamp", "TIMESTAMP_NTZ"),
            ("json", "VARIANT"),
        ];
        for (input, expected) in cases {
            assert_eq!(SqlType::parse(input).unwrap().to_string(), expected, "{input}");
        }
    }

    #[test]
    fn bad_spellings_are_refused() {
        assert_eq!(SqlType::parse("strng"), Err(TypeError::Unknown("strng".into())));
        assert!(SqlType::parse("number(39,0)").is_err());
        assert!(SqlType::parse("number(5,6)").is_err());
        assert!(SqlType::parse("number(5,2,1)").is_err());
        assert!(SqlType::parse("varchar(0)").is_err());
        assert!(SqlType::parse("boolean(1)").is_err());
        assert!(SqlType::parse("number(5").is_err());
    }

    #[test]
    fn only_numbers_are_numeric() {
        assert!(SqlType::parse("number(20,2)").unwrap().is_numeric());
        assert!(SqlType::Float.is_numeric());
        assert!(!SqlType::Varchar(None).is_numeric());
        assert!(!SqlType::Date.is_numeric());
    }
}
