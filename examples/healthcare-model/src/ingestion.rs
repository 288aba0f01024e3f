//! How files reach the model, in the order of `schemas/healthcare.toml`: one
//! Parquet file format, the S3 storage integration, a stage per fact and one
//! for the dimensions, and a load (pipe, landing table, stream, task) per
//! dimension and fact. Ingestion has no derive: these struct literals are its
//! Rust declaration, field for field the TOML sections.

use model_core::model::{FileFormat, FileMetadata, FileType, Load, Stage, StorageIntegration, StorageProvider};

/// The file format of every stage.
const FORMAT: &str = "PARQUET_FORMAT";
/// The storage integration every stage reads through.
const INTEGRATION: &str = "S3_INTEGRATION";
/// The stage of the dimensions' files, one folder per dimension.
const DIMENSIONS_STAGE: &str = "${env}_DIMENSIONS_STAGE";
/// The warehouse that runs the MERGE tasks.
const LOAD_WAREHOUSE: &str = "${env}_LOAD_WH";

/// Each fact, the subject of its stage (`${env}_<SUBJECT>_STAGE`, folder
/// `<subject>/model/fact/`), and the column whose date picks the SCD2
/// version of each dimension.
const FACTS: [(&str, &str, &str); 8] = [
    ("FACT_CLAIMS", "CLAIMS", "DATE_OF_SERVICE"),
    ("FACT_ENCOUNTERS", "ENCOUNTERS", "EVENT_DATE"),
    ("FACT_APPOINTMENTS", "APPOINTMENTS", "APPOINTMENT_DATE"),
    ("FACT_LAB_RESULTS", "LAB_RESULTS", "LAB_RESULT_DATE"),
    ("FACT_PROCEDURES", "PROCEDURES", "PROCEDURE_DATE"),
    ("FACT_ENROLLMENTS", "ENROLLMENTS", "ENROLLMENTS_DATE"),
    ("FACT_PAYMENTS", "PAYMENTS", "PAYMENT_DATE"),
    (
        "FACT_EMPLOYEE_SATISFACTION_RESULTS",
        "EMPLOYEE_SATISFACTION",
        "SURVEY_DATE",
    ),
];

/// The dimensions, loaded from the folder named after them (`DIM_DATE` from
/// `date/`), in declaration order.
const DIMENSIONS: [&str; 13] = [
    "DIM_DATE",
    "DIM_PATIENT",
    "DIM_PROVIDER",
    "DIM_CONTACT",
    "DIM_PROVIDER_SPECIALTY",
    "DIM_LANGUAGE",
    "DIM_LOCATION",
    "DIM_PROCEDURE_TYPE",
    "DIM_ENROLLMENTS",
    "DIM_PAYMENT_TYPE",
    "DIM_SURVEYS",
    "DIM_OUTCOME",
    "DIM_ENCOUNTER_TYPE",
];

/// `[[file_format]]`: Parquet, compression detected.
pub fn parquet_format() -> FileFormat {
    FileFormat {
        comment: Some("Parquet files as the source systems export them.".to_owned()),
        compression: Some("auto".to_owned()),
        ..FileFormat::new(FORMAT, FileType::Parquet)
    }
}

/// `[[storage_integration]]`: the IAM role is the environment's
/// `aws_role_arn` variable; USAGE goes to SYSADMIN (the default).
pub fn s3_integration() -> StorageIntegration {
    StorageIntegration {
        name: INTEGRATION.to_owned(),
        comment: Some("Reads the health-tech buckets; created by the account administrator.".to_owned()),
        provider: StorageProvider::S3,
        aws_role_arn: "${aws_role_arn}".to_owned(),
        azure_tenant_id: None,
        usage: vec!["SYSADMIN".to_owned()],
    }
}

/// A stage on the environment's bucket.
fn stage(name: String, comment: String, folder: &str) -> Stage {
    Stage {
        name,
        comment: Some(comment),
        url: Some(format!("s3://${{bucket}}/{folder}")),
        storage_integration: INTEGRATION.to_owned(),
        file_format: FORMAT.to_owned(),
    }
}

/// `[[stage]]`: one per fact, then the dimensions' stage.
pub fn stages() -> Vec<Stage> {
    let facts = FACTS.iter().map(|(fact, subject, _)| {
        stage(
            format!("${{env}}_{subject}_STAGE"),
            format!("Files for {fact}."),
            &format!("{}/model/fact/", subject.to_lowercase()),
        )
    });
    facts
        .chain([stage(
            DIMENSIONS_STAGE.to_owned(),
            "Files for the dimensions, one folder each.".to_owned(),
            "dimensions/model/dimension/",
        )])
        .collect()
}

/// A load with the model's settings: pipe `${env}_<TABLE>_PIPE`,
/// auto-ingest, the file name and load time recorded, the load warehouse.
fn load(table: &str, stage: &str) -> Load {
    Load {
        pipe: format!("${{env}}_{table}_PIPE"),
        auto_ingest: true,
        metadata: vec![FileMetadata::FileName, FileMetadata::LoadTime],
        ..Load::new(table, stage, LOAD_WAREHOUSE)
    }
}

/// `[[load]]`: the dimensions, then the facts. `FACT_CLAIMS` is triggered
/// through the Snowpipe REST API (`insertFiles`), as before; the others
/// auto-ingest.
pub fn loads() -> Vec<Load> {
    let dimensions = DIMENSIONS.iter().map(|table| Load {
        path: format!("{}/", table.trim_start_matches("DIM_").to_lowercase()),
        ..load(table, DIMENSIONS_STAGE)
    });
    let facts = FACTS.iter().map(|(fact, subject, event_time)| Load {
        auto_ingest: *fact != "FACT_CLAIMS",
        event_time: Some((*event_time).to_owned()),
        ..load(fact, &format!("${{env}}_{subject}_STAGE"))
    });
    dimensions.chain(facts).collect()
}
