//! End to end with the official AWS SDK for Rust (`aws-sdk-iam`, `aws-sdk-sts`): each test
//! starts `warden serve`'s server in-process on a loopback port over a temporary store, and
//! drives it over real HTTP with SDK clients, so the SDK's own query serializer, SigV4 signer
//! and XML parser meet Warden's responses.
//!
//! Every response body the SDK reads is recorded by an interceptor, so that a failure shows
//! what the server really answered; `WARDEN_SDK_DUMP=1 cargo test -p warden-server --test
//! rust_sdk -- --nocapture` prints them all.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_sdk_iam::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_iam::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents, SharedHttpClient,
};
use aws_sdk_iam::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType, Tag};
use serde_json::Value;
use warden_server::bootstrap::ensure_admin;
use warden_server::server::{AppState, serve};
use warden_store::Store;

const ACCOUNT: &str = "123456789012";
const KEY: &str = "AKIAWARDENSDKTEST000";
const SECRET: &str = "sdkTestSecretKey00000000000000000000000A";

const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const TASK_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "",
      "Effect": "Allow",
      "Principal": {"Service": "ecs-tasks.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}"#;
const ECS_FULL_ACCESS: &str = "arn:aws:iam::aws:policy/AmazonECS_FullAccess";
const ECS_INSTANCE_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

/// The response bodies the SDK read, in order, labelled with the operation.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, String)>>>);

impl Recorder {
    /// The last recorded response, for failure messages.
    fn last(&self) -> String {
        match self.0.lock().unwrap().last() {
            Some((operation, body)) => format!("last response ({operation}):\n{body}"),
            None => "no response recorded".into(),
        }
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The request's Action, from its form body.
        let form = context
            .request()
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let operation = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .unwrap_or_default()
            .to_string();
        self.0.lock().unwrap().push((operation, String::new()));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let body = String::from_utf8_lossy(response.body().bytes().unwrap_or_default());
        if let Some((_, recorded)) = self.0.lock().unwrap().last_mut() {
            *recorded = format!("HTTP {} {body}", response.status().as_u16());
        }
        Ok(())
    }
}

/// A running server and what is needed to reach it.
struct Server {
    addr: SocketAddr,
    /// The store's file, which another `Store` may open as another process would.
    db: String,
    http: SharedHttpClient,
    recorder: Recorder,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("warden.db").to_string_lossy().into_owned();
        let store = Store::open(&db).unwrap();
        ensure_admin(&store, Some((KEY, SECRET))).unwrap();
        assert_eq!(store.account_id(), ACCOUNT);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, Arc::new(AppState::new(store))));
        Server {
            addr,
            db,
            // Plain http://: the hyper client without any TLS provider.
            http: aws_smithy_http_client::Builder::new().build_http(),
            recorder: Recorder::default(),
            _dir: dir,
        }
    }

    fn credentials(key: &str, secret: &str, token: Option<&str>) -> Credentials {
        Credentials::new(key, secret, token.map(str::to_string), None, "test")
    }

    fn iam_as(&self, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::credentials(key, secret, token))
            .http_client(self.http.clone())
            .interceptor(self.recorder.clone())
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    fn sts_as(&self, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(format!("http://{}", self.addr))
            .credentials_provider(Self::credentials(key, secret, token))
            .http_client(self.http.clone())
            .interceptor(self.recorder.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// IAM as the administrator.
    fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_as(KEY, SECRET, None)
    }

    /// STS as the administrator.
    fn sts(&self) -> aws_sdk_sts::Client {
        self.sts_as(KEY, SECRET, None)
    }

    /// The successful output, or a panic naming the error and the server's last answer.
    fn ok<T, E: Debug>(&self, what: &str, result: Result<T, E>) -> T {
        match result {
            Ok(out) => out,
            Err(e) => panic!("{what} failed: {e:?}\n{}", self.recorder.last()),
        }
    }

    /// The error of a call that must fail.
    fn err<T: Debug, E>(&self, what: &str, result: Result<T, E>) -> E {
        match result {
            Ok(out) => panic!("{what} succeeded: {out:?}\n{}", self.recorder.last()),
            Err(e) => e,
        }
    }
}

impl Drop for Server {
    /// With `WARDEN_SDK_DUMP` set, prints every response the SDK read (run with
    /// `--nocapture` to see them).
    fn drop(&mut self) {
        if std::env::var_os("WARDEN_SDK_DUMP").is_some() {
            for (operation, body) in self.recorder.0.lock().unwrap().iter() {
                println!("== {operation}\n{body}\n");
            }
        }
    }
}

/// A policy document as AWS returns it (URL-encoded), parsed.
fn decoded(document: &str) -> Value {
    let text = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("document not UTF-8 once decoded: {e}: {document}"));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("document not JSON once decoded: {e}: {text}"))
}

/// The text from `start` up to `end` (exclusive, as Warden reports a statement's end: one past
/// its closing brace), each a 1-based (line, column) in characters.
fn between(text: &str, start: (i32, i32), end: (i32, i32)) -> String {
    let mut out = String::new();
    for (l, line) in text.split('\n').enumerate() {
        let l = l as i32 + 1;
        for (c, ch) in line.chars().chain(std::iter::once('\n')).enumerate() {
            let at = (l, c as i32 + 1);
            if at >= start && at < end {
                out.push(ch);
            }
        }
    }
    out
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The error code and message of an SDK error.
fn meta<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> (String, String) {
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_story() {
    let s = Server::start().await;
    let iam = s.iam();

    // The container instances' role, with the managed policy ECS's agent needs.
    let created = s.ok(
        "CreateRole ecsInstanceRole",
        iam.create_role()
            .role_name("ecsInstanceRole")
            .assume_role_policy_document(EC2_TRUST)
            .send()
            .await,
    );
    let role = created.role().expect("CreateRole returns the role");
    assert_eq!(role.role_name(), "ecsInstanceRole");
    assert_eq!(role.path(), "/");
    assert_eq!(
        role.arn(),
        format!("arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole")
    );
    assert!(role.role_id().starts_with("AROA"), "{}", role.role_id());
    assert!(role.create_date().secs() > 1_600_000_000);
    assert_eq!(
        decoded(role.assume_role_policy_document().expect("trust")),
        json(EC2_TRUST)
    );
    s.ok(
        "AttachRolePolicy",
        iam.attach_role_policy()
            .role_name("ecsInstanceRole")
            .policy_arn(ECS_INSTANCE_POLICY)
            .send()
            .await,
    );
    let profile = s.ok(
        "CreateInstanceProfile",
        iam.create_instance_profile()
            .instance_profile_name("ecsInstanceRole")
            .send()
            .await,
    );
    let profile = profile.instance_profile().expect("profile");
    assert_eq!(profile.instance_profile_name(), "ecsInstanceRole");
    assert_eq!(
        profile.arn(),
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/ecsInstanceRole")
    );
    assert!(profile.instance_profile_id().starts_with("AIPA"));
    assert!(profile.roles().is_empty());
    s.ok(
        "AddRoleToInstanceProfile",
        iam.add_role_to_instance_profile()
            .instance_profile_name("ecsInstanceRole")
            .role_name("ecsInstanceRole")
            .send()
            .await,
    );
    let got = s.ok(
        "GetInstanceProfile",
        iam.get_instance_profile()
            .instance_profile_name("ecsInstanceRole")
            .send()
            .await,
    );
    let profile = got.instance_profile().expect("profile");
    let roles: Vec<_> = profile.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(roles, ["ecsInstanceRole"]);
    let in_profile = &profile.roles()[0];
    assert_eq!(in_profile.arn(), role.arn());
    assert_eq!(in_profile.role_id(), role.role_id());
    assert_eq!(
        decoded(in_profile.assume_role_policy_document().expect("trust")),
        json(EC2_TRUST)
    );
    let attached = s.ok(
        "ListAttachedRolePolicies ecsInstanceRole",
        iam.list_attached_role_policies()
            .role_name("ecsInstanceRole")
            .send()
            .await,
    );
    let arns: Vec<_> = attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().unwrap_or_default())
        .collect();
    assert_eq!(arns, [ECS_INSTANCE_POLICY]);
    assert_eq!(
        attached.attached_policies()[0].policy_name(),
        Some("AmazonEC2ContainerServiceforEC2Role")
    );
    assert!(!attached.is_truncated());

    // The task role, trusted by ECS tasks.
    s.ok(
        "CreateRole my-task-role",
        iam.create_role()
            .role_name("my-task-role")
            .assume_role_policy_document(TASK_TRUST)
            .description("the task's role")
            .tags(
                Tag::builder()
                    .key("team")
                    .value("platform")
                    .build()
                    .unwrap(),
            )
            .tags(
                Tag::builder()
                    .key("env")
                    .value("prod+test/2 = ok")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    let got = s.ok(
        "GetRole",
        iam.get_role().role_name("my-task-role").send().await,
    );
    let task_role = got.role().expect("role");
    assert_eq!(task_role.role_name(), "my-task-role");
    assert_eq!(task_role.description(), Some("the task's role"));
    assert_eq!(task_role.max_session_duration(), Some(3600));
    let mut tags: Vec<_> = task_role
        .tags()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    tags.sort();
    assert_eq!(tags, [("env", "prod+test/2 = ok"), ("team", "platform")]);
    assert!(got.request_id().is_some_and(|id| id.len() == 36), "{got:?}");
    assert_eq!(
        decoded(task_role.assume_role_policy_document().expect("trust")),
        json(TASK_TRUST)
    );
    let task_role_arn = task_role.arn().to_string();
    assert_eq!(
        task_role_arn,
        format!("arn:aws:iam::{ACCOUNT}:role/my-task-role")
    );
    let attached = s.ok(
        "ListAttachedRolePolicies my-task-role",
        iam.list_attached_role_policies()
            .role_name("my-task-role")
            .send()
            .await,
    );
    assert!(attached.attached_policies().is_empty());
    assert!(!attached.is_truncated());

    // The deployer, who may pass the task role to ECS tasks only.
    let user = s.ok(
        "CreateUser",
        iam.create_user()
            .user_name("ci-deployer")
            .path("/ci/")
            .send()
            .await,
    );
    let user = user.user().expect("user");
    assert_eq!(user.path(), "/ci/");
    assert_eq!(
        user.arn(),
        format!("arn:aws:iam::{ACCOUNT}:user/ci/ci-deployer")
    );
    assert!(user.user_id().starts_with("AIDA"), "{}", user.user_id());
    let user_arn = user.arn().to_string();
    s.ok(
        "AttachUserPolicy",
        iam.attach_user_policy()
            .user_name("ci-deployer")
            .policy_arn(ECS_FULL_ACCESS)
            .send()
            .await,
    );

    // The managed policy's text, which the simulator's statement positions point into.
    let managed = s.ok(
        "GetPolicy AmazonECS_FullAccess",
        iam.get_policy().policy_arn(ECS_FULL_ACCESS).send().await,
    );
    let default_version = managed
        .policy()
        .and_then(|p| p.default_version_id())
        .expect("a managed policy has a default version")
        .to_string();
    let managed_version = s.ok(
        "GetPolicyVersion AmazonECS_FullAccess",
        iam.get_policy_version()
            .policy_arn(ECS_FULL_ACCESS)
            .version_id(&default_version)
            .send()
            .await,
    );
    let managed_text = percent_encoding::percent_decode_str(
        managed_version
            .policy_version()
            .and_then(|v| v.document())
            .expect("document"),
    )
    .decode_utf8()
    .unwrap()
    .into_owned();

    for (service, expected) in [
        (
            "ecs-tasks.amazonaws.com",
            PolicyEvaluationDecisionType::Allowed,
        ),
        (
            "ec2.amazonaws.com",
            PolicyEvaluationDecisionType::ImplicitDeny,
        ),
    ] {
        let out = s.ok(
            "SimulatePrincipalPolicy",
            iam.simulate_principal_policy()
                .policy_source_arn(&user_arn)
                .action_names("iam:PassRole")
                .resource_arns(&task_role_arn)
                .context_entries(
                    ContextEntry::builder()
                        .context_key_name("iam:PassedToService")
                        .context_key_values(service)
                        .context_key_type(ContextKeyTypeEnum::String)
                        .build(),
                )
                .send()
                .await,
        );
        assert!(!out.is_truncated());
        let [result] = out.evaluation_results() else {
            panic!("one result expected: {out:?}");
        };
        assert_eq!(result.eval_action_name(), "iam:PassRole");
        assert_eq!(result.eval_resource_name(), Some(task_role_arn.as_str()));
        assert_eq!(result.eval_decision(), &expected, "{service}: {result:?}");
        assert!(result.missing_context_values().is_empty(), "{result:?}");
        if expected == PolicyEvaluationDecisionType::Allowed {
            let [statement, ..] = result.matched_statements() else {
                panic!("an allowed result names its statement: {result:?}");
            };
            assert_eq!(statement.source_policy_id(), Some("AmazonECS_FullAccess"));
            assert_eq!(
                statement.source_policy_type(),
                Some(&aws_sdk_iam::types::PolicySourceType::AwsManaged)
            );
            let start = statement.start_position().expect("start position");
            let end = statement.end_position().expect("end position");
            assert!(start.line() >= 1 && start.column() >= 1, "{start:?}");
            assert!(
                (end.line(), end.column()) > (start.line(), start.column()),
                "{start:?} {end:?}"
            );
            // The span is the PassRole statement of the policy's text, braces included.
            let span = between(
                &managed_text,
                (start.line(), start.column()),
                (end.line(), end.column()),
            );
            assert!(span.starts_with('{') && span.ends_with('}'), "{span}");
            assert!(
                span.contains("iam:PassRole") && span.contains("ecs-tasks.amazonaws.com"),
                "{span}"
            );
        } else {
            assert!(result.matched_statements().is_empty(), "{result:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_versions() {
    let s = Server::start().await;
    let iam = s.iam();
    let document = |n: u32| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"V{n}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-{n}/*"}}]}}"#
        )
    };
    let created = s.ok(
        "CreatePolicy",
        iam.create_policy()
            .policy_name("reader")
            .path("/app/")
            .description("reads objects")
            .policy_document(document(1))
            .send()
            .await,
    );
    let policy = created.policy().expect("policy");
    let arn = policy.arn().expect("arn").to_string();
    assert_eq!(arn, format!("arn:aws:iam::{ACCOUNT}:policy/app/reader"));
    assert_eq!(policy.policy_name(), Some("reader"));
    assert_eq!(policy.path(), Some("/app/"));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert!(policy.is_attachable());
    assert!(policy.policy_id().is_some_and(|id| id.starts_with("ANPA")));
    assert!(policy.create_date().is_some());

    for n in 2..=5 {
        let out = s.ok(
            "CreatePolicyVersion",
            iam.create_policy_version()
                .policy_arn(&arn)
                .policy_document(document(n))
                .set_as_default(true)
                .send()
                .await,
        );
        let version = out.policy_version().expect("version");
        assert_eq!(version.version_id(), Some(format!("v{n}").as_str()));
        assert!(version.is_default_version());
        assert!(version.create_date().is_some());
    }

    let error = s.err(
        "the 6th CreatePolicyVersion",
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(document(6))
            .send()
            .await,
    );
    let (code, message) = meta(&error);
    assert_eq!(code, "LimitExceeded", "{error:?}");
    assert!(!message.is_empty());
    assert!(
        error
            .as_service_error()
            .is_some_and(|e| e.is_limit_exceeded_exception())
    );

    let listed = s.ok(
        "ListPolicyVersions",
        iam.list_policy_versions().policy_arn(&arn).send().await,
    );
    let mut ids: Vec<_> = listed
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap_or_default())
        .collect();
    ids.sort();
    assert_eq!(ids, ["v1", "v2", "v3", "v4", "v5"]);
    let defaults: Vec<_> = listed
        .versions()
        .iter()
        .filter(|v| v.is_default_version())
        .map(|v| v.version_id().unwrap_or_default())
        .collect();
    assert_eq!(defaults, ["v5"]);
    assert!(!listed.is_truncated());

    for n in [1, 3, 5] {
        let got = s.ok(
            "GetPolicyVersion",
            iam.get_policy_version()
                .policy_arn(&arn)
                .version_id(format!("v{n}"))
                .send()
                .await,
        );
        let version = got.policy_version().expect("version");
        assert_eq!(version.is_default_version(), n == 5);
        assert_eq!(
            decoded(version.document().expect("document")),
            json(&document(n))
        );
    }

    let got = s.ok("GetPolicy", iam.get_policy().policy_arn(&arn).send().await);
    assert_eq!(
        got.policy().and_then(|p| p.default_version_id()),
        Some("v5")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination() {
    let s = Server::start().await;
    let iam = s.iam();
    let names: Vec<String> = (1..=5).map(|n| format!("paged-{n}")).collect();
    for name in &names {
        s.ok(
            "CreateRole",
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(EC2_TRUST)
                .send()
                .await,
        );
    }

    // By hand: follow the marker.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = s.ok(
            "ListRoles",
            iam.list_roles()
                .max_items(2)
                .set_marker(marker.clone())
                .send()
                .await,
        );
        pages += 1;
        assert!(page.roles().len() <= 2, "{page:?}");
        seen.extend(page.roles().iter().map(|r| r.role_name().to_string()));
        if page.is_truncated() {
            marker = Some(
                page.marker()
                    .expect("a truncated page has a marker")
                    .to_string(),
            );
        } else {
            assert!(page.marker().is_none(), "{page:?}");
            break;
        }
        assert!(pages < 10, "the marker never ends");
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, names);

    // The SDK's paginator.
    let mut items: Vec<String> = s
        .ok(
            "ListRoles paginator",
            iam.list_roles()
                .max_items(2)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await,
        )
        .into_iter()
        .map(|r| r.role_name().to_string())
        .collect();
    items.sort();
    assert_eq!(items, names);

    // Pages from the paginator, too.
    let pages = s.ok(
        "ListRoles pages",
        iam.list_roles()
            .max_items(2)
            .into_paginator()
            .send()
            .try_collect()
            .await,
    );
    assert_eq!(pages.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied() {
    let s = Server::start().await;
    let iam = s.iam();
    s.ok(
        "CreateUser",
        iam.create_user()
            .user_name("ci-deployer")
            .path("/ci/")
            .send()
            .await,
    );
    s.ok(
        "AttachUserPolicy",
        iam.attach_user_policy()
            .user_name("ci-deployer")
            .policy_arn(ECS_FULL_ACCESS)
            .send()
            .await,
    );
    s.ok(
        "CreateRole",
        iam.create_role()
            .role_name("existing")
            .assume_role_policy_document(EC2_TRUST)
            .send()
            .await,
    );
    let key = s.ok(
        "CreateAccessKey",
        iam.create_access_key()
            .user_name("ci-deployer")
            .send()
            .await,
    );
    let key = key.access_key().expect("key");
    assert_eq!(key.user_name(), "ci-deployer");
    assert!(key.access_key_id().starts_with("AKIA"), "{key:?}");
    assert!(!key.secret_access_key().is_empty());
    assert_eq!(key.status(), &aws_sdk_iam::types::StatusType::Active);
    let deployer = s.iam_as(key.access_key_id(), key.secret_access_key(), None);

    let error = s.err(
        "CreateRole as ci-deployer",
        deployer
            .create_role()
            .role_name("sneaky")
            .assume_role_policy_document(EC2_TRUST)
            .send()
            .await,
    );
    let (code, message) = meta(&error);
    assert_eq!(code, "AccessDenied", "{error:?}");
    assert!(
        message.contains(&format!(
            "User: arn:aws:iam::{ACCOUNT}:user/ci/ci-deployer is not authorized to perform: iam:CreateRole"
        )),
        "{message}"
    );
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(403));

    let roles = s.ok(
        "ListRoles as ci-deployer",
        deployer.list_roles().send().await,
    );
    let names: Vec<_> = roles.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["existing"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_sessions() {
    let s = Server::start().await;
    let iam = s.iam();
    let sts = s.sts();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = s.ok(
        "CreateRole",
        iam.create_role()
            .role_name("lister")
            .assume_role_policy_document(trust)
            .send()
            .await,
    );
    let role = role.role().expect("role");
    let (role_arn, role_id) = (role.arn().to_string(), role.role_id().to_string());
    s.ok(
        "PutRolePolicy",
        iam.put_role_policy()
            .role_name("lister")
            .policy_name("list-roles")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}"#,
            )
            .send()
            .await,
    );

    let me = s.ok("GetCallerIdentity", sts.get_caller_identity().send().await);
    assert_eq!(me.account(), Some(ACCOUNT));
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/admin").as_str())
    );
    assert!(
        me.user_id().is_some_and(|id| id.starts_with("AIDA")),
        "{me:?}"
    );

    let assumed = s.ok(
        "AssumeRole",
        sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name("sdk-session")
            .duration_seconds(900)
            .send()
            .await,
    );
    let user = assumed.assumed_role_user().expect("assumed role user");
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/lister/sdk-session");
    assert_eq!(user.arn(), session_arn);
    assert_eq!(user.assumed_role_id(), format!("{role_id}:sdk-session"));
    let credentials = assumed.credentials().expect("credentials");
    assert!(
        credentials.access_key_id().starts_with("ASIA"),
        "{credentials:?}"
    );
    assert!(!credentials.secret_access_key().is_empty());
    assert!(!credentials.session_token().is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expires = credentials.expiration().secs();
    assert!(
        (now + 850..=now + 950).contains(&expires),
        "{now} {expires}"
    );

    let (id, secret, token) = (
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token()),
    );
    let who = s.ok(
        "GetCallerIdentity as the session",
        s.sts_as(id, secret, token)
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(who.arn(), Some(session_arn.as_str()));
    assert_eq!(who.account(), Some(ACCOUNT));
    assert_eq!(
        who.user_id(),
        Some(format!("{role_id}:sdk-session").as_str())
    );

    let session_iam = s.iam_as(id, secret, token);
    let roles = s.ok(
        "ListRoles as the session",
        session_iam.list_roles().send().await,
    );
    assert_eq!(
        roles
            .roles()
            .iter()
            .map(|r| r.role_name())
            .collect::<Vec<_>>(),
        ["lister"]
    );
    let error = s.err(
        "ListUsers as the session",
        session_iam.list_users().send().await,
    );
    let (code, message) = meta(&error);
    assert_eq!(code, "AccessDenied", "{error:?}");
    assert!(
        message.contains(&format!(
            "{session_arn} is not authorized to perform: iam:ListUsers"
        )),
        "{message}"
    );

    // Without the token the temporary key is not accepted.
    let error = s.err(
        "GetCallerIdentity without the session token",
        s.sts_as(id, secret, None)
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(meta(&error).0, "InvalidClientTokenId", "{error:?}");

    let token = s.ok(
        "GetSessionToken",
        sts.get_session_token().duration_seconds(900).send().await,
    );
    let credentials = token.credentials().expect("credentials");
    assert!(
        credentials.access_key_id().starts_with("ASIA"),
        "{credentials:?}"
    );
    assert!(!credentials.session_token().is_empty());
    assert!(credentials.expiration().secs() > now);
    let who = s.ok(
        "GetCallerIdentity with the session token",
        s.sts_as(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token()),
        )
        .get_caller_identity()
        .send()
        .await,
    );
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/admin").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors() {
    let s = Server::start().await;
    let iam = s.iam();

    let error = s.err(
        "GetRole missing",
        iam.get_role().role_name("nobody").send().await,
    );
    let (code, message) = meta(&error);
    assert_eq!(code, "NoSuchEntity", "{error:?}");
    assert!(message.contains("nobody"), "{message}");
    assert!(
        error
            .as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(404));
    // The request id, from the error document's RequestId.
    assert!(
        error.request_id().is_some_and(|id| id.len() == 36),
        "{error:?}"
    );

    let error = s.err(
        "ListRoles with a wrong secret",
        s.iam_as(KEY, "wrongSecretwrongSecretwrongSecretwrongSe", None)
            .list_roles()
            .send()
            .await,
    );
    assert_eq!(meta(&error).0, "SignatureDoesNotMatch", "{error:?}");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(403));

    let error = s.err(
        "ListRoles with an unknown key",
        s.iam_as("AKIAUNKNOWNKEY000000", SECRET, None)
            .list_roles()
            .send()
            .await,
    );
    assert_eq!(meta(&error).0, "InvalidClientTokenId", "{error:?}");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(403));

    let error = s.err(
        "GetCallerIdentity with an unknown key",
        s.sts_as("AKIAUNKNOWNKEY000000", SECRET, None)
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(meta(&error).0, "InvalidClientTokenId", "{error:?}");

    let error = s.err(
        "CreateRole twice",
        async {
            for _ in 0..2 {
                iam.create_role()
                    .role_name("twice")
                    .assume_role_policy_document(EC2_TRUST)
                    .send()
                    .await?;
            }
            Ok::<_, SdkError<_, _>>(())
        }
        .await,
    );
    assert_eq!(meta(&error).0, "EntityAlreadyExists", "{error:?}");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(409));

    let error = s.err(
        "CreateRole with a malformed trust",
        iam.create_role()
            .role_name("bad")
            .assume_role_policy_document("{not json")
            .send()
            .await,
    );
    assert_eq!(meta(&error).0, "MalformedPolicyDocument", "{error:?}");
    assert!(
        error
            .as_service_error()
            .is_some_and(|e| e.is_malformed_policy_document_exception())
    );
}

/// Sessions are read from the store, whoever wrote them; one past its expiration is refused
/// with STS's `ExpiredToken`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_from_the_store_and_their_expiry() {
    let server = Server::start().await;
    let other = Store::open(&server.db).unwrap();
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    // Sessions are bound to the unique id of the user they act as.
    let admin_id = other.get_user("admin").unwrap().user_id;
    let session = |key: &str, expiration: time::OffsetDateTime| warden_store::Session {
        access_key_id: key.to_string(),
        secret: SECRET.to_string(),
        token: format!("token-of-{key}"),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
        role_arn: None,
        user_name: Some("admin".to_string()),
        principal_id: Some(admin_id.clone()),
        policy: None,
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        issued: now - time::Duration::hours(2),
        expiration,
    };
    other
        .create_session(&session(
            "ASIAWARDENSDKLIVE001",
            now + time::Duration::hours(1),
        ))
        .unwrap();
    other
        .create_session(&session(
            "ASIAWARDENSDKOLD0001",
            now - time::Duration::minutes(1),
        ))
        .unwrap();

    let live = server.sts_as(
        "ASIAWARDENSDKLIVE001",
        SECRET,
        Some("token-of-ASIAWARDENSDKLIVE001"),
    );
    let who = server.ok(
        "GetCallerIdentity (live)",
        live.get_caller_identity().send().await,
    );
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/admin").as_str())
    );

    let expired = server.sts_as(
        "ASIAWARDENSDKOLD0001",
        SECRET,
        Some("token-of-ASIAWARDENSDKOLD0001"),
    );
    let e = server.err(
        "GetCallerIdentity (expired)",
        expired.get_caller_identity().send().await,
    );
    assert_eq!(
        meta(&e),
        (
            "ExpiredToken".to_string(),
            "The security token included in the request is expired".to_string()
        )
    );

    // A session not bound to the unique id of the user it acts as (as sessions stored before
    // the binding were) is not honoured.
    let mut unbound = session("ASIAWARDENSDKUNBOUND", now + time::Duration::hours(1));
    unbound.principal_id = None;
    other.create_session(&unbound).unwrap();
    let unbound = server.sts_as(
        "ASIAWARDENSDKUNBOUND",
        SECRET,
        Some("token-of-ASIAWARDENSDKUNBOUND"),
    );
    let e = server.err(
        "GetCallerIdentity (unbound)",
        unbound.get_caller_identity().send().await,
    );
    assert_eq!(meta(&e).0, "InvalidClientTokenId");
}
