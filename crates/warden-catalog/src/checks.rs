//! Catalog checks: findings that need AWS's catalog of services, actions and condition keys,
//! which IAM itself does not make (IAM accepts every document these checks flag).
//!
//! They are reported as warnings with the issue codes and console messages of IAM Access
//! Analyzer's policy checks
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>):
//!
//! - `INVALID_SERVICE_IN_ACTION` and `INVALID_ACTION`: an `Action`/`NotAction` value names a
//!   service prefix or an action that does not exist (with a did-you-mean suggestion when one is
//!   close), or a wildcard pattern that covers nothing.
//! - `INVALID_GLOBAL_CONDITION_KEY`, `INVALID_SERVICE_CONDITION_KEY` and `INVALID_SERVICE`: a
//!   condition key that no service defines. Identity providers' keys
//!   (`oidc.eks.us-east-1.amazonaws.com/id/ABC:sub`) are open-ended and not checked.
//! - `TYPE_MISMATCH`: a condition operator of a family that does not fit the key's type
//!   (`StringEquals` on the `IPAddress` key `aws:SourceIp`).

use std::collections::HashSet;

use warden_core::glob::Glob;
use warden_core::policy::validate::{Diagnostic, Location};
use warden_core::policy::{ConditionClause, Statement};
use warden_core::{Policy, PolicyType};

use crate::{ActionCatalog, closest};

/// Catalog findings for `text` (empty when the text does not parse: the validator reports
/// that).
///
/// `policy_type` is accepted for checks that depend on the kind of policy; the current checks
/// apply to every kind alike.
pub fn check(text: &str, policy_type: PolicyType, catalog: &ActionCatalog) -> Vec<Diagnostic> {
    let _ = policy_type;
    match Policy::parse(text) {
        Ok(policy) => check_policy(&policy, catalog),
        Err(_) => Vec::new(),
    }
}

/// Catalog findings for a parsed policy, statement by statement; each finding is reported once
/// per statement.
pub fn check_policy(policy: &Policy, catalog: &ActionCatalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for statement in policy.statements() {
        let mut findings = Findings {
            statement,
            seen: HashSet::new(),
            out: &mut out,
        };
        let block = statement.action();
        let element = if block.negated { "NotAction" } else { "Action" };
        for value in &block.values {
            if let Some(finding) = check_action(value, catalog) {
                findings.push(element, finding);
            }
        }
        for clause in statement.conditions() {
            if let Some(finding) = check_condition(clause, catalog) {
                findings.push("Condition", finding);
            }
        }
    }
    out
}

/// A finding before it is placed: its code and message.
type Finding = (&'static str, String);

/// The findings of one statement, without repeats.
struct Findings<'a> {
    statement: &'a Statement,
    seen: HashSet<Finding>,
    out: &'a mut Vec<Diagnostic>,
}

impl Findings<'_> {
    fn push(&mut self, element: &str, (code, message): Finding) {
        if !self.seen.insert((code, message.clone())) {
            return;
        }
        let statement = self.statement;
        self.out.push(
            Diagnostic::warning(code, message)
                .located(Some(Location::statement(
                    statement.index(),
                    statement.sid(),
                    Some(element),
                )))
                .at(statement.start()),
        );
    }
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// `INVALID_SERVICE_IN_ACTION` or `INVALID_ACTION` for one `Action`/`NotAction` value.
fn check_action(value: &str, catalog: &ActionCatalog) -> Option<Finding> {
    if value == "*" {
        return None;
    }
    // Without a colon the validator already reports the value.
    let (service_part, action_part) = value.split_once(':')?;
    if has_wildcard(service_part) {
        let glob = Glob::new(&service_part.to_ascii_lowercase());
        if catalog.prefixes().iter().any(|prefix| glob.matches(prefix)) {
            return None;
        }
        return Some(invalid_service_in_action(service_part, None));
    }
    let Some(service) = catalog.service(service_part) else {
        let suggestion = closest(service_part, catalog.prefixes().iter().copied());
        return Some(invalid_service_in_action(service_part, suggestion));
    };
    if has_wildcard(action_part) {
        let glob = Glob::new(&action_part.to_ascii_lowercase());
        let covers_any = service
            .actions
            .iter()
            .any(|action| glob.matches(&action.name.to_ascii_lowercase()));
        return (!covers_any).then(|| invalid_action(value, None));
    }
    if service.action(action_part).is_some() {
        return None;
    }
    let suggestion = closest(
        action_part,
        service.actions.iter().map(|action| action.name.as_str()),
    )
    .map(|name| format!("{}:{name}", service.prefix));
    Some(invalid_action(value, suggestion.as_deref()))
}

fn invalid_service_in_action(service: &str, suggestion: Option<&str>) -> Finding {
    let mut message = format!(
        "Invalid service in action: The service {service} specified in the action does not exist."
    );
    if let Some(suggestion) = suggestion {
        message.push_str(&format!(" Did you mean {suggestion}?"));
    }
    ("INVALID_SERVICE_IN_ACTION", message)
}

fn invalid_action(action: &str, suggestion: Option<&str>) -> Finding {
    let mut message = format!("Invalid action: The action {action} does not exist.");
    if let Some(suggestion) = suggestion {
        message.push_str(&format!(" Did you mean {suggestion}?"));
    }
    ("INVALID_ACTION", message)
}

/// The finding for one condition clause: an unknown key, or an operator that does not fit the
/// key's type.
fn check_condition(clause: &ConditionClause, catalog: &ActionCatalog) -> Option<Finding> {
    let key = clause.key.as_str();
    // Without a colon the validator already reports the key.
    let (prefix, _) = key.split_once(':')?;
    let Some(definition) = catalog.condition_key(key) else {
        return unknown_key(key, prefix, catalog);
    };
    type_mismatch(&clause.operator, key, &definition.key_type)
}

/// The finding for a key the catalog does not define, if it is one the catalog should know.
fn unknown_key(key: &str, prefix: &str, catalog: &ActionCatalog) -> Option<Finding> {
    if key.eq_ignore_ascii_case("aws:ARN") {
        return Some((
            "UNSUPPORTED_GLOBAL_CONDITION_KEY",
            "Unsupported global condition key: The condition key aws:ARN is not supported. Use \
             aws:PrincipalArn or aws:SourceArn instead."
                .to_string(),
        ));
    }
    if prefix.eq_ignore_ascii_case("aws") {
        return Some((
            "INVALID_GLOBAL_CONDITION_KEY",
            format!(
                "Invalid global condition key: The condition key {key} does not exist. Use a \
                 valid condition key."
            ),
        ));
    }
    if catalog.service(prefix).is_some() {
        return Some((
            "INVALID_SERVICE_CONDITION_KEY",
            format!(
                "Invalid service condition key: The condition key {key} does not exist in the \
                 service {prefix}. Use a valid condition key."
            ),
        ));
    }
    // Identity providers' keys (`oidc.eks.us-east-1.amazonaws.com/id/ABC:sub`) are open-ended.
    if prefix.contains(['.', '/']) || prefix.starts_with("${") {
        return None;
    }
    Some((
        "INVALID_SERVICE",
        format!("Invalid service: The service {prefix} does not exist. Use a valid service name."),
    ))
}

/// The families of condition operators, by the name Access Analyzer gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::String => "String",
            Family::Numeric => "Numeric",
            Family::Date => "Date",
            Family::Bool => "Bool",
            Family::Binary => "Binary",
            Family::IpAddress => "IpAddress",
            Family::Arn => "Arn",
            Family::Null => "Null",
        }
    }

    /// The family of `operator` (`ForAnyValue:StringLikeIfExists` is a `String` operator);
    /// `None` for an operator IAM does not know (the validator reports it).
    fn of(operator: &str) -> Option<Family> {
        let base = operator
            .strip_prefix("ForAnyValue:")
            .or_else(|| operator.strip_prefix("ForAllValues:"))
            .unwrap_or(operator);
        let base = base.strip_suffix("IfExists").unwrap_or(base);
        Some(match base {
            "StringEquals"
            | "StringNotEquals"
            | "StringEqualsIgnoreCase"
            | "StringNotEqualsIgnoreCase"
            | "StringLike"
            | "StringNotLike" => Family::String,
            "NumericEquals"
            | "NumericNotEquals"
            | "NumericLessThan"
            | "NumericLessThanEquals"
            | "NumericGreaterThan"
            | "NumericGreaterThanEquals" => Family::Numeric,
            "DateEquals"
            | "DateNotEquals"
            | "DateLessThan"
            | "DateLessThanEquals"
            | "DateGreaterThan"
            | "DateGreaterThanEquals" => Family::Date,
            "Bool" => Family::Bool,
            "BinaryEquals" => Family::Binary,
            "IpAddress" | "NotIpAddress" => Family::IpAddress,
            "ArnEquals" | "ArnLike" | "ArnNotEquals" | "ArnNotLike" => Family::Arn,
            "Null" => Family::Null,
            _ => return None,
        })
    }
}

/// The operator families that fit a key of catalog type `key_type` (`ArrayOf` stripped), the
/// first being the one to recommend; `None` for a type the catalog does not use.
fn allowed_families(key_type: &str) -> Option<&'static [Family]> {
    let base = key_type.strip_prefix("ArrayOf").unwrap_or(key_type);
    Some(match base {
        // Access Analyzer accepts ARN operators on String keys whose values are ARNs (AWS's own
        // policies use ArnLike on kms:EncryptionContext:aws:s3:arn, a String key).
        "String" => &[Family::String, Family::Arn],
        "ARN" => &[Family::Arn, Family::String],
        "Numeric" => &[Family::Numeric],
        // Dates compare as ISO 8601 text or as epoch seconds.
        "Date" => &[Family::Date, Family::Numeric],
        "Bool" => &[Family::Bool],
        "IPAddress" => &[Family::IpAddress],
        "Binary" => &[Family::Binary],
        _ => return None,
    })
}

/// `TYPE_MISMATCH` when `operator` does not fit a key of type `key_type`.
fn type_mismatch(operator: &str, key: &str, key_type: &str) -> Option<Finding> {
    let family = Family::of(operator)?;
    if family == Family::Null {
        return None;
    }
    let allowed = allowed_families(key_type)?;
    if allowed.contains(&family) {
        return None;
    }
    let recommended = allowed.first()?.name();
    Some((
        "TYPE_MISMATCH",
        format!(
            "Type mismatch: Use the operator type {recommended} instead of operator {operator} \
             for the condition key {key}."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions;
    use warden_core::policy::validate::Severity;

    fn run(text: &str) -> Vec<Diagnostic> {
        check(text, PolicyType::Identity, actions())
    }

    /// One statement with Sid `S`, the given action element and condition block.
    fn statement(action: &str, condition: &str) -> String {
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{condition}"#)
        };
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S","Effect":"Allow",{action},"Resource":"*"{condition}}}]}}"#
        )
    }

    fn actions_only(values: &str) -> Vec<Diagnostic> {
        run(&statement(&format!(r#""Action":{values}"#), ""))
    }

    fn condition(operator: &str, key: &str, value: &str) -> Vec<Diagnostic> {
        run(&statement(
            r#""Action":"ecs:RunTask""#,
            &format!(r#"{{"{operator}":{{"{key}":"{value}"}}}}"#),
        ))
    }

    fn only(findings: &[Diagnostic]) -> (&'static str, &str) {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Warning);
        (finding.code, finding.message.as_str())
    }

    #[test]
    fn typo_in_action_suggests_the_real_one() {
        let findings = actions_only(r#""ecs:RunTsk""#);
        assert_eq!(
            only(&findings),
            (
                "INVALID_ACTION",
                "Invalid action: The action ecs:RunTsk does not exist. Did you mean ecs:RunTask?"
            )
        );
        let finding = &findings[0];
        assert_eq!(
            finding.location,
            Some(Location::statement(0, Some("S"), Some("Action")))
        );
        // At the statement's opening brace.
        let position = finding.position.expect("position");
        assert_eq!((position.line, position.column), (1, 38));
    }

    #[test]
    fn action_nothing_is_close_to_has_no_suggestion() {
        assert_eq!(
            only(&actions_only(r#""ecs:CompletelyMadeUpThing""#)),
            (
                "INVALID_ACTION",
                "Invalid action: The action ecs:CompletelyMadeUpThing does not exist."
            )
        );
    }

    #[test]
    fn unknown_service_suggests_the_closest_prefix() {
        let findings = actions_only(r#""ecss:RunTask""#);
        assert_eq!(
            only(&findings),
            (
                "INVALID_SERVICE_IN_ACTION",
                "Invalid service in action: The service ecss specified in the action does not \
                 exist. Did you mean ecs?"
            )
        );
        assert_eq!(
            findings[0].location,
            Some(Location::statement(0, Some("S"), Some("Action")))
        );
        assert_eq!(
            only(&actions_only(r#""zzzzzzzzzzzz:RunTask""#)),
            (
                "INVALID_SERVICE_IN_ACTION",
                "Invalid service in action: The service zzzzzzzzzzzz specified in the action \
                 does not exist."
            )
        );
    }

    #[test]
    fn wildcards_are_checked_against_what_they_cover() {
        assert!(
            actions_only(r#"["ec2:Describe*","ecs:*","*","EC2:describe*","e?s:Run*"]"#).is_empty()
        );
        assert!(actions_only(r#""*:Describe*""#).is_empty());
        assert_eq!(
            only(&actions_only(r#""ec2:Descrbe*""#)),
            (
                "INVALID_ACTION",
                "Invalid action: The action ec2:Descrbe* does not exist."
            )
        );
        assert_eq!(
            only(&actions_only(r#""zzq*:RunTask""#)),
            (
                "INVALID_SERVICE_IN_ACTION",
                "Invalid service in action: The service zzq* specified in the action does not \
                 exist."
            )
        );
    }

    #[test]
    fn action_names_and_prefixes_compare_without_case() {
        assert!(actions_only(r#"["ECS:runtask","Ecs:RunTask"]"#).is_empty());
    }

    #[test]
    fn values_without_colon_are_left_to_the_validator() {
        assert!(actions_only(r#""ecsRunTask""#).is_empty());
    }

    #[test]
    fn not_action_is_checked_too() {
        let findings = run(&statement(r#""NotAction":["ecs:RunTsk","iam:*"]"#, ""));
        assert_eq!(only(&findings).0, "INVALID_ACTION");
        assert_eq!(
            findings[0].location,
            Some(Location::statement(0, Some("S"), Some("NotAction")))
        );
    }

    #[test]
    fn a_value_repeated_in_a_statement_is_reported_once() {
        let findings = actions_only(r#"["ecs:RunTsk","ecs:RunTsk","ecss:X"]"#);
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"]);
        // But once per statement: a second statement reports its own.
        let text = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"ecs:RunTsk","Resource":"*"},
            {"Sid":"Two","Effect":"Allow","Action":"ecs:RunTsk","Resource":"*"}]}"#;
        let findings = run(text);
        let locations: Vec<_> = findings.iter().map(|f| f.location.clone()).collect();
        assert_eq!(
            locations,
            [
                Some(Location::statement(0, None, Some("Action"))),
                Some(Location::statement(1, Some("Two"), Some("Action"))),
            ]
        );
        assert_eq!(findings[1].position.map(|p| p.line), Some(3));
    }

    #[test]
    fn operator_must_fit_the_key_type() {
        let findings = condition("StringEquals", "aws:SourceIp", "10.0.0.0/8");
        assert_eq!(
            only(&findings),
            (
                "TYPE_MISMATCH",
                "Type mismatch: Use the operator type IpAddress instead of operator StringEquals \
                 for the condition key aws:SourceIp."
            )
        );
        assert_eq!(
            findings[0].location,
            Some(Location::statement(0, Some("S"), Some("Condition")))
        );
        assert_eq!(
            only(&condition("NumericLessThan", "aws:SecureTransport", "1")),
            (
                "TYPE_MISMATCH",
                "Type mismatch: Use the operator type Bool instead of operator NumericLessThan \
                 for the condition key aws:SecureTransport."
            )
        );
        assert_eq!(
            only(&condition(
                "DateLessThan",
                "iam:PassedToService",
                "2020-01-01"
            )),
            (
                "TYPE_MISMATCH",
                "Type mismatch: Use the operator type String instead of operator \
                 DateLessThan for the condition key iam:PassedToService."
            )
        );
        assert_eq!(
            only(&condition("NumericEquals", "ecs:cluster", "1")),
            (
                "TYPE_MISMATCH",
                "Type mismatch: Use the operator type Arn instead of operator NumericEquals for \
                 the condition key ecs:cluster."
            )
        );
    }

    #[test]
    fn operators_that_fit() {
        for (operator, key, value) in [
            (
                "StringLike",
                "iam:PassedToService",
                "ecs-tasks.amazonaws.com",
            ),
            ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
            ("NotIpAddressIfExists", "aws:SourceIp", "10.0.0.0/8"),
            ("ArnLike", "ecs:cluster", "arn:aws:ecs:*:*:cluster/x"),
            ("StringEquals", "ecs:cluster", "arn:aws:ecs:*:*:cluster/x"),
            // ARN operators on String keys whose values are ARNs, as AWS's own policies do.
            (
                "ArnLike",
                "kms:EncryptionContext:aws:s3:arn",
                "arn:aws:s3:::b/*",
            ),
            ("BoolIfExists", "aws:MultiFactorAuthPresent", "true"),
            ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
            ("NumericGreaterThan", "aws:CurrentTime", "1577836800"),
            ("ForAnyValue:StringLike", "aws:TagKeys", "team*"),
            ("ForAllValues:StringEquals", "aws:TagKeys", "team"),
            ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
            ("Null", "aws:SourceIp", "true"),
            ("Null", "aws:MultiFactorAuthPresent", "false"),
            // Unknown operators are the validator's to report.
            ("StringEqualz", "aws:SourceIp", "x"),
        ] {
            assert!(
                condition(operator, key, value).is_empty(),
                "{operator} {key}: {:#?}",
                condition(operator, key, value)
            );
        }
    }

    #[test]
    fn known_condition_keys_have_no_finding() {
        for key in [
            "aws:RequestTag/team",
            "aws:ResourceTag/${aws:username}",
            "AWS:RequestTag/Team",
            "ecs:ResourceTag/env",
            "ec2:ResourceTag/aws:cloudformation:stack-name",
            "iam:PassedToService",
            "token.actions.githubusercontent.com:sub",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub",
            "${aws:username}:x",
            "saml:aud",
            // Defined by another service under this prefix (sso, aws-marketplace, ssm).
            "identitycenter:InstanceArn",
            "catalog:ChangeType",
            "ec2:SourceInstanceARN",
            // Placeholders the package writes as `<key>`, `tag-key` or a trailing `/`.
            "s3:ExistingObjectTag/UseWithCodeDeploy",
            "secretsmanager:ResourceTag/team",
            "glacier:ResourceTag/team",
            "token.actions.example.ghe.com:sub",
        ] {
            let findings = condition("StringLike", key, "x");
            assert!(findings.is_empty(), "{key}: {findings:#?}");
        }
    }

    #[test]
    fn unknown_condition_keys() {
        let findings = condition("StringEquals", "aws:NoSuchKey", "x");
        assert_eq!(
            only(&findings),
            (
                "INVALID_GLOBAL_CONDITION_KEY",
                "Invalid global condition key: The condition key aws:NoSuchKey does not exist. \
                 Use a valid condition key."
            )
        );
        assert_eq!(
            findings[0].location,
            Some(Location::statement(0, Some("S"), Some("Condition")))
        );
        assert_eq!(
            only(&condition("StringEquals", "ecs:no-such-key", "x")),
            (
                "INVALID_SERVICE_CONDITION_KEY",
                "Invalid service condition key: The condition key ecs:no-such-key does not \
                 exist in the service ecs. Use a valid condition key."
            )
        );
        assert_eq!(
            only(&condition("StringEquals", "nosuchservice:key", "x")),
            (
                "INVALID_SERVICE",
                "Invalid service: The service nosuchservice does not exist. Use a valid service \
                 name."
            )
        );
        assert_eq!(
            only(&condition("StringEquals", "aws:ARN", "x")).0,
            "UNSUPPORTED_GLOBAL_CONDITION_KEY"
        );
        // Keys without a colon are the validator's.
        assert!(condition("StringEquals", "SourceIp", "x").is_empty());
    }

    #[test]
    fn text_that_does_not_parse_has_no_findings() {
        assert!(run("{").is_empty());
        assert!(run(r#"{"Statement":"#).is_empty());
    }

    #[test]
    fn seed_policies_have_no_findings() {
        for (name, text, policy_type) in [
            (
                "AmazonECS_FullAccess",
                include_str!("../../../examples/AmazonECS_FullAccess.json"),
                PolicyType::Identity,
            ),
            (
                "AmazonEC2ContainerServiceFullAccess",
                include_str!("../../../examples/AmazonEC2ContainerServiceFullAccess.json"),
                PolicyType::Identity,
            ),
            (
                "AmazonEC2ContainerServiceforEC2Role",
                include_str!("../../../examples/AmazonEC2ContainerServiceforEC2Role.json"),
                PolicyType::Identity,
            ),
            (
                "ecs-tasks-trust",
                include_str!("../../../examples/ecs-tasks-trust.json"),
                PolicyType::Trust,
            ),
        ] {
            assert!(Policy::parse(text).is_ok(), "{name} parses");
            let findings = check(text, policy_type, actions());
            assert!(findings.is_empty(), "{name}: {findings:#?}");
        }
        // The simulation input carries its policy as a string.
        let input: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/ecs-passrole.json"))
                .expect("json");
        let policies = input["PolicyInputList"].as_array().expect("list");
        assert!(!policies.is_empty());
        for policy in policies {
            let text = policy.as_str().expect("string");
            assert!(Policy::parse(text).is_ok());
            let findings = check(text, PolicyType::Identity, actions());
            assert!(findings.is_empty(), "ecs-passrole: {findings:#?}");
        }
    }
}
