//! Condition operator names: an optional set prefix (`ForAllValues:` / `ForAnyValue:`), a base
//! operator and an optional `IfExists` suffix
//! (`reference_policies_elements_condition_operators.html`,
//! `reference_policies_condition-single-vs-multi-valued-context-keys.html`).
//!
//! Names are case-sensitive: IAM rejects `stringEquals` with `MalformedPolicyDocument: Invalid
//! Condition type : stringEquals` (seen from `CreateRole`, e.g.
//! ministryofjustice/modernisation-platform-environments#8893), so a miscased name is an unknown
//! operator here too, and an unknown operator never matches.

/// How the request's values are quantified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    /// No prefix: the key must be single-valued.
    Single,
    /// `ForAllValues:`: every request value must pass.
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must pass.
    ForAnyValue,
}

/// How a numeric or date request value is compared with a policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// Equal (also `...NotEquals`, negated).
    Eq,
    /// Request value < policy value.
    Lt,
    /// Request value <= policy value.
    Le,
    /// Request value > policy value.
    Gt,
    /// Request value >= policy value.
    Ge,
}

impl Cmp {
    /// Whether `ord` (request value compared with policy value) satisfies this comparison.
    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Eq => ord == Equal,
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Gt => ord == Greater,
            Cmp::Ge => ord != Less,
        }
    }
}

/// The string comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    /// `StringEquals`: exact, case-sensitive.
    Equals,
    /// `StringEqualsIgnoreCase`.
    EqualsIgnoreCase,
    /// `StringLike`: case-sensitive glob.
    Like,
}

/// What a base operator compares, with the negation taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `String...`
    Str(StrOp),
    /// `Numeric...`
    Numeric(Cmp),
    /// `Date...`
    Date(Cmp),
    /// `Bool`
    Bool,
    /// `BinaryEquals`
    Binary,
    /// `IpAddress` / `NotIpAddress`
    Ip,
    /// `Arn...` (`ArnEquals` and `ArnLike` behave identically)
    Arn,
    /// `Null`
    Null,
}

/// A parsed operator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    /// The set prefix.
    pub(crate) set: SetOp,
    /// What is compared.
    pub(crate) family: Family,
    /// Whether the base operator is a negated one (`StringNotEquals`, `NotIpAddress`, ...).
    pub(crate) negated: bool,
    /// Whether the name ends in `IfExists`.
    pub(crate) if_exists: bool,
}

/// Every base operator IAM documents, with what it compares and whether it is negated.
const BASES: [(&str, Family, bool); 27] = [
    ("StringEquals", Family::Str(StrOp::Equals), false),
    ("StringNotEquals", Family::Str(StrOp::Equals), true),
    (
        "StringEqualsIgnoreCase",
        Family::Str(StrOp::EqualsIgnoreCase),
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Family::Str(StrOp::EqualsIgnoreCase),
        true,
    ),
    ("StringLike", Family::Str(StrOp::Like), false),
    ("StringNotLike", Family::Str(StrOp::Like), true),
    ("NumericEquals", Family::Numeric(Cmp::Eq), false),
    ("NumericNotEquals", Family::Numeric(Cmp::Eq), true),
    ("NumericLessThan", Family::Numeric(Cmp::Lt), false),
    ("NumericLessThanEquals", Family::Numeric(Cmp::Le), false),
    ("NumericGreaterThan", Family::Numeric(Cmp::Gt), false),
    ("NumericGreaterThanEquals", Family::Numeric(Cmp::Ge), false),
    ("DateEquals", Family::Date(Cmp::Eq), false),
    ("DateNotEquals", Family::Date(Cmp::Eq), true),
    ("DateLessThan", Family::Date(Cmp::Lt), false),
    ("DateLessThanEquals", Family::Date(Cmp::Le), false),
    ("DateGreaterThan", Family::Date(Cmp::Gt), false),
    ("DateGreaterThanEquals", Family::Date(Cmp::Ge), false),
    ("Bool", Family::Bool, false),
    ("BinaryEquals", Family::Binary, false),
    ("IpAddress", Family::Ip, false),
    ("NotIpAddress", Family::Ip, true),
    ("ArnEquals", Family::Arn, false),
    ("ArnLike", Family::Arn, false),
    ("ArnNotEquals", Family::Arn, true),
    ("ArnNotLike", Family::Arn, true),
    ("Null", Family::Null, false),
];

impl Operator {
    /// Reads an operator name as written in a policy; `None` when IAM does not know it.
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (SetOp::ForAllValues, rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (SetOp::ForAnyValue, rest)
        } else {
            (SetOp::Single, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let &(_, family, negated) = BASES.iter().find(|(n, _, _)| *n == base)?;
        // `IfExists` goes on every operator except `Null`
        // (reference_policies_elements_condition_operators.html#Conditions_IfExists).
        if if_exists && family == Family::Null {
            return None;
        }
        Some(Operator {
            set,
            family,
            negated,
            if_exists,
        })
    }

    /// Whether policy variables in the values are substituted (under `2012-10-17`).
    ///
    /// `reference_policies_variables.html` allows them for string and ARN operators only;
    /// `reference_policies_elements_condition_operators.html` also allows them for `Bool` (and
    /// says "not supported" for Numeric, Date, Binary, IP address and Null). We follow the
    /// operator page, which is the more specific one.
    pub(crate) fn allows_variables(self) -> bool {
        matches!(self.family, Family::Str(_) | Family::Arn | Family::Bool)
    }
}

/// The base operator names, for tests and help texts.
#[cfg(test)]
pub(crate) fn base_names() -> impl Iterator<Item = &'static str> {
    BASES.iter().map(|(n, _, _)| *n)
}
