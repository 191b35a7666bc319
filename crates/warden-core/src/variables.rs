//! Policy variables (`reference_policies_variables.html`).
//!
//! `${key}` is replaced by the request's single value for `key`; `${key, 'default'}` falls back
//! to the default when the key is absent; `${*}`, `${?}` and `${$}` stand for the literal
//! characters. A variable with no value and no default makes the element it stands in match
//! nothing. Substituted values are literal text: a `*` in a user name is not a wildcard.
//! Variables exist only under `"Version": "2012-10-17"`; otherwise `${...}` is plain text.

use crate::context::Context;
use crate::glob::{Token, tokenize};

/// A piece of a template: wildcard-bearing text, or a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text of the policy, where `*` and `?` keep their wildcard meaning (if the caller globs).
    Text(String),
    /// A literal character or text that is never a wildcard (`${*}`, `${?}`, `${$}`).
    Literal(String),
    /// `${key}` or `${key, 'default'}`; the key is stored lower-cased.
    Var {
        /// The context key, lower-cased.
        key: String,
        /// The default value, if given.
        default: Option<String>,
    },
}

/// A string that may contain policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Reads `text`; when `substitute` is false (2008-10-17) the whole text is plain.
    pub fn parse(text: &str, substitute: bool) -> Template {
        Template::parse_with(text, substitute, false)
    }

    /// Reads a `Resource`/`NotResource` value: variables are substituted only in the resource
    /// part of the ARN, after the fifth colon of the policy's own text. "You can't use a
    /// variable to replace parts of the ARN before the fifth colon, such as the service or
    /// account" (`reference_policies_variables.html#policy-vars-resourceelement`): a variable
    /// there is kept as the literal text it is written as.
    pub fn parse_resource(text: &str, substitute: bool) -> Template {
        Template::parse_with(text, substitute, true)
    }

    fn parse_with(text: &str, substitute: bool, resource: bool) -> Template {
        if !substitute || !text.contains("${") {
            return Template {
                pieces: vec![Piece::Text(text.to_string())],
            };
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        // Colons of the policy's own text so far (a colon in a variable's name does not count).
        let mut colons = 0;
        while let Some(start) = rest.find("${") {
            let after = rest.get(start + 2..).unwrap_or("");
            let Some(close) = after.find('}') else {
                break;
            };
            let inner = after.get(..close).unwrap_or("");
            let Some(piece) = parse_variable(inner) else {
                // Not a variable: keep `${` as text and go on after it.
                let head = rest.get(..start + 2).unwrap_or("");
                colons += head.matches(':').count();
                push_text(&mut pieces, head);
                rest = after;
                continue;
            };
            let head = rest.get(..start).unwrap_or("");
            colons += head.matches(':').count();
            push_text(&mut pieces, head);
            let piece = match piece {
                Piece::Var { .. } if resource && colons < 5 => {
                    Piece::Literal(rest.get(start..start + close + 3).unwrap_or("").to_string())
                }
                piece => piece,
            };
            pieces.push(piece);
            rest = after.get(close + 1..).unwrap_or("");
        }
        push_text(&mut pieces, rest);
        Template { pieces }
    }

    /// Builds a template from pieces already split (e.g. one ARN component of a parsed template).
    pub fn from_pieces(pieces: Vec<Piece>) -> Template {
        Template { pieces }
    }

    /// Whether the template has any variable to resolve.
    pub fn has_variables(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
    }

    /// The context keys (lower-cased) its variables read.
    pub fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// The pieces.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Resolves the variables into glob tokens (wildcards only from the policy's own text).
    /// `None` when a variable has no value and no default, or its key is multivalued.
    pub fn resolve_tokens(&self, ctx: &Context) -> Option<Vec<Token>> {
        let mut tokens = Vec::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => tokens.extend(tokenize(t)),
                Piece::Literal(t) => tokens.push(Token::Lit(t.clone())),
                Piece::Var { key, default } => tokens.push(Token::Lit(resolve(ctx, key, default)?)),
            }
        }
        Some(tokens)
    }

    /// Resolves the variables into plain text (for operators without wildcards).
    pub fn resolve_text(&self, ctx: &Context) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) | Piece::Literal(t) => out.push_str(t),
                Piece::Var { key, default } => out.push_str(&resolve(ctx, key, default)?),
            }
        }
        Some(out)
    }

    /// The text when the template has no variables (special characters already resolved).
    pub fn as_plain_text(&self) -> Option<String> {
        if self.has_variables() {
            return None;
        }
        Some(self.resolve_text(&Context::default()).unwrap_or_default())
    }
}

fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Text(prev)) = pieces.last_mut() {
        prev.push_str(text);
    } else {
        pieces.push(Piece::Text(text.to_string()));
    }
}

fn parse_variable(inner: &str) -> Option<Piece> {
    match inner {
        "*" | "?" | "$" => return Some(Piece::Literal(inner.to_string())),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let rest = rest.trim();
            let default = rest.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(default.to_string()))
        }
        None => (inner.trim(), None),
    };
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/_-.@+=".contains(c));
    valid.then(|| Piece::Var {
        key: key.to_ascii_lowercase(),
        default,
    })
}

fn resolve(ctx: &Context, key: &str, default: &Option<String>) -> Option<String> {
    match ctx.get(key) {
        // Only single-valued keys can be variables (reference_policies_variables.html).
        Some(v) if !v.is_multi() => v.values().first().cloned(),
        Some(_) => None,
        None => default.clone(),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::context::ContextValue;
    use crate::glob::Glob;

    fn ctx() -> Context {
        let mut c = Context::default();
        c.insert("aws:username", ContextValue::string("Bob*"));
        c
    }

    #[test]
    fn substitutes_literally() {
        let t = Template::parse("arn:aws:s3:::b/home/${aws:username}/*", true);
        let g = Glob::from_tokens(&t.resolve_tokens(&ctx()).unwrap());
        assert!(g.matches("arn:aws:s3:::b/home/Bob*/x"));
        assert!(!g.matches("arn:aws:s3:::b/home/BobTwo/x"));
    }

    #[test]
    fn defaults_and_specials() {
        let t = Template::parse("${aws:PrincipalTag/team, 'none'}-${*}${?}${$}", true);
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "none-*?$");
        let t = Template::parse("x${aws:userid}", true);
        assert_eq!(t.resolve_text(&ctx()), None);
    }

    #[test]
    fn resource_variables_only_after_the_fifth_colon() {
        let mut c = ctx();
        c.insert("aws:PrincipalAccount", ContextValue::string("123456789012"));
        let t = Template::parse_resource(
            "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:username}",
            true,
        );
        assert_eq!(
            t.resolve_text(&c).unwrap(),
            "arn:aws:iam::${aws:PrincipalAccount}:role/Bob*"
        );
        assert_eq!(t.variable_keys().collect::<Vec<_>>(), ["aws:username"]);
        // A colon inside a variable's name is not one of the five.
        let t = Template::parse_resource("arn:aws:s3:::b/${aws:username}:${aws:username}", true);
        assert_eq!(t.resolve_text(&c).unwrap(), "arn:aws:s3:::b/Bob*:Bob*");
        // Anywhere else (conditions) variables are substituted wherever they stand.
        let t = Template::parse("arn:aws:iam::${aws:PrincipalAccount}:role/x", true);
        assert_eq!(
            t.resolve_text(&c).unwrap(),
            "arn:aws:iam::123456789012:role/x"
        );
    }

    #[test]
    fn old_version_is_literal() {
        let t = Template::parse("home/${aws:username}", false);
        assert!(!t.has_variables());
        assert_eq!(t.as_plain_text().unwrap(), "home/${aws:username}");
    }
}
