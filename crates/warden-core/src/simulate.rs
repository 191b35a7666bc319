//! AWS's policy simulator API shapes (`API_SimulateCustomPolicy.html`) on top of the evaluator.
//!
//! The request is what `aws iam simulate-custom-policy --generate-cli-skeleton` prints; the
//! response is AWS's `SimulatePolicyResponse`. Warden adds top-level keys for what AWS's
//! simulator cannot express: `ServiceControlPolicies` and `ResourceControlPolicies` (levels from
//! the root down, each a list of policy documents) and `SessionPolicy`; `CallerArn` may also
//! be a role ARN, a role session ARN or a service principal such as `ecs-tasks.amazonaws.com`.

use crate::authorize::{Decision, PolicySet, PolicySetBuilder, Request};
use crate::compile::CompiledPolicy;
use crate::context::{Context, ContextKeyType, ContextValue};
use crate::json::Position;
use crate::policy::{Policy, PolicyType};
use crate::principal::Principal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The `SimulateCustomPolicy` request, with Warden's extensions.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SimulateCustomPolicyRequest {
    /// Identity-based policies to simulate.
    #[serde(default)]
    pub policy_input_list: Vec<String>,
    /// Permissions boundary policies.
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
    /// The account that owns the resources (`arn:aws:iam::ID:root` or an account id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner: Option<String>,
    /// The caller: a user ARN in AWS; in Warden also a role, a session or a service principal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_arn: Option<String>,
    /// Context keys and values.
    #[serde(default)]
    pub context_entries: Vec<ContextEntry>,
    /// Accepted for compatibility; Warden needs no scenario to evaluate resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_handling_option: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// Page marker from a previous truncated response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Warden: SCP levels from the organization root down to the account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_control_policies: Vec<Vec<String>>,
    /// Warden: RCP levels from the organization root down to the account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_control_policies: Vec<Vec<String>>,
    /// Warden: a session policy, as passed to `AssumeRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<String>,
}

/// AWS's `ContextEntry`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ContextEntry {
    /// The key, e.g. `aws:SourceIp`.
    pub context_key_name: String,
    /// Its values.
    #[serde(default)]
    pub context_key_values: Vec<String>,
    /// `string`, `stringList`, `numeric`, ... (`string` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_key_type: Option<String>,
}

/// AWS's `SimulatePolicyResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulatePolicyResponse {
    /// One result per action and resource.
    pub evaluation_results: Vec<EvaluationResult>,
    /// Whether more results follow.
    pub is_truncated: bool,
    /// Where the next page starts, when truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// AWS's `EvaluationResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluationResult {
    /// The action.
    pub eval_action_name: String,
    /// The resource.
    pub eval_resource_name: String,
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub eval_decision: String,
    /// The statements that decided.
    pub matched_statements: Vec<StatementRef>,
    /// Keys the policies asked for that the request did not carry.
    pub missing_context_values: Vec<String>,
    /// Present when SCPs or RCPs took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizations_decision_detail: Option<OrganizationsDecisionDetail>,
    /// Present when a permissions boundary took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail>,
}

/// AWS's `Statement` reference in `MatchedStatements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatementRef {
    /// `PolicyInputList.1`, `ResourcePolicy`, ...
    pub source_policy_id: String,
    /// `user`, `group`, `role`, `aws-managed`, `user-managed`, `resource` or `none`.
    pub source_policy_type: String,
    /// Where the statement starts.
    pub start_position: Position,
    /// Where the statement ends.
    pub end_position: Position,
}

/// AWS's `OrganizationsDecisionDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationsDecisionDetail {
    /// Whether the organization's policies allow.
    pub allowed_by_organizations: bool,
}

/// AWS's `PermissionsBoundaryDecisionDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundaryDecisionDetail {
    /// Whether the boundary allows.
    pub allowed_by_permissions_boundary: bool,
}

/// Why a simulation request cannot be run: AWS's error code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SimulateError {
    /// `InvalidInput`, `MalformedPolicyDocument`, or `ValidationError` for a document over the
    /// API's length constraint.
    pub code: &'static str,
    /// What is wrong, naming the input.
    pub message: String,
}

fn invalid(message: String) -> SimulateError {
    SimulateError {
        code: "InvalidInput",
        message,
    }
}

/// A simulation prepared once: policies parsed and compiled, caller and context read.
#[derive(Debug, Clone)]
pub struct Simulation {
    set: Arc<PolicySet>,
    principal: Principal,
    caller_given: bool,
    resource_owner: Option<String>,
    context: Context,
}

impl Simulation {
    /// Parses and compiles everything in the request.
    pub fn prepare(req: &SimulateCustomPolicyRequest) -> Result<Simulation, SimulateError> {
        Simulation::prepare_with(req, &[], &[])
    }

    /// Like [`Simulation::prepare`], for `SimulatePrincipalPolicy`: `identity` and `boundary`
    /// are the principal's own policies, compiled under the ids and types the simulator reports
    /// (`SourcePolicyId` = the policy's name, `SourcePolicyType` = `user`, `group`, `role`,
    /// `aws-managed` or `user-managed`). The request's `PolicyInputList` is added to them; its
    /// `PermissionsBoundaryPolicyInputList`, when given, replaces the principal's boundary.
    pub fn prepare_with(
        req: &SimulateCustomPolicyRequest,
        identity: &[CompiledPolicy],
        boundary: &[CompiledPolicy],
    ) -> Result<Simulation, SimulateError> {
        let mut b = PolicySet::builder();
        for policy in identity {
            b = b.identity(policy.clone());
        }
        if req.permissions_boundary_policy_input_list.is_empty() {
            for policy in boundary {
                b = b.boundary(policy.clone());
            }
        }
        for (i, text) in req.policy_input_list.iter().enumerate() {
            let id = format!("PolicyInputList.{}", i + 1);
            b = b.identity(compile(text, PolicyType::Identity, &id, "none")?);
        }
        for (i, text) in req
            .permissions_boundary_policy_input_list
            .iter()
            .enumerate()
        {
            let id = format!("PermissionsBoundaryPolicyInputList.{}", i + 1);
            b = b.boundary(compile(text, PolicyType::Boundary, &id, "none")?);
        }
        if let Some(text) = &req.resource_policy {
            let policy = parse(text, "ResourcePolicy")?;
            let kind = if looks_like_trust(&policy) {
                PolicyType::Trust
            } else {
                PolicyType::Resource
            };
            b = b.resource(CompiledPolicy::new(
                Arc::new(policy),
                kind,
                "ResourcePolicy",
                "resource",
            ));
        }
        if let Some(text) = &req.session_policy {
            b = b.session(compile(text, PolicyType::Session, "SessionPolicy", "none")?);
        }
        b = levels(
            b,
            &req.service_control_policies,
            "ServiceControlPolicies",
            PolicyType::Scp,
        )?;
        b = levels(
            b,
            &req.resource_control_policies,
            "ResourceControlPolicies",
            PolicyType::Rcp,
        )?;

        Simulation::finish(req, Arc::new(b.build()))
    }

    /// Like [`Simulation::prepare_with`] for a request that adds no policy of its own (no
    /// `PolicyInputList`, boundary list, `ResourcePolicy`, session policy, SCPs or RCPs): the
    /// principal's policy set, compiled and indexed once, is shared as it is. `None` when the
    /// request adds policies (use `prepare_with` then).
    pub fn prepare_shared(
        req: &SimulateCustomPolicyRequest,
        set: &Arc<PolicySet>,
    ) -> Option<Result<Simulation, SimulateError>> {
        let adds_policies = !req.policy_input_list.is_empty()
            || !req.permissions_boundary_policy_input_list.is_empty()
            || req.resource_policy.is_some()
            || req.session_policy.is_some()
            || !req.service_control_policies.is_empty()
            || !req.resource_control_policies.is_empty();
        (!adds_policies).then(|| Simulation::finish(req, Arc::clone(set)))
    }

    /// Reads the caller, resource owner and context of `req`, over the compiled `set`.
    fn finish(
        req: &SimulateCustomPolicyRequest,
        set: Arc<PolicySet>,
    ) -> Result<Simulation, SimulateError> {
        let caller_given = req.caller_arn.is_some();
        let principal = match req.caller_arn.as_deref() {
            Some(arn) => {
                let p = Principal::parse(arn);
                if matches!(p, Principal::Other(_) | Principal::Anonymous) {
                    return Err(invalid(format!(
                        "CallerArn `{arn}` is not a user, role, role session or service principal"
                    )));
                }
                p
            }
            None => Principal::parse("arn:aws:iam::000000000000:user/SimulatedCaller"),
        };
        let resource_owner = match req.resource_owner.as_deref() {
            None => None,
            Some(owner) => Some(owner_account(owner)?),
        };
        let mut context = Context::new();
        for e in &req.context_entries {
            let kind = match e.context_key_type.as_deref() {
                None => ContextKeyType::String,
                Some(t) => ContextKeyType::from_name(t).ok_or_else(|| {
                    invalid(format!(
                        "ContextKeyType `{t}` of `{}` is not one of string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList",
                        e.context_key_name
                    ))
                })?,
            };
            if e.context_key_name.trim().is_empty() {
                return Err(invalid(
                    "a context entry has an empty ContextKeyName".into(),
                ));
            }
            if let Some(bad) = e
                .context_key_values
                .iter()
                .find(|v| !crate::condition::value_fits_type(kind, v))
            {
                return Err(invalid(format!(
                    "ContextKeyValues of `{}` must be of type {kind}: `{bad}` is not",
                    e.context_key_name
                )));
            }
            context.insert(
                e.context_key_name.clone(),
                ContextValue::typed(kind, e.context_key_values.clone()),
            );
        }
        Ok(Simulation {
            set,
            principal,
            caller_given,
            resource_owner,
            context,
        })
    }

    /// The compiled policy set.
    pub fn policy_set(&self) -> &PolicySet {
        &self.set
    }

    /// The request for one action and resource, with the simulation's caller and context.
    pub fn request(&self, action: &str, resource: &str) -> Request {
        let mut req = Request::new(self.principal.clone(), action, resource);
        req.context = self.context.clone();
        if self.caller_given {
            req = req.with_principal_keys();
        }
        // Without a CallerArn there is no account to cross: the resources are the caller's.
        req.resource_account = match &self.resource_owner {
            Some(owner) => Some(owner.clone()),
            None if !self.caller_given => self.principal.account().map(str::to_string),
            None => None,
        };
        req
    }

    /// Runs every action against every resource.
    pub fn run(&self, actions: &[String], resources: &[String]) -> Vec<EvaluationResult> {
        let star = ["*".to_string()];
        let resources: &[String] = if resources.is_empty() {
            &star
        } else {
            resources
        };
        let mut out = Vec::with_capacity(actions.len() * resources.len());
        for action in actions {
            for resource in resources {
                let decision = self.set.authorize(&self.request(action, resource));
                out.push(evaluation_result(action, resource, &decision));
            }
        }
        out
    }
}

/// Runs a `SimulateCustomPolicy` request.
pub fn simulate_custom_policy(
    req: &SimulateCustomPolicyRequest,
) -> Result<SimulatePolicyResponse, SimulateError> {
    if req.action_names.is_empty() {
        return Err(invalid("ActionNames must name at least one action".into()));
    }
    if req.policy_input_list.is_empty() && req.resource_policy.is_none() {
        return Err(invalid(
            "PolicyInputList must hold at least one policy (or give a ResourcePolicy)".into(),
        ));
    }
    let sim = Simulation::prepare(req)?;
    let all = sim.run(&req.action_names, &req.resource_arns);
    paginate(all, req.max_items, req.marker.as_deref())
}

/// Cuts results into pages as AWS does: `MaxItems` per page, an opaque `Marker` to go on.
pub fn paginate(
    all: Vec<EvaluationResult>,
    max_items: Option<u32>,
    marker: Option<&str>,
) -> Result<SimulatePolicyResponse, SimulateError> {
    let start = match marker {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|&s| s <= all.len())
            .ok_or_else(|| invalid(format!("Marker `{m}` does not come from this request")))?,
    };
    let max = match max_items {
        None => 100,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "MaxItems must be between 1 and 1000, not {n}"
            )));
        }
    };
    let end = start.saturating_add(max).min(all.len());
    let truncated = end < all.len();
    Ok(SimulatePolicyResponse {
        evaluation_results: all.into_iter().skip(start).take(end - start).collect(),
        is_truncated: truncated,
        marker: truncated.then(|| end.to_string()),
    })
}

/// AWS's result shape for one decision.
pub fn evaluation_result(action: &str, resource: &str, d: &Decision) -> EvaluationResult {
    EvaluationResult {
        eval_action_name: action.to_string(),
        eval_resource_name: resource.to_string(),
        eval_decision: d.decision.as_str().to_string(),
        matched_statements: d
            .matched
            .iter()
            .map(|m| StatementRef {
                source_policy_id: m.source_policy_id.to_string(),
                source_policy_type: m.source_policy_type.to_string(),
                start_position: m.start,
                end_position: m.end,
            })
            .collect(),
        missing_context_values: d.missing_context.clone(),
        organizations_decision_detail: d.allowed_by_organizations.map(|allowed| {
            OrganizationsDecisionDetail {
                allowed_by_organizations: allowed,
            }
        }),
        permissions_boundary_decision_detail: d.allowed_by_boundary.map(|allowed| {
            PermissionsBoundaryDecisionDetail {
                allowed_by_permissions_boundary: allowed,
            }
        }),
    }
}

/// Parses one policy of the request, `id` naming it (`PolicyInputList.1`). A document over the
/// API's length constraint is refused before it is read, as AWS refuses it; a parse error is the
/// validator's first grammar error, with its place.
fn parse(text: &str, id: &str) -> Result<Policy, SimulateError> {
    // AWS names the parameter's member in lower camel case: `policyInputList.1`.
    let mut parameter = id.to_string();
    if let Some(first) = parameter.get_mut(..1) {
        first.make_ascii_lowercase();
    }
    if let Some(message) = crate::policy::validate::api_length_error(text, &parameter) {
        return Err(SimulateError {
            code: "ValidationError",
            message: format!("{id}: {message}"),
        });
    }
    // The validator's first grammar error, worded as `validate` words it.
    Policy::parse(text).map_err(|e| SimulateError {
        code: "MalformedPolicyDocument",
        message: format!("{id}: {e}"),
    })
}

fn compile(
    text: &str,
    kind: PolicyType,
    id: &str,
    source_type: &str,
) -> Result<CompiledPolicy, SimulateError> {
    Ok(CompiledPolicy::new(
        Arc::new(parse(text, id)?),
        kind,
        id,
        source_type,
    ))
}

fn levels(
    mut b: PolicySetBuilder,
    levels: &[Vec<String>],
    name: &str,
    kind: PolicyType,
) -> Result<PolicySetBuilder, SimulateError> {
    for (li, level) in levels.iter().enumerate() {
        let mut compiled = Vec::with_capacity(level.len());
        for (pi, text) in level.iter().enumerate() {
            let id = format!("{name}.{}.{}", li + 1, pi + 1);
            compiled.push(compile(text, kind, &id, "none")?);
        }
        b = match kind {
            PolicyType::Rcp => b.rcp_level(compiled),
            _ => b.scp_level(compiled),
        };
    }
    Ok(b)
}

/// Labels a `ResourcePolicy` shaped as a trust policy (every statement names a principal, none
/// a resource). The label is for reports only: whether the policy acts as the role's trust
/// policy is decided from each request (`sts:AssumeRole*` on a role ARN).
fn looks_like_trust(p: &Policy) -> bool {
    !p.statements().is_empty()
        && p.statements()
            .iter()
            .all(|s| s.resource().is_none() && s.principal().is_some())
}

fn owner_account(owner: &str) -> Result<String, SimulateError> {
    if crate::policy::is_account_id(owner) {
        return Ok(owner.to_string());
    }
    match crate::arn::Arn::parse(owner) {
        Some(a) if crate::policy::is_account_id(a.account) => Ok(a.account.to_string()),
        _ => Err(invalid(format!(
            "ResourceOwner `{owner}` is not an account ARN such as arn:aws:iam::123456789012:root"
        ))),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn req(json: &str) -> SimulateCustomPolicyRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn reports_matched_statement_positions() {
        let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:ListBucket\", \"Resource\": \"*\"}\n  ]\n}";
        let r = SimulateCustomPolicyRequest {
            policy_input_list: vec![policy.into()],
            action_names: vec!["s3:ListBucket".into(), "s3:GetObject".into()],
            ..Default::default()
        };
        let out = simulate_custom_policy(&r).unwrap();
        let first = &out.evaluation_results[0];
        assert_eq!(first.eval_decision, "allowed");
        assert_eq!(first.eval_resource_name, "*");
        let m = &first.matched_statements[0];
        assert_eq!(m.source_policy_id, "PolicyInputList.1");
        assert_eq!(m.start_position, Position { line: 4, column: 5 });
        assert_eq!(out.evaluation_results[1].eval_decision, "implicitDeny");
        assert!(out.evaluation_results[1].matched_statements.is_empty());
    }

    #[test]
    fn unknown_fields_and_bad_types_are_errors() {
        assert!(
            serde_json::from_str::<SimulateCustomPolicyRequest>(r#"{"PolicyInput": []}"#).is_err()
        );
        let r = req(
            r#"{"PolicyInputList":["{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:z\"}}"],"ActionNames":["s3:x"],"ContextEntries":[{"ContextKeyName":"k","ContextKeyValues":["v"],"ContextKeyType":"strung"}]}"#,
        );
        let e = simulate_custom_policy(&r).unwrap_err();
        assert_eq!(e.code, "InvalidInput");
        assert!(e.message.contains("strung"), "{e}");
        let r = req(
            r#"{"PolicyInputList":["{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:z\"}}"],"ActionNames":["s3:x"],"ContextEntries":[{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["10.0.0.1","not-an-ip"],"ContextKeyType":"ipList"}]}"#,
        );
        let e = simulate_custom_policy(&r).unwrap_err();
        assert_eq!(e.code, "InvalidInput");
        assert!(e.message.contains("`not-an-ip`"), "{e}");
    }

    #[test]
    fn service_principal_and_trust_policy() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let mut r = SimulateCustomPolicyRequest {
            resource_policy: Some(trust.into()),
            action_names: vec!["sts:AssumeRole".into()],
            resource_arns: vec!["arn:aws:iam::123456789012:role/task".into()],
            caller_arn: Some("ecs-tasks.amazonaws.com".into()),
            ..Default::default()
        };
        let out = simulate_custom_policy(&r).unwrap();
        assert_eq!(out.evaluation_results[0].eval_decision, "allowed");
        assert_eq!(
            out.evaluation_results[0].matched_statements[0].source_policy_type,
            "resource"
        );
        r.caller_arn = Some("ec2.amazonaws.com".into());
        let out = simulate_custom_policy(&r).unwrap();
        assert_eq!(out.evaluation_results[0].eval_decision, "implicitDeny");
    }

    #[test]
    fn pagination() {
        let r = SimulateCustomPolicyRequest {
            policy_input_list: vec![r#"{"Statement":{"Effect":"Allow","Action":"a:z"}}"#.into()],
            action_names: vec!["a:b".into(), "a:c".into(), "a:d".into()],
            max_items: Some(2),
            ..Default::default()
        };
        let p1 = simulate_custom_policy(&r).unwrap();
        assert!(p1.is_truncated);
        assert_eq!(p1.evaluation_results.len(), 2);
        let r2 = SimulateCustomPolicyRequest {
            marker: p1.marker.clone(),
            ..r
        };
        let p2 = simulate_custom_policy(&r2).unwrap();
        assert!(!p2.is_truncated);
        assert_eq!(p2.evaluation_results[0].eval_action_name, "a:d");
    }
}
