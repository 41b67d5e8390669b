//! The writer on PostgreSQL: one thread per instance, as on SQLite (group commit, then the
//! scheduler between batches), but correct when other instances write the same database.
//!
//! Applying a batch of requests is one transaction: insert a placeholder row for each new case
//! (so that two instances creating a case serialize on it), lock the batch's case rows
//! (`FOR UPDATE`, in case order) and their timers, drop from the cache every case whose row
//! version is not the one cached (another instance moved it), read the others' rows and events,
//! then lock the `heads` row, number and apply the events through the engine, and write the
//! events, the new case rows, the change records and each case's pending timers (replaced, with
//! the case's new version). Events of different cases wait only on the `heads` row, which is
//! held from numbering to commit.
//!
//! Firing is a transaction of its own: claim due timers with `FOR UPDATE SKIP LOCKED` (another
//! instance's claims are skipped, a killed instance's are released by its rollback), lock their
//! cases the same way, drop a timer armed at another version of its case (the fencing check),
//! fire through the engine, write as above. `NOTIFY` tells the other instances of a timer due
//! soon and of new changes; a poll every second is the backstop.

use crate::admin::{self, Policy, Refusal};
use crate::live::{EventResult, Live};
use crate::metrics::Metrics;
use crate::pg::{self, CHANNEL, PgStore, Snapshot};
use crate::store::{Batch, Store, StoreError};
use crate::writer::{self, Command, CurrentPolicy, MAX_BATCH_EVENTS, Reply, Writer};
use chrono::{DateTime, Utc};
use postgres::Transaction;
use postgres::fallible_iterator::FallibleIterator as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

/// Most due timers one firing transaction claims.
const CLAIM: i64 = 500;

/// A timer due within this long of a commit is announced to the other instances at once;
/// later ones are found by their once-a-second poll.
const ANNOUNCE_MS: i64 = 2_000;

/// The policy versions and migration plans stored by the admin calls of any instance, as far
/// as this one has taken them up (the last `seq` of each table it has read).
pub(crate) struct Synced {
    versions: CurrentPolicy,
    beside: PathBuf,
    policies: i64,
    migrations: i64,
}

impl Synced {
    /// Take up what other instances added since. Called holding the heads row, which the admin
    /// calls also lock: every event and timer is applied under the versions and plans stored
    /// before it, whichever instance added them, as a replay of the log would.
    fn catch_up(&mut self, tx: &mut Transaction, live: &mut Live) -> Result<(), StoreError> {
        let rows = tx.query("SELECT seq, name, body FROM policies WHERE seq > $1 ORDER BY seq", &[&self.policies])?;
        for r in &rows {
            let (seq, name, text): (i64, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            self.policies = seq;
            let now = writer::current(&self.versions);
            let table = admin::compile(&name, &text, &self.beside).map_err(|e| StoreError(refusal(&name, e)))?;
            if now.versions.tables.iter().any(|t| t.version.is_some() && t.version == table.version) {
                continue;
            }
            let effective = table.effective.unwrap_or_default();
            let next = admin::add(now.versions, &name, table, effective).map_err(|e| StoreError(refusal(&name, e)))?;
            let next = Policy { versions: Box::leak(Box::new(next)), plans: now.plans };
            live.set_policy(next);
            writer::replace(&self.versions, next);
            crate::notice(&format!("policy version `{name}` added by another instance"));
        }
        let rows =
            tx.query("SELECT seq, name, body FROM migrations WHERE seq > $1 ORDER BY seq", &[&self.migrations])?;
        for r in &rows {
            let (seq, name, text): (i64, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            self.migrations = seq;
            let now = writer::current(&self.versions);
            let (from, to, plan) =
                admin::plan(&name, &text, now.versions).map_err(|e| StoreError(refusal(&name, e)))?;
            if now.plans.iter().any(|(f, t, p)| (*f, *t) == (from, to) && p.text.at == plan.text.at) {
                continue;
            }
            let mut plans = now.plans.to_vec();
            plans.push((from, to, plan));
            let next = Policy { versions: now.versions, plans: Box::leak(plans.into_boxed_slice()) };
            live.set_policy(next);
            writer::replace(&self.versions, next);
            crate::notice(&format!("migration plan `{name}` applied by another instance"));
        }
        Ok(())
    }
}

fn refusal(name: &str, e: Refusal) -> String {
    match e {
        Refusal::Invalid(why) | Refusal::Conflict(why) => format!("the stored `{name}` cannot be taken up: {why}"),
    }
}

/// Start the writer and the listener over the database at `url`.
pub fn start(
    versions: CurrentPolicy,
    beside: PathBuf,
    url: String,
    store: PgStore,
    metrics: std::sync::Arc<Metrics>,
    changes: tokio::sync::watch::Sender<i64>,
) -> Result<Writer, String> {
    let (tx, rx) = mpsc::channel();
    // Connected in its own thread: a blocking client must not be made on the async threads.
    let relay = tx.clone();
    std::thread::Builder::new()
        .name("docket-listen".into())
        .spawn({
            let url = url.clone();
            move || match pg::connect(&url) {
                Ok(client) => listen(client, &url, relay),
                Err(e) => crate::notice(&format!("error: the listener cannot connect: {e}")),
            }
        })
        .map_err(|e| format!("cannot start the listener: {e}"))?;
    let thread = std::thread::Builder::new()
        .name("docket-writer".into())
        .spawn(move || run(&versions, &beside, &url, store, rx, &metrics, &changes))
        .map_err(|e| format!("cannot start the writer: {e}"))?;
    Ok(Writer { tx, thread: Some(thread) })
}

/// Relay the channel's notifications to the writer, reconnecting when the connection drops.
fn listen(mut client: postgres::Client, url: &str, tx: mpsc::Sender<Command>) {
    loop {
        if client.batch_execute(&format!("LISTEN {CHANNEL}")).is_ok() {
            let mut notes = client.notifications();
            let mut it = notes.blocking_iter();
            while let Ok(Some(n)) = it.next() {
                let payload = n.payload();
                let num = |p: &str| payload.strip_prefix(p).and_then(|v| v.parse::<i64>().ok());
                if tx.send(Command::Notified { wake: num("t:"), change: num("c:") }).is_err() {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_secs(1));
        match pg::connect(url) {
            Ok(c) => client = c,
            Err(_) => continue,
        }
    }
}

fn run(
    versions: &CurrentPolicy,
    beside: &Path,
    url: &str,
    mut store: PgStore,
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
    let mut live = Live::new(writer::current(versions), heads);
    changes.send_replace(heads.1);
    // What start-up loaded was read before this thread began, and another instance may have
    // added a version since: a head read here would skip it (a test saw this under load). The
    // first sync reads every stored row instead, passing over those start-up loaded (the same
    // version string, the same plan), so none is missed and none taken twice.
    let mut synced = Synced { versions: versions.clone(), beside: beside.to_path_buf(), policies: 0, migrations: 0 };
    let mut next_wake = store.next_timer().ok().flatten();
    let mut polled = std::time::Instant::now();
    let mut stopping = false;
    while !stopping {
        let now_ms = Utc::now().timestamp_millis();
        let wait = next_wake.map_or(1000, |w| (w - now_ms).clamp(0, 1000)) as u64;
        let mut posts = Vec::new();
        let mut events = 0usize;
        let mut admin = None;
        let note = |wake: Option<i64>, change: Option<i64>, next_wake: &mut Option<i64>| {
            if let Some(w) = wake {
                *next_wake = Some(next_wake.map_or(w, |n| n.min(w)));
            }
            if let Some(c) = change {
                changes.send_if_modified(|v| {
                    let moved = *v < c;
                    *v = (*v).max(c);
                    moved
                });
            }
        };
        match rx.recv_timeout(Duration::from_millis(wait)) {
            Ok(Command::Post { lines, reply }) => {
                events += lines.len();
                posts.push((lines, reply));
                while events < MAX_BATCH_EVENTS {
                    match rx.try_recv() {
                        Ok(Command::Post { lines, reply }) => {
                            events += lines.len();
                            posts.push((lines, reply));
                        }
                        Ok(Command::Notified { wake, change }) => note(wake, change, &mut next_wake),
                        Ok(Command::Stop) => {
                            stopping = true;
                            break;
                        }
                        Ok(add @ (Command::AddVersion { .. } | Command::AddTable { .. } | Command::AddPlan { .. })) => {
                            admin = Some(add);
                            break;
                        }
                        Err(_) => break,
                    }
                }
            }
            Ok(add @ (Command::AddVersion { .. } | Command::AddTable { .. } | Command::AddPlan { .. })) => {
                admin = Some(add)
            }
            Ok(Command::Notified { wake, change }) => note(wake, change, &mut next_wake),
            Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => stopping = true,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if !posts.is_empty() {
            apply_posts(&mut live, &mut store, &mut synced, posts, metrics);
            publish(&live, changes);
        }
        match admin {
            Some(Command::AddVersion { name, text, reply }) => {
                let _ = reply.send(writer::add_version(versions, beside, &mut live, &mut store, &name, &text));
            }
            Some(Command::AddTable { name, table, reply }) => {
                let _ = reply.send(writer::add_table(versions, &mut live, &name, *table, None));
            }
            Some(Command::AddPlan { name, text, reply }) => {
                let _ = reply.send(writer::add_plan(versions, &mut live, &mut store, &name, &text));
            }
            _ => {}
        }
        // The backstop: what other instances wrote without a notice reaching us.
        if polled.elapsed() >= Duration::from_secs(1) {
            polled = std::time::Instant::now();
            reconnect_if_closed(&store, url);
            if let Ok(w) = store.next_timer() {
                next_wake = w;
            }
            if let Ok((_, c)) = store.heads() {
                note(None, Some(c), &mut next_wake);
            }
        }
        if next_wake.is_some_and(|w| w <= Utc::now().timestamp_millis()) {
            let fired = fire(&mut live, &mut store, &mut synced, metrics);
            publish(&live, changes);
            next_wake = store.next_timer().ok().flatten();
            if fired == 0 {
                // Nothing was ours to fire (claimed by another instance, or the database's clock
                // is behind ours, or it refused): look again shortly rather than at once.
                next_wake = Some(Utc::now().timestamp_millis() + 200);
            }
        }
    }
}

/// Move the long polls' head to the last change this instance committed, never back (a notice
/// from another instance may have moved it further already).
fn publish(live: &Live, changes: &tokio::sync::watch::Sender<i64>) {
    let last = live.next_change - 1;
    changes.send_if_modified(|v| {
        let moved = last > *v;
        *v = (*v).max(last);
        moved
    });
}

fn reconnect_if_closed(store: &PgStore, url: &str) {
    let closed = store.client.borrow().is_closed();
    if closed {
        crate::notice("the database connection closed; reconnecting");
        match pg::connect(url) {
            Ok(c) => {
                store.client.replace(c);
            }
            Err(e) => crate::notice(&format!("error: {e}")),
        }
    }
}

/// The case ids a request's lines name (those that read as events), sorted, once each.
fn case_ids(posts: &[(Vec<String>, Reply)]) -> Vec<String> {
    let mut ids: Vec<String> = posts
        .iter()
        .flat_map(|(lines, _)| lines.iter())
        .filter_map(|l| docket::eval::event::from_json_line(l, 0).ok().map(|ev| ev.case.to_string()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Of the locked cases (id, row version), those the cache does not hold at that version.
fn to_read(live: &mut Live, locked: &[(String, i64)]) -> Vec<String> {
    live.pin_from_now();
    locked.iter().filter(|(id, v)| !live.holds(id, *v)).map(|(id, _)| id.clone()).collect()
}

fn locked_rows(rows: Vec<postgres::Row>) -> Result<Vec<(String, i64)>, StoreError> {
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Number from the heads row, locked to this transaction's commit.
fn lock_heads(tx: &mut Transaction, live: &mut Live) -> Result<(), StoreError> {
    let row = tx.query_one("SELECT event_seq, change_seq FROM heads WHERE id = 1 FOR UPDATE", &[])?;
    live.set_heads((row.try_get(0)?, row.try_get(1)?));
    Ok(())
}

/// Write a batch: its rows, each written case's timers replaced, the heads moved; then tell
/// the other instances of a timer due soon and of the new changes.
fn write(tx: &mut Transaction, live: &Live, batch: &Batch, now_ms: i64) -> Result<(), StoreError> {
    pg::write_rows(tx, batch)?;
    let last = pg::last_rows(batch);
    let written: Vec<&str> = last.iter().map(|r| r.case.as_str()).collect();
    if !written.is_empty() {
        tx.execute("DELETE FROM timers WHERE case_id = ANY($1)", &[&written])?;
        let (mut case, mut due, mut version) = (Vec::new(), Vec::new(), Vec::new());
        for row in &last {
            for ms in live.timers(row) {
                case.push(row.case.as_str());
                due.push(DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default());
                version.push(row.version);
            }
        }
        if !case.is_empty() {
            tx.execute(
                "INSERT INTO timers (case_id, due_at, case_version) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])",
                &[&case, &due, &version],
            )?;
            if let Some(soonest) = due.iter().min().map(|d| d.timestamp_millis())
                && soonest <= now_ms + ANNOUNCE_MS
            {
                tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &format!("t:{soonest}")])?;
            }
        }
    }
    tx.execute(
        "UPDATE heads SET event_seq = $1, change_seq = $2 WHERE id = 1",
        &[&(live.next_event - 1), &(live.next_change - 1)],
    )?;
    if !batch.changes.is_empty() {
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &format!("c:{}", live.next_change - 1)])?;
    }
    Ok(())
}

fn apply_posts(
    live: &mut Live,
    store: &mut PgStore,
    synced: &mut Synced,
    posts: Vec<(Vec<String>, Reply)>,
    metrics: &Metrics,
) {
    let ids = case_ids(&posts);
    let mut touched = live.begin();
    let mut results = Vec::with_capacity(posts.len());
    let outcome = {
        let mut client = store.client.borrow_mut();
        transact_posts(&mut client, live, synced, &ids, &posts, &mut touched, &mut results)
    };
    match outcome {
        Ok(()) => {
            metrics.commits.fetch_add(1, Ordering::Relaxed);
            for ((_, reply), results) in posts.into_iter().zip(results) {
                for r in &results {
                    metrics.events[r.verdict as usize].fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(Ok(results));
            }
        }
        Err(e) => {
            crate::notice(&format!("error: a batch of events was not written: {e}"));
            live.rollback(touched);
            // The cache may hold states read in the failed transaction: read them again.
            for id in &ids {
                live.holds(id, -1);
            }
            for (_, reply) in posts {
                let _ = reply.send(Err(e.0.clone()));
            }
        }
    }
}

fn transact_posts(
    client: &mut postgres::Client,
    live: &mut Live,
    synced: &mut Synced,
    ids: &[String],
    posts: &[(Vec<String>, Reply)],
    touched: &mut crate::live::Touched,
    results: &mut Vec<Vec<EventResult>>,
) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    let now_ms = Utc::now().timestamp_millis();
    let locked = if ids.is_empty() {
        Vec::new()
    } else {
        // A new case's placeholder (version 0, never shown): a second instance creating the
        // same case waits here for the first one's commit.
        tx.execute(
            "INSERT INTO cases (case_id, status, label, terminal, breached, events, version) \
             SELECT id, '', '', false, false, 0, 0 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING",
            &[&ids],
        )?;
        let locked = locked_rows(tx.query(
            "SELECT case_id, version FROM cases WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE",
            &[&ids],
        )?)?;
        tx.query("SELECT id FROM timers WHERE case_id = ANY($1) ORDER BY id FOR UPDATE", &[&ids])?;
        locked
    };
    let need = to_read(live, &locked);
    let snapshot = Snapshot::read(&mut tx, &need)?;
    lock_heads(&mut tx, live)?;
    synced.catch_up(&mut tx, live)?;
    *touched = live.begin();
    let mut batch = Batch::default();
    for (lines, _) in posts {
        results.push(live.post(&snapshot, lines, &mut batch, touched)?);
    }
    write(&mut tx, live, &batch, now_ms)?;
    if !ids.is_empty() {
        // Placeholders of cases no event wrote (every event of theirs refused before the case).
        tx.execute("DELETE FROM cases WHERE case_id = ANY($1) AND version = 0", &[&ids])?;
    }
    tx.commit()?;
    Ok(())
}

/// Claim and fire due timers; how many cases were handled (0: nothing was ours or it failed).
fn fire(live: &mut Live, store: &mut PgStore, synced: &mut Synced, metrics: &Metrics) -> usize {
    let mut touched = live.begin();
    let outcome = {
        let mut client = store.client.borrow_mut();
        transact_fire(&mut client, live, synced, &mut touched)
    };
    match outcome {
        Ok((handled, lags)) => {
            if handled > 0 {
                metrics.commits.fetch_add(1, Ordering::Relaxed);
            }
            for lag in lags {
                metrics.timers_fired.fetch_add(1, Ordering::Relaxed);
                metrics.timer_lag.observe(lag);
            }
            handled
        }
        Err(e) => {
            crate::notice(&format!("error: fired deadlines not written (they fire again): {e}"));
            let cases = touched.cases().to_vec();
            live.rollback(touched);
            for id in &cases {
                live.holds(id, -1);
            }
            0
        }
    }
}

fn transact_fire(
    client: &mut postgres::Client,
    live: &mut Live,
    synced: &mut Synced,
    touched: &mut crate::live::Touched,
) -> Result<(usize, Vec<f64>), StoreError> {
    let mut tx = client.transaction()?;
    let now: DateTime<Utc> = tx.query_one("SELECT now()", &[])?.try_get(0)?;
    let claimed = tx.query(
        "SELECT id, case_id, due_at, case_version FROM timers WHERE due_at <= now() \
         ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
        &[&CLAIM],
    )?;
    if claimed.is_empty() {
        tx.commit()?;
        return Ok((0, Vec::new()));
    }
    let mut timers: Vec<(i64, String, i64, i64)> = Vec::with_capacity(claimed.len());
    for r in &claimed {
        let due: DateTime<Utc> = r.try_get(2)?;
        timers.push((r.try_get(0)?, r.try_get(1)?, due.timestamp_millis(), r.try_get(3)?));
    }
    let mut ids: Vec<&str> = timers.iter().map(|t| t.1.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    // A case another transaction holds is left to it: its timers are released at our commit
    // and claimed again later.
    let locked = locked_rows(tx.query(
        "SELECT case_id, version FROM cases WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE SKIP LOCKED",
        &[&ids],
    )?)?;
    hold_claims(timers.len(), locked.len());
    let version: std::collections::HashMap<&str, i64> = locked.iter().map(|(c, v)| (c.as_str(), *v)).collect();
    let mut stale = Vec::new();
    let mut due: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for (id, case, ms, armed_at) in &timers {
        match version.get(case.as_str()) {
            None => {}
            // The fencing check: armed by another state of the case than the one stored.
            Some(v) if v != armed_at => stale.push(*id),
            Some(_) => {
                let e = due.entry(case.as_str()).or_insert(*ms);
                *e = (*e).min(*ms);
            }
        }
    }
    if !stale.is_empty() {
        tx.execute("DELETE FROM timers WHERE id = ANY($1)", &[&stale])?;
    }
    let due: Vec<(String, i64)> = due.into_iter().map(|(c, ms)| (c.to_string(), ms)).collect();
    let handled = due.len() + stale.len();
    if due.is_empty() {
        tx.commit()?;
        return Ok((handled, Vec::new()));
    }
    let fresh: Vec<(String, i64)> = locked.into_iter().filter(|(c, _)| due.iter().any(|(d, _)| d == c)).collect();
    let need = to_read(live, &fresh);
    let snapshot = Snapshot::read(&mut tx, &need)?;
    lock_heads(&mut tx, live)?;
    synced.catch_up(&mut tx, live)?;
    *touched = live.begin();
    let mut batch = Batch::default();
    let lags = live.fire_cases(&snapshot, due, now, &mut batch, touched)?;
    write(&mut tx, live, &batch, now.timestamp_millis())?;
    tx.commit()?;
    Ok((handled, lags))
}

/// Fault injection for the tests: with `DOCKET_SERVE_HOLD_CLAIMS_MS` set, a firing transaction
/// says how many timers it claimed and waits that long holding them, so that a test can kill
/// the instance while it holds claims. Unset, it costs one environment read per claim.
fn hold_claims(timers: usize, cases: usize) {
    let Some(ms) = std::env::var("DOCKET_SERVE_HOLD_CLAIMS_MS").ok().and_then(|v| v.parse::<u64>().ok()) else {
        return;
    };
    crate::notice(&format!(
        "holding {timers} claimed timers of {cases} cases for {ms} ms (DOCKET_SERVE_HOLD_CLAIMS_MS)"
    ));
    std::thread::sleep(Duration::from_millis(ms));
}
