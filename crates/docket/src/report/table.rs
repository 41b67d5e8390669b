//! `docket table`: the flattened transition table as a reviewer reads it, in text or JSON.

use crate::compile::table::*;
use serde::Serialize;

/// One candidate transition, as printed.
#[derive(Debug, Serialize)]
pub struct TransitionView {
    /// Condition as written.
    pub when: Option<String>,
    /// Target path, or null to stay.
    pub target: Option<String>,
    /// Assignments as `field = expression`.
    pub effects: Vec<String>,
    /// Where the rule is written (status path).
    pub declared_in: String,
    /// Policy line.
    pub line: usize,
}

/// One action's candidates in a status.
#[derive(Debug, Serialize)]
pub struct ActionView {
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// Ordered candidates.
    pub transitions: Vec<TransitionView>,
}

/// One timer armed in a status.
#[derive(Debug, Serialize)]
pub struct TimerView {
    /// Timer name.
    pub timer: String,
    /// `5d after entering dispute_open` or `at delivery_due`.
    pub clock: String,
    /// `transition` or `sla`.
    pub effect: &'static str,
    /// Candidates, for a moving timer.
    pub transitions: Vec<TransitionView>,
    /// Policy line.
    pub line: usize,
}

/// One status, flattened.
#[derive(Debug, Serialize)]
pub struct StatusView {
    /// Dotted path.
    pub status: String,
    /// Label.
    pub label: String,
    /// Outcome, for a terminal status.
    pub outcome: Option<String>,
    /// Actions in force.
    pub actions: Vec<ActionView>,
    /// Timers armed.
    pub timers: Vec<TimerView>,
    /// Automatic transitions.
    pub automatic: Vec<TransitionView>,
}

/// The table for printing: only statuses a case can rest in (leaves).
pub fn view(table: &TransitionTable) -> Vec<StatusView> {
    let with = |params: &[String], tr: &Transition| TransitionView {
        when: tr.guard_text.clone(),
        target: tr.target.map(|s| table.statuses[s].path.clone()),
        effects: tr.effects.iter().map(|e| crate::compile::print::effect_text(table, params, e)).collect(),
        declared_in: table.statuses[tr.declared_in].path.clone(),
        line: tr.line,
    };
    table
        .statuses
        .iter()
        .filter(|s| s.children.is_empty())
        .map(|s| StatusView {
            status: s.path.clone(),
            label: s.label.clone(),
            outcome: s.terminal.as_ref().map(|o| table.outcomes[o.outcome].name.clone()),
            actions: s
                .actions
                .iter()
                .map(|(a, list)| ActionView {
                    role: table.roles[table.actions[*a].role].clone(),
                    action: table.actions[*a].name.clone(),
                    transitions: {
                        let params: Vec<String> = table.actions[*a].params.iter().map(|p| p.name.clone()).collect();
                        list.iter().map(|tr| with(&params, tr)).collect()
                    },
                })
                .collect(),
            timers: s
                .timers
                .iter()
                .map(|armed| {
                    let def = &table.timers[armed.timer];
                    let clock = match def.clock {
                        Clock::At(_) => def.written.clone(),
                        _ => format!("{} after entering {}", def.written, table.statuses[armed.owner].path),
                    };
                    let (effect, transitions) = match &armed.effect {
                        TimerEffect::Sla => ("sla", vec![]),
                        TimerEffect::Move(list) => ("transition", list.iter().map(|tr| with(&[], tr)).collect()),
                    };
                    TimerView { timer: def.name.clone(), clock, effect, transitions, line: armed.line }
                })
                .collect(),
            automatic: s.automatic.iter().map(|tr| with(&[], tr)).collect(),
        })
        .collect()
}

/// The table as text.
pub fn render_text(views: &[StatusView]) -> String {
    let mut out = String::new();
    let tr = |out: &mut String, indent: &str, t: &TransitionView| {
        let when = t.when.as_ref().map(|w| format!(" when {w}")).unwrap_or_default();
        let target = t.target.as_ref().map_or("(stay)".to_string(), |s| s.clone());
        let effects = if t.effects.is_empty() { String::new() } else { format!(" {{ {} }}", t.effects.join("; ")) };
        out.push_str(&format!("{indent}{when} -> {target}{effects}   [line {}, in {}]\n", t.line, t.declared_in));
    };
    for s in views {
        out.push_str(&format!("{} \"{}\"", s.status, s.label));
        if let Some(o) = &s.outcome {
            out.push_str(&format!("  terminal, outcome {o}"));
        }
        out.push('\n');
        for a in &s.actions {
            out.push_str(&format!("  {} {}\n", a.role, a.action));
            for t in &a.transitions {
                tr(&mut out, "     ", t);
            }
        }
        for t in &s.timers {
            out.push_str(&format!("  timer {} ({}) {}   [line {}]\n", t.timer, t.clock, t.effect, t.line));
            for x in &t.transitions {
                tr(&mut out, "     ", x);
            }
        }
        for t in &s.automatic {
            tr(&mut out, "  automatic", t);
        }
        out.push('\n');
    }
    out
}
