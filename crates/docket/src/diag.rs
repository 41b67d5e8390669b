//! Diagnostics: one struct for every problem any layer finds, and its renderers (text drawn by
//! annotate-snippets as rustc draws it, JSON, GitHub Actions annotations). A diagnostic points at
//! one span and may point at other places that explain it (the first declaration of a name
//! declared twice, the earlier rule an overlapping one competes with). Rendering happens once, at
//! the edge; colour only when the caller asks for it.

use crate::span::{SourceFile, Span};
use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be used.
    Error,
    /// The policy works but something is probably a mistake.
    Warning,
}

/// A problem found in a source file, pointing at a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, listed in `src/codes.rs`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in words; lowercase, no trailing period.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short note printed under the caret.
    pub label: Option<String>,
    /// Advice, such as a suggested name.
    pub help: Option<String>,
    /// Other places in the same file that explain the problem, each with its note.
    pub related: Vec<Related>,
    /// Silenced by a `# docket: allow CODE` comment: left out of text output and the counts,
    /// reported as suppressed in JSON and SARIF.
    pub suppressed: bool,
}

/// A secondary place a diagnostic points at, with a note on what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where, in the diagnostic's file.
    pub span: Span,
    /// What is there, such as "first declared here".
    pub label: String,
}

impl Diagnostic {
    /// An error with a code and message.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        let message = elide_quoted(message.into());
        Diagnostic {
            code,
            severity: Severity::Error,
            message,
            span,
            label: None,
            help: None,
            related: Vec::new(),
            suppressed: false,
        }
    }

    /// A warning with a code and message.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }

    /// Add a note under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(elide_quoted(label.into()));
        self
    }

    /// Add advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(elide_quoted(help.into()));
        self
    }

    /// Point at another place that explains the problem, with a note.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related { span, label: elide_quoted(label.into()) });
        self
    }

    /// Add advice if there is any.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.map(elide_quoted);
        self
    }
}

/// The longest text between backticks a message shows whole.
const MAX_QUOTED_CHARS: usize = 64;

/// Shorten every backticked part of a message longer than [`MAX_QUOTED_CHARS`] to its start and
/// its end. Messages quote what the user wrote, and a hostile file can hold a megabyte-long name.
fn elide_quoted(text: String) -> String {
    if text.len() <= MAX_QUOTED_CHARS {
        return text;
    }
    let keep = MAX_QUOTED_CHARS / 2 - 2;
    let mut out = String::with_capacity(text.len().min(1024));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let chars = part.chars().count();
        if i % 2 == 1 && chars > MAX_QUOTED_CHARS {
            out.extend(part.chars().take(keep));
            out.push_str("...");
            out.extend(part.chars().skip(chars - keep));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A diagnostic located in its file, as `--format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct LocatedDiagnostic {
    /// Stable code.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// File name as given.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end (exclusive).
    pub end_column: usize,
    /// Advice, if any.
    pub help: Option<String>,
    /// Other places that explain the problem.
    pub related: Vec<LocatedRelated>,
    /// Silenced by a `# docket: allow` comment.
    pub suppressed: bool,
    /// Where the code is documented, with an example and the fix: `docket codes E043`.
    pub docs: String,
}

/// A secondary place, located: as `related` in `--format json` and `relatedLocations` in SARIF.
#[derive(Debug, Clone, Serialize)]
pub struct LocatedRelated {
    /// File name as given.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end (exclusive).
    pub end_column: usize,
    /// What is there.
    pub label: String,
}

/// Locate a diagnostic in its file.
pub fn locate(file: &SourceFile, d: &Diagnostic) -> LocatedDiagnostic {
    let span = clamp(file, d.span);
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    let related = d
        .related
        .iter()
        .map(|r| {
            let span = clamp(file, r.span);
            let (line, column) = file.line_col(span.start);
            let (end_line, end_column) = file.line_col(span.end);
            LocatedRelated { file: file.name.clone(), line, column, end_line, end_column, label: r.label.clone() }
        })
        .collect();
    LocatedDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        file: file.name.clone(),
        line,
        column,
        end_line,
        end_column,
        help: d.help.clone(),
        related,
        suppressed: d.suppressed,
        docs: crate::codes::reference(d.code),
    }
}

/// Sort diagnostics by position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message)));
}

/// The width a rendered diagnostic keeps within: a longer source line is cut to a window around
/// its span (with `...`), so a one-line megabyte file does not print a megabyte.
const RENDER_WIDTH: usize = 100;

/// How many lines a snippet may span and still draw a secondary place beside the primary one,
/// with the lines between folded; a farther place gets a snippet of its own
/// (`::: file:line:col`), so drawing never walks a large part of the file.
const MAX_SNIPPET_LINES: usize = 200;

/// Render a diagnostic for people, without colour: header, location, the source lines with a
/// caret (`^`) under the span and a dash (`-`) under each secondary place, then the advice.
pub fn render_text(file: &SourceFile, d: &Diagnostic) -> String {
    render_text_with(file, d, false)
}

/// Render a diagnostic for people, in colour (ANSI escapes) when `color` is set.
pub fn render_text_with(file: &SourceFile, d: &Diagnostic, color: bool) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    // Each region is a run of whole lines drawn as one snippet; the first holds the primary span.
    let primary = clamp(file, d.span);
    let mut regions: Vec<Region> = vec![Region::of(file, primary)];
    let mut placed: Vec<(usize, Span)> = Vec::new();
    for r in &d.related {
        let span = clamp(file, r.span);
        let own = Region::of(file, span);
        // A long line is cut to a window around one place, so a place on it is drawn on its own.
        let long = file.line_text(own.first).chars().count() > RENDER_WIDTH;
        let near =
            regions.iter().position(|g| !long && own.last.max(g.last) - own.first.min(g.first) < MAX_SNIPPET_LINES);
        let at = match near {
            Some(i) => {
                regions[i].first = regions[i].first.min(own.first);
                regions[i].last = regions[i].last.max(own.last);
                i
            }
            None => {
                regions.push(own);
                regions.len() - 1
            }
        };
        placed.push((at, span));
    }
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    for (i, region) in regions.iter().enumerate() {
        let (base, end) = (file.line_start(region.first), file.line_end(region.last));
        let source = file.text.get(base..end).unwrap_or("");
        let local = |span: Span| (span.start.clamp(base, end) - base)..(span.end.clamp(base, end) - base);
        let mut snippet = Snippet::source(source).line_start(region.first).path(file.name.as_str());
        if i == 0 {
            let mut annotation = AnnotationKind::Primary.span(local(primary));
            if let Some(label) = &d.label {
                annotation = annotation.label(label.as_str());
            }
            snippet = snippet.annotation(annotation);
        }
        for ((at, span), r) in placed.iter().zip(&d.related) {
            if *at == i {
                snippet = snippet.annotation(AnnotationKind::Context.span(local(*span)).label(r.label.as_str()));
            }
        }
        group = group.element(snippet);
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let renderer = if color { Renderer::styled() } else { Renderer::plain() }.term_width(RENDER_WIDTH);
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// Whole lines `first..=last` (1-based) of a file, drawn as one snippet.
struct Region {
    first: usize,
    last: usize,
}

impl Region {
    /// The lines a span touches.
    fn of(file: &SourceFile, span: Span) -> Self {
        Region { first: file.line_col(span.start).0, last: file.line_col(span.end).0 }
    }
}

/// A span inside the file's text, on character boundaries, without the blanks and line breaks
/// that end it (a rule's span runs to where the next one starts): what is shown and located.
fn clamp(file: &SourceFile, span: Span) -> Span {
    let len = file.text.len();
    let mut start = span.start.min(len);
    while !file.text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, len);
    while !file.text.is_char_boundary(end) {
        end += 1;
    }
    let covered = &file.text[start..end];
    let trimmed = covered.trim_end();
    if !trimmed.is_empty() {
        end = start + trimmed.len();
    }
    Span::new(start, end)
}

/// Render a diagnostic as a GitHub Actions workflow command.
pub fn render_github(file: &SourceFile, d: &Diagnostic) -> String {
    let l = locate(file, d);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut msg = format!("{} {}", d.code, d.message);
    if let Some(h) = &d.help {
        msg.push_str(&format!(" (help: {h})"));
    }
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        github_property(&l.file),
        l.line,
        l.column,
        l.end_line,
        l.end_column,
        github_property(d.code),
        github_message(&msg)
    )
}

/// Escape the message of a GitHub Actions workflow command (after its `::`): `%`, CR and LF.
pub fn github_message(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value of a GitHub Actions workflow command (`file=`, `title=`): as a
/// message, and `:` and `,`, which would end the value.
pub fn github_property(s: &str) -> String {
    github_message(s).replace(':', "%3A").replace(',', "%2C")
}

/// Levenshtein distance between `a` and `b`, or `None` once it must exceed `limit`. Only the
/// band of cells within `limit` of the diagonal is computed (a path that leaves it costs more
/// than `limit`), so the work is `a.len() * (2 * limit + 1)`, not `a.len() * b.len()`. The rows
/// are kept in `rows`, reused between calls: suggestions compare one name with many.
fn edit_distance(a: &[char], b: &[char], limit: usize, rows: &mut (Vec<usize>, Vec<usize>)) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Any cost above `limit` is as good as infinite; keeping it at `far` cannot overflow.
    let far = limit + 1;
    let (prev, cur) = rows;
    prev.clear();
    prev.extend((0..=b.len()).map(|j| j.min(far)));
    cur.clear();
    cur.resize(b.len() + 1, far);
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let lo = row.saturating_sub(limit).max(1);
        let hi = (row + limit).min(b.len());
        // The cells just outside the band are read by this row and the next: keep them far.
        cur[lo - 1] = if lo == 1 { row.min(far) } else { far };
        if hi < b.len() {
            cur[hi + 1] = far;
        }
        let mut best = cur[lo - 1];
        for j in lo..=hi {
            let d = (prev[j - 1] + usize::from(*ca != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1).min(far);
            cur[j] = d;
            best = best.min(d);
        }
        // Every later row is at least this row's minimum.
        if best > limit {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

/// How many candidates a suggestion weighs. A policy declares tens of names; the cap keeps a
/// hostile file with thousands of names and thousands of typos from taking quadratic time.
pub const MAX_CANDIDATES: usize = 500;

/// The most edits a suggestion may be away from the name: beyond a few, a name is not a typo of
/// another, and the cap bounds the band [`edit_distance`] computes.
pub const MAX_EDITS: usize = 5;

/// Characters (and cells of the distance) one suggestion may look at in all: a thousand names of
/// a thousand characters each stop here instead of costing a billion steps.
pub const SUGGEST_WORK: usize = 2_000_000;

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    suggest_within(name, candidates, SUGGEST_WORK).0
}

/// [`suggest`] looking at no more than `max_work` characters and cells (and at most
/// [`SUGGEST_WORK`]); also says how many it looked at, so a caller can share a budget among many.
pub fn suggest_within<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_work: usize,
) -> (Option<String>, usize) {
    let (found, work) = suggest_with_work(name, candidates, max_work.min(SUGGEST_WORK));
    (found.map(|c| format!("did you mean `{c}`?")), work)
}

/// The closest candidate, and how many characters and cells were looked at to find it.
fn suggest_with_work<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_work: usize,
) -> (Option<&'a str>, usize) {
    let target: Vec<char> = name.chars().collect();
    let limit = (target.len() / 3).clamp(1, MAX_EDITS);
    let mut work = target.len();
    let mut rows = (Vec::new(), Vec::new());
    let mut chars = Vec::new();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates.into_iter().take(MAX_CANDIDATES) {
        if work > max_work {
            break;
        }
        // A character is one to four bytes: judge the length from the bytes before reading it.
        if c == name || c.len() + limit < target.len() || c.len() / 4 > target.len() + limit {
            continue;
        }
        chars.clear();
        chars.extend(c.chars());
        work += chars.len();
        // The distance is at least the difference in length: skip the hopeless ones cheaply.
        if chars.len().abs_diff(target.len()) > limit {
            continue;
        }
        work += target.len() * (2 * limit + 1);
        if let Some(d) = edit_distance(&target, &chars, limit, &mut rows)
            && best.is_none_or(|b| (d, c) < b)
        {
            best = Some((d, c));
        }
    }
    (best.map(|(_, c)| c), work)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, for comparison.
    fn levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn the_banded_distance_is_the_distance_within_its_limit() {
        let mut rng = 7u64;
        let mut next = || {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (rng >> 33) as usize
        };
        let mut rows = (Vec::new(), Vec::new());
        for _ in 0..3000 {
            let word = |n: usize, next: &mut dyn FnMut() -> usize| -> Vec<char> {
                (0..n).map(|_| ['a', 'b', 'c'][next() % 3]).collect()
            };
            let (la, lb) = (next() % 12, next() % 12);
            let (a, b) = (word(la, &mut next), word(lb, &mut next));
            let limit = next() % 6 + 1;
            let full = levenshtein(&a, &b);
            let banded = edit_distance(&a, &b, limit, &mut rows);
            assert_eq!(banded, Some(full).filter(|&d| d <= limit), "{a:?} {b:?} limit {limit}");
        }
    }

    #[test]
    fn suggestions_for_long_names_cost_work_linear_in_their_length() {
        // A hundred candidates of n characters, and a misspelt name one edit from the last.
        let names = |n: usize| -> Vec<String> { (0..100).map(|i| format!("{i:03}{}", "ab".repeat(n / 2))).collect() };
        let work_for = |n: usize| {
            let names = names(n);
            let typo = names[99].replacen("ab", "ax", 1);
            let (found, work) = suggest_with_work(&typo, names.iter().map(String::as_str), SUGGEST_WORK);
            assert_eq!(found, Some(names[99].as_str()));
            work
        };
        let (w500, w1000) = (work_for(500), work_for(1000));
        // The band: about length x (2 x 5 + 1) cells a candidate, never length squared.
        assert!(w1000 <= 100 * 1003 * 12 + 2000, "{w1000}");
        assert!(w1000 <= 2 * w500 + 2000, "{w500} {w1000}");
        // However many and however long the names, one suggestion stops at its budget.
        let huge: Vec<String> = (0..500).map(|i| format!("{i:03}{}", "ab".repeat(50_000))).collect();
        let (_, work) =
            suggest_with_work(&huge[0].replacen("ab", "ax", 1), huge.iter().map(String::as_str), SUGGEST_WORK);
        assert!(work <= SUGGEST_WORK + 100_003 * 12 + 100_003, "{work}");
    }

    #[test]
    fn long_quoted_names_are_elided_short_ones_kept() {
        let long = "a".repeat(1_000_000);
        let d = Diagnostic::error("E021", Span::new(0, 1), format!("unknown role `{long}`"))
            .with_help(format!("declare it: `roles {long}`"));
        assert_eq!(d.message, format!("unknown role `{}...{}`", "a".repeat(30), "a".repeat(30)));
        assert!(d.help.is_some_and(|h| h.len() < 100));
        let d =
            Diagnostic::error("E021", Span::new(0, 1), "unknown role `seler`, and some more words to pass the limit");
        assert_eq!(d.message, "unknown role `seler`, and some more words to pass the limit");
    }

    #[test]
    fn github_commands_escape_as_github_says() {
        assert_eq!(github_message("100% done\r\nnext: a, b"), "100%25 done%0D%0Anext: a, b");
        assert_eq!(github_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn a_secondary_place_far_away_gets_a_snippet_of_its_own() {
        let text: String = (1..=400).map(|i| format!("line{i}\n")).collect();
        let file = SourceFile::new("f", text.clone());
        let at = |line: usize| text.find(&format!("line{line}\n")).unwrap();
        let d = Diagnostic::error("E010", Span::new(at(300), at(300) + 7), "twice")
            .with_related(Span::new(at(1), at(1) + 5), "first")
            .with_related(Span::new(at(290), at(290) + 7), "near");
        let rendered = render_text(&file, &d);
        // The near one shares the primary's snippet, folded between; the far one is its own.
        assert!(rendered.contains("--> f:300:1"), "{rendered}");
        assert!(rendered.contains("290 | line290\n    | ------- near\n...\n300 | line300"), "{rendered}");
        assert!(rendered.contains("::: f:1:1"), "{rendered}");
        assert!(rendered.contains("  1 | line1\n    | ----- first"), "{rendered}");
        assert!(!rendered.contains("line150"), "{rendered}");
    }

    #[test]
    fn colour_is_drawn_only_when_asked() {
        let file = SourceFile::new("f", "roles buyer\n");
        let d = Diagnostic::warning("W002", Span::new(6, 11), "role `buyer` takes no action anywhere");
        assert!(!render_text(&file, &d).contains('\u{1b}'));
        let styled = render_text_with(&file, &d, true);
        assert!(styled.contains("\u{1b}["), "{styled}");
        // The same text once the escapes are taken out.
        let mut plain = String::new();
        let mut escape = false;
        for c in styled.chars() {
            match c {
                '\u{1b}' => escape = true,
                'm' if escape => escape = false,
                _ if escape => {}
                c => plain.push(c),
            }
        }
        assert_eq!(plain, render_text(&file, &d));
    }

    #[test]
    fn a_caret_under_a_long_line_stays_under_its_span() {
        let text = format!("{}target{}", "x ".repeat(200), " y".repeat(200));
        let file = SourceFile::new("f", text);
        let d = Diagnostic::error("E001", Span::new(400, 406), "here");
        let rendered = render_text(&file, &d);
        let lines: Vec<&str> = rendered.lines().collect();
        let (source, caret) = (lines[3], lines[4]);
        let at = caret.find('^').unwrap();
        assert_eq!(&source[at..at + 6], "target", "{rendered}");
        assert_eq!(caret[at..].trim_end(), "^^^^^^");
        assert!(source.len() < 120);
    }
}
