//! What the in-process tests share: IAM operations run through the operation table by name.

#![allow(dead_code)]

use warden_server::operation::{Operation, Service};
use warden_server::protocol::{AwsError, Params};
use warden_server::{Caller, Target};
use warden_store::Store;

/// The IAM operations the table serves.
pub fn operations() -> Vec<&'static str> {
    warden_server::iam::operations()
}

/// The IAM operation `action`, or IAM's `InvalidAction`.
pub fn operation(action: &str) -> Result<Operation, AwsError> {
    Operation::find(Service::Iam, action).ok_or_else(|| {
        AwsError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-05-08"),
            400,
        )
    })
}

/// Runs an IAM operation as the table says, without deciding its authorization.
pub fn handle(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
) -> Result<Option<String>, AwsError> {
    warden_server::server::execute(store, operation(action)?, params, caller, None)
}

/// What an IAM operation is authorized on.
pub fn target(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
) -> Result<Target, AwsError> {
    let needs = warden_server::resolve::needs(store, operation(action)?, params, caller)?;
    Ok(needs
        .into_iter()
        .next()
        .map(|n| n.target)
        .unwrap_or_default())
}
