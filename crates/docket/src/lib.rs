//! Docket: a rules engine for marketplace dispute cases.
//!
//! A policy file declares statuses, who may do what in each, named timers and automatic
//! transitions. The pipeline is `syntax` (text to AST) → `check` (every mistake, explained) →
//! `compile` (a flat transition table) → `eval` (case events to case states) → `report`.
//! The CLI in `src/cli/` is a thin layer over these.

pub mod ast;
pub mod calendar;
pub mod check;
pub mod codes;
pub mod compile;
pub mod diag;
pub mod diff;
pub mod edit;
pub mod eval;
pub mod format;
pub mod migrate;
pub mod report;
pub mod scenario;
pub mod span;
pub mod symbols;
pub mod syntax;
pub mod versions;

use diag::Diagnostic;
use span::{SourceFile, Span};

/// The result of reading, checking and compiling one policy file.
#[derive(Debug)]
pub struct Compiled {
    /// The source, for rendering diagnostics.
    pub file: SourceFile,
    /// Every problem found, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// The transition table, when there was no error.
    pub table: Option<compile::table::TransitionTable>,
}

/// Decode a policy file's bytes; invalid UTF-8 is a diagnostic pointing at the first bad byte.
pub fn source_from_bytes(name: &str, bytes: Vec<u8>) -> (SourceFile, Option<Diagnostic>) {
    match String::from_utf8(bytes) {
        // A byte-order mark is not text: dropping it keeps columns on the first line right.
        Ok(text) => (SourceFile::new(name, text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text has the same bytes up to `at`, so the offset still points right.
            let d = Diagnostic::error("E004", Span::new(at, at + 1), "the file is not valid UTF-8 text")
                .with_label("this byte cannot start a character")
                .with_help("save the policy as UTF-8");
            (SourceFile::new(name, text), Some(d))
        }
    }
}

/// Decode, parse, check and compile a policy read as bytes.
pub fn compile_bytes(name: &str, bytes: Vec<u8>) -> Compiled {
    match source_from_bytes(name, bytes) {
        (file, Some(d)) => Compiled { file, diagnostics: vec![d], table: None },
        (file, None) => compile_file(file),
    }
}

/// Decode, parse, check and compile a policy read as bytes, reading the files it names with
/// `read` (a policy from a git revision reads its holidays from that revision).
pub fn compile_bytes_with(name: &str, bytes: Vec<u8>, read: check::ReadFile) -> Compiled {
    match source_from_bytes(name, bytes) {
        (file, Some(d)) => Compiled { file, diagnostics: vec![d], table: None },
        (file, None) => compile_file_with(file, read),
    }
}

/// Parse, check and compile a policy; files it names (a calendar's holidays) are read from the
/// file system, relative to the policy's own path.
pub fn compile_file(file: SourceFile) -> Compiled {
    let dir = std::path::Path::new(&file.name).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let read = move |path: &str| read_beside(&dir, path);
    compile_file_with(file, &read)
}

/// Read a file named by a policy, relative to the policy's directory.
pub fn read_beside(dir: &std::path::Path, path: &str) -> Result<String, String> {
    let full = dir.join(path);
    std::fs::read_to_string(&full).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        format!("{reason} (looked for `{}`)", full.display())
    })
}

/// Parse, check and compile a policy, reading the files it names with `read`.
pub fn compile_file_with(file: SourceFile, read: check::ReadFile) -> Compiled {
    let ast = match syntax::parse_all(&file.text) {
        Ok(ast) => ast,
        Err(diagnostics) => return Compiled { file, diagnostics, table: None },
    };
    let outcome = check::check(&file, &ast, read);
    let table = outcome.checked.map(compile::compile);
    Compiled { file, diagnostics: outcome.diagnostics, table }
}
