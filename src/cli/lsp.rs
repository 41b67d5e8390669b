//! `docket lsp`: the language server over standard input and output, for editors. The protocol
//! lives in the `docket-lsp` crate (`crates/lsp`); this verb only starts it.

use super::{OK, USAGE};

/// Arguments of `docket lsp`.
#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it (VS Code's language client does); stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Serve one editor until it says `exit`.
pub fn run(_args: &LspArgs) -> u8 {
    match docket_lsp::run_stdio() {
        Ok(()) => OK,
        Err(msg) => {
            eprintln!("error: docket lsp: {msg}");
            USAGE
        }
    }
}
