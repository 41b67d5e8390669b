//! Migration plans: how open cases move from one policy version to the next. A plan names the
//! two versions, the instant it takes effect, a status of the new version for every status the
//! old one has and the new one lacks, values for new fields, and per timer what a running
//! deadline does (`keep`, `recompute`, `restart`, `earlier`, `later`). It is checked against
//! both versions before anything is migrated; [`crate::eval::engine::Engine::migrate`] applies it.

use crate::compile::table::{FieldId, StatusId, TimerId, TransitionTable, Type, Value};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What a migration does to a running deadline of a timer the case's new status arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerRule {
    /// The old due time stands.
    Keep,
    /// The new duration, counted from the timer's original start (the default).
    Recompute,
    /// The new duration, counted from the migration instant.
    Restart,
    /// The earlier of keep and recompute.
    Earlier,
    /// The later of keep and recompute.
    Later,
}

impl TimerRule {
    const NAMES: [(&'static str, TimerRule); 5] = [
        ("keep", TimerRule::Keep),
        ("recompute", TimerRule::Recompute),
        ("restart", TimerRule::Restart),
        ("earlier", TimerRule::Earlier),
        ("later", TimerRule::Later),
    ];

    /// The rule's name in a plan.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, r)| *r == self).map_or("recompute", |(n, _)| n)
    }
}

/// A plan as written, before it is checked against the versions.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanText {
    /// The old version string.
    pub from: String,
    /// The new version string.
    pub to: String,
    /// When open cases move.
    pub at: DateTime<Utc>,
    /// Old status path to new status path.
    pub statuses: BTreeMap<String, String>,
    /// New field to its value, as written.
    pub fields: BTreeMap<String, toml::Value>,
    /// Timer to rule.
    pub timers: BTreeMap<String, TimerRule>,
}

/// A plan checked against both versions: names resolved to the new version's ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// As written.
    pub text: PlanText,
    /// For each old status, by id, the new status it becomes.
    pub status_map: Vec<StatusId>,
    /// For each new field, by id: the old field it takes its value from, or its starting value.
    pub field_map: Vec<FieldSource>,
    /// For each new timer, by id: its rule.
    pub timer_rules: Vec<TimerRule>,
    /// For each new timer, by id: the old timer of the same name.
    pub old_timer: Vec<Option<TimerId>>,
}

/// Where a new field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSource {
    /// The old field of the same name (enum values by variant name).
    Old(FieldId),
    /// A value given by the plan, or the field's default.
    Value(Value),
}

/// A problem with a plan: where in the plan file, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PlanError {
    /// 1-based line in the plan file (1 when the problem is with the file as a whole).
    pub line: usize,
    /// What is wrong, and what to write.
    pub message: String,
}

/// Parse a plan file (TOML).
pub fn parse(text: &str) -> Result<PlanText, PlanError> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| PlanError {
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: format!("the plan is not valid TOML: {}", e.message()),
    })?;
    let at_line = |key: &str| find_line(text, key);
    for key in doc.keys() {
        if !["from", "to", "at", "statuses", "fields", "timers"].contains(&key.as_str()) {
            return Err(PlanError {
                line: at_line(key),
                message: format!(
                    "unknown key `{key}`; a plan has `from`, `to`, `at`, [statuses], [fields] and [timers]"
                ),
            });
        }
    }
    let text_of = |key: &str| -> Result<String, PlanError> {
        match doc.get(key) {
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(_) => {
                Err(PlanError { line: at_line(key), message: format!("`{key}` must be a version string in quotes") })
            }
            None => Err(PlanError { line: 1, message: format!("the plan needs `{key} = \"VERSION\"`") }),
        }
    };
    let (from, to) = (text_of("from")?, text_of("to")?);
    let at = match doc.get("at") {
        Some(toml::Value::Datetime(d)) => crate::eval::time::parse(&d.to_string()),
        Some(toml::Value::String(s)) => crate::eval::time::parse(s),
        _ => None,
    }
    .ok_or_else(|| PlanError {
        line: at_line("at"),
        message: "the plan needs `at = 2026-03-10T00:00:00Z`: the RFC 3339 instant open cases move".into(),
    })?;
    let table = |key: &str| -> Result<toml::Table, PlanError> {
        match doc.get(key) {
            None => Ok(toml::Table::new()),
            Some(toml::Value::Table(t)) => Ok(t.clone()),
            Some(_) => Err(PlanError { line: at_line(key), message: format!("`{key}` must be a table: [{key}]") }),
        }
    };
    let mut statuses = BTreeMap::new();
    for (old, new) in table("statuses")? {
        let Some(new) = new.as_str() else {
            return Err(PlanError {
                line: at_line(&old),
                message: format!("status `{old}` must map to a status path in quotes"),
            });
        };
        statuses.insert(old, new.to_string());
    }
    let fields: BTreeMap<String, toml::Value> = table("fields")?.into_iter().collect();
    let mut timers = BTreeMap::new();
    for (name, rule) in table("timers")? {
        let found = rule.as_str().and_then(|r| TimerRule::NAMES.iter().find(|(n, _)| *n == r)).map(|(_, r)| *r);
        let Some(rule) = found else {
            return Err(PlanError {
                line: at_line(&name),
                message: format!(
                    "timer `{name}`: the rule must be one of \"keep\", \"recompute\", \"restart\", \"earlier\", \"later\""
                ),
            });
        };
        timers.insert(name, rule);
    }
    Ok(PlanText { from, to, at, statuses, fields, timers })
}

/// Check a plan against its two versions; every problem is reported.
pub fn check(text: &str, plan: PlanText, old: &TransitionTable, new: &TransitionTable) -> Result<Plan, Vec<PlanError>> {
    let mut errors = Vec::new();
    let line = |key: &str| find_line(text, key);
    let version = |t: &TransitionTable| t.version.clone().unwrap_or_default();
    if version(old) != plan.from {
        errors.push(PlanError {
            line: line("from"),
            message: format!(
                "the plan migrates from version \"{}\", and the old policy is version \"{}\"",
                plan.from,
                version(old)
            ),
        });
    }
    if version(new) != plan.to {
        errors.push(PlanError {
            line: line("to"),
            message: format!(
                "the plan migrates to version \"{}\", and the new policy is version \"{}\"",
                plan.to,
                version(new)
            ),
        });
    }
    for old_path in plan.statuses.keys() {
        if old.status_by_path(old_path).is_none() {
            errors.push(PlanError {
                line: line(old_path),
                message: format!("version \"{}\" has no status `{old_path}` to map", plan.from),
            });
        }
    }
    let mut status_map = Vec::with_capacity(old.statuses.len());
    for (id, status) in old.statuses.iter().enumerate() {
        let target = match plan.statuses.get(&status.path) {
            Some(to) => match new.status_by_path(to) {
                Some(t) => Some(t),
                None => {
                    errors.push(PlanError {
                        line: line(&status.path),
                        message: format!(
                            "`{}` maps to `{to}`, which version \"{}\" does not have",
                            status.path, plan.to
                        ),
                    });
                    None
                }
            },
            None => new.status_by_path(&status.path),
        };
        match target {
            None if !plan.statuses.contains_key(&status.path) => {
                // The likeliest heir: an open status with the same label, else the first open one.
                let open = || new.statuses.iter().filter(|s| s.terminal.is_none());
                let example = open()
                    .find(|s| s.label == status.label)
                    .or_else(|| open().next())
                    .map_or("STATUS", |s| s.path.as_str());
                errors.push(PlanError {
                    line: 1,
                    message: format!(
                        "status `{}` of version \"{}\" is not in version \"{}\": map it in [statuses], such as `\"{}\" = \"{example}\"`",
                        status.path, plan.from, plan.to, status.path
                    ),
                });
                status_map.push(0);
            }
            None => status_map.push(0),
            Some(t) => {
                // Open cases move; mapping one into a terminal status would close it without an event.
                if old.statuses[id].terminal.is_none() && new.statuses[new.entry_leaf(t)].terminal.is_some() {
                    errors.push(PlanError {
                        line: line(&status.path),
                        message: format!(
                            "open status `{}` would map to terminal status `{}`: a migration never closes a case",
                            status.path, new.statuses[t].path
                        ),
                    });
                }
                status_map.push(t);
            }
        }
    }
    let mut field_map = Vec::with_capacity(new.fields.len());
    for field in &new.fields {
        let given = plan.fields.get(&field.name);
        let source = match (old.fields.iter().position(|f| f.name == field.name), given) {
            (Some(_), Some(_)) => {
                errors.push(PlanError {
                    line: line(&field.name),
                    message: format!(
                        "field `{}` is in both versions: cases keep their value, so the plan cannot set it",
                        field.name
                    ),
                });
                FieldSource::Value(field.default.clone())
            }
            (Some(o), None) => {
                if let Some(why) = incompatible(old, old.fields[o].ty, new, field.ty) {
                    errors.push(PlanError { line: 1, message: format!("field `{}` {why}", field.name) });
                }
                FieldSource::Old(o)
            }
            (None, Some(v)) => match value_of(new, field.ty, v) {
                Some(v) => FieldSource::Value(v),
                None => {
                    errors.push(PlanError {
                        line: line(&field.name),
                        message: format!(
                            "field `{}` holds {}, and the plan's value is not one",
                            field.name,
                            new.type_name(field.ty)
                        ),
                    });
                    FieldSource::Value(field.default.clone())
                }
            },
            (None, None) => FieldSource::Value(field.default.clone()),
        };
        field_map.push(source);
    }
    for name in plan.fields.keys() {
        if !new.fields.iter().any(|f| &f.name == name) {
            errors.push(PlanError {
                line: line(name),
                message: format!("version \"{}\" has no field `{name}`", plan.to),
            });
        }
    }
    for name in plan.timers.keys() {
        if !new.timers.iter().any(|t| &t.name == name) {
            let names: Vec<&str> = new.timers.iter().map(|t| t.name.as_str()).collect();
            let help = crate::diag::suggest(name, names).unwrap_or_default();
            errors.push(PlanError {
                line: line(name),
                message: format!(
                    "version \"{}\" has no timer `{name}`{}",
                    plan.to,
                    if help.is_empty() { String::new() } else { format!("; {help}") }
                ),
            });
        }
    }
    let timer_rules =
        new.timers.iter().map(|t| plan.timers.get(&t.name).copied().unwrap_or(TimerRule::Recompute)).collect();
    let old_timer = new.timers.iter().map(|t| old.timers.iter().position(|o| o.name == t.name)).collect();
    if errors.is_empty() {
        Ok(Plan { text: plan, status_map, field_map, timer_rules, old_timer })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Why a field's old type cannot carry its value into the new type, if it cannot.
fn incompatible(old: &TransitionTable, from: Type, new: &TransitionTable, to: Type) -> Option<String> {
    match (from, to) {
        (Type::Enum(a), Type::Enum(b)) => {
            let missing: Vec<&String> = old.enums[a].iter().filter(|v| !new.enums[b].contains(v)).collect();
            (!missing.is_empty()).then(|| {
                let list: Vec<String> = missing.iter().map(|v| format!("`{v}`")).collect();
                format!(
                    "loses the variants {} in the new version: a case holding one could not be moved",
                    list.join(", ")
                )
            })
        }
        (a, b) if a == b => None,
        (a, b) => {
            Some(format!("holds {} in the old version and {} in the new one", old.type_name(a), new.type_name(b)))
        }
    }
}

/// A plan's value for a field of type `ty`.
fn value_of(table: &TransitionTable, ty: Type, v: &toml::Value) -> Option<Value> {
    match (ty, v) {
        (Type::Bool, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
        (Type::Int, toml::Value::Integer(i)) => Some(Value::Int(*i)),
        (Type::Money, toml::Value::String(s)) => crate::eval::money::parse(s).ok().map(Value::Money),
        (Type::Money, toml::Value::Integer(i)) => Some(Value::Money((*i).into())),
        (Type::Text, toml::Value::String(s)) => Some(Value::Text(s.clone())),
        (Type::Time, toml::Value::String(s)) => crate::eval::time::parse(s).map(Value::Time),
        (Type::Time, toml::Value::Datetime(d)) => crate::eval::time::parse(&d.to_string()).map(Value::Time),
        (Type::Duration, toml::Value::String(s)) => {
            crate::edit::parse_duration(s).ok().map(|secs| Value::Duration(chrono::TimeDelta::seconds(secs)))
        }
        (Type::Enum(e), toml::Value::String(s)) => {
            table.enums[e].iter().position(|x| x == s).map(|i| Value::Enum(e, i as u32))
        }
        _ => None,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
}

/// The line where a key is written (`key =` or `"key" =`), else 1.
fn find_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix(&format!("\"{key}\"")).or_else(|| l.strip_prefix(key));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

/// What a plan does to the open cases of a run evaluated as of the plan's instant.
#[derive(Debug, Default, serde::Serialize)]
pub struct Preview {
    /// `from` version.
    pub from: String,
    /// `to` version.
    pub to: String,
    /// The plan's instant.
    pub at: String,
    /// Cases in the log.
    pub cases: usize,
    /// Cases open on the `from` version at the plan's instant: the ones that move.
    pub moving: usize,
    /// Of those, cases whose status or pending deadlines change.
    pub affected: usize,
    /// Old status path to new status path, with how many cases and example ids.
    pub statuses: Vec<StatusMove>,
    /// Per timer, the deadlines that change.
    pub deadlines: Vec<DeadlineMove>,
    /// Cases the mapping closes (through automatic transitions or timers due at once).
    pub closed: Vec<String>,
    /// Cases a policy error stops after the move.
    pub stopped: Vec<String>,
}

/// Cases moving from one status to another.
#[derive(Debug, serde::Serialize)]
pub struct StatusMove {
    /// Old path.
    pub from: String,
    /// New path.
    pub to: String,
    /// How many cases.
    pub cases: usize,
    /// Some of them.
    pub examples: Vec<String>,
}

/// How one timer's deadlines change.
#[derive(Debug, serde::Serialize)]
pub struct DeadlineMove {
    /// Timer name.
    pub timer: String,
    /// The plan's rule for it.
    pub rule: TimerRule,
    /// Cases whose deadline for it changes.
    pub cases: usize,
    /// Examples: case, old due time (or none), new due time (or none), and the shift.
    pub examples: Vec<DeadlineExample>,
}

/// One case's changed deadline.
#[derive(Debug, serde::Serialize)]
pub struct DeadlineExample {
    /// Case id.
    pub case: String,
    /// Before the move.
    pub old: Option<String>,
    /// After it.
    pub new: Option<String>,
    /// `+2d`, `-1d`, or null when one side has none.
    pub shift: Option<String>,
}

/// Preview a plan on a run evaluated as of its instant (`--now` = the plan's `at`).
pub fn preview(run: &crate::eval::log::LogRun, from: usize, to: usize, plan: &Plan, examples: usize) -> Preview {
    use crate::eval::time::{format, format_duration};
    let (old, new) = (&run.engines[from], &run.engines[to]);
    let mut p = Preview {
        from: plan.text.from.clone(),
        to: plan.text.to.clone(),
        at: format(&plan.text.at),
        cases: run.cases.len(),
        ..Preview::default()
    };
    let mut moves: BTreeMap<(String, String), (usize, Vec<String>)> = BTreeMap::new();
    let mut timers: BTreeMap<String, (usize, Vec<DeadlineExample>)> = BTreeMap::new();
    let due = |engine: &crate::eval::engine::Engine,
               c: &crate::eval::engine::CaseState|
     -> BTreeMap<String, chrono::DateTime<Utc>> {
        engine.pending(c).into_iter().map(|(d, a)| (engine.table.timers[a.timer].name.clone(), d)).collect()
    };
    for case in &run.cases {
        if usize::from(case.version) != from {
            continue;
        }
        // Both sides as of the plan's instant: the case left on the old version, and moved.
        let mut stayed = case.clone_state();
        old.advance(&mut stayed, plan.text.at);
        if old.table.statuses[stayed.status].terminal.is_some() || stayed.stuck().is_some() {
            continue;
        }
        let mut moved = stayed.clone_state();
        if !new.migrate(old, &mut moved, plan, to as u16) {
            continue;
        }
        let case = &stayed;
        p.moving += 1;
        let id = case.id.to_string();
        let (before, after) =
            (old.table.statuses[case.status].path.clone(), new.table.statuses[moved.status].path.clone());
        let (old_due, new_due) = (due(old, case), due(new, &moved));
        let mut changed = before != after;
        let entry = moves.entry((before, after)).or_default();
        entry.0 += 1;
        if entry.1.len() < examples {
            entry.1.push(id.clone());
        }
        let names: std::collections::BTreeSet<&String> = old_due.keys().chain(new_due.keys()).collect();
        for name in names {
            let (o, n) = (old_due.get(name), new_due.get(name));
            if o == n {
                continue;
            }
            changed = true;
            let entry = timers.entry(name.clone()).or_default();
            entry.0 += 1;
            if entry.1.len() < examples {
                let shift = match (o, n) {
                    (Some(o), Some(n)) if n >= o => Some(format!("+{}", format_duration(*n - *o))),
                    (Some(o), Some(n)) => Some(format!("-{}", format_duration(*o - *n))),
                    _ => None,
                };
                entry.1.push(DeadlineExample { case: id.clone(), old: o.map(format), new: n.map(format), shift });
            }
        }
        if new.table.statuses[moved.status].terminal.is_some() {
            changed = true;
            p.closed.push(id.clone());
        }
        if moved.stuck().is_some() {
            changed = true;
            p.stopped.push(id.clone());
        }
        p.affected += usize::from(changed);
    }
    p.statuses =
        moves.into_iter().map(|((from, to), (cases, examples))| StatusMove { from, to, cases, examples }).collect();
    p.deadlines = timers
        .into_iter()
        .map(|(timer, (cases, examples))| {
            let rule = new
                .table
                .timers
                .iter()
                .position(|t| t.name == timer)
                .map_or(TimerRule::Recompute, |i| plan.timer_rules[i]);
            DeadlineMove { timer, rule, cases, examples }
        })
        .collect();
    p
}
