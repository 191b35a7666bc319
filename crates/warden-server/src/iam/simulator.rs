//! The policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy and the context keys
//! of either.

use warden_core::Policy;
use warden_core::simulate::{
    ContextEntry, EvaluationResult, SimulateCustomPolicyRequest, SimulateError,
    SimulatePolicyResponse, simulate_custom_policy,
};
use warden_store::principal::SimulatePrincipalPolicyRequest;

use super::shapes::null_member;
use crate::Call;
use crate::operation::Reply;
use crate::protocol::{AwsError, Params, Xml};

/// `SimulateCustomPolicy`.
pub fn simulate_custom(c: &Call<'_>) -> Reply {
    let req = custom_request(c.params)?;
    let response = simulate_custom_policy(&req).map_err(simulate_error)?;
    let mut x = Xml::new();
    simulation_xml(&mut x, &response);
    Ok(Some(x.into_string()))
}

/// `SimulatePrincipalPolicy`: the principal's policies (its groups' and boundary too) with the
/// request's.
pub fn simulate_principal(c: &Call<'_>) -> Reply {
    let p = c.params;
    let custom = custom_request_lists(p, false)?;
    let req = SimulatePrincipalPolicyRequest {
        policy_source_arn: p.required("PolicySourceArn")?.to_string(),
        policy_input_list: custom.policy_input_list,
        permissions_boundary_policy_input_list: custom.permissions_boundary_policy_input_list,
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
    let response = c.store().simulate_principal_policy(&req)?;
    let mut x = Xml::new();
    simulation_xml(&mut x, &response);
    Ok(Some(x.into_string()))
}

/// `GetContextKeysForCustomPolicy`: the condition keys the given policies name.
pub fn context_keys_custom(c: &Call<'_>) -> Reply {
    let inputs = c.params.list("PolicyInputList");
    if inputs.is_empty() {
        return Err(null_member("policyInputList"));
    }
    let mut keys = Vec::new();
    for (i, text) in inputs.iter().enumerate() {
        let policy = parse_input(text, i)?;
        collect_keys(&policy, &mut keys);
    }
    let mut x = Xml::new();
    context_keys_xml(&mut x, &keys);
    Ok(Some(x.into_string()))
}

/// `GetContextKeysForPrincipalPolicy`: the condition keys the principal's policies (and the
/// given ones) name.
pub fn context_keys_principal(c: &Call<'_>) -> Reply {
    let source = c.params.required("PolicySourceArn")?;
    let principal = c.store().principal_policies(source)?;
    let mut keys = Vec::new();
    for compiled in principal.identity.iter().chain(principal.boundary.iter()) {
        collect_keys(compiled.policy(), &mut keys);
    }
    for (i, text) in c.params.list("PolicyInputList").iter().enumerate() {
        let policy = parse_input(text, i)?;
        collect_keys(&policy, &mut keys);
    }
    let mut x = Xml::new();
    context_keys_xml(&mut x, &keys);
    Ok(Some(x.into_string()))
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
