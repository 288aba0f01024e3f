use model_core::Dimension;

#[derive(Dimension)]
#[model(comment = 42)]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
