use model_core::Dimension;

#[derive(Dimension)]
struct Customer {
    #[model(natural_key, nullable = true)]
    id: i64,
}

fn main() {}
