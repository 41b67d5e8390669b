//! The [`Store`] on PostgreSQL, shared by any number of `docket serve` processes. The same log,
//! case rows and changes as on SQLite, plus one row per pending timer (what instances claim) and
//! one `heads` row holding the last event and change seq. Writers lock that row last, just
//! before they number what they append, and hold it to their commit: seqs are gapless and
//! become visible in their order, so a reader of `changes?after=N` never skips a record that
//! commits later with a smaller seq (which a plain SEQUENCE, numbered before commit, allows).
//!
//! The schema's version is in `docket_schema`; `docket serve --migrate` brings it forward under
//! an advisory lock (instances started together wait for one another); without `--migrate` a
//! database behind this program is refused.

use crate::store::{Batch, CaseFilter, CaseRow, CaseSource, ChangeRow, Store, StoreError, StoredEvent};
use chrono::{DateTime, Utc};
use postgres::{Client, GenericClient, NoTls, Row};
use std::cell::RefCell;
use std::collections::HashMap;

/// Each schema version's script, from version 0 (an empty database) up.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the log, the case rows, the pending timers, the changes, the heads, the policy
    // versions and migration plans added through the admin calls.
    "CREATE TABLE events (
         seq bigint PRIMARY KEY,
         case_id text NOT NULL,
         result text NOT NULL,
         body text NOT NULL
     );
     CREATE INDEX events_by_case ON events (case_id, seq);
     CREATE TABLE cases (
         case_id text PRIMARY KEY,
         status text NOT NULL,
         label text NOT NULL,
         terminal boolean NOT NULL,
         next_deadline text,
         next_deadline_ms bigint,
         breached boolean NOT NULL,
         policy_version text,
         last_event text,
         fired_to text,
         wake_ms bigint,
         events bigint NOT NULL,
         version bigint NOT NULL
     );
     CREATE TABLE timers (
         id bigserial PRIMARY KEY,
         case_id text NOT NULL,
         due_at timestamptz NOT NULL,
         case_version bigint NOT NULL
     );
     CREATE INDEX timers_due ON timers (due_at, id);
     CREATE INDEX timers_by_case ON timers (case_id);
     CREATE TABLE changes (
         seq bigint PRIMARY KEY,
         case_id text NOT NULL,
         body text NOT NULL
     );
     CREATE TABLE heads (
         id integer PRIMARY KEY CHECK (id = 1),
         event_seq bigint NOT NULL,
         change_seq bigint NOT NULL
     );
     INSERT INTO heads VALUES (1, 0, 0);
     CREATE TABLE policies (seq bigserial PRIMARY KEY, name text NOT NULL, body text NOT NULL);
     CREATE TABLE migrations (seq bigserial PRIMARY KEY, name text NOT NULL, body text NOT NULL);",
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key migrations run under.
const MIGRATION_LOCK: i64 = 0x646f_636b_6574;

/// The channel instances are told on: `t:MS` a timer due at MS was written, `c:SEQ` changes up
/// to SEQ were committed.
pub const CHANNEL: &str = "docket";

const CASE_COLUMNS: &str = "case_id, status, label, terminal, next_deadline, next_deadline_ms, breached, \
                            policy_version, last_event, fired_to, wake_ms, events, version";

/// A connection to a Docket database on PostgreSQL.
pub struct PgStore {
    pub(crate) client: RefCell<Client>,
}

/// Connect, worded.
pub fn connect(url: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls)
        .map_err(|e| StoreError(format!("cannot connect to the database `{}`: {e}", redact(url))))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..s + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn case_row(r: &Row) -> Result<CaseRow, postgres::Error> {
    Ok(CaseRow {
        case: r.try_get(0)?,
        status: r.try_get(1)?,
        label: r.try_get(2)?,
        terminal: r.try_get(3)?,
        next_deadline: r.try_get(4)?,
        next_deadline_ms: r.try_get(5)?,
        breached: r.try_get(6)?,
        policy_version: r.try_get(7)?,
        last_event: r.try_get(8)?,
        fired_to: r.try_get(9)?,
        wake_ms: r.try_get(10)?,
        events: r.try_get(11)?,
        version: r.try_get(12)?,
    })
}

fn event_row(r: &Row) -> Result<StoredEvent, postgres::Error> {
    Ok(StoredEvent { seq: r.try_get(0)?, case: r.try_get(1)?, result: r.try_get(2)?, body: r.try_get(3)? })
}

fn rows<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T, postgres::Error>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(|r| f(r).map_err(StoreError::from)).collect()
}

/// The schema version of a database (0: none yet).
fn schema_version(client: &mut impl GenericClient) -> Result<i64, StoreError> {
    let exists: bool = client.query_one("SELECT to_regclass('docket_schema') IS NOT NULL", &[])?.try_get(0)?;
    if !exists {
        return Ok(0);
    }
    Ok(client.query_one("SELECT COALESCE(MAX(version), 0)::bigint FROM docket_schema", &[])?.try_get(0)?)
}

impl PgStore {
    /// Connect for writing; with `migrate`, bring the schema forward first. A database behind
    /// this program without `migrate`, or ahead of it, is refused.
    pub fn open_writer(url: &str, migrate: bool) -> Result<PgStore, StoreError> {
        let mut client = connect(url)?;
        if migrate {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let version = schema_version(&mut tx)?;
            if version < SCHEMA_VERSION {
                tx.batch_execute("CREATE TABLE IF NOT EXISTS docket_schema (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")?;
                for (i, script) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                    tx.batch_execute(script)?;
                    tx.execute("INSERT INTO docket_schema (version) VALUES ($1)", &[&(i as i64 + 1)])?;
                }
                crate::notice(&format!("database schema migrated from version {version} to {SCHEMA_VERSION}"));
            }
            tx.commit()?;
        }
        let version = schema_version(&mut client)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError(format!(
                "the database `{}` has schema version {version}, newer than this docket knows ({SCHEMA_VERSION}); use a newer docket",
                redact(url)
            )));
        }
        if version < SCHEMA_VERSION {
            return Err(StoreError(format!(
                "the database `{}` has schema version {version}, this docket needs {SCHEMA_VERSION}: run `docket serve --migrate` (once, by any instance)",
                redact(url)
            )));
        }
        Ok(PgStore { client: RefCell::new(client) })
    }

    /// Connect for reading.
    pub fn open_reader(url: &str) -> Result<PgStore, StoreError> {
        Ok(PgStore { client: RefCell::new(connect(url)?) })
    }

    /// The earliest pending timer, Unix ms.
    pub fn next_timer(&self) -> Result<Option<i64>, StoreError> {
        let row = self.client.borrow_mut().query_one("SELECT MIN(due_at) FROM timers", &[])?;
        let at: Option<DateTime<Utc>> = row.try_get(0)?;
        Ok(at.map(|a| a.timestamp_millis()))
    }
}

impl CaseSource for PgStore {
    fn case_row(&self, case: &str) -> Result<Option<CaseRow>, StoreError> {
        let got = self
            .client
            .borrow_mut()
            .query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = $1 AND version > 0"), &[&case])?;
        Ok(rows(got, case_row)?.into_iter().next())
    }

    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let got = self
            .client
            .borrow_mut()
            .query("SELECT seq, case_id, result, body FROM events WHERE case_id = $1 ORDER BY seq", &[&case])?;
        rows(got, event_row)
    }
}

impl Store for PgStore {
    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        // Used only by tests and tools: the writer's transactions are in `pg_writer`.
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction()?;
        write_rows(&mut tx, batch)?;
        tx.commit()?;
        Ok(())
    }

    fn events_after(&self, seq: i64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let got = self.client.borrow_mut().query(
            "SELECT seq, case_id, result, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq, &(limit as i64)],
        )?;
        rows(got, event_row)
    }

    fn changes_after(&self, seq: i64, limit: usize) -> Result<Vec<ChangeRow>, StoreError> {
        let got = self.client.borrow_mut().query(
            "SELECT seq, case_id, body FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq, &(limit as i64)],
        )?;
        rows(got, |r| Ok(ChangeRow { seq: r.try_get(0)?, case: r.try_get(1)?, body: r.try_get(2)? }))
    }

    fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<(String, i64)>, StoreError> {
        let got = self.client.borrow_mut().query(
            "SELECT case_id, wake_ms FROM cases WHERE wake_ms IS NOT NULL AND wake_ms <= $1 ORDER BY wake_ms, case_id LIMIT $2",
            &[&now_ms, &(limit as i64)],
        )?;
        rows(got, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    fn next_wake(&self) -> Result<Option<i64>, StoreError> {
        self.next_timer()
    }

    fn list(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE version > 0");
        let mut args: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
        if let Some(after) = &filter.after {
            args.push(Box::new(after.clone()));
            sql.push_str(&format!(" AND case_id COLLATE \"C\" > ${}", args.len()));
        }
        if let Some(prefix) = &filter.status {
            args.push(Box::new(prefix.clone()));
            let n = args.len();
            sql.push_str(&format!(
                " AND (status = ${n} OR (left(status, length(${n})) = ${n} AND substr(status, length(${n}) + 1, 1) = '.'))"
            ));
        }
        if let Some(ms) = filter.due_before_ms {
            args.push(Box::new(ms));
            sql.push_str(&format!(" AND next_deadline_ms < ${}", args.len()));
        }
        if let Some(b) = filter.breached {
            sql.push_str(if b { " AND breached" } else { " AND NOT breached" });
        }
        args.push(Box::new(filter.limit as i64));
        // Byte order, as SQLite compares text.
        sql.push_str(&format!(" ORDER BY case_id COLLATE \"C\" LIMIT ${}", args.len()));
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let got = self.client.borrow_mut().query(&sql, &refs)?;
        rows(got, case_row)
    }

    fn heads(&self) -> Result<(i64, i64), StoreError> {
        let row = self.client.borrow_mut().query_one("SELECT event_seq, change_seq FROM heads WHERE id = 1", &[])?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    fn each_case(&self, f: &mut dyn FnMut(CaseRow, Vec<StoredEvent>)) -> Result<(), StoreError> {
        // One snapshot, read a page of cases at a time: other instances may be writing.
        let mut client = self.client.borrow_mut();
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let mut after = String::new();
        loop {
            let page = rows(
                tx.query(
                    &format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE version > 0 AND case_id COLLATE \"C\" > $1 ORDER BY case_id COLLATE \"C\" LIMIT 1000"
                    ),
                    &[&after],
                )?,
                case_row,
            )?;
            let Some(last) = page.last() else { break };
            after = last.case.clone();
            let ids: Vec<&str> = page.iter().map(|r| r.case.as_str()).collect();
            let mut events: HashMap<String, Vec<StoredEvent>> = HashMap::new();
            for e in rows(
                tx.query(
                    "SELECT seq, case_id, result, body FROM events WHERE case_id = ANY($1) ORDER BY seq",
                    &[&ids],
                )?,
                event_row,
            )? {
                events.entry(e.case.clone()).or_default().push(e);
            }
            for row in page {
                let own = events.remove(&row.case).unwrap_or_default();
                f(row, own);
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn add_policy(&mut self, name: &str, text: &str) -> Result<(), StoreError> {
        // Under the heads row, as events are: an instance applying events after this commit
        // reads the new version first (`pg_writer`'s policy sync).
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction()?;
        tx.execute("SELECT 1 FROM heads WHERE id = 1 FOR UPDATE", &[])?;
        tx.execute("INSERT INTO policies (name, body) VALUES ($1, $2)", &[&name, &text])?;
        tx.commit()?;
        Ok(())
    }

    fn policies(&self) -> Result<Vec<(String, String)>, StoreError> {
        let got = self.client.borrow_mut().query("SELECT name, body FROM policies ORDER BY seq", &[])?;
        rows(got, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    fn add_migration(&mut self, name: &str, text: &str, wake: (&str, i64)) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction()?;
        // Open cases on the plan's old version wake at its instant, to move then. Their rows
        // first, then the heads row, in the order every writer takes them.
        let at = DateTime::<Utc>::from_timestamp_millis(wake.1).unwrap_or_default();
        tx.execute(
            "UPDATE cases SET wake_ms = LEAST(COALESCE(wake_ms, $2), $2) WHERE NOT terminal AND policy_version = $1",
            &[&wake.0, &wake.1],
        )?;
        tx.execute("SELECT 1 FROM heads WHERE id = 1 FOR UPDATE", &[])?;
        tx.execute("INSERT INTO migrations (name, body) VALUES ($1, $2)", &[&name, &text])?;
        tx.execute(
            "INSERT INTO timers (case_id, due_at, case_version) SELECT case_id, $2, version FROM cases WHERE NOT terminal AND policy_version = $1",
            &[&wake.0, &at],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn migrations(&self) -> Result<Vec<(String, String)>, StoreError> {
        let got = self.client.borrow_mut().query("SELECT name, body FROM migrations ORDER BY seq", &[])?;
        rows(got, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }

    fn status_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let got = self.client.borrow_mut().query(
            "SELECT status, COUNT(*) FROM cases WHERE version > 0 GROUP BY status ORDER BY status COLLATE \"C\"",
            &[],
        )?;
        rows(got, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
    }
}

/// The rows of a batch (events, the last row of each case, changes), appended in one statement
/// each.
pub(crate) fn write_rows(tx: &mut impl GenericClient, batch: &Batch) -> Result<(), StoreError> {
    if !batch.events.is_empty() {
        let seq: Vec<i64> = batch.events.iter().map(|e| e.seq).collect();
        let case: Vec<&str> = batch.events.iter().map(|e| e.case.as_str()).collect();
        let result: Vec<&str> = batch.events.iter().map(|e| e.result.as_str()).collect();
        let body: Vec<&str> = batch.events.iter().map(|e| e.body.as_str()).collect();
        tx.execute(
            "INSERT INTO events (seq, case_id, result, body) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
            &[&seq, &case, &result, &body],
        )?;
    }
    let last = last_rows(batch);
    if !last.is_empty() {
        let c = &last;
        let case: Vec<&str> = c.iter().map(|r| r.case.as_str()).collect();
        let status: Vec<&str> = c.iter().map(|r| r.status.as_str()).collect();
        let label: Vec<&str> = c.iter().map(|r| r.label.as_str()).collect();
        let terminal: Vec<bool> = c.iter().map(|r| r.terminal).collect();
        let next_deadline: Vec<Option<&str>> = c.iter().map(|r| r.next_deadline.as_deref()).collect();
        let next_deadline_ms: Vec<Option<i64>> = c.iter().map(|r| r.next_deadline_ms).collect();
        let breached: Vec<bool> = c.iter().map(|r| r.breached).collect();
        let policy_version: Vec<Option<&str>> = c.iter().map(|r| r.policy_version.as_deref()).collect();
        let last_event: Vec<Option<&str>> = c.iter().map(|r| r.last_event.as_deref()).collect();
        let fired_to: Vec<Option<&str>> = c.iter().map(|r| r.fired_to.as_deref()).collect();
        let wake_ms: Vec<Option<i64>> = c.iter().map(|r| r.wake_ms).collect();
        let events: Vec<i64> = c.iter().map(|r| r.events).collect();
        let version: Vec<i64> = c.iter().map(|r| r.version).collect();
        tx.execute(
            &format!(
                "INSERT INTO cases ({CASE_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], \
                 $5::text[], $6::bigint[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[]) \
                 ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, label = EXCLUDED.label, terminal = EXCLUDED.terminal, \
                 next_deadline = EXCLUDED.next_deadline, next_deadline_ms = EXCLUDED.next_deadline_ms, breached = EXCLUDED.breached, \
                 policy_version = EXCLUDED.policy_version, last_event = EXCLUDED.last_event, fired_to = EXCLUDED.fired_to, \
                 wake_ms = EXCLUDED.wake_ms, events = EXCLUDED.events, version = EXCLUDED.version"
            ),
            &[
                &case,
                &status,
                &label,
                &terminal,
                &next_deadline,
                &next_deadline_ms,
                &breached,
                &policy_version,
                &last_event,
                &fired_to,
                &wake_ms,
                &events,
                &version,
            ],
        )?;
    }
    if !batch.changes.is_empty() {
        let seq: Vec<i64> = batch.changes.iter().map(|c| c.seq).collect();
        let case: Vec<&str> = batch.changes.iter().map(|c| c.case.as_str()).collect();
        let body: Vec<&str> = batch.changes.iter().map(|c| c.body.as_str()).collect();
        tx.execute(
            "INSERT INTO changes (seq, case_id, body) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])",
            &[&seq, &case, &body],
        )?;
    }
    Ok(())
}

/// Each case's last row in a batch, in case order.
pub(crate) fn last_rows(batch: &Batch) -> Vec<&CaseRow> {
    let mut last: HashMap<&str, &CaseRow> = HashMap::new();
    for r in &batch.cases {
        last.insert(r.case.as_str(), r);
    }
    let mut out: Vec<&CaseRow> = last.into_values().collect();
    out.sort_by(|a, b| a.case.cmp(&b.case));
    out
}

/// The locked cases' rows and events, read inside the transaction that locked them: what the
/// live engine replays a case from when its cache does not hold the case at its version.
pub(crate) struct Snapshot {
    cases: HashMap<String, (Option<CaseRow>, Vec<StoredEvent>)>,
}

impl Snapshot {
    /// Read these cases (locked by the caller's transaction).
    pub(crate) fn read(tx: &mut impl GenericClient, ids: &[String]) -> Result<Snapshot, StoreError> {
        let mut cases: HashMap<String, (Option<CaseRow>, Vec<StoredEvent>)> =
            ids.iter().map(|i| (i.clone(), (None, Vec::new()))).collect();
        if ids.is_empty() {
            return Ok(Snapshot { cases });
        }
        for row in rows(
            tx.query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = ANY($1) AND version > 0"), &[&ids])?,
            case_row,
        )? {
            if let Some(c) = cases.get_mut(&row.case) {
                c.0 = Some(row);
            }
        }
        for e in rows(
            tx.query("SELECT seq, case_id, result, body FROM events WHERE case_id = ANY($1) ORDER BY seq", &[&ids])?,
            event_row,
        )? {
            if let Some(c) = cases.get_mut(&e.case) {
                c.1.push(e);
            }
        }
        Ok(Snapshot { cases })
    }
}

impl CaseSource for Snapshot {
    fn case_row(&self, case: &str) -> Result<Option<CaseRow>, StoreError> {
        match self.cases.get(case) {
            Some((row, _)) => Ok(row.clone()),
            None => Err(StoreError(format!("case `{case}` was not read in this transaction"))),
        }
    }

    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError> {
        match self.cases.get(case) {
            Some((_, events)) => Ok(events.clone()),
            None => Err(StoreError(format!("case `{case}` was not read in this transaction"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_in_a_message_keeps_its_user_and_host_but_not_its_password() {
        assert_eq!(
            redact("postgres://docket:s3cret@db.internal:5432/docket"),
            "postgres://docket:***@db.internal:5432/docket"
        );
        assert_eq!(redact("postgres://docket@127.0.0.1:5432/postgres"), "postgres://docket@127.0.0.1:5432/postgres");
        assert_eq!(redact("postgresql://db/x"), "postgresql://db/x");
    }

    #[test]
    fn a_batch_writes_each_case_once_with_its_last_row() {
        let row = |case: &str, version: i64| CaseRow {
            case: case.into(),
            status: "open".into(),
            label: "Open".into(),
            terminal: false,
            next_deadline: None,
            next_deadline_ms: None,
            breached: false,
            policy_version: None,
            last_event: None,
            fired_to: None,
            wake_ms: None,
            events: version,
            version,
        };
        let batch = Batch { cases: vec![row("B", 1), row("A", 1), row("B", 2)], ..Batch::default() };
        let last: Vec<(&str, i64)> = last_rows(&batch).iter().map(|r| (r.case.as_str(), r.version)).collect();
        assert_eq!(last, [("A", 1), ("B", 2)]);
    }
}
