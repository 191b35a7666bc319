//! `warden serve`: the IAM and STS endpoint, for awscli, boto3 and the AWS SDKs.

use crate::error::{CliError, SUCCESS};
use crate::principal::open_store;
use std::io::Write;
use std::sync::Arc;
use warden_server::bootstrap::ensure_admin;
use warden_server::server::{AppState, serve};

/// `warden serve --help`'s description.
pub const LONG_ABOUT: &str = "\
Serve IAM and STS over AWS's query protocol, so that awscli, boto3, the AWS SDKs and Terraform \
work unmodified against --endpoint-url. Requests are checked with SigV4, and every call is \
authorized by Warden's engine against the caller's policies.

On first start the store gets a user `admin` holding AdministratorAccess, and its access key is \
printed once. --admin-access-key-id and --admin-secret-access-key (or WARDEN_ADMIN_ACCESS_KEY_ID \
and WARDEN_ADMIN_SECRET_ACCESS_KEY) give the administrator a key of your choosing instead.";

/// The flags of `warden serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub address: String,
    /// The port to listen on (0: any free port, printed at start)
    #[arg(long, default_value_t = 7575, value_name = "PORT")]
    pub port: u16,
    /// The account store: a SQLite path or postgres://... [default: $WARDEN_DATABASE_URL, else
    /// the embedded store under ~/.local/share/warden]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The administrator's access key id [env: WARDEN_ADMIN_ACCESS_KEY_ID]
    #[arg(long, value_name = "AKIA...", requires = "admin_secret_access_key")]
    pub admin_access_key_id: Option<String>,
    /// The administrator's secret access key [env: WARDEN_ADMIN_SECRET_ACCESS_KEY]
    #[arg(long, value_name = "SECRET", requires = "admin_access_key_id")]
    pub admin_secret_access_key: Option<String>,
}

/// Runs `warden serve` until interrupted.
pub fn run<W: Write>(args: &ServeArgs, out: &mut W) -> Result<u8, CliError> {
    let store = open_store(args.database.as_deref())?;
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let key_id = args
        .admin_access_key_id
        .clone()
        .or_else(|| from_env("WARDEN_ADMIN_ACCESS_KEY_ID"));
    let secret = args
        .admin_secret_access_key
        .clone()
        .or_else(|| from_env("WARDEN_ADMIN_SECRET_ACCESS_KEY"));
    let given = match (&key_id, &secret) {
        (Some(id), Some(secret)) => Some((id.as_str(), secret.as_str())),
        (None, None) => None,
        _ => {
            return Err(CliError::input(
                "give both the administrator's access key id and its secret, or neither",
            ));
        }
    };
    let admin = ensure_admin(&store, given)
        .map_err(|e| CliError::input(format!("cannot set up the administrator: {e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the server runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.address.as_str(), args.port))
            .await
            .map_err(|e| {
                CliError::input(format!(
                    "cannot listen on {}:{}: {e}",
                    args.address, args.port
                ))
            })?;
        let local = listener
            .local_addr()
            .map_err(|e| CliError::input(format!("cannot read the address: {e}")))?;
        let url = format!("http://{local}");
        writeln!(out, "Warden IAM and STS endpoint: {url}")?;
        writeln!(
            out,
            "account {}, administrator {}",
            store.account_id(),
            admin.arn
        )?;
        match (&admin.access_key_id, &admin.new_secret) {
            (Some(id), Some(secret)) => {
                writeln!(out, "administrator credentials (shown once):")?;
                writeln!(out, "  export AWS_ACCESS_KEY_ID={id}")?;
                writeln!(out, "  export AWS_SECRET_ACCESS_KEY={secret}")?;
            }
            (Some(id), None) => writeln!(out, "administrator access key: {id}")?,
            _ => writeln!(
                out,
                "the administrator's key was printed when the store was created"
            )?,
        }
        writeln!(out, "  aws --endpoint-url {url} iam list-roles")?;
        out.flush()?;
        let state = Arc::new(AppState::new(store));
        tokio::select! {
            served = serve(listener, state) => served
                .map_err(|e| CliError::input(format!("the server stopped: {e}")))?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<(), CliError>(())
    })?;
    Ok(SUCCESS)
}
