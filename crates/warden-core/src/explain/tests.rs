//! Tests of the explanation and the fix: one per kind of failing part and per layer that cuts.

use super::*;
use crate::authorize::PolicySetBuilder;
use crate::context::{ContextKeyType, ContextValue};
use crate::policy::Policy;
use std::sync::Arc;

const ACCOUNT: &str = "123456789012";
const CALLER: &str = "arn:aws:iam::123456789012:user/ci";
const TASK_ROLE: &str = "arn:aws:iam::123456789012:role/my-task-role";

fn policy(id: &str, kind: PolicyType, statements: &str) -> CompiledPolicy {
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
    let parsed = Policy::parse(&text).unwrap_or_else(|e| panic!("{id}: {e}\n{text}"));
    CompiledPolicy::new(Arc::new(parsed), kind, id, "none")
}

fn identity(statements: &str) -> PolicySetBuilder {
    PolicySet::builder().identity(policy("id.json", PolicyType::Identity, statements))
}

fn request(action: &str, resource: &str, ctx: &[(&str, &str)]) -> Request {
    let mut req = Request::new(Principal::parse(CALLER), action, resource);
    for (k, v) in ctx {
        req.context.insert(*k, ContextValue::string(*v));
    }
    req.with_principal_keys()
}

/// Explains, checks the invariants every explanation keeps, and returns it.
fn explain(set: &PolicySet, req: &Request) -> Explanation {
    let ex = set.explain(req);
    assert_eq!(ex.decision, set.authorize(req));
    if ex.decision.decision == EvalDecision::ImplicitDeny {
        assert!(!ex.gaps.is_empty(), "an implicit deny has a gap");
        assert_eq!(ex.fixes.len(), ex.gaps.len());
        let fixed = set.with_fixes(&ex.fixes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            fixed.decide(req),
            EvalDecision::Allowed,
            "the fixes allow the request:\n{ex}"
        );
        for fix in &ex.fixes {
            let report =
                crate::policy::validate::validate(&fix.policy_text(), fix.layer.policy_type());
            assert!(
                report.first_error().is_none(),
                "{:?}\n{}",
                report.first_error(),
                fix.policy_text()
            );
        }
    } else {
        assert!(ex.gaps.is_empty() && ex.fixes.is_empty());
    }
    ex
}

fn only_failures(ex: &Explanation) -> Vec<String> {
    let miss = ex
        .near_misses()
        .next()
        .unwrap_or_else(|| panic!("no near miss:\n{ex}"));
    miss.failures.iter().map(|f| f.to_string()).collect()
}

const PASS_ROLE_NEAR_MISS: &str = r#"{
    "Sid": "PassInstanceRole",
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": "arn:aws:iam::*:role/ecsInstanceRole*",
    "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
}"#;

#[test]
fn pass_role_near_miss_names_the_resource_pattern_and_the_condition_values() {
    let set = identity(PASS_ROLE_NEAR_MISS).build();
    let req = request(
        "iam:PassRole",
        TASK_ROLE,
        &[("iam:PassedToService", "ec2.amazonaws.com")],
    );
    let ex = explain(&set, &req);
    assert_eq!(ex.decision.reason, Reason::NoIdentityAllow);
    assert_eq!(ex.gaps[0].layer, PolicyLayer::Identity);
    assert_eq!(ex.gaps[0].policies, ["id.json"]);
    let miss = &ex.gaps[0].near_misses[0];
    assert_eq!(miss.statement.sid.as_deref(), Some("PassInstanceRole"));
    assert_eq!(miss.statement.statement_index, 0);
    assert_eq!(
        (miss.statement.start.line, miss.statement.start.column),
        (1, 41)
    );
    assert_eq!(
        only_failures(&ex),
        [
            "resource arn:aws:iam::*:role/ecsInstanceRole* does not match \
             arn:aws:iam::123456789012:role/my-task-role",
            "iam:PassedToService wanted ecs-tasks.amazonaws.com, got ec2.amazonaws.com \
             (StringEquals)",
        ]
    );
    // The fix: exact action and ARN, the PassedToService value of the request.
    let fix = &ex.fixes[0];
    assert_eq!(fix.layer, PolicyLayer::Identity);
    assert_eq!(
        fix.statement,
        serde_json::json!({
            "Sid": "AllowIamPassRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": TASK_ROLE,
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        })
    );
}

#[test]
fn near_misses_are_ranked_by_failing_parts() {
    let set = identity(&format!(
        r#"{PASS_ROLE_NEAR_MISS}, {{
            "Sid": "PassTaskRoles", "Effect": "Allow", "Action": "iam:Pass*",
            "Resource": "arn:aws:iam::123456789012:role/my-*",
            "Condition": {{"StringEquals": {{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}}
        }}, {{
            "Sid": "Other", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"
        }}"#
    ))
    .build();
    let req = request(
        "iam:PassRole",
        TASK_ROLE,
        &[("iam:PassedToService", "ec2.amazonaws.com")],
    );
    let ex = explain(&set, &req);
    let ranked: Vec<(Option<&str>, usize)> = ex.gaps[0]
        .near_misses
        .iter()
        .map(|m| (m.statement.sid.as_deref(), m.failures.len()))
        .collect();
    // The statement on another action is no near miss.
    assert_eq!(
        ranked,
        [(Some("PassTaskRoles"), 1), (Some("PassInstanceRole"), 2)]
    );
}

#[test]
fn not_resource_that_excludes_the_resource() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "NotResource": ["arn:aws:s3:::secret/*", "arn:aws:s3:::other/*"]}"#,
    )
    .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::secret/k", &[]));
    assert_eq!(
        only_failures(&ex),
        ["NotResource arn:aws:s3:::secret/* excludes arn:aws:s3:::secret/k"]
    );
}

/// One failing condition clause, as text.
fn condition_failure(operator: &str, key: &str, wanted: &str, ctx: &[(&str, &str)]) -> String {
    let set = identity(&format!(
        r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {{"{operator}": {{"{key}": {wanted}}}}}}}"#
    ))
    .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", ctx));
    let f = only_failures(&ex);
    assert_eq!(f.len(), 1, "{f:?}");
    f[0].clone()
}

/// Operator, key, policy values (JSON), request context, the expected line.
type ConditionCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn each_condition_operator_family_reports_wanted_and_got() {
    let cases: [ConditionCase; 10] = [
        (
            "StringLike",
            "s3:prefix",
            r#""home/*""#,
            &[("s3:prefix", "tmp/x")],
            "s3:prefix wanted home/*, got tmp/x (StringLike)",
        ),
        (
            "StringNotEquals",
            "aws:RequestedRegion",
            r#"["us-east-1", "eu-west-1"]"#,
            &[("aws:RequestedRegion", "us-east-1")],
            "aws:RequestedRegion wanted not us-east-1 nor eu-west-1, got us-east-1 (StringNotEquals)",
        ),
        (
            "NumericLessThan",
            "s3:max-keys",
            r#""10""#,
            &[("s3:max-keys", "50")],
            "s3:max-keys wanted < 10, got 50 (NumericLessThan)",
        ),
        (
            "DateGreaterThan",
            "aws:CurrentTime",
            r#""2030-01-01T00:00:00Z""#,
            &[("aws:CurrentTime", "2026-12-05T00:00:00Z")],
            "aws:CurrentTime wanted > 2030-01-01T00:00:00Z, got 2026-12-05T00:00:00Z (DateGreaterThan)",
        ),
        (
            "Bool",
            "aws:SecureTransport",
            r#""true""#,
            &[("aws:SecureTransport", "false")],
            "aws:SecureTransport wanted true, got false (Bool)",
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            r#""10.0.0.0/8""#,
            &[("aws:SourceIp", "192.168.1.1")],
            "aws:SourceIp wanted 10.0.0.0/8, got 192.168.1.1 (IpAddress)",
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:ecs:*:123456789012:cluster/prod""#,
            &[(
                "aws:SourceArn",
                "arn:aws:ecs:us-east-1:123456789012:cluster/dev",
            )],
            "aws:SourceArn wanted arn:aws:ecs:*:123456789012:cluster/prod, \
             got arn:aws:ecs:us-east-1:123456789012:cluster/dev (ArnLike)",
        ),
        (
            "Null",
            "aws:TokenIssueTime",
            r#""false""#,
            &[],
            "aws:TokenIssueTime wanted present, missing from the request (Null)",
        ),
        // A missing key fails a positive operator.
        (
            "StringEquals",
            "aws:ResourceTag/team",
            r#""blue""#,
            &[],
            "aws:ResourceTag/team wanted blue, missing from the request (StringEquals)",
        ),
        // IfExists holds when the key is absent, and fails when it is there and differs.
        (
            "StringEqualsIfExists",
            "ec2:InstanceType",
            r#""t3.micro""#,
            &[("ec2:InstanceType", "m5.large")],
            "ec2:InstanceType wanted t3.micro, got m5.large (StringEqualsIfExists)",
        ),
    ];
    for (operator, key, wanted, ctx, line) in cases {
        assert_eq!(condition_failure(operator, key, wanted, ctx), line);
    }
}

#[test]
fn if_exists_on_an_absent_key_is_no_failure() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*",
            "Condition": {"StringEqualsIfExists": {"s3:ExistingObjectTag/x": "y"}}}"#,
    )
    .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    // Only the resource fails: the IfExists clause holds without the key.
    assert_eq!(
        only_failures(&ex),
        ["resource arn:aws:s3:::a/* does not match arn:aws:s3:::b/k"]
    );
}

#[test]
fn a_multivalued_key_under_a_single_value_operator_is_noted() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
            "Condition": {"StringEquals": {"aws:TagKeys": "team"}}}"#,
    )
    .build();
    let mut req = request("ec2:CreateTags", "*", &[]);
    req.context.insert(
        "aws:TagKeys",
        ContextValue::typed(ContextKeyType::StringList, vec!["team".into()]),
    );
    let ex = explain(&set, &req);
    let f = only_failures(&ex);
    assert!(
        f[0].contains("no ForAllValues:/ForAnyValue: prefix"),
        "{f:?}"
    );
    // An action without resource-level permissions: the fix keeps `*`.
    assert_eq!(ex.fixes[0].statement["Resource"], "*");
}

#[test]
fn a_policy_variable_without_a_value_is_noted() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}"}}}"#,
    )
    .build();
    let ex = explain(
        &set,
        &request("s3:GetObject", "arn:aws:s3:::b/k", &[("s3:prefix", "x")]),
    );
    let f = only_failures(&ex);
    assert!(
        f[0].ends_with("the policy variable ${aws:principaltag/team} has no value in the request"),
        "{f:?}"
    );
}

#[test]
fn the_boundary_cut_names_the_identity_allow() {
    let set = identity(r#"{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#)
        .boundary(policy(
            "boundary.json",
            PolicyType::Boundary,
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public/*"}"#,
        ))
        .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    assert_eq!(ex.decision.reason, Reason::BoundaryDoesNotAllow);
    assert_eq!(ex.gaps.len(), 1);
    assert_eq!(ex.gaps[0].layer, PolicyLayer::Boundary);
    assert_eq!(ex.fixes[0].layer, PolicyLayer::Boundary);
    let text = ex.to_string();
    assert!(
        text.starts_with(
            "allowed by statement 1 `All` at id.json:1:41 in the identity-based policies, \
             but the permissions boundary (boundary.json) has no Allow for it\n"
        ),
        "{text}"
    );
    assert!(text.contains("fix: add this statement to the permissions boundary (boundary.json):"));
}

#[test]
fn the_session_policy_cut() {
    let set = identity(r#"{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}"#)
        .session(policy(
            "session",
            PolicyType::Session,
            r#"{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}"#,
        ))
        .build();
    let req = request(
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:123456789012:q",
        &[],
    );
    let ex = explain(&set, &req);
    assert_eq!(ex.decision.reason, Reason::SessionPolicyDoesNotAllow);
    assert_eq!(ex.gaps[0].layer, PolicyLayer::Session);
    // The session policy has no statement naming the action: no near miss.
    assert!(ex.gaps[0].near_misses.is_empty());
}

#[test]
fn every_layer_without_allow_is_a_gap_the_decisive_first() {
    let set = PolicySet::builder()
        .boundary(policy(
            "b",
            PolicyType::Boundary,
            r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}"#,
        ))
        .scp_level(vec![policy(
            "root",
            PolicyType::Scp,
            r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
        )])
        .scp_level(vec![policy(
            "ou",
            PolicyType::Scp,
            r#"{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}"#,
        )])
        .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    assert_eq!(ex.decision.reason, Reason::ScpLevelDenies(1));
    let layers: Vec<PolicyLayer> = ex.gaps.iter().map(|g| g.layer).collect();
    assert_eq!(
        layers,
        [
            PolicyLayer::Scp(1),
            PolicyLayer::Identity,
            PolicyLayer::Boundary
        ]
    );
    assert!(ex.gaps[1].policies.is_empty());
    assert!(
        ex.to_string()
            .contains("no Allow in the identity-based policies (none given) covers it")
    );
}

#[test]
fn an_rcp_cut_is_fixed_by_full_access() {
    let set = identity(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#)
        .rcp_level(vec![policy(
            "rcp",
            PolicyType::Rcp,
            r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}"#,
        )])
        .build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    assert_eq!(ex.gaps[0].layer, PolicyLayer::Rcp(0));
    assert_eq!(ex.fixes[0].statement["Action"], "*");
}

#[test]
fn a_trust_policy_that_names_another_service() {
    let set = PolicySet::builder()
        .resource(policy(
            "trust",
            PolicyType::Trust,
            r#"{"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}"#,
        ))
        .build();
    let mut req = Request::new(
        Principal::parse("ecs-tasks.amazonaws.com"),
        "sts:AssumeRole",
        TASK_ROLE,
    );
    req.context
        .insert("aws:SourceAccount", ContextValue::string(ACCOUNT));
    let ex = explain(&set, &req.with_principal_keys());
    assert_eq!(ex.gaps[0].layer, PolicyLayer::Trust);
    assert_eq!(
        only_failures(&ex),
        ["Principal Service:ec2.amazonaws.com does not name ecs-tasks.amazonaws.com"]
    );
    assert_eq!(
        ex.fixes[0].statement,
        serde_json::json!({
            "Sid": "AllowStsAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
        })
    );
}

#[test]
fn not_principal_and_a_missing_principal_in_a_resource_policy() {
    let set = identity(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#)
        .resource(policy(
            "bucket",
            PolicyType::Resource,
            r#"{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:user/ci"},
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#,
        ))
        .build();
    let mut req = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    // The bucket is in another account: both sides must allow.
    req.resource_account = Some("999999999999".into());
    let ex = explain(&set, &req);
    assert_eq!(ex.decision.reason, Reason::ResourcePolicyDoesNotAllow);
    assert_eq!(
        only_failures(&ex),
        [
            "NotPrincipal AWS:arn:aws:iam::123456789012:user/ci lists arn:aws:iam::123456789012:user/ci"
        ]
    );
    assert_eq!(ex.fixes[0].layer, PolicyLayer::Resource);
    assert_eq!(ex.fixes[0].statement["Principal"]["AWS"], CALLER);
}

#[test]
fn an_explicit_deny_lists_the_deny_with_its_condition_values() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "*", "Resource": "*"},
           {"Sid": "Regions", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}"#,
    )
    .build();
    let ex = explain(
        &set,
        &request(
            "ec2:RunInstances",
            "*",
            &[("aws:RequestedRegion", "eu-west-1")],
        ),
    );
    assert_eq!(ex.denied_by.len(), 1);
    assert_eq!(ex.denied_by[0].statement.sid.as_deref(), Some("Regions"));
    assert_eq!(
        ex.denied_by[0].conditions[0].got.as_deref(),
        Some(&["eu-west-1".to_string()][..])
    );
    assert_eq!(
        ex.to_string(),
        "denied by statement 2 `Regions` at id.json:2:12 in the identity-based policies\n  \
         - aws:RequestedRegion is eu-west-1, which meets StringNotEquals us-east-1 (not us-east-1)\n"
    );
}

#[test]
fn an_allow_has_nothing_to_fix() {
    let set = identity(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#).build();
    let ex = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
    assert!(ex.is_allowed());
    assert_eq!(ex.allowed_by.len(), 1);
    assert!(ex.render(&|s: &str| s.to_string()).is_empty());
}

#[test]
fn minimal_grant_is_exact() {
    let req = request(
        "iam:CreateServiceLinkedRole",
        "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        &[("iam:AWSServiceName", "ecs.amazonaws.com")],
    );
    let g = minimal_grant(&req);
    assert_eq!(g["Resource"], req.resource.as_str());
    assert_eq!(
        g["Condition"]["StringEquals"]["iam:AWSServiceName"],
        "ecs.amazonaws.com"
    );
    assert!(
        minimal_grant(&request("s3:GetObject", "arn:aws:s3:::b/k", &[]))
            .get("Condition")
            .is_none()
    );
}

#[test]
fn the_fix_keeps_the_clauses_of_the_nearest_miss_that_held() {
    let set = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
    )
    .build();
    let ex = explain(
        &set,
        &request(
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &[("aws:SecureTransport", "true")],
        ),
    );
    assert_eq!(
        ex.fixes[0].statement["Condition"],
        serde_json::json!({"Bool": {"aws:SecureTransport": "true"}})
    );
}

#[test]
fn the_json_shape() {
    let set = identity(PASS_ROLE_NEAR_MISS).build();
    let req = request(
        "iam:PassRole",
        TASK_ROLE,
        &[("iam:PassedToService", "ec2.amazonaws.com")],
    );
    let json = serde_json::to_value(set.explain(&req)).unwrap_or_default();
    assert_eq!(json["decision"], "implicitDeny");
    assert_eq!(json["reason"], "no-identity-policy-allows");
    let gap = &json["gaps"][0];
    assert_eq!(gap["layer"], serde_json::json!({"kind": "identity"}));
    let miss = &gap["nearMisses"][0];
    assert_eq!(miss["statement"]["sid"], "PassInstanceRole");
    assert_eq!(
        miss["statement"]["start"],
        serde_json::json!({"Line": 1, "Column": 41})
    );
    assert_eq!(miss["failures"][0]["kind"], "resource");
    assert_eq!(miss["failures"][1]["kind"], "condition");
    assert_eq!(
        miss["failures"][1]["got"],
        serde_json::json!(["ec2.amazonaws.com"])
    );
    assert_eq!(json["fixes"][0]["layer"]["kind"], "identity");
    let scp = serde_json::to_value(PolicyLayer::Scp(1)).unwrap_or_default();
    assert_eq!(scp, serde_json::json!({"kind": "scp", "level": 1}));
}
