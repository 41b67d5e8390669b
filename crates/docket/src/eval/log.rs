//! A run over a log of interleaved cases: events are fed one at a time (streaming), each to its
//! case; malformed lines are recorded and skipped. Cases are kept in the order they first appear.

use super::cases::Cases;
use super::engine::{CaseState, Engine, NO_VERSION};
use super::event::{self, Event};
use crate::compile::table::TransitionTable;
use crate::versions::Versions;
use chrono::{DateTime, Utc};
use std::hash::{BuildHasher, RandomState};

/// A log line that is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based line in the log, or of the event's `[[events]]` header in a TOML file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Whatever consumes a log's events: one run, or two side by side (`diff::Replay`). Reading a
/// line or a TOML table into an event, and what counts as malformed, is decided here once.
pub trait EventSink {
    /// Take one event.
    fn event(&mut self, event: &Event);

    /// Take one event whose case id a reader has hashed already (by the run's
    /// [`LogRun::case_hasher`]); a sink with no use for the hash takes the event.
    fn event_hashed(&mut self, event: &Event, hash: u64) {
        let _ = hash;
        self.event(event);
    }

    /// A hint that an event whose case id has this hash comes soon (see [`LogRun::coming`]); a
    /// sink with no use for it ignores it.
    fn coming(&self, hash: u64, near: bool) {
        let _ = (hash, near);
    }

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

    /// Feed a TOML case file's `[[events]]` tables, each reported at its line in the file.
    ///
    /// A large file made of `[[events]]` tables only (the shape case files have) is read one
    /// table at a time: each is parsed on its own, checked in a first pass (so a syntax error
    /// anywhere still feeds nothing) and fed in a second, so memory stays near the file's size
    /// instead of a tree of the whole document many times larger. Any other file is parsed whole
    /// into toml's tree, whose strings borrow from `text`. Lines are counted in one pass.
    fn feed_toml_file(&mut self, text: &str) -> Result<(), String> {
        feed_toml_text(self, text, CHUNKED_TOML_BYTES)
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

/// From this size on, a TOML case file of `[[events]]` tables only is read one table at a time.
const CHUNKED_TOML_BYTES: usize = 1 << 20;

/// [`EventSink::feed_toml_file`], reading table by table from `chunked` bytes on.
fn feed_toml_text<S: EventSink + ?Sized>(sink: &mut S, text: &str, chunked: usize) -> Result<(), String> {
    if text.len() >= chunked
        && let Some(chunks) = event_chunks(text)
    {
        // Every table must parse before any is fed; an error is reported from the whole file,
        // so that it names the line and column in the file.
        if chunks.iter().all(|&(start, end, _)| toml::de::DeTable::parse(&text[start..end]).is_ok()) {
            for &(start, end, line) in &chunks {
                let table = toml::de::DeTable::parse(&text[start..end]).map_err(|e| e.to_string())?;
                match event::from_toml_detable(table.get_ref(), line) {
                    Ok(e) => sink.event(&e),
                    Err(err) => sink.malformed(line, err.to_string()),
                }
            }
            return Ok(());
        }
    }
    let doc = toml::de::DeTable::parse(text).map_err(|e| e.to_string())?;
    let Some(toml::de::DeValue::Array(events)) = doc.get_ref().get("events").map(toml::Spanned::get_ref) else {
        return Err("a case file needs an `events` array of tables ([[events]])".into());
    };
    // Events come in the order of the file, so one pass counts the lines before each.
    let (mut line, mut counted) = (1, 0);
    for ev in events.iter() {
        let start = ev.span().start.clamp(counted, text.len());
        line += text.as_bytes()[counted..start].iter().filter(|&&b| b == b'\n').count();
        counted = start;
        let result = match ev.get_ref() {
            toml::de::DeValue::Table(t) => event::from_toml_detable(t, line),
            _ => Err(event::EventError::NotObject),
        };
        match result {
            Ok(e) => sink.event(&e),
            Err(err) => sink.malformed(line, err.to_string()),
        }
    }
    Ok(())
}

/// The `[[events]]` tables of a case file as `(start, end, line)`: the body after each header,
/// and the header's line. `None` unless the file is nothing but such tables (after comments and
/// blank lines): any other header, a line starting with `[` (an array running over lines, which
/// could hold one) or a multi-line string (which could hold a header-like line) is left to the
/// whole-document parser.
fn event_chunks(text: &str) -> Option<Vec<(usize, usize, usize)>> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut chunks: Vec<(usize, usize, usize)> = Vec::new();
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            let rest = line.strip_prefix("[[events]]")?.trim_start();
            if !(rest.is_empty() || rest.starts_with('#')) {
                return None;
            }
            if let Some(last) = chunks.last_mut() {
                last.1 = offset;
            }
            chunks.push((offset + raw.len(), text.len(), i + 1));
        } else if chunks.is_empty() && !(line.is_empty() || line.starts_with('#')) {
            // A key before the first table: the file has more than events.
            return None;
        }
        offset += raw.len();
    }
    (!chunks.is_empty()).then_some(chunks)
}

impl EventSink for LogRun<'_> {
    fn event(&mut self, event: &Event) {
        self.feed(event);
    }

    fn event_hashed(&mut self, event: &Event, hash: u64) {
        self.feed_hashed(event, hash);
    }

    fn coming(&self, hash: u64, near: bool) {
        LogRun::coming(self, hash, near);
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
    index: super::index::CaseIndex,
    /// A keyed hash (SipHash with keys drawn per run): case ids come from the log, and with a
    /// fixed hash (such as FxHash) an attacker who chooses them can give them all one hash value
    /// and make the index quadratic. The keys never reach output, which follows `cases`.
    hasher: RandomState,
    /// Cases in order of first appearance.
    pub cases: Cases,
    /// The line of each case's first event, by case, when the run is one part of a log split
    /// over threads ([`LogRun::split`]): the parts' cases are merged in this order.
    first_lines: Option<FirstLines>,
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
            index: Default::default(),
            hasher: RandomState::new(),
            cases: Cases::default(),
            first_lines: None,
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
        let hash = self.hasher.hash_one(&*event.case);
        self.feed_hashed(event, hash)
    }

    /// [`LogRun::feed`] with the case id's hash by [`LogRun::case_hasher`] already computed (a
    /// reader thread computes it, so the thread that evaluates does not).
    pub fn feed_hashed(&mut self, event: &Event, hash: u64) -> Option<usize> {
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
        if self.index.len() != self.cases.len() {
            self.rebuild_index();
        }
        let key: &str = &event.case;
        let cases = &self.cases;
        let i = match self.index.find(hash, |i| &*cases[i as usize].id == key) {
            Some(i) => i as usize,
            None => {
                let i = self.cases.len();
                self.index.insert(hash, i as u32);
                self.cases.push(self.engines[0].new_case(key));
                if let Some(lines) = &mut self.first_lines {
                    lines.push(event.line);
                }
                i
            }
        };
        Self::step(&self.engines, self.versions, &self.plans, self.compact_closed, &mut self.cases[i], event);
        Some(i)
    }

    /// Make room for `more` cases beyond those the run holds (an estimate: fewer or more may come).
    pub fn reserve_cases(&mut self, more: usize) {
        if self.index.len() != self.cases.len() {
            self.rebuild_index();
        }
        self.index.reserve(more);
        if let Some(lines) = &mut self.first_lines {
            lines.reserve(more);
        }
    }

    /// The keyed hash the run's case index uses, for [`LogRun::feed_hashed`].
    pub fn case_hasher(&self) -> &RandomState {
        &self.hasher
    }

    /// Index every case (after [`LogRun::merge`], which leaves the index to the next event).
    fn rebuild_index(&mut self) {
        self.index.clear();
        self.index.reserve(self.cases.len());
        for (i, case) in self.cases.iter().enumerate() {
            self.index.insert(self.hasher.hash_one(&*case.id), i as u32);
        }
    }

    /// A hint that an event of the case whose id has this hash comes soon: `near`, within a few
    /// events (its case's state is brought into cache, found by the hash alone), or further
    /// ahead (its index entry is). Either way nothing is changed or found; the event's lookup
    /// and evaluation then find what they read in cache rather than waiting on memory, which at
    /// a million cases is three waits per event.
    #[inline]
    pub fn coming(&self, hash: u64, near: bool) {
        if !near {
            self.index.prefetch(hash);
        } else if let Some(case) = self.index.likely(hash).and_then(|i| self.cases.get(i as usize)) {
            super::index::prefetch(case);
            // A state is two cache lines.
            super::index::prefetch(&case.clock);
        }
    }

    /// Split a run that has not begun into `parts` runs that share its settings and its case
    /// hash, for a log evaluated on several threads: each part is fed the events of the cases
    /// whose hash (by [`LogRun::case_hasher`]) is its number modulo `parts` (see
    /// [`crate::eval::batch::Batch::feed_part`]), and [`LogRun::merge`] puts them back together
    /// in the order one run would have had.
    pub fn split(self, parts: usize) -> Vec<LogRun<'t>> {
        let parts = parts.max(1);
        (0..parts)
            .map(|_| LogRun {
                engines: self.engines.clone(),
                versions: self.versions,
                plans: self.plans.clone(),
                keep_history: self.keep_history,
                now: self.now,
                index: Default::default(),
                hasher: self.hasher.clone(),
                cases: Cases::default(),
                first_lines: Some(FirstLines::default()),
                malformed: Vec::new(),
                malformed_count: 0,
                events: 0,
                future: 0,
                compact_closed: self.compact_closed,
                watched: self.watched.clone(),
            })
            .collect()
    }

    /// Put the parts of a split run back into one run: cases in order of their first event (as
    /// one run over the whole log keeps them), malformed lines by line, counts added. Each
    /// part's memory is given back as its cases are taken.
    pub fn merge(parts: Vec<LogRun<'t>>) -> Option<LogRun<'t>> {
        let mut parts = parts.into_iter();
        let mut merged = parts.next()?;
        let mut sources = vec![(
            std::mem::take(&mut merged.cases).into_draining(),
            merged.first_lines.take().unwrap_or_default().into_lines().peekable(),
        )];
        for part in parts {
            merged.malformed.extend(part.malformed);
            merged.malformed_count += part.malformed_count;
            merged.events += part.events;
            merged.future += part.future;
            if let (Some((_, first)), Some((_, theirs))) = (&mut merged.watched, &part.watched)
                && theirs.is_some_and(|t| first.is_none_or(|f| t < f))
            {
                *first = *theirs;
            }
            for (mine, theirs) in merged.engines.iter_mut().zip(&part.engines) {
                mine.merge_coverage(theirs);
            }
            sources.push((part.cases.into_draining(), part.first_lines.unwrap_or_default().into_lines().peekable()));
        }
        merged.malformed.sort_by_key(|m| m.line);
        merged.index = Default::default();
        // A k-way merge by first line: each part's cases are in that order already.
        let mut spare = Vec::new();
        while let Some(next) = sources
            .iter_mut()
            .enumerate()
            .filter_map(|(k, (_, lines))| lines.peek().map(|&l| (l, k)))
            .min()
            .map(|(_, k)| k)
        {
            let (cases, lines) = &mut sources[next];
            lines.next();
            if let Some(case) = cases.next(&mut spare) {
                merged.cases.push_reusing(case, &mut spare);
            }
        }
        Some(merged)
    }

    /// Apply one event to a case kept outside the run (the service keeps its cases in a store):
    /// the very step `feed` takes once it has found the event's case, so both decide alike.
    pub fn apply_to(&self, case: &mut CaseState, event: &Event) {
        Self::step(&self.engines, self.versions, &self.plans, self.compact_closed, case, event);
    }

    /// A case kept outside the run, before its first event.
    pub fn new_case(&self, id: &str) -> CaseState {
        self.engines[0].new_case(id)
    }

    /// Bring a case kept outside the run up to `to`, as `finish` brings each of the run's.
    pub fn advance_to(&self, case: &mut CaseState, to: DateTime<Utc>) {
        Self::advance_case(&self.engines, &self.plans, case, to);
    }

    /// Migrate a case by the plans due by `to`, then fire its timers due by then.
    fn advance_case(
        engines: &[Engine<'t>],
        plans: &[(usize, usize, &'t crate::migrate::Plan)],
        case: &mut CaseState,
        to: DateTime<Utc>,
    ) {
        Self::migrate_due(engines, plans, case, to);
        let engine = engines.get(usize::from(case.version)).unwrap_or(&engines[0]);
        engine.advance(case, to);
    }

    /// One event to its case: pin the case to a version at its first event, migrate it by the
    /// plans due, apply the event.
    #[inline]
    fn step(
        engines: &[Engine<'t>],
        versions: Option<&'t Versions>,
        plans: &[(usize, usize, &'t crate::migrate::Plan)],
        compact_closed: bool,
        case: &mut CaseState,
        event: &Event,
    ) {
        if let Some(versions) = versions
            && case.clock.is_none()
        {
            // Pinned at the case's first event; a case no version is in effect for has not begun.
            match versions.at(event.at) {
                Some(v) => {
                    case.version = v as u16;
                    // The case was made with the first version's fields; it starts with its own.
                    case.fields = engines[v].new_case("").fields;
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
                    engines[0].refuse(case, event, reason);
                    return;
                }
            }
        }
        if !plans.is_empty() {
            Self::migrate_due(engines, plans, case, event.at);
        }
        let engine = &engines[usize::from(case.version)];
        engine.apply(case, event);
        if compact_closed {
            compact(engine.table, case);
        }
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
            if let Some(to) = self.now.or(case.last_event) {
                Self::advance_case(&self.engines, &self.plans, case, to);
            }
        }
    }

    /// Total rejected events.
    pub fn rejected(&self) -> usize {
        self.cases.iter().map(|c| c.rejected_count as usize).sum()
    }
}

/// The line of each case's first event, in the order the cases began, so increasing: kept as
/// the step from the line before in 32 bits, half the room of whole lines at a million cases.
/// A step that does not fit (more than four billion lines between two new cases) is written as
/// `u32::MAX` followed by the line in two words.
#[derive(Debug, Default)]
struct FirstLines {
    steps: Vec<u32>,
    last: u64,
}

impl FirstLines {
    fn push(&mut self, line: usize) {
        let line = line as u64;
        match line.checked_sub(self.last).and_then(|step| u32::try_from(step).ok()).filter(|&s| s != u32::MAX) {
            Some(step) => self.steps.push(step),
            None => self.steps.extend([u32::MAX, (line >> 32) as u32, line as u32]),
        }
        self.last = line;
    }

    fn reserve(&mut self, more: usize) {
        self.steps.reserve(more);
    }

    fn into_lines(self) -> impl Iterator<Item = u64> {
        let mut steps = self.steps.into_iter();
        let mut last = 0u64;
        std::iter::from_fn(move || {
            last = match steps.next()? {
                u32::MAX => (u64::from(steps.next()?) << 32) | u64::from(steps.next()?),
                step => last + u64::from(step),
            };
            Some(last)
        })
    }
}

/// A closed case needs only its status and last time (to judge later events); the rest of its
/// memory is given back, so a summary run over a long log holds little per finished case.
fn compact(table: &TransitionTable, case: &mut CaseState) {
    // A terminal status has no rules or timers (the checker makes sure), so nothing reads these.
    if table.statuses[case.status].terminal.is_some() && !case.fields.is_empty() {
        case.fields = thin_vec::ThinVec::new();
        case.entered = Default::default();
        case.forget_timers();
        case.shrink_ids();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::test_support::Record;
    use std::borrow::Cow;

    /// rustc-hash 2's byte mixer for one 16-byte chunk: the low and high halves of a 128-bit
    /// product, folded.
    fn mix(x: u64, y: u64) -> u64 {
        let full = u128::from(x) * u128::from(y);
        (full as u64) ^ ((full >> 64) as u64)
    }

    /// `2^pairs` different strings that FxHash (rustc-hash 2) gives one hash value. Its state
    /// after a chunk `(x, y)` is `(s1, mix(s0 ^ x, K ^ y))`, and `mix` is symmetric, so the
    /// chunk `(s0 ^ K ^ y, s0 ^ K ^ x)` leaves the same state; when `s0 ^ K` has no high bit in
    /// any byte both chunks are ASCII. Each chunk is chosen (a few hundred tries) so that the
    /// state two chunks on has that property; every pair doubles the number of strings.
    fn fx_colliding_ids(pairs: usize) -> Vec<String> {
        const SEED1: u64 = 0x243f_6a88_85a3_08d3;
        const SEED2: u64 = 0x1319_8a2e_0370_7344;
        const K: u64 = 0xa409_3822_299f_31d0;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut ascii = || {
            // xorshift, masked to bytes 0x00-0x7f: any ASCII, control characters included.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng & !HIGH
        };
        let (mut s0, mut s1) = (SEED1, SEED2);
        let mut chunks: Vec<[(u64, u64); 2]> = Vec::new();
        for i in 0..pairs + 2 {
            // The first two chunks meet a fixed state, which allows no swap: one choice each.
            let swap = i >= 2;
            let d = s0 ^ K;
            assert!(!swap || d & HIGH == 0);
            let (x, y, t) = loop {
                let (x, y) = (ascii(), ascii());
                let t = mix(s0 ^ x, K ^ y);
                // The state two chunks on starts from `t`; the last chunk needs nothing of it.
                if ((t ^ K) & HIGH == 0 || i >= pairs) && (!swap || (d ^ y, d ^ x) != (x, y)) {
                    break (x, y, t);
                }
            };
            chunks.push(if swap { [(x, y), (d ^ y, d ^ x)] } else { [(x, y), (x, y)] });
            (s0, s1) = (s1, t);
        }
        (0..1usize << pairs)
            .map(|n| {
                let mut bytes = Vec::new();
                for (i, pair) in chunks.iter().enumerate() {
                    let (x, y) = pair[usize::from(i >= 2 && (n >> (i - 2)) & 1 == 1)];
                    bytes.extend(x.to_le_bytes());
                    bytes.extend(y.to_le_bytes());
                }
                // A fixed 16-byte tail: the last block is read whole, after every chunk.
                bytes.extend(b"tail-of-each-id!");
                String::from_utf8(bytes).unwrap()
            })
            .collect()
    }

    fn read_toml(text: &str, chunked: usize) -> (Result<(), String>, Vec<String>) {
        let mut record = Record::default();
        let result = feed_toml_text(&mut record, text, chunked);
        (result, record.0)
    }

    #[test]
    fn a_toml_case_file_read_table_by_table_gives_what_the_whole_document_gives() {
        let events = "# a case file\n\n[[events]]   # the first\ncase = \"A\"\nat = 2026-03-01T09:00:00Z\nrole = \"buyer\"\n\
                      action = \"open\"\namount = \"12.50\"\ncount = 0x10\nflag = true\nratio = 1.5\nlist = [1, 2]\n\
                      \n[[events]]\ncase = \"A\"\nrole = \"buyer\"\n\n[[events]]\ncase = \"B\"\nat = \"2026-03-02T09:00:00Z\"\n\
                      role = \"seller\"\naction = \"accept\"\nid = \"x\"\n";
        assert!(event_chunks(events).is_some_and(|c| c.len() == 3));
        let whole = read_toml(events, usize::MAX);
        assert_eq!(whole.0, Ok(()));
        assert_eq!(whole.1.len(), 3);
        assert!(whole.1[1].starts_with("line 14: "), "{:?}", whole.1);
        assert_eq!(read_toml(events, 0), whole);
        // A syntax error in one table: nothing is fed, and the error names its place in the file.
        let broken = events.replace("flag = true", "flag = ");
        let (result, fed) = read_toml(&broken, 0);
        assert_eq!((result.clone(), fed.is_empty()), (read_toml(&broken, usize::MAX).0, true));
        assert!(result.is_err_and(|e| e.contains("line 10")));
        // Files with more than events are read whole, the same either way.
        for other in [
            format!("title = \"t\"\n{events}"),
            format!("{events}[expect]\nstatus = \"x\"\n"),
            events.replace("list = [1, 2]", "list = [\n[1],\n]"),
            events.replace("\"12.50\"", "\"\"\"12.50\"\"\""),
        ] {
            assert!(event_chunks(&other).is_none(), "{other}");
            assert_eq!(read_toml(&other, 0), read_toml(&other, usize::MAX));
        }
    }

    /// One line of a log for the small policy of these tests.
    fn event<'a>(case: &'a str, at: &str, action: &'a str, line: usize) -> Event<'a> {
        Event {
            case: Cow::Borrowed(case),
            at: crate::eval::time::parse(at).unwrap(),
            role: Cow::Borrowed("user"),
            action: Cow::Borrowed(action),
            id: None,
            params: Default::default(),
            line,
        }
    }

    #[test]
    fn first_lines_come_back_as_given_whatever_their_steps() {
        let given: Vec<u64> =
            vec![1, 2, 2, 40, u64::from(u32::MAX) + 45, u64::from(u32::MAX) + 46, 1 << 40, (1 << 40) + 7];
        let mut lines = FirstLines::default();
        for &l in &given {
            lines.push(l as usize);
        }
        assert_eq!(lines.steps.len(), given.len() + 2 * 2, "two steps too long for 32 bits");
        assert_eq!(lines.into_lines().collect::<Vec<_>>(), given);
    }

    #[test]
    fn a_run_split_over_parts_and_merged_equals_one_run() {
        let table = crate::compile_bytes(
            "p.policy",
            b"policy p \"P\"\nroles user\noutcomes done\ntimers {\n  wait = 2h\n}\nactions {\n  user go\n  user \
              stay\n}\ninitial status a \"A\" {\n  user stay -> a\n  user go -> b\n  after wait -> b\n}\n\
              terminal status b \"B\" outcome done\n"
                .to_vec(),
        )
        .table
        .unwrap();
        // 300 cases over 900 lines, interleaved; some begin only after `now`, one is watched.
        let ids: Vec<String> = (0..300).map(|n| format!("c{}", (n * 7919) % 1000)).collect();
        let mut lines = Vec::new();
        for round in 0..3 {
            for (n, id) in ids.iter().enumerate() {
                let hour = if n % 10 == 0 { 23 } else { round * 3 };
                let action = if (n + round) % 4 == 0 { "go" } else { "stay" };
                lines.push((id.as_str(), format!("2026-01-01T{hour:02}:00:00Z"), action));
            }
        }
        let now = crate::eval::time::parse("2026-01-01T22:00:00Z");
        let watched = ids[10].clone();
        let mut one = LogRun::new(&table, true, now).watch(&watched);
        let mut parts = LogRun::new(&table, true, now).watch(&watched).split(3);
        let hasher = parts[0].case_hasher().clone();
        for (i, (case, at, action)) in lines.iter().enumerate() {
            let e = event(case, at, action, i + 1);
            one.feed(&e);
            let hash = hasher.hash_one(*case);
            parts[crate::eval::batch::part_of(hash, 3)].feed_hashed(&e, hash);
        }
        one.malformed(5, "bad".into());
        parts[0].malformed(5, "bad".into());
        assert!(parts.iter().all(|p| !p.cases.is_empty()), "every part has cases");
        one.finish();
        parts.iter_mut().for_each(LogRun::finish);
        let mut merged = LogRun::merge(parts).unwrap();
        let show = |run: &LogRun| -> Vec<String> {
            run.cases.iter().map(|c| format!("{:?}", crate::report::case::build(run.engine(c), c))).collect()
        };
        assert_eq!(show(&merged), show(&one));
        assert_eq!(
            (merged.events, merged.future, merged.malformed_count, merged.rejected(), merged.watched_first()),
            (one.events, one.future, one.malformed_count, one.rejected(), one.watched_first())
        );
        assert!(one.future > 0 && one.watched_first().is_some());
        // The merged run goes on as one: its index is rebuilt for the next event.
        let again = event(&ids[1], "2026-01-01T21:00:00Z", "go", 1000);
        assert_eq!(merged.feed(&again), one.feed(&again));
        assert_eq!(merged.cases.len(), one.cases.len());
    }

    #[test]
    fn case_ids_chosen_to_share_one_fxhash_value_spread_over_the_case_index() {
        let ids = fx_colliding_ids(12);
        assert_eq!(ids.len(), 4096);
        // The construction is right: FxHash gives all of them one value, and they differ.
        let fx = rustc_hash::FxBuildHasher;
        assert!(ids.iter().all(|id| fx.hash_one(id.as_str()) == fx.hash_one(ids[0].as_str())));
        assert_eq!(ids.iter().collect::<std::collections::BTreeSet<_>>().len(), ids.len());
        let table = crate::eval::test_support::go_to_done();
        let mut run = LogRun::new(&table, false, None);
        // The run's hash is keyed: they spread as any ids would (a collision or two at most).
        let hashes: std::collections::BTreeSet<u64> = ids.iter().map(|id| run.hasher.hash_one(id.as_str())).collect();
        assert!(hashes.len() >= ids.len() - 2, "{} distinct hashes", hashes.len());
        // And each is its own case.
        let at = crate::eval::time::parse("2026-01-01T00:00:00Z").unwrap();
        for (line, id) in ids.iter().enumerate() {
            let event = Event {
                case: Cow::Borrowed(id),
                at,
                role: Cow::Borrowed("user"),
                action: Cow::Borrowed("go"),
                id: None,
                params: Default::default(),
                line,
            };
            run.feed(&event);
        }
        assert_eq!(run.cases.len(), ids.len());
    }
}
