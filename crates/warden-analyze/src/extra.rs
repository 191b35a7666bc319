//! Access Analyzer's statement-level checks that neither the validator nor the catalog checks
//! make, on the evaluator's parsed policy (`access-analyzer-reference-policy-checks.html`).

use warden_core::Policy;
use warden_core::glob::Glob;
use warden_core::policy::{Effect, Statement};

/// A finding: code, details, statement index, element, and the value it is about.
pub(crate) type Extra = (&'static str, String, usize, &'static str, Option<String>);

/// Every extra finding of a policy.
pub(crate) fn check(policy: &Policy) -> Vec<Extra> {
    let mut out = Vec::new();
    for s in policy.statements() {
        if s.sid() == Some("") {
            out.push((
                "EMPTY_SID_VALUE",
                "Add a value to the empty string in the Sid element.".to_string(),
                s.index(),
                "Sid",
                None,
            ));
        }
        for c in s.conditions() {
            let op = c.operator.as_str();
            let base = op.rsplit(':').next().unwrap_or(op);
            if base == "NullIfExists" {
                out.push((
                    "NULL_WITH_IF_EXISTS",
                    "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.".to_string(),
                    s.index(),
                    "Condition",
                    Some(op.to_string()),
                ));
            }
            let equals = base.starts_with("StringEquals") || base.starts_with("StringNotEquals");
            if equals && c.values.iter().any(|v| v.contains(['*', '?'])) {
                out.push((
                    "WILDCARD_WITHOUT_LIKE_OPERATOR",
                    format!(
                        "Your condition value for {} includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like.",
                        c.key
                    ),
                    s.index(),
                    "Condition",
                    Some(c.key.clone()),
                ));
            }
        }
        if s.effect() == Effect::Allow {
            role_actions(s, &mut out);
        }
    }
    out
}

/// `PASS_ROLE_*` with `NotResource` and `CREATE_SLR_*`: allows of `iam:PassRole` or
/// `iam:CreateServiceLinkedRole` on every role, or every role but some.
fn role_actions(s: &Statement, out: &mut Vec<Extra>) {
    let Some(resource) = s.resource() else { return };
    let action = s.action();
    let covers = |name: &str| -> Option<bool> {
        // Some(true): named exactly; Some(false): through a wildcard or NotAction.
        let lower = name.to_ascii_lowercase();
        if action.negated {
            let excluded = action
                .values
                .iter()
                .any(|a| Glob::new(&a.to_lowercase()).matches(&lower));
            return (!excluded).then_some(false);
        }
        if action.values.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return Some(true);
        }
        action
            .values
            .iter()
            .any(|a| Glob::new(&a.to_lowercase()).matches(&lower))
            .then_some(false)
    };
    let star = !resource.negated && resource.values.iter().any(|r| r == "*");
    let not_resource = resource.negated;
    if let Some(exact) = covers("iam:PassRole")
        && not_resource
        && !action.negated
    {
        let code = if exact {
            "PASS_ROLE_WITH_NOT_RESOURCE"
        } else {
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
        };
        out.push((
            code,
            "Using the iam:PassRole action with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources.".to_string(),
            s.index(),
            "NotResource",
            None,
        ));
    }
    // AWS's advice is a condition on iam:AWSServiceName; a statement that has one is narrowed.
    let names_service = s
        .conditions()
        .iter()
        .any(|c| c.key.eq_ignore_ascii_case("iam:AWSServiceName"));
    if let Some(exact) = covers("iam:CreateServiceLinkedRole")
        && !action.negated
        && !names_service
    {
        let code = match (exact, star, not_resource) {
            (true, true, _) => "CREATE_SLR_WITH_STAR_IN_RESOURCE",
            (false, true, _) => "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
            (true, _, true) => "CREATE_SLR_WITH_NOT_RESOURCE",
            (false, _, true) => "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            _ => return,
        };
        let element = if not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        out.push((
            code,
            "Allowing iam:CreateServiceLinkedRole on every resource can allow creation of unintended service-linked roles; name the service-linked role's ARN or add a condition on iam:AWSServiceName.".to_string(),
            s.index(),
            element,
            None,
        ));
    }
}
