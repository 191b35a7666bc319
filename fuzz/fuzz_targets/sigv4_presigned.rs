//! Any presigned query string and body: parsing and verifying never panic (whatever the
//! request time and expiry), and a presigned URL without a body verifies once signed with the
//! canonical request the verifier publishes, until it expires and not after.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::{Duration, OffsetDateTime};
use warden_server::sigv4::{self, AuthError, AuthLocation, SignedRequest, VerifyOptions};

mod signing;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The query string, a newline, then the body.
    let (query, body) = text.split_once('\n').unwrap_or((text, ""));
    let headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
    let req = SignedRequest {
        method: "GET",
        path: "/",
        query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let Ok(parsed) = sigv4::parse(&req) else {
        return;
    };
    assert_eq!(parsed.location, AuthLocation::Query);
    assert!(sigv4::is_presigned(query));
    let expires = parsed.expires.unwrap_or_default();
    assert!(expires <= sigv4::MAX_PRESIGNED_EXPIRES);

    let options = VerifyOptions {
        allowed_services: None,
        ..VerifyOptions::default()
    };
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let _ = sigv4::verify_with(&req, &parsed, "secret", now, &options);

    if !body.is_empty() || query.contains("X-Amz-Content-Sha256") {
        return;
    }
    let mut signed = parsed.clone();
    signed.signature = signing::sign("secret", &parsed, &sigv4::canonical_request(&req, &parsed));
    let Some(last) = parsed.timestamp.checked_add(Duration::seconds(i64::from(expires))) else {
        return;
    };
    if let Err(e) = sigv4::verify_with(&req, &signed, "secret", last, &options) {
        panic!("a correctly presigned request was refused before it expired: {e:?}");
    }
    if let Some(after) = last.checked_add(Duration::seconds(1)) {
        assert_eq!(
            sigv4::verify_with(&req, &signed, "secret", after, &options),
            Err(AuthError::PresignedExpired)
        );
    }
});
