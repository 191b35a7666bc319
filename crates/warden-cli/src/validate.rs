//! `warden validate`: checks policy documents as IAM (and AWS Organizations, for SCPs and RCPs)
//! does when they are created, with AWS's own messages.

use crate::error::{CliError, FAILED, SUCCESS, USAGE};
use crate::guard::shorten_quoted;
use crate::input::{path_of, read_text};
use crate::output::write_json;
use serde::Serialize;
use std::io::Write;
use warden_core::PolicyType;
use warden_core::policy::validate::{Diagnostic, Report, SizeLimit, validate_with_limit};

/// `warden validate --help`'s description.
pub const LONG_ABOUT: &str = "\
Check policy documents as IAM (and AWS Organizations, for SCPs and RCPs) does when they are \
created, with AWS's own error codes and messages.

For each file prints `FILE: valid`, or `FILE: invalid: ` and the error AWS would return, with \
the statement, element, line and column. Further errors and warnings (findings AWS accepts but \
that probably do not do what was meant) follow, indented.

Valid documents are also checked against AWS's action catalog, as IAM Access Analyzer does: \
unknown services, actions and condition keys, and operators that do not fit a key's type are \
reported as warnings with Access Analyzer's codes (IAM itself accepts them).";

/// `warden validate --help`'s examples.
pub const AFTER_HELP: &str = "\
Examples:
  warden validate --policy-type identity policies/*.json
  warden validate --policy-type trust file://trust.json
  warden validate -t identity --size-limit role-inline inline.json
  warden validate -t scp --output json scps/*.json

Exit codes: 0 every file is valid; 1 a file is invalid; 2 usage error or unreadable file.";

/// The `--output` formats of `warden validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    /// One line per file, then its further errors and warnings.
    Text,
    /// A JSON array: one object per file with its errors and warnings.
    Json,
}

/// The flags of `warden validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The kind of policy: identity, resource, trust, boundary, session, scp or rcp
    #[arg(long, short = 't', value_name = "TYPE", value_parser = parse_policy_type)]
    pub policy_type: PolicyType,

    /// The size quota to check against: managed, role-inline, user-inline, group-inline,
    /// trust, session, organizations, or a number of characters [default: the type's usual
    /// quota]
    #[arg(long, value_name = "LIMIT", value_parser = parse_size_limit)]
    pub size_limit: Option<SizeLimit>,

    /// Output format
    #[arg(long, short = 'o', value_name = "FORMAT", value_enum, default_value_t = ValidateFormat::Text)]
    pub output: ValidateFormat,

    /// Skip the checks against AWS's action catalog (unknown services, actions and condition
    /// keys, operator types), which IAM itself does not make
    #[arg(long)]
    pub no_catalog_checks: bool,

    /// The policy documents (plain paths or file://PATH; `-` for standard input)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

/// One file's result in `--output json`.
#[derive(Debug, Serialize)]
struct FileReport<'a> {
    file: &'a str,
    valid: bool,
    /// The document's shape is another policy type's: what to write instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    type_mismatch: Option<&'a str>,
    #[serde(flatten)]
    report: &'a Report,
}

/// Runs `warden validate`.
pub fn run<W: Write>(args: &ValidateArgs, out: &mut W) -> Result<u8, CliError> {
    let limit = args
        .size_limit
        .unwrap_or_else(|| SizeLimit::default_for(args.policy_type));
    let mut unreadable = false;
    let mut invalid = false;
    let mut reports = Vec::with_capacity(args.files.len());
    for arg in &args.files {
        let text = match read_text(arg, "policy file") {
            Ok(text) => text,
            Err(e) => {
                // Report it, check the other files, and exit 2 at the end.
                let _ = e.report();
                unreadable = true;
                continue;
            }
        };
        let name = match path_of(arg) {
            "-" => "<stdin>",
            path => path,
        };
        let mut report = validate_with_limit(&text, args.policy_type, limit);
        if !args.no_catalog_checks && report.is_valid() {
            report.warnings.extend(warden_catalog::checks::check(
                &text,
                args.policy_type,
                warden_catalog::actions(),
            ));
        }
        invalid |= !report.is_valid();
        let mismatch = if report.is_valid() {
            None
        } else {
            type_mismatch(&text, args.policy_type)
        };
        if args.output == ValidateFormat::Text {
            write_text(out, name, &report, mismatch.as_deref())?;
        }
        reports.push((name, report, mismatch));
    }
    if args.output == ValidateFormat::Json {
        let files: Vec<FileReport<'_>> = reports
            .iter()
            .map(|(file, report, mismatch)| FileReport {
                file,
                valid: report.is_valid(),
                type_mismatch: mismatch.as_deref(),
                report,
            })
            .collect();
        write_json(out, &files)?;
    }
    Ok(if unreadable {
        USAGE
    } else if invalid {
        FAILED
    } else {
        SUCCESS
    })
}

fn write_text<W: Write>(
    out: &mut W,
    name: &str,
    report: &Report,
    mismatch: Option<&str>,
) -> std::io::Result<()> {
    let mut errors = report.errors.iter();
    match errors.next() {
        None => writeln!(out, "{name}: valid")?,
        Some(first) => writeln!(out, "{name}: invalid: {}", shorten_quoted(&line(first)))?,
    }
    if let Some(mismatch) = mismatch {
        // The other errors follow from the type (one per statement or action): the mismatch is
        // the one thing to fix.
        let more = report.errors.len().saturating_sub(1);
        let hidden = match more {
            0 => String::new(),
            1 => " (1 more error, which follows from the type, is not shown)".into(),
            n => format!(" ({n} more errors, which follow from the type, are not shown)"),
        };
        writeln!(out, "  error: {mismatch}{hidden}")?;
    } else {
        for e in errors {
            writeln!(out, "  error: {}", shorten_quoted(&line(e)))?;
        }
    }
    for w in &report.warnings {
        writeln!(out, "  warning: {}", shorten_quoted(&line(w)))?;
    }
    Ok(())
}

/// When a document that fails as `given` has the shape of another type of policy: one message
/// saying so, with the `-t` to use. Trust and resource-based policies name a `Principal` in
/// every statement; identity-based policies (and boundaries, session policies, SCPs, RCPs) in
/// none.
fn type_mismatch(text: &str, given: PolicyType) -> Option<String> {
    let policy = warden_core::Policy::parse(text).ok()?;
    let statements = policy.statements();
    if statements.is_empty() {
        return None;
    }
    let with_principal = statements
        .iter()
        .filter(|s| s.principal().is_some())
        .count();
    let wants_principal = matches!(given, PolicyType::Trust | PolicyType::Resource);
    let suggested = if wants_principal && with_principal == 0 {
        "identity"
    } else if !wants_principal && with_principal == statements.len() {
        let assumes_roles = statements.iter().all(|s| {
            s.resource().is_none()
                && s.action()
                    .values
                    .iter()
                    .all(|a| a.to_ascii_lowercase().starts_with("sts:"))
        });
        if assumes_roles { "trust" } else { "resource" }
    } else {
        return None;
    };
    let shape = if suggested == "identity" {
        "no statement names a Principal, as in an identity-based policy"
    } else {
        "every statement names a Principal, as in a trust or resource-based policy"
    };
    Some(format!(
        "the document does not have the shape of `-t {}`: {shape}; did you mean `-t {suggested}`?",
        given.name()
    ))
}

/// `CODE: message (where): detail`.
fn line(d: &Diagnostic) -> String {
    format!("{}: {d}", d.code)
}

fn parse_policy_type(s: &str) -> Result<PolicyType, String> {
    PolicyType::from_name(&s.to_ascii_lowercase()).ok_or_else(|| {
        let names: Vec<&str> = PolicyType::ALL.iter().map(|t| t.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn parse_size_limit(s: &str) -> Result<SizeLimit, String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "managed" => SizeLimit::ManagedPolicy,
        "role-inline" => SizeLimit::RoleInline,
        "user-inline" => SizeLimit::UserInline,
        "group-inline" => SizeLimit::GroupInline,
        "trust" => SizeLimit::TrustPolicy,
        "session" => SizeLimit::SessionPolicy,
        "organizations" => SizeLimit::OrganizationsPolicy,
        n => match n.parse::<usize>() {
            Ok(n) if n > 0 => SizeLimit::Custom(n),
            _ => {
                return Err(
                    "expected managed, role-inline, user-inline, group-inline, trust, session, \
                     organizations or a number of characters"
                        .into(),
                );
            }
        },
    })
}
