//! The minimal fix: the smallest statement that allows exactly the request, per layer.
//!
//! - The exact action and the exact resource ARN; `*` only when the request's resource is `*`
//!   (an action without resource-level permissions,
//!   `reference_policies_actions-resources-contextkeys.html`).
//! - Narrowing conditions with the request's own values: `iam:PassedToService` for
//!   `iam:PassRole` (`id_roles_use_passrole.html`), `iam:AWSServiceName` for
//!   `iam:CreateServiceLinkedRole` (`id_roles_create-service-linked-role.html`), and in a trust
//!   policy for a service principal `aws:SourceAccount` and `aws:SourceArn`, the confused-deputy
//!   keys (`confused-deputy.html`). The clauses of the nearest miss that held are kept too:
//!   they narrow the grant as its author meant, and they hold for this request.
//! - A trust policy statement names the caller in `Principal` and has no `Resource` (IAM
//!   rejects one there); a resource-based policy statement names the caller and the resource.
//! - An RCP can only allow everything (`RCPFullAWSAccess`, `orgs_manage_policies_rcps_syntax.html`):
//!   a level that allows nothing for the request gets that statement; RCPs narrow with `Deny`.

use super::{Failure, Gap, PolicyLayer};
use crate::authorize::{PolicySet, Request};
use crate::compile::CompiledPolicy;
use crate::policy::{ParseError, Policy};
use crate::principal::Principal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A statement to add, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The layer the statement must go into.
    pub layer: PolicyLayer,
    /// The ids of the layer's policies, any of which can take the statement (empty: the layer
    /// has no policy yet, and the statement makes a new one).
    pub policies: Vec<String>,
    /// The statement, as a JSON object (`Sid`, `Effect`, `Principal`, `Action`, `Resource`,
    /// `Condition`). Serialized with its keys in that order (nested keys sorted), whatever
    /// serde_json's map order.
    #[serde(serialize_with = "ordered")]
    pub statement: Value,
}

impl Fix {
    /// The statement as indented JSON, keys in the usual order.
    pub fn statement_text(&self) -> String {
        statement_text(&self.statement)
    }

    /// A whole policy document holding the statement alone.
    pub fn policy_text(&self) -> String {
        let inner = indent(&self.statement_text(), "    ");
        format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {}\n  ]\n}}",
            inner.trim_start()
        )
    }

    /// The statement compiled as a policy of its layer's type, reported as `id`.
    pub fn compile(&self, id: &str) -> Result<CompiledPolicy, ParseError> {
        let policy = Policy::parse(&self.policy_text())?;
        Ok(CompiledPolicy::new(
            Arc::new(policy),
            self.layer.policy_type(),
            id,
            "none",
        ))
    }
}

/// The smallest identity-policy statement that allows exactly `req`: its action, its resource
/// (`*` only when the request's resource is `*`), and the narrowing conditions with the
/// request's values (`iam:PassedToService` for `iam:PassRole`, `iam:AWSServiceName` for
/// `iam:CreateServiceLinkedRole`).
pub fn minimal_grant(req: &Request) -> Value {
    let action = req.action.to_ascii_lowercase();
    statement(req, &action, PolicyLayer::Identity, Map::new())
}

/// Builds the fix of one gap.
pub(super) fn for_gap(req: &Request, action: &str, gap: &Gap, set: &PolicySet) -> Fix {
    Fix {
        layer: gap.layer,
        policies: gap.policies.clone(),
        statement: statement(req, action, gap.layer, kept_clauses(gap, set)),
    }
}

fn statement(req: &Request, action: &str, layer: PolicyLayer, kept: Map<String, Value>) -> Value {
    if let PolicyLayer::Rcp(_) = layer {
        // An RCP may allow only everything, as `RCPFullAWSAccess` does
        // (`orgs_manage_policies_rcps_syntax.html`): RCPs narrow with `Deny` statements.
        return json!({
            "Sid": "FullAWSAccess",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*"
        });
    }
    let mut st = Map::new();
    st.insert("Sid".into(), Value::String(sid(&req.action)));
    st.insert("Effect".into(), Value::String("Allow".into()));
    match layer {
        PolicyLayer::Resource | PolicyLayer::Trust => {
            st.insert("Principal".into(), principal_element(&req.principal));
        }
        _ => {}
    }
    st.insert("Action".into(), Value::String(req.action.clone()));
    if layer != PolicyLayer::Trust {
        st.insert("Resource".into(), Value::String(req.resource.clone()));
    }
    let mut condition = kept;
    let mut keep = |operator: &str, key: &str| {
        if let Some(v) = req.context.lookup(key).filter(|v| !v.values().is_empty()) {
            let (operator, value) = match v.values() {
                [one] => (operator.to_string(), Value::String(one.clone())),
                many => (
                    format!("ForAllValues:{operator}"),
                    Value::Array(many.iter().cloned().map(Value::String).collect()),
                ),
            };
            let block = condition
                .entry(operator)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = block {
                m.insert(key.to_string(), value);
            }
        }
    };
    match action {
        "iam:passrole" => keep("StringEquals", "iam:PassedToService"),
        "iam:createservicelinkedrole" => keep("StringEquals", "iam:AWSServiceName"),
        _ => {}
    }
    if layer == PolicyLayer::Trust && req.principal.is_service() {
        keep("StringEquals", "aws:SourceAccount");
        keep("ArnEquals", "aws:SourceArn");
    }
    if !condition.is_empty() {
        st.insert("Condition".into(), Value::Object(condition));
    }
    Value::Object(st)
}

/// The clauses of the gap's nearest miss that held, as a `Condition` block.
fn kept_clauses(gap: &Gap, set: &PolicySet) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(best) = gap.near_misses.first() else {
        return out;
    };
    let Some(layer) = set.layer_of(gap.layer) else {
        return out;
    };
    let Some(st) = layer
        .policies()
        .iter()
        .find(|p| p.source_id() == &*best.statement.source_policy_id)
        .and_then(|p| p.policy().statements().get(best.statement.statement_index))
    else {
        return out;
    };
    for clause in st.conditions() {
        let failed = best.failures.iter().any(|f| {
            matches!(f, Failure::Condition(c) if c.operator == clause.operator && c.key == clause.key)
        });
        if failed {
            continue;
        }
        let values = match clause.values.as_slice() {
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        };
        let block = out
            .entry(clause.operator.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = block {
            m.insert(clause.key.clone(), values);
        }
    }
    out
}

/// How a `Principal` element names the caller: the role for a role session (a session ARN
/// lives only as long as the session).
fn principal_element(who: &Principal) -> Value {
    match who {
        Principal::Service(s) => json!({ "Service": s }),
        Principal::Anonymous => Value::String("*".into()),
        Principal::Other(s) => json!({ "Federated": s }),
        _ => json!({ "AWS": who.principal_arn().unwrap_or_default() }),
    }
}

/// `AllowIamPassRole` for `iam:PassRole`: letters and digits only, as IAM requires of a `Sid`.
fn sid(action: &str) -> String {
    let mut out = String::from("Allow");
    for part in action.split(':') {
        let mut chars = part.chars().filter(char::is_ascii_alphanumeric);
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// A statement as indented JSON (2 spaces), with its keys in the order people write them:
/// `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`,
/// `NotResource`, `Condition`, then any other.
pub fn statement_text(statement: &Value) -> String {
    serde_json::to_string_pretty(&Ordered(statement, true)).unwrap_or_default()
}

/// The order of a statement's keys.
const KEY_ORDER: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Serializes a statement with its keys in the order people write them, nested objects with
/// sorted keys: the same bytes whether or not serde_json preserves insertion order.
fn ordered<S: serde::Serializer>(v: &Value, ser: S) -> Result<S::Ok, S::Error> {
    Ordered(v, true).serialize(ser)
}

struct Ordered<'a>(&'a Value, bool);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                if self.1 {
                    keys.sort_by_key(|k| {
                        KEY_ORDER
                            .iter()
                            .position(|o| o == k)
                            .unwrap_or(KEY_ORDER.len())
                    });
                }
                let mut m = ser.serialize_map(Some(keys.len()))?;
                for k in keys {
                    if let Some(v) = map.get(k) {
                        m.serialize_entry(k, &Ordered(v, false))?;
                    }
                }
                m.end()
            }
            Value::Array(items) => {
                let mut seq = ser.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered(item, false))?;
                }
                seq.end()
            }
            other => other.serialize(ser),
        }
    }
}
