//! The policy language: a typed, read-only form of an IAM policy document.
//!
//! [`Policy::parse`] reads the structure every policy type shares (AWS's grammar,
//! `reference_policies_grammar.html`) and keeps the original text, so a policy printed back is the
//! text it was given. The per-type rules and AWS's exact messages live in [`validate`].

mod parse;
pub mod validate;

use crate::json::{Position, Span};
use std::fmt;

pub use parse::ParseError;
pub(crate) use parse::is_account_id;

/// The kinds of policy AWS distinguishes when it validates and evaluates a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// An identity-based policy (managed or inline) on a user, group or role.
    Identity,
    /// A resource-based policy (bucket, queue, key, ...).
    Resource,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// A permissions boundary.
    Boundary,
    /// A session policy passed to `AssumeRole` and friends.
    Session,
    /// An AWS Organizations service control policy.
    Scp,
    /// An AWS Organizations resource control policy.
    Rcp,
}

impl PolicyType {
    /// All policy types, for help texts and tests.
    pub const ALL: [PolicyType; 7] = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::Trust,
        PolicyType::Boundary,
        PolicyType::Session,
        PolicyType::Scp,
        PolicyType::Rcp,
    ];

    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Trust => "trust",
            PolicyType::Boundary => "boundary",
            PolicyType::Session => "session",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
        }
    }

    /// Reads a command-line name.
    pub fn from_name(name: &str) -> Option<PolicyType> {
        PolicyType::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The policy language version. Only `2012-10-17` substitutes policy variables
/// (`reference_policies_elements_version.html`); a missing `Version` means `2008-10-17`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, or no `Version` at all: `${...}` is literal text.
    V2008_10_17,
}

impl Version {
    /// Whether `${...}` is a policy variable under this version.
    pub fn substitutes_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// `Allow` or `Deny` (case-sensitive, `reference_policies_elements_effect.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies, overriding any allow.
    Deny,
}

/// A parsed policy document with its original text.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    text: String,
    version: Version,
    version_text: Option<String>,
    id: Option<String>,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses a policy document of any type with the validator's own reader: it fails exactly
    /// when [`validate::validate`] reports an error of the grammar every type shares, and the
    /// error is the validator's first such error. Per-type rules are left to `validate`.
    pub fn parse(text: &str) -> Result<Policy, ParseError> {
        parse::parse(text)
    }

    /// The document exactly as it was given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The language version in force (2008-10-17 when `Version` is absent).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Version` element as written, if present.
    pub fn version_text(&self) -> Option<&str> {
        self.version_text.as_deref()
    }

    /// The `Id` element, if present.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalBlock>,
    pub(crate) action: ValueBlock,
    pub(crate) resource: Option<ValueBlock>,
    pub(crate) conditions: Vec<ConditionClause>,
    pub(crate) span: Span,
    pub(crate) start: Position,
    pub(crate) end: Position,
}

impl Statement {
    /// 0-based index of the statement in its policy.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }
    /// `Allow` or `Deny`.
    pub fn effect(&self) -> Effect {
        self.effect
    }
    /// `Principal` / `NotPrincipal`, if present.
    pub fn principal(&self) -> Option<&PrincipalBlock> {
        self.principal.as_ref()
    }
    /// `Action` / `NotAction`.
    pub fn action(&self) -> &ValueBlock {
        &self.action
    }
    /// `Resource` / `NotResource`, if present.
    pub fn resource(&self) -> Option<&ValueBlock> {
        self.resource.as_ref()
    }
    /// The condition clauses, one per (operator, key) pair, in document order.
    pub fn conditions(&self) -> &[ConditionClause] {
        &self.conditions
    }
    /// Where the statement's object starts, 1-based.
    pub fn start(&self) -> Position {
        self.start
    }
    /// Where the statement's object ends (the column just past its closing brace).
    pub fn end(&self) -> Position {
        self.end
    }
    /// The byte span of the statement in the policy text.
    pub fn span(&self) -> Span {
        self.span
    }
    /// A short human name: `Sid "X"` or `statement N` (1-based).
    pub fn label(&self) -> String {
        match self.sid.as_deref() {
            Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
            _ => format!("statement {}", self.index + 1),
        }
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of patterns, maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueBlock {
    /// `true` for `NotAction` / `NotResource`.
    pub negated: bool,
    /// The patterns as written.
    pub values: Vec<String>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalBlock {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    /// The named principals. `"Principal": "*"` is one `Aws` entry with value `*`.
    pub entries: Vec<PrincipalEntry>,
}

/// One principal named in a `Principal` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
    pub kind: PrincipalKind,
    /// The value; a bare 12-digit account id is normalised to `arn:aws:iam::ID:root`.
    pub value: String,
}

impl PrincipalEntry {
    /// `AWS:arn:aws:iam::123456789012:root`, `Service:ecs-tasks.amazonaws.com`, ...
    pub fn text(&self) -> String {
        let kind = match &self.kind {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
            PrincipalKind::Other(k) => k.as_str(),
        };
        format!("{kind}:{}", self.value)
    }
}

/// The principal types of a `Principal` block (`reference_policies_elements_principal.html`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `AWS`: accounts, users, roles, sessions, `*`.
    Aws,
    /// `Service`: AWS service principals such as `ecs-tasks.amazonaws.com`.
    Service,
    /// `Federated`: SAML and OIDC providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
    /// Any other key. `Policy::parse` never makes one (IAM rejects unknown principal types); the
    /// variant stays so that the AST keeps its shape.
    Other(String),
}

/// One (operator, key) pair of a `Condition` block with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionClause {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    /// The condition key as written.
    pub key: String,
    /// The values, as text (numbers and booleans as written).
    pub values: Vec<String>,
}
