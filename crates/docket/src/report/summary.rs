//! `--summary`: totals over a whole log, for logs too large to print case by case.

use crate::eval::log::LogRun;
use crate::report::select::Selection;
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
    /// Cases per policy version, when several versions are given (`none` for a case no
    /// version was in effect for).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_version: BTreeMap<String, usize>,
    /// With `eval`'s filters: how many cases the log has, of which `cases` were selected. The
    /// counts are then of the selected cases (`events`: the events they received), except
    /// `malformed` and `after_now`, which belong to no case and are the whole log's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_from: Option<usize>,
}

/// Count everything.
pub fn build(run: &LogRun) -> Summary {
    build_selected(run, None)
}

/// Count the cases a selection keeps (every case without one).
pub fn build_selected(run: &LogRun, selection: Option<&Selection>) -> Summary {
    let versioned = run.engines.len() > 1;
    let mut s = Summary {
        cases: 0,
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
        by_version: BTreeMap::new(),
        selected_from: selection.map(|_| run.cases.len()),
    };
    let mut received = 0;
    for c in &run.cases {
        let engine = run.engine(c);
        if selection.is_some_and(|sel| !sel.keeps(engine, c)) {
            continue;
        }
        s.cases += 1;
        received += (c.applied_count + c.rejected_count + c.duplicate_count) as usize;
        let table = engine.table;
        if versioned {
            let version = match c.version {
                crate::eval::engine::NO_VERSION => "none".to_string(),
                _ => table.version.clone().unwrap_or_default(),
            };
            *s.by_version.entry(version).or_default() += 1;
        }
        s.applied += c.applied_count as usize;
        s.rejected += c.rejected_count as usize;
        s.duplicates += c.duplicate_count as usize;
        s.stopped += usize::from(c.stuck().is_some());
        let status = &table.statuses[c.status];
        *s.by_status.entry(status.path.clone()).or_default() += 1;
        if let Some(o) = &status.terminal {
            *s.by_outcome.entry(table.outcomes[o.outcome].name.clone()).or_default() += 1;
        }
        for (_, armed) in engine.live_pending(c) {
            *s.pending_deadlines.entry(table.timers[armed.timer].name.clone()).or_default() += 1;
        }
    }
    if selection.is_some() {
        s.events = received;
    }
    s
}

/// Totals as text.
pub fn render_text(s: &Summary) -> String {
    let of = s.selected_from.map(|n| format!(" (selected, of {n})")).unwrap_or_default();
    let mut out = format!(
        "cases: {}{of}\nevents: {} (applied {}, rejected {}, malformed {}, duplicates ignored {}, after --now {})\n",
        s.cases, s.events, s.applied, s.rejected, s.malformed, s.duplicates, s.after_now
    );
    if s.stopped > 0 {
        out.push_str(&format!("stopped by a policy error: {} case(s)\n", s.stopped));
    }
    for (title, map) in [
        ("by status", &s.by_status),
        ("by outcome", &s.by_outcome),
        ("pending deadlines by timer", &s.pending_deadlines),
        ("by policy version", &s.by_version),
    ] {
        if map.is_empty() && title == "by policy version" {
            continue;
        }
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
