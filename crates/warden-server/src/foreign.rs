//! Calls for services Warden does not serve (`aws ecs list-clusters --endpoint-url ...`): a
//! clear error naming the services it does serve, instead of the query protocol's
//! `MissingAction`, in the protocol the client reads (JSON for the JSON protocols).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::protocol::{AwsError, IAM_NS, error_response};

/// The error code of a call to another service.
pub const UNSUPPORTED_SERVICE: &str = "UnsupportedService";

/// The error for a request meant for another AWS service, or `None` for an IAM or STS one (or
/// one that does not say). The signature's credential scope names the service; the JSON
/// protocols' `X-Amz-Target` header names the operation (IAM and STS use neither protocol).
pub fn foreign_call(headers: &HeaderMap, query: &str) -> Option<AwsError> {
    let target = header_str(headers, "x-amz-target");
    let service = scope_service(headers, query);
    let foreign_scope = service
        .as_deref()
        .is_some_and(|s| !matches!(s, "iam" | "sts"));
    if target.is_none() && !foreign_scope {
        return None;
    }
    let what = match (&service, target) {
        (Some(s), Some(t)) => format!("`{s}` ({})", short(t)),
        (Some(s), None) => format!("`{s}`"),
        (None, Some(t)) => format!("`{}`", short(t)),
        (None, None) => return None,
    };
    Some(AwsError::new(
        UNSUPPORTED_SERVICE,
        format!(
            "Warden serves IAM and STS only (aws iam ..., aws sts ...); this request is for \
             {what}: send it to that service, not to Warden's endpoint"
        ),
        400,
    ))
}

/// The answer to a foreign call: JSON for a JSON-protocol client, else the query protocol's XML.
pub fn answer(headers: &HeaderMap, error: &AwsError, request_id: &str) -> Response {
    let wants_json = header_str(headers, "x-amz-target").is_some()
        || [header::CONTENT_TYPE, header::ACCEPT].iter().any(|h| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"))
        });
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let request_id_header = header::HeaderName::from_static("x-amzn-requestid");
    if wants_json {
        let body = serde_json::json!({ "__type": error.code, "message": error.message });
        return (
            status,
            [
                (header::CONTENT_TYPE, "application/x-amz-json-1.1"),
                (request_id_header, request_id),
            ],
            body.to_string(),
        )
            .into_response();
    }
    (
        status,
        [
            (header::CONTENT_TYPE, "text/xml"),
            (request_id_header, request_id),
        ],
        error_response(IAM_NS, error, request_id),
    )
        .into_response()
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// The service of the SigV4 credential scope (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`
/// in the `Authorization` header, or the presigned `X-Amz-Credential`), lower-cased.
fn scope_service(headers: &HeaderMap, query: &str) -> Option<String> {
    let credential = header_str(headers, "authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .map(|rest| {
            rest.split([',', ' '])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .or_else(|| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "X-Amz-Credential")
                .map(|(_, v)| v.into_owned())
        })?;
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [.., service, "aws4_request"] if !service.is_empty() => Some(
            service
                .chars()
                .take(64)
                .collect::<String>()
                .to_ascii_lowercase(),
        ),
        _ => None,
    }
}

/// A header value cut to a readable length.
fn short(value: &str) -> String {
    value.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn calls_for_other_services_are_named() {
        let ecs = headers(&[
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/eu-west-1/ecs/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
            (
                "x-amz-target",
                "AmazonEC2ContainerServiceV20141113.ListClusters",
            ),
        ]);
        let e = foreign_call(&ecs, "")
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            e.contains("Warden serves IAM and STS only")
                && e.contains("`ecs` (AmazonEC2ContainerServiceV20141113.ListClusters)"),
            "{e}"
        );
        let s3 = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=00",
        )]);
        assert!(foreign_call(&s3, "").is_some());
        let iam = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/iam/aws4_request, \
             SignedHeaders=host, Signature=00",
        )]);
        assert!(foreign_call(&iam, "").is_none());
        assert!(foreign_call(&HeaderMap::new(), "Action=ListRoles").is_none());
        let presigned = "X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fsqs%2Faws4_request";
        assert!(foreign_call(&HeaderMap::new(), presigned).is_some());
    }
}
