//! The shop warehouse's Snowflake deployment, generated at build time from
//! the Rust model in `shop-model` (see `build.rs`). Every file of every
//! environment is compiled in, and `tests/schema.rs` snapshots them all, so a
//! changed model shows up as a reviewed SQL diff.
//!
//! ```
//! assert!(shop_warehouse::PROD_DEPLOY.contains("CREATE TABLE IF NOT EXISTS SHOP.PROD.FACT_ORDER_LINE ("));
//! let dev = shop_warehouse::environment("DEV").unwrap();
//! assert_eq!(dev.file("02_tables.sql"), Some(shop_warehouse::DEV_TABLES));
//! ```

/// The generated files of one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    /// The environment's name, e.g. `PROD`.
    pub name: &'static str,
    /// `(file name, contents)` in deploy order, `deploy.sql` (all steps) last.
    pub files: &'static [(&'static str, &'static str)],
}

impl Environment {
    /// The contents of the file named `name`, e.g. `02_tables.sql`.
    pub fn file(&self, name: &str) -> Option<&'static str> {
        self.files.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
    }
}

/// Every environment of the model, ordered by name, with its files.
pub static ENVIRONMENTS: &[Environment] = include!(concat!(env!("OUT_DIR"), "/environments.rs"));

/// The environment named `name`, if the model declares it.
pub fn environment(name: &str) -> Option<&'static Environment> {
    ENVIRONMENTS.iter().find(|e| e.name == name)
}

/// The folder holding `<ENV>/<file>.sql` for every environment, for
/// deployment scripts (`snow sql -f "$(...)/PROD/deploy.sql"`).
pub fn sql_dir() -> &'static str {
    concat!(env!("OUT_DIR"), "/sql")
}

/// The whole DEV deployment, every step in order.
pub const DEV_DEPLOY: &str = include_str!(concat!(env!("OUT_DIR"), "/sql/DEV/deploy.sql"));
/// DEV's tables: `CREATE TABLE IF NOT EXISTS`, keys, constraints, unknown members.
pub const DEV_TABLES: &str = include_str!(concat!(env!("OUT_DIR"), "/sql/DEV/02_tables.sql"));
/// The whole PROD deployment, every step in order.
pub const PROD_DEPLOY: &str = include_str!(concat!(env!("OUT_DIR"), "/sql/PROD/deploy.sql"));
/// PROD's tables: `CREATE TABLE IF NOT EXISTS`, keys, constraints, unknown members.
pub const PROD_TABLES: &str = include_str!(concat!(env!("OUT_DIR"), "/sql/PROD/02_tables.sql"));
