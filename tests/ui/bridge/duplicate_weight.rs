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
    customer: Key<Customer>,
    #[model(between)]
    interest: Key<Interest>,
    #[model(weight)]
    share: f64,
    #[model(weight)]
    other_share: f64,
}

fn main() {}
