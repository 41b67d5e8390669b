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
        Diagnostic { code, severity: Severity::Error, message: message.into(), span, label: None, help: None }
    }

    /// A warning with a code and message.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }

    /// Add a note under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Add advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add advice if there is any.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
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

/// Render a diagnostic for people: header, location, the source line and a caret under the span.
pub fn render_text(file: &SourceFile, d: &Diagnostic) -> String {
    let (line, col) = file.line_col(d.span.start);
    let (end_line, end_col) = file.line_col(d.span.end);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let source = file.line_text(line);
    let gutter = " ".repeat(line.to_string().len());
    let width = if end_line == line {
        end_col.saturating_sub(col).max(1)
    } else {
        source.chars().count().saturating_sub(col - 1).max(1)
    };
    let mut out = format!("{kind}[{}]: {}\n{gutter}--> {}:{line}:{col}\n{gutter} |\n", d.code, d.message, file.name);
    // Tabs are kept so the caret lines up with the text above it.
    let pad: String = source.chars().take(col - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    out.push_str(&format!("{line} | {}\n{gutter} | {pad}{}", printable(source), "^".repeat(width)));
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

/// Control characters would garble a terminal; show them as `?`.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() && c != '\t' { '?' } else { c }).collect()
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
    let escape = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        prop(&l.file),
        l.line,
        l.column,
        l.end_line,
        l.end_column,
        prop(d.code),
        escape(&msg)
    )
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
