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
        conditions(s, &mut out);
        for a in &s.action().values {
            if let Some((service, _)) = a.split_once(':')
                && service.contains(['*', '?'])
            {
                out.push((
                    "WILDCARD_IN_SERVICE_NAME",
                    format!("Avoid using wildcards (*, ?) in the service name of {a} because it might grant unintended access to other AWS services with similar names."),
                    s.index(),
                    action_element(s),
                    Some(a.clone()),
                ));
            }
        }
        if let Some(p) = s.principal() {
            for e in &p.entries {
                let (code, kind) = if e.value.starts_with("AROA") {
                    ("INVALID_ROLE_REFERENCE", "role")
                } else if e.value.starts_with("AIDA") {
                    ("INVALID_USER_REFERENCE", "user")
                } else {
                    continue;
                };
                out.push((
                    code,
                    format!("The Principal element includes the IAM {kind} ID {}. We recommend that you use a {kind} ARN instead.", e.value),
                    s.index(),
                    if p.negated { "NotPrincipal" } else { "Principal" },
                    Some(e.value.clone()),
                ));
            }
        }
    }
    out
}

fn action_element(s: &Statement) -> &'static str {
    if s.action().negated {
        "NotAction"
    } else {
        "Action"
    }
}

/// Checks of condition operators and values: qualifiers against the catalog's key types, IP
/// ranges, VPC identifiers.
fn conditions(s: &Statement, out: &mut Vec<Extra>) {
    for c in s.conditions() {
        let op = c.operator.as_str();
        let qualifier = op.split_once(':').map(|(q, _)| q);
        let base = op.rsplit(':').next().unwrap_or(op);
        let base = base.strip_suffix("IfExists").unwrap_or(base);
        let mut push = |code: &'static str, details: String, mention: &str| {
            out.push((
                code,
                details,
                s.index(),
                "Condition",
                Some(mention.to_string()),
            ));
        };
        if qualifier.is_some() && base == "Null" {
            push(
                "NULL_WITH_QUALIFIER",
                "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false result.".to_string(),
                &c.key,
            );
        }
        let typed = warden_catalog::actions()
            .condition_key(&c.key)
            .map(|k| k.key_type.clone());
        if let Some(t) = typed {
            let multi = t.starts_with("ArrayOf");
            if qualifier == Some("ForAllValues") && !multi {
                push(
                    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                    format!(
                        "Using ForAllValues qualifier with the single-valued condition key {} can be overly permissive. We recommend that you remove ForAllValues:.",
                        c.key
                    ),
                    &c.key,
                );
            }
            if qualifier.is_none() && multi && base != "Null" {
                push(
                    "MISSING_QUALIFIER",
                    format!(
                        "The request context key {} has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers in your policy.",
                        c.key
                    ),
                    &c.key,
                );
            }
        }
        if c.key.eq_ignore_ascii_case("aws:SourceIp")
            && (base == "IpAddress" || base == "NotIpAddress")
        {
            ip_ranges(base, &c.values, &c.key, &mut push);
        }
        for (key, prefix, code) in [
            ("aws:SourceVpc", "vpc-", "INVALID_VPC_FORMAT"),
            ("aws:SourceVpce", "vpce-", "INVALID_VPCE_FORMAT"),
        ] {
            if !c.key.eq_ignore_ascii_case(key)
                || !base.starts_with("String")
                || base.contains("Like")
            {
                continue;
            }
            for v in &c.values {
                let id = v.strip_prefix(prefix);
                let ok = id.is_some_and(|id| {
                    (id.len() == 8 || id.len() == 17)
                        && id.bytes().all(|b| b.is_ascii_alphanumeric())
                });
                if !ok {
                    push(
                        code,
                        format!(
                            "The identifier {v} in the condition key value is not valid. Use the prefix '{prefix}' followed by 8 or 17 alphanumeric characters."
                        ),
                        v,
                    );
                }
            }
        }
    }
}

/// `aws:SourceIp` values: private ranges (AWS sees only public addresses) and CIDRs with bits
/// set past the prefix.
fn ip_ranges(
    base: &str,
    values: &[String],
    key: &str,
    push: &mut dyn FnMut(&'static str, String, &str),
) {
    use std::net::IpAddr;
    let mut private = 0;
    let mut readable = 0;
    for v in values {
        let (addr, prefix) = match v.split_once('/') {
            Some((a, p)) => (a, p.parse::<u32>().ok()),
            None => (v.as_str(), None),
        };
        let Ok(ip) = addr.parse::<IpAddr>() else {
            continue;
        };
        readable += 1;
        let is_private = match ip {
            IpAddr::V4(a) => a.is_private() || a.is_loopback() || a.is_link_local(),
            IpAddr::V6(a) => (a.segments()[0] & 0xfe00) == 0xfc00 || a.is_loopback(),
        };
        if is_private {
            private += 1;
        }
        if let (IpAddr::V4(a), Some(bits)) = (ip, prefix)
            && bits < 32
        {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let raw = u32::from(a);
            if raw & !mask != 0 {
                let fixed = std::net::Ipv4Addr::from(raw & mask);
                push(
                    "IMPROVE_IP_RANGE",
                    format!(
                        "The non-zero bits in the IP address after the masked bits are ignored. Replace address with {fixed}/{bits}."
                    ),
                    v,
                );
            }
        }
    }
    if private == 0 || readable == 0 {
        return;
    }
    let not = base == "NotIpAddress";
    let (code, details) = match (private == readable, not) {
        (true, false) => (
            "PRIVATE_IP_ADDRESS",
            format!(
                "aws:SourceIp works only for public IP address ranges. The values for condition key {key} include only private IP addresses and will not have the desired effect."
            ),
        ),
        (true, true) => (
            "PRIVATE_NOT_IP_ADDRESS",
            format!(
                "The values for condition key {key} include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges."
            ),
        ),
        (false, false) => (
            "PRIVATE_IP_ADDRESS_SUBSET",
            format!(
                "The values for condition key {key} include a mix of private and public IP addresses. The private addresses will not have the desired effect."
            ),
        ),
        (false, true) => (
            "PRIVATE_NOT_IP_ADDRESS_SUBSET",
            format!(
                "The values for condition key {key} include a mix of private and public IP addresses. The private addresses have no effect."
            ),
        ),
    };
    push(code, details, key);
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
