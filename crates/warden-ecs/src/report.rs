//! The check's result: one structure, written as JSON (a stable schema, `docs/ecs.md`) or as a
//! checklist a person reads.

use crate::evaluate::{Outcome, Verdict};
use crate::fix::{Patched, StepFix};
use crate::model::{Note, NoteLevel, StepKind};
use serde::Serialize;
use std::io::Write;

/// The JSON schema's name and version.
pub const SCHEMA: &str = "warden-ecs-check/1";

/// The whole result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// What was checked.
    pub title: String,
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The caller.
    pub caller: String,
    /// Whether the deployment would succeed: no step fails and no note is a failure.
    pub ok: bool,
    /// Each step, decided, in ECS's order.
    pub steps: Vec<ReportStep>,
    /// What is not an IAM decision.
    pub notes: Vec<Note>,
    /// With `--fix`: the patched documents and the re-check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixReport>,
}

/// One decided step, with its fix when it fails.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportStep {
    /// The step and its decision.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The fix (with `--fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<StepFix>,
}

/// The fixes, applied and re-checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixReport {
    /// The policy documents with the fixes added.
    pub documents: Vec<Patched>,
    /// Whether the workflow passes with them.
    pub recheck_ok: bool,
    /// The steps that still fail with them (no statement can fix: a missing role, an
    /// explicit deny, an organization policy).
    pub still_failing: Vec<String>,
}

impl Report {
    /// The exit code: 0 the deployment would succeed, 1 a step is denied.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.ok)
    }
}

/// Whether a workflow's outcomes and notes pass.
pub fn passes(outcomes: &[Outcome], notes: &[Note]) -> bool {
    !outcomes.iter().any(|o| o.decision.fails())
        && !notes.iter().any(|n| n.level == NoteLevel::Failure)
}

fn heading(rule: u8) -> &'static str {
    match rule {
        1 => "The caller: register the task definition, pass the roles, launch",
        2 => "The service-linked role AWSServiceRoleForECS",
        3 => "The task role and the execution role trust ECS tasks",
        4 => "What the task needs at start",
        5 => "ECS Exec",
        6 => "EC2 container instances",
        7 => "The scheduled task (EventBridge)",
        _ => "Other",
    }
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "ok  ",
        Verdict::ExplicitDeny | Verdict::ImplicitDeny => "DENY",
        Verdict::Missing => "MISS",
        Verdict::Skipped => "skip",
        Verdict::Unknown => "??  ",
    }
}

/// Writes the checklist.
pub fn write_text<W: Write>(out: &mut W, r: &Report) -> std::io::Result<()> {
    writeln!(out, "ECS check: {}", r.title)?;
    writeln!(
        out,
        "account {}, region {}, caller {}",
        r.account, r.region, r.caller
    )?;
    for rule in 1..=7u8 {
        let steps: Vec<&ReportStep> = r
            .steps
            .iter()
            .filter(|s| s.outcome.step.rule == rule)
            .collect();
        let notes: Vec<&Note> = r.notes.iter().filter(|n| n.rule == rule).collect();
        if steps.is_empty() && notes.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{rule}. {}", heading(rule))?;
        for s in steps {
            write_step(out, s)?;
        }
        for n in notes {
            let label = match n.level {
                NoteLevel::Info => "note",
                NoteLevel::NotCheckable => "not checkable offline",
                NoteLevel::Failure => "FAIL",
            };
            writeln!(out, "  {label}: {}", n.message)?;
            writeln!(out, "        see {}", n.doc)?;
        }
    }
    if let Some(fix) = &r.fix {
        writeln!(out)?;
        writeln!(out, "Patched policy documents:")?;
        for d in &fix.documents {
            writeln!(out)?;
            writeln!(out, "# {} of {} ({:?})", d.name, d.principal, d.target)?;
            writeln!(out, "# apply: {}", d.apply)?;
            writeln!(out, "{}", d.document.text())?;
        }
        writeln!(out)?;
        if fix.recheck_ok {
            writeln!(out, "Re-checked with the fixes: every step passes.")?;
        } else {
            writeln!(
                out,
                "Re-checked with the fixes: {} step(s) still fail (no policy statement fixes them):",
                fix.still_failing.len()
            )?;
            for s in &fix.still_failing {
                writeln!(out, "  {s}")?;
            }
        }
    }
    writeln!(out)?;
    let failing = r
        .steps
        .iter()
        .filter(|s| s.outcome.decision.fails())
        .count();
    let failed_notes = r
        .notes
        .iter()
        .filter(|n| n.level == NoteLevel::Failure)
        .count();
    let unknown = r
        .steps
        .iter()
        .filter(|s| s.outcome.decision == Verdict::Unknown)
        .count();
    if r.ok && unknown > 0 {
        writeln!(
            out,
            "Result: every check decided passes ({} of {}); {unknown} could not be decided \
             without the roles (give --database or --account).",
            r.steps.len() - unknown,
            r.steps.len()
        )?;
    } else if r.ok {
        writeln!(
            out,
            "Result: the deployment passes every IAM check ({} checks).",
            r.steps.len()
        )?;
    } else {
        writeln!(
            out,
            "Result: the deployment would FAIL: {failing} of {} checks denied or missing, {failed_notes} other failure(s).",
            r.steps.len()
        )?;
    }
    Ok(())
}

fn write_step<W: Write>(out: &mut W, s: &ReportStep) -> std::io::Result<()> {
    let o = &s.outcome;
    let st = &o.step;
    let what = match st.kind {
        StepKind::Decide => format!("{} on {}", st.action, st.resource),
        StepKind::Trust => format!("{} assumes {} (sts:AssumeRole)", st.principal, st.resource),
        StepKind::InstanceProfile => format!("{} is in an instance profile", st.resource),
    };
    writeln!(out, "  {} {what}", mark(o.decision))?;
    if st.kind == StepKind::Decide {
        writeln!(out, "       as {} {}", st.who.label(), st.principal)?;
    }
    if !st.context.is_empty() {
        let ctx: Vec<String> = st
            .context
            .iter()
            .map(|c| format!("{}={}", c.key, c.values.join(",")))
            .collect();
        writeln!(out, "       context: {}", ctx.join(" "))?;
    }
    let w = &o.explanation;
    if o.decision == Verdict::Allowed {
        writeln!(out, "       {}", w.summary)?;
    } else {
        writeln!(out, "       {}: {}", o.decision.as_str(), w.summary)?;
    }
    for m in &w.statements {
        let sid = m
            .sid
            .as_deref()
            .map(|s| format!(" `{s}`"))
            .unwrap_or_default();
        writeln!(
            out,
            "       {} statement {}{sid} ({}) of `{}` at {}:{}",
            if m.effect == "Deny" {
                "denied by"
            } else {
                "allowed by"
            },
            m.statement,
            m.policy_type,
            m.policy,
            m.line,
            m.column
        )?;
    }
    for n in &w.near_misses {
        writeln!(
            out,
            "       nearest miss: statement {} of `{}` ({}) at {}:{}",
            n.statement.statement,
            n.statement.policy,
            n.layer,
            n.statement.line,
            n.statement.column
        )?;
        for f in &n.failed {
            writeln!(out, "         - {f}")?;
        }
    }
    if o.decision.fails() && !w.missing_context.is_empty() {
        writeln!(
            out,
            "       missing context keys: {}",
            w.missing_context.join(", ")
        )?;
    }
    if o.decision.fails() || o.decision == Verdict::Unknown {
        writeln!(out, "       why ECS asks: {} ({})", st.why, st.doc)?;
    }
    if let Some(f) = &s.fix {
        for t in &f.statements {
            let target = match t.target {
                crate::fix::Target::Trust => "the trust policy of",
                crate::fix::Target::Boundary => "the permissions boundary of",
                crate::fix::Target::Identity => "the identity policies of",
            };
            writeln!(out, "       fix: add to {target} {}:", f.principal)?;
            for line in warden_core::explain::statement_text(&t.statement).lines() {
                writeln!(out, "         {line}")?;
            }
        }
        if let Some(a) = &f.advice {
            writeln!(out, "       fix: {a}")?;
        }
    }
    Ok(())
}
