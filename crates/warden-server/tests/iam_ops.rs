//! IAM operations through the operation table (handlers and resolved targets), on an in-memory store: member names
//! and shapes as botocore's model has them, AWS's errors, pagination, the simulator.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::{handle, operation, operations, target};
use warden_server::iam::known;
use warden_server::protocol::{AwsError, Params};
use warden_server::{Caller, Target};
use warden_store::Store;

const TRUST: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ecs-tasks.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]\n}";

/// Runs an operation's handler on a target already resolved.
fn handle_target(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
    target: Option<&Target>,
) -> Result<Option<String>, AwsError> {
    let target = target.cloned().unwrap_or_default();
    warden_server::server::dispatch(store, operation(action)?, params, caller, None, &target)
}

fn store() -> Store {
    Store::open(":memory:").expect("store")
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

fn call(store: &Store, action: &str, pairs: &[(&str, &str)]) -> Result<Option<String>, AwsError> {
    let params = Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    handle(store, action, &params, &caller(store))
}

fn ok(store: &Store, action: &str, pairs: &[(&str, &str)]) -> String {
    match call(store, action, pairs) {
        Ok(out) => out.unwrap_or_default(),
        Err(e) => panic!("{action}: {e}"),
    }
}

fn tgt(store: &Store, action: &str, pairs: &[(&str, &str)]) -> Target {
    let params = Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    target(store, action, &params, &caller(store)).expect("target")
}

/// The text of the first `<tag>` element.
fn first<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    all(xml, tag).into_iter().next()
}

/// The texts of every outermost `<tag>` element (nested ones of the same name included in
/// their parent's text).
fn all<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = xml[pos..].find(&open) {
        let start = pos + found + open.len();
        let mut depth = 1;
        let mut at = start;
        loop {
            let next_open = xml[at..].find(&open).map(|i| at + i);
            let Some(next_close) = xml[at..].find(&close).map(|i| at + i) else {
                return out;
            };
            match next_open {
                Some(o) if o < next_close => {
                    depth += 1;
                    at = o + open.len();
                }
                _ => {
                    depth -= 1;
                    at = next_close + close.len();
                    if depth == 0 {
                        out.push(&xml[start..next_close]);
                        break;
                    }
                }
            }
        }
        pos = at;
    }
    out
}

/// The names of the direct child elements of an element's text.
fn children(xml: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let tail = &rest[i + 1..];
        let end = tail.find('>').expect("tag end");
        let tag = &tail[..end];
        if let Some(_closing) = tag.strip_prefix('/') {
            depth -= 1;
        } else if let Some(name) = tag.strip_suffix('/') {
            if depth == 0 {
                names.push(name.to_string());
            }
        } else {
            if depth == 0 {
                names.push(tag.to_string());
            }
            depth += 1;
        }
        rest = &tail[end + 1..];
    }
    names
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn url_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .expect("utf-8")
        .into_owned()
}

/// Members of botocore's `Role` shape.
const ROLE_MEMBERS: &[&str] = &[
    "Path",
    "RoleName",
    "RoleId",
    "Arn",
    "CreateDate",
    "AssumeRolePolicyDocument",
    "Description",
    "MaxSessionDuration",
    "MaxSigninSessionDuration",
    "PermissionsBoundary",
    "Tags",
    "RoleLastUsed",
    "SourceRoleTemplate",
];
const ROLE_REQUIRED: &[&str] = &["Path", "RoleName", "RoleId", "Arn", "CreateDate"];

fn check_shape(xml: &str, members: &[&str], required: &[&str]) {
    let names = children(xml);
    for name in &names {
        assert!(
            members.contains(&name.as_str()),
            "unexpected member {name} in {xml}"
        );
    }
    for r in required {
        assert!(names.iter().any(|n| n == r), "missing {r} in {xml}");
    }
}

fn create_role(store: &Store, name: &str, path: &str) -> String {
    ok(
        store,
        "CreateRole",
        &[
            ("RoleName", name),
            ("Path", path),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
}

#[test]
fn create_role_returns_botocore_role_shape() {
    let s = store();
    let out = create_role(&s, "taskRole", "/ecs/");
    let role = first(&out, "Role").expect("Role");
    check_shape(role, ROLE_MEMBERS, ROLE_REQUIRED);
    assert_eq!(first(role, "RoleName"), Some("taskRole"));
    assert_eq!(first(role, "Path"), Some("/ecs/"));
    assert!(first(role, "RoleId").unwrap().starts_with("AROA"));
    assert_eq!(
        first(role, "Arn"),
        Some(format!("arn:aws:iam::{}:role/ecs/taskRole", s.account_id()).as_str())
    );
    let date = first(role, "CreateDate").unwrap();
    assert!(date.ends_with('Z') && date.contains('T'), "{date}");
    let doc = first(role, "AssumeRolePolicyDocument").unwrap();
    assert!(
        !doc.contains('{') && !doc.contains(' '),
        "URL-encoded: {doc}"
    );
    assert_eq!(url_decode(&unescape(doc)), TRUST);
    assert_eq!(first(role, "MaxSessionDuration"), Some("3600"));

    // GetRole returns the same role.
    let got = ok(&s, "GetRole", &[("RoleName", "taskRole")]);
    let got_role = first(&got, "Role").unwrap();
    check_shape(got_role, ROLE_MEMBERS, ROLE_REQUIRED);
    assert_eq!(
        url_decode(first(got_role, "AssumeRolePolicyDocument").unwrap()),
        TRUST
    );
}

#[test]
fn errors_are_aws_errors() {
    let s = store();
    let e = call(&s, "GetRole", &[("RoleName", "nobody")]).unwrap_err();
    assert_eq!(e.code, "NoSuchEntity");
    assert_eq!(e.status, 404);

    let e = call(&s, "GetRole", &[]).unwrap_err();
    assert_eq!(e.code, "ValidationError");
    assert_eq!(
        e.message,
        "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: \
         Member must not be null"
    );

    create_role(&s, "dup", "/");
    let e = call(
        &s,
        "CreateRole",
        &[("RoleName", "dup"), ("AssumeRolePolicyDocument", TRUST)],
    )
    .unwrap_err();
    assert_eq!(e.code, "EntityAlreadyExists");
    assert_eq!(e.status, 409);
}

#[test]
fn list_roles_pages_with_max_items() {
    let s = store();
    for name in ["r1", "r2", "r3", "r4", "r5"] {
        create_role(&s, name, "/");
    }
    let out = ok(&s, "ListRoles", &[("MaxItems", "2")]);
    let roles = first(&out, "Roles").unwrap();
    assert_eq!(all(roles, "RoleName"), ["r1", "r2"]);
    assert_eq!(first(&out, "IsTruncated"), Some("true"));
    let marker = first(&out, "Marker").unwrap().to_string();
    // Documents are URL-encoded in lists too.
    assert!(
        all(roles, "AssumeRolePolicyDocument")
            .iter()
            .all(|d| url_decode(d) == TRUST)
    );

    let out = ok(&s, "ListRoles", &[("MaxItems", "2"), ("Marker", &marker)]);
    assert_eq!(all(&out, "RoleName"), ["r3", "r4"]);
    let marker = first(&out, "Marker").unwrap().to_string();
    let out = ok(&s, "ListRoles", &[("MaxItems", "2"), ("Marker", &marker)]);
    assert_eq!(all(&out, "RoleName"), ["r5"]);
    assert_eq!(first(&out, "IsTruncated"), Some("false"));
    assert!(first(&out, "Marker").is_none());

    let empty = store();
    let out = ok(&empty, "ListRoles", &[]);
    assert!(out.starts_with("<Roles/>"), "{out}");
}

#[test]
fn users_groups_policies_and_attachments() {
    let s = store();
    let out = ok(&s, "CreateUser", &[("UserName", "admin")]);
    assert!(first(&out, "UserId").unwrap().starts_with("AIDA"));
    // GetUser without UserName: the caller.
    let out = ok(&s, "GetUser", &[]);
    assert_eq!(first(&out, "UserName"), Some("admin"));

    let doc = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";
    let out = ok(
        &s,
        "CreatePolicy",
        &[
            ("PolicyName", "read"),
            ("Path", "/app/"),
            ("PolicyDocument", doc),
        ],
    );
    let arn = first(&out, "Arn").unwrap().to_string();
    assert_eq!(
        arn,
        format!("arn:aws:iam::{}:policy/app/read", s.account_id())
    );
    assert_eq!(first(&out, "DefaultVersionId"), Some("v1"));
    assert_eq!(first(&out, "IsAttachable"), Some("true"));

    let out = ok(
        &s,
        "CreatePolicyVersion",
        &[
            ("PolicyArn", &arn),
            ("PolicyDocument", doc),
            ("SetAsDefault", "true"),
        ],
    );
    assert_eq!(first(&out, "VersionId"), Some("v2"));
    assert_eq!(url_decode(first(&out, "Document").unwrap()), doc);
    let out = ok(&s, "GetPolicy", &[("PolicyArn", &arn)]);
    assert_eq!(first(&out, "DefaultVersionId"), Some("v2"));

    create_role(&s, "app", "/");
    assert_eq!(
        call(
            &s,
            "AttachRolePolicy",
            &[("RoleName", "app"), ("PolicyArn", &arn)]
        )
        .unwrap(),
        None
    );
    ok(
        &s,
        "AttachUserPolicy",
        &[("UserName", "admin"), ("PolicyArn", &arn)],
    );
    let out = ok(&s, "ListAttachedRolePolicies", &[("RoleName", "app")]);
    assert_eq!(first(&out, "PolicyArn"), Some(arn.as_str()));
    assert_eq!(first(&out, "PolicyName"), Some("read"));
    let out = ok(
        &s,
        "ListAttachedRolePolicies",
        &[("RoleName", "app"), ("PathPrefix", "/other/")],
    );
    assert!(out.starts_with("<AttachedPolicies/>"), "{out}");
    let out = ok(&s, "ListEntitiesForPolicy", &[("PolicyArn", &arn)]);
    assert_eq!(first(&out, "RoleName"), Some("app"));
    assert_eq!(first(&out, "UserName"), Some("admin"));
    ok(
        &s,
        "DetachRolePolicy",
        &[("RoleName", "app"), ("PolicyArn", &arn)],
    );
    let out = ok(&s, "ListAttachedRolePolicies", &[("RoleName", "app")]);
    assert!(out.starts_with("<AttachedPolicies/>"));

    // Inline policies come back byte for byte.
    ok(
        &s,
        "PutRolePolicy",
        &[
            ("RoleName", "app"),
            ("PolicyName", "inline"),
            ("PolicyDocument", doc),
        ],
    );
    let out = ok(
        &s,
        "GetRolePolicy",
        &[("RoleName", "app"), ("PolicyName", "inline")],
    );
    assert_eq!(first(&out, "RoleName"), Some("app"));
    assert_eq!(url_decode(first(&out, "PolicyDocument").unwrap()), doc);
    let out = ok(&s, "ListRolePolicies", &[("RoleName", "app")]);
    assert!(
        out.starts_with("<PolicyNames><member>inline</member></PolicyNames>"),
        "{out}"
    );

    // Groups.
    ok(&s, "CreateGroup", &[("GroupName", "devs")]);
    ok(
        &s,
        "AddUserToGroup",
        &[("GroupName", "devs"), ("UserName", "admin")],
    );
    let out = ok(&s, "GetGroup", &[("GroupName", "devs")]);
    assert_eq!(children(&out), ["Group", "Users", "IsTruncated"]);
    assert_eq!(
        first(first(&out, "Users").unwrap(), "UserName"),
        Some("admin")
    );

    // Access keys default to the caller.
    let out = ok(&s, "CreateAccessKey", &[]);
    assert!(first(&out, "AccessKeyId").unwrap().starts_with("AKIA"));
    assert!(first(&out, "SecretAccessKey").is_some());
    let out = ok(&s, "ListAccessKeys", &[]);
    assert_eq!(all(&out, "member").len(), 1);
    assert_eq!(first(&out, "Status"), Some("Active"));

    // Account summary and authorization details.
    let out = ok(&s, "GetAccountSummary", &[]);
    assert!(
        out.contains("<entry><key>Users</key><value>1</value></entry>"),
        "{out}"
    );
    assert!(
        out.contains("<entry><key>Roles</key><value>1</value></entry>"),
        "{out}"
    );
    assert!(out.contains(&format!(
        "<entry><key>AttachedPoliciesPerRoleQuota</key><value>{}</value></entry>",
        s.attachment_limit()
    )));
    let out = ok(&s, "GetAccountAuthorizationDetails", &[]);
    let role = first(first(&out, "RoleDetailList").unwrap(), "member").unwrap();
    assert_eq!(
        url_decode(first(role, "AssumeRolePolicyDocument").unwrap()),
        TRUST
    );
    assert_eq!(url_decode(first(role, "PolicyDocument").unwrap()), doc);
    assert!(
        first(&out, "Policies")
            .unwrap()
            .contains("<VersionId>v2</VersionId>")
    );
    let out = ok(
        &s,
        "GetAccountAuthorizationDetails",
        &[("Filter.member.1", "Role")],
    );
    assert!(out.contains("<UserDetailList/>"), "{out}");
}

#[test]
fn instance_profiles_and_service_linked_roles() {
    let s = store();
    create_role(&s, "ecsInstanceRole", "/");
    let out = ok(
        &s,
        "CreateInstanceProfile",
        &[("InstanceProfileName", "ecsInstanceRole")],
    );
    assert!(
        first(&out, "InstanceProfileId")
            .unwrap()
            .starts_with("AIPA")
    );
    assert!(out.contains("<Roles/>"), "{out}");
    ok(
        &s,
        "AddRoleToInstanceProfile",
        &[
            ("InstanceProfileName", "ecsInstanceRole"),
            ("RoleName", "ecsInstanceRole"),
        ],
    );
    let out = ok(
        &s,
        "GetInstanceProfile",
        &[("InstanceProfileName", "ecsInstanceRole")],
    );
    let roles = first(&out, "Roles").unwrap();
    assert_eq!(first(roles, "RoleName"), Some("ecsInstanceRole"));
    let out = ok(
        &s,
        "ListInstanceProfilesForRole",
        &[("RoleName", "ecsInstanceRole")],
    );
    assert_eq!(first(&out, "InstanceProfileName"), Some("ecsInstanceRole"));

    let out = ok(
        &s,
        "CreateServiceLinkedRole",
        &[("AWSServiceName", "ecs.amazonaws.com")],
    );
    assert_eq!(first(&out, "RoleName"), Some("AWSServiceRoleForECS"));
    assert_eq!(
        first(&out, "Path"),
        Some("/aws-service-role/ecs.amazonaws.com/")
    );
    let e = call(
        &s,
        "CreateServiceLinkedRole",
        &[("AWSServiceName", "ecs.amazonaws.com")],
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidInput");
    let out = ok(
        &s,
        "DeleteServiceLinkedRole",
        &[("RoleName", "AWSServiceRoleForECS")],
    );
    let task = first(&out, "DeletionTaskId").unwrap().to_string();
    assert!(task.starts_with("task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/"));
    let out = ok(
        &s,
        "GetServiceLinkedRoleDeletionStatus",
        &[("DeletionTaskId", &task)],
    );
    assert_eq!(out, "<Status>SUCCEEDED</Status>");
    let t = tgt(
        &s,
        "GetServiceLinkedRoleDeletionStatus",
        &[("DeletionTaskId", &task)],
    );
    assert_eq!(
        t.resource,
        format!(
            "arn:aws:iam::{}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            s.account_id()
        )
    );
}

#[test]
fn simulate_principal_policy_with_ecs_full_access() {
    let s = store();
    ok(&s, "CreateUser", &[("UserName", "deployer")]);
    ok(
        &s,
        "AttachUserPolicy",
        &[
            ("UserName", "deployer"),
            ("PolicyArn", "arn:aws:iam::aws:policy/AmazonECS_FullAccess"),
        ],
    );
    let user = format!("arn:aws:iam::{}:user/deployer", s.account_id());
    let role = format!("arn:aws:iam::{}:role/taskRole", s.account_id());
    let simulate = |service: &str| {
        ok(
            &s,
            "SimulatePrincipalPolicy",
            &[
                ("PolicySourceArn", user.as_str()),
                ("ActionNames.member.1", "iam:PassRole"),
                ("ResourceArns.member.1", role.as_str()),
                (
                    "ContextEntries.member.1.ContextKeyName",
                    "iam:PassedToService",
                ),
                ("ContextEntries.member.1.ContextKeyType", "string"),
                ("ContextEntries.member.1.ContextKeyValues.member.1", service),
            ],
        )
    };
    let out = simulate("ecs-tasks.amazonaws.com");
    let result = first(first(&out, "EvaluationResults").unwrap(), "member").unwrap();
    assert_eq!(first(result, "EvalActionName"), Some("iam:PassRole"));
    assert_eq!(first(result, "EvalResourceName"), Some(role.as_str()));
    assert_eq!(first(result, "EvalDecision"), Some("allowed"));
    let matched = first(result, "MatchedStatements").unwrap();
    assert!(first(matched, "SourcePolicyId").is_some());
    assert!(first(first(matched, "StartPosition").unwrap(), "Line").is_some());
    assert_eq!(first(&out, "IsTruncated"), Some("false"));

    let out = simulate("ec2.amazonaws.com");
    assert_eq!(first(&out, "EvalDecision"), Some("implicitDeny"));

    // The target is the principal simulated.
    let t = tgt(
        &s,
        "SimulatePrincipalPolicy",
        &[("PolicySourceArn", user.as_str())],
    );
    assert_eq!(t.resource, user);
}

#[test]
fn simulate_custom_policy_and_context_keys() {
    let s = store();
    let policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"},\"StringEquals\":{\"s3:prefix\":\"a\"}}}]}";
    let out = ok(
        &s,
        "SimulateCustomPolicy",
        &[
            ("PolicyInputList.member.1", policy),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "s3:PutObject"),
            ("ContextEntries.member.1.ContextKeyName", "aws:SourceIp"),
            ("ContextEntries.member.1.ContextKeyType", "ip"),
            (
                "ContextEntries.member.1.ContextKeyValues.member.1",
                "10.1.2.3",
            ),
            ("ContextEntries.member.2.ContextKeyName", "s3:prefix"),
            ("ContextEntries.member.2.ContextKeyValues.member.1", "a"),
            ("MaxItems", "1"),
        ],
    );
    assert_eq!(first(&out, "EvalDecision"), Some("allowed"));
    assert_eq!(first(&out, "IsTruncated"), Some("true"));
    let marker = first(&out, "Marker").unwrap().to_string();
    let out = ok(
        &s,
        "SimulateCustomPolicy",
        &[
            ("PolicyInputList.member.1", policy),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "s3:PutObject"),
            ("MaxItems", "1"),
            ("Marker", &marker),
        ],
    );
    assert_eq!(first(&out, "EvalActionName"), Some("s3:PutObject"));
    assert_eq!(first(&out, "EvalDecision"), Some("implicitDeny"));

    let e = call(
        &s,
        "SimulateCustomPolicy",
        &[("ActionNames.member.1", "s3:GetObject")],
    )
    .unwrap_err();
    assert_eq!(e.code, "ValidationError");

    // Keys as written, each once regardless of case.
    let other = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringNotEquals\":{\"aws:sourceip\":\"x\"}}}]}";
    let out = ok(
        &s,
        "GetContextKeysForCustomPolicy",
        &[
            ("PolicyInputList.member.1", policy),
            ("PolicyInputList.member.2", other),
        ],
    );
    assert_eq!(
        out,
        "<ContextKeyNames><member>aws:SourceIp</member><member>s3:prefix</member></ContextKeyNames>"
    );
}

#[test]
fn targets_name_the_resource_and_condition_keys() {
    let s = store();
    let account = s.account_id();
    create_role(&s, "app", "/svc/");
    let policy = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    let t = tgt(
        &s,
        "AttachRolePolicy",
        &[("RoleName", "app"), ("PolicyArn", policy)],
    );
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:role/svc/app"));
    assert!(
        t.context
            .contains(&("iam:PolicyARN".to_string(), vec![policy.to_string()]))
    );

    // An unknown role: path `/`.
    let t = tgt(&s, "GetRole", &[("RoleName", "ghost")]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:role/ghost"));

    let t = tgt(
        &s,
        "CreateRole",
        &[
            ("RoleName", "tagged"),
            ("Path", "/p/"),
            ("AssumeRolePolicyDocument", TRUST),
            ("PermissionsBoundary", policy),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "prod"),
        ],
    );
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:role/p/tagged"));
    assert!(
        t.context
            .contains(&("aws:RequestTag/team".to_string(), vec!["blue".to_string()]))
    );
    assert!(
        t.context
            .contains(&("aws:RequestTag/env".to_string(), vec!["prod".to_string()]))
    );
    assert!(t.context.contains(&(
        "aws:TagKeys".to_string(),
        vec!["team".to_string(), "env".to_string()]
    )));
    assert!(t.context.contains(&(
        "iam:PermissionsBoundary".to_string(),
        vec![policy.to_string()]
    )));

    // User operations default to the caller.
    let t = tgt(&s, "GetUser", &[]);
    assert_eq!(t.resource, caller(&s).arn);
    let t = tgt(&s, "CreateUser", &[("UserName", "u"), ("Path", "/x/")]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:user/x/u"));

    let t = tgt(&s, "CreatePolicy", &[("PolicyName", "p"), ("Path", "/a/")]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:policy/a/p"));
    let t = tgt(&s, "GetPolicy", &[("PolicyArn", policy)]);
    assert_eq!(t.resource, policy);
    // List operations are decided on the listed path's ARN, as IAM's AccessDenied messages
    // name it (`troubleshoot_access-denied.html`: "... iam:ListRoles on resource:
    // arn:aws:iam::123456789012:role/"), though the catalog gives them `*`.
    let t = tgt(&s, "ListRoles", &[]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:role/"));
    assert_eq!(t.shown, None);
    let t = tgt(&s, "ListUsers", &[("PathPrefix", "/ci/")]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:user/ci/"));
    let t = tgt(&s, "ListInstanceProfiles", &[]);
    assert_eq!(
        t.resource,
        format!("arn:aws:iam::{account}:instance-profile/")
    );
    let t = tgt(&s, "ListGroups", &[]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:group/"));
    let t = tgt(&s, "ListPolicies", &[("PathPrefix", "/team/")]);
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:policy/team/"));
    assert_eq!(t.shown.as_deref(), Some("policy path /team/"));
    let t = tgt(
        &s,
        "AddUserToGroup",
        &[("GroupName", "g"), ("UserName", "u")],
    );
    assert_eq!(t.resource, format!("arn:aws:iam::{account}:group/g"));
    let t = tgt(
        &s,
        "AddRoleToInstanceProfile",
        &[("InstanceProfileName", "ip"), ("RoleName", "app")],
    );
    assert_eq!(
        t.resource,
        format!("arn:aws:iam::{account}:instance-profile/ip")
    );

    let t = tgt(
        &s,
        "CreateServiceLinkedRole",
        &[("AWSServiceName", "ecs.amazonaws.com")],
    );
    assert_eq!(
        t.resource,
        format!(
            "arn:aws:iam::{account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        )
    );
    assert!(t.context.contains(&(
        "iam:AWSServiceName".to_string(),
        vec!["ecs.amazonaws.com".to_string()]
    )));

    let t = tgt(
        &s,
        "UntagRole",
        &[("RoleName", "app"), ("TagKeys.member.1", "team")],
    );
    assert!(
        t.context
            .contains(&("aws:TagKeys".to_string(), vec!["team".to_string()]))
    );
}

#[test]
fn known_is_exact() {
    for op in operations() {
        assert!(known(op), "{op}");
    }
    for op in [
        "NoSuchOp",
        "getrole",
        "GetCallerIdentity",
        "",
        "CreateRole ",
    ] {
        assert!(!known(op), "{op}");
    }
    // Every operation is served: none falls through to InvalidAction.
    let s = store();
    for op in operations() {
        if let Err(e) = call(&s, op, &[]) {
            assert_ne!(e.code, "InvalidAction", "{op}");
        }
    }
}

/// Every operation is an action the catalog knows, and the resource it is authorized on has
/// the ARN format the Service Authorization Reference gives the action's required resource
/// type (or is `*` when the action has none).
#[test]
fn targets_follow_the_action_catalog() {
    let s = store();
    // Parameters that name every kind of entity, so each operation can build its target.
    let params: &[(&str, &str)] = &[
        ("UserName", "alice"),
        ("GroupName", "devs"),
        ("RoleName", "app"),
        ("InstanceProfileName", "app-profile"),
        ("PolicyArn", "arn:aws:iam::123456789012:policy/p"),
        ("PolicyName", "p"),
        ("AWSServiceName", "ecs.amazonaws.com"),
        ("PolicySourceArn", "arn:aws:iam::123456789012:user/alice"),
        (
            "DeletionTaskId",
            "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/x",
        ),
        ("AccessKeyId", "AKIAEXAMPLEEXAMPLE00"),
    ];
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for op in operations() {
        let action = format!("iam:{op}");
        let Some((service, definition)) = warden_catalog::actions().action(&action) else {
            mismatches.push(format!("{action}: not in the action catalog"));
            continue;
        };
        let t = tgt(&s, op, params);
        let required: Vec<&str> = definition
            .resources
            .iter()
            .filter(|r| r.required)
            .filter_map(|r| {
                service
                    .resource_type(&r.resource_type)
                    .map(|t| t.arn.as_str())
            })
            .collect();
        if required.is_empty() {
            continue;
        }
        checked += 1;
        let fits = required.iter().any(|format| {
            // `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` as a pattern.
            let mut pattern = String::new();
            let mut rest = *format;
            while let Some(start) = rest.find("${") {
                pattern.push_str(&rest[..start]);
                pattern.push('*');
                rest = rest[start..]
                    .find('}')
                    .map_or("", |end| &rest[start + end + 1..]);
            }
            pattern.push_str(rest);
            warden_core::glob::Glob::new(&pattern).matches(&t.resource)
        });
        if !fits {
            mismatches.push(format!(
                "{action}: {} fits none of {required:?}",
                t.resource
            ));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // Most IAM operations act on a resource type; the check must have covered them.
    assert!(checked > 60, "only {checked} operations checked");
}

#[test]
fn get_role_answers_with_the_role_its_authorization_read() {
    let s = store();
    create_role(&s, "task", "/");
    let t = tgt(&s, "GetRole", &[("RoleName", "task")]);
    assert_eq!(t.role.as_ref().map(|r| r.role_name.as_str()), Some("task"));
    // The role the request was authorized on is the one described, even if it changed since.
    s.delete_role("task").expect("delete");
    let params = Params::from_pairs([("RoleName".to_string(), "task".to_string())]);
    let out = handle_target(&s, "GetRole", &params, &caller(&s), Some(&t))
        .expect("answer")
        .unwrap_or_default();
    assert_eq!(first(&out, "RoleName"), Some("task"));
    // Without a target it reads the store.
    let missing = handle(&s, "GetRole", &params, &caller(&s)).map(|_| ());
    assert_eq!(missing.map_err(|e| e.code), Err("NoSuchEntity".to_string()));
}
