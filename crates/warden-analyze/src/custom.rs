//! The custom policy checks (`API_CheckNoNewAccess.html`, `API_CheckAccessNotGranted.html`,
//! `API_CheckNoPublicAccess.html`), decided by `decide.rs` and answered with AWS's response
//! shape, plus what AWS does not give: a witness request for every FAIL that has one, which the
//! evaluator (`PolicySet::authorize`) has re-decided.

use crate::AnalyzeError;
use crate::decide::{Dim, Engine, Fixed, Point, Region, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use warden_core::context::{Context, ContextValue};
use warden_core::policy::Effect;
use warden_core::{
    CompiledPolicy, EvalDecision, Policy, PolicySet, PolicyType, Principal, Request,
};

/// `CheckNoNewAccess`'s request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckNoNewAccessRequest {
    /// The policy as it is.
    pub existing_policy_document: String,
    /// The policy as it would be.
    pub new_policy_document: String,
    /// `IDENTITY_POLICY` or `RESOURCE_POLICY`.
    pub policy_type: String,
}

/// One entry of `CheckAccessNotGranted`'s `access`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Access {
    /// Actions (any when absent).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Resources (any when absent).
    #[serde(default)]
    pub resources: Vec<String>,
}

/// `CheckAccessNotGranted`'s request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckAccessNotGrantedRequest {
    /// The policy.
    pub policy_document: String,
    /// The access it must not grant.
    pub access: Vec<Access>,
    /// `IDENTITY_POLICY` or `RESOURCE_POLICY`.
    pub policy_type: String,
}

/// `CheckNoPublicAccess`'s request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckNoPublicAccessRequest {
    /// The resource policy.
    pub policy_document: String,
    /// The resource type, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
}

/// A witness: a request the check found, as the evaluator decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Witness {
    /// The action.
    pub action: String,
    /// Whether the built-in catalog lists the action today (when not, the access exists only
    /// through an action AWS may add under the pattern).
    pub action_in_catalog: bool,
    /// The resource ARN (`*` for an action without resource-level permissions).
    pub resource: String,
    /// The caller, for resource policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The condition keys the request carries.
    pub context: BTreeMap<String, Vec<String>>,
    /// Condition keys the policies read that the request leaves out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent_keys: Vec<String>,
    /// The evaluator's decision under each policy (`allowed`, `implicitDeny`, `explicitDeny`).
    pub decisions: BTreeMap<String, String>,
}

/// One reason of a FAIL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonSummary {
    /// What was found.
    pub description: String,
    /// The statement of the checked (new) policy that grants it, 0-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_index: Option<usize>,
    /// Its `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// Warden's extension: requests that show it (for check-no-new-access, one for each
    /// action pattern of the statement that grants new access).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Witness>,
}

/// The response of the three checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResponse {
    /// `PASS` or `FAIL`.
    pub result: String,
    /// AWS's summary.
    pub message: String,
    /// Why it failed.
    pub reasons: Vec<ReasonSummary>,
    /// Warden's extension: `true` when FAIL means "not provable" (no witness, and the analysis
    /// could not decide), with why in `reasons`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_provable: bool,
}

impl CheckResponse {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.result == "PASS"
    }
}

fn parse(text: &str, what: &str) -> Result<Arc<Policy>, AnalyzeError> {
    Policy::parse(text)
        .map(Arc::new)
        .map_err(|e| AnalyzeError::validation(format!("{what}: the policy is not valid: {e}")))
}

/// `IDENTITY_POLICY` (false) or `RESOURCE_POLICY` (true).
fn resource_kind(policy_type: &str) -> Result<bool, AnalyzeError> {
    match policy_type {
        "IDENTITY_POLICY" => Ok(false),
        "RESOURCE_POLICY" => Ok(true),
        other => Err(AnalyzeError::validation(format!(
            "1 validation error detected: Value '{other}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]"
        ))),
    }
}

/// The account that owns the resource in witnesses for resource policies: one no policy names.
const OWNER: &str = "000000000001";
/// The witness caller of identity policies.
const CALLER: &str = "arn:aws:iam::123456789012:user/warden-witness";
/// The outsider of check-no-public-access, and its account.
const OUTSIDER_ACCOUNT: &str = "999988887777";
const OUTSIDER: &str = "arn:aws:iam::999988887777:user/warden-outsider";

/// Builds the request a point stands for.
fn request(point: &Point, resource_policy: bool) -> Request {
    let action = match point.get(&Dim::Action) {
        Some(Value::One(a)) => a.clone(),
        _ => "warden:Witness".to_string(),
    };
    let resource = match point.get(&Dim::Resource) {
        Some(Value::One(r)) => r.clone(),
        _ => "*".to_string(),
    };
    let principal = match point.get(&Dim::Principal) {
        Some(Value::One(p)) => Principal::parse(p),
        _ if resource_policy => Principal::parse("arn:aws:iam::444455556666:user/warden-witness"),
        _ => Principal::parse(CALLER),
    };
    let mut context = Context::new();
    for (dim, value) in &point.values {
        if let Dim::Key(k) = dim {
            match value {
                Value::One(v) => context.insert(k.clone(), ContextValue::string(v.clone())),
                Value::Many(vs) => context.insert(k.clone(), ContextValue::strings(vs.clone())),
                Value::Absent => {}
            }
        }
    }
    let owner = if resource_policy {
        OWNER.to_string()
    } else {
        principal.account().unwrap_or("123456789012").to_string()
    };
    Request {
        principal,
        action,
        resource,
        context,
        resource_account: Some(owner),
    }
}

/// The evaluator's decision of a policy for a request: identity policies alone; resource
/// policies for a caller of another account whose own account allows everything, so that the
/// resource policy alone decides.
fn decide(policy: &Arc<Policy>, resource_policy: bool, req: &Request) -> EvalDecision {
    let set = if resource_policy {
        let everything = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .map(Arc::new);
        let mut b = PolicySet::builder().resource(CompiledPolicy::new(
            policy.clone(),
            PolicyType::Resource,
            "checked",
            "resource",
        ));
        if let Ok(all) = everything {
            b = b.identity(CompiledPolicy::new(
                all,
                PolicyType::Identity,
                "caller",
                "none",
            ));
        }
        b.build()
    } else {
        PolicySet::builder()
            .identity(CompiledPolicy::new(
                policy.clone(),
                PolicyType::Identity,
                "checked",
                "none",
            ))
            .build()
    };
    set.authorize(req).decision
}

fn decision_name(d: EvalDecision) -> String {
    match d {
        EvalDecision::Allowed => "allowed",
        EvalDecision::ExplicitDeny => "explicitDeny",
        EvalDecision::ImplicitDeny => "implicitDeny",
    }
    .to_string()
}

fn witness(
    point: &Point,
    req: &Request,
    decisions: BTreeMap<String, String>,
    resource_policy: bool,
) -> Witness {
    let catalog = warden_catalog::actions().action(&req.action);
    let action = match catalog {
        Some((service, action)) => format!("{}:{}", service.prefix, action.name),
        None => req.action.clone(),
    };
    let mut context = BTreeMap::new();
    let mut absent = Vec::new();
    for (dim, value) in &point.values {
        if let Dim::Key(k) = dim {
            match value {
                Value::One(v) => {
                    context.insert(k.clone(), vec![v.clone()]);
                }
                Value::Many(vs) => {
                    context.insert(k.clone(), vs.clone());
                }
                Value::Absent => absent.push(k.clone()),
            }
        }
    }
    Witness {
        action,
        action_in_catalog: catalog.is_some(),
        resource: req.resource.clone(),
        principal: resource_policy.then(|| {
            req.principal.arn().unwrap_or_else(|| match &req.principal {
                Principal::Service(s) => s.clone(),
                Principal::Anonymous => "*".to_string(),
                other => format!("{other:?}"),
            })
        }),
        context,
        absent_keys: absent,
        decisions,
    }
}

struct Regions {
    allow: Vec<(usize, Option<String>, Region)>,
    deny: Vec<Region>,
}

fn regions(engine: &mut Engine, policy: &Policy, principals: bool) -> Regions {
    let mut allow = Vec::new();
    let mut deny = Vec::new();
    for s in policy.statements() {
        let r = engine.statement(s, policy.version(), principals);
        match s.effect() {
            Effect::Allow => allow.push((s.index(), s.sid().map(str::to_string), r)),
            Effect::Deny => deny.push(r),
        }
    }
    Regions { allow, deny }
}

fn unlisted_note() -> &'static str {
    " The new access exists only through actions the built-in catalog does not list today, which the action patterns would cover when AWS adds them."
}

/// A request inside `must` (regions of the new policy) that the new policy allows and the
/// existing one does not, confirmed by the evaluator.
fn new_access(
    engine: &mut Engine,
    n: &Regions,
    o: &Regions,
    must: &[&Region],
    new: &Arc<Policy>,
    old: &Arc<Policy>,
    resource_policy: bool,
) -> Option<Witness> {
    let mut found: Option<Witness> = None;
    let mut oracle = |p: &Point| -> bool {
        let r = request(p, resource_policy);
        let (dn, dold) = (
            decide(new, resource_policy, &r),
            decide(old, resource_policy, &r),
        );
        if dn == EvalDecision::Allowed && dold != EvalDecision::Allowed {
            let decisions = BTreeMap::from([
                ("new".to_string(), decision_name(dn)),
                ("existing".to_string(), decision_name(dold)),
            ]);
            found = Some(witness(p, &r, decisions, resource_policy));
            true
        } else {
            false
        }
    };
    let mut escape: Vec<&Region> = n.deny.iter().collect();
    escape.extend(o.allow.iter().map(|(_, _, r)| r));
    if engine.search(must, &escape, &mut oracle).is_some() {
        return found;
    }
    // Or inside one of the existing policy's denies.
    let escape: Vec<&Region> = n.deny.iter().collect();
    for d in &o.deny {
        let mut with: Vec<&Region> = must.to_vec();
        with.push(d);
        if engine.search(&with, &escape, &mut oracle).is_some() {
            return found;
        }
    }
    None
}

fn not_provable(engine: &Engine, message: &str) -> CheckResponse {
    CheckResponse {
        result: "FAIL".to_string(),
        message: message.to_string(),
        reasons: vec![ReasonSummary {
            description: format!(
                "Not provable: no witness was found, but the analysis cannot rule one out because of {}.",
                engine.incomplete.join("; ")
            ),
            statement_index: None,
            statement_id: None,
            witnesses: Vec::new(),
        }],
        not_provable: true,
    }
}

/// `CheckNoNewAccess`: PASS only when every request the new policy allows, the existing one
/// allows too.
pub fn check_no_new_access(req: &CheckNoNewAccessRequest) -> Result<CheckResponse, AnalyzeError> {
    let resource_policy = resource_kind(&req.policy_type)?;
    let old = parse(&req.existing_policy_document, "existingPolicyDocument")?;
    let new = parse(&req.new_policy_document, "newPolicyDocument")?;
    let mut engine = Engine::new(Fixed::new());
    let n = regions(&mut engine, &new, resource_policy);
    let o = regions(&mut engine, &old, resource_policy);
    let mut reasons = Vec::new();
    for (index, sid, s) in &n.allow {
        let first = new_access(&mut engine, &n, &o, &[s], &new, &old, resource_policy);
        let Some(first) = first else { continue };
        let mut witnesses = vec![first];
        // One witness for each action pattern of the statement that grants new access.
        let statement = &new.statements()[*index];
        if !statement.action().negated && statement.action().values.len() > 1 {
            witnesses.clear();
            for pattern in &statement.action().values {
                let only = engine.access(std::slice::from_ref(pattern), &[]);
                if let Some(w) = new_access(
                    &mut engine,
                    &n,
                    &o,
                    &[s, &only],
                    &new,
                    &old,
                    resource_policy,
                ) {
                    witnesses.push(w);
                }
            }
        }
        let note = if witnesses.iter().all(|w| !w.action_in_catalog) {
            unlisted_note()
        } else {
            ""
        };
        reasons.push(ReasonSummary {
            description: format!("New access in the statement with index: {index}.{note}"),
            statement_index: Some(*index),
            statement_id: sid.clone().filter(|s| !s.is_empty()),
            witnesses,
        });
    }
    let message = "The modified permissions grant new access compared to your existing policy.";
    if !reasons.is_empty() {
        return Ok(CheckResponse {
            result: "FAIL".to_string(),
            message: message.to_string(),
            reasons,
            not_provable: false,
        });
    }
    if !engine.incomplete.is_empty() {
        return Ok(not_provable(&engine, message));
    }
    Ok(CheckResponse {
        result: "PASS".to_string(),
        message: "The policy does not grant new access compared to your existing policy."
            .to_string(),
        reasons: Vec::new(),
        not_provable: false,
    })
}

/// `CheckAccessNotGranted`: PASS only when no listed action on any listed resource is allowed
/// under any context.
pub fn check_access_not_granted(
    req: &CheckAccessNotGrantedRequest,
) -> Result<CheckResponse, AnalyzeError> {
    let resource_policy = resource_kind(&req.policy_type)?;
    if req.access.is_empty() {
        return Err(AnalyzeError::validation(
            "access must list at least one entry",
        ));
    }
    if req
        .access
        .iter()
        .any(|a| a.actions.is_empty() && a.resources.is_empty())
    {
        return Err(AnalyzeError::validation(
            "each access entry needs actions, resources or both",
        ));
    }
    let policy = parse(&req.policy_document, "policyDocument")?;
    let mut engine = Engine::new(Fixed::new());
    let p = regions(&mut engine, &policy, resource_policy);
    let access: Vec<Region> = req
        .access
        .iter()
        .map(|a| engine.access(&a.actions, &a.resources))
        .collect();
    let mut reasons = Vec::new();
    for (index, sid, s) in &p.allow {
        let escape: Vec<&Region> = p.deny.iter().collect();
        for (i, a) in access.iter().enumerate() {
            let mut found = None;
            let entry = &req.access[i];
            let mut oracle = |pt: &Point| -> bool {
                let r = request(pt, resource_policy);
                let d = decide(&policy, resource_policy, &r);
                let lower = r.action.to_lowercase();
                let in_access = (entry.actions.is_empty()
                    || entry
                        .actions
                        .iter()
                        .any(|x| warden_core::glob::Glob::new(&x.to_lowercase()).matches(&lower)))
                    && (entry.resources.is_empty()
                        || entry
                            .resources
                            .iter()
                            .any(|x| warden_core::glob::Glob::new(x).matches(&r.resource)));
                if d == EvalDecision::Allowed && in_access {
                    found = Some(witness(
                        pt,
                        &r,
                        BTreeMap::from([("policy".to_string(), decision_name(d))]),
                        resource_policy,
                    ));
                    true
                } else {
                    false
                }
            };
            if engine.search(&[s, a], &escape, &mut oracle).is_some()
                && let Some(w) = found
            {
                reasons.push(ReasonSummary {
                    description: format!("One of the listed actions or resources in the statement with index: {index}."),
                    statement_index: Some(*index),
                    statement_id: sid.clone().filter(|s| !s.is_empty()),
                    witnesses: vec![w],
                });
                break;
            }
        }
    }
    let message = "The policy document grants access to perform one or more of the listed actions or resources.";
    if !reasons.is_empty() {
        return Ok(CheckResponse {
            result: "FAIL".to_string(),
            message: message.to_string(),
            reasons,
            not_provable: false,
        });
    }
    if !engine.incomplete.is_empty() {
        return Ok(not_provable(&engine, message));
    }
    Ok(CheckResponse {
        result: "PASS".to_string(),
        message:
            "The policy document does not grant access to perform the listed actions or resources."
                .to_string(),
        reasons: Vec::new(),
        not_provable: false,
    })
}

/// The service prefix of the resource types `CheckNoPublicAccess` takes
/// (`API_CheckNoPublicAccess.html`).
fn service_of(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::S3::Bucket"
        | "AWS::S3::AccessPoint"
        | "AWS::S3::MultiRegionAccessPoint"
        | "AWS::S3Express::DirectoryBucket"
        | "AWS::S3Express::AccessPoint" => "s3",
        "AWS::S3ObjectLambda::AccessPoint" => "s3-object-lambda",
        "AWS::S3Outposts::AccessPoint" | "AWS::S3Outposts::Bucket" => "s3-outposts",
        "AWS::S3Tables::TableBucket" | "AWS::S3Tables::Table" => "s3tables",
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::Stream" => "dynamodb",
        "AWS::ApiGateway::RestApi" => "execute-api",
        "AWS::CodeArtifact::Domain" => "codeartifact",
        "AWS::Backup::BackupVault" => "backup",
        "AWS::CloudTrail::Dashboard" | "AWS::CloudTrail::EventDataStore" => "cloudtrail",
        "AWS::EFS::FileSystem" => "elasticfilesystem",
        "AWS::ECR::Repository" => "ecr",
        "AWS::OpenSearchService::Domain" => "es",
        "AWS::Glacier::Vault" => "glacier",
        "AWS::IAM::AssumeRolePolicyDocument" => "sts",
        "AWS::Kinesis::Stream" | "AWS::Kinesis::StreamConsumer" => "kinesis",
        "AWS::KMS::Key" => "kms",
        "AWS::Lambda::Function" | "AWS::Lambda::Layer" => "lambda",
        "AWS::SecretsManager::Secret" => "secretsmanager",
        "AWS::SNS::Topic" => "sns",
        "AWS::SQS::Queue" => "sqs",
        _ => return None,
    })
}

/// The context an outsider's request carries: keys that say who and where the caller is take
/// the outsider's values (or are absent), as S3's definition of "public" reads them
/// (`access-control-block-public-access.html#access-control-block-public-access-policy-status`).
fn outsider() -> Fixed {
    let one = |s: &str| Value::One(s.to_string());
    let mut f = Fixed::new();
    let mut put = |k: &str, v: Vec<Value>| {
        f.insert(Dim::Key(k.to_ascii_lowercase()), v);
    };
    put("aws:PrincipalAccount", vec![one(OUTSIDER_ACCOUNT)]);
    put("aws:PrincipalArn", vec![one(OUTSIDER)]);
    put(
        "aws:PrincipalOrgID",
        vec![Value::Absent, one("o-wardenoutsider")],
    );
    put("aws:PrincipalOrgPaths", vec![Value::Absent]);
    put(
        "aws:SourceAccount",
        vec![Value::Absent, one(OUTSIDER_ACCOUNT)],
    );
    put(
        "aws:SourceOwner",
        vec![Value::Absent, one(OUTSIDER_ACCOUNT)],
    );
    put(
        "aws:SourceArn",
        vec![
            Value::Absent,
            one("arn:aws:sns:us-east-1:999988887777:warden-outsider"),
        ],
    );
    put(
        "aws:SourceOrgID",
        vec![Value::Absent, one("o-wardenoutsider")],
    );
    put("aws:SourceOrgPaths", vec![Value::Absent]);
    put(
        "aws:SourceVpc",
        vec![Value::Absent, one("vpc-0wardenoutsider")],
    );
    put(
        "aws:SourceVpce",
        vec![Value::Absent, one("vpce-0wardenoutsider")],
    );
    put("aws:SourceIp", vec![one("198.51.100.7")]);
    put("aws:VpcSourceIp", vec![Value::Absent]);
    put("aws:userid", vec![one("AIDAWARDENOUTSIDER")]);
    put("aws:username", vec![one("warden-outsider")]);
    put("aws:PrincipalType", vec![one("User")]);
    put("aws:PrincipalIsAWSService", vec![one("false")]);
    put("aws:PrincipalServiceName", vec![Value::Absent]);
    f.insert(Dim::Principal, vec![one(OUTSIDER), one("*")]);
    f
}

/// `CheckNoPublicAccess`: FAIL when the resource policy lets a caller outside the account in.
pub fn check_no_public_access(
    req: &CheckNoPublicAccessRequest,
) -> Result<CheckResponse, AnalyzeError> {
    let Some(service) = service_of(&req.resource_type) else {
        return Err(AnalyzeError::validation(format!(
            "resourceType `{}` is not one CheckNoPublicAccess takes (AWS::S3::Bucket, AWS::SQS::Queue, AWS::KMS::Key, ...)",
            req.resource_type
        )));
    };
    let policy = parse(&req.policy_document, "policyDocument")?;
    let mut engine = Engine::new(outsider());
    let p = regions(&mut engine, &policy, true);
    let service_actions = engine.access(&[format!("{service}:*")], &[]);
    let mut reasons = Vec::new();
    for (index, sid, s) in &p.allow {
        let escape: Vec<&Region> = p.deny.iter().collect();
        let mut found = None;
        let mut oracle = |pt: &Point| -> bool {
            let mut r = request(pt, true);
            r.context.insert_default(
                "aws:PrincipalAccount",
                ContextValue::string(OUTSIDER_ACCOUNT),
            );
            let d = decide(&policy, true, &r);
            if d == EvalDecision::Allowed {
                found = Some(witness(
                    pt,
                    &r,
                    BTreeMap::from([("policy".to_string(), decision_name(d))]),
                    true,
                ));
                true
            } else {
                false
            }
        };
        if engine
            .search(&[s, &service_actions], &escape, &mut oracle)
            .is_some()
            && let Some(w) = found
        {
            reasons.push(ReasonSummary {
                description: format!("Public access granted in the statement with index: {index}."),
                statement_index: Some(*index),
                statement_id: sid.clone().filter(|s| !s.is_empty()),
                witnesses: vec![w],
            });
        }
    }
    let message = "The resource policy grants public access for the given resource type.";
    if !reasons.is_empty() {
        return Ok(CheckResponse {
            result: "FAIL".to_string(),
            message: message.to_string(),
            reasons,
            not_provable: false,
        });
    }
    if !engine.incomplete.is_empty() {
        return Ok(not_provable(&engine, message));
    }
    Ok(CheckResponse {
        result: "PASS".to_string(),
        message: "The resource policy does not grant public access for the given resource type."
            .to_string(),
        reasons: Vec::new(),
        not_provable: false,
    })
}
