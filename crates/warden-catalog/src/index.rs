//! The line index shared by both catalogs: a header line, then one entry per line, sorted by a
//! name that is the entry's first field. Indexing only finds line ends and reads the names;
//! each entry is parsed the first time it is asked for.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::CatalogError;

pub(crate) struct LineIndex<T> {
    pub(crate) header: &'static str,
    names: Vec<&'static str>,
    lines: Vec<&'static str>,
    parsed: Vec<OnceLock<Option<T>>>,
}

impl<T: DeserializeOwned> LineIndex<T> {
    /// Indexes `data`, whose entry lines each start with `{"<field>":"<name>"`.
    pub(crate) fn new(data: &'static str, field: &str) -> Result<LineIndex<T>, CatalogError> {
        let mut lines = data.lines().filter(|l| !l.is_empty());
        let header = lines
            .next()
            .ok_or_else(|| CatalogError("empty catalog file".into()))?;
        let opening = format!("{{\"{field}\":\"");
        let mut names = Vec::new();
        let mut entries = Vec::new();
        for (n, line) in lines.enumerate() {
            let name = line
                .strip_prefix(opening.as_str())
                .and_then(|rest| rest.split_once('"'))
                .map(|(name, _)| name)
                .filter(|name| !name.contains('\\'))
                .ok_or_else(|| {
                    CatalogError(format!("line {} does not start with {opening}", n + 2))
                })?;
            if names.last().is_some_and(|last: &&str| *last >= name) {
                return Err(CatalogError(format!(
                    "line {}: {name} is out of order",
                    n + 2
                )));
            }
            names.push(name);
            entries.push(line);
        }
        let parsed = entries.iter().map(|_| OnceLock::new()).collect();
        Ok(LineIndex {
            header,
            names,
            lines: entries,
            parsed,
        })
    }

    pub(crate) fn empty() -> LineIndex<T> {
        LineIndex {
            header: "{}",
            names: Vec::new(),
            lines: Vec::new(),
            parsed: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn names(&self) -> &[&'static str] {
        &self.names
    }

    /// The position of `name`, compared exactly.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.names.binary_search(&name).ok()
    }

    /// The position of `name`, compared without case (IAM names are unique regardless of case).
    pub(crate) fn position_ignoring_case(&self, name: &str) -> Option<usize> {
        self.position(name).or_else(|| {
            self.names
                .iter()
                .position(|candidate| candidate.eq_ignore_ascii_case(name))
        })
    }

    /// The entry at `position`, parsed on first use. `None` only for a line the converter did
    /// not write (the built-in files are pinned by tests to parse).
    pub(crate) fn get(&self, position: usize) -> Option<&T> {
        let line = *self.lines.get(position)?;
        self.parsed
            .get(position)?
            .get_or_init(|| serde_json::from_str(line).ok())
            .as_ref()
    }

    /// Every entry, parsed (for listings and whole-catalog checks).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Parses every entry and reports the first that does not parse.
    pub(crate) fn check(&self) -> Result<(), CatalogError> {
        for (position, line) in self.lines.iter().enumerate() {
            serde_json::from_str::<T>(line)
                .map_err(|e| CatalogError(format!("entry {}: {e}", self.names[position])))?;
        }
        Ok(())
    }
}
