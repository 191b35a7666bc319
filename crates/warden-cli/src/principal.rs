//! `warden simulate --principal ARN`: AWS's `SimulatePrincipalPolicy` against the account
//! store, from flags or from `--cli-input-json` holding a `PolicySourceArn`.

use crate::error::{CliError, SUCCESS};
use crate::output::{Format, Sources};
use crate::simulate::{FlagInputs, SimulateArgs, apply_flags, cli_input_text, render};
use std::io::Write;
use warden_core::simulate::{SimulatePolicyResponse, paginate};
use warden_store::Store;
use warden_store::principal::SimulatePrincipalPolicyRequest;

/// Whether the arguments ask for a principal simulation: `--principal`, or a
/// `--cli-input-json` with `PolicySourceArn`.
pub fn wanted(args: &SimulateArgs) -> Result<bool, CliError> {
    if args.principal.is_some() {
        return Ok(true);
    }
    let Some(arg) = &args.cli_input_json else {
        return Ok(false);
    };
    let (text, _) = cli_input_text(arg)?;
    Ok(serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|v| v.get("PolicySourceArn").is_some()))
}

/// Where the store is: `--database`, else `$WARDEN_DATABASE_URL`, else the embedded default.
pub fn store_location(database: Option<&str>) -> String {
    match database {
        Some(url) => url.to_string(),
        None => std::env::var(warden_store::DATABASE_ENV)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| Store::default_location().to_string_lossy().into_owned()),
    }
}

/// Opens an existing store for a command that only reads it (`account show`, `simulate
/// --principal`): a mistyped path must not silently become a new, empty store. Only `serve`
/// and `account import` create stores.
pub fn open_existing_store(database: Option<&str>) -> Result<Store, CliError> {
    let location = store_location(database);
    let is_file = !(location.starts_with("postgres://")
        || location.starts_with("postgresql://")
        || location == ":memory:"
        || location == "sqlite::memory:");
    let path = location.strip_prefix("sqlite://").unwrap_or(&location);
    if is_file && !std::path::Path::new(path).exists() {
        return Err(CliError::input(format!(
            "no store at `{path}`: `warden account import FILE --database {path}` or `warden \
             serve --database {path}` creates one (check the path, --database or {})",
            warden_store::DATABASE_ENV
        )));
    }
    open_store(database)
}

/// Opens the store `--database` names, else `$WARDEN_DATABASE_URL`, else the embedded default,
/// creating it when it does not exist.
pub fn open_store(database: Option<&str>) -> Result<Store, CliError> {
    let opened = match database {
        Some(url) => Store::open(url),
        None => Store::open_default(),
    };
    opened.map_err(|e| CliError::input(format!("cannot open the account store: {e}")))
}

/// Runs `warden simulate --principal`.
pub fn run<W: Write>(args: &SimulateArgs, out: &mut W) -> Result<u8, CliError> {
    if !args.scps.is_empty() || !args.rcps.is_empty() || args.session_policy.is_some() {
        return Err(CliError::input(
            "--scp, --rcp and --session-policy are not part of SimulatePrincipalPolicy: \
             simulate them with custom policies (without --principal)",
        ));
    }
    let mut req = match &args.cli_input_json {
        Some(arg) => {
            let (text, origin) = cli_input_text(arg)?;
            serde_json::from_str::<SimulatePrincipalPolicyRequest>(&text).map_err(|e| {
                CliError::input(format!(
                    "{origin} is not a SimulatePrincipalPolicy request: {e}"
                ))
            })?
        }
        None => SimulatePrincipalPolicyRequest::default(),
    };
    let mut sources = Sources::default();
    if let Some(principal) = &args.principal {
        req.policy_source_arn = principal.clone();
    }
    // --scp, --rcp and --session-policy were refused above: what is left applies.
    let flags = FlagInputs::read(args, &mut sources)?;
    apply_flags!(flags, req);
    if req.action_names.is_empty() {
        return Err(CliError::input(
            "no action to simulate: give --action (or ActionNames in --cli-input-json)",
        ));
    }
    crate::guard::Guard::new(args.strict).report(crate::guard::request_findings(
        &req.action_names,
        &req.resource_arns,
    )?)?;
    let store = open_existing_store(args.database.as_deref())?;
    let fail = |e: warden_store::StoreError| CliError::input(e.to_string());
    let (sim, custom) = store.principal_simulation(&req).map_err(fail)?;
    let results = sim.run(&custom.action_names, &custom.resource_arns);
    let response: SimulatePolicyResponse = if req.max_items.is_some() || req.marker.is_some() {
        paginate(results, req.max_items, req.marker.as_deref())
            .map_err(|e| CliError::input(format!("{}: {}", e.code, e.message)))?
    } else {
        SimulatePolicyResponse {
            evaluation_results: results,
            is_truncated: false,
            marker: None,
        }
    };
    let format = args.output.unwrap_or(match args.cli_input_json {
        Some(_) => Format::Json,
        None => Format::Text,
    });
    render(format, &response, &sim, &sources, out)?;
    Ok(SUCCESS)
}
