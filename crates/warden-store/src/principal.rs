//! Principals: every policy that applies to a user, group, role or role session, gathered from
//! the store, compiled once and cached until the store changes; and `SimulatePrincipalPolicy`
//! against them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use warden_core::authorize::PolicySetBuilder;
use warden_core::simulate::{
    ContextEntry, SimulateCustomPolicyRequest, SimulateError, SimulatePolicyResponse, Simulation,
    paginate,
};
use warden_core::{CompiledPolicy, Policy, PolicySet, PolicyType};

use crate::db::Tx;
use crate::error::{ErrorCode, Result, StoreError};
use crate::lookup;
use crate::model::EntityKind;
use crate::store::Store;

/// The policies that apply to one principal, compiled.
#[derive(Debug, Clone)]
pub struct PrincipalPolicies {
    /// The principal's ARN as stored (with its path).
    pub arn: String,
    /// User, group or role.
    pub kind: EntityKind,
    /// Its unique id (`AIDA...`, `AGPA...`, `AROA...`): what `aws:userid` is made of.
    pub id: String,
    /// Its tags: a user's or a role's are its `aws:PrincipalTag/KEY` values.
    pub tags: Vec<crate::model::Tag>,
    /// Its identity-based policies: its own inline and attached policies, then (for a user)
    /// those of its groups.
    pub identity: Vec<CompiledPolicy>,
    /// Its permissions boundary, if it has one.
    pub boundary: Option<CompiledPolicy>,
    /// The identity policies and the boundary as one policy set, compiled and indexed once.
    pub set: Arc<PolicySet>,
}

impl PrincipalPolicies {
    /// A policy set builder holding the principal's identity policies and boundary, for a
    /// caller that adds more (a session policy, a trust policy).
    pub fn builder(&self) -> PolicySetBuilder {
        let mut builder = PolicySet::builder();
        for policy in &self.identity {
            builder = builder.identity(policy.clone());
        }
        if let Some(boundary) = &self.boundary {
            builder = builder.boundary(boundary.clone());
        }
        builder
    }
}

/// AWS's `SimulatePrincipalPolicy` request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SimulatePrincipalPolicyRequest {
    /// The user, group or role (or role session) whose policies are simulated.
    pub policy_source_arn: String,
    /// More identity-based policies, as if attached to the principal.
    #[serde(default)]
    pub policy_input_list: Vec<String>,
    /// A permissions boundary to simulate instead of the principal's.
    #[serde(default)]
    pub permissions_boundary_policy_input_list: Vec<String>,
    /// Actions to evaluate.
    #[serde(default)]
    pub action_names: Vec<String>,
    /// Resources to evaluate; `*` when absent.
    #[serde(default)]
    pub resource_arns: Vec<String>,
    /// A resource-based policy (or a role's trust policy) attached to the resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// The account that owns the resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner: Option<String>,
    /// The caller; by default the principal itself when it is a user or a role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_arn: Option<String>,
    /// Context keys and values.
    #[serde(default)]
    pub context_entries: Vec<ContextEntry>,
    /// Accepted for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_handling_option: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// Page marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// What names a principal in a `PolicySourceArn`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    kind: EntityKind,
    name: String,
    /// The ARN without the session part (for sessions: the role's name only is known).
    arn: Option<String>,
}

fn parse_source(arn: &str) -> Result<Source> {
    let invalid = || {
        StoreError::invalid_input(format!(
            "PolicySourceArn {arn} is not the ARN of a user, group, role or role session"
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid());
    };
    if *prefix != "arn" {
        return Err(invalid());
    }
    let (kind_text, rest) = resource.split_once('/').ok_or_else(invalid)?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    match (*service, kind_text) {
        ("iam", "user") => Ok(Source {
            kind: EntityKind::User,
            name: name.to_string(),
            arn: Some(arn.to_string()),
        }),
        ("iam", "group") => Ok(Source {
            kind: EntityKind::Group,
            name: name.to_string(),
            arn: Some(arn.to_string()),
        }),
        ("iam", "role") => Ok(Source {
            kind: EntityKind::Role,
            name: name.to_string(),
            arn: Some(arn.to_string()),
        }),
        ("sts", "assumed-role") => {
            let role = rest.split('/').next().unwrap_or_default();
            if role.is_empty() {
                return Err(invalid());
            }
            Ok(Source {
                kind: EntityKind::Role,
                name: role.to_string(),
                arn: None,
            })
        }
        _ => Err(invalid()),
    }
}

impl Store {
    /// The compiled policies of the user, group, role or role session `arn`, from the cache
    /// when nothing changed since they were gathered.
    pub fn principal_policies(&self, arn: &str) -> Result<Arc<PrincipalPolicies>> {
        let generation = self.generation()?;
        if let Some(cached) = self.cache_get(arn, generation) {
            return Ok(cached);
        }
        let source = parse_source(arn)?;
        let account = self.account_id();
        let gathered = self.db().read(|tx| gather(tx, &source, &account))?;
        let gathered = Arc::new(gathered);
        self.cache_put(arn, generation, Arc::clone(&gathered));
        Ok(gathered)
    }

    /// `SimulatePrincipalPolicy`: the principal's policies (its groups' too, and its
    /// boundary), plus the request's, decided for every action and resource.
    pub fn simulate_principal_policy(
        &self,
        req: &SimulatePrincipalPolicyRequest,
    ) -> Result<SimulatePolicyResponse> {
        let (simulation, custom) = self.principal_simulation(req)?;
        let results = simulation.run(&custom.action_names, &custom.resource_arns);
        paginate(results, custom.max_items, custom.marker.as_deref()).map_err(simulate)
    }

    /// The simulation a `SimulatePrincipalPolicy` request runs, compiled, with the request
    /// restated as a `SimulateCustomPolicy` one (its caller defaulted to the principal when it
    /// is a user or a role): for callers that want each full [`warden_core::Decision`].
    pub fn principal_simulation(
        &self,
        req: &SimulatePrincipalPolicyRequest,
    ) -> Result<(Simulation, SimulateCustomPolicyRequest)> {
        if req.action_names.is_empty() {
            return Err(StoreError::invalid_input(
                "ActionNames must name at least one action",
            ));
        }
        let policies = self.principal_policies(&req.policy_source_arn)?;
        let caller = req.caller_arn.clone().or_else(|| match policies.kind {
            EntityKind::User | EntityKind::Role => Some(req.policy_source_arn.clone()),
            EntityKind::Group => None,
        });
        let custom = SimulateCustomPolicyRequest {
            policy_input_list: req.policy_input_list.clone(),
            permissions_boundary_policy_input_list: req
                .permissions_boundary_policy_input_list
                .clone(),
            action_names: req.action_names.clone(),
            resource_arns: req.resource_arns.clone(),
            resource_policy: req.resource_policy.clone(),
            resource_owner: req.resource_owner.clone(),
            caller_arn: caller,
            context_entries: req.context_entries.clone(),
            resource_handling_option: req.resource_handling_option.clone(),
            max_items: req.max_items,
            marker: req.marker.clone(),
            ..SimulateCustomPolicyRequest::default()
        };
        let simulation = match Simulation::prepare_shared(&custom, &policies.set) {
            Some(shared) => shared,
            None => {
                let boundary: Vec<CompiledPolicy> = policies.boundary.iter().cloned().collect();
                Simulation::prepare_with(&custom, &policies.identity, &boundary)
            }
        }
        .map_err(simulate)?;
        Ok((simulation, custom))
    }
}

fn simulate(e: SimulateError) -> StoreError {
    let code = match e.code {
        "MalformedPolicyDocument" => ErrorCode::MalformedPolicyDocument,
        "ValidationError" => ErrorCode::ValidationError,
        _ => ErrorCode::InvalidInput,
    };
    StoreError::new(code, e.message)
}

/// Reads everything that applies to `source` in one transaction.
fn gather(tx: &mut dyn Tx, source: &Source, account: &str) -> Result<PrincipalPolicies> {
    let table = source.kind.table();
    let boundary_column = match source.kind {
        EntityKind::Group => "NULL",
        _ => "boundary",
    };
    let row = tx
        .query_one(
            &format!("SELECT id, name, path, {boundary_column} FROM {table} WHERE name_key = $1"),
            &[source.name.to_lowercase().into()],
        )?
        .ok_or_else(|| lookup::not_found(source.kind, &source.name))?;
    let (id, name, path, boundary_arn) = (row.str(0), row.str(1), row.str(2), row.opt(3));
    let arn = crate::model::arn(account, source.kind.as_str(), &path, &name);
    if let Some(given) = &source.arn
        && *given != arn
    {
        // Same name, another path or account: not this principal.
        return Err(lookup::not_found(source.kind, &source.name));
    }
    let tags = match source.kind {
        EntityKind::Group => Vec::new(),
        kind => crate::tags::load(tx, kind.as_str(), &id)?,
    };
    let mut out = PrincipalPolicies {
        arn,
        kind: source.kind,
        id: id.clone(),
        tags,
        identity: Vec::new(),
        boundary: None,
        set: Arc::new(PolicySet::builder().build()),
    };
    add_entity_policies(tx, &mut out, source.kind, &id)?;
    if source.kind == EntityKind::User {
        let groups = tx.query(
            "SELECT g.id FROM iam_groups g JOIN iam_group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.name_key",
            &[id.as_str().into()],
        )?;
        for group in groups {
            add_entity_policies(tx, &mut out, EntityKind::Group, &group.str(0))?;
        }
    }
    if let Some(boundary_arn) = boundary_arn {
        let (name, source_type, document) = managed_document(tx, &boundary_arn)?;
        out.boundary = Some(compile(
            &document,
            PolicyType::Boundary,
            &name,
            source_type,
        )?);
    }
    out.set = Arc::new(out.builder().build());
    Ok(out)
}

/// An entity's inline policies (by name), then its attached managed policies (by ARN).
fn add_entity_policies(
    tx: &mut dyn Tx,
    out: &mut PrincipalPolicies,
    kind: EntityKind,
    id: &str,
) -> Result<()> {
    let inline = tx.query(
        "SELECT name, document FROM iam_inline_policies WHERE entity_kind = $1 AND entity_id = $2 ORDER BY name_key",
        &[kind.as_str().into(), id.into()],
    )?;
    for row in inline {
        let (name, document) = (row.str(0), row.str(1));
        out.identity.push(compile(
            &document,
            PolicyType::Identity,
            &name,
            kind.as_str(),
        )?);
    }
    // Each attachment with its customer managed policy's default document, in one query (AWS
    // managed policies come from the built-in catalog).
    let attached = tx.query(
        "SELECT a.policy_arn, p.name, v.document FROM iam_attachments a \
         LEFT JOIN iam_policies p ON p.arn = a.policy_arn \
         LEFT JOIN iam_policy_versions v ON v.policy_id = p.id AND v.version_id = p.default_version \
         WHERE a.entity_kind = $1 AND a.entity_id = $2 ORDER BY a.policy_arn",
        &[kind.as_str().into(), id.into()],
    )?;
    for row in attached {
        let arn = row.str(0);
        let (name, source_type, document) = match (row.opt(1), row.opt(2)) {
            (Some(name), Some(document)) => (name, "user-managed", document),
            _ => managed_document(tx, &arn)?,
        };
        out.identity.push(compile(
            &document,
            PolicyType::Identity,
            &name,
            source_type,
        )?);
    }
    Ok(())
}

/// A managed policy's name, source type and default document: a customer managed policy of
/// this account, or an AWS managed one from the built-in catalog.
fn managed_document(tx: &mut dyn Tx, arn: &str) -> Result<(String, &'static str, String)> {
    if arn.starts_with(warden_catalog::AWS_MANAGED_PREFIX) {
        let policy = warden_catalog::managed()
            .lookup(arn)
            .map_err(|e| StoreError::no_such_entity(e.to_string()))?;
        return Ok((
            policy.name.clone(),
            "aws-managed",
            policy.document().to_string(),
        ));
    }
    let row = tx
        .query_one(
            "SELECT p.name, v.document FROM iam_policies p JOIN iam_policy_versions v ON v.policy_id = p.id AND v.version_id = p.default_version WHERE p.arn = $1",
            &[arn.into()],
        )?
        .ok_or_else(|| StoreError::no_such_entity(format!("Policy {arn} was not found.")))?;
    Ok((row.str(0), "user-managed", row.str(1)))
}

fn compile(
    document: &str,
    kind: PolicyType,
    id: &str,
    source_type: &str,
) -> Result<CompiledPolicy> {
    let policy = Policy::parse(document)
        .map_err(|e| StoreError::malformed(format!("stored policy {id} does not parse: {e}")))?;
    Ok(CompiledPolicy::new(Arc::new(policy), kind, id, source_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_source_arns() {
        assert_eq!(
            parse_source("arn:aws:iam::123456789012:user/ci/deployer").ok(),
            Some(Source {
                kind: EntityKind::User,
                name: "deployer".into(),
                arn: Some("arn:aws:iam::123456789012:user/ci/deployer".into())
            })
        );
        let session = parse_source("arn:aws:sts::123456789012:assumed-role/ecsTaskRole/task-1");
        assert_eq!(
            session.map(|s| (s.kind, s.name)).ok(),
            Some((EntityKind::Role, "ecsTaskRole".into()))
        );
        assert!(parse_source("arn:aws:iam::123456789012:policy/x").is_err());
        assert!(parse_source("ecsTaskRole").is_err());
    }
}
