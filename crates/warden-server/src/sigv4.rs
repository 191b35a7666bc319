//! AWS Signature Version 4 verification, server side: pure and synchronous, no I/O.
//!
//! Verification runs in two steps so that the caller can look the access key up in between:
//!
//! 1. [`parse`] reads the `Authorization` header (or the presigned `X-Amz-*` query parameters)
//!    and checks its structure. It needs no secret.
//! 2. [`verify`] (or [`verify_with`] for other services or another clock skew) checks the
//!    credential scope and the request time against the server's clock, rebuilds the canonical
//!    request, derives the signing key from the secret and compares the signatures in constant
//!    time.
//!
//! The canonical request follows AWS's rules for every service but S3: the path is normalized
//! (dot segments and repeated slashes removed) and each byte of the path as received is
//! URI-encoded again (so `%20` becomes `%2520`); query parameters are decoded (`+` as a space),
//! re-encoded with AWS's unreserved set and sorted; header values are trimmed with inner
//! whitespace runs collapsed to one space, repeated headers joined with `,`.
//!
//! No function here ever takes a secret into an error, and [`Credential`]'s `Debug` hides the
//! session token.

use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash a signer uses when it does not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The services whose credential scope [`verify`] accepts.
pub const DEFAULT_SERVICES: &[&str] = &["iam", "sts"];

/// How far the request time may be from the server's clock, in either direction.
pub const MAX_SKEW: Duration = Duration::minutes(15);

/// The longest `X-Amz-Expires` a presigned request may have: seven days, in seconds.
pub const MAX_PRESIGNED_EXPIRES: u32 = 604_800;

/// The `X-Amz-Date` format: ISO 8601 basic, always UTC.
const AMZ_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The `Date` header format (RFC 1123, in GMT).
const HTTP_DATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// AWS's unreserved characters (`A-Z a-z 0-9 - _ . ~`) are left alone; every other byte is
/// percent-encoded with upper-case hex.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`QUERY_ENCODE`], keeping the path's `/` separators.
const PATH_ENCODE: &AsciiSet = &QUERY_ENCODE.remove(b'/');

/// The SHA-256 of an empty body, hex-encoded.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An HTTP request as the server received it, with nothing decoded.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The path as received (still percent-encoded), without the query string.
    pub path: &'a str,
    /// The raw query string without the `?`; may be empty.
    pub query: &'a str,
    /// Every header as received, names in any case, repeated names kept in order.
    pub headers: &'a [(String, String)],
    /// The raw body, before any form decoding.
    pub body: &'a [u8],
}

impl SignedRequest<'_> {
    /// The values of every header named `name` (case-insensitive), in the order received.
    fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first header named `name`, if any.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Who signed a request and for what: the credential scope, plus the session token if one was
/// sent. The caller checks the token against live sessions.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The access key id, e.g. `AKIA...` or `ASIA...`.
    pub access_key_id: String,
    /// The scope's date, `YYYYMMDD`.
    pub date: String,
    /// The scope's region, e.g. `us-east-1`; any region is accepted.
    pub region: String,
    /// The scope's service, e.g. `iam` or `sts`.
    pub service: String,
    /// The `X-Amz-Security-Token` header (or presigned query parameter), if any.
    pub session_token: Option<String>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Credential {
    /// The credential scope: `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Where the signature was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthLocation {
    /// The `Authorization` header.
    Header,
    /// Presigned `X-Amz-*` query parameters.
    Query,
}

/// The result of [`parse`]: everything about the signature that needs no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    /// Header or presigned query string.
    pub location: AuthLocation,
    /// The credential scope and session token; `access_key_id` names the secret to verify with.
    pub credential: Credential,
    /// The signed header names, as listed (lower case for every conforming signer).
    pub signed_headers: Vec<String>,
    /// The signature as sent (hex).
    pub signature: String,
    /// The request time in ISO 8601 basic format (`YYYYMMDDTHHMMSSZ`), as it enters the
    /// StringToSign. From `X-Amz-Date`, or converted from an RFC 1123 `Date` header.
    pub amz_date: String,
    /// The request time, parsed.
    pub timestamp: OffsetDateTime,
    /// Presigned requests: `X-Amz-Expires`, in seconds.
    pub expires: Option<u32>,
}

/// What [`verify_with`] accepts.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The services a credential scope may name; `None` accepts any (used for AWS's own test
    /// suite, whose service is `service`).
    pub allowed_services: Option<&'a [&'a str]>,
    /// How far the request time may be from the server's clock, either way.
    pub max_skew: Duration,
}

impl Default for VerifyOptions<'_> {
    fn default() -> Self {
        VerifyOptions {
            allowed_services: Some(DEFAULT_SERVICES),
            max_skew: MAX_SKEW,
        }
    }
}

/// Why a request was not authenticated. Each has AWS's error code ([`AuthError::code`]) and
/// message ([`AuthError::message`]); all are HTTP 403, error type `Sender`.
///
/// No variant ever holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Neither an `Authorization` header nor presigned query parameters.
    MissingAuthenticationToken,
    /// The signature information is malformed or incomplete; the message says what is wrong.
    IncompleteSignature(String),
    /// The access key id is unknown (for the caller, which looks keys up).
    InvalidClientTokenId,
    /// The session token has expired (for the caller, which checks sessions).
    ExpiredToken,
    /// The signature does not match the one computed with the secret.
    SignatureDoesNotMatch,
    /// The credential scope is wrong for this request (service, or date against the request
    /// time); code `SignatureDoesNotMatch`, with AWS's explanation.
    InvalidScope(String),
    /// The request time is more than the allowed skew from the server's clock; code
    /// `SignatureDoesNotMatch`, message `Signature expired: ...` or `Signature not yet
    /// current: ...`.
    RequestExpired(String),
    /// A presigned request used after `X-Amz-Date + X-Amz-Expires`; code `AccessDenied`.
    PresignedExpired,
}

impl AuthError {
    /// AWS's error code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken => "MissingAuthenticationToken",
            AuthError::IncompleteSignature(_) => "IncompleteSignature",
            AuthError::InvalidClientTokenId => "InvalidClientTokenId",
            AuthError::ExpiredToken => "ExpiredToken",
            AuthError::SignatureDoesNotMatch
            | AuthError::InvalidScope(_)
            | AuthError::RequestExpired(_) => "SignatureDoesNotMatch",
            AuthError::PresignedExpired => "AccessDenied",
        }
    }

    /// AWS's error message.
    pub fn message(&self) -> String {
        match self {
            AuthError::MissingAuthenticationToken => {
                "Request is missing Authentication Token".to_string()
            }
            AuthError::IncompleteSignature(m)
            | AuthError::InvalidScope(m)
            | AuthError::RequestExpired(m) => m.clone(),
            AuthError::InvalidClientTokenId => {
                "The security token included in the request is invalid.".to_string()
            }
            AuthError::ExpiredToken => {
                "The security token included in the request is expired".to_string()
            }
            AuthError::SignatureDoesNotMatch => "The request signature we calculated does not \
                match the signature you provided. Check your AWS Secret Access Key and signing \
                method. Consult the service documentation for details."
                .to_string(),
            // S3's wording for an expired presigned URL.
            AuthError::PresignedExpired => "Request has expired".to_string(),
        }
    }

    /// The HTTP status: 403 for every authentication error.
    pub fn http_status(&self) -> u16 {
        403
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for AuthError {}

fn incomplete(message: impl Into<String>) -> AuthError {
    AuthError::IncompleteSignature(message.into())
}

/// Step 1: read the `Authorization` header or the presigned `X-Amz-*` query parameters and
/// check their structure (algorithm, credential scope form, `host` signed, scope date equal to
/// the request day). Needs no secret and no clock.
pub fn parse(req: &SignedRequest<'_>) -> Result<ParsedAuth, AuthError> {
    let authorizations: Vec<&str> = req.header_values("authorization").collect();
    let query = decode_query(req.query);
    let presigned = query.iter().any(|(name, _)| {
        matches!(
            name.as_slice(),
            b"X-Amz-Algorithm" | b"X-Amz-Credential" | b"X-Amz-Signature" | b"X-Amz-SignedHeaders"
        )
    });
    match (authorizations.as_slice(), presigned) {
        ([], false) => Err(AuthError::MissingAuthenticationToken),
        ([_, ..], true) => Err(incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the \
             Authorization header should be specified",
        )),
        ([], true) => parse_query(&query),
        ([authorization], false) => parse_header(req, authorization),
        ([_, _, ..], false) => Err(incomplete(
            "Only one Authorization header is allowed in a request",
        )),
    }
}

/// Whether a query string carries presigned (`X-Amz-*`) authentication parameters: such a
/// request's parameters come from its signed query string only.
pub fn is_presigned(query: &str) -> bool {
    decode_query(query).iter().any(|(name, _)| {
        matches!(
            name.as_slice(),
            b"X-Amz-Algorithm" | b"X-Amz-Credential" | b"X-Amz-Signature" | b"X-Amz-SignedHeaders"
        )
    })
}

fn parse_header(req: &SignedRequest<'_>, authorization: &str) -> Result<ParsedAuth, AuthError> {
    let authorization = authorization.trim();
    let (algorithm, rest) = authorization
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((authorization, ""));
    if algorithm != ALGORITHM {
        // AWS's wording for an unknown scheme is not known; this names the one accepted.
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'; only '{ALGORITHM}' is supported. \
             Authorization={authorization}"
        )));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((key, value)) = part.split_once('=') else {
            return Err(incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization \
                 header: '{authorization}'."
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            // Unknown keys are ignored, as a lenient server would.
            _ => continue,
        };
        if slot.is_some() {
            return Err(incomplete(format!(
                "Authorization header has a duplicate '{}' parameter. Authorization={authorization}",
                key.trim()
            )));
        }
        *slot = Some(value.trim());
    }

    let amz_date = req.header("x-amz-date").map(str::trim);
    let http_date = req.header("date").map(str::trim);

    let mut missing = String::new();
    if credential.is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if signature.is_none() {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if signed_headers.is_none() {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if amz_date.is_none() && http_date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    let (Some(credential), Some(signature), Some(signed_headers)) =
        (credential, signature, signed_headers)
    else {
        return Err(incomplete(format!(
            "{missing}Authorization={authorization}"
        )));
    };
    let (amz_date, timestamp) = match (amz_date, http_date) {
        (Some(amz), _) => (amz.to_string(), parse_amz_date(amz)?),
        (None, Some(http)) => {
            let timestamp = PrimitiveDateTime::parse(http, HTTP_DATE)
                .map_err(|_| {
                    incomplete(format!(
                        "Date must be in RFC 1123 format (e.g. 'Sun, 30 Aug 2015 12:36:00 GMT'). \
                         Got '{http}'."
                    ))
                })?
                .assume_utc();
            (format_amz_date(timestamp), timestamp)
        }
        (None, None) => {
            return Err(incomplete(format!(
                "{missing}Authorization={authorization}"
            )));
        }
    };

    let session_token = req
        .header("x-amz-security-token")
        .map(|t| t.trim().to_string());
    finish(
        AuthLocation::Header,
        credential,
        signed_headers,
        signature,
        amz_date,
        timestamp,
        None,
        session_token,
    )
}

fn parse_query(query: &[(Vec<u8>, Vec<u8>)]) -> Result<ParsedAuth, AuthError> {
    let mut duplicate = None;
    let get = |name: &str, duplicate: &mut Option<String>| -> Option<String> {
        let mut values = query
            .iter()
            .filter(|(n, _)| n.as_slice() == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
        let first = values.next();
        if values.next().is_some() {
            *duplicate = Some(name.to_string());
        }
        first
    };
    let algorithm = get("X-Amz-Algorithm", &mut duplicate);
    let credential = get("X-Amz-Credential", &mut duplicate);
    let signature = get("X-Amz-Signature", &mut duplicate);
    let amz_date = get("X-Amz-Date", &mut duplicate);
    let signed_headers = get("X-Amz-SignedHeaders", &mut duplicate);
    let expires = get("X-Amz-Expires", &mut duplicate);
    let session_token = get("X-Amz-Security-Token", &mut duplicate);
    if let Some(name) = duplicate {
        return Err(incomplete(format!(
            "The query parameter {name} may appear only once"
        )));
    }
    let (
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(amz_date),
        Some(signed_headers),
        Some(expires),
    ) = (
        algorithm,
        credential,
        signature,
        amz_date,
        signed_headers,
        expires,
    )
    else {
        // S3's wording.
        return Err(incomplete(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
             X-Amz-Expires parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\", not \"{algorithm}\""
        )));
    }
    let expires_secs = match expires.trim().parse::<u32>() {
        Ok(secs) if (1..=MAX_PRESIGNED_EXPIRES).contains(&secs) => secs,
        _ => {
            return Err(incomplete(format!(
                "X-Amz-Expires must be a whole number of seconds from 1 to \
                 {MAX_PRESIGNED_EXPIRES} (a week), not '{expires}'"
            )));
        }
    };
    let timestamp = parse_amz_date(&amz_date)?;
    finish(
        AuthLocation::Query,
        &credential,
        &signed_headers,
        &signature,
        amz_date,
        timestamp,
        Some(expires_secs),
        session_token,
    )
}

/// The checks shared by both locations: credential form, signed headers, scope date.
#[allow(clippy::too_many_arguments)]
fn finish(
    location: AuthLocation,
    credential: &str,
    signed_headers: &str,
    signature: &str,
    amz_date: String,
    timestamp: OffsetDateTime,
    expires: Option<u32>,
    session_token: Option<String>,
) -> Result<ParsedAuth, AuthError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(incomplete(format!(
            "Credential should have 5 slash-separated parts \
             (AccessKeyId/YYYYMMDD/region/service/aws4_request), not {}: '{credential}'.",
            parts.len()
        )));
    };
    if access_key_id.is_empty() {
        return Err(incomplete("Credential must name an access key id."));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete(
            "Invalid credential date. Date is not the required format: yyyyMMdd.",
        ));
    }
    if region.is_empty() {
        return Err(incomplete(
            "Credential should be scoped to a valid region. ",
        ));
    }
    if service.is_empty() {
        return Err(incomplete(
            "Credential should be scoped to a valid service. ",
        ));
    }
    if *terminator != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{terminator}'. "
        )));
    }
    let signed: Vec<String> = signed_headers.split(';').map(str::to_string).collect();
    if !signed
        .iter()
        .any(|h| h.eq_ignore_ascii_case("host") || h == ":authority")
    {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if amz_date.get(..8) != Some(*date) {
        return Err(AuthError::InvalidScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
             HTTP: '{date}' != '{}', from '{amz_date}'.",
            amz_date.get(..8).unwrap_or(&amz_date)
        )));
    }
    Ok(ParsedAuth {
        location,
        credential: Credential {
            access_key_id: access_key_id.to_string(),
            date: date.to_string(),
            region: region.to_string(),
            service: service.to_string(),
            session_token,
        },
        signed_headers: signed,
        signature: signature.trim().to_string(),
        amz_date,
        timestamp,
        expires,
    })
}

fn parse_amz_date(value: &str) -> Result<OffsetDateTime, AuthError> {
    PrimitiveDateTime::parse(value, AMZ_DATE)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| {
            incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See \
                 http://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html"
            ))
        })
}

fn format_amz_date(t: OffsetDateTime) -> String {
    // Formatting a UTC date with a fixed numeric format cannot fail for years 0..=9999.
    t.to_offset(UtcOffset::UTC)
        .format(AMZ_DATE)
        .unwrap_or_default()
}

/// Step 2 with the defaults: services `iam` and `sts`, 15 minutes of skew. `secret` is the
/// secret access key of `parsed.credential.access_key_id`; `now` is the server's time.
pub fn verify(
    req: &SignedRequest<'_>,
    parsed: &ParsedAuth,
    secret: &str,
    now: OffsetDateTime,
) -> Result<Credential, AuthError> {
    verify_with(req, parsed, secret, now, &VerifyOptions::default())
}

/// Step 2: [`check_scope_and_time`], then the payload hash, then the signature (in constant
/// time). Returns the credential on success.
pub fn verify_with(
    req: &SignedRequest<'_>,
    parsed: &ParsedAuth,
    secret: &str,
    now: OffsetDateTime,
    options: &VerifyOptions<'_>,
) -> Result<Credential, AuthError> {
    check_scope_and_time(parsed, now, options)?;

    let body_hash = hex::encode(Sha256::digest(req.body));
    let declared = req
        .header("x-amz-content-sha256")
        .map(|v| v.trim().to_string())
        .or_else(|| {
            (parsed.location == AuthLocation::Query)
                .then(|| query_param(req.query, "X-Amz-Content-Sha256"))
                .flatten()
        });
    // The payload hash is always the SHA-256 of the body as received: IAM and STS take their
    // parameters from the body, so a body left unsigned could be swapped for another call.
    let candidates: Vec<String> = match declared {
        Some(declared) if declared == UNSIGNED_PAYLOAD => {
            return Err(incomplete(
                "IAM and STS requests must sign their payload: x-amz-content-sha256 \
                 'UNSIGNED-PAYLOAD' is not accepted; sign the SHA-256 of the request body",
            ));
        }
        Some(declared) if !declared.eq_ignore_ascii_case(&body_hash) => {
            return Err(AuthError::SignatureDoesNotMatch);
        }
        Some(declared) => vec![declared],
        // Presigned URLs made by S3-style signers (botocore's among them) sign
        // `UNSIGNED-PAYLOAD` without saying so. That is safe only without a body: the server
        // reads a presigned request's parameters from its signed query string alone, and
        // refuses a body beside them.
        None if parsed.location == AuthLocation::Query && req.body.is_empty() => {
            vec![body_hash, UNSIGNED_PAYLOAD.to_string()]
        }
        None => vec![body_hash],
    };

    let provided = match hex::decode(&parsed.signature) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => return Err(AuthError::SignatureDoesNotMatch),
    };
    let key = signing_key(
        secret,
        &parsed.credential.date,
        &parsed.credential.region,
        &parsed.credential.service,
    );
    let head = canonical_request_head(req, parsed);
    let mut matched = subtle::Choice::from(0);
    for payload_hash in &candidates {
        let canonical = format!("{head}{payload_hash}");
        let sts = string_to_sign(parsed, &canonical);
        let expected = hmac(&key, sts.as_bytes());
        matched |= expected.as_slice().ct_eq(&provided);
    }
    if bool::from(matched) {
        Ok(parsed.credential.clone())
    } else {
        Err(AuthError::SignatureDoesNotMatch)
    }
}

/// The checks that need the clock but not the secret: the scope's service is allowed, and the
/// request time is within the skew (header) or the presigned URL has not expired. [`verify`]
/// runs them first; a caller may run them before looking the access key up.
pub fn check_scope_and_time(
    parsed: &ParsedAuth,
    now: OffsetDateTime,
    options: &VerifyOptions<'_>,
) -> Result<(), AuthError> {
    if let Some(allowed) = options.allowed_services
        && !allowed.contains(&parsed.credential.service.as_str())
    {
        let expected = allowed
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(AuthError::InvalidScope(format!(
            "Credential should be scoped to correct service: {expected}. "
        )));
    }
    let now = now.to_offset(UtcOffset::UTC);
    let skew = options.max_skew;
    let minutes = skew.whole_minutes();
    // Differences, not sums: the request time is the caller's, and a date at either end of
    // the calendar plus the skew or the expiry would leave the representable range.
    let ahead = parsed.timestamp - now;
    let shifted = |by: Duration| format_amz_date(now.checked_add(by).unwrap_or(now));
    if ahead > skew {
        return Err(AuthError::RequestExpired(format!(
            "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
            parsed.amz_date,
            shifted(skew),
            format_amz_date(now)
        )));
    }
    match parsed.expires {
        None => {
            if -ahead > skew {
                return Err(AuthError::RequestExpired(format!(
                    "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
                    parsed.amz_date,
                    shifted(-skew),
                    format_amz_date(now)
                )));
            }
        }
        Some(expires) => {
            if -ahead > Duration::seconds(i64::from(expires)) {
                return Err(AuthError::PresignedExpired);
            }
        }
    }
    Ok(())
}

/// The canonical request AWS would compute for `req`, with the payload hash the signer is
/// assumed to have used (the `x-amz-content-sha256` header if present, else the body's
/// SHA-256). For debugging and tests; [`verify`] builds it itself.
pub fn canonical_request(req: &SignedRequest<'_>, parsed: &ParsedAuth) -> String {
    let payload = match req.header("x-amz-content-sha256") {
        Some(v) => v.trim().to_string(),
        None if req.body.is_empty() => EMPTY_SHA256.to_string(),
        None => hex::encode(Sha256::digest(req.body)),
    };
    format!("{}{payload}", canonical_request_head(req, parsed))
}

/// Everything in the canonical request up to (not including) the payload hash.
fn canonical_request_head(req: &SignedRequest<'_>, parsed: &ParsedAuth) -> String {
    let mut out = String::new();
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.path));
    out.push('\n');
    out.push_str(&canonical_query(
        req.query,
        parsed.location == AuthLocation::Query,
    ));
    out.push('\n');
    for name in &parsed.signed_headers {
        let lower = name.to_ascii_lowercase();
        let values: Vec<String> = req.header_values(&lower).map(trim_all).collect();
        out.push_str(&lower);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&parsed.signed_headers.join(";"));
    out.push('\n');
    out
}

/// The StringToSign for a canonical request.
pub fn string_to_sign(parsed: &ParsedAuth, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        parsed.amz_date,
        parsed.credential.scope(),
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// The signing key: HMAC chain of `"AWS4" + secret` over date, region, service, `aws4_request`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The path normalized as botocore does (dot segments and empty segments removed, a trailing
/// slash kept) and each byte URI-encoded, `/` kept. The path as received is already encoded,
/// so `%` is encoded again, as AWS does for every service but S3.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = String::new();
    if path.starts_with('/') {
        normalized.push('/');
    }
    normalized.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    utf8_percent_encode(&normalized, PATH_ENCODE).to_string()
}

/// Splits a raw query string into decoded (name, value) byte pairs; `+` is a space, empty
/// pieces are skipped, a piece without `=` has an empty value.
fn decode_query(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let decode = |s: &str| -> Vec<u8> {
        let plus_as_space = s.replace('+', " ");
        percent_decode(plus_as_space.as_bytes()).collect()
    };
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn query_param(query: &str, name: &str) -> Option<String> {
    decode_query(query)
        .into_iter()
        .find(|(n, _)| n.as_slice() == name.as_bytes())
        .map(|(_, v)| String::from_utf8_lossy(&v).trim().to_string())
}

/// The canonical query string: each name and value re-encoded with AWS's unreserved set,
/// sorted by name then value; `X-Amz-Signature` left out for presigned requests.
fn canonical_query(query: &str, presigned: bool) -> String {
    let encode = |bytes: &[u8]| percent_encoding::percent_encode(bytes, QUERY_ENCODE).to_string();
    let mut pairs: Vec<(String, String)> = decode_query(query)
        .into_iter()
        .filter(|(name, _)| !(presigned && name.as_slice() == b"X-Amz-Signature"))
        .map(|(name, value)| (encode(&name), encode(&value)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Trims a header value and collapses each inner run of whitespace to one space (as botocore's
/// `' '.join(value.split())`).
fn trim_all(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_normalizes_and_double_encodes() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/./example/../a/."), "/a");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(canonical_uri("/\u{1234}"), "/%E1%88%B4");
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        assert_eq!(canonical_query("", false), "");
        assert_eq!(
            canonical_query("b=2&a=x+y&a=%7e&c", false),
            "a=x%20y&a=~&b=2&c="
        );
        assert_eq!(canonical_query("X-Amz-Signature=ab&A=1", true), "A=1");
    }

    #[test]
    fn trim_all_collapses() {
        assert_eq!(trim_all("  a   b\t c  "), "a b c");
    }

    /// A request time at the end of the calendar, with or without an expiry, is refused,
    /// never an arithmetic overflow: the time comes from the caller.
    #[test]
    fn times_at_the_end_of_the_calendar_are_refused_not_overflowed() {
        let headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        for (date, expires) in [
            ("99991231T235959Z", "604800"),
            ("00000101T000000Z", "604800"),
        ] {
            let query = format!(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F{}%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
                &date[..8]
            );
            let req = SignedRequest {
                method: "GET",
                path: "/",
                query: &query,
                headers: &headers,
                body: b"",
            };
            let Ok(parsed) = parse(&req) else { continue };
            for at in [now, parsed.timestamp] {
                assert!(
                    check_scope_and_time(&parsed, at, &VerifyOptions::default()).is_err()
                        || at == parsed.timestamp
                );
                assert!(verify(&req, &parsed, "secret", at).is_err());
            }
        }
        for date in ["99991231T235959Z", "00000101T000000Z"] {
            let headers = vec![
                ("Host".to_string(), "iam.amazonaws.com".to_string()),
                ("X-Amz-Date".to_string(), date.to_string()),
                (
                    "Authorization".to_string(),
                    format!(
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                        &date[..8]
                    ),
                ),
            ];
            let req = SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &headers,
                body: b"",
            };
            let Ok(parsed) = parse(&req) else { continue };
            for at in [now, parsed.timestamp] {
                assert!(verify(&req, &parsed, "secret", at).is_err());
            }
        }
    }
}
