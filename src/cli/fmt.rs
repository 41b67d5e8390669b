//! `docket fmt FILE...`: rewrite policies in the canonical layout, or `--check` that they are.
//! A directory stands for every `*.policy` inside it, at any depth; `-` reads standard input and
//! writes the formatted text to standard output (a filter for editors), or with `--check` the diff.

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

/// The formatted text of a policy's bytes, or the exit code once its problem is on stderr.
fn formatted(name: &str, bytes: Vec<u8>) -> Result<(docket::span::SourceFile, String), u8> {
    let (file, decode_error) = docket::source_from_bytes(name, bytes);
    match decode_error.map_or_else(|| docket::format::format(&file.text), Err) {
        Ok(f) => Ok((file, f)),
        Err(d) => {
            eprint!("{}", io::render_for_stderr(&file, &d));
            eprintln!("error: `{name}` cannot be formatted until it parses");
            Err(USAGE)
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
    let (file, formatted) = match formatted(io::STDIN_NAME, bytes) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match (check, formatted == file.text) {
        (false, _) => io::emit(formatted.as_bytes()),
        (true, true) => OK,
        (true, false) => io::emit_then(diff(io::STDIN_NAME, &file.text, &formatted).as_bytes(), PROBLEMS),
    }
}

fn one(path: &Path, check: bool) -> u8 {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read `{name}`: {}", io::io_reason(&e));
            return USAGE;
        }
    };
    let (file, formatted) = match formatted(&name, bytes) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if formatted == file.text {
        return OK;
    }
    if check {
        return io::emit_then(diff(&name, &file.text, &formatted).as_bytes(), PROBLEMS);
    }
    let tmp = path.with_extension("policy.docket-fmt");
    if let Err(e) = std::fs::write(&tmp, &formatted).and_then(|_| std::fs::rename(&tmp, path)) {
        eprintln!("error: cannot write `{name}`: {}", io::io_reason(&e));
        let _ = std::fs::remove_file(&tmp);
        return USAGE;
    }
    eprintln!("formatted {name}");
    OK
}
