//! `docket diff OLD NEW`: a policy change by meaning, and its impact on a case log.

use super::{OK, PROBLEMS, USAGE, io};
use crate::Compiled;
use crate::diag;
use crate::diff::{self, Change, ChangeKind, Impact, Replay};
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
    let (old, new) = match (load(&args.old), load(&args.new)) {
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
        move |line: usize| {
            let offset = file.text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
            file.trailing_comment(offset).map(str::to_string).filter(|s| !s.is_empty())
        }
    };
    let changes = diff::compare(&old.1, &new.1, &renames, note(&old.0), note(&new.0));
    let impact = match &args.cases {
        None => None,
        Some(log) => match replay(&old.1, &new.1, now, log, args.examples) {
            Ok(i) => Some(i),
            Err(msg) => {
                eprintln!("{msg}");
                return USAGE;
            }
        },
    };
    if !args.text {
        match args.format {
            DiffFormat::Text => out.push_str(&text(&changes, impact.as_ref(), &args.old, &args.new)),
            DiffFormat::Markdown => out.push_str(&markdown(&changes, impact.as_ref(), &args.old, &args.new)),
            DiffFormat::Github => out.push_str(&github(&changes, impact.as_ref(), &args.old, &args.new)),
            DiffFormat::Json => {
                let doc = serde_json::json!({ "old": args.old, "new": args.new, "changes": changes, "impact": impact });
                out.push_str(&serde_json::to_string_pretty(&doc).unwrap_or_default());
                out.push('\n');
            }
        }
    }
    io::emit_then(out.as_bytes(), if changes.is_empty() { OK } else { PROBLEMS })
}

type Loaded = (Compiled, crate::compile::table::TransitionTable);

/// Read a policy from a file or `REV:path`, and compile it; errors are printed as diagnostics.
fn load(spec: &str) -> Result<Loaded, String> {
    let path = Path::new(spec);
    let mut revision = None;
    let bytes = if path.exists() {
        if path.is_dir() {
            return Err(format!("error: `{spec}` is a directory, not a policy file"));
        }
        std::fs::read(path).map_err(|e| format!("error: cannot read `{spec}`: {}", io::io_reason(&e)))?
    } else if spec.contains(':') {
        let out = std::process::Command::new("git")
            .args(["show", spec])
            .output()
            .map_err(|e| format!("error: cannot run git to read `{spec}`: {e}"))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(format!("error: cannot read `{spec}` from git: {why}"));
        }
        revision = spec.split_once(':');
        out.stdout
    } else {
        return Err(format!("error: cannot read `{spec}`: no such file (for a git revision write REV:path)"));
    };
    let mut compiled = match revision {
        // Files the policy names come from the same revision, beside it.
        Some((rev, file)) => {
            let dir = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
            let read = move |named: &str| git_show(rev, &dir.join(named));
            crate::compile_bytes_with(spec, bytes, &read)
        }
        None => crate::compile_bytes(spec, bytes),
    };
    match compiled.table.take() {
        Some(t) => Ok((compiled, t)),
        None => {
            Err(format!("{}error: `{spec}` has problems; fix them before comparing", io::rendered_errors(&compiled)))
        }
    }
}

/// A file's text at a git revision; `..` and `.` in the path are resolved first, as git wants.
fn git_show(rev: &str, path: &Path) -> Result<String, String> {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    let spec = format!("{rev}:{}", parts.join("/"));
    let out = std::process::Command::new("git")
        .args(["show", &spec])
        .output()
        .map_err(|e| format!("cannot run git to read `{spec}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("not in git at `{spec}`: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("`{spec}` is not UTF-8 text"))
}

fn replay(
    old: &crate::compile::table::TransitionTable,
    new: &crate::compile::table::TransitionTable,
    now: Option<chrono::DateTime<chrono::Utc>>,
    log: &Path,
    examples: usize,
) -> Result<Impact, String> {
    let mut replay = Replay::new(old, new, now);
    io::feed_log(&mut replay, log)?;
    Ok(replay.impact(examples))
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
        out.push_str(&format!(
            "\nimpact on {} case(s), {} event(s): {} case(s) end differently\n",
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
        out.push_str(&format!(
            "\n**Impact** on {} cases ({} events): {} end differently.\n\n",
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
