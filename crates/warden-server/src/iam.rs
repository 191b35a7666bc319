//! IAM's operations over the query protocol: parameters in, the result's XML out, with member
//! names and shapes as botocore's model (`botocore/data/iam/2010-05-08/service-2.json`) has
//! them. One module per kind of entity; the operation table ([`crate::operation`]) names each
//! handler and how the call is authorized.

pub mod access_keys;
pub mod account;
pub mod attached;
pub mod groups;
pub mod inline;
pub mod instance_profiles;
pub mod policies;
pub mod roles;
pub mod shapes;
pub mod simulator;
pub mod users;

use warden_store::EntityKind;

use crate::Call;
use crate::operation::{Entity, Operation, Reply, Service};
use crate::protocol::Xml;

pub use shapes::tags;

/// The IAM operations this endpoint serves, by name.
pub fn operations() -> Vec<&'static str> {
    Operation::ALL
        .iter()
        .filter(|op| op.spec().service == Service::Iam)
        .map(|op| op.name())
        .collect()
}

/// Whether `action` is an IAM operation this endpoint serves.
pub fn known(action: &str) -> bool {
    Operation::find(Service::Iam, action).is_some()
}

/// An operation without output.
fn none(result: warden_store::Result<()>) -> Reply {
    result?;
    Ok(None)
}

/// An operation's output.
fn output(x: Xml) -> Reply {
    Ok(Some(x.into_string()))
}

/// The user, group or role an attached- or inline-policy operation works on.
fn kind(c: &Call<'_>) -> EntityKind {
    match c.operation.entity() {
        Some(Entity::User) => EntityKind::User,
        Some(Entity::Group) => EntityKind::Group,
        _ => EntityKind::Role,
    }
}

/// The parameter naming an entity of `kind`.
fn name_param(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "UserName",
        EntityKind::Group => "GroupName",
        EntityKind::Role => "RoleName",
    }
}
