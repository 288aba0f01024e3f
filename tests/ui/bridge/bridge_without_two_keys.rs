use model_core::{Bridge, Dimension, Key};

#[derive(Dimension)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

#[derive(Bridge)]
struct CustomerInterest {
    #[model(between)]
    customer: Key<Customer>,
    share: f64,
}

fn main() {}
