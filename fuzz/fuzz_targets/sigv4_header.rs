//! Any `Authorization` header, request time, payload hash, query and body: parsing and
//! verifying never panic, and whatever parses verifies once signed with the canonical request
//! the verifier publishes (an independent HMAC here), at any clock within the skew.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::{Duration, OffsetDateTime};
use warden_server::sigv4::{self, AuthLocation, SignedRequest, VerifyOptions};

mod signing;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Lines: the Authorization header, X-Amz-Date, x-amz-content-sha256 (empty: none), the
    // query string, then the body.
    let mut lines = text.splitn(5, '\n');
    let authorization = lines.next().unwrap_or_default();
    let date = lines.next().unwrap_or_default();
    let content_sha = lines.next().unwrap_or_default();
    let query = lines.next().unwrap_or_default();
    let body = lines.next().unwrap_or_default();

    let mut headers = vec![
        ("Host".to_string(), "iam.amazonaws.com".to_string()),
        ("Authorization".to_string(), authorization.to_string()),
        ("X-Amz-Date".to_string(), date.to_string()),
    ];
    if !content_sha.is_empty() {
        headers.push(("x-amz-content-sha256".to_string(), content_sha.to_string()));
    }
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let Ok(parsed) = sigv4::parse(&req) else {
        return;
    };
    if sigv4::is_presigned(query) {
        panic!("a presigned query parsed as a header signature");
    }
    assert_eq!(parsed.location, AuthLocation::Header);
    assert_eq!(parsed.expires, None);

    let options = VerifyOptions {
        allowed_services: None,
        ..VerifyOptions::default()
    };
    // A server clock far from the request time refuses it; it never panics.
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let _ = sigv4::verify_with(&req, &parsed, "secret", now, &options);

    // A payload-hash header that is present must name the body's SHA-256 once trimmed (a
    // whitespace-only value names nothing and is refused), or the request is not correctly
    // signed whatever its signature.
    let body_hash = signing::sha256_hex(body.as_bytes());
    if !content_sha.is_empty() && !content_sha.trim().eq_ignore_ascii_case(&body_hash) {
        return;
    }
    let mut signed = parsed.clone();
    signed.signature = signing::sign("secret", &parsed, &sigv4::canonical_request(&req, &parsed));
    for skew in [Duration::ZERO, Duration::minutes(14), Duration::minutes(-14)] {
        let Some(now) = parsed.timestamp.checked_add(skew) else {
            continue;
        };
        if let Err(e) = sigv4::verify_with(&req, &signed, "secret", now, &options) {
            panic!("a correctly signed request was refused: {e:?}");
        }
    }
});
