//! The inputs, in AWS's own shapes: a task definition as `aws ecs register-task-definition
//! --cli-input-json` takes it or as `aws ecs describe-task-definition` prints it; a launch as
//! `run-task`, `start-task`, `create-service` or `update-service` take it; an EventBridge
//! target as `aws events put-targets --cli-input-json` takes it.
//!
//! Unknown members are ignored (AWS's shapes have many that bear on no IAM decision). What ECS
//! itself would reject is an [`InputError`], never a panic.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Why an input cannot be checked: it is not JSON, not the shape, or ECS would reject it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn err(message: impl Into<String>) -> InputError {
    InputError(message.into())
}

/// A resource tag, as ECS writes it (`key`, `value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Tag {
    /// The key.
    #[serde(default)]
    pub key: String,
    /// The value.
    #[serde(default)]
    pub value: String,
}

/// A task definition (`RegisterTaskDefinition`'s request, or `DescribeTaskDefinition`'s
/// `taskDefinition`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    /// The family.
    #[serde(default)]
    pub family: String,
    /// The revision, when the input is `describe-task-definition` output.
    #[serde(default)]
    pub revision: Option<u64>,
    /// The task role: what the application's AWS calls run as.
    #[serde(default)]
    pub task_role_arn: Option<String>,
    /// The task execution role: what the ECS agent pulls images, writes logs and reads
    /// secrets as.
    #[serde(default)]
    pub execution_role_arn: Option<String>,
    /// `awsvpc`, `bridge`, `host`, `none`.
    #[serde(default)]
    pub network_mode: Option<String>,
    /// `EC2`, `FARGATE`, `EXTERNAL`, `MANAGED_INSTANCES`.
    #[serde(default)]
    pub requires_compatibilities: Vec<String>,
    /// Task-level CPU units (a string in AWS's shape; a number is accepted).
    #[serde(default)]
    pub cpu: Option<Value>,
    /// Task-level memory (MiB).
    #[serde(default)]
    pub memory: Option<Value>,
    /// The containers.
    #[serde(default)]
    pub container_definitions: Vec<ContainerDefinition>,
    /// The volumes.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// Tags to put on the task definition.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One container of a task definition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    /// The container name.
    #[serde(default)]
    pub name: String,
    /// The image reference.
    #[serde(default)]
    pub image: String,
    /// Whether the container runs privileged.
    #[serde(default)]
    pub privileged: Option<bool>,
    /// Credentials for a private registry.
    #[serde(default)]
    pub repository_credentials: Option<RepositoryCredentials>,
    /// Where its logs go.
    #[serde(default)]
    pub log_configuration: Option<LogConfiguration>,
    /// Secrets exposed as environment variables.
    #[serde(default)]
    pub secrets: Vec<Secret>,
    /// Files of environment variables, in S3.
    #[serde(default)]
    pub environment_files: Vec<EnvironmentFile>,
    /// Marks the FireLens log router container.
    #[serde(default)]
    pub firelens_configuration: Option<Value>,
    /// Volumes mounted into the container.
    #[serde(default)]
    pub mount_points: Vec<MountPoint>,
}

/// `repositoryCredentials`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryCredentials {
    /// The Secrets Manager secret holding the registry credentials.
    #[serde(default)]
    pub credentials_parameter: String,
}

/// `logConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    /// `awslogs`, `awsfirelens`, `splunk`...
    #[serde(default)]
    pub log_driver: String,
    /// The driver's options.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Options whose values are secrets.
    #[serde(default)]
    pub secret_options: Vec<Secret>,
}

/// A secret: `name` and `valueFrom` (a Secrets Manager ARN, an SSM parameter ARN or name).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// The environment variable (or option) name.
    #[serde(default)]
    pub name: String,
    /// Where the value comes from.
    #[serde(default)]
    pub value_from: String,
}

/// `environmentFiles`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentFile {
    /// The S3 object ARN.
    #[serde(default)]
    pub value: String,
    /// `s3`.
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// `mountPoints`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    /// The volume's name.
    #[serde(default)]
    pub source_volume: String,
    /// Whether it is mounted read-only.
    #[serde(default)]
    pub read_only: Option<bool>,
}

/// A task volume.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// The name containers mount it by.
    #[serde(default)]
    pub name: String,
    /// An Amazon EFS file system.
    #[serde(default)]
    pub efs_volume_configuration: Option<EfsVolume>,
}

/// `efsVolumeConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsVolume {
    /// `fs-...`.
    #[serde(default)]
    pub file_system_id: String,
    /// Access point and IAM authorization.
    #[serde(default)]
    pub authorization_config: Option<EfsAuthorization>,
}

/// `authorizationConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsAuthorization {
    /// `fsap-...`.
    #[serde(default)]
    pub access_point_id: Option<String>,
    /// `ENABLED`: the task role is used to mount.
    #[serde(default)]
    pub iam: Option<String>,
}

impl TaskDefinition {
    /// Reads a task definition: the `register-task-definition` request, or the
    /// `describe-task-definition` output (`{"taskDefinition": {...}, "tags": [...]}`).
    pub fn parse(text: &str) -> Result<TaskDefinition, InputError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| err(format!("the task definition is not JSON: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(err("the task definition is not a JSON object"));
        };
        // describe-task-definition prints the definition under `taskDefinition` and its tags
        // beside it (with `--include TAGS`).
        let outer_tags = map.remove("tags");
        let inner = match map.remove("taskDefinition") {
            Some(inner) => inner,
            None => {
                if let Some(tags) = outer_tags.clone() {
                    map.insert("tags".into(), tags);
                }
                Value::Object(map)
            }
        };
        let mut td: TaskDefinition = serde_json::from_value(inner)
            .map_err(|e| err(format!("the task definition is not in ECS's shape: {e}")))?;
        if td.tags.is_empty()
            && let Some(tags) = outer_tags
        {
            td.tags = serde_json::from_value(tags)
                .map_err(|e| err(format!("the task definition's tags: {e}")))?;
        }
        td.check()?;
        Ok(td)
    }

    /// What `RegisterTaskDefinition` itself refuses (`API_RegisterTaskDefinition.html`,
    /// `task_definition_parameters.html`).
    fn check(&self) -> Result<(), InputError> {
        let reject = |why: String| err(format!("ECS would reject this task definition: {why}"));
        if self.family.trim().is_empty() {
            return Err(reject("`family` is required".into()));
        }
        let family_ok = self.family.len() <= 255
            && self
                .family
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !family_ok {
            return Err(reject(format!(
                "family `{}` must be up to 255 letters, numbers, hyphens and underscores",
                self.family
            )));
        }
        if self.container_definitions.is_empty() {
            return Err(reject("`containerDefinitions` is empty".into()));
        }
        for (i, c) in self.container_definitions.iter().enumerate() {
            if c.name.trim().is_empty() {
                return Err(reject(format!("container {} has no `name`", i + 1)));
            }
            if c.image.trim().is_empty() {
                return Err(reject(format!("container `{}` has no `image`", c.name)));
            }
        }
        if self.is_fargate() {
            if self.network_mode.as_deref() != Some("awsvpc") {
                return Err(reject(
                    "a FARGATE task definition needs `networkMode` `awsvpc`".into(),
                ));
            }
            if self.cpu.is_none() || self.memory.is_none() {
                return Err(reject(
                    "a FARGATE task definition needs task-level `cpu` and `memory`".into(),
                ));
            }
        }
        for role in [&self.task_role_arn, &self.execution_role_arn]
            .into_iter()
            .flatten()
        {
            if !role.starts_with("arn:") || !role.contains(":role/") {
                return Err(reject(format!("`{role}` is not a role ARN")));
            }
        }
        Ok(())
    }

    /// Whether it asks for Fargate.
    pub fn is_fargate(&self) -> bool {
        self.requires_compatibilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case("FARGATE"))
    }

    /// Task-level CPU as text.
    pub fn cpu_text(&self) -> Option<String> {
        self.cpu.as_ref().and_then(value_text)
    }

    /// Task-level memory as text.
    pub fn memory_text(&self) -> Option<String> {
        self.memory.as_ref().and_then(value_text)
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Which ECS operation launches the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchKind {
    /// `RunTask`.
    RunTask,
    /// `StartTask` (names container instances).
    StartTask,
    /// `CreateService`.
    CreateService,
    /// `UpdateService`.
    UpdateService,
}

impl LaunchKind {
    /// The ECS API operation's name.
    pub fn operation(self) -> &'static str {
        match self {
            LaunchKind::RunTask => "RunTask",
            LaunchKind::StartTask => "StartTask",
            LaunchKind::CreateService => "CreateService",
            LaunchKind::UpdateService => "UpdateService",
        }
    }
}

/// A role override, as `overrides` of `run-task` and `start-task` carry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overrides {
    /// Replaces the task definition's task role.
    #[serde(default)]
    pub task_role_arn: Option<String>,
    /// Replaces the task definition's execution role.
    #[serde(default)]
    pub execution_role_arn: Option<String>,
}

/// A capacity provider strategy item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderItem {
    /// `FARGATE`, `FARGATE_SPOT` or an Auto Scaling group provider's name.
    #[serde(default)]
    pub capacity_provider: String,
}

/// `networkConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfiguration {
    /// `awsvpcConfiguration`.
    #[serde(default)]
    pub awsvpc_configuration: Option<AwsVpc>,
}

/// `awsvpcConfiguration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsVpc {
    /// Subnet ids.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default)]
    pub assign_public_ip: Option<String>,
}

/// The launch: the members of `run-task`, `start-task`, `create-service` and `update-service`
/// that bear on IAM.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Launch {
    /// Which operation, from the members present (not part of AWS's shape).
    #[serde(skip, default = "run_task")]
    pub kind: LaunchKind,
    /// The cluster name or ARN (`default` when absent).
    #[serde(default)]
    pub cluster: Option<String>,
    /// `family`, `family:revision` or the task definition's ARN.
    #[serde(default)]
    pub task_definition: Option<String>,
    /// `EC2`, `FARGATE`, `EXTERNAL`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// Capacity providers.
    #[serde(default)]
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    /// ECS Exec.
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
    /// Role overrides (`run-task`, `start-task`).
    #[serde(default)]
    pub overrides: Option<Overrides>,
    /// The legacy load-balancer role of `create-service`.
    #[serde(default)]
    pub role: Option<String>,
    /// Tags on the task or service.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// `TASK_DEFINITION`, `SERVICE` or `NONE`.
    #[serde(default)]
    pub propagate_tags: Option<String>,
    /// ECS managed tags.
    #[serde(default, rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: Option<bool>,
    /// Subnets and public IP.
    #[serde(default)]
    pub network_configuration: Option<NetworkConfiguration>,
    /// `create-service`'s service name.
    #[serde(default)]
    pub service_name: Option<String>,
    /// `update-service`'s service name or ARN.
    #[serde(default)]
    pub service: Option<String>,
    /// `start-task`'s container instances.
    #[serde(default)]
    pub container_instances: Vec<String>,
}

fn run_task() -> LaunchKind {
    LaunchKind::RunTask
}

impl Launch {
    /// Reads a launch request; which operation it is follows from its members (`serviceName`:
    /// create-service, `service`: update-service, `containerInstances`: start-task, else
    /// run-task).
    pub fn parse(text: &str) -> Result<Launch, InputError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| err(format!("the launch request is not JSON: {e}")))?;
        if !value.is_object() {
            return Err(err("the launch request is not a JSON object"));
        }
        let mut launch: Launch = serde_json::from_value(value).map_err(|e| {
            err(format!(
                "the launch request is not a run-task, start-task, create-service or \
                 update-service request: {e}"
            ))
        })?;
        launch.kind = if launch.service_name.is_some() {
            LaunchKind::CreateService
        } else if launch.service.is_some() {
            LaunchKind::UpdateService
        } else if !launch.container_instances.is_empty() {
            LaunchKind::StartTask
        } else {
            LaunchKind::RunTask
        };
        let reject = |why: &str| err(format!("ECS would reject this launch request: {why}"));
        match launch.kind {
            LaunchKind::RunTask | LaunchKind::StartTask | LaunchKind::CreateService
                if launch.task_definition.is_none() =>
            {
                return Err(reject("`taskDefinition` is required"));
            }
            _ => {}
        }
        if launch.launch_type.is_some() && !launch.capacity_provider_strategy.is_empty() {
            return Err(reject(
                "`launchType` and `capacityProviderStrategy` cannot both be given",
            ));
        }
        Ok(launch)
    }

    /// A launch with no file: `run-task` of the task definition on the default cluster.
    pub fn default_run_task() -> Launch {
        Launch {
            kind: LaunchKind::RunTask,
            cluster: None,
            task_definition: None,
            launch_type: None,
            capacity_provider_strategy: Vec::new(),
            enable_execute_command: None,
            overrides: None,
            role: None,
            tags: Vec::new(),
            propagate_tags: None,
            enable_ecs_managed_tags: None,
            network_configuration: None,
            service_name: None,
            service: None,
            container_instances: Vec::new(),
        }
    }
}

/// An EventBridge target that runs the task on a schedule (`PutTargets`' target with
/// `EcsParameters`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleTarget {
    /// The target's id.
    #[serde(default)]
    pub id: String,
    /// The cluster ARN.
    #[serde(default)]
    pub arn: String,
    /// The role EventBridge calls ECS as.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// What to run.
    #[serde(default)]
    pub ecs_parameters: Option<EcsParameters>,
}

/// `EcsParameters`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EcsParameters {
    /// The task definition ARN (with or without revision).
    #[serde(default)]
    pub task_definition_arn: String,
    /// `EC2`, `FARGATE`, `EXTERNAL`.
    #[serde(default)]
    pub launch_type: Option<String>,
    /// ECS Exec.
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
}

/// The scheduled-task input: `put-targets --cli-input-json` (`{"Rule", "Targets": [...]}`) or
/// one target.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The rule's name, when given.
    pub rule: Option<String>,
    /// The targets that run ECS tasks.
    pub targets: Vec<ScheduleTarget>,
}

impl Schedule {
    /// Reads a `put-targets` request or one target.
    pub fn parse(text: &str) -> Result<Schedule, InputError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| err(format!("the schedule is not JSON: {e}")))?;
        let shape = |e: serde_json::Error| {
            err(format!(
                "the schedule is not an EventBridge put-targets request or target: {e}"
            ))
        };
        let (rule, targets): (Option<String>, Vec<ScheduleTarget>) = match &value {
            Value::Object(map) if map.contains_key("Targets") => (
                map.get("Rule").and_then(Value::as_str).map(str::to_string),
                serde_json::from_value(map.get("Targets").cloned().unwrap_or(Value::Null))
                    .map_err(shape)?,
            ),
            Value::Object(_) => (None, vec![serde_json::from_value(value).map_err(shape)?]),
            _ => return Err(err("the schedule is not a JSON object")),
        };
        let targets: Vec<ScheduleTarget> = targets
            .into_iter()
            .filter(|t| t.ecs_parameters.is_some())
            .collect();
        if targets.is_empty() {
            return Err(err(
                "the schedule has no target with `EcsParameters`: nothing runs an ECS task",
            ));
        }
        for t in &targets {
            if t.role_arn.as_deref().is_none_or(str::is_empty) {
                return Err(err(format!(
                    "EventBridge would reject target `{}`: an ECS target needs a `RoleArn`",
                    t.id
                )));
            }
        }
        Ok(Schedule { rule, targets })
    }
}
