//! Usage: fields, roles, actions and timers declared but never used. Each is a warning (W001,
//! W002, W003, W005): the policy works as written, and an unused declaration must not stop
//! `eval` or `test` while a policy is being drafted. Runs last, over the whole policy.
//!
//! A name counts as used where the text refers to it, whether or not the expression around it
//! type-checks: a type error elsewhere in a condition must not make a field look unused. After
//! an unknown name, though, nothing is reported: the name the user meant to write is probably
//! the one that would look unused.

use super::declare::Context;
use crate::ast::{Assignment, Expr, ExprKind, Policy, StatusDecl, StatusItem, Trigger};
use crate::diag::Diagnostic;

/// Codes of the errors that leave it unknown which declared name a use meant.
const UNRESOLVED: &[&str] = &["E021", "E022", "E023", "E024", "E025", "E027"];

/// Report declarations nothing uses.
pub fn check(cx: &mut Context, ast: &Policy) {
    if cx.diags.iter().any(|d| UNRESOLVED.contains(&d.code)) {
        return;
    }
    mark_statuses(cx, &ast.statuses);
    for (id, f) in cx.table.fields.iter().enumerate() {
        if !cx.field_used[id] {
            cx.diags.push(
                Diagnostic::warning("W001", cx.field_spans[id], format!("field `{}` is never used", f.name))
                    .with_help("remove it, or use it in a condition, an effect or a timer"),
            );
        }
    }
    for (id, t) in cx.table.timers.iter().enumerate() {
        if !cx.timer_used[id] {
            cx.diags.push(
                Diagnostic::warning(
                    "W005",
                    cx.timer_name_spans[id],
                    format!("timer `{}` is declared but never used", t.name),
                )
                .with_help(format!(
                    "arm it in a status with `after {} -> ...` or `deadline {}`, or remove it",
                    t.name, t.name
                )),
            );
        }
    }
    let mut role_acts = vec![false; cx.table.roles.len()];
    for (id, a) in cx.table.actions.iter().enumerate() {
        if cx.action_used[id] {
            role_acts[a.role] = true;
            continue;
        }
        let role = &cx.table.roles[a.role];
        cx.diags.push(
            Diagnostic::warning(
                "W003",
                cx.action_name_spans[id],
                format!("action `{role} {}` is declared but no rule uses it", a.name),
            )
            .with_help("add a rule for it in some status, or remove it"),
        );
    }
    for (id, role) in cx.table.roles.iter().enumerate() {
        if !role_acts[id] {
            cx.diags.push(
                Diagnostic::warning("W002", cx.role_spans[id], format!("role `{role}` takes no action anywhere"))
                    .with_help("remove it, or give it an action and a rule"),
            );
        }
    }
}

/// Mark what every status refers to. Status nesting is capped by the parser, so this
/// recursion is shallow.
fn mark_statuses(cx: &mut Context, statuses: &[StatusDecl]) {
    for status in statuses {
        if let Some(amount) = status.outcome.as_ref().and_then(|o| o.amount.as_ref()) {
            mark_expr(cx, &[], amount);
        }
        for item in &status.items {
            match item {
                StatusItem::Entry(effects, _) => mark_effects(cx, &[], effects),
                StatusItem::Deadline(timer) => mark_timer(cx, &timer.name),
                StatusItem::Rule(rule) => {
                    let params: Vec<String> = match &rule.trigger {
                        Trigger::Action { role, action } => action_params(cx, &role.name, &action.name),
                        Trigger::Timer(timer) => {
                            mark_timer(cx, &timer.name);
                            vec![]
                        }
                        Trigger::Automatic => vec![],
                    };
                    if let Some(guard) = &rule.guard {
                        mark_expr(cx, &params, guard);
                    }
                    mark_effects(cx, &params, &rule.effects);
                }
            }
        }
        mark_statuses(cx, &status.children);
    }
}

/// The parameter names of a declared action, which hide fields of the same name.
fn action_params(cx: &Context, role: &str, action: &str) -> Vec<String> {
    let Some(&role) = cx.table.role_index.get(role) else { return vec![] };
    let Some(&id) = cx.table.action_index.get(&(role, action.to_string())) else { return vec![] };
    cx.table.actions[id].params.iter().map(|p| p.name.clone()).collect()
}

fn mark_effects(cx: &mut Context, params: &[String], effects: &[Assignment]) {
    for a in effects {
        if let Some(id) = cx.field_id(&a.field.name) {
            cx.field_used[id] = true;
        }
        mark_expr(cx, params, &a.value);
    }
}

fn mark_timer(cx: &mut Context, name: &str) {
    if let Some(id) = cx.timer_id(name) {
        cx.timer_used[id] = true;
    }
}

/// Mark the fields and timers an expression names, as the typing would resolve them:
/// parameters first, then fields, then timers. Iterative, so depth is no concern.
fn mark_expr(cx: &mut Context, params: &[String], e: &Expr) {
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match &e.kind {
            ExprKind::Name(n) if params.contains(n) => {}
            ExprKind::Name(n) | ExprKind::TimeSince(crate::ast::Ident { name: n, .. }) => {
                if let Some(id) = cx.field_id(n) {
                    cx.field_used[id] = true;
                } else if matches!(e.kind, ExprKind::Name(_)) {
                    mark_timer(cx, n);
                }
            }
            ExprKind::Unary(_, inner) => todo.push(inner),
            ExprKind::Binary(_, l, r) => {
                todo.push(l);
                todo.push(r);
            }
            ExprKind::DayEdge { time, .. } | ExprKind::AtTime { time, .. } => todo.push(time),
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Money(_)
            | ExprKind::Duration(_)
            | ExprKind::Text(_)
            | ExprKind::Now
            | ExprKind::TimeIn(_) => {}
        }
    }
}
