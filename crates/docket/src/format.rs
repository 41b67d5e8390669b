//! `docket fmt`: print a policy in one canonical layout, keeping every comment and doc comment.
//!
//! The layout comes from the AST; comments come from the source text by position. Each printed
//! line knows the source range it came from: comments before that range are printed on their own
//! lines above it, a comment inside it or at the end of its last source line trails it. A blank line
//! between two constructs in the source is kept (at most one); top-level declarations and nested
//! statuses are always separated by one. Trailing comments of consecutive lines are aligned.

use crate::ast::*;
use crate::span::Span;

/// How far trailing comments may be pushed right to align them.
const ALIGN_LIMIT: usize = 72;
/// Effects longer than this are printed one per line.
const LINE_LIMIT: usize = 100;

/// Format a policy; `Err` carries the syntax error when it does not parse.
pub fn format(text: &str) -> Result<String, crate::diag::Diagnostic> {
    let ast = crate::syntax::parse(text)?;
    let mut p = Printer::new(text);
    p.policy(&ast);
    Ok(p.finish())
}

/// A comment in the source: where it starts and its text (with its `#`/`##`).
struct Comment {
    at: usize,
    text: String,
}

/// Every `#` comment, in order, skipping `#` inside strings.
fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => in_string = false,
            b'"' => in_string = !in_string,
            b'#' if !in_string => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(Comment { at: i, text: text[i..end].trim_end().to_string() });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A top-level declaration, for printing in source order.
enum Section {
    Roles,
    Outcomes,
    Timers,
    Fields,
    Actions,
    Calendar(usize),
    Status(usize),
}

/// One output line before alignment.
struct Line {
    indent: usize,
    code: String,
    trailing: Option<String>,
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next: usize,
    lines: Vec<Line>,
    indent: usize,
    last_pos: usize,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        Printer { text, comments: comments(text), next: 0, lines: vec![], indent: 0, last_pos: 0 }
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

    /// Print own-line comments that come before `pos`.
    fn flush_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).filter(|c| c.at < pos) {
            let (at, text) = (c.at, c.text.clone());
            self.keep_blank(at);
            self.lines.push(Line { indent: self.indent, code: text, trailing: None });
            self.next += 1;
            self.last_pos = at + self.comments[self.next - 1].text.len();
        }
    }

    /// The end of the source line holding `pos`.
    fn line_end(&self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        self.text[pos..].find('\n').map_or(self.text.len(), |n| pos + n)
    }

    /// Emit a line for the source range `range`, with its comments.
    fn emit(&mut self, range: Span, code: String) {
        self.flush_before(range.start);
        self.keep_blank(range.start);
        let end = self.line_end(self.code_end(range.start, range.end.max(range.start)));
        let mut owned = Vec::new();
        while let Some(c) = self.comments.get(self.next).filter(|c| c.at < end) {
            owned.push(c.text.clone());
            self.next += 1;
        }
        // The first comment trails the line; any others go on their own lines above it, where a
        // second run of fmt finds them too.
        let mut owned = owned.into_iter();
        let trailing = owned.next();
        for extra in owned {
            self.lines.push(Line { indent: self.indent, code: extra, trailing: None });
        }
        self.lines.push(Line { indent: self.indent, code, trailing });
        self.last_pos = end;
    }

    fn finish(mut self) -> String {
        self.flush_before(usize::MAX);
        while self.lines.last().is_some_and(|l| l.code.is_empty()) {
            self.lines.pop();
        }
        align(&self.lines)
    }

    /// Where the code of a span really ends. pest lets a rule that ends in a repetition swallow
    /// the whitespace and comments after it, so spans are trimmed back to the last code byte.
    fn code_end(&self, start: usize, end: usize) -> usize {
        let mut end = end.min(self.text.len());
        loop {
            let code = self.text[start.min(end)..end].trim_end();
            end = start.min(end) + code.len();
            let line_start = self.text[..end].rfind('\n').map_or(0, |i| i + 1).max(start);
            match self.comments.iter().find(|c| c.at >= line_start && c.at < end) {
                Some(c) => end = c.at,
                None => return end,
            }
        }
    }

    /// The first byte after the doc comments that open a declaration's span.
    fn skip_docs(&self, mut pos: usize) -> usize {
        loop {
            let rest = self.text.get(pos..).unwrap_or("");
            let trimmed = rest.trim_start();
            pos += rest.len() - trimmed.len();
            if !trimmed.starts_with("##") {
                return pos;
            }
            pos = self.line_end(pos);
        }
    }

    fn policy(&mut self, p: &Policy) {
        let mut header = format!("policy {} {}", p.name.name, quote(&p.title));
        let header_span = Span::new(p.name.span.start, p.name.span.end);
        if let Some(v) = &p.version {
            self.emit(header_span, header);
            header = format!("version {}", quote(v));
            let at = self.text[p.name.span.end..].find("version").map_or(p.name.span.end, |i| p.name.span.end + i);
            self.emit(Span::new(at, at + 7), header);
        } else {
            self.emit(header_span, header);
        }
        if let Some((instant, span)) = &p.effective {
            self.emit(*span, format!("effective {instant}"));
        }
        // Top-level declarations keep the author's order, so comments stay beside them.
        let mut sections: Vec<(usize, Section)> = Vec::new();
        if let Some(first) = p.roles.first() {
            sections.push((first.span.start, Section::Roles));
        }
        if let Some(first) = p.outcomes.first() {
            sections.push((first.name.span.start, Section::Outcomes));
        }
        sections.extend(p.calendars.iter().enumerate().map(|(i, c)| (c.span.start, Section::Calendar(i))));
        if let Some(first) = p.timers.first() {
            sections.push((first.name.span.start, Section::Timers));
        }
        if let Some(first) = p.fields.first() {
            sections.push((first.name.span.start, Section::Fields));
        }
        if let Some(first) = p.actions.first() {
            sections.push((first.role.span.start, Section::Actions));
        }
        sections.extend(p.statuses.iter().enumerate().map(|(i, s)| (s.span.start, Section::Status(i))));
        sections.sort_by_key(|(at, _)| *at);
        for (_, section) in sections {
            match section {
                Section::Roles => self.roles(p),
                Section::Outcomes => self.outcomes(p),
                Section::Calendar(i) => self.calendar(&p.calendars[i]),
                Section::Timers => self.timers(p),
                Section::Fields => self.fields(p),
                Section::Actions => self.actions(p),
                Section::Status(i) => self.status_in_list(&p.statuses, i),
            }
        }
    }

    fn roles(&mut self, p: &Policy) {
        if let (Some(first), Some(last)) = (p.roles.first(), p.roles.last()) {
            self.section(first.span.start, "roles");
            let names: Vec<&str> = p.roles.iter().map(|r| r.name.as_str()).collect();
            self.emit(Span::new(first.span.start, last.span.end), format!("roles {}", names.join(", ")));
        }
    }

    fn outcomes(&mut self, p: &Policy) {
        if let (Some(first), Some(last)) = (p.outcomes.first(), p.outcomes.last()) {
            self.section(first.name.span.start, "outcomes");
            let list: Vec<String> = p
                .outcomes
                .iter()
                .map(|o| match &o.amount {
                    Some(t) => format!("{}({})", o.name.name, type_text(t)),
                    None => o.name.name.clone(),
                })
                .collect();
            let end = last.amount.as_ref().map_or(last.name.span.end, |t| t.span.end);
            self.emit(Span::new(first.name.span.start, end), format!("outcomes {}", list.join(", ")));
        }
    }

    fn timers(&mut self, p: &Policy) {
        if let Some(first) = p.timers.first() {
            self.block(first.name.span.start, "timers", |pr| {
                let width = p.timers.iter().map(|t| t.name.name.len()).max().unwrap_or(0);
                for t in &p.timers {
                    let clock = match &t.clock {
                        TimerClock::After(_) => format!("= {}", timer_clock_text(pr.text, t)),
                        TimerClock::At(_) => timer_clock_text(pr.text, t),
                    };
                    let end = pr.code_end(t.name.span.start, t.span.end);
                    pr.emit(Span::new(t.name.span.start, end), format!("{:<width$} {clock}", t.name.name));
                }
            });
        }
    }

    fn calendar(&mut self, c: &CalendarDecl) {
        let start = self.skip_docs(c.span.start);
        self.blank();
        self.flush_before(start);
        self.emit(Span::new(start, c.name.span.end), format!("calendar {} {{", c.name.name));
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
            let end = self.code_end(span.start, span.end);
            self.emit(Span::new(span.start, end), text);
        }
        let close = c.span.end.saturating_sub(1);
        self.flush_before(close);
        self.indent -= 1;
        self.lines.push(Line { indent: self.indent, code: "}".into(), trailing: None });
        self.last_pos = c.span.end;
    }

    fn fields(&mut self, p: &Policy) {
        if let Some(first) = p.fields.first() {
            self.block(first.name.span.start, "fields", |pr| {
                for f in &p.fields {
                    let default = f.default.as_ref().map(|d| format!(" = {}", pr.expr(d, 0))).unwrap_or_default();
                    pr.emit(
                        Span::new(f.name.span.start, f.span.end),
                        format!("{}: {}{default}", f.name.name, type_text(&f.ty)),
                    );
                }
            });
        }
    }

    fn actions(&mut self, p: &Policy) {
        if let Some(first) = p.actions.first() {
            self.block(first.role.span.start, "actions", |pr| {
                for a in &p.actions {
                    let params: Vec<String> = a
                        .params
                        .iter()
                        .map(|q| match &q.ty {
                            Some(t) => format!("{}: {}", q.name.name, type_text(t)),
                            None => q.name.name.clone(),
                        })
                        .collect();
                    let list = if a.params.is_empty() { String::new() } else { format!("({})", params.join(", ")) };
                    pr.emit(Span::new(a.role.span.start, a.span.end), format!("{} {}{list}", a.role.name, a.name.name));
                }
            });
        }
    }

    /// A top-level declaration: blank line, then comments that precede its keyword.
    fn section(&mut self, first_item: usize, keyword: &str) {
        let at = self.text[..first_item].rfind(keyword).unwrap_or(first_item);
        self.flush_docs_and_blank(at);
    }

    fn flush_docs_and_blank(&mut self, at: usize) {
        self.blank();
        self.flush_before(at);
    }

    fn block(&mut self, first_item: usize, keyword: &str, body: impl FnOnce(&mut Self)) {
        let at = self.text[..first_item].rfind(keyword).unwrap_or(first_item);
        self.flush_docs_and_blank(at);
        self.emit(Span::new(at, at + keyword.len()), format!("{keyword} {{"));
        self.indent += 1;
        body(self);
        let close =
            self.text[self.last_pos.min(self.text.len())..].find('}').map_or(self.last_pos, |i| self.last_pos + i);
        self.flush_before(close);
        self.indent -= 1;
        self.lines.push(Line { indent: self.indent, code: "}".into(), trailing: None });
        self.last_pos = close + 1;
    }

    /// A status among its siblings: separated by a blank line, except that one-line statuses
    /// written together (a run of terminal statuses) stay together.
    fn status_in_list(&mut self, list: &[StatusDecl], i: usize) {
        let one_line = |s: &StatusDecl| s.items.is_empty() && s.children.is_empty();
        let start = self.skip_docs(list[i].span.start);
        if i == 0 || !(one_line(&list[i]) && one_line(&list[i - 1])) {
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
        let mut head_end = s.name.span.end;
        if let Some(o) = &s.outcome {
            head.push_str(&format!(" outcome {}", o.name.name));
            if let Some(a) = &o.amount {
                head.push_str(&format!("({})", self.expr(a, 0)));
            }
            head_end = o.span.end;
        }
        let has_content = !s.items.is_empty() || !s.children.is_empty();
        let start = self.skip_docs(s.span.start);
        if !has_content {
            self.emit(Span::new(start, head_end), head);
            return;
        }
        self.emit(Span::new(start, head_end), format!("{head} {{"));
        self.indent += 1;
        for item in &s.items {
            self.item(item);
        }
        for i in 0..s.children.len() {
            self.status_in_list(&s.children, i);
        }
        let close = s.span.end.saturating_sub(1);
        self.flush_before(close);
        self.indent -= 1;
        self.lines.push(Line { indent: self.indent, code: "}".into(), trailing: None });
        self.last_pos = s.span.end;
    }

    fn item(&mut self, item: &StatusItem) {
        match item {
            StatusItem::Deadline(name) => self.emit(name.span, format!("deadline {}", name.name)),
            StatusItem::Entry(effects, span) => {
                let at = self.skip_docs(span.start);
                self.with_effects(Span::new(at, span.end), "on entry".into(), effects, span.end);
            }
            StatusItem::Rule(rule) => {
                let start = self.skip_docs(rule.span.start);
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
                self.with_effects(Span::new(start, rule.span.end), head, &rule.effects, rule.span.end);
            }
        }
    }

    /// A line with optional `{ effects }`: on one line when short and uncommented, else one per line.
    fn with_effects(&mut self, range: Span, head: String, effects: &[Assignment], end: usize) {
        let end = self.code_end(range.start, end);
        let range = Span::new(range.start, end);
        if effects.is_empty() {
            return self.emit(range, head);
        }
        let parts: Vec<String> =
            effects.iter().map(|a| format!("{} = {}", a.field.name, self.expr(&a.value, 0))).collect();
        let one_line = format!("{head} {{ {} }}", parts.join(", "));
        let first_effect = effects[0].field.span.start;
        let commented_inside = self.comments[self.next..]
            .iter()
            .any(|c| c.at > range.start && c.at < end && self.line_end(c.at) < self.line_end(end));
        let head_line_end = self.line_end(range.start);
        let fits = one_line.len() + self.indent * 2 <= LINE_LIMIT;
        if fits && !commented_inside {
            return self.emit(range, one_line);
        }
        self.emit(Span::new(range.start, head_line_end.min(first_effect)), format!("{head} {{"));
        self.indent += 1;
        for (a, text) in effects.iter().zip(parts) {
            self.emit(Span::new(a.field.span.start, a.value.span.end), text);
        }
        self.flush_before(end.saturating_sub(1));
        self.indent -= 1;
        self.lines.push(Line { indent: self.indent, code: "}".into(), trailing: None });
        self.last_pos = end;
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
