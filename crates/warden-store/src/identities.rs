//! Users, groups, roles (and service-linked roles), instance profiles and access keys: creating,
//! reading, listing, changing and deleting them, with IAM's rules and messages.
//!
//! Every mutation is one write transaction ([`crate::Database::write`]): its checks and its
//! changes cannot interleave with another writer's, in this process or another, and a failure
//! part-way leaves nothing behind.

use std::collections::HashMap;

use warden_core::PolicyType;
use warden_core::policy::validate::{SizeLimit, validate_with_limit};

use crate::db::{Row, Tx, Value};
use crate::error::{ErrorCode, Result, StoreError};
use crate::ids::{self, IdKind};
use crate::lookup::{self, not_found};
use crate::model::{
    AccessKey, AccessKeyMetadata, EntityKind, Group, InstanceProfile, Role, Tag, User, arn,
    check_name, check_path,
};
use crate::store::Store;
use crate::tags;

/// IAM's quota of access keys per user.
pub const ACCESS_KEYS_PER_USER: i64 = 2;

/// IAM's quota of groups a user may belong to.
pub const GROUPS_PER_USER: i64 = 10;

/// A role's maximum session duration unless told otherwise, in seconds.
pub const DEFAULT_MAX_SESSION_DURATION: i64 = 3600;

/// The longest maximum session duration a role may have, in seconds.
pub const MAX_MAX_SESSION_DURATION: i64 = 43200;

const DETACH_POLICIES_FIRST: &str = "Cannot delete entity, must detach all policies first.";
const DELETE_POLICIES_FIRST: &str = "Cannot delete entity, must delete policies first.";
const REMOVE_FROM_GROUPS_FIRST: &str = "Cannot delete entity, must remove users from group first.";
const DELETE_ACCESS_KEYS_FIRST: &str = "Cannot delete entity, must delete access keys first.";
const REMOVE_ROLES_FIRST: &str =
    "Cannot delete entity, must remove roles from instance profile first.";

/// A service that Warden can create a service-linked role for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkedService {
    /// The service principal, e.g. `ecs.amazonaws.com`.
    pub service: &'static str,
    /// The role's name, e.g. `AWSServiceRoleForECS`.
    pub role_name: &'static str,
    /// The AWS managed policy attached to the role.
    pub policy_arn: &'static str,
    /// Whether the service accepts a custom suffix (the role is then `ROLE_NAME_SUFFIX`).
    pub custom_suffix: bool,
}

/// The service-linked roles Warden knows, as AWS creates them.
const LINKED_SERVICES: &[LinkedService] = &[
    LinkedService {
        service: "ecs.amazonaws.com",
        role_name: "AWSServiceRoleForECS",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy",
        custom_suffix: false,
    },
    LinkedService {
        service: "autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForAutoScaling",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
        custom_suffix: true,
    },
    LinkedService {
        service: "ecs.application-autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForApplicationAutoScaling_ECSService",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AWSApplicationAutoscalingECSServicePolicy",
        custom_suffix: false,
    },
    LinkedService {
        service: "ec2.application-autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AWSApplicationAutoscalingEC2SpotFleetRequestPolicy",
        custom_suffix: false,
    },
    LinkedService {
        service: "spot.amazonaws.com",
        role_name: "AWSServiceRoleForEC2Spot",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotServiceRolePolicy",
        custom_suffix: false,
    },
    LinkedService {
        service: "spotfleet.amazonaws.com",
        role_name: "AWSServiceRoleForEC2SpotFleet",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotFleetServiceRolePolicy",
        custom_suffix: false,
    },
    LinkedService {
        service: "elasticloadbalancing.amazonaws.com",
        role_name: "AWSServiceRoleForElasticLoadBalancing",
        policy_arn: "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy",
        custom_suffix: false,
    },
];

// ---- Users ----

impl Store {
    /// Creates a user (`CreateUser`): name up to 64 characters, unique regardless of case;
    /// optionally a permissions boundary (a policy ARN) and tags.
    pub fn create_user(
        &self,
        name: &str,
        path: Option<&str>,
        permissions_boundary: Option<&str>,
        tags: &[Tag],
    ) -> Result<User> {
        check_name(name, "userName", 64)?;
        let path = check_path(path)?;
        self.db().write(|tx| {
            if exists(tx, "iam_users", name)? {
                return Err(StoreError::already_exists(format!(
                    "User with name {name} already exists."
                )));
            }
            if let Some(boundary) = permissions_boundary {
                check_boundary(tx, &self.account_id(), boundary)?;
            }
            let id = ids::new_id(IdKind::User);
            tx.execute(
                "INSERT INTO iam_users (id, name, name_key, path, create_date, boundary) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    id.as_str().into(),
                    name.into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    ids::now().into(),
                    permissions_boundary.into(),
                ],
            )?;
            tags::put(tx, "user", &id, tags)?;
            find_user(tx, &self.account_id(), name)
        })
    }

    /// The user named `name` (`GetUser`), with its tags.
    pub fn get_user(&self, name: &str) -> Result<User> {
        self.db().read(|tx| find_user(tx, &self.account_id(), name))
    }

    /// The users whose path starts with `path_prefix` (all if `None`), by name regardless of
    /// case (`ListUsers`).
    pub fn list_users(&self, path_prefix: Option<&str>) -> Result<Vec<User>> {
        check_path_prefix(path_prefix)?;
        self.db().read(|tx| {
            let mut all_tags = all_tags(tx, "user")?;
            Ok(tx
                .query(
                    &format!("SELECT {USER_COLUMNS} FROM iam_users ORDER BY name_key"),
                    &[],
                )?
                .iter()
                .filter(|row| has_prefix(&row.str(2), path_prefix))
                .map(|row| {
                    let tags = all_tags.remove(&row.str(0)).unwrap_or_default();
                    user_from(&self.account_id(), row, tags)
                })
                .collect())
        })
    }

    /// Deletes a user (`DeleteUser`). IAM refuses while the user has attached managed policies,
    /// inline policies, group memberships or access keys.
    pub fn delete_user(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            refuse_if_policies(tx, EntityKind::User, &id)?;
            if tx.count(
                "SELECT COUNT(*) FROM iam_group_members WHERE user_id = $1",
                &[id.as_str().into()],
            )? > 0
            {
                return Err(StoreError::delete_conflict(REMOVE_FROM_GROUPS_FIRST));
            }
            if tx.count(
                "SELECT COUNT(*) FROM iam_access_keys WHERE user_id = $1",
                &[id.as_str().into()],
            )? > 0
            {
                return Err(StoreError::delete_conflict(DELETE_ACCESS_KEYS_FIRST));
            }
            tags::clear(tx, "user", &id)?;
            tx.execute("DELETE FROM iam_users WHERE id = $1", &[id.into()])?;
            Ok(())
        })
    }

    /// Adds or overwrites tags of a user (`TagUser`).
    pub fn tag_user(&self, name: &str, tags: &[Tag]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            tags::put(tx, "user", &id, tags)
        })
    }

    /// Removes tags of a user by key, regardless of case (`UntagUser`).
    pub fn untag_user(&self, name: &str, keys: &[String]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            tags::remove(tx, "user", &id, keys)
        })
    }

    /// A user's tags, by key (`ListUserTags`).
    pub fn list_user_tags(&self, name: &str) -> Result<Vec<Tag>> {
        self.db().read(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            tags::load(tx, "user", &id)
        })
    }

    /// Sets a user's permissions boundary (`PutUserPermissionsBoundary`): a customer managed
    /// policy of this account or an AWS managed policy.
    pub fn put_user_permissions_boundary(&self, name: &str, policy_arn: &str) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            check_boundary(tx, &self.account_id(), policy_arn)?;
            tx.execute(
                "UPDATE iam_users SET boundary = $1 WHERE id = $2",
                &[policy_arn.into(), id.into()],
            )?;
            Ok(())
        })
    }

    /// Removes a user's permissions boundary (`DeleteUserPermissionsBoundary`).
    pub fn delete_user_permissions_boundary(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::User, name)?;
            tx.execute(
                "UPDATE iam_users SET boundary = NULL WHERE id = $1",
                &[id.into()],
            )?;
            Ok(())
        })
    }
}

// ---- Groups ----

impl Store {
    /// Creates a group (`CreateGroup`): name up to 128 characters, unique regardless of case.
    pub fn create_group(&self, name: &str, path: Option<&str>) -> Result<Group> {
        check_name(name, "groupName", 128)?;
        let path = check_path(path)?;
        self.db().write(|tx| {
            if exists(tx, "iam_groups", name)? {
                return Err(StoreError::already_exists(format!(
                    "Group with name {name} already exists."
                )));
            }
            tx.execute(
                "INSERT INTO iam_groups (id, name, name_key, path, create_date) VALUES ($1, $2, $3, $4, $5)",
                &[
                    ids::new_id(IdKind::Group).into(),
                    name.into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    ids::now().into(),
                ],
            )?;
            find_group(tx, &self.account_id(), name)
        })
    }

    /// The group named `name` and its members, by name (`GetGroup`).
    pub fn get_group(&self, name: &str) -> Result<(Group, Vec<User>)> {
        self.db().read(|tx| {
            let group = find_group(tx, &self.account_id(), name)?;
            let mut all_tags = all_tags(tx, "user")?;
            let members = tx
                .query(
                    "SELECT u.id, u.name, u.path, u.create_date, u.boundary FROM iam_users u JOIN iam_group_members m ON m.user_id = u.id WHERE m.group_id = $1 ORDER BY u.name_key",
                    &[group.group_id.as_str().into()],
                )?
                .iter()
                .map(|row| {
                    let tags = all_tags.remove(&row.str(0)).unwrap_or_default();
                    user_from(&self.account_id(), row, tags)
                })
                .collect();
            Ok((group, members))
        })
    }

    /// The groups whose path starts with `path_prefix` (all if `None`), by name (`ListGroups`).
    pub fn list_groups(&self, path_prefix: Option<&str>) -> Result<Vec<Group>> {
        check_path_prefix(path_prefix)?;
        self.db().read(|tx| {
            Ok(tx
                .query(
                    &format!("SELECT {GROUP_COLUMNS} FROM iam_groups ORDER BY name_key"),
                    &[],
                )?
                .iter()
                .filter(|row| has_prefix(&row.str(2), path_prefix))
                .map(|row| group_from(&self.account_id(), row))
                .collect())
        })
    }

    /// Deletes a group (`DeleteGroup`). IAM refuses while it has members, inline policies or
    /// attached managed policies.
    pub fn delete_group(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::Group, name)?;
            if tx.count(
                "SELECT COUNT(*) FROM iam_group_members WHERE group_id = $1",
                &[id.as_str().into()],
            )? > 0
            {
                return Err(StoreError::delete_conflict(REMOVE_FROM_GROUPS_FIRST));
            }
            refuse_if_policies(tx, EntityKind::Group, &id)?;
            tx.execute("DELETE FROM iam_groups WHERE id = $1", &[id.into()])?;
            Ok(())
        })
    }

    /// Adds a user to a group (`AddUserToGroup`); adding a member again changes nothing. A user
    /// belongs to at most 10 groups.
    pub fn add_user_to_group(&self, group: &str, user: &str) -> Result<()> {
        self.db().write(|tx| {
            let group_id = lookup::entity_id(tx, EntityKind::Group, group)?;
            let user_id = lookup::entity_id(tx, EntityKind::User, user)?;
            let params = [group_id.as_str().into(), user_id.as_str().into()];
            if tx.count(
                "SELECT COUNT(*) FROM iam_group_members WHERE group_id = $1 AND user_id = $2",
                &params,
            )? > 0
            {
                return Ok(());
            }
            if tx.count(
                "SELECT COUNT(*) FROM iam_group_members WHERE user_id = $1",
                &[user_id.as_str().into()],
            )? >= GROUPS_PER_USER
            {
                return Err(StoreError::limit_exceeded(format!(
                    "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
                )));
            }
            tx.execute(
                "INSERT INTO iam_group_members (group_id, user_id) VALUES ($1, $2)",
                &params,
            )?;
            Ok(())
        })
    }

    /// Removes a user from a group (`RemoveUserFromGroup`); NoSuchEntity if the user is not a
    /// member.
    pub fn remove_user_from_group(&self, group: &str, user: &str) -> Result<()> {
        self.db().write(|tx| {
            let group_id = lookup::entity_id(tx, EntityKind::Group, group)?;
            let user_id = lookup::entity_id(tx, EntityKind::User, user)?;
            let removed = tx.execute(
                "DELETE FROM iam_group_members WHERE group_id = $1 AND user_id = $2",
                &[group_id.into(), user_id.into()],
            )?;
            if removed == 0 {
                return Err(not_found(EntityKind::User, user));
            }
            Ok(())
        })
    }

    /// The groups a user belongs to, by name (`ListGroupsForUser`).
    pub fn list_groups_for_user(&self, user: &str) -> Result<Vec<Group>> {
        self.db().read(|tx| {
            let user_id = lookup::entity_id(tx, EntityKind::User, user)?;
            Ok(tx
                .query(
                    "SELECT g.id, g.name, g.path, g.create_date FROM iam_groups g JOIN iam_group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.name_key",
                    &[user_id.into()],
                )?
                .iter()
                .map(|row| group_from(&self.account_id(), row))
                .collect())
        })
    }
}

// ---- Roles ----

impl Store {
    /// Creates a role (`CreateRole`): name up to 64 characters, unique regardless of case; the
    /// trust policy is validated as IAM does (MalformedPolicyDocument with AWS's message);
    /// `max_session_duration` defaults to 3600 and must lie in 3600..=43200; optionally a
    /// description (up to 1000 characters), a permissions boundary and tags. The arguments are
    /// CreateRole's parameters, in its order.
    #[allow(clippy::too_many_arguments)]
    pub fn create_role(
        &self,
        name: &str,
        path: Option<&str>,
        assume_role_policy_document: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
        permissions_boundary: Option<&str>,
        tags: &[Tag],
    ) -> Result<Role> {
        check_name(name, "roleName", 64)?;
        let path = check_path(path)?;
        if let Some(description) = description {
            check_description(description)?;
        }
        let max_session_duration = max_session_duration.unwrap_or(DEFAULT_MAX_SESSION_DURATION);
        check_max_session_duration(max_session_duration)?;
        check_trust_policy(assume_role_policy_document)?;
        self.db().write(|tx| {
            if exists(tx, "iam_roles", name)? {
                return Err(StoreError::already_exists(format!(
                    "Role with name {name} already exists."
                )));
            }
            if let Some(boundary) = permissions_boundary {
                check_boundary(tx, &self.account_id(), boundary)?;
            }
            let id = ids::new_id(IdKind::Role);
            tx.execute(
                "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, description, max_session_duration, boundary, service_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
                &[
                    id.as_str().into(),
                    name.into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    ids::now().into(),
                    assume_role_policy_document.into(),
                    description.into(),
                    Value::Int(max_session_duration),
                    permissions_boundary.into(),
                ],
            )?;
            tags::put(tx, "role", &id, tags)?;
            find_role(tx, &self.account_id(), name)
        })
    }

    /// Records that the role with id `role_id` was assumed at `when`, in `region`: GetRole's
    /// `RoleLastUsed`. No cache depends on it, so the generation stays (a busy role would
    /// otherwise invalidate every cached policy set at each AssumeRole).
    pub fn record_role_use(
        &self,
        role_id: &str,
        when: time::OffsetDateTime,
        region: &str,
    ) -> Result<()> {
        let date = crate::ids::timestamp(when);
        self.db().write_unversioned(|tx| {
            tx.execute(
                "UPDATE iam_roles SET last_used_date = $1, last_used_region = $2 WHERE id = $3",
                &[date.as_str().into(), region.into(), role_id.into()],
            )
        })?;
        Ok(())
    }

    /// The role named `name` (`GetRole`), with its tags.
    pub fn get_role(&self, name: &str) -> Result<Role> {
        self.db().read(|tx| find_role(tx, &self.account_id(), name))
    }

    /// The roles whose path starts with `path_prefix` (all if `None`), by name (`ListRoles`).
    pub fn list_roles(&self, path_prefix: Option<&str>) -> Result<Vec<Role>> {
        check_path_prefix(path_prefix)?;
        self.db().read(|tx| {
            let mut all_tags = all_tags(tx, "role")?;
            Ok(tx
                .query(
                    &format!("SELECT {ROLE_COLUMNS} FROM iam_roles ORDER BY name_key"),
                    &[],
                )?
                .iter()
                .filter(|row| has_prefix(&row.str(2), path_prefix))
                .map(|row| {
                    let tags = all_tags.remove(&row.str(0)).unwrap_or_default();
                    role_from(&self.account_id(), row, tags)
                })
                .collect())
        })
    }

    /// Deletes a role (`DeleteRole`). IAM refuses while the role is in an instance profile or
    /// has inline or attached managed policies, and refuses service-linked roles altogether
    /// ([`Store::delete_service_linked_role`] deletes those).
    pub fn delete_role(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            refuse_if_service_linked(&role)?;
            if tx.count(
                "SELECT COUNT(*) FROM iam_instance_profiles WHERE role_id = $1",
                &[role.role_id.as_str().into()],
            )? > 0
            {
                return Err(StoreError::delete_conflict(REMOVE_ROLES_FIRST));
            }
            refuse_if_policies(tx, EntityKind::Role, &role.role_id)?;
            tags::clear(tx, "role", &role.role_id)?;
            tx.execute(
                "DELETE FROM iam_roles WHERE id = $1",
                &[role.role_id.into()],
            )?;
            Ok(())
        })
    }

    /// Replaces a role's trust policy (`UpdateAssumeRolePolicy`), validated as
    /// [`Store::create_role`] validates it. Service-linked roles' trust policies are AWS's.
    pub fn update_assume_role_policy(&self, name: &str, document: &str) -> Result<()> {
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            refuse_if_service_linked(&role)?;
            check_trust_policy(document)?;
            tx.execute(
                "UPDATE iam_roles SET trust_policy = $1 WHERE id = $2",
                &[document.into(), role.role_id.into()],
            )?;
            Ok(())
        })
    }

    /// Changes a role's description and/or maximum session duration (`UpdateRole`); `None`
    /// leaves a field as it is. A service-linked role's description may change, nothing else.
    pub fn update_role(
        &self,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<Role> {
        if let Some(description) = description {
            check_description(description)?;
        }
        if let Some(duration) = max_session_duration {
            check_max_session_duration(duration)?;
        }
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            if let Some(description) = description {
                tx.execute(
                    "UPDATE iam_roles SET description = $1 WHERE id = $2",
                    &[description.into(), role.role_id.as_str().into()],
                )?;
            }
            if let Some(duration) = max_session_duration {
                refuse_if_service_linked(&role)?;
                tx.execute(
                    "UPDATE iam_roles SET max_session_duration = $1 WHERE id = $2",
                    &[Value::Int(duration), role.role_id.as_str().into()],
                )?;
            }
            find_role(tx, &self.account_id(), name)
        })
    }

    /// Sets a role's permissions boundary (`PutRolePermissionsBoundary`): a customer managed
    /// policy of this account or an AWS managed policy. Not on service-linked roles.
    pub fn put_role_permissions_boundary(&self, name: &str, policy_arn: &str) -> Result<()> {
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            refuse_if_service_linked(&role)?;
            check_boundary(tx, &self.account_id(), policy_arn)?;
            tx.execute(
                "UPDATE iam_roles SET boundary = $1 WHERE id = $2",
                &[policy_arn.into(), role.role_id.into()],
            )?;
            Ok(())
        })
    }

    /// Removes a role's permissions boundary (`DeleteRolePermissionsBoundary`). Not on
    /// service-linked roles.
    pub fn delete_role_permissions_boundary(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            refuse_if_service_linked(&role)?;
            tx.execute(
                "UPDATE iam_roles SET boundary = NULL WHERE id = $1",
                &[role.role_id.into()],
            )?;
            Ok(())
        })
    }

    /// Adds or overwrites tags of a role (`TagRole`).
    pub fn tag_role(&self, name: &str, tags: &[Tag]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::Role, name)?;
            tags::put(tx, "role", &id, tags)
        })
    }

    /// Removes tags of a role by key, regardless of case (`UntagRole`).
    pub fn untag_role(&self, name: &str, keys: &[String]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::entity_id(tx, EntityKind::Role, name)?;
            tags::remove(tx, "role", &id, keys)
        })
    }

    /// A role's tags, by key (`ListRoleTags`).
    pub fn list_role_tags(&self, name: &str) -> Result<Vec<Tag>> {
        self.db().read(|tx| {
            let id = lookup::entity_id(tx, EntityKind::Role, name)?;
            tags::load(tx, "role", &id)
        })
    }
}

// ---- Service-linked roles ----

impl Store {
    /// The services Warden creates service-linked roles for, with each role's name and AWS
    /// managed policy.
    pub fn linked_services() -> &'static [LinkedService] {
        LINKED_SERVICES
    }

    /// Creates the service-linked role of `service` (`CreateServiceLinkedRole`): at path
    /// `/aws-service-role/SERVICE/`, trusting the service, with the service's AWS managed policy
    /// attached. One per service (per suffix, where the service takes one); its trust policy,
    /// boundary and policies are AWS's and cannot be changed.
    pub fn create_service_linked_role(
        &self,
        service: &str,
        description: Option<&str>,
        custom_suffix: Option<&str>,
    ) -> Result<Role> {
        let linked = LINKED_SERVICES
            .iter()
            .find(|s| s.service.eq_ignore_ascii_case(service))
            .ok_or_else(|| {
                StoreError::invalid_input(format!("Unknown service principal: {service}"))
            })?;
        let name = match custom_suffix {
            None => linked.role_name.to_string(),
            Some(_) if !linked.custom_suffix => {
                return Err(StoreError::invalid_input(format!(
                    "Custom suffix is not allowed for {}",
                    linked.service
                )));
            }
            Some(suffix) => {
                check_name(suffix, "customSuffix", 64)?;
                let name = format!("{}_{suffix}", linked.role_name);
                check_name(&name, "roleName", 64)?;
                name
            }
        };
        if let Some(description) = description {
            check_description(description)?;
        }
        let path = format!("/aws-service-role/{}/", linked.service);
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
            linked.service
        );
        self.db().write(|tx| {
            if exists(tx, "iam_roles", &name)? {
                return Err(StoreError::invalid_input(format!(
                    "Service role name {name} has been taken in this account, please try a different suffix."
                )));
            }
            let id = ids::new_id(IdKind::Role);
            tx.execute(
                "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, description, max_session_duration, boundary, service_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)",
                &[
                    id.as_str().into(),
                    name.as_str().into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    ids::now().into(),
                    trust.as_str().into(),
                    description.into(),
                    Value::Int(DEFAULT_MAX_SESSION_DURATION),
                    linked.service.into(),
                ],
            )?;
            tx.execute(
                "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, $2)",
                &[id.as_str().into(), linked.policy_arn.into()],
            )?;
            find_role(tx, &self.account_id(), &name)
        })
    }

    /// Deletes a service-linked role with its attached policies (`DeleteServiceLinkedRole`), and
    /// returns the deletion task's id, `task/aws-service-role/SERVICE/NAME/UUID` (Warden deletes
    /// at once, so the task has succeeded).
    pub fn delete_service_linked_role(&self, name: &str) -> Result<String> {
        self.db().write(|tx| {
            let role = find_role(tx, &self.account_id(), name)?;
            let Some(service) = role.service_linked.clone() else {
                return Err(StoreError::invalid_input(format!(
                    "Role {} is not a service-linked role.",
                    role.role_name
                )));
            };
            let id = role.role_id.as_str();
            tx.execute(
                "UPDATE iam_instance_profiles SET role_id = NULL WHERE role_id = $1",
                &[id.into()],
            )?;
            tx.execute(
                "DELETE FROM iam_attachments WHERE entity_kind = 'role' AND entity_id = $1",
                &[id.into()],
            )?;
            tx.execute(
                "DELETE FROM iam_inline_policies WHERE entity_kind = 'role' AND entity_id = $1",
                &[id.into()],
            )?;
            tags::clear(tx, "role", id)?;
            tx.execute("DELETE FROM iam_roles WHERE id = $1", &[id.into()])?;
            Ok(format!(
                "task/aws-service-role/{service}/{}/{}",
                role.role_name,
                crate::ids::uuid()
            ))
        })
    }
}

// ---- Instance profiles ----

impl Store {
    /// Creates an instance profile (`CreateInstanceProfile`): name up to 128 characters, unique
    /// regardless of case; optionally tags.
    pub fn create_instance_profile(
        &self,
        name: &str,
        path: Option<&str>,
        tags: &[Tag],
    ) -> Result<InstanceProfile> {
        check_name(name, "instanceProfileName", 128)?;
        let path = check_path(path)?;
        self.db().write(|tx| {
            if exists(tx, "iam_instance_profiles", name)? {
                return Err(StoreError::already_exists(format!(
                    "Instance Profile {name} already exists."
                )));
            }
            let id = ids::new_id(IdKind::InstanceProfile);
            tx.execute(
                "INSERT INTO iam_instance_profiles (id, name, name_key, path, create_date, role_id) VALUES ($1, $2, $3, $4, $5, NULL)",
                &[
                    id.as_str().into(),
                    name.into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    ids::now().into(),
                ],
            )?;
            tags::put(tx, "instance-profile", &id, tags)?;
            find_profile(tx, &self.account_id(), name)
        })
    }

    /// The instance profile named `name`, with its role (`GetInstanceProfile`).
    pub fn get_instance_profile(&self, name: &str) -> Result<InstanceProfile> {
        self.db()
            .read(|tx| find_profile(tx, &self.account_id(), name))
    }

    /// The instance profiles whose path starts with `path_prefix` (all if `None`), by name
    /// (`ListInstanceProfiles`).
    pub fn list_instance_profiles(
        &self,
        path_prefix: Option<&str>,
    ) -> Result<Vec<InstanceProfile>> {
        check_path_prefix(path_prefix)?;
        self.db().read(|tx| {
            let rows = tx.query(
                &format!("SELECT {PROFILE_COLUMNS} FROM iam_instance_profiles ORDER BY name_key"),
                &[],
            )?;
            rows.iter()
                .filter(|row| has_prefix(&row.str(2), path_prefix))
                .map(|row| profile_from(tx, &self.account_id(), row))
                .collect()
        })
    }

    /// The instance profiles that hold a role (`ListInstanceProfilesForRole`).
    pub fn list_instance_profiles_for_role(&self, role: &str) -> Result<Vec<InstanceProfile>> {
        self.db().read(|tx| {
            let role_id = lookup::entity_id(tx, EntityKind::Role, role)?;
            let rows = tx.query(
                &format!(
                    "SELECT {PROFILE_COLUMNS} FROM iam_instance_profiles WHERE role_id = $1 ORDER BY name_key"
                ),
                &[role_id.into()],
            )?;
            rows.iter()
                .map(|row| profile_from(tx, &self.account_id(), row))
                .collect()
        })
    }

    /// Puts a role in an instance profile (`AddRoleToInstanceProfile`). A profile holds one
    /// role: LimitExceeded if it already has one.
    pub fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> Result<()> {
        self.db().write(|tx| {
            let row = profile_row(tx, profile)?;
            let role_id = lookup::entity_id(tx, EntityKind::Role, role)?;
            if row.opt(4).is_some() {
                return Err(StoreError::limit_exceeded(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
                ));
            }
            tx.execute(
                "UPDATE iam_instance_profiles SET role_id = $1 WHERE id = $2",
                &[role_id.into(), row.str(0).into()],
            )?;
            Ok(())
        })
    }

    /// Takes a role out of an instance profile (`RemoveRoleFromInstanceProfile`); NoSuchEntity
    /// if the profile does not hold it.
    pub fn remove_role_from_instance_profile(&self, profile: &str, role: &str) -> Result<()> {
        self.db().write(|tx| {
            let row = profile_row(tx, profile)?;
            let role_id = lookup::entity_id(tx, EntityKind::Role, role)?;
            if row.opt(4).as_deref() != Some(role_id.as_str()) {
                return Err(not_found(EntityKind::Role, role));
            }
            tx.execute(
                "UPDATE iam_instance_profiles SET role_id = NULL WHERE id = $1",
                &[row.str(0).into()],
            )?;
            Ok(())
        })
    }

    /// Deletes an instance profile (`DeleteInstanceProfile`); DeleteConflict while it holds a
    /// role.
    pub fn delete_instance_profile(&self, name: &str) -> Result<()> {
        self.db().write(|tx| {
            let row = profile_row(tx, name)?;
            if row.opt(4).is_some() {
                return Err(StoreError::delete_conflict(REMOVE_ROLES_FIRST));
            }
            let id = row.str(0);
            tags::clear(tx, "instance-profile", &id)?;
            tx.execute(
                "DELETE FROM iam_instance_profiles WHERE id = $1",
                &[id.into()],
            )?;
            Ok(())
        })
    }

    /// Adds or overwrites tags of an instance profile (`TagInstanceProfile`).
    pub fn tag_instance_profile(&self, name: &str, tags: &[Tag]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::instance_profile_id(tx, name)?;
            tags::put(tx, "instance-profile", &id, tags)
        })
    }

    /// Removes tags of an instance profile by key (`UntagInstanceProfile`).
    pub fn untag_instance_profile(&self, name: &str, keys: &[String]) -> Result<()> {
        self.db().write(|tx| {
            let id = lookup::instance_profile_id(tx, name)?;
            tags::remove(tx, "instance-profile", &id, keys)
        })
    }

    /// An instance profile's tags, by key (`ListInstanceProfileTags`).
    pub fn list_instance_profile_tags(&self, name: &str) -> Result<Vec<Tag>> {
        self.db().read(|tx| {
            let id = lookup::instance_profile_id(tx, name)?;
            tags::load(tx, "instance-profile", &id)
        })
    }
}

// ---- Access keys ----

impl Store {
    /// Creates an access key for a user (`CreateAccessKey`), Active. The secret is in the
    /// answer and nowhere else IAM shows it. At most two keys a user (LimitExceeded).
    pub fn create_access_key(&self, user: &str) -> Result<AccessKey> {
        self.insert_access_key(user, None)
    }

    /// Gives `user` the access key `id` with `secret` (an operator's chosen credentials, e.g.
    /// the endpoint's administrator from the environment). The id must look like AWS's
    /// (`AKIA` and 16 more characters of A-Z and 2-7), the secret 40 characters. Idempotent
    /// when the user already has exactly this key; the quota of 2 keys applies.
    pub fn import_access_key(&self, user: &str, id: &str, secret: &str) -> Result<AccessKey> {
        let id_ok = id.len() == 20
            && id.starts_with("AKIA")
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !id_ok || secret.len() != 40 {
            return Err(StoreError::invalid_input(
                "an access key id is AKIA and 16 upper-case letters or digits, and its secret 40 characters",
            ));
        }
        self.insert_access_key(user, Some((id, secret)))
    }

    fn insert_access_key(&self, user: &str, given: Option<(&str, &str)>) -> Result<AccessKey> {
        self.db().write(|tx| {
            if let Some((id, secret)) = given
                && let Some(row) = tx.query_one(
                    "SELECT k.secret, k.status, k.create_date, u.name FROM iam_access_keys k JOIN iam_users u ON u.id = k.user_id WHERE k.id = $1",
                    &[id.into()],
                )?
            {
                if row.str(0) == secret && row.str(3).eq_ignore_ascii_case(user) {
                    return Ok(AccessKey {
                        user_name: row.str(3),
                        access_key_id: id.to_string(),
                        status: row.str(1),
                        secret_access_key: secret.to_string(),
                        create_date: row.str(2),
                    });
                }
                return Err(StoreError::already_exists(format!(
                    "The access key {id} already exists with another secret or owner."
                )));
            }
            let (user_id, user_name) = user_row(tx, user)?;
            if tx.count(
                "SELECT COUNT(*) FROM iam_access_keys WHERE user_id = $1",
                &[user_id.as_str().into()],
            )? >= ACCESS_KEYS_PER_USER
            {
                return Err(StoreError::limit_exceeded(format!(
                    "Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"
                )));
            }
            let (access_key_id, secret_access_key) = match given {
                Some((id, secret)) => (id.to_string(), secret.to_string()),
                None => (ids::new_id(IdKind::AccessKey), ids::new_secret()),
            };
            let key = AccessKey {
                user_name,
                access_key_id,
                status: "Active".to_string(),
                secret_access_key,
                create_date: ids::now(),
            };
            tx.execute(
                "INSERT INTO iam_access_keys (id, user_id, secret, status, create_date) VALUES ($1, $2, $3, $4, $5)",
                &[
                    key.access_key_id.as_str().into(),
                    user_id.into(),
                    key.secret_access_key.as_str().into(),
                    key.status.as_str().into(),
                    key.create_date.as_str().into(),
                ],
            )?;
            Ok(key)
        })
    }

    /// A user's access keys, without their secrets, oldest first (`ListAccessKeys`).
    pub fn list_access_keys(&self, user: &str) -> Result<Vec<AccessKeyMetadata>> {
        self.db().read(|tx| {
            let (user_id, user_name) = user_row(tx, user)?;
            Ok(tx
                .query(
                    "SELECT id, status, create_date FROM iam_access_keys WHERE user_id = $1 ORDER BY create_date, id",
                    &[user_id.into()],
                )?
                .iter()
                .map(|row| AccessKeyMetadata {
                    user_name: user_name.clone(),
                    access_key_id: row.str(0),
                    status: row.str(1),
                    create_date: row.str(2),
                })
                .collect())
        })
    }

    /// Sets an access key's status, `Active` or `Inactive` (`UpdateAccessKey`).
    pub fn update_access_key(&self, user: &str, access_key_id: &str, status: &str) -> Result<()> {
        if status != "Active" && status != "Inactive" {
            return Err(validation(format!(
                "1 validation error detected: Value '{status}' at 'status' failed to satisfy \
                 constraint: Member must satisfy enum value set: [Active, Inactive]"
            )));
        }
        self.db().write(|tx| {
            let (user_id, _) = user_row(tx, user)?;
            let changed = tx.execute(
                "UPDATE iam_access_keys SET status = $1 WHERE id = $2 AND user_id = $3",
                &[status.into(), access_key_id.into(), user_id.into()],
            )?;
            if changed == 0 {
                return Err(no_such_key(access_key_id));
            }
            Ok(())
        })
    }

    /// Deletes an access key (`DeleteAccessKey`).
    pub fn delete_access_key(&self, user: &str, access_key_id: &str) -> Result<()> {
        self.db().write(|tx| {
            let (user_id, _) = user_row(tx, user)?;
            let deleted = tx.execute(
                "DELETE FROM iam_access_keys WHERE id = $1 AND user_id = $2",
                &[access_key_id.into(), user_id.into()],
            )?;
            if deleted == 0 {
                return Err(no_such_key(access_key_id));
            }
            Ok(())
        })
    }

    /// For verifying a request's signature: the owner of an access key, the key's secret and
    /// its status (`Active`, `Inactive`); `None` if no such key exists.
    pub fn access_key_secret(&self, access_key_id: &str) -> Result<Option<(User, String, String)>> {
        self.db().read(|tx| {
            let Some(row) = tx.query_one(
                "SELECT u.id, u.name, u.path, u.create_date, u.boundary, k.secret, k.status FROM iam_access_keys k JOIN iam_users u ON u.id = k.user_id WHERE k.id = $1",
                &[access_key_id.into()],
            )?
            else {
                return Ok(None);
            };
            let tags = tags::load(tx, "user", &row.str(0))?;
            Ok(Some((
                user_from(&self.account_id(), &row, tags),
                row.str(5),
                row.str(6),
            )))
        })
    }
}

// ---- Helpers ----

const USER_COLUMNS: &str = "id, name, path, create_date, boundary";
const GROUP_COLUMNS: &str = "id, name, path, create_date";
const ROLE_COLUMNS: &str = "id, name, path, create_date, trust_policy, description, max_session_duration, boundary, service_name, last_used_date, last_used_region";
const PROFILE_COLUMNS: &str = "id, name, path, create_date, role_id";

fn validation(message: String) -> StoreError {
    StoreError::new(ErrorCode::ValidationError, message)
}

/// Whether `table` holds an entity named `name`, regardless of case.
fn exists(tx: &mut dyn Tx, table: &str, name: &str) -> Result<bool> {
    Ok(tx.count(
        &format!("SELECT COUNT(*) FROM {table} WHERE name_key = $1"),
        &[name.to_lowercase().into()],
    )? > 0)
}

fn has_prefix(path: &str, prefix: Option<&str>) -> bool {
    prefix.is_none_or(|prefix| path.starts_with(prefix))
}

fn check_path_prefix(prefix: Option<&str>) -> Result<()> {
    match prefix {
        Some(prefix)
            if !prefix.starts_with('/')
                || prefix.len() > 512
                || !prefix.chars().all(|c| ('\u{21}'..='\u{7f}').contains(&c)) =>
        {
            Err(validation(format!(
                "1 validation error detected: Value '{prefix}' at 'pathPrefix' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*"
            )))
        }
        _ => Ok(()),
    }
}

fn check_description(description: &str) -> Result<()> {
    if description.chars().count() > 1000 {
        return Err(validation(format!(
            "1 validation error detected: Value '{description}' at 'description' failed to \
             satisfy constraint: Member must have length less than or equal to 1000"
        )));
    }
    Ok(())
}

fn check_max_session_duration(seconds: i64) -> Result<()> {
    let bound = if seconds < DEFAULT_MAX_SESSION_DURATION {
        format!("greater than or equal to {DEFAULT_MAX_SESSION_DURATION}")
    } else if seconds > MAX_MAX_SESSION_DURATION {
        format!("less than or equal to {MAX_MAX_SESSION_DURATION}")
    } else {
        return Ok(());
    };
    Err(validation(format!(
        "1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed to \
         satisfy constraint: Member must have value {bound}"
    )))
}

/// Validates a trust policy as IAM does; the first error is the one IAM reports, with its code.
fn check_trust_policy(document: &str) -> Result<()> {
    let report = validate_with_limit(document, PolicyType::Trust, SizeLimit::TrustPolicy);
    match report.errors.first() {
        None => Ok(()),
        Some(error) => {
            let code = match error.code {
                "LimitExceeded" => ErrorCode::LimitExceeded,
                "ValidationError" => ErrorCode::ValidationError,
                _ => ErrorCode::MalformedPolicyDocument,
            };
            Err(StoreError::new(code, error.message.clone()))
        }
    }
}

/// A permissions boundary must be an existing managed policy: a customer managed policy of this
/// account, or an AWS managed policy that is still attachable.
fn check_boundary(tx: &mut dyn Tx, account: &str, policy_arn: &str) -> Result<()> {
    let not_attachable = || {
        StoreError::no_such_entity(format!(
            "Scope ARN: {policy_arn} does not exist or is not attachable."
        ))
    };
    let Some(rest) = policy_arn.strip_prefix("arn:aws:iam::") else {
        return Err(invalid_boundary(policy_arn));
    };
    let Some((owner, resource)) = rest.split_once(':') else {
        return Err(invalid_boundary(policy_arn));
    };
    let owner_ok =
        owner == "aws" || (owner.len() == 12 && owner.bytes().all(|b| b.is_ascii_digit()));
    if !owner_ok || !resource.starts_with("policy/") || resource.len() <= "policy/".len() {
        return Err(invalid_boundary(policy_arn));
    }
    if owner == "aws" {
        return match warden_catalog::managed().lookup(policy_arn) {
            Ok(policy) if policy.deprecated.is_none() => Ok(()),
            _ => Err(not_attachable()),
        };
    }
    if owner != account
        || tx.count(
            "SELECT COUNT(*) FROM iam_policies WHERE arn = $1",
            &[policy_arn.into()],
        )? == 0
    {
        return Err(not_attachable());
    }
    Ok(())
}

fn invalid_boundary(policy_arn: &str) -> StoreError {
    StoreError::invalid_input(format!(
        "Value ({policy_arn}) for parameter PermissionsBoundary is invalid."
    ))
}

/// DeleteConflict if a user, group or role still has inline or attached managed policies.
fn refuse_if_policies(tx: &mut dyn Tx, kind: EntityKind, id: &str) -> Result<()> {
    let params = [kind.as_str().into(), id.into()];
    if tx.count(
        "SELECT COUNT(*) FROM iam_inline_policies WHERE entity_kind = $1 AND entity_id = $2",
        &params,
    )? > 0
    {
        return Err(StoreError::delete_conflict(DELETE_POLICIES_FIRST));
    }
    if tx.count(
        "SELECT COUNT(*) FROM iam_attachments WHERE entity_kind = $1 AND entity_id = $2",
        &params,
    )? > 0
    {
        return Err(StoreError::delete_conflict(DETACH_POLICIES_FIRST));
    }
    Ok(())
}

fn refuse_if_service_linked(role: &Role) -> Result<()> {
    if role.service_linked.is_some() {
        return Err(StoreError::unmodifiable(format!(
            "Cannot perform the operation on the protected role '{}' - this role is only \
             modifiable by AWS",
            role.role_name
        )));
    }
    Ok(())
}

fn no_such_key(access_key_id: &str) -> StoreError {
    StoreError::no_such_entity(format!(
        "The Access Key with id {access_key_id} cannot be found."
    ))
}

/// Every tag of one kind of entity, by entity id, each list in key order.
fn all_tags(tx: &mut dyn Tx, kind: &str) -> Result<HashMap<String, Vec<Tag>>> {
    let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
    for row in tx.query(
        "SELECT entity_id, key, value FROM iam_tags WHERE entity_kind = $1 ORDER BY key_lower",
        &[kind.into()],
    )? {
        map.entry(row.str(0)).or_default().push(Tag {
            key: row.str(1),
            value: row.str(2),
        });
    }
    Ok(map)
}

fn user_from(account: &str, row: &Row, tags: Vec<Tag>) -> User {
    let name = row.str(1);
    let path = row.str(2);
    User {
        user_id: row.str(0),
        arn: arn(account, "user", &path, &name),
        user_name: name,
        path,
        create_date: row.str(3),
        permissions_boundary: row.opt(4),
        tags,
    }
}

fn group_from(account: &str, row: &Row) -> Group {
    let name = row.str(1);
    let path = row.str(2);
    Group {
        group_id: row.str(0),
        arn: arn(account, "group", &path, &name),
        group_name: name,
        path,
        create_date: row.str(3),
    }
}

fn role_from(account: &str, row: &Row, tags: Vec<Tag>) -> Role {
    let name = row.str(1);
    let path = row.str(2);
    Role {
        role_id: row.str(0),
        arn: arn(account, "role", &path, &name),
        role_name: name,
        path,
        create_date: row.str(3),
        assume_role_policy_document: row.str(4),
        description: row.opt(5),
        max_session_duration: row.int(6),
        permissions_boundary: row.opt(7),
        tags,
        service_linked: row.opt(8),
        role_last_used: match (row.opt(9), row.opt(10)) {
            (Some(last_used_date), Some(region)) => Some(crate::model::RoleLastUsed {
                last_used_date,
                region,
            }),
            _ => None,
        },
    }
}

fn find_user(tx: &mut dyn Tx, account: &str, name: &str) -> Result<User> {
    let row = tx
        .query_one(
            &format!("SELECT {USER_COLUMNS} FROM iam_users WHERE name_key = $1"),
            &[name.to_lowercase().into()],
        )?
        .ok_or_else(|| not_found(EntityKind::User, name))?;
    let tags = tags::load(tx, "user", &row.str(0))?;
    Ok(user_from(account, &row, tags))
}

/// A user's id and name as stored.
fn user_row(tx: &mut dyn Tx, name: &str) -> Result<(String, String)> {
    tx.query_one(
        "SELECT id, name FROM iam_users WHERE name_key = $1",
        &[name.to_lowercase().into()],
    )?
    .map(|row| (row.str(0), row.str(1)))
    .ok_or_else(|| not_found(EntityKind::User, name))
}

fn find_group(tx: &mut dyn Tx, account: &str, name: &str) -> Result<Group> {
    tx.query_one(
        &format!("SELECT {GROUP_COLUMNS} FROM iam_groups WHERE name_key = $1"),
        &[name.to_lowercase().into()],
    )?
    .map(|row| group_from(account, &row))
    .ok_or_else(|| not_found(EntityKind::Group, name))
}

fn find_role(tx: &mut dyn Tx, account: &str, name: &str) -> Result<Role> {
    let row = tx
        .query_one(
            &format!("SELECT {ROLE_COLUMNS} FROM iam_roles WHERE name_key = $1"),
            &[name.to_lowercase().into()],
        )?
        .ok_or_else(|| not_found(EntityKind::Role, name))?;
    let tags = tags::load(tx, "role", &row.str(0))?;
    Ok(role_from(account, &row, tags))
}

/// An instance profile's row ([`PROFILE_COLUMNS`]), or IAM's NoSuchEntity.
fn profile_row(tx: &mut dyn Tx, name: &str) -> Result<Row> {
    tx.query_one(
        &format!("SELECT {PROFILE_COLUMNS} FROM iam_instance_profiles WHERE name_key = $1"),
        &[name.to_lowercase().into()],
    )?
    .ok_or_else(|| StoreError::no_such_entity(format!("Instance Profile {name} cannot be found.")))
}

fn find_profile(tx: &mut dyn Tx, account: &str, name: &str) -> Result<InstanceProfile> {
    let row = profile_row(tx, name)?;
    profile_from(tx, account, &row)
}

fn profile_from(tx: &mut dyn Tx, account: &str, row: &Row) -> Result<InstanceProfile> {
    let mut roles = Vec::new();
    if let Some(role_id) = row.opt(4)
        && let Some(role_row) = tx.query_one(
            &format!("SELECT {ROLE_COLUMNS} FROM iam_roles WHERE id = $1"),
            &[role_id.as_str().into()],
        )?
    {
        let tags = tags::load(tx, "role", &role_id)?;
        roles.push(role_from(account, &role_row, tags));
    }
    let name = row.str(1);
    let path = row.str(2);
    Ok(InstanceProfile {
        instance_profile_id: row.str(0),
        arn: arn(account, "instance-profile", &path, &name),
        instance_profile_name: name,
        path,
        create_date: row.str(3),
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linked_service_policy_is_an_aws_service_role_policy_in_the_catalog() {
        let catalog = warden_catalog::managed();
        for linked in LINKED_SERVICES {
            let policy = catalog
                .lookup(linked.policy_arn)
                .unwrap_or_else(|e| panic!("{}: {e}", linked.service));
            assert_eq!(policy.path, "/aws-service-role/", "{}", linked.service);
            assert_eq!(policy.arn(), linked.policy_arn, "{}", linked.service);
            assert!(policy.deprecated.is_none(), "{}", linked.service);
            assert!(linked.role_name.starts_with("AWSServiceRoleFor"));
            assert!(check_name(linked.role_name, "roleName", 64).is_ok());
        }
    }

    #[test]
    fn session_durations_and_task_ids() {
        assert!(check_max_session_duration(3600).is_ok());
        assert!(check_max_session_duration(43200).is_ok());
        assert!(check_max_session_duration(3599).is_err());
        assert!(check_max_session_duration(43201).is_err());
        let uuid = crate::ids::uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.as_bytes()[14], b'4');
        assert_ne!(crate::ids::uuid(), uuid);
    }
}
