use model_core::Fact;

#[derive(Fact)]
#[model(scd = 2)]
struct Sale {
    #[model(measure = "additive")]
    amount: f64,
}

fn main() {}
