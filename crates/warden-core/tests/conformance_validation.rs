//! The validator against the validation vectors in `shared/conformance/validation_moto.json`:
//! AWS's answers to `CreatePolicy` / `UpdateAssumeRolePolicy` as an independent project records
//! them. Every case must give the expected validity and, when invalid, AWS's message as the
//! first error.

use serde::Deserialize;
use warden_core::policy::PolicyType;
use warden_core::policy::validate::validate;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/validation_moto.json"
);

#[derive(Deserialize)]
struct Case {
    id: String,
    policy_text: String,
    kind: String,
    expected_valid: bool,
    expected_error_contains: Option<String>,
    expected_error_code: Option<String>,
}

#[test]
fn every_validation_vector_gives_aws_answer() -> Result<(), String> {
    let text = match std::fs::read_to_string(VECTORS) {
        Ok(text) => text,
        Err(err) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{VECTORS} is missing on CI: {err}"
            );
            skipped(VECTORS, "all 136 validation conformance cases", &err);
            return Ok(());
        }
    };
    let cases: Vec<Case> =
        serde_json::from_str(&text).map_err(|e| format!("{VECTORS} is not valid: {e}"))?;
    assert!(!cases.is_empty(), "no vectors in {VECTORS}");

    let mut failures = Vec::new();
    for case in &cases {
        let policy_type = match case.kind.as_str() {
            "identity" => PolicyType::Identity,
            "trust" => PolicyType::Trust,
            other => {
                failures.push(format!("{}: unknown kind `{other}`", case.id));
                continue;
            }
        };
        let report = validate(&case.policy_text, policy_type);
        if report.is_valid() != case.expected_valid {
            let got = report
                .first_error()
                .map_or_else(|| "valid".to_string(), ToString::to_string);
            failures.push(format!(
                "{}: expected {}, got {got}",
                case.id,
                if case.expected_valid {
                    "valid"
                } else {
                    "invalid"
                },
            ));
            continue;
        }
        let Some(first) = report.first_error() else {
            continue;
        };
        if let Some(expected) = &case.expected_error_contains
            && !first.message.contains(expected.as_str())
        {
            failures.push(format!(
                "{}: expected message `{expected}`, got `{}`",
                case.id, first.message
            ));
        }
        if let Some(code) = &case.expected_error_code
            && first.code != code
        {
            failures.push(format!(
                "{}: expected code {code}, got {}",
                case.id, first.code
            ));
        }
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {} vectors fail:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        ));
    }
    println!("{} validation vectors pass", cases.len());
    Ok(())
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
