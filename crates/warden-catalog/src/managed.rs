//! The AWS managed policy catalog, with the seed document's ECS policies, their lifecycle, and
//! the trust-policy templates for ECS task roles and EC2 instance roles.

use serde::{Deserialize, Serialize};

use crate::CatalogError;
use crate::index::LineIndex;

/// Every AWS managed policy ARN starts with this; the policy's path and name follow.
pub const AWS_MANAGED_PREFIX: &str = "arn:aws:iam::aws:policy";

/// One AWS managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// The policy's name, e.g. `AmazonECS_FullAccess`.
    pub name: String,
    /// Its path, e.g. `/` or `/service-role/`.
    pub path: String,
    /// The id of the default version, e.g. `v22`.
    pub default_version: String,
    /// When AWS created it (ISO 8601), where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    /// When AWS last changed it (ISO 8601), where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
    /// The versions Warden knows, oldest first. Always holds the default.
    pub versions: Vec<PolicyVersion>,
    /// What the seed document says the policy is for (seed policies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set when AWS deprecated the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
}

impl ManagedPolicy {
    /// `arn:aws:iam::aws:policy/<path><name>`: the path is part of the ARN.
    pub fn arn(&self) -> String {
        format!("{AWS_MANAGED_PREFIX}{}{}", self.path, self.name)
    }

    /// The version with id `id` (`v3`, compared without case).
    pub fn version(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id.eq_ignore_ascii_case(id))
    }

    /// The default version.
    pub fn default(&self) -> Option<&PolicyVersion> {
        self.version(&self.default_version)
    }

    /// The default version's document (empty only for an entry the converter did not write).
    pub fn document(&self) -> &str {
        self.default().map_or("", |v| v.document.as_str())
    }

    /// Whether this is one of the seed document's policies.
    pub fn from_seed(&self) -> bool {
        self.versions.iter().any(|v| v.origin == "seed")
    }
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub id: String,
    /// Where the document comes from: `seed` (the seed document's text, byte for byte) or the
    /// package it was converted from.
    pub origin: String,
    /// The policy document.
    pub document: String,
}

/// Why and since when a managed policy is deprecated. A deprecated policy cannot be attached
/// to anything new; where it is attached it stays, and it still grants what it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deprecation {
    /// The date of the deprecation (YYYY-MM-DD).
    pub date: String,
    /// Why AWS deprecated it.
    pub reason: String,
    /// The policy AWS recommends instead.
    pub replacement: String,
    /// Where the facts come from.
    pub source: String,
}

/// A trust-policy template for a role that a service assumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustTemplate {
    /// The template's name, e.g. `AmazonEC2ContainerServiceTaskRole`.
    pub name: String,
    /// The service principal it trusts, e.g. `ecs-tasks.amazonaws.com`.
    pub service: String,
    /// What it is for.
    pub description: String,
    /// The trust policy.
    pub document: String,
    /// Where it comes from: `seed`, or the AWS documentation page that gives it.
    pub origin: String,
}

/// The managed policy catalog's header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ManagedHeader {
    /// The file format's version.
    pub format: u32,
    /// The registry package the policies were converted from.
    pub source: String,
    /// That package's licence.
    pub license: String,
    /// That package's version.
    pub version: String,
    /// The newest policy update date in the catalog (YYYY-MM-DD).
    pub updated: String,
    /// Number of policies.
    pub policies: usize,
    /// The seed document's permissions policies.
    pub seed_policies: Vec<String>,
    /// Trust-policy templates (the seed's ECS task role trust, and EC2's for instance roles).
    pub trust_templates: Vec<TrustTemplate>,
}

/// The AWS managed policy catalog.
pub struct ManagedCatalog {
    header: ManagedHeader,
    index: LineIndex<ManagedPolicy>,
}

/// Why a name or ARN names no managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The ARN is not an AWS managed policy ARN.
    NotAwsManaged(String),
    /// No policy has that name.
    NoSuchPolicy {
        /// What was asked for.
        name: String,
        /// A policy with a similar name, if there is one.
        suggestion: Option<String>,
    },
    /// The policy exists, under another path than the ARN gives.
    WrongPath {
        /// The ARN asked for.
        arn: String,
        /// The policy's real ARN.
        actual: String,
    },
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotAwsManaged(arn) => write!(
                f,
                "{arn} is not an AWS managed policy ARN (they start with {AWS_MANAGED_PREFIX}/)"
            ),
            LookupError::NoSuchPolicy { name, suggestion } => {
                write!(f, "no AWS managed policy is named {name}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean {s}?")?;
                }
                Ok(())
            }
            LookupError::WrongPath { arn, actual } => {
                write!(
                    f,
                    "no AWS managed policy has the ARN {arn}; did you mean {actual}?"
                )
            }
        }
    }
}

impl std::error::Error for LookupError {}

impl ManagedCatalog {
    /// Indexes a catalog file written by `scripts/catalog/convert.py managed`.
    pub fn load(data: &'static str) -> Result<ManagedCatalog, CatalogError> {
        Self::with_index(LineIndex::scan(data, "name")?)
    }

    /// The catalog over an index of its file (scanned, or written by `build.rs`).
    pub(crate) fn with_index(
        index: LineIndex<ManagedPolicy>,
    ) -> Result<ManagedCatalog, CatalogError> {
        let header: ManagedHeader =
            serde_json::from_str(index.header).map_err(|e| CatalogError(format!("header: {e}")))?;
        if header.policies != index.len() {
            return Err(CatalogError(format!(
                "header counts {} policies, the file has {}",
                header.policies,
                index.len()
            )));
        }
        Ok(ManagedCatalog { header, index })
    }

    /// A catalog that knows nothing.
    pub fn empty() -> ManagedCatalog {
        ManagedCatalog {
            header: ManagedHeader::default(),
            index: LineIndex::empty(),
        }
    }

    /// Where the catalog came from, its counts and trust templates.
    pub fn header(&self) -> &ManagedHeader {
        &self.header
    }

    /// Every policy name, sorted.
    pub fn names(&self) -> &[&'static str] {
        self.index.names()
    }

    /// Number of policies.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// The policy named `name` (exactly, else regardless of case).
    pub fn by_name(&self, name: &str) -> Option<&ManagedPolicy> {
        self.index
            .position_ignoring_case(name)
            .and_then(|position| self.index.get(position))
    }

    /// The policy a name or an ARN (`arn:aws:iam::aws:policy/service-role/Name`) names.
    pub fn lookup(&self, name_or_arn: &str) -> Result<&ManagedPolicy, LookupError> {
        let name = if name_or_arn.starts_with("arn:") {
            let rest = name_or_arn
                .strip_prefix(AWS_MANAGED_PREFIX)
                .filter(|rest| rest.starts_with('/'))
                .ok_or_else(|| LookupError::NotAwsManaged(name_or_arn.to_string()))?;
            rest.rsplit('/').next().unwrap_or(rest)
        } else {
            name_or_arn
        };
        let policy = self
            .by_name(name)
            .ok_or_else(|| LookupError::NoSuchPolicy {
                name: name.to_string(),
                suggestion: crate::actions::closest(name, self.names().iter().copied())
                    .map(str::to_string),
            })?;
        if name_or_arn.starts_with("arn:") && policy.arn() != name_or_arn {
            return Err(LookupError::WrongPath {
                arn: name_or_arn.to_string(),
                actual: policy.arn(),
            });
        }
        Ok(policy)
    }

    /// Every policy, parsed (for listings and whole-catalog checks).
    pub fn policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.index.iter()
    }

    /// The trust template named `name`, or the one for service principal `name`.
    pub fn trust_template(&self, name: &str) -> Option<&TrustTemplate> {
        self.header
            .trust_templates
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name) || t.service.eq_ignore_ascii_case(name))
    }

    /// Parses every policy and reports the first that does not parse.
    pub fn check(&self) -> Result<(), CatalogError> {
        self.index.check()
    }
}
