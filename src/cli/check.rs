//! `docket check FILE...`: files, directories (every `*.policy` inside, at any depth, sorted) and
//! `-` for standard input.

use super::{OK, PROBLEMS, USAGE, io};
use docket::diag::{self, Severity};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Output formats of `docket check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    /// For people: each problem with its source line and a caret, then a count.
    Text,
    /// A JSON array of located diagnostics.
    Json,
    /// GitHub Actions workflow commands: an annotation on each problem's line.
    Github,
    /// A SARIF 2.1.0 log, for GitHub code scanning (`upload-sarif`) and other tools.
    Sarif,
}

/// Check every file, print every problem, return the exit code.
pub fn run(
    files: &[PathBuf],
    format: CheckFormat,
    deny_warnings: bool,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> u8 {
    let mut code = OK;
    let mut out = String::new();
    let mut located = Vec::new();
    let (mut errors, mut warnings, mut suppressed) = (0usize, 0usize, 0usize);
    // Files that could be read; the others are reported on stderr and make the exit code 2.
    let mut checked = 0usize;
    let color = super::color::enabled(super::color::Stream::Stdout);
    // Compiled tables by policy name, to check versions of one policy against each other.
    let mut by_policy: std::collections::BTreeMap<String, Vec<(String, docket::compile::table::TransitionTable)>> =
        std::collections::BTreeMap::new();
    let (inputs, problems) = io::policy_inputs(files);
    for msg in problems {
        eprintln!("{msg}");
        code = USAGE;
    }
    for input in &inputs {
        let compiled = match io::load_input(input) {
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
            diagnostics.extend(docket::check::calendar_horizon(&compiled.file, table, now));
            diag::sort(&mut diagnostics);
        }
        // Without --now, holiday horizons (W004) are not looked for, so an allow for one is kept.
        let unchecked: &[&str] = if now.is_none() { &["W004"] } else { &[] };
        docket::check::apply_allows(&compiled.file, &mut diagnostics, unchecked);
        for d in &diagnostics {
            if d.suppressed {
                // Counted apart, shown only where a machine reads it.
                suppressed += 1;
                if matches!(format, CheckFormat::Json | CheckFormat::Sarif) {
                    located.push(diag::locate(&compiled.file, d));
                }
                continue;
            }
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            match format {
                CheckFormat::Text => {
                    let _ = writeln!(out, "{}", diag::render_text_with(&compiled.file, d, color));
                }
                CheckFormat::Github => {
                    let _ = write!(out, "{}", diag::render_github(&compiled.file, d));
                }
                CheckFormat::Json | CheckFormat::Sarif => located.push(diag::locate(&compiled.file, d)),
            }
        }
    }
    // Several files of one policy, one of them with `effective`, are versions of it.
    for (_, group) in by_policy {
        if group.len() < 2 || group.iter().all(|(_, t)| t.effective.is_none()) {
            continue;
        }
        let Err(problems) = docket::versions::Versions::assemble(group) else { continue };
        for p in problems {
            errors += 1;
            // Reported at the top of the later file, whose header clashes.
            let d = diag::LocatedDiagnostic {
                code: "E068",
                severity: Severity::Error,
                message: p.to_string(),
                file: p.file().to_string(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                help: Some("each version of a policy needs its own `version \"...\"` and `effective INSTANT`".into()),
                related: Vec::new(),
                suppressed: false,
                docs: docket::codes::reference("E068"),
            };
            match format {
                CheckFormat::Json | CheckFormat::Sarif => located.push(d),
                CheckFormat::Github => {
                    let _ = writeln!(
                        out,
                        "::error file={},line=1,title=E068::{}",
                        diag::github_property(&d.file),
                        diag::github_message(&d.message)
                    );
                }
                CheckFormat::Text => {
                    let help = d.help.as_deref().unwrap_or_default();
                    let _ = writeln!(out, "error[E068]: {}\n  --> {}:1:1\n  = help: {help}\n", d.message, d.file);
                }
            }
        }
    }
    if checked == 0 {
        // No file could be read (each said so on stderr, and the exit code is 2): a count or an
        // empty report on stdout would read as a clean result.
        return code;
    }
    match format {
        CheckFormat::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&located).unwrap_or_else(|_| "[]".into()));
        }
        CheckFormat::Sarif => out.push_str(&docket::report::sarif::render(&located)),
        CheckFormat::Text | CheckFormat::Github => {}
    }
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    if format == CheckFormat::Text {
        let files_word = if checked == 1 { "file" } else { "files" };
        let silenced = match suppressed {
            0 => String::new(),
            n => format!(" ({n} silenced by `# docket: allow`)"),
        };
        let _ = writeln!(out, "{errors} error(s), {warnings} warning(s) in {checked} {files_word}{silenced}");
    }
    io::emit_then(out.as_bytes(), if failed && code == OK { PROBLEMS } else { code })
}
