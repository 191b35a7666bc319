//! Any text: parsing, validating under every policy type and evaluating must never panic, and
//! a parsed policy prints back as the text it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use warden_core::policy::validate::validate;
use warden_core::{CompiledPolicy, Policy, PolicySet, PolicyType, Principal, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in PolicyType::ALL {
        let _ = validate(text, kind);
    }
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    assert_eq!(policy.text(), text);
    let policy = Arc::new(policy);
    let set = PolicySet::builder()
        .identity(CompiledPolicy::new(policy.clone(), PolicyType::Identity, "p", "none"))
        .resource(CompiledPolicy::new(policy, PolicyType::Resource, "r", "resource"))
        .build();
    for (who, action, resource) in [
        ("arn:aws:iam::123456789012:user/alice", "s3:GetObject", "arn:aws:s3:::b/k"),
        ("arn:aws:sts::123456789012:assumed-role/r/s", "iam:PassRole", "*"),
        ("ecs-tasks.amazonaws.com", "sts:AssumeRole", "arn:aws:iam::123456789012:role/t"),
    ] {
        let req = Request::new(Principal::parse(who), action, resource).with_principal_keys();
        assert_eq!(set.decide(&req), set.authorize(&req).decision);
    }
});
