//! The case report: where a case stands, why, who may do what, what is due. The JSON keys are a
//! contract other systems read (issue 4); the text form is for people.

use crate::compile::table::*;
use crate::eval::engine::{CaseState, Engine};
use crate::eval::expr;
use crate::eval::time::format as t;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// `{"kind", "amount"}`.
#[derive(Debug, Serialize, PartialEq)]
pub struct OutcomeReport {
    /// Outcome name.
    pub kind: String,
    /// Amount as a decimal string, if the outcome has one.
    pub amount: Option<String>,
}

/// A pending deadline: what happens if nobody acts.
#[derive(Debug, Serialize, PartialEq)]
pub struct DeadlineReport {
    /// Timer name.
    pub timer: String,
    /// When, in UTC; null while the timer's clock is paused.
    pub at: Option<String>,
    /// The same instant in the zone of the calendar the timer counts in, if it counts in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// `transition` or `sla`.
    pub effect: &'static str,
    /// Where the case would go (null for an SLA).
    pub target: Option<String>,
    /// The policy line that arms it.
    pub policy_line: usize,
    /// True while the timer's clock is paused.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// For a paused timer, the time its clock has left (`1d4h`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<String>,
}

/// A missed SLA deadline.
#[derive(Debug, Serialize, PartialEq)]
pub struct BreachReport {
    /// Timer name.
    pub timer: String,
    /// Its deadline.
    pub at: String,
}

/// A rejected event.
#[derive(Debug, Serialize, PartialEq)]
pub struct RejectedReport {
    /// Log line.
    pub line: usize,
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// Why.
    pub reason: String,
}

/// One step of history.
#[derive(Debug, Serialize, PartialEq)]
pub struct StepReport {
    /// When.
    pub at: String,
    /// Status before.
    pub from: String,
    /// Status after.
    pub to: String,
    /// `buyer open`, `timer seller_response` or `automatic`.
    pub cause: String,
    /// Log line of the event, for an event.
    pub line: Option<usize>,
    /// The policy line of the rule or timer.
    pub policy_line: usize,
}

/// An action closed now that opens later by itself.
#[derive(Debug, Serialize, PartialEq)]
pub struct OpensReport {
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// When it opens.
    pub at: String,
}

/// Everything about one case.
#[derive(Debug, Serialize, PartialEq)]
pub struct CaseReport {
    /// Case id.
    pub case: String,
    /// The version string of the policy version the case is pinned to (null without one).
    pub policy_version: Option<String>,
    /// Dotted status path.
    pub status: String,
    /// Status label.
    pub label: String,
    /// Whether the case is closed.
    pub terminal: bool,
    /// Outcome of a closed case.
    pub outcome: Option<OutcomeReport>,
    /// Field values; money as decimal strings, times RFC 3339.
    pub fields: Map<String, Json>,
    /// Pending timers, by time.
    pub deadlines: Vec<DeadlineReport>,
    /// Missed SLA deadlines.
    pub breached: Vec<BreachReport>,
    /// What each role may do now.
    pub allowed: Map<String, Json>,
    /// Actions closed now that open by themselves later.
    pub opens: Vec<OpensReport>,
    /// Rejected events.
    pub rejected: Vec<RejectedReport>,
    /// History.
    pub history: Vec<StepReport>,
    /// The instant the report describes.
    pub as_of: Option<String>,
    /// Why the case stopped, if a policy error stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the evaluation had to assume, such as a day beyond a calendar's holiday data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A field value as JSON.
pub fn json_value(table: &TransitionTable, v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        other => Json::String(table.show(other)),
    }
}

/// A closed case's outcome, with its amount; `None` while the case is open.
pub fn outcome(table: &TransitionTable, case: &CaseState) -> Option<OutcomeReport> {
    let o = table.statuses[case.status].terminal.as_ref()?;
    let now = case.clock.unwrap_or_default();
    let beyond = expr::Beyond::default();
    let scope = expr::Scope {
        fields: &case.fields,
        params: None,
        now,
        entered: &case.entered,
        calendars: &table.calendars,
        beyond: &beyond,
    };
    let amount = o.amount.as_ref().and_then(|a| expr::eval(a, &scope)).map(|v| table.show(&v));
    Some(OutcomeReport { kind: table.outcomes[o.outcome].name.clone(), amount })
}

/// Build a case's report as of its clock.
pub fn build(engine: &Engine, case: &CaseState) -> CaseReport {
    let table = engine.table;
    let status = &table.statuses[case.status];
    let now = case.clock;
    let mut fields = Map::new();
    for (def, v) in table.fields.iter().zip(&case.fields) {
        fields.insert(def.name.clone(), json_value(table, v));
    }
    let outcome = outcome(table, case);
    let (allowed, opens) = match now {
        Some(now) if status.terminal.is_none() && case.stuck().is_none() => allowed(engine, case, now),
        _ => (Map::new(), vec![]),
    };
    CaseReport {
        case: case.id.to_string(),
        policy_version: if case.version == crate::eval::engine::NO_VERSION { None } else { table.version.clone() },
        status: status.path.clone(),
        label: status.label.clone(),
        terminal: status.terminal.is_some(),
        outcome,
        fields,
        deadlines: deadlines(engine, case),
        breached: case
            .breached
            .iter()
            .map(|b| BreachReport { timer: table.timers[b.timer].name.clone(), at: t(&b.at) })
            .collect(),
        allowed,
        opens,
        rejected: case
            .rejected()
            .iter()
            .map(|r| RejectedReport {
                line: r.line,
                role: r.role.clone(),
                action: r.action.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
        history: case
            .frozen_history()
            .iter()
            .cloned()
            .chain(case.history().iter().map(|s| crate::eval::engine::freeze(table, s)))
            .map(|s| StepReport {
                at: t(&s.at),
                from: s.from,
                to: s.to,
                cause: s.cause,
                line: s.line,
                policy_line: s.policy_line,
            })
            .collect(),
        as_of: now.map(|n| t(&n)),
        error: case.stuck().map(str::to_string),
        warnings: warnings(engine, case),
    }
}

/// The case's warnings, and those of its pending deadlines.
fn warnings(engine: &Engine, case: &CaseState) -> Vec<String> {
    let mut out: Vec<String> = case.warnings().to_vec();
    if engine.table.calendars.is_empty() {
        return out;
    }
    for armed in &engine.table.statuses[case.status].timers {
        if let Some(beyond) = engine.deadline_beyond(case, armed) {
            let w = engine.beyond_warning(armed.timer, beyond);
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

/// The timed deadlines a report lists, by time: pending timers, leaving out a moving timer whose
/// condition is false as things stand; with each moving timer's destination.
pub fn timed_deadlines<'t>(
    engine: &Engine<'t>,
    case: &CaseState,
) -> Vec<(DateTime<Utc>, &'t ArmedTimer, Option<StatusId>)> {
    engine
        .pending(case)
        .into_iter()
        .filter_map(|(at, armed)| match &armed.effect {
            TimerEffect::Sla => Some((at, armed, None)),
            TimerEffect::Move(_) => engine.timer_destination(case, armed, at).map(|to| (at, armed, Some(to))),
        })
        .collect()
}

/// Pending timers, leaving out a moving timer whose condition is false as things stand.
fn deadlines(engine: &Engine, case: &CaseState) -> Vec<DeadlineReport> {
    let table = engine.table;
    let timed = timed_deadlines(engine, case).into_iter().map(|(at, armed, to)| {
        let (effect, target) = match to {
            None => ("sla", None),
            Some(to) => ("transition", Some(table.statuses[to].path.clone())),
        };
        let def = &table.timers[armed.timer];
        DeadlineReport {
            timer: def.name.clone(),
            at: Some(t(&at)),
            local: def.calendar.and_then(|c| table.calendars.get(c)).map(|c| c.local_text(at)),
            effect,
            target,
            policy_line: armed.line,
            paused: false,
            remaining: None,
        }
    });
    // Paused clocks have no instant: they follow the timed ones, in declaration order.
    let paused = engine.paused(case).into_iter().map(|(armed, left)| {
        let (effect, target) = match &armed.effect {
            TimerEffect::Sla => ("sla", None),
            TimerEffect::Move(list) => {
                ("transition", list.first().and_then(|tr| tr.target).map(|s| table.statuses[s].path.clone()))
            }
        };
        DeadlineReport {
            timer: table.timers[armed.timer].name.clone(),
            at: None,
            local: None,
            effect,
            target,
            policy_line: armed.line,
            paused: true,
            remaining: Some(crate::eval::time::format_duration(left)),
        }
    });
    timed.chain(paused).collect()
}

/// What each role may do now, and which closed actions open later by themselves.
fn allowed(engine: &Engine, case: &CaseState, now: DateTime<Utc>) -> (Map<String, Json>, Vec<OpensReport>) {
    let table = engine.table;
    let scope = engine.scope(case, None, now);
    let mut allowed = Map::new();
    let mut opens = Vec::new();
    for (role_id, role) in table.roles.iter().enumerate() {
        let mut actions = Vec::new();
        for (action, list) in &table.statuses[case.status].actions {
            let def = &table.actions[*action];
            if def.role != role_id {
                continue;
            }
            if list.iter().any(|c| expr::holds(c.guard.as_ref(), &scope) != Some(false)) {
                actions.push(Json::String(def.name.clone()));
            } else if let Some(at) = engine.opens_at(case, list, now, None) {
                opens.push(OpensReport { role: role.clone(), action: def.name.clone(), at: t(&at) });
            }
        }
        if !actions.is_empty() {
            allowed.insert(role.clone(), Json::Array(actions));
        }
    }
    (allowed, opens)
}

/// A case report as text for people.
pub fn render_text(r: &CaseReport) -> String {
    let mut out = String::with_capacity(1024);
    // Written in place (a million cases are rendered for `docket eval`): no String per line.
    // Writing to a String cannot fail.
    let _ = write_text(r, &mut out);
    out
}

fn write_text(r: &CaseReport, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write;
    write!(out, "case {}: {} \"{}\"", r.case, r.status, r.label)?;
    if let Some(o) = &r.outcome {
        write!(out, " (closed: {}", o.kind)?;
        if let Some(a) = &o.amount {
            write!(out, " {a}")?;
        }
        out.push(')');
    }
    out.push('\n');
    if let Some(at) = &r.as_of {
        writeln!(out, "  as of {at}")?;
    }
    if let Some(e) = &r.error {
        writeln!(out, "  error: {e}")?;
    }
    out.push_str("  fields: ");
    for (i, (k, v)) in r.fields.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        match v.as_str() {
            Some(text) => write!(out, "{sep}{k}={text}")?,
            None => write!(out, "{sep}{k}={v}")?,
        }
    }
    out.push('\n');
    if !r.history.is_empty() {
        out.push_str("  history:\n");
        for s in &r.history {
            write!(out, "    {}  {} -> {}  by {} (", s.at, s.from, s.to, s.cause)?;
            if let Some(l) = s.line {
                write!(out, "log line {l}, ")?;
            }
            writeln!(out, "policy line {})", s.policy_line)?;
        }
    }
    if !r.rejected.is_empty() {
        out.push_str("  rejected:\n");
        for x in &r.rejected {
            writeln!(out, "    log line {}: {} {}: {}", x.line, x.role, x.action, x.reason)?;
        }
    }
    if !r.allowed.is_empty() {
        out.push_str("  may do now:\n");
        for (role, actions) in &r.allowed {
            write!(out, "    {role}: ")?;
            let names = actions.as_array().into_iter().flatten().filter_map(Json::as_str);
            for (i, name) in names.enumerate() {
                out.push_str(if i == 0 { "" } else { ", " });
                out.push_str(name);
            }
            out.push('\n');
        }
    }
    for o in &r.opens {
        writeln!(out, "  opens later: {} {} at {}", o.role, o.action, o.at)?;
    }
    if !r.deadlines.is_empty() {
        out.push_str("  pending deadlines:\n");
        for d in &r.deadlines {
            write_deadline(d, out)?;
        }
    }
    for w in &r.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    if !r.breached.is_empty() {
        out.push_str("  breached:\n");
        for b in &r.breached {
            writeln!(out, "    {} was due {}", b.timer, b.at)?;
        }
    }
    Ok(())
}

fn write_deadline(d: &DeadlineReport, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write;
    out.push_str("    ");
    match (&d.at, &d.remaining) {
        (Some(at), _) => out.push_str(at),
        (None, Some(left)) => write!(out, "paused, {left} left")?,
        (None, None) => out.push_str("paused"),
    }
    if let Some(l) = &d.local {
        write!(out, " ({l} local)")?;
    }
    write!(out, "  {} ", d.timer)?;
    match &d.target {
        Some(target) => write!(out, "-> {target}")?,
        None => out.push_str("SLA"),
    }
    writeln!(out, " (policy line {})", d.policy_line)
}

/// The keys of a case report's JSON, in order: what a scenario's `[[expect]]` may compare.
pub const REPORT_KEYS: &[&str] = &[
    "case",
    "policy_version",
    "status",
    "label",
    "terminal",
    "outcome",
    "fields",
    "deadlines",
    "breached",
    "allowed",
    "opens",
    "rejected",
    "history",
    "as_of",
    "error",
    "warnings",
];
/// The keys of `outcome`.
pub const OUTCOME_KEYS: &[&str] = &["kind", "amount"];
/// The keys of a `deadlines` entry.
pub const DEADLINE_KEYS: &[&str] = &["timer", "at", "local", "effect", "target", "policy_line", "paused", "remaining"];
/// The keys of a `breached` entry.
pub const BREACH_KEYS: &[&str] = &["timer", "at"];
/// The keys of a `rejected` entry.
pub const REJECTED_KEYS: &[&str] = &["line", "role", "action", "reason"];
/// The keys of a `history` entry.
pub const STEP_KEYS: &[&str] = &["at", "from", "to", "cause", "line", "policy_line"];
/// The keys of an `opens` entry.
pub const OPENS_KEYS: &[&str] = &["role", "action", "at"];

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Json) -> Vec<String> {
        v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    /// The key lists scenarios check against are the report's own: a report with every optional
    /// key present serializes to exactly them.
    #[test]
    fn the_key_lists_are_the_reports_keys() {
        let text = |s: &str| s.to_string();
        let report = CaseReport {
            case: text("A"),
            policy_version: Some(text("1")),
            status: text("s"),
            label: text("S"),
            terminal: true,
            outcome: Some(OutcomeReport { kind: text("paid"), amount: Some(text("1")) }),
            fields: Map::new(),
            deadlines: vec![DeadlineReport {
                timer: text("t"),
                at: None,
                local: Some(text("l")),
                effect: "sla",
                target: None,
                policy_line: 1,
                paused: true,
                remaining: Some(text("1d")),
            }],
            breached: vec![BreachReport { timer: text("t"), at: text("a") }],
            allowed: Map::new(),
            opens: vec![OpensReport { role: text("r"), action: text("a"), at: text("t") }],
            rejected: vec![RejectedReport { line: 1, role: text("r"), action: text("a"), reason: text("x") }],
            history: vec![StepReport {
                at: text("a"),
                from: text("f"),
                to: text("t"),
                cause: text("c"),
                line: None,
                policy_line: 1,
            }],
            as_of: None,
            error: Some(text("e")),
            warnings: vec![text("w")],
        };
        let json = serde_json::to_value(&report).unwrap_or_default();
        assert_eq!(keys(&json), REPORT_KEYS);
        assert_eq!(keys(&json["outcome"]), OUTCOME_KEYS);
        assert_eq!(keys(&json["deadlines"][0]), DEADLINE_KEYS);
        assert_eq!(keys(&json["breached"][0]), BREACH_KEYS);
        assert_eq!(keys(&json["rejected"][0]), REJECTED_KEYS);
        assert_eq!(keys(&json["history"][0]), STEP_KEYS);
        assert_eq!(keys(&json["opens"][0]), OPENS_KEYS);
    }
}
