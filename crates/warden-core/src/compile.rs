//! Policies compiled into an indexed form: globs pre-built, condition values pre-parsed, and
//! statements indexed by the actions they can match, so a decision starts with one hash lookup
//! and touches only the statements that name its action.

use crate::condition::CompiledCondition;
use crate::context::Context;
use crate::glob::Glob;
use crate::json::Position;
use crate::policy::{Effect, Policy, PolicyType, PrincipalBlock, Statement};
use crate::variables::Template;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// A policy ready for evaluation, with the name it is reported under.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub(crate) source_id: Arc<str>,
    pub(crate) source_type: Arc<str>,
    pub(crate) policy_type: PolicyType,
    pub(crate) policy: Arc<Policy>,
    pub(crate) statements: Vec<CompiledStatement>,
}

impl CompiledPolicy {
    /// Compiles a parsed policy. `source_id` and `source_type` are what reports call it
    /// (AWS's `SourcePolicyId` and `SourcePolicyType`).
    pub fn new(
        policy: Arc<Policy>,
        policy_type: PolicyType,
        source_id: impl Into<Arc<str>>,
        source_type: impl Into<Arc<str>>,
    ) -> CompiledPolicy {
        let statements = policy
            .statements()
            .iter()
            .map(|s| CompiledStatement::new(s, policy.version().substitutes_variables()))
            .collect();
        CompiledPolicy {
            source_id: source_id.into(),
            source_type: source_type.into(),
            policy_type,
            policy,
            statements,
        }
    }

    /// The parsed policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The id it is reported under.
    pub fn source_id(&self) -> &str {
        &self.source_id
    }

    /// The kind of policy, as it is validated.
    pub fn policy_type(&self) -> PolicyType {
        self.policy_type
    }
}

/// One statement, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) effect: Effect,
    pub(crate) index: usize,
    pub(crate) sid: Option<Arc<str>>,
    pub(crate) start: Position,
    pub(crate) end: Position,
    /// Lower-cased action patterns.
    pub(crate) actions: Vec<Glob>,
    pub(crate) not_action: bool,
    pub(crate) resources: Option<Resources>,
    pub(crate) principal: Option<PrincipalBlock>,
    pub(crate) conditions: Vec<CompiledCondition>,
    /// The condition keys as the policy wrote them, one per condition clause.
    pub(crate) condition_keys: Vec<String>,
}

/// `Resource` or `NotResource`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Resources {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<ResourcePattern>,
}

/// A resource pattern: a fixed glob, or a template with policy variables resolved per request.
#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    Static(Glob),
    Template(Template),
}

impl ResourcePattern {
    fn new(text: &str, substitute: bool) -> ResourcePattern {
        // Variables only in the ARN's resource part (`reference_policies_variables.html`).
        let t = Template::parse_resource(text, substitute);
        if t.has_variables() {
            return ResourcePattern::Template(t);
        }
        match t.resolve_tokens(&Context::default()) {
            Some(tokens) => ResourcePattern::Static(Glob::from_tokens(&tokens)),
            None => ResourcePattern::Static(Glob::new(text)),
        }
    }

    /// Whether the request's resource matches. A request for `*` (an action without
    /// resource-level permissions) is matched only by the pattern `*`
    /// (`reference_policies_actions-resources-contextkeys.html`).
    pub(crate) fn matches(&self, resource: &str, ctx: &Context) -> bool {
        match self {
            ResourcePattern::Static(g) => {
                if resource == "*" {
                    g.is_any()
                } else {
                    g.matches(resource)
                }
            }
            ResourcePattern::Template(t) => match t.resolve_tokens(ctx) {
                // Unresolved variable: the pattern matches nothing (`reference_policies_variables.html`).
                None => false,
                Some(tokens) => {
                    let g = Glob::from_tokens(&tokens);
                    if resource == "*" {
                        g.is_any()
                    } else {
                        g.matches(resource)
                    }
                }
            },
        }
    }

    /// The context keys its variables read.
    pub(crate) fn variable_keys(&self) -> Vec<&str> {
        match self {
            ResourcePattern::Static(_) => Vec::new(),
            ResourcePattern::Template(t) => t.variable_keys().collect(),
        }
    }
}

impl CompiledStatement {
    fn new(s: &Statement, substitute: bool) -> CompiledStatement {
        CompiledStatement {
            effect: s.effect,
            index: s.index,
            sid: s.sid.as_deref().map(Arc::from),
            start: s.start,
            end: s.end,
            actions: s
                .action
                .values
                .iter()
                // The same lower-casing as the request's action (`authorize::lower_ascii`, else `to_lowercase`).
                .map(|a| Glob::new(&a.to_lowercase()))
                .collect(),
            not_action: s.action.negated,
            resources: s.resource.as_ref().map(|r| Resources {
                negated: r.negated,
                patterns: r
                    .values
                    .iter()
                    .map(|p| ResourcePattern::new(p, substitute))
                    .collect(),
            }),
            principal: s.principal.clone(),
            condition_keys: s.conditions.iter().map(|c| c.key.clone()).collect(),
            conditions: s
                .conditions
                .iter()
                .map(|c| {
                    CompiledCondition::compile(
                        c,
                        if substitute {
                            crate::policy::Version::V2012_10_17
                        } else {
                            crate::policy::Version::V2008_10_17
                        },
                    )
                })
                .collect(),
        }
    }

    /// Whether the (lower-cased) action is covered by `Action`, or not excluded by `NotAction`.
    pub(crate) fn action_matches(&self, lower_action: &str) -> bool {
        let any = self.actions.iter().any(|g| g.matches(lower_action));
        any != self.not_action
    }

    /// Whether `Resource`/`NotResource` covers the request's resource (absent: always).
    pub(crate) fn resource_matches(&self, resource: &str, ctx: &Context) -> bool {
        match &self.resources {
            None => true,
            Some(r) => {
                let any = r.patterns.iter().any(|p| p.matches(resource, ctx));
                any != r.negated
            }
        }
    }

    /// The context keys read by policy variables in `Resource`/`NotResource`.
    pub(crate) fn resource_variable_keys(&self) -> impl Iterator<Item = &str> {
        self.resources
            .iter()
            .flat_map(|r| r.patterns.iter())
            .flat_map(|p| p.variable_keys())
    }

    /// Whether every condition clause holds.
    pub(crate) fn conditions_hold(&self, ctx: &Context) -> bool {
        self.conditions.iter().all(|c| c.evaluate(ctx))
    }
}

/// A statement's place in a layer: (policy index, statement index).
pub(crate) type StatementRef = (u32, u32);

/// All the policies of one kind for a request (identity, boundary, one SCP level, ...), with
/// the action index over their statements.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub(crate) policies: Vec<CompiledPolicy>,
    pub(crate) index: ActionIndex,
}

impl Layer {
    /// Builds a layer and its index.
    pub fn new(policies: Vec<CompiledPolicy>) -> Layer {
        let index = ActionIndex::build(&policies);
        Layer { policies, index }
    }

    /// The policies of the layer.
    pub fn policies(&self) -> &[CompiledPolicy] {
        &self.policies
    }

    /// Whether the layer has no policy at all.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    pub(crate) fn statement(
        &self,
        r: StatementRef,
    ) -> Option<(&CompiledPolicy, &CompiledStatement)> {
        let p = self.policies.get(r.0 as usize)?;
        let s = p.statements.get(r.1 as usize)?;
        Some((p, s))
    }

    /// Calls `f` once for each statement whose action part matches `lower_action`.
    pub(crate) fn for_each_candidate(&self, lower_action: &str, f: impl FnMut(StatementRef)) {
        self.index.for_each_candidate(self, lower_action, f);
    }
}

/// Statements by the actions they can match. Exact actions are one hash lookup; patterns with a
/// literal service prefix (`ec2:Describe*`) are found by prefix; the rest (`*`, `*:Get*`) and
/// every `NotAction` statement are always candidates. Statements are numbered flat across the
/// layer's policies; `refs` maps a flat number back.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionIndex {
    refs: Vec<StatementRef>,
    exact: HashMap<Box<str>, Vec<u32>, ActionHash>,
    by_service: HashMap<Box<str>, Vec<(Glob, u32)>, ActionHash>,
    general: Vec<(Glob, u32)>,
    negated: Vec<u32>,
}

impl ActionIndex {
    fn build(policies: &[CompiledPolicy]) -> ActionIndex {
        let mut idx = ActionIndex::default();
        for (pi, p) in policies.iter().enumerate() {
            for (si, s) in p.statements.iter().enumerate() {
                let flat = idx.refs.len() as u32;
                idx.refs.push((pi as u32, si as u32));
                if s.not_action {
                    idx.negated.push(flat);
                    continue;
                }
                for g in &s.actions {
                    if let Some(exact) = g.as_exact() {
                        idx.exact.entry(exact.into()).or_default().push(flat);
                        continue;
                    }
                    match g.literal_prefix().split_once(':') {
                        Some((service, _)) => idx
                            .by_service
                            .entry(service.into())
                            .or_default()
                            .push((g.clone(), flat)),
                        None => idx.general.push((g.clone(), flat)),
                    }
                }
            }
        }
        idx
    }

    fn for_each_candidate(
        &self,
        layer: &Layer,
        lower_action: &str,
        mut f: impl FnMut(StatementRef),
    ) {
        let mut seen = Seen::new(self.refs.len());
        let mut visit = |flat: u32| {
            if seen.insert(flat)
                && let Some(&r) = self.refs.get(flat as usize)
            {
                f(r);
            }
        };
        if let Some(list) = self.exact.get(lower_action) {
            for &flat in list {
                visit(flat);
            }
        }
        if let Some((service, _)) = lower_action.split_once(':')
            && let Some(list) = self.by_service.get(service)
        {
            for (g, flat) in list {
                if g.matches(lower_action) {
                    visit(*flat);
                }
            }
        }
        for (g, flat) in &self.general {
            if g.matches(lower_action) {
                visit(*flat);
            }
        }
        for &flat in &self.negated {
            let matched = self
                .refs
                .get(flat as usize)
                .and_then(|&r| layer.statement(r))
                .is_some_and(|(_, s)| s.action_matches(lower_action));
            if matched {
                visit(flat);
            }
        }
    }
}

/// The index's hasher: keys are short action and service names, and hashing them is a good
/// part of a decision's cost, so a multiply-rotate hash over 8-byte words (FxHash's mixing)
/// replaces SipHash. Flooding is not a concern: keys come from policies, and a request's
/// action only probes, it never inserts.
type ActionHash = BuildHasherDefault<WordHasher>;

#[derive(Default)]
struct WordHasher {
    hash: u64,
}

impl WordHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        // Fixed-size reads only: a variable-length copy of the tail would be a `memcpy` call.
        while let Some((word, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*word));
            bytes = rest;
        }
        if let Some((word, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*word)));
            bytes = rest;
        }
        if let Some((word, rest)) = bytes.split_first_chunk::<2>() {
            self.add(u64::from(u16::from_le_bytes(*word)));
            bytes = rest;
        }
        if let Some(&b) = bytes.first() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // hashbrown takes its control bits from the top of the hash: fold the well-mixed
        // high bits down too, so both ends carry entropy.
        self.hash ^ (self.hash >> 29)
    }
}

/// Which statements were already visited. A statement can be reached through several of its
/// patterns; this keeps each visit single without allocating for layers of up to 128 statements.
struct Seen {
    small: u128,
    large: Vec<bool>,
}

impl Seen {
    fn new(count: usize) -> Seen {
        Seen {
            small: 0,
            large: if count > 128 {
                vec![false; count]
            } else {
                Vec::new()
            },
        }
    }

    fn insert(&mut self, flat: u32) -> bool {
        if self.large.is_empty() {
            let bit = 1u128 << (flat & 127);
            let new = self.small & bit == 0;
            self.small |= bit;
            new
        } else {
            match self.large.get_mut(flat as usize) {
                Some(slot) if !*slot => {
                    *slot = true;
                    true
                }
                _ => false,
            }
        }
    }
}
