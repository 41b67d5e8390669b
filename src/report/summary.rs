//! `--summary`: totals over a whole log, for logs too large to print case by case.

use crate::eval::log::LogRun;
use serde::Serialize;
use std::collections::BTreeMap;

/// Totals of a run.
#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Cases seen.
    pub cases: usize,
    /// Events read (including rejected ones and ones after `--now`).
    pub events: usize,
    /// Events applied.
    pub applied: usize,
    /// Events rejected.
    pub rejected: usize,
    /// Lines that were not events.
    pub malformed: usize,
    /// Redeliveries ignored.
    pub duplicates: usize,
    /// Events dated after `--now`, not applied.
    pub after_now: usize,
    /// Cases a policy error stopped (transitions that never settle).
    pub stopped: usize,
    /// Cases per status.
    pub by_status: BTreeMap<String, usize>,
    /// Closed cases per outcome.
    pub by_outcome: BTreeMap<String, usize>,
    /// Pending deadlines per timer.
    pub pending_deadlines: BTreeMap<String, usize>,
}

/// Count everything.
pub fn build(run: &LogRun) -> Summary {
    let table = run.engine.table;
    let mut s = Summary {
        cases: run.cases.len(),
        events: run.events,
        applied: 0,
        rejected: 0,
        malformed: run.malformed_count,
        duplicates: 0,
        after_now: run.future,
        stopped: 0,
        by_status: BTreeMap::new(),
        by_outcome: BTreeMap::new(),
        pending_deadlines: BTreeMap::new(),
    };
    for c in &run.cases {
        s.applied += c.applied_count as usize;
        s.rejected += c.rejected_count as usize;
        s.duplicates += c.duplicate_count as usize;
        s.stopped += usize::from(c.stuck().is_some());
        let status = &table.statuses[c.status];
        *s.by_status.entry(status.path.clone()).or_default() += 1;
        if let Some(o) = &status.terminal {
            *s.by_outcome.entry(table.outcomes[o.outcome].name.clone()).or_default() += 1;
        }
        for (_, armed) in run.engine.pending(c) {
            *s.pending_deadlines.entry(table.timers[armed.timer].name.clone()).or_default() += 1;
        }
    }
    s
}

/// Totals as text.
pub fn render_text(s: &Summary) -> String {
    let mut out = format!(
        "cases: {}\nevents: {} (applied {}, rejected {}, malformed {}, duplicates ignored {}, after --now {})\n",
        s.cases, s.events, s.applied, s.rejected, s.malformed, s.duplicates, s.after_now
    );
    if s.stopped > 0 {
        out.push_str(&format!("stopped by a policy error: {} case(s)\n", s.stopped));
    }
    for (title, map) in [
        ("by status", &s.by_status),
        ("by outcome", &s.by_outcome),
        ("pending deadlines by timer", &s.pending_deadlines),
    ] {
        out.push_str(&format!("{title}:\n"));
        for (k, v) in map {
            out.push_str(&format!("  {k:<32} {v:>10}\n"));
        }
    }
    out
}

/// The one-line totals after a case-by-case report.
pub fn totals_line(run: &LogRun) -> String {
    let s = build(run);
    format!(
        "{} cases, {} events: {} applied, {} rejected, {} malformed, {} duplicates ignored, {} after --now",
        s.cases, s.events, s.applied, s.rejected, s.malformed, s.duplicates, s.after_now
    )
}
