//! Step 4: roles, their hierarchy, and least-privilege grants.
//!
//! Roles are created with `CREATE ROLE IF NOT EXISTS` (never OR REPLACE,
//! which drops every grant) and roll up to their parent (`SYSADMIN` unless
//! declared). Access levels expand to privilege bundles; a schema scope is
//! granted both ON ALL (what exists) and ON FUTURE (what later deploys
//! create), but for a reader's tables: those are the model's, one by one,
//! so that no reader reaches the landing tables and their raw source rows.
//! No role is ever granted OWNERSHIP.

use std::collections::HashMap;

use model_core::marts::current_view_name;
use model_core::model::{Access, MartKind, Scope};

use crate::ddl::Target;
use crate::writer::{GrantOn, ObjectKind, ObjectName, Privilege, Statement};

/// Privileges on tables for an access level.
pub fn table_privileges(access: Access) -> Vec<Privilege> {
    match access {
        Access::Read => vec![Privilege::Select],
        // `Access` is non-exhaustive; every level above read writes.
        _ => vec![
            Privilege::Select,
            Privilege::Insert,
            Privilege::Update,
            Privilege::Delete,
            Privilege::Truncate,
        ],
    }
}

/// Schema privileges added by `manage`.
pub const MANAGE_PRIVILEGES: &[Privilege] = &[
    Privilege::Create(ObjectKind::Table),
    Privilege::Create(ObjectKind::View),
    Privilege::Create(ObjectKind::DynamicTable),
];

/// The kind keyword (for GRANT ... ON <kind>) of every mart and current
/// view; any other object of the schema is a TABLE. Built once, so a grant
/// per object is a lookup, not a scan of the model.
fn object_kinds(model: &model_core::Model) -> HashMap<String, ObjectKind> {
    let mut kinds = HashMap::with_capacity(model.marts.len() + model.dimensions.len());
    for d in &model.dimensions {
        kinds.insert(current_view_name(d), ObjectKind::View);
    }
    // A mart named like a current view wins, as it did when marts were looked up first.
    for m in &model.marts {
        let kind = match m.kind {
            MartKind::DynamicTable { .. } => ObjectKind::DynamicTable,
            _ => ObjectKind::View,
        };
        kinds.insert(m.name.clone(), kind);
    }
    kinds
}

/// Every statement of step 4.
pub fn roles(target: &Target<'_>) -> Vec<Statement> {
    let model = target.model;
    let schema = ObjectName(vec![target.database.clone(), target.schema.clone()]);
    let mut out = Vec::new();
    let kinds = object_kinds(model);
    let object_kind = |name: &str| kinds.get(name).copied().unwrap_or(ObjectKind::Table);
    for role in &model.roles {
        out.push(Statement::CreateRole {
            name: target.text(&role.name),
            comment: target.comment(role.comment.as_deref()),
        });
    }
    for role in &model.roles {
        let name = target.text(&role.name);
        out.push(Statement::GrantRole {
            role: name.clone(),
            to: target.text(&role.parent),
        });
        let grant = |privileges: Vec<Privilege>, on: GrantOn| Statement::Grant {
            privileges,
            on,
            role: name.clone(),
        };
        if !role.grants.is_empty() {
            out.push(grant(
                vec![Privilege::Usage],
                GrantOn::Database(target.database.clone()),
            ));
            out.push(grant(vec![Privilege::Usage], GrantOn::Schema(schema.clone())));
        }
        for g in &role.grants {
            match &g.scope {
                Scope::Schema => {
                    // A reader gets the model's tables one by one, not ALL or
                    // FUTURE TABLES: those would reach the landing tables,
                    // which hold the raw source rows. A deployment grants the
                    // tables it creates, so a later table is granted then.
                    let tables = if g.access == Access::Read {
                        for table in model.tables() {
                            out.push(grant(
                                vec![Privilege::Select],
                                GrantOn::Object(ObjectKind::Table, target.object(table.name())),
                            ));
                        }
                        None
                    } else {
                        Some((ObjectKind::Table, table_privileges(g.access)))
                    };
                    let others = [
                        (ObjectKind::View, vec![Privilege::Select]),
                        (ObjectKind::DynamicTable, vec![Privilege::Select]),
                    ];
                    for (kinds, privileges) in tables.into_iter().chain(others) {
                        out.push(grant(privileges.clone(), GrantOn::All(kinds, schema.clone())));
                        out.push(grant(privileges, GrantOn::Future(kinds, schema.clone())));
                    }
                    if g.access == Access::Manage {
                        out.push(grant(MANAGE_PRIVILEGES.to_vec(), GrantOn::Schema(schema.clone())));
                    }
                }
                Scope::Marts => {
                    let current = model
                        .dimensions
                        .iter()
                        .filter(|d| d.keeps_history())
                        .map(current_view_name);
                    for mart in current.chain(model.marts.iter().map(|m| m.name.clone())) {
                        let kind = object_kind(&mart);
                        out.push(grant(
                            vec![Privilege::Select],
                            GrantOn::Object(kind, target.object(&mart)),
                        ));
                    }
                }
                Scope::Objects(names) => {
                    for object in names {
                        let kind = object_kind(object);
                        let privileges = if kind == ObjectKind::Table {
                            table_privileges(g.access)
                        } else {
                            vec![Privilege::Select]
                        };
                        out.push(grant(privileges, GrantOn::Object(kind, target.object(object))));
                    }
                }
                // `Scope` is non-exhaustive; every scope model-core loads is handled above.
                _ => {}
            }
        }
        for warehouse in &role.warehouses {
            out.push(grant(
                vec![Privilege::Usage],
                GrantOn::Warehouse(target.text(warehouse)),
            ));
        }
    }
    out
}
