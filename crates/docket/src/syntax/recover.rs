//! Several syntax errors per file. Pest stops at the first failure; to report more, the text
//! after it is read again from the next line that starts a declaration (at the top level) or a
//! rule (inside a status), with a grammar rule for such a remainder, and so on, up to
//! [`MAX_ERRORS`]. Braces are matched on their own, since a missing or extra `}` is best named
//! where the block begins or where nothing is open, not where the parser noticed.

use super::{PolicyParser, Rule, expected};
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::Parser;

/// The most syntax errors reported for one file: past a handful, later ones are mostly echoes.
pub const MAX_ERRORS: usize = 10;

/// Every syntax error worth reporting, given pest's first failure on the whole text.
pub fn errors(text: &str, first: &pest::error::Error<Rule>) -> Vec<Diagnostic> {
    // Braces say something only of a text that is a policy at all: one that starts with its header.
    let braces =
        if PolicyParser::parse(Rule::fragment_header, text).is_ok() { Braces::scan(text) } else { Braces::default() };
    let mut out = Vec::new();
    let first_pos = expected::position(first).min(text.len());
    let at_end = text[first_pos..].trim().is_empty();
    let never_closed = braces.never_closed(text);
    match (&never_closed, at_end) {
        // The parser reached the end looking for `}`: the opener is the news, not the end.
        (Some(d), true) => out.push(d.clone()),
        _ => out.push(expected::describe(text, first)),
    }
    if let (Some(d), false) = (&never_closed, at_end) {
        out.push(d.clone());
    }
    for &close in braces.unmatched_closes.iter().take(1) {
        let early = braces.early_close(text, close);
        let help = if early.is_some() {
            "the `}` marked closes its block too soon: move it to where the block ends, or remove this one"
        } else {
            "remove it; if it is meant to close a block, an earlier `}` closes that block too soon"
        };
        let mut d = Diagnostic::error("E001", Span::new(close, close + 1), "this `}` has no open `{` to close")
            .with_label("nothing is open here")
            .with_help(help);
        if let Some((at, opener)) = early {
            d = d.with_related(Span::new(at, at + 1), format!("this `}}` closes `{opener}` already"));
        }
        if let Some(existing) = out.iter_mut().find(|o| o.span.start == close) {
            existing.related.extend(d.related);
        } else {
            out.push(d);
        }
    }
    // Read on after each failure, from the next line a declaration or a rule starts.
    let roles = role_names(text);
    let mut pos = first_pos;
    while out.len() < MAX_ERRORS {
        let Some((start, rule)) = next_start(text, pos, &braces, &roles) else { break };
        match PolicyParser::parse(rule, &text[start..]) {
            Ok(_) => break,
            Err(e) => {
                let at = (start + expected::position(&e)).min(text.len());
                if text[at..].trim().is_empty() {
                    // At the end: the braces have said what is missing.
                    break;
                }
                let d = expected::describe_at(text, start, &e);
                if out.iter().all(|o| o.span.start != d.span.start) {
                    out.push(d);
                }
                pos = at;
            }
        }
    }
    crate::diag::sort(&mut out);
    out
}

/// Words that start a top-level declaration.
const DECLARATIONS: &[&str] =
    &["roles", "outcomes", "timers", "fields", "actions", "calendar", "status", "initial", "terminal"];

/// Words that start a rule or a nested status inside a status.
const RULE_WORDS: &[&str] = &["after", "when", "else", "deadline", "on", "status", "initial", "terminal"];

/// The start of the first line after the one holding `pos` from which parsing can go on, with
/// the grammar rule to read the rest by.
fn next_start(text: &str, pos: usize, braces: &Braces, roles: &[&str]) -> Option<(usize, Rule)> {
    let mut start = text[pos..].find('\n').map(|i| pos + i + 1)?;
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let first = line.trim_start().split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
        let doc = line.trim_start().starts_with("##");
        match braces.innermost_at(start) {
            None if DECLARATIONS.contains(&first) || doc => return Some((start, Rule::fragment_items)),
            Some(Block::Status) if RULE_WORDS.contains(&first) || roles.contains(&first) || doc => {
                return Some((start, Rule::fragment_rules));
            }
            _ => {}
        }
        start = end + 1;
    }
    None
}

/// The roles the text declares, read from its `roles` lines.
fn role_names(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.split('#').next().unwrap_or("").trim().strip_prefix("roles "))
        .flat_map(|names| names.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect()
}

/// What a `{` opens, judged from the words before it on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// A status body.
    Status,
    /// Anything else: `fields`, `actions`, `timers`, a calendar, an enum, effects.
    Other,
}

/// One `{` and where it stands.
#[derive(Debug, Clone)]
struct Opener {
    /// Byte offset of the `{`.
    at: usize,
    /// Byte offset of the first non-blank character of its line.
    line_start: usize,
    /// The indentation of its line, in characters.
    indent: usize,
    block: Block,
}

/// The file's braces, matched outside comments and quoted text.
#[derive(Debug, Default)]
struct Braces {
    /// Every `{` with the offset of its `}`, in order of the `{`.
    pairs: Vec<(Opener, usize)>,
    /// `{` never closed, outermost first.
    unclosed: Vec<Opener>,
    /// `}` with nothing open.
    unmatched_closes: Vec<usize>,
    /// A quoted text is left open at the end of its line, so which braces are quoted is unsure
    /// and their matching says nothing.
    unsure: bool,
    /// Where each line starts.
    line_starts: Vec<usize>,
    /// The innermost block open where each line starts.
    line_block: Vec<Option<Block>>,
}

impl Braces {
    fn scan(text: &str) -> Self {
        let mut braces = Braces::default();
        let mut stack: Vec<(Opener, usize)> = Vec::new();
        let (mut in_comment, mut in_string) = (false, false);
        let mut line_start = 0;
        braces.line_starts.push(0);
        braces.line_block.push(None);
        for (i, b) in text.bytes().enumerate() {
            match b {
                b'\n' => {
                    braces.unsure |= in_string;
                    in_comment = false;
                    in_string = false;
                    line_start = i + 1;
                    braces.line_starts.push(line_start);
                    braces.line_block.push(stack.last().map(|(o, _)| o.block));
                }
                _ if in_comment => {}
                b'"' => in_string = !in_string,
                _ if in_string => {}
                b'#' => in_comment = true,
                b'{' => {
                    let line = &text[line_start..i];
                    let indent = line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
                    let head = line.trim_start();
                    let block =
                        if head.split_whitespace().any(|w| w == "status") { Block::Status } else { Block::Other };
                    let opener = Opener { at: i, line_start: line_start + (line.len() - head.len()), indent, block };
                    braces.pairs.push((opener.clone(), usize::MAX));
                    stack.push((opener, braces.pairs.len() - 1));
                }
                b'}' => match stack.pop() {
                    Some((_, pair)) => {
                        braces.pairs[pair].1 = i;
                    }
                    None => braces.unmatched_closes.push(i),
                },
                _ => {}
            }
        }
        braces.unsure |= in_string;
        if braces.unsure {
            braces.unmatched_closes.clear();
            stack.clear();
        }
        braces.unclosed = stack.into_iter().map(|(o, _)| o).collect();
        braces.pairs.retain(|(_, close)| *close != usize::MAX);
        braces
    }

    /// Before a `}` that closes nothing, the likeliest culprit: the last `}` written after code on
    /// a line below its `{` (`buyer close -> closed }`), which closed that block early. With the
    /// text of its opener's line.
    fn early_close(&self, text: &str, unmatched: usize) -> Option<(usize, String)> {
        let line_of = |at: usize| self.line_of(at);
        self.pairs
            .iter()
            .filter(|(o, close)| {
                let start = text[..*close].rfind('\n').map_or(0, |i| i + 1);
                *close < unmatched && line_of(*close) != line_of(o.at) && !text[start..*close].trim().is_empty()
            })
            .max_by_key(|(_, close)| *close)
            .map(|(o, close)| (*close, text[o.line_start..=o.at].trim().to_string()))
    }

    /// The 0-based line of a byte offset.
    fn line_of(&self, at: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= at).saturating_sub(1)
    }

    /// The innermost block open where a line starts (`at` is the line's first byte).
    fn innermost_at(&self, at: usize) -> Option<Block> {
        self.line_block.get(self.line_of(at)).copied().flatten()
    }

    /// The diagnostic for a block never closed, if one is. When a `}` on a line of its own is
    /// indented otherwise than the line that opened what it closes, it was written for an outer
    /// block, and the block it closed instead is the one left open; else the innermost open one.
    fn never_closed(&self, text: &str) -> Option<Diagnostic> {
        let outermost = self.unclosed.first()?;
        let own_line_indent = |close: usize| {
            let start = text[..close].rfind('\n').map_or(0, |i| i + 1);
            let before = &text[start..close];
            before.trim().is_empty().then(|| before.chars().count())
        };
        let misplaced = self
            .pairs
            .iter()
            .filter(|(o, _)| o.at > outermost.at)
            .find(|(o, close)| own_line_indent(*close).is_some_and(|indent| indent != o.indent))
            .map(|(o, _)| o);
        let opener = misplaced.or(self.unclosed.last())?;
        let shown = text[opener.line_start..=opener.at].trim();
        let line = self.line_of(opener.at) + 1;
        let end = text.trim_end().len();
        let last = text[..end].chars().next_back().map_or(end, |c| end - c.len_utf8());
        Some(
            Diagnostic::error(
                "E001",
                Span::new(opener.line_start, opener.at + 1),
                format!("`{shown}` on line {line} is never closed"),
            )
            .with_label("this `{` has no `}`")
            .with_related(Span::new(last, end), "the file ends before it is closed")
            .with_help("add the `}` that ends this block, after its last line"),
        )
    }
}
