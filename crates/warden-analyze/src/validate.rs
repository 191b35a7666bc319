//! `ValidatePolicy`: the validator's findings (warden-core) and the catalog checks' findings
//! (warden-catalog), reported with Access Analyzer's issue codes, finding types, links and
//! locations (`API_ValidatePolicy.html`). Nothing here decides a finding a second time: each
//! finding of the validator or the catalog checks is mapped to the code AWS gives for it, and
//! the few statement-level checks neither of them makes live in `extra.rs`.

use crate::codes::{self, FindingType};
use crate::locate::{self, Location};
use crate::{AnalyzeError, PolicyKind};
use serde::{Deserialize, Serialize};
use warden_core::Policy;
use warden_core::json::Json;
use warden_core::policy::validate::{self, Diagnostic, Severity, SizeLimit};

/// The request, as `aws accessanalyzer validate-policy --cli-input-json` takes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidatePolicyRequest {
    /// The policy document (JSON text).
    pub policy_document: String,
    /// `IDENTITY_POLICY`, `RESOURCE_POLICY`, `SERVICE_CONTROL_POLICY` or
    /// `RESOURCE_CONTROL_POLICY`.
    pub policy_type: String,
    /// For resource policies: the resource type, e.g. `AWS::IAM::AssumeRolePolicyDocument`.
    #[serde(default)]
    pub validate_policy_resource_type: Option<String>,
    /// Only `en` is served.
    #[serde(default)]
    pub locale: Option<String>,
    /// Page size (1 to 100 findings is what callers send; any positive number is accepted).
    #[serde(default)]
    pub max_results: Option<usize>,
    /// The token of the page to return, from a previous response.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// One finding of the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatePolicyFinding {
    /// What is wrong, in words.
    pub finding_details: String,
    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    pub finding_type: FindingType,
    /// AWS's issue code.
    pub issue_code: String,
    /// The reference section for the code.
    pub learn_more_link: String,
    /// Where in the policy.
    pub locations: Vec<Location>,
}

/// The response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatePolicyResponse {
    /// The findings of this page.
    pub findings: Vec<ValidatePolicyFinding>,
    /// The token of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Runs `ValidatePolicy`.
pub fn validate_policy(
    req: &ValidatePolicyRequest,
) -> Result<ValidatePolicyResponse, AnalyzeError> {
    let kind = PolicyKind::from_request(
        &req.policy_type,
        req.validate_policy_resource_type.as_deref(),
    )?;
    if let Some(locale) = req
        .locale
        .as_deref()
        .filter(|l| !l.eq_ignore_ascii_case("en"))
    {
        return Err(AnalyzeError::validation(format!(
            "locale `{locale}` is not served offline: only `en`"
        )));
    }
    if req.policy_document.is_empty() {
        return Err(AnalyzeError::validation(
            "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut findings = findings(&req.policy_document, &kind);
    findings.sort_by_key(|f| {
        (
            f.locations.first().map_or(0, |l| l.span.start.offset),
            f.finding_type,
        )
    });
    let start = match req.next_token.as_deref() {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= findings.len())
            .ok_or_else(|| AnalyzeError::validation(format!("invalid nextToken `{t}`")))?,
    };
    let page = req.max_results.unwrap_or(usize::MAX).max(1);
    let end = start.saturating_add(page).min(findings.len());
    let next_token = (end < findings.len()).then(|| end.to_string());
    let findings = findings
        .get(start..end)
        .map(<[_]>::to_vec)
        .unwrap_or_default();
    Ok(ValidatePolicyResponse {
        findings,
        next_token,
    })
}

/// Every finding for a document of the given kind, unsorted.
pub fn findings(text: &str, kind: &PolicyKind) -> Vec<ValidatePolicyFinding> {
    let policy_type = kind.policy_type();
    // Access Analyzer warns about the size quotas rather than rejecting (below), so the
    // validator runs without them.
    let report = validate::validate_with_limit(text, policy_type, SizeLimit::Unlimited);
    let json = Json::parse(text).ok();
    let parsed = Policy::parse(text).ok();
    let mut out = Vec::new();
    for d in report.errors.iter().chain(report.warnings.iter()) {
        if let Some((code, details)) = map_diagnostic(d, kind, parsed.as_ref()) {
            push(&mut out, text, json.as_ref(), d, code, details);
        }
    }
    if let Some(policy) = &parsed {
        for d in warden_catalog::checks::check_policy(policy, warden_catalog::actions()) {
            let details = strip_title(&d.message);
            push(&mut out, text, json.as_ref(), &d, d.code, details);
        }
        for (code, details, index, element, mention) in crate::extra::check(policy) {
            let location = json.as_ref().and_then(|j| {
                locate::in_statement(text, j, index, Some(element), |s| {
                    (mention.as_deref() == Some(s)).then_some(0)
                })
            });
            add(&mut out, code, details, location);
        }
    }
    size_quota(text, kind, &mut out);
    out
}

/// Adds a finding of an implemented code (others are dropped: Warden's own codes are not
/// Access Analyzer's).
fn add(
    out: &mut Vec<ValidatePolicyFinding>,
    code: &str,
    details: String,
    location: Option<Location>,
) {
    let Some(finding_type) = codes::finding_type(code) else {
        return;
    };
    let locations: Vec<Location> = location.into_iter().collect();
    if out
        .iter()
        .any(|f| f.issue_code == code && f.locations == locations && f.finding_details == details)
    {
        return;
    }
    out.push(ValidatePolicyFinding {
        finding_details: details,
        finding_type,
        issue_code: code.to_string(),
        learn_more_link: codes::learn_more_link(code, finding_type),
        locations,
    });
}

fn push(
    out: &mut Vec<ValidatePolicyFinding>,
    text: &str,
    json: Option<&Json>,
    d: &Diagnostic,
    code: &str,
    details: String,
) {
    let location = json.and_then(|j| locate_diagnostic(text, j, d));
    add(out, code, details, location);
}

/// The location of a validator or catalog finding: its statement and element, narrowed to the
/// value its message names; or, for the validator, the value at its line and column.
fn locate_diagnostic(text: &str, json: &Json, d: &Diagnostic) -> Option<Location> {
    let statement = d.location.as_ref().and_then(|l| l.statement);
    let element = d.location.as_ref().and_then(|l| l.element.as_deref());
    if d.code.chars().all(|c| c.is_ascii_uppercase() || c == '_') && statement.is_some() {
        // Catalog findings and Access-Analyzer-style warnings stand at the statement: narrow
        // them to the value the message names.
        let message = d.message.as_str();
        let located = locate::in_statement(text, json, statement.unwrap_or(0), element, |s| {
            if s.is_empty() {
                return None;
            }
            // In a condition block, the key a message names outranks its operator.
            let penalty = if element == Some("Condition") && !s.contains(':') {
                message.len()
            } else {
                0
            };
            named_at(message, s).map(|i| i + penalty)
        });
        if let Some(l) = located.filter(|l| l.path.len() > 3) {
            return Some(l);
        }
    }
    let p = d.position?;
    Some(locate::at_offset(
        text,
        json,
        locate::byte_of(text, p.line, p.column),
    ))
}

/// Where `message` first names `value` as a word (not inside a longer name).
fn named_at(message: &str, value: &str) -> Option<usize> {
    message.match_indices(value).map(|(i, _)| i).find(|&i| {
        let before = message.get(..i).and_then(|s| s.chars().next_back());
        let after = message
            .get(i + value.len()..)
            .and_then(|s| s.chars().next());
        let boundary = |c: Option<char>| {
            c.is_none_or(|c| c.is_whitespace() || matches!(c, '.' | ',' | '?' | '`' | '"' | '\''))
        };
        boundary(before) && boundary(after)
    })
}

/// `Invalid action: The action ...` → `The action ...`: AWS's `findingDetails` carry no title.
fn strip_title(message: &str) -> String {
    match message.split_once(": ") {
        Some((title, rest))
            if !title.contains(' ')
                || title.chars().next().is_some_and(char::is_uppercase) && !title.contains('`') =>
        {
            rest.to_string()
        }
        _ => message.to_string(),
    }
}

/// The message and detail as the validator wrote them, before AWS Organizations' single message.
fn raw(d: &Diagnostic) -> (String, String) {
    if d.code == "MalformedPolicyDocumentException"
        && let Some(detail) = &d.detail
    {
        return match detail.split_once(" (") {
            Some((m, rest)) => (m.to_string(), rest.trim_end_matches(')').to_string()),
            None => (detail.clone(), String::new()),
        };
    }
    (d.message.clone(), d.detail.clone().unwrap_or_default())
}

/// Access Analyzer's code and details for a validator finding, or `None` when Access Analyzer
/// reports nothing for it (IAM's size quotas, which Access Analyzer turns into warnings; the
/// version IAM requires of identity policies; Warden's own codes).
fn map_diagnostic(
    d: &Diagnostic,
    kind: &PolicyKind,
    policy: Option<&Policy>,
) -> Option<(&'static str, String)> {
    let (message, detail) = raw(d);
    let said = if detail.is_empty() {
        message.clone()
    } else {
        format!("{message}: {detail}")
    };
    if d.severity == Severity::Warning {
        return map_warning(d, policy);
    }
    let element = d.location.as_ref().and_then(|l| l.element.as_deref());
    let code = match message.as_str() {
        "Syntax errors in policy." => syntax_code(&detail),
        "Policy document must be version 2012-10-17 or greater." => {
            if detail == "the policy has no `Version`" {
                return Some((
                    "MISSING_VERSION",
                    "Add a Version element with the value 2012-10-17: without it the policy is read as version 2008-10-17, where policy variables are plain text.".to_string(),
                ));
            }
            // Access Analyzer accepts 2008-10-17 in every policy type.
            return None;
        }
        "The policy failed legacy parsing" => {
            if detail.starts_with("`Effect`") {
                "INVALID_EFFECT"
            } else if detail.contains("ARN parts") {
                "MISSING_ARN_FIELD"
            } else {
                "TYPE_MISMATCH_DATE"
            }
        }
        "Statement IDs (SID) in a single policy must be unique." => {
            if matches!(kind, PolicyKind::Scp | PolicyKind::Rcp) {
                "UNIQUE_SIDS_REQUIRED"
            } else {
                "UNIQUE_SIDS_RECOMMENDED"
            }
        }
        "Policy statement must contain actions." => {
            if element.is_some() {
                "EMPTY_ARRAY_ACTION"
            } else {
                "MISSING_ACTION"
            }
        }
        "Policy statement must contain resources." => {
            if element.is_some() {
                "EMPTY_ARRAY_RESOURCE"
            } else {
                "MISSING_RESOURCE"
            }
        }
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        | "Actions/Condition can contain only one colon." => "INVALID_ACTION",
        "Resource vendor must be fully qualified and cannot contain regexes." => {
            "MISSING_ARN_FIELD"
        }
        "Policy document should not specify a principal." => {
            if *kind == PolicyKind::Scp {
                "SCP_SYNTAX_ERROR_PRINCIPAL"
            } else {
                "UNSUPPORTED_PRINCIPAL"
            }
        }
        m if m.starts_with("Invalid principal in policy: com.amazon") => "MISSING_PRINCIPAL",
        m if m.starts_with("Trust Policy statement actions") => "UNSUPPORTED_ACTION_IN_POLICY",
        m if m.starts_with("Invalid principal in policy:") => {
            if m.ends_with(":\"*\"") {
                "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"
            } else {
                "INVALID_PRINCIPAL_FORMAT"
            }
        }
        m if m.starts_with("Has prohibited field ") => {
            let field = m
                .trim_start_matches("Has prohibited field ")
                .trim_end_matches('.');
            match (kind, field) {
                (PolicyKind::Trust, "Resource" | "NotResource") => {
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE"
                }
                (PolicyKind::Trust, "NotPrincipal") => {
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL"
                }
                (PolicyKind::Scp, "Principal" | "NotPrincipal") => "SCP_SYNTAX_ERROR_PRINCIPAL",
                (_, "NotResource") => "SCP_SYNTAX_ERROR_NOTRESOURCE",
                _ => "INVALID_POLICY_ELEMENT",
            }
        }
        m if m.starts_with("Missing required field Principal") => "MISSING_PRINCIPAL",
        m if m.starts_with("Missing required field Resource") => "MISSING_RESOURCE",
        m if m.starts_with("Resource ") && m.ends_with("must be in ARN format or \"*\".") => {
            if m.trim_start_matches("Resource ").starts_with("arn:") {
                "MISSING_ARN_FIELD"
            } else {
                "INVALID_ARN_PREFIX"
            }
        }
        m if m.starts_with("Partition ") => "INVALID_PARTITION",
        m if m.contains("region information") => "ARN_REGION_NOT_ALLOWED",
        m if m.starts_with("IAM resource path must") => "INVALID_ARN_RESOURCE",
        // A wildcard in the service is WILDCARD_IN_SERVICE_NAME (extra.rs) for Access Analyzer.
        m if m.starts_with("Vendor ") && m.contains(['*', '?']) => return None,
        m if m.starts_with("Vendor ") => "INVALID_SERVICE_IN_ACTION",
        // The API's own constraints are answered as a ValidationException by the caller; the
        // RCP- and SCP-only rules in Warden's wording have no code of their own.
        _ => return None,
    };
    Some((code, said))
}

/// The code of a shape error, from the validator's explanation.
fn syntax_code(detail: &str) -> &'static str {
    if detail.starts_with("the document is not JSON") {
        "JSON_SYNTAX_ERROR"
    } else if detail.starts_with("unknown top-level element")
        || detail.starts_with("unknown statement element")
    {
        "INVALID_POLICY_ELEMENT"
    } else if detail.starts_with("`Version` must be 2012") {
        "INVALID_VERSION"
    } else if detail.contains("no `Statement`") || detail.contains("at least one statement") {
        "MISSING_STATEMENT"
    } else if detail.contains("has no `Effect`") {
        "MISSING_EFFECT"
    } else if detail.starts_with("`Effect` must be `Allow`") {
        "INVALID_EFFECT"
    } else if detail.starts_with("a statement cannot have both") {
        "UNSUPPORTED_ELEMENT_COMBINATION"
    } else if detail.starts_with("unknown principal type") {
        "INVALID_PRINCIPAL_KEY"
    } else if detail.contains("must be \"*\" or an object") {
        "INVALID_PRINCIPAL_FORMAT"
    } else if detail.starts_with("unknown condition operator") {
        "INVALID_CONDITION_OPERATOR"
    } else {
        "DATA_TYPE_MISMATCH"
    }
}

fn map_warning(d: &Diagnostic, policy: Option<&Policy>) -> Option<(&'static str, String)> {
    let code = match d.code {
        "DATA_TYPE_MISMATCH" => {
            if d.message.contains("is not a number") {
                "TYPE_MISMATCH_NUMBER"
            } else if d.message.contains("`true` or `false`") {
                "TYPE_MISMATCH_BOOLEAN"
            } else if d.message.contains("IP address") {
                "TYPE_MISMATCH_IP_RANGE"
            } else {
                "TYPE_MISMATCH_STRING"
            }
        }
        "PASS_ROLE_WITH_STAR_IN_RESOURCE" => {
            // AWS names the wildcard action case apart.
            let index = d.location.as_ref().and_then(|l| l.statement);
            let exact = index
                .and_then(|i| policy.and_then(|p| p.statements().get(i)))
                .is_some_and(|s| {
                    s.action()
                        .values
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case("iam:PassRole"))
                });
            if exact {
                "PASS_ROLE_WITH_STAR_IN_RESOURCE"
            } else {
                "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"
            }
        }
        "MISSING_VERSION" | "ALLOW_WITH_NOT_PRINCIPAL" => d.code,
        "INVALID_CONDITION_OPERATOR" => "INVALID_CONDITION_OPERATOR",
        _ => return None,
    };
    Some((code, d.message.clone()))
}

/// Access Analyzer's size warnings: the quota IAM (or AWS Organizations) would enforce when the
/// policy is stored, counted as the validator counts it (`reference_iam-quotas.html`).
fn size_quota(text: &str, kind: &PolicyKind, out: &mut Vec<ValidatePolicyFinding>) {
    let (limit, code) = match kind {
        PolicyKind::Identity => (
            SizeLimit::ManagedPolicy,
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        ),
        PolicyKind::Trust => (
            SizeLimit::TrustPolicy,
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        ),
        PolicyKind::Scp => (
            SizeLimit::OrganizationsPolicy,
            "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
        ),
        PolicyKind::Resource(_) | PolicyKind::Rcp => return,
    };
    let size = validate::counted_chars(text, limit.counts_whitespace());
    if size > limit.max_chars() {
        add(
            out,
            code,
            format!(
                "The {size} characters in the policy exceed the {} character maximum for this policy type.",
                limit.max_chars()
            ),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(doc: &str, policy_type: &str) -> Vec<ValidatePolicyFinding> {
        validate_policy(&ValidatePolicyRequest {
            policy_document: doc.to_string(),
            policy_type: policy_type.to_string(),
            ..Default::default()
        })
        .unwrap()
        .findings
    }

    #[test]
    fn catalog_findings_carry_aws_codes_and_the_value_location() {
        let doc = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\n\"Action\":[\"ecs:RunTask\",\"ecs:RunTsk\"],\"Resource\":\"*\"}]}";
        let f = run(doc, "IDENTITY_POLICY");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].issue_code, "INVALID_ACTION");
        assert_eq!(f[0].finding_type, FindingType::Error);
        assert!(
            f[0].finding_details
                .starts_with("The action ecs:RunTsk does not exist"),
            "{}",
            f[0].finding_details
        );
        let loc = &f[0].locations[0];
        assert_eq!(loc.span.start.line, 2);
        assert_eq!(loc.span.start.offset, doc.find("\"ecs:RunTsk\"").unwrap());
        assert_eq!(
            loc.path,
            vec![
                locate::PathElement::Value("Statement".into()),
                locate::PathElement::Index(0),
                locate::PathElement::Value("Action".into()),
                locate::PathElement::Index(1)
            ]
        );
    }

    #[test]
    fn pass_role_codes_tell_the_wildcard_action_apart() {
        let exact = run(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#,
            "IDENTITY_POLICY",
        );
        assert_eq!(exact[0].issue_code, "PASS_ROLE_WITH_STAR_IN_RESOURCE");
        assert_eq!(exact[0].finding_type, FindingType::SecurityWarning);
        let star = run(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#,
            "IDENTITY_POLICY",
        );
        assert!(
            star.iter()
                .any(|f| f.issue_code == "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"),
            "{star:?}"
        );
    }

    #[test]
    fn grammar_errors_map_to_aws_codes() {
        let f = run(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            "IDENTITY_POLICY",
        );
        assert_eq!(f[0].issue_code, "INVALID_EFFECT");
        let f = run("{\"Version\":", "IDENTITY_POLICY");
        assert_eq!(f[0].issue_code, "JSON_SYNTAX_ERROR");
        let f = run(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            "RESOURCE_POLICY",
        );
        assert!(f.is_empty(), "{f:?}");
        let trust = validate_policy(&ValidatePolicyRequest {
            policy_document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}"#.into(),
            policy_type: "RESOURCE_POLICY".into(),
            validate_policy_resource_type: Some("AWS::IAM::AssumeRolePolicyDocument".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            trust.findings[0].issue_code,
            "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE"
        );
    }

    #[test]
    fn statement_level_checks_of_conditions_and_principals() {
        let f = run(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s*:GetObject"],"Resource":"*",
              "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.9/24"]},
                           "ForAllValues:StringEquals":{"aws:SourceAccount":"111122223333"},
                           "StringEquals":{"aws:TagKeys":"team","aws:SourceVpc":"vpc-1"}}}]}"#,
            "IDENTITY_POLICY",
        );
        let codes: Vec<&str> = f.iter().map(|x| x.issue_code.as_str()).collect();
        for code in [
            "WILDCARD_IN_SERVICE_NAME",
            "PRIVATE_IP_ADDRESS_SUBSET",
            "IMPROVE_IP_RANGE",
            "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
            "MISSING_QUALIFIER",
            "INVALID_VPC_FORMAT",
        ] {
            assert!(codes.contains(&code), "{code} missing from {codes:?}");
        }
        let improve = f
            .iter()
            .find(|x| x.issue_code == "IMPROVE_IP_RANGE")
            .unwrap();
        assert!(improve.finding_details.contains("203.0.113.0/24"));
    }

    #[test]
    fn pages_with_max_results_and_next_token() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:RunTsk","ecs:StopTsk","ecs:ListTsk"],"Resource":"*"}]}"#;
        let mut req = ValidatePolicyRequest {
            policy_document: doc.into(),
            policy_type: "IDENTITY_POLICY".into(),
            max_results: Some(2),
            ..Default::default()
        };
        let first = validate_policy(&req).unwrap();
        assert_eq!(first.findings.len(), 2);
        req.next_token = first.next_token.clone();
        let second = validate_policy(&req).unwrap();
        assert_eq!(second.findings.len(), 1);
        assert!(second.next_token.is_none());
    }
}
