use model_core::{Dimension, Fact, Key};

#[derive(Dimension)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

#[derive(Fact)]
struct Sale {
    #[model(sql_type = "int")]
    customer_key: Key<Customer>,
}

fn main() {}
