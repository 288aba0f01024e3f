//! The names dimgen derives from the model's own: default surrogate keys,
//! the roles references play, and the objects dimgen creates beside the
//! tables (current views, sequences, pipes, landing tables, streams, tasks).
//! One place, used by the TOML loader, the derives' builder, layout,
//! planning, validation, export and codegen alike.

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

/// The current-rows view of an SCD2 dimension: `DIM_PATIENT_CURRENT`.
pub fn current_view(dimension: &str) -> String {
    format!("{dimension}_CURRENT")
}

/// The sequence backing a table's key under `key_generation = "sequence"`.
pub fn sequence(table: &str) -> String {
    format!("{table}_SEQ")
}

/// The pipe of a load when none is named.
pub fn default_pipe(table: &str) -> String {
    format!("{table}_PIPE")
}

/// The landing table of a load when none is named.
pub fn default_landing(table: &str) -> String {
    format!("{table}_LANDING")
}

/// The stream on a landing table.
pub fn stream(landing: &str) -> String {
    format!("{landing}_STREAM")
}

/// The task that runs the MERGE of a table's load.
pub fn load_task(table: &str) -> String {
    format!("{table}_LOAD_TASK")
}
