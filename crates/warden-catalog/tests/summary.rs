//! Policy summaries against the built-in catalog: the seed's ECS policies, wildcards,
//! `NotAction`, explicit denies, unknown services and actions, and the console-like table.

use warden_catalog::summary::{PolicySummary, ServiceSummary, summarize};
use warden_catalog::{AccessLevel, actions, managed};
use warden_core::Policy;

const EC2_ROLE: &str = include_str!("../../../examples/AmazonEC2ContainerServiceforEC2Role.json");
const EC2_CONTAINER_SERVICE_FULL: &str =
    include_str!("../../../examples/AmazonEC2ContainerServiceFullAccess.json");
const ECS_FULL: &str = include_str!("../../../examples/AmazonECS_FullAccess.json");

// `cfg(test)` so clippy treats the helpers as test code (expect and panic are allowed there).
#[cfg(test)]
fn summary_of(text: &str) -> PolicySummary {
    summarize(&Policy::parse(text).expect("policy parses"), actions())
}

/// A one-statement policy.
fn statement(body: &str) -> PolicySummary {
    summary_of(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#
    ))
}

#[cfg(test)]
fn allowed<'a>(summary: &'a PolicySummary, prefix: &str) -> &'a ServiceSummary {
    summary
        .allowed(prefix)
        .unwrap_or_else(|| panic!("{prefix} is not allowed: {summary}"))
}

fn prefixes(services: &[ServiceSummary]) -> Vec<&str> {
    services.iter().map(|s| s.prefix.as_str()).collect()
}

#[test]
fn ec2_container_service_role_is_limited_on_four_services() {
    let summary = summary_of(EC2_ROLE);
    assert_eq!(prefixes(&summary.allow), ["ec2", "ecr", "ecs", "logs"]);
    assert!(summary.deny.is_empty());
    assert!(summary.unrecognized_services.is_empty());
    assert!(summary.unrecognized_actions.is_empty());
    for service in &summary.allow {
        assert_eq!(service.resources, "All resources", "{}", service.prefix);
        assert_eq!(service.request_conditions, "None", "{}", service.prefix);
        assert!(
            service.access_summary.starts_with("Limited: "),
            "{}: {}",
            service.prefix,
            service.access_summary
        );
    }

    let ecs = allowed(&summary, "ecs");
    assert_eq!(ecs.name, "Amazon Elastic Container Service");
    // Seven named actions plus whatever `ecs:Submit*` covers.
    let submits: Vec<String> = actions()
        .expand("ecs:Submit*")
        .into_iter()
        .map(|(_, a)| format!("ecs:{}", a.name))
        .collect();
    assert!(!submits.is_empty());
    assert_eq!(ecs.actions.len(), 7 + submits.len());
    for action in submits.iter().map(String::as_str).chain([
        "ecs:CreateCluster",
        "ecs:Poll",
        "ecs:UpdateContainerInstancesState",
    ]) {
        assert!(ecs.actions.iter().any(|a| a == action), "{action}");
    }
    // Every granted action is counted once, under its catalog level.
    let granted: usize = ecs.access.iter().map(|a| a.granted).sum();
    assert_eq!(granted, ecs.actions.len());
    for level in &ecs.access {
        let expected = ecs
            .actions
            .iter()
            .filter(|a| actions().action(a).expect("known").1.level == level.level)
            .count();
        assert_eq!(level.granted, expected, "{}", level.level);
        assert!(level.granted < level.total || level.total == 0);
    }

    let ec2 = allowed(&summary, "ec2");
    assert_eq!(ec2.actions, ["ec2:DescribeTags"]);
    let level = actions().action("ec2:DescribeTags").expect("known").1.level;
    assert_eq!(ec2.access_summary, format!("Limited: {level}"));

    assert_eq!(
        allowed(&summary, "logs").actions,
        ["logs:CreateLogStream", "logs:PutLogEvents"]
    );
}

#[test]
fn a_service_wildcard_is_full_access() {
    let summary = statement(r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*"}"#);
    assert_eq!(prefixes(&summary.allow), ["ecs"]);
    let ecs = allowed(&summary, "ecs");
    assert_eq!(ecs.access_summary, "Full access");
    let service = actions().service("ecs").expect("ecs");
    assert_eq!(ecs.actions.len(), service.actions.len());
    assert!(
        ecs.access
            .iter()
            .all(|a| a.granted == a.total && a.total > 0)
    );
    let levels: Vec<AccessLevel> = ecs.access.iter().map(|a| a.level).collect();
    let expected: Vec<AccessLevel> = AccessLevel::ALL
        .into_iter()
        .filter(|&l| service.actions.iter().any(|a| a.level == l))
        .collect();
    assert_eq!(levels, expected);
}

#[test]
fn describe_wildcard_counts_match_the_catalog() {
    let summary = statement(r#"{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}"#);
    let ec2 = allowed(&summary, "ec2");
    let service = actions().service("ec2").expect("ec2");
    let mut full = Vec::new();
    let mut limited = Vec::new();
    for level in AccessLevel::ALL {
        let at_level: Vec<_> = service
            .actions
            .iter()
            .filter(|a| a.level == level)
            .collect();
        let describes = at_level
            .iter()
            .filter(|a| a.name.starts_with("Describe"))
            .count();
        let Some(access) = ec2.level(level) else {
            assert!(at_level.is_empty(), "{level} missing");
            continue;
        };
        assert_eq!(access.total, at_level.len(), "{level}");
        assert_eq!(access.granted, describes, "{level}");
        if describes == at_level.len() {
            full.push(level.name());
        } else if describes > 0 {
            limited.push(level.name());
        }
    }
    // Describe* only reaches List and Read: no Describe action writes or tags.
    assert!(
        ec2.level(AccessLevel::Write)
            .is_some_and(|a| a.granted == 0)
    );
    assert!(
        ec2.level(AccessLevel::Tagging)
            .is_some_and(|a| a.granted == 0)
    );
    let mut expected = Vec::new();
    if !full.is_empty() {
        expected.push(format!("Full: {}", full.join(", ")));
    }
    if !limited.is_empty() {
        expected.push(format!("Limited: {}", limited.join(", ")));
    }
    assert_eq!(ec2.access_summary, expected.join(" "));
    let describes = service
        .actions
        .iter()
        .filter(|a| a.name.starts_with("Describe"))
        .count();
    assert!(describes > 100, "{describes}");
    assert_eq!(ec2.actions.len(), describes);
}

#[test]
fn full_and_limited_levels_are_listed_in_order() {
    let service = actions().service("ecs").expect("ecs");
    let list: Vec<String> = service
        .actions
        .iter()
        .filter(|a| a.level == AccessLevel::List)
        .map(|a| format!("ecs:{}", a.name))
        .collect();
    assert!(!list.is_empty());
    let mut granted = list.clone();
    granted.push("ECS:runtask".to_string()); // action names compare without case
    let body = format!(
        r#"{{"Effect":"Allow","Action":{},"Resource":"*"}}"#,
        serde_json::to_string(&granted).expect("json")
    );
    let ecs = statement(&body).allowed("ecs").cloned().expect("ecs");
    assert_eq!(ecs.access_summary, "Full: List Limited: Write");
    assert!(ecs.actions.iter().any(|a| a == "ecs:RunTask"));
    assert_eq!(ecs.actions.len(), list.len() + 1);
}

#[test]
fn deny_statements_are_reported_apart() {
    let summary = summary_of(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"ecs:*","Resource":"*"},
            {"Effect":"Deny","Action":"ecs:DeleteCluster","Resource":"*",
             "Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}
        ]}"#,
    );
    assert_eq!(prefixes(&summary.allow), ["ecs"]);
    assert_eq!(prefixes(&summary.deny), ["ecs"]);
    // The summary describes each effect's statements; it does not subtract denies.
    assert_eq!(allowed(&summary, "ecs").access_summary, "Full access");
    let denied = summary.denied("ecs").expect("denied");
    assert_eq!(denied.actions, ["ecs:DeleteCluster"]);
    assert_eq!(denied.access_summary, "Limited: Write");
    assert_eq!(denied.request_conditions, "aws:PrincipalTag/team");
    assert_eq!(allowed(&summary, "ecs").request_conditions, "None");
}

#[test]
fn not_action_covers_every_other_service() {
    let summary = statement(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    assert!(summary.allowed("iam").is_none());
    assert_eq!(summary.allow.len(), actions().prefixes().len() - 1);
    assert_eq!(summary.catalog_services, actions().prefixes().len());
    for prefix in ["ecs", "ec2", "s3", "sts"] {
        assert_eq!(allowed(&summary, prefix).access_summary, "Full access");
    }
    let sorted = {
        let mut p = prefixes(&summary.allow);
        p.sort_unstable();
        p
    };
    assert_eq!(prefixes(&summary.allow), sorted);

    // Within a service, NotAction leaves what its patterns do not match.
    let summary = statement(
        r#"{"Effect":"Allow","NotAction":["iam:*","ecs:Delete*","s3:*"],"Resource":"*"}"#,
    );
    let ecs = allowed(&summary, "ecs");
    let service = actions().service("ecs").expect("ecs");
    let deletes = service
        .actions
        .iter()
        .filter(|a| a.name.starts_with("Delete"))
        .count();
    assert!(deletes > 0);
    assert_eq!(ecs.actions.len(), service.actions.len() - deletes);
    assert!(
        ecs.access_summary.contains("Limited: Write"),
        "{}",
        ecs.access_summary
    );
    assert!(summary.allowed("s3").is_none());
    assert!(summary.unrecognized_actions.is_empty());
}

#[test]
fn unknown_services_and_actions_are_reported() {
    let summary = statement(
        r#"{"Effect":"Allow","Action":["foo:Bar","FOO:Baz","foo:*","ecs:Nope","ecs:Nope*","ecs:RunTask","nocolon"],"Resource":"*"}"#,
    );
    assert_eq!(summary.unrecognized_services, ["foo"]);
    assert_eq!(
        summary.unrecognized_actions,
        ["ecs:Nope", "ecs:Nope*", "nocolon"]
    );
    assert_eq!(prefixes(&summary.allow), ["ecs"]);
    assert_eq!(allowed(&summary, "ecs").actions, ["ecs:RunTask"]);

    // A typo in NotAction excludes nothing: it is reported too.
    let summary = statement(r#"{"Effect":"Allow","NotAction":"iam:PasRole","Resource":"*"}"#);
    assert_eq!(summary.unrecognized_actions, ["iam:PasRole"]);
    assert_eq!(allowed(&summary, "iam").access_summary, "Full access");

    // Nothing known at all.
    let summary = statement(r#"{"Effect":"Allow","Action":"foo:Bar","Resource":"*"}"#);
    assert!(summary.allow.is_empty());
    assert_eq!(summary.unrecognized_services, ["foo"]);
}

#[test]
fn deprecated_ec2_container_service_full_access_passes_roles_as_a_write() {
    let policy = managed()
        .lookup("AmazonEC2ContainerServiceFullAccess")
        .expect("in the catalog");
    assert!(policy.deprecated.is_some());
    let summary = summary_of(EC2_CONTAINER_SERVICE_FULL);
    assert_eq!(summary_of(policy.document()), summary);

    let pass_role = actions().action("iam:PassRole").expect("known").1;
    assert_eq!(pass_role.level, AccessLevel::Write);
    let iam = allowed(&summary, "iam");
    assert_eq!(
        iam.actions,
        ["iam:ListInstanceProfiles", "iam:ListRoles", "iam:PassRole"]
    );
    let write = iam.level(AccessLevel::Write).expect("iam writes");
    assert_eq!(write.granted, 1);
    assert!(write.total > 1);
    assert_eq!(iam.level(AccessLevel::List).expect("list").granted, 2);
    assert_eq!(iam.access_summary, "Limited: List, Write");
    assert_eq!(iam.resources, "All resources");
    assert_eq!(iam.request_conditions, "None");
    assert_eq!(allowed(&summary, "ecs").access_summary, "Full access");
    assert_eq!(
        allowed(&summary, "elasticloadbalancing").access_summary,
        "Full access"
    );
    assert_eq!(
        prefixes(&summary.allow),
        [
            "autoscaling",
            "cloudformation",
            "cloudwatch",
            "ec2",
            "ecs",
            "elasticloadbalancing",
            "events",
            "iam"
        ]
    );
}

#[test]
fn ecs_full_access_scopes_iam_by_resource_and_condition() {
    let summary = summary_of(ECS_FULL);
    assert!(summary.unrecognized_services.is_empty());
    assert!(summary.unrecognized_actions.is_empty());
    let iam = allowed(&summary, "iam");
    // PassRole under iam:PassedToService, CreateServiceLinkedRole under iam:AWSServiceName.
    assert_eq!(iam.request_conditions, "Multiple");
    // `*` for the list actions, and two role patterns for PassRole.
    assert_eq!(iam.resources, "Multiple");
    assert!(iam.actions.iter().any(|a| a == "iam:PassRole"));
    assert!(
        iam.actions
            .iter()
            .any(|a| a == "iam:CreateServiceLinkedRole")
    );

    let ssm = allowed(&summary, "ssm");
    assert_eq!(ssm.resources, "arn:aws:ssm:*:*:parameter/aws/service/ecs*");
    assert_eq!(ssm.request_conditions, "None");
    assert_eq!(ssm.access_summary, "Limited: Read");

    // ec2's deletes carry a tag condition, its other actions none: the conditions differ
    // between ec2's actions.
    let ec2 = allowed(&summary, "ec2");
    assert_eq!(ec2.request_conditions, "Multiple");
    assert_eq!(ec2.resources, "All resources");
    assert_eq!(allowed(&summary, "ecs").access_summary, "Full access");
}

#[test]
fn resources_are_the_ones_each_service_can_use() {
    let summary = statement(
        r#"{"Effect":"Allow","Action":["s3:GetObject","dynamodb:GetItem","ec2:StartInstances"],
            "Resource":["arn:aws:s3:::bucket/*","arn:aws:dynamodb:*:*:table/orders"]}"#,
    );
    assert_eq!(allowed(&summary, "s3").resources, "arn:aws:s3:::bucket/*");
    assert_eq!(
        allowed(&summary, "dynamodb").resources,
        "arn:aws:dynamodb:*:*:table/orders"
    );
    assert_eq!(allowed(&summary, "ec2").resources, "None - no resources");

    let summary = statement(
        r#"{"Effect":"Allow","Action":["s3:GetObject","ec2:StartInstances"],
            "NotResource":"arn:aws:s3:::secret/*"}"#,
    );
    assert_eq!(
        allowed(&summary, "s3").resources,
        "All resources except arn:aws:s3:::secret/*"
    );
    assert_eq!(allowed(&summary, "ec2").resources, "All resources");

    let summary = statement(
        r#"{"Effect":"Allow","Action":"s3:GetObject",
            "Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]}"#,
    );
    assert_eq!(allowed(&summary, "s3").resources, "Multiple");
}

#[test]
fn summaries_serialize_for_the_cli() {
    let value = serde_json::to_value(summary_of(EC2_ROLE)).expect("serializes");
    let ecs = &value["allow"][2];
    assert_eq!(ecs["prefix"], "ecs");
    assert_eq!(ecs["resources"], "All resources");
    assert_eq!(ecs["request_conditions"], "None");
    assert_eq!(ecs["access"][0]["level"], "List");
    assert!(ecs["access"][0]["total"].as_u64().expect("count") > 0);
    assert_eq!(value["unrecognized_services"], serde_json::json!([]));
}

#[test]
fn ec2_container_service_role_table() {
    insta::assert_snapshot!(summary_of(EC2_ROLE).to_string());
}

#[test]
fn table_with_deny_and_unrecognized_entries() {
    let summary = summary_of(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["ecs:*","ecr:Get*","foo:Bar","ecs:Nope"],"Resource":"*"},
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/ecsTaskRole",
             "Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}},
            {"Effect":"Deny","Action":"ecs:Delete*","Resource":"*"}
        ]}"#,
    );
    insta::assert_snapshot!(summary.to_string());
}
