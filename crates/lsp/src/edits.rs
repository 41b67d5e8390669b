//! Formatting and code actions. Formatting is `docket fmt`'s layout (`format::format`), sent as
//! the changed lines only, so the cursor and folds stay where they are; a range is formatted by
//! the changes that touch it. Code actions apply the library's own advice: every "did you mean
//! `x`?" (and "write `x`") in a diagnostic's help, and `else` before a rule that overlaps an
//! earlier one (E043).

use crate::analysis::PolicyAnalysis;
use crate::lines::LineIndex;
use docket::span::Span;
use lsp_types::{CodeAction, CodeActionKind, Range, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;

/// The edits that turn `text` into `docket fmt`'s layout, each a run of changed lines; only
/// those touching `within` (a byte span) when given. `None` when the text does not parse.
pub fn format(text: &str, within: Option<Span>) -> Option<Vec<TextEdit>> {
    let formatted = docket::format::format(text).ok()?;
    let lines = LineIndex::new(text);
    let old: Vec<&str> = text.split_inclusive('\n').collect();
    let new: Vec<&str> = formatted.split_inclusive('\n').collect();
    let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_slices(&old, &new);
    let mut starts = Vec::with_capacity(old.len() + 1);
    let mut at = 0;
    for l in &old {
        starts.push(at);
        at += l.len();
    }
    starts.push(at);
    let mut edits = Vec::new();
    for op in diff.ops() {
        if matches!(op.tag(), similar::DiffTag::Equal) {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        let span = Span::new(starts[o.start], starts[o.end]);
        if let Some(w) = within
            && (span.end < w.start || span.start > w.end)
        {
            continue;
        }
        edits.push(TextEdit { range: lines.range(text, span), new_text: new[n].concat() });
    }
    Some(edits)
}

/// The name a piece of advice offers in place of what is written: "did you mean `x`?" or
/// "write `x`", when `x` is a name or a dotted path.
fn offered(help: &str) -> Option<&str> {
    let after = help.split_once("did you mean `").or_else(|| help.split_once("write `"))?.1;
    let name = after.split('`').next()?;
    let is_name = !name.is_empty()
        && name.split('.').all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    // `write `else` before this rule` is the overlap's advice, which has its own action.
    (is_name && name != "else").then_some(name)
}

/// The bytes a suggestion replaces in a diagnostic's span: the whole span for a path, else the
/// word in it closest to the suggestion.
fn target(text: &str, span: Span, name: &str) -> Option<Span> {
    let slice = text.get(span.start..span.end)?;
    if name.contains('.') || slice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return (!slice.is_empty()).then_some(span);
    }
    let mut start = None;
    for (i, c) in slice.char_indices().chain([(slice.len(), ' ')]) {
        let word = c.is_ascii_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let w = &slice[s..i];
                if docket::diag::suggest(w, [name]).is_some() {
                    return Some(Span::new(span.start + s, span.start + i));
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

fn edit(uri: &Uri, range: Range, new_text: String) -> WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![TextEdit { range, new_text }]);
    WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }
}

/// The quick fixes for the diagnostics touching `range` (a byte span).
pub fn code_actions(uri: &Uri, a: &PolicyAnalysis, range: Span) -> Vec<CodeAction> {
    let text = &a.file.text;
    let mut out = Vec::new();
    let published = crate::diagnostics::policy(uri, a);
    for (d, shown) in a.diagnostics.iter().zip(published) {
        if d.span.end < range.start || d.span.start > range.end {
            continue;
        }
        if let Some(name) = d.help.as_deref().and_then(offered)
            && let Some(at) = target(text, d.span, name)
            && text.get(at.start..at.end) != Some(name)
        {
            out.push(CodeAction {
                title: format!("Change to `{name}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![shown.clone()]),
                edit: Some(edit(uri, a.lines.range(text, at), name.to_string())),
                is_preferred: Some(true),
                ..CodeAction::default()
            });
        }
        if d.code == "E043" && !text.get(d.span.start..).is_some_and(|t| t.starts_with("else")) {
            let at = a.lines.range(text, Span::new(d.span.start, d.span.start));
            out.push(CodeAction {
                title: "Write `else` before this rule (try it only when the earlier one does not apply)".into(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![shown]),
                edit: Some(edit(uri, at, "else ".into())),
                ..CodeAction::default()
            });
        }
    }
    out
}

/// The quick fixes for a scenario's problems on the lines of `range`: each "did you mean `x`?"
/// replaces the word of its line closest to `x`.
pub fn scenario_actions(uri: &Uri, text: &str, a: &crate::analysis::ScenarioAnalysis, range: Range) -> Vec<CodeAction> {
    let shown = crate::diagnostics::scenario(text, a);
    let mut out = Vec::new();
    for (p, d) in a.problems.iter().zip(shown) {
        if d.range.end.line < range.start.line || d.range.start.line > range.end.line {
            continue;
        }
        let Some(name) = offered(&p.message) else { continue };
        // A problem of an `[[expect]]` or `[[events]]` table is on its header's line: the word
        // is somewhere in the table, up to the next header.
        let start = a.lines.span(text, d.range).start;
        let end = text[start..].find("\n[[").map_or(text.len(), |i| start + i);
        let Some(at) = target(text, Span::new(start, end), name) else { continue };
        out.push(CodeAction {
            title: format!("Change to `{name}`"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d]),
            edit: Some(edit(uri, a.lines.range(text, at), name.to_string())),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_names_the_replacement() {
        assert_eq!(offered("did you mean `escalated`?"), Some("escalated"));
        assert_eq!(offered("a status of this name is nested elsewhere: write `a.b`"), Some("a.b"));
        assert_eq!(offered("write `else` before this rule"), None);
        assert_eq!(offered("declare it: `roles x`"), None);
        let text = "buyer opn when x";
        assert_eq!(target(text, Span::new(0, 9), "open"), Some(Span::new(6, 9)));
    }

    #[test]
    fn every_did_you_mean_is_a_quick_fix() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/aliexpress.policy"))
            .unwrap()
            .replace("after auto_escalate -> escalated", "after auto_escalte -> escalatd")
            .replace("  seller reject -> negotiating", "  seler reject -> negotiatng")
            .replace("{ info_sent = true }", "{ info_snt = true }");
        let uri: Uri = "file:///p.policy".parse().unwrap();
        // The checker suggests for what it finds; fixing those shows the rest. Fixes only, rounds
        // until none is offered: the policy is then clean.
        let mut text = text;
        let mut fixes = Vec::new();
        for _ in 0..5 {
            let a = crate::analysis::policy("p.policy", None, &text);
            let actions = code_actions(&uri, &a, Span::new(0, text.len()));
            if actions.is_empty() {
                break;
            }
            let mut edits: Vec<TextEdit> =
                actions.iter().flat_map(|x| x.edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri].clone()).collect();
            edits.sort_by_key(|e| std::cmp::Reverse((e.range.start.line, e.range.start.character)));
            let mut fixed = text.clone();
            for e in &edits {
                let span = a.lines.span(&text, e.range);
                fixes.push(format!("{} -> {}", &text[span.start..span.end], e.new_text));
                fixed.replace_range(span.start..span.end, &e.new_text);
            }
            text = fixed;
        }
        fixes.sort();
        assert_eq!(
            fixes,
            [
                "auto_escalte -> auto_escalate",
                "escalatd -> escalated",
                "info_snt -> info_sent",
                "negotiatng -> negotiating",
                "seler -> seller"
            ]
        );
        let after = crate::analysis::policy("p.policy", None, &text);
        assert!(after.diagnostics.is_empty(), "{:?}", after.diagnostics);
    }

    #[test]
    fn formatting_sends_only_the_changed_lines() {
        let text = "policy p \"P\"\nroles   a\n";
        let edits = format(text, None).unwrap();
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].range.start.line, 1);
        assert!(edits[0].new_text.ends_with("roles a\n"), "{:?}", edits[0].new_text);
        assert!(format("policy", None).is_none());
    }
}
