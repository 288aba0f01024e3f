use model_core::Dimension;

#[derive(Dimension)]
struct Customer<T> {
    #[model(natural_key)]
    id: T,
}

fn main() {}
