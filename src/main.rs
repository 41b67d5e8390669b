//! The `docket` command: parse arguments, call the library, map the result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    docket::cli::run()
}
