//! Managed policies: customer managed ones (created, versioned, tagged, deleted) and AWS
//! managed ones (read-only), and who they are attached to.

use warden_store::{EntityKind, Store};

use super::shapes::{date, paged, policy_xml, tag_xml, tags, version_xml};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::{AwsError, Params, Xml, paginate};

/// `CreatePolicy`: version `v1`, the default.
pub fn create(c: &Call<'_>) -> Reply {
    let p = c.params;
    let tags = tags(p);
    let policy = c.store().create_policy(
        p.required("PolicyName")?,
        p.get("Path"),
        p.required("PolicyDocument")?,
        p.get("Description"),
        &tags,
    )?;
    let mut x = Xml::new();
    x.node("Policy", |x| policy_xml(x, &policy, Some(&tags)));
    output(x)
}

/// `GetPolicy`.
pub fn get(c: &Call<'_>) -> Reply {
    let arn = c.params.required("PolicyArn")?;
    let policy = c.store().get_policy(arn)?;
    let tags = c.store().list_policy_tags(arn).unwrap_or_default();
    let mut x = Xml::new();
    x.node("Policy", |x| policy_xml(x, &policy, Some(&tags)));
    output(x)
}

/// `ListPolicies`: by scope, attachment and path.
pub fn list(c: &Call<'_>) -> Reply {
    let p = c.params;
    let policies = c.store().list_policies(
        p.get("Scope").unwrap_or("All"),
        p.bool("OnlyAttached")?.unwrap_or(false),
        p.get("PathPrefix"),
    )?;
    let mut x = Xml::new();
    paged(&mut x, "Policies", &policies, p, |x, policy| {
        policy_xml(x, policy, None)
    })?;
    output(x)
}

/// `DeletePolicy`.
pub fn delete(c: &Call<'_>) -> Reply {
    none(c.store().delete_policy(c.params.required("PolicyArn")?))
}

/// `CreatePolicyVersion`.
pub fn create_version(c: &Call<'_>) -> Reply {
    let p = c.params;
    let version = c.store().create_policy_version(
        p.required("PolicyArn")?,
        p.required("PolicyDocument")?,
        p.bool("SetAsDefault")?.unwrap_or(false),
    )?;
    let mut x = Xml::new();
    x.node("PolicyVersion", |x| version_xml(x, &version));
    output(x)
}

/// `GetPolicyVersion`.
pub fn get_version(c: &Call<'_>) -> Reply {
    let p = c.params;
    let version = c
        .store()
        .get_policy_version(p.required("PolicyArn")?, p.required("VersionId")?)?;
    let mut x = Xml::new();
    x.node("PolicyVersion", |x| version_xml(x, &version));
    output(x)
}

/// `ListPolicyVersions`: without the documents.
pub fn list_versions(c: &Call<'_>) -> Reply {
    let versions = c
        .store()
        .list_policy_versions(c.params.required("PolicyArn")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Versions", &versions, c.params, |x, v| {
        x.text("VersionId", &v.version_id)
            .bool("IsDefaultVersion", v.is_default_version)
            .text("CreateDate", &date(&v.create_date));
    })?;
    output(x)
}

/// `DeletePolicyVersion`.
pub fn delete_version(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .delete_policy_version(p.required("PolicyArn")?, p.required("VersionId")?),
    )
}

/// `SetDefaultPolicyVersion`.
pub fn set_default_version(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .set_default_policy_version(p.required("PolicyArn")?, p.required("VersionId")?),
    )
}

/// `ListEntitiesForPolicy`.
pub fn list_entities(c: &Call<'_>) -> Reply {
    let mut x = Xml::new();
    write_entities(c.store(), c.params, &mut x)?;
    output(x)
}

/// `TagPolicy`.
pub fn tag(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .tag_policy(c.params.required("PolicyArn")?, &tags(c.params)),
    )
}

/// `UntagPolicy`.
pub fn untag(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .untag_policy(p.required("PolicyArn")?, &p.list("TagKeys")),
    )
}

/// `ListPolicyTags`.
pub fn list_tags(c: &Call<'_>) -> Reply {
    let tags = c
        .store()
        .list_policy_tags(c.params.required("PolicyArn")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Tags", &tags, c.params, tag_xml)?;
    output(x)
}

fn write_entities(store: &Store, p: &Params, x: &mut Xml) -> Result<(), AwsError> {
    let (users, groups, roles) = store.list_entities_for_policy(p.required("PolicyArn")?)?;
    let filter = p.get("EntityFilter");
    let wanted = |kind: &str| match filter {
        None => true,
        Some(f) => f == kind,
    };
    let mut all: Vec<(EntityKind, String, String)> = Vec::new();
    if wanted("User") {
        all.extend(users.into_iter().map(|(n, i)| (EntityKind::User, n, i)));
    }
    if wanted("Group") {
        all.extend(groups.into_iter().map(|(n, i)| (EntityKind::Group, n, i)));
    }
    if wanted("Role") {
        all.extend(roles.into_iter().map(|(n, i)| (EntityKind::Role, n, i)));
    }
    if let Some(prefix) = p.get("PathPrefix").filter(|p| *p != "/") {
        all.retain(|(kind, name, _)| {
            let path = match kind {
                EntityKind::User => store.get_user(name).map(|u| u.path),
                EntityKind::Group => store.get_group(name).map(|(g, _)| g.path),
                EntityKind::Role => store.get_role(name).map(|r| r.path),
            };
            path.map(|path| path.starts_with(prefix)).unwrap_or(false)
        });
    }
    let (page, next) = paginate(&all, p)?;
    let of = |kind: EntityKind| -> Vec<(String, String)> {
        page.iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, n, i)| (n.clone(), i.clone()))
            .collect()
    };
    x.list("PolicyGroups", &of(EntityKind::Group), |x, (n, i)| {
        x.text("GroupName", n).text("GroupId", i);
    });
    x.list("PolicyUsers", &of(EntityKind::User), |x, (n, i)| {
        x.text("UserName", n).text("UserId", i);
    });
    x.list("PolicyRoles", &of(EntityKind::Role), |x, (n, i)| {
        x.text("RoleName", n).text("RoleId", i);
    });
    x.page(next.as_deref());
    Ok(())
}
