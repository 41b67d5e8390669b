//! When diagnostics are drawn in colour: `--color auto|always|never`, and for `auto` the
//! conventions terminals share: `NO_COLOR` (set and not empty: no colour, <https://no-color.org>)
//! wins over `CLICOLOR_FORCE` (set and not `0`: colour even when piped), and otherwise colour
//! only on a terminal whose `TERM` is not `dumb`. Each stream is judged on its own, so
//! `docket check ... > report.txt` writes plain text while errors on stderr stay coloured.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// The `--color` choice.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE=1` colours a pipe too.
    #[default]
    Auto,
    /// Always colour, whatever the environment says.
    Always,
    /// Never colour.
    Never,
}

/// The choice made on the command line, set once at start-up.
static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Record the command line's choice.
pub fn set(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

/// The standard streams a verb writes diagnostics to.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Whether diagnostics written to `stream` are drawn in colour.
pub fn enabled(stream: Stream) -> bool {
    let terminal = match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    };
    let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    decide(
        CHOICE.get().copied().unwrap_or_default(),
        &Env { no_color: var("NO_COLOR"), force: var("CLICOLOR_FORCE"), term: var("TERM") },
        terminal,
    )
}

/// The environment variables that bear on colour.
#[derive(Debug, Default)]
struct Env {
    no_color: Option<String>,
    force: Option<String>,
    term: Option<String>,
}

/// The decision, pure: the choice, the environment and whether the stream is a terminal.
fn decide(choice: ColorChoice, env: &Env, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env.no_color.as_deref().is_some_and(|v| !v.is_empty()) {
                false
            } else if env.force.as_deref().is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                terminal && env.term.as_deref() != Some("dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, force: Option<&str>, term: Option<&str>) -> Env {
        Env { no_color: no_color.map(Into::into), force: force.map(Into::into), term: term.map(Into::into) }
    }

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(decide(ColorChoice::Auto, &env(None, None, Some("xterm")), true));
        assert!(decide(ColorChoice::Auto, &env(None, None, None), true));
        assert!(!decide(ColorChoice::Auto, &env(None, None, Some("xterm")), false));
        assert!(!decide(ColorChoice::Auto, &env(None, None, Some("dumb")), true));
    }

    #[test]
    fn no_color_wins_over_clicolor_force_and_an_empty_value_counts_as_unset() {
        assert!(!decide(ColorChoice::Auto, &env(Some("1"), None, None), true));
        assert!(!decide(ColorChoice::Auto, &env(Some("1"), Some("1"), None), false));
        assert!(decide(ColorChoice::Auto, &env(Some(""), None, None), true));
        assert!(decide(ColorChoice::Auto, &env(None, Some("1"), None), false));
        assert!(decide(ColorChoice::Auto, &env(None, Some("1"), Some("dumb")), false));
        assert!(!decide(ColorChoice::Auto, &env(None, Some("0"), None), false));
        assert!(!decide(ColorChoice::Auto, &env(None, Some(""), None), false));
    }

    #[test]
    fn the_flag_overrides_the_environment() {
        assert!(decide(ColorChoice::Always, &env(Some("1"), None, Some("dumb")), false));
        assert!(!decide(ColorChoice::Never, &env(None, Some("1"), None), true));
    }
}
