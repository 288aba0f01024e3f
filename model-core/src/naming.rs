//! The names dimgen derives from the model's own: default surrogate keys
//! and the roles references play. One place, used by the TOML loader, the
//! derives' builder, layout, planning, validation and export alike.

/// `DIM_PATIENT` → `PATIENT_KEY`; `FACT_CLAIMS` → `CLAIMS_KEY`; `customers` → `customers_key`.
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
pub fn default_role(column: &str) -> String {
    let upper = column.to_uppercase();
    for suffix in ["_KEY", "_ID", "_SK"] {
        if upper.len() > suffix.len() && upper.ends_with(suffix) {
            return column[..column.len() - suffix.len()].to_owned();
        }
    }
    column.to_owned()
}
