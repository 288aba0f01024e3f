//! What the documents say about the model, worked out once for the three
//! printers (Markdown, HTML, dbt): the relationships, what every column is,
//! which marts use which columns, which load fills which table, and which
//! roles read what. Names are resolved for the environment.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use model_core::expression::Alias;
use model_core::ingest::{Landing, Loaded, Resolved};
use model_core::marts::{AsOfJoin, Expr, MartPlan};
use model_core::model::{
    Access, Additivity, Aggregate, Allocation, ColumnKind, DAY_NAMES, DatePart, Dimension, Grant, MONTH_NAMES, Mart,
    MartKind, Role, Scope,
};
use model_core::{Origin, PhysicalColumn, TableRef, default_role};

use crate::ddl::{Target, unknown_value};
use crate::writer::Value;

/// One table of the model as the documents show it.
#[allow(clippy::struct_field_names)] // `table.table`: the model's table behind the description
pub(crate) struct Table<'m> {
    pub table: TableRef<'m>,
    pub columns: Vec<ColumnDoc<'m>>,
    /// Marts that read the table.
    pub marts: BTreeSet<&'m str>,
    /// Loads (indexes into the model's loads) that fill it.
    pub loads: Vec<usize>,
    /// Roles that may read it, by the grants that say so, with their access.
    pub readers: Vec<(String, &'static str)>,
}

/// One physical column.
pub(crate) struct ColumnDoc<'m> {
    pub physical: &'m PhysicalColumn,
    /// What it is in the model, in words: `surrogate key`, `measure`, ...
    pub role: ColumnRole,
    /// SCD type (dimension attributes).
    pub scd: Option<u8>,
    /// Measures: additivity, and the time reference it is not summed across.
    pub additivity: Option<(Additivity, Option<&'m str>)>,
    /// PII class and mask, and the roles that read it in clear.
    pub pii: Option<(&'static str, &'static str, Vec<String>)>,
    /// The referenced dimension and the role it plays.
    pub reference: Option<(&'m str, String)>,
    /// Marts that use the column.
    pub marts: BTreeSet<&'m str>,
    /// The values it can hold, when the model knows them (a generated
    /// calendar's names), the unknown member's included.
    pub accepted: Option<Vec<Accepted>>,
}

/// A value a column accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Accepted {
    Text(String),
    Number(i64),
}

impl std::fmt::Display for Accepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(s) => f.write_str(s),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

/// What a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnRole {
    SurrogateKey,
    SmartKey,
    NaturalKey,
    Reference,
    BridgeEnd,
    Measure,
    Degenerate,
    Attribute,
    ScdHousekeeping,
}

impl ColumnRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SurrogateKey => "surrogate key",
            Self::SmartKey => "key (natural)",
            Self::NaturalKey => "natural key",
            Self::Reference => "reference",
            Self::BridgeEnd => "bridge end",
            Self::Measure => "measure",
            Self::Degenerate => "degenerate",
            Self::Attribute => "attribute",
            Self::ScdHousekeeping => "SCD2 housekeeping",
        }
    }
}

/// A foreign key of the model: `from.column` → `to`'s key.
pub(crate) struct Relationship<'m> {
    pub from: &'m str,
    pub column: &'m str,
    pub to: &'m str,
    /// The role the dimension plays (the column name for a bridge end).
    pub role: String,
    /// Whether the reference may be NULL (zero or one dimension row).
    pub optional: bool,
}

/// A bridge: the two dimensions it relates many-to-many.
pub(crate) struct ManyToMany<'m> {
    pub bridge: &'m str,
    pub left: &'m str,
    pub right: &'m str,
}

/// One output column of a mart and how it is computed.
pub(crate) struct MartColumn {
    pub name: String,
    /// `sum`, `avg`, ... or `attribute`, `column`, `derived`.
    pub how: String,
    /// Where it comes from, in the model's names (`PATIENT.GENDER`,
    /// `FACT_CLAIMS.PAID_AMOUNT`, the derived measure's expression).
    pub from: String,
}

/// A mart as the documents show it.
pub(crate) struct MartDoc<'m> {
    pub mart: &'m Mart,
    pub kind: String,
    pub columns: Vec<MartColumn>,
    /// The dimensions joined: role → dimension.
    pub joins: Vec<(String, &'m str)>,
    /// The bridge, in words.
    pub through: Option<String>,
    pub readers: Vec<(String, &'static str)>,
}

/// A load as the documents show it.
pub(crate) struct LoadDoc<'m> {
    pub table: &'m str,
    pub stage: String,
    /// Where the files are: the stage URL and path, or the internal stage.
    pub files: String,
    pub format: String,
    pub pattern: Option<String>,
    pub pipe: String,
    pub trigger: String,
    pub landing: String,
    pub task: String,
    pub merge: String,
}

/// Everything the printers need.
pub(crate) struct Described<'m> {
    pub target: &'m Target<'m>,
    pub tables: Vec<Table<'m>>,
    pub relationships: Vec<Relationship<'m>>,
    pub bridges: Vec<ManyToMany<'m>>,
    pub marts: Vec<MartDoc<'m>>,
    pub loads: Vec<LoadDoc<'m>>,
}

impl<'m> Described<'m> {
    pub fn of(target: &'m Target<'m>) -> Self {
        let model = target.model;
        let mut tables: Vec<Table<'m>> = model
            .tables_in_order()
            .map(|(table, layout)| Table {
                table,
                columns: layout.iter().map(|c| column_doc(target, table, c)).collect(),
                marts: BTreeSet::new(),
                loads: Vec::new(),
                readers: readers(target, table.name(), false),
            })
            .collect();
        let position: BTreeMap<&str, usize> = tables.iter().enumerate().map(|(i, t)| (t.table.name(), i)).collect();

        let mut relationships = Vec::new();
        for t in &tables {
            for c in &t.columns {
                if let Some((to, role)) = &c.reference {
                    relationships.push(Relationship {
                        from: t.table.name(),
                        column: &c.physical.name,
                        to,
                        role: role.clone(),
                        optional: c.physical.nullable,
                    });
                }
            }
        }
        let bridges = model
            .bridges
            .iter()
            .filter_map(|b| match b.dimensions.as_slice() {
                [left, right] => Some(ManyToMany {
                    bridge: &b.name,
                    left,
                    right,
                }),
                _ => None,
            })
            .collect();

        // Lineage: every (table, column) a mart's plan reads.
        let mut marts = Vec::new();
        for plan in model.mart_plans() {
            let mart = &model.marts[plan.mart];
            let used = used_columns(model, plan);
            for (table, column) in &used {
                if let Some(&i) = position.get(table) {
                    tables[i].marts.insert(&mart.name);
                    if let Some(c) = tables[i].columns.iter_mut().find(|c| c.physical.name == *column) {
                        c.marts.insert(&mart.name);
                    }
                }
            }
            marts.push(mart_doc(target, plan, mart));
        }

        let mut loads = Vec::new();
        for resolved in model.loads() {
            if let Some(&i) = position.get(resolved.table.name()) {
                tables[i].loads.push(loads.len());
            }
            loads.push(load_doc(target, &resolved));
        }
        Self {
            target,
            tables,
            relationships,
            bridges,
            marts,
            loads,
        }
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table<'m>> {
        self.tables.iter().find(|t| t.table.name() == name)
    }

    /// The relationships of a fact's star: its references, and the
    /// outriggers of the dimensions it references.
    pub fn star(&self, fact: &str) -> (BTreeSet<&'m str>, Vec<&Relationship<'m>>) {
        let mut tables = BTreeSet::from([self.table(fact).map_or("", |t| t.table.name())]);
        let mut edges = Vec::new();
        let mut frontier: Vec<&str> = vec![fact];
        while let Some(from) = frontier.pop() {
            for r in self.relationships.iter().filter(|r| r.from == from) {
                edges.push(r);
                if tables.insert(r.to) {
                    frontier.push(r.to);
                }
            }
        }
        (tables, edges)
    }
}

fn column_doc<'m>(target: &Target<'m>, table: TableRef<'m>, physical: &'m PhysicalColumn) -> ColumnDoc<'m> {
    let mut doc = ColumnDoc {
        physical,
        role: ColumnRole::Attribute,
        scd: None,
        additivity: None,
        pii: None,
        reference: None,
        marts: BTreeSet::new(),
        accepted: None,
    };
    match physical.origin {
        Origin::SurrogateKey(_) => doc.role = ColumnRole::SurrogateKey,
        Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent => doc.role = ColumnRole::ScdHousekeeping,
        Origin::BridgeEnd(_) => {
            doc.role = ColumnRole::BridgeEnd;
            if let Some(to) = &physical.references {
                doc.reference = Some((to.as_str(), physical.name.clone()));
            }
        }
        Origin::Declared(i) => {
            let column = &table.columns()[i];
            doc.pii = column.pii.map(|pii| {
                let clear = target
                    .model
                    .roles
                    .iter()
                    .filter(|r| r.unmask.contains(&pii.class))
                    .map(|r| target.text(&r.name))
                    .collect();
                (pii.class.as_str(), pii.mask.as_str(), clear)
            });
            match &column.kind {
                ColumnKind::Reference { dimension, role } => {
                    doc.role = ColumnRole::Reference;
                    let role = role.clone().unwrap_or_else(|| default_role(&column.name));
                    doc.reference = Some((dimension.as_str(), role));
                }
                ColumnKind::Measure { additivity, over, .. } => {
                    doc.role = ColumnRole::Measure;
                    doc.additivity = Some((*additivity, over.as_deref()));
                }
                ColumnKind::Degenerate { .. } => doc.role = ColumnRole::Degenerate,
                _ => {}
            }
            if let TableRef::Dimension(d) = table {
                if d.natural_key.contains(&column.name) {
                    doc.role = ColumnRole::NaturalKey;
                } else {
                    // An outrigger's reference is versioned like any attribute.
                    doc.scd = Some(d.scd_of(column).number());
                }
                doc.accepted = accepted_values(d, physical);
            }
            if let TableRef::Dimension(d) = table
                && d.key_generation == model_core::KeyGeneration::Natural
                && d.key == column.name
            {
                // A smart key is the table's key and its natural key at once.
                doc.role = ColumnRole::SmartKey;
            }
        }
        _ => {}
    }
    doc
}

/// The SCD types in effect among a dimension's columns outside its natural
/// key, in order (the dimension's own when it has no other column).
pub(crate) fn scd_types(dim: &Dimension) -> Vec<u8> {
    let types: BTreeSet<u8> = dim
        .columns
        .iter()
        .filter(|c| !dim.natural_key.contains(&c.name))
        .map(|c| dim.scd_of(c).number())
        .collect();
    if types.is_empty() {
        vec![dim.scd.number()]
    } else {
        types.into_iter().collect()
    }
}

/// The names a generated calendar's column takes, with the unknown member's.
fn accepted_values(d: &Dimension, physical: &PhysicalColumn) -> Option<Vec<Accepted>> {
    let calendar = d.generate.as_ref()?;
    let part = calendar.part_in(d, &physical.name)?;
    let text = |names: &mut dyn Iterator<Item = String>| names.map(Accepted::Text).collect::<Vec<_>>();
    let numbers = |range: std::ops::RangeInclusive<i64>| range.map(Accepted::Number).collect::<Vec<_>>();
    let mut values = match part {
        DatePart::MonthName => text(&mut MONTH_NAMES.iter().map(|m| (*m).to_owned())),
        DatePart::MonthShort => text(&mut MONTH_NAMES.iter().map(|m| m[..3].to_owned())),
        DatePart::DayName => text(&mut DAY_NAMES.iter().map(|d| (*d).to_owned())),
        DatePart::DayShort => text(&mut DAY_NAMES.iter().map(|d| d[..3].to_owned())),
        DatePart::QuarterName => text(&mut (1..=4).map(|q| format!("Q{q}"))),
        DatePart::Quarter | DatePart::FiscalQuarter => numbers(1..=4),
        DatePart::Month | DatePart::FiscalMonth => numbers(1..=12),
        DatePart::DayOfWeek => numbers(1..=7),
        _ => return None,
    };
    if d.unknown_member {
        let unknown = match unknown_value(physical, d.natural_key.contains(&physical.name)) {
            Value::Str(s) => Some(Accepted::Text(s)),
            Value::Int(n) => Some(Accepted::Number(n)),
            _ => None,
        };
        if let Some(unknown) = unknown
            && !values.contains(&unknown)
        {
            values.push(unknown);
        }
    }
    Some(values)
}

/// The roles whose grants reach `object` (a table, or a mart when `mart`).
fn readers(target: &Target<'_>, object: &str, mart: bool) -> Vec<(String, &'static str)> {
    let reaches = |g: &&Grant| match &g.scope {
        Scope::Schema => true,
        Scope::Marts => mart,
        Scope::Objects(names) => names.iter().any(|n| n == object),
        _ => false,
    };
    target
        .model
        .roles
        .iter()
        .filter_map(|r: &Role| {
            // The widest access among the grants that reach the object.
            let access: Access = r.grants.iter().filter(reaches).map(|g| g.access).max()?;
            Some((target.text(&r.name), access.as_str()))
        })
        .collect()
}

/// Every (table, column) a mart reads: its output, grouping and filter
/// expressions, and the columns its joins go through.
fn used_columns<'m>(model: &'m model_core::Validated, plan: &MartPlan) -> BTreeSet<(&'m str, String)> {
    let fact = &model.facts[plan.fact];
    let mut out = BTreeSet::new();
    let name_of = |alias: Alias| -> Option<&'m str> {
        match alias {
            Alias::Fact => Some(&fact.name),
            Alias::Dimension(n) => plan
                .joins
                .get(n.checked_sub(1)?)
                .map(|j| model.dimensions[j.dimension].name.as_str()),
            Alias::Bridge => plan.through.as_ref().map(|t| model.bridges[t.bridge].name.as_str()),
            Alias::Reached => plan.through.as_ref().map(|t| model.dimensions[t.reached].name.as_str()),
        }
    };
    let mut stack: Vec<&Expr> = plan
        .select
        .iter()
        .map(|(e, _)| e)
        .chain(&plan.group_by)
        .chain(&plan.filter)
        .collect();
    while let Some(e) = stack.pop() {
        if let Expr::Column(alias, column) = e
            && let Some(table) = name_of(*alias)
        {
            out.insert((table, column.clone()));
        }
        stack.extend(e.children());
    }
    for join in &plan.joins {
        out.insert((fact.name.as_str(), join.fact_column.clone()));
    }
    if let Some(t) = &plan.through {
        out.insert((fact.name.as_str(), t.fact_column.clone()));
        let bridge = model.bridges[t.bridge].name.as_str();
        out.insert((bridge, t.near_column.clone()));
        out.insert((bridge, t.far_column.clone()));
    }
    out
}

fn mart_doc<'m>(target: &Target<'m>, plan: &MartPlan, mart: &'m Mart) -> MartDoc<'m> {
    let model = target.model;
    let fact = &model.facts[plan.fact];
    let kind = match &mart.kind {
        MartKind::SecureView => "secure view".to_owned(),
        MartKind::DynamicTable {
            target_lag,
            refresh_mode,
            warehouse,
        } => format!(
            "dynamic table (target lag {}, refresh {}, warehouse {})",
            target.text(target_lag),
            refresh_mode.as_str(),
            target.text(warehouse)
        ),
        _ => "view".to_owned(),
    };
    let role_of = |alias: Alias| -> String {
        match alias {
            Alias::Fact => fact.name.clone(),
            Alias::Dimension(n) => plan
                .joins
                .get(n.saturating_sub(1))
                .map_or_else(String::new, |j| j.role.clone()),
            Alias::Bridge => plan
                .through
                .as_ref()
                .map_or_else(String::new, |t| model.bridges[t.bridge].name.clone()),
            Alias::Reached => mart.through.as_ref().map_or_else(String::new, |t| t.role.clone()),
        }
    };
    let derived = |name: &str| mart.derived.iter().find(|d| d.name == name);
    let columns = plan
        .select
        .iter()
        .map(|(expr, name)| {
            let (how, from) = describe(expr, name, mart, &role_of, &derived);
            MartColumn {
                name: name.clone(),
                how,
                from,
            }
        })
        .collect();
    let joins = plan
        .joins
        .iter()
        .map(|j| (j.role.clone(), model.dimensions[j.dimension].name.as_str()))
        .collect();
    let through = plan.through.as_ref().map(|t| {
        let allocation = match t.allocation {
            Allocation::Weighted => "weighted (measures times the bridge's weight; totals equal the fact's)",
            _ => "impact (every member gets the whole fact row; totals exceed the fact's)",
        };
        let as_of = match &t.as_of {
            AsOfJoin::All => "every bridge row".to_owned(),
            AsOfJoin::Current(c) => format!("the bridge rows with {c} = TRUE"),
            AsOfJoin::Between { from, to, fact } => format!("the bridge rows valid at {fact} ({from} to {to})"),
        };
        format!(
            "{} from {} to {}, {allocation}; {as_of}",
            model.bridges[t.bridge].name, t.fact_column, model.dimensions[t.reached].name
        )
    });
    MartDoc {
        mart,
        kind,
        columns,
        joins,
        through,
        readers: readers(target, &mart.name, true),
    }
}

/// How an output column is computed, in words and in the model's names.
fn describe<'a>(
    expr: &Expr,
    name: &str,
    mart: &Mart,
    role_of: &dyn Fn(Alias) -> String,
    derived: &dyn Fn(&str) -> Option<&'a model_core::model::DerivedMeasure>,
) -> (String, String) {
    let declared = mart.aggregates.iter().find_map(|a| match a {
        Aggregate::Sum(m) if m == name => Some(("sum".to_owned(), m.clone())),
        Aggregate::Count { name: n } if n == name => Some(("count".to_owned(), "fact rows".to_owned())),
        Aggregate::CountDistinct { name: n, column } if n == name => {
            Some(("count distinct".to_owned(), column.clone()))
        }
        Aggregate::Ratio {
            name: n,
            numerator,
            denominator,
        } if n == name => Some(("ratio of sums".to_owned(), format!("{numerator} / {denominator}"))),
        _ => None,
    });
    if let Some(found) = declared {
        return found;
    }
    let inner = |e: &Expr| match e {
        Expr::Column(alias, column) => format!("{}.{column}", role_of(*alias)),
        _ => "an expression".to_owned(),
    };
    let measure_of = |suffix: &str| name.strip_suffix(suffix).filter(|m| !m.is_empty()).map(str::to_owned);
    match expr {
        Expr::Avg(e) => ("avg".to_owned(), measure_of("_AVG").unwrap_or_else(|| inner(e))),
        Expr::Min(e) => ("min".to_owned(), measure_of("_MIN").unwrap_or_else(|| inner(e))),
        Expr::Max(e) => ("max".to_owned(), measure_of("_MAX").unwrap_or_else(|| inner(e))),
        Expr::Sum(e) => ("sum".to_owned(), inner(e)),
        _ if derived(name).is_some() => (
            "derived".to_owned(),
            derived(name).map_or_else(String::new, |d| d.expression.clone()),
        ),
        Expr::Column(Alias::Fact, column) => ("column".to_owned(), format!("{}.{column}", role_of(Alias::Fact))),
        Expr::Column(alias, column) => ("attribute".to_owned(), format!("{}.{column}", role_of(*alias))),
        Expr::Times(e, _) => ("weighted".to_owned(), inner(e)),
        _ => ("computed".to_owned(), String::new()),
    }
}

fn load_doc<'m>(target: &Target<'m>, r: &Resolved<'m>) -> LoadDoc<'m> {
    let load = r.load;
    let files = match &r.stage.url {
        Some(url) => format!("{}{}", target.text(url), target.text(&load.path)),
        None => format!(
            "@{}/{} (internal stage)",
            target.text(&r.stage.name),
            target.text(&load.path)
        ),
    };
    let trigger = if load.auto_ingest {
        match (&load.aws_sns_topic, &load.notification_integration) {
            (Some(topic), _) => format!(
                "auto-ingest, event notifications through SNS topic {}",
                target.text(topic)
            ),
            (_, Some(integration)) => format!(
                "auto-ingest, event notifications through integration {}",
                target.text(integration)
            ),
            _ => "auto-ingest (the bucket's event notifications to the pipe's queue)".to_owned(),
        }
    } else if r.stage.url.is_none() {
        "files PUT on the stage, then the Snowpipe REST API (insertFiles) or ALTER PIPE … REFRESH".to_owned()
    } else {
        "the Snowpipe REST API (insertFiles) names the files to load".to_owned()
    };
    let task = match &load.schedule {
        Some(s) => format!(
            "{} on warehouse {}, every {}",
            model_core::naming::load_task(&load.table),
            target.text(&load.warehouse),
            target.text(s)
        ),
        None => format!(
            "{} on warehouse {}, when the stream on the landing table has rows",
            model_core::naming::load_task(&load.table),
            target.text(&load.warehouse)
        ),
    };
    let lookups = r
        .plan
        .columns
        .iter()
        .filter_map(|c| match &c.landing {
            Landing::Lookup { reference, part: 0, .. } => Some(reference.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>();
    let merge = match r.table {
        Loaded::Dimension(d) => {
            let types = scd_types(d);
            let types: Vec<String> = types.iter().map(|t| format!("SCD{t}")).collect();
            let mut text = format!(
                "MERGE on the natural key ({}): new keys are inserted; {}",
                d.natural_key.join(", "),
                types.join(" and ")
            );
            text.push_str(if d.keeps_history() {
                " (a changed type-2 attribute closes the current version and inserts a new one; type-1 attributes are overwritten on every version)"
            } else {
                " (changed attributes are overwritten, type-0 ones kept)"
            });
            text
        }
        Loaded::Fact(f) => {
            let mut text = if f.grain.columns.is_empty() {
                "INSERT of every landed row".to_owned()
            } else {
                format!(
                    "MERGE on the grain ({}): a reloaded row updates the row it matches, a new one is inserted",
                    f.grain.columns.join(", ")
                )
            };
            if !lookups.is_empty() {
                let _ = write!(
                    text,
                    "; {} looked up by natural key (a key with no member gets the unknown member, -1)",
                    lookups.join(", ")
                );
            }
            text
        }
    };
    let merge = match load.max_unknown_percent {
        Some(p) => format!(
            "{merge}; the batch is refused when more than {p}% of its rows would get the unknown member of a reference"
        ),
        None => merge,
    };
    LoadDoc {
        table: r.table.name(),
        stage: target.text(&r.stage.name),
        files,
        format: format!("{} ({})", r.format.name, r.format.file_type.as_str()),
        pattern: load.pattern.as_ref().map(|p| target.text(p)),
        pipe: target.text(&load.pipe),
        trigger,
        landing: target.text(&load.landing),
        task,
        merge,
    }
}
