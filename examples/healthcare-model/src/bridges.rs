//! The 8 bridges, in the order of `schemas/healthcare.toml`: many-to-many
//! relationships between two dimensions, effective-dated from
//! `EFFECTIVE_DATE` to `EXPIRATION_DATE`. The two `#[model(between)]` fields
//! are not declared columns: dimgen adds one reference column per dimension,
//! named after its key (`PATIENT_KEY`, ...), first in the table.

use model_core::{Bridge, Key};
use rust_decimal::Decimal;

use crate::dimensions::{DimContact, DimDate, DimLanguage, DimLocation, DimPatient, DimProvider, DimProviderSpecialty};

/// `BRIDGE_PATIENT_CONTACT`: which contact points a patient has had, and
/// when.
#[derive(Bridge)]
#[model(
    comment = "Which contact points a patient has had, and when; at most one primary per patient at a time.",
    cluster_by(patient_key, contact_key, effective_date)
)]
pub struct BridgePatientContact {
    /// The patient.
    #[model(between)]
    pub patient_key: Key<DimPatient>,
    /// The contact point.
    #[model(between)]
    pub contact_key: Key<DimContact>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the patient's primary contact point.
    pub is_primary: bool,
}

/// `BRIDGE_PROVIDER_CONTACT`: which contact points a provider has had, and
/// when.
#[derive(Bridge)]
#[model(
    comment = "Which contact points a provider has had, and when.",
    cluster_by(provider_key, contact_key, effective_date)
)]
pub struct BridgeProviderContact {
    /// The provider.
    #[model(between)]
    pub provider_key: Key<DimProvider>,
    /// The contact point.
    #[model(between)]
    pub contact_key: Key<DimContact>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the provider's primary contact point.
    pub is_primary: bool,
}

/// `BRIDGE_PROVIDER_SPECIALTY`: which specialties a provider practises, and
/// since when.
#[derive(Bridge)]
#[model(
    comment = "Which specialties a provider practises, and since when; a claim's provider reaches its specialties through here.",
    cluster_by(provider_key, provider_specialty_key, effective_date)
)]
pub struct BridgeProviderSpecialty {
    /// The provider.
    #[model(between)]
    pub provider_key: Key<DimProvider>,
    /// The specialty.
    #[model(between)]
    pub provider_specialty_key: Key<DimProviderSpecialty>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the provider's primary specialty.
    pub is_primary: bool,
}

/// `BRIDGE_PROVIDER_LANGUAGE`: which languages a provider speaks, and since
/// when.
#[derive(Bridge)]
#[model(
    comment = "Which languages a provider speaks, and since when.",
    cluster_by(provider_key, language_key, effective_date)
)]
pub struct BridgeProviderLanguage {
    /// The provider.
    #[model(between)]
    pub provider_key: Key<DimProvider>,
    /// The language.
    #[model(between)]
    pub language_key: Key<DimLanguage>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the provider's primary language.
    pub is_primary: bool,
}

/// `BRIDGE_PATIENT_LANGUAGE`: which languages a patient speaks, and since
/// when.
#[derive(Bridge)]
#[model(
    comment = "Which languages a patient speaks, and since when.",
    cluster_by(patient_key, language_key, effective_date)
)]
pub struct BridgePatientLanguage {
    /// The patient.
    #[model(between)]
    pub patient_key: Key<DimPatient>,
    /// The language.
    #[model(between)]
    pub language_key: Key<DimLanguage>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the patient's primary language.
    pub is_primary: bool,
}

/// `BRIDGE_PATIENT_LOCATION`: where a patient has lived or been billed, and
/// when.
#[derive(Bridge)]
#[model(
    comment = "Where a patient has lived or been billed, and when.",
    cluster_by(patient_key, location_key, effective_date)
)]
pub struct BridgePatientLocation {
    /// The patient.
    #[model(between)]
    pub patient_key: Key<DimPatient>,
    /// The address.
    #[model(between)]
    pub location_key: Key<DimLocation>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the patient's primary address.
    pub is_primary: bool,
}

/// `BRIDGE_PROVIDER_LOCATION`: where a provider practises, and since when.
#[derive(Bridge)]
#[model(
    comment = "Where a provider practises, and since when.",
    cluster_by(provider_key, location_key, effective_date)
)]
pub struct BridgeProviderLocation {
    /// The provider.
    #[model(between)]
    pub provider_key: Key<DimProvider>,
    /// The practice address.
    #[model(between)]
    pub location_key: Key<DimLocation>,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether it is the provider's primary practice address.
    pub is_primary: bool,
}

/// `BRIDGE_CARE_TEAM`: a patient's care team, the weighted bridge. The
/// weighting factors of one team (`CARE_TEAM_ID`) sum to 1, so allocating a
/// patient's facts over the team keeps totals.
#[derive(Bridge)]
#[model(
    comment = "A patient's care team: the providers who treat the patient, each with a weighting factor; the weights of a team sum to 1, so allocating a patient's facts over the team keeps totals.",
    cluster_by(patient_key, provider_key, effective_date)
)]
pub struct BridgeCareTeam {
    /// The patient.
    #[model(between)]
    pub patient_key: Key<DimPatient>,
    /// A provider of the patient's team.
    #[model(between)]
    pub provider_key: Key<DimProvider>,
    /// Groups the rows of one patient's team.
    #[model(group, comment = "Groups the rows of one patient's team.")]
    pub care_team_id: i64,
    /// Share of the patient's facts allocated to this provider.
    #[model(
        weight,
        sql_type = "number(9,8)",
        comment = "Share of the patient's facts allocated to this provider; sums to 1 per team."
    )]
    pub weighting_factor: Decimal,
    /// First day the row is valid.
    #[model(effective_from, role = "EFFECTIVE_DATE")]
    pub effective_date: Key<DimDate>,
    /// Last day the row is valid.
    #[model(effective_to, role = "EXPIRATION_DATE")]
    pub expiration_date: Key<DimDate>,
    /// Whether the row is valid today.
    #[model(current)]
    pub is_current: bool,
    /// Whether this is the patient's primary care provider.
    #[model(comment = "The patient's primary care provider.")]
    pub is_primary: bool,
}
