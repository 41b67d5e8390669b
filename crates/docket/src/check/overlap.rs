//! Overlapping rules: two rules for the same trigger in the same status whose conditions can
//! both hold make the outcome depend on their order. That is an error unless the later one is
//! written with `else`, which states the order on purpose.
//!
//! The test is conservative: two conditions are disjoint when some part of one contradicts some
//! part of the other (`x == a` against `x == b`, `amount >= claim` against `amount < claim`,
//! `p` against `not p`, ranges of constants that do not meet). Anything else may overlap.
//!
//! Comparing every part of one condition with every part of the other is quadratic in their
//! length, and a hostile file can hold hundreds of rules with hundreds of parts each. So each
//! rule's parts are indexed once ([`Facts`]): by the operands they compare (a part can only
//! contradict one about the same operands or their negation), and, for comparisons with a
//! constant, by the few bounds that decide (the lowest upper bound, the highest lower bound, the
//! extreme equalities). A part of one rule then meets a handful of candidates in the other, each
//! judged by [`contradict`] as before, so the verdicts are the same and the work near linear.

use super::OwnRules;
use super::declare::Context;
use crate::ast::BinaryOp;
use crate::compile::table::{CExpr, Transition, Value};
use crate::diag::Diagnostic;
use rustc_hash::FxHashMap as HashMap;
use std::hash::{BuildHasher, RandomState};

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
    // Keyed: the fingerprints are of the policy's own expressions, which a hostile file chooses.
    let keys = RandomState::new();
    let facts: Vec<Option<Facts>> =
        list.iter().map(|t| t.guard.as_ref().map(|g| Facts::of(&conjuncts(g), &keys))).collect();
    for (j, later) in list.iter().enumerate() {
        if later.otherwise {
            continue;
        }
        let from = j.saturating_sub(MAX_COMPARED);
        if let Some(i) = (from..j).find(|&i| !disjoint(facts[i].as_ref(), facts[j].as_ref())) {
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

/// Whether two conditions, indexed by their `and` parts, can never both hold: whether some part
/// of one contradicts some part of the other. A rule without a condition always applies.
fn disjoint(a: Option<&Facts>, b: Option<&Facts>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return false };
    b.parts.iter().any(|y| a.candidates(y).any(|x| contradict(x, y.expr)))
}

/// One `and` part of a condition with the fingerprints it is looked up by.
struct Part<'e> {
    expr: &'e CExpr,
    /// The fingerprint of the whole part.
    whole: u64,
    /// For `not x`, the fingerprint of `x`.
    negated: Option<u64>,
    /// For a comparison, the fingerprints of its two operands.
    operands: Option<(u64, u64)>,
}

/// The bounds that decide whether a comparison of one operand with a constant contradicts
/// another's: only the tightest of each kind can (see [`Facts`]).
#[derive(Default)]
struct Bounds<'e> {
    /// Two `x == c` with different constants, if there are (any kinds).
    equal: Vec<&'e CExpr>,
    /// Per kind of ordered constant: the lowest upper bound, the highest lower bound, the
    /// lowest and the highest equality.
    ordered: Vec<(u8, [Option<&'e CExpr>; 4])>,
}

/// A condition's parts, indexed so that a part of another condition meets only the parts it can
/// contradict. Fingerprints are hashes consistent with `==` (equal expressions, equal
/// fingerprints), so no candidate is missed; a collision only adds one. They are keyed (SipHash
/// with random keys), so the maps over them can use a plain fast hash: no file chooses them.
struct Facts<'e> {
    parts: Vec<Part<'e>>,
    /// Every part, by its fingerprint (for `not x` on the other side).
    whole: HashMap<u64, Vec<&'e CExpr>>,
    /// `not x`, by the fingerprint of `x`.
    negated: HashMap<u64, Vec<&'e CExpr>>,
    /// Comparisons, by the fingerprints of their operands in order.
    compared: HashMap<(u64, u64), Vec<&'e CExpr>>,
    /// Comparisons with a constant on the right, by the fingerprint of the left side.
    bounds: HashMap<u64, Bounds<'e>>,
}

/// Add `e` to a bucket unless an equal expression is there: a repeated part adds no verdict.
fn put<'e>(bucket: &mut Vec<&'e CExpr>, e: &'e CExpr) {
    if !bucket.contains(&e) {
        bucket.push(e);
    }
}

/// The order of two ordered constants of one kind, as [`constants_meet`] orders them; the kind
/// is `None` for constants without an order.
fn ordered_kind(v: &Value) -> Option<u8> {
    Some(match v {
        Value::Money(_) => 0,
        Value::Int(_) => 1,
        Value::Duration(_) => 2,
        Value::Time(_) => 3,
        _ => return None,
    })
}

fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Money(a), Value::Money(b)) => a.cmp(b),
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Duration(a), Value::Duration(b)) => a.cmp(b),
        (Value::Time(a), Value::Time(b)) => a.cmp(b),
        _ => std::cmp::Ordering::Equal,
    }
}

impl<'e> Facts<'e> {
    fn of(conjuncts: &[&'e CExpr], keys: &RandomState) -> Self {
        let mut facts = Facts {
            parts: Vec::with_capacity(conjuncts.len()),
            whole: HashMap::default(),
            negated: HashMap::default(),
            compared: HashMap::default(),
            bounds: HashMap::default(),
        };
        for &e in conjuncts {
            let whole = keys.hash_one(e);
            put(facts.whole.entry(whole).or_default(), e);
            let mut part = Part { expr: e, whole, negated: None, operands: None };
            match e {
                CExpr::Not(inner) => {
                    let h = keys.hash_one(&**inner);
                    put(facts.negated.entry(h).or_default(), e);
                    part.negated = Some(h);
                }
                CExpr::Binary(op, l, r) if signs(*op).is_some() => {
                    let key = (keys.hash_one(&**l), keys.hash_one(&**r));
                    put(facts.compared.entry(key).or_default(), e);
                    part.operands = Some(key);
                    if let CExpr::Const(c) = &**r {
                        facts.bounds.entry(key.0).or_default().add(*op, c, e);
                    }
                }
                _ => {}
            }
            facts.parts.push(part);
        }
        facts
    }

    /// The parts of this condition that `y` (a part of another) could contradict.
    fn candidates<'s>(&'s self, y: &Part<'_>) -> impl Iterator<Item = &'e CExpr> + 's {
        let none: &[&CExpr] = &[];
        let bucket = |v: Option<&'s Vec<&'e CExpr>>| v.map_or(none, Vec::as_slice).iter().copied();
        let of_negation = bucket(y.negated.and_then(|h| self.whole.get(&h)));
        let negations = bucket(self.negated.get(&y.whole));
        let (same, swapped, bounds) = match y.operands {
            Some((l, r)) => (self.compared.get(&(l, r)), self.compared.get(&(r, l)), self.bounds.get(&l)),
            None => (None, None, None),
        };
        let bounds = bounds.into_iter().flat_map(|b| {
            b.equal.iter().copied().chain(b.ordered.iter().flat_map(|(_, four)| four.iter().flatten().copied()))
        });
        of_negation.chain(negations).chain(bucket(same)).chain(bucket(swapped)).chain(bounds)
    }
}

impl<'e> Bounds<'e> {
    /// Keep `e` (`left op c`) if it is one of the bounds that decide.
    fn add(&mut self, op: BinaryOp, c: &Value, e: &'e CExpr) {
        fn constant(e: &CExpr) -> Option<&Value> {
            match e {
                CExpr::Binary(_, _, r) => match &**r {
                    CExpr::Const(v) => Some(v),
                    _ => None,
                },
                _ => None,
            }
        }
        if op == BinaryOp::Eq && self.equal.len() < 2 && self.equal.iter().all(|x| constant(x) != Some(c)) {
            self.equal.push(e);
        }
        let Some(kind) = ordered_kind(c) else { return };
        let at = match self.ordered.iter().position(|(k, _)| *k == kind) {
            Some(at) => at,
            None => {
                self.ordered.push((kind, [None; 4]));
                self.ordered.len() - 1
            }
        };
        let four = &mut self.ordered[at].1;
        // Which slots `e` competes for, and whether it beats the holder there: lower is better
        // for the first and third, higher for the second and fourth; a strict bound beats a
        // loose one at the same constant.
        let strict = matches!(op, BinaryOp::Lt | BinaryOp::Gt);
        let slots: &[(usize, std::cmp::Ordering)] = match op {
            BinaryOp::Lt | BinaryOp::Le => &[(0, std::cmp::Ordering::Less)],
            BinaryOp::Gt | BinaryOp::Ge => &[(1, std::cmp::Ordering::Greater)],
            BinaryOp::Eq => &[(2, std::cmp::Ordering::Less), (3, std::cmp::Ordering::Greater)],
            _ => &[],
        };
        for &(slot, better) in slots {
            let wins = match four[slot].and_then(|held| constant(held).map(|v| (held, v))) {
                None => true,
                Some((held, v)) => {
                    let o = order(c, v);
                    let held_strict = matches!(held, CExpr::Binary(BinaryOp::Lt | BinaryOp::Gt, _, _));
                    o == better || (o == std::cmp::Ordering::Equal && strict && !held_strict)
                }
            };
            if wins {
                four[slot] = Some(e);
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    /// The verdict compared part by part, as the check was first written.
    fn disjoint_pairwise(a: &[&CExpr], b: &[&CExpr]) -> bool {
        a.iter().any(|x| b.iter().any(|y| contradict(x, y)))
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    fn operand(rng: &mut Rng) -> CExpr {
        match rng.below(6) {
            0 | 1 => CExpr::Field(rng.below(2)),
            2 => CExpr::Param(0),
            3 => CExpr::Const(Value::Int(rng.below(4) as i64)),
            // The same amount at two scales: equal, as the check must treat it.
            4 => {
                let scale = 2 * rng.below(2) as u32;
                CExpr::Const(Value::Money(Decimal::new(rng.below(3) as i64 * 10i64.pow(scale), scale)))
            }
            _ => CExpr::Const(Value::Enum(0, rng.below(3) as u32)),
        }
    }

    fn part(rng: &mut Rng) -> CExpr {
        let ops = [BinaryOp::Lt, BinaryOp::Le, BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Ge, BinaryOp::Gt];
        match rng.below(8) {
            0 => CExpr::Field(rng.below(2)),
            1 => CExpr::Not(Box::new(CExpr::Field(rng.below(2)))),
            2 => CExpr::Not(Box::new(part(rng))),
            _ => CExpr::Binary(ops[rng.below(6)], Box::new(operand(rng)), Box::new(operand(rng))),
        }
    }

    #[test]
    fn the_indexed_verdict_is_the_pairwise_verdict() {
        let mut rng = Rng(17);
        let keys = RandomState::new();
        let (mut both, mut disjoint_seen) = (0, 0);
        for _ in 0..20_000 {
            let (n, m) = (rng.below(6) + 1, rng.below(6) + 1);
            let a: Vec<CExpr> = (0..n).map(|_| part(&mut rng)).collect();
            let b: Vec<CExpr> = (0..m).map(|_| part(&mut rng)).collect();
            let (a, b): (Vec<&CExpr>, Vec<&CExpr>) = (a.iter().collect(), b.iter().collect());
            let expected = disjoint_pairwise(&a, &b);
            let got = disjoint(Some(&Facts::of(&a, &keys)), Some(&Facts::of(&b, &keys)));
            assert_eq!(got, expected, "{a:?}\n{b:?}");
            both += 1;
            disjoint_seen += usize::from(expected);
        }
        // Both verdicts were exercised.
        assert!(disjoint_seen > 1000 && both - disjoint_seen > 1000, "{disjoint_seen} of {both}");
    }

    #[test]
    fn a_part_meets_a_bounded_number_of_candidates_however_long_the_other_condition() {
        // `amount >= 1 and ... and amount >= 300 and n == 0`: a part of a like condition meets
        // its own bucket and the few deciding bounds, not three hundred parts.
        let keys = RandomState::new();
        let cond = |n: i64| -> Vec<CExpr> {
            let mut parts: Vec<CExpr> = (1..=300)
                .map(|k| CExpr::Binary(BinaryOp::Ge, Box::new(CExpr::Field(0)), Box::new(CExpr::Const(Value::Int(k)))))
                .collect();
            parts.push(CExpr::Binary(BinaryOp::Eq, Box::new(CExpr::Field(1)), Box::new(CExpr::Const(Value::Int(n)))));
            parts
        };
        let (a, b) = (cond(0), cond(1));
        let (a, b): (Vec<&CExpr>, Vec<&CExpr>) = (a.iter().collect(), b.iter().collect());
        let (fa, fb) = (Facts::of(&a, &keys), Facts::of(&b, &keys));
        let most = fb.parts.iter().map(|y| fa.candidates(y).count()).max().unwrap();
        assert!(most <= 6, "{most} candidates for one part");
        assert!(disjoint(Some(&fa), Some(&fb)));
        assert!(!disjoint(Some(&fa), Some(&fa)));
    }
}
