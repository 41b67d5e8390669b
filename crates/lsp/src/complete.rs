//! Completion: what may be written at the cursor, read from the text just before it (which
//! need not parse while it is being typed) and the names of the symbol index (the last one that
//! parsed, when the text does not). After `->` the statuses a target may name from here (and
//! after `a.` the children of `a`); after `after` or `deadline` the timers; after `==` or `!=`
//! the variants of the enum compared; at the start of a rule the roles, then that role's actions;
//! in conditions and effects the fields, the rule's parameters, timers and expression words.

use docket::symbols::{SymbolIndex, SymbolKey};
use lsp_types::{CompletionItem, CompletionItemKind};

/// The block the cursor is in, by the line that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Top,
    Actions,
    Status,
    Effects,
    Other,
}

/// The blocks open at `offset`, innermost last, skipping comments and strings.
fn block_at(text: &str, offset: usize) -> Block {
    let mut stack: Vec<Block> = Vec::new();
    let mut line_start = 0;
    let (mut in_comment, mut in_string) = (false, false);
    for (i, c) in text.get(..offset).unwrap_or(text).char_indices() {
        match c {
            '\n' => {
                line_start = i + 1;
                in_comment = false;
                in_string = false;
            }
            _ if in_comment => {}
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => in_comment = true,
            '{' => {
                let head = text.get(line_start..i).unwrap_or("").trim();
                let words: Vec<&str> = head.split_whitespace().collect();
                let block = if head.contains("->") || head.starts_with("on entry") || head.ends_with("entry") {
                    Block::Effects
                } else if words.first() == Some(&"actions") {
                    Block::Actions
                } else if words.iter().take(3).any(|w| *w == "status") {
                    Block::Status
                } else {
                    Block::Other
                };
                stack.push(block);
            }
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.last().copied().unwrap_or(Block::Top)
}

fn item(label: &str, kind: CompletionItemKind, detail: String) -> CompletionItem {
    CompletionItem { label: label.to_string(), kind: Some(kind), detail: Some(detail), ..CompletionItem::default() }
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w, CompletionItemKind::KEYWORD, "keyword".into())).collect()
}

fn symbols(ix: &SymbolIndex, pick: impl Fn(&SymbolKey) -> bool) -> Vec<CompletionItem> {
    ix.symbols
        .iter()
        .filter(|s| pick(&s.key))
        .map(|s| {
            let kind = match s.key {
                SymbolKey::Status(_) => CompletionItemKind::CLASS,
                SymbolKey::Timer(_) => CompletionItemKind::EVENT,
                SymbolKey::Field(_) => CompletionItemKind::FIELD,
                SymbolKey::Role(_) => CompletionItemKind::INTERFACE,
                SymbolKey::Action(..) => CompletionItemKind::METHOD,
                SymbolKey::Param(..) => CompletionItemKind::VARIABLE,
                SymbolKey::Variant(..) => CompletionItemKind::ENUM_MEMBER,
                SymbolKey::Calendar(_) | SymbolKey::Outcome(_) => CompletionItemKind::CONSTANT,
            };
            let mut it = item(s.key.name(), kind, format!("{} {}", s.key.kind_word(), crate::hover::full_name(&s.key)));
            if let Some(d) = s.docs.first() {
                it.documentation = Some(lsp_types::Documentation::String(d.clone()));
            }
            it
        })
        .collect()
}

const STATUS_WORDS: &[&str] =
    &["after", "when", "deadline", "else", "on entry", "status", "initial status", "terminal status"];
const TOP_WORDS: &[&str] = &[
    "policy",
    "version",
    "effective",
    "roles",
    "outcomes",
    "calendar",
    "timers",
    "fields",
    "actions",
    "status",
    "initial status",
    "terminal status",
];
const EXPR_WORDS: &[&str] =
    &["and", "or", "not", "now", "true", "false", "time_in(", "time_since(", "end_of_day(", "start_of_day("];

/// The completions at `offset` of `text`, with the names of `ix`.
pub fn complete(ix: &SymbolIndex, text: &str, offset: usize) -> Vec<CompletionItem> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    let code = match line.find('#') {
        Some(i) if !line[..i].contains('"') => return Vec::new(),
        _ => line,
    };
    let typed_len = code
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .map(char::len_utf8)
        .sum::<usize>();
    let typed = &code[code.len() - typed_len..];
    let before = code[..code.len() - typed_len].trim_end();
    let words: Vec<&str> = before.split_whitespace().collect();
    let scope = ix.status_at(offset);
    let block = block_at(text, offset);
    let mut out = if before.ends_with("->")
        || before.ends_with("time_in(")
        || words.contains(&"pause") && words.contains(&"in")
    {
        statuses(ix, scope, typed)
    } else if words.last().is_some_and(|w| *w == "after" || *w == "deadline") {
        symbols(ix, |k| matches!(k, SymbolKey::Timer(_)))
    } else if before.ends_with("==") || before.ends_with("!=") {
        let compared = before[..before.len() - 2].trim_end();
        let name: String = compared
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        variants(ix, rule_action(ix, &words), &name)
    } else if block == Block::Actions && words.is_empty()
        || block == Block::Status && (words.is_empty() || words == ["else"])
    {
        let mut v = symbols(ix, |k| matches!(k, SymbolKey::Role(_)));
        if block == Block::Status {
            v.extend(keywords(STATUS_WORDS));
        }
        v
    } else if block == Block::Status
        && (words.len() == 1 || words.len() == 2 && words[0] == "else")
        && ix.find(&SymbolKey::Role(words[words.len() - 1].to_string())).is_some()
    {
        let role = words[words.len() - 1].to_string();
        symbols(ix, |k| matches!(k, SymbolKey::Action(r, _) if *r == role))
    } else if block == Block::Top && words.is_empty() {
        keywords(TOP_WORDS)
    } else if block == Block::Status || block == Block::Effects || block == Block::Other || words.contains(&"when") {
        let action = rule_action(ix, &words);
        let mut v = Vec::new();
        if let Some((r, a)) = &action {
            v.extend(symbols(ix, |k| matches!(k, SymbolKey::Param(pr, pa, _) if pr == r && pa == a)));
        }
        v.extend(symbols(ix, |k| matches!(k, SymbolKey::Field(_) | SymbolKey::Timer(_))));
        v.extend(keywords(EXPR_WORDS));
        v
    } else {
        Vec::new()
    };
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|i| seen.insert(i.label.clone()));
    out
}

/// The role and action of the rule being written on this line, if it starts with them.
fn rule_action(ix: &SymbolIndex, words: &[&str]) -> Option<(String, String)> {
    let words = if words.first() == Some(&"else") { &words[1..] } else { words };
    let (role, action) = (words.first()?, words.get(1)?);
    let key = SymbolKey::Action(role.to_string(), action.to_string());
    ix.find(&key).map(|_| (role.to_string(), action.to_string()))
}

/// The statuses a target may name here; after `a.b.`, the children of `a.b`.
fn statuses(ix: &SymbolIndex, scope: Option<usize>, typed: &str) -> Vec<CompletionItem> {
    let candidates = match typed.rsplit_once('.') {
        Some((parent, _)) => match ix.resolve_path(scope, parent.split('.')).last() {
            Some(&p) if ix.resolve_path(scope, parent.split('.')).len() == parent.split('.').count() => {
                ix.child_statuses(Some(p))
            }
            _ => Vec::new(),
        },
        None => ix.visible_statuses(scope),
    };
    candidates
        .into_iter()
        .map(|s| {
            let sym = &ix.symbols[s];
            let mut it = item(
                sym.key.name(),
                CompletionItemKind::CLASS,
                format!("status {}", crate::hover::full_name(&sym.key)),
            );
            if let Some(d) = sym.docs.first() {
                it.documentation = Some(lsp_types::Documentation::String(d.clone()));
            }
            it
        })
        .collect()
}

/// The variants of the enum a name (a parameter of the rule's action, or a field) holds.
fn variants(ix: &SymbolIndex, action: Option<(String, String)>, name: &str) -> Vec<CompletionItem> {
    let param = action.map(|(r, a)| SymbolKey::Param(r, a, name.to_string())).filter(|k| ix.find(k).is_some());
    let field = SymbolKey::Field(name.to_string());
    let has_own =
        |owner: &SymbolKey| ix.symbols.iter().any(|s| matches!(&s.key, SymbolKey::Variant(o, _) if **o == *owner));
    let owner = match param {
        Some(p) if has_own(&p) => p,
        _ => field,
    };
    symbols(ix, |k| matches!(k, SymbolKey::Variant(o, _) if **o == owner))
}

/// The completions inside a scenario's string value: status paths after `status = "` (and
/// `target`, `from`, `to`), roles after `role = "`, that role's actions after `action = "`,
/// timers after `timer = "`, outcomes after `kind = "`.
pub fn complete_scenario(ix: &SymbolIndex, text: &str, offset: usize) -> Vec<CompletionItem> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    // The key of the string the cursor is in: the last `KEY = "` (or `{ KEY = "`) before it.
    let Some(quote) = line.rfind('"') else { return Vec::new() };
    if line[quote + 1..].contains('"') || line[..quote].matches('"').count() % 2 == 1 {
        return Vec::new();
    }
    let before = line[..quote].trim_end();
    let Some(before) = before.strip_suffix('=') else { return Vec::new() };
    let key: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let full = |s: &docket::symbols::Symbol| {
        item(&crate::hover::full_name(&s.key), CompletionItemKind::CLASS, "status".into())
    };
    match key.as_str() {
        "status" | "target" | "from" | "to" => {
            ix.symbols.iter().filter(|s| matches!(s.key, SymbolKey::Status(_))).map(full).collect()
        }
        "role" => symbols(ix, |k| matches!(k, SymbolKey::Role(_))),
        "timer" => symbols(ix, |k| matches!(k, SymbolKey::Timer(_))),
        "kind" => symbols(ix, |k| matches!(k, SymbolKey::Outcome(_))),
        "action" => {
            // The role of the same table: the nearest `role = "..."` above, below its header.
            let above = &text[..line_start];
            let table = above.rfind("[[").map_or(above, |i| &above[i..]);
            let role = table.lines().rev().find_map(|l| {
                let l = l.trim();
                let rest = l.strip_prefix("role")?.trim_start().strip_prefix('=')?.trim();
                Some(rest.trim_matches('"').to_string())
            });
            match role {
                Some(role) => symbols(ix, |k| matches!(k, SymbolKey::Action(r, _) if *r == role)),
                None => symbols(ix, |k| matches!(k, SymbolKey::Action(..))),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "policy p \"P\"\nroles buyer, seller\ntimers {\n  wait = 5d\n}\nfields {\n  kind: enum { a, b } = a\n}\nactions {\n  buyer go(kind)\n  seller stop\n}\ninitial status one \"One\" {\n  buyer go -> two\n  initial status inner \"Inner\"\n}\nstatus two \"Two\" {\n  status deep \"Deep\"\n}\n";

    fn labels(text: &str, at: &str) -> Vec<String> {
        let ix = docket::symbols::index(&docket::syntax::parse(POLICY).unwrap());
        let offset = text.rfind(at).unwrap() + at.len();
        complete(&ix, text, offset).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn completion_follows_what_is_being_written() {
        // Half-typed text: the names come from the index, the context from the text.
        let text = POLICY
            .replace("  buyer go -> two\n", "  buyer go -> two.\n  seller \n  buyer go when kind == \n  after \n");
        assert_eq!(labels(&text, "-> two."), vec!["deep"]);
        assert_eq!(labels(&text, "  seller "), vec!["stop"]);
        assert_eq!(labels(&text, "kind == "), vec!["a", "b"]);
        assert_eq!(labels(&text, "  after "), vec!["wait"]);
        let targets = labels(POLICY, "buyer go -> ");
        assert!(targets.contains(&"inner".to_string()) && targets.contains(&"two".to_string()), "{targets:?}");
        assert!(!targets.contains(&"deep".to_string()));
    }

    #[test]
    fn scenario_strings_complete_the_policy_s_names() {
        let ix = docket::symbols::index(&docket::syntax::parse(POLICY).unwrap());
        let labels = |text: &str| -> Vec<String> {
            complete_scenario(&ix, text, text.len()).into_iter().map(|i| i.label).collect()
        };
        assert_eq!(labels("[[expect]]\nstatus = \""), vec!["one", "one.inner", "two", "two.deep"]);
        assert_eq!(labels("[[events]]\nrole = \"seller\"\naction = \"s"), vec!["stop"]);
        assert_eq!(labels("[[expect]]\ndeadlines = [{ timer = \""), vec!["wait"]);
        assert!(labels("[[expect]]\nstatus = \"one\" ").is_empty());
    }
}
