//! Inline suppressions: `# docket: allow W001` silences that warning at one place. Written at the
//! end of the warning's line, or on a line of its own just before it (stacked allow comments all
//! apply to the first line below them that is not a comment). Several codes may be listed,
//! `# docket: allow W001, W003`, and words after the codes say why (`-- read by reporting`).
//!
//! A silenced warning is kept, marked `suppressed`: text output and the counts leave it out, JSON
//! and SARIF report it as suppressed. Only warnings can be silenced. An allow comment that
//! silences nothing is itself a warning (W006), so allow comments do not outlive their reason;
//! it is reported only for a policy without errors, since errors can stop the checks that would
//! have found the warning. Input: the file and its diagnostics; no I/O.

use crate::diag::{Diagnostic, Severity};
use crate::span::{SourceFile, Span};

/// One code named by an allow comment.
#[derive(Debug)]
struct Allow {
    /// The code, as written (upper case).
    code: String,
    /// Where the code is written, for W006.
    span: Span,
    /// The 1-based line whose warnings it silences.
    target: usize,
    /// Whether it silenced something.
    used: bool,
}

/// A `# docket:` comment that is not a well-formed allow, for W006.
#[derive(Debug)]
struct Malformed {
    span: Span,
    message: String,
    help: String,
}

/// Mark the warnings that allow comments silence, and add W006 for each allow that silences
/// nothing. `unchecked` lists codes this run did not look for (W004 without `check --now`): an
/// allow for one of them is not reported. Diagnostics stay sorted.
pub fn apply(file: &SourceFile, diags: &mut Vec<Diagnostic>, unchecked: &[&str]) {
    let (mut allows, malformed) = scan(file);
    if allows.is_empty() && malformed.is_empty() {
        return;
    }
    for d in diags.iter_mut() {
        let line = file.line_col(d.span.start).0;
        for a in allows.iter_mut().filter(|a| a.target == line && a.code == d.code) {
            a.used = true;
            if d.severity == Severity::Warning {
                d.suppressed = true;
            }
        }
    }
    // Errors can stop the checks that would have found a warning, so only a policy without
    // errors says for sure that an allow silences nothing.
    let complete = !diags.iter().any(|d| d.severity == Severity::Error);
    let mut extra = Vec::new();
    for a in &allows {
        let error = crate::codes::explain(&a.code).is_some() && !a.code.starts_with('W');
        let d = if crate::codes::explain(&a.code).is_none() {
            Diagnostic::warning("W006", a.span, format!("`{}` is not a diagnostic code", a.code)).with_help(
                "`docket codes` lists them; an allow comment names a warning, such as `# docket: allow W001`",
            )
        } else if error {
            Diagnostic::warning("W006", a.span, format!("`{}` is an error, and errors cannot be allowed", a.code))
                .with_help(format!("fix what it reports (`docket codes {}` shows how), or remove the comment", a.code))
        } else if a.used || !complete || unchecked.contains(&a.code.as_str()) {
            continue;
        } else {
            Diagnostic::warning(
                "W006",
                a.span,
                format!("`allow {}` silences nothing: there is no {} on line {}", a.code, a.code, a.target),
            )
            .with_label("nothing to allow")
            .with_help("remove it; an allow comment goes at the end of the warning's line or on the line before it")
        };
        extra.push(d);
    }
    for m in malformed {
        extra.push(Diagnostic::warning("W006", m.span, m.message).with_help(m.help));
    }
    if !extra.is_empty() {
        diags.extend(extra);
        crate::diag::sort(diags);
    }
}

/// Every allow comment in the file, and the `# docket:` comments that are not allows.
fn scan(file: &SourceFile) -> (Vec<Allow>, Vec<Malformed>) {
    let mut allows = Vec::new();
    let mut malformed = Vec::new();
    // Own-line allows waiting for the line they apply to.
    let mut pending: Vec<Allow> = Vec::new();
    let mut offset = 0;
    for (i, raw) in file.text.split('\n').enumerate() {
        let line = i + 1;
        let start = offset;
        offset += raw.len() + 1;
        let comment = comment_start(raw);
        let code_before = raw[..comment.unwrap_or(raw.len())].trim();
        if !code_before.is_empty() {
            // The line holds code: pending allows apply to it.
            for mut a in pending.drain(..) {
                a.target = line;
                allows.push(a);
            }
        }
        let Some(at) = comment else { continue };
        let text = &raw[at..];
        if text.starts_with("##") {
            continue;
        }
        let body = text[1..].trim_start();
        let Some(rest) = body.strip_prefix("docket:") else { continue };
        let rest_at = start + at + (text.len() - rest.len());
        let found = parse_directive(rest, rest_at, line, &mut malformed);
        if code_before.is_empty() {
            pending.extend(found);
        } else {
            allows.extend(found);
        }
    }
    // Allows with no line after them apply to nothing: their target is past the end.
    let past = file.text.split('\n').count() + 1;
    allows.extend(pending.into_iter().map(|a| Allow { target: past, ..a }));
    (allows, malformed)
}

/// The byte where a line's `#` comment starts, if any; a `#` inside a quoted text starts none.
fn comment_start(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Read `allow CODE[, CODE...] [why]` after `docket:`; `at` is the byte where `rest` starts.
fn parse_directive(rest: &str, at: usize, line: usize, malformed: &mut Vec<Malformed>) -> Vec<Allow> {
    let trimmed = rest.trim_start();
    let word_at = at + (rest.len() - trimmed.len());
    let word: String = trimmed.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if word != "allow" {
        let shown = if word.is_empty() { "nothing".to_string() } else { format!("`{word}`") };
        let help = match crate::diag::suggest(&word, ["allow"]) {
            Some(s) => format!("{s} the one directive is `# docket: allow CODE`"),
            None => "the one directive is `# docket: allow CODE`, such as `# docket: allow W001`".to_string(),
        };
        malformed.push(Malformed {
            span: Span::new(word_at, word_at + word.len()),
            message: format!("`# docket:` is followed by {shown}, which is not a directive"),
            help,
        });
        return vec![];
    }
    let mut allows = Vec::new();
    // The codes follow `allow`, separated by commas or blanks; what follows them says why.
    let codes_at = word_at + word.len();
    let after = &trimmed[word.len()..];
    let mut cursor = 0;
    loop {
        cursor += after[cursor..].bytes().take_while(|b| b.is_ascii_whitespace() || *b == b',').count();
        let len = after[cursor..].bytes().take_while(u8::is_ascii_alphanumeric).count();
        let token = &after[cursor..cursor + len];
        if !is_code(token) {
            break;
        }
        let start = codes_at + cursor;
        allows.push(Allow {
            code: token.to_ascii_uppercase(),
            span: Span::new(start, start + len),
            target: line,
            used: false,
        });
        cursor += len;
    }
    if allows.is_empty() {
        malformed.push(Malformed {
            span: Span::new(word_at, word_at + word.len()),
            message: "`# docket: allow` names no code".to_string(),
            help: "name the warning to allow, such as `# docket: allow W001`".to_string(),
        });
    }
    allows
}

/// Whether a word looks like a diagnostic code: `E` or `W` (either case) and three digits.
fn is_code(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() == 4 && matches!(bytes[0], b'E' | b'W' | b'e' | b'w') && bytes[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning_at(file: &SourceFile, line: usize, code: &'static str) -> Diagnostic {
        let start = file.line_start(line);
        Diagnostic::warning(code, Span::new(start, start + 1), "w")
    }

    fn run(text: &str, warnings: &[(usize, &'static str)]) -> Vec<(usize, &'static str, bool)> {
        let file = SourceFile::new("p", text);
        let mut diags: Vec<Diagnostic> = warnings.iter().map(|&(l, c)| warning_at(&file, l, c)).collect();
        apply(&file, &mut diags, &[]);
        diags.iter().map(|d| (file.line_col(d.span.start).0, d.code, d.suppressed)).collect()
    }

    #[test]
    fn an_allow_silences_its_own_line_or_the_next_line_of_code() {
        let text = "a  # docket: allow W001\n# docket: allow W002\n# docket: allow W003 -- why\nb\nc\n";
        assert_eq!(
            run(text, &[(1, "W001"), (4, "W002"), (4, "W003"), (5, "W001")]),
            [(1, "W001", true), (4, "W002", true), (4, "W003", true), (5, "W001", false)]
        );
    }

    #[test]
    fn a_trailing_allow_does_not_reach_the_next_line() {
        assert_eq!(run("a  # docket: allow W001\nb\n", &[(2, "W001")]), [(1, "W006", false), (2, "W001", false)]);
    }

    #[test]
    fn quoted_text_and_doc_comments_hold_no_allow() {
        let text = "status s \"# docket: allow W001\"\n## docket: allow W001\nb\n";
        assert_eq!(run(text, &[(1, "W001"), (3, "W001")]), [(1, "W001", false), (3, "W001", false)]);
    }

    #[test]
    fn several_codes_are_read_and_each_one_unused_is_reported() {
        let text = "a # docket: allow W001, W003 w002\n";
        let out = run(text, &[(1, "W003")]);
        assert_eq!(out, [(1, "W003", true), (1, "W006", false), (1, "W006", false)]);
    }

    #[test]
    fn errors_are_never_silenced_and_unchecked_codes_are_not_reported() {
        let file = SourceFile::new("p", "a # docket: allow E043\nb # docket: allow W004\n");
        let mut diags = vec![Diagnostic::error("E043", Span::new(0, 1), "e")];
        apply(&file, &mut diags, &["W004"]);
        // The error stands; with an error in the file, nothing is said of the W004 allow.
        let codes: Vec<(&str, bool)> = diags.iter().map(|d| (d.code, d.suppressed)).collect();
        assert_eq!(codes, [("E043", false), ("W006", false)]);
        assert!(diags[1].message.contains("errors cannot be allowed"));
    }
}
