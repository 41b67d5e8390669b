//! Expressions: a Pratt parser gives `or` < `and` < comparisons < `+ -` < `*` < prefix operators.

use super::lower::{ident, path, span_of};
use super::{MAX_OPERATORS, Rule};
use crate::ast::{BinaryOp, DurationLit, DurationTerm, DurationUnit, Expr, ExprKind, UnaryOp};
use crate::diag::Diagnostic;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::OnceLock;

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::op_eq, Assoc::Left)
                | Op::infix(Rule::op_ne, Assoc::Left)
                | Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left))
            .op(Op::prefix(Rule::op_neg))
    })
}

/// Lower an `expr` pair; an expression with more than [`MAX_OPERATORS`] operators is refused
/// before the Pratt parser, which recurses once per prefix operator, sees it.
pub fn expr(pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    // `flatten` walks the token queue in order, without recursion.
    let mut operators = pair.clone().into_inner().flatten().filter(|p| is_operator(p.as_rule()));
    if let Some(op) = operators.nth(MAX_OPERATORS) {
        return Err(Diagnostic::error(
            "E002",
            span_of(&op),
            format!("this expression has more than {MAX_OPERATORS} operators"),
        )
        .with_label("the limit is reached here")
        .with_help("split the condition into simpler rules"));
    }
    tree(pair)
}

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::op_not
            | Rule::op_neg
            | Rule::op_or
            | Rule::op_and
            | Rule::op_eq
            | Rule::op_ne
            | Rule::op_le
            | Rule::op_ge
            | Rule::op_lt
            | Rule::op_gt
            | Rule::op_add
            | Rule::op_sub
            | Rule::op_mul
    )
}

/// Lower an `expr` pair already known to be small enough.
fn tree(pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = crate::span::Span::new(op.as_span().start(), rhs.span.end);
            let op = if op.as_rule() == Rule::op_not { UnaryOp::Not } else { UnaryOp::Neg };
            Ok(Expr { kind: ExprKind::Unary(op, Box::new(rhs)), span })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op = match op.as_rule() {
                Rule::op_or => BinaryOp::Or,
                Rule::op_and => BinaryOp::And,
                Rule::op_eq => BinaryOp::Eq,
                Rule::op_ne => BinaryOp::Ne,
                Rule::op_lt => BinaryOp::Lt,
                Rule::op_le => BinaryOp::Le,
                Rule::op_gt => BinaryOp::Gt,
                Rule::op_ge => BinaryOp::Ge,
                Rule::op_add => BinaryOp::Add,
                Rule::op_sub => BinaryOp::Sub,
                _ => BinaryOp::Mul,
            };
            let span = crate::span::Span::new(lhs.span.start, rhs.span.end);
            Ok(Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span })
        })
        .parse(pair.into_inner())
}

fn primary(pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    let span = span_of(&pair);
    let text = pair.as_str();
    let kind = match pair.as_rule() {
        Rule::expr => return tree(pair),
        // `( expr )`: the grouping is in the tree's shape; the expression keeps its own span.
        Rule::paren => match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(inner) => return tree(inner),
            None => return Err(grammar_bug(span)),
        },
        Rule::bool_lit => ExprKind::Bool(text == "true"),
        Rule::kw_now => ExprKind::Now,
        Rule::int_lit => ExprKind::Int(text.parse().map_err(|_| {
            Diagnostic::error("E003", span, format!("the number `{text}` is too large"))
                .with_help(format!("a whole number is at most {}", i64::MAX))
        })?),
        Rule::money_lit => ExprKind::Money(Decimal::from_str(text).map_err(|_| {
            Diagnostic::error("E003", span, format!("the amount `{text}` is too large"))
                .with_help("an amount has at most 28 digits")
        })?),
        Rule::duration_term => ExprKind::Duration(duration_term(pair)?),
        Rule::day_edge => {
            let mut end = false;
            let mut time = None;
            let mut calendar = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::day_edge_name => end = p.as_str() == "end_of_day",
                    Rule::expr => time = Some(Box::new(tree(p)?)),
                    Rule::calendar_name => calendar = Some(ident(&p)),
                    _ => {}
                }
            }
            ExprKind::DayEdge { end, time: time.ok_or_else(|| grammar_bug(span))?, calendar }
        }
        Rule::at_time => {
            let mut time = None;
            let mut clock = None;
            let mut calendar = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::expr => time = Some(Box::new(tree(p)?)),
                    Rule::clock_time => clock = Some((p.as_str().to_string(), span_of(&p))),
                    Rule::calendar_name => calendar = Some(ident(&p)),
                    _ => {}
                }
            }
            ExprKind::AtTime {
                time: time.ok_or_else(|| grammar_bug(span))?,
                clock: clock.ok_or_else(|| grammar_bug(span))?,
                calendar,
            }
        }
        Rule::string => ExprKind::Text(unquote(text)),
        Rule::time_in => {
            let inner = pair.into_inner().next().map(path);
            match inner {
                Some(p) => ExprKind::TimeIn(p),
                None => return Err(grammar_bug(span)),
            }
        }
        Rule::time_since => match pair.into_inner().next() {
            Some(p) => ExprKind::TimeSince(ident(&p)),
            None => return Err(grammar_bug(span)),
        },
        _ => ExprKind::Name(text.to_string()),
    };
    Ok(Expr { kind, span })
}

/// Lower a `duration_term` pair: a literal and the calendar it is counted in.
pub fn duration_term(pair: Pair<Rule>) -> Result<DurationTerm, Diagnostic> {
    let span = span_of(&pair);
    let mut lit = None;
    let mut calendar = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::duration => lit = Some(duration_lit(&p)?),
            Rule::calendar_name => calendar = Some(ident(&p)),
            _ => {}
        }
    }
    Ok(DurationTerm { lit: lit.ok_or_else(|| grammar_bug(span))?, calendar })
}

/// Lower a `duration` pair: `5d`, `1d12h`, `3bd`, `4bh`.
pub fn duration_lit(pair: &Pair<Rule>) -> Result<DurationLit, Diagnostic> {
    let text = pair.as_str();
    let span = span_of(pair);
    let (unit, seconds) = if let Some(days) = text.strip_suffix("bd") {
        let n: i64 = days.parse().map_err(|_| too_long(text, span))?;
        if n > MAX_DURATION_SECONDS / 86_400 {
            return Err(too_long(text, span));
        }
        (DurationUnit::BusinessDays, n)
    } else if let Some(hours) = text.strip_suffix("bh") {
        let n: i64 = hours.parse().map_err(|_| too_long(text, span))?;
        let seconds = n.checked_mul(3600).filter(|s| *s <= MAX_DURATION_SECONDS).ok_or_else(|| too_long(text, span))?;
        (DurationUnit::BusinessHours, seconds)
    } else {
        (DurationUnit::Exact, duration_seconds(text).ok_or_else(|| too_long(text, span))?)
    };
    Ok(DurationLit { seconds, unit, text: text.to_string(), span })
}

/// A grammar rule produced a shape the lowering did not expect; reported, never a panic.
pub fn grammar_bug(span: crate::span::Span) -> Diagnostic {
    Diagnostic::error("E001", span, "the parser could not read this construct (an internal grammar mismatch)")
}

/// The diagnostic for a duration literal beyond [`MAX_DURATION_SECONDS`].
pub fn too_long(text: &str, span: crate::span::Span) -> Diagnostic {
    Diagnostic::error("E003", span, format!("the duration `{text}` is too long"))
        .with_help("a duration is at most 100 years")
}

/// The longest duration a literal may give: what chrono can add to a date with room to spare.
pub const MAX_DURATION_SECONDS: i64 = 100 * 365 * 86_400;

/// `"text"` without its quotes.
pub fn unquote(text: &str) -> String {
    text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text).to_string()
}

/// Seconds in a duration literal such as `1d12h` or `-5d`; `None` if it overflows.
pub fn duration_seconds(text: &str) -> Option<i64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut total: i64 = 0;
    let mut number: i64 = 0;
    for c in body.chars() {
        if let Some(d) = c.to_digit(10) {
            number = number.checked_mul(10)?.checked_add(i64::from(d))?;
        } else {
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => 604_800,
            };
            total = total.checked_add(number.checked_mul(unit)?)?;
            number = 0;
        }
    }
    if total > MAX_DURATION_SECONDS {
        return None;
    }
    Some(if negative { -total } else { total })
}
