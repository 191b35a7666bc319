//! An independent SigV4 signature for the fuzz targets: HMAC-SHA256 down the credential scope,
//! as AWS documents it (create-signed-request.html), over the verifier's StringToSign.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use warden_server::sigv4::{self, ParsedAuth};

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The hex SHA-256 of `data`.
#[allow(dead_code, reason = "sigv4_header uses it; sigv4_presigned shares the module")]
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The signature of `canonical_request` under `secret` and the parsed credential scope.
pub fn sign(secret: &str, parsed: &ParsedAuth, canonical_request: &str) -> String {
    let c = &parsed.credential;
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), c.date.as_bytes());
    for part in [c.region.as_str(), c.service.as_str(), "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let string_to_sign = sigv4::string_to_sign(parsed, canonical_request);
    hex::encode(hmac(&key, string_to_sign.as_bytes()))
}
