//! Inline policies of users, groups and roles.

use super::shapes::paged;
use super::{kind, name_param, none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::{Xml, encode_document};

/// `PutUserPolicy`, `PutGroupPolicy`, `PutRolePolicy`.
pub fn put(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    none(c.store().put_inline_policy(
        kind,
        p.required(name_param(kind))?,
        p.required("PolicyName")?,
        p.required("PolicyDocument")?,
    ))
}

/// `GetUserPolicy`, `GetGroupPolicy`, `GetRolePolicy`: the document as submitted.
pub fn get(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    let entity = p.required(name_param(kind))?;
    let policy_name = p.required("PolicyName")?;
    let document = c.store().get_inline_policy(kind, entity, policy_name)?;
    let mut x = Xml::new();
    x.text(name_param(kind), entity)
        .text("PolicyName", policy_name)
        .text("PolicyDocument", &encode_document(&document));
    output(x)
}

/// `ListUserPolicies`, `ListGroupPolicies`, `ListRolePolicies`.
pub fn list(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let names = c
        .store()
        .list_inline_policies(kind, c.params.required(name_param(kind))?)?;
    let mut x = Xml::new();
    paged(&mut x, "PolicyNames", &names, c.params, |x, name| {
        x.member_text(name)
    })?;
    output(x)
}

/// `DeleteUserPolicy`, `DeleteGroupPolicy`, `DeleteRolePolicy`.
pub fn delete(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    none(c.store().delete_inline_policy(
        kind,
        p.required(name_param(kind))?,
        p.required("PolicyName")?,
    ))
}
