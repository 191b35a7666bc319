//! What IAM says about `Action`/`NotAction` values.
//!
//! IAM checks only the form `vendor:name`: the name may be anything (the vectors accept
//! `iam: asdf safdsf af `), and an unknown action is accepted (Access Analyzer flags it later).
//! The vendor may hold letters, digits, `-` and `.` (`s3-s`, `s3.s` are accepted, `a a` is not).

use super::messages;

/// IAM's error for this action, if any.
pub(super) fn format_error(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) => Some(messages::ACTION_VENDOR.to_string()),
        (Some(_), Some(_)) => Some(messages::ACTION_ONE_COLON.to_string()),
        (Some(_), None) => {
            let valid = !vendor.is_empty()
                && vendor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            (!valid).then(|| messages::vendor(vendor))
        }
    }
}

/// The actions a trust policy may name: the `sts` actions that take a role (or tag or name its
/// session) (`id_roles_create_for-user.html`, `id_session-tags.html`,
/// `id_credentials_temp_control-access_monitor.html`).
pub(super) const TRUST_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

/// Whether a trust policy may use this action pattern: it must cover at least one of
/// [`TRUST_ACTIONS`] (so `sts:*` and `sts:Assume*` pass, `sts:GetCallerIdentity` does not).
pub(super) fn allowed_in_trust_policy(pattern: &str) -> bool {
    TRUST_ACTIONS.iter().any(|a| glob_matches(pattern, a))
}

/// Whether an action pattern (`*` and `?` wildcards, case-insensitive as IAM matches actions)
/// matches an action.
pub(super) fn glob_matches(pattern: &str, action: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let a: Vec<char> = action.to_lowercase().chars().collect();
    // Iterative matcher with one backtrack point: linear in practice, never recursive.
    let (mut pi, mut ai) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ai));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == a.get(ai) => {
                pi += 1;
                ai += 1;
            }
            _ => match star {
                Some((sp, sa)) => {
                    pi = sp + 1;
                    ai = sa + 1;
                    star = Some((sp, sa + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn action_forms() {
        assert_eq!(format_error("*"), None);
        assert_eq!(format_error("iam: asdf safdsf af "), None);
        assert_eq!(format_error("s3-s:ListBucket"), None);
        assert_eq!(format_error("s3.s:ListBucket"), None);
        assert_eq!(
            format_error("invalid"),
            Some(messages::ACTION_VENDOR.to_string())
        );
        assert_eq!(format_error(""), Some(messages::ACTION_VENDOR.to_string()));
        assert_eq!(
            format_error("s3:List:Bucket"),
            Some(messages::ACTION_ONE_COLON.to_string())
        );
        assert_eq!(
            format_error("a a:ListBucket"),
            Some("Vendor a a is not valid".to_string())
        );
        assert_eq!(
            format_error(":ListBucket"),
            Some("Vendor  is not valid".to_string())
        );
    }

    #[test]
    fn trust_actions_and_wildcards() {
        assert!(allowed_in_trust_policy("sts:AssumeRole"));
        assert!(allowed_in_trust_policy("STS:assumerolewithsaml"));
        assert!(allowed_in_trust_policy("sts:*"));
        assert!(allowed_in_trust_policy("sts:Assume*"));
        assert!(allowed_in_trust_policy("*"));
        assert!(allowed_in_trust_policy("sts:TagSession"));
        assert!(!allowed_in_trust_policy("sts:BadAssumeRole"));
        assert!(!allowed_in_trust_policy("sts:GetCallerIdentity"));
        assert!(!allowed_in_trust_policy("s3:*"));
        assert!(glob_matches("iam:*Role", "iam:PassRole"));
        assert!(glob_matches("iam:Pa?sRole", "iam:PassRole"));
        assert!(!glob_matches("iam:Pa?Role", "iam:PassRole"));
    }
}
