use model_core::Dimension;

const COMMENT: &str = "One row per customer.";

#[derive(Dimension)]
#[model(comment = COMMENT)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
