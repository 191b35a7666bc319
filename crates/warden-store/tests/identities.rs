//! Users, groups, roles, service-linked roles, instance profiles and access keys, on both
//! backends: IAM's rules, messages and quotas, all-or-nothing operations, and concurrent writers
//! in several "processes".
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Barrier;

use warden_core::PolicyType;
use warden_core::policy::validate::{SizeLimit, validate_with_limit};
use warden_store::{ErrorCode, Role, Store, StoreError, Tag, Value};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ECS_SLR_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ECS_SLR_POLICY: &str = "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy";

fn role(store: &Store, name: &str) -> Role {
    store
        .create_role(name, None, TRUST, None, None, None, &[])
        .unwrap_or_else(|e| panic!("create role {name}: {e}"))
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_string(),
        value: value.to_string(),
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.db().read(|tx| tx.count(sql, &[])).expect("count")
}

/// Runs one statement directly (to set up what other modules' operations would create).
fn exec(store: &Store, sql: &str, params: &[Value]) {
    store
        .db()
        .write(|tx| tx.execute(sql, params))
        .expect("statement");
}

fn user_id(store: &Store, name: &str) -> String {
    store.get_user(name).expect("user").user_id
}

fn assert_err(
    result: Result<impl std::fmt::Debug, StoreError>,
    code: ErrorCode,
    message: &str,
    backend: &str,
) {
    match result {
        Ok(value) => panic!("{backend}: expected {code:?} ({message}), got {value:?}"),
        Err(e) => {
            assert_eq!(e.code, code, "{backend}: {e}");
            assert_eq!(e.message, message, "{backend}");
        }
    }
}

// ---- Users ----

#[test]
fn users_are_created_read_listed_and_deleted() {
    for t in common::stores() {
        let s = t.store();
        let user = s
            .create_user("Deployer", Some("/ci/"), None, &[tag("team", "infra")])
            .expect("create");
        assert_eq!(user.user_name, "Deployer", "{}", t.backend);
        assert_eq!(user.path, "/ci/", "{}", t.backend);
        assert_eq!(
            user.arn, "arn:aws:iam::123456789012:user/ci/Deployer",
            "{}",
            t.backend
        );
        assert_eq!(user.tags, vec![tag("team", "infra")], "{}", t.backend);
        assert_eq!(user.create_date.len(), 20, "{}", t.backend);

        // Lookups ignore case; the name is shown as given.
        let got = s.get_user("deployer").expect("get");
        assert_eq!(got, user, "{}", t.backend);

        s.create_user("bob", None, None, &[]).expect("bob");
        s.create_user("alice", Some("/ci/x/"), None, &[])
            .expect("alice");
        s.create_user("Carol", None, None, &[]).expect("carol");
        let names: Vec<String> = s
            .list_users(None)
            .expect("list")
            .into_iter()
            .map(|u| u.user_name)
            .collect();
        assert_eq!(
            names,
            ["alice", "bob", "Carol", "Deployer"],
            "{}",
            t.backend
        );
        let ci: Vec<String> = s
            .list_users(Some("/ci/"))
            .expect("list ci")
            .into_iter()
            .map(|u| u.user_name)
            .collect();
        assert_eq!(ci, ["alice", "Deployer"], "{}", t.backend);
        let listed = s.list_users(Some("/ci/")).expect("list ci");
        assert_eq!(listed[1].tags, vec![tag("team", "infra")], "{}", t.backend);
        assert_eq!(
            s.list_users(Some("ci")).expect_err("bad prefix").code,
            ErrorCode::ValidationError,
            "{}",
            t.backend
        );

        s.delete_user("DEPLOYER").expect("delete");
        assert_err(
            s.get_user("Deployer"),
            ErrorCode::NoSuchEntity,
            "The user with name Deployer cannot be found.",
            t.backend,
        );
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM iam_tags WHERE entity_kind = 'user'"
            ),
            0,
            "{}: tags go with the user",
            t.backend
        );
        assert_eq!(s.list_users(None).expect("list").len(), 3, "{}", t.backend);
    }
}

#[test]
fn user_tags_are_added_listed_and_removed() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("u", None, None, &[]).expect("user");
        s.tag_user("U", &[tag("b", "2"), tag("A", "1")])
            .expect("tag");
        s.tag_user("u", &[tag("a", "one")]).expect("overwrite");
        let tags = s.list_user_tags("u").expect("tags");
        assert_eq!(tags, vec![tag("a", "one"), tag("b", "2")], "{}", t.backend);
        s.untag_user("u", &["B".to_string(), "absent".to_string()])
            .expect("untag");
        assert_eq!(
            s.list_user_tags("u").expect("tags"),
            vec![tag("a", "one")],
            "{}",
            t.backend
        );
        assert_err(
            s.tag_user("nobody", &[tag("a", "b")]),
            ErrorCode::NoSuchEntity,
            "The user with name nobody cannot be found.",
            t.backend,
        );
        // A tag outside IAM's pattern is AWS's ValidationError naming its member, and no tag
        // of the request is stored.
        assert_err(
            s.tag_user("u", &[tag("c", "3"), tag("d", "prod & test")]),
            ErrorCode::ValidationError,
            "1 validation error detected: Value 'prod & test' at 'tags.2.member.value' failed \
             to satisfy constraint: Member must satisfy regular expression pattern: \
             [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
            t.backend,
        );
        assert_eq!(
            s.list_user_tags("u").expect("tags"),
            vec![tag("a", "one")],
            "{}",
            t.backend
        );
    }
}

#[test]
fn names_are_unique_regardless_of_case() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("Alice", None, None, &[]).expect("user");
        assert_err(
            s.create_user("alice", Some("/other/"), None, &[]),
            ErrorCode::EntityAlreadyExists,
            "User with name alice already exists.",
            t.backend,
        );
        s.create_group("Admins", None).expect("group");
        assert_err(
            s.create_group("ADMINS", None),
            ErrorCode::EntityAlreadyExists,
            "Group with name ADMINS already exists.",
            t.backend,
        );
        role(s, "TaskRole");
        assert_err(
            s.create_role("taskrole", None, TRUST, None, None, None, &[]),
            ErrorCode::EntityAlreadyExists,
            "Role with name taskrole already exists.",
            t.backend,
        );
        s.create_instance_profile("ecsInstanceRole", None, &[])
            .expect("profile");
        assert_err(
            s.create_instance_profile("ECSINSTANCEROLE", None, &[]),
            ErrorCode::EntityAlreadyExists,
            "Instance Profile ECSINSTANCEROLE already exists.",
            t.backend,
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_users"),
            1,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            1,
            "{}",
            t.backend
        );
    }
}

#[test]
fn names_and_paths_are_validated() {
    for t in common::stores() {
        let s = t.store();
        let long = "u".repeat(65);
        let err = s.create_user(&long, None, None, &[]).expect_err("long");
        assert_eq!(err.code, ErrorCode::ValidationError, "{}", t.backend);
        assert!(err.message.contains("'userName'"), "{}: {err}", t.backend);
        assert!(
            s.create_group(&"g".repeat(128), None).is_ok(),
            "{}",
            t.backend
        );
        assert!(
            s.create_group(&"g".repeat(129), None).is_err(),
            "{}",
            t.backend
        );
        assert!(
            s.create_role(&"r".repeat(65), None, TRUST, None, None, None, &[])
                .is_err(),
            "{}",
            t.backend
        );
        assert!(
            s.create_instance_profile(&"p".repeat(128), None, &[])
                .is_ok(),
            "{}",
            t.backend
        );
        assert_eq!(
            s.create_user("bad name", None, None, &[])
                .expect_err("pattern")
                .code,
            ErrorCode::ValidationError,
            "{}",
            t.backend
        );
        assert_eq!(
            s.create_user("u", Some("no-slash"), None, &[])
                .expect_err("path")
                .code,
            ErrorCode::ValidationError,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_users"),
            0,
            "{}",
            t.backend
        );
    }
}

#[test]
fn missing_entities_have_iams_messages() {
    for t in common::stores() {
        let s = t.store();
        let user = "The user with name ghost cannot be found.";
        let group = "The group with name ghost cannot be found.";
        let role_msg = "The role with name ghost cannot be found.";
        let profile = "Instance Profile ghost cannot be found.";
        assert_err(
            s.get_user("ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.delete_user("ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.list_access_keys("ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.create_access_key("ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.list_groups_for_user("ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.get_group("ghost"),
            ErrorCode::NoSuchEntity,
            group,
            t.backend,
        );
        assert_err(
            s.delete_group("ghost"),
            ErrorCode::NoSuchEntity,
            group,
            t.backend,
        );
        assert_err(
            s.get_role("ghost"),
            ErrorCode::NoSuchEntity,
            role_msg,
            t.backend,
        );
        assert_err(
            s.delete_role("ghost"),
            ErrorCode::NoSuchEntity,
            role_msg,
            t.backend,
        );
        assert_err(
            s.update_assume_role_policy("ghost", TRUST),
            ErrorCode::NoSuchEntity,
            role_msg,
            t.backend,
        );
        assert_err(
            s.delete_service_linked_role("ghost"),
            ErrorCode::NoSuchEntity,
            role_msg,
            t.backend,
        );
        assert_err(
            s.get_instance_profile("ghost"),
            ErrorCode::NoSuchEntity,
            profile,
            t.backend,
        );
        assert_err(
            s.delete_instance_profile("ghost"),
            ErrorCode::NoSuchEntity,
            profile,
            t.backend,
        );
        s.create_group("g", None).expect("group");
        assert_err(
            s.add_user_to_group("g", "ghost"),
            ErrorCode::NoSuchEntity,
            user,
            t.backend,
        );
        assert_err(
            s.add_role_to_instance_profile("ghost", "r"),
            ErrorCode::NoSuchEntity,
            profile,
            t.backend,
        );
        s.create_instance_profile("p", None, &[]).expect("profile");
        assert_err(
            s.add_role_to_instance_profile("p", "ghost"),
            ErrorCode::NoSuchEntity,
            role_msg,
            t.backend,
        );
    }
}

#[test]
fn a_user_cannot_be_deleted_while_anything_holds_it() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("u", None, None, &[]).expect("user");
        let id = user_id(s, "u");

        // Inline policy.
        exec(
            s,
            "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('user', $1, 'p', 'p', '{}')",
            &[id.as_str().into()],
        );
        assert_err(
            s.delete_user("u"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must delete policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_inline_policies", &[]);

        // Attached managed policy.
        exec(
            s,
            "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('user', $1, 'arn:aws:iam::aws:policy/ReadOnlyAccess')",
            &[id.as_str().into()],
        );
        assert_err(
            s.delete_user("u"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must detach all policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_attachments", &[]);

        // Group membership.
        s.create_group("g", None).expect("group");
        s.add_user_to_group("g", "u").expect("add");
        assert_err(
            s.delete_user("u"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must remove users from group first.",
            t.backend,
        );
        s.remove_user_from_group("g", "u").expect("remove");

        // Access keys.
        let key = s.create_access_key("u").expect("key");
        assert_err(
            s.delete_user("u"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must delete access keys first.",
            t.backend,
        );
        s.delete_access_key("u", &key.access_key_id)
            .expect("delete key");

        // A role's attachment with the same id kind does not count for the user.
        exec(
            s,
            "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, 'arn:aws:iam::aws:policy/ReadOnlyAccess')",
            &[id.as_str().into()],
        );
        s.delete_user("u").expect("delete");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_users"),
            0,
            "{}",
            t.backend
        );
    }
}

#[test]
fn permissions_boundaries_must_name_an_existing_policy() {
    for t in common::stores() {
        let s = t.store();
        let customer = "arn:aws:iam::123456789012:policy/boundaries/DevBoundary";
        exec(
            s,
            "INSERT INTO iam_policies (id, name, name_key, path, arn, description, create_date, update_date, default_version, next_version) VALUES ('ANPATEST', 'DevBoundary', 'devboundary', '/boundaries/', $1, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'v1', 2)",
            &[customer.into()],
        );
        let user = s
            .create_user("dev", None, Some(customer), &[])
            .expect("customer boundary");
        assert_eq!(
            user.permissions_boundary.as_deref(),
            Some(customer),
            "{}",
            t.backend
        );

        let aws = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        s.put_user_permissions_boundary("DEV", aws)
            .expect("aws boundary");
        assert_eq!(
            s.get_user("dev")
                .expect("user")
                .permissions_boundary
                .as_deref(),
            Some(aws),
            "{}",
            t.backend
        );

        let missing = "arn:aws:iam::123456789012:policy/Nope";
        assert_err(
            s.put_user_permissions_boundary("dev", missing),
            ErrorCode::NoSuchEntity,
            &format!("Scope ARN: {missing} does not exist or is not attachable."),
            t.backend,
        );
        let other_account = "arn:aws:iam::210987654321:policy/boundaries/DevBoundary";
        assert_eq!(
            s.put_user_permissions_boundary("dev", other_account)
                .expect_err("other account")
                .code,
            ErrorCode::NoSuchEntity,
            "{}",
            t.backend
        );
        let deprecated = "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess";
        assert_eq!(
            s.put_user_permissions_boundary("dev", deprecated)
                .expect_err("deprecated")
                .code,
            ErrorCode::NoSuchEntity,
            "{}",
            t.backend
        );
        assert_err(
            s.put_user_permissions_boundary("dev", "ReadOnlyAccess"),
            ErrorCode::InvalidInput,
            "Value (ReadOnlyAccess) for parameter PermissionsBoundary is invalid.",
            t.backend,
        );
        // The failures changed nothing.
        assert_eq!(
            s.get_user("dev")
                .expect("user")
                .permissions_boundary
                .as_deref(),
            Some(aws),
            "{}",
            t.backend
        );
        s.delete_user_permissions_boundary("dev").expect("delete");
        assert_eq!(
            s.get_user("dev").expect("user").permissions_boundary,
            None,
            "{}",
            t.backend
        );

        // Creating with a bad boundary stores nothing.
        assert!(s.create_user("x", None, Some(missing), &[]).is_err());
        assert!(
            s.create_role("x", None, TRUST, None, None, Some(missing), &[])
                .is_err()
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_users"),
            1,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            0,
            "{}",
            t.backend
        );

        // Roles.
        let r = s
            .create_role("r", None, TRUST, None, None, Some(customer), &[])
            .expect("role with boundary");
        assert_eq!(
            r.permissions_boundary.as_deref(),
            Some(customer),
            "{}",
            t.backend
        );
        s.put_role_permissions_boundary("r", aws).expect("put");
        assert_eq!(
            s.get_role("r")
                .expect("role")
                .permissions_boundary
                .as_deref(),
            Some(aws),
            "{}",
            t.backend
        );
        s.delete_role_permissions_boundary("r").expect("delete");
        assert_eq!(
            s.get_role("r").expect("role").permissions_boundary,
            None,
            "{}",
            t.backend
        );
    }
}

// ---- Groups ----

#[test]
fn groups_hold_users() {
    for t in common::stores() {
        let s = t.store();
        let group = s.create_group("Developers", Some("/eng/")).expect("group");
        assert_eq!(
            group.arn, "arn:aws:iam::123456789012:group/eng/Developers",
            "{}",
            t.backend
        );
        s.create_group("admins", None).expect("admins");
        s.create_user("bob", None, None, &[]).expect("bob");
        s.create_user("Alice", None, None, &[tag("k", "v")])
            .expect("alice");

        s.add_user_to_group("developers", "BOB").expect("add bob");
        s.add_user_to_group("Developers", "bob")
            .expect("again: idempotent");
        s.add_user_to_group("Developers", "alice")
            .expect("add alice");
        s.add_user_to_group("admins", "alice").expect("add alice");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_group_members"),
            3,
            "{}",
            t.backend
        );

        let (got, members) = s.get_group("DEVELOPERS").expect("get");
        assert_eq!(got, group, "{}", t.backend);
        let names: Vec<&str> = members.iter().map(|u| u.user_name.as_str()).collect();
        assert_eq!(names, ["Alice", "bob"], "{}", t.backend);
        assert_eq!(members[0].tags, vec![tag("k", "v")], "{}", t.backend);

        let groups: Vec<String> = s
            .list_groups_for_user("alice")
            .expect("groups")
            .into_iter()
            .map(|g| g.group_name)
            .collect();
        assert_eq!(groups, ["admins", "Developers"], "{}", t.backend);
        let all: Vec<String> = s
            .list_groups(None)
            .expect("list")
            .into_iter()
            .map(|g| g.group_name)
            .collect();
        assert_eq!(all, ["admins", "Developers"], "{}", t.backend);
        assert_eq!(s.list_groups(Some("/eng/")).expect("list").len(), 1);

        s.remove_user_from_group("Developers", "bob")
            .expect("remove");
        assert_err(
            s.remove_user_from_group("Developers", "bob"),
            ErrorCode::NoSuchEntity,
            "The user with name bob cannot be found.",
            t.backend,
        );
        assert!(s.list_groups_for_user("bob").expect("groups").is_empty());
    }
}

#[test]
fn a_user_belongs_to_at_most_ten_groups() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("u", None, None, &[]).expect("user");
        for i in 0..10 {
            s.create_group(&format!("g{i}"), None).expect("group");
            s.add_user_to_group(&format!("g{i}"), "u").expect("add");
        }
        s.create_group("g10", None).expect("group");
        assert_err(
            s.add_user_to_group("g10", "u"),
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for GroupsPerUser: 10",
            t.backend,
        );
        // Adding to a group it is already in is still fine.
        s.add_user_to_group("g3", "u").expect("idempotent");
    }
}

#[test]
fn a_group_cannot_be_deleted_while_it_has_members_or_policies() {
    for t in common::stores() {
        let s = t.store();
        let group = s.create_group("g", None).expect("group");
        s.create_user("u", None, None, &[]).expect("user");
        s.add_user_to_group("g", "u").expect("add");
        assert_err(
            s.delete_group("g"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must remove users from group first.",
            t.backend,
        );
        s.remove_user_from_group("g", "u").expect("remove");

        exec(
            s,
            "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('group', $1, 'p', 'p', '{}')",
            &[group.group_id.as_str().into()],
        );
        assert_err(
            s.delete_group("g"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must delete policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_inline_policies", &[]);

        exec(
            s,
            "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('group', $1, 'arn:aws:iam::aws:policy/ReadOnlyAccess')",
            &[group.group_id.as_str().into()],
        );
        assert_err(
            s.delete_group("g"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must detach all policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_attachments", &[]);

        s.delete_group("G").expect("delete");
        assert!(
            s.list_groups(None).expect("list").is_empty(),
            "{}",
            t.backend
        );
    }
}

// ---- Roles ----

#[test]
fn roles_are_created_read_updated_listed_and_deleted() {
    for t in common::stores() {
        let s = t.store();
        let r = s
            .create_role(
                "TaskRole",
                Some("/ecs/"),
                TRUST,
                Some("runs the tasks"),
                Some(7200),
                None,
                &[tag("app", "web")],
            )
            .expect("create");
        assert_eq!(
            r.arn, "arn:aws:iam::123456789012:role/ecs/TaskRole",
            "{}",
            t.backend
        );
        assert_eq!(r.assume_role_policy_document, TRUST, "{}", t.backend);
        assert_eq!(
            r.description.as_deref(),
            Some("runs the tasks"),
            "{}",
            t.backend
        );
        assert_eq!(r.max_session_duration, 7200, "{}", t.backend);
        assert_eq!(r.tags, vec![tag("app", "web")], "{}", t.backend);
        assert_eq!(r.service_linked, None, "{}", t.backend);
        assert_eq!(s.get_role("taskrole").expect("get"), r, "{}", t.backend);

        let plain = role(s, "another");
        assert_eq!(plain.max_session_duration, 3600, "{}", t.backend);
        assert_eq!(plain.description, None, "{}", t.backend);
        assert_eq!(plain.path, "/", "{}", t.backend);

        let names: Vec<String> = s
            .list_roles(None)
            .expect("list")
            .into_iter()
            .map(|r| r.role_name)
            .collect();
        assert_eq!(names, ["another", "TaskRole"], "{}", t.backend);
        assert_eq!(
            s.list_roles(Some("/ecs/")).expect("list")[0].tags,
            vec![tag("app", "web")],
            "{}",
            t.backend
        );

        s.update_assume_role_policy("taskrole", EC2_TRUST)
            .expect("update trust");
        assert_eq!(
            s.get_role("TaskRole")
                .expect("get")
                .assume_role_policy_document,
            EC2_TRUST,
            "{}",
            t.backend
        );
        let updated = s
            .update_role("TaskRole", Some("new"), None)
            .expect("update description");
        assert_eq!(updated.description.as_deref(), Some("new"), "{}", t.backend);
        assert_eq!(updated.max_session_duration, 7200, "{}", t.backend);
        let updated = s
            .update_role("TaskRole", None, Some(43200))
            .expect("update duration");
        assert_eq!(updated.description.as_deref(), Some("new"), "{}", t.backend);
        assert_eq!(updated.max_session_duration, 43200, "{}", t.backend);

        s.tag_role("taskrole", &[tag("env", "prod")]).expect("tag");
        s.untag_role("taskrole", &["APP".to_string()])
            .expect("untag");
        assert_eq!(
            s.list_role_tags("TaskRole").expect("tags"),
            vec![tag("env", "prod")],
            "{}",
            t.backend
        );

        s.delete_role("TASKROLE").expect("delete");
        assert_err(
            s.get_role("TaskRole"),
            ErrorCode::NoSuchEntity,
            "The role with name TaskRole cannot be found.",
            t.backend,
        );
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM iam_tags WHERE entity_kind = 'role'"
            ),
            0,
            "{}",
            t.backend
        );
    }
}

#[test]
fn a_role_cannot_be_deleted_while_anything_holds_it() {
    for t in common::stores() {
        let s = t.store();
        let r = role(s, "r");
        s.create_instance_profile("p", None, &[]).expect("profile");
        s.add_role_to_instance_profile("p", "r").expect("add");
        assert_err(
            s.delete_role("r"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must remove roles from instance profile first.",
            t.backend,
        );
        s.remove_role_from_instance_profile("p", "r")
            .expect("remove");

        exec(
            s,
            "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('role', $1, 'p', 'p', '{}')",
            &[r.role_id.as_str().into()],
        );
        assert_err(
            s.delete_role("r"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must delete policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_inline_policies", &[]);

        exec(
            s,
            "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, 'arn:aws:iam::aws:policy/ReadOnlyAccess')",
            &[r.role_id.as_str().into()],
        );
        assert_err(
            s.delete_role("r"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must detach all policies first.",
            t.backend,
        );
        exec(s, "DELETE FROM iam_attachments", &[]);

        s.delete_role("r").expect("delete");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            0,
            "{}",
            t.backend
        );
    }
}

#[test]
fn a_bad_trust_policy_is_rejected_and_stores_nothing() {
    for t in common::stores() {
        let s = t.store();
        let no_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
        for bad in [no_principal, "{", r#"{"Version":"2012-10-17"}"#] {
            let expected = validate_with_limit(bad, PolicyType::Trust, SizeLimit::TrustPolicy);
            let first = expected.errors.first().expect("the validator rejects it");
            let roles = count(s, "SELECT COUNT(*) FROM iam_roles");
            let tags = count(s, "SELECT COUNT(*) FROM iam_tags");
            let generation = s.generation().expect("generation");
            let err = s
                .create_role("r", None, bad, None, None, None, &[tag("a", "b")])
                .expect_err("bad trust policy");
            assert_eq!(
                err.code,
                ErrorCode::MalformedPolicyDocument,
                "{}: {bad}",
                t.backend
            );
            assert_eq!(err.message, first.message, "{}: {bad}", t.backend);
            assert_eq!(
                count(s, "SELECT COUNT(*) FROM iam_roles"),
                roles,
                "{}",
                t.backend
            );
            assert_eq!(
                count(s, "SELECT COUNT(*) FROM iam_tags"),
                tags,
                "{}",
                t.backend
            );
            assert_eq!(
                s.generation().expect("generation"),
                generation,
                "{}",
                t.backend
            );
        }

        // Updating with a bad document keeps the old one.
        role(s, "good");
        let err = s
            .update_assume_role_policy("good", no_principal)
            .expect_err("bad update");
        assert_eq!(
            err.code,
            ErrorCode::MalformedPolicyDocument,
            "{}",
            t.backend
        );
        assert_eq!(
            s.get_role("good")
                .expect("role")
                .assume_role_policy_document,
            TRUST,
            "{}",
            t.backend
        );
    }
}

#[test]
fn max_session_duration_is_between_one_and_twelve_hours() {
    for t in common::stores() {
        let s = t.store();
        assert_err(
            s.create_role("r", None, TRUST, None, Some(3599), None, &[]),
            ErrorCode::ValidationError,
            "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
            t.backend,
        );
        assert_err(
            s.create_role("r", None, TRUST, None, Some(43201), None, &[]),
            ErrorCode::ValidationError,
            "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
            t.backend,
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            0,
            "{}",
            t.backend
        );
        let lo = s
            .create_role("lo", None, TRUST, None, Some(3600), None, &[])
            .expect("3600");
        assert_eq!(lo.max_session_duration, 3600, "{}", t.backend);
        let hi = s
            .create_role("hi", None, TRUST, None, Some(43200), None, &[])
            .expect("43200");
        assert_eq!(hi.max_session_duration, 43200, "{}", t.backend);
        assert_eq!(
            s.update_role("hi", Some("d"), Some(0))
                .expect_err("update")
                .code,
            ErrorCode::ValidationError,
            "{}",
            t.backend
        );
        let unchanged = s.get_role("hi").expect("role");
        assert_eq!(unchanged.max_session_duration, 43200, "{}", t.backend);
        assert_eq!(unchanged.description, None, "{}", t.backend);
        assert_eq!(
            s.create_role("d", None, TRUST, Some(&"x".repeat(1001)), None, None, &[])
                .expect_err("description")
                .code,
            ErrorCode::ValidationError,
            "{}",
            t.backend
        );
    }
}

#[test]
fn ids_have_aws_prefixes_and_arns_carry_paths() {
    for t in common::stores() {
        let s = t.store();
        let u = s.create_user("u", Some("/a/b/"), None, &[]).expect("user");
        let g = s.create_group("g", Some("/a/")).expect("group");
        let r = s
            .create_role("r", Some("/svc/"), TRUST, None, None, None, &[])
            .expect("role");
        let p = s
            .create_instance_profile("p", Some("/ec2/"), &[])
            .expect("profile");
        let k = s.create_access_key("u").expect("key");
        assert!(
            u.user_id.starts_with("AIDA"),
            "{}: {}",
            t.backend,
            u.user_id
        );
        assert!(
            g.group_id.starts_with("AGPA"),
            "{}: {}",
            t.backend,
            g.group_id
        );
        assert!(
            r.role_id.starts_with("AROA"),
            "{}: {}",
            t.backend,
            r.role_id
        );
        assert!(
            p.instance_profile_id.starts_with("AIPA"),
            "{}: {}",
            t.backend,
            p.instance_profile_id
        );
        assert!(k.access_key_id.starts_with("AKIA"), "{}", t.backend);
        assert_eq!(
            u.arn, "arn:aws:iam::123456789012:user/a/b/u",
            "{}",
            t.backend
        );
        assert_eq!(
            g.arn, "arn:aws:iam::123456789012:group/a/g",
            "{}",
            t.backend
        );
        assert_eq!(
            r.arn, "arn:aws:iam::123456789012:role/svc/r",
            "{}",
            t.backend
        );
        assert_eq!(
            p.arn, "arn:aws:iam::123456789012:instance-profile/ec2/p",
            "{}",
            t.backend
        );
    }
}

// ---- Service-linked roles ----

#[test]
fn the_ecs_service_linked_role_is_awss() {
    for t in common::stores() {
        let s = t.store();
        let r = s
            .create_service_linked_role("ecs.amazonaws.com", None, None)
            .expect("create");
        assert_eq!(r.role_name, "AWSServiceRoleForECS", "{}", t.backend);
        assert_eq!(
            r.path, "/aws-service-role/ecs.amazonaws.com/",
            "{}",
            t.backend
        );
        assert_eq!(
            r.arn,
            "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            "{}",
            t.backend
        );
        assert_eq!(
            r.assume_role_policy_document, ECS_SLR_TRUST,
            "{}",
            t.backend
        );
        assert_eq!(
            r.service_linked.as_deref(),
            Some("ecs.amazonaws.com"),
            "{}",
            t.backend
        );
        assert_eq!(r.max_session_duration, 3600, "{}", t.backend);
        assert!(r.role_id.starts_with("AROA"), "{}", t.backend);
        assert!(
            validate_with_limit(
                &r.assume_role_policy_document,
                PolicyType::Trust,
                SizeLimit::TrustPolicy
            )
            .is_valid(),
            "{}",
            t.backend
        );
        let attached = s
            .db()
            .read(|tx| {
                tx.query(
                    "SELECT policy_arn FROM iam_attachments WHERE entity_kind = 'role' AND entity_id = $1",
                    &[r.role_id.as_str().into()],
                )
            })
            .expect("attachments");
        let attached: Vec<String> = attached.iter().map(|row| row.str(0)).collect();
        assert_eq!(attached, [ECS_SLR_POLICY], "{}", t.backend);
        assert_eq!(
            s.get_role("awsserviceroleforecs").expect("get"),
            r,
            "{}",
            t.backend
        );

        let protected = "Cannot perform the operation on the protected role 'AWSServiceRoleForECS' - this role is only modifiable by AWS";
        assert_err(
            s.update_assume_role_policy("AWSServiceRoleForECS", TRUST),
            ErrorCode::UnmodifiableEntity,
            protected,
            t.backend,
        );
        assert_err(
            s.delete_role("AWSServiceRoleForECS"),
            ErrorCode::UnmodifiableEntity,
            protected,
            t.backend,
        );
        assert_err(
            s.put_role_permissions_boundary(
                "AWSServiceRoleForECS",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
            ErrorCode::UnmodifiableEntity,
            protected,
            t.backend,
        );
        assert_err(
            s.update_role("AWSServiceRoleForECS", None, Some(7200)),
            ErrorCode::UnmodifiableEntity,
            protected,
            t.backend,
        );
        // Its description may change, as UpdateRoleDescription allows.
        let described = s
            .update_role("AWSServiceRoleForECS", Some("ECS"), None)
            .expect("description");
        assert_eq!(
            described.description.as_deref(),
            Some("ECS"),
            "{}",
            t.backend
        );
        assert_eq!(
            s.get_role("AWSServiceRoleForECS")
                .expect("role")
                .assume_role_policy_document,
            ECS_SLR_TRUST,
            "{}",
            t.backend
        );

        assert_err(
            s.create_service_linked_role("ecs.amazonaws.com", None, None),
            ErrorCode::InvalidInput,
            "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.",
            t.backend,
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            1,
            "{}",
            t.backend
        );

        let task = s
            .delete_service_linked_role("AWSServiceRoleForECS")
            .expect("delete");
        let prefix = "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/";
        assert!(task.starts_with(prefix), "{}: {task}", t.backend);
        assert_eq!(task.len(), prefix.len() + 36, "{}: {task}", t.backend);
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            0,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_attachments"),
            0,
            "{}",
            t.backend
        );

        // And it can be created again.
        s.create_service_linked_role("ecs.amazonaws.com", Some("again"), None)
            .expect("create again");
    }
}

#[test]
fn every_known_service_linked_role_carries_its_catalog_policy() {
    for t in common::stores() {
        let s = t.store();
        for linked in Store::linked_services() {
            let r = s
                .create_service_linked_role(linked.service, None, None)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", t.backend, linked.service));
            assert_eq!(r.role_name, linked.role_name, "{}", t.backend);
            assert_eq!(r.path, format!("/aws-service-role/{}/", linked.service));
            let policy = warden_catalog::managed()
                .lookup(linked.policy_arn)
                .unwrap_or_else(|e| panic!("{}: {e}", linked.service));
            assert_eq!(policy.path, "/aws-service-role/", "{}", linked.service);
            let attached = s
                .db()
                .read(|tx| {
                    tx.query(
                        "SELECT policy_arn FROM iam_attachments WHERE entity_kind = 'role' AND entity_id = $1",
                        &[r.role_id.as_str().into()],
                    )
                })
                .expect("attachments");
            assert_eq!(attached.len(), 1, "{}: {}", t.backend, linked.service);
            assert_eq!(attached[0].str(0), policy.arn(), "{}", t.backend);
        }
        let ecs = Store::linked_services()
            .iter()
            .find(|l| l.service == "ecs.amazonaws.com")
            .expect("ecs is known");
        assert_eq!(ecs.role_name, "AWSServiceRoleForECS");
        assert_eq!(ecs.policy_arn, ECS_SLR_POLICY);
    }
}

#[test]
fn service_linked_roles_need_a_known_service_and_a_suffix_only_where_allowed() {
    for t in common::stores() {
        let s = t.store();
        assert_err(
            s.create_service_linked_role("nothing.amazonaws.com", None, None),
            ErrorCode::InvalidInput,
            "Unknown service principal: nothing.amazonaws.com",
            t.backend,
        );
        assert_err(
            s.create_service_linked_role("ecs.amazonaws.com", None, Some("mine")),
            ErrorCode::InvalidInput,
            "Custom suffix is not allowed for ecs.amazonaws.com",
            t.backend,
        );
        let a = s
            .create_service_linked_role("autoscaling.amazonaws.com", None, Some("fleet"))
            .expect("suffix");
        assert_eq!(
            a.role_name, "AWSServiceRoleForAutoScaling_fleet",
            "{}",
            t.backend
        );
        let b = s
            .create_service_linked_role("autoscaling.amazonaws.com", None, None)
            .expect("no suffix");
        assert_eq!(b.role_name, "AWSServiceRoleForAutoScaling", "{}", t.backend);
        assert_err(
            s.create_service_linked_role("autoscaling.amazonaws.com", None, Some("FLEET")),
            ErrorCode::InvalidInput,
            "Service role name AWSServiceRoleForAutoScaling_FLEET has been taken in this account, please try a different suffix.",
            t.backend,
        );
        // A name an ordinary role took is taken for the service too.
        role(s, "AWSServiceRoleForEC2Spot");
        assert_eq!(
            s.create_service_linked_role("spot.amazonaws.com", None, None)
                .expect_err("taken")
                .code,
            ErrorCode::InvalidInput,
            "{}",
            t.backend
        );
        // And an ordinary role is not deleted as a service-linked one.
        assert_eq!(
            s.delete_service_linked_role("AWSServiceRoleForEC2Spot")
                .expect_err("not service-linked")
                .code,
            ErrorCode::InvalidInput,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_roles"),
            3,
            "{}",
            t.backend
        );
    }
}

// ---- Instance profiles ----

#[test]
fn instance_profiles_hold_one_role() {
    for t in common::stores() {
        let s = t.store();
        let p = s
            .create_instance_profile("ecsInstanceRole", Some("/ec2/"), &[tag("k", "v")])
            .expect("create");
        assert!(p.roles.is_empty(), "{}", t.backend);
        assert_eq!(
            s.list_instance_profile_tags("ecsinstancerole")
                .expect("tags"),
            vec![tag("k", "v")],
            "{}",
            t.backend
        );
        let r = s
            .create_role("ecsInstanceRole", None, EC2_TRUST, None, None, None, &[])
            .expect("role");
        role(s, "other");

        s.add_role_to_instance_profile("ECSINSTANCEROLE", "ecsinstancerole")
            .expect("add");
        assert_err(
            s.add_role_to_instance_profile("ecsInstanceRole", "other"),
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            t.backend,
        );
        assert_err(
            s.add_role_to_instance_profile("ecsInstanceRole", "ecsInstanceRole"),
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            t.backend,
        );
        let got = s.get_instance_profile("ecsInstanceRole").expect("get");
        assert_eq!(got.roles, vec![r.clone()], "{}", t.backend);
        assert_eq!(
            got.instance_profile_id, p.instance_profile_id,
            "{}",
            t.backend
        );

        let for_role = s
            .list_instance_profiles_for_role("ecsInstanceRole")
            .expect("for role");
        assert_eq!(for_role, vec![got.clone()], "{}", t.backend);
        assert!(
            s.list_instance_profiles_for_role("other")
                .expect("none")
                .is_empty(),
            "{}",
            t.backend
        );

        s.create_instance_profile("another", None, &[])
            .expect("another");
        let names: Vec<String> = s
            .list_instance_profiles(None)
            .expect("list")
            .into_iter()
            .map(|p| p.instance_profile_name)
            .collect();
        assert_eq!(names, ["another", "ecsInstanceRole"], "{}", t.backend);
        assert_eq!(
            s.list_instance_profiles(Some("/ec2/")).expect("list"),
            vec![got],
            "{}",
            t.backend
        );

        assert_err(
            s.delete_instance_profile("ecsInstanceRole"),
            ErrorCode::DeleteConflict,
            "Cannot delete entity, must remove roles from instance profile first.",
            t.backend,
        );
        assert_err(
            s.remove_role_from_instance_profile("ecsInstanceRole", "other"),
            ErrorCode::NoSuchEntity,
            "The role with name other cannot be found.",
            t.backend,
        );
        s.remove_role_from_instance_profile("ecsInstanceRole", "ECSINSTANCEROLE")
            .expect("remove");
        assert!(
            s.get_instance_profile("ecsInstanceRole")
                .expect("get")
                .roles
                .is_empty(),
            "{}",
            t.backend
        );
        s.add_role_to_instance_profile("ecsInstanceRole", "other")
            .expect("a different role now fits");
        s.remove_role_from_instance_profile("ecsInstanceRole", "other")
            .expect("remove");
        s.untag_instance_profile("ecsInstanceRole", &["K".to_string()])
            .expect("untag");
        s.tag_instance_profile("ecsInstanceRole", &[tag("x", "y")])
            .expect("tag");
        s.delete_instance_profile("ecsInstanceRole")
            .expect("delete");
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM iam_tags WHERE entity_kind = 'instance-profile'"
            ),
            0,
            "{}",
            t.backend
        );
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM iam_instance_profiles"),
            1,
            "{}",
            t.backend
        );
    }
}

// ---- Access keys ----

#[test]
fn access_keys_two_per_user_secret_shown_once() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("ci", None, None, &[]).expect("user");
        let first = s.create_access_key("CI").expect("first");
        assert_eq!(first.user_name, "ci", "{}", t.backend);
        assert_eq!(first.status, "Active", "{}", t.backend);
        assert_eq!(first.access_key_id.len(), 20, "{}", t.backend);
        assert_eq!(first.secret_access_key.len(), 40, "{}", t.backend);
        let second = s.create_access_key("ci").expect("second");
        assert_ne!(first.access_key_id, second.access_key_id, "{}", t.backend);
        assert_err(
            s.create_access_key("ci"),
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for AccessKeysPerUser: 2",
            t.backend,
        );

        let listed = s.list_access_keys("ci").expect("list");
        assert_eq!(listed.len(), 2, "{}", t.backend);
        let json = serde_json::to_string(&listed).expect("json");
        assert!(!json.contains("Secret"), "{}: {json}", t.backend);
        assert!(!json.contains(&first.secret_access_key), "{}", t.backend);
        let mut ids: Vec<&str> = listed.iter().map(|k| k.access_key_id.as_str()).collect();
        ids.sort_unstable();
        let mut expected = vec![first.access_key_id.as_str(), second.access_key_id.as_str()];
        expected.sort_unstable();
        assert_eq!(ids, expected, "{}", t.backend);

        // For request signing.
        let (owner, secret, status) = s
            .access_key_secret(&first.access_key_id)
            .expect("lookup")
            .expect("known key");
        assert_eq!(owner.user_name, "ci", "{}", t.backend);
        assert_eq!(secret, first.secret_access_key, "{}", t.backend);
        assert_eq!(status, "Active", "{}", t.backend);
        assert_eq!(
            s.access_key_secret("AKIAUNKNOWNUNKNOWN00").expect("lookup"),
            None,
            "{}",
            t.backend
        );

        s.update_access_key("ci", &first.access_key_id, "Inactive")
            .expect("deactivate");
        let status = s
            .list_access_keys("ci")
            .expect("list")
            .into_iter()
            .find(|k| k.access_key_id == first.access_key_id)
            .expect("key")
            .status;
        assert_eq!(status, "Inactive", "{}", t.backend);
        let (_, _, status) = s
            .access_key_secret(&first.access_key_id)
            .expect("lookup")
            .expect("key");
        assert_eq!(status, "Inactive", "{}", t.backend);
        assert_err(
            s.update_access_key("ci", &first.access_key_id, "Expired"),
            ErrorCode::ValidationError,
            "1 validation error detected: Value 'Expired' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
            t.backend,
        );
        assert!(
            s.update_access_key("ci", &first.access_key_id, "active")
                .is_err()
        );

        // Keys belong to their user.
        s.create_user("other", None, None, &[]).expect("other");
        let missing = format!(
            "The Access Key with id {} cannot be found.",
            first.access_key_id
        );
        assert_err(
            s.update_access_key("other", &first.access_key_id, "Active"),
            ErrorCode::NoSuchEntity,
            &missing,
            t.backend,
        );
        assert_err(
            s.delete_access_key("other", &first.access_key_id),
            ErrorCode::NoSuchEntity,
            &missing,
            t.backend,
        );

        s.delete_access_key("ci", &first.access_key_id)
            .expect("delete");
        assert_err(
            s.delete_access_key("ci", &first.access_key_id),
            ErrorCode::NoSuchEntity,
            &missing,
            t.backend,
        );
        assert_eq!(
            s.list_access_keys("ci").expect("list").len(),
            1,
            "{}",
            t.backend
        );
        s.create_access_key("ci").expect("room again");
    }
}

// ---- All or nothing ----

#[test]
fn a_failure_part_way_leaves_the_store_unchanged() {
    for t in common::stores() {
        let s = t.store();
        let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        let generation = s.generation().expect("generation");

        // The entity row is written before the tags fail the quota: all of it rolls back.
        assert_err(
            s.create_user("u", None, None, &too_many),
            ErrorCode::LimitExceeded,
            "The number of tags has reached the maximum limit of 50.",
            t.backend,
        );
        assert_eq!(
            s.create_role("r", None, TRUST, None, None, None, &too_many)
                .expect_err("role tags")
                .code,
            ErrorCode::LimitExceeded,
            "{}",
            t.backend
        );
        assert_eq!(
            s.create_instance_profile("p", None, &too_many)
                .expect_err("profile tags")
                .code,
            ErrorCode::LimitExceeded,
            "{}",
            t.backend
        );
        for table in [
            "iam_users",
            "iam_roles",
            "iam_instance_profiles",
            "iam_tags",
        ] {
            assert_eq!(
                count(s, &format!("SELECT COUNT(*) FROM {table}")),
                0,
                "{}: {table}",
                t.backend
            );
        }
        assert_eq!(
            s.generation().expect("generation"),
            generation,
            "{}",
            t.backend
        );

        // Tagging an existing entity past the quota keeps its tags as they were.
        let few: Vec<Tag> = (0..40).map(|i| tag(&format!("k{i}"), "v")).collect();
        s.create_user("u", None, None, &few).expect("user");
        let more: Vec<Tag> = (0..20).map(|i| tag(&format!("n{i}"), "v")).collect();
        assert!(s.tag_user("u", &more).is_err(), "{}", t.backend);
        assert_eq!(
            s.list_user_tags("u").expect("tags").len(),
            40,
            "{}",
            t.backend
        );

        // The name is free again after every failure.
        s.create_role("r", None, TRUST, None, None, None, &[])
            .expect("role");
        s.create_instance_profile("p", None, &[]).expect("profile");
    }
}

// ---- Concurrency: several "processes" ----

#[test]
fn concurrent_writers_put_exactly_one_role_in_a_profile() {
    for t in common::stores() {
        let s = t.store();
        s.create_instance_profile("shared", None, &[])
            .expect("profile");
        for i in 0..10 {
            role(s, &format!("role{i}"));
        }
        let barrier = Barrier::new(10);
        let results: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let url = t.url.as_str();
                    let barrier = &barrier;
                    scope.spawn(move || {
                        let other = Store::open(url).expect("open another process's store");
                        barrier.wait();
                        other.add_role_to_instance_profile("shared", &format!("role{i}"))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "{}: {results:?}", t.backend);
        for err in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(err.code, ErrorCode::LimitExceeded, "{}: {err}", t.backend);
        }
        let profile = t.reopen().get_instance_profile("shared").expect("profile");
        assert_eq!(profile.roles.len(), 1, "{}", t.backend);
    }
}

#[test]
fn concurrent_writers_create_exactly_two_access_keys() {
    for t in common::stores() {
        let s = t.store();
        s.create_user("ci", None, None, &[]).expect("user");
        let barrier = Barrier::new(20);
        let results: Vec<Result<String, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    let url = t.url.as_str();
                    let barrier = &barrier;
                    scope.spawn(move || {
                        let other = Store::open(url).expect("open another process's store");
                        barrier.wait();
                        other.create_access_key("ci").map(|k| k.access_key_id)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 2, "{}: {results:?}", t.backend);
        for err in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(err.code, ErrorCode::LimitExceeded, "{}: {err}", t.backend);
        }
        assert_eq!(
            t.reopen().list_access_keys("ci").expect("list").len(),
            2,
            "{}",
            t.backend
        );
    }
}

#[test]
fn a_roles_last_use_is_recorded_without_moving_the_generation() {
    for t in common::stores() {
        let s = t.store();
        let created = role(s, "deployer");
        assert_eq!(created.role_last_used, None, "{}", t.backend);
        let generation = s.generation().expect("generation");
        let when = time::macros::datetime!(2026-11-29 10:20:30 UTC);
        s.record_role_use(&created.role_id, when, "eu-west-1")
            .expect("record");
        assert_eq!(
            s.generation().expect("generation"),
            generation,
            "{}",
            t.backend
        );
        // Seen by another connection, as another process would.
        let used = t
            .reopen()
            .get_role("deployer")
            .expect("role")
            .role_last_used;
        let used = used.unwrap_or_else(|| panic!("{}: no RoleLastUsed", t.backend));
        assert_eq!(used.last_used_date, "2026-11-29T10:20:30Z", "{}", t.backend);
        assert_eq!(used.region, "eu-west-1", "{}", t.backend);
    }
}
