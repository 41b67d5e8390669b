//! The one writer: a thread that owns the write connection and the live engine. Requests send
//! their events over a channel; the writer takes every request waiting (group commit), applies
//! them in arrival order, writes the events, case rows and change records in one transaction,
//! and answers each request only after the commit. Between batches it is the scheduler: it
//! sleeps until the earliest pending deadline (at most a second) and fires what is due, in
//! deadline order, dated at each deadline, in a transaction of its own.

use crate::admin::{self, Policy, Refusal};
use crate::live::{EventResult, Live};
use crate::metrics::Metrics;
use crate::sqlite::SqliteStore;
use crate::store::{Batch, Store};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::oneshot;

/// Most events applied in one transaction; more requests wait for the next. Kept small enough
/// that a batch never holds up a due deadline by much of its second.
pub(crate) const MAX_BATCH_EVENTS: usize = 5_000;

/// What the writer is asked to do.
pub enum Command {
    /// Apply these events (JSON objects, one per line) and answer when they are durable.
    Post {
        /// The events.
        lines: Vec<String>,
        /// The answer: each event's result, or why nothing was written.
        reply: oneshot::Sender<Result<Vec<EventResult>, String>>,
    },
    /// Add a policy version (its source name and text), kept in the database.
    AddVersion {
        /// The name it is known by (diagnostics, listings).
        name: String,
        /// The policy text.
        text: String,
        /// The versions after, or why not.
        reply: oneshot::Sender<Result<serde_json::Value, Refusal>>,
    },
    /// Add a version read from the files given (the reload signal): compiled already, not
    /// stored, since the files given are read again at start.
    AddTable {
        /// The file it was read from.
        name: String,
        /// The compiled version.
        table: Box<docket::compile::table::TransitionTable>,
        /// The versions after, or why not.
        reply: oneshot::Sender<Result<serde_json::Value, Refusal>>,
    },
    /// Apply a migration plan (its name and TOML text), kept in the database.
    AddPlan {
        /// The name it is known by.
        name: String,
        /// The plan.
        text: String,
        /// The plans after, or why not.
        reply: oneshot::Sender<Result<serde_json::Value, Refusal>>,
    },
    /// Another instance wrote a timer due at this instant (Unix ms) or committed changes up
    /// to this seq (PostgreSQL's NOTIFY, relayed); SQLite's one writer never gets it.
    Notified {
        /// A timer's due instant, Unix ms.
        wake: Option<i64>,
        /// The last change seq committed.
        change: Option<i64>,
    },
    /// Finish what is queued, then stop.
    Stop,
}

/// The running writer.
pub struct Writer {
    pub(crate) tx: mpsc::Sender<Command>,
    pub(crate) thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// A sender for requests.
    pub fn sender(&self) -> mpsc::Sender<Command> {
        self.tx.clone()
    }

    /// Finish the queued requests, then stop the thread.
    pub fn stop(mut self) {
        let _ = self.tx.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start the writer over an open store.
pub fn start(
    versions: CurrentPolicy,
    beside: PathBuf,
    store: SqliteStore,
    metrics: Arc<Metrics>,
    changes: tokio::sync::watch::Sender<i64>,
) -> Result<Writer, String> {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("docket-writer".into())
        .spawn(move || run(&versions, &beside, store, rx, &metrics, &changes))
        .map_err(|e| format!("cannot start the writer: {e}"))?;
    Ok(Writer { tx, thread: Some(thread) })
}

/// The policy in effect, shared with the readers; replaced when a version or a plan is added.
pub type CurrentPolicy = Arc<RwLock<Policy>>;

/// The policy in effect now.
pub fn current(policy: &CurrentPolicy) -> Policy {
    match policy.read() {
        Ok(v) => *v,
        Err(poisoned) => *poisoned.into_inner(),
    }
}

pub(crate) fn replace(policy: &CurrentPolicy, next: Policy) {
    match policy.write() {
        Ok(mut v) => *v = next,
        Err(poisoned) => *poisoned.into_inner() = next,
    }
}

fn run(
    versions: &CurrentPolicy,
    beside: &Path,
    mut store: SqliteStore,
    rx: mpsc::Receiver<Command>,
    metrics: &Metrics,
    changes: &tokio::sync::watch::Sender<i64>,
) {
    let heads = match store.heads() {
        Ok(h) => h,
        Err(e) => {
            crate::notice(&format!("error: {e}"));
            return;
        }
    };
    let mut live = Live::new(current(versions), heads);
    changes.send_replace(heads.1);
    let mut next_wake = store.next_wake().ok().flatten();
    let mut stopping = false;
    while !stopping {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let wait = next_wake.map_or(1000, |w| (w - now_ms).clamp(0, 1000)) as u64;
        let mut posts = Vec::new();
        let mut events = 0usize;
        let mut admin = None;
        match rx.recv_timeout(Duration::from_millis(wait)) {
            Ok(Command::Post { lines, reply }) => {
                events += lines.len();
                posts.push((lines, reply));
                // Group commit: take whatever else is waiting, up to the batch's size.
                while events < MAX_BATCH_EVENTS {
                    match rx.try_recv() {
                        Ok(Command::Post { lines, reply }) => {
                            events += lines.len();
                            posts.push((lines, reply));
                        }
                        Ok(Command::Stop) => {
                            stopping = true;
                            break;
                        }
                        // After the events before it, in order.
                        Ok(add @ (Command::AddVersion { .. } | Command::AddTable { .. } | Command::AddPlan { .. })) => {
                            admin = Some(add);
                            break;
                        }
                        Ok(Command::Notified { .. }) => {}
                        Err(_) => break,
                    }
                }
            }
            Ok(add @ (Command::AddVersion { .. } | Command::AddTable { .. } | Command::AddPlan { .. })) => {
                admin = Some(add)
            }
            Ok(Command::Notified { .. }) => {}
            Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => stopping = true,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if !posts.is_empty() {
            apply_posts(&mut live, &mut store, posts, metrics);
            publish(&live, changes);
            next_wake = store.next_wake().ok().flatten();
        }
        match admin {
            Some(Command::AddVersion { name, text, reply }) => {
                let _ = reply.send(add_version(versions, beside, &mut live, &mut store, &name, &text));
            }
            Some(Command::AddTable { name, table, reply }) => {
                let _ = reply.send(add_table(versions, &mut live, &name, *table, None));
            }
            Some(Command::AddPlan { name, text, reply }) => {
                let _ = reply.send(add_plan(versions, &mut live, &mut store, &name, &text));
                next_wake = store.next_wake().ok().flatten();
            }
            _ => {}
        }
        if next_wake.is_some_and(|w| w <= chrono::Utc::now().timestamp_millis()) {
            let fired = fire(&mut live, &mut store, metrics);
            publish(&live, changes);
            next_wake = store.next_wake().ok().flatten();
            if !fired {
                // The database refused: try again in a second rather than at once.
                next_wake = Some(chrono::Utc::now().timestamp_millis() + 1000);
            }
        }
    }
}

pub(crate) fn add_version(
    versions: &CurrentPolicy,
    beside: &Path,
    live: &mut Live,
    store: &mut dyn Store,
    name: &str,
    text: &str,
) -> Result<serde_json::Value, Refusal> {
    let table = admin::compile(name, text, beside)?;
    add_table(versions, live, name, table, Some((store, text)))
}

/// Add a compiled version (kept in the store when `keep` gives one and the text).
pub(crate) fn add_table(
    versions: &CurrentPolicy,
    live: &mut Live,
    name: &str,
    table: docket::compile::table::TransitionTable,
    keep: Option<(&mut dyn Store, &str)>,
) -> Result<serde_json::Value, Refusal> {
    let now = current(versions);
    if !now.plans.is_empty() {
        return Err(Refusal::Conflict("migration plans are applied: versions can no longer be added".into()));
    }
    let next = admin::add(now.versions, name, table, chrono::Utc::now())?;
    if let Some((store, text)) = keep {
        store.add_policy(name, text).map_err(|e| Refusal::Conflict(format!("not stored: {e}")))?;
    }
    let next = Policy { versions: Box::leak(Box::new(next)), plans: now.plans };
    live.set_policy(next);
    replace(versions, next);
    crate::notice(&format!("policy version `{name}` added"));
    Ok(admin::describe(next.versions))
}

pub(crate) fn add_plan(
    policy: &CurrentPolicy,
    live: &mut Live,
    store: &mut dyn Store,
    name: &str,
    text: &str,
) -> Result<serde_json::Value, Refusal> {
    let now = current(policy);
    let (from, to, plan) = admin::plan(name, text, now.versions)?;
    // Cases may already stand past an earlier instant under the old version, which a replay
    // with the plan would move before: a plan applies from now on.
    let clock = chrono::Utc::now();
    if plan.text.at < clock {
        return Err(Refusal::Conflict(format!(
            "the plan moves cases at {}, which has passed: give an instant from now on",
            docket::eval::time::format(&plan.text.at)
        )));
    }
    let from_name = now.versions.tables[from].version.clone().unwrap_or_default();
    store
        .add_migration(name, text, (&from_name, plan.text.at.timestamp_millis()))
        .map_err(|e| Refusal::Conflict(format!("not stored: {e}")))?;
    let mut plans: Vec<(usize, usize, docket::migrate::Plan)> = now.plans.to_vec();
    let at = plan.text.at;
    plans.push((from, to, plan));
    let next = Policy { versions: now.versions, plans: Box::leak(plans.into_boxed_slice()) };
    live.set_policy(next);
    replace(policy, next);
    crate::notice(&format!(
        "migration plan `{name}` applied: open cases on \"{from_name}\" move at {}",
        docket::eval::time::format(&at)
    ));
    Ok(admin::describe_plans(next))
}

pub(crate) fn publish(live: &Live, changes: &tokio::sync::watch::Sender<i64>) {
    let last = live.next_change - 1;
    changes.send_if_modified(|v| {
        let moved = *v != last;
        *v = last;
        moved
    });
}

pub(crate) type Reply = oneshot::Sender<Result<Vec<EventResult>, String>>;

fn apply_posts(live: &mut Live, store: &mut SqliteStore, posts: Vec<(Vec<String>, Reply)>, metrics: &Metrics) {
    let mut batch = Batch::default();
    let mut touched = live.begin();
    let mut answers = Vec::with_capacity(posts.len());
    let mut failed = None;
    for (lines, reply) in posts {
        if failed.is_none() {
            match live.post(store, &lines, &mut batch, &mut touched) {
                Ok(results) => answers.push((reply, results)),
                Err(e) => {
                    failed = Some(e.0);
                    let _ = reply.send(Err(failed.clone().unwrap_or_default()));
                }
            }
        } else {
            let _ = reply.send(Err(failed.clone().unwrap_or_default()));
        }
    }
    let committed = match failed {
        Some(e) => Err(e),
        None => store.commit(&batch).map_err(|e| e.0),
    };
    match committed {
        Ok(()) => {
            metrics.commits.fetch_add(1, Ordering::Relaxed);
            for (reply, results) in answers {
                for r in &results {
                    metrics.events[r.verdict as usize].fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(Ok(results));
            }
        }
        Err(e) => {
            crate::notice(&format!("error: a batch of events was not written: {e}"));
            live.rollback(touched);
            for (reply, _) in answers {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// Fire what is due; false when nothing could be written.
fn fire(live: &mut Live, store: &mut SqliteStore, metrics: &Metrics) -> bool {
    let mut batch = Batch::default();
    let mut touched = live.begin();
    let now = chrono::Utc::now();
    let lags = match live.fire_due(store, now, &mut batch, &mut touched) {
        Ok(l) => l,
        Err(e) => {
            crate::notice(&format!("error: deadlines not fired: {e}"));
            live.rollback(touched);
            return false;
        }
    };
    match store.commit(&batch) {
        Ok(()) => {
            metrics.commits.fetch_add(1, Ordering::Relaxed);
            for lag in lags {
                metrics.timers_fired.fetch_add(1, Ordering::Relaxed);
                metrics.timer_lag.observe(lag);
            }
            true
        }
        Err(e) => {
            crate::notice(&format!("error: fired deadlines not written (they fire again): {e}"));
            live.rollback(touched);
            false
        }
    }
}
