//! Reading what the command line names: files (with awscli's `file://` prefix) and `--context`
//! values.

use crate::error::CliError;
use std::io::{ErrorKind, Read};
use warden_core::context::ContextKeyType;
use warden_core::simulate::ContextEntry;

/// A path as given on the command line, without awscli's `file://` prefix.
pub fn path_of(arg: &str) -> &str {
    arg.strip_prefix("file://").unwrap_or(arg)
}

/// Reads a text file named on the command line; `-` reads standard input. `what` names the
/// file's role in the message (`policy file`, `requests file`).
pub fn read_text(arg: &str, what: &str) -> Result<String, CliError> {
    let path = path_of(arg);
    let read = if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    };
    read.map_err(|e| CliError::input(format!("cannot read {what} `{path}`: {}", io_reason(&e))))
}

/// A short, lower-case reason for an I/O error on a named file.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "it is a directory".into(),
        ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// One `--context KEY[:TYPE]=VALUE` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextArg {
    key: String,
    kind: Option<ContextKeyType>,
    value: String,
}

/// Reads `KEY=VALUE` or `KEY:TYPE=VALUE` (clap's value parser for `--context`).
///
/// Condition keys contain colons (`aws:SourceIp`, `ec2:ResourceTag/aws:cloudformation:stack-name`),
/// so a `:TYPE` suffix is recognised only when it is one of AWS's `ContextKeyType` names and
/// what stands before it still has a `service:` prefix.
pub fn parse_context_arg(arg: &str) -> Result<ContextArg, String> {
    let Some((lhs, value)) = arg.split_once('=') else {
        return Err(format!(
            "expected KEY=VALUE or KEY:TYPE=VALUE, such as `aws:SourceIp:ip=10.0.0.1`, not `{arg}`"
        ));
    };
    let (key, kind) = match lhs.rsplit_once(':') {
        Some((key, t)) if key.contains(':') => match ContextKeyType::from_name(t) {
            Some(kind) => (key, Some(kind)),
            None => (lhs, None),
        },
        _ => (lhs, None),
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("the context key is empty in `{arg}`"));
    }
    if !key.contains(':') {
        return Err(format!(
            "`{key}` is not a condition key: keys have a service prefix, such as `aws:SourceIp`"
        ));
    }
    Ok(ContextArg {
        key: key.to_string(),
        kind,
        value: value.to_string(),
    })
}

/// Turns `--context` arguments into AWS's `ContextEntries`: a key given more than once is one
/// multivalued entry (a list type), keys compare case-insensitively as AWS compares them.
pub fn context_entries(args: &[ContextArg]) -> Result<Vec<ContextEntry>, CliError> {
    struct Group<'a> {
        key: &'a str,
        kind: Option<ContextKeyType>,
        values: Vec<String>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    for a in args {
        match groups
            .iter_mut()
            .find(|g| g.key.eq_ignore_ascii_case(&a.key))
        {
            Some(g) => {
                match (g.kind, a.kind) {
                    (Some(x), Some(y)) if x != y => {
                        return Err(CliError::input(format!(
                            "--context `{}` is given as both `{x}` and `{y}`",
                            a.key
                        )));
                    }
                    (None, Some(y)) => g.kind = Some(y),
                    _ => {}
                }
                g.values.push(a.value.clone());
            }
            None => groups.push(Group {
                key: &a.key,
                kind: a.kind,
                values: vec![a.value.clone()],
            }),
        }
    }
    Ok(groups
        .into_iter()
        .map(|g| {
            let kind = match g.kind {
                Some(k) if g.values.len() > 1 => list_of(k),
                Some(k) => k,
                None if g.values.len() > 1 => ContextKeyType::StringList,
                None => ContextKeyType::String,
            };
            ContextEntry {
                context_key_name: g.key.to_string(),
                context_key_values: g.values,
                context_key_type: Some(kind.name().to_string()),
            }
        })
        .collect())
}

/// The list type of a scalar type (`ip` -> `ipList`); list types stay as they are.
pub fn list_of(kind: ContextKeyType) -> ContextKeyType {
    if kind.is_list() {
        return kind;
    }
    ContextKeyType::from_name(&format!("{}List", kind.name())).unwrap_or(kind)
}

#[cfg(test)]
mod test {
    use super::*;

    fn args(list: &[&str]) -> Result<Vec<ContextArg>, String> {
        list.iter().map(|s| parse_context_arg(s)).collect()
    }

    #[test]
    fn context_args() -> Result<(), String> {
        let a = parse_context_arg("aws:SourceIp:ip=10.0.0.1")?;
        assert_eq!(a.key, "aws:SourceIp");
        assert_eq!(a.kind, Some(ContextKeyType::Ip));
        let a = parse_context_arg("ec2:ResourceTag/aws:cloudformation:stack-name=x=y")?;
        assert_eq!(a.key, "ec2:ResourceTag/aws:cloudformation:stack-name");
        assert_eq!(a.kind, None);
        assert_eq!(a.value, "x=y");
        assert!(parse_context_arg("aws:SourceIp").is_err());
        assert!(parse_context_arg("=x").is_err());
        assert!(parse_context_arg("SourceIp=x").is_err());
        // `aws:date` has no service prefix left once `:date` is taken off: it is the key.
        assert_eq!(parse_context_arg("aws:date=1")?.key, "aws:date");
        Ok(())
    }

    #[test]
    fn repeated_keys_make_lists() -> Result<(), String> {
        let e = context_entries(&args(&[
            "aws:TagKeys=a",
            "AWS:tagkeys=b",
            "aws:SourceIp:ip=1.2.3.4",
        ])?)
        .map_err(|e| e.to_string())?;
        assert_eq!(e.len(), 2);
        assert_eq!(
            e.first().map(|e| e.context_key_values.clone()),
            Some(vec!["a".into(), "b".into()])
        );
        let types: Vec<Option<&str>> = e.iter().map(|e| e.context_key_type.as_deref()).collect();
        assert_eq!(types, [Some("stringList"), Some("ip")]);

        let e = context_entries(&args(&["aws:SourceIp:ip=1.2.3.4", "aws:SourceIp=5.6.7.8"])?)
            .map_err(|e| e.to_string())?;
        let types: Vec<Option<&str>> = e.iter().map(|e| e.context_key_type.as_deref()).collect();
        assert_eq!(types, [Some("ipList")]);

        let conflicting = args(&["aws:SourceIp:ip=1.2.3.4", "aws:SourceIp:string=x"])?;
        assert!(context_entries(&conflicting).is_err());
        Ok(())
    }
}
