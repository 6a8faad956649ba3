//! Exit codes and output helpers shared by every subcommand.

use std::fmt::Display;
use std::process::ExitCode;

/// A failed command, mapped to the CLI exit-code contract.
#[derive(Debug)]
pub enum CliError {
    /// The input is invalid for the domain (exit 1).
    Invalid(String),
    /// The command was used wrongly: bad argument combination, unreadable file (exit 2).
    Usage(String),
    /// The operation failed for another reason: network, service error (exit 1).
    Failed(anyhow::Error),
}

impl CliError {
    /// Input invalid for the domain.
    pub fn invalid(e: impl Display) -> Self {
        Self::Invalid(e.to_string())
    }

    /// Usage error.
    #[allow(dead_code)]
    pub fn usage(e: impl Display) -> Self {
        Self::Usage(e.to_string())
    }

    /// Prints the one-line reason on stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            Self::Invalid(msg) => {
                eprintln!("segur: invalid: {}", one_line(msg));
                ExitCode::from(1)
            }
            Self::Usage(msg) => {
                eprintln!("segur: usage: {}", one_line(msg));
                ExitCode::from(2)
            }
            Self::Failed(e) => {
                eprintln!("segur: error: {}", one_line(&format!("{e:#}")));
                ExitCode::from(1)
            }
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        Self::Failed(e)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prints `value` as JSON when `json` is set, else the human text.
pub fn print(
    json: bool,
    value: &serde_json::Value,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    if json {
        let s = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.into()))?;
        write_stdout(&format!("{s}\n"))
    } else {
        write_stdout(&format!("{}\n", human()))
    }
}

/// Writes `text` on stdout. A closed pipe (`segur … | head`) is not an error:
/// the reader has what it wanted, so the command still succeeds quietly
/// (`println!` would panic there).
pub fn write_stdout(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(e.into())),
    }
}
