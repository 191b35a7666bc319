//! Managed policies (customer and AWS managed), their versions, attachments and inline policies,
//! on both backends, including concurrent writers in several "processes".
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use common::TestStore;
use warden_store::{ErrorCode, Store, StoreError, Tag};

const ACCOUNT: &str = "123456789012";
const ECS_FULL: &str = "arn:aws:iam::aws:policy/AmazonECS_FullAccess";
const DEPRECATED: &str = "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess";
const EC2_ROLE: &str = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

/// A valid identity policy allowing `action` on everything.
fn doc(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

/// A valid identity policy of exactly `size` characters (no white space, so all are counted).
fn doc_of_size(size: usize) -> String {
    let head = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/"#;
    let tail = r#""}]}"#;
    let pad = size - head.len() - tail.len();
    let text = format!("{head}{}{tail}", "k".repeat(pad));
    assert_eq!(text.len(), size);
    text
}

fn customer_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

// Users, groups and roles are written directly: this file tests policies, not identities.

fn insert_entity(t: &TestStore, table: &str, name: &str, prefix: &str) -> String {
    let id = format!("{prefix}{}", name.to_uppercase());
    t.store()
        .db()
        .write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO {table} (id, name, name_key, path, create_date) \
                     VALUES ($1, $2, $3, '/', '2026-01-01T00:00:00Z')"
                ),
                &[id.as_str().into(), name.into(), name.to_lowercase().into()],
            )
        })
        .expect("insert entity");
    id
}

fn user(t: &TestStore, name: &str) -> String {
    insert_entity(t, "iam_users", name, "AIDA")
}

fn group(t: &TestStore, name: &str) -> String {
    insert_entity(t, "iam_groups", name, "AGPA")
}

fn role_with(t: &TestStore, name: &str, service: Option<&str>) -> String {
    let id = format!("AROA{}", name.to_uppercase());
    t.store()
        .db()
        .write(|tx| {
            tx.execute(
                "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, \
                 max_session_duration, service_name) \
                 VALUES ($1, $2, $3, '/', '2026-01-01T00:00:00Z', '{}', 3600, $4)",
                &[
                    id.as_str().into(),
                    name.into(),
                    name.to_lowercase().into(),
                    service.map(str::to_string).into(),
                ],
            )
        })
        .expect("insert role");
    id
}

fn role(t: &TestStore, name: &str) -> String {
    role_with(t, name, None)
}

fn count(t: &TestStore, sql: &str) -> i64 {
    t.store().db().read(|tx| tx.count(sql, &[])).expect(sql)
}

fn attached_arns(store: &Store, role: &str) -> BTreeSet<String> {
    store
        .list_attached_role_policies(role)
        .expect("list attached")
        .into_iter()
        .map(|p| p.policy_arn)
        .collect()
}

/// `n` attachable AWS managed policy ARNs from the catalog: not deprecated, and not service
/// role policies (which only their service-linked role takes).
fn aws_arns(n: usize) -> Vec<String> {
    let catalog = warden_catalog::managed();
    let arns: Vec<String> = catalog
        .names()
        .iter()
        .filter_map(|name| catalog.by_name(name))
        .filter(|p| p.deprecated.is_none() && p.path != "/aws-service-role/")
        .take(n)
        .map(|p| p.arn())
        .collect();
    assert_eq!(arns.len(), n);
    arns
}

#[track_caller]
fn expect_code<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    code: ErrorCode,
    backend: &str,
) -> StoreError {
    let err = result.expect_err(&format!("{backend}: expected {code:?}"));
    assert_eq!(err.code, code, "{backend}: {err}");
    err
}

#[test]
fn customer_policies_are_created_read_listed_and_deleted() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let tags = [Tag {
            key: "team".into(),
            value: "ci".into(),
        }];
        let created = s
            .create_policy(
                "Deploy",
                Some("/ci/"),
                &doc("ecs:UpdateService"),
                Some("deploys"),
                &tags,
            )
            .expect("create");
        assert_eq!(
            created.arn,
            format!("arn:aws:iam::{ACCOUNT}:policy/ci/Deploy"),
            "{b}"
        );
        assert!(created.policy_id.starts_with("ANPA"), "{b}");
        assert_eq!(created.policy_id.len(), 21, "{b}");
        assert_eq!(created.default_version_id, "v1", "{b}");
        assert!(created.is_attachable, "{b}");

        let got = s.get_policy(&created.arn).expect("get");
        assert_eq!(got, created, "{b}");
        assert_eq!(got.description.as_deref(), Some("deploys"), "{b}");
        assert_eq!(s.list_policy_tags(&created.arn).expect("tags"), tags, "{b}");

        let v1 = s.get_policy_version(&created.arn, "v1").expect("v1");
        assert_eq!(v1.document, doc("ecs:UpdateService"), "{b}");
        assert!(v1.is_default_version, "{b}");

        // Names are unique regardless of case, whatever the path.
        let err = expect_code(
            s.create_policy("deploy", None, &doc("s3:GetObject"), None, &[]),
            ErrorCode::EntityAlreadyExists,
            b,
        );
        assert_eq!(
            err.message, "A policy called deploy already exists. Duplicate names are not allowed.",
            "{b}"
        );

        s.create_policy("Audit", None, &doc("s3:ListBucket"), None, &[])
            .expect("second");
        let local: Vec<String> = s
            .list_policies("Local", false, None)
            .expect("list")
            .into_iter()
            .map(|p| p.policy_name)
            .collect();
        assert_eq!(local, ["Audit", "Deploy"], "{b}");
        let under_ci = s.list_policies("Local", false, Some("/ci/")).expect("list");
        assert_eq!(under_ci.len(), 1, "{b}");
        expect_code(
            s.list_policies("Mine", false, None),
            ErrorCode::ValidationError,
            b,
        );

        s.delete_policy(&created.arn).expect("delete");
        let err = expect_code(s.get_policy(&created.arn), ErrorCode::NoSuchEntity, b);
        assert_eq!(
            err.message,
            format!("Policy arn:aws:iam::{ACCOUNT}:policy/ci/Deploy was not found."),
            "{b}"
        );
        expect_code(s.delete_policy(&created.arn), ErrorCode::NoSuchEntity, b);
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM iam_policy_versions"),
            1,
            "{b}"
        );
        assert_eq!(
            count(
                &t,
                "SELECT COUNT(*) FROM iam_tags WHERE entity_kind = 'policy'"
            ),
            0,
            "{b}"
        );
        // The name is free again.
        s.create_policy("Deploy", None, &doc("s3:GetObject"), None, &[])
            .expect("recreate");
    }
}

#[test]
fn invalid_documents_and_names_are_refused_and_nothing_is_stored() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let err = expect_code(
            s.create_policy("Bad", None, "{not json", None, &[]),
            ErrorCode::MalformedPolicyDocument,
            b,
        );
        assert_eq!(err.message, "Syntax errors in policy.", "{b}");

        let no_version = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let err = expect_code(
            s.create_policy("Bad", None, no_version, None, &[]),
            ErrorCode::MalformedPolicyDocument,
            b,
        );
        assert_eq!(
            err.message, "Policy document must be version 2012-10-17 or greater.",
            "{b}"
        );

        let no_resource =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#;
        let err = expect_code(
            s.create_policy("Bad", None, no_resource, None, &[]),
            ErrorCode::MalformedPolicyDocument,
            b,
        );
        assert_eq!(
            err.message, "Policy statement must contain resources.",
            "{b}"
        );

        // 6,144 characters fit, 6,145 do not; white space is not counted.
        let err = expect_code(
            s.create_policy("Big", None, &doc_of_size(6145), None, &[]),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message, "Cannot exceed quota for PolicySize: 6144",
            "{b}"
        );
        let spaced = doc_of_size(6144).replace(",\"", ",   \n \"");
        s.create_policy("Big", None, &spaced, None, &[])
            .expect("6144 characters and white space");

        expect_code(
            s.create_policy("bad name", None, &doc("s3:*"), None, &[]),
            ErrorCode::ValidationError,
            b,
        );
        expect_code(
            s.create_policy(&"p".repeat(129), None, &doc("s3:*"), None, &[]),
            ErrorCode::ValidationError,
            b,
        );
        expect_code(
            s.create_policy("Path", Some("ci"), &doc("s3:*"), None, &[]),
            ErrorCode::ValidationError,
            b,
        );
        // A bad tag rolls the whole creation back.
        let bad_tag = [Tag {
            key: String::new(),
            value: "x".into(),
        }];
        assert!(
            s.create_policy("Tagged", None, &doc("s3:*"), None, &bad_tag)
                .is_err()
        );

        assert_eq!(count(&t, "SELECT COUNT(*) FROM iam_policies"), 1, "{b}");
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM iam_policy_versions"),
            1,
            "{b}"
        );
        // An invalid new version changes nothing either.
        let arn = customer_arn("Big");
        expect_code(
            s.create_policy_version(&arn, "[]", true),
            ErrorCode::MalformedPolicyDocument,
            b,
        );
        assert_eq!(
            s.list_policy_versions(&arn).expect("versions").len(),
            1,
            "{b}"
        );
    }
}

#[test]
fn versions_are_numbered_never_reused_and_at_most_five() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let arn = s
            .create_policy("Versioned", None, &doc("s3:GetObject"), None, &[])
            .expect("create")
            .arn;
        for n in 2..=5 {
            let v = s
                .create_policy_version(&arn, &doc(&format!("s3:Get{n}")), false)
                .expect("version");
            assert_eq!(v.version_id, format!("v{n}"), "{b}");
            assert!(!v.is_default_version, "{b}");
        }
        let err = expect_code(
            s.create_policy_version(&arn, &doc("s3:Get6"), false),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message,
            "A managed policy can have up to 5 versions. Before you create a new version, you \
             must delete an existing version.",
            "{b}"
        );
        let ids: Vec<String> = s
            .list_policy_versions(&arn)
            .expect("list")
            .into_iter()
            .map(|v| v.version_id)
            .collect();
        assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"], "{b}");

        s.delete_policy_version(&arn, "v2").expect("delete v2");
        expect_code(s.get_policy_version(&arn, "v2"), ErrorCode::NoSuchEntity, b);
        let v6 = s
            .create_policy_version(&arn, &doc("s3:Get6"), true)
            .expect("v6");
        assert_eq!(v6.version_id, "v6", "{b}: ids are never reused");
        assert!(v6.is_default_version, "{b}");
        assert_eq!(
            s.get_policy(&arn).expect("get").default_version_id,
            "v6",
            "{b}"
        );

        // The default version cannot be deleted; another can be made the default.
        let err = expect_code(
            s.delete_policy_version(&arn, "v6"),
            ErrorCode::DeleteConflict,
            b,
        );
        assert_eq!(
            err.message, "Cannot delete the default version of a policy.",
            "{b}"
        );
        s.set_default_policy_version(&arn, "v3")
            .expect("set default");
        let policy = s.get_policy(&arn).expect("get");
        assert_eq!(policy.default_version_id, "v3", "{b}");
        let defaults: Vec<String> = s
            .list_policy_versions(&arn)
            .expect("list")
            .into_iter()
            .filter(|v| v.is_default_version)
            .map(|v| v.version_id)
            .collect();
        assert_eq!(defaults, ["v3"], "{b}");
        assert_eq!(
            s.get_policy_version(&arn, "v3").expect("v3").document,
            doc("s3:Get3"),
            "{b}"
        );
        s.delete_policy_version(&arn, "v6")
            .expect("v6 is no longer the default");

        let err = expect_code(
            s.set_default_policy_version(&arn, "v9"),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message,
            format!("Policy {arn} version v9 does not exist."),
            "{b}"
        );
        expect_code(
            s.delete_policy_version(&arn, "v2"),
            ErrorCode::NoSuchEntity,
            b,
        );
        expect_code(
            s.get_policy_version(&arn, "2"),
            ErrorCode::ValidationError,
            b,
        );
        expect_code(
            s.create_policy_version(&customer_arn("Nope"), &doc("s3:*"), false),
            ErrorCode::NoSuchEntity,
            b,
        );
    }
}

#[test]
fn aws_managed_policies_are_readable_and_unmodifiable() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let ecs = s.get_policy(ECS_FULL).expect("AmazonECS_FullAccess");
        assert_eq!(ecs.policy_name, "AmazonECS_FullAccess", "{b}");
        assert_eq!(ecs.default_version_id, "v22", "{b}");
        assert_eq!(ecs.arn, ECS_FULL, "{b}");
        assert!(ecs.is_attachable, "{b}");
        assert!(ecs.policy_id.starts_with("ANPA"), "{b}");
        assert_eq!(ecs.policy_id.len(), 21, "{b}");
        assert_eq!(ecs.attachment_count, 0, "{b}");
        assert_eq!(
            s.get_policy(ECS_FULL).expect("again").policy_id,
            ecs.policy_id,
            "{b}"
        );

        let v22 = s.get_policy_version(ECS_FULL, "v22").expect("v22");
        assert!(v22.is_default_version, "{b}");
        assert!(v22.document.contains("ecs:"), "{b}");
        let versions = s.list_policy_versions(ECS_FULL).expect("versions");
        assert_eq!(
            versions.first().map(|v| v.version_id.as_str()),
            Some("v22"),
            "{b}"
        );
        expect_code(
            s.get_policy_version(ECS_FULL, "v99"),
            ErrorCode::NoSuchEntity,
            b,
        );

        let ec2 = s.get_policy(EC2_ROLE).expect("path-carrying ARN");
        assert_eq!(ec2.path, "/service-role/", "{b}");
        // The path is part of the ARN.
        expect_code(
            s.get_policy("arn:aws:iam::aws:policy/AmazonEC2ContainerServiceforEC2Role"),
            ErrorCode::NoSuchEntity,
            b,
        );
        expect_code(
            s.get_policy("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"),
            ErrorCode::NoSuchEntity,
            b,
        );

        let deprecated = s.get_policy(DEPRECATED).expect("deprecated");
        assert!(!deprecated.is_attachable, "{b}");

        let unmodifiable =
            format!("Policy {ECS_FULL} is an AWS managed policy and cannot be modified.");
        for result in [
            s.create_policy_version(ECS_FULL, &doc("s3:*"), true)
                .map(|_| ()),
            s.delete_policy_version(ECS_FULL, "v21"),
            s.set_default_policy_version(ECS_FULL, "v21"),
            s.delete_policy(ECS_FULL),
            s.tag_policy(
                ECS_FULL,
                &[Tag {
                    key: "k".into(),
                    value: "v".into(),
                }],
            ),
            s.untag_policy(ECS_FULL, &["k".to_string()]),
        ] {
            let err = expect_code(result, ErrorCode::UnmodifiableEntity, b);
            assert_eq!(err.message, unmodifiable, "{b}");
        }
        assert_eq!(
            s.get_policy(ECS_FULL)
                .expect("unchanged")
                .default_version_id,
            "v22"
        );
        assert!(
            s.list_policy_tags(ECS_FULL).expect("tags").is_empty(),
            "{b}"
        );
    }
}

#[test]
fn listing_policies_by_scope_attachment_and_path() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        s.create_policy("Mine", Some("/team/"), &doc("s3:*"), None, &[])
            .expect("create");
        role(&t, "app");
        s.attach_role_policy("app", EC2_ROLE).expect("attach");

        let all = s.list_policies("All", false, None).expect("all");
        let aws = s.list_policies("AWS", false, None).expect("aws");
        assert_eq!(aws.len(), warden_catalog::managed().len(), "{b}");
        assert_eq!(all.len(), aws.len() + 1, "{b}");
        assert!(
            aws.iter()
                .all(|p| p.arn.starts_with("arn:aws:iam::aws:policy/")),
            "{b}"
        );

        let attached = s.list_policies("All", true, None).expect("attached");
        let arns: Vec<&str> = attached.iter().map(|p| p.arn.as_str()).collect();
        assert_eq!(arns, [EC2_ROLE], "{b}");
        assert_eq!(attached[0].attachment_count, 1, "{b}");

        let service_role = s
            .list_policies("AWS", false, Some("/service-role/"))
            .expect("service-role");
        assert!(!service_role.is_empty(), "{b}");
        assert!(
            service_role.iter().all(|p| p.path == "/service-role/"),
            "{b}"
        );
        let team = s.list_policies("All", false, Some("/team/")).expect("team");
        assert_eq!(team.len(), 1, "{b}");
        assert!(
            s.list_policies("Local", true, None)
                .expect("local attached")
                .is_empty(),
            "{b}"
        );
    }
}

#[test]
fn policies_attach_to_and_detach_from_users_groups_and_roles() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let user_id = user(&t, "alice");
        let group_id = group(&t, "devs");
        let role_id = role(&t, "ecsInstanceRole");
        let mine = s
            .create_policy("Mine", Some("/team/"), &doc("s3:*"), None, &[])
            .expect("create")
            .arn;

        s.attach_user_policy("alice", &mine).expect("user");
        s.attach_user_policy("ALICE", ECS_FULL)
            .expect("user, any case");
        s.attach_group_policy("devs", &mine).expect("group");
        s.attach_role_policy("ecsInstanceRole", EC2_ROLE)
            .expect("role");
        s.attach_role_policy("ecsInstanceRole", &mine)
            .expect("role");
        // Attaching again is a success that changes nothing.
        s.attach_role_policy("ecsInstanceRole", EC2_ROLE)
            .expect("again");

        let listed = s.list_attached_user_policies("alice").expect("list");
        let names: Vec<&str> = listed.iter().map(|p| p.policy_name.as_str()).collect();
        assert_eq!(names, ["AmazonECS_FullAccess", "Mine"], "{b}");
        assert_eq!(listed[1].policy_arn, mine, "{b}");
        let role_policies = s
            .list_attached_role_policies("ecsInstanceRole")
            .expect("list");
        assert_eq!(role_policies.len(), 2, "{b}");
        assert_eq!(
            role_policies[0].policy_name, "AmazonEC2ContainerServiceforEC2Role",
            "{b}"
        );
        assert_eq!(role_policies[0].policy_arn, EC2_ROLE, "{b}");
        assert_eq!(
            s.list_attached_group_policies("devs").expect("list").len(),
            1,
            "{b}"
        );

        assert_eq!(s.get_policy(&mine).expect("get").attachment_count, 3, "{b}");
        let (users, groups, roles) = s.list_entities_for_policy(&mine).expect("entities");
        assert_eq!(users, [("alice".to_string(), user_id)], "{b}");
        assert_eq!(groups, [("devs".to_string(), group_id)], "{b}");
        assert_eq!(roles, [("ecsInstanceRole".to_string(), role_id)], "{b}");
        expect_code(
            s.list_entities_for_policy(&customer_arn("Nope")),
            ErrorCode::NoSuchEntity,
            b,
        );

        // Policies that do not exist, in another account, or under the wrong path.
        for arn in [
            customer_arn("Nope"),
            "arn:aws:iam::999999999999:policy/team/Mine".to_string(),
            "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceforEC2Role".to_string(),
            "not-an-arn".to_string(),
        ] {
            let err = expect_code(
                s.attach_role_policy("ecsInstanceRole", &arn),
                ErrorCode::NoSuchEntity,
                b,
            );
            assert_eq!(
                err.message,
                format!("Policy {arn} does not exist or is not attachable."),
                "{b}"
            );
        }
        let err = expect_code(
            s.attach_role_policy("nobody", ECS_FULL),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message, "The role with name nobody cannot be found.",
            "{b}"
        );
        expect_code(
            s.list_attached_user_policies("bob"),
            ErrorCode::NoSuchEntity,
            b,
        );

        s.detach_role_policy("ecsInstanceRole", EC2_ROLE)
            .expect("detach");
        let err = expect_code(
            s.detach_role_policy("ecsInstanceRole", EC2_ROLE),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message,
            format!("Policy {EC2_ROLE} was not attached."),
            "{b}"
        );
        s.detach_user_policy("alice", &mine).expect("detach user");
        s.detach_group_policy("devs", &mine).expect("detach group");
        let names: Vec<String> = s
            .list_attached_user_policies("alice")
            .expect("list")
            .into_iter()
            .map(|p| p.policy_name)
            .collect();
        assert_eq!(names, ["AmazonECS_FullAccess"], "{b}");
        assert!(
            s.list_attached_group_policies("devs")
                .expect("list")
                .is_empty(),
            "{b}"
        );
        assert_eq!(s.get_policy(&mine).expect("get").attachment_count, 1, "{b}");
        assert_eq!(
            s.get_policy(ECS_FULL).expect("get").attachment_count,
            1,
            "{b}"
        );
    }
}

#[test]
fn a_deprecated_aws_policy_stays_attached_but_cannot_be_attached_anew() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        role(&t, "newRole");
        let err = expect_code(
            s.attach_role_policy("newRole", DEPRECATED),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message,
            "Policy arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess does not exist \
             or is not attachable.",
            "{b}"
        );
        assert!(
            s.list_attached_role_policies("newRole")
                .expect("list")
                .is_empty(),
            "{b}"
        );

        // An attachment made before the deprecation.
        let legacy = role(&t, "legacyRole");
        s.db()
            .write(|tx| {
                tx.execute(
                    "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) \
                     VALUES ('role', $1, $2)",
                    &[legacy.as_str().into(), DEPRECATED.into()],
                )
            })
            .expect("existing attachment");
        let listed = s.list_attached_role_policies("legacyRole").expect("list");
        assert_eq!(listed.len(), 1, "{b}");
        assert_eq!(
            listed[0].policy_name, "AmazonEC2ContainerServiceFullAccess",
            "{b}"
        );
        assert_eq!(listed[0].policy_arn, DEPRECATED, "{b}");
        // Re-attaching what is attached is still the no-op success.
        s.attach_role_policy("legacyRole", DEPRECATED)
            .expect("no-op");
        let policy = s.get_policy(DEPRECATED).expect("get");
        assert_eq!(policy.attachment_count, 1, "{b}");
        assert!(!policy.is_attachable, "{b}");
        let (_, _, roles) = s.list_entities_for_policy(DEPRECATED).expect("entities");
        assert_eq!(roles, [("legacyRole".to_string(), legacy.clone())], "{b}");
        assert_eq!(
            s.list_policies("AWS", true, None)
                .expect("attached")
                .iter()
                .map(|p| p.arn.as_str())
                .collect::<Vec<_>>(),
            [DEPRECATED],
            "{b}"
        );

        s.detach_role_policy("legacyRole", DEPRECATED)
            .expect("detach");
        assert!(
            s.list_attached_role_policies("legacyRole")
                .expect("list")
                .is_empty(),
            "{b}"
        );
        expect_code(
            s.attach_role_policy("legacyRole", DEPRECATED),
            ErrorCode::NoSuchEntity,
            b,
        );
    }
}

/// A service role policy (under `/aws-service-role/`) goes to its service's service-linked role
/// only: IAM refuses it anywhere else with `PolicyNotAttachable`, "Cannot attach a Service
/// Role Policy to a Customer Role." (IAM's answer to AttachRolePolicy for such a policy).
#[test]
fn a_service_role_policy_attaches_only_to_its_service_linked_role() {
    const SERVICE_ROLE: &str =
        "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy";
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        role(&t, "taskRole");
        s.create_user("ci", None, None, &[]).expect("user");
        s.create_group("ops", None).expect("group");
        let before = s.generation().expect("generation");
        for result in [
            s.attach_role_policy("taskRole", SERVICE_ROLE),
            s.attach_user_policy("ci", SERVICE_ROLE),
            s.attach_group_policy("ops", SERVICE_ROLE),
        ] {
            let err = expect_code(result, ErrorCode::PolicyNotAttachable, b);
            assert_eq!(
                err.message, "Cannot attach a Service Role Policy to a Customer Role.",
                "{b}"
            );
            assert_eq!(err.code.http_status(), 400, "{b}");
        }
        assert_eq!(
            s.generation().expect("generation"),
            before,
            "{b}: nothing written"
        );
        let linked = s
            .create_service_linked_role("ecs.amazonaws.com", None, None)
            .expect("service-linked role");
        let attached = s
            .list_attached_role_policies(&linked.role_name)
            .expect("attached");
        assert_eq!(
            attached
                .iter()
                .map(|a| a.policy_arn.as_str())
                .collect::<Vec<_>>(),
            [SERVICE_ROLE],
            "{b}"
        );
    }
}

#[test]
fn the_attachment_quota_is_10_and_can_be_raised_to_20() {
    for mut t in common::stores() {
        let b = t.backend;
        role(&t, "busy");
        user(&t, "bob");
        group(&t, "crew");
        let arns = aws_arns(21);
        for arn in &arns[..10] {
            t.store().attach_role_policy("busy", arn).expect("attach");
            t.store().attach_user_policy("bob", arn).expect("attach");
            t.store().attach_group_policy("crew", arn).expect("attach");
        }
        for (result, quota) in [
            (
                t.store().attach_role_policy("busy", &arns[10]),
                "PoliciesPerRole",
            ),
            (
                t.store().attach_user_policy("bob", &arns[10]),
                "PoliciesPerUser",
            ),
            (
                t.store().attach_group_policy("crew", &arns[10]),
                "PoliciesPerGroup",
            ),
        ] {
            let err = expect_code(result, ErrorCode::LimitExceeded, b);
            assert_eq!(
                err.message,
                format!("Cannot exceed quota for {quota}: 10"),
                "{b}"
            );
        }
        // Re-attaching one of the ten is not a new attachment.
        t.store()
            .attach_role_policy("busy", &arns[0])
            .expect("no-op at the quota");
        assert_eq!(attached_arns(t.store(), "busy").len(), 10, "{b}");

        t.store_mut().set_attachment_limit(20).expect("raise");
        for arn in &arns[10..20] {
            t.store()
                .attach_role_policy("busy", arn)
                .expect("attach under 20");
        }
        let err = expect_code(
            t.store().attach_role_policy("busy", &arns[20]),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message, "Cannot exceed quota for PoliciesPerRole: 20",
            "{b}"
        );
        assert_eq!(attached_arns(t.store(), "busy").len(), 20, "{b}");
    }
}

#[test]
fn service_linked_roles_refuse_policy_changes() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let id = role_with(&t, "AWSServiceRoleForECS", Some("ecs.amazonaws.com"));
        let expected = "Cannot perform the operation on the protected role \
                        'AWSServiceRoleForECS' - this role is only modifiable by AWS";
        let err = expect_code(
            s.attach_role_policy("AWSServiceRoleForECS", ECS_FULL),
            ErrorCode::UnmodifiableEntity,
            b,
        );
        assert_eq!(err.message, expected, "{b}");
        let policy = "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy";
        s.db()
            .write(|tx| {
                tx.execute(
                    "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) \
                     VALUES ('role', $1, $2)",
                    &[id.as_str().into(), policy.into()],
                )
            })
            .expect("AWS's attachment");
        let err = expect_code(
            s.detach_role_policy("AWSServiceRoleForECS", policy),
            ErrorCode::UnmodifiableEntity,
            b,
        );
        assert_eq!(err.message, expected, "{b}");
        expect_code(
            s.put_role_policy("AWSServiceRoleForECS", "extra", &doc("s3:*")),
            ErrorCode::UnmodifiableEntity,
            b,
        );
        assert_eq!(
            s.list_attached_role_policies("AWSServiceRoleForECS")
                .expect("list")
                .len(),
            1,
            "{b}"
        );
    }
}

#[test]
fn inline_policies_are_put_read_listed_and_deleted() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        user(&t, "alice");
        group(&t, "devs");
        role(&t, "task");

        s.put_user_policy("alice", "read", &doc("s3:GetObject"))
            .expect("put");
        s.put_user_policy("alice", "Admin", &doc("iam:*"))
            .expect("put");
        s.put_group_policy("devs", "deploy", &doc("ecs:*"))
            .expect("put");
        s.put_role_policy("task", "logs", &doc("logs:*"))
            .expect("put");
        assert_eq!(
            s.list_user_policies("alice").expect("list"),
            ["Admin", "read"],
            "{b}"
        );
        assert_eq!(
            s.list_group_policies("devs").expect("list"),
            ["deploy"],
            "{b}"
        );
        assert_eq!(s.list_role_policies("task").expect("list"), ["logs"], "{b}");
        assert_eq!(
            s.get_user_policy("alice", "READ").expect("get"),
            doc("s3:GetObject")
        );
        assert_eq!(
            s.get_group_policy("devs", "deploy").expect("get"),
            doc("ecs:*")
        );
        assert_eq!(
            s.get_role_policy("task", "logs").expect("get"),
            doc("logs:*")
        );

        // Putting again replaces.
        s.put_user_policy("alice", "read", &doc("s3:ListBucket"))
            .expect("replace");
        assert_eq!(
            s.get_user_policy("alice", "read").expect("get"),
            doc("s3:ListBucket")
        );
        assert_eq!(s.list_user_policies("alice").expect("list").len(), 2, "{b}");

        let err = expect_code(
            s.get_user_policy("alice", "missing"),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message, "The user policy with name missing cannot be found.",
            "{b}"
        );
        let err = expect_code(
            s.delete_role_policy("task", "x"),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message, "The role policy with name x cannot be found.",
            "{b}"
        );
        let err = expect_code(s.get_group_policy("devs", "x"), ErrorCode::NoSuchEntity, b);
        assert_eq!(
            err.message, "The group policy with name x cannot be found.",
            "{b}"
        );
        expect_code(
            s.put_user_policy("nobody", "p", &doc("s3:*")),
            ErrorCode::NoSuchEntity,
            b,
        );
        let err = expect_code(
            s.put_role_policy("task", "bad", "{"),
            ErrorCode::MalformedPolicyDocument,
            b,
        );
        assert_eq!(err.message, "Syntax errors in policy.", "{b}");
        expect_code(
            s.put_role_policy("task", "bad name", &doc("s3:*")),
            ErrorCode::ValidationError,
            b,
        );

        s.delete_user_policy("alice", "Admin").expect("delete");
        s.delete_group_policy("devs", "deploy").expect("delete");
        s.delete_role_policy("task", "logs").expect("delete");
        assert_eq!(
            s.list_user_policies("alice").expect("list"),
            ["read"],
            "{b}"
        );
        assert!(
            s.list_group_policies("devs").expect("list").is_empty(),
            "{b}"
        );
        assert!(
            s.list_role_policies("task").expect("list").is_empty(),
            "{b}"
        );
    }
}

#[test]
fn inline_size_quotas_cover_all_of_an_entitys_inline_policies() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        user(&t, "alice");
        role(&t, "task");
        group(&t, "devs");

        // User: 2,048 in all.
        s.put_user_policy("alice", "one", &doc_of_size(1500))
            .expect("1500");
        let err = expect_code(
            s.put_user_policy("alice", "two", &doc_of_size(600)),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message,
            "Maximum policy size of 2048 bytes exceeded for user alice"
        );
        s.put_user_policy("alice", "two", &doc_of_size(548))
            .expect("exactly 2048");
        // A replaced policy is not counted twice.
        s.put_user_policy("alice", "one", &doc_of_size(1400))
            .expect("smaller");
        s.put_user_policy("alice", "one", &doc_of_size(1500))
            .expect("back to 2048");
        expect_code(
            s.put_user_policy("alice", "one", &doc_of_size(1501)),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            s.get_user_policy("alice", "one").expect("kept"),
            doc_of_size(1500),
            "{b}"
        );
        // Deleting frees the room.
        s.delete_user_policy("alice", "two").expect("delete");
        s.put_user_policy("alice", "three", &doc_of_size(548))
            .expect("room again");
        // White space is not counted.
        let spaced = doc_of_size(300).replace(',', " ,\n   ");
        s.delete_user_policy("alice", "three").expect("delete");
        s.put_user_policy("alice", "spaced", &spaced)
            .expect("white space is free");

        // Role: 10,240; group: 5,120.
        s.put_role_policy("task", "a", &doc_of_size(6000))
            .expect("6000");
        s.put_role_policy("task", "b", &doc_of_size(4240))
            .expect("10240");
        let err = expect_code(
            s.put_role_policy("task", "c", &doc_of_size(200)),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message,
            "Maximum policy size of 10240 bytes exceeded for role task"
        );
        s.put_group_policy("devs", "a", &doc_of_size(5120))
            .expect("5120");
        let err = expect_code(
            s.put_group_policy("devs", "b", &doc_of_size(200)),
            ErrorCode::LimitExceeded,
            b,
        );
        assert_eq!(
            err.message,
            "Maximum policy size of 5120 bytes exceeded for group devs"
        );
        assert_eq!(s.list_group_policies("devs").expect("list"), ["a"], "{b}");
    }
}

#[test]
fn deleting_a_policy_needs_it_detached_and_its_versions_deleted() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        role(&t, "app");
        let arn = s
            .create_policy("Shared", None, &doc("s3:*"), None, &[])
            .expect("create")
            .arn;
        s.attach_role_policy("app", &arn).expect("attach");
        let err = expect_code(s.delete_policy(&arn), ErrorCode::DeleteConflict, b);
        assert_eq!(
            err.message, "Cannot delete a policy attached to entities.",
            "{b}"
        );
        s.detach_role_policy("app", &arn).expect("detach");

        s.create_policy_version(&arn, &doc("s3:GetObject"), true)
            .expect("v2");
        let err = expect_code(s.delete_policy(&arn), ErrorCode::DeleteConflict, b);
        assert_eq!(
            err.message,
            "This policy has more than one version. Before you delete a policy, you must delete \
             the policy's versions. The default version is deleted with the policy.",
            "{b}"
        );
        assert_eq!(s.list_policy_versions(&arn).expect("kept").len(), 2, "{b}");
        s.delete_policy_version(&arn, "v1").expect("delete v1");
        s.delete_policy(&arn).expect("delete");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM iam_policies"), 0, "{b}");
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM iam_policy_versions"),
            0,
            "{b}"
        );
    }
}

#[test]
fn policy_tags_are_added_listed_and_removed() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        let arn = s
            .create_policy("Tagged", None, &doc("s3:*"), None, &[])
            .expect("create")
            .arn;
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        s.tag_policy(&arn, &[tag("b", "2"), tag("a", "1")])
            .expect("tag");
        s.tag_policy(&arn, &[tag("A", "one")]).expect("overwrite");
        assert_eq!(
            s.list_policy_tags(&arn).expect("list"),
            [tag("A", "one"), tag("b", "2")],
            "{b}"
        );
        s.untag_policy(&arn, &["B".to_string()]).expect("untag");
        assert_eq!(
            s.list_policy_tags(&arn).expect("list"),
            [tag("A", "one")],
            "{b}"
        );
        expect_code(
            s.tag_policy(&customer_arn("Nope"), &[tag("a", "1")]),
            ErrorCode::NoSuchEntity,
            b,
        );
    }
}

/// 20 writers, each its own store (another process), add versions to one policy that has v1:
/// exactly 4 succeed, and the policy ends with 5 versions with distinct ids.
#[test]
fn concurrent_version_creation_respects_the_quota() {
    for t in common::stores() {
        let b = t.backend;
        let arn = t
            .store()
            .create_policy("Contended", None, &doc("s3:GetObject"), None, &[])
            .expect("create")
            .arn;
        let barrier = Arc::new(Barrier::new(20));
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let url = t.url.clone();
                let arn = arn.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let store = Store::open(&url).expect("open");
                    barrier.wait();
                    store.create_policy_version(&arn, &doc(&format!("s3:Get{i}")), i % 2 == 0)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let created: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|v| v.version_id.clone()))
            .collect();
        assert_eq!(created.len(), 4, "{b}: {results:?}");
        for result in &results {
            if let Err(e) = result {
                assert_eq!(e.code, ErrorCode::LimitExceeded, "{b}: {e}");
            }
        }
        let versions = t.store().list_policy_versions(&arn).expect("versions");
        let ids: BTreeSet<String> = versions.iter().map(|v| v.version_id.clone()).collect();
        assert_eq!(versions.len(), 5, "{b}");
        assert_eq!(ids.len(), 5, "{b}: distinct ids");
        let expected: BTreeSet<String> = (1..=5).map(|n| format!("v{n}")).collect();
        assert_eq!(ids, expected, "{b}");
        assert_eq!(
            versions.iter().filter(|v| v.is_default_version).count(),
            1,
            "{b}"
        );
    }
}

/// 12 writers attach 12 policies to one role while 6 others detach the 6 it had: the final set
/// is exactly what the successful operations imply, within the quota.
#[test]
fn concurrent_attach_and_detach_lose_no_update() {
    for t in common::stores() {
        let b = t.backend;
        role(&t, "shared");
        let arns = aws_arns(18);
        let (before, new) = arns.split_at(6);
        for arn in before {
            t.store()
                .attach_role_policy("shared", arn)
                .expect("attach before");
        }
        let barrier = Arc::new(Barrier::new(18));
        let mut handles = Vec::new();
        for (arn, attach) in new
            .iter()
            .map(|a| (a, true))
            .chain(before.iter().map(|a| (a, false)))
        {
            let url = t.url.clone();
            let arn = arn.clone();
            let barrier = Arc::clone(&barrier);
            handles.push(std::thread::spawn(move || {
                let store = Store::open(&url).expect("open");
                barrier.wait();
                let result = if attach {
                    store.attach_role_policy("shared", &arn)
                } else {
                    store.detach_role_policy("shared", &arn)
                };
                (arn, attach, result)
            }));
        }
        let mut expected: BTreeSet<String> = before.iter().cloned().collect();
        let mut attached = 0;
        for handle in handles {
            let (arn, attach, result) = handle.join().expect("thread");
            match (attach, result) {
                (true, Ok(())) => {
                    attached += 1;
                    expected.insert(arn);
                }
                (true, Err(e)) => assert_eq!(e.code, ErrorCode::LimitExceeded, "{b}: {e}"),
                (false, Ok(())) => {
                    expected.remove(&arn);
                }
                (false, Err(e)) => panic!("{b}: detaching {arn}: {e}"),
            }
        }
        let actual = attached_arns(t.store(), "shared");
        assert_eq!(actual, expected, "{b}");
        assert!(actual.len() <= 10, "{b}: {} attached", actual.len());
        assert!(
            attached >= 4,
            "{b}: the 4 free places were taken ({attached})"
        );
        assert!(
            before.iter().all(|a| !actual.contains(a)),
            "{b}: all detached"
        );
    }
}

/// 15 writers attach 15 different policies to a fresh role at once: exactly 10 succeed.
#[test]
fn concurrent_attachments_never_exceed_the_quota() {
    for t in common::stores() {
        let b = t.backend;
        role(&t, "crowded");
        let arns = aws_arns(15);
        let barrier = Arc::new(Barrier::new(arns.len()));
        let handles: Vec<_> = arns
            .iter()
            .map(|arn| {
                let url = t.url.clone();
                let arn = arn.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let store = Store::open(&url).expect("open");
                    barrier.wait();
                    store.attach_role_policy("crowded", &arn)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            10,
            "{b}: {results:?}"
        );
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| e.code == ErrorCode::LimitExceeded),
            "{b}"
        );
        assert_eq!(attached_arns(t.store(), "crowded").len(), 10, "{b}");
    }
}

/// Ten processes create the same policy at once: one wins, the others find the name taken.
#[test]
fn concurrent_creation_of_one_name_has_one_winner() {
    for t in common::stores() {
        let b = t.backend;
        let barrier = Arc::new(Barrier::new(10));
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let url = t.url.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let store = Store::open(&url).expect("open");
                    barrier.wait();
                    let name = if i % 2 == 0 { "Race" } else { "RACE" };
                    store.create_policy(name, None, &doc("s3:*"), None, &[])
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{b}: {results:?}"
        );
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| e.code == ErrorCode::EntityAlreadyExists),
            "{b}"
        );
        assert_eq!(count(&t, "SELECT COUNT(*) FROM iam_policies"), 1, "{b}");
    }
}

/// A policy's name where its ARN belongs names nothing, as IAM says; for an AWS managed
/// policy's name the message adds the ARN to use.
#[test]
fn attaching_a_policy_by_name_names_its_arn() {
    for t in common::stores() {
        let s = t.store();
        let b = t.backend;
        role(&t, "app");
        let err = expect_code(
            s.attach_role_policy("app", "amazonecs_fullaccess"),
            ErrorCode::NoSuchEntity,
            b,
        );
        assert_eq!(
            err.message,
            format!(
                "Policy amazonecs_fullaccess does not exist or is not attachable. (Warden: \
                 PolicyArn takes an ARN; did you mean {ECS_FULL}?)"
            ),
            "{b}"
        );
        assert!(attached_arns(s, "app").is_empty(), "{b}");
    }
}
