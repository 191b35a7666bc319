//! The two databases behind one small interface: SQL written once (PostgreSQL's `$1`
//! placeholders, types both understand), run on embedded SQLite or on PostgreSQL.
//!
//! Every operation is one transaction ([`Database::write`] / [`Database::read`]). A write
//! transaction's first statement bumps the store's generation row, which serializes writers on
//! both databases: on SQLite `BEGIN IMMEDIATE` takes the write lock, on PostgreSQL the row lock
//! on `warden_generation` does, and every statement after it (READ COMMITTED) sees what the
//! previous writer committed. So an operation's checks ("fewer than 5 versions", "fewer than 10
//! attachments") and its change cannot interleave with another writer's, in one process or
//! many. The generation also tells caches that something changed.
//!
//! Connections are pooled: concurrent readers each get their own (SQLite's WAL lets them read
//! side by side; PostgreSQL serves each on its own backend), opened on demand up to
//! [`POOL_SIZE`]. Each connection keeps its prepared statements.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::{Result, StoreError};

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (BIGINT).
    Int(i64),
    /// Text.
    Text(String),
}

impl Value {
    /// The text, or `None` for NULL or an integer.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, or `None`.
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Text(s.clone())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as text (`""` for NULL: use [`Row::opt`] where NULL matters).
    pub fn str(&self, i: usize) -> String {
        self.0
            .get(i)
            .and_then(Value::text)
            .unwrap_or_default()
            .to_string()
    }

    /// Column `i` as text, `None` for NULL.
    pub fn opt(&self, i: usize) -> Option<String> {
        self.0.get(i).and_then(Value::text).map(str::to_string)
    }

    /// Column `i` as an integer (0 for NULL).
    pub fn int(&self, i: usize) -> i64 {
        self.0.get(i).and_then(Value::int).unwrap_or_default()
    }
}

/// Which database runs the statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A transaction in progress.
pub trait Tx {
    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query; returns its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// The database.
    fn dialect(&self) -> Dialect;

    /// The first row of a query, if any.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// A `SELECT COUNT(*)`-style query's number.
    fn count(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        Ok(self.query_one(sql, params)?.map_or(0, |row| row.int(0)))
    }
}

/// The schema, one migration a step. Applied in order, each once, recorded in
/// `warden_schema`. Only ever append. Statements are split at `;`, so comments must not hold one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema/0001_account.sql")),
    (2, include_str!("schema/0002_sessions.sql")),
    (3, include_str!("schema/0003_role_last_used.sql")),
    (4, include_str!("schema/0004_session_principal.sql")),
];

/// An open database.
pub enum Database {
    /// Embedded SQLite: one file, WAL.
    Sqlite(Pool<SqliteConnector>),
    /// PostgreSQL, with what its change listener knows (see [`crate::watch`]).
    Postgres(Pool<PostgresConnector>, Changes),
}

/// A PostgreSQL store's change notification: its channel, and the generation its listener (if
/// started) and its own writes know of.
#[derive(Debug)]
pub struct Changes {
    channel: String,
    known: std::sync::Arc<crate::watch::Known>,
    /// Whether the database has `pg_notify` (a wire-compatible engine may not: its writes then
    /// only bump the generation, and no listener can start).
    notify: bool,
}

impl Drop for Database {
    /// Ends the change listener, if one runs (it notices within a heartbeat).
    fn drop(&mut self) {
        if let Database::Postgres(_, changes) = self {
            changes.known.stop();
        }
    }
}

/// The most connections one open database holds at once (requests beyond it wait for one).
pub const POOL_SIZE: usize = 8;

/// How long a writer waits for another before giving up (SQLite's busy timeout; PostgreSQL
/// waits on the row lock), and a request for a connection waits for one to come back.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times a transaction that lost a deadlock or a serialization race is retried.
const RETRIES: usize = 5;

/// Opens one kind of connection, set up alike.
pub trait Connector {
    /// The connection.
    type Connection: Send;
    /// A new connection.
    fn connect(&self) -> Result<Self::Connection>;
    /// Whether `conn` can no longer be used (it is dropped instead of returned to the pool).
    fn broken(&self, conn: &mut Self::Connection) -> bool;
}

/// Opens SQLite connections to one file (a `:memory:` database is one connection: another
/// would be another database).
#[derive(Debug)]
pub struct SqliteConnector {
    path: String,
}

impl SqliteConnector {
    fn memory(&self) -> bool {
        self.path == ":memory:" || self.path == "sqlite::memory:"
    }
}

impl Connector for SqliteConnector {
    type Connection = rusqlite::Connection;

    fn connect(&self) -> Result<rusqlite::Connection> {
        let path = &self.path;
        let conn = if self.memory() {
            rusqlite::Connection::open_in_memory()
        } else {
            rusqlite::Connection::open(path)
        }
        .map_err(|e| StoreError::service(format!("cannot open {path}: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(256);
        // WAL: readers do not block the writer; FULL: a commit survives a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite_error)?;
        Ok(conn)
    }

    fn broken(&self, _conn: &mut rusqlite::Connection) -> bool {
        false
    }
}

/// A PostgreSQL connection with the statements it has prepared (PostgreSQL would otherwise
/// parse and plan every statement on every call: one more round trip each).
pub struct PostgresConnection {
    /// Always present until dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

impl PostgresConnection {
    fn client(&mut self) -> Result<&mut postgres::Client> {
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::service("the database connection is closed"))
    }
}

impl Drop for PostgresConnection {
    /// `postgres::Client` closes its connection by blocking on its own runtime, which panics on
    /// a thread that drives an async runtime (a server's worker, when the server shuts down and
    /// drops its store there). Such a client is closed on a thread of its own instead.
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            let closing = std::thread::Builder::new()
                .name("warden-pg-close".into())
                .spawn(move || drop(client));
            if let Ok(closing) = closing {
                let _ = closing.join();
            }
        }
    }
}

/// Opens PostgreSQL connections to one URL.
#[derive(Debug)]
pub struct PostgresConnector {
    url: String,
}

impl Connector for PostgresConnector {
    type Connection = PostgresConnection;

    fn connect(&self) -> Result<PostgresConnection> {
        let client = postgres::Client::connect(&self.url, postgres::NoTls).map_err(|e| {
            StoreError::service(format!("cannot connect to {}: {e}", redact(&self.url)))
        })?;
        Ok(PostgresConnection {
            client: Some(client),
            statements: HashMap::new(),
        })
    }

    fn broken(&self, conn: &mut PostgresConnection) -> bool {
        conn.client.as_ref().is_none_or(postgres::Client::is_closed)
    }
}

/// Connections opened on demand, up to a size, and kept: a request takes an idle one, or opens
/// one (reporting the connector's error at once when that fails), or waits for one to come back.
pub struct Pool<C: Connector> {
    connector: C,
    size: usize,
    state: Mutex<PoolState<C::Connection>>,
    returned: Condvar,
}

struct PoolState<T> {
    idle: Vec<T>,
    open: usize,
}

impl<C: Connector> Pool<C> {
    /// A pool holding `first`, opened by the caller.
    fn new(connector: C, size: usize, first: C::Connection) -> Pool<C> {
        Pool {
            connector,
            size: size.max(1),
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            returned: Condvar::new(),
        }
    }

    /// A connection: an idle one, a new one, or (all in use) the next one returned, waiting up
    /// to [`BUSY_TIMEOUT`].
    fn get(&self) -> Result<Pooled<'_, C>> {
        let poisoned = || StoreError::service("the database connection pool is poisoned");
        let mut state = self.state.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.connector.connect() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        if let Ok(mut state) = self.state.lock() {
                            state.open -= 1;
                        }
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self
                .returned
                .wait_timeout(state, BUSY_TIMEOUT)
                .map_err(|_| poisoned())?;
            if timeout.timed_out() && next.idle.is_empty() && next.open >= self.size {
                return Err(StoreError::service(format!(
                    "all {} database connections stayed busy for {} s",
                    self.size,
                    BUSY_TIMEOUT.as_secs()
                )));
            }
            state = next;
        }
    }
}

/// A connection taken from a [`Pool`]; it goes back (or, broken, away) when dropped.
struct Pooled<'a, C: Connector> {
    pool: &'a Pool<C>,
    conn: Option<C::Connection>,
}

impl<C: Connector> std::ops::Deref for Pooled<'_, C> {
    type Target = C::Connection;
    fn deref(&self) -> &C::Connection {
        // Present from creation until drop.
        #[allow(clippy::unwrap_used)]
        self.conn.as_ref().unwrap()
    }
}

impl<C: Connector> std::ops::DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C::Connection {
        #[allow(clippy::unwrap_used)]
        self.conn.as_mut().unwrap()
    }
}

impl<C: Connector> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let broken = self.pool.connector.broken(&mut conn);
        if let Ok(mut state) = self.pool.state.lock() {
            if broken {
                state.open -= 1;
            } else {
                state.idle.push(conn);
            }
        }
        self.pool.returned.notify_one();
    }
}

impl Database {
    /// Opens `url`: `postgres://...` or `postgresql://...` for PostgreSQL; `sqlite://PATH`,
    /// `sqlite::memory:` or a plain path for SQLite. Applies the migrations.
    pub fn open(url: &str) -> Result<Database> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let manager = PostgresConnector {
                url: url.to_string(),
            };
            let first = manager.connect()?;
            Database::Postgres(
                Pool::new(manager, POOL_SIZE, first),
                Changes {
                    channel: String::new(),
                    known: std::sync::Arc::default(),
                    notify: false,
                },
            )
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let manager = SqliteConnector {
                path: path.to_string(),
            };
            if !manager.memory()
                && let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::service(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            let size = if manager.memory() { 1 } else { POOL_SIZE };
            let first = manager.connect()?;
            Database::Sqlite(Pool::new(manager, size, first))
        };
        db.migrate()?;
        let mut db = db;
        if let Database::Postgres(pool, _) = &db {
            let mut conn = pool.get()?;
            let schema: Option<String> = conn
                .client()?
                .query_one("SELECT current_schema()", &[])
                .map_err(|e| postgres_error(&e))?
                .get(0);
            let channel = crate::watch::channel(schema.as_deref().unwrap_or("public"));
            // An empty payload: listeners ignore it (it is no generation).
            let notify = conn
                .client()?
                .execute("SELECT pg_notify($1, '')", &[&channel])
                .is_ok();
            drop(conn);
            if let Database::Postgres(_, changes) = &mut db {
                changes.channel = channel;
                changes.notify = notify;
            }
        }
        Ok(db)
    }

    /// Listens for changes (PostgreSQL's `LISTEN`/`NOTIFY`, see [`crate::watch`]): from now on
    /// a request uses the generation the listener knows instead of reading it, while the
    /// listener has heard from the database within `window`. Returns whether a listener was
    /// started: embedded SQLite has no need of one (reading its generation costs no round trip).
    pub fn watch_changes(&self, window: std::time::Duration) -> Result<bool> {
        match self {
            Database::Sqlite(_) => Ok(false),
            Database::Postgres(_, changes) if !changes.notify => Err(StoreError::invalid_input(
                "this database has no LISTEN/NOTIFY (pg_notify failed): run with a staleness \
                 window of 0, reading the generation on every request",
            )),
            Database::Postgres(pool, changes) => {
                crate::watch::start(
                    &pool.connector.url,
                    &changes.channel,
                    &changes.known,
                    window,
                )?;
                Ok(true)
            }
        }
    }

    /// The backend process id of the change listener's connection, while it has one (for
    /// operators and tests: `pg_terminate_backend` cuts it).
    pub fn listener_pid(&self) -> Option<i32> {
        match self {
            Database::Postgres(_, changes) => changes.known.listener_pid(),
            Database::Sqlite(_) => None,
        }
    }

    /// The notification channel of a PostgreSQL store (`None` on SQLite).
    pub fn channel(&self) -> Option<&str> {
        match self {
            Database::Postgres(_, changes) => Some(&changes.channel),
            Database::Sqlite(_) => None,
        }
    }

    /// The database kind.
    pub fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(..) => Dialect::Postgres,
        }
    }

    fn migrate(&self) -> Result<()> {
        self.transaction(true, &mut |tx| {
            if tx.dialect() == Dialect::Postgres {
                // Two processes starting at once: one migrates, the other waits.
                tx.query("SELECT pg_advisory_xact_lock(7341092)", &[])?;
            }
            tx.execute(
                "CREATE TABLE IF NOT EXISTS warden_schema (version BIGINT PRIMARY KEY, applied TEXT NOT NULL)",
                &[],
            )?;
            for (version, sql) in MIGRATIONS {
                let done = tx.count(
                    "SELECT COUNT(*) FROM warden_schema WHERE version = $1",
                    &[Value::Int(*version)],
                )?;
                if done > 0 {
                    continue;
                }
                for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    tx.execute(statement, &[])?;
                }
                tx.execute(
                    "INSERT INTO warden_schema (version, applied) VALUES ($1, $2)",
                    &[Value::Int(*version), crate::ids::now().into()],
                )?;
            }
            Ok(())
        })
    }

    /// Runs `f` in a write transaction, after bumping the generation (which serializes writers:
    /// see the module documentation). Commits if `f` succeeds, rolls back if it fails.
    pub fn write<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        unpin(self.identity());
        let mut bumped = None;
        let result = self.transaction(true, &mut |tx| {
            bumped = self.bump(tx)?;
            f(tx)
        });
        unpin(self.identity());
        // Read-your-writes: this process knows its own write before its caller hears of it.
        if result.is_ok()
            && let (Some(generation), Database::Postgres(_, changes)) = (bumped, self)
        {
            changes.known.observe(generation);
        }
        result
    }

    /// The generation bump every write starts with. On PostgreSQL the same statement notifies
    /// the store's channel with the new value (delivered if and when the transaction commits),
    /// and returns it.
    fn bump(&self, tx: &mut dyn Tx) -> Result<Option<i64>> {
        match self {
            Database::Sqlite(_) => {
                tx.execute(
                    "UPDATE warden_generation SET value = value + 1 WHERE id = 1",
                    &[],
                )?;
                Ok(None)
            }
            Database::Postgres(_, changes) if !changes.notify => {
                let row = tx.query_one(
                    "UPDATE warden_generation SET value = value + 1 WHERE id = 1 RETURNING value",
                    &[],
                )?;
                Ok(row.map(|row| row.int(0)))
            }
            Database::Postgres(_, changes) => {
                let row = tx.query_one(
                    "WITH bumped AS (UPDATE warden_generation SET value = value + 1 WHERE id = 1 RETURNING value) \
                     SELECT value, pg_notify($1, value::text) FROM bumped",
                    &[changes.channel.as_str().into()],
                )?;
                Ok(row.map(|row| row.int(0)))
            }
        }
    }

    /// Runs `f` in a write transaction that leaves the generation alone: for rows no cache
    /// depends on (STS sessions), whose writes must not invalidate every cached compiled policy.
    /// It does not queue behind the generation row either, so `f` must not rely on
    /// [`Database::write`]'s serialization of writers (a primary key or `ON CONFLICT` has to
    /// settle races); on SQLite `BEGIN IMMEDIATE` still takes the write lock. A generation pinned
    /// on this thread stays pinned. Commits if `f` succeeds, rolls back if it fails.
    pub fn write_unversioned<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.transaction(true, &mut |tx| f(tx))
    }

    /// Runs `f` for reading: in a read transaction on SQLite (one consistent snapshot); on
    /// PostgreSQL statement by statement, each with its own snapshot as READ COMMITTED gives
    /// inside a transaction too, without its two extra round trips.
    pub fn read<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.transaction(false, &mut |tx| f(tx))
    }

    /// The store's generation: it changes whenever anything is written, by any process.
    /// Within a [`Database::pin_generation`] on this thread, the pinned value.
    pub fn generation(&self) -> Result<i64> {
        let id = self.identity();
        if let Some((pinned, generation)) = PINNED.with(std::cell::Cell::get)
            && pinned == id
        {
            return Ok(generation);
        }
        self.current_generation()
    }

    /// The listener's generation while it is fresh, else one read of the row.
    fn current_generation(&self) -> Result<i64> {
        if let Database::Postgres(_, changes) = self {
            if let Some(generation) = changes.known.fresh() {
                return Ok(generation);
            }
            let generation = self.read_generation()?;
            if changes.known.running() {
                changes.known.observe(generation);
            }
            return Ok(generation);
        }
        self.read_generation()
    }

    /// Reads the generation once for the work this thread does next (one request), so that the
    /// caches it consults cost one query in all. A write on this thread ends the pin (the
    /// generation moved); so does dropping the returned guard.
    pub fn pin_generation(&self) -> Result<GenerationPin> {
        let generation = self.current_generation()?;
        let id = self.identity();
        PINNED.with(|p| p.set(Some((id, generation))));
        Ok(GenerationPin { id })
    }

    fn identity(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// One statement on its own, outside an explicit transaction: every request that uses a
    /// cache asks it, and on PostgreSQL a transaction would triple the round trips.
    fn read_generation(&self) -> Result<i64> {
        const SQL: &str = "SELECT value FROM warden_generation WHERE id = 1";
        match self {
            Database::Sqlite(pool) => {
                let conn = pool.get()?;
                conn.prepare_cached(SQL)
                    .and_then(|mut statement| statement.query_row([], |row| row.get::<_, i64>(0)))
                    .map_err(sqlite_error)
            }
            Database::Postgres(pool, _) => {
                let mut conn = pool.get()?;
                // The simple protocol: one round trip (no separate prepare).
                let messages = conn
                    .client()?
                    .simple_query(SQL)
                    .map_err(|e| postgres_error(&e))?;
                messages
                    .iter()
                    .find_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(row) => row.get(0),
                        _ => None,
                    })
                    .and_then(|v| v.parse::<i64>().ok())
                    .ok_or_else(|| StoreError::service("the generation row is missing"))
            }
        }
    }

    fn transaction<T>(
        &self,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match self {
                Database::Sqlite(pool) => {
                    let mut conn = pool.get()?;
                    sqlite_transaction(&mut conn, write, f)
                }
                Database::Postgres(pool, _) => {
                    let mut conn = pool.get()?;
                    postgres_transaction(&mut conn, write, f)
                }
            };
            match result {
                Err(Failure::Retry(message)) if attempt < RETRIES => {
                    let _ = message;
                    std::thread::sleep(Duration::from_millis(10 * attempt as u64));
                }
                Err(Failure::Retry(message)) => return Err(StoreError::service(message)),
                Err(Failure::Store(e)) => return Err(e),
                Ok(value) => return Ok(value),
            }
        }
    }
}

thread_local! {
    /// The generation this thread's current request read, with the database it belongs to
    /// (by address: several stores may be open in one process).
    static PINNED: std::cell::Cell<Option<(usize, i64)>> = const { std::cell::Cell::new(None) };
}

fn unpin(id: usize) {
    PINNED.with(|p| {
        if p.get().is_some_and(|(pinned, _)| pinned == id) {
            p.set(None);
        }
    });
}

/// Ends a [`Database::pin_generation`] when dropped.
#[derive(Debug)]
pub struct GenerationPin {
    id: usize,
}

impl Drop for GenerationPin {
    fn drop(&mut self) {
        unpin(self.id);
    }
}

/// Why a transaction ended without committing.
enum Failure {
    /// The operation's own error (rolled back).
    Store(StoreError),
    /// Lost a race with another writer (deadlock, busy): run it again.
    Retry(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}

/// Hides the password of a connection URL, for messages and displays.
pub fn redact(url: &str) -> String {
    // The last `@` ends the credentials (an `@` inside them would be percent-encoded).
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

// ---- SQLite ----

fn sqlite_error(e: rusqlite::Error) -> StoreError {
    StoreError::service(format!("sqlite: {e}"))
}

fn sqlite_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn sqlite_transaction<T>(
    conn: &mut rusqlite::Connection,
    write: bool,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>,
) -> Result<T, Failure> {
    let behavior = if write {
        rusqlite::TransactionBehavior::Immediate
    } else {
        rusqlite::TransactionBehavior::Deferred
    };
    let tx = conn.transaction_with_behavior(behavior).map_err(|e| {
        if sqlite_busy(&e) {
            Failure::Retry(format!("sqlite: {e}"))
        } else {
            Failure::Store(sqlite_error(e))
        }
    })?;
    let mut wrapper = SqliteTx {
        tx: &tx,
        busy: false,
    };
    let result = f(&mut wrapper);
    let busy = wrapper.busy;
    match result {
        Ok(value) => {
            tx.commit().map_err(|e| {
                if sqlite_busy(&e) {
                    Failure::Retry(format!("sqlite: {e}"))
                } else {
                    Failure::Store(sqlite_error(e))
                }
            })?;
            Ok(value)
        }
        Err(e) => {
            // Dropping the transaction rolls it back.
            drop(tx);
            if busy {
                Err(Failure::Retry(e.message))
            } else {
                Err(Failure::Store(e))
            }
        }
    }
}

struct SqliteTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    busy: bool,
}

/// `$1` -> `?1`: SQLite's numbered parameters.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn sqlite_params(params: &[Value]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        })
        .collect()
}

impl SqliteTx<'_> {
    fn fail(&mut self, e: rusqlite::Error) -> StoreError {
        if sqlite_busy(&e) {
            self.busy = true;
        }
        sqlite_error(e)
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let params = sqlite_params(params);
        // Statements are prepared once per connection and reused (SQLite's parser was most of
        // a small request's cost).
        let run = self
            .tx
            .prepare_cached(&sqlite_sql(sql))
            .and_then(|mut statement| statement.execute(rusqlite::params_from_iter(params)));
        match run {
            Ok(n) => Ok(n as u64),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let params = sqlite_params(params);
        let run = || -> rusqlite::Result<Vec<Row>> {
            let mut statement = self.tx.prepare_cached(&sqlite_sql(sql))?;
            let columns = statement.column_count();
            let mut rows = statement.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(columns);
                for i in 0..columns {
                    values.push(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                        rusqlite::types::ValueRef::Real(x) => Value::Int(x as i64),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        rusqlite::types::ValueRef::Blob(b) => {
                            Value::Text(String::from_utf8_lossy(b).into_owned())
                        }
                    });
                }
                out.push(Row(values));
            }
            Ok(out)
        };
        match run() {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

// ---- PostgreSQL ----

/// Deadlock, serialization failure: SQLSTATE 40P01, 40001.
fn postgres_retryable(e: &postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        *code == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
            || *code == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
    })
}

fn postgres_error(e: &postgres::Error) -> StoreError {
    let detail = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |db| db.message().to_string());
    StoreError::service(format!("postgres: {detail}"))
}

/// Runs `f` on PostgreSQL: a write in a transaction; a read statement by statement, outside
/// one. Under READ COMMITTED (PostgreSQL's default, which Warden keeps) every statement of a
/// transaction takes its own snapshot anyway, so a read transaction would add two round trips
/// (`BEGIN`, `COMMIT`) and no consistency.
fn postgres_transaction<T>(
    conn: &mut PostgresConnection,
    write: bool,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>,
) -> Result<T, Failure> {
    let PostgresConnection { client, statements } = conn;
    let Some(client) = client.as_mut() else {
        return Err(Failure::Store(StoreError::service(
            "the database connection is closed",
        )));
    };
    let failure = |e: StoreError, retry: bool| {
        if retry {
            Failure::Retry(e.message)
        } else {
            Failure::Store(e)
        }
    };
    if !write {
        let mut wrapper = PostgresTx {
            client,
            statements,
            retry: false,
        };
        let result = f(&mut wrapper);
        let retry = wrapper.retry;
        return result.map_err(|e| failure(e, retry));
    }
    let mut tx = client.transaction().map_err(|e| {
        if postgres_retryable(&e) {
            Failure::Retry(e.to_string())
        } else {
            Failure::Store(postgres_error(&e))
        }
    })?;
    let mut wrapper = PostgresTx {
        client: &mut tx,
        statements,
        retry: false,
    };
    let result = f(&mut wrapper);
    let retry = wrapper.retry;
    match result {
        Ok(value) => {
            tx.commit().map_err(|e| {
                if postgres_retryable(&e) {
                    Failure::Retry(e.to_string())
                } else {
                    Failure::Store(postgres_error(&e))
                }
            })?;
            Ok(value)
        }
        Err(e) => {
            let _ = tx.rollback();
            Err(failure(e, retry))
        }
    }
}

/// Statements on a PostgreSQL connection, in a transaction or not.
struct PostgresTx<'a, C: postgres::GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<String, postgres::Statement>,
    retry: bool,
}

impl<C: postgres::GenericClient> PostgresTx<'_, C> {
    fn fail(&mut self, e: &postgres::Error) -> StoreError {
        if postgres_retryable(e) {
            self.retry = true;
        }
        postgres_error(e)
    }

    /// `sql` prepared on this connection, once.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        match self.client.prepare(sql) {
            Ok(statement) => {
                if self.statements.len() >= 256 {
                    self.statements.clear();
                }
                self.statements.insert(sql.to_string(), statement.clone());
                Ok(statement)
            }
            Err(e) => Err(self.fail(&e)),
        }
    }
}

fn postgres_params(params: &[Value]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                Value::Null => Box::new(Option::<String>::None),
                Value::Int(i) => Box::new(*i),
                Value::Text(s) => Box::new(s.clone()),
            }
        })
        .collect()
}

impl<C: postgres::GenericClient> Tx for PostgresTx<'_, C> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let boxed = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            boxed.iter().map(|b| b.as_ref()).collect();
        let statement = self.statement(sql)?;
        match self.client.execute(&statement, &refs) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.fail(&e)),
        }
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let boxed = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            boxed.iter().map(|b| b.as_ref()).collect();
        let statement = self.statement(sql)?;
        let rows = match self.client.query(&statement, &refs) {
            Ok(rows) => rows,
            Err(e) => return Err(self.fail(&e)),
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let value = match *column.type_() {
                    postgres::types::Type::INT8 => row
                        .try_get::<_, Option<i64>>(i)
                        .map(|v| v.map_or(Value::Null, Value::Int)),
                    postgres::types::Type::INT4 => row
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map_or(Value::Null, |n| Value::Int(i64::from(n)))),
                    postgres::types::Type::BOOL => row
                        .try_get::<_, Option<bool>>(i)
                        .map(|v| v.map_or(Value::Null, |b| Value::Int(i64::from(b)))),
                    postgres::types::Type::VOID => Ok(Value::Null),
                    _ => row
                        .try_get::<_, Option<String>>(i)
                        .map(|v| v.map_or(Value::Null, Value::Text)),
                };
                values.push(value.map_err(|e| self.fail(&e))?);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_generation_holds_until_a_write() -> Result<()> {
        let db = Database::open(":memory:")?;
        let before = db.generation()?;
        let pin = db.pin_generation()?;
        // The pinned value holds ...
        assert_eq!(db.generation()?, before);
        // ... and this thread's own write ends the pin.
        db.write(|tx| {
            tx.execute(
                "UPDATE warden_account SET value = value WHERE key = 'x'",
                &[],
            )
        })?;
        assert_eq!(db.generation()?, before + 1);
        drop(pin);
        let pin = db.pin_generation()?;
        drop(pin);
        db.write(|tx| {
            tx.execute(
                "UPDATE warden_account SET value = value WHERE key = 'x'",
                &[],
            )
        })?;
        assert_eq!(db.generation()?, before + 2);
        Ok(())
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://warden:secret@db:5432/iam"),
            "postgres://warden:***@db:5432/iam"
        );
        assert_eq!(
            redact("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
    }

    #[test]
    fn sqlite_writes_commit_and_failures_roll_back() -> Result<()> {
        let db = Database::open(":memory:")?;
        let before = db.generation()?;
        db.write(|tx| {
            tx.execute(
                "INSERT INTO warden_account (key, value) VALUES ($1, $2)",
                &["k".into(), "v".into()],
            )
        })?;
        assert_eq!(db.generation()?, before + 1);
        let failed: Result<()> = db.write(|tx| {
            tx.execute(
                "INSERT INTO warden_account (key, value) VALUES ($1, $2)",
                &["k2".into(), "v2".into()],
            )?;
            Err(StoreError::invalid_input("no"))
        });
        assert!(failed.is_err());
        let keys = db.read(|tx| tx.query("SELECT key FROM warden_account ORDER BY key", &[]))?;
        let keys: Vec<String> = keys.iter().map(|r| r.str(0)).collect();
        assert!(keys.contains(&"k".to_string()));
        assert!(!keys.contains(&"k2".to_string()));
        Ok(())
    }

    /// A connector that fails when told to, and counts what it opened.
    struct Flaky {
        fail: std::sync::atomic::AtomicBool,
        opened: std::sync::atomic::AtomicUsize,
    }

    impl Connector for Flaky {
        type Connection = usize;
        fn connect(&self) -> Result<usize> {
            use std::sync::atomic::Ordering;
            if self.fail.load(Ordering::SeqCst) {
                return Err(StoreError::service("cannot connect: refused"));
            }
            Ok(self.opened.fetch_add(1, Ordering::SeqCst))
        }
        fn broken(&self, conn: &mut usize) -> bool {
            // Connection 1 breaks while in use.
            *conn == 1
        }
    }

    #[test]
    fn the_pool_opens_on_demand_reports_failures_and_drops_broken_connections() -> Result<()> {
        use std::sync::atomic::Ordering;
        let connector = Flaky {
            fail: false.into(),
            opened: 0.into(),
        };
        let first = connector.connect()?;
        let pool = Pool::new(connector, 2, first);
        {
            let a = pool.get()?;
            assert_eq!(*a, 0, "the idle connection is reused");
            pool.connector.fail.store(true, Ordering::SeqCst);
            let refused = pool.get().err().map(|e| e.message);
            assert_eq!(refused.as_deref(), Some("cannot connect: refused"));
            pool.connector.fail.store(false, Ordering::SeqCst);
            // The failed attempt gave its slot back: a second connection opens.
            let b = pool.get()?;
            assert_eq!(*b, 1);
        }
        // Connection 1 was broken: dropped, and its slot reopened with a new one.
        let a = pool.get()?;
        let c = pool.get()?;
        assert_eq!((*a, *c), (0, 2));
        assert_eq!(pool.connector.opened.load(Ordering::SeqCst), 3);
        Ok(())
    }

    #[test]
    fn a_full_pool_makes_the_next_request_wait_for_a_connection() -> Result<()> {
        let connector = Flaky {
            fail: false.into(),
            opened: 0.into(),
        };
        let first = connector.connect()?;
        let pool = Pool::new(connector, 1, first);
        let held = pool.get()?;
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| pool.get().map(|c| *c));
            std::thread::sleep(Duration::from_millis(50));
            assert!(!waiter.is_finished(), "the pool is full: it waits");
            drop(held);
            assert_eq!(waiter.join().ok().and_then(Result::ok), Some(0));
        });
        Ok(())
    }

    #[test]
    fn sqlite_readers_and_a_writer_work_side_by_side_on_their_own_connections() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("warden-pool-{}", crate::ids::new_secret()));
        let path = dir.join("account.db");
        let db = Database::open(&path.to_string_lossy())?;
        let start = db.generation()?;
        std::thread::scope(|scope| -> Result<()> {
            let readers: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| -> Result<bool> {
                        // Each read is one snapshot: the generation never goes backwards.
                        let mut last = 0;
                        for _ in 0..200 {
                            let now = db.generation()?;
                            if now < last {
                                return Ok(false);
                            }
                            last = now;
                        }
                        Ok(true)
                    })
                })
                .collect();
            for _ in 0..50 {
                db.write(|tx| {
                    tx.execute(
                        "UPDATE warden_account SET value = value WHERE key = 'x'",
                        &[],
                    )
                })?;
            }
            for reader in readers {
                assert_eq!(reader.join().ok().and_then(Result::ok), Some(true));
            }
            Ok(())
        })?;
        assert_eq!(db.generation()?, start + 50);
        let Database::Sqlite(pool) = &db else {
            return Err(StoreError::service("not SQLite"));
        };
        let open = pool.state.lock().map(|s| s.open).unwrap_or(0);
        assert!(open > 1 && open <= POOL_SIZE, "{open} connections");
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }

    #[test]
    fn a_memory_database_is_one_connection_that_every_thread_shares() -> Result<()> {
        let db = Database::open(":memory:")?;
        db.write(|tx| {
            tx.execute(
                "INSERT INTO warden_account (key, value) VALUES ($1, $2)",
                &["k".into(), "v".into()],
            )
        })?;
        let seen = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    db.read(|tx| {
                        tx.count("SELECT COUNT(*) FROM warden_account WHERE key = 'k'", &[])
                    })
                })
                .join()
        });
        assert_eq!(seen.ok().and_then(Result::ok), Some(1));
        Ok(())
    }
}
