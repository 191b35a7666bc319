//! Rendering decisions for people (`text`, `table`) and for programs (`json`, as awscli prints).

use crate::guard::cut;
use serde::Serialize;
use std::io::Write;
use warden_core::Explanation;
use warden_core::authorize::{Decision, MatchedStatement, Reason};
use warden_core::policy::Effect;
use warden_core::simulate::EvaluationResult;

/// The `--output` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// AWS's response JSON, indented with 4 spaces as awscli prints it.
    Json,
    /// An aligned table: ACTION | RESOURCE | DECISION | MATCHED.
    Table,
    /// Each decision explained: which statement decided, or what is missing.
    Text,
}

/// Writes a value as awscli does: pretty JSON with 4-space indentation and a final newline.
pub fn write_json<W: Write, T: Serialize>(out: &mut W, value: &T) -> std::io::Result<()> {
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
    value.serialize(&mut ser).map_err(std::io::Error::from)?;
    writeln!(out)
}

/// The names people gave the policies: `SourcePolicyId` -> the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    names: Vec<(String, String)>,
    flags: Vec<(&'static str, &'static str)>,
}

impl Sources {
    /// Records that the policy reported as `id` came from `name`.
    pub fn add(&mut self, id: String, name: &str) {
        self.names.push((id, name.to_string()));
    }

    /// Records that the request's `key` came from the command line's `flag`.
    pub fn flag(&mut self, key: &'static str, flag: &'static str) {
        self.flags.push((key, flag));
    }

    /// The file a policy came from, or its `SourcePolicyId` when it came from JSON.
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names
            .iter()
            .find(|(i, _)| i == id)
            .map_or(id, |(_, n)| n.as_str())
    }

    /// Names the policies of one SCP or RCP level (`prefix` is `ServiceControlPolicies` or
    /// `ResourceControlPolicies`, `level` 0-based).
    fn level(&self, prefix: &str, level: usize) -> String {
        let start = format!("{prefix}.{}.", level + 1);
        let names: Vec<&str> = self
            .names
            .iter()
            .filter(|(i, _)| i.starts_with(&start))
            .map(|(_, n)| n.as_str())
            .collect();
        if names.is_empty() {
            format!("{prefix} level {}", level + 1)
        } else {
            format!("level {} ({})", level + 1, names.join(", "))
        }
    }

    /// Rewrites the simulator's `PolicyInputList.1: ...` and `CallerArn ...` error prefixes to
    /// name the file or the flag the value came from.
    pub fn rename_error(&self, message: &str) -> String {
        for (key, flag) in &self.flags {
            if let Some(rest) = message.strip_prefix(key).filter(|r| r.starts_with(' ')) {
                return format!("{flag}{rest}");
            }
        }
        for (id, name) in &self.names {
            if let Some(rest) = message.strip_prefix(id.as_str())
                && let Some(rest) = rest.strip_prefix(": ")
            {
                return format!("`{name}` ({id}): {rest}");
            }
        }
        message.to_string()
    }

    /// A short reference to a matched statement: `ecs.json#4` or `ecs.json#4(Sid)`.
    fn short(&self, m: &MatchedStatement) -> String {
        let name = self.name(&m.source_policy_id);
        match m.sid.as_deref().filter(|s| !s.is_empty()) {
            Some(sid) => format!("{name}#{}({})", m.statement_index + 1, cut(sid)),
            None => format!("{name}#{}", m.statement_index + 1),
        }
    }

    /// A full reference: `statement 4 `Sid` (Allow) at ecs.json:1:3`, the place in the form
    /// editors and terminals jump to.
    fn long(&self, m: &MatchedStatement) -> String {
        let mut s = format!("statement {}", m.statement_index + 1);
        if let Some(sid) = m.sid.as_deref().filter(|s| !s.is_empty()) {
            s.push_str(&format!(" `{}`", cut(sid)));
        }
        let effect = match m.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        s.push_str(&format!(
            " ({effect}) at {}:{}:{}",
            self.name(&m.source_policy_id),
            m.start.line,
            m.start.column
        ));
        s
    }
}

/// A short machine-readable code for why a decision came out as it did.
pub fn reason_code(reason: &Reason) -> String {
    reason.code()
}

/// The decision's reason in a sentence.
fn explain(reason: &Reason, sources: &Sources) -> String {
    match reason {
        Reason::AlwaysAllowed => "allowed: sts:GetCallerIdentity needs no permission".into(),
        Reason::ExplicitDeny => "denied: an explicit Deny statement applies".into(),
        Reason::RcpLevelDenies(i) => format!(
            "denied: no resource control policy of {} allows it",
            sources.level("ResourceControlPolicies", *i)
        ),
        Reason::ScpLevelDenies(i) => format!(
            "denied: no service control policy of {} allows it",
            sources.level("ServiceControlPolicies", *i)
        ),
        Reason::TrustDoesNotAllow => {
            "denied: the role's trust policy does not allow this principal to assume it".into()
        }
        Reason::ResourcePolicyDoesNotAllow => {
            "denied: the resource is in another account and its resource-based policy does not \
             allow the caller"
                .into()
        }
        Reason::KeyPolicyDoesNotAllow => {
            "denied: the KMS key policy neither allows the caller nor lets the account's IAM \
             policies allow it"
                .into()
        }
        Reason::NoIdentityAllow => {
            "denied: no identity-based policy allows it (no statement matched)".into()
        }
        Reason::BoundaryDoesNotAllow => "denied: the permissions boundary does not allow it".into(),
        Reason::SessionPolicyDoesNotAllow => "denied: the session policy does not allow it".into(),
        Reason::ServiceNotAllowed => {
            "denied: the caller is a service principal and no resource-based policy allows it"
                .into()
        }
        Reason::AllowedByIdentity => "allowed by an identity-based policy".into(),
        Reason::AllowedByResource => "allowed by the resource-based policy".into(),
        Reason::AllowedByBoth => {
            "allowed by both an identity-based and the resource-based policy".into()
        }
    }
}

/// One decision to render: AWS's result with the evaluator's explanation beside it.
pub struct Row<'a> {
    /// What AWS reports.
    pub result: &'a EvaluationResult,
    /// Why.
    pub decision: &'a Decision,
    /// For a denial: the near misses and the fix.
    pub explanation: Option<&'a Explanation>,
}

/// Writes each decision with its explanation.
pub fn write_text<W: Write>(
    out: &mut W,
    rows: &[Row<'_>],
    sources: &Sources,
) -> std::io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let r = row.result;
        let d = row.decision;
        writeln!(
            out,
            "{}: {} on {}",
            r.eval_decision,
            cut(&r.eval_action_name),
            cut(&r.eval_resource_name)
        )?;
        writeln!(out, "  {}", explain(&d.reason, sources))?;
        for m in &d.matched {
            writeln!(out, "  matched {}", sources.long(m))?;
        }
        if !d.missing_context.is_empty() {
            writeln!(
                out,
                "  missing context keys: {} (statements conditioned on them did not apply)",
                d.missing_context.join(", ")
            )?;
        }
        if let Some(allowed) = d.allowed_by_boundary {
            writeln!(
                out,
                "  permissions boundary: {}",
                if allowed { "allows" } else { "does not allow" }
            )?;
        }
        if let Some(allowed) = d.allowed_by_organizations {
            writeln!(
                out,
                "  organizations policies (SCPs, RCPs): {}",
                if allowed { "allow" } else { "do not allow" }
            )?;
        }
        if let Some(ex) = row.explanation {
            for line in ex.render(&|id: &str| sources.name(id).to_string()) {
                writeln!(out, "  {}", cut_line(&line))?;
            }
        }
    }
    Ok(())
}

/// Writes an aligned table: ACTION | RESOURCE | DECISION | MATCHED.
pub fn write_table<W: Write>(
    out: &mut W,
    rows: &[Row<'_>],
    sources: &Sources,
) -> std::io::Result<()> {
    let mut cells: Vec<[String; 4]> = Vec::with_capacity(rows.len() + 1);
    cells.push([
        "ACTION".into(),
        "RESOURCE".into(),
        "DECISION".into(),
        "MATCHED".into(),
    ]);
    for row in rows {
        let matched: Vec<String> = row
            .decision
            .matched
            .iter()
            .map(|m| sources.short(m))
            .collect();
        let missing = &row.decision.missing_context;
        let matched = if matched.is_empty() && missing.is_empty() {
            "-".to_string()
        } else if matched.is_empty() {
            format!("- (missing context: {})", missing.join(", "))
        } else {
            matched.join(", ")
        };
        cells.push([
            cut(&row.result.eval_action_name),
            cut(&row.result.eval_resource_name),
            row.result.eval_decision.clone(),
            matched,
        ]);
    }
    let mut widths = [0usize; 3];
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let [a, r, d] = widths;
    for [action, resource, decision, matched] in &cells {
        writeln!(
            out,
            "{action:<a$}  {resource:<r$}  {decision:<d$}  {matched}"
        )?;
    }
    Ok(())
}

/// An explanation line, cut when a huge value (an action, a resource, a `Sid`) makes it longer
/// than a terminal can show usefully.
fn cut_line(line: &str) -> String {
    const MAX: usize = 400;
    let count = line.chars().count();
    if count <= MAX {
        return line.to_string();
    }
    let head: String = line.chars().take(MAX / 2).collect();
    format!("{head}... ({} more characters)", count - MAX / 2)
}
