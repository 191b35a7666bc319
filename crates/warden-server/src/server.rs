//! The HTTP endpoint: one route for every request, as AWS's query endpoints have. Each request
//! runs one way: read (bounded), decode, authenticate (SigV4), look the operation up in the
//! table, build its authorization requests, decide them with Warden's engine, run the handler,
//! encode the answer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::access_log::Entry;
use crate::authenticate::authenticate;
use crate::authorize::authorize;
use crate::listener::{self, Limits};
use crate::operation::{Authorization, Operation, Reply, Service};
use crate::protocol::{AwsError, IAM_NS, Params, STS_NS, error_response, request_id, response};
use crate::sigv4::{self, SignedRequest};
pub use crate::state::{AppState, Session};
use crate::{Call, Caller, Target, resolve};
use warden_store::Store;

/// The largest request body accepted (IAM's largest parameters, policy documents, are at most
/// 131,072 characters; a request carries a few).
pub const MAX_BODY: usize = 1024 * 1024;

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
        Err(e) => {
            let error = e.to_aws_error();
            log_error(&state, request_id.clone(), &error);
            return xml(IAM_NS, &Err(error), "", &request_id);
        }
    };
    if let Some(error) = crate::foreign::foreign_call(&headers, uri.query().unwrap_or("")) {
        log_error(&state, request_id.clone(), &error);
        return crate::foreign::answer(&headers, &error, &request_id);
    }
    // The embedded store answers in microseconds: run inline on the worker. PostgreSQL's
    // client blocks on the network (and runs its own runtime), so it gets a blocking thread.
    let peer = Peer { source_ip };
    let log_state = Arc::clone(&state);
    let outcome = if state.store.db().dialect() == warden_store::Dialect::Sqlite {
        let mut entry = Entry::default();
        let outcome = process(&state, &method, &uri, &headers, &body, &peer, &mut entry);
        Ok((outcome, entry))
    } else {
        tokio::task::spawn_blocking(move || {
            let mut entry = Entry::default();
            let outcome = process(&state, &method, &uri, &headers, &body, &peer, &mut entry);
            (outcome, entry)
        })
        .await
    };
    let (namespace, action, result, mut entry) = match outcome {
        Ok(((namespace, action, result), entry)) => (namespace, action, result, entry),
        Err(_) => (
            IAM_NS,
            String::new(),
            Err(AwsError::new(
                "ServiceFailure",
                "The request processing has failed because of an unknown error.",
                500,
            )),
            Entry::default(),
        ),
    };
    if log_state.log.enabled() {
        entry.request_id.clone_from(&request_id);
        match &result {
            Ok(_) => entry.status = 200,
            Err(e) => {
                entry.status = e.status;
                entry.error = Some(e.code.clone());
            }
        }
        log_state.log.record(&entry);
    }
    xml(namespace, &result, &action, &request_id)
}

/// Logs a request that failed before it was read as an operation.
fn log_error(state: &AppState, request_id: String, error: &AwsError) {
    state.log.record(&Entry {
        request_id,
        status: error.status,
        error: Some(error.code.clone()),
        ..Entry::default()
    });
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

type Outcome = (&'static str, String, Reply);

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
    entry: &mut Entry,
) -> Outcome {
    let query = uri.query().unwrap_or("");
    // A presigned request's parameters are its signed query string's alone: a body beside it
    // would be read unsigned, so it is refused, never read.
    let presigned = sigv4::is_presigned(query);
    let params = Params::parse(query, if presigned { b"" } else { body });
    let guessed_ns = match params.get("Version") {
        Some("2011-06-15") => STS_NS,
        _ => IAM_NS,
    };
    entry.operation = params.get("Action").map(str::to_string);
    let Some(action) = params.get("Action").map(str::to_string) else {
        return (
            guessed_ns,
            String::new(),
            Err(AwsError::new("MissingAction", "Missing Action", 400)),
        );
    };
    if presigned && !body.is_empty() {
        let error = AwsError::new(
            "InvalidParameterCombination",
            "A presigned request carries its parameters in its signed query string; a request \
             body cannot be sent with query-string authentication",
            400,
        );
        return (guessed_ns, action, Err(error));
    }
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
    let mut who = match authenticate(state, &signed) {
        Ok(who) => who,
        Err(e) => return (guessed_ns, action, Err(e)),
    };
    who.caller.source_ip.clone_from(&peer.source_ip);
    entry.caller = Some(who.caller.arn.clone());
    let namespace = match who.service {
        Service::Sts => STS_NS,
        Service::Iam => IAM_NS,
    };
    let result = run(
        state,
        who.service,
        &action,
        &params,
        &who.caller,
        who.session.as_deref(),
        &mut entry.verdicts,
    );
    (namespace, action, result)
}

/// Looks the operation up in the table, authorizes it as the table says, and runs it.
fn run(
    state: &AppState,
    service: Service,
    action: &str,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
    verdicts: &mut Vec<crate::access_log::Verdict>,
) -> Reply {
    let Some(operation) = Operation::find(service, action) else {
        let version = params.get("Version").unwrap_or(service.version());
        return Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
            400,
        ));
    };
    let spec = operation.spec();
    let needs = resolve::needs(&state.store, operation, params, caller)?;
    if spec.authorization == Authorization::Caller {
        authorize(&state.store, caller, session, &needs, verdicts)?;
    }
    let target = needs
        .into_iter()
        .next()
        .map(|need| need.target)
        .unwrap_or_default();
    dispatch(&state.store, operation, params, caller, session, &target)
}

/// Runs `operation`'s handler on a target already resolved (and authorized).
pub fn dispatch(
    store: &Store,
    operation: Operation,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
    target: &Target,
) -> Reply {
    let call = Call {
        store,
        operation,
        params,
        caller,
        session,
        target,
    };
    (operation.spec().handler)(&call)
}

/// Runs `operation` as the table says, but without deciding its authorization: for tools and
/// tests that decide it themselves, or not at all.
pub fn execute(
    store: &Store,
    operation: Operation,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
) -> Reply {
    let needs = resolve::needs(store, operation, params, caller)?;
    let target = needs
        .into_iter()
        .next()
        .map(|need| need.target)
        .unwrap_or_default();
    dispatch(store, operation, params, caller, session, &target)
}
