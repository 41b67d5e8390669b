//! Parsing: policy text to the AST. The pest grammar lives in `grammar/policy.pest`; this module
//! runs it, turns pest's failure into a diagnostic in words, and lowers the parse tree to `ast`.
//! After a syntax error, `parse_all` reads on from the next declaration or rule to report up to
//! ten errors (`recover.rs`); `parse` keeps the first. Every later stage collects all its problems.

mod expected;
mod expr;
mod lower;
mod recover;

use crate::ast::Policy;
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::Parser;

/// The generated pest parser.
#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/policy.pest"]
pub struct PolicyParser;

/// How deeply brackets may nest. Real policies nest a handful of levels; the cap keeps a hostile
/// file (100,000 open parentheses) from overflowing the parser's stack.
pub const MAX_NESTING: usize = 64;

/// How many operators one expression may hold. A long chain such as `a + a + ... + a` builds a
/// tree as deep as it is long, and every later walk over it recurses; real conditions hold a
/// handful of operators.
pub const MAX_OPERATORS: usize = 256;

/// The largest policy file accepted, in bytes. Real policies are a few kilobytes; the cap keeps
/// a 50 MB file from holding `check` for minutes, since parsing time grows with the size.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The words the grammar reserves; none of them can be a name.
pub const KEYWORDS: &[&str] = &[
    "actions", "after", "and", "deadline", "else", "enum", "false", "fields", "initial", "not", "now", "or", "outcome",
    "outcomes", "policy", "roles", "status", "terminal", "timers", "true", "version", "when",
];

/// Whether a word is reserved by the grammar.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The error for `on` followed by anything but `entry`: authors reach for `on EVENT { ... }` to
/// react to an event, which the language writes as a rule. The parser reports it where the text
/// does not parse (`on buyer close { ... }`), and the checker where it parses as a rule of a
/// role `on` that is not declared (`on event { ... }`). `span` covers `on` and what follows it;
/// `rule` is a rule to write instead: the one meant when `exact`, else an example.
pub fn on_is_only_entry(span: Span, rule: Option<&str>, exact: bool) -> Diagnostic {
    let example = match rule {
        Some(rule) if exact => format!(", here `{rule}`"),
        Some(rule) => format!(", such as `{rule}`"),
        None => String::new(),
    };
    Diagnostic::error("E001", span, "`on` starts only `on entry { ... }`, the effects applied on entering the status")
        .with_label("not `on entry`")
        .with_help(format!(
            "to react to an event, write a rule for the role and action that send it, \
             `ROLE ACTION -> STATUS {{ ... }}`{example}"
        ))
}

/// Parse a policy's text into its AST, or the first syntax error.
pub fn parse(text: &str) -> Result<Policy, Diagnostic> {
    parse_all(text).map_err(|mut errors| {
        if errors.is_empty() {
            Diagnostic::error("E001", Span::new(0, 0), "the file holds no policy")
        } else {
            errors.swap_remove(0)
        }
    })
}

/// Parse a policy's text into its AST, or its syntax errors in order of position: up to
/// [`recover::MAX_ERRORS`], each found by reading on after the one before.
pub fn parse_all(text: &str) -> Result<Policy, Vec<Diagnostic>> {
    check_size(text).map_err(|d| vec![d])?;
    check_nesting(text).map_err(|d| vec![d])?;
    let mut pairs = PolicyParser::parse(Rule::policy, text).map_err(|e| recover::errors(text, &e))?;
    let Some(policy) = pairs.next() else {
        return Err(vec![Diagnostic::error("E001", Span::new(0, 0), "the file holds no policy")]);
    };
    lower::policy(policy).map_err(|d| vec![d])
}

/// Refuse a file larger than [`MAX_SOURCE_BYTES`] before any work that grows with its size.
fn check_size(text: &str) -> Result<(), Diagnostic> {
    if text.len() <= MAX_SOURCE_BYTES {
        return Ok(());
    }
    // Point at the first character past the limit, so the rendered line shows where it was reached.
    let mut at = MAX_SOURCE_BYTES;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Err(Diagnostic::error(
        "E005",
        Span::new(at, end),
        format!("the file is larger than {} KiB, the most a policy may hold", MAX_SOURCE_BYTES / 1024),
    )
    .with_label("the limit is reached here")
    .with_help("a policy is a few kilobytes of text; check that this is the right file"))
}

/// Refuse nesting deeper than [`MAX_NESTING`] before pest sees it.
fn check_nesting(text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut in_comment = false;
    let mut in_string = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\n' => {
                in_comment = false;
                in_string = false;
            }
            _ if in_comment => {}
            b'"' => in_string = !in_string,
            _ if in_string => {}
            b'#' => in_comment = true,
            b'(' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::error(
                        "E002",
                        Span::new(i, i + 1),
                        format!("brackets nest more than {MAX_NESTING} levels deep"),
                    )
                    .with_help("split the expression or the statuses into shallower pieces"));
                }
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_the_grammar() {
        let grammar = include_str!("../../../../grammar/policy.pest");
        let rule = grammar.lines().skip_while(|l| !l.starts_with("keyword ")).take_while(|l| !l.starts_with("ident "));
        // Every keyword is listed in the rule, and each one parses as a keyword by itself.
        let mut words: Vec<&str> = rule.flat_map(|l| l.split('"').skip(1).step_by(2)).collect();
        words.sort();
        assert_eq!(words, KEYWORDS);
        for word in KEYWORDS {
            assert!(PolicyParser::parse(Rule::keyword, word).is_ok(), "{word}");
        }
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_before_parsing() {
        let text = format!("policy p \"P\"\n{}", "# padding\n".repeat(MAX_SOURCE_BYTES / 10 + 1));
        let err = parse(&text).err().map(|d| d.code);
        assert_eq!(err, Some("E005"));
    }

    #[test]
    fn long_operator_chains_are_refused_not_overflowed() {
        let guard = format!("n{}", " + n".repeat(MAX_OPERATORS + 1));
        let text = format!("policy p \"P\"\nfields {{\n  n: int = {guard}\n}}\n");
        assert_eq!(parse(&text).err().map(|d| d.code), Some("E002"));
        let guard = format!("n{}", " + n".repeat(MAX_OPERATORS));
        let text = format!("policy p \"P\"\nfields {{\n  n: int = {guard}\n}}\n");
        assert!(parse(&text).is_ok());
    }
}
