//! Unit tests of each rule, and snapshots of the rendered findings.

use super::*;
use crate::policy::PolicyType::{Boundary, Identity, Rcp, Resource, Scp, Session, Trust};

/// A policy with one statement made of the given members.
fn one(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{{statement}}}}}"#)
}

/// The message of the error AWS reports, or `valid`.
fn first(text: &str, policy_type: PolicyType) -> String {
    validate(text, policy_type)
        .first_error()
        .map_or_else(|| "valid".to_string(), |d| d.message.clone())
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

/// Every finding, one per line, as a user sees them.
fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in report.errors.iter().chain(&report.warnings) {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{severity} {}: {d}\n", d.code));
    }
    if out.is_empty() {
        out.push_str("valid\n");
    }
    out
}

/// Renders each (label, type, text) case under its label, for one snapshot.
fn render_cases(cases: &[(&str, PolicyType, String)]) -> String {
    cases
        .iter()
        .map(|(label, policy_type, text)| {
            format!(
                "## {label} ({policy_type})\n{}",
                render(&validate(text, *policy_type))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const ALLOW_S3: &str = r#""Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#;
const TRUST_EC2: &str =
    r#""Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole""#;

#[test]
fn a_plain_identity_policy_is_valid_without_findings() {
    let report = validate(&one(ALLOW_S3), Identity);
    assert!(report.is_valid(), "{}", render(&report));
    assert!(report.warnings.is_empty(), "{}", render(&report));
}

// ---------------------------------------------------------------- parameter constraints, size

#[test]
fn only_tab_lf_cr_and_latin1_are_allowed() {
    let latin1 = one(&format!(r#""Sid":"caf{}",{ALLOW_S3}"#, '\u{e9}'));
    assert!(validate(&latin1, Identity).is_valid());
    let euro = one(&format!(r#""Sid":"{}",{ALLOW_S3}"#, '\u{20ac}'));
    let report = validate(&euro, Identity);
    let error = &report.errors[0];
    assert_eq!(error.code, "ValidationError");
    assert!(error.message.contains("regular expression pattern"));
    assert_eq!(
        error.position,
        Some(Position {
            line: 1,
            column: 45
        })
    );
    assert_eq!(report.errors.len(), 1, "nothing is read past the API check");
}

#[test]
fn an_empty_document_breaks_the_length_constraint() {
    let report = validate("", Trust);
    assert_eq!(report.errors[0].code, "ValidationError");
    assert!(
        report.errors[0]
            .message
            .contains("'assumeRolePolicyDocument'")
    );
}

/// A valid identity policy of exactly `chars` counted characters, padded with `pad` spaces
/// between tokens.
fn sized(chars: usize, pad: usize) -> String {
    let skeleton = one(r#""Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::""#);
    let filler = "b".repeat(chars - skeleton.chars().count());
    one(&format!(
        r#""Effect":"Allow",{}"Action":"s3:GetObject","Resource":"arn:aws:s3:::{filler}""#,
        " ".repeat(pad)
    ))
}

#[test]
fn iam_does_not_count_white_space_between_tokens() {
    assert!(validate(&sized(6144, 500), Identity).is_valid());
    let report = validate(&sized(6145, 0), Identity);
    assert_eq!(report.errors[0].code, "LimitExceeded");
    assert_eq!(
        report.errors[0].message,
        "Cannot exceed quota for PolicySize: 6144"
    );
    assert_eq!(limits::counted_chars(r#"{ "a b" : 1 }"#, false), 9);
}

#[test]
fn each_quota_has_its_limit_and_message() {
    let text = sized(2100, 0);
    assert_eq!(
        validate_with_limit(&text, Identity, SizeLimit::UserInline).errors[0].message,
        "Maximum policy size of 2048 bytes exceeded for user"
    );
    assert!(validate_with_limit(&text, Identity, SizeLimit::GroupInline).is_valid());
    assert!(validate_with_limit(&sized(10_240, 0), Identity, SizeLimit::RoleInline).is_valid());
    assert_eq!(
        validate_with_limit(&text, Identity, SizeLimit::Custom(2000)).errors[0].code,
        "LimitExceeded"
    );
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":{{{TRUST_EC2},"Sid":"{}"}}}}"#,
        "A".repeat(2048)
    );
    assert_eq!(
        first(&trust, Trust),
        "Cannot exceed quota for ACLSizePerRole: 2048"
    );
    assert_eq!(SizeLimit::default_for(Scp), SizeLimit::OrganizationsPolicy);
}

#[test]
fn organizations_and_sts_count_white_space() {
    let padded = sized(2000, 100);
    assert!(validate(&padded, Identity).is_valid());
    let report = validate(&padded, Session);
    assert_eq!(report.errors[0].code, "ValidationError");
    assert!(
        report.errors[0]
            .message
            .ends_with("less than or equal to 2048")
    );
}

#[test]
fn the_size_is_reported_before_the_grammar() {
    let text = format!(r#"{{"Statement":"{}"}}"#, "x".repeat(7000));
    assert_eq!(
        codes(&validate(&text, Identity).errors),
        ["LimitExceeded", "MalformedPolicyDocument"]
    );
}

// ---------------------------------------------------------------------------------- syntax

#[test]
fn syntax_errors_say_what_and_where() {
    let cases = [
        (
            "not JSON",
            Identity,
            "{\"Version\": \"2012-10-17\",".to_string(),
        ),
        ("a JSON string", Identity, "\"policy\"".to_string()),
        (
            "unknown version",
            Identity,
            r#"{"Version":"2013-10-17","Statement":[]}"#.to_string(),
        ),
        (
            "no Statement",
            Identity,
            r#"{"Version":"2012-10-17"}"#.to_string(),
        ),
        (
            "empty Statement",
            Identity,
            r#"{"Version":"2012-10-17","Statement":[]}"#.to_string(),
        ),
        (
            "Id not a string",
            Identity,
            r#"{"Id":1,"Statement":{"Effect":"Allow"}}"#.to_string(),
        ),
        (
            "unknown top-level key",
            Identity,
            format!(r#"{{"Extra":1,"Statement":{{{ALLOW_S3}}}}}"#),
        ),
        (
            "statement not an object",
            Identity,
            r#"{"Version":"2012-10-17","Statement":["afd"]}"#.to_string(),
        ),
        (
            "unknown statement key",
            Identity,
            one(&format!(r#"{ALLOW_S3},"effect":"Allow""#)),
        ),
        (
            "Effect wrong",
            Identity,
            one(r#""Effect":"Permit","Action":"*","Resource":"*""#),
        ),
        ("no Effect", Identity, one(r#""Action":"*","Resource":"*""#)),
        (
            "Sid not a string",
            Identity,
            one(&format!(r#""Sid":[],{ALLOW_S3}"#)),
        ),
        (
            "Action and NotAction",
            Identity,
            one(&format!(r#"{ALLOW_S3},"NotAction":"s3:*""#)),
        ),
        (
            "Resource and NotResource",
            Identity,
            one(&format!(r#"{ALLOW_S3},"NotResource":[]"#)),
        ),
        (
            "Action an object",
            Identity,
            one(r#""Effect":"Allow","Action":{},"Resource":"*""#),
        ),
        (
            "Resource list with an object",
            Identity,
            one(r#""Effect":"Allow","Action":"*","Resource":["a",{}]"#),
        ),
        (
            "Principal a bare ARN",
            Resource,
            one(
                r#""Effect":"Allow","Principal":"arn:aws:iam::123456789012:root","Action":"*","Resource":"*""#,
            ),
        ),
        (
            "unknown principal type",
            Resource,
            one(r#""Effect":"Allow","Principal":{"User":"x"},"Action":"*","Resource":"*""#),
        ),
        (
            "Condition a list",
            Identity,
            one(&format!(r#"{ALLOW_S3},"Condition":[]"#)),
        ),
        (
            "operator block a string",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"DateGreaterThan":"b"}}"#
            )),
        ),
        (
            "condition value an object",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"StringEquals":{{"a":{{}}}}}}"#
            )),
        ),
        (
            "condition value null",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"StringEquals":{{"a":null}}}}"#
            )),
        ),
        (
            "unknown operator with keys",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"StringEqual":{{"a":"b"}}}}"#
            )),
        ),
        (
            "double colon operator",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"ForAnyValue::StringEquals":{{"a":"b"}}}}"#
            )),
        ),
    ];
    let cases: Vec<_> = cases.into_iter().collect();
    for (label, policy_type, text) in &cases {
        assert_eq!(
            first(text, *policy_type),
            "Syntax errors in policy.",
            "{label}"
        );
    }
    insta::assert_snapshot!("syntax_errors", render_cases(&cases));
}

#[test]
fn every_syntax_error_is_collected() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow!","Action":"*"},{"Effect":"Allow","Bogus":1}]}"#;
    let report = validate(text, Identity);
    let statements: Vec<_> = report
        .errors
        .iter()
        .map(|d| d.location.as_ref().and_then(|l| l.statement))
        .collect();
    assert_eq!(statements, [Some(0), Some(1)]);
}

#[test]
fn duplicate_keys_keep_the_last_value_and_warn() {
    let text = one(r#""Effect":"Deny","Effect":"allow","Action":"*","Resource":"*""#);
    let report = validate(&text, Identity);
    assert_eq!(report.errors[0].message, messages::LEGACY);
    assert_eq!(codes(&report.warnings), ["DUPLICATE_KEY"]);
    let conditions = one(&format!(
        r#"{ALLOW_S3},"Condition":{{"StringEquals":{{"a":"1"}},"StringEquals":{{"b":"2"}}}}"#
    ));
    let report = validate(&conditions, Identity);
    assert!(report.is_valid());
    assert_eq!(codes(&report.warnings), ["DUPLICATE_KEY"]);
}

#[test]
fn empty_and_unknown_operator_blocks_are_accepted() {
    let text = one(&format!(
        r#"{ALLOW_S3},"Condition":{{"DateGreaterThan":{{}},"x":{{}},"Bool":{{"a":[]}}}}"#
    ));
    let report = validate(&text, Identity);
    assert!(report.is_valid());
    assert_eq!(codes(&report.warnings), ["INVALID_CONDITION_OPERATOR"]);
}

#[test]
fn null_entries_of_lists_are_skipped() {
    let text = one(r#""Effect":"Allow","Action":["s3:GetObject",null],"Resource":[null,"*"]"#);
    assert!(validate(&text, Identity).is_valid());
    let only_null = one(r#""Effect":"Allow","Action":"*","Resource":[null]"#);
    assert_eq!(first(&only_null, Identity), messages::NO_RESOURCES);
}

// ------------------------------------------------------------------------------ version

#[test]
fn identity_like_policies_need_the_current_version() {
    let missing = format!(r#"{{"Statement":{{{ALLOW_S3}}}}}"#);
    let old = format!(r#"{{"Version":"2008-10-17","Statement":{{{ALLOW_S3}}}}}"#);
    for policy_type in [Identity, Boundary, Session] {
        assert_eq!(first(&missing, policy_type), messages::VERSION);
        assert_eq!(first(&old, policy_type), messages::VERSION);
    }
}

#[test]
fn trust_and_resource_policies_may_be_old_or_unversioned() {
    let old = format!(r#"{{"Version":"2008-10-17","Statement":{{{TRUST_EC2}}}}}"#);
    let report = validate(&old, Trust);
    assert!(report.is_valid() && report.warnings.is_empty());
    let missing = format!(r#"{{"Statement":{{{TRUST_EC2}}}}}"#);
    let report = validate(&missing, Trust);
    assert!(report.is_valid());
    assert_eq!(codes(&report.warnings), ["MISSING_VERSION"]);
    let bucket = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert!(validate(bucket, Resource).is_valid());
}

// ------------------------------------------------------------------------- legacy parsing

#[test]
fn legacy_parsing_checks_effect_case_arns_and_dates() {
    for text in [
        one(r#""Effect":"allow","Action":"*","Resource":"*""#),
        one(r#""Effect":"Allow","Action":"*","Resource":"arn:aws:s3::bucket""#),
        one(r#""Effect":"Allow","Action":"*","NotResource":["*","arn:aws::x"]"#),
        one(&format!(
            r#"{ALLOW_S3},"Condition":{{"DateLessThanIfExists":{{"aws:CurrentTime":["2020-01-01","234-13"]}}}}"#
        )),
        one(&format!(
            r#"{ALLOW_S3},"Condition":{{"ForAnyValue:DateEquals":{{"k":true}}}}"#
        )),
    ] {
        assert_eq!(first(&text, Identity), messages::LEGACY, "{text}");
    }
    let epoch = one(&format!(
        r#"{ALLOW_S3},"Condition":{{"DateGreaterThan":{{"aws:EpochTime":1700000000}}}}"#
    ));
    assert!(validate(&epoch, Identity).is_valid());
}

#[test]
fn legacy_parsing_comes_before_sids_and_actions() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"aLLow","Resource":"*"},{"Sid":"A","Effect":"Allow"}]}"#;
    assert_eq!(
        validate(text, Identity)
            .errors
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>(),
        [
            messages::LEGACY,
            messages::SID_UNIQUE,
            messages::NO_ACTIONS,
            messages::NO_ACTIONS,
            messages::NO_RESOURCES,
        ]
    );
}

// ------------------------------------------------------------------------------ Sids

#[test]
fn sids_must_be_unique_unless_empty_or_absent() {
    let dup = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"X",{ALLOW_S3}}},{{"Sid":"X",{ALLOW_S3}}}]}}"#
    );
    let report = validate(&dup, Identity);
    assert_eq!(report.errors[0].message, messages::SID_UNIQUE);
    let location = report.errors[0].location.clone().unwrap_or_default();
    assert_eq!(location.statement, Some(1));
    assert_eq!(location.sid.as_deref(), Some("X"));
    let fine = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"",{ALLOW_S3}}},{{"Sid":"",{ALLOW_S3}}},{{{ALLOW_S3}}},{{{ALLOW_S3}}}]}}"#
    );
    assert!(validate(&fine, Identity).is_valid());
    let case = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"x",{ALLOW_S3}}},{{"Sid":"X",{ALLOW_S3}}}]}}"#
    );
    assert!(validate(&case, Identity).is_valid());
}

// ------------------------------------------------------------------- actions and resources

#[test]
fn statements_need_actions() {
    assert_eq!(
        first(&one(r#""Effect":"Allow","Resource":"*""#), Identity),
        messages::NO_ACTIONS
    );
    assert_eq!(
        first(
            &one(r#""Effect":"Allow","NotAction":[],"Resource":"*""#),
            Identity
        ),
        messages::NO_ACTIONS
    );
}

#[test]
fn resource_and_action_formats() {
    let cases: Vec<(&str, PolicyType, String)> = [
        ("no colon", r#""Effect":"Allow","Action":"*","Resource":"bucket""#),
        ("partition", r#""Effect":"Allow","Action":"*","Resource":"arn:aws-cn:s3:::b""#),
        ("first part ignored", r#""Effect":"Allow","Action":"*","Resource":"x:y:z""#),
        ("no vendor", r#""Effect":"Allow","Action":"*","Resource":"arn:aws""#),
        ("IAM region", r#""Effect":"Allow","Action":"*","Resource":"arn:aws:iam:us-east-1:123456789012:role/r""#),
        // Not `...:root`: the account's root user is a resource IAM accepts (AWS's own
        // IAMAuditRootUserCredentials names `arn:aws:iam::*:root`).
        ("IAM path", r#""Effect":"Allow","Action":"*","Resource":"arn:aws:iam::123456789012:rooted""#),
        ("S3 region", r#""Effect":"Allow","Action":"*","Resource":"arn:aws:s3:eu-west-1::b""#),
        ("action without vendor", r#""Effect":"Allow","Action":"GetObject","Resource":"*""#),
        ("two colons", r#""Effect":"Allow","Action":"s3:Get:Object","Resource":"*""#),
        ("bad vendor", r#""Effect":"Allow","Action":"s_3:GetObject","Resource":"*""#),
        ("resource before action", r#""Effect":"Allow","Action":"x:y:z","Resource":"nope""#),
    ]
    .into_iter()
    .map(|(label, members)| (label, Identity, one(members)))
    .collect();
    insta::assert_snapshot!("formats", render_cases(&cases));
}

#[test]
fn regional_s3_resources_and_wildcards_pass() {
    for resource in [
        "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/*",
        "arn:aws:s3:us-west-2:123456789012:job/*",
        "arn:*:s3:::b",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:iam::*:user/${aws:username}",
        "arn:aws:fdsasf",
    ] {
        let text = one(&format!(
            r#""Effect":"Allow","Action":"*","Resource":"{resource}""#
        ));
        assert!(validate(&text, Identity).is_valid(), "{resource}");
    }
}

#[test]
fn a_missing_resource_is_reported_after_a_bad_action() {
    assert_eq!(
        first(&one(r#""Effect":"Allow","Action":"invalid""#), Identity),
        messages::ACTION_VENDOR
    );
    assert_eq!(
        first(
            &one(r#""Effect":"Allow","Action":"s3:GetObject""#),
            Identity
        ),
        messages::NO_RESOURCES
    );
}

// ------------------------------------------------------------------------ per-type rules

#[test]
fn identity_policies_have_no_principal() {
    let trust_as_identity = one(TRUST_EC2);
    let report = validate(&trust_as_identity, Identity);
    assert_eq!(
        report
            .errors
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>(),
        [messages::IDENTITY_PRINCIPAL, messages::NO_RESOURCES]
    );
    assert_eq!(
        report.errors[0]
            .location
            .as_ref()
            .and_then(|l| l.element.as_deref()),
        Some("Principal")
    );
}

#[test]
fn trust_policy_rules() {
    let cases: Vec<(&str, PolicyType, String)> = [
        ("Resource", format!(r#"{TRUST_EC2},"Resource":"*""#)),
        ("NotResource", format!(r#"{TRUST_EC2},"NotResource":"x""#)),
        ("no principal", r#""Effect":"Allow","Action":"sts:AssumeRole""#.to_string()),
        ("NotPrincipal", r#""Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole""#.to_string()),
        ("other action", r#""Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["sts:AssumeRole","s3:GetObject"]"#.to_string()),
        ("NotAction", r#""Effect":"Allow","Principal":{"AWS":"123456789012"},"NotAction":"sts:AssumeRole""#.to_string()),
        ("wildcard role ARN", r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"sts:AssumeRole""#.to_string()),
        ("not an ARN", r#""Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole""#.to_string()),
        ("service star", r#""Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole""#.to_string()),
        ("empty principal list", r#""Effect":"Allow","Principal":{"AWS":[]},"Action":"sts:AssumeRole""#.to_string()),
    ]
    .into_iter()
    .map(|(label, members)| (label, Trust, one(&members)))
    .collect();
    insta::assert_snapshot!("trust", render_cases(&cases));
}

#[test]
fn trust_policies_accept_the_session_actions_and_wildcards() {
    let text = one(
        r#""Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:role/a/b","arn:aws:sts::123456789012:assumed-role/r/s","AROAEXAMPLEID1234567"],"Federated":"cognito-identity.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity","sts:SetContext","sts:AssumeRoleWith*"]"#,
    );
    let report = validate(&text, Trust);
    assert!(report.is_valid(), "{}", render(&report));
    let star = one(r#""Effect":"Allow","Principal":"*","Action":"sts:*""#);
    assert!(validate(&star, Trust).is_valid());
}

#[test]
fn resource_policies_need_a_principal_and_resources() {
    let cases: Vec<(&str, PolicyType, String)> = [
        ("no principal", one(ALLOW_S3)),
        ("no resource", one(r#""Effect":"Allow","Principal":"*","Action":"s3:GetObject""#)),
        ("bad principal", one(r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::12345:user/x"},"Action":"s3:GetObject","Resource":"*""#)),
        ("allow with NotPrincipal", one(r#""Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"*""#)),
    ]
    .into_iter()
    .map(|(label, text)| (label, Resource, text))
    .collect();
    insta::assert_snapshot!("resource", render_cases(&cases));
}

#[test]
fn organizations_policies() {
    let full_access = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    assert!(validate(full_access, Rcp).is_valid());
    let scp_full =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    assert!(validate(scp_full, Scp).is_valid());
    let deny = one(
        r#""Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-123"}}"#,
    );
    assert!(validate(&deny, Rcp).is_valid());

    let cases: Vec<(&str, PolicyType, String)> = vec![
        (
            "SCP with a principal",
            Scp,
            one(r#""Effect":"Deny","Principal":"*","Action":"*","Resource":"*""#),
        ),
        (
            "SCP without resources",
            Scp,
            one(r#""Effect":"Deny","Action":"*""#),
        ),
        (
            "SCP without version",
            Scp,
            r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#.to_string(),
        ),
        ("SCP not JSON", Scp, "{".to_string()),
        (
            "RCP allowing one action",
            Rcp,
            one(r#""Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*""#),
        ),
        (
            "RCP naming a principal",
            Rcp,
            one(
                r#""Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*""#,
            ),
        ),
        (
            "RCP without principal",
            Rcp,
            one(r#""Effect":"Deny","Action":"s3:*","Resource":"*""#),
        ),
        (
            "RCP with NotAction",
            Rcp,
            one(r#""Effect":"Deny","Principal":"*","NotAction":"s3:*","Resource":"*""#),
        ),
        (
            "RCP denying every action",
            Rcp,
            one(r#""Effect":"Deny","Principal":"*","Action":"*","Resource":"*""#),
        ),
        (
            "RCP with a wildcard service prefix",
            Rcp,
            one(
                r#""Effect":"Deny","Principal":"*","Action":["s3:*","s*:GetObject"],"Resource":"*""#,
            ),
        ),
        (
            "RCP with NotPrincipal",
            Rcp,
            one(
                r#""Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*""#,
            ),
        ),
    ];
    for (label, policy_type, text) in &cases {
        let report = validate(text, *policy_type);
        assert_eq!(
            report.errors.first().map(|d| d.code),
            Some("MalformedPolicyDocumentException"),
            "{label}"
        );
    }
    insta::assert_snapshot!("organizations", render_cases(&cases));
}

// ------------------------------------------------------------------------------ warnings

#[test]
fn warnings_are_access_analyzer_style_findings() {
    let cases: Vec<(&str, PolicyType, String)> = vec![
        (
            "PassRole on *",
            Identity,
            one(r#""Effect":"Allow","Action":["iam:Pass*"],"Resource":"*""#),
        ),
        (
            "data types",
            Identity,
            one(&format!(
                r#"{ALLOW_S3},"Condition":{{"NumericLessThan":{{"s3:max-keys":"ten"}},"Bool":{{"aws:SecureTransport":"yes"}},"IpAddress":{{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/40"]}},"BinaryEquals":{{"k":"%%"}}}}"#
            )),
        ),
        (
            "Sid with a hyphen",
            Identity,
            one(&format!(r#""Sid":"Allow-Read",{ALLOW_S3}"#)),
        ),
        (
            "no version",
            Trust,
            format!(r#"{{"Statement":{{{TRUST_EC2}}}}}"#),
        ),
        (
            "duplicate key",
            Identity,
            one(&format!(r#""Action":"s3:PutObject",{ALLOW_S3}"#)),
        ),
    ];
    for (label, policy_type, text) in &cases {
        let report = validate(text, *policy_type);
        assert!(report.is_valid(), "{label}: {}", render(&report));
        assert!(!report.warnings.is_empty(), "{label}");
    }
    insta::assert_snapshot!("warnings", render_cases(&cases));
}

/// `reference_policies_variables.html#policy-vars-resourceelement`: variables only after the
/// fifth colon. IAM stores such policies (AmazonTimestreamInfluxDBServiceRolePolicy), so a
/// warning, and the variable's colon does not break the ARN's parts.
#[test]
fn variables_before_the_resource_part_warn() {
    for resource in [
        "arn:aws:iam::${aws:PrincipalAccount}:role/*",
        "arn:*:kms:*:${aws:PrincipalAccount}:key/*",
        "arn:aws:sqs:${aws:RequestedRegion}:123456789012:q",
    ] {
        let text = one(&format!(
            r#""Effect":"Allow","Action":"*","Resource":"{resource}""#
        ));
        let report = validate(&text, Identity);
        assert!(report.is_valid(), "{resource}: {}", render(&report));
        assert_eq!(
            codes(&report.warnings),
            ["VARIABLE_BEFORE_RESOURCE_PART"],
            "{resource}"
        );
    }
    let after =
        one(r#""Effect":"Allow","Action":"*","Resource":"arn:aws:sqs:*:*:${aws:username}""#);
    assert!(validate(&after, Identity).warnings.is_empty());
    // Under 2008-10-17 there are no variables to warn of.
    let old = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:${aws:x}:::b"}}"#;
    assert!(!codes(&validate(old, Resource).warnings).contains(&"VARIABLE_BEFORE_RESOURCE_PART"));
}

#[test]
fn deny_pass_role_and_resource_sids_do_not_warn() {
    let deny = one(r#""Effect":"Deny","Action":"iam:PassRole","Resource":"*""#);
    assert!(validate(&deny, Identity).warnings.is_empty());
    let sid = one(
        r#""Sid":"Allow public read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#,
    );
    assert!(validate(&sid, Resource).warnings.is_empty());
}

// ------------------------------------------------------------------ locations and rendering

#[test]
fn positions_point_at_the_offending_value() {
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"Read\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:GetObject\", \"s3:Get:Object\"],\n      \"Resource\": \"*\"\n    }\n  ]\n}";
    let report = validate(text, Identity);
    let error = &report.errors[0];
    assert_eq!(error.message, messages::ACTION_ONE_COLON);
    assert_eq!(
        error.position,
        Some(Position {
            line: 7,
            column: 34
        })
    );
    assert_eq!(
        error.location,
        Some(Location {
            statement: Some(0),
            sid: Some("Read".to_string()),
            element: Some("Action".to_string()),
        })
    );
    assert_eq!(
        error.to_string(),
        "Actions/Condition can contain only one colon. (statement 1 `Read`, element `Action`, \
         line 7 column 34)"
    );
}

#[test]
fn display_leaves_out_what_is_unknown() {
    let bare = Diagnostic::error("LimitExceeded", "Cannot exceed quota for PolicySize: 6144");
    assert_eq!(bare.to_string(), "Cannot exceed quota for PolicySize: 6144");
    let top = Diagnostic::error(messages::MALFORMED, messages::SYNTAX)
        .located(Some(Location::element("Id")))
        .explained("`Id` must be a string".to_string());
    assert_eq!(
        top.to_string(),
        "Syntax errors in policy. (element `Id`): `Id` must be a string"
    );
}

#[test]
fn the_report_serialises_for_tools() {
    let report = validate(
        &one(r#""Effect":"allow","Action":"*","Resource":"*""#),
        Identity,
    );
    let json = serde_json::to_value(&report).unwrap_or_default();
    assert_eq!(json["errors"][0]["code"], "MalformedPolicyDocument");
    assert_eq!(json["errors"][0]["position"]["Line"], 1);
    assert_eq!(json["errors"][0]["location"]["element"], "Effect");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// The validator is total: any text gives a report, never a panic.
    #[test]
    fn never_panics(text in "\\PC{0,200}") {
        for policy_type in PolicyType::ALL {
            let _ = validate(&text, policy_type);
        }
    }

    /// Arbitrary JSON-ish policies exercise the deeper checks.
    #[test]
    fn never_panics_on_policy_shapes(
        effect in "(Allow|Deny|allow|x)",
        action in "[a-z0-9:* ]{0,12}",
        resource in "[a-z0-9:*/$.{}-]{0,30}",
        date in "[-+0-9TtZz:.]{0,24}",
    ) {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":["{resource}"],"Condition":{{"DateLessThan":{{"k":"{date}"}}}}}}]}}"#
        );
        for policy_type in PolicyType::ALL {
            let _ = validate(&text, policy_type);
        }
    }
}

#[test]
fn deep_nesting_and_many_members_stay_cheap() {
    let deep = format!("{}{}", "[".repeat(60_000), "]".repeat(60_000));
    let report = validate_with_limit(&deep, Identity, SizeLimit::Custom(1 << 20));
    assert_eq!(report.errors[0].message, messages::SYNTAX);
    let members: String = (0..10_000).map(|i| format!(r#""k{i}":"v","#)).collect();
    let wide = one(&format!(
        r#"{ALLOW_S3},"Condition":{{"StringEquals":{{{members}"k":"v"}}}}"#
    ));
    assert!(validate_with_limit(&wide, Identity, SizeLimit::Custom(1 << 20)).is_valid());
}
