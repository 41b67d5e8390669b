//! `docket eval POLICY EVENTS`: stream a log through the engine and report every case.

use super::{OK, USAGE, io};
use chrono::{DateTime, Utc};
use docket::eval::engine::{CaseState, Engine};
use docket::eval::log::LogRun;
use docket::report::select::Selection;
use docket::report::{case, csv, summary};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Output formats of `docket eval`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalFormat {
    /// For people: each case, with the totals line after them (and before, for several cases).
    Text,
    /// One JSON object per case per line (the case report).
    Json,
    /// One row per case (RFC 4180, CRLF line ends, a header row): case, status, label, outcome,
    /// amount, next_deadline, next_timer, breached and rejected (counts), policy_version.
    Csv,
}

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
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,
    /// Print only totals: for very large logs (no per-case history is kept). With filters, the
    /// totals of the cases they select.
    #[arg(long)]
    pub summary: bool,
    /// Report only this case (repeatable: any of them).
    #[arg(long = "case", value_name = "ID", help_heading = "Filters (combined with AND)")]
    pub cases: Vec<String>,
    /// Report only cases whose status is PATH or inside it: a dotted-path prefix of whole names
    /// (`dispute_open` holds `dispute_open.negotiating`; repeatable: any of them).
    #[arg(long = "status", value_name = "PATH", help_heading = "Filters (combined with AND)")]
    pub statuses: Vec<String>,
    /// Report only open cases (not in a terminal status).
    #[arg(long, help_heading = "Filters (combined with AND)")]
    pub open: bool,
    /// Report only cases with a rejected event.
    #[arg(long, help_heading = "Filters (combined with AND)")]
    pub rejected: bool,
    /// Report only cases with a breached SLA deadline.
    #[arg(long, help_heading = "Filters (combined with AND)")]
    pub breached: bool,
    /// Report only cases with a pending deadline before this instant (RFC 3339, or `now`).
    #[arg(long, value_name = "TIME", help_heading = "Filters (combined with AND)")]
    pub due_before: Option<String>,
    /// Migrate open cases by this plan (a TOML file, or a directory of them; repeatable) at its
    /// instant; the versions it names must be among the policies given.
    #[arg(long, value_name = "PLAN")]
    pub migrations: Vec<PathBuf>,
    /// Event keys to accept and ignore besides each action's parameters (comma-separated or
    /// repeated). Any other key rejects its event ("unknown key `delivry_due` for `buyer open`;
    /// did you mean `delivery_due`?"), so a misspelt parameter is never applied as missing.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub allow_keys: Vec<String>,
    /// Threads that evaluate: with 2 or more, each evaluates a share of the cases (split by a
    /// hash of the case id) while one more reads and parses the log, then as many render the
    /// per-case output in chunks of cases, written in case order; 1 does everything on one
    /// thread. The output is the same byte for byte whatever the number. Default: the
    /// machine's cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Exit 1 only for these kinds of problem (comma-separated or repeated); without it, any.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub fail_on: Vec<super::fail_on::FailOn>,
}

/// Parse `--now`.
pub fn parse_now(now: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match now {
        None => Ok(None),
        Some("now") => Ok(Some(Utc::now())),
        Some(text) => docket::eval::time::parse(text).map(Some).ok_or_else(|| {
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
    let due_before = match parse_now(args.due_before.as_deref()) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("{}", msg.replace("--now", "--due-before"));
            return USAGE;
        }
    };
    if args.summary && args.format == EvalFormat::Csv {
        eprintln!("error: --summary prints text or json; --format csv is one row per case, without --summary");
        return USAGE;
    }
    let Some((events, policies)) = args.paths.split_last() else { return USAGE };
    let versions = match io::load_versions(policies) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let selection = Selection {
        cases: args.cases.clone(),
        statuses: args.statuses.clone(),
        open: args.open,
        rejected: args.rejected,
        breached: args.breached,
        due_before,
    };
    let unknown = selection.unknown_statuses(&versions.tables);
    if !unknown.is_empty() {
        for u in unknown {
            eprintln!("error: {u}");
        }
        return USAGE;
    }
    let plans = match io::load_plans(&args.migrations, &versions) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plans = plans.iter().map(|(f, t, p)| (*f, *t, p)).collect();
    let mut run = LogRun::versioned(&versions, !args.summary, now).with_migrations(plans).allow_keys(&args.allow_keys);
    // A closed case's breaches go with its bookkeeping in a summary run; `--breached` needs them.
    if args.breached {
        run.compact_closed = false;
    }
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let run = match io::eval_log(run, std::path::Path::new(events), threads) {
        Ok(run) => run,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    for id in &selection.cases {
        if !run.cases.iter().any(|c| &*c.id == id.as_str()) {
            let help = docket::diag::suggest(id, run.cases.iter().map(|c| &*c.id))
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            eprintln!("warning: no case `{id}` in `{events}`{help}");
        }
    }
    let selection = selection.is_active().then_some(&selection);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if args.summary {
        write_summary(&run, args.format, selection, &mut out)
    } else {
        write_cases(&run, args.format, selection, threads, &mut out)
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

fn write_cases(
    run: &LogRun,
    format: EvalFormat,
    selection: Option<&Selection>,
    threads: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let shown: Vec<&CaseState> =
        run.cases.iter().filter(|c| selection.is_none_or(|s| s.keeps(run.engine(c), c))).collect();
    let text = format == EvalFormat::Text;
    let mut totals = summary::totals_line(run);
    if let Some(s) = selection {
        totals.push_str(&format!("; {} of {} cases shown ({})", shown.len(), run.cases.len(), s.describe()));
    }
    // A long report is read from the top: the totals come first too.
    if text && shown.len() > 1 {
        writeln!(out, "{totals}\n")?;
    }
    // Malformed lines were reported on stderr as they were read (`io::feed_log`).
    if format == EvalFormat::Csv {
        write!(out, "{}", csv::header())?;
    }
    super::render::write_in_order(&shown, threads, &run.engines, out, |engines, c, buf| {
        render_case(engines, format, c, buf);
    })?;
    if text {
        writeln!(out, "{totals}")?;
    }
    Ok(())
}

/// One case's report in `format`, with its line end, appended to `buf`; `engines` are the run's
/// (one per policy version), as [`LogRun::engine`] picks them.
fn render_case(engines: &[Engine], format: EvalFormat, c: &CaseState, buf: &mut Vec<u8>) {
    let Some(engine) = engines.get(usize::from(c.version)).or(engines.first()) else { return };
    let report = case::build(engine, c);
    match format {
        EvalFormat::Json => {
            // Straight into the chunk, no String in between; a report that cannot be serialized
            // (none can: its map keys are strings) is an empty line, as before.
            let start = buf.len();
            if serde_json::to_writer(&mut *buf, &report).is_err() {
                buf.truncate(start);
            }
            buf.push(b'\n');
        }
        EvalFormat::Csv => buf.extend_from_slice(csv::case_row(&report).as_bytes()),
        EvalFormat::Text => {
            buf.extend_from_slice(docket::report::terminal_safe(&case::render_text(&report)).as_bytes());
            buf.push(b'\n');
        }
    }
}

fn write_summary(
    run: &LogRun,
    format: EvalFormat,
    selection: Option<&Selection>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let s = summary::build_selected(run, selection);
    match format {
        EvalFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&s).unwrap_or_default()),
        _ => write!(out, "{}", summary::render_text(&s)),
    }
}
