use model_core::Dimension;

#[derive(Dimension)]
#[model(cluster_by(id = 1))]
struct Customer {
    #[model(natural_key)]
    id: i64,
}

fn main() {}
