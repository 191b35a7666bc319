//! Findings IAM does not reject but Access Analyzer's `ValidatePolicy` would flag
//! (`access-analyzer-reference-policy-checks.html`). The codes are Access Analyzer's where one
//! exists; `NON_ALPHANUMERIC_SID`, `DUPLICATE_KEY` and `VARIABLE_BEFORE_RESOURCE_PART` are
//! Warden's own. The message texts are
//! Warden's.

use super::syntax::{Doc, Stmt};
use super::{Diagnostic, Sink, actions, types};
use crate::policy::PolicyType;
use std::net::IpAddr;

/// Pushes every warning for a document whose shape is right.
pub(super) fn check(doc: &Doc<'_>, policy_type: PolicyType, sink: &mut Sink<'_>) {
    let substitutes = doc.version.is_some_and(|(v, _)| v == "2012-10-17");
    for stmt in &doc.statements {
        if substitutes {
            resource_variables(stmt, sink);
        }
        if policy_type != PolicyType::Resource {
            sid_characters(stmt, sink);
        }
        data_types(stmt, sink);
        if types::is_identity_like(policy_type) {
            pass_role(stmt, sink);
        }
        if stmt.effect.text == "Allow"
            && stmt
                .principal
                .as_ref()
                .is_some_and(|p| p.element == "NotPrincipal")
        {
            let d = Diagnostic::warning(
                "ALLOW_WITH_NOT_PRINCIPAL",
                "NotPrincipal with the Allow effect grants access to every principal except the \
                 ones listed, anonymous users included; AWS documents the combination as not \
                 supported.",
            )
            .located(Some(stmt.location(Some("NotPrincipal"))))
            .at(sink.position(stmt.effect.span.start));
            sink.warnings.push(d);
        }
    }
}

/// A policy variable before the fifth colon of a resource ARN is not substituted: the
/// evaluator matches it as the literal text it is written as
/// (`reference_policies_variables.html#policy-vars-resourceelement`). IAM stores such policies
/// (AWS's own AmazonTimestreamInfluxDBServiceRolePolicy has one), so this is a warning.
fn resource_variables(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    let Some(block) = &stmt.resource else { return };
    for item in &block.items {
        let Some(variable) = super::resources::variable_before_resource_part(item.text) else {
            continue;
        };
        let d = Diagnostic::warning(
            "VARIABLE_BEFORE_RESOURCE_PART",
            format!(
                "The policy variable `{variable}` in `{}` stands before the fifth colon, where AWS \
                 substitutes no variable (only the resource part of an ARN may hold one); it is \
                 read as literal text and matches no real ARN.",
                item.text
            ),
        )
        .located(Some(stmt.location(Some(block.element))))
        .at(sink.position(item.span.start));
        sink.warnings.push(d);
    }
}

/// IAM documents the `Sid` as ASCII letters and digits only, but accepts others (the vectors
/// accept underscores); some services (DynamoDB resource policies) reject them.
fn sid_characters(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    let Some(sid) = stmt.sid else { return };
    if sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return;
    }
    let d = Diagnostic::warning(
        "NON_ALPHANUMERIC_SID",
        format!(
            "The Sid `{sid}` has characters other than ASCII letters and digits, which the IAM \
             policy grammar does not allow and some services reject."
        ),
    )
    .located(Some(stmt.location(Some("Sid"))))
    .at(sink.position(
        stmt.json
            .first("Sid")
            .map_or(stmt.json.span.start, |v| v.span.start),
    ));
    sink.warnings.push(d);
}

/// Condition values that cannot be read as their operator's type never match at evaluation.
/// (Dates are checked by IAM itself: an unreadable date is an error.)
fn data_types(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    let Some((_, clauses)) = &stmt.condition else {
        return;
    };
    for clause in clauses {
        let Some(base) = clause.base else { continue };
        let (wanted, reads): (&str, fn(&str) -> bool) = if base.starts_with("Numeric") {
            ("a number", is_number)
        } else if base == "Bool" || base == "Null" {
            ("`true` or `false`", is_bool)
        } else if base.ends_with("IpAddress") {
            ("an IP address or CIDR range", is_ip_or_cidr)
        } else if base == "BinaryEquals" {
            ("base64-encoded data", is_base64)
        } else {
            continue;
        };
        for (value, span) in &clause.values {
            if reads(value) {
                continue;
            }
            let d = Diagnostic::warning(
                "DATA_TYPE_MISMATCH",
                format!(
                    "The value `{value}` of condition key `{}` is not {wanted}, as the `{}` \
                     operator requires; the condition can never match it.",
                    clause.key.text, clause.operator.text
                ),
            )
            .located(Some(stmt.location(Some("Condition"))))
            .at(sink.position(span.start));
            sink.warnings.push(d);
        }
    }
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    !whole.is_empty()
        && all_digits(whole)
        && fraction.is_none_or(|f| !f.is_empty() && all_digits(f))
}

fn is_bool(s: &str) -> bool {
    s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
}

fn is_ip_or_cidr(s: &str) -> bool {
    let (address, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(ip) = address.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

fn is_base64(s: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

/// `PASS_ROLE_WITH_STAR_IN_RESOURCE`: an `Allow` of `iam:PassRole` (or a wildcard covering it)
/// on `*` lets the identity hand any role to a service.
fn pass_role(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    if stmt.effect.text != "Allow" {
        return;
    }
    let (Some(action), Some(resource)) = (&stmt.action, &stmt.resource) else {
        return;
    };
    let passes_role = action.element == "Action"
        && action
            .items
            .iter()
            .any(|a| actions::glob_matches(a.text, "iam:PassRole"));
    let star = resource.element == "Resource" && resource.items.iter().any(|r| r.text == "*");
    if passes_role && star {
        // Access Analyzer flags this even when the statement is conditioned
        // (`access-analyzer-reference-policy-checks.html`); the advice depends on whether it is.
        let message = if stmt_has_condition_key(stmt, "iam:PassedToService") {
            "Allowing iam:PassRole on every resource lets this identity pass any role in the \
             account to the services its iam:PassedToService condition names; name the roles' \
             ARNs to narrow it."
        } else {
            "Allowing iam:PassRole on every resource lets this identity pass any role to any \
             service; name the roles' ARNs or add an iam:PassedToService condition."
        };
        let d = Diagnostic::warning("PASS_ROLE_WITH_STAR_IN_RESOURCE", message)
            .located(Some(stmt.location(Some("Resource"))))
            .at(sink.position(resource.value_span.start));
        sink.warnings.push(d);
    }
}

/// Whether the statement has a condition on `key` (case-insensitive, as IAM reads keys).
fn stmt_has_condition_key(stmt: &Stmt<'_>, key: &str) -> bool {
    stmt.condition
        .as_ref()
        .is_some_and(|(_, clauses)| clauses.iter().any(|c| c.key.text.eq_ignore_ascii_case(key)))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn readers() {
        assert!(is_number("10") && is_number("-1.5") && !is_number("1e3") && !is_number("x"));
        assert!(is_bool("True") && !is_bool("yes"));
        assert!(is_ip_or_cidr("10.0.0.0/8") && is_ip_or_cidr("2001:db8::/32"));
        assert!(!is_ip_or_cidr("10.0.0.0/33") && !is_ip_or_cidr("example.com"));
        assert!(is_base64("QmluYXJ5") && !is_base64("not base64!"));
    }
}
