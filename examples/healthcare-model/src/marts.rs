//! The department data marts and the access roles, in the order of
//! `schemas/healthcare.toml`. Marts and roles have no derive: these struct
//! literals are their Rust declaration, field for field the TOML sections.

use model_core::model::{
    Access, Aggregate, Allocation, AsOf, Grant, Mart, MartAttribute, MartKind, PiiClass, RefreshMode, Role, Scope,
    Through,
};

/// Owned names from string slices.
fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Mart attributes (`ROLE.ATTRIBUTE`), each under its default output name.
fn attributes(list: &[&str]) -> Vec<MartAttribute> {
    list.iter().map(|s| MartAttribute::from(*s)).collect()
}

/// `kind = "dynamic_table"` with the hand-written stack's settings:
/// `TARGET_LAG = '5 minutes'` on the environment's transform warehouse.
fn dynamic_table(refresh_mode: RefreshMode) -> MartKind {
    MartKind::DynamicTable {
        target_lag: "5 minutes".to_owned(),
        refresh_mode,
        warehouse: "${env}_TRANSFORM_WH".to_owned(),
    }
}

/// `sum = [measure]`.
fn sum(measure: &str) -> Aggregate {
    Aggregate::Sum(measure.to_owned())
}

/// `ratio = { name, numerator, denominator }`.
fn ratio(name: &str, numerator: &str, denominator: &str) -> Aggregate {
    Aggregate::Ratio {
        name: name.to_owned(),
        numerator: numerator.to_owned(),
        denominator: denominator.to_owned(),
    }
}

/// `count = "name"`.
fn count(name: &str) -> Aggregate {
    Aggregate::Count { name: name.to_owned() }
}

/// `through = { ... }`.
fn through(bridge: &str, reference: &str, role: &str, allocation: Allocation, as_of: AsOf) -> Through {
    Through {
        bridge: bridge.to_owned(),
        reference: reference.to_owned(),
        role: role.to_owned(),
        allocation,
        as_of,
    }
}

/// Analytics/IT: the claims star, one row per claim with its dates, patient,
/// provider and every amount (no PII).
pub fn analytics_claims() -> Mart {
    Mart {
        name: "MART_ANALYTICS_CLAIMS".to_owned(),
        comment: Some(
            "Analytics/IT: one row per claim with its dates, patient and provider and all amounts, for ad-hoc analysis and reconciliation."
                .to_owned(),
        ),
        kind: MartKind::View,
        fact: "FACT_CLAIMS".to_owned(),
        attributes: attributes(&[
            "SERVICE_DATE.FULL_DATE",
            "SERVICE_DATE.YEAR",
            "PAID_DATE.FULL_DATE",
            "PAID_DATE.YEAR",
            "PATIENT.PATIENT_ID",
            "PATIENT.GENDER",
            "PATIENT.AGE",
            "PROVIDER.PROVIDER_ID",
            "PROVIDER.GENDER",
        ]),
        columns: names(&[
            "CLAIM_ID",
            "BILLED_AMOUNT",
            "ALLOWED_AMOUNT",
            "DEDUCTIBLE_AMOUNT",
            "COINSURANCE_AMOUNT",
            "PAID_AMOUNT",
        ]),
        aggregates: Vec::new(),
        derived: Vec::new(),
        filter: None,
        through: None,
    }
}

/// Analytics/IT: average and range of the (non-additive) lab values.
pub fn analytics_lab_summary() -> Mart {
    Mart {
        name: "MART_ANALYTICS_LAB_SUMMARY".to_owned(),
        comment: Some(
            "Analytics/IT: average and range of appointment lab values by appointment year, outcome and patient gender."
                .to_owned(),
        ),
        kind: MartKind::View,
        fact: "FACT_APPOINTMENTS".to_owned(),
        attributes: attributes(&["APPOINTMENT_DATE.YEAR", "OUTCOME.OUTCOME", "PATIENT.GENDER"]),
        columns: Vec::new(),
        aggregates: vec![
            Aggregate::Avg("GLUCOSE".to_owned()),
            Aggregate::Avg("BILIRUBIN".to_owned()),
            Aggregate::Avg("ASPARTATE_TRANSAMINASE".to_owned()),
            Aggregate::Min("GLUCOSE".to_owned()),
            Aggregate::Max("GLUCOSE".to_owned()),
            count("APPOINTMENT_COUNT"),
        ],
        derived: Vec::new(),
        filter: None,
        through: None,
    }
}

/// Finance: billed, allowed and paid amounts by paid month, with rates.
pub fn finance_claims() -> Mart {
    Mart {
        name: "MART_FINANCE_CLAIMS".to_owned(),
        comment: Some(
            "Finance: billed, allowed and paid amounts of claims by paid month, with the allowed/billed and paid/allowed rates."
                .to_owned(),
        ),
        kind: dynamic_table(RefreshMode::Auto),
        fact: "FACT_CLAIMS".to_owned(),
        attributes: attributes(&["PAID_DATE.YEAR", "PAID_DATE.QUARTER", "PAID_DATE.MONTH_NAME"]),
        columns: Vec::new(),
        aggregates: vec![
            sum("BILLED_AMOUNT"),
            sum("ALLOWED_AMOUNT"),
            sum("PAID_AMOUNT"),
            sum("DEDUCTIBLE_AMOUNT"),
            sum("COINSURANCE_AMOUNT"),
            count("CLAIM_COUNT"),
            ratio("ALLOWED_TO_BILLED", "ALLOWED_AMOUNT", "BILLED_AMOUNT"),
            ratio("PAID_TO_ALLOWED", "PAID_AMOUNT", "ALLOWED_AMOUNT"),
        ],
        derived: Vec::new(),
        filter: None,
        through: None,
    }
}

/// Finance: payments by payment month and payment type.
pub fn finance_payments() -> Mart {
    Mart {
        name: "MART_FINANCE_PAYMENTS".to_owned(),
        comment: Some(
            "Finance: payments received by payment month and payment type: total, count, average and largest payment."
                .to_owned(),
        ),
        kind: dynamic_table(RefreshMode::Auto),
        fact: "FACT_PAYMENTS".to_owned(),
        attributes: attributes(&[
            "PAYMENT_DATE.YEAR",
            "PAYMENT_DATE.QUARTER",
            "PAYMENT_DATE.MONTH_NAME",
            "PAYMENT_TYPE.PAYMENT_TYPE",
            "PAYMENT_TYPE.PAYMENT_DESCRIPTION",
        ]),
        columns: Vec::new(),
        aggregates: vec![
            sum("AMOUNT"),
            Aggregate::Avg("AMOUNT".to_owned()),
            Aggregate::Max("AMOUNT".to_owned()),
            count("PAYMENT_COUNT"),
        ],
        derived: Vec::new(),
        filter: None,
        through: None,
    }
}

/// HR: survey scores per provider and per specialty at the survey date
/// (impact through the provider–specialty bridge); a secure view.
pub fn hr_satisfaction() -> Mart {
    Mart {
        name: "MART_HR_SATISFACTION".to_owned(),
        comment: Some(
            "HR: satisfaction survey scores per provider and per specialty practised at the survey date, by survey year."
                .to_owned(),
        ),
        kind: MartKind::SecureView,
        fact: "FACT_EMPLOYEE_SATISFACTION_RESULTS".to_owned(),
        attributes: attributes(&[
            "SURVEY_DATE.YEAR",
            "PROVIDER.PROVIDER_ID",
            "PROVIDER.FULL_NAME",
            "SPECIALTY.SPECIALTY_NAME",
            "SURVEYS.SCORE",
        ]),
        columns: Vec::new(),
        aggregates: vec![count("SURVEY_COUNT")],
        derived: Vec::new(),
        filter: None,
        through: Some(through(
            "BRIDGE_PROVIDER_SPECIALTY",
            "PROVIDER_KEY",
            "SPECIALTY",
            Allocation::Impact,
            AsOf::FactDate("SURVEY_DATE".to_owned()),
        )),
    }
}

/// Marketing: encounters by the patients' current location and encounter type.
pub fn marketing_encounter_reach() -> Mart {
    Mart {
        name: "MART_MARKETING_ENCOUNTER_REACH".to_owned(),
        comment: Some(
            "Marketing: encounters by the patients' current location (state, city, address type) and encounter type, per quarter."
                .to_owned(),
        ),
        kind: MartKind::View,
        fact: "FACT_ENCOUNTERS".to_owned(),
        attributes: attributes(&[
            "EVENT_DATE.YEAR",
            "EVENT_DATE.QUARTER",
            "PATIENT_LOCATION.ADDRESS_TYPE",
            "PATIENT_LOCATION.STATE_CODE",
            "PATIENT_LOCATION.CITY",
            "ENCOUNTER_TYPE.ENCOUNTER_TYPE_NAME",
        ]),
        columns: Vec::new(),
        aggregates: vec![count("ENCOUNTER_COUNT")],
        derived: Vec::new(),
        filter: None,
        through: Some(through(
            "BRIDGE_PATIENT_LOCATION",
            "PATIENT_KEY",
            "PATIENT_LOCATION",
            Allocation::Impact,
            AsOf::Current,
        )),
    }
}

/// Operations: claims allocated over the weighted care team on the date of service.
pub fn operations_care_team() -> Mart {
    Mart {
        name: "MART_OPERATIONS_CARE_TEAM".to_owned(),
        comment: Some(
            "Operations: claim amounts allocated to the providers of each patient's care team on the date of service, by quarter."
                .to_owned(),
        ),
        kind: dynamic_table(RefreshMode::Auto),
        fact: "FACT_CLAIMS".to_owned(),
        attributes: attributes(&[
            "SERVICE_DATE.YEAR",
            "SERVICE_DATE.QUARTER",
            "CARE_PROVIDER.PROVIDER_ID",
            "CARE_PROVIDER.FULL_NAME",
        ]),
        columns: Vec::new(),
        aggregates: vec![
            sum("BILLED_AMOUNT"),
            sum("ALLOWED_AMOUNT"),
            sum("PAID_AMOUNT"),
            count("CLAIM_SHARE"),
            ratio("PAID_TO_BILLED", "PAID_AMOUNT", "BILLED_AMOUNT"),
        ],
        derived: Vec::new(),
        filter: None,
        through: Some(through(
            "BRIDGE_CARE_TEAM",
            "PATIENT_KEY",
            "CARE_PROVIDER",
            Allocation::Weighted,
            AsOf::FactDate("DATE_OF_SERVICE".to_owned()),
        )),
    }
}

/// Operations: claims per specialty of their provider (impact).
pub fn operations_specialty_claims() -> Mart {
    Mart {
        name: "MART_OPERATIONS_SPECIALTY_CLAIMS".to_owned(),
        comment: Some(
            "Operations: claims and their amounts per specialty of the provider on the date of service, by quarter."
                .to_owned(),
        ),
        kind: MartKind::View,
        fact: "FACT_CLAIMS".to_owned(),
        attributes: attributes(&[
            "SERVICE_DATE.YEAR",
            "SERVICE_DATE.QUARTER",
            "SPECIALTY.SPECIALTY_NAME",
            "SPECIALTY.TAXONOMY_CODE",
        ]),
        columns: Vec::new(),
        aggregates: vec![
            sum("BILLED_AMOUNT"),
            sum("PAID_AMOUNT"),
            count("SPECIALTY_CLAIM_ROWS"),
            Aggregate::CountDistinct {
                name: "CLAIM_COUNT".to_owned(),
                column: "CLAIM_ID".to_owned(),
            },
        ],
        derived: Vec::new(),
        filter: None,
        through: Some(through(
            "BRIDGE_PROVIDER_SPECIALTY",
            "PROVIDER_KEY",
            "SPECIALTY",
            Allocation::Impact,
            AsOf::FactDate("DATE_OF_SERVICE".to_owned()),
        )),
    }
}

/// ML: the wide appointment feature table with lab values.
pub fn ml_appointment_labs() -> Mart {
    Mart {
        name: "MART_ML_APPOINTMENT_LABS".to_owned(),
        comment: Some(
            "ML: one row per appointment with calendar, patient and provider features, the outcome and the lab values."
                .to_owned(),
        ),
        kind: dynamic_table(RefreshMode::Incremental),
        fact: "FACT_APPOINTMENTS".to_owned(),
        attributes: attributes(&[
            "APPOINTMENT_DATE.FULL_DATE",
            "APPOINTMENT_DATE.DAY_OF_WEEK",
            "APPOINTMENT_DATE.IS_WEEKEND",
            "PATIENT.PATIENT_ID",
            "PATIENT.AGE",
            "PATIENT.GENDER",
            "PATIENT.RACE",
            "PATIENT.MARITAL_STATUS",
            "PATIENT.DATA_SHARING_OPT_IN",
            "PROVIDER.PROVIDER_ID",
            "PROVIDER.GENDER",
            "OUTCOME.OUTCOME",
        ]),
        columns: names(&["GLUCOSE", "BILIRUBIN", "ASPARTATE_TRANSAMINASE"]),
        aggregates: Vec::new(),
        derived: Vec::new(),
        filter: None,
        through: None,
    }
}

/// A read grant on the named marts.
fn read(objects: &[&str]) -> Grant {
    Grant {
        access: Access::Read,
        scope: Scope::Objects(names(objects)),
    }
}

/// `${env}_DATA_ENGINEER`: write on the whole schema (tables, views and
/// dynamic tables, existing and future).
pub fn data_engineer() -> Role {
    Role {
        name: "${env}_DATA_ENGINEER".to_owned(),
        comment: Some(
            "Data engineers: load and maintain the model: write on every table, view and dynamic table of the schema, now and future."
                .to_owned(),
        ),
        parent: "SYSADMIN".to_owned(),
        grants: vec![Grant { access: Access::Write, scope: Scope::Schema }],
        warehouses: names(&["${env}_TRANSFORM_WH"]),
        unmask: PiiClass::ALL.to_vec(),
    }
}

/// `${env}_DATA_ANALYST`: the analysts of analytics/IT, finance, HR,
/// marketing and operations read their marts only.
pub fn data_analyst() -> Role {
    Role {
        name: "${env}_DATA_ANALYST".to_owned(),
        comment: Some(
            "Analysts of the analytics/IT, finance, HR, marketing and operations departments: read their marts only."
                .to_owned(),
        ),
        parent: "SYSADMIN".to_owned(),
        grants: vec![read(&[
            "MART_ANALYTICS_CLAIMS",
            "MART_ANALYTICS_LAB_SUMMARY",
            "MART_FINANCE_CLAIMS",
            "MART_FINANCE_PAYMENTS",
            "MART_HR_SATISFACTION",
            "MART_MARKETING_ENCOUNTER_REACH",
            "MART_OPERATIONS_CARE_TEAM",
            "MART_OPERATIONS_SPECIALTY_CLAIMS",
        ])],
        warehouses: names(&["${env}_ANALYTICS_WH"]),
        unmask: Vec::new(),
    }
}

/// `${env}_DATA_SCIENTIST`: reads the analytics and operations marts, and
/// inherits the ML mart from `${env}_ML_ENGINEER`.
pub fn data_scientist() -> Role {
    Role {
        name: "${env}_DATA_SCIENTIST".to_owned(),
        comment: Some(
            "Data scientists: read the analytics and operations marts, and the ML marts through ML_ENGINEER."
                .to_owned(),
        ),
        parent: "SYSADMIN".to_owned(),
        grants: vec![read(&[
            "MART_ANALYTICS_CLAIMS",
            "MART_ANALYTICS_LAB_SUMMARY",
            "MART_OPERATIONS_CARE_TEAM",
            "MART_OPERATIONS_SPECIALTY_CLAIMS",
        ])],
        warehouses: names(&["${env}_ANALYTICS_WH"]),
        unmask: Vec::new(),
    }
}

/// `${env}_ML_ENGINEER`: reads the ML feature mart; rolls up to
/// `${env}_DATA_SCIENTIST`.
pub fn ml_engineer() -> Role {
    Role {
        name: "${env}_ML_ENGINEER".to_owned(),
        comment: Some(
            "ML engineers: read the ML feature marts; granted to DATA_SCIENTIST, which inherits them.".to_owned(),
        ),
        parent: "${env}_DATA_SCIENTIST".to_owned(),
        grants: vec![read(&["MART_ML_APPOINTMENT_LABS"])],
        warehouses: names(&["${env}_ML_WH"]),
        unmask: Vec::new(),
    }
}
