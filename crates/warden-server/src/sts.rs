//! STS: GetCallerIdentity, AssumeRole (trust policy, ExternalId, session policy and tags,
//! DurationSeconds, role chaining) and GetSessionToken. Temporary credentials live in the
//! server's memory until they expire.

use std::sync::Arc;

use warden_core::policy::validate::{SizeLimit, validate_with_limit};
use warden_core::{CompiledPolicy, EvalDecision, PolicyType};
use warden_store::ids::{IdKind, new_id, new_secret};

use crate::protocol::{AwsError, Params, Xml};
use crate::server::{AppState, Session, caller_request, caller_set};
use crate::{Caller, Target};

const OPERATIONS: [&str; 3] = ["GetCallerIdentity", "AssumeRole", "GetSessionToken"];

/// Whether `action` is an STS operation this endpoint serves.
pub fn known(action: &str) -> bool {
    OPERATIONS.contains(&action)
}

/// What an STS call acts on.
pub fn target(
    _state: &AppState,
    action: &str,
    params: &Params,
    _caller: &Caller,
) -> Result<Target, AwsError> {
    Ok(match action {
        "AssumeRole" => Target {
            resource: params.required("RoleArn")?.to_string(),
            context: Vec::new(),
        },
        _ => Target {
            resource: "*".to_string(),
            context: Vec::new(),
        },
    })
}

/// Whether the generic authorization applies. AssumeRole is decided with the role's trust
/// policy, in [`handle`]; GetCallerIdentity and GetSessionToken need no permission
/// (`API_GetSessionToken.html`: "No permissions are required for users to perform this
/// operation").
pub fn authorized_generically(action: &str) -> bool {
    !matches!(
        action,
        "AssumeRole" | "GetSessionToken" | "GetCallerIdentity"
    )
}

/// Runs an STS operation.
pub fn handle(
    state: &AppState,
    action: &str,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Option<String>, AwsError> {
    match action {
        "GetCallerIdentity" => caller_identity(state, caller),
        "AssumeRole" => assume_role(state, params, caller, session),
        "GetSessionToken" => session_token(state, params, caller, session),
        _ => Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
            400,
        )),
    }
}

fn caller_identity(state: &AppState, caller: &Caller) -> Result<Option<String>, AwsError> {
    let user_id = match (&caller.user_name, caller.arn.split_once(":assumed-role/")) {
        (_, Some((_, rest))) => {
            let mut parts = rest.splitn(2, '/');
            let role = parts.next().unwrap_or_default();
            let session_name = parts.next().unwrap_or_default();
            let role = state.store.get_role(role)?;
            format!("{}:{session_name}", role.role_id)
        }
        (Some(name), None) => state.store.get_user(name)?.user_id,
        (None, None) => caller.access_key_id.clone(),
    };
    let mut x = Xml::new();
    x.text("UserId", &user_id)
        .text("Account", &caller.account)
        .text("Arn", &caller.arn);
    Ok(Some(x.into_string()))
}

fn duration(params: &Params, default: i64, max: i64, what: &str) -> Result<i64, AwsError> {
    let seconds = params.int("DurationSeconds")?.unwrap_or(default);
    if seconds < 900 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value greater than or equal to 900"
        )));
    }
    if seconds > max {
        return Err(AwsError::validation(what.to_string()));
    }
    Ok(seconds)
}

fn assume_role(
    state: &AppState,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Option<String>, AwsError> {
    let role_arn = params.required("RoleArn")?;
    let session_name = params.required("RoleSessionName")?;
    let valid_name = (2..=64).contains(&session_name.len())
        && session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !valid_name {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    let role_name = role_arn.rsplit('/').next().unwrap_or_default();
    let role = state.store.get_role(role_name).map_err(|_| {
        AwsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn
        ))
    })?;
    if role.arn != role_arn {
        return Err(AwsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn
        )));
    }
    let chained = session.is_some_and(|s| s.role_arn.is_some());
    let max = if chained {
        3600
    } else {
        role.max_session_duration
    };
    let message = if chained {
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    } else {
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    };
    let seconds = duration(params, 3600, max, message)?;
    let policy = params.get("Policy").map(str::to_string);
    if let Some(text) = &policy {
        let report = validate_with_limit(text, PolicyType::Session, SizeLimit::SessionPolicy);
        if let Some(error) = report.errors.first() {
            return Err(AwsError::new(
                "MalformedPolicyDocument",
                error.message.clone(),
                400,
            ));
        }
    }
    let mut context: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(external) = params.get("ExternalId") {
        context.push(("sts:ExternalId".into(), vec![external.to_string()]));
    }
    context.push(("sts:RoleSessionName".into(), vec![session_name.to_string()]));
    crate::push_request_tags(&mut context, params, Vec::new());
    let target = Target {
        resource: role.arn.clone(),
        context,
    };
    // The identity side, then the trust policy: both as one decision by the engine.
    assume_decision(
        state,
        caller,
        session,
        &role.assume_role_policy_document,
        &target,
    )?;

    let now = time::OffsetDateTime::now_utc();
    let expiration = now + time::Duration::seconds(seconds);
    let access_key_id = new_id(IdKind::TemporaryAccessKey);
    let secret = new_secret();
    let token = format!("Warden{}", new_secret().replace(['+', '/'], "0"));
    let assumed_arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{session_name}",
        caller.account, role.role_name
    );
    let new_session = Session {
        access_key_id: access_key_id.clone(),
        secret: secret.clone(),
        token: token.clone(),
        arn: assumed_arn.clone(),
        role_arn: Some(role.arn.clone()),
        user_name: None,
        policy,
        expiration,
    };
    if let Ok(mut sessions) = state.sessions.lock() {
        sessions.retain(|_, s| s.expiration > now);
        sessions.insert(access_key_id.clone(), new_session);
    }
    let mut x = Xml::new();
    x.node("Credentials", |x| {
        x.text("AccessKeyId", &access_key_id)
            .text("SecretAccessKey", &secret)
            .text("SessionToken", &token)
            .text("Expiration", &warden_store::ids::timestamp(expiration));
    })
    .node("AssumedRoleUser", |x| {
        x.text("AssumedRoleId", &format!("{}:{session_name}", role.role_id))
            .text("Arn", &assumed_arn);
    })
    .int("PackedPolicySize", 0);
    Ok(Some(x.into_string()))
}

/// AssumeRole's decision: the caller's identity policies (and boundary, session policy) with
/// the role's trust policy as the resource-based policy.
fn assume_decision(
    state: &AppState,
    caller: &Caller,
    session: Option<&Session>,
    trust: &str,
    target: &Target,
) -> Result<(), AwsError> {
    let trust = warden_core::Policy::parse(trust)
        .map_err(|e| AwsError::new("MalformedPolicyDocument", e.to_string(), 400))?;
    let trust = CompiledPolicy::new(
        Arc::new(trust),
        PolicyType::Trust,
        "TrustPolicy",
        "resource",
    );
    let set = caller_set(state, caller, session, Some(trust))?;
    let request = caller_request(caller, "sts:AssumeRole", target);
    let decision = set.authorize(&request);
    let tagged = target.context.iter().any(|(k, _)| k == "aws:TagKeys");
    let tag_ok = !tagged || {
        let mut tag_request = request.clone();
        tag_request.action = "sts:TagSession".into();
        set.decide(&tag_request) == EvalDecision::Allowed
    };
    if decision.decision == EvalDecision::Allowed && tag_ok {
        return Ok(());
    }
    let action = if decision.decision == EvalDecision::Allowed {
        "sts:TagSession"
    } else {
        "sts:AssumeRole"
    };
    Err(AwsError::access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {}",
        caller.arn, target.resource
    )))
}

fn session_token(
    state: &AppState,
    params: &Params,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Option<String>, AwsError> {
    if session.is_some() {
        return Err(AwsError::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let seconds = duration(
        params,
        43_200,
        129_600,
        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: \
         Member must have value less than or equal to 129600",
    )?;
    let now = time::OffsetDateTime::now_utc();
    let expiration = now + time::Duration::seconds(seconds);
    let access_key_id = new_id(IdKind::TemporaryAccessKey);
    let secret = new_secret();
    let token = format!("Warden{}", new_secret().replace(['+', '/'], "0"));
    let new_session = Session {
        access_key_id: access_key_id.clone(),
        secret: secret.clone(),
        token: token.clone(),
        arn: caller.arn.clone(),
        role_arn: None,
        user_name: caller.user_name.clone(),
        policy: None,
        expiration,
    };
    if let Ok(mut sessions) = state.sessions.lock() {
        sessions.retain(|_, s| s.expiration > now);
        sessions.insert(access_key_id.clone(), new_session);
    }
    let mut x = Xml::new();
    x.node("Credentials", |x| {
        x.text("AccessKeyId", &access_key_id)
            .text("SecretAccessKey", &secret)
            .text("SessionToken", &token)
            .text("Expiration", &warden_store::ids::timestamp(expiration));
    });
    Ok(Some(x.into_string()))
}
