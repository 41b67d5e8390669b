//! `docket diff OLD NEW`: a policy change by meaning, and its impact on a case log.

use super::{OK, PROBLEMS, USAGE, io};
use docket::Compiled;
use docket::diag;
use docket::diff::{self, Change, ChangeKind, Impact, Replay};
use std::path::{Path, PathBuf};

/// Output formats of `docket diff`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    /// For people.
    Text,
    /// For machines.
    Json,
    /// For a pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands: a notice on the line of each changed declaration.
    Github,
}

/// Arguments of `docket diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The old policy: a file, or a git revision of one (`HEAD~1:policies/aliexpress.policy`).
    pub old: String,
    /// The new policy: a file, or a git revision of one.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Show a unified line diff instead of the meaning.
    #[arg(long)]
    pub text: bool,
    /// Treat a name of the old policy as renamed (`--rename old_name=new_name`); repeatable.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Replay this case log (JSON Lines, `-` for stdin) under both policies and report the cases
    /// that end differently.
    #[arg(long, value_name = "LOG")]
    pub cases: Option<PathBuf>,
    /// Evaluate the replay as of this instant (RFC 3339 or `now`).
    #[arg(long, value_name = "TIME", requires = "cases")]
    pub now: Option<String>,
    /// With `--cases` and a new version that has `effective`: also answer with the open cases
    /// migrated by this plan (see `docket migrate`).
    #[arg(long, value_name = "PLAN", requires = "cases")]
    pub migration: Option<PathBuf>,
    /// With `--cases`: event keys to accept and ignore besides each action's parameters
    /// (comma-separated or repeated); any other key rejects its event under both policies.
    #[arg(long, value_delimiter = ',', value_name = "KEYS", requires = "cases")]
    pub allow_keys: Vec<String>,
    /// How many example case ids to show per kind of difference.
    #[arg(long, default_value_t = 5)]
    pub examples: usize,
}

/// Compare.
pub fn run(args: &DiffArgs) -> u8 {
    let renames: Result<Vec<(String, String)>, String> = args
        .rename
        .iter()
        .map(|r| match r.split_once('=') {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
            _ => Err(format!("error: --rename `{r}` must be OLD=NEW, such as `--rename negotiating=bargaining`")),
        })
        .collect();
    let renames = match renames {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    let now = match super::eval::parse_now(args.now.as_deref()) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    let (old, new) = match (io::load_spec(&args.old), io::load_spec(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            for e in [o.err(), n.err()].into_iter().flatten() {
                eprintln!("{e}");
            }
            return USAGE;
        }
    };
    let mut out = String::new();
    if args.text {
        let diff = similar::TextDiff::from_lines(&old.0.file.text, &new.0.file.text);
        out.push_str(&diff.unified_diff().context_radius(3).header(&args.old, &args.new).to_string());
    }
    let note = |c: &Compiled| {
        let file = c.file.clone();
        move |line: usize| file.trailing_comment(line).map(str::to_string).filter(|s| !s.is_empty())
    };
    let changes = diff::compare(&old.1, &new.1, &renames, note(&old.0), note(&new.0));
    let impact = match &args.cases {
        None => None,
        Some(log) => match replay(&old.1, &new.1, now, log, args) {
            Ok(i) => Some(i),
            Err(msg) => {
                eprintln!("{msg}");
                return USAGE;
            }
        },
    };
    // With `effective` on the new version, the release itself: cases keep the version they
    // began under, and only cases opened from then on follow the new rules.
    let pinned = match (&args.cases, new.1.effective) {
        (Some(log), Some(from)) => {
            match replay_pinned((&args.old, &old.1), (&args.new, &new.1), now, log, args, None) {
                Ok(i) => Some((from, i)),
                Err(msg) => {
                    eprintln!("{msg}");
                    return USAGE;
                }
            }
        }
        _ => None,
    };
    let migrated = match (&args.cases, &args.migration) {
        (Some(log), Some(plan)) => {
            match replay_pinned((&args.old, &old.1), (&args.new, &new.1), now, log, args, Some(plan)) {
                Ok(i) => Some(i),
                Err(msg) => {
                    eprintln!("{msg}");
                    return USAGE;
                }
            }
        }
        _ => None,
    };
    if !args.text {
        match args.format {
            DiffFormat::Text => {
                out.push_str(&text(&changes, impact.as_ref(), &args.old, &args.new));
                if let Some((from, i)) = &pinned {
                    let head = format!(
                        "with each case on the version it began under (the new one from {})",
                        docket::eval::time::format(from)
                    );
                    out.push_str(&impact_text(&head, i));
                }
                if let Some(i) = &migrated {
                    out.push_str(&impact_text("with open cases migrated by the plan", i));
                }
            }
            DiffFormat::Markdown => {
                out.push_str(&markdown(&changes, impact.as_ref(), &args.old, &args.new));
                if let Some((from, i)) = &pinned {
                    let head = format!(
                        "With each case on the version it began under (the new one from {})",
                        docket::eval::time::format(from)
                    );
                    out.push_str(&impact_markdown(&head, i));
                }
                if let Some(i) = &migrated {
                    out.push_str(&impact_markdown("With open cases migrated by the plan", i));
                }
            }
            DiffFormat::Github => out.push_str(&github(&changes, impact.as_ref(), &args.old, &args.new)),
            DiffFormat::Json => {
                let pinned = pinned
                    .as_ref()
                    .map(|(from, i)| serde_json::json!({ "effective": docket::eval::time::format(from), "impact": i }));
                let doc = serde_json::json!({
                    "old": args.old, "new": args.new, "changes": changes, "impact": impact, "pinned": pinned,
                    "migrated": migrated,
                });
                out.push_str(&serde_json::to_string_pretty(&doc).unwrap_or_default());
                out.push('\n');
            }
        }
    }
    io::emit_then(out.as_bytes(), if changes.is_empty() { OK } else { PROBLEMS })
}

fn replay(
    old: &docket::compile::table::TransitionTable,
    new: &docket::compile::table::TransitionTable,
    now: Option<chrono::DateTime<chrono::Utc>>,
    log: &Path,
    args: &DiffArgs,
) -> Result<Impact, String> {
    let keys = &args.allow_keys;
    let mut replay = Replay::with_runs(
        docket::eval::log::LogRun::new(old, false, now).allow_keys(keys),
        docket::eval::log::LogRun::new(new, false, now).allow_keys(keys),
    );
    io::feed_log(&mut replay, log)?;
    Ok(replay.impact(args.examples))
}

/// A policy to replay: where it was read from and its table.
type Side<'a> = (&'a str, &'a docket::compile::table::TransitionTable);

/// The log replayed under the old policy alone, and under both versions with each case pinned
/// to the one in effect at its first event (and, with a plan, open cases migrated by it).
fn replay_pinned(
    (old_name, old): Side,
    (new_name, new): Side,
    now: Option<chrono::DateTime<chrono::Utc>>,
    log: &Path,
    args: &DiffArgs,
    plan: Option<&Path>,
) -> Result<Impact, String> {
    let versions = docket::versions::Versions::assemble(vec![
        (old_name.to_string(), old.clone()),
        (new_name.to_string(), new.clone()),
    ])
    .map_err(|errors| errors.iter().map(|e| format!("error: {e}")).collect::<Vec<_>>().join("\n"))?;
    let plan = match plan {
        Some(path) => Some(io::load_plan(path, &versions).map_err(|m| m.join("\n"))?),
        None => None,
    };
    let plans = plan.iter().map(|(f, t, p)| (*f, *t, p)).collect();
    let runs = (
        docket::eval::log::LogRun::new(old, false, now).allow_keys(&args.allow_keys),
        docket::eval::log::LogRun::versioned(&versions, false, now).with_migrations(plans).allow_keys(&args.allow_keys),
    );
    let mut replay = Replay::with_runs(runs.0, runs.1);
    io::feed_log(&mut replay, log)?;
    Ok(replay.impact(args.examples))
}

fn sign(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Changed => "~",
    }
}

fn lines(c: &Change) -> String {
    match (c.old_line, c.new_line) {
        (Some(o), Some(n)) => format!("old line {o}, new line {n}"),
        (Some(o), None) => format!("old line {o}"),
        (None, Some(n)) => format!("new line {n}"),
        (None, None) => String::new(),
    }
}

fn what(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{o} -> {n}"),
        (Some(o), None) => o.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    }
}

fn text(changes: &[Change], impact: Option<&Impact>, old: &str, new: &str) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str(&format!("no change in meaning between {old} and {new}\n"));
    } else {
        out.push_str(&format!("{} change(s) in meaning from {old} to {new}:\n", changes.len()));
        let mut heading = None;
        for c in changes {
            if heading != Some(c.kind) {
                out.push_str(&format!("\n{}:\n", c.kind.heading()));
                heading = Some(c.kind);
            }
            let body = what(c);
            let sep = if body.is_empty() { "" } else { ": " };
            out.push_str(&format!("  {} {}{sep}{body}", sign(c.change), c.key));
            let loc = lines(c);
            if !loc.is_empty() {
                out.push_str(&format!("  ({loc})"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  # {n}"));
            }
            out.push('\n');
        }
    }
    if let Some(i) = impact {
        out.push_str(&impact_text("", i));
    }
    out
}

/// The impact section of the text report; `head` says under which reading, if not the first.
fn impact_text(head: &str, i: &Impact) -> String {
    let mut out = String::new();
    {
        let under = if head.is_empty() { String::new() } else { format!(" {head}") };
        out.push_str(&format!(
            "\nimpact on {} case(s), {} event(s){under}: {} case(s) end differently\n",
            i.cases, i.events, i.changed_cases
        ));
        for (title, k) in [
            ("status", &i.status),
            ("outcome", &i.outcome),
            ("refund amount", &i.amount),
            ("pending deadlines", &i.deadlines),
        ] {
            out.push_str(&format!("  {:<18} {} case(s)\n", title, k.cases));
            for e in &k.examples {
                let at = e
                    .first_divergence
                    .map_or("after the last event (a timer)".to_string(), |l| format!("from log line {l}"));
                out.push_str(&format!("    {}: {} -> {} (differs {at})\n", e.case, e.old, e.new));
            }
        }
    }
    out
}

/// The file a policy spec names in the repository: the path itself, or the path of `REV:path`.
fn repo_path(spec: &str) -> &str {
    if Path::new(spec).exists() {
        return spec;
    }
    spec.split_once(':').map_or(spec, |(_, path)| path)
}

/// A change in words, on one line.
fn sentence(c: &Change) -> String {
    let what = format!("{} `{}`", c.kind.singular(), c.key);
    fn said(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }
    let mut out = match (c.change, said(&c.old), said(&c.new)) {
        (ChangeKind::Changed, Some(o), Some(n)) => format!("{what} changed: {o} -> {n}"),
        (ChangeKind::Added, _, Some(n)) => format!("{what} added: {n}"),
        (ChangeKind::Removed, Some(o), _) => format!("{what} removed (was: {o})"),
        (ChangeKind::Added, ..) => format!("{what} added"),
        (ChangeKind::Removed, ..) => format!("{what} removed"),
        (ChangeKind::Changed, ..) => format!("{what} changed"),
    };
    if let Some(n) = &c.note {
        out.push_str(&format!("  # {n}"));
    }
    out
}

/// One `::notice` per change, on the new file's line of the declaration (a removed one on the
/// old file's line), and with `--cases` one more for the impact.
fn github(changes: &[Change], impact: Option<&Impact>, old: &str, new: &str) -> String {
    let mut out = String::new();
    for c in changes {
        let (file, line) = match (c.change, c.old_line, c.new_line) {
            (ChangeKind::Removed, line, _) => (old, line),
            (_, Some(line), None) if c.change == ChangeKind::Changed => (old, Some(line)),
            (_, _, line) => (new, line),
        };
        let line = line.map(|l| format!(",line={l}")).unwrap_or_default();
        out.push_str(&format!(
            "::notice file={}{line},title=docket diff::{}\n",
            diag::github_property(repo_path(file)),
            diag::github_message(&sentence(c))
        ));
    }
    if let Some(i) = impact {
        let kinds: Vec<String> = [
            ("status", &i.status),
            ("outcome", &i.outcome),
            ("refund amount", &i.amount),
            ("pending deadlines", &i.deadlines),
        ]
        .iter()
        .filter(|(_, k)| k.cases > 0)
        .map(|(title, k)| format!("{title} {}", k.cases))
        .collect();
        let by = if kinds.is_empty() { String::new() } else { format!(" (by {})", kinds.join(", ")) };
        let words = format!(
            "replaying {} case(s), {} event(s): {} case(s) end differently{by}",
            i.cases, i.events, i.changed_cases
        );
        out.push_str(&format!(
            "::notice file={},title=docket diff impact::{}\n",
            diag::github_property(repo_path(new)),
            diag::github_message(&words)
        ));
    }
    out
}

fn markdown(changes: &[Change], impact: Option<&Impact>, old: &str, new: &str) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!("### Policy change: `{old}` → `{new}`\n\n");
    if changes.is_empty() {
        out.push_str("No change in meaning.\n");
    } else {
        out.push_str("| | kind | name | old | new | where | note |\n|---|---|---|---|---|---|---|\n");
        for c in changes {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} | {} | {} | {} |\n",
                sign(c.change),
                c.kind.heading(),
                cell(&c.key),
                c.old.as_deref().map(|s| format!("`{}`", cell(s))).unwrap_or_default(),
                c.new.as_deref().map(|s| format!("`{}`", cell(s))).unwrap_or_default(),
                lines(c),
                c.note.as_deref().map(cell).unwrap_or_default()
            ));
        }
    }
    if let Some(i) = impact {
        out.push_str(&impact_markdown("", i));
    }
    out
}

/// The impact section of the markdown report; `head` says under which reading, if not the first.
fn impact_markdown(head: &str, i: &Impact) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::new();
    {
        let under = if head.is_empty() { String::new() } else { format!(" {head}") };
        out.push_str(&format!(
            "\n**Impact**{under} on {} cases ({} events): {} end differently.\n\n",
            i.cases, i.events, i.changed_cases
        ));
        out.push_str("| differs in | cases | examples |\n|---|---|---|\n");
        for (title, k) in [
            ("status", &i.status),
            ("outcome", &i.outcome),
            ("refund amount", &i.amount),
            ("pending deadlines", &i.deadlines),
        ] {
            let ex: Vec<String> =
                k.examples.iter().map(|e| format!("`{}` ({} → {})", e.case, cell(&e.old), cell(&e.new))).collect();
            out.push_str(&format!("| {title} | {} | {} |\n", k.cases, ex.join(", ")));
        }
    }
    out
}
