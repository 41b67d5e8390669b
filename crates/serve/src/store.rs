//! What the service keeps, behind a small trait so a second database (PostgreSQL, a later issue)
//! stands beside SQLite: an append-only event log (the source of truth), one summary row per
//! case (what listing and the scheduler read), and the change records. A [`Batch`] is written
//! in one transaction; nothing here knows the engine.

use thiserror::Error;

/// A database failure, worded.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError(format!("database: {}: {}", db.severity(), db.message())),
            None => StoreError(format!("database: {e}")),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("database: {e}"))
    }
}

/// One event of the log, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its position in the log, from 1; also its `line` in reports, as in an exported file.
    pub seq: i64,
    /// The case it belongs to.
    pub case: String,
    /// `applied` or `rejected`.
    pub result: String,
    /// The event's JSON object, as received, on one line.
    pub body: String,
}

/// A case's summary: what listing filters on and the scheduler wakes for. The full state is the
/// replay of the case's events (then its clock moved to `fired_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    /// Case id.
    pub case: String,
    /// Dotted status path.
    pub status: String,
    /// Status label.
    pub label: String,
    /// Closed.
    pub terminal: bool,
    /// The next deadline a report lists (RFC 3339) and the same in milliseconds, for filters.
    pub next_deadline: Option<String>,
    /// `next_deadline` in Unix milliseconds.
    pub next_deadline_ms: Option<i64>,
    /// Some SLA deadline passed.
    pub breached: bool,
    /// The policy version the case is pinned to.
    pub policy_version: Option<String>,
    /// The latest event's time (RFC 3339).
    pub last_event: Option<String>,
    /// The deadline the scheduler last fired for the case (RFC 3339, exact): the case's clock
    /// stands there even with no event after it.
    pub fired_to: Option<String>,
    /// When the scheduler must next look at the case (its earliest pending timer), Unix ms.
    pub wake_ms: Option<i64>,
    /// Events stored for the case.
    pub events: i64,
    /// How many times the row was written (a version for readers).
    pub version: i64,
}

/// A change record: what happened, as one JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// Its position, from 1; also its stable id for webhook receivers.
    pub seq: i64,
    /// The case.
    pub case: String,
    /// The record's JSON, without `seq`.
    pub body: String,
}

/// Everything one transaction writes.
#[derive(Debug, Default)]
pub struct Batch {
    /// Events to append.
    pub events: Vec<StoredEvent>,
    /// Case rows to write (insert or replace).
    pub cases: Vec<CaseRow>,
    /// Changes to append.
    pub changes: Vec<ChangeRow>,
}

impl Batch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.cases.is_empty() && self.changes.is_empty()
    }
}

/// Which cases a listing wants; combined with AND.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// A status path prefix of whole names.
    pub status: Option<String>,
    /// Only cases with a next deadline before this (Unix ms).
    pub due_before_ms: Option<i64>,
    /// Only cases with (or without) a breached SLA.
    pub breached: Option<bool>,
    /// After this case id (the cursor).
    pub after: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// Where the live engine reads a case it does not hold: a store, or (on PostgreSQL) the rows
/// read inside the transaction that has the case locked.
pub trait CaseSource {
    /// A case's summary row.
    fn case_row(&self, case: &str) -> Result<Option<CaseRow>, StoreError>;
    /// A case's events, in log order.
    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError>;
}

/// The log, the case rows and the changes. The writer holds one; each reader another.
pub trait Store: CaseSource + Send {
    /// Write a batch in one durable transaction: when this returns `Ok`, it survives a crash.
    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError>;
    /// Up to `limit` events after `seq`, in log order.
    fn events_after(&self, seq: i64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;
    /// Up to `limit` changes after `seq`, in order.
    fn changes_after(&self, seq: i64, limit: usize) -> Result<Vec<ChangeRow>, StoreError>;
    /// Up to `limit` cases the scheduler must look at by `now_ms`: (case, wake), earliest first.
    fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<(String, i64)>, StoreError>;
    /// The earliest wake-up of any case.
    fn next_wake(&self) -> Result<Option<i64>, StoreError>;
    /// A page of case rows in case-id order.
    fn list(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError>;
    /// The last event seq and the last change seq (0 when empty).
    fn heads(&self) -> Result<(i64, i64), StoreError>;
    /// Every case row with its events, case by case (the start-up check).
    fn each_case(&self, f: &mut dyn FnMut(CaseRow, Vec<StoredEvent>)) -> Result<(), StoreError>;
    /// Keep a policy version added through the admin call (its source name and text).
    fn add_policy(&mut self, name: &str, text: &str) -> Result<(), StoreError>;
    /// The policy versions added through the admin call, in the order they were added.
    fn policies(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Keep a migration plan applied through the admin call, and wake the open cases on its
    /// old version (`wake`: the version string, the plan's instant in Unix ms) at its instant.
    fn add_migration(&mut self, name: &str, text: &str, wake: (&str, i64)) -> Result<(), StoreError>;
    /// The migration plans applied through the admin call, in order.
    fn migrations(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// How many cases are in each status.
    fn status_counts(&self) -> Result<Vec<(String, i64)>, StoreError>;
}
