//! Evaluating compiled expressions over a case's fields, an event's parameters and an instant.
//! Three-valued: `None` means "not known yet" (a parameter of an event that has not arrived),
//! so `docket eval` can tell which actions are possible before anyone sends them.

use crate::ast::BinaryOp;
use crate::compile::table::{CExpr, StatusId, Value};
use chrono::{DateTime, TimeDelta, Utc};
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
    pub entered: &'a [(StatusId, DateTime<Utc>)],
}

/// Evaluate; `None` is unknown.
pub fn eval(e: &CExpr, s: &Scope) -> Option<Value> {
    Some(match e {
        CExpr::Const(v) => v.clone(),
        CExpr::Field(f) => s.fields.get(*f).cloned().unwrap_or(Value::Null),
        CExpr::Param(i) => s.params?.get(*i).cloned().unwrap_or(Value::Null),
        CExpr::Now => Value::Time(s.now),
        CExpr::TimeIn(status) => match s.entered.iter().find(|(st, _)| st == status) {
            Some((_, at)) => Value::Duration(s.now - *at),
            None => Value::Null,
        },
        CExpr::TimeSince(f) => match s.fields.get(*f) {
            Some(Value::Time(t)) => Value::Duration(s.now - *t),
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

/// Durations written in a condition, for finding when a time-gated condition opens.
pub fn durations_in(e: &CExpr, out: &mut Vec<TimeDelta>) {
    match e {
        CExpr::Const(Value::Duration(d)) => out.push(*d),
        CExpr::Not(x) | CExpr::Neg(x) => durations_in(x, out),
        CExpr::Binary(_, l, r) => {
            durations_in(l, out);
            durations_in(r, out);
        }
        _ => {}
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
