//! `warden ecs check`: snapshots of the text and JSON outputs on the example account, the exit
//! codes, and bad input that must get a clear message (never a crash).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

mod support;

use support::{Dir, Result, exit_code};

const CI: &str = "arn:aws:iam::111122223333:user/ci/ci-deployer";

fn example(name: &str) -> Result<String> {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    Ok(std::fs::read_to_string(path)?)
}

/// A directory with the example account, task definition and launch.
fn examples() -> Result<Dir> {
    let dir = Dir::new()?;
    dir.write(
        "account.json",
        &example("account-authorization-details.json")?,
    )?
    .write(
        "task-definition.json",
        &example("ecs/task-definition.json")?,
    )?
    .write("run-task.json", &example("ecs/run-task.json")?)?
    .write(
        "AmazonECS_FullAccess.json",
        &example("AmazonECS_FullAccess.json")?,
    )?;
    Ok(dir)
}

/// The JSON a rendered run printed on stdout.
fn stdout_json(rendered: &str) -> Result<serde_json::Value> {
    let text = rendered
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr").next())
        .unwrap_or_default();
    Ok(serde_json::from_str(text)?)
}

fn base<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "ecs",
        "check",
        "--account",
        "account.json",
        "--principal",
        CI,
        "--task-definition",
        "task-definition.json",
        "--launch",
        "run-task.json",
    ];
    args.extend_from_slice(extra);
    args
}

/// The README's command: the execution role cannot read the secret (exit 1).
#[test]
fn readme_example_text() -> Result {
    let dir = examples()?;
    let out = dir.run(&base(&[]))?;
    assert_eq!(exit_code(&out), "exit code: 1");
    insta::assert_snapshot!(out);
    Ok(())
}

#[test]
fn readme_example_json() -> Result {
    let dir = examples()?;
    let out = dir.run(&base(&["--output", "json"]))?;
    assert_eq!(exit_code(&out), "exit code: 1");
    let v = stdout_json(&out)?;
    assert_eq!(v["schema"], "warden-ecs-check/1");
    assert_eq!(v["ok"], false);
    insta::assert_snapshot!(out);
    Ok(())
}

/// `--fix` prints the patched documents and re-checks.
#[test]
fn readme_example_fix() -> Result {
    let dir = examples()?;
    let out = dir.run(&base(&["--fix"]))?;
    assert!(
        out.contains("Re-checked with the fixes: every step passes."),
        "{out}"
    );
    insta::assert_snapshot!(out);
    Ok(())
}

/// The fix, put in place, makes the check pass (exit 0).
#[test]
fn applying_the_fix_passes() -> Result {
    let dir = examples()?;
    let out = dir.run(&base(&["--fix", "--output", "json"]))?;
    let v = stdout_json(&out)?;
    let doc = &v["fix"]["documents"][0]["document"];
    let mut account: serde_json::Value =
        serde_json::from_str(&example("account-authorization-details.json")?)?;
    let roles = account["RoleDetailList"].as_array_mut().unwrap();
    let exec = roles
        .iter_mut()
        .find(|r| r["RoleName"] == "ecsTaskExecutionRole")
        .unwrap();
    exec["RolePolicyList"] =
        serde_json::json!([{"PolicyName": "warden-ecs-fix", "PolicyDocument": doc}]);
    dir.write("fixed.json", &account.to_string())?;
    let mut args = base(&[]);
    args[3] = "fixed.json";
    let out = dir.run(&args)?;
    assert_eq!(exit_code(&out), "exit code: 0", "{out}");
    Ok(())
}

/// With --policy and no store, the caller is checked and the roles are "unknown".
#[test]
fn policy_files_without_a_store() -> Result {
    let dir = examples()?;
    let out = dir.run(&[
        "ecs",
        "check",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--task-definition",
        "task-definition.json",
        "--launch",
        "run-task.json",
    ])?;
    insta::assert_snapshot!(out);
    Ok(())
}

/// The EC2 launch type, a legacy load-balancer role and tags, for the deprecated full-access
/// user: its PassRole on every role passes everything, and the instance role is checked.
#[test]
fn ec2_service_for_legacy_admin() -> Result {
    let dir = examples()?;
    dir.write(
        "service.json",
        r#"{"cluster": "prod", "serviceName": "web", "taskDefinition": "my-app", "launchType": "EC2",
            "role": "ecsServiceRole", "tags": [{"key": "team", "value": "web"}]}"#,
    )?;
    let out = dir.run(&[
        "ecs",
        "check",
        "--account",
        "account.json",
        "--principal",
        "arn:aws:iam::111122223333:user/legacy-admin",
        "--task-definition",
        "task-definition.json",
        "--launch",
        "service.json",
        "--output",
        "json",
    ])?;
    let v = stdout_json(&out)?;
    let steps = v["steps"].as_array().unwrap();
    let find = |action: &str, resource: &str| {
        steps
            .iter()
            .find(|s| {
                s["action"] == action && s["resource"].as_str().unwrap_or("").contains(resource)
            })
            .map(|s| s["decision"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("no {action} on {resource}"))
    };
    assert_eq!(find("ecs:CreateService", "service/prod/web"), "allowed");
    assert_eq!(find("iam:PassRole", "role/ecsServiceRole"), "allowed");
    assert_eq!(find("ecs:TagResource", "service/prod/web"), "allowed");
    assert_eq!(
        find("ecs:RegisterContainerInstance", "cluster/prod"),
        "allowed"
    );
    assert_eq!(find("iam:PassRole", "role/ecsInstanceRole"), "allowed");
    Ok(())
}

/// Bad input: a clear message and exit 2, or an explicit line; never a crash.
#[test]
fn bad_input() -> Result {
    let dir = examples()?;
    dir.write("not-json.json", "{ family: web")?
        .write(
            "fargate-bridge.json",
            r#"{"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "bridge", "cpu": "256", "memory": "512",
                "containerDefinitions": [{"name": "web", "image": "nginx"}]}"#,
        )?
        .write(
            "odd.json",
            r#"{"family": "odd", "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
                "containerDefinitions": [{"name": "web", "image": "nginx:latest",
                  "secrets": [{"name": "X", "valueFrom": "arn:aws:s3:::bucket/secret"}],
                  "environmentFiles": [{"value": "s3://bucket/app.env", "type": "s3"}]}]}"#,
        )?
        .write("launch-array.json", "[1, 2]")?;
    let mut outputs = Vec::new();
    for (td, launch) in [
        ("not-json.json", "run-task.json"),
        ("fargate-bridge.json", "run-task.json"),
        ("missing.json", "run-task.json"),
        ("task-definition.json", "launch-array.json"),
    ] {
        let out = dir.run(&[
            "ecs",
            "check",
            "--account",
            "account.json",
            "--principal",
            CI,
            "--task-definition",
            td,
            "--launch",
            launch,
        ])?;
        assert_eq!(exit_code(&out), "exit code: 2", "{out}");
        outputs.push(out);
    }
    // An unknown caller.
    let out = dir.run(&[
        "ecs",
        "check",
        "--account",
        "account.json",
        "--principal",
        "arn:aws:iam::111122223333:user/nobody",
        "--task-definition",
        "task-definition.json",
    ])?;
    assert_eq!(exit_code(&out), "exit code: 2", "{out}");
    outputs.push(out);
    // Checkable input with odd parts: explicit lines, exit 1 for what ECS would fail on.
    let out = dir.run(&[
        "ecs",
        "check",
        "--account",
        "account.json",
        "--principal",
        CI,
        "--task-definition",
        "odd.json",
        "--launch",
        "run-task.json",
    ])?;
    assert_eq!(exit_code(&out), "exit code: 1", "{out}");
    assert!(
        out.contains("not checkable offline: container `web`: image `nginx:latest`"),
        "{out}"
    );
    outputs.push(out);
    insta::assert_snapshot!(outputs.join("\n=====\n"));
    Ok(())
}

/// The README's command, as written there, from the root of a fresh clone: it runs, finds the
/// secret the execution role cannot read, and its fix passes the re-check.
#[test]
fn the_readme_command_works() -> Result {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    let section = readme
        .split("## Will this ECS deployment work?")
        .nth(1)
        .expect("the README has the ECS section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    let line = block.replace("\\\n", " ");
    let args: Vec<&str> = line
        .split_whitespace()
        .skip_while(|a| *a != "--")
        .skip(1)
        .collect();
    assert_eq!(args.first().copied(), Some("ecs"), "{line}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(&args)
        .current_dir(&root)
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("DENY secretsmanager:GetSecretValue"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Re-checked with the fixes: every step passes."),
        "{stdout}"
    );
    // The README quotes the output as it is.
    let quoted = section
        .split("would never start:\n\n```\n")
        .nth(1)
        .and_then(|q| q.split("```").next())
        .expect("the quoted output");
    for line in quoted.lines().take(4) {
        let line = line.split(" (https://").next().unwrap_or(line);
        assert!(
            stdout.contains(line),
            "README quotes `{line}`, the output is:\n{stdout}"
        );
    }
    Ok(())
}
