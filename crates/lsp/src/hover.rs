//! Hover: what the library knows of the name under the cursor, in Markdown. A status shows its
//! label, doc comment, path and the rules in force in it as `docket table` prints them (or, for a
//! status with children, as `docket explain` says them); a timer its clock and every place that
//! arms it; a field its type and default; an action its role and parameters; a rule what
//! `docket explain` says of it. Without a compiled table (the policy has errors) the declaration's
//! own text and doc comment are shown.

use crate::analysis::PolicyAnalysis;
use docket::compile::table::TransitionTable;
use docket::span::Span;
use docket::symbols::{SymbolKey, Use};

/// The hover text at a byte offset, and the span it is about.
pub fn hover(a: &PolicyAnalysis, offset: usize) -> Option<(String, Span)> {
    let ix = &a.index;
    let rule = a.table.as_ref().and_then(|t| {
        let site = ix.rule_at(offset)?;
        docket::report::explain::rule(t, &a.file, site.span.start).map(|words| (words, site.span))
    });
    let Some(o) = ix.at(offset) else {
        return rule.map(|(words, span)| (format!("**rule**\n\n{words}"), span));
    };
    let sym = &ix.symbols[o.symbol];
    let mut out = format!("**{}** `{}`\n\n", sym.key.kind_word(), full_name(&sym.key));
    // The line that declares it, not its doc comments above (they follow in words).
    let (decl_line, _) = a.file.line_col(sym.name_span.start);
    let decl = a.file.line_text(decl_line).trim().trim_end_matches('{').trim_end();
    if !decl.is_empty() {
        out.push_str(&format!("```docket\n{decl}\n```\n\n"));
    }
    for d in &sym.docs {
        out.push_str(d);
        out.push('\n');
    }
    if !sym.docs.is_empty() {
        out.push('\n');
    }
    if let Some(t) = &a.table {
        out.push_str(&details(a, t, o.symbol));
    }
    if let SymbolKey::Timer(_) = &sym.key {
        let arms: Vec<String> = ix
            .occurrences_of(o.symbol)
            .filter(|x| x.kind == Use::Arm)
            .map(|x| {
                let (line, _) = a.file.line_col(x.span.start);
                let within = x.within.map(|s| full_name(&ix.symbols[s].key)).unwrap_or_default();
                format!("- line {line}, in `{within}`: `{}`", a.file.line_text(line).trim())
            })
            .collect();
        if arms.is_empty() {
            out.push_str("Armed by no status.\n");
        } else {
            out.push_str("Armed at:\n");
            for l in arms {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    if let Some((words, _)) = rule {
        out = format!("{}\n\n---\n**this rule**: {words}\n", out.trim_end());
    }
    Some((out.trim_end().to_string(), o.span))
}

/// A symbol's name in full: a status's path, `role action`, `role action(param)`.
pub fn full_name(key: &SymbolKey) -> String {
    match key {
        SymbolKey::Action(r, a) => format!("{r} {a}"),
        SymbolKey::Param(r, a, p) => format!("{r} {a}({p})"),
        SymbolKey::Variant(owner, v) => format!("{}.{v}", full_name(owner)),
        SymbolKey::Status(p) => p.clone(),
        other => other.name().to_string(),
    }
}

fn details(a: &PolicyAnalysis, t: &TransitionTable, symbol: usize) -> String {
    let key = &a.index.symbols[symbol].key;
    match key {
        SymbolKey::Status(path) => {
            let Some(id) = t.status_by_path(path) else { return String::new() };
            let st = &t.statuses[id];
            let mut out = format!("\"{}\" — `{}`\n\n", st.label, st.path);
            let text = if st.children.is_empty() {
                let views: Vec<_> = docket::report::table::view(t).into_iter().filter(|v| &v.status == path).collect();
                docket::report::table::render_text(&views)
            } else {
                docket::report::explain::status(t, &a.file, id)
            };
            out.push_str(&format!("```text\n{}\n```\n", text.trim_end()));
            out
        }
        SymbolKey::Timer(name) => {
            let Some(def) = t.timers.iter().find(|d| &d.name == name) else { return String::new() };
            let mut out = format!("Fires: `{}`", def.written);
            if let Some(p) = &def.pause_written {
                out.push_str(&format!(", `{p}`"));
            }
            out.push_str("\n\n");
            for armed in t.statuses.iter().flat_map(|s| &s.timers).filter(|x| t.timers[x.timer].name == *name) {
                let words = docket::report::explain::clock_words(t, def, armed.owner);
                if !out.contains(&words) {
                    out.push_str(&format!("- {words}\n"));
                }
            }
            out.push('\n');
            out
        }
        SymbolKey::Field(name) => {
            let Some(f) = t.fields.iter().find(|f| &f.name == name) else { return String::new() };
            let opt = if f.optional { " (optional)" } else { "" };
            format!("Type: `{}`{opt}; default: `{}`\n\n", t.type_name(f.ty), t.show(&f.default))
        }
        SymbolKey::Action(role, action) => {
            let Some(def) = t.actions.iter().find(|d| &d.name == action && t.roles[d.role] == *role) else {
                return String::new();
            };
            let params: Vec<String> = def
                .params
                .iter()
                .map(|p| format!("`{}: {}{}`", p.name, t.type_name(p.ty), if p.optional { "?" } else { "" }))
                .collect();
            let list = if params.is_empty() { "none".to_string() } else { params.join(", ") };
            format!("Sent by role `{role}`. Parameters: {list}\n\n")
        }
        SymbolKey::Param(role, action, param) => {
            let def = t.actions.iter().find(|d| &d.name == action && t.roles[d.role] == *role);
            let Some(p) = def.and_then(|d| d.params.iter().find(|p| &p.name == param)) else { return String::new() };
            format!("Parameter of `{role} {action}`; type `{}`\n\n", t.type_name(p.ty))
        }
        SymbolKey::Role(role) => {
            let actions: Vec<String> =
                t.actions.iter().filter(|d| t.roles[d.role] == *role).map(|d| format!("`{}`", d.name)).collect();
            format!("Actions: {}\n\n", if actions.is_empty() { "none".to_string() } else { actions.join(", ") })
        }
        SymbolKey::Variant(..) => {
            let siblings: Vec<String> = a
                .index
                .symbols
                .iter()
                .filter(|s| s.parent == a.index.symbols[symbol].parent && matches!(s.key, SymbolKey::Variant(..)))
                .map(|s| format!("`{}`", s.key.name()))
                .collect();
            format!("One of {}\n\n", siblings.join(", "))
        }
        SymbolKey::Calendar(_) | SymbolKey::Outcome(_) => String::new(),
    }
}
