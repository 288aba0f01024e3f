//! The 13 conformed dimensions, in the order of `schemas/healthcare.toml`.

use chrono::NaiveDate;
use model_core::{Dimension, Key};

/// `DIM_DATE`: one row per calendar day, keyed by the smart key `yyyymmdd`
/// (no surrogate column). Every date role of the facts points here.
#[derive(Dimension)]
#[model(
    comment = "One row per calendar day; the key is the smart key yyyymmdd. Plays every date role of the facts.",
    key_generation = "natural",
    scd = 0
)]
pub struct DimDate {
    /// The date as `yyyymmdd`; `-1` is the unknown date.
    #[model(natural_key, comment = "Smart key: the date as yyyymmdd; -1 is the unknown date.")]
    pub date_id: i64,
    /// The calendar date.
    pub full_date: Option<NaiveDate>,
    /// Monday, Tuesday, ...
    pub day_of_week: Option<String>,
    /// January, February, ...
    pub month_name: Option<String>,
    /// Quarter of the year, 1 to 4.
    pub quarter: Option<i64>,
    /// Calendar year.
    pub year: Option<i64>,
    /// Saturday or Sunday.
    pub is_weekend: Option<bool>,
}

/// `DIM_PATIENT`: one row per version of a patient (SCD2); names are
/// corrected in place (SCD1).
#[derive(Dimension)]
#[model(
    comment = "One row per version of a patient: demographics keep their history (SCD2), names are corrected in place.",
    scd = 2
)]
pub struct DimPatient {
    /// Patient number in the source system.
    #[model(natural_key, comment = "Patient number in the source system.")]
    pub patient_id: i64,
    /// Age in years.
    pub age: Option<f64>,
    /// Whether the patient agreed to share their data.
    pub data_sharing_opt_in: Option<bool>,
    /// Date of birth.
    #[model(pii = "date")]
    pub date_of_birth: Option<NaiveDate>,
    /// Date of death (the unknown date while alive).
    #[model(role = "DECEASED_DATE")]
    pub deceased_date: Key<DimDate>,
    /// Whether the patient has died.
    pub deceased_flag: Option<bool>,
    /// First name.
    #[model(scd = 1, pii = "name")]
    pub first_name: Option<String>,
    /// Full name.
    #[model(scd = 1, pii = "name")]
    pub full_name: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Last name.
    #[model(scd = 1, pii = "name")]
    pub last_name: Option<String>,
    /// Marital status.
    pub marital_status: Option<String>,
    /// Middle name.
    #[model(scd = 1, pii = "name")]
    pub middle_name: Option<String>,
    /// Race.
    pub race: Option<String>,
    /// Whether the patient is active.
    pub is_active: Option<bool>,
}

/// `DIM_PROVIDER`: one row per version of a provider, the doctor (SCD2).
#[derive(Dimension)]
#[model(
    comment = "One row per version of a provider (the doctor); demographics keep their history (SCD2).",
    scd = 2
)]
pub struct DimProvider {
    /// Provider number in the source system.
    #[model(natural_key, comment = "Provider number in the source system.")]
    pub provider_id: i64,
    /// Age in years.
    pub age: Option<f64>,
    /// Date of birth.
    #[model(pii = "date")]
    pub date_of_birth: Option<NaiveDate>,
    /// Date of death (the unknown date while alive).
    #[model(role = "DECEASED_DATE")]
    pub deceased_date: Key<DimDate>,
    /// Whether the provider has died.
    pub deceased_flag: Option<bool>,
    /// First name.
    #[model(scd = 1, pii = "name")]
    pub first_name: Option<String>,
    /// Full name.
    #[model(scd = 1, pii = "name")]
    pub full_name: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Last name.
    #[model(scd = 1, pii = "name")]
    pub last_name: Option<String>,
    /// Middle name.
    #[model(scd = 1, pii = "name")]
    pub middle_name: Option<String>,
    /// Race.
    pub race: Option<String>,
    /// Whether the provider is active.
    pub is_active: Option<bool>,
}

/// `DIM_CONTACT`: one row per contact point of a patient or provider.
#[derive(Dimension)]
#[model(comment = "One row per contact point (phone number, e-mail address) of a patient or provider.")]
pub struct DimContact {
    /// Contact number in the source system.
    #[model(natural_key)]
    pub contact_id: i64,
    /// The phone number, e-mail address, ...
    #[model(pii = "contact")]
    pub contact: Option<String>,
    /// `PHONE`, `EMAIL`, `FAX`, ...
    #[model(comment = "PHONE, EMAIL, FAX, ...")]
    pub contact_type: Option<String>,
    /// `PATIENT` or `PROVIDER`.
    #[model(comment = "Whose contact it is: PATIENT or PROVIDER (added in a later sprint).")]
    pub entity_type: Option<String>,
}

/// `DIM_PROVIDER_SPECIALTY`: one row per medical specialty (NUCC taxonomy).
#[derive(Dimension)]
#[model(comment = "One row per medical specialty a provider can practise (NUCC taxonomy).")]
pub struct DimProviderSpecialty {
    /// Specialty number in the source system.
    #[model(natural_key)]
    pub provider_specialty_id: i64,
    /// Name of the specialty.
    pub specialty_name: Option<String>,
    /// NUCC taxonomy code.
    pub taxonomy_code: Option<String>,
    /// Whether the specialty is in use.
    pub is_active: Option<bool>,
}

/// `DIM_LANGUAGE`: one row per language a patient or provider speaks.
#[derive(Dimension)]
#[model(comment = "One row per language a patient or provider speaks.")]
pub struct DimLanguage {
    /// Language number in the source system.
    #[model(natural_key)]
    pub language_id: i64,
    /// Name of the language.
    pub language_name: Option<String>,
    /// ISO 639 code.
    pub iso_code: Option<String>,
}

/// `DIM_LOCATION`: one row per postal address of a patient or provider.
#[derive(Dimension)]
#[model(comment = "One row per postal address of a patient or provider.")]
pub struct DimLocation {
    /// Location number in the source system.
    #[model(natural_key)]
    pub location_id: i64,
    /// Home, billing, practice, ...
    pub address_type: Option<String>,
    /// Street and number.
    #[model(pii = "location")]
    pub address_line: Option<String>,
    /// City.
    #[model(pii = "location")]
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// State code.
    pub state_code: Option<String>,
    /// ZIP code.
    #[model(pii = "location")]
    pub zip_code: Option<String>,
}

/// `DIM_PROCEDURE_TYPE`: one row per kind of procedure, with the period it
/// is billable.
#[derive(Dimension)]
#[model(comment = "One row per kind of medical procedure, with the period it is billable.")]
pub struct DimProcedureType {
    /// Procedure type number in the source system.
    #[model(natural_key)]
    pub procedure_type_id: i64,
    /// Name of the procedure.
    pub name: Option<String>,
    /// First billable day.
    #[model(role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last billable day.
    #[model(role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
}

/// `DIM_ENROLLMENTS`: one row per insurance enrollment of a patient.
#[derive(Dimension)]
#[model(comment = "One row per insurance enrollment (coverage period) of a patient.")]
pub struct DimEnrollments {
    /// Enrollment number in the source system.
    #[model(natural_key)]
    pub enrollment_id: i64,
    /// First day of coverage.
    #[model(role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day of coverage.
    #[model(role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the coverage is active.
    pub is_active: Option<bool>,
}

/// `DIM_PAYMENT_TYPE`: one row per way a payment is made.
#[derive(Dimension)]
#[model(comment = "One row per way a payment is made (insurer, patient co-pay, ...).")]
pub struct DimPaymentType {
    /// Payment type number in the source system.
    #[model(natural_key)]
    pub payment_type_id: i64,
    /// Description of the payment type.
    pub payment_description: Option<String>,
    /// The payment type.
    pub payment_type: Option<String>,
}

/// `DIM_SURVEYS`: one row per employee satisfaction survey answered by a
/// provider.
#[derive(Dimension)]
#[model(comment = "One row per employee satisfaction survey answered by a provider.")]
pub struct DimSurveys {
    /// Survey number in the source system.
    #[model(natural_key)]
    pub survey_id: i64,
    /// Day the survey was answered.
    #[model(role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// 1 (worst) to 10 (best).
    #[model(comment = "1 (worst) to 10 (best).")]
    pub score: Option<i64>,
    /// Free-text comments.
    pub survey_comments: Option<String>,
}

/// `DIM_OUTCOME`: one row per clinical or administrative outcome.
#[derive(Dimension)]
#[model(comment = "One row per clinical or administrative outcome (resolved, referred, denied, ...).")]
pub struct DimOutcome {
    /// Outcome number in the source system.
    #[model(natural_key)]
    pub outcome_id: i64,
    /// The outcome.
    pub outcome: Option<String>,
    /// First day the outcome is in use.
    #[model(role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the outcome is in use.
    #[model(role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
}

/// `DIM_ENCOUNTER_TYPE`: one row per kind of encounter.
#[derive(Dimension)]
#[model(comment = "One row per kind of encounter (office visit, emergency, telehealth, ...).")]
pub struct DimEncounterType {
    /// Encounter type number in the source system.
    #[model(natural_key)]
    pub encounter_type_id: i64,
    /// Name of the encounter type.
    pub encounter_type_name: Option<String>,
    /// Description of the encounter type.
    pub description: Option<String>,
}
