//! Warden's endpoint: IAM and STS over AWS's query protocol, so awscli, boto3 and the AWS SDKs
//! work unmodified. Requests are authenticated with SigV4 and every call is authorized by
//! Warden's own engine against the caller's policies.

pub mod bootstrap;
pub mod iam;
pub mod listener;
pub mod protocol;
pub mod server;
pub mod sigv4;
pub mod sts;

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
