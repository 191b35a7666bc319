//! Roles, their trust policy, boundary and tags; service-linked roles.

use super::shapes::{date, paged, role_summary_xml, role_xml, tag_xml, tags};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::{AwsError, Xml};

/// `CreateRole`.
pub fn create(c: &Call<'_>) -> Reply {
    let p = c.params;
    let role = c.store().create_role(
        p.required("RoleName")?,
        p.get("Path"),
        p.required("AssumeRolePolicyDocument")?,
        p.get("Description"),
        p.int("MaxSessionDuration")?,
        p.get("PermissionsBoundary"),
        &tags(p),
    )?;
    let mut x = Xml::new();
    x.node("Role", |x| role_xml(x, &role));
    output(x)
}

/// `GetRole`: answered with the role its authorization read.
pub fn get(c: &Call<'_>) -> Reply {
    let name = c.params.required("RoleName")?;
    let role = match &c.target.role {
        Some(role) => role.clone(),
        None => c.store().get_role(name)?,
    };
    let mut x = Xml::new();
    x.node("Role", |x| {
        role_xml(x, &role);
        // Empty for a role never assumed, as IAM answers.
        x.node("RoleLastUsed", |x| {
            if let Some(used) = &role.role_last_used {
                x.text("LastUsedDate", &date(&used.last_used_date))
                    .text("Region", &used.region);
            }
        });
    });
    output(x)
}

/// `ListRoles`: "This operation does not return the following attributes, even though they are
/// an attribute of the returned object: PermissionsBoundary, RoleLastUsed, Tags"
/// (`API_ListRoles.html`).
pub fn list(c: &Call<'_>) -> Reply {
    let roles = c.store().list_roles(c.params.get("PathPrefix"))?;
    let mut x = Xml::new();
    paged(&mut x, "Roles", &roles, c.params, role_summary_xml)?;
    output(x)
}

/// `DeleteRole`.
pub fn delete(c: &Call<'_>) -> Reply {
    none(c.store().delete_role(c.params.required("RoleName")?))
}

/// `UpdateAssumeRolePolicy`.
pub fn update_trust(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .update_assume_role_policy(p.required("RoleName")?, p.required("PolicyDocument")?),
    )
}

/// `UpdateRole`.
pub fn update(c: &Call<'_>) -> Reply {
    let p = c.params;
    c.store().update_role(
        p.required("RoleName")?,
        p.get("Description"),
        p.int("MaxSessionDuration")?,
    )?;
    Ok(None)
}

/// `UpdateRoleDescription`.
pub fn update_description(c: &Call<'_>) -> Reply {
    let p = c.params;
    let role = c.store().update_role(
        p.required("RoleName")?,
        Some(p.required("Description")?),
        None,
    )?;
    let mut x = Xml::new();
    x.node("Role", |x| role_xml(x, &role));
    output(x)
}

/// `PutRolePermissionsBoundary`.
pub fn put_boundary(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store().put_role_permissions_boundary(
            p.required("RoleName")?,
            p.required("PermissionsBoundary")?,
        ),
    )
}

/// `DeleteRolePermissionsBoundary`.
pub fn delete_boundary(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .delete_role_permissions_boundary(c.params.required("RoleName")?),
    )
}

/// `TagRole`.
pub fn tag(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .tag_role(c.params.required("RoleName")?, &tags(c.params)),
    )
}

/// `UntagRole`.
pub fn untag(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .untag_role(p.required("RoleName")?, &p.list("TagKeys")),
    )
}

/// `ListRoleTags`.
pub fn list_tags(c: &Call<'_>) -> Reply {
    let tags = c.store().list_role_tags(c.params.required("RoleName")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Tags", &tags, c.params, tag_xml)?;
    output(x)
}

/// `CreateServiceLinkedRole`.
pub fn create_linked(c: &Call<'_>) -> Reply {
    let p = c.params;
    let role = c.store().create_service_linked_role(
        p.required("AWSServiceName")?,
        p.get("Description"),
        p.get("CustomSuffix"),
    )?;
    let mut x = Xml::new();
    x.node("Role", |x| role_xml(x, &role));
    output(x)
}

/// `DeleteServiceLinkedRole`: deleted at once; the task id says so.
pub fn delete_linked(c: &Call<'_>) -> Reply {
    let task = c
        .store()
        .delete_service_linked_role(c.params.required("RoleName")?)?;
    let mut x = Xml::new();
    x.text("DeletionTaskId", &task);
    output(x)
}

/// `GetServiceLinkedRoleDeletionStatus`: every task Warden handed out has succeeded.
pub fn deletion_status(c: &Call<'_>) -> Reply {
    let task = c.params.required("DeletionTaskId")?;
    let well_formed = task
        .strip_prefix("task/aws-service-role/")
        .map(|rest| rest.split('/').filter(|s| !s.is_empty()).count() >= 3)
        .unwrap_or(false);
    if !well_formed {
        return Err(AwsError::new(
            "NoSuchEntity",
            format!("Deletion task {task} does not exist."),
            404,
        ));
    }
    let mut x = Xml::new();
    x.text("Status", "SUCCEEDED");
    output(x)
}
