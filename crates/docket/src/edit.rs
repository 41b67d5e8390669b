//! Editing a policy's text in place. `docket set` changes one timer's duration by replacing the bytes
//! of that one duration literal, found through the AST's spans, so every comment, blank line and
//! column of alignment elsewhere in the file stays byte-identical. Functions here are pure: text in,
//! text out. They never read or write files; `src/cli/set.rs` does that.
//!
//! An edit is refused unless the policy checks without errors before it, and the edited text is
//! checked again before it is returned: an edit never turns a working policy into a broken one.

use crate::ast::{DurationLit, DurationSpec, DurationUnit, Expr, ExprKind, Policy, TimerClock, TimerDecl};
use crate::diag::{Diagnostic, Severity, suggest};
use crate::span::{SourceFile, Span};

/// The longest duration the language accepts (the parser's own limit): 100 years of 365 days.
pub const MAX_DURATION_SECONDS: i64 = 100 * 365 * 86_400;

/// Why an edit or a lookup could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The policy has errors, so it is not safe to edit.
    #[error("the policy has {} error(s); fix them before editing it", errors(.diagnostics))]
    Invalid {
        /// Every problem found in the policy as it is.
        diagnostics: Vec<Diagnostic>,
    },
    /// No timer of that name is declared.
    #[error("there is no timer `{name}` in the `timers` block")]
    UnknownTimer {
        /// The name asked for.
        name: String,
        /// The declared name closest to it, if one is a likely typo.
        suggestion: Option<String>,
        /// Advice: the suggestion, or the list of declared names.
        help: String,
    },
    /// The timer's deadline comes from a field, so it has no duration literal.
    #[error("timer `{name}` fires `at` the time in field `{field}`, so it has no duration to set")]
    NotADuration {
        /// The timer.
        name: String,
        /// The field it fires at.
        field: String,
        /// Where the field's name is written in the declaration.
        span: Span,
    },
    /// The timer lasts as long as a duration field says, so it has no duration literal.
    #[error("timer `{name}` lasts as long as field `{field}` says, so it has no duration to set")]
    FromField {
        /// The timer.
        name: String,
        /// The duration field.
        field: String,
        /// Where the field's name is written in the declaration.
        span: Span,
    },
    /// The timer holds several duration literals; one must be named.
    #[error("timer `{name}` holds several durations; name one of them")]
    Ambiguous {
        /// The timer.
        name: String,
        /// The names of its durations (`representment.visa`).
        choices: Vec<String>,
    },
    /// The duration given is not a valid one.
    #[error("`{text}` is not a valid duration: {reason}")]
    InvalidDuration {
        /// The duration as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The edited policy would not check; nothing is changed.
    #[error("the edit would leave the policy with {} error(s); nothing was changed", errors(.diagnostics))]
    WouldBreak {
        /// The problems found in the edited text.
        diagnostics: Vec<Diagnostic>,
        /// The edited text the diagnostics point into.
        edited: String,
    },
}

fn errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
}

impl EditError {
    /// Advice for the user, when there is some.
    pub fn help(&self) -> Option<String> {
        match self {
            EditError::UnknownTimer { help, .. } => Some(help.clone()),
            EditError::NotADuration { field, .. } => {
                Some(format!("its deadline is whatever time a case holds in `{field}`; change that field instead"))
            }
            EditError::FromField { field, .. } => {
                Some(format!("its length is whatever duration a case holds in `{field}`; change that field instead"))
            }
            EditError::Ambiguous { choices, .. } => Some(format!(
                "its durations are {}",
                choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )),
            EditError::InvalidDuration { .. } => Some(
                "write a number and a unit (s m h d w), or several, largest first: `7d`, `36h`, `1d12h`; \
                 or business days or hours of the timer's calendar: `3bd`, `4bh`"
                    .into(),
            ),
            EditError::Invalid { .. } => Some("run `docket check` on the policy to see every problem".into()),
            EditError::WouldBreak { .. } => None,
        }
    }
}

/// A timer's duration as written in a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerDuration {
    /// What names this duration: the timer's name, or `timer.variant` for an entry of a
    /// duration table (`representment.visa`).
    pub timer: String,
    /// The duration literal as written (`5d`, `3bd`), with its calendar (`3bd in uk`).
    pub duration: String,
    /// Its length in seconds; `None` for business days, whose length depends on the day.
    pub seconds: Option<i64>,
    /// Where the literal is written.
    pub span: Span,
    /// Where the timer's name is written.
    pub name_span: Span,
}

/// Parse a duration as the policy language writes it: one or more `NUMBER UNIT` pairs, units
/// `s m h d w` (`7d`, `36h`, `1d12h`). Returns its length in seconds; zero, negative, malformed and
/// over-long durations are refused with the reason.
pub fn parse_duration(text: &str) -> Result<i64, EditError> {
    let invalid = |reason: String| EditError::InvalidDuration { text: text.to_string(), reason };
    if let Some(n) = text.strip_suffix("bd").or_else(|| text.strip_suffix("bh")) {
        let per = if text.ends_with("bd") { 86_400 } else { 3600 };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("business days and hours are a whole number and `bd` or `bh`: `3bd`, `4bh`".into()));
        }
        let n: i64 = n.parse().map_err(|_| invalid("it is too long".into()))?;
        if n == 0 {
            return Err(invalid("a timer must last at least one second".into()));
        }
        return n
            .checked_mul(per)
            .filter(|s| *s <= MAX_DURATION_SECONDS)
            .ok_or_else(|| invalid("the longest duration is 100 years (`5214w`)".into()));
    }
    if text.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if text.starts_with('-') {
        return Err(invalid("a timer cannot last a negative time".into()));
    }
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    let mut units_seen = false;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            let n = number.unwrap_or(0);
            let n = n.checked_mul(10).and_then(|n| n.checked_add(i64::from(d)));
            number = Some(n.ok_or_else(|| invalid("it is too long".into()))?);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            'S' | 'M' | 'H' | 'D' | 'W' => {
                return Err(invalid(format!("units are lowercase: `{}`", c.to_ascii_lowercase())));
            }
            _ if c.is_alphabetic() => return Err(invalid(format!("`{c}` is not a unit; the units are s m h d w"))),
            _ => return Err(invalid(format!("`{c}` cannot appear in a duration"))),
        };
        let Some(n) = number.take() else {
            return Err(invalid(format!("the unit `{c}` needs a number before it")));
        };
        units_seen = true;
        total =
            n.checked_mul(unit).and_then(|x| total.checked_add(x)).ok_or_else(|| invalid("it is too long".into()))?;
    }
    if number.is_some() {
        let hint = if units_seen { "the last number" } else { "the number" };
        return Err(invalid(format!("{hint} has no unit, such as `d` for days")));
    }
    if total == 0 {
        return Err(invalid("a timer must last at least one second".into()));
    }
    if total > MAX_DURATION_SECONDS {
        return Err(invalid("the longest duration is 100 years (`5214w`)".into()));
    }
    Ok(total)
}

/// Every declared timer's durations, in declaration order: each duration literal (a table's
/// entries as `timer.variant`), or the field it fires at. Only parses: the policy need not check.
pub fn timers(text: &str) -> Result<Vec<TimerListing>, EditError> {
    let policy = parse(text)?;
    let mut out = Vec::new();
    for t in &policy.timers {
        let literals = literals_of(t);
        if literals.is_empty() {
            let field = match &t.clock {
                TimerClock::After(DurationSpec::Field(f)) => f.name.clone(),
                TimerClock::At(e) => crate::format::expr_text(text, e, 0),
                _ => String::new(),
            };
            out.push(TimerListing::At { timer: t.name.name.clone(), field, span: t.name.span });
        }
        out.extend(
            literals.into_iter().map(|(name, lit, calendar)| TimerListing::Duration(listing(t, name, lit, calendar))),
        );
    }
    Ok(out)
}

/// The duration literals of a timer, each with the name that addresses it and its calendar.
fn literals_of(t: &TimerDecl) -> Vec<(String, &DurationLit, Option<&str>)> {
    let name = &t.name.name;
    fn cal(term: &crate::ast::DurationTerm) -> Option<&str> {
        term.calendar.as_ref().map(|c| c.name.as_str())
    }
    match &t.clock {
        TimerClock::After(DurationSpec::Literal(term)) => vec![(name.clone(), &term.lit, cal(term))],
        TimerClock::After(DurationSpec::Field(_)) => vec![],
        TimerClock::After(DurationSpec::Table { entries, .. }) => {
            entries.iter().map(|(v, term)| (format!("{name}.{}", v.name), &term.lit, cal(term))).collect()
        }
        TimerClock::At(e) => {
            let mut found = Vec::new();
            expr_literals(e, &mut found);
            let many = found.len() > 1;
            found
                .into_iter()
                .enumerate()
                .map(|(i, (lit, c))| (if many { format!("{name}.{}", i + 1) } else { name.clone() }, lit, c))
                .collect()
        }
    }
}

/// Duration literals of an expression, in source order.
fn expr_literals<'a>(e: &'a Expr, out: &mut Vec<(&'a DurationLit, Option<&'a str>)>) {
    match &e.kind {
        ExprKind::Duration(term) => out.push((&term.lit, term.calendar.as_ref().map(|c| c.name.as_str()))),
        ExprKind::Unary(_, x) => expr_literals(x, out),
        ExprKind::Binary(_, l, r) => {
            expr_literals(l, out);
            expr_literals(r, out);
        }
        ExprKind::DayEdge { time, .. } | ExprKind::AtTime { time, .. } => expr_literals(time, out),
        _ => {}
    }
}

fn listing(t: &TimerDecl, name: String, lit: &DurationLit, calendar: Option<&str>) -> TimerDuration {
    let duration = match calendar {
        Some(c) => format!("{} in {c}", lit.text),
        None => lit.text.clone(),
    };
    TimerDuration {
        timer: name,
        duration,
        seconds: (lit.unit != DurationUnit::BusinessDays).then_some(lit.seconds),
        span: lit.span,
        name_span: t.name.span,
    }
}

/// One timer of [`timers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerListing {
    /// `name = 5d`.
    Duration(TimerDuration),
    /// `name at field`.
    At {
        /// The timer's name.
        timer: String,
        /// The field holding its deadline.
        field: String,
        /// Where the timer's name is written.
        span: Span,
    },
}

/// The duration of one timer as written (`timer`, or `timer.variant` for a table's entry).
/// Only parses: the policy need not check cleanly.
pub fn get_duration(text: &str, timer: &str) -> Result<TimerDuration, EditError> {
    let policy = parse(text)?;
    let decl = find_timer(&policy, timer.split('.').next().unwrap_or(timer))?;
    duration_of(text, decl, timer)
}

/// Set one timer's duration, changing only the bytes of its duration literal. The policy must check
/// without errors before, and the result is checked again; `duration` is validated as the language
/// writes durations (positive, units `s m h d w`). Returns the whole edited text.
pub fn set_duration(text: &str, timer: &str, duration: &str) -> Result<String, EditError> {
    let seconds = parse_duration(duration)?;
    let policy = parse(text)?;
    let decl = find_timer(&policy, timer.split('.').next().unwrap_or(timer))?;
    let current = duration_of(text, decl, timer)?;
    let before = crate::compile_file(SourceFile::new("policy", text));
    if before.table.is_none() || errors(&before.diagnostics) > 0 {
        return Err(EditError::Invalid { diagnostics: before.diagnostics });
    }
    if text.get(current.span.start..current.span.end) == Some(duration) {
        return Ok(text.to_string());
    }
    // The parser's spans fall on character boundaries; `get` keeps a wrong span from panicking.
    let (Some(head), Some(tail)) = (text.get(..current.span.start), text.get(current.span.end..)) else {
        return Err(EditError::Invalid { diagnostics: Vec::new() });
    };
    let edited = format!("{head}{duration}{tail}");
    let after = crate::compile_file(SourceFile::new("policy", edited.as_str()));
    if after.table.is_none() || errors(&after.diagnostics) > 0 {
        return Err(EditError::WouldBreak { diagnostics: after.diagnostics, edited });
    }
    // The edit must have landed on the timer asked for, with the length asked for.
    let expected = if duration.ends_with("bd") { None } else { Some(seconds) };
    match get_duration(&edited, timer) {
        Ok(d) if d.seconds == expected && edited.get(d.span.start..d.span.end) == Some(duration) => Ok(edited),
        _ => Err(EditError::WouldBreak { diagnostics: Vec::new(), edited }),
    }
}

fn parse(text: &str) -> Result<Policy, EditError> {
    crate::syntax::parse(text).map_err(|d| EditError::Invalid { diagnostics: vec![d] })
}

fn find_timer<'a>(policy: &'a Policy, name: &str) -> Result<&'a TimerDecl, EditError> {
    if let Some(decl) = policy.timers.iter().find(|t| t.name.name == name) {
        return Ok(decl);
    }
    let names: Vec<&str> = policy.timers.iter().map(|t| t.name.name.as_str()).collect();
    let help = match suggest(name, names.iter().copied()) {
        Some(s) => s,
        None if names.is_empty() => "the policy declares no timers".to_string(),
        None => format!("the timers are {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    };
    let suggestion = names.iter().find(|n| help == format!("did you mean `{n}`?")).map(|n| n.to_string());
    Err(EditError::UnknownTimer { name: name.to_string(), suggestion, help })
}

/// The duration literal `address` names in a timer (`timer`, or `timer.variant`).
fn duration_of(text: &str, decl: &TimerDecl, address: &str) -> Result<TimerDuration, EditError> {
    let name = decl.name.name.clone();
    let literals = literals_of(decl);
    if let Some((n, lit, cal)) = literals.iter().find(|(n, _, _)| n == address) {
        return Ok(listing(decl, n.clone(), lit, *cal));
    }
    match &decl.clock {
        TimerClock::After(DurationSpec::Field(f)) => {
            Err(EditError::FromField { name, field: f.name.clone(), span: f.span })
        }
        TimerClock::At(e) if literals.is_empty() => {
            let field = crate::format::expr_text(text, e, 0);
            Err(EditError::NotADuration { name, field, span: e.span })
        }
        _ if address == name => {
            Err(EditError::Ambiguous { name, choices: literals.into_iter().map(|(n, _, _)| n).collect() })
        }
        _ => {
            let choices: Vec<String> = literals.into_iter().map(|(n, _, _)| n).collect();
            let help = suggest(address, choices.iter().map(String::as_str)).unwrap_or_else(|| {
                format!("its durations are {}", choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
            });
            Err(EditError::UnknownTimer { name: address.to_string(), suggestion: None, help })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "policy p \"P\"\nroles buyer\noutcomes done\ntimers {\n  wait = 5d   # R1: keep me\n  \
                          due  at due_at\n}\nfields {\n  due_at: time?\n}\nactions {\n  buyer go\n}\n\
                          initial status a \"A\" {\n  after wait -> b\n  after due -> b\n  buyer go -> b\n}\n\
                          terminal status b \"B\" outcome done\n";

    #[test]
    fn durations_follow_the_language() {
        assert_eq!(parse_duration("7d"), Ok(7 * 86_400));
        assert_eq!(parse_duration("1d12h"), Ok(86_400 + 12 * 3600));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert_eq!(parse_duration("90s"), Ok(90));
        for bad in ["", "0d", "0s0m", "-5d", "5", "1d12", "d", "5x", "5D", "5 d", "1.5d", "99999999999w"] {
            assert!(matches!(parse_duration(bad), Err(EditError::InvalidDuration { .. })), "{bad:?} was accepted");
        }
    }

    #[test]
    fn set_replaces_only_the_literal() {
        let out = set_duration(POLICY, "wait", "1d12h").unwrap();
        assert_eq!(out, POLICY.replace("wait = 5d", "wait = 1d12h"));
        assert_eq!(get_duration(&out, "wait").unwrap().seconds, Some(36 * 3600));
    }

    #[test]
    fn unknown_timers_get_a_suggestion() {
        let err = set_duration(POLICY, "wai", "2d").unwrap_err();
        assert_eq!(
            err,
            EditError::UnknownTimer {
                name: "wai".into(),
                suggestion: Some("wait".into()),
                help: "did you mean `wait`?".into()
            }
        );
        let err = get_duration(POLICY, "zzzzzz").unwrap_err();
        assert!(
            matches!(err, EditError::UnknownTimer { suggestion: None, help, .. } if help == "the timers are `wait`, `due`")
        );
    }

    #[test]
    fn field_timers_have_no_duration() {
        assert!(matches!(set_duration(POLICY, "due", "2d"), Err(EditError::NotADuration { .. })));
    }

    #[test]
    fn broken_policies_are_not_edited() {
        let broken = POLICY.replace("buyer go -> b", "buyer go -> nowhere");
        assert!(matches!(set_duration(&broken, "wait", "2d"), Err(EditError::Invalid { .. })));
        assert!(matches!(set_duration("policy", "wait", "2d"), Err(EditError::Invalid { .. })));
    }

    #[test]
    fn setting_the_same_text_changes_nothing() {
        assert_eq!(set_duration(POLICY, "wait", "5d").unwrap(), POLICY);
    }

    const TIMED: &str = "policy p \"P\"\nroles user\noutcomes done\n\ncalendar uk {\n  zone \"Europe/London\"\n}\n\n\
                         timers {\n  answer = 3bd in uk\n  window = by network { visa -> 30d, mastercard -> 45d }\n  \
                         due    at due_by + 75d\n  custom = length\n}\n\nfields {\n  network: enum { visa, mastercard }\n  \
                         due_by: time?\n  length: duration = 1d\n}\n\nactions {\n  user go\n}\n\n\
                         initial status a \"A\" {\n  after answer -> b\n  after window -> b\n  after due -> b\n  \
                         after custom -> b\n  user go -> b\n}\n\nterminal status b \"B\" outcome done\n";

    #[test]
    fn every_duration_literal_can_be_read_and_set() {
        assert_eq!(get_duration(TIMED, "answer").unwrap().duration, "3bd in uk");
        assert_eq!(get_duration(TIMED, "answer").unwrap().seconds, None);
        assert_eq!(get_duration(TIMED, "window.mastercard").unwrap().duration, "45d");
        assert_eq!(get_duration(TIMED, "due").unwrap().duration, "75d");
        let out = set_duration(TIMED, "window.visa", "35d").unwrap();
        assert_eq!(out, TIMED.replace("visa -> 30d", "visa -> 35d"));
        let out = set_duration(TIMED, "answer", "5bd").unwrap();
        assert_eq!(out, TIMED.replace("answer = 3bd", "answer = 5bd"));
        let out = set_duration(TIMED, "due", "90d").unwrap();
        assert_eq!(out, TIMED.replace("due_by + 75d", "due_by + 90d"));
    }

    #[test]
    fn durations_without_a_literal_or_with_several_say_why() {
        assert!(
            matches!(get_duration(TIMED, "window"), Err(EditError::Ambiguous { choices, .. }) if choices == ["window.visa", "window.mastercard"])
        );
        assert!(matches!(get_duration(TIMED, "custom"), Err(EditError::FromField { field, .. }) if field == "length"));
        assert!(matches!(get_duration(TIMED, "window.amex"), Err(EditError::UnknownTimer { .. })));
        // Business days need the calendar the literal is counted in: without one, nothing changes.
        let plain = TIMED.replace("window = by network { visa -> 30d, mastercard -> 45d }", "window = 30d");
        assert!(matches!(set_duration(&plain, "window", "3bd"), Err(EditError::WouldBreak { .. })));
    }
}
