use model_core::Dimension;

#[derive(Dimension)]
#[model(nmae = "DIM_CUSTOMER")]
struct Customer {
    #[model(natural_key, scd = 7)]
    id: i64,
    #[model(degenerate)]
    city: Option<String>,
}

fn main() {}
