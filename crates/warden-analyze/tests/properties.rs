//! Property tests of check-no-new-access over random policy pairs: a FAIL's witness is allowed
//! by the new policy and not by the old one (as the evaluator decides it, here, independently);
//! after a PASS, no sampled request is allowed by the new policy and denied by the old one; and
//! policies built from the documented operators are always decided (never "not provable").

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;
use std::sync::Arc;
use warden_analyze::custom::{CheckNoNewAccessRequest, check_no_new_access};
use warden_core::context::{Context, ContextValue};
use warden_core::{
    CompiledPolicy, EvalDecision, Policy, PolicySet, PolicyType, Principal, Request,
};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:Put*",
    "s3:PutObject",
    "sqs:*",
    "sqs:Send*",
    "*",
    "s3:?etObject",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::c/*",
    "arn:aws:s3:::b/x*",
];
const CONDITIONS: &[&str] = &[
    r#"{"StringEquals":{"aws:PrincipalTag/team":"a"}}"#,
    r#"{"StringLike":{"aws:PrincipalTag/team":"a*"}}"#,
    r#"{"StringNotEquals":{"aws:PrincipalTag/team":"b"}}"#,
    r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"A"}}"#,
    r#"{"StringLikeIfExists":{"aws:PrincipalTag/team":"?"}}"#,
    r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
    r#"{"NumericGreaterThanEquals":{"s3:max-keys":"5"}}"#,
    r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
    r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
    r#"{"NotIpAddress":{"aws:SourceIp":"10.1.0.0/16"}}"#,
    r#"{"Null":{"aws:PrincipalTag/team":"false"}}"#,
    r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
];

fn statement() -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.8),
        prop::sample::subsequence(ACTIONS, 1..3),
        prop::bool::weighted(0.15),
        prop::sample::subsequence(RESOURCES, 1..3),
        prop::option::weighted(0.5, prop::sample::select(CONDITIONS)),
    )
        .prop_map(|(allow, actions, not_action, resources, cond)| {
            let effect = if allow { "Allow" } else { "Deny" };
            let action_key = if not_action { "NotAction" } else { "Action" };
            let list = |v: &[&str]| {
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let cond = cond
                .map(|c| format!(",\"Condition\":{c}"))
                .unwrap_or_default();
            format!(
                r#"{{"Effect":"{effect}","{action_key}":[{}],"Resource":[{}]{cond}}}"#,
                list(&actions),
                list(&resources)
            )
        })
}

fn policy() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..4).prop_map(|s| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            s.join(",")
        )
    })
}

fn decision(doc: &str, action: &str, resource: &str, context: &[(String, String)]) -> EvalDecision {
    let policy = Arc::new(Policy::parse(doc).unwrap());
    let set = PolicySet::builder()
        .identity(CompiledPolicy::new(
            policy,
            PolicyType::Identity,
            "p",
            "none",
        ))
        .build();
    let mut ctx = Context::new();
    for (k, v) in context {
        ctx.insert(k.clone(), ContextValue::string(v.clone()));
    }
    let req = Request {
        principal: Principal::parse("arn:aws:iam::123456789012:user/tester"),
        action: action.to_string(),
        resource: resource.to_string(),
        context: ctx,
        resource_account: Some("123456789012".into()),
    };
    set.authorize(&req).decision
}

/// A random request over the values the policies mention, and others.
fn request() -> impl Strategy<Value = (String, String, Vec<(String, String)>)> {
    let actions = prop::sample::select(vec![
        "s3:GetObject",
        "s3:PutObject",
        "s3:GetBucketPolicy",
        "s3:DeleteObject",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "ec2:RunInstances",
        "s3:SetObject",
        "sqs:FutureAction",
    ]);
    let resources = prop::sample::select(vec![
        "*",
        "arn:aws:s3:::b/x",
        "arn:aws:s3:::b/xy",
        "arn:aws:s3:::b/y",
        "arn:aws:s3:::c/x",
        "arn:aws:s3:::d",
    ]);
    let team = prop::option::of(prop::sample::select(vec!["a", "A", "ab", "b", "x", ""]));
    let keys = prop::option::of(prop::sample::select(vec!["4", "5", "9", "10", "9.5", "11"]));
    let secure = prop::option::of(prop::sample::select(vec!["true", "false"]));
    let ip = prop::option::of(prop::sample::select(vec![
        "10.1.2.3",
        "10.2.0.1",
        "192.0.2.1",
    ]));
    let time = prop::option::of(prop::sample::select(vec![
        "2029-12-31T23:59:59Z",
        "2030-01-01T00:00:00Z",
        "2031-01-01T00:00:00Z",
    ]));
    (actions, resources, team, keys, secure, ip, time).prop_map(
        |(a, r, team, keys, secure, ip, time)| {
            let mut ctx = Vec::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v {
                    ctx.push((k.to_string(), v.to_string()));
                }
            };
            put("aws:PrincipalTag/team", team);
            put("s3:max-keys", keys);
            put("aws:SecureTransport", secure);
            put("aws:SourceIp", ip);
            put("aws:CurrentTime", time);
            (a.to_string(), r.to_string(), ctx)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn witnesses_hold_and_passes_are_never_separated(
        old in policy(),
        new in policy(),
        samples in prop::collection::vec(request(), 64),
    ) {
        let r = check_no_new_access(&CheckNoNewAccessRequest {
            existing_policy_document: old.clone(),
            new_policy_document: new.clone(),
            policy_type: "IDENTITY_POLICY".into(),
        })
        .unwrap();
        prop_assert!(!r.not_provable, "not provable: {r:#?}\nold {old}\nnew {new}");
        if r.passed() {
            for (a, res, ctx) in &samples {
                let separated = decision(&new, a, res, ctx) == EvalDecision::Allowed
                    && decision(&old, a, res, ctx) != EvalDecision::Allowed;
                prop_assert!(!separated, "PASS but {a} on {res} with {ctx:?} separates\nold {old}\nnew {new}");
            }
        } else {
            let ws: Vec<_> = r.reasons.iter().flat_map(|x| x.witnesses.clone()).collect();
            prop_assert!(!ws.is_empty());
            for w in ws {
                let ctx: Vec<(String, String)> = w.context.iter().map(|(k, v)| (k.clone(), v[0].clone())).collect();
                prop_assert_eq!(decision(&new, &w.action, &w.resource, &ctx), EvalDecision::Allowed, "{:?}", w);
                prop_assert!(decision(&old, &w.action, &w.resource, &ctx) != EvalDecision::Allowed, "{:?}", w);
            }
        }
    }
}
