//! From an operation's table entry and a request to the authorization requests it needs: the
//! resource ARN (read from the store for an existing entity, with its real path and tags;
//! built from the parameters only for a creation; the caller itself where the name is
//! optional), the condition keys the catalog lists for the action filled from the request and
//! the entity, and the further authorizations the table names.

use std::sync::OnceLock;

use warden_store::{ErrorCode, Store, StoreError, Tag};

use crate::operation::{Entity, Extra, Operation, Resource};
use crate::protocol::{AwsError, Params};
use crate::{Caller, Target};

/// One authorization a request needs: an action on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The action, e.g. `iam:PassRole`.
    pub action: String,
    /// Its resource and condition keys.
    pub target: Target,
}

/// The condition keys the catalog lists for an operation's action (and its resource type),
/// among those a request or an entity can fill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys {
    /// `iam:PermissionsBoundary`: the requested boundary, else the entity's.
    pub boundary: bool,
    /// `iam:PolicyARN`: the `PolicyArn` parameter.
    pub policy_arn: bool,
    /// `iam:AWSServiceName`: the `AWSServiceName` parameter.
    pub service_name: bool,
    /// `aws:RequestTag/KEY`: the request's `Tags`.
    pub request_tags: bool,
    /// `aws:TagKeys`: the keys of `Tags`, and `TagKeys`.
    pub tag_keys: bool,
    /// `aws:ResourceTag/KEY`: the existing entity's tags.
    pub resource_tags: bool,
    /// `iam:ResourceTag/KEY`: the same, IAM's own spelling.
    pub iam_resource_tags: bool,
}

impl Keys {
    /// What the catalog lists for `op`, worked out once per operation.
    pub fn of(op: Operation) -> Keys {
        static TABLE: OnceLock<Vec<Keys>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            Operation::ALL
                .iter()
                .map(|&op| Keys::from_catalog(op))
                .collect()
        });
        // `ALL` lists the operations in declaration order, so a variant's discriminant is its
        // index there.
        table.get(op as usize).copied().unwrap_or_default()
    }

    fn from_catalog(op: Operation) -> Keys {
        let catalog = warden_catalog::actions();
        let action = op.action();
        let Some((service, found)) = catalog.action(&action) else {
            return Keys::default();
        };
        let mut listed: Vec<&str> = found.condition_keys.iter().map(String::as_str).collect();
        for resource in &found.resources {
            listed.extend(resource.condition_keys.iter().map(String::as_str));
            if let Some(kind) = service.resource_type(&resource.resource_type) {
                listed.extend(kind.condition_keys.iter().map(String::as_str));
            }
        }
        let has = |key: &str| listed.iter().any(|k| k.eq_ignore_ascii_case(key));
        Keys {
            boundary: has("iam:PermissionsBoundary"),
            policy_arn: has("iam:PolicyARN"),
            service_name: has("iam:AWSServiceName"),
            request_tags: has("aws:RequestTag/${TagKey}"),
            tag_keys: has("aws:TagKeys"),
            resource_tags: has("aws:ResourceTag/${TagKey}"),
            iam_resource_tags: has("iam:ResourceTag/${TagKey}"),
        }
    }
}

/// What an existing entity contributes to its authorization.
struct Found {
    arn: String,
    tags: Vec<Tag>,
    boundary: Option<String>,
    role: Option<warden_store::Role>,
}

/// Every authorization `op` needs for this request: its own action on its resource first, then
/// the table's further checks. Parameters that name the resource are required here, before
/// any decision, as IAM validates its input first.
pub fn needs(
    store: &Store,
    op: Operation,
    params: &Params,
    caller: &Caller,
) -> Result<Vec<Need>, AwsError> {
    let spec = op.spec();
    let account = caller.account.as_str();
    let keys = Keys::of(op);
    let found = match spec.resource {
        Resource::Existing(entity, param) => {
            Some(existing(store, entity, params.required(param)?, account)?)
        }
        Resource::UserOrCaller => Some(existing(
            store,
            Entity::User,
            &user_name(params, caller)?,
            account,
        )?),
        Resource::PolicySource => policy_source(store, params.required("PolicySourceArn")?)?,
        _ => None,
    };
    let mut target = match found {
        Some(found) => entity_target(found, keys, params),
        None => built_target(spec.resource, params, account)?,
    };
    request_keys(&mut target.context, keys, params);
    let resource = target.resource.clone();
    let mut needs = vec![Need {
        action: op.action(),
        target,
    }];
    for check in spec.extra {
        if let Some(need) = extra(store, check.extra, params, account, &resource)? {
            needs.push(need);
        }
    }
    Ok(needs)
}

/// An existing entity's target: its ARN, its tags as `aws:ResourceTag/KEY` (and IAM's
/// `iam:ResourceTag/KEY`) and its boundary, where the catalog lists those keys.
fn entity_target(found: Found, keys: Keys, params: &Params) -> Target {
    let mut context = Vec::new();
    for tag in &found.tags {
        if keys.resource_tags {
            context.push((
                format!("aws:ResourceTag/{}", tag.key),
                vec![tag.value.clone()],
            ));
        }
        if keys.iam_resource_tags {
            context.push((
                format!("iam:ResourceTag/{}", tag.key),
                vec![tag.value.clone()],
            ));
        }
    }
    if keys.boundary
        && params.get("PermissionsBoundary").is_none()
        && let Some(boundary) = found.boundary
    {
        context.push(("iam:PermissionsBoundary".into(), vec![boundary]));
    }
    Target {
        resource: found.arn,
        context,
        shown: None,
        role: found.role,
    }
}

/// The target of an operation on no existing entity: built from the parameters.
fn built_target(resource: Resource, params: &Params, account: &str) -> Result<Target, AwsError> {
    let mut shown = None;
    let resource = match resource {
        Resource::New(entity, param) => {
            new_arn(account, entity, params.get("Path"), params.required(param)?)?
        }
        Resource::Listed(entity) => {
            let prefix = params.get("PathPrefix").unwrap_or("/");
            if entity == Entity::Policy {
                // IAM's message names `policy path /` (`troubleshoot_access-denied.html`).
                shown = Some(format!("policy path {prefix}"));
            }
            format!("arn:aws:iam::{account}:{}{prefix}", entity.resource_type())
        }
        Resource::ServiceLinkedRole => linked_role_arn(params, account)?,
        Resource::DeletionTask => deletion_task_role(params, account),
        Resource::RoleArn => params.required("RoleArn")?.to_string(),
        Resource::PolicySource => params.required("PolicySourceArn")?.to_string(),
        Resource::Existing(..) | Resource::UserOrCaller | Resource::Account => "*".to_string(),
    };
    Ok(Target {
        resource,
        context: Vec::new(),
        shown,
        role: None,
    })
}

/// The request's own keys, where the catalog lists them for the action.
fn request_keys(context: &mut Vec<(String, Vec<String>)>, keys: Keys, params: &Params) {
    if keys.boundary
        && let Some(boundary) = params.get("PermissionsBoundary")
    {
        context.push(("iam:PermissionsBoundary".into(), vec![boundary.to_string()]));
    }
    if keys.policy_arn
        && let Some(policy) = params.get("PolicyArn")
    {
        context.push(("iam:PolicyARN".into(), vec![policy.to_string()]));
    }
    if keys.service_name
        && let Some(service) = params.get("AWSServiceName")
    {
        context.push(("iam:AWSServiceName".into(), vec![service.to_string()]));
    }
    let untagged = if keys.tag_keys {
        params.list("TagKeys")
    } else {
        Vec::new()
    };
    if keys.request_tags || keys.tag_keys {
        crate::push_request_tags(context, params, untagged);
    }
}

/// A further authorization of the table, when it applies to this request.
fn extra(
    store: &Store,
    extra: Extra,
    params: &Params,
    account: &str,
    resource: &str,
) -> Result<Option<Need>, AwsError> {
    match extra {
        Extra::PassRole {
            service,
            associated,
        } => {
            let name = params.required("RoleName")?;
            let role = existing(store, Entity::Role, name, account)?;
            let mut context = vec![
                ("iam:PassedToService".to_string(), vec![service.to_string()]),
                (
                    "iam:AssociatedResourceArn".to_string(),
                    vec![associated.replace("ACCOUNT", account)],
                ),
            ];
            for tag in &role.tags {
                context.push((
                    format!("aws:ResourceTag/{}", tag.key),
                    vec![tag.value.clone()],
                ));
            }
            Ok(Some(Need {
                action: "iam:PassRole".into(),
                target: Target {
                    resource: role.arn,
                    context,
                    shown: None,
                    role: None,
                },
            }))
        }
        Extra::TagOnCreate(action) => {
            if params.structs("Tags").is_empty() {
                return Ok(None);
            }
            let mut context = Vec::new();
            crate::push_request_tags(&mut context, params, Vec::new());
            Ok(Some(Need {
                action: action.to_string(),
                target: Target {
                    resource: resource.to_string(),
                    context,
                    shown: None,
                    role: None,
                },
            }))
        }
    }
}

/// An existing entity's ARN, tags and boundary; `KIND/NAME` at path `/` when there is none.
fn existing(store: &Store, entity: Entity, name: &str, account: &str) -> Result<Found, AwsError> {
    let absent = || Found {
        arn: match entity {
            Entity::Policy => name.to_string(),
            _ => format!("arn:aws:iam::{account}:{}/{name}", entity.resource_type()),
        },
        tags: Vec::new(),
        boundary: None,
        role: None,
    };
    let read = match entity {
        Entity::User => store.get_user(name).map(|u| Found {
            arn: u.arn,
            tags: u.tags,
            boundary: u.permissions_boundary,
            role: None,
        }),
        Entity::Role => store.get_role(name).map(|r| Found {
            arn: r.arn.clone(),
            tags: r.tags.clone(),
            boundary: r.permissions_boundary.clone(),
            role: Some(r),
        }),
        Entity::Group => store.get_group(name).map(|(g, _)| Found {
            arn: g.arn,
            tags: Vec::new(),
            boundary: None,
            role: None,
        }),
        Entity::InstanceProfile => store.get_instance_profile(name).map(|p| Found {
            arn: p.arn,
            tags: store.list_instance_profile_tags(name).unwrap_or_default(),
            boundary: None,
            role: None,
        }),
        Entity::Policy => store.get_policy(name).map(|p| Found {
            arn: p.arn,
            tags: store.list_policy_tags(name).unwrap_or_default(),
            boundary: None,
            role: None,
        }),
    };
    match read {
        Ok(found) => Ok(found),
        Err(e) if absent_entity(&e) => Ok(absent()),
        Err(e) => Err(e.into()),
    }
}

/// Whether a read failed only because the entity does not exist (or the name cannot name one,
/// which IAM reports after authorization, like a missing entity).
fn absent_entity(e: &StoreError) -> bool {
    matches!(
        e.code,
        ErrorCode::NoSuchEntity | ErrorCode::InvalidInput | ErrorCode::ValidationError
    )
}

/// `UserName`, or the calling user's own name when absent (as IAM defaults it).
pub fn user_name(params: &Params, caller: &Caller) -> Result<String, AwsError> {
    match params.get("UserName") {
        Some(name) => Ok(name.to_string()),
        None => caller.user_name.clone().ok_or_else(|| {
            AwsError::validation("Must specify userName when calling with non-User credentials")
        }),
    }
}

/// The ARN of an entity about to be created: `arn:aws:iam::ACCOUNT:KIND/PATH/NAME`. A path
/// that does not begin and end with `/` is refused here, before it can shape an ARN.
fn new_arn(
    account: &str,
    entity: Entity,
    path: Option<&str>,
    name: &str,
) -> Result<String, AwsError> {
    let path = path.unwrap_or("/");
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{path}' at 'path' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
        )));
    }
    Ok(format!(
        "arn:aws:iam::{account}:{}{path}{name}",
        entity.resource_type()
    ))
}

/// The role CreateServiceLinkedRole would create.
fn linked_role_arn(params: &Params, account: &str) -> Result<String, AwsError> {
    let service = params.required("AWSServiceName")?;
    let name = Store::linked_services()
        .iter()
        .find(|s| s.service.eq_ignore_ascii_case(service))
        .map(|s| match params.get("CustomSuffix") {
            Some(suffix) => format!("{}_{suffix}", s.role_name),
            None => s.role_name.to_string(),
        })
        .unwrap_or_else(|| "*".to_string());
    Ok(format!(
        "arn:aws:iam::{account}:role/aws-service-role/{service}/{name}"
    ))
}

/// The role a deletion task id (`task/aws-service-role/SERVICE/ROLE/UUID`) names, or `*`.
fn deletion_task_role(params: &Params, account: &str) -> String {
    match params
        .get("DeletionTaskId")
        .and_then(|id| id.strip_prefix("task/"))
        .and_then(|rest| rest.rsplit_once('/'))
    {
        Some((role_path, _uuid)) => format!("arn:aws:iam::{account}:role/{role_path}"),
        None => "*".to_string(),
    }
}

/// The user, group or role a `PolicySourceArn` names, when it exists under that very ARN: its
/// tags, from the principal's policies the simulation reads anyway (cached until the store
/// changes).
fn policy_source(store: &Store, arn: &str) -> Result<Option<Found>, AwsError> {
    let is_entity = arn.strip_prefix("arn:aws:iam::").is_some_and(|rest| {
        rest.split_once(':').is_some_and(|(_, resource)| {
            ["user/", "group/", "role/"]
                .iter()
                .any(|kind| resource.starts_with(kind))
        })
    });
    if !is_entity {
        return Ok(None);
    }
    match store.principal_policies(arn) {
        Ok(principal) if principal.arn == arn => Ok(Some(Found {
            arn: principal.arn.clone(),
            tags: principal.tags.clone(),
            boundary: None,
            role: None,
        })),
        Ok(_) => Ok(None),
        Err(e) if absent_entity(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
