//! The account a workflow is decided against: the caller's policies and every role the
//! workflow names (identity policies, boundary, trust policy, instance profiles), from the
//! account store as `simulate --principal` reads a principal, or from policy files.

use crate::model::Workflow;
use std::collections::BTreeMap;
use std::sync::Arc;
use warden_core::{CompiledPolicy, Policy, PolicySet, PolicyType};
use warden_store::{ErrorCode, Store};

/// Why a check cannot run: a caller not in the store, a policy file that does not parse, a
/// store that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError(pub String);

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckError {}

/// A principal's policies.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Its ARN.
    pub arn: String,
    /// Identity-based policies.
    pub identity: Vec<CompiledPolicy>,
    /// The permissions boundary.
    pub boundary: Option<CompiledPolicy>,
    /// Where it is kept: `store` (fixes are new inline policies) or `file` (fixes patch the
    /// first policy file).
    pub origin: Origin,
    /// The identity policies and boundary compiled and indexed once, as the store caches them.
    pub set: Option<Arc<PolicySet>>,
}

/// Where an actor's policies came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The account store.
    Store,
    /// `--policy` files.
    Files,
}

/// A role of the account.
#[derive(Debug, Clone)]
pub struct RoleRecord {
    /// Its policies.
    pub actor: Actor,
    /// Its trust policy.
    pub trust: Option<CompiledPolicy>,
    /// The instance profiles it is in.
    pub instance_profiles: Vec<String>,
}

/// What the workflow is decided against.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// The caller.
    pub caller: Actor,
    /// The roles the workflow names that the account has, by ARN.
    pub roles: BTreeMap<String, RoleRecord>,
    /// Whether roles were looked up in a store: without one, a role's absence means nothing.
    pub has_store: bool,
}

/// Compiles a policy document, naming it in errors.
pub fn compile(
    text: &str,
    kind: PolicyType,
    id: &str,
    source_type: &str,
) -> Result<CompiledPolicy, CheckError> {
    let policy = Policy::parse(text)
        .map_err(|e| CheckError(format!("policy `{id}` does not parse: {e}")))?;
    Ok(CompiledPolicy::new(Arc::new(policy), kind, id, source_type))
}

impl Account {
    /// The caller `caller` and the workflow's roles, from the store.
    pub fn from_store(
        store: &Store,
        caller: &str,
        workflow: &Workflow,
    ) -> Result<Account, CheckError> {
        let policies = store.principal_policies(caller).map_err(|e| {
            CheckError(format!(
                "the caller `{caller}` cannot be read from the account store: {e}"
            ))
        })?;
        let caller = Actor {
            arn: caller.to_string(),
            identity: policies.identity.clone(),
            boundary: policies.boundary.clone(),
            origin: Origin::Store,
            set: Some(Arc::clone(&policies.set)),
        };
        let roles = load_roles(store, workflow)?;
        Ok(Account {
            id: store.account_id(),
            caller,
            roles,
            has_store: true,
        })
    }

    /// The caller given as policy files (`(name, text)`), and the workflow's roles from
    /// `store` when there is one.
    pub fn from_policies(
        caller: &str,
        files: &[(String, String)],
        store: Option<&Store>,
        workflow: &Workflow,
    ) -> Result<Account, CheckError> {
        let identity = files
            .iter()
            .map(|(name, text)| compile(text, PolicyType::Identity, name, "user"))
            .collect::<Result<Vec<_>, _>>()?;
        let caller = Actor {
            arn: caller.to_string(),
            identity,
            boundary: None,
            origin: Origin::Files,
            set: None,
        };
        let (roles, id) = match store {
            Some(s) => (load_roles(s, workflow)?, s.account_id()),
            None => (BTreeMap::new(), workflow.account.clone()),
        };
        Ok(Account {
            id,
            caller,
            roles,
            has_store: store.is_some(),
        })
    }
}

/// Every role of the workflow that the store has (a role it lacks is simply absent).
fn load_roles(
    store: &Store,
    workflow: &Workflow,
) -> Result<BTreeMap<String, RoleRecord>, CheckError> {
    let mut out = BTreeMap::new();
    for arn in workflow.roles() {
        if let Some(record) = load_role(store, &arn)? {
            out.insert(arn, record);
        }
    }
    Ok(out)
}

fn load_role(store: &Store, arn: &str) -> Result<Option<RoleRecord>, CheckError> {
    let Some((_, path_and_name)) = arn.split_once(":role/") else {
        return Ok(None);
    };
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    let fail = |e: warden_store::StoreError| {
        CheckError(format!(
            "cannot read role `{arn}` from the account store: {e}"
        ))
    };
    let role = match store.get_role(name) {
        Ok(r) => r,
        Err(e) if e.code == ErrorCode::NoSuchEntity => return Ok(None),
        Err(e) => return Err(fail(e)),
    };
    // Same name, another path or account: not this role.
    if role.arn != arn {
        return Ok(None);
    }
    let policies = store.principal_policies(arn).map_err(fail)?;
    let trust = compile(
        &role.assume_role_policy_document,
        PolicyType::Trust,
        &format!("{}/trust-policy", role.role_name),
        "role",
    )?;
    let instance_profiles = store
        .list_instance_profiles_for_role(name)
        .map_err(fail)?
        .into_iter()
        .map(|p| p.arn)
        .collect();
    Ok(Some(RoleRecord {
        actor: Actor {
            arn: arn.to_string(),
            identity: policies.identity.clone(),
            boundary: policies.boundary.clone(),
            origin: Origin::Store,
            set: Some(Arc::clone(&policies.set)),
        },
        trust: Some(trust),
        instance_profiles,
    }))
}
