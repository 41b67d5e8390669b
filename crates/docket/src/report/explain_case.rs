//! `docket explain --case ID --events LOG`: one case in plain words, answered for that case and
//! not for its status in general. Its steps with the policy line that fired each, its refused
//! events and missed SLA deadlines, its outcome with the amount, and what can happen now: the
//! actions some rule may allow it (with each condition as it stands for the case), the
//! time-gated ones with the instant they open for it, the ones closed to it and why, the timers
//! that can still fire for it (a timer whose field is absent, or a moving timer whose condition
//! is false, is not pending) and automatic transitions whose condition is not false for it.
//! Built from the engine and the case's state; the JSON form (`--format json`) is this struct.

use super::case::{CaseReport, RejectedReport};
use super::explain::{clock_words, consequence, words};
use crate::compile::table::*;
use crate::eval::engine::{CaseState, Engine};
use crate::eval::expr;
use crate::span::SourceFile;
use serde::Serialize;
use std::collections::BTreeMap;

/// A case explained: what `docket explain --case` prints, and its JSON.
#[derive(Debug, Serialize, PartialEq)]
pub struct CaseExplanation {
    /// Case id.
    pub case: String,
    /// The policy version the case is pinned to, if the policy has versions.
    pub policy_version: Option<String>,
    /// Dotted status path.
    pub status: String,
    /// Status label.
    pub label: String,
    /// The instant the explanation describes.
    pub as_of: Option<String>,
    /// Whether the case is closed.
    pub terminal: bool,
    /// The outcome of a closed case, with its amount.
    pub outcome: Option<OutcomeWords>,
    /// The status's doc comments, then its parents' (`Inside escalated: ...`).
    pub docs: Vec<String>,
    /// How it got there, step by step.
    pub steps: Vec<StepWords>,
    /// Events that were refused.
    pub rejected: Vec<RejectedReport>,
    /// SLA deadlines it missed.
    pub breached: Vec<BreachWords>,
    /// Actions some rule may allow it now (a condition on the event's parameters is said).
    pub actions: Vec<ActionWords>,
    /// Actions closed now that open for it by themselves later, with the instant.
    pub opens: Vec<ActionWords>,
    /// Actions of the status that no rule allows it, now or by time alone.
    pub closed: Vec<ClosedWords>,
    /// Timers that can still fire for it, by time (paused clocks last).
    pub deadlines: Vec<DeadlineWords>,
    /// Automatic transitions whose condition is not false for it.
    pub automatic: Vec<RuleWords>,
    /// Why a policy error stopped the case, if one did.
    pub error: Option<String>,
    /// What the evaluation had to assume.
    pub warnings: Vec<String>,
}

/// A closed case's outcome.
#[derive(Debug, Serialize, PartialEq)]
pub struct OutcomeWords {
    /// Outcome name.
    pub kind: String,
    /// Its amount for this case, as a decimal string.
    pub amount: Option<String>,
    /// The terminal status's policy line.
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// One step of the case's history.
#[derive(Debug, Serialize, PartialEq)]
pub struct StepWords {
    /// When.
    pub at: String,
    /// Status before.
    pub from: String,
    /// Status after.
    pub to: String,
    /// `buyer open`, `timer seller_response`, `automatic`, `migration A -> B`.
    pub cause: String,
    /// The event's log line.
    pub line: Option<usize>,
    /// The policy line of the rule or timer (0 for a migration).
    pub policy_line: usize,
    /// That line's text, when it is in this version's file.
    pub rule: Option<String>,
    /// The earlier version the step was taken under, when the case migrated since.
    pub version: Option<String>,
}

/// A missed SLA deadline.
#[derive(Debug, Serialize, PartialEq)]
pub struct BreachWords {
    /// Timer name.
    pub timer: String,
    /// When it was due.
    pub at: String,
    /// The timer's declaration line.
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// An action the case may take, now or from an instant.
#[derive(Debug, Serialize, PartialEq)]
pub struct ActionWords {
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// For an action that opens later: when.
    pub at: Option<String>,
    /// The rule's condition in words, if it has one.
    pub condition: Option<String>,
    /// `true` when the condition holds for the case as it stands; `null` when it depends on the
    /// event's parameters.
    pub holds: Option<bool>,
    /// The case's values of the fields the condition reads.
    pub values: BTreeMap<String, String>,
    /// What taking it does, in words.
    pub effect: String,
    /// The status the case would go to (null: it stays).
    pub target: Option<String>,
    /// The rule's policy line.
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// An action of the status closed to this case.
#[derive(Debug, Serialize, PartialEq)]
pub struct ClosedWords {
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// The part of the first rule's condition that is false for it, in words.
    pub condition: String,
    /// The case's values of the fields that part reads.
    pub values: BTreeMap<String, String>,
    /// That rule's policy line.
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// A timer that can still fire for the case.
#[derive(Debug, Serialize, PartialEq)]
pub struct DeadlineWords {
    /// Timer name.
    pub timer: String,
    /// When it fires (null while its clock is paused).
    pub at: Option<String>,
    /// True while its clock is paused.
    pub paused: bool,
    /// For a paused clock, the time it has left.
    pub remaining: Option<String>,
    /// How it counts, in words.
    pub clock: String,
    /// `transition` or `sla`.
    pub effect: &'static str,
    /// Where the case would go (null for an SLA).
    pub target: Option<String>,
    /// What happens when it fires, in words (for this case: the rule whose condition holds).
    pub does: String,
    /// The policy line of the rule that would be taken (or of the `deadline`).
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// An automatic transition that may be taken.
#[derive(Debug, Serialize, PartialEq)]
pub struct RuleWords {
    /// Its condition in words.
    pub condition: Option<String>,
    /// What it does.
    pub effect: String,
    /// Its policy line.
    pub policy_line: usize,
    /// The comment on that line.
    pub note: Option<String>,
}

/// The comment at the end of a policy line, if any.
fn note(file: &SourceFile, line: usize) -> Option<String> {
    file.trailing_comment(line).filter(|c| !c.is_empty()).map(str::to_string)
}

/// The case's values of the fields an expression reads, by name.
fn values(t: &TransitionTable, case: &CaseState, e: Option<&CExpr>) -> BTreeMap<String, String> {
    let read = e.map(crate::eval::expr::reads).unwrap_or_default();
    read.into_iter()
        .filter_map(|r| match r {
            CExpr::Field(f) => Some((t.fields.get(f)?.name.clone(), t.show(case.fields.get(f)?))),
            _ => None,
        })
        .collect()
}

/// ` (here order_total is 40.00)`, or nothing.
fn here(values: &BTreeMap<String, String>) -> String {
    if values.is_empty() {
        return String::new();
    }
    let list: Vec<String> = values.iter().map(|(k, v)| format!("{k} is {v}")).collect();
    format!(" (here {})", list.join(", "))
}

fn target_path(t: &TransitionTable, tr: &Transition) -> Option<String> {
    tr.target.map(|s| t.statuses[t.entry_leaf(s)].path.clone())
}

/// Explain a finished case under its engine; `report` is its case report and `file` the policy
/// file of the version it runs on.
pub fn build(engine: &Engine, file: &SourceFile, case: &CaseState, report: &CaseReport) -> CaseExplanation {
    let t = engine.table;
    let st = &t.statuses[case.status];
    let mut docs: Vec<String> = st.docs.clone();
    let mut parent = st.parent;
    while let Some(p) = parent {
        let outer = &t.statuses[p];
        if !outer.docs.is_empty() {
            docs.push(format!("Inside {}: {}", outer.path, outer.docs.join(" ")));
        }
        parent = outer.parent;
    }
    let mut x = CaseExplanation {
        case: report.case.clone(),
        policy_version: report.policy_version.clone(),
        status: report.status.clone(),
        label: report.label.clone(),
        as_of: report.as_of.clone(),
        terminal: report.terminal,
        outcome: report.outcome.as_ref().map(|o| {
            let line = super::coverage::code_line(file, st.line);
            OutcomeWords { kind: o.kind.clone(), amount: o.amount.clone(), policy_line: line, note: note(file, line) }
        }),
        docs,
        steps: steps(file, report),
        rejected: report
            .rejected
            .iter()
            .map(|r| RejectedReport {
                line: r.line,
                role: r.role.clone(),
                action: r.action.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
        breached: report
            .breached
            .iter()
            .map(|b| {
                let line = t.timers.iter().find(|d| d.name == b.timer).map_or(0, |d| d.line);
                BreachWords { timer: b.timer.clone(), at: b.at.clone(), policy_line: line, note: note(file, line) }
            })
            .collect(),
        actions: Vec::new(),
        opens: Vec::new(),
        closed: Vec::new(),
        deadlines: Vec::new(),
        automatic: Vec::new(),
        error: report.error.clone(),
        warnings: report.warnings.clone(),
    };
    let Some(now) = case.clock else { return x };
    if st.terminal.is_some() || case.stuck().is_some() {
        return x;
    }
    let scope = engine.scope(case, None, now);
    for (action, list) in &st.actions {
        let def = &t.actions[*action];
        let params: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
        let (role, name) = (t.roles[def.role].clone(), def.name.clone());
        let word = |tr: &Transition, holds: Option<bool>, at: Option<String>| ActionWords {
            role: role.clone(),
            action: name.clone(),
            at,
            condition: tr.guard.as_ref().map(|g| words(t, &params, g)),
            holds: tr.guard.as_ref().and(holds),
            values: values(t, case, tr.guard.as_ref()),
            effect: consequence(t, &params, tr),
            target: target_path(t, tr),
            policy_line: tr.line,
            note: note(file, tr.line),
        };
        // The first rule whose condition holds is taken: those after a rule that holds whatever
        // the parameters can never be, and rules false for this case are not offered.
        let mut offered = false;
        for tr in list {
            match expr::holds(tr.guard.as_ref(), &scope) {
                Some(false) => continue,
                h => {
                    x.actions.push(word(tr, h, None));
                    offered = true;
                    if h == Some(true) {
                        break;
                    }
                }
            }
        }
        if offered {
            continue;
        }
        if let Some(at) = engine.opens_at(case, list, now, None) {
            let then = engine.scope(case, None, at);
            if let Some(tr) = list.iter().find(|tr| expr::holds(tr.guard.as_ref(), &then) != Some(false)) {
                let h = expr::holds(tr.guard.as_ref(), &then);
                x.opens.push(word(tr, h, Some(crate::eval::time::format(&at))));
                continue;
            }
        }
        if let Some(first) = list.first() {
            let part = first.guard.as_ref().map(|g| expr::first_false(g, &scope));
            x.closed.push(ClosedWords {
                role: role.clone(),
                action: name.clone(),
                condition: part.map(|p| words(t, &params, p)).unwrap_or_default(),
                values: values(t, case, part),
                policy_line: first.line,
                note: note(file, first.line),
            });
        }
    }
    for d in &report.deadlines {
        let Some(armed) = st.timers.iter().find(|a| t.timers[a.timer].name == d.timer) else { continue };
        let def = &t.timers[armed.timer];
        let when = d.at.as_deref().and_then(crate::eval::time::parse).unwrap_or(now);
        let (does, line) = match &armed.effect {
            TimerEffect::Sla => ("it is marked breached; nothing moves".to_string(), armed.line),
            TimerEffect::Move(list) => {
                let then = engine.scope(case, None, when);
                match list.iter().find(|tr| expr::holds(tr.guard.as_ref(), &then) == Some(true)) {
                    Some(tr) => {
                        let cond = tr.guard.as_ref().map(|g| format!("as {} then: ", words(t, &[], g)));
                        (format!("{}{}", cond.unwrap_or_default(), consequence(t, &[], tr)), tr.line)
                    }
                    None => ("nothing, as things stand".to_string(), armed.line),
                }
            }
        };
        x.deadlines.push(DeadlineWords {
            timer: d.timer.clone(),
            at: d.at.clone(),
            paused: d.paused,
            remaining: d.remaining.clone(),
            clock: clock_words(t, def, armed.owner),
            effect: d.effect,
            target: d.target.clone(),
            does,
            policy_line: line,
            note: note(file, line),
        });
    }
    for tr in &st.automatic {
        if expr::holds(tr.guard.as_ref(), &scope) == Some(false) {
            continue;
        }
        x.automatic.push(RuleWords {
            condition: tr.guard.as_ref().map(|g| words(t, &[], g)),
            effect: consequence(t, &[], tr),
            policy_line: tr.line,
            note: note(file, tr.line),
        });
    }
    x
}

/// The history as steps; those before the last migration were taken under an earlier version,
/// whose lines are in another file: they are cited by number and version.
fn steps(file: &SourceFile, report: &CaseReport) -> Vec<StepWords> {
    let migrated = report.history.iter().rposition(|s| s.cause.starts_with("migration "));
    report
        .history
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (rule, version) = match migrated {
                Some(m) if i == m => (None, None),
                Some(m) if i < m => {
                    let earlier =
                        report.history[m].cause.trim_start_matches("migration ").split(" -> ").next().unwrap_or("");
                    (None, Some(earlier.to_string()))
                }
                _ => (Some(file.line_text(s.policy_line).trim().to_string()), None),
            };
            StepWords {
                at: s.at.clone(),
                from: s.from.clone(),
                to: s.to.clone(),
                cause: s.cause.clone(),
                line: s.line,
                policy_line: s.policy_line,
                rule,
                version,
            }
        })
        .collect()
}

fn cite(line: usize, note: &Option<String>) -> String {
    match note {
        Some(n) => format!("line {line}; {n}"),
        None => format!("line {line}"),
    }
}

/// The explanation as text for people.
pub fn render_text(x: &CaseExplanation) -> String {
    let mut out = format!("case {}: now in {} \"{}\"", x.case, x.status, x.label);
    if let Some(at) = &x.as_of {
        out.push_str(&format!(" as of {at}"));
    }
    if let Some(v) = &x.policy_version {
        out.push_str(&format!(", under policy version {v}"));
    }
    out.push_str("\n\nHow it got there:\n");
    for (i, s) in x.steps.iter().enumerate() {
        let by = match s.line {
            Some(l) => format!("{} (log line {l})", s.cause),
            None if s.cause == "automatic" => "an automatic transition".to_string(),
            None if s.cause.starts_with("migration ") => s.cause.clone(),
            None => format!("{} running out", s.cause),
        };
        out.push_str(&format!("  {}. {}  {} -> {}, by {by}\n", i + 1, s.at, s.from, s.to));
        match (&s.rule, &s.version) {
            (Some(rule), _) => out.push_str(&format!("     policy line {}: {rule}\n", s.policy_line)),
            (None, Some(v)) => out.push_str(&format!("     policy line {} of version {v}\n", s.policy_line)),
            (None, None) => {}
        }
    }
    if !x.rejected.is_empty() {
        out.push_str("\nEvents that were refused:\n");
        for r in &x.rejected {
            out.push_str(&format!("  - log line {}: {} {}: {}\n", r.line, r.role, r.action, r.reason));
        }
    }
    if !x.breached.is_empty() {
        out.push_str("\nSLA deadlines it missed:\n");
        for b in &x.breached {
            out.push_str(&format!("  - {} was due {} ({})\n", b.timer, b.at, cite(b.policy_line, &b.note)));
        }
    }
    out.push_str("\nWhat can happen now, for this case:\n");
    out.push_str(&format!("{} \"{}\"\n", x.status, x.label));
    for d in &x.docs {
        out.push_str(&format!("  {d}\n"));
    }
    if let Some(e) = &x.error {
        out.push_str(&format!("  Nothing: a policy error stopped the case: {e}.\n"));
    }
    if let Some(o) = &x.outcome {
        out.push_str(&format!("  The case is closed with the outcome {}", o.kind));
        if let Some(a) = &o.amount {
            out.push_str(&format!(" of {a}"));
        }
        out.push_str(&format!(". Nothing more can happen. ({})\n", cite(o.policy_line, &o.note)));
    }
    if !x.actions.is_empty() {
        out.push_str("  Who may do what:\n");
        let mut previous: Option<(&str, &str)> = None;
        for a in &x.actions {
            // The rules for one action read in order: each after the first applies otherwise.
            let again = previous == Some((a.role.as_str(), a.action.as_str()));
            let cond = match (&a.condition, a.holds) {
                (Some(c), Some(true)) => format!(" (as {c} now{})", here(&a.values)),
                (Some(c), _) => format!(", {}if {c}{}", if again { "otherwise " } else { "" }, here(&a.values)),
                (None, _) if again => ", otherwise".to_string(),
                (None, _) => String::new(),
            };
            out.push_str(&format!(
                "  - {} {}{cond}: {}. ({})\n",
                a.role,
                a.action,
                a.effect,
                cite(a.policy_line, &a.note)
            ));
            previous = Some((a.role.as_str(), a.action.as_str()));
        }
    }
    if !x.opens.is_empty() {
        out.push_str("  Opens later by itself:\n");
        for a in &x.opens {
            let cond = a.condition.as_ref().map(|c| format!(", when {c}")).unwrap_or_default();
            out.push_str(&format!(
                "  - {} {} at {}{cond}: {}. ({})\n",
                a.role,
                a.action,
                a.at.as_deref().unwrap_or_default(),
                a.effect,
                cite(a.policy_line, &a.note)
            ));
        }
    }
    if !x.closed.is_empty() {
        out.push_str("  Not open to this case:\n");
        for c in &x.closed {
            out.push_str(&format!(
                "  - {} {}: it needs {}, which does not hold{} ({})\n",
                c.role,
                c.action,
                c.condition,
                here(&c.values),
                cite(c.policy_line, &c.note)
            ));
        }
    }
    if !x.terminal && x.error.is_none() {
        if x.deadlines.is_empty() && x.automatic.is_empty() {
            out.push_str("  If nobody acts: nothing; no timer can fire for this case.\n");
        } else {
            out.push_str("  If nobody acts:\n");
        }
    }
    for d in &x.deadlines {
        let when = match (&d.at, &d.remaining) {
            (Some(at), _) => format!("at {at}"),
            (None, Some(left)) => format!("paused, {left} left"),
            (None, None) => "paused".to_string(),
        };
        out.push_str(&format!(
            "  - {when}, {} ({}): {}. ({})\n",
            d.timer,
            d.clock,
            d.does,
            cite(d.policy_line, &d.note)
        ));
    }
    for (k, r) in x.automatic.iter().enumerate() {
        let lead = if k == 0 { "As soon as" } else { "Otherwise, as soon as" };
        let cond = r.condition.clone().unwrap_or_default();
        out.push_str(&format!("  - {lead} {cond}: {}. ({})\n", r.effect, cite(r.policy_line, &r.note)));
    }
    for w in &x.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    out
}
