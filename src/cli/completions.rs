//! `docket completions SHELL` and `docket man [VERB]`: shell completion scripts (clap_complete) and
//! roff manual pages (clap_mangen), both generated from the same clap definitions as `--help`, so
//! they never fall out of date. Also the one helper the new verbs share for writing to stdout.

use super::io::emit;
use super::{Cli, USAGE};
use clap::CommandFactory;
use clap_complete::Shell;

/// Arguments of `docket completions`.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `docket man`.
#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// A verb, for its own page (`docket-set(1)`); without one, the page for `docket(1)`.
    pub verb: Option<String>,
}

/// Print the completion script for a shell.
pub fn run_completions(args: &CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    // Generated into memory first: clap_complete panics if its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "docket", &mut script);
    emit(&script)
}

/// Print the man page of `docket` or of one of its verbs.
pub fn run_man(args: &ManArgs) -> u8 {
    let mut cmd = Cli::command();
    // Building names the verbs `docket-set` and so on, which become the pages' titles.
    cmd.build();
    let page = match &args.verb {
        None => cmd,
        Some(verb) => match cmd.find_subcommand(verb) {
            Some(sub) => sub.clone(),
            None => {
                let verbs: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).filter(|n| *n != "help").collect();
                eprintln!("error: there is no verb `{verb}`");
                let help = docket::diag::suggest(verb, verbs.iter().copied())
                    .unwrap_or_else(|| format!("the verbs are {}", verbs.join(", ")));
                eprintln!("  = help: {help}");
                return USAGE;
            }
        },
    };
    let mut roff = Vec::new();
    // Without a source the page footer of a verb would read "set " (verbs carry no version).
    let man = clap_mangen::Man::new(page).source(format!("docket {}", env!("CARGO_PKG_VERSION")));
    if let Err(e) = man.render(&mut roff) {
        eprintln!("error: cannot render the man page: {e}");
        return USAGE;
    }
    emit(&roff)
}
