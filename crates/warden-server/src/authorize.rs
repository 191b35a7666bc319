//! Authorization: every call decided by Warden's engine against the caller's policies (its
//! own, its groups', its boundary; for a role session the role's, cut by the session policy),
//! with the condition keys AWS puts in every signed request's context.

use std::sync::Arc;

use warden_core::context::ContextValue;
use warden_core::{Decision, PolicySet, Principal, Reason, Request};
use warden_store::principal::PrincipalPolicies;

use crate::access_log::Verdict;
use crate::protocol::AwsError;
use crate::resolve::Need;
use warden_store::Store;

use crate::state::Session;
use crate::{Caller, Target};

/// Decides each of the call's authorizations with Warden's engine against the caller's
/// policies, in order; AWS's AccessDenied message for the first that is not allowed. Each
/// decision is added to `verdicts`, for the decision log.
pub fn authorize(
    store: &Store,
    caller: &Caller,
    session: Option<&Session>,
    needs: &[Need],
    verdicts: &mut Vec<Verdict>,
) -> Result<(), AwsError> {
    let policies = caller_policies(store, caller, session)?;
    let set = caller_set(&policies, session, None)?;
    for need in needs {
        let request = caller_request(&policies, caller, session, &need.action, &need.target);
        let decision = set.authorize(&request);
        // Denials are explained (near misses, fix) for the decision log; allows are not.
        let explanation = (decision.decision != warden_core::EvalDecision::Allowed)
            .then(|| set.explain(&request));
        verdicts.push(Verdict::new(
            &need.action,
            &need.target.resource,
            &decision,
            explanation,
        ));
        if decision.decision != warden_core::EvalDecision::Allowed {
            return Err(AwsError::access_denied(denied_message(
                caller,
                &need.action,
                &need.target,
                &decision,
            )));
        }
    }
    Ok(())
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
pub fn caller_policies(
    store: &Store,
    caller: &Caller,
    session: Option<&Session>,
) -> Result<Arc<PrincipalPolicies>, AwsError> {
    let principal_arn = session
        .and_then(|s| s.role_arn.as_deref())
        .unwrap_or(&caller.arn);
    Ok(store.principal_policies(principal_arn)?)
}

/// The caller's policies: a user's (with its groups' and its boundary), or an assumed role's
/// cut by the session policy; with `resource` (a role's trust policy) beside them when given.
pub fn caller_set(
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
pub fn caller_request(
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
            principal_id: Some("AROAEXAMPLEROLEID0001".into()),
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
