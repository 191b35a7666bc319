//! Why a request is denied, and what would allow it: [`PolicySet::explain`].
//!
//! Off the hot path: [`PolicySet::authorize`] and [`PolicySet::decide`] are untouched, and
//! `explain` runs them first, then walks the same compiled layers with the evaluator's own
//! per-part matchers (`ResourcePattern::matches`, [`statement_principal`],
//! `CompiledCondition::evaluate`), recording every part of a statement that failed instead of
//! stopping at the first.
//!
//! - For an implicit deny, each layer that needed an `Allow` and had none is a [`Gap`], with its
//!   **near misses**: the `Allow` statements whose `Action` matched but which did not apply, each
//!   with every [`Failure`], ranked fewest failures first.
//! - For an explicit deny, the `Deny` statements that applied, with the condition values that made
//!   them apply ([`AppliedDeny`]).
//! - For each gap a [`Fix`]: the smallest statement that allows exactly the request, and the layer
//!   it must go into ([`minimal_grant`], `fix.rs`).
//!
//! The JSON shape (`serde::Serialize`) is documented in `docs/semantics.md`, "Explanations".

mod fix;
mod render;
#[cfg(test)]
mod tests;

pub use fix::{Fix, minimal_grant, serialize_statement, statement_text};

use crate::authorize::{
    Decision, EvalDecision, MatchedStatement, PolicySet, PrincipalMiss, Reason, Request,
    statement_principal,
};
use crate::compile::{CompiledPolicy, CompiledStatement, Layer};
use crate::policy::{Effect, PolicyType};
use crate::principal::{Principal, PrincipalMatch};
use serde::Serialize;
use serde::ser::SerializeStruct;

/// A layer of the evaluation: where a statement sits, and where a fix must go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyLayer {
    /// The identity-based policies of the caller.
    Identity,
    /// The caller's permissions boundary.
    Boundary,
    /// The session policy.
    Session,
    /// The resource-based policy (bucket, queue, key policy, ...).
    Resource,
    /// The role's trust policy (the resource policy of an assume request on a role).
    Trust,
    /// A level of service control policies, 0-based from the root.
    Scp(usize),
    /// A level of resource control policies, 0-based from the root.
    Rcp(usize),
}

impl PolicyLayer {
    /// `identity`, `boundary`, `session`, `resource`, `trust`, `scp`, `rcp`.
    pub fn kind(self) -> &'static str {
        match self {
            PolicyLayer::Identity => "identity",
            PolicyLayer::Boundary => "boundary",
            PolicyLayer::Session => "session",
            PolicyLayer::Resource => "resource",
            PolicyLayer::Trust => "trust",
            PolicyLayer::Scp(_) => "scp",
            PolicyLayer::Rcp(_) => "rcp",
        }
    }

    /// The SCP or RCP level, 0-based.
    pub fn level(self) -> Option<usize> {
        match self {
            PolicyLayer::Scp(i) | PolicyLayer::Rcp(i) => Some(i),
            _ => None,
        }
    }

    /// The policy type a statement of this layer is validated as.
    pub fn policy_type(self) -> PolicyType {
        match self {
            PolicyLayer::Identity => PolicyType::Identity,
            PolicyLayer::Boundary => PolicyType::Boundary,
            PolicyLayer::Session => PolicyType::Session,
            PolicyLayer::Resource => PolicyType::Resource,
            PolicyLayer::Trust => PolicyType::Trust,
            PolicyLayer::Scp(_) => PolicyType::Scp,
            PolicyLayer::Rcp(_) => PolicyType::Rcp,
        }
    }

    /// In words: `the identity-based policies`, `the permissions boundary`, `the service
    /// control policies of level 2`, ...
    pub fn describe(self) -> String {
        match self {
            PolicyLayer::Identity => "the identity-based policies".into(),
            PolicyLayer::Boundary => "the permissions boundary".into(),
            PolicyLayer::Session => "the session policy".into(),
            PolicyLayer::Resource => "the resource-based policy".into(),
            PolicyLayer::Trust => "the role's trust policy".into(),
            PolicyLayer::Scp(i) => format!("the service control policies of level {}", i + 1),
            PolicyLayer::Rcp(i) => format!("the resource control policies of level {}", i + 1),
        }
    }
}

impl Serialize for PolicyLayer {
    /// `{"kind": "scp", "level": 0}`; `level` only for `scp` and `rcp`.
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let n = if self.level().is_some() { 2 } else { 1 };
        let mut st = ser.serialize_struct("PolicyLayer", n)?;
        st.serialize_field("kind", self.kind())?;
        if let Some(level) = self.level() {
            st.serialize_field("level", &level)?;
        }
        st.end()
    }
}

impl Serialize for MatchedStatement {
    /// `{"policyId", "policyType", "statementIndex" (0-based), "sid" (or null), "effect",
    /// "start": {"Line", "Column"}, "end": {...}}`.
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut st = ser.serialize_struct("MatchedStatement", 7)?;
        st.serialize_field("policyId", &*self.source_policy_id)?;
        st.serialize_field("policyType", &*self.source_policy_type)?;
        st.serialize_field("statementIndex", &self.statement_index)?;
        st.serialize_field("sid", &self.sid.as_deref())?;
        st.serialize_field("effect", &self.effect)?;
        st.serialize_field("start", &self.start)?;
        st.serialize_field("end", &self.end)?;
        st.end()
    }
}

/// A statement and the layer it sits in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayeredStatement {
    /// The layer.
    pub layer: PolicyLayer,
    /// The statement's place (policy id, Sid, index, line:column).
    pub statement: MatchedStatement,
}

/// A `Deny` statement that applied, with the conditions that held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedDeny {
    /// The layer.
    pub layer: PolicyLayer,
    /// The statement's place.
    pub statement: MatchedStatement,
    /// Every condition clause of the statement (all held), with the request's values.
    pub conditions: Vec<ConditionCheck>,
}

/// One condition clause checked against the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionCheck {
    /// The operator as written, e.g. `StringEquals`, `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    /// The condition key as written, e.g. `iam:PassedToService`.
    pub key: String,
    /// The policy's values as written.
    pub wanted: Vec<String>,
    /// The request's values for the key; `None` when the request does not carry it.
    pub got: Option<Vec<String>>,
    /// Why the clause cannot hold whatever the values (an invalid operator or value, a
    /// multivalued key under a single-value operator, a policy variable without a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One part of a statement that did not cover the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Failure {
    /// No `Resource` pattern matches the request's resource.
    Resource {
        /// The statement's `Resource` patterns as written.
        patterns: Vec<String>,
        /// The request's resource.
        resource: String,
    },
    /// A `NotResource` pattern matches the request's resource, so the statement excludes it.
    NotResource {
        /// The `NotResource` patterns that match.
        patterns: Vec<String>,
        /// The request's resource.
        resource: String,
    },
    /// The resource-policy statement's `Principal` does not name the caller.
    Principal {
        /// The principals it names, as `AWS:arn...`, `Service:name`, ...
        principals: Vec<String>,
        /// The caller.
        caller: String,
    },
    /// The resource-policy statement's `NotPrincipal` lists the caller.
    NotPrincipal {
        /// The principals it lists.
        principals: Vec<String>,
        /// The caller.
        caller: String,
    },
    /// A resource-policy statement without `Principal` names no one.
    NoPrincipal,
    /// A condition clause does not hold.
    Condition(ConditionCheck),
}

/// An `Allow` statement whose `Action` matched the request but which did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    /// The layer.
    pub layer: PolicyLayer,
    /// The statement's place.
    pub statement: MatchedStatement,
    /// Every part that failed (at least one), in statement order: resource, principal,
    /// conditions.
    pub failures: Vec<Failure>,
}

/// A layer that must allow the request and does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The layer.
    pub layer: PolicyLayer,
    /// The ids of the layer's policies (empty: the layer has no policy at all).
    pub policies: Vec<String>,
    /// The layer's `Allow` statements whose action matched, fewest failures first.
    #[serde(rename = "nearMisses")]
    pub near_misses: Vec<NearMiss>,
}

/// Why a decision came out as it did, and what would allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The request's action as given.
    pub action: String,
    /// The request's resource.
    pub resource: String,
    /// The decision, exactly as [`PolicySet::authorize`] returns it.
    pub decision: Decision,
    /// The `Allow` statements that applied, in every layer (for a deny: the grants that a
    /// gap cut, e.g. the identity allow that the boundary did not confirm).
    pub allowed_by: Vec<LayeredStatement>,
    /// For an explicit deny: the `Deny` statements that applied.
    pub denied_by: Vec<AppliedDeny>,
    /// For an implicit deny: each layer that must allow and does not, the decisive one
    /// (the decision's reason) first, then in evaluation order.
    pub gaps: Vec<Gap>,
    /// For an implicit deny: one statement per gap, which together allow the request.
    pub fixes: Vec<Fix>,
}

impl Explanation {
    /// The fixes: one statement per layer that must change ([`Fix::layer`]). Empty when the
    /// request is allowed, and for an explicit deny (no added statement overrides a `Deny`).
    pub fn fix(&self) -> &[Fix] {
        &self.fixes
    }

    /// Every near miss of every gap, in gap order.
    pub fn near_misses(&self) -> impl Iterator<Item = &NearMiss> {
        self.gaps.iter().flat_map(|g| g.near_misses.iter())
    }

    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.decision.decision == EvalDecision::Allowed
    }
}

impl Serialize for Explanation {
    /// `{"action", "resource", "decision", "reason", "allowedBy", "deniedBy", "gaps", "fixes"}`.
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut st = ser.serialize_struct("Explanation", 8)?;
        st.serialize_field("action", &self.action)?;
        st.serialize_field("resource", &self.resource)?;
        st.serialize_field("decision", &self.decision.decision)?;
        st.serialize_field("reason", &self.decision.reason.code())?;
        st.serialize_field("allowedBy", &self.allowed_by)?;
        st.serialize_field("deniedBy", &self.denied_by)?;
        st.serialize_field("gaps", &self.gaps)?;
        st.serialize_field("fixes", &self.fixes)?;
        st.end()
    }
}

/// What one layer says, statement by statement.
#[derive(Default)]
struct LayerScan {
    allows: Vec<LayeredStatement>,
    allow_match: Option<PrincipalMatch>,
    denies: Vec<AppliedDeny>,
    misses: Vec<NearMiss>,
}

impl LayerScan {
    fn allows(&self) -> bool {
        !self.allows.is_empty()
    }
}

impl PolicySet {
    /// The decision with its explanation: near misses for an implicit deny, the applying
    /// `Deny` statements for an explicit one, and the minimal fix. Slower than
    /// [`PolicySet::authorize`] (it checks every part of every statement naming the action):
    /// for reports, never for the request path.
    pub fn explain(&self, req: &Request) -> Explanation {
        let decision = self.authorize(req);
        let mut ex = Explanation {
            action: req.action.clone(),
            resource: req.resource.clone(),
            decision,
            allowed_by: Vec::new(),
            denied_by: Vec::new(),
            gaps: Vec::new(),
            fixes: Vec::new(),
        };
        if ex.decision.reason == Reason::AlwaysAllowed {
            return ex;
        }
        let action = req.action.to_lowercase();
        let scope = self.scope(req);
        let trust = self.is_trust_request(&action, &req.resource);
        let resource_id = if trust {
            PolicyLayer::Trust
        } else {
            PolicyLayer::Resource
        };
        let scan =
            |layer: &Layer, id: PolicyLayer| scan_layer(layer, id, req, &action, scope.bounded);

        let identity = scope
            .iam
            .then(|| scan(&self.identity, PolicyLayer::Identity));
        let boundary = self
            .boundary
            .as_ref()
            .filter(|_| scope.iam)
            .map(|l| scan(l, PolicyLayer::Boundary));
        let session = self
            .session
            .as_ref()
            .filter(|_| scope.iam)
            .map(|l| scan(l, PolicyLayer::Session));
        let resource = self.resource.as_ref().map(|l| scan(l, resource_id));
        let scps: Vec<LayerScan> = if scope.orgs_apply {
            self.scps
                .iter()
                .enumerate()
                .map(|(i, l)| scan(l, PolicyLayer::Scp(i)))
                .collect()
        } else {
            Vec::new()
        };
        let rcps: Vec<LayerScan> = if scope.rcps_apply {
            self.rcps
                .iter()
                .enumerate()
                .map(|(i, l)| scan(l, PolicyLayer::Rcp(i)))
                .collect()
        } else {
            Vec::new()
        };

        let all = || {
            identity
                .iter()
                .chain(&boundary)
                .chain(&session)
                .chain(&resource)
                .chain(&scps)
                .chain(&rcps)
        };
        for s in all() {
            ex.allowed_by.extend(s.allows.iter().cloned());
        }
        match ex.decision.decision {
            EvalDecision::Allowed => return ex,
            EvalDecision::ExplicitDeny => {
                for s in all() {
                    ex.denied_by.extend(s.denies.iter().cloned());
                }
                return ex;
            }
            EvalDecision::ImplicitDeny => {}
        }

        // The layers that must allow and do not.
        let mut gaps: Vec<(PolicyLayer, Option<&LayerScan>)> = Vec::new();
        for (i, s) in rcps.iter().enumerate() {
            if !s.allows() {
                gaps.push((PolicyLayer::Rcp(i), Some(s)));
            }
        }
        for (i, s) in scps.iter().enumerate() {
            if !s.allows() {
                gaps.push((PolicyLayer::Scp(i), Some(s)));
            }
        }
        let resource_match = resource.as_ref().and_then(|r| r.allow_match);
        if !scope.iam {
            if resource_match.is_none() {
                gaps.push((resource_id, resource.as_ref()));
            }
        } else {
            let cross_account = match (req.principal.account(), req.resource_account()) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            };
            let kms = resource.is_some() && crate::authorize::is_kms_key_request(req, &action);
            // Whether the resource side grants without the identity side (within the account).
            let resource_alone = !cross_account
                && matches!(
                    resource_match,
                    Some(PrincipalMatch::Exact | PrincipalMatch::Wildcard)
                );
            let grants_as_identity =
                !cross_account && resource_match == Some(PrincipalMatch::RoleOfSession);
            let identity_allows = identity.as_ref().is_some_and(LayerScan::allows);
            if resource_match.is_none() && (cross_account || trust || kms) {
                gaps.push((resource_id, resource.as_ref()));
            }
            if !identity_allows && !resource_alone && !grants_as_identity {
                gaps.push((PolicyLayer::Identity, identity.as_ref()));
            }
            if !resource_alone {
                if let Some(b) = boundary.as_ref().filter(|b| !b.allows()) {
                    gaps.push((PolicyLayer::Boundary, Some(b)));
                }
                if let Some(s) = session.as_ref().filter(|s| !s.allows()) {
                    gaps.push((PolicyLayer::Session, Some(s)));
                }
            }
        }
        // The decisive layer first.
        if let Some(first) = reason_layer(&ex.decision.reason, resource_id)
            && let Some(pos) = gaps.iter().position(|(l, _)| *l == first)
        {
            let g = gaps.remove(pos);
            gaps.insert(0, g);
        }
        for (layer, scan) in gaps {
            let mut near_misses = scan.map(|s| s.misses.clone()).unwrap_or_default();
            near_misses.sort_by_key(|m| m.failures.len());
            ex.gaps.push(Gap {
                layer,
                policies: self
                    .layer_of(layer)
                    .map(|l| {
                        l.policies()
                            .iter()
                            .map(|p| p.source_id().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                near_misses,
            });
        }
        ex.fixes = ex
            .gaps
            .iter()
            .map(|g| fix::for_gap(req, &action, g, self))
            .collect();
        ex
    }

    /// The compiled layer a [`PolicyLayer`] names, when the set has it.
    pub(crate) fn layer_of(&self, layer: PolicyLayer) -> Option<&Layer> {
        match layer {
            PolicyLayer::Identity => Some(&self.identity),
            PolicyLayer::Boundary => self.boundary.as_ref(),
            PolicyLayer::Session => self.session.as_ref(),
            PolicyLayer::Resource | PolicyLayer::Trust => self.resource.as_ref(),
            PolicyLayer::Scp(i) => self.scps.get(i),
            PolicyLayer::Rcp(i) => self.rcps.get(i),
        }
    }

    /// A copy of the set with `policy` added to `layer` (a new boundary, session or resource
    /// layer when there was none; an SCP or RCP level past the last is added as a new level).
    /// For re-checking a request with a [`Fix`] applied.
    pub fn with_policy(&self, layer: PolicyLayer, policy: CompiledPolicy) -> PolicySet {
        let mut set = self.clone();
        let add = |l: Option<&Layer>, p: CompiledPolicy| -> Layer {
            let mut policies = l.map(|l| l.policies().to_vec()).unwrap_or_default();
            policies.push(p);
            Layer::new(policies)
        };
        match layer {
            PolicyLayer::Identity => set.identity = add(Some(&self.identity), policy),
            PolicyLayer::Boundary => set.boundary = Some(add(self.boundary.as_ref(), policy)),
            PolicyLayer::Session => set.session = Some(add(self.session.as_ref(), policy)),
            PolicyLayer::Resource | PolicyLayer::Trust => {
                set.resource = Some(add(self.resource.as_ref(), policy));
            }
            PolicyLayer::Scp(i) => match set.scps.get_mut(i) {
                Some(level) => *level = add(self.scps.get(i), policy),
                None => set.scps.push(add(None, policy)),
            },
            PolicyLayer::Rcp(i) => match set.rcps.get_mut(i) {
                Some(level) => *level = add(self.rcps.get(i), policy),
                None => set.rcps.push(add(None, policy)),
            },
        }
        set
    }

    /// A copy of the set with every fix added to its layer, each as a policy of its own
    /// (`fix-1`, `fix-2`, ...). Fails only if a fix's statement does not parse as a policy.
    pub fn with_fixes(&self, fixes: &[Fix]) -> Result<PolicySet, crate::policy::ParseError> {
        let mut set = self.clone();
        for (i, f) in fixes.iter().enumerate() {
            let policy = f.compile(&format!("fix-{}", i + 1))?;
            set = set.with_policy(f.layer, policy);
        }
        Ok(set)
    }
}

/// The layer a deny reason names.
fn reason_layer(reason: &Reason, resource_id: PolicyLayer) -> Option<PolicyLayer> {
    Some(match reason {
        Reason::RcpLevelDenies(i) => PolicyLayer::Rcp(*i),
        Reason::ScpLevelDenies(i) => PolicyLayer::Scp(*i),
        Reason::TrustDoesNotAllow => PolicyLayer::Trust,
        Reason::ResourcePolicyDoesNotAllow
        | Reason::KeyPolicyDoesNotAllow
        | Reason::ServiceNotAllowed => resource_id,
        Reason::NoIdentityAllow => PolicyLayer::Identity,
        Reason::BoundaryDoesNotAllow => PolicyLayer::Boundary,
        Reason::SessionPolicyDoesNotAllow => PolicyLayer::Session,
        _ => return None,
    })
}

/// Checks every part of every statement of `layer` whose action matches.
fn scan_layer(
    layer: &Layer,
    id: PolicyLayer,
    req: &Request,
    action: &str,
    bounded: bool,
) -> LayerScan {
    let mut out = LayerScan::default();
    let resource_layer = matches!(id, PolicyLayer::Resource | PolicyLayer::Trust);
    layer.for_each_candidate(action, |r| {
        let Some((policy, s)) = layer.statement(r) else {
            return;
        };
        let source = policy.policy().statements().get(r.1 as usize);
        let mut failures = Vec::new();
        if let Some(f) = resource_failure(s, source, req) {
            failures.push(f);
        }
        let mut named = PrincipalMatch::Exact;
        if resource_layer {
            match statement_principal(s, &req.principal, bounded) {
                Ok(m) => named = m,
                Err(miss) => failures.push(principal_failure(miss, source, &req.principal)),
            }
        }
        let checks = condition_checks(s, source, req);
        let all_held = checks.iter().all(|(held, _)| *held);
        failures.extend(
            checks
                .iter()
                .filter(|(held, _)| !held)
                .map(|(_, c)| Failure::Condition(c.clone())),
        );
        let statement = matched(policy, s);
        if failures.is_empty() && all_held {
            match s.effect {
                Effect::Allow => {
                    out.allows.push(LayeredStatement {
                        layer: id,
                        statement,
                    });
                    if resource_layer {
                        out.allow_match = Some(out.allow_match.map_or(named, |m| m.max(named)));
                    }
                }
                Effect::Deny => out.denies.push(AppliedDeny {
                    layer: id,
                    statement,
                    conditions: checks.into_iter().map(|(_, c)| c).collect(),
                }),
            }
        } else if s.effect == Effect::Allow {
            out.misses.push(NearMiss {
                layer: id,
                statement,
                failures,
            });
        }
    });
    out
}

fn matched(p: &CompiledPolicy, s: &CompiledStatement) -> MatchedStatement {
    MatchedStatement {
        source_policy_id: p.source_id.clone(),
        source_policy_type: p.source_type.clone(),
        policy_type: p.policy_type,
        statement_index: s.index,
        sid: s.sid.clone(),
        effect: s.effect,
        start: s.start,
        end: s.end,
    }
}

/// `Resource`/`NotResource` against the request, with the same pattern matcher as the
/// evaluator (`ResourcePattern::matches`).
fn resource_failure(
    s: &CompiledStatement,
    source: Option<&crate::policy::Statement>,
    req: &Request,
) -> Option<Failure> {
    let res = s.resources.as_ref()?;
    let texts = source
        .and_then(|st| st.resource())
        .map(|b| b.values.as_slice());
    let text = |i: usize| -> String {
        texts
            .and_then(|t| t.get(i))
            .cloned()
            .unwrap_or_else(|| "?".into())
    };
    let hits: Vec<usize> = res
        .patterns
        .iter()
        .enumerate()
        .filter(|(_, p)| p.matches(&req.resource, &req.context))
        .map(|(i, _)| i)
        .collect();
    if res.negated {
        (!hits.is_empty()).then(|| Failure::NotResource {
            patterns: hits.into_iter().map(text).collect(),
            resource: req.resource.clone(),
        })
    } else {
        hits.is_empty().then(|| Failure::Resource {
            patterns: (0..res.patterns.len()).map(text).collect(),
            resource: req.resource.clone(),
        })
    }
}

fn principal_failure(
    miss: PrincipalMiss,
    source: Option<&crate::policy::Statement>,
    who: &Principal,
) -> Failure {
    let principals: Vec<String> = source
        .and_then(|st| st.principal())
        .map(|b| b.entries.iter().map(|e| e.text()).collect())
        .unwrap_or_default();
    let caller = caller_name(who);
    match miss {
        PrincipalMiss::Absent => Failure::NoPrincipal,
        PrincipalMiss::NotNamed => Failure::Principal { principals, caller },
        PrincipalMiss::Excluded => Failure::NotPrincipal { principals, caller },
    }
}

/// The caller as a `Principal` element would name it.
pub(crate) fn caller_name(who: &Principal) -> String {
    match who {
        Principal::Service(s) => s.clone(),
        Principal::Anonymous => "anonymous".into(),
        _ => who.arn().unwrap_or_default(),
    }
}

/// Every condition clause with whether it held (`CompiledCondition::evaluate`, the
/// evaluator's own test) and the values on both sides.
fn condition_checks(
    s: &CompiledStatement,
    source: Option<&crate::policy::Statement>,
    req: &Request,
) -> Vec<(bool, ConditionCheck)> {
    let clauses = source.map(|st| st.conditions()).unwrap_or_default();
    s.conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let held = c.evaluate(&req.context);
            let clause = clauses.get(i);
            let got = req
                .context
                .get(c.key())
                .filter(|v| !v.values().is_empty())
                .map(|v| v.values().to_vec());
            let note = if held {
                None
            } else {
                c.defect(&req.context).map(str::to_string).or_else(|| {
                    c.referenced_keys()
                        .skip(1)
                        .find(|k| req.context.get(k).is_none())
                        .map(|k| {
                            format!("the policy variable ${{{k}}} has no value in the request")
                        })
                })
            };
            (
                held,
                ConditionCheck {
                    operator: c.operator().to_string(),
                    key: clause.map_or_else(|| c.key().to_string(), |cl| cl.key.clone()),
                    wanted: clause.map(|cl| cl.values.clone()).unwrap_or_default(),
                    got,
                    note,
                },
            )
        })
        .collect()
}
