//! Expression typing: resolve each name (parameter, field, timer, enum variant) and check that
//! every operator gets operands it can combine. Produces the compiled expression.

use super::declare::Context;
use crate::ast::{BinaryOp, DurationTerm, DurationUnit, Expr, ExprKind, UnaryOp};
use crate::compile::table::{CExpr, CalendarId, Clock, ParamDef, StatusId, Type, Value};
use crate::diag::Diagnostic;
use chrono::TimeDelta;
use rust_decimal::Decimal;

/// What names an expression may see.
pub struct Scope {
    /// The action's parameters, for a rule triggered by an action.
    pub params: Vec<ParamDef>,
    /// The status the expression is written in, for resolving `time_in(...)`.
    pub status: Option<StatusId>,
    /// Whether fields and time may be read (not in a field's default).
    pub dynamic: bool,
    /// Where the clock may not be read (`now`, `time_in`, `time_since`): what the expression
    /// is, for the message. A value that changes by time passing alone would be noticed only
    /// at the case's next event.
    pub timeless: Option<Timeless>,
}

/// Expressions whose value must not change by time passing alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeless {
    /// An automatic transition's condition.
    Automatic,
    /// A timer's instant (`at ...`).
    TimerAt,
    /// A pause condition.
    Pause,
}

impl Scope {
    /// A scope for constant expressions.
    pub fn constant() -> Self {
        Scope { params: vec![], status: None, dynamic: false, timeless: None }
    }

    /// A scope that reads fields but not the clock: a timer's instant.
    pub fn fields_only() -> Self {
        Scope { params: vec![], status: None, dynamic: true, timeless: Some(Timeless::TimerAt) }
    }
}

/// The first calendar an expression counts in, for showing its result in local time.
pub fn calendar_of(e: &CExpr) -> Option<CalendarId> {
    match e {
        CExpr::Shift(inner, step) => step.calendar.or_else(|| calendar_of(inner)),
        CExpr::DayEdge { time, calendar, .. } | CExpr::AtTime { time, calendar, .. } => {
            calendar.or_else(|| calendar_of(time))
        }
        CExpr::Not(x) | CExpr::Neg(x) => calendar_of(x),
        CExpr::Binary(_, l, r) => calendar_of(l).or_else(|| calendar_of(r)),
        _ => None,
    }
}

/// A duration literal that has no fixed length: counted in a calendar or in business units.
fn counted_term(e: &Expr) -> Option<&DurationTerm> {
    match &e.kind {
        ExprKind::Duration(term) if term.calendar.is_some() || term.lit.unit != DurationUnit::Exact => Some(term),
        _ => None,
    }
}

/// Type an expression expected to be of `ty`, a type that `owner` holds (such as "field
/// `reason`"): a bare variant that is not one of its enum's is reported as not a variant of the
/// owner's enum, naming it rather than spelling the enum out.
pub fn typed_for(cx: &mut Context, scope: &Scope, e: &Expr, ty: Type, owner: String) -> Option<(CExpr, Type)> {
    let outer = cx.enum_owner.replace(owner);
    let typed = typed(cx, scope, e, Some(ty));
    cx.enum_owner = outer;
    typed
}

/// Who holds the value of an expression, if it names a parameter or a field: "parameter `x`".
fn owner_of(cx: &Context, scope: &Scope, e: &Expr) -> Option<String> {
    let ExprKind::Name(name) = &e.kind else { return None };
    if scope.params.iter().any(|p| &p.name == name) {
        Some(format!("parameter `{name}`"))
    } else {
        cx.field_id(name).map(|_| format!("field `{name}`"))
    }
}

/// The advice for a value that is not a variant: a suggestion if one is close, then the variants.
pub fn variants_help(suggestion: Option<String>, variants: &[String]) -> String {
    let listed = listing(variants);
    match suggestion {
        Some(s) => format!("{s} its variants are {listed}"),
        None => format!("its variants are {listed}"),
    }
}

/// Type an expression, with an expected type to resolve bare enum variants and untyped numbers.
pub fn typed(cx: &mut Context, scope: &Scope, e: &Expr, hint: Option<Type>) -> Option<(CExpr, Type)> {
    match &e.kind {
        ExprKind::Bool(b) => Some((CExpr::Const(Value::Bool(*b)), Type::Bool)),
        ExprKind::Int(i) => Some(match hint {
            // A whole number where money is expected is an amount: `offer = 0`.
            Some(Type::Money) => (CExpr::Const(Value::Money(Decimal::from(*i))), Type::Money),
            _ => (CExpr::Const(Value::Int(*i)), Type::Int),
        }),
        ExprKind::Money(m) => Some((CExpr::Const(Value::Money(*m)), Type::Money)),
        ExprKind::Duration(term) if counted_term(e).is_none() => {
            Some((CExpr::Const(Value::Duration(TimeDelta::seconds(term.lit.seconds))), Type::Duration))
        }
        ExprKind::Duration(term) => {
            // Checked for its calendar's problems first; then it is refused here, since only
            // `+` gives a counted duration a time to count from.
            cx.step(term)?;
            cx.report(
                Diagnostic::error(
                    "E065",
                    e.span,
                    format!("`{}` is counted on a calendar, so it has no fixed length", cx.file.slice(e.span)),
                )
                .with_label("its length depends on the day it starts")
                .with_help(format!("add it to a time, such as `opened_at + {}`", cx.file.slice(e.span))),
            );
            None
        }
        ExprKind::Text(t) => Some((CExpr::Const(Value::Text(t.clone())), Type::Text)),
        ExprKind::Now => {
            dynamic(cx, scope, e)?;
            clockless(cx, scope, e)?;
            Some((CExpr::Now, Type::Time))
        }
        ExprKind::DayEdge { end, time, calendar } => {
            let time = timed(cx, scope, time, if *end { "`end_of_day`" } else { "`start_of_day`" })?;
            let calendar = calendar.as_ref().map(|c| cx.calendar(c)).map_or(Some(None), |c| c.map(Some))?;
            Some((CExpr::DayEdge { end: *end, time: Box::new(time), calendar }, Type::Time))
        }
        ExprKind::AtTime { time, clock, calendar } => {
            let time = timed(cx, scope, time, "`at_time`")?;
            let calendar = calendar.as_ref().map(|c| cx.calendar(c)).map_or(Some(None), |c| c.map(Some))?;
            let Ok(wall) = chrono::NaiveTime::parse_from_str(&clock.0, "%H:%M") else {
                cx.report(
                    Diagnostic::error("E030", clock.1, format!("`{}` is not a time of day", clock.0))
                        .with_help("write hours and minutes from 00:00 to 23:59, such as `17:00`"),
                );
                return None;
            };
            Some((CExpr::AtTime { time: Box::new(time), clock: wall, calendar }, Type::Time))
        }
        ExprKind::TimeIn(path) => {
            dynamic(cx, scope, e)?;
            clockless(cx, scope, e)?;
            let status = super::rules::resolve_path(cx, scope.status, path)?;
            Some((CExpr::TimeIn(status), Type::Duration))
        }
        ExprKind::TimeSince(field) => {
            dynamic(cx, scope, e)?;
            clockless(cx, scope, e)?;
            let id = cx.field(field)?;
            cx.field_used[id] = true;
            if cx.table.fields[id].ty != Type::Time {
                let got = cx.table.type_name(cx.table.fields[id].ty);
                cx.report(Diagnostic::error(
                    "E030",
                    field.span,
                    format!("`time_since` needs a time field, and `{}` holds {got}", field.name),
                ));
                return None;
            }
            Some((CExpr::TimeSince(id), Type::Duration))
        }
        ExprKind::Name(name) => name_ref(cx, scope, e, name, hint),
        ExprKind::Unary(UnaryOp::Not, inner) => {
            let (c, t) = typed(cx, scope, inner, Some(Type::Bool))?;
            expect_bool(cx, inner, t, "`not`")?;
            Some((CExpr::Not(Box::new(c)), Type::Bool))
        }
        ExprKind::Unary(UnaryOp::Neg, inner) => {
            let (c, t) = typed(cx, scope, inner, hint)?;
            if !matches!(t, Type::Money | Type::Int | Type::Duration) {
                let got = cx.table.type_name(t);
                cx.report(Diagnostic::error("E030", e.span, format!("cannot negate a {got} value")));
                return None;
            }
            Some((CExpr::Neg(Box::new(c)), t))
        }
        ExprKind::Binary(op, l, r) => binary(cx, scope, e, *op, l, r),
    }
}

/// Type an expression that must be a time, for a function's argument.
fn timed(cx: &mut Context, scope: &Scope, e: &Expr, what: &str) -> Option<CExpr> {
    let (c, t) = typed(cx, scope, e, Some(Type::Time))?;
    if t == Type::Time {
        return Some(c);
    }
    let got = cx.table.type_name(t);
    cx.report(
        Diagnostic::error("E030", e.span, format!("{what} needs a time, and this is {got}"))
            .with_help("give it a time field, `now`, or a time plus a duration"),
    );
    None
}

/// Refuse the clock where a value must not change by time passing alone.
fn clockless(cx: &mut Context, scope: &Scope, e: &Expr) -> Option<()> {
    let Some(kind) = scope.timeless else { return Some(()) };
    let read = cx.file.slice(e.span).to_string();
    let (what, help) = match kind {
        Timeless::Automatic => (
            "an automatic transition's condition",
            "time passing changes it with no event to notice, so the case would move only at its next event; \
             declare a timer that fires at that instant instead, such as `idle at last_event + 21d` in `timers` \
             and `after idle -> closed` in the status",
        ),
        Timeless::TimerAt => (
            "a timer's instant",
            "a deadline is an instant computed from the case's fields, such as `at due_by + 75d`; \
             to count from entering the status, give a duration: `name = 5d`",
        ),
        Timeless::Pause => (
            "a pause condition",
            "a clock pauses while the case is in given statuses (`pause in awaiting_info`) or while fields say so \
             (`pause when info_requested`)",
        ),
    };
    cx.report(
        Diagnostic::error("E064", e.span, format!("{what} cannot read the clock (`{read}`)"))
            .with_label("this changes by time passing alone")
            .with_help(help),
    );
    None
}

fn dynamic(cx: &mut Context, scope: &Scope, e: &Expr) -> Option<()> {
    if scope.dynamic {
        return Some(());
    }
    cx.report(
        Diagnostic::error(
            "E035",
            e.span,
            "a field's default must be a plain value; it cannot read time or other fields",
        )
        .with_help("write a value such as `0`; to copy another field, assign it in a rule's effects or `on entry`"),
    );
    None
}

/// Whether an expression's type is best taken from the other operand (literals, bare variants).
fn needs_hint(cx: &Context, scope: &Scope, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) => true,
        ExprKind::Name(n) => {
            !scope.params.iter().any(|p| &p.name == n) && cx.field_id(n).is_none() && cx.timer_id(n).is_none()
        }
        _ => false,
    }
}

fn binary(cx: &mut Context, scope: &Scope, e: &Expr, op: BinaryOp, l: &Expr, r: &Expr) -> Option<(CExpr, Type)> {
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        let left = typed(cx, scope, l, Some(Type::Bool));
        let right = typed(cx, scope, r, Some(Type::Bool));
        let ((lc, lt), (rc, rt)) = (left?, right?);
        expect_bool(cx, l, lt, &format!("`{}`", op.symbol()))?;
        expect_bool(cx, r, rt, &format!("`{}`", op.symbol()))?;
        return Some((CExpr::Binary(op, Box::new(lc), Box::new(rc)), Type::Bool));
    }
    if op == BinaryOp::Add
        && let Some((time, term)) = match (counted_term(l), counted_term(r)) {
            (None, Some(term)) => Some((l, term)),
            (Some(term), None) => Some((r, term)),
            _ => None,
        }
    {
        let base = timed(cx, scope, time, "adding a calendar duration");
        let step = cx.step(term);
        return Some((CExpr::Shift(Box::new(base?), step?), Type::Time));
    }
    // Type the side that knows its type first, so `reason == damaged` and `amount > 0` resolve.
    // A factor is a count, not an amount: `claim * 2` multiplies money by the int 2.
    let hint = |t: Type| if op == BinaryOp::Mul { None } else { Some(t) };
    // The hinted side's bare variant belongs to the enum of what the other side names.
    let hinted = |cx: &mut Context, side: &Expr, other: &Expr, t: Type| match (hint(t), owner_of(cx, scope, other)) {
        (Some(t), Some(owner)) => typed_for(cx, scope, side, t, owner),
        (h, _) => {
            let outer = cx.enum_owner.take();
            let typed = typed(cx, scope, side, h);
            cx.enum_owner = outer;
            typed
        }
    };
    let ((lc, lt), (rc, rt)) = if needs_hint(cx, scope, l) && !needs_hint(cx, scope, r) {
        let right = typed(cx, scope, r, None)?;
        let left = hinted(cx, l, r, right.1)?;
        (left, right)
    } else {
        let left = typed(cx, scope, l, None)?;
        let right = hinted(cx, r, l, left.1)?;
        (left, right)
    };
    let result = if op.is_comparison() {
        let ordered = matches!(op, BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge);
        if lt != rt {
            let (a, b) = (cx.table.type_name(lt), cx.table.type_name(rt));
            let help = if matches!((lt, rt), (Type::Time, Type::Duration) | (Type::Duration, Type::Time)) {
                "a time and a duration do not compare; `time_since(FIELD)` is the duration since a time field".into()
            } else if let Some(differs) = enum_difference(cx, lt, "the left side", rt, "the right side") {
                differs
            } else {
                "both sides of a comparison must hold the same type".to_string()
            };
            cx.report(
                Diagnostic::error("E030", e.span, format!("cannot compare {a} with {b}"))
                    .with_label(format!("{a} on the left, {b} on the right"))
                    .with_help(help),
            );
            return None;
        }
        if ordered && !matches!(lt, Type::Money | Type::Int | Type::Time | Type::Duration) {
            let a = cx.table.type_name(lt);
            cx.report(Diagnostic::error(
                "E030",
                e.span,
                format!("{a} values have no order; only `==` and `!=` compare them"),
            ));
            return None;
        }
        Type::Bool
    } else {
        match arithmetic(op, lt, rt) {
            Some(t) => t,
            None => {
                let (a, b) = (cx.table.type_name(lt), cx.table.type_name(rt));
                let allowed = match op {
                    BinaryOp::Add => "`+` adds money to money, int to int, a duration to a time or to a duration",
                    BinaryOp::Sub => {
                        "`-` subtracts money from money, int from int, a duration from a time or a duration, \
                         or a time from a time"
                    }
                    _ => "`*` multiplies money, an int or a duration by an int",
                };
                cx.report(
                    Diagnostic::error("E030", e.span, format!("cannot compute {a} {} {b}", op.symbol()))
                        .with_label(format!("{a} on the left, {b} on the right"))
                        .with_help(allowed),
                );
                return None;
            }
        }
    };
    Some((CExpr::Binary(op, Box::new(lc), Box::new(rc)), result))
}

/// The result type of `+ - *`, or `None` where the operation means nothing.
pub fn arithmetic(op: BinaryOp, l: Type, r: Type) -> Option<Type> {
    use Type::*;
    match (op, l, r) {
        (BinaryOp::Add | BinaryOp::Sub, Money, Money) => Some(Money),
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, Int, Int) => Some(Int),
        (BinaryOp::Mul, Money, Int) | (BinaryOp::Mul, Int, Money) => Some(Money),
        (BinaryOp::Add | BinaryOp::Sub, Time, Duration) => Some(Time),
        (BinaryOp::Add, Duration, Time) => Some(Time),
        (BinaryOp::Sub, Time, Time) => Some(Duration),
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Some(Duration),
        (BinaryOp::Mul, Duration, Int) | (BinaryOp::Mul, Int, Duration) => Some(Duration),
        _ => None,
    }
}

fn expect_bool(cx: &mut Context, e: &Expr, t: Type, what: &str) -> Option<()> {
    if t == Type::Bool {
        return Some(());
    }
    let got = cx.table.type_name(t);
    cx.report(Diagnostic::error("E032", e.span, format!("{what} needs true or false, and this is {got}")));
    None
}

fn name_ref(cx: &mut Context, scope: &Scope, e: &Expr, name: &str, hint: Option<Type>) -> Option<(CExpr, Type)> {
    if let Some(i) = scope.params.iter().position(|p| p.name == name) {
        return Some((CExpr::Param(i), scope.params[i].ty));
    }
    if let Some(id) = cx.field_id(name) {
        dynamic(cx, scope, e)?;
        cx.field_used[id] = true;
        return Some((CExpr::Field(id), cx.table.fields[id].ty));
    }
    if let Some(id) = cx.timer_id(name) {
        cx.timer_used[id] = true;
        let fixed = match &cx.table.timers[id].clock {
            Clock::After(step) => step.fixed(),
            _ => None,
        };
        return match (fixed, &cx.table.timers[id].clock) {
            (Some(d), _) => Some((CExpr::Const(Value::Duration(d)), Type::Duration)),
            (None, Clock::At(_)) => {
                cx.report(Diagnostic::error(
                    "E030",
                    e.span,
                    format!("timer `{name}` fires at an instant; it has no duration to compare"),
                ));
                None
            }
            (None, _) => {
                let written = cx.table.timers[id].written.clone();
                cx.report(
                    Diagnostic::error(
                        "E030",
                        e.span,
                        format!("timer `{name}` lasts `{written}`, which has no fixed length to compare"),
                    )
                    .with_help("compare with a duration literal, or arm the timer and act when it fires"),
                );
                None
            }
        };
    }
    // A field or parameter whose declaration failed: that error says what is wrong.
    if cx.is_broken(name) {
        return None;
    }
    if let Some(Type::Enum(en)) = hint {
        if let Some(i) = cx.table.enums[en].iter().position(|v| v == name) {
            return Some((CExpr::Const(Value::Enum(en, i as u32)), Type::Enum(en)));
        }
        let help = cx.suggest(name, cx.table.enums[en].iter().map(String::as_str));
        let whose = match &cx.enum_owner {
            Some(owner) => format!("{owner}'s enum"),
            None => "the enum expected here".to_string(),
        };
        let help = variants_help(help, &cx.table.enums[en]);
        cx.report(Diagnostic::error("E026", e.span, format!("`{name}` is not a variant of {whose}")).with_help(help));
        return None;
    }
    let mut candidates: Vec<&str> = scope.params.iter().map(|p| p.name.as_str()).collect();
    candidates.extend(cx.table.fields.iter().map(|f| f.name.as_str()));
    candidates.extend(cx.table.timers.iter().map(|t| t.name.as_str()));
    let help = cx.suggest(name, candidates);
    let msg = if scope.params.is_empty() {
        format!("unknown name `{name}`: no field or timer has this name")
    } else {
        format!("unknown name `{name}`: no parameter of this action, field or timer has this name")
    };
    cx.report(Diagnostic::error("E025", e.span, msg).with_help_opt(help));
    None
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
fn listing(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} and {last}", init.join(", ")),
    }
}

/// How two different enum types differ, as advice: which variants each lacks, or that they
/// list the same ones in another order. `None` unless both types are enums. `a_is` and `b_is`
/// name the two sides, such as "the value" and "field `offer_kind`".
pub fn enum_difference(cx: &Context, a: Type, a_is: &str, b: Type, b_is: &str) -> Option<String> {
    let (Type::Enum(a), Type::Enum(b)) = (a, b) else { return None };
    let (a, b) = (cx.table.enums.get(a)?, cx.table.enums.get(b)?);
    let lacking = |have: &[String], other: &[String]| -> Vec<String> {
        other.iter().filter(|v| !have.contains(v)).cloned().collect()
    };
    let (a_lacks, b_lacks) = (lacking(a, b), lacking(b, a));
    let mut parts = Vec::new();
    if !b_lacks.is_empty() {
        parts.push(format!("{b_is} lacks {}", listing(&b_lacks)));
    }
    if !a_lacks.is_empty() {
        parts.push(format!("{a_is} lacks {}", listing(&a_lacks)));
    }
    let how =
        if parts.is_empty() { "both list the same variants in another order".to_string() } else { parts.join(" and ") };
    Some(format!("{how}; two enums are the same type only when they list the same variants in the same order"))
}
