//! From the inputs to the workflow: every IAM decision ECS makes for one deployment, in order.
//!
//! Resource ARNs come from the catalog's format for the resource type the catalog says each
//! action acts on, and each step carries only the condition keys the catalog lists for its
//! action: the rules here say *which* checks ECS makes (each citing its page), never the shape
//! of an ARN or a key.

use crate::arns::{self, Place};
use crate::input::{Launch, LaunchKind, Schedule, TaskDefinition};
use crate::model::{ContextKey, Note, NoteLevel, Precondition, Step, StepKind, Who, Workflow, doc};
use std::collections::BTreeMap;

mod later;
mod start;

/// The service principal of ECS tasks: what task and execution roles trust, and what PassRole
/// names as `iam:PassedToService` (`task-iam-roles.html`, `task_execution_IAM_role.html`).
pub const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";
/// ECS itself: the service-linked role's service and the legacy service role's principal.
pub const ECS: &str = "ecs.amazonaws.com";
/// EC2: what a container instance role trusts and is passed to.
pub const EC2: &str = "ec2.amazonaws.com";
/// EventBridge: what a scheduled task's role trusts.
pub const EVENTS: &str = "events.amazonaws.com";
/// The name of ECS's service-linked role (`using-service-linked-roles.html`).
pub const SERVICE_LINKED_ROLE: &str = "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
/// The task id in ARNs of tasks not started yet (a task's id is known only once it runs).
pub const TASK_ID: &str = "TASK_ID";
/// The container instance id in ARNs of instances not registered yet.
pub const CONTAINER_INSTANCE_ID: &str = "CONTAINER_INSTANCE_ID";

/// What to check.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// The task definition.
    pub task_definition: &'a TaskDefinition,
    /// How it is launched; `None`: registration alone.
    pub launch: Option<&'a Launch>,
    /// A schedule that runs it.
    pub schedule: Option<&'a Schedule>,
    /// Who registers and launches it.
    pub caller: String,
    /// Partition, region, account.
    pub place: Place,
    /// The container instance role, for the EC2 launch type.
    pub instance_role: Option<String>,
    /// Customer managed KMS keys that encrypt the task's secrets or parameters.
    pub kms_keys: Vec<String>,
}

/// The region and account a deployment happens in, from what the inputs say: `region` when
/// given, else the awslogs region, the ECR image region, a cluster ARN's region, else
/// `us-east-1`; the account from `account` (the store's), else the roles' ARNs.
pub fn place(
    td: &TaskDefinition,
    launch: Option<&Launch>,
    region: Option<&str>,
    account: Option<&str>,
) -> Place {
    let from_cluster = launch
        .and_then(|l| l.cluster.as_deref())
        .and_then(arns::split_arn)
        .map(|[_, _, r, _, _]| r.to_string());
    let from_logs = td.container_definitions.iter().find_map(|c| {
        c.log_configuration
            .as_ref()
            .and_then(|l| l.options.get("awslogs-region").cloned())
    });
    let from_image = td
        .container_definitions
        .iter()
        .find_map(|c| arns::ecr_image(&c.image).map(|i| i.region));
    let region = region
        .map(str::to_string)
        .or(from_cluster)
        .or(from_logs)
        .or(from_image)
        .unwrap_or_else(|| "us-east-1".to_string());
    let role_account = [&td.execution_role_arn, &td.task_role_arn]
        .into_iter()
        .flatten()
        .find_map(|a| arns::split_arn(a).map(|[_, _, _, acct, _]| acct.to_string()));
    let account = account
        .map(str::to_string)
        .or(role_account)
        .unwrap_or_else(|| "123456789012".to_string());
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    Place {
        partition: partition.to_string(),
        region,
        account,
    }
}

/// Builds the workflow.
pub fn plan(inputs: &Inputs<'_>) -> Workflow {
    let mut b = Builder::new(inputs);
    b.caller_steps();
    b.service_linked_role();
    b.trust_steps();
    b.task_start();
    b.exec();
    b.ec2();
    b.schedule();
    b.workflow
}

struct Builder<'a> {
    inputs: &'a Inputs<'a>,
    td: &'a TaskDefinition,
    place: Place,
    /// The values resource ARN formats are filled with (`ClusterName`...).
    values: BTreeMap<&'static str, String>,
    task_role: Option<String>,
    execution_role: Option<String>,
    launch_type: String,
    exec_enabled: bool,
    cluster_arn: String,
    task_definition_arn: String,
    workflow: Workflow,
}

impl<'a> Builder<'a> {
    fn new(inputs: &'a Inputs<'a>) -> Builder<'a> {
        let td = inputs.task_definition;
        let launch = inputs.launch;
        let place = inputs.place.clone();
        let mut workflow = Workflow {
            account: place.account.clone(),
            region: place.region.clone(),
            ..Workflow::default()
        };
        // The cluster: a name or an ARN; `default` when absent (`API_RunTask.html`).
        let cluster = launch
            .and_then(|l| l.cluster.clone())
            .unwrap_or_else(|| "default".to_string());
        let cluster_name = match cluster.split_once(":cluster/") {
            Some((_, name)) => name.to_string(),
            None => cluster.clone(),
        };
        // The revision: the described one, the launch's `family:N`, else 1 (the first
        // registration).
        let launch_td = launch.and_then(|l| l.task_definition.clone());
        let launched_revision = launch_td
            .as_deref()
            .and_then(|t| t.rsplit_once(':'))
            .and_then(|(_, r)| r.parse::<u64>().ok());
        let revision = td.revision.or(launched_revision).unwrap_or(1).to_string();
        if let Some(t) = &launch_td {
            let family = t
                .rsplit('/')
                .next()
                .unwrap_or(t)
                .split(':')
                .next()
                .unwrap_or(t);
            if family != td.family {
                workflow.notes.push(Note {
                    rule: 1,
                    level: NoteLevel::Info,
                    message: format!(
                        "the launch names task definition `{t}`, not the family `{}` given: \
                         the given task definition is checked",
                        td.family
                    ),
                    doc: doc::ECS_KEYS,
                });
            }
        }
        let mut values: BTreeMap<&'static str, String> = BTreeMap::new();
        values.insert("ClusterName", cluster_name.clone());
        values.insert("TaskDefinitionFamilyName", td.family.clone());
        values.insert("TaskDefinitionRevisionNumber", revision.clone());
        values.insert("TaskId", TASK_ID.to_string());
        values.insert("ContainerInstanceId", CONTAINER_INSTANCE_ID.to_string());
        let service = launch.and_then(|l| l.service_name.clone().or_else(|| l.service.clone()));
        if let Some(s) = service {
            let name = s.rsplit('/').next().unwrap_or(&s).to_string();
            values.insert("ServiceName", name);
        }
        let overrides = launch.and_then(|l| l.overrides.as_ref());
        let task_role = overrides
            .and_then(|o| o.task_role_arn.clone())
            .or_else(|| td.task_role_arn.clone());
        let execution_role = overrides
            .and_then(|o| o.execution_role_arn.clone())
            .or_else(|| td.execution_role_arn.clone());
        let launch_type = launch_type(td, launch, inputs.schedule, &mut workflow);
        let exec_enabled = launch.and_then(|l| l.enable_execute_command) == Some(true)
            || inputs.schedule.is_some_and(|s| {
                s.targets.iter().any(|t| {
                    t.ecs_parameters
                        .as_ref()
                        .and_then(|p| p.enable_execute_command)
                        == Some(true)
                })
            });
        let mut b = Builder {
            inputs,
            td,
            place,
            values,
            task_role,
            execution_role,
            launch_type,
            exec_enabled,
            cluster_arn: String::new(),
            task_definition_arn: String::new(),
            workflow,
        };
        b.cluster_arn = b.arn_of("ecs", "cluster");
        b.task_definition_arn = b.arn_of("ecs", "task-definition");
        let what = match launch {
            Some(l) => format!(
                "{} on cluster {cluster_name} ({})",
                l.kind.operation(),
                b.launch_type
            ),
            None => "registration".to_string(),
        };
        b.workflow.title = format!("task definition {}:{revision}, {what}", td.family);
        b
    }

    /// The ARN of `resource_type` filled with the workflow's values; on a gap, the error is
    /// noted and the step gets the unfilled format so it still shows.
    fn arn_of(&mut self, service: &str, resource_type: &str) -> String {
        let values: Vec<(&str, &str)> = self.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match self.place.arn(service, resource_type, &values) {
            Ok(arn) => arn,
            Err(e) => {
                self.note(1, NoteLevel::NotCheckable, e.clone(), doc::ECS_KEYS);
                e
            }
        }
    }

    /// The resource an action acts on: the ARN of the first resource type the catalog says
    /// the action requires, or `*` for an action without resource-level permissions.
    fn resource_for(&mut self, action: &str) -> String {
        let catalog = warden_catalog::actions();
        let Some((service, a)) = catalog.action(action) else {
            return "*".to_string();
        };
        let prefix = service.prefix.clone();
        let rt = a
            .resources
            .iter()
            .find(|r| r.required)
            .or_else(|| a.resources.first())
            .map(|r| r.resource_type.clone());
        match rt {
            Some(rt) => self.arn_of(&prefix, &rt),
            None => "*".to_string(),
        }
    }

    fn note(&mut self, rule: u8, level: NoteLevel, message: String, doc: &'static str) {
        self.workflow.notes.push(Note {
            rule,
            level,
            message,
            doc,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: u8,
        who: Who,
        principal: &str,
        action: &str,
        resource: String,
        context: Vec<(&str, Vec<String>)>,
        why: String,
        doc: &'static str,
    ) {
        let mut context = catalog_context(action, context);
        // Every request carries the region it is sent to: the resource's, else the task's
        // (`reference_policies_condition-keys.html#condition-keys-requestedregion`).
        let region = arns::split_arn(&resource)
            .map(|[_, _, r, _, _]| r)
            .filter(|r| !r.is_empty())
            .unwrap_or(&self.place.region)
            .to_string();
        context.push(ContextKey {
            key: "aws:RequestedRegion".into(),
            values: vec![region],
            list: false,
        });
        self.workflow.steps.push(Step {
            rule,
            who,
            principal: principal.to_string(),
            kind: StepKind::Decide,
            action: action.to_string(),
            resource,
            context,
            why,
            doc,
            precondition: None,
        });
    }

    fn pass_role(&mut self, rule: u8, who: Who, principal: &str, role: &str, to: &str, why: &str) {
        self.push(
            rule,
            who,
            principal,
            "iam:PassRole",
            role.to_string(),
            vec![("iam:PassedToService", vec![to.to_string()])],
            why.to_string(),
            doc::PASS_ROLE,
        );
    }

    fn tag_context(tags: &[crate::input::Tag]) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = tags
            .iter()
            .map(|t| (format!("aws:RequestTag/{}", t.key), vec![t.value.clone()]))
            .collect();
        if !tags.is_empty() {
            out.push((
                "aws:TagKeys".to_string(),
                tags.iter().map(|t| t.key.clone()).collect(),
            ));
        }
        out
    }

    // Rule 1: the caller's own calls.
    fn caller_steps(&mut self) {
        let caller = self.inputs.caller.clone();
        let td = self.td;
        let roles: Vec<(&str, String)> = [
            ("task role", td.task_role_arn.clone()),
            ("execution role", td.execution_role_arn.clone()),
        ]
        .into_iter()
        .filter_map(|(n, r)| r.map(|r| (n, r)))
        .collect();
        if let Some(rev) = td.revision {
            self.note(
                1,
                NoteLevel::Info,
                format!(
                    "the task definition is registered already (revision {rev}, as \
                     describe-task-definition prints it): RegisterTaskDefinition is not checked"
                ),
                doc::ECS_KEYS,
            );
        } else {
            let mut ctx: Vec<(&str, Vec<String>)> = vec![
                (
                    "ecs:compute-compatibility",
                    td.requires_compatibilities.clone(),
                ),
                (
                    "ecs:privileged",
                    vec![
                        td.container_definitions
                            .iter()
                            .any(|c| c.privileged == Some(true))
                            .to_string(),
                    ],
                ),
            ];
            if let Some(cpu) = td.cpu_text() {
                ctx.push(("ecs:task-cpu", vec![cpu]));
            }
            if let Some(mem) = td.memory_text() {
                ctx.push(("ecs:task-memory", vec![mem]));
            }
            let tags = Self::tag_context(&td.tags);
            ctx.extend(tags.iter().map(|(k, v)| (k.as_str(), v.clone())));
            let arn = self.task_definition_arn.clone();
            self.push(
                1,
                Who::Caller,
                &caller,
                "ecs:RegisterTaskDefinition",
                arn.clone(),
                ctx,
                "registering the task definition is the caller's own call".into(),
                doc::ECS_KEYS,
            );
            for (name, role) in &roles {
                self.pass_role(
                    1,
                    Who::Caller,
                    &caller,
                    role,
                    ECS_TASKS,
                    &format!(
                        "a task definition naming a {name} passes it to ECS tasks: the caller \
                         needs iam:PassRole on it for ecs-tasks.amazonaws.com"
                    ),
                );
            }
            if !td.tags.is_empty() {
                let mut ctx = vec![(
                    "ecs:CreateAction",
                    vec!["RegisterTaskDefinition".to_string()],
                )];
                ctx.extend(tags.iter().map(|(k, v)| (k.as_str(), v.clone())));
                self.push(
                    1,
                    Who::Caller,
                    &caller,
                    "ecs:TagResource",
                    arn,
                    ctx,
                    "tags given at registration are authorized as ecs:TagResource on the new \
                     task definition, with ecs:CreateAction naming the call"
                        .into(),
                    doc::TAG_ON_CREATE,
                );
            }
        }
        let Some(launch) = self.inputs.launch else {
            return;
        };
        self.launch_steps(launch, &caller);
    }

    fn launch_steps(&mut self, launch: &Launch, caller: &str) {
        let action = format!("ecs:{}", launch.kind.operation());
        let exec = self.exec_enabled.to_string();
        let mut ctx: Vec<(String, Vec<String>)> = vec![
            ("ecs:cluster".into(), vec![self.cluster_arn.clone()]),
            ("ecs:enable-execute-command".into(), vec![exec]),
        ];
        let providers: Vec<String> = launch
            .capacity_provider_strategy
            .iter()
            .filter_map(|p| {
                let name = p.capacity_provider.as_str();
                self.place
                    .arn(
                        "ecs",
                        "capacity-provider",
                        &[("CapacityProviderName", name)],
                    )
                    .ok()
            })
            .collect();
        if !providers.is_empty() {
            ctx.push(("ecs:capacity-provider".into(), providers));
        }
        if let Some(cpu) = self.td.cpu_text() {
            ctx.push(("ecs:task-cpu".into(), vec![cpu]));
        }
        if let Some(mem) = self.td.memory_text() {
            ctx.push(("ecs:task-memory".into(), vec![mem]));
        }
        if !launch.container_instances.is_empty() {
            ctx.push((
                "ecs:container-instances".into(),
                launch.container_instances.clone(),
            ));
        }
        if let Some(p) = &launch.propagate_tags {
            ctx.push(("ecs:propagate-tags".into(), vec![p.clone()]));
        }
        if let Some(m) = launch.enable_ecs_managed_tags {
            ctx.push(("ecs:enable-ecs-managed-tags".into(), vec![m.to_string()]));
        }
        if let Some(vpc) = launch
            .network_configuration
            .as_ref()
            .and_then(|n| n.awsvpc_configuration.as_ref())
        {
            if !vpc.subnets.is_empty() {
                ctx.push(("ecs:subnet".into(), vpc.subnets.clone()));
            }
            if let Some(ip) = &vpc.assign_public_ip {
                ctx.push(("ecs:auto-assign-public-ip".into(), vec![ip.clone()]));
            }
        }
        let service_call = matches!(
            launch.kind,
            LaunchKind::CreateService | LaunchKind::UpdateService
        );
        if service_call {
            ctx.push((
                "ecs:task-definition".into(),
                vec![self.task_definition_arn.clone()],
            ));
        }
        let tags = Self::tag_context(&launch.tags);
        ctx.extend(tags.iter().cloned());
        let resource = self.resource_for(&action);
        let why = match launch.kind {
            LaunchKind::RunTask | LaunchKind::StartTask => format!(
                "{} is authorized on the task definition, with the cluster and the launch's \
                 options as condition keys",
                launch.kind.operation()
            ),
            _ => format!(
                "{} is authorized on the service, with the cluster, the task definition and \
                 the launch's options as condition keys",
                launch.kind.operation()
            ),
        };
        self.push(
            1,
            Who::Caller,
            caller,
            &action,
            resource.clone(),
            ctx.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
            why,
            doc::ECS_KEYS,
        );
        let roles: Vec<(&str, String)> = [
            ("task role", self.task_role.clone()),
            ("execution role", self.execution_role.clone()),
        ]
        .into_iter()
        .filter_map(|(n, r)| r.map(|r| (n, r)))
        .collect();
        // UpdateService passes roles only when it changes the task definition.
        if launch.kind != LaunchKind::UpdateService || launch.task_definition.is_some() {
            for (name, role) in roles {
                self.pass_role(
                    1,
                    Who::Caller,
                    caller,
                    &role,
                    ECS_TASKS,
                    &format!(
                        "{} starts tasks with the {name}: the caller passes it to ECS tasks",
                        launch.kind.operation()
                    ),
                );
            }
        }
        if let Some(role) = &launch.role {
            let role = if role.starts_with("arn:") {
                role.clone()
            } else {
                self.place
                    .arn("iam", "role", &[("RoleNameWithPath", role)])
                    .unwrap_or_else(|e| e)
            };
            self.pass_role(
                1,
                Who::Caller,
                caller,
                &role,
                ECS,
                "the legacy load-balancer `role` of CreateService is passed to ECS itself \
                 (inferred: AWS documents the role, not the PassRole condition value)",
            );
        }
        if !launch.tags.is_empty() {
            let (target, rt) = if service_call {
                (resource, "service")
            } else {
                (self.arn_of("ecs", "task"), "task")
            };
            let mut ctx: Vec<(&str, Vec<String>)> = vec![(
                "ecs:CreateAction",
                vec![launch.kind.operation().to_string()],
            )];
            ctx.extend(tags.iter().map(|(k, v)| (k.as_str(), v.clone())));
            self.push(
                1,
                Who::Caller,
                caller,
                "ecs:TagResource",
                target,
                ctx,
                format!(
                    "tags given at {} are authorized as ecs:TagResource on the new {rt}, with \
                     ecs:CreateAction naming the call",
                    launch.kind.operation()
                ),
                doc::TAG_ON_CREATE,
            );
        }
    }

    // Rule 2: the service-linked role.
    fn service_linked_role(&mut self) {
        let Some(launch) = self.inputs.launch else {
            return;
        };
        let arn = self
            .place
            .arn("iam", "role", &[("RoleNameWithPath", SERVICE_LINKED_ROLE)])
            .unwrap_or_else(|e| e);
        let caller = self.inputs.caller.clone();
        self.push(
            2,
            Who::Caller,
            &caller,
            "iam:CreateServiceLinkedRole",
            arn.clone(),
            vec![("iam:AWSServiceName", vec![ECS.to_string()])],
            format!(
                "{} needs the service-linked role AWSServiceRoleForECS; when the account has \
                 none, ECS creates it as the caller",
                launch.kind.operation()
            ),
            doc::SERVICE_LINKED_ROLE,
        );
        if let Some(step) = self.workflow.steps.last_mut() {
            step.precondition = Some(Precondition::RoleMissing(arn));
        }
    }

    fn trust(
        &mut self,
        rule: u8,
        service: &str,
        role: &str,
        source_arn: Option<String>,
        why: &str,
        doc: &'static str,
    ) {
        let mut context = vec![ContextKey {
            key: "aws:SourceAccount".into(),
            values: vec![self.place.account.clone()],
            list: false,
        }];
        if let Some(a) = source_arn {
            context.push(ContextKey {
                key: "aws:SourceArn".into(),
                values: vec![a],
                list: false,
            });
        }
        self.workflow.steps.push(Step {
            rule,
            who: Who::ServicePrincipal,
            principal: service.to_string(),
            kind: StepKind::Trust,
            action: "sts:AssumeRole".into(),
            resource: role.to_string(),
            context,
            why: why.to_string(),
            doc,
            precondition: None,
        });
    }

    // Rule 3: the task and execution roles trust ECS tasks.
    fn trust_steps(&mut self) {
        if self.inputs.launch.is_none() && self.inputs.schedule.is_none() {
            return;
        }
        // ECS supplies the account and an ECS ARN of the account and region as the
        // confused-deputy keys; AWS's example conditions on `arn:aws:ecs:REGION:ACCOUNT:*`
        // (`task-iam-roles.html`). The task's ARN is used here (inferred).
        let source = self.arn_of("ecs", "task");
        if let Some(role) = self.task_role.clone() {
            self.trust(
                3,
                ECS_TASKS,
                &role,
                Some(source.clone()),
                "the task's containers get the task role's credentials: ECS tasks assume it",
                doc::TASK_ROLE,
            );
        }
        if let Some(role) = self.execution_role.clone() {
            self.trust(
                3,
                ECS_TASKS,
                &role,
                Some(source),
                "the ECS agent assumes the execution role to pull images, write logs and read \
                 secrets",
                doc::EXECUTION_ROLE,
            );
        }
    }
}

/// The launch type: the launch's, else its capacity providers' (FARGATE, FARGATE_SPOT:
/// Fargate; others: EC2), else a task definition that is FARGATE-only, else EC2 (RunTask's
/// default without a cluster default strategy: `API_RunTask.html`).
fn launch_type(
    td: &TaskDefinition,
    launch: Option<&Launch>,
    schedule: Option<&Schedule>,
    workflow: &mut Workflow,
) -> String {
    let from_launch = launch.and_then(|l| {
        l.launch_type.clone().or_else(|| {
            l.capacity_provider_strategy.first().map(|p| {
                if p.capacity_provider.starts_with("FARGATE") {
                    "FARGATE".to_string()
                } else {
                    "EC2".to_string()
                }
            })
        })
    });
    let from_schedule = schedule.and_then(|s| {
        s.targets.iter().find_map(|t| {
            t.ecs_parameters
                .as_ref()
                .and_then(|p| p.launch_type.clone())
        })
    });
    if let Some(t) = from_launch.or(from_schedule) {
        return t.to_ascii_uppercase();
    }
    if td.requires_compatibilities.len() == 1 && td.is_fargate() {
        if launch.is_some() {
            workflow.notes.push(Note {
                rule: 1,
                level: NoteLevel::Info,
                message: "the launch names no launch type: FARGATE, the task definition's only \
                          compatibility, is assumed (the cluster's default strategy decides)"
                    .into(),
                doc: doc::ECS_KEYS,
            });
        }
        return "FARGATE".into();
    }
    "EC2".into()
}

/// Keeps the context keys the catalog lists for `action` (on the action or its resource
/// types), typed as the catalog types them.
fn catalog_context(action: &str, wanted: Vec<(&str, Vec<String>)>) -> Vec<ContextKey> {
    let catalog = warden_catalog::actions();
    let known = catalog.action(action);
    let mut out = Vec::new();
    for (key, values) in wanted {
        if values.is_empty() {
            continue;
        }
        let listed = match known {
            Some((service, a)) => {
                let on_action = a.condition_keys.iter().any(|k| template_matches(k, key));
                let on_resource = a.resources.iter().any(|r| {
                    r.condition_keys.iter().any(|k| template_matches(k, key))
                        || service.resource_type(&r.resource_type).is_some_and(|rt| {
                            rt.condition_keys.iter().any(|k| template_matches(k, key))
                        })
                });
                on_action || on_resource
            }
            // An action the catalog does not know: keep what the rule gives.
            None => true,
        };
        if !listed {
            continue;
        }
        let list = catalog
            .condition_key(key)
            .is_some_and(|k| k.key_type.starts_with("ArrayOf"))
            || key.eq_ignore_ascii_case("aws:TagKeys");
        out.push(ContextKey {
            key: key.to_string(),
            values,
            list,
        });
    }
    out
}

/// Whether a catalog key (`aws:RequestTag/${TagKey}`) covers `key` (`aws:RequestTag/team`).
fn template_matches(template: &str, key: &str) -> bool {
    match template.find("${") {
        Some(i) => {
            let prefix = template.get(..i).unwrap_or(template);
            key.len() > prefix.len()
                && key
                    .get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        }
        None => template.eq_ignore_ascii_case(key),
    }
}
