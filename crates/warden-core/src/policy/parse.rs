//! Spanned JSON -> policy AST. Structural checks only; AWS's per-type rules are in `validate`.

use super::{
    ConditionClause, Effect, Policy, PrincipalBlock, PrincipalEntry, PrincipalKind, Statement,
    ValueBlock, Version,
};
use crate::json::{Json, JsonKind, Position, position_of};

/// Why a document cannot be read as a policy at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", location.as_ref().map(|l| format!(" (at {l})")).unwrap_or_default())]
pub struct ParseError {
    message: String,
    location: Option<String>,
    position: Option<Position>,
}

impl ParseError {
    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Where, in words: the statement and element.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
    /// Where, as a line and column of the text.
    pub fn position(&self) -> Option<Position> {
        self.position
    }
}

struct Parser<'t> {
    text: &'t str,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>, location: Option<String>, at: &Json) -> ParseError {
        ParseError {
            message: message.into(),
            location,
            position: Some(position_of(self.text, at.span.start)),
        }
    }
}

pub(super) fn parse(text: &str) -> Result<Policy, ParseError> {
    let json = Json::parse(text).map_err(|e| ParseError {
        message: format!("the policy is not valid JSON: {}", e.message),
        location: None,
        position: Some(e.position),
    })?;
    let p = Parser { text };
    let Some(members) = json.as_object() else {
        return Err(p.err("the policy must be a JSON object", None, &json));
    };
    let mut version_text = None;
    let mut id = None;
    let mut statement = None;
    for m in members {
        match m.key.as_str() {
            "Version" => match m.value.as_str() {
                Some(v) => version_text = Some(v.to_string()),
                None => return Err(p.err("`Version` must be a string", None, &m.value)),
            },
            "Id" => match m.value.as_str() {
                Some(v) => id = Some(v.to_string()),
                None => return Err(p.err("`Id` must be a string", None, &m.value)),
            },
            "Statement" => statement = Some(&m.value),
            other => {
                return Err(p.err(
                    format!("unknown top-level element `{other}`"),
                    None,
                    &m.value,
                ));
            }
        }
    }
    let version = match version_text.as_deref() {
        Some("2012-10-17") => Version::V2012_10_17,
        None | Some("2008-10-17") => Version::V2008_10_17,
        Some(other) => {
            return Err(p.err(
                format!("unsupported `Version` `{other}`: use 2012-10-17"),
                None,
                &json,
            ));
        }
    };
    let Some(statement) = statement else {
        return Err(p.err("the policy has no `Statement`", None, &json));
    };
    let raw_statements: Vec<&Json> = match &statement.kind {
        JsonKind::Array(items) => items.iter().collect(),
        JsonKind::Object(_) => vec![statement],
        _ => {
            return Err(p.err(
                "`Statement` must be an object or an array of objects",
                None,
                statement,
            ));
        }
    };
    let statements = raw_statements
        .into_iter()
        .enumerate()
        .map(|(index, s)| p.statement(index, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        text: text.to_string(),
        version,
        version_text,
        id,
        statements,
    })
}

impl Parser<'_> {
    fn statement(&self, index: usize, json: &Json) -> Result<Statement, ParseError> {
        let here = |element: &str, sid: &Option<String>| {
            let who = match sid {
                Some(s) if !s.is_empty() => format!("statement `{s}`"),
                _ => format!("statement {}", index + 1),
            };
            Some(if element.is_empty() {
                who
            } else {
                format!("{who}, `{element}`")
            })
        };
        let Some(members) = json.as_object() else {
            return Err(self.err("each statement must be an object", here("", &None), json));
        };
        let sid = match json.get("Sid").last().map(|m| &m.value) {
            None => None,
            Some(v) => match v.as_str() {
                Some(s) => Some(s.to_string()),
                None => return Err(self.err("`Sid` must be a string", here("Sid", &None), v)),
            },
        };
        let mut effect = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut conditions = Vec::new();
        for m in members {
            let key = m.key.as_str();
            let v = &m.value;
            // A repeated key replaces the earlier one, as IAM reads duplicates (last wins); an
            // element beside its negation (`Action` and `NotAction`) is an error.
            let dup = |slot: Option<&str>| -> Result<(), ParseError> {
                match slot {
                    Some(prev) if prev != key => Err(self.err(
                        format!("the statement has both `{prev}` and `{key}`"),
                        here(key, &sid),
                        v,
                    )),
                    _ => Ok(()),
                }
            };
            match key {
                "Sid" => {}
                "Effect" => {
                    dup(effect.map(|_| "Effect"))?;
                    effect = Some(match v.as_str() {
                        Some("Allow") => Effect::Allow,
                        Some("Deny") => Effect::Deny,
                        _ => {
                            return Err(self.err(
                                "`Effect` must be `Allow` or `Deny`",
                                here(key, &sid),
                                v,
                            ));
                        }
                    });
                }
                "Action" | "NotAction" => {
                    dup(action
                        .as_ref()
                        .map(|a: &ValueBlock| block_key(a.negated, "Action")))?;
                    action = Some(ValueBlock {
                        negated: key == "NotAction",
                        values: self.strings(v, here(key, &sid))?,
                    });
                }
                "Resource" | "NotResource" => {
                    dup(resource
                        .as_ref()
                        .map(|r: &ValueBlock| block_key(r.negated, "Resource")))?;
                    resource = Some(ValueBlock {
                        negated: key == "NotResource",
                        values: self.strings(v, here(key, &sid))?,
                    });
                }
                "Principal" | "NotPrincipal" => {
                    dup(principal
                        .as_ref()
                        .map(|p: &PrincipalBlock| block_key(p.negated, "Principal")))?;
                    principal = Some(self.principal(key == "NotPrincipal", v, here(key, &sid))?);
                }
                "Condition" => {
                    conditions = self.conditions(v, here(key, &sid))?;
                }
                other => {
                    return Err(self.err(
                        format!("unknown statement element `{other}`"),
                        here(other, &sid),
                        v,
                    ));
                }
            }
        }
        let Some(effect) = effect else {
            return Err(self.err("the statement has no `Effect`", here("", &sid), json));
        };
        let Some(action) = action else {
            return Err(self.err(
                "the statement has no `Action` or `NotAction`",
                here("", &sid),
                json,
            ));
        };
        Ok(Statement {
            index,
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
            span: json.span,
            start: position_of(self.text, json.span.start),
            end: position_of(self.text, json.span.end),
        })
    }

    fn strings(&self, v: &Json, location: Option<String>) -> Result<Vec<String>, ParseError> {
        match &v.kind {
            JsonKind::String(s) => Ok(vec![s.clone()]),
            JsonKind::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or_else(|| {
                        self.err(
                            "expected a string or an array of strings",
                            location.clone(),
                            item,
                        )
                    })
                })
                .collect(),
            _ => Err(self.err("expected a string or an array of strings", location, v)),
        }
    }

    fn principal(
        &self,
        negated: bool,
        v: &Json,
        location: Option<String>,
    ) -> Result<PrincipalBlock, ParseError> {
        let mut entries = Vec::new();
        match &v.kind {
            JsonKind::String(s) if s == "*" => entries.push(PrincipalEntry {
                kind: PrincipalKind::Aws,
                value: "*".to_string(),
            }),
            JsonKind::Object(members) => {
                for m in members {
                    let kind = match m.key.as_str() {
                        "AWS" => PrincipalKind::Aws,
                        "Service" => PrincipalKind::Service,
                        "Federated" => PrincipalKind::Federated,
                        "CanonicalUser" => PrincipalKind::CanonicalUser,
                        other => PrincipalKind::Other(other.to_string()),
                    };
                    for value in self.strings(&m.value, location.clone())? {
                        let value = if kind == PrincipalKind::Aws && is_account_id(&value) {
                            format!("arn:aws:iam::{value}:root")
                        } else {
                            value
                        };
                        entries.push(PrincipalEntry {
                            kind: kind.clone(),
                            value,
                        });
                    }
                }
            }
            _ => {
                return Err(self.err(
                    "a principal must be `*` or an object such as {\"AWS\": ...}",
                    location,
                    v,
                ));
            }
        }
        Ok(PrincipalBlock { negated, entries })
    }

    fn conditions(
        &self,
        v: &Json,
        location: Option<String>,
    ) -> Result<Vec<ConditionClause>, ParseError> {
        let Some(operators) = v.as_object() else {
            return Err(self.err("`Condition` must be an object", location, v));
        };
        let mut clauses = Vec::new();
        for op in operators {
            let Some(keys) = op.value.as_object() else {
                return Err(self.err(
                    format!("condition operator `{}` must map keys to values", op.key),
                    location,
                    &op.value,
                ));
            };
            for k in keys {
                let values = match &k.value.kind {
                    JsonKind::Array(items) => items
                        .iter()
                        .map(|item| {
                            item.scalar_text().ok_or_else(|| {
                                self.err(
                                    format!("condition key `{}` has a value that is not a string, number or boolean", k.key),
                                    location.clone(),
                                    item,
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => vec![k.value.scalar_text().ok_or_else(|| {
                        self.err(
                            format!(
                                "condition key `{}` has a value that is not a string, number or boolean",
                                k.key
                            ),
                            location.clone(),
                            &k.value,
                        )
                    })?],
                };
                clauses.push(ConditionClause {
                    operator: op.key.clone(),
                    key: k.key.clone(),
                    values,
                });
            }
        }
        Ok(clauses)
    }
}

fn block_key(negated: bool, name: &'static str) -> &'static str {
    match (negated, name) {
        (true, "Action") => "NotAction",
        (true, "Resource") => "NotResource",
        (true, "Principal") => "NotPrincipal",
        _ => name,
    }
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn single_statement_object_and_account_principal() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}"#;
        let p = Policy::parse(text).unwrap();
        assert_eq!(p.text(), text);
        assert_eq!(p.version(), Version::V2012_10_17);
        let s = &p.statements()[0];
        let principal = s.principal().unwrap();
        assert_eq!(principal.entries[0].value, "arn:aws:iam::123456789012:root");
        assert!(s.resource().is_none());
    }

    #[test]
    fn positions_are_one_based() {
        let text = "{\n  \"Statement\": [\n    {\"Effect\": \"Deny\", \"Action\": \"*\"}\n  ]\n}";
        let p = Policy::parse(text).unwrap();
        let s = &p.statements()[0];
        assert_eq!(s.start(), Position { line: 3, column: 5 });
        assert_eq!(
            s.end(),
            Position {
                line: 3,
                column: 38
            }
        );
        assert_eq!(p.version(), Version::V2008_10_17);
    }

    #[test]
    fn condition_values_keep_scalars_as_text() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":[10, "20"]},"Bool":{"aws:SecureTransport":true}}}]}"#;
        let p = Policy::parse(text).unwrap();
        let c = p.statements()[0].conditions();
        assert_eq!(c[0].values, vec!["10", "20"]);
        assert_eq!(c[1].values, vec!["true"]);
    }

    #[test]
    fn duplicate_keys_last_wins_but_negations_clash() {
        let text =
            r#"{"Statement":[{"Effect":"Deny","Effect":"Allow","Action":"a:b","Action":"c:d"}]}"#;
        let p = Policy::parse(text).unwrap();
        assert_eq!(p.statements()[0].effect(), Effect::Allow);
        assert_eq!(p.statements()[0].action().values, vec!["c:d"]);
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"c:d"}]}"#;
        let e = Policy::parse(text).unwrap_err();
        assert!(e.message().contains("both `Action` and `NotAction`"), "{e}");
    }

    #[test]
    fn errors_say_where() {
        let text = r#"{"Statement":[{"Sid":"A","Effect":"allow","Action":"*"}]}"#;
        let e = Policy::parse(text).unwrap_err();
        assert_eq!(e.location(), Some("statement `A`, `Effect`"));
    }
}
