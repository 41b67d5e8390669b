//! File access for the verbs: reading a policy, with read errors as plain messages.

use crate::Compiled;
use crate::diag::{self, Severity};
use crate::eval::log::EventSink;
use std::io::BufRead;
use std::path::Path;

/// Read and compile a policy; `Err` is an I/O problem already worded for the user.
pub fn load_policy(path: &Path) -> Result<Compiled, String> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not a policy file"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
    Ok(crate::compile_bytes(&name, bytes))
}

/// The errors of a policy that did not compile, rendered for stderr.
pub fn rendered_errors(compiled: &Compiled) -> String {
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| diag::render_text(&compiled.file, d))
        .collect()
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
        eprint!("{}", rendered_errors(&compiled));
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

/// Feed an event log into a run (or a replay): JSON Lines from a file or `-` for stdin, read line
/// by line, or a `.toml` case file.
pub fn feed_log(run: &mut impl EventSink, path: &Path) -> Result<(), String> {
    let name = path.display().to_string();
    if path.extension().is_some_and(|e| e == "toml") {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
        return feed_toml(run, &text).map_err(|e| format!("error: `{name}`: {e}"));
    }
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not an event log"));
    }
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, file))
    };
    feed_reader(run, reader).map_err(|e| format!("error: reading `{name}`: {e}"))
}

/// Feed JSON Lines from a reader; a line that is not UTF-8 is malformed, not fatal.
fn feed_reader(run: &mut impl EventSink, mut reader: impl BufRead) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    let mut line = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line += 1;
        match std::str::from_utf8(&buf) {
            Ok(text) => run.feed_line(text, line),
            Err(_) => run.malformed(line, "the line is not valid UTF-8".into()),
        }
    }
}

/// Feed a TOML case file: `[[events]]` tables, each an event; the index stands for the line.
fn feed_toml(run: &mut impl EventSink, text: &str) -> Result<(), String> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let Some(events) = doc.get("events").and_then(toml::Value::as_array) else {
        return Err("a case file needs an `events` array of tables ([[events]])".into());
    };
    run.feed_toml_events(events);
    Ok(())
}
