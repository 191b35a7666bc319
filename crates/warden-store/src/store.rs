//! The store: an open database and the account it holds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use crate::db::{Database, Value};
use crate::error::{Result, StoreError};

/// The account id a new store gets unless told otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// The environment variable that names the database (`--database` wins over it).
pub const DATABASE_ENV: &str = "WARDEN_DATABASE_URL";

/// Managed policies a user, group or role may have attached by default (IAM's quota; it can be
/// raised to 20).
pub const DEFAULT_ATTACHMENT_LIMIT: i64 = 10;

/// How many principals' compiled policies the cache keeps unless told otherwise
/// ([`Store::set_policy_cache_capacity`]).
pub const DEFAULT_POLICY_CACHE_CAPACITY: usize = 4096;

/// The account store.
pub struct Store {
    db: Database,
    /// The account id ARNs are built with; an import may set it (hence the lock).
    account_id: RwLock<String>,
    attachment_limit: i64,
    /// Compiled policies per principal ARN, with the generation they were read at: valid while
    /// the store's generation has not moved (any write, by any process, moves it).
    cache: Mutex<HashMap<String, (i64, Arc<crate::principal::PrincipalPolicies>)>>,
    /// The most principals the cache holds (0: no cache).
    cache_capacity: usize,
}

impl Store {
    /// Opens (creating and migrating if needed) the store at `url`: `postgres://...`, or a
    /// SQLite path (`sqlite://PATH`, `:memory:`).
    pub fn open(url: &str) -> Result<Store> {
        let db = Database::open(url)?;
        let (account_id, attachment_limit) = db.write(|tx| {
            tx.execute(
                "INSERT INTO warden_account (key, value) VALUES ('account_id', $1) ON CONFLICT (key) DO NOTHING",
                &[DEFAULT_ACCOUNT_ID.into()],
            )?;
            tx.execute(
                "INSERT INTO warden_account (key, value) VALUES ('attachment_limit', $1) ON CONFLICT (key) DO NOTHING",
                &[DEFAULT_ATTACHMENT_LIMIT.to_string().into()],
            )?;
            let account = setting(tx, "account_id")?;
            let limit = setting(tx, "attachment_limit")?
                .parse::<i64>()
                .unwrap_or(DEFAULT_ATTACHMENT_LIMIT);
            Ok((account, limit))
        })?;
        Ok(Store {
            db,
            account_id: RwLock::new(account_id),
            attachment_limit,
            cache: Mutex::new(HashMap::new()),
            cache_capacity: DEFAULT_POLICY_CACHE_CAPACITY,
        })
    }

    /// Opens the store `WARDEN_DATABASE_URL` names, or the default embedded one
    /// ([`Store::default_location`]).
    pub fn open_default() -> Result<Store> {
        match std::env::var(DATABASE_ENV) {
            Ok(url) if !url.is_empty() => Store::open(&url),
            _ => Store::open(&Store::default_location().to_string_lossy()),
        }
    }

    /// The default embedded store: `$XDG_DATA_HOME/warden/account.db`, else
    /// `~/.local/share/warden/account.db`, else `./warden-account.db`.
    pub fn default_location() -> PathBuf {
        if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(data).join("warden").join("account.db");
        }
        if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(home)
                .join(".local")
                .join("share")
                .join("warden")
                .join("account.db");
        }
        PathBuf::from("warden-account.db")
    }

    /// The account's id.
    pub fn account_id(&self) -> String {
        self.account_id
            .read()
            .map(|id| id.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Re-reads the account id from the database (after an import set it).
    pub(crate) fn refresh_account_id(&self) -> Result<()> {
        let id = self.db.read(|tx| setting(tx, "account_id"))?;
        match self.account_id.write() {
            Ok(mut current) => *current = id,
            Err(poisoned) => *poisoned.into_inner() = id,
        }
        Ok(())
    }

    /// How many managed policies one user, group or role may have attached.
    pub fn attachment_limit(&self) -> i64 {
        self.attachment_limit
    }

    /// Sets the account id (only while the account holds no entities: ARNs embed it).
    pub fn set_account_id(&mut self, account_id: &str) -> Result<()> {
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::invalid_input(format!(
                "{account_id} is not an account id: 12 digits"
            )));
        }
        self.db.write(|tx| {
            let entities = tx.count(
                "SELECT (SELECT COUNT(*) FROM iam_users) + (SELECT COUNT(*) FROM iam_roles) + (SELECT COUNT(*) FROM iam_groups) + (SELECT COUNT(*) FROM iam_policies) + (SELECT COUNT(*) FROM iam_instance_profiles)",
                &[],
            )?;
            if entities > 0 && setting(tx, "account_id")? != account_id {
                return Err(StoreError::invalid_input(
                    "the account id cannot change while the account holds entities (their ARNs carry it)",
                ));
            }
            tx.execute(
                "UPDATE warden_account SET value = $1 WHERE key = 'account_id'",
                &[account_id.into()],
            )
        })?;
        self.refresh_account_id()
    }

    /// Sets the managed-policy attachment quota per user, group or role (10 to 20, as IAM
    /// allows it to be raised).
    pub fn set_attachment_limit(&mut self, limit: i64) -> Result<()> {
        if !(DEFAULT_ATTACHMENT_LIMIT..=20).contains(&limit) {
            return Err(StoreError::invalid_input(format!(
                "the attachment limit must be between 10 and 20, not {limit}"
            )));
        }
        self.db.write(|tx| {
            tx.execute(
                "UPDATE warden_account SET value = $1 WHERE key = 'attachment_limit'",
                &[Value::Text(limit.to_string())],
            )
        })?;
        self.attachment_limit = limit;
        Ok(())
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// Changes whenever anything in the store changes, by any process.
    pub fn generation(&self) -> Result<i64> {
        self.db.generation()
    }

    /// Listens for other processes' writes on PostgreSQL instead of reading the generation on
    /// every request, with `window` as the bound on staleness ([`crate::watch`]). Returns
    /// whether a listener started (never on SQLite, which needs none).
    pub fn watch_changes(&self, window: std::time::Duration) -> Result<bool> {
        self.db.watch_changes(window)
    }

    /// How many principals' compiled policies the cache may hold (0 turns it off). Past it,
    /// about an eighth of the entries, chosen arbitrarily, make room for the new one.
    pub fn set_policy_cache_capacity(&mut self, capacity: usize) {
        self.cache_capacity = capacity;
        if let Ok(mut cache) = self.cache.lock() {
            evict(&mut cache, capacity);
        }
    }

    /// How many principals' compiled policies the cache may hold.
    pub fn policy_cache_capacity(&self) -> usize {
        self.cache_capacity
    }

    /// How many principals' compiled policies the cache holds now.
    pub fn policy_cache_len(&self) -> usize {
        self.cache.lock().map_or(0, |cache| cache.len())
    }
}

/// Shrinks `cache` below `capacity` (to seven eighths of it) when it has reached it.
fn evict<V>(cache: &mut HashMap<String, V>, capacity: usize) {
    if cache.len() < capacity.max(1) {
        return;
    }
    // What stays, the new entry included: seven eighths of the capacity (at least one).
    let keep = (capacity - capacity / 8).max(1);
    let excess = (cache.len() + 1).saturating_sub(keep);
    // A HashMap's iteration order is its own (randomly seeded): an arbitrary choice.
    let doomed: Vec<String> = cache.keys().take(excess).cloned().collect();
    for key in doomed {
        cache.remove(&key);
    }
}

impl Store {
    pub(crate) fn cache_get(
        &self,
        arn: &str,
        generation: i64,
    ) -> Option<Arc<crate::principal::PrincipalPolicies>> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(arn)
            .filter(|(at, _)| *at == generation)
            .map(|(_, policies)| Arc::clone(policies))
    }

    pub(crate) fn cache_put(
        &self,
        arn: &str,
        generation: i64,
        policies: Arc<crate::principal::PrincipalPolicies>,
    ) {
        if self.cache_capacity == 0 {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            // Entries of older generations are useless: drop them before growing.
            if cache.values().any(|(at, _)| *at != generation) {
                cache.retain(|_, (at, _)| *at == generation);
            }
            evict(&mut cache, self.cache_capacity);
            cache.insert(arn.to_string(), (generation, policies));
        }
    }
}

/// An account setting (`account_id`, `attachment_limit`), empty when unset.
pub(crate) fn setting(tx: &mut dyn crate::db::Tx, key: &str) -> Result<String> {
    Ok(tx
        .query_one(
            "SELECT value FROM warden_account WHERE key = $1",
            &[key.into()],
        )?
        .map(|row| row.str(0))
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_keeps_the_cache_within_its_capacity() {
        let mut cache: HashMap<String, u8> = HashMap::new();
        for i in 0..100 {
            evict(&mut cache, 16);
            cache.insert(format!("k{i}"), 0);
            assert!(cache.len() <= 16, "{}", cache.len());
        }
        // A full cache gives up an eighth, not everything.
        assert!(cache.len() >= 14, "{}", cache.len());
        evict(&mut cache, 0);
        assert!(cache.is_empty());
    }
}
