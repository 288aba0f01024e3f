use model_core::Fact;

#[derive(Fact)]
#[model(cluster_by(sale_date))]
struct Sale {
    #[model(measure = "additive")]
    amount: f64,
}

fn main() {}
