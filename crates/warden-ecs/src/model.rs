//! The model of what ECS checks: a workflow is a list of steps, each one IAM decision ECS (or
//! the caller's API call) makes, with who is asked, for what, on which resource, with which
//! context, and why ECS asks it (the AWS page that says so). Built once from the inputs by
//! [`crate::plan`], decided by [`crate::evaluate`]; an audit can walk the same steps as
//! escalation edges.

use serde::Serialize;

/// Who a step asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Who {
    /// Whoever calls ECS (registers, launches).
    Caller,
    /// The task role (the application's credentials).
    TaskRole,
    /// The task execution role (the ECS agent's credentials).
    ExecutionRole,
    /// The container instance role (EC2 launch type).
    InstanceRole,
    /// The EventBridge role of a scheduled task.
    EventsRole,
    /// A service principal assuming a role (the role's trust policy decides).
    ServicePrincipal,
}

impl Who {
    /// The label in reports.
    pub fn label(self) -> &'static str {
        match self {
            Who::Caller => "caller",
            Who::TaskRole => "task role",
            Who::ExecutionRole => "execution role",
            Who::InstanceRole => "instance role",
            Who::EventsRole => "events role",
            Who::ServicePrincipal => "service",
        }
    }
}

/// A context key and its values, as the step's request carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextKey {
    /// The key, as the catalog spells it.
    pub key: String,
    /// Its values.
    pub values: Vec<String>,
    /// Whether it is multivalued (`aws:TagKeys`, `ecs:subnet`...).
    pub list: bool,
}

/// What must hold for the step to be needed at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "arn")]
pub enum Precondition {
    /// Needed only when this role does not exist (the service-linked role).
    RoleMissing(String),
}

/// What a step asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// An IAM decision: may `principal` do `action` on `resource`.
    Decide,
    /// A role's trust policy: may the service principal assume the role `resource`.
    Trust,
    /// The role `resource` is in an instance profile (EC2 launches it with a profile, not a
    /// role).
    InstanceProfile,
}

/// One check ECS makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The rule number (1 caller, 2 service-linked role, 3 trust, 4 task start,
    /// 5 ECS Exec, 6 EC2 container instances, 7 scheduled task).
    pub rule: u8,
    /// Who is asked.
    pub who: Who,
    /// The principal: a role or user ARN, or a service principal (`ecs-tasks.amazonaws.com`).
    pub principal: String,
    /// What is asked.
    pub kind: StepKind,
    /// The action (`iam:PassRole`).
    pub action: String,
    /// The resource ARN, or `*`.
    pub resource: String,
    /// The condition keys ECS supplies.
    pub context: Vec<ContextKey>,
    /// Why ECS makes the check, in a sentence.
    pub why: String,
    /// The AWS page that says so.
    pub doc: &'static str,
    /// When the step is needed only in some accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precondition: Option<Precondition>,
}

impl Step {
    /// The values of a context key, if the step carries it.
    pub fn context_value(&self, key: &str) -> Option<&[String]> {
        self.context
            .iter()
            .find(|c| c.key.eq_ignore_ascii_case(key))
            .map(|c| c.values.as_slice())
    }
}

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteLevel {
    /// For information: the check was done another way, or needs nothing.
    Info,
    /// ECS makes a check here that cannot be decided offline (a policy of another account, a
    /// registry Warden cannot see).
    NotCheckable,
    /// The workflow fails without an IAM decision (a role the task needs is not named).
    Failure,
}

/// Something said about the workflow that is not an IAM decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The rule it belongs to.
    pub rule: u8,
    /// How much it matters.
    pub level: NoteLevel,
    /// What it says.
    pub message: String,
    /// The AWS page.
    pub doc: &'static str,
}

/// Every check of one deployment, in the order ECS makes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Workflow {
    /// A line naming what is checked (`register web, then RunTask on cluster default`).
    pub title: String,
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The checks.
    pub steps: Vec<Step>,
    /// What is not an IAM decision.
    pub notes: Vec<Note>,
}

impl Workflow {
    /// The role ARNs the steps ask about (as principals or as trust resources), each once.
    pub fn roles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.steps {
            let mut add = |arn: &str| {
                if arn.contains(":role/") && !out.iter().any(|a| a == arn) {
                    out.push(arn.to_string());
                }
            };
            if s.who != Who::Caller && s.who != Who::ServicePrincipal {
                add(&s.principal);
            }
            if matches!(s.kind, StepKind::Trust | StepKind::InstanceProfile) {
                add(&s.resource);
            }
            if let Some(Precondition::RoleMissing(arn)) = &s.precondition {
                add(arn);
            }
        }
        out
    }
}

/// The AWS pages the rules come from.
pub mod doc {
    /// The task execution role.
    pub const EXECUTION_ROLE: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html";
    /// The task role.
    pub const TASK_ROLE: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html";
    /// Granting a user permission to pass a role (ECS).
    pub const PASS_ROLE: &str = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security_iam_id-based-policy-examples.html";
    /// ECS actions, resources and condition keys.
    pub const ECS_KEYS: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html";
    /// Tagging on create (`ecs:CreateAction`).
    pub const TAG_ON_CREATE: &str = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html";
    /// The service-linked role.
    pub const SERVICE_LINKED_ROLE: &str = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html";
    /// Private registry authentication.
    pub const PRIVATE_REGISTRY: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/private-auth.html";
    /// Secrets in environment variables.
    pub const SECRETS: &str = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html";
    /// Environment files.
    pub const ENV_FILES: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html";
    /// The awslogs driver.
    pub const AWSLOGS: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html";
    /// FireLens.
    pub const FIRELENS: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html";
    /// EFS volumes.
    pub const EFS: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html";
    /// ECS Exec.
    pub const EXEC: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html";
    /// The container instance role.
    pub const INSTANCE_ROLE: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html";
    /// The EventBridge role of scheduled tasks.
    pub const EVENTS_ROLE: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html";
    /// Cross-service confused deputy prevention.
    pub const CONFUSED_DEPUTY: &str =
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html";
    /// The legacy service scheduler role.
    pub const SERVICE_ROLE: &str =
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html";
}
