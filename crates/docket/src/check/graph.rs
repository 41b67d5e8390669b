//! Graph checks over the status tree: statuses no path reaches, statuses with no way out,
//! terminal statuses with rules, cycles of automatic transitions that could loop forever, and
//! cycles that timers (with automatic transitions) can run with no event (W007).

use super::OwnRules;
use super::declare::Context;
use crate::ast::Policy;
use crate::compile::table::{CExpr, StatusId, Transition, Value};
use crate::diag::Diagnostic;

/// Every target a status's own rules and moving timers can lead to.
fn targets(own: &OwnRules) -> impl Iterator<Item = &Transition> {
    own.actions
        .iter()
        .flat_map(|(_, ts)| ts.iter())
        .chain(own.timers.iter().flat_map(|t| t.rules.iter().flatten()))
        .chain(own.automatic.iter())
}

/// Run the graph checks.
pub fn check(cx: &mut Context, own: &[OwnRules], _ast: &Policy) {
    let n = cx.table.statuses.len();
    if n == 0 || own.len() != n {
        return;
    }
    terminal_rules(cx);
    automatic_cycles(cx, own);
    timer_cycles(cx, own);
    // The graph checks need every edge: a rule that did not resolve already has its error, and
    // the statuses it would have led to or out of would only look unreachable or stuck.
    if cx.dropped_rule {
        return;
    }
    dead_ends(cx, own);
    // Reachability also needs the entry point; a missing or doubled `initial` has its error.
    if cx.diags.iter().any(|d| matches!(d.code, "E047" | "E048")) {
        return;
    }
    let reached = reachable(cx, own);
    for s in 0..n {
        let parent_unreached = cx.table.statuses[s].parent.is_some_and(|p| !reached[p]);
        if !reached[s] && !parent_unreached {
            let path = cx.table.statuses[s].path.clone();
            let span = cx.status_decls[s].name.span;
            cx.report(
                Diagnostic::error("E040", span, format!("status `{path}` can never be reached"))
                    .with_help("no rule or timer leads here; add one, or remove the status"),
            );
        }
    }
}

fn terminal_rules(cx: &mut Context) {
    for s in 0..cx.table.statuses.len() {
        let decl = cx.status_decls[s];
        if decl.terminal && (!decl.items.is_empty() || !decl.children.is_empty()) {
            let span = decl.items.first().map_or(decl.name.span, |_| decl.name.span);
            cx.report(
                Diagnostic::error(
                    "E042",
                    span,
                    format!("terminal status `{}` has rules or statuses inside it", decl.name.name),
                )
                .with_help("a terminal status ends the case; remove its body, or make it an ordinary status"),
            );
        }
    }
}

/// Statuses a case can be in, starting from the initial one.
fn reachable(cx: &Context, own: &[OwnRules]) -> Vec<bool> {
    let n = cx.table.statuses.len();
    let mut reached = vec![false; n];
    let mut work = Vec::new();
    let initial = cx.table.initial;
    mark_entered(cx, initial, &mut reached, &mut work);
    while let Some(s) = work.pop() {
        // Rules declared in `s` apply in every status inside it, so `s` being reached is enough.
        for t in targets(&own[s]) {
            if let Some(target) = t.target {
                mark_entered(cx, target, &mut reached, &mut work);
            }
        }
    }
    reached
}

/// Entering a status enters its ancestors and its initial children too.
fn mark_entered(cx: &Context, status: StatusId, reached: &mut [bool], work: &mut Vec<StatusId>) {
    let leaf = cx.table.entry_leaf(status);
    for s in cx.table.chain(leaf) {
        if !reached[s] {
            reached[s] = true;
            work.push(s);
        }
    }
}

fn dead_ends(cx: &mut Context, own: &[OwnRules]) {
    for s in 0..cx.table.statuses.len() {
        let st = &cx.table.statuses[s];
        if !st.children.is_empty() || cx.status_decls[s].terminal {
            continue;
        }
        let has_exit = cx.table.chain(s).iter().any(|&a| targets(&own[a]).any(|t| t.target.is_some()));
        if !has_exit {
            let path = st.path.clone();
            cx.report(
                Diagnostic::error("E041", cx.status_decls[s].name.span, format!("status `{path}` has no way out"))
                    .with_help("no rule or timer leaves it; add one, or mark it `terminal` with an outcome"),
            );
        }
    }
}

fn automatic_cycles(cx: &mut Context, own: &[OwnRules]) {
    let n = cx.table.statuses.len();
    // Edges between leaves: an automatic rule in force in a leaf, to the leaf its target enters.
    let edges: Vec<Vec<(StatusId, &Transition)>> = (0..n)
        .map(|leaf| {
            if !cx.table.statuses[leaf].children.is_empty() {
                return vec![];
            }
            cx.table
                .chain(leaf)
                .iter()
                .flat_map(|&a| own[a].automatic.iter())
                .filter_map(|t| t.target.map(|target| (cx.table.entry_leaf(target), t)))
                .collect()
        })
        .collect();
    // Iterative depth-first search with colours: 0 unvisited, 1 on the stack, 2 done.
    let mut colour = vec![0u8; n];
    let mut reported = false;
    for start in 0..n {
        if colour[start] != 0 || reported {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(to, t)) = edges[node].get(*next) {
                *next += 1;
                if colour[to] == 1 {
                    let path = cx.table.statuses[to].path.clone();
                    let span = t.span;
                    cx.report(
                        Diagnostic::error(
                            "E046",
                            span,
                            format!("automatic transitions can loop forever through `{path}`"),
                        )
                        .with_help("automatic transitions must not lead in a circle; let an action or a timer take one of these steps"),
                    );
                    reported = true;
                    break;
                }
                if colour[to] == 0 {
                    colour[to] = 1;
                    stack.push((to, 0));
                }
            } else {
                colour[node] = 2;
                stack.pop();
            }
        }
    }
}

/// A timer's move: its rule and the timer.
type TimerMove<'a> = (&'a Transition, usize);

/// Warn about cycles a case can go round with no event: timer moves and automatic transitions
/// without a condition that lead back where they started, through at least one timer (a cycle of
/// automatic transitions alone is E046). Evaluation stops such a case after 10,000 moves; the
/// policy almost surely meant something else (a reminder that does not re-enter its status, or a
/// way out). A move with a condition may end the loop (a counter), so it is not followed.
///
/// A timer armed in an enclosing status is spent once it fires and armed again only when that
/// status is entered again, so its move is followed only when it leaves or re-enters the status
/// that arms it; one to a status inside it fires once per entry and cannot loop by itself.
fn timer_cycles(cx: &mut Context, own: &[OwnRules]) {
    let t = &cx.table;
    let n = t.statuses.len();
    // Edges between leaves, with the timer's rule for timer moves (`None` for automatic ones).
    let mut edges: Vec<Vec<(StatusId, Option<TimerMove>)>> = vec![Vec::new(); n];
    for (leaf, out) in edges.iter_mut().enumerate() {
        if !t.statuses[leaf].children.is_empty() {
            continue;
        }
        for &armed_in in t.chain(leaf).iter() {
            for timer in &own[armed_in].timers {
                for tr in timer.rules.iter().flatten() {
                    if let Some(target) = tr.target
                        && always(tr)
                        && (target == armed_in || !t.is_within(target, armed_in))
                    {
                        out.push((t.entry_leaf(target), Some((tr, timer.timer))));
                    }
                }
            }
            for tr in &own[armed_in].automatic {
                if let Some(target) = tr.target
                    && always(tr)
                {
                    out.push((t.entry_leaf(target), None));
                }
            }
        }
    }
    let component = strongly_connected(&edges);
    // One warning per cycle, at its first timer rule in the file.
    let mut first: Vec<Option<TimerMove>> = vec![None; n];
    for (from, out) in edges.iter().enumerate() {
        for &(to, timer) in out {
            if let Some((tr, id)) = timer
                && component[from] == component[to]
                && first[component[from]].is_none_or(|(f, _)| tr.span.start < f.span.start)
            {
                first[component[from]] = Some((tr, id));
            }
        }
    }
    let mut found: Vec<TimerMove> = first.into_iter().flatten().collect();
    found.sort_by_key(|(tr, _)| tr.span.start);
    let reports: Vec<Diagnostic> = found
        .into_iter()
        .map(|(tr, timer)| {
            let path = tr.target.map(|s| t.statuses[s].path.clone()).unwrap_or_default();
            Diagnostic::warning(
                "W007",
                tr.span,
                format!(
                    "timer `{}` moves the case to `{path}` in a circle that needs no event: a case there moves forever",
                    t.timers[timer].name
                ),
            )
            .with_help("let an action take one of these steps, give the timer a way out, or give a step a condition that ends the loop")
        })
        .collect();
    for d in reports {
        cx.report(d);
    }
}

/// Whether a rule applies whatever the case holds: no condition, or `when true`.
fn always(tr: &Transition) -> bool {
    matches!(tr.guard, None | Some(CExpr::Const(Value::Bool(true))))
}

/// The strongly connected component of each node (Tarjan's algorithm, without recursion).
fn strongly_connected<T>(edges: &[Vec<(StatusId, T)>]) -> Vec<usize> {
    let n = edges.len();
    const UNSEEN: usize = usize::MAX;
    let (mut index, mut low, mut component) = (vec![UNSEEN; n], vec![0; n], vec![UNSEEN; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let (mut next_index, mut next_component) = (0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut calls = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = calls.last_mut() {
            if let Some(&(w, _)) = edges[v].get(*i) {
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}
