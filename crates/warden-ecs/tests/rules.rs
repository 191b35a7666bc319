//! One test per rule of the ECS check, each showing the allow and the deny case, against a real
//! (in-memory SQLite) account store.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used, missing_docs)]

mod common;

use common::*;
use warden_ecs::evaluate::Verdict;

const PROD: &str = "arn:aws:ecs:eu-west-1:111122223333:cluster/prod";

/// Rule 1: the caller registers (with ECS's condition keys), passes both roles to ECS tasks,
/// launches with `ecs:cluster`, and tags with `ecs:CreateAction`.
#[test]
fn rule_1_caller_register_pass_launch_tag() {
    let w = World::new();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(
            &r,
            "ecs:RegisterTaskDefinition",
            "task-definition/secrets-app:1"
        ),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/app-task"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "ecs:RunTask", "task-definition/secrets-app:1"),
        Verdict::ImplicitDeny
    );
    assert!(!r.ok);

    // Registration keyed on the compute compatibility the task definition asks for.
    // ecs:compute-compatibility is multivalued (ArrayOfString in the catalog).
    w.caller_may(
        "register",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:RegisterTaskDefinition","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"ecs:compute-compatibility":"FARGATE"}}}]}"#,
    );
    // PassRole only to ECS tasks.
    w.caller_may(
        "pass",
        &allow_if(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/app-*",
            "iam:PassedToService",
            "ecs-tasks.amazonaws.com",
        ),
    );
    // RunTask only on the prod cluster.
    w.caller_may("run", &allow_if("ecs:RunTask", "*", "ecs:cluster", PROD));
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecs:RegisterTaskDefinition", "secrets-app"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/app-task"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/app-exec"),
        Verdict::Allowed
    );
    assert_eq!(verdict(&r, "ecs:RunTask", "secrets-app"), Verdict::Allowed);
    let run = step(&r, "ecs:RunTask", "secrets-app");
    assert_eq!(
        run.outcome.step.context_value("ecs:cluster"),
        Some(&[PROD.to_string()][..])
    );

    // PassRole granted for EC2 only does not let the caller pass the role to ECS tasks.
    let w = World::new();
    w.caller_may(
        "pass-ec2",
        &allow_if(
            "iam:PassRole",
            "*",
            "iam:PassedToService",
            "ec2.amazonaws.com",
        ),
    );
    w.caller_may(
        "run",
        &allow_if(
            "ecs:RunTask",
            "*",
            "ecs:cluster",
            "arn:aws:ecs:eu-west-1:111122223333:cluster/staging",
        ),
    );
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/app-task"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "ecs:RunTask", "secrets-app"),
        Verdict::ImplicitDeny
    );
    // The nearest miss names the failing part: the service the role is passed to.
    let miss = &step(&r, "iam:PassRole", "role/app-task")
        .outcome
        .explanation
        .near_misses[0];
    assert_eq!(miss.statement.policy, "pass-ec2");
    assert!(
        miss.failed
            .iter()
            .any(|f| f.contains("iam:PassedToService") && f.contains("ecs-tasks.amazonaws.com")),
        "{:?}",
        miss.failed
    );

    // Tags at launch: ecs:TagResource with ecs:CreateAction=RunTask.
    let w = World::new();
    w.caller_may(
        "tag",
        &allow_if("ecs:TagResource", "*", "ecs:CreateAction", "RunTask"),
    );
    let r = w.check("secrets.json", Some("run-task-exec.json"), None);
    assert_eq!(
        verdict(&r, "ecs:TagResource", "task/prod/"),
        Verdict::Allowed
    );
    let w = World::new();
    w.caller_may(
        "tag",
        &allow_if("ecs:TagResource", "*", "ecs:CreateAction", "CreateService"),
    );
    let r = w.check("secrets.json", Some("run-task-exec.json"), None);
    assert_eq!(
        verdict(&r, "ecs:TagResource", "task/prod/"),
        Verdict::ImplicitDeny
    );
}

/// Rule 1, services: CreateService on the service ARN with `ecs:task-definition`, the legacy
/// load-balancer role passed to ECS; UpdateService.
#[test]
fn rule_1_services() {
    let w = World::new();
    w.caller_may(
        "svc",
        &allow_if(
            "ecs:CreateService",
            "arn:aws:ecs:eu-west-1:111122223333:service/prod/worker",
            "ecs:task-definition",
            "arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:7",
        ),
    );
    w.caller_may(
        "upd",
        &allow(
            "ecs:UpdateService",
            "arn:aws:ecs:eu-west-1:111122223333:service/prod/other",
        ),
    );
    let r = w.check("describe-ec2.json", Some("create-service-ec2.json"), None);
    assert_eq!(
        verdict(&r, "ecs:CreateService", "service/prod/worker"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/ecsServiceRole"),
        Verdict::ImplicitDeny
    );
    let r = w.check("describe-ec2.json", Some("update-service.json"), None);
    assert_eq!(
        verdict(&r, "ecs:UpdateService", "service/prod/worker"),
        Verdict::ImplicitDeny
    );
    // The described task definition is registered already: no RegisterTaskDefinition step.
    assert!(
        r.steps
            .iter()
            .all(|s| s.outcome.step.action != "ecs:RegisterTaskDefinition")
    );
}

/// Rule 2: the service-linked role exists, or the caller may create it for ecs.amazonaws.com.
#[test]
fn rule_2_service_linked_role() {
    let w = World::new();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:CreateServiceLinkedRole", "AWSServiceRoleForECS"),
        Verdict::Skipped
    );

    let w = World::new();
    w.store
        .delete_service_linked_role("AWSServiceRoleForECS")
        .unwrap();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:CreateServiceLinkedRole", "AWSServiceRoleForECS"),
        Verdict::ImplicitDeny
    );
    w.caller_may(
        "slr",
        &allow_if(
            "iam:CreateServiceLinkedRole",
            "*",
            "iam:AWSServiceName",
            "ecs.amazonaws.com",
        ),
    );
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:CreateServiceLinkedRole", "AWSServiceRoleForECS"),
        Verdict::Allowed
    );
}

/// Rule 3: the roles trust ecs-tasks.amazonaws.com, confused-deputy conditions honoured.
#[test]
fn rule_3_trust() {
    let w = World::new();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecs-tasks.amazonaws.com", "role/app-task"),
        Verdict::Allowed
    );

    // A trust conditioned on the account ECS supplies still allows; another account's does not.
    let guarded = |account: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"ecs-tasks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"{account}"}},"ArnLike":{{"aws:SourceArn":"arn:aws:ecs:eu-west-1:{account}:*"}}}}}}]}}"#
        )
    };
    w.store
        .update_assume_role_policy("app-task", &guarded(ACCOUNT))
        .unwrap();
    w.store
        .update_assume_role_policy("app-exec", &guarded("999988887777"))
        .unwrap();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecs-tasks.amazonaws.com", "role/app-task"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ecs-tasks.amazonaws.com", "role/app-exec"),
        Verdict::ImplicitDeny
    );

    // A task role trusting EC2 instead.
    w.store
        .update_assume_role_policy("app-task", &trust("ec2.amazonaws.com"))
        .unwrap();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecs-tasks.amazonaws.com", "role/app-task"),
        Verdict::ImplicitDeny
    );
}

/// Rule 4, images and logs: ECR pull on the repository ARN derived from the image URI,
/// awslogs on the log group (CreateLogGroup when asked).
#[test]
fn rule_4_images_and_logs() {
    let w = World::new();
    let r = w.check("awslogs.json", Some("run-task.json"), None);
    for action in [
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "logs:CreateLogGroup",
        "logs:PutLogEvents",
    ] {
        assert_eq!(verdict(&r, action, ""), Verdict::ImplicitDeny, "{action}");
    }
    w.role_may(
        "app-exec",
        "pull",
        &allow(
            "ecr:BatchGetImage",
            "arn:aws:ecr:eu-west-1:111122223333:repository/app",
        ),
    );
    w.role_may(
        "app-exec",
        "logs",
        &allow(
            "logs:PutLogEvents",
            "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/awslogs-example:*",
        ),
    );
    let r = w.check("awslogs.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecr:BatchGetImage", "repository/app"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(
            &r,
            "logs:PutLogEvents",
            "log-group:/ecs/awslogs-example:log-stream:ecs/app/"
        ),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ecr:GetDownloadUrlForLayer", "repository/app"),
        Verdict::ImplicitDeny
    );

    // The managed execution role policy covers images and logs, not the group's creation.
    let w = World::new();
    w.attach("app-exec", "service-role/AmazonECSTaskExecutionRolePolicy");
    let r = w.check("awslogs.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecr:GetAuthorizationToken", "*"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "logs:CreateLogStream", "/ecs/awslogs-example"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "logs:CreateLogGroup", "/ecs/awslogs-example"),
        Verdict::ImplicitDeny
    );
}

/// Rule 4, secrets: Secrets Manager (the JSON key suffix dropped), SSM by name and by ARN,
/// and kms:Decrypt for a named key.
#[test]
fn rule_4_secrets() {
    let mut w = World::new();
    w.kms_keys =
        vec!["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()];
    w.role_may(
        "app-exec",
        "db",
        &allow(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-*",
        ),
    );
    w.role_may(
        "app-exec",
        "params",
        &allow(
            "ssm:GetParameters",
            "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/api_key",
        ),
    );
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        step(&r, "secretsmanager:GetSecretValue", "")
            .outcome
            .step
            .resource,
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"
    );
    assert_eq!(
        verdict(&r, "secretsmanager:GetSecretValue", "prod/db"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ssm:GetParameters", "parameter/prod/api_key"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ssm:GetParameters", "parameter/prod/flags"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "kms:Decrypt", "key/1234abcd"),
        Verdict::ImplicitDeny
    );
    w.role_may(
        "app-exec",
        "kms",
        &allow("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/*"),
    );
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(verdict(&r, "kms:Decrypt", "key/1234abcd"), Verdict::Allowed);
}

/// Rule 4, private registries, environment files, FireLens and EFS.
#[test]
fn rule_4_registry_env_files_firelens_efs() {
    let w = World::new();
    let r = w.check("private-registry.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "secretsmanager:GetSecretValue", "registry-creds"),
        Verdict::ImplicitDeny
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.message.contains("public.ecr.aws/nginx"))
    );
    w.role_may(
        "app-exec",
        "creds",
        &allow(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry-creds-Qw12Er",
        ),
    );
    let r = w.check("private-registry.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "secretsmanager:GetSecretValue", "registry-creds"),
        Verdict::Allowed
    );

    let r = w.check("environment-files.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "s3:GetObject", "app-config-bucket/prod/app.env"),
        Verdict::ImplicitDeny
    );
    w.role_may(
        "app-exec",
        "env",
        &allow("s3:GetObject", "arn:aws:s3:::app-config-bucket/prod/*"),
    );
    w.role_may(
        "app-exec",
        "loc",
        &allow("s3:GetBucketLocation", "arn:aws:s3:::app-config-bucket"),
    );
    let r = w.check("environment-files.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "s3:GetObject", "app-config-bucket/prod/app.env"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "s3:GetBucketLocation", "app-config-bucket"),
        Verdict::Allowed
    );

    // FireLens to CloudWatch sends as the task role; the log router's image is in AWS's account.
    let r = w.check("firelens.json", Some("run-task.json"), None);
    assert_eq!(
        step(&r, "logs:PutLogEvents", "firelens-app")
            .outcome
            .step
            .principal,
        TASK_ROLE
    );
    assert_eq!(
        verdict(&r, "logs:PutLogEvents", "firelens-app"),
        Verdict::ImplicitDeny
    );
    assert!(r.notes.iter().any(|n| n.message.contains("906394416424")));
    w.role_may(
        "app-task",
        "firelens",
        &allow(
            "logs:*",
            "arn:aws:logs:eu-west-1:111122223333:log-group:firelens-app*",
        ),
    );
    let r = w.check("firelens.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "logs:PutLogEvents", "firelens-app"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "logs:CreateLogGroup", "firelens-app"),
        Verdict::Allowed
    );

    // EFS with IAM authorization: the task role mounts (and writes), keyed on the access point.
    let r = w.check("efs.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(
            &r,
            "elasticfilesystem:ClientMount",
            "file-system/fs-1234abcd"
        ),
        Verdict::ImplicitDeny
    );
    w.role_may(
        "app-task",
        "efs",
        &allow_if(
            "elasticfilesystem:Client*",
            "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-1234abcd",
            "elasticfilesystem:AccessPointArn",
            "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-1234abcd5678ef901",
        ),
    );
    let r = w.check("efs.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "elasticfilesystem:ClientMount", "fs-1234abcd"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "elasticfilesystem:ClientWrite", "fs-1234abcd"),
        Verdict::Allowed
    );
}

/// Rule 5: ECS Exec needs the task role's Session Manager channels.
#[test]
fn rule_5_exec() {
    let w = World::new();
    let r = w.check("secrets.json", Some("run-task-exec.json"), None);
    assert_eq!(
        verdict(&r, "ssmmessages:CreateControlChannel", "*"),
        Verdict::ImplicitDeny
    );
    let run = step(&r, "ecs:RunTask", "secrets-app");
    assert_eq!(
        run.outcome.step.context_value("ecs:enable-execute-command"),
        Some(&["true".to_string()][..])
    );
    // Every step carries the region it is sent to (aws:RequestedRegion).
    w.role_may(
        "app-task",
        "exec",
        &allow_if("ssmmessages:*", "*", "aws:RequestedRegion", "eu-west-1"),
    );
    let r = w.check("secrets.json", Some("run-task-exec.json"), None);
    for action in [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ] {
        assert_eq!(verdict(&r, action, "*"), Verdict::Allowed, "{action}");
    }
    // Without exec, no such step.
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert!(
        r.steps
            .iter()
            .all(|s| !s.outcome.step.action.starts_with("ssmmessages:"))
    );
}

/// Rule 6: the EC2 launch type's instance role: in an instance profile, trusting EC2, allowed
/// to register with the cluster, and passed to EC2.
#[test]
fn rule_6_container_instances() {
    let w = World::new();
    let r = w.check("describe-ec2.json", Some("start-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:AddRoleToInstanceProfile", "role/ecsInstanceRole"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ec2.amazonaws.com", "role/ecsInstanceRole"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ecs:RegisterContainerInstance", "cluster/prod"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "ecs:Poll", "container-instance/prod/"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/ecsInstanceRole"),
        Verdict::ImplicitDeny
    );
    w.attach(
        "ecsInstanceRole",
        "service-role/AmazonEC2ContainerServiceforEC2Role",
    );
    // AmazonECS_FullAccess v21's PassRole on ecsInstanceRole* to EC2 (the seed's statement).
    w.caller_may(
        "pass-instance",
        &allow_if(
            "iam:PassRole",
            "arn:aws:iam::*:role/ecsInstanceRole*",
            "iam:PassedToService",
            "ec2.amazonaws.com",
        ),
    );
    let r = w.check("describe-ec2.json", Some("start-task.json"), None);
    for action in [
        "ecs:RegisterContainerInstance",
        "ecs:Poll",
        "ecs:SubmitTaskStateChange",
        "ecs:DiscoverPollEndpoint",
    ] {
        assert_eq!(verdict(&r, action, ""), Verdict::Allowed, "{action}");
    }
    assert_eq!(
        verdict(&r, "iam:PassRole", "role/ecsInstanceRole"),
        Verdict::Allowed
    );
    // Out of its instance profile, EC2 cannot give it to an instance.
    w.store
        .remove_role_from_instance_profile("ecsInstanceRole", "ecsInstanceRole")
        .unwrap();
    let r = w.check("describe-ec2.json", Some("start-task.json"), None);
    assert_eq!(
        verdict(&r, "iam:AddRoleToInstanceProfile", "role/ecsInstanceRole"),
        Verdict::Missing
    );
    assert!(!r.ok);
}

/// Rule 7: the scheduled task's role trusts EventBridge, may RunTask and pass the task's roles.
#[test]
fn rule_7_schedule() {
    let w = World::new();
    let r = w.check("secrets.json", None, Some("put-targets.json"));
    assert_eq!(
        verdict(&r, "events.amazonaws.com", "role/ecsEventsRole"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict(&r, "ecs:RunTask", "secrets-app:1"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        verdict_in(&r, 7, "iam:PassRole", "role/app-exec"),
        Verdict::ImplicitDeny
    );
    assert_eq!(
        step(&r, "ecs:RunTask", "secrets-app:1")
            .outcome
            .step
            .principal,
        EVENTS_ROLE
    );
    w.attach(
        "ecsEventsRole",
        "service-role/AmazonEC2ContainerServiceEventsRole",
    );
    let r = w.check("secrets.json", None, Some("put-targets.json"));
    assert_eq!(
        verdict(&r, "ecs:RunTask", "secrets-app:1"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict_in(&r, 7, "iam:PassRole", "role/app-exec"),
        Verdict::Allowed
    );
    assert_eq!(
        verdict_in(&r, 7, "iam:PassRole", "role/app-task"),
        Verdict::Allowed
    );
    w.store
        .update_assume_role_policy("ecsEventsRole", &trust("ecs-tasks.amazonaws.com"))
        .unwrap();
    let r = w.check("secrets.json", None, Some("put-targets.json"));
    assert_eq!(
        verdict(&r, "events.amazonaws.com", "role/ecsEventsRole"),
        Verdict::ImplicitDeny
    );
}

/// A role the task definition names that the account lacks fails the check.
#[test]
fn missing_roles_fail() {
    let w = World::new();
    w.store.delete_role("app-task").unwrap();
    let r = w.check("secrets.json", Some("run-task.json"), None);
    assert_eq!(
        verdict(&r, "ecs-tasks.amazonaws.com", "role/app-task"),
        Verdict::Missing
    );
    assert!(!r.ok);
}

/// `--fix`: each denial's smallest statement (exact ARN, PassedToService for PassRole, never a
/// bare `*` where the action takes a resource), and the re-check passes with them.
#[test]
fn fixes_are_exact_and_recheck() {
    let w = World::new();
    w.store
        .update_assume_role_policy("app-exec", &trust("ec2.amazonaws.com"))
        .unwrap();
    let r = w.check_fix("firelens.json", Some("run-task-exec.json"), None, true);
    assert!(!r.ok);
    let fix = r.fix.as_ref().unwrap();
    assert!(fix.recheck_ok, "still failing: {:?}", fix.still_failing);
    let pass = step(&r, "iam:PassRole", "role/app-task");
    let stmt = &pass.fix.as_ref().unwrap().statements[0].statement;
    assert_eq!(stmt["Resource"], TASK_ROLE);
    assert_eq!(
        stmt["Condition"]["StringEquals"]["iam:PassedToService"],
        "ecs-tasks.amazonaws.com"
    );
    // Logs go to a stream named after the task: the fix names the stream with a wildcard
    // for the task id, and only that.
    let logs = step(&r, "logs:PutLogEvents", "firelens-app");
    assert_eq!(
        logs.fix.as_ref().unwrap().statements[0].statement["Resource"],
        "arn:aws:logs:eu-west-1:111122223333:log-group:firelens-app:log-stream:from-fluent-bit*"
    );
    for s in &r.steps {
        let Some(f) = s.fix.as_ref().and_then(|f| f.statements.first()) else {
            continue;
        };
        let v = &f.statement;
        let takes_resource = !matches!(
            s.outcome.step.action.as_str(),
            "ecr:GetAuthorizationToken"
                | "ssmmessages:CreateControlChannel"
                | "ssmmessages:CreateDataChannel"
                | "ssmmessages:OpenControlChannel"
                | "ssmmessages:OpenDataChannel"
                | "sts:AssumeRole"
        );
        if takes_resource {
            assert_ne!(v["Resource"], "*", "{}", s.outcome.step.action);
        }
    }
    // The trust fix is the execution role's patched trust policy.
    let trust_doc = fix
        .documents
        .iter()
        .find(|d| d.principal == EXEC_ROLE && d.target == warden_ecs::fix::Target::Trust)
        .unwrap();
    let text = serde_json::to_string(&trust_doc.document).unwrap();
    assert!(
        text.contains("ec2.amazonaws.com") && text.contains("ecs-tasks.amazonaws.com"),
        "{text}"
    );
}
