use model_core::{Bridge, Dimension, Key};

#[derive(Dimension)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

#[derive(Dimension)]
struct Interest {
    #[model(natural_key)]
    id: i64,
}

#[derive(Bridge)]
struct CustomerInterest {
    #[model(between)]
    customer: Option<Key<Customer>>,
    #[model(between)]
    interest: Key<Interest>,
}

fn main() {}
