//! Every IAM operation against malformed parameters: never a panic, never a 5xx, and a refused
//! call leaves the store as it was (its generation does not move: a write that fails rolls back
//! with its generation bump).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};

mod common;

use common::{handle, operations, target};
use warden_server::Caller;
use warden_server::operation::{Operation, Service};
use warden_server::protocol::Params;
use warden_store::Store;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Parameter names the operations read, so that garbage reaches their validation.
const NAMES: &[&str] = &[
    "UserName",
    "GroupName",
    "RoleName",
    "InstanceProfileName",
    "PolicyName",
    "PolicyArn",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "Path",
    "PathPrefix",
    "NewPath",
    "NewUserName",
    "NewGroupName",
    "Description",
    "MaxSessionDuration",
    "PermissionsBoundary",
    "VersionId",
    "SetAsDefault",
    "MaxItems",
    "Marker",
    "AccessKeyId",
    "Status",
    "AWSServiceName",
    "CustomSuffix",
    "DeletionTaskId",
    "PolicySourceArn",
    "CallerArn",
    "ResourcePolicy",
    "ResourceOwner",
    "ResourceHandlingOption",
    "EntityFilter",
    "PolicyUsageFilter",
    "Scope",
    "OnlyAttached",
    "Filter.member.1",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "TagKeys.member.1",
    "ActionNames.member.1",
    "ResourceArns.member.1",
    "PolicyInputList.member.1",
    "PermissionsBoundaryPolicyInputList.member.1",
    "ContextEntries.member.1.ContextKeyName",
    "ContextEntries.member.1.ContextKeyType",
    "ContextEntries.member.1.ContextKeyValues.member.1",
];

/// Values that are wrong in every way a client can get them wrong.
fn values() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "-1".into(),
        "0".into(),
        "99999999999999999999999".into(),
        "true".into(),
        "null".into(),
        "x".repeat(70_000),
        "名前".into(),
        "<a>&amp;</a>".into(),
        "%00%ZZ".into(),
        "\u{0}\u{7f}\u{fffd}".into(),
        "arn:aws:iam::123456789012:role/ecs-task".into(),
        "arn:aws:iam::aws:policy/AmazonECS_FullAccess".into(),
        "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess".into(),
        "arn:".into(),
        "{".into(),
        r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.into(),
        "/".into(),
        "//".into(),
        "/a".into(),
        "v1".into(),
        "v0".into(),
        "AKIA".into(),
        "Inactive".into(),
        "ecs.amazonaws.com".into(),
        "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/x".into(),
    ]
}

fn caller(store: &Store) -> Caller {
    let account = store.account_id();
    Caller {
        arn: format!("arn:aws:iam::{account}:user/admin"),
        user_name: Some("admin".into()),
        account,
        access_key_id: "AKIAEXAMPLE".into(),
        region: "us-east-1".into(),
        source_ip: None,
    }
}

#[test]
fn no_operation_panics_or_fails_with_a_server_error_and_refusals_change_nothing() {
    let store = Store::open(":memory:").expect("store");
    // Something for the operations to find: a role, a user, a group, a policy.
    store
        .create_role("ecs-task", None, TRUST, None, None, None, &[])
        .expect("role");
    store.create_user("ci", None, None, &[]).expect("user");
    store.create_group("deployers", None).expect("group");
    let caller = caller(&store);
    let values = values();
    let mut calls = 0;
    let mut problems = Vec::new();
    for op in operations() {
        // Each operation with no parameter, then each value in every parameter at once, then
        // each value in one parameter at a time (the others sensible).
        let mut cases: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for value in &values {
            cases.push(
                NAMES
                    .iter()
                    .map(|n| (n.to_string(), value.clone()))
                    .collect(),
            );
        }
        for name in NAMES {
            for value in values.iter().step_by(3) {
                let mut pairs: Vec<(String, String)> = vec![
                    ("RoleName".into(), "ecs-task".into()),
                    ("UserName".into(), "ci".into()),
                    ("GroupName".into(), "deployers".into()),
                ];
                pairs.retain(|(n, _)| n != name);
                pairs.push((name.to_string(), value.clone()));
                cases.push(pairs);
            }
        }
        for pairs in cases {
            calls += 1;
            let params = Params::from_pairs(pairs.clone());
            let before = store.generation().expect("generation");
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                target(&store, op, &params, &caller)?;
                handle(&store, op, &params, &caller)
            }));
            let short: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", v.chars().take(40).collect::<String>()))
                .collect();
            match outcome {
                Err(_) => problems.push(format!("{op} {short:?}: panicked")),
                Ok(Err(e)) if e.status >= 500 => {
                    problems.push(format!("{op} {short:?}: {} {e}", e.status));
                }
                Ok(Err(e)) => {
                    let after = store.generation().expect("generation");
                    if after != before {
                        problems.push(format!("{op} {short:?}: refused ({e}) but wrote"));
                    }
                }
                Ok(Ok(_)) => {}
            }
        }
    }
    assert!(calls > 5_000, "{calls} calls");
    assert!(
        problems.is_empty(),
        "{} of {calls} calls went wrong:\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn sts_operations_take_garbage_without_a_server_error() {
    use warden_server::server::AppState;
    let store = Store::open(":memory:").expect("store");
    let account = store.account_id();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}}]}}"#
    );
    store
        .create_role("deployer", None, &trust, None, None, None, &[])
        .expect("role");
    add_admin(&store);
    let state = AppState::new(store);
    let caller = caller(&state.store);
    let names = [
        "RoleArn",
        "RoleSessionName",
        "DurationSeconds",
        "ExternalId",
        "Policy",
        "SourceIdentity",
        "Tags.member.1.Key",
        "Tags.member.1.Value",
        "TransitiveTagKeys.member.1",
    ];
    let mut problems = Vec::new();
    for op in ["GetCallerIdentity", "AssumeRole", "GetSessionToken"] {
        for value in values() {
            for name in names {
                let mut pairs = vec![
                    (
                        "RoleArn".to_string(),
                        format!("arn:aws:iam::{account}:role/deployer"),
                    ),
                    ("RoleSessionName".to_string(), "garbage".to_string()),
                ];
                pairs.retain(|(n, _)| n != name);
                pairs.push((name.to_string(), value.clone()));
                let params = Params::from_pairs(pairs);
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let op = Operation::find(Service::Sts, op).expect("an STS operation");
                    warden_server::server::execute(&state.store, op, &params, &caller, None)
                }));
                let value: String = value.chars().take(40).collect();
                match outcome {
                    Err(_) => problems.push(format!("{op} {name}={value}: panicked")),
                    Ok(Err(e)) if e.status >= 500 => {
                        problems.push(format!("{op} {name}={value}: {e}"));
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The administrator user the caller names.
fn add_admin(store: &Store) {
    warden_server::bootstrap::ensure_admin(
        store,
        Some((
            "AKIAEXAMPLE000000000",
            "secretsecretsecretsecretsecretsecret0000",
        )),
    )
    .expect("admin");
}
