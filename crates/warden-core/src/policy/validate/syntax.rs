//! The first check AWS makes: the JSON shape of the document ("Syntax errors in policy.").
//!
//! This is the one reader of the policy language: `Policy::parse` builds its AST from the [`Doc`]
//! read here, so the simulator and the validator cannot disagree on what a statement says.
//!
//! Reading the spanned JSON tree into [`Doc`] is the check itself: every shape error is
//! collected (with its place and a `detail` saying what is wrong, since AWS's message does not),
//! and a [`Doc`] comes out only when there is none. Duplicate keys are legal for AWS, whose JSON
//! reader keeps the last one (that is why the Terraform AWS provider added a duplicate-key check
//! in #33570); Warden does the same and warns.

use super::messages::{MALFORMED, SYNTAX};
use super::{Diagnostic, Location, Sink};
use crate::json::{Json, JsonKind, Member, Span};
use std::collections::HashMap;

/// The condition operators IAM knows, without `ForAnyValue:`/`ForAllValues:` and `IfExists`
/// (`reference_policies_elements_condition_operators.html`).
pub(super) const OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The policy as AWS's validator sees it once its shape is right.
pub(in crate::policy) struct Doc<'a> {
    /// The `Version` value and the span of its key, if present.
    pub version: Option<(&'a str, Span)>,
    /// The `Id`, if present.
    pub id: Option<&'a str>,
    /// The statements, in document order.
    pub statements: Vec<Stmt<'a>>,
}

/// One statement whose shape is right.
pub(in crate::policy) struct Stmt<'a> {
    /// 0-based index in the policy.
    pub index: usize,
    /// The statement object.
    pub json: &'a Json,
    /// The `Sid`, if it has one.
    pub sid: Option<&'a str>,
    /// The `Effect` as written (any case: the legacy check wants exactly `Allow`/`Deny`).
    pub effect: Item<'a>,
    /// `Action` or `NotAction`.
    pub action: Option<Block<'a>>,
    /// `Resource` or `NotResource`.
    pub resource: Option<Block<'a>>,
    /// `Principal` or `NotPrincipal`.
    pub principal: Option<PrincipalBlock<'a>>,
    /// The `Condition` element, with one clause per (operator, key).
    pub condition: Option<(Span, Vec<Clause<'a>>)>,
}

/// A string with its place in the text.
#[derive(Clone, Copy)]
pub(in crate::policy) struct Item<'a> {
    /// The unescaped text.
    pub text: &'a str,
    /// Where its JSON value stands.
    pub span: Span,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
pub(in crate::policy) struct Block<'a> {
    /// The element name as written (`Action`, `NotResource`, ...).
    pub element: &'static str,
    /// Where the key stands.
    pub key_span: Span,
    /// Where the value stands.
    pub value_span: Span,
    /// The strings; `null` entries of a list are skipped, as AWS skips them.
    pub items: Vec<Item<'a>>,
}

/// `Principal` or `NotPrincipal`.
pub(in crate::policy) struct PrincipalBlock<'a> {
    /// `Principal` or `NotPrincipal`.
    pub element: &'static str,
    /// Where the key stands.
    pub key_span: Span,
    /// `true` for the bare string `"*"`.
    pub star: bool,
    /// `(type, value)` pairs of the object form, e.g. `("AWS", "arn:aws:iam::...")`.
    pub entries: Vec<(&'a str, Item<'a>)>,
}

/// One (operator, key) pair of a `Condition` block.
pub(in crate::policy) struct Clause<'a> {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: Item<'a>,
    /// The operator without set prefix and `IfExists`, e.g. `StringLike`; `None` when unknown.
    pub base: Option<&'static str>,
    /// The condition key.
    pub key: Item<'a>,
    /// The values, as text (numbers and booleans as written).
    pub values: Vec<(String, Span)>,
}

/// The operator without its `ForAnyValue:`/`ForAllValues:` prefix and `IfExists` suffix, if IAM
/// knows it.
pub(super) fn base_operator(operator: &str) -> Option<&'static str> {
    let rest = operator
        .strip_prefix("ForAnyValue:")
        .or_else(|| operator.strip_prefix("ForAllValues:"))
        .unwrap_or(operator);
    let rest = rest.strip_suffix("IfExists").unwrap_or(rest);
    OPERATORS.iter().copied().find(|op| *op == rest)
}

struct Reader<'s, 't> {
    sink: &'s mut Sink<'t>,
    failed: bool,
}

/// Reads a parsed document. Pushes every shape error (and duplicate-key warnings) to `sink`;
/// returns the document only when its shape is right.
pub(super) fn read<'a>(json: &'a Json, sink: &mut Sink<'_>) -> Option<Doc<'a>> {
    let mut reader = Reader {
        sink,
        failed: false,
    };
    let doc = reader.document(json);
    if reader.failed { None } else { doc }
}

impl Reader<'_, '_> {
    fn error(&mut self, location: Option<Location>, span: Span, detail: String) {
        self.failed = true;
        let diagnostic = Diagnostic::error(MALFORMED, SYNTAX)
            .located(location)
            .at(self.sink.position(span.start))
            .explained(detail);
        self.sink.errors.push(diagnostic);
    }

    /// The members AWS keeps (the last of each key), in document order; warns about the others.
    fn effective<'m>(
        &mut self,
        members: &'m [Member],
        statement: Option<usize>,
    ) -> Vec<&'m Member> {
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            last.insert(m.key.as_str(), i);
        }
        let mut kept = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            if last.get(m.key.as_str()).is_some_and(|&l| l != i) {
                let location = Location {
                    statement,
                    sid: None,
                    element: Some(m.key.clone()),
                };
                self.sink.warnings.push(
                    Diagnostic::warning(
                        "DUPLICATE_KEY",
                        format!(
                            "The key `{}` appears more than once in the same object; AWS keeps \
                             only the last one, so this one has no effect.",
                            m.key
                        ),
                    )
                    .located(Some(location))
                    .at(self.sink.position(m.key_span.start)),
                );
            } else {
                kept.push(m);
            }
        }
        kept
    }

    fn document<'a>(&mut self, json: &'a Json) -> Option<Doc<'a>> {
        let Some(members) = json.as_object() else {
            self.error(
                None,
                json.span,
                format!("the policy must be a JSON object, not {}", article(json)),
            );
            return None;
        };
        let mut version = None;
        let mut id = None;
        let mut statement = None;
        for m in self.effective(members, None) {
            let here = Some(Location::element(&m.key));
            match m.key.as_str() {
                "Version" => match m.value.as_str() {
                    Some(v @ ("2012-10-17" | "2008-10-17")) => version = Some((v, m.key_span)),
                    Some(v) => self.error(
                        here,
                        m.value.span,
                        format!("`Version` must be 2012-10-17 or 2008-10-17, not `{v}`"),
                    ),
                    None => self.error(
                        here,
                        m.value.span,
                        format!("`Version` must be a string, not {}", article(&m.value)),
                    ),
                },
                "Id" => match m.value.as_str() {
                    Some(v) => id = Some(v),
                    None => self.error(
                        here,
                        m.value.span,
                        format!("`Id` must be a string, not {}", article(&m.value)),
                    ),
                },
                "Statement" => statement = Some(&m.value),
                other => self.error(
                    here,
                    m.key_span,
                    format!(
                        "unknown top-level element `{other}` (allowed: Version, Id, Statement)"
                    ),
                ),
            }
        }
        let Some(statement) = statement else {
            self.error(
                None,
                json.span,
                "the policy has no `Statement` element".to_string(),
            );
            return None;
        };
        let raw: Vec<&Json> = match &statement.kind {
            JsonKind::Object(_) => vec![statement],
            JsonKind::Array(items) if !items.is_empty() => items.iter().collect(),
            JsonKind::Array(_) => {
                self.error(
                    Some(Location::element("Statement")),
                    statement.span,
                    "`Statement` must hold at least one statement".to_string(),
                );
                return None;
            }
            _ => {
                self.error(
                    Some(Location::element("Statement")),
                    statement.span,
                    format!(
                        "`Statement` must be an object or an array of objects, not {}",
                        article(statement)
                    ),
                );
                return None;
            }
        };
        let statements: Vec<Stmt<'a>> = raw
            .into_iter()
            .enumerate()
            .filter_map(|(index, s)| self.statement(index, s))
            .collect();
        Some(Doc {
            version,
            id,
            statements,
        })
    }

    fn statement<'a>(&mut self, index: usize, json: &'a Json) -> Option<Stmt<'a>> {
        let Some(members) = json.as_object() else {
            self.error(
                Some(Location::statement(index, None, None)),
                json.span,
                format!("each statement must be an object, not {}", article(json)),
            );
            return None;
        };
        let members = self.effective(members, Some(index));
        let sid = match members.iter().find(|m| m.key == "Sid") {
            None => None,
            Some(m) => match m.value.as_str() {
                Some(s) => Some(s),
                None => {
                    self.error(
                        Some(Location::statement(index, None, Some("Sid"))),
                        m.value.span,
                        format!("`Sid` must be a string, not {}", article(&m.value)),
                    );
                    None
                }
            },
        };
        let here = |element: &str| Some(Location::statement(index, sid, Some(element)));
        let mut ok = true;
        let mut effect = None;
        let mut action: Option<Block<'a>> = None;
        let mut resource: Option<Block<'a>> = None;
        let mut principal: Option<PrincipalBlock<'a>> = None;
        let mut condition = None;
        for m in members {
            let key = m.key.as_str();
            let v = &m.value;
            match key {
                "Sid" => {}
                "Effect" => match v.as_str() {
                    Some(e)
                        if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") =>
                    {
                        effect = Some(Item {
                            text: e,
                            span: v.span,
                        });
                    }
                    Some(e) => {
                        ok = false;
                        self.error(
                            here(key),
                            v.span,
                            format!("`Effect` must be `Allow` or `Deny`, not `{e}`"),
                        );
                    }
                    None => {
                        ok = false;
                        self.error(
                            here(key),
                            v.span,
                            format!("`Effect` must be a string, not {}", article(v)),
                        );
                    }
                },
                "Action" | "NotAction" | "Resource" | "NotResource" => {
                    let element = match key {
                        "Action" => "Action",
                        "NotAction" => "NotAction",
                        "Resource" => "Resource",
                        _ => "NotResource",
                    };
                    let slot = if element.ends_with("Action") {
                        &mut action
                    } else {
                        &mut resource
                    };
                    if let Some(other) = slot.as_ref() {
                        let other = other.element;
                        ok = false;
                        self.error(
                            here(key),
                            m.key_span,
                            format!("a statement cannot have both `{other}` and `{key}`"),
                        );
                        continue;
                    }
                    match self.strings(v, here(key)) {
                        Some(items) => {
                            *slot = Some(Block {
                                element,
                                key_span: m.key_span,
                                value_span: v.span,
                                items,
                            });
                        }
                        None => ok = false,
                    }
                }
                "Principal" | "NotPrincipal" => {
                    let element = if key == "Principal" {
                        "Principal"
                    } else {
                        "NotPrincipal"
                    };
                    if let Some(other) = principal.as_ref() {
                        let other = other.element;
                        ok = false;
                        self.error(
                            here(key),
                            m.key_span,
                            format!("a statement cannot have both `{other}` and `{key}`"),
                        );
                        continue;
                    }
                    match self.principal(element, m, here(key)) {
                        Some(p) => principal = Some(p),
                        None => ok = false,
                    }
                }
                "Condition" => match self.condition(v, index, here(key)) {
                    Some(clauses) => condition = Some((m.key_span, clauses)),
                    None => ok = false,
                },
                other => {
                    ok = false;
                    self.error(
                        here(other),
                        m.key_span,
                        format!(
                            "unknown statement element `{other}` (allowed: Sid, Effect, \
                             Principal, NotPrincipal, Action, NotAction, Resource, NotResource, \
                             Condition)"
                        ),
                    );
                }
            }
        }
        let Some(effect) = effect else {
            if ok {
                self.error(
                    Some(Location::statement(index, sid, None)),
                    json.span,
                    "the statement has no `Effect`".to_string(),
                );
            }
            return None;
        };
        if !ok {
            return None;
        }
        Some(Stmt {
            index,
            json,
            sid,
            effect,
            action,
            resource,
            principal,
            condition,
        })
    }

    /// A string or a list of strings (`null` entries allowed and skipped).
    fn strings<'a>(&mut self, v: &'a Json, location: Option<Location>) -> Option<Vec<Item<'a>>> {
        match &v.kind {
            JsonKind::String(s) => Some(vec![Item {
                text: s,
                span: v.span,
            }]),
            JsonKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        JsonKind::String(s) => out.push(Item {
                            text: s,
                            span: item.span,
                        }),
                        JsonKind::Null => {}
                        _ => {
                            self.error(
                                location,
                                item.span,
                                format!("expected a string in this list, found {}", article(item)),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            _ => {
                self.error(
                    location,
                    v.span,
                    format!(
                        "expected a string or an array of strings, found {}",
                        article(v)
                    ),
                );
                None
            }
        }
    }

    fn principal<'a>(
        &mut self,
        element: &'static str,
        m: &'a Member,
        location: Option<Location>,
    ) -> Option<PrincipalBlock<'a>> {
        let v = &m.value;
        let mut block = PrincipalBlock {
            element,
            key_span: m.key_span,
            star: false,
            entries: Vec::new(),
        };
        match &v.kind {
            JsonKind::String(s) if s == "*" => block.star = true,
            JsonKind::Object(members) => {
                for kind in members {
                    if !matches!(
                        kind.key.as_str(),
                        "AWS" | "Service" | "Federated" | "CanonicalUser"
                    ) {
                        self.error(
                            location,
                            kind.key_span,
                            format!(
                                "unknown principal type `{}` (allowed: AWS, Service, Federated, \
                                 CanonicalUser)",
                                kind.key
                            ),
                        );
                        return None;
                    }
                    for item in self.strings(&kind.value, location.clone())? {
                        block.entries.push((kind.key.as_str(), item));
                    }
                }
            }
            _ => {
                self.error(
                    location,
                    v.span,
                    format!(
                        "`{element}` must be \"*\" or an object such as {{\"AWS\": ...}}, not {}",
                        article(v)
                    ),
                );
                return None;
            }
        }
        Some(block)
    }

    fn condition<'a>(
        &mut self,
        v: &'a Json,
        index: usize,
        location: Option<Location>,
    ) -> Option<Vec<Clause<'a>>> {
        let Some(operators) = v.as_object() else {
            self.error(
                location,
                v.span,
                format!("`Condition` must be an object, not {}", article(v)),
            );
            return None;
        };
        let mut clauses = Vec::new();
        for op in self.effective(operators, Some(index)) {
            let Some(keys) = op.value.as_object() else {
                self.error(
                    location,
                    op.value.span,
                    format!(
                        "condition operator `{}` must map condition keys to values, not be {}",
                        op.key,
                        article(&op.value)
                    ),
                );
                return None;
            };
            let base = base_operator(&op.key);
            if base.is_none() && !keys.is_empty() {
                self.error(
                    location,
                    op.key_span,
                    format!("unknown condition operator `{}`", op.key),
                );
                return None;
            }
            for k in self.effective(keys, Some(index)) {
                let scalar = |j: &Json| match &j.kind {
                    JsonKind::String(s) | JsonKind::Number(s) => Some(s.clone()),
                    JsonKind::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                let values = match &k.value.kind {
                    JsonKind::Array(items) => items
                        .iter()
                        .map(|item| scalar(item).map(|s| (s, item.span)).ok_or(item))
                        .collect::<Result<Vec<_>, _>>(),
                    _ => scalar(&k.value)
                        .map(|s| vec![(s, k.value.span)])
                        .ok_or(&k.value),
                };
                match values {
                    Ok(values) => clauses.push(Clause {
                        operator: Item {
                            text: &op.key,
                            span: op.key_span,
                        },
                        base,
                        key: Item {
                            text: &k.key,
                            span: k.key_span,
                        },
                        values,
                    }),
                    Err(bad) => {
                        self.error(
                            location,
                            bad.span,
                            format!(
                                "the value of condition key `{}` must be a string, number or \
                                 boolean, or a list of them, not {}",
                                k.key,
                                article(bad)
                            ),
                        );
                        return None;
                    }
                }
            }
            if base.is_none() {
                // An unknown operator with no keys is accepted by IAM (moto's vectors pin it).
                self.sink.warnings.push(
                    Diagnostic::warning(
                        "INVALID_CONDITION_OPERATOR",
                        format!(
                            "`{}` is not a condition operator; IAM accepts it only because its \
                             block is empty.",
                            op.key
                        ),
                    )
                    .located(location.clone())
                    .at(self.sink.position(op.key_span.start)),
                );
            }
        }
        Some(clauses)
    }
}

/// "an object", "a string", ... for messages.
fn article(json: &Json) -> &'static str {
    match &json.kind {
        JsonKind::Null => "null",
        JsonKind::Bool(_) => "a boolean",
        JsonKind::Number(_) => "a number",
        JsonKind::String(_) => "a string",
        JsonKind::Array(_) => "an array",
        JsonKind::Object(_) => "an object",
    }
}
