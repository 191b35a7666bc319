//! Policy summaries, as the IAM console shows them
//! (`access_policies_understand-policy-summary.html`, `..._understand-service-summary.html`):
//! per service, the access level summary (`Full access`, `Full: List, Read Limited: Write`),
//! the resources and the request conditions, with allowed and explicitly denied services
//! reported apart, and the services and actions the catalog does not know.
//!
//! What a statement covers:
//!
//! - `Action`: every catalog action that one of its patterns matches (compared without case,
//!   `*` and `?` wildcards; `*` alone is every action of every service).
//! - `NotAction`: every catalog action that none of its patterns matches, in every service.
//!
//! Per service, over the statements that cover at least one of its actions:
//!
//! - **Access level**: per level, how many of the service's actions of that level are covered.
//!   `Full access` when every level the service has is fully covered; otherwise
//!   `Full: <levels>` then `Limited: <levels>` (levels in [`AccessLevel::ALL`] order, either
//!   part left out when empty).
//! - **Resource**: each statement contributes what it names for this service. `Resource: "*"`
//!   (or a list holding `*`, or no resource element at all) is *all resources*; otherwise the
//!   ARN patterns whose service part can name a resource of this service (the service parts of
//!   the catalog's ARN formats for it, and its prefix; a pattern that is not an ARN is kept). A
//!   `NotResource` statement contributes *all resources except* its relevant patterns (all
//!   resources if none is relevant). The column reads `All resources` when every contribution
//!   is all resources, the one pattern when exactly one distinct pattern is named,
//!   `All resources except <pattern>` for a lone `NotResource` with one relevant pattern,
//!   `Multiple` for anything else, and `None - no resources` when no contributing statement
//!   names a resource of this service (the console's warning that the actions grant nothing).
//! - **Request condition**: `None` when no contributing statement has a condition, the key
//!   (e.g. `iam:PassedToService`) when they use exactly one distinct key (compared without
//!   case), `Multiple` otherwise.
//!
//! Unrecognized entries, from `Action` and `NotAction` alike (a typo in `NotAction` excludes
//! nothing): a pattern whose service part has no wildcard and is no known prefix lands in
//! [`PolicySummary::unrecognized_services`] (the prefix, lowercased); any other pattern that
//! matches no catalog action (`ecs:Nope`, `ecs:Nope*`, a value without `:`) lands in
//! [`PolicySummary::unrecognized_actions`] as written. Both are deduplicated and sorted.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use warden_core::Policy;
use warden_core::glob::Glob;
use warden_core::policy::{Effect, Statement, ValueBlock};

use crate::{AccessLevel, ActionCatalog, Service};

/// What a policy allows and explicitly denies, per service, as the IAM console summarizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// The services `Allow` statements cover, sorted by prefix.
    pub allow: Vec<ServiceSummary>,
    /// The services `Deny` statements cover, sorted by prefix (the console's *Explicit deny*).
    pub deny: Vec<ServiceSummary>,
    /// Service prefixes the catalog does not know (the console's *Uncategorized services*),
    /// lowercased, deduplicated and sorted.
    pub unrecognized_services: Vec<String>,
    /// Action patterns of known (or wildcard) services that match no action, as written,
    /// deduplicated and sorted.
    pub unrecognized_actions: Vec<String>,
    /// How many services the catalog knows (the console's "4 of 456 services").
    pub catalog_services: usize,
}

impl PolicySummary {
    /// The allowed service with prefix `prefix` (compared without case).
    pub fn allowed(&self, prefix: &str) -> Option<&ServiceSummary> {
        self.allow
            .iter()
            .find(|s| s.prefix.eq_ignore_ascii_case(prefix))
    }

    /// The explicitly denied service with prefix `prefix` (compared without case).
    pub fn denied(&self, prefix: &str) -> Option<&ServiceSummary> {
        self.deny
            .iter()
            .find(|s| s.prefix.eq_ignore_ascii_case(prefix))
    }
}

/// One service's row of a policy summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSummary {
    /// The service prefix, e.g. `ecs`.
    pub prefix: String,
    /// The service's name, e.g. `Amazon Elastic Container Service`.
    pub name: String,
    /// Per access level the service has (in [`AccessLevel::ALL`] order), how many of its
    /// actions are covered.
    pub access: Vec<LevelAccess>,
    /// The console's access level summary: `Full access`, `Full: List, Read Limited: Write`,
    /// `Limited: List, Read`.
    pub access_summary: String,
    /// The console's resource column: `All resources`, a single ARN pattern,
    /// `All resources except <pattern>`, `Multiple` or `None - no resources`.
    pub resources: String,
    /// The console's request condition column: `None`, a single key such as
    /// `iam:PassedToService`, or `Multiple`.
    pub request_conditions: String,
    /// The covered actions, `prefix:Name` as the catalog spells them, sorted by name.
    pub actions: Vec<String>,
}

impl ServiceSummary {
    /// The access to `level`, if the service has actions of that level.
    pub fn level(&self, level: AccessLevel) -> Option<&LevelAccess> {
        self.access.iter().find(|a| a.level == level)
    }
}

/// How many of a service's actions of one access level a policy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelAccess {
    /// The access level.
    pub level: AccessLevel,
    /// Distinct actions of this level covered.
    pub granted: usize,
    /// The service's actions of this level.
    pub total: usize,
}

/// Summarizes `policy` against `catalog`: see the [module documentation](self) for the rules.
pub fn summarize(policy: &Policy, catalog: &ActionCatalog) -> PolicySummary {
    let mut summarizer = Summarizer::new(catalog);
    for statement in policy.statements() {
        summarizer.add(statement);
    }
    summarizer.finish(policy)
}

/// The actions one effect's statements cover in one service.
#[derive(Default)]
struct Coverage {
    /// Indexes into the service's `actions`.
    actions: BTreeSet<usize>,
    /// Indexes of the statements that cover any of them, in document order.
    statements: Vec<usize>,
}

struct Summarizer<'a> {
    catalog: &'a ActionCatalog,
    prefixes: &'a [&'static str],
    /// Lowercased action names per service position, filled on first use.
    lowered: Vec<Option<Vec<String>>>,
    allow: BTreeMap<usize, Coverage>,
    deny: BTreeMap<usize, Coverage>,
    unrecognized_services: BTreeSet<String>,
    unrecognized_actions: BTreeSet<String>,
}

/// An action pattern split into its service and action parts.
struct Pattern<'p> {
    text: &'p str,
    /// The service part, lowercased, when it has no wildcard.
    literal_service: Option<String>,
    service: Glob,
    action: Glob,
}

impl<'p> Pattern<'p> {
    /// `None` for a value that is neither `*` nor `service:action`.
    fn new(text: &'p str) -> Option<Pattern<'p>> {
        let (service, action) = match text.split_once(':') {
            Some(parts) => parts,
            None if text == "*" => ("*", "*"),
            None => return None,
        };
        let service = service.to_ascii_lowercase();
        let literal_service = (!service.contains(['*', '?'])).then(|| service.clone());
        Some(Pattern {
            text,
            literal_service,
            service: Glob::new(&service),
            action: Glob::new(&action.to_ascii_lowercase()),
        })
    }
}

impl<'a> Summarizer<'a> {
    fn new(catalog: &'a ActionCatalog) -> Summarizer<'a> {
        let prefixes = catalog.prefixes();
        Summarizer {
            catalog,
            prefixes,
            lowered: vec![None; prefixes.len()],
            allow: BTreeMap::new(),
            deny: BTreeMap::new(),
            unrecognized_services: BTreeSet::new(),
            unrecognized_actions: BTreeSet::new(),
        }
    }

    fn service(&self, position: usize) -> Option<&'a Service> {
        self.catalog.service(self.prefixes.get(position)?)
    }

    /// The lowercased action names of the service at `position`.
    fn lowered(&mut self, position: usize) -> &[String] {
        let service = self.service(position);
        match self.lowered.get_mut(position) {
            Some(slot) => slot.get_or_insert_with(|| {
                service.map_or_else(Vec::new, |s| {
                    s.actions
                        .iter()
                        .map(|a| a.name.to_ascii_lowercase())
                        .collect()
                })
            }),
            None => &[],
        }
    }

    /// The position of the service whose prefix is `prefix` (already lowercased).
    fn position(&self, prefix: &str) -> Option<usize> {
        self.prefixes.binary_search(&prefix).ok()
    }

    /// Records a pattern that matched nothing.
    fn unrecognized(&mut self, pattern: Option<&Pattern<'_>>, text: &str) {
        match pattern.and_then(|p| p.literal_service.as_deref()) {
            Some(service) if self.position(service).is_none() => {
                self.unrecognized_services.insert(service.to_string());
            }
            _ => {
                self.unrecognized_actions.insert(text.to_string());
            }
        }
    }

    fn add(&mut self, statement: &Statement) {
        let covered = self.cover(statement.action());
        let coverage = match statement.effect() {
            Effect::Allow => &mut self.allow,
            Effect::Deny => &mut self.deny,
        };
        for (position, actions) in covered {
            if actions.is_empty() {
                continue;
            }
            let entry = coverage.entry(position).or_default();
            entry.actions.extend(actions);
            if entry.statements.last() != Some(&statement.index()) {
                entry.statements.push(statement.index());
            }
        }
    }

    /// The actions `block` covers, per service position.
    fn cover(&mut self, block: &ValueBlock) -> BTreeMap<usize, Vec<usize>> {
        let mut patterns = Vec::new();
        for value in &block.values {
            match Pattern::new(value) {
                Some(pattern) => patterns.push(pattern),
                None => self.unrecognized(None, value),
            }
        }
        if block.negated {
            self.cover_except(&patterns)
        } else {
            self.cover_matching(&patterns)
        }
    }

    /// The service positions whose prefix `pattern`'s service part matches.
    fn positions(&self, pattern: &Pattern<'_>) -> Vec<usize> {
        match &pattern.literal_service {
            Some(service) => self.position(service).into_iter().collect(),
            None => (0..self.prefixes.len())
                .filter(|&p| {
                    self.prefixes
                        .get(p)
                        .is_some_and(|prefix| pattern.service.matches(prefix))
                })
                .collect(),
        }
    }

    fn cover_matching(&mut self, patterns: &[Pattern<'_>]) -> BTreeMap<usize, Vec<usize>> {
        let mut covered: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for pattern in patterns {
            let mut matched = false;
            for position in self.positions(pattern) {
                let actions: Vec<usize> = if pattern.action.is_any() {
                    (0..self.lowered(position).len()).collect()
                } else {
                    self.lowered(position)
                        .iter()
                        .enumerate()
                        .filter(|(_, name)| pattern.action.matches(name))
                        .map(|(i, _)| i)
                        .collect()
                };
                if !actions.is_empty() {
                    matched = true;
                    covered.entry(position).or_default().extend(actions);
                }
            }
            if !matched {
                self.unrecognized(Some(pattern), pattern.text);
            }
        }
        covered
    }

    fn cover_except(&mut self, patterns: &[Pattern<'_>]) -> BTreeMap<usize, Vec<usize>> {
        let mut covered = BTreeMap::new();
        let mut matched = vec![false; patterns.len()];
        for position in 0..self.prefixes.len() {
            let Some(prefix) = self.prefixes.get(position) else {
                continue;
            };
            let applicable: Vec<usize> = (0..patterns.len())
                .filter(|&i| patterns.get(i).is_some_and(|p| p.service.matches(prefix)))
                .collect();
            let names = self.lowered(position);
            let mut actions = Vec::new();
            for (index, name) in names.iter().enumerate() {
                let mut excluded = false;
                for &i in &applicable {
                    if patterns.get(i).is_some_and(|p| p.action.matches(name)) {
                        excluded = true;
                        if let Some(flag) = matched.get_mut(i) {
                            *flag = true;
                        }
                    }
                }
                if !excluded {
                    actions.push(index);
                }
            }
            covered.insert(position, actions);
        }
        for (pattern, matched) in patterns.iter().zip(matched) {
            if !matched {
                self.unrecognized(Some(pattern), pattern.text);
            }
        }
        covered
    }

    fn finish(self, policy: &Policy) -> PolicySummary {
        let allow = self.services(&self.allow, policy);
        let deny = self.services(&self.deny, policy);
        PolicySummary {
            allow,
            deny,
            unrecognized_services: self.unrecognized_services.into_iter().collect(),
            unrecognized_actions: self.unrecognized_actions.into_iter().collect(),
            catalog_services: self.prefixes.len(),
        }
    }

    fn services(
        &self,
        coverage: &BTreeMap<usize, Coverage>,
        policy: &Policy,
    ) -> Vec<ServiceSummary> {
        coverage
            .iter()
            .filter_map(|(&position, coverage)| {
                let service = self.service(position)?;
                let statements: Vec<&Statement> = coverage
                    .statements
                    .iter()
                    .filter_map(|&i| policy.statements().iter().find(|s| s.index() == i))
                    .collect();
                Some(service_summary(service, coverage, &statements))
            })
            .collect()
    }
}

fn service_summary(
    service: &Service,
    coverage: &Coverage,
    statements: &[&Statement],
) -> ServiceSummary {
    let access: Vec<LevelAccess> = AccessLevel::ALL
        .iter()
        .map(|&level| LevelAccess {
            level,
            granted: coverage
                .actions
                .iter()
                .filter(|&&i| service.actions.get(i).is_some_and(|a| a.level == level))
                .count(),
            total: service.actions.iter().filter(|a| a.level == level).count(),
        })
        .filter(|a| a.total > 0)
        .collect();
    ServiceSummary {
        prefix: service.prefix.clone(),
        name: service.name.clone(),
        access_summary: access_summary(&access),
        access,
        resources: resources(service, statements),
        request_conditions: request_conditions(statements),
        actions: coverage
            .actions
            .iter()
            .filter_map(|&i| service.actions.get(i))
            .map(|a| format!("{}:{}", service.prefix, a.name))
            .collect(),
    }
}

/// `Full access`, or `Full: <levels>` and `Limited: <levels>`.
fn access_summary(access: &[LevelAccess]) -> String {
    let covered: Vec<&LevelAccess> = access.iter().filter(|a| a.granted > 0).collect();
    if !access.is_empty() && access.iter().all(|a| a.granted == a.total) {
        return "Full access".to_string();
    }
    let names = |full: bool| -> Vec<&'static str> {
        covered
            .iter()
            .filter(|a| (a.granted == a.total) == full)
            .map(|a| a.level.name())
            .collect()
    };
    let mut parts = Vec::new();
    for (label, levels) in [("Full", names(true)), ("Limited", names(false))] {
        if !levels.is_empty() {
            parts.push(format!("{label}: {}", levels.join(", ")));
        }
    }
    if parts.is_empty() {
        "None".to_string()
    } else {
        parts.join(" ")
    }
}

/// What one statement names for a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Named {
    All,
    Pattern(String),
    Except(Vec<String>),
}

/// The console's resource column for `service` over `statements`.
fn resources(service: &Service, statements: &[&Statement]) -> String {
    let namespaces = arn_namespaces(service);
    let relevant = |pattern: &&String| applies_to(pattern, &namespaces);
    let mut named = BTreeSet::new();
    for statement in statements {
        match statement.resource() {
            None => {
                named.insert(Named::All);
            }
            Some(block) if block.negated => {
                let except: BTreeSet<String> =
                    block.values.iter().filter(relevant).cloned().collect();
                if except.is_empty() {
                    named.insert(Named::All);
                } else {
                    named.insert(Named::Except(except.into_iter().collect()));
                }
            }
            Some(block) if block.values.iter().any(|v| v == "*") => {
                named.insert(Named::All);
            }
            Some(block) => {
                for pattern in block.values.iter().filter(relevant) {
                    named.insert(Named::Pattern(pattern.clone()));
                }
            }
        }
    }
    let mut named = named.into_iter();
    match (named.next(), named.next()) {
        (None, _) => "None - no resources".to_string(),
        (Some(Named::All), None) => "All resources".to_string(),
        (Some(Named::Pattern(pattern)), None) => pattern,
        (Some(Named::Except(except)), None) if except.len() == 1 => {
            format!("All resources except {}", except.join(", "))
        }
        _ => "Multiple".to_string(),
    }
}

/// The service parts of `service`'s ARNs: its prefix and those of its resource types' ARN
/// formats, lowercased.
fn arn_namespaces(service: &Service) -> BTreeSet<String> {
    let mut namespaces = BTreeSet::from([service.prefix.to_ascii_lowercase()]);
    for resource_type in &service.resource_types {
        if let Some(namespace) = resource_type.arn.split(':').nth(2) {
            namespaces.insert(namespace.to_ascii_lowercase());
        }
    }
    namespaces
}

/// Whether resource pattern `pattern` can name a resource in one of `namespaces`. A pattern
/// that is not an ARN is kept: nothing says it cannot.
fn applies_to(pattern: &str, namespaces: &BTreeSet<String>) -> bool {
    let mut parts = pattern.split(':');
    let is_arn = parts
        .next()
        .is_some_and(|first| first.eq_ignore_ascii_case("arn"));
    let service = parts.nth(1);
    match service {
        Some(service) if is_arn => {
            let glob = Glob::new(&service.to_ascii_lowercase());
            namespaces.iter().any(|namespace| glob.matches(namespace))
        }
        _ => true,
    }
}

/// The console's request condition column over `statements`.
fn request_conditions(statements: &[&Statement]) -> String {
    let mut keys: Vec<&str> = Vec::new();
    // Some of the service's actions granted without a condition and some with one: the
    // conditions differ between actions, which the console shows as "Multiple".
    let unconditioned = statements.iter().any(|s| s.conditions().is_empty());
    for statement in statements {
        for clause in statement.conditions() {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(&clause.key)) {
                keys.push(&clause.key);
            }
        }
    }
    match keys.as_slice() {
        [] => "None".to_string(),
        [key] if !unconditioned => (*key).to_string(),
        _ => "Multiple".to_string(),
    }
}

impl fmt::Display for PolicySummary {
    /// An aligned table like the console's: an `Allow` section, an `Explicit deny` section,
    /// then the unrecognized services and actions. Services are named by prefix (the order
    /// they are sorted in, and what policies write); [`ServiceSummary::name`] has the name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEADER: [&str; 4] = ["Service", "Access level", "Resource", "Request condition"];
        let row = |s: &ServiceSummary| {
            [
                s.prefix.clone(),
                s.access_summary.clone(),
                s.resources.clone(),
                s.request_conditions.clone(),
            ]
        };
        let rows: Vec<[String; 4]> = self.allow.iter().chain(&self.deny).map(row).collect();
        let mut widths = HEADER.map(str::len);
        for cells in &rows {
            for (width, cell) in widths.iter_mut().zip(cells) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 4]| -> fmt::Result {
            let mut text = String::new();
            for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                if i + 1 < cells.len() {
                    text.push_str(&format!("{cell:<width$}  "));
                } else {
                    text.push_str(cell);
                }
            }
            writeln!(f, "  {}", text.trim_end())
        };
        let total = self.catalog_services;
        let (allowed, denied) = rows.split_at(self.allow.len());
        let mut first = true;
        for (title, section) in [("Allow", allowed), ("Explicit deny", denied)] {
            if section.is_empty() {
                continue;
            }
            if !first {
                writeln!(f)?;
            }
            first = false;
            writeln!(f, "{title} ({} of {total} services)", section.len())?;
            line(f, HEADER)?;
            for [service, access, resources, conditions] in section {
                line(
                    f,
                    [service, access, resources, conditions].map(String::as_str),
                )?;
            }
        }
        if first {
            writeln!(f, "No actions of any known service")?;
        }
        if !self.unrecognized_services.is_empty() || !self.unrecognized_actions.is_empty() {
            writeln!(f)?;
        }
        if !self.unrecognized_services.is_empty() {
            writeln!(
                f,
                "Uncategorized services: {}",
                self.unrecognized_services.join(", ")
            )?;
        }
        if !self.unrecognized_actions.is_empty() {
            writeln!(
                f,
                "Unrecognized actions: {}",
                self.unrecognized_actions.join(", ")
            )?;
        }
        Ok(())
    }
}
