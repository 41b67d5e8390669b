//! Rules: each status's rules, timers, entry effects and outcome are resolved and typed into
//! [`OwnRules`]. Status names in targets resolve from the innermost scope outwards.

use super::OwnRules;
use super::declare::Context;
use super::types::{Scope, typed};
use crate::ast::{self, Assignment, Policy, StatusItem, Trigger};
use crate::compile::table::{Effect, StatusId, TerminalOutcome, Transition, Type};
use crate::diag::{Diagnostic, suggest};
use crate::span::Span;

/// Resolve every status's own rules; indices match the table's statuses.
pub fn resolve_statuses(cx: &mut Context, _ast: &Policy) -> Vec<OwnRules> {
    (0..cx.table.statuses.len()).map(|s| resolve_status(cx, s)).collect()
}

fn resolve_status(cx: &mut Context, s: StatusId) -> OwnRules {
    let decl = cx.status_decls[s];
    let mut own = OwnRules::default();
    outcome(cx, s, decl);
    for item in &decl.items {
        match item {
            StatusItem::Entry(effects, _) => {
                let scope = Scope { params: vec![], status: Some(s), dynamic: true };
                let effects = assignments(cx, &scope, effects);
                cx.table.statuses[s].on_entry.extend(effects);
            }
            StatusItem::Deadline(name) => {
                if let Some(t) = cx.timer(name) {
                    arm(cx, &mut own, t, None, name.span);
                }
            }
            StatusItem::Rule(rule) => resolve_rule(cx, s, rule, &mut own),
        }
    }
    own
}

/// Record a timer armed in a status; a status arms each timer once.
fn arm(cx: &mut Context, own: &mut OwnRules, timer: usize, rules: Option<Transition>, span: Span) {
    if let Some(existing) = own.timers.iter_mut().find(|t| t.timer == timer) {
        match (&mut existing.rules, rules) {
            (Some(list), Some(rule)) => list.push(rule),
            _ => {
                let name = cx.table.timers[timer].name.clone();
                cx.report(
                    Diagnostic::error("E010", span, format!("timer `{name}` is armed twice in this status"))
                        .with_help("a timer is either a `deadline` or moves the case with `after`, not both"),
                );
            }
        }
        return;
    }
    let line = cx.line(span.start);
    own.timers.push(super::OwnTimer { timer, rules: rules.map(|r| vec![r]), span, line });
}

fn resolve_rule(cx: &mut Context, s: StatusId, rule: &ast::Rule, own: &mut OwnRules) {
    let (params, start) = match &rule.trigger {
        Trigger::Action { role, action } => {
            let Some(role_id) = cx.role(role) else { return };
            let Some(action_id) = cx.action(role_id, action) else { return };
            (cx.table.actions[action_id].params.clone(), role.span.start)
        }
        Trigger::Timer(name) => (vec![], name.span.start),
        Trigger::Automatic => (vec![], rule.guard.as_ref().map_or(rule.span.start, |g| g.span.start)),
    };
    let scope = Scope { params, status: Some(s), dynamic: true };
    let guard = rule.guard.as_ref().and_then(|g| {
        let (c, t) = typed(cx, &scope, g, Some(Type::Bool))?;
        if t != Type::Bool {
            let got = cx.table.type_name(t);
            cx.report(Diagnostic::error(
                "E032",
                g.span,
                format!("a condition must be true or false, and this is {got}"),
            ));
            return None;
        }
        Some(c)
    });
    if rule.guard.is_some() && guard.is_none() {
        return;
    }
    let target = match &rule.target {
        Some(path) => match resolve_path(cx, Some(s), path) {
            Some(t) => Some(t),
            None => return,
        },
        None => None,
    };
    let effects = assignments(cx, &scope, &rule.effects);
    let span = Span::new(start, rule.span.end);
    let transition = Transition {
        guard,
        guard_text: rule.guard.as_ref().map(|g| cx.file.slice(g.span).to_string()),
        target,
        effects,
        declared_in: s,
        otherwise: rule.otherwise,
        span,
        line: cx.line(start),
    };
    match &rule.trigger {
        Trigger::Action { role, action } => {
            let Some(role_id) = cx.table.role_index.get(&role.name).copied() else { return };
            let Some(&action_id) = cx.table.action_index.get(&(role_id, action.name.clone())) else { return };
            match own.actions.iter_mut().find(|(a, _)| *a == action_id) {
                Some((_, list)) => list.push(transition),
                None => own.actions.push((action_id, vec![transition])),
            }
        }
        Trigger::Timer(name) => {
            if let Some(t) = cx.timer(name) {
                arm(cx, own, t, Some(transition), name.span);
            }
        }
        Trigger::Automatic => {
            own.automatic.push(transition);
        }
    }
}

fn assignments(cx: &mut Context, scope: &Scope, list: &[Assignment]) -> Vec<Effect> {
    let mut out = Vec::new();
    for a in list {
        let Some(field) = cx.field(&a.field) else { continue };
        cx.field_used[field] = true;
        let want = cx.table.fields[field].ty;
        let Some((value, got)) = typed(cx, scope, &a.value, Some(want)) else { continue };
        if got != want {
            let (w, g) = (cx.table.type_name(want), cx.table.type_name(got));
            cx.report(
                Diagnostic::error(
                    "E031",
                    a.value.span,
                    format!("cannot assign {g} to field `{}`, which holds {w}", a.field.name),
                )
                .with_label(format!("this is {g}")),
            );
            continue;
        }
        out.push(Effect { field, value });
    }
    out
}

fn outcome(cx: &mut Context, s: StatusId, decl: &ast::StatusDecl) {
    let Some(o) = &decl.outcome else {
        if decl.terminal {
            let help = cx.table.outcomes.first().map(|o| format!("add one, such as `outcome {}`", o.name));
            cx.report(
                Diagnostic::error(
                    "E049",
                    decl.name.span,
                    format!("terminal status `{}` has no outcome", decl.name.name),
                )
                .with_help_opt(help),
            );
        }
        return;
    };
    if !decl.terminal {
        cx.report(
            Diagnostic::error(
                "E049",
                o.span,
                format!("status `{}` has an outcome but is not terminal", decl.name.name),
            )
            .with_help("mark it `terminal status ...`, or remove the outcome"),
        );
        return;
    }
    let Some(id) = cx.outcome(&o.name) else { return };
    let want = cx.table.outcomes[id].amount;
    let amount = match (&o.amount, want) {
        (None, None) => None,
        (Some(expr), Some(want)) => {
            let scope = Scope { params: vec![], status: Some(s), dynamic: true };
            let Some((c, got)) = typed(cx, &scope, expr, Some(want)) else { return };
            if got != want {
                let (w, g) = (cx.table.type_name(want), cx.table.type_name(got));
                cx.report(Diagnostic::error(
                    "E033",
                    expr.span,
                    format!("outcome `{}` needs a {w} amount, and this is {g}", o.name.name),
                ));
                return;
            }
            Some(c)
        }
        (Some(expr), None) => {
            cx.report(Diagnostic::error("E033", expr.span, format!("outcome `{}` carries no amount", o.name.name)));
            return;
        }
        (None, Some(want)) => {
            let w = cx.table.type_name(want);
            cx.report(
                Diagnostic::error("E033", o.span, format!("outcome `{}` needs a {w} amount", o.name.name))
                    .with_help(format!("write it, such as `outcome {}(refund)`", o.name.name)),
            );
            return;
        }
    };
    cx.table.statuses[s].terminal = Some(TerminalOutcome { outcome: id, amount });
}

/// Resolve a status path written inside status `from`: the first segment is looked up among
/// `from`'s children, then its siblings, and so on outwards to the top level.
pub fn resolve_path(cx: &mut Context, from: Option<StatusId>, path: &ast::Path) -> Option<StatusId> {
    let first = path.segments.first()?;
    let mut scope = from;
    let mut found = None;
    loop {
        let candidates = children_of(cx, scope);
        if let Some(&s) = candidates.iter().find(|&&c| cx.table.statuses[c].name == first.name) {
            found = Some(s);
            break;
        }
        match scope {
            Some(s) => scope = cx.table.statuses[s].parent,
            None => break,
        }
    }
    let Some(mut cur) = found else {
        unknown_status(cx, from, &first.name, path.span);
        return None;
    };
    for seg in &path.segments[1..] {
        match cx.table.statuses[cur].children.iter().find(|&&c| cx.table.statuses[c].name == seg.name) {
            Some(&c) => cur = c,
            None => {
                let help = suggest(
                    &seg.name,
                    cx.table.statuses[cur].children.iter().map(|&c| cx.table.statuses[c].name.as_str()),
                );
                let parent = cx.table.statuses[cur].path.clone();
                cx.report(
                    Diagnostic::error("E020", seg.span, format!("status `{parent}` has no status `{}`", seg.name))
                        .with_help_opt(help),
                );
                return None;
            }
        }
    }
    Some(cur)
}

fn children_of(cx: &Context, scope: Option<StatusId>) -> Vec<StatusId> {
    match scope {
        Some(s) => cx.table.statuses[s].children.clone(),
        None => (0..cx.table.statuses.len()).filter(|&s| cx.table.statuses[s].parent.is_none()).collect(),
    }
}

fn unknown_status(cx: &mut Context, from: Option<StatusId>, name: &str, span: Span) {
    let mut visible: Vec<String> = Vec::new();
    let mut scope = from;
    loop {
        visible.extend(children_of(cx, scope).into_iter().map(|c| cx.table.statuses[c].name.clone()));
        match scope {
            Some(s) => scope = cx.table.statuses[s].parent,
            None => break,
        }
    }
    let help = suggest(name, visible.iter().map(String::as_str)).or_else(|| {
        let nested: Vec<&str> = cx.table.statuses.iter().filter(|s| s.name == name).map(|s| s.path.as_str()).collect();
        nested.first().map(|p| format!("a status of this name is nested elsewhere: write `{p}`"))
    });
    cx.report(
        Diagnostic::error("E020", span, format!("unknown status `{name}`"))
            .with_label("no status of this name in scope")
            .with_help_opt(help),
    );
}
