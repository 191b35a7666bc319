//! IAM Access Analyzer's policy checks, offline (docs/analyze.md):
//!
//! - [`validate::validate_policy`]: `ValidatePolicy`, the validator's and the catalog checks'
//!   findings with Access Analyzer's issue codes and locations;
//! - [`custom::check_no_new_access`], [`custom::check_access_not_granted`] and
//!   [`custom::check_no_public_access`]: the custom policy checks, decided exactly where the
//!   policies' constructs allow it (`decide.rs`), each `FAIL` with a witness request that the
//!   evaluator (`PolicySet::authorize`) re-checks.
//!
//! [`sarif`] turns findings into SARIF 2.1.0 for code scanning.

pub mod codes;
pub mod custom;
mod decide;
mod extra;
mod lang;
pub mod locate;
pub mod sarif;
pub mod validate;

use warden_core::PolicyType;

/// Why a request cannot be answered: AWS's `ValidationException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzeError {
    /// AWS's error code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl AnalyzeError {
    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> AnalyzeError {
        AnalyzeError {
            code: "ValidationException",
            message: message.into(),
        }
    }
}

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AnalyzeError {}

/// The kinds of policy Access Analyzer checks, with the resource type for resource policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyKind {
    /// `IDENTITY_POLICY`.
    Identity,
    /// `RESOURCE_POLICY` other than a role trust policy, with its resource type if given.
    Resource(Option<String>),
    /// `RESOURCE_POLICY` with `AWS::IAM::AssumeRolePolicyDocument`.
    Trust,
    /// `SERVICE_CONTROL_POLICY`.
    Scp,
    /// `RESOURCE_CONTROL_POLICY`.
    Rcp,
}

/// The policy types of Access Analyzer's API.
pub const POLICY_TYPES: &[&str] = &[
    "IDENTITY_POLICY",
    "RESOURCE_POLICY",
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
];

impl PolicyKind {
    /// Reads `policyType` (and `validatePolicyResourceType`).
    pub fn from_request(
        policy_type: &str,
        resource_type: Option<&str>,
    ) -> Result<PolicyKind, AnalyzeError> {
        let kind = match policy_type {
            "IDENTITY_POLICY" => PolicyKind::Identity,
            "RESOURCE_POLICY" => match resource_type {
                Some("AWS::IAM::AssumeRolePolicyDocument") => PolicyKind::Trust,
                other => PolicyKind::Resource(other.map(str::to_string)),
            },
            "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
            "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
            other => {
                return Err(AnalyzeError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                    POLICY_TYPES.join(", ")
                )));
            }
        };
        if resource_type.is_some() && !matches!(kind, PolicyKind::Trust | PolicyKind::Resource(_)) {
            return Err(AnalyzeError::validation(
                "validatePolicyResourceType applies only to policyType RESOURCE_POLICY",
            ));
        }
        Ok(kind)
    }

    /// The validator's and evaluator's policy type.
    pub fn policy_type(&self) -> PolicyType {
        match self {
            PolicyKind::Identity => PolicyType::Identity,
            PolicyKind::Resource(_) => PolicyType::Resource,
            PolicyKind::Trust => PolicyType::Trust,
            PolicyKind::Scp => PolicyType::Scp,
            PolicyKind::Rcp => PolicyType::Rcp,
        }
    }
}
