//! A JSON tree that remembers where each value stands in the original text.
//!
//! AWS reports matched statements by line and column, and its validator reports the first
//! failing check in a fixed order that depends on the raw shape of the document (duplicate keys,
//! key order, value types). serde_json forgets all of that, so policies are read into this tree.
//! Strict JSON only: no comments, no trailing commas, no JSON5 extensions.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

/// A line and column, both 1-based, as AWS's `Position` type reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    #[serde(rename = "Line")]
    pub line: u32,
    /// 1-based column number, counted in characters.
    #[serde(rename = "Column")]
    pub column: u32,
}

/// A JSON value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// The value itself.
    pub kind: JsonKind,
    /// Where it stands in the text.
    pub span: Span,
}

/// The kinds of JSON value. Objects keep their members in order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: members in document order, duplicate keys kept.
    Object(Vec<Member>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key, unescaped.
    pub key: String,
    /// Where the key stands.
    pub key_span: Span,
    /// The value.
    pub value: Json,
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at line {}, column {}: {message}", position.line, position.column)]
pub struct JsonError {
    /// What the parser said.
    pub message: String,
    /// Where.
    pub position: Position,
}

impl Json {
    /// Parses strict JSON. An empty document is an error.
    pub fn parse(text: &str) -> Result<Json, JsonError> {
        let collect = CollectOptions {
            comments: CommentCollectionStrategy::Off,
            tokens: false,
        };
        let options = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        match jsonc_parser::parse_to_ast(text, &collect, &options) {
            Ok(result) => match result.value {
                Some(value) => Ok(convert(value)),
                None => Err(JsonError {
                    message: "the document is empty".to_string(),
                    position: position_of(text, 0),
                }),
            },
            Err(err) => {
                let offset = err.range().start;
                Err(JsonError {
                    message: err.kind().to_string(),
                    position: position_of(text, offset),
                })
            }
        }
    }

    /// The member values of an object with this key (exact, case-sensitive), in order.
    pub fn get<'a, 'k>(&'a self, key: &'k str) -> impl Iterator<Item = &'a Member> + use<'a, 'k> {
        let members: &[Member] = match &self.kind {
            JsonKind::Object(members) => members,
            _ => &[],
        };
        members.iter().filter(move |m| m.key == key)
    }

    /// The first member with this key, if this is an object that has one.
    pub fn first(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            JsonKind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match &self.kind {
            JsonKind::Array(a) => Some(a),
            _ => None,
        }
    }

    /// A short name of the kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "boolean",
            JsonKind::Number(_) => "number",
            JsonKind::String(_) => "string",
            JsonKind::Array(_) => "array",
            JsonKind::Object(_) => "object",
        }
    }

    /// The scalar as text (strings, numbers and booleans), as IAM reads condition values.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            JsonKind::String(s) => Some(s.clone()),
            JsonKind::Number(n) => Some(n.clone()),
            JsonKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn span(range: jsonc_parser::common::Range) -> Span {
    Span {
        start: range.start,
        end: range.end,
    }
}

fn convert(value: ast::Value<'_>) -> Json {
    match value {
        ast::Value::StringLit(s) => Json {
            kind: JsonKind::String(s.value.into_owned()),
            span: span(s.range),
        },
        ast::Value::NumberLit(n) => Json {
            kind: JsonKind::Number(n.value.to_string()),
            span: span(n.range),
        },
        ast::Value::BooleanLit(b) => Json {
            kind: JsonKind::Bool(b.value),
            span: span(b.range),
        },
        ast::Value::NullKeyword(n) => Json {
            kind: JsonKind::Null,
            span: span(n.range),
        },
        ast::Value::Array(a) => Json {
            kind: JsonKind::Array(a.elements.into_iter().map(convert).collect()),
            span: span(a.range),
        },
        ast::Value::Object(o) => Json {
            kind: JsonKind::Object(
                o.properties
                    .into_iter()
                    .map(|p| {
                        let (key, key_span) = match p.name {
                            ast::ObjectPropName::String(s) => (s.value.into_owned(), span(s.range)),
                            ast::ObjectPropName::Word(w) => (w.value.to_string(), span(w.range)),
                        };
                        Member {
                            key,
                            key_span,
                            value: convert(p.value),
                        }
                    })
                    .collect(),
            ),
            span: span(o.range),
        },
    }
}

/// The 1-based line and column of a byte offset (columns count characters).
pub fn position_of(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn keeps_duplicates_and_spans() {
        let text = "{\"a\": 1,\n \"a\": [true, null]}";
        let json = Json::parse(text).unwrap();
        let members: Vec<_> = json.get("a").collect();
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].value.span.start, 15);
        assert_eq!(
            position_of(text, members[1].key_span.start),
            Position { line: 2, column: 2 }
        );
    }

    #[test]
    fn rejects_json5_and_comments() {
        assert!(Json::parse("{\"a\": 1,}").is_err());
        assert!(Json::parse("{/* c */ \"a\": 1}").is_err());
        assert!(Json::parse("{a: 1}").is_err());
        assert!(Json::parse("").is_err());
        assert!(Json::parse("'x'").is_err());
    }
}
