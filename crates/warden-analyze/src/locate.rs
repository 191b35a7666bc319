//! Where a finding is: Access Analyzer's `locations`, a path of JSON keys and indexes into the
//! policy and the span of the value, with 1-based lines, 0-based columns and 0-based character
//! offsets (`API_Location.html`, `API_Position.html`, `API_PathElement.html`).

use serde::Serialize;
use warden_core::json::{Json, JsonKind, Span};

/// One step of a path: a key of an object (`{"value": "Statement"}`) or an index of an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PathElement {
    /// An array index.
    Index(usize),
    /// The value of this key of an object.
    Value(String),
    /// The key itself (a condition key, a principal type).
    Key(String),
}

/// A position in the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TextPosition {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 0, in characters.
    pub column: usize,
    /// Offset from the start of the text, from 0, in characters.
    pub offset: usize,
}

/// A range of the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TextSpan {
    /// Where it starts.
    pub start: TextPosition,
    /// Just past where it ends.
    pub end: TextPosition,
}

/// One location of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The path from the document root.
    pub path: Vec<PathElement>,
    /// The text it covers.
    pub span: TextSpan,
}

/// Converts a byte offset of `text` to a position.
pub fn position(text: &str, byte: usize) -> TextPosition {
    let byte = byte.min(text.len());
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    TextPosition {
        line,
        column: before.get(line_start..).map_or(0, |s| s.chars().count()),
        offset: before.chars().count(),
    }
}

/// The byte offset of a 1-based line and 1-based character column (the validator's positions).
pub fn byte_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let col = (column as usize).saturating_sub(1);
            let within = l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
            return offset + within;
        }
        offset += l.len();
    }
    text.len()
}

fn span_of(text: &str, span: Span) -> TextSpan {
    TextSpan {
        start: position(text, span.start),
        end: position(text, span.end),
    }
}

/// The innermost value (or key) of the document at `byte`, with its path.
pub fn at_offset(text: &str, root: &Json, byte: usize) -> Location {
    let mut path = Vec::new();
    let mut node = root;
    let mut span = root.span;
    loop {
        match &node.kind {
            JsonKind::Object(members) => {
                let Some(m) = members.iter().find(|m| {
                    (m.key_span.start <= byte && byte < m.key_span.end)
                        || (m.value.span.start <= byte && byte < m.value.span.end)
                }) else {
                    break;
                };
                if m.key_span.start <= byte && byte < m.key_span.end {
                    path.push(PathElement::Key(m.key.clone()));
                    span = m.key_span;
                    break;
                }
                path.push(PathElement::Value(m.key.clone()));
                node = &m.value;
                span = node.span;
            }
            JsonKind::Array(items) => {
                let Some((i, item)) = items
                    .iter()
                    .enumerate()
                    .find(|(_, j)| j.span.start <= byte && byte < j.span.end)
                else {
                    break;
                };
                path.push(PathElement::Index(i));
                node = item;
                span = node.span;
            }
            _ => break,
        }
    }
    Location {
        path,
        span: span_of(text, span),
    }
}

/// The statements of a document, as the evaluator counts them (a lone object is statement 0).
fn statements(root: &Json) -> Vec<(&Json, Vec<PathElement>)> {
    let Some(statement) = root.first("Statement") else {
        return Vec::new();
    };
    let base = vec![PathElement::Value("Statement".to_string())];
    match &statement.kind {
        JsonKind::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut p = base.clone();
                p.push(PathElement::Index(i));
                (s, p)
            })
            .collect(),
        JsonKind::Object(_) => vec![(statement, base)],
        _ => Vec::new(),
    }
}

/// The location of statement `index`'s `element` (or the statement itself), narrowed to the
/// value `mentioned` ranks first (lowest rank; `None`: not mentioned), e.g. the action a
/// message names first.
pub fn in_statement(
    text: &str,
    root: &Json,
    index: usize,
    element: Option<&str>,
    mentioned: impl Fn(&str) -> Option<usize>,
) -> Option<Location> {
    let all = statements(root);
    let (stmt, mut path) = all.into_iter().nth(index)?;
    let Some(element) = element else {
        return Some(Location {
            path,
            span: span_of(text, stmt.span),
        });
    };
    let Some(value) = stmt.first(element) else {
        return Some(Location {
            path,
            span: span_of(text, stmt.span),
        });
    };
    path.push(PathElement::Value(element.to_string()));
    let mut best: Option<(usize, Vec<PathElement>, Span)> = None;
    let mut trail = path.clone();
    find_mentioned(value, &mentioned, &mut trail, &mut best);
    if let Some((_, found_path, found)) = best {
        return Some(Location {
            path: found_path,
            span: span_of(text, found),
        });
    }
    Some(Location {
        path,
        span: span_of(text, value.span),
    })
}

/// Depth-first over string values and keys: keeps the one `mentioned` ranks lowest.
fn find_mentioned(
    node: &Json,
    mentioned: &dyn Fn(&str) -> Option<usize>,
    path: &mut Vec<PathElement>,
    best: &mut Option<(usize, Vec<PathElement>, Span)>,
) {
    match &node.kind {
        JsonKind::String(s) => {
            if let Some(rank) = mentioned(s) {
                offer(best, rank, path.clone(), node.span);
            }
        }
        JsonKind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathElement::Index(i));
                find_mentioned(item, mentioned, path, best);
                path.pop();
            }
        }
        JsonKind::Object(members) => {
            for m in members {
                if let Some(rank) = mentioned(&m.key) {
                    let mut p = path.clone();
                    p.push(PathElement::Key(m.key.clone()));
                    offer(best, rank, p, m.key_span);
                }
                path.push(PathElement::Value(m.key.clone()));
                find_mentioned(&m.value, mentioned, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

fn offer(
    best: &mut Option<(usize, Vec<PathElement>, Span)>,
    rank: usize,
    path: Vec<PathElement>,
    span: Span,
) {
    if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
        *best = Some((rank, path, span));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_value_with_its_path() {
        let text = "{\n  \"Statement\": [{\"Action\": [\"a:b\", \"c:d\"]}]\n}";
        let root = Json::parse(text).unwrap();
        let byte = text.find("c:d").unwrap();
        let loc = at_offset(text, &root, byte);
        assert_eq!(
            loc.path,
            vec![
                PathElement::Value("Statement".into()),
                PathElement::Index(0),
                PathElement::Value("Action".into()),
                PathElement::Index(1),
            ]
        );
        assert_eq!(loc.span.start.line, 2);
        assert_eq!(loc.span.start.column, byte - 2 - 1);
        assert_eq!(loc.span.start.offset, byte - 1);
        assert_eq!(loc.span.end.offset, byte + 4);
    }

    #[test]
    fn converts_validator_positions_back_to_offsets() {
        let text = "ab\ncdé\nf";
        assert_eq!(byte_of(text, 2, 3), 5);
        assert_eq!(byte_of(text, 3, 1), text.len() - 1);
    }
}
