use model_core::{Fact, Key};

#[derive(Fact)]
struct Claim {
    #[model(measure = "additive")]
    amount: f64,
}

#[derive(Fact)]
struct Payment {
    claim_key: Key<Claim>,
}

fn main() {}
