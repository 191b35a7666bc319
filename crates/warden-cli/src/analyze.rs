//! `warden analyze`: IAM Access Analyzer's policy checks offline, with the request and response
//! shapes of `aws accessanalyzer ...` (docs/analyze.md).

use crate::error::{CliError, FAILED, SUCCESS};
use crate::input::{path_of, read_text};
use crate::output::write_json;
use serde::Serialize;
use std::io::Write;
use warden_analyze::codes::FindingType;
use warden_analyze::custom::{
    Access, CheckAccessNotGrantedRequest, CheckNoNewAccessRequest, CheckNoPublicAccessRequest,
    CheckResponse, check_access_not_granted, check_no_new_access, check_no_public_access,
};
use warden_analyze::locate::{self, Location};
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
    /// Whether a new policy grants access the existing one does not (PASS only when it grants
    /// none), with a witness request for each statement that does
    #[command(after_help = CHECK_AFTER_HELP)]
    CheckNoNewAccess(CheckNoNewAccessArgs),
    /// Whether a policy can allow any of the listed actions on the listed resources
    #[command(after_help = CHECK_AFTER_HELP)]
    CheckAccessNotGranted(CheckAccessNotGrantedArgs),
    /// Whether a resource policy lets a caller outside the account in
    #[command(after_help = CHECK_AFTER_HELP)]
    CheckNoPublicAccess(CheckNoPublicAccessArgs),
}

const CHECK_AFTER_HELP: &str = "\
Examples:
  warden analyze check-no-new-access --policy-type IDENTITY_POLICY \\
      --existing-policy-document file://old.json --new-policy-document file://new.json
  warden analyze check-access-not-granted --policy-type IDENTITY_POLICY \\
      --policy-document file://policy.json --access '[{\"actions\": [\"iam:PassRole\"]}]'
  warden analyze check-no-public-access --resource-type AWS::S3::Bucket \\
      --policy-document file://bucket-policy.json

The response is AWS's (result, message, reasons) with Warden's witnesses in each reason.
Exit codes: 0 PASS; 1 FAIL (with --fail-on NONE: 0); 2 usage or input error.";

/// `--fail-on` of the custom checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckFailOn {
    /// Exit 1 on FAIL.
    Fail,
    /// Never exit 1.
    None,
}

/// The flags every custom check shares.
#[derive(Debug, clap::Args)]
pub struct CheckCommon {
    /// The request as JSON text or file://PATH (awscli's --generate-cli-skeleton shape)
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// Output format (sarif puts each reason on its statement)
    #[arg(long, short = 'o', value_enum, default_value_t = AnalyzeFormat::Json)]
    pub output: AnalyzeFormat,
    /// Exit 1 on FAIL (FAIL), or never (NONE)
    #[arg(long, value_enum, default_value_t = CheckFailOn::Fail)]
    pub fail_on: CheckFailOn,
}

/// `check-no-new-access`.
#[derive(Debug, clap::Args)]
pub struct CheckNoNewAccessArgs {
    /// The policy as it is: JSON text or file://PATH
    #[arg(long, value_name = "DOCUMENT")]
    pub existing_policy_document: Option<String>,
    /// The policy as it would be: JSON text or file://PATH
    #[arg(long, value_name = "DOCUMENT")]
    pub new_policy_document: Option<String>,
    /// IDENTITY_POLICY or RESOURCE_POLICY
    #[arg(long, value_name = "TYPE")]
    pub policy_type: Option<String>,
    #[command(flatten)]
    pub common: CheckCommon,
}

/// `check-access-not-granted`.
#[derive(Debug, clap::Args)]
pub struct CheckAccessNotGrantedArgs {
    /// The policy: JSON text or file://PATH
    #[arg(long, value_name = "DOCUMENT")]
    pub policy_document: Option<String>,
    /// The access: a JSON list of {"actions": [...], "resources": [...]}, or file://PATH
    #[arg(long, value_name = "JSON")]
    pub access: Option<String>,
    /// IDENTITY_POLICY or RESOURCE_POLICY
    #[arg(long, value_name = "TYPE")]
    pub policy_type: Option<String>,
    #[command(flatten)]
    pub common: CheckCommon,
}

/// `check-no-public-access`.
#[derive(Debug, clap::Args)]
pub struct CheckNoPublicAccessArgs {
    /// The resource policy: JSON text or file://PATH
    #[arg(long, value_name = "DOCUMENT")]
    pub policy_document: Option<String>,
    /// The resource type, e.g. AWS::S3::Bucket
    #[arg(long, value_name = "TYPE")]
    pub resource_type: Option<String>,
    #[command(flatten)]
    pub common: CheckCommon,
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
        AnalyzeCommand::CheckNoNewAccess(args) => {
            let mut req: CheckNoNewAccessRequest =
                cli_input(args.common.cli_input_json.as_deref())?;
            if let Some(d) = &args.existing_policy_document {
                req.existing_policy_document = text_or_file(d, "existing policy document")?;
            }
            if let Some(d) = &args.new_policy_document {
                req.new_policy_document = text_or_file(d, "new policy document")?;
            }
            if let Some(t) = &args.policy_type {
                req.policy_type = t.clone();
            }
            require(&[
                (
                    "--existing-policy-document",
                    req.existing_policy_document.is_empty(),
                ),
                ("--new-policy-document", req.new_policy_document.is_empty()),
                ("--policy-type", req.policy_type.is_empty()),
            ])?;
            let response = check_no_new_access(&req).map_err(analyze_error)?;
            let doc = req.new_policy_document.clone();
            let name = file_name(args.new_policy_document.as_deref());
            write_check(out, &args.common, &response, &doc, &name)
        }
        AnalyzeCommand::CheckAccessNotGranted(args) => {
            let mut req: CheckAccessNotGrantedRequest =
                cli_input(args.common.cli_input_json.as_deref())?;
            if let Some(d) = &args.policy_document {
                req.policy_document = text_or_file(d, "policy document")?;
            }
            if let Some(a) = &args.access {
                let text = text_or_file(a, "access file")?;
                req.access = serde_json::from_str::<Vec<Access>>(&text)
                    .map_err(|e| CliError::input(format!("--access: {e}")))?;
            }
            if let Some(t) = &args.policy_type {
                req.policy_type = t.clone();
            }
            require(&[
                ("--policy-document", req.policy_document.is_empty()),
                ("--access", req.access.is_empty()),
                ("--policy-type", req.policy_type.is_empty()),
            ])?;
            let response = check_access_not_granted(&req).map_err(analyze_error)?;
            let doc = req.policy_document.clone();
            let name = file_name(args.policy_document.as_deref());
            write_check(out, &args.common, &response, &doc, &name)
        }
        AnalyzeCommand::CheckNoPublicAccess(args) => {
            let mut req: CheckNoPublicAccessRequest =
                cli_input(args.common.cli_input_json.as_deref())?;
            if let Some(d) = &args.policy_document {
                req.policy_document = text_or_file(d, "policy document")?;
            }
            if let Some(t) = &args.resource_type {
                req.resource_type = t.clone();
            }
            require(&[
                ("--policy-document", req.policy_document.is_empty()),
                ("--resource-type", req.resource_type.is_empty()),
            ])?;
            let response = check_no_public_access(&req).map_err(analyze_error)?;
            let doc = req.policy_document.clone();
            let name = file_name(args.policy_document.as_deref());
            write_check(out, &args.common, &response, &doc, &name)
        }
    }
}

/// awscli's message for missing required parameters.
fn require(params: &[(&str, bool)]) -> Result<(), CliError> {
    let missing: Vec<&str> = params.iter().filter(|(_, m)| *m).map(|(n, _)| *n).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::input(format!(
            "the following arguments are required: {}",
            missing.join(", ")
        )))
    }
}

fn file_name(arg: Option<&str>) -> String {
    match arg {
        Some(v) if v.starts_with("file://") => path_of(v).to_string(),
        _ => "policy.json".to_string(),
    }
}

/// Prints a custom check's response and gives the exit code.
fn write_check<W: Write>(
    out: &mut W,
    common: &CheckCommon,
    response: &CheckResponse,
    document: &str,
    name: &str,
) -> Result<u8, CliError> {
    match common.output {
        AnalyzeFormat::Json => write_json(out, response)?,
        AnalyzeFormat::Text => {
            writeln!(out, "{}: {}", response.result, response.message)?;
            for r in &response.reasons {
                writeln!(out, "  {}", r.description)?;
                for w in &r.witnesses {
                    let mut context: Vec<String> = w
                        .context
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.join(",")))
                        .collect();
                    context.extend(w.absent_keys.iter().map(|k| format!("{k} absent")));
                    let by = w
                        .principal
                        .as_deref()
                        .map(|p| format!(" by {p}"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "    witness: {} on {}{by}{}{}",
                        w.action,
                        w.resource,
                        if context.is_empty() {
                            String::new()
                        } else {
                            format!(" with {}", context.join(", "))
                        },
                        if w.action_in_catalog {
                            ""
                        } else {
                            " (an action the catalog does not list)"
                        }
                    )?;
                }
            }
        }
        AnalyzeFormat::Sarif => {
            let json = warden_core::json::Json::parse(document).ok();
            let locations: Vec<Option<Location>> = response
                .reasons
                .iter()
                .map(|r| {
                    let j = json.as_ref()?;
                    locate::in_statement(document, j, r.statement_index?, None, |_| None)
                })
                .collect();
            let findings: Vec<SarifFinding<'_>> = response
                .reasons
                .iter()
                .zip(&locations)
                .map(|(r, l)| SarifFinding {
                    uri: name,
                    code: "CUSTOM_CHECK_FAIL",
                    finding_type: FindingType::SecurityWarning,
                    message: &r.description,
                    location: l.as_ref(),
                })
                .collect();
            write_json(out, &sarif::log(&findings))?;
        }
    }
    let failed = !response.passed() && common.fail_on == CheckFailOn::Fail;
    Ok(if failed { FAILED } else { SUCCESS })
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
                // Files without findings are listed only for a single document (linters stay
                // quiet about clean files).
                if r.findings.is_empty() && args.files.is_empty() {
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
