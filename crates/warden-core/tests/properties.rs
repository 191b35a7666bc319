//! Property tests of the evaluator and the policy reader:
//! - evaluation is total: any policies (weird ones included) and any request give a decision,
//!   never a panic, and the fast path agrees with the explained one;
//! - an explicit `Deny` of everything in the identity policies denies every request of an IAM
//!   principal, except `sts:GetCallerIdentity` (`API_GetCallerIdentity.html`);
//! - a policy prints back to the text it was read from, and reading that text again gives an
//!   equal policy;
//! - actions match case-insensitively (`reference_policies_elements_action.html`): flipping the
//!   case of an action, in the request or in the policies, never changes the decision.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use warden_core::context::{Context, ContextKeyType, ContextValue};
use warden_core::policy::Effect;
use warden_core::policy::validate::validate;
use warden_core::{
    CompiledPolicy, EvalDecision, Policy, PolicySet, PolicyType, Principal, Reason, Request,
};

// ---------------------------------------------------------------------------------------------
// Generators

const SERVICES: &[&str] = &["s3", "ec2", "iam", "sts", "ecs", "kms", "sqs", "ssm"];
const NAMES: &[&str] = &[
    "GetObject",
    "PutObject",
    "RunInstances",
    "DescribeInstances",
    "PassRole",
    "AssumeRole",
    "GetCallerIdentity",
    "CreateTags",
    "Decrypt",
    "GetParameter",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(list).prop_map(str::to_string)
}

/// Puts a wildcard into `s` at character `at` (modulo the length): mode 0 replaces that
/// character by `*`, 1 by `?`, 2 inserts `*` before it, 4 appends `*`; other modes keep `s`.
fn mutate(s: &str, mode: u8, at: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return s.to_string();
    }
    let at = at % chars.len();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i == at {
            match mode {
                0 => out.push('*'),
                1 => out.push('?'),
                2 => {
                    out.push('*');
                    out.push(*c);
                }
                _ => out.push(*c),
            }
        } else {
            out.push(*c);
        }
    }
    if mode == 4 {
        out.push('*');
    }
    out
}

/// An action name, sometimes with a wildcard somewhere.
fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_string()),
        6 => (pick(SERVICES), pick(NAMES), 0u8..6, any::<usize>())
            .prop_map(|(s, n, mode, at)| mutate(&format!("{s}:{n}"), mode, at)),
        1 => "[a-zA-Z0-9:*?-]{0,12}",
        1 => "\\PC{0,10}",
    ]
}

/// An action a request may carry, sometimes weird.
fn request_action() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (pick(SERVICES), pick(NAMES)).prop_map(|(s, n)| format!("{s}:{n}")),
        1 => "[a-zA-Z0-9:*?-]{0,12}",
        1 => "\\PC{0,10}",
    ]
}

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/home/${aws:username}/*",
    "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*",
    "arn:aws:s3:::b/${*}x${?}${$}",
    "arn:aws:s3:::b/${aws:TagKeys}",
    "arn:aws:s3:::b/${unclosed",
    "arn:aws:s3:::b/${}",
    "arn:aws:iam::*:role/ecsInstanceRole*",
    "arn:aws:ec2:*:123456789012:instance/*",
    "arn:aws:ssm:*:*:parameter/aws/service/ecs*",
    "arn:aws:s3:::b/???",
    "arn:*",
    "",
];

fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => pick(RESOURCE_PATTERNS),
        1 => "[a-z:/*?${}]{0,16}",
        1 => "\\PC{0,12}",
    ]
}

const REQUEST_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/home/alice/k",
    "arn:aws:s3:::b/shared/k",
    "arn:aws:iam::123456789012:role/ecsInstanceRole",
    "arn:aws:iam::444455556666:role/target",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    "arn:aws:ssm:us-east-1::parameter/aws/service/ecs/x",
    "arn:aws:sqs:us-east-1:444455556666:q",
];

fn request_resource() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => pick(REQUEST_RESOURCES),
        1 => "\\PC{0,16}",
    ]
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateGreaterThan",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Names IAM does not take as condition operators: made up, in the wrong case, empty.
const UNKNOWN_OPERATORS: &[&str] = &["FakeConditionOperator", "stringequals", ""];

/// Operators IAM knows. An unknown operator with keys makes the policy malformed (IAM rejects it,
/// and so does `Policy::parse`), so such policies would only be left out of the sets below;
/// `unknown_operators_with_keys_are_malformed` pins their rejection instead.
fn operator() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(&["", "", "ForAllValues:", "ForAnyValue:"][..]);
    let suffix = prop::sample::select(&["", "", "IfExists"][..]);
    (prefix, pick(OPERATORS), suffix).prop_map(|(p, o, s)| format!("{p}{o}{s}"))
}

/// Operators IAM does not know: made-up names, a made-up set prefix, or other text (within the
/// characters the API takes, so that the grammar is the first check to fail).
fn unknown_operator() -> impl Strategy<Value = String> {
    prop_oneof![
        pick(UNKNOWN_OPERATORS),
        (pick(OPERATORS), any::<bool>())
            .prop_map(|(o, s)| { format!("Weird:{o}{}", if s { "IfExists" } else { "" }) }),
        "[A-Za-z:]{0,12}",
    ]
}

const KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:username",
    "aws:TagKeys",
    "aws:CurrentTime",
    "s3:max-keys",
    "aws:SecureTransport",
    "iam:PassedToService",
    "aws:SourceArn",
    "aws:PrincipalArn",
    "aws:PrincipalTag/team",
    "test:Blob",
    "AWS:SOURCEIP",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => pick(KEYS),
        1 => "\\PC{0,10}",
    ]
}

const VALUES: &[&str] = &[
    "10",
    "1.5",
    "-3",
    "abc",
    "203.0.113.0/24",
    "203.0.113.7",
    "2001:db8::/32",
    "999.1.1.1/40",
    "2020-01-01T00:00:00Z",
    "2020-01-01",
    "1577836800",
    "true",
    "false",
    "arn:aws:ecs:*:123456789012:*",
    "arn:aws:iam::*",
    "${aws:username}",
    "home/${aws:username}/*",
    "${aws:PrincipalTag/team, 'x'}",
    "QmluYXJ5VmFsdWU=",
    "not base64!",
    "ecs-tasks.amazonaws.com",
    "*",
    "",
];

fn condition_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => pick(VALUES).prop_map(Value::String),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(|b| json!(b)),
        1 => "\\PC{0,12}".prop_map(Value::String),
    ]
}

fn one_or_many(values: Vec<Value>) -> Value {
    match values.as_slice() {
        [one] => one.clone(),
        _ => Value::Array(values),
    }
}

fn condition_block() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            operator(),
            prop::collection::vec(
                (key(), prop::collection::vec(condition_value(), 1..3)),
                1..3,
            ),
        ),
        0..3,
    )
    .prop_map(|ops| {
        let mut block = Map::new();
        for (op, keys) in ops {
            let mut entries = Map::new();
            for (k, vs) in keys {
                entries.insert(k, one_or_many(vs));
            }
            block.insert(op, Value::Object(entries));
        }
        Value::Object(block)
    })
}

const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:iam::123456789012:role/app*",
    "arn:aws:sts::123456789012:assumed-role/app/s1",
    "arn:aws:iam::111122223333:root",
    "123456789012",
    "*",
];

fn principal_block() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(json!("*")),
        3 => prop::collection::vec(pick(PRINCIPALS), 1..3).prop_map(|v| json!({"AWS": v})),
        1 => pick(&["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"][..])
            .prop_map(|s| json!({"Service": s})),
        1 => Just(json!({"Federated": "arn:aws:iam::123456789012:oidc-provider/idp"})),
    ]
}

/// `Action`/`NotAction` (or `Resource`/`NotResource`) as a string or a list.
fn values_element(patterns: Vec<String>, as_list: bool) -> Value {
    if !as_list && patterns.len() == 1 {
        json!(patterns[0])
    } else {
        json!(patterns)
    }
}

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        (
            any::<bool>(),
            prop::collection::vec(action_pattern(), 1..3),
            any::<bool>(),
        ),
        prop::option::weighted(
            0.9,
            (
                any::<bool>(),
                prop::collection::vec(resource_pattern(), 1..3),
            ),
        ),
        prop::option::weighted(0.3, (any::<bool>(), principal_block())),
        prop::option::weighted(0.5, condition_block()),
        prop::option::of("[a-zA-Z0-9]{0,6}"),
    )
        .prop_map(
            |(allow, (not_action, actions, list), resource, principal, condition, sid)| {
                let mut s = Map::new();
                if let Some(sid) = sid {
                    s.insert("Sid".into(), json!(sid));
                }
                s.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                let key = if not_action { "NotAction" } else { "Action" };
                s.insert(key.into(), values_element(actions, list));
                if let Some((not, resources)) = resource {
                    let key = if not { "NotResource" } else { "Resource" };
                    s.insert(key.into(), values_element(resources, list));
                }
                if let Some((not, block)) = principal {
                    let key = if not { "NotPrincipal" } else { "Principal" };
                    s.insert(key.into(), block);
                }
                if let Some(c) = condition {
                    s.insert("Condition".into(), c);
                }
                Value::Object(s)
            },
        )
}

fn policy() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&[Some("2012-10-17"), Some("2008-10-17"), None][..]),
        // At least one statement: IAM rejects `"Statement": []`, and so does `Policy::parse`.
        prop::collection::vec(statement(), 1..5),
        any::<bool>(),
    )
        .prop_map(|(version, statements, single)| {
            let mut p = Map::new();
            if let Some(v) = version {
                p.insert("Version".into(), json!(v));
            }
            let statement = match statements.as_slice() {
                [one] if single => one.clone(),
                _ => Value::Array(statements),
            };
            p.insert("Statement".into(), statement);
            Value::Object(p)
        })
}

/// Everything a policy set may hold, as JSON documents.
#[derive(Debug, Clone)]
struct Layers {
    identity: Vec<Value>,
    boundary: Option<Vec<Value>>,
    session: Option<Vec<Value>>,
    resource: Option<(Value, bool)>,
    scps: Vec<Vec<Value>>,
    rcps: Vec<Vec<Value>>,
}

/// A generated policy, or now and then `Allow *` (so that guard layers sometimes let requests
/// through and the deeper steps of the decision are reached).
fn guard_policy() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]
        })),
        3 => policy(),
    ]
}

fn levels() -> impl Strategy<Value = Vec<Vec<Value>>> {
    prop_oneof![
        3 => Just(vec![]),
        2 => prop::collection::vec(prop::collection::vec(guard_policy(), 0..3), 1..3),
    ]
}

fn layers() -> impl Strategy<Value = Layers> {
    (
        prop::collection::vec(guard_policy(), 0..4),
        prop::option::weighted(0.3, prop::collection::vec(guard_policy(), 0..2)),
        prop::option::weighted(0.3, prop::collection::vec(guard_policy(), 0..2)),
        prop::option::weighted(0.5, (guard_policy(), any::<bool>())),
        levels(),
        levels(),
    )
        .prop_map(
            |(identity, boundary, session, resource, scps, rcps)| Layers {
                identity,
                boundary,
                session,
                resource,
                scps,
                rcps,
            },
        )
}

const REQUEST_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/division/bob",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:sts::123456789012:assumed-role/app/s1",
    "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForECS/ecs",
    "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
    "arn:aws:sts::123456789012:federated-user/carol",
    "arn:aws:iam::111122223333:user/mallory",
    "arn:aws:iam::123456789012:root",
    "123456789012",
    "ecs-tasks.amazonaws.com",
    "ec2.amazonaws.com.cn",
    "anonymous",
    "arn:aws:iam::123456789012:oidc-provider/idp",
];

/// IAM principals: the ones identity policies apply to.
const IAM_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/division/bob",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:sts::123456789012:assumed-role/app/s1",
    "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForECS/ecs",
    "arn:aws:sts::123456789012:federated-user/carol",
    "arn:aws:iam::111122223333:user/mallory",
    "arn:aws:iam::123456789012:root",
];

#[derive(Debug, Clone)]
struct RequestSpec {
    principal: String,
    action: String,
    resource: String,
    context: Vec<(String, ContextValue)>,
    resource_account: Option<String>,
    principal_keys: bool,
}

fn context_entry() -> impl Strategy<Value = (String, ContextValue)> {
    let text = prop_oneof![4 => pick(VALUES), 1 => "\\PC{0,10}"];
    let texts = prop::collection::vec(text.clone(), 0..3);
    let kinds = prop::sample::select(
        &[
            ContextKeyType::String,
            ContextKeyType::StringList,
            ContextKeyType::Numeric,
            ContextKeyType::Boolean,
            ContextKeyType::Ip,
            ContextKeyType::Binary,
            ContextKeyType::Date,
            ContextKeyType::DateList,
        ][..],
    );
    (
        key(),
        prop_oneof![
            3 => text.prop_map(ContextValue::string),
            2 => texts.clone().prop_map(ContextValue::strings),
            1 => (kinds, texts).prop_map(|(k, v)| ContextValue::typed(k, v)),
        ],
    )
}

fn request_from(principals: &'static [&'static str]) -> impl Strategy<Value = RequestSpec> {
    (
        prop_oneof![9 => pick(principals), 1 => "\\PC{0,16}"],
        request_action(),
        request_resource(),
        prop::collection::vec(context_entry(), 0..4),
        prop::option::weighted(0.2, pick(&["123456789012", "444455556666", ""][..])),
        any::<bool>(),
    )
        .prop_map(
            |(principal, action, resource, context, resource_account, principal_keys)| {
                RequestSpec {
                    principal,
                    action,
                    resource,
                    context,
                    resource_account,
                    principal_keys,
                }
            },
        )
}

fn request() -> impl Strategy<Value = RequestSpec> {
    request_from(REQUEST_PRINCIPALS)
}

// ---------------------------------------------------------------------------------------------
// Building

fn compile(v: &Value, kind: PolicyType, id: &str) -> Option<CompiledPolicy> {
    let policy = Policy::parse(&v.to_string()).ok()?;
    Some(CompiledPolicy::new(Arc::new(policy), kind, id, "none"))
}

/// The policy set; policies the reader rejects are left out (their absence is a fine input too).
fn build(l: &Layers) -> PolicySet {
    let mut b = PolicySet::builder();
    for (i, p) in l.identity.iter().enumerate() {
        if let Some(c) = compile(p, PolicyType::Identity, &format!("PolicyInputList.{i}")) {
            b = b.identity(c);
        }
    }
    for p in l.boundary.iter().flatten() {
        if let Some(c) = compile(p, PolicyType::Boundary, "Boundary") {
            b = b.boundary(c);
        }
    }
    for p in l.session.iter().flatten() {
        if let Some(c) = compile(p, PolicyType::Session, "Session") {
            b = b.session(c);
        }
    }
    if let Some((p, trust)) = &l.resource {
        let kind = if *trust {
            PolicyType::Trust
        } else {
            PolicyType::Resource
        };
        if let Some(c) = compile(p, kind, "ResourcePolicy") {
            b = b.resource(c);
        }
    }
    for level in &l.scps {
        b = b.scp_level(
            level
                .iter()
                .filter_map(|p| compile(p, PolicyType::Scp, "SCP"))
                .collect(),
        );
    }
    for level in &l.rcps {
        b = b.rcp_level(
            level
                .iter()
                .filter_map(|p| compile(p, PolicyType::Rcp, "RCP"))
                .collect(),
        );
    }
    b.build()
}

fn build_request(r: &RequestSpec) -> Request {
    let mut context = Context::new();
    for (k, v) in &r.context {
        context.insert(k.clone(), v.clone());
    }
    let mut req = Request::new(
        Principal::parse(&r.principal),
        r.action.clone(),
        r.resource.clone(),
    );
    req.context = context;
    req.resource_account = r.resource_account.clone();
    if r.principal_keys {
        req.with_principal_keys()
    } else {
        req
    }
}

/// Flips the case of the ASCII letters selected by `mask` (bit `i % 64` for the `i`-th char).
fn flip_case(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 0 {
                c
            } else if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The same policy with the case of every `Action`/`NotAction` pattern flipped.
fn flip_policy_actions(p: &Value, mask: u64) -> Value {
    let flip_element = |v: &Value| match v {
        Value::String(s) => Value::String(flip_case(s, mask)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Value::String(flip_case(s, mask)),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    let flip_statement = |s: &Value| match s {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if k == "Action" || k == "NotAction" {
                        flip_element(v)
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    };
    match p {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("Statement", Value::Array(items)) => {
                            Value::Array(items.iter().map(flip_statement).collect())
                        }
                        ("Statement", one) => flip_statement(one),
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn flip_layers(l: &Layers, mask: u64) -> Layers {
    let f = |ps: &Vec<Value>| ps.iter().map(|p| flip_policy_actions(p, mask)).collect();
    Layers {
        identity: f(&l.identity),
        boundary: l.boundary.as_ref().map(f),
        session: l.session.as_ref().map(f),
        resource: l
            .resource
            .as_ref()
            .map(|(p, t)| (flip_policy_actions(p, mask), *t)),
        scps: l.scps.iter().map(f).collect(),
        rcps: l.rcps.iter().map(f).collect(),
    }
}

fn deny_all() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
    })
}

/// Layers with identity policies only.
fn identity_only(identity: Vec<Value>) -> Layers {
    Layers {
        identity,
        boundary: None,
        session: None,
        resource: None,
        scps: vec![],
        rcps: vec![],
    }
}

/// Renders a policy value as text in one of several layouts.
fn render(p: &Value, layout: u8) -> String {
    match layout % 3 {
        0 => p.to_string(),
        1 => serde_json::to_string_pretty(p).unwrap_or_else(|_| p.to_string()),
        _ => format!("\n\t {}\r\n ", p).replace(",\"", ", \""),
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// (a) Any policies and any request give a decision, the fast path agrees with the
    /// explained one, and the explanation lists what the decision says it does.
    #[test]
    fn evaluation_is_total_and_both_paths_agree(l in layers(), r in request()) {
        let set = build(&l);
        let req = build_request(&r);
        let fast = set.decide(&req);
        let d = set.authorize(&req);
        prop_assert_eq!(fast, d.decision);
        match d.decision {
            EvalDecision::ImplicitDeny => prop_assert!(d.matched.is_empty(), "{:?}", d),
            EvalDecision::ExplicitDeny => {
                prop_assert!(!d.matched.is_empty(), "{:?}", d);
                prop_assert!(d.matched.iter().all(|m| m.effect == Effect::Deny));
            }
            EvalDecision::Allowed => {
                prop_assert!(d.matched.iter().all(|m| m.effect == Effect::Allow));
                let explained = d.reason == Reason::AlwaysAllowed || !d.matched.is_empty();
                prop_assert!(explained, "{:?}", d);
            }
        }
    }

    /// (b) `Deny * on *` in the identity policies denies every request of an IAM principal,
    /// whatever else any layer says; only `sts:GetCallerIdentity` stays allowed.
    #[test]
    fn deny_everything_denies_everything(
        mut l in layers(),
        mut r in request_from(IAM_PRINCIPALS),
    ) {
        // Identity policies bind IAM principals only; a weird name stands for a user here.
        if !Principal::parse(&r.principal).is_iam() {
            r.principal = "arn:aws:iam::123456789012:user/alice".into();
        }
        let at = l.identity.len() / 2;
        l.identity.insert(at, deny_all());
        let set = build(&l);
        let req = build_request(&r);
        let want = if r.action.to_lowercase() == "sts:getcalleridentity" {
            EvalDecision::Allowed
        } else {
            EvalDecision::ExplicitDeny
        };
        prop_assert_eq!(set.decide(&req), want);
        prop_assert_eq!(set.authorize(&req).decision, want);
    }

    /// (c) A policy keeps its text, and reading its printed text gives an equal policy.
    #[test]
    fn policies_print_back_to_their_text(p in policy(), layout in any::<u8>()) {
        let text = render(&p, layout);
        let parsed = Policy::parse(&text);
        prop_assert!(parsed.is_ok(), "{:?} for {}", parsed.err(), text);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.text(), text.as_str());
        prop_assert_eq!(parsed.to_string(), text.clone());
        let again = Policy::parse(&parsed.to_string());
        prop_assert_eq!(again.as_ref().ok(), Some(&parsed));
    }

    /// (c'') A condition operator IAM does not know, with keys, makes the policy malformed for
    /// `Policy::parse` as for `validate`, with the validator's message and position.
    #[test]
    fn unknown_operators_with_keys_are_malformed(op in unknown_operator()) {
        prop_assume!(!OPERATORS.iter().any(|known| {
            let rest = op
                .strip_prefix("ForAnyValue:")
                .or_else(|| op.strip_prefix("ForAllValues:"))
                .unwrap_or(&op);
            rest.strip_suffix("IfExists").unwrap_or(rest) == *known
        }));
        let p = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {op.clone(): {"aws:username": "alice"}}}]});
        let text = p.to_string();
        let e = Policy::parse(&text);
        prop_assert!(e.is_err(), "{} parses", text);
        let e = e.err().unwrap();
        let report = validate(&text, PolicyType::Identity);
        prop_assert_eq!(Some(e.diagnostic()), report.first_error());
    }

    /// (c') Any text at all: reading it either fails or keeps the text.
    #[test]
    fn any_text_is_read_or_rejected_without_panicking(text in "\\PC{0,64}") {
        if let Ok(p) = Policy::parse(&text) {
            prop_assert_eq!(p.text(), text.as_str());
            prop_assert_eq!(Policy::parse(p.text()).ok(), Some(p));
        }
    }

    /// (d) Flipping the case of the request's action never changes the decision.
    #[test]
    fn request_action_case_does_not_matter(
        l in layers(),
        r in request(),
        mask in any::<u64>(),
    ) {
        let set = build(&l);
        let before = set.decide(&build_request(&r));
        let flipped = RequestSpec { action: flip_case(&r.action, mask), ..r.clone() };
        prop_assert_eq!(set.decide(&build_request(&flipped)), before);
    }

    /// (d') Flipping the case of the policies' action patterns never changes the decision.
    #[test]
    fn policy_action_case_does_not_matter(
        l in layers(),
        r in request(),
        mask in any::<u64>(),
    ) {
        let req = build_request(&r);
        let before = build(&l).decide(&req);
        prop_assert_eq!(build(&flip_layers(&l, mask)).decide(&req), before);
    }

    /// An action pattern without wildcards matches the very same action, whatever its
    /// characters: IAM accepts any action name after the vendor (`policy/validate/actions.rs`)
    /// and policy text may hold any character from U+0020 to U+00FF
    /// (`reference_iam-quotas.html`).
    #[test]
    fn an_exact_action_matches_itself(
        service in pick(SERVICES),
        name in "[ -)+-9;->@-~¡-ÿ]{1,12}",
    ) {
        let action = format!("{service}:{name}");
        let p = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]
        });
        let set = build(&identity_only(vec![p]));
        let user = Principal::parse("arn:aws:iam::123456789012:user/alice");
        let req = Request::new(user, action.clone(), "*");
        prop_assert_eq!(set.decide(&req), EvalDecision::Allowed, "{}", action);
    }
}

/// Large layers: the action index finds every statement, beyond the 128 statements its small
/// visited-set covers.
#[test]
fn every_statement_of_a_large_policy_is_found() {
    let statements: Vec<Value> = (0..300)
        .map(|i| {
            let action = match i % 3 {
                0 => format!("svc:Action{i}"),
                1 => format!("svc{i}:*"),
                _ => format!("*:Action{i}"),
            };
            json!({"Effect": "Allow", "Action": action, "Resource": "*"})
        })
        .collect();
    let deny: Vec<Value> = vec![json!({"Effect": "Deny", "NotAction": "svc:*", "Resource": "*"})];
    let allow = json!({"Version": "2012-10-17", "Statement": statements});
    let set = build(&identity_only(vec![allow.clone()]));
    let with_deny = build(&identity_only(vec![
        allow,
        json!({"Version": "2012-10-17", "Statement": deny}),
    ]));
    let user = Principal::parse("arn:aws:iam::123456789012:user/alice");
    for i in 0..300 {
        let action = match i % 3 {
            0 => format!("svc:Action{i}"),
            1 => format!("svc{i}:Anything"),
            _ => format!("other:Action{i}"),
        };
        let req = Request::new(user.clone(), action.clone(), "*");
        assert_eq!(set.decide(&req), EvalDecision::Allowed, "{action}");
        let d = set.authorize(&req);
        assert_eq!(d.matched.len(), 1, "{action}");
        assert_eq!(d.matched[0].statement_index, i, "{action}");
        let want = if action.starts_with("svc:") {
            EvalDecision::Allowed
        } else {
            EvalDecision::ExplicitDeny
        };
        assert_eq!(with_deny.decide(&req), want, "{action}");
    }
    let req = Request::new(user, "svc:Action1", "*");
    assert_eq!(set.decide(&req), EvalDecision::ImplicitDeny);
}
