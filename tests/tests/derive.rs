//! The derive door and the TOML door lead into one house: the same model,
//! the same validation (with Rust types and fields named in diagnostics), and
//! the same SQL.

// The structs exist to be declared, not read: their values are never built here.
#![allow(dead_code, clippy::struct_field_names)]

use model_core::{Bridge, Dimension, Fact, Key, ModelBuilder, Table};

/// One row per calendar day.
#[derive(Dimension)]
#[model(name = "DIM_DATE", key_generation = "natural", scd = 0)]
struct DimDate {
    #[model(natural_key)]
    date_id: i64,
    full_date: Option<String>,
}

/// One row per customer version.
#[derive(Dimension)]
#[model(
    name = "DIM_CUSTOMER",
    comment = "One row per customer version.",
    scd = 2,
    cluster_by(city)
)]
struct Customer {
    #[model(natural_key, comment = "Source customer number.")]
    customer_id: i64,
    city: Option<String>,
    #[model(scd = 1, pii, sql_type = "varchar(200)")]
    email: Option<String>,
    first_order_date: Option<Key<DimDate>>,
}

/// One row per interest a customer may have.
#[derive(Dimension)]
#[model(name = "DIM_INTEREST", renamed_from = "DIM_HOBBY")]
struct Interest {
    #[model(natural_key)]
    interest_id: i64,
    #[model(renamed_from = "TITLE", default = "other")]
    label: Option<String>,
    #[model(default = -1)]
    rank: i64,
    #[model(default = 0.5)]
    score: Option<f64>,
}

/// One row per order line.
#[derive(Fact)]
#[model(name = "FACT_ORDER_LINE", grain = "one row per order line", cluster_by(order_date))]
struct OrderLine {
    #[model(degenerate, grain)]
    order_number: String,
    #[model(grain)]
    line_number: i64,
    #[model(role = "ORDER_DATE")]
    order_date: Key<DimDate>,
    #[model(role = "SHIP_DATE")]
    ship_date: Key<DimDate>,
    customer_key: Key<Customer>,
    #[model(measure = "additive", sql_type = "number(12,2)")]
    amount: Option<f64>,
    #[model(measure = "non_additive")]
    unit_price: Option<f64>,
}

/// Which interests a customer has, weighted.
#[derive(Bridge)]
#[model(
    name = "BRIDGE_CUSTOMER_INTEREST",
    comment = "Interests per customer; weights sum to 1.",
    cluster_by(customer, interest, effective_date)
)]
struct CustomerInterest {
    #[model(between)]
    customer: Key<Customer>,
    #[model(between)]
    interest: Key<Interest>,
    #[model(weight, sql_type = "number(9,8)")]
    weighting_factor: f64,
    #[model(effective_from)]
    effective_date: Key<DimDate>,
    #[model(effective_to)]
    expiration_date: Key<DimDate>,
    #[model(current)]
    is_current: bool,
}

const SAME_MODEL_IN_TOML: &str = r#"
name = "shop"
database = "SHOP"

[environments.DEV]
schema = "DEV"

[environments.PROD]
schema = "PROD"

[[dimension]]
name = "DIM_DATE"
key_generation = "natural"
scd = 0
natural_key = "DATE_ID"
columns = [
  { name = "DATE_ID", type = "int", nullable = false },
  { name = "FULL_DATE", type = "string" },
]

[[dimension]]
name = "DIM_CUSTOMER"
comment = "One row per customer version."
scd = 2
natural_key = "CUSTOMER_ID"
cluster_by = ["CITY"]
columns = [
  { name = "CUSTOMER_ID", type = "int", comment = "Source customer number.", nullable = false },
  { name = "CITY", type = "string" },
  { name = "EMAIL", type = "varchar(200)", scd = 1, pii = true },
  { name = "FIRST_ORDER_DATE", references = "DIM_DATE", nullable = true },
]

[[dimension]]
name = "DIM_INTEREST"
natural_key = "INTEREST_ID"
renamed_from = "DIM_HOBBY"
columns = [
  { name = "INTEREST_ID", type = "int", nullable = false },
  { name = "LABEL", type = "string", renamed_from = "TITLE", default = "other" },
  { name = "RANK", type = "int", nullable = false, default = -1 },
  { name = "SCORE", type = "float", default = 0.5 },
]

[[fact]]
name = "FACT_ORDER_LINE"
grain = "one row per order line"
grain_columns = ["ORDER_NUMBER", "LINE_NUMBER"]
cluster_by = ["ORDER_DATE"]
columns = [
  { name = "ORDER_NUMBER", type = "string", degenerate = true, nullable = false },
  { name = "LINE_NUMBER", type = "int", nullable = false },
  { name = "ORDER_DATE", references = "DIM_DATE", role = "ORDER_DATE" },
  { name = "SHIP_DATE", references = "DIM_DATE", role = "SHIP_DATE" },
  { name = "CUSTOMER_KEY", references = "DIM_CUSTOMER" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
  { name = "UNIT_PRICE", type = "double", measure = "non_additive" },
]

[[bridge]]
name = "BRIDGE_CUSTOMER_INTEREST"
comment = "Interests per customer; weights sum to 1."
between = ["DIM_CUSTOMER", "DIM_INTEREST"]
cluster_by = ["CUSTOMER_KEY", "INTEREST_KEY", "EFFECTIVE_DATE"]
weight = "WEIGHTING_FACTOR"
effective = { from = "EFFECTIVE_DATE", to = "EXPIRATION_DATE", current = "IS_CURRENT" }
columns = [
  { name = "WEIGHTING_FACTOR", type = "number(9,8)", nullable = false },
  { name = "EFFECTIVE_DATE", references = "DIM_DATE" },
  { name = "EXPIRATION_DATE", references = "DIM_DATE" },
  { name = "IS_CURRENT", type = "boolean", nullable = false },
]
"#;

fn rust_model() -> Result<model_core::Validated, model_core::Diagnostics> {
    ModelBuilder::new("shop", "SHOP")
        .environment("PROD", "PROD")
        .environment("DEV", "DEV")
        .dimension::<DimDate>()
        .dimension::<Customer>()
        .dimension::<Interest>()
        .fact::<OrderLine>()
        .bridge::<CustomerInterest>()
        .build()
}

#[test]
fn a_derived_model_equals_the_same_model_in_toml() {
    let from_rust = rust_model().unwrap_or_else(|e| panic!("{}", e.render(100)));
    let from_toml = model_core::load_str("shop.toml", SAME_MODEL_IN_TOML)
        .unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)))
        .model;
    assert_eq!(from_rust, from_toml);
    for env in ["DEV", "PROD"] {
        assert_eq!(
            dimgen::generate(&from_rust, env).unwrap().rendered(),
            dimgen::generate(&from_toml, env).unwrap().rendered()
        );
    }
}

#[test]
fn table_names_and_fields_come_from_the_types() {
    assert_eq!(<OrderLine as Table>::NAME, "FACT_ORDER_LINE");
    assert_eq!(<OrderLine as Table>::RUST_NAME, "OrderLine");
    assert_eq!(
        <OrderLine as Table>::fields(),
        [
            "order_number",
            "line_number",
            "order_date",
            "ship_date",
            "customer_key",
            "amount",
            "unit_price"
        ]
    );
    // Bridge ends are not declared columns: they become `dimensions`.
    assert_eq!(
        <CustomerInterest as Table>::fields(),
        ["weighting_factor", "effective_date", "expiration_date", "is_current"]
    );
}

/// A fact whose dimension was never added to the model, and whose column
/// collides with the key dimgen adds.
#[derive(Fact)]
#[model(name = "FACT_RETURNS")]
struct Returns {
    customer_key: Key<Customer>,
    #[model(name = "RETURNS_KEY")]
    returns_key: i64,
}

#[test]
fn rust_models_get_the_same_validation_with_rust_names() {
    let err = ModelBuilder::new("shop", "SHOP")
        .environment("DEV", "DEV")
        .dimension::<DimDate>()
        .fact::<Returns>()
        .build()
        .expect_err("the model is invalid");
    let codes: Vec<&str> = err.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["dimgen::duplicate_column", "dimgen::unknown_reference"]);
    let rendered = err.render(80);
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("derive__rust_diagnostics", rendered);
    });
    assert!(rendered.contains("at `Returns::customer_key`"), "{rendered}");
}

#[test]
fn a_rust_model_exports_to_toml_and_loads_back_equal() {
    let from_rust = rust_model().unwrap_or_else(|e| panic!("{}", e.render(100)));
    let text = model_core::to_toml(&from_rust);
    let reloaded = model_core::load_str("exported.toml", &text)
        .unwrap_or_else(|e| panic!("{}\n{text}", e.diagnostics.render(100)))
        .model;
    assert_eq!(reloaded, from_rust, "{text}");
}
