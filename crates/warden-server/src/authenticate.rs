//! Authentication: who signed a request. A user's long-term access key, or an STS session's
//! temporary one, each checked with SigV4; a session is bound to the unique id of the role or
//! user it acts as, and GetSessionToken's sessions, which carry no MFA, cannot call IAM.

use std::sync::Arc;

use warden_store::ErrorCode;

use crate::Caller;
use crate::operation::Service;
use crate::protocol::AwsError;
use crate::sigv4::{self, SignedRequest};
use crate::state::{AppState, Session};

/// A request whose signature checked out.
#[derive(Debug)]
pub struct Authenticated {
    /// Who signed it.
    pub caller: Caller,
    /// The API its credential scope names.
    pub service: Service,
    /// The STS session, for temporary credentials.
    pub session: Option<Arc<Session>>,
}

/// `InvalidClientTokenId`: the key, or its token, is not one Warden issued and still honours.
fn invalid() -> AwsError {
    AwsError::new(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
}

/// Checks the signature and finds who signed: a user's access key, or an STS session's.
pub fn authenticate(
    state: &AppState,
    signed: &SignedRequest<'_>,
) -> Result<Authenticated, AwsError> {
    let parsed = sigv4::parse(signed).map_err(auth_error)?;
    let key_id = parsed.credential.access_key_id.clone();
    let now = time::OffsetDateTime::now_utc();
    if key_id.starts_with("ASIA") {
        return session_key(state, signed, &parsed, now);
    }
    // A session token belongs with the temporary key it was issued with; beside a long-term
    // key AWS refuses it rather than ignoring it.
    if parsed.credential.session_token.is_some() {
        return Err(invalid());
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
    let service = scope_service(&credential)?;
    let caller = Caller {
        arn: user.arn.clone(),
        user_name: Some(user.user_name.clone()),
        account: state.store.account_id(),
        access_key_id: key_id,
        region: requested_region(&credential),
        source_ip: None,
    };
    Ok(Authenticated {
        caller,
        service,
        session: None,
    })
}

/// A temporary key: its session, the token that must come with it, its expiry, and the
/// principal it is bound to.
fn session_key(
    state: &AppState,
    signed: &SignedRequest<'_>,
    parsed: &sigv4::ParsedAuth,
    now: time::OffsetDateTime,
) -> Result<Authenticated, AwsError> {
    let key_id = &parsed.credential.access_key_id;
    let session = state.session(key_id)?.ok_or_else(invalid)?;
    let credential = sigv4::verify(signed, parsed, &session.secret, now).map_err(auth_error)?;
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
    bound_principal(state, &session)?;
    let service = scope_service(&credential)?;
    // "You cannot call any IAM API operations unless MFA authentication information is
    // included in the request" (`API_GetSessionToken.html`); Warden takes no MFA, and IAM
    // answers such calls with InvalidClientTokenId.
    if session.role_arn.is_none() && service == Service::Iam {
        return Err(invalid());
    }
    let caller = Caller {
        arn: session.arn.clone(),
        user_name: session.user_name.clone(),
        account: state.store.account_id(),
        access_key_id: key_id.clone(),
        region: requested_region(&credential),
        source_ip: None,
    };
    Ok(Authenticated {
        caller,
        service,
        session: Some(session),
    })
}

/// A session acts as the role or user it was issued for, by unique id (`AROA...`, `AIDA...`):
/// once that entity is deleted the session stops, even if one of the same name is created
/// again (a recreated role has a new principal id: `reference_policies_elements_principal.html`).
fn bound_principal(state: &AppState, session: &Session) -> Result<(), AwsError> {
    let principal = session.role_arn.as_deref().unwrap_or(&session.arn);
    let current = match state.store.principal_policies(principal) {
        Ok(policies) => policies,
        Err(e) if e.code == ErrorCode::ServiceFailure => return Err(e.into()),
        Err(_) => return Err(invalid()),
    };
    match &session.principal_id {
        Some(id) if *id == current.id => Ok(()),
        _ => Err(invalid()),
    }
}

/// The API of the credential scope (the verifier allows `iam` and `sts` only).
fn scope_service(credential: &sigv4::Credential) -> Result<Service, AwsError> {
    Service::from_scope(&credential.service).ok_or_else(|| {
        AwsError::new(
            "InvalidAction",
            format!(
                "Warden serves IAM and STS; this request is signed for service {}",
                credential.service
            ),
            400,
        )
    })
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

/// A SigV4 failure as the query protocol reports it.
pub fn auth_error(e: sigv4::AuthError) -> AwsError {
    AwsError::new(e.code(), e.message(), 403)
}
