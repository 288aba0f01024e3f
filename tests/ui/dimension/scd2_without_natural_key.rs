use model_core::Dimension;

#[derive(Dimension)]
#[model(scd = 2)]
struct Customer {
    id: i64,
    city: Option<String>,
}

fn main() {}
