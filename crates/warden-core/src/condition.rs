//! Condition operators: one `(operator, key, values)` clause of a `Condition` block, compiled
//! once and evaluated against a request context
//! (`reference_policies_elements_condition_operators.html`).
//!
//! The rules this module follows, each pinned by a test in `condition/tests.rs`:
//! - Several policy values for one key are OR'ed; for a negated operator (`StringNotEquals`,
//!   `NotIpAddress`, `ArnNotLike`, ...) a request value passes when it matches none of them
//!   (`reference_policies_condition-logic-multiple-context-keys-or-values.html`).
//! - Key absent (or present with no value at all): positive operators fail, negated ones hold,
//!   `...IfExists` holds, `ForAllValues:` holds, `ForAnyValue:` fails (with `IfExists` too);
//!   `Null` tests presence
//!   (`reference_policies_elements_condition_operators.html`,
//!   `reference_policies_condition-single-vs-multi-valued-context-keys.html`).
//! - `ForAllValues:Op` holds when every request value passes `Op`, `ForAnyValue:Op` when one
//!   does; a negated `Op` is applied per request value first. A single-valued key is a set of
//!   one.
//! - A request value that does not parse as the operator's type (a number, a date, an IP, an
//!   ARN, a boolean, base64) passes neither a positive nor a negated operator.
//! - Policy variables (`${aws:username}`) are substituted in the values of string, ARN and `Bool`
//!   operators under `2012-10-17` only (`reference_policies_variables.html`); substituted text
//!   is literal even in `*Like` operators. A variable that cannot be resolved makes its policy
//!   value fail: it never matches a positive operator, and it makes a negated operator fail
//!   (AWS: "If AWS cannot resolve a variable, this might cause the entire statement to be
//!   invalid"; iam-simulate behaves the same).
//! - Policy values that do not suit the operator (`NumericEquals: "abc"`, an ARN pattern with
//!   fewer than six components, ...) and unknown or miscased operator names compile to a
//!   clause that never matches, whatever the request: IAM would have rejected the policy.

mod operator;
mod value;

#[cfg(test)]
mod tests;

use crate::arn::{Arn, ArnPattern};
use crate::context::Context;
use crate::glob::{Glob, Token};
use crate::policy::{ConditionClause, Version};
use crate::variables::{Piece, Template};
use operator::{Cmp, Family, Operator, SetOp, StrOp};
use value::{Network, Number, RequestNumber};

/// One compiled `(operator, key, values)` clause of a `Condition` block: the policy values are
/// parsed once here, so evaluation only parses the request's values.
#[derive(Debug, Clone)]
pub struct CompiledCondition {
    key: Box<str>,
    operator: Box<str>,
    set: SetOp,
    negated: bool,
    /// The outcome when the key is absent or has no value.
    when_absent: bool,
    test: Test,
    /// Keys read by policy variables in the values, lower-cased, distinct, without `key`.
    variable_keys: Box<[Box<str>]>,
}

/// What a clause checks, with the policy values parsed.
#[derive(Debug, Clone)]
enum Test {
    /// Unknown operator or unsuitable policy values.
    Never,
    /// `Null`: the outcome for an absent key and for a present one.
    Null {
        if_absent: bool,
        if_present: bool,
    },
    Str(StrOp, Values<StrPattern, Template>),
    Numeric(Cmp, Box<[Number]>),
    /// Instants in nanoseconds since the UNIX epoch.
    Date(Cmp, Box<[i128]>),
    Bool(Values<bool, Template>),
    Binary(Box<[Box<[u8]>]>),
    Ip(Box<[Network]>),
    /// Templated values are split into their six ARN components.
    Arn(Values<ArnPattern, Box<[Template; 6]>>),
}

/// Policy values: compiled, or (when any has a policy variable) templates resolved on each
/// evaluation.
#[derive(Debug, Clone)]
enum Values<T, U> {
    Plain(Box<[T]>),
    Templated(Box<[U]>),
}

/// A compiled string value.
#[derive(Debug, Clone)]
enum StrPattern {
    /// `StringEquals` (a glob without wildcards) and `StringLike`.
    Glob(Glob),
    /// `StringEqualsIgnoreCase`: the value lower-cased.
    Folded(Box<str>),
}

impl StrPattern {
    fn matches(&self, input: &str) -> bool {
        match self {
            StrPattern::Glob(g) => g.matches(input),
            StrPattern::Folded(f) => eq_folded(input, f),
        }
    }
}

impl CompiledCondition {
    /// Compiles a clause. Never fails: an unknown operator, or policy values that do not suit
    /// the operator, compile to a clause that never matches.
    pub fn compile(clause: &ConditionClause, version: Version) -> CompiledCondition {
        let key: Box<str> = clause.key.to_ascii_lowercase().into();
        let op = Operator::parse(&clause.operator);
        let test = match op {
            Some(op) => compile_test(
                op,
                &clause.values,
                version.substitutes_variables() && op.allows_variables(),
            ),
            None => Test::Never,
        };
        let (set, negated, if_exists) = op.map_or((SetOp::Single, false, false), |o| {
            (o.set, o.negated, o.if_exists)
        });
        let when_absent = match set {
            SetOp::Single => if_exists || negated,
            // Vacuous truth: "It also returns true if there are no context keys in the
            // request" (reference_policies_condition-single-vs-multi-valued-context-keys.html).
            SetOp::ForAllValues => true,
            // "For no matching context key or if the key does not exist, the condition returns
            // false" (same page). The set operator settles a missing key itself, so `IfExists`
            // does not turn `ForAnyValue:` true: AWS documents no rule for the pair, and live
            // IAM denies with `ForAnyValue:StringEqualsIfExists` on an absent `aws:TagKeys`
            // (docs/semantics.md, "Conditions").
            SetOp::ForAnyValue => false,
        };
        let mut variable_keys: Vec<Box<str>> = Vec::new();
        for k in test.variable_keys() {
            if k != &*key && !variable_keys.iter().any(|v| &**v == k) {
                variable_keys.push(k.into());
            }
        }
        CompiledCondition {
            key,
            operator: clause.operator.as_str().into(),
            set,
            negated,
            when_absent,
            test,
            variable_keys: variable_keys.into_boxed_slice(),
        }
    }

    /// The condition key, lower-cased.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator as written in the policy.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Whether the clause holds for this context.
    pub fn evaluate(&self, ctx: &Context) -> bool {
        // A key with no value at all (an empty list) counts as absent, as for `Null`.
        let present = ctx.get(&self.key).filter(|v| !v.values().is_empty());
        match (&self.test, present) {
            (Test::Never, _) => false,
            (Test::Null { if_absent, .. }, None) => *if_absent,
            (Test::Null { if_present, .. }, Some(_)) => *if_present,
            (_, None) => self.when_absent,
            // "Multivalued context keys require a condition set operator"
            // (reference_policies_condition-single-vs-multi-valued-context-keys.html) and the
            // guide says no more. Like iam-simulate ("single value operator but the key is an
            // array"), a plain operator on a multivalued key fails whatever its polarity: a
            // negated or `IfExists` operator does not turn that misuse into a match.
            (_, Some(v)) if self.set == SetOp::Single && v.is_multi() => false,
            (test, Some(v)) => test.holds(v.values(), self.set, self.negated, ctx),
        }
    }

    /// Why the clause cannot hold whatever the values compare to, for explanations: an unknown
    /// operator or unsuitable policy values, or a multivalued request key under an operator
    /// without a set prefix. `None` when the clause is an ordinary comparison.
    pub fn defect(&self, ctx: &Context) -> Option<&'static str> {
        if matches!(self.test, Test::Never) {
            return Some(
                "the operator or its policy values are not valid: the clause never matches",
            );
        }
        let present = ctx.get(&self.key).filter(|v| !v.values().is_empty());
        match present {
            Some(v)
                if self.set == SetOp::Single
                    && v.is_multi()
                    && !matches!(self.test, Test::Null { .. }) =>
            {
                Some(
                    "the request key has several values and the operator has no ForAllValues:/ForAnyValue: prefix",
                )
            }
            _ => None,
        }
    }

    /// The context keys this clause reads (its key, plus keys of policy variables in its
    /// values), lower-cased: used to report `MissingContextValues`.
    pub fn referenced_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&*self.key).chain(self.variable_keys.iter().map(|k| &**k))
    }
}

/// Whether a request value can be read as the declared context key type (a number for
/// `numeric`, an address or CIDR for `ip`, ...), as the simulator requires of `ContextEntries`.
pub fn value_fits_type(kind: crate::context::ContextKeyType, value: &str) -> bool {
    use crate::context::ContextKeyType as T;
    match kind {
        T::String | T::StringList => true,
        T::Numeric | T::NumericList => Number::parse(value).is_some(),
        T::Boolean | T::BooleanList => value::parse_bool(value).is_some(),
        T::Ip | T::IpList => Network::parse(value).is_some(),
        T::Binary | T::BinaryList => value::decode_base64(value).is_some(),
        T::Date | T::DateList => value::parse_instant(value).is_some(),
    }
}

/// Whether an operator name is one IAM knows (for the validator): `ForAnyValue:StringLikeIfExists`
/// is, `StringEqualz`, `stringEquals` and `NullIfExists` are not. Names are case-sensitive.
pub fn is_known_operator(name: &str) -> bool {
    Operator::parse(name).is_some()
}

fn compile_test(op: Operator, values: &[String], substitute: bool) -> Test {
    let empty = Context::new();
    let compiled = match op.family {
        Family::Null => {
            let (mut if_absent, mut if_present) = (false, false);
            for v in values {
                match value::parse_bool(v) {
                    Some(true) => if_absent = true,
                    Some(false) => if_present = true,
                    None => return Test::Never,
                }
            }
            Some(Test::Null {
                if_absent,
                if_present,
            })
        }
        Family::Str(sop) => {
            compile_values(values, substitute, |t| str_pattern(sop, t, &empty), Some)
                .map(|v| Test::Str(sop, v))
        }
        Family::Numeric(cmp) => values
            .iter()
            .map(|v| Number::parse(v))
            .collect::<Option<_>>()
            .map(|v| Test::Numeric(cmp, v)),
        Family::Date(cmp) => values
            .iter()
            .map(|v| value::parse_instant(v))
            .collect::<Option<_>>()
            .map(|v| Test::Date(cmp, v)),
        Family::Bool => {
            compile_values(values, substitute, |t| bool_value(t, &empty), Some).map(Test::Bool)
        }
        Family::Binary => values
            .iter()
            .map(|v| value::decode_base64(v).map(Vec::into_boxed_slice))
            .collect::<Option<_>>()
            .map(Test::Binary),
        Family::Ip => values
            .iter()
            .map(|v| Network::parse(v))
            .collect::<Option<_>>()
            .map(Test::Ip),
        Family::Arn => compile_values(
            values,
            substitute,
            |t| arn_pattern(&split_arn(t)?, &empty),
            |t| split_arn(&t).map(Box::new),
        )
        .map(Test::Arn),
    };
    compiled.unwrap_or(Test::Never)
}

/// Compiles values that may hold policy variables. `plain` compiles a template without
/// variables (`None`: unsuitable value); `templated` keeps one for resolution at evaluation.
fn compile_values<T, U>(
    values: &[String],
    substitute: bool,
    plain: impl Fn(&Template) -> Option<T>,
    templated: impl Fn(Template) -> Option<U>,
) -> Option<Values<T, U>> {
    let templates: Vec<Template> = values
        .iter()
        .map(|v| Template::parse(v, substitute))
        .collect();
    if !templates.iter().any(Template::has_variables) {
        return templates
            .iter()
            .map(&plain)
            .collect::<Option<_>>()
            .map(Values::Plain);
    }
    // Values without variables are still checked now, so that an unsuitable one makes the
    // clause never match whatever the request.
    for t in templates.iter().filter(|t| !t.has_variables()) {
        plain(t)?;
    }
    templates
        .into_iter()
        .map(templated)
        .collect::<Option<_>>()
        .map(Values::Templated)
}

/// A string value resolved against `ctx` (an empty context when it has no variables).
fn str_pattern(op: StrOp, t: &Template, ctx: &Context) -> Option<StrPattern> {
    Some(match op {
        StrOp::Equals => StrPattern::Glob(Glob::from_tokens(&[Token::Lit(t.resolve_text(ctx)?)])),
        StrOp::EqualsIgnoreCase => StrPattern::Folded(fold(&t.resolve_text(ctx)?).into()),
        // Wildcards only from the policy's own text; substituted values are literal
        // (reference_policies_variables.html).
        StrOp::Like => StrPattern::Glob(Glob::from_tokens(&t.resolve_tokens(ctx)?)),
    })
}

fn bool_value(t: &Template, ctx: &Context) -> Option<bool> {
    value::parse_bool(&t.resolve_text(ctx)?)
}

/// Splits a template into the six components of an ARN at the first five colons of the
/// policy's own text: a colon inside a variable (`${aws:username}`) or its value never splits.
/// `None` when there are fewer than six components.
fn split_arn(t: &Template) -> Option<[Template; 6]> {
    let mut components: Vec<Vec<Piece>> = vec![Vec::new()];
    for piece in t.pieces() {
        let Piece::Text(text) = piece else {
            if let Some(last) = components.last_mut() {
                last.push(piece.clone());
            }
            continue;
        };
        let mut rest = text.as_str();
        loop {
            let split = if components.len() < 6 {
                rest.split_once(':')
            } else {
                None
            };
            let (head, tail) = split.unwrap_or((rest, ""));
            if !head.is_empty()
                && let Some(last) = components.last_mut()
            {
                last.push(Piece::Text(head.to_string()));
            }
            if split.is_none() {
                break;
            }
            components.push(Vec::new());
            rest = tail;
        }
    }
    let components: [Vec<Piece>; 6] = components.try_into().ok()?;
    Some(components.map(Template::from_pieces))
}

/// An ARN pattern from its component templates resolved against `ctx`.
fn arn_pattern(components: &[Template; 6], ctx: &Context) -> Option<ArnPattern> {
    let [a, b, c, d, e, f] = components;
    let glob = |t: &Template| {
        t.resolve_tokens(ctx)
            .map(|tokens| Glob::from_tokens(&tokens))
    };
    Some(ArnPattern::from_components([
        glob(a)?,
        glob(b)?,
        glob(c)?,
        glob(d)?,
        glob(e)?,
        glob(f)?,
    ]))
}

impl Test {
    /// Whether the request's values (at least one) satisfy the test.
    fn holds(&self, reqs: &[String], set: SetOp, negated: bool, ctx: &Context) -> bool {
        match self {
            Test::Never | Test::Null { .. } => false,
            Test::Str(op, values) => values.holds(
                reqs,
                set,
                negated,
                |t| str_pattern(*op, t, ctx),
                Some,
                |p, r| p.matches(r),
            ),
            Test::Numeric(cmp, numbers) => for_requests(set, reqs, |r| {
                RequestNumber::parse(r)
                    .is_some_and(|r| combine(negated, numbers.iter().map(|n| cmp.holds(r.cmp(n)))))
            }),
            Test::Date(cmp, instants) => for_requests(set, reqs, |r| {
                value::parse_instant(r)
                    .is_some_and(|r| combine(negated, instants.iter().map(|i| cmp.holds(r.cmp(i)))))
            }),
            Test::Bool(values) => values.holds(
                reqs,
                set,
                negated,
                |t| bool_value(t, ctx),
                value::parse_bool,
                |p, r| p == r,
            ),
            Test::Binary(blobs) => for_requests(set, reqs, |r| {
                value::decode_base64(r)
                    .is_some_and(|r| combine(negated, blobs.iter().map(|b| **b == *r)))
            }),
            Test::Ip(networks) => for_requests(set, reqs, |r| {
                Network::parse(r)
                    .is_some_and(|r| combine(negated, networks.iter().map(|n| n.contains(&r))))
            }),
            // A request value that is not an ARN matches neither `ArnLike` nor `ArnNotLike`.
            Test::Arn(values) => values.holds(
                reqs,
                set,
                negated,
                |t| arn_pattern(t, ctx),
                Arn::parse,
                |p, arn| p.matches_arn(arn),
            ),
        }
    }

    /// The (lower-cased) keys of the policy variables in the values.
    fn variable_keys(&self) -> Vec<&str> {
        match self {
            Test::Str(_, Values::Templated(ts)) | Test::Bool(Values::Templated(ts)) => {
                ts.iter().flat_map(Template::variable_keys).collect()
            }
            Test::Arn(Values::Templated(ts)) => ts
                .iter()
                .flat_map(|c| c.iter())
                .flat_map(Template::variable_keys)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl<T, U> Values<T, U> {
    /// Runs the test over the request values: `prepare` parses one (`None`: it fails),
    /// `matches` compares it with one policy value, `resolve` substitutes variables.
    fn holds<'r, R>(
        &self,
        reqs: &'r [String],
        set: SetOp,
        negated: bool,
        resolve: impl Fn(&U) -> Option<T>,
        prepare: impl Fn(&'r str) -> Option<R>,
        matches: impl Fn(&T, &R) -> bool,
    ) -> bool {
        match self {
            Values::Plain(values) => for_requests(set, reqs, |r| {
                prepare(r).is_some_and(|r| combine(negated, values.iter().map(|v| matches(v, &r))))
            }),
            Values::Templated(templates) => {
                // Resolved once per evaluation, not once per request value.
                let resolved: Vec<Option<T>> = templates.iter().map(&resolve).collect();
                for_requests(set, reqs, |r| {
                    prepare(r).is_some_and(|r| {
                        combine_resolved(
                            negated,
                            resolved.iter().map(|v| v.as_ref().map(|v| matches(v, &r))),
                        )
                    })
                })
            }
        }
    }
}

/// Quantifies over the request values: all of them for `ForAllValues:`, any otherwise (a plain
/// operator only ever sees one value).
fn for_requests<'r>(set: SetOp, reqs: &'r [String], f: impl Fn(&'r str) -> bool) -> bool {
    match set {
        SetOp::ForAllValues => reqs.iter().all(|r| f(r)),
        SetOp::Single | SetOp::ForAnyValue => reqs.iter().any(|r| f(r)),
    }
}

/// One request value against the policy values: OR for a positive operator, NOT(OR) for a
/// negated one ("not equal to any of them").
fn combine(negated: bool, mut matched: impl Iterator<Item = bool>) -> bool {
    if negated {
        !matched.any(|m| m)
    } else {
        matched.any(|m| m)
    }
}

/// As [`combine`], where `None` is a value whose variables could not be resolved: it matches
/// nothing, and a negated operator fails on it.
fn combine_resolved(negated: bool, mut outcomes: impl Iterator<Item = Option<bool>>) -> bool {
    if negated {
        outcomes.all(|o| o == Some(false))
    } else {
        outcomes.any(|o| o == Some(true))
    }
}

/// Lower-cases for `...IgnoreCase` (Unicode simple lower-casing, character by character).
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Whether `input` lower-cases to `folded`, without allocating.
fn eq_folded(input: &str, folded: &str) -> bool {
    if input.is_ascii() {
        input.len() == folded.len()
            && input
                .bytes()
                .zip(folded.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        input
            .chars()
            .flat_map(char::to_lowercase)
            .eq(folded.chars())
    }
}
