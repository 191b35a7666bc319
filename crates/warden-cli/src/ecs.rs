//! `warden ecs check`: every IAM decision ECS makes for a task definition, its launch and its
//! schedule, decided against an account (`warden-ecs`).

use crate::error::CliError;
use crate::input::{path_of, read_text};
use crate::output::write_json;
use crate::principal::open_existing_store;
use std::io::Write;
use warden_ecs::account::Account;
use warden_ecs::input::{Launch, Schedule, TaskDefinition};
use warden_ecs::plan::{self, Inputs};
use warden_store::Store;

/// `warden ecs ...`.
#[derive(Debug, clap::Subcommand)]
pub enum EcsCommand {
    /// Will this task definition and this deployment work? Every IAM check ECS makes, each
    /// explained, with the statement to add for each denial
    #[command(long_about = LONG_ABOUT, after_help = AFTER_HELP)]
    Check(Box<CheckArgs>),
}

const LONG_ABOUT: &str = "\
Every IAM decision Amazon ECS makes for a task definition and its deployment, in order, each \
explained: the caller's RegisterTaskDefinition, PassRole and launch calls; the service-linked \
role; the roles' trust of ecs-tasks.amazonaws.com; what the execution role needs at task start \
(images, logs, secrets, environment files), FireLens and EFS as the task role; ECS Exec; the \
EC2 container instance role; the EventBridge role of a scheduled task.

Inputs are AWS's own shapes: the task definition as register-task-definition --cli-input-json \
takes it or describe-task-definition prints it; the launch as run-task, start-task, \
create-service or update-service --cli-input-json take it; the schedule as events put-targets \
--cli-input-json takes it (or one target).

The caller is a principal of the account store (--principal) or policy files (--policy); the \
roles come from the store (--database, or --account to load an \
`aws iam get-account-authorization-details` file).";

const AFTER_HELP: &str = "\
Examples:
  warden ecs check --account examples/account-authorization-details.json \\
      --principal arn:aws:iam::111122223333:user/ci/ci-deployer \\
      --task-definition examples/ecs/task-definition.json --launch examples/ecs/run-task.json
  warden ecs check --task-definition td.json --launch service.json --policy deploy.json --fix
  warden ecs check --task-definition td.json --schedule targets.json --principal ARN -o json

Exit codes: 0 every check passes; 1 a check is denied (or a role is missing); 2 bad input.";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EcsFormat {
    /// A checklist.
    Text,
    /// The `warden-ecs-check/1` schema (docs/ecs.md).
    Json,
}

/// The flags of `warden ecs check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The task definition: register-task-definition --cli-input-json, or
    /// describe-task-definition output
    #[arg(long, value_name = "FILE")]
    pub task_definition: String,

    /// The launch: run-task, start-task, create-service or update-service --cli-input-json
    #[arg(long, value_name = "FILE")]
    pub launch: Option<String>,

    /// An EventBridge schedule: put-targets --cli-input-json, or one target with EcsParameters
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<String>,

    /// The caller: a user or role (or role session) of the account store
    #[arg(
        long,
        value_name = "ARN",
        conflicts_with = "policies",
        required_unless_present = "policies"
    )]
    pub principal: Option<String>,

    /// The caller's identity-based policies, as files (repeatable)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<String>,

    /// The caller's ARN with --policy [default: arn:aws:iam::ACCOUNT:user/caller]
    #[arg(long, value_name = "ARN", requires = "policies")]
    pub caller: Option<String>,

    /// The account store holding the roles (and the --principal): a SQLite path or
    /// postgres://... [default: $WARDEN_DATABASE_URL, else the embedded store; with --policy,
    /// only when given]
    #[arg(long, value_name = "URL", conflicts_with = "account")]
    pub database: Option<String>,

    /// Load the account from an `aws iam get-account-authorization-details` file into a
    /// store in memory, instead of --database
    #[arg(long, value_name = "FILE")]
    pub account: Option<String>,

    /// The region the task runs in [default: the cluster ARN's, the awslogs region, the ECR
    /// image's, else us-east-1]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// The container instance role for the EC2 launch type, by name or ARN [default:
    /// ecsInstanceRole when the account has it]
    #[arg(long, value_name = "NAME|ARN")]
    pub instance_role: Option<String>,

    /// A customer managed KMS key that encrypts the task's secrets (repeatable): the execution
    /// role must decrypt with it
    #[arg(long = "kms-key", value_name = "ARN")]
    pub kms_keys: Vec<String>,

    /// Print, for each denial, the smallest statement that allows it, the patched policy
    /// documents, and the re-check with them
    #[arg(long)]
    pub fix: bool,

    /// Output format
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: EcsFormat,
}

/// Runs `warden ecs ...`.
pub fn run<W: Write>(command: &EcsCommand, out: &mut W) -> Result<u8, CliError> {
    match command {
        EcsCommand::Check(args) => check(args, out),
    }
}

fn read(arg: &str, what: &str) -> Result<String, CliError> {
    read_text(arg, what)
}

fn bad(arg: &str, e: impl std::fmt::Display) -> CliError {
    CliError::input(format!("`{}`: {e}", path_of(arg)))
}

/// The store the roles come from: `--account` loaded into memory, `--database`, the default
/// store for `--principal`, or none for `--policy` without `--database`.
fn store(args: &CheckArgs) -> Result<Option<Store>, CliError> {
    if let Some(file) = &args.account {
        let text = read(file, "account file")?;
        let store = Store::open(":memory:")
            .map_err(|e| CliError::input(format!("cannot open a store in memory: {e}")))?;
        store
            .import_authorization_details(&text)
            .map_err(|e| bad(file, e))?;
        return Ok(Some(store));
    }
    let env_set = std::env::var(warden_store::DATABASE_ENV).is_ok_and(|v| !v.is_empty());
    if args.principal.is_some() || args.database.is_some() || env_set {
        return open_existing_store(args.database.as_deref()).map(Some);
    }
    Ok(None)
}

fn check<W: Write>(args: &CheckArgs, out: &mut W) -> Result<u8, CliError> {
    let td_text = read(&args.task_definition, "task definition")?;
    let td = TaskDefinition::parse(&td_text).map_err(|e| bad(&args.task_definition, e))?;
    let launch = match &args.launch {
        Some(f) => Some(Launch::parse(&read(f, "launch request")?).map_err(|e| bad(f, e))?),
        None => None,
    };
    let schedule = match &args.schedule {
        Some(f) => Some(Schedule::parse(&read(f, "schedule")?).map_err(|e| bad(f, e))?),
        None => None,
    };
    let store = store(args)?;
    let account_id = store.as_ref().map(Store::account_id);
    let place = plan::place(
        &td,
        launch.as_ref(),
        args.region.as_deref(),
        account_id.as_deref(),
    );
    let caller = match (&args.principal, &args.caller) {
        (Some(p), _) => p.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => format!("arn:{}:iam::{}:user/caller", place.partition, place.account),
    };
    let instance_role = instance_role(args, store.as_ref(), &place)?;
    let policies = args
        .policies
        .iter()
        .map(|p| Ok((path_of(p).to_string(), read(p, "policy file")?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let inputs = Inputs {
        task_definition: &td,
        launch: launch.as_ref(),
        schedule: schedule.as_ref(),
        caller: caller.clone(),
        place,
        instance_role,
        kms_keys: args.kms_keys.clone(),
    };
    let workflow = plan::plan(&inputs);
    let account = match (&args.principal, &store) {
        (Some(p), Some(s)) => Account::from_store(s, p, &workflow),
        _ => Account::from_policies(&caller, &policies, store.as_ref(), &workflow),
    }
    .map_err(|e| CliError::input(e.to_string()))?;
    let report = warden_ecs::check(&workflow, &account, args.fix);
    match args.output {
        EcsFormat::Json => write_json(out, &report)?,
        EcsFormat::Text => warden_ecs::report::write_text(out, &report)?,
    }
    Ok(report.exit_code())
}

/// The container instance role: `--instance-role` (a name is looked up in the store), else
/// `ecsInstanceRole` when the store has it.
fn instance_role(
    args: &CheckArgs,
    store: Option<&Store>,
    place: &warden_ecs::arns::Place,
) -> Result<Option<String>, CliError> {
    let given = args.instance_role.clone();
    if let Some(r) = &given
        && r.starts_with("arn:")
    {
        return Ok(Some(r.clone()));
    }
    let name = given
        .clone()
        .unwrap_or_else(|| "ecsInstanceRole".to_string());
    if let Some(role) = store.and_then(|s| s.get_role(&name).ok()) {
        return Ok(Some(role.arn));
    }
    Ok(match given {
        Some(n) => Some(
            place
                .arn("iam", "role", &[("RoleNameWithPath", &n)])
                .map_err(CliError::input)?,
        ),
        None => None,
    })
}
