//! The engine: applies events and timers to one case's state, following the semantics written
//! in `grammar/README.md` ("Evaluation"). It never reads the clock or files: `now` is an argument.

use super::event::{Event, RawValue};
use super::expr::{self, Scope};
use crate::compile::print::expr_text;
use crate::compile::table::*;
use chrono::{DateTime, TimeDelta, Utc};
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use thin_vec::ThinVec;

/// How many times timers may move a case between two of its events (or up to `--now`). A real
/// process moves a case a handful of times by itself; a timer cycle with no event in it (`status
/// ping { after tick -> ping }`) would otherwise make evaluation as long as simulated time.
const MAX_TIMER_MOVES: usize = 10_000;

/// A case that no policy version was in effect for: its events are refused.
pub const NO_VERSION: u16 = u16::MAX;

/// How many automatic transitions may follow one another before the engine stops the case:
/// the checker forbids cycles, so reaching this means a policy bug, reported on the case.
const MAX_AUTOMATIC_STEPS: usize = 100;

/// An event's parameters, typed; inline, since actions have a few.
type ParamValues = smallvec::SmallVec<[Value; 4]>;

/// What caused a step in a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// An event: its log line and the action it was (which names its role).
    Event { line: usize, action: ActionId },
    /// A timer expired.
    Timer(TimerId),
    /// An automatic transition.
    Automatic,
}

/// One step of a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// When.
    pub at: DateTime<Utc>,
    /// Status before.
    pub from: StatusId,
    /// Status after.
    pub to: StatusId,
    /// Why.
    pub cause: Cause,
    /// The policy line of the rule or timer that fired.
    pub policy_line: usize,
}

/// An event that was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Log line.
    pub line: usize,
    /// When it claimed to happen.
    pub at: DateTime<Utc>,
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// Why, in words.
    pub reason: String,
}

/// An SLA deadline that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Breach {
    /// Which timer.
    pub timer: TimerId,
    /// Its deadline.
    pub at: DateTime<Utc>,
}

/// Everything known about one case.
#[derive(Debug)]
pub struct CaseState {
    /// Case id.
    pub id: CompactString,
    /// Current (leaf) status.
    pub status: StatusId,
    /// When each status the case is in was entered, outermost first.
    pub entered: Entered,
    /// Field values, by field id.
    pub fields: ThinVec<Value>,
    /// Timers already fired (or passed with a false condition) in the current stay: timer,
    /// arming status, and the instant its clock started (the status's entry, or a restart).
    spent: ThinVec<Spent>,
    /// SLA deadlines missed.
    pub breached: ThinVec<Breach>,
    /// The instant the case has been evaluated up to.
    pub clock: Option<DateTime<Utc>>,
    /// Time of the latest event seen (applied or rejected).
    pub last_event: Option<DateTime<Utc>>,
    /// Delivery ids applied; empty (no allocation) for cases whose events carry none.
    ids: IdSet,
    /// History, rejections and policy errors: kept only when history is wanted (or a policy
    /// error stopped the case), so a summary run holds none of it.
    log: Option<Box<CaseLog>>,
    /// The index of the policy version the case is pinned to (0 with one policy), or
    /// [`NO_VERSION`] when no version was in effect at its first event.
    pub version: u16,
    /// A migration fixed or restarted some deadline of this case (see `Clocks`): deadlines then
    /// take the slower path that looks for it. Sits in padding, so a case is no larger.
    migrated_clocks: bool,
    /// Events applied.
    pub applied_count: u32,
    /// Events rejected.
    pub rejected_count: u32,
    /// Redeliveries ignored.
    pub duplicate_count: u32,
}

/// The state of timers that restart on events or pause.
#[derive(Debug, Clone, Default)]
struct Clocks {
    /// For timers that restart on events: the last applied event that restarted each.
    restarts: Vec<(TimerId, DateTime<Utc>)>,
    /// For timers whose clock can pause: how long each has been paused.
    pauses: Vec<PauseState>,
    /// Deadlines a migration fixed (`keep`, `earlier`, `later`): timer, arming status, the
    /// start of the run it applies to, and the due time.
    fixed: Vec<(TimerId, StatusId, DateTime<Utc>, DateTime<Utc>)>,
}

/// A step of a case's history under an earlier policy version, kept as text: the ids of that
/// version mean nothing to the one the case is on now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenStep {
    /// When.
    pub at: DateTime<Utc>,
    /// Status before (path).
    pub from: String,
    /// Status after (path).
    pub to: String,
    /// `buyer open`, `timer seller_response`, `automatic`, `migration 2026.11 -> 2026.12`.
    pub cause: String,
    /// Log line of the event, for an event.
    pub line: Option<usize>,
    /// The policy line of the rule or timer (0 for a migration).
    pub policy_line: usize,
}

/// A timer's deadline that needs no calendar, restart or pause.
#[derive(Debug, Clone, Copy)]
enum SimpleClock {
    /// A fixed duration after entering the arming status.
    After(TimeDelta),
    /// The time held in a field.
    Field(FieldId),
}

/// How long a pausable timer's clock has stood still in its current run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseState {
    /// Which timer.
    timer: TimerId,
    /// The status that arms it.
    owner: StatusId,
    /// When its clock started; a new start begins a new run.
    start: DateTime<Utc>,
    /// Paused time before the current pause.
    total: TimeDelta,
    /// Paused since, if paused now.
    since: Option<DateTime<Utc>>,
}

/// When a case entered each status it is in, outermost first. Inline: a case sits a few levels
/// deep, and this is read for every event, so it should share the case's cache lines.
pub type Entered = ThinVec<(u32, DateTime<Utc>)>;

/// A status id as a case state keeps it: in 32 bits, since a policy's source is far too small to
/// declare 2^32 statuses or timers, so a case's entry times and spent timers take less room.
pub fn short_id(id: usize) -> u32 {
    id as u32
}

/// The delivery ids applied to one case. A case has a handful of events, so a short list searched
/// in order is smallest and fastest; past [`IdSet::LIST_LIMIT`] ids it becomes a hash set, so a
/// long-lived case never makes the check quadratic. The set's hash is keyed (std's SipHash with
/// random keys), since delivery ids come from the log: with a fixed hash, chosen ids could all
/// share one value. Nothing iterates the set.
#[derive(Debug, Default)]
pub enum IdSet {
    /// No ids.
    #[default]
    Empty,
    /// Up to `LIST_LIMIT` ids of at most 255 bytes, packed: each is its length in one byte, then
    /// its bytes. A delivery id is a few dozen bytes at most, and a summary run keeps the ids of
    /// a million cases (closed ones too, to tell a redelivery from a late event): packed, two
    /// 16-byte ids take 50 bytes instead of 112 as a list of strings.
    Few(ThinVec<u8>),
    /// Many ids, or a long one.
    Many(Box<std::collections::HashSet<CompactString>>),
}

impl IdSet {
    const LIST_LIMIT: usize = 16;

    /// Whether an id was applied.
    pub fn contains(&self, id: &str) -> bool {
        match self {
            IdSet::Empty => false,
            IdSet::Few(list) => packed(list).any(|x| x == id.as_bytes()),
            IdSet::Many(set) => set.contains(id),
        }
    }

    /// Record an applied id (one not already recorded).
    pub fn insert(&mut self, id: &str) {
        let fits = id.len() <= usize::from(u8::MAX);
        match self {
            IdSet::Empty if fits => {
                let mut list = ThinVec::with_capacity(id.len() + 1);
                push_packed(&mut list, id);
                *self = IdSet::Few(list);
            }
            IdSet::Few(list) if fits && packed(list).count() < Self::LIST_LIMIT => push_packed(list, id),
            IdSet::Empty | IdSet::Few(_) => {
                let mut set: std::collections::HashSet<CompactString> = match self {
                    // The bytes were a `str`'s, cut at its ends: they are UTF-8.
                    IdSet::Few(list) => packed(list).map(|x| CompactString::from(String::from_utf8_lossy(x))).collect(),
                    _ => Default::default(),
                };
                set.insert(CompactString::from(id));
                *self = IdSet::Many(Box::new(set));
            }
            IdSet::Many(set) => {
                set.insert(CompactString::from(id));
            }
        }
    }

    /// Give back the room kept for more ids (a closed case takes no more).
    pub fn shrink(&mut self) {
        if let IdSet::Few(list) = self {
            list.shrink_to_fit();
        }
    }
}

/// Append an id of at most 255 bytes to a packed list.
fn push_packed(list: &mut ThinVec<u8>, id: &str) {
    list.push(id.len() as u8);
    list.extend_from_slice(id.as_bytes());
}

/// The ids of a packed list.
fn packed(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = list;
    std::iter::from_fn(move || {
        let (&len, tail) = rest.split_first()?;
        let (id, tail) = tail.split_at_checked(usize::from(len))?;
        rest = tail;
        Some(id)
    })
}

/// The parts of a case's state that most cases never need, boxed together so a case without them
/// carries one empty pointer: history, rejections and policy errors (which explain the case), and
/// the clocks of timers that restart or pause (which move it, but exist only in policies that
/// declare such timers).
#[derive(Debug, Default)]
pub struct CaseLog {
    /// Restarts and pauses of timers.
    clocks: Clocks,
    /// Steps taken.
    pub history: Vec<Step>,
    /// Events rejected.
    pub rejected: Vec<Rejection>,
    /// A policy bug stopped the case (automatic transitions that do not settle).
    pub stuck: Option<String>,
    /// Things the case's evaluation had to assume, in words (a day beyond a calendar's data).
    pub warnings: Vec<String>,
    /// History under earlier policy versions, and the migrations between them.
    pub frozen: Vec<FrozenStep>,
    /// The spent timers as a set, once there are more than [`SPENT_LIST_LIMIT`]: a status that
    /// arms thousands of timers must not make each check scan them all.
    spent_index: std::collections::HashSet<Spent>,
    /// The breaches as a set, once there are more than [`BREACH_LIST_LIMIT`].
    breach_index: std::collections::HashSet<Breach>,
}

/// A spent timer: the timer, its arming status, the start of its clock, with the ids in 32 bits
/// ([`short_id`]): 20 bytes instead of 32.
type Spent = (u32, u32, DateTime<Utc>);

/// A spent timer's entry.
fn spent(timer: TimerId, owner: StatusId, start: DateTime<Utc>) -> Spent {
    (short_id(timer), short_id(owner), start)
}

/// Past this many spent timers, a case keeps them in a set as well.
const SPENT_LIST_LIMIT: usize = 16;

/// More timers than this armed in one status, and `advance` sorts them once per status entered
/// instead of searching them all before each firing.
const SORTED_TIMERS_FROM: usize = 16;
/// Past this many breaches, a case keeps them in a set as well.
const BREACH_LIST_LIMIT: usize = 16;

impl CaseState {
    /// Steps taken (empty unless history is kept).
    pub fn history(&self) -> &[Step] {
        self.log.as_ref().map_or(&[], |l| &l.history)
    }

    /// Events rejected (empty unless history is kept).
    pub fn rejected(&self) -> &[Rejection] {
        self.log.as_ref().map_or(&[], |l| &l.rejected)
    }

    /// Why a policy error stopped the case, if one did.
    pub fn stuck(&self) -> Option<&str> {
        self.log.as_ref().and_then(|l| l.stuck.as_deref())
    }

    /// History under earlier policy versions (empty unless the case migrated).
    pub fn frozen_history(&self) -> &[FrozenStep] {
        self.log.as_ref().map_or(&[], |l| &l.frozen)
    }

    /// What the evaluation had to assume (empty unless history is kept).
    pub fn warnings(&self) -> &[String] {
        self.log.as_ref().map_or(&[], |l| &l.warnings)
    }

    /// Whether an event with this delivery id was applied to the case (a redelivery would be a
    /// duplicate).
    pub fn seen_id(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Drop the timer bookkeeping of a closed case (a terminal status arms no timers); its
    /// breaches go too, so only call this when no report will be written for the case.
    pub fn forget_timers(&mut self) {
        self.spent = ThinVec::new();
        if let Some(log) = &mut self.log {
            log.clocks = Clocks::default();
        }
        self.breached = ThinVec::new();
    }

    /// Give back the room kept for more delivery ids (a closed case takes no more).
    pub fn shrink_ids(&mut self) {
        self.ids.shrink();
    }

    fn log(&mut self) -> &mut CaseLog {
        self.log.get_or_insert_with(Default::default)
    }

    /// A copy of the state that moves the case, leaving out history, rejections and delivery ids.
    pub fn clone_state(&self) -> CaseState {
        CaseState {
            id: self.id.clone(),
            status: self.status,
            entered: self.entered.clone(),
            fields: self.fields.clone(),
            spent: self.spent.clone(),
            breached: self.breached.clone(),
            clock: self.clock,
            last_event: self.last_event,
            ids: IdSet::default(),
            log: self.log.as_ref().and_then(|log| {
                let keep = log.stuck.is_some()
                    || !log.clocks.restarts.is_empty()
                    || !log.clocks.pauses.is_empty()
                    || !log.clocks.fixed.is_empty();
                keep.then(|| {
                    Box::new(CaseLog { stuck: log.stuck.clone(), clocks: log.clocks.clone(), ..CaseLog::default() })
                })
            }),
            version: self.version,
            migrated_clocks: self.migrated_clocks,
            applied_count: self.applied_count,
            rejected_count: self.rejected_count,
            duplicate_count: self.duplicate_count,
        }
    }
}

/// Applies events and timers for one policy.
#[derive(Clone)]
pub struct Engine<'t> {
    /// The compiled policy.
    pub table: &'t TransitionTable,
    /// Keep per-case history and rejections (off for `--summary`).
    pub keep_history: bool,
    /// Per role, action name to id: looked up for every event. FxHash is safe here: the keys
    /// are the policy's, and a log's names only look up, so they cannot crowd one bucket.
    actions_by_role: Vec<FxHashMap<String, ActionId>>,
    /// Per role, the timers its applied events restart (empty for most policies).
    restarted_by_role: Vec<SmallVec<[TimerId; 2]>>,
    /// Whether any timer can pause: if not, no pause bookkeeping runs.
    has_pauses: bool,
    /// Per timer, how its deadline is found when that is simple: a fixed duration from entering
    /// its status, or the time in a field, with no restart or pause. Most timers are, and the
    /// deadline is asked for before every event.
    simple: Vec<Option<SimpleClock>>,
    /// The first day a calendar computation needed beyond the holiday data, since last reset.
    beyond: expr::Beyond,
    /// Keys an event may carry that are not its action's parameters, accepted and ignored
    /// (`--allow-keys`, `allow_keys` in a scenario). Any other key rejects the event.
    allowed_keys: Vec<String>,
    /// What the run covered, when it records coverage (`docket test --coverage`).
    coverage: Option<std::cell::RefCell<super::coverage::Coverage>>,
    /// Set while the engine works out a hypothetical step (where a timer would take the case),
    /// which is not coverage.
    hypothetical: std::cell::Cell<bool>,
}

impl<'t> Engine<'t> {
    /// An engine over a table.
    pub fn new(table: &'t TransitionTable, keep_history: bool) -> Self {
        let mut actions_by_role: Vec<FxHashMap<String, ActionId>> = vec![FxHashMap::default(); table.roles.len()];
        for (id, a) in table.actions.iter().enumerate() {
            actions_by_role[a.role].insert(a.name.clone(), id);
        }
        let restarted_by_role = (0..table.roles.len())
            .map(|r| {
                table
                    .timers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.restart.as_ref().is_some_and(|x| x.by(r)))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let has_pauses = table.timers.iter().any(|t| t.pause.is_some());
        let simple = table
            .timers
            .iter()
            .map(|t| match (&t.clock, &t.restart, &t.pause) {
                (Clock::After(step), None, None) => step.fixed().map(SimpleClock::After),
                (Clock::At(CExpr::Field(f)), None, None) => Some(SimpleClock::Field(*f)),
                _ => None,
            })
            .collect();
        Engine {
            table,
            keep_history,
            actions_by_role,
            restarted_by_role,
            has_pauses,
            simple,
            beyond: Default::default(),
            allowed_keys: Vec::new(),
            coverage: None,
            hypothetical: std::cell::Cell::new(false),
        }
    }

    /// Record what this engine's evaluation covers from now on.
    pub fn record_coverage(&mut self) {
        self.coverage = Some(Default::default());
    }

    /// Add what another engine over the same table covered (one part of a split run).
    pub fn merge_coverage(&mut self, other: &Engine<'_>) {
        if let (Some(mine), Some(theirs)) = (&self.coverage, &other.coverage) {
            mine.borrow_mut().merge(&theirs.borrow());
        }
    }

    /// What was covered so far, if coverage is recorded.
    pub fn coverage(&self) -> Option<super::coverage::Coverage> {
        self.coverage.as_ref().map(|c| c.borrow().clone())
    }

    /// Note something covered, when coverage is recorded and the step is real.
    #[inline]
    fn cover(&self, note: impl FnOnce(&mut super::coverage::Coverage)) {
        if let Some(c) = &self.coverage
            && !self.hypothetical.get()
        {
            note(&mut c.borrow_mut());
        }
    }

    /// The first rule of a list whose condition holds, as the engine chooses; with coverage on,
    /// each condition looked at is noted true or false.
    #[inline]
    fn first_holding<'l>(&self, list: &'l [Transition], scope: &Scope) -> Option<&'l Transition> {
        if self.coverage.is_none() {
            return list.iter().find(|c| expr::holds(c.guard.as_ref(), scope) == Some(true));
        }
        for c in list {
            let holds = expr::holds(c.guard.as_ref(), scope);
            if c.guard.is_some() {
                self.cover(|cov| match holds {
                    Some(true) => {
                        cov.guard_true.insert(c.span.start);
                    }
                    Some(false) => {
                        cov.guard_false.insert(c.span.start);
                    }
                    None => {}
                });
            }
            if holds == Some(true) {
                return Some(c);
            }
        }
        None
    }

    /// Accept and ignore these event keys besides each action's parameters.
    pub fn allow_keys(&mut self, keys: &[String]) {
        self.allowed_keys = keys.to_vec();
    }

    /// A new case in the initial status, before any event.
    pub fn new_case(&self, id: &str) -> CaseState {
        CaseState {
            id: id.into(),
            status: self.table.initial,
            entered: Entered::new(),
            fields: self.table.fields.iter().map(|f| f.default.clone()).collect(),
            spent: ThinVec::new(),
            breached: ThinVec::new(),
            clock: None,
            last_event: None,
            ids: IdSet::default(),
            log: None,
            version: 0,
            migrated_clocks: false,
            applied_count: 0,
            rejected_count: 0,
            duplicate_count: 0,
        }
    }

    /// What an expression over this case can see.
    pub fn scope<'a>(&'a self, case: &'a CaseState, params: Option<&'a [Value]>, now: DateTime<Utc>) -> Scope<'a> {
        Scope {
            fields: &case.fields,
            params,
            now,
            entered: &case.entered,
            calendars: &self.table.calendars,
            beyond: &self.beyond,
        }
    }

    /// Apply one event to its case.
    pub fn apply(&self, case: &mut CaseState, event: &Event) {
        if let Some(id) = &event.id
            && case.ids.contains(id)
        {
            case.duplicate_count += 1;
            return;
        }
        if let Some(last) = case.last_event
            && event.at < last
        {
            let reason = format!(
                "it is dated {}, before the case's previous event at {}",
                super::time::format(&event.at),
                super::time::format(&last)
            );
            return self.reject(case, event, reason);
        }
        case.last_event = Some(event.at);
        if case.clock.is_none() {
            self.start(case, event.at);
        }
        self.advance(case, event.at);
        if case.stuck().is_some() {
            return self.reject(case, event, "the case stopped on a policy error".into());
        }
        match self.choose(case, event) {
            Ok((action, transition, params)) => {
                if let Some(id) = &event.id {
                    case.ids.insert(id);
                }
                case.applied_count += 1;
                self.take(case, transition, Some(&params), event.at, Cause::Event { line: event.line, action });
                self.restart(case, self.table.actions[action].role, event.at);
                self.advance(case, event.at);
            }
            Err(reason) => self.reject(case, event, reason),
        }
    }

    /// The case begins with its first event, in the initial status, whose `on entry` effects
    /// run as any entered status's do.
    fn start(&self, case: &mut CaseState, at: DateTime<Utc>) {
        case.clock = Some(at);
        let chain = self.table.chain(self.table.initial);
        self.cover(|cov| cov.entered.extend(chain.iter().copied()));
        case.entered = chain.iter().map(|s| (short_id(*s), at)).collect();
        for &s in &chain {
            self.run_entry(case, s, at);
        }
        self.update_pauses(case, at);
    }

    #[inline]
    fn run_entry(&self, case: &mut CaseState, status: StatusId, at: DateTime<Utc>) {
        let effects = &self.table.statuses[status].on_entry;
        if effects.is_empty() {
            return;
        }
        for effect in effects {
            let value = expr::eval(&effect.value, &self.scope(case, None, at)).unwrap_or(Value::Null);
            case.fields[effect.field] = value;
        }
    }

    /// An applied event by `role` restarts the timers that restart on its events.
    #[inline]
    fn restart(&self, case: &mut CaseState, role: RoleId, at: DateTime<Utc>) {
        let timers = &self.restarted_by_role[role];
        if timers.is_empty() {
            return;
        }
        for &t in timers {
            let restarts = &mut case.log().clocks.restarts;
            match restarts.iter_mut().find(|(x, _)| *x == t) {
                Some(entry) => entry.1 = at,
                None => restarts.push((t, at)),
            }
        }
        self.update_pauses(case, at);
    }

    /// Start, stop or carry on the clocks of pausable timers after the case changed at `at`.
    #[inline]
    fn update_pauses(&self, case: &mut CaseState, at: DateTime<Utc>) {
        if self.has_pauses {
            self.pause_clocks(case, at);
        }
    }

    fn pause_clocks(&self, case: &mut CaseState, at: DateTime<Utc>) {
        let t = self.table;
        let mut next: Vec<PauseState> = Vec::new();
        for armed in &t.statuses[case.status].timers {
            let Some(rule) = &t.timers[armed.timer].pause else { continue };
            let Some(start) = self.start_of(case, armed) else { continue };
            let mut state = self.pause_of(case, armed, start).copied().unwrap_or(PauseState {
                timer: armed.timer,
                owner: armed.owner,
                start,
                total: TimeDelta::zero(),
                since: None,
            });
            let paused = match rule {
                PauseRule::In(statuses) => statuses.iter().any(|s| t.is_within(case.status, *s)),
                PauseRule::When(cond) => expr::holds(Some(cond), &self.scope(case, None, at)) == Some(true),
            };
            match (paused, state.since) {
                (true, None) => state.since = Some(at.max(start)),
                (false, Some(since)) => {
                    state.total += at - since;
                    state.since = None;
                }
                _ => {}
            }
            next.push(state);
        }
        if !next.is_empty() || case.log.is_some() {
            case.log().clocks.pauses = next;
        }
    }

    /// Refuse an event without looking at it (no policy version is in effect for its case).
    pub fn refuse(&self, case: &mut CaseState, event: &Event, reason: String) {
        self.reject(case, event, reason);
    }

    fn reject(&self, case: &mut CaseState, event: &Event, reason: String) {
        case.rejected_count += 1;
        if self.keep_history {
            case.log().rejected.push(Rejection {
                line: event.line,
                at: event.at,
                role: event.role.to_string(),
                action: event.action.to_string(),
                reason,
            });
        }
    }

    /// Find the transition an event takes, or say why there is none.
    fn choose(&self, case: &CaseState, event: &Event) -> Result<(ActionId, &'t Transition, ParamValues), String> {
        let t = self.table;
        let status = &t.statuses[case.status];
        // A policy has a handful of roles: a scan beats hashing.
        let Some(role) = t.roles.iter().position(|r| *r == event.role) else {
            return Err(self.unknown_role(&event.role));
        };
        let Some(&action) = self.actions_by_role[role].get(event.action.as_ref()) else {
            return Err(self.unknown_action(role, &event.action));
        };
        if let Some(reason) = self.unknown_key(action, event.params.iter().map(|(k, _)| k.as_ref())) {
            return Err(reason);
        }
        if status.terminal.is_some() {
            return Err(format!("the case is closed in `{}`", status.path));
        }
        let Some(candidates) = t.candidates(case.status, action) else {
            return Err(format!("`{} {}` is not allowed in `{}`", event.role, event.action, status.path));
        };
        let params = self.params(&t.actions[action], event)?;
        let scope = self.scope(case, Some(&params), event.at);
        if let Some(tr) = self.first_holding(candidates, &scope) {
            return Ok((action, tr, params));
        }
        // Explain with the first candidate: which part of its condition failed.
        let names: Vec<String> = t.actions[action].params.iter().map(|p| p.name.clone()).collect();
        let Some(first) = candidates.first() else {
            return Err(format!("`{} {}` has no rule in `{}`", event.role, event.action, status.path));
        };
        let mut values = String::new();
        let failed = first
            .guard
            .as_ref()
            .map(|g| {
                let part = expr::first_false(g, &scope);
                values = self.values_read(part, &names, &scope);
                // The whole condition reads best as written (timer names, not their durations).
                if std::ptr::eq(part, g) {
                    first.guard_text.clone().unwrap_or_default()
                } else {
                    expr_text(t, &names, part)
                }
            })
            .unwrap_or_default();
        let mut reason = format!("the condition `{failed}` does not hold (policy line {}{values})", first.line);
        if let Some(at) = self.opens_at(case, candidates, event.at, Some(&params)) {
            reason.push_str(&format!("; it opens at {}", super::time::format(&at)));
        }
        Err(reason)
    }

    /// Whether an event with this role, action and keys is one the policy knows; if not, why, in
    /// the words a rejection uses (with a "did you mean" where a name is close). Scenarios ask
    /// before they run, to say which event is misspelt.
    pub fn vocabulary<'k>(&self, role: &str, action: &str, keys: impl IntoIterator<Item = &'k str>) -> Option<String> {
        let Some(role_id) = self.table.roles.iter().position(|r| r == role) else {
            return Some(self.unknown_role(role));
        };
        let Some(&action_id) = self.actions_by_role[role_id].get(action) else {
            return Some(self.unknown_action(role_id, action));
        };
        self.unknown_key(action_id, keys)
    }

    fn unknown_role(&self, role: &str) -> String {
        let roles = &self.table.roles;
        match crate::diag::suggest(role, roles.iter().map(String::as_str)) {
            Some(help) => format!("unknown role `{role}`; {help}"),
            None => format!("unknown role `{role}`; the policy's roles are {}", listed(roles)),
        }
    }

    fn unknown_action(&self, role: RoleId, action: &str) -> String {
        let t = self.table;
        let name = &t.roles[role];
        let own = t.actions.iter().filter(|a| a.role == role).map(|a| a.name.as_str());
        if let Some(help) = crate::diag::suggest(action, own.clone()) {
            return format!("role `{name}` has no action `{action}`; {help}");
        }
        // Sent as the wrong role: say whose action it is.
        let owners: Vec<String> =
            t.actions.iter().filter(|a| a.name == action).map(|a| format!("`{}`", t.roles[a.role])).collect();
        if !owners.is_empty() {
            return format!("role `{name}` has no action `{action}`; it is an action of {}", listed(owners));
        }
        let own: Vec<&str> = own.collect();
        if own.is_empty() {
            format!("role `{name}` has no action `{action}`; it has no actions")
        } else {
            format!("role `{name}` has no action `{action}`; its actions are {}", listed(own))
        }
    }

    /// The first key of an event that is neither one of its action's parameters, nor one every
    /// event has, nor allowed: a misspelt parameter would otherwise be applied as missing.
    fn unknown_key<'k>(&self, action: ActionId, keys: impl IntoIterator<Item = &'k str>) -> Option<String> {
        let def = &self.table.actions[action];
        let known = |k: &str| {
            def.params.iter().any(|p| p.name == k)
                // `seq`: the position `docket serve` gives an event in its log, kept on export.
                || matches!(k, "case" | "at" | "role" | "action" | "id" | "seq")
                || self.allowed_keys.iter().any(|a| a == k)
        };
        let mut unknown = keys.into_iter().filter(|k| !known(k));
        let key = unknown.next()?;
        // A handful is enough to see what a feed carries; a hostile event may carry thousands.
        let rest: Vec<&str> = unknown.collect();
        let mut others: Vec<String> = rest.iter().take(5).map(|k| format!("`{k}`")).collect();
        if rest.len() > 5 {
            others.push(format!("and {} more", rest.len() - 5));
        }
        let what = format!("`{} {}`", self.table.roles[def.role], def.name);
        let names = def.params.iter().map(|p| p.name.as_str());
        let mut reason = match crate::diag::suggest(key, names.chain(["case", "at", "role", "action", "id"])) {
            Some(help) => format!("unknown key `{key}` for {what}; {help}"),
            None if def.params.is_empty() => format!("unknown key `{key}` for {what}, which takes no parameters"),
            None => {
                let list = def.params.iter().map(|p| p.name.as_str());
                format!("unknown key `{key}` for {what}; its parameters are {}", listed(list))
            }
        };
        if !others.is_empty() {
            reason.push_str(&format!(" (also unknown: {})", others.join(", ")));
        }
        Some(reason)
    }

    /// The values of the fields and parameters a condition reads, for a rejection's reason:
    /// `; here amount is 50.00, order_total is 40.00`. Empty when it reads none.
    fn values_read(&self, e: &CExpr, params: &[String], scope: &Scope) -> String {
        let read = expr::reads(e);
        let shown: Vec<String> = read
            .iter()
            .take(8)
            .filter_map(|r| {
                let name = match r {
                    CExpr::Field(f) => self.table.fields.get(*f)?.name.clone(),
                    CExpr::Param(i) => params.get(*i)?.clone(),
                    _ => return None,
                };
                let value = expr::eval(r, scope).map_or_else(|| "unknown".to_string(), |v| self.table.show(&v));
                Some(format!("{name} is {value}"))
            })
            .collect();
        if shown.is_empty() { String::new() } else { format!("; here {}", shown.join(", ")) }
    }

    /// Type an event's parameters by the action's declaration.
    fn params(&self, action: &ActionDef, event: &Event) -> Result<ParamValues, String> {
        action
            .params
            .iter()
            .map(|p| {
                let raw = event.params.iter().find(|(k, _)| *k == p.name).map(|(_, v)| v);
                match raw {
                    None | Some(RawValue::Null) if p.optional => Ok(Value::Null),
                    None | Some(RawValue::Null) => Err(format!("parameter `{}` is missing", p.name)),
                    Some(raw) => self.typed_param(p, raw),
                }
            })
            .collect()
    }

    fn typed_param(&self, p: &ParamDef, raw: &RawValue) -> Result<Value, String> {
        let wrong = |want: &str| Err(format!("parameter `{}` must be {want}, not {}", p.name, raw.kind()));
        match (p.ty, raw) {
            (Type::Money, RawValue::Text(s) | RawValue::Number(s)) => match super::money::parse(s) {
                Ok(d) => Ok(Value::Money(d)),
                Err(why) => Err(format!("parameter `{}`: {why}", p.name)),
            },
            (Type::Money, _) => wrong("an amount such as \"25.00\""),
            (Type::Int, RawValue::Number(s)) => s.parse().map(Value::Int).or_else(|_| wrong("a whole number")),
            (Type::Int, _) => wrong("a whole number"),
            (Type::Time, RawValue::Text(s)) => match super::time::parse(s) {
                Some(t) => Ok(Value::Time(t)),
                None => Err(format!("parameter `{}` must be an RFC 3339 time, not `{s}`", p.name)),
            },
            (Type::Time, _) => wrong("an RFC 3339 time"),
            (Type::Bool, RawValue::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, _) => wrong("true or false"),
            (Type::Text, RawValue::Text(s)) => Ok(Value::Text(s.to_string())),
            (Type::Text, _) => wrong("a string"),
            // Written as in a policy; business days have no fixed length, so they are not a value.
            (Type::Duration, RawValue::Text(s)) if s.ends_with("bd") || s.ends_with("bh") => Err(format!(
                "parameter `{}` is `{s}`, which is counted on a calendar and has no fixed length; give exact time, such as \"3d\"",
                p.name
            )),
            (Type::Duration, RawValue::Text(s)) => match crate::edit::parse_duration(s) {
                Ok(secs) => Ok(Value::Duration(TimeDelta::seconds(secs))),
                Err(e) => Err(format!("parameter `{}` must be a duration such as \"5d\" or \"36h\": {e}", p.name)),
            },
            (Type::Duration, _) => wrong("a duration such as \"5d\" or \"36h\""),
            (Type::Enum(e), RawValue::Text(s)) => match self.table.enums[e].iter().position(|v| v == s) {
                Some(i) => Ok(Value::Enum(e, i as u32)),
                None => {
                    let variants = &self.table.enums[e];
                    let help = crate::diag::suggest(s, variants.iter().map(String::as_str))
                        .map(|h| format!("; {h}"))
                        .unwrap_or_default();
                    Err(format!("parameter `{}` is `{s}`, not one of {}{help}", p.name, listed(variants)))
                }
            },
            (Type::Enum(e), _) => wrong(&format!("one of {}", listed(&self.table.enums[e]))),
        }
    }

    /// Take a transition: effects, then leave and enter statuses, then automatic transitions.
    fn take(
        &self,
        case: &mut CaseState,
        tr: &'t Transition,
        params: Option<&[Value]>,
        at: DateTime<Utc>,
        cause: Cause,
    ) {
        let mut tr = tr;
        let mut cause = cause;
        let mut params = params;
        for _ in 0..MAX_AUTOMATIC_STEPS {
            self.step(case, tr, params, at, cause);
            // Parameters belong to the event's own transition, not to automatic ones after it.
            params = None;
            let scope = self.scope(case, None, at);
            let next = self.first_holding(&self.table.statuses[case.status].automatic, &scope);
            match next {
                Some(auto) => {
                    tr = auto;
                    cause = Cause::Automatic;
                }
                None => return,
            }
        }
        case.log().stuck = Some(format!("automatic transitions did not settle after {MAX_AUTOMATIC_STEPS} steps"));
    }

    /// One transition without the automatic ones after it.
    fn step(&self, case: &mut CaseState, tr: &Transition, params: Option<&[Value]>, at: DateTime<Utc>, cause: Cause) {
        let t = self.table;
        for effect in &tr.effects {
            let scope = self.scope(case, params, at);
            let value = expr::eval(&effect.value, &scope).unwrap_or(Value::Null);
            case.fields[effect.field] = value;
        }
        let from = case.status;
        if let Some(target) = tr.target {
            let leaf = t.entry_leaf(target);
            let new_chain = t.chain(leaf);
            let mut keep = case.entered.iter().zip(&new_chain).take_while(|((a, _), b)| *a as usize == **b).count();
            // A target the case is already in (or inside) is left and entered again.
            if let Some(i) = case.entered.iter().position(|(s, _)| *s as usize == target) {
                keep = keep.min(i);
            }
            case.entered.truncate(keep);
            case.spent.retain(|(_, owner, started)| case.entered.iter().any(|(s, e)| s == owner && e <= started));
            if let Some(log) = &mut case.log
                && !log.spent_index.is_empty()
            {
                log.spent_index = case.spent.iter().copied().filter(|_| case.spent.len() > SPENT_LIST_LIMIT).collect();
            }
            for &s in &new_chain[keep..] {
                case.entered.push((short_id(s), at));
            }
            case.status = leaf;
            self.cover(|cov| cov.entered.extend(new_chain[keep..].iter().copied()));
            for &s in &new_chain[keep..] {
                self.run_entry(case, s, at);
            }
        }
        self.cover(|cov| {
            cov.taken.insert(tr.span.start);
        });
        self.update_pauses(case, at);
        if self.keep_history {
            let to = case.status;
            case.log().history.push(Step { at, from, to, cause, policy_line: tr.line });
        }
    }

    /// Move an open case from the version `old` runs to this engine's version, by a checked
    /// plan, at the plan's instant: timers due by then fire under the old rules first; the
    /// status maps by path (or the plan's mapping), statuses kept keep their entry times, fields
    /// keep their values by name, and each timer the new status arms follows the plan's rule.
    /// A closed or stopped case stays as it is. Returns whether the case moved.
    pub fn migrate(&self, old: &Engine, case: &mut CaseState, plan: &crate::migrate::Plan, to_version: u16) -> bool {
        let at = plan.text.at;
        old.advance(case, at);
        let (ot, nt) = (old.table, self.table);
        if case.stuck().is_some() || ot.statuses[case.status].terminal.is_some() {
            return false;
        }
        // The old deadlines as they stand, by timer name, for `keep`, `earlier` and `later`.
        let old_due: Vec<(&str, DateTime<Utc>)> =
            old.pending(case).into_iter().map(|(d, a)| (ot.timers[a.timer].name.as_str(), d)).collect();
        let from_path = ot.statuses[case.status].path.clone();
        if self.keep_history {
            let frozen: Vec<FrozenStep> = case.history().iter().map(|s| freeze(ot, s)).collect();
            let log = case.log();
            log.frozen.extend(frozen);
            log.history.clear();
        }
        let leaf = nt.entry_leaf(plan.status_map[case.status]);
        // A status kept (by path, or renamed by the plan) keeps its entry time; one entered by
        // the move counts from the migration.
        let old_entered: Vec<(StatusId, DateTime<Utc>)> =
            case.entered.iter().map(|(s, t)| (plan.status_map[*s as usize], *t)).collect();
        let entered_at = |s: StatusId| old_entered.iter().find(|(n, _)| *n == s).map(|(_, t)| *t);
        case.entered = nt.chain(leaf).iter().map(|&s| (short_id(s), entered_at(s).unwrap_or(at))).collect();
        case.status = leaf;
        let old_fields = std::mem::take(&mut case.fields);
        case.fields = plan
            .field_map
            .iter()
            .zip(&nt.fields)
            .map(|(source, def)| match source {
                crate::migrate::FieldSource::Old(o) => {
                    carry(ot, nt, def.ty, old_fields.get(*o).cloned().unwrap_or(Value::Null))
                }
                crate::migrate::FieldSource::Value(v) => v.clone(),
            })
            .collect();
        // Timers keep what they had by name: spent runs, restarts, breaches.
        let by_name = |t: TimerId| nt.timers.iter().position(|n| n.name == ot.timers[t].name);
        let owner_of = |s: StatusId| Some(plan.status_map[s]);
        case.spent = case
            .spent
            .iter()
            .filter_map(|&(t, o, e)| Some(spent(by_name(t as usize)?, owner_of(o as usize)?, e)))
            .collect();
        case.breached =
            case.breached.iter().filter_map(|b| Some(Breach { timer: by_name(b.timer)?, at: b.at })).collect();
        if let Some(log) = &mut case.log {
            let clocks = &mut log.clocks;
            clocks.restarts = clocks.restarts.iter().filter_map(|&(t, a)| Some((by_name(t)?, a))).collect();
            clocks.pauses.clear();
            clocks.fixed.clear();
            // Timer ids changed: the indexes are built again as they are needed.
            log.spent_index.clear();
            log.breach_index.clear();
        }
        case.migrated_clocks = false;
        case.version = to_version;
        // Each timer the new status arms: what its running deadline does.
        let mut fixed = Vec::new();
        for armed in &nt.statuses[leaf].timers {
            let rule = plan.timer_rules[armed.timer];
            let kept = old_due.iter().find(|(n, _)| *n == nt.timers[armed.timer].name).map(|(_, d)| *d);
            let recomputed = self.deadline(case, armed);
            let due = match (rule, kept, recomputed) {
                (crate::migrate::TimerRule::Restart, _, _) => {
                    case.log().clocks.restarts.retain(|(t, _)| *t != armed.timer);
                    case.log().clocks.restarts.push((armed.timer, at));
                    case.migrated_clocks = true;
                    None
                }
                (crate::migrate::TimerRule::Keep, Some(k), _) => Some(k),
                (crate::migrate::TimerRule::Earlier, Some(k), Some(r)) => Some(k.min(r)),
                (crate::migrate::TimerRule::Later, Some(k), Some(r)) => Some(k.max(r)),
                _ => None,
            };
            if let (Some(due), Some(start)) = (due, self.start_of(case, armed)) {
                fixed.push((armed.timer, armed.owner, start, due));
            }
        }
        if !fixed.is_empty() {
            case.log().clocks.fixed = fixed;
            case.migrated_clocks = true;
        }
        if self.keep_history {
            let cause = format!("migration {} -> {}", plan.text.from, plan.text.to);
            let step = FrozenStep {
                at,
                from: from_path,
                to: nt.statuses[leaf].path.clone(),
                cause,
                line: None,
                policy_line: 0,
            };
            case.log().frozen.push(step);
        }
        case.clock = Some(case.clock.map_or(at, |c| c.max(at)));
        self.update_pauses(case, at);
        self.settle(case, at);
        self.advance(case, at);
        true
    }

    /// Take the automatic transitions that hold now, to a fixed point.
    fn settle(&self, case: &mut CaseState, at: DateTime<Utc>) {
        let scope = self.scope(case, None, at);
        let first = self.first_holding(&self.table.statuses[case.status].automatic, &scope);
        if let Some(auto) = first {
            self.take(case, auto, None, at, Cause::Automatic);
        }
    }

    /// Where the case would end up if this moving timer fired at `at` and nobody acted before:
    /// the timer's transition followed by any automatic ones. `None` if its condition is false.
    pub fn timer_destination(&self, case: &CaseState, armed: &'t ArmedTimer, at: DateTime<Utc>) -> Option<StatusId> {
        let TimerEffect::Move(list) = &armed.effect else { return None };
        let scope = self.scope(case, None, at);
        let tr = list.iter().find(|c| expr::holds(c.guard.as_ref(), &scope) == Some(true))?;
        // A scratch copy without history: only the resulting status matters, and nothing of it
        // is coverage.
        let mut scratch = case.clone_state();
        let was = self.hypothetical.replace(true);
        self.take(&mut scratch, tr, None, at, Cause::Timer(armed.timer));
        self.hypothetical.set(was);
        Some(scratch.status)
    }

    /// When an armed timer's clock started: entering its status, or its last restart since.
    fn start_of(&self, case: &CaseState, armed: &ArmedTimer) -> Option<DateTime<Utc>> {
        let entered = case.entered.iter().find(|(s, _)| *s as usize == armed.owner)?.1;
        let restarted = case
            .log
            .as_ref()
            .and_then(|log| log.clocks.restarts.iter().find(|(t, _)| *t == armed.timer))
            .map(|(_, at)| *at);
        Some(restarted.map_or(entered, |r| r.max(entered)))
    }

    /// Where the timer's deadline falls with no pause, from its start.
    fn unpaused_deadline(&self, case: &CaseState, armed: &ArmedTimer, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let cals = &self.table.calendars;
        match &self.table.timers[armed.timer].clock {
            Clock::After(step) => match step.fixed() {
                Some(d) => start.checked_add_signed(d),
                None => expr::apply_step(cals, &self.beyond, start, step),
            },
            Clock::FromField(f) => match case.fields.get(*f) {
                Some(Value::Duration(d)) => start.checked_add_signed(*d),
                _ => None,
            },
            Clock::ByEnum { field, steps } => match case.fields.get(*field) {
                Some(Value::Enum(_, i)) => expr::apply_step(cals, &self.beyond, start, steps.get(*i as usize)?),
                _ => None,
            },
            Clock::At(CExpr::Field(f)) => match case.fields.get(*f) {
                Some(Value::Time(t)) => Some(*t),
                _ => None,
            },
            Clock::At(e) => match expr::eval(e, &self.scope(case, None, start)) {
                Some(Value::Time(t)) => Some(t),
                _ => None,
            },
        }
    }

    /// The pause record of a timer's current run, if it has one.
    fn pause_of<'c>(&self, case: &'c CaseState, armed: &ArmedTimer, start: DateTime<Utc>) -> Option<&'c PauseState> {
        let clocks = &case.log.as_ref()?.clocks;
        clocks.pauses.iter().find(|p| p.timer == armed.timer && p.owner == armed.owner && p.start == start)
    }

    /// Deadline of an armed timer as things stand, if it has one; a paused timer has none.
    #[inline]
    pub fn deadline(&self, case: &CaseState, armed: &ArmedTimer) -> Option<DateTime<Utc>> {
        if case.migrated_clocks {
            return self.counted_deadline(case, armed);
        }
        match self.simple[armed.timer] {
            Some(SimpleClock::After(d)) => {
                case.entered.iter().find(|(s, _)| *s as usize == armed.owner)?.1.checked_add_signed(d)
            }
            Some(SimpleClock::Field(f)) => match case.fields.get(f) {
                Some(Value::Time(t)) => Some(*t),
                _ => None,
            },
            None => self.counted_deadline(case, armed),
        }
    }

    /// The deadline of a timer counted on a calendar, restarted or paused.
    fn counted_deadline(&self, case: &CaseState, armed: &ArmedTimer) -> Option<DateTime<Utc>> {
        let start = self.start_of(case, armed)?;
        if let Some(log) = &case.log
            && let Some(&(_, _, _, due)) =
                log.clocks.fixed.iter().find(|(t, o, s, _)| *t == armed.timer && *o == armed.owner && *s == start)
        {
            return Some(due);
        }
        let base = self.unpaused_deadline(case, armed, start)?;
        if !self.has_pauses {
            return Some(base);
        }
        match self.pause_of(case, armed, start) {
            Some(PauseState { since: Some(_), .. }) => None,
            Some(p) => base.checked_add_signed(p.total),
            None => Some(base),
        }
    }

    /// The armed timers whose clocks are paused now, with the time each has left.
    pub fn paused(&self, case: &CaseState) -> Vec<(&'t ArmedTimer, TimeDelta)> {
        let mut out = Vec::new();
        if !self.has_pauses {
            return out;
        }
        for armed in &self.table.statuses[case.status].timers {
            let Some(start) = self.start_of(case, armed) else { continue };
            let Some(p) = self.pause_of(case, armed, start) else {
                continue;
            };
            let (Some(since), Some(base)) = (p.since, self.unpaused_deadline(case, armed, start)) else { continue };
            if !self.is_spent(case, armed) {
                out.push((armed, (base + p.total - since).max(TimeDelta::zero())));
            }
        }
        out
    }

    /// The first day beyond a calendar's holiday data that this timer's deadline needs, if any.
    pub fn deadline_beyond(&self, case: &CaseState, armed: &ArmedTimer) -> Option<(CalendarId, chrono::NaiveDate)> {
        if self.table.calendars.is_empty() {
            return None;
        }
        self.beyond.set(None);
        let start = self.start_of(case, armed)?;
        self.unpaused_deadline(case, armed, start)?;
        self.beyond.take()
    }

    /// A warning, in words, that a calendar's holiday data ran out for a timer.
    pub fn beyond_warning(&self, timer: TimerId, (calendar, day): (CalendarId, chrono::NaiveDate)) -> String {
        let cal = &self.table.calendars[calendar];
        let until = cal.covers.map(|(_, last)| format!(" (its holiday data ends {last})")).unwrap_or_default();
        format!(
            "timer `{}` was counted over {day}, beyond calendar `{}`'s holiday data{until}: the day was taken as a {} by its weekday alone",
            self.table.timers[timer].name,
            cal.name,
            if cal.weekend[chrono::Datelike::weekday(&day).num_days_from_monday() as usize] {
                "day off"
            } else {
                "working day"
            },
        )
    }

    fn is_spent(&self, case: &CaseState, armed: &ArmedTimer) -> bool {
        let Some(start) = self.start_of(case, armed) else { return false };
        // The index is used only when it holds every spent timer (a copy of the state may lack it).
        if case.spent.len() > SPENT_LIST_LIMIT
            && let Some(log) = &case.log
            && log.spent_index.len() == case.spent.len()
        {
            return log.spent_index.contains(&spent(armed.timer, armed.owner, start));
        }
        let entry = spent(armed.timer, armed.owner, start);
        case.spent.contains(&entry)
    }

    /// Record a spent timer; a long list is indexed as well.
    fn mark_spent(&self, case: &mut CaseState, entry: Spent) {
        case.spent.push(entry);
        if case.spent.len() > SPENT_LIST_LIMIT {
            let spent: Vec<_> = case.spent.iter().copied().collect();
            let index = &mut case.log().spent_index;
            if index.len() + 1 < spent.len() {
                index.extend(spent);
            } else {
                index.insert(entry);
            }
        }
    }

    /// Record a breach once; a long list is indexed as well.
    fn mark_breached(&self, case: &mut CaseState, breach: Breach) {
        let known = if case.breached.len() > BREACH_LIST_LIMIT {
            let breached: ThinVec<Breach> = case.breached.clone();
            let index = &mut case.log().breach_index;
            if index.len() < breached.len() {
                index.extend(breached);
            }
            !index.insert(breach)
        } else {
            case.breached.contains(&breach)
        };
        if !known {
            case.breached.push(breach);
        }
    }

    /// Timers armed and not yet spent, with their deadlines, in firing order (deadline, then
    /// declaration order of the timers).
    pub fn pending(&self, case: &CaseState) -> Vec<(DateTime<Utc>, &'t ArmedTimer)> {
        let mut out: Vec<(DateTime<Utc>, &ArmedTimer)> = self.table.statuses[case.status]
            .timers
            .iter()
            .filter(|a| !self.is_spent(case, a))
            .filter_map(|a| self.deadline(case, a).map(|d| (d, a)))
            .collect();
        out.sort_by_key(|(d, a)| (*d, a.timer));
        out
    }

    /// The pending timers a report lists: an SLA deadline, or a moving timer some of whose
    /// conditions hold as things stand. The counts of `--summary` and `diff` use this too, so
    /// they agree with the case reports.
    pub fn live_pending(&self, case: &CaseState) -> Vec<(DateTime<Utc>, &'t ArmedTimer)> {
        let mut out = self.pending(case);
        out.retain(|(at, armed)| match &armed.effect {
            TimerEffect::Sla => true,
            TimerEffect::Move(list) => {
                let scope = self.scope(case, None, *at);
                list.iter().any(|c| expr::holds(c.guard.as_ref(), &scope) == Some(true))
            }
        });
        out
    }

    /// The next timer to fire: earliest deadline, then declaration order. No allocation: this runs
    /// before every event.
    fn next_due(&self, case: &CaseState) -> Option<(DateTime<Utc>, &'t ArmedTimer)> {
        let mut best: Option<(DateTime<Utc>, &'t ArmedTimer)> = None;
        for armed in &self.table.statuses[case.status].timers {
            if self.is_spent(case, armed) {
                continue;
            }
            if let Some(d) = self.deadline(case, armed)
                && best.is_none_or(|(bd, ba)| (d, armed.timer) < (bd, ba.timer))
            {
                best = Some((d, armed));
            }
        }
        best
    }

    /// Fire every timer due at or before `to`, in order.
    pub fn advance(&self, case: &mut CaseState, to: DateTime<Utc>) {
        // Timers firing at one instant, to catch a loop: a timer whose time (held in a field) is
        // past can lead back into a status that arms it again, firing at once, forever.
        let mut at_once = (None, 0usize);
        let mut moves_made = 0usize;
        // With many timers armed, they are sorted once (latest first, to pop) rather than searched
        // before each firing, which made thousands falling due quadratic. Firing an SLA deadline
        // or a move whose conditions all fail changes no other deadline; a move does, so it drops
        // the queue.
        let mut queue: Option<Vec<(DateTime<Utc>, &'t ArmedTimer)>> = None;
        while case.stuck().is_none() {
            let next = if self.table.statuses[case.status].timers.len() > SORTED_TIMERS_FROM {
                queue
                    .get_or_insert_with(|| {
                        let mut pending = self.pending(case);
                        pending.reverse();
                        pending
                    })
                    .pop()
            } else {
                self.next_due(case)
            };
            let Some((deadline, armed)) = next else { break };
            if deadline > to {
                break;
            }
            // A deadline already past when its status was entered fires at once, at entry time.
            let at = case.clock.map_or(deadline, |c| c.max(deadline));
            // Only timers that move the case can loop; SLA deadlines at one instant just pass.
            let moves = matches!(armed.effect, TimerEffect::Move(_));
            at_once = match at_once {
                (Some(t), n) if t == at => (Some(at), n + usize::from(moves)),
                _ => (Some(at), usize::from(moves)),
            };
            if at_once.1 > MAX_AUTOMATIC_STEPS {
                let name = &self.table.timers[armed.timer].name;
                case.log().stuck = Some(format!(
                    "timers fired {MAX_AUTOMATIC_STEPS} times at {} without the case settling (last `{name}`)",
                    super::time::format(&at)
                ));
                break;
            }
            let started = self.start_of(case, armed).unwrap_or(at);
            if self.keep_history
                && let Some(beyond) = self.deadline_beyond(case, armed)
            {
                let warning = self.beyond_warning(armed.timer, beyond);
                if !case.warnings().contains(&warning) {
                    case.log().warnings.push(warning);
                }
            }
            self.mark_spent(case, spent(armed.timer, armed.owner, started));
            case.clock = Some(at);
            self.cover(|cov| {
                cov.fired.insert(armed.timer);
            });
            match &armed.effect {
                TimerEffect::Sla => {
                    self.mark_breached(case, Breach { timer: armed.timer, at: deadline });
                    self.cover(|cov| {
                        cov.breached.insert(armed.span.start);
                    });
                }
                TimerEffect::Move(list) => {
                    let scope = self.scope(case, None, at);
                    if let Some(tr) = self.first_holding(list, &scope) {
                        self.take(case, tr, None, at, Cause::Timer(armed.timer));
                        queue = None;
                        moves_made += 1;
                        if moves_made >= MAX_TIMER_MOVES {
                            let name = &self.table.timers[armed.timer].name;
                            case.log().stuck = Some(format!(
                                "timers moved the case {MAX_TIMER_MOVES} times with no event, up to {} (last `{name}`): \
                                 a timer cycle with no event in it never ends",
                                super::time::format(&at)
                            ));
                            break;
                        }
                    }
                }
            }
        }
        if case.clock.is_some_and(|c| c < to) {
            case.clock = Some(to);
        }
    }

    /// For an action whose conditions are all false now, the first later instant at which one
    /// of them holds, assuming nothing else changes (time-gated rules such as R11). With the
    /// event's `params`, the condition must hold with them; without, it must be able to hold.
    ///
    /// The candidates are the instants where a comparison between the clock (`now`,
    /// `time_in`, `time_since`) and a value that does not move with it changes its truth: the
    /// value's instant, and one second after it (for strict comparisons).
    pub fn opens_at(
        &self,
        case: &CaseState,
        candidates: &[Transition],
        now: DateTime<Utc>,
        params: Option<&[Value]>,
    ) -> Option<DateTime<Utc>> {
        self.opens_at_counted(case, candidates, now, params).0
    }

    /// [`Engine::opens_at`], and how many times a condition was evaluated to find it.
    ///
    /// Each rule is tried only at its own instants: another rule's thresholds cannot change its
    /// truth. So the work is the sum over rules of (instants x size) of each condition, which a
    /// condition's operator limit bounds, not the product of all the instants of every rule with
    /// all their conditions. Instants at or after the earliest opening found are not tried.
    pub fn opens_at_counted(
        &self,
        case: &CaseState,
        candidates: &[Transition],
        now: DateTime<Utc>,
        params: Option<&[Value]>,
    ) -> (Option<DateTime<Utc>>, usize) {
        let scope = self.scope(case, params, now);
        let mut best: Option<DateTime<Utc>> = None;
        let mut evaluated = 0;
        let mut instants = Vec::new();
        for c in candidates {
            let Some(g) = &c.guard else { continue };
            instants.clear();
            expr::thresholds(g, &scope, &mut instants);
            instants.retain(|at| *at > now && best.is_none_or(|b| *at < b));
            instants.sort_unstable();
            instants.dedup();
            for &at in &instants {
                evaluated += 1;
                let scope = self.scope(case, params, at);
                let opens = match params {
                    Some(_) => expr::holds(Some(g), &scope) == Some(true),
                    None => expr::holds(Some(g), &scope) != Some(false),
                };
                if opens {
                    best = Some(at);
                    break;
                }
            }
        }
        (best, evaluated)
    }
}

/// At most this many names in a list a rejection's reason gives (the variants of an enum, the
/// roles, an action's parameters), and names cut at [`LISTED_NAME_CHARS`]: a reason is stored per
/// rejected event, so one that listed a 20,000-variant enum would make output grow with the
/// policy times the log.
pub const LISTED_NAMES: usize = 12;

/// Characters of one listed name; a longer one is cut with `…`.
pub const LISTED_NAME_CHARS: usize = 40;

/// Names joined with `, `, the first [`LISTED_NAMES`] of them, then `and N more`.
pub fn listed<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    let mut more = 0usize;
    for (i, name) in names.into_iter().enumerate() {
        if i >= LISTED_NAMES {
            more += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let name = name.as_ref();
        match name.char_indices().nth(LISTED_NAME_CHARS) {
            Some((cut, _)) => {
                out.push_str(&name[..cut]);
                out.push('…');
            }
            None => out.push_str(name),
        }
    }
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

/// A history step as text, in the terms of the version it was taken under.
pub fn freeze(table: &TransitionTable, s: &Step) -> FrozenStep {
    let cause = match &s.cause {
        Cause::Event { action, .. } => {
            let def = &table.actions[*action];
            format!("{} {}", table.roles[def.role], def.name)
        }
        Cause::Timer(id) => format!("timer {}", table.timers[*id].name),
        Cause::Automatic => "automatic".to_string(),
    };
    let line = match &s.cause {
        Cause::Event { line, .. } => Some(*line),
        _ => None,
    };
    FrozenStep {
        at: s.at,
        from: table.statuses[s.from].path.clone(),
        to: table.statuses[s.to].path.clone(),
        cause,
        line,
        policy_line: s.policy_line,
    }
}

/// A field's value carried to the new version: an enum's variant by name (the plan's check makes
/// sure every old variant exists in the new enum); other values as they are.
fn carry(old: &TransitionTable, new: &TransitionTable, ty: Type, v: Value) -> Value {
    match (v, ty) {
        (Value::Enum(e, i), Type::Enum(ne)) => {
            let name = old.enums.get(e).and_then(|vs| vs.get(i as usize));
            let found = name.and_then(|n| new.enums.get(ne)?.iter().position(|x| x == n));
            found.map_or(Value::Null, |ni| Value::Enum(ne, ni as u32))
        }
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many rules for one action, each a long condition on many time fields: the shape that made
    /// "when does it open" take the product of every rule's instants and every condition.
    fn many_gated_rules(rules: usize, parts: usize) -> (TransitionTable, String) {
        let fields = 60;
        let mut text = String::from("policy p \"P\"\nroles user\noutcomes done\nfields {\n");
        for i in 0..fields {
            text.push_str(&format!("  t{i}: time?\n"));
        }
        let names: Vec<String> = (0..fields).map(|i| format!("t{i}")).collect();
        let effects: Vec<String> = names.iter().map(|n| format!("{n} = {n}")).collect();
        text.push_str(&format!(
            "}}\nactions {{\n  user init({})\n  user go\n}}\ninitial status a \"A\" {{\n  user init -> w {{ {} }}\n}}\nstatus w \"W\" {{\n",
            names.join(", "),
            effects.join(" ")
        ));
        for r in 0..rules {
            let parts: Vec<String> =
                (0..parts).map(|k| format!("time_since(t{}) >= {}d", (r * 7 + k) % fields, k + 1 + r)).collect();
            text.push_str(&format!(
                "  {}user go when {} -> b\n",
                if r > 0 { "else " } else { "" },
                parts.join(" and ")
            ));
        }
        text.push_str("}\nterminal status b \"B\" outcome done\n");
        let table = crate::compile_bytes("p.policy", text.into_bytes()).table.unwrap();
        let times: Vec<String> =
            (0..fields).map(|i| format!("\"t{i}\":\"2026-01-{:02}T00:00:00Z\"", 1 + i % 28)).collect();
        let line = format!(
            "{{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"init\",{}}}",
            times.join(",")
        );
        (table, line)
    }

    #[test]
    fn when_an_action_opens_is_found_trying_each_rule_at_its_own_instants() {
        let (rules, parts) = (40, 60);
        let (table, line) = many_gated_rules(rules, parts);
        let engine = Engine::new(&table, false);
        let mut case = engine.new_case("A");
        engine.apply(&mut case, &super::super::event::from_json_line(&line, 1).unwrap());
        let (action, list) = &table.statuses[case.status].actions[0];
        assert_eq!(table.actions[*action].name, "go");
        let now = case.last_event.unwrap();
        let (at, evaluated) = engine.opens_at_counted(&case, list, now, None);
        // The same answer as trying every instant of every rule against every rule.
        let scope = engine.scope(&case, None, now);
        let mut all = Vec::new();
        for c in list {
            expr::thresholds(c.guard.as_ref().unwrap(), &scope, &mut all);
        }
        all.retain(|t| *t > now);
        all.sort();
        all.dedup();
        let expected = all.iter().copied().find(|t| {
            let scope = engine.scope(&case, None, *t);
            list.iter().any(|c| expr::holds(c.guard.as_ref(), &scope) != Some(false))
        });
        assert!(expected.is_some());
        assert_eq!(at, expected);
        // At most each rule's own instants (two per comparison), not all instants for each rule.
        assert!(evaluated <= rules * parts * 2, "{evaluated} evaluations");
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn delivery_ids_are_told_apart_however_many_and_however_long() {
        let mut ids = IdSet::default();
        let long = "x".repeat(300);
        let mut given: Vec<String> = vec![String::new(), "é".into(), "a".repeat(255), long.clone()];
        given.extend((0..40).map(|n| format!("d{n}")));
        for (n, id) in given.iter().enumerate() {
            assert!(!ids.contains(id), "{id} before it was given");
            ids.insert(id);
            // Every id given so far is there, and none of the others (prefixes included).
            assert!(given[..=n].iter().all(|x| ids.contains(x)), "after {n}");
            assert!(!ids.contains("d") && !ids.contains(&"a".repeat(254)) && !ids.contains("x"));
            ids.shrink();
            // Past the list's limit (or at the first long id) it becomes a set.
            assert_eq!(matches!(ids, IdSet::Many(_)), n >= 3, "after {n}");
        }
        let mut few = IdSet::default();
        few.insert("a");
        few.insert("bc");
        assert!(matches!(&few, IdSet::Few(list) if list.as_slice() == b"\x01a\x02bc"));
    }

    #[test]
    fn a_case_state_stays_small() {
        // A summary run holds one state per case seen, a million at a time: every byte here is
        // a megabyte there. 128 bytes: thin vectors (one pointer each) for everything a case
        // holds a list of, empty (no allocation) once it closes.
        assert!(std::mem::size_of::<CaseState>() <= 128, "{} bytes", std::mem::size_of::<CaseState>());
    }
}
