use model_core::Fact;

#[derive(Fact)]
struct Sale {
    #[model(role = "ORDER_DATE")]
    order_date: String,
}

fn main() {}
