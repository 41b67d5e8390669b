//! `docket fmt`: print a policy in one canonical layout, keeping every comment and doc comment.
//!
//! The layout comes from the AST; comments come from the source text by position. Declarations are
//! printed in the order they are written (a second `roles` line stays a second line, a child status
//! written before its parent's rules stays before them), so the printed lines follow the source
//! and each comment is printed where the source put it: comments before a line's code on their
//! own lines above it, a comment inside its code or at the end of its last source line trailing it
//! (several: the last trails, the others go above), a comment after a closing brace trailing that
//! brace. A blank line between two constructs in the source is kept (at most one); top-level
//! declarations and nested statuses are always separated by one. Trailing comments of consecutive
//! lines are aligned.
//!
//! [`format_checked`] is what `docket fmt` runs: it formats, then re-reads its own output and
//! refuses it unless it parses to the same policy (the same syntax tree, and the same compiled
//! meaning when the policy checks) with every comment attached to the same declaration
//! (`guard.rs`).

mod guard;
mod source;

pub use guard::{Refusal, attachments, verify};

use crate::ast::*;
use crate::span::Span;
use source::Source;

/// How far trailing comments may be pushed right to align them.
const ALIGN_LIMIT: usize = 72;
/// Effects longer than this are printed one per line.
const LINE_LIMIT: usize = 100;

/// Format a policy; `Err` carries the syntax error when it does not parse. This is the printer
/// alone: [`format_checked`] adds the check that the output means the same.
pub fn format(text: &str) -> Result<String, crate::diag::Diagnostic> {
    let ast = crate::syntax::parse(text)?;
    Ok(print(text, &ast))
}

/// Why [`format_checked`] gives no text.
#[derive(Debug)]
pub enum FormatError {
    /// The policy does not parse.
    Syntax(crate::diag::Diagnostic),
    /// The formatted text would not mean the same or would move a comment.
    Refused(Refusal),
}

/// Format a policy and check the result before handing it back: it must parse to the same
/// syntax tree, compile to the same meaning when the original compiles (files a calendar names
/// are read with `read`), and keep every comment beside the declaration it was beside.
pub fn format_checked(text: &str, read: crate::check::ReadFile) -> Result<String, FormatError> {
    let ast = crate::syntax::parse(text).map_err(FormatError::Syntax)?;
    let out = print(text, &ast);
    if out != text {
        verify(text, &ast, &out, read).map_err(FormatError::Refused)?;
    }
    Ok(out)
}

fn print(text: &str, ast: &Policy) -> String {
    let mut p = Printer::new(text);
    p.policy(ast);
    p.finish()
}

/// Consecutive runs of `items` written in one declaration: items `i` and `i + 1` belong together
/// when nothing but `sep` (or nothing, for `None`) lies between them, apart from whitespace and
/// comments. `bounds` gives an item's first and one-past-last byte.
pub(crate) fn groups<T>(
    src: &Source<'_>,
    items: &[T],
    bounds: impl Fn(&T) -> (usize, usize),
    sep: Option<u8>,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut first = 0;
    for i in 1..=items.len() {
        let joined = i < items.len() && {
            let (_, end) = bounds(&items[i - 1]);
            let (start, _) = bounds(&items[i]);
            let next = src.next_code(end);
            match sep {
                None => next >= start,
                Some(b) => next < start && src.text.as_bytes()[next] == b && src.next_code(next + 1) >= start,
            }
        };
        if !joined {
            out.push(first..i);
            first = i;
        }
    }
    out
}

/// Where an outcome's declaration ends: after its `)` when it carries an amount.
pub(crate) fn outcome_end(src: &Source<'_>, o: &OutcomeDecl) -> usize {
    match &o.amount {
        Some(t) => {
            let close = src.next_code(t.span.end);
            if src.text.as_bytes().get(close) == Some(&b')') { close + 1 } else { t.span.end }
        }
        None => o.name.span.end,
    }
}

/// The first byte of a status item's code, after its doc comments.
pub(crate) fn item_start(src: &Source<'_>, item: &StatusItem) -> usize {
    match item {
        StatusItem::Deadline(name) => src.keyword_before(name.span.start, "deadline").unwrap_or(name.span.start),
        StatusItem::Entry(_, span) => src.next_code(span.start),
        StatusItem::Rule(rule) => src.next_code(rule.span.start),
    }
}

/// One past the last byte of a status item's code.
pub(crate) fn item_end(src: &Source<'_>, item: &StatusItem) -> usize {
    match item {
        StatusItem::Deadline(name) => name.span.end,
        StatusItem::Entry(_, span) => src.code_end(span.start, span.end),
        StatusItem::Rule(rule) => src.code_end(rule.span.start, rule.span.end),
    }
}

/// The `{` that opens a status's body, when it has content: the code byte before its first item
/// or child (whose doc comments are skipped as comments).
pub(crate) fn body_open(src: &Source<'_>, s: &StatusDecl) -> Option<usize> {
    let first = s
        .items
        .iter()
        .map(|i| match i {
            StatusItem::Deadline(name) => item_start(src, i).min(name.span.start),
            StatusItem::Entry(_, span) => span.start,
            StatusItem::Rule(rule) => rule.span.start,
        })
        .chain(s.children.iter().map(|c| c.span.start))
        .min()?;
    match src.code_byte_before(first) {
        Some((i, b'{')) => Some(i),
        _ => None,
    }
}

/// A status's items and children, in the order written.
pub(crate) enum Entry<'s> {
    Item(&'s StatusItem),
    Child(usize),
}

pub(crate) fn entries<'s>(src: &Source<'_>, s: &'s StatusDecl) -> Vec<Entry<'s>> {
    let mut list: Vec<(usize, Entry<'s>)> = s.items.iter().map(|i| (item_start(src, i), Entry::Item(i))).collect();
    list.extend(s.children.iter().enumerate().map(|(i, c)| (c.span.start, Entry::Child(i))));
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, e)| e).collect()
}

/// A top-level declaration, for printing in source order: a group of roles, outcomes, timers,
/// fields or actions written together, a calendar or a status.
enum Section {
    Roles(std::ops::Range<usize>),
    Outcomes(std::ops::Range<usize>),
    Timers(std::ops::Range<usize>),
    Fields(std::ops::Range<usize>),
    Actions(std::ops::Range<usize>),
    Calendar(usize),
    Status(usize),
    Empty(EmptyBlock),
}

/// A `timers`, `fields` or `actions` block with nothing in it, which the syntax tree does not
/// record: it is kept, since comments and doc comments may be written before or inside it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EmptyBlock {
    pub keyword: &'static str,
    pub start: usize,
    pub open: usize,
    pub close: usize,
}

/// Where each top-level declaration's code starts (its keyword) and ends.
fn extent(src: &Source<'_>, p: &Policy, section: &Section) -> (usize, usize) {
    let block =
        |first: usize, last_end: usize, keyword: &str| (block_open(src, first, keyword).0, src.next_code(last_end) + 1);
    match section {
        Section::Roles(g) => {
            let (first, last) = (&p.roles[g.start], &p.roles[g.end - 1]);
            (src.keyword_before(first.span.start, "roles").unwrap_or(first.span.start), last.span.end)
        }
        Section::Outcomes(g) => {
            let (first, last) = (&p.outcomes[g.start], &p.outcomes[g.end - 1]);
            let at = src.keyword_before(first.name.span.start, "outcomes").unwrap_or(first.name.span.start);
            (at, outcome_end(src, last))
        }
        Section::Timers(g) => block(p.timers[g.start].span.start, p.timers[g.end - 1].span.end, "timers"),
        Section::Fields(g) => block(p.fields[g.start].span.start, p.fields[g.end - 1].span.end, "fields"),
        Section::Actions(g) => block(p.actions[g.start].span.start, p.actions[g.end - 1].span.end, "actions"),
        Section::Calendar(i) => {
            let c = &p.calendars[*i];
            (src.next_code(c.span.start), src.code_end(c.span.start, c.span.end))
        }
        Section::Status(i) => {
            let s = &p.statuses[*i];
            (src.next_code(s.span.start), src.code_end(s.span.start, s.span.end))
        }
        Section::Empty(b) => (b.start, b.close + 1),
    }
}

/// Where the header's code ends: after the title, the version or the effective instant.
pub(crate) fn header_end(src: &Source<'_>, p: &Policy) -> usize {
    let mut end = src.string_end(p.name.span.end);
    if p.version.is_some() {
        end = src.string_end(src.next_code(end) + "version".len());
    }
    if let Some((_, span)) = &p.effective {
        end = end.max(span.end);
    }
    end
}

/// The empty blocks between the declarations the tree records: each gap between two of them
/// holds nothing but `KEYWORD { }` blocks, comments and whitespace.
fn empty_blocks(src: &Source<'_>, p: &Policy, known: &[(usize, Section)]) -> Vec<EmptyBlock> {
    let mut gaps = Vec::new();
    let mut from = header_end(src, p);
    for (_, section) in known {
        let (start, end) = extent(src, p, section);
        gaps.push((from, start));
        from = end;
    }
    gaps.push((from, src.text.len()));
    let mut out = Vec::new();
    for (mut at, to) in gaps {
        loop {
            let start = src.next_code(at);
            if start >= to {
                break;
            }
            let word_end =
                src.text[start..].find(|c: char| !c.is_ascii_alphabetic()).map_or(src.text.len(), |n| start + n);
            let keyword = match &src.text[start..word_end] {
                "timers" => "timers",
                "fields" => "fields",
                "actions" => "actions",
                _ => break,
            };
            let open = src.next_code(word_end);
            let close = src.next_code(open + 1);
            if src.text.as_bytes().get(open) != Some(&b'{') || src.text.as_bytes().get(close) != Some(&b'}') {
                break;
            }
            out.push(EmptyBlock { keyword, start, open, close });
            at = close + 1;
        }
    }
    out
}

/// The top-level declarations of a policy with where each starts, in source order.
fn sections(src: &Source<'_>, p: &Policy) -> Vec<(usize, Section)> {
    let mut out: Vec<(usize, Section)> = Vec::new();
    for g in groups(src, &p.roles, |r| (r.span.start, r.span.end), Some(b',')) {
        out.push((p.roles[g.start].span.start, Section::Roles(g)));
    }
    for g in groups(src, &p.outcomes, |o| (o.name.span.start, outcome_end(src, o)), Some(b',')) {
        out.push((p.outcomes[g.start].name.span.start, Section::Outcomes(g)));
    }
    for g in groups(src, &p.timers, |t| (t.span.start, t.span.end), None) {
        out.push((p.timers[g.start].span.start, Section::Timers(g)));
    }
    for g in groups(src, &p.fields, |f| (f.span.start, f.span.end), None) {
        out.push((p.fields[g.start].span.start, Section::Fields(g)));
    }
    for g in groups(src, &p.actions, |a| (a.span.start, a.span.end), None) {
        out.push((p.actions[g.start].span.start, Section::Actions(g)));
    }
    out.extend(p.calendars.iter().enumerate().map(|(i, c)| (c.span.start, Section::Calendar(i))));
    out.extend(p.statuses.iter().enumerate().map(|(i, s)| (s.span.start, Section::Status(i))));
    out.sort_by_key(|(at, _)| *at);
    let empty = empty_blocks(src, p, &out);
    out.extend(empty.into_iter().map(|b| (b.start, Section::Empty(b))));
    out.sort_by_key(|(at, _)| *at);
    out
}

/// The empty blocks of a policy, for the guard's list of declarations.
pub(crate) fn empty_blocks_of(src: &Source<'_>, p: &Policy) -> Vec<EmptyBlock> {
    sections(src, p)
        .into_iter()
        .filter_map(|(_, s)| match s {
            Section::Empty(b) => Some(b),
            _ => None,
        })
        .collect()
}

/// The `{` before the first item of a block (`timers {`), and the block's keyword before it.
pub(crate) fn block_open(src: &Source<'_>, first_item: usize, keyword: &str) -> (usize, usize) {
    match src.code_byte_before(first_item) {
        Some((brace, b'{')) => (src.keyword_before(brace, keyword).unwrap_or(brace), brace),
        _ => (first_item, first_item),
    }
}

/// One output line before alignment.
struct Line {
    indent: usize,
    code: String,
    trailing: Option<String>,
}

struct Printer<'a> {
    src: Source<'a>,
    text: &'a str,
    next: usize,
    lines: Vec<Line>,
    indent: usize,
    last_pos: usize,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        Printer { src: Source::new(text), text, next: 0, lines: vec![], indent: 0, last_pos: 0 }
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.code.is_empty() && !l.code.ends_with('{')) {
            self.lines.push(Line { indent: 0, code: String::new(), trailing: None });
        }
    }

    /// Keep one blank line where the source had one between `last_pos` and `pos`.
    fn keep_blank(&mut self, pos: usize) {
        if pos > self.last_pos {
            let gap = self.text.get(self.last_pos..pos).unwrap_or("");
            let blank = gap.split('\n').skip(1).collect::<Vec<_>>();
            if blank.len() > 1 && blank[..blank.len() - 1].iter().any(|l| l.trim().is_empty()) {
                self.blank();
            }
        }
    }

    /// Print, each on its own line, the comments not yet printed that come before `pos`.
    fn flush_before(&mut self, pos: usize) {
        while let Some(c) = self.src.comments.get(self.next).filter(|c| c.at < pos) {
            let (at, end, text) = (c.at, c.end, c.text.clone());
            self.keep_blank(at);
            self.lines.push(Line { indent: self.indent, code: text, trailing: None });
            self.next += 1;
            self.last_pos = end;
        }
    }

    /// The comments a line ending at `end` owns: those before `end`, and one after it on the same
    /// source line with no code between.
    fn take_owned(&mut self, end: usize) -> Vec<String> {
        let limit = self.src.line_end(end).min(self.src.next_code(end));
        let mut owned = Vec::new();
        while let Some(c) = self.src.comments.get(self.next).filter(|c| c.at < limit) {
            owned.push(c.text.clone());
            self.next += 1;
        }
        owned
    }

    /// A line with its owned comments: the last trails it, any others go on their own lines
    /// above it, where a second run of fmt finds them as comments before the same line.
    fn push_owned(&mut self, code: String, owned: Vec<String>) {
        let mut owned = owned;
        let trailing = owned.pop();
        for extra in owned {
            self.lines.push(Line { indent: self.indent, code: extra, trailing: None });
        }
        self.lines.push(Line { indent: self.indent, code, trailing });
    }

    /// Emit a line for the source range `range`, with its comments.
    fn emit(&mut self, range: Span, code: String) {
        self.flush_before(range.start);
        self.keep_blank(range.start);
        let end = self.src.code_end(range.start, range.end.max(range.start));
        let owned = self.take_owned(end);
        self.push_owned(code, owned);
        self.last_pos = end;
    }

    /// Close a block whose `}` is at `brace`: the comments before it go inside, a comment after it
    /// on its line trails it.
    fn close(&mut self, brace: usize) {
        self.flush_before(brace);
        self.indent = self.indent.saturating_sub(1);
        let owned = self.take_owned(brace + 1);
        self.push_owned("}".into(), owned);
        self.last_pos = brace + 1;
    }

    /// The `}` that ends the code of `start..end`.
    fn closing_brace(&self, start: usize, end: usize) -> usize {
        self.src.code_end(start, end).saturating_sub(1).max(start)
    }

    fn finish(mut self) -> String {
        self.flush_before(usize::MAX);
        while self.lines.last().is_some_and(|l| l.code.is_empty()) {
            self.lines.pop();
        }
        align(&self.lines)
    }

    fn policy(&mut self, p: &Policy) {
        let start = self.src.keyword_before(p.name.span.start, "policy").unwrap_or(p.name.span.start);
        let title_end = self.src.string_end(p.name.span.end);
        self.emit(Span::new(start, title_end), format!("policy {} {}", p.name.name, quote(&p.title)));
        if let Some(v) = &p.version {
            let at = self.src.next_code(title_end);
            let end = self.src.string_end(at + "version".len());
            self.emit(Span::new(at, end), format!("version {}", quote(v)));
        }
        if let Some((instant, span)) = &p.effective {
            let at = self.src.keyword_before(span.start, "effective").unwrap_or(span.start);
            self.emit(Span::new(at, span.end), format!("effective {instant}"));
        }
        // Top-level declarations keep the author's order and grouping, so comments stay beside them.
        let mut previous_status: Option<usize> = None;
        for (_, section) in sections(&self.src, p) {
            let status = match section {
                Section::Status(i) => Some(i),
                _ => None,
            };
            match section {
                Section::Roles(g) => self.roles(&p.roles[g]),
                Section::Outcomes(g) => self.outcomes(&p.outcomes[g]),
                Section::Calendar(i) => self.calendar(&p.calendars[i]),
                Section::Timers(g) => self.timers(&p.timers[g]),
                Section::Fields(g) => self.fields(&p.fields[g]),
                Section::Actions(g) => self.actions(&p.actions[g]),
                Section::Status(i) => {
                    let after_sibling = i > 0 && previous_status == Some(i - 1);
                    self.status_in_list(&p.statuses, i, after_sibling);
                }
                Section::Empty(b) => self.empty_block(b),
            }
            previous_status = status;
        }
    }

    fn roles(&mut self, roles: &[Ident]) {
        if let (Some(first), Some(last)) = (roles.first(), roles.last()) {
            let at = self.src.keyword_before(first.span.start, "roles").unwrap_or(first.span.start);
            self.blank();
            let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
            self.emit(Span::new(at, last.span.end), format!("roles {}", names.join(", ")));
        }
    }

    fn outcomes(&mut self, outcomes: &[OutcomeDecl]) {
        if let (Some(first), Some(last)) = (outcomes.first(), outcomes.last()) {
            let at = self.src.keyword_before(first.name.span.start, "outcomes").unwrap_or(first.name.span.start);
            self.blank();
            let list: Vec<String> = outcomes
                .iter()
                .map(|o| match &o.amount {
                    Some(t) => format!("{}({})", o.name.name, type_text(t)),
                    None => o.name.name.clone(),
                })
                .collect();
            let end = outcome_end(&self.src, last);
            self.emit(Span::new(at, end), format!("outcomes {}", list.join(", ")));
        }
    }

    fn timers(&mut self, timers: &[TimerDecl]) {
        if let (Some(first), Some(last)) = (timers.first(), timers.last()) {
            self.block(first.span.start, last.span.end, "timers", |pr| {
                let width = timers.iter().map(|t| t.name.name.len()).max().unwrap_or(0);
                for t in timers {
                    let clock = match &t.clock {
                        TimerClock::After(_) => format!("= {}", timer_clock_text(pr.text, t)),
                        TimerClock::At(_) => timer_clock_text(pr.text, t),
                    };
                    let start = pr.src.next_code(t.span.start);
                    pr.emit(Span::new(start, t.span.end), format!("{:<width$} {clock}", t.name.name));
                }
            });
        }
    }

    fn calendar(&mut self, c: &CalendarDecl) {
        let start = self.src.next_code(c.span.start);
        self.blank();
        self.flush_before(start);
        let open = self.src.next_code(c.name.span.end);
        self.emit(Span::new(start, open + 1), format!("calendar {} {{", c.name.name));
        self.indent += 1;
        let mut items: Vec<(Span, String)> = Vec::new();
        if let Some((zone, span)) = &c.zone {
            items.push((*span, format!("zone {}", quote(zone))));
        }
        if let Some((days, span)) = &c.weekend {
            let list: Vec<&str> = days.iter().map(|d| d.name.as_str()).collect();
            let text =
                if list.is_empty() { "weekend none".to_string() } else { format!("weekend {}", list.join(", ")) };
            items.push((*span, text));
        }
        if let Some((file, span)) = &c.holidays {
            items.push((*span, format!("holidays {}", quote(file))));
        }
        if let Some((open, close, span)) = &c.hours {
            items.push((*span, format!("hours {open} to {close}")));
        }
        items.sort_by_key(|(span, _)| span.start);
        for (span, text) in items {
            self.emit(span, text);
        }
        let close = self.closing_brace(c.span.start, c.span.end);
        self.close(close);
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        if let (Some(first), Some(last)) = (fields.first(), fields.last()) {
            self.block(first.span.start, last.span.end, "fields", |pr| {
                for f in fields {
                    let default = f.default.as_ref().map(|d| format!(" = {}", pr.expr(d, 0))).unwrap_or_default();
                    let start = pr.src.next_code(f.span.start);
                    pr.emit(Span::new(start, f.span.end), format!("{}: {}{default}", f.name.name, type_text(&f.ty)));
                }
            });
        }
    }

    fn actions(&mut self, actions: &[ActionDecl]) {
        if let (Some(first), Some(last)) = (actions.first(), actions.last()) {
            self.block(first.span.start, last.span.end, "actions", |pr| {
                for a in actions {
                    let params: Vec<String> = a
                        .params
                        .iter()
                        .map(|q| match &q.ty {
                            Some(t) => format!("{}: {}", q.name.name, type_text(t)),
                            None => q.name.name.clone(),
                        })
                        .collect();
                    let list = if a.params.is_empty() { String::new() } else { format!("({})", params.join(", ")) };
                    let start = pr.src.next_code(a.span.start);
                    pr.emit(Span::new(start, a.span.end), format!("{} {}{list}", a.role.name, a.name.name));
                }
            });
        }
    }

    /// A block (`timers {`, `fields {`, `actions {`) whose items run from `first_item` to
    /// `last_end`: a blank line, the comments before its keyword, the items, and its `}`.
    fn block(&mut self, first_item: usize, last_end: usize, keyword: &str, body: impl FnOnce(&mut Self)) {
        let (at, brace) = block_open(&self.src, first_item, keyword);
        self.blank();
        self.flush_before(at);
        self.emit(Span::new(at, brace + 1), format!("{keyword} {{"));
        self.indent += 1;
        body(self);
        let close = self.src.next_code(last_end);
        self.close(close);
    }

    /// An empty block, kept with the comments before and inside it: `timers {}` on one line
    /// when nothing is inside.
    fn empty_block(&mut self, b: EmptyBlock) {
        self.blank();
        self.flush_before(b.start);
        let inside = self.src.comments.get(self.next).is_some_and(|c| c.at < b.close);
        if inside {
            self.emit(Span::new(b.start, b.open + 1), format!("{} {{", b.keyword));
            self.indent += 1;
            self.close(b.close);
        } else {
            self.emit(Span::new(b.start, b.close + 1), format!("{} {{}}", b.keyword));
        }
    }

    /// A status among its siblings: separated by a blank line, except that one-line statuses
    /// written together (a run of terminal statuses) stay together.
    fn status_in_list(&mut self, list: &[StatusDecl], i: usize, after_sibling: bool) {
        let one_line = |s: &StatusDecl| s.items.is_empty() && s.children.is_empty();
        let start = self.src.next_code(list[i].span.start);
        if i == 0 || !after_sibling || !(one_line(&list[i]) && one_line(&list[i - 1])) {
            self.blank();
        }
        self.flush_before(start);
        self.status(&list[i]);
    }

    fn status(&mut self, s: &StatusDecl) {
        let mut head = String::new();
        if s.initial {
            head.push_str("initial ");
        }
        if s.terminal {
            head.push_str("terminal ");
        }
        head.push_str(&format!("status {} {}", s.name.name, quote(&s.label)));
        if let Some(o) = &s.outcome {
            head.push_str(&format!(" outcome {}", o.name.name));
            if let Some(a) = &o.amount {
                head.push_str(&format!("({})", self.expr(a, 0)));
            }
        }
        let start = self.src.next_code(s.span.start);
        let open = body_open(&self.src, s);
        let Some(open) = open else {
            // No items: printed without a body; a comment inside `{ }` trails the line.
            self.emit(Span::new(start, s.span.end), head);
            return;
        };
        self.emit(Span::new(start, open + 1), format!("{head} {{"));
        self.indent += 1;
        let mut previous_child: Option<usize> = None;
        let mut after_child = false;
        for entry in entries(&self.src, s) {
            match entry {
                Entry::Item(item) => {
                    if after_child {
                        self.blank();
                    }
                    after_child = false;
                    previous_child = None;
                    self.item(item);
                }
                Entry::Child(i) => {
                    let after_sibling = i > 0 && previous_child == Some(i - 1);
                    self.status_in_list(&s.children, i, after_sibling);
                    previous_child = Some(i);
                    after_child = true;
                }
            }
        }
        let close = self.closing_brace(s.span.start, s.span.end);
        self.close(close);
    }

    fn item(&mut self, item: &StatusItem) {
        let start = item_start(&self.src, item);
        match item {
            StatusItem::Deadline(name) => self.emit(Span::new(start, name.span.end), format!("deadline {}", name.name)),
            StatusItem::Entry(effects, span) => {
                self.with_effects(Span::new(start, span.end), "on entry".into(), effects);
            }
            StatusItem::Rule(rule) => {
                // The head's words, joined by one space: an automatic rule has no trigger
                // words, so `else` is followed directly by `when`.
                let mut words: Vec<String> = Vec::new();
                if rule.otherwise {
                    words.push("else".into());
                }
                match &rule.trigger {
                    Trigger::Action { role, action } => words.push(format!("{} {}", role.name, action.name)),
                    Trigger::Timer(t) => words.push(format!("after {}", t.name)),
                    Trigger::Automatic => {}
                }
                if let Some(g) = &rule.guard {
                    words.push(format!("when {}", self.expr(g, 0)));
                }
                if let Some(t) = &rule.target {
                    words.push(format!("-> {}", t.dotted()));
                }
                let head = words.join(" ");
                self.with_effects(Span::new(start, rule.span.end), head, &rule.effects);
            }
        }
    }

    /// A line with optional `{ effects }`: on one line when short and uncommented, else one per line.
    fn with_effects(&mut self, range: Span, head: String, effects: &[Assignment]) {
        let end = self.src.code_end(range.start, range.end);
        let range = Span::new(range.start, end);
        let Some(first) = effects.first() else {
            return self.emit(range, head);
        };
        let parts: Vec<String> =
            effects.iter().map(|a| format!("{} = {}", a.field.name, self.expr(&a.value, 0))).collect();
        let one_line = format!("{head} {{ {} }}", parts.join(", "));
        self.flush_before(range.start);
        let last_line = self.src.line_end(end);
        let commented_inside = self.src.comments[self.next..]
            .iter()
            .take_while(|c| c.at < end)
            .any(|c| self.src.line_end(c.at) < last_line);
        let fits = one_line.len() + self.indent * 2 <= LINE_LIMIT;
        if fits && !commented_inside {
            return self.emit(range, one_line);
        }
        let open = match self.src.code_byte_before(first.field.span.start) {
            Some((i, b'{')) => i,
            _ => first.field.span.start,
        };
        self.emit(Span::new(range.start, open + 1), format!("{head} {{"));
        self.indent += 1;
        for (a, text) in effects.iter().zip(parts) {
            self.emit(Span::new(a.field.span.start, a.value.span.end), text);
        }
        self.close(end.saturating_sub(1).max(range.start));
    }

    /// An expression with as few parentheses as its meaning needs; literals as written.
    fn expr(&self, e: &Expr, outer: u8) -> String {
        expr_text(self.text, e, outer)
    }
}

/// An expression in canonical layout, with as few parentheses as its meaning needs; literals
/// as written in `src`. `outer` is the precedence of the operator around it (0 for none).
pub fn expr_text(src: &str, e: &Expr, outer: u8) -> String {
    let sub = |x: &Expr, p: u8| expr_text(src, x, p);
    let cal = |c: &Option<Ident>| c.as_ref().map(|c| format!(", {}", c.name)).unwrap_or_default();
    match &e.kind {
        ExprKind::Unary(UnaryOp::Not, x) => wrap(format!("not {}", sub(x, 3)), 3, outer),
        ExprKind::Unary(UnaryOp::Neg, x) => format!("-{}", sub(x, 7)),
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            // Comparisons do not chain, so both sides bind tighter.
            let left = if op.is_comparison() { p + 1 } else { p };
            wrap(format!("{} {} {}", sub(l, left), op.symbol(), sub(r, p + 1)), p, outer)
        }
        ExprKind::TimeIn(path) => format!("time_in({})", path.dotted()),
        ExprKind::TimeSince(f) => format!("time_since({})", f.name),
        ExprKind::Duration(term) => term_text(term),
        ExprKind::DayEdge { end, time, calendar } => {
            let name = if *end { "end_of_day" } else { "start_of_day" };
            format!("{name}({}{})", sub(time, 0), cal(calendar))
        }
        ExprKind::AtTime { time, clock, calendar } => {
            format!("at_time({}, {}{})", sub(time, 0), clock.0, cal(calendar))
        }
        _ => src.get(e.span.start..e.span.end).unwrap_or("").to_string(),
    }
}

/// `3bd in uk`.
pub fn term_text(term: &DurationTerm) -> String {
    match &term.calendar {
        Some(c) => format!("{} in {}", term.lit.text, c.name),
        None => term.lit.text.clone(),
    }
}

/// A timer's clock in canonical layout, without its name or `=`: `5d`, `3bd in uk restart on
/// any`, `by network { visa -> 30d }`, `at due_by + 75d`, then its pause. What `diff` compares.
pub fn timer_clock_text(src: &str, t: &TimerDecl) -> String {
    let mut out = match &t.clock {
        TimerClock::After(DurationSpec::Literal(term)) => term_text(term),
        TimerClock::After(DurationSpec::Field(f)) => f.name.clone(),
        TimerClock::After(DurationSpec::Table { field, entries, .. }) => {
            let list: Vec<String> =
                entries.iter().map(|(v, term)| format!("{} -> {}", v.name, term_text(term))).collect();
            format!("by {} {{ {} }}", field.name, list.join(", "))
        }
        TimerClock::At(e) => format!("at {}", expr_text(src, e, 0)),
    };
    if let Some(r) = &t.restart {
        match &r.roles {
            None => out.push_str(" restart on any"),
            Some(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
                out.push_str(&format!(" restart on {}", names.join(", ")));
            }
        }
    }
    if let Some((pause, _)) = &t.pause {
        out.push(' ');
        out.push_str(&pause_text(src, pause));
    }
    out
}

/// `pause in a, b.c` / `pause when cond`.
pub fn pause_text(src: &str, p: &Pause) -> String {
    match p {
        Pause::In(paths) => {
            let list: Vec<String> = paths.iter().map(Path::dotted).collect();
            format!("pause in {}", list.join(", "))
        }
        Pause::When(e) => format!("pause when {}", expr_text(src, e, 0)),
    }
}

fn wrap(s: String, p: u8, outer: u8) -> String {
    if p < outer { format!("({s})") } else { s }
}

fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

fn type_text(t: &TypeExpr) -> String {
    let base = match &t.kind {
        TypeKind::Named(n) => n.name.clone(),
        TypeKind::Enum(vs) => {
            format!("enum {{ {} }}", vs.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "))
        }
    };
    if t.optional { format!("{base}?") } else { base }
}

/// Join lines, aligning the trailing comments of each run of consecutive lines at one indent.
fn align(lines: &[Line]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j < lines.len() && !lines[j].code.is_empty() && lines[j].indent == lines[i].indent {
            j += 1;
        }
        let j = j.max(i + 1);
        let width = lines[i..j]
            .iter()
            .filter(|l| l.trailing.is_some())
            .map(|l| l.indent * 2 + l.code.chars().count())
            .filter(|w| *w <= ALIGN_LIMIT)
            .max()
            .unwrap_or(0);
        for l in &lines[i..j] {
            let mut text = format!("{}{}", "  ".repeat(l.indent), l.code);
            if let Some(c) = &l.trailing {
                let pad = width.saturating_sub(text.chars().count()) + 2;
                text.push_str(&" ".repeat(pad.max(2)));
                text.push_str(c);
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        i = j;
    }
    out
}
