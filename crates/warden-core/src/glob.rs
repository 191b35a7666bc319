//! Compiled wildcard patterns: `*` matches any run of characters (`:` and `/` included), `?`
//! exactly one character. No escapes, no character classes
//! (`reference_policies_elements_action.html`, `reference_policies_elements_resource.html`).
//!
//! A pattern is split at its stars into fixed-width segments. The first segment is anchored at
//! the start, the last at the end, and the middle ones are found leftmost, which is exact because
//! each segment has a fixed width in characters. Plain literals, prefixes and suffixes get their
//! own fast paths, so the common `ec2:Describe*` is one `starts_with`.

/// A token of a pattern: literal text (which may contain `*` or `?` taken literally, as after
/// policy-variable substitution), a star or a single-character wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Text matched literally.
    Lit(String),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Splits a pattern string into tokens, reading `*` and `?` as wildcards.
pub fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut lit = String::new();
    for c in pattern.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(if c == '*' { Token::Star } else { Token::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        tokens.push(Token::Lit(lit));
    }
    tokens
}

/// A compiled wildcard pattern. Matching is case-sensitive: callers that need case-insensitive
/// matching (actions) lower-case both the pattern and the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `*`: everything.
    Any,
    /// No wildcard at all.
    Exact(Box<str>),
    /// `abc*`
    Prefix(Box<str>),
    /// `*abc`
    Suffix(Box<str>),
    /// `*abc*`
    Contains(Box<str>),
    /// Anything else.
    General(Box<General>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct General {
    /// Segments between stars; without any star there is exactly one.
    segments: Vec<Segment>,
    /// Whether there is at least one star (then the first and last segments are anchored).
    starred: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Segment {
    parts: Vec<Part>,
    chars: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(Box<str>),
    One,
}

impl Glob {
    /// Compiles a pattern string (`*` and `?` are wildcards).
    pub fn new(pattern: &str) -> Glob {
        Glob::from_tokens(&tokenize(pattern))
    }

    /// Compiles a token list.
    pub fn from_tokens(tokens: &[Token]) -> Glob {
        // Merge adjacent stars and literals so the shape checks below see the simplest form.
        let mut norm: Vec<Token> = Vec::with_capacity(tokens.len());
        for t in tokens {
            match (norm.last_mut(), t) {
                (Some(Token::Star), Token::Star) => {}
                (Some(Token::Lit(prev)), Token::Lit(s)) => prev.push_str(s),
                (_, Token::Lit(s)) if s.is_empty() => {}
                _ => norm.push(t.clone()),
            }
        }
        let kind = match norm.as_slice() {
            [] => Kind::Exact("".into()),
            [Token::Star] => Kind::Any,
            [Token::Lit(s)] => Kind::Exact(s.as_str().into()),
            [Token::Lit(s), Token::Star] => Kind::Prefix(s.as_str().into()),
            [Token::Star, Token::Lit(s)] => Kind::Suffix(s.as_str().into()),
            [Token::Star, Token::Lit(s), Token::Star] => Kind::Contains(s.as_str().into()),
            _ => {
                let mut segments = vec![Segment::default()];
                let mut starred = false;
                for t in &norm {
                    match t {
                        Token::Star => {
                            starred = true;
                            segments.push(Segment::default());
                        }
                        Token::Lit(s) => {
                            if let Some(seg) = segments.last_mut() {
                                seg.chars += s.chars().count();
                                seg.parts.push(Part::Lit(s.as_str().into()));
                            }
                        }
                        Token::One => {
                            if let Some(seg) = segments.last_mut() {
                                seg.chars += 1;
                                seg.parts.push(Part::One);
                            }
                        }
                    }
                }
                Kind::General(Box::new(General { segments, starred }))
            }
        };
        Glob { kind }
    }

    /// Whether this is the lone `*`.
    pub fn is_any(&self) -> bool {
        matches!(self.kind, Kind::Any)
    }

    /// The literal text, when the pattern has no wildcard.
    pub fn as_exact(&self) -> Option<&str> {
        match &self.kind {
            Kind::Exact(s) => Some(s),
            _ => None,
        }
    }

    /// The literal text every match starts with.
    pub fn literal_prefix(&self) -> &str {
        match &self.kind {
            Kind::Any | Kind::Suffix(_) | Kind::Contains(_) => "",
            Kind::Exact(s) | Kind::Prefix(s) => s,
            Kind::General(g) => match g.segments.first().and_then(|s| s.parts.first()) {
                Some(Part::Lit(s)) => s,
                _ => "",
            },
        }
    }

    /// Whether `input` matches the whole pattern.
    pub fn matches(&self, input: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(s) => input == &**s,
            Kind::Prefix(s) => input.starts_with(&**s),
            Kind::Suffix(s) => input.ends_with(&**s),
            Kind::Contains(s) => find_literal(input, s).is_some(),
            Kind::General(g) => g.matches(input),
        }
    }
}

impl General {
    fn matches(&self, input: &str) -> bool {
        let Some((first, rest)) = self.segments.split_first() else {
            return input.is_empty();
        };
        if !self.starred {
            return first.match_at(input, 0) == Some(input.len());
        }
        let Some(mut pos) = first.match_at(input, 0) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return false;
        };
        // The last segment is anchored at the end: find where it must start.
        let Some(last_start) = start_of_last_chars(input, last.chars) else {
            return false;
        };
        if last_start < pos || last.match_at(input, last_start) != Some(input.len()) {
            return false;
        }
        let window = input.get(..last_start).unwrap_or("");
        for seg in middle {
            match seg.find(window, pos) {
                Some(end) => pos = end,
                None => return false,
            }
        }
        true
    }
}

/// The byte offset at which the last `n` characters of `s` begin.
fn start_of_last_chars(s: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return Some(s.len());
    }
    s.char_indices().rev().nth(n - 1).map(|(i, _)| i)
}

/// The byte offset of the leftmost `needle` in `hay`, as `str::find` gives it. The literal parts
/// of policy patterns and the ARNs they meet are short, and setting up `str::find`'s Two-Way
/// searcher costs more than a first-byte scan then costs to run. The scan is quadratic at
/// worst, so past a small budget of `hay.len() * needle.len()` it is left to `str::find`.
/// A match of a whole UTF-8 needle always starts on a character boundary, so the byte scan
/// finds what `str::find` finds.
fn find_literal(hay: &str, needle: &str) -> Option<usize> {
    const BUDGET: usize = 8 * 1024;
    let n = needle.as_bytes();
    let Some((&first, tail)) = n.split_first() else {
        return Some(0);
    };
    if hay.len().saturating_mul(n.len()) > BUDGET {
        return hay.find(needle);
    }
    let h = hay.as_bytes();
    let last = h.len().checked_sub(n.len())?;
    let mut from = 0;
    while from <= last {
        let at = from + h.get(from..=last)?.iter().position(|&b| b == first)?;
        if h.get(at + 1..at + n.len()) == Some(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

impl Segment {
    /// Matches this segment exactly at byte offset `at`; returns the end offset.
    fn match_at(&self, input: &str, at: usize) -> Option<usize> {
        let mut pos = at;
        for part in &self.parts {
            let rest = input.get(pos..)?;
            match part {
                Part::Lit(s) => {
                    if !rest.starts_with(&**s) {
                        return None;
                    }
                    pos += s.len();
                }
                Part::One => pos += rest.chars().next()?.len_utf8(),
            }
        }
        Some(pos)
    }

    /// Finds the leftmost match at or after `from`; returns its end offset.
    fn find(&self, input: &str, from: usize) -> Option<usize> {
        if let [Part::Lit(s)] = self.parts.as_slice() {
            let rest = input.get(from..)?;
            return find_literal(rest, s).map(|i| from + i + s.len());
        }
        let mut start = from;
        loop {
            if let Some(end) = self.match_at(input, start) {
                return Some(end);
            }
            let c = input.get(start..)?.chars().next()?;
            start += c.len_utf8();
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).matches(s)
    }

    #[test]
    fn shapes() {
        assert!(m("*", ""));
        assert!(m("ec2:describe*", "ec2:describeinstances"));
        assert!(!m("ec2:describe*", "ec2:runinstances"));
        assert!(m("*instances", "ec2:describeinstances"));
        assert!(m("iam:*accesskey*", "iam:createaccesskey"));
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
    }

    #[test]
    fn star_spans_colons_and_slashes() {
        assert!(m(
            "arn:aws:s3:::*/keyname",
            "arn:aws:s3:::my_bucket/keyname"
        ));
        assert!(m(
            "arn:aws:iam::*:role/ecsInstanceRole*",
            "arn:aws:iam::123456789012:role/ecsInstanceRole-prod"
        ));
        assert!(!m(
            "arn:aws:iam::*:role/ecsInstanceRole*",
            "arn:aws:iam::123456789012:role/ecsinstancerole"
        ));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(m("a?c", "abc"));
        assert!(m("a?c", "aéc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
        assert!(m("*a?c*", "xxabcxx"));
        assert!(m("a*?", "ab"));
        assert!(!m("a*?", "a"));
    }

    #[test]
    fn general_backtracking() {
        assert!(m("a*b*c", "abbbc"));
        assert!(m("a*b?d*e", "axxbcdyye"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*a*a*", "aa"));
        assert!(!m("*a*a*", "a"));
        assert!(m("a*a", "aa"));
        assert!(!m("a*a", "a"));
    }

    #[test]
    fn find_literal_agrees_with_str_find() {
        let long = "ab".repeat(3000);
        let hays: [&str; 6] = [
            "",
            "a",
            "arn:aws:ssm:us-east-1:123456789012:parameter/aws/service/ecs/x",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            "x\u{e9}y\u{e9}z:role/\u{e9}",
            // Past the budget: the `str::find` path.
            &long,
        ];
        let needles = [
            "",
            "a",
            ":",
            "b",
            "ab",
            ":parameter/aws/service/ecs",
            "aaaaaaaaaaaaaaaaaaaab",
            "\u{e9}z",
            "role/\u{e9}",
            "zz",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(find_literal(h, n), h.find(n), "{n:?} in {h:?}");
            }
        }
    }

    #[test]
    fn literal_tokens_keep_wildcards_literal() {
        let g = Glob::from_tokens(&[Token::Lit("test".into()), Token::Lit("Bob*".into())]);
        assert!(g.matches("testBob*"));
        assert!(!g.matches("testBobTwo"));
    }
}
