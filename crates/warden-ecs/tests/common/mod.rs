//! A small account to check workflows against: an in-memory store with a deployer user and
//! the roles the fixtures name, each given only what a test grants it.
#![allow(dead_code, clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use warden_ecs::account::Account;
use warden_ecs::evaluate::Verdict;
use warden_ecs::input::{Launch, Schedule, TaskDefinition};
use warden_ecs::plan::{self, Inputs};
use warden_ecs::report::{Report, ReportStep};
use warden_store::Store;

pub const ACCOUNT: &str = "111122223333";
pub const CALLER: &str = "arn:aws:iam::111122223333:user/deployer";
pub const TASK_ROLE: &str = "arn:aws:iam::111122223333:role/app-task";
pub const EXEC_ROLE: &str = "arn:aws:iam::111122223333:role/app-exec";
pub const INSTANCE_ROLE: &str = "arn:aws:iam::111122223333:role/ecsInstanceRole";
pub const EVENTS_ROLE: &str = "arn:aws:iam::111122223333:role/ecsEventsRole";

pub fn trust(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

/// A policy allowing `action` on `resource`.
pub fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A policy allowing `action` on `resource` when `key` equals `value`.
pub fn allow_if(action: &str, resource: &str, key: &str, value: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}","Condition":{{"StringEquals":{{"{key}":"{value}"}}}}}}]}}"#
    )
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub struct World {
    pub store: Store,
    pub region: Option<String>,
    pub kms_keys: Vec<String>,
}

impl World {
    /// The deployer (no policies), the task and execution roles trusting ECS tasks, the
    /// container instance role (trusting EC2, in an instance profile), the events role, and
    /// the service-linked role.
    pub fn new() -> World {
        let mut store = Store::open(":memory:").unwrap();
        store.set_account_id(ACCOUNT).unwrap();
        store.create_user("deployer", None, None, &[]).unwrap();
        let tasks = trust("ecs-tasks.amazonaws.com");
        store
            .create_role("app-task", None, &tasks, None, None, None, &[])
            .unwrap();
        store
            .create_role("app-exec", None, &tasks, None, None, None, &[])
            .unwrap();
        store
            .create_role(
                "ecsInstanceRole",
                None,
                &trust("ec2.amazonaws.com"),
                None,
                None,
                None,
                &[],
            )
            .unwrap();
        store
            .create_instance_profile("ecsInstanceRole", None, &[])
            .unwrap();
        store
            .add_role_to_instance_profile("ecsInstanceRole", "ecsInstanceRole")
            .unwrap();
        store
            .create_role(
                "ecsEventsRole",
                None,
                &trust("events.amazonaws.com"),
                None,
                None,
                None,
                &[],
            )
            .unwrap();
        store
            .create_service_linked_role("ecs.amazonaws.com", None, None)
            .unwrap();
        World {
            store,
            region: None,
            kms_keys: Vec::new(),
        }
    }

    pub fn caller_may(&self, name: &str, document: &str) {
        self.store
            .put_user_policy("deployer", name, document)
            .unwrap();
    }

    pub fn role_may(&self, role: &str, name: &str, document: &str) {
        self.store.put_role_policy(role, name, document).unwrap();
    }

    pub fn attach(&self, role: &str, managed: &str) {
        self.store
            .attach_role_policy(role, &format!("arn:aws:iam::aws:policy/{managed}"))
            .unwrap();
    }

    /// Checks fixtures (`launch` and `schedule` optional).
    pub fn check(&self, td: &str, launch: Option<&str>, schedule: Option<&str>) -> Report {
        self.check_fix(td, launch, schedule, false)
    }

    pub fn check_fix(
        &self,
        td: &str,
        launch: Option<&str>,
        schedule: Option<&str>,
        fix: bool,
    ) -> Report {
        let td = TaskDefinition::parse(&fixture(td)).unwrap();
        let launch = launch.map(|l| Launch::parse(&fixture(l)).unwrap());
        let schedule = schedule.map(|s| Schedule::parse(&fixture(s)).unwrap());
        let place = plan::place(&td, launch.as_ref(), self.region.as_deref(), Some(ACCOUNT));
        let inputs = Inputs {
            task_definition: &td,
            launch: launch.as_ref(),
            schedule: schedule.as_ref(),
            caller: CALLER.to_string(),
            place,
            instance_role: Some(INSTANCE_ROLE.to_string()),
            kms_keys: self.kms_keys.clone(),
        };
        let workflow = plan::plan(&inputs);
        let account = Account::from_store(&self.store, CALLER, &workflow).unwrap();
        warden_ecs::check(&workflow, &account, fix)
    }
}

/// The step asking `action` with a resource containing `resource` (and, for trust steps, the
/// service principal `action` names).
pub fn step<'a>(r: &'a Report, action: &str, resource: &str) -> &'a ReportStep {
    r.steps
        .iter()
        .find(|s| {
            (s.outcome.step.action == action || s.outcome.step.principal == action)
                && s.outcome.step.resource.contains(resource)
        })
        .unwrap_or_else(|| {
            let all: Vec<String> = r
                .steps
                .iter()
                .map(|s| {
                    format!(
                        "{} {} {}",
                        s.outcome.step.principal, s.outcome.step.action, s.outcome.step.resource
                    )
                })
                .collect();
            panic!("no step {action} on {resource}; steps:\n{}", all.join("\n"))
        })
}

pub fn verdict(r: &Report, action: &str, resource: &str) -> Verdict {
    step(r, action, resource).outcome.decision
}

/// The verdict of the step of `rule` asking `action` on a resource containing `resource`.
pub fn verdict_in(r: &Report, rule: u8, action: &str, resource: &str) -> Verdict {
    r.steps
        .iter()
        .find(|s| {
            s.outcome.step.rule == rule
                && s.outcome.step.action == action
                && s.outcome.step.resource.contains(resource)
        })
        .map(|s| s.outcome.decision)
        .unwrap_or_else(|| panic!("no rule {rule} step {action} on {resource}"))
}
