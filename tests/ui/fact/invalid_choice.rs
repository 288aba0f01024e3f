use model_core::Fact;

#[derive(Fact)]
struct Sale {
    #[model(measure = "summable")]
    amount: f64,
}

fn main() {}
