//! `docket explain`: what can happen in a status, in plain words, with the policy lines and their
//! comments. One case explained for itself is `explain_case`, which shares these words.

use crate::ast::BinaryOp;
use crate::compile::table::*;
use crate::eval::time::format_duration;
use crate::span::SourceFile;

/// A condition in words: `amount is at most order_total`, `3d have passed since entering dispute_open`.
pub fn words(t: &TransitionTable, params: &[String], e: &CExpr) -> String {
    let plain = |e: &CExpr| crate::compile::print::expr_text(t, params, e);
    match e {
        CExpr::Binary(BinaryOp::And, l, r) => format!("{} and {}", words(t, params, l), words(t, params, r)),
        CExpr::Binary(BinaryOp::Or, l, r) => format!("either {} or {}", words(t, params, l), words(t, params, r)),
        CExpr::Not(x) => match &**x {
            CExpr::Field(_) | CExpr::Param(_) => format!("{} is false", plain(x)),
            other => format!("not ({})", words(t, params, other)),
        },
        CExpr::Field(_) | CExpr::Param(_) => format!("{} is true", plain(e)),
        CExpr::Binary(op, l, r) if op.is_comparison() => {
            if let (CExpr::TimeIn(s), CExpr::Const(Value::Duration(d))) = (&**l, &**r) {
                let since = &t.statuses[*s].path;
                let d = format_duration(*d);
                return match op {
                    BinaryOp::Ge => format!("at least {d} have passed since the case entered {since}"),
                    BinaryOp::Gt => format!("more than {d} have passed since the case entered {since}"),
                    BinaryOp::Lt => format!("less than {d} has passed since the case entered {since}"),
                    BinaryOp::Le => format!("at most {d} has passed since the case entered {since}"),
                    _ => plain(e),
                };
            }
            let verb = match op {
                BinaryOp::Eq => "is",
                BinaryOp::Ne => "is not",
                BinaryOp::Lt => "is less than",
                BinaryOp::Le => "is at most",
                BinaryOp::Gt => "is more than",
                _ => "is at least",
            };
            format!("{} {verb} {}", plain(l), plain(r))
        }
        other => plain(other),
    }
}

/// What a transition does, in words.
pub(crate) fn consequence(t: &TransitionTable, params: &[String], tr: &Transition) -> String {
    let mut parts: Vec<String> = tr
        .effects
        .iter()
        .map(|e| {
            format!("sets {} to {}", t.fields[e.field].name, crate::compile::print::expr_text(t, params, &e.value))
        })
        .collect();
    match tr.target {
        Some(s) => {
            let leaf = t.entry_leaf(s);
            parts.push(format!("the case goes to {} (\"{}\")", t.statuses[leaf].path, t.statuses[leaf].label));
        }
        None => parts.push("the case stays where it is".into()),
    }
    parts.join("; ")
}

/// The condition of the `k`th rule for one trigger, in words. The first rule whose condition
/// holds is taken, so every rule after the first applies only when those above it do not.
fn condition(t: &TransitionTable, params: &[String], tr: &Transition, k: usize) -> String {
    match (&tr.guard, k) {
        (Some(g), 0) => format!(", if {}", words(t, params, g)),
        (Some(g), _) => format!(", otherwise if {}", words(t, params, g)),
        (None, 0) => String::new(),
        (None, _) => ", otherwise".into(),
    }
}

fn where_(file: &SourceFile, t: &TransitionTable, line: usize, declared_in: StatusId, here: StatusId) -> String {
    let mut s = format!("line {line}");
    if declared_in != here {
        s.push_str(&format!(", from {}", t.statuses[declared_in].path));
    }
    if let Some(c) = file.trailing_comment(line).filter(|c| !c.is_empty()) {
        s.push_str(&format!("; {c}"));
    }
    s
}

/// Explain one status.
pub fn status(t: &TransitionTable, file: &SourceFile, id: StatusId) -> String {
    let st = &t.statuses[id];
    let mut out = format!("{} \"{}\"\n", st.path, st.label);
    // A status's doc comments are its own; an enclosing status's are said to be that status's,
    // innermost first, since they describe where the case is but not this status.
    for d in &st.docs {
        out.push_str(&format!("  {d}\n"));
    }
    let mut parent = st.parent;
    while let Some(p) = parent {
        let outer = &t.statuses[p];
        if !outer.docs.is_empty() {
            out.push_str(&format!("  Inside {}: {}\n", outer.path, outer.docs.join(" ")));
        }
        parent = outer.parent;
    }
    if let Some(o) = &st.terminal {
        out.push_str(&format!("  The case is closed here with the outcome {}", t.outcomes[o.outcome].name));
        if let Some(a) = &o.amount {
            out.push_str(&format!(" of {}", crate::compile::print::expr_text(t, &[], a)));
        }
        out.push_str(". Nothing more can happen.\n");
        return out;
    }
    if !st.children.is_empty() {
        let leaf = t.entry_leaf(id);
        out.push_str(&format!("  Entering it enters {}.\n", t.statuses[leaf].path));
    }
    if !st.actions.is_empty() {
        out.push_str("  Who may do what:\n");
        for (action, list) in &st.actions {
            let def = &t.actions[*action];
            let params: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
            for (k, tr) in list.iter().enumerate() {
                let cond = condition(t, &params, tr, k);
                out.push_str(&format!(
                    "  - {} {}{cond}: {}. ({})\n",
                    t.roles[def.role],
                    def.name,
                    consequence(t, &params, tr),
                    where_(file, t, tr.line, tr.declared_in, id)
                ));
            }
        }
    }
    if !st.timers.is_empty() {
        out.push_str("  If nobody acts:\n");
        for armed in &st.timers {
            let def = &t.timers[armed.timer];
            let when = clock_words(t, def, armed.owner);
            match &armed.effect {
                TimerEffect::Sla => out.push_str(&format!(
                    "  - {} ({when}) is a deadline: when it passes it is marked breached; nothing moves. ({})\n",
                    def.name,
                    where_(file, t, armed.line, armed.owner, id)
                )),
                TimerEffect::Move(list) => {
                    for (k, tr) in list.iter().enumerate() {
                        let cond = condition(t, &[], tr, k);
                        out.push_str(&format!(
                            "  - {} ({when}){cond}: {}. ({})\n",
                            def.name,
                            consequence(t, &[], tr),
                            where_(file, t, tr.line, tr.declared_in, id)
                        ));
                    }
                }
            }
        }
    }
    // The first automatic transition whose condition holds is taken, so each one after the first
    // applies only when those above it do not, as with `else`.
    for (k, tr) in st.automatic.iter().enumerate() {
        let cond = tr.guard.as_ref().map(|g| words(t, &[], g)).unwrap_or_default();
        let lead = if k == 0 { "As soon as" } else { "Otherwise, as soon as" };
        out.push_str(&format!(
            "  - {lead} {cond}: {}. ({})\n",
            consequence(t, &[], tr),
            where_(file, t, tr.line, tr.declared_in, id)
        ));
    }
    out
}

/// When a timer fires, in words: what it counts, from when, and what restarts or pauses it.
pub fn clock_words(t: &TransitionTable, def: &TimerDef, owner: StatusId) -> String {
    let entered = &t.statuses[owner].path;
    let mut out = match &def.clock {
        // An exact duration reads best as written (`48h`, not `2d`): the first word of the clock.
        Clock::After(step) if step.calendar.is_none() => {
            let written = def.written.split(' ').next().unwrap_or_default().to_string();
            format!("{written} after the case entered {entered}")
        }
        Clock::After(step) => format!("{} after the case entered {entered}", step_words(t, step)),
        Clock::FromField(f) => format!("as long as field {} says, after the case entered {entered}", t.fields[*f].name),
        Clock::ByEnum { field, steps } => {
            let field_def = &t.fields[*field];
            let variants = match field_def.ty {
                Type::Enum(e) => t.enums[e].clone(),
                _ => vec![],
            };
            let list: Vec<String> =
                variants.iter().zip(steps).map(|(v, s)| format!("{} for {v}", step_words(t, s))).collect();
            format!("{} (by {}) after the case entered {entered}", list.join(", "), field_def.name)
        }
        Clock::At(e) => format!("at {}", crate::compile::print::expr_text(t, &[], e)),
    };
    match &def.restart {
        Some(Restart::Any) => out.push_str(", counted again from every event applied to the case"),
        Some(Restart::Roles(roles)) => {
            let names: Vec<&str> = roles.iter().map(|r| t.roles[*r].as_str()).collect();
            out.push_str(&format!(", counted again from every event of {}", names.join(" or ")));
        }
        None => {}
    }
    match &def.pause {
        Some(PauseRule::In(statuses)) => {
            let names: Vec<&str> = statuses.iter().map(|s| t.statuses[*s].path.as_str()).collect();
            out.push_str(&format!(", its clock stopped while the case is in {}", names.join(" or ")));
        }
        Some(PauseRule::When(c)) => {
            out.push_str(&format!(", its clock stopped while {}", crate::compile::print::expr_text(t, &[], c)));
        }
        None => {}
    }
    out
}

/// A step in words: `5d`, `3 business days of calendar uk`.
fn step_words(t: &TransitionTable, step: &Step) -> String {
    let cal = step.calendar.and_then(|c| t.calendars.get(c));
    match (step.amount, cal) {
        (StepAmount::BusinessDays(n), Some(c)) => {
            format!("{n} business day{} of calendar {}", plural(n as i64), c.name)
        }
        (StepAmount::BusinessHours(secs), Some(c)) if secs % 3600 == 0 => {
            format!("{} business hour{} of calendar {}", secs / 3600, plural(secs / 3600), c.name)
        }
        (StepAmount::LocalDays { .. }, Some(c)) => {
            format!(
                "{} by the clocks of {} (calendar {})",
                crate::compile::print::step_text(t, &Step { calendar: None, ..*step }),
                c.zone.name(),
                c.name
            )
        }
        _ => crate::compile::print::step_text(t, step),
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One rule in plain words, as [`status`] says it in the status that declares it, found by the
/// byte offset where the rule's text starts; `None` for an offset where no compiled rule starts.
pub fn rule(t: &TransitionTable, file: &SourceFile, start: usize) -> Option<String> {
    for (id, st) in t.statuses.iter().enumerate() {
        let own = |tr: &Transition| tr.span.start == start && tr.declared_in == id;
        for (action, list) in &st.actions {
            if let Some(k) = list.iter().position(own) {
                let def = &t.actions[*action];
                let params: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
                let tr = &list[k];
                return Some(format!(
                    "In {}: {} {}{}: {}. ({})",
                    st.path,
                    t.roles[def.role],
                    def.name,
                    condition(t, &params, tr, k),
                    consequence(t, &params, tr),
                    where_(file, t, tr.line, tr.declared_in, id)
                ));
            }
        }
        for armed in &st.timers {
            let TimerEffect::Move(list) = &armed.effect else { continue };
            if let Some(k) = list.iter().position(own) {
                let def = &t.timers[armed.timer];
                let tr = &list[k];
                return Some(format!(
                    "In {}: {} ({}){}: {}. ({})",
                    st.path,
                    def.name,
                    clock_words(t, def, armed.owner),
                    condition(t, &[], tr, k),
                    consequence(t, &[], tr),
                    where_(file, t, tr.line, tr.declared_in, id)
                ));
            }
        }
        if let Some(k) = st.automatic.iter().position(own) {
            let tr = &st.automatic[k];
            let cond = tr.guard.as_ref().map(|g| words(t, &[], g)).unwrap_or_default();
            let lead = if k == 0 { "as soon as" } else { "otherwise, as soon as" };
            return Some(format!(
                "In {}: {lead} {cond}: {}. ({})",
                st.path,
                consequence(t, &[], tr),
                where_(file, t, tr.line, tr.declared_in, id)
            ));
        }
    }
    None
}
