//! Rule 4: what the task needs at start: the image pulls, the logs, the secrets, the
//! environment files (the execution role, or the instance role on EC2 without one), FireLens
//! and EFS (the task role).

use super::{Builder, TASK_ID};
use crate::arns::{self, SecretSource};
use crate::model::{NoteLevel, Who, doc};

impl Builder<'_> {
    /// Who does the agent's work at task start: the execution role, or on EC2 without one the
    /// container instance role (`task_execution_IAM_role.html`).
    fn agent(&self) -> Option<(Who, String)> {
        if let Some(r) = &self.execution_role {
            return Some((Who::ExecutionRole, r.clone()));
        }
        if self.launch_type == "EC2" {
            return self
                .inputs
                .instance_role
                .clone()
                .map(|r| (Who::InstanceRole, r));
        }
        None
    }

    fn needs_agent(&mut self, what: &str) -> Option<(Who, String)> {
        let agent = self.agent();
        if agent.is_none() {
            self.note(
                4,
                NoteLevel::Failure,
                format!(
                    "{what} needs a task execution role, and the task definition names none \
                     (executionRoleArn)"
                ),
                doc::EXECUTION_ROLE,
            );
        }
        agent
    }

    pub(super) fn needs_task_role(
        &mut self,
        rule: u8,
        what: &str,
        doc: &'static str,
    ) -> Option<String> {
        if self.task_role.is_none() {
            self.note(
                rule,
                NoteLevel::Failure,
                format!(
                    "{what} needs a task role, and the task definition names none (taskRoleArn)"
                ),
                doc,
            );
        }
        self.task_role.clone()
    }

    // Rule 4: what the task needs at start.
    pub(super) fn task_start(&mut self) {
        if self.inputs.launch.is_none() && self.inputs.schedule.is_none() {
            return;
        }
        self.images();
        self.logs();
        self.secrets();
        self.environment_files();
        self.firelens();
        self.efs();
    }

    fn images(&mut self) {
        let containers = self.td.container_definitions.clone();
        let mut token_asked = false;
        let mut repos: Vec<String> = Vec::new();
        for c in &containers {
            if let Some(creds) = &c.repository_credentials {
                let Some((who, agent)) = self.needs_agent("private registry authentication") else {
                    continue;
                };
                if arns::split_arn(&creds.credentials_parameter)
                    .is_some_and(|[_, s, _, _, _]| s == "secretsmanager")
                {
                    self.push(
                        4,
                        who,
                        &agent,
                        "secretsmanager:GetSecretValue",
                        creds.credentials_parameter.clone(),
                        vec![],
                        format!(
                            "container `{}` pulls from a private registry with the credentials \
                             in this secret",
                            c.name
                        ),
                        doc::PRIVATE_REGISTRY,
                    );
                } else {
                    self.note(
                        4,
                        NoteLevel::Failure,
                        format!(
                            "container `{}`: repositoryCredentials.credentialsParameter `{}` is \
                             not a Secrets Manager secret ARN",
                            c.name, creds.credentials_parameter
                        ),
                        doc::PRIVATE_REGISTRY,
                    );
                }
                continue;
            }
            let Some(image) = arns::ecr_image(&c.image) else {
                self.note(
                    4,
                    NoteLevel::NotCheckable,
                    format!(
                        "container `{}`: image `{}` is not in an Amazon ECR private registry: \
                         pulled without IAM, not checkable offline",
                        c.name, c.image
                    ),
                    doc::EXECUTION_ROLE,
                );
                continue;
            };
            let Some((who, agent)) = self.needs_agent("pulling an Amazon ECR image") else {
                continue;
            };
            if !token_asked {
                token_asked = true;
                self.push(
                    4,
                    who,
                    &agent,
                    "ecr:GetAuthorizationToken",
                    "*".into(),
                    vec![],
                    "the agent gets a registry token before pulling any ECR image".into(),
                    doc::EXECUTION_ROLE,
                );
            }
            let repo = match self.place.arn_in(
                "ecr",
                "repository",
                &image.region,
                &image.account,
                &[("RepositoryName", &image.repository)],
            ) {
                Ok(r) => r,
                Err(e) => {
                    self.note(4, NoteLevel::NotCheckable, e, doc::EXECUTION_ROLE);
                    continue;
                }
            };
            if repos.contains(&repo) {
                continue;
            }
            repos.push(repo.clone());
            if image.account != self.place.account {
                self.note(
                    4,
                    NoteLevel::NotCheckable,
                    format!(
                        "image repository `{repo}` is in account {}: its repository policy must \
                         also allow the pull, and it is not in this account",
                        image.account
                    ),
                    doc::EXECUTION_ROLE,
                );
            }
            for action in [
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
            ] {
                self.push(
                    4,
                    who,
                    &agent,
                    action,
                    repo.clone(),
                    vec![],
                    format!(
                        "container `{}` pulls its image from this repository",
                        c.name
                    ),
                    doc::EXECUTION_ROLE,
                );
            }
        }
    }

    fn logs(&mut self) {
        let containers = self.td.container_definitions.clone();
        for c in &containers {
            let Some(log) = &c.log_configuration else {
                continue;
            };
            if log.log_driver != "awslogs" {
                continue;
            }
            let Some(group) = log.options.get("awslogs-group").cloned() else {
                self.note(
                    4,
                    NoteLevel::Failure,
                    format!(
                        "container `{}`: the awslogs driver needs `awslogs-group`",
                        c.name
                    ),
                    doc::AWSLOGS,
                );
                continue;
            };
            let Some((who, agent)) = self.needs_agent("the awslogs log driver") else {
                continue;
            };
            let region = log
                .options
                .get("awslogs-region")
                .cloned()
                .unwrap_or_else(|| self.place.region.clone());
            let account = self.place.account.clone();
            let stream = match log.options.get("awslogs-stream-prefix") {
                Some(prefix) => format!("{prefix}/{}/{TASK_ID}", c.name),
                None => TASK_ID.to_string(),
            };
            if log.options.get("awslogs-create-group").map(String::as_str) == Some("true") {
                let arn = self
                    .place
                    .arn_in(
                        "logs",
                        "log-group",
                        &region,
                        &account,
                        &[("LogGroupName", &group)],
                    )
                    .unwrap_or_else(|e| e);
                self.push(
                    4,
                    who,
                    &agent,
                    "logs:CreateLogGroup",
                    arn,
                    vec![],
                    format!("container `{}` asks for its log group to be created (awslogs-create-group)", c.name),
                    doc::AWSLOGS,
                );
            }
            let arn = self
                .place
                .arn_in(
                    "logs",
                    "log-stream",
                    &region,
                    &account,
                    &[("LogGroupName", &group), ("LogStreamName", &stream)],
                )
                .unwrap_or_else(|e| e);
            for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
                self.push(
                    4,
                    who,
                    &agent,
                    action,
                    arn.clone(),
                    vec![],
                    format!(
                        "container `{}` sends its output to log group `{group}`",
                        c.name
                    ),
                    doc::AWSLOGS,
                );
            }
        }
    }

    fn secrets(&mut self) {
        let containers = self.td.container_definitions.clone();
        let mut asked: Vec<String> = Vec::new();
        for c in &containers {
            let log_secrets = c
                .log_configuration
                .iter()
                .flat_map(|l| l.secret_options.iter());
            for s in c.secrets.iter().chain(log_secrets) {
                let source = arns::secret_source(&s.value_from, &self.place);
                let (action, arn) = match &source {
                    SecretSource::SecretsManager(a) => ("secretsmanager:GetSecretValue", a.clone()),
                    SecretSource::Parameter(a) => ("ssm:GetParameters", a.clone()),
                    SecretSource::Unknown => {
                        self.note(
                            4,
                            NoteLevel::Failure,
                            format!(
                                "container `{}`: secret `{}` valueFrom `{}` is neither a Secrets \
                                 Manager secret ARN nor an SSM parameter ARN or name",
                                c.name, s.name, s.value_from
                            ),
                            doc::SECRETS,
                        );
                        continue;
                    }
                };
                if asked.contains(&arn) {
                    continue;
                }
                asked.push(arn.clone());
                let Some((who, agent)) = self.needs_agent("injecting secrets") else {
                    continue;
                };
                if let Some([_, _, _, acct, _]) = arns::split_arn(&arn)
                    && acct != self.place.account
                {
                    self.note(
                        4,
                        NoteLevel::NotCheckable,
                        format!(
                            "secret `{arn}` is in account {acct}: its resource policy (and its \
                             key's policy) must also allow, and they are not in this account"
                        ),
                        doc::SECRETS,
                    );
                }
                self.push(
                    4,
                    who,
                    &agent,
                    action,
                    arn,
                    vec![],
                    format!("container `{}` gets `{}` from it at start", c.name, s.name),
                    doc::SECRETS,
                );
            }
        }
        if asked.is_empty() {
            return;
        }
        let keys = self.inputs.kms_keys.clone();
        for key in keys {
            let Some((who, agent)) = self.agent() else {
                break;
            };
            self.push(
                4,
                who,
                &agent,
                "kms:Decrypt",
                key,
                vec![],
                "the secrets are encrypted with this customer managed key: reading them \
                 decrypts with it"
                    .into(),
                doc::SECRETS,
            );
        }
    }

    fn environment_files(&mut self) {
        let containers = self.td.container_definitions.clone();
        for c in &containers {
            for f in &c.environment_files {
                let Some((bucket, key)) = arns::s3_object(&f.value) else {
                    self.note(
                        4,
                        NoteLevel::Failure,
                        format!(
                            "container `{}`: environment file `{}` is not an S3 object ARN",
                            c.name, f.value
                        ),
                        doc::ENV_FILES,
                    );
                    continue;
                };
                let Some((who, agent)) = self.needs_agent("environment files") else {
                    continue;
                };
                let object = self
                    .place
                    .arn(
                        "s3",
                        "object",
                        &[("BucketName", &bucket), ("ObjectName", &key)],
                    )
                    .unwrap_or_else(|e| e);
                let bucket_arn = self
                    .place
                    .arn("s3", "bucket", &[("BucketName", &bucket)])
                    .unwrap_or_else(|e| e);
                let why = format!("container `{}` reads its environment file from S3", c.name);
                self.push(
                    4,
                    who,
                    &agent,
                    "s3:GetObject",
                    object,
                    vec![],
                    why.clone(),
                    doc::ENV_FILES,
                );
                self.push(
                    4,
                    who,
                    &agent,
                    "s3:GetBucketLocation",
                    bucket_arn,
                    vec![],
                    why,
                    doc::ENV_FILES,
                );
            }
        }
    }

    fn firelens(&mut self) {
        let containers = self.td.container_definitions.clone();
        for c in &containers {
            let Some(log) = &c.log_configuration else {
                continue;
            };
            if log.log_driver != "awsfirelens" {
                continue;
            }
            let o = &log.options;
            let name = o
                .get("Name")
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default();
            let region = o
                .get("region")
                .cloned()
                .unwrap_or_else(|| self.place.region.clone());
            let account = self.place.account.clone();
            let (mut actions, arn): (Vec<&str>, Result<String, String>) = match name.as_str() {
                "cloudwatch" | "cloudwatch_logs" => {
                    let Some(group) = o.get("log_group_name") else {
                        self.note(
                            4,
                            NoteLevel::Failure,
                            format!(
                                "container `{}`: FireLens cloudwatch output needs `log_group_name`",
                                c.name
                            ),
                            doc::FIRELENS,
                        );
                        continue;
                    };
                    let stream = format!(
                        "{}{TASK_ID}",
                        o.get("log_stream_prefix").cloned().unwrap_or_default()
                    );
                    (
                        vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                        self.place.arn_in(
                            "logs",
                            "log-stream",
                            &region,
                            &account,
                            &[("LogGroupName", group), ("LogStreamName", &stream)],
                        ),
                    )
                }
                "firehose" | "kinesis_firehose" => match o.get("delivery_stream") {
                    Some(s) => (
                        vec!["firehose:PutRecordBatch"],
                        self.place.arn_in(
                            "firehose",
                            "deliverystream",
                            &region,
                            &account,
                            &[("DeliveryStreamName", s)],
                        ),
                    ),
                    None => continue,
                },
                "kinesis" | "kinesis_streams" => match o.get("stream") {
                    Some(s) => (
                        vec!["kinesis:PutRecords"],
                        self.place.arn_in(
                            "kinesis",
                            "stream",
                            &region,
                            &account,
                            &[("StreamName", s)],
                        ),
                    ),
                    None => continue,
                },
                other => {
                    self.note(
                        4,
                        NoteLevel::NotCheckable,
                        format!("container `{}`: FireLens output `{other}` goes outside AWS IAM's view: not checkable offline", c.name),
                        doc::FIRELENS,
                    );
                    continue;
                }
            };
            let Ok(arn) = arn else {
                continue;
            };
            if matches!(name.as_str(), "cloudwatch" | "cloudwatch_logs")
                && o.get("auto_create_group").map(String::as_str) == Some("true")
            {
                actions.insert(0, "logs:CreateLogGroup");
            }
            let Some(role) = self.needs_task_role(4, "FireLens routing logs to AWS", doc::FIRELENS)
            else {
                continue;
            };
            for action in actions {
                let resource = if action == "logs:CreateLogGroup" {
                    let group = o.get("log_group_name").cloned().unwrap_or_default();
                    self.place
                        .arn_in(
                            "logs",
                            "log-group",
                            &region,
                            &account,
                            &[("LogGroupName", &group)],
                        )
                        .unwrap_or_else(|e| e)
                } else {
                    arn.clone()
                };
                self.push(
                    4,
                    Who::TaskRole,
                    &role,
                    action,
                    resource,
                    vec![],
                    format!(
                        "container `{}` logs through FireLens, which sends as the task role",
                        c.name
                    ),
                    doc::FIRELENS,
                );
            }
        }
    }

    fn efs(&mut self) {
        let volumes = self.td.volumes.clone();
        for v in &volumes {
            let Some(efs) = &v.efs_volume_configuration else {
                continue;
            };
            let Some(auth) = &efs.authorization_config else {
                continue;
            };
            if auth.iam.as_deref() != Some("ENABLED") {
                continue;
            }
            let Some(role) =
                self.needs_task_role(4, "an EFS volume with IAM authorization", doc::EFS)
            else {
                continue;
            };
            let fs = self
                .place
                .arn(
                    "elasticfilesystem",
                    "file-system",
                    &[("FileSystemId", &efs.file_system_id)],
                )
                .unwrap_or_else(|e| e);
            let mut ctx: Vec<(&str, Vec<String>)> = Vec::new();
            if let Some(ap) = &auth.access_point_id
                && let Ok(a) = self.place.arn(
                    "elasticfilesystem",
                    "access-point",
                    &[("AccessPointId", ap)],
                )
            {
                ctx.push(("elasticfilesystem:AccessPointArn", vec![a]));
            }
            let writes = self.td.container_definitions.iter().any(|c| {
                c.mount_points
                    .iter()
                    .any(|m| m.source_volume == v.name && m.read_only != Some(true))
            });
            let mut actions = vec!["elasticfilesystem:ClientMount"];
            if writes {
                actions.push("elasticfilesystem:ClientWrite");
            }
            for action in actions {
                self.push(
                    4,
                    Who::TaskRole,
                    &role,
                    action,
                    fs.clone(),
                    ctx.clone(),
                    format!(
                        "volume `{}` mounts EFS with IAM authorization, as the task role",
                        v.name
                    ),
                    doc::EFS,
                );
            }
        }
    }
}
