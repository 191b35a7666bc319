//! AWS's validation of policy documents: the checks IAM (and AWS Organizations, for SCPs and
//! RCPs) makes when a policy is created, with AWS's own messages.
//!
//! AWS reports only the first failing check, and which one that is follows a fixed order. The
//! order below is derived from the conformance vectors (`validation_moto.json`), several of which
//! combine two defects:
//!
//! 1. the API's parameter constraints: length and allowed characters (`ValidationError`);
//! 2. the size quota (`LimitExceeded`; white space not counted by IAM);
//! 3. the JSON shape (`Syntax errors in policy.`), then the per-type schema: fields a trust
//!    policy must not have, the `Principal` a resource-based policy must have;
//! 4. the version (`2012-10-17` for identity policies, boundaries, session policies, SCPs, RCPs);
//! 5. the "legacy" parser: `Effect` case, ARNs with too few parts, unreadable dates;
//! 6. unique `Sid`s;
//! 7. every statement has actions;
//! 8. the format of every resource (ARN form, partition, region, IAM resource type);
//! 9. the format of every action (vendor prefix, one colon);
//! 10. the per-type rules: no principal and some resources in identity policies; a principal and
//!     only role-assumption actions in trust policies; the SCP and RCP restrictions.
//!
//! Every failing check is reported, in that order, so `Report::errors[0]` is AWS's answer and the
//! rest say what else to fix. Warnings are Access-Analyzer-style findings that AWS accepts.

mod actions;
mod limits;

pub use limits::{api_length_error, counted_chars};
mod messages;
mod resources;
pub(super) mod syntax;
mod types;
mod warnings;

#[cfg(test)]
mod tests;

use crate::json::{Json, JsonError, Position, position_of};
use crate::policy::{Effect, PolicyType};
use std::collections::HashSet;
use std::fmt;
use syntax::{Doc, Stmt};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Severity {
    /// AWS rejects the document.
    Error,
    /// AWS accepts the document, but it probably does not do what was meant.
    Warning,
}

/// Where in the policy a finding is, in the policy's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Location {
    /// 0-based index of the statement, if the finding is inside one.
    pub statement: Option<usize>,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// The element, e.g. `Action`, `Condition`, `Version`.
    pub element: Option<String>,
}

impl Location {
    /// A location outside any statement, e.g. `Version`.
    pub fn element(element: &str) -> Location {
        Location {
            statement: None,
            sid: None,
            element: Some(element.to_string()),
        }
    }

    /// A location in statement `index` (0-based), at `element` if given.
    pub fn statement(index: usize, sid: Option<&str>, element: Option<&str>) -> Location {
        Location {
            statement: Some(index),
            sid: sid.map(str::to_string),
            element: element.map(str::to_string),
        }
    }
}

impl fmt::Display for Location {
    /// `statement 2 `Sid`, element `Action`` (statements counted from 1, as people count them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(index) = self.statement {
            write!(f, "statement {}", index + 1)?;
            if let Some(sid) = self.sid.as_deref().filter(|s| !s.is_empty()) {
                write!(f, " `{sid}`")?;
            }
            sep = ", ";
        }
        if let Some(element) = &self.element {
            write!(f, "{sep}element `{element}`")?;
        }
        Ok(())
    }
}

/// One finding of the validator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// AWS's error code (`MalformedPolicyDocument`, `LimitExceeded`, `ValidationError`,
    /// `MalformedPolicyDocumentException` for SCPs and RCPs), or an Access-Analyzer-style code
    /// for warnings (`PASS_ROLE_WITH_STAR_IN_RESOURCE`, ...).
    pub code: &'static str,
    /// AWS's exact message for errors; Warden's for warnings.
    pub message: String,
    /// The statement and element, where one applies.
    pub location: Option<Location>,
    /// The line and column in the text, where one applies.
    pub position: Option<Position>,
    /// Warden's explanation where AWS's message does not say what is wrong (`Syntax errors in
    /// policy.`, Organizations' single message).
    pub detail: Option<String>,
}

impl Diagnostic {
    fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            position: None,
            detail: None,
        }
    }

    /// A warning: AWS accepts the document, but it probably does not do what was meant.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// The finding, placed at `location`.
    pub fn located(mut self, location: Option<Location>) -> Diagnostic {
        self.location = location;
        self
    }

    /// The finding, placed at a line and column.
    pub fn at(mut self, position: Position) -> Diagnostic {
        self.position = Some(position);
        self
    }

    /// The finding, with Warden's explanation.
    pub fn explained(mut self, detail: String) -> Diagnostic {
        self.detail = Some(detail);
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `Message (statement 2 `Sid`, element `Action`, line 3 column 17): detail`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let location = self
            .location
            .as_ref()
            .map(ToString::to_string)
            .filter(|l| !l.is_empty());
        let position = self
            .position
            .map(|p| format!("line {} column {}", p.line, p.column));
        match (location, position) {
            (Some(l), Some(p)) => write!(f, " ({l}, {p})")?,
            (Some(x), None) | (None, Some(x)) => write!(f, " ({x})")?,
            (None, None) => {}
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// A size quota for a policy document (`reference_iam-quotas.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeLimit {
    /// A customer managed policy (and a permissions boundary): 6,144 characters.
    ManagedPolicy,
    /// All inline policies of a role together: 10,240 characters.
    RoleInline,
    /// All inline policies of a user together: 2,048 characters.
    UserInline,
    /// All inline policies of a group together: 5,120 characters.
    GroupInline,
    /// A role's trust policy: 2,048 characters (the default quota; it can be raised to 4,096).
    TrustPolicy,
    /// A session policy passed to `AssumeRole` and friends: 2,048 characters, white space
    /// counted (a parameter constraint of STS).
    SessionPolicy,
    /// An SCP or RCP: 5,120 characters, white space counted (AWS Organizations).
    OrganizationsPolicy,
    /// Any other limit, in characters, white space not counted.
    Custom(usize),
    /// No limit at all, not even the API's 131,072-character `PolicyDocument` constraint: for
    /// AWS's own documents (AWS managed policies), which no customer quota binds.
    Unlimited,
}

/// The findings for one document.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Report {
    /// Everything AWS would reject, in the order AWS checks: `errors[0]` is the one AWS reports.
    pub errors: Vec<Diagnostic>,
    /// Findings AWS accepts.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// Whether AWS accepts the document.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The error AWS reports, if any.
    pub fn first_error(&self) -> Option<&Diagnostic> {
        self.errors.first()
    }
}

/// Validates a policy document as AWS does for its type, with the type's default size quota
/// ([`SizeLimit::default_for`]).
pub fn validate(text: &str, policy_type: PolicyType) -> Report {
    validate_with_limit(text, policy_type, SizeLimit::default_for(policy_type))
}

/// Validates a policy document as AWS does for its type, with the given size quota.
pub fn validate_with_limit(text: &str, policy_type: PolicyType, limit: SizeLimit) -> Report {
    let mut sink = Sink {
        text,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    run(text, policy_type, limit, &mut sink);
    if matches!(policy_type, PolicyType::Scp | PolicyType::Rcp) {
        for error in &mut sink.errors {
            as_organizations_error(error);
        }
    }
    Report {
        errors: sink.errors,
        warnings: sink.warnings,
    }
}

/// Where findings are collected, with the text to turn offsets into positions.
struct Sink<'t> {
    text: &'t str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn position(&self, offset: usize) -> Position {
        position_of(self.text, offset)
    }

    fn error_at(&mut self, message: impl Into<String>, location: Location, offset: usize) {
        let d = Diagnostic::error(messages::MALFORMED, message)
            .located(Some(location))
            .at(self.position(offset));
        self.errors.push(d);
    }
}

impl Stmt<'_> {
    fn location(&self, element: Option<&str>) -> Location {
        Location::statement(self.index, self.sid, element)
    }

    /// The `Effect` when it is exactly `Allow` or `Deny`. The shape check accepts any case, as
    /// IAM's first parser does; IAM's legacy parser then rejects the rest.
    pub(super) fn exact_effect(&self) -> Option<Effect> {
        match self.effect.text {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            _ => None,
        }
    }
}

/// The grammar every policy type shares, as the validator checks it: the shape (read by the one
/// reader, [`syntax::read`]), then the exact-case `Effect` (IAM's legacy parser), then actions in
/// every statement. `Policy::parse` builds its AST from the document this returns, so what the
/// simulator evaluates is what the validator read; when a check fails, the error is the
/// validator's first error of these checks, with its message and position.
///
/// The other checks (ARN and action formats, dates, `Sid`s, the per-type rules) do not stop a
/// policy from being read: the evaluator gives every value a meaning, and `validate` reports them.
pub(super) fn read_grammar<'j>(text: &str, json: &'j Json) -> Result<Doc<'j>, Box<Diagnostic>> {
    let mut sink = Sink {
        text,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let doc = syntax::read(json, &mut sink);
    let first = sink.errors.drain(..).next();
    let doc = match (doc, first) {
        (Some(doc), None) => doc,
        (_, Some(error)) => return Err(Box::new(error)),
        // The reader never fails without saying why; this keeps the contract without a panic.
        (None, None) => return Err(Box::new(syntax_error(None))),
    };
    let later = doc
        .statements
        .iter()
        .find_map(|stmt| effect_error(stmt, &sink))
        .or_else(|| {
            doc.statements
                .iter()
                .find_map(|stmt| actions_error(stmt, &sink))
        });
    match later {
        Some(error) => Err(Box::new(error)),
        None => Ok(doc),
    }
}

/// `Syntax errors in policy.`, with no more said.
pub(super) fn syntax_error(location: Option<Location>) -> Diagnostic {
    Diagnostic::error(messages::MALFORMED, messages::SYNTAX).located(location)
}

/// The validator's answer to a document that is not JSON at all.
pub(super) fn not_json(e: JsonError) -> Diagnostic {
    Diagnostic::error(messages::MALFORMED, messages::SYNTAX)
        .at(e.position)
        .explained(format!("the document is not JSON: {}", e.message))
}

fn run(text: &str, policy_type: PolicyType, limit: SizeLimit, sink: &mut Sink<'_>) {
    if !parameter_constraints(text, policy_type, limit, sink) {
        return;
    }
    if limit != SizeLimit::Unlimited
        && limits::counted_chars(text, limit.counts_whitespace()) > limit.max_chars()
    {
        sink.errors
            .push(Diagnostic::error(limit.code(), limit.message()));
    }
    let json = match Json::parse(text) {
        Ok(json) => json,
        Err(e) => {
            sink.errors.push(not_json(e));
            return;
        }
    };
    let Some(doc) = syntax::read(&json, sink) else {
        return;
    };
    types::schema(&doc, policy_type, sink);
    version(&doc, &json, policy_type, sink);
    legacy_parsing(&doc, sink);
    unique_sids(&doc, sink);
    actions_present(&doc, sink);
    resource_formats(&doc, sink);
    action_formats(&doc, sink);
    types::late(&doc, policy_type, sink);
    warnings::check(&doc, policy_type, sink);
}

/// The `PolicyDocument` parameter's own constraints; AWS checks them before reading the policy.
fn parameter_constraints(
    text: &str,
    policy_type: PolicyType,
    limit: SizeLimit,
    sink: &mut Sink<'_>,
) -> bool {
    let parameter = limits::parameter_name(policy_type);
    let message = if text.is_empty() {
        messages::length(parameter, "greater than or equal to", 1)
    } else if limit != SizeLimit::Unlimited && text.chars().count() > limits::MAX_DOCUMENT_CHARS {
        messages::length(
            parameter,
            "less than or equal to",
            limits::MAX_DOCUMENT_CHARS,
        )
    } else if let Some(offset) = limits::first_disallowed_char(text) {
        let d = Diagnostic::error(messages::VALIDATION_ERROR, messages::charset(parameter))
            .at(sink.position(offset));
        sink.errors.push(d);
        return false;
    } else {
        return true;
    };
    sink.errors
        .push(Diagnostic::error(messages::VALIDATION_ERROR, message));
    false
}

/// IAM wants `2012-10-17` in the policies it stores as permissions; trust policies may still say
/// `2008-10-17` (the console made such roles for years) or nothing, as may resource policies.
fn version(doc: &Doc<'_>, json: &Json, policy_type: PolicyType, sink: &mut Sink<'_>) {
    let required = !matches!(policy_type, PolicyType::Trust | PolicyType::Resource);
    match doc.version {
        Some(("2012-10-17", _)) => {}
        Some((_, key_span)) if required => {
            sink.error_at(
                messages::VERSION,
                Location::element("Version"),
                key_span.start,
            );
        }
        Some(_) => {}
        None if required => {
            let d = Diagnostic::error(messages::MALFORMED, messages::VERSION)
                .located(Some(Location::element("Version")))
                .at(sink.position(json.span.start))
                .explained("the policy has no `Version`".to_string());
            sink.errors.push(d);
        }
        None => {
            let d = Diagnostic::warning(
                "MISSING_VERSION",
                "The policy has no Version, so it is read as version 2008-10-17, where policy \
                 variables such as ${aws:username} are plain text; add \"Version\": \"2012-10-17\".",
            )
            .located(Some(Location::element("Version")))
            .at(sink.position(json.span.start));
            sink.warnings.push(d);
        }
    }
}

/// IAM's second parser: exact-case `Effect`, ARNs with enough parts, readable dates.
fn legacy_parsing(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        if let Some(d) = effect_error(stmt, sink) {
            sink.errors.push(d);
        }
        if let Some(block) = &stmt.resource {
            for item in &block.items {
                if resources::fails_legacy_parsing(item.text) {
                    let d = Diagnostic::error(messages::MALFORMED, messages::LEGACY)
                        .located(Some(stmt.location(Some(block.element))))
                        .at(sink.position(item.span.start))
                        .explained(format!(
                            "`{}` has too few or empty ARN parts \
                             (arn:partition:service:region:account:resource)",
                            item.text
                        ));
                    sink.errors.push(d);
                }
            }
        }
        let Some((_, clauses)) = &stmt.condition else {
            continue;
        };
        for clause in clauses {
            if !clause.base.is_some_and(|b| b.starts_with("Date")) {
                continue;
            }
            for (value, span) in &clause.values {
                if !crate::date::read(value).iam_accepts {
                    let d = Diagnostic::error(messages::MALFORMED, messages::LEGACY)
                        .located(Some(stmt.location(Some("Condition"))))
                        .at(sink.position(span.start))
                        .explained(format!(
                            "`{value}` (condition key `{}`) is not a date: use ISO 8601 such as \
                             2024-01-31T12:00:00Z, or epoch seconds",
                            clause.key.text
                        ));
                    sink.errors.push(d);
                }
            }
        }
    }
}

/// `Sid`s must differ; the empty `Sid` and statements without one are not compared.
fn unique_sids(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let mut seen = HashSet::new();
    for stmt in &doc.statements {
        let Some(sid) = stmt.sid.filter(|s| !s.is_empty()) else {
            continue;
        };
        if !seen.insert(sid) {
            sink.error_at(
                messages::SID_UNIQUE,
                stmt.location(Some("Sid")),
                stmt.json.span.start,
            );
        }
    }
}

/// The legacy parser's verdict on `Effect`: exactly `Allow` or `Deny`.
fn effect_error(stmt: &Stmt<'_>, sink: &Sink<'_>) -> Option<Diagnostic> {
    if stmt.exact_effect().is_some() {
        return None;
    }
    let d = Diagnostic::error(messages::MALFORMED, messages::LEGACY)
        .located(Some(stmt.location(Some("Effect"))))
        .at(sink.position(stmt.effect.span.start))
        .explained(format!(
            "`Effect` is case-sensitive: `Allow` or `Deny`, not `{}`",
            stmt.effect.text
        ));
    Some(d)
}

fn actions_present(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        if let Some(d) = actions_error(stmt, sink) {
            sink.errors.push(d);
        }
    }
}

/// A statement must name at least one action (an empty list, or one of only `null`s, names none).
fn actions_error(stmt: &Stmt<'_>, sink: &Sink<'_>) -> Option<Diagnostic> {
    let (location, offset) = match &stmt.action {
        None => (stmt.location(None), stmt.json.span.start),
        Some(block) if block.items.is_empty() => {
            (stmt.location(Some(block.element)), block.value_span.start)
        }
        Some(_) => return None,
    };
    let d = Diagnostic::error(messages::MALFORMED, messages::NO_ACTIONS)
        .located(Some(location))
        .at(sink.position(offset));
    Some(d)
}

fn resource_formats(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        let Some(block) = &stmt.resource else {
            continue;
        };
        for item in &block.items {
            if let Some(message) = resources::format_error(item.text) {
                sink.error_at(message, stmt.location(Some(block.element)), item.span.start);
            }
        }
    }
}

fn action_formats(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for stmt in &doc.statements {
        let Some(block) = &stmt.action else { continue };
        for item in &block.items {
            if let Some(message) = actions::format_error(item.text) {
                sink.error_at(message, stmt.location(Some(block.element)), item.span.start);
            }
        }
    }
}

/// AWS Organizations answers every grammar error of an SCP or RCP with one message; the reason
/// Warden found moves to `detail`.
fn as_organizations_error(error: &mut Diagnostic) {
    if error.code != messages::MALFORMED {
        return;
    }
    let reason = match error.detail.take() {
        Some(detail) => format!("{} ({detail})", error.message),
        None => error.message.clone(),
    };
    error.code = messages::ORGS_MALFORMED;
    error.message = messages::ORGS_POLICY.to_string();
    error.detail = Some(reason);
}
