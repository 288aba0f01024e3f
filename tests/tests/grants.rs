//! Grants checked by meaning: the emitted `04_roles.sql` is read back as
//! text (tokenized by sqlparser, interpreted by a small parser of its own),
//! every role's effective privileges are computed, inherited ones included,
//! and compared with what the model declares — expanded here from the
//! documented access levels and scopes, independently of codegen. No role
//! may hold a privilege it was not given, none may lack one it was.
//!
//! Also: no OWNERSHIP, every `CREATE ROLE` is `IF NOT EXISTS` and never
//! `OR REPLACE`, every role used exists before it is used, read-only roles
//! can neither write nor create, the hierarchy has no cycle, every granted
//! database, schema, table, view and dynamic table is created by the
//! deployment with that kind, and which statement kinds sqlparser parses.
#![allow(clippy::doc_markdown)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use dimgen_tests::check::split_statements;
use dimgen_tests::{load_model, model_files, model_stem, schema_files};
use model_core::Validated;
use model_core::marts::current_view_name;
use model_core::model::{Access, MartKind, SYSTEM_ROLES, Scope};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

/// Kinds of role-file statement (see [`RoleStatement::kind`]) that
/// sqlparser 0.64's Snowflake dialect cannot parse. Each emitted statement of
/// these kinds is asserted to still fail, every other one to parse.
const SQLPARSER_CANNOT_PARSE: &[&str] = &[
    // No COMMENT in sqlparser's CREATE ROLE (without one it parses).
    "CREATE ROLE IF NOT EXISTS COMMENT",
    // No `CREATE <object kind>` privileges.
    "GRANT CREATE TABLE, CREATE VIEW, CREATE DYNAMIC TABLE ON SCHEMA",
    // No DYNAMIC TABLE(S) grant objects.
    "GRANT SELECT ON DYNAMIC TABLE",
    "GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA",
    "GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA",
];

/// Every kind of statement the inline model makes dimgen emit: the inline
/// model must keep covering all of them, so that the list above is checked
/// against every statement shape codegen has.
const INLINE_MODEL_KINDS: &[&str] = &[
    "CREATE ROLE IF NOT EXISTS",
    "CREATE ROLE IF NOT EXISTS COMMENT",
    "GRANT ROLE",
    "GRANT USAGE ON DATABASE",
    "GRANT USAGE ON SCHEMA",
    "GRANT USAGE ON WAREHOUSE",
    "GRANT CREATE TABLE, CREATE VIEW, CREATE DYNAMIC TABLE ON SCHEMA",
    "GRANT SELECT ON TABLE",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE",
    "GRANT SELECT ON VIEW",
    "GRANT SELECT ON DYNAMIC TABLE",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON FUTURE TABLES IN SCHEMA",
    "GRANT SELECT ON ALL VIEWS IN SCHEMA",
    "GRANT SELECT ON FUTURE VIEWS IN SCHEMA",
    "GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA",
    "GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA",
];

// ---------------------------------------------------------------------------
// Privileges
// ---------------------------------------------------------------------------

/// One privilege held by a role: `privilege ON on name`, e.g.
/// `SELECT ON VIEW ["DB", "S", "V"]` or `SELECT ON FUTURE TABLES IN SCHEMA ["DB", "S"]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct HeldPrivilege {
    /// `SELECT`, `CREATE DYNAMIC TABLE`, ...
    privilege: String,
    /// `DATABASE`, `SCHEMA`, `WAREHOUSE`, `TABLE`, `VIEW`, `DYNAMIC TABLE`,
    /// `ALL TABLES IN SCHEMA`, `FUTURE VIEWS IN SCHEMA`, ...
    on: String,
    /// The parts of the object's (or schema's) name, exactly.
    name: Vec<String>,
}

impl HeldPrivilege {
    fn new(privilege: &str, on: &str, name: &[&str]) -> Self {
        Self {
            privilege: privilege.to_owned(),
            on: on.to_owned(),
            name: name.iter().map(|&p| p.to_owned()).collect(),
        }
    }
}

impl fmt::Display for HeldPrivilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ON {} {}", self.privilege, self.on, quoted(&self.name))
    }
}

/// A name for messages: every part double-quoted, so nothing is ambiguous.
fn quoted(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

/// Privileges that change data or create objects: never held by a read-only role.
fn writes(privilege: &str) -> bool {
    matches!(privilege, "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE") || privilege.starts_with("CREATE")
}

/// Roles Snowflake provides: they need no `CREATE ROLE`.
fn is_system_role(name: &str) -> bool {
    SYSTEM_ROLES.contains(&name)
}

// ---------------------------------------------------------------------------
// Reading the role file
// ---------------------------------------------------------------------------

/// A statement of the role file, as this test understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RoleStatement {
    /// `CREATE [OR REPLACE] ROLE [IF NOT EXISTS] name [COMMENT = '...']`.
    CreateRole {
        name: String,
        or_replace: bool,
        if_not_exists: bool,
        comment: Option<String>,
    },
    /// `GRANT ROLE role TO ROLE to`: `to` inherits `role`.
    GrantRole { role: String, to: String },
    /// `GRANT privileges ON on name TO ROLE to`.
    Grant {
        privileges: Vec<String>,
        on: String,
        name: Vec<String>,
        to: String,
    },
}

impl RoleStatement {
    /// What sort of statement this is, for the sqlparser list: `CREATE ROLE`,
    /// `GRANT ROLE`, or `GRANT <privileges> ON <kind>` without the names.
    fn kind(&self) -> String {
        match self {
            Self::CreateRole {
                or_replace,
                if_not_exists,
                comment,
                ..
            } => format!(
                "CREATE {}ROLE {}{}",
                if *or_replace { "OR REPLACE " } else { "" },
                if *if_not_exists { "IF NOT EXISTS" } else { "" },
                if comment.is_some() { " COMMENT" } else { "" }
            ),
            Self::GrantRole { .. } => "GRANT ROLE".to_owned(),
            Self::Grant { privileges, on, .. } => format!("GRANT {} ON {on}", privileges.join(", ")),
        }
    }
}

/// A cursor over a statement's tokens.
struct Cursor<'t> {
    tokens: &'t [Token],
    pos: usize,
}

impl Cursor<'_> {
    /// Consume the unquoted keyword `word` if it comes next.
    fn keyword(&mut self, word: &str) -> bool {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Consume the keywords `words` in sequence, or nothing.
    fn keywords(&mut self, words: &[&str]) -> bool {
        let at = self.pos;
        if words.iter().all(|w| self.keyword(w)) {
            true
        } else {
            self.pos = at;
            false
        }
    }

    fn expect(&mut self, words: &[&str]) -> Result<(), String> {
        if self.keywords(words) {
            Ok(())
        } else {
            Err(format!(
                "expected `{}` at {:?}",
                words.join(" "),
                self.tokens.get(self.pos)
            ))
        }
    }

    /// An identifier: unquoted words mean their upper case, double-quoted
    /// ones exactly what is quoted.
    fn ident(&mut self) -> Result<String, String> {
        let name = match self.tokens.get(self.pos) {
            Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_uppercase(),
            Some(Token::Word(w)) if w.quote_style == Some('"') => w.value.clone(),
            other => return Err(format!("expected an identifier, found {other:?}")),
        };
        self.pos += 1;
        Ok(name)
    }

    /// A dotted name of exactly `parts` identifiers.
    fn name(&mut self, parts: usize) -> Result<Vec<String>, String> {
        let mut name = vec![self.ident()?];
        while matches!(self.tokens.get(self.pos), Some(Token::Period)) {
            self.pos += 1;
            name.push(self.ident()?);
        }
        if name.len() == parts {
            Ok(name)
        } else {
            Err(format!("expected a name of {parts} parts, found {}", quoted(&name)))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        match self.tokens.get(self.pos) {
            Some(Token::SingleQuotedString(s)) => {
                self.pos += 1;
                Ok(s.clone())
            }
            other => Err(format!("expected a string, found {other:?}")),
        }
    }

    fn end(&self) -> Result<(), String> {
        match self.tokens.get(self.pos) {
            None => Ok(()),
            Some(t) => Err(format!("unexpected `{t}`")),
        }
    }
}

/// Interpret one statement of the role file.
fn parse_role_statement(tokens: &[Token]) -> Result<RoleStatement, String> {
    parse_statement(tokens, false)
}

/// Interpret one statement; with `bare_table`, `GRANT ... ON name` means a
/// table (how sqlparser prints `ON TABLE name` back).
fn parse_statement(tokens: &[Token], bare_table: bool) -> Result<RoleStatement, String> {
    let mut c = Cursor { tokens, pos: 0 };
    if c.keyword("CREATE") {
        let or_replace = c.keywords(&["OR", "REPLACE"]);
        c.expect(&["ROLE"])?;
        let if_not_exists = c.keywords(&["IF", "NOT", "EXISTS"]);
        let name = c.ident()?;
        let comment = if c.keyword("COMMENT") {
            match c.tokens.get(c.pos) {
                Some(Token::Eq) => c.pos += 1,
                other => return Err(format!("expected `=`, found {other:?}")),
            }
            Some(c.string()?)
        } else {
            None
        };
        c.end()?;
        return Ok(RoleStatement::CreateRole {
            name,
            or_replace,
            if_not_exists,
            comment,
        });
    }
    c.expect(&["GRANT"])?;
    if c.keyword("ROLE") {
        let role = c.ident()?;
        c.expect(&["TO", "ROLE"])?;
        let to = c.ident()?;
        c.end()?;
        return Ok(RoleStatement::GrantRole { role, to });
    }
    // Privileges: comma-separated runs of unquoted words, up to ON.
    let mut privileges = Vec::new();
    loop {
        let mut words = Vec::new();
        while let Some(Token::Word(w)) = c.tokens.get(c.pos) {
            if w.quote_style.is_some() || w.value.eq_ignore_ascii_case("ON") {
                break;
            }
            words.push(w.value.to_uppercase());
            c.pos += 1;
        }
        if words.is_empty() {
            return Err(format!("expected a privilege, found {:?}", c.tokens.get(c.pos)));
        }
        privileges.push(words.join(" "));
        if matches!(c.tokens.get(c.pos), Some(Token::Comma)) {
            c.pos += 1;
        } else {
            break;
        }
    }
    c.expect(&["ON"])?;
    let (on, parts) = if c.keyword("DATABASE") {
        ("DATABASE".to_owned(), 1)
    } else if c.keyword("SCHEMA") {
        ("SCHEMA".to_owned(), 2)
    } else if c.keyword("WAREHOUSE") {
        ("WAREHOUSE".to_owned(), 1)
    } else if c.keyword("TABLE") {
        ("TABLE".to_owned(), 3)
    } else if c.keyword("VIEW") {
        ("VIEW".to_owned(), 3)
    } else if c.keywords(&["DYNAMIC", "TABLE"]) {
        ("DYNAMIC TABLE".to_owned(), 3)
    } else if let Some(which) = ["ALL", "FUTURE"].into_iter().find(|w| c.keyword(w)) {
        let kinds = if c.keyword("TABLES") {
            "TABLES"
        } else if c.keyword("VIEWS") {
            "VIEWS"
        } else if c.keywords(&["DYNAMIC", "TABLES"]) {
            "DYNAMIC TABLES"
        } else {
            return Err(format!("unknown object kind after {which}: {:?}", c.tokens.get(c.pos)));
        };
        c.expect(&["IN", "SCHEMA"])?;
        (format!("{which} {kinds} IN SCHEMA"), 2)
    } else if bare_table {
        ("TABLE".to_owned(), 3)
    } else {
        return Err(format!("unknown grant object {:?}", c.tokens.get(c.pos)));
    };
    let name = c.name(parts)?;
    c.expect(&["TO", "ROLE"])?;
    let to = c.ident()?;
    c.end()?;
    Ok(RoleStatement::Grant {
        privileges,
        on,
        name,
        to,
    })
}

/// The role file read back: statements with their SQL text, or the problems.
fn read_role_file(text: &str) -> Result<Vec<(String, RoleStatement)>, Vec<String>> {
    let statements = split_statements(text).map_err(|e| vec![e])?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for sql in statements {
        match parse_role_statement(&sql.tokens) {
            Ok(s) => out.push((sql.text, s)),
            Err(e) => problems.push(format!("cannot read `{}`: {e}", sql.text)),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

// ---------------------------------------------------------------------------
// Inheritance
// ---------------------------------------------------------------------------

/// What every role holds once the roles granted to it (transitively) are
/// added: `edges` are `(child, parent)`, the parent inheriting the child.
/// A cycle is an error naming it.
fn inherit<T: Ord + Clone>(
    own: &BTreeMap<String, BTreeSet<T>>,
    edges: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<String, BTreeSet<T>>, String> {
    fn visit<T: Ord + Clone>(
        role: &str,
        own: &BTreeMap<String, BTreeSet<T>>,
        children: &BTreeMap<&str, Vec<&str>>,
        done: &mut BTreeMap<String, BTreeSet<T>>,
        path: &mut Vec<String>,
    ) -> Result<(), String> {
        if done.contains_key(role) {
            return Ok(());
        }
        if let Some(at) = path.iter().position(|r| r == role) {
            let cycle: Vec<&str> = path[at..].iter().map(String::as_str).chain([role]).collect();
            return Err(format!("the role hierarchy has a cycle: {}", cycle.join(" inherits ")));
        }
        path.push(role.to_owned());
        let mut held = own.get(role).cloned().unwrap_or_default();
        for &child in children.get(role).map_or(&[][..], Vec::as_slice) {
            visit(child, own, children, done, path)?;
            held.extend(done[child].iter().cloned());
        }
        path.pop();
        done.insert(role.to_owned(), held);
        Ok(())
    }
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (child, parent) in edges {
        children.entry(parent.as_str()).or_default().push(child.as_str());
    }
    let roles: BTreeSet<&str> = own
        .keys()
        .map(String::as_str)
        .chain(edges.iter().flat_map(|(c, p)| [c.as_str(), p.as_str()]))
        .collect();
    let mut done = BTreeMap::new();
    for role in roles {
        visit(role, own, &children, &mut done, &mut Vec::new())?;
    }
    Ok(done)
}

// ---------------------------------------------------------------------------
// What the model declares
// ---------------------------------------------------------------------------

/// The model's roles for one environment, names resolved.
struct Declared {
    /// Role → its comment.
    roles: BTreeMap<String, Option<String>>,
    /// `(role, parent)`.
    edges: BTreeSet<(String, String)>,
    /// Role → the privileges its own grants expand to.
    own: BTreeMap<String, BTreeSet<HeldPrivilege>>,
    /// Roles whose grants, and those of every role below them, are all `read`.
    read_only: BTreeSet<String>,
    /// The landing tables, which no read-only role may reach.
    landing: BTreeSet<Vec<String>>,
}

/// Expand the model's roles from the documented rules:
/// - `read`: USAGE on the database and the schema, SELECT on the tables,
///   views and dynamic tables of the scope;
/// - `write`: read + INSERT, UPDATE, DELETE, TRUNCATE on the tables of the scope;
/// - `manage`: write + CREATE TABLE, CREATE VIEW, CREATE DYNAMIC TABLE on the
///   schema, for a schema scope (docs/marts.md: "(schema scope)");
/// - scope `schema`: ALL and FUTURE views and dynamic tables; for `read`,
///   each of the model's tables (dimensions, facts, bridges, not the
///   landing tables: docs/governance.md); above `read`, ALL and FUTURE tables;
///   `marts`: every mart and the current view of every SCD2 dimension;
///   `objects`: the named tables and marts;
/// - `warehouses`: USAGE on each.
fn declared(model: &Validated, env: &str) -> Declared {
    let environment = model.environment(env).expect("environment");
    let resolve = |text: &str| {
        model_core::interpolate::resolve(text, &environment.name, &environment.vars)
            .unwrap_or_else(|e| panic!("cannot resolve `{text}`: {e:?}"))
    };
    let database = resolve(&model.database);
    let schema = resolve(&environment.schema);
    // Table and mart names are literal: `$` in them is not a placeholder.
    let object = |name: &str| vec![database.clone(), schema.clone(), name.to_owned()];
    let mart_kind = |name: &str| {
        model.marts.iter().find(|m| m.name == name).map(|m| match m.kind {
            MartKind::DynamicTable { .. } => "DYNAMIC TABLE",
            _ => "VIEW",
        })
    };
    let mut out = Declared {
        roles: BTreeMap::new(),
        edges: BTreeSet::new(),
        own: BTreeMap::new(),
        read_only: BTreeSet::new(),
        landing: model.loads.iter().map(|l| object(&l.landing)).collect(),
    };
    let mut accesses: BTreeMap<String, BTreeSet<Access>> = BTreeMap::new();
    for role in &model.roles {
        let name = resolve(&role.name);
        out.roles.insert(name.clone(), role.comment.as_deref().map(resolve));
        out.edges.insert((name.clone(), resolve(&role.parent)));
        let held = out.own.entry(name.clone()).or_default();
        let mut grant = |privilege: &str, on: &str, name: Vec<String>| {
            held.insert(HeldPrivilege {
                privilege: privilege.to_owned(),
                on: on.to_owned(),
                name,
            });
        };
        for g in &role.grants {
            accesses.entry(name.clone()).or_default().insert(g.access);
            let writes = matches!(g.access, Access::Write | Access::Manage);
            grant("USAGE", "DATABASE", vec![database.clone()]);
            grant("USAGE", "SCHEMA", vec![database.clone(), schema.clone()]);
            let table_privileges: &[&str] = if writes {
                &["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
            } else {
                &["SELECT"]
            };
            match &g.scope {
                Scope::Schema => {
                    if !writes {
                        for table in model.tables() {
                            grant("SELECT", "TABLE", object(table.name()));
                        }
                    }
                    for which in ["ALL", "FUTURE"] {
                        for p in table_privileges.iter().filter(|_| writes) {
                            grant(
                                p,
                                &format!("{which} TABLES IN SCHEMA"),
                                vec![database.clone(), schema.clone()],
                            );
                        }
                        for kinds in ["VIEWS", "DYNAMIC TABLES"] {
                            grant(
                                "SELECT",
                                &format!("{which} {kinds} IN SCHEMA"),
                                vec![database.clone(), schema.clone()],
                            );
                        }
                    }
                    if g.access == Access::Manage {
                        for p in ["CREATE TABLE", "CREATE VIEW", "CREATE DYNAMIC TABLE"] {
                            grant(p, "SCHEMA", vec![database.clone(), schema.clone()]);
                        }
                    }
                }
                Scope::Marts => {
                    for mart in &model.marts {
                        grant("SELECT", mart_kind(&mart.name).expect("mart"), object(&mart.name));
                    }
                    for dimension in model.dimensions.iter().filter(|d| d.keeps_history()) {
                        grant("SELECT", "VIEW", object(&current_view_name(dimension)));
                    }
                }
                Scope::Objects(names) => {
                    for name in names {
                        if let Some(kind) = mart_kind(name) {
                            grant("SELECT", kind, object(name));
                        } else {
                            assert!(
                                model.tables().any(|t| t.name() == name),
                                "validation let through a grant on `{name}`, no table or mart"
                            );
                            for p in table_privileges {
                                grant(p, "TABLE", object(name));
                            }
                        }
                    }
                }
                other => panic!("a scope this test does not know: {other:?}"),
            }
        }
        for warehouse in &role.warehouses {
            grant("USAGE", "WAREHOUSE", vec![resolve(warehouse)]);
        }
    }
    let accesses = inherit(&accesses, &out.edges).expect("validation rejects cycles");
    out.read_only = out
        .roles
        .keys()
        .filter(|r| accesses.get(*r).is_none_or(|a| a.iter().all(|&a| a == Access::Read)))
        .cloned()
        .collect();
    out
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// Every difference between the role file `text` and what `model` declares
/// for environment `env`; empty when they agree.
fn check_role_file(model: &Validated, env: &str, text: &str) -> Vec<String> {
    let statements = match read_role_file(text) {
        Ok(s) => s,
        Err(problems) => return problems,
    };
    let declared = declared(model, env);
    let mut problems = Vec::new();
    let mut created: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut edges = BTreeSet::new();
    let mut own: BTreeMap<String, BTreeSet<HeldPrivilege>> = BTreeMap::new();
    for (sql, statement) in &statements {
        let exists = |role: &str| created.contains_key(role) || is_system_role(role);
        match statement {
            RoleStatement::CreateRole {
                name,
                or_replace,
                if_not_exists,
                comment,
            } => {
                if *or_replace {
                    problems.push(format!("OR REPLACE drops every grant of the role: `{sql}`"));
                }
                if !*if_not_exists {
                    problems.push(format!("CREATE ROLE without IF NOT EXISTS: `{sql}`"));
                }
                if is_system_role(name) {
                    problems.push(format!("creates the system role {name}: `{sql}`"));
                }
                if created.insert(name.clone(), comment.clone()).is_some() {
                    problems.push(format!("role {name:?} is created twice"));
                }
            }
            RoleStatement::GrantRole { role, to } => {
                for r in [role, to] {
                    if !exists(r) {
                        problems.push(format!(
                            "role {r:?} is neither created before nor a system role: `{sql}`"
                        ));
                    }
                }
                edges.insert((role.clone(), to.clone()));
            }
            RoleStatement::Grant {
                privileges,
                on,
                name,
                to,
            } => {
                if !exists(to) {
                    problems.push(format!(
                        "role {to:?} is neither created before nor a system role: `{sql}`"
                    ));
                }
                for privilege in privileges {
                    if privilege == "OWNERSHIP" {
                        problems.push(format!("OWNERSHIP granted: `{sql}`"));
                    }
                    own.entry(to.clone()).or_default().insert(HeldPrivilege {
                        privilege: privilege.clone(),
                        on: on.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
    }

    // The roles and the hierarchy.
    for (role, comment) in &declared.roles {
        match created.get(role) {
            None => problems.push(format!("declared role {role:?} is not created")),
            Some(c) if c != comment => {
                problems.push(format!(
                    "role {role:?} is created with comment {c:?}, declared {comment:?}"
                ));
            }
            Some(_) => {}
        }
    }
    for role in created.keys().filter(|r| !declared.roles.contains_key(*r)) {
        problems.push(format!("role {role:?} is created but not declared"));
    }
    for (child, parent) in edges.symmetric_difference(&declared.edges) {
        let what = if edges.contains(&(child.clone(), parent.clone())) {
            "emitted but not declared"
        } else {
            "declared but not emitted"
        };
        problems.push(format!("GRANT ROLE {child:?} TO ROLE {parent:?}: {what}"));
    }

    // Effective privileges, compared role by role.
    let effective = match inherit(&own, &edges) {
        Ok(e) => e,
        Err(cycle) => {
            problems.push(cycle);
            return problems;
        }
    };
    let expected = inherit(&declared.own, &declared.edges).expect("validation rejects cycles");
    let empty = BTreeSet::new();
    let roles: BTreeSet<&String> = effective.keys().chain(expected.keys()).collect();
    for role in roles {
        let held = effective.get(role).unwrap_or(&empty);
        let given = expected.get(role).unwrap_or(&empty);
        for p in held.difference(given) {
            problems.push(format!("role {role:?} holds {p}, which the model does not give it"));
        }
        for p in given.difference(held) {
            problems.push(format!("role {role:?} lacks {p}, which the model gives it"));
        }
        if declared.read_only.contains(role) {
            for p in held.iter().filter(|p| writes(&p.privilege)) {
                problems.push(format!("read-only role {role:?} can write: {p}"));
            }
            // ALL or FUTURE TABLES would reach the landing tables too.
            for p in held.iter().filter(|p| {
                p.on.ends_with(" TABLES IN SCHEMA") && !p.on.contains("DYNAMIC") || declared.landing.contains(&p.name)
            }) {
                problems.push(format!("read-only role {role:?} reaches the landing tables: {p}"));
            }
        }
    }
    problems
}

/// Objects the deployment creates, as `(kind, name)`: `DATABASE`, `SCHEMA`,
/// `TABLE`, `VIEW` (secure or not), `DYNAMIC TABLE` — including the dynamic
/// tables created inside `EXECUTE IMMEDIATE $$ ... $$` blocks and inside
/// `EXECUTE IMMEDIATE '...'` (the form used when a name holds `$$`).
fn created_objects(text: &str, out: &mut BTreeSet<(String, Vec<String>)>) {
    let statements = split_statements(text).unwrap_or_else(|e| panic!("{e}"));
    for sql in statements {
        let tokens = &sql.tokens;
        for (i, token) in tokens.iter().enumerate() {
            if let Token::DollarQuotedString(block) = token {
                created_objects(&block.value, out);
            }
            if let Token::SingleQuotedString(block) = token
                && (Cursor { tokens, pos: 0 }).keywords(&["EXECUTE", "IMMEDIATE"])
            {
                created_objects(block, out);
            }
            let mut c = Cursor { tokens, pos: i };
            if !c.keyword("CREATE") {
                continue;
            }
            c.keywords(&["OR", "REPLACE"]);
            c.keyword("SECURE");
            let (kind, parts) = if c.keyword("DATABASE") {
                ("DATABASE", 1)
            } else if c.keyword("SCHEMA") {
                ("SCHEMA", 2)
            } else if c.keyword("TABLE") {
                ("TABLE", 3)
            } else if c.keyword("VIEW") {
                ("VIEW", 3)
            } else if c.keywords(&["DYNAMIC", "TABLE"]) {
                ("DYNAMIC TABLE", 3)
            } else {
                continue;
            };
            c.keywords(&["IF", "NOT", "EXISTS"]);
            let name = c.name(parts).unwrap_or_else(|e| panic!("{e} in `{}`", sql.text));
            out.insert((kind.to_owned(), name));
        }
    }
}

/// Every database, schema and object a grant names is created by the
/// deployment, with the kind the grant says (a GRANT ON VIEW of a dynamic
/// table fails in Snowflake). Warehouses are not dimgen's to create.
fn check_granted_objects_exist(files: &[(String, String)]) -> Vec<String> {
    let mut objects = BTreeSet::new();
    let mut roles = None;
    for (name, text) in files {
        match name.as_str() {
            "04_roles.sql" => roles = Some(text),
            "deploy.sql" => {}
            _ => created_objects(text, &mut objects),
        }
    }
    let Some(roles) = roles else { return Vec::new() };
    let mut problems = Vec::new();
    for (sql, statement) in read_role_file(roles).unwrap_or_default() {
        let RoleStatement::Grant { on, name, .. } = statement else {
            continue;
        };
        let needed = match on.as_str() {
            "WAREHOUSE" => continue,
            "DATABASE" | "SCHEMA" | "TABLE" | "VIEW" | "DYNAMIC TABLE" => (on.clone(), name),
            _ => ("SCHEMA".to_owned(), name), // ALL / FUTURE ... IN SCHEMA
        };
        if !objects.contains(&needed) {
            problems.push(format!(
                "grants on {} {}, which the deployment does not create: `{sql}`",
                needed.0,
                quoted(&needed.1)
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/// A model with a three-level role hierarchy under an environment-named
/// engineer, a `manage` role, an `objects` scope over a table and a mart,
/// a `marts` scope (two views, a secure view, a dynamic table, an SCD2
/// current view), a role with only a warehouse, a system parent other than
/// SYSADMIN, and role names with quotes, spaces, a semicolon and lower case.
const INLINE_MODEL: &str = r#"
name = "grants"
database = "GRANTS_${env}"
comment = "Inline model for the effective-privilege test."

[environments.DEV]
schema = "MODEL"
vars = { wh = "dev_wh" }

[environments."prod env"]
schema = "Model \"Prod\""
vars = { wh = "PROD_WH" }

[[dimension]]
name = "DIM_CUSTOMER"
natural_key = "CUSTOMER_CODE"
scd = 2
columns = [
  { name = "CUSTOMER_CODE", type = "string" },
  { name = "CITY", type = "string" },
]

[[dimension]]
name = "DIM_PRODUCT"
natural_key = "SKU"
columns = [
  { name = "SKU", type = "string" },
  { name = "CATEGORY", type = "string" },
]

[[fact]]
name = "FACT_SALES"
columns = [
  { name = "CUSTOMER_KEY", references = "DIM_CUSTOMER" },
  { name = "PRODUCT_KEY", references = "DIM_PRODUCT" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]

[[mart]]
name = "MART_SALES"
fact = "FACT_SALES"
attributes = ["CUSTOMER.CITY", "PRODUCT.CATEGORY"]
columns = ["AMOUNT"]

[[mart]]
name = "MART_SALES_BY_CITY"
kind = "dynamic_table"
target_lag = "5 minutes"
warehouse = "TRANSFORM_WH"
fact = "FACT_SALES"
attributes = ["CUSTOMER.CITY"]
sum = ["AMOUNT"]

[[mart]]
name = "mart secure"
kind = "secure_view"
fact = "FACT_SALES"
attributes = ["PRODUCT.CATEGORY"]
sum = ["AMOUNT"]

[[role]]
name = "${env}_ENGINEER"
comment = "Engineers of ${env}: manage the model's schema."
warehouses = ["${wh}"]
grants = [{ access = "manage", scope = "schema" }]

[[role]]
name = "head's \"data\" role"
comment = "Heads of data: it's their loader"
parent = "${env}_ENGINEER"
grants = [{ access = "write", objects = ["FACT_SALES", "MART_SALES_BY_CITY"] }]

[[role]]
name = "Lead Analyst"
parent = "head's \"data\" role"
grants = [{ access = "read", scope = "marts" }]

[[role]]
name = "junior analyst; ${env}"
comment = "Back\\slash and\nnewline"
parent = "Lead Analyst"
warehouses = ["${env}_ANALYST_WH"]
grants = [{ access = "read", objects = ["MART_SALES", "mart secure", "DIM_PRODUCT"] }]

[[role]]
name = "LOADER"
parent = "USERADMIN"
grants = [{ access = "write", scope = "schema" }]

[[role]]
name = "wh_only"
warehouses = ["${wh}"]
"#;

fn load_inline(name: &str, text: &str) -> Validated {
    match model_core::load_str(name, text) {
        Ok(loaded) => loaded.model,
        Err(e) => panic!("{}", e.diagnostics.render(100)),
    }
}

/// The role file of a deployment, by name from the rendered text.
fn role_file(rendered: &[(String, String)]) -> String {
    rendered
        .iter()
        .find(|(name, _)| name == "04_roles.sql")
        .map(|(_, text)| text.clone())
        .unwrap_or_default()
}

/// Run every check on every environment of `model`; returns the number of
/// role-file statements read.
fn check_model(label: &str, model: &Validated) -> usize {
    let mut statements = 0;
    let mut failures = Vec::new();
    for env in &model.environments {
        let rendered = dimgen::generate(model, &env.name).expect("generate").rendered();
        let text = role_file(&rendered);
        statements += read_role_file(&text).map_or(0, |s| s.len());
        for problem in check_role_file(model, &env.name, &text)
            .into_iter()
            .chain(check_granted_objects_exist(&rendered))
        {
            failures.push(format!("{label} [{}]: {problem}", env.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    statements
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn every_schema_model_grants_exactly_what_it_declares() {
    // The models of schemas/ plus the valid fixtures (hostile names).
    for path in model_files() {
        let model = load_model(&path);
        let statements = check_model(&model_stem(&path), &model);
        let declared: usize = model.roles.len();
        assert!(
            declared == 0 || statements > 0,
            "{} declares {declared} roles but its role files are empty",
            path.display()
        );
    }
}

#[test]
fn the_inline_model_grants_exactly_what_it_declares() {
    let model = load_inline("grants.toml", INLINE_MODEL);
    assert!(check_model("inline", &model) > 0);
}

#[test]
fn hostile_role_names_are_read_back_exactly() {
    let model = load_inline("grants.toml", INLINE_MODEL);
    let rendered = dimgen::generate(&model, "prod env").unwrap().rendered();
    let statements = read_role_file(&role_file(&rendered)).unwrap();
    let created: Vec<&str> = statements
        .iter()
        .filter_map(|(_, s)| match s {
            RoleStatement::CreateRole { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        created,
        [
            "prod env_ENGINEER",
            "head's \"data\" role",
            "Lead Analyst",
            "junior analyst; prod env",
            "LOADER",
            "wh_only"
        ]
    );
    assert!(statements.iter().any(|(_, s)| matches!(
        s,
        RoleStatement::Grant { on, name, .. } if on == "VIEW" && name[1] == "Model \"Prod\"" && name[2] == "mart secure"
    )));
}

// --- The checker itself can fail -------------------------------------------

/// A small model for hand-written role files.
const SMALL_MODEL: &str = r#"
name = "small"
database = "DB"

[environments.PROD]
schema = "S"

[[dimension]]
name = "DIM_X"
natural_key = "CODE"
columns = [{ name = "CODE", type = "string" }]

[[fact]]
name = "FACT_ORDERS"
columns = [
  { name = "X_KEY", references = "DIM_X" },
  { name = "AMOUNT", type = "number(12,2)", measure = "additive" },
]

[[mart]]
name = "M"
fact = "FACT_ORDERS"
attributes = ["X.CODE"]

[[role]]
name = "ENGINEER"
grants = [{ access = "write", objects = ["FACT_ORDERS"] }]

[[role]]
name = "analyst"
comment = "Reads the mart."
parent = "ENGINEER"
warehouses = ["WH"]
grants = [{ access = "read", scope = "marts" }]
"#;

/// The role file `SMALL_MODEL` should produce, written by hand.
const SMALL_ROLES: &str = r#"-- hand-written
CREATE ROLE IF NOT EXISTS ENGINEER;
CREATE ROLE IF NOT EXISTS "analyst" COMMENT = 'Reads the mart.';
GRANT ROLE ENGINEER TO ROLE SYSADMIN;
GRANT USAGE ON DATABASE DB TO ROLE ENGINEER;
GRANT USAGE ON SCHEMA DB.S TO ROLE ENGINEER;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE DB.S.FACT_ORDERS TO ROLE ENGINEER;
GRANT ROLE "analyst" TO ROLE ENGINEER;
grant usage on database db to role "analyst";
GRANT USAGE ON SCHEMA "DB"."S" TO ROLE "analyst";
GRANT SELECT ON VIEW DB.S.M TO ROLE "analyst";
GRANT USAGE ON WAREHOUSE WH TO ROLE "analyst";
"#;

fn small_problems(text: &str) -> Vec<String> {
    check_role_file(&load_inline("small.toml", SMALL_MODEL), "PROD", text)
}

fn assert_reported(text: &str, expected: &[&str]) {
    let problems = small_problems(text);
    for e in expected {
        assert!(
            problems.iter().any(|p| p.contains(e)),
            "expected a problem containing `{e}`, got {problems:#?}"
        );
    }
}

#[test]
fn the_hand_written_file_and_the_generated_one_pass() {
    assert_eq!(small_problems(SMALL_ROLES), Vec::<String>::new());
    let model = load_inline("small.toml", SMALL_MODEL);
    let generated = role_file(&dimgen::generate(&model, "PROD").unwrap().rendered());
    assert_eq!(small_problems(&generated), Vec::<String>::new());
}

#[test]
fn an_extra_privilege_is_reported() {
    let text = format!("{SMALL_ROLES}GRANT INSERT ON VIEW DB.S.M TO ROLE \"analyst\";\n");
    assert_reported(
        &text,
        &[
            r#"role "analyst" holds INSERT ON VIEW "DB"."S"."M", which the model does not give it"#,
            r#"read-only role "analyst" can write: INSERT ON VIEW"#,
            // ENGINEER inherits it.
            r#"role "ENGINEER" holds INSERT ON VIEW "DB"."S"."M""#,
            r#"role "SYSADMIN" holds INSERT ON VIEW "DB"."S"."M""#,
        ],
    );
    // Case matters for quoted names: `"analyst"` is not ANALYST.
    let text = format!("{SMALL_ROLES}GRANT SELECT ON TABLE DB.S.FACT_ORDERS TO ROLE analyst;\n");
    assert_reported(
        &text,
        &[r#"role "ANALYST" is neither created before nor a system role"#],
    );
}

#[test]
fn a_reader_granted_all_tables_is_reported_as_reaching_the_landing_tables() {
    for on in ["ALL TABLES IN SCHEMA DB.S", "FUTURE TABLES IN SCHEMA DB.S"] {
        let text = format!("{SMALL_ROLES}GRANT SELECT ON {on} TO ROLE \"analyst\";\n");
        assert_reported(
            &text,
            &[r#"read-only role "analyst" reaches the landing tables: SELECT ON "#],
        );
    }
}

#[test]
fn a_missing_privilege_is_reported() {
    let text = SMALL_ROLES.replace("GRANT USAGE ON WAREHOUSE WH TO ROLE \"analyst\";\n", "");
    assert_reported(
        &text,
        &[
            r#"role "analyst" lacks USAGE ON WAREHOUSE "WH", which the model gives it"#,
            r#"role "ENGINEER" lacks USAGE ON WAREHOUSE "WH""#,
        ],
    );
    // A missing write privilege on the engineer's table.
    let text = SMALL_ROLES.replace("INSERT, UPDATE,", "INSERT,");
    assert_reported(
        &text,
        &[r#"role "ENGINEER" lacks UPDATE ON TABLE "DB"."S"."FACT_ORDERS""#],
    );
}

#[test]
fn inherited_privileges_count() {
    // The analyst granted the engineer: it now writes through inheritance.
    let text = format!("{SMALL_ROLES}GRANT ROLE ENGINEER TO ROLE \"analyst\";\n");
    assert_reported(
        &text,
        &[
            r#"GRANT ROLE "ENGINEER" TO ROLE "analyst": emitted but not declared"#,
            "the role hierarchy has a cycle",
        ],
    );
    // Without the cycle: the analyst rolls up elsewhere but inherits the engineer.
    let text = SMALL_ROLES.replace(
        "GRANT ROLE \"analyst\" TO ROLE ENGINEER;",
        "GRANT ROLE \"analyst\" TO ROLE SYSADMIN; GRANT ROLE ENGINEER TO ROLE \"analyst\";",
    );
    assert_reported(
        &text,
        &[
            r#"role "analyst" holds INSERT ON TABLE "DB"."S"."FACT_ORDERS", which the model does not give it"#,
            r#"read-only role "analyst" can write: INSERT ON TABLE"#,
            r#"role "ENGINEER" lacks SELECT ON VIEW "DB"."S"."M""#,
        ],
    );
}

#[test]
fn forbidden_statements_are_reported() {
    let text = SMALL_ROLES.replace("CREATE ROLE IF NOT EXISTS ENGINEER", "CREATE OR REPLACE ROLE ENGINEER");
    assert_reported(
        &text,
        &["OR REPLACE drops every grant", "CREATE ROLE without IF NOT EXISTS"],
    );
    let text = format!("{SMALL_ROLES}GRANT OWNERSHIP ON TABLE DB.S.FACT_ORDERS TO ROLE ENGINEER;\n");
    assert_reported(
        &text,
        &["OWNERSHIP granted", r#"role "ENGINEER" holds OWNERSHIP ON TABLE"#],
    );
    let text = SMALL_ROLES.replace("CREATE ROLE IF NOT EXISTS ENGINEER;\n", "");
    assert_reported(
        &text,
        &[
            r#"role "ENGINEER" is neither created before nor a system role"#,
            r#"declared role "ENGINEER" is not created"#,
        ],
    );
    let text = SMALL_ROLES.replace("'Reads the mart.'", "'Reads the mart'");
    assert_reported(
        &text,
        &[r#"role "analyst" is created with comment Some("Reads the mart")"#],
    );
    // A role used before it is created.
    let text = SMALL_ROLES.replace(
        "CREATE ROLE IF NOT EXISTS \"analyst\" COMMENT = 'Reads the mart.';\n",
        "",
    ) + "CREATE ROLE IF NOT EXISTS \"analyst\" COMMENT = 'Reads the mart.';\n";
    assert_reported(
        &text,
        &[r#"role "analyst" is neither created before nor a system role"#],
    );
    // A system role declared and created (and so granted to SYSADMIN), a role created twice.
    assert_reported(
        &format!("{SMALL_ROLES}CREATE ROLE IF NOT EXISTS ACCOUNTADMIN;\nCREATE ROLE IF NOT EXISTS ENGINEER;\n"),
        &[
            "creates the system role ACCOUNTADMIN",
            r#"role "ENGINEER" is created twice"#,
        ],
    );
    // Unreadable statements are problems, not silently skipped.
    assert_reported(
        &format!("{SMALL_ROLES}GRANT SELECT ON TABLE DB.S.FACT_ORDERS TO ROLE ENGINEER WITH GRANT OPTION;\n"),
        &["cannot read"],
    );
    assert_reported(
        &format!("{SMALL_ROLES}REVOKE SELECT ON TABLE DB.S.FACT_ORDERS FROM ROLE ENGINEER;\n"),
        &["cannot read"],
    );
}

/// Removing any one generated statement is reported — unless it is a GRANT
/// whose privileges the grantee still inherits from a role granted to it,
/// which grants them itself (each role carries its own USAGE on the database
/// and schema, so its parent's copy is redundant in effect).
#[test]
fn removing_any_generated_statement_is_reported() {
    let model = load_inline("grants.toml", INLINE_MODEL);
    for env in &model.environments {
        let text = role_file(&dimgen::generate(&model, &env.name).unwrap().rendered());
        let statements = read_role_file(&text).unwrap();
        assert!(statements.len() > 40, "{}", statements.len());
        // Who is below whom, and what each role is granted directly.
        let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (_, s) in &statements {
            if let RoleStatement::GrantRole { role, to } = s {
                children.entry(to.as_str()).or_default().push(role.as_str());
            }
        }
        let below = |role: &str| {
            let mut found = BTreeSet::new();
            let mut todo = vec![role];
            while let Some(r) = todo.pop() {
                for &c in children.get(r).map_or(&[][..], Vec::as_slice) {
                    if found.insert(c) {
                        todo.push(c);
                    }
                }
            }
            found
        };
        let mut unreported = 0;
        for skip in 0..statements.len() {
            let mutated = statements.iter().enumerate().filter(|&(i, _)| i != skip).fold(
                String::new(),
                |mut out, (_, (sql, _))| {
                    writeln!(out, "{sql};").unwrap();
                    out
                },
            );
            if !check_role_file(&model, &env.name, &mutated).is_empty() {
                continue;
            }
            unreported += 1;
            let (sql, removed) = &statements[skip];
            let RoleStatement::Grant {
                privileges,
                on,
                name,
                to,
            } = removed
            else {
                panic!("nothing reported without `{sql}`");
            };
            let lower = below(to);
            let inherited = statements.iter().any(|(_, s)| {
                matches!(s, RoleStatement::Grant { privileges: p, on: o, name: n, to: t }
                    if lower.contains(t.as_str()) && o == on && n == name && privileges.iter().all(|x| p.contains(x)))
            });
            assert!(
                inherited,
                "nothing reported without `{sql}`, which no role below {to:?} grants"
            );
        }
        // Here: the USAGE on database and schema of the three roles with a
        // child, the two marts the lead analyst's `marts` scope shares with
        // the junior's objects, and the dynamic table the head's role shares
        // with the lead's marts.
        assert_eq!(unreported, 9, "redundant statements");
    }
}

#[test]
fn quoted_names_do_not_split_statements() {
    let statements = read_role_file(
        "CREATE ROLE IF NOT EXISTS \"a;b\"\"c\" COMMENT = 'x;''y\\\\z';\nGRANT ROLE \"a;b\"\"c\" TO ROLE SYSADMIN; -- ; not a statement\n",
    )
    .unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[0].1,
        RoleStatement::CreateRole {
            name: "a;b\"c".to_owned(),
            or_replace: false,
            if_not_exists: true,
            comment: Some("x;'y\\z".to_owned()),
        }
    );
}

#[test]
fn granted_objects_must_exist_with_their_kind() {
    let files = vec![
        (
            "01_database.sql".to_owned(),
            "CREATE DATABASE IF NOT EXISTS DB; CREATE SCHEMA IF NOT EXISTS DB.S;".to_owned(),
        ),
        (
            "03_marts.sql".to_owned(),
            "EXECUTE IMMEDIATE $$ BEGIN CREATE OR REPLACE DYNAMIC TABLE DB.S.D TARGET_LAG = '1 minute' AS SELECT 1; END; $$;"
                .to_owned(),
        ),
        (
            "04_roles.sql".to_owned(),
            "GRANT SELECT ON DYNAMIC TABLE DB.S.D TO ROLE R; GRANT SELECT ON VIEW DB.S.D TO ROLE R; GRANT USAGE ON SCHEMA DB.T TO ROLE R;"
                .to_owned(),
        ),
    ];
    let problems = check_granted_objects_exist(&files);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains(r#"VIEW "DB"."S"."D""#), "{problems:#?}");
    assert!(problems[1].contains(r#"SCHEMA "DB"."T""#), "{problems:#?}");
}

// --- sqlparser -------------------------------------------------------------

/// Every role-file statement of the given deployments, by kind: the SQL texts.
fn statements_by_kind(models: &[Validated]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for model in models {
        for env in &model.environments {
            let rendered = dimgen::generate(model, &env.name).unwrap().rendered();
            for (sql, statement) in read_role_file(&role_file(&rendered)).unwrap() {
                out.entry(statement.kind()).or_default().push(sql);
            }
        }
    }
    out
}

#[test]
fn sqlparser_parses_every_role_statement_kind_but_the_listed_ones() {
    let mut models: Vec<Validated> = schema_files().iter().map(|p| load_model(p)).collect();
    models.push(load_inline("grants.toml", INLINE_MODEL));
    let mut failures = Vec::new();
    let mut unparseable = BTreeSet::new();
    for (kind, texts) in statements_by_kind(&models) {
        let listed = SQLPARSER_CANNOT_PARSE.contains(&kind.as_str());
        for sql in texts {
            match Parser::parse_sql(&SnowflakeDialect {}, &sql) {
                Ok(_) if listed => {
                    failures.push(format!("sqlparser now parses `{kind}`: take it off the list\n{sql}"));
                }
                Ok(parsed) if parsed.len() == 1 => {
                    // What sqlparser understood means the same as what this test read.
                    let again = parsed[0].to_string();
                    let ours = split_statements(&format!("{sql};")).unwrap();
                    let theirs = split_statements(&format!("{again};")).unwrap();
                    let (ours, theirs) = (
                        parse_role_statement(&ours[0].tokens),
                        parse_statement(&theirs[0].tokens, true),
                    );
                    if ours != theirs {
                        failures.push(format!("sqlparser reads `{sql}` as `{again}`: {ours:?} vs {theirs:?}"));
                    }
                }
                Ok(parsed) => failures.push(format!("`{sql}` parsed as {} statements", parsed.len())),
                Err(_) if listed => {}
                Err(e) => {
                    unparseable.insert(kind.clone());
                    failures.push(format!("{kind}: {e}\n{sql}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nkinds sqlparser cannot parse: {unparseable:#?}",
        failures.join("\n\n")
    );
}

#[test]
fn the_inline_model_covers_every_statement_kind() {
    let kinds: BTreeSet<String> = statements_by_kind(&[load_inline("grants.toml", INLINE_MODEL)])
        .into_keys()
        .collect();
    let expected: BTreeSet<String> = INLINE_MODEL_KINDS.iter().map(|&k| k.to_owned()).collect();
    assert_eq!(kinds, expected);
    for kind in SQLPARSER_CANNOT_PARSE {
        assert!(kinds.contains(*kind), "listed kind `{kind}` is never emitted");
    }
}

#[test]
fn privileges_print_unambiguously() {
    let p = HeldPrivilege::new("SELECT", "VIEW", &["DB", "S", "a\"b.c"]);
    assert_eq!(p.to_string(), r#"SELECT ON VIEW "DB"."S"."a""b.c""#);
}
