use model_core::Dimension;

#[derive(Dimension)]
struct Customer {
    #[model(natural_key)]
    id: i64,
    #[model(colour = "red")]
    city: Option<String>,
}

fn main() {}
