//! Every store test runs against both backends: embedded SQLite in a temporary directory, and
//! PostgreSQL (`WARDEN_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`)
//! in a schema of its own, dropped afterwards. Set `WARDEN_TEST_POSTGRES=skip` to run SQLite
//! alone on a machine without PostgreSQL (CI never does).
#![allow(dead_code, clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use warden_store::Store;

/// The PostgreSQL server the tests use.
pub fn postgres_url() -> String {
    std::env::var("WARDEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A store for one test, and what removes it afterwards.
pub struct TestStore {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// How to open the same store again (another "process").
    pub url: String,
    store: Option<Store>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl TestStore {
    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("open store")
    }

    pub fn store_mut(&mut self) -> &mut Store {
        self.store.as_mut().expect("open store")
    }

    /// Another connection to the same store, as another process would open it.
    pub fn reopen(&self) -> Store {
        Store::open(&self.url).expect("reopen store")
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.store = None;
        if let Some(schema) = &self.schema
            && let Ok(mut admin) = postgres::Client::connect(&postgres_url(), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = dir.path().join("account.db").to_string_lossy().into_owned();
    TestStore {
        backend: "sqlite",
        store: Some(Store::open(&url).expect("open sqlite store")),
        url,
        _dir: Some(dir),
        schema: None,
    }
}

fn postgres() -> TestStore {
    let schema = format!(
        "warden_test_{}",
        warden_store::ids::new_id(warden_store::ids::IdKind::User).to_lowercase()
    );
    let mut admin = postgres::Client::connect(&postgres_url(), postgres::NoTls)
        .expect("PostgreSQL for the store tests (set WARDEN_TEST_POSTGRES=skip to skip)");
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create schema");
    let separator = if postgres_url().contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{separator}options=-csearch_path%3D{schema}",
        postgres_url()
    );
    TestStore {
        backend: "postgres",
        store: Some(Store::open(&url).expect("open postgres store")),
        url,
        _dir: None,
        schema: Some(schema),
    }
}

/// One fresh store per backend.
pub fn stores() -> Vec<TestStore> {
    let mut all = vec![sqlite()];
    if std::env::var("WARDEN_TEST_POSTGRES").as_deref() != Ok("skip") {
        all.push(postgres());
    }
    all
}
