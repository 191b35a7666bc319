//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), so that CI code scanning
//! shows each finding on its line. Only the members the format requires, plus rule metadata
//! and regions (`sarif-v2.1.0-os.html`, sections 3.13 sarifLog, 3.14 run, 3.19 toolComponent,
//! 3.27 result, 3.28 location, 3.30 region).

use crate::codes::{self, FindingType};
use crate::locate::Location;
use serde_json::{Value, json};

/// A finding as SARIF sees it: a rule (issue code), a level, a message and where.
#[derive(Debug, Clone)]
pub struct SarifFinding<'a> {
    /// The file the finding is in, as a URI reference (a relative path).
    pub uri: &'a str,
    /// The issue code.
    pub code: &'a str,
    /// The finding type.
    pub finding_type: FindingType,
    /// The message.
    pub message: &'a str,
    /// Where; the file's first line when absent.
    pub location: Option<&'a Location>,
}

/// SARIF's `level` for a finding type (3.27.10: `error`, `warning`, `note`).
pub fn level(t: FindingType) -> &'static str {
    match t {
        FindingType::Error | FindingType::SecurityWarning => "error",
        FindingType::Warning => "warning",
        FindingType::Suggestion => "note",
    }
}

/// The SARIF log of one run of Warden over some files.
pub fn log(findings: &[SarifFinding<'_>]) -> Value {
    let mut rules: Vec<(&str, FindingType)> = Vec::new();
    for f in findings {
        if !rules.iter().any(|(c, _)| *c == f.code) {
            rules.push((f.code, f.finding_type));
        }
    }
    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|(code, t)| {
            json!({
                "id": code,
                "name": code,
                "shortDescription": {"text": code.replace('_', " ").to_lowercase()},
                "helpUri": codes::learn_more_link(code, *t),
                "defaultConfiguration": {"level": level(*t)},
                "properties": {"tags": tags(*t)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|(c, _)| *c == f.code).unwrap_or(0);
            // SARIF lines and columns are 1-based (3.30.5, 3.30.6); Access Analyzer's columns
            // are 0-based.
            let region = match f.location {
                Some(l) => json!({
                    "startLine": l.span.start.line.max(1),
                    "startColumn": l.span.start.column + 1,
                    "endLine": l.span.end.line.max(1),
                    "endColumn": l.span.end.column + 1,
                    "charOffset": l.span.start.offset,
                    "charLength": l.span.end.offset.saturating_sub(l.span.start.offset),
                }),
                None => json!({"startLine": 1}),
            };
            json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.finding_type),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.uri},
                        "region": region,
                    }
                }],
                "properties": {"findingType": f.finding_type.name()},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "warden",
                    "informationUri": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            },
            "results": results,
        }]
    })
}

fn tags(t: FindingType) -> Vec<&'static str> {
    match t {
        FindingType::SecurityWarning => vec!["security", "iam"],
        _ => vec!["iam"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{ValidatePolicyRequest, validate_policy};

    /// The members SARIF 2.1.0's schema requires (sarif-schema-2.1.0.json: `required` of
    /// sarifLog, run, tool, toolComponent, result, message, reportingDescriptor, and the
    /// minimums of region), and the constraints between them.
    fn assert_sarif_shape(log: &Value) {
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().expect("runs is an array");
        for run in runs {
            let driver = &run["tool"]["driver"];
            assert!(driver["name"].is_string(), "toolComponent.name is required");
            let rules = driver["rules"].as_array().expect("rules");
            for rule in rules {
                assert!(rule["id"].is_string(), "reportingDescriptor.id is required");
            }
            for result in run["results"].as_array().expect("results") {
                assert!(
                    result["message"]["text"].is_string(),
                    "result.message needs text"
                );
                let level = result["level"].as_str().expect("level");
                assert!(["none", "note", "warning", "error"].contains(&level));
                let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
                assert_eq!(rules[index]["id"], result["ruleId"]);
                for location in result["locations"].as_array().expect("locations") {
                    let physical = &location["physicalLocation"];
                    assert!(physical["artifactLocation"]["uri"].is_string());
                    let region = &physical["region"];
                    assert!(region["startLine"].as_u64().expect("startLine") >= 1);
                    if let Some(c) = region.get("startColumn") {
                        assert!(c.as_u64().expect("startColumn") >= 1);
                    }
                    if let Some(c) = region.get("endColumn") {
                        assert!(c.as_u64().expect("endColumn") >= 1);
                    }
                    if let Some(l) = region.get("endLine") {
                        assert!(l.as_u64() >= region["startLine"].as_u64());
                    }
                }
            }
        }
    }

    #[test]
    fn findings_become_a_valid_sarif_log_on_the_right_line() {
        let doc = "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\",\n  \"Action\": [\"iam:PassRole\", \"ecs:RunTsk\"], \"Resource\": \"*\"}]\n}";
        let response = validate_policy(&ValidatePolicyRequest {
            policy_document: doc.into(),
            policy_type: "IDENTITY_POLICY".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(response.findings.len() >= 2);
        let findings: Vec<SarifFinding<'_>> = response
            .findings
            .iter()
            .map(|f| SarifFinding {
                uri: "policies/ci.json",
                code: &f.issue_code,
                finding_type: f.finding_type,
                message: &f.finding_details,
                location: f.locations.first(),
            })
            .collect();
        let log = log(&findings);
        assert_sarif_shape(&log);
        let results = log["runs"][0]["results"].as_array().unwrap();
        let invalid = results
            .iter()
            .find(|r| r["ruleId"] == "INVALID_ACTION")
            .unwrap();
        let region = &invalid["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 4);
        // 1-based column of the opening quote of "ecs:RunTsk".
        let line = doc.lines().nth(3).unwrap();
        assert_eq!(
            region["startColumn"],
            line.find("\"ecs:RunTsk\"").unwrap() + 1
        );
        assert_eq!(invalid["level"], "error");
    }

    #[test]
    fn an_empty_run_is_still_a_valid_log() {
        assert_sarif_shape(&log(&[]));
    }
}
