//! The check `docket fmt` runs on its own output before writing it: the formatted text must parse
//! to the same policy and keep every comment beside the same declaration.
//!
//! Meaning is compared twice: the syntax trees without their positions (this works for a policy
//! that parses but does not check), and, when the original compiles, the compiled meaning
//! `docket diff` compares (`compile::meaning`). Comments are compared by what they are attached
//! to, a rule that reads the text and the tree and knows nothing of how the printer works:
//!
//! - a doc comment (`##`) documents the declaration that follows it;
//! - a comment inside a declaration's code (between a rule's first word and its last brace, in a
//!   roles list, in a status's head up to its `{`) belongs to that declaration;
//! - a comment after code on its line belongs to the last declaration that starts before it;
//! - a comment on a line of its own belongs to the next declaration, or to the end of the file.
//!
//! Declarations here are the lines of a policy: the header's lines, each `roles` and `outcomes`
//! line, each block's opening line (`timers {`), each timer, field, action, calendar and calendar
//! setting, each status's head, and each rule, `deadline` and `on entry` of a status.

use super::source::Source;
use super::{block_open, body_open, empty_blocks_of, entries, groups, item_end, item_start, outcome_end};
use crate::ast::*;
use std::collections::BTreeMap;

/// Why the formatted text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The formatted text does not parse.
    Unparsable {
        /// The syntax error, in words, with its line in the formatted text.
        message: String,
    },
    /// It parses to a different policy.
    Meaning {
        /// What differs, in words.
        what: String,
    },
    /// A comment would end up beside another declaration, or be lost.
    Comment {
        /// The comment.
        text: String,
        /// Its line in the original.
        line: usize,
        /// The declaration it is attached to in the original.
        from: String,
        /// The declaration it would be attached to; `None` when the formatted text lost it.
        to: Option<String>,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Unparsable { message } => write!(f, "the formatted text would not parse: {message}"),
            Refusal::Meaning { what } => write!(f, "the formatted text would mean something else: {what}"),
            Refusal::Comment { text, line, from, to: Some(to) } => {
                write!(f, "the comment `{text}` (line {line}) would move from {from} to {to}")
            }
            Refusal::Comment { text, line, from, to: None } => {
                write!(f, "the comment `{text}` (line {line}) on {from} would be lost")
            }
        }
    }
}

/// A line-starting declaration: where its code starts and ends, and what to call it.
struct Anchor {
    start: usize,
    end: usize,
    name: String,
}

/// Every declaration of a policy, by where it starts.
fn anchors(src: &Source<'_>, p: &Policy) -> Vec<Anchor> {
    let mut out = Vec::new();
    let mut add = |start: usize, end: usize, name: String| out.push(Anchor { start, end: end.max(start), name });
    let start = src.keyword_before(p.name.span.start, "policy").unwrap_or(p.name.span.start);
    let title_end = src.string_end(p.name.span.end);
    add(start, title_end, "the policy header".into());
    if p.version.is_some() {
        let at = src.next_code(title_end);
        add(at, src.string_end(at + "version".len()), "the `version` line".into());
    }
    if let Some((_, span)) = &p.effective {
        let at = src.keyword_before(span.start, "effective").unwrap_or(span.start);
        add(at, span.end, "the `effective` line".into());
    }
    for g in groups(src, &p.roles, |r| (r.span.start, r.span.end), Some(b',')) {
        let (first, last) = (&p.roles[g.start], &p.roles[g.end - 1]);
        let names: Vec<&str> = p.roles[g].iter().map(|r| r.name.as_str()).collect();
        let at = src.keyword_before(first.span.start, "roles").unwrap_or(first.span.start);
        add(at, last.span.end, format!("`roles {}`", names.join(", ")));
    }
    for g in groups(src, &p.outcomes, |o| (o.name.span.start, outcome_end(src, o)), Some(b',')) {
        let (first, last) = (&p.outcomes[g.start], &p.outcomes[g.end - 1]);
        let names: Vec<&str> = p.outcomes[g].iter().map(|o| o.name.name.as_str()).collect();
        let at = src.keyword_before(first.name.span.start, "outcomes").unwrap_or(first.name.span.start);
        add(at, outcome_end(src, last), format!("`outcomes {}`", names.join(", ")));
    }
    for c in &p.calendars {
        let start = src.next_code(c.span.start);
        add(start, src.next_code(c.name.span.end) + 1, format!("calendar `{}`", c.name.name));
        let mut items: Vec<(crate::span::Span, &str)> = Vec::new();
        items.extend(c.zone.as_ref().map(|(_, s)| (*s, "zone")));
        items.extend(c.weekend.as_ref().map(|(_, s)| (*s, "weekend")));
        items.extend(c.holidays.as_ref().map(|(_, s)| (*s, "holidays")));
        items.extend(c.hours.as_ref().map(|(_, _, s)| (*s, "hours")));
        for (span, what) in items {
            add(span.start, src.code_end(span.start, span.end), format!("the `{what}` of calendar `{}`", c.name.name));
        }
    }
    for b in empty_blocks_of(src, p) {
        add(b.start, b.close + 1, format!("an empty `{}` block", b.keyword));
    }
    let mut block = |keyword: &str, kind: &str, list: Vec<(usize, usize, String)>| {
        let bounds: Vec<(usize, usize)> = list.iter().map(|(s, e, _)| (*s, *e)).collect();
        for g in groups(src, &bounds, |b| *b, None) {
            let (at, brace) = block_open(src, bounds[g.start].0, keyword);
            add(at, brace + 1, format!("the `{keyword}` block of `{}`", list[g.start].2));
            for (s, e, name) in &list[g] {
                add(src.next_code(*s), src.code_end(*s, *e), format!("{kind} `{name}`"));
            }
        }
    };
    block("timers", "timer", p.timers.iter().map(|t| (t.span.start, t.span.end, t.name.name.clone())).collect());
    block("fields", "field", p.fields.iter().map(|f| (f.span.start, f.span.end, f.name.name.clone())).collect());
    block(
        "actions",
        "action",
        p.actions.iter().map(|a| (a.span.start, a.span.end, format!("{} {}", a.role.name, a.name.name))).collect(),
    );
    let mut stack: Vec<(&StatusDecl, String)> = p.statuses.iter().rev().map(|s| (s, s.name.name.clone())).collect();
    while let Some((s, path)) = stack.pop() {
        let start = src.next_code(s.span.start);
        match body_open(src, s) {
            Some(open) => add(start, open + 1, format!("status `{path}`")),
            None => add(start, src.code_end(s.span.start, s.span.end), format!("status `{path}`")),
        }
        for (n, item) in s.items.iter().enumerate() {
            let what = match item {
                StatusItem::Deadline(name) => format!("`deadline {}`", name.name),
                StatusItem::Entry(..) => "`on entry`".to_string(),
                StatusItem::Rule(r) => match &r.trigger {
                    Trigger::Action { role, action } => format!("`{} {}`", role.name, action.name),
                    Trigger::Timer(t) => format!("`after {}`", t.name),
                    Trigger::Automatic => "an automatic rule".to_string(),
                },
            };
            add(item_start(src, item), item_end(src, item), format!("item {} ({what}) of status `{path}`", n + 1));
        }
        // Children are walked after this status's items; anchors are sorted by position below.
        let kids: Vec<&StatusDecl> = entries(src, s)
            .into_iter()
            .filter_map(|e| match e {
                super::Entry::Child(i) => s.children.get(i),
                super::Entry::Item(_) => None,
            })
            .collect();
        for child in kids.into_iter().rev() {
            stack.push((child, format!("{path}.{}", child.name.name)));
        }
    }
    out.sort_by_key(|a| a.start);
    out
}

/// Every comment of a policy with the declaration it is attached to (see the module's rules),
/// in the order written: `(comment, its line, declaration)`.
pub fn attachments(text: &str, p: &Policy) -> Vec<(String, usize, String)> {
    let src = Source::new(text);
    let anchors = anchors(&src, p);
    let after = |pos: usize| {
        let i = anchors.partition_point(|a| a.start <= pos);
        anchors.get(i).map_or_else(|| "the end of the file".to_string(), |a| a.name.clone())
    };
    let mut out = Vec::with_capacity(src.comments.len());
    let mut line = 1;
    let mut counted = 0;
    for c in &src.comments {
        line += text.as_bytes()[counted..c.at].iter().filter(|b| **b == b'\n').count();
        counted = c.at;
        let i = anchors.partition_point(|a| a.start <= c.at);
        let before = i.checked_sub(1).map(|k| &anchors[k]);
        let name = if c.is_doc() {
            after(c.at)
        } else if let Some(a) = before.filter(|a| c.at < a.end) {
            a.name.clone()
        } else if src.is_trailing(c)
            && let Some(a) = before
        {
            a.name.clone()
        } else {
            after(c.at)
        };
        out.push((c.text.clone(), line, name));
    }
    out
}

/// Check that `formatted` says what `original` (parsed as `ast`) says and keeps its comments
/// where they were; files a calendar names are read with `read`.
pub fn verify(original: &str, ast: &Policy, formatted: &str, read: crate::check::ReadFile) -> Result<(), Refusal> {
    let again = crate::syntax::parse(formatted).map_err(|d| {
        let line = Source::new(formatted).line_of(d.span.start);
        Refusal::Unparsable { message: format!("{} (line {line} of the formatted text)", d.message) }
    })?;
    same_tree(ast, &again)?;
    same_comments(&attachments(original, ast), &attachments(formatted, &again))?;
    same_meaning(original, formatted, read)
}

/// The syntax trees, compared without their positions and without what is only layout: whether
/// a status with nothing in it was written with an empty `{ }` (fmt leaves that out).
fn same_tree(a: &Policy, b: &Policy) -> Result<(), Refusal> {
    let shape = |p: &Policy| without_spans(&format!("{p:?}")).replace("has_body: true", "has_body: false");
    let (x, y) = (shape(a), shape(b));
    if x == y {
        return Ok(());
    }
    let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
    let near = |s: &str| {
        let from = s.floor_char_boundary(at.saturating_sub(60));
        let to = s.floor_char_boundary((at + 60).min(s.len()));
        s[from..to].to_string()
    };
    Err(Refusal::Meaning { what: format!("the syntax tree differs: `{}` became `{}`", near(&x), near(&y)) })
}

/// A tree's debug text with every `Span { start: N, end: M }` taken out.
fn without_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match rest.find('}') {
            Some(close) => rest = &rest[close + 1..],
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Every comment attached to the same declaration, in the same order.
fn same_comments(before: &[(String, usize, String)], after: &[(String, usize, String)]) -> Result<(), Refusal> {
    let by_anchor = |list: &[(String, usize, String)]| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (text, _, anchor) in list {
            map.entry(anchor.clone()).or_default().push(text.clone());
        }
        map
    };
    let (old, new) = (by_anchor(before), by_anchor(after));
    if old == new {
        return Ok(());
    }
    for (text, line, anchor) in before {
        let kept = new.get(anchor).is_some_and(|list| list.contains(text));
        if !kept || new.get(anchor) != old.get(anchor) {
            let to = after.iter().find(|(t, _, a)| t == text && a != anchor).map(|(_, _, a)| a.clone());
            let to = match to {
                Some(to) => Some(to),
                None if kept => Some(format!("another place among the comments of {anchor}")),
                None => None,
            };
            return Err(Refusal::Comment { text: text.clone(), line: *line, from: anchor.clone(), to });
        }
    }
    let (text, line, anchor) =
        after.iter().find(|(t, _, a)| !old.get(a).is_some_and(|list| list.contains(t))).cloned().unwrap_or_default();
    Err(Refusal::Comment { text, line, from: "nowhere".into(), to: Some(anchor) })
}

/// The compiled meaning, compared item by item, when the original compiles.
fn same_meaning(original: &str, formatted: &str, read: crate::check::ReadFile) -> Result<(), Refusal> {
    let compile = |text: &str| {
        crate::compile_file_with(crate::span::SourceFile::new("policy", text), read).table.map(|t| {
            crate::compile::meaning::meaning(&t)
                .into_iter()
                .map(|i| crate::compile::meaning::Item { line: 0, ..i })
                .collect::<Vec<_>>()
        })
    };
    let Some(old) = compile(original) else {
        return Ok(());
    };
    let Some(new) = compile(formatted) else {
        return Err(Refusal::Meaning { what: "it would no longer check".into() });
    };
    if let Some((a, b)) = old.iter().zip(&new).find(|(a, b)| a != b) {
        return Err(Refusal::Meaning {
            what: format!(
                "{} `{}` (`{}`) became {} `{}` (`{}`)",
                a.kind.singular(),
                a.key,
                a.value,
                b.kind.singular(),
                b.key,
                b.value
            ),
        });
    }
    if old.len() != new.len() {
        return Err(Refusal::Meaning { what: format!("{} declarations became {}", old.len(), new.len()) });
    }
    Ok(())
}
