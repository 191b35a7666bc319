//! Groups and their members.

use super::shapes::{group_xml, paged, user_xml};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::Xml;

/// `CreateGroup`.
pub fn create(c: &Call<'_>) -> Reply {
    let p = c.params;
    let group = c
        .store()
        .create_group(p.required("GroupName")?, p.get("Path"))?;
    let mut x = Xml::new();
    x.node("Group", |x| group_xml(x, &group));
    output(x)
}

/// `GetGroup`: the group and its users, paged.
pub fn get(c: &Call<'_>) -> Reply {
    let (group, users) = c.store().get_group(c.params.required("GroupName")?)?;
    let mut x = Xml::new();
    x.node("Group", |x| group_xml(x, &group));
    paged(&mut x, "Users", &users, c.params, user_xml)?;
    output(x)
}

/// `ListGroups`.
pub fn list(c: &Call<'_>) -> Reply {
    let groups = c.store().list_groups(c.params.get("PathPrefix"))?;
    let mut x = Xml::new();
    paged(&mut x, "Groups", &groups, c.params, group_xml)?;
    output(x)
}

/// `DeleteGroup`.
pub fn delete(c: &Call<'_>) -> Reply {
    none(c.store().delete_group(c.params.required("GroupName")?))
}

/// `AddUserToGroup`.
pub fn add_user(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .add_user_to_group(p.required("GroupName")?, p.required("UserName")?),
    )
}

/// `RemoveUserFromGroup`.
pub fn remove_user(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .remove_user_from_group(p.required("GroupName")?, p.required("UserName")?),
    )
}

/// `ListGroupsForUser`.
pub fn list_for_user(c: &Call<'_>) -> Reply {
    let groups = c
        .store()
        .list_groups_for_user(c.params.required("UserName")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Groups", &groups, c.params, group_xml)?;
    output(x)
}
