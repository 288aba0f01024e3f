//! The healthcare galaxy model, declared as Rust structs with dimgen's
//! derives: the same model as `schemas/healthcare.toml`, producing the same
//! SQL byte for byte (a test in `tests/tests/derive_healthcare.rs` checks it
//! for every environment).
//!
//! 13 conformed dimensions, 8 facts and 8 bridges in database `HEALTH_TECH`,
//! one schema per environment (`DEV`, `STAGE`, `PROD`), with 9 department
//! data marts and 4 access roles (see [`marts`]), loaded from Parquet files
//! on S3 through 9 stages and 21 pipes (see [`ingestion`]).
//!
//! ```
//! let model = healthcare_model::model().unwrap_or_else(|e| panic!("{}", e.render(100)));
//! assert_eq!((model.dimensions.len(), model.facts.len(), model.bridges.len()), (13, 8, 8));
//! assert_eq!(model.facts[0].name, "FACT_CLAIMS");
//! assert_eq!((model.marts.len(), model.roles.len()), (9, 4));
//! assert_eq!((model.stages.len(), model.loads.len()), (9, 21));
//! ```

mod bridges;
mod dimensions;
mod facts;
pub mod ingestion;
pub mod marts;

pub use bridges::{
    BridgeCareTeam, BridgePatientContact, BridgePatientLanguage, BridgePatientLocation, BridgeProviderContact,
    BridgeProviderLanguage, BridgeProviderLocation, BridgeProviderSpecialty,
};
pub use dimensions::{
    DimContact, DimDate, DimEncounterType, DimEnrollments, DimLanguage, DimLocation, DimOutcome, DimPatient,
    DimPaymentType, DimProcedureType, DimProvider, DimProviderSpecialty, DimSurveys,
};
pub use facts::{
    FactAppointments, FactClaims, FactEmployeeSatisfactionResults, FactEncounters, FactEnrollments, FactLabResults,
    FactPayments, FactProcedures,
};

use model_core::{Diagnostics, ModelBuilder, Validated};

/// The model's name (used in generated file headers).
pub const NAME: &str = "healthcare";
/// The Snowflake database it deploys into.
pub const DATABASE: &str = "HEALTH_TECH";

/// The IAM role the storage integration assumes (the same in every environment).
const AWS_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/health-tech-snowflake";

/// Build and validate the healthcare model: deployment settings, then the
/// tables in the order of `schemas/healthcare.toml` (dimensions, facts,
/// bridges), then the data marts and the roles, then the ingestion (file
/// format, storage integration, stages, loads).
///
/// Returns every validation problem, naming the Rust type and field, if the
/// declarations do not form a valid model.
pub fn model() -> Result<Validated, Diagnostics> {
    let builder = ModelBuilder::new(NAME, DATABASE)
        .comment("Healthcare claims, encounters and care quality: a Kimball galaxy of conformed dimensions.")
        .environment_with_vars(
            "DEV",
            "DEV",
            &[("bucket", "health-tech-dev"), ("aws_role_arn", AWS_ROLE_ARN)],
        )
        .environment_with_vars(
            "STAGE",
            "STAGE",
            &[("bucket", "health-tech-stage"), ("aws_role_arn", AWS_ROLE_ARN)],
        )
        .environment_with_vars(
            "PROD",
            "PROD",
            &[("bucket", "health-tech-prod"), ("aws_role_arn", AWS_ROLE_ARN)],
        )
        // Dimensions
        .dimension::<DimDate>()
        .dimension::<DimPatient>()
        .dimension::<DimProvider>()
        .dimension::<DimContact>()
        .dimension::<DimProviderSpecialty>()
        .dimension::<DimLanguage>()
        .dimension::<DimLocation>()
        .dimension::<DimProcedureType>()
        .dimension::<DimEnrollments>()
        .dimension::<DimPaymentType>()
        .dimension::<DimSurveys>()
        .dimension::<DimOutcome>()
        .dimension::<DimEncounterType>()
        // Facts
        .fact::<FactClaims>()
        .fact::<FactEncounters>()
        .fact::<FactAppointments>()
        .fact::<FactLabResults>()
        .fact::<FactProcedures>()
        .fact::<FactEnrollments>()
        .fact::<FactPayments>()
        .fact::<FactEmployeeSatisfactionResults>()
        // Bridges
        .bridge::<BridgePatientContact>()
        .bridge::<BridgeProviderContact>()
        .bridge::<BridgeProviderSpecialty>()
        .bridge::<BridgeProviderLanguage>()
        .bridge::<BridgePatientLanguage>()
        .bridge::<BridgePatientLocation>()
        .bridge::<BridgeProviderLocation>()
        .bridge::<BridgeCareTeam>()
        // Data marts, one or more per department
        .mart(marts::analytics_claims())
        .mart(marts::analytics_lab_summary())
        .mart(marts::finance_claims())
        .mart(marts::finance_payments())
        .mart(marts::hr_satisfaction())
        .mart(marts::marketing_encounter_reach())
        .mart(marts::operations_care_team())
        .mart(marts::operations_specialty_claims())
        .mart(marts::ml_appointment_labs())
        // Roles, per environment (`${env}` in their names)
        .role(marts::data_engineer())
        .role(marts::data_analyst())
        .role(marts::data_scientist())
        .role(marts::ml_engineer())
        // Ingestion: files on S3, through stages and pipes into landing tables
        .file_format(ingestion::parquet_format())
        .storage_integration(ingestion::s3_integration());
    let builder = ingestion::stages().into_iter().fold(builder, ModelBuilder::stage);
    ingestion::loads().into_iter().fold(builder, ModelBuilder::load).build()
}
