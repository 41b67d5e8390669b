//! `docket serve POLICY...`: the live engine over HTTP, durable on SQLite or, for several
//! instances, PostgreSQL (crate `docket-serve`, the binary's `serve` feature). This file reads
//! the arguments and the policy versions, as eval reads them, and hands over; without the
//! feature it says so.

use super::USAGE;
use std::path::PathBuf;

/// The help's examples and the HTTP contract in brief.
pub const AFTER_HELP: &str = "Examples:
  docket serve policies/aliexpress.policy
  docket serve policies/aliexpress.policy --db /var/lib/docket/aliexpress.sqlite --listen 127.0.0.1:8080
  docket serve v2026.11.policy v2026.12.policy --tokens tokens.toml --listen 0.0.0.0:8080
  docket serve policies/aliexpress.policy --listen 127.0.0.1:0   # any free port; the address is printed
  docket serve policies/aliexpress.policy --db postgres://docket@db.internal/docket --migrate   # several instances

  curl -s localhost:8080/v1/events -d '{\"case\": \"AE-1\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"buyer\",
       \"action\": \"open\", \"id\": \"e1\", \"reason\": \"not_received\", \"amount\": \"40.00\", \"order_total\": \"80.00\"}'
  curl -s localhost:8080/v1/cases/AE-1
  curl -s --data-binary @events.jsonl -H 'Content-Type: application/x-ndjson' localhost:8080/v1/events

HTTP (JSON; errors are {\"error\": {\"code\", \"message\"}}):
  POST /v1/events           one event (a JSON object) or many (JSON Lines, Content-Type: application/x-ndjson),
                            in the vocabulary of docket eval; answered once durable:
                            {\"results\": [{\"case\", \"id\", \"result\": applied|rejected|duplicate|malformed, \"reason\", \"report\"}]}
  GET  /v1/cases/CASE[?at=TIME]   the case report of docket eval --format json, as of now or TIME; 404 if unknown
  GET  /v1/cases?status=PATH&due_before=TIME&breached=true&limit=N&after=CURSOR
                            {\"cases\": [{\"case\", \"status\", \"label\", \"next_deadline\", \"breached\"}], \"next\": CURSOR|null}
  GET  /v1/events?after=SEQ the stored log as JSON Lines, each event as received plus \"seq\";
                            docket eval POLICY exported.jsonl --now T gives what /v1/cases/CASE?at=T gives
  GET  /v1/changes?after=SEQ&wait=SECONDS   transitions, timers, breaches, closings as JSON Lines; long-polls
  GET  /healthz, GET /metrics (Prometheus text)
  GET  /                    the ops console (a web page over /v1; read-only: /v1/stats, /v1/policy, /v1/queue,
                            /v1/cases/CASE/events, /v1/auth)
  POST /v1/admin/versions[?name=FILE]   body: a new version of the policy (text), taking effect after
                            every version there is and from now on; kept in the database (400 errors, 409 does not fit)
  POST /v1/admin/migrations[?name=FILE] body: a migration plan (TOML, as docket migrate reads it) at an
                            instant from now on: open cases on its old version move then (GET lists both)
A body is at most 8 MiB (413 beyond). Deadlines fire by the wall clock within a second, dated at the
deadline; after a restart the overdue ones fire at once, in deadline order. An event dated before a
deadline the server already fired for its case is rejected and not stored. SIGHUP reads the policy
files given again and adds each new version (one taking effect after all the others).

Tokens (--tokens FILE, TOML): [[token]] tables with secret = \"...\" (16 characters or more),
roles = [\"seller\"] (may post events as these roles), read = true (cases, events, changes, metrics),
admin = false (may add versions and apply migration plans). Requests send Authorization: Bearer SECRET; none or unknown is 401, not allowed 403.
Without --tokens every request is allowed and the server listens on loopback only.

Exit status: 0 stopped by SIGTERM or ctrl-c, 2 usage or I/O error (a policy with errors, a bad tokens
file, an address that cannot be listened on, a database that cannot be opened).";

/// Arguments of `docket serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The policy: one file, several versions of it (files, a directory of them, or `REV:path`
    /// revisions), as `docket eval` takes them. Each case runs under the version in effect at its
    /// first event.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<String>,
    /// The database: a SQLite file (created if missing), or a PostgreSQL URL
    /// (`postgres://user@host/db`) that several instances share: the event log, the cases, the
    /// changes.
    #[arg(long, value_name = "FILE|URL", default_value = "docket.sqlite")]
    pub db: String,
    /// PostgreSQL: bring the database's schema up to date before serving (safe to give to
    /// several instances at once; without it a database behind is refused). SQLite migrates
    /// on open anyway.
    #[arg(long)]
    pub migrate: bool,
    /// The address to listen on (port 0: any free port; the address taken is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Bearer tokens and what each may do (TOML); without it only loopback is served.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// POST every change record to this http:// URL, at least once, with retries and backoff.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
}

/// Serve until stopped.
#[cfg(feature = "serve")]
pub fn run(args: &ServeArgs) -> u8 {
    let versions = match super::io::load_versions(&args.policies) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let config = docket_serve::Config {
        versions,
        db: docket_serve::Db::parse(&args.db),
        migrate: args.migrate,
        listen: args.listen.clone(),
        tokens: args.tokens.clone(),
        webhook: args.webhook.clone(),
        // SIGHUP reads the same files again, as they are then.
        reload: Some({
            let specs = args.policies.clone();
            Box::new(move || super::io::try_load_versions(&specs))
        }),
    };
    match docket_serve::serve(config) {
        Ok(()) => super::OK,
        Err(msg) => {
            eprintln!("error: {msg}");
            USAGE
        }
    }
}

/// Without the `serve` feature there is no server to run.
#[cfg(not(feature = "serve"))]
pub fn run(_args: &ServeArgs) -> u8 {
    eprintln!(
        "error: this docket was built without the `serve` feature; build it with `cargo build --features serve` (on by default)"
    );
    USAGE
}
