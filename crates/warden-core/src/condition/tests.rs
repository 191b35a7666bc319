//! Unit tests for condition operators: one section per operator family, then the missing-key
//! table, set operators, multivalued keys and policy variables.

use super::operator::{Operator, base_names};
use super::*;
use crate::context::{ContextKeyType, ContextValue};

fn compile_v(op: &str, key: &str, values: &[&str], version: Version) -> CompiledCondition {
    CompiledCondition::compile(
        &ConditionClause {
            operator: op.to_string(),
            key: key.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        },
        version,
    )
}

fn compile(op: &str, key: &str, values: &[&str]) -> CompiledCondition {
    compile_v(op, key, values, Version::V2012_10_17)
}

/// A context with single-valued string keys.
fn ctx(pairs: &[(&str, &str)]) -> Context {
    let mut c = Context::new();
    for (k, v) in pairs {
        c.insert(*k, ContextValue::string(*v));
    }
    c
}

/// A context with one multivalued key.
fn multi(key: &str, values: &[&str]) -> Context {
    let mut c = Context::new();
    c.insert(key, ContextValue::strings(values.iter().copied()));
    c
}

/// Evaluates `op` on key `k` with `values` against a single request value.
fn one(op: &str, values: &[&str], request: &str) -> bool {
    compile(op, "k", values).evaluate(&ctx(&[("k", request)]))
}

/// Evaluates `op` on key `k` with `values` against an absent key.
fn absent(op: &str, values: &[&str]) -> bool {
    compile(op, "k", values).evaluate(&Context::new())
}

// ---------------------------------------------------------------------------------------------
// Operator names

#[test]
fn known_operators() {
    for base in base_names() {
        assert!(is_known_operator(base), "{base}");
        for prefix in ["", "ForAllValues:", "ForAnyValue:"] {
            assert!(
                is_known_operator(&format!("{prefix}{base}")),
                "{prefix}{base}"
            );
            let with_if_exists = format!("{prefix}{base}IfExists");
            // IfExists goes on every operator except Null.
            assert_eq!(
                is_known_operator(&with_if_exists),
                base != "Null",
                "{with_if_exists}"
            );
        }
    }
    assert_eq!(base_names().count(), 27);
    assert!(is_known_operator("ForAnyValue:StringLikeIfExists"));
    assert!(is_known_operator("ForAllValues:Null"));
    for unknown in [
        "StringEqualz",
        "",
        "IfExists",
        "ForAnyValue:",
        "NullIfExists",
        "StringEqualsIfExistsIfExists",
        "ForAnyValue:ForAllValues:StringEquals",
        "FakeConditionOperator",
        "StringEquals ",
    ] {
        assert!(!is_known_operator(unknown), "{unknown}");
    }
}

/// Operator names are case-sensitive: IAM answers `MalformedPolicyDocument: Invalid Condition
/// type : stringEquals` (ministryofjustice/modernisation-platform-environments#8893).
#[test]
fn operator_names_are_case_sensitive() {
    for miscased in [
        "stringEquals",
        "STRINGEQUALS",
        "Stringequals",
        "forAnyValue:StringEquals",
        "ForAnyValue:stringEquals",
        "StringEqualsIfexists",
        "null",
        "bool",
    ] {
        assert!(!is_known_operator(miscased), "{miscased}");
        let c = compile(miscased, "k", &["v"]);
        assert!(!c.evaluate(&ctx(&[("k", "v")])), "{miscased}");
        assert!(!c.evaluate(&Context::new()), "{miscased}");
    }
}

#[test]
fn unknown_operator_never_matches() {
    for op in ["FakeConditionOperator", "StringNotEqualz", "NullIfExists"] {
        let c = compile(op, "k", &["v", "true", "false"]);
        assert!(!c.evaluate(&ctx(&[("k", "v")])));
        assert!(!c.evaluate(&ctx(&[("k", "other")])));
        assert!(!c.evaluate(&Context::new()));
        assert!(!c.evaluate(&multi("k", &[])));
        assert_eq!(c.operator(), op);
    }
}

#[test]
fn accessors_and_key_case() {
    let c = compile("StringEquals", "AWS:SourceAccount", &["123"]);
    assert_eq!(c.key(), "aws:sourceaccount");
    assert_eq!(c.operator(), "StringEquals");
    assert!(c.evaluate(&ctx(&[("aws:sourceaccount", "123")])));
    assert!(c.evaluate(&ctx(&[("Aws:SOURCEACCOUNT", "123")])));
    assert_eq!(
        c.referenced_keys().collect::<Vec<_>>(),
        ["aws:sourceaccount"]
    );
}

#[test]
fn compiled_condition_is_send_sync_clone_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<CompiledCondition>();
}

// ---------------------------------------------------------------------------------------------
// Strings

#[test]
fn string_equals() {
    assert!(one("StringEquals", &["prod"], "prod"));
    assert!(!one("StringEquals", &["prod"], "Prod"));
    assert!(!one("StringEquals", &["prod"], "prod "));
    assert!(one("StringEquals", &["a", "prod"], "prod"));
    // No wildcards in StringEquals.
    assert!(!one("StringEquals", &["pro*"], "prod"));
    assert!(one("StringEquals", &["pro*"], "pro*"));
    assert!(one("StringEquals", &[""], ""));
    assert!(!one("StringEquals", &[], "prod"));
}

#[test]
fn string_not_equals_is_not_any() {
    assert!(!one("StringNotEquals", &["prod"], "prod"));
    assert!(one("StringNotEquals", &["prod"], "Prod"));
    // NOT (equal to any of them).
    assert!(!one("StringNotEquals", &["dev", "prod"], "prod"));
    assert!(one("StringNotEquals", &["dev", "prod"], "test"));
    assert!(one("StringNotEquals", &[], "prod"));
}

#[test]
fn string_ignore_case() {
    assert!(one("StringEqualsIgnoreCase", &["Prod"], "pROD"));
    assert!(!one("StringEqualsIgnoreCase", &["Prod"], "prodx"));
    assert!(one("StringEqualsIgnoreCase", &["ÄRGER"], "ärger"));
    assert!(one("StringEqualsIgnoreCase", &["ärger"], "ÄRGER"));
    assert!(!one("StringEqualsIgnoreCase", &["ärger"], "ARGER"));
    // No wildcards.
    assert!(!one("StringEqualsIgnoreCase", &["p*"], "prod"));
    assert!(!one("StringNotEqualsIgnoreCase", &["a", "PROD"], "Prod"));
    assert!(one("StringNotEqualsIgnoreCase", &["a", "PROD"], "Dev"));
}

#[test]
fn string_like() {
    assert!(one(
        "StringLike",
        &["ecs-tasks.*"],
        "ecs-tasks.amazonaws.com"
    ));
    assert!(!one(
        "StringLike",
        &["ecs-tasks.*"],
        "ECS-tasks.amazonaws.com"
    ));
    assert!(one("StringLike", &["home/?ob/*"], "home/Bob/x/y"));
    assert!(!one("StringLike", &["home/?ob/*"], "home/Boob/x"));
    // `*` spans `:` and `/` (reference_policies_elements_condition_operators.html#Conditions_ARN).
    let doc_pattern = "arn:aws:someservice:*:111122223333:finance/*";
    let doc_value =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    assert!(one("StringLike", &[doc_pattern], doc_value));
    assert!(!one("ArnLike", &[doc_pattern], doc_value));
    assert!(one("StringLike", &["", "home/"], ""));
    assert!(!one("StringNotLike", &["t1.*", "t2.*"], "t2.micro"));
    assert!(one("StringNotLike", &["t1.*", "t2.*"], "m5.large"));
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[test]
fn numeric_operators() {
    let cases = [
        ("NumericEquals", "10", [false, true, false]),
        ("NumericNotEquals", "10", [true, false, true]),
        ("NumericLessThan", "10", [true, false, false]),
        ("NumericLessThanEquals", "10", [true, true, false]),
        ("NumericGreaterThan", "10", [false, false, true]),
        ("NumericGreaterThanEquals", "10", [false, true, true]),
    ];
    for (op, policy, expected) in cases {
        for (request, want) in ["9.5", "10.000", "1e2"].iter().zip(expected) {
            assert_eq!(
                one(op, &[policy], request),
                want,
                "{op} {policy} vs {request}"
            );
        }
    }
    assert!(one("NumericEquals", &["-0"], "0"));
    assert!(one("NumericLessThan", &["-1.5"], "-2"));
    assert!(one(
        "NumericGreaterThan",
        &["9007199254740992"],
        "9007199254740993"
    ));
    assert!(one("NumericEquals", &["1", "2", "3"], "2"));
    assert!(!one("NumericNotEquals", &["1", "2", "3"], "2"));
    assert!(one("NumericNotEquals", &["1", "2", "3"], "4"));
}

#[test]
fn numeric_request_not_a_number_never_matches() {
    for op in [
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericGreaterThanEquals",
    ] {
        assert!(!one(op, &["10"], "ten"), "{op}");
        assert!(!one(op, &["10"], ""), "{op}");
    }
}

#[test]
fn unsuitable_policy_values_never_match() {
    // Whatever the request, even a missing key with a negated or IfExists operator.
    let cases: [(&str, &[&str]); 12] = [
        ("NumericEquals", &["abc"]),
        ("NumericNotEquals", &["10", "abc"]),
        ("NumericLessThanIfExists", &["1,000"]),
        ("DateNotEquals", &["sdfdsf"]),
        ("DateLessThan", &["2020-13-01"]),
        ("Bool", &["yes"]),
        ("BinaryEquals", &["not base64!"]),
        ("NotIpAddress", &["10.0.0.0/33"]),
        ("ArnNotLike", &["arn:aws:iam::*"]),
        ("ArnLike", &["arn:aws:iam::1:role/x", "arn:aws:s3::bucket"]),
        ("Null", &["maybe"]),
        ("ForAllValues:NumericEquals", &["x"]),
    ];
    for (op, values) in cases {
        let c = compile(op, "k", values);
        assert!(!c.evaluate(&Context::new()), "{op} absent");
        assert!(!c.evaluate(&multi("k", &[])), "{op} empty");
        for request in [
            "10",
            "abc",
            "true",
            "arn:aws:iam::1:role/x",
            "10.0.0.1",
            "YWJj",
        ] {
            assert!(!c.evaluate(&ctx(&[("k", request)])), "{op} {request}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

#[test]
fn date_operators() {
    let policy = "2020-01-01T00:00:00Z";
    let cases = [
        ("DateEquals", [false, true, false]),
        ("DateNotEquals", [true, false, true]),
        ("DateLessThan", [true, false, false]),
        ("DateLessThanEquals", [true, true, false]),
        ("DateGreaterThan", [false, false, true]),
        ("DateGreaterThanEquals", [false, true, true]),
    ];
    let requests = [
        "2019-12-31T23:59:59.999Z",
        "1577836800",
        "2020-01-01T00:00:00.001Z",
    ];
    for (op, expected) in cases {
        for (request, want) in requests.iter().zip(expected) {
            assert_eq!(one(op, &[policy], request), want, "{op} {request}");
        }
    }
}

#[test]
fn dates_compare_as_instants_across_forms() {
    let same = [
        "2020-01-01",
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:00Z",
        "2020-01-01T00:00:00.000Z",
        "2020-01-01T01:00:00+01:00",
        "2019-12-31T16:00:00-08:00",
        "1577836800",
    ];
    for p in same {
        for r in same {
            assert!(one("DateEquals", &[p], r), "{p} = {r}");
        }
    }
    // aws:EpochTime against an ISO policy value, and the reverse.
    assert!(one(
        "DateGreaterThan",
        &["2020-01-01T00:00:00Z"],
        "1700000000"
    ));
    assert!(one("DateLessThan", &["1700000000"], "2020-06-01"));
}

#[test]
fn date_request_not_a_date_never_matches() {
    for op in [
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateGreaterThan",
    ] {
        assert!(!one(op, &["2020-01-01"], "yesterday"), "{op}");
        assert!(!one(op, &["2020-01-01"], "2020-02-30"), "{op}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bool and binary

#[test]
fn bool_operator() {
    assert!(one("Bool", &["true"], "true"));
    assert!(one("Bool", &["TRUE"], "True"));
    assert!(one("Bool", &["false"], "FALSE"));
    assert!(!one("Bool", &["true"], "false"));
    assert!(one("Bool", &["true", "false"], "false"));
    // The request value must be a boolean.
    assert!(!one("Bool", &["true"], "1"));
    assert!(!one("Bool", &["true"], "yes"));
    assert!(!absent("Bool", &["false"]));
    assert!(absent("BoolIfExists", &["false"]));
}

#[test]
fn binary_equals() {
    let policy = "QmluYXJ5VmFsdWVJbkJhc2U2NA==";
    assert!(one("BinaryEquals", &[policy], policy));
    // Same bytes, without padding.
    assert!(one("BinaryEquals", &[policy], "QmluYXJ5VmFsdWVJbkJhc2U2NA"));
    assert!(!one("BinaryEquals", &[policy], "YWJj"));
    assert!(one("BinaryEquals", &["YWJj", policy], "YWJj"));
    assert!(!one("BinaryEquals", &[policy], "BinaryValueInBase64"));
    assert!(!absent("BinaryEquals", &[policy]));
}

// ---------------------------------------------------------------------------------------------
// IP addresses

#[test]
fn ip_address_v4() {
    assert!(one("IpAddress", &["203.0.113.0/24"], "203.0.113.200"));
    assert!(!one("IpAddress", &["203.0.113.0/24"], "203.0.114.1"));
    // A bare address is a /32.
    assert!(one("IpAddress", &["203.0.113.7"], "203.0.113.7"));
    assert!(!one("IpAddress", &["203.0.113.7"], "203.0.113.8"));
    assert!(one("IpAddress", &["0.0.0.0/0"], "198.51.100.1"));
    assert!(one(
        "IpAddress",
        &["10.0.0.0/8", "203.0.113.0/24"],
        "203.0.113.1"
    ));
    assert!(!one(
        "NotIpAddress",
        &["10.0.0.0/8", "203.0.113.0/24"],
        "203.0.113.1"
    ));
    assert!(one(
        "NotIpAddress",
        &["10.0.0.0/8", "203.0.113.0/24"],
        "192.0.2.1"
    ));
}

#[test]
fn ip_address_v6_and_families() {
    let v6 = "2001:DB8:1234:5678::/64";
    assert!(one("IpAddress", &[v6], "2001:db8:1234:5678:1::9"));
    assert!(!one("IpAddress", &[v6], "2001:db8:1234:5679::9"));
    assert!(one("IpAddress", &["::1"], "0:0:0:0:0:0:0:1"));
    // IPv4 never matches an IPv6 network, even ::/0, and the reverse.
    assert!(!one("IpAddress", &["::/0"], "203.0.113.1"));
    assert!(!one("IpAddress", &["::ffff:0:0/96"], "203.0.113.1"));
    assert!(!one("IpAddress", &["0.0.0.0/0"], "2001:db8::1"));
    assert!(one(
        "IpAddress",
        &["203.0.113.0/24", v6],
        "2001:db8:1234:5678::1"
    ));
    assert!(one("NotIpAddress", &["0.0.0.0/0"], "2001:db8::1"));
}

#[test]
fn ip_request_not_an_address_never_matches() {
    assert!(!one("IpAddress", &["0.0.0.0/0"], "localhost"));
    assert!(!one("NotIpAddress", &["10.0.0.0/8"], "localhost"));
    assert!(!one("NotIpAddress", &["10.0.0.0/8"], ""));
}

// ---------------------------------------------------------------------------------------------
// ARNs

#[test]
fn arn_like_per_component() {
    let p = "arn:aws:ecs:*:123456789012:*";
    assert!(one(
        "ArnLike",
        &[p],
        "arn:aws:ecs:us-east-1:123456789012:task/abc"
    ));
    assert!(!one(
        "ArnLike",
        &[p],
        "arn:aws:ecs:us-east-1:999999999999:task/abc"
    ));
    assert!(one(
        "ArnLike",
        &["arn:???:*:*:*:*"],
        "arn:aws:ec2:us-east-1:1:instance/i-1"
    ));
    assert!(one(
        "ArnLike",
        &["arn:aws:s3:::my_corporate_bucket"],
        "arn:aws:s3:::my_corporate_bucket"
    ));
    // The resource component keeps its colons.
    assert!(one(
        "ArnLike",
        &["arn:aws:ssm:*:*:parameter/*"],
        "arn:aws:ssm:us-east-1:1:parameter/a:b"
    ));
    // Case-sensitive.
    assert!(!one(
        "ArnLike",
        &["arn:aws:ec2:us-east-1:1:instance/i-1"],
        "arn:aws:ec2:us-east-1:1:INSTANCE/i-1"
    ));
}

#[test]
fn arn_equals_behaves_like_arn_like() {
    // reference_policies_elements_condition_operators.html#Conditions_ARN: "The ArnEquals and
    // ArnLike condition operators behave identically".
    let p = "arn:aws:iam::*:role/ecsInstanceRole*";
    for r in [
        "arn:aws:iam::123:role/ecsInstanceRole-prod",
        "arn:aws:iam::123:role/MyInstanceRole",
        "arn:aws:iam::123:role",
        "not-an-arn",
    ] {
        assert_eq!(one("ArnEquals", &[p], r), one("ArnLike", &[p], r), "{r}");
        assert_eq!(
            one("ArnNotEquals", &[p], r),
            one("ArnNotLike", &[p], r),
            "{r}"
        );
    }
    assert!(one(
        "ArnEquals",
        &[p],
        "arn:aws:iam::123:role/ecsInstanceRole-prod"
    ));
}

#[test]
fn arn_negated() {
    let p = "arn:aws:ec2:us-east-1:123456789012:instance/i-12345";
    assert!(!one("ArnNotLike", &[p], p));
    assert!(one(
        "ArnNotLike",
        &[p],
        "arn:aws:ec2:us-east-1:123456789012:instance/i-9"
    ));
    assert!(!one(
        "ArnNotEquals",
        &["arn:aws:ec2:us-east-1:123456789012:instance/i-9", p],
        p
    ));
    assert!(absent("ArnNotLike", &[p]));
}

#[test]
fn arn_invalid_pattern_or_value_never_matches() {
    // A pattern with fewer than six components never matches (ICS ArnLike tests).
    for op in ["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"] {
        assert!(
            !one(op, &["arn:aws:iam::*"], "arn:aws:iam::1:role/x"),
            "{op}"
        );
        assert!(
            !one(op, &["arn:::bucket-name"], "arn:aws:s3:::bucket-name"),
            "{op}"
        );
        // A request value that is not an ARN matches neither polarity.
        assert!(!one(op, &["arn:*:*:*:*:*"], "arn:::bucket-name"), "{op}");
        assert!(
            !one(op, &["arn:aws:s3:::x"], "ecs-tasks.amazonaws.com"),
            "{op}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Null

#[test]
fn null_operator() {
    assert!(absent("Null", &["true"]));
    assert!(!absent("Null", &["false"]));
    assert!(!one("Null", &["true"], "x"));
    assert!(one("Null", &["false"], "x"));
    assert!(one("Null", &["TRUE", "false"], "x"));
    assert!(absent("Null", &["True", "false"]));
    // An empty multivalued key is null.
    assert!(compile("Null", "k", &["true"]).evaluate(&multi("k", &[])));
    assert!(!compile("Null", "k", &["false"]).evaluate(&multi("k", &[])));
    // A multivalued key with values is present (no set operator needed for Null).
    assert!(compile("Null", "k", &["false"]).evaluate(&multi("k", &["a", "b"])));
    // ForAllValues:Null / ForAnyValue:Null behave like Null (ICS test).
    for op in ["ForAllValues:Null", "ForAnyValue:Null"] {
        assert!(absent(op, &["true"]), "{op}");
        assert!(!absent(op, &["false"]), "{op}");
        assert!(
            compile(op, "k", &["false"]).evaluate(&multi("k", &["a"])),
            "{op}"
        );
        assert!(
            !compile(op, "k", &["true"]).evaluate(&multi("k", &["a"])),
            "{op}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Missing keys

/// A value list that suits each family, so only the missing-key rule decides.
fn suitable_values(base: &str) -> &'static [&'static str] {
    if base.starts_with("String") {
        &["x"]
    } else if base.starts_with("Numeric") {
        &["1"]
    } else if base.starts_with("Date") {
        &["2020-01-01"]
    } else if base == "Bool" {
        &["true"]
    } else if base == "BinaryEquals" {
        &["YWJj"]
    } else if base.ends_with("IpAddress") {
        &["10.0.0.0/8"]
    } else {
        &["arn:aws:iam::1:role/x"]
    }
}

/// reference_policies_elements_condition_operators.html: a missing key fails positive
/// operators and satisfies negated ones; IfExists holds;
/// reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues holds,
/// ForAnyValue fails, when the key is absent or has no value, with or without IfExists.
#[test]
fn missing_key_table() {
    let negated = [
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    ];
    let mut checked = 0;
    for base in base_names().filter(|b| *b != "Null") {
        let values = suitable_values(base);
        let is_negated = negated.contains(&base);
        let expectations = [
            (base.to_string(), is_negated),
            (format!("{base}IfExists"), true),
            (format!("ForAllValues:{base}"), true),
            (format!("ForAllValues:{base}IfExists"), true),
            (format!("ForAnyValue:{base}"), false),
            // AWS leaves the pair unspecified; ForAnyValue's own missing-key rule decides
            // (docs/semantics.md).
            (format!("ForAnyValue:{base}IfExists"), false),
        ];
        for (op, want) in expectations {
            let c = compile(&op, "k", values);
            assert_eq!(c.evaluate(&Context::new()), want, "{op} absent");
            assert_eq!(c.evaluate(&multi("k", &[])), want, "{op} empty list");
            let mut other = Context::new();
            other.insert("other", ContextValue::string("x"));
            assert_eq!(c.evaluate(&other), want, "{op} other key");
            checked += 1;
        }
    }
    assert_eq!(checked, 26 * 6);
}

#[test]
fn if_exists_evaluates_when_present() {
    assert!(one("StringLikeIfExists", &["t2.*"], "t2.micro"));
    assert!(!one("StringLikeIfExists", &["t2.*"], "m5.large"));
    assert!(!one("StringNotEqualsIfExists", &["a"], "a"));
    assert!(one("NumericLessThanIfExists", &["10"], "3"));
    assert!(!one("NumericLessThanIfExists", &["10"], "x"));
    assert!(!one("IpAddressIfExists", &["10.0.0.0/8"], "11.0.0.1"));
}

// ---------------------------------------------------------------------------------------------
// Set operators and multivalued keys

#[test]
fn for_all_values() {
    let c = compile("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team"]);
    assert!(c.evaluate(&multi("aws:TagKeys", &["env"])));
    assert!(c.evaluate(&multi("aws:TagKeys", &["team", "env"])));
    assert!(!c.evaluate(&multi("aws:TagKeys", &["env", "owner"])));
    // Vacuous truth when absent or empty.
    assert!(c.evaluate(&Context::new()));
    assert!(c.evaluate(&multi("aws:TagKeys", &[])));
    // A single-valued key is a set of one.
    assert!(c.evaluate(&ctx(&[("aws:TagKeys", "team")])));
    assert!(!c.evaluate(&ctx(&[("aws:TagKeys", "owner")])));
}

#[test]
fn for_any_value() {
    let c = compile(
        "ForAnyValue:StringLike",
        "aws:CalledVia",
        &["cloudformation.*"],
    );
    assert!(c.evaluate(&multi(
        "aws:CalledVia",
        &["athena.amazonaws.com", "cloudformation.amazonaws.com"]
    )));
    assert!(!c.evaluate(&multi("aws:CalledVia", &["athena.amazonaws.com"])));
    assert!(!c.evaluate(&Context::new()));
    assert!(!c.evaluate(&multi("aws:CalledVia", &[])));
    assert!(c.evaluate(&ctx(&[("aws:CalledVia", "cloudformation.amazonaws.com")])));
    let if_exists = compile("ForAnyValue:StringLikeIfExists", "aws:CalledVia", &["x"]);
    // ForAnyValue's missing-key rule wins over IfExists (docs/semantics.md).
    assert!(!if_exists.evaluate(&Context::new()));
    assert!(!if_exists.evaluate(&multi("aws:CalledVia", &[])));
    assert!(!if_exists.evaluate(&multi("aws:CalledVia", &["y"])));
    assert!(if_exists.evaluate(&multi("aws:CalledVia", &["x"])));
}

#[test]
fn negated_operators_inside_set_operators() {
    // ForAllValues:StringNotEquals: no request value is in the policy list.
    let all = compile("ForAllValues:StringNotEquals", "k", &["a", "b"]);
    assert!(all.evaluate(&multi("k", &["c", "d"])));
    assert!(!all.evaluate(&multi("k", &["c", "a"])));
    assert!(all.evaluate(&Context::new()));
    // ForAnyValue:StringNotEquals: at least one request value is not in the policy list.
    let any = compile("ForAnyValue:StringNotEquals", "k", &["a", "b"]);
    assert!(any.evaluate(&multi("k", &["c", "a"])));
    assert!(!any.evaluate(&multi("k", &["a", "b"])));
    assert!(!any.evaluate(&Context::new()));
    assert!(!any.evaluate(&multi("k", &[])));
    let not_ip = compile("ForAnyValue:NotIpAddress", "k", &["10.0.0.0/8"]);
    assert!(not_ip.evaluate(&multi("k", &["10.0.0.1", "192.0.2.1"])));
    assert!(!not_ip.evaluate(&multi("k", &["10.0.0.1", "10.0.0.2"])));
}

#[test]
fn set_operators_on_typed_lists() {
    let mut c = Context::new();
    c.insert(
        "k",
        ContextValue::typed(ContextKeyType::NumericList, vec!["1".into(), "5".into()]),
    );
    assert!(compile("ForAllValues:NumericLessThan", "k", &["10"]).evaluate(&c));
    assert!(!compile("ForAllValues:NumericLessThan", "k", &["3"]).evaluate(&c));
    assert!(compile("ForAnyValue:NumericLessThan", "k", &["3"]).evaluate(&c));
    // One bad request value fails its own test only.
    let mut bad = Context::new();
    bad.insert("k", ContextValue::strings(["1", "x"]));
    assert!(!compile("ForAllValues:NumericLessThan", "k", &["10"]).evaluate(&bad));
    assert!(compile("ForAnyValue:NumericLessThan", "k", &["10"]).evaluate(&bad));
    let arns = multi("k", &["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]);
    assert!(compile("ForAllValues:ArnLike", "k", &["arn:aws:iam::1:role/*"]).evaluate(&arns));
    assert!(!compile("ForAllValues:ArnLike", "k", &["arn:aws:iam::1:role/a"]).evaluate(&arns));
    assert!(compile("ForAnyValue:ArnNotLike", "k", &["arn:aws:iam::1:role/a"]).evaluate(&arns));
}

/// A plain operator on a multivalued key fails, positive or negated, with or without IfExists
/// (iam-semantics.md §3.4; iam-simulate "single value operator but the key is an array").
#[test]
fn plain_operator_on_multivalued_key_fails() {
    let keys = multi("k", &["a", "b"]);
    for op in [
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "StringEqualsIfExists",
        "StringNotEqualsIfExists",
    ] {
        assert!(!compile(op, "k", &["a", "b", "*"]).evaluate(&keys), "{op}");
        assert!(!compile(op, "k", &["z"]).evaluate(&keys), "{op}");
    }
    // Even a one-element list is multivalued.
    let one_elem = multi("k", &["a"]);
    assert!(!compile("StringEquals", "k", &["a"]).evaluate(&one_elem));
    assert!(!compile("StringNotEquals", "k", &["z"]).evaluate(&one_elem));
    assert!(compile("ForAnyValue:StringEquals", "k", &["a"]).evaluate(&one_elem));
}

// ---------------------------------------------------------------------------------------------
// Policy variables

fn user_ctx() -> Context {
    ctx(&[
        ("aws:username", "Bob"),
        ("aws:PrincipalTag/team", "Blue"),
        ("aws:PrincipalAccount", "123456789012"),
        ("s3:prefix", "home/Bob/docs"),
    ])
}

#[test]
fn variables_in_string_values() {
    let c = compile(
        "StringLike",
        "s3:prefix",
        &["", "home/", "home/${aws:username}/*"],
    );
    assert!(c.evaluate(&user_ctx()));
    let mut other = user_ctx();
    other.insert("aws:username", ContextValue::string("Alice"));
    assert!(!c.evaluate(&other));
    let c = compile(
        "StringEquals",
        "aws:ResourceTag/team",
        &["${aws:PrincipalTag/team}"],
    );
    let mut r = user_ctx();
    r.insert("aws:ResourceTag/team", ContextValue::string("Blue"));
    assert!(c.evaluate(&r));
    r.insert("aws:ResourceTag/team", ContextValue::string("blue"));
    assert!(!c.evaluate(&r));
    let ci = compile(
        "StringEqualsIgnoreCase",
        "aws:ResourceTag/team",
        &["${aws:PrincipalTag/team}"],
    );
    assert!(ci.evaluate(&r));
    assert_eq!(
        ci.referenced_keys().collect::<Vec<_>>(),
        ["aws:resourcetag/team", "aws:principaltag/team"]
    );
}

#[test]
fn substituted_values_are_literal_in_like() {
    // ICS: aws:username = "Bob*" does not make `test${aws:username}` match `testBobTwo`.
    let c = compile("StringLike", "k", &["test${aws:username}"]);
    let mut r = ctx(&[("aws:username", "Bob*"), ("k", "testBobTwo")]);
    assert!(!c.evaluate(&r));
    r.insert("k", ContextValue::string("testBob*"));
    assert!(c.evaluate(&r));
    // ${*} is a literal star, with or without other variables.
    let star = compile("StringLike", "k", &["a${*}b"]);
    assert!(star.evaluate(&ctx(&[("k", "a*b")])));
    assert!(!star.evaluate(&ctx(&[("k", "axxb")])));
    let star_var = compile("StringLike", "k", &["${aws:username}${*}*"]);
    assert!(star_var.evaluate(&ctx(&[("aws:username", "u"), ("k", "u*x")])));
    assert!(!star_var.evaluate(&ctx(&[("aws:username", "u"), ("k", "ux")])));
    assert!(compile("StringEquals", "k", &["${?}${$}"]).evaluate(&ctx(&[("k", "?$")])));
}

#[test]
fn variable_defaults() {
    let c = compile("StringEquals", "k", &["${aws:PrincipalTag/team, 'none'}"]);
    assert!(c.evaluate(&ctx(&[("k", "none")])));
    assert!(!c.evaluate(&ctx(&[("k", "none"), ("aws:PrincipalTag/team", "red")])));
    assert!(c.evaluate(&ctx(&[("k", "red"), ("aws:PrincipalTag/team", "red")])));
}

#[test]
fn unresolved_variable_fails_its_value() {
    // Positive: that value matches nothing, the others still can.
    let c = compile("StringEquals", "k", &["${aws:username}", "fixed"]);
    assert!(!c.evaluate(&ctx(&[("k", "${aws:username}")])));
    assert!(!c.evaluate(&ctx(&[("k", "")])));
    assert!(c.evaluate(&ctx(&[("k", "fixed")])));
    // Negated: an unresolved value makes the operator fail (ICS StringNotEquals "should return
    // replacement errors"; reference_policies_variables.html: the statement may be invalid).
    let n = compile("StringNotEquals", "k", &["${aws:username}"]);
    assert!(!n.evaluate(&ctx(&[("k", "anything")])));
    assert!(n.evaluate(&ctx(&[("k", "anything"), ("aws:username", "Bob")])));
    assert!(!n.evaluate(&ctx(&[("k", "Bob"), ("aws:username", "Bob")])));
    // The missing-key rule for the clause's own key still comes first.
    assert!(n.evaluate(&Context::new()));
    // A multivalued key cannot be a variable.
    let mv = compile("StringEquals", "k", &["${aws:TagKeys}"]);
    let mut r = multi("aws:TagKeys", &["a"]);
    r.insert("k", ContextValue::string("a"));
    assert!(!mv.evaluate(&r));
    let arn = compile("ArnNotLike", "k", &["arn:aws:iam::1:user/${aws:username}"]);
    assert!(!arn.evaluate(&ctx(&[("k", "arn:aws:iam::1:user/Bob")])));
}

#[test]
fn variables_in_arn_values() {
    let c = compile(
        "ArnLike",
        "aws:SourceArn",
        &["arn:aws:ecs:*:${aws:PrincipalAccount}:*"],
    );
    let mut r = user_ctx();
    r.insert(
        "aws:SourceArn",
        ContextValue::string("arn:aws:ecs:us-east-1:123456789012:task/x"),
    );
    assert!(c.evaluate(&r));
    r.insert(
        "aws:SourceArn",
        ContextValue::string("arn:aws:ecs:us-east-1:999999999999:task/x"),
    );
    assert!(!c.evaluate(&r));
    assert_eq!(
        c.referenced_keys().collect::<Vec<_>>(),
        ["aws:sourcearn", "aws:principalaccount"]
    );
    // The colon in a variable's name does not split the ARN; a value is literal.
    let user = compile("ArnEquals", "k", &["arn:aws:iam::123:user/${aws:username}"]);
    assert!(user.evaluate(&ctx(&[
        ("aws:username", "Bob"),
        ("k", "arn:aws:iam::123:user/Bob")
    ])));
    assert!(!user.evaluate(&ctx(&[
        ("aws:username", "B*"),
        ("k", "arn:aws:iam::123:user/Bob")
    ])));
    assert!(user.evaluate(&ctx(&[
        ("aws:username", "B*"),
        ("k", "arn:aws:iam::123:user/B*")
    ])));
    // A variable whose value holds a colon stays inside its component.
    let region = compile("ArnLike", "k", &["arn:aws:ec2:${r}:*:*"]);
    assert!(!region.evaluate(&ctx(&[
        ("r", "us-east-1:1"),
        ("k", "arn:aws:ec2:us-east-1:1:x")
    ])));
    assert!(region.evaluate(&ctx(&[
        ("r", "us-east-1"),
        ("k", "arn:aws:ec2:us-east-1:1:x")
    ])));
    // Fewer than six components, even with a variable: never matches.
    let short = compile("ArnNotLike", "k", &["arn:aws:${x}"]);
    assert!(!short.evaluate(&ctx(&[("x", "a:b:c:d"), ("k", "arn:aws:a:b:c:d")])));
    assert!(!short.evaluate(&Context::new()));
}

#[test]
fn variables_in_bool_values() {
    // reference_policies_elements_condition_operators.html#Conditions_Boolean allows variables.
    let c = compile("Bool", "k", &["${aws:MultiFactorAuthPresent}"]);
    assert!(c.evaluate(&ctx(&[
        ("k", "true"),
        ("aws:MultiFactorAuthPresent", "TRUE")
    ])));
    assert!(!c.evaluate(&ctx(&[
        ("k", "true"),
        ("aws:MultiFactorAuthPresent", "false")
    ])));
    assert!(!c.evaluate(&ctx(&[
        ("k", "true"),
        ("aws:MultiFactorAuthPresent", "maybe")
    ])));
    assert!(!c.evaluate(&ctx(&[("k", "true")])));
    // A value without variables is still checked at compile time.
    assert!(
        !compile("Bool", "k", &["${x}", "maybe"]).evaluate(&ctx(&[("k", "true"), ("x", "true")]))
    );
}

#[test]
fn no_variables_in_other_operators() {
    // Numeric, Date, Binary, IP and Null take no variables: `${...}` is not a valid value.
    let r = ctx(&[("k", "5"), ("n", "5")]);
    for op in [
        "NumericEquals",
        "DateEquals",
        "BinaryEquals",
        "IpAddress",
        "Null",
    ] {
        let c = compile(op, "k", &["${n}"]);
        assert!(!c.evaluate(&r), "{op}");
        assert!(!c.evaluate(&Context::new()), "{op}");
        assert_eq!(c.referenced_keys().collect::<Vec<_>>(), ["k"], "{op}");
    }
}

#[test]
fn version_2008_has_no_variables() {
    let old = compile_v(
        "StringEquals",
        "k",
        &["home/${aws:username}"],
        Version::V2008_10_17,
    );
    assert!(old.evaluate(&ctx(&[
        ("k", "home/${aws:username}"),
        ("aws:username", "Bob")
    ])));
    assert!(!old.evaluate(&ctx(&[("k", "home/Bob"), ("aws:username", "Bob")])));
    assert_eq!(old.referenced_keys().collect::<Vec<_>>(), ["k"]);
    // `${*}` is plain text too, so its `*` is a wildcard in StringLike.
    let like = compile_v("StringLike", "k", &["a${*}"], Version::V2008_10_17);
    assert!(like.evaluate(&ctx(&[("k", "a${xyz}")])));
    let arn = compile_v(
        "ArnLike",
        "k",
        &["arn:aws:iam::1:user/${aws:username}"],
        Version::V2008_10_17,
    );
    assert!(arn.evaluate(&ctx(&[("k", "arn:aws:iam::1:user/${aws:username}")])));
}

#[test]
fn referenced_keys_are_distinct() {
    let c = compile(
        "StringLike",
        "K",
        &[
            "${aws:username}",
            "${AWS:UserName}-${k}",
            "${aws:userid, 'x'}",
        ],
    );
    assert_eq!(
        c.referenced_keys().collect::<Vec<_>>(),
        ["k", "aws:username", "aws:userid"]
    );
    assert_eq!(
        compile("Unknown", "Key", &["${aws:username}"])
            .referenced_keys()
            .collect::<Vec<_>>(),
        ["key"]
    );
}

#[test]
fn operator_parse_details() {
    let op = Operator::parse("ForAllValues:StringNotEqualsIgnoreCaseIfExists");
    let op = op.map(|o| (o.set, o.negated, o.if_exists));
    assert_eq!(op, Some((SetOp::ForAllValues, true, true)));
    assert_eq!(
        Operator::parse("NotIpAddress").map(|o| (o.family, o.negated)),
        Some((Family::Ip, true))
    );
}
