//! `docket serve`: the live engine, durable on SQLite or, for several instances, PostgreSQL
//! (`pg.rs`, `pg_writer.rs`). The library `docket` stays pure; this
//! crate adds what a service needs around it: HTTP (axum on tokio), the store (`store.rs`, the
//! trait; `sqlite.rs`, its SQLite implementation), the writer that applies events and fires
//! deadlines (`writer.rs` over `live.rs`), bearer tokens (`tokens.rs`), metrics and webhooks.
//!
//! Data flow: a request's events go to the one writer thread over a channel; the writer applies
//! a batch of requests through the library's engine, writes the events, the cases' new rows and
//! the change records in one transaction (`synchronous = FULL`), and only then answers. Readers
//! read through their own connections. The clock is read here only: by the scheduler, which
//! fires each deadline within a second of it (dated at the deadline), and for a report "as of
//! now".

pub mod admin;
pub mod http;
pub mod live;
pub mod metrics;
pub mod pg;
pub mod pg_writer;
pub mod sqlite;
pub mod store;
pub mod tokens;
pub mod webhook;
pub mod writer;

use docket::versions::Versions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The largest request body accepted (413 beyond it): 8 MiB, some 30,000 events of JSON Lines.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// What `docket serve` was asked to do.
pub struct Config {
    /// The policy's versions, loaded as eval loads them.
    pub versions: Versions,
    /// The database: a SQLite file, or a PostgreSQL URL shared by several instances.
    pub db: Db,
    /// Bring a PostgreSQL database's schema forward before serving (SQLite always migrates).
    pub migrate: bool,
    /// The address to listen on.
    pub listen: String,
    /// The tokens file, if any.
    pub tokens: Option<PathBuf>,
    /// Where to deliver change records, if anywhere.
    pub webhook: Option<String>,
    /// Read the policy files given again (on SIGHUP): versions not yet served are added.
    pub reload: Option<Reload>,
}

/// Where the log, the cases and the changes are kept.
#[derive(Debug, Clone)]
pub enum Db {
    /// A SQLite file, for one process.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://...`), for any number of processes.
    Postgres(String),
}

impl Db {
    /// `postgres://` or `postgresql://` URLs name PostgreSQL; anything else is a SQLite file.
    pub fn parse(text: &str) -> Db {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Db::Postgres(text.to_string())
        } else {
            Db::Sqlite(PathBuf::from(text))
        }
    }

    /// A connection for reading.
    pub fn open_reader(&self) -> Result<Box<dyn store::Store>, store::StoreError> {
        Ok(match self {
            Db::Sqlite(path) => Box::new(sqlite::SqliteStore::open_reader(path)?),
            Db::Postgres(url) => Box::new(pg::PgStore::open_reader(url)?),
        })
    }

    /// Where the webhook's cursor is kept: beside a SQLite file; for PostgreSQL, in the
    /// working directory (`docket-postgres.webhook`), one per instance that delivers.
    pub fn webhook_cursor(&self) -> PathBuf {
        match self {
            Db::Sqlite(path) => {
                let mut name = path.as_os_str().to_owned();
                name.push(".webhook");
                PathBuf::from(name)
            }
            Db::Postgres(_) => PathBuf::from("docket-postgres.webhook"),
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Db::Sqlite(path) => path.display().to_string(),
            Db::Postgres(url) => pg::redact(url),
        }
    }
}

/// The store the writer opens.
enum Opened {
    Sqlite(sqlite::SqliteStore),
    Postgres(Box<pg::PgStore>, String),
}

impl Opened {
    fn store(&self) -> &dyn store::Store {
        match self {
            Opened::Sqlite(s) => s,
            Opened::Postgres(s, _) => s.as_ref(),
        }
    }
}

/// Reads the versions of the policy files given again: each problem worded.
pub type Reload = Box<dyn Fn() -> Result<Versions, Vec<String>> + Send + Sync>;

/// A notice on stderr; one that cannot be written is dropped.
pub fn notice(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "docket serve: {text}");
}

/// Run the service until SIGTERM or ctrl-c. `Err` is a message for stderr (exit 2).
pub fn serve(config: Config) -> Result<(), String> {
    let opened = match &config.db {
        Db::Sqlite(path) => Opened::Sqlite(sqlite::SqliteStore::open_writer(path).map_err(|e| e.0)?),
        Db::Postgres(url) => {
            Opened::Postgres(Box::new(pg::PgStore::open_writer(url, config.migrate).map_err(|e| e.0)?), url.clone())
        }
    };
    let schema = match &opened {
        Opened::Sqlite(_) => sqlite::SCHEMA_VERSION,
        Opened::Postgres(..) => pg::SCHEMA_VERSION,
    };
    let store = opened.store();
    let versions = with_stored_versions(config.versions, store)?;
    // The versions live as long as the server: a version added later makes a new set, and the
    // old ones stay (a few tables, once per admin call) for the cases and readers holding them.
    let versions: &'static Versions = Box::leak(Box::new(versions));
    let plans = stored_plans(versions, store)?;
    let policy = admin::Policy { versions, plans: Box::leak(plans.into_boxed_slice()) };
    let current = Arc::new(std::sync::RwLock::new(policy));
    let roles: Vec<String> = versions.tables.iter().flat_map(|t| t.roles.iter().cloned()).collect();
    let tokens = match &config.tokens {
        Some(path) => Some(tokens::Tokens::load(path, &roles)?),
        None => None,
    };
    let addr: SocketAddr = config
        .listen
        .parse()
        .map_err(|_| format!("--listen `{}` is not an address and port, such as 127.0.0.1:8080", config.listen))?;
    if tokens.is_none() && !addr.ip().is_loopback() {
        return Err(format!(
            "--listen {addr} is not a loopback address: without --tokens anyone who can reach it could post events; give --tokens FILE, or listen on 127.0.0.1"
        ));
    }
    let webhook = match &config.webhook {
        Some(url) => Some(webhook::Target::parse(url)?),
        None => None,
    };
    {
        let (events, changes) = store.heads().map_err(|e| e.0)?;
        let (cases, bad) = live::check_store(policy, store).map_err(|e| e.0)?;
        notice(&format!(
            "database `{}` (schema {schema}): {events} events, {cases} cases, {changes} changes",
            config.db.describe(),
        ));
        if bad.is_empty() {
            notice(&format!("replay check: the stored state of all {cases} cases agrees with their events"));
        } else {
            notice(&format!("replay check: {} of {cases} cases disagree with a replay of their events:", bad.len()));
            for b in bad.iter().take(20) {
                notice(&format!("  {b}"));
            }
            if bad.len() > 20 {
                notice(&format!("  and {} more", bad.len() - 20));
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let metrics = Arc::new(metrics::Metrics::default());
        // Set on SIGTERM: long polls answer at once, so stopping waits for no one's `wait`.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (changes_tx, changes_rx) = tokio::sync::watch::channel(0i64);
        let beside = std::path::PathBuf::from(&versions.sources[0]);
        let writer = match opened {
            Opened::Sqlite(store) => writer::start(current.clone(), beside, store, metrics.clone(), changes_tx)?,
            Opened::Postgres(store, url) => {
                pg_writer::start(current.clone(), beside, url, *store, metrics.clone(), changes_tx)?
            }
        };
        let hook = webhook.map(|target| webhook::start(target, config.db.clone(), changes_rx.clone()));
        let state = Arc::new(http::AppState {
            writer: writer.sender(),
            versions: current,
            db: config.db.clone(),
            readers: std::sync::Mutex::new(Vec::new()),
            tokens,
            metrics,
            changes: changes_rx,
            stopping: stop_rx,
        });
        if let Some(reload) = config.reload {
            reload_on_hangup(reload, state.versions.clone(), state.writer.clone());
        }
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        match &state.tokens {
            None => notice("no --tokens: every request is allowed, so the server listens on loopback only"),
            Some(t) => notice(&format!("{} bearer tokens from --tokens; requests without one get 401", t.len())),
        }
        notice(&format!("listening on http://{local}"));
        let readers = state.clone();
        let app = http::router(state);
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                let _ = stop_tx.send(true);
            })
            .await;
        notice("stopping: in-flight requests finished; flushing the writer");
        if let Some(h) = hook {
            h.abort();
        }
        writer.stop();
        // Idle read connections are closed off the async threads (a blocking PostgreSQL client
        // must not be dropped on them).
        let idle = readers.readers.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        drop(readers);
        let _ = tokio::task::spawn_blocking(move || drop(idle)).await;
        served.map_err(|e| format!("the server failed: {e}"))
    })
}

/// The versions given, with those added through the admin call in earlier runs (kept in the
/// database). A stored version whose version string is among those given is left out: the file
/// given says what it is.
fn with_stored_versions(mut versions: Versions, store: &dyn store::Store) -> Result<Versions, String> {
    let beside = std::path::PathBuf::from(&versions.sources[0]);
    for (name, text) in store.policies().map_err(|e| e.0)? {
        let table = match admin::compile(&name, &text, &beside) {
            Ok(t) => t,
            Err(admin::Refusal::Invalid(why) | admin::Refusal::Conflict(why)) => {
                return Err(format!("the stored policy version `{name}` no longer compiles:\n{why}"));
            }
        };
        if versions.tables.iter().any(|t| t.version.is_some() && t.version == table.version) {
            notice(&format!("stored version `{name}` is also given on the command line; the file given is used"));
            continue;
        }
        // Checked against the clock when it was added; now only its place among the others.
        let effective = table.effective.unwrap_or_default();
        versions = match admin::add(&versions, &name, table, effective) {
            Ok(v) => v,
            Err(admin::Refusal::Invalid(why) | admin::Refusal::Conflict(why)) => {
                return Err(format!("the stored policy version `{name}` does not fit the versions given: {why}"));
            }
        };
        notice(&format!("policy version `{name}` loaded from the database"));
    }
    Ok(versions)
}

/// The migration plans applied through the admin call in earlier runs.
fn stored_plans(
    versions: &Versions,
    store: &dyn store::Store,
) -> Result<Vec<(usize, usize, docket::migrate::Plan)>, String> {
    let mut plans = Vec::new();
    for (name, text) in store.migrations().map_err(|e| e.0)? {
        match admin::plan(&name, &text, versions) {
            Ok(p) => plans.push(p),
            Err(admin::Refusal::Invalid(why) | admin::Refusal::Conflict(why)) => {
                return Err(format!("the stored migration plan `{name}` no longer fits the versions given: {why}"));
            }
        }
        notice(&format!("migration plan `{name}` loaded from the database"));
    }
    Ok(plans)
}

/// On SIGHUP, read the policy files given again and add each version the server lacks (by
/// version string), as the admin call adds one.
#[cfg(unix)]
fn reload_on_hangup(reload: Reload, current: writer::CurrentPolicy, tx: std::sync::mpsc::Sender<writer::Command>) {
    let reload = Arc::new(reload);
    // Installed before the server says it listens: a SIGHUP from then on never kills it.
    let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let reload = reload.clone();
            let read = tokio::task::spawn_blocking(move || reload()).await;
            let versions = match read {
                Ok(Ok(v)) => v,
                Ok(Err(problems)) => {
                    notice(&format!("reload: the policy files do not load, nothing added:\n{}", problems.join("\n")));
                    continue;
                }
                Err(_) => continue,
            };
            let served = writer::current(&current).versions;
            let mut added = 0;
            for (source, table) in versions.sources.iter().zip(versions.tables) {
                if served.tables.iter().any(|t| t.version == table.version) {
                    continue;
                }
                let (reply, answer) = tokio::sync::oneshot::channel();
                let name = source.clone();
                let table = Box::new(table);
                if tx.send(writer::Command::AddTable { name: name.clone(), table, reply }).is_err() {
                    return;
                }
                added += 1;
                match answer.await {
                    Ok(Ok(_)) => {}
                    Ok(Err(admin::Refusal::Invalid(why) | admin::Refusal::Conflict(why))) => {
                        notice(&format!("reload: `{name}` not added: {why}"));
                    }
                    Err(_) => return,
                }
            }
            if added == 0 {
                notice("reload: no new version in the policy files given");
            }
        }
    });
}

#[cfg(not(unix))]
fn reload_on_hangup(_: Reload, _: writer::CurrentPolicy, _: std::sync::mpsc::Sender<writer::Command>) {}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
