//! Explanations in words: one line per failing part.

use super::{
    AppliedDeny, ConditionCheck, Explanation, Failure, Gap, LayeredStatement, PolicyLayer,
};
use crate::authorize::{EvalDecision, MatchedStatement};
use crate::policy::Effect;
use std::fmt;

/// How many near misses of a gap the text shows (the JSON has them all).
pub const SHOWN_NEAR_MISSES: usize = 3;

impl fmt::Display for ConditionCheck {
    /// `iam:PassedToService wanted ecs-tasks.amazonaws.com, got ec2.amazonaws.com (StringEquals)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} wanted {}",
            self.key,
            wanted(&self.operator, &self.wanted)
        )?;
        match &self.got {
            Some(v) => write!(f, ", got {}", v.join(", "))?,
            None => write!(f, ", missing from the request")?,
        }
        write!(f, " ({})", self.operator)?;
        if let Some(note) = &self.note {
            write!(f, ": {note}")?;
        }
        Ok(())
    }
}

/// What an operator wants of the request, in words: `a or b`, `not a`, `< 5`, `absent`.
fn wanted(operator: &str, values: &[String]) -> String {
    let base = operator
        .trim_start_matches("ForAllValues:")
        .trim_start_matches("ForAnyValue:");
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    if base == "Null" {
        return match values {
            [v] if v == "true" => "absent".into(),
            [v] if v == "false" => "present".into(),
            _ => values.join(" or "),
        };
    }
    let comparison = [
        ("LessThanEquals", "<= "),
        ("GreaterThanEquals", ">= "),
        ("LessThan", "< "),
        ("GreaterThan", "> "),
    ]
    .iter()
    .find(|(suffix, _)| base.ends_with(suffix))
    .map_or("", |(_, sign)| sign);
    let negated = base.contains("NotEquals") || base.contains("NotLike") || base == "NotIpAddress";
    let list = values
        .iter()
        .map(|v| format!("{comparison}{v}"))
        .collect::<Vec<_>>();
    if negated {
        format!("not {}", list.join(" nor "))
    } else {
        list.join(" or ")
    }
}

impl fmt::Display for Failure {
    /// One line: `resource arn:aws:iam::*:role/ecsInstanceRole* does not match arn:...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Resource { patterns, resource } => match patterns.as_slice() {
                [one] => write!(f, "resource {one} does not match {resource}"),
                many => write!(
                    f,
                    "none of the resources {} matches {resource}",
                    many.join(", ")
                ),
            },
            Failure::NotResource { patterns, resource } => {
                write!(f, "NotResource {} excludes {resource}", patterns.join(", "))
            }
            Failure::Principal { principals, caller } => write!(
                f,
                "Principal {} does not name {caller}",
                principals.join(", ")
            ),
            Failure::NotPrincipal { principals, caller } => {
                write!(f, "NotPrincipal {} lists {caller}", principals.join(", "))
            }
            Failure::NoPrincipal => write!(
                f,
                "the statement has no Principal (a resource-based policy statement must name one)"
            ),
            Failure::Condition(c) => write!(f, "{c}"),
        }
    }
}

/// `statement 2 `Sid` at policy.json:4:5`.
fn place(m: &MatchedStatement, name: &dyn Fn(&str) -> String) -> String {
    let mut s = format!("statement {}", m.statement_index + 1);
    if let Some(sid) = m.sid.as_deref().filter(|s| !s.is_empty()) {
        s.push_str(&format!(" `{sid}`"));
    }
    s.push_str(&format!(
        " at {}:{}:{}",
        name(&m.source_policy_id),
        m.start.line,
        m.start.column
    ));
    s
}

/// Whether the layer's description is a plural (`the identity-based policies`).
fn plural(layer: PolicyLayer) -> bool {
    matches!(
        layer,
        PolicyLayer::Identity | PolicyLayer::Scp(_) | PolicyLayer::Rcp(_)
    )
}

fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl Explanation {
    /// The explanation as lines for people, policies named by `name` (a file name for a
    /// policy id, say). Empty for an allow.
    pub fn render(&self, name: &dyn Fn(&str) -> String) -> Vec<String> {
        let mut lines = Vec::new();
        match self.decision.decision {
            EvalDecision::Allowed => {}
            EvalDecision::ExplicitDeny => {
                for d in &self.denied_by {
                    deny_lines(d, name, &mut lines);
                }
            }
            EvalDecision::ImplicitDeny => {
                // The grants a gap cut: the identity and resource sides (the limits that did
                // allow, boundary, SCPs, ..., are in the JSON).
                let grants: Vec<&LayeredStatement> = self
                    .allowed_by
                    .iter()
                    .filter(|a| {
                        matches!(
                            a.layer,
                            PolicyLayer::Identity | PolicyLayer::Resource | PolicyLayer::Trust
                        )
                    })
                    .collect();
                for (i, gap) in self.gaps.iter().enumerate() {
                    gap_lines(gap, if i == 0 { &grants } else { &[] }, name, &mut lines);
                }
                for fix in &self.fixes {
                    let into = if fix.policies.is_empty() {
                        format!("a new policy in {}", fix.layer.describe())
                    } else {
                        let names: Vec<String> = fix.policies.iter().map(|p| name(p)).collect();
                        format!("{} ({})", fix.layer.describe(), names.join(", "))
                    };
                    lines.push(format!("fix: add this statement to {into}:"));
                    lines.extend(fix.statement_text().lines().map(|l| format!("  {l}")));
                }
            }
        }
        lines
    }
}

fn deny_lines(d: &AppliedDeny, name: &dyn Fn(&str) -> String, lines: &mut Vec<String>) {
    lines.push(format!(
        "denied by {} in {}",
        place(&d.statement, name),
        d.layer.describe()
    ));
    for c in &d.conditions {
        let got = c
            .got
            .as_ref()
            .map_or_else(|| "missing".to_string(), |v| v.join(", "));
        lines.push(format!(
            "  - {} is {got}, which meets {} {} ({})",
            c.key,
            c.operator,
            c.wanted.join(", "),
            wanted(&c.operator, &c.wanted)
        ));
    }
}

fn gap_lines(
    gap: &Gap,
    grants: &[&LayeredStatement],
    name: &dyn Fn(&str) -> String,
    lines: &mut Vec<String>,
) {
    let layer = gap.layer.describe();
    let names: Vec<String> = gap.policies.iter().map(|p| name(p)).collect();
    let which = if names.is_empty() {
        format!("{layer} (none given)")
    } else {
        format!("{layer} ({})", names.join(", "))
    };
    if grants.is_empty() {
        lines.push(format!("no Allow in {which} covers it"));
    } else {
        let by: Vec<String> = grants
            .iter()
            .map(|g| format!("{} in {}", place(&g.statement, name), g.layer.describe()))
            .collect();
        let has = if plural(gap.layer) { "have" } else { "has" };
        lines.push(format!(
            "allowed by {}, but {which} {has} no Allow for it",
            by.join(" and ")
        ));
    }
    if gap.near_misses.is_empty() {
        if !gap.policies.is_empty() {
            let its = if plural(gap.layer) { "their" } else { "its" };
            lines.push(format!("  none of {its} Allow statements names the action"));
        }
        return;
    }
    for m in gap.near_misses.iter().take(SHOWN_NEAR_MISSES) {
        debug_assert_eq!(m.statement.effect, Effect::Allow);
        lines.push(format!(
            "  nearest miss: {} ({})",
            place(&m.statement, name),
            count(m.failures.len(), "failing part")
        ));
        for failure in &m.failures {
            lines.push(format!("    - {failure}"));
        }
    }
    let more = gap.near_misses.len().saturating_sub(SHOWN_NEAR_MISSES);
    if more > 0 {
        let noun = if more == 1 {
            "near miss"
        } else {
            "near misses"
        };
        lines.push(format!("  ({more} more {noun})"));
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.render(&|id: &str| id.to_string()) {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
