//! What every request shares: the store, and the caches in front of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use warden_store::Store;

use crate::access_log::AccessLog;
use crate::protocol::AwsError;

/// Temporary credentials handed out by STS: kept in the store, so that every process sharing
/// it accepts them.
pub use warden_store::Session;

/// What every request handler shares.
pub struct AppState {
    /// The account store.
    pub store: Store,
    /// STS sessions already read from the store, by access key id (a session never changes
    /// once issued).
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// Access keys already looked up, valid while the store's generation holds.
    pub(crate) keys: Generational<(warden_store::User, String, String)>,
    /// The decision log: one line per request (off unless [`AppState::with_log`] sets one).
    pub log: AccessLog,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            sessions: Mutex::new(HashMap::new()),
            keys: Generational::default(),
            log: AccessLog::off(),
        }
    }

    /// The same state, logging each request to `log`.
    pub fn with_log(mut self, log: AccessLog) -> AppState {
        self.log = log;
        self
    }

    /// The session whose temporary access key id is `key_id`, from memory or the store.
    pub(crate) fn session(&self, key_id: &str) -> Result<Option<Arc<Session>>, AwsError> {
        if let Ok(sessions) = self.sessions.lock()
            && let Some(session) = sessions.get(key_id)
        {
            return Ok(Some(Arc::clone(session)));
        }
        let Some(session) = self.store.session(key_id)? else {
            return Ok(None);
        };
        let session = Arc::new(session);
        if let Ok(mut sessions) = self.sessions.lock() {
            if sessions.len() >= 4096 {
                let now = time::OffsetDateTime::now_utc();
                sessions.retain(|_, s| s.expiration > now);
                if sessions.len() >= 4096 {
                    sessions.clear();
                }
            }
            sessions.insert(key_id.to_string(), Arc::clone(&session));
        }
        Ok(Some(session))
    }
}

/// A cache whose entries hold while the store's generation has not moved (any write, by any
/// process, moves it).
pub(crate) struct Generational<T> {
    entries: Mutex<HashMap<String, (i64, Arc<T>)>>,
}

impl<T> Default for Generational<T> {
    fn default() -> Self {
        Generational {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Generational<T> {
    /// The entry for `key` at `generation`, loaded (and kept) when missing or stale.
    pub(crate) fn get_or(
        &self,
        key: &str,
        generation: i64,
        load: impl FnOnce() -> Result<T, AwsError>,
    ) -> Result<Arc<T>, AwsError> {
        if let Ok(entries) = self.entries.lock()
            && let Some((at, value)) = entries.get(key)
            && *at == generation
        {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(load()?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (at, _)| *at == generation);
            if entries.len() >= 4096 {
                entries.clear();
            }
            entries.insert(key.to_string(), (generation, Arc::clone(&value)));
        }
        Ok(value)
    }
}
