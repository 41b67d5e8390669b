//! `docket explain FILE [STATUS]` and `docket explain FILE --case ID --events LOG`.

use super::{Format, USAGE, io};
use docket::diag::suggest;
use docket::eval::log::LogRun;
use docket::report::{case, explain, explain_case};
use std::path::PathBuf;

/// Arguments of `docket explain`.
#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// Policy file.
    pub policy: PathBuf,
    /// A status (dotted path, or a name that is unique); without it, every status.
    pub status: Option<String>,
    /// Explain why this case is where it is (needs --events).
    #[arg(long, value_name = "ID", requires = "events")]
    pub case: Option<String>,
    /// The event log holding the case (JSON Lines, `-` for stdin, or a .toml case file).
    #[arg(long, value_name = "LOG", requires = "case")]
    pub events: Option<PathBuf>,
    /// Output format; json is for a case (--case), in the shape `docket explain --help` gives.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Evaluate the case as of this instant (RFC 3339 or `now`).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Other versions of the policy (repeatable), for --case: the case is explained under the
    /// version in effect at its first event, as `eval` pins it.
    #[arg(long = "version-file", value_name = "FILE", requires = "case")]
    pub versions: Vec<String>,
    /// Event keys to accept and ignore besides each action's parameters (comma-separated or
    /// repeated). Any other key rejects its event ("unknown key `delivry_due` for `buyer open`;
    /// did you mean `delivery_due`?"), so a misspelt parameter is never applied as missing.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub allow_keys: Vec<String>,
    /// Migration plans (repeatable), for --case: open cases move as `eval --migrations` moves them.
    #[arg(long, value_name = "PLAN", requires = "case")]
    pub migrations: Vec<PathBuf>,
}

/// Explain.
pub fn run(args: &ExplainArgs) -> u8 {
    let (compiled, table) = match io::load_table(&args.policy) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let (Some(id), Some(log)) = (&args.case, &args.events) {
        let now = match super::eval::parse_now(args.now.as_deref()) {
            Ok(n) => n,
            Err(msg) => {
                eprintln!("{msg}");
                return USAGE;
            }
        };
        let mut specs = vec![args.policy.display().to_string()];
        specs.extend(args.versions.iter().cloned());
        let versions = match io::load_versions(&specs) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let plans = match io::load_plans(&args.migrations, &versions) {
            Ok(p) => p,
            Err(code) => return code,
        };
        let mut run = LogRun::versioned(&versions, true, now)
            .with_migrations(plans.iter().map(|(f, t, p)| (*f, *t, p)).collect())
            .allow_keys(&args.allow_keys)
            .watch(id);
        if let Err(msg) = io::feed_log(&mut run, log) {
            eprintln!("{msg}");
            return USAGE;
        }
        run.finish();
        let Some(state) = run.cases.iter().find(|c| &*c.id == id.as_str()) else {
            if let (Some(first), Some(now)) = (run.watched_first(), now) {
                let (first, now) = (docket::eval::time::format(&first), docket::eval::time::format(&now));
                eprintln!(
                    "error: case `{id}` has no event before {now} in `{}` (its first is at {first})",
                    log.display()
                );
                return USAGE;
            }
            let help = suggest(id, run.cases.iter().map(|c| &*c.id)).map(|h| format!(" ({h})")).unwrap_or_default();
            eprintln!("error: no case `{id}` in `{}`{help}", log.display());
            return USAGE;
        };
        let engine = run.engine(state);
        // Policy lines are cited in the file of the case's own version.
        let file = match versions.tables.iter().position(|t| std::ptr::eq(t, engine.table)) {
            Some(i) if versions.is_versioned() => match io::load_spec(&versions.sources[i]) {
                Ok((c, _)) => c.file,
                Err(msg) => {
                    eprintln!("{msg}");
                    return USAGE;
                }
            },
            _ => compiled.file.clone(),
        };
        let x = explain_case::build(engine, &file, state, &case::build(engine, state));
        let out = match args.format {
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&x).unwrap_or_default()),
            Format::Text => docket::report::terminal_safe(&explain_case::render_text(&x)).into_owned(),
        };
        return io::emit(out.as_bytes());
    }
    if args.format == Format::Json {
        eprintln!("error: explain --format json explains a case: give --case ID --events LOG");
        return USAGE;
    }
    match &args.status {
        Some(name) => {
            let found = table.status_by_path(name).or_else(|| {
                let mut named = table.statuses.iter().enumerate().filter(|(_, s)| &s.name == name);
                match (named.next(), named.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            });
            let Some(id) = found else {
                let same: Vec<&str> =
                    table.statuses.iter().filter(|s| &s.name == name).map(|s| s.path.as_str()).collect();
                if same.len() > 1 {
                    eprintln!("error: `{name}` names {} statuses: {}; give the path", same.len(), same.join(", "));
                    return USAGE;
                }
                let paths: Vec<&str> = table.statuses.iter().map(|s| s.path.as_str()).collect();
                let names = table.statuses.iter().map(|s| s.name.as_str());
                let help = suggest(name, paths.iter().copied().chain(names))
                    .unwrap_or_else(|| format!("the statuses are {}", paths.join(", ")));
                eprintln!(
                    "error: no status `{name}` in `{}` ({help}; a nested status is named by its path, such as `escalated.processing`)",
                    args.policy.display()
                );
                return USAGE;
            };
            io::emit(explain::status(&table, &compiled.file, id).as_bytes())
        }
        None => {
            let mut out = format!("{}: {}\n", table.name, table.title);
            for (id, s) in table.statuses.iter().enumerate() {
                if s.children.is_empty() {
                    out.push('\n');
                    out.push_str(&explain::status(&table, &compiled.file, id));
                }
            }
            io::emit(out.as_bytes())
        }
    }
}
