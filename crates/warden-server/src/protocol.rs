//! AWS's query protocol: form-encoded parameters in, XML out, errors as `ErrorResponse`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use warden_store::StoreError;

/// IAM's XML namespace.
pub const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// STS's XML namespace.
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// A request's parameters: the query string's and the form body's (the body wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Decodes the query string and a form-encoded body.
    pub fn parse(query: &str, body: &[u8]) -> Params {
        let mut map = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            map.insert(k.into_owned(), v.into_owned());
        }
        for (k, v) in form_urlencoded::parse(body) {
            map.insert(k.into_owned(), v.into_owned());
        }
        Params(map)
    }

    /// Parameters from pairs (tests, nested structures).
    pub fn from_pairs<I, K, V>(pairs: I) -> Params
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Params(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The value of `key`, required: AWS's ValidationError when it is missing. `member` is the
    /// name AWS's message uses (`roleName` for `RoleName`).
    pub fn required(&self, key: &str) -> Result<&str, AwsError> {
        self.get(key).ok_or_else(|| {
            AwsError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
                 Member must not be null",
                lower_first(key)
            ))
        })
    }

    /// An integer parameter.
    pub fn int(&self, key: &str) -> Result<Option<i64>, AwsError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                AwsError::validation(format!(
                    "1 validation error detected: Value '{v}' at '{}' failed to satisfy \
                     constraint: Member must be a number",
                    lower_first(key)
                ))
            }),
        }
    }

    /// A boolean parameter (`true` / `false`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, AwsError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: \
                 Member must be a boolean",
                lower_first(key)
            ))),
        }
    }

    /// A list of strings: `Key.member.1`, `Key.member.2`, ... in order.
    pub fn list(&self, key: &str) -> Vec<String> {
        let prefix = format!("{key}.member.");
        let mut items: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(&prefix)?.parse::<usize>().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// A list of structures: `Key.member.N.Field` becomes one `Params` per N with `Field`.
    pub fn structs(&self, key: &str) -> Vec<Params> {
        let prefix = format!("{key}.member.");
        let mut items: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let Some((n, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(n) = n.parse::<usize>() else {
                continue;
            };
            items
                .entry(n)
                .or_default()
                .insert(field.to_string(), v.clone());
        }
        items.into_values().map(Params).collect()
    }

    /// Every parameter.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// `RoleName` -> `roleName`, as AWS's validation messages name members.
fn lower_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An error as the query protocol returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// AWS's code, e.g. `NoSuchEntity`.
    pub code: String,
    /// AWS's message.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
}

impl AwsError {
    /// An error with `code`, `message` and HTTP `status`.
    pub fn new(code: &str, message: impl Into<String>, status: u16) -> AwsError {
        AwsError {
            code: code.to_string(),
            message: message.into(),
            status,
        }
    }

    /// `ValidationError` (400).
    pub fn validation(message: impl Into<String>) -> AwsError {
        AwsError::new("ValidationError", message, 400)
    }

    /// `InvalidInput` (400).
    pub fn invalid_input(message: impl Into<String>) -> AwsError {
        AwsError::new("InvalidInput", message, 400)
    }

    /// `AccessDenied` (403).
    pub fn access_denied(message: impl Into<String>) -> AwsError {
        AwsError::new("AccessDenied", message, 403)
    }

    /// `Sender` for client errors, `Receiver` for the server's own.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl From<StoreError> for AwsError {
    fn from(e: StoreError) -> AwsError {
        AwsError::new(e.code.as_str(), e.message, e.code.http_status())
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

/// Escapes text for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A policy document as IAM returns it: URL-encoded JSON (spaces as `%20`, which botocore's
/// `unquote` and the Go SDK's `QueryUnescape`-then-JSON both read back).
pub fn encode_document(document: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(document, KEEP).to_string()
}

/// Builds the XML of a result.
#[derive(Debug, Default, Clone)]
pub struct Xml(String);

impl Xml {
    /// An empty body.
    pub fn new() -> Xml {
        Xml(String::new())
    }

    /// `<tag>escaped text</tag>`.
    pub fn text(&mut self, tag: &str, text: &str) -> &mut Xml {
        let _ = write!(self.0, "<{tag}>{}</{tag}>", escape(text));
        self
    }

    /// `<tag>text</tag>` when there is text.
    pub fn opt(&mut self, tag: &str, text: Option<&str>) -> &mut Xml {
        if let Some(text) = text {
            self.text(tag, text);
        }
        self
    }

    /// `<tag>true|false</tag>`.
    pub fn bool(&mut self, tag: &str, value: bool) -> &mut Xml {
        self.text(tag, if value { "true" } else { "false" })
    }

    /// `<tag>n</tag>`.
    pub fn int(&mut self, tag: &str, value: i64) -> &mut Xml {
        self.text(tag, &value.to_string())
    }

    /// `<tag>` ... `</tag>` around what `inner` writes.
    pub fn node(&mut self, tag: &str, inner: impl FnOnce(&mut Xml)) -> &mut Xml {
        let _ = write!(self.0, "<{tag}>");
        inner(self);
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// `<tag><member>...</member>...</tag>`, or `<tag/>` for an empty list.
    pub fn list<T>(
        &mut self,
        tag: &str,
        items: &[T],
        mut each: impl FnMut(&mut Xml, &T),
    ) -> &mut Xml {
        if items.is_empty() {
            let _ = write!(self.0, "<{tag}/>");
            return self;
        }
        let _ = write!(self.0, "<{tag}>");
        for item in items {
            self.0.push_str("<member>");
            each(self, item);
            self.0.push_str("</member>");
        }
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// Escaped text with no element around it: a member of a list of strings, inside the
    /// `<member>` that [`Xml::list`] writes.
    pub fn member_text(&mut self, text: &str) {
        self.0.push_str(&escape(text));
    }

    /// Pagination: `<IsTruncated>` and, when truncated, `<Marker>`.
    pub fn page(&mut self, marker: Option<&str>) -> &mut Xml {
        self.bool("IsTruncated", marker.is_some());
        self.opt("Marker", marker)
    }

    /// The XML written so far.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A successful response: `<ActionResponse>` with the result (if any) and the request id.
pub fn response(action: &str, namespace: &str, result: Option<&str>, request_id: &str) -> String {
    let mut out = String::with_capacity(256 + result.map_or(0, str::len));
    let _ = write!(out, "<{action}Response xmlns=\"{namespace}\">");
    if let Some(result) = result {
        let _ = write!(out, "<{action}Result>{result}</{action}Result>");
    }
    let _ = write!(
        out,
        "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    );
    out
}

/// An error response: `<ErrorResponse>` with `<Error>` and the request id beside it.
pub fn error_response(namespace: &str, error: &AwsError, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        error.fault(),
        escape(&error.code),
        escape(&error.message)
    )
}

/// Pages a list as IAM does: `MaxItems` (1 to 1000, default 100) from the opaque `Marker`.
/// Returns the page and the next marker.
pub fn paginate<T: Clone>(
    items: &[T],
    params: &Params,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let max = params.int("MaxItems")?.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy \
             constraint: Member must have value {}",
            if max < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 1000"
            }
        )));
    }
    let start = match params.get("Marker") {
        None => 0,
        Some(marker) => marker
            .strip_prefix("warden-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| AwsError::invalid_input(format!("Invalid Marker: {marker}")))?,
    };
    let end = (start + max as usize).min(items.len());
    let next = (end < items.len()).then(|| format!("warden-{end}"));
    Ok((items[start..end].to_vec(), next))
}

/// A new request id, shaped like AWS's (a UUID).
pub fn request_id() -> String {
    warden_store::ids::uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_lists_and_structures() {
        let p = Params::parse(
            "Action=ListRoles",
            b"Action=CreateRole&RoleName=a+b&Tags.member.2.Key=k2&Tags.member.1.Key=k1&Tags.member.1.Value=v1&ActionNames.member.2=s3%3AGet&ActionNames.member.1=ecs%3ARunTask",
        );
        assert_eq!(p.get("Action"), Some("CreateRole"));
        assert_eq!(p.get("RoleName"), Some("a b"));
        assert_eq!(p.list("ActionNames"), ["ecs:RunTask", "s3:Get"]);
        let tags = p.structs("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].get("Value"), Some("v1"));
        assert_eq!(tags[1].get("Key"), Some("k2"));
        let err = p.required("PolicyArn").expect_err("missing");
        assert_eq!(err.code, "ValidationError");
        assert!(err.message.contains("'policyArn'"), "{}", err.message);
    }

    #[test]
    fn xml_and_documents() {
        let mut x = Xml::new();
        x.node("Role", |x| {
            x.text("RoleName", "a<b")
                .list("Tags", &[] as &[u8], |_, _| {});
        });
        assert_eq!(
            x.into_string(),
            "<Role><RoleName>a&lt;b</RoleName><Tags/></Role>"
        );
        assert_eq!(
            encode_document("{\"a\": \"b c\"}"),
            "%7B%22a%22%3A%20%22b%20c%22%7D"
        );
        let r = response("DeleteRole", IAM_NS, None, "id");
        assert!(r.starts_with("<DeleteRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata>"));
        let e = error_response(IAM_NS, &AwsError::new("NoSuchEntity", "x & y", 404), "id");
        assert!(e.contains("<Type>Sender</Type><Code>NoSuchEntity</Code><Message>x &amp; y</Message></Error><RequestId>id</RequestId>"));
    }

    #[test]
    fn pages() {
        let items: Vec<u32> = (0..5).collect();
        let p = Params::from_pairs([("MaxItems", "2")]);
        let (page, next) = paginate(&items, &p).expect("page");
        assert_eq!(page, [0, 1]);
        let p = Params::from_pairs([("MaxItems", "2"), ("Marker", next.as_deref().unwrap_or(""))]);
        assert_eq!(paginate(&items, &p).expect("page").0, [2, 3]);
        let p = Params::from_pairs([("MaxItems", "0")]);
        assert!(paginate(&items, &p).is_err());
        let p = Params::from_pairs([("Marker", "bogus")]);
        assert_eq!(
            paginate(&items, &p).expect_err("marker").code,
            "InvalidInput"
        );
    }
}
