//! `docket graph`: the compiled transition table drawn as a state diagram, in Graphviz DOT or
//! Mermaid flowchart text. Statuses are boxes labelled with their human label and path; a status
//! with children is a cluster (a Mermaid subgraph) whose heading stands for "anywhere inside".
//! Rules are solid edges labelled `role action` and their guard, moving timers dashed edges labelled
//! with the timer and its duration, automatic transitions dotted edges. SLA deadlines and rules that
//! keep the case where it is are notes on their status, not edges; terminal statuses have a double
//! border and show their outcome.
//!
//! Edges come from each status's own declarations (the `declared_in` / `owner` of the table's
//! entries), so a rule written in a parent is drawn once, from the parent, and not once per child.
//! Output depends only on the table: statuses in table order, edges in policy-line order.

use crate::compile::print::expr_text;
use crate::compile::table::{StatusId, TimerEffect, Transition, TransitionTable};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The text formats a graph can be drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// A Mermaid flowchart, for Markdown renderers such as GitHub's.
    Mermaid,
}

/// What moves a case along an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A role's action (solid).
    Action,
    /// A timer expiring (dashed).
    Timer,
    /// An automatic transition, taken as soon as its condition holds (dotted).
    Automatic,
}

/// One transition as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The status whose declaration it is.
    pub from: StatusId,
    /// The target as written (a parent status, entered at its initial child).
    pub to: StatusId,
    /// What triggers it.
    pub kind: EdgeKind,
    /// Label lines: the trigger, then the guard wrapped.
    pub label: Vec<String>,
    /// The rule's line in the policy.
    pub line: usize,
    /// It leads back to a status the case passed through on the way here (a back edge of a
    /// depth-first walk from the start); layouts let such edges bend instead of ranking by them.
    pub back: bool,
}

/// What a diagram shows, independent of its text format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    /// Policy name.
    pub name: String,
    /// Title line: the policy's title and version.
    pub title: String,
    /// Per status (table order), the note lines: outcome, SLA deadlines, rules that stay.
    pub notes: Vec<Vec<String>>,
    /// Per status, its doc comments joined, for tooltips.
    pub docs: Vec<String>,
    /// Every edge, sorted by policy line.
    pub edges: Vec<Edge>,
    /// The top-level status a case starts in.
    pub start: StatusId,
}

/// Guards longer than this are wrapped onto several label lines.
const WRAP: usize = 34;

/// Collect the diagram of a table.
pub fn diagram(table: &TransitionTable) -> Diagram {
    let mut edges = Vec::new();
    let mut notes = vec![Vec::new(); table.statuses.len()];
    for (s, status) in table.statuses.iter().enumerate() {
        if let Some(t) = &status.terminal {
            let outcome = &table.outcomes[t.outcome].name;
            notes[s].push(match &t.amount {
                Some(e) => format!("outcome {outcome}({})", expr_text(table, &[], e)),
                None => format!("outcome {outcome}"),
            });
        }
        for armed in status.timers.iter().filter(|a| a.owner == s) {
            let def = &table.timers[armed.timer];
            let clock = def.written.clone();
            match &armed.effect {
                TimerEffect::Sla => notes[s].push(format!("deadline {} ({clock})", def.name)),
                TimerEffect::Move(list) => {
                    for tr in list.iter().filter(|tr| tr.declared_in == s) {
                        let trigger = format!("{}after {} ({clock})", otherwise(tr), def.name);
                        push_edge(&mut edges, &mut notes[s], s, tr, EdgeKind::Timer, trigger);
                    }
                }
            }
        }
        for (action, list) in &status.actions {
            let def = &table.actions[*action];
            for tr in list.iter().filter(|tr| tr.declared_in == s) {
                let trigger = format!("{}{} {}", otherwise(tr), table.roles[def.role], def.name);
                push_edge(&mut edges, &mut notes[s], s, tr, EdgeKind::Action, trigger);
            }
        }
        for tr in status.automatic.iter().filter(|tr| tr.declared_in == s) {
            push_edge(&mut edges, &mut notes[s], s, tr, EdgeKind::Automatic, format!("{}automatic", otherwise(tr)));
        }
    }
    edges.sort_by_key(|e| (e.line, e.kind, e.from, e.to));
    let start = table.chain(table.initial).first().copied().unwrap_or(table.initial);
    mark_back_edges(table, start, &mut edges);
    let version = table.version.as_ref().map(|v| format!(", version {v}")).unwrap_or_default();
    Diagram {
        name: table.name.clone(),
        title: format!("{} ({}{version})", table.title, table.name),
        notes,
        docs: table.statuses.iter().map(|s| s.docs.join(" ")).collect(),
        edges,
        start,
    }
}

/// Mark the edges that lead back to a status still open in a depth-first walk from the start.
/// A status's successors are its children (initial first) then its edges in policy order, so the
/// walk follows the policy as it reads; iterative, so a deep policy cannot overflow the stack.
fn mark_back_edges(table: &TransitionTable, start: StatusId, edges: &mut [Edge]) {
    let n = table.statuses.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        out[e.from].push(i);
    }
    // Successors as (status, the edge taken, if any).
    let successors = |s: StatusId| -> Vec<(StatusId, Option<usize>)> {
        let status = &table.statuses[s];
        let mut next: Vec<(StatusId, Option<usize>)> = status.initial_child.map(|c| (c, None)).into_iter().collect();
        next.extend(status.children.iter().filter(|c| Some(**c) != status.initial_child).map(|c| (*c, None)));
        next.extend(out[s].iter().map(|&i| (edges[i].to, Some(i))));
        next
    };
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut back = Vec::new();
    let roots = std::iter::once(start).chain(0..n);
    for root in roots {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::Open;
        let mut stack = vec![(root, successors(root), 0usize)];
        while let Some((s, next, i)) = stack.last_mut() {
            let Some(&(t, edge)) = next.get(*i) else {
                mark[*s] = Mark::Done;
                stack.pop();
                continue;
            };
            *i += 1;
            match mark[t] {
                Mark::Open => back.extend(edge),
                Mark::Done => {}
                Mark::New => {
                    mark[t] = Mark::Open;
                    let next = successors(t);
                    stack.push((t, next, 0));
                }
            }
        }
    }
    for i in back {
        edges[i].back = true;
    }
}

fn otherwise(tr: &Transition) -> &'static str {
    if tr.otherwise { "else " } else { "" }
}

/// An edge for a rule with a target; a rule that stays becomes a note on its status.
fn push_edge(
    edges: &mut Vec<Edge>,
    notes: &mut Vec<String>,
    from: StatusId,
    tr: &Transition,
    kind: EdgeKind,
    trigger: String,
) {
    let guard = tr.guard_text.as_deref().map(|g| wrap(&format!("when {g}"), WRAP)).unwrap_or_default();
    match tr.target {
        Some(to) => {
            // An automatic transition's trigger is its condition: "automatic" alone says nothing.
            let mut label = if kind == EdgeKind::Automatic && !guard.is_empty() { Vec::new() } else { vec![trigger] };
            label.extend(guard);
            edges.push(Edge { from, to, kind, label, line: tr.line, back: false });
        }
        None => {
            let mut note = format!("{trigger}, stays");
            if let Some(g) = &tr.guard_text {
                note.push_str(&format!(" when {g}"));
            }
            notes.push(note);
        }
    }
}

/// Greedy word wrap; continuation lines are indented so they read as one condition.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        }
        if !cur.is_empty() && !cur.ends_with("  ") {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.trim().is_empty() {
        lines.push(cur);
    }
    lines
}

/// Draw a table in a format.
pub fn render(table: &TransitionTable, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => dot(table),
        GraphFormat::Mermaid => mermaid(table),
    }
}

const TIMER_COLOR: &str = "#a34d00";
const AUTO_COLOR: &str = "#1f5fbf";
const MUTED: &str = "#555555";

/// The diagram as Graphviz DOT text.
pub fn dot(table: &TransitionTable) -> String {
    let d = diagram(table);
    let mut out = String::new();
    let _ = writeln!(out, "// The statuses and transitions of policy `{}`, drawn by `docket graph`.", d.name);
    let _ = writeln!(out, "// Render with: dot -Tsvg FILE.dot -o FILE.svg");
    let _ = writeln!(out, "digraph {} {{", dot_id(&d.name));
    let legend = "solid: an action · dashed: a timer · dotted: automatic · double border: the case ends";
    let _ = writeln!(
        out,
        "  graph [label=<{}<BR/>{}>, labelloc=t, \
         fontname=\"Helvetica\", fontsize=16, compound=true, newrank=true, rankdir=TB, nodesep=0.5, \
         ranksep=0.55, pad=0.3];",
        element("<B>", "</B>", &d.title),
        element(&format!("<FONT POINT-SIZE=\"10\" COLOR=\"{MUTED}\">"), "</FONT>", legend)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#333333\", \
         fontname=\"Helvetica\", fontsize=11, margin=\"0.15,0.07\"];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#333333\", arrowsize=0.7];");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  \"(start)\" [shape=point, width=0.16, fillcolor=\"#333333\", label=\"\", tooltip=\"a case starts here\"];"
    );
    let _ = writeln!(out, "  \"(start)\" -> {};", dot_id(&table.statuses[d.start].path));
    for (s, status) in table.statuses.iter().enumerate() {
        if status.parent.is_none() {
            dot_status(&mut out, table, &d, s, 1);
        }
    }
    let _ = writeln!(out);
    for e in &d.edges {
        let from = &table.statuses[e.from];
        let to = &table.statuses[e.to];
        let mut attrs =
            vec![format!("label=\"{}\\l\"", e.label.iter().map(|l| dot_str(l)).collect::<Vec<_>>().join("\\l"))];
        if !from.children.is_empty() && !table.is_within(e.to, e.from) {
            attrs.push(format!("ltail={}", dot_id(&format!("cluster_{}", from.path))));
        }
        if !to.children.is_empty() && !table.is_within(e.from, e.to) {
            attrs.push(format!("lhead={}", dot_id(&format!("cluster_{}", to.path))));
        }
        match e.kind {
            EdgeKind::Action => {}
            EdgeKind::Timer => {
                attrs.push(format!("style=dashed, color=\"{TIMER_COLOR}\", fontcolor=\"{TIMER_COLOR}\""));
            }
            EdgeKind::Automatic => {
                attrs.push(format!("style=dotted, penwidth=1.6, color=\"{AUTO_COLOR}\", fontcolor=\"{AUTO_COLOR}\""));
            }
        }
        if e.back {
            attrs.push("constraint=false".to_string());
        }
        attrs.push(format!("tooltip=\"line {}\"", e.line));
        let _ = writeln!(out, "  {} -> {} [{}];", dot_id(&from.path), dot_id(&to.path), attrs.join(", "));
    }
    out.push_str("}\n");
    out
}

fn dot_status(out: &mut String, table: &TransitionTable, d: &Diagram, s: StatusId, depth: usize) {
    let status = &table.statuses[s];
    let pad = "  ".repeat(depth);
    let mut label = format!(
        "{}<BR/>{}",
        element("<B>", "</B>", &status.label),
        element(&format!("<FONT POINT-SIZE=\"9\" COLOR=\"{MUTED}\">"), "</FONT>", &status.path)
    );
    for note in &d.notes[s] {
        for (i, line) in wrap(note, 44).iter().enumerate() {
            let line = if i == 0 { line.clone() } else { format!("  {}", line.trim_start()) };
            let _ =
                write!(label, "<BR ALIGN=\"LEFT\"/>{}", element("<FONT POINT-SIZE=\"9\"><I>", "</I></FONT>", &line));
        }
    }
    if !d.notes[s].is_empty() {
        label.push_str("<BR ALIGN=\"LEFT\"/>");
    }
    let tooltip = if d.docs[s].is_empty() { status.label.clone() } else { d.docs[s].clone() };
    let id = dot_id(&status.path);
    if status.children.is_empty() {
        let shape =
            if status.terminal.is_some() { ", style=\"filled\", peripheries=2, fillcolor=\"#f3f3f3\"" } else { "" };
        let _ = writeln!(out, "{pad}{id} [label=<{label}>{shape}, tooltip=\"{}\"];", dot_str(&tooltip));
        return;
    }
    let _ = writeln!(out, "{pad}subgraph {} {{", dot_id(&format!("cluster_{}", status.path)));
    let fill = if depth % 2 == 1 { "#f4f7fb" } else { "#e8eef6" };
    let _ = writeln!(out, "{pad}  label=\"\"; style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"#8fa3bf\";");
    // The heading stands for the whole status: edges declared here start from it.
    let _ =
        writeln!(out, "{pad}  {id} [shape=plaintext, style=\"\", label=<{label}>, tooltip=\"{}\"];", dot_str(&tooltip));
    if let Some(initial) = status.initial_child {
        let dot_initial = dot_id(&format!("{} (initial)", status.path));
        let _ = writeln!(
            out,
            "{pad}  {dot_initial} [shape=point, width=0.1, fillcolor=\"#333333\", label=\"\", tooltip=\"entered first\"];"
        );
        let _ = writeln!(out, "{pad}  {id} -> {dot_initial} [style=invis];");
        let _ = writeln!(out, "{pad}  {dot_initial} -> {} [arrowsize=0.5];", dot_id(&table.statuses[initial].path));
    }
    for &c in &status.children {
        dot_status(out, table, d, c, depth + 1);
    }
    let _ = writeln!(out, "{pad}}}");
}

/// A DOT quoted identifier.
fn dot_id(s: &str) -> String {
    format!("\"{}\"", dot_str(s))
}

/// Text inside a DOT quoted string.
fn dot_str(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ")
}

/// Text in a DOT HTML-like label between an opening and a closing tag, or nothing for empty
/// text: Graphviz's grammar has no empty text inside `<B>`, `<I>` or `<FONT>` and rejects the
/// whole file over one such element.
fn element(open: &str, close: &str, s: &str) -> String {
    if s.is_empty() { String::new() } else { format!("{open}{}{close}", html(s)) }
}

/// Text inside a DOT HTML-like label: one line of XML text (see [`super::markup_text`]).
fn html(s: &str) -> String {
    super::markup_text(s, super::Breaks::Space)
}

/// The diagram as a Mermaid flowchart.
pub fn mermaid(table: &TransitionTable) -> String {
    let d = diagram(table);
    let ids = mermaid_ids(table);
    let mut out = String::from("flowchart TB\n");
    let _ = writeln!(out, "  %% The statuses and transitions of policy `{}`, drawn by `docket graph`.", d.name);
    let _ = writeln!(out, "  %% Solid: an action. Dashed: a timer. Dotted: automatic. Double circle: the case ends.");
    let _ = writeln!(out, "  start_((\"start\"))");
    let mut links = 0usize;
    let _ = writeln!(out, "  start_ --> {}", ids[d.start]);
    links += 1;
    let mut initial_links = Vec::new();
    for (s, status) in table.statuses.iter().enumerate() {
        if status.parent.is_none() {
            mermaid_status(&mut out, table, &d, &ids, s, 1, &mut links, &mut initial_links);
        }
    }
    let (mut timers, mut autos) = (Vec::new(), Vec::new());
    for e in &d.edges {
        let label = e.label.iter().map(|l| mermaid_text(l.trim())).collect::<Vec<_>>().join("<br/>");
        let arrow = if e.kind == EdgeKind::Action { "-->" } else { "-.->" };
        let _ = writeln!(out, "  {} {arrow}|\"{label}\"| {}", ids[e.from], ids[e.to]);
        match e.kind {
            EdgeKind::Action => {}
            EdgeKind::Timer => timers.push(links),
            EdgeKind::Automatic => autos.push(links),
        }
        links += 1;
    }
    let _ = writeln!(out, "  classDef heading fill:none,stroke:none,font-weight:bold");
    let _ = writeln!(out, "  classDef terminal fill:#f3f3f3,stroke:#333333");
    let join = |v: &[usize]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    if !timers.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{TIMER_COLOR},stroke-dasharray:6 4,color:{TIMER_COLOR}",
            join(&timers)
        );
    }
    if !autos.is_empty() {
        let _ =
            writeln!(out, "  linkStyle {} stroke:{AUTO_COLOR},stroke-dasharray:2 3,color:{AUTO_COLOR}", join(&autos));
    }
    if !initial_links.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#8fa3bf", join(&initial_links));
    }
    out
}

#[allow(clippy::too_many_arguments)] // one recursive walk; a struct for its state would only add noise
fn mermaid_status(
    out: &mut String,
    table: &TransitionTable,
    d: &Diagram,
    ids: &[String],
    s: StatusId,
    depth: usize,
    links: &mut usize,
    initial_links: &mut Vec<usize>,
) {
    let status = &table.statuses[s];
    let pad = "  ".repeat(depth);
    let mut label = format!("<b>{}</b><br/><small>{}</small>", mermaid_text(&status.label), mermaid_text(&status.path));
    for note in &d.notes[s] {
        let _ = write!(label, "<br/><i>{}</i>", mermaid_text(note));
    }
    let id = &ids[s];
    if status.children.is_empty() {
        if status.terminal.is_some() {
            let _ = writeln!(out, "{pad}{id}(((\"{label}\"))):::terminal");
        } else {
            let _ = writeln!(out, "{pad}{id}(\"{label}\")");
        }
        return;
    }
    let _ = writeln!(out, "{pad}subgraph c_{id} [\" \"]");
    let _ = writeln!(out, "{pad}  direction TB");
    // The heading stands for the whole status: edges declared here start from it.
    let _ = writeln!(out, "{pad}  {id}[\"{label}\"]:::heading");
    for &c in &status.children {
        mermaid_status(out, table, d, ids, c, depth + 1, links, initial_links);
    }
    if let Some(initial) = status.initial_child {
        let _ = writeln!(out, "{pad}  {id} --> {}", ids[initial]);
        initial_links.push(*links);
        *links += 1;
    }
    let _ = writeln!(out, "{pad}end");
}

/// Mermaid node ids: `s_` and the path with dots as `__`; a status whose id would collide with an
/// earlier one gets its index appended, so ids stay unique and deterministic.
fn mermaid_ids(table: &TransitionTable) -> Vec<String> {
    let mut seen = BTreeSet::new();
    table
        .statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let base = format!("s_{}", s.path.replace('.', "__"));
            let id = if seen.contains(&base) { format!("{base}_{i}") } else { base };
            seen.insert(id.clone());
            id
        })
        .collect()
}

/// Text inside a quoted Mermaid label: quotes, angle brackets, pipes and `#` as entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '&' => out.push_str("#amp;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_short_text_and_indents_continuations() {
        assert_eq!(wrap("when a == b", 34), ["when a == b"]);
        let lines = wrap("when amount >= 0 and amount <= order_total and amount >= claim", 34);
        assert!(lines.len() > 1);
        assert!(lines[1..].iter().all(|l| l.starts_with("  ")));
        assert!(lines.iter().all(|l| l.chars().count() <= 36));
    }

    #[test]
    fn escapes() {
        assert_eq!(mermaid_text("a <= \"b\" | #"), "a #lt;= #quot;b#quot; #124; #35;");
        assert_eq!(dot_str("say \"hi\" \\"), "say \\\"hi\\\" \\\\");
        assert_eq!(html("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
