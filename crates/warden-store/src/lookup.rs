//! Finding entities by name inside a transaction, with IAM's NoSuchEntity messages. Names are
//! compared regardless of case (`name_key`).

use crate::db::Tx;
use crate::error::{Result, StoreError};
use crate::model::EntityKind;

/// The id of the user, group or role named `name`.
pub(crate) fn entity_id(tx: &mut dyn Tx, kind: EntityKind, name: &str) -> Result<String> {
    let sql = format!("SELECT id FROM {} WHERE name_key = $1", kind.table());
    tx.query_one(&sql, &[name.to_lowercase().into()])?
        .map(|row| row.str(0))
        .ok_or_else(|| not_found(kind, name))
}

/// IAM's message for a user, group or role that does not exist.
pub(crate) fn not_found(kind: EntityKind, name: &str) -> StoreError {
    StoreError::no_such_entity(format!(
        "The {} with name {name} cannot be found.",
        kind.noun()
    ))
}

/// The id of the instance profile named `name`.
pub(crate) fn instance_profile_id(tx: &mut dyn Tx, name: &str) -> Result<String> {
    tx.query_one(
        "SELECT id FROM iam_instance_profiles WHERE name_key = $1",
        &[name.to_lowercase().into()],
    )?
    .map(|row| row.str(0))
    .ok_or_else(|| StoreError::no_such_entity(format!("Instance Profile {name} cannot be found.")))
}
