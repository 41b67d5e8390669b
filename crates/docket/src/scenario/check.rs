//! A scenario checked against its policy before it runs, so a typing mistake is an error that
//! names its line instead of an expectation that silently compares nothing or a diff that
//! puzzles: a key the scenario file or an `[[expect]]` table does not have (`stauts`), an expected
//! status, timer, field, role, action or outcome the policy does not have, and an event whose
//! role, action or keys the policy does not know (unless an expectation expects it rejected).
//! Each problem comes with a "did you mean" when a name is close.

use super::Scenario;
use crate::compile::table::TransitionTable;
use crate::eval::engine::Engine;
use crate::report::case::{
    BREACH_KEYS, DEADLINE_KEYS, OPENS_KEYS, OUTCOME_KEYS, REJECTED_KEYS, REPORT_KEYS, STEP_KEYS,
};
use crate::versions::Versions;
use std::collections::{BTreeMap, BTreeSet};

/// One thing wrong with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line it is about, when known: a top-level key's, or the header of the
    /// `[[expect]]` or `[[events]]` table.
    pub line: Option<usize>,
    /// What is wrong, in words (`[[expect]] #2: unknown key `stauts`; did you mean `status`?`).
    pub message: String,
}

/// The keys of a scenario file's top level.
pub const TOP_KEYS: &[&str] = &["description", "policy", "migrations", "allow_keys", "events", "expect"];

/// The keys an `[[expect]]` table may have: the case report's, and `at` and `case`.
fn expect_keys() -> Vec<&'static str> {
    let mut keys = vec!["at"];
    keys.extend(REPORT_KEYS.iter().copied());
    keys
}

/// `; did you mean `x`?`, or a list of the names when there are few, or nothing.
fn help<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    if let Some(h) = crate::diag::suggest(name, known.iter().copied()) {
        return format!("; {h}");
    }
    if known.is_empty() || known.len() > 12 {
        return String::new();
    }
    let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    format!(" (it has {})", list.join(", "))
}

/// The top-level keys the scenario file has but a scenario does not, each at its line. A key an
/// `[[expect]]` table has (`status`) was probably meant to go under one.
pub fn top_level(text: &str) -> Vec<Problem> {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return Vec::new();
    };
    let line = |offset: usize| text.get(..offset).map_or(1, |before| before.matches('\n').count() + 1);
    let expect = expect_keys();
    let mut out: Vec<(usize, Problem)> = doc
        .get_ref()
        .iter()
        .filter(|(k, _)| !TOP_KEYS.contains(&k.get_ref().as_ref()))
        .map(|(k, _)| {
            let name = k.get_ref().as_ref();
            let start = k.span().start;
            let mut message = format!("unknown key `{name}` at the top of the scenario");
            if expect.contains(&name) || crate::diag::suggest(name, expect.iter().copied()).is_some() {
                let close = if expect.contains(&name) { String::new() } else { help(name, expect.iter().copied()) };
                message.push_str(&format!("{close} (an expectation's keys go under an [[expect]] header)"));
            } else {
                message.push_str(&help(name, TOP_KEYS.iter().copied()));
            }
            (start, Problem { line: Some(line(start)), message })
        })
        .collect();
    out.sort_by_key(|(start, _)| *start);
    out.into_iter().map(|(_, p)| p).collect()
}

/// The names a scenario may expect, over every version of its policy.
#[derive(Default)]
struct Names {
    statuses: BTreeSet<String>,
    timers: BTreeSet<String>,
    fields: BTreeSet<String>,
    outcomes: BTreeSet<String>,
    actions: BTreeMap<String, BTreeSet<String>>,
}

impl Names {
    fn of(tables: &[TransitionTable]) -> Self {
        let mut n = Names::default();
        for t in tables {
            n.statuses.extend(t.statuses.iter().map(|s| s.path.clone()));
            n.timers.extend(t.timers.iter().map(|d| d.name.clone()));
            n.fields.extend(t.fields.iter().map(|f| f.name.clone()));
            n.outcomes.extend(t.outcomes.iter().map(|o| o.name.clone()));
            for r in &t.roles {
                n.actions.entry(r.clone()).or_default();
            }
            for a in &t.actions {
                n.actions.entry(t.roles[a.role].clone()).or_default().insert(a.name.clone());
            }
        }
        n
    }

    /// Why a status path is not one, if it is not.
    fn status(&self, path: &str) -> Option<String> {
        if self.statuses.contains(path) {
            return None;
        }
        let names = self.statuses.iter().map(String::as_str);
        let mut close = help(path, names.clone());
        if close.is_empty() {
            // A bare name (`negotiating`) for the path it ends (`dispute_open.negotiating`).
            let ends: Vec<&str> = names.filter(|p| p.rsplit('.').next() == Some(path)).collect();
            if let [only] = ends.as_slice() {
                close = format!("; did you mean `{only}`? (a nested status is named by its path)");
            }
        }
        Some(format!("no status `{path}` in the policy{close}"))
    }

    fn name(&self, what: &str, set: &BTreeSet<String>, name: &str) -> Option<String> {
        (!set.contains(name))
            .then(|| format!("no {what} `{name}` in the policy{}", help(name, set.iter().map(String::as_str))))
    }

    fn role(&self, role: &str) -> Option<String> {
        (!self.actions.contains_key(role))
            .then(|| format!("no role `{role}` in the policy{}", help(role, self.actions.keys().map(String::as_str))))
    }

    fn action(&self, role: &str, action: &str) -> Option<String> {
        let own = self.actions.get(role)?;
        (!own.contains(action))
            .then(|| format!("role `{role}` has no action `{action}`{}", help(action, own.iter().map(String::as_str))))
    }
}

/// Collects problems about one `[[expect]]`.
struct Expect<'a> {
    names: &'a Names,
    title: String,
    out: Vec<String>,
}

impl Expect<'_> {
    fn say(&mut self, what: String) {
        self.out.push(format!("{}: {what}", self.title));
    }

    fn keys(&mut self, place: &str, table: &toml::Table, known: &[&str]) {
        for k in table.keys() {
            if !known.contains(&k.as_str()) {
                self.say(format!("unknown key `{k}`{place}{}", help(k, known.iter().copied())));
            }
        }
    }

    fn string<'v>(&mut self, key: &str, v: &'v toml::Value, what: &str) -> Option<&'v str> {
        match v {
            toml::Value::String(s) => Some(s),
            _ => {
                self.say(format!("`{key}` must be {what}"));
                None
            }
        }
    }

    /// The entries of an array-of-tables key (`deadlines = [{ timer = "x" }]`), each with its
    /// unknown keys reported.
    fn entries<'v>(&mut self, key: &str, v: &'v toml::Value, known: &[&str]) -> Vec<&'v toml::Table> {
        let Some(items) = v.as_array() else {
            self.say(format!("`{key}` must be a list of tables: {key} = [{{ ... }}]"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_table() {
                Some(t) => {
                    self.keys(&format!(" in `{key}` #{}", i + 1), t, known);
                    out.push(t);
                }
                None => self.say(format!("`{key}` #{} must be a table ({{ ... }})", i + 1)),
            }
        }
        out
    }

    /// A string naming something the policy must have, checked by `why`.
    fn named(&mut self, t: &toml::Table, key: &str, place: &str, why: impl Fn(&str) -> Option<String>) {
        if let Some(v) = t.get(key) {
            match v.as_str() {
                Some(s) => {
                    if let Some(w) = why(s) {
                        self.say(format!("{w} (in {place})"));
                    }
                }
                None => self.say(format!("`{key}` (in {place}) must be a string")),
            }
        }
    }

    /// Each `line = N` of `rejected` and `history` counts `[[events]]` tables: one beyond them
    /// could never match.
    fn event_numbers(&mut self, table: &toml::Table, events: usize) {
        for key in ["rejected", "history"] {
            let Some(items) = table.get(key).and_then(toml::Value::as_array) else { continue };
            for (j, item) in items.iter().enumerate() {
                let Some(n) = item.get("line").and_then(toml::Value::as_integer) else { continue };
                if n < 1 || n > events as i64 {
                    self.say(format!(
                        "`{key}` #{}: `line = {n}`, but the scenario has {events} event(s) (`line` counts [[events]] tables, from 1)",
                        j + 1
                    ));
                }
            }
        }
    }

    fn check(&mut self, table: &toml::Table) {
        let names = self.names;
        self.keys("", table, &expect_keys());
        for (key, v) in table {
            match key.as_str() {
                "status" => {
                    if let Some(s) = self.string(key, v, "a status path (a string)")
                        && let Some(w) = names.status(s)
                    {
                        self.say(w);
                    }
                }
                "case" | "label" | "policy_version" | "as_of" | "error" => {
                    self.string(key, v, "a string");
                }
                "terminal" if !v.is_bool() => self.say("`terminal` must be true or false".into()),
                "outcome" => match v.as_table() {
                    Some(t) => {
                        self.keys(" in `outcome`", t, OUTCOME_KEYS);
                        self.named(t, "kind", "`outcome`", |k| names.name("outcome", &names.outcomes, k));
                    }
                    None => self.say("`outcome` must be a table: outcome = { kind = \"...\" }".into()),
                },
                "fields" => match v.as_table() {
                    Some(t) => {
                        for f in t.keys() {
                            if let Some(w) = names.name("field", &names.fields, f) {
                                self.say(format!("{w} (in `fields`)"));
                            }
                        }
                    }
                    None => self.say("`fields` must be a table: fields = { name = value }".into()),
                },
                "deadlines" => {
                    for (i, t) in self.entries(key, v, DEADLINE_KEYS).into_iter().enumerate() {
                        let place = format!("`deadlines` #{}", i + 1);
                        self.named(t, "timer", &place, |n| names.name("timer", &names.timers, n));
                        self.named(t, "target", &place, |s| names.status(s));
                        self.named(t, "effect", &place, |e| {
                            (!matches!(e, "transition" | "sla"))
                                .then(|| format!("`effect` is `transition` or `sla`, not `{e}`"))
                        });
                    }
                }
                "breached" => {
                    for (i, t) in self.entries(key, v, BREACH_KEYS).into_iter().enumerate() {
                        let place = format!("`breached` #{}", i + 1);
                        self.named(t, "timer", &place, |n| names.name("timer", &names.timers, n));
                    }
                }
                "opens" => {
                    for (i, t) in self.entries(key, v, OPENS_KEYS).into_iter().enumerate() {
                        let place = format!("`opens` #{}", i + 1);
                        self.named(t, "role", &place, |r| names.role(r));
                        if let Some(r) = t.get("role").and_then(toml::Value::as_str) {
                            self.named(t, "action", &place, |a| names.action(r, a));
                        }
                    }
                }
                // Rejected events may name unknown roles and actions on purpose.
                "rejected" => {
                    self.entries(key, v, REJECTED_KEYS);
                }
                "history" => {
                    for (i, t) in self.entries(key, v, STEP_KEYS).into_iter().enumerate() {
                        let place = format!("`history` #{}", i + 1);
                        self.named(t, "from", &place, |s| names.status(s));
                        self.named(t, "to", &place, |s| names.status(s));
                        self.named(t, "cause", &place, |c| cause(names, c));
                    }
                }
                "allowed" => match v.as_table() {
                    Some(t) => {
                        for (role, actions) in t {
                            if let Some(w) = names.role(role) {
                                self.say(format!("{w} (in `allowed`)"));
                                continue;
                            }
                            match actions.as_array() {
                                Some(list) => {
                                    for a in list {
                                        match a.as_str() {
                                            Some(a) => {
                                                if let Some(w) = names.action(role, a) {
                                                    self.say(format!("{w} (in `allowed`)"));
                                                }
                                            }
                                            None => self.say(format!("`allowed.{role}` must list action names")),
                                        }
                                    }
                                }
                                None => self.say(format!("`allowed.{role}` must be a list of actions: [\"...\"]")),
                            }
                        }
                    }
                    None => self.say("`allowed` must be a table: allowed = { role = [\"action\"] }".into()),
                },
                "warnings" if !v.as_array().is_some_and(|a| a.iter().all(toml::Value::is_str)) => {
                    self.say("`warnings` must be a list of strings".into());
                }
                _ => {}
            }
        }
    }
}

/// Why a history step's cause names nothing the policy has: `role action`, `timer NAME`,
/// `automatic` or `migration A -> B`.
fn cause(names: &Names, cause: &str) -> Option<String> {
    if cause == "automatic" || cause.starts_with("migration ") {
        return None;
    }
    if let Some(timer) = cause.strip_prefix("timer ") {
        return names.name("timer", &names.timers, timer);
    }
    match cause.split_once(' ') {
        Some((role, action)) => names.role(role).or_else(|| names.action(role, action)),
        None => {
            Some(format!("`cause` `{cause}` is not `ROLE ACTION`, `timer NAME`, `automatic` or `migration A -> B`"))
        }
    }
}

/// Every problem of a parsed scenario against its policy's versions: its top-level keys, each
/// `[[expect]]`, and each event the policy does not know.
pub fn check(text: &str, scenario: &Scenario, versions: &Versions) -> Vec<Problem> {
    let mut out = top_level(text);
    let names = Names::of(&versions.tables);
    let expect_lines = super::expect_lines(text);
    for (i, table) in scenario.expect.iter().enumerate() {
        let mut e = Expect { names: &names, title: format!("[[expect]] #{}", i + 1), out: Vec::new() };
        e.check(table);
        e.event_numbers(table, scenario.events.len());
        let line = expect_lines.get(i).copied();
        out.extend(e.out.into_iter().map(|message| Problem { line, message }));
    }
    // An event an expectation expects rejected may be unknown on purpose.
    let expected_rejected: BTreeSet<i64> = scenario
        .expect
        .iter()
        .filter_map(|e| e.get("rejected").and_then(toml::Value::as_array))
        .flatten()
        .filter_map(|r| r.get("line").and_then(toml::Value::as_integer))
        .collect();
    let engines: Vec<Engine> = versions
        .tables
        .iter()
        .map(|t| {
            let mut engine = Engine::new(t, false);
            engine.allow_keys(&scenario.allow_keys);
            engine
        })
        .collect();
    let event_lines = super::table_lines(text, "events");
    for (i, event) in scenario.events.iter().enumerate() {
        let n = i + 1;
        let Some(table) = event.as_table() else { continue };
        if expected_rejected.contains(&(n as i64)) {
            continue;
        }
        let (Some(role), Some(action)) =
            (table.get("role").and_then(toml::Value::as_str), table.get("action").and_then(toml::Value::as_str))
        else {
            continue;
        };
        let keys = || table.keys().map(String::as_str);
        let verdicts: Vec<Option<String>> = engines.iter().map(|e| e.vocabulary(role, action, keys())).collect();
        if verdicts.iter().any(Option::is_none) {
            continue;
        }
        if let Some(Some(why)) = verdicts.last() {
            out.push(Problem {
                line: event_lines.get(i).copied(),
                message: format!(
                    "[[events]] #{n}: {why} (if the scenario means it to be rejected, expect it: rejected = [{{ line = {n} }}])"
                ),
            });
        }
    }
    // An event that is not one would be skipped, and the scenario pass without it.
    out.extend(super::malformed_events(scenario).into_iter().map(|(line, message)| Problem { line, message }));
    // By line, so the report reads down the file; problems without a line (none yet) last.
    out.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    out
}
