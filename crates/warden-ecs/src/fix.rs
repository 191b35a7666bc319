//! Fixes: for each denial, the engine's minimal fix ([`warden_core::explain`]: the smallest
//! statement per layer that allows exactly that request, the exact ARN, `iam:PassedToService`
//! for PassRole, never a bare `*` where the action takes a resource), placed in the documents
//! of the principals the workflow names, and the overlay to re-check the workflow with.

use crate::account::{Account, Origin, compile};
use crate::evaluate::{Outcome, Overlay, Verdict};
use crate::model::{StepKind, Who};
use crate::plan::{CONTAINER_INSTANCE_ID, TASK_ID};
use serde::Serialize;
use serde_json::{Value, json};
use warden_core::PolicyType;
use warden_core::explain::{serialize_statement, statement_text};

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

/// A policy document with fixes added: the statements it had, then the added ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Document {
    /// The policy language version.
    pub version: Value,
    /// The policy's `Id`, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// The statements.
    #[serde(serialize_with = "statements")]
    pub statement: Vec<Value>,
}

/// Each statement in the engine's fixed member order ([`serialize_statement`]).
fn statements<S: serde::Serializer>(list: &[Value], ser: S) -> Result<S::Ok, S::Error> {
    struct One<'a>(&'a Value);
    impl Serialize for One<'_> {
        fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            serialize_statement(self.0, ser)
        }
    }
    ser.collect_seq(list.iter().map(One))
}

impl Document {
    /// The document as indented JSON, each statement's members in the order people write
    /// them (the engine's [`statement_text`]).
    pub fn text(&self) -> String {
        let mut out = String::from("{\n");
        out.push_str(&format!("  \"Version\": {},\n", self.version));
        if let Some(id) = &self.id {
            out.push_str(&format!("  \"Id\": {id},\n"));
        }
        out.push_str("  \"Statement\": [\n");
        let parts: Vec<String> = self
            .statement
            .iter()
            .map(|s| {
                statement_text(s)
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        out.push_str(&parts.join(",\n"));
        out.push_str("\n  ]\n}");
        out
    }
}

/// A statement to add, and which document of the principal takes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Targeted {
    /// Which document.
    pub target: Target,
    /// The statement.
    #[serde(serialize_with = "serialize_statement")]
    pub statement: Value,
}

/// The fix of one denied step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFix {
    /// Whose document changes (a principal ARN; for trust, the role ARN).
    pub principal: String,
    /// The statements to add (one per layer that must change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Targeted>,
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
pub fn step_fix(o: &Outcome) -> Option<StepFix> {
    let step = &o.step;
    let owner = if step.kind == StepKind::Decide {
        step.principal.clone()
    } else {
        step.resource.clone()
    };
    let advice = |text: String| StepFix {
        principal: owner.clone(),
        statements: Vec::new(),
        advice: Some(text),
    };
    match o.decision {
        Verdict::Allowed | Verdict::Skipped | Verdict::Unknown => None,
        Verdict::Missing => Some(advice(match step.kind {
            StepKind::InstanceProfile => format!(
                "put the role in an instance profile: aws iam create-instance-profile \
                 --instance-profile-name NAME; aws iam add-role-to-instance-profile \
                 --instance-profile-name NAME --role-name {}",
                role_name(&step.resource)
            ),
            _ => format!(
                "create the role `{owner}` (aws iam create-role) with the trust and permissions \
                 this check lists"
            ),
        })),
        Verdict::ExplicitDeny => Some(advice(format!(
            "an explicit Deny wins over any Allow: remove or narrow {}",
            o.explanation
                .statements
                .iter()
                .map(|s| format!("statement {} of `{}`", s.statement, s.policy))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        Verdict::ImplicitDeny => {
            let mut statements = Vec::new();
            let mut others = Vec::new();
            for f in &o.explanation.fixes {
                let target = match f.layer.as_str() {
                    "identity" => Target::Identity,
                    "boundary" => Target::Boundary,
                    "trust" => Target::Trust,
                    other => {
                        others.push(other.to_string());
                        continue;
                    }
                };
                statements.push(Targeted {
                    target,
                    statement: run_time_ids(f.statement.clone()),
                });
            }
            let advice = (!others.is_empty()).then(|| {
                format!(
                    "the {} policies must allow it too: they are not the principal's to change",
                    others.join(", ")
                )
            });
            Some(StepFix {
                principal: owner,
                statements,
                advice,
            })
        }
    }
}

/// Condition block members.
type Members = Vec<(String, Value)>;

/// The engine's fix names the request's exact ARNs; the ids ECS knows only at run time (a
/// task's, a container instance's) stand in them as placeholders, and become wildcards, the
/// equality operators on them becoming their `Like` forms.
fn run_time_ids(statement: Value) -> Value {
    fn replace(v: Value) -> Value {
        match v {
            Value::String(s) => {
                Value::String(s.replace(TASK_ID, "*").replace(CONTAINER_INSTANCE_ID, "*"))
            }
            Value::Array(a) => Value::Array(a.into_iter().map(replace).collect()),
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, replace(v))).collect())
            }
            other => other,
        }
    }
    let mut st = replace(statement);
    if let Some(Value::Object(cond)) = st.get_mut("Condition") {
        let ops: Vec<String> = cond.keys().cloned().collect();
        for op in ops {
            let like = match op.as_str() {
                "ArnEquals" => "ArnLike",
                "StringEquals" => "StringLike",
                _ => continue,
            };
            let Some(Value::Object(block)) = cond.get(&op).cloned() else {
                continue;
            };
            let (wild, exact): (Members, Members) = block
                .into_iter()
                .partition(|(_, v)| v.to_string().contains('*'));
            if wild.is_empty() {
                continue;
            }
            if exact.is_empty() {
                cond.remove(&op);
            } else {
                cond.insert(op.clone(), Value::Object(exact.into_iter().collect()));
            }
            let entry = cond
                .entry(like.to_string())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(m) = entry {
                m.extend(wild);
            }
        }
    }
    st
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Merges statements that differ only in their action into one, and numbers their `Sid`s
/// (a document's `Sid`s must differ).
fn merge(statements: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for mut s in statements {
        if let Some(m) = s.as_object_mut() {
            m.remove("Sid");
        }
        let same = out.iter_mut().find(|o| {
            o.get("Principal").is_none()
                && s.get("Principal").is_none()
                && o.get("Resource") == s.get("Resource")
                && o.get("Condition") == s.get("Condition")
        });
        match (same, s.get("Action").cloned()) {
            (Some(o), Some(action)) => {
                let mut actions = match o.get("Action").cloned() {
                    Some(Value::Array(a)) => a,
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                if !actions.contains(&action) {
                    actions.push(action);
                }
                if let Some(m) = o.as_object_mut() {
                    let value = match actions.as_slice() {
                        [one] => one.clone(),
                        _ => Value::Array(actions),
                    };
                    m.insert("Action".into(), value);
                }
            }
            _ => {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    for (i, s) in out.iter_mut().enumerate() {
        if let Some(m) = s.as_object_mut() {
            m.insert("Sid".into(), json!(format!("WardenEcsFix{}", i + 1)));
        }
    }
    out
}

/// A document with `statements` appended to `base` (a policy's text), or a new document.
fn appended(base: Option<&str>, statements: &[Value]) -> Document {
    let parsed = base
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    let (version, id, mut statement) = match parsed {
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
    statement.extend(statements.iter().cloned());
    Document {
        version,
        id,
        statement,
    }
}

/// Every fix of `outcomes`, the patched documents and the overlay to re-check with.
pub fn fixes(outcomes: &[Outcome], account: &Account) -> Fixes {
    let mut out = Fixes::default();
    for (i, o) in outcomes.iter().enumerate() {
        if let Some(f) = step_fix(o) {
            out.steps.push((i, f));
        }
    }
    // Group the statements by document.
    let mut groups: Vec<((String, Target, Who), Vec<Value>)> = Vec::new();
    for (i, f) in &out.steps {
        let who = outcomes.get(*i).map_or(Who::Caller, |o| o.step.who);
        for t in &f.statements {
            match groups
                .iter_mut()
                .find(|(k, _)| k.0 == f.principal && k.1 == t.target)
            {
                Some((_, v)) => v.push(t.statement.clone()),
                None => groups.push((
                    (f.principal.clone(), t.target, who),
                    vec![t.statement.clone()],
                )),
            }
        }
    }
    for ((principal, target, who), statements) in groups {
        let statements = merge(statements);
        let actor = if who == Who::Caller {
            Some(&account.caller)
        } else {
            account.roles.get(&principal).map(|r| &r.actor)
        };
        let name = role_name(&principal).to_string();
        let added = appended(None, &statements);
        match target {
            Target::Identity => {
                let kind = if principal.contains(":user/") {
                    "user"
                } else {
                    "role"
                };
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
                        added.clone(),
                        format!(
                            "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {FIX_POLICY} \
                             --policy-document file://{FIX_POLICY}.json"
                        ),
                    ),
                };
                if let Ok(p) = compile(&added.text(), PolicyType::Identity, FIX_POLICY, "fix") {
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
                    &added.text(),
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
                    apply: format!(
                        "aws iam create-policy-version --policy-arn ARN-OF-{doc_name} \
                         --set-as-default --policy-document file://{doc_name}.json"
                    ),
                    name: doc_name,
                    document,
                });
            }
            Target::Trust => {
                let trust = account.roles.get(&principal).and_then(|r| r.trust.as_ref());
                let document = appended(trust.map(|t| t.policy().text()), &statements);
                if let Ok(p) = compile(
                    &document.text(),
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
                        "aws iam update-assume-role-policy --role-name {name} \
                         --policy-document file://{name}-trust.json"
                    ),
                    document,
                });
            }
        }
    }
    out
}
