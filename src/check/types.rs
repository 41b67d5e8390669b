//! Expression typing: resolve each name (parameter, field, timer, enum variant) and check that
//! every operator gets operands it can combine. Produces the compiled expression.

use super::declare::Context;
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::compile::table::{CExpr, Clock, ParamDef, StatusId, Type, Value};
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
}

impl Scope {
    /// A scope for constant expressions.
    pub fn constant() -> Self {
        Scope { params: vec![], status: None, dynamic: false }
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
        ExprKind::Duration(s) => Some((CExpr::Const(Value::Duration(TimeDelta::seconds(*s))), Type::Duration)),
        ExprKind::Text(t) => Some((CExpr::Const(Value::Text(t.clone())), Type::Text)),
        ExprKind::Now => dynamic(cx, scope, e).map(|_| (CExpr::Now, Type::Time)),
        ExprKind::TimeIn(path) => {
            dynamic(cx, scope, e)?;
            let status = super::rules::resolve_path(cx, scope.status, path)?;
            Some((CExpr::TimeIn(status), Type::Duration))
        }
        ExprKind::TimeSince(field) => {
            dynamic(cx, scope, e)?;
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
    // Type the side that knows its type first, so `reason == damaged` and `amount > 0` resolve.
    // A factor is a count, not an amount: `claim * 2` multiplies money by the int 2.
    let hint = |t: Type| if op == BinaryOp::Mul { None } else { Some(t) };
    let ((lc, lt), (rc, rt)) = if needs_hint(cx, scope, l) && !needs_hint(cx, scope, r) {
        let right = typed(cx, scope, r, None)?;
        let left = typed(cx, scope, l, hint(right.1))?;
        (left, right)
    } else {
        let left = typed(cx, scope, l, None)?;
        let right = typed(cx, scope, r, hint(left.1))?;
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
        return match cx.table.timers[id].clock {
            Clock::After(d) => Some((CExpr::Const(Value::Duration(d)), Type::Duration)),
            Clock::At(_) => {
                cx.report(Diagnostic::error(
                    "E030",
                    e.span,
                    format!("timer `{name}` fires at a field's time; it has no duration to compare"),
                ));
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
        let variants = cx.table.enums[en].join(", ");
        let listed = listing(&cx.table.enums[en]);
        cx.report(
            Diagnostic::error("E026", e.span, format!("`{name}` is not a variant of `enum {{ {variants} }}`"))
                .with_help(help.unwrap_or_else(|| format!("the variants are {listed}"))),
        );
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
