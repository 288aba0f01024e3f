use model_core::Dimension;

#[derive(Dimension)]
#[model(scd = "two")]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
