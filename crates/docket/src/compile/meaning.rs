//! The meaning of a compiled policy as a list of named declarations with normalized text, so two
//! policies can be compared by what they say rather than how they are laid out: `docket diff`
//! matches items by key, and `docket fmt` is tested to keep every item's text.

use super::print::expr_text;
use super::table::*;
use serde::Serialize;

/// What kind of declaration an item is; also the order in which kinds are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Title and version.
    Policy,
    /// A role.
    Role,
    /// An outcome kind.
    Outcome,
    /// A calendar: its zone, weekend, hours, coverage, and each holiday.
    Calendar,
    /// A timer's duration or field.
    Timer,
    /// A case field.
    Field,
    /// An action and its parameters.
    Action,
    /// A status: label, initial, terminal outcome.
    Status,
    /// A rule triggered by an action.
    Rule,
    /// A timer armed by a status.
    TimerRule,
    /// An automatic transition.
    Automatic,
    /// Effects on entering a status.
    Entry,
}

impl Kind {
    /// The kind in words, singular, for a sentence about one declaration.
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Role => "role",
            Kind::Outcome => "outcome",
            Kind::Calendar => "calendar",
            Kind::Timer => "timer",
            Kind::Field => "field",
            Kind::Action => "action",
            Kind::Status => "status",
            Kind::Rule => "rule",
            Kind::TimerRule => "timer armed by a status",
            Kind::Automatic => "automatic transition",
            Kind::Entry => "entry effect",
        }
    }

    /// The kind in words, plural, for headings.
    pub fn heading(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Role => "roles",
            Kind::Outcome => "outcomes",
            Kind::Calendar => "calendars",
            Kind::Timer => "timers",
            Kind::Field => "fields",
            Kind::Action => "actions",
            Kind::Status => "statuses",
            Kind::Rule => "rules",
            Kind::TimerRule => "timers armed by statuses",
            Kind::Automatic => "automatic transitions",
            Kind::Entry => "entry effects",
        }
    }
}

/// One declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Kind.
    pub kind: Kind,
    /// Its name, unique within the kind (`seller_response`, `dispute_open: seller propose`).
    pub key: String,
    /// What it says, normalized.
    pub value: String,
    /// Where it is declared.
    pub line: usize,
}

/// Every declaration of a table, sorted by kind and key.
pub fn meaning(t: &TransitionTable) -> Vec<Item> {
    let mut items = Vec::new();
    let mut push = |kind, key: String, value: String, line: usize| items.push(Item { kind, key, value, line });
    push(Kind::Policy, "title".into(), t.title.clone(), 1);
    push(Kind::Policy, "version".into(), t.version.clone().unwrap_or_default(), 1);
    push(Kind::Policy, "effective".into(), t.effective.map(|e| crate::eval::time::format(&e)).unwrap_or_default(), 1);
    for r in &t.roles {
        push(Kind::Role, r.clone(), String::new(), 0);
    }
    for o in &t.outcomes {
        push(Kind::Outcome, o.name.clone(), o.amount.map(|a| t.type_name(a)).unwrap_or_default(), 0);
    }
    for c in &t.calendars {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let weekend: Vec<&str> = DAYS.iter().zip(c.weekend).filter(|(_, off)| *off).map(|(d, _)| *d).collect();
        let mut value = format!(
            "zone {}, weekend {}",
            c.zone.name(),
            if weekend.is_empty() { "none".into() } else { weekend.join(", ") }
        );
        if let Some((open, close)) = c.hours {
            value.push_str(&format!(", hours {} to {}", open.format("%H:%M"), close.format("%H:%M")));
        }
        if let Some((first, last)) = c.covers {
            value.push_str(&format!(", holiday data {first} to {last}"));
        }
        push(Kind::Calendar, c.name.clone(), value, 0);
        for (day, name) in &c.holidays {
            push(Kind::Calendar, format!("{} holiday {day}", c.name), name.clone(), 0);
        }
    }
    for timer in &t.timers {
        let value = timer.written.clone();
        push(Kind::Timer, timer.name.clone(), value, timer.line);
    }
    for f in &t.fields {
        let opt = if f.optional { "?" } else { "" };
        push(Kind::Field, f.name.clone(), format!("{}{opt} = {}", t.type_name(f.ty), t.show(&f.default)), 0);
    }
    for a in &t.actions {
        let params: Vec<String> = a
            .params
            .iter()
            .map(|p| format!("{}: {}{}", p.name, t.type_name(p.ty), if p.optional { "?" } else { "" }))
            .collect();
        push(Kind::Action, format!("{} {}", t.roles[a.role], a.name), format!("({})", params.join(", ")), 0);
    }
    for (id, s) in t.statuses.iter().enumerate() {
        status_items(t, id, s, &mut push);
    }
    items.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    items
}

fn status_items(t: &TransitionTable, id: StatusId, s: &StatusDef, push: &mut impl FnMut(Kind, String, String, usize)) {
    let mut value = format!("\"{}\"", s.label);
    let initial = match s.parent {
        Some(p) => t.statuses[p].initial_child == Some(id),
        None => t.is_within(t.initial, id),
    };
    if initial {
        value.push_str(", initial");
    }
    if let Some(o) = &s.terminal {
        value.push_str(&format!(", terminal, outcome {}", t.outcomes[o.outcome].name));
        if let Some(a) = &o.amount {
            value.push_str(&format!("({})", expr_text(t, &[], a)));
        }
    }
    push(Kind::Status, s.path.clone(), value, s.line);
    for (action, list) in &s.actions {
        let def = &t.actions[*action];
        let names: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
        let own: Vec<&Transition> = list.iter().filter(|tr| tr.declared_in == id).collect();
        for (k, tr) in own.iter().enumerate() {
            let key = format!("{}: {} {}{}", s.path, t.roles[def.role], def.name, nth(k));
            push(Kind::Rule, key, transition_text(t, &names, tr), tr.line);
        }
    }
    for armed in s.timers.iter().filter(|a| a.owner == id) {
        let name = &t.timers[armed.timer].name;
        match &armed.effect {
            TimerEffect::Sla => push(Kind::TimerRule, format!("{}: deadline {name}", s.path), "SLA".into(), armed.line),
            TimerEffect::Move(list) => {
                for (k, tr) in list.iter().enumerate() {
                    push(
                        Kind::TimerRule,
                        format!("{}: after {name}{}", s.path, nth(k)),
                        transition_text(t, &[], tr),
                        tr.line,
                    );
                }
            }
        }
    }
    for (k, tr) in s.automatic.iter().filter(|tr| tr.declared_in == id).enumerate() {
        push(Kind::Automatic, format!("{}{}", s.path, nth(k)), transition_text(t, &[], tr), tr.line);
    }
    if !s.on_entry.is_empty() {
        push(Kind::Entry, s.path.clone(), effects_text(t, &[], &s.on_entry), s.line);
    }
}

fn nth(k: usize) -> String {
    if k == 0 { String::new() } else { format!(" (rule {})", k + 1) }
}

/// `[else ]when GUARD -> TARGET { effects }`, normalized.
pub fn transition_text(t: &TransitionTable, params: &[String], tr: &Transition) -> String {
    let mut out = String::new();
    if tr.otherwise {
        out.push_str("else ");
    }
    if let Some(g) = &tr.guard {
        out.push_str(&format!("when {} ", expr_text(t, params, g)));
    }
    match tr.target {
        Some(s) => out.push_str(&format!("-> {}", t.statuses[s].path)),
        None => out.push_str("-> (stay)"),
    }
    if !tr.effects.is_empty() {
        out.push_str(&format!(" {}", effects_text(t, params, &tr.effects)));
    }
    out
}

fn effects_text(t: &TransitionTable, params: &[String], effects: &[Effect]) -> String {
    let parts: Vec<String> =
        effects.iter().map(|e| format!("{} = {}", t.fields[e.field].name, expr_text(t, params, &e.value))).collect();
    format!("{{ {} }}", parts.join(", "))
}
