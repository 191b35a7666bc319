//! The decision procedure of the custom policy checks: is there a request inside some regions
//! and outside others?
//!
//! A request is a point with one coordinate per *dimension*: the action, the resource, the
//! principal (for resource policies) and each condition key the policies read (absent, or a
//! value). A statement is a *region*: the requests its `Action`, `Resource`, `Principal` and
//! each condition clause accept, every element a predicate over one dimension. A point lies
//! outside a region when it fails at least one of the region's predicates, so a point inside
//! the `must` regions and outside every `escape` region exists iff some choice of one failed
//! predicate per escape region leaves every dimension satisfiable. The search tries those
//! choices (most constrained region first, pruning as soon as a dimension empties), and each
//! dimension is decided on its own:
//!
//! - actions and resources, and string conditions, are wildcard languages: the catalog's
//!   actions (for a readable witness) and instantiated patterns are tried first, then
//!   `lang::find` decides exactly over all strings (so `sqs:*` covers actions the catalog does
//!   not list yet);
//! - numeric, date and IP conditions are ranges: the boundaries, their neighbours and points
//!   between them are a complete set of representatives; `Bool`, `Binary` and `Null` are finite;
//! - every predicate is evaluated by the evaluator's own condition code
//!   (`CompiledCondition::evaluate`) and pattern matcher (`Glob`).
//!
//! Where a dimension cannot be decided completely (set operators over multivalued keys, ARN
//! operators, policy variables, a search past its budget), the search notes why; the caller
//! then answers FAIL "not provable" when no witness was found, never PASS. Every point found is
//! re-decided by the evaluator (`PolicySet::authorize`) through the caller's oracle before it
//! is reported.

use crate::lang::{self, Constraint, Pattern};
use std::collections::HashMap;
use warden_core::Principal;
use warden_core::condition::CompiledCondition;
use warden_core::context::{Context, ContextValue};
use warden_core::glob::Glob;
use warden_core::policy::{ConditionClause, PrincipalBlock, Statement, Version};
use warden_core::principal::principal_match;

/// The most states the string search explores for one question.
const STRING_BUDGET: usize = 200_000;
/// The most search nodes for one question.
const NODE_BUDGET: usize = 200_000;

/// One coordinate of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    /// The key is not in the request.
    Absent,
    /// One value.
    One(String),
    /// A multivalued key's values.
    Many(Vec<String>),
}

/// A dimension of the request space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Dim {
    /// The action, lower-cased.
    Action,
    /// The resource ARN.
    Resource,
    /// The principal (its ARN, account id, service name, or `*` for anonymous).
    Principal,
    /// A condition key, lower-cased.
    Key(String),
}

/// A predicate over one dimension: one element of a statement.
#[derive(Debug, Clone)]
enum Pred {
    /// `Action`/`NotAction`, lower-cased.
    Action {
        texts: Vec<String>,
        globs: Vec<Glob>,
        negated: bool,
    },
    /// `Resource`/`NotResource`.
    Resource {
        texts: Vec<String>,
        globs: Vec<Glob>,
        negated: bool,
        variables: bool,
    },
    /// `Principal`/`NotPrincipal`.
    Principal(PrincipalBlock),
    /// One condition clause.
    Cond {
        clause: ConditionClause,
        compiled: CompiledCondition,
        /// The clause as a string language, when it is one exactly.
        model: Option<StrModel>,
    },
}

/// A single-valued string clause: present values pass iff they are in the union, negated or
/// not. (Absent keys are decided by the evaluator.)
#[derive(Debug, Clone)]
struct StrModel {
    patterns: Vec<Pattern>,
    negated: bool,
}

/// A region: the requests one statement (or one access entry) covers.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// (dimension, predicate) pairs.
    preds: Vec<(usize, usize)>,
}

/// A point found by the search: a value for each constrained dimension.
#[derive(Debug, Clone, Default)]
pub(crate) struct Point {
    /// Values by dimension.
    pub(crate) values: Vec<(Dim, Value)>,
}

impl Point {
    /// The value of a dimension, if the point constrains it.
    pub(crate) fn get(&self, dim: &Dim) -> Option<&Value> {
        self.values.iter().find(|(d, _)| d == dim).map(|(_, v)| v)
    }
}

/// Values the caller fixes for some dimensions (the outsider of check-no-public-access): the
/// dimension then takes only these, and is decided by them alone.
pub(crate) type Fixed = HashMap<Dim, Vec<Value>>;

/// The dimensions, predicates and regions of one check.
pub(crate) struct Engine {
    dims: Vec<Dim>,
    preds: Vec<Pred>,
    pred_dim: Vec<usize>,
    /// Catalog actions (lower-cased full names), for readable witnesses.
    actions: Vec<String>,
    fixed: Fixed,
    interned: HashMap<String, usize>,
    /// For each action predicate, the catalog actions it holds for (one bit per action).
    action_bits: HashMap<usize, Vec<u64>>,
    memo: HashMap<(usize, Vec<usize>, Vec<usize>), Option<Value>>,
    candidates: HashMap<usize, Vec<Value>>,
    /// Why an answer of "nothing" would not be exact (empty: it is).
    pub(crate) incomplete: Vec<String>,
    nodes: usize,
}

impl Engine {
    /// An engine over the built-in catalog's actions.
    pub(crate) fn new(fixed: Fixed) -> Engine {
        let mut actions = Vec::new();
        for service in warden_catalog::actions().services() {
            for action in &service.actions {
                actions.push(format!("{}:{}", service.prefix, action.name).to_lowercase());
            }
        }
        Engine {
            dims: Vec::new(),
            preds: Vec::new(),
            pred_dim: Vec::new(),
            actions,
            fixed,
            interned: HashMap::new(),
            action_bits: HashMap::new(),
            memo: HashMap::new(),
            candidates: HashMap::new(),
            incomplete: Vec::new(),
            nodes: 0,
        }
    }

    fn dim(&mut self, dim: Dim) -> usize {
        if let Some(i) = self.dims.iter().position(|d| *d == dim) {
            return i;
        }
        self.dims.push(dim);
        self.dims.len() - 1
    }

    fn pred(&mut self, dim: Dim, pred: Pred) -> (usize, usize) {
        let d = self.dim(dim);
        // The same element written twice (in both policies) is one predicate.
        let key = format!("{d}|{}", pred_key(&pred));
        if let Some(&p) = self.interned.get(&key) {
            return (d, p);
        }
        self.interned.insert(key, self.preds.len());
        self.preds.push(pred);
        self.pred_dim.push(d);
        self.candidates.clear();
        (d, self.preds.len() - 1)
    }

    fn note(&mut self, why: String) {
        if !self.incomplete.contains(&why) {
            self.incomplete.push(why);
        }
    }

    /// The region of a statement. `principals`: whether its `Principal` counts (resource
    /// policies).
    pub(crate) fn statement(
        &mut self,
        s: &Statement,
        version: Version,
        principals: bool,
    ) -> Region {
        let mut preds = Vec::new();
        let a = s.action();
        let texts: Vec<String> = a.values.iter().map(|v| v.to_lowercase()).collect();
        preds.push(self.pred(
            Dim::Action,
            Pred::Action {
                globs: texts.iter().map(|t| Glob::new(t)).collect(),
                texts,
                negated: a.negated,
            },
        ));
        if let Some(r) = s.resource() {
            let variables =
                version.substitutes_variables() && r.values.iter().any(|v| v.contains("${"));
            preds.push(self.pred(
                Dim::Resource,
                Pred::Resource {
                    globs: r.values.iter().map(|v| Glob::new(v)).collect(),
                    texts: r.values.clone(),
                    negated: r.negated,
                    variables,
                },
            ));
        }
        if principals && let Some(p) = s.principal() {
            preds.push(self.pred(Dim::Principal, Pred::Principal(p.clone())));
        }
        for clause in s.conditions() {
            let compiled = CompiledCondition::compile(clause, version);
            let model = str_model(clause, version);
            preds.push(self.pred(
                Dim::Key(clause.key.to_ascii_lowercase()),
                Pred::Cond {
                    clause: clause.clone(),
                    compiled,
                    model,
                },
            ));
        }
        Region { preds }
    }

    /// The region of an access entry of check-access-not-granted: these actions (or any) on
    /// these resources (or any).
    pub(crate) fn access(&mut self, actions: &[String], resources: &[String]) -> Region {
        let mut preds = Vec::new();
        if !actions.is_empty() {
            let texts: Vec<String> = actions.iter().map(|v| v.to_lowercase()).collect();
            preds.push(self.pred(
                Dim::Action,
                Pred::Action {
                    globs: texts.iter().map(|t| Glob::new(t)).collect(),
                    texts,
                    negated: false,
                },
            ));
        }
        if !resources.is_empty() {
            preds.push(self.pred(
                Dim::Resource,
                Pred::Resource {
                    globs: resources.iter().map(|v| Glob::new(v)).collect(),
                    texts: resources.to_vec(),
                    negated: false,
                    variables: false,
                },
            ));
        }
        Region { preds }
    }

    /// The catalog actions an action predicate holds for, computed once.
    fn bits_of(&mut self, p: usize) -> Vec<u64> {
        if let Some(b) = self.action_bits.get(&p) {
            return b.clone();
        }
        let mut bits = vec![0u64; self.actions.len().div_ceil(64)];
        for (i, a) in self.actions.iter().enumerate() {
            if self.action_holds(p, a)
                && let Some(w) = bits.get_mut(i / 64)
            {
                *w |= 1 << (i % 64);
            }
        }
        self.action_bits.insert(p, bits.clone());
        bits
    }

    /// Whether an action predicate holds for a lower-cased action.
    fn action_holds(&self, p: usize, lower: &str) -> bool {
        match &self.preds[p] {
            Pred::Action { globs, negated, .. } => {
                globs.iter().any(|g| g.matches(lower)) != *negated
            }
            _ => false,
        }
    }

    /// Whether predicate `p` holds for value `v`, as the evaluator decides it.
    fn holds(&self, p: usize, v: &Value) -> bool {
        match (&self.preds[p], v) {
            (Pred::Action { globs, negated, .. }, Value::One(s)) => {
                globs.iter().any(|g| g.matches(&s.to_lowercase())) != *negated
            }
            (Pred::Resource { globs, negated, .. }, Value::One(s)) => {
                // A request for `*` is matched only by the pattern `*` (compile.rs).
                let any = if s == "*" {
                    globs.iter().any(Glob::is_any)
                } else {
                    globs.iter().any(|g| g.matches(s))
                };
                any != *negated
            }
            (Pred::Principal(block), Value::One(s)) => {
                principal_match(block, &Principal::parse(s)).is_match() != block.negated
            }
            (
                Pred::Cond {
                    clause, compiled, ..
                },
                v,
            ) => {
                let mut ctx = Context::new();
                match v {
                    Value::Absent => {}
                    Value::One(s) => {
                        ctx.insert(clause.key.clone(), ContextValue::string(s.clone()))
                    }
                    Value::Many(list) => {
                        ctx.insert(clause.key.clone(), ContextValue::strings(list.clone()))
                    }
                }
                compiled.evaluate(&ctx)
            }
            _ => false,
        }
    }

    fn preds_on(&self, d: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.preds.len()).filter(move |&p| self.pred_dim[p] == d)
    }

    /// The representatives of a dimension, most readable first.
    fn candidates_of(&mut self, d: usize) -> Vec<Value> {
        if let Some(c) = self.candidates.get(&d) {
            return c.clone();
        }
        let dim = self.dims[d].clone();
        let mut out: Vec<Value> = Vec::new();
        if let Some(fixed) = self.fixed.get(&dim) {
            out = fixed.clone();
        } else {
            match &dim {
                Dim::Action => {}
                Dim::Resource => {
                    for p in self.preds_on(d).collect::<Vec<_>>() {
                        if let Pred::Resource { texts, .. } = &self.preds[p] {
                            for t in texts {
                                for s in instantiate_arn(t) {
                                    out.push(Value::One(s));
                                }
                            }
                        }
                    }
                    out.push(Value::One("arn:aws:s3:::warden-witness".to_string()));
                    out.push(Value::One("*".to_string()));
                }
                Dim::Principal => {
                    for p in self.preds_on(d).collect::<Vec<_>>() {
                        if let Pred::Principal(block) = &self.preds[p] {
                            for e in &block.entries {
                                out.extend(principal_candidates(&e.value));
                            }
                        }
                    }
                    out.push(Value::One(
                        "arn:aws:iam::444455556666:user/warden-witness".into(),
                    ));
                    out.push(Value::One("warden-witness.amazonaws.com".into()));
                    out.push(Value::One("*".into()));
                }
                Dim::Key(name) => {
                    let clauses: Vec<ConditionClause> = self
                        .preds_on(d)
                        .filter_map(|p| match &self.preds[p] {
                            Pred::Cond { clause, .. } => Some(clause.clone()),
                            _ => None,
                        })
                        .collect();
                    // Keys the catalog types as lists (`ArrayOf...`) may carry several values.
                    let listed = warden_catalog::actions()
                        .condition_key(name)
                        .is_some_and(|k| k.key_type.starts_with("ArrayOf"));
                    let (values, exact, multi) = key_candidates(&clauses, listed);
                    out = values;
                    if !exact {
                        let why = if multi {
                            "conditions with ForAllValues/ForAnyValue over multivalued keys"
                        } else {
                            "ARN operators, policy variables or condition values the analysis does not model"
                        };
                        // Noted only when it matters (a dimension left without a value).
                        self.candidates
                            .insert(usize::MAX - d, vec![Value::One(why.to_string())]);
                    }
                }
            }
        }
        let mut seen = Vec::new();
        out.retain(|v| {
            if seen.contains(v) {
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
        self.candidates.insert(d, out.clone());
        out
    }

    /// A value of dimension `d` that satisfies `sat` and fails `viol`, or `None`.
    fn solve(&mut self, d: usize, sat: &[usize], viol: &[usize]) -> Option<Value> {
        let mut s = sat.to_vec();
        s.sort_unstable();
        s.dedup();
        let mut v = viol.to_vec();
        v.sort_unstable();
        v.dedup();
        if s.iter().any(|p| v.contains(p)) {
            return None;
        }
        let key = (d, s, v);
        if let Some(found) = self.memo.get(&key) {
            return found.clone();
        }
        let found = self.solve_uncached(d, &key.1, &key.2);
        self.memo.insert(key, found.clone());
        found
    }

    fn fits(&self, value: &Value, sat: &[usize], viol: &[usize]) -> bool {
        sat.iter().all(|&p| self.holds(p, value)) && viol.iter().all(|&p| !self.holds(p, value))
    }

    fn solve_uncached(&mut self, d: usize, sat: &[usize], viol: &[usize]) -> Option<Value> {
        let dim = self.dims[d].clone();
        if dim == Dim::Action {
            let words = self.actions.len().div_ceil(64);
            let mut acc = vec![u64::MAX; words];
            for &p in sat {
                let bits = self.bits_of(p);
                for (a, b) in acc.iter_mut().zip(bits) {
                    *a &= b;
                }
            }
            for &p in viol {
                let bits = self.bits_of(p);
                for (a, b) in acc.iter_mut().zip(bits) {
                    *a &= !b;
                }
            }
            let first = acc
                .iter()
                .enumerate()
                .find(|(_, w)| **w != 0)
                .map(|(i, w)| i * 64 + w.trailing_zeros() as usize);
            if let Some(a) = first.and_then(|i| self.actions.get(i)) {
                return Some(Value::One(a.clone()));
            }
        }
        for c in self.candidates_of(d) {
            if self.fits(&c, sat, viol) {
                return Some(c);
            }
        }
        if self.fixed.contains_key(&dim) {
            return None;
        }
        // The exact fallback.
        match dim {
            Dim::Action | Dim::Resource => {
                let mut constraints = Vec::new();
                for (&p, want_inside) in sat
                    .iter()
                    .map(|p| (p, true))
                    .chain(viol.iter().map(|p| (p, false)))
                {
                    match &self.preds[p] {
                        Pred::Action { texts, negated, .. } => constraints.push(Constraint {
                            patterns: texts.iter().map(|t| Pattern::glob(t)).collect(),
                            want: want_inside != *negated,
                        }),
                        Pred::Resource {
                            texts,
                            negated,
                            variables,
                            ..
                        } => {
                            if *variables {
                                self.note("policy variables in Resource".to_string());
                                return None;
                            }
                            constraints.push(Constraint {
                                patterns: texts.iter().map(|t| Pattern::glob(t)).collect(),
                                want: want_inside != *negated,
                            });
                        }
                        _ => {}
                    }
                }
                // A union of wildcard-free patterns to be inside is a finite language: its
                // strings are the only candidates.
                if let Some(finite) = constraints
                    .iter()
                    .find(|c| c.want && c.patterns.iter().all(Pattern::is_literal))
                {
                    let strings: Vec<String> = finite.patterns.iter().map(Pattern::text).collect();
                    return strings
                        .into_iter()
                        .map(Value::One)
                        .find(|v| self.fits(v, sat, viol));
                }
                self.string_search(d, &constraints, sat, viol)
            }
            Dim::Principal => {
                // Principals are searched over representatives (each named principal, one of
                // each named account and role, another account, a service, anonymous), which
                // are not proven complete.
                self.note("principals beyond the representatives tried".to_string());
                None
            }
            Dim::Key(ref key) => {
                if let Some(why) = self
                    .candidates
                    .get(&(usize::MAX - d))
                    .and_then(|v| v.first())
                    .cloned()
                {
                    if let Value::One(why) = why {
                        self.note(format!("{why} (condition key {key})"));
                    }
                    return None;
                }
                // Candidates are complete for every family but strings; strings are decided by
                // their languages.
                let modeled = sat
                    .iter()
                    .chain(viol)
                    .any(|&p| matches!(&self.preds[p], Pred::Cond { model: Some(_), .. }));
                if !modeled {
                    // Numeric, date, IP, Bool, Binary and Null keys: the representatives were
                    // complete.
                    return None;
                }
                let mut constraints = Vec::new();
                let probe = Value::One("warden-probe".to_string());
                for (&p, want) in sat
                    .iter()
                    .map(|p| (p, true))
                    .chain(viol.iter().map(|p| (p, false)))
                {
                    match &self.preds[p] {
                        Pred::Cond { model: Some(m), .. } => constraints.push(Constraint {
                            patterns: m.patterns.clone(),
                            want: want != m.negated,
                        }),
                        // Null does not look at the value.
                        Pred::Cond { clause, .. }
                            if base_operator(&clause.operator) == "Null"
                                && self.holds(p, &probe) != want =>
                        {
                            return None;
                        }
                        Pred::Cond { clause, .. } if base_operator(&clause.operator) == "Null" => {}
                        Pred::Cond { .. } => {
                            self.note(format!(
                                "operators of different types on condition key {key}"
                            ));
                            return None;
                        }
                        _ => {}
                    }
                }
                if constraints.is_empty() {
                    return None;
                }
                self.string_search(d, &constraints, sat, viol)
            }
        }
    }

    fn string_search(
        &mut self,
        d: usize,
        constraints: &[Constraint],
        sat: &[usize],
        viol: &[usize],
    ) -> Option<Value> {
        match lang::find(constraints, STRING_BUDGET) {
            Ok(Some(s)) => {
                let v = Value::One(s);
                if self.fits(&v, sat, viol) {
                    Some(v)
                } else {
                    self.note(format!(
                        "the string model and the evaluator disagree on {:?}",
                        self.dims[d]
                    ));
                    None
                }
            }
            Ok(None) => None,
            Err(lang::OverBudget) => {
                self.note(format!(
                    "the string search over {:?} ran past its budget",
                    self.dims[d]
                ));
                None
            }
        }
    }

    /// A point inside every `must` region and outside every `escape` region that the oracle
    /// confirms, or `None` (exact iff `incomplete` is empty afterwards).
    pub(crate) fn search(
        &mut self,
        must: &[&Region],
        escape: &[&Region],
        oracle: &mut dyn FnMut(&Point) -> bool,
    ) -> Option<Point> {
        self.nodes = 0;
        let n = self.dims.len();
        let mut sat = vec![Vec::new(); n];
        for r in must {
            for &(d, p) in &r.preds {
                sat[d].push(p);
            }
        }
        let viol = vec![Vec::new(); n];
        for (d, s) in sat.iter().enumerate() {
            if !s.is_empty() && self.solve(d, s, &[]).is_none() {
                return None;
            }
        }
        self.descend(&sat, viol, escape.to_vec(), oracle)
    }

    /// The ways to leave `r` given the current constraints; `None` when `r` cannot contain any
    /// point of them (already left).
    fn options(
        &mut self,
        r: &Region,
        sat: &[Vec<usize>],
        viol: &[Vec<usize>],
    ) -> Option<Vec<(usize, usize)>> {
        let mut out = Vec::new();
        for &(d, p) in &r.preds {
            let mut with = sat[d].clone();
            with.push(p);
            self.solve(d, &with, &viol[d])?;
            let mut v = viol[d].clone();
            v.push(p);
            if self.solve(d, &sat[d], &v).is_some() {
                out.push((d, p));
            }
        }
        Some(out)
    }

    fn descend(
        &mut self,
        sat: &[Vec<usize>],
        viol: Vec<Vec<usize>>,
        pending: Vec<&Region>,
        oracle: &mut dyn FnMut(&Point) -> bool,
    ) -> Option<Point> {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            self.note("the search ran past its budget of choices".to_string());
            return None;
        }
        // Most constrained region first; regions already left drop out.
        let mut best: Option<(usize, Vec<(usize, usize)>)> = None;
        let mut rest = Vec::new();
        for (i, r) in pending.iter().enumerate() {
            match self.options(r, sat, &viol) {
                None => {}
                Some(opts) => {
                    if opts.is_empty() {
                        return None;
                    }
                    if best.as_ref().is_none_or(|(_, b)| opts.len() < b.len()) {
                        best = Some((i, opts));
                    }
                    rest.push(i);
                }
            }
        }
        let Some((chosen, opts)) = best else {
            return self.leaf(sat, &viol, oracle);
        };
        let remaining: Vec<&Region> = rest
            .iter()
            .filter(|&&i| i != chosen)
            .map(|&i| pending[i])
            .collect();
        for (d, p) in opts {
            let mut v = viol.clone();
            v[d].push(p);
            if let Some(point) = self.descend(sat, v, remaining.clone(), oracle) {
                return Some(point);
            }
            if self.nodes > NODE_BUDGET {
                return None;
            }
        }
        None
    }

    fn leaf(
        &mut self,
        sat: &[Vec<usize>],
        viol: &[Vec<usize>],
        oracle: &mut dyn FnMut(&Point) -> bool,
    ) -> Option<Point> {
        let mut point = Point::default();
        for d in 0..self.dims.len() {
            if sat[d].is_empty() && viol[d].is_empty() {
                continue;
            }
            let v = self.solve(d, &sat[d], &viol[d])?;
            point.values.push((self.dims[d].clone(), v));
        }
        // A resource of the kind the action acts on, where one fits, reads better.
        if let (Some(Value::One(action)), Some(r)) = (
            point.get(&Dim::Action).cloned(),
            self.dims.iter().position(|d| *d == Dim::Resource),
        ) {
            let better = resources_of(&action)
                .into_iter()
                .map(Value::One)
                .find(|v| self.fits(v, &sat[r], &viol[r]));
            if let Some(v) = better {
                for (dim, value) in &mut point.values {
                    if *dim == Dim::Resource {
                        *value = v.clone();
                    }
                }
            }
        }
        if oracle(&point) {
            Some(point)
        } else {
            self.note("the evaluator did not confirm a candidate witness".to_string());
            None
        }
    }
}

/// What makes two predicates the same.
fn pred_key(p: &Pred) -> String {
    match p {
        Pred::Action { texts, negated, .. } => format!("A{negated}{texts:?}"),
        Pred::Resource {
            texts,
            negated,
            variables,
            ..
        } => format!("R{negated}{variables}{texts:?}"),
        Pred::Principal(b) => format!("P{b:?}"),
        Pred::Cond { clause, model, .. } => format!(
            "C{}|{}|{:?}|{}",
            clause.operator,
            clause.key.to_ascii_lowercase(),
            clause.values,
            model.is_some()
        ),
    }
}

/// The base operator: `ForAnyValue:StringLikeIfExists` → `StringLike`.
pub(crate) fn base_operator(op: &str) -> &str {
    let op = op.rsplit(':').next().unwrap_or(op);
    op.strip_suffix("IfExists").unwrap_or(op)
}

fn has_set_operator(op: &str) -> bool {
    op.starts_with("ForAllValues:") || op.starts_with("ForAnyValue:")
}

fn has_variable(values: &[String], version: Version) -> bool {
    version.substitutes_variables() && values.iter().any(|v| v.contains("${"))
}

/// The string language of a single-valued string clause without policy variables.
fn str_model(clause: &ConditionClause, version: Version) -> Option<StrModel> {
    if has_set_operator(&clause.operator) || has_variable(&clause.values, version) {
        return None;
    }
    let (negated, make): (bool, fn(&str) -> Pattern) = match base_operator(&clause.operator) {
        "StringEquals" => (false, |v| Pattern::literal(v, false)),
        "StringNotEquals" => (true, |v| Pattern::literal(v, false)),
        "StringEqualsIgnoreCase" => (false, |v| Pattern::literal(v, true)),
        "StringNotEqualsIgnoreCase" => (true, |v| Pattern::literal(v, true)),
        "StringLike" => (false, Pattern::glob),
        "StringNotLike" => (true, Pattern::glob),
        _ => return None,
    };
    Some(StrModel {
        patterns: clause.values.iter().map(|v| make(v)).collect(),
        negated,
    })
}

/// ARNs of the resource types an action acts on, from the catalog's ARN formats.
fn resources_of(action: &str) -> Vec<String> {
    let Some((service, a)) = warden_catalog::actions().action(action) else {
        return Vec::new();
    };
    a.resources
        .iter()
        .filter_map(|r| service.resource_type(&r.resource_type))
        .map(|t| {
            let mut out = String::new();
            let mut rest = t.arn.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else { break };
                out.push_str(match &after[..end] {
                    "Partition" => "aws",
                    "Region" => "us-east-1",
                    "Account" => "123456789012",
                    _ => "warden-witness",
                });
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// Readable instances of a resource pattern: wildcards filled per ARN part.
fn instantiate_arn(pattern: &str) -> Vec<String> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let fill = |text: &str, star: &str, one: char| -> String {
        let mut s = String::new();
        for c in text.chars() {
            match c {
                '*' => s.push_str(star),
                '?' => s.push(one),
                c => s.push(c),
            }
        }
        s
    };
    let mut out = Vec::new();
    if parts.len() == 6 {
        let filled: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| match i {
                1 => fill(p, "aws", 'a'),
                3 => fill(p, "us-east-1", 'a'),
                4 => fill(p, "123456789012", '1'),
                5 => fill(p, "warden-witness", 'x'),
                _ => fill(p, "warden", 'x'),
            })
            .collect();
        out.push(filled.join(":"));
    } else if pattern == "*" {
        out.push("arn:aws:iam::123456789012:role/warden-witness".to_string());
    }
    out.push(fill(pattern, "", 'x'));
    out.push(fill(pattern, "warden-witness", 'x'));
    out
}

fn principal_candidates(value: &str) -> Vec<Value> {
    let mut out = vec![Value::One(value.to_string())];
    if let Principal::Account { account, .. } = Principal::parse(value) {
        out.push(Value::One(format!(
            "arn:aws:iam::{account}:user/warden-witness"
        )));
    }
    if let Principal::Role { account, name, .. } = Principal::parse(value) {
        out.push(Value::One(format!(
            "arn:aws:sts::{account}:assumed-role/{name}/warden-witness"
        )));
    }
    out
}

/// Representatives of a condition key: (values, complete, multivalued).
fn key_candidates(clauses: &[ConditionClause], listed: bool) -> (Vec<Value>, bool, bool) {
    let mut out = Vec::new();
    let mut exact = true;
    let multi = listed || clauses.iter().any(|c| has_set_operator(&c.operator));
    if clauses
        .iter()
        .any(|c| base_operator(&c.operator).ends_with("IpAddress"))
    {
        out.push(Value::One("192.0.2.1".to_string()));
        out.push(Value::One("2001:db8::1".to_string()));
    }
    for c in clauses {
        let base = base_operator(&c.operator);
        if c.values.iter().any(|v| v.contains("${")) {
            exact = false;
        }
        for v in &c.values {
            let vs: Vec<String> = match base {
                b if b.starts_with("String") => {
                    let mut vs = vec![v.clone()];
                    if v.contains(['*', '?']) {
                        vs.push(v.replace('*', "").replace('?', "x"));
                        vs.push(v.replace('*', "warden-witness").replace('?', "x"));
                    }
                    if b.contains("IgnoreCase") {
                        vs.push(v.to_uppercase());
                    }
                    vs
                }
                b if b.starts_with("Arn") => {
                    exact = false;
                    vec![
                        v.replace('*', "warden").replace('?', "x"),
                        v.replace('*', ""),
                    ]
                }
                b if b.starts_with("Numeric") => numeric_neighbours(v, &mut exact),
                b if b.starts_with("Date") => date_neighbours(v, &mut exact),
                "Bool" => vec!["true".into(), "false".into()],
                "BinaryEquals" => vec![v.clone()],
                "IpAddress" | "NotIpAddress" => ip_neighbours(v),
                "Null" => vec![],
                _ => {
                    exact = false;
                    vec![v.clone()]
                }
            };
            out.extend(vs.into_iter().map(Value::One));
        }
    }
    // A value of no operator's type, and a plain fresh one.
    out.push(Value::One("warden-other".to_string()));
    out.push(Value::One("d2FyZGVu".to_string()));
    out.push(Value::Absent);
    if multi {
        exact = false;
        let singles: Vec<String> = out
            .iter()
            .filter_map(|v| match v {
                Value::One(s) => Some(s.clone()),
                _ => None,
            })
            .take(8)
            .collect();
        for (i, a) in singles.iter().enumerate() {
            out.push(Value::Many(vec![a.clone()]));
            for b in singles.iter().skip(i + 1) {
                out.push(Value::Many(vec![a.clone(), b.clone()]));
            }
        }
    }
    (out, exact, multi)
}

fn numeric_neighbours(v: &str, exact: &mut bool) -> Vec<String> {
    let Ok(x) = v.parse::<f64>() else {
        return vec![v.to_string()];
    };
    if v.trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .len()
        > 15
    {
        *exact = false;
    }
    // The value, and values just beside it (numbers are decimals: a region between two
    // boundaries contains one of these unless the boundaries are closer than the step).
    let step = 1e-6_f64.max(x.abs() * 1e-9);
    vec![
        v.to_string(),
        format!("{}", x - step),
        format!("{}", x + step),
        format!("{}", x - 1.0),
        format!("{}", x + 1.0),
    ]
}

fn date_neighbours(v: &str, exact: &mut bool) -> Vec<String> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let nanos: Option<i128> = if let Ok(secs) = v.parse::<i64>() {
        Some(i128::from(secs) * 1_000_000_000)
    } else if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        Some(t.unix_timestamp_nanos())
    } else if let Ok(t) = OffsetDateTime::parse(&format!("{v}T00:00:00Z"), &Rfc3339) {
        Some(t.unix_timestamp_nanos())
    } else {
        None
    };
    let Some(n) = nanos else {
        *exact = false;
        return vec![v.to_string()];
    };
    let mut out = vec![v.to_string()];
    for delta in [-1_i128, 1] {
        if let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(n + delta)
            && let Ok(s) = t.format(&Rfc3339)
        {
            out.push(s);
        }
    }
    out
}

fn ip_neighbours(v: &str) -> Vec<String> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok()),
        None => (v, None),
    };
    let mut out = vec![addr.to_string()];
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            let bits = prefix.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let first = u32::from(a) & mask;
            let last = first | !mask;
            for x in [
                Some(first),
                Some(last),
                first.checked_sub(1),
                last.checked_add(1),
            ]
            .into_iter()
            .flatten()
            {
                out.push(Ipv4Addr::from(x).to_string());
            }
        }
        Ok(IpAddr::V6(a)) => {
            let bits = prefix.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            let first = u128::from(a) & mask;
            let last = first | !mask;
            for x in [
                Some(first),
                Some(last),
                first.checked_sub(1),
                last.checked_add(1),
            ]
            .into_iter()
            .flatten()
            {
                out.push(Ipv6Addr::from(x).to_string());
            }
        }
        Err(_) => {}
    }
    out
}
