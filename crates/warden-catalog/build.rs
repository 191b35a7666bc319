//! Indexes the catalog files at build time, so that the binary carries each entry's name and
//! byte range beside the data: looking a policy up then touches the index and that one line,
//! not the whole file (see `src/index.rs`).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

/// `(file, the field every entry line starts with, the const to write)`.
const FILES: [(&str, &str, &str); 2] = [
    ("data/actions.jsonl", "prefix", "ACTIONS_INDEX"),
    ("data/managed-policies.jsonl", "name", "MANAGED_INDEX"),
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut out = String::from("// Written by build.rs from data/*.jsonl.\n");
    for (file, field, name) in FILES {
        println!("cargo::rerun-if-changed={file}");
        let data = std::fs::read_to_string(file)?;
        let opening = format!("{{\"{field}\":\"");
        let header_end = data.find('\n').ok_or(format!("{file}: no header line"))?;
        writeln!(out, "pub(crate) const {name}: Prebuilt = Prebuilt {{")?;
        writeln!(out, "    header: {header_end},")?;
        writeln!(out, "    entries: &[")?;
        let mut start = header_end + 1;
        let mut previous: Option<&str> = None;
        for line in data[start..].split_inclusive('\n') {
            let text = line.trim_end_matches('\n');
            let end = start + text.len();
            if !text.is_empty() {
                let entry = text
                    .strip_prefix(opening.as_str())
                    .and_then(|rest| rest.split_once('"'))
                    .map(|(entry, _)| entry)
                    .filter(|entry| !entry.contains('\\'))
                    .ok_or(format!(
                        "{file}: a line at byte {start} does not start with {opening}"
                    ))?;
                if previous.is_some_and(|p| p >= entry) {
                    return Err(format!("{file}: {entry} is out of order").into());
                }
                previous = Some(entry);
                writeln!(out, "        ({entry:?}, {start}, {end}),")?;
            }
            start += line.len();
        }
        writeln!(out, "    ],\n}};")?;
    }
    let dir = std::env::var("OUT_DIR")?;
    std::fs::write(Path::new(&dir).join("index.rs"), out)?;
    Ok(())
}
