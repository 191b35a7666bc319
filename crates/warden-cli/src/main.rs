//! The `warden` command: simulate and validate AWS IAM policies offline.
//!
//! Thin on purpose: each subcommand lives in its own file and every decision comes from
//! `warden-core`, the same evaluator the server uses.

mod account;
mod analyze;
mod bulk;
mod catalog;
mod ecs;
mod error;
mod guard;
mod input;
mod output;
mod principal;
mod serve;
mod simulate;
mod validate;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use error::CliError;
use std::io::Write;
use std::process::ExitCode;

const ABOUT: &str = "Simulate and validate AWS IAM policies offline, as AWS evaluates them";

const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nAn offline, AWS-faithful IAM policy engine: the decisions and messages of AWS's policy \
     simulator and validator,\nwith no AWS account and no network."
);

/// `--version`: Warden's version, then where each built-in catalog came from.
fn long_version() -> String {
    let mut text = LONG_VERSION.to_string();
    text.push_str("\nBuilt-in catalogs:");
    for source in warden_catalog::sources() {
        text.push_str(&format!(
            "\n  {:<17} {} {} (data of {}, {})",
            source.catalog, source.source, source.version, source.updated, source.license
        ));
    }
    text
}

const AFTER_HELP: &str = "\
Examples:
  warden simulate --policy ecs.json --action iam:PassRole \\
      --resource arn:aws:iam::123456789012:role/task --context iam:PassedToService=ecs-tasks.amazonaws.com
  warden simulate --cli-input-json file://request.json
  warden simulate --policy ecs.json --requests requests.jsonl
  warden validate --policy-type trust trust.json
  warden simulate --policy-arn AmazonECS_FullAccess --action iam:PassRole \\
      --resource arn:aws:iam::123456789012:role/task --context iam:PassedToService=ec2.amazonaws.com
  warden ecs check --account examples/account-authorization-details.json \\
      --principal arn:aws:iam::111122223333:user/ci/ci-deployer \\
      --task-definition examples/ecs/task-definition.json --launch examples/ecs/run-task.json
  warden actions expand 'ec2:Describe*'
  warden actions show ecs:RunTask
  warden policy list --deprecated
  warden policy get AmazonEC2ContainerServiceforEC2Role
  warden policy summary AmazonECS_FullAccess

Exit codes: 0 success; 1 a policy is invalid or a --requests line failed; 2 usage or input error.";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "warden",
    version,
    about = ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide requests against policies, as `aws iam simulate-custom-policy` does
    #[command(
        long_about = simulate::LONG_ABOUT,
        after_help = simulate::AFTER_HELP
    )]
    Simulate(Box<simulate::SimulateArgs>),
    /// Check policy documents as IAM and AWS Organizations do when they are created
    #[command(long_about = validate::LONG_ABOUT, after_help = validate::AFTER_HELP)]
    Validate(validate::ValidateArgs),
    /// Look up AWS's actions: what a pattern covers, what one action needs
    #[command(subcommand)]
    Actions(catalog::ActionsCommand),
    /// Look up AWS managed policies and summarize policies by access level
    #[command(subcommand)]
    Policy(catalog::PolicyCommand),
    /// Amazon ECS: check a task definition and its deployment against the account
    #[command(subcommand)]
    Ecs(ecs::EcsCommand),
    /// The account store: import a real account, export it, show it
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// IAM Access Analyzer's policy checks, offline: validate-policy and the custom checks
    #[command(subcommand, long_about = analyze::LONG_ABOUT)]
    Analyze(analyze::AnalyzeCommand),
    /// Serve IAM and STS over AWS's protocol, for awscli, boto3 and the SDKs
    #[command(long_about = serve::LONG_ABOUT)]
    Serve(serve::ServeArgs),
}

/// mimalloc: the endpoint's threads allocate and free per request, where glibc's allocator
/// spent a tenth of the server's time (docs/server.md, "Load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let parsed = Cli::command()
        .long_version(long_version())
        .try_get_matches()
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed {
        Ok(cli) => cli,
        // clap prints help and version (exit 0) and usage errors (exit 2) itself.
        Err(e) => e.exit(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(&args, &mut out),
        Command::Validate(args) => validate::run(&args, &mut out),
        Command::Actions(command) => catalog::run_actions(&command, &mut out),
        Command::Policy(command) => catalog::run_policy(&command, &mut out),
        Command::Ecs(command) => ecs::run(&command, &mut out),
        Command::Account(command) => account::run(&command, &mut out),
        Command::Analyze(command) => analyze::run(&command, &mut out),
        Command::Serve(args) => serve::run(&args, &mut out),
    };
    let result = result.and_then(|code| {
        out.flush().map_err(CliError::from)?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Flush what was written before the error; a failure here changes nothing.
            let _ = out.flush();
            e.report()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks (unique names, valid defaults) over every subcommand.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().long_version(long_version()).debug_assert();
    }
}
