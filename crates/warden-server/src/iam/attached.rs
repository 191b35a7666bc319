//! Managed policies attached to users, groups and roles.

use super::shapes::{attached_xml, paged, policy_path};
use super::{kind, name_param, none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::Xml;

/// `AttachUserPolicy`, `AttachGroupPolicy`, `AttachRolePolicy`.
pub fn attach(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    none(c.store().attach_policy(
        kind,
        p.required(name_param(kind))?,
        p.required("PolicyArn")?,
    ))
}

/// `DetachUserPolicy`, `DetachGroupPolicy`, `DetachRolePolicy`.
pub fn detach(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    none(c.store().detach_policy(
        kind,
        p.required(name_param(kind))?,
        p.required("PolicyArn")?,
    ))
}

/// `ListAttachedUserPolicies`, `ListAttachedGroupPolicies`, `ListAttachedRolePolicies`.
pub fn list(c: &Call<'_>) -> Reply {
    let kind = kind(c);
    let p = c.params;
    let mut attached = c
        .store()
        .list_attached_policies(kind, p.required(name_param(kind))?)?;
    if let Some(prefix) = p.get("PathPrefix") {
        attached.retain(|a| policy_path(&a.policy_arn).starts_with(prefix));
    }
    let mut x = Xml::new();
    paged(&mut x, "AttachedPolicies", &attached, p, attached_xml)?;
    output(x)
}
