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
    // Compiled tables by policy name, to check versions of one policy against each other.
    let mut by_policy: std::collections::BTreeMap<String, Vec<(String, crate::compile::table::TransitionTable)>> =
        std::collections::BTreeMap::new();
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
        if let Some(table) = &compiled.table {
            by_policy.entry(table.name.clone()).or_default().push((compiled.file.name.clone(), table.clone()));
        }
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
    // Several files of one policy, one of them with `effective`, are versions of it.
    for (_, group) in by_policy {
        if group.len() < 2 || group.iter().all(|(_, t)| t.effective.is_none()) {
            continue;
        }
        if let Err(problems) = crate::versions::Versions::assemble(group) {
            for p in problems {
                errors += 1;
                // Reported at the top of the later file, whose header clashes.
                let located = diag::LocatedDiagnostic {
                    code: "E068",
                    severity: Severity::Error,
                    message: p.to_string(),
                    file: p.file().to_string(),
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                    help: Some(
                        "each version of a policy needs its own `version \"...\"` and `effective INSTANT`".into(),
                    ),
                };
                match format {
                    Format::Json => json.push(located),
                    Format::Github => {
                        let _ = writeln!(out, "::error file={},line=1,title=E068::{}", located.file, located.message);
                    }
                    Format::Text => {
                        let help = located.help.as_deref().unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "error[E068]: {}\n  --> {}:1:1\n  = help: {help}\n",
                            located.message, located.file
                        );
                    }
                }
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
