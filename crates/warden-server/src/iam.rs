//! IAM's operations over the query protocol: parameters in, the result's XML out, with member
//! names and shapes as botocore's model (`botocore/data/iam/2010-05-08/service-2.json`) has
//! them; and, for authorization, what each operation acts on.

use warden_core::Policy;
use warden_core::simulate::{
    ContextEntry, EvaluationResult, SimulateCustomPolicyRequest, SimulateError,
    SimulatePolicyResponse, simulate_custom_policy,
};
use warden_store::principal::SimulatePrincipalPolicyRequest;
use warden_store::{
    AccessKeyMetadata, AttachedPolicy, EntityKind, Group, InstanceProfile, ManagedPolicy,
    PolicyVersion, Role, Store, Tag, User,
};

use crate::protocol::{AwsError, Params, Xml, encode_document, paginate};
use crate::{Caller, Target};

/// Every operation this endpoint serves.
const OPERATIONS: &[&str] = &[
    // Users.
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "TagUser",
    "UntagUser",
    "ListUserTags",
    "PutUserPermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    // Groups.
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "DeleteGroup",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ListGroupsForUser",
    // Roles.
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "UpdateRole",
    "UpdateRoleDescription",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    // Service-linked roles.
    "CreateServiceLinkedRole",
    "DeleteServiceLinkedRole",
    "GetServiceLinkedRoleDeletionStatus",
    // Instance profiles.
    "CreateInstanceProfile",
    "GetInstanceProfile",
    "ListInstanceProfiles",
    "ListInstanceProfilesForRole",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "DeleteInstanceProfile",
    "TagInstanceProfile",
    "UntagInstanceProfile",
    "ListInstanceProfileTags",
    // Managed policies.
    "CreatePolicy",
    "GetPolicy",
    "ListPolicies",
    "DeletePolicy",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
    "ListEntitiesForPolicy",
    "TagPolicy",
    "UntagPolicy",
    "ListPolicyTags",
    // Attachments.
    "AttachUserPolicy",
    "AttachGroupPolicy",
    "AttachRolePolicy",
    "DetachUserPolicy",
    "DetachGroupPolicy",
    "DetachRolePolicy",
    "ListAttachedUserPolicies",
    "ListAttachedGroupPolicies",
    "ListAttachedRolePolicies",
    // Inline policies.
    "PutUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "GetUserPolicy",
    "GetGroupPolicy",
    "GetRolePolicy",
    "ListUserPolicies",
    "ListGroupPolicies",
    "ListRolePolicies",
    "DeleteUserPolicy",
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    // Access keys.
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    // The account.
    "GetAccountAuthorizationDetails",
    "GetAccountSummary",
    // The simulator.
    "SimulateCustomPolicy",
    "SimulatePrincipalPolicy",
    "GetContextKeysForCustomPolicy",
    "GetContextKeysForPrincipalPolicy",
];

/// The operations this endpoint serves, by name.
pub fn operations() -> &'static [&'static str] {
    OPERATIONS
}

/// Whether `action` is an IAM operation this endpoint serves.
pub fn known(action: &str) -> bool {
    OPERATIONS.contains(&action)
}

// ---- Authorization targets ----

/// What kind of resource an operation acts on, and which parameter names it.
enum Resource {
    /// A user named by `UserName` (the caller when absent).
    User,
    /// A group named by `GroupName`.
    Group,
    /// A role named by `RoleName`.
    Role,
    /// An instance profile named by `InstanceProfileName`.
    Profile,
    /// A managed policy named by `PolicyArn`.
    Policy,
    /// Something else, worked out per operation.
    Other,
}

fn resource_kind(action: &str) -> Resource {
    match action {
        "AddUserToGroup" | "RemoveUserFromGroup" => Resource::Group,
        "AddRoleToInstanceProfile" | "RemoveRoleFromInstanceProfile" => Resource::Profile,
        "ListInstanceProfilesForRole" => Resource::Role,
        "CreatePolicy" | "CreateServiceLinkedRole" | "GetServiceLinkedRoleDeletionStatus" => {
            Resource::Other
        }
        a if a.contains("InstanceProfile") && !a.starts_with("ListInstanceProfiles") => {
            Resource::Profile
        }
        a if a.contains("Policy") && is_policy_arn_op(a) => Resource::Policy,
        a if a.ends_with("Role")
            || a.contains("RolePolic")
            || a.contains("RolePermissions")
            || a.contains("RoleTags")
            || a == "UpdateAssumeRolePolicy"
            || a == "UpdateRoleDescription"
            || a == "DeleteServiceLinkedRole" =>
        {
            if a == "ListRoles" {
                Resource::Other
            } else {
                Resource::Role
            }
        }
        a if a.ends_with("User")
            || a.contains("UserPolic")
            || a.contains("UserPermissions")
            || a.contains("UserTags")
            || a.contains("AccessKey")
            || a == "ListGroupsForUser" =>
        {
            Resource::User
        }
        a if a.ends_with("Group") || a.contains("GroupPolic") => Resource::Group,
        _ => Resource::Other,
    }
}

/// Operations whose resource is the `PolicyArn` parameter.
fn is_policy_arn_op(action: &str) -> bool {
    matches!(
        action,
        "GetPolicy"
            | "DeletePolicy"
            | "CreatePolicyVersion"
            | "GetPolicyVersion"
            | "ListPolicyVersions"
            | "DeletePolicyVersion"
            | "SetDefaultPolicyVersion"
            | "ListEntitiesForPolicy"
            | "TagPolicy"
            | "UntagPolicy"
            | "ListPolicyTags"
    )
}

/// Operations whose request may be conditioned on the entity's permissions boundary
/// (`iam:PermissionsBoundary`), per the Service Authorization Reference.
fn boundary_keyed(action: &str) -> bool {
    matches!(
        action,
        "AttachRolePolicy"
            | "AttachUserPolicy"
            | "DetachRolePolicy"
            | "DetachUserPolicy"
            | "PutRolePolicy"
            | "PutUserPolicy"
            | "DeleteRolePolicy"
            | "DeleteUserPolicy"
            | "DeleteRolePermissionsBoundary"
            | "DeleteUserPermissionsBoundary"
    )
}

/// What the operation acts on, for authorization: the resource ARN as the Service
/// Authorization Reference names it, and the request's condition keys (`iam:PolicyARN`,
/// `iam:PermissionsBoundary`, `aws:RequestTag/KEY`, `aws:TagKeys`, `aws:ResourceTag/KEY`,
/// `iam:AWSServiceName`).
pub fn target(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
) -> Result<Target, AwsError> {
    let account = store.account_id();
    let mut context: Vec<(String, Vec<String>)> = Vec::new();
    let mut shown = None;
    let mut loaded_role = None;
    let path_param = || params.get("Path").unwrap_or("/").to_string();
    let creating = action.starts_with("Create");
    let resource = match resource_kind(action) {
        Resource::Role => {
            let name = params.get("RoleName").unwrap_or_default();
            match store.get_role(name).ok().filter(|_| !creating) {
                Some(role) => {
                    resource_tags(&mut context, &role.tags);
                    if boundary_keyed(action)
                        && let Some(boundary) = &role.permissions_boundary
                    {
                        context.push(("iam:PermissionsBoundary".into(), vec![boundary.clone()]));
                    }
                    let arn = role.arn.clone();
                    if action == "GetRole" {
                        loaded_role = Some(role);
                    }
                    arn
                }
                None => iam_arn(&account, "role", &path_param(), name),
            }
        }
        Resource::User => match params.get("UserName") {
            None if !creating => caller.arn.clone(),
            name => {
                let name = name.unwrap_or_default();
                match store.get_user(name).ok().filter(|_| !creating) {
                    Some(user) => {
                        resource_tags(&mut context, &user.tags);
                        if boundary_keyed(action)
                            && let Some(boundary) = &user.permissions_boundary
                        {
                            context
                                .push(("iam:PermissionsBoundary".into(), vec![boundary.clone()]));
                        }
                        user.arn
                    }
                    None => iam_arn(&account, "user", &path_param(), name),
                }
            }
        },
        Resource::Group => {
            let name = params.get("GroupName").unwrap_or_default();
            match store.get_group(name).ok().filter(|_| !creating) {
                Some((group, _)) => group.arn,
                None => iam_arn(&account, "group", &path_param(), name),
            }
        }
        Resource::Profile => {
            let name = params.get("InstanceProfileName").unwrap_or_default();
            match store.get_instance_profile(name).ok().filter(|_| !creating) {
                Some(profile) => profile.arn,
                None => iam_arn(&account, "instance-profile", &path_param(), name),
            }
        }
        Resource::Policy => params.get("PolicyArn").unwrap_or("*").to_string(),
        Resource::Other => match action {
            "CreatePolicy" => iam_arn(
                &account,
                "policy",
                &path_param(),
                params.get("PolicyName").unwrap_or_default(),
            ),
            "CreateServiceLinkedRole" => {
                let service = params.get("AWSServiceName").unwrap_or_default();
                context.push(("iam:AWSServiceName".into(), vec![service.to_string()]));
                let name = Store::linked_services()
                    .iter()
                    .find(|s| s.service.eq_ignore_ascii_case(service))
                    .map(|s| match params.get("CustomSuffix") {
                        Some(suffix) => format!("{}_{suffix}", s.role_name),
                        None => s.role_name.to_string(),
                    })
                    .unwrap_or_else(|| "*".to_string());
                format!("arn:aws:iam::{account}:role/aws-service-role/{service}/{name}")
            }
            "GetServiceLinkedRoleDeletionStatus" => {
                match params
                    .get("DeletionTaskId")
                    .and_then(|id| id.strip_prefix("task/"))
                    .and_then(|rest| rest.rsplit_once('/'))
                {
                    Some((role_path, _uuid)) => format!("arn:aws:iam::{account}:role/{role_path}"),
                    None => "*".to_string(),
                }
            }
            "SimulatePrincipalPolicy" | "GetContextKeysForPrincipalPolicy" => {
                params.get("PolicySourceArn").unwrap_or("*").to_string()
            }
            // The Service Authorization Reference gives these `*`, but IAM decides them on the
            // ARN of the listed path (an AccessDenied names `arn:aws:iam::ACCOUNT:role/` for
            // ListRoles, `...:user/` for ListUsers: `troubleshoot_access-denied.html`), so a
            // policy on `role/*` allows ListRoles. ListPolicies' message names `policy path /`.
            "ListUsers" | "ListRoles" | "ListGroups" | "ListInstanceProfiles" | "ListPolicies" => {
                let kind = match action {
                    "ListUsers" => "user",
                    "ListRoles" => "role",
                    "ListGroups" => "group",
                    "ListInstanceProfiles" => "instance-profile",
                    _ => "policy",
                };
                let prefix = params.get("PathPrefix").unwrap_or("/");
                if action == "ListPolicies" {
                    shown = Some(format!("policy path {prefix}"));
                }
                format!("arn:aws:iam::{account}:{kind}{prefix}")
            }
            _ => "*".to_string(),
        },
    };

    // The policy being attached or detached.
    if (action.starts_with("Attach") || action.starts_with("Detach"))
        && let Some(policy) = params.get("PolicyArn")
    {
        context.push(("iam:PolicyARN".into(), vec![policy.to_string()]));
    }
    // A new permissions boundary.
    if matches!(
        action,
        "PutUserPermissionsBoundary" | "PutRolePermissionsBoundary" | "CreateUser" | "CreateRole"
    ) && let Some(boundary) = params.get("PermissionsBoundary")
    {
        context.retain(|(k, _)| k != "iam:PermissionsBoundary");
        context.push(("iam:PermissionsBoundary".into(), vec![boundary.to_string()]));
    }
    // Tags in the request, and the keys an Untag* names.
    crate::push_request_tags(&mut context, params, params.list("TagKeys"));
    Ok(Target {
        resource,
        context,
        shown,
        role: loaded_role,
    })
}

fn iam_arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

fn resource_tags(context: &mut Vec<(String, Vec<String>)>, tags: &[Tag]) {
    for tag in tags {
        context.push((
            format!("aws:ResourceTag/{}", tag.key),
            vec![tag.value.clone()],
        ));
    }
}

// ---- Running operations ----

/// Runs the operation: `Ok(Some(result_xml_inner))` for operations with output (the inside of
/// `<ActionResult>`), `Ok(None)` for those without.
pub fn handle(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
) -> Result<Option<String>, AwsError> {
    handle_target(store, action, params, caller, None)
}

/// Runs an IAM operation whose [`target`] was already worked out (and authorized): what the
/// target read, the operation does not read again.
pub fn handle_target(
    store: &Store,
    action: &str,
    params: &Params,
    caller: &Caller,
    target: Option<&Target>,
) -> Result<Option<String>, AwsError> {
    let mut x = Xml::new();
    let p = params;
    match action {
        // ---- Users ----
        "CreateUser" => {
            let user = store.create_user(
                p.required("UserName")?,
                p.get("Path"),
                p.get("PermissionsBoundary"),
                &tags(p),
            )?;
            x.node("User", |x| user_xml(x, &user));
        }
        "GetUser" => {
            let name = user_name(p, caller)?;
            let user = store.get_user(&name)?;
            x.node("User", |x| user_xml(x, &user));
        }
        "ListUsers" => {
            let users = store.list_users(p.get("PathPrefix"))?;
            paged(&mut x, "Users", &users, p, user_xml)?;
        }
        "DeleteUser" => return none(store.delete_user(p.required("UserName")?)),
        "TagUser" => return none(store.tag_user(p.required("UserName")?, &tags(p))),
        "UntagUser" => {
            return none(store.untag_user(p.required("UserName")?, &p.list("TagKeys")));
        }
        "ListUserTags" => {
            let tags = store.list_user_tags(p.required("UserName")?)?;
            paged(&mut x, "Tags", &tags, p, tag_xml)?;
        }
        "PutUserPermissionsBoundary" => {
            return none(store.put_user_permissions_boundary(
                p.required("UserName")?,
                p.required("PermissionsBoundary")?,
            ));
        }
        "DeleteUserPermissionsBoundary" => {
            return none(store.delete_user_permissions_boundary(p.required("UserName")?));
        }

        // ---- Groups ----
        "CreateGroup" => {
            let group = store.create_group(p.required("GroupName")?, p.get("Path"))?;
            x.node("Group", |x| group_xml(x, &group));
        }
        "GetGroup" => {
            let (group, users) = store.get_group(p.required("GroupName")?)?;
            x.node("Group", |x| group_xml(x, &group));
            paged(&mut x, "Users", &users, p, user_xml)?;
        }
        "ListGroups" => {
            let groups = store.list_groups(p.get("PathPrefix"))?;
            paged(&mut x, "Groups", &groups, p, group_xml)?;
        }
        "DeleteGroup" => return none(store.delete_group(p.required("GroupName")?)),
        "AddUserToGroup" => {
            return none(
                store.add_user_to_group(p.required("GroupName")?, p.required("UserName")?),
            );
        }
        "RemoveUserFromGroup" => {
            return none(
                store.remove_user_from_group(p.required("GroupName")?, p.required("UserName")?),
            );
        }
        "ListGroupsForUser" => {
            let groups = store.list_groups_for_user(p.required("UserName")?)?;
            paged(&mut x, "Groups", &groups, p, group_xml)?;
        }

        // ---- Roles ----
        "CreateRole" => {
            let role = store.create_role(
                p.required("RoleName")?,
                p.get("Path"),
                p.required("AssumeRolePolicyDocument")?,
                p.get("Description"),
                p.int("MaxSessionDuration")?,
                p.get("PermissionsBoundary"),
                &tags(p),
            )?;
            x.node("Role", |x| role_xml(x, &role));
        }
        "GetRole" => {
            let name = p.required("RoleName")?;
            let role = match target.and_then(|t| t.role.clone()) {
                Some(role) => role,
                None => store.get_role(name)?,
            };
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
        }
        "ListRoles" => {
            let roles = store.list_roles(p.get("PathPrefix"))?;
            // "This operation does not return the following attributes, even though they are
            // an attribute of the returned object: PermissionsBoundary, RoleLastUsed, Tags"
            // (`API_ListRoles.html`).
            paged(&mut x, "Roles", &roles, p, role_summary_xml)?;
        }
        "DeleteRole" => return none(store.delete_role(p.required("RoleName")?)),
        "UpdateAssumeRolePolicy" => {
            return none(store.update_assume_role_policy(
                p.required("RoleName")?,
                p.required("PolicyDocument")?,
            ));
        }
        "UpdateRole" => {
            store.update_role(
                p.required("RoleName")?,
                p.get("Description"),
                p.int("MaxSessionDuration")?,
            )?;
        }
        "UpdateRoleDescription" => {
            let role = store.update_role(
                p.required("RoleName")?,
                Some(p.required("Description")?),
                None,
            )?;
            x.node("Role", |x| role_xml(x, &role));
        }
        "PutRolePermissionsBoundary" => {
            return none(store.put_role_permissions_boundary(
                p.required("RoleName")?,
                p.required("PermissionsBoundary")?,
            ));
        }
        "DeleteRolePermissionsBoundary" => {
            return none(store.delete_role_permissions_boundary(p.required("RoleName")?));
        }
        "TagRole" => return none(store.tag_role(p.required("RoleName")?, &tags(p))),
        "UntagRole" => {
            return none(store.untag_role(p.required("RoleName")?, &p.list("TagKeys")));
        }
        "ListRoleTags" => {
            let tags = store.list_role_tags(p.required("RoleName")?)?;
            paged(&mut x, "Tags", &tags, p, tag_xml)?;
        }

        // ---- Service-linked roles ----
        "CreateServiceLinkedRole" => {
            let role = store.create_service_linked_role(
                p.required("AWSServiceName")?,
                p.get("Description"),
                p.get("CustomSuffix"),
            )?;
            x.node("Role", |x| role_xml(x, &role));
        }
        "DeleteServiceLinkedRole" => {
            let task = store.delete_service_linked_role(p.required("RoleName")?)?;
            x.text("DeletionTaskId", &task);
        }
        "GetServiceLinkedRoleDeletionStatus" => {
            let task = p.required("DeletionTaskId")?;
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
            // Warden deletes at once: every task it handed out has succeeded.
            x.text("Status", "SUCCEEDED");
        }

        // ---- Instance profiles ----
        "CreateInstanceProfile" => {
            let tags = tags(p);
            let profile = store.create_instance_profile(
                p.required("InstanceProfileName")?,
                p.get("Path"),
                &tags,
            )?;
            x.node("InstanceProfile", |x| profile_xml(x, &profile, &tags));
        }
        "GetInstanceProfile" => {
            let name = p.required("InstanceProfileName")?;
            let profile = store.get_instance_profile(name)?;
            let tags = store.list_instance_profile_tags(name).unwrap_or_default();
            x.node("InstanceProfile", |x| profile_xml(x, &profile, &tags));
        }
        "ListInstanceProfiles" => {
            let profiles = store.list_instance_profiles(p.get("PathPrefix"))?;
            paged(&mut x, "InstanceProfiles", &profiles, p, |x, profile| {
                profile_xml(x, profile, &[])
            })?;
        }
        "ListInstanceProfilesForRole" => {
            let profiles = store.list_instance_profiles_for_role(p.required("RoleName")?)?;
            paged(&mut x, "InstanceProfiles", &profiles, p, |x, profile| {
                profile_xml(x, profile, &[])
            })?;
        }
        "AddRoleToInstanceProfile" => {
            return none(store.add_role_to_instance_profile(
                p.required("InstanceProfileName")?,
                p.required("RoleName")?,
            ));
        }
        "RemoveRoleFromInstanceProfile" => {
            return none(store.remove_role_from_instance_profile(
                p.required("InstanceProfileName")?,
                p.required("RoleName")?,
            ));
        }
        "DeleteInstanceProfile" => {
            return none(store.delete_instance_profile(p.required("InstanceProfileName")?));
        }
        "TagInstanceProfile" => {
            return none(store.tag_instance_profile(p.required("InstanceProfileName")?, &tags(p)));
        }
        "UntagInstanceProfile" => {
            return none(
                store
                    .untag_instance_profile(p.required("InstanceProfileName")?, &p.list("TagKeys")),
            );
        }
        "ListInstanceProfileTags" => {
            let tags = store.list_instance_profile_tags(p.required("InstanceProfileName")?)?;
            paged(&mut x, "Tags", &tags, p, tag_xml)?;
        }

        // ---- Managed policies ----
        "CreatePolicy" => {
            let tags = tags(p);
            let policy = store.create_policy(
                p.required("PolicyName")?,
                p.get("Path"),
                p.required("PolicyDocument")?,
                p.get("Description"),
                &tags,
            )?;
            x.node("Policy", |x| policy_xml(x, &policy, Some(&tags)));
        }
        "GetPolicy" => {
            let arn = p.required("PolicyArn")?;
            let policy = store.get_policy(arn)?;
            let tags = store.list_policy_tags(arn).unwrap_or_default();
            x.node("Policy", |x| policy_xml(x, &policy, Some(&tags)));
        }
        "ListPolicies" => {
            let policies = store.list_policies(
                p.get("Scope").unwrap_or("All"),
                p.bool("OnlyAttached")?.unwrap_or(false),
                p.get("PathPrefix"),
            )?;
            paged(&mut x, "Policies", &policies, p, |x, policy| {
                policy_xml(x, policy, None)
            })?;
        }
        "DeletePolicy" => return none(store.delete_policy(p.required("PolicyArn")?)),
        "CreatePolicyVersion" => {
            let version = store.create_policy_version(
                p.required("PolicyArn")?,
                p.required("PolicyDocument")?,
                p.bool("SetAsDefault")?.unwrap_or(false),
            )?;
            x.node("PolicyVersion", |x| version_xml(x, &version));
        }
        "GetPolicyVersion" => {
            let version =
                store.get_policy_version(p.required("PolicyArn")?, p.required("VersionId")?)?;
            x.node("PolicyVersion", |x| version_xml(x, &version));
        }
        "ListPolicyVersions" => {
            let versions = store.list_policy_versions(p.required("PolicyArn")?)?;
            // ListPolicyVersions leaves the documents out.
            paged(&mut x, "Versions", &versions, p, |x, v| {
                x.text("VersionId", &v.version_id)
                    .bool("IsDefaultVersion", v.is_default_version)
                    .text("CreateDate", &date(&v.create_date));
            })?;
        }
        "DeletePolicyVersion" => {
            return none(
                store.delete_policy_version(p.required("PolicyArn")?, p.required("VersionId")?),
            );
        }
        "SetDefaultPolicyVersion" => {
            return none(
                store
                    .set_default_policy_version(p.required("PolicyArn")?, p.required("VersionId")?),
            );
        }
        "ListEntitiesForPolicy" => list_entities_for_policy(store, p, &mut x)?,
        "TagPolicy" => return none(store.tag_policy(p.required("PolicyArn")?, &tags(p))),
        "UntagPolicy" => {
            return none(store.untag_policy(p.required("PolicyArn")?, &p.list("TagKeys")));
        }
        "ListPolicyTags" => {
            let tags = store.list_policy_tags(p.required("PolicyArn")?)?;
            paged(&mut x, "Tags", &tags, p, tag_xml)?;
        }

        // ---- Attachments ----
        "AttachUserPolicy" | "AttachGroupPolicy" | "AttachRolePolicy" => {
            let kind = kind_of(action);
            return none(store.attach_policy(
                kind,
                p.required(name_param(kind))?,
                p.required("PolicyArn")?,
            ));
        }
        "DetachUserPolicy" | "DetachGroupPolicy" | "DetachRolePolicy" => {
            let kind = kind_of(action);
            return none(store.detach_policy(
                kind,
                p.required(name_param(kind))?,
                p.required("PolicyArn")?,
            ));
        }
        "ListAttachedUserPolicies" | "ListAttachedGroupPolicies" | "ListAttachedRolePolicies" => {
            let kind = kind_of(action);
            let mut attached = store.list_attached_policies(kind, p.required(name_param(kind))?)?;
            if let Some(prefix) = p.get("PathPrefix") {
                attached.retain(|a| policy_path(&a.policy_arn).starts_with(prefix));
            }
            paged(&mut x, "AttachedPolicies", &attached, p, attached_xml)?;
        }

        // ---- Inline policies ----
        "PutUserPolicy" | "PutGroupPolicy" | "PutRolePolicy" => {
            let kind = kind_of(action);
            return none(store.put_inline_policy(
                kind,
                p.required(name_param(kind))?,
                p.required("PolicyName")?,
                p.required("PolicyDocument")?,
            ));
        }
        "GetUserPolicy" | "GetGroupPolicy" | "GetRolePolicy" => {
            let kind = kind_of(action);
            let entity = p.required(name_param(kind))?;
            let policy_name = p.required("PolicyName")?;
            let document = store.get_inline_policy(kind, entity, policy_name)?;
            x.text(name_param(kind), entity)
                .text("PolicyName", policy_name)
                .text("PolicyDocument", &encode_document(&document));
        }
        "ListUserPolicies" | "ListGroupPolicies" | "ListRolePolicies" => {
            let kind = kind_of(action);
            let names = store.list_inline_policies(kind, p.required(name_param(kind))?)?;
            paged(&mut x, "PolicyNames", &names, p, |x, name| {
                x.member_text(name)
            })?;
        }
        "DeleteUserPolicy" | "DeleteGroupPolicy" | "DeleteRolePolicy" => {
            let kind = kind_of(action);
            return none(store.delete_inline_policy(
                kind,
                p.required(name_param(kind))?,
                p.required("PolicyName")?,
            ));
        }

        // ---- Access keys ----
        "CreateAccessKey" => {
            let key = store.create_access_key(&user_name(p, caller)?)?;
            x.node("AccessKey", |x| {
                x.text("UserName", &key.user_name)
                    .text("AccessKeyId", &key.access_key_id)
                    .text("Status", &key.status)
                    .text("SecretAccessKey", &key.secret_access_key)
                    .text("CreateDate", &date(&key.create_date));
            });
        }
        "ListAccessKeys" => {
            let keys = store.list_access_keys(&user_name(p, caller)?)?;
            paged(&mut x, "AccessKeyMetadata", &keys, p, access_key_xml)?;
        }
        "UpdateAccessKey" => {
            return none(store.update_access_key(
                &user_name(p, caller)?,
                p.required("AccessKeyId")?,
                p.required("Status")?,
            ));
        }
        "DeleteAccessKey" => {
            return none(
                store.delete_access_key(&user_name(p, caller)?, p.required("AccessKeyId")?),
            );
        }

        // ---- The account ----
        "GetAccountAuthorizationDetails" => authorization_details(store, p, &mut x)?,
        "GetAccountSummary" => account_summary(store, &mut x)?,

        // ---- The simulator ----
        "SimulateCustomPolicy" => {
            let req = custom_request(p)?;
            let response = simulate_custom_policy(&req).map_err(simulate_error)?;
            simulation_xml(&mut x, &response);
        }
        "SimulatePrincipalPolicy" => {
            let custom = custom_request_lists(p, false)?;
            let req = SimulatePrincipalPolicyRequest {
                policy_source_arn: p.required("PolicySourceArn")?.to_string(),
                policy_input_list: custom.policy_input_list,
                permissions_boundary_policy_input_list: custom
                    .permissions_boundary_policy_input_list,
                action_names: custom.action_names,
                resource_arns: custom.resource_arns,
                resource_policy: custom.resource_policy,
                resource_owner: custom.resource_owner,
                caller_arn: custom.caller_arn,
                context_entries: custom.context_entries,
                resource_handling_option: custom.resource_handling_option,
                max_items: custom.max_items,
                marker: custom.marker,
            };
            let response = store.simulate_principal_policy(&req)?;
            simulation_xml(&mut x, &response);
        }
        "GetContextKeysForCustomPolicy" => {
            let inputs = p.list("PolicyInputList");
            if inputs.is_empty() {
                return Err(null_member("policyInputList"));
            }
            let mut keys = Vec::new();
            for (i, text) in inputs.iter().enumerate() {
                let policy = parse_input(text, i)?;
                collect_keys(&policy, &mut keys);
            }
            context_keys_xml(&mut x, &keys);
        }
        "GetContextKeysForPrincipalPolicy" => {
            let source = p.required("PolicySourceArn")?;
            let principal = store.principal_policies(source)?;
            let mut keys = Vec::new();
            for compiled in principal.identity.iter().chain(principal.boundary.iter()) {
                collect_keys(compiled.policy(), &mut keys);
            }
            for (i, text) in p.list("PolicyInputList").iter().enumerate() {
                let policy = parse_input(text, i)?;
                collect_keys(&policy, &mut keys);
            }
            context_keys_xml(&mut x, &keys);
        }
        _ => {
            return Err(AwsError::new(
                "InvalidAction",
                format!("Could not find operation {action} for version 2010-05-08"),
                400,
            ));
        }
    }
    Ok(Some(x.into_string()))
}

/// An operation without output.
fn none(result: warden_store::Result<()>) -> Result<Option<String>, AwsError> {
    result?;
    Ok(None)
}

/// `UserName`, or the calling user's own name when absent (as IAM defaults it).
fn user_name(params: &Params, caller: &Caller) -> Result<String, AwsError> {
    match params.get("UserName") {
        Some(name) => Ok(name.to_string()),
        None => caller.user_name.clone().ok_or_else(|| {
            AwsError::validation("Must specify userName when calling with non-User credentials")
        }),
    }
}

/// The entity kind an `...User...` / `...Group...` / `...Role...` operation works on.
fn kind_of(action: &str) -> EntityKind {
    if action.contains("User") {
        EntityKind::User
    } else if action.contains("Group") {
        EntityKind::Group
    } else {
        EntityKind::Role
    }
}

/// The parameter naming an entity of `kind`.
fn name_param(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "UserName",
        EntityKind::Group => "GroupName",
        EntityKind::Role => "RoleName",
    }
}

/// `Tags.member.N.Key` / `.Value`.
pub(crate) fn tags(params: &Params) -> Vec<Tag> {
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
fn null_member(member: &str) -> AwsError {
    AwsError::validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// A policy's path from its ARN: `arn:aws:iam::aws:policy/service-role/X` -> `/service-role/`.
fn policy_path(arn: &str) -> &str {
    let rest = arn.split_once(":policy").map_or("/", |(_, rest)| rest);
    match rest.rfind('/') {
        Some(i) => &rest[..=i],
        None => "/",
    }
}

/// A timestamp as IAM writes it: ISO 8601 UTC ending in `Z`.
fn date(text: &str) -> String {
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
fn paged<T: Clone>(
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

fn tag_xml(x: &mut Xml, tag: &Tag) {
    x.text("Key", &tag.key).text("Value", &tag.value);
}

fn tags_xml(x: &mut Xml, tags: &[Tag]) {
    if !tags.is_empty() {
        x.list("Tags", tags, tag_xml);
    }
}

fn boundary_xml(x: &mut Xml, boundary: Option<&str>) {
    if let Some(arn) = boundary {
        x.node("PermissionsBoundary", |x| {
            x.text("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .text("PermissionsBoundaryArn", arn);
        });
    }
}

fn user_xml(x: &mut Xml, user: &User) {
    x.text("Path", &user.path)
        .text("UserName", &user.user_name)
        .text("UserId", &user.user_id)
        .text("Arn", &user.arn)
        .text("CreateDate", &date(&user.create_date));
    boundary_xml(x, user.permissions_boundary.as_deref());
    tags_xml(x, &user.tags);
}

fn group_xml(x: &mut Xml, group: &Group) {
    x.text("Path", &group.path)
        .text("GroupName", &group.group_name)
        .text("GroupId", &group.group_id)
        .text("Arn", &group.arn)
        .text("CreateDate", &date(&group.create_date));
}

fn role_xml(x: &mut Xml, role: &Role) {
    role_summary_xml(x, role);
    boundary_xml(x, role.permissions_boundary.as_deref());
    tags_xml(x, &role.tags);
}

fn role_summary_xml(x: &mut Xml, role: &Role) {
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

fn profile_xml(x: &mut Xml, profile: &InstanceProfile, tags: &[Tag]) {
    x.text("Path", &profile.path)
        .text("InstanceProfileName", &profile.instance_profile_name)
        .text("InstanceProfileId", &profile.instance_profile_id)
        .text("Arn", &profile.arn)
        .text("CreateDate", &date(&profile.create_date))
        .list("Roles", &profile.roles, role_xml);
    tags_xml(x, tags);
}

fn policy_xml(x: &mut Xml, policy: &ManagedPolicy, tags: Option<&[Tag]>) {
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

fn version_xml(x: &mut Xml, version: &PolicyVersion) {
    x.text("Document", &encode_document(&version.document))
        .text("VersionId", &version.version_id)
        .bool("IsDefaultVersion", version.is_default_version)
        .text("CreateDate", &date(&version.create_date));
}

fn attached_xml(x: &mut Xml, attached: &AttachedPolicy) {
    x.text("PolicyName", &attached.policy_name)
        .text("PolicyArn", &attached.policy_arn);
}

fn access_key_xml(x: &mut Xml, key: &AccessKeyMetadata) {
    x.text("UserName", &key.user_name)
        .text("AccessKeyId", &key.access_key_id)
        .text("Status", &key.status)
        .text("CreateDate", &date(&key.create_date));
}

// ---- ListEntitiesForPolicy ----

fn list_entities_for_policy(store: &Store, p: &Params, x: &mut Xml) -> Result<(), AwsError> {
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

fn authorization_details(store: &Store, p: &Params, x: &mut Xml) -> Result<(), AwsError> {
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

// ---- The simulator ----

/// A `SimulateCustomPolicy` request from the parameters.
fn custom_request(p: &Params) -> Result<SimulateCustomPolicyRequest, AwsError> {
    custom_request_lists(p, true)
}

fn custom_request_lists(
    p: &Params,
    policies_required: bool,
) -> Result<SimulateCustomPolicyRequest, AwsError> {
    let policy_input_list = p.list("PolicyInputList");
    if policies_required && policy_input_list.is_empty() {
        return Err(null_member("policyInputList"));
    }
    let action_names = p.list("ActionNames");
    if action_names.is_empty() {
        return Err(null_member("actionNames"));
    }
    let context_entries = p
        .structs("ContextEntries")
        .iter()
        .map(|e| ContextEntry {
            context_key_name: e.get("ContextKeyName").unwrap_or_default().to_string(),
            context_key_values: e.list("ContextKeyValues"),
            context_key_type: e.get("ContextKeyType").map(str::to_string),
        })
        .collect();
    let max_items = match p.int("MaxItems")? {
        None => None,
        Some(n) if (1..=1000).contains(&n) => Some(n as u32),
        Some(n) => {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy \
                 constraint: Member must have value {}",
                if n < 1 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 1000"
                }
            )));
        }
    };
    Ok(SimulateCustomPolicyRequest {
        policy_input_list,
        permissions_boundary_policy_input_list: p.list("PermissionsBoundaryPolicyInputList"),
        action_names,
        resource_arns: p.list("ResourceArns"),
        resource_policy: p.get("ResourcePolicy").map(str::to_string),
        resource_owner: p.get("ResourceOwner").map(str::to_string),
        caller_arn: p.get("CallerArn").map(str::to_string),
        context_entries,
        resource_handling_option: p.get("ResourceHandlingOption").map(str::to_string),
        max_items,
        marker: p.get("Marker").map(str::to_string),
        ..SimulateCustomPolicyRequest::default()
    })
}

fn simulate_error(e: SimulateError) -> AwsError {
    let status = if e.code == "NoSuchEntity" { 404 } else { 400 };
    AwsError::new(e.code, e.message, status)
}

fn simulation_xml(x: &mut Xml, response: &SimulatePolicyResponse) {
    x.list(
        "EvaluationResults",
        &response.evaluation_results,
        evaluation_xml,
    );
    x.bool("IsTruncated", response.is_truncated)
        .opt("Marker", response.marker.as_deref());
}

fn evaluation_xml(x: &mut Xml, r: &EvaluationResult) {
    x.text("EvalActionName", &r.eval_action_name)
        .text("EvalResourceName", &r.eval_resource_name)
        .text("EvalDecision", &r.eval_decision)
        .list("MatchedStatements", &r.matched_statements, |x, s| {
            x.text("SourcePolicyId", &s.source_policy_id)
                .text("SourcePolicyType", &s.source_policy_type)
                .node("StartPosition", |x| {
                    x.int("Line", i64::from(s.start_position.line))
                        .int("Column", i64::from(s.start_position.column));
                })
                .node("EndPosition", |x| {
                    x.int("Line", i64::from(s.end_position.line))
                        .int("Column", i64::from(s.end_position.column));
                });
        })
        .list("MissingContextValues", &r.missing_context_values, |x, k| {
            x.member_text(k)
        });
    if let Some(org) = &r.organizations_decision_detail {
        x.node("OrganizationsDecisionDetail", |x| {
            x.bool("AllowedByOrganizations", org.allowed_by_organizations);
        });
    }
    if let Some(pb) = &r.permissions_boundary_decision_detail {
        x.node("PermissionsBoundaryDecisionDetail", |x| {
            x.bool(
                "AllowedByPermissionsBoundary",
                pb.allowed_by_permissions_boundary,
            );
        });
    }
}

fn parse_input(text: &str, index: usize) -> Result<Policy, AwsError> {
    Policy::parse(text).map_err(|e| {
        AwsError::new(
            "MalformedPolicyDocument",
            format!("PolicyInputList.{}: {}", index + 1, e.message()),
            400,
        )
    })
}

/// The condition keys a policy's statements name, as written, each once (regardless of case).
fn collect_keys(policy: &Policy, keys: &mut Vec<String>) {
    for statement in policy.statements() {
        for clause in statement.conditions() {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(&clause.key)) {
                keys.push(clause.key.clone());
            }
        }
    }
}

fn context_keys_xml(x: &mut Xml, keys: &[String]) {
    x.list("ContextKeyNames", keys, |x, k| x.member_text(k));
}
