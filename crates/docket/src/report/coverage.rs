//! `docket test --coverage`: what the scenarios of one policy exercised, from the engine's
//! [`Coverage`] and the policy's table and text. Items are the statuses (entered), the rules
//! (taken: action rules, timer rules and automatic transitions, each counted once however many
//! statuses inherit it), the timers armed anywhere (fired) and the SLA deadlines (`deadline NAME`
//! lines, breached); the percentage is of those. Guards seen both true and false are reported
//! beside it, not in it. Every rule number cited in a comment on an item's line, or in the comment
//! lines right above it (`# R4`, `## E3: ...`, `# S10`), is reported with the items citing it.

use crate::compile::table::*;
use crate::eval::coverage::Coverage;
use crate::span::SourceFile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One policy's coverage.
#[derive(Debug, Serialize, PartialEq)]
pub struct PolicyCoverage {
    /// The policy file.
    pub policy: String,
    /// Its version string, if it has one.
    pub version: Option<String>,
    /// How many scenarios ran it.
    pub scenarios: usize,
    /// Items covered, of `total`.
    pub covered: usize,
    /// Statuses, rules, armed timers and SLA deadlines.
    pub total: usize,
    /// `covered` of `total`, in percent (100 when there is nothing to cover).
    pub percent: f64,
    /// Statuses entered.
    pub statuses: Part,
    /// Rules taken.
    pub rules: Part,
    /// Timers that fired.
    pub timers: Part,
    /// SLA deadlines breached.
    pub sla: Part,
    /// Guarded rules whose condition was seen both true and false.
    pub guards: Guards,
    /// Timers no status arms (read in conditions only, as a duration): nothing to fire.
    pub not_armed: Vec<String>,
    /// Per rule number cited in the comments of the policy's items.
    pub rule_numbers: Vec<RuleNumber>,
    /// Rule numbers cited only on lines with no status, rule, timer or SLA deadline (a field, an
    /// action, an `on entry`, a comment of its own): not measured, with those lines.
    pub unmeasured: Vec<Unmeasured>,
}

/// A rule number no item cites.
#[derive(Debug, Serialize, PartialEq)]
pub struct Unmeasured {
    /// The number as written.
    pub rule: String,
    /// The lines citing it.
    pub lines: Vec<usize>,
}

/// One kind of item: how many were covered, and the ones that were not.
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Part {
    /// Covered.
    pub covered: usize,
    /// Of.
    pub total: usize,
    /// The items not covered.
    pub missing: Vec<Item>,
}

/// A coverable item of a policy.
#[derive(Debug, Serialize, PartialEq, Clone)]
pub struct Item {
    /// `status`, `rule`, `timer` or `sla`.
    pub kind: &'static str,
    /// Its name or its text: a status path, a rule as written (first line), a timer's name, the
    /// SLA's timer and status.
    pub what: String,
    /// Its line in the policy.
    pub line: usize,
}

/// The guards of guarded rules, by what was seen of them.
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Guards {
    /// Seen both true and false.
    pub both: usize,
    /// Guarded rules.
    pub total: usize,
    /// Seen true only.
    pub only_true: Vec<Item>,
    /// Seen false only.
    pub only_false: Vec<Item>,
    /// Never looked at.
    pub never: Vec<Item>,
}

/// A rule number (`R4`) and the items whose lines cite it.
#[derive(Debug, Serialize, PartialEq)]
pub struct RuleNumber {
    /// The number as written.
    pub rule: String,
    /// Items citing it that were covered.
    pub covered: usize,
    /// Items citing it.
    pub total: usize,
    /// Those not covered.
    pub missing: Vec<Item>,
}

/// Rule numbers in a comment: a capital letter and digits, as a word (`R4`, `E12`, `S3`).
pub fn rule_numbers(comment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = comment.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        if starts_word && chars[i].is_ascii_uppercase() {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let ends_word = j == chars.len() || !chars[j].is_alphanumeric();
            if j > i + 1 && ends_word {
                out.push(chars[i..j].iter().collect());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The rule numbers cited for the item on a line: in the comment at its end, and in the comment
/// lines right above it.
fn cited(file: &SourceFile, line: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(c) = file.trailing_comment(line) {
        out.extend(rule_numbers(c));
    }
    let mut above = line.saturating_sub(1);
    while above >= 1 {
        let text = file.line_text(above).trim();
        if !text.starts_with('#') {
            break;
        }
        out.extend(rule_numbers(text.trim_start_matches('#')));
        above -= 1;
    }
    out
}

/// The line of a declaration itself, past the doc comments its span begins with.
pub fn code_line(file: &SourceFile, line: usize) -> usize {
    let mut l = line.max(1);
    let last = file.text.lines().count();
    while l < last && file.line_text(l).trim_start().starts_with('#') {
        l += 1;
    }
    l
}

/// `R2` before `R10`: by letter, then number.
fn rule_order(r: &str) -> (String, u64) {
    let letters: String = r.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let number = r[letters.len()..].parse().unwrap_or(0);
    (letters, number)
}

/// A rule as written, on one line: its first line without its comment, and `{ ... }` for effects
/// written on the lines after it.
fn rule_text(file: &SourceFile, tr: &Transition) -> String {
    let line = file.line_text(tr.line);
    let mut in_string = false;
    let code = line
        .char_indices()
        .find(|&(_, c)| {
            if c == '"' {
                in_string = !in_string;
            }
            c == '#' && !in_string
        })
        .map_or(line, |(i, _)| &line[..i])
        .trim();
    match code.strip_suffix('{') {
        Some(head) => format!("{} {{ ... }}", head.trim_end()),
        None => code.to_string(),
    }
}

fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        return 100.0;
    }
    // One decimal, rounded down, so a run short of everything never reads 100.0.
    ((covered * 1000 / total) as f64) / 10.0
}

/// Build one policy's coverage from what its scenarios covered.
pub fn build(
    policy: &str,
    table: &TransitionTable,
    file: &SourceFile,
    coverage: &Coverage,
    scenarios: usize,
) -> PolicyCoverage {
    // Every item, once, with whether it was covered.
    let mut items: Vec<(Item, bool)> = Vec::new();
    let mut statuses = Part::default();
    for (id, s) in table.statuses.iter().enumerate() {
        let item = Item { kind: "status", what: s.path.clone(), line: code_line(file, s.line) };
        tally(&mut statuses, &mut items, item, coverage.entered.contains(&id));
    }
    // Rules by the start of their text: an inherited rule is one rule.
    let mut rules_seen: BTreeMap<usize, &Transition> = BTreeMap::new();
    let mut sla_seen: BTreeMap<usize, (&ArmedTimer, StatusId)> = BTreeMap::new();
    let mut armed: BTreeSet<TimerId> = BTreeSet::new();
    for s in &table.statuses {
        for (_, list) in &s.actions {
            for tr in list {
                rules_seen.entry(tr.span.start).or_insert(tr);
            }
        }
        for tr in &s.automatic {
            rules_seen.entry(tr.span.start).or_insert(tr);
        }
        for a in &s.timers {
            armed.insert(a.timer);
            match &a.effect {
                TimerEffect::Move(list) => {
                    for tr in list {
                        rules_seen.entry(tr.span.start).or_insert(tr);
                    }
                }
                TimerEffect::Sla => {
                    sla_seen.entry(a.span.start).or_insert((a, a.owner));
                }
            }
        }
    }
    let mut rules = Part::default();
    let mut guards = Guards::default();
    for (start, tr) in &rules_seen {
        let item = Item { kind: "rule", what: rule_text(file, tr), line: tr.line };
        if tr.guard.is_some() {
            guards.total += 1;
            match (coverage.guard_true.contains(start), coverage.guard_false.contains(start)) {
                (true, true) => guards.both += 1,
                (true, false) => guards.only_true.push(item.clone()),
                (false, true) => guards.only_false.push(item.clone()),
                (false, false) => guards.never.push(item.clone()),
            }
        }
        tally(&mut rules, &mut items, item, coverage.taken.contains(start));
    }
    let mut timers = Part::default();
    for &t in &armed {
        let def = &table.timers[t];
        let item = Item { kind: "timer", what: def.name.clone(), line: def.line };
        tally(&mut timers, &mut items, item, coverage.fired.contains(&t));
    }
    let not_armed =
        table.timers.iter().enumerate().filter(|(i, _)| !armed.contains(i)).map(|(_, d)| d.name.clone()).collect();
    let mut sla = Part::default();
    for (start, (a, owner)) in &sla_seen {
        let what = format!("{} in {}", table.timers[a.timer].name, table.statuses[*owner].path);
        let item = Item { kind: "sla", what, line: a.line };
        tally(&mut sla, &mut items, item, coverage.breached.contains(start));
    }
    let mut numbers: BTreeMap<String, (usize, usize, Vec<Item>)> = BTreeMap::new();
    for (item, covered) in &items {
        for n in cited(file, item.line) {
            let entry = numbers.entry(n).or_default();
            entry.1 += 1;
            if *covered {
                entry.0 += 1;
            } else {
                entry.2.push(item.clone());
            }
        }
    }
    let mut numbered: Vec<RuleNumber> = numbers
        .into_iter()
        .map(|(rule, (covered, total, missing))| RuleNumber { rule, covered, total, missing })
        .collect();
    numbered.sort_by_key(|r| rule_order(&r.rule));
    let mut unmeasured: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for line in 1..=file.text.lines().count() {
        for n in file.trailing_comment(line).map(rule_numbers).unwrap_or_default() {
            if !numbered.iter().any(|r| r.rule == n) {
                unmeasured.entry(n).or_default().push(line);
            }
        }
    }
    let mut unmeasured: Vec<Unmeasured> =
        unmeasured.into_iter().map(|(rule, lines)| Unmeasured { rule, lines }).collect();
    unmeasured.sort_by_key(|u| rule_order(&u.rule));
    let covered = items.iter().filter(|(_, c)| *c).count();
    PolicyCoverage {
        policy: policy.to_string(),
        version: table.version.clone(),
        scenarios,
        covered,
        total: items.len(),
        percent: percent(covered, items.len()),
        statuses,
        rules,
        timers,
        sla,
        guards,
        not_armed,
        rule_numbers: numbered,
        unmeasured,
    }
}

fn tally(part: &mut Part, items: &mut Vec<(Item, bool)>, item: Item, covered: bool) {
    part.total += 1;
    if covered {
        part.covered += 1;
    } else {
        part.missing.push(item.clone());
    }
    items.push((item, covered));
}

/// One kind of item's line, and the items of it not covered.
fn part(out: &mut String, title: &str, p: &Part) {
    out.push_str(&format!("  {title:<24}{}\n", of(p.covered, p.total)));
    for m in &p.missing {
        out.push_str(&format!("    not covered: line {}: {}\n", m.line, m.what));
    }
}

/// `line 4`, `lines 4, 9`.
fn lines_text(lines: &[usize]) -> String {
    let list: Vec<String> = lines.iter().map(usize::to_string).collect();
    format!("line{} {}", if lines.len() == 1 { "" } else { "s" }, list.join(", "))
}

/// `12 of 14`.
fn of(covered: usize, total: usize) -> String {
    format!("{covered} of {total}")
}

/// Coverage as text for people.
pub fn render_text(c: &PolicyCoverage) -> String {
    let version = c.version.as_ref().map(|v| format!(" (version {v})")).unwrap_or_default();
    let mut out = format!(
        "coverage of {}{version} by {} scenario(s): {:.1}% ({} of {} items)\n",
        c.policy, c.scenarios, c.percent, c.covered, c.total
    );
    part(&mut out, "statuses entered", &c.statuses);
    part(&mut out, "rules taken", &c.rules);
    part(&mut out, "timers fired", &c.timers);
    if !c.not_armed.is_empty() {
        out.push_str(&format!("    (armed by no status, read in conditions only: {})\n", c.not_armed.join(", ")));
    }
    part(&mut out, "SLA deadlines breached", &c.sla);
    let g = &c.guards;
    out.push_str(&format!("  {:<24}{}\n", "guards true and false", of(g.both, g.total)));
    for (label, list) in [("only true", &g.only_true), ("only false", &g.only_false), ("never seen", &g.never)] {
        for i in list {
            out.push_str(&format!("    {label}: line {}: {}\n", i.line, i.what));
        }
    }
    if !c.rule_numbers.is_empty() {
        let full = c.rule_numbers.iter().filter(|r| r.covered == r.total).count();
        out.push_str(&format!("  {:<24}{} of {} fully covered\n", "rule numbers", full, c.rule_numbers.len()));
        let list: Vec<String> =
            c.rule_numbers.iter().map(|r| format!("{} {}/{}", r.rule, r.covered, r.total)).collect();
        // Wrapped at about 100 columns.
        let mut row = String::from("   ");
        for entry in list {
            if row.len() + entry.len() + 2 > 100 {
                out.push_str(&format!("{row}\n"));
                row = String::from("   ");
            }
            row.push_str(&format!(" {entry}"));
        }
        out.push_str(&format!("{row}\n"));
        for r in c.rule_numbers.iter().filter(|r| r.covered < r.total) {
            let lines: Vec<usize> = r.missing.iter().map(|m| m.line).collect();
            out.push_str(&format!("    {} not fully covered: {}\n", r.rule, lines_text(&lines)));
        }
    }
    if !c.unmeasured.is_empty() {
        let list: Vec<String> = c.unmeasured.iter().map(|u| format!("{} ({})", u.rule, lines_text(&u.lines))).collect();
        out.push_str(&format!("    cited on lines with no status, rule or timer, not measured: {}\n", list.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_numbers_are_capital_letters_and_digits_as_words() {
        assert_eq!(rule_numbers(" R4: the seller has 5 days"), ["R4"]);
        assert_eq!(rule_numbers("R1, R25"), ["R1", "R25"]);
        assert_eq!(rule_numbers("E3 and S10; not R or 4R or AR2 or R2b"), ["E3", "S10"]);
        assert_eq!(rule_numbers("(R6, R15)"), ["R6", "R15"]);
        assert!(rule_order("R2") < rule_order("R10"));
        assert_eq!(percent(2, 3), 66.6);
        assert_eq!(percent(999, 1000), 99.9);
        assert_eq!(percent(0, 0), 100.0);
    }
}
