//! Go to definition, find references and rename, over a policy and the scenarios that use it.
//! Every place comes from the library's symbol index (`symbols`) and a scenario's names
//! (`scenario::names`). A rename is checked by doing it: the policy is checked again with the
//! new name, and the rename is refused if that adds an error (a name declared twice) or changes
//! what any written name refers to (a relative status target that would now find the renamed one).

use crate::analysis::PolicyAnalysis;
use crate::lines::LineIndex;
use docket::scenario::names::ScenarioNames;
use docket::span::Span;
use docket::symbols::{SymbolIndex, SymbolKey, Use};
use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};
use std::collections::HashMap;

/// A scenario file that uses a policy, with the names it writes.
#[derive(Debug)]
pub struct ScenarioFile {
    /// Where it is.
    pub uri: Uri,
    /// Its text (the open document's, or the file's).
    pub text: String,
    /// Its lines.
    pub lines: LineIndex,
    /// The policy names it writes.
    pub names: ScenarioNames,
}

/// The symbols a rename of `symbol` renames together: a field and the untyped parameters that
/// take their type (and their event key) from it.
fn rename_set(ix: &SymbolIndex, symbol: usize) -> Vec<usize> {
    let mut set = vec![symbol];
    if let SymbolKey::Field(name) = &ix.symbols[symbol].key {
        let typed_from_field = |s: usize| {
            // An untyped parameter's declaration is also a use of the field of its name.
            let decl = ix.symbols[s].name_span;
            ix.occurrences.iter().any(|o| o.symbol == symbol && o.span == decl)
        };
        set.extend(
            (0..ix.symbols.len()).filter(|&s| {
                matches!(&ix.symbols[s].key, SymbolKey::Param(_, _, p) if p == name) && typed_from_field(s)
            }),
        );
    }
    set
}

/// The keys a scenario writes for a set of symbols.
fn scenario_keys(ix: &SymbolIndex, set: &[usize]) -> Vec<SymbolKey> {
    set.iter().map(|&s| ix.symbols[s].key.clone()).collect()
}

/// Every place a symbol is written: in the policy (its declaration when asked) and in the scenarios.
pub fn references(
    uri: &Uri,
    a: &PolicyAnalysis,
    symbol: usize,
    declaration: bool,
    scenarios: &[ScenarioFile],
) -> Vec<Location> {
    let ix = &a.index;
    let mut out: Vec<Location> = ix
        .occurrences_of(symbol)
        .filter(|o| declaration || o.kind != Use::Declaration)
        .map(|o| Location { uri: uri.clone(), range: a.lines.range(&a.file.text, o.span) })
        .collect();
    let keys = scenario_keys(ix, &[symbol]);
    for s in scenarios {
        for (k, span) in &s.names.names {
            if keys.contains(k) {
                out.push(Location { uri: s.uri.clone(), range: s.lines.range(&s.text, *span) });
            }
        }
    }
    out
}

/// Whether a text is a name the grammar accepts.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !docket::syntax::is_keyword(name)
}

/// A declaration the new name would clash with: a sibling status of that name; an action of the
/// same role; for a timer or a field, any field, timer, parameter or enum variant, since a bare
/// name in a condition may be any of them.
fn collision(ix: &SymbolIndex, symbol: usize, new_name: &str) -> Option<usize> {
    let me = &ix.symbols[symbol];
    ix.symbols.iter().position(|s| {
        s.key.name() == new_name
            && match (&me.key, &s.key) {
                (SymbolKey::Status(_), SymbolKey::Status(_)) => s.parent == me.parent,
                (SymbolKey::Action(r, _), SymbolKey::Action(r2, _)) => r == r2,
                (SymbolKey::Timer(_) | SymbolKey::Field(_), other) => matches!(
                    other,
                    SymbolKey::Timer(_) | SymbolKey::Field(_) | SymbolKey::Param(..) | SymbolKey::Variant(..)
                ),
                _ => false,
            }
    })
}

/// Rename a status, timer, field or action everywhere, or say why not.
pub fn rename(
    uri: &Uri,
    a: &PolicyAnalysis,
    symbol: usize,
    new_name: &str,
    scenarios: &[ScenarioFile],
) -> Result<WorkspaceEdit, String> {
    let ix = &a.index;
    let key = &ix.symbols[symbol].key;
    if !matches!(key, SymbolKey::Status(_) | SymbolKey::Timer(_) | SymbolKey::Field(_) | SymbolKey::Action(..)) {
        return Err(format!("a {} cannot be renamed here; rename a status, timer, field or action", key.kind_word()));
    }
    if !is_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: letters, digits and `_`, not starting with a digit, and no keyword"
        ));
    }
    if new_name == key.name() {
        return Err(format!("the {} is already named `{new_name}`", key.kind_word()));
    }
    if let Some(other) = collision(ix, symbol, new_name) {
        let (line, _) = a.file.line_col(ix.symbols[other].name_span.start);
        return Err(format!(
            "renaming to `{new_name}` would collide with the {} `{}` on line {line}",
            ix.symbols[other].key.kind_word(),
            crate::hover::full_name(&ix.symbols[other].key)
        ));
    }
    let set = rename_set(ix, symbol);
    let mut spans: Vec<Span> = ix.occurrences.iter().filter(|o| set.contains(&o.symbol)).map(|o| o.span).collect();
    spans.sort();
    spans.dedup();
    // Do it, then check the result as `docket check` would.
    let text = &a.file.text;
    let mut renamed = String::with_capacity(text.len());
    let mut at = 0;
    for s in &spans {
        renamed.push_str(text.get(at..s.start).unwrap_or(""));
        renamed.push_str(new_name);
        at = s.end;
    }
    renamed.push_str(text.get(at..).unwrap_or(""));
    let dir = std::path::Path::new(&a.file.name).parent();
    let after = crate::analysis::policy(&a.file.name, dir, &renamed);
    let before: Vec<&str> =
        a.diagnostics.iter().filter(|d| d.severity == docket::diag::Severity::Error).map(|d| d.code).collect();
    let new_errors: Vec<_> = after.diagnostics.iter().filter(|d| d.severity == docket::diag::Severity::Error).collect();
    if new_errors.len() > before.len() {
        let d = new_errors.iter().find(|d| !before.contains(&d.code)).unwrap_or(&new_errors[0]);
        let (line, col) = after.file.line_col(d.span.start);
        return Err(format!("renaming to `{new_name}` would make the policy wrong: {line}:{col}: {}", d.message));
    }
    // Every name written must still refer to the same declaration.
    let shift = |pos: usize| {
        let before = spans.partition_point(|s| s.start < pos);
        let delta: isize = spans[..before].iter().map(|s| new_name.len() as isize - (s.end - s.start) as isize).sum();
        (pos as isize + delta) as usize
    };
    if ix.occurrences.len() != after.index.occurrences.len() {
        return Err(format!("renaming to `{new_name}` would change what some names refer to"));
    }
    for (old, new) in ix.occurrences.iter().zip(&after.index.occurrences) {
        let old_decl = shift(ix.symbols[old.symbol].name_span.start);
        let new_decl = after.index.symbols[new.symbol].name_span.start;
        if shift(old.span.start) != new.span.start || old_decl != new_decl {
            let (line, col) = a.file.line_col(old.span.start);
            return Err(format!(
                "renaming to `{new_name}` would change what `{}` at {line}:{col} refers to",
                a.file.slice(old.span)
            ));
        }
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    changes.insert(
        uri.clone(),
        spans.iter().map(|s| TextEdit { range: a.lines.range(text, *s), new_text: new_name.to_string() }).collect(),
    );
    let keys = scenario_keys(ix, &set);
    for s in scenarios {
        let edits: Vec<TextEdit> = s
            .names
            .names
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .map(|(_, span)| TextEdit { range: s.lines.range(&s.text, *span), new_text: new_name.to_string() })
            .collect();
        if !edits.is_empty() {
            changes.entry(s.uri.clone()).or_default().extend(edits);
        }
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn bundled() -> Vec<(std::path::PathBuf, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, text)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_name_written_in_the_bundled_policies_is_indexed_as_itself() {
        for (path, text) in bundled() {
            let a = crate::analysis::policy(&path.display().to_string(), path.parent(), &text);
            assert!(a.table.is_some(), "{}", path.display());
            for o in &a.index.occurrences {
                assert_eq!(a.file.slice(o.span), a.index.symbols[o.symbol].key.name(), "{}", path.display());
            }
            // Every status, timer, field and action is declared and used somewhere.
            assert!(a.index.occurrences.len() > a.index.symbols.len(), "{}", path.display());
        }
    }

    #[test]
    fn renaming_any_status_timer_field_or_action_of_a_bundled_policy_keeps_it_clean() {
        let uri = Uri::from_str("file:///p.policy").unwrap();
        for (path, text) in bundled() {
            let a = crate::analysis::policy(&path.display().to_string(), path.parent(), &text);
            for (i, s) in a.index.symbols.iter().enumerate() {
                if !matches!(
                    s.key,
                    SymbolKey::Status(_) | SymbolKey::Timer(_) | SymbolKey::Field(_) | SymbolKey::Action(..)
                ) {
                    continue;
                }
                let new = format!("{}_x", s.key.name());
                let edit = rename(&uri, &a, i, &new, &[]).unwrap_or_else(|e| panic!("{:?}: {e}", s.key));
                let mut edits = edit.changes.unwrap().remove(&uri).unwrap();
                edits.sort_by_key(|e| (e.range.start.line, e.range.start.character));
                let mut out = text.clone();
                for e in edits.iter().rev() {
                    let span = a.lines.span(&text, e.range);
                    assert_eq!(&text[span.start..span.end], s.key.name());
                    out.replace_range(span.start..span.end, &e.new_text);
                }
                let after = crate::analysis::policy(&path.display().to_string(), path.parent(), &out);
                assert!(after.table.is_some(), "{:?} in {}: {:?}", s.key, path.display(), after.diagnostics);
                assert_eq!(after.diagnostics.len(), a.diagnostics.len(), "{:?}", s.key);
            }
        }
    }
}
