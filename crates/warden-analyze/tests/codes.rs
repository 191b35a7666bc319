//! The issue codes Warden reports against AWS's list (`../shared/data/access-analyzer-policy-checks.json`):
//! every implemented code is one AWS documents or was seen reporting, with the same finding type.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use warden_analyze::codes::{FindingType, IMPLEMENTED};

#[test]
fn implemented_codes_are_aws_codes_with_aws_finding_types() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/access-analyzer-policy-checks.json"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(err) => {
            assert!(std::env::var_os("CI").is_none(), "{path}: {err}");
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIPPED Access Analyzer codes: `{path}` not found ({err}). ../shared is the \
                 project's shared folder, checked out beside this repository (README, \"Running \
                 the tests\"); with CI set this is a failure."
            );
            return;
        }
    };
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut aws: Vec<(String, String)> = Vec::new();
    for list in ["doc_checks", "observed_newer_checks"] {
        for c in data[list].as_array().unwrap() {
            aws.push((
                c["issue_code"].as_str().unwrap().to_string(),
                c["finding_type"].as_str().unwrap().to_string(),
            ));
        }
    }
    for (code, t) in IMPLEMENTED {
        let found = aws.iter().find(|(c, _)| c == code);
        let Some((_, aws_type)) = found else {
            panic!("{code} is not one of AWS's codes");
        };
        assert_eq!(
            FindingType::from_name(aws_type),
            Some(*t),
            "{code}: AWS's finding type is {aws_type}"
        );
    }
    // The figure docs/analyze.md gives.
    assert_eq!(IMPLEMENTED.len(), 71);
    assert_eq!(aws.len(), 138);
}
