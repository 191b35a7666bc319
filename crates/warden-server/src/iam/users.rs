//! Users: CreateUser, GetUser, ListUsers, DeleteUser, their tags and permissions boundary.

use super::shapes::{paged, tag_xml, tags, user_xml};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::Xml;
use crate::resolve::user_name;

/// `CreateUser`.
pub fn create(c: &Call<'_>) -> Reply {
    let p = c.params;
    let user = c.store().create_user(
        p.required("UserName")?,
        p.get("Path"),
        p.get("PermissionsBoundary"),
        &tags(p),
    )?;
    let mut x = Xml::new();
    x.node("User", |x| user_xml(x, &user));
    output(x)
}

/// `GetUser`: `UserName`, or the caller.
pub fn get(c: &Call<'_>) -> Reply {
    let user = c.store().get_user(&user_name(c.params, c.caller)?)?;
    let mut x = Xml::new();
    x.node("User", |x| user_xml(x, &user));
    output(x)
}

/// `ListUsers`.
pub fn list(c: &Call<'_>) -> Reply {
    let users = c.store().list_users(c.params.get("PathPrefix"))?;
    let mut x = Xml::new();
    paged(&mut x, "Users", &users, c.params, user_xml)?;
    output(x)
}

/// `DeleteUser`.
pub fn delete(c: &Call<'_>) -> Reply {
    none(c.store().delete_user(c.params.required("UserName")?))
}

/// `TagUser`.
pub fn tag(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .tag_user(c.params.required("UserName")?, &tags(c.params)),
    )
}

/// `UntagUser`.
pub fn untag(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .untag_user(p.required("UserName")?, &p.list("TagKeys")),
    )
}

/// `ListUserTags`.
pub fn list_tags(c: &Call<'_>) -> Reply {
    let tags = c.store().list_user_tags(c.params.required("UserName")?)?;
    let mut x = Xml::new();
    paged(&mut x, "Tags", &tags, c.params, tag_xml)?;
    output(x)
}

/// `PutUserPermissionsBoundary`.
pub fn put_boundary(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store().put_user_permissions_boundary(
            p.required("UserName")?,
            p.required("PermissionsBoundary")?,
        ),
    )
}

/// `DeleteUserPermissionsBoundary`.
pub fn delete_boundary(c: &Call<'_>) -> Reply {
    none(
        c.store()
            .delete_user_permissions_boundary(c.params.required("UserName")?),
    )
}
