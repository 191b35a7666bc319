//! Warden's account store: the state IAM keeps and ECS relies on (users, groups, roles,
//! instance profiles, customer managed policies and their versions, attachments, inline
//! policies, access keys, service-linked roles) and the STS sessions issued for it, in embedded
//! SQLite by default or in PostgreSQL for several Warden processes sharing one account.
//!
//! Every operation is one transaction, and fails with IAM's error code and message
//! ([`StoreError`]).

pub mod db;
pub mod error;
pub mod gaad;
mod identities;
pub mod ids;
mod lookup;
pub mod model;
mod policies;
pub mod principal;
mod sessions;
mod store;
pub mod tags;
pub mod watch;

pub use db::{Database, Dialect, GenerationPin, Row, Tx, Value};
pub use error::{ErrorCode, Result, StoreError};
pub use identities::{
    ACCESS_KEYS_PER_USER, DEFAULT_MAX_SESSION_DURATION, GROUPS_PER_USER, LinkedService,
    MAX_MAX_SESSION_DURATION,
};
pub use model::*;
pub use sessions::Session;
pub use store::{
    DATABASE_ENV, DEFAULT_ACCOUNT_ID, DEFAULT_ATTACHMENT_LIMIT, DEFAULT_POLICY_CACHE_CAPACITY,
    Store,
};
