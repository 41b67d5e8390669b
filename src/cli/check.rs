//! `docket check FILE...`.

use super::{Format, OK, PROBLEMS, USAGE, io};
use crate::diag::{self, Severity};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Check every file, print every problem, return the exit code.
pub fn run(files: &[PathBuf], format: Format, deny_warnings: bool, now: Option<chrono::DateTime<chrono::Utc>>) -> u8 {
    let mut code = OK;
    let mut out = String::new();
    let mut json = Vec::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    // Files that could be read; the others are reported on stderr and make the exit code 2.
    let mut checked = 0usize;
    for path in files {
        let compiled = match io::load_policy(path) {
            Ok(c) => c,
            Err(msg) => {
                eprintln!("{msg}");
                code = USAGE;
                continue;
            }
        };
        checked += 1;
        let mut diagnostics = compiled.diagnostics.clone();
        if let (Some(now), Some(table)) = (now, &compiled.table) {
            diagnostics.extend(crate::check::calendar_horizon(&compiled.file, table, now));
            diag::sort(&mut diagnostics);
        }
        for d in &diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            match format {
                Format::Text => {
                    let _ = writeln!(out, "{}", diag::render_text(&compiled.file, d));
                }
                Format::Github => {
                    let _ = write!(out, "{}", diag::render_github(&compiled.file, d));
                }
                Format::Json => json.push(diag::locate(&compiled.file, d)),
            }
        }
    }
    if format == Format::Json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".into()));
    }
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    if format == Format::Text {
        let files_word = if checked == 1 { "file" } else { "files" };
        let _ = writeln!(out, "{errors} error(s), {warnings} warning(s) in {checked} {files_word}");
    }
    io::emit_then(out.as_bytes(), if failed && code == OK { PROBLEMS } else { code })
}
