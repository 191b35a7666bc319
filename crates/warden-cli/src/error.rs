//! How a command fails, and the exit code each failure maps to.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

/// Exit code: the command ran and everything passed.
pub const SUCCESS: u8 = 0;
/// Exit code: the command ran and found a failure (an invalid policy, a failed request line).
pub const FAILED: u8 = 1;
/// Exit code: the command could not run: a usage error or input it cannot read.
pub const USAGE: u8 = 2;

/// Why a command stopped before finishing.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: a flag value, an unreadable file, a request the simulator rejects (exit 2).
    Input(String),
    /// Writing the output failed (exit 1).
    Output(std::io::Error),
    /// The reader of our output went away (`warden ... | head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    /// A usage or input error.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError::Input(message.into())
    }

    /// Prints the error to stderr and gives the exit code.
    pub fn report(&self) -> ExitCode {
        let code = match self {
            CliError::Input(_) => USAGE,
            CliError::Output(_) => FAILED,
            CliError::BrokenPipe => return ExitCode::from(SUCCESS),
        };
        complain(self);
        ExitCode::from(code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) => f.write_str(m),
            CliError::Output(e) => write!(f, "cannot write the output: {e}"),
            CliError::BrokenPipe => f.write_str("the output pipe was closed"),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Output(e)
        }
    }
}

/// Prints a warning to stderr (nothing better to do if stderr is gone).
/// Quoted values are cut to a readable length.
pub fn warn(message: impl fmt::Display) {
    let message = crate::guard::shorten_quoted(&message.to_string());
    let _ = writeln!(std::io::stderr(), "warning: {message}");
}

/// Prints an error to stderr (nothing better to do if stderr is gone).
/// Quoted values are cut to a readable length.
pub fn complain(message: impl fmt::Display) {
    let message = crate::guard::shorten_quoted(&message.to_string());
    let _ = writeln!(std::io::stderr(), "error: {message}");
}
