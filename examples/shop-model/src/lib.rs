//! A small online-shop star declared with dimgen's derives: a date dimension
//! with a smart key, an SCD2 customer, a product, order lines at the grain
//! of one row per order line, and a weighted customer–interest bridge.
//!
//! `shop-warehouse` generates its SQL from this crate in a build script and
//! guards it with snapshot tests.
//!
//! ```
//! let model = shop_model::model().unwrap_or_else(|e| panic!("{}", e.render(100)));
//! assert_eq!(model.environments.len(), 2);
//! assert_eq!(model.facts[0].name, "FACT_ORDER_LINE");
//! ```

use model_core::{Bridge, Diagnostics, Dimension, Fact, Key, ModelBuilder, Validated};

/// The model's name (used in generated file headers).
pub const NAME: &str = "shop";
/// The Snowflake database it deploys into.
pub const DATABASE: &str = "SHOP";

/// One row per calendar day; the key is the smart key yyyymmdd.
#[derive(Dimension)]
#[model(
    name = "DIM_DATE",
    comment = "One row per calendar day.",
    key_generation = "natural",
    scd = 0
)]
pub struct DimDate {
    /// The smart key, e.g. 20240131.
    #[model(natural_key, comment = "Smart key yyyymmdd.")]
    pub date_id: i64,
    /// The calendar date.
    #[model(sql_type = "date")]
    pub full_date: String,
    /// Monday, Tuesday, ...
    pub day_of_week: String,
    /// Whether the day is a Saturday or Sunday.
    pub is_weekend: bool,
}

/// One row per version of a customer: a changed city starts a new version
/// (SCD2); a corrected e-mail address overwrites every version (SCD1).
#[derive(Dimension)]
#[model(
    name = "DIM_CUSTOMER",
    comment = "One row per customer version.",
    scd = 2,
    cluster_by(city)
)]
pub struct Customer {
    /// The customer number in the shop system.
    #[model(natural_key, comment = "Source customer number.")]
    pub customer_id: i64,
    /// Where the customer lives; history is kept.
    pub city: Option<String>,
    /// Contact address, corrected in place.
    #[model(scd = 1, pii, sql_type = "varchar(200)")]
    pub email: Option<String>,
    /// The day of the first order (an outrigger to the date dimension).
    pub first_order_date: Option<Key<DimDate>>,
}

/// One row per product, corrected in place (SCD1).
#[derive(Dimension)]
#[model(name = "DIM_PRODUCT", comment = "One row per product.", scd = 1)]
pub struct Product {
    /// The stock-keeping unit.
    #[model(natural_key)]
    pub sku: String,
    /// What the shop calls it.
    pub product_name: String,
    /// The shelf it sits on.
    pub category: Option<String>,
    /// The current list price.
    #[model(sql_type = "number(12,2)")]
    pub list_price: Option<f64>,
}

/// One row per interest a customer may have (gardening, cycling, ...).
#[derive(Dimension)]
#[model(name = "DIM_INTEREST", comment = "One row per interest.")]
pub struct Interest {
    /// The interest's code in the marketing system.
    #[model(natural_key)]
    pub interest_id: i64,
    /// Its label.
    pub label: Option<String>,
}

/// One row per order line: what was bought, by whom, when it was ordered
/// and when it shipped.
#[derive(Fact)]
#[model(
    name = "FACT_ORDER_LINE",
    comment = "Order lines.",
    grain = "one row per order line",
    cluster_by(order_date)
)]
pub struct OrderLine {
    /// The order number, kept on the fact (degenerate dimension).
    #[model(degenerate, grain)]
    pub order_number: String,
    /// The line within the order.
    #[model(grain)]
    pub line_number: i64,
    /// The day the order was placed (`DIM_DATE` playing `ORDER_DATE`).
    #[model(role = "ORDER_DATE")]
    pub order_date: Key<DimDate>,
    /// The day the line shipped (`DIM_DATE` playing `SHIP_DATE`).
    #[model(role = "SHIP_DATE")]
    pub ship_date: Key<DimDate>,
    /// Who ordered.
    pub customer_key: Key<Customer>,
    /// What was ordered.
    pub product_key: Key<Product>,
    /// Units ordered.
    #[model(measure = "additive")]
    pub quantity: i64,
    /// Line total after discount.
    #[model(measure = "additive", sql_type = "number(12,2)")]
    pub amount: Option<f64>,
    /// Price of one unit; averaging it makes sense, summing it does not.
    #[model(measure = "non_additive", sql_type = "number(12,2)")]
    pub unit_price: Option<f64>,
}

/// Which interests a customer has, weighted so that each customer's weights
/// sum to 1, and when each held.
#[derive(Bridge)]
#[model(
    name = "BRIDGE_CUSTOMER_INTEREST",
    comment = "Interests per customer; weights sum to 1."
)]
pub struct CustomerInterest {
    /// The customer.
    #[model(between)]
    pub customer: Key<Customer>,
    /// The interest.
    #[model(between)]
    pub interest: Key<Interest>,
    /// The share of the customer's attention.
    #[model(weight, sql_type = "number(9,8)")]
    pub weighting_factor: f64,
    /// First day the row holds.
    #[model(effective_from)]
    pub effective_date: Key<DimDate>,
    /// Last day the row holds.
    #[model(effective_to)]
    pub expiration_date: Key<DimDate>,
    /// Whether the row holds today.
    #[model(current)]
    pub is_current: bool,
}

/// Build and validate the shop model with environments `DEV` and `PROD`
/// (one schema each in database `SHOP`).
///
/// Returns every validation problem, naming the Rust type and field, if the
/// declarations do not form a valid model.
pub fn model() -> Result<Validated, Diagnostics> {
    ModelBuilder::new(NAME, DATABASE)
        .comment("The online shop: order lines and who bought what.")
        .environment("DEV", "DEV")
        .environment("PROD", "PROD")
        .dimension::<DimDate>()
        .dimension::<Customer>()
        .dimension::<Product>()
        .dimension::<Interest>()
        .fact::<OrderLine>()
        .bridge::<CustomerInterest>()
        .build()
}
