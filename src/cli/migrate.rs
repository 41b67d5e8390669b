//! `docket migrate PLAN POLICY... --cases LOG`: preview what a migration plan does to the open
//! cases of a log before it is deployed.

use super::{OK, PROBLEMS, USAGE, io};
use docket::eval::log::LogRun;
use docket::migrate::{Preview, preview};
use std::path::PathBuf;

/// Output formats of `docket migrate`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrateFormat {
    /// For people.
    Text,
    /// For machines.
    Json,
    /// For a pull-request comment.
    Markdown,
}

/// Arguments of `docket migrate`.
#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// The migration plan (TOML; see grammar/README.md, "Migrating open cases").
    pub plan: PathBuf,
    /// The versions of the policy (files, a directory, `REV:path`): at least the plan's two.
    #[arg(required = true, num_args = 1..)]
    pub policies: Vec<String>,
    /// The case log (JSON Lines, `-` for stdin, or a `.toml` case file).
    #[arg(long, value_name = "LOG")]
    pub cases: PathBuf,
    /// Take the cases as they stand at this instant (default: the plan's `at`); they move at
    /// the plan's instant.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MigrateFormat::Text)]
    pub format: MigrateFormat,
    /// Event keys to accept and ignore besides each action's parameters (comma-separated or
    /// repeated). Any other key rejects its event ("unknown key `delivry_due` for `buyer open`;
    /// did you mean `delivery_due`?"), so a misspelt parameter is never applied as missing.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub allow_keys: Vec<String>,
    /// How many example case ids to show per kind of change.
    #[arg(long, default_value_t = 5)]
    pub examples: usize,
}

/// Preview.
pub fn run(args: &MigrateArgs) -> u8 {
    let now = match super::eval::parse_now(args.now.as_deref()) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    let versions = match io::load_versions(&args.policies) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let (from, to, plan) = match io::load_plan(&args.plan, &versions) {
        Ok(p) => p,
        Err(messages) => {
            for m in messages {
                eprintln!("{m}");
            }
            return USAGE;
        }
    };
    let mut run = LogRun::versioned(&versions, false, Some(now.unwrap_or(plan.text.at))).allow_keys(&args.allow_keys);
    run.compact_closed = false;
    if let Err(msg) = io::feed_log(&mut run, &args.cases) {
        eprintln!("{msg}");
        return USAGE;
    }
    run.finish();
    let p = preview(&run, from, to, &plan, args.examples);
    let out = match args.format {
        MigrateFormat::Text => text(&p),
        MigrateFormat::Markdown => markdown(&p),
        MigrateFormat::Json => format!("{}\n", serde_json::to_string_pretty(&p).unwrap_or_default()),
    };
    io::emit_then(out.as_bytes(), if p.affected == 0 { OK } else { PROBLEMS })
}

fn ids(list: &[String]) -> String {
    list.join(", ")
}

fn text(p: &Preview) -> String {
    let mut out = format!(
        "migration {} -> {} at {}: {} of {} case(s) begun by then are open on {} and move; {} change\n",
        p.from, p.to, p.at, p.moving, p.cases, p.from, p.affected
    );
    if !p.statuses.is_empty() {
        out.push_str("statuses:\n");
        for m in &p.statuses {
            let same = if m.from == m.to { " (same)" } else { "" };
            out.push_str(&format!("  {} -> {}{same}: {} case(s)  e.g. {}\n", m.from, m.to, m.cases, ids(&m.examples)));
        }
    }
    if !p.deadlines.is_empty() {
        out.push_str("deadlines:\n");
        for d in &p.deadlines {
            out.push_str(&format!("  {} ({}): {} case(s)\n", d.timer, d.rule.name(), d.cases));
            for e in &d.examples {
                let shift = e.shift.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
                let (o, n) = (e.old.as_deref().unwrap_or("none"), e.new.as_deref().unwrap_or("none"));
                out.push_str(&format!("    {}: {o} -> {n}{shift}\n", e.case));
            }
        }
    }
    out.push_str(&format!("closed by the move: {} case(s){}\n", p.closed.len(), examples_of(&p.closed)));
    out.push_str(&format!(
        "stopped by a policy error after the move: {} case(s){}\n",
        p.stopped.len(),
        examples_of(&p.stopped)
    ));
    out
}

fn examples_of(list: &[String]) -> String {
    if list.is_empty() { String::new() } else { format!("  e.g. {}", ids(&list[..list.len().min(5)])) }
}

fn markdown(p: &Preview) -> String {
    let mut out = format!(
        "### Migration `{}` → `{}` at {}\n\n**{}** of {} cases are open on `{}` and move; **{}** change.\n\n",
        p.from, p.to, p.at, p.moving, p.cases, p.from, p.affected
    );
    if !p.statuses.is_empty() {
        out.push_str("| from | to | cases | examples |\n|---|---|---|---|\n");
        for m in &p.statuses {
            out.push_str(&format!("| `{}` | `{}` | {} | {} |\n", m.from, m.to, m.cases, ids(&m.examples)));
        }
        out.push('\n');
    }
    if !p.deadlines.is_empty() {
        out.push_str("| timer | rule | cases | examples |\n|---|---|---|---|\n");
        for d in &p.deadlines {
            let ex: Vec<String> = d
                .examples
                .iter()
                .map(|e| format!("`{}` {}", e.case, e.shift.clone().unwrap_or_else(|| "added or removed".into())))
                .collect();
            out.push_str(&format!("| `{}` | {} | {} | {} |\n", d.timer, d.rule.name(), d.cases, ex.join(", ")));
        }
        out.push('\n');
    }
    out.push_str(&format!("Closed by the move: {}. Stopped by a policy error: {}.\n", p.closed.len(), p.stopped.len()));
    out
}
