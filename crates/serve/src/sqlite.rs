//! The [`Store`] on SQLite (bundled): WAL, `synchronous = FULL` so a commit is on disk when it
//! returns, the schema's version in `PRAGMA user_version` with forward migrations. The writer
//! opens the database read-write; readers open their own connections, which WAL lets read while
//! the writer writes.

use crate::store::{Batch, CaseFilter, CaseRow, CaseSource, ChangeRow, Store, StoreError, StoredEvent};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// Each schema version's script, from version 0 (an empty file) up. A database at version N
/// runs the scripts after N, in one transaction; a newer database than this program knows is
/// refused.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the log, the case rows, the changes.
    "CREATE TABLE events (
         seq INTEGER PRIMARY KEY,
         case_id TEXT NOT NULL,
         result TEXT NOT NULL,
         body TEXT NOT NULL
     );
     CREATE INDEX events_by_case ON events (case_id, seq);
     CREATE TABLE cases (
         case_id TEXT PRIMARY KEY,
         status TEXT NOT NULL,
         label TEXT NOT NULL,
         terminal INTEGER NOT NULL,
         next_deadline TEXT,
         next_deadline_ms INTEGER,
         breached INTEGER NOT NULL,
         policy_version TEXT,
         last_event TEXT,
         fired_to TEXT,
         wake_ms INTEGER,
         events INTEGER NOT NULL,
         version INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX cases_by_wake ON cases (wake_ms) WHERE wake_ms IS NOT NULL;
     CREATE TABLE changes (
         seq INTEGER PRIMARY KEY,
         case_id TEXT NOT NULL,
         body TEXT NOT NULL
     );",
    // 1 -> 2: policy versions added through the admin call, reloaded at start.
    "CREATE TABLE policies (
         seq INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         body TEXT NOT NULL
     );",
    // 2 -> 3: migration plans applied through the admin call, reloaded at start.
    "CREATE TABLE migrations (
         seq INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         body TEXT NOT NULL
     );",
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The writer's page cache, KiB: the log's index by case and the case rows are written at
/// random places, and with SQLite's default 2 MiB every batch read most of their pages again
/// from the file. A fixed bound, whatever the number of cases.
pub const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// A connection to a Docket database.
pub struct SqliteStore {
    conn: Connection,
}

const CASE_COLUMNS: &str = "case_id, status, label, terminal, next_deadline, next_deadline_ms, breached, \
                            policy_version, last_event, fired_to, wake_ms, events, version";

fn case_row(r: &rusqlite::Row) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        case: r.get(0)?,
        status: r.get(1)?,
        label: r.get(2)?,
        terminal: r.get(3)?,
        next_deadline: r.get(4)?,
        next_deadline_ms: r.get(5)?,
        breached: r.get(6)?,
        policy_version: r.get(7)?,
        last_event: r.get(8)?,
        fired_to: r.get(9)?,
        wake_ms: r.get(10)?,
        events: r.get(11)?,
        version: r.get(12)?,
    })
}

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
    Ok(StoredEvent { seq: r.get(0)?, case: r.get(1)?, result: r.get(2)?, body: r.get(3)? })
}

impl SqliteStore {
    /// Open (creating it if need be) the database for writing, and migrate it forward.
    pub fn open_writer(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)
            .map_err(|e| StoreError(format!("cannot open the database `{}`: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError(format!("the database `{}` cannot use WAL (journal mode {mode})", path.display())));
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{WRITER_CACHE_KIB};"
        ))?;
        let mut store = SqliteStore { conn };
        store.migrate(path)?;
        Ok(store)
    }

    /// Open a read-only connection to a database the writer has opened.
    pub fn open_reader(path: &Path) -> Result<SqliteStore, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError(format!("cannot open the database `{}`: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(SqliteStore { conn })
    }

    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError(format!(
                "the database `{}` has schema version {version}, newer than this docket knows ({SCHEMA_VERSION}); use a newer docket",
                path.display()
            )));
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for script in &MIGRATIONS[version as usize..] {
            tx.execute_batch(script)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

impl CaseSource for SqliteStore {
    fn case_row(&self, case: &str) -> Result<Option<CaseRow>, StoreError> {
        let mut q = self.conn.prepare_cached(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = ?1"))?;
        Ok(q.query_row([case], case_row).optional()?)
    }

    fn case_events(&self, case: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT seq, case_id, result, body FROM events WHERE case_id = ?1 ORDER BY seq")?;
        let rows = q.query_map([case], event_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store for SqliteStore {
    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut ins =
                tx.prepare_cached("INSERT INTO events (seq, case_id, result, body) VALUES (?1, ?2, ?3, ?4)")?;
            for e in &batch.events {
                ins.execute(params![e.seq, e.case, e.result, e.body])?;
            }
            let mut up = tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO cases ({CASE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?;
            for c in &batch.cases {
                up.execute(params![
                    c.case,
                    c.status,
                    c.label,
                    c.terminal,
                    c.next_deadline,
                    c.next_deadline_ms,
                    c.breached,
                    c.policy_version,
                    c.last_event,
                    c.fired_to,
                    c.wake_ms,
                    c.events,
                    c.version
                ])?;
            }
            let mut ch = tx.prepare_cached("INSERT INTO changes (seq, case_id, body) VALUES (?1, ?2, ?3)")?;
            for c in &batch.changes {
                ch.execute(params![c.seq, c.case, c.body])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn events_after(&self, seq: i64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT seq, case_id, result, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let rows = q.query_map(params![seq, limit as i64], event_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn changes_after(&self, seq: i64, limit: usize) -> Result<Vec<ChangeRow>, StoreError> {
        let mut q =
            self.conn.prepare_cached("SELECT seq, case_id, body FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let rows = q.query_map(params![seq, limit as i64], |r| {
            Ok(ChangeRow { seq: r.get(0)?, case: r.get(1)?, body: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<(String, i64)>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT case_id, wake_ms FROM cases WHERE wake_ms IS NOT NULL AND wake_ms <= ?1 ORDER BY wake_ms, case_id LIMIT ?2",
        )?;
        let rows = q.query_map(params![now_ms, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn next_wake(&self) -> Result<Option<i64>, StoreError> {
        let mut q = self.conn.prepare_cached("SELECT MIN(wake_ms) FROM cases WHERE wake_ms IS NOT NULL")?;
        Ok(q.query_row([], |r| r.get(0))?)
    }

    fn list(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(after) = &filter.after {
            args.push(after.clone().into());
            sql.push_str(&format!(" AND case_id > ?{}", args.len()));
        }
        if let Some(prefix) = &filter.status {
            // A prefix of whole names: `dispute_open` holds `dispute_open.negotiating`.
            args.push(prefix.clone().into());
            let n = args.len();
            sql.push_str(&format!(
                " AND (status = ?{n} OR (substr(status, 1, length(?{n})) = ?{n} AND substr(status, length(?{n}) + 1, 1) = '.'))"
            ));
        }
        if let Some(ms) = filter.due_before_ms {
            args.push(ms.into());
            sql.push_str(&format!(" AND next_deadline_ms < ?{}", args.len()));
        }
        if let Some(b) = filter.breached {
            sql.push_str(if b { " AND breached = 1" } else { " AND breached = 0" });
        }
        args.push((filter.limit as i64).into());
        sql.push_str(&format!(" ORDER BY case_id LIMIT ?{}", args.len()));
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(rusqlite::params_from_iter(args), case_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn heads(&self) -> Result<(i64, i64), StoreError> {
        let e: i64 = self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?;
        let c: i64 = self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| r.get(0))?;
        Ok((e, c))
    }

    fn each_case(&self, f: &mut dyn FnMut(CaseRow, Vec<StoredEvent>)) -> Result<(), StoreError> {
        // Two ordered scans merged: memory holds one case's events at a time.
        let mut cases = self.conn.prepare(&format!("SELECT {CASE_COLUMNS} FROM cases ORDER BY case_id"))?;
        let mut events = self.conn.prepare("SELECT seq, case_id, result, body FROM events ORDER BY case_id, seq")?;
        let mut case_rows = cases.query_map([], case_row)?;
        let mut event_rows = events.query_map([], event_row)?.peekable();
        for row in case_rows.by_ref() {
            let row = row?;
            let mut own = Vec::new();
            while let Some(next) = event_rows.peek() {
                match next {
                    Ok(e) if e.case < row.case => {
                        // An event of a case with no row: the check reports that case.
                        let e = e.clone();
                        event_rows.next();
                        f(CaseRow { case: e.case.clone(), ..empty_row() }, vec![e]);
                    }
                    Ok(e) if e.case == row.case => {
                        if let Some(Ok(e)) = event_rows.next() {
                            own.push(e);
                        }
                    }
                    Ok(_) => break,
                    Err(_) => {
                        if let Some(Err(e)) = event_rows.next() {
                            return Err(e.into());
                        }
                    }
                }
            }
            f(row, own);
        }
        for e in event_rows {
            let e = e?;
            f(CaseRow { case: e.case.clone(), ..empty_row() }, vec![e]);
        }
        Ok(())
    }

    fn add_policy(&mut self, name: &str, text: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("INSERT INTO policies (name, body) VALUES (?1, ?2)", params![name, text])?;
        tx.commit()?;
        Ok(())
    }

    fn add_migration(&mut self, name: &str, text: &str, wake: (&str, i64)) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("INSERT INTO migrations (name, body) VALUES (?1, ?2)", params![name, text])?;
        // Open cases on the plan's old version wake at its instant, to move then.
        tx.execute(
            "UPDATE cases SET wake_ms = MIN(COALESCE(wake_ms, ?2), ?2) WHERE terminal = 0 AND policy_version = ?1",
            params![wake.0, wake.1],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn migrations(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut q = self.conn.prepare_cached("SELECT name, body FROM migrations ORDER BY seq")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn policies(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut q = self.conn.prepare_cached("SELECT name, body FROM policies ORDER BY seq")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn status_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut q = self.conn.prepare_cached("SELECT status, COUNT(*) FROM cases GROUP BY status ORDER BY status")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A row for a case the table lacks (version 0 marks it).
fn empty_row() -> CaseRow {
    CaseRow {
        case: String::new(),
        status: String::new(),
        label: String::new(),
        terminal: false,
        next_deadline: None,
        next_deadline_ms: None,
        breached: false,
        policy_version: None,
        last_event: None,
        fired_to: None,
        wake_ms: None,
        events: 0,
        version: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_at_the_current_schema_version_and_reopens() {
        let dir = std::env::temp_dir().join(format!("docket-serve-schema-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("t.sqlite");
        let _ = std::fs::remove_file(&path);
        {
            let store = SqliteStore::open_writer(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        }
        let store = SqliteStore::open_writer(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store.conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(store);
        let err = SqliteStore::open_writer(&path).err().unwrap();
        assert!(err.0.contains("newer than this docket knows"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_database_of_the_first_schema_migrates_forward_keeping_its_events() {
        let dir = std::env::temp_dir().join(format!("docket-serve-forward-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("old.sqlite");
        let _ = std::fs::remove_file(&path);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute("INSERT INTO events (seq, case_id, result, body) VALUES (1, 'A', 'applied', '{}')", [])
                .unwrap();
        }
        let mut store = SqliteStore::open_writer(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.heads().unwrap(), (1, 0));
        store.add_policy("v2.policy", "policy p \"P\"").unwrap();
        store.add_migration("plan.toml", "from = \"1\"", ("1", 0)).unwrap();
        assert_eq!(store.policies().unwrap(), [("v2.policy".to_string(), "policy p \"P\"".to_string())]);
        assert_eq!(store.migrations().unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
