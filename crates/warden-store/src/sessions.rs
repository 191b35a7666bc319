//! STS temporary credentials (AssumeRole and GetSessionToken sessions), kept in the store so that
//! every process sharing it (one PostgreSQL database, or a restarted server on the same SQLite
//! file) accepts the sessions any of them issued.
//!
//! Sessions are written with [`crate::Database::write_unversioned`]: no cache depends on them,
//! so issuing one does not move the store's generation (which would throw away every cached
//! compiled policy).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::{Row, Value};
use crate::error::{Result, StoreError};
use crate::model::Tag;
use crate::store::Store;

/// How long after it expired a session is kept (so that a request signed with it is still told
/// `ExpiredToken` rather than that the key is unknown) before a later [`Store::create_session`]
/// purges it, in seconds.
const KEEP_EXPIRED: i64 = 3600;

const COLUMNS: &str = "access_key_id, secret, token, arn, role_arn, user_name, policy, tags, \
                       transitive_tag_keys, source_identity, issued, expires, principal_id";

/// Temporary credentials issued by STS, and what requests signed with them act as.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// `ASIA...`: the temporary access key id.
    pub access_key_id: String,
    /// The secret access key (kept: the server verifies signatures with it).
    pub secret: String,
    /// The session token that must accompany every request.
    pub token: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, or the user's ARN for GetSessionToken.
    pub arn: String,
    /// The assumed role's ARN, whose policies apply (`None` for GetSessionToken).
    pub role_arn: Option<String>,
    /// The user's name (GetSessionToken sessions only).
    pub user_name: Option<String>,
    /// The unique id of the role (`AROA...`) or user (`AIDA...`) the session acts as. A
    /// session is bound to it, not to the name: once that role or user is deleted, the session
    /// stops working, even if an entity of the same name is created again
    /// (`reference_policies_elements_principal.html`: a recreated role has a new principal id).
    /// `None` only for sessions stored before Warden recorded it; those are refused.
    pub principal_id: Option<String>,
    /// The session policy passed to AssumeRole.
    pub policy: Option<String>,
    /// The session tags, in the order given.
    pub tags: Vec<Tag>,
    /// The keys of the session tags that pass on to a role chained from this session.
    pub transitive_tag_keys: Vec<String>,
    /// The source identity set by AssumeRole.
    pub source_identity: Option<String>,
    /// When the credentials were issued (stored to the second).
    pub issued: OffsetDateTime,
    /// When the credentials stop working (stored to the second).
    pub expiration: OffsetDateTime,
}

/// A tag as the `tags` column holds it: `{"Key": ..., "Value": ...}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoredTag {
    key: String,
    value: String,
}

impl Store {
    /// Stores a session STS issued. In the same transaction, purges the sessions that expired
    /// more than an hour ago. Does not move the store's generation. A session whose access key id
    /// is already stored is refused (`EntityAlreadyExists`) and the stored one left as it was.
    pub fn create_session(&self, session: &Session) -> Result<()> {
        let tags: Vec<StoredTag> = session
            .tags
            .iter()
            .map(|tag| StoredTag {
                key: tag.key.clone(),
                value: tag.value.clone(),
            })
            .collect();
        let tags = serde_json::to_string(&tags)
            .map_err(|e| StoreError::service(format!("cannot encode session tags: {e}")))?;
        let transitive = serde_json::to_string(&session.transitive_tag_keys)
            .map_err(|e| StoreError::service(format!("cannot encode transitive tag keys: {e}")))?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let params = [
            Value::from(&session.access_key_id),
            Value::from(&session.secret),
            Value::from(&session.token),
            Value::from(&session.arn),
            Value::from(session.role_arn.as_ref()),
            Value::from(session.user_name.as_ref()),
            Value::from(session.policy.as_ref()),
            Value::Text(tags),
            Value::Text(transitive),
            Value::from(session.source_identity.as_ref()),
            Value::Int(session.issued.unix_timestamp()),
            Value::Int(session.expiration.unix_timestamp()),
            Value::from(session.principal_id.as_ref()),
        ];
        self.db().write_unversioned(|tx| {
            tx.execute(
                "DELETE FROM sts_sessions WHERE expires < $1",
                &[Value::Int(now - KEEP_EXPIRED)],
            )?;
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO sts_sessions ({COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (access_key_id) DO NOTHING"
                ),
                &params,
            )?;
            if inserted == 0 {
                return Err(StoreError::already_exists(format!(
                    "A session with access key id {} already exists.",
                    session.access_key_id
                )));
            }
            Ok(())
        })
    }

    /// The session with this access key id, expired or not (the caller tells `ExpiredToken`
    /// from a valid session by [`Session::expiration`]), or `None` if none is stored (never
    /// issued, or purged).
    pub fn session(&self, access_key_id: &str) -> Result<Option<Session>> {
        self.db().read(|tx| {
            tx.query_one(
                &format!("SELECT {COLUMNS} FROM sts_sessions WHERE access_key_id = $1"),
                &[access_key_id.into()],
            )?
            .map(|row| session_from_row(&row))
            .transpose()
        })
    }
}

fn session_from_row(row: &Row) -> Result<Session> {
    let access_key_id = row.str(0);
    let corrupt = |what: &str, e: &dyn std::fmt::Display| -> StoreError {
        StoreError::service(format!("session {access_key_id}: malformed {what}: {e}"))
    };
    let tags: Vec<StoredTag> =
        serde_json::from_str(&row.str(7)).map_err(|e| corrupt("tags", &e))?;
    let transitive_tag_keys: Vec<String> =
        serde_json::from_str(&row.str(8)).map_err(|e| corrupt("transitive_tag_keys", &e))?;
    let issued =
        OffsetDateTime::from_unix_timestamp(row.int(10)).map_err(|e| corrupt("issued", &e))?;
    let expiration =
        OffsetDateTime::from_unix_timestamp(row.int(11)).map_err(|e| corrupt("expires", &e))?;
    Ok(Session {
        secret: row.str(1),
        token: row.str(2),
        arn: row.str(3),
        role_arn: row.opt(4),
        user_name: row.opt(5),
        principal_id: row.opt(12),
        policy: row.opt(6),
        tags: tags
            .into_iter()
            .map(|tag| Tag {
                key: tag.key,
                value: tag.value,
            })
            .collect(),
        transitive_tag_keys,
        source_identity: row.opt(9),
        issued,
        expiration,
        access_key_id,
    })
}
