//! The operation table: every IAM and STS operation the endpoint serves, one entry each.
//!
//! An entry says how the operation is authorized (by the caller's policies, by a trust policy,
//! or not at all), how the resource it is authorized on is found (an existing entity read from
//! the store with its real path and tags, a new one built from the parameters, the caller
//! itself, a listed path), the further authorizations AWS documents for it (the role passed by
//! AddRoleToInstanceProfile, the tags of a creation), and its handler. The condition keys it
//! supplies are not typed here: they are the ones the built-in catalog (the Service
//! Authorization Reference) lists for the action and its resource type, filled from the
//! request and the entity ([`crate::resolve`]). Routing, authorization and execution all read
//! this one table; `tests/operations.rs` holds it against the catalog and the live endpoint.

use crate::protocol::AwsError;
use crate::{iam, sts};

/// What a handler answers: the inside of `<ActionResult>` for operations with output, `None`
/// for those without.
pub type Reply = Result<Option<String>, AwsError>;

/// An operation's handler: runs it once authorized.
pub type Handler = fn(&crate::Call<'_>) -> Reply;

/// The API an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// IAM, `Version=2010-05-08`.
    Iam,
    /// STS, `Version=2011-06-15`.
    Sts,
}

impl Service {
    /// The service from a SigV4 credential scope's service name.
    pub fn from_scope(name: &str) -> Option<Service> {
        match name {
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            _ => None,
        }
    }

    /// The action prefix, as policies name it (`iam`, `sts`).
    pub fn prefix(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }

    /// The API version its requests carry.
    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
        }
    }
}

/// The kinds of IAM entity an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
    /// An instance profile.
    InstanceProfile,
    /// A managed policy.
    Policy,
}

impl Entity {
    /// The resource type's name in the catalog and in ARNs (`instance-profile`).
    pub fn resource_type(self) -> &'static str {
        match self {
            Entity::User => "user",
            Entity::Group => "group",
            Entity::Role => "role",
            Entity::InstanceProfile => "instance-profile",
            Entity::Policy => "policy",
        }
    }
}

/// How the resource an operation is authorized on is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// An existing entity named by the parameter (a name; an ARN for policies): its real ARN,
    /// path included, and its tags, read from the store. A name that names nothing is decided
    /// on `KIND/NAME` at path `/`, as IAM does; an allowed call then gets `NoSuchEntity`.
    Existing(Entity, &'static str),
    /// The user named by `UserName`, or the calling user when it is absent (IAM defaults it to
    /// the caller: `API_CreateAccessKey.html`), read like [`Resource::Existing`].
    UserOrCaller,
    /// A new entity: the ARN from the `Path` parameter (default `/`) and the name parameter.
    New(Entity, &'static str),
    /// The path a list operation lists, `KIND/PATHPREFIX` (see `docs/server.md`).
    Listed(Entity),
    /// The service-linked role CreateServiceLinkedRole creates, under
    /// `role/aws-service-role/SERVICE/`.
    ServiceLinkedRole,
    /// The role a service-linked role deletion task id names.
    DeletionTask,
    /// The user, group or role the `PolicySourceArn` ARN names.
    PolicySource,
    /// The role the `RoleArn` ARN names.
    RoleArn,
    /// No resource: `*`.
    Account,
}

/// How an operation is authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// By the caller's policies, as `PREFIX:Operation` on the resource.
    Caller,
    /// By the caller's policies together with the role's trust policy (AssumeRole), which the
    /// handler decides once it has read the role and the request's session keys.
    Trust,
    /// Needs no permission: `sts:GetCallerIdentity` (allowed even under an explicit Deny) and
    /// `sts:GetSessionToken` ("No permissions are required", `API_GetSessionToken.html`).
    Nothing,
}

/// A further authorization AWS documents for an operation, beyond its own action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// `iam:PassRole` on the role named by `RoleName`, passed to `service`.
    PassRole {
        /// The service the role is passed to (`iam:PassedToService`).
        service: &'static str,
        /// What `iam:AssociatedResourceArn` holds (`ACCOUNT` stands for the account id).
        associated: &'static str,
    },
    /// When the request carries `Tags`: the tagging action on the new resource, with the
    /// request's tags as `aws:RequestTag/KEY` and `aws:TagKeys`.
    TagOnCreate(&'static str),
}

/// A further authorization with the AWS page that documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// What is checked.
    pub extra: Extra,
    /// The AWS documentation page that says so.
    pub doc: &'static str,
}

/// One operation's entry in the table.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The API.
    pub service: Service,
    /// How it is authorized.
    pub authorization: Authorization,
    /// What it is authorized on.
    pub resource: Resource,
    /// Further authorizations, each required.
    pub extra: &'static [Check],
    /// What runs it.
    pub handler: Handler,
}

const PASS_ROLE_TO_EC2: &[Check] = &[Check {
    // "The caller of this operation must be granted the PassRole permission on the IAM role by
    // a permissions policy"; with iam:AssociatedResourceArn "the ARN value must be
    // arn:aws:ec2:*:CallerAccountId:instance/*". The role goes to EC2 through the profile.
    extra: Extra::PassRole {
        service: "ec2.amazonaws.com",
        associated: "arn:aws:ec2:*:ACCOUNT:instance/*",
    },
    doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html",
}];

/// Tagging on creation needs the tagging action too ("Permissions required ... to add tags
/// when you create it": `id_tags.html`, the IAM tagging permissions).
const fn tag_on_create(action: &'static str) -> Check {
    Check {
        extra: Extra::TagOnCreate(action),
        doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
    }
}

const TAG_USER: &[Check] = &[tag_on_create("iam:TagUser")];
const TAG_ROLE: &[Check] = &[tag_on_create("iam:TagRole")];
const TAG_PROFILE: &[Check] = &[tag_on_create("iam:TagInstanceProfile")];
const TAG_POLICY: &[Check] = &[tag_on_create("iam:TagPolicy")];

macro_rules! operations {
    ($( $service:ident $name:ident: $auth:ident, $resource:expr, $extra:expr, $handler:path; )*) => {
        /// Every operation the endpoint serves.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $(
                #[doc = concat!("`", stringify!($service), " ", stringify!($name), "`.")]
                $name,
            )*
        }

        impl Operation {
            /// Every operation, in the table's order.
            pub const ALL: &'static [Operation] = &[$(Operation::$name),*];

            /// The operation `name` of `service`, if served.
            pub fn find(service: Service, name: &str) -> Option<Operation> {
                match (service, name) {
                    $((Service::$service, stringify!($name)) => Some(Operation::$name),)*
                    _ => None,
                }
            }

            /// The operation's name, as the `Action` parameter gives it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name),)*
                }
            }

            /// The operation's entry in the table.
            pub fn spec(self) -> Spec {
                match self {
                    $(Operation::$name => Spec {
                        service: Service::$service,
                        authorization: Authorization::$auth,
                        resource: $resource,
                        extra: $extra,
                        handler: $handler,
                    },)*
                }
            }
        }
    };
}

use Entity::{Group, InstanceProfile, Policy, Role, User};
use Resource::{Account, Existing, Listed, New, UserOrCaller};

const NONE: &[Check] = &[];

operations! {
    // Users.
    Iam CreateUser: Caller, New(User, "UserName"), TAG_USER, iam::users::create;
    Iam GetUser: Caller, UserOrCaller, NONE, iam::users::get;
    Iam ListUsers: Caller, Listed(User), NONE, iam::users::list;
    Iam DeleteUser: Caller, Existing(User, "UserName"), NONE, iam::users::delete;
    Iam TagUser: Caller, Existing(User, "UserName"), NONE, iam::users::tag;
    Iam UntagUser: Caller, Existing(User, "UserName"), NONE, iam::users::untag;
    Iam ListUserTags: Caller, Existing(User, "UserName"), NONE, iam::users::list_tags;
    Iam PutUserPermissionsBoundary: Caller, Existing(User, "UserName"), NONE, iam::users::put_boundary;
    Iam DeleteUserPermissionsBoundary: Caller, Existing(User, "UserName"), NONE, iam::users::delete_boundary;
    // Groups.
    Iam CreateGroup: Caller, New(Group, "GroupName"), NONE, iam::groups::create;
    Iam GetGroup: Caller, Existing(Group, "GroupName"), NONE, iam::groups::get;
    Iam ListGroups: Caller, Listed(Group), NONE, iam::groups::list;
    Iam DeleteGroup: Caller, Existing(Group, "GroupName"), NONE, iam::groups::delete;
    Iam AddUserToGroup: Caller, Existing(Group, "GroupName"), NONE, iam::groups::add_user;
    Iam RemoveUserFromGroup: Caller, Existing(Group, "GroupName"), NONE, iam::groups::remove_user;
    Iam ListGroupsForUser: Caller, Existing(User, "UserName"), NONE, iam::groups::list_for_user;
    // Roles.
    Iam CreateRole: Caller, New(Role, "RoleName"), TAG_ROLE, iam::roles::create;
    Iam GetRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::get;
    Iam ListRoles: Caller, Listed(Role), NONE, iam::roles::list;
    Iam DeleteRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::delete;
    Iam UpdateAssumeRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::roles::update_trust;
    Iam UpdateRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::update;
    Iam UpdateRoleDescription: Caller, Existing(Role, "RoleName"), NONE, iam::roles::update_description;
    Iam PutRolePermissionsBoundary: Caller, Existing(Role, "RoleName"), NONE, iam::roles::put_boundary;
    Iam DeleteRolePermissionsBoundary: Caller, Existing(Role, "RoleName"), NONE, iam::roles::delete_boundary;
    Iam TagRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::tag;
    Iam UntagRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::untag;
    Iam ListRoleTags: Caller, Existing(Role, "RoleName"), NONE, iam::roles::list_tags;
    // Service-linked roles.
    Iam CreateServiceLinkedRole: Caller, Resource::ServiceLinkedRole, NONE, iam::roles::create_linked;
    Iam DeleteServiceLinkedRole: Caller, Existing(Role, "RoleName"), NONE, iam::roles::delete_linked;
    Iam GetServiceLinkedRoleDeletionStatus: Caller, Resource::DeletionTask, NONE, iam::roles::deletion_status;
    // Instance profiles.
    Iam CreateInstanceProfile: Caller, New(InstanceProfile, "InstanceProfileName"), TAG_PROFILE, iam::instance_profiles::create;
    Iam GetInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::get;
    Iam ListInstanceProfiles: Caller, Listed(InstanceProfile), NONE, iam::instance_profiles::list;
    Iam ListInstanceProfilesForRole: Caller, Existing(Role, "RoleName"), NONE, iam::instance_profiles::list_for_role;
    Iam AddRoleToInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), PASS_ROLE_TO_EC2, iam::instance_profiles::add_role;
    Iam RemoveRoleFromInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::remove_role;
    Iam DeleteInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::delete;
    Iam TagInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::tag;
    Iam UntagInstanceProfile: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::untag;
    Iam ListInstanceProfileTags: Caller, Existing(InstanceProfile, "InstanceProfileName"), NONE, iam::instance_profiles::list_tags;
    // Managed policies.
    Iam CreatePolicy: Caller, New(Policy, "PolicyName"), TAG_POLICY, iam::policies::create;
    Iam GetPolicy: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::get;
    Iam ListPolicies: Caller, Listed(Policy), NONE, iam::policies::list;
    Iam DeletePolicy: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::delete;
    Iam CreatePolicyVersion: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::create_version;
    Iam GetPolicyVersion: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::get_version;
    Iam ListPolicyVersions: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::list_versions;
    Iam DeletePolicyVersion: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::delete_version;
    Iam SetDefaultPolicyVersion: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::set_default_version;
    Iam ListEntitiesForPolicy: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::list_entities;
    Iam TagPolicy: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::tag;
    Iam UntagPolicy: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::untag;
    Iam ListPolicyTags: Caller, Existing(Policy, "PolicyArn"), NONE, iam::policies::list_tags;
    // Attached managed policies.
    Iam AttachUserPolicy: Caller, Existing(User, "UserName"), NONE, iam::attached::attach;
    Iam AttachGroupPolicy: Caller, Existing(Group, "GroupName"), NONE, iam::attached::attach;
    Iam AttachRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::attached::attach;
    Iam DetachUserPolicy: Caller, Existing(User, "UserName"), NONE, iam::attached::detach;
    Iam DetachGroupPolicy: Caller, Existing(Group, "GroupName"), NONE, iam::attached::detach;
    Iam DetachRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::attached::detach;
    Iam ListAttachedUserPolicies: Caller, Existing(User, "UserName"), NONE, iam::attached::list;
    Iam ListAttachedGroupPolicies: Caller, Existing(Group, "GroupName"), NONE, iam::attached::list;
    Iam ListAttachedRolePolicies: Caller, Existing(Role, "RoleName"), NONE, iam::attached::list;
    // Inline policies.
    Iam PutUserPolicy: Caller, Existing(User, "UserName"), NONE, iam::inline::put;
    Iam PutGroupPolicy: Caller, Existing(Group, "GroupName"), NONE, iam::inline::put;
    Iam PutRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::inline::put;
    Iam GetUserPolicy: Caller, Existing(User, "UserName"), NONE, iam::inline::get;
    Iam GetGroupPolicy: Caller, Existing(Group, "GroupName"), NONE, iam::inline::get;
    Iam GetRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::inline::get;
    Iam ListUserPolicies: Caller, Existing(User, "UserName"), NONE, iam::inline::list;
    Iam ListGroupPolicies: Caller, Existing(Group, "GroupName"), NONE, iam::inline::list;
    Iam ListRolePolicies: Caller, Existing(Role, "RoleName"), NONE, iam::inline::list;
    Iam DeleteUserPolicy: Caller, Existing(User, "UserName"), NONE, iam::inline::delete;
    Iam DeleteGroupPolicy: Caller, Existing(Group, "GroupName"), NONE, iam::inline::delete;
    Iam DeleteRolePolicy: Caller, Existing(Role, "RoleName"), NONE, iam::inline::delete;
    // Access keys: UserName defaults to the caller.
    Iam CreateAccessKey: Caller, UserOrCaller, NONE, iam::access_keys::create;
    Iam ListAccessKeys: Caller, UserOrCaller, NONE, iam::access_keys::list;
    Iam UpdateAccessKey: Caller, UserOrCaller, NONE, iam::access_keys::update;
    Iam DeleteAccessKey: Caller, UserOrCaller, NONE, iam::access_keys::delete;
    // The account.
    Iam GetAccountAuthorizationDetails: Caller, Account, NONE, iam::account::authorization_details;
    Iam GetAccountSummary: Caller, Account, NONE, iam::account::summary;
    // The simulator.
    Iam SimulateCustomPolicy: Caller, Account, NONE, iam::simulator::simulate_custom;
    Iam SimulatePrincipalPolicy: Caller, Resource::PolicySource, NONE, iam::simulator::simulate_principal;
    Iam GetContextKeysForCustomPolicy: Caller, Account, NONE, iam::simulator::context_keys_custom;
    Iam GetContextKeysForPrincipalPolicy: Caller, Resource::PolicySource, NONE, iam::simulator::context_keys_principal;
    // STS.
    Sts GetCallerIdentity: Nothing, Account, NONE, sts::caller_identity;
    Sts AssumeRole: Trust, Resource::RoleArn, NONE, sts::assume_role;
    Sts GetSessionToken: Nothing, Account, NONE, sts::session_token;
}

impl Operation {
    /// The IAM action the operation is authorized as: `iam:CreateRole`, `sts:AssumeRole`.
    pub fn action(self) -> String {
        format!("{}:{}", self.spec().service.prefix(), self.name())
    }

    /// The entity kind of an operation on a user's, group's or role's policies.
    pub fn entity(self) -> Option<Entity> {
        match self.spec().resource {
            Resource::Existing(entity, _) | Resource::New(entity, _) => Some(entity),
            Resource::UserOrCaller => Some(Entity::User),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_find_their_operation_and_no_other() {
        for &op in Operation::ALL {
            assert_eq!(Operation::find(op.spec().service, op.name()), Some(op));
        }
        assert_eq!(Operation::find(Service::Sts, "GetRole"), None);
        assert_eq!(Operation::find(Service::Iam, "getrole"), None);
        assert_eq!(Operation::find(Service::Iam, "AssumeRole"), None);
    }

    #[test]
    fn all_lists_the_operations_in_declaration_order() {
        for (i, &op) in Operation::ALL.iter().enumerate() {
            assert_eq!(op as usize, i, "{}", op.name());
        }
    }

    #[test]
    fn only_creations_build_their_resource_from_the_parameters() {
        for &op in Operation::ALL {
            if let Resource::New(..) = op.spec().resource {
                assert!(op.name().starts_with("Create"), "{}", op.name());
            }
        }
        // Creations of something that already exists are decided on the existing entity.
        for name in ["CreateAccessKey", "CreatePolicyVersion"] {
            let op = Operation::find(Service::Iam, name).map(|op| op.spec().resource);
            assert!(
                matches!(op, Some(Resource::Existing(..) | Resource::UserOrCaller)),
                "{name}"
            );
        }
    }
}
