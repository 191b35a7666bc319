//! Wildcard languages, exactly: a string that belongs to some languages and not to others, or
//! the proof that there is none.
//!
//! IAM's patterns (`*` any run of characters, `?` one character; `StringEquals` values are
//! literals; `...IgnoreCase` and actions compare without case) are regular languages. Each
//! pattern is a small NFA over its positions; the search runs the subset construction of every
//! pattern at once, breadth first, over an alphabet made of the characters the patterns name
//! plus one character they do not (all others behave like it). A state is accepting when every
//! constraint gets the answer it wants; when the search runs out of states, no string exists.
//! This is the textbook product-of-automata emptiness check; no maintained crate offers it over
//! glob patterns with complement (docs/analyze.md says which were considered).

use std::collections::{HashMap, VecDeque};

/// One token of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// This character exactly.
    Ch(char),
    /// This character in either case (stored lower-cased).
    Ci(char),
    /// Any one character.
    One,
    /// Any run of characters.
    Star,
}

/// A pattern: its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern(pub(crate) Vec<Tok>);

impl Pattern {
    /// A glob (`*`, `?`), case-sensitive.
    pub(crate) fn glob(text: &str) -> Pattern {
        Pattern(
            text.chars()
                .map(|c| match c {
                    '*' => Tok::Star,
                    '?' => Tok::One,
                    c => Tok::Ch(c),
                })
                .collect(),
        )
    }

    /// A literal, case-sensitive or not.
    pub(crate) fn literal(text: &str, ignore_case: bool) -> Pattern {
        Pattern(
            text.chars()
                .map(|c| {
                    if ignore_case {
                        Tok::Ci(lower(c))
                    } else {
                        Tok::Ch(c)
                    }
                })
                .collect(),
        )
    }

    /// Whether the pattern has no wildcard (its language is one string).
    pub(crate) fn is_literal(&self) -> bool {
        self.0.iter().all(|t| matches!(t, Tok::Ch(_)))
    }

    /// The text of a literal pattern.
    pub(crate) fn text(&self) -> String {
        self.0
            .iter()
            .filter_map(|t| match t {
                Tok::Ch(c) | Tok::Ci(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    fn closure(&self, set: &mut Vec<u16>) {
        let mut i = 0;
        while i < set.len() {
            let p = set[i] as usize;
            if matches!(self.0.get(p), Some(Tok::Star)) && !set.contains(&((p + 1) as u16)) {
                set.push((p + 1) as u16);
            }
            i += 1;
        }
        set.sort_unstable();
        set.dedup();
    }

    fn start(&self) -> Vec<u16> {
        let mut s = vec![0];
        self.closure(&mut s);
        s
    }

    fn step(&self, set: &[u16], c: char) -> Vec<u16> {
        let mut next = Vec::new();
        for &p in set {
            match self.0.get(p as usize) {
                Some(Tok::Ch(x)) if *x == c => next.push(p + 1),
                Some(Tok::Ci(x)) if *x == lower(c) => next.push(p + 1),
                Some(Tok::One) => next.push(p + 1),
                Some(Tok::Star) => next.push(p),
                _ => {}
            }
        }
        self.closure(&mut next);
        next
    }

    fn accepts(&self, set: &[u16]) -> bool {
        set.contains(&(self.0.len() as u16))
    }

    /// Whether every continuation is accepted from here (only stars remain).
    fn universal(&self, set: &[u16]) -> bool {
        set.iter().any(|&p| {
            self.0
                .get(p as usize..)
                .is_some_and(|rest| rest.iter().all(|t| *t == Tok::Star))
        })
    }

    /// Whether the pattern matches `s`.
    #[cfg(test)]
    pub(crate) fn matches(&self, s: &str) -> bool {
        let mut set = self.start();
        for c in s.chars() {
            set = self.step(&set, c);
            if set.is_empty() {
                return false;
            }
        }
        self.accepts(&set)
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The string must (`want`) or must not belong to the union of `patterns`.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    /// The union.
    pub(crate) patterns: Vec<Pattern>,
    /// Whether the string must belong to it.
    pub(crate) want: bool,
}

/// The search ran past its budget of states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverBudget;

/// The shortest string that meets every constraint, `None` if there is none.
pub(crate) fn find(
    constraints: &[Constraint],
    budget: usize,
) -> Result<Option<String>, OverBudget> {
    let pruned = prune(constraints);
    find_pruned(&pruned, budget)
}

/// The literal text a pattern starts with (up to its first wildcard or case-free character).
fn literal_prefix(p: &Pattern) -> String {
    p.0.iter()
        .map_while(|t| match t {
            Tok::Ch(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// Drops patterns that no string meeting the constraints can match: a string inside a
/// must-match union starts with one of its patterns' literal prefixes, so a pattern whose own
/// prefix fits none of them matches no such string. Smaller products, same answer.
fn prune(constraints: &[Constraint]) -> Vec<Constraint> {
    let required: Vec<Vec<String>> = constraints
        .iter()
        .filter(|c| c.want)
        .map(|c| c.patterns.iter().map(literal_prefix).collect())
        .collect();
    let compatible = |a: &str, b: &str| a.starts_with(b) || b.starts_with(a);
    constraints
        .iter()
        .map(|c| Constraint {
            patterns: c
                .patterns
                .iter()
                .filter(|p| {
                    let mine = literal_prefix(p);
                    required
                        .iter()
                        .all(|prefixes| prefixes.iter().any(|r| compatible(&mine, r)))
                })
                .cloned()
                .collect(),
            want: c.want,
        })
        .collect()
}

fn find_pruned(constraints: &[Constraint], budget: usize) -> Result<Option<String>, OverBudget> {
    let mut alphabet: Vec<char> = Vec::new();
    for c in constraints {
        for p in &c.patterns {
            for t in &p.0 {
                match t {
                    Tok::Ch(x) => alphabet.push(*x),
                    Tok::Ci(x) => {
                        alphabet.push(*x);
                        alphabet.extend(x.to_uppercase());
                    }
                    _ => {}
                }
            }
        }
    }
    alphabet.sort_unstable();
    alphabet.dedup();
    let fresh = "xyzqjkw0123456789abcdefghilmnoprstuv"
        .chars()
        .chain('\u{100}'..'\u{200}')
        .find(|c| !alphabet.contains(c) && !alphabet.contains(&c.to_ascii_uppercase()));
    let mut letters: Vec<char> = fresh.into_iter().collect();
    letters.extend(alphabet);

    type State = Vec<Vec<Vec<u16>>>;
    let start: State = constraints
        .iter()
        .map(|c| c.patterns.iter().map(Pattern::start).collect())
        .collect();
    let verdict = |s: &State| -> (bool, bool) {
        // (accepting now, dead: no continuation can ever be accepting)
        let mut accepting = true;
        let mut dead = false;
        for (c, sets) in constraints.iter().zip(s) {
            let inside = c.patterns.iter().zip(sets).any(|(p, set)| p.accepts(set));
            accepting &= inside == c.want;
            if c.want {
                dead |= sets.iter().all(Vec::is_empty);
            } else {
                dead |= c.patterns.iter().zip(sets).any(|(p, set)| p.universal(set));
            }
        }
        (accepting, dead)
    };
    // States by id; each state's parent and the character that led to it.
    // Keyed by the state flattened into one buffer: one comparison instead of one per set.
    let flat = |s: &State| -> Vec<u16> {
        let mut out = Vec::new();
        for sets in s {
            for set in sets {
                out.extend_from_slice(set);
                out.push(u16::MAX);
            }
        }
        out
    };
    let mut ids: HashMap<Vec<u16>, u32> = HashMap::new();
    let mut states: Vec<State> = Vec::new();
    let mut parent: Vec<Option<(u32, char)>> = Vec::new();
    let mut queue = VecDeque::new();
    ids.insert(flat(&start), 0);
    states.push(start);
    parent.push(None);
    queue.push_back(0u32);
    while let Some(id) = queue.pop_front() {
        let Some(state) = states.get(id as usize).cloned() else {
            break;
        };
        let (accepting, dead) = verdict(&state);
        if accepting {
            let mut out = Vec::new();
            let mut at = id;
            while let Some(Some((prev, c))) = parent.get(at as usize) {
                out.push(*c);
                at = *prev;
            }
            out.reverse();
            return Ok(Some(out.into_iter().collect()));
        }
        if dead {
            continue;
        }
        for &c in &letters {
            let next: State = constraints
                .iter()
                .zip(&state)
                .map(|(con, sets)| {
                    con.patterns
                        .iter()
                        .zip(sets)
                        .map(|(p, set)| p.step(set, c))
                        .collect()
                })
                .collect();
            let key = flat(&next);
            if ids.contains_key(&key) {
                continue;
            }
            if states.len() >= budget {
                return Err(OverBudget);
            }
            let next_id = states.len() as u32;
            ids.insert(key, next_id);
            states.push(next);
            parent.push(Some((id, c)));
            queue.push_back(next_id);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn con(patterns: &[&str], want: bool) -> Constraint {
        Constraint {
            patterns: patterns.iter().map(|p| Pattern::glob(p)).collect(),
            want,
        }
    }

    #[test]
    fn finds_a_string_in_one_language_and_not_the_others() {
        let s = find(
            &[
                con(&["sqs:*"], true),
                con(&["sqs:send*", "sqs:get*"], false),
            ],
            10_000,
        )
        .unwrap()
        .unwrap();
        assert!(Pattern::glob("sqs:*").matches(&s));
        assert!(!Pattern::glob("sqs:send*").matches(&s) && !Pattern::glob("sqs:get*").matches(&s));
    }

    #[test]
    fn proves_inclusion_including_equal_languages_written_apart() {
        // a?* and a*? are the same language.
        assert_eq!(
            find(&[con(&["a?*"], true), con(&["a*?"], false)], 10_000),
            Ok(None)
        );
        assert_eq!(
            find(&[con(&["ab*"], true), con(&["a*"], false)], 10_000),
            Ok(None)
        );
        assert!(
            find(&[con(&["a*"], true), con(&["ab*"], false)], 10_000)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn ignore_case_literals_meet_case_sensitive_globs() {
        let c = [
            Constraint {
                patterns: vec![Pattern::literal("Prod", true)],
                want: true,
            },
            con(&["prod"], false),
        ];
        let s = find(&c, 10_000).unwrap().unwrap();
        assert!(s.eq_ignore_ascii_case("prod") && s != "prod");
    }
}
