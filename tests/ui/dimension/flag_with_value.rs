use model_core::Dimension;

#[derive(Dimension)]
struct Customer {
    #[model(natural_key = true)]
    id: i64,
}

fn main() {}
