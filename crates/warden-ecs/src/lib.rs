//! Will this task definition and this deployment work, and if not, exactly why and what to
//! add: every IAM decision Amazon ECS makes for a task definition, its launch (RunTask,
//! StartTask, CreateService, UpdateService) and an EventBridge schedule, decided offline by
//! Warden's engine against an account.
//!
//! - [`input`] reads AWS's own shapes (task definition, launch request, EventBridge target);
//! - [`plan`] turns them into a [`model::Workflow`]: the steps, each with who is asked, the
//!   action, the resource ARN (from the catalog's formats), the context ECS supplies and the
//!   AWS page that says why;
//! - [`account`] loads the caller and the roles (from the account store or policy files);
//! - [`evaluate`] decides each step; [`fix`] writes the smallest statement per denial and
//!   re-checks with it; [`report`] writes the result as text or JSON.
//!
//! The rules, with their pages, are listed in `docs/ecs.md`.

pub mod account;
pub mod arns;
pub mod evaluate;
pub mod fix;
pub mod input;
pub mod model;
pub mod plan;
pub mod report;

use account::Account;
use evaluate::{Overlay, evaluate};
use model::{StepKind, Workflow};
use report::{FixReport, Report, ReportStep, SCHEMA, passes};

/// Decides `workflow` against `account`; with `with_fix`, adds each denial's fix, the patched
/// documents, and the re-check with them.
pub fn check(workflow: &Workflow, account: &Account, with_fix: bool) -> Report {
    let outcomes = evaluate(workflow, account, &Overlay::default());
    let ok = passes(&outcomes, &workflow.notes);
    let mut fix_report = None;
    let mut step_fixes = Vec::new();
    if with_fix && !ok {
        let fixes = fix::fixes(&outcomes, account);
        let again = evaluate(workflow, account, &fixes.overlay);
        let still_failing: Vec<String> = again
            .iter()
            .filter(|o| o.decision.fails())
            .map(|o| match o.step.kind {
                StepKind::Decide => format!(
                    "{} {} on {} ({})",
                    o.step.who.label(),
                    o.step.action,
                    o.step.resource,
                    o.decision.as_str()
                ),
                _ => format!("{} ({})", o.explanation.summary, o.decision.as_str()),
            })
            .chain(
                workflow
                    .notes
                    .iter()
                    .filter(|n| n.level == model::NoteLevel::Failure)
                    .map(|n| n.message.clone()),
            )
            .collect();
        fix_report = Some(FixReport {
            documents: fixes.documents,
            recheck_ok: still_failing.is_empty(),
            still_failing,
        });
        step_fixes = fixes.steps;
    }
    let steps = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| ReportStep {
            outcome,
            fix: step_fixes
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, f)| f.clone()),
        })
        .collect();
    Report {
        schema: SCHEMA,
        title: workflow.title.clone(),
        account: workflow.account.clone(),
        region: workflow.region.clone(),
        caller: account.caller.arn.clone(),
        ok,
        steps,
        notes: workflow.notes.clone(),
        fix: fix_report,
    }
}
