//! What surrounds the warehouse, from the same model: the AWS side of
//! ingestion ([`aws`]) and the CI/CD workflow that checks, plans and deploys
//! ([`github`]).

pub mod aws;
pub mod github;
