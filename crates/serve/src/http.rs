//! The HTTP contract (issue 13): `POST /v1/events`, `GET /v1/cases/{case}`, `GET /v1/cases`,
//! `GET /v1/events`, `GET /v1/changes`, `GET /healthz`, `GET /metrics`. Errors are
//! `{"error": {"code", "message"}}`. Handlers parse and authorize; the writer decides.

use crate::live::{self, EventResult};
use crate::metrics::Metrics;
use crate::store::{CaseFilter, Store, StoreError};
use crate::tokens::{Token, Tokens};
use crate::writer::Command;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use docket::versions::Versions;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};

/// The ops console (issue 15): its page at `/` and the read-only endpoints it adds to `/v1`.
#[path = "console.rs"]
mod console;

/// What every handler shares.
pub struct AppState {
    /// Requests to the writer.
    pub writer: mpsc::Sender<Command>,
    /// The policy versions in effect (replaced when the admin call adds one).
    pub versions: crate::writer::CurrentPolicy,
    /// The database, for read connections.
    pub db: crate::Db,
    /// Idle read connections.
    pub readers: Mutex<Vec<Box<dyn Store>>>,
    /// Bearer tokens, if `--tokens` was given.
    pub tokens: Option<Tokens>,
    /// Figures for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The last change's seq, for long polls.
    pub changes: tokio::sync::watch::Receiver<i64>,
    /// True once the server is stopping.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

type Shared = Arc<AppState>;

impl AppState {
    /// The versions in effect now.
    fn versions(&self) -> &'static Versions {
        crate::writer::current(&self.versions).versions
    }

    /// The policy (versions and plans) in effect now.
    fn policy(&self) -> crate::admin::Policy {
        crate::writer::current(&self.versions)
    }
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.0)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

/// What a request needs its token to allow.
enum Need<'a> {
    Read,
    Admin,
    /// Posting events as these roles.
    Post(&'a [String]),
}

fn authorize(state: &AppState, headers: &HeaderMap, need: Need) -> Result<(), ApiError> {
    let Some(tokens) = &state.tokens else { return Ok(()) };
    let token = bearer(tokens, headers)?;
    match need {
        Need::Read if token.read => Ok(()),
        Need::Read => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this token may not read")),
        Need::Admin if token.admin => Ok(()),
        Need::Admin => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this token is not an admin's")),
        Need::Post(roles) => match roles.iter().find(|r| !token.roles.contains(r)) {
            None => Ok(()),
            Some(r) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this token may not post events as `{r}`; nothing was applied"),
            )),
        },
    }
}

fn bearer<'t>(tokens: &'t Tokens, headers: &HeaderMap) -> Result<&'t Token, ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("an `Authorization: Bearer TOKEN` header is required"))?;
    let text = value.to_str().map_err(|_| unauthorized("the Authorization header is not text"))?;
    let secret =
        text.strip_prefix("Bearer ").ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    tokens.find(secret.trim()).ok_or_else(|| unauthorized("unknown token"))
}

/// The routes.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/events", post(post_events).get(get_events))
        .route("/v1/cases", get(list_cases))
        .route("/v1/cases/{case}", get(get_case))
        .route("/v1/changes", get(get_changes))
        .route("/v1/admin/versions", post(add_version).get(list_versions))
        .route("/v1/admin/migrations", post(add_plan).get(list_plans))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(crate::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), timed))
        .with_state(state)
}

async fn timed(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    state.metrics.latency.observe(start.elapsed().as_secs_f64());
    response
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such path; see `docket serve --help`")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this path does not take that method")
}

/// Run a read on a pooled read connection, off the async threads.
async fn read<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn Store, &AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let conn = match state.readers.lock().ok().and_then(|mut r| r.pop()) {
            Some(c) => c,
            None => state.db.open_reader()?,
        };
        let out = f(conn.as_ref(), &state);
        if let Ok(mut pool) = state.readers.lock()
            && pool.len() < 16
        {
            pool.push(conn);
        }
        out
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("a read failed: {e}")))?
}

fn ndjson(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))], body).into_response()
}

fn json_response(value: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], value.to_string()).into_response()
}

/// The body's events, one JSON object per line.
fn event_lines(headers: &HeaderMap, body: &[u8]) -> Result<Vec<String>, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|e| ApiError::bad("bad_body", format!("the body is not UTF-8: {e}")))?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let lines: Vec<String> = if content_type.starts_with("application/x-ndjson") {
        text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
    } else {
        // One JSON object; stored on one line, keys in their order, numbers exactly as written.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ApiError::bad(
                "bad_json",
                format!("the body is not JSON: {e} (send one event as a JSON object, or many as JSON Lines with Content-Type: application/x-ndjson)"),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::bad("bad_json", "the body must be one event, a JSON object"));
        }
        vec![value.to_string()]
    };
    if lines.is_empty() {
        return Err(ApiError::bad("no_events", "the body holds no event"));
    }
    Ok(lines)
}

async fn post_events(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if let Some(tokens) = &state.tokens {
        bearer(tokens, &headers)?;
    }
    unknown_params(&params, &[])?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {} bytes; send fewer events per request", crate::BODY_LIMIT),
            )
        } else {
            ApiError::bad("bad_body", e.body_text())
        }
    })?;
    let lines = event_lines(&headers, &body)?;
    if state.tokens.is_some() {
        // Every event's role must be the token's before any is applied.
        let roles: Vec<String> = lines
            .iter()
            .filter_map(|l| docket::eval::event::from_json_line(l, 0).ok().map(|e| e.role.to_string()))
            .collect();
        authorize(&state, &headers, Need::Post(&roles))?;
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    state
        .writer
        .send(Command::Post { lines, reply })
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the server is stopping"))?;
    let results: Vec<EventResult> = answer
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the writer stopped"))?
        .map_err(|e| {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("nothing was written: {e}"))
        })?;
    // Written as text: each report is JSON text already, so no tree is built for the answer.
    let size: usize = results.iter().map(|r| r.report.as_ref().map_or(0, |t| t.get().len()) + 128).sum();
    let mut body = Vec::with_capacity(size + 16);
    body.extend_from_slice(b"{\"results\":[");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        r.write_json(&mut body);
    }
    body.extend_from_slice(b"]}");
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

fn parse_instant(text: &str, what: &str) -> Result<DateTime<Utc>, ApiError> {
    docket::eval::time::parse(text).ok_or_else(|| {
        ApiError::bad("bad_time", format!("`{what}` is not an RFC 3339 time (such as 2026-03-20T00:00:00Z): `{text}`"))
    })
}

fn unknown_params(params: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    let mut names: Vec<&String> = params.keys().filter(|k| !known.contains(&k.as_str())).collect();
    names.sort();
    match names.first() {
        None => Ok(()),
        Some(k) if known.is_empty() => {
            Err(ApiError::bad("unknown_parameter", format!("unknown query parameter `{k}`; this path takes none")))
        }
        Some(k) => Err(ApiError::bad(
            "unknown_parameter",
            format!("unknown query parameter `{k}`; known: {}", known.join(", ")),
        )),
    }
}

async fn get_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    unknown_params(&params, &["at"])?;
    let at = match params.get("at") {
        Some(t) => parse_instant(t, "at")?,
        // Whole seconds: deadlines are, and a report "as of now" reads better without nanoseconds.
        None => chrono::SubsecRound::trunc_subsecs(Utc::now(), 0),
    };
    let report = read(&state, move |store, state| {
        let events = store.case_events(&case)?;
        if events.is_empty() {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no case `{case}`")));
        }
        live::report_at(state.policy(), &events, at)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("case `{case}` has no event by {}", docket::eval::time::format(&at)),
            )
        })
    })
    .await?;
    Ok(json_response(report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    due_before: Option<String>,
    breached: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// A cursor is the last case id of a page, hex-encoded: opaque to clients, stable in order.
fn encode_cursor(case: &str) -> String {
    case.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(text: &str) -> Option<String> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

async fn list_cases(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    let Query(q) = query.map_err(|e| ApiError::bad("bad_query", e.body_text()))?;
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::bad(
                    "bad_limit",
                    format!("`limit` must be a whole number from 1 to 1000, not `{l}`"),
                ));
            }
        },
    };
    let breached = match q.breached.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad("bad_query", format!("`breached` must be true or false, not `{other}`")));
        }
    };
    if let Some(status) = &q.status {
        let selection = docket::report::select::Selection { statuses: vec![status.clone()], ..Default::default() };
        if let Some(problem) = selection.unknown_statuses(&state.versions().tables).first() {
            return Err(ApiError::bad("unknown_status", problem.replace("--status", "status")));
        }
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(c) => Some(
            decode_cursor(c).ok_or_else(|| ApiError::bad("bad_cursor", "`after` is not a cursor this server gave"))?,
        ),
    };
    let filter = CaseFilter {
        status: q.status,
        due_before_ms: match q.due_before.as_deref() {
            Some(t) => Some(parse_instant(t, "due_before")?.timestamp_millis()),
            None => None,
        },
        breached,
        after,
        limit: limit + 1,
    };
    let mut rows = read(&state, move |store, _| Ok(store.list(&filter)?)).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(|r| encode_cursor(&r.case)) } else { None };
    let cases: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "case": r.case,
                "status": r.status,
                "label": r.label,
                "next_deadline": r.next_deadline,
                "breached": r.breached,
            })
        })
        .collect();
    Ok(json_response(json!({ "cases": cases, "next": next })))
}

fn seq_param(params: &HashMap<String, String>, name: &str) -> Result<i64, ApiError> {
    match params.get(name) {
        None => Ok(0),
        Some(t) => {
            t.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::bad("bad_query", format!("`{name}` must be a whole number (a seq), not `{t}`"))
            })
        }
    }
}

/// An event's stored line with `"seq"` added at its end.
fn with_seq(body: &str, seq: i64) -> String {
    let trimmed = body.trim_end();
    match trimmed.strip_suffix('}') {
        Some(head) if head.trim_end().ends_with('{') => format!("{head}\"seq\":{seq}}}"),
        Some(head) => format!("{head},\"seq\":{seq}}}"),
        None => trimmed.to_string(),
    }
}

async fn get_events(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    unknown_params(&params, &["after"])?;
    let after = seq_param(&params, "after")?;
    // Streamed a page at a time, so an export of the whole log holds one page in memory.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let state2 = state.clone();
    tokio::task::spawn_blocking(move || {
        let store = match state2.db.open_reader() {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.blocking_send(Err(std::io::Error::other(e.0)));
                return;
            }
        };
        let mut from = after;
        loop {
            let page = match store.events_after(from, 2_000) {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.blocking_send(Err(std::io::Error::other(e.0)));
                    return;
                }
            };
            let Some(last) = page.last().map(|e| e.seq) else { return };
            let mut chunk = String::new();
            for e in &page {
                chunk.push_str(&with_seq(&e.body, e.seq));
                chunk.push('\n');
            }
            if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                return;
            }
            from = last;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))], Body::from_stream(stream))
        .into_response())
}

async fn get_changes(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    unknown_params(&params, &["after", "wait"])?;
    let after = seq_param(&params, "after")?;
    let wait = match params.get("wait") {
        None => 0.0,
        Some(w) => w
            .parse::<f64>()
            .ok()
            .filter(|w| (0.0..=60.0).contains(w))
            .ok_or_else(|| ApiError::bad("bad_query", format!("`wait` must be seconds from 0 to 60, not `{w}`")))?,
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs_f64(wait);
    let mut watch = state.changes.clone();
    // Long poll: wait until a change after `after` is committed, or `wait` runs out.
    let mut stopping = state.stopping.clone();
    while *watch.borrow_and_update() <= after && !*stopping.borrow_and_update() {
        tokio::select! {
            changed = tokio::time::timeout_at(deadline, watch.changed()) => match changed {
                Ok(Ok(())) => {}
                _ => break,
            },
            _ = stopping.changed() => break,
        }
    }
    let rows = read(&state, move |store, _| Ok(store.changes_after(after, 10_000)?)).await?;
    let mut body = String::new();
    for r in rows {
        body.push_str(&r.body);
        body.push('\n');
    }
    Ok(ndjson(body))
}

async fn add_version(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let upload = Upload { what: "policy", default_name: "posted.policy", refused: "bad_policy" };
    admin_upload(&state, &headers, &params, body, upload, |name, text, reply| Command::AddVersion { name, text, reply })
        .await
}

async fn add_plan(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let upload = Upload { what: "plan", default_name: "posted.migration.toml", refused: "bad_plan" };
    admin_upload(&state, &headers, &params, body, upload, |name, text, reply| Command::AddPlan { name, text, reply })
        .await
}

/// Where the writer answers an admin upload: what it holds after, or why not.
type AdminReply = tokio::sync::oneshot::Sender<Result<serde_json::Value, crate::admin::Refusal>>;

/// What an admin upload carries: a policy version or a migration plan.
struct Upload {
    what: &'static str,
    default_name: &'static str,
    /// The error code when the writer finds the text invalid.
    refused: &'static str,
}

/// An admin call that hands a text (a policy version, a migration plan) to the writer and
/// answers with what the writer made of it.
async fn admin_upload(
    state: &Shared,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    body: Result<Bytes, BytesRejection>,
    upload: Upload,
    command: impl FnOnce(String, String, AdminReply) -> Command,
) -> Result<Response, ApiError> {
    authorize(state, headers, Need::Admin)?;
    unknown_params(params, &["name"])?;
    let body = body.map_err(|e| ApiError::new(e.status(), "bad_body", e.body_text()))?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad("bad_body", format!("the {} is not UTF-8", upload.what)))?;
    let name = params.get("name").cloned().unwrap_or_else(|| upload.default_name.to_string());
    let (reply, answer) = tokio::sync::oneshot::channel();
    state
        .writer
        .send(command(name, text, reply))
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the server is stopping"))?;
    match answer.await {
        Ok(Ok(v)) => Ok(json_response(v)),
        Ok(Err(crate::admin::Refusal::Invalid(why))) => Err(ApiError::bad(upload.refused, why)),
        Ok(Err(crate::admin::Refusal::Conflict(why))) => Err(ApiError::new(StatusCode::CONFLICT, "conflict", why)),
        Err(_) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the writer stopped")),
    }
}

async fn list_plans(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    Ok(json_response(crate::admin::describe_plans(state.policy())))
}

async fn list_versions(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    Ok(json_response(crate::admin::describe(state.versions())))
}

async fn healthz(State(state): State<Shared>) -> Result<Response, ApiError> {
    let (events, changes) = read(&state, |store, _| Ok(store.heads()?)).await?;
    Ok(json_response(json!({ "status": "ok", "events": events, "changes": changes })))
}

async fn metrics(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    let statuses = read(&state, |store, _| Ok(store.status_counts()?)).await?;
    let text = state.metrics.render(&statuses);
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"))], text).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_goes_at_the_end_of_the_event_as_received() {
        assert_eq!(with_seq(r#"{"case":"A","at":"x"}"#, 7), r#"{"case":"A","at":"x","seq":7}"#);
        assert_eq!(with_seq(r#"{"case": "A" }  "#, 8), r#"{"case": "A" ,"seq":8}"#);
    }

    #[test]
    fn a_cursor_reads_back_as_the_case_it_was_made_from() {
        for id in ["AE-0000001", "é/ü space", ""] {
            assert_eq!(decode_cursor(&encode_cursor(id)).as_deref(), Some(id));
        }
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }
}
