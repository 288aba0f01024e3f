use model_core::Dimension;

#[derive(Dimension)]
struct Customer {
    #[model(natural_key, serde::rename = "x")]
    id: i64,
}

fn main() {}
