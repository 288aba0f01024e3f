use model_core::Dimension;

#[derive(Dimension)]
struct Customer(i64);

fn main() {}
