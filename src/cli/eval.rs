//! `docket eval POLICY EVENTS`: stream a log through the engine and report every case.

use super::{Format, OK, PROBLEMS, USAGE, io};
use crate::eval::log::LogRun;
use crate::report::{case, summary};
use chrono::{DateTime, Utc};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Arguments of `docket eval`.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Policy file.
    pub policy: PathBuf,
    /// Event log: JSON Lines (`-` reads standard input), or a `.toml` case file.
    pub events: PathBuf,
    /// Evaluate as of this instant (RFC 3339, or `now` for the clock): timers due by then fire,
    /// later events are not applied. Without it, each case is evaluated as of its latest event.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format: text or json (one object per case per line).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print only totals: for very large logs (no per-case history is kept).
    #[arg(long)]
    pub summary: bool,
}

/// Parse `--now`.
pub fn parse_now(now: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match now {
        None => Ok(None),
        Some("now") => Ok(Some(Utc::now())),
        Some(text) => crate::eval::time::parse(text).map(Some).ok_or_else(|| {
            format!("error: --now `{text}` is not an RFC 3339 time (such as 2026-03-20T00:00:00Z) or `now`")
        }),
    }
}

/// Evaluate.
pub fn run(args: &EvalArgs) -> u8 {
    let now = match parse_now(args.now.as_deref()) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    let (_, table) = match io::load_table(&args.policy) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut run = LogRun::new(&table, !args.summary, now);
    if let Err(msg) = feed(&mut run, &args.events) {
        eprintln!("{msg}");
        return USAGE;
    }
    run.finish();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if args.summary {
        write_summary(&run, args.format, &mut out)
    } else {
        write_cases(&run, args.format, &mut out)
    };
    match written.and_then(|_| out.flush()) {
        Ok(()) => {}
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return OK,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            return USAGE;
        }
    }
    let stopped = run.cases.iter().any(|c| c.stuck().is_some());
    let code = if run.rejected() > 0 || run.malformed_count > 0 || stopped { PROBLEMS } else { OK };
    // The process is about to exit and the OS takes its memory back at once; freeing a million
    // case states one by one first would cost about a tenth of the whole run.
    std::mem::forget(run);
    code
}

/// Feed a log file (or stdin) into the run, line by line.
pub fn feed(run: &mut LogRun, path: &Path) -> Result<(), String> {
    let name = path.display().to_string();
    if path.extension().is_some_and(|e| e == "toml") {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{name}`: {}", io::io_reason(&e)))?;
        return feed_toml(run, &text).map_err(|e| format!("error: `{name}`: {e}"));
    }
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not an event log"));
    }
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| format!("error: cannot read `{name}`: {}", io::io_reason(&e)))?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, file))
    };
    feed_reader(run, reader).map_err(|e| format!("error: reading `{name}`: {e}"))
}

/// Feed JSON Lines from a reader; a line that is not UTF-8 is malformed, not fatal.
pub fn feed_reader(run: &mut LogRun, mut reader: impl BufRead) -> std::io::Result<()> {
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
pub fn feed_toml(run: &mut LogRun, text: &str) -> Result<(), String> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let Some(events) = doc.get("events").and_then(toml::Value::as_array) else {
        return Err("a case file needs an `events` array of tables ([[events]])".into());
    };
    run.feed_toml_events(events);
    Ok(())
}

fn write_cases(run: &LogRun, format: Format, out: &mut impl Write) -> std::io::Result<()> {
    for m in &run.malformed {
        match format {
            Format::Json => eprintln!("log line {}: {}", m.line, m.message),
            _ => writeln!(out, "log line {}: skipped: {}", m.line, m.message)?,
        }
    }
    if format != Format::Json && !run.malformed.is_empty() {
        writeln!(out)?;
    }
    for c in &run.cases {
        let report = case::build(&run.engine, c);
        match format {
            Format::Json => writeln!(out, "{}", serde_json::to_string(&report).unwrap_or_default())?,
            _ => writeln!(out, "{}", case::render_text(&report))?,
        }
    }
    if format != Format::Json {
        writeln!(out, "{}", summary::totals_line(run))?;
    }
    Ok(())
}

fn write_summary(run: &LogRun, format: Format, out: &mut impl Write) -> std::io::Result<()> {
    let s = summary::build(run);
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&s).unwrap_or_default()),
        _ => write!(out, "{}", summary::render_text(&s)),
    }
}
