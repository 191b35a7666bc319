//! The HTTP endpoint: one route for every request, as AWS's query endpoints have. Each request
//! is read (bounded), authenticated (SigV4), authorized by Warden's engine against the caller's
//! policies, and dispatched to IAM or STS by the credential scope's service.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use warden_core::context::ContextValue;
use warden_core::{Decision, PolicySet, Principal, Reason, Request};
use warden_store::Store;

use crate::protocol::{AwsError, IAM_NS, Params, STS_NS, error_response, request_id, response};
use crate::sigv4::{self, SignedRequest};
use crate::{Caller, Target, iam, sts};

/// The largest request body accepted (IAM's largest parameters, policy documents, are at most
/// 131,072 characters; a request carries a few).
pub const MAX_BODY: usize = 1024 * 1024;

/// Temporary credentials handed out by STS, alive until they expire.
#[derive(Debug, Clone)]
pub struct Session {
    /// `ASIA...`.
    pub access_key_id: String,
    /// The secret.
    pub secret: String,
    /// The token that must accompany every request.
    pub token: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, or the user's ARN for GetSessionToken.
    pub arn: String,
    /// The role's ARN (assumed-role sessions) whose policies apply.
    pub role_arn: Option<String>,
    /// The user's name (GetSessionToken sessions).
    pub user_name: Option<String>,
    /// The session policy passed to AssumeRole.
    pub policy: Option<String>,
    /// When the credentials stop working.
    pub expiration: time::OffsetDateTime,
}

/// What every request handler shares.
pub struct AppState {
    /// The account store.
    pub store: Store,
    /// Live STS sessions by access key id.
    pub sessions: Mutex<HashMap<String, Session>>,
    /// Access keys already looked up, valid while the store's generation holds.
    keys: Generational<(warden_store::User, String, String)>,
}

impl AppState {
    /// State over `store`, with no sessions.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            sessions: Mutex::new(HashMap::new()),
            keys: Generational::default(),
        }
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

/// Serves on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = request_id();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            let error = AwsError::new(
                "RequestEntityTooLarge",
                format!("Request body must be at most {MAX_BODY} bytes"),
                413,
            );
            return xml(IAM_NS, &Err(error), "", &request_id);
        }
    };
    let id = request_id.clone();
    // The embedded store answers in microseconds: run inline on the worker. PostgreSQL's
    // client blocks on the network (and runs its own runtime), so it gets a blocking thread.
    let outcome = if state.store.db().dialect() == warden_store::Dialect::Sqlite {
        Ok(process(&state, &method, &uri, &headers, &body, &id))
    } else {
        tokio::task::spawn_blocking(move || process(&state, &method, &uri, &headers, &body, &id))
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

fn process(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    _request_id: &str,
) -> Outcome {
    let query = uri.query().unwrap_or("");
    let params = Params::parse(query, body);
    // One generation read serves every cache this request consults (a write ends the pin).
    let _pin = state.store.db().pin_generation();
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
    let (caller, service, session) = match authenticate(state, &signed) {
        Ok(found) => found,
        Err(e) => return (guessed_ns, action, Err(e)),
    };
    let namespace = if service == "sts" { STS_NS } else { IAM_NS };
    let result = dispatch(state, &service, &action, &params, &caller, session.as_ref());
    (namespace, action, result)
}

/// Checks the signature and finds who signed: a user's access key, or an STS session's.
fn authenticate(
    state: &AppState,
    signed: &SignedRequest<'_>,
) -> Result<(Caller, String, Option<Session>), AwsError> {
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
        let session = state
            .sessions
            .lock()
            .ok()
            .and_then(|sessions| sessions.get(&key_id).cloned())
            .ok_or_else(invalid)?;
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
    };
    Ok((caller, credential.service, None))
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
        _ => iam::handle(&state.store, action, params, caller),
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
    let set = caller_set(state, caller, session, None)?;
    let request = caller_request(caller, action, target);
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

/// The caller's policies: a user's (with its groups' and its boundary), or an assumed role's
/// cut by the session policy; with `resource` (a role's trust policy) beside them when given.
pub(crate) fn caller_set(
    state: &AppState,
    caller: &Caller,
    session: Option<&Session>,
    resource: Option<warden_core::CompiledPolicy>,
) -> Result<Arc<PolicySet>, AwsError> {
    let principal_arn = match session.and_then(|s| s.role_arn.as_deref()) {
        Some(role) => role.to_string(),
        None => caller.arn.clone(),
    };
    let policies = state.store.principal_policies(&principal_arn)?;
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
/// condition keys and the principal's own (`aws:PrincipalArn`, ...).
pub(crate) fn caller_request(caller: &Caller, action: &str, target: &Target) -> Request {
    let mut request = Request::new(Principal::parse(&caller.arn), action, &target.resource);
    for (key, values) in &target.context {
        request
            .context
            .insert(key.clone(), context_value(key, values));
    }
    request.with_principal_keys()
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
    format!(
        "User: {} is not authorized to perform: {action} on resource: {} {because}",
        caller.arn, target.resource
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
}
