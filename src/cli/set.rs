//! `docket set FILE TIMER DURATION` and `docket get FILE [TIMER]`: read and change a timer's duration
//! in place. The edit itself is `docket::edit` (pure, on text); this file reads the policy, renders
//! errors with their file:line:col, and writes the result with `io::replace_file` (atomically, keeping
//! the file's mode and links; refusing read-only files and files changed meanwhile), as `fmt` does.

use super::io::emit;
use super::{OK, PROBLEMS, USAGE, io};
use docket::edit::{self, EditError, TimerListing};
use docket::span::{SourceFile, Span};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `docket set`.
#[derive(clap::Args, Debug)]
pub struct SetArgs {
    /// Policy file, edited in place.
    pub file: PathBuf,
    /// Timer name, as declared in the `timers` block.
    pub timer: String,
    /// New duration: a number and a unit (s m h d w), or several: `7d`, `36h`, `1d12h`.
    #[arg(allow_hyphen_values = true)]
    pub duration: String,
    /// Show the line that would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Output formats of `docket get`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetFormat {
    /// The duration as written, such as `5d`.
    Text,
    /// `{"timer", "duration", "seconds", "line"}`.
    Json,
}

/// Arguments of `docket get`.
#[derive(clap::Args, Debug)]
pub struct GetArgs {
    /// Policy file.
    pub file: PathBuf,
    /// Timer name; without one, every timer is listed.
    pub timer: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GetFormat::Text)]
    pub format: GetFormat,
}

/// One timer, as `get --format json` prints it.
#[derive(Debug, Serialize)]
struct TimerJson {
    timer: String,
    /// The duration as written; null for a timer that fires at a field's time.
    duration: Option<String>,
    seconds: Option<i64>,
    /// The field a timer fires at, for a timer without a duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    line: usize,
}

/// Run `docket set`.
pub fn run_set(args: &SetArgs) -> u8 {
    let file = match read(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let duration = args.duration.trim();
    if let Err(e) = edit::parse_duration(duration) {
        return report(&file, &e, true);
    }
    let old = match edit::get_duration(&file.text, &args.timer) {
        Ok(d) => d,
        Err(e) => return report(&file, &e, true),
    };
    let edited = match edit::set_duration(&file.text, &args.timer, duration) {
        Ok(t) => t,
        Err(e) => return report(&file, &e, true),
    };
    let (line, col) = file.line_col(old.span.start);
    let place = format!("{}:{line}:{col}", file.name);
    if edited == file.text {
        // A confirmation, not output: stderr, as every verb's (stdout carries requested output only).
        eprintln!("{place}: `{}` is already {duration}; nothing changed", args.timer);
        return OK;
    }
    if args.dry_run {
        let after = SourceFile::new(file.name.clone(), edited);
        let out = format!(
            "{place}: `{}` would change from {} to {duration}\n-{}\n+{}\n",
            args.timer,
            old.duration,
            file.line_text(line),
            after.line_text(line)
        );
        return emit(out.as_bytes());
    }
    if let Err(msg) = io::replace_file(&args.file, &file.text, &edited) {
        eprintln!("{msg}");
        return USAGE;
    }
    eprintln!("{place}: `{}` changed from {} to {duration}", args.timer, old.duration);
    OK
}

/// Run `docket get`.
pub fn run_get(args: &GetArgs) -> u8 {
    let file = match read(&args.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    // A policy with errors stops `get` as it stops every verb but `check` (exit 2): a duration
    // read from a policy that does not check is not one the engine would use.
    let compiled = docket::compile_file(file.clone());
    if compiled.table.is_none() || compiled.diagnostics.iter().any(|d| d.severity == docket::diag::Severity::Error) {
        eprint!("{}", io::rendered_errors(&compiled));
        eprintln!("error: `{}` has problems; run `docket check` on it", file.name);
        return USAGE;
    }
    let Some(timer) = &args.timer else {
        return list(&file, args.format);
    };
    let d = match edit::get_duration(&file.text, timer) {
        Ok(d) => d,
        Err(e) => return report(&file, &e, false),
    };
    let out = match args.format {
        GetFormat::Text => format!("{}\n", d.duration),
        GetFormat::Json => {
            let json = TimerJson {
                timer: d.timer,
                duration: Some(d.duration),
                seconds: d.seconds,
                at: None,
                line: file.line_col(d.span.start).0,
            };
            format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default())
        }
    };
    emit(out.as_bytes())
}

/// `docket get FILE`: every timer with its duration or field.
fn list(file: &SourceFile, format: GetFormat) -> u8 {
    let timers = match edit::timers(&file.text) {
        Ok(t) => t,
        Err(e) => return report(file, &e, false),
    };
    let rows: Vec<TimerJson> = timers
        .into_iter()
        .map(|t| match t {
            TimerListing::Duration(d) => TimerJson {
                timer: d.timer,
                duration: Some(d.duration),
                seconds: d.seconds,
                at: None,
                line: file.line_col(d.span.start).0,
            },
            TimerListing::At { timer, field, span } => {
                TimerJson { timer, duration: None, seconds: None, at: Some(field), line: file.line_col(span.start).0 }
            }
        })
        .collect();
    let out = match format {
        GetFormat::Json => format!("{}\n", serde_json::to_string_pretty(&rows).unwrap_or_default()),
        GetFormat::Text => {
            let width = rows.iter().map(|r| r.timer.len()).max().unwrap_or(0);
            rows.iter()
                .map(|r| match (&r.duration, &r.at) {
                    (Some(d), _) => format!("{:width$}  {d}\n", r.timer),
                    (None, Some(f)) => format!("{:width$}  at {f}\n", r.timer),
                    (None, None) => format!("{}\n", r.timer),
                })
                .collect()
        }
    };
    emit(out.as_bytes())
}

/// Read a policy as text; errors are printed and become the exit code.
fn read(path: &Path) -> Result<SourceFile, u8> {
    let name = path.display().to_string();
    if path.is_dir() {
        eprintln!("error: `{name}` is a directory, not a policy file");
        return Err(USAGE);
    }
    let bytes = io::read_policy_bytes(path).map_err(|e| {
        eprintln!("error: cannot read `{name}`: {}", io::io_reason(&e));
        USAGE
    })?;
    let (file, decode_error) = docket::source_from_bytes(&name, bytes);
    if let Some(d) = decode_error {
        eprint!("{}", io::render_for_stderr(&file, &d));
        return Err(USAGE);
    }
    Ok(file)
}

/// Print an edit error with its location and advice; return the exit code. Mistakes in the
/// arguments and a policy that is already broken are usage errors (2); an edit that would break a
/// working policy is a problem found (1).
fn report(file: &SourceFile, e: &EditError, editing: bool) -> u8 {
    match e {
        EditError::Invalid { diagnostics } => {
            for d in diagnostics {
                eprint!("{}", io::render_for_stderr(file, d));
            }
            if editing {
                eprintln!("error: `{}` has problems, so it was not edited", file.name);
                eprintln!("  = help: run `docket check {}` and fix them first", file.name);
            } else {
                eprintln!("error: cannot read the timers of `{}`: it does not parse", file.name);
            }
            USAGE
        }
        EditError::WouldBreak { diagnostics, edited } => {
            let after = SourceFile::new(format!("{} (edited)", file.name), edited.as_str());
            for d in diagnostics {
                eprint!("{}", io::render_for_stderr(&after, d));
            }
            eprintln!("error: {e}");
            PROBLEMS
        }
        EditError::UnknownTimer { suggestion, .. } => {
            eprint!("{}", located(file, timer_name(file, suggestion.as_deref()), &e.to_string(), e.help()));
            USAGE
        }
        EditError::NotADuration { span, .. } | EditError::FromField { span, .. } => {
            eprint!("{}", located(file, Some(*span), &e.to_string(), e.help()));
            USAGE
        }
        EditError::Ambiguous { .. } => {
            eprintln!("error: {e}");
            if let Some(help) = e.help() {
                eprintln!("  = help: {help}");
            }
            USAGE
        }
        EditError::InvalidDuration { .. } => {
            eprintln!("error: {e}");
            if let Some(help) = e.help() {
                eprintln!("  = help: {help}");
            }
            USAGE
        }
    }
}

/// Where to point an unknown timer name: at the suggested timer, or else at the first timer (the
/// start of the `timers` block).
fn timer_name(file: &SourceFile, suggestion: Option<&str>) -> Option<Span> {
    let timers = edit::timers(&file.text).ok()?;
    let name_span = |t: &TimerListing| match t {
        TimerListing::Duration(d) => (d.timer.clone(), d.name_span),
        TimerListing::At { timer, span, .. } => (timer.clone(), *span),
    };
    timers
        .iter()
        .map(name_span)
        .find(|(n, _)| Some(n.as_str()) == suggestion)
        .or_else(|| timers.first().map(name_span))
        .map(|(_, s)| s)
}

/// An error in the style of `docket check`: message, file:line:col, the line and a caret, advice.
fn located(file: &SourceFile, span: Option<Span>, message: &str, help: Option<String>) -> String {
    let mut out = format!("error: {message}\n");
    match span {
        Some(span) => {
            let (line, col) = file.line_col(span.start);
            let source = file.line_text(line);
            let gutter = " ".repeat(line.to_string().len());
            let width = file.slice(span).lines().next().map_or(1, |s| s.chars().count().max(1));
            let pad: String = source.chars().take(col - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            out.push_str(&format!("{gutter}--> {}:{line}:{col}\n{gutter} |\n", file.name));
            out.push_str(&format!("{line} | {source}\n{gutter} | {pad}{}\n", "^".repeat(width)));
            if let Some(help) = help {
                out.push_str(&format!("{gutter} = help: {help}\n"));
            }
        }
        None => {
            out.push_str(&format!(" --> {}\n", file.name));
            if let Some(help) = help {
                out.push_str(&format!("  = help: {help}\n"));
            }
        }
    }
    out
}
