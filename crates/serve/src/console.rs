//! The ops console (issue 15): a web page at `/` for the people who work the cases, and the
//! read-only endpoints it needs beyond the rest of `/v1`. The page's files (`crates/serve/console/`:
//! HTML, CSS, one JavaScript module) are built into the binary and served under a strict
//! Content-Security-Policy (`default-src 'self'`): no CDN, no build step, no request to anyone but
//! this server. The page reads only `/v1`, with the bearer token the user gives it.
//!
//! Endpoints (each needs a token that may read, as `/v1/cases` does):
//! - `GET /v1/policy`: every version's status tree with the rules in `docket explain`'s words, the
//!   timers and their durations, the graph's edges (as `docket graph` draws them) and its Mermaid
//!   text, and per policy line the rule's words and trailing comment (what a case's history cites).
//! - `GET /v1/stats`: how many cases stand in each status, and the heads of the log and changes.
//! - `GET /v1/cases/{case}/events`: the case's stored events as JSON Lines (as `/v1/events`).
//! - `GET /v1/auth` (no token needed): whether the server wants one and what the one sent may do.
//! - `GET /v1/queue`: `/v1/cases` with `role=` too (cases in a status where that role may act),
//!   each row with the roles who may act in its status.
//!
//! This module is a child of `http` (declared there) so it shares its authorization, errors and
//! read connections; it writes nothing.

use super::{ApiError, Need, Shared, authorize, decode_cursor, encode_cursor, json_response, parse_instant, read};
use crate::store::CaseFilter;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use docket::compile::table::{TimerEffect, TransitionTable};
use docket::report::{explain, graph};
use docket::span::SourceFile;
use docket::versions::Versions;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The page's policy: scripts, styles, images and requests from this server only; no frames.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The console's files: name, content type, text.
const ASSETS: &[(&str, &str, &str)] = &[
    ("console.js", "text/javascript; charset=utf-8", include_str!("../console/console.js")),
    ("console.css", "text/css; charset=utf-8", include_str!("../console/console.css")),
    ("icon.svg", "image/svg+xml", include_str!("../console/icon.svg")),
];

const INDEX: &str = include_str!("../console/index.html");

/// The console's routes, merged into the service's router.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(index))
        .route("/console/{file}", get(asset))
        .route("/v1/policy", get(policy))
        .route("/v1/stats", get(stats))
        .route("/v1/queue", get(queue))
        .route("/v1/auth", get(auth))
        .route("/v1/cases/{case}/events", get(case_events))
}

/// Whether this server wants a token and what the one sent may do; 200 either way, so the page
/// learns it must ask for a token without a failed request.
async fn auth(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(tokens) = &state.tokens else {
        return json_response(json!({ "tokens": false, "valid": true, "read": true }));
    };
    match super::bearer(tokens, &headers) {
        Ok(token) => json_response(json!({ "tokens": true, "valid": true, "read": token.read })),
        Err(_) => json_response(json!({ "tokens": true, "valid": false, "read": false })),
    }
}

/// A case's stored events (applied and rejected) as JSON Lines, each as received plus `"seq"`,
/// as `/v1/events` gives them: who acted and when, for the case page's timeline.
async fn case_events(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(case): Path<String>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    super::unknown_params(&params, &[])?;
    let events = read(&state, move |store, _| {
        let events = store.case_events(&case)?;
        if events.is_empty() {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no case `{case}`")));
        }
        Ok(events)
    })
    .await?;
    let mut body = String::new();
    for e in &events {
        body.push_str(&super::with_seq(&e.body, e.seq));
        body.push('\n');
    }
    Ok(super::ndjson(body))
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    page("text/html; charset=utf-8", INDEX)
}

async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => Ok(page(content_type, body)),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("the console has no file `{file}`"))),
    }
}

/// A version's source text, for the comments `docket explain` quotes: the file given, or the
/// text an admin call stored; an empty file when neither can be read (a `REV:path` revision).
fn source_file(source: &str, stored: &[(String, String)]) -> SourceFile {
    if let Some((_, text)) = stored.iter().find(|(name, _)| name == source) {
        return SourceFile::new(source, text.clone());
    }
    match std::fs::read_to_string(source) {
        Ok(text) => SourceFile::new(source, text),
        Err(_) => SourceFile::new(source, String::new()),
    }
}

/// The roles that may act in a status (its own rules and those it inherits), sorted.
fn acting_roles(t: &TransitionTable, id: usize) -> Vec<String> {
    let roles: BTreeSet<&str> =
        t.statuses[id].actions.iter().map(|(a, _)| t.roles[t.actions[*a].role].as_str()).collect();
    roles.into_iter().map(str::to_string).collect()
}

/// One version as the console draws it.
fn describe_version(t: &TransitionTable, source: &str, file: &SourceFile) -> Value {
    let d = graph::diagram(t);
    let mut rules: BTreeMap<usize, Value> = BTreeMap::new();
    let mut note = |line: usize, words: Option<String>| {
        let comment = file.trailing_comment(line).filter(|c| !c.is_empty()).map(str::to_string);
        rules.entry(line).or_insert_with(|| json!({ "words": words, "comment": comment }));
    };
    let statuses: Vec<Value> = t
        .statuses
        .iter()
        .enumerate()
        .map(|(id, st)| {
            for tr in st.actions.iter().flat_map(|(_, l)| l).chain(&st.automatic).filter(|tr| tr.declared_in == id) {
                note(tr.line, explain::rule(t, file, tr.span.start));
            }
            let timers: Vec<Value> = st
                .timers
                .iter()
                .map(|armed| {
                    let def = &t.timers[armed.timer];
                    let (effect, targets) = match &armed.effect {
                        TimerEffect::Sla => {
                            note(armed.line, None);
                            ("sla", Vec::new())
                        }
                        TimerEffect::Move(list) => {
                            for tr in list.iter().filter(|tr| tr.declared_in == id) {
                                note(tr.line, explain::rule(t, file, tr.span.start));
                            }
                            (
                                "transition",
                                list.iter().filter_map(|tr| tr.target.map(|s| t.statuses[s].path.clone())).collect(),
                            )
                        }
                    };
                    json!({
                        "timer": def.name,
                        "duration": def.written,
                        "clock": explain::clock_words(t, def, armed.owner),
                        "effect": effect,
                        "targets": targets,
                        "line": armed.line,
                        "inherited": armed.owner != id,
                    })
                })
                .collect();
            json!({
                "id": id,
                "path": st.path,
                "label": st.label,
                "parent": st.parent,
                "children": st.children,
                "terminal": st.terminal.is_some(),
                "roles": acting_roles(t, id),
                "explain": explain::status(t, file, id),
                "notes": d.notes.get(id),
                "timers": timers,
                "line": st.line,
            })
        })
        .collect();
    let edges: Vec<Value> = d
        .edges
        .iter()
        .map(|e| {
            let kind = match e.kind {
                graph::EdgeKind::Action => "action",
                graph::EdgeKind::Timer => "timer",
                graph::EdgeKind::Automatic => "automatic",
            };
            json!({ "from": e.from, "to": e.to, "kind": kind, "label": e.label, "line": e.line, "back": e.back })
        })
        .collect();
    let rules: serde_json::Map<String, Value> = rules.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    json!({
        "source": source,
        "version": t.version,
        "effective": t.effective.map(|e| docket::eval::time::format(&e)),
        "title": d.title,
        "start": d.start,
        "statuses": statuses,
        "edges": edges,
        "rules": rules,
        "mermaid": graph::mermaid(t),
    })
}

fn describe_policy(versions: &Versions, stored: &[(String, String)]) -> Value {
    let list: Vec<Value> = versions
        .tables
        .iter()
        .zip(&versions.sources)
        .map(|(t, source)| describe_version(t, source, &source_file(source, stored)))
        .collect();
    json!({ "policy": versions.tables[0].name, "title": versions.tables[0].title, "versions": list })
}

async fn policy(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    super::unknown_params(&params, &[])?;
    let value = read(&state, |store, state| {
        let stored = store.policies()?;
        Ok(describe_policy(state.versions(), &stored))
    })
    .await?;
    Ok(json_response(value))
}

async fn stats(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    super::unknown_params(&params, &[])?;
    let (counts, (events, changes)) = read(&state, |store, _| Ok((store.status_counts()?, store.heads()?))).await?;
    let statuses: Vec<Value> = counts.iter().map(|(s, n)| json!({ "status": s, "cases": n })).collect();
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    Ok(json_response(json!({ "cases": total, "statuses": statuses, "events": events, "changes": changes })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    status: Option<String>,
    role: Option<String>,
    due_before: Option<String>,
    breached: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// Whether `path` is `prefix` or inside it (a prefix of whole names).
fn within(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

async fn queue(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, Need::Read)?;
    let Query(q) = query.map_err(|e| ApiError::bad("bad_query", e.body_text()))?;
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
            ApiError::bad("bad_limit", format!("`limit` must be a whole number from 1 to 1000, not `{l}`"))
        })?,
    };
    let breached = match q.breached.as_deref() {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad("bad_query", format!("`breached` must be true or false, not `{other}`")));
        }
    };
    let status = q.status.filter(|s| !s.is_empty());
    let versions = state.versions();
    if let Some(status) = &status {
        let selection = docket::report::select::Selection { statuses: vec![status.clone()], ..Default::default() };
        if let Some(problem) = selection.unknown_statuses(&versions.tables).first() {
            return Err(ApiError::bad("unknown_status", problem.replace("--status", "status")));
        }
    }
    // Who may act where, over every version: a status path and its roles.
    let mut roles_at: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &versions.tables {
        for (id, st) in t.statuses.iter().enumerate() {
            roles_at.entry(st.path.clone()).or_default().extend(acting_roles(t, id));
        }
    }
    let role = q.role.filter(|r| !r.is_empty());
    // The status prefixes to list: the one asked for, or, for a role, each leaf status where the
    // role may act (within the one asked for).
    let prefixes: Vec<Option<String>> = match &role {
        None => vec![status.clone()],
        Some(r) => {
            if !versions.tables.iter().any(|t| t.roles.contains(r)) {
                return Err(ApiError::bad("unknown_role", format!("`{r}` is no role of the policy")));
            }
            let leaves: BTreeSet<String> = versions
                .tables
                .iter()
                .flat_map(|t| t.statuses.iter().enumerate().map(move |(id, st)| (t, id, st)))
                .filter(|(t, id, st)| st.children.is_empty() && acting_roles(t, *id).contains(r))
                .map(|(_, _, st)| st.path.clone())
                .filter(|p| status.as_deref().is_none_or(|s| within(p, s)))
                .collect();
            leaves.into_iter().map(Some).collect()
        }
    };
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(c) => Some(
            decode_cursor(c).ok_or_else(|| ApiError::bad("bad_cursor", "`after` is not a cursor this server gave"))?,
        ),
    };
    let due_before_ms = match q.due_before.as_deref().filter(|d| !d.is_empty()) {
        Some(t) => Some(parse_instant(t, "due_before")?.timestamp_millis()),
        None => None,
    };
    // Each prefix's page in case-id order, merged: the first `limit` of them all are the page.
    let mut rows = read(&state, move |store, _| {
        let mut rows = Vec::new();
        for prefix in prefixes {
            let filter = CaseFilter { status: prefix, due_before_ms, breached, after: after.clone(), limit: limit + 1 };
            rows.extend(store.list(&filter)?);
        }
        Ok(rows)
    })
    .await?;
    rows.sort_by(|a, b| a.case.cmp(&b.case));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(|r| encode_cursor(&r.case)) } else { None };
    let cases: Vec<Value> = rows
        .iter()
        .map(|r| {
            let may_act: Vec<&String> = roles_at.get(&r.status).map(|s| s.iter().collect()).unwrap_or_default();
            json!({
                "case": r.case,
                "status": r.status,
                "label": r.label,
                "next_deadline": r.next_deadline,
                "breached": r.breached,
                "terminal": r.terminal,
                "policy_version": r.policy_version,
                "last_event": r.last_event,
                "may_act": if r.terminal { Vec::new() } else { may_act },
            })
        })
        .collect();
    Ok(json_response(json!({ "cases": cases, "next": next })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_within_its_own_path_and_its_parents_but_not_a_longer_name() {
        assert!(within("dispute_open.awaiting_seller", "dispute_open"));
        assert!(within("dispute_open", "dispute_open"));
        assert!(!within("dispute_opened", "dispute_open"));
        assert!(!within("dispute", "dispute_open"));
    }

    #[test]
    fn every_asset_the_page_names_is_served() {
        for name in ["console.js", "console.css", "icon.svg"] {
            assert!(INDEX.contains(&format!("/console/{name}")), "index.html links {name}");
            assert!(ASSETS.iter().any(|(n, _, _)| *n == name));
        }
        assert!(!INDEX.contains("http://") && !INDEX.contains("https://"), "nothing from elsewhere");
    }
}
