//! The 8 facts, in the order of `schemas/healthcare.toml`. Each gets a
//! surrogate key (`CLAIMS_KEY`, ...) from dimgen; several play `DIM_DATE` in
//! different roles.

use model_core::{Fact, Key};
use rust_decimal::Decimal;

use crate::dimensions::{
    DimDate, DimEncounterType, DimOutcome, DimPatient, DimPaymentType, DimProcedureType, DimProvider, DimSurveys,
};

/// `FACT_CLAIMS`: one row per adjudicated insurance claim.
#[derive(Fact)]
#[model(
    comment = "One row per adjudicated insurance claim: what was billed, allowed and paid for a patient's service by a provider.",
    grain = "one row per claim",
    cluster_by(date_of_service)
)]
pub struct FactClaims {
    /// Claim number from the payer (degenerate dimension; the grain).
    #[model(degenerate, grain, comment = "Claim number from the payer: a degenerate dimension.")]
    pub claim_id: i64,
    /// Day of the service claimed.
    #[model(role = "SERVICE_DATE")]
    pub date_of_service: Key<DimDate>,
    /// Day the claim was paid.
    #[model(role = "PAID_DATE")]
    pub paid_date: Key<DimDate>,
    /// The patient treated.
    pub patient_key: Key<DimPatient>,
    /// The provider who treated.
    pub provider_key: Key<DimProvider>,
    /// Amount the payer allows.
    #[model(measure = "additive", sql_type = "number(20,2)")]
    pub allowed_amount: Option<Decimal>,
    /// Coinsurance the patient owes.
    #[model(measure = "additive", sql_type = "number(20,2)")]
    pub coinsurance_amount: Option<Decimal>,
    /// Deductible the patient owes.
    #[model(measure = "additive", sql_type = "number(20,2)")]
    pub deductible_amount: Option<Decimal>,
    /// Amount paid.
    #[model(measure = "additive", sql_type = "number(20,2)")]
    pub paid_amount: Option<Decimal>,
    /// Amount billed (added in a later sprint).
    #[model(
        measure = "additive",
        sql_type = "number(20,2)",
        comment = "Added in a later sprint."
    )]
    pub billed_amount: Option<Decimal>,
}

/// `FACT_ENCOUNTERS`: one row per encounter of a patient with a provider
/// (factless).
#[derive(Fact)]
#[model(
    comment = "One row per encounter of a patient with a provider: records that it happened and how it ended.",
    fact_type = "factless",
    grain = "one row per encounter"
)]
pub struct FactEncounters {
    /// Encounter number from the scheduling system (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Encounter number from the scheduling system: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub encounter_id: i64,
    /// Kind of encounter.
    pub encounter_type_key: Key<DimEncounterType>,
    /// Day of the encounter.
    #[model(role = "EVENT_DATE")]
    pub event_date: Key<DimDate>,
    /// How it ended.
    pub outcome_key: Key<DimOutcome>,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// The provider.
    pub provider_key: Key<DimProvider>,
}

/// `FACT_APPOINTMENTS`: one row per appointment, with the lab values
/// measured during it (non-additive).
#[derive(Fact)]
#[model(
    comment = "One row per appointment, with the lab values measured during it (non-additive: average them, never sum).",
    grain = "one row per appointment"
)]
pub struct FactAppointments {
    /// Appointment number from the scheduling system (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Appointment number from the scheduling system: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub appointment_id: i64,
    /// Day of the appointment.
    #[model(role = "APPOINTMENT_DATE")]
    pub appointment_date: Key<DimDate>,
    /// How it ended.
    pub outcome_key: Key<DimOutcome>,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// The provider.
    pub provider_key: Key<DimProvider>,
    /// Blood glucose, mg/dL.
    #[model(measure = "non_additive", comment = "Blood glucose, mg/dL.")]
    pub glucose: Option<f64>,
    /// Total bilirubin, mg/dL.
    #[model(measure = "non_additive", comment = "Total bilirubin, mg/dL.")]
    pub bilirubin: Option<f64>,
    /// Aspartate transaminase (AST), U/L.
    #[model(measure = "non_additive", comment = "AST, U/L.")]
    pub aspartate_transaminase: Option<f64>,
}

/// `FACT_LAB_RESULTS`: one row per lab result reported for a patient
/// (factless).
#[derive(Fact)]
#[model(
    comment = "One row per lab result reported for a patient, ordered by a provider.",
    fact_type = "factless",
    grain = "one row per lab result"
)]
pub struct FactLabResults {
    /// Result number from the laboratory system (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Result number from the laboratory system: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub lab_result_id: i64,
    /// The result.
    pub outcome_key: Key<DimOutcome>,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// Day the result was reported.
    #[model(role = "LAB_RESULT_DATE")]
    pub lab_result_date: Key<DimDate>,
    /// The ordering provider.
    pub provider_key: Key<DimProvider>,
}

/// `FACT_PROCEDURES`: one row per procedure performed (factless).
#[derive(Fact)]
#[model(
    comment = "One row per procedure performed on a patient by a provider.",
    fact_type = "factless",
    grain = "one row per procedure performed"
)]
pub struct FactProcedures {
    /// Procedure number from the clinical system (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Procedure number from the clinical system: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub procedure_id: i64,
    /// How it ended.
    pub outcome_key: Key<DimOutcome>,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// Day of the procedure.
    #[model(role = "PROCEDURE_DATE")]
    pub procedure_date: Key<DimDate>,
    /// Kind of procedure.
    pub procedure_type_key: Key<DimProcedureType>,
    /// The provider who performed it.
    pub provider_key: Key<DimProvider>,
}

/// `FACT_ENROLLMENTS`: one row per enrollment of a patient in an insurance
/// plan (factless).
#[derive(Fact)]
#[model(
    comment = "One row per enrollment of a patient in an insurance plan.",
    fact_type = "factless",
    grain = "one row per patient enrollment"
)]
pub struct FactEnrollments {
    /// Enrollment number from the insurer (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Enrollment number from the insurer: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub enrollment_id: i64,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// Day of the enrollment.
    #[model(role = "ENROLLMENTS_DATE")]
    pub enrollments_date: Key<DimDate>,
}

/// `FACT_PAYMENTS`: one row per payment received for a patient's care.
#[derive(Fact)]
#[model(
    comment = "One row per payment received for a patient's care, by payment type.",
    grain = "one row per payment"
)]
pub struct FactPayments {
    /// Payment number from the billing system (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Payment number from the billing system: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub payment_id: i64,
    /// Amount paid.
    #[model(measure = "additive", sql_type = "number(20,2)")]
    pub amount: Option<Decimal>,
    /// What the payment settled.
    pub outcome_key: Key<DimOutcome>,
    /// The patient.
    pub patient_key: Key<DimPatient>,
    /// Day of the payment.
    #[model(role = "PAYMENT_DATE")]
    pub payment_date: Key<DimDate>,
    /// How it was paid.
    pub payment_type_key: Key<DimPaymentType>,
}

/// `FACT_EMPLOYEE_SATISFACTION_RESULTS`: one row per satisfaction survey
/// result of a provider (factless).
#[derive(Fact)]
#[model(
    comment = "One row per satisfaction survey result of a provider (the HR view of the care staff).",
    fact_type = "factless",
    grain = "one row per survey answered"
)]
pub struct FactEmployeeSatisfactionResults {
    /// Survey response number from the HR survey tool (degenerate dimension; the grain).
    #[model(
        degenerate,
        grain,
        comment = "Survey response number from the HR survey tool: a degenerate dimension, and what makes a reloaded row recognizable."
    )]
    pub survey_result_id: i64,
    /// The outcome.
    pub outcome_key: Key<DimOutcome>,
    /// The provider surveyed.
    pub provider_key: Key<DimProvider>,
    /// Day the survey was answered.
    #[model(role = "SURVEY_DATE")]
    pub survey_date: Key<DimDate>,
    /// The survey.
    pub surveys_key: Key<DimSurveys>,
}
