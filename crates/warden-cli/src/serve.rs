//! `warden serve`: the IAM and STS endpoint, for awscli, boto3 and the AWS SDKs.

use crate::error::{CliError, SUCCESS};
use crate::principal::open_store;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use warden_server::access_log::{AccessLog, LogFormat};
use warden_server::bootstrap::ensure_admin;
use warden_server::listener::Limits;
use warden_server::server::{AppState, serve_with};

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
    /// The administrator's access key id: AKIA and 16 upper-case letters or digits; added to
    /// the administrator's keys (at most 2) [env: WARDEN_ADMIN_ACCESS_KEY_ID]
    #[arg(long, value_name = "AKIA...", requires = "admin_secret_access_key")]
    pub admin_access_key_id: Option<String>,
    /// The administrator's secret access key: exactly 40 characters
    /// [env: WARDEN_ADMIN_SECRET_ACCESS_KEY]
    #[arg(long, value_name = "SECRET", requires = "admin_access_key_id")]
    pub admin_secret_access_key: Option<String>,
    /// Seconds a client has to send a request's complete header before its connection is
    /// closed [default: 10]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub header_timeout: Option<u64>,
    /// Seconds a kept-alive connection may wait for its next request before it is closed
    /// [default: 60]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<u64>,
    /// Seconds a request's body has to arrive before the request is answered 408 [default: 30]
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub body_timeout: Option<u64>,
    /// The most connections served at once; more wait, unaccepted, until one closes
    /// [default: 512]
    #[arg(long, value_name = "N", value_parser = parse_connections)]
    pub max_connections: Option<usize>,
    /// The decision log on standard error, one line per request: request id, caller,
    /// operation, and each authorization's action, resource, decision and reason (never a
    /// parameter's value, so never a secret)
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogArg::Text)]
    pub log: LogArg,
    /// On PostgreSQL, how long this server may go without hearing from the database (its
    /// change notifications and heartbeat) before every request reads the store's generation
    /// itself: the bound on how long another server's write can stay unseen here. `250ms`,
    /// `2s`, ... up to `60s`; `0` listens for nothing and reads the generation on every
    /// request. Ignored on SQLite [default: 1s]
    #[arg(long, value_name = "DURATION", value_parser = parse_staleness)]
    pub max_staleness: Option<Duration>,
    /// How many principals' compiled policies are kept in memory, reused until the store
    /// changes; past it, an eighth of them make room. `0` keeps none [default: 4096]
    #[arg(long, value_name = "N", value_parser = parse_entries)]
    pub policy_cache_entries: Option<usize>,
}

/// The `--log` formats of `warden serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogArg {
    /// `key=value` lines.
    Text,
    /// One JSON object a line.
    Json,
    /// No log.
    Off,
}

impl LogArg {
    /// The server's format for this flag value.
    fn format(self) -> LogFormat {
        match self {
            LogArg::Text => LogFormat::Text,
            LogArg::Json => LogFormat::Json,
            LogArg::Off => LogFormat::Off,
        }
    }
}

/// The longest timeout the flags take: a day, far past any client's own.
const MAX_SECONDS: u64 = 86_400;

fn parse_seconds(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if (1..=MAX_SECONDS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of seconds from 1 to {MAX_SECONDS}"
        )),
    }
}

/// `0`, `N` (seconds), `Ns` or `Nms`, at most [`warden_store::watch::MAX_WINDOW`].
fn parse_staleness(s: &str) -> Result<Duration, String> {
    let max = warden_store::watch::MAX_WINDOW;
    let expected = || {
        format!(
            "expected a duration such as 250ms or 2s, from 0 to {} s",
            max.as_secs()
        )
    };
    let (digits, millis) = match s.strip_suffix("ms") {
        Some(digits) => (digits, true),
        None => (s.strip_suffix('s').unwrap_or(s), false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let n = digits.parse::<u64>().map_err(|_| expected())?;
    let window = if millis {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    };
    if window > max {
        return Err(expected());
    }
    Ok(window)
}

fn parse_entries(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .map_err(|_| "expected a number of entries (0 keeps none)".to_string())
}

fn parse_connections(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a number of connections, at least 1".to_string()),
    }
}

impl ServeArgs {
    /// The connection limits: the flags given, the defaults for the rest.
    pub fn limits(&self) -> Limits {
        let default = Limits::default();
        let seconds =
            |flag: Option<u64>, default: Duration| flag.map_or(default, Duration::from_secs);
        Limits {
            header_read_timeout: seconds(self.header_timeout, default.header_read_timeout),
            idle_timeout: seconds(self.idle_timeout, default.idle_timeout),
            body_read_timeout: seconds(self.body_timeout, default.body_read_timeout),
            max_connections: self.max_connections.unwrap_or(default.max_connections),
        }
    }
}

/// The region the banner's `export` lines set: awscli and the SDKs refuse to sign without one,
/// and IAM and STS answer in any.
pub const BANNER_REGION: &str = "us-east-1";

/// The credential lines of the start-up banner: the new key's `export` lines (with a region, so
/// that pasting them is enough), or, on a restart, how to set a key of one's own.
fn write_banner_credentials<W: Write>(
    out: &mut W,
    admin: &warden_server::bootstrap::Admin,
) -> std::io::Result<()> {
    match (&admin.access_key_id, &admin.new_secret) {
        (Some(id), Some(secret)) => {
            writeln!(out, "administrator credentials (shown once):")?;
            writeln!(out, "  export AWS_ACCESS_KEY_ID={id}")?;
            writeln!(out, "  export AWS_SECRET_ACCESS_KEY={secret}")?;
            writeln!(out, "  export AWS_DEFAULT_REGION={BANNER_REGION}")?;
        }
        (Some(id), None) => {
            writeln!(out, "administrator access key: {id} (the one given)")?;
            writeln!(out, "  export AWS_DEFAULT_REGION={BANNER_REGION}")?;
        }
        _ => {
            writeln!(
                out,
                "the administrator's key was printed when the store was created; to give it a \
                 key of your own, restart with"
            )?;
            writeln!(
                out,
                "  --admin-access-key-id AKIA... --admin-secret-access-key SECRET   (AKIA and 16 \
                 upper-case letters or digits; a secret of exactly 40 characters)"
            )?;
            writeln!(out, "  export AWS_DEFAULT_REGION={BANNER_REGION}")?;
        }
    }
    Ok(())
}

/// Runs `warden serve` until interrupted.
pub fn run<W: Write>(args: &ServeArgs, out: &mut W) -> Result<u8, CliError> {
    let mut store = open_store(args.database.as_deref())?;
    store.set_policy_cache_capacity(
        args.policy_cache_entries
            .unwrap_or(warden_store::DEFAULT_POLICY_CACHE_CAPACITY),
    );
    let staleness = args
        .max_staleness
        .unwrap_or(warden_store::watch::DEFAULT_WINDOW);
    let listening = !staleness.is_zero()
        && store
            .watch_changes(staleness)
            .map_err(|e| CliError::input(format!("cannot listen for changes: {e}")))?;
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
        if listening {
            writeln!(
                out,
                "listening for changes on PostgreSQL: another server's write is seen within {} ms",
                staleness.as_millis()
            )?;
        }
        write_banner_credentials(out, &admin)?;
        writeln!(out, "  aws --endpoint-url {url} iam list-roles")?;
        out.flush()?;
        let state = Arc::new(AppState::new(store).with_log(AccessLog::stderr(args.log.format())));
        tokio::select! {
            served = serve_with(listener, state, args.limits()) => served
                .map_err(|e| CliError::input(format!("the server stopped: {e}")))?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<(), CliError>(())
    })?;
    Ok(SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::{CommandFactory, Parser};

    fn parse(flags: &[&str]) -> Result<ServeArgs, clap::Error> {
        let cli = Cli::try_parse_from(["warden", "serve"].iter().chain(flags))?;
        match cli.command {
            Command::Serve(args) => Ok(args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn the_connection_flags_set_the_limits_and_default_to_the_servers() {
        assert_eq!(parse(&[]).unwrap().limits(), Limits::default());
        let args = parse(&[
            "--header-timeout",
            "5",
            "--idle-timeout",
            "120",
            "--body-timeout",
            "7",
            "--max-connections",
            "64",
        ])
        .unwrap();
        assert_eq!(
            args.limits(),
            Limits {
                header_read_timeout: Duration::from_secs(5),
                idle_timeout: Duration::from_secs(120),
                body_read_timeout: Duration::from_secs(7),
                max_connections: 64,
            }
        );
    }

    #[test]
    fn zero_or_nonsense_is_a_usage_error() {
        for flag in ["--header-timeout", "--idle-timeout", "--body-timeout"] {
            for value in ["0", "-1", "ten", "1.5", "86401", ""] {
                // `=`: a value like `-1` is otherwise taken for a flag.
                let e = parse(&[&format!("{flag}={value}")]).unwrap_err();
                assert_eq!(
                    e.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{flag} {value}"
                );
                assert!(
                    e.to_string()
                        .contains("expected a whole number of seconds from 1 to 86400"),
                    "{e}"
                );
            }
        }
        for value in ["0", "-3", "many", ""] {
            let e = parse(&[&format!("--max-connections={value}")]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{value}");
            assert!(e.to_string().contains("at least 1"), "{e}");
        }
    }

    #[test]
    fn the_staleness_window_and_the_cache_take_durations_and_counts() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.max_staleness, None);
        assert_eq!(args.policy_cache_entries, None);
        for (given, window) in [
            ("250ms", Duration::from_millis(250)),
            ("2s", Duration::from_secs(2)),
            ("3", Duration::from_secs(3)),
            ("0", Duration::ZERO),
            ("60s", Duration::from_secs(60)),
        ] {
            let args = parse(&["--max-staleness", given]).unwrap();
            assert_eq!(args.max_staleness, Some(window), "{given}");
        }
        for bad in ["61s", "1.5s", "s", "ms", "-1", "1m", ""] {
            let e = parse(&[&format!("--max-staleness={bad}")]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{bad}");
            assert!(e.to_string().contains("such as 250ms or 2s"), "{e}");
        }
        let args = parse(&["--policy-cache-entries", "20000"]).unwrap();
        assert_eq!(args.policy_cache_entries, Some(20000));
        let e = parse(&["--policy-cache-entries=-1"]).unwrap_err();
        assert!(e.to_string().contains("number of entries"), "{e}");
    }

    /// The defaults the help states are the server's.
    #[test]
    fn the_help_states_the_servers_defaults() {
        let window = warden_store::watch::DEFAULT_WINDOW.as_secs();
        assert!(
            Cli::command()
                .find_subcommand("serve")
                .and_then(|serve| serve
                    .get_arguments()
                    .find(|a| a.get_id() == "max_staleness"))
                .and_then(|a| a.get_help())
                .is_some_and(|h| h.to_string().ends_with(&format!("[default: {window}s]")))
        );
        let command = Cli::command();
        let serve = command
            .find_subcommand("serve")
            .expect("the serve subcommand");
        let help = |id: &str| {
            serve
                .get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default()
        };
        let d = Limits::default();
        for (id, default) in [
            ("header_timeout", d.header_read_timeout.as_secs()),
            ("idle_timeout", d.idle_timeout.as_secs()),
            ("body_timeout", d.body_read_timeout.as_secs()),
            ("max_connections", d.max_connections as u64),
            (
                "policy_cache_entries",
                warden_store::DEFAULT_POLICY_CACHE_CAPACITY as u64,
            ),
        ] {
            assert!(
                help(id).ends_with(&format!("[default: {default}]")),
                "{id}: {}",
                help(id)
            );
        }
    }
}
