//! The policy names a scenario file writes, each with where: event roles, actions and parameter
//! keys, expected statuses (a dotted path gives one place per segment), timers, fields, outcomes
//! and the `policy` path itself. Editors use it to go from a scenario into its policy and to
//! rename a status, timer, field or action in the scenarios too. Pure: text in, places out; a
//! file that is not TOML gives none.

use crate::span::Span;
use crate::symbols::SymbolKey;
use toml::de::{DeTable, DeValue};

/// The event keys that are not an action's parameters.
const EVENT_KEYS: &[&str] = &["case", "at", "role", "action", "id"];

/// Where a scenario writes its policy's names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioNames {
    /// Each name written, with the bytes of the name itself (inside the quotes for a string).
    pub names: Vec<(SymbolKey, Span)>,
    /// Each `policy = "..."` path as written, with the span of its text.
    pub policies: Vec<(String, Span)>,
}

impl ScenarioNames {
    /// The name at a byte offset (its end included).
    pub fn at(&self, offset: usize) -> Option<&(SymbolKey, Span)> {
        self.names.iter().find(|(_, s)| s.start <= offset && offset <= s.end)
    }
}

/// Read the names a scenario's text writes.
pub fn names(text: &str) -> ScenarioNames {
    let mut out = ScenarioNames::default();
    let Ok(doc) = DeTable::parse(text) else { return out };
    let doc = doc.get_ref();
    for (k, v) in doc.iter() {
        match (k.get_ref().as_ref(), v.get_ref()) {
            ("policy", DeValue::String(_)) => {
                if let Some((s, span)) = string(text, v) {
                    out.policies.push((s.to_string(), span));
                }
            }
            ("policy", DeValue::Array(list)) => {
                for item in list.iter() {
                    if let Some((s, span)) = string(text, item) {
                        out.policies.push((s.to_string(), span));
                    }
                }
            }
            ("events", DeValue::Array(list)) => {
                for e in list.iter() {
                    if let DeValue::Table(t) = e.get_ref() {
                        event(text, t, &mut out.names);
                    }
                }
            }
            ("expect", DeValue::Array(list)) => {
                for e in list.iter() {
                    if let DeValue::Table(t) = e.get_ref() {
                        expect(text, t, &mut out.names);
                    }
                }
            }
            _ => {}
        }
    }
    out.names.sort_by_key(|(_, s)| s.start);
    out
}

/// A basic or literal string's text and the span inside its quotes, when the text is written
/// as it reads (no escapes), so that a place in it is a place in the file.
fn string<'a>(text: &'a str, v: &toml::Spanned<DeValue<'_>>) -> Option<(&'a str, Span)> {
    let DeValue::String(s) = v.get_ref() else { return None };
    let span = v.span();
    let raw = text.get(span.clone())?;
    let inner = raw.strip_prefix(['"', '\''])?.strip_suffix(['"', '\''])?;
    (inner == s.as_ref()).then(|| (inner, Span::new(span.start + 1, span.end - 1)))
}

fn key_span(k: &toml::Spanned<std::borrow::Cow<'_, str>>, text: &str) -> Option<Span> {
    let span = k.span();
    let raw = text.get(span.clone())?;
    // A quoted key's name is inside its quotes.
    if raw == k.get_ref().as_ref() {
        Some(Span::new(span.start, span.end))
    } else {
        let inner = raw.strip_prefix(['"', '\''])?.strip_suffix(['"', '\''])?;
        (inner == k.get_ref().as_ref()).then(|| Span::new(span.start + 1, span.end - 1))
    }
}

fn get<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Option<&'t toml::Spanned<DeValue<'i>>> {
    t.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(_, v)| v)
}

fn as_str<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    match get(t, key)?.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// A dotted status path: one place per segment, each naming the status the path reaches there.
fn path(text: &str, v: &toml::Spanned<DeValue<'_>>, out: &mut Vec<(SymbolKey, Span)>) {
    let Some((s, span)) = string(text, v) else { return };
    let mut start = span.start;
    let mut prefix = String::new();
    for seg in s.split('.') {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(seg);
        if !seg.is_empty() {
            out.push((SymbolKey::Status(prefix.clone()), Span::new(start, start + seg.len())));
        }
        start += seg.len() + 1;
    }
}

fn event(text: &str, t: &DeTable<'_>, out: &mut Vec<(SymbolKey, Span)>) {
    let role = as_str(t, "role");
    let action = as_str(t, "action");
    if let (Some(role), Some(v)) = (role, get(t, "role"))
        && let Some((_, span)) = string(text, v)
    {
        out.push((SymbolKey::Role(role.to_string()), span));
    }
    let (Some(role), Some(action)) = (role, action) else { return };
    if let Some((_, span)) = get(t, "action").and_then(|v| string(text, v)) {
        out.push((SymbolKey::Action(role.to_string(), action.to_string()), span));
    }
    for (k, _) in t.iter() {
        let name = k.get_ref().as_ref();
        if EVENT_KEYS.contains(&name) {
            continue;
        }
        if let Some(span) = key_span(k, text) {
            out.push((SymbolKey::Param(role.to_string(), action.to_string(), name.to_string()), span));
        }
    }
}

fn entries<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Vec<&'t DeTable<'i>> {
    match get(t, key).map(|v| v.get_ref()) {
        Some(DeValue::Array(list)) => list
            .iter()
            .filter_map(|e| match e.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A role and action written as two keys of one table (`opens`, `rejected`).
fn role_action(text: &str, t: &DeTable<'_>, out: &mut Vec<(SymbolKey, Span)>) {
    let role = as_str(t, "role");
    if let (Some(r), Some(span)) = (role, get(t, "role").and_then(|v| string(text, v))) {
        out.push((SymbolKey::Role(r.to_string()), span.1));
    }
    if let (Some(r), Some(a), Some(span)) = (role, as_str(t, "action"), get(t, "action").and_then(|v| string(text, v)))
    {
        out.push((SymbolKey::Action(r.to_string(), a.to_string()), span.1));
    }
}

fn expect(text: &str, t: &DeTable<'_>, out: &mut Vec<(SymbolKey, Span)>) {
    if let Some(v) = get(t, "status") {
        path(text, v, out);
    }
    if let Some(DeValue::Table(o)) = get(t, "outcome").map(|v| v.get_ref())
        && let (Some(kind), Some((_, span))) = (as_str(o, "kind"), get(o, "kind").and_then(|v| string(text, v)))
    {
        out.push((SymbolKey::Outcome(kind.to_string()), span));
    }
    if let Some(DeValue::Table(fields)) = get(t, "fields").map(|v| v.get_ref()) {
        for (k, _) in fields.iter() {
            if let Some(span) = key_span(k, text) {
                out.push((SymbolKey::Field(k.get_ref().to_string()), span));
            }
        }
    }
    for d in entries(t, "deadlines").into_iter().chain(entries(t, "breached")) {
        if let (Some(timer), Some((_, span))) = (as_str(d, "timer"), get(d, "timer").and_then(|v| string(text, v))) {
            out.push((SymbolKey::Timer(timer.to_string()), span));
        }
        if let Some(v) = get(d, "target") {
            path(text, v, out);
        }
    }
    for step in entries(t, "history") {
        for key in ["from", "to"] {
            if let Some(v) = get(step, key) {
                path(text, v, out);
            }
        }
    }
    for e in entries(t, "opens").into_iter().chain(entries(t, "rejected")) {
        role_action(text, e, out);
    }
    if let Some(DeValue::Table(allowed)) = get(t, "allowed").map(|v| v.get_ref()) {
        for (k, v) in allowed.iter() {
            let role = k.get_ref().to_string();
            if let Some(span) = key_span(k, text) {
                out.push((SymbolKey::Role(role.clone()), span));
            }
            if let DeValue::Array(list) = v.get_ref() {
                for a in list.iter() {
                    if let Some((name, span)) = string(text, a) {
                        out.push((SymbolKey::Action(role.clone(), name.to_string()), span));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_names_its_policy_s_statuses_roles_actions_and_keys() {
        let text = "policy = \"../p.policy\"\n[[events]]\ncase = \"A\"\nat = 2026-01-01T00:00:00Z\nrole = \"buyer\"\naction = \"open\"\namount = \"1\"\n[[expect]]\nstatus = \"dispute_open.negotiating\"\nfields = { claim = \"1\" }\ndeadlines = [{ timer = \"wait\" }]\n";
        let n = names(text);
        assert_eq!(n.policies, vec![("../p.policy".to_string(), Span::new(10, 21))]);
        let keys: Vec<String> = n.names.iter().map(|(k, s)| format!("{k:?}@{}", &text[s.start..s.end])).collect();
        assert_eq!(
            keys,
            vec![
                "Role(\"buyer\")@buyer",
                "Action(\"buyer\", \"open\")@open",
                "Param(\"buyer\", \"open\", \"amount\")@amount",
                "Status(\"dispute_open\")@dispute_open",
                "Status(\"dispute_open.negotiating\")@negotiating",
                "Field(\"claim\")@claim",
                "Timer(\"wait\")@wait",
            ]
        );
        assert!(names("not = [toml").names.is_empty());
    }
}
