//! Fixes: for each denial, the smallest statement that allows exactly that request (the
//! step's ARN, the PassRole and service-linked-role conditions; a bare `*` only for actions
//! with no resource-level permissions), the policy documents patched with them, and the
//! overlay to re-check the workflow with.

use crate::account::{Account, Origin, compile};
use crate::evaluate::{Outcome, Overlay, Verdict};
use crate::model::{Step, StepKind, Who};
use crate::plan::{CONTAINER_INSTANCE_ID, TASK_ID};
use serde::Serialize;
use serde_json::{Value, json};
use warden_core::PolicyType;

/// Which document a fix goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The principal's identity-based policies.
    Identity,
    /// The principal's permissions boundary.
    Boundary,
    /// The role's trust policy.
    Trust,
}

/// A statement a fix adds, in the member order IAM's own documents use.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FixStatement {
    /// `Allow`.
    pub effect: &'static str,
    /// For a trust policy: the service principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    /// One action, or several merged.
    pub action: Value,
    /// The exact resource (absent in trust policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The condition keeping it to this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

/// A statement of a patched document: one it had, or one a fix adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DocStatement {
    /// A statement the document had.
    Existing(Value),
    /// A statement a fix adds.
    Added(FixStatement),
}

/// A policy document with fixes added.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Document {
    /// The policy language version.
    pub version: Value,
    /// The policy's `Id`, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// The statements.
    pub statement: Vec<DocStatement>,
}

/// The fix of one denied step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFix {
    /// Whose document changes (a principal ARN; for trust, the role ARN).
    pub principal: String,
    /// Which document, when a statement can fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The statement to add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<FixStatement>,
    /// What to do when no statement can fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

/// A policy document with the fixes added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patched {
    /// Whose.
    pub principal: String,
    /// Which document.
    pub target: Target,
    /// The policy's name (the file, the inline policy to create, the trust policy).
    pub name: String,
    /// How to put it in place.
    pub apply: String,
    /// The document.
    pub document: Document,
}

/// Every fix: per step (by index in `outcomes`), the patched documents, and the overlay that
/// applies them.
#[derive(Debug, Clone, Default)]
pub struct Fixes {
    /// `(outcome index, fix)`.
    pub steps: Vec<(usize, StepFix)>,
    /// The patched documents.
    pub documents: Vec<Patched>,
    /// The fixes as extra policies, to re-check.
    pub overlay: Overlay,
}

/// The name of the inline policy fixes go in, for principals in the store.
pub const FIX_POLICY: &str = "warden-ecs-fix";

/// The fix of one denied step, or `None` when the step does not fail.
pub fn step_fix(o: &Outcome, account: &Account) -> Option<StepFix> {
    let step = &o.step;
    match o.decision {
        Verdict::Allowed | Verdict::Skipped | Verdict::Unknown => None,
        Verdict::Missing => Some(StepFix {
            principal: if step.kind == StepKind::Decide {
                step.principal.clone()
            } else {
                step.resource.clone()
            },
            target: None,
            statement: None,
            advice: Some(match step.kind {
                StepKind::InstanceProfile => format!(
                    "put the role in an instance profile: aws iam create-instance-profile \
                     --instance-profile-name NAME; aws iam add-role-to-instance-profile \
                     --instance-profile-name NAME --role-name {}",
                    role_name(&step.resource)
                ),
                _ => format!(
                    "create the role `{}` (aws iam create-role) with the trust and permissions \
                     this check lists",
                    if step.kind == StepKind::Decide {
                        &step.principal
                    } else {
                        &step.resource
                    }
                ),
            }),
        }),
        Verdict::ExplicitDeny => Some(StepFix {
            principal: step.principal.clone(),
            target: None,
            statement: None,
            advice: Some(format!(
                "an explicit Deny wins over any Allow: remove or narrow {}",
                o.explanation
                    .statements
                    .iter()
                    .map(|s| format!("statement {} of `{}`", s.statement, s.policy))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }),
        Verdict::ImplicitDeny => Some(implicit(step, &o.explanation.reason, account)),
    }
}

fn implicit(step: &Step, reason: &str, account: &Account) -> StepFix {
    if step.kind == StepKind::Trust {
        return StepFix {
            principal: step.resource.clone(),
            target: Some(Target::Trust),
            statement: Some(trust_statement(step, &account.id)),
            advice: None,
        };
    }
    let target = match reason {
        "boundary-does-not-allow" => Target::Boundary,
        "scp-does-not-allow" | "rcp-does-not-allow" | "session-policy-does-not-allow" => {
            return StepFix {
                principal: step.principal.clone(),
                target: None,
                statement: None,
                advice: Some(
                    "an organization or session policy does not allow it: that policy must \
                     change, not the principal's"
                        .into(),
                ),
            };
        }
        _ => Target::Identity,
    };
    StepFix {
        principal: step.principal.clone(),
        target: Some(target),
        statement: Some(allow_statement(step)),
        advice: None,
    }
}

/// The resource a fix names: the step's ARN, with the ids known only at run time (a task's,
/// a container instance's) as wildcards.
fn fix_resource(resource: &str) -> String {
    resource
        .replace(TASK_ID, "*")
        .replace(CONTAINER_INSTANCE_ID, "*")
}

/// The condition that keeps a fix to exactly this request, for the actions whose grants AWS
/// documents with one (`id_roles_use_passrole.html`, `using-service-linked-roles.html`,
/// `supported-iam-actions-tagging.html`).
fn fix_condition(step: &Step) -> Option<Value> {
    let key = match step.action.as_str() {
        "iam:PassRole" => "iam:PassedToService",
        "iam:CreateServiceLinkedRole" => "iam:AWSServiceName",
        "ecs:TagResource" => "ecs:CreateAction",
        _ => return None,
    };
    let values = step.context_value(key)?;
    let value = match values {
        [one] => json!(one),
        many => json!(many),
    };
    Some(json!({ "StringEquals": { key: value } }))
}

fn allow_statement(step: &Step) -> FixStatement {
    FixStatement {
        effect: "Allow",
        principal: None,
        action: json!(step.action),
        resource: Some(fix_resource(&step.resource)),
        condition: fix_condition(step),
    }
}

fn trust_statement(step: &Step, account: &str) -> FixStatement {
    FixStatement {
        effect: "Allow",
        principal: Some(json!({ "Service": step.principal })),
        action: json!("sts:AssumeRole"),
        resource: None,
        condition: Some(json!({ "StringEquals": { "aws:SourceAccount": account } })),
    }
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Merges statements that differ only in their action into one.
fn merge(statements: Vec<FixStatement>) -> Vec<FixStatement> {
    let mut out: Vec<FixStatement> = Vec::new();
    for s in statements {
        let same = out.iter_mut().find(|o| {
            o.principal.is_none()
                && s.principal.is_none()
                && o.resource == s.resource
                && o.condition == s.condition
        });
        match same {
            Some(o) => {
                let mut actions = match o.action.take() {
                    Value::Array(a) => a,
                    one => vec![one],
                };
                if !actions.contains(&s.action) {
                    actions.push(s.action);
                }
                o.action = if actions.len() == 1 {
                    actions.into_iter().next().unwrap_or(Value::Null)
                } else {
                    Value::Array(actions)
                };
            }
            None => {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    out
}

/// A document with `statements` appended to `base` (a policy's text), or a new document.
fn appended(base: Option<&str>, statements: &[FixStatement]) -> Document {
    let parsed = base
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    let (version, id, existing) = match parsed {
        Some(mut m) => (
            m.remove("Version").unwrap_or_else(|| json!("2012-10-17")),
            m.remove("Id"),
            match m.remove("Statement") {
                Some(Value::Array(a)) => a,
                Some(one) => vec![one],
                None => Vec::new(),
            },
        ),
        None => (json!("2012-10-17"), None, Vec::new()),
    };
    let mut statement: Vec<DocStatement> =
        existing.into_iter().map(DocStatement::Existing).collect();
    statement.extend(statements.iter().cloned().map(DocStatement::Added));
    Document {
        version,
        id,
        statement,
    }
}

fn statements_doc(statements: &[FixStatement]) -> Document {
    appended(None, statements)
}

fn text(doc: &Document) -> String {
    serde_json::to_string(doc).unwrap_or_default()
}

/// Every fix of `outcomes`, the patched documents and the overlay to re-check with.
pub fn fixes(outcomes: &[Outcome], account: &Account) -> Fixes {
    let mut out = Fixes::default();
    for (i, o) in outcomes.iter().enumerate() {
        if let Some(f) = step_fix(o, account) {
            out.steps.push((i, f));
        }
    }
    // Group the statements by document.
    let mut groups: Vec<((String, Target, Who), Vec<FixStatement>)> = Vec::new();
    for (i, f) in &out.steps {
        let (Some(target), Some(statement)) = (f.target, f.statement.clone()) else {
            continue;
        };
        let who = outcomes.get(*i).map_or(Who::Caller, |o| o.step.who);
        let key = (f.principal.clone(), target, who);
        match groups
            .iter_mut()
            .find(|(k, _)| k.0 == key.0 && k.1 == key.1)
        {
            Some((_, v)) => v.push(statement),
            None => groups.push((key, vec![statement])),
        }
    }
    for ((principal, target, who), statements) in groups {
        let statements = merge(statements);
        let actor = if who == Who::Caller {
            Some(&account.caller)
        } else {
            account.roles.get(&principal).map(|r| &r.actor)
        };
        let is_user = principal.contains(":user/");
        let name = role_name(&principal).to_string();
        match target {
            Target::Identity => {
                let (doc_name, document, apply) = match actor.map(|a| a.origin) {
                    Some(Origin::Files) => {
                        let first = actor.and_then(|a| a.identity.first());
                        let file =
                            first.map_or(FIX_POLICY.to_string(), |p| p.source_id().to_string());
                        (
                            file.clone(),
                            appended(first.map(|p| p.policy().text()), &statements),
                            format!("replace `{file}` with this document"),
                        )
                    }
                    _ => (
                        FIX_POLICY.to_string(),
                        statements_doc(&statements),
                        format!(
                            "aws iam put-{}-policy --{}-name {name} --policy-name {FIX_POLICY} \
                             --policy-document file://{FIX_POLICY}.json",
                            if is_user { "user" } else { "role" },
                            if is_user { "user" } else { "role" }
                        ),
                    ),
                };
                if let Ok(p) = compile(
                    &text(&statements_doc(&statements)),
                    PolicyType::Identity,
                    FIX_POLICY,
                    "fix",
                ) {
                    out.overlay
                        .identity
                        .entry(principal.clone())
                        .or_default()
                        .push(p);
                }
                out.documents.push(Patched {
                    principal,
                    target,
                    name: doc_name,
                    apply,
                    document,
                });
            }
            Target::Boundary => {
                let boundary = actor.and_then(|a| a.boundary.as_ref());
                let doc_name =
                    boundary.map_or("boundary".to_string(), |b| b.source_id().to_string());
                let document = appended(boundary.map(|b| b.policy().text()), &statements);
                if let Ok(p) = compile(
                    &text(&statements_doc(&statements)),
                    PolicyType::Boundary,
                    "warden-ecs-fix-boundary",
                    "fix",
                ) {
                    out.overlay
                        .boundary
                        .entry(principal.clone())
                        .or_default()
                        .push(p);
                }
                out.documents.push(Patched {
                    principal,
                    target,
                    apply: format!("aws iam create-policy-version --policy-arn ARN-OF-{doc_name} --set-as-default --policy-document file://{doc_name}.json"),
                    name: doc_name,
                    document,
                });
            }
            Target::Trust => {
                let trust = account.roles.get(&principal).and_then(|r| r.trust.as_ref());
                let document = appended(trust.map(|t| t.policy().text()), &statements);
                if let Ok(p) = compile(
                    &text(&document),
                    PolicyType::Trust,
                    &format!("{name}/trust-policy"),
                    "role",
                ) {
                    out.overlay.trust.insert(principal.clone(), p);
                }
                out.documents.push(Patched {
                    principal,
                    target,
                    name: format!("{name}/trust-policy"),
                    apply: format!(
                        "aws iam update-assume-role-policy --role-name {name} --policy-document file://{name}-trust.json"
                    ),
                    document,
                });
            }
        }
    }
    out
}
