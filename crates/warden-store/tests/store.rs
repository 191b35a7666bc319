//! The store itself, on both backends: migrations, settings, transactions, generations.

mod common;

use warden_store::{ErrorCode, Store};

#[test]
fn a_new_store_has_the_default_account_and_quota() {
    for t in common::stores() {
        assert_eq!(t.store().account_id(), "123456789012", "{}", t.backend);
        assert_eq!(t.store().attachment_limit(), 10, "{}", t.backend);
    }
}

#[test]
fn settings_persist_and_are_checked() {
    for mut t in common::stores() {
        t.store_mut().set_attachment_limit(20).expect("limit");
        let err = t
            .store_mut()
            .set_attachment_limit(21)
            .expect_err("too many");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{}", t.backend);
        t.store_mut()
            .set_account_id("210987654321")
            .expect("account");
        assert!(t.store_mut().set_account_id("12345").is_err());
        let again = t.reopen();
        assert_eq!(again.attachment_limit(), 20, "{}", t.backend);
        assert_eq!(again.account_id(), "210987654321", "{}", t.backend);
    }
}

#[test]
fn reopening_does_not_migrate_twice_and_generations_move() {
    for t in common::stores() {
        let g0 = t.store().generation().expect("generation");
        let other: Store = t.reopen();
        let g1 = other.generation().expect("generation");
        // Opening writes the settings row (a write), so the generation moves on.
        assert!(g1 > g0, "{}", t.backend);
    }
}

/// On PostgreSQL a read runs statement by statement, outside a transaction (under READ
/// COMMITTED a transaction would give each statement its own snapshot anyway, for two more round
/// trips); a write runs in one: two of its statements share the transaction's start time.
#[test]
fn postgres_reads_skip_the_transaction_and_writes_keep_it() {
    for t in common::stores() {
        if t.backend != "postgres" {
            continue;
        }
        let db = t.store().db();
        let starts = |tx: &mut dyn warden_store::Tx| -> warden_store::Result<(String, String)> {
            let first = tx.query("SELECT transaction_timestamp()::text", &[])?[0].str(0);
            tx.query("SELECT pg_sleep(0.01)", &[])?;
            let second = tx.query("SELECT transaction_timestamp()::text", &[])?[0].str(0);
            Ok((first, second))
        };
        let (first, second) = db.read(starts).expect("read");
        assert_ne!(first, second, "a read is not one transaction");
        let (first, second) = db.write(starts).expect("write");
        assert_eq!(first, second, "a write is one transaction");
    }
}
