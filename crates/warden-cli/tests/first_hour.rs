//! The first hour as a user: the guard rails against confident wrong answers, the set-up traps,
//! the explanations and the documented outputs, each as a newcomer meets it.

mod support;

use std::path::Path;
use support::*;

/// Asserts that `rendered` (from [`Dir::run`]) holds every one of `parts`.
fn assert_has(rendered: &str, parts: &[&str]) {
    for part in parts {
        assert!(rendered.contains(part), "missing {part:?} in:\n{rendered}");
    }
}

fn stderr(rendered: &str) -> &str {
    rendered.split("--- stderr\n").nth(1).unwrap_or_default()
}

// ---- confident wrong answers ----

#[test]
fn an_unknown_action_is_decided_with_a_warning_and_refused_with_strict() -> Result {
    let dir = ecs_dir()?;
    let base = ["simulate", "--policy", "AmazonECS_FullAccess.json"];
    let run = dir.run(&[&base[..], &["--action", "ecs:RunTsk"]].concat())?;
    assert_eq!(exit_code(&run), "exit code: 0");
    assert_has(
        &run,
        &[
            "allowed: ecs:RunTsk on *",
            "warning: unknown action `ecs:RunTsk` (did you mean ecs:RunTask?)",
        ],
    );
    let run = dir.run(&[&base[..], &["--action", "ecs:RunTsk", "--strict"]].concat())?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    assert_has(
        &run,
        &[
            "error: unknown action `ecs:RunTsk`",
            "(an error with --strict)",
        ],
    );
    assert!(!run.contains("allowed:"), "{run}");

    let run = dir.run(&[&base[..], &["--action", "ecsx:RunTask"]].concat())?;
    assert_has(
        &run,
        &["no service has the prefix `ecsx`; did you mean ecs?"],
    );
    Ok(())
}

#[test]
fn an_action_that_is_not_service_colon_name_is_a_usage_error() -> Result {
    let dir = ecs_dir()?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "ecs-RunTask",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    assert_has(
        &run,
        &[
            "error: `ecs-RunTask` is not an action: write service:Name, e.g. ecs:RunTask; did you mean ecs:RunTask?",
        ],
    );
    Ok(())
}

#[test]
fn malformed_and_misplaced_resources_warn() -> Result {
    let dir = ecs_dir()?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "ecs:RunTask",
        "--resource",
        "arn:aws:iam::12345:role/x",
        "--resource",
        "not-an-arn",
        "--resource",
        "arn:aws:iam::123456789012:role/x",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 0", "{run}");
    assert_has(
        stderr(&run),
        &[
            "warning: `12345` in `arn:aws:iam::12345:role/x` is not an account id (12 digits)",
            "warning: `not-an-arn` is not an ARN",
            "warning: `arn:aws:iam::123456789012:role/x` is not a resource ecs:RunTask acts on: it acts on task-definition",
        ],
    );
    // A fitting resource is quiet.
    let run = dir.run(&[
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "iam:PassRole",
        "--resource",
        "arn:aws:iam::123456789012:role/x",
        "--context",
        "iam:PassedToService=ecs-tasks.amazonaws.com",
    ])?;
    assert_eq!(stderr(&run), "", "{run}");
    Ok(())
}

#[test]
fn requests_lines_get_the_same_guard_rails() -> Result {
    let dir = ecs_dir()?;
    dir.write(
        "requests.jsonl",
        concat!(
            r#"{"action": "ecs:RunTsk"}"#,
            "\n",
            r#"{"action": "ecs-RunTask"}"#,
            "\n",
            r#"{"action": "ecs:RunTask", "resource": "arn:aws:iam::123456789012:role/x"}"#,
            "\n",
        ),
    )?;
    let base = [
        "simulate",
        "--policy",
        "AmazonECS_FullAccess.json",
        "--requests",
        "requests.jsonl",
    ];
    let run = dir.run(&base)?;
    assert_eq!(exit_code(&run), "exit code: 1", "{run}");
    assert_has(
        &run,
        &[
            r#""line":1,"action":"ecs:RunTsk""#,
            r#"{"line":2,"error":"line 2: `ecs-RunTask` is not an action"#,
            "warning: line 1: unknown action `ecs:RunTsk` (did you mean ecs:RunTask?)",
            "warning: line 3: `arn:aws:iam::123456789012:role/x` is not a resource ecs:RunTask acts on",
        ],
    );
    let run = dir.run(&[&base[..], &["--strict"]].concat())?;
    assert_has(
        &run,
        &[
            r#"{"line":1,"error":"line 1: unknown action `ecs:RunTsk`"#,
            "(an error with --strict)",
        ],
    );
    assert!(!stderr(&run).contains("warning:"), "{run}");
    Ok(())
}

#[test]
fn a_policy_in_the_wrong_place_is_named_with_the_right_flag() -> Result {
    let dir = ecs_dir()?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "ecs-tasks-trust.json",
        "--action",
        "sts:AssumeRole",
    ])?;
    assert_has(
        stderr(&run),
        &[
            "warning: `ecs-tasks-trust.json` (--policy) names a Principal, as a role's trust policy does",
            "give it as --resource-policy",
        ],
    );
    let run = dir.run(&[
        "simulate",
        "--resource-policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "ecs:RunTask",
    ])?;
    assert_has(
        stderr(&run),
        &[
            "warning: `AmazonECS_FullAccess.json` (--resource-policy) names no Principal",
            "give it as --policy",
        ],
    );
    let run = dir.run(&[
        "simulate",
        "--resource-policy",
        "AmazonECS_FullAccess.json",
        "--action",
        "ecs:RunTask",
        "--strict",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    Ok(())
}

#[test]
fn huge_values_are_cut_in_messages() -> Result {
    let dir = Dir::new()?;
    let sid = "S".repeat(100_000);
    dir.write(
        "big.json",
        &format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "{sid}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}"#
        ),
    )?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "big.json",
        "--action",
        "s3:GetObject",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 0", "{run}");
    assert!(run.len() < 2_000, "{} bytes of output", run.len());
    assert_has(&run, &["more characters)"]);
    let action = format!("s3:{}", "G".repeat(100_000));
    let run = dir.run(&["simulate", "--policy", "big.json", "--action", &action])?;
    assert!(run.len() < 2_000, "{} bytes of output", run.len());
    Ok(())
}

#[test]
fn simulate_applies_the_apis_length_limit_as_validate_does() -> Result {
    let dir = Dir::new()?;
    let sid = "S".repeat(140_000);
    dir.write(
        "huge.json",
        &format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "{sid}", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}]}}"#
        ),
    )?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "huge.json",
        "--action",
        "s3:GetObject",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    let limit =
        "failed to satisfy constraint: Member must have length less than or equal to 131072";
    assert_has(
        &run,
        &[
            "error: ValidationError: `huge.json` (PolicyInputList.1): 1 validation error detected: \
             Value at 'policyInputList.1' ",
            limit,
        ],
    );
    let run = dir.run(&["validate", "-t", "identity", "huge.json"])?;
    assert_has(&run, &["Value at 'policyDocument' ", limit]);
    Ok(())
}

#[test]
fn simulate_parse_errors_say_where() -> Result {
    let dir = Dir::new()?;
    dir.write(
        "bad.json",
        "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\" \"Action\": \"*\"}]}",
    )?;
    let run = dir.run(&[
        "simulate",
        "--policy",
        "bad.json",
        "--action",
        "s3:GetObject",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    assert_has(
        &run,
        &[
            "error: MalformedPolicyDocument: `bad.json` (PolicyInputList.1): Syntax errors in policy. (line 2 column 34): the document is not JSON: Expected comma",
        ],
    );
    let run = dir.run(&["validate", "-t", "identity", "bad.json"])?;
    assert_has(&run, &["(line 2 column 34)"]);
    Ok(())
}

#[test]
fn validate_reports_a_type_mismatch_once() -> Result {
    let dir = ecs_dir()?;
    let run = dir.run(&["validate", "-t", "trust", "AmazonECS_FullAccess.json"])?;
    assert_eq!(exit_code(&run), "exit code: 1", "{run}");
    assert_has(
        &run,
        &[
            "did you mean `-t identity`?",
            "more errors, which follow from the type, are not shown",
        ],
    );
    assert_eq!(run.matches("error:").count(), 1, "{run}");
    let run = dir.run(&["validate", "-t", "identity", "ecs-tasks-trust.json"])?;
    assert_has(&run, &["did you mean `-t trust`?"]);
    let run = dir.run(&[
        "validate",
        "-t",
        "trust",
        "-o",
        "json",
        "AmazonECS_FullAccess.json",
    ])?;
    let files: serde_json::Value = serde_json::from_str(
        run.split("--- stdout\n")
            .nth(1)
            .unwrap_or_default()
            .split("--- stderr")
            .next()
            .unwrap_or_default(),
    )?;
    assert!(
        files[0]["type_mismatch"]
            .as_str()
            .unwrap_or_default()
            .contains("`-t identity`"),
        "{run}"
    );
    // A valid document of the right type has no such line.
    let run = dir.run(&["validate", "-t", "trust", "ecs-tasks-trust.json"])?;
    assert!(!run.contains("did you mean"), "{run}");
    Ok(())
}

// ---- set-up traps ----

#[test]
fn read_commands_do_not_create_a_store_at_a_mistyped_path() -> Result {
    let dir = Dir::new()?;
    for args in [
        &["account", "show", "--database", "typo/account.db"][..],
        &["account", "export", "--database", "typo/account.db"][..],
        &[
            "simulate",
            "--principal",
            "arn:aws:iam::123456789012:user/admin",
            "--action",
            "iam:GetRole",
            "--database",
            "typo/account.db",
        ][..],
    ] {
        let run = dir.run(args)?;
        assert_eq!(exit_code(&run), "exit code: 2", "{run}");
        assert_has(
            &run,
            &[
                "error: no store at `typo/account.db`: `warden account import FILE --database typo/account.db`",
            ],
        );
        assert!(
            !dir.path().join("typo").exists(),
            "{args:?} created a store"
        );
    }
    // Import creates the store; then the read commands find it.
    dir.write(
        "details.json",
        r#"{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#,
    )?;
    let run = dir.run(&[
        "account",
        "import",
        "details.json",
        "--database",
        "typo/account.db",
    ])?;
    assert_eq!(exit_code(&run), "exit code: 0", "{run}");
    let run = dir.run(&["account", "show", "--database", "typo/account.db"])?;
    assert_has(&run, &["exit code: 0", "account:  123456789012"]);
    Ok(())
}

#[test]
fn importing_another_account_says_what_to_do() -> Result {
    let dir = Dir::new()?;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/account-authorization-details.json");
    let examples = examples.to_str().unwrap_or_default();
    dir.write("mine.json", r#"{"UserDetailList": [{"UserName": "u", "Path": "/", "UserId": "AIDAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::123456789012:user/u", "CreateDate": "2024-01-01T00:00:00Z"}], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#)?;
    let run = dir.run(&["account", "import", "mine.json", "--database", "a.db"])?;
    assert_eq!(exit_code(&run), "exit code: 0", "{run}");
    let run = dir.run(&["account", "import", examples, "--database", "a.db"])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    assert_has(
        &run,
        &[
            "import into an empty store (a new path: `warden account import FILE --database 111122223333.db` creates it)",
        ],
    );
    Ok(())
}

/// `warden serve` on a free port, until dropped.
struct Server {
    child: std::process::Child,
    banner: String,
    url: String,
}

impl Server {
    fn start(dir: &Dir, extra: &[&str]) -> Result<Server> {
        use std::io::BufRead;
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
            .args(["serve", "--port", "0", "--database", "account.db"])
            .args(extra)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut banner = String::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("iam list-roles") {
                break;
            }
        }
        let url = banner
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("Warden IAM and STS endpoint: "))
            .ok_or_else(|| format!("no endpoint line in {banner:?}"))?
            .to_string();
        Ok(Server { child, banner, url })
    }

    /// Sends a raw HTTP request; the whole answer.
    fn send(&self, request: &str) -> Result<String> {
        use std::io::{Read, Write};
        let address = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address)?;
        stream.write_all(request.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_banner_sets_a_region_and_says_how_to_set_a_key_on_restart() -> Result {
    let dir = Dir::new()?;
    let first = Server::start(&dir, &[])?;
    assert_has(
        &first.banner,
        &[
            "  export AWS_ACCESS_KEY_ID=AKIA",
            "  export AWS_SECRET_ACCESS_KEY=",
            "  export AWS_DEFAULT_REGION=us-east-1",
        ],
    );
    // The decision log is on by default, as text on stderr.
    first.send("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Amz-Target: Foo.Bar\r\nContent-Length: 0\r\n\r\n")?;
    drop(first);
    let log = std::fs::read_to_string(dir.path().join("server.log"))?;
    assert!(
        log.starts_with("request=") && log.contains(" status=400 error=UnsupportedService"),
        "{log}"
    );
    let again = Server::start(&dir, &[])?;
    assert_has(
        &again.banner,
        &[
            "the administrator's key was printed when the store was created; to give it a key of your own, restart with",
            "--admin-access-key-id AKIA... --admin-secret-access-key SECRET",
            "a secret of exactly 40 characters",
            "export AWS_DEFAULT_REGION=us-east-1",
        ],
    );
    assert!(
        !again.banner.contains("AWS_SECRET_ACCESS_KEY"),
        "{}",
        again.banner
    );
    Ok(())
}

#[test]
fn a_call_for_another_service_is_told_what_warden_serves_and_logged() -> Result {
    let dir = Dir::new()?;
    let server = Server::start(&dir, &["--log", "json"])?;
    let body = "{}";
    let answer = server.send(&format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\n\
         Content-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=00\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    ))?;
    assert_has(
        &answer,
        &[
            "HTTP/1.1 400",
            r#""__type":"UnsupportedService""#,
            "Warden serves IAM and STS only",
            "`ecs` (AmazonEC2ContainerServiceV20141113.ListClusters)",
        ],
    );
    drop(server);
    let log = std::fs::read_to_string(dir.path().join("server.log"))?;
    let line: serde_json::Value = serde_json::from_str(log.lines().next().unwrap_or_default())?;
    assert_eq!(line["error"], "UnsupportedService", "{log}");
    assert_eq!(line["status"], 400, "{log}");

    // --log off: nothing.
    let dir = Dir::new()?;
    let server = Server::start(&dir, &["--log", "off"])?;
    server.send("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?;
    drop(server);
    assert_eq!(std::fs::read_to_string(dir.path().join("server.log"))?, "");
    Ok(())
}

// ---- documented outputs ----

#[test]
fn policy_search_reads_names_and_descriptions_and_says_so() -> Result {
    let dir = Dir::new()?;
    let run = dir.run(&["policy", "list", "--search", "ECS"])?;
    assert_eq!(exit_code(&run), "exit code: 0", "{run}");
    assert_has(
        &run,
        &[
            "AmazonECS_FullAccess",
            // Found by their descriptions: their names do not say "ecs".
            "AmazonEC2ContainerServiceFullAccess",
            "AmazonEC2ContainerServiceforEC2Role",
            "policies whose name or description contains `ECS` (any case)",
        ],
    );
    Ok(())
}

#[test]
fn the_summary_of_a_deprecated_policy_says_so() -> Result {
    let dir = Dir::new()?;
    let run = dir.run(&["policy", "summary", "AmazonEC2ContainerServiceFullAccess"])?;
    assert_has(
        &run,
        &[
            "--- stdout\nDEPRECATED: AmazonEC2ContainerServiceFullAccess is deprecated since",
            "use AmazonECS_FullAccess",
        ],
    );
    let run = dir.run(&["policy", "summary", "AmazonECS_FullAccess"])?;
    assert!(!run.contains("DEPRECATED"), "{run}");
    Ok(())
}

#[test]
fn actions_show_of_a_pattern_points_to_expand() -> Result {
    let run = Dir::new()?.run(&["actions", "show", "ecs:*"])?;
    assert_eq!(exit_code(&run), "exit code: 2", "{run}");
    assert_has(
        &run,
        &["list the actions it covers with `warden actions expand 'ecs:*'`"],
    );
    Ok(())
}

/// The examples are the catalog versions examples/README.md says they are.
#[test]
fn the_examples_are_the_versions_their_readme_names() -> Result {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let dir = Dir::new()?;
    let readme = std::fs::read_to_string(examples.join("README.md"))?;
    for (file, policy, version) in [
        ("AmazonECS_FullAccess.json", "AmazonECS_FullAccess", "v21"),
        (
            "AmazonECS_FullAccess-v22.json",
            "AmazonECS_FullAccess",
            "v22",
        ),
        (
            "AmazonEC2ContainerServiceFullAccess.json",
            "AmazonEC2ContainerServiceFullAccess",
            "v1",
        ),
        (
            "AmazonEC2ContainerServiceforEC2Role.json",
            "AmazonEC2ContainerServiceforEC2Role",
            "v9",
        ),
    ] {
        assert!(
            readme.contains(&format!("| `{file}` | {policy} **{version}**")),
            "examples/README.md does not give {file} as {policy} {version}"
        );
        let run = dir.run(&[
            "policy",
            "get",
            policy,
            "--version-id",
            version,
            "--document",
        ])?;
        let stored = run
            .split("--- stdout\n")
            .nth(1)
            .and_then(|r| r.split("--- stderr").next())
            .unwrap_or_default();
        let stored: serde_json::Value = serde_json::from_str(stored)?;
        let shipped: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(examples.join(file))?)?;
        assert_eq!(shipped, stored, "{file} is not {policy} {version}");
    }
    // v22 is the default `--policy-arn` simulates.
    let run = dir.run(&["policy", "get", "AmazonECS_FullAccess"])?;
    assert_has(&run, &["v22 (default)"]);
    // Both trust templates are trust policies for ECS tasks.
    for file in ["ecs-tasks-trust.json", "ecs-task-execution-trust.json"] {
        let path = examples.join(file);
        let run = dir.run(&["validate", "-t", "trust", path.to_str().unwrap_or_default()])?;
        assert_has(&run, &["exit code: 0", ": valid"]);
        let text = std::fs::read_to_string(&path)?;
        assert!(text.contains("\"ecs-tasks.amazonaws.com\""), "{file}");
    }
    Ok(())
}
