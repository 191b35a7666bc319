//! Warden's endpoint: IAM and STS over AWS's query protocol, so awscli, boto3 and the AWS SDKs
//! work unmodified. Requests are authenticated with SigV4 and every call is authorized by
//! Warden's own engine against the caller's policies.
//!
//! A request runs one way ([`server`]): decode, authenticate ([`authenticate`]), resolve the
//! caller, look the operation up in the table ([`operation`]), build its authorization requests
//! ([`resolve`]), decide them ([`authorize`]), run its handler ([`iam`], [`sts`]), encode.

pub mod access_log;
pub mod authenticate;
pub mod authorize;
pub mod bootstrap;
pub mod foreign;
pub mod iam;
pub mod listener;
pub mod operation;
pub mod protocol;
pub mod resolve;
pub mod server;
pub mod sigv4;
pub mod state;
pub mod sts;

pub use state::{AppState, Session};

/// Who is calling: the principal a request's credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's ARN: a user (`arn:aws:iam::ACCOUNT:user/PATH/NAME`) or a role session
    /// (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    pub arn: String,
    /// The user's name, for a user.
    pub user_name: Option<String>,
    /// The account id.
    pub account: String,
    /// The access key id the request was signed with.
    pub access_key_id: String,
    /// The region the request was signed for (its credential scope).
    pub region: String,
    /// The client's address, when known.
    pub source_ip: Option<String>,
}

/// What an operation acts on, for authorization: the resource ARN and the request's condition
/// keys (e.g. `iam:PolicyARN`, `iam:PermissionsBoundary`, `aws:RequestTag/KEY`, `aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// The resource ARN, or `*` for operations that act on no resource.
    pub resource: String,
    /// Condition keys and their values.
    pub context: Vec<(String, Vec<String>)>,
    /// How an AccessDenied message names the resource, when not by its ARN (ListPolicies:
    /// `policy path /`).
    pub shown: Option<String>,
    /// The role read to name the resource, which the operation may answer with instead of
    /// reading it again (GetRole).
    pub role: Option<warden_store::Role>,
}

/// One authorized call, as its handler sees it.
pub struct Call<'a> {
    /// The account store.
    pub store: &'a warden_store::Store,
    /// The operation.
    pub operation: operation::Operation,
    /// The request's parameters.
    pub params: &'a protocol::Params,
    /// Who is calling.
    pub caller: &'a Caller,
    /// The caller's STS session, for temporary credentials.
    pub session: Option<&'a Session>,
    /// What the operation was authorized on (and what was read to know it).
    pub target: &'a Target,
}

impl Call<'_> {
    /// The account store.
    pub fn store(&self) -> &warden_store::Store {
        self.store
    }
}

/// Adds the request's tags as condition keys: `aws:RequestTag/KEY` for each
/// `Tags.member.N`, and `aws:TagKeys` for their keys and `extra_keys` (the keys an Untag* call
/// names).
pub fn push_request_tags(
    context: &mut Vec<(String, Vec<String>)>,
    params: &protocol::Params,
    extra_keys: Vec<String>,
) {
    let mut keys = Vec::new();
    for tag in params.structs("Tags") {
        if let Some(key) = tag.get("Key") {
            let value = tag.get("Value").unwrap_or_default().to_string();
            context.push((format!("aws:RequestTag/{key}"), vec![value]));
            keys.push(key.to_string());
        }
    }
    keys.extend(extra_keys);
    if !keys.is_empty() {
        context.push(("aws:TagKeys".into(), keys));
    }
}
