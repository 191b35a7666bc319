//! Rules 5 to 7: ECS Exec (the task role's channels), the EC2 launch type's container
//! instances (the instance role), and the scheduled task (the EventBridge role).

use super::{Builder, EC2, ECS_TASKS, EVENTS};
use crate::model::{NoteLevel, Step, StepKind, Who, doc};

impl Builder<'_> {
    // Rule 5: ECS Exec.
    pub(super) fn exec(&mut self) {
        if !self.exec_enabled {
            return;
        }
        let Some(role) = self.needs_task_role(5, "ECS Exec (enableExecuteCommand)", doc::EXEC)
        else {
            return;
        };
        for action in [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ] {
            let resource = self.resource_for(action);
            self.push(
                5,
                Who::TaskRole,
                &role,
                action,
                resource,
                vec![],
                "ECS Exec's agent in the task opens Session Manager channels as the task role"
                    .into(),
                doc::EXEC,
            );
        }
    }

    // Rule 6: the container instances of the EC2 launch type.
    pub(super) fn ec2(&mut self) {
        if self.launch_type != "EC2"
            || (self.inputs.launch.is_none() && self.inputs.schedule.is_none())
        {
            return;
        }
        let Some(role) = self.inputs.instance_role.clone() else {
            self.note(
                6,
                NoteLevel::NotCheckable,
                "the EC2 launch type runs on container instances: name their role with \
                 --instance-role to check it"
                    .into(),
                doc::INSTANCE_ROLE,
            );
            return;
        };
        self.workflow.steps.push(Step {
            rule: 6,
            who: Who::InstanceRole,
            principal: role.clone(),
            kind: StepKind::InstanceProfile,
            action: "iam:AddRoleToInstanceProfile".into(),
            resource: role.clone(),
            context: Vec::new(),
            why: "EC2 instances get a role through an instance profile".into(),
            doc: doc::INSTANCE_ROLE,
            precondition: None,
        });
        self.trust(
            6,
            EC2,
            &role,
            None,
            "the container instance's credentials come from EC2 assuming the instance role",
            doc::INSTANCE_ROLE,
        );
        let cluster = self.cluster_arn.clone();
        for action in [
            "ecs:RegisterContainerInstance",
            "ecs:DeregisterContainerInstance",
            "ecs:DiscoverPollEndpoint",
            "ecs:Poll",
            "ecs:StartTelemetrySession",
            "ecs:SubmitContainerStateChange",
            "ecs:SubmitTaskStateChange",
            "ecs:SubmitAttachmentStateChanges",
            "ecs:UpdateContainerInstancesState",
        ] {
            let resource = self.resource_for(action);
            self.push(
                6,
                Who::InstanceRole,
                &role,
                action,
                resource,
                vec![("ecs:cluster", vec![cluster.clone()])],
                "the ECS agent on the instance registers with the cluster and reports as the \
                 instance role"
                    .into(),
                doc::INSTANCE_ROLE,
            );
        }
        let caller = self.inputs.caller.clone();
        self.pass_role(
            6,
            Who::Caller,
            &caller,
            &role,
            EC2,
            "launching the container instances (ec2:RunInstances with the instance profile) \
             passes the role to EC2 (checked for the caller; whoever launches instances needs it)",
        );
    }

    // Rule 7: the scheduled task.
    pub(super) fn schedule(&mut self) {
        let Some(schedule) = self.inputs.schedule else {
            return;
        };
        for t in &schedule.targets {
            let Some(role) = t.role_arn.clone() else {
                continue;
            };
            let Some(params) = &t.ecs_parameters else {
                continue;
            };
            let rule_arn = schedule.rule.as_ref().and_then(|r| {
                self.place
                    .arn("events", "rule-on-default-event-bus", &[("RuleName", r)])
                    .ok()
            });
            self.trust(
                7,
                EVENTS,
                &role,
                rule_arn,
                "EventBridge runs the task as the target's role",
                doc::EVENTS_ROLE,
            );
            let td = if params.task_definition_arn.is_empty() {
                self.task_definition_arn.clone()
            } else {
                params.task_definition_arn.clone()
            };
            let cluster = if t.arn.is_empty() {
                self.cluster_arn.clone()
            } else {
                t.arn.clone()
            };
            let exec = (params.enable_execute_command == Some(true)).to_string();
            self.push(
                7,
                Who::EventsRole,
                &role,
                "ecs:RunTask",
                td,
                vec![
                    ("ecs:cluster", vec![cluster]),
                    ("ecs:enable-execute-command", vec![exec]),
                ],
                "the schedule's rule calls RunTask as its role".into(),
                doc::EVENTS_ROLE,
            );
            for r in [self.task_role.clone(), self.execution_role.clone()]
                .into_iter()
                .flatten()
            {
                self.pass_role(
                    7,
                    Who::EventsRole,
                    &role,
                    &r,
                    ECS_TASKS,
                    "RunTask from the schedule passes the task's roles to ECS tasks",
                );
            }
        }
    }
}
