//! Several stores on one PostgreSQL database, each listening for the others' writes
//! (`LISTEN`/`NOTIFY`, `crates/warden-store/src/watch.rs`): a change made through one is seen by
//! the next decision of every other within the staleness window, whatever happens to the
//! listener's connection. Each test has a schema of its own (so a channel of its own).
//!
//! The assertions rest on the documented guarantee, not on timing luck: once `WINDOW` has passed
//! since a write committed, a store either has fenced its listener after the write or reads the
//! generation itself, so the write is seen either way.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use warden_store::Store;

const WINDOW: Duration = Duration::from_millis(300);
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

fn postgres() -> Option<common::TestStore> {
    common::stores()
        .into_iter()
        .find(|t| t.backend == "postgres")
}

fn watched(url: &str) -> Store {
    let store = Store::open(url).expect("open");
    assert!(
        store.watch_changes(WINDOW).expect("listen"),
        "PostgreSQL listens"
    );
    store
}

/// The names of the managed policies `role` holds, as `store`'s next decision sees them.
fn attached(store: &Store, role: &str) -> Vec<String> {
    let policies = store
        .principal_policies(&format!("arn:aws:iam::123456789012:role/{role}"))
        .expect("policies");
    policies
        .identity
        .iter()
        .map(|p| p.source_id().to_string())
        .collect()
}

/// Creates the role `app` through `writer`, and has `reader` cache its (empty) policies once
/// the write is past the window.
fn role_without_policies(writer: &Store, reader: &Store) {
    writer
        .create_role("app", None, TRUST, None, None, None, &[])
        .expect("role");
    past_the_window();
    assert!(attached(reader, "app").is_empty());
}

/// Past the window, with a margin for the clock's granularity.
fn past_the_window() {
    std::thread::sleep(WINDOW + Duration::from_millis(50));
}

#[test]
fn three_stores_see_each_others_writes_and_their_own_at_once() {
    let Some(t) = postgres() else { return };
    let stores = [watched(&t.url), watched(&t.url), watched(&t.url)];
    for store in &stores {
        assert!(store.db().listener_pid().is_some(), "a listener connection");
    }
    stores[0]
        .create_role("app", None, TRUST, None, None, None, &[])
        .expect("role");
    // Cache the role's (empty) policies everywhere.
    for store in &stores {
        assert!(attached(store, "app").is_empty());
    }
    // A write through the second: it sees its own write at once (read-your-writes) ...
    stores[1]
        .attach_role_policy("app", READ_ONLY)
        .expect("attach");
    assert_eq!(attached(&stores[1], "app"), ["ReadOnlyAccess"]);
    // ... and the others within the window.
    past_the_window();
    for store in &stores {
        assert_eq!(attached(store, "app"), ["ReadOnlyAccess"]);
    }
    // And back, through the third.
    stores[2]
        .detach_role_policy("app", READ_ONLY)
        .expect("detach");
    assert!(attached(&stores[2], "app").is_empty());
    past_the_window();
    for store in &stores {
        assert!(attached(store, "app").is_empty());
    }
    // Every store knows the same generation, the database's.
    let generation = t.store().db().generation().expect("generation");
    for store in &stores {
        assert_eq!(store.generation().expect("generation"), generation);
    }
}

#[test]
fn a_store_stopped_and_started_again_sees_what_changed_meanwhile() {
    let Some(t) = postgres() else { return };
    let first = watched(&t.url);
    let second = watched(&t.url);
    role_without_policies(&first, &second);
    drop(second);
    first.attach_role_policy("app", READ_ONLY).expect("attach");
    let second = watched(&t.url);
    assert_eq!(attached(&second, "app"), ["ReadOnlyAccess"]);
    // The first's listener outlived the other's: it hears the restarted one's writes.
    second.detach_role_policy("app", READ_ONLY).expect("detach");
    past_the_window();
    assert!(attached(&first, "app").is_empty());
}

#[test]
fn a_cut_listener_connection_reconnects_and_the_change_is_seen() {
    let Some(t) = postgres() else { return };
    let reader = watched(&t.url);
    let writer = watched(&t.url);
    role_without_policies(&writer, &reader);
    let pid = reader.db().listener_pid().expect("a listener");
    let mut admin = postgres::Client::connect(&common::postgres_url(), postgres::NoTls)
        .expect("admin connection");
    let cut: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .expect("terminate")
        .get(0);
    assert!(cut, "the listener's backend was terminated");
    writer.attach_role_policy("app", READ_ONLY).expect("attach");
    past_the_window();
    assert_eq!(attached(&reader, "app"), ["ReadOnlyAccess"]);
}

/// The listener's connection is cut and cannot come back (its database role may no longer log
/// in): requests fall back to reading the generation themselves once the window has passed.
#[test]
fn a_listener_that_cannot_reconnect_falls_back_to_reading_the_generation() {
    let Some(t) = postgres() else { return };
    let mut admin = postgres::Client::connect(&common::postgres_url(), postgres::NoTls)
        .expect("admin connection");
    let schema = t
        .store()
        .db()
        .channel()
        .and_then(|c| c.strip_prefix("warden_generation."))
        .expect("a channel")
        .to_string();
    let login = format!("{schema}_reader");
    admin
        .batch_execute(&format!(
            "CREATE ROLE {login} LOGIN; GRANT ALL ON SCHEMA {schema} TO {login}; \
             GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {login}; \
             GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {login}"
        ))
        .expect("a login role");
    let url = t
        .url
        .replacen("postgres://postgres@", &format!("postgres://{login}@"), 1);
    let reader = watched(&url);
    let writer = watched(&t.url);
    role_without_policies(&writer, &reader);
    let pid = reader.db().listener_pid().expect("a listener");
    admin
        .batch_execute(&format!("ALTER ROLE {login} NOLOGIN"))
        .expect("no more logins");
    admin
        .query("SELECT pg_terminate_backend($1)", &[&pid])
        .expect("terminate");
    // The listener notices (at its next heartbeat) and stays down: it may not log in again,
    // while the pool's connections still work.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while reader.db().listener_pid().is_some() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(reader.db().listener_pid(), None, "the listener is down");
    writer.attach_role_policy("app", READ_ONLY).expect("attach");
    past_the_window();
    assert_eq!(attached(&reader, "app"), ["ReadOnlyAccess"]);
    drop(reader);
    let _ = admin.batch_execute(&format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {login}; \
         REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {login}; \
         REVOKE ALL ON SCHEMA {schema} FROM {login}; DROP ROLE IF EXISTS {login}"
    ));
}

#[test]
fn sqlite_needs_no_listener() {
    let t = common::stores()
        .into_iter()
        .find(|t| t.backend == "sqlite")
        .expect("sqlite");
    assert!(!t.store().watch_changes(WINDOW).expect("no listener"));
    assert_eq!(t.store().db().listener_pid(), None);
}

#[test]
fn a_window_of_zero_or_past_a_minute_is_refused() {
    let Some(t) = postgres() else { return };
    for window in [Duration::ZERO, Duration::from_secs(61)] {
        let e = t.store().watch_changes(window).expect_err("refused");
        assert!(e.message.contains("staleness window"), "{}", e.message);
    }
}

/// With a window of a minute the listener fences every 15 s; a write is seen well before that,
/// so the notification carried it (not the fence). The wait is a bound on a liveness check (10 s,
/// far more than a notification takes), never a measurement.
#[test]
fn a_notification_carries_a_write_between_two_fences() {
    let Some(t) = postgres() else { return };
    let reader = Store::open(&t.url).expect("open");
    assert!(
        reader
            .watch_changes(Duration::from_secs(60))
            .expect("listen")
    );
    let writer = Store::open(&t.url).expect("open");
    writer
        .create_role("app", None, TRUST, None, None, None, &[])
        .expect("role");
    let written = writer.db().generation().expect("generation");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut seen = reader.generation().expect("generation");
    while seen < written && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        seen = reader.generation().expect("generation");
    }
    assert_eq!(seen, written, "the notification arrived");
}
