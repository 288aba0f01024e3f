use model_core::Fact;

#[derive(Fact)]
struct Sale {
    #[model(measure = "additive", sql_type = "nmber(12,2)")]
    amount: f64,
}

fn main() {}
