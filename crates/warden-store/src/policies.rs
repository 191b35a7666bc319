//! Managed policies (customer managed ones, stored with their versions, and AWS managed ones,
//! read from the built-in catalog), their attachments to users, groups and roles, and inline
//! policies.
//!
//! Every change is one write transaction: its checks (name taken, 5 versions, 10 attachments,
//! attached before deletion) and its change cannot interleave with another writer's, in this
//! process or another (see [`crate::db`]), and a failure leaves nothing behind.
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/...`) are never stored: they come from
//! [`warden_catalog::managed`], and only their attachments are rows of `iam_attachments`. They
//! cannot be changed (`UnmodifiableEntity`). A deprecated one (`IsAttachable: false`, e.g.
//! `AmazonEC2ContainerServiceFullAccess`) cannot be attached anew, but where it is attached it
//! stays attached, can be detached, and still grants what it grants.

use std::collections::HashMap;

use warden_catalog::ManagedPolicy as CatalogPolicy;
use warden_core::policy::PolicyType;
use warden_core::policy::validate::{Diagnostic, SizeLimit, validate_with_limit};

use crate::db::{Tx, Value};
use crate::error::{ErrorCode, Result, StoreError};
use crate::ids::{self, IdKind};
use crate::lookup;
use crate::model::{
    AttachedPolicy, EntityKind, ManagedPolicy, PolicyVersion, Tag, arn, check_name, check_path,
};
use crate::store::Store;
use crate::tags;

/// Whether `arn` is an AWS managed service role policy: under `/aws-service-role/`, attached
/// by AWS to a service-linked role only.
pub(crate) fn is_service_role_policy(arn: &str) -> bool {
    arn.strip_prefix(AWS_PREFIX)
        .is_some_and(|rest| rest.starts_with("aws-service-role/"))
}

/// The prefix of every AWS managed policy ARN, with the `/` that starts the path.
const AWS_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// IAM's quota of versions per managed policy.
const MAX_POLICY_VERSIONS: i64 = 5;

/// The longest policy name (`PolicyName`: 1 to 128 characters).
const MAX_POLICY_NAME: usize = 128;

/// The longest policy description (`Description`: 0 to 1,000 characters).
const MAX_DESCRIPTION: usize = 1000;

/// `(name, id)` pairs of the users, groups and roles a managed policy is attached to, as
/// [`Store::list_entities_for_policy`] returns them.
type PolicyEntities = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// Which policies [`Store::list_policies`] lists (`Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyScope {
    /// AWS managed and customer managed policies.
    All,
    /// AWS managed policies only.
    Aws,
    /// Customer managed policies only.
    Local,
}

impl PolicyScope {
    /// Reads IAM's `Scope` parameter: `All`, `AWS` or `Local`.
    fn parse(scope: &str) -> Result<PolicyScope> {
        match scope {
            "All" => Ok(PolicyScope::All),
            "AWS" => Ok(PolicyScope::Aws),
            "Local" => Ok(PolicyScope::Local),
            _ => Err(StoreError::new(
                ErrorCode::ValidationError,
                format!(
                    "1 validation error detected: Value '{scope}' at 'scope' failed to satisfy \
                     constraint: Member must satisfy enum value set: [All, AWS, Local]"
                ),
            )),
        }
    }
}

/// A customer managed policy's row.
struct Stored {
    id: String,
    name: String,
    path: String,
    arn: String,
    description: Option<String>,
    create_date: String,
    update_date: String,
    default_version: String,
    next_version: i64,
}

const STORED_COLUMNS: &str = "id, name, path, arn, description, create_date, update_date, \
                              default_version, next_version";

impl Stored {
    fn from_row(row: &crate::db::Row) -> Stored {
        Stored {
            id: row.str(0),
            name: row.str(1),
            path: row.str(2),
            arn: row.str(3),
            description: row.opt(4),
            create_date: row.str(5),
            update_date: row.str(6),
            default_version: row.str(7),
            next_version: row.int(8),
        }
    }

    fn model(&self, attachment_count: i64) -> ManagedPolicy {
        ManagedPolicy {
            policy_id: self.id.clone(),
            policy_name: self.name.clone(),
            path: self.path.clone(),
            arn: self.arn.clone(),
            default_version_id: self.default_version.clone(),
            attachment_count,
            is_attachable: true,
            description: self.description.clone(),
            create_date: self.create_date.clone(),
            update_date: self.update_date.clone(),
        }
    }
}

/// What a policy ARN names.
enum Target {
    /// A customer managed policy of this account.
    Customer(Stored),
    /// An AWS managed policy of the catalog.
    Aws(&'static CatalogPolicy),
}

/// The customer managed policy with ARN `arn`, if any.
fn stored(tx: &mut dyn Tx, arn: &str) -> Result<Option<Stored>> {
    let sql = format!("SELECT {STORED_COLUMNS} FROM iam_policies WHERE arn = $1");
    Ok(tx
        .query_one(&sql, &[arn.into()])?
        .map(|r| Stored::from_row(&r)))
}

/// The AWS managed policy with ARN `arn` (exactly: path and name), if the catalog has it.
fn aws_managed(arn: &str) -> Option<&'static CatalogPolicy> {
    if !arn.starts_with(AWS_PREFIX) {
        return None;
    }
    warden_catalog::managed().lookup(arn).ok()
}

/// What `arn` names: a customer managed policy of this account, an AWS managed policy, or
/// nothing.
fn target(tx: &mut dyn Tx, arn: &str) -> Result<Option<Target>> {
    if let Some(policy) = aws_managed(arn) {
        return Ok(Some(Target::Aws(policy)));
    }
    Ok(stored(tx, arn)?.map(Target::Customer))
}

/// IAM's `NoSuchEntity` for a policy ARN that names nothing (`GetPolicy` and friends).
fn policy_not_found(arn: &str) -> StoreError {
    StoreError::no_such_entity(format!("Policy {arn} was not found."))
}

/// IAM's `NoSuchEntity` for a policy that cannot be attached: it does not exist, or it is a
/// deprecated AWS managed policy (`IsAttachable: false`).
fn not_attachable(arn: &str) -> StoreError {
    StoreError::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

/// IAM's answer for a `PolicyArn` that names nothing, when it is an AWS managed policy's name
/// rather than its ARN (the usual slip): Warden adds the ARN to use.
fn named_not_arn(name: &str, arn: &str) -> StoreError {
    StoreError::no_such_entity(format!(
        "Policy {name} does not exist or is not attachable. (Warden: PolicyArn takes an ARN; \
         did you mean {arn}?)"
    ))
}

/// `UnmodifiableEntity` for a change to an AWS managed policy.
fn aws_unmodifiable(arn: &str) -> StoreError {
    StoreError::unmodifiable(format!(
        "Policy {arn} is an AWS managed policy and cannot be modified."
    ))
}

/// The customer managed policy a change applies to: AWS managed policies are refused
/// (`UnmodifiableEntity`), unknown ARNs are `NoSuchEntity`.
fn changeable(tx: &mut dyn Tx, arn: &str) -> Result<Stored> {
    match target(tx, arn)? {
        Some(Target::Customer(policy)) => Ok(policy),
        Some(Target::Aws(_)) => Err(aws_unmodifiable(arn)),
        None => Err(policy_not_found(arn)),
    }
}

fn attachment_count(tx: &mut dyn Tx, arn: &str) -> Result<i64> {
    tx.count(
        "SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = $1",
        &[arn.into()],
    )
}

/// A catalog date (`2017-11-07T21:36:54+00:00`) as IAM writes dates (`2017-11-07T21:36:54Z`).
fn iam_date(date: &str) -> String {
    match date.strip_suffix("+00:00") {
        Some(rest) => format!("{rest}Z"),
        None => date.to_string(),
    }
}

/// The catalog's dates of an AWS managed policy: `(create, update)`, each falling back on the
/// other; empty where the catalog knows neither (AmazonEC2ContainerServiceFullAccess).
fn aws_dates(policy: &CatalogPolicy) -> (String, String) {
    let create = policy
        .create_date
        .as_deref()
        .or(policy.update_date.as_deref());
    let update = policy
        .update_date
        .as_deref()
        .or(policy.create_date.as_deref());
    (
        create.map(iam_date).unwrap_or_default(),
        update.map(iam_date).unwrap_or_default(),
    )
}

/// A stable `ANPA...` id for an AWS managed policy, derived from its name (AWS's real ids are not
/// in the catalog; this one is the same in every Warden store).
fn aws_policy_id(name: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    // Two FNV-1a hashes with different bases: 128 bits, of which 85 are used.
    let fnv = |basis: u64| {
        name.bytes().fold(basis, |hash, b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let bits =
        (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x6c62_272e_07bb_0142));
    let mut id = String::from("ANPA");
    for i in 0..17 {
        let index = ((bits >> (i * 5)) & 0x1f) as usize;
        id.push(char::from(CHARS.get(index).copied().unwrap_or(b'A')));
    }
    id
}

/// An AWS managed policy, as `GetPolicy` shows it.
fn aws_model(policy: &CatalogPolicy, attachment_count: i64) -> ManagedPolicy {
    let (create_date, update_date) = aws_dates(policy);
    ManagedPolicy {
        policy_id: aws_policy_id(&policy.name),
        policy_name: policy.name.clone(),
        path: policy.path.clone(),
        arn: policy.arn(),
        default_version_id: policy.default_version.clone(),
        attachment_count,
        is_attachable: policy.deprecated.is_none(),
        description: policy.description.clone(),
        create_date,
        update_date,
    }
}

/// The versions of an AWS managed policy the catalog knows, newest first. The catalog has no
/// per-version dates: the default version carries the policy's update date, the others its
/// creation date.
fn aws_versions(policy: &CatalogPolicy) -> Vec<PolicyVersion> {
    let (create_date, update_date) = aws_dates(policy);
    let mut versions: Vec<PolicyVersion> = policy
        .versions
        .iter()
        .map(|v| {
            let is_default = v.id.eq_ignore_ascii_case(&policy.default_version);
            PolicyVersion {
                document: v.document.clone(),
                version_id: v.id.clone(),
                is_default_version: is_default,
                create_date: if is_default {
                    update_date.clone()
                } else {
                    create_date.clone()
                },
            }
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(version_number(&v.version_id)));
    versions
}

/// `v12` -> 12 (0 for anything else).
fn version_number(id: &str) -> i64 {
    id.strip_prefix('v')
        .or_else(|| id.strip_prefix('V'))
        .and_then(|n| n.split('.').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Checks a `VersionId` against IAM's pattern `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`.
fn check_version_id(id: &str) -> Result<()> {
    let (number, suffix) = match id.strip_prefix('v') {
        Some(rest) => match rest.split_once('.') {
            Some((number, suffix)) => (number, Some(suffix)),
            None => (rest, None),
        },
        None => ("", None),
    };
    let valid = !number.is_empty()
        && !number.starts_with('0')
        && number.bytes().all(|b| b.is_ascii_digit())
        && suffix.is_none_or(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{id}' at 'versionId' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \
                 v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"
            ),
        ))
    }
}

/// `NoSuchEntity` for a version a policy does not have.
fn version_not_found(arn: &str, version_id: &str) -> StoreError {
    StoreError::no_such_entity(format!("Policy {arn} version {version_id} does not exist."))
}

/// The error AWS answers a document with: the validator's first error, with its own code
/// (`LimitExceeded` for the size quota, `ValidationError` for the parameter's constraints,
/// `MalformedPolicyDocument` for the rest) and AWS's message.
fn document_error(diagnostic: &Diagnostic) -> StoreError {
    let code = match diagnostic.code {
        "LimitExceeded" => ErrorCode::LimitExceeded,
        "ValidationError" => ErrorCode::ValidationError,
        _ => ErrorCode::MalformedPolicyDocument,
    };
    StoreError::new(code, diagnostic.message.clone())
}

/// Validates a managed policy document (identity policy, 6,144 characters white space not
/// counted).
fn check_managed_document(document: &str) -> Result<()> {
    let report = validate_with_limit(document, PolicyType::Identity, SizeLimit::ManagedPolicy);
    match report.first_error() {
        Some(error) => Err(document_error(error)),
        None => Ok(()),
    }
}

/// A user, group or role: its id, its name as given, and for a service-linked role the service
/// that owns it.
struct Holder {
    id: String,
    name: String,
    service: Option<String>,
}

fn holder(tx: &mut dyn Tx, kind: EntityKind, name: &str) -> Result<Holder> {
    let service = if kind == EntityKind::Role {
        "service_name"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT id, name, {service} FROM {} WHERE name_key = $1",
        kind.table()
    );
    let row = tx
        .query_one(&sql, &[name.to_lowercase().into()])?
        .ok_or_else(|| lookup::not_found(kind, name))?;
    Ok(Holder {
        id: row.str(0),
        name: row.str(1),
        service: row.opt(2),
    })
}

impl Holder {
    /// Refuses changes to a service-linked role's policies: only AWS changes those.
    fn check_modifiable(&self) -> Result<()> {
        match self.service {
            Some(_) => Err(StoreError::unmodifiable(format!(
                "Cannot perform the operation on the protected role '{}' - this role is only \
                 modifiable by AWS",
                self.name
            ))),
            None => Ok(()),
        }
    }
}

/// IAM's quota name for attached policies of `kind`.
fn quota_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "PoliciesPerUser",
        EntityKind::Group => "PoliciesPerGroup",
        EntityKind::Role => "PoliciesPerRole",
    }
}

/// The size quota of all inline policies of one entity of `kind`.
fn inline_limit(kind: EntityKind) -> SizeLimit {
    match kind {
        EntityKind::User => SizeLimit::UserInline,
        EntityKind::Group => SizeLimit::GroupInline,
        EntityKind::Role => SizeLimit::RoleInline,
    }
}

/// The attachment quota in force: the account's setting as stored (so that a quota changed by
/// another process applies at once), else this store's.
fn attachment_limit(tx: &mut dyn Tx, fallback: i64) -> Result<i64> {
    Ok(tx
        .query_one(
            "SELECT value FROM warden_account WHERE key = 'attachment_limit'",
            &[],
        )?
        .and_then(|row| row.str(0).parse::<i64>().ok())
        .unwrap_or(fallback))
}

/// Customer managed policies, and reading AWS managed ones.
impl Store {
    /// `CreatePolicy`: a customer managed policy named `name` (unique regardless of case) at
    /// `path` (default `/`), whose version `v1` holds `document` and is the default.
    pub fn create_policy(
        &self,
        name: &str,
        path: Option<&str>,
        document: &str,
        description: Option<&str>,
        tags: &[Tag],
    ) -> Result<ManagedPolicy> {
        check_name(name, "policyName", MAX_POLICY_NAME)?;
        let path = check_path(path)?;
        if let Some(description) = description
            && description.chars().count() > MAX_DESCRIPTION
        {
            return Err(StoreError::new(
                ErrorCode::ValidationError,
                format!(
                    "1 validation error detected: Value '{description}' at 'description' failed \
                     to satisfy constraint: Member must have length less than or equal to \
                     {MAX_DESCRIPTION}"
                ),
            ));
        }
        check_managed_document(document)?;
        let policy_arn = arn(&self.account_id(), "policy", &path, name);
        self.db().write(|tx| {
            let taken = tx.count(
                "SELECT COUNT(*) FROM iam_policies WHERE name_key = $1",
                &[name.to_lowercase().into()],
            )?;
            if taken > 0 {
                return Err(StoreError::already_exists(format!(
                    "A policy called {name} already exists. Duplicate names are not allowed."
                )));
            }
            let id = ids::new_id(IdKind::Policy);
            let now = ids::now();
            tx.execute(
                "INSERT INTO iam_policies (id, name, name_key, path, arn, description, \
                 create_date, update_date, default_version, next_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'v1', 2)",
                &[
                    id.as_str().into(),
                    name.into(),
                    name.to_lowercase().into(),
                    path.as_str().into(),
                    policy_arn.as_str().into(),
                    description.into(),
                    now.as_str().into(),
                ],
            )?;
            tx.execute(
                "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) \
                 VALUES ($1, 'v1', $2, $3)",
                &[id.as_str().into(), document.into(), now.as_str().into()],
            )?;
            tags::put(tx, "policy", &id, tags)?;
            Ok(ManagedPolicy {
                policy_id: id,
                policy_name: name.to_string(),
                path: path.clone(),
                arn: policy_arn.clone(),
                default_version_id: "v1".to_string(),
                attachment_count: 0,
                is_attachable: true,
                description: description.map(str::to_string),
                create_date: now.clone(),
                update_date: now,
            })
        })
    }

    /// `GetPolicy`: a customer managed policy of this account, or an AWS managed policy of the
    /// catalog (`arn:aws:iam::aws:policy/...`, its path included).
    pub fn get_policy(&self, policy_arn: &str) -> Result<ManagedPolicy> {
        self.db().read(|tx| {
            let count = attachment_count(tx, policy_arn)?;
            match target(tx, policy_arn)? {
                Some(Target::Customer(policy)) => Ok(policy.model(count)),
                Some(Target::Aws(policy)) => Ok(aws_model(policy, count)),
                None => Err(policy_not_found(policy_arn)),
            }
        })
    }

    /// `ListPolicies`: `scope` is `All`, `AWS` or `Local`; `only_attached` keeps the policies
    /// attached to something; `path_prefix` keeps those whose path starts with it. Sorted by
    /// name. AWS managed policies come from the catalog (parsed on first use, then cached).
    pub fn list_policies(
        &self,
        scope: &str,
        only_attached: bool,
        path_prefix: Option<&str>,
    ) -> Result<Vec<ManagedPolicy>> {
        let scope = PolicyScope::parse(scope)?;
        let prefix = path_prefix.unwrap_or("/");
        let (local, counts) = self.db().read(|tx| {
            let local = if scope == PolicyScope::Aws {
                Vec::new()
            } else {
                let sql = format!(
                    "SELECT {STORED_COLUMNS}, (SELECT COUNT(*) FROM iam_attachments a \
                     WHERE a.policy_arn = p.arn) FROM iam_policies p ORDER BY p.name_key"
                );
                tx.query(&sql, &[])?
                    .iter()
                    .map(|row| Stored::from_row(row).model(row.int(9)))
                    .collect()
            };
            let counts: HashMap<String, i64> = if scope == PolicyScope::Local {
                HashMap::new()
            } else {
                tx.query(
                    "SELECT policy_arn, COUNT(*) FROM iam_attachments \
                     WHERE policy_arn LIKE 'arn:aws:iam::aws:policy/%' GROUP BY policy_arn",
                    &[],
                )?
                .iter()
                .map(|row| (row.str(0), row.int(1)))
                .collect()
            };
            Ok((local, counts))
        })?;
        let mut all: Vec<ManagedPolicy> = local
            .into_iter()
            .filter(|p| p.path.starts_with(prefix) && (!only_attached || p.attachment_count > 0))
            .collect();
        if scope != PolicyScope::Local {
            let count = |policy: &CatalogPolicy| counts.get(&policy.arn()).copied().unwrap_or(0);
            if only_attached {
                // Only the attached ones need parsing.
                let mut attached: Vec<&CatalogPolicy> =
                    counts.keys().filter_map(|arn| aws_managed(arn)).collect();
                attached.sort_by(|a, b| a.name.cmp(&b.name));
                all.extend(
                    attached
                        .into_iter()
                        .filter(|p| p.path.starts_with(prefix))
                        .map(|p| aws_model(p, count(p))),
                );
            } else {
                all.extend(
                    warden_catalog::managed()
                        .policies()
                        .filter(|p| p.path.starts_with(prefix))
                        .map(|p| aws_model(p, count(p))),
                );
            }
        }
        all.sort_by_cached_key(|p| p.policy_name.to_lowercase());
        Ok(all)
    }

    /// `DeletePolicy`: deletes a customer managed policy and its default version. Refused
    /// (`DeleteConflict`) while it is attached to anything or is a user's or role's permissions
    /// boundary (AWS counts those in `PermissionsBoundaryUsageCount`), and while it has versions
    /// other than the default (AWS requires deleting those first).
    pub fn delete_policy(&self, policy_arn: &str) -> Result<()> {
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            let as_boundary = tx.count(
                "SELECT (SELECT COUNT(*) FROM iam_users WHERE boundary = $1) + (SELECT COUNT(*) FROM iam_roles WHERE boundary = $1)",
                &[policy_arn.into()],
            )?;
            if attachment_count(tx, policy_arn)? > 0 || as_boundary > 0 {
                return Err(StoreError::delete_conflict(
                    "Cannot delete a policy attached to entities.",
                ));
            }
            let versions = tx.count(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = $1",
                &[policy.id.as_str().into()],
            )?;
            if versions > 1 {
                return Err(StoreError::delete_conflict(
                    "This policy has more than one version. Before you delete a policy, you must \
                     delete the policy's versions. The default version is deleted with the policy.",
                ));
            }
            tx.execute(
                "DELETE FROM iam_policy_versions WHERE policy_id = $1",
                &[policy.id.as_str().into()],
            )?;
            tags::clear(tx, "policy", &policy.id)?;
            tx.execute(
                "DELETE FROM iam_policies WHERE id = $1",
                &[policy.id.as_str().into()],
            )?;
            Ok(())
        })
    }

    /// `TagPolicy`: adds or overwrites tags of a customer managed policy.
    pub fn tag_policy(&self, policy_arn: &str, new_tags: &[Tag]) -> Result<()> {
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            tags::put(tx, "policy", &policy.id, new_tags)
        })
    }

    /// `UntagPolicy`: removes tags (by key, regardless of case) of a customer managed policy.
    pub fn untag_policy(&self, policy_arn: &str, keys: &[String]) -> Result<()> {
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            tags::remove(tx, "policy", &policy.id, keys)
        })
    }

    /// `ListPolicyTags`: the tags of a customer managed policy (none for an AWS managed one).
    pub fn list_policy_tags(&self, policy_arn: &str) -> Result<Vec<Tag>> {
        self.db().read(|tx| match target(tx, policy_arn)? {
            Some(Target::Customer(policy)) => tags::load(tx, "policy", &policy.id),
            Some(Target::Aws(_)) => Ok(Vec::new()),
            None => Err(policy_not_found(policy_arn)),
        })
    }
}

/// Policy versions.
impl Store {
    /// `CreatePolicyVersion`: a new version `vN` of a customer managed policy (`N` one more than
    /// any version it ever had: ids are never reused), made the default if `set_as_default`.
    /// Refused with `LimitExceeded` when the policy already has 5 versions.
    pub fn create_policy_version(
        &self,
        policy_arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion> {
        check_managed_document(document)?;
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            let versions = tx.count(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = $1",
                &[policy.id.as_str().into()],
            )?;
            if versions >= MAX_POLICY_VERSIONS {
                return Err(StoreError::limit_exceeded(format!(
                    "A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you \
                     create a new version, you must delete an existing version."
                )));
            }
            let version_id = format!("v{}", policy.next_version);
            let now = ids::now();
            tx.execute(
                "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) \
                 VALUES ($1, $2, $3, $4)",
                &[
                    policy.id.as_str().into(),
                    version_id.as_str().into(),
                    document.into(),
                    now.as_str().into(),
                ],
            )?;
            let default_version = if set_as_default {
                version_id.as_str()
            } else {
                policy.default_version.as_str()
            };
            tx.execute(
                "UPDATE iam_policies SET next_version = $1, default_version = $2, \
                 update_date = $3 WHERE id = $4",
                &[
                    Value::Int(policy.next_version + 1),
                    default_version.into(),
                    now.as_str().into(),
                    policy.id.as_str().into(),
                ],
            )?;
            Ok(PolicyVersion {
                document: document.to_string(),
                version_id: version_id.clone(),
                is_default_version: set_as_default,
                create_date: now,
            })
        })
    }

    /// `GetPolicyVersion`: one version of a customer managed policy, or of an AWS managed one
    /// (the versions the catalog knows).
    pub fn get_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<PolicyVersion> {
        check_version_id(version_id)?;
        let versions = self.list_policy_versions(policy_arn)?;
        versions
            .into_iter()
            .find(|v| v.version_id == version_id)
            .ok_or_else(|| version_not_found(policy_arn, version_id))
    }

    /// `ListPolicyVersions`: the versions of a managed policy, newest first.
    pub fn list_policy_versions(&self, policy_arn: &str) -> Result<Vec<PolicyVersion>> {
        self.db().read(|tx| match target(tx, policy_arn)? {
            Some(Target::Customer(policy)) => {
                let mut versions: Vec<PolicyVersion> = tx
                    .query(
                        "SELECT version_id, document, create_date FROM iam_policy_versions \
                         WHERE policy_id = $1",
                        &[policy.id.as_str().into()],
                    )?
                    .iter()
                    .map(|row| PolicyVersion {
                        document: row.str(1),
                        is_default_version: row.str(0) == policy.default_version,
                        version_id: row.str(0),
                        create_date: row.str(2),
                    })
                    .collect();
                versions.sort_by_key(|v| std::cmp::Reverse(version_number(&v.version_id)));
                Ok(versions)
            }
            Some(Target::Aws(policy)) => Ok(aws_versions(policy)),
            None => Err(policy_not_found(policy_arn)),
        })
    }

    /// `DeletePolicyVersion`: deletes a version that is not the default.
    pub fn delete_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<()> {
        check_version_id(version_id)?;
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            let exists = tx.count(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = $1 AND version_id = $2",
                &[policy.id.as_str().into(), version_id.into()],
            )?;
            if exists == 0 {
                return Err(version_not_found(policy_arn, version_id));
            }
            if policy.default_version == version_id {
                return Err(StoreError::delete_conflict(
                    "Cannot delete the default version of a policy.",
                ));
            }
            tx.execute(
                "DELETE FROM iam_policy_versions WHERE policy_id = $1 AND version_id = $2",
                &[policy.id.as_str().into(), version_id.into()],
            )?;
            tx.execute(
                "UPDATE iam_policies SET update_date = $1 WHERE id = $2",
                &[ids::now().into(), policy.id.as_str().into()],
            )?;
            Ok(())
        })
    }

    /// `SetDefaultPolicyVersion`: makes an existing version the default.
    pub fn set_default_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<()> {
        check_version_id(version_id)?;
        self.db().write(|tx| {
            let policy = changeable(tx, policy_arn)?;
            let exists = tx.count(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = $1 AND version_id = $2",
                &[policy.id.as_str().into(), version_id.into()],
            )?;
            if exists == 0 {
                return Err(version_not_found(policy_arn, version_id));
            }
            tx.execute(
                "UPDATE iam_policies SET default_version = $1, update_date = $2 WHERE id = $3",
                &[
                    version_id.into(),
                    ids::now().into(),
                    policy.id.as_str().into(),
                ],
            )?;
            Ok(())
        })
    }
}

/// Attachments of managed policies to users, groups and roles.
impl Store {
    /// `AttachUserPolicy` / `AttachGroupPolicy` / `AttachRolePolicy` for an entity of `kind`.
    ///
    /// The policy must be a customer managed policy of this account or an AWS managed policy
    /// that is attachable; otherwise `NoSuchEntity` "Policy ARN does not exist or is not
    /// attachable.". That includes a deprecated AWS managed policy (`IsAttachable: false`, such
    /// as `AmazonEC2ContainerServiceFullAccess`): IAM answers a new attachment of one with that
    /// same `NoSuchEntity`, while existing attachments stay. Attaching a policy that is already
    /// attached succeeds and changes nothing (deprecated or not), as in IAM. More than the
    /// attachment quota (10, or up to 20 as configured) is `LimitExceeded`. A service-linked
    /// role's policies are AWS's: `UnmodifiableEntity`.
    pub fn attach_policy(&self, kind: EntityKind, name: &str, policy_arn: &str) -> Result<()> {
        let fallback = self.attachment_limit();
        if !policy_arn.starts_with("arn:")
            && let Some(policy) = warden_catalog::managed().by_name(policy_arn)
        {
            return Err(named_not_arn(policy_arn, &policy.arn()));
        }
        self.db().write(|tx| {
            let entity = holder(tx, kind, name)?;
            entity.check_modifiable()?;
            let attachable = match target(tx, policy_arn)? {
                Some(Target::Customer(_)) => true,
                Some(Target::Aws(policy)) => policy.deprecated.is_none(),
                None => return Err(not_attachable(policy_arn)),
            };
            let key = [
                kind.as_str().into(),
                entity.id.as_str().into(),
                policy_arn.into(),
            ];
            let attached = tx.count(
                "SELECT COUNT(*) FROM iam_attachments WHERE entity_kind = $1 AND entity_id = $2 \
                 AND policy_arn = $3",
                &key,
            )?;
            if attached > 0 {
                return Ok(());
            }
            if !attachable {
                return Err(not_attachable(policy_arn));
            }
            // A service role policy (path `/aws-service-role/`) belongs to its service's
            // service-linked role, which IAM attaches itself; IAM refuses it anywhere else
            // (`PolicyNotAttachable`, as IAM answers AttachRolePolicy for
            // AmazonECSServiceRolePolicy).
            if is_service_role_policy(policy_arn) {
                return Err(StoreError::new(
                    ErrorCode::PolicyNotAttachable,
                    "Cannot attach a Service Role Policy to a Customer Role.",
                ));
            }
            let limit = attachment_limit(tx, fallback)?;
            let count = tx.count(
                "SELECT COUNT(*) FROM iam_attachments WHERE entity_kind = $1 AND entity_id = $2",
                &[kind.as_str().into(), entity.id.as_str().into()],
            )?;
            if count >= limit {
                return Err(StoreError::limit_exceeded(format!(
                    "Cannot exceed quota for {}: {limit}",
                    quota_name(kind)
                )));
            }
            tx.execute(
                "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) \
                 VALUES ($1, $2, $3)",
                &key,
            )?;
            Ok(())
        })
    }

    /// `DetachUserPolicy` / `DetachGroupPolicy` / `DetachRolePolicy` for an entity of `kind`.
    /// Works for a deprecated AWS managed policy too. `NoSuchEntity` "Policy ARN was not
    /// attached." when it is not attached.
    pub fn detach_policy(&self, kind: EntityKind, name: &str, policy_arn: &str) -> Result<()> {
        self.db().write(|tx| {
            let entity = holder(tx, kind, name)?;
            entity.check_modifiable()?;
            let removed = tx.execute(
                "DELETE FROM iam_attachments WHERE entity_kind = $1 AND entity_id = $2 \
                 AND policy_arn = $3",
                &[
                    kind.as_str().into(),
                    entity.id.as_str().into(),
                    policy_arn.into(),
                ],
            )?;
            if removed > 0 {
                return Ok(());
            }
            match target(tx, policy_arn)? {
                Some(_) => Err(StoreError::no_such_entity(format!(
                    "Policy {policy_arn} was not attached."
                ))),
                None => Err(not_attachable(policy_arn)),
            }
        })
    }

    /// `ListAttachedUserPolicies` / `...GroupPolicies` / `...RolePolicies` for an entity of
    /// `kind`, sorted by policy name.
    pub fn list_attached_policies(
        &self,
        kind: EntityKind,
        name: &str,
    ) -> Result<Vec<AttachedPolicy>> {
        self.db().read(|tx| {
            let entity = holder(tx, kind, name)?;
            let mut attached: Vec<AttachedPolicy> = tx
                .query(
                    "SELECT policy_arn FROM iam_attachments WHERE entity_kind = $1 \
                     AND entity_id = $2",
                    &[kind.as_str().into(), entity.id.as_str().into()],
                )?
                .iter()
                .map(|row| {
                    let policy_arn = row.str(0);
                    // The name is the ARN's last segment (the path comes before it).
                    let policy_name = policy_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    AttachedPolicy {
                        policy_name,
                        policy_arn,
                    }
                })
                .collect();
            attached.sort_by(|a, b| {
                (a.policy_name.to_lowercase(), &a.policy_arn)
                    .cmp(&(b.policy_name.to_lowercase(), &b.policy_arn))
            });
            Ok(attached)
        })
    }

    /// `ListEntitiesForPolicy`: the users, groups and roles a managed policy is attached to,
    /// each as `(name, id)`, sorted by name: `(users, groups, roles)`.
    pub fn list_entities_for_policy(&self, policy_arn: &str) -> Result<PolicyEntities> {
        self.db().read(|tx| {
            if target(tx, policy_arn)?.is_none() {
                return Err(policy_not_found(policy_arn));
            }
            let mut entities: PolicyEntities = Default::default();
            for kind in [EntityKind::User, EntityKind::Group, EntityKind::Role] {
                let sql = format!(
                    "SELECT e.name, e.id FROM iam_attachments a JOIN {} e ON e.id = a.entity_id \
                     WHERE a.entity_kind = $1 AND a.policy_arn = $2 ORDER BY e.name_key",
                    kind.table()
                );
                let found: Vec<(String, String)> = tx
                    .query(&sql, &[kind.as_str().into(), policy_arn.into()])?
                    .iter()
                    .map(|row| (row.str(0), row.str(1)))
                    .collect();
                match kind {
                    EntityKind::User => entities.0 = found,
                    EntityKind::Group => entities.1 = found,
                    EntityKind::Role => entities.2 = found,
                }
            }
            Ok(entities)
        })
    }

    /// `AttachUserPolicy` (see [`Store::attach_policy`]).
    pub fn attach_user_policy(&self, user: &str, policy_arn: &str) -> Result<()> {
        self.attach_policy(EntityKind::User, user, policy_arn)
    }

    /// `AttachGroupPolicy` (see [`Store::attach_policy`]).
    pub fn attach_group_policy(&self, group: &str, policy_arn: &str) -> Result<()> {
        self.attach_policy(EntityKind::Group, group, policy_arn)
    }

    /// `AttachRolePolicy` (see [`Store::attach_policy`]).
    pub fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<()> {
        self.attach_policy(EntityKind::Role, role, policy_arn)
    }

    /// `DetachUserPolicy` (see [`Store::detach_policy`]).
    pub fn detach_user_policy(&self, user: &str, policy_arn: &str) -> Result<()> {
        self.detach_policy(EntityKind::User, user, policy_arn)
    }

    /// `DetachGroupPolicy` (see [`Store::detach_policy`]).
    pub fn detach_group_policy(&self, group: &str, policy_arn: &str) -> Result<()> {
        self.detach_policy(EntityKind::Group, group, policy_arn)
    }

    /// `DetachRolePolicy` (see [`Store::detach_policy`]).
    pub fn detach_role_policy(&self, role: &str, policy_arn: &str) -> Result<()> {
        self.detach_policy(EntityKind::Role, role, policy_arn)
    }

    /// `ListAttachedUserPolicies`.
    pub fn list_attached_user_policies(&self, user: &str) -> Result<Vec<AttachedPolicy>> {
        self.list_attached_policies(EntityKind::User, user)
    }

    /// `ListAttachedGroupPolicies`.
    pub fn list_attached_group_policies(&self, group: &str) -> Result<Vec<AttachedPolicy>> {
        self.list_attached_policies(EntityKind::Group, group)
    }

    /// `ListAttachedRolePolicies`.
    pub fn list_attached_role_policies(&self, role: &str) -> Result<Vec<AttachedPolicy>> {
        self.list_attached_policies(EntityKind::Role, role)
    }
}

/// Inline policies of users, groups and roles.
impl Store {
    /// `PutUserPolicy` / `PutGroupPolicy` / `PutRolePolicy` for an entity of `kind`: adds or
    /// replaces the inline policy `policy_name` (unique regardless of case on the entity).
    ///
    /// IAM's size quota covers all of an entity's inline policies together (user 2,048, group
    /// 5,120, role 10,240 characters, white space not counted). The document is validated with
    /// what is left of the quota once the entity's other inline policies are counted (the one it
    /// replaces is not), so the validator reports the quota in AWS's order of checks; the
    /// message is AWS's, naming the entity. A service-linked role's policies are AWS's
    /// (`UnmodifiableEntity`).
    pub fn put_inline_policy(
        &self,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<()> {
        check_name(policy_name, "policyName", MAX_POLICY_NAME)?;
        let key = policy_name.to_lowercase();
        self.db().write(|tx| {
            let entity = holder(tx, kind, name)?;
            entity.check_modifiable()?;
            let others: usize = tx
                .query(
                    "SELECT document FROM iam_inline_policies WHERE entity_kind = $1 \
                     AND entity_id = $2 AND name_key <> $3",
                    &[
                        kind.as_str().into(),
                        entity.id.as_str().into(),
                        key.as_str().into(),
                    ],
                )?
                .iter()
                .map(|row| warden_core::policy::validate::counted_chars(&row.str(0), false))
                .sum();
            let quota = inline_limit(kind).max_chars();
            let left = SizeLimit::Custom(quota.saturating_sub(others));
            let report = validate_with_limit(document, PolicyType::Identity, left);
            if let Some(error) = report.first_error() {
                let mut error = document_error(error);
                if error.code == ErrorCode::LimitExceeded {
                    error.message = format!(
                        "Maximum policy size of {quota} bytes exceeded for {} {}",
                        kind.noun(),
                        entity.name
                    );
                }
                return Err(error);
            }
            tx.execute(
                "DELETE FROM iam_inline_policies WHERE entity_kind = $1 AND entity_id = $2 \
                 AND name_key = $3",
                &[
                    kind.as_str().into(),
                    entity.id.as_str().into(),
                    key.as_str().into(),
                ],
            )?;
            tx.execute(
                "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, \
                 document) VALUES ($1, $2, $3, $4, $5)",
                &[
                    kind.as_str().into(),
                    entity.id.as_str().into(),
                    policy_name.into(),
                    key.as_str().into(),
                    document.into(),
                ],
            )?;
            Ok(())
        })
    }

    /// `GetUserPolicy` / `GetGroupPolicy` / `GetRolePolicy`: the inline policy's document, as
    /// given.
    pub fn get_inline_policy(
        &self,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
    ) -> Result<String> {
        self.db().read(|tx| {
            let entity = holder(tx, kind, name)?;
            tx.query_one(
                "SELECT document FROM iam_inline_policies WHERE entity_kind = $1 \
                 AND entity_id = $2 AND name_key = $3",
                &[
                    kind.as_str().into(),
                    entity.id.as_str().into(),
                    policy_name.to_lowercase().into(),
                ],
            )?
            .map(|row| row.str(0))
            .ok_or_else(|| inline_not_found(kind, policy_name))
        })
    }

    /// `ListUserPolicies` / `ListGroupPolicies` / `ListRolePolicies`: the inline policies'
    /// names, sorted.
    pub fn list_inline_policies(&self, kind: EntityKind, name: &str) -> Result<Vec<String>> {
        self.db().read(|tx| {
            let entity = holder(tx, kind, name)?;
            Ok(tx
                .query(
                    "SELECT name FROM iam_inline_policies WHERE entity_kind = $1 \
                     AND entity_id = $2 ORDER BY name_key",
                    &[kind.as_str().into(), entity.id.as_str().into()],
                )?
                .iter()
                .map(|row| row.str(0))
                .collect())
        })
    }

    /// `DeleteUserPolicy` / `DeleteGroupPolicy` / `DeleteRolePolicy`.
    pub fn delete_inline_policy(
        &self,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
    ) -> Result<()> {
        self.db().write(|tx| {
            let entity = holder(tx, kind, name)?;
            entity.check_modifiable()?;
            let removed = tx.execute(
                "DELETE FROM iam_inline_policies WHERE entity_kind = $1 AND entity_id = $2 \
                 AND name_key = $3",
                &[
                    kind.as_str().into(),
                    entity.id.as_str().into(),
                    policy_name.to_lowercase().into(),
                ],
            )?;
            if removed == 0 {
                return Err(inline_not_found(kind, policy_name));
            }
            Ok(())
        })
    }

    /// `PutUserPolicy` (see [`Store::put_inline_policy`]).
    pub fn put_user_policy(&self, user: &str, policy_name: &str, document: &str) -> Result<()> {
        self.put_inline_policy(EntityKind::User, user, policy_name, document)
    }

    /// `PutGroupPolicy` (see [`Store::put_inline_policy`]).
    pub fn put_group_policy(&self, group: &str, policy_name: &str, document: &str) -> Result<()> {
        self.put_inline_policy(EntityKind::Group, group, policy_name, document)
    }

    /// `PutRolePolicy` (see [`Store::put_inline_policy`]).
    pub fn put_role_policy(&self, role: &str, policy_name: &str, document: &str) -> Result<()> {
        self.put_inline_policy(EntityKind::Role, role, policy_name, document)
    }

    /// `GetUserPolicy`: the document.
    pub fn get_user_policy(&self, user: &str, policy_name: &str) -> Result<String> {
        self.get_inline_policy(EntityKind::User, user, policy_name)
    }

    /// `GetGroupPolicy`: the document.
    pub fn get_group_policy(&self, group: &str, policy_name: &str) -> Result<String> {
        self.get_inline_policy(EntityKind::Group, group, policy_name)
    }

    /// `GetRolePolicy`: the document.
    pub fn get_role_policy(&self, role: &str, policy_name: &str) -> Result<String> {
        self.get_inline_policy(EntityKind::Role, role, policy_name)
    }

    /// `ListUserPolicies`: the names.
    pub fn list_user_policies(&self, user: &str) -> Result<Vec<String>> {
        self.list_inline_policies(EntityKind::User, user)
    }

    /// `ListGroupPolicies`: the names.
    pub fn list_group_policies(&self, group: &str) -> Result<Vec<String>> {
        self.list_inline_policies(EntityKind::Group, group)
    }

    /// `ListRolePolicies`: the names.
    pub fn list_role_policies(&self, role: &str) -> Result<Vec<String>> {
        self.list_inline_policies(EntityKind::Role, role)
    }

    /// `DeleteUserPolicy`.
    pub fn delete_user_policy(&self, user: &str, policy_name: &str) -> Result<()> {
        self.delete_inline_policy(EntityKind::User, user, policy_name)
    }

    /// `DeleteGroupPolicy`.
    pub fn delete_group_policy(&self, group: &str, policy_name: &str) -> Result<()> {
        self.delete_inline_policy(EntityKind::Group, group, policy_name)
    }

    /// `DeleteRolePolicy`.
    pub fn delete_role_policy(&self, role: &str, policy_name: &str) -> Result<()> {
        self.delete_inline_policy(EntityKind::Role, role, policy_name)
    }
}

/// `NoSuchEntity` for an inline policy an entity does not have.
fn inline_not_found(kind: EntityKind, policy_name: &str) -> StoreError {
    StoreError::no_such_entity(format!(
        "The {} policy with name {policy_name} cannot be found.",
        kind.noun()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_policy_ids_are_stable_and_shaped_like_aws_ids() {
        let id = aws_policy_id("AmazonECS_FullAccess");
        assert_eq!(id, aws_policy_id("AmazonECS_FullAccess"));
        assert_ne!(id, aws_policy_id("AmazonEC2ContainerServiceRole"));
        assert!(id.starts_with("ANPA"));
        assert_eq!(id.len(), 21);
    }

    #[test]
    fn version_ids_follow_iam_pattern() {
        assert!(check_version_id("v1").is_ok());
        assert!(check_version_id("v22").is_ok());
        assert!(check_version_id("v0").is_err());
        assert!(check_version_id("1").is_err());
        assert!(check_version_id("v").is_err());
        assert_eq!(version_number("v12"), 12);
    }

    #[test]
    fn white_space_between_tokens_is_not_counted() {
        assert_eq!(
            warden_core::policy::validate::counted_chars("{ \"a b\" : 1 }", false),
            9
        );
        assert_eq!(
            iam_date("2017-11-07T21:36:54+00:00"),
            "2017-11-07T21:36:54Z"
        );
    }
}
