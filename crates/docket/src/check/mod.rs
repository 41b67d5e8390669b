//! The checker: resolves every name in the AST, types every expression and finds every mistake
//! an analyst can make, collecting all problems in one run. Its output, when there are no
//! errors, is a [`CheckedPolicy`]: the table's declarations plus each status's own rules, which
//! `compile` flattens. Each family of checks lives in its own file.

mod allow;
mod calendars;
mod declare;
mod graph;
mod overlap;
mod rules;
mod types;
mod usage;

use crate::ast::Policy;
use crate::compile::table::{ActionId, TimerId, Transition, TransitionTable};
use crate::diag::{Diagnostic, Severity};
use crate::span::{SourceFile, Span};

/// What a status declares itself, before inheritance is resolved.
#[derive(Debug, Clone, Default)]
pub struct OwnRules {
    /// Per action, its rules in order.
    pub actions: Vec<(ActionId, Vec<Transition>)>,
    /// Timers armed here.
    pub timers: Vec<OwnTimer>,
    /// Automatic transitions.
    pub automatic: Vec<Transition>,
}

/// A timer armed by a status's own declaration.
#[derive(Debug, Clone)]
pub struct OwnTimer {
    /// Which timer.
    pub timer: TimerId,
    /// `None` for an SLA deadline, else the rules that move the case.
    pub rules: Option<Vec<Transition>>,
    /// Where it is armed.
    pub span: Span,
    /// That line.
    pub line: usize,
}

/// A policy that passed the checker.
#[derive(Debug, Clone)]
pub struct CheckedPolicy {
    /// Declarations resolved; the per-status flattened parts are still empty.
    pub table: TransitionTable,
    /// Each status's own rules, by status id.
    pub own: Vec<OwnRules>,
}

/// The checker's result: every diagnostic, and the checked policy if there was no error.
#[derive(Debug)]
pub struct CheckOutcome {
    /// Problems, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Present when no diagnostic is an error.
    pub checked: Option<CheckedPolicy>,
}

pub use allow::apply as apply_allows;
pub use declare::ReadFile;

/// Check a parsed policy; `read` reads the files it names (a calendar's holidays).
pub fn check(file: &SourceFile, ast: &Policy, read: ReadFile) -> CheckOutcome {
    let mut cx = declare::Context::new(file, read);
    cx.declare(ast);
    rules::resolve_pauses(&mut cx, ast);
    let own = rules::resolve_statuses(&mut cx, ast);
    graph::check(&mut cx, &own, ast);
    overlap::check(&mut cx, &own);
    usage::check(&mut cx, ast);
    let mut diagnostics = std::mem::take(&mut cx.diags);
    crate::diag::sort(&mut diagnostics);
    let has_error = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let checked = (!has_error).then_some(CheckedPolicy { table: cx.table, own });
    CheckOutcome { diagnostics, checked }
}

/// How far ahead of "now" a calendar's holiday data should reach: a year covers every deadline
/// real dispute programs count in business days.
pub const CALENDAR_HORIZON_DAYS: i64 = 365;

/// Warnings (W004) for calendars whose holiday data ends less than [`CALENDAR_HORIZON_DAYS`] after
/// `now`, pointing at each `holidays` file. `now` is given, never read: check stays deterministic.
pub fn calendar_horizon(
    file: &SourceFile,
    table: &TransitionTable,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Diagnostic> {
    let Ok(ast) = crate::syntax::parse(&file.text) else { return vec![] };
    let horizon = (now + chrono::TimeDelta::days(CALENDAR_HORIZON_DAYS)).date_naive();
    let mut out = Vec::new();
    for decl in &ast.calendars {
        let Some(cal) = table.calendars.iter().find(|c| c.name == decl.name.name) else { continue };
        let (Some((_, last)), Some((path, span))) = (cal.covers, &decl.holidays) else { continue };
        if last >= horizon {
            continue;
        }
        let when = if last < now.date_naive() { "ended" } else { "ends" };
        out.push(
            Diagnostic::warning(
                "W004",
                *span,
                format!(
                    "calendar `{}`'s holiday data {when} {last}, less than a year after {}",
                    cal.name,
                    now.date_naive()
                ),
            )
            .with_label(format!("covers up to {last}"))
            .with_help(format!(
                "add the holidays after {last} to `{path}` and move its `last`; until then a deadline counted past it \
                 treats those days by their weekday alone (and the case says so in its warnings)"
            )),
        );
    }
    out
}
