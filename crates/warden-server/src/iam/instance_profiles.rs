//! Instance profiles, their role and tags.

use super::shapes::{paged, profile_xml, tag_xml, tags};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::Xml;

/// `CreateInstanceProfile`.
pub fn create(c: &Call<'_>) -> Reply {
    let p = c.params;
    let tags = tags(p);
    let profile = c.store().create_instance_profile(
        p.required("InstanceProfileName")?,
        p.get("Path"),
        &tags,
    )?;
    let mut x = Xml::new();
    x.node("InstanceProfile", |x| profile_xml(x, &profile, &tags));
    output(x)
}

/// `GetInstanceProfile`.
pub fn get(c: &Call<'_>) -> Reply {
    let name = c.params.required("InstanceProfileName")?;
    let profile = c.store().get_instance_profile(name)?;
    let tags = c
        .store()
        .list_instance_profile_tags(name)
        .unwrap_or_default();
    let mut x = Xml::new();
    x.node("InstanceProfile", |x| profile_xml(x, &profile, &tags));
    output(x)
}

/// `ListInstanceProfiles`.
pub fn list(c: &Call<'_>) -> Reply {
    let profiles = c
        .store()
        .list_instance_profiles(c.params.get("PathPrefix"))?;
    let mut x = Xml::new();
    paged(
        &mut x,
        "InstanceProfiles",
        &profiles,
        c.params,
        |x, profile| profile_xml(x, profile, &[]),
    )?;
    output(x)
}

/// `ListInstanceProfilesForRole`.
pub fn list_for_role(c: &Call<'_>) -> Reply {
    let profiles = c
        .store()
        .list_instance_profiles_for_role(c.params.required("RoleName")?)?;
    let mut x = Xml::new();
    paged(
        &mut x,
        "InstanceProfiles",
        &profiles,
        c.params,
        |x, profile| profile_xml(x, profile, &[]),
    )?;
    output(x)
}

/// `AddRoleToInstanceProfile` (authorized with `iam:PassRole` on the role too).
pub fn add_role(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store().add_role_to_instance_profile(
            p.required("InstanceProfileName")?,
            p.required("RoleName")?,
        ),
    )
}

/// `RemoveRoleFromInstanceProfile`.
pub fn remove_role(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(c.store().remove_role_from_instance_profile(
        p.required("InstanceProfileName")?,
        p.required("RoleName")?,
    ))
}

/// `DeleteInstanceProfile`.
pub fn delete(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .delete_instance_profile(c.params.required("InstanceProfileName")?),
    )
}

/// `TagInstanceProfile`.
pub fn tag(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .tag_instance_profile(p.required("InstanceProfileName")?, &tags(p)),
    )
}

/// `UntagInstanceProfile`.
pub fn untag(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .untag_instance_profile(p.required("InstanceProfileName")?, &p.list("TagKeys")),
    )
}

/// `ListInstanceProfileTags`.
pub fn list_tags(c: &Call<'_>) -> Reply {
    let tags = c
        .store()
        .list_instance_profile_tags(c.params.required("InstanceProfileName")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Tags", &tags, c.params, tag_xml)?;
    output(x)
}
