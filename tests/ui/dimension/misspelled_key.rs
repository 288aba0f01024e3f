use model_core::Dimension;

#[derive(Dimension)]
#[model(comennt = "One row per customer.")]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
