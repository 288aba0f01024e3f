//! The vocabulary of a dimgen model, defined once for both front ends: the
//! TOML loader (`model-core`) and the derives (`model-derive`, which cannot
//! depend on `model-core` since `model-core` re-exports it). The choice
//! words each key accepts, the names dimgen derives (default keys, reference
//! roles, table names from Rust types) and the rule for what kind a column
//! is. Each front end reports a violation at its own location — a TOML span,
//! or the tokens of a `#[model(...)]` attribute at compile time — but the
//! rule and the words are these.

/// `key_generation` of a dimension: how its surrogate key is filled. The
/// first is the default.
pub const DIMENSION_KEY_GENERATIONS: &[&str] = &["identity", "sequence", "natural"];

/// `key_generation` of a fact (a fact has no natural smart key). The first
/// is the default.
pub const FACT_KEY_GENERATIONS: &[&str] = &["identity", "sequence"];

/// `fact_type`, Kimball's kinds of fact table. The first is the default.
pub const FACT_TYPES: &[&str] = &["transaction", "periodic_snapshot", "accumulating_snapshot", "factless"];

/// `measure`: how a measure adds up.
pub const ADDITIVITIES: &[&str] = &["additive", "semi_additive", "non_additive"];

/// `scd`: the slowly-changing-dimension types, by number (0 fixed,
/// 1 overwrite, 2 history).
pub const SCD_TYPES: &[&str] = &["fixed", "overwrite", "history"];

/// `pii`: the classes of personal data a column can hold (`pii = true` is
/// the last, `other`). Each is a value of the `PII` tag and selects the
/// column's default mask. HIPAA's identifiers map onto them: names; contact
/// values (phone, fax, e-mail, URLs); dates of an individual but the year;
/// locations smaller than a state (street, city, ZIP); identifying numbers
/// (record, account, licence, device numbers).
pub const PII_CLASSES: &[&str] = &["name", "contact", "date", "location", "identifier", "other"];

/// The class `pii = true` (TOML) or a bare `#[model(pii)]` means.
pub const DEFAULT_PII_CLASS: &str = "other";

/// How a masked value reads for a role that may not see it: `redact`
/// (`'***'` for text, NULL otherwise), `partial` (text: all but the last
/// four characters starred), `year` (dates and timestamps: cut to the first
/// day of their year), `null`.
pub const MASKS: &[&str] = &["redact", "partial", "year", "null"];

/// The SCD type of a dimension that declares none (1, overwrite).
pub const DEFAULT_SCD: u8 = 1;

/// Whether a dimension without `unknown_member` has one.
pub const DEFAULT_UNKNOWN_MEMBER: bool = true;

/// The prefix a dimension's name drops in its default key (`DIM_PATIENT` →
/// `PATIENT_KEY`).
pub const DIMENSION_PREFIX: &str = "DIM_";

/// The prefix a fact's name drops in its default key (`FACT_CLAIMS` →
/// `CLAIMS_KEY`).
pub const FACT_PREFIX: &str = "FACT_";

/// `DIM_PATIENT` → `PATIENT_KEY`; `FACT_CLAIMS` → `CLAIMS_KEY`; `customers` → `customers_key`.
///
/// ```
/// assert_eq!(model_vocab::default_key("DIM_PATIENT", "DIM_"), "PATIENT_KEY");
/// assert_eq!(model_vocab::default_key("customers", "DIM_"), "customers_key");
/// ```
pub fn default_key(table: &str, prefix: &str) -> String {
    let upper_prefix = table
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let base = if upper_prefix && table.len() > prefix.len() {
        &table[prefix.len()..]
    } else {
        table
    };
    let lower = base.chars().any(char::is_lowercase) && !base.chars().any(char::is_uppercase);
    format!("{base}{}", if lower { "_key" } else { "_KEY" })
}

/// The role a reference plays when none is declared: its column name without `_KEY` / `_ID`.
///
/// ```
/// assert_eq!(model_vocab::default_role("REFERRING_PROVIDER_KEY"), "REFERRING_PROVIDER");
/// ```
pub fn default_role(column: &str) -> String {
    let upper = column.to_uppercase();
    for suffix in ["_KEY", "_ID", "_SK"] {
        if upper.len() > suffix.len() && upper.ends_with(suffix) {
            return column[..column.len() - suffix.len()].to_owned();
        }
    }
    column.to_owned()
}

/// A Rust name as a Snowflake name: `FactClaims` → `FACT_CLAIMS`,
/// `patient_id` → `PATIENT_ID`, `r#type` → `TYPE`.
pub fn screaming_snake(name: &str) -> String {
    let chars: Vec<char> = name.trim_start_matches("r#").chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// What a column is, decided by what its declaration says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindWord {
    /// `references = "DIM_..."` (TOML) or a `Key<D>` field (Rust).
    References,
    /// `measure = "..."`.
    Measure,
    /// `degenerate = true`.
    Degenerate,
}

impl KindWord {
    /// The key that says it, in TOML and in `#[model(...)]` alike.
    pub fn key(self) -> &'static str {
        match self {
            Self::References => "references",
            Self::Measure => "measure",
            Self::Degenerate => "degenerate",
        }
    }
}

/// The rule for a column's kind: at most one of reference, measure and
/// degenerate (none: an attribute). `Err` holds the first two that are set,
/// in that order, for the front end to report.
///
/// ```
/// use model_vocab::{KindWord, column_kind};
/// assert_eq!(column_kind(false, true, false), Ok(Some(KindWord::Measure)));
/// assert_eq!(column_kind(true, true, false), Err((KindWord::References, KindWord::Measure)));
/// assert_eq!(column_kind(false, false, false), Ok(None));
/// ```
pub fn column_kind(
    references: bool,
    measure: bool,
    degenerate: bool,
) -> Result<Option<KindWord>, (KindWord, KindWord)> {
    let set: Vec<KindWord> = [
        (references, KindWord::References),
        (measure, KindWord::Measure),
        (degenerate, KindWord::Degenerate),
    ]
    .into_iter()
    .filter_map(|(on, word)| on.then_some(word))
    .collect();
    match set.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        [first, second, ..] => Err((*first, *second)),
    }
}

/// The rule for nullability: a column that identifies rows (in a
/// dimension's `natural_key` or a fact's `grain_columns`) is never NULL;
/// otherwise what is written, else what the declaring type implies (Rust's
/// `Option<T>`), else a reference is NOT NULL (a missing member is the
/// unknown member, key -1) and anything else is nullable. `Err(())`: the
/// declaration writes `nullable = true` on an identifying column.
///
/// ```
/// use model_vocab::nullable;
/// assert_eq!(nullable(true, Some(true), None, false), Err(()));
/// assert_eq!(nullable(true, None, Some(true), false), Ok(false));
/// assert_eq!(nullable(false, None, None, true), Ok(false));
/// ```
#[allow(clippy::result_unit_err)]
pub fn nullable(identifies: bool, written: Option<bool>, implied: Option<bool>, reference: bool) -> Result<bool, ()> {
    if identifies {
        return if written == Some(true) { Err(()) } else { Ok(false) };
    }
    Ok(written.or(implied).unwrap_or(!reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_become_table_names() {
        assert_eq!(screaming_snake("FactClaims"), "FACT_CLAIMS");
        assert_eq!(screaming_snake("DimPatient"), "DIM_PATIENT");
        assert_eq!(screaming_snake("HTTPServer"), "HTTP_SERVER");
        assert_eq!(screaming_snake("Dim2Date"), "DIM2_DATE");
        assert_eq!(screaming_snake("patient_id"), "PATIENT_ID");
        assert_eq!(screaming_snake("r#type"), "TYPE");
    }

    #[test]
    fn default_keys_drop_the_prefix_and_keep_the_case() {
        assert_eq!(default_key("DIM_PATIENT", DIMENSION_PREFIX), "PATIENT_KEY");
        assert_eq!(default_key("FACT_CLAIMS", FACT_PREFIX), "CLAIMS_KEY");
        assert_eq!(default_key("dim_customer", DIMENSION_PREFIX), "customer_key");
        assert_eq!(default_key("DIM_", DIMENSION_PREFIX), "DIM__KEY");
        assert_eq!(default_key("PATIENTS", DIMENSION_PREFIX), "PATIENTS_KEY");
    }

    #[test]
    fn the_default_pii_class_is_a_class() {
        assert_eq!(PII_CLASSES.last(), Some(&DEFAULT_PII_CLASS));
    }

    #[test]
    fn the_defaults_are_the_first_words() {
        assert_eq!(DIMENSION_KEY_GENERATIONS[0], "identity");
        assert_eq!(FACT_TYPES[0], "transaction");
        assert_eq!(SCD_TYPES[usize::from(DEFAULT_SCD)], "overwrite");
        assert!(
            FACT_KEY_GENERATIONS
                .iter()
                .all(|g| DIMENSION_KEY_GENERATIONS.contains(g))
        );
    }
}
