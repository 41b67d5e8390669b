//! Parsing: policy text to the AST. The pest grammar lives in `grammar/policy.pest`; this module
//! runs it, turns pest's failure into a diagnostic in words, and lowers the parse tree to `ast`.
//! Parsing stops at the first syntax error; every later stage collects all its problems.

mod expected;
mod expr;
mod lower;

use crate::ast::Policy;
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::Parser;

/// The generated pest parser.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
pub struct PolicyParser;

/// How deeply brackets may nest. Real policies nest a handful of levels; the cap keeps a hostile
/// file (100,000 open parentheses) from overflowing the parser's stack.
pub const MAX_NESTING: usize = 64;

/// Parse a policy's text into its AST, or the first syntax error.
pub fn parse(text: &str) -> Result<Policy, Diagnostic> {
    check_nesting(text)?;
    let mut pairs = PolicyParser::parse(Rule::policy, text).map_err(|e| expected::describe(text, &e))?;
    let Some(policy) = pairs.next() else {
        return Err(Diagnostic::error("E001", Span::new(0, 0), "the file holds no policy"));
    };
    lower::policy(policy)
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
