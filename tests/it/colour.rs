//! `--color auto|always|never` and the environment's say (`NO_COLOR`, `CLICOLOR_FORCE`): colour
//! only where it is asked for, never in a pipe by default, never in machine formats.

use std::process::Command;

const CASE: &str = "tests/cases/check/unused_role.policy";

/// Run the binary with some environment variables set (and the colour ones cleared otherwise).
fn docket(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docket"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        cmd.env_remove(var);
    }
    cmd.env("TERM", "xterm-256color");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn coloured(s: &str) -> bool {
    s.contains("\u{1b}[")
}

/// The text without its ANSI escapes.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut escape = false;
    for c in s.chars() {
        match c {
            '\u{1b}' => escape = true,
            'm' if escape => escape = false,
            _ if escape => {}
            c => out.push(c),
        }
    }
    out
}

#[test]
fn a_pipe_gets_no_colour_by_default() {
    let (out, _, code) = docket(&["check", CASE], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("warning[W002]") && !coloured(&out), "{out}");
}

#[test]
fn color_always_colours_the_same_text() {
    let (plain, _, _) = docket(&["check", CASE], &[]);
    let (out, _, code) = docket(&["check", "--color", "always", CASE], &[]);
    assert_eq!(code, 0);
    assert!(coloured(&out), "{out}");
    assert_eq!(strip(&out), plain);
    // The flag is global: before the verb too.
    let (out, _, _) = docket(&["--color", "always", "check", CASE], &[]);
    assert!(coloured(&out), "{out}");
}

#[test]
fn clicolor_force_colours_a_pipe_and_no_color_wins_over_it() {
    let (out, _, _) = docket(&["check", CASE], &[("CLICOLOR_FORCE", "1")]);
    assert!(coloured(&out), "{out}");
    let (out, _, _) = docket(&["check", CASE], &[("CLICOLOR_FORCE", "0")]);
    assert!(!coloured(&out), "{out}");
    let (out, _, _) = docket(&["check", CASE], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!coloured(&out), "{out}");
}

#[test]
fn the_flag_overrides_the_environment() {
    let (out, _, _) = docket(&["check", "--color", "never", CASE], &[("CLICOLOR_FORCE", "1")]);
    assert!(!coloured(&out), "{out}");
    let (out, _, _) = docket(&["check", "--color", "always", CASE], &[("NO_COLOR", "1")]);
    assert!(coloured(&out), "{out}");
}

#[test]
fn errors_on_stderr_are_coloured_too_and_machine_formats_never() {
    let broken = "tests/cases/check/unknown_role.policy";
    let (_, err, code) = docket(&["table", "--color", "always", broken], &[]);
    assert_eq!(code, 2);
    assert!(coloured(&err) && strip(&err).contains("error[E021]"), "{err}");
    for format in ["json", "github", "sarif"] {
        let (out, _, _) = docket(&["check", "--color", "always", "--format", format, broken], &[]);
        assert!(!coloured(&out), "{format}: {out}");
    }
}

#[test]
fn an_unknown_colour_choice_is_a_usage_error() {
    let (_, err, code) = docket(&["check", "--color", "sometimes", CASE], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("sometimes") && err.contains("auto"), "{err}");
}
