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
use warden_store::Store;

mod account;

use account::{ROLES, populate, request};

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
