//! Which cases `docket eval` reports: its filters (`--case`, `--status`, `--open`, `--rejected`,
//! `--breached`, `--due-before`), judged on a finished case's state. Filters combine with AND; the
//! values of one repeated filter (`--case A --case B`) with OR. Pure: no I/O.

use crate::compile::table::TransitionTable;
use crate::eval::engine::{CaseState, Engine};
use chrono::{DateTime, Utc};

/// The filters of one report; the default keeps every case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Case ids: keep these (any of them).
    pub cases: Vec<String>,
    /// Dotted-path prefixes: keep a case whose status is one, or inside one.
    pub statuses: Vec<String>,
    /// Keep open cases only.
    pub open: bool,
    /// Keep cases with a rejected event.
    pub rejected: bool,
    /// Keep cases with a breached SLA deadline.
    pub breached: bool,
    /// Keep cases with a pending deadline strictly before this instant.
    pub due_before: Option<DateTime<Utc>>,
}

/// Whether a status path is `prefix` or inside it, by whole names: `dispute_open` holds
/// `dispute_open.negotiating`, `dispute` holds nothing.
pub fn within(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

impl Selection {
    /// Whether any filter is given.
    pub fn is_active(&self) -> bool {
        *self != Selection::default()
    }

    /// Whether the report shows this finished case.
    pub fn keeps(&self, engine: &Engine, case: &CaseState) -> bool {
        let table = engine.table;
        let status = &table.statuses[case.status];
        (self.cases.is_empty() || self.cases.iter().any(|c| *c == *case.id))
            && (self.statuses.is_empty() || self.statuses.iter().any(|p| within(&status.path, p)))
            && (!self.open || status.terminal.is_none())
            && (!self.rejected || case.rejected_count > 0)
            && (!self.breached || !case.breached.is_empty())
            && self.due_before.is_none_or(|t| {
                crate::report::case::timed_deadlines(engine, case).first().is_some_and(|(at, _, _)| *at < t)
            })
    }

    /// The filters as written on the command line, for the totals line.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.cases.iter().map(|c| format!("--case {c}")).collect();
        parts.extend(self.statuses.iter().map(|s| format!("--status {s}")));
        for (on, flag) in [(self.open, "--open"), (self.rejected, "--rejected"), (self.breached, "--breached")] {
            if on {
                parts.push(flag.to_string());
            }
        }
        if let Some(t) = self.due_before {
            parts.push(format!("--due-before {}", crate::eval::time::format(&t)));
        }
        parts.join(" ")
    }

    /// The `--status` prefixes that name no status of any of these tables, each with a
    /// suggestion when a status path is close.
    pub fn unknown_statuses(&self, tables: &[TransitionTable]) -> Vec<String> {
        let paths: Vec<&str> = tables.iter().flat_map(|t| t.statuses.iter().map(|s| s.path.as_str())).collect();
        self.statuses
            .iter()
            .filter(|p| !paths.iter().any(|path| within(path, p)))
            .map(|p| {
                // A name cut short (`dispute`) is closest to the status it begins.
                let begun = sorted_unique(&paths).into_iter().find(|path| path.starts_with(p.as_str()));
                let help = crate::diag::suggest(p, paths.iter().copied())
                    .or_else(|| begun.map(|b| format!("did you mean `{b}`?")))
                    .unwrap_or_else(|| format!("the statuses are {}", sorted_unique(&paths).join(", ")));
                format!("--status `{p}` is no status of the policy ({help})")
            })
            .collect()
    }
}

fn sorted_unique<'a>(paths: &[&'a str]) -> Vec<&'a str> {
    let set: std::collections::BTreeSet<&str> = paths.iter().copied().collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_prefix_matches_whole_names_only() {
        assert!(within("dispute_open.negotiating", "dispute_open"));
        assert!(within("dispute_open", "dispute_open"));
        assert!(within("dispute_open.negotiating", "dispute_open.negotiating"));
        assert!(!within("dispute_open.negotiating", "dispute"));
        assert!(!within("dispute_open", "dispute_open.negotiating"));
    }
}
