use model_core::{Dimension, Fact, Key};

#[derive(Dimension)]
struct Day {
    #[model(natural_key)]
    date_id: i32,
}

// Every `over` mistake, each reported at its own tokens in one compile.
#[derive(Fact)]
struct Stock {
    snapshot_date: Key<Day>,
    store_code: String,
    // `over` must name a `Key<...>` field.
    #[model(measure = "semi_additive", over(store_code))]
    on_hand: i64,
    // One field only.
    #[model(measure = "semi_additive", over(snapshot_date, store_code))]
    on_order: i64,
    // Only measures have an `over`.
    #[model(over(snapshot_date))]
    shelf: String,
}

fn main() {}
