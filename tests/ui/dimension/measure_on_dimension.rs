use model_core::Dimension;

#[derive(Dimension)]
struct Customer {
    #[model(natural_key)]
    id: i64,
    #[model(measure = "additive")]
    credit_limit: f64,
}

fn main() {}
