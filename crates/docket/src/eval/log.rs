//! A run over a log of interleaved cases: events are fed one at a time (streaming), each to its
//! case; malformed lines are recorded and skipped. Cases are kept in the order they first appear.

use super::engine::{CaseState, Engine, NO_VERSION};
use super::event::{self, Event};
use crate::compile::table::TransitionTable;
use crate::versions::Versions;
use chrono::{DateTime, Utc};
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// A log line that is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line (or the event's index in a TOML file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Whatever consumes a log's events: one run, or two side by side (`diff::Replay`). Reading a
/// line or a TOML table into an event, and what counts as malformed, is decided here once.
pub trait EventSink {
    /// Take one event.
    fn event(&mut self, event: &Event);

    /// Record a line that is not an event.
    fn malformed(&mut self, line: usize, message: String);

    /// Feed one JSON Lines record; blank lines are skipped.
    fn feed_line(&mut self, text: &str, line: usize) {
        // The line break is not part of the record: a line cut short should read as cut short.
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            return;
        }
        match event::from_json_line(text, line) {
            Ok(e) => self.event(&e),
            Err(err) => self.malformed(line, err.to_string()),
        }
    }

    /// Feed the `[[events]]` tables of a TOML case file; an event's index stands for its line.
    fn feed_toml_events(&mut self, events: &[toml::Value]) {
        self.feed_toml_events_at(events, &[]);
    }

    /// Feed `[[events]]` tables, each reported at its line in the file (`lines`, by index), or at
    /// its index where the line is not known.
    fn feed_toml_events_at(&mut self, events: &[toml::Value], lines: &[usize]) {
        for (i, ev) in events.iter().enumerate() {
            let line = lines.get(i).copied().unwrap_or(i + 1);
            match ev.as_table().ok_or(event::EventError::NotObject).and_then(|t| event::from_toml_table(t, line)) {
                Ok(e) => self.event(&e),
                Err(err) => self.malformed(line, err.to_string()),
            }
        }
    }
}

impl EventSink for LogRun<'_> {
    fn event(&mut self, event: &Event) {
        self.feed(event);
    }

    fn malformed(&mut self, line: usize, message: String) {
        self.malformed_count += 1;
        if self.keep_history {
            self.malformed.push(Malformed { line, message });
        }
    }
}

/// The state of a run over one log.
pub struct LogRun<'t> {
    /// One engine per policy version, oldest first; a case runs on the one it is pinned to.
    pub engines: Vec<Engine<'t>>,
    /// The versions, to pin each new case.
    versions: Option<&'t Versions>,
    /// Migration plans: from version, to version (indices into `engines`), the checked plan; by
    /// instant.
    plans: Vec<(usize, usize, &'t crate::migrate::Plan)>,
    /// Keep per-case history and rejections (off for `--summary`).
    pub keep_history: bool,
    /// `--now`: events after it are not applied; timers due by it fire.
    pub now: Option<DateTime<Utc>>,
    /// Case id to index in `cases`. The table holds only indices and hashes the ids kept in
    /// `cases`, so each id is stored once; nothing iterates it (output follows `cases`).
    index: hashbrown::HashTable<u32>,
    hasher: FxBuildHasher,
    /// Cases in order of first appearance.
    pub cases: Vec<CaseState>,
    /// Lines that were not events.
    pub malformed: Vec<Malformed>,
    /// Malformed lines counted (also when not kept).
    pub malformed_count: usize,
    /// Events read.
    pub events: usize,
    /// Events dated after `now`.
    pub future: usize,
    /// Give back a closed case's fields (for totals only; on when history is off).
    pub compact_closed: bool,
    /// One case whose events after `now` are watched (see [`LogRun::watch`]): its id, and the
    /// earliest instant of those events.
    watched: Option<(String, Option<DateTime<Utc>>)>,
}

impl<'t> LogRun<'t> {
    /// Start a run under one policy.
    pub fn new(table: &'t TransitionTable, keep_history: bool, now: Option<DateTime<Utc>>) -> Self {
        Self::with_engines(vec![Engine::new(table, keep_history)], None, keep_history, now)
    }

    /// Start a run under several versions of a policy: each case is pinned to the version in
    /// effect at its first event.
    pub fn versioned(versions: &'t Versions, keep_history: bool, now: Option<DateTime<Utc>>) -> Self {
        let engines = versions.tables.iter().map(|t| Engine::new(t, keep_history)).collect();
        Self::with_engines(engines, Some(versions), keep_history, now)
    }

    fn with_engines(
        engines: Vec<Engine<'t>>,
        versions: Option<&'t Versions>,
        keep_history: bool,
        now: Option<DateTime<Utc>>,
    ) -> Self {
        LogRun {
            engines,
            versions: versions.filter(|v| v.is_versioned()),
            plans: Vec::new(),
            keep_history,
            now,
            index: hashbrown::HashTable::new(),
            hasher: FxBuildHasher,
            cases: Vec::new(),
            malformed: Vec::new(),
            malformed_count: 0,
            events: 0,
            future: 0,
            compact_closed: !keep_history,
            watched: None,
        }
    }

    /// Feed one event to its case; returns the case's index, or `None` for an event after `now`.
    pub fn feed(&mut self, event: &Event) -> Option<usize> {
        self.events += 1;
        if self.now.is_some_and(|now| event.at > now) {
            self.future += 1;
            if let Some((id, first)) = &mut self.watched
                && *id == *event.case
                && first.is_none_or(|f| event.at < f)
            {
                *first = Some(event.at);
            }
            return None;
        }
        let key: &str = &event.case;
        let hash = self.hasher.hash_one(key);
        let cases = &self.cases;
        let i = match self.index.find(hash, |&i| &*cases[i as usize].id == key) {
            Some(&i) => i as usize,
            None => {
                let i = self.cases.len();
                let (cases, hasher) = (&self.cases, &self.hasher);
                self.index.insert_unique(hash, i as u32, |&j| hasher.hash_one(&*cases[j as usize].id));
                self.cases.push(self.engines[0].new_case(key));
                i
            }
        };
        let case = &mut self.cases[i];
        if let Some(versions) = self.versions
            && case.clock.is_none()
        {
            // Pinned at the case's first event; a case no version is in effect for has not begun.
            match versions.at(event.at) {
                Some(v) => {
                    case.version = v as u16;
                    // The case was made with the first version's fields; it starts with its own.
                    case.fields = self.engines[v].new_case("").fields;
                }
                None => {
                    case.version = NO_VERSION;
                    let earliest = versions.tables.iter().filter_map(|t| t.effective).min();
                    let reason = format!(
                        "no version of policy `{}` is in effect at {}{}",
                        versions.tables[0].name,
                        super::time::format(&event.at),
                        earliest
                            .map(|e| format!("; the earliest takes effect at {}", super::time::format(&e)))
                            .unwrap_or_default()
                    );
                    self.engines[0].refuse(case, event, reason);
                    return Some(i);
                }
            }
        }
        if !self.plans.is_empty() {
            Self::migrate_due(&self.engines, &self.plans, case, event.at);
        }
        let engine = &self.engines[usize::from(case.version)];
        engine.apply(case, event);
        if self.compact_closed {
            compact(engine.table, case);
        }
        Some(i)
    }

    /// Watch one case's events dated after `now`, which are not applied: a caller asking for a
    /// case the run never began can say when its first event is ([`LogRun::watched_first`]).
    pub fn watch(mut self, case: &str) -> Self {
        self.watched = Some((case.to_string(), None));
        self
    }

    /// The earliest event after `now` of the watched case, if it has one.
    pub fn watched_first(&self) -> Option<DateTime<Utc>> {
        self.watched.as_ref().and_then(|(_, first)| *first)
    }

    /// Record what the run covers of each version (`docket test --coverage`).
    pub fn with_coverage(mut self) -> Self {
        for engine in &mut self.engines {
            engine.record_coverage();
        }
        self
    }

    /// Accept and ignore these event keys besides each action's parameters, in every version.
    pub fn allow_keys(mut self, keys: &[String]) -> Self {
        for engine in &mut self.engines {
            engine.allow_keys(keys);
        }
        self
    }

    /// Migrate open cases by these plans (each checked against the run's versions), at each
    /// plan's instant, as their events reach it.
    pub fn with_migrations(mut self, plans: Vec<(usize, usize, &'t crate::migrate::Plan)>) -> Self {
        self.plans = plans;
        self.plans.sort_by_key(|(_, _, p)| p.text.at);
        self
    }

    /// Apply every plan due by `to` to a case on its `from` version that had begun by the
    /// plan's instant.
    fn migrate_due(
        engines: &[Engine<'t>],
        plans: &[(usize, usize, &'t crate::migrate::Plan)],
        case: &mut CaseState,
        to: DateTime<Utc>,
    ) {
        for &(from, into, plan) in plans {
            if plan.text.at > to {
                break;
            }
            let begun = case.clock.is_some_and(|c| c <= plan.text.at);
            if usize::from(case.version) == from && begun {
                engines[into].migrate(&engines[from], case, plan, into as u16);
            }
        }
    }

    /// The engine of the version a case is pinned to.
    pub fn engine(&self, case: &CaseState) -> &Engine<'t> {
        self.engines.get(usize::from(case.version)).unwrap_or(&self.engines[0])
    }

    /// Bring every case up to the evaluation instant: `now`, or else its own latest event.
    pub fn finish(&mut self) {
        for case in &mut self.cases {
            let to = self.now.or(case.last_event);
            if let Some(to) = to {
                Self::migrate_due(&self.engines, &self.plans, case, to);
            }
            let engine = self.engines.get(usize::from(case.version)).unwrap_or(&self.engines[0]);
            if let Some(to) = to {
                engine.advance(case, to);
            }
        }
    }

    /// Total rejected events.
    pub fn rejected(&self) -> usize {
        self.cases.iter().map(|c| c.rejected_count as usize).sum()
    }
}

/// A closed case needs only its status and last time (to judge later events); the rest of its
/// memory is given back, so a summary run over a long log holds little per finished case.
fn compact(table: &TransitionTable, case: &mut CaseState) {
    // A terminal status has no rules or timers (the checker makes sure), so nothing reads these.
    if table.statuses[case.status].terminal.is_some() && !case.fields.is_empty() {
        case.fields = Vec::new();
        case.entered = Default::default();
        case.forget_timers();
    }
}
