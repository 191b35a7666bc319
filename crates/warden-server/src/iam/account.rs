//! The account as a whole: GetAccountSummary and GetAccountAuthorizationDetails.

use warden_store::{EntityKind, Store};

use super::shapes::date;
use crate::Call;
use crate::operation::Reply;
use crate::protocol::{AwsError, Params, Xml, encode_document, paginate};

/// `GetAccountAuthorizationDetails`: the whole account, paged as one sequence.
pub fn authorization_details(c: &Call<'_>) -> Reply {
    let mut x = Xml::new();
    write_authorization_details(c.store(), c.params, &mut x)?;
    Ok(Some(x.into_string()))
}

/// `GetAccountSummary`: entity counts and IAM's quotas.
pub fn summary(c: &Call<'_>) -> Reply {
    let mut x = Xml::new();
    account_summary(c.store(), &mut x)?;
    Ok(Some(x.into_string()))
}

// ---- GetAccountSummary ----

fn account_summary(store: &Store, x: &mut Xml) -> Result<(), AwsError> {
    let users = store.list_users(None)?.len() as i64;
    let groups = store.list_groups(None)?.len() as i64;
    let roles = store.list_roles(None)?.len() as i64;
    let policies = store.list_policies("Local", false, None)?.len() as i64;
    let profiles = store.list_instance_profiles(None)?.len() as i64;
    let in_use = store.list_policies("All", true, None)?.len() as i64;
    let limit = store.attachment_limit();
    let entries: Vec<(&str, i64)> = vec![
        ("Users", users),
        ("UsersQuota", 5000),
        ("Groups", groups),
        ("GroupsQuota", 300),
        ("GroupsPerUserQuota", warden_store::GROUPS_PER_USER),
        ("Roles", roles),
        ("RolesQuota", 1000),
        ("Policies", policies),
        ("PoliciesQuota", 1500),
        ("PolicySizeQuota", 6144),
        ("PolicyVersionsInUse", in_use),
        ("PolicyVersionsInUseQuota", 10000),
        ("VersionsPerPolicyQuota", 5),
        ("InstanceProfiles", profiles),
        ("InstanceProfilesQuota", 1000),
        ("AttachedPoliciesPerUserQuota", limit),
        ("AttachedPoliciesPerGroupQuota", limit),
        ("AttachedPoliciesPerRoleQuota", limit),
        ("UserPolicySizeQuota", 2048),
        ("GroupPolicySizeQuota", 5120),
        ("RolePolicySizeQuota", 10240),
        ("AssumeRolePolicySizeQuota", 2048),
        ("AccessKeysPerUserQuota", warden_store::ACCESS_KEYS_PER_USER),
        ("SigningCertificatesPerUserQuota", 2),
        ("ServerCertificates", 0),
        ("ServerCertificatesQuota", 20),
        ("MFADevices", 0),
        ("MFADevicesInUse", 0),
        ("AccountMFAEnabled", 0),
        ("AccountAccessKeysPresent", 0),
        ("AccountSigningCertificatesPresent", 0),
        ("Providers", 0),
        ("GlobalEndpointTokenVersion", 1),
    ];
    map_xml(x, "SummaryMap", &entries, |v| v.to_string());
    Ok(())
}

/// A map as the query protocol writes it: `<tag><entry><key>K</key><value>V</value></entry>...`.
fn map_xml<V>(x: &mut Xml, tag: &str, entries: &[(&str, V)], value: impl Fn(&V) -> String) {
    x.node(tag, |x| {
        for (k, v) in entries {
            x.node("entry", |x| {
                x.text("key", k).text("value", &value(v));
            });
        }
    });
}

// ---- GetAccountAuthorizationDetails ----

/// Members of the export that hold policy documents (URL-encoded in this operation too).
const DOCUMENT_MEMBERS: &[&str] = &["AssumeRolePolicyDocument", "PolicyDocument", "Document"];

fn write_authorization_details(store: &Store, p: &Params, x: &mut Xml) -> Result<(), AwsError> {
    use serde_json::Value;
    let filters = p.list("Filter");
    let wants = |f: &str| filters.is_empty() || filters.iter().any(|g| g == f);
    let mut export = store.export_authorization_details()?;
    restore_documents(store, &mut export);
    let take = |export: &mut Value, key: &str| -> Vec<Value> {
        match export.get_mut(key).map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        }
    };
    // One sequence, paged as a whole.
    let mut all: Vec<(&'static str, Value)> = Vec::new();
    if wants("User") {
        all.extend(
            take(&mut export, "UserDetailList")
                .into_iter()
                .map(|v| ("UserDetailList", v)),
        );
    }
    if wants("Group") {
        all.extend(
            take(&mut export, "GroupDetailList")
                .into_iter()
                .map(|v| ("GroupDetailList", v)),
        );
    }
    if wants("Role") {
        all.extend(
            take(&mut export, "RoleDetailList")
                .into_iter()
                .map(|v| ("RoleDetailList", v)),
        );
    }
    let local = wants("LocalManagedPolicy");
    let aws = wants("AWSManagedPolicy");
    all.extend(
        take(&mut export, "Policies")
            .into_iter()
            .filter(|v| {
                let is_aws = v
                    .get("Arn")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with("arn:aws:iam::aws:"));
                if is_aws { aws } else { local }
            })
            .map(|v| ("Policies", v)),
    );
    let (page, next) = paginate(&all, p)?;
    for list in [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ] {
        let items: Vec<&Value> = page
            .iter()
            .filter(|(k, _)| *k == list)
            .map(|(_, v)| v)
            .collect();
        x.list(list, &items, |x, v| json_members(x, v));
    }
    x.page(next.as_deref());
    Ok(())
}

/// Puts the stored text of every document back into the export (which holds them parsed), so
/// that they come back byte for byte.
fn restore_documents(store: &Store, export: &mut serde_json::Value) {
    use serde_json::Value;
    let trust: std::collections::HashMap<String, String> = store
        .list_roles(None)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.role_name, r.assume_role_policy_document))
        .collect();
    let fix_roles = |roles: &mut Vec<Value>| {
        for role in roles {
            let name = role
                .get("RoleName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(text) = trust.get(&name)
                && let Some(doc) = role.get_mut("AssumeRolePolicyDocument")
            {
                *doc = Value::String(text.clone());
            }
        }
    };
    for (list, kind, name_key, inline_key) in [
        (
            "UserDetailList",
            EntityKind::User,
            "UserName",
            "UserPolicyList",
        ),
        (
            "GroupDetailList",
            EntityKind::Group,
            "GroupName",
            "GroupPolicyList",
        ),
        (
            "RoleDetailList",
            EntityKind::Role,
            "RoleName",
            "RolePolicyList",
        ),
    ] {
        let Some(Value::Array(entities)) = export.get_mut(list) else {
            continue;
        };
        for entity in entities.iter_mut() {
            let name = entity
                .get(name_key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(Value::Array(inline)) = entity.get_mut(inline_key) {
                for policy in inline.iter_mut() {
                    let policy_name = policy
                        .get("PolicyName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if let Ok(text) = store.get_inline_policy(kind, &name, &policy_name)
                        && let Some(doc) = policy.get_mut("PolicyDocument")
                    {
                        *doc = Value::String(text);
                    }
                }
            }
            if kind == EntityKind::Role {
                if let Some(text) = trust.get(&name)
                    && let Some(doc) = entity.get_mut("AssumeRolePolicyDocument")
                {
                    *doc = Value::String(text.clone());
                }
                if let Some(Value::Array(profiles)) = entity.get_mut("InstanceProfileList") {
                    for profile in profiles.iter_mut() {
                        if let Some(Value::Array(roles)) = profile.get_mut("Roles") {
                            fix_roles(roles);
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Array(policies)) = export.get_mut("Policies") {
        for policy in policies.iter_mut() {
            let arn = policy
                .get("Arn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(Value::Array(versions)) = policy.get_mut("PolicyVersionList") {
                for version in versions.iter_mut() {
                    let id = version
                        .get("VersionId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if let Ok(v) = store.get_policy_version(&arn, &id)
                        && let Some(doc) = version.get_mut("Document")
                    {
                        *doc = Value::String(v.document);
                    }
                }
            }
        }
    }
}

/// Writes a JSON object's members as XML elements: arrays as `<member>` lists, documents
/// URL-encoded, dates with `Z`.
fn json_members(x: &mut Xml, value: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        return;
    };
    for (key, v) in map {
        json_member(x, key, v);
    }
}

fn json_member(x: &mut Xml, key: &str, v: &serde_json::Value) {
    use serde_json::Value;
    if DOCUMENT_MEMBERS.contains(&key) {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        x.text(key, &encode_document(&text));
        return;
    }
    match v {
        Value::Null => {}
        Value::Bool(b) => {
            x.bool(key, *b);
        }
        Value::Number(n) => {
            x.text(key, &n.to_string());
        }
        Value::String(s) if key.ends_with("Date") => {
            x.text(key, &date(s));
        }
        Value::String(s) => {
            x.text(key, s);
        }
        Value::Array(items) => {
            x.list(key, items, |x, item| match item {
                Value::Object(_) => json_members(x, item),
                Value::String(s) => x.member_text(s),
                other => x.member_text(&other.to_string()),
            });
        }
        Value::Object(_) => {
            x.node(key, |x| json_members(x, v));
        }
    }
}
