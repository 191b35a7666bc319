//! STS: GetCallerIdentity, AssumeRole (trust policy, ExternalId, session policy, session and
//! transitive tags, SourceIdentity, DurationSeconds, role chaining) and GetSessionToken.
//! Temporary credentials are kept in the store (every process sharing it accepts them) and
//! stop working when they expire.

use std::sync::Arc;

use warden_core::policy::validate::{SizeLimit, validate_with_limit};
use warden_core::{CompiledPolicy, EvalDecision, PolicyType};
use warden_store::Tag;
use warden_store::ids::{IdKind, new_id, new_secret};

use warden_store::Store;

use crate::authorize::{caller_policies, caller_request, caller_set};
use crate::operation::Reply;
use crate::protocol::{AwsError, Params, Xml};
use crate::state::Session;
use crate::{Call, Caller, Target};

/// `GetCallerIdentity`: needs no permission, and answers even under an explicit Deny.
pub fn caller_identity(c: &Call<'_>) -> Reply {
    let caller = c.caller;
    let user_id = match (c.session, caller.arn.split_once(":assumed-role/")) {
        (Some(session), Some((_, rest))) => {
            let session_name = rest
                .split_once('/')
                .map(|(_, name)| name)
                .unwrap_or_default();
            let role_id = session.principal_id.clone().unwrap_or_default();
            format!("{role_id}:{session_name}")
        }
        _ => match &caller.user_name {
            Some(name) => c.store().get_user(name)?.user_id,
            None => caller.access_key_id.clone(),
        },
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

/// `AssumeRole`: decided by the caller's policies and the role's trust policy together; the
/// new session is bound to the role's unique id.
pub fn assume_role(c: &Call<'_>) -> Reply {
    let (store, params, caller, session) = (c.store(), c.params, c.caller, c.session);
    let role_arn = params.required("RoleArn")?;
    let session_name = params.required("RoleSessionName")?;
    session_name_like(session_name, "roleSessionName")?;
    let role_name = role_arn.rsplit('/').next().unwrap_or_default();
    let role = store.get_role(role_name).map_err(|_| {
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
    let (tags, transitive_tag_keys) = session_tags(params, session)?;
    let source_identity = source_identity(params, session)?;
    let mut context: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(external) = params.get("ExternalId") {
        context.push(("sts:ExternalId".into(), vec![external.to_string()]));
    }
    context.push(("sts:RoleSessionName".into(), vec![session_name.to_string()]));
    if let Some(source) = &source_identity {
        context.push(("sts:SourceIdentity".into(), vec![source.clone()]));
    }
    let transitive_keys = params.list("TransitiveTagKeys");
    if !transitive_keys.is_empty() {
        context.push(("sts:TransitiveTagKeys".into(), transitive_keys));
    }
    crate::push_request_tags(&mut context, params, Vec::new());
    let target = Target {
        resource: role.arn.clone(),
        context,
        shown: None,
        role: None,
    };
    // The identity side, then the trust policy: both as one decision by the engine.
    assume_decision(
        store,
        caller,
        session,
        &role.assume_role_policy_document,
        &target,
    )?;

    let session = Session {
        arn: format!(
            "arn:aws:sts::{}:assumed-role/{}/{session_name}",
            caller.account, role.role_name
        ),
        role_arn: Some(role.arn.clone()),
        principal_id: Some(role.role_id.clone()),
        policy,
        tags,
        transitive_tag_keys,
        source_identity: source_identity.clone(),
        ..new_session(seconds)
    };
    store.create_session(&session)?;
    store.record_role_use(&role.role_id, session.issued, &caller.region)?;
    let mut x = Xml::new();
    credentials_xml(&mut x, &session);
    x.node("AssumedRoleUser", |x| {
        x.text("AssumedRoleId", &format!("{}:{session_name}", role.role_id))
            .text("Arn", &session.arn);
    })
    .int("PackedPolicySize", 0);
    if let Some(source) = &source_identity {
        x.text("SourceIdentity", source);
    }
    Ok(Some(x.into_string()))
}

/// `RoleSessionName` and `SourceIdentity`: 2 to 64 characters of `[\w+=,.@-]`, else AWS's
/// ValidationError naming `member`.
fn session_name_like(value: &str, member: &str) -> Result<(), AwsError> {
    let valid = (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if valid {
        return Ok(());
    }
    Err(AwsError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )))
}

/// A session with new temporary credentials, issued now (to the second: what the store keeps,
/// so that the `Expiration` returned is the one enforced) for `seconds`, acting as nobody yet:
/// the caller fills in whom it acts as.
fn new_session(seconds: i64) -> Session {
    let now = time::OffsetDateTime::now_utc();
    let issued = now.replace_nanosecond(0).unwrap_or(now);
    Session {
        access_key_id: new_id(IdKind::TemporaryAccessKey),
        secret: new_secret(),
        token: format!("Warden{}", new_secret().replace(['+', '/'], "0")),
        arn: String::new(),
        role_arn: None,
        user_name: None,
        principal_id: None,
        policy: None,
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        issued,
        expiration: issued + time::Duration::seconds(seconds),
    }
}

/// `<Credentials>`: the session's keys, token and expiration.
fn credentials_xml(x: &mut Xml, session: &Session) {
    x.node("Credentials", |x| {
        x.text("AccessKeyId", &session.access_key_id)
            .text("SecretAccessKey", &session.secret)
            .text("SessionToken", &session.token)
            .text(
                "Expiration",
                &warden_store::ids::timestamp(session.expiration),
            );
    });
}

/// A new session's tags and transitive tag keys (`id_session-tags.html`): the tags the calling
/// session passes on in a role chain (its transitive ones), then the request's `Tags`, at most
/// 50 in all, keys unique regardless of case; an inherited transitive tag cannot be set again.
/// The transitive keys are the inherited ones and the request's `TransitiveTagKeys`.
fn session_tags(
    params: &Params,
    session: Option<&Session>,
) -> Result<(Vec<Tag>, Vec<String>), AwsError> {
    let mut tags: Vec<Tag> = Vec::new();
    let mut transitive: Vec<String> = Vec::new();
    if let Some(parent) = session.filter(|s| s.role_arn.is_some()) {
        for key in &parent.transitive_tag_keys {
            if let Some(tag) = parent.tags.iter().find(|t| t.key.eq_ignore_ascii_case(key)) {
                tags.push(tag.clone());
                transitive.push(tag.key.clone());
            }
        }
    }
    let inherited = tags.len();
    let given = crate::iam::tags(params);
    if given.len() > 50 {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member \
             must have length less than or equal to 50",
        ));
    }
    for (i, tag) in given.into_iter().enumerate() {
        warden_store::tags::check(&tag, i + 1).map_err(|e| AwsError::validation(e.message))?;
        if let Some(i) = tags
            .iter()
            .position(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            let message = if i < inherited {
                format!(
                    "The session tag {} is transitive from the session that assumes this role \
                     and cannot be set again.",
                    tag.key
                )
            } else {
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                    .to_string()
            };
            return Err(AwsError::new("InvalidParameterValue", message, 400));
        }
        tags.push(tag);
    }
    if tags.len() > 50 {
        return Err(AwsError::new(
            "PackedPolicyTooLarge",
            "Packed size of session tags exceeds the limit: at most 50 session tags, inherited \
             ones included.",
            400,
        ));
    }
    for key in params.list("TransitiveTagKeys") {
        match tags.iter().find(|t| t.key.eq_ignore_ascii_case(&key)) {
            Some(tag) if !transitive.iter().any(|k| k.eq_ignore_ascii_case(&tag.key)) => {
                transitive.push(tag.key.clone());
            }
            Some(_) => {}
            None => {
                return Err(AwsError::new(
                    "InvalidParameterValue",
                    format!("The transitive tag key {key} is not one of the session tags."),
                    400,
                ));
            }
        }
    }
    Ok((tags, transitive))
}

/// AssumeRole's `SourceIdentity` (2 to 64 characters of `[\w+=,.@-]`), which a role chain
/// keeps: once a session has one, the next cannot change it (`id_credentials_temp_control-access_monitor.html`).
fn source_identity(params: &Params, session: Option<&Session>) -> Result<Option<String>, AwsError> {
    let inherited = session.and_then(|s| s.source_identity.clone());
    let Some(given) = params.get("SourceIdentity") else {
        return Ok(inherited);
    };
    session_name_like(given, "sourceIdentity")?;
    match inherited {
        Some(previous) if previous != given => Err(AwsError::access_denied(format!(
            "The source identity {previous} of the calling session cannot be changed."
        ))),
        _ => Ok(Some(given.to_string())),
    }
}

/// AssumeRole's decision: the caller's identity policies (and boundary, session policy) with
/// the role's trust policy as the resource-based policy.
fn assume_decision(
    store: &Store,
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
    let policies = caller_policies(store, caller, session)?;
    let set = caller_set(&policies, session, Some(trust))?;
    let request = caller_request(&policies, caller, session, "sts:AssumeRole", target);
    let decision = set.authorize(&request);
    // Passing session tags takes sts:TagSession, and setting a source identity
    // sts:SetSourceIdentity, each allowed by both the caller's policies and the trust policy
    // (`id_session-tags.html#id_session-tags_permissions-required`,
    // `id_credentials_temp_control-access_monitor.html`).
    let also = |action: &str| {
        let mut extra = request.clone();
        extra.action = action.into();
        set.decide(&extra) == EvalDecision::Allowed
    };
    let tagged = target.context.iter().any(|(k, _)| k == "aws:TagKeys");
    let sourced = target
        .context
        .iter()
        .any(|(k, _)| k == "sts:SourceIdentity")
        && session.and_then(|s| s.source_identity.as_ref()).is_none();
    let denied = if decision.decision != EvalDecision::Allowed {
        Some("sts:AssumeRole")
    } else if tagged && !also("sts:TagSession") {
        Some("sts:TagSession")
    } else if sourced && !also("sts:SetSourceIdentity") {
        Some("sts:SetSourceIdentity")
    } else {
        None
    };
    let Some(action) = denied else {
        return Ok(());
    };
    Err(AwsError::access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {}",
        caller.arn, target.resource
    )))
}

/// `GetSessionToken`: needs no permission; only a user's long-term key may call it. The
/// session is bound to the user's unique id.
pub fn session_token(c: &Call<'_>) -> Reply {
    let (store, params, caller, session) = (c.store(), c.params, c.caller, c.session);
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
    let user = store.principal_policies(&caller.arn)?;
    let session = Session {
        arn: caller.arn.clone(),
        user_name: caller.user_name.clone(),
        principal_id: Some(user.id.clone()),
        ..new_session(seconds)
    };
    store.create_session(&session)?;
    let mut x = Xml::new();
    credentials_xml(&mut x, &session);
    Ok(Some(x.into_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn parent(tags: &[(&str, &str)], transitive: &[&str]) -> Session {
        let now = time::OffsetDateTime::now_utc();
        Session {
            access_key_id: "ASIAPARENT".into(),
            secret: "s".into(),
            token: "t".into(),
            arn: "arn:aws:sts::123456789012:assumed-role/first/one".into(),
            role_arn: Some("arn:aws:iam::123456789012:role/first".into()),
            user_name: None,
            principal_id: Some("AROAEXAMPLEFIRST0001".into()),
            policy: None,
            tags: tags
                .iter()
                .map(|(k, v)| Tag {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            transitive_tag_keys: transitive.iter().map(|k| k.to_string()).collect(),
            source_identity: None,
            issued: now,
            expiration: now,
        }
    }

    #[test]
    fn session_tags_inherit_transitive_ones_and_refuse_to_reset_them() {
        let parent = parent(&[("team", "blue"), ("cost", "42")], &["Team"]);
        let (tags, transitive) = session_tags(
            &params(&[("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "dev")]),
            Some(&parent),
        )
        .expect("tags");
        let keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["team", "env"]);
        assert_eq!(transitive, ["team"]);
        let reset = session_tags(
            &params(&[
                ("Tags.member.1.Key", "TEAM"),
                ("Tags.member.1.Value", "red"),
            ]),
            Some(&parent),
        )
        .err()
        .map(|e| (e.code, e.message));
        assert_eq!(
            reset,
            Some((
                "InvalidParameterValue".to_string(),
                "The session tag TEAM is transitive from the session that assumes this role and \
                 cannot be set again."
                    .to_string()
            ))
        );
    }

    #[test]
    fn session_tag_limits_and_duplicates() {
        let mut many = Vec::new();
        for i in 1..=51 {
            many.push((format!("Tags.member.{i}.Key"), format!("k{i}")));
            many.push((format!("Tags.member.{i}.Value"), "v".to_string()));
        }
        let too_many = session_tags(&Params::from_pairs(many), None)
            .err()
            .map(|e| e.message);
        assert_eq!(
            too_many.as_deref(),
            Some(
                "1 validation error detected: Value at 'tags' failed to satisfy constraint: \
                 Member must have length less than or equal to 50"
            )
        );
        let twice = session_tags(
            &params(&[
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "a"),
                ("Tags.member.2.Key", "Team"),
                ("Tags.member.2.Value", "b"),
            ]),
            None,
        )
        .err()
        .map(|e| e.message);
        assert_eq!(
            twice.as_deref(),
            Some("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        );
        let unknown = session_tags(&params(&[("TransitiveTagKeys.member.1", "team")]), None)
            .err()
            .map(|e| e.code);
        assert_eq!(unknown.as_deref(), Some("InvalidParameterValue"));
    }

    #[test]
    fn session_names_and_source_identities_follow_one_pattern() {
        assert!(session_name_like("ci-run_1@x", "roleSessionName").is_ok());
        let bad = session_name_like("a b", "sourceIdentity")
            .err()
            .map(|e| e.message);
        assert_eq!(
            bad.as_deref(),
            Some(
                "1 validation error detected: Value 'a b' at 'sourceIdentity' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            )
        );
    }
}
