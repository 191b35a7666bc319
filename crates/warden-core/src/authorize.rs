//! The decision: AWS's policy evaluation logic over every policy type
//! (`reference_policies_evaluation-logic.html`, `reference_policies_evaluation-logic-cross-account.html`,
//! `access_policies_boundaries.html`, `orgs_manage_policies_scps_evaluation.html`).
//!
//! Evaluation is total: it never fails and never panics; whatever the input, it returns a decision.

use crate::arn::Arn;
use crate::compile::{CompiledPolicy, CompiledStatement, Layer, StatementRef};
use crate::context::{Context, ContextValue};
use crate::json::Position;
use crate::policy::{Effect, PolicyType};
use crate::principal::{Principal, PrincipalMatch, principal_match};
use std::sync::Arc;

/// A request to decide: who asks to do what to which resource, with which context.
#[derive(Debug, Clone)]
pub struct Request {
    /// Who is asking.
    pub principal: Principal,
    /// The action, e.g. `iam:PassRole` (case-insensitive).
    pub action: String,
    /// The resource ARN, or `*` for actions without resource-level permissions.
    pub resource: String,
    /// The condition keys the request carries.
    pub context: Context,
    /// The account that owns the resource. When absent it is read from the resource ARN, and
    /// when the ARN has no account (S3 buckets) the resource is taken to be the principal's.
    pub resource_account: Option<String>,
}

impl Request {
    /// A request with an empty context.
    pub fn new(
        principal: Principal,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> Request {
        Request {
            principal,
            action: action.into(),
            resource: resource.into(),
            context: Context::new(),
            resource_account: None,
        }
    }

    /// Adds the global keys AWS derives from the principal itself (`aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` for users,
    /// `aws:PrincipalServiceName` for services), unless the context already has them
    /// (`reference_policies_condition-keys.html`).
    pub fn with_principal_keys(mut self) -> Request {
        let p = &self.principal;
        if let Some(arn) = p.principal_arn() {
            self.context
                .insert_default("aws:PrincipalArn", ContextValue::string(arn));
        }
        if let Some(account) = p.account() {
            self.context
                .insert_default("aws:PrincipalAccount", ContextValue::string(account));
        }
        let kind = match p {
            Principal::Account { .. } => Some("Account"),
            Principal::User { .. } => Some("User"),
            Principal::Role { .. } | Principal::AssumedRole { .. } => Some("AssumedRole"),
            Principal::FederatedUser { .. } => Some("FederatedUser"),
            Principal::Anonymous => Some("Anonymous"),
            Principal::Service(_) | Principal::Other(_) => None,
        };
        if let Some(kind) = kind {
            self.context
                .insert_default("aws:PrincipalType", ContextValue::string(kind));
        }
        // `aws:PrincipalIsAWSService` is present in every request
        // (`reference_policies_condition-keys.html#condition-keys-principalisawsservice`).
        let is_service = if self.principal.is_service() {
            "true"
        } else {
            "false"
        };
        self.context.insert_default(
            "aws:PrincipalIsAWSService",
            ContextValue::string(is_service),
        );
        match &self.principal {
            Principal::User { name, .. } => {
                let name = name.clone();
                self.context
                    .insert_default("aws:username", ContextValue::string(name));
            }
            Principal::Service(s) => {
                let s = s.clone();
                self.context
                    .insert_default("aws:PrincipalServiceName", ContextValue::string(s));
            }
            _ => {}
        }
        self
    }

    pub(crate) fn resource_account(&self) -> Option<&str> {
        if let Some(a) = self.resource_account.as_deref() {
            return Some(a);
        }
        match Arn::parse(&self.resource) {
            Some(arn) if !arn.account.is_empty() && arn.account != "aws" => Some(arn.account),
            _ => self.principal.account(),
        }
    }
}

/// The three outcomes AWS reports (`EvalDecision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum EvalDecision {
    /// Allowed.
    #[serde(rename = "allowed")]
    Allowed,
    /// Denied by a `Deny` statement that applies.
    #[serde(rename = "explicitDeny")]
    ExplicitDeny,
    /// Denied because nothing allows it (or a layer that must allow does not).
    #[serde(rename = "implicitDeny")]
    ImplicitDeny,
}

impl EvalDecision {
    /// AWS's spelling: `allowed`, `explicitDeny`, `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allowed => "allowed",
            EvalDecision::ExplicitDeny => "explicitDeny",
            EvalDecision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// Why the decision came out as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `sts:GetCallerIdentity` needs no permission (`API_GetCallerIdentity.html`).
    AlwaysAllowed,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// A level of resource control policies has no `Allow` for the request.
    RcpLevelDenies(usize),
    /// A level of service control policies has no `Allow` for the request.
    ScpLevelDenies(usize),
    /// The role's trust policy does not allow this principal to assume it.
    TrustDoesNotAllow,
    /// The resource-based policy, in another account, does not allow the principal.
    ResourcePolicyDoesNotAllow,
    /// The KMS key policy neither allows the principal nor delegates to the account's IAM
    /// policies (`kms/latest/developerguide/key-policies.html`).
    KeyPolicyDoesNotAllow,
    /// No identity-based policy allows the request.
    NoIdentityAllow,
    /// The permissions boundary does not allow the request.
    BoundaryDoesNotAllow,
    /// The session policy does not allow the request.
    SessionPolicyDoesNotAllow,
    /// A service principal asked and no resource-based policy allows it.
    ServiceNotAllowed,
    /// Allowed by identity-based policies (within boundary and session policy).
    AllowedByIdentity,
    /// Allowed by the resource-based policy alone (it names the principal exactly).
    AllowedByResource,
    /// Allowed by both the identity and the resource side (cross-account, or a trust naming
    /// the account).
    AllowedByBoth,
}

impl Reason {
    /// A short stable code: `no-identity-policy-allows`, `scp-level-1-does-not-allow`, ...
    pub fn code(&self) -> String {
        match self {
            Reason::AlwaysAllowed => "always-allowed".into(),
            Reason::ExplicitDeny => "explicit-deny".into(),
            Reason::RcpLevelDenies(i) => format!("rcp-level-{}-does-not-allow", i + 1),
            Reason::ScpLevelDenies(i) => format!("scp-level-{}-does-not-allow", i + 1),
            Reason::TrustDoesNotAllow => "trust-policy-does-not-allow".into(),
            Reason::ResourcePolicyDoesNotAllow => "resource-policy-does-not-allow".into(),
            Reason::KeyPolicyDoesNotAllow => "key-policy-does-not-allow".into(),
            Reason::NoIdentityAllow => "no-identity-policy-allows".into(),
            Reason::BoundaryDoesNotAllow => "boundary-does-not-allow".into(),
            Reason::SessionPolicyDoesNotAllow => "session-policy-does-not-allow".into(),
            Reason::ServiceNotAllowed => "service-principal-not-allowed".into(),
            Reason::AllowedByIdentity => "allowed-by-identity-policy".into(),
            Reason::AllowedByResource => "allowed-by-resource-policy".into(),
            Reason::AllowedByBoth => "allowed-by-identity-and-resource-policy".into(),
        }
    }
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The policy's id in reports (`SourcePolicyId`).
    pub source_policy_id: Arc<str>,
    /// The policy's type in reports (`SourcePolicyType`).
    pub source_policy_type: Arc<str>,
    /// The kind of policy.
    pub policy_type: PolicyType,
    /// 0-based statement index.
    pub statement_index: usize,
    /// The statement's `Sid`, if any.
    pub sid: Option<Arc<str>>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Where the statement starts.
    pub start: Position,
    /// Where the statement ends.
    pub end: Position,
}

/// The decision with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed, explicit deny or implicit deny.
    pub decision: EvalDecision,
    /// Why.
    pub reason: Reason,
    /// The statements that decided: the applicable `Deny` statements for an explicit deny,
    /// the `Allow` statements that granted for an allow, none for an implicit deny.
    pub matched: Vec<MatchedStatement>,
    /// Condition keys that applicable statements asked for and the request did not carry, in
    /// first-seen order and as the policy wrote them.
    pub missing_context: Vec<String>,
    /// Whether the permissions boundary allows, when there is one.
    pub allowed_by_boundary: Option<bool>,
    /// Whether the SCPs and RCPs allow, when there are any that apply.
    pub allowed_by_organizations: Option<bool>,
}

/// Every policy that bears on requests of one principal against one resource.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub(crate) identity: Layer,
    pub(crate) boundary: Option<Layer>,
    pub(crate) session: Option<Layer>,
    pub(crate) resource: Option<Layer>,
    pub(crate) scps: Vec<Layer>,
    pub(crate) rcps: Vec<Layer>,
}

/// Builds a [`PolicySet`].
#[derive(Debug, Default)]
pub struct PolicySetBuilder {
    identity: Vec<CompiledPolicy>,
    boundary: Option<Vec<CompiledPolicy>>,
    session: Option<Vec<CompiledPolicy>>,
    resource: Option<Vec<CompiledPolicy>>,
    scps: Vec<Vec<CompiledPolicy>>,
    rcps: Vec<Vec<CompiledPolicy>>,
}

impl PolicySetBuilder {
    /// Adds an identity-based policy.
    pub fn identity(mut self, p: CompiledPolicy) -> Self {
        self.identity.push(p);
        self
    }
    /// Adds a permissions boundary policy (several act as one boundary).
    pub fn boundary(mut self, p: CompiledPolicy) -> Self {
        self.boundary.get_or_insert_with(Vec::new).push(p);
        self
    }
    /// Adds a session policy.
    pub fn session(mut self, p: CompiledPolicy) -> Self {
        self.session.get_or_insert_with(Vec::new).push(p);
        self
    }
    /// Adds the resource-based policy (or the role's trust policy).
    pub fn resource(mut self, p: CompiledPolicy) -> Self {
        self.resource.get_or_insert_with(Vec::new).push(p);
        self
    }
    /// Adds a level of SCPs, from the root down: every level must allow.
    pub fn scp_level(mut self, level: Vec<CompiledPolicy>) -> Self {
        self.scps.push(level);
        self
    }
    /// Adds a level of RCPs, from the root down: every level must allow.
    pub fn rcp_level(mut self, level: Vec<CompiledPolicy>) -> Self {
        self.rcps.push(level);
        self
    }
    /// Compiles the indexes.
    pub fn build(self) -> PolicySet {
        PolicySet {
            identity: Layer::new(self.identity),
            boundary: self.boundary.map(Layer::new),
            session: self.session.map(Layer::new),
            resource: self.resource.map(Layer::new),
            scps: self.scps.into_iter().map(Layer::new).collect(),
            rcps: self.rcps.into_iter().map(Layer::new).collect(),
        }
    }
}

/// What one layer says about a request.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    deny: bool,
    allow: bool,
    /// For resource policies: the strongest way an applicable `Allow` names the principal.
    allow_match: Option<PrincipalMatch>,
}

/// Where evaluation reports what it saw. The fast path uses `()` and records nothing.
trait Sink {
    const COLLECTS: bool;
    fn statement(&mut self, layer: LayerId, policy: &CompiledPolicy, s: &CompiledStatement);
    fn missing(&mut self, key: &str);
}

impl Sink for () {
    const COLLECTS: bool = false;
    fn statement(&mut self, _: LayerId, _: &CompiledPolicy, _: &CompiledStatement) {}
    fn missing(&mut self, _: &str) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerId {
    Identity,
    Boundary,
    Session,
    Resource,
    Scp,
    Rcp,
}

#[derive(Default)]
struct Collector {
    statements: Vec<(LayerId, MatchedStatement)>,
    missing: Vec<String>,
}

impl Sink for Collector {
    const COLLECTS: bool = true;
    fn statement(&mut self, layer: LayerId, p: &CompiledPolicy, s: &CompiledStatement) {
        self.statements.push((
            layer,
            MatchedStatement {
                source_policy_id: p.source_id.clone(),
                source_policy_type: p.source_type.clone(),
                policy_type: p.policy_type,
                statement_index: s.index,
                sid: s.sid.clone(),
                effect: s.effect,
                start: s.start,
                end: s.end,
            },
        ));
    }
    fn missing(&mut self, key: &str) {
        if !self.missing.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            self.missing.push(key.to_string());
        }
    }
}

/// Lower-cases an ASCII action into a stack buffer (actions are ASCII). `None` when it is not
/// ASCII or does not fit, and the caller then allocates. A buffer in the caller's frame rather
/// than a returned struct: moving 150 bytes out of a constructor was a measurable share of a
/// decision.
#[inline]
fn lower_ascii<'b>(action: &str, buf: &'b mut [u8; 128]) -> Option<&'b str> {
    let bytes = action.as_bytes();
    let dst = buf.get_mut(..bytes.len())?;
    // One pass that lower-cases and checks for ASCII at once (it vectorises).
    let mut high = 0u8;
    for (d, &s) in dst.iter_mut().zip(bytes) {
        high |= s;
        *d = s.to_ascii_lowercase();
    }
    if !high.is_ascii() {
        return None;
    }
    std::str::from_utf8(dst).ok()
}

/// The actions a role's trust policy must allow, even within the account: the assume actions,
/// and the ones that go with them when a session carries tags, a source identity or context
/// (`id_session-tags.html`, `id_credentials_temp_control-access_monitor.html`).
const ASSUME_ACTIONS: [&str; 6] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
];

impl PolicySet {
    /// Starts a builder.
    pub fn builder() -> PolicySetBuilder {
        PolicySetBuilder::default()
    }

    /// The decision alone, on the fast path: no explanation is built and nothing is allocated
    /// for a plain allow or deny.
    pub fn decide(&self, req: &Request) -> EvalDecision {
        self.evaluate(req, &mut ()).0
    }

    /// The decision with the statements that decided it and the missing context keys.
    pub fn authorize(&self, req: &Request) -> Decision {
        let mut c = Collector::default();
        let (decision, reason, boundary, orgs) = self.evaluate(req, &mut c);
        let wanted = |layer: LayerId, effect: Effect| -> bool {
            match decision {
                EvalDecision::ExplicitDeny => effect == Effect::Deny,
                EvalDecision::ImplicitDeny => false,
                EvalDecision::Allowed => {
                    effect == Effect::Allow
                        && match reason {
                            Reason::AllowedByResource => layer == LayerId::Resource,
                            Reason::AllowedByIdentity => layer == LayerId::Identity,
                            Reason::AllowedByBoth => {
                                matches!(layer, LayerId::Identity | LayerId::Resource)
                            }
                            _ => false,
                        }
                }
            }
        };
        let matched = c
            .statements
            .into_iter()
            .filter(|(layer, m)| wanted(*layer, m.effect))
            .map(|(_, m)| m)
            .collect();
        Decision {
            decision,
            reason,
            matched,
            missing_context: c.missing,
            allowed_by_boundary: boundary,
            allowed_by_organizations: orgs,
        }
    }

    fn evaluate<S: Sink>(
        &self,
        req: &Request,
        sink: &mut S,
    ) -> (EvalDecision, Reason, Option<bool>, Option<bool>) {
        let mut buf = [0u8; 128];
        let heap;
        let action = match lower_ascii(&req.action, &mut buf) {
            Some(a) => a,
            None => {
                heap = req.action.to_lowercase();
                heap.as_str()
            }
        };
        // GetCallerIdentity needs no permission and cannot be denied (`API_GetCallerIdentity.html`).
        if action == "sts:getcalleridentity" {
            return (EvalDecision::Allowed, Reason::AlwaysAllowed, None, None);
        }
        let p = &req.principal;
        let Scope {
            iam,
            orgs_apply,
            rcps_apply,
            bounded,
        } = self.scope(req);

        let mut explicit = false;
        let mut eval = |layer: &Layer, id: LayerId, sink: &mut S| -> Outcome {
            // On the fast path nothing after an explicit deny can change the decision.
            if explicit && !S::COLLECTS {
                return Outcome::default();
            }
            let o = eval_layer(layer, id, req, action, bounded, sink);
            explicit |= o.deny;
            o
        };

        let identity = if iam {
            eval(&self.identity, LayerId::Identity, sink)
        } else {
            Outcome::default()
        };
        let boundary = if iam {
            self.boundary
                .as_ref()
                .map(|b| eval(b, LayerId::Boundary, sink))
        } else {
            None
        };
        let session = if iam {
            self.session
                .as_ref()
                .map(|s| eval(s, LayerId::Session, sink))
        } else {
            None
        };
        let resource = self
            .resource
            .as_ref()
            .map(|r| eval(r, LayerId::Resource, sink));
        let mut scp_fail = None;
        let mut orgs_deny = false;
        if orgs_apply {
            for (i, level) in self.scps.iter().enumerate() {
                let o = eval(level, LayerId::Scp, sink);
                orgs_deny |= o.deny;
                if !o.allow && scp_fail.is_none() {
                    scp_fail = Some(i);
                }
            }
        }
        let mut rcp_fail = None;
        if rcps_apply {
            for (i, level) in self.rcps.iter().enumerate() {
                let o = eval(level, LayerId::Rcp, sink);
                orgs_deny |= o.deny;
                if !o.allow && rcp_fail.is_none() {
                    rcp_fail = Some(i);
                }
            }
        }

        let boundary_ok = boundary.map(|b| b.allow && !b.deny);
        let orgs_present =
            (orgs_apply && !self.scps.is_empty()) || (rcps_apply && !self.rcps.is_empty());
        // The organization allows when no SCP or RCP denies and every level allows.
        let orgs_ok =
            orgs_present.then_some(!orgs_deny && scp_fail.is_none() && rcp_fail.is_none());
        let done = |d: EvalDecision, r: Reason| (d, r, boundary_ok, orgs_ok);

        // 1. An explicit deny in any policy wins.
        if explicit {
            return done(EvalDecision::ExplicitDeny, Reason::ExplicitDeny);
        }
        // 2-3. Every RCP level, then every SCP level, must allow.
        if let Some(i) = rcp_fail {
            return done(EvalDecision::ImplicitDeny, Reason::RcpLevelDenies(i));
        }
        if let Some(i) = scp_fail {
            return done(EvalDecision::ImplicitDeny, Reason::ScpLevelDenies(i));
        }

        let resource_allow = resource.and_then(|r| r.allow_match);
        // Service principals have no identity policies: only the resource side decides
        // (`reference_policies_evaluation-logic.html`).
        if !iam {
            return match resource_allow {
                Some(_) => done(EvalDecision::Allowed, Reason::AllowedByResource),
                None => done(EvalDecision::ImplicitDeny, Reason::ServiceNotAllowed),
            };
        }

        let within_limits = |grant: bool| -> Result<(), Reason> {
            if !grant {
                return Err(Reason::NoIdentityAllow);
            }
            if boundary.is_some_and(|b| !b.allow) {
                return Err(Reason::BoundaryDoesNotAllow);
            }
            if session.is_some_and(|s| !s.allow) {
                return Err(Reason::SessionPolicyDoesNotAllow);
            }
            Ok(())
        };
        let identity_side = within_limits(identity.allow);

        let cross_account = match (p.account(), req.resource_account()) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if cross_account {
            // Both sides must allow (`reference_policies_evaluation-logic-cross-account.html`).
            return match (identity_side, resource_allow) {
                (Ok(()), Some(_)) => done(EvalDecision::Allowed, Reason::AllowedByBoth),
                (Err(r), _) => done(EvalDecision::ImplicitDeny, r),
                (Ok(()), None) => {
                    let r = if self.is_trust_request(action, &req.resource) {
                        Reason::TrustDoesNotAllow
                    } else {
                        Reason::ResourcePolicyDoesNotAllow
                    };
                    done(EvalDecision::ImplicitDeny, r)
                }
            };
        }

        // A role's trust policy must allow AssumeRole even within the account
        // (`id_roles_use.html`, `reference_policies_evaluation-logic.html`).
        if self.is_trust_request(action, &req.resource) && resource_allow.is_none() {
            return done(EvalDecision::ImplicitDeny, Reason::TrustDoesNotAllow);
        }
        // "Unless the key policy explicitly allows it, you cannot use IAM policies to allow
        // access to a KMS key" (`kms/latest/developerguide/key-policies.html`): with a key
        // policy given, an identity allow alone is not enough. Without one nothing is known of
        // the key policy, and identity policies decide as AWS's simulator does.
        if resource_allow.is_none() && self.resource.is_some() && is_kms_key_request(req, action) {
            return done(EvalDecision::ImplicitDeny, Reason::KeyPolicyDoesNotAllow);
        }

        match resource_allow {
            // The resource policy names the user or the session: it grants on its own; an
            // implicit deny in a boundary or session policy does not limit it
            // (`access_policies_boundaries.html`). `Principal: "*"` grants the same way to the
            // account's users and roles: "For IAM users and role principals within your
            // account, no other permissions are required"
            // (`reference_policies_elements_principal.html#principal-anonymous`).
            Some(PrincipalMatch::Exact | PrincipalMatch::Wildcard) => {
                done(EvalDecision::Allowed, Reason::AllowedByResource)
            }
            // It names the role: the grant counts as the identity allow, still cut by the
            // boundary and the session policy.
            Some(PrincipalMatch::RoleOfSession) => match within_limits(true) {
                Ok(()) => done(EvalDecision::Allowed, Reason::AllowedByResource),
                Err(r) => done(EvalDecision::ImplicitDeny, r),
            },
            // It names the account: the account's identity policies decide.
            Some(_) => match identity_side {
                Ok(()) => done(EvalDecision::Allowed, Reason::AllowedByBoth),
                Err(r) => done(EvalDecision::ImplicitDeny, r),
            },
            None => match identity_side {
                Ok(()) => done(EvalDecision::Allowed, Reason::AllowedByIdentity),
                Err(r) => done(EvalDecision::ImplicitDeny, r),
            },
        }
    }

    /// Which layers bind the request's principal.
    #[inline]
    pub(crate) fn scope(&self, req: &Request) -> Scope {
        let p = &req.principal;
        let iam = p.is_iam();
        // SCPs bind the account's IAM principals, not service principals nor service-linked
        // roles (`orgs_manage_policies_scps.html`). RCPs bind every caller of the resource but
        // service-linked roles (`orgs_manage_policies_rcps.html`, "Resources and entities not
        // restricted by RCPs"): AWS's own RCP examples exempt AWS services with a
        // `aws:PrincipalIsAWSService` condition, which they would not need otherwise.
        // Whether the principal is service-linked matters only when there are SCPs or RCPs
        // to skip, so the ARN is searched only then.
        let service_linked =
            (!self.scps.is_empty() || !self.rcps.is_empty()) && p.is_service_linked();
        Scope {
            iam,
            orgs_apply: iam && !service_linked,
            rcps_apply: !service_linked,
            // Whether the caller has a permissions boundary (a `NotPrincipal` deny then
            // applies to it whatever the element lists).
            bounded: iam && self.boundary.is_some(),
        }
    }

    /// Whether the resource policy is a role's trust policy for this request: an assume action
    /// on a role ARN. Decided from the request, not from the policy's shape, so that a trust
    /// policy carrying a `Resource` element (which IAM rejects in trust policies) is still the
    /// trust policy the role must have (`id_roles_use.html`).
    pub(crate) fn is_trust_request(&self, lower_action: &str, resource: &str) -> bool {
        ASSUME_ACTIONS.contains(&lower_action)
            && self.resource.is_some()
            && Arn::parse(resource)
                .is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"))
    }
}

/// A `kms:` action on a KMS key (`arn:...:kms:REGION:ACCOUNT:key/ID`), the resource whose key
/// policy must allow (`kms/latest/developerguide/key-policies.html`). Aliases have no key
/// policy of their own.
pub(crate) fn is_kms_key_request(req: &Request, lower_action: &str) -> bool {
    lower_action.starts_with("kms:")
        && Arn::parse(&req.resource)
            .is_some_and(|a| a.service == "kms" && a.resource.starts_with("key/"))
}

/// What one layer says about the request. `bounded`: the caller has a permissions boundary.
fn eval_layer<S: Sink>(
    layer: &Layer,
    id: LayerId,
    req: &Request,
    action: &str,
    bounded: bool,
    sink: &mut S,
) -> Outcome {
    let mut out = Outcome::default();
    let resource_layer = id == LayerId::Resource;
    layer.for_each_candidate(action, |r: StatementRef| {
        if out.deny && !S::COLLECTS {
            return;
        }
        let Some((policy, s)) = layer.statement(r) else {
            return;
        };
        if !s.resource_matches(&req.resource, &req.context) {
            if S::COLLECTS {
                // A resource variable without a value is a missing key too.
                for key in s.resource_variable_keys() {
                    if req.context.get(key).is_none() {
                        sink.missing(key);
                    }
                }
            }
            return;
        }
        let named = if resource_layer {
            match statement_principal(s, &req.principal, bounded) {
                Ok(m) => m,
                Err(_) => return,
            }
        } else {
            PrincipalMatch::Exact
        };
        if S::COLLECTS {
            for (c, key) in s.conditions.iter().zip(&s.condition_keys) {
                if req.context.get(c.key()).is_none() {
                    sink.missing(key);
                }
                for k in c.referenced_keys() {
                    if k != c.key() && req.context.get(k).is_none() {
                        sink.missing(k);
                    }
                }
            }
        }
        if !s.conditions_hold(&req.context) {
            return;
        }
        sink.statement(id, policy, s);
        match s.effect {
            Effect::Deny => out.deny = true,
            Effect::Allow => {
                out.allow = true;
                if resource_layer {
                    out.allow_match = Some(out.allow_match.map_or(named, |m| m.max(named)));
                }
            }
        }
    });
    out
}

/// Which layers bind a request's principal (see [`PolicySet::scope`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    /// An IAM principal: identity policies, boundaries and session policies apply.
    pub(crate) iam: bool,
    /// SCPs apply.
    pub(crate) orgs_apply: bool,
    /// RCPs apply.
    pub(crate) rcps_apply: bool,
    /// The caller has a permissions boundary.
    pub(crate) bounded: bool,
}

/// Why a resource-policy statement's `Principal`/`NotPrincipal` does not cover the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalMiss {
    /// The statement has no `Principal` at all (a resource policy needs one).
    Absent,
    /// `Principal` does not name the caller.
    NotNamed,
    /// `NotPrincipal` lists the caller.
    Excluded,
}

/// How a resource-policy statement's `Principal` or `NotPrincipal` covers the caller: the one
/// principal matcher of the evaluator and of [`PolicySet::explain`]. `bounded`: the caller has a
/// permissions boundary.
#[inline]
pub(crate) fn statement_principal(
    s: &CompiledStatement,
    who: &Principal,
    bounded: bool,
) -> Result<PrincipalMatch, PrincipalMiss> {
    let Some(block) = &s.principal else {
        return Err(PrincipalMiss::Absent);
    };
    let m = principal_match(block, who);
    if block.negated {
        // NotPrincipal: everyone not listed. Only an exact listing exempts: a
        // session is spared only when its session ARN is listed, not by its
        // role's ARN alone (`reference_policies_elements_notprincipal.html`);
        // a caller given as the role itself is spared by the role's ARN.
        let listed = m == PrincipalMatch::Exact
            || (m == PrincipalMatch::RoleOfSession && matches!(who, Principal::Role { .. }));
        // "The NotPrincipal element with a Deny effect will always deny any IAM
        // principal that has a permissions boundary policy attached, regardless
        // of the values specified in the NotPrincipal element"
        // (`access_policies_boundaries.html`).
        let boundary_denies = bounded && s.effect == Effect::Deny;
        if listed && !boundary_denies {
            return Err(PrincipalMiss::Excluded);
        }
        Ok(PrincipalMatch::Wildcard)
    } else if m.is_match() {
        Ok(m)
    } else {
        Err(PrincipalMiss::NotNamed)
    }
}
