//! `warden analyze`: IAM Access Analyzer's policy checks offline, with the request and response
//! shapes of `aws accessanalyzer ...` (docs/analyze.md).

use crate::error::{CliError, FAILED, SUCCESS};
use crate::input::{path_of, read_text};
use crate::output::write_json;
use serde::Serialize;
use std::io::Write;
use warden_analyze::codes::FindingType;
use warden_analyze::sarif::{self, SarifFinding};
use warden_analyze::validate::{ValidatePolicyFinding, ValidatePolicyRequest, validate_policy};

/// `warden analyze --help`'s description.
pub const LONG_ABOUT: &str = "\
IAM Access Analyzer's policy checks, offline: validate-policy with Access Analyzer's issue codes \
and locations, and the custom policy checks (check-no-new-access, check-access-not-granted, \
check-no-public-access) decided exactly, each FAIL with a witness request that the evaluator \
re-checks. Requests and responses have the shapes of `aws accessanalyzer ...`.";

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AnalyzeCommand {
    /// Validate a policy as `aws accessanalyzer validate-policy` does
    #[command(after_help = VALIDATE_AFTER_HELP)]
    ValidatePolicy(ValidatePolicyArgs),
}

const VALIDATE_AFTER_HELP: &str = "\
Examples:
  warden analyze validate-policy --policy-type IDENTITY_POLICY --policy-document file://policy.json
  warden analyze validate-policy --cli-input-json file://request.json
  warden analyze validate-policy --policy-type IDENTITY_POLICY --output sarif policies/*.json

Exit codes: 0 no finding at or above --fail-on; 1 such a finding; 2 usage or input error.";

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// AWS's response JSON, as awscli prints it.
    Json,
    /// One line per finding: FILE:LINE:COLUMN: TYPE CODE: details.
    Text,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailOn {
    /// Findings of type ERROR.
    Error,
    /// ERROR and SECURITY_WARNING.
    SecurityWarning,
    /// ERROR, SECURITY_WARNING and WARNING.
    Warning,
    /// Every finding.
    Suggestion,
    /// Never (exit 0 whatever is found).
    None,
}

impl FailOn {
    fn fails(self, t: FindingType) -> bool {
        let threshold = match self {
            FailOn::Error => FindingType::Error,
            FailOn::SecurityWarning => FindingType::SecurityWarning,
            FailOn::Warning => FindingType::Warning,
            FailOn::Suggestion => FindingType::Suggestion,
            FailOn::None => return false,
        };
        t <= threshold
    }
}

/// The flags of `validate-policy`: awscli's, plus files to check one by one.
#[derive(Debug, clap::Args)]
pub struct ValidatePolicyArgs {
    /// The request as JSON text or file://PATH (`aws accessanalyzer validate-policy
    /// --generate-cli-skeleton`'s shape)
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// The policy document: JSON text, or file://PATH
    #[arg(long, value_name = "DOCUMENT")]
    pub policy_document: Option<String>,
    /// IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY
    /// [default with FILE arguments: IDENTITY_POLICY]
    #[arg(long, value_name = "TYPE")]
    pub policy_type: Option<String>,
    /// For RESOURCE_POLICY: the resource type, e.g. AWS::IAM::AssumeRolePolicyDocument
    #[arg(long, value_name = "TYPE")]
    pub validate_policy_resource_type: Option<String>,
    /// The locale of the findings (only `en`)
    #[arg(long)]
    pub locale: Option<String>,
    /// At most this many findings (one page)
    #[arg(long, value_name = "N")]
    pub max_results: Option<usize>,
    /// The page to return, from a previous response's nextToken
    #[arg(long, value_name = "TOKEN")]
    pub next_token: Option<String>,
    /// Output format
    #[arg(long, short = 'o', value_enum, default_value_t = AnalyzeFormat::Json)]
    pub output: AnalyzeFormat,
    /// Exit 1 when a finding of this type or a more serious one is found
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Policy files to validate, each as its own request (for pre-commit and CI)
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
}

/// Runs `warden analyze`.
pub fn run<W: Write>(command: &AnalyzeCommand, out: &mut W) -> Result<u8, CliError> {
    match command {
        AnalyzeCommand::ValidatePolicy(args) => run_validate(args, out),
    }
}

/// A JSON text given as the value itself or as file://PATH.
pub fn text_or_file(value: &str, what: &str) -> Result<String, CliError> {
    if value.starts_with("file://") {
        read_text(value, what)
    } else {
        Ok(value.to_string())
    }
}

/// Reads `--cli-input-json` into a request type; unknown keys are errors, as awscli's are.
pub fn cli_input<T: serde::de::DeserializeOwned + Default>(
    value: Option<&str>,
) -> Result<T, CliError> {
    let Some(value) = value else {
        return Ok(T::default());
    };
    let text = text_or_file(value, "--cli-input-json file")?;
    serde_json::from_str(&text).map_err(|e| CliError::input(format!("--cli-input-json: {e}")))
}

fn analyze_error(e: warden_analyze::AnalyzeError) -> CliError {
    CliError::input(format!(
        "An error occurred ({}) when calling the operation: {}",
        e.code, e.message
    ))
}

#[derive(Serialize)]
struct FileFindings<'a> {
    file: &'a str,
    findings: &'a [ValidatePolicyFinding],
}

fn run_validate<W: Write>(args: &ValidatePolicyArgs, out: &mut W) -> Result<u8, CliError> {
    let mut base: ValidatePolicyRequest = cli_input(args.cli_input_json.as_deref())?;
    if let Some(t) = &args.policy_type {
        base.policy_type = t.clone();
    }
    if let Some(t) = &args.validate_policy_resource_type {
        base.validate_policy_resource_type = Some(t.clone());
    }
    if let Some(l) = &args.locale {
        base.locale = Some(l.clone());
    }
    if args.max_results.is_some() {
        base.max_results = args.max_results;
    }
    if let Some(t) = &args.next_token {
        base.next_token = Some(t.clone());
    }
    // (name shown in text and SARIF, request)
    let mut requests: Vec<(String, ValidatePolicyRequest)> = Vec::new();
    if args.files.is_empty() {
        if let Some(doc) = &args.policy_document {
            base.policy_document = text_or_file(doc, "policy document")?;
        }
        let name = match args
            .policy_document
            .as_deref()
            .or(args.cli_input_json.as_deref())
        {
            Some(v) if v.starts_with("file://") => path_of(v).to_string(),
            _ => "policy.json".to_string(),
        };
        if base.policy_type.is_empty() {
            return Err(CliError::input(
                "the following arguments are required: --policy-type",
            ));
        }
        requests.push((name, base));
    } else {
        if args.policy_document.is_some() {
            return Err(CliError::input(
                "give either --policy-document or FILE arguments, not both",
            ));
        }
        if base.policy_type.is_empty() {
            base.policy_type = "IDENTITY_POLICY".to_string();
        }
        for file in &args.files {
            let mut req = base.clone();
            req.policy_document = read_text(file, "policy file")?;
            requests.push((path_of(file).to_string(), req));
        }
    }
    let mut results = Vec::new();
    for (name, req) in &requests {
        let response = validate_policy(req).map_err(analyze_error)?;
        results.push((name.as_str(), response));
    }
    let failed = results
        .iter()
        .flat_map(|(_, r)| &r.findings)
        .any(|f| args.fail_on.fails(f.finding_type));
    match args.output {
        AnalyzeFormat::Json => {
            if args.files.is_empty() {
                if let Some((_, response)) = results.first() {
                    write_json(out, response)?;
                }
            } else {
                let files: Vec<FileFindings<'_>> = results
                    .iter()
                    .map(|(file, r)| FileFindings {
                        file,
                        findings: &r.findings,
                    })
                    .collect();
                write_json(out, &files)?;
            }
        }
        AnalyzeFormat::Text => {
            for (file, r) in &results {
                if r.findings.is_empty() {
                    writeln!(out, "{file}: no findings")?;
                }
                for f in &r.findings {
                    let (line, column) = f
                        .locations
                        .first()
                        .map_or((1, 1), |l| (l.span.start.line, l.span.start.column + 1));
                    writeln!(
                        out,
                        "{file}:{line}:{column}: {} {}: {}",
                        f.finding_type.name(),
                        f.issue_code,
                        f.finding_details
                    )?;
                }
            }
        }
        AnalyzeFormat::Sarif => {
            let findings: Vec<SarifFinding<'_>> = results
                .iter()
                .flat_map(|(file, r)| {
                    r.findings.iter().map(move |f| SarifFinding {
                        uri: file,
                        code: &f.issue_code,
                        finding_type: f.finding_type,
                        message: &f.finding_details,
                        location: f.locations.first(),
                    })
                })
                .collect();
            write_json(out, &sarif::log(&findings))?;
        }
    }
    Ok(if failed { FAILED } else { SUCCESS })
}
