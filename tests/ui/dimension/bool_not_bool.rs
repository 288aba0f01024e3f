use model_core::Dimension;

#[derive(Dimension)]
#[model(unknown_member = 1)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
