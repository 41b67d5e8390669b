//! Diagnostics: one struct for every problem any layer finds, and its renderers (text with a
//! caret under the span, JSON, GitHub Actions annotations). Rendering happens once, at the edge.

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
}

impl Diagnostic {
    /// An error with a code and message.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        let message = elide_quoted(message.into());
        Diagnostic { code, severity: Severity::Error, message, span, label: None, help: None }
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
}

/// Locate a diagnostic in its file.
pub fn locate(file: &SourceFile, d: &Diagnostic) -> LocatedDiagnostic {
    let (line, column) = file.line_col(d.span.start);
    let (end_line, end_column) = file.line_col(d.span.end);
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
    }
}

/// Sort diagnostics by position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message)));
}

/// The most characters of a source line a rendered diagnostic shows; a longer line is cut to a
/// window around the span, so a one-line 50 MB file does not print 50 MB.
const MAX_SHOWN_CHARS: usize = 100;

/// How many characters before the span a cut line keeps.
const SHOWN_BEFORE: usize = 40;

/// Render a diagnostic for people: header, location, the source line and a caret under the span.
pub fn render_text(file: &SourceFile, d: &Diagnostic) -> String {
    let (line, col) = file.line_col(d.span.start);
    let (end_line, end_col) = file.line_col(d.span.end);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let source: Vec<char> = file.line_text(line).chars().collect();
    let gutter = " ".repeat(line.to_string().len());
    // Character columns, 0-based: the caret runs from `first` to `last` (exclusive).
    let first = col - 1;
    let last = if end_line == line { end_col - 1 } else { source.len() }.max(first + 1);
    let (from, to) = if source.len() <= MAX_SHOWN_CHARS {
        (0, source.len())
    } else {
        let from = first.saturating_sub(SHOWN_BEFORE).min(source.len());
        (from, (from + MAX_SHOWN_CHARS).min(source.len()))
    };
    let cut_before = if from > 0 { "..." } else { "" };
    let cut_after = if to < source.len() { "..." } else { "" };
    let shown: String = source[from..to].iter().collect();
    // Tabs are kept so the caret lines up with the text above it.
    let pad: String = cut_before
        .chars()
        .map(|_| ' ')
        .chain(
            source[from..first.min(to).max(from)]
                .iter()
                .filter(|&&c| c != BOM)
                .map(|&c| if c == '\t' { '\t' } else { ' ' }),
        )
        .chain(std::iter::repeat_n(' ', first.saturating_sub(to)))
        .collect();
    let width = last.min(to.max(first + 1)) - first;
    let mut out = format!("{kind}[{}]: {}\n{gutter}--> {}:{line}:{col}\n{gutter} |\n", d.code, d.message, file.name);
    out.push_str(&format!(
        "{line} | {cut_before}{}{cut_after}\n{gutter} | {pad}{}",
        printable(&shown),
        "^".repeat(width.max(1))
    ));
    if let Some(label) = &d.label {
        out.push(' ');
        out.push_str(label);
    }
    out.push('\n');
    if let Some(help) = &d.help {
        out.push_str(&format!("{gutter} = help: {help}\n"));
    }
    out
}

/// A byte-order mark: invisible, so neither shown nor counted under the line.
const BOM: char = '\u{FEFF}';

/// Control characters would garble a terminal; show them as `?`.
fn printable(s: &str) -> String {
    s.chars().filter(|&c| c != BOM).map(|c| if c.is_control() && c != '\t' { '?' } else { c }).collect()
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

/// Levenshtein distance between `a` and `b`, or `None` once it must exceed `limit`. The rows
/// are kept in `rows`, reused between calls: suggestions compare one name with many.
fn edit_distance(a: &[char], b: &[char], limit: usize, rows: &mut (Vec<usize>, Vec<usize>)) -> Option<usize> {
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let d = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(d);
        }
        // Every later row is at least this row's minimum.
        if cur.iter().min().is_some_and(|&m| m > limit) {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

/// How many candidates a suggestion weighs. A policy declares tens of names; the cap keeps a
/// hostile file with thousands of names and thousands of typos from taking quadratic time.
pub const MAX_CANDIDATES: usize = 500;

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let target: Vec<char> = name.chars().collect();
    let limit = (target.len() / 3).max(1);
    let mut rows = (Vec::new(), Vec::new());
    let mut chars = Vec::new();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates.into_iter().take(MAX_CANDIDATES) {
        if c == name {
            continue;
        }
        chars.clear();
        chars.extend(c.chars());
        // The distance is at least the difference in length: skip the hopeless ones cheaply.
        if chars.len().abs_diff(target.len()) > limit {
            continue;
        }
        if let Some(d) = edit_distance(&target, &chars, limit, &mut rows)
            && best.is_none_or(|b| (d, c) < b)
        {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
