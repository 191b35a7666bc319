//! The rules that depend on the policy type: which of `Principal`, `Resource` and `NotAction` a
//! statement must or must not have, and what they may hold.
//!
//! Sources: `reference_policies_elements_principal.html` and `..._notprincipal.html` (no
//! `Principal` in identity policies, no `NotPrincipal` in identity or trust policies),
//! `id_roles_terms-and-concepts.html` (trust policies), the Organizations user guide's SCP and
//! RCP syntax pages (`orgs_manage_policies_scps_syntax.html`,
//! `orgs_manage_policies_rcps_syntax.html`: an RCP's `Principal` is always `"*"`, its `Effect`
//! is `Deny` except in `RCPFullAWSAccess`, and it has no `NotAction` or `NotPrincipal`).

use super::messages::{self, MALFORMED};
use super::syntax::{Block, Doc, Item, PrincipalBlock, Stmt};
use super::{Diagnostic, Sink, actions};
use crate::json::Span;
use crate::policy::PolicyType;

/// Whether IAM treats this type like an identity policy (`CreatePolicy`, `PutRolePolicy`,
/// `AssumeRole`'s `Policy`).
pub(super) fn is_identity_like(policy_type: PolicyType) -> bool {
    matches!(
        policy_type,
        PolicyType::Identity | PolicyType::Boundary | PolicyType::Session
    )
}

/// Reports a `MalformedPolicyDocument` at `span`, located at the statement and element, with
/// what exactly is wrong when the message alone does not say.
fn reject(
    sink: &mut Sink<'_>,
    stmt: &Stmt<'_>,
    element: Option<&str>,
    span: Span,
    message: impl Into<String>,
    detail: Option<String>,
) {
    let mut d = Diagnostic::error(MALFORMED, message)
        .located(Some(stmt.location(element)))
        .at(sink.position(span.start));
    d.detail = detail;
    sink.errors.push(d);
}

/// The per-type checks AWS makes with the JSON shape, before the version: fields a trust policy
/// must not have, the `Principal` a resource-based policy must have. `Has prohibited field` and
/// `Missing required field` are the wording of that schema check.
pub(super) fn schema(doc: &Doc<'_>, policy_type: PolicyType, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        match policy_type {
            PolicyType::Trust => {
                if let Some(r) = &stmt.resource {
                    reject(
                        sink,
                        stmt,
                        Some(r.element),
                        r.key_span,
                        messages::prohibited(r.element),
                        None,
                    );
                }
                if let Some(p) = stmt
                    .principal
                    .as_ref()
                    .filter(|p| p.element == "NotPrincipal")
                {
                    reject(
                        sink,
                        stmt,
                        Some(p.element),
                        p.key_span,
                        messages::prohibited(p.element),
                        None,
                    );
                }
            }
            PolicyType::Resource => {
                if stmt.principal.is_none() {
                    reject(
                        sink,
                        stmt,
                        None,
                        stmt.json.span,
                        messages::missing("Principal"),
                        None,
                    );
                }
                if stmt.resource.is_none() {
                    reject(
                        sink,
                        stmt,
                        None,
                        stmt.json.span,
                        messages::missing("Resource"),
                        None,
                    );
                }
            }
            _ => {}
        }
    }
}

/// The per-type checks IAM makes after the checks every policy shares (an identity statement
/// without resources is reported after a malformed action: vector `moto/invalid#29`).
pub(super) fn late(doc: &Doc<'_>, policy_type: PolicyType, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        match policy_type {
            PolicyType::Identity | PolicyType::Boundary | PolicyType::Session => {
                // An identity policy holding a trust policy's statement gets the principal
                // message, not the resources one (terraform-provider-aws#13449 shows AWS's).
                if let Some(p) = &stmt.principal {
                    reject(
                        sink,
                        stmt,
                        Some(p.element),
                        p.key_span,
                        messages::IDENTITY_PRINCIPAL,
                        None,
                    );
                }
                require_resources(stmt, sink);
            }
            PolicyType::Trust => trust(stmt, sink),
            PolicyType::Resource => {
                if let Some(p) = &stmt.principal {
                    check_principal_values(stmt, p, sink);
                }
            }
            PolicyType::Scp => {
                if let Some(p) = &stmt.principal {
                    reject(
                        sink,
                        stmt,
                        Some(p.element),
                        p.key_span,
                        messages::prohibited(p.element),
                        None,
                    );
                }
                require_resources(stmt, sink);
            }
            PolicyType::Rcp => rcp(stmt, sink),
        }
    }
}

fn require_resources(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    match &stmt.resource {
        None => {
            reject(
                sink,
                stmt,
                None,
                stmt.json.span,
                messages::NO_RESOURCES,
                None,
            );
        }
        Some(r) if r.items.is_empty() => {
            reject(
                sink,
                stmt,
                Some(r.element),
                r.value_span,
                messages::NO_RESOURCES,
                None,
            );
        }
        Some(_) => {}
    }
}

fn trust(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    match &stmt.principal {
        // `{"AWS": []}` names no one either.
        Some(p) if !p.star && p.entries.is_empty() => {
            reject(
                sink,
                stmt,
                Some(p.element),
                p.key_span,
                messages::TRUST_NO_PRINCIPAL,
                None,
            );
        }
        Some(p) => check_principal_values(stmt, p, sink),
        None => {
            reject(
                sink,
                stmt,
                None,
                stmt.json.span,
                messages::TRUST_NO_PRINCIPAL,
                None,
            );
        }
    }
    let Some(action) = &stmt.action else { return };
    if action.element == "NotAction" {
        // Warden's decision: "all but these" always covers actions a trust policy cannot name.
        reject(
            sink,
            stmt,
            Some(action.element),
            action.key_span,
            messages::TRUST_ACTIONS,
            Some("a trust policy cannot use `NotAction`".to_string()),
        );
        return;
    }
    for item in &action.items {
        if !actions::allowed_in_trust_policy(item.text) {
            reject(
                sink,
                stmt,
                Some(action.element),
                item.span,
                messages::TRUST_ACTIONS,
                Some(format!(
                    "`{}` is not one of {}",
                    item.text,
                    actions::TRUST_ACTIONS.join(", ")
                )),
            );
        }
    }
}

/// `Invalid principal in policy` for principals IAM cannot resolve offline: wildcards in ARNs
/// (only a lone `*` is a wildcard in `Principal`), values that are not account ids or IAM/STS
/// ARNs, empty values.
fn check_principal_values(stmt: &Stmt<'_>, p: &PrincipalBlock<'_>, sink: &mut Sink<'_>) {
    for (kind, item) in &p.entries {
        if let Some(reason) = principal_problem(kind, item) {
            reject(
                sink,
                stmt,
                Some(p.element),
                item.span,
                messages::invalid_principal(kind, item.text),
                Some(reason),
            );
        }
    }
}

fn principal_problem(kind: &str, item: &Item<'_>) -> Option<String> {
    let value = item.text;
    if value.is_empty() {
        return Some("the principal is empty".to_string());
    }
    if value == "*" {
        return (kind != "AWS")
            .then(|| format!("only an `AWS` principal can be `*`, not a `{kind}` principal"));
    }
    if value.contains(['*', '?']) {
        return Some(
            "wildcards are not patterns in `Principal`; use the aws:PrincipalArn condition key \
             with ArnLike"
                .to_string(),
        );
    }
    if kind != "AWS" || is_account_id(value) || is_unique_id(value) {
        return None;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let well_formed = matches!(
        parts.as_slice(),
        ["arn", partition, "iam" | "sts", "", account, resource]
            if !partition.is_empty() && is_account_id(account) && !resource.is_empty()
    );
    (!well_formed).then(|| {
        "an `AWS` principal must be `*`, a 12-digit account id, or an IAM or STS ARN with an \
         account id"
            .to_string()
    })
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A principal's unique id (`AIDA...`, `AROA...`), which IAM shows in place of a deleted
/// principal's ARN and accepts back.
fn is_unique_id(s: &str) -> bool {
    s.len() >= 16
        && s.starts_with('A')
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn rcp(stmt: &Stmt<'_>, sink: &mut Sink<'_>) {
    match &stmt.principal {
        None => {
            reject(
                sink,
                stmt,
                None,
                stmt.json.span,
                messages::missing("Principal"),
                None,
            );
        }
        Some(p) if p.element == "NotPrincipal" => {
            reject(
                sink,
                stmt,
                Some(p.element),
                p.key_span,
                messages::prohibited(p.element),
                None,
            );
        }
        Some(p) if !p.star => {
            // Warden's own wording.
            reject(
                sink,
                stmt,
                Some(p.element),
                p.key_span,
                "The Principal element of a resource control policy must be \"*\".",
                None,
            );
        }
        Some(_) => {}
    }
    if let Some(a) = stmt.action.as_ref().filter(|a| a.element == "NotAction") {
        reject(
            sink,
            stmt,
            Some(a.element),
            a.key_span,
            messages::prohibited(a.element),
            None,
        );
    }
    // "RCPs only support specifying select service prefixes in the Action element"
    // (`access-analyzer-reference-policy-checks.html`, RCP_SYNTAX_ERROR_ACTION): `*`, or a
    // prefix with wildcards, is no service prefix. Only `RCPFullAWSAccess` allows `*`.
    if stmt.effect.text != "Allow"
        && let Some(a) = stmt.action.as_ref()
        && let Some(item) = a.items.iter().find(|i| !has_service_prefix(i.text))
    {
        reject(
            sink,
            stmt,
            Some(a.element),
            item.span,
            // Warden's own wording.
            format!(
                "A resource control policy names actions by their service prefix (`s3:*`), \
                 not `{}`.",
                item.text
            ),
            None,
        );
    }
    if stmt.effect.text == "Allow" && !is_full_access(stmt) {
        // Warden's own wording.
        reject(
            sink,
            stmt,
            Some("Effect"),
            stmt.effect.span,
            "A resource control policy can use the Allow effect only to allow every action on \
             every resource, as RCPFullAWSAccess does.",
            None,
        );
    }
    require_resources(stmt, sink);
}

/// Whether an action names its service prefix without wildcards (`s3:Get*`, not `*` or
/// `s*:GetObject`).
fn has_service_prefix(action: &str) -> bool {
    action
        .split_once(':')
        .is_some_and(|(prefix, _)| !prefix.is_empty() && !prefix.contains(['*', '?']))
}

/// `RCPFullAWSAccess`'s statement: `Allow` `*` to `*` on `*`, unconditionally.
fn is_full_access(stmt: &Stmt<'_>) -> bool {
    let only_star = |b: &Option<Block<'_>>, element: &str| {
        b.as_ref().is_some_and(|b| {
            b.element == element && !b.items.is_empty() && b.items.iter().all(|i| i.text == "*")
        })
    };
    only_star(&stmt.action, "Action")
        && only_star(&stmt.resource, "Resource")
        && stmt.condition.as_ref().is_none_or(|(_, c)| c.is_empty())
}
