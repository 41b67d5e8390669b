//! `docket fmt FILE...`: rewrite policies in the canonical layout, or `--check` that they are.

use super::{OK, PROBLEMS, USAGE, io};
use std::path::{Path, PathBuf};

/// Arguments of `docket fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Policy files to format in place.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing: print a diff for each file that is not formatted and exit 1.
    #[arg(long)]
    pub check: bool,
}

/// Format or check every file.
pub fn run(args: &FmtArgs) -> u8 {
    let mut code = OK;
    for path in &args.files {
        let result = one(path, args.check);
        code = code.max(result);
    }
    code
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
    let (file, decode_error) = crate::source_from_bytes(&name, bytes);
    let formatted = match decode_error.map_or_else(|| crate::format::format(&file.text), Err) {
        Ok(f) => f,
        Err(d) => {
            eprint!("{}", io::render_for_stderr(&file, &d));
            eprintln!("error: `{name}` cannot be formatted until it parses");
            return PROBLEMS;
        }
    };
    if formatted == file.text {
        return OK;
    }
    if check {
        let diff = similar::TextDiff::from_lines(&file.text, &formatted);
        let shown = diff.unified_diff().context_radius(2).header(&name, &format!("{name} (formatted)")).to_string();
        return io::emit_then(shown.as_bytes(), PROBLEMS);
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
