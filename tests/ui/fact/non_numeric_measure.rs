use model_core::Fact;

#[derive(Fact)]
struct Sale {
    #[model(measure = "additive")]
    amount: String,
}

fn main() {}
