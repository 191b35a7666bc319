//! The request context: condition keys and their values.
//!
//! Condition key names are case-insensitive (`reference_policies_elements_condition.html`), so
//! keys are stored lower-cased; the name as given is kept for reports. A key is multivalued when
//! it was given as a list type or as several values
//! (`reference_policies_condition-single-vs-multi-valued-context-keys.html`).

use std::fmt;

/// The value types of AWS's `ContextEntry.ContextKeyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContextKeyType {
    /// `string`
    #[default]
    String,
    /// `stringList`
    StringList,
    /// `numeric`
    Numeric,
    /// `numericList`
    NumericList,
    /// `boolean`
    Boolean,
    /// `booleanList`
    BooleanList,
    /// `ip`
    Ip,
    /// `ipList`
    IpList,
    /// `binary`
    Binary,
    /// `binaryList`
    BinaryList,
    /// `date`
    Date,
    /// `dateList`
    DateList,
}

impl ContextKeyType {
    /// Reads AWS's spelling (`stringList`, ...), case-insensitively.
    pub fn from_name(name: &str) -> Option<ContextKeyType> {
        use ContextKeyType::*;
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => String,
            "stringlist" => StringList,
            "numeric" => Numeric,
            "numericlist" => NumericList,
            "boolean" => Boolean,
            "booleanlist" => BooleanList,
            "ip" => Ip,
            "iplist" => IpList,
            "binary" => Binary,
            "binarylist" => BinaryList,
            "date" => Date,
            "datelist" => DateList,
            _ => return None,
        })
    }

    /// AWS's spelling.
    pub fn name(self) -> &'static str {
        use ContextKeyType::*;
        match self {
            String => "string",
            StringList => "stringList",
            Numeric => "numeric",
            NumericList => "numericList",
            Boolean => "boolean",
            BooleanList => "booleanList",
            Ip => "ip",
            IpList => "ipList",
            Binary => "binary",
            BinaryList => "binaryList",
            Date => "date",
            DateList => "dateList",
        }
    }

    /// Whether this is one of the `...List` types.
    pub fn is_list(self) -> bool {
        use ContextKeyType::*;
        matches!(
            self,
            StringList | NumericList | BooleanList | IpList | BinaryList | DateList
        )
    }
}

impl fmt::Display for ContextKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value(s) of one context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextValue {
    values: Vec<String>,
    multi: bool,
    kind: ContextKeyType,
}

impl ContextValue {
    /// One string value.
    pub fn string(value: impl Into<String>) -> ContextValue {
        ContextValue {
            values: vec![value.into()],
            multi: false,
            kind: ContextKeyType::String,
        }
    }

    /// Several string values: a multivalued key.
    pub fn strings<I, S>(values: I) -> ContextValue
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ContextValue {
            values: values.into_iter().map(Into::into).collect(),
            multi: true,
            kind: ContextKeyType::StringList,
        }
    }

    /// Values of a declared type; a list type (or more than one value) makes the key multivalued.
    pub fn typed(kind: ContextKeyType, values: Vec<String>) -> ContextValue {
        ContextValue {
            multi: kind.is_list() || values.len() > 1,
            values,
            kind,
        }
    }

    /// The values as text.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether the key is multivalued.
    pub fn is_multi(&self) -> bool {
        self.multi
    }

    /// The declared type.
    pub fn kind(&self) -> ContextKeyType {
        self.kind
    }
}

/// A request's context keys. Small: a vector scanned with lower-cased keys beats a hash map for
/// the handful of keys a request carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    name: String,
    value: ContextValue,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a key, replacing any value it had (the key is matched case-insensitively).
    pub fn insert(&mut self, name: impl Into<String>, value: ContextValue) {
        let name = name.into();
        let key = name.to_ascii_lowercase();
        if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
            e.value = value;
            e.name = name;
        } else {
            self.entries.push(Entry { key, name, value });
        }
    }

    /// Sets a key only when it is not set yet.
    pub fn insert_default(&mut self, name: &str, value: ContextValue) {
        if self.get(&name.to_ascii_lowercase()).is_none() {
            self.insert(name, value);
        }
    }

    /// Looks up a key that is already lower-cased.
    pub fn get(&self, lower_key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|e| e.key == lower_key)
            .map(|e| &e.value)
    }

    /// Looks up a key in any case.
    pub fn lookup(&self, key: &str) -> Option<&ContextValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.get(&key.to_ascii_lowercase())
        } else {
            self.get(key)
        }
    }

    /// The keys as given and their values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|e| (e.name.as_str(), &e.value))
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let mut c = Context::new();
        c.insert("aws:SourceIp", ContextValue::string("10.0.0.1"));
        assert!(c.lookup("AWS:SOURCEIP").is_some());
        assert!(c.get("aws:sourceip").is_some());
        c.insert("AWS:sourceip", ContextValue::string("10.0.0.2"));
        assert_eq!(c.iter().count(), 1);
        assert_eq!(c.get("aws:sourceip").unwrap().values(), ["10.0.0.2"]);
    }

    #[test]
    fn list_types_are_multivalued() {
        let v = ContextValue::typed(ContextKeyType::StringList, vec!["a".into()]);
        assert!(v.is_multi());
        assert!(!ContextValue::typed(ContextKeyType::String, vec!["a".into()]).is_multi());
        assert_eq!(
            ContextKeyType::from_name("stringList"),
            Some(ContextKeyType::StringList)
        );
    }
}
