//! `get-account-authorization-details` import and export, on both backends.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use serde_json::{Value, json};
use warden_store::{ErrorCode, Store, Value as SqlValue};

const FIXTURE: &str = include_str!("../../../examples/account-authorization-details.json");

const DEPLOY_BOUNDARY: &str = "arn:aws:iam::111122223333:policy/boundaries/DeployBoundary";
const EC2_FULL_ACCESS: &str = "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess";
const ECS_FULL_ACCESS: &str = "arn:aws:iam::aws:policy/AmazonECS_FullAccess";
const SEED_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Rows of a query, as text columns.
fn rows(store: &Store, sql: &str, params: &[SqlValue]) -> Vec<Vec<String>> {
    store
        .db()
        .read(|tx| tx.query(sql, params))
        .expect("query")
        .into_iter()
        .map(|row| {
            row.0
                .iter()
                .map(|v| match v {
                    SqlValue::Null => "NULL".to_string(),
                    SqlValue::Int(i) => i.to_string(),
                    SqlValue::Text(s) => s.clone(),
                })
                .collect()
        })
        .collect()
}

fn one(store: &Store, sql: &str, params: &[SqlValue]) -> String {
    let found = rows(store, sql, params);
    assert_eq!(found.len(), 1, "{sql}: {found:?}");
    found[0][0].clone()
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|item| item[field].as_str().expect("name").to_string())
        .collect()
}

fn find<'a>(list: &'a Value, field: &str, name: &str) -> &'a Value {
    list.as_array()
        .expect("list")
        .iter()
        .find(|item| item[field] == name)
        .unwrap_or_else(|| panic!("{name} in {field}"))
}

fn export(store: &Store) -> Value {
    store.export_authorization_details().expect("export")
}

#[test]
fn the_fixture_imports_with_its_ids_paths_attachments_and_documents() {
    for t in common::stores() {
        let b = t.backend;
        let store = t.store();
        let g0 = store.generation().expect("generation");
        let summary = store.import_authorization_details(FIXTURE).expect("import");
        assert_eq!(
            (
                summary.users,
                summary.groups,
                summary.roles,
                summary.policies,
                summary.instance_profiles
            ),
            (2, 1, 5, 1, 1),
            "{b}"
        );
        assert_eq!(store.generation().expect("generation"), g0 + 1, "{b}");
        assert_eq!(t.reopen().account_id(), "111122223333", "{b}");

        // Ids, names, paths and dates as given.
        assert_eq!(
            rows(
                store,
                "SELECT id, path, create_date FROM iam_users WHERE name = 'ci-deployer'",
                &[]
            ),
            vec![vec![
                "AIDAUJZDEGXDNCF32EPF3".to_string(),
                "/ci/".to_string(),
                "2024-02-19T08:12:44+00:00".to_string()
            ]],
            "{b}"
        );
        let instance_role = one(
            store,
            "SELECT id FROM iam_roles WHERE name_key = $1",
            &["ecsinstancerole".into()],
        );
        assert_eq!(instance_role, "AROAH7DNSIPZZ7FK4ZRI3", "{b}");

        // Only the customer managed policy is stored, with both versions.
        assert_eq!(
            rows(
                store,
                "SELECT id, name, path, arn, default_version, next_version, description FROM iam_policies",
                &[]
            ),
            vec![vec![
                "ANPAWX6HH7566TFJGVQ6K".to_string(),
                "DeployBoundary".to_string(),
                "/boundaries/".to_string(),
                DEPLOY_BOUNDARY.to_string(),
                "v2".to_string(),
                "3".to_string(),
                "The most a CI deployer may ever do".to_string()
            ]],
            "{b}"
        );
        let versions = rows(
            store,
            "SELECT version_id, create_date FROM iam_policy_versions ORDER BY version_id",
            &[],
        );
        assert_eq!(
            versions,
            vec![
                vec!["v1".to_string(), "2024-02-19T08:05:11+00:00".to_string()],
                vec!["v2".to_string(), "2024-05-02T16:41:27+00:00".to_string()]
            ],
            "{b}"
        );

        // Attachments, the deprecated AWS managed policy included.
        let legacy = one(
            store,
            "SELECT id FROM iam_users WHERE name = 'legacy-admin'",
            &[],
        );
        assert_eq!(
            rows(
                store,
                "SELECT entity_kind, policy_arn FROM iam_attachments WHERE entity_id = $1",
                &[legacy.as_str().into()]
            ),
            vec![vec!["user".to_string(), EC2_FULL_ACCESS.to_string()]],
            "{b}"
        );
        assert_eq!(
            one(
                store,
                "SELECT a.policy_arn FROM iam_attachments a JOIN iam_groups g ON g.id = a.entity_id WHERE a.entity_kind = 'group' AND g.name = 'deployers'",
                &[]
            ),
            ECS_FULL_ACCESS,
            "{b}"
        );
        assert_eq!(
            rows(store, "SELECT COUNT(*) FROM iam_attachments", &[]),
            vec![vec!["6".to_string()]],
            "{b}"
        );

        // Membership and boundary.
        assert_eq!(
            one(
                store,
                "SELECT u.name FROM iam_group_members m JOIN iam_users u ON u.id = m.user_id JOIN iam_groups g ON g.id = m.group_id WHERE g.name = 'deployers'",
                &[]
            ),
            "ci-deployer",
            "{b}"
        );
        assert_eq!(
            one(
                store,
                "SELECT boundary FROM iam_users WHERE name = 'ci-deployer'",
                &[]
            ),
            DEPLOY_BOUNDARY,
            "{b}"
        );

        // The instance profile holds its role; the service-linked role knows its service.
        assert_eq!(
            rows(
                store,
                "SELECT id, name, role_id FROM iam_instance_profiles",
                &[]
            ),
            vec![vec![
                "AIPAR2WYOJFLJOOA7LQSA".to_string(),
                "ecsInstanceRole".to_string(),
                instance_role.clone()
            ]],
            "{b}"
        );
        assert_eq!(
            rows(
                store,
                "SELECT name, path, service_name, max_session_duration FROM iam_roles WHERE service_name IS NOT NULL",
                &[]
            ),
            vec![vec![
                "AWSServiceRoleForECS".to_string(),
                "/aws-service-role/ecs.amazonaws.com/".to_string(),
                "ecs.amazonaws.com".to_string(),
                "3600".to_string()
            ]],
            "{b}"
        );

        // Documents: the object kept in its key order, the URL-encoded one decoded.
        assert_eq!(
            one(
                store,
                "SELECT trust_policy FROM iam_roles WHERE name = 'my-app-task-role'",
                &[]
            ),
            SEED_TRUST,
            "{b}"
        );
        let decoded = one(
            store,
            "SELECT i.document FROM iam_inline_policies i JOIN iam_users u ON u.id = i.entity_id WHERE i.entity_kind = 'user' AND i.name = 'pass-ecs-task-roles'",
            &[],
        );
        assert!(
            decoded.starts_with("{\n  \"Version\": \"2012-10-17\""),
            "{b}: {decoded}"
        );
        let parsed: Value = serde_json::from_str(&decoded).expect("decoded JSON");
        assert_eq!(parsed["Statement"][0]["Action"], "iam:PassRole", "{b}");
        let inline = one(
            store,
            "SELECT document FROM iam_inline_policies WHERE entity_kind = 'role' AND name_key = 'read-assets'",
            &[],
        );
        assert!(
            inline.contains(r#""Action":"s3:GetObject","Resource":"arn:aws:s3:::my-app-assets/*""#),
            "{b}: {inline}"
        );

        // Tags.
        assert_eq!(
            rows(
                store,
                "SELECT t.key, t.value FROM iam_tags t JOIN iam_roles r ON r.id = t.entity_id WHERE t.entity_kind = 'role' AND r.name = 'my-app-task-role' ORDER BY t.key_lower",
                &[]
            ),
            vec![
                vec!["app".to_string(), "my-app".to_string()],
                vec!["env".to_string(), "production".to_string()]
            ],
            "{b}"
        );
        assert_eq!(
            rows(store, "SELECT COUNT(*) FROM iam_tags", &[]),
            vec![vec!["5".to_string()]],
            "{b}"
        );
    }
}

#[test]
fn the_export_is_awscli_shaped_and_round_trips() {
    let mut exports = Vec::new();
    for t in common::stores() {
        let b = t.backend;
        t.store()
            .import_authorization_details(FIXTURE)
            .expect("import");
        let exported = export(t.store());
        assert_eq!(exported["IsTruncated"], false, "{b}");
        assert!(exported.get("InstanceProfileList").is_none(), "{b}");
        assert_eq!(
            names(&exported["UserDetailList"], "UserName"),
            ["ci-deployer", "legacy-admin"],
            "{b}"
        );
        assert_eq!(
            names(&exported["RoleDetailList"], "RoleName"),
            [
                "AWSServiceRoleForECS",
                "ecsAutoscaleRole",
                "ecsInstanceRole",
                "ecsTaskExecutionRole",
                "my-app-task-role"
            ],
            "{b}"
        );
        assert_eq!(
            names(&exported["Policies"], "PolicyName"),
            [
                "AmazonEC2ContainerServiceAutoscaleRole",
                "AmazonEC2ContainerServiceforEC2Role",
                "AmazonEC2ContainerServiceFullAccess",
                "AmazonECS_FullAccess",
                "AmazonECSServiceRolePolicy",
                "AmazonECSTaskExecutionRolePolicy",
                "DeployBoundary"
            ],
            "{b}"
        );

        // RoleLastUsed is kept: empty for a role never used.
        let instance = find(&exported["RoleDetailList"], "RoleName", "ecsInstanceRole");
        assert_eq!(
            instance["RoleLastUsed"],
            json!({"LastUsedDate": "2026-11-28T06:55:09+00:00", "Region": "eu-west-1"}),
            "{b}"
        );
        let task = find(&exported["RoleDetailList"], "RoleName", "my-app-task-role");
        assert_eq!(task["RoleLastUsed"], json!({}), "{b}");
        let used = t.store().get_role("ecsInstanceRole").expect("role");
        assert_eq!(
            used.role_last_used.map(|u| u.region).as_deref(),
            Some("eu-west-1"),
            "{b}"
        );

        let user = find(&exported["UserDetailList"], "UserName", "ci-deployer");
        assert_eq!(
            user["Arn"], "arn:aws:iam::111122223333:user/ci/ci-deployer",
            "{b}"
        );
        assert_eq!(user["GroupList"], json!(["deployers"]), "{b}");
        assert_eq!(
            user["PermissionsBoundary"],
            json!({
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": DEPLOY_BOUNDARY
            }),
            "{b}"
        );
        assert_eq!(
            user["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Sid"], "PassTaskRoles",
            "{b}"
        );
        assert_eq!(
            user["Tags"],
            json!([{"Key": "owner", "Value": "ci@example.com"}, {"Key": "team", "Value": "platform"}]),
            "{b}"
        );

        let role = find(&exported["RoleDetailList"], "RoleName", "ecsInstanceRole");
        assert_eq!(
            role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
            "ec2.amazonaws.com",
            "{b}"
        );
        let profile = &role["InstanceProfileList"][0];
        assert_eq!(
            profile["Arn"], "arn:aws:iam::111122223333:instance-profile/ecsInstanceRole",
            "{b}"
        );
        assert_eq!(
            profile["Roles"][0]["RoleId"], "AROAH7DNSIPZZ7FK4ZRI3",
            "{b}"
        );
        let slr = find(
            &exported["RoleDetailList"],
            "RoleName",
            "AWSServiceRoleForECS",
        );
        assert_eq!(
            slr["Arn"],
            "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            "{b}"
        );

        let boundary = find(&exported["Policies"], "PolicyName", "DeployBoundary");
        assert_eq!(boundary["PermissionsBoundaryUsageCount"], 1, "{b}");
        assert_eq!(boundary["AttachmentCount"], 0, "{b}");
        assert_eq!(boundary["IsAttachable"], true, "{b}");
        let versions = &boundary["PolicyVersionList"];
        assert_eq!(names(versions, "VersionId"), ["v2", "v1"], "{b}");
        assert_eq!(versions[0]["IsDefaultVersion"], true, "{b}");
        assert_eq!(versions[1]["IsDefaultVersion"], false, "{b}");
        assert!(versions[0]["Document"].is_object(), "{b}");

        let deprecated = find(
            &exported["Policies"],
            "PolicyName",
            "AmazonEC2ContainerServiceFullAccess",
        );
        assert_eq!(deprecated["Arn"], EC2_FULL_ACCESS, "{b}");
        assert_eq!(deprecated["IsAttachable"], false, "{b}");
        assert_eq!(deprecated["AttachmentCount"], 1, "{b}");
        let ecs = find(&exported["Policies"], "PolicyName", "AmazonECS_FullAccess");
        assert_eq!(ecs["IsAttachable"], true, "{b}");
        assert_eq!(ecs["PolicyVersionList"].as_array().map(Vec::len), Some(1));
        assert_eq!(ecs["PolicyVersionList"][0]["IsDefaultVersion"], true, "{b}");
        assert!(ecs["PolicyVersionList"][0]["Document"]["Statement"].is_array());

        // Export, import into an empty store, export again: the same.
        let again = common::stores()
            .into_iter()
            .find(|other| other.backend == b)
            .expect("same backend");
        let text = serde_json::to_string_pretty(&exported).expect("text");
        let summary = again
            .store()
            .import_authorization_details(&text)
            .expect("re-import");
        assert_eq!(summary.policies, 1, "{b}");
        assert_eq!(export(again.store()), exported, "{b}");
        exports.push(exported);
    }
    // Both backends export the same account identically.
    if let [first, rest @ ..] = exports.as_slice() {
        for other in rest {
            assert_eq!(other, first);
        }
    }
}

#[test]
fn an_existing_entity_fails_the_whole_import() {
    for t in common::stores() {
        let b = t.backend;
        let store = t.store();
        store.import_authorization_details(FIXTURE).expect("import");
        let before = export(store);

        let err = store
            .import_authorization_details(FIXTURE)
            .expect_err("twice");
        assert_eq!(err.code, ErrorCode::EntityAlreadyExists, "{b}: {err}");
        assert_eq!(export(store), before, "{b}");

        // A new user and a role whose name exists in another case: nothing is stored.
        let file = json!({
            "UserDetailList": [{
                "Path": "/", "UserName": "newcomer", "UserId": "AIDAEXAMPLENEWCOMER1",
                "Arn": "arn:aws:iam::111122223333:user/newcomer",
                "CreateDate": "2026-01-01T00:00:00Z", "GroupList": ["deployers"]
            }],
            "RoleDetailList": [{
                "Path": "/", "RoleName": "ECSINSTANCEROLE", "RoleId": "AROAEXAMPLEROLE00001",
                "Arn": "arn:aws:iam::111122223333:role/ECSINSTANCEROLE",
                "CreateDate": "2026-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}
            }]
        })
        .to_string();
        let err = store
            .import_authorization_details(&file)
            .expect_err("exists");
        assert_eq!(err.code, ErrorCode::EntityAlreadyExists, "{b}: {err}");
        assert!(err.message.contains("ECSINSTANCEROLE"), "{b}: {err}");
        assert!(err.message.contains("RoleDetailList[0]"), "{b}: {err}");
        assert_eq!(export(store), before, "{b}");

        // The same file without the clash imports, next to what is there (same account).
        let file = file.replace("ECSINSTANCEROLE", "otherRole");
        let summary = store.import_authorization_details(&file).expect("import");
        assert_eq!((summary.users, summary.roles), (1, 1), "{b}");
        assert_eq!(
            rows(store, "SELECT COUNT(*) FROM iam_group_members", &[]),
            vec![vec!["2".to_string()]],
            "{b}"
        );
    }
}

#[test]
fn malformed_input_names_the_field_and_stores_nothing() {
    let cases: &[(&str, &str)] = &[
        ("not json", "not JSON"),
        ("[]", "must be a JSON object"),
        (
            r#"{"RoleDetailList":[{}]}"#,
            "RoleDetailList[0]: missing RoleName",
        ),
        (
            r#"{"UserDetailList":{"UserName":"x"}}"#,
            "UserDetailList: expected a list, not an object",
        ),
        (
            r#"{"UserDetailList":[{"UserName":"ok"},{"UserName":7}]}"#,
            "UserDetailList[1].UserName: expected a string, not a number",
        ),
        (
            r#"{"RoleDetailList":[{"RoleName":"r"}]}"#,
            "RoleDetailList[0]: missing AssumeRolePolicyDocument",
        ),
        (
            r#"{"RoleDetailList":[{"RoleName":"r","AssumeRolePolicyDocument":"nope"}]}"#,
            "RoleDetailList[0].AssumeRolePolicyDocument: not a JSON policy document",
        ),
        (
            r#"{"GroupDetailList":[{"GroupName":"g","GroupPolicyList":[{"PolicyName":"p"}]}]}"#,
            "GroupDetailList[0].GroupPolicyList[0]: missing PolicyDocument",
        ),
        (
            r#"{"UserDetailList":[{"UserName":"bad name"}]}"#,
            "UserDetailList[0].UserName: 1 validation error",
        ),
        (
            r#"{"UserDetailList":[{"UserName":"a"},{"UserName":"A"}]}"#,
            "UserDetailList[1]: the user A appears twice",
        ),
        (
            r#"{"UserDetailList":[{"UserName":"a","Path":"x"}]}"#,
            "UserDetailList[0].Path",
        ),
        (
            r#"{"UserDetailList":[{"UserName":"a","Arn":"arn:aws:iam::111122223333:user/b"}]}"#,
            "UserDetailList[0].Arn: arn:aws:iam::111122223333:user/b does not match",
        ),
        (
            r#"{"Policies":[{"PolicyName":"P","Arn":"arn:aws:iam::111122223333:policy/P","PolicyVersionList":[{"VersionId":"v1","Document":{}}]}]}"#,
            "Policies[0]: missing DefaultVersionId",
        ),
        (
            r#"{"Policies":[{"PolicyName":"P","Arn":"arn:aws:iam::111122223333:policy/P","DefaultVersionId":"v2","PolicyVersionList":[{"VersionId":"v1","Document":{}}]}]}"#,
            "Policies[0].DefaultVersionId: v2 is not in the PolicyVersionList",
        ),
        (r#"{"IsTruncated":true,"UserDetailList":[]}"#, "IsTruncated"),
    ];
    for t in common::stores() {
        let b = t.backend;
        let store = t.store();
        store.import_authorization_details(FIXTURE).expect("import");
        let before = export(store);
        let generation = store.generation().expect("generation");
        for (input, expected) in cases {
            let err = store.import_authorization_details(input).expect_err(input);
            assert_eq!(err.code, ErrorCode::InvalidInput, "{b}: {input}: {err}");
            assert!(
                err.message.contains(expected),
                "{b}: {input}: {} lacks {expected}",
                err.message
            );
        }
        assert_eq!(export(store), before, "{b}");
        assert_eq!(store.generation().expect("generation"), generation, "{b}");
    }
}

#[test]
fn accounts_must_agree() {
    for t in common::stores() {
        let b = t.backend;
        let store = t.store();
        // Two accounts in one file.
        let mixed = json!({
            "UserDetailList": [
                {"UserName": "a", "Arn": "arn:aws:iam::111122223333:user/a"},
                {"UserName": "b", "Arn": "arn:aws:iam::444455556666:user/b"}
            ]
        })
        .to_string();
        let err = store
            .import_authorization_details(&mixed)
            .expect_err("mixed");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{b}: {err}");
        assert!(
            err.message.starts_with("UserDetailList[1].Arn"),
            "{b}: {err}"
        );

        // Another account than the one the store holds.
        store.import_authorization_details(FIXTURE).expect("import");
        let before = export(store);
        let other = json!({
            "UserDetailList": [{"UserName": "c", "Arn": "arn:aws:iam::444455556666:user/c"}]
        })
        .to_string();
        let err = store
            .import_authorization_details(&other)
            .expect_err("other account");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{b}: {err}");
        assert!(err.message.contains("444455556666"), "{b}: {err}");
        assert_eq!(export(store), before, "{b}");
        assert_eq!(t.reopen().account_id(), "111122223333", "{b}");

        // A customer policy of another account, attached.
        let foreign = json!({
            "UserDetailList": [{
                "UserName": "d",
                "AttachedManagedPolicies": [{"PolicyName": "X", "PolicyArn": "arn:aws:iam::444455556666:policy/X"}]
            }]
        })
        .to_string();
        let err = store
            .import_authorization_details(&foreign)
            .expect_err("foreign policy");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{b}: {err}");
    }
}

#[test]
fn policies_referred_to_must_exist() {
    for t in common::stores() {
        let b = t.backend;
        let store = t.store();
        let unknown_aws = json!({
            "RoleDetailList": [{
                "RoleName": "r",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "AttachedManagedPolicies": [{"PolicyName": "NoSuchPolicyAtAll", "PolicyArn": "arn:aws:iam::aws:policy/NoSuchPolicyAtAll"}]
            }]
        })
        .to_string();
        let err = store
            .import_authorization_details(&unknown_aws)
            .expect_err("unknown AWS policy");
        assert_eq!(err.code, ErrorCode::NoSuchEntity, "{b}: {err}");
        assert!(
            err.message
                .starts_with("RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn"),
            "{b}: {err}"
        );

        let missing_customer = json!({
            "UserDetailList": [{
                "UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u",
                "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Gone"}
            }]
        })
        .to_string();
        let err = store
            .import_authorization_details(&missing_customer)
            .expect_err("missing customer policy");
        assert_eq!(err.code, ErrorCode::NoSuchEntity, "{b}: {err}");
        assert!(err.message.contains("policy/Gone"), "{b}: {err}");

        let missing_group = json!({
            "UserDetailList": [{"UserName": "u", "GroupList": ["nobody"]}]
        })
        .to_string();
        let err = store
            .import_authorization_details(&missing_group)
            .expect_err("missing group");
        assert_eq!(err.code, ErrorCode::NoSuchEntity, "{b}: {err}");
        assert!(
            err.message.starts_with("UserDetailList[0].GroupList[0]"),
            "{b}: {err}"
        );

        assert_eq!(
            rows(store, "SELECT COUNT(*) FROM iam_users", &[]),
            vec![vec!["0".to_string()]],
            "{b}"
        );
        assert_eq!(t.reopen().account_id(), "123456789012", "{b}");
    }
}

#[test]
fn what_the_format_cannot_hold_round_trips_as_extra_fields() {
    for t in common::stores() {
        let b = t.backend;
        let file = json!({
            "RoleDetailList": [{
                "Path": "/app/", "RoleName": "worker", "RoleId": "AROAEXAMPLEWORKER001",
                "Arn": "arn:aws:iam::210987654321:role/app/worker",
                "CreateDate": "2025-03-01T12:00:00Z",
                "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
                "Description": "Runs the jobs",
                "MaxSessionDuration": 7200
            }],
            "Policies": [{
                "PolicyName": "Tagged", "PolicyId": "ANPAEXAMPLETAGGED001",
                "Arn": "arn:aws:iam::210987654321:policy/Tagged", "Path": "/",
                "CreateDate": "2025-03-01T12:00:00Z", "UpdateDate": "2025-03-01T12:00:00Z",
                "PolicyVersionList": [{"VersionId": "v4", "IsDefaultVersion": true,
                    "Document": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}],
                "Tags": [{"Key": "k", "Value": "v"}]
            }],
            "InstanceProfileList": [{
                "Path": "/", "InstanceProfileName": "spare", "InstanceProfileId": "AIPAEXAMPLESPARE0001",
                "Arn": "arn:aws:iam::210987654321:instance-profile/spare",
                "CreateDate": "2025-03-01T12:00:00Z", "Roles": []
            }]
        })
        .to_string();
        let summary = t
            .store()
            .import_authorization_details(&file)
            .expect("import");
        assert_eq!(
            (summary.roles, summary.policies, summary.instance_profiles),
            (1, 1, 1),
            "{b}"
        );
        assert_eq!(t.reopen().account_id(), "210987654321", "{b}");
        assert_eq!(
            one(t.store(), "SELECT next_version FROM iam_policies", &[]),
            "5",
            "{b}"
        );
        let exported = export(t.store());
        let role = &exported["RoleDetailList"][0];
        assert_eq!(role["Description"], "Runs the jobs", "{b}");
        assert_eq!(role["MaxSessionDuration"], 7200, "{b}");
        assert_eq!(
            role["AssumeRolePolicyDocument"],
            json!({"Version": "2012-10-17", "Statement": []}),
            "{b}"
        );
        assert_eq!(
            exported["InstanceProfileList"][0]["InstanceProfileName"], "spare",
            "{b}"
        );
        assert_eq!(exported["Policies"][0]["Tags"][0]["Key"], "k", "{b}");

        let again = common::stores()
            .into_iter()
            .find(|other| other.backend == b)
            .expect("same backend");
        again
            .store()
            .import_authorization_details(&exported.to_string())
            .expect("re-import");
        assert_eq!(export(again.store()), exported, "{b}");
    }
}

#[test]
fn an_empty_file_changes_nothing_but_the_generation() {
    for t in common::stores() {
        let summary = t
            .store()
            .import_authorization_details("{}")
            .expect("empty import");
        assert_eq!(summary.users + summary.roles + summary.policies, 0);
        assert_eq!(t.reopen().account_id(), "123456789012", "{}", t.backend);
        assert_eq!(
            export(t.store()),
            json!({
                "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                "Policies": [], "IsTruncated": false
            }),
            "{}",
            t.backend
        );
    }
}
