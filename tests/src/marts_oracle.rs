//! The mart oracle of the emulator test (`tests/tests/emulator_marts.rs`):
//! deterministic sample rows for every table of a model, the rows each mart
//! must return computed from those rows alone (never by SQL), the
//! comparison with what the emulator returns, and one emulator session per
//! set of models.
//!
//!
//! For every model in `schemas/` (first environment) and for a small model
//! declared below that has every mart shape, one emulator session:
//!
//! 1. runs `01_database.sql` and `02_tables.sql` (the executable statements);
//! 2. loads deterministic sample rows, generated here, in dependency order:
//!    dimension members (SCD2 dimensions with two versions of some members,
//!    VALID_FROM / VALID_TO / IS_CURRENT set right), fact rows referencing
//!    real members, older versions and the unknown member (-1), and bridge
//!    rows whose weights sum to 1 per near member at every date (one, two or
//!    three rows per member, a change of team in the middle of the calendar,
//!    some members with none);
//! 3. creates every statement of `03_marts.sql` (secure views and dynamic
//!    tables as plain views over the same query, as `emulator.rs` does);
//! 4. queries every mart and every current view.
//!
//! The expected rows are computed from the sample rows alone (never by SQL),
//! from what the model's `Mart` declares: the fact's references by role,
//! LEFT JOIN semantics (a fact row is never lost; a fact without a bridge row
//! goes to the reached dimension's unknown member), the as-of rule of the
//! bridge, the weighting factor, and SQL's NULL rules for SUM / AVG / MIN /
//! MAX / COUNT / COUNT(DISTINCT) / ratios. The unknown-member rows are the
//! only input read back from the emulator (the generated DDL inserts them).
//!
//! Per mart the test compares every row (aggregates: every group and every
//! aggregated column; star marts: the whole multiset of rows), and checks
//! the totals a department would reconcile: row count = fact rows (x bridge
//! rows through a bridge), sums of measures = the fact's totals, weighted
//! bridge totals = the fact's totals, impact totals > the fact's totals.
#![allow(
    clippy::missing_panics_doc,
    clippy::doc_markdown,
    // Sample values are small integers; f64 holds them exactly.
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Instant;

use crate::emulator::{Emulator, Step};
use dimgen::writer::{Ident, Literal};
use model_core::model::{Aggregate, Allocation, AsOf, Bridge, Dimension, Mart};
use model_core::{
    ColumnKind, DataType, KeyGeneration, Model, Origin, PhysicalColumn, TableRef, Validated, default_role,
};
use serde_json::Value;

/// Statements of steps 1 and 2 the emulator cannot run (see `emulator.rs`).
const NOT_EXECUTABLE: &[&str] = &["ALTER TABLE ALTER CONSTRAINT RELY", "ALTER FILE FORMAT"];

/// The days facts happen on (date keys yyyymmdd), across two years.
const DAYS: [i64; 8] = [
    20_230_315, 20_230_704, 20_231_120, 20_240_115, 20_240_229, 20_240_520, 20_240_815, 20_241_105,
];
/// The open end of a validity period (a member of the date dimension too).
const FAR: i64 = 99_991_231;
/// The day care teams change: bridge rows end (exclusive) and start (inclusive) here.
const CHANGE: i64 = DAYS[3];
/// Real (non-unknown) members of each dimension without a smart key.
const MEMBERS: u64 = 5;
/// Rows per fact.
const FACT_ROWS: u64 = 48;
/// Texts of non-key string attributes: few, so groups merge; one needs escaping.
const WORDS: [&str; 4] = ["alpha", "Bravo", "o'neil", "delta"];

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// A value of a sample row or of a result, normalized for comparison: every
/// number as f64 (decimals arrive as `{"decimal": "..."}`), dates and
/// timestamps as their ISO text.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any number.
    Num(f64),
    /// Text, dates and timestamps (ISO).
    Text(String),
}

impl Val {
    fn from_json(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Self::Text(s.clone()),
            Value::Object(o) => match (o.get("decimal"), o.get("temporal")) {
                (Some(Value::String(d)), _) => Self::Num(d.parse().unwrap_or(f64::NAN)),
                (_, Some(Value::String(t))) => Self::Text(t.clone()),
                _ => Self::Text(v.to_string()),
            },
            Value::Array(_) => Self::Text(v.to_string()),
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Self::Num(x) => Some(*x),
            _ => None,
        }
    }

    /// Text identifying the value: numbers rounded to 6 decimals.
    fn canonical(&self) -> String {
        match self {
            Self::Null => "NULL".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Num(x) => {
                let r = (x * 1e6).round() / 1e6;
                format!("{:.6}", if r.abs() < 5e-7 { 0.0 } else { r })
            }
            Self::Text(s) => format!("{s:?}"),
        }
    }

    fn approx_eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Num(a), Self::Num(b)) => close(*a, *b),
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("NULL"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Num(x) => write!(f, "{x}"),
            Self::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// Equal within floating-point tolerance (fakesnow sums decimals as DOUBLE).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

fn key_of(values: &[Val]) -> String {
    values.iter().map(Val::canonical).collect::<Vec<_>>().join(" | ")
}

fn show(values: &[Val]) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// A generated value and the SQL literal that inserts it.
#[derive(Debug, Clone)]
struct Cell {
    sql: String,
    val: Val,
}

impl Cell {
    fn null() -> Self {
        Self {
            sql: "NULL".to_owned(),
            val: Val::Null,
        }
    }

    fn int(n: i64) -> Self {
        Self {
            sql: n.to_string(),
            val: Val::Num(n as f64),
        }
    }

    fn boolean(b: bool) -> Self {
        Self {
            sql: if b { "TRUE" } else { "FALSE" }.to_owned(),
            val: Val::Bool(b),
        }
    }

    fn text(s: &str) -> Self {
        Self {
            sql: Literal(s).to_string(),
            val: Val::Text(s.to_owned()),
        }
    }

    /// `units / 10^scale`, exactly.
    fn decimal(units: i64, scale: u32) -> Self {
        let div = 10_i64.pow(scale);
        let sql = if scale == 0 {
            units.to_string()
        } else {
            let sign = if units < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:0width$}",
                units.abs() / div,
                units.abs() % div,
                width = scale as usize
            )
        };
        Self {
            sql,
            val: Val::Num(units as f64 / div as f64),
        }
    }

    fn date(day: i64) -> Self {
        let iso = iso(day);
        Self {
            sql: format!("'{iso}'::DATE"),
            val: Val::Text(iso),
        }
    }

    fn timestamp(date: &str) -> Self {
        Self {
            sql: format!("'{date} 00:00:00'::TIMESTAMP_NTZ"),
            val: Val::Text(format!("{date}T00:00:00")),
        }
    }
}

fn iso(day: i64) -> String {
    format!("{:04}-{:02}-{:02}", day / 10_000, day / 100 % 100, day % 100)
}

/// The day (yyyymmdd) a date key or an ISO date stands for.
fn day_of(v: &Val) -> Option<i64> {
    match v {
        Val::Num(x) => Some(x.round() as i64),
        Val::Text(s) if s.len() >= 10 => s[..10].replace('-', "").parse().ok(),
        _ => None,
    }
}

/// Deterministic pseudo-random numbers (FNV-1a of the salt, then splitmix64).
fn mix(salt: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A sample value of a type: `k` picks it; `unique` values differ for every `k`.
fn value(ty: DataType, k: u64, unique: bool) -> Cell {
    match ty {
        DataType::Number { precision, scale } => {
            let int_digits = u32::from(precision.saturating_sub(scale)).min(6);
            let frac = u32::from(scale).min(2);
            let bound = 10_u64.pow(int_digits + frac);
            let units = (k % bound) * 10_u64.pow(u32::from(scale) - frac);
            Cell::decimal(units as i64, u32::from(scale))
        }
        DataType::Float => Cell::decimal((k % 100_000) as i64 * 25, 2),
        DataType::Varchar(len) => {
            let text = if unique {
                format!("K{k}")
            } else {
                WORDS[(k % 4) as usize].to_owned()
            };
            let len = len.map_or(usize::MAX, |n| n as usize);
            Cell::text(&text.chars().take(len).collect::<String>())
        }
        DataType::Boolean => Cell::boolean(k.is_multiple_of(2)),
        DataType::Date => Cell::date(DAYS[(k % 8) as usize]),
        DataType::TimestampNtz => Cell::timestamp(&iso(DAYS[(k % 8) as usize])),
        DataType::Time => Cell {
            sql: "'10:00:00'::TIME".to_owned(),
            val: Val::Text("10:00:00".to_owned()),
        },
        _ => Cell::null(),
    }
}

// ---------------------------------------------------------------------------
// Sample rows
// ---------------------------------------------------------------------------

type Row = BTreeMap<String, Val>;

/// The rows of one table: what is inserted, and the same as values.
#[derive(Debug, Default)]
struct TableData {
    columns: Vec<String>,
    sql_rows: Vec<Vec<String>>,
    rows: Vec<Row>,
}

impl TableData {
    fn push(&mut self, cells: Vec<(String, Cell)>) {
        if self.columns.is_empty() {
            self.columns = cells.iter().map(|(n, _)| n.clone()).collect();
        }
        self.sql_rows.push(cells.iter().map(|(_, c)| c.sql.clone()).collect());
        self.rows.push(cells.into_iter().map(|(n, c)| (n, c.val)).collect());
    }

    fn insert_sql(&self, table: &str) -> String {
        let columns: Vec<String> = self.columns.iter().map(|c| Ident(c).to_string()).collect();
        let rows: Vec<String> = self.sql_rows.iter().map(|r| format!("({})", r.join(", "))).collect();
        format!(
            "INSERT INTO {table} ({}) VALUES\n{}",
            columns.join(", "),
            rows.join(",\n")
        )
    }
}

/// Every table's sample rows, plus the dimensions' rows by key.
#[derive(Debug, Default)]
struct Sample {
    /// Tables in insert order.
    tables: Vec<(String, TableData)>,
    /// Dimension rows by the canonical text of their key (the unknown member
    /// is added from the emulator once the DDL has inserted it).
    members: BTreeMap<String, BTreeMap<String, Row>>,
}

impl Sample {
    fn rows(&self, table: &str) -> &[Row] {
        self.tables
            .iter()
            .find(|(n, _)| n == table)
            .map_or(&[][..], |(_, t)| t.rows.as_slice())
    }

    fn member(&self, dimension: &str, key: &Val) -> Option<&Row> {
        self.members.get(dimension).and_then(|m| m.get(&key.canonical()))
    }

    /// Keys of the real (non-unknown) members of a dimension; for a date
    /// dimension only the days facts happen on.
    fn real_keys(&self, model: &Validated, dimension: &str) -> Vec<Val> {
        let Some(d) = model.dimension(dimension) else {
            return Vec::new();
        };
        self.rows(dimension)
            .iter()
            .filter_map(|r| r.get(&d.key).cloned())
            .filter(|k| !matches!(day_of(k), Some(FAR)) || !is_date_dimension(model, dimension))
            .collect()
    }
}

/// A smart-key dimension keyed by a number: its keys are days (yyyymmdd).
fn is_date_dimension(model: &Validated, dimension: &str) -> bool {
    model.dimension(dimension).is_some_and(|d| {
        d.key_generation == KeyGeneration::Natural
            && matches!(
                d.column(&d.key).map(|c| &c.kind),
                Some(ColumnKind::Attribute {
                    sql_type: DataType::Number { .. },
                    ..
                })
            )
    })
}

fn unknown_allowed(model: &Validated, dimension: &str) -> bool {
    model.dimension(dimension).is_some_and(|d| {
        d.unknown_member && (d.key_generation != KeyGeneration::Natural || is_date_dimension(model, dimension))
    })
}

/// Pick a reference value: the unknown member when `unknown`, else a real member.
fn pick(sample: &Sample, model: &Validated, dimension: &str, h: u64, unknown: bool) -> Cell {
    if unknown && unknown_allowed(model, dimension) {
        return Cell::int(-1);
    }
    let keys = sample.real_keys(model, dimension);
    match keys.get((h % keys.len().max(1) as u64) as usize) {
        Some(Val::Num(x)) => Cell::int(x.round() as i64),
        Some(Val::Text(s)) => Cell::text(s),
        _ if unknown_allowed(model, dimension) => Cell::int(-1),
        _ => Cell::null(),
    }
}

/// The reference of an anchor fact row: row 6 on the day teams change (the
/// first day of the new rows, the end of the old one), row 7 before it, both
/// for the third member (whose team changes: see [`bridge_rows`]); row 8 for
/// the second member (a team of two) after it.
fn anchor(sample: &Sample, model: &Validated, dimension: &str, row: u64) -> Cell {
    if is_date_dimension(model, dimension) {
        return Cell::int([CHANGE, DAYS[2], DAYS[5]][(row - 6) as usize]);
    }
    let keys = sample.real_keys(model, dimension);
    let index = if row == 8 { 1 } else { 2 };
    match keys.get(index.min(keys.len().saturating_sub(1))) {
        Some(Val::Num(x)) => Cell::int(x.round() as i64),
        Some(Val::Text(s)) => Cell::text(s),
        _ => pick(sample, model, dimension, row, true),
    }
}

fn generate(model: &Validated) -> Sample {
    let mut sample = Sample::default();
    for d in model.dimension_order() {
        let data = dimension_rows(model, &sample, d);
        let by_key = data
            .rows
            .iter()
            .map(|r| (r.get(&d.key).map_or_else(String::new, Val::canonical), r.clone()))
            .collect();
        sample.members.insert(d.name.clone(), by_key);
        sample.tables.push((d.name.clone(), data));
    }
    for f in &model.facts {
        let data = fact_rows(model, &sample, f);
        sample.tables.push((f.name.clone(), data));
    }
    for b in &model.bridges {
        let data = bridge_rows(model, &sample, b);
        sample.tables.push((b.name.clone(), data));
    }
    sample
}

fn dimension_rows(model: &Validated, sample: &Sample, d: &Dimension) -> TableData {
    let columns = model.physical_columns(TableRef::Dimension(d));
    let date_like = is_date_dimension(model, &d.name);
    // (member, version, versions): two versions of every other member of an SCD2 dimension.
    let mut versions: Vec<(u64, u64, u64)> = Vec::new();
    let members = if date_like { DAYS.len() as u64 + 1 } else { MEMBERS };
    for m in 0..members {
        let n = if d.keeps_history() && m % 2 == 0 { 2 } else { 1 };
        versions.extend((1..=n).map(|v| (m, v, n)));
    }
    let mut data = TableData::default();
    for (i, &(m, version, count)) in versions.iter().enumerate() {
        let day = DAYS.get(m as usize).copied().unwrap_or(FAR);
        let current = version == count;
        let cells = columns
            .iter()
            .map(|c| {
                let cell = match c.origin {
                    Origin::SurrogateKey(_) => Cell::int(i as i64 + 1),
                    Origin::ValidFrom => Cell::timestamp(if version == 2 { "2024-03-01" } else { "2023-01-01" }),
                    Origin::ValidTo => Cell::timestamp(if current { "9999-12-31" } else { "2024-03-01" }),
                    Origin::IsCurrent => Cell::boolean(current),
                    Origin::Declared(j) => {
                        let column = &d.columns[j];
                        let history = d.scd_of(column) == model_core::ScdType::History;
                        let seed = m * 10 + if history { version } else { 0 };
                        let h = mix(&format!("{}.{}", d.name, column.name), seed);
                        match &column.kind {
                            _ if date_like && column.name == d.key => Cell::int(day),
                            ColumnKind::Attribute { sql_type, .. } if d.natural_key.contains(&column.name) => {
                                value(*sql_type, m + 1, true)
                            }
                            ColumnKind::Attribute {
                                sql_type: DataType::Date,
                                ..
                            } if date_like => Cell::date(day),
                            ColumnKind::Attribute { sql_type, .. } => value(*sql_type, h % 3, false),
                            ColumnKind::Reference { dimension, .. } if dimension == &d.name => {
                                if d.unknown_member {
                                    Cell::int(-1)
                                } else {
                                    Cell::null()
                                }
                            }
                            ColumnKind::Reference { dimension, .. } => {
                                pick(sample, model, dimension, h, h.is_multiple_of(4))
                            }
                            other => value(other_type(other), h % 3, false),
                        }
                    }
                    _ => Cell::null(),
                };
                (c.name.clone(), cell)
            })
            .collect();
        data.push(cells);
    }
    data
}

fn other_type(kind: &ColumnKind) -> DataType {
    match kind {
        ColumnKind::Attribute { sql_type, .. }
        | ColumnKind::Measure { sql_type, .. }
        | ColumnKind::Degenerate { sql_type } => *sql_type,
        _ => DataType::Number {
            precision: 38,
            scale: 0,
        },
    }
}

fn fact_rows(model: &Validated, sample: &Sample, f: &model_core::model::Fact) -> TableData {
    let columns = model.physical_columns(TableRef::Fact(f));
    let mut data = TableData::default();
    let mut grains = BTreeSet::new();
    for i in 0..FACT_ROWS {
        for attempt in 0..100 {
            let salt = |c: &str| format!("{}.{c}#{attempt}", f.name);
            let cells: Vec<(String, Cell)> = columns
                .iter()
                .map(|c| {
                    let h = mix(&salt(&c.name), i);
                    let cell = match c.origin {
                        Origin::SurrogateKey(_) => Cell::int(i as i64 + 1),
                        Origin::Declared(j) => {
                            let column = &f.columns[j];
                            match &column.kind {
                                // Anchors: rows 6 to 8 meet the bridges' validity boundaries.
                                ColumnKind::Reference { dimension, .. } if attempt == 0 && (6..=8).contains(&i) => {
                                    anchor(sample, model, dimension, i)
                                }
                                // Row 5 references every unknown member; others now and then.
                                ColumnKind::Reference { dimension, .. } => {
                                    pick(sample, model, dimension, h / 7, i == 5 || h.is_multiple_of(7))
                                }
                                ColumnKind::Measure { .. } if c.nullable && h.is_multiple_of(11) => Cell::null(),
                                ColumnKind::Measure { sql_type, .. } => value(*sql_type, 100 + h % 100_000, false),
                                kind if f.grain.columns.contains(&column.name) => {
                                    value(other_type(kind), 1000 + i, true)
                                }
                                kind => value(other_type(kind), h % 5, false),
                            }
                        }
                        _ => Cell::null(),
                    };
                    (c.name.clone(), cell)
                })
                .collect();
            let grain: Vec<String> = cells
                .iter()
                .filter(|(n, _)| f.grain.columns.contains(n))
                .map(|(_, c)| c.val.canonical())
                .collect();
            if grain.is_empty() || grains.insert(grain) {
                data.push(cells);
                break;
            }
        }
    }
    assert_eq!(
        data.rows.len() as u64,
        FACT_ROWS,
        "sample data: {} ran out of distinct grains",
        f.name
    );
    data
}

/// The side of a bridge that facts reach it from: the side weighted marts
/// use (their weights must sum to 1 per member of that side), else any mart's.
fn near_side(model: &Validated, b: &Bridge) -> usize {
    let mut marts: Vec<&Mart> = model.marts.iter().collect();
    marts.sort_by_key(|m| m.through.as_ref().is_none_or(|t| t.allocation != Allocation::Weighted));
    marts
        .iter()
        .filter_map(|m| m.through.as_ref().map(|t| (m, t)))
        .filter(|(_, t)| t.bridge == b.name)
        .find_map(|(m, t)| {
            let fact = model.facts.iter().find(|f| f.name == m.fact)?;
            let column = fact.columns.iter().find(|c| c.name == t.reference)?;
            match &column.kind {
                ColumnKind::Reference { dimension, .. } => b.dimensions.iter().position(|d| d == dimension),
                _ => None,
            }
        })
        .unwrap_or(0)
}

/// A date-valued cell of the type of a bridge's validity column.
fn day_cell(column: &PhysicalColumn, day: i64) -> Cell {
    match column.sql_type {
        DataType::Date => Cell::date(day),
        DataType::TimestampNtz => Cell::timestamp(&iso(day)),
        _ => Cell::int(day),
    }
}

fn bridge_rows(model: &Validated, sample: &Sample, b: &Bridge) -> TableData {
    let columns = model.physical_columns(TableRef::Bridge(b));
    let mut data = TableData::default();
    if b.dimensions.len() != 2 {
        return data;
    }
    let near = near_side(model, b);
    let near_keys = sample.real_keys(model, &b.dimensions[near]);
    let far_keys = sample.real_keys(model, &b.dimensions[1 - near]);
    if far_keys.is_empty() {
        return data;
    }
    let start = DAYS[0];
    let dated = b.effective.is_some();
    for (p, near_key) in near_keys.iter().enumerate() {
        let offset = mix(&b.name, p as u64) as usize;
        let far = |j: usize| &far_keys[(offset + j) % far_keys.len()];
        let team = far_keys.len().min(3);
        // (far member, weight in hundredths, from, to, current)
        let rows: Vec<(usize, i64, i64, i64, bool)> = match p % 4 {
            1 if team >= 2 => vec![(0, 50, start, FAR, true), (1, 50, start, FAR, true)],
            0 | 1 => vec![(0, 100, start, FAR, true)],
            2 => {
                let mut rows = if dated {
                    vec![(0, 100, start, CHANGE, false)]
                } else {
                    Vec::new()
                };
                let from = if dated { CHANGE } else { start };
                match team {
                    3 => rows.extend([
                        (0, 50, from, FAR, true),
                        (1, 30, from, FAR, true),
                        (2, 20, from, FAR, true),
                    ]),
                    2 => rows.extend([(0, 60, from, FAR, true), (1, 40, from, FAR, true)]),
                    _ => rows.push((0, 100, from, FAR, true)),
                }
                rows
            }
            _ => Vec::new(), // no team: the fact goes to the unknown member
        };
        for (j, &(f, weight, from, to, current)) in rows.iter().enumerate() {
            let cells = columns
                .iter()
                .map(|c| {
                    let eff = b.effective.as_ref();
                    let cell = match c.origin {
                        Origin::BridgeEnd(side) if side == near => Cell {
                            sql: sql_of(near_key),
                            val: near_key.clone(),
                        },
                        Origin::BridgeEnd(_) => Cell {
                            sql: sql_of(far(f)),
                            val: far(f).clone(),
                        },
                        _ if b.weight.as_deref() == Some(c.name.as_str()) => match c.sql_type {
                            DataType::Number { scale, .. } if scale >= 2 => {
                                Cell::decimal(weight * 10_i64.pow(u32::from(scale) - 2), u32::from(scale))
                            }
                            _ => Cell::decimal(weight, 2),
                        },
                        _ if eff.is_some_and(|e| e.from == c.name) => day_cell(c, from),
                        _ if eff.is_some_and(|e| e.to == c.name) => day_cell(c, to),
                        _ if eff.and_then(|e| e.current.as_deref()) == Some(c.name.as_str()) => Cell::boolean(current),
                        _ if b.group.as_deref() == Some(c.name.as_str()) => value(c.sql_type, p as u64 + 1, true),
                        _ if c.references.is_some() => pick(
                            sample,
                            model,
                            c.references.as_deref().unwrap_or_default(),
                            mix(&c.name, p as u64),
                            false,
                        ),
                        _ if c.sql_type == DataType::Boolean => Cell::boolean(j == 0),
                        _ => value(c.sql_type, mix(&c.name, p as u64) % 3, false),
                    };
                    (c.name.clone(), cell)
                })
                .collect();
            data.push(cells);
        }
    }
    data
}

fn sql_of(v: &Val) -> String {
    match v {
        Val::Num(x) => (x.round() as i64).to_string(),
        Val::Text(s) => Literal(s).to_string(),
        Val::Bool(b) => b.to_string().to_uppercase(),
        Val::Null => "NULL".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// What a mart should return, computed from the sample rows
// ---------------------------------------------------------------------------

/// The rows a mart (or current view) should return.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Output columns, in query order.
    pub columns: Vec<String>,
    /// Leading columns that identify a row (the group columns); for a star
    /// mart every column, and rows are compared as a multiset.
    pub key_len: usize,
    /// Compare as a multiset of whole rows (star marts).
    pub multiset: bool,
    /// The rows.
    pub rows: Vec<Vec<Val>>,
}

/// A total the mart must reconcile to.
#[derive(Debug, Clone)]
pub enum Check {
    /// The number of rows.
    Rows {
        /// Expected row count.
        rows: usize,
        /// Why that many.
        why: String,
    },
    /// The column's total over all rows.
    TotalEquals {
        /// The column.
        column: String,
        /// Expected total.
        total: f64,
        /// Why it must be that.
        why: String,
    },
    /// The column's total exceeds the fact's total.
    TotalExceeds {
        /// The column.
        column: String,
        /// The fact's total it must exceed.
        fact_total: f64,
        /// Why (impact allocation).
        why: String,
    },
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rows { rows, why } => write!(f, "rows = {rows} ({why})"),
            Self::TotalEquals { column, total, why } => write!(f, "Σ {column} = {total} ({why})"),
            Self::TotalExceeds {
                column,
                fact_total,
                why,
            } => write!(f, "Σ {column} > {fact_total} ({why})"),
        }
    }
}

/// Why the oracle cannot compute a mart's rows: it knows attributes, fact
/// columns and the aggregates of measures, not expressions, filters,
/// `ROLE.*` or the fact columns an aggregate groups by.
pub fn outside_oracle(mart: &Mart) -> Option<&'static str> {
    if !mart.derived.is_empty() {
        Some("derived measures")
    } else if mart.filter.is_some() {
        Some("a `where` filter")
    } else if mart.attributes.iter().any(|a| a.path.ends_with(".*")) {
        Some("`ROLE.*`")
    } else if mart.is_aggregate() && !mart.columns.is_empty() {
        Some("grouping by fact columns")
    } else {
        None
    }
}

/// The output columns of a mart, in order, and how many are group columns.
fn output_columns(mart: &Mart) -> (Vec<String>, usize) {
    let mut columns: Vec<String> = mart
        .attributes
        .iter()
        .map(|a| {
            a.name.clone().unwrap_or_else(|| {
                a.path
                    .split_once('.')
                    .map_or_else(|| a.path.clone(), |(r, c)| format!("{r}_{c}"))
            })
        })
        .collect();
    let groups = columns.len();
    columns.extend(mart.columns.iter().cloned());
    for aggregate in &mart.aggregates {
        columns.push(match aggregate {
            Aggregate::Sum(m) => m.clone(),
            Aggregate::Avg(m) => format!("{m}_AVG"),
            Aggregate::Min(m) => format!("{m}_MIN"),
            Aggregate::Max(m) => format!("{m}_MAX"),
            Aggregate::Count { name } | Aggregate::CountDistinct { name, .. } | Aggregate::Ratio { name, .. } => {
                name.clone()
            }
            other => panic!("aggregate {other:?} is new: teach emulator_marts.rs what it means"),
        });
    }
    let key_len = if mart.is_aggregate() { groups } else { columns.len() };
    (columns, key_len)
}

/// Where an output attribute comes from.
enum Source {
    /// A dimension joined on this fact reference column.
    Fact {
        column: String,
        dimension: String,
        attribute: String,
    },
    /// The dimension reached through the bridge.
    Reached { attribute: String },
}

/// The bridge of a mart, resolved from the model.
struct Through<'m> {
    rows: &'m [Row],
    fact_column: String,
    near_column: String,
    far_column: String,
    reached: String,
    weight: Option<String>,
    as_of: AsOf,
    bridge: &'m Bridge,
    dated: bool,
}

impl Through<'_> {
    /// The bridge rows a fact row joins (`LEFT JOIN b ON b.near = f.ref AND <as of>`).
    fn matches<'r>(&'r self, fact: &Row) -> Vec<&'r Row> {
        let Some(reference) = fact.get(&self.fact_column) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter(|b| {
                b.get(&self.near_column)
                    .is_some_and(|k| k.canonical() == reference.canonical())
            })
            .filter(|b| match &self.as_of {
                AsOf::Current => {
                    let current = self.bridge.effective.as_ref().and_then(|e| e.current.as_ref());
                    current.is_some_and(|c| b.get(c) == Some(&Val::Bool(true)))
                }
                AsOf::FactDate(column) => {
                    let Some(e) = &self.bridge.effective else { return false };
                    let day = fact.get(column).and_then(day_of);
                    let from = b.get(&e.from).and_then(day_of);
                    let to = b.get(&e.to).and_then(day_of);
                    matches!((from, day, to), (Some(from), Some(day), Some(to)) if from <= day && day < to)
                }
                _ => true,
            })
            .collect()
    }

    /// `COALESCE(b.weight, 1)` for a weighted mart, 1 for impact.
    fn weight(&self, bridge: Option<&Row>) -> f64 {
        match (&self.weight, bridge) {
            (Some(w), Some(b)) => b.get(w).and_then(Val::num).unwrap_or(1.0),
            _ => 1.0,
        }
    }
}

fn resolve_through<'m>(model: &'m Model, sample: &'m Sample, mart: &Mart) -> Result<Option<Through<'m>>, String> {
    let Some(t) = &mart.through else { return Ok(None) };
    let bridge = model
        .bridges
        .iter()
        .find(|b| b.name == t.bridge)
        .ok_or_else(|| format!("no bridge {}", t.bridge))?;
    let fact = model
        .facts
        .iter()
        .find(|f| f.name == mart.fact)
        .ok_or_else(|| format!("no fact {}", mart.fact))?;
    let near_dim = fact
        .columns
        .iter()
        .find(|c| c.name == t.reference)
        .and_then(|c| match &c.kind {
            ColumnKind::Reference { dimension, .. } => Some(dimension.clone()),
            _ => None,
        })
        .ok_or_else(|| format!("{} is not a reference of {}", t.reference, fact.name))?;
    let side = bridge
        .dimensions
        .iter()
        .position(|d| *d == near_dim)
        .ok_or_else(|| format!("{} does not join {near_dim}", bridge.name))?;
    let ends: Vec<PhysicalColumn> = model
        .physical_columns(TableRef::Bridge(bridge))
        .into_iter()
        .filter(|c| matches!(c.origin, Origin::BridgeEnd(_)))
        .collect();
    let end = |i: usize| {
        ends.iter()
            .find(|c| c.origin == Origin::BridgeEnd(i))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let weight = match t.allocation {
        Allocation::Weighted => bridge.weight.clone(),
        Allocation::Impact => None,
        other => {
            return Err(format!(
                "allocation {other:?} is new: teach emulator_marts.rs what it means"
            ));
        }
    };
    match &t.as_of {
        AsOf::All | AsOf::Current | AsOf::FactDate(_) => {}
        other => return Err(format!("as_of {other:?} is new: teach emulator_marts.rs what it means")),
    }
    Ok(Some(Through {
        rows: sample.rows(&bridge.name),
        fact_column: t.reference.clone(),
        near_column: end(side),
        far_column: end(1 - side),
        reached: bridge.dimensions[1 - side].clone(),
        weight,
        as_of: t.as_of.clone(),
        bridge,
        dated: bridge.effective.is_some(),
    }))
}

/// One aggregate's running state over a group.
#[derive(Debug, Clone)]
enum Acc {
    Sum(Option<f64>),
    Avg(f64, usize),
    Min(Option<f64>),
    Max(Option<f64>),
    Count(f64),
    Distinct(BTreeSet<String>),
    Ratio(Option<f64>, Option<f64>),
}

fn add(total: &mut Option<f64>, x: Option<f64>) {
    if let Some(x) = x {
        *total = Some(total.unwrap_or(0.0) + x);
    }
}

impl Acc {
    fn new(aggregate: &Aggregate) -> Self {
        match aggregate {
            Aggregate::Sum(_) => Self::Sum(None),
            Aggregate::Avg(_) => Self::Avg(0.0, 0),
            Aggregate::Min(_) => Self::Min(None),
            Aggregate::Max(_) => Self::Max(None),
            Aggregate::CountDistinct { .. } => Self::Distinct(BTreeSet::new()),
            Aggregate::Ratio { .. } => Self::Ratio(None, None),
            _ => Self::Count(0.0),
        }
    }

    /// Add one joined row (the fact row and the weight of its bridge row).
    fn update(&mut self, aggregate: &Aggregate, fact: &Row, weight: f64) {
        let num = |m: &str| fact.get(m).and_then(Val::num);
        match (self, aggregate) {
            (Self::Sum(total), Aggregate::Sum(m)) => add(total, num(m).map(|x| x * weight)),
            (Self::Avg(sum, n), Aggregate::Avg(m)) => {
                if let Some(x) = num(m) {
                    *sum += x;
                    *n += 1;
                }
            }
            (Self::Min(min), Aggregate::Min(m)) => {
                if let Some(x) = num(m) {
                    *min = Some(min.map_or(x, |v| v.min(x)));
                }
            }
            (Self::Max(max), Aggregate::Max(m)) => {
                if let Some(x) = num(m) {
                    *max = Some(max.map_or(x, |v| v.max(x)));
                }
            }
            (Self::Count(n), _) => *n += weight,
            (Self::Distinct(set), Aggregate::CountDistinct { column, .. }) => {
                if let Some(v) = fact.get(column).filter(|v| **v != Val::Null) {
                    set.insert(v.canonical());
                }
            }
            (
                Self::Ratio(a, b),
                Aggregate::Ratio {
                    numerator, denominator, ..
                },
            ) => {
                add(a, num(numerator).map(|x| x * weight));
                add(b, num(denominator).map(|x| x * weight));
            }
            _ => {}
        }
    }

    fn result(&self) -> Val {
        let opt = |x: &Option<f64>| x.map_or(Val::Null, Val::Num);
        match self {
            Self::Sum(x) | Self::Min(x) | Self::Max(x) => opt(x),
            Self::Avg(_, 0) => Val::Null,
            Self::Avg(sum, n) => Val::Num(sum / *n as f64),
            Self::Count(n) => Val::Num(*n),
            Self::Distinct(set) => Val::Num(set.len() as f64),
            // SUM(a) / NULLIF(SUM(b), 0)
            Self::Ratio(Some(a), Some(b)) if b.abs() > 0.0 => Val::Num(a / b),
            Self::Ratio(..) => Val::Null,
        }
    }
}

/// The expected rows of a mart and the totals it must reconcile to.
fn expected_mart(model: &Validated, sample: &Sample, mart: &Mart) -> Result<(Expected, Vec<Check>), String> {
    let fact = model
        .facts
        .iter()
        .find(|f| f.name == mart.fact)
        .ok_or_else(|| format!("no fact {}", mart.fact))?;
    let fact_rows = sample.rows(&fact.name);
    let (columns, key_len) = output_columns(mart);
    let through = resolve_through(model, sample, mart)?;
    // The fact's references by role (the role, or the column without _KEY/_ID).
    let roles: BTreeMap<String, (String, String)> = fact
        .columns
        .iter()
        .filter_map(|c| match &c.kind {
            ColumnKind::Reference { dimension, role } => Some((
                role.clone().unwrap_or_else(|| default_role(&c.name)).to_uppercase(),
                (c.name.clone(), dimension.clone()),
            )),
            _ => None,
        })
        .collect();
    let sources: Vec<Source> = mart
        .attributes
        .iter()
        .map(|a| {
            let (role, attribute) = a.path.split_once('.').ok_or_else(|| format!("attribute {}", a.path))?;
            let attribute = attribute.to_owned();
            if mart.through.as_ref().is_some_and(|t| t.role.eq_ignore_ascii_case(role)) {
                return Ok(Source::Reached { attribute });
            }
            let (column, dimension) = roles.get(&role.to_uppercase()).ok_or_else(|| format!("role {role}"))?;
            Ok(Source::Fact {
                column: column.clone(),
                dimension: dimension.clone(),
                attribute,
            })
        })
        .collect::<Result<_, String>>()?;
    // What a weighted allocation splits: additive and semi-additive measures.
    // A non-additive value (a rate, a price) is the same for every member.
    let is_measure = |name: &str| {
        fact.columns.iter().any(|c| {
            c.name == name
                && matches!(c.kind, ColumnKind::Measure { additivity, .. } if additivity != model_core::Additivity::NonAdditive)
        })
    };

    // Every fact row joined to its bridge rows (or to none: one row with NULLs).
    let mut joined: Vec<(&Row, Option<&Row>, f64)> = Vec::new();
    let mut max_fanout = 0;
    let mut weights_sum_to_one = true;
    for f in fact_rows {
        let matches = through.as_ref().map(|t| t.matches(f)).unwrap_or_default();
        max_fanout = max_fanout.max(matches.len());
        if let Some(t) = &through {
            if t.weight.is_some() && !matches.is_empty() {
                weights_sum_to_one &= close(matches.iter().map(|b| t.weight(Some(b))).sum(), 1.0);
            }
            if matches.is_empty() {
                joined.push((f, None, 1.0));
            }
            joined.extend(matches.iter().map(|b| (f, Some(*b), t.weight(Some(b)))));
        } else {
            joined.push((f, None, 1.0));
        }
    }
    let attributes = |f: &Row, b: Option<&Row>| -> Vec<Val> {
        sources
            .iter()
            .map(|s| {
                let (dimension, key, attribute) = match s {
                    Source::Fact {
                        column,
                        dimension,
                        attribute,
                    } => (
                        dimension.as_str(),
                        f.get(column).cloned().unwrap_or(Val::Null),
                        attribute,
                    ),
                    // LEFT JOIN r ON r.key = COALESCE(b.far, -1)
                    Source::Reached { attribute } => {
                        let t = through.as_ref().expect("a reached attribute has a bridge");
                        let far = b.and_then(|b| b.get(&t.far_column)).cloned().unwrap_or(Val::Num(-1.0));
                        (t.reached.as_str(), far, attribute)
                    }
                };
                sample
                    .member(dimension, &key)
                    .and_then(|r| r.get(attribute))
                    .cloned()
                    .unwrap_or(Val::Null)
            })
            .collect()
    };

    let rows: Vec<Vec<Val>> = if mart.is_aggregate() {
        let mut groups: BTreeMap<String, (Vec<Val>, Vec<Acc>)> = BTreeMap::new();
        for &(f, b, w) in &joined {
            let key = attributes(f, b);
            let entry = groups
                .entry(key_of(&key))
                .or_insert_with(|| (key, mart.aggregates.iter().map(Acc::new).collect()));
            for (acc, aggregate) in entry.1.iter_mut().zip(&mart.aggregates) {
                acc.update(aggregate, f, w);
            }
        }
        if groups.is_empty() && mart.attributes.is_empty() {
            // No GROUP BY: one row even over no facts.
            groups.insert(
                String::new(),
                (Vec::new(), mart.aggregates.iter().map(Acc::new).collect()),
            );
        }
        groups
            .into_values()
            .map(|(mut key, accs)| {
                key.extend(accs.iter().map(Acc::result));
                key
            })
            .collect()
    } else {
        joined
            .iter()
            .map(|&(f, b, w)| {
                let mut row = attributes(f, b);
                row.extend(mart.columns.iter().map(|c| {
                    let v = f.get(c).cloned().unwrap_or(Val::Null);
                    match v {
                        Val::Num(x) if is_measure(c) => Val::Num(x * w),
                        v => v,
                    }
                }));
                row
            })
            .collect()
    };

    // Totals to reconcile, computed from the fact rows alone.
    let fact_total = |m: &str| {
        fact_rows
            .iter()
            .filter_map(|r| r.get(m).and_then(Val::num))
            .sum::<f64>()
    };
    let mut checks = Vec::new();
    let summed: Vec<&String> = mart
        .columns
        .iter()
        .filter(|c| is_measure(c))
        .chain(mart.aggregates.iter().filter_map(|a| match a {
            Aggregate::Sum(m) => Some(m),
            _ => None,
        }))
        .collect();
    let count = mart.aggregates.iter().find_map(|a| match a {
        Aggregate::Count { name } => Some(name),
        _ => None,
    });
    match &through {
        None => {
            if !mart.is_aggregate() {
                checks.push(Check::Rows {
                    rows: fact_rows.len(),
                    why: "one row per fact row".into(),
                });
            }
            for m in &summed {
                checks.push(Check::TotalEquals {
                    column: (*m).clone(),
                    total: fact_total(m),
                    why: format!("the total of {}.{m}", fact.name),
                });
            }
            if let Some(name) = count {
                checks.push(Check::TotalEquals {
                    column: name.clone(),
                    total: fact_rows.len() as f64,
                    why: format!("the rows of {}", fact.name),
                });
            }
        }
        Some(t) => {
            if !mart.is_aggregate() {
                checks.push(Check::Rows {
                    rows: joined.len(),
                    why: format!("fact rows x their {} rows", t.bridge.name),
                });
            }
            // Validity boundaries are exercised: a fact on the first day of a
            // bridge row (included) and one on the last day of another (excluded).
            if let (AsOf::FactDate(column), Some(e)) = (&t.as_of, &t.bridge.effective) {
                let on = |f: &Row, b: &Row, end: &str| {
                    b.get(&t.near_column).map(Val::canonical) == f.get(&t.fact_column).map(Val::canonical)
                        && b.get(end).and_then(day_of).is_some_and(|d| d != DAYS[0])
                        && b.get(end).and_then(day_of) == f.get(column).and_then(day_of)
                };
                for end in [&e.from, &e.to] {
                    if !fact_rows.iter().any(|f| t.rows.iter().any(|b| on(f, b, end))) {
                        return Err(format!(
                            "sample data: no fact falls on a {}.{end} boundary",
                            t.bridge.name
                        ));
                    }
                }
            }
            // The sample must exercise the bridge: some fact reaches several rows.
            if max_fanout < 2 {
                return Err(format!(
                    "sample data: no {} row joins several {} rows; the mart's allocation is not exercised",
                    fact.name, t.bridge.name
                ));
            }
            if t.weight.is_some() {
                let keeps_totals = t.as_of != AsOf::All || !t.dated;
                if keeps_totals && !weights_sum_to_one {
                    return Err(format!(
                        "sample data: the weights of {} do not sum to 1 for every fact row",
                        t.bridge.name
                    ));
                }
                if keeps_totals {
                    for m in &summed {
                        checks.push(Check::TotalEquals {
                            column: (*m).clone(),
                            total: fact_total(m),
                            why: format!("weighted: the total of {}.{m}", fact.name),
                        });
                    }
                    if let Some(name) = count {
                        checks.push(Check::TotalEquals {
                            column: name.clone(),
                            total: fact_rows.len() as f64,
                            why: format!("weighted: the rows of {}", fact.name),
                        });
                    }
                }
            } else {
                for m in &summed {
                    let multiplied = fact_rows.iter().any(|f| {
                        f.get(m.as_str()).and_then(Val::num).is_some_and(|x| x > 0.0) && t.matches(f).len() > 1
                    });
                    if !multiplied {
                        return Err(format!(
                            "sample data: no positive {m} reaches several {} rows",
                            t.bridge.name
                        ));
                    }
                    checks.push(Check::TotalExceeds {
                        column: (*m).clone(),
                        fact_total: fact_total(m),
                        why: "impact: a fact with several bridge rows counts under each".into(),
                    });
                }
                if let Some(name) = count {
                    checks.push(Check::TotalExceeds {
                        column: name.clone(),
                        fact_total: fact_rows.len() as f64,
                        why: "impact: a fact with several bridge rows counts under each".into(),
                    });
                }
            }
        }
    }
    Ok((
        Expected {
            columns,
            key_len,
            multiset: !mart.is_aggregate(),
            rows,
        },
        checks,
    ))
}

/// The columns of a current view: the dimension's without SCD2 housekeeping.
fn current_columns(model: &Validated, d: &Dimension) -> Vec<String> {
    model
        .physical_columns(TableRef::Dimension(d))
        .into_iter()
        .filter(|c| !matches!(c.origin, Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent))
        .map(|c| c.name)
        .collect()
}

/// A current view's rows: the current version of every member, unknown member included.
fn expected_current(model: &Validated, sample: &Sample, d: &Dimension) -> Expected {
    let columns = current_columns(model, d);
    let rows = sample
        .members
        .get(&d.name)
        .into_iter()
        .flat_map(BTreeMap::values)
        .filter(|r| r.get(model_core::scd2::IS_CURRENT) == Some(&Val::Bool(true)))
        .map(|r| columns.iter().map(|c| r.get(c).cloned().unwrap_or(Val::Null)).collect())
        .collect();
    Expected {
        columns,
        key_len: 1,
        multiset: false,
        rows,
    }
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// At most this many differences are listed per mart.
const MAX_REPORTED: usize = 8;

/// Every difference between what a mart should return and what it returned.
pub fn compare(label: &str, expected: &Expected, actual: &[Vec<Value>]) -> Vec<String> {
    let actual: Vec<Vec<Val>> = actual.iter().map(|r| r.iter().map(Val::from_json).collect()).collect();
    let mut problems = Vec::new();
    let width = expected.columns.len();
    if let Some(bad) = actual.iter().find(|r| r.len() != width) {
        return vec![format!(
            "{label}: a row has {} columns, expected {width}: {}",
            bad.len(),
            show(bad)
        )];
    }
    if expected.multiset {
        let mut want: Vec<&Vec<Val>> = expected.rows.iter().collect();
        let mut got: Vec<&Vec<Val>> = actual.iter().collect();
        want.sort_by_cached_key(|r| key_of(r));
        got.sort_by_cached_key(|r| key_of(r));
        if want.len() == got.len() {
            for (w, g) in want.iter().zip(&got) {
                if !w.iter().zip(g.iter()).all(|(a, b)| a.approx_eq(b)) {
                    let diff: Vec<String> = expected
                        .columns
                        .iter()
                        .zip(w.iter().zip(g.iter()))
                        .filter(|(_, (a, b))| !a.approx_eq(b))
                        .map(|(c, (a, b))| format!("{c}: expected {a}, got {b}"))
                        .collect();
                    problems.push(format!("{label}: row ({}) differs: {}", show(w), diff.join("; ")));
                }
            }
        } else {
            problems.push(format!("{label}: {} rows, expected {}", got.len(), want.len()));
            let want_keys: BTreeSet<String> = want.iter().map(|r| key_of(r)).collect();
            let got_keys: BTreeSet<String> = got.iter().map(|r| key_of(r)).collect();
            for missing in want_keys.difference(&got_keys).take(MAX_REPORTED) {
                problems.push(format!("{label}: missing row ({missing})"));
            }
            for extra in got_keys.difference(&want_keys).take(MAX_REPORTED) {
                problems.push(format!("{label}: unexpected row ({extra})"));
            }
        }
    } else {
        let k = expected.key_len;
        let mut got: BTreeMap<String, &Vec<Val>> = BTreeMap::new();
        for row in &actual {
            if got.insert(key_of(&row[..k]), row).is_some() {
                problems.push(format!("{label}: group ({}) appears twice", show(&row[..k])));
            }
        }
        let mut seen = BTreeSet::new();
        for w in &expected.rows {
            let key = key_of(&w[..k]);
            seen.insert(key.clone());
            let Some(g) = got.get(&key) else {
                problems.push(format!(
                    "{label}: missing group ({}): expected {}",
                    show(&w[..k]),
                    show(&w[k..])
                ));
                continue;
            };
            for (c, (a, b)) in expected.columns.iter().zip(w.iter().zip(g.iter())).skip(k) {
                if !a.approx_eq(b) {
                    problems.push(format!("{label}: group ({}): {c} expected {a}, got {b}", show(&w[..k])));
                }
            }
        }
        for (key, row) in &got {
            if !seen.contains(key) {
                problems.push(format!("{label}: unexpected group ({})", show(row)));
            }
        }
    }
    if problems.len() > MAX_REPORTED {
        let more = problems.len() - MAX_REPORTED;
        problems.truncate(MAX_REPORTED);
        problems.push(format!("{label}: ... and {more} more differences"));
    }
    problems
}

/// The totals a mart reconciles to, on its actual rows.
pub fn check_totals(label: &str, columns: &[String], checks: &[Check], actual: &[Vec<Value>]) -> Vec<String> {
    let total = |column: &str| -> Option<f64> {
        let i = columns.iter().position(|c| c == column)?;
        Some(
            actual
                .iter()
                .filter_map(|r| r.get(i).map(Val::from_json).and_then(|v| v.num()))
                .sum(),
        )
    };
    checks
        .iter()
        .filter_map(|check| match check {
            Check::Rows { rows, .. } if actual.len() != *rows => {
                Some(format!("{label}: {} rows, want {check}", actual.len()))
            }
            Check::TotalEquals {
                column, total: want, ..
            } => match total(column) {
                Some(got) if close(got, *want) => None,
                got => Some(format!("{label}: Σ {column} is {got:?}, want {check}")),
            },
            Check::TotalExceeds { column, fact_total, .. } => match total(column) {
                Some(got) if got > *fact_total + 1e-6 => None,
                got => Some(format!("{label}: Σ {column} is {got:?}, want {check}")),
            },
            Check::Rows { .. } => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

fn qualified(db: &str, schema: &str, table: &str) -> String {
    format!("{}.{}.{}", Ident(db), Ident(schema), Ident(table))
}

fn select(db: &str, schema: &str, object: &str, columns: &[String], order_by: usize) -> String {
    let names: Vec<String> = columns.iter().map(|c| Ident(c).to_string()).collect();
    let order: Vec<String> = (1..=order_by.max(1)).map(|i| i.to_string()).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        names.join(", "),
        qualified(db, schema, object),
        order.join(", ")
    )
}

/// One model's part of the emulator session.
struct ModelRun {
    label: String,
    model: Validated,
    sample: Sample,
    /// Steps that must succeed: DDL, sample inserts, mart creation.
    must_succeed: Vec<usize>,
    /// (dimension, step reading its unknown member back).
    unknown: Vec<(String, usize)>,
    /// (mart index, query step).
    marts: Vec<(usize, usize)>,
    /// (dimension, query step of its current view).
    currents: Vec<(String, usize)>,
}

fn plan_model(model: Validated, stem: &str, steps: &mut Vec<Step>) -> ModelRun {
    let env = model.environments.first().expect("a model has an environment").clone();
    let resolve = |text: &str| model_core::interpolate::resolve(text, &env.name, &env.vars).expect("resolves");
    let (db, schema) = (resolve(&model.database), resolve(&env.schema));
    let deployment = dimgen::generate(&model, &env.name).expect("generate");
    let sample = generate(&model);
    let (mut must_succeed, mut unknown, mut marts, mut currents) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let push = |steps: &mut Vec<Step>, step: Step| {
        steps.push(step);
        steps.len() - 1
    };
    // 1. database, schema, sequences, tables, unknown members.
    for (file, statement) in deployment.statements() {
        if (file.starts_with("01_") || file.starts_with("02_")) && !NOT_EXECUTABLE.contains(&statement.kind()) {
            must_succeed.push(push(steps, Step::exec(statement.to_string())));
        }
    }
    // 2. the unknown members the DDL inserted, as sample input.
    for d in model.dimensions.iter().filter(|d| d.unknown_member) {
        let columns: Vec<String> = model
            .physical_columns(TableRef::Dimension(d))
            .iter()
            .map(|c| Ident(&c.name).to_string())
            .collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = -1",
            columns.join(", "),
            qualified(&db, &schema, &d.name),
            Ident(&d.key)
        );
        unknown.push((d.name.clone(), push(steps, Step::query(sql))));
    }
    // 3. sample rows, in dependency order.
    for (table, data) in &sample.tables {
        if !data.rows.is_empty() {
            let sql = data.insert_sql(&qualified(&db, &schema, table));
            must_succeed.push(push(steps, Step::exec(sql)));
        }
    }
    // 4. every mart and current view (secure views and dynamic tables as plain views).
    for (file, statement) in deployment.statements() {
        if file.starts_with("03_") {
            let sql = statement
                .as_plain_view()
                .unwrap_or_else(|| statement.clone())
                .to_string();
            must_succeed.push(push(steps, Step::exec(sql)));
        }
    }
    // 5. their rows, ordered by the group columns (compared by group, whatever the order).
    for (index, mart) in model.marts.iter().enumerate() {
        if let Some(why) = outside_oracle(mart) {
            // Created above, so its SQL still runs; its numbers are checked by
            // emulator_marts.rs's hand-computed expression tests.
            eprintln!("{stem}: {} not compared by the oracle: {why}", mart.name);
            continue;
        }
        let (columns, key_len) = output_columns(mart);
        let sql = select(&db, &schema, &mart.name, &columns, key_len);
        marts.push((index, push(steps, Step::query(sql))));
    }
    for d in model.dimensions.iter().filter(|d| d.keeps_history()) {
        let view = model_core::marts::current_view_name(d);
        let sql = select(&db, &schema, &view, &current_columns(&model, d), 1);
        currents.push((d.name.clone(), push(steps, Step::query(sql))));
    }
    ModelRun {
        label: format!("{stem} ({})", env.name),
        model,
        sample,
        must_succeed,
        unknown,
        marts,
        currents,
    }
}

/// Check one model's results; returns the problems and a line per mart.
fn check_model(run: &mut ModelRun, outcomes: &[crate::emulator::Outcome], steps: &[Step]) -> Vec<String> {
    let label = run.label.clone();
    let mut problems = Vec::new();
    for &i in &run.must_succeed {
        if let Some(error) = &outcomes[i].error {
            let sql: String = steps[i].sql.chars().take(1500).collect();
            problems.push(format!("{label}: statement failed: {error}\n{sql}"));
        }
    }
    for (dimension, i) in &run.unknown {
        let outcome = &outcomes[*i];
        let Some(row) = outcome.rows.first().filter(|_| outcome.rows.len() == 1) else {
            problems.push(format!(
                "{label}: {dimension} has {} unknown-member rows",
                outcome.rows.len()
            ));
            continue;
        };
        let d = run.model.dimension(dimension).expect("dimension");
        let columns = run.model.physical_columns(TableRef::Dimension(d));
        let member: Row = columns
            .iter()
            .zip(row)
            .map(|(c, v)| (c.name.clone(), Val::from_json(v)))
            .collect();
        run.sample
            .members
            .entry(dimension.clone())
            .or_default()
            .insert(Val::Num(-1.0).canonical(), member);
    }
    // SCD2 history is in the sample: some member has two versions.
    for d in run.model.dimensions.iter().filter(|d| d.keeps_history()) {
        let rows = run.sample.rows(&d.name);
        let naturals: BTreeSet<String> = rows
            .iter()
            .map(|r| key_of(&d.natural_key.iter().map(|k| r[k].clone()).collect::<Vec<_>>()))
            .collect();
        assert!(
            naturals.len() < rows.len(),
            "sample data: {} has no member with two versions",
            d.name
        );
    }
    let mut corrupted_once = false;
    for &(index, i) in &run.marts {
        let mart = &run.model.marts[index];
        let mart_label = format!("{label} {}", mart.name);
        let outcome = &outcomes[i];
        if let Some(error) = &outcome.error {
            problems.push(format!("{mart_label}: query failed: {error}"));
            continue;
        }
        let (expected, checks) = match expected_mart(&run.model, &run.sample, mart) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{mart_label}: {e}"));
                continue;
            }
        };
        let mut found = compare(&mart_label, &expected, &outcome.rows);
        found.extend(check_totals(&mart_label, &expected.columns, &checks, &outcome.rows));
        let shape = match (&mart.through, mart.is_aggregate()) {
            (None, false) => "star".to_owned(),
            (None, true) => "aggregate".to_owned(),
            (Some(t), aggregate) => format!(
                "{} through {} ({:?}, as of {:?})",
                if aggregate { "aggregate" } else { "star" },
                t.bridge,
                t.allocation,
                t.as_of
            ),
        };
        eprintln!(
            "{mart_label}: {shape}: {} rows x {} columns compared{}; {}",
            expected.rows.len(),
            expected.columns.len(),
            if found.is_empty() { "" } else { " (DIFFERENT)" },
            checks.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        );
        // The comparison can fail: one corrupted expected number must be reported.
        if found.is_empty() && !corrupted_once && mart.is_aggregate() {
            corrupted_once = true;
            let mut wrong = expected.clone();
            let corrupted = wrong
                .rows
                .iter_mut()
                .flat_map(|r| r.iter_mut().enumerate().skip(expected.key_len))
                .find_map(|(c, v)| v.num().map(|x| (c, x, v)));
            if let Some((c, x, v)) = corrupted {
                *v = Val::Num(x + 1.0 + x.abs() * 0.01);
                let reported = compare(&mart_label, &wrong, &outcome.rows);
                if reported.len() != 1 || !reported[0].contains(&expected.columns[c]) {
                    problems.push(format!(
                        "{mart_label}: a corrupted expected {} was not reported as the one difference: {reported:?}",
                        expected.columns[c]
                    ));
                }
            }
        }
        problems.extend(found);
    }
    for (dimension, i) in &run.currents {
        let d = run.model.dimension(dimension).expect("dimension").clone();
        let view_label = format!("{label} {}", model_core::marts::current_view_name(&d));
        let outcome = &outcomes[*i];
        if let Some(error) = &outcome.error {
            problems.push(format!("{view_label}: query failed: {error}"));
            continue;
        }
        let expected = expected_current(&run.model, &run.sample, &d);
        problems.extend(compare(&view_label, &expected, &outcome.rows));
        // Exactly one row per natural key.
        let positions: Vec<usize> = d
            .natural_key
            .iter()
            .filter_map(|k| expected.columns.iter().position(|c| c == k))
            .collect();
        let naturals: BTreeSet<String> = outcome
            .rows
            .iter()
            .map(|r| key_of(&positions.iter().map(|&p| Val::from_json(&r[p])).collect::<Vec<_>>()))
            .collect();
        if naturals.len() != outcome.rows.len() {
            problems.push(format!(
                "{view_label}: {} rows for {} natural keys",
                outcome.rows.len(),
                naturals.len()
            ));
        }
        eprintln!(
            "{view_label}: current view: {} rows compared, one per natural key",
            expected.rows.len()
        );
    }
    problems
}

/// A model with every mart shape the emulator must get right, beyond what
/// the models in `schemas/` declare (`tests/fixtures/emulator/mart_lab.toml`
/// says which).
pub const MART_LAB: &str = include_str!("../fixtures/emulator/mart_lab.toml");

/// The statements that deploy a model's tables into `db.schema` and fill
/// them with the sample rows the mart oracle uses (a `schema` other than the
/// environment's: the model is deployed there). For tests that need a
/// filled warehouse, such as the masking test.
pub fn filled_tables(model: &Validated, env: &str) -> Vec<String> {
    let environment = model.environment(env).expect("environment");
    let resolve =
        |text: &str| model_core::interpolate::resolve(text, &environment.name, &environment.vars).expect("resolves");
    let (db, schema) = (resolve(&model.database), resolve(&environment.schema));
    let deployment = dimgen::generate(model, env).expect("generate");
    let mut out: Vec<String> = deployment
        .statements()
        .filter(|(file, s)| (file.starts_with("01_") || file.starts_with("02_")) && !NOT_EXECUTABLE.contains(&s.kind()))
        .map(|(_, s)| s.to_string())
        .collect();
    for (table, data) in &generate(model).tables {
        if !data.rows.is_empty() {
            out.push(data.insert_sql(&qualified(&db, &schema, table)));
        }
    }
    out
}

/// Load the lab model (or a text extending it), panicking with the
/// rendered diagnostics.
pub fn lab_model(text: &str) -> Validated {
    match model_core::load_str("tests/fixtures/emulator/mart_lab.toml", text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!("{}", e.diagnostics.render(100)),
    }
}

/// Run the models in one emulator session; every problem found.
pub fn run_models(emulator: &Emulator, models: Vec<(Validated, String)>) -> Vec<String> {
    let started = Instant::now();
    let mut steps = Vec::new();
    let mut runs: Vec<ModelRun> = models
        .into_iter()
        .map(|(model, stem)| plan_model(model, &stem, &mut steps))
        .collect();
    let outcomes = emulator.run(&steps);
    let mut problems = Vec::new();
    for run in &mut runs {
        let found = check_model(run, &outcomes, &steps);
        eprintln!(
            "{}: {} marts and {} current views checked, {} problem(s)",
            run.label,
            run.marts.len(),
            run.currents.len(),
            found.len()
        );
        problems.extend(found);
    }
    eprintln!(
        "{} statements in one emulator session, {:.1?}",
        steps.len(),
        started.elapsed()
    );
    problems
}
