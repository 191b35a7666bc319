//! `warden simulate`: AWS's `SimulateCustomPolicy`, from awscli's `--cli-input-json` or from
//! flags, through the one evaluator in `warden-core`.

use crate::error::{CliError, SUCCESS, warn};
use crate::guard::{Guard, policy_shape_findings};
use crate::input::{ContextArg, context_entries, parse_context_arg, path_of, read_text};
use crate::output::{Format, Row, Sources, write_json, write_table, write_text};
use serde::Serialize;
use std::io::Write;
use warden_core::simulate::{
    ContextEntry, EvaluationResult, SimulateCustomPolicyRequest, SimulateError,
    SimulatePolicyResponse, Simulation, simulate_custom_policy,
};
use warden_core::{Decision, EvalDecision, Explanation, Request};

/// Sets each field of a simulation request (`SimulateCustomPolicyRequest` or
/// `SimulatePrincipalPolicyRequest`: the fields share names) that a [`FlagInputs`] gives.
macro_rules! apply_flags {
    ($flags:expr, $req:expr) => {{
        let flags: $crate::simulate::FlagInputs = $flags;
        if let Some(v) = flags.policy_input_list {
            $req.policy_input_list = v;
        }
        if let Some(v) = flags.permissions_boundary_policy_input_list {
            $req.permissions_boundary_policy_input_list = v;
        }
        if flags.resource_policy.is_some() {
            $req.resource_policy = flags.resource_policy;
        }
        if let Some(v) = flags.action_names {
            $req.action_names = v;
        }
        if let Some(v) = flags.resource_arns {
            $req.resource_arns = v;
        }
        if let Some(v) = flags.context_entries {
            $req.context_entries = v;
        }
        if flags.caller_arn.is_some() {
            $req.caller_arn = flags.caller_arn;
        }
        if flags.resource_owner.is_some() {
            $req.resource_owner = flags.resource_owner;
        }
    }};
}
pub(crate) use apply_flags;

/// `warden simulate --help`'s description.
pub const LONG_ABOUT: &str = "\
Decide requests against policies, as `aws iam simulate-custom-policy` does, offline.

Give the request as awscli does (--cli-input-json, printing AWS's response JSON), or with flags \
(printing an explanation of each decision). Flags given with --cli-input-json replace the \
matching keys of the JSON, as awscli's do. Both build the same SimulateCustomPolicy request and \
run the same evaluator.

Policy files may be given as plain paths or with awscli's file:// prefix.";

/// `warden simulate --help`'s examples.
pub const AFTER_HELP: &str = "\
Examples:
  warden simulate --policy AmazonECS_FullAccess.json --action iam:PassRole \\
      --resource arn:aws:iam::123456789012:role/ecsTaskRole \\
      --context iam:PassedToService=ecs-tasks.amazonaws.com
  warden simulate --cli-input-json file://request.json
  warden simulate --cli-input-json file://request.json --output table
  warden simulate --policy ecs.json --scp root.json --scp ou.json,deny-regions.json --action ec2:RunInstances
  warden simulate --policy ecs.json --requests requests.jsonl

Exit codes: 0 the simulation ran (whatever the decisions); 1 a --requests line failed;
2 usage or input error (bad flag, unreadable file, bad JSON, a request AWS would reject).";

/// The flags of `warden simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// AWS's SimulateCustomPolicy request as JSON text, or file://PATH (the shape of
    /// `aws iam simulate-custom-policy --generate-cli-skeleton`, plus Warden's
    /// ServiceControlPolicies, ResourceControlPolicies and SessionPolicy)
    #[arg(long, value_name = "JSON|file://PATH")]
    pub cli_input_json: Option<String>,

    /// An identity-based policy (repeatable) [PolicyInputList]
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<String>,

    /// An AWS managed policy, by name or ARN, as an identity-based policy (repeatable; after
    /// the --policy files) [PolicyInputList]
    #[arg(long = "policy-arn", value_name = "NAME|ARN")]
    pub policy_arns: Vec<String>,

    /// An AWS managed policy, by name or ARN, as a permissions boundary (repeatable; after the
    /// --boundary files) [PermissionsBoundaryPolicyInputList]
    #[arg(long = "boundary-arn", value_name = "NAME|ARN")]
    pub boundary_arns: Vec<String>,

    /// A permissions boundary policy (repeatable) [PermissionsBoundaryPolicyInputList]
    #[arg(long = "boundary", value_name = "FILE")]
    pub boundaries: Vec<String>,

    /// The resource-based policy of the resources, or the role's trust policy [ResourcePolicy]
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<String>,

    /// A session policy, as passed to sts:AssumeRole [SessionPolicy]
    #[arg(long, value_name = "FILE")]
    pub session_policy: Option<String>,

    /// One level of service control policies, comma-separated; repeat from the organization
    /// root down to the account: every level must allow [ServiceControlPolicies]
    #[arg(long = "scp", value_name = "FILE[,FILE...]")]
    pub scps: Vec<String>,

    /// One level of resource control policies, comma-separated; repeat from the root down
    /// [ResourceControlPolicies]
    #[arg(long = "rcp", value_name = "FILE[,FILE...]")]
    pub rcps: Vec<String>,

    /// An action to decide, e.g. s3:GetObject (repeatable) [ActionNames]
    #[arg(
        long = "action",
        value_name = "ACTION",
        required_unless_present_any = ["cli_input_json", "requests"],
        conflicts_with = "requests"
    )]
    pub actions: Vec<String>,

    /// A resource ARN (repeatable; default `*`) [ResourceArns]
    #[arg(long = "resource", value_name = "ARN", conflicts_with = "requests")]
    pub resources: Vec<String>,

    /// A context key and value, e.g. iam:PassedToService=ecs-tasks.amazonaws.com (repeatable)
    /// [ContextEntries]
    ///
    /// Repeating a key makes it multivalued (a ...List type): --context aws:TagKeys=a --context
    /// aws:TagKeys=b. An optional type follows the key: string (the default), numeric, boolean,
    /// ip, binary, date, or their ...List forms, e.g. aws:SourceIp:ip=10.0.0.1 or
    /// aws:TagKeys:stringList=a. Values are never split on commas.
    #[arg(long = "context", value_name = "KEY[:TYPE]=VALUE", value_parser = parse_context_arg)]
    pub context: Vec<ContextArg>,

    /// Who asks: a user, role or role session ARN, or a service principal such as
    /// ecs-tasks.amazonaws.com [CallerArn]
    #[arg(long, value_name = "ARN")]
    pub caller: Option<String>,

    /// The account that owns the resources: an account id or arn:aws:iam::ID:root
    /// [ResourceOwner]
    #[arg(long, value_name = "ACCOUNT")]
    pub resource_owner: Option<String>,

    /// Decide many requests: a JSON Lines file (`-` for standard input), one request a line;
    /// prints one JSON decision a line
    ///
    /// Each line: {"principal": ARN?, "action": "...", "resource": ARN?, "context": {KEY: VALUE
    /// or [VALUES]}?}. The policies are compiled once; --caller and --context are defaults a
    /// line may override. Each output line: {"line", "action", "resource", "principal",
    /// "decision", "reason", "matched": [...], "missing_context": [...]}, or {"line", "error"}
    /// for a line that cannot be read (the others go on, and the exit code is 1).
    #[arg(long, value_name = "FILE")]
    pub requests: Option<String>,

    /// Simulate the policies of a user, group, role or role session in the account store, as
    /// `aws iam simulate-principal-policy --policy-source-arn` does [PolicySourceArn]
    #[arg(long, value_name = "ARN", conflicts_with_all = ["requests", "scps", "rcps", "session_policy"])]
    pub principal: Option<String>,

    /// The account store for --principal: a SQLite path or postgres://... [default:
    /// $WARDEN_DATABASE_URL, else the embedded store under ~/.local/share/warden]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,

    /// Make the guard rails' warnings errors (exit 2): unknown actions and services, resource
    /// ARNs that are malformed or of no resource type the action acts on, a trust policy given
    /// as --policy or an identity-based policy as --resource-policy
    #[arg(long)]
    pub strict: bool,

    /// Output format [default: text; json with --cli-input-json]
    #[arg(
        long,
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        conflicts_with = "requests"
    )]
    pub output: Option<Format>,
}

/// Runs `warden simulate`.
pub fn run<W: Write>(args: &SimulateArgs, out: &mut W) -> Result<u8, CliError> {
    if crate::principal::wanted(args)? {
        return crate::principal::run(args, out);
    }
    let (req, sources) = build_request(args)?;
    if req.policy_input_list.is_empty() && req.resource_policy.is_none() {
        return Err(CliError::input(
            "no policy to simulate: give at least one --policy, --policy-arn or \
             --resource-policy (PolicyInputList or ResourcePolicy in --cli-input-json)",
        ));
    }
    let mut guard = Guard::new(args.strict);
    if let Some(requests) = &args.requests {
        if !req.action_names.is_empty() || !req.resource_arns.is_empty() {
            warn("ActionNames and ResourceArns of --cli-input-json are ignored with --requests");
        }
        guard.report(policy_shape_findings(&req, &sources))?;
        return crate::bulk::run(&req, &sources, requests, &mut guard, out);
    }
    if req.action_names.is_empty() {
        return Err(CliError::input(
            "no action to simulate: give --action (or ActionNames in --cli-input-json)",
        ));
    }
    guard.check_request(&req, &sources)?;
    let format = args.output.unwrap_or(match args.cli_input_json {
        Some(_) => Format::Json,
        None => Format::Text,
    });
    let response = simulate_all(&req).map_err(|e| simulate_error(&e, &sources))?;
    // The explanation (statement index, Sid, reason, near misses, fix) is not in AWS's
    // response: ask the same evaluator for the full decision of each result.
    let sim = Simulation::prepare(&req).map_err(|e| simulate_error(&e, &sources))?;
    render(format, &response, &sim, &sources, out)?;
    Ok(SUCCESS)
}

/// Writes a response as text or a table, with each decision's explanation from `sim`.
pub fn render<W: Write>(
    format: Format,
    response: &SimulatePolicyResponse,
    sim: &Simulation,
    sources: &Sources,
    out: &mut W,
) -> Result<(), CliError> {
    let requests: Vec<Request> = response
        .evaluation_results
        .iter()
        .map(|r| sim.request(&r.eval_action_name, &r.eval_resource_name))
        .collect();
    let decisions: Vec<Decision> = requests
        .iter()
        .map(|r| sim.policy_set().authorize(r))
        .collect();
    // Near misses and fixes, for the denials only.
    let explanations: Vec<Option<Explanation>> = requests
        .iter()
        .zip(&decisions)
        .map(|(r, d)| (d.decision != EvalDecision::Allowed).then(|| sim.policy_set().explain(r)))
        .collect();
    if format == Format::Json {
        write_json(out, &ExplainedResponse::new(response, &explanations))?;
        return Ok(());
    }
    let rows: Vec<Row<'_>> = response
        .evaluation_results
        .iter()
        .zip(&decisions)
        .zip(&explanations)
        .map(|((result, decision), explanation)| Row {
            result,
            decision,
            explanation: explanation.as_ref(),
        })
        .collect();
    match format {
        Format::Table => write_table(out, &rows, sources)?,
        _ => write_text(out, &rows, sources)?,
    }
    if let (true, Some(marker)) = (response.is_truncated, &response.marker) {
        writeln!(
            out,
            "\n(more results: set \"Marker\": \"{marker}\" to see the next page)"
        )?;
    }
    Ok(())
}

/// Builds the `SimulateCustomPolicy` request: `--cli-input-json` first, then every flag given
/// replaces its key, as awscli does. Also returns which file each policy came from.
pub fn build_request(
    args: &SimulateArgs,
) -> Result<(SimulateCustomPolicyRequest, Sources), CliError> {
    let mut req = match &args.cli_input_json {
        Some(arg) => parse_cli_input_json(arg)?,
        None => SimulateCustomPolicyRequest::default(),
    };
    let mut sources = Sources::default();
    let mut flags = FlagInputs::read(args, &mut sources)?;
    if flags.session_policy.is_some() {
        req.session_policy = flags.session_policy.take();
    }
    if let Some(levels) = flags.service_control_policies.take() {
        req.service_control_policies = levels;
    }
    if let Some(levels) = flags.resource_control_policies.take() {
        req.resource_control_policies = levels;
    }
    apply_flags!(flags, req);
    Ok((req, sources))
}

/// What the flags of `warden simulate` give, each `None` when its flag is absent (the
/// `--cli-input-json` request's value then stands). `--principal` takes all but the session
/// policy, SCPs and RCPs, which SimulatePrincipalPolicy has not.
pub struct FlagInputs {
    pub policy_input_list: Option<Vec<String>>,
    pub permissions_boundary_policy_input_list: Option<Vec<String>>,
    pub resource_policy: Option<String>,
    pub session_policy: Option<String>,
    pub service_control_policies: Option<Vec<Vec<String>>>,
    pub resource_control_policies: Option<Vec<Vec<String>>>,
    pub action_names: Option<Vec<String>>,
    pub resource_arns: Option<Vec<String>>,
    pub context_entries: Option<Vec<ContextEntry>>,
    pub caller_arn: Option<String>,
    pub resource_owner: Option<String>,
}

impl FlagInputs {
    /// Reads the flags' policies (standard input at most once in all), recording in `sources`
    /// where each came from.
    pub fn read(args: &SimulateArgs, sources: &mut Sources) -> Result<FlagInputs, CliError> {
        let stdin_readers = args
            .policies
            .iter()
            .chain(&args.boundaries)
            .chain(&args.resource_policy)
            .chain(&args.session_policy)
            .chain(&args.requests)
            .filter(|a| path_of(a) == "-")
            .count()
            + args
                .scps
                .iter()
                .chain(&args.rcps)
                .flat_map(|a| a.split(','))
                .filter(|f| f.trim() == "-")
                .count();
        if stdin_readers > 1 {
            return Err(CliError::input(
                "standard input (`-`) can be read only once: name files for the others",
            ));
        }
        let mut flags = FlagInputs {
            policy_input_list: None,
            permissions_boundary_policy_input_list: None,
            resource_policy: None,
            session_policy: None,
            service_control_policies: None,
            resource_control_policies: None,
            action_names: (!args.actions.is_empty()).then(|| args.actions.clone()),
            resource_arns: (!args.resources.is_empty()).then(|| args.resources.clone()),
            context_entries: None,
            caller_arn: args.caller.clone(),
            resource_owner: args.resource_owner.clone(),
        };
        if !args.policies.is_empty() || !args.policy_arns.is_empty() {
            let key = "PolicyInputList";
            let mut list = read_list(&args.policies, key, sources)?;
            add_managed(&mut list, &args.policy_arns, key, sources)?;
            flags.policy_input_list = Some(list);
        }
        if !args.boundaries.is_empty() || !args.boundary_arns.is_empty() {
            let key = "PermissionsBoundaryPolicyInputList";
            let mut list = read_list(&args.boundaries, key, sources)?;
            add_managed(&mut list, &args.boundary_arns, key, sources)?;
            flags.permissions_boundary_policy_input_list = Some(list);
        }
        if let Some(arg) = &args.resource_policy {
            flags.resource_policy = Some(read_policy(arg, "ResourcePolicy".into(), sources)?);
        }
        if let Some(arg) = &args.session_policy {
            flags.session_policy = Some(read_policy(arg, "SessionPolicy".into(), sources)?);
        }
        if !args.scps.is_empty() {
            let levels = read_levels(&args.scps, "--scp", "ServiceControlPolicies", sources)?;
            flags.service_control_policies = Some(levels);
        }
        if !args.rcps.is_empty() {
            let levels = read_levels(&args.rcps, "--rcp", "ResourceControlPolicies", sources)?;
            flags.resource_control_policies = Some(levels);
        }
        if !args.context.is_empty() {
            flags.context_entries = Some(context_entries(&args.context)?);
        }
        if flags.caller_arn.is_some() {
            sources.flag("CallerArn", "--caller");
        }
        if flags.resource_owner.is_some() {
            sources.flag("ResourceOwner", "--resource-owner");
        }
        Ok(flags)
    }
}

/// Reads `--cli-input-json`: JSON text, or `file://PATH`.
fn parse_cli_input_json(arg: &str) -> Result<SimulateCustomPolicyRequest, CliError> {
    let (text, origin) = cli_input_text(arg)?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::input(format!(
            "{origin} is not a SimulateCustomPolicy request: {e}"
        ))
    })
}

/// The text of `--cli-input-json` (inline, or read from `file://PATH`) and how to name it in
/// messages.
pub fn cli_input_text(arg: &str) -> Result<(String, String), CliError> {
    Ok(match arg.strip_prefix("file://") {
        Some(path) => (
            read_text(arg, "--cli-input-json file")?,
            format!("--cli-input-json `{path}`"),
        ),
        None => {
            if !arg.trim_start().starts_with('{') {
                let hint = if std::path::Path::new(arg).is_file() {
                    format!(" (to read the file, write `file://{arg}`)")
                } else {
                    String::new()
                };
                return Err(CliError::input(format!(
                    "--cli-input-json takes a JSON object or file://PATH, not `{arg}`{hint}"
                )));
            }
            (arg.to_string(), "--cli-input-json".to_string())
        }
    })
}

pub fn read_policy(arg: &str, id: String, sources: &mut Sources) -> Result<String, CliError> {
    let text = read_text(arg, "policy file")?;
    sources.add(id, path_of(arg));
    Ok(text)
}

pub fn read_list(
    args: &[String],
    key: &str,
    sources: &mut Sources,
) -> Result<Vec<String>, CliError> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| read_policy(arg, format!("{key}.{}", i + 1), sources))
        .collect()
}

/// Appends the default documents of the AWS managed policies `names` (names or ARNs) to `list`.
/// A deprecated policy still grants what it grants; the user hears about the deprecation.
pub fn add_managed(
    list: &mut Vec<String>,
    names: &[String],
    key: &str,
    sources: &mut Sources,
) -> Result<(), CliError> {
    for name in names {
        let policy = warden_catalog::managed()
            .lookup(name)
            .map_err(|e| CliError::input(format!("--policy-arn {name}: {e}")))?;
        if let Some(d) = &policy.deprecated {
            warn(format!(
                "{} is deprecated since {} ({}): nothing new can attach it, but where it is \
                 attached it still grants what it grants, as simulated here; AWS recommends {}",
                policy.name, d.date, d.reason, d.replacement
            ));
        }
        list.push(policy.document().to_string());
        sources.add(format!("{key}.{}", list.len()), &policy.arn());
    }
    Ok(())
}

/// Reads `--scp a.json,b.json --scp c.json`: each flag one level, from the root down.
fn read_levels(
    args: &[String],
    flag: &str,
    key: &str,
    sources: &mut Sources,
) -> Result<Vec<Vec<String>>, CliError> {
    let mut levels = Vec::with_capacity(args.len());
    for (li, arg) in args.iter().enumerate() {
        let mut level = Vec::new();
        for (pi, file) in arg.split(',').enumerate() {
            let file = file.trim();
            if file.is_empty() {
                return Err(CliError::input(format!(
                    "{flag} `{arg}` has an empty file name: give FILE[,FILE...]"
                )));
            }
            level.push(read_policy(
                file,
                format!("{key}.{}.{}", li + 1, pi + 1),
                sources,
            )?);
        }
        levels.push(level);
    }
    Ok(levels)
}

/// Runs the request with `simulate_custom_policy`. Without `MaxItems` or `Marker` every page is
/// fetched and joined, as awscli does for paginated operations.
pub fn simulate_all(
    req: &SimulateCustomPolicyRequest,
) -> Result<SimulatePolicyResponse, SimulateError> {
    if req.max_items.is_some() || req.marker.is_some() {
        return simulate_custom_policy(req);
    }
    let mut page_req = req.clone();
    page_req.max_items = Some(1000);
    let mut all = Vec::new();
    loop {
        let page = simulate_custom_policy(&page_req)?;
        let got = page.evaluation_results.len();
        all.extend(page.evaluation_results);
        match page.marker {
            Some(marker) if page.is_truncated && got > 0 => page_req.marker = Some(marker),
            _ => break,
        }
    }
    Ok(SimulatePolicyResponse {
        evaluation_results: all,
        is_truncated: false,
        marker: None,
    })
}

/// The simulator's error, with policy ids replaced by the files they came from.
pub fn simulate_error(e: &SimulateError, sources: &Sources) -> CliError {
    CliError::input(format!("{}: {}", e.code, sources.rename_error(&e.message)))
}

/// AWS's response with Warden's explanation of each denial beside it: every `EvaluationResult`
/// that is not `allowed` gains `WardenExplanation` (the engine's `Explanation`, documented in
/// docs/semantics.md, "Explanations"); everything else is AWS's shape, unchanged.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExplainedResponse<'a> {
    evaluation_results: Vec<ExplainedResult<'a>>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<&'a String>,
}

#[derive(Serialize)]
struct ExplainedResult<'a> {
    #[serde(flatten)]
    result: &'a EvaluationResult,
    #[serde(rename = "WardenExplanation", skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a Explanation>,
}

impl<'a> ExplainedResponse<'a> {
    fn new(
        response: &'a SimulatePolicyResponse,
        explanations: &'a [Option<Explanation>],
    ) -> ExplainedResponse<'a> {
        ExplainedResponse {
            evaluation_results: response
                .evaluation_results
                .iter()
                .enumerate()
                .map(|(i, result)| ExplainedResult {
                    result,
                    explanation: explanations.get(i).and_then(Option::as_ref),
                })
                .collect(),
            is_truncated: response.is_truncated,
            marker: response.marker.as_ref(),
        }
    }
}
