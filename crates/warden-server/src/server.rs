//! The HTTP endpoint: one route for every request, as AWS's query endpoints have. Each request
//! is read (bounded), authenticated (SigV4), authorized by Warden's engine against the caller's
//! policies, and dispatched to IAM or STS by the credential scope's service.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use warden_core::context::ContextValue;
use warden_core::{Decision, PolicySet, Principal, Reason, Request};
use warden_store::Store;
use warden_store::principal::PrincipalPolicies;

use crate::listener::{self, Limits};
use crate::protocol::{AwsError, IAM_NS, Params, STS_NS, error_response, request_id, response};
use crate::sigv4::{self, SignedRequest};
use crate::{Caller, Target, iam, sts};

/// The largest request body accepted (IAM's largest parameters, policy documents, are at most
/// 131,072 characters; a request carries a few).
pub const MAX_BODY: usize = 1024 * 1024;

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
    keys: Generational<(warden_store::User, String, String)>,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            sessions: Mutex::new(HashMap::new()),
            keys: Generational::default(),
        }
    }

    /// The session whose temporary access key id is `key_id`, from memory or the store.
    fn session(&self, key_id: &str) -> Result<Option<Arc<Session>>, AwsError> {
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
struct Generational<T> {
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
    fn get_or(
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

/// The router: every method and path goes to the one handler.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Serves on `listener` until the process ends, with the default connection limits.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    serve_with(listener, state, Limits::default()).await
}

/// Serves on `listener` until the process ends, holding connections to `limits`
/// (docs/server.md, "Connections").
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    limits: Limits,
) -> std::io::Result<()> {
    // The listener gives each request its peer's address (`aws:SourceIp`) and the limits.
    listener::serve(listener, router(state), limits).await
}

async fn handle(State(state): State<Arc<AppState>>, request: axum::extract::Request) -> Response {
    let request_id = request_id();
    let (parts, body) = request.into_parts();
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    // The listener's limits; a router served some other way gets the defaults.
    let limits = parts
        .extensions
        .get::<Limits>()
        .copied()
        .unwrap_or_default();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let body = match listener::read_body(body, MAX_BODY, limits.body_read_timeout).await {
        Ok(body) => body,
        Err(e) => return xml(IAM_NS, &Err(e.to_aws_error()), "", &request_id),
    };
    // The embedded store answers in microseconds: run inline on the worker. PostgreSQL's
    // client blocks on the network (and runs its own runtime), so it gets a blocking thread.
    let peer = Peer { source_ip };
    let outcome = if state.store.db().dialect() == warden_store::Dialect::Sqlite {
        Ok(process(&state, &method, &uri, &headers, &body, &peer))
    } else {
        tokio::task::spawn_blocking(move || process(&state, &method, &uri, &headers, &body, &peer))
            .await
    };
    match outcome {
        Ok((namespace, action, result)) => xml(namespace, &result, &action, &request_id),
        Err(_) => xml(
            IAM_NS,
            &Err(AwsError::new(
                "ServiceFailure",
                "The request processing has failed because of an unknown error.",
                500,
            )),
            "",
            &request_id,
        ),
    }
}

fn xml(
    namespace: &str,
    result: &Result<Option<String>, AwsError>,
    action: &str,
    request_id: &str,
) -> Response {
    let (status, body) = match result {
        Ok(inner) => (
            200,
            response(action, namespace, inner.as_deref(), request_id),
        ),
        Err(e) => (e.status, error_response(namespace, e, request_id)),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [
            (header::CONTENT_TYPE, "text/xml"),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                request_id,
            ),
        ],
        body,
    )
        .into_response()
}

type Outcome = (&'static str, String, Result<Option<String>, AwsError>);

/// Where a request came from.
struct Peer {
    /// The client's address (`aws:SourceIp`), when the connection is a TCP one.
    source_ip: Option<String>,
}

fn process(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    peer: &Peer,
) -> Outcome {
    let query = uri.query().unwrap_or("");
    let params = Params::parse(query, body);
    let guessed_ns = match params.get("Version") {
        Some("2011-06-15") => STS_NS,
        _ => IAM_NS,
    };
    let Some(action) = params.get("Action").map(str::to_string) else {
        return (
            guessed_ns,
            String::new(),
            Err(AwsError::new("MissingAction", "Missing Action", 400)),
        );
    };
    // One generation read serves every cache this request consults (a write ends the pin).
    let _pin = state.store.db().pin_generation();
    let header_pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let signed = SignedRequest {
        method: method.as_str(),
        path: uri.path(),
        query,
        headers: &header_pairs,
        body,
    };
    let (mut caller, service, session) = match authenticate(state, &signed) {
        Ok(found) => found,
        Err(e) => return (guessed_ns, action, Err(e)),
    };
    caller.source_ip.clone_from(&peer.source_ip);
    let namespace = if service == "sts" { STS_NS } else { IAM_NS };
    let result = dispatch(
        state,
        &service,
        &action,
        &params,
        &caller,
        session.as_deref(),
    );
    (namespace, action, result)
}

/// Checks the signature and finds who signed: a user's access key, or an STS session's.
fn authenticate(
    state: &AppState,
    signed: &SignedRequest<'_>,
) -> Result<(Caller, String, Option<Arc<Session>>), AwsError> {
    let parsed = sigv4::parse(signed).map_err(auth_error)?;
    let key_id = parsed.credential.access_key_id.clone();
    let invalid = || {
        AwsError::new(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403,
        )
    };
    let now = time::OffsetDateTime::now_utc();
    if key_id.starts_with("ASIA") {
        let session = state.session(&key_id)?.ok_or_else(invalid)?;
        let credential =
            sigv4::verify(signed, &parsed, &session.secret, now).map_err(auth_error)?;
        if credential.session_token.as_deref() != Some(session.token.as_str()) {
            return Err(invalid());
        }
        if session.expiration <= now {
            return Err(AwsError::new(
                "ExpiredToken",
                "The security token included in the request is expired",
                403,
            ));
        }
        let caller = Caller {
            arn: session.arn.clone(),
            user_name: session.user_name.clone(),
            account: state.store.account_id(),
            access_key_id: key_id,
            region: requested_region(&credential),
            source_ip: None,
        };
        return Ok((caller, credential.service, Some(session)));
    }
    let generation = state.store.generation()?;
    let found = state.keys.get_or(&key_id, generation, || {
        state
            .store
            .access_key_secret(&key_id)
            .map_err(AwsError::from)?
            .ok_or_else(invalid)
    })?;
    let (user, secret, status) = found.as_ref();
    if status != "Active" {
        return Err(invalid());
    }
    let credential = sigv4::verify(signed, &parsed, secret, now).map_err(auth_error)?;
    let caller = Caller {
        arn: user.arn.clone(),
        user_name: Some(user.user_name.clone()),
        account: state.store.account_id(),
        access_key_id: key_id,
        region: requested_region(&credential),
        source_ip: None,
    };
    Ok((caller, credential.service, None))
}

/// `aws:RequestedRegion`: IAM is a global service whose requests AWS counts as `us-east-1`;
/// STS's is the region it was called in (the signature's).
fn requested_region(credential: &sigv4::Credential) -> String {
    if credential.service == "iam" {
        "us-east-1".to_string()
    } else {
        credential.region.clone()
    }
}

fn auth_error(e: sigv4::AuthError) -> AwsError {
    AwsError::new(e.code(), e.message(), 403)
}

fn dispatch(
    state: &AppState,
    service: &str,
    action: &str,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Option<String>, AwsError> {
    let (known, prefix) = match service {
        "sts" => (sts::known(action), "sts"),
        _ => (iam::known(action), "iam"),
    };
    if !known {
        let version = params.get("Version").unwrap_or("");
        return Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
            400,
        ));
    }
    let target = match prefix {
        "sts" => sts::target(state, action, params, caller)?,
        _ => iam::target(&state.store, action, params, caller)?,
    };
    // GetCallerIdentity needs no permission (the engine allows it even under a Deny);
    // AssumeRole is decided with the role's trust policy, by STS itself.
    if prefix == "iam" || sts::authorized_generically(action) {
        authorize(
            state,
            caller,
            session,
            &format!("{prefix}:{action}"),
            &target,
        )?;
    }
    match prefix {
        "sts" => sts::handle(state, action, params, caller, session),
        _ => iam::handle_target(&state.store, action, params, caller, Some(&target)),
    }
}

/// Decides the call with Warden's engine against the caller's policies; AWS's AccessDenied
/// message when it is not allowed.
pub fn authorize(
    state: &AppState,
    caller: &Caller,
    session: Option<&Session>,
    action: &str,
    target: &Target,
) -> Result<(), AwsError> {
    let policies = caller_policies(state, caller, session)?;
    let set = caller_set(&policies, session, None)?;
    let request = caller_request(&policies, caller, session, action, target);
    let decision = set.authorize(&request);
    if decision.decision == warden_core::EvalDecision::Allowed {
        return Ok(());
    }
    Err(AwsError::access_denied(denied_message(
        caller, action, target, &decision,
    )))
}

/// A request's condition key value: multivalued when the catalog types the key as a list
/// (`aws:TagKeys`: `ArrayOfString`), else single-valued, so that plain operators such as
/// `StringEquals` on `sts:ExternalId` or `ArnEquals` on `iam:PolicyARN` match it.
pub fn context_value(key: &str, values: &[String]) -> ContextValue {
    let list = warden_catalog::actions()
        .condition_key(key)
        .is_some_and(|k| k.key_type.starts_with("ArrayOf"));
    match values {
        [one] if !list => ContextValue::string(one.clone()),
        _ => ContextValue::strings(values.iter().cloned()),
    }
}

/// The user or role whose policies the caller acts with: the user, or a session's role.
pub(crate) fn caller_policies(
    state: &AppState,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Arc<PrincipalPolicies>, AwsError> {
    let principal_arn = session
        .and_then(|s| s.role_arn.as_deref())
        .unwrap_or(&caller.arn);
    Ok(state.store.principal_policies(principal_arn)?)
}

/// The caller's policies: a user's (with its groups' and its boundary), or an assumed role's
/// cut by the session policy; with `resource` (a role's trust policy) beside them when given.
pub(crate) fn caller_set(
    policies: &PrincipalPolicies,
    session: Option<&Session>,
    resource: Option<warden_core::CompiledPolicy>,
) -> Result<Arc<PolicySet>, AwsError> {
    let session_policy = session.and_then(|s| s.policy.as_deref());
    if session_policy.is_none() && resource.is_none() {
        // Compiled and indexed once per principal, cached by the store until it changes.
        return Ok(Arc::clone(&policies.set));
    }
    let mut builder = policies.builder();
    if let Some(text) = session_policy {
        let policy = warden_core::Policy::parse(text)
            .map_err(|e| AwsError::new("MalformedPolicyDocument", e.to_string(), 400))?;
        builder = builder.session(warden_core::CompiledPolicy::new(
            Arc::new(policy),
            warden_core::PolicyType::Session,
            "SessionPolicy",
            "none",
        ));
    }
    if let Some(resource) = resource {
        builder = builder.resource(resource);
    }
    Ok(Arc::new(builder.build()))
}

/// The engine's request for `action` on the target, by the caller, with the target's
/// condition keys, the principal's own (`aws:PrincipalArn`, `aws:userid`,
/// `aws:PrincipalTag/KEY`, ...) and the request's (`aws:CurrentTime`, `aws:SourceIp`, ...), as
/// AWS puts them in every signed request's context
/// (`reference_policies_condition-keys.html`).
pub(crate) fn caller_request(
    policies: &PrincipalPolicies,
    caller: &Caller,
    session: Option<&Session>,
    action: &str,
    target: &Target,
) -> Request {
    let mut request = Request::new(Principal::parse(&caller.arn), action, &target.resource);
    for (key, values) in &target.context {
        request
            .context
            .insert(key.clone(), context_value(key, values));
    }
    for (key, value) in principal_keys(policies, caller, session) {
        request
            .context
            .insert_default(&key, ContextValue::string(value));
    }
    request.with_principal_keys()
}

/// The keys AWS derives from who signed the request and how.
/// - `aws:userid`: the user's id; for a role session, the role's id and the session name.
/// - `aws:PrincipalTag/KEY`: the user's or the role's tags; a role session's tags (its own and
///   those inherited in a role chain) override the role's with the same key, regardless of
///   case (`id_session-tags.html`).
/// - `aws:TokenIssueTime`, `aws:MultiFactorAuthPresent` (`false`: Warden takes no MFA) and
///   `aws:SourceIdentity`: temporary credentials only.
/// - `aws:CurrentTime`, `aws:EpochTime`, `aws:SecureTransport` (`false`: plain HTTP),
///   `aws:SourceIp` (the client's address), `aws:RequestedRegion` (the signature's region;
///   `us-east-1` for IAM, a global service) and `aws:ViaAWSService` (`false`).
fn principal_keys(
    policies: &PrincipalPolicies,
    caller: &Caller,
    session: Option<&Session>,
) -> Vec<(String, String)> {
    let now = time::OffsetDateTime::now_utc();
    let mut keys = Vec::with_capacity(12);
    let user_id = match (session, caller.arn.rsplit_once('/')) {
        (Some(s), Some((_, session_name))) if s.role_arn.is_some() => {
            format!("{}:{session_name}", policies.id)
        }
        _ => policies.id.clone(),
    };
    keys.push(("aws:userid".to_string(), user_id));
    let mut tags: Vec<(String, String)> = policies
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    if let Some(session) = session {
        for tag in &session.tags {
            tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&tag.key));
            tags.push((tag.key.clone(), tag.value.clone()));
        }
        keys.push((
            "aws:TokenIssueTime".to_string(),
            warden_store::ids::timestamp(session.issued),
        ));
        keys.push((
            "aws:MultiFactorAuthPresent".to_string(),
            "false".to_string(),
        ));
        if let Some(source) = &session.source_identity {
            keys.push(("aws:SourceIdentity".to_string(), source.clone()));
        }
    }
    for (key, value) in tags {
        keys.push((format!("aws:PrincipalTag/{key}"), value));
    }
    keys.push((
        "aws:CurrentTime".to_string(),
        warden_store::ids::timestamp(now),
    ));
    keys.push((
        "aws:EpochTime".to_string(),
        now.unix_timestamp().to_string(),
    ));
    keys.push(("aws:SecureTransport".to_string(), "false".to_string()));
    keys.push(("aws:ViaAWSService".to_string(), "false".to_string()));
    if let Some(ip) = &caller.source_ip {
        keys.push(("aws:SourceIp".to_string(), ip.clone()));
    }
    keys.push(("aws:RequestedRegion".to_string(), caller.region.clone()));
    keys
}

/// `User: ARN is not authorized to perform: ACTION on resource: ARN because ...`, as IAM
/// words it (`troubleshoot_access-denied.html`).
fn denied_message(caller: &Caller, action: &str, target: &Target, decision: &Decision) -> String {
    let because = match decision.reason {
        Reason::ExplicitDeny => {
            let kind = decision
                .matched
                .first()
                .map(|m| match m.policy_type {
                    warden_core::PolicyType::Boundary => "a permissions boundary",
                    warden_core::PolicyType::Session => "a session policy",
                    warden_core::PolicyType::Scp => "a service control policy",
                    warden_core::PolicyType::Rcp => "a resource control policy",
                    warden_core::PolicyType::Resource | warden_core::PolicyType::Trust => {
                        "a resource-based policy"
                    }
                    warden_core::PolicyType::Identity => "an identity-based policy",
                })
                .unwrap_or("an identity-based policy");
            format!("with an explicit deny in {kind}")
        }
        Reason::BoundaryDoesNotAllow => {
            format!("because no permissions boundary allows the {action} action")
        }
        Reason::SessionPolicyDoesNotAllow => {
            format!("because no session policy allows the {action} action")
        }
        _ => format!("because no identity-based policy allows the {action} action"),
    };
    let resource = target.shown.as_deref().unwrap_or(&target.resource);
    format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} {because}",
        caller.arn
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_keys_are_single_valued_unless_the_catalog_says_list() {
        let one = context_value("sts:ExternalId", &["s3cr3t".to_string()]);
        assert!(!one.is_multi());
        let policy = context_value("iam:PolicyARN", &["arn:aws:iam::aws:policy/X".to_string()]);
        assert!(!policy.is_multi());
        let keys = context_value("aws:TagKeys", &["team".to_string()]);
        assert!(keys.is_multi());
    }

    fn role_policies() -> PrincipalPolicies {
        PrincipalPolicies {
            arn: "arn:aws:iam::123456789012:role/abac".into(),
            kind: warden_store::EntityKind::Role,
            id: "AROAEXAMPLEROLEID0001".into(),
            tags: vec![
                warden_store::Tag {
                    key: "Team".into(),
                    value: "red".into(),
                },
                warden_store::Tag {
                    key: "cost".into(),
                    value: "42".into(),
                },
            ],
            identity: Vec::new(),
            boundary: None,
            set: Arc::new(PolicySet::builder().build()),
        }
    }

    fn key<'a>(keys: &'a [(String, String)], name: &str) -> Vec<&'a str> {
        keys.iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn a_role_session_carries_its_tags_over_the_roles_and_its_own_keys() {
        let issued = time::macros::datetime!(2026-11-29 12:00:00 UTC);
        let session = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret: "s".into(),
            token: "t".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/abac/dev-session".into(),
            role_arn: Some("arn:aws:iam::123456789012:role/abac".into()),
            user_name: None,
            policy: None,
            tags: vec![warden_store::Tag {
                key: "team".into(),
                value: "blue".into(),
            }],
            transitive_tag_keys: Vec::new(),
            source_identity: Some("alice".into()),
            issued,
            expiration: issued + time::Duration::hours(1),
        };
        let caller = Caller {
            arn: session.arn.clone(),
            user_name: None,
            account: "123456789012".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            region: "eu-west-1".into(),
            source_ip: Some("127.0.0.1".into()),
        };
        let keys = principal_keys(&role_policies(), &caller, Some(&session));
        assert_eq!(
            key(&keys, "aws:userid"),
            ["AROAEXAMPLEROLEID0001:dev-session"]
        );
        // The session's `team` replaces the role's `Team`; the role's other tags stay.
        assert_eq!(key(&keys, "aws:PrincipalTag/team"), ["blue"]);
        assert_eq!(key(&keys, "aws:PrincipalTag/cost"), ["42"]);
        assert_eq!(key(&keys, "aws:TokenIssueTime"), ["2026-11-29T12:00:00Z"]);
        assert_eq!(key(&keys, "aws:MultiFactorAuthPresent"), ["false"]);
        assert_eq!(key(&keys, "aws:SourceIdentity"), ["alice"]);
        assert_eq!(key(&keys, "aws:SourceIp"), ["127.0.0.1"]);
        assert_eq!(key(&keys, "aws:RequestedRegion"), ["eu-west-1"]);
        assert_eq!(key(&keys, "aws:SecureTransport"), ["false"]);
        assert_eq!(key(&keys, "aws:CurrentTime").len(), 1);
        assert_eq!(key(&keys, "aws:EpochTime").len(), 1);
    }

    #[test]
    fn long_term_keys_have_no_token_keys() {
        let caller = Caller {
            arn: "arn:aws:iam::123456789012:user/dev".into(),
            user_name: Some("dev".into()),
            account: "123456789012".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            region: "us-east-1".into(),
            source_ip: None,
        };
        let mut user = role_policies();
        user.id = "AIDAEXAMPLEUSERID0001".into();
        let keys = principal_keys(&user, &caller, None);
        assert_eq!(key(&keys, "aws:userid"), ["AIDAEXAMPLEUSERID0001"]);
        assert_eq!(key(&keys, "aws:PrincipalTag/team"), ["red"]);
        for absent in [
            "aws:TokenIssueTime",
            "aws:MultiFactorAuthPresent",
            "aws:SourceIdentity",
            "aws:SourceIp",
        ] {
            assert!(key(&keys, absent).is_empty(), "{absent}");
        }
    }
}
