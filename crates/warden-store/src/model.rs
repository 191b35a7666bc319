//! The account's entities, as IAM returns them, and the rules every operation shares: names,
//! paths, ARNs.

use serde::Serialize;

use crate::error::{Result, StoreError};

/// The kinds of principal entities that hold policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EntityKind {
    /// An IAM user.
    User,
    /// A group.
    Group,
    /// A role.
    Role,
}

impl EntityKind {
    /// As stored: `user`, `group`, `role`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
        }
    }

    /// The table holding entities of this kind.
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::User => "iam_users",
            EntityKind::Group => "iam_groups",
            EntityKind::Role => "iam_roles",
        }
    }

    /// How IAM's messages name the kind: `user`, `group`, `role`.
    pub fn noun(self) -> &'static str {
        self.as_str()
    }
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The key (unique regardless of case on one entity).
    pub key: String,
    /// The value.
    pub value: String,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// `AIDA...`.
    pub user_id: String,
    /// The name, as given.
    pub user_name: String,
    /// The path, e.g. `/` or `/ci/`.
    pub path: String,
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub arn: String,
    /// ISO 8601.
    pub create_date: String,
    /// The permissions boundary's policy ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    /// `AGPA...`.
    pub group_id: String,
    /// The name, as given.
    pub group_name: String,
    /// The path.
    pub path: String,
    /// `arn:aws:iam::ACCOUNT:group/PATH/NAME`.
    pub arn: String,
    /// ISO 8601.
    pub create_date: String,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// `AROA...`.
    pub role_id: String,
    /// The name, as given.
    pub role_name: String,
    /// The path (`/aws-service-role/SERVICE/` for service-linked roles).
    pub path: String,
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub arn: String,
    /// ISO 8601.
    pub create_date: String,
    /// The trust policy document.
    pub assume_role_policy_document: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seconds, 3600 to 43200.
    pub max_session_duration: i64,
    /// The permissions boundary's policy ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// For a service-linked role: the service that owns it (`ecs.amazonaws.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_linked: Option<String>,
    /// When and where the role was last assumed, if ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

/// GetRole's `RoleLastUsed`: when the role was last assumed, and in which region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    /// ISO 8601.
    pub last_used_date: String,
    /// The region of the request that used it.
    pub region: String,
}

/// An instance profile: a container for one role, which EC2 instances assume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    /// `AIPA...`.
    pub instance_profile_id: String,
    /// The name, as given.
    pub instance_profile_name: String,
    /// The path.
    pub path: String,
    /// `arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME`.
    pub arn: String,
    /// ISO 8601.
    pub create_date: String,
    /// Its role (at most one).
    pub roles: Vec<Role>,
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    /// `ANPA...`.
    pub policy_id: String,
    /// The name, as given.
    pub policy_name: String,
    /// The path.
    pub path: String,
    /// `arn:aws:iam::ACCOUNT:policy/PATH/NAME`.
    pub arn: String,
    /// The default version's id.
    pub default_version_id: String,
    /// How many users, groups and roles it is attached to.
    pub attachment_count: i64,
    /// Whether new attachments are allowed (false for a deprecated AWS managed policy).
    pub is_attachable: bool,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 8601.
    pub create_date: String,
    /// ISO 8601.
    pub update_date: String,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    /// The document, as given.
    pub document: String,
    /// `v1`, `v2`, ...: never reused.
    pub version_id: String,
    /// Whether it is the default.
    pub is_default_version: bool,
    /// ISO 8601.
    pub create_date: String,
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    /// The policy's name.
    pub policy_name: String,
    /// The policy's ARN.
    pub policy_arn: String,
}

/// An access key's metadata (the secret is shown once, when it is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyMetadata {
    /// The owner's name.
    pub user_name: String,
    /// `AKIA...`.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// ISO 8601.
    pub create_date: String,
}

/// A new access key, with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    /// The owner's name.
    pub user_name: String,
    /// `AKIA...`.
    pub access_key_id: String,
    /// `Active`.
    pub status: String,
    /// The secret: shown only here.
    pub secret_access_key: String,
    /// ISO 8601.
    pub create_date: String,
}

/// Checks a name against IAM's pattern `[\w+=,.@-]+` and length limit; `what` names the
/// parameter in the message (`userName`, `roleName`, ...).
pub fn check_name(name: &str, what: &str, max: usize) -> Result<()> {
    if name.is_empty() || name.chars().count() > max {
        return Err(StoreError::new(
            crate::error::ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{name}' at '{what}' failed to satisfy \
                 constraint: Member must have length {}",
                if name.is_empty() {
                    "greater than or equal to 1".to_string()
                } else {
                    format!("less than or equal to {max}")
                }
            ),
        ));
    }
    let ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !ok {
        return Err(StoreError::new(
            crate::error::ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{name}' at '{what}' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            ),
        ));
    }
    Ok(())
}

/// Checks a path: `/`, or `/` + segments + `/`, at most 512 characters, printable ASCII.
/// `None` means `/`.
pub fn check_path(path: Option<&str>) -> Result<String> {
    let path = path.unwrap_or("/");
    let valid = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && !path.contains("//")
        && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if !valid {
        return Err(StoreError::new(
            crate::error::ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{path}' at 'path' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \
                 (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
            ),
        ));
    }
    Ok(path.to_string())
}

/// `arn:aws:iam::ACCOUNT:KIND/PATH/NAME` (`KIND` is `user`, `role`, `group`, `policy`,
/// `instance-profile`).
pub fn arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_follow_iam_rules() {
        assert!(check_name("ecsInstanceRole", "roleName", 64).is_ok());
        assert!(check_name("ci+deploy@x.y=z,w-1_2", "userName", 64).is_ok());
        assert!(check_name("", "userName", 64).is_err());
        assert!(check_name("bad name", "userName", 64).is_err());
        assert!(check_name(&"x".repeat(65), "roleName", 64).is_err());
        assert_eq!(check_path(None).ok().as_deref(), Some("/"));
        assert!(check_path(Some("/ci/deploy/")).is_ok());
        assert!(check_path(Some("ci/")).is_err());
        assert!(check_path(Some("/ci")).is_err());
        assert!(check_path(Some("//")).is_err());
        assert_eq!(
            arn("123456789012", "role", "/ecs/", "task"),
            "arn:aws:iam::123456789012:role/ecs/task"
        );
    }
}
