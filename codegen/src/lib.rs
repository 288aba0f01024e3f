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
pub mod docs;
pub mod governance;
pub mod grants;
pub mod loading;
pub mod marts;
pub mod migrate;
mod output;
pub mod platform;
pub mod writer;

use std::path::{Path, PathBuf};

use model_core::{Validated, interpolate};

pub use output::{Deployment, OutputFile, TextFile, WriteError, write_text_files};

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
    let files = steps(&target)
        .into_iter()
        .map(|step| {
            let mut statements = Vec::new();
            (step.build)(&target, &mut |statement| statements.push(statement));
            OutputFile {
                name: step.name.to_owned(),
                header: step.header,
                statements,
                in_deploy: step.in_deploy,
            }
        })
        .collect();
    Ok(Deployment { files })
}

/// Generate the deployment and write it into `dir` in one pass: the same
/// files as `generate(model, env)?.write_to(dir)`, all or nothing alike,
/// but each statement is printed as soon as it is built and then dropped,
/// so a large model's statements are never all in memory (what `dimgen
/// generate` does). Returns the paths written, `deploy.sql` last.
pub fn generate_into(model: &Validated, env: &str, dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let target = target(model, env)?;
    let mut staging = output::Staging::new(dir)?;
    for step in steps(&target) {
        let mut file = staging.file(step.name, &step.header, step.in_deploy)?;
        (step.build)(&target, &mut |statement| file.statement(&statement));
        file.finish()?;
    }
    Ok(staging.commit(dir)?)
}

/// Why [`generate_into`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The deployment could not be generated.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// A file could not be written (nothing was left behind).
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One step file, its statements not yet built.
struct Step {
    name: &'static str,
    header: String,
    in_deploy: bool,
    build: fn(&ddl::Target<'_>, &mut dyn FnMut(writer::Statement)),
}

/// Hand every statement of a step to `emit`.
fn each(statements: Vec<writer::Statement>, emit: &mut dyn FnMut(writer::Statement)) {
    statements.into_iter().for_each(emit);
}

/// The step files of a deployment, in execution order.
fn steps(target: &ddl::Target<'_>) -> Vec<Step> {
    let (model, environment) = (target.model, target.env);
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
    vec![
        Step {
            name: "00_storage_integrations.sql",
            header: writer::comment_lines(&[
                title("storage integrations, for the account administrator").as_str(),
                "Run as ACCOUNTADMIN (or a role with CREATE INTEGRATION) before the other files; not part of deploy.sql.",
                "Then `DESC INTEGRATION <name>`: S3, add its STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID",
                "to the trust policy of the IAM role; GCS, give STORAGE_GCP_SERVICE_ACCOUNT read access to the buckets;",
                "Azure, open AZURE_CONSENT_URL and give the app read access to the containers (docs/ingestion.md).",
            ]),
            in_deploy: false,
            build: |t, emit| each(loading::integrations(t), emit),
        },
        Step {
            name: "01_database.sql",
            header: header("database, schema, sequences and file formats"),
            in_deploy: true,
            build: |t, emit| {
                each(ddl::database(t), emit);
                each(loading::file_formats(t), emit);
            },
        },
        Step {
            name: "02_tables.sql",
            header: header("dimensions, facts and bridges, with keys, constraints and unknown members"),
            in_deploy: true,
            build: ddl::tables_each,
        },
        Step {
            name: "03_marts.sql",
            header: header("data marts (views, secure views, dynamic tables) and current views of SCD2 dimensions"),
            in_deploy: true,
            build: |t, emit| each(marts::marts(t), emit),
        },
        Step {
            name: "04_roles.sql",
            header: header("roles, role hierarchy and least-privilege grants"),
            in_deploy: true,
            build: |t, emit| each(grants::roles(t), emit),
        },
        Step {
            name: "05_stages.sql",
            header: header(if model.stages.iter().any(|s| s.url.is_none()) {
                "stages (external, and internal for files PUT on them) and landing tables"
            } else {
                "external stages and landing tables"
            }),
            in_deploy: true,
            build: |t, emit| each(loading::stages(t), emit),
        },
        Step {
            name: "06_pipes.sql",
            header: header("Snowpipes from the stages into the landing tables")
                + &writer::comment_lines(&[
                    "AUTO_INGEST = TRUE pipes: `SHOW PIPES` gives each pipe's notification_channel (an SQS ARN);",
                    "point the bucket's S3 event notifications at it. AUTO_INGEST = FALSE pipes load the files",
                    "named to the Snowpipe REST API (insertFiles). See docs/ingestion.md.",
                ]),
            in_deploy: true,
            build: |t, emit| each(loading::pipes(t), emit),
        },
        Step {
            name: "07_loading.sql",
            header: header("streams on the landing tables and the tasks whose MERGE maintains each dimension and fact"),
            in_deploy: true,
            build: |t, emit| each(loading::loading(t), emit),
        },
        Step {
            name: "08_governance.sql",
            header: header(
                "the masking of personal data: the PII_CLASS tag, masking policies, and both set on every PII column",
            ) + &writer::comment_lines(&[
                "Needs the objects of steps 2, 3 and 5. The deploying role needs APPLY MASKING POLICY and APPLY TAG",
                "on the account (or ownership of the policies and tables); see docs/governance.md.",
            ]),
            in_deploy: true,
            build: |t, emit| each(governance::governance(t), emit),
        },
    ]
}
