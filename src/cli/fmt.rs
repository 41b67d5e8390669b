//! `docket fmt FILE...`: rewrite policies in the canonical layout, or `--check` that they are.
//! A directory stands for every `*.policy` inside it, at any depth; `-` reads standard input and
//! writes the formatted text to standard output (a filter for editors), or with `--check` the diff.
//! Before anything is written, the output is re-read and compared with the input (same policy,
//! every comment beside the same declaration); a file is replaced as `set` replaces one
//! (`io::replace_file`: atomically, keeping its mode, following a symbolic link to its target,
//! refusing read-only and hard-linked files).

use super::{OK, PROBLEMS, USAGE, io};
use std::path::{Path, PathBuf};

/// Arguments of `docket fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Policy files to format in place; a directory for every `*.policy` inside it, `-` to read
    /// standard input and write the formatted text to standard output.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing: print a diff for each file that is not formatted and exit 1.
    #[arg(long)]
    pub check: bool,
}

/// Format or check every file.
pub fn run(args: &FmtArgs) -> u8 {
    let mut code = OK;
    let (inputs, problems) = io::policy_inputs(&args.files);
    for msg in problems {
        eprintln!("{msg}");
        code = USAGE;
    }
    for input in &inputs {
        let result = match input {
            io::PolicyInput::File(path) => one(path, args.check),
            io::PolicyInput::Stdin => stdin(args.check),
        };
        code = code.max(result);
    }
    code
}

/// The formatted text of a policy's bytes, or the exit code once its problem is on stderr. The
/// output is checked before it is given back (`docket::format::format_checked`): it must parse to
/// the same policy and keep every comment beside its declaration, or nothing is written.
fn formatted(name: &str, bytes: Vec<u8>, dir: &Path) -> Result<(docket::span::SourceFile, String), u8> {
    let (file, decode_error) = docket::source_from_bytes(name, bytes);
    if let Some(d) = decode_error {
        eprint!("{}", io::render_for_stderr(&file, &d));
        eprintln!("error: `{name}` cannot be formatted until it parses");
        return Err(PROBLEMS);
    }
    let read = |path: &str| docket::read_beside(dir, path);
    match docket::format::format_checked(&file.text, &read) {
        Ok(f) => Ok((file, f)),
        Err(docket::format::FormatError::Syntax(d)) => {
            eprint!("{}", io::render_for_stderr(&file, &d));
            eprintln!("error: `{name}` cannot be formatted until it parses");
            Err(USAGE)
        }
        Err(docket::format::FormatError::Refused(why)) => {
            // The refusal quotes a comment, which may hold control characters.
            let why = why.to_string();
            eprintln!("error: `{name}` was not formatted: {}", docket::report::terminal_safe(&why));
            eprintln!(
                "  = note: docket fmt checks its output before writing it; this is a bug in docket fmt, please report it with the file"
            );
            Err(PROBLEMS)
        }
    }
}

/// The unified diff from a file's text to its formatted text.
fn diff(name: &str, text: &str, formatted: &str) -> String {
    let diff = similar::TextDiff::from_lines(text, formatted);
    diff.unified_diff().context_radius(2).header(name, &format!("{name} (formatted)")).to_string()
}

/// `docket fmt -`: the formatted text on stdout; with `--check`, the diff, and exit 1 if any.
fn stdin(check: bool) -> u8 {
    let bytes = match io::read_stdin() {
        Ok(b) => b,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    let (file, formatted) = match formatted(io::STDIN_NAME, bytes, Path::new(".")) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match (check, formatted == file.text) {
        (false, _) => io::emit(formatted.as_bytes()),
        (true, true) => OK,
        (true, false) => io::emit_then(diff(io::STDIN_NAME, &file.text, &formatted).as_bytes(), PROBLEMS),
    }
}

/// Format one file. A file another run changed between reading and writing is read again and
/// formatted anew (a few times at most), so concurrent `fmt` runs on one file all succeed.
fn one(path: &Path, check: bool) -> u8 {
    for _ in 0..3 {
        match one_attempt(path, check) {
            Attempt::Done(code) => return code,
            Attempt::Changed(_) => {}
        }
    }
    match one_attempt(path, check) {
        Attempt::Done(code) => code,
        Attempt::Changed(msg) => {
            eprintln!("{msg}");
            USAGE
        }
    }
}

enum Attempt {
    Done(u8),
    Changed(String),
}

fn one_attempt(path: &Path, check: bool) -> Attempt {
    use Attempt::Done;
    let name = path.display().to_string();
    if path.is_dir() {
        eprintln!("error: `{name}` is a directory, not a policy file");
        return Done(USAGE);
    }
    let bytes = match io::read_policy_bytes(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read `{name}`: {}", io::io_reason(&e));
            return Done(USAGE);
        }
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (file, formatted) = match formatted(&name, bytes, &dir) {
        Ok(x) => x,
        Err(code) => return Done(code),
    };
    if formatted == file.text {
        return Done(OK);
    }
    if check {
        return Done(io::emit_then(diff(&name, &file.text, &formatted).as_bytes(), PROBLEMS));
    }
    match io::replace_file(path, &file.text, &formatted) {
        Ok(()) => {
            eprintln!("formatted {name}");
            Done(OK)
        }
        Err(io::WriteError::Changed(msg)) => Attempt::Changed(msg),
        Err(io::WriteError::Other(msg)) => {
            eprintln!("{msg}");
            Done(USAGE)
        }
    }
}
