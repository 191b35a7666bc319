//! Start-up cost of `warden simulate`, with and without the built-in catalogs, in one run.
//!
//! - `process/*`: the whole `warden simulate` process, as a user runs it, deciding the seed's
//!   PassRole question against AmazonECS_FullAccess given as a file (`--policy`, no catalog) and
//!   by name (`--policy-arn`, which indexes the managed policy catalog and parses one entry).
//!   The difference is the catalog's start-up cost.
//! - `in-process/*`: the same costs inside one process: indexing each catalog and the first
//!   lookup.
//!
//! Run with `cargo bench -p warden-cli --bench startup`.
#![allow(clippy::expect_used, missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use std::process::Command;

const ROLE: &str = "arn:aws:iam::123456789012:role/ecsTaskRole";

fn warden(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run warden");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("allowed"));
}

fn startup(c: &mut Criterion) {
    let request = [
        "--action",
        "iam:PassRole",
        "--resource",
        ROLE,
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ];
    let mut group = c.benchmark_group("process");
    group.sample_size(60);
    let mut file_args = vec!["simulate", "--policy", "examples/AmazonECS_FullAccess.json"];
    file_args.extend(request);
    let mut arn_args = vec!["simulate", "--policy-arn", "AmazonECS_FullAccess"];
    arn_args.extend(request);
    group.bench_function("simulate --policy FILE (no catalog)", |b| {
        b.iter(|| warden(&file_args))
    });
    group.bench_function("simulate --policy-arn NAME (catalog)", |b| {
        b.iter(|| warden(&arn_args))
    });
    group.finish();

    let mut group = c.benchmark_group("in-process");
    group.bench_function("index managed policies + lookup", |b| {
        b.iter(|| {
            let catalog = warden_catalog::load_managed().expect("catalog");
            let policy = catalog.lookup("AmazonECS_FullAccess").expect("policy");
            black_box(policy.document().len())
        })
    });
    group.bench_function("index actions + lookup ecs:RunTask", |b| {
        b.iter(|| {
            let catalog = warden_catalog::load_actions().expect("catalog");
            black_box(catalog.action("ecs:RunTask").is_some())
        })
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
