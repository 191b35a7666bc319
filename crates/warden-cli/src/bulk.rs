//! `warden simulate --requests FILE.jsonl`: many requests against policies compiled once.
//!
//! Input, one JSON object a line:
//! `{"principal": ARN?, "action": "...", "resource": "..."?, "context": {key: value|[values]}?}`.
//! Output, one JSON object a line: the decision, or `{"line": N, "error": "..."}` for a line
//! that cannot be read; the other lines go on.

use crate::error::{CliError, FAILED, SUCCESS, warn};
use crate::guard::{self, Guard};
use crate::input::{io_reason, list_of, path_of};
use crate::output::{Sources, reason_code};
use crate::simulate::simulate_error;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use warden_core::authorize::MatchedStatement;
use warden_core::context::ContextKeyType;
use warden_core::policy::Effect;
use warden_core::simulate::{ContextEntry, SimulateCustomPolicyRequest, Simulation};
use warden_core::{Decision, PolicySet};

/// One input line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    principal: Option<String>,
    action: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    context: serde_json::Map<String, Value>,
}

/// One output line for a decided request.
#[derive(Debug, Serialize)]
struct Out<'a> {
    line: usize,
    action: &'a str,
    resource: &'a str,
    principal: Option<&'a str>,
    decision: &'static str,
    reason: String,
    matched: Vec<OutMatch<'a>>,
    missing_context: &'a [String],
}

/// A statement that decided, in an output line.
#[derive(Debug, Serialize)]
struct OutMatch<'a> {
    /// The file the policy came from (its `SourcePolicyId` when it came from JSON).
    policy: &'a str,
    /// AWS's `SourcePolicyId`.
    policy_id: &'a str,
    /// 1-based, as in the text output.
    statement: usize,
    sid: Option<&'a str>,
    effect: &'static str,
    start: Pos,
    end: Pos,
}

#[derive(Debug, Serialize)]
struct Pos {
    line: u32,
    column: u32,
}

/// One output line for a line that failed.
#[derive(Debug, Serialize)]
struct OutError {
    line: usize,
    error: String,
}

/// Runs every line of `requests_arg` against the policies of `base`. `base` also gives the
/// default caller, context and resource owner of each line.
pub fn run<W: Write>(
    base: &SimulateCustomPolicyRequest,
    sources: &Sources,
    requests_arg: &str,
    guard: &mut Guard,
    out: &mut W,
) -> Result<u8, CliError> {
    let sim = Simulation::prepare(base).map_err(|e| simulate_error(&e, sources))?;
    let path = path_of(requests_arg);
    let reader: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        let file = std::fs::File::open(path).map_err(|e| {
            CliError::input(format!(
                "cannot read requests file `{path}`: {}",
                io_reason(&e)
            ))
        })?;
        Box::new(file)
    };
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    let (mut total, mut failed) = (0usize, 0usize);
    for number in 1usize.. {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| {
            CliError::input(format!(
                "cannot read requests file `{path}` at line {number}: {}",
                io_reason(&e)
            ))
        })?;
        if n == 0 {
            break;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(_) => {
                total += 1;
                failed += 1;
                write_line(out, &line_error(number, "it is not UTF-8 text".into()))?;
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        total += 1;
        match decide(base, sim.policy_set(), text, number, guard) {
            Ok((line, decision)) => {
                let principal = line.principal.as_deref().or(base.caller_arn.as_deref());
                let resource = line.resource.as_deref().unwrap_or("*");
                let o = Out {
                    line: number,
                    action: &line.action,
                    resource,
                    principal,
                    decision: decision.decision.as_str(),
                    reason: reason_code(&decision.reason),
                    matched: decision
                        .matched
                        .iter()
                        .map(|m| out_match(m, sources))
                        .collect(),
                    missing_context: &decision.missing_context,
                };
                write_line(out, &o)?;
            }
            Err(message) => {
                failed += 1;
                write_line(out, &line_error(number, message))?;
            }
        }
    }
    if failed > 0 {
        crate::error::complain(format!(
            "{failed} of {total} request lines failed: see the `error` objects in the output"
        ));
        return Ok(FAILED);
    }
    Ok(SUCCESS)
}

fn line_error(number: usize, message: String) -> OutError {
    OutError {
        line: number,
        error: format!("line {number}: {message}"),
    }
}

fn write_line<W: Write, T: Serialize>(out: &mut W, value: &T) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

fn out_match<'a>(m: &'a MatchedStatement, sources: &'a Sources) -> OutMatch<'a> {
    OutMatch {
        policy: sources.name(&m.source_policy_id),
        policy_id: &m.source_policy_id,
        statement: m.statement_index + 1,
        sid: m.sid.as_deref(),
        effect: match m.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        },
        start: Pos {
            line: m.start.line,
            column: m.start.column,
        },
        end: Pos {
            line: m.end.line,
            column: m.end.column,
        },
    }
}

/// Decides one line. The line's caller and context are read by the simulator itself (a
/// policy-less `Simulation`), so they mean exactly what `CallerArn` and `ContextEntries` mean;
/// only the compiled policies are shared.
fn decide(
    base: &SimulateCustomPolicyRequest,
    policies: &PolicySet,
    text: &str,
    number: usize,
    guard: &mut Guard,
) -> Result<(Line, Decision), String> {
    let line: Line = serde_json::from_str(text).map_err(json_error)?;
    if line.action.trim().is_empty() {
        return Err("`action` is empty".into());
    }
    // The guard rails of `--action` and `--resource`, per line: a finding is a warning naming
    // the line, or with --strict the line's error.
    guard::action_shape(&line.action)?;
    let mut findings: Vec<String> = guard::action_finding(&line.action).into_iter().collect();
    if let Some(resource) = &line.resource {
        findings.extend(guard::resource_findings(
            std::slice::from_ref(&line.action),
            resource,
        ));
    }
    if guard.strict() {
        if let Some(first) = findings.into_iter().next() {
            return Err(format!("{first} (an error with --strict)"));
        }
    } else {
        for f in guard.warned_fresh(findings) {
            warn(format!("line {number}: {f}"));
        }
    }
    let mut context_entries = base.context_entries.clone();
    for (key, value) in &line.context {
        context_entries.push(context_entry(key, value)?);
    }
    let caller = SimulateCustomPolicyRequest {
        caller_arn: line.principal.clone().or_else(|| base.caller_arn.clone()),
        context_entries,
        resource_owner: base.resource_owner.clone(),
        ..SimulateCustomPolicyRequest::default()
    };
    let sim = Simulation::prepare(&caller).map_err(|e| {
        // Name the line's own fields rather than the API's.
        let message = match &line.principal {
            Some(_) => e.message.replacen("CallerArn", "principal", 1),
            None => e.message,
        };
        format!("{}: {message}", e.code)
    })?;
    let resource = line.resource.as_deref().unwrap_or("*");
    let decision = policies.authorize(&sim.request(&line.action, resource));
    Ok((line, decision))
}

/// serde_json's message with the position made plain: a line is always line 1 to serde_json.
fn json_error(e: serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    let what = match e.classify() {
        serde_json::error::Category::Data => "not a request",
        _ => "invalid JSON",
    };
    format!("{what}: {message} (column {})", e.column())
}

/// A line's context value: a string, number or boolean, or a list of one of them.
fn context_entry(key: &str, value: &Value) -> Result<ContextEntry, String> {
    fn scalar(v: &Value) -> Option<(ContextKeyType, String)> {
        match v {
            Value::String(s) => Some((ContextKeyType::String, s.clone())),
            Value::Number(n) => Some((ContextKeyType::Numeric, n.to_string())),
            Value::Bool(b) => Some((ContextKeyType::Boolean, b.to_string())),
            _ => None,
        }
    }
    let wrong = || {
        format!(
            "context key `{key}` must be a string, a number, a boolean or a list of one of them"
        )
    };
    let (kind, values) = match value {
        Value::Array(items) => {
            let mut kind = None;
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                let (k, v) = scalar(item).ok_or_else(wrong)?;
                if kind.is_some_and(|first| first != k) {
                    return Err(format!("context key `{key}` mixes value types in its list"));
                }
                kind = Some(k);
                values.push(v);
            }
            (list_of(kind.unwrap_or(ContextKeyType::String)), values)
        }
        v => {
            let (k, v) = scalar(v).ok_or_else(wrong)?;
            (k, vec![v])
        }
    };
    Ok(ContextEntry {
        context_key_name: key.to_string(),
        context_key_values: values,
        context_key_type: Some(kind.name().to_string()),
    })
}
