//! Guard rails for `warden simulate`: inputs that AWS's simulator decides without a word but that
//! almost certainly do not mean what was meant — a misspelt action (`ecs:RunTsk` is "allowed" by
//! `ecs:*`), a resource ARN no statement written for the action could name, a trust policy given
//! as an identity-based one. Each is a warning on stderr, or with `--strict` an error; an action
//! that is not `service:Name` at all is always a usage error.
//!
//! The checks only read the request; the decision is the evaluator's, unchanged.

use crate::catalog::suggestion;
use crate::error::{CliError, warn};
use crate::output::Sources;
use std::collections::HashSet;
use warden_core::Policy;
use warden_core::arn::Arn;
use warden_core::glob::Glob;
use warden_core::simulate::SimulateCustomPolicyRequest;

/// The longest value quoted whole in a message; longer ones are cut (a 10 MB `Sid` is not
/// worth printing).
pub const MAX_QUOTED: usize = 120;

/// `value`, or its first characters and how many more there were when it is longer than
/// [`MAX_QUOTED`].
pub fn cut(value: &str) -> String {
    let count = value.chars().count();
    if count <= MAX_QUOTED {
        return value.to_string();
    }
    let head: String = value.chars().take(MAX_QUOTED / 2).collect();
    format!("{head}... ({} more characters)", count - MAX_QUOTED / 2)
}

/// Shortens every `` `quoted` `` value of a message longer than [`MAX_QUOTED`], so that error
/// and warning lines stay readable whatever the input held.
pub fn shorten_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Odd parts are inside backticks; an unpaired backtick leaves a trailing part, cut too.
    for (i, part) in parts.enumerate() {
        out.push('`');
        if i % 2 == 0 {
            out.push_str(&cut(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Reports findings: warnings once each, or errors with `--strict`.
#[derive(Debug, Default)]
pub struct Guard {
    strict: bool,
    warned: HashSet<String>,
}

impl Guard {
    /// A guard that warns, or (`strict`) fails.
    pub fn new(strict: bool) -> Guard {
        Guard {
            strict,
            warned: HashSet::new(),
        }
    }

    /// Whether findings are errors.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Reports `findings`: with `--strict` the first is an error, otherwise each is a warning
    /// (once, however many times it recurs).
    pub fn report(&mut self, findings: Vec<String>) -> Result<(), CliError> {
        if self.strict
            && let Some(first) = findings.first()
        {
            return Err(CliError::input(format!("{first} (an error with --strict)")));
        }
        for f in self.warned_fresh(findings) {
            warn(f);
        }
        Ok(())
    }

    /// The findings not reported before, marked as reported.
    pub fn warned_fresh(&mut self, findings: Vec<String>) -> Vec<String> {
        findings
            .into_iter()
            .filter(|f| self.warned.insert(f.clone()))
            .collect()
    }

    /// Checks every action and resource of a request, and the shape of its policies.
    pub fn check_request(
        &mut self,
        req: &SimulateCustomPolicyRequest,
        sources: &Sources,
    ) -> Result<(), CliError> {
        let mut findings = policy_shape_findings(req, sources);
        findings.extend(request_findings(&req.action_names, &req.resource_arns)?);
        self.report(findings)
    }
}

/// The findings for each action and each resource. A resource is reported when it fits no
/// resource type of any of the actions (the simulator crosses every action with every resource,
/// so a resource meant for one of them is no mistake). An action that is not `service:Name` is
/// a usage error.
pub fn request_findings(actions: &[String], resources: &[String]) -> Result<Vec<String>, CliError> {
    let mut findings = Vec::new();
    for action in actions {
        action_shape(action).map_err(CliError::input)?;
        findings.extend(action_finding(action));
    }
    for resource in resources {
        findings.extend(resource_findings(actions, resource));
    }
    Ok(findings)
}

/// `Err` with a usage message unless `action` is `service:Name` (wildcards allowed in either
/// part, as IAM's `Action` element allows them).
pub fn action_shape(action: &str) -> Result<(), String> {
    let good_prefix = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '?'))
    };
    let good_name =
        |n: &str| !n.is_empty() && !n.contains(':') && !n.chars().any(char::is_whitespace);
    if let Some((prefix, name)) = action.split_once(':')
        && good_prefix(prefix)
        && good_name(name)
    {
        return Ok(());
    }
    // `ecs-RunTask`, `ecs.RunTask`, `ecs/RunTask`: the separator most likely meant as `:`.
    // (No action is longer than MAX_QUOTED: a longer value is not worth the search.)
    let hint = action
        .char_indices()
        .take_while(|_| action.len() <= MAX_QUOTED)
        .filter(|&(_, c)| matches!(c, '-' | '.' | '/' | ' '))
        .map(|(i, _)| format!("{}:{}", &action[..i], &action[i + 1..]))
        .find(|candidate| warden_catalog::actions().action(candidate).is_some())
        .map(|a| format!("; did you mean {a}?"))
        .unwrap_or_default();
    Err(format!(
        "`{}` is not an action: write service:Name, e.g. ecs:RunTask{hint}",
        cut(action)
    ))
}

/// A warning when the catalog does not know `action` (or its service).
pub fn action_finding(action: &str) -> Option<String> {
    let catalog = warden_catalog::actions();
    if catalog.action(action).is_some() {
        return None;
    }
    if action.contains(['*', '?']) {
        return Some(format!(
            "`{}` is a pattern: the simulator decides it as one literal action name, not each \
             action it covers (list them with `warden actions expand '{}'`)",
            cut(action),
            cut(action)
        ));
    }
    // The edit distance costs the product of the lengths: no action is that long anyway.
    let hint = if action.len() <= MAX_QUOTED {
        suggestion(action)
    } else {
        String::new()
    };
    let hint = hint
        .trim_start_matches(['(', ';', ' '])
        .trim_end_matches(')');
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!(" ({hint})")
    };
    Some(format!(
        "unknown action `{}`{hint}: AWS has no such action, so the decision below is for a \
         request that cannot happen",
        cut(action)
    ))
}

/// Warnings for a resource ARN: malformed, a bad account id, or of no resource type any of
/// `actions` acts on (a statement written for them could not name it).
pub fn resource_findings(actions: &[String], resource: &str) -> Vec<String> {
    if resource == "*" {
        return Vec::new();
    }
    let shown = cut(resource);
    let Some(arn) = Arn::parse(resource) else {
        return vec![format!(
            "`{shown}` is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE): no \
             statement that names ARNs can match it"
        )];
    };
    let mut findings = Vec::new();
    if !matches!(arn.partition, "aws" | "aws-cn" | "aws-us-gov") && !arn.partition.contains('*') {
        findings.push(format!(
            "`{}` in `{shown}` is not a partition (aws, aws-cn or aws-us-gov)",
            cut(arn.partition)
        ));
    }
    let account_ok = arn.account.is_empty()
        || arn.account == "aws"
        || arn.account.contains(['*', '?'])
        || (arn.account.len() == 12 && arn.account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        findings.push(format!(
            "`{}` in `{shown}` is not an account id (12 digits)",
            cut(arn.account)
        ));
    }
    let mut misfits = Vec::new();
    for action in actions {
        match type_fit(action, resource) {
            Fit::Fits | Fit::Unknown => return findings,
            Fit::Misfit(why) => misfits.push(why),
        }
    }
    match misfits.as_slice() {
        [] => {}
        [one] => findings.push(format!("`{shown}` is not a resource {one}")),
        _ => findings.push(format!(
            "`{shown}` is not a resource any of the actions acts on ({})",
            actions
                .iter()
                .map(|a| cut(a))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    findings
}

/// Whether a resource fits an action's resource types in the catalog.
enum Fit {
    Fits,
    /// The catalog does not know the action, or not the ARN formats of its types.
    Unknown,
    /// It does not fit: the rest of a sentence `... is not a resource ` saying why.
    Misfit(String),
}

fn type_fit(action: &str, resource: &str) -> Fit {
    let catalog = warden_catalog::actions();
    let Some((service, found)) = catalog.action(action) else {
        return Fit::Unknown;
    };
    if found.resources.is_empty() {
        return Fit::Misfit(format!(
            "{}:{} is decided for: it acts on no resource type (policies grant it with \
             \"Resource\": \"*\")",
            service.prefix, found.name
        ));
    }
    let formats: Vec<(&str, &str)> = found
        .resources
        .iter()
        .filter_map(|r| {
            service
                .resource_type(&r.resource_type)
                .map(|t| (r.resource_type.as_str(), t.arn.as_str()))
        })
        .collect();
    if formats.len() < found.resources.len() {
        return Fit::Unknown;
    }
    if formats
        .iter()
        .any(|(_, format)| format_glob(format).matches(resource))
    {
        return Fit::Fits;
    }
    let types: Vec<String> = formats
        .iter()
        .take(4)
        .map(|(name, format)| format!("{name} ({format})"))
        .collect();
    Fit::Misfit(format!(
        "{}:{} acts on: it acts on {}",
        service.prefix,
        found.name,
        types.join(", ")
    ))
}

/// The catalog's ARN format as a pattern: each `${Placeholder}` stands for any text.
fn format_glob(format: &str) -> Glob {
    let mut pattern = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        pattern.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                pattern.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    pattern.push_str(rest);
    Glob::new(&pattern)
}

/// Warnings for policies given in the wrong place: a trust (or resource-based) policy as an
/// identity-based one, or an identity-based policy as the resource policy.
pub fn policy_shape_findings(req: &SimulateCustomPolicyRequest, sources: &Sources) -> Vec<String> {
    let mut findings = Vec::new();
    let named = |id: &str, flag: &str| {
        let name = sources.name(id);
        if name == id {
            id.to_string()
        } else {
            format!("`{}` ({flag})", cut(name))
        }
    };
    for (i, text) in req.policy_input_list.iter().enumerate() {
        let Some(policy) = parse_small(text) else {
            continue;
        };
        if policy.statements().iter().any(|s| s.principal().is_some()) {
            let what = if looks_like_trust(&policy) {
                "a role's trust policy"
            } else {
                "a resource-based policy"
            };
            findings.push(format!(
                "{} names a Principal, as {what} does: as an identity-based policy it is \
                 evaluated as if the Principal were not there; give it as --resource-policy \
                 (ResourcePolicy) instead",
                named(&format!("PolicyInputList.{}", i + 1), "--policy")
            ));
        }
    }
    if let Some(text) = &req.resource_policy
        && let Some(policy) = parse_small(text)
        && !policy.statements().is_empty()
        && policy.statements().iter().all(|s| s.principal().is_none())
    {
        findings.push(format!(
            "{} names no Principal: it is an identity-based policy, and as a resource policy \
             it grants nobody anything; give it as --policy (PolicyInputList) instead",
            named("ResourcePolicy", "--resource-policy")
        ));
    }
    findings
}

/// Parses a document small enough for the simulator to take (larger ones it rejects itself).
fn parse_small(text: &str) -> Option<Policy> {
    if text.len() > 131_072 {
        return None;
    }
    Policy::parse(text).ok()
}

/// Every statement names a principal and only role-assumption actions, as a trust policy does.
fn looks_like_trust(policy: &Policy) -> bool {
    policy.statements().iter().all(|s| {
        s.principal().is_some()
            && s.resource().is_none()
            && s.action()
                .values
                .iter()
                .all(|a| a.to_ascii_lowercase().starts_with("sts:"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_must_be_service_colon_name() {
        assert!(action_shape("ecs:RunTask").is_ok());
        assert!(action_shape("ecs:Run*").is_ok());
        let e = action_shape("ecs-RunTask").unwrap_err();
        assert!(e.contains("did you mean ecs:RunTask?"), "{e}");
        for bad in [
            "RunTask",
            "ecs:",
            ":RunTask",
            "ecs:Run:Task",
            "e cs:RunTask",
            "",
        ] {
            assert!(action_shape(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_actions_get_the_catalogs_suggestion() {
        assert_eq!(action_finding("ecs:RunTask"), None);
        let f = action_finding("ecs:RunTsk").unwrap_or_default();
        assert!(f.contains("did you mean ecs:RunTask?"), "{f}");
        let f = action_finding("ecz:RunTask").unwrap_or_default();
        assert!(f.contains("no service has the prefix `ecz`"), "{f}");
    }

    #[test]
    fn resources_are_checked_against_the_actions_types() {
        let one = |a: &str| vec![a.to_string()];
        let role = "arn:aws:iam::123456789012:role/x";
        assert!(resource_findings(&one("iam:PassRole"), role).is_empty());
        assert!(resource_findings(&one("ecs:RunTask"), "*").is_empty());
        let f = resource_findings(&one("ecs:RunTask"), role);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].contains("is not a resource ecs:RunTask acts on"),
            "{f:?}"
        );
        // Crossed with several actions, a resource that fits one of them is quiet.
        let both = vec!["ecs:RunTask".to_string(), "iam:PassRole".to_string()];
        assert!(resource_findings(&both, role).is_empty());
        let both = vec!["ecs:RunTask".to_string(), "s3:GetObject".to_string()];
        let f = resource_findings(&both, role);
        assert!(
            f[0].contains("any of the actions acts on (ecs:RunTask, s3:GetObject)"),
            "{f:?}"
        );
        let f = resource_findings(&one("iam:PassRole"), "arn:aws:iam::12345:role/x");
        assert!(f.iter().any(|f| f.contains("`12345`")), "{f:?}");
        let f = resource_findings(&one("iam:PassRole"), "not-an-arn");
        assert!(f[0].contains("is not an ARN"), "{f:?}");
    }

    #[test]
    fn long_values_are_cut() {
        let long = "A".repeat(10_000);
        let message = shorten_quoted(&format!("bad Sid `{long}` here"));
        assert!(message.len() < 200, "{message}");
        assert!(message.ends_with("more characters)` here"), "{message}");
        assert_eq!(shorten_quoted("a `b` c"), "a `b` c");
    }
}
