//! IAM's response shapes: member names and nesting as botocore's model
//! (`botocore/data/iam/2010-05-08/service-2.json`) has them, and the readers of the request
//! shapes they share.

use warden_store::{
    AccessKeyMetadata, AttachedPolicy, Group, InstanceProfile, ManagedPolicy, PolicyVersion, Role,
    Tag, User,
};

use crate::protocol::{AwsError, Params, Xml, encode_document, paginate};

/// `Tags.member.N.Key` / `.Value`.
pub fn tags(params: &Params) -> Vec<Tag> {
    params
        .structs("Tags")
        .iter()
        .map(|t| Tag {
            key: t.get("Key").unwrap_or_default().to_string(),
            value: t.get("Value").unwrap_or_default().to_string(),
        })
        .collect()
}

/// AWS's message for a missing required member.
pub(crate) fn null_member(member: &str) -> AwsError {
    AwsError::validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// A policy's path from its ARN: `arn:aws:iam::aws:policy/service-role/X` -> `/service-role/`.
pub(crate) fn policy_path(arn: &str) -> &str {
    let rest = arn.split_once(":policy").map_or("/", |(_, rest)| rest);
    match rest.rfind('/') {
        Some(i) => &rest[..=i],
        None => "/",
    }
}

/// A timestamp as IAM writes it: ISO 8601 UTC ending in `Z`.
pub(crate) fn date(text: &str) -> String {
    if let Some(base) = text.strip_suffix("+00:00") {
        return format!("{base}Z");
    }
    if let Some(base) = text.strip_suffix("+0000") {
        return format!("{base}Z");
    }
    if text.ends_with('Z') || text.ends_with('z') {
        return text.trim_end_matches('z').trim_end_matches('Z').to_string() + "Z";
    }
    // A date without a zone (catalog dates may be `YYYY-MM-DD HH:MM:SS`): UTC.
    let mut out = text.replacen(' ', "T", 1);
    if out.len() == 10 {
        out.push_str("T00:00:00");
    }
    out.push('Z');
    out
}

/// Writes a list and the pagination members: `MaxItems` items from `Marker`.
pub(crate) fn paged<T: Clone>(
    x: &mut Xml,
    tag: &str,
    items: &[T],
    params: &Params,
    each: impl FnMut(&mut Xml, &T),
) -> Result<(), AwsError> {
    let (page, next) = paginate(items, params)?;
    x.list(tag, &page, each);
    x.page(next.as_deref());
    Ok(())
}

// ---- Shapes ----

pub(crate) fn tag_xml(x: &mut Xml, tag: &Tag) {
    x.text("Key", &tag.key).text("Value", &tag.value);
}

pub(crate) fn tags_xml(x: &mut Xml, tags: &[Tag]) {
    if !tags.is_empty() {
        x.list("Tags", tags, tag_xml);
    }
}

pub(crate) fn boundary_xml(x: &mut Xml, boundary: Option<&str>) {
    if let Some(arn) = boundary {
        x.node("PermissionsBoundary", |x| {
            x.text("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .text("PermissionsBoundaryArn", arn);
        });
    }
}

pub(crate) fn user_xml(x: &mut Xml, user: &User) {
    x.text("Path", &user.path)
        .text("UserName", &user.user_name)
        .text("UserId", &user.user_id)
        .text("Arn", &user.arn)
        .text("CreateDate", &date(&user.create_date));
    boundary_xml(x, user.permissions_boundary.as_deref());
    tags_xml(x, &user.tags);
}

pub(crate) fn group_xml(x: &mut Xml, group: &Group) {
    x.text("Path", &group.path)
        .text("GroupName", &group.group_name)
        .text("GroupId", &group.group_id)
        .text("Arn", &group.arn)
        .text("CreateDate", &date(&group.create_date));
}

pub(crate) fn role_xml(x: &mut Xml, role: &Role) {
    role_summary_xml(x, role);
    boundary_xml(x, role.permissions_boundary.as_deref());
    tags_xml(x, &role.tags);
}

pub(crate) fn role_summary_xml(x: &mut Xml, role: &Role) {
    x.text("Path", &role.path)
        .text("RoleName", &role.role_name)
        .text("RoleId", &role.role_id)
        .text("Arn", &role.arn)
        .text("CreateDate", &date(&role.create_date))
        .text(
            "AssumeRolePolicyDocument",
            &encode_document(&role.assume_role_policy_document),
        )
        .opt("Description", role.description.as_deref())
        .int("MaxSessionDuration", role.max_session_duration);
}

pub(crate) fn profile_xml(x: &mut Xml, profile: &InstanceProfile, tags: &[Tag]) {
    x.text("Path", &profile.path)
        .text("InstanceProfileName", &profile.instance_profile_name)
        .text("InstanceProfileId", &profile.instance_profile_id)
        .text("Arn", &profile.arn)
        .text("CreateDate", &date(&profile.create_date))
        .list("Roles", &profile.roles, role_xml);
    tags_xml(x, tags);
}

pub(crate) fn policy_xml(x: &mut Xml, policy: &ManagedPolicy, tags: Option<&[Tag]>) {
    x.text("PolicyName", &policy.policy_name)
        .text("PolicyId", &policy.policy_id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", &policy.default_version_id)
        .int("AttachmentCount", policy.attachment_count)
        .int("PermissionsBoundaryUsageCount", 0)
        .bool("IsAttachable", policy.is_attachable)
        .opt("Description", policy.description.as_deref())
        .text("CreateDate", &date(&policy.create_date))
        .text("UpdateDate", &date(&policy.update_date));
    if let Some(tags) = tags {
        tags_xml(x, tags);
    }
}

pub(crate) fn version_xml(x: &mut Xml, version: &PolicyVersion) {
    x.text("Document", &encode_document(&version.document))
        .text("VersionId", &version.version_id)
        .bool("IsDefaultVersion", version.is_default_version)
        .text("CreateDate", &date(&version.create_date));
}

pub(crate) fn attached_xml(x: &mut Xml, attached: &AttachedPolicy) {
    x.text("PolicyName", &attached.policy_name)
        .text("PolicyArn", &attached.policy_arn);
}

pub(crate) fn access_key_xml(x: &mut Xml, key: &AccessKeyMetadata) {
    x.text("UserName", &key.user_name)
        .text("AccessKeyId", &key.access_key_id)
        .text("Status", &key.status)
        .text("CreateDate", &date(&key.create_date));
}
