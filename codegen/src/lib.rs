//! dimgen: generate a complete, ordered Snowflake deployment from a
//! dimensional model.
//!
//! ```
//! let text = r#"
//! name = "shop"
//! database = "SHOP"
//! [environments.PROD]
//! schema = "PROD"
//! [[dimension]]
//! name = "DIM_PRODUCT"
//! natural_key = "SKU"
//! columns = [{ name = "SKU", type = "string" }]
//! "#;
//! let loaded = model_core::load_str("shop.toml", text).unwrap();
//! let deployment = dimgen::generate(&loaded.model, "PROD").unwrap();
//! let names: Vec<&str> = deployment.files.iter().map(|f| f.name.as_str()).collect();
//! assert_eq!(
//!     names,
//!     [
//!         "00_storage_integrations.sql",
//!         "01_database.sql",
//!         "02_tables.sql",
//!         "03_marts.sql",
//!         "04_roles.sql",
//!         "05_stages.sql",
//!         "06_pipes.sql",
//!         "07_loading.sql",
//!         "08_governance.sql",
//!     ]
//! );
//! assert!(deployment.deploy_sql().contains("CREATE TABLE IF NOT EXISTS SHOP.PROD.DIM_PRODUCT ("));
//! ```

pub mod ddl;
pub mod governance;
pub mod grants;
pub mod loading;
pub mod marts;
pub mod migrate;
mod output;
pub mod writer;

use model_core::{Validated, interpolate};

pub use output::{Deployment, OutputFile, WriteError};

/// Why a deployment could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// `--env` names no environment of the model.
    #[error("environment `{env}` is not declared in the model (declared: {})", available.join(", "))]
    UnknownEnvironment {
        /// What was asked for.
        env: String,
        /// What the model declares.
        available: Vec<String>,
    },
    /// A `${var}` could not be resolved (validation reports these first).
    #[error("{0}")]
    Placeholder(String),
}

/// The model's names resolved for one environment.
fn target<'m>(model: &'m Validated, env: &str) -> Result<ddl::Target<'m>, GenerateError> {
    let environment = model
        .environment(env)
        .ok_or_else(|| GenerateError::UnknownEnvironment {
            env: env.to_owned(),
            available: model.environments.iter().map(|e| e.name.clone()).collect(),
        })?;
    let resolve = |text: &str| {
        interpolate::resolve(text, &environment.name, &environment.vars).map_err(|errors| {
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            GenerateError::Placeholder(format!("in `{text}`: {}", messages.join("; ")))
        })
    };
    // Every other text is checked by validation; these two name the deployment.
    Ok(ddl::Target {
        model,
        database: resolve(&model.database)?,
        schema: resolve(&environment.schema)?,
        env: environment,
    })
}

/// Generate the deployment of a validated model for one environment. The
/// model's layouts and plans were worked out by validation; generation
/// prints them.
pub fn generate(model: &Validated, env: &str) -> Result<Deployment, GenerateError> {
    let target = target(model, env)?;
    let environment = target.env;
    // The model's and the environment's names are user text: every header
    // line goes through `LineComment`, which keeps it on its line.
    let title = |step: &str| {
        format!(
            "dimgen: model `{}`, environment `{}`: {step}.",
            model.name, environment.name
        )
    };
    let header = |step: &str| {
        writer::comment_lines(&[
            title(step).as_str(),
            "Generated; do not edit. Every statement is idempotent: re-running changes nothing.",
        ])
    };
    let mut database = ddl::database(&target);
    database.extend(loading::file_formats(&target));
    Ok(Deployment {
        files: vec![
            OutputFile {
                name: "00_storage_integrations.sql".into(),
                header: writer::comment_lines(&[
                    title("storage integrations, for the account administrator").as_str(),
                    "Run as ACCOUNTADMIN (or a role with CREATE INTEGRATION) before the other files; not part of deploy.sql.",
                    "Then `DESC INTEGRATION <name>` and add its STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID",
                    "to the trust policy of the IAM role (docs/ingestion.md).",
                ]),
                statements: loading::integrations(&target),
                in_deploy: false,
            },
            OutputFile {
                name: "01_database.sql".into(),
                header: header("database, schema, sequences and file formats"),
                statements: database,
                in_deploy: true,
            },
            OutputFile {
                name: "02_tables.sql".into(),
                header: header("dimensions, facts and bridges, with keys, constraints and unknown members"),
                statements: ddl::tables(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "03_marts.sql".into(),
                header: header("data marts (views, secure views, dynamic tables) and current views of SCD2 dimensions"),
                statements: marts::marts(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "04_roles.sql".into(),
                header: header("roles, role hierarchy and least-privilege grants"),
                statements: grants::roles(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "05_stages.sql".into(),
                header: header("external stages and landing tables"),
                statements: loading::stages(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "06_pipes.sql".into(),
                header: header("Snowpipes from the stages into the landing tables")
                    + &writer::comment_lines(&[
                        "AUTO_INGEST = TRUE pipes: `SHOW PIPES` gives each pipe's notification_channel (an SQS ARN);",
                        "point the bucket's S3 event notifications at it. AUTO_INGEST = FALSE pipes load the files",
                        "named to the Snowpipe REST API (insertFiles). See docs/ingestion.md.",
                    ]),
                statements: loading::pipes(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "07_loading.sql".into(),
                header: header(
                    "streams on the landing tables and the tasks whose MERGE maintains each dimension and fact",
                ),
                statements: loading::loading(&target),
                in_deploy: true,
            },
            OutputFile {
                name: "08_governance.sql".into(),
                header: header(
                    "the masking of personal data: the PII_CLASS tag, masking policies, and both set on every PII column",
                ) + &writer::comment_lines(&[
                    "Needs the objects of steps 2, 3 and 5. The deploying role needs APPLY MASKING POLICY and APPLY TAG",
                    "on the account (or ownership of the policies and tables); see docs/governance.md.",
                ]),
                statements: governance::governance(&target),
                in_deploy: true,
            },
        ],
    })
}
