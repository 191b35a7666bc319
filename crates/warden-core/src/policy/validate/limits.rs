//! Size quotas and the API's constraints on the policy text itself.
//!
//! IAM quotas (`reference_iam-quotas.html`): a managed policy holds 6,144 characters, a role's
//! inline policies 10,240 in all, a user's 2,048, a group's 5,120, a trust policy 2,048 (raisable
//! to 4,096), and "IAM doesn't count white space when calculating the size of a policy". AWS
//! Organizations counts every character of an SCP or RCP (5,120,
//! `orgs_reference_limits.html`), and STS limits a session policy's plain text to 2,048
//! characters as a parameter constraint.

use super::SizeLimit;
use super::messages;
use crate::policy::PolicyType;

/// The largest document any of the APIs accepts (`PolicyDocument`: length 1 to 131,072).
pub(super) const MAX_DOCUMENT_CHARS: usize = 131_072;

impl SizeLimit {
    /// The quota that applies to a policy type when none is given.
    pub fn default_for(policy_type: PolicyType) -> SizeLimit {
        match policy_type {
            PolicyType::Identity | PolicyType::Boundary => SizeLimit::ManagedPolicy,
            PolicyType::Trust => SizeLimit::TrustPolicy,
            PolicyType::Session => SizeLimit::SessionPolicy,
            PolicyType::Scp | PolicyType::Rcp => SizeLimit::OrganizationsPolicy,
            // Each service sets its own; 20 KB is S3's bucket policy limit, the most common one.
            PolicyType::Resource => SizeLimit::Custom(20_480),
        }
    }

    /// The most characters the document may have, counted as [`SizeLimit::counts_whitespace`]
    /// says.
    pub fn max_chars(self) -> usize {
        match self {
            SizeLimit::ManagedPolicy => 6_144,
            SizeLimit::RoleInline => 10_240,
            SizeLimit::UserInline | SizeLimit::TrustPolicy | SizeLimit::SessionPolicy => 2_048,
            SizeLimit::GroupInline | SizeLimit::OrganizationsPolicy => 5_120,
            SizeLimit::Custom(n) => n,
            SizeLimit::Unlimited => usize::MAX,
        }
    }

    /// Whether whitespace between JSON tokens counts toward the limit (IAM: no; Organizations and
    /// STS: yes).
    pub fn counts_whitespace(self) -> bool {
        matches!(
            self,
            SizeLimit::OrganizationsPolicy | SizeLimit::SessionPolicy
        )
    }

    /// The error code AWS returns when the limit is exceeded.
    pub(super) fn code(self) -> &'static str {
        match self {
            SizeLimit::SessionPolicy => messages::VALIDATION_ERROR,
            _ => messages::LIMIT_EXCEEDED,
        }
    }

    /// The message AWS returns when the limit is exceeded.
    pub(super) fn message(self) -> String {
        let max = self.max_chars();
        match self {
            SizeLimit::ManagedPolicy => format!("Cannot exceed quota for PolicySize: {max}"),
            SizeLimit::TrustPolicy => format!("Cannot exceed quota for ACLSizePerRole: {max}"),
            // AWS ends these three with the entity's name, which an offline check does not know.
            SizeLimit::RoleInline => {
                format!("Maximum policy size of {max} bytes exceeded for role")
            }
            SizeLimit::UserInline => {
                format!("Maximum policy size of {max} bytes exceeded for user")
            }
            SizeLimit::GroupInline => {
                format!("Maximum policy size of {max} bytes exceeded for group")
            }
            SizeLimit::SessionPolicy => messages::length("policy", "less than or equal to", max),
            // Warden's own: Organizations' wording for an oversized SCP/RCP is not known.
            SizeLimit::OrganizationsPolicy => {
                format!("The policy document exceeds the maximum size of {max} characters.")
            }
            // Warden's own.
            SizeLimit::Custom(_) | SizeLimit::Unlimited => format!(
                "The policy document exceeds the maximum size of {max} characters, white space \
                 not counted."
            ),
        }
    }
}

/// The characters the policy counts for a quota: all of them, or all but the whitespace between
/// JSON tokens (whitespace inside strings counts). Works on text that is not valid JSON too.
pub fn counted_chars(text: &str, count_whitespace: bool) -> usize {
    if count_whitespace {
        return text.chars().count();
    }
    let mut in_string = false;
    let mut escaped = false;
    let mut count = 0;
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        count += 1;
    }
    count
}

/// The byte offset of the first character outside TAB, LF, CR and U+0020 to U+00FF, the only
/// ones IAM's `PolicyDocument` parameter allows.
pub(super) fn first_disallowed_char(text: &str) -> Option<usize> {
    text.char_indices()
        .find(|&(_, c)| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
        .map(|(i, _)| i)
}

/// The API parameter that carries the document, as AWS names it in validation messages.
pub(super) fn parameter_name(policy_type: PolicyType) -> &'static str {
    match policy_type {
        PolicyType::Trust => "assumeRolePolicyDocument",
        PolicyType::Session => "policy",
        PolicyType::Scp | PolicyType::Rcp => "content",
        PolicyType::Identity | PolicyType::Boundary | PolicyType::Resource => "policyDocument",
    }
}

/// AWS's message for a document longer than the API's 131,072-character constraint on the
/// parameter that carries it (the same words `validate` reports), or `None` when it fits.
/// `SimulateCustomPolicy` holds its `PolicyInputList`, boundary and `ResourcePolicy` members to
/// the same length (`API_SimulateCustomPolicy.html`).
pub fn api_length_error(text: &str, parameter: &str) -> Option<String> {
    // Bytes bound characters from above: most documents skip the count.
    if text.len() <= MAX_DOCUMENT_CHARS || text.chars().count() <= MAX_DOCUMENT_CHARS {
        return None;
    }
    Some(messages::length(
        parameter,
        "less than or equal to",
        MAX_DOCUMENT_CHARS,
    ))
}
