//! Evaluating compiled expressions over a case's fields, an event's parameters and an instant.
//! Three-valued: `None` means "not known yet" (a parameter of an event that has not arrived),
//! so `docket eval` can tell which actions are possible before anyone sends them.

use crate::ast::BinaryOp;
use crate::calendar::{Calendar, Counted};
use crate::compile::table::{CExpr, CalendarId, Step, StepAmount, Value};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::cell::Cell;
use std::cmp::Ordering;

/// What an expression can see.
pub struct Scope<'a> {
    /// The case's fields.
    pub fields: &'a [Value],
    /// The event's parameters; `None` when they are not known.
    pub params: Option<&'a [Value]>,
    /// The instant of evaluation.
    pub now: DateTime<Utc>,
    /// When the case entered each status it is in, outermost first.
    pub entered: &'a [(u32, DateTime<Utc>)],
    /// The policy's calendars.
    pub calendars: &'a [Calendar],
    /// The first day a calendar computation needed beyond its calendar's holiday data.
    pub beyond: &'a Beyond,
}

/// Where a calendar computation first needed a day beyond its holiday data, so the caller can
/// warn (the day was counted by its weekday alone).
pub type Beyond = Cell<Option<(CalendarId, NaiveDate)>>;

/// Move a time on by a step, in its calendar; `None` past chrono's range. A day beyond the
/// calendar's holiday data is noted in `beyond`.
pub fn apply_step(calendars: &[Calendar], beyond: &Beyond, t: DateTime<Utc>, step: &Step) -> Option<DateTime<Utc>> {
    let calendar = match step.calendar {
        None => return t.checked_add_signed(step.fixed()?),
        Some(c) => calendars.get(c)?,
    };
    let counted = match step.amount {
        StepAmount::Exact(d) => Counted { at: t.checked_add_signed(d)?, beyond: None },
        StepAmount::LocalDays { days, rest } => {
            Counted { at: calendar.add_local_days(t, days)?.checked_add_signed(rest)?, beyond: None }
        }
        StepAmount::BusinessDays(n) => calendar.add_business_days(t, n)?,
        StepAmount::BusinessHours(s) => calendar.add_business_hours(t, s)?,
    };
    if let (Some(day), None, Some(c)) = (counted.beyond, beyond.get(), step.calendar) {
        beyond.set(Some((c, day)));
    }
    Some(counted.at)
}

/// Evaluate; `None` is unknown.
pub fn eval(e: &CExpr, s: &Scope) -> Option<Value> {
    Some(match e {
        CExpr::Const(v) => v.clone(),
        CExpr::Field(f) => s.fields.get(*f).cloned().unwrap_or(Value::Null),
        CExpr::Param(i) => s.params?.get(*i).cloned().unwrap_or(Value::Null),
        CExpr::Now => Value::Time(s.now),
        CExpr::TimeIn(status) => match s.entered.iter().find(|(st, _)| *st as usize == *status) {
            Some((_, at)) => Value::Duration(s.now - *at),
            None => Value::Null,
        },
        CExpr::TimeSince(f) => match s.fields.get(*f) {
            Some(Value::Time(t)) => Value::Duration(s.now - *t),
            _ => Value::Null,
        },
        CExpr::Shift(inner, step) => match eval(inner, s)? {
            Value::Time(t) => apply_step(s.calendars, s.beyond, t, step).map_or(Value::Null, Value::Time),
            _ => Value::Null,
        },
        CExpr::DayEdge { end, time, calendar } => match eval(time, s)? {
            Value::Time(t) => day_edge(s.calendars, *calendar, t, *end).map_or(Value::Null, Value::Time),
            _ => Value::Null,
        },
        CExpr::AtTime { time, clock, calendar } => match eval(time, s)? {
            Value::Time(t) => match calendar.and_then(|c| s.calendars.get(c)) {
                Some(cal) => cal.at_time(t, *clock).map_or(Value::Null, Value::Time),
                None => Value::Time(t.date_naive().and_time(*clock).and_utc()),
            },
            _ => Value::Null,
        },
        CExpr::Not(inner) => match eval(inner, s)? {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        CExpr::Neg(inner) => match eval(inner, s)? {
            Value::Money(m) => Value::Money(-m),
            Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
            Value::Duration(d) => Value::Duration(-d),
            _ => Value::Null,
        },
        CExpr::Binary(BinaryOp::And, l, r) => return kleene(eval(l, s), eval(r, s), false),
        CExpr::Binary(BinaryOp::Or, l, r) => return kleene(eval(l, s), eval(r, s), true),
        CExpr::Binary(op, l, r) => {
            let (a, b) = (eval(l, s)?, eval(r, s)?);
            if op.is_comparison() { Value::Bool(compare(*op, &a, &b)) } else { arithmetic(*op, &a, &b) }
        }
    })
}

/// The first instant or the last whole second of a time's day, in a calendar's zone or in UTC.
fn day_edge(
    calendars: &[Calendar],
    calendar: Option<CalendarId>,
    t: DateTime<Utc>,
    end: bool,
) -> Option<DateTime<Utc>> {
    match calendar.and_then(|c| calendars.get(c)) {
        Some(cal) if end => cal.end_of_day(t),
        Some(cal) => cal.start_of_day(t),
        None => {
            let start = t.date_naive().and_hms_opt(0, 0, 0)?.and_utc();
            if end { start.checked_add_signed(TimeDelta::seconds(86_399)) } else { Some(start) }
        }
    }
}

/// `and` (`dominant` false) or `or` (`dominant` true) with unknowns: a dominant value decides.
fn kleene(a: Option<Value>, b: Option<Value>, dominant: bool) -> Option<Value> {
    let truth = |v: &Option<Value>| match v {
        Some(Value::Bool(x)) => Some(*x),
        Some(_) => Some(false),
        None => None,
    };
    match (truth(&a), truth(&b)) {
        (Some(x), _) if x == dominant => Some(Value::Bool(dominant)),
        (_, Some(y)) if y == dominant => Some(Value::Bool(dominant)),
        (Some(_), Some(_)) => Some(Value::Bool(!dominant)),
        _ => None,
    }
}

/// Order two values of the same type; absent values compare with nothing.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Money(x), Value::Money(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Null, _) | (_, Value::Null) => None,
        (x, y) if x == y => Some(Ordering::Equal),
        _ => None,
    }
}

fn compare(op: BinaryOp, a: &Value, b: &Value) -> bool {
    if matches!(op, BinaryOp::Eq | BinaryOp::Ne) && !matches!((a, b), (Value::Null, _) | (_, Value::Null)) {
        let equal = order(a, b).map_or(a == b, |o| o == Ordering::Equal);
        return (op == BinaryOp::Eq) == equal;
    }
    let Some(o) = order(a, b) else { return false };
    match op {
        BinaryOp::Lt => o == Ordering::Less,
        BinaryOp::Le => o != Ordering::Greater,
        BinaryOp::Gt => o == Ordering::Greater,
        BinaryOp::Ge => o != Ordering::Less,
        BinaryOp::Eq => o == Ordering::Equal,
        _ => o != Ordering::Equal,
    }
}

fn arithmetic(op: BinaryOp, a: &Value, b: &Value) -> Value {
    use Value::*;
    let r = match (op, a, b) {
        (BinaryOp::Add, Money(x), Money(y)) => x.checked_add(*y).map(Money),
        (BinaryOp::Sub, Money(x), Money(y)) => x.checked_sub(*y).map(Money),
        (BinaryOp::Mul, Money(x), Int(y)) | (BinaryOp::Mul, Int(y), Money(x)) => x.checked_mul((*y).into()).map(Money),
        (BinaryOp::Add, Int(x), Int(y)) => x.checked_add(*y).map(Int),
        (BinaryOp::Sub, Int(x), Int(y)) => x.checked_sub(*y).map(Int),
        (BinaryOp::Mul, Int(x), Int(y)) => x.checked_mul(*y).map(Int),
        (BinaryOp::Add, Time(t), Duration(d)) | (BinaryOp::Add, Duration(d), Time(t)) => {
            t.checked_add_signed(*d).map(Time)
        }
        (BinaryOp::Sub, Time(t), Duration(d)) => t.checked_sub_signed(*d).map(Time),
        (BinaryOp::Sub, Time(x), Time(y)) => Some(Duration(*x - *y)),
        (BinaryOp::Add, Duration(x), Duration(y)) => x.checked_add(y).map(Duration),
        (BinaryOp::Sub, Duration(x), Duration(y)) => x.checked_sub(y).map(Duration),
        (BinaryOp::Mul, Duration(d), Int(n)) | (BinaryOp::Mul, Int(n), Duration(d)) => {
            i32::try_from(*n).ok().and_then(|n| d.checked_mul(n)).map(Duration)
        }
        _ => None,
    };
    r.unwrap_or(Null)
}

/// Whether a condition holds: `Some(true)`, `Some(false)`, or `None` when it depends on unknowns.
pub fn holds(guard: Option<&CExpr>, s: &Scope) -> Option<bool> {
    match guard {
        None => Some(true),
        Some(g) => match eval(g, s) {
            Some(Value::Bool(b)) => Some(b),
            Some(_) => Some(false),
            None => None,
        },
    }
}

/// The instants at which a comparison between the clock and a value that does not move with it
/// can change its truth, for finding when a time-gated condition opens. For `now >= X` that is
/// X; for `time_in(s) >= d`, entering `s` plus d; for `time_since(f) >= d`, the time in `f`
/// plus d. Each is pushed with the second after it, where strict comparisons turn.
pub fn thresholds(e: &CExpr, s: &Scope, out: &mut Vec<DateTime<Utc>>) {
    match e {
        CExpr::Not(x) => thresholds(x, s, out),
        CExpr::Binary(op, l, r) if op.is_comparison() => {
            for (clock, other) in [(l, r), (r, l)] {
                if reads_clock(other) {
                    continue;
                }
                let at = match (&**clock, eval(other, s)) {
                    (CExpr::Now, Some(Value::Time(t))) => Some(t),
                    (CExpr::TimeIn(status), Some(Value::Duration(d))) => s
                        .entered
                        .iter()
                        .find(|(st, _)| *st as usize == *status)
                        .and_then(|(_, e)| e.checked_add_signed(d)),
                    (CExpr::TimeSince(f), Some(Value::Duration(d))) => match s.fields.get(*f) {
                        Some(Value::Time(t)) => t.checked_add_signed(d),
                        _ => None,
                    },
                    // `now - paid_at >= 7d`.
                    (CExpr::Binary(BinaryOp::Sub, a, b), Some(Value::Duration(d)))
                        if **a == CExpr::Now && !reads_clock(b) =>
                    {
                        match eval(b, s) {
                            Some(Value::Time(t)) => t.checked_add_signed(d),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some(at) = at {
                    out.push(at);
                    out.extend(at.checked_add_signed(TimeDelta::seconds(1)));
                }
            }
        }
        CExpr::Binary(_, l, r) => {
            thresholds(l, s, out);
            thresholds(r, s, out);
        }
        _ => {}
    }
}

/// The fields (`Field`, and the field of `time_since`) and parameters an expression reads, each
/// once, in the order they are written: what a reason or an explanation shows the values of.
pub fn reads(e: &CExpr) -> Vec<CExpr> {
    fn walk(e: &CExpr, out: &mut Vec<CExpr>) {
        let read = match e {
            CExpr::Field(_) | CExpr::Param(_) => Some(e.clone()),
            CExpr::TimeSince(f) => Some(CExpr::Field(*f)),
            _ => None,
        };
        if let Some(r) = read {
            if !out.contains(&r) {
                out.push(r);
            }
            return;
        }
        match e {
            CExpr::Not(x) | CExpr::Neg(x) | CExpr::Shift(x, _) => walk(x, out),
            CExpr::DayEdge { time, .. } | CExpr::AtTime { time, .. } => walk(time, out),
            CExpr::Binary(_, l, r) => {
                walk(l, out);
                walk(r, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

/// Whether an expression's value moves with the clock.
pub fn reads_clock(e: &CExpr) -> bool {
    match e {
        CExpr::Now | CExpr::TimeIn(_) | CExpr::TimeSince(_) => true,
        CExpr::Not(x) | CExpr::Neg(x) | CExpr::Shift(x, _) => reads_clock(x),
        CExpr::DayEdge { time, .. } | CExpr::AtTime { time, .. } => reads_clock(time),
        CExpr::Binary(_, l, r) => reads_clock(l) || reads_clock(r),
        CExpr::Const(_) | CExpr::Field(_) | CExpr::Param(_) => false,
    }
}

/// The first part of an `and` chain that is false, for explaining a rejection.
pub fn first_false<'e>(e: &'e CExpr, s: &Scope) -> &'e CExpr {
    if let CExpr::Binary(BinaryOp::And, l, r) = e {
        if holds(Some(l), s) == Some(false) {
            return first_false(l, s);
        }
        if holds(Some(r), s) == Some(false) {
            return first_false(r, s);
        }
    }
    e
}
