//! One `warden ecs check` of a 10-container task definition (ECR images, awslogs, a secret and
//! an environment file each) launched with RunTask and ECS Exec, against a store of 10,000
//! roles and 5,000 customer managed policies, on embedded SQLite and on PostgreSQL (when
//! `WARDEN_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`, is
//! reachable).
//!
//! - `cold`: the caller and both roles not read before (their policies are read from the
//!   database, parsed and compiled), then every step decided and explained;
//! - `warm`: the same deployment again (the principals' compiled policies come from the
//!   store's cache; the roles' trust policies and instance profiles are read again).
//!
//! Run with `cargo bench -p warden-ecs`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

use criterion::{BatchSize, Criterion, black_box, criterion_group, criterion_main};
use warden_ecs::account::Account;
use warden_ecs::input::{Launch, TaskDefinition};
use warden_ecs::plan::{self, Inputs};
use warden_store::{Store, Value};

const ROLES: usize = 10_000;
const POLICIES: usize = 5_000;
const ACCOUNT: &str = "123456789012";
const CONTAINERS: usize = 10;

/// Writes the roles and policies straight into the tables (IAM's API would take minutes).
fn populate(store: &Store) {
    let now = "2026-12-05T00:00:00Z";
    store
        .db()
        .write(|tx| {
            for p in 0..POLICIES {
                let name = format!("ecs-{p:05}");
                let id = format!("ANPA{p:017}");
                let arn = format!("arn:aws:iam::{ACCOUNT}:policy/ecs/{name}");
                tx.execute(
                    "INSERT INTO iam_policies (id, name, name_key, path, arn, description, create_date, update_date, default_version, next_version) VALUES ($1, $2, $3, '/ecs/', $4, NULL, $5, $5, 'v1', 2)",
                    &[id.as_str().into(), name.as_str().into(), name.as_str().into(), arn.into(), now.into()],
                )?;
                // Each policy reads the secrets and env files of one app, and writes its logs.
                let document = format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Secrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app-{p}/*"}},{{"Sid":"EnvFiles","Effect":"Allow","Action":["s3:GetObject","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::config-{p}","arn:aws:s3:::config-{p}/*"]}},{{"Sid":"Exec","Effect":"Allow","Action":"ssmmessages:*","Resource":"*","Condition":{{"StringEquals":{{"aws:RequestedRegion":"eu-west-1"}}}}}}]}}"#
                );
                tx.execute(
                    "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) VALUES ($1, 'v1', $2, $3)",
                    &[id.into(), document.into(), now.into()],
                )?;
            }
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
            for r in 0..ROLES {
                let name = format!("role-{r:05}");
                let id = format!("AROA{r:017}");
                tx.execute(
                    "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, description, max_session_duration, boundary, service_name) VALUES ($1, $2, $3, '/', $4, $5, NULL, 3600, NULL, NULL)",
                    &[id.as_str().into(), name.as_str().into(), name.as_str().into(), now.into(), trust.into()],
                )?;
                for k in 0..3 {
                    let p = (r * 7 + k * 1013) % POLICIES;
                    tx.execute(
                        "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, $2)",
                        &[id.as_str().into(), format!("arn:aws:iam::{ACCOUNT}:policy/ecs/ecs-{p:05}").into()],
                    )?;
                }
                for managed in [
                    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
                ] {
                    tx.execute(
                        "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, $2)",
                        &[id.as_str().into(), managed.into()],
                    )?;
                }
                tx.execute(
                    "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('role', $1, 'logs', 'logs', $2)",
                    &[
                        Value::Text(id),
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/*"}]}"#.into(),
                    ],
                )?;
            }
            Ok(())
        })
        .expect("populate");
    store
        .create_service_linked_role("ecs.amazonaws.com", None, None)
        .expect("service-linked role");
}

/// A 10-container task definition whose task role is `role-N`, execution role `role-N+1`
/// (whose first attached policy, `ecs-P`, reads the secrets and environment files of app P).
fn task_definition(n: usize) -> TaskDefinition {
    let p = ((n + 1) * 7) % POLICIES;
    let containers: Vec<String> = (0..CONTAINERS)
        .map(|c| {
            format!(
                r#"{{"name":"c{c}","image":"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app-{c}:1.0",
                "secrets":[{{"name":"S{c}","valueFrom":"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app-{p}/s{c}-AbCdEf"}}],
                "environmentFiles":[{{"value":"arn:aws:s3:::config-{p}/c{c}.env","type":"s3"}}],
                "logConfiguration":{{"logDriver":"awslogs","options":{{"awslogs-group":"/ecs/app","awslogs-region":"eu-west-1","awslogs-stream-prefix":"c{c}"}}}}}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"family":"app","taskRoleArn":"arn:aws:iam::{ACCOUNT}:role/role-{n:05}","executionRoleArn":"arn:aws:iam::{ACCOUNT}:role/role-{:05}",
        "networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"4096","memory":"8192","containerDefinitions":[{}]}}"#,
        n + 1,
        containers.join(",")
    );
    TaskDefinition::parse(&text).expect("task definition")
}

fn launch() -> Launch {
    Launch::parse(
        r#"{"cluster":"prod","taskDefinition":"app","launchType":"FARGATE","enableExecuteCommand":true,
        "networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-0a1b2c3d4e5f60718"]}}}"#,
    )
    .expect("launch")
}

/// One check: the plan, the account's principals, every step decided and explained.
fn check(
    store: &Store,
    td: &TaskDefinition,
    launch: &Launch,
    caller: &str,
) -> warden_ecs::report::Report {
    let place = plan::place(td, Some(launch), None, Some(ACCOUNT));
    let inputs = Inputs {
        task_definition: td,
        launch: Some(launch),
        schedule: None,
        caller: caller.to_string(),
        place,
        instance_role: None,
        kms_keys: Vec::new(),
    };
    let workflow = plan::plan(&inputs);
    let account = Account::from_store(store, caller, &workflow).expect("account");
    warden_ecs::check(&workflow, &account, false)
}

fn caller(n: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/role-{:05}", (n + 5000) % ROLES)
}

fn bench_store(c: &mut Criterion, backend: &str, store: &Store) {
    populate(store);
    let launch = launch();
    // Sanity: every step of the deployment passes, and there are as many as expected.
    let report = check(store, &task_definition(42), &launch, &caller(42));
    let failing: Vec<String> = report
        .steps
        .iter()
        .filter(|s| s.outcome.decision.fails())
        .map(|s| {
            format!(
                "{} {} {}",
                s.outcome.step.principal, s.outcome.step.action, s.outcome.step.resource
            )
        })
        .collect();
    assert!(report.ok, "failing steps: {failing:#?}");
    eprintln!("{backend}: {} steps per check", report.steps.len());

    let mut group = c.benchmark_group(format!("ecs-check/{backend}"));
    let mut next = 0usize;
    group.bench_function("cold (10 containers, 10k roles, 5k policies)", |b| {
        b.iter_batched(
            || {
                // Roles not read before: their policies are not cached.
                next = (next + 7919) % (ROLES - 2);
                (task_definition(next), caller(next))
            },
            |(td, who)| black_box(check(store, &td, &launch, &who)),
            BatchSize::SmallInput,
        )
    });
    let td = task_definition(4242);
    let who = caller(4242);
    check(store, &td, &launch, &who);
    group.bench_function("warm (principals cached)", |b| {
        b.iter(|| black_box(check(store, &td, &launch, &who)))
    });
    group.finish();
}

fn ecs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sqlite = Store::open(&dir.path().join("bench.db").to_string_lossy()).expect("sqlite");
    sqlite.set_account_id(ACCOUNT).expect("account");
    bench_store(c, "sqlite", &sqlite);

    let url = std::env::var("WARDEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) else {
        eprintln!("PostgreSQL not reachable at {url}: SQLite only");
        return;
    };
    let schema = "warden_bench_ecs";
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    let mut pg =
        Store::open(&format!("{url}{separator}options=-csearch_path%3D{schema}")).expect("pg");
    pg.set_account_id(ACCOUNT).expect("account");
    bench_store(c, "postgres", &pg);
    drop(pg);
    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = ecs
}
criterion_main!(benches);
