use model_core::Dimension;

#[derive(Dimension)]
#[model(cluster_by = "id")]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
