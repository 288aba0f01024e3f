use model_core::Fact;

struct Money(i64);

#[derive(Fact)]
struct Sale {
    price: Money,
}

fn main() {}
