use model_core::Dimension;

#[derive(Dimension)]
#[model(comment = "One row per customer.")]
#[model(comment = "One row per client.")]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
