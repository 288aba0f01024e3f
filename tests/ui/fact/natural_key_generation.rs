use model_core::Fact;

#[derive(Fact)]
#[model(key_generation = "natural")]
struct Sale {
    #[model(measure = "additive")]
    amount: f64,
}

fn main() {}
