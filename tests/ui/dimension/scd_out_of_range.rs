use model_core::Dimension;

#[derive(Dimension)]
#[model(scd = 3)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
