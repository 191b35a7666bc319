//! The operation table held against the built-in catalog (the Service Authorization
//! Reference) and against the live endpoint.
//!
//! For every operation: its action exists in the catalog; the resource it is authorized on
//! fits the ARN format the catalog gives the action's resource types; the condition keys it
//! supplies are ones the catalog lists for the action, its resource type, or globally; and,
//! through real signed HTTP, a Deny on the target's real ARN (path included), and on
//! `aws:ResourceTag/...` for a tagged entity, refuses the call, while the same policy without
//! that Deny allows it. A second table pins each further check AWS documents (the role
//! AddRoleToInstanceProfile passes, the tags of a creation) with its page.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use warden_server::access_log::{AccessLog, LogFormat};
use warden_server::operation::{Authorization, Extra, Operation, Resource, Service};
use warden_server::protocol::Params;
use warden_server::resolve::{Need, needs};
use warden_server::server::{AppState, serve};
use warden_server::{Caller, authorize};
use warden_store::{Store, Tag};

const KEY: &str = "AKIAWARDENOPSTABLE01";
const SECRET: &str = "operationsTableSecretKey0000000000000000";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

fn sensitive() -> Vec<Tag> {
    vec![Tag {
        key: "sensitive".into(),
        value: "yes".into(),
    }]
}

/// An account whose every entity lives under `/team/` and (where IAM tags it) is tagged
/// `sensitive=yes`, and a caller, `mallory`, whose policy the tests change.
fn account(store: &Store) {
    store
        .create_user("alice", Some("/team/"), None, &sensitive())
        .unwrap();
    store.create_group("devs", Some("/team/")).unwrap();
    store
        .create_role("app", Some("/team/"), TRUST, None, None, None, &sensitive())
        .unwrap();
    store
        .create_instance_profile("app-profile", Some("/team/"), &sensitive())
        .unwrap();
    store
        .create_policy("p", Some("/team/"), DOC, None, &sensitive())
        .unwrap();
    store.create_user("mallory", None, None, &[]).unwrap();
    store.import_access_key("mallory", KEY, SECRET).unwrap();
}

/// Parameters that name the account's entities, so that each operation finds its resource.
fn params(account: &str) -> Vec<(String, String)> {
    [
        ("UserName", "alice".to_string()),
        ("GroupName", "devs".to_string()),
        ("RoleName", "app".to_string()),
        ("InstanceProfileName", "app-profile".to_string()),
        ("PolicyArn", format!("arn:aws:iam::{account}:policy/team/p")),
        ("PolicyName", "p".to_string()),
        ("Path", "/team/".to_string()),
        ("PathPrefix", "/team/".to_string()),
        ("AWSServiceName", "ecs.amazonaws.com".to_string()),
        (
            "PolicySourceArn",
            format!("arn:aws:iam::{account}:user/team/alice"),
        ),
        (
            "DeletionTaskId",
            "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/x".to_string(),
        ),
        ("AccessKeyId", "AKIAEXAMPLEEXAMPLE00".to_string()),
        ("VersionId", "v1".to_string()),
        ("AssumeRolePolicyDocument", TRUST.to_string()),
        ("PolicyDocument", DOC.to_string()),
        ("Tags.member.1.Key", "sensitive".to_string()),
        ("Tags.member.1.Value", "yes".to_string()),
        ("TagKeys.member.1", "sensitive".to_string()),
        ("ActionNames.member.1", "s3:GetObject".to_string()),
        ("PolicyInputList.member.1", DOC.to_string()),
        ("RoleArn", format!("arn:aws:iam::{account}:role/team/app")),
        ("RoleSessionName", "table".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The ARN the operation must be decided on, from what the test account holds: an existing
/// entity's ARN with its `/team/` path, a new entity's from `Path`, a list's path.
fn expected_resource(op: Operation, account: &str) -> String {
    let arn = |kind: &str, rest: &str| format!("arn:aws:iam::{account}:{kind}/{rest}");
    match op.spec().resource {
        Resource::Existing(entity, _) | Resource::New(entity, _) => {
            let name = match entity.resource_type() {
                "user" => "alice",
                "group" => "devs",
                "role" => "app",
                "instance-profile" => "app-profile",
                _ => "p",
            };
            arn(entity.resource_type(), &format!("team/{name}"))
        }
        Resource::UserOrCaller | Resource::PolicySource => arn("user", "team/alice"),
        Resource::Listed(entity) => arn(entity.resource_type(), "team/"),
        Resource::ServiceLinkedRole | Resource::DeletionTask => arn(
            "role",
            "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        ),
        Resource::RoleArn => arn("role", "team/app"),
        Resource::Account => "*".to_string(),
    }
}

fn caller(account: &str) -> Caller {
    Caller {
        arn: format!("arn:aws:iam::{account}:user/mallory"),
        user_name: Some("mallory".into()),
        account: account.to_string(),
        access_key_id: KEY.into(),
        region: "us-east-1".into(),
        source_ip: Some("127.0.0.1".into()),
    }
}

fn needs_of(store: &Store, op: Operation) -> Vec<Need> {
    let account = store.account_id();
    let params = Params::from_pairs(params(&account));
    needs(store, op, &params, &caller(&account)).unwrap_or_else(|e| panic!("{}: {e}", op.name()))
}

/// `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` as a wildcard pattern.
fn arn_pattern(format: &str) -> String {
    let mut pattern = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        pattern.push_str(&rest[..start]);
        pattern.push('*');
        rest = rest[start..]
            .find('}')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    pattern.push_str(rest);
    pattern
}

/// Whether the catalog lists `key` for `action` (its own keys, its resource types', or a
/// global one); `${TagKey}` stands for any tag key.
fn catalog_lists(action: &str, key: &str) -> bool {
    let catalog = warden_catalog::actions();
    if catalog.global_key(key).is_some() {
        return true;
    }
    let Some((service, found)) = catalog.action(action) else {
        return false;
    };
    let mut listed: Vec<&str> = found.condition_keys.iter().map(String::as_str).collect();
    for r in &found.resources {
        listed.extend(r.condition_keys.iter().map(String::as_str));
        if let Some(t) = service.resource_type(&r.resource_type) {
            listed.extend(t.condition_keys.iter().map(String::as_str));
        }
    }
    listed.iter().any(|l| {
        warden_core::glob::Glob::new(&l.replace("${TagKey}", "*").to_ascii_lowercase())
            .matches(&key.to_ascii_lowercase())
    })
}

#[test]
fn every_operation_fits_the_catalog() {
    let store = Store::open(":memory:").unwrap();
    account(&store);
    let catalog = warden_catalog::actions();
    let mut problems = Vec::new();
    for &op in Operation::ALL {
        for need in needs_of(&store, op) {
            let Some((service, found)) = catalog.action(&need.action) else {
                problems.push(format!(
                    "{}: {} is not in the catalog",
                    op.name(),
                    need.action
                ));
                continue;
            };
            let formats: Vec<&str> = found
                .resources
                .iter()
                .filter_map(|r| service.resource_type(&r.resource_type))
                .map(|t| t.arn.as_str())
                .collect();
            let fits = if formats.is_empty() {
                // No resource type: the action is granted on `*`; IAM's list operations are
                // decided on the listed path instead (docs/server.md).
                need.target.resource == "*" || matches!(op.spec().resource, Resource::Listed(_))
            } else {
                formats.iter().any(|f| {
                    warden_core::glob::Glob::new(&arn_pattern(f)).matches(&need.target.resource)
                })
            };
            if !fits {
                problems.push(format!(
                    "{} ({}): {} fits none of {formats:?}",
                    op.name(),
                    need.action,
                    need.target.resource
                ));
            }
            for (key, _) in &need.target.context {
                if !catalog_lists(&need.action, key) {
                    problems.push(format!(
                        "{} ({}): supplies {key}, which the catalog does not list",
                        op.name(),
                        need.action
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn existing_entities_are_decided_on_their_real_arn_and_tags() {
    let store = Store::open(":memory:").unwrap();
    account(&store);
    let account = store.account_id();
    for &op in Operation::ALL {
        let main = needs_of(&store, op).remove(0);
        assert_eq!(
            main.target.resource,
            expected_resource(op, &account),
            "{}",
            op.name()
        );
        let tagged = matches!(
            op.spec().resource,
            Resource::Existing(e, _) if e.resource_type() != "group"
        ) || matches!(
            op.spec().resource,
            Resource::UserOrCaller | Resource::PolicySource
        );
        let has_tag = main
            .target
            .context
            .iter()
            .any(|(k, v)| k == "aws:ResourceTag/sensitive" && v == &["yes".to_string()]);
        assert_eq!(has_tag, tagged, "{}: {:?}", op.name(), main.target.context);
    }
}

/// The further checks, each with the AWS page that documents it.
#[test]
fn further_checks_are_the_documented_ones() {
    let mut found: Vec<(&str, String, &str)> = Vec::new();
    for &op in Operation::ALL {
        for check in op.spec().extra {
            let what = match check.extra {
                Extra::PassRole { service, .. } => format!("iam:PassRole to {service}"),
                Extra::TagOnCreate(action) => action.to_string(),
            };
            found.push((op.name(), what, check.doc));
        }
    }
    let expected = [
        (
            "CreateUser",
            "iam:TagUser",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
        ),
        (
            "CreateRole",
            "iam:TagRole",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
        ),
        (
            "CreateInstanceProfile",
            "iam:TagInstanceProfile",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
        ),
        (
            "AddRoleToInstanceProfile",
            "iam:PassRole to ec2.amazonaws.com",
            "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html",
        ),
        (
            "CreatePolicy",
            "iam:TagPolicy",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
        ),
    ];
    let expected: Vec<(&str, String, &str)> = expected
        .iter()
        .map(|(op, what, doc)| (*op, what.to_string(), *doc))
        .collect();
    assert_eq!(found, expected);
    // Only STS's own operations are decided otherwise than by the caller's policies.
    for &op in Operation::ALL {
        let spec = op.spec();
        if spec.authorization != Authorization::Caller {
            assert_eq!(spec.service, Service::Sts, "{}", op.name());
        }
    }
}

// ---- The live endpoint ----

/// A server on a free loopback port, with its own runtime, over `store`'s file.
struct Live {
    url: String,
    host: String,
    _runtime: tokio::runtime::Runtime,
}

impl Live {
    fn start(path: &str) -> Live {
        Live::start_with(path, AccessLog::off())
    }

    /// A server that logs each request to `log`.
    fn start_with(path: &str, log: AccessLog) -> Live {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let store = Store::open(path).unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(serve(
            listener,
            Arc::new(AppState::new(store).with_log(log)),
        ));
        Live {
            url: format!("http://{addr}/"),
            host: addr.to_string(),
            _runtime: runtime,
        }
    }

    /// Sends `op` signed with mallory's key; the status and the error code, if any.
    fn call(&self, op: Operation, pairs: &[(String, String)]) -> (u16, String) {
        let (status, text) = self.call_text(op, pairs);
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.to_string())
            .unwrap_or_default();
        (status, code)
    }

    /// Sends `op` signed with mallory's key; the status and the response body.
    fn call_text(&self, op: Operation, pairs: &[(String, String)]) -> (u16, String) {
        let spec = op.spec();
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", op.name())
            .append_pair("Version", spec.service.version());
        for (k, v) in pairs {
            form.append_pair(k, v);
        }
        let body = form.finish();
        let identity = Credentials::new(KEY, SECRET, None, None, "table").into();
        let signing = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(spec.service.prefix())
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let headers = [("host", self.host.as_str()), ("content-type", content_type)];
        let signable = SignableRequest::new(
            "POST",
            self.url.clone(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &signing).unwrap().into_parts();
        let mut request = http::Request::builder().method("POST").uri(&self.url);
        for (n, v) in headers {
            request = request.header(n, v);
        }
        let mut request = request.body(()).unwrap();
        instructions.apply_to_request_http1x(&mut request);
        let client = reqwest::blocking::Client::new();
        let mut send = client.post(&self.url).body(body);
        for (n, v) in request.headers() {
            send = send.header(n.as_str(), v.to_str().unwrap());
        }
        let response = send.send().unwrap();
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    }
}

/// A log sink the test reads back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The decision log has one line per request with the caller, the operation and each
/// decision with its reason, and never a secret: not the caller's, not a new access key's.
#[test]
fn the_decision_log_explains_each_request_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.db");
    let path = path.to_str().unwrap();
    let store = Store::open(path).unwrap();
    account(&store);
    let account = store.account_id();
    let shared = Shared::default();
    let live = Live::start_with(
        path,
        AccessLog::to_writer(LogFormat::Json, Box::new(shared.clone())),
    );
    let deny = r#"{"Sid":"NoRoles","Effect":"Deny","Action":"iam:GetRole","Resource":"*"}"#;
    store
        .put_user_policy(
            "mallory",
            "table",
            &policy(&[ALLOW_ALL.into(), deny.into()]),
        )
        .unwrap();
    let (status, created) = live.call_text(
        Operation::CreateAccessKey,
        &[("UserName".to_string(), "alice".to_string())],
    );
    assert_eq!(status, 200, "{created}");
    let new_secret = created
        .split_once("<SecretAccessKey>")
        .and_then(|(_, rest)| rest.split_once("</SecretAccessKey>"))
        .map(|(secret, _)| secret.to_string())
        .unwrap();
    assert_eq!(
        live.call(Operation::GetRole, &[("RoleName".into(), "app".into())]),
        (403, "AccessDenied".to_string())
    );
    let log = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    let mallory = format!("arn:aws:iam::{account}:user/mallory");
    assert_eq!(lines[0]["caller"], mallory.as_str());
    assert_eq!(lines[0]["operation"], "CreateAccessKey");
    assert_eq!(lines[0]["verdicts"][0]["action"], "iam:CreateAccessKey");
    assert_eq!(lines[0]["verdicts"][0]["decision"], "allowed");
    assert_eq!(lines[1]["status"], 403);
    assert_eq!(lines[1]["error"], "AccessDenied");
    let denied = &lines[1]["verdicts"][0];
    assert_eq!(denied["decision"], "explicitDeny");
    assert_eq!(
        denied["resource"],
        format!("arn:aws:iam::{account}:role/team/app").as_str()
    );
    assert!(
        denied["reason"]
            .as_str()
            .unwrap()
            .contains("table#2 `NoRoles` (Deny)"),
        "{denied}"
    );
    for secret in [SECRET, new_secret.as_str()] {
        assert!(!log.contains(secret), "a secret in the log:\n{log}");
    }
}

/// An implicit deny is logged with the nearest miss (every part that failed) and the fix, and
/// the JSON log carries the engine's explanation.
#[test]
fn the_decision_log_names_the_nearest_miss_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.db");
    let path = path.to_str().unwrap();
    let store = Store::open(path).unwrap();
    account(&store);
    let account = store.account_id();
    let shared = Shared::default();
    let live = Live::start_with(
        path,
        AccessLog::to_writer(LogFormat::Json, Box::new(shared.clone())),
    );
    let near = r#"{"Sid":"OtherRoles","Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/other*"}"#;
    store
        .put_user_policy("mallory", "table", &policy(&[near.into()]))
        .unwrap();
    assert_eq!(
        live.call(Operation::GetRole, &[("RoleName".into(), "app".into())]),
        (403, "AccessDenied".to_string())
    );
    let log = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
    let line: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    let denied = &line["verdicts"][0];
    assert_eq!(denied["decision"], "implicitDeny");
    let reason = denied["reason"].as_str().unwrap();
    let role = format!("arn:aws:iam::{account}:role/team/app");
    assert!(
        reason.contains(&format!(
            "nearest miss table#1 `OtherRoles` (Allow) in the identity-based policies at 1:38: \
             resource arn:aws:iam::*:role/other* does not match {role}"
        )),
        "{reason}"
    );
    assert!(
        reason.contains("fix: add to the identity-based policies the statement"),
        "{reason}"
    );
    let fix = &denied["explanation"]["fixes"][0]["statement"];
    assert_eq!(fix["Action"], "iam:GetRole");
    assert_eq!(fix["Resource"], role.as_str());
}

/// The test account in a store file, and a live endpoint over it.
fn live_account() -> (tempfile::TempDir, Store, Live) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.db");
    let path = path.to_str().unwrap().to_string();
    let store = Store::open(&path).unwrap();
    account(&store);
    let live = Live::start(&path);
    (dir, store, live)
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

/// Whether mallory's policy allows every authorization `op` needs, decided in process (so
/// that nothing runs: the control for a Deny the endpoint enforces).
fn allowed_in_process(store: &Store, op: Operation) -> bool {
    let account = store.account_id();
    authorize::authorize(
        store,
        &caller(&account),
        None,
        &needs_of(store, op),
        &mut Vec::new(),
    )
    .is_ok()
}

/// Through the endpoint: with `Allow *` beside a Deny of the operation's action on its real
/// ARN, every operation decided by the caller's policies is AccessDenied; with the Deny on the
/// ARN IAM would have used without the entity's path, the same policy allows it. And a Deny on
/// `aws:ResourceTag/sensitive` refuses every operation on a tagged entity.
#[test]
fn a_deny_on_the_real_arn_or_the_resource_tag_refuses_every_operation() {
    let (_dir, store, live) = live_account();
    let account = store.account_id();
    let pairs = params(&account);
    let mut problems = Vec::new();
    for &op in Operation::ALL {
        if op.spec().authorization != Authorization::Caller {
            continue;
        }
        let action = op.action();
        let resource = expected_resource(op, &account);
        // The path-less ARN: what deciding on the name alone would give.
        let pathless = resource.replace("/team/", "/");
        let deny = |resource: &str| {
            format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#)
        };
        if resource != pathless {
            store
                .put_user_policy(
                    "mallory",
                    "table",
                    &policy(&[ALLOW_ALL.into(), deny(&pathless)]),
                )
                .unwrap();
            if !allowed_in_process(&store, op) {
                problems.push(format!("{}: a Deny on {pathless} refuses it", op.name()));
            }
        }
        store
            .put_user_policy(
                "mallory",
                "table",
                &policy(&[ALLOW_ALL.into(), deny(&resource)]),
            )
            .unwrap();
        let (status, code) = live.call(op, &pairs);
        if (status, code.as_str()) != (403, "AccessDenied") {
            problems.push(format!(
                "{}: Deny on {resource}: {status} {code}",
                op.name()
            ));
        }
        let tagged = matches!(op.spec().resource, Resource::Existing(e, _) if e.resource_type() != "group")
            || op.spec().resource == Resource::UserOrCaller;
        if tagged {
            let deny_tag = format!(
                r#"{{"Effect":"Deny","Action":"{action}","Resource":"*","Condition":{{"StringEquals":{{"aws:ResourceTag/sensitive":"yes"}}}}}}"#
            );
            store
                .put_user_policy("mallory", "table", &policy(&[ALLOW_ALL.into(), deny_tag]))
                .unwrap();
            let (status, code) = live.call(op, &pairs);
            if (status, code.as_str()) != (403, "AccessDenied") {
                problems.push(format!("{}: Deny on the tag: {status} {code}", op.name()));
            }
        }
        store
            .put_user_policy("mallory", "table", &policy(&[ALLOW_ALL.into()]))
            .unwrap();
        if !allowed_in_process(&store, op) {
            problems.push(format!("{}: Allow * does not allow it", op.name()));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Each further check is enforced through the endpoint: a Deny of the further action alone
/// refuses the operation, naming that action.
#[test]
fn further_checks_are_enforced() {
    let (_dir, store, live) = live_account();
    let account = store.account_id();
    let pairs = params(&account);
    for &op in Operation::ALL {
        for check in op.spec().extra {
            let (action, resource) = match check.extra {
                Extra::PassRole { .. } => (
                    "iam:PassRole".to_string(),
                    format!("arn:aws:iam::{account}:role/team/app"),
                ),
                Extra::TagOnCreate(action) => (action.to_string(), expected_resource(op, &account)),
            };
            let deny =
                format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#);
            store
                .put_user_policy("mallory", "table", &policy(&[ALLOW_ALL.into(), deny]))
                .unwrap();
            assert_eq!(
                live.call(op, &pairs),
                (403, "AccessDenied".to_string()),
                "{} without {action}",
                op.name()
            );
            if let Extra::TagOnCreate(_) = check.extra {
                // Without tags, the tagging action is not needed.
                let untagged: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| !k.starts_with("Tags."))
                    .cloned()
                    .collect();
                let params = Params::from_pairs(untagged);
                let needs = needs(&store, op, &params, &caller(&account)).unwrap();
                assert_eq!(needs.len(), 1, "{}", op.name());
            }
        }
    }
}
