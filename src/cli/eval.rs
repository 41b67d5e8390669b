//! `docket eval POLICY EVENTS`.

use std::path::PathBuf;

/// Arguments of `docket eval`.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Policy file.
    pub policy: PathBuf,
    /// Event log (JSON Lines, `-` for stdin) or TOML case file.
    pub events: PathBuf,
}

/// Evaluate.
pub fn run(_args: &EvalArgs) -> u8 {
    super::USAGE
}
