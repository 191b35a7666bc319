//! Simulating a principal of the store, on both backends: every policy that applies is
//! gathered (own inline and attached, the groups', the boundary), compiled once and cached
//! until the store changes. The seed's ECS story, end to end.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use warden_store::principal::SimulatePrincipalPolicyRequest;
use warden_store::{ErrorCode, Store};

const ACCOUNT: &str = "123456789012";
const TASKS_TRUST: &str = r#"{ "Version": "2012-10-17", "Statement": [ { "Sid": "", "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }"#;
const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ECS_FULL: &str = "arn:aws:iam::aws:policy/AmazonECS_FullAccess";
const EC2_ROLE_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

/// The seed's account: a task role, the instance role with its policy, and a CI user whose
/// group holds AmazonECS_FullAccess.
fn seed(store: &Store) {
    store
        .create_role("my-task-role", None, TASKS_TRUST, None, None, None, &[])
        .expect("task role");
    store
        .put_role_policy(
            "my-task-role",
            "read-config",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadConfig","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::config/*"}]}"#,
        )
        .expect("inline");
    store
        .create_role("ecsInstanceRole", None, EC2_TRUST, None, None, None, &[])
        .expect("instance role");
    store
        .attach_role_policy("ecsInstanceRole", EC2_ROLE_POLICY)
        .expect("attach");
    store
        .create_user("ci-deployer", Some("/ci/"), None, &[])
        .expect("user");
    store.create_group("deployers", None).expect("group");
    store
        .add_user_to_group("deployers", "ci-deployer")
        .expect("member");
    store
        .attach_group_policy("deployers", ECS_FULL)
        .expect("attach group");
}

fn request(
    source: &str,
    action: &str,
    resource: &str,
    passed_to: Option<&str>,
) -> SimulatePrincipalPolicyRequest {
    let mut req = SimulatePrincipalPolicyRequest {
        policy_source_arn: source.to_string(),
        action_names: vec![action.to_string()],
        resource_arns: vec![resource.to_string()],
        ..SimulatePrincipalPolicyRequest::default()
    };
    if let Some(service) = passed_to {
        req.context_entries = vec![warden_core::simulate::ContextEntry {
            context_key_name: "iam:PassedToService".into(),
            context_key_values: vec![service.into()],
            context_key_type: Some("string".into()),
        }];
    }
    req
}

fn decide(store: &Store, req: &SimulatePrincipalPolicyRequest) -> String {
    store
        .simulate_principal_policy(req)
        .expect("simulate")
        .evaluation_results[0]
        .eval_decision
        .clone()
}

const USER: &str = "arn:aws:iam::123456789012:user/ci/ci-deployer";
const TASK_ROLE: &str = "arn:aws:iam::123456789012:role/my-task-role";
const INSTANCE_ROLE: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";

#[test]
fn a_user_holds_its_groups_policies_and_passes_roles_as_the_seed_says() {
    for t in common::stores() {
        let store = t.store();
        seed(store);
        let b = t.backend;
        let pass = |role: &str, service: &str| {
            decide(store, &request(USER, "iam:PassRole", role, Some(service)))
        };
        assert_eq!(pass(TASK_ROLE, "ecs-tasks.amazonaws.com"), "allowed", "{b}");
        assert_eq!(pass(TASK_ROLE, "ec2.amazonaws.com"), "implicitDeny", "{b}");
        assert_eq!(pass(INSTANCE_ROLE, "ec2.amazonaws.com"), "allowed", "{b}");
        // ecs:* comes from the group's AmazonECS_FullAccess, reported under its name.
        let answer = store
            .simulate_principal_policy(&request(USER, "ecs:RunTask", "*", None))
            .expect("simulate");
        let result = &answer.evaluation_results[0];
        assert_eq!(result.eval_decision, "allowed", "{b}");
        assert_eq!(
            result.matched_statements[0].source_policy_id, "AmazonECS_FullAccess",
            "{b}"
        );
        assert_eq!(
            result.matched_statements[0].source_policy_type, "aws-managed",
            "{b}"
        );
        // Nothing grants iam:CreateRole.
        assert_eq!(
            decide(store, &request(USER, "iam:CreateRole", "*", None)),
            "implicitDeny",
            "{b}"
        );
    }
}

#[test]
fn roles_and_their_sessions_hold_inline_and_attached_policies() {
    for t in common::stores() {
        let store = t.store();
        seed(store);
        let b = t.backend;
        let answer = store
            .simulate_principal_policy(&request(
                TASK_ROLE,
                "s3:GetObject",
                "arn:aws:s3:::config/app.json",
                None,
            ))
            .expect("simulate");
        let result = &answer.evaluation_results[0];
        assert_eq!(result.eval_decision, "allowed", "{b}");
        assert_eq!(
            result.matched_statements[0].source_policy_id, "read-config",
            "{b}"
        );
        assert_eq!(
            result.matched_statements[0].source_policy_type, "role",
            "{b}"
        );
        let session = "arn:aws:sts::123456789012:assumed-role/my-task-role/task-7";
        assert_eq!(
            decide(
                store,
                &request(
                    session,
                    "s3:GetObject",
                    "arn:aws:s3:::config/app.json",
                    None
                )
            ),
            "allowed",
            "{b}"
        );
        assert_eq!(
            decide(
                store,
                &request(INSTANCE_ROLE, "ecs:RegisterContainerInstance", "*", None)
            ),
            "allowed",
            "{b}"
        );
        assert_eq!(
            decide(
                store,
                &request(
                    INSTANCE_ROLE,
                    "s3:GetObject",
                    "arn:aws:s3:::config/app.json",
                    None
                )
            ),
            "implicitDeny",
            "{b}"
        );
        let group = "arn:aws:iam::123456789012:group/deployers";
        assert_eq!(
            decide(store, &request(group, "ecs:ListClusters", "*", None)),
            "allowed",
            "{b}"
        );
    }
}

#[test]
fn the_boundary_cuts_and_the_request_can_replace_it() {
    for t in common::stores() {
        let store = t.store();
        seed(store);
        let b = t.backend;
        let boundary = store
            .create_policy(
                "NoIam",
                None,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
                None,
                &[],
            )
            .expect("policy");
        store
            .put_user_permissions_boundary("ci-deployer", &boundary.arn)
            .expect("boundary");
        let pass = request(
            USER,
            "iam:PassRole",
            TASK_ROLE,
            Some("ecs-tasks.amazonaws.com"),
        );
        assert_eq!(
            decide(store, &pass),
            "implicitDeny",
            "{b}: the boundary allows no iam action"
        );
        assert_eq!(
            decide(store, &request(USER, "ecs:RunTask", "*", None)),
            "allowed",
            "{b}"
        );
        // PermissionsBoundaryPolicyInputList replaces the stored boundary.
        let mut replaced = pass.clone();
        replaced.permissions_boundary_policy_input_list = vec![
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into(),
        ];
        assert_eq!(decide(store, &replaced), "allowed", "{b}");
    }
}

#[test]
fn the_cache_follows_every_change_even_from_another_process() {
    for t in common::stores() {
        let store = t.store();
        seed(store);
        let b = t.backend;
        let run_task = request(USER, "ecs:RunTask", "*", None);
        assert_eq!(decide(store, &run_task), "allowed", "{b}");
        let first = store.principal_policies(USER).expect("policies");
        let again = store.principal_policies(USER).expect("policies");
        assert!(
            std::sync::Arc::ptr_eq(&first, &again),
            "{b}: unchanged store, cached policies"
        );
        // Another process detaches the group's policy: this store sees it at once.
        let other = t.reopen();
        other
            .detach_group_policy("deployers", ECS_FULL)
            .expect("detach");
        assert_eq!(decide(store, &run_task), "implicitDeny", "{b}");
        other
            .attach_group_policy("deployers", ECS_FULL)
            .expect("attach");
        assert_eq!(decide(store, &run_task), "allowed", "{b}");
        other
            .remove_user_from_group("deployers", "ci-deployer")
            .expect("remove");
        assert_eq!(decide(store, &run_task), "implicitDeny", "{b}");
    }
}

#[test]
fn unknown_principals_and_bad_requests_get_iam_errors() {
    for t in common::stores() {
        let store = t.store();
        seed(store);
        let b = t.backend;
        let err = store
            .simulate_principal_policy(&request(
                &format!("arn:aws:iam::{ACCOUNT}:user/nobody"),
                "ecs:RunTask",
                "*",
                None,
            ))
            .expect_err("no such user");
        assert_eq!(err.code, ErrorCode::NoSuchEntity, "{b}");
        assert_eq!(
            err.message, "The user with name nobody cannot be found.",
            "{b}"
        );
        // The right name under another path is not this user.
        let err = store
            .simulate_principal_policy(&request(
                &format!("arn:aws:iam::{ACCOUNT}:user/ci-deployer"),
                "ecs:RunTask",
                "*",
                None,
            ))
            .expect_err("wrong path");
        assert_eq!(err.code, ErrorCode::NoSuchEntity, "{b}");
        let err = store
            .simulate_principal_policy(&request(
                &format!("arn:aws:iam::{ACCOUNT}:policy/x"),
                "ecs:RunTask",
                "*",
                None,
            ))
            .expect_err("not a principal");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{b}");
        let mut no_action = request(USER, "ecs:RunTask", "*", None);
        no_action.action_names.clear();
        assert_eq!(
            store
                .simulate_principal_policy(&no_action)
                .expect_err("no action")
                .code,
            ErrorCode::InvalidInput,
            "{b}"
        );
        let mut bad_input = request(USER, "ecs:RunTask", "*", None);
        bad_input.policy_input_list = vec!["{".into()];
        assert_eq!(
            store
                .simulate_principal_policy(&bad_input)
                .expect_err("bad policy")
                .code,
            ErrorCode::MalformedPolicyDocument,
            "{b}"
        );
    }
}
