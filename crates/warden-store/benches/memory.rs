//! Resident memory of a store holding 10,000 roles' compiled policies (the account of
//! `benches/account`: each role three customer policies, one AWS managed policy and an inline
//! policy), and with the cache capped below that.
//!
//! Run with `cargo bench -p warden-store --bench memory`. Prints the process's resident set
//! (`VmRSS`) after opening the store, with every role's policies cached (capacity 10,000), and
//! after the same 10,000 simulations with the capacity at 1,000, and each cache's length.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

mod account;

use account::{ROLES, populate, request};
use warden_store::Store;

/// The resident set of this process in KiB, from /proc.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn simulate_every_role(store: &Store) {
    for role in 0..ROLES {
        let answer = store
            .simulate_principal_policy(&request(role))
            .expect("simulate");
        assert_eq!(answer.evaluation_results[0].eval_decision, "allowed");
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Each capacity in a process of its own, so that one's freed memory is not the other's.
    let Some(capacity) = std::env::var("WARDEN_MEMORY_CAPACITY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        let me = std::env::current_exe().expect("this bench");
        for capacity in [ROLES, ROLES / 10] {
            let status = std::process::Command::new(&me)
                .arg("--bench")
                .env("WARDEN_MEMORY_CAPACITY", capacity.to_string())
                .status()
                .expect("run");
            assert!(status.success());
        }
        return;
    };
    let mib = |kib: u64| kib as f64 / 1024.0;
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store =
            Store::open(&dir.path().join("memory.db").to_string_lossy()).expect("store");
        populate(&store);
        store.set_policy_cache_capacity(capacity);
        // The catalog's managed policies and the first compilations: what any server holds.
        store
            .simulate_principal_policy(&request(0))
            .expect("simulate");
        let before = resident_kib();
        simulate_every_role(&store);
        let after = resident_kib();
        println!(
            "cache capacity {capacity:>6}: {:>6} principals cached; resident {:.1} MiB before, \
             {:.1} MiB after ({:.1} MiB more, {:.1} KiB per cached principal)",
            store.policy_cache_len(),
            mib(before),
            mib(after),
            mib(after.saturating_sub(before)),
            after.saturating_sub(before) as f64 / store.policy_cache_len().max(1) as f64,
        );
    }
}
