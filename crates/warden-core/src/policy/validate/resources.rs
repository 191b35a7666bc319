//! What IAM says about `Resource`/`NotResource` values.
//!
//! The rules are derived from the conformance vectors (AWS's answers as moto records them):
//! - IAM splits a value at its colons and never looks at the first part: `a:b:c` is read as the
//!   ARN `arn:b:c`, so the partition is the second part.
//! - Only the `aws` partition (or `*`) is valid in the commercial partition Warden models.
//! - Its "legacy" parser then rejects, for a valid partition, an empty service (`arn:aws::x`) and
//!   an ARN of fewer than six parts that has an empty one (`arn:aws:s3::bucket`), while
//!   `arn:aws:fdsasf` passes. These failures are reported before everything but the JSON shape
//!   and the version.
//! - The format errors proper (no colon, bad partition, nothing after the partition, region in an
//!   IAM or S3 ARN, unknown IAM resource type) come later, after the `Sid`s and the presence of
//!   actions.

use super::messages;

/// Whether a partition is valid for a policy in the `aws` partition.
fn valid_partition(partition: &str) -> bool {
    matches!(partition, "aws" | "*")
}

/// Whether IAM's legacy parser rejects this resource (`The policy failed legacy parsing`).
pub(super) fn fails_legacy_parsing(resource: &str) -> bool {
    if resource == "*" {
        return false;
    }
    let parts = split_colons(resource, usize::MAX);
    if !parts.get(1).is_some_and(|p| valid_partition(p)) {
        return false;
    }
    let empty_service = parts.get(2).is_some_and(|s| s.is_empty());
    let short_with_gap = parts.len() < 6 && parts.iter().skip(2).any(|p| p.is_empty());
    empty_service || short_with_gap
}

/// IAM's format error for this resource, if any.
pub(super) fn format_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let Some(&rest) = split_colons(resource, 2).get(1) else {
        return Some(messages::not_arn(resource));
    };
    let (partition, after) = match split_colons(rest, 2).as_slice() {
        [p, a] => (*p, Some(*a)),
        _ => (rest, None),
    };
    if !valid_partition(partition) {
        return Some(messages::partition(
            partition,
            &rebuilt_arn(partition, after),
        ));
    }
    let Some(after) = after else {
        return Some(messages::RESOURCE_VENDOR.to_string());
    };
    let mut parts = split_colons(after, 4).into_iter();
    let service = parts.next().unwrap_or_default();
    let region = parts.next();
    let account = parts.next();
    let path = parts.next();
    let has_region = region.is_some_and(|r| !r.is_empty());
    match service {
        "iam" if has_region => Some(messages::iam_region(resource)),
        "iam" => {
            let path = path.unwrap_or_default();
            // `root` is the account's root user, which AWS's root-task policies
            // (IAMAuditRootUserCredentials) name as `arn:aws:iam::*:root`.
            let known = path == "*"
                || path == "root"
                || IAM_RESOURCE_TYPES.iter().any(|t| path.starts_with(t));
            (!known).then(|| messages::IAM_PATH.to_string())
        }
        // Buckets and objects have neither region nor account; the regional S3 resources
        // (access points, jobs, Storage Lens) have both, e.g.
        // `arn:aws:s3:us-west-2:123456789012:accesspoint/x`, which IAM accepts.
        "s3" if has_region && account.is_none_or(str::is_empty) => {
            Some(messages::s3_region(resource))
        }
        _ => None,
    }
}

/// Splits at colons into at most `max` parts; a colon inside a policy variable
/// (`${aws:PrincipalAccount}`) does not split.
fn split_colons(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_variable = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes.get(i - 1) == Some(&b'$') => in_variable = true,
            b'}' => in_variable = false,
            b':' if !in_variable && parts.len() + 1 < max => {
                parts.push(text.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// The first policy variable in the five parts before an ARN's resource part, where AWS does
/// not substitute variables ("You can't use a variable to replace parts of the ARN before the
/// fifth colon, such as the service or account", `reference_policies_variables.html`).
pub(super) fn variable_before_resource_part(resource: &str) -> Option<&str> {
    let parts = split_colons(resource, 6);
    if parts.len() < 6 {
        return None;
    }
    parts.iter().take(5).find_map(|part| {
        let start = part.find("${")?;
        let rest = part.get(start..)?;
        let end = rest.find('}')?;
        rest.get(..=end)
    })
}

/// The resource types an IAM ARN may name: those IAM's message lists, then the types IAM added
/// since (the Service Authorization Reference's IAM resource types). AWS's own managed policy
/// AWSCloudWatchOmniServiceRolePolicy names `arn:aws:iam::aws:role-template/...`, so IAM accepts
/// them even though its message still gives the older list.
const IAM_RESOURCE_TYPES: [&str; 16] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
    "assumed-role/",
    "delegation-request/",
    "role-template/",
];

/// The ARN IAM quotes in its partition message: the parts after the partition, each missing one
/// shown as `*`, everything past the fifth colon kept as the resource.
fn rebuilt_arn(partition: &str, after: Option<&str>) -> String {
    let after = after.filter(|a| !a.is_empty());
    let mut parts = after.map(|a| a.splitn(4, ':'));
    let mut next = || {
        parts
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or("*")
            .to_string()
    };
    let service = next();
    let region = next();
    let account = next();
    let resource = next();
    format!("arn:{partition}:{service}:{region}:{account}:{resource}")
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn variables_keep_their_colons() {
        assert_eq!(
            split_colons("arn:aws:iam::${aws:PrincipalAccount}:role/*", 6),
            ["arn", "aws", "iam", "", "${aws:PrincipalAccount}", "role/*"]
        );
        assert_eq!(split_colons("a:b:c", 2), ["a", "b:c"]);
        assert_eq!(
            format_error("arn:aws:iam::${aws:PrincipalAccount}:role/*"),
            None
        );
        assert_eq!(
            variable_before_resource_part("arn:*:kms:*:${aws:PrincipalAccount}:key/*"),
            Some("${aws:PrincipalAccount}")
        );
        assert_eq!(
            variable_before_resource_part("arn:aws:s3:::b/${aws:username}/*"),
            None
        );
        assert_eq!(variable_before_resource_part("${aws:username}"), None);
    }

    #[test]
    fn rebuilds_the_arn_iam_quotes() {
        assert_eq!(rebuilt_arn("bsdfdsafsad", None), "arn:bsdfdsafsad:*:*:*:*");
        assert_eq!(rebuilt_arn("b", Some("cadfsdf")), "arn:b:cadfsdf:*:*:*");
        assert_eq!(rebuilt_arn("b", Some("c:d:e:f:g:h")), "arn:b:c:d:e:f:g:h");
        assert_eq!(
            rebuilt_arn("s3", Some("::example_bucket")),
            "arn:s3:::example_bucket:*"
        );
        assert_eq!(rebuilt_arn("b", Some("")), "arn:b:*:*:*:*");
    }

    #[test]
    fn legacy_parsing_wants_six_parts_or_no_gap() {
        assert!(fails_legacy_parsing("arn:aws:s3::example_bucket"));
        assert!(fails_legacy_parsing("arn:aws::fdsasf"));
        assert!(fails_legacy_parsing("arn:aws::::example_bucket"));
        assert!(!fails_legacy_parsing("arn:aws:fdsasf"));
        assert!(!fails_legacy_parsing("arn:aws"));
        assert!(!fails_legacy_parsing("arn:aws:s3:::example_bucket"));
        assert!(!fails_legacy_parsing("arn:error:s3::example_bucket"));
        assert!(!fails_legacy_parsing("aws:s3:::example_bucket"));
        assert!(!fails_legacy_parsing("*"));
        assert!(!fails_legacy_parsing("arn:aws:iam::*:user/${aws:username}"));
    }

    #[test]
    fn format_errors() {
        assert_eq!(format_error("arn:aws:s3:::b"), None);
        assert_eq!(format_error("arn:aws:iam::*:mfa/${aws:username}"), None);
        assert_eq!(format_error("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(
            format_error("arn:aws:s3:us-west-2:123456789012:accesspoint/ap"),
            None
        );
        assert_eq!(format_error("arn:aws:ec2:us-east-1::x"), None);
        assert_eq!(
            format_error("arn:aws:iam:::example_bucket"),
            Some(messages::IAM_PATH.to_string())
        );
        // Newer IAM resource types than the message lists, and the root user.
        assert_eq!(format_error("arn:aws:iam::*:root"), None);
        assert_eq!(
            format_error("arn:aws:iam::aws:role-template/cloudwatch.amazonaws.com/T:1"),
            None
        );
        assert_eq!(
            format_error("arn:aws"),
            Some(messages::RESOURCE_VENDOR.to_string())
        );
        assert_eq!(
            format_error("x"),
            Some("Resource x must be in ARN format or \"*\".".to_string())
        );
        assert_eq!(
            format_error("arn:aws-cn:s3:::b"),
            Some(
                "Partition \"aws-cn\" is not valid for resource \"arn:aws-cn:s3:::b\".".to_string()
            )
        );
    }
}
