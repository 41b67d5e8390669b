//! The live engine: the library's `LogRun` over cases kept in the store. It owns no second
//! engine and no second parser: an event is read by `docket::eval::event::from_json_line` and
//! applied by `LogRun::apply_to`, timers fire by `LogRun::advance_to`, and reports are
//! `docket::report::case::build`, exactly as `docket eval` does. What is added is bookkeeping:
//! which case states are in memory (a bounded cache; a case not in it is replayed from its
//! stored events), the rows and change records a step writes, and the one rule a live clock
//! needs (an event dated before a deadline already fired for its case is late).

use crate::admin::Policy;
use crate::store::{Batch, CaseRow, CaseSource, ChangeRow, Store, StoreError, StoredEvent};
use chrono::{DateTime, Utc};
use docket::eval::engine::{CaseState, Cause, NO_VERSION};
use docket::eval::event;
use docket::eval::log::LogRun;
use docket::eval::time;
use docket::report::case;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};
use std::collections::HashMap;

/// What became of one posted event.
#[derive(Debug, Clone, PartialEq, Eq, Copy)]
pub enum Verdict {
    /// Applied to its case.
    Applied,
    /// Stored, but no rule took it (as eval rejects it).
    Rejected,
    /// A redelivered id: nothing changed.
    Duplicate,
    /// Not an event.
    Malformed,
}

impl Verdict {
    /// The word of the contract.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Applied => "applied",
            Verdict::Rejected => "rejected",
            Verdict::Duplicate => "duplicate",
            Verdict::Malformed => "malformed",
        }
    }
}

/// One entry of `results`.
#[derive(Debug, Clone)]
pub struct EventResult {
    /// The event's case, if it had one.
    pub case: Option<String>,
    /// The event's delivery id.
    pub id: Option<String>,
    /// What became of it.
    pub verdict: Verdict,
    /// Why it was rejected or malformed.
    pub reason: Option<String>,
    /// The case report after it, as JSON text: serialized straight from the report (no
    /// `serde_json::Value` tree between), since building and freeing that tree per event was
    /// most of a batch's cost.
    pub report: Option<Box<RawValue>>,
    /// A late event: rejected and not stored.
    pub late: bool,
}

/// The contract's JSON object of one result, keys in the contract's order.
#[derive(Serialize)]
struct ResultJson<'a> {
    case: &'a Option<String>,
    id: &'a Option<String>,
    result: &'static str,
    reason: &'a Option<String>,
    report: &'a Option<Box<RawValue>>,
}

impl EventResult {
    /// The contract's JSON object as text, on one line.
    pub fn to_json_text(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Append the contract's JSON object to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let r = ResultJson {
            case: &self.case,
            id: &self.id,
            result: self.verdict.word(),
            reason: &self.reason,
            report: &self.report,
        };
        // Strings, string options and raw JSON into a Vec: serializing cannot fail.
        let _ = serde_json::to_writer(out, &r);
    }
}

/// A case's report as JSON text, as `docket eval --format json` writes it.
fn report_json(engine: &docket::eval::engine::Engine, state: &CaseState) -> Option<Box<RawValue>> {
    serde_json::to_string(&case::build(engine, state)).ok().and_then(|t| RawValue::from_string(t).ok())
}

struct Cached {
    state: CaseState,
    /// The latest deadline the scheduler fired for the case.
    fired_to: Option<DateTime<Utc>>,
    events: i64,
    version: i64,
    used: u64,
    /// Delivery ids of the case's stored rejected events: a redelivery of one is a duplicate
    /// too (the engine remembers only the ids it applied).
    rejected_ids: Vec<String>,
}

/// The delivery ids of a case's stored events that were rejected.
fn rejected_ids(events: &[StoredEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.result == "rejected")
        .filter_map(|e| event::from_json_line(&e.body, 0).ok().and_then(|ev| ev.id.map(|i| i.to_string())))
        .collect()
}

/// How many case states stay in memory; beyond it the least recently used are dropped (and
/// replayed from the store when next needed), so memory does not grow with the number of cases.
/// A cached case costs about 2 KB (its state, history and ids). The bench's AliExpress log keeps
/// about 100,000 cases active at a time whatever its length: with 20,000 more than half the
/// events of a 100k-case log replayed their case from the store, with 100,000 about 3% at 1M.
pub const CACHE_CASES: usize = 100_000;

/// The writer's engine: the policy versions' run, the cache, the next sequence numbers.
pub struct Live {
    policy: Policy,
    run: LogRun<'static>,
    cache: HashMap<String, Cached>,
    tick: u64,
    /// States used at or after this tick are kept by the eviction (the batch in progress).
    pinned: u64,
    cap: usize,
    /// The next event's seq.
    pub next_event: i64,
    /// The next change's seq.
    pub next_change: i64,
}

/// Where a case stood before a step, to say what the step did.
struct Mark {
    version: u16,
    history: usize,
    breached: usize,
    terminal: bool,
}

fn mark(run: &LogRun, state: &CaseState) -> Mark {
    let table = run.engine(state).table;
    Mark {
        version: state.version,
        history: state.history().len(),
        breached: state.breached.len(),
        terminal: table.statuses[state.status].terminal.is_some(),
    }
}

/// What a batch changed, to undo in memory if its transaction fails.
#[derive(Default)]
pub struct Touched {
    cases: Vec<String>,
    next_event: i64,
    next_change: i64,
}

impl Touched {
    /// The cases the batch touched.
    pub fn cases(&self) -> &[String] {
        &self.cases
    }
}

impl Live {
    /// A live engine over the policy, continuing the store's sequences.
    pub fn new(policy: Policy, heads: (i64, i64)) -> Self {
        Live {
            policy,
            run: policy.run(None),
            cache: HashMap::new(),
            tick: 0,
            pinned: u64::MAX,
            cap: CACHE_CASES,
            next_event: heads.0 + 1,
            next_change: heads.1 + 1,
        }
    }

    /// Run on a new policy: the old versions in their places with one more after them, or one
    /// more migration plan.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
        self.run = policy.run(None);
    }

    /// When the scheduler must next look at a case: its earliest pending timer, or a plan's
    /// instant that moves it, whichever comes first.
    fn wake(&self, state: &CaseState) -> Option<DateTime<Utc>> {
        let engine = self.run.engine(state);
        let timer = engine.pending(state).first().map(|(d, _)| *d);
        let plan = self.policy.next_move(state.version, state.clock);
        match (timer, plan) {
            (Some(t), Some(p)) => Some(t.min(p)),
            (t, p) => t.or(p),
        }
    }

    /// Continue the sequences from these heads (the last event and change seq): on PostgreSQL,
    /// read in the transaction that holds the heads row, since other instances append too.
    pub fn set_heads(&mut self, heads: (i64, i64)) {
        self.next_event = heads.0 + 1;
        self.next_change = heads.1 + 1;
    }

    /// From now until the next call, every state used stays in the cache (which may then exceed
    /// its bound by one batch): on PostgreSQL a state checked against its row at the start of a
    /// transaction must still be there when the transaction applies to it.
    pub fn pin_from_now(&mut self) {
        self.pinned = self.tick + 1;
    }

    /// Whether the cache holds the case as of this row version. A state cached at another
    /// version is dropped (another instance changed the case since), to be read again.
    pub fn holds(&mut self, id: &str, version: i64) -> bool {
        // Used now: kept by the eviction that loading other cases may run.
        self.tick += 1;
        let tick = self.tick;
        match self.cache.get_mut(id) {
            Some(c) if c.version == version => {
                c.used = tick;
                true
            }
            Some(_) => {
                self.cache.remove(id);
                false
            }
            None => false,
        }
    }

    /// The pending timers of a case whose final row is `row`, in Unix ms, earliest first: every
    /// pending deadline from the row's wake-up on, and a migration plan's instant that moves the
    /// case. None when the row wakes for nothing (closed, stopped, or past a deadline that did
    /// not move it).
    pub fn timers(&self, row: &CaseRow) -> Vec<i64> {
        let Some(wake) = row.wake_ms else { return Vec::new() };
        let mut out = vec![wake];
        if let Some(c) = self.cache.get(&row.case) {
            let engine = self.run.engine(&c.state);
            out.extend(engine.pending(&c.state).iter().map(|(d, _)| d.timestamp_millis()).filter(|d| *d >= wake));
            if let Some(p) = self.policy.next_move(c.state.version, c.state.clock) {
                out.push(p.timestamp_millis().max(wake));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Remember where the sequences stand before a batch.
    pub fn begin(&self) -> Touched {
        Touched { cases: Vec::new(), next_event: self.next_event, next_change: self.next_change }
    }

    /// A batch's transaction failed: forget the states it touched and reuse its numbers.
    pub fn rollback(&mut self, touched: Touched) {
        for c in &touched.cases {
            self.cache.remove(c);
        }
        self.next_event = touched.next_event;
        self.next_change = touched.next_change;
    }

    /// Replay one case's stored events into its state: the same parse and the same step as eval.
    pub fn replay(run: &LogRun, id: &str, events: &[StoredEvent]) -> Result<CaseState, StoreError> {
        let mut state = run.new_case(id);
        for e in events {
            let ev = event::from_json_line(&e.body, e.seq as usize)
                .map_err(|err| StoreError(format!("stored event {} of case `{id}` does not read: {err}", e.seq)))?;
            run.apply_to(&mut state, &ev);
        }
        Ok(state)
    }

    fn load(&mut self, store: &dyn CaseSource, id: &str) -> Result<(), StoreError> {
        self.tick += 1;
        if let Some(c) = self.cache.get_mut(id) {
            c.used = self.tick;
            return Ok(());
        }
        let (state, fired_to, events, version, rejected) = match store.case_row(id)? {
            None => (self.run.new_case(id), None, 0, 0, Vec::new()),
            Some(row) => {
                let events = store.case_events(id)?;
                let mut state = Self::replay(&self.run, id, &events)?;
                let fired_to = row.fired_to.as_deref().and_then(time::parse);
                if let Some(f) = fired_to {
                    self.run.advance_to(&mut state, f);
                }
                (state, fired_to, row.events, row.version, rejected_ids(&events))
            }
        };
        self.evict();
        let cached = Cached { state, fired_to, events, version, used: self.tick, rejected_ids: rejected };
        self.cache.insert(id.to_string(), cached);
        Ok(())
    }

    /// Keep the cache within its bound: drop the least recently used eighth.
    fn evict(&mut self) {
        if self.cache.len() < self.cap {
            return;
        }
        let mut uses: Vec<u64> = self.cache.values().map(|c| c.used).collect();
        uses.sort_unstable();
        let cut = uses[uses.len() / 8];
        let pinned = self.pinned;
        self.cache.retain(|_, c| c.used > cut || c.used >= pinned);
    }

    /// Apply a request's lines (each a JSON object) in order, adding what they write to `batch`.
    pub fn post(
        &mut self,
        store: &dyn CaseSource,
        lines: &[String],
        batch: &mut Batch,
        touched: &mut Touched,
    ) -> Result<Vec<EventResult>, StoreError> {
        let mut results = Vec::with_capacity(lines.len());
        for text in lines {
            results.push(self.post_one(store, text, batch, touched)?);
        }
        Ok(results)
    }

    fn post_one(
        &mut self,
        store: &dyn CaseSource,
        text: &str,
        batch: &mut Batch,
        touched: &mut Touched,
    ) -> Result<EventResult, StoreError> {
        let seq = self.next_event;
        let malformed = |reason: String| EventResult {
            case: None,
            id: None,
            verdict: Verdict::Malformed,
            reason: Some(reason),
            report: None,
            late: false,
        };
        // The line an event is reported at is its seq: its line in an export of the whole log.
        let ev = match event::from_json_line(text, seq as usize) {
            Ok(ev) => ev,
            Err(e) => return Ok(malformed(e.to_string())),
        };
        if ev.params.iter().any(|(k, _)| k == "seq") {
            return Ok(malformed("`seq` is given by the server: leave it out".into()));
        }
        let id = ev.case.to_string();
        self.load(store, &id)?;
        touched.cases.push(id.clone());
        let Some(cached) = self.cache.get_mut(&id) else {
            return Err(StoreError(format!("case `{id}` was not loaded")));
        };
        let mut result = EventResult {
            case: Some(id.clone()),
            id: ev.id.as_deref().map(str::to_string),
            verdict: Verdict::Duplicate,
            reason: None,
            report: None,
            late: false,
        };
        let state = &mut cached.state;
        if ev.id.as_deref().is_some_and(|i| state.seen_id(i) || cached.rejected_ids.iter().any(|r| r == i)) {
            result.report = report_json(self.run.engine(state), state);
            return Ok(result);
        }
        // Late: dated after the case's previous event but before a deadline the scheduler has
        // already fired (and published) for it. Eval would apply it before that deadline, which
        // cannot be undone now, so it is refused and not stored: the log stays one that eval
        // replays to the same states.
        if let Some(fired) = cached.fired_to
            && ev.at < fired
            && state.last_event.is_none_or(|l| ev.at >= l)
        {
            result.verdict = Verdict::Rejected;
            result.late = true;
            result.reason = Some(format!(
                "it is dated {}, before {}, when a deadline of the case already fired; send events before their deadlines",
                time::format(&ev.at),
                time::format(&fired)
            ));
            result.report = report_json(self.run.engine(state), state);
            return Ok(result);
        }
        let before = mark(&self.run, state);
        let (applied, rejected) = (state.applied_count, state.rejected_count);
        self.run.apply_to(state, &ev);
        let state = &cached.state;
        result.verdict = if state.applied_count > applied {
            Verdict::Applied
        } else if state.rejected_count > rejected {
            Verdict::Rejected
        } else {
            Verdict::Duplicate
        };
        if result.verdict == Verdict::Duplicate {
            result.report = report_json(self.run.engine(state), state);
            return Ok(result);
        }
        if result.verdict == Verdict::Rejected {
            result.reason = state.rejected().last().map(|r| r.reason.clone());
            if let Some(i) = &result.id {
                cached.rejected_ids.push(i.clone());
            }
        }
        cached.events += 1;
        cached.version += 1;
        let verdict = result.verdict.word().to_string();
        batch.events.push(StoredEvent { seq, case: id.clone(), result: verdict, body: text.to_string() });
        self.next_event += 1;
        let changes = self.changes(&id, &before, Some(seq));
        self.push_changes(&id, changes, batch);
        let (row, report) = self.row_and_report(&id);
        if let Some(row) = row {
            batch.cases.push(row);
        }
        result.report = report;
        Ok(result)
    }

    fn push_changes(&mut self, id: &str, changes: Vec<Json>, batch: &mut Batch) {
        for c in changes {
            let seq = self.next_change;
            self.next_change += 1;
            // `seq` and `id` first, then the record's own keys: written as text in front of the
            // record's, rather than by rebuilding its map.
            let text = c.to_string();
            let body = match text.strip_prefix('{') {
                Some("}") => format!("{{\"seq\":{seq},\"id\":\"docket-change-{seq}\"}}"),
                Some(rest) => format!("{{\"seq\":{seq},\"id\":\"docket-change-{seq}\",{rest}"),
                None => text,
            };
            batch.changes.push(ChangeRow { seq, case: id.to_string(), body });
        }
    }

    /// The case's summary row and its report, as it stands in the cache.
    fn row_and_report(&self, id: &str) -> (Option<CaseRow>, Option<Box<RawValue>>) {
        let report = self.cache.get(id).and_then(|c| report_json(self.run.engine(&c.state), &c.state));
        (self.row(id), report)
    }

    /// The case's summary row, as it stands in the cache (no report is built).
    fn row(&self, id: &str) -> Option<CaseRow> {
        let c = self.cache.get(id)?;
        let state = &c.state;
        let engine = self.run.engine(state);
        let table = engine.table;
        let status = &table.statuses[state.status];
        let next = case::timed_deadlines(engine, state).first().map(|(at, _, _)| *at);
        let wake = self.wake(state).map(|d| d.timestamp_millis());
        // As the report says it: none for a case no version was in effect for.
        let policy_version = if state.version == NO_VERSION { None } else { table.version.clone() };
        Some(CaseRow {
            case: id.to_string(),
            status: status.path.clone(),
            label: status.label.clone(),
            terminal: status.terminal.is_some(),
            next_deadline: next.map(|d| time::format(&d)),
            next_deadline_ms: next.map(|d| d.timestamp_millis()),
            breached: !state.breached.is_empty(),
            policy_version,
            last_event: state.last_event.map(|t| time::format(&t)),
            fired_to: c.fired_to.map(|t| time::format(&t)),
            wake_ms: if status.terminal.is_some() || state.stuck().is_some() { None } else { wake },
            events: c.events,
            version: c.version,
        })
    }

    /// The change records of what a case did since `before`: transitions (with their cause),
    /// timers that moved it, SLA deadlines breached, and its closing with the outcome.
    fn changes(&self, id: &str, before: &Mark, event: Option<i64>) -> Vec<Json> {
        let Some(c) = self.cache.get(id) else { return Vec::new() };
        let state = &c.state;
        let table = self.run.engine(state).table;
        let path = |s: usize| table.statuses.get(s).map(|s| s.path.clone()).unwrap_or_default();
        let mut out: Vec<(DateTime<Utc>, Json)> = Vec::new();
        // A migration freezes history: then every step is new.
        let from = if state.history().len() >= before.history { before.history } else { 0 };
        for step in &state.history()[from..] {
            let at = time::format(&step.at);
            let (cause, extra) = match &step.cause {
                Cause::Event { line, .. } => ("event", json!({ "event": line })),
                Cause::Timer(t) => {
                    let name = table.timers.get(*t).map(|d| d.name.clone()).unwrap_or_default();
                    out.push((step.at, json!({ "kind": "timer", "case": id, "at": at, "timer": name })));
                    ("timer", json!({ "timer": name }))
                }
                Cause::Automatic => ("automatic", json!({ "event": event })),
            };
            let mut rec = json!({
                "kind": "transition",
                "case": id,
                "at": at,
                "from": path(step.from),
                "to": path(step.to),
                "cause": cause,
                "policy_line": step.policy_line,
            });
            if let (Json::Object(m), Json::Object(x)) = (&mut rec, extra) {
                m.extend(x);
            }
            out.push((step.at, rec));
        }
        if state.version != before.version {
            let name = |v: u16| {
                self.policy.versions.tables.get(usize::from(v)).and_then(|t| t.version.clone()).unwrap_or_default()
            };
            let at = state.frozen_history().last().map(|s| s.at).or(state.clock).unwrap_or_default();
            out.push((
                at,
                json!({ "kind": "migration", "case": id, "at": time::format(&at), "from": name(before.version), "to": name(state.version), "status": path(state.status) }),
            ));
        }
        for b in state.breached.iter().skip(before.breached) {
            let name = table.timers.get(b.timer).map(|d| d.name.clone()).unwrap_or_default();
            out.push((b.at, json!({ "kind": "breach", "case": id, "at": time::format(&b.at), "timer": name })));
        }
        let terminal = table.statuses[state.status].terminal.is_some();
        if terminal && !before.terminal {
            let at = state.history().last().map(|s| s.at).or(state.clock).unwrap_or_default();
            let outcome = case::outcome(table, state);
            out.push((
                at,
                json!({ "kind": "closed", "case": id, "at": time::format(&at), "status": path(state.status), "outcome": outcome }),
            ));
        }
        // In time order; records at one instant keep the order they were made in.
        out.sort_by_key(|(at, _)| *at);
        out.into_iter().map(|(_, j)| j).collect()
    }

    /// Fire every deadline due by `now`, globally in deadline order (then case id), each dated
    /// at its deadline; what it changes goes into `batch`. Returns the timers' lag behind their
    /// deadlines, in seconds, one per deadline fired.
    pub fn fire_due(
        &mut self,
        store: &dyn Store,
        now: DateTime<Utc>,
        batch: &mut Batch,
        touched: &mut Touched,
    ) -> Result<Vec<f64>, StoreError> {
        let due = store.due(now.timestamp_millis(), 1_000)?;
        self.fire_cases(store, due, now, batch, touched)
    }

    /// Fire the deadlines due by `now` of these cases ((case, its earliest due deadline in Unix
    /// ms), from the store's wake-ups or, on PostgreSQL, the timers claimed), in deadline order.
    pub fn fire_cases(
        &mut self,
        store: &dyn CaseSource,
        due: Vec<(String, i64)>,
        now: DateTime<Utc>,
        batch: &mut Batch,
        touched: &mut Touched,
    ) -> Result<Vec<f64>, StoreError> {
        // (deadline ms, case): a min-heap over the due cases, refilled as each case moves.
        let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, String)>> =
            due.into_iter().map(|(c, w)| std::cmp::Reverse((w, c))).collect();
        let mut lags = Vec::new();
        let mut rows: HashMap<String, CaseRow> = HashMap::new();
        while let Some(std::cmp::Reverse((_, id))) = heap.pop() {
            self.load(store, &id)?;
            let Some(cached) = self.cache.get(&id) else { continue };
            let Some(deadline) = self.wake(&cached.state) else {
                // Nothing pending after all (the row was ahead of the state): rewrite the row.
                touched.cases.push(id.clone());
                if let Some(row) = self.row(&id) {
                    rows.insert(id.clone(), row);
                }
                continue;
            };
            if deadline > now {
                touched.cases.push(id.clone());
                if let Some(row) = self.row(&id) {
                    rows.insert(id.clone(), row);
                }
                continue;
            }
            let Some(cached) = self.cache.get_mut(&id) else { continue };
            let before = mark(&self.run, &cached.state);
            self.run.advance_to(&mut cached.state, deadline);
            cached.fired_to = Some(cached.fired_to.map_or(deadline, |f| f.max(deadline)));
            cached.version += 1;
            lags.push((now - deadline).num_milliseconds() as f64 / 1000.0);
            touched.cases.push(id.clone());
            let changes = self.changes(&id, &before, None);
            self.push_changes(&id, changes, batch);
            if let Some(mut row) = self.row(&id) {
                // A case that did not move past this deadline (a policy error stopped it) is not
                // woken for it again.
                if row.wake_ms.is_some_and(|w| w <= deadline.timestamp_millis()) {
                    row.wake_ms = None;
                }
                if let Some(w) = row.wake_ms.filter(|w| *w <= now.timestamp_millis()) {
                    heap.push(std::cmp::Reverse((w, id.clone())));
                }
                rows.insert(id.clone(), row);
            }
        }
        let mut rows: Vec<CaseRow> = rows.into_values().collect();
        rows.sort_by(|a, b| a.case.cmp(&b.case));
        batch.cases.extend(rows);
        Ok(lags)
    }
}

/// A case's report as of `at`, from its stored events: the events dated by then, then timers
/// due by then, exactly as `docket eval --now AT` computes it. `None` if no event of the case
/// is dated by then.
pub fn report_at(policy: Policy, events: &[StoredEvent], at: DateTime<Utc>) -> Result<Option<Json>, StoreError> {
    let mut run = policy.run(Some(at));
    for e in events {
        let ev = event::from_json_line(&e.body, e.seq as usize)
            .map_err(|err| StoreError(format!("stored event {} does not read: {err}", e.seq)))?;
        run.feed(&ev);
    }
    run.finish();
    Ok(run.cases.first().and_then(|c| serde_json::to_value(case::build(run.engine(c), c)).ok()))
}

/// Replay every case from the log and compare with its stored row; the cases that disagree,
/// with what differs. Run at start, before the server accepts anything.
pub fn check_store(policy: Policy, store: &dyn Store) -> Result<(usize, Vec<String>), StoreError> {
    let mut live = Live::new(policy, (0, 0));
    live.cap = 1;
    let mut bad = Vec::new();
    let mut cases = 0usize;
    let mut failure = None;
    store.each_case(&mut |row, events| {
        cases += 1;
        let mut state = match Live::replay(&live.run, &row.case, &events) {
            Ok(s) => s,
            Err(e) => {
                failure.get_or_insert(e);
                return;
            }
        };
        let fired_to = row.fired_to.as_deref().and_then(time::parse);
        if let Some(f) = fired_to {
            live.run.advance_to(&mut state, f);
        }
        live.cache.clear();
        live.cache.insert(
            row.case.clone(),
            Cached {
                state,
                fired_to,
                events: events.len() as i64,
                version: row.version,
                used: 0,
                rejected_ids: Vec::new(),
            },
        );
        let Some(replayed) = live.row(&row.case) else { return };
        if row.version == 0 && row.status.is_empty() {
            bad.push(format!("case `{}`: events stored but no case row", row.case));
        } else if replayed != row {
            bad.push(format!("case `{}`: {}", row.case, differences(&row, &replayed)));
        }
    })?;
    match failure {
        Some(e) => Err(e),
        None => Ok((cases, bad)),
    }
}

fn differences(stored: &CaseRow, replayed: &CaseRow) -> String {
    let mut out = Vec::new();
    let mut cmp = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} stored {a}, replayed {b}"));
        }
    };
    cmp("status", stored.status.clone(), replayed.status.clone());
    cmp("next deadline", format!("{:?}", stored.next_deadline), format!("{:?}", replayed.next_deadline));
    cmp("breached", stored.breached.to_string(), replayed.breached.to_string());
    cmp("wake", format!("{:?}", stored.wake_ms), format!("{:?}", replayed.wake_ms));
    cmp("events", stored.events.to_string(), replayed.events.to_string());
    cmp("last event", format!("{:?}", stored.last_event), format!("{:?}", replayed.last_event));
    if out.is_empty() {
        out.push("the summary row differs".into());
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;

    const POLICY: &str = "policy p \"P\"\n\nroles buyer\n\noutcomes done\n\ntimers {\n  wait = 1d\n}\n\nactions {\n  buyer open\n}\n\ninitial status new \"New\" {\n  buyer open -> open\n}\n\nstatus open \"Open\" {\n  after wait -> closed\n}\n\nterminal status closed \"Closed\" outcome done\n";

    fn policy() -> Policy {
        let compiled = docket::compile_bytes("p.policy", POLICY.as_bytes().to_vec());
        let table = compiled.table.unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
        let versions = Box::leak(Box::new(docket::versions::Versions::single("p.policy", table)));
        Policy { versions, plans: &[] }
    }

    #[test]
    fn the_start_up_check_names_a_case_whose_stored_row_disagrees_with_its_events() {
        let dir = std::env::temp_dir().join(format!("docket-serve-check-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("c.sqlite");
        let _ = std::fs::remove_file(&path);
        let mut store = SqliteStore::open_writer(&path).unwrap();
        let policy = policy();
        let mut live = Live::new(policy, (0, 0));
        let mut batch = Batch::default();
        let mut touched = live.begin();
        let lines: Vec<String> = ["A", "B"]
            .iter()
            .map(|c| format!(r#"{{"case":"{c}","at":"2026-01-01T00:00:00Z","role":"buyer","action":"open"}}"#))
            .collect();
        let results = live.post(&store, &lines, &mut batch, &mut touched).unwrap();
        assert!(results.iter().all(|r| r.verdict == Verdict::Applied));
        store.commit(&batch).unwrap();
        assert_eq!(check_store(policy, &store).unwrap(), (2, vec![]));
        // Case B's row says it closed, which its one event does not.
        let mut row = store.case_row("B").unwrap().unwrap();
        row.status = "closed".into();
        store.commit(&Batch { cases: vec![row], ..Batch::default() }).unwrap();
        let (cases, bad) = check_store(policy, &store).unwrap();
        assert_eq!(cases, 2);
        assert_eq!(bad, ["case `B`: status stored closed, replayed open"]);
        // The scheduler fires A's and B's day-long timers when their time comes, in order.
        let mut batch = Batch::default();
        let mut touched = live.begin();
        let at = time::parse("2026-01-03T00:00:00Z").unwrap();
        let lags = live.fire_due(&store, at, &mut batch, &mut touched).unwrap();
        assert_eq!(lags, [86_400.0, 86_400.0]);
        let closed: Vec<&str> =
            batch.changes.iter().filter(|c| c.body.contains(r#""kind":"closed""#)).map(|c| c.case.as_str()).collect();
        assert_eq!(closed, ["A", "B"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_result_is_written_in_the_contracts_key_order_with_the_report_as_eval_writes_it() {
        let dir = std::env::temp_dir().join(format!("docket-serve-text-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("t.sqlite");
        let _ = std::fs::remove_file(&path);
        let store = SqliteStore::open_writer(&path).unwrap();
        let policy = policy();
        let mut live = Live::new(policy, (0, 0));
        let mut batch = Batch::default();
        let mut touched = live.begin();
        let line = [r#"{"case":"A","at":"2026-01-01T00:00:00Z","role":"buyer","action":"open","id":"e1"}"#.to_string()];
        let results = live.post(&store, &line, &mut batch, &mut touched).unwrap();
        let text = results[0].to_json_text();
        assert!(
            text.starts_with(r#"{"case":"A","id":"e1","result":"applied","reason":null,"report":{"case":"A","#),
            "{text}"
        );
        // The report is the one `docket eval --format json` gives for the same log.
        let report = report_at(policy, &batch.events, time::parse("2026-01-01T00:00:00Z").unwrap()).unwrap().unwrap();
        let answer: Json = serde_json::from_str(&results[0].to_json_text()).unwrap();
        assert_eq!(answer["report"], report);
        // Change records start with their seq and stable id, then their own keys.
        assert!(
            batch.changes[0].body.starts_with(r#"{"seq":1,"id":"docket-change-1","kind":"transition","#),
            "{}",
            batch.changes[0].body
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_cached_state_at_another_row_version_is_dropped_and_states_of_the_batch_survive_eviction() {
        let dir = std::env::temp_dir().join(format!("docket-serve-holds-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("h.sqlite");
        let _ = std::fs::remove_file(&path);
        let mut store = SqliteStore::open_writer(&path).unwrap();
        let mut live = Live::new(policy(), (0, 0));
        let line = |c: &str| format!(r#"{{"case":"{c}","at":"2026-01-01T00:00:00Z","role":"buyer","action":"open"}}"#);
        let mut batch = Batch::default();
        let mut touched = live.begin();
        live.post(&store, &[line("A"), line("B")], &mut batch, &mut touched).unwrap();
        store.commit(&batch).unwrap();
        let version = store.case_row("A").unwrap().unwrap().version;
        assert!(live.holds("A", version));
        // Another instance wrote the case since: the state is dropped, to be read again.
        assert!(!live.holds("A", version + 1));
        assert!(!live.holds("A", version));
        // A batch's states stay while the cache makes room for more.
        live.cap = 2;
        live.pin_from_now();
        assert!(live.holds("B", version));
        let mut batch = Batch::default();
        let mut touched = live.begin();
        live.post(&store, &[line("C"), line("D"), line("E")], &mut batch, &mut touched).unwrap();
        assert!(live.holds("B", version), "B was checked in this batch and must not be evicted");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
