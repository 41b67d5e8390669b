//! `docket eval POLICY EVENTS`: stream a log through the engine and report every case.

use super::{Format, OK, USAGE, io};
use crate::eval::log::LogRun;
use crate::report::{case, summary};
use chrono::{DateTime, Utc};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Arguments of `docket eval`.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The policy, then the event log. Several versions of one policy may be given (files, a
    /// directory of them, or `REV:path` revisions): each case runs under the version in effect
    /// at its first event. The log is JSON Lines (`-` reads standard input), or a `.toml` file.
    #[arg(required = true, num_args = 2.., value_name = "POLICY... EVENTS")]
    pub paths: Vec<String>,
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
    /// Migrate open cases by this plan (a TOML file, or a directory of them; repeatable) at its
    /// instant; the versions it names must be among the policies given.
    #[arg(long, value_name = "PLAN")]
    pub migrations: Vec<PathBuf>,
    /// Event keys to accept and ignore besides each action's parameters (comma-separated or
    /// repeated). Any other key rejects its event ("unknown key `delivry_due` for `buyer open`;
    /// did you mean `delivery_due`?"), so a misspelt parameter is never applied as missing.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub allow_keys: Vec<String>,
    /// Exit 1 only for these kinds of problem (comma-separated or repeated); without it, any.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub fail_on: Vec<super::fail_on::FailOn>,
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
    let Some((events, policies)) = args.paths.split_last() else { return USAGE };
    let versions = match io::load_versions(policies) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let plans = match io::load_plans(&args.migrations, &versions) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plans = plans.iter().map(|(f, t, p)| (*f, *t, p)).collect();
    let mut run = LogRun::versioned(&versions, !args.summary, now).with_migrations(plans).allow_keys(&args.allow_keys);
    if let Err(msg) = io::feed_log(&mut run, std::path::Path::new(events)) {
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
    let code = super::fail_on::exit_code(&run, &args.fail_on);
    // The process is about to exit and the OS takes its memory back at once; freeing a million
    // case states one by one first would cost about a tenth of the whole run.
    std::mem::forget(run);
    code
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
        let report = case::build(run.engine(c), c);
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
