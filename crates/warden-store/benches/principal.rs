//! A principal simulation on a store with 10,000 roles and 5,000 customer managed policies, on
//! embedded SQLite and on PostgreSQL (when `WARDEN_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, is reachable), in one run.
//!
//! Each role has three attached customer policies, one AWS managed policy and an inline
//! policy. Measured:
//! - `cold`: SimulatePrincipalPolicy for a role whose policies are not cached (read from the
//!   database, parsed, compiled, decided);
//! - `warm`: the same role again (the generation check, then the cached compiled policies);
//! - `generation`: the one query the cache costs per request.
//!
//! Run with `cargo bench -p warden-store --bench principal`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

use criterion::{BatchSize, Criterion, black_box, criterion_group, criterion_main};
use warden_store::principal::SimulatePrincipalPolicyRequest;
use warden_store::{Store, Value};

const ROLES: usize = 10_000;
const POLICIES: usize = 5_000;
const ACCOUNT: &str = "123456789012";

fn populate(store: &Store) {
    let now = "2026-11-29T00:00:00Z";
    store
        .db()
        .write(|tx| {
            for p in 0..POLICIES {
                let name = format!("policy-{p:05}");
                let id = format!("ANPA{p:017}");
                let arn = format!("arn:aws:iam::{ACCOUNT}:policy/bench/{name}");
                tx.execute(
                    "INSERT INTO iam_policies (id, name, name_key, path, arn, description, create_date, update_date, default_version, next_version) VALUES ($1, $2, $3, '/bench/', $4, NULL, $5, $5, 'v1', 2)",
                    &[id.as_str().into(), name.as_str().into(), name.as_str().into(), arn.into(), now.into()],
                )?;
                let document = format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-{p}","arn:aws:s3:::bucket-{p}/*"]}},{{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*","Condition":{{"StringEquals":{{"aws:RequestedRegion":"eu-west-1"}}}}}}]}}"#
                );
                tx.execute(
                    "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) VALUES ($1, 'v1', $2, $3)",
                    &[id.into(), document.into(), now.into()],
                )?;
            }
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
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
                        &[id.as_str().into(), format!("arn:aws:iam::{ACCOUNT}:policy/bench/policy-{p:05}").into()],
                    )?;
                }
                tx.execute(
                    "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')",
                    &[id.as_str().into()],
                )?;
                tx.execute(
                    "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('role', $1, 'logs', 'logs', $2)",
                    &[
                        Value::Text(id),
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#.into(),
                    ],
                )?;
            }
            Ok(())
        })
        .expect("populate");
}

fn request(role: usize) -> SimulatePrincipalPolicyRequest {
    let p = (role * 7) % POLICIES;
    SimulatePrincipalPolicyRequest {
        policy_source_arn: format!("arn:aws:iam::{ACCOUNT}:role/role-{role:05}"),
        action_names: vec!["s3:GetObject".into(), "ecr:GetAuthorizationToken".into()],
        resource_arns: vec![format!("arn:aws:s3:::bucket-{p}/key")],
        ..SimulatePrincipalPolicyRequest::default()
    }
}

fn bench_store(c: &mut Criterion, backend: &str, store: &Store) {
    populate(store);
    // Sanity: the first attached policy allows s3:GetObject on its bucket.
    let answer = store
        .simulate_principal_policy(&request(42))
        .expect("simulate");
    assert_eq!(answer.evaluation_results[0].eval_decision, "allowed");
    assert_eq!(answer.evaluation_results[1].eval_decision, "allowed");

    let mut group = c.benchmark_group(format!("principal/{backend}"));
    let mut next = 0usize;
    group.bench_function("cold (10k roles, 5k policies)", |b| {
        b.iter_batched(
            || {
                // A role not simulated before: its policies are not cached.
                next = (next + 7919) % ROLES;
                request(next)
            },
            |req| black_box(store.simulate_principal_policy(&req).expect("simulate")),
            BatchSize::SmallInput,
        )
    });
    let warm = request(4242);
    store.simulate_principal_policy(&warm).expect("simulate");
    group.bench_function("warm (cached)", |b| {
        b.iter(|| black_box(store.simulate_principal_policy(&warm).expect("simulate")))
    });
    group.bench_function("generation query", |b| {
        b.iter(|| black_box(store.generation().expect("generation")))
    });
    group.finish();
}

fn principal(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Store::open(&dir.path().join("bench.db").to_string_lossy()).expect("sqlite");
    bench_store(c, "sqlite", &sqlite);

    let url = std::env::var("WARDEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) else {
        eprintln!("PostgreSQL not reachable at {url}: SQLite only");
        return;
    };
    let schema = "warden_bench_principal";
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    let pg = Store::open(&format!("{url}{separator}options=-csearch_path%3D{schema}")).expect("pg");
    bench_store(c, "postgres", &pg);
    drop(pg);
    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = principal
}
criterion_main!(benches);
