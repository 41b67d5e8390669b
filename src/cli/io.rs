//! File access for the verbs: reading a policy, with read errors as plain messages.

use crate::Compiled;
use crate::diag::{self, Severity};
use std::path::Path;

/// Read and compile a policy; `Err` is an I/O problem already worded for the user.
pub fn load_policy(path: &Path) -> Result<Compiled, String> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not a policy file"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
    let (file, decode_error) = crate::source_from_bytes(&name, bytes);
    if let Some(d) = decode_error {
        return Ok(Compiled { file, diagnostics: vec![d], table: None });
    }
    Ok(crate::compile_file(file))
}

/// An I/O error in words, without Rust's `(os error 2)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// Load a policy for a verb that needs a table: diagnostics go to stderr, errors are fatal.
pub fn load_table(path: &Path) -> Result<(Compiled, crate::compile::table::TransitionTable), u8> {
    let mut compiled = load_policy(path).map_err(|msg| {
        eprintln!("{msg}");
        super::USAGE
    })?;
    let Some(table) = compiled.table.take() else {
        for d in compiled.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
            eprint!("{}", diag::render_text(&compiled.file, d));
        }
        eprintln!("error: `{}` has problems; run `docket check` on it", compiled.file.name);
        return Err(super::USAGE);
    };
    Ok((compiled, table))
}

/// Write a verb's whole output to stdout. A reader that stops early (`| head`) is not an error;
/// any other failure to write is an I/O error (exit 2).
pub fn emit(bytes: &[u8]) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => super::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => super::OK,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            super::USAGE
        }
    }
}

/// The verb's own exit code, unless writing its output failed.
pub fn emit_then(bytes: &[u8], code: u8) -> u8 {
    match emit(bytes) {
        super::OK => code,
        failed => failed,
    }
}
