//! The model's rules, checked in one pass that returns every problem.
//!
//! Each rule is a function; each problem names the table and column in its
//! message and labels the offending value by [`Loc`], so it renders at the
//! right line whether the model came from TOML or (later) from Rust.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::code::Code;
use crate::diagnostic::{Loc, Problem, TableId};
use crate::ingest::LoadPlan;
use crate::interpolate;
use crate::layout::{Layouts, Origin, PhysicalColumn};
use crate::marts::MartPlan;
use crate::model::{
    Additivity, Column, ColumnKind, DefaultValue, FactType, KeyGeneration, Mask, Model, Pii, PiiClass, ScdType,
    TableKind, TableRef,
};
use crate::naming::default_role;
use crate::types::DataType;

pub use crate::naming::MAX_IDENTIFIER_LEN;

/// What validation computes besides its problems.
#[derive(Debug, Clone, Default)]
pub(crate) struct Findings {
    pub layouts: Layouts,
    /// Indexes of `dimensions`, every outrigger before its referrers.
    pub dimension_order: Vec<usize>,
    /// One plan per mart that resolves, in declaration order.
    pub marts: Vec<MartPlan>,
    /// One plan per load that resolves, in declaration order.
    pub loads: Vec<LoadPlan>,
    /// Where the personal data is and the policy of each column of it.
    pub masking: crate::masking::MaskingPlan,
}

/// A character no name may hold: a control character, or the Unicode line
/// or paragraph separator (U+2028, U+2029), which editors, terminals and
/// some SQL tools show as a line break. A quoted identifier has no escape
/// for either, so a name holding one is refused.
pub(crate) fn breaks_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Check every rule; an empty result means the model can be generated.
/// [`Validated::new`](crate::Validated::new) checks the same rules and keeps
/// what they resolved.
pub fn validate(model: &Model) -> Vec<Problem> {
    check(model).1
}

/// Check every rule, keeping the layouts and plans worked out on the way.
pub(crate) fn check(model: &Model) -> (Findings, Vec<Problem>) {
    let layouts = Layouts::of(model);
    let mut v = Validator {
        model,
        layouts: &layouts,
        problems: Vec::new(),
        marts: Vec::new(),
        loads: Vec::new(),
    };
    v.environments();
    v.substituted_texts();
    v.table_names();
    for (id, table) in v.tables() {
        v.identifiers(id, table);
        v.types(id, table);
        v.columns(id, table);
        v.references(id, table);
        v.listed_columns(id, table);
        match table {
            TableRef::Dimension(_) => v.dimension(id),
            TableRef::Fact(_) => v.fact(id),
            TableRef::Bridge(_) => v.bridge(id),
        }
    }
    v.outrigger_cycles();
    v.marts();
    v.roles();
    v.ingestion();
    v.placeholders();
    v.masking();
    let (marts, loads, problems) = (v.marts, v.loads, v.problems);
    let masking = crate::masking::plan(model, &layouts, &marts, &loads);
    let findings = Findings {
        layouts,
        dimension_order: dimension_order(model),
        marts,
        loads,
        masking,
    };
    (findings, problems)
}

/// Dimensions in an order where every outrigger comes before the dimensions
/// that reference it (declaration order otherwise: of the dimensions whose
/// outriggers are all placed, the first declared goes next). A cycle (which
/// validation refuses) is broken at the first declared dimension of the
/// rest. Kahn's algorithm with the ready set ordered by declaration: linear
/// in the references, times a log for the heap.
fn dimension_order(model: &Model) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let dims = &model.dimensions;
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::with_capacity(dims.len());
    for (i, d) in dims.iter().enumerate() {
        by_name.entry(d.name.as_str()).or_default().push(i);
    }
    // waiting[i]: how many dimensions `i` references that are not placed yet;
    // dependents[j]: the dimensions waiting on `j`.
    let mut waiting = vec![0usize; dims.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); dims.len()];
    for (i, d) in dims.iter().enumerate() {
        for c in &d.columns {
            if let ColumnKind::Reference { dimension, .. } = &c.kind
                && dimension != &d.name
            {
                for &j in by_name.get(dimension.as_str()).map_or(&[][..], Vec::as_slice) {
                    waiting[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..dims.len()).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut placed = vec![false; dims.len()];
    let mut out: Vec<usize> = Vec::with_capacity(dims.len());
    let mut first_unplaced = 0;
    while out.len() < dims.len() {
        let next = match ready.pop() {
            Some(Reverse(i)) if placed[i] => continue,
            Some(Reverse(i)) => i,
            None => {
                while placed[first_unplaced] {
                    first_unplaced += 1;
                }
                first_unplaced
            }
        };
        placed[next] = true;
        out.push(next);
        for &k in &dependents[next] {
            waiting[k] -= 1;
            if waiting[k] == 0 && !placed[k] {
                ready.push(Reverse(k));
            }
        }
    }
    out
}

struct Validator<'m> {
    model: &'m Model,
    layouts: &'m Layouts,
    problems: Vec<Problem>,
    marts: Vec<MartPlan>,
    loads: Vec<LoadPlan>,
}

fn id(kind: TableKind, index: usize) -> TableId {
    TableId { kind, index }
}

/// Where a physical column is declared: the column itself, or the table key that implies it.
fn origin_loc(table: TableId, column: &PhysicalColumn) -> Loc {
    match column.origin {
        Origin::Declared(i) => Loc::column(table, i, "name"),
        Origin::SurrogateKey(_) => Loc::table(table, "key"),
        Origin::BridgeEnd(i) => Loc::table_item(table, "between", i),
        Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent => Loc::table(table, "scd"),
    }
}

impl<'m> Validator<'m> {
    fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn tables(&self) -> Vec<(TableId, TableRef<'m>)> {
        let model = self.model;
        let dims = model
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| (id(TableKind::Dimension, i), TableRef::Dimension(d)));
        let facts = model
            .facts
            .iter()
            .enumerate()
            .map(|(i, f)| (id(TableKind::Fact, i), TableRef::Fact(f)));
        let bridges = model
            .bridges
            .iter()
            .enumerate()
            .map(|(i, b)| (id(TableKind::Bridge, i), TableRef::Bridge(b)));
        dims.chain(facts).chain(bridges).collect()
    }

    /// Names that reach SQL through `${env}` and `${var}` substitution, and
    /// the model's name (written into every file's header), hold no control
    /// character: a newline would end a comment line, an ESC or BEL would
    /// reach every log that prints the SQL.
    fn substituted_texts(&mut self) {
        let model = self.model;
        if model.name.chars().any(breaks_text) {
            self.push(Problem::new(
                Code::InvalidName,
                format!(
                    "the model's name `{}` contains a control character",
                    model.name.escape_debug()
                ),
                Loc::Model("name"),
                "not a usable name",
            ));
        }
        for env in &model.environments {
            if env.name.trim().is_empty() || env.name.chars().any(breaks_text) {
                self.push(
                    Problem::new(
                        Code::InvalidName,
                        format!(
                            "environment `{}` has a name that is empty or contains a control character",
                            env.name.escape_debug()
                        ),
                        Loc::Environment {
                            env: env.name.clone(),
                            key: String::new(),
                        },
                        "not a usable name",
                    )
                    .help("the environment's name is `${env}` in every name that carries it; use e.g. `DEV`"),
                );
            }
            for (var, value) in &env.vars {
                if value.chars().any(breaks_text) {
                    self.push(Problem::new(
                        Code::InvalidName,
                        format!(
                            "variable `{var}` of environment `{}` contains a control character: `{}`",
                            env.name.escape_debug(),
                            value.escape_debug()
                        ),
                        Loc::Environment {
                            env: env.name.clone(),
                            key: format!("vars.{var}"),
                        },
                        "control character",
                    ));
                }
            }
        }
    }

    fn environments(&mut self) {
        if self.model.environments.is_empty() {
            self.push(
                Problem::new(
                    Code::NoEnvironment,
                    "the model declares no environment",
                    Loc::Model("database"),
                    "deployed where?",
                )
                .help("add e.g. `[environments.DEV]` with `schema = \"DEV\"`"),
            );
        }
        for env in &self.model.environments {
            if env.schema.trim().is_empty() {
                let at = Loc::Environment {
                    env: env.name.clone(),
                    key: "schema".into(),
                };
                self.push(Problem::new(
                    Code::EmptyName,
                    format!("environment `{}` has an empty schema", env.name),
                    at,
                    "empty",
                ));
            }
        }
        if self.model.database.trim().is_empty() {
            self.push(Problem::new(
                Code::EmptyName,
                "the database name is empty",
                Loc::Model("database"),
                "empty",
            ));
        } else {
            self.identifier(&self.model.database, "the database", Loc::Model("database"));
        }
        for env in &self.model.environments {
            if !env.schema.trim().is_empty() {
                let at = Loc::Environment {
                    env: env.name.clone(),
                    key: "schema".into(),
                };
                self.identifier(&env.schema, &format!("the schema of environment `{}`", env.name), at);
            }
        }
    }

    fn identifier(&mut self, name: &str, what: &str, at: Loc) {
        let problem = if name.trim().is_empty() {
            Some(format!("{what} has an empty name"))
        } else if name.chars().count() > MAX_IDENTIFIER_LEN {
            Some(format!(
                "{what} `{name}` is longer than Snowflake's {MAX_IDENTIFIER_LEN} characters"
            ))
        } else if name.chars().any(breaks_text) {
            Some(format!("{what} `{}` contains a control character", name.escape_debug()))
        } else {
            None
        };
        if let Some(message) = problem {
            self.push(Problem::new(Code::InvalidName, message, at, "not a usable identifier"));
        }
    }

    /// A masked column must keep the model's joins and loads working, and
    /// its mask must fit its type.
    fn pii(&mut self, table: TableId, t: TableRef<'m>, i: usize, column: &Column, pii: Pii, identifying: bool) {
        let at = Loc::column(table, i, "pii");
        let what = if identifying {
            Some(match t {
                TableRef::Fact(_) => "a grain column, which the load matches rows on",
                _ => "a natural key, which loads and surrogate-key lookups match on",
            })
        } else if matches!(column.kind, ColumnKind::Reference { .. }) {
            Some("a reference, which the marts join on and the loads look up")
        } else {
            None
        };
        if let Some(what) = what {
            self.push(
                Problem::new(
                    Code::MaskedKey,
                    format!("`{}.{}` is `pii`, but it is {what}", t.name(), column.name),
                    at,
                    "cannot be masked",
                )
                .help("a masked key reads `***` or NULL for most roles, so their joins find no row: mark the attributes that hold the personal data instead (a reference's dimension columns), and keep identifiers out of the marts"),
            );
            return;
        }
        let Some(ty) = column.declared_type() else { return };
        let text = matches!(ty, DataType::Varchar(_));
        let dated = matches!(
            ty,
            DataType::Date | DataType::TimestampNtz | DataType::TimestampLtz | DataType::TimestampTz
        );
        let fits = match pii.mask {
            Mask::Partial => text,
            Mask::Year => dated,
            Mask::Redact | Mask::Null => true,
        };
        if !fits {
            let at = if column.pii.is_some_and(|p| p.mask != p.class.default_mask()) {
                Loc::column(table, i, "mask")
            } else {
                at
            };
            self.push(
                Problem::new(
                    Code::MaskType,
                    format!(
                        "`{}.{}` is {ty}, which mask `{}` cannot take",
                        t.name(),
                        column.name,
                        pii.mask.as_str()
                    ),
                    at,
                    "mask does not fit the type",
                )
                .help("`partial` masks text (VARCHAR) and `year` dates and timestamps; `redact` and `null` take any type: write `mask = \"redact\"`"),
            );
        }
    }

    /// Types built in Rust (a user's `SqlType`) can hold values the TOML
    /// spellings refuse; Snowflake would refuse them too. A `default` must
    /// fit its column's type.
    fn types(&mut self, table: TableId, t: TableRef<'m>) {
        let identifying: &[String] = match t {
            TableRef::Dimension(d) => &d.natural_key,
            TableRef::Fact(f) => &f.grain.columns,
            TableRef::Bridge(_) => &[],
        };
        for (i, column) in t.columns().iter().enumerate() {
            if let Some(pii) = column.pii {
                self.pii(table, t, i, column, pii, identifying.contains(&column.name));
            }
            if let Some(default) = &column.default
                && let Err(why) = default_fits(column.declared_type(), default)
            {
                self.push(
                    Problem::new(
                        Code::InvalidDefault,
                        format!("`{}.{}` has `default = {default}`: {why}", t.name(), column.name),
                        Loc::column(table, i, "default"),
                        "does not fit the column",
                    )
                    .help("a default is a constant of the column's type: a number for NUMBER and FLOAT, true or false for BOOLEAN, a string for VARCHAR, DATE, TIME and TIMESTAMP"),
                );
            }
            let Some(ty) = column.declared_type() else { continue };
            if DataType::parse(&ty.to_string()).as_ref() != Ok(ty) {
                self.push(
                    Problem::new(
                        Code::InvalidType,
                        format!(
                            "column `{}.{}` has type {ty}, which Snowflake does not accept",
                            t.name(),
                            column.name
                        ),
                        Loc::column(table, i, "type"),
                        "invalid type",
                    )
                    .help("NUMBER precision is 1..=38 with scale <= precision; VARCHAR length is 1..=16777216"),
                );
            }
        }
    }

    fn identifiers(&mut self, table: TableId, t: TableRef<'m>) {
        self.identifier(
            t.name(),
            &format!("a {}", table.kind.as_str()),
            Loc::table(table, "name"),
        );
        let key = match t {
            TableRef::Dimension(d) if d.key_generation != KeyGeneration::Natural => Some(&d.key),
            TableRef::Fact(f) => Some(&f.key),
            _ => None,
        };
        if let Some(key) = key {
            self.identifier(key, &format!("the key of `{}`", t.name()), Loc::table(table, "key"));
        }
        for (i, column) in t.columns().iter().enumerate() {
            self.identifier(
                &column.name,
                &format!("a column of `{}`", t.name()),
                Loc::column(table, i, "name"),
            );
            if let Some(old) = &column.renamed_from {
                self.identifier(
                    old,
                    &format!("the old name of `{}.{}`", t.name(), column.name),
                    Loc::column(table, i, "renamed_from"),
                );
                // The old name must be free: a column that still has it, or
                // another rename from it, would make the rename ambiguous.
                let taken = t
                    .columns()
                    .iter()
                    .enumerate()
                    .find(|(j, c)| *j != i && (c.name == *old || c.renamed_from.as_deref() == Some(old.as_str())));
                if let Some((j, other)) = taken {
                    self.push(
                        Problem::new(
                            Code::ConflictingKeys,
                            format!(
                                "`{}.{}` is renamed from `{old}`, which `{}` also is or was",
                                t.name(),
                                column.name,
                                other.name
                            ),
                            Loc::column(table, i, "renamed_from"),
                            "ambiguous rename",
                        )
                        .also(Loc::column(table, j, "name"), "this column")
                        .help("a rename names the column's old name once; remove `renamed_from` after the migration has run everywhere"),
                    );
                }
            }
        }
    }

    fn table_names(&mut self) {
        let mut seen: HashMap<String, (TableId, &str)> = HashMap::new();
        let tables = self.tables();
        for &(table, t) in &tables {
            let Some(old) = t.renamed_from() else { continue };
            self.identifier(
                old,
                &format!("the old name of `{}`", t.name()),
                Loc::table(table, "renamed_from"),
            );
            // The old name must be free: a table that still has it, or another
            // rename from it, would make the rename ambiguous.
            let taken = tables
                .iter()
                .find(|(other, o)| *other != table && (o.name() == old || o.renamed_from() == Some(old)));
            if let Some((other, o)) = taken {
                self.push(
                    Problem::new(
                        Code::ConflictingKeys,
                        format!(
                            "`{}` is renamed from `{old}`, which `{}` also is or was",
                            t.name(),
                            o.name()
                        ),
                        Loc::table(table, "renamed_from"),
                        "ambiguous rename",
                    )
                    .also(Loc::table(*other, "name"), "this table")
                    .help("a rename names the table's old name once; remove `renamed_from` after the migration has run everywhere"),
                );
            }
        }
        for (table, t) in tables {
            let upper = t.name().to_uppercase();
            match seen.get(&upper) {
                Some((first, first_name)) if *first_name == t.name() => self.push(
                    Problem::new(
                        Code::DuplicateTable,
                        format!("table `{}` is declared twice", t.name()),
                        Loc::table(table, "name"),
                        "declared again here",
                    )
                    .also(Loc::table(*first, "name"), "first declared here"),
                ),
                Some((first, first_name)) => self.push(
                    Problem::new(
                        Code::CaseCollision,
                        format!("table `{}` collides with `{first_name}` after upper-casing", t.name()),
                        Loc::table(table, "name"),
                        format!("same as `{first_name}` in upper case"),
                    )
                    .also(Loc::table(*first, "name"), "declared here")
                    .help("Snowflake folds unquoted names to upper case; two names that differ only in case are a trap. Rename one."),
                ),
                None => {
                    seen.insert(upper, (table, t.name()));
                }
            }
        }
    }

    fn columns(&mut self, table: TableId, t: TableRef<'m>) {
        let mut seen: HashMap<String, &PhysicalColumn> = HashMap::new();
        for column in self.layouts.get(table.kind, table.index) {
            let upper = column.name.to_uppercase();
            match seen.get(&upper) {
                Some(first) => {
                    let (code, message, label) = if first.name == column.name {
                        (
                            Code::DuplicateColumn,
                            format!("column `{}` appears twice in `{}`", column.name, t.name()),
                            "duplicate column".to_owned(),
                        )
                    } else {
                        (
                            Code::CaseCollision,
                            format!(
                                "column `{}` collides with `{}` in `{}` after upper-casing",
                                column.name,
                                first.name,
                                t.name()
                            ),
                            format!("same as `{}` in upper case", first.name),
                        )
                    };
                    let mut problem = Problem::new(code, message, origin_loc(table, column), label)
                        .also(origin_loc(table, first), "first here");
                    if !matches!(first.origin, Origin::Declared(_)) || !matches!(column.origin, Origin::Declared(_)) {
                        problem = problem.help(generated_help(&first.origin, &column.origin));
                    }
                    self.push(problem);
                }
                None => {
                    seen.insert(upper, column);
                }
            }
        }
    }

    fn reference_problem(&self, target: &str, at: Loc, owner: &str) -> Option<Problem> {
        if self.model.dimension(target).is_some() {
            return None;
        }
        let model = self.model;
        if let Some(other) = model.tables().find(|t| t.name() == target) {
            return Some(
                Problem::new(
                    Code::NotADimension,
                    format!(
                        "`{owner}` references `{target}`, which is a {}, not a dimension",
                        other.kind().as_str()
                    ),
                    at,
                    format!("a {}", other.kind().as_str()),
                )
                .help("references point at dimensions; facts and bridges cannot be referenced"),
            );
        }
        let mut problem = Problem::new(
            Code::UnknownReference,
            format!("`{owner}` references `{target}`, which is not a dimension of this model"),
            at,
            "no such dimension",
        );
        let best = model
            .dimensions
            .iter()
            .map(|d| {
                (
                    strsim::jaro_winkler(&d.name.to_uppercase(), &target.to_uppercase()),
                    &d.name,
                )
            })
            .filter(|(score, _)| *score > 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, name)) = best {
            problem = problem.help(format!("did you mean `{name}`?"));
        } else {
            let names: Vec<&str> = model.dimensions.iter().map(|d| d.name.as_str()).collect();
            problem = problem.help(format!(
                "dimensions of this model: {}; declare a missing one with `[[dimension]]` (TOML) or `.dimension::<T>()` (Rust)",
                names.join(", ")
            ));
        }
        Some(problem)
    }

    fn references(&mut self, table: TableId, t: TableRef<'m>) {
        // Role-playing: every reference needs a distinct role; group by dimension.
        let mut roles: BTreeMap<String, (usize, &str)> = BTreeMap::new();
        for (i, column) in t.columns().iter().enumerate() {
            let ColumnKind::Reference { dimension, role } = &column.kind else {
                continue;
            };
            let owner = format!("{}.{}", t.name(), column.name);
            if let Some(problem) = self.reference_problem(dimension, Loc::column(table, i, "references"), &owner) {
                self.push(problem);
            }
            let role_name = role.clone().unwrap_or_else(|| default_role(&column.name));
            let role_at = if role.is_some() {
                Loc::column(table, i, "role")
            } else {
                Loc::column(table, i, "name")
            };
            if let Some((first, first_dim)) = roles.get(&role_name.to_uppercase()) {
                let mut problem = Problem::new(
                    Code::DuplicateRole,
                    format!("two references in `{}` play the role `{role_name}`", t.name()),
                    role_at,
                    "same role again",
                )
                .also(Loc::column(table, *first, "name"), "first here");
                problem = problem.help(if first_dim == dimension {
                    format!(
                        "role-playing references to `{dimension}` need distinct roles: add `role = \"...\"` to each (e.g. SERVICE_DATE, PAID_DATE)"
                    )
                } else {
                    "roles name the columns of marts built on this table (a reference's default role is its name without _KEY/_ID); set `role = \"...\"` on one".to_owned()
                });
                self.push(problem);
            } else {
                roles.insert(role_name.to_uppercase(), (i, dimension));
            }
        }
        if let TableRef::Bridge(b) = t {
            for (i, dim) in b.dimensions.iter().enumerate() {
                if let Some(problem) = self.reference_problem(dim, Loc::table_item(table, "between", i), &b.name) {
                    self.push(problem);
                }
            }
        }
    }

    /// `natural_key`, `cluster_by`, `grain_columns`, bridge weight/group/effective: names of columns.
    fn listed_columns(&mut self, table: TableId, t: TableRef<'m>) {
        let physical = self.layouts.get(table.kind, table.index);
        let exists = |name: &str| physical.iter().any(|c| c.name == name);
        let mut lists: Vec<(&'static str, &[String])> = vec![("cluster_by", t.cluster_by())];
        match t {
            TableRef::Dimension(d) => lists.push(("natural_key", &d.natural_key)),
            TableRef::Fact(f) => lists.push(("grain_columns", &f.grain.columns)),
            TableRef::Bridge(_) => {}
        }
        for (key, names) in lists {
            for (i, name) in names.iter().enumerate() {
                if !exists(name) {
                    self.push(unknown_column(
                        t.name(),
                        name,
                        Loc::table_item(table, key, i),
                        key,
                        physical,
                    ));
                }
            }
        }
        if let TableRef::Bridge(b) = t {
            let mut singles: Vec<(&'static str, &String)> = Vec::new();
            if let Some(w) = &b.weight {
                singles.push(("weight", w));
            }
            if let Some(g) = &b.group {
                singles.push(("group", g));
            }
            if let Some(e) = &b.effective {
                singles.push(("effective.from", &e.from));
                singles.push(("effective.to", &e.to));
                if let Some(c) = &e.current {
                    singles.push(("effective.current", c));
                }
            }
            for (key, name) in singles {
                match physical.iter().find(|c| &c.name == name) {
                    None => self.push(unknown_column(t.name(), name, Loc::table(table, key), key, physical)),
                    Some(c) if key == "weight" && !c.sql_type.is_numeric() => self.push(
                        Problem::new(
                            Code::NonNumericWeight,
                            format!("weighting factor `{}.{name}` is {}, not a number", b.name, c.sql_type),
                            Loc::table(table, key),
                            "not numeric",
                        )
                        .help("declare the weight column as e.g. `type = \"number(9,8)\"`"),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    /// A generated date dimension: a smart key, a real range, and a part
    /// that fits every column it fills.
    fn calendar(&mut self, table: TableId) {
        use crate::model::DatePartKind as K;
        let d = &self.model.dimensions[table.index];
        let Some(calendar) = &d.generate else { return };
        let problem = |message: String, at: Loc, label: &str, help: &str| {
            Problem::new(Code::GeneratedDimension, message, at, label).help(help.to_owned())
        };
        if d.key_generation != KeyGeneration::Natural || d.natural_key.len() != 1 {
            self.push(problem(
                format!("`{}` is generated, so its key is the day's smart key, but it has none", d.name),
                Loc::table(table, "generate"),
                "generated",
                "declare one integer natural key with `key_generation = \"natural\"`, e.g. `natural_key = \"DATE_KEY\"`: it is filled with yyyymmdd",
            ));
        }
        let mut dates_ok = true;
        for (key, value) in [("generate.from", &calendar.from), ("generate.to", &calendar.to)] {
            if crate::model::civil_day(value).is_none() {
                dates_ok = false;
                self.push(problem(
                    format!("`{value}` is not a date"),
                    Loc::table(table, key),
                    "not YYYY-MM-DD",
                    "write a day as `YYYY-MM-DD`, e.g. `\"2000-01-01\"`",
                ));
            }
        }
        if dates_ok && calendar.day_count().is_none() {
            self.push(problem(
                format!(
                    "`{}` generates from {} to {}: the end is before the start",
                    d.name, calendar.from, calendar.to
                ),
                Loc::table(table, "generate.to"),
                "before `from`",
                "swap `from` and `to`",
            ));
        }
        for (column, _) in &calendar.columns {
            if !d.columns.iter().any(|c| &c.name == column) {
                self.push(
                    Problem::new(
                        Code::UnknownColumn,
                        format!(
                            "`generate.columns` names `{column}`, which is not a column of `{}`",
                            d.name
                        ),
                        Loc::table(table, "generate.columns"),
                        "no such column",
                    )
                    .help("name the dimension's columns, each with the part it holds"),
                );
            }
        }
        let parts = crate::model::DatePart::ALL
            .map(crate::model::DatePart::as_str)
            .join(", ");
        for (i, column) in d.columns.iter().enumerate() {
            let part = calendar.part_in(d, &column.name);
            let ColumnKind::Attribute { sql_type, .. } = column.kind else {
                self.push(problem(
                    format!(
                        "`{}.{}` is a reference, which a generated date dimension cannot fill",
                        d.name, column.name
                    ),
                    Loc::column(table, i, "name"),
                    "not a day's attribute",
                    "a generated dimension holds the day's attributes only",
                ));
                continue;
            };
            let Some(part) = part else {
                if !column.nullable {
                    self.push(problem(
                        format!("no part of the day fills `{}.{}`, which is NOT NULL", d.name, column.name),
                        Loc::column(table, i, "name"),
                        "unfilled",
                        &format!("name its part in `generate.columns = {{ {} = \"...\" }}` (one of {parts}), or make it nullable to fill it yourself", column.name),
                    ));
                }
                continue;
            };
            let fits = match (part.kind(), sql_type) {
                (K::Number, t) => t.is_numeric(),
                (K::Text(n), DataType::Varchar(length)) => length.is_none_or(|l| l >= n),
                (K::Boolean, DataType::Boolean) | (K::Date, DataType::Date) => true,
                _ => false,
            };
            if !fits {
                let needs = match part.kind() {
                    K::Number => "a number".to_owned(),
                    K::Text(n) => format!("varchar({n}) or longer"),
                    K::Boolean => "boolean".to_owned(),
                    K::Date => "date".to_owned(),
                };
                self.push(problem(
                    format!(
                        "`{}.{}` is {sql_type}, which cannot hold `{}` ({needs})",
                        d.name,
                        column.name,
                        part.as_str()
                    ),
                    Loc::column(table, i, "type"),
                    "does not fit",
                    &format!("make it {needs}, or fill it with another part"),
                ));
            }
        }
    }

    fn dimension(&mut self, table: TableId) {
        self.calendar(table);
        let d = &self.model.dimensions[table.index];
        for (i, column) in d.columns.iter().enumerate() {
            let misplaced = match column.kind {
                ColumnKind::Measure { .. } => Some(("measure", "measures belong to facts")),
                ColumnKind::Degenerate { .. } => Some(("degenerate", "degenerate dimensions live on facts")),
                _ => None,
            };
            if let Some((key, why)) = misplaced {
                self.push(
                    Problem::new(
                        Code::MisplacedKey,
                        format!(
                            "column `{}.{}` is a {key}, but `{}` is a dimension",
                            d.name, column.name, d.name
                        ),
                        Loc::column(table, i, key),
                        why,
                    )
                    .help("describe the member with attributes; put measures on a fact"),
                );
            }
        }
        if d.unknown_member {
            for column in self.layouts.get(table.kind, table.index) {
                let semi = matches!(
                    column.sql_type,
                    DataType::Variant | DataType::Object | DataType::Array | DataType::Binary
                );
                if let (true, false, Origin::Declared(i)) = (semi, column.nullable, &column.origin) {
                    self.push(
                        Problem::new(
                            Code::UnknownMemberValue,
                            format!(
                                "`{}.{}` is a NOT NULL {}, so the unknown member (key -1) has no value for it",
                                d.name, column.name, column.sql_type
                            ),
                            Loc::column(table, *i, "nullable"),
                            "NOT NULL here",
                        )
                        .help("make the column nullable, or set `unknown_member = false` on the dimension"),
                    );
                }
            }
        }
        if d.keeps_history() && d.natural_key.is_empty() {
            let explicit = d.columns.iter().position(|c| {
                matches!(
                    c.kind,
                    ColumnKind::Attribute {
                        scd: Some(ScdType::History),
                        ..
                    }
                )
            });
            let at = match explicit {
                Some(i) if d.scd != ScdType::History => Loc::column(table, i, "scd"),
                _ => Loc::table(table, "scd"),
            };
            self.push(
                Problem::new(
                    Code::Scd2WithoutNaturalKey,
                    format!("dimension `{}` keeps SCD2 history but has no natural key", d.name),
                    at,
                    "type 2 here",
                )
                .help("add `natural_key = \"...\"`: versions of one member are tied together by it"),
            );
        }
        if d.key_generation == KeyGeneration::Natural {
            if d.natural_key.len() != 1 {
                self.push(
                    Problem::new(
                        Code::NaturalKeyGeneration,
                        format!(
                            "dimension `{}` uses its natural key as key, which needs exactly one natural key column",
                            d.name
                        ),
                        Loc::table(table, "key_generation"),
                        format!("{} natural key columns", d.natural_key.len()),
                    )
                    .help("set `natural_key = \"DATE_ID\"` (one column), or use `key_generation = \"sequence\"`"),
                );
            } else if d.key != d.natural_key[0] {
                self.push(
                    Problem::new(
                        Code::NaturalKeyGeneration,
                        format!(
                            "dimension `{}`: with `key_generation = \"natural\"` the key is the natural key `{}`",
                            d.name, d.natural_key[0]
                        ),
                        Loc::table(table, "key"),
                        "differs from the natural key",
                    )
                    .help("remove `key`, or set it to the natural key column"),
                );
            } else if !matches!(
                d.column(&d.key).and_then(|c| c.declared_type()),
                Some(DataType::Number { scale: 0, .. })
            ) {
                let at = d
                    .columns
                    .iter()
                    .position(|c| c.name == d.key)
                    .map_or(Loc::table(table, "natural_key"), |i| Loc::column(table, i, "type"));
                self.push(
                    Problem::new(
                        Code::NaturalKeyGeneration,
                        format!("dimension `{}` uses `{}` as its key, which must be an integer (the unknown member is -1)", d.name, d.key),
                        at,
                        "not an integer type",
                    )
                    .help("smart keys are integers such as yyyymmdd; use `type = \"int\"` or `key_generation = \"identity\"`"),
                );
            } else if d.keeps_history() {
                self.push(Problem::new(
                    Code::NaturalKeyGeneration,
                    format!(
                        "dimension `{}` keeps SCD2 history, so its versions need a surrogate key",
                        d.name
                    ),
                    Loc::table(table, "key_generation"),
                    "one natural key, several versions",
                ));
            }
        }
    }

    fn fact(&mut self, table: TableId) {
        let f = &self.model.facts[table.index];
        if f.key_generation == KeyGeneration::Natural {
            self.push(
                Problem::new(
                    Code::NaturalKeyGeneration,
                    format!(
                        "fact `{}` cannot use its natural key as key: facts have a generated row key",
                        f.name
                    ),
                    Loc::table(table, "key_generation"),
                    "not for facts",
                )
                .help("use `identity` (default) or `sequence`"),
            );
        }
        for (i, column) in f.columns.iter().enumerate() {
            if let ColumnKind::Measure {
                sql_type,
                additivity,
                over,
            } = &column.kind
            {
                if let Some(over) = over {
                    let is_reference = f
                        .columns
                        .iter()
                        .any(|c| &c.name == over && matches!(c.kind, ColumnKind::Reference { .. }));
                    if *additivity != Additivity::SemiAdditive {
                        self.push(Problem::new(
                            Code::ConflictingKeys,
                            format!(
                                "measure `{}.{}` is {}, so `over` means nothing",
                                f.name,
                                column.name,
                                additivity.as_str()
                            ),
                            Loc::column(table, i, "over"),
                            "only for semi_additive measures",
                        ));
                    } else if !is_reference {
                        self.push(
                            Problem::new(
                                Code::UnknownColumn,
                                format!("`over` of `{}.{}` names `{over}`, which is not a reference column of `{}`", f.name, column.name, f.name),
                                Loc::column(table, i, "over"),
                                "not a reference",
                            )
                            .help("name the reference to the time dimension the measure must not be summed across, e.g. `over = \"SNAPSHOT_DATE\"`"),
                        );
                    }
                }
                if !sql_type.is_numeric() {
                    self.push(
                        Problem::new(
                            Code::NonNumericMeasure,
                            format!("measure `{}.{}` has type {sql_type}, which cannot be aggregated", f.name, column.name),
                            Loc::column(table, i, "type"),
                            "not numeric",
                        )
.help(format!(
                            "a {} measure is a number (e.g. `number(20,2)`, `float`); text belongs in an attribute or a degenerate dimension",
                            additivity.as_str()
                        )),
                    );
                }
                if f.fact_type == FactType::Factless {
                    self.push(
                        Problem::new(
                            Code::MeasureOnFactless,
                            format!("factless fact `{}` declares measure `{}`", f.name, column.name),
                            Loc::column(table, i, "measure"),
                            "a measure",
                        )
                        .also(Loc::table(table, "fact_type"), "declared factless here"),
                    );
                }
            }
            if let ColumnKind::Attribute { scd: Some(_), .. } = column.kind {
                self.push(Problem::new(
                    Code::MisplacedKey,
                    format!(
                        "column `{}.{}` sets `scd`, which only applies to dimension attributes",
                        f.name, column.name
                    ),
                    Loc::column(table, i, "scd"),
                    "facts keep no SCD history",
                ));
            }
        }
    }

    fn bridge(&mut self, table: TableId) {
        let b = &self.model.bridges[table.index];
        if b.dimensions.len() != 2 {
            self.push(
                Problem::new(
                    Code::BridgeArity,
                    format!(
                        "bridge `{}` joins {} dimension(s); a bridge joins exactly two",
                        b.name,
                        b.dimensions.len()
                    ),
                    Loc::table(table, "between"),
                    "expected two dimensions",
                )
                .help("write `between = [\"DIM_A\", \"DIM_B\"]`"),
            );
        } else if b.dimensions[0] == b.dimensions[1] {
            self.push(
                Problem::new(
                    Code::BridgeArity,
                    format!("bridge `{}` joins `{}` to itself", b.name, b.dimensions[0]),
                    Loc::table_item(table, "between", 1),
                    "the same dimension again",
                )
                .help("a bridge joins two different dimensions"),
            );
        }
        for (i, column) in b.columns.iter().enumerate() {
            let misplaced = match column.kind {
                ColumnKind::Measure { .. } => Some("measure"),
                ColumnKind::Degenerate { .. } => Some("degenerate"),
                ColumnKind::Attribute { scd: Some(_), .. } => Some("scd"),
                _ => None,
            };
            if let Some(key) = misplaced {
                let help = match key {
                    "measure" => {
                        "a bridge allocates through its weighting factor: name that column with `weight = \"COLUMN\"`"
                    }
                    "scd" => "a bridge keeps history through `effective = { from, to, current }`, not SCD types",
                    _ => "degenerate dimensions live on facts",
                };
                self.push(
                    Problem::new(
                        Code::MisplacedKey,
                        format!(
                            "column `{}.{}` sets `{key}`, which a bridge column cannot",
                            b.name, column.name
                        ),
                        Loc::column(table, i, key),
                        "not on a bridge",
                    )
                    .help(help),
                );
            }
        }
    }

    fn outrigger_cycles(&mut self) {
        // Depth-first search over dimension → dimension references (self-references are hierarchies, allowed).
        let dims = &self.model.dimensions;
        let index: HashMap<&str, usize> = dims.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect();
        let edges: Vec<Vec<(usize, usize)>> = dims
            .iter()
            .map(|d| {
                d.columns
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, c)| match &c.kind {
                        ColumnKind::Reference { dimension, .. } => index.get(dimension.as_str()).map(|&t| (t, ci)),
                        _ => None,
                    })
                    .filter(|&(t, _)| dims[t].name != d.name)
                    .collect()
            })
            .collect();
        let mut state = vec![0u8; dims.len()]; // 0 new, 1 on stack, 2 done
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for start in 0..dims.len() {
            if let Some(cycle) = find_cycle(start, &edges, &mut state, &mut stack) {
                let (first_dim, first_col) = cycle[0];
                let path: Vec<&str> = cycle.iter().map(|&(d, _)| dims[d].name.as_str()).collect();
                let mut problem = Problem::new(
                    Code::ReferenceCycle,
                    format!(
                        "dimensions reference each other in a cycle: {} → {}",
                        path.join(" → "),
                        path[0]
                    ),
                    Loc::column(id(TableKind::Dimension, first_dim), first_col, "references"),
                    "starts here",
                );
                for &(d, c) in &cycle[1..] {
                    problem = problem.also(Loc::column(id(TableKind::Dimension, d), c, "references"), "then here");
                }
                self.push(
                    problem.help("outriggers must form a hierarchy so tables can be created in order; break the cycle"),
                );
                return;
            }
        }
    }

    fn placeholders(&mut self) {
        let model = self.model;
        let mut strings: Vec<(Loc, &str)> = vec![(Loc::Model("database"), &model.database)];
        if let Some(c) = &model.comment {
            strings.push((Loc::Model("comment"), c));
        }
        for env in &model.environments {
            strings.push((
                Loc::Environment {
                    env: env.name.clone(),
                    key: "schema".into(),
                },
                &env.schema,
            ));
        }
        for (table, t) in self.tables() {
            if let Some(c) = t.comment() {
                strings.push((Loc::table(table, "comment"), c));
            }
            for (i, column) in t.columns().iter().enumerate() {
                if let Some(c) = &column.comment {
                    strings.push((Loc::column(table, i, "comment"), c));
                }
            }
        }
        for (index, mart) in model.marts.iter().enumerate() {
            let id = TableId {
                kind: TableKind::Mart,
                index,
            };
            if let Some(c) = &mart.comment {
                strings.push((Loc::table(id, "comment"), c));
            }
            if let crate::model::MartKind::DynamicTable {
                target_lag, warehouse, ..
            } = &mart.kind
            {
                strings.push((Loc::table(id, "target_lag"), target_lag));
                strings.push((Loc::table(id, "warehouse"), warehouse));
            }
        }
        for (index, role) in model.roles.iter().enumerate() {
            let id = TableId {
                kind: TableKind::Role,
                index,
            };
            strings.push((Loc::table(id, "name"), &role.name));
            strings.push((Loc::table(id, "parent"), &role.parent));
            if let Some(c) = &role.comment {
                strings.push((Loc::table(id, "comment"), c));
            }
            for (i, w) in role.warehouses.iter().enumerate() {
                strings.push((Loc::table_item(id, "warehouses", i), w));
            }
        }
        let located = |kind, index, key| Loc::table(TableId { kind, index }, key);
        for (index, f) in model.file_formats.iter().enumerate() {
            if let Some(c) = &f.comment {
                strings.push((located(TableKind::FileFormat, index, "comment"), c));
            }
        }
        for (index, i) in model.storage_integrations.iter().enumerate() {
            strings.push((located(TableKind::StorageIntegration, index, "name"), &i.name));
            strings.push((
                located(TableKind::StorageIntegration, index, "aws_role_arn"),
                &i.aws_role_arn,
            ));
            if let Some(c) = &i.comment {
                strings.push((located(TableKind::StorageIntegration, index, "comment"), c));
            }
            for (u, role) in i.usage.iter().enumerate() {
                strings.push((
                    Loc::table_item(
                        TableId {
                            kind: TableKind::StorageIntegration,
                            index,
                        },
                        "usage",
                        u,
                    ),
                    role,
                ));
            }
        }
        for (index, st) in model.stages.iter().enumerate() {
            strings.push((located(TableKind::Stage, index, "name"), &st.name));
            if let Some(url) = &st.url {
                strings.push((located(TableKind::Stage, index, "url"), url));
            }
            strings.push((
                located(TableKind::Stage, index, "storage_integration"),
                &st.storage_integration,
            ));
            if let Some(c) = &st.comment {
                strings.push((located(TableKind::Stage, index, "comment"), c));
            }
        }
        for (index, l) in model.loads.iter().enumerate() {
            strings.push((located(TableKind::Load, index, "stage"), &l.stage));
            strings.push((located(TableKind::Load, index, "pipe"), &l.pipe));
            strings.push((located(TableKind::Load, index, "warehouse"), &l.warehouse));
            for (key, value) in [
                ("aws_sns_topic", &l.aws_sns_topic),
                ("error_integration", &l.error_integration),
                ("pattern", &l.pattern),
                ("schedule", &l.schedule),
            ] {
                if let Some(v) = value {
                    strings.push((located(TableKind::Load, index, key), v));
                }
            }
        }
        for (at, text) in strings {
            if is_name_key(&at) && text.chars().any(breaks_text) {
                self.push(Problem::new(
                    Code::InvalidName,
                    format!("the name `{}` contains a control character", text.escape_debug()),
                    at.clone(),
                    "not a usable identifier",
                ));
            }
            match interpolate::placeholders(text) {
                Err(err) => self.push(
                    Problem::new(Code::BadPlaceholder, err.message, at, "malformed placeholder")
                        .within(err.range, text)
                        .help("write `${name}` for a variable, `$$` for a literal `$`"),
                ),
                Ok(found) => {
                    for placeholder in found {
                        let lacking: Vec<&str> = model
                            .environments
                            .iter()
                            .filter(|e| placeholder.name != "env" && !e.vars.contains_key(&placeholder.name))
                            .map(|e| e.name.as_str())
                            .collect();
                        if !lacking.is_empty() {
                            self.push(
                                Problem::new(
                                    Code::UndefinedVariable,
                                    format!("variable `{}` is not defined in environment {}", placeholder.name, lacking.join(", ")),
                                    at.clone(),
                                    "undefined variable",
                                )
                                .within(placeholder.range, text)
                                .help(format!(
                                    "define it under `[environments.{}.vars]` (and every other environment), e.g. `{} = \"...\"`",
                                    lacking[0], placeholder.name
                                )),
                            );
                        }
                    }
                }
            }
        }
    }
}

impl Validator<'_> {
    fn marts(&mut self) {
        let model = self.model;
        let mut names: HashMap<String, Loc> = HashMap::new();
        for (i, t) in self.tables() {
            names.insert(t.name().to_uppercase(), Loc::table(i, "name"));
        }
        for d in model.dimensions.iter().filter(|d| d.keeps_history()) {
            names.insert(crate::marts::current_view_name(d).to_uppercase(), Loc::Model("name"));
        }
        for (index, mart) in model.marts.iter().enumerate() {
            let id = TableId {
                kind: TableKind::Mart,
                index,
            };
            self.identifier(&mart.name, "a mart", Loc::table(id, "name"));
            if let Some(first) = names.insert(mart.name.to_uppercase(), Loc::table(id, "name")) {
                self.push(
                    Problem::new(
                        Code::DuplicateTable,
                        format!("mart `{}` has the name of another object of the schema", mart.name),
                        Loc::table(id, "name"),
                        "name taken",
                    )
                    .also(first, "first here")
                    .help("marts, tables and the `<DIM>_CURRENT` views of SCD2 dimensions share the schema"),
                );
            }
            match crate::marts::plan_in(model, Some(self.layouts), mart, id) {
                Ok(plan) => self.marts.push(plan),
                Err(mut problems) => self.problems.append(&mut problems),
            }
        }
    }

    /// What the governance step needs: every class of personal data a load
    /// or a dynamic table stores has a role that unmasks it (their owner
    /// reads through the policies), and no dynamic table stores a value
    /// computed from personal data (no policy fits it).
    fn masking(&mut self) {
        let model = self.model;
        let mut unmasked = [false; PiiClass::ALL.len()];
        for role in &model.roles {
            for class in &role.unmask {
                unmasked[*class as usize] = true;
            }
        }
        let mut reported = HashSet::new();
        let mut found = Vec::new();
        let mut stored = |found: &mut Vec<Problem>, table: TableRef<'_>, column: &str, by: &str| {
            let Some(index) = table.columns().iter().position(|c| c.name == column) else {
                return;
            };
            let Some(pii) = table.columns()[index].pii else { return };
            if unmasked[pii.class as usize] || !reported.insert((table.name().to_owned(), column.to_owned())) {
                return;
            }
            let Some(id) = TableId::of(model, table) else { return };
            found.push(
                Problem::new(
                    Code::NoUnmaskingRole,
                    format!(
                        "`{}.{column}` is `pii = \"{}\"` and {by}, but no role unmasks `{}`",
                        table.name(),
                        pii.class.as_str(),
                        pii.class.as_str()
                    ),
                    Loc::column(id, index, "pii"),
                    "no role reads it in clear",
                )
                .help(format!(
                    "tasks and dynamic-table refreshes read as their owner, the deploying role, which would store the mask instead of the value: give the role that loads the model `unmask = [\"{}\"]` (or `unmask = \"all\"`) and grant it to the deploying role (`parent = \"SYSADMIN\"`)",
                    pii.class.as_str()
                )),
            );
        };
        for load in &self.loads {
            let table = match load.table {
                crate::ingest::LoadTarget::Dimension(i) => TableRef::Dimension(&model.dimensions[i]),
                crate::ingest::LoadTarget::Fact(i) => TableRef::Fact(&model.facts[i]),
            };
            for column in &load.columns {
                if let crate::ingest::Landing::Value { column: target } = &column.landing {
                    stored(&mut found, table, target, "loaded");
                }
            }
        }
        for plan in &self.marts {
            let mart = &model.marts[plan.mart];
            if !matches!(mart.kind, crate::model::MartKind::DynamicTable { .. }) {
                continue;
            }
            let id = TableId {
                kind: TableKind::Mart,
                index: plan.mart,
            };
            for (expr, name) in &plan.select {
                for (table, column, keeps) in crate::masking::pii_read(model, plan, expr) {
                    if keeps {
                        stored(
                            &mut found,
                            table,
                            &column.name,
                            &format!("stored by the dynamic table `{}`", mart.name),
                        );
                    } else {
                        found.push(
                            Problem::new(
                                Code::MaskedComputation,
                                format!(
                                    "dynamic table `{}` computes `{name}` from `{}.{}`, which is `pii`",
                                    mart.name,
                                    table.name(),
                                    column.name
                                ),
                                Loc::table(id, "kind"),
                                "a dynamic table stores what its owner reads",
                            )
                            .help("a dynamic table stores the value its owner reads, in clear, and no masking policy fits a computed value: make the mart a view (which reads through the column's policy), or leave the column out"),
                        );
                    }
                }
            }
            // A refresh filters on what its owner reads, in clear: which rows
            // the table keeps would tell what the masked values are.
            if let Some(filter) = &plan.filter {
                for (table, column, _) in crate::masking::pii_read(model, plan, filter) {
                    found.push(
                        Problem::new(
                            Code::MaskedComputation,
                            format!(
                                "dynamic table `{}` keeps its rows by `{}.{}`, which is `pii`",
                                mart.name,
                                table.name(),
                                column.name
                            ),
                            Loc::table(id, "where"),
                            "filters on personal data in clear",
                        )
                        .help("a dynamic table's refresh reads the column in clear, so which rows it keeps reveals the values every reader of the mart is meant to see masked: make the mart a view (its `where` then reads the masked value), or filter on another column"),
                    );
                }
            }
        }
        self.problems.append(&mut found);
    }

    fn ingestion(&mut self) {
        let model = self.model;
        self.problems.extend(crate::ingest::check_objects(model));
        let (plans, mut problems) = crate::ingest::plan_all_in(model, Some(self.layouts));
        self.loads = plans;
        self.problems.append(&mut problems);
        // Names: identifiers, and no two objects of one schema share one.
        let mut names: HashMap<String, Loc> = self
            .tables()
            .into_iter()
            .map(|(id, t)| (t.name().to_uppercase(), Loc::table(id, "name")))
            .chain(model.marts.iter().enumerate().map(|(index, m)| {
                (
                    m.name.to_uppercase(),
                    Loc::table(
                        TableId {
                            kind: TableKind::Mart,
                            index,
                        },
                        "name",
                    ),
                )
            }))
            .collect();
        // A load whose table has references gets an unknown-member audit view.
        let audits: Vec<(usize, String)> = model
            .loads
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                model.loads[..*i].iter().all(|o| o.table != l.table)
                    && model
                        .dimension(&l.table)
                        .map(|d| d.columns.as_slice())
                        .or_else(|| model.fact(&l.table).map(|f| f.columns.as_slice()))
                        .is_some_and(|columns| columns.iter().any(|c| matches!(c.kind, ColumnKind::Reference { .. })))
            })
            .map(|(i, l)| (i, crate::naming::unknown_members(&l.table)))
            .collect();
        let mut objects: Vec<(&str, &str, Loc)> = Vec::new();
        for (index, name) in &audits {
            let id = TableId {
                kind: TableKind::Load,
                index: *index,
            };
            objects.push((name, "an unknown-member audit view", Loc::table(id, "table")));
        }
        for (index, f) in model.file_formats.iter().enumerate() {
            objects.push((
                &f.name,
                "a file format",
                Loc::table(
                    TableId {
                        kind: TableKind::FileFormat,
                        index,
                    },
                    "name",
                ),
            ));
        }
        for (index, st) in model.stages.iter().enumerate() {
            objects.push((
                &st.name,
                "a stage",
                Loc::table(
                    TableId {
                        kind: TableKind::Stage,
                        index,
                    },
                    "name",
                ),
            ));
        }
        let mut loaded: std::collections::HashSet<&str> = std::collections::HashSet::with_capacity(model.loads.len());
        for (index, l) in model.loads.iter().enumerate() {
            if !loaded.insert(l.table.as_str()) {
                continue; // reported as loaded twice; its default names collide too
            }
            let id = TableId {
                kind: TableKind::Load,
                index,
            };
            objects.push((&l.pipe, "a pipe", Loc::table(id, "pipe")));
            objects.push((&l.landing, "a landing table", Loc::table(id, "landing")));
        }
        for (index, i) in model.storage_integrations.iter().enumerate() {
            let id = TableId {
                kind: TableKind::StorageIntegration,
                index,
            };
            self.identifier(&i.name, "a storage integration", Loc::table(id, "name"));
            if let Some(first) = model.storage_integrations[..index]
                .iter()
                .position(|o| o.name == i.name)
            {
                self.push(
                    Problem::new(
                        Code::DuplicateTable,
                        format!("storage integration `{}` is declared twice", i.name),
                        Loc::table(id, "name"),
                        "declared again",
                    )
                    .also(
                        Loc::table(
                            TableId {
                                kind: TableKind::StorageIntegration,
                                index: first,
                            },
                            "name",
                        ),
                        "first here",
                    ),
                );
            }
            let declared: Vec<&str> = model.roles.iter().map(|r| r.name.as_str()).collect();
            for (u, role) in i.usage.iter().enumerate() {
                if !declared.contains(&role.as_str()) && !crate::model::SYSTEM_ROLES.contains(&role.as_str()) {
                    self.push(
                        Problem::new(
                            Code::UndeclaredRole,
                            format!("storage integration `{}` grants USAGE to `{role}`, which is neither declared nor a system role", i.name),
                            Loc::table_item(id, "usage", u),
                            "unknown role",
                        )
                        .help(format!("declare it as a `[[role]]`, or use one of {}", crate::model::SYSTEM_ROLES.join(", "))),
                    );
                }
            }
        }
        for (name, what, at) in objects {
            self.identifier(name, what, at.clone());
            if let Some(first) = names.insert(name.to_uppercase(), at.clone()) {
                self.push(
                    Problem::new(
                        Code::DuplicateTable,
                        format!("{what} is named `{name}`, like another object of the schema"),
                        at,
                        "name taken",
                    )
                    .also(first, "first here")
                    .help("tables, marts, file formats, stages, pipes and landing tables share the schema"),
                );
            }
        }
    }

    fn roles(&mut self) {
        let model = self.model;
        let declared: HashMap<&str, usize> = model
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i))
            .collect();
        let objects: Vec<&str> = model
            .tables()
            .map(TableRef::name)
            .chain(model.marts.iter().map(|m| m.name.as_str()))
            .collect();
        for (index, role) in model.roles.iter().enumerate() {
            let id = TableId {
                kind: TableKind::Role,
                index,
            };
            self.identifier(&role.name, "a role", Loc::table(id, "name"));
            if declared.get(role.name.as_str()) != Some(&index) {
                self.push(Problem::new(
                    Code::DuplicateTable,
                    format!("role `{}` is declared twice", role.name),
                    Loc::table(id, "name"),
                    "declared again here",
                ));
            }
            if let Some(system) = crate::model::SYSTEM_ROLES
                .iter()
                .find(|s| s.eq_ignore_ascii_case(&role.name))
            {
                self.push(
                    Problem::new(
                        Code::SystemRole,
                        format!("role `{}` is Snowflake's system role `{system}`; dimgen does not create or grant to system roles", role.name),
                        Loc::table(id, "name"),
                        "a system role",
                    )
                    .help(format!("give the role a name of its own and roll it up with `parent = \"{system}\"`")),
                );
            }
            if !declared.contains_key(role.parent.as_str())
                && !crate::model::SYSTEM_ROLES.contains(&role.parent.as_str())
            {
                self.push(
                    Problem::new(
                        Code::UndeclaredRole,
                        format!(
                            "role `{}` rolls up to `{}`, which is neither declared nor a system role",
                            role.name, role.parent
                        ),
                        Loc::table(id, "parent"),
                        "unknown role",
                    )
                    .help(format!(
                        "declare it as a `[[role]]`, or use one of {}",
                        crate::model::SYSTEM_ROLES.join(", ")
                    )),
                );
            }
            for (g, grant) in role.grants.iter().enumerate() {
                if let crate::model::Scope::Objects(names) = &grant.scope {
                    for name in names {
                        if !objects.contains(&name.as_str()) {
                            self.push(
                                Problem::new(
                                    Code::UnknownGrantObject,
                                    format!(
                                        "role `{}` is granted `{name}`, which is no table or mart of this model",
                                        role.name
                                    ),
                                    Loc::table_item(id, "grants", g),
                                    "unknown object",
                                )
                                .help(format!("tables and marts: {}", objects.join(", "))),
                            );
                        }
                    }
                }
            }
        }
        // Roles are account-wide: two declarations must not name one role in
        // any environment once `${env}` and variables are substituted.
        let mut reported = std::collections::HashSet::new();
        for env in &model.environments {
            let resolve = |t: &str| interpolate::resolve(t, &env.name, &env.vars).unwrap_or_else(|_| t.to_owned());
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (index, role) in model.roles.iter().enumerate() {
                let name = resolve(&role.name).to_uppercase();
                if let Some(&first) = seen.get(&name) {
                    if model.roles[first].name != role.name && reported.insert(index) {
                        self.push(
                            Problem::new(
                                Code::DuplicateTable,
                                format!(
                                    "roles `{}` and `{}` are both `{}` in environment {}",
                                    model.roles[first].name,
                                    role.name,
                                    resolve(&role.name),
                                    env.name
                                ),
                                Loc::table(
                                    TableId {
                                        kind: TableKind::Role,
                                        index,
                                    },
                                    "name",
                                ),
                                "same role",
                            )
                            .also(
                                Loc::table(
                                    TableId {
                                        kind: TableKind::Role,
                                        index: first,
                                    },
                                    "name",
                                ),
                                "as this one",
                            ),
                        );
                    }
                } else {
                    seen.insert(name, index);
                }
            }
        }
        // Cycles in the hierarchy (each role has one parent: follow the chain).
        for (index, role) in model.roles.iter().enumerate() {
            let mut seen = vec![index];
            let mut current = role;
            while let Some(&parent) = declared.get(current.parent.as_str()) {
                if parent == index {
                    // Report a cycle once, from its first declared member.
                    if seen.iter().any(|&i| i < index) {
                        break;
                    }
                    let chain: Vec<&str> = seen.iter().map(|&i| model.roles[i].name.as_str()).collect();
                    self.push(
                        Problem::new(
                            Code::RoleCycle,
                            format!(
                                "roles inherit from each other in a cycle: {} → {}",
                                chain.join(" → "),
                                role.name
                            ),
                            Loc::table(
                                TableId {
                                    kind: TableKind::Role,
                                    index,
                                },
                                "parent",
                            ),
                            "closes the cycle",
                        )
                        .help("a role hierarchy must end at a system role such as SYSADMIN"),
                    );
                    break;
                }
                if seen.contains(&parent) {
                    break; // a cycle not through this role; reported from one of its members
                }
                seen.push(parent);
                current = &model.roles[parent];
            }
        }
    }
}

/// Depth-first search from `start` for a cycle, iterative so a chain of
/// thousands of outriggers cannot overflow the stack. `path` holds the edges
/// `(from, column)` of the current search path.
fn find_cycle(
    start: usize,
    edges: &[Vec<(usize, usize)>],
    state: &mut [u8],
    path: &mut Vec<(usize, usize)>,
) -> Option<Vec<(usize, usize)>> {
    if state[start] != 0 {
        return None;
    }
    state[start] = 1;
    // (node, index of its next edge to follow)
    let mut frames: Vec<(usize, usize)> = vec![(start, 0)];
    while let Some(frame) = frames.last_mut() {
        let node = frame.0;
        if let Some(&(target, column)) = edges[node].get(frame.1) {
            frame.1 += 1;
            match state[target] {
                2 => {}
                1 => {
                    path.push((node, column));
                    let at = path.iter().position(|&(d, _)| d == target)?;
                    return Some(path[at..].to_vec());
                }
                _ => {
                    path.push((node, column));
                    state[target] = 1;
                    frames.push((target, 0));
                }
            }
        } else {
            state[node] = 2;
            frames.pop();
            path.pop();
        }
    }
    None
}

fn unknown_column(table: &str, name: &str, at: Loc, key: &str, physical: &[PhysicalColumn]) -> Problem {
    let names: Vec<&str> = physical.iter().map(|c| c.name.as_str()).collect();
    Problem::new(
        Code::UnknownColumn,
        format!("`{key}` of `{table}` names `{name}`, which is not a column of `{table}`"),
        at,
        "no such column",
    )
    .help(format!("columns of `{table}`: {}", names.join(", ")))
}

fn generated_help(first: &Origin, second: &Origin) -> String {
    let generated = [first, second].into_iter().find(|o| !matches!(o, Origin::Declared(_)));
    match generated {
        Some(Origin::SurrogateKey(_)) => {
            "dimgen adds the surrogate key column itself; rename it with `key = \"...\"` or rename the column".into()
        }
        Some(Origin::BridgeEnd(_)) => {
            "a bridge adds a reference column per dimension in `between`, named after that dimension's key".into()
        }
        Some(Origin::ValidFrom | Origin::ValidTo | Origin::IsCurrent) => {
            "SCD2 dimensions get VALID_FROM, VALID_TO and IS_CURRENT from dimgen; rename the declared column".into()
        }
        _ => String::new(),
    }
}

/// Whether the text at `at` becomes a name in the SQL (an identifier, as
/// opposed to a comment, a URL or another string literal).
fn is_name_key(at: &Loc) -> bool {
    let key = match at {
        Loc::Model(key) | Loc::Table { key, .. } | Loc::Column { key, .. } => *key,
        Loc::Environment { key, .. } => key.as_str(),
        Loc::Span(_) => return false,
    };
    matches!(
        key,
        // Names checked elsewhere (`database`, `schema`, every `name`, `pipe`) are not repeated here.
        "parent" | "warehouses" | "warehouse" | "usage" | "storage_integration" | "stage" | "error_integration"
    )
}

/// Whether `default` is a constant of `ty` (`None`: a reference).
fn default_fits(ty: Option<&DataType>, default: &DefaultValue) -> Result<(), String> {
    let Some(ty) = ty else {
        return Err("a reference takes no default: a missing one is the unknown member (-1)".to_owned());
    };
    // Digits before and after the point, of an integer or a decimal.
    let digits = |text: &str| -> Option<(usize, usize)> {
        let text = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        (!whole.is_empty() && all_digits(whole) && all_digits(fraction)).then(|| {
            (
                whole.trim_start_matches('0').len(),
                fraction.trim_end_matches('0').len(),
            )
        })
    };
    match (ty, default) {
        (DataType::Number { precision, scale }, DefaultValue::Int(_) | DefaultValue::Decimal(_)) => {
            // Only an integer or a decimal reaches here; both print as their digits.
            let text = default.to_string();
            let (whole, fraction) = digits(&text).ok_or_else(|| format!("`{text}` is not a decimal number"))?;
            let (p, s) = (usize::from(*precision), usize::from(*scale));
            if fraction > s {
                return Err(format!("{ty} keeps {s} digit(s) after the point"));
            }
            if whole > p - s {
                return Err(format!("{ty} holds {} digit(s) before the point", p - s));
            }
            Ok(())
        }
        (DataType::Float, DefaultValue::Int(_)) | (DataType::Boolean, DefaultValue::Bool(_)) => Ok(()),
        (DataType::Float, DefaultValue::Decimal(d)) => digits(d)
            .map(|_| ())
            .ok_or_else(|| format!("`{d}` is not a decimal number")),
        (DataType::Varchar(max), DefaultValue::Text(t)) => match max {
            Some(max) if t.chars().count() > *max as usize => Err(format!("it is longer than {ty}")),
            _ if t.chars().any(breaks_text) => Err("it contains a control character".to_owned()),
            _ => Ok(()),
        },
        (
            DataType::Date | DataType::Time | DataType::TimestampNtz | DataType::TimestampLtz | DataType::TimestampTz,
            DefaultValue::Text(t),
        ) => {
            // Snowflake casts the string; what it accepts is its business, but not a line break.
            if t.trim().is_empty() || t.chars().any(breaks_text) {
                Err(format!("a {ty} default is a non-empty string on one line"))
            } else {
                Ok(())
            }
        }
        (DataType::Variant | DataType::Object | DataType::Array | DataType::Binary, _) => {
            Err(format!("a {ty} column takes no constant default"))
        }
        _ => Err(format!("it is not a {ty} value")),
    }
}
