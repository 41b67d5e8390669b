//! Rules: each status's rules, timers, entry effects and outcome are resolved and typed into
//! [`OwnRules`]. Status names in targets resolve from the innermost scope outwards.

use super::OwnRules;
use super::declare::Context;
use super::types::{Scope, Timeless, enum_difference, typed, typed_for};
use crate::ast::{self, Assignment, Policy, StatusItem, Trigger};
use crate::compile::table::{Effect, PauseRule, StatusId, TerminalOutcome, Transition, Type};
use crate::diag::{Diagnostic, MAX_CANDIDATES};
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
                let scope = Scope { params: vec![], status: Some(s), dynamic: true, timeless: None };
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

/// Resolve each timer's `pause`: statuses by full path, or a condition over fields.
pub fn resolve_pauses(cx: &mut Context, ast: &Policy) {
    for decl in &ast.timers {
        let Some((pause, span)) = &decl.pause else { continue };
        let Some(id) = cx.timer_id(&decl.name.name) else { continue };
        // A duplicate declaration's pause is not this timer's.
        if cx.table.timers[id].span != decl.span {
            continue;
        }
        let counted = match &cx.table.timers[id].clock {
            crate::compile::table::Clock::After(step) => step.calendar,
            crate::compile::table::Clock::ByEnum { steps, .. } => steps.iter().find_map(|s| s.calendar),
            _ => None,
        };
        if let Some(cal) = counted {
            let name = cx.table.calendars[cal].name.clone();
            cx.report(
                Diagnostic::error(
                    "E066",
                    *span,
                    format!(
                        "timer `{}` is counted on calendar `{name}`, and such a clock cannot pause",
                        decl.name.name
                    ),
                )
                .with_label("a paused clock resumes with the exact time it had left")
                .with_help("give the paused timer an exact duration, such as `48h`"),
            );
            continue;
        }
        let rule = match pause {
            ast::Pause::In(paths) => {
                let ids: Option<Vec<StatusId>> = paths.iter().map(|p| resolve_path(cx, None, p)).collect();
                let Some(ids) = ids else { continue };
                PauseRule::In(ids)
            }
            ast::Pause::When(e) => {
                let scope = Scope { params: vec![], status: None, dynamic: true, timeless: Some(Timeless::Pause) };
                let Some((c, t)) = typed(cx, &scope, e, Some(Type::Bool)) else { continue };
                if t != Type::Bool {
                    let got = cx.table.type_name(t);
                    cx.report(Diagnostic::error(
                        "E032",
                        e.span,
                        format!("a pause condition must be true or false, and this is {got}"),
                    ));
                    continue;
                }
                PauseRule::When(c)
            }
        };
        cx.table.timers[id].pause = Some(rule);
    }
}

/// Record a timer armed in a status; a status arms each timer once.
fn arm(cx: &mut Context, own: &mut OwnRules, timer: usize, rules: Option<Transition>, span: Span) {
    if let Some(existing) = own.timers.iter_mut().find(|t| t.timer == timer) {
        match (&mut existing.rules, rules) {
            (Some(list), Some(rule)) => list.push(rule),
            _ => {
                cx.dropped_rule = true;
                let name = cx.table.timers[timer].name.clone();
                cx.report(
                    Diagnostic::error("E010", span, format!("timer `{name}` is armed twice in this status"))
                        .with_related(existing.span, "first armed here")
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
        Trigger::Action { role, action } if role.name == "on" && !cx.table.role_index.contains_key("on") => {
            on_event(cx, rule, role, action);
            cx.dropped_rule = true;
            return;
        }
        Trigger::Action { role, action } => {
            let resolved = cx.role(role).and_then(|r| cx.action(r, action));
            let Some(action_id) = resolved else {
                // Without the action, its parameters are unknown: the condition and the effects
                // cannot be typed without reporting its parameters as unknown names.
                cx.dropped_rule = true;
                return;
            };
            (cx.table.actions[action_id].params.clone(), rule_start(cx, rule, role.span.start, None))
        }
        Trigger::Timer(name) => (vec![], rule_start(cx, rule, name.span.start, Some("after"))),
        Trigger::Automatic => {
            let anchor = rule.guard.as_ref().map_or(rule.span.start, |g| g.span.start);
            (vec![], rule_start(cx, rule, anchor, Some("when")))
        }
    };
    let timeless = matches!(rule.trigger, Trigger::Automatic).then_some(Timeless::Automatic);
    let scope = Scope { params, status: Some(s), dynamic: true, timeless };
    // The condition, the target and the effects are each checked, so one run reports all of
    // their problems; the rule joins the table only if all three resolve.
    let guard = rule.guard.as_ref().map(|g| {
        let (c, t) = typed(cx, &scope, g, Some(Type::Bool))?;
        if t != Type::Bool {
            let got = cx.table.type_name(t);
            cx.report(
                Diagnostic::error("E032", g.span, format!("a condition must be true or false, and this is {got}"))
                    .with_help("compare it with something, such as `amount > 0`"),
            );
            return None;
        }
        Some(c)
    });
    let target = rule.target.as_ref().map(|path| resolve_path(cx, Some(s), path));
    let effects = assignments(cx, &scope, &rule.effects);
    let (Some(guard), Some(target)) =
        (guard.map_or(Some(None), |g| g.map(Some)), target.map_or(Some(None), |t| t.map(Some)))
    else {
        cx.dropped_rule = true;
        return;
    };
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
        Trigger::Timer(name) => match cx.timer(name) {
            Some(t) => arm(cx, own, t, Some(transition), name.span),
            None => cx.dropped_rule = true,
        },
        Trigger::Automatic => {
            own.automatic.push(transition);
        }
    }
}

/// `on event { ... }` parses as a rule of a role `on`; say what `on` means and what rule to
/// write. When the word after `on` is an action of one role, the rule is written out for it.
fn on_event(cx: &mut Context, rule: &ast::Rule, on: &ast::Ident, word: &ast::Ident) {
    let mut named = cx.table.actions.iter().enumerate().filter(|(_, a)| a.name == word.name);
    let (example, exact) = match (named.next(), named.next()) {
        (Some((id, a)), None) => {
            cx.action_used[id] = true;
            let guard = rule.guard.as_ref().map(|g| format!(" when {}", cx.file.slice(g.span))).unwrap_or_default();
            let target = match &rule.target {
                Some(t) => format!(" -> {}", t.dotted()),
                // Without a target the rule keeps the case where it is, which is a rule too.
                None if !rule.effects.is_empty() => String::new(),
                None => " -> STATUS".into(),
            };
            let effects = if rule.effects.is_empty() { "" } else { " { ... }" };
            (Some(format!("{} {}{guard}{target}{effects}", cx.table.roles[a.role], a.name)), true)
        }
        _ => {
            let first = cx.table.actions.first();
            (first.map(|a| format!("{} {} -> STATUS {{ ... }}", cx.table.roles[a.role], a.name)), false)
        }
    };
    let span = Span::new(on.span.start, word.span.end);
    cx.report(crate::syntax::on_is_only_entry(span, example.as_deref(), exact));
}

/// Where a rule starts, for its span: its first keyword (`else`, `after`, `when`) or its role,
/// found by stepping back from `anchor` (the role, the timer's name or the condition) over the
/// keywords the grammar puts before it. Doc comments are not part of it.
fn rule_start(cx: &Context, rule: &ast::Rule, anchor: usize, keyword: Option<&str>) -> usize {
    let text = &cx.file.text;
    let mut start = anchor;
    for word in keyword.into_iter().chain(rule.otherwise.then_some("else")) {
        let before = text.get(..start).unwrap_or("").trim_end();
        match before.strip_suffix(word) {
            Some(rest) => start = rest.len(),
            None => break,
        }
    }
    start
}

fn assignments(cx: &mut Context, scope: &Scope, list: &[Assignment]) -> Vec<Effect> {
    let mut out = Vec::new();
    for a in list {
        let Some(field) = cx.field(&a.field) else { continue };
        cx.field_used[field] = true;
        let want = cx.table.fields[field].ty;
        let owner = format!("field `{}`", a.field.name);
        let Some((value, got)) = typed_for(cx, scope, &a.value, want, owner) else { continue };
        if got != want {
            let (w, g) = (cx.table.type_name(want), cx.table.type_name(got));
            let help = enum_difference(cx, got, "the value", want, &format!("field `{}`", a.field.name));
            cx.report(
                Diagnostic::error(
                    "E031",
                    a.value.span,
                    format!("cannot assign {g} to field `{}`, which holds {w}", a.field.name),
                )
                .with_label(format!("this is {g}"))
                .with_help_opt(help),
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
            let scope = Scope { params: vec![], status: Some(s), dynamic: true, timeless: None };
            let owner = format!("outcome `{}`", o.name.name);
            let Some((c, got)) = typed_for(cx, &scope, expr, want, owner) else { return };
            if got != want {
                let (w, g) = (cx.table.type_name(want), cx.table.type_name(got));
                let example = cx.table.fields.iter().find(|f| f.ty == want).map(|f| f.name.clone());
                let example = example.or_else(|| cx.example_of(want));
                let differs = enum_difference(cx, got, "the amount", want, &format!("outcome `{}`", o.name.name));
                cx.report(
                    Diagnostic::error(
                        "E033",
                        expr.span,
                        format!("outcome `{}` needs a {w} amount, and this is {g}", o.name.name),
                    )
                    .with_label(format!("this is {g}"))
                    .with_help_opt(
                        differs.or_else(|| {
                            example.map(|f| format!("give it a {w} value, such as `{}({f})`", o.name.name))
                        }),
                    ),
                );
                return;
            }
            Some(c)
        }
        (Some(expr), None) => {
            cx.report(
                Diagnostic::error("E033", expr.span, format!("outcome `{}` carries no amount", o.name.name))
                    .with_help(format!("remove the amount, or declare it with one: `outcomes {}(money)`", o.name.name)),
            );
            return;
        }
        (None, Some(want)) => {
            let w = cx.table.type_name(want);
            // Suggest a field that could hold the amount, if the policy has one.
            let example = cx.table.fields.iter().find(|f| f.ty == want).map_or("AMOUNT", |f| f.name.as_str());
            let help = format!("write it in parentheses, such as `outcome {}({example})`", o.name.name);
            cx.report(
                Diagnostic::error("E033", o.span, format!("outcome `{}` needs a {w} amount", o.name.name))
                    .with_help(help),
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
    let found = loop {
        if let Some(s) = cx.status_child(scope, &first.name) {
            break Some(s);
        }
        match scope {
            Some(s) => scope = cx.table.statuses[s].parent,
            None => break None,
        }
    };
    let Some(mut cur) = found else {
        unknown_status(cx, from, &first.name, path.span);
        return None;
    };
    for seg in &path.segments[1..] {
        match cx.status_child(Some(cur), &seg.name) {
            Some(c) => cur = c,
            None => {
                let help = cx.suggest(
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

fn unknown_status(cx: &mut Context, from: Option<StatusId>, name: &str, span: Span) {
    // The names visible from `from`: its children, then each enclosing level's, then the top.
    let mut visible: Vec<&str> = Vec::new();
    let mut scope = from;
    loop {
        match scope {
            Some(s) => {
                visible.extend(cx.table.statuses[s].children.iter().map(|&c| cx.table.statuses[c].name.as_str()));
                scope = cx.table.statuses[s].parent;
            }
            None => {
                let room = MAX_CANDIDATES.saturating_sub(visible.len());
                visible.extend(
                    cx.table.statuses.iter().filter(|s| s.parent.is_none()).map(|s| s.name.as_str()).take(room),
                );
                break;
            }
        }
    }
    let help = cx.suggest(name, visible).or_else(|| {
        cx.status_named(name)
            .map(|s| format!("a status of this name is nested elsewhere: write `{}`", cx.table.statuses[s].path))
    });
    cx.report(
        Diagnostic::error("E020", span, format!("unknown status `{name}`"))
            .with_label("no status of this name in scope")
            .with_help_opt(help),
    );
}
