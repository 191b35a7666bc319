//! `warden account`: the account store (embedded SQLite by default, or PostgreSQL).

use crate::error::{CliError, SUCCESS};
use crate::input::read_text;
use crate::output::write_json;
use crate::principal::{open_existing_store, open_store, store_location};
use std::io::Write;

/// `warden account ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AccountCommand {
    /// Load a real account: the JSON `aws iam get-account-authorization-details` prints
    Import {
        /// The file (path or file://PATH; `-` for standard input)
        #[arg(value_name = "FILE")]
        file: String,
        /// The account store: a SQLite path or postgres://... [default: $WARDEN_DATABASE_URL,
        /// else the embedded store under ~/.local/share/warden]
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Write the account in `aws iam get-account-authorization-details` format
    Export {
        /// The account store [default: $WARDEN_DATABASE_URL, else the embedded store]
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Show where the store is, its account id and what it holds
    Show {
        /// The account store [default: $WARDEN_DATABASE_URL, else the embedded store]
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
}

/// Runs `warden account ...`.
pub fn run<W: Write>(command: &AccountCommand, out: &mut W) -> Result<u8, CliError> {
    let fail = |e: warden_store::StoreError| CliError::input(e.to_string());
    match command {
        AccountCommand::Import { file, database } => {
            let text = read_text(file, "account file")?;
            let store = open_store(database.as_deref())?;
            let summary = store.import_authorization_details(&text).map_err(fail)?;
            writeln!(
                out,
                "imported account {}: {} users, {} groups, {} roles, {} customer managed \
                 policies, {} instance profiles",
                store.account_id(),
                summary.users,
                summary.groups,
                summary.roles,
                summary.policies,
                summary.instance_profiles
            )?;
        }
        AccountCommand::Export { database } => {
            let store = open_existing_store(database.as_deref())?;
            let details = store.export_authorization_details().map_err(fail)?;
            write_json(out, &details)?;
        }
        AccountCommand::Show { database } => {
            let location = store_location(database.as_deref());
            let store = open_existing_store(database.as_deref())?;
            let details = store.export_authorization_details().map_err(fail)?;
            let count = |key: &str| {
                details
                    .get(key)
                    .and_then(|v| v.as_array())
                    .map_or(0, Vec::len)
            };
            writeln!(out, "store:    {}", warden_store::db::redact(&location))?;
            writeln!(out, "account:  {}", store.account_id())?;
            writeln!(
                out,
                "holds:    {} users, {} groups, {} roles, {} managed policies in use",
                count("UserDetailList"),
                count("GroupDetailList"),
                count("RoleDetailList"),
                count("Policies")
            )?;
        }
    }
    Ok(SUCCESS)
}
