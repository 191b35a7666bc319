//! The Access Analyzer issue codes Warden reports offline, with their finding types and the
//! `learnMoreLink` AWS gives for each
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>).
//!
//! docs/analyze.md lists the codes AWS documents that Warden does not report, and why.

use serde::Serialize;

/// How serious a finding is, in Access Analyzer's order (most serious first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingType {
    /// The policy has an error: it is rejected or does not work.
    Error,
    /// The policy grants access AWS considers overly permissive.
    SecurityWarning,
    /// The policy probably does not do what was meant.
    Warning,
    /// The policy could be improved.
    Suggestion,
}

impl FindingType {
    /// The name AWS uses (`SECURITY_WARNING`).
    pub fn name(self) -> &'static str {
        match self {
            FindingType::Error => "ERROR",
            FindingType::SecurityWarning => "SECURITY_WARNING",
            FindingType::Warning => "WARNING",
            FindingType::Suggestion => "SUGGESTION",
        }
    }

    /// Reads AWS's name, case-insensitively.
    pub fn from_name(name: &str) -> Option<FindingType> {
        match name.to_ascii_uppercase().replace('-', "_").as_str() {
            "ERROR" => Some(FindingType::Error),
            "SECURITY_WARNING" => Some(FindingType::SecurityWarning),
            "WARNING" => Some(FindingType::Warning),
            "SUGGESTION" => Some(FindingType::Suggestion),
            _ => None,
        }
    }

    /// The anchor word of the reference page (`security-warning`).
    fn anchor(self) -> &'static str {
        match self {
            FindingType::Error => "error",
            FindingType::SecurityWarning => "security-warning",
            FindingType::Warning => "warning",
            FindingType::Suggestion => "suggestion",
        }
    }
}

/// Every issue code Warden reports, with its finding type as AWS documents it.
pub const IMPLEMENTED: &[(&str, FindingType)] = &[
    // From the validator's grammar and per-type checks (warden-core).
    ("JSON_SYNTAX_ERROR", FindingType::Error),
    ("INVALID_POLICY_ELEMENT", FindingType::Error),
    ("DATA_TYPE_MISMATCH", FindingType::Error),
    ("INVALID_VERSION", FindingType::Error),
    ("MISSING_VERSION", FindingType::Warning),
    ("MISSING_STATEMENT", FindingType::Error),
    ("MISSING_EFFECT", FindingType::Error),
    ("INVALID_EFFECT", FindingType::Error),
    ("MISSING_ACTION", FindingType::Error),
    ("EMPTY_ARRAY_ACTION", FindingType::Suggestion),
    ("MISSING_RESOURCE", FindingType::Error),
    ("EMPTY_ARRAY_RESOURCE", FindingType::Suggestion),
    ("MISSING_PRINCIPAL", FindingType::Error),
    ("UNSUPPORTED_ELEMENT_COMBINATION", FindingType::Error),
    ("INVALID_PRINCIPAL_KEY", FindingType::Error),
    ("INVALID_PRINCIPAL_FORMAT", FindingType::Error),
    ("INVALID_CONDITION_OPERATOR", FindingType::Error),
    ("UNIQUE_SIDS_REQUIRED", FindingType::Error),
    ("UNIQUE_SIDS_RECOMMENDED", FindingType::Warning),
    ("INVALID_ARN_PREFIX", FindingType::Error),
    ("MISSING_ARN_FIELD", FindingType::Error),
    ("INVALID_PARTITION", FindingType::Error),
    ("ARN_REGION_NOT_ALLOWED", FindingType::Error),
    ("INVALID_ARN_RESOURCE", FindingType::Error),
    ("UNSUPPORTED_PRINCIPAL", FindingType::Error),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", FindingType::Error),
    ("SCP_SYNTAX_ERROR_NOTRESOURCE", FindingType::Error),
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
        FindingType::Error,
    ),
    (
        "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
        FindingType::Error,
    ),
    (
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        FindingType::Error,
    ),
    ("UNSUPPORTED_ACTION_IN_POLICY", FindingType::Error),
    ("TYPE_MISMATCH_DATE", FindingType::Warning),
    ("TYPE_MISMATCH_NUMBER", FindingType::Warning),
    ("TYPE_MISMATCH_BOOLEAN", FindingType::Warning),
    ("TYPE_MISMATCH_IP_RANGE", FindingType::Warning),
    ("TYPE_MISMATCH_STRING", FindingType::Warning),
    ("ALLOW_WITH_NOT_PRINCIPAL", FindingType::SecurityWarning),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        FindingType::SecurityWarning,
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        FindingType::SecurityWarning,
    ),
    (
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        FindingType::Warning,
    ),
    (
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        FindingType::Warning,
    ),
    ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", FindingType::Error),
    // From the catalog checks (warden-catalog).
    ("INVALID_SERVICE_IN_ACTION", FindingType::Error),
    ("INVALID_ACTION", FindingType::Error),
    ("INVALID_GLOBAL_CONDITION_KEY", FindingType::Error),
    ("INVALID_SERVICE_CONDITION_KEY", FindingType::Error),
    ("INVALID_SERVICE", FindingType::Error),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", FindingType::Error),
    ("TYPE_MISMATCH", FindingType::Warning),
    // Statement-level checks of this crate (`extra.rs`), on the evaluator's parsed policy.
    ("NULL_WITH_IF_EXISTS", FindingType::Error),
    ("WILDCARD_WITHOUT_LIKE_OPERATOR", FindingType::Warning),
    ("EMPTY_SID_VALUE", FindingType::Suggestion),
    ("PASS_ROLE_WITH_NOT_RESOURCE", FindingType::SecurityWarning),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        FindingType::SecurityWarning,
    ),
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", FindingType::Warning),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        FindingType::Warning,
    ),
    ("CREATE_SLR_WITH_NOT_RESOURCE", FindingType::Warning),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        FindingType::Warning,
    ),
    ("WILDCARD_IN_SERVICE_NAME", FindingType::Suggestion),
    ("INVALID_ROLE_REFERENCE", FindingType::Warning),
    ("INVALID_USER_REFERENCE", FindingType::Warning),
    ("NULL_WITH_QUALIFIER", FindingType::Suggestion),
    (
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        FindingType::SecurityWarning,
    ),
    ("MISSING_QUALIFIER", FindingType::Error),
    ("PRIVATE_IP_ADDRESS", FindingType::Error),
    ("PRIVATE_NOT_IP_ADDRESS", FindingType::Error),
    ("PRIVATE_IP_ADDRESS_SUBSET", FindingType::Suggestion),
    ("PRIVATE_NOT_IP_ADDRESS_SUBSET", FindingType::Suggestion),
    ("IMPROVE_IP_RANGE", FindingType::Suggestion),
    ("INVALID_VPC_FORMAT", FindingType::Error),
    ("INVALID_VPCE_FORMAT", FindingType::Error),
];

/// The finding type of an implemented code.
pub fn finding_type(code: &str) -> Option<FindingType> {
    IMPLEMENTED
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| *t)
}

/// The `learnMoreLink` AWS gives for a code: its section of the policy checks reference.
pub fn learn_more_link(code: &str, finding_type: FindingType) -> String {
    format!(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-{}-{}",
        finding_type.anchor(),
        code.to_ascii_lowercase().replace('_', "-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_reference_page_anchors() {
        assert_eq!(
            learn_more_link("MISSING_ARN_ACCOUNT", FindingType::Error),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-missing-arn-account"
        );
    }

    #[test]
    fn codes_are_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in IMPLEMENTED {
            assert!(seen.insert(code), "{code} listed twice");
        }
    }
}
