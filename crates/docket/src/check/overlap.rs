//! Overlapping rules: two rules for the same trigger in the same status whose conditions can
//! both hold make the outcome depend on their order. That is an error unless the later one is
//! written with `else`, which states the order on purpose.
//!
//! The test is conservative: two conditions are disjoint when some part of one contradicts some
//! part of the other (`x == a` against `x == b`, `amount >= claim` against `amount < claim`,
//! `p` against `not p`, ranges of constants that do not meet). Anything else may overlap.

use super::OwnRules;
use super::declare::Context;
use crate::ast::BinaryOp;
use crate::compile::table::{CExpr, Transition, Value};
use crate::diag::Diagnostic;

/// Report overlapping rules in every status.
pub fn check(cx: &mut Context, own: &[OwnRules]) {
    for rules in own {
        let mut groups: Vec<(String, &[Transition])> = Vec::new();
        for (action, list) in &rules.actions {
            let a = &cx.table.actions[*action];
            groups.push((format!("two rules for `{} {}`", cx.table.roles[a.role], a.name), list));
        }
        for armed in &rules.timers {
            if let Some(list) = &armed.rules {
                groups.push((format!("two rules for timer `{}`", cx.table.timers[armed.timer].name), list));
            }
        }
        groups.push(("two automatic transitions".to_string(), &rules.automatic));
        for (what, list) in groups {
            overlapping(cx, &what, list);
        }
    }
}

/// How many earlier rules each rule is compared with. No real status holds this many rules for
/// one trigger; the cap keeps a generated file with thousands of them from taking quadratic time.
const MAX_COMPARED: usize = 64;

fn overlapping(cx: &mut Context, what: &str, list: &[Transition]) {
    let parts: Vec<Option<Vec<&CExpr>>> = list.iter().map(|t| t.guard.as_ref().map(conjuncts)).collect();
    for (j, later) in list.iter().enumerate() {
        if later.otherwise {
            continue;
        }
        let from = j.saturating_sub(MAX_COMPARED);
        if let Some(i) = (from..j).find(|&i| !disjoint(parts[i].as_deref(), parts[j].as_deref())) {
            cx.report(
                Diagnostic::error("E043", later.span, format!("{what} can both apply here"))
                    .with_label(format!("overlaps the rule on line {}", list[i].line))
                    .with_related(list[i].span, "the earlier rule")
                    .with_help("make the conditions exclusive, or write `else` before this rule to try it only when the earlier one does not apply"),
            );
        }
    }
}

/// The parts of a condition joined by `and`, gathered without recursion.
fn conjuncts(e: &CExpr) -> Vec<&CExpr> {
    let mut out = Vec::new();
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            CExpr::Binary(BinaryOp::And, l, r) => {
                todo.push(r);
                todo.push(l);
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether two conditions, split into their `and` parts, can never both hold. A rule without a
/// condition always applies.
fn disjoint(a: Option<&[&CExpr]>, b: Option<&[&CExpr]>) -> bool {
    let (Some(ca), Some(cb)) = (a, b) else { return false };
    ca.iter().any(|x| cb.iter().any(|y| contradict(x, y)))
}

/// The signs of `left - right` a comparison allows: bit 0 less, bit 1 equal, bit 2 greater.
fn signs(op: BinaryOp) -> Option<u8> {
    Some(match op {
        BinaryOp::Lt => 0b001,
        BinaryOp::Le => 0b011,
        BinaryOp::Eq => 0b010,
        BinaryOp::Ne => 0b101,
        BinaryOp::Ge => 0b110,
        BinaryOp::Gt => 0b100,
        _ => return None,
    })
}

fn mirror(s: u8) -> u8 {
    (s & 0b010) | ((s & 0b001) << 2) | ((s & 0b100) >> 2)
}

fn contradict(x: &CExpr, y: &CExpr) -> bool {
    match (x, y) {
        (CExpr::Not(inner), other) | (other, CExpr::Not(inner)) if **inner == *other => true,
        (CExpr::Binary(o1, l1, r1), CExpr::Binary(o2, l2, r2)) => {
            let (Some(s1), Some(s2)) = (signs(*o1), signs(*o2)) else { return false };
            // Same two operands, possibly swapped.
            if l1 == l2 && r1 == r2 {
                return s1 & s2 == 0;
            }
            if l1 == r2 && r1 == l2 {
                return s1 & mirror(s2) == 0;
            }
            // The same operand against two constants.
            match (&**r1, &**r2) {
                (CExpr::Const(c1), CExpr::Const(c2)) if l1 == l2 => !constants_meet(c1, s1, c2, s2),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether some value `v` satisfies both `v op1 c1` and `v op2 c2` (signs as in [`signs`]).
fn constants_meet(c1: &Value, s1: u8, c2: &Value, s2: u8) -> bool {
    let order = match (c1, c2) {
        (Value::Money(a), Value::Money(b)) => a.cmp(b),
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Duration(a), Value::Duration(b)) => a.cmp(b),
        (Value::Time(a), Value::Time(b)) => a.cmp(b),
        (a, b) if a == b => std::cmp::Ordering::Equal,
        // Different enum variants, texts or booleans have no order: `x == a` and `x == b` cannot
        // both hold, any other pair can.
        _ => return !(s1 == 0b010 && s2 == 0b010),
    };
    // Probe the regions of the number line around c1 and c2: below, at, between, above.
    let sign_against = |probe: i8, c: i8| -> u8 {
        match probe.cmp(&c) {
            std::cmp::Ordering::Less => 0b001,
            std::cmp::Ordering::Equal => 0b010,
            std::cmp::Ordering::Greater => 0b100,
        }
    };
    // Place c1 and c2 on a small integer line keeping their order, with gaps for probes.
    let (p1, p2): (i8, i8) = match order {
        std::cmp::Ordering::Less => (2, 4),
        std::cmp::Ordering::Equal => (2, 2),
        std::cmp::Ordering::Greater => (4, 2),
    };
    (0..=6).any(|probe| sign_against(probe, p1) & s1 != 0 && sign_against(probe, p2) & s2 != 0)
}
