//! The policy AST, built from what the validator's reader read ([`validate::read_grammar`]).
//!
//! There is one reader of the policy language: this module only turns the validator's spanned
//! document into the evaluator's owned AST. So a document `Policy::parse` accepts is exactly one
//! whose grammar the validator accepts (IAM's acceptance, see docs/semantics.md), and a repeated
//! key means here what it means to IAM: the last one wins.

use super::validate::syntax::{Block, Doc, PrincipalBlock as RawPrincipal, Stmt};
use super::validate::{self, Diagnostic, Location};
use super::{
    ConditionClause, Policy, PrincipalBlock, PrincipalEntry, PrincipalKind, Statement, ValueBlock,
    Version,
};
use crate::json::{Json, Position, position_of};

/// Why a document cannot be read as a policy at all: the validator's first error of the grammar
/// every policy type shares.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.diagnostic)]
pub struct ParseError(Box<Found>);

/// The finding and its location in words, boxed so that `Result<Policy, ParseError>` stays small.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    diagnostic: Diagnostic,
    location: Option<String>,
}

impl ParseError {
    fn new(diagnostic: Diagnostic) -> ParseError {
        let location = diagnostic
            .location
            .as_ref()
            .map(ToString::to_string)
            .filter(|l| !l.is_empty());
        ParseError(Box::new(Found {
            diagnostic,
            location,
        }))
    }

    /// What is wrong, in AWS's words (`Syntax errors in policy.`, ...).
    pub fn message(&self) -> &str {
        &self.0.diagnostic.message
    }
    /// Where, in words: the statement and element.
    pub fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Where, as a line and column of the text.
    pub fn position(&self) -> Option<Position> {
        self.0.diagnostic.position
    }
    /// What exactly is wrong, where AWS's message does not say.
    pub fn detail(&self) -> Option<&str> {
        self.0.diagnostic.detail.as_deref()
    }
    /// The validator's finding itself, as `validate` reports it.
    pub fn diagnostic(&self) -> &Diagnostic {
        &self.0.diagnostic
    }
}

pub(super) fn parse(text: &str) -> Result<Policy, ParseError> {
    let json = Json::parse(text).map_err(|e| ParseError::new(validate::not_json(e)))?;
    let doc = validate::read_grammar(text, &json).map_err(|e| ParseError::new(*e))?;
    lower(text, &doc)
}

/// The owned AST of a document the grammar accepted.
fn lower(text: &str, doc: &Doc<'_>) -> Result<Policy, ParseError> {
    let version_text = doc.version.map(|(v, _)| v.to_string());
    let version = match version_text.as_deref() {
        Some("2012-10-17") => Version::V2012_10_17,
        _ => Version::V2008_10_17,
    };
    let statements = doc
        .statements
        .iter()
        .map(|stmt| statement(text, stmt))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        text: text.to_string(),
        version,
        version_text,
        id: doc.id.map(str::to_string),
        statements,
    })
}

fn statement(text: &str, stmt: &Stmt<'_>) -> Result<Statement, ParseError> {
    // `read_grammar` has checked both; should that ever change, this reports rather than panics.
    let (Some(effect), Some(action)) = (stmt.exact_effect(), stmt.action.as_ref()) else {
        let location = Location::statement(stmt.index, stmt.sid, None);
        return Err(ParseError::new(validate::syntax_error(Some(location))));
    };
    let conditions = stmt
        .condition
        .as_ref()
        .map_or_else(Vec::new, |(_, clauses)| {
            clauses
                .iter()
                .map(|c| ConditionClause {
                    operator: c.operator.text.to_string(),
                    key: c.key.text.to_string(),
                    values: c.values.iter().map(|(v, _)| v.clone()).collect(),
                })
                .collect()
        });
    Ok(Statement {
        index: stmt.index,
        sid: stmt.sid.map(str::to_string),
        effect,
        principal: stmt.principal.as_ref().map(principal),
        action: block(action),
        resource: stmt.resource.as_ref().map(block),
        conditions,
        span: stmt.json.span,
        start: position_of(text, stmt.json.span.start),
        end: position_of(text, stmt.json.span.end),
    })
}

fn block(b: &Block<'_>) -> ValueBlock {
    ValueBlock {
        negated: b.element.starts_with("Not"),
        values: b.items.iter().map(|i| i.text.to_string()).collect(),
    }
}

fn principal(p: &RawPrincipal<'_>) -> PrincipalBlock {
    let negated = p.element == "NotPrincipal";
    if p.star {
        let entries = vec![PrincipalEntry {
            kind: PrincipalKind::Aws,
            value: "*".to_string(),
        }];
        return PrincipalBlock { negated, entries };
    }
    let entries = p
        .entries
        .iter()
        .map(|(kind, item)| {
            let kind = match *kind {
                "AWS" => PrincipalKind::Aws,
                "Service" => PrincipalKind::Service,
                "Federated" => PrincipalKind::Federated,
                "CanonicalUser" => PrincipalKind::CanonicalUser,
                other => PrincipalKind::Other(other.to_string()),
            };
            let value = if kind == PrincipalKind::Aws && is_account_id(item.text) {
                format!("arn:aws:iam::{}:root", item.text)
            } else {
                item.text.to_string()
            };
            PrincipalEntry { kind, value }
        })
        .collect();
    PrincipalBlock { negated, entries }
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::policy::Effect;

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
        assert_eq!(e.message(), "Syntax errors in policy.");
        assert!(
            e.to_string().contains("both `Action` and `NotAction`"),
            "{e}"
        );
    }

    #[test]
    fn errors_say_where() {
        let text = r#"{"Statement":[{"Sid":"A","Effect":"allow","Action":"*"}]}"#;
        let e = Policy::parse(text).unwrap_err();
        // IAM's first parser takes `allow`; its legacy parser rejects it, and so does parse.
        assert_eq!(e.message(), "The policy failed legacy parsing");
        assert_eq!(e.location(), Some("statement 1 `A`, element `Effect`"));
        assert_eq!(
            e.position(),
            Some(Position {
                line: 1,
                column: 35
            })
        );
    }

    /// The rows where the simulator's reader and the validator's used to disagree (docs/semantics.md,
    /// One reader): `Policy::parse` now rejects exactly when the validator reports a grammar
    /// error, with the validator's first error.
    #[test]
    fn parse_and_validate_agree_on_the_rows_they_used_to_disagree_on() {
        use crate::policy::PolicyType;
        use crate::policy::validate::validate;
        let statement = |body: &str| {
            format!(r#"{{"Version":"2012-10-17","Statement":[{{{body},"Resource":"*"}}]}}"#)
        };
        let rejected = [
            r#"{"Version":"2012-10-17","Statement":[]}"#.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"s3:GetObject","Resource":"*"}]}"#.to_string(),
            statement(r#""Effect":"Allow","Action":"s3:GetObject","Condition":{"Foo":{"aws:username":"a"}}"#),
            statement(r#""Effect":"allow","Action":"s3:GetObject""#),
            statement(r#""Effect":"Allow","Action":[null]"#),
            statement(r#""Effect":"Allow","Action":[]"#),
            statement(r#""Effect":"Allow""#),
        ];
        for text in &rejected {
            let e = Policy::parse(text).expect_err(text);
            let report = validate(text, PolicyType::Identity);
            assert_eq!(Some(e.diagnostic()), report.first_error(), "{text}");
        }
        let accepted = [
            statement(r#""Effect":"Allow","Action":["s3:GetObject",null]"#),
            statement(r#""Effect":"Deny","Effect":"Allow","Action":"s3:GetObject""#),
            statement(r#""Effect":"Allow","Action":"s3:GetObject","Condition":{"Foo":{}}"#),
            r#"{"Version":"2013","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.to_string(),
        ];
        for text in &accepted {
            let p = Policy::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let report = validate(text, PolicyType::Identity);
            assert!(report.is_valid(), "{text}: {:?}", report.errors);
            let s = &p.statements()[0];
            assert_eq!(s.effect(), Effect::Allow, "{text}");
            assert_eq!(s.action().values, vec!["s3:GetObject"], "{text}");
            assert_eq!(p.version(), Version::V2012_10_17, "{text}");
        }
    }
}
