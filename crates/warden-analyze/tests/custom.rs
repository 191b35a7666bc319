//! The custom policy checks on pairs with known answers. Every witness is re-decided here by
//! the evaluator, independently of the check.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use warden_analyze::custom::{
    Access, CheckAccessNotGrantedRequest, CheckNoNewAccessRequest, CheckNoPublicAccessRequest,
    CheckResponse, Witness, check_access_not_granted, check_no_new_access, check_no_public_access,
};
use warden_core::context::{Context, ContextValue};
use warden_core::{
    CompiledPolicy, EvalDecision, Policy, PolicySet, PolicyType, Principal, Request,
};

fn managed(name: &str, version: &str) -> String {
    let p = warden_catalog::managed().by_name(name).unwrap();
    p.version(version).unwrap().document.clone()
}

fn identity_decision(doc: &str, w: &Witness) -> EvalDecision {
    let policy = Arc::new(Policy::parse(doc).unwrap());
    let set = PolicySet::builder()
        .identity(CompiledPolicy::new(
            policy,
            PolicyType::Identity,
            "p",
            "none",
        ))
        .build();
    let mut context = Context::new();
    for (k, v) in &w.context {
        if v.len() == 1 {
            context.insert(k.clone(), ContextValue::string(v[0].clone()));
        } else {
            context.insert(k.clone(), ContextValue::strings(v.clone()));
        }
    }
    let req = Request {
        principal: Principal::parse("arn:aws:iam::123456789012:user/tester"),
        action: w.action.clone(),
        resource: w.resource.clone(),
        context,
        resource_account: Some("123456789012".into()),
    };
    set.authorize(&req).decision
}

fn no_new(old: &str, new: &str) -> CheckResponse {
    check_no_new_access(&CheckNoNewAccessRequest {
        existing_policy_document: old.to_string(),
        new_policy_document: new.to_string(),
        policy_type: "IDENTITY_POLICY".into(),
    })
    .unwrap()
}

/// FAIL with witnesses that the evaluator confirms: allowed by new, not by old.
fn assert_new_access(old: &str, new: &str) -> Vec<Witness> {
    let r = no_new(old, new);
    assert_eq!(r.result, "FAIL", "{r:#?}");
    assert!(!r.not_provable, "{r:#?}");
    let ws: Vec<Witness> = r.reasons.iter().flat_map(|x| x.witnesses.clone()).collect();
    assert!(!ws.is_empty());
    for w in &ws {
        assert_eq!(identity_decision(new, w), EvalDecision::Allowed, "{w:#?}");
        assert_ne!(identity_decision(old, w), EvalDecision::Allowed, "{w:#?}");
    }
    ws
}

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

#[test]
fn deprecated_ecs_policy_grants_passrole_of_any_role_to_any_service_beyond_ecs_full_access() {
    let old = managed("AmazonECS_FullAccess", "v22");
    let new = managed("AmazonEC2ContainerServiceFullAccess", "v1");
    let ws = assert_new_access(&old, &new);
    let pass = ws
        .iter()
        .find(|w| w.action == "iam:PassRole")
        .expect("a PassRole witness");
    assert!(pass.resource.starts_with("arn:aws:iam::"), "{pass:#?}");
    // Of any role, to any service: the deprecated policy allows what ECS_FullAccess does not
    // for a role and a service neither names.
    let mut any = pass.clone();
    any.resource = "arn:aws:iam::123456789012:role/admin".into();
    any.context = [(
        "iam:PassedToService".to_string(),
        vec!["lambda.amazonaws.com".to_string()],
    )]
    .into();
    assert_eq!(identity_decision(&new, &any), EvalDecision::Allowed);
    assert_ne!(identity_decision(&old, &any), EvalDecision::Allowed);
}

#[test]
fn the_same_policy_grants_nothing_new() {
    for v in ["v21", "v22"] {
        let p = managed("AmazonECS_FullAccess", v);
        let r = no_new(&p, &p);
        assert_eq!(r.result, "PASS", "{v}: {r:#?}");
    }
}

#[test]
fn ecs_full_access_versions_compare_both_ways() {
    let v21 = managed("AmazonECS_FullAccess", "v21");
    let v22 = managed("AmazonECS_FullAccess", "v22");
    // Each answer is either PASS or a confirmed witness; never "not provable" for these.
    for (old, new) in [(&v21, &v22), (&v22, &v21)] {
        let r = no_new(old, new);
        assert!(!r.not_provable, "{r:#?}");
        if r.result == "FAIL" {
            assert_new_access(old, new);
        }
    }
}

#[test]
fn a_policy_narrowed_from_ecs_full_access_passes() {
    let old = managed("AmazonECS_FullAccess", "v22");
    let narrowed = doc(
        r#"{"Effect":"Allow","Action":["ecs:RunTask","ecs:DescribeClusters"],"Resource":"*"},
           {"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
            "Condition":{"StringLike":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}"#,
    );
    let r = no_new(&old, &narrowed);
    assert_eq!(r.result, "PASS", "{r:#?}");
}

#[test]
fn wildcards_cover_actions_the_catalog_does_not_list() {
    let old = doc(r#"{"Effect":"Allow","Action":["sqs:*"],"Resource":"*"}"#);
    // Every SQS action the catalog lists, by name: still narrower than sqs:*.
    let names: Vec<String> = warden_catalog::actions()
        .expand("sqs:*")
        .iter()
        .map(|(s, a)| format!("\"{}:{}\"", s.prefix, a.name))
        .collect();
    let listed = doc(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        names.join(",")
    ));
    assert_eq!(no_new(&old, &listed).result, "PASS");
    let ws = assert_new_access(&listed, &old);
    assert!(!ws[0].action_in_catalog, "{ws:#?}");
    assert!(ws[0].action.to_lowercase().starts_with("sqs:"));
}

#[test]
fn condition_corner_cases_both_ways() {
    let s = |cond: &str| {
        doc(&format!(
            r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{cond}}}"#
        ))
    };
    let cases: &[(&str, &str, bool)] = &[
        // (old condition, new condition, new access?)
        (
            r#"{"StringLike":{"aws:PrincipalTag/team":"a*"}}"#,
            r#"{"StringLike":{"aws:PrincipalTag/team":"ab*"}}"#,
            false,
        ),
        (
            r#"{"StringLike":{"aws:PrincipalTag/team":"ab*"}}"#,
            r#"{"StringLike":{"aws:PrincipalTag/team":"a*"}}"#,
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"a*"}}"#,
            r#"{"StringLike":{"aws:PrincipalTag/team":"a*"}}"#,
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Prod"}}"#,
            r#"{"StringEquals":{"aws:PrincipalTag/team":"PROD"}}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"Prod"}}"#,
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"prod"}}"#,
            true,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
            r#"{"NumericLessThanEquals":{"s3:max-keys":"9"}}"#,
            false,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
            r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
            true,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
            r#"{"NumericLessThan":{"s3:max-keys":"10.5"}}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}"#,
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalTag/team":"x"}}"#,
            false,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"StringEquals":{"aws:PrincipalTag/team":"x"}}"#,
            true,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            r#"{"DateLessThan":{"aws:CurrentTime":"2029-01-01T00:00:00Z"}}"#,
            false,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2029-01-01T00:00:00Z"}}"#,
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2029-01-01T00:00:00Z"}}"#,
            true,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"x"}}"#,
            r#"{"StringEquals":{"aws:PrincipalTag/team":"y"}}"#,
            false,
        ),
        (
            r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/team":"x"}}"#,
            r#"{"Null":{"aws:PrincipalTag/team":"true"}}"#,
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"x"}}"#,
            r#"{"Null":{"aws:PrincipalTag/team":"false"}}"#,
            true,
        ),
    ];
    for (old_c, new_c, expect) in cases {
        let (old, new) = (s(old_c), s(new_c));
        let r = no_new(&old, &new);
        assert!(!r.not_provable, "{old_c} -> {new_c}: {r:#?}");
        if *expect {
            assert_new_access(&old, &new);
        } else {
            assert_eq!(r.result, "PASS", "{old_c} -> {new_c}: {r:#?}");
        }
    }
}

#[test]
fn resource_wildcards_and_denies() {
    let old = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs/*"},
           {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}"#,
    );
    let new = doc(
        r#"{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::logs/app/*"}"#,
    );
    let ws = assert_new_access(&old, &new);
    assert_eq!(ws[0].action, "s3:DeleteObject");
    let new_denied = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs/app/*"},
           {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}"#,
    );
    assert_eq!(no_new(&old, &new_denied).result, "PASS");
}

#[test]
fn policy_variables_are_not_provable_unless_a_witness_exists() {
    let old = doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#,
    );
    let new = doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/docs/*"}"#,
    );
    let r = no_new(&old, &new);
    assert_eq!(r.result, "FAIL");
    assert!(r.not_provable, "{r:#?}");
}

#[test]
fn access_not_granted_with_witness() {
    let policy = managed("AmazonEC2ContainerServiceFullAccess", "v1");
    let r = check_access_not_granted(&CheckAccessNotGrantedRequest {
        policy_document: policy.clone(),
        access: vec![Access {
            actions: vec!["iam:PassRole".into()],
            resources: vec![],
        }],
        policy_type: "IDENTITY_POLICY".into(),
    })
    .unwrap();
    assert_eq!(r.result, "FAIL", "{r:#?}");
    let w = r.reasons[0].witnesses[0].clone();
    assert_eq!(w.action, "iam:PassRole");
    assert_eq!(identity_decision(&policy, &w), EvalDecision::Allowed);
    let r = check_access_not_granted(&CheckAccessNotGrantedRequest {
        policy_document: policy,
        access: vec![Access {
            actions: vec!["s3:DeleteBucket".into()],
            resources: vec![],
        }],
        policy_type: "IDENTITY_POLICY".into(),
    })
    .unwrap();
    assert_eq!(r.result, "PASS", "{r:#?}");
}

#[test]
fn public_access_needs_an_unnarrowed_star() {
    let public = doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let r = check_no_public_access(&CheckNoPublicAccessRequest {
        policy_document: public.clone(),
        resource_type: "AWS::S3::Bucket".into(),
    })
    .unwrap();
    assert_eq!(r.result, "FAIL", "{r:#?}");
    let w = r.reasons[0].witnesses[0].clone();
    assert_eq!(w.action, "s3:GetObject");
    for narrowed in [
        r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
        r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#,
    ] {
        let p = doc(&format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{narrowed}}}"#
        ));
        let r = check_no_public_access(&CheckNoPublicAccessRequest {
            policy_document: p,
            resource_type: "AWS::S3::Bucket".into(),
        })
        .unwrap();
        assert_eq!(r.result, "PASS", "{narrowed}: {r:#?}");
    }
    let account = doc(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let r = check_no_public_access(&CheckNoPublicAccessRequest {
        policy_document: account,
        resource_type: "AWS::S3::Bucket".into(),
    })
    .unwrap();
    assert_eq!(r.result, "PASS", "{r:#?}");
}
