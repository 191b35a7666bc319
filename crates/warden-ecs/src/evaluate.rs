//! Deciding a workflow: each step against the account, through Warden's one evaluator, with
//! the explanation of each decision.

use crate::account::{Account, Actor};
use crate::model::{Precondition, Step, StepKind, Who, Workflow};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use warden_core::authorize::{Decision, EvalDecision, MatchedStatement, Reason};
use warden_core::context::{ContextKeyType, ContextValue};
use warden_core::policy::Effect;
use warden_core::{CompiledPolicy, PolicySet, Principal, Request};

/// A step's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// IAM allows it (or the existence check holds).
    Allowed,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// Nothing allows it.
    ImplicitDeny,
    /// A role it needs is not in the account (or not in an instance profile).
    Missing,
    /// Not needed here (the service-linked role exists).
    Skipped,
    /// Not decidable offline: the role's policies are not known (no account store).
    Unknown,
}

impl Verdict {
    /// Whether the workflow fails on this step.
    pub fn fails(self) -> bool {
        matches!(
            self,
            Verdict::ExplicitDeny | Verdict::ImplicitDeny | Verdict::Missing
        )
    }

    /// The label in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::ExplicitDeny => "explicitDeny",
            Verdict::ImplicitDeny => "implicitDeny",
            Verdict::Missing => "missing",
            Verdict::Skipped => "skipped",
            Verdict::Unknown => "unknown",
        }
    }
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// The policy's name (file, inline policy name, managed policy name).
    pub policy: String,
    /// `identity`, `boundary`, `trust`...
    pub policy_type: String,
    /// 1-based statement number.
    pub statement: usize,
    /// The `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Where it starts: 1-based line.
    pub line: u32,
    /// Where it starts: 1-based column.
    pub column: u32,
}

impl StatementRef {
    fn from_matched(m: &MatchedStatement) -> StatementRef {
        StatementRef {
            policy: m.source_policy_id.to_string(),
            policy_type: m.policy_type.name().to_string(),
            statement: m.statement_index + 1,
            sid: m
                .sid
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            effect: match m.effect {
                Effect::Allow => "Allow".into(),
                Effect::Deny => "Deny".into(),
            },
            line: m.start.line,
            column: m.start.column,
        }
    }
}

/// A statement that named the action but did not apply, and on what it failed (the engine's
/// near miss, [`warden_core::explain::NearMiss`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    /// The layer it sits in (`identity`, `boundary`, `trust`...).
    pub layer: String,
    /// The statement.
    pub statement: StatementRef,
    /// What failed, one line a part (`resource arn:aws:iam::*:role/ecsInstanceRole* does not
    /// match arn:...`).
    pub failed: Vec<String>,
}

/// A statement the engine says would allow the request, and the layer it must go into
/// ([`warden_core::Fix`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerFix {
    /// `identity`, `boundary`, `trust`, `scp`, `rcp`, `resource`, `session`.
    pub layer: String,
    /// The statement.
    #[serde(serialize_with = "warden_core::explain::serialize_statement")]
    pub statement: serde_json::Value,
}

/// Why a step came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Why {
    /// A machine-readable reason (`no-identity-policy-allows`...).
    pub reason: String,
    /// The reason in a sentence.
    pub summary: String,
    /// The statements that decided (allowing statements, or the applicable denies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementRef>,
    /// For an implicit deny: the statements that came closest, fewest failing parts first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub near_misses: Vec<NearMiss>,
    /// For an implicit deny: one statement per layer that must change, which together allow
    /// the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<LayerFix>,
    /// Condition keys statements asked for that the request did not carry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_context: Vec<String>,
}

/// A decided step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The step.
    #[serde(flatten)]
    pub step: Step,
    /// The verdict.
    pub decision: Verdict,
    /// Why.
    pub explanation: Why,
}

/// Extra policies layered on the account: the fixes, to re-check with.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// More identity-based policies, by principal ARN.
    pub identity: BTreeMap<String, Vec<CompiledPolicy>>,
    /// More boundary statements, by principal ARN.
    pub boundary: BTreeMap<String, Vec<CompiledPolicy>>,
    /// Replacement trust policies, by role ARN.
    pub trust: BTreeMap<String, CompiledPolicy>,
}

/// Decides every step of `workflow` against `account` (with `overlay` on top).
pub fn evaluate(workflow: &Workflow, account: &Account, overlay: &Overlay) -> Vec<Outcome> {
    let mut sets: BTreeMap<String, Arc<PolicySet>> = BTreeMap::new();
    workflow
        .steps
        .iter()
        .map(|step| {
            let (decision, explanation) = decide(step, account, overlay, &mut sets);
            Outcome {
                step: step.clone(),
                decision,
                explanation,
            }
        })
        .collect()
}

fn actor<'a>(step: &Step, account: &'a Account) -> Option<&'a Actor> {
    if step.who == Who::Caller {
        return Some(&account.caller);
    }
    account.roles.get(&step.principal).map(|r| &r.actor)
}

fn policy_set(actor: &Actor, overlay: &Overlay) -> Arc<PolicySet> {
    let overlaid =
        overlay.identity.contains_key(&actor.arn) || overlay.boundary.contains_key(&actor.arn);
    if let (Some(set), false) = (&actor.set, overlaid) {
        return Arc::clone(set);
    }
    let mut b = PolicySet::builder();
    for p in actor
        .identity
        .iter()
        .chain(overlay.identity.get(&actor.arn).into_iter().flatten())
    {
        b = b.identity(p.clone());
    }
    if let Some(boundary) = &actor.boundary {
        b = b.boundary(boundary.clone());
        for p in overlay.boundary.get(&actor.arn).into_iter().flatten() {
            b = b.boundary(p.clone());
        }
    }
    Arc::new(b.build())
}

fn simple(reason: &str, summary: String) -> Why {
    Why {
        reason: reason.to_string(),
        summary,
        ..Why::default()
    }
}

fn decide(
    step: &Step,
    account: &Account,
    overlay: &Overlay,
    sets: &mut BTreeMap<String, Arc<PolicySet>>,
) -> (Verdict, Why) {
    if let Some(Precondition::RoleMissing(arn)) = &step.precondition
        && account.roles.contains_key(arn)
    {
        return (
            Verdict::Skipped,
            simple(
                "role-exists",
                format!("not needed: the account has `{arn}`"),
            ),
        );
    }
    match step.kind {
        StepKind::InstanceProfile => {
            let Some(role) = account.roles.get(&step.resource) else {
                return missing_role(step, account);
            };
            match role.instance_profiles.first() {
                Some(p) => (
                    Verdict::Allowed,
                    simple(
                        "in-instance-profile",
                        format!("the role is in instance profile `{p}`"),
                    ),
                ),
                None => (
                    Verdict::Missing,
                    simple(
                        "no-instance-profile",
                        "the role is in no instance profile: EC2 cannot give it to an instance"
                            .into(),
                    ),
                ),
            }
        }
        StepKind::Trust => {
            let trust = overlay.trust.get(&step.resource).or_else(|| {
                account
                    .roles
                    .get(&step.resource)
                    .and_then(|r| r.trust.as_ref())
            });
            let Some(trust) = trust else {
                return missing_role(step, account);
            };
            let set = PolicySet::builder().resource(trust.clone()).build();
            let req = request(step, Principal::Service(step.principal.clone()));
            judge(&set, &req)
        }
        StepKind::Decide => {
            let Some(actor) = actor(step, account) else {
                return missing_role(step, account);
            };
            let set = sets
                .entry(actor.arn.clone())
                .or_insert_with(|| policy_set(actor, overlay));
            let mut req = request(step, Principal::parse(&step.principal));
            // A resource in another account answers with its own policy, which is not in this
            // account: decide the identity side, and say so (the plan notes it too).
            let foreign = crate::arns::split_arn(&step.resource)
                .map(|[_, _, _, a, _]| a)
                .filter(|a| !a.is_empty() && *a != "aws" && *a != account.id)
                .map(str::to_string);
            if let Some(other) = &foreign {
                req.resource_account = Some(account.id.clone());
                let (v, mut why) = judge(set, &req);
                why.summary.push_str(&format!(
                    " (identity side only: the resource's own policy, in account {other}, must \
                     also allow and is not checkable offline)"
                ));
                return (v, why);
            }
            judge(set, &req)
        }
    }
}

fn missing_role(step: &Step, account: &Account) -> (Verdict, Why) {
    let role = match step.kind {
        StepKind::Decide => &step.principal,
        _ => &step.resource,
    };
    if account.has_store {
        (
            Verdict::Missing,
            simple(
                "role-not-found",
                format!("the role `{role}` is not in the account: ECS fails to use it"),
            ),
        )
    } else {
        (
            Verdict::Unknown,
            simple(
                "role-not-known",
                format!(
                    "the role `{role}` is not known offline: give --database (an account \
                     store holding it) to check it"
                ),
            ),
        )
    }
}

/// The request a step makes.
pub fn request(step: &Step, principal: Principal) -> Request {
    let mut req = Request::new(principal, step.action.clone(), step.resource.clone());
    for c in &step.context {
        let kind = if c.list {
            ContextKeyType::StringList
        } else {
            ContextKeyType::String
        };
        req.context
            .insert(c.key.clone(), ContextValue::typed(kind, c.values.clone()));
    }
    req.with_principal_keys()
}

fn judge(set: &PolicySet, req: &Request) -> (Verdict, Why) {
    explain(set, req)
}

/// How many near misses a step reports (the engine ranks them, fewest failing parts first).
const NEAR_MISSES: usize = 3;

/// Why the decision came out as it did: the one place a step's explanation is made, from the
/// engine's [`PolicySet::explain`] (the statements that decided, the near misses with each
/// failing part, the minimal fix per layer).
pub fn explain(set: &PolicySet, req: &Request) -> (Verdict, Why) {
    // An allow needs only the statements that granted: the engine's full explanation (every
    // statement naming the action, part by part) is for denials.
    let d = set.authorize(req);
    if d.decision == EvalDecision::Allowed {
        let why = Why {
            reason: reason_code(&d.reason).to_string(),
            summary: summary(&d.reason).to_string(),
            statements: d.matched.iter().map(StatementRef::from_matched).collect(),
            ..Why::default()
        };
        return (Verdict::Allowed, why);
    }
    let ex = set.explain(req);
    let d: &Decision = &ex.decision;
    let verdict = match d.decision {
        EvalDecision::Allowed => Verdict::Allowed,
        EvalDecision::ExplicitDeny => Verdict::ExplicitDeny,
        EvalDecision::ImplicitDeny => Verdict::ImplicitDeny,
    };
    let statements = match d.decision {
        EvalDecision::ExplicitDeny => ex
            .denied_by
            .iter()
            .map(|a| StatementRef::from_matched(&a.statement))
            .collect(),
        _ => d.matched.iter().map(StatementRef::from_matched).collect(),
    };
    let near_misses = ex
        .gaps
        .iter()
        .flat_map(|g| g.near_misses.iter().take(NEAR_MISSES))
        .map(|m| NearMiss {
            layer: m.layer.kind().to_string(),
            statement: StatementRef::from_matched(&m.statement),
            failed: m.failures.iter().map(ToString::to_string).collect(),
        })
        .collect();
    let fixes = ex
        .fixes
        .iter()
        .map(|f| LayerFix {
            layer: f.layer.kind().to_string(),
            statement: f.statement.clone(),
        })
        .collect();
    let why = Why {
        reason: reason_code(&d.reason).to_string(),
        summary: summary(&d.reason).to_string(),
        statements,
        near_misses,
        fixes,
        missing_context: d.missing_context.clone(),
    };
    (verdict, why)
}

/// A short code for a reason.
pub fn reason_code(reason: &Reason) -> &'static str {
    match reason {
        Reason::AlwaysAllowed => "always-allowed",
        Reason::ExplicitDeny => "explicit-deny",
        Reason::RcpLevelDenies(_) => "rcp-does-not-allow",
        Reason::ScpLevelDenies(_) => "scp-does-not-allow",
        Reason::TrustDoesNotAllow => "trust-policy-does-not-allow",
        Reason::ResourcePolicyDoesNotAllow => "resource-policy-does-not-allow",
        Reason::KeyPolicyDoesNotAllow => "key-policy-does-not-allow",
        Reason::NoIdentityAllow => "no-identity-policy-allows",
        Reason::BoundaryDoesNotAllow => "boundary-does-not-allow",
        Reason::SessionPolicyDoesNotAllow => "session-policy-does-not-allow",
        Reason::ServiceNotAllowed => "trust-policy-does-not-allow",
        Reason::AllowedByIdentity => "allowed-by-identity-policy",
        Reason::AllowedByResource => "allowed-by-resource-policy",
        Reason::AllowedByBoth => "allowed-by-identity-and-resource-policy",
    }
}

fn summary(reason: &Reason) -> &'static str {
    match reason {
        Reason::AlwaysAllowed => "needs no permission",
        Reason::ExplicitDeny => "an explicit Deny statement applies",
        Reason::RcpLevelDenies(_) => "a resource control policy level does not allow it",
        Reason::ScpLevelDenies(_) => "a service control policy level does not allow it",
        Reason::TrustDoesNotAllow | Reason::ServiceNotAllowed => {
            "the role's trust policy does not allow this service principal to assume it"
        }
        Reason::ResourcePolicyDoesNotAllow => "the resource-based policy does not allow it",
        Reason::KeyPolicyDoesNotAllow => "the KMS key policy does not allow it",
        Reason::NoIdentityAllow => "no identity-based policy allows it",
        Reason::BoundaryDoesNotAllow => "the permissions boundary does not allow it",
        Reason::SessionPolicyDoesNotAllow => "the session policy does not allow it",
        Reason::AllowedByIdentity => "allowed by an identity-based policy",
        Reason::AllowedByResource => "allowed by the trust (resource-based) policy",
        Reason::AllowedByBoth => "allowed by identity-based and resource-based policies",
    }
}
