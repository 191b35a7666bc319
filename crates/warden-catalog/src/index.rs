//! The line index shared by both catalogs: a header line, then one entry per line, sorted by a
//! name that is the entry's first field. Each entry is parsed the first time it is asked for.
//!
//! The built-in files are indexed at build time (`build.rs` writes each entry's name and byte
//! range), so a lookup touches the index and one line of the data, never the whole file. Other
//! files are indexed by a scan for line ends ([`LineIndex::scan`]).

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::CatalogError;

/// An index written by `build.rs`: where the header ends, and each entry's name and byte range.
pub(crate) struct Prebuilt {
    pub(crate) header: usize,
    pub(crate) entries: &'static [(&'static str, usize, usize)],
}

pub(crate) struct LineIndex<T> {
    data: &'static str,
    pub(crate) header: &'static str,
    names: Vec<&'static str>,
    ranges: Vec<(usize, usize)>,
    parsed: Vec<OnceLock<Option<T>>>,
}

impl<T: DeserializeOwned> LineIndex<T> {
    /// Indexes `data`, whose entry lines each start with `{"<field>":"<name>"`.
    pub(crate) fn scan(data: &'static str, field: &str) -> Result<LineIndex<T>, CatalogError> {
        let header_end = data.find('\n').unwrap_or(data.len());
        if data[..header_end].trim().is_empty() {
            return Err(CatalogError("empty catalog file".into()));
        }
        let opening = format!("{{\"{field}\":\"");
        let mut entries = Vec::new();
        let mut start = (header_end + 1).min(data.len());
        for (n, line) in data[start..].split_inclusive('\n').enumerate() {
            let text = line.trim_end_matches('\n');
            let end = start + text.len();
            if !text.is_empty() {
                let name = text
                    .strip_prefix(opening.as_str())
                    .and_then(|rest| rest.split_once('"'))
                    .map(|(name, _)| name)
                    .filter(|name| !name.contains('\\'))
                    .ok_or_else(|| {
                        CatalogError(format!("line {} does not start with {opening}", n + 2))
                    })?;
                if entries
                    .last()
                    .is_some_and(|(last, _, _): &(&str, _, _)| *last >= name)
                {
                    return Err(CatalogError(format!(
                        "line {}: {name} is out of order",
                        n + 2
                    )));
                }
                entries.push((name, start, end));
            }
            start += line.len();
        }
        Ok(LineIndex::from_entries(data, header_end, &entries))
    }

    /// Uses the index `build.rs` wrote for `data`.
    pub(crate) fn prebuilt(data: &'static str, index: &Prebuilt) -> LineIndex<T> {
        LineIndex::from_entries(data, index.header, index.entries)
    }

    fn from_entries(
        data: &'static str,
        header_end: usize,
        entries: &[(&'static str, usize, usize)],
    ) -> LineIndex<T> {
        LineIndex {
            data,
            header: data.get(..header_end).unwrap_or_default(),
            names: entries.iter().map(|(name, _, _)| *name).collect(),
            ranges: entries
                .iter()
                .map(|(_, start, end)| (*start, *end))
                .collect(),
            parsed: entries.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    pub(crate) fn empty() -> LineIndex<T> {
        LineIndex::from_entries("{}", 2, &[])
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

    fn line(&self, position: usize) -> Option<&'static str> {
        let (start, end) = *self.ranges.get(position)?;
        self.data.get(start..end)
    }

    /// The entry at `position`, parsed on first use. `None` only for a line the converter did
    /// not write (the built-in files are pinned by tests to parse).
    pub(crate) fn get(&self, position: usize) -> Option<&T> {
        let line = self.line(position)?;
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
        for (position, name) in self.names.iter().enumerate() {
            let line = self
                .line(position)
                .ok_or_else(|| CatalogError(format!("entry {name}: range outside the file")))?;
            serde_json::from_str::<T>(line)
                .map_err(|e| CatalogError(format!("entry {name}: {e}")))?;
        }
        Ok(())
    }

    /// The names and line ranges, to compare a prebuilt index with a scan.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> Vec<(&'static str, usize, usize)> {
        self.names
            .iter()
            .zip(&self.ranges)
            .map(|(name, (start, end))| (*name, *start, *end))
            .collect()
    }
}
