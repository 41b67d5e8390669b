//! `docket diff`: what a policy change means, and which cases it changes.
//!
//! Declarations are matched by name (see `compile::meaning`), so reordering, reformatting and
//! comments are no change. The impact on a case log is found by replaying it under both policies
//! side by side and comparing each case after every event.

use crate::compile::meaning::{Item, Kind, meaning};
use crate::compile::table::TransitionTable;
use crate::eval::engine::CaseState;
use crate::eval::event::Event;
use crate::eval::log::{EventSink, LogRun};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only in the new policy.
    Added,
    /// Only in the old policy.
    Removed,
    /// In both, saying something else.
    Changed,
}

/// One declaration that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Kind of declaration.
    pub kind: Kind,
    /// Its name.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// What the old policy says.
    pub old: Option<String>,
    /// What the new policy says.
    pub new: Option<String>,
    /// Line in the old file.
    pub old_line: Option<usize>,
    /// Line in the new file.
    pub new_line: Option<usize>,
    /// The comment on the declaration's line (rule numbers live there), new side first.
    pub note: Option<String>,
}

/// Rename names of the old policy before matching (`--rename old=new`): whole words, or a whole
/// dotted status path. All renames apply at once, in one pass over the text: a name is replaced at
/// most once, whatever the renames say of each other (`a=b` with `b=a` swaps), so the result grows
/// with the text, never with the number of renames.
fn rename(text: &str, renames: &[(String, String)]) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    // The first rename of a name wins.
    let mut map: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (from, to) in renames {
        map.entry(from.as_str()).or_insert(to.as_str());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !is_word(c) {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        // A dotted name: `a.b.c`. The longest renamed prefix ending at a whole segment is
        // replaced; the rest is kept as written.
        let len = rest.find(|c: char| !is_word(c) && c != '.').unwrap_or(rest.len());
        let token = rest[..len].trim_end_matches('.');
        let mut cut = token.len();
        let replaced = loop {
            if let Some(to) = map.get(&token[..cut]) {
                break Some((cut, *to));
            }
            match token[..cut].rfind('.') {
                Some(dot) => cut = dot,
                None => break None,
            }
        };
        match replaced {
            Some((cut, to)) => {
                out.push_str(to);
                out.push_str(&token[cut..]);
            }
            None => out.push_str(token),
        }
        rest = &rest[token.len()..];
    }
    out
}

/// Compare two policies' declarations. `notes` give the comment on a line of the old and new file.
pub fn compare(
    old: &TransitionTable,
    new: &TransitionTable,
    renames: &[(String, String)],
    old_note: impl Fn(usize) -> Option<String>,
    new_note: impl Fn(usize) -> Option<String>,
) -> Vec<Change> {
    let key = |i: &Item| (i.kind, i.key.clone());
    let old_items: BTreeMap<(Kind, String), Item> = meaning(old)
        .into_iter()
        .map(|i| Item { key: rename(&i.key, renames), value: rename(&i.value, renames), ..i })
        .map(|i| (key(&i), i))
        .collect();
    let new_items: BTreeMap<(Kind, String), Item> = meaning(new).into_iter().map(|i| (key(&i), i)).collect();
    let mut changes = Vec::new();
    for (k, o) in &old_items {
        match new_items.get(k) {
            None => changes.push(Change {
                kind: o.kind,
                key: o.key.clone(),
                change: ChangeKind::Removed,
                old: Some(o.value.clone()),
                new: None,
                old_line: line(o),
                new_line: None,
                note: line(o).and_then(&old_note),
            }),
            Some(n) if n.value != o.value => changes.push(Change {
                kind: o.kind,
                key: o.key.clone(),
                change: ChangeKind::Changed,
                old: Some(o.value.clone()),
                new: Some(n.value.clone()),
                old_line: line(o),
                new_line: line(n),
                note: line(n).and_then(&new_note).or_else(|| line(o).and_then(&old_note)),
            }),
            Some(_) => {}
        }
    }
    for (k, n) in &new_items {
        if !old_items.contains_key(k) {
            changes.push(Change {
                kind: n.kind,
                key: n.key.clone(),
                change: ChangeKind::Added,
                old: None,
                new: Some(n.value.clone()),
                old_line: None,
                new_line: line(n),
                note: line(n).and_then(&new_note),
            });
        }
    }
    changes.sort_by(|a, b| (a.kind, &a.key, a.change).cmp(&(b.kind, &b.key, b.change)));
    changes
}

fn line(i: &Item) -> Option<usize> {
    (i.line > 0).then_some(i.line)
}

/// One case whose result differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Case id.
    pub case: String,
    /// Under the old policy.
    pub old: String,
    /// Under the new policy.
    pub new: String,
    /// The first log line after which the two differ; `None` when a timer after the last event
    /// made the difference.
    pub first_divergence: Option<usize>,
}

/// How many cases differ in one respect, with examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImpactKind {
    /// Cases that differ.
    pub cases: usize,
    /// Up to N of them.
    pub examples: Vec<Example>,
}

/// What a change does to a case log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// Cases in the log.
    pub cases: usize,
    /// Events read.
    pub events: usize,
    /// Cases that differ in any respect below.
    pub changed_cases: usize,
    /// Different status.
    pub status: ImpactKind,
    /// Different outcome kind.
    pub outcome: ImpactKind,
    /// Different refund (outcome) amount.
    pub amount: ImpactKind,
    /// Different pending deadlines.
    pub deadlines: ImpactKind,
}

/// A side-by-side replay of one log under two policies.
pub struct Replay<'t> {
    old: LogRun<'t>,
    new: LogRun<'t>,
    /// The first log line after which each case differs (by case index).
    divergence: Vec<Option<usize>>,
}

impl<'t> Replay<'t> {
    /// Start a replay.
    pub fn new(old: &'t TransitionTable, new: &'t TransitionTable, now: Option<DateTime<Utc>>) -> Self {
        Self::with_runs(LogRun::new(old, false, now), LogRun::new(new, false, now))
    }

    /// A replay of two runs side by side, such as the old policy alone against the old and new
    /// versions with each case pinned to the one in effect when it began.
    pub fn with_runs(mut old: LogRun<'t>, mut new: LogRun<'t>) -> Self {
        // Outcome amounts are read from fields, so closed cases keep theirs.
        old.compact_closed = false;
        new.compact_closed = false;
        Replay { old, new, divergence: Vec::new() }
    }

    /// Feed one event to both sides and note where a case first differs.
    pub fn feed(&mut self, event: &Event) {
        let (a, b) = (self.old.feed(event), self.new.feed(event));
        if let (Some(i), Some(_)) = (a, b) {
            if self.divergence.len() <= i {
                self.divergence.resize(i + 1, None);
            }
            if self.divergence[i].is_none() && !same_state(&self.old, &self.new, i) {
                self.divergence[i] = Some(event.line);
            }
        }
    }

    /// Finish both runs and count the differences, with up to `examples` case ids per kind.
    pub fn impact(mut self, examples: usize) -> Impact {
        self.old.finish();
        self.new.finish();
        let mut impact = Impact { cases: self.old.cases.len(), events: self.old.events, ..Impact::default() };
        for i in 0..self.old.cases.len() {
            let (o, n) = (&self.old.cases[i], &self.new.cases[i]);
            let first = self.divergence.get(i).copied().flatten();
            let mut differs = false;
            let mut note = |kind: &mut ImpactKind, old: String, new: String| {
                if old != new {
                    differs = true;
                    kind.cases += 1;
                    if kind.examples.len() < examples {
                        kind.examples.push(Example { case: o.id.to_string(), old, new, first_divergence: first });
                    }
                }
            };
            note(&mut impact.status, path(&self.old, o), path(&self.new, n));
            let (oo, no) = (outcome(&self.old, o), outcome(&self.new, n));
            note(&mut impact.outcome, oo.0, no.0);
            note(&mut impact.amount, oo.1, no.1);
            note(&mut impact.deadlines, deadlines(&self.old, o), deadlines(&self.new, n));
            if differs {
                impact.changed_cases += 1;
            }
        }
        impact
    }
}

fn path(run: &LogRun, c: &CaseState) -> String {
    run.engine(c).table.statuses[c.status].path.clone()
}

/// Outcome kind and amount, as text (`-` for an open case).
fn outcome(run: &LogRun, c: &CaseState) -> (String, String) {
    match crate::report::case::outcome(run.engine(c).table, c) {
        Some(o) => (o.kind, o.amount.unwrap_or_else(|| "-".into())),
        None => ("-".into(), "-".into()),
    }
}

fn deadlines(run: &LogRun, c: &CaseState) -> String {
    let engine = run.engine(c);
    let t = engine.table;
    let list: Vec<String> = engine
        .live_pending(c)
        .iter()
        .map(|(at, armed)| format!("{} {}", t.timers[armed.timer].name, crate::eval::time::format(at)))
        .collect();
    if list.is_empty() { "none".into() } else { list.join(", ") }
}

impl EventSink for Replay<'_> {
    fn event(&mut self, event: &Event) {
        self.feed(event);
    }

    /// A malformed line counts as read on both sides.
    fn malformed(&mut self, line: usize, message: String) {
        self.old.malformed(line, message.clone());
        self.new.malformed(line, message);
    }
}

/// Whether a case stands the same under both policies: status, field values, rejections.
fn same_state(old: &LogRun, new: &LogRun, i: usize) -> bool {
    let (o, n) = (&old.cases[i], &new.cases[i]);
    let (ot, nt) = (old.engine(o).table, new.engine(n).table);
    if ot.statuses[o.status].path != nt.statuses[n.status].path || o.rejected_count != n.rejected_count {
        return false;
    }
    // Compare fields by name, as text, so enum numbering and field order do not matter.
    let fields = |t: &TransitionTable, c: &CaseState| -> BTreeMap<String, String> {
        t.fields.iter().zip(&c.fields).map(|(f, v)| (f.name.clone(), t.show(v))).collect()
    };
    fields(ot, o) == fields(nt, n)
}
