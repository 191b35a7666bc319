//! Runs the catalog checks over every AWS managed policy's default version: AWS's own policies
//! are the largest body of real documents, so what the checks report there shows how well the
//! catalog covers them (and where the checks would be noisy).

use std::collections::BTreeMap;

use warden_catalog::checks::check;
use warden_catalog::{actions, managed};
use warden_core::PolicyType;
use warden_core::policy::validate::Severity;

#[test]
fn managed_policies_through_the_catalog_checks() {
    let catalog = actions();
    let policies: Vec<_> = managed().policies().collect();
    assert_eq!(policies.len(), managed().len());
    assert!(!policies.is_empty());

    // Per code: the policies with at least one finding, and the findings.
    let mut per_code: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let mut examples: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut with_findings = 0;
    for policy in &policies {
        let findings = check(policy.document(), PolicyType::Identity, catalog);
        assert!(
            findings.iter().all(|f| f.severity == Severity::Warning),
            "{}",
            policy.name
        );
        if !findings.is_empty() {
            with_findings += 1;
        }
        let mut codes: Vec<&'static str> = findings.iter().map(|f| f.code).collect();
        for finding in &findings {
            per_code.entry(finding.code).or_default().1 += 1;
            let shown = examples.entry(finding.code).or_default();
            if shown.len() < 5 {
                shown.push(format!("{}: {finding}", policy.name));
            }
        }
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            per_code.entry(code).or_default().0 += 1;
        }
    }

    eprintln!(
        "{} managed policies, {with_findings} with catalog findings",
        policies.len()
    );
    for (code, (policies, findings)) in &per_code {
        eprintln!("{code}: {policies} policies, {findings} findings");
        for example in &examples[code] {
            eprintln!("    {example}");
        }
    }

    // The seed's ECS policies name only actions the catalog knows.
    for name in [
        "AmazonEC2ContainerServiceforEC2Role",
        "AmazonEC2ContainerServiceRole",
    ] {
        let policy = managed().by_name(name).expect(name);
        let findings = check(policy.document(), PolicyType::Identity, catalog);
        assert!(
            findings
                .iter()
                .all(|f| f.code != "INVALID_SERVICE_IN_ACTION"),
            "{name}: {findings:#?}"
        );
    }
}
