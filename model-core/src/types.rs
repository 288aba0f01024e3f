//! Snowflake column types, parsed from the spellings data engineers write.

use std::fmt;

/// A Snowflake data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
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

/// The spellings [`DataType::parse`] accepts, for error messages.
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

impl DataType {
    /// `NUMBER(38,0)`, Snowflake's integer.
    pub const INTEGER: DataType = DataType::Number {
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
        let no_args = |ty: DataType| match args {
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

    /// [`DataType::parse`] as a `const fn` without error details: `None` for
    /// anything `parse` refuses. The derives evaluate it at compile time, so a
    /// misspelt `sql_type = "..."` is a compile error at the literal.
    pub const fn from_spelling(text: &str) -> Option<Self> {
        const MAX: usize = 64;
        let bytes = text.as_bytes();
        let mut buf = [0u8; MAX];
        let mut len = 0;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if !c.is_ascii_whitespace() {
                if len == MAX {
                    return None;
                }
                buf[len] = c.to_ascii_lowercase();
                len += 1;
            }
            i += 1;
        }
        let mut open = len;
        i = 0;
        while i < len {
            if buf[i] == b'(' {
                open = i;
                break;
            }
            i += 1;
        }
        let has_args = open < len;
        if has_args && (buf[len - 1] != b')' || len - open < 3) {
            return None;
        }
        let (args_start, args_end) = (open + 1, if has_args { len - 1 } else { len });
        if word_is(&buf, open, b"int")
            || word_is(&buf, open, b"integer")
            || word_is(&buf, open, b"bigint")
            || word_is(&buf, open, b"smallint")
            || word_is(&buf, open, b"tinyint")
            || word_is(&buf, open, b"byteint")
        {
            return if has_args { None } else { Some(Self::INTEGER) };
        }
        if word_is(&buf, open, b"number") || word_is(&buf, open, b"numeric") || word_is(&buf, open, b"decimal") {
            if !has_args {
                return Some(Self::INTEGER);
            }
            let mut comma = args_end;
            i = args_start;
            while i < args_end {
                if buf[i] == b',' {
                    comma = i;
                    break;
                }
                i += 1;
            }
            let Some(precision) = digits(&buf, args_start, comma) else {
                return None;
            };
            let scale = if comma < args_end {
                match digits(&buf, comma + 1, args_end) {
                    Some(s) => s,
                    None => return None,
                }
            } else {
                0
            };
            if precision < 1 || precision > 38 || scale > precision {
                return None;
            }
            #[allow(clippy::cast_possible_truncation)] // both checked <= 38
            return Some(Self::Number {
                precision: precision as u8,
                scale: scale as u8,
            });
        }
        if word_is(&buf, open, b"string") || word_is(&buf, open, b"text") || word_is(&buf, open, b"varchar") {
            if !has_args {
                return Some(Self::Varchar(None));
            }
            return match digits(&buf, args_start, args_end) {
                Some(n) if n >= 1 && n <= 16_777_216 => Some(Self::Varchar(Some(n))),
                _ => None,
            };
        }
        if has_args {
            return None;
        }
        let simple: [(&[u8], DataType); 18] = [
            (b"float", Self::Float),
            (b"float4", Self::Float),
            (b"float8", Self::Float),
            (b"double", Self::Float),
            (b"doubleprecision", Self::Float),
            (b"real", Self::Float),
            (b"boolean", Self::Boolean),
            (b"bool", Self::Boolean),
            (b"date", Self::Date),
            (b"time", Self::Time),
            (b"timestamp", Self::TimestampNtz),
            (b"timestamp_ntz", Self::TimestampNtz),
            (b"datetime", Self::TimestampNtz),
            (b"timestamp_ltz", Self::TimestampLtz),
            (b"timestamp_tz", Self::TimestampTz),
            (b"variant", Self::Variant),
            (b"json", Self::Variant),
            (b"object", Self::Object),
        ];
        i = 0;
        while i < simple.len() {
            if word_is(&buf, open, simple[i].0) {
                return Some(simple[i].1);
            }
            i += 1;
        }
        if word_is(&buf, open, b"array") {
            return Some(Self::Array);
        }
        if word_is(&buf, open, b"binary") {
            return Some(Self::Binary);
        }
        None
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

    /// Whether values are dates or instants (what an as-of join or an
    /// event time compares).
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            Self::Date | Self::TimestampNtz | Self::TimestampLtz | Self::TimestampTz
        )
    }
}

impl fmt::Display for DataType {
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

/// Whether `buf[..len]` is exactly `word`.
const fn word_is(buf: &[u8], len: usize, word: &[u8]) -> bool {
    if len != word.len() {
        return false;
    }
    let mut i = 0;
    while i < len {
        if buf[i] != word[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The decimal number in `buf[start..end]`, if it is one (no sign, at most 9 digits).
const fn digits(buf: &[u8], start: usize, end: usize) -> Option<u32> {
    if start >= end || end - start > 9 {
        return None;
    }
    let mut value: u32 = 0;
    let mut i = start;
    while i < end {
        let c = buf[i];
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + (c - b'0') as u32;
        i += 1;
    }
    Some(value)
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
            assert_eq!(DataType::parse(input).unwrap().to_string(), expected, "{input}");
        }
    }

    #[test]
    fn bad_spellings_are_refused() {
        assert_eq!(DataType::parse("strng"), Err(TypeError::Unknown("strng".into())));
        assert!(DataType::parse("number(39,0)").is_err());
        assert!(DataType::parse("number(5,6)").is_err());
        assert!(DataType::parse("number(5,2,1)").is_err());
        assert!(DataType::parse("varchar(0)").is_err());
        assert!(DataType::parse("boolean(1)").is_err());
        assert!(DataType::parse("number(5").is_err());
    }

    #[test]
    fn the_const_parser_agrees_with_parse() {
        let corpus = [
            "int",
            "INTEGER",
            "bigint",
            "smallint",
            "tinyint",
            "byteint",
            "number",
            "number(20,2)",
            "NUMBER( 20 , 2 )",
            "numeric(10)",
            "decimal(38,38)",
            "decimal(39,0)",
            "number(5,6)",
            "number(0)",
            "number(5,2,1)",
            "number()",
            "number(",
            "number(a)",
            "float",
            "float4",
            "float8",
            "double",
            "double precision",
            "real",
            "string",
            "text",
            "varchar",
            "varchar(12)",
            "varchar(0)",
            "varchar(16777216)",
            "varchar(16777217)",
            "varchar(x)",
            "boolean",
            "bool",
            "bool(1)",
            "date",
            "time",
            "timestamp",
            "timestamp_ntz",
            "datetime",
            "timestamp_ltz",
            "timestamp_tz",
            "variant",
            "json",
            "object",
            "array",
            "binary",
            "strng",
            "",
            "  ",
            "(",
            ")",
            "int)",
            "varchar(1234567890)",
            "number(-1)",
            "Ünicode",
        ];
        for spelling in corpus {
            assert_eq!(
                DataType::from_spelling(spelling),
                DataType::parse(spelling).ok(),
                "{spelling:?}"
            );
        }
    }

    #[test]
    fn only_numbers_are_numeric() {
        assert!(DataType::parse("number(20,2)").unwrap().is_numeric());
        assert!(DataType::Float.is_numeric());
        assert!(!DataType::Varchar(None).is_numeric());
        assert!(!DataType::Date.is_numeric());
    }
}
