//! Document symbols (the status tree as an outline, with the roles, timers, fields and actions
//! beside it) and semantic tokens (every name coloured by what it names, declarations marked),
//! both from the library's symbol index.

use crate::analysis::PolicyAnalysis;
use docket::symbols::{SymbolKey, Use};
use lsp_types::{DocumentSymbol, SemanticToken, SemanticTokenModifier, SemanticTokenType, SymbolKind};

/// The token types, in the legend's order.
pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::CLASS,
    SemanticTokenType::EVENT,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::METHOD,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
];

/// The token modifiers, in the legend's order.
pub const TOKEN_MODIFIERS: &[SemanticTokenModifier] = &[SemanticTokenModifier::DECLARATION];

fn token_type(key: &SymbolKey) -> u32 {
    match key {
        SymbolKey::Status(_) => 0,
        SymbolKey::Timer(_) => 1,
        SymbolKey::Field(_) => 2,
        SymbolKey::Role(_) => 3,
        SymbolKey::Action(..) => 4,
        SymbolKey::Param(..) => 5,
        SymbolKey::Variant(..) => 6,
        SymbolKey::Calendar(_) => 7,
        SymbolKey::Outcome(_) => 8,
    }
}

/// Every name, as protocol semantic tokens (relative positions in UTF-16).
pub fn semantic_tokens(a: &PolicyAnalysis) -> Vec<SemanticToken> {
    let text = &a.file.text;
    let mut out = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    let mut last_end = 0usize;
    for o in &a.index.occurrences {
        // One token per place: an untyped parameter is also a use of its field.
        if o.span.start < last_end || o.span.start == o.span.end {
            continue;
        }
        last_end = o.span.end;
        let start = a.lines.position(text, o.span.start);
        let end = a.lines.position(text, o.span.end);
        if end.line != start.line {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 { start.character - col } else { start.character };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: token_type(&a.index.symbols[o.symbol].key),
            token_modifiers_bitset: u32::from(o.kind == Use::Declaration),
        });
        line = start.line;
        col = start.character;
    }
    out
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written, though the protocol deprecates it.
fn symbol(a: &PolicyAnalysis, i: usize, kind: SymbolKind, children: Vec<DocumentSymbol>) -> DocumentSymbol {
    let s = &a.index.symbols[i];
    let text = &a.file.text;
    let detail = match &s.key {
        SymbolKey::Status(_) => {
            text.get(s.span.start..s.span.end).and_then(|t| t.split('"').nth(1)).map(str::to_string)
        }
        _ => None,
    };
    DocumentSymbol {
        name: crate::hover::full_name(&s.key),
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: a.lines.range(text, s.span),
        selection_range: a.lines.range(text, s.name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

fn status_tree(a: &PolicyAnalysis, of: Option<usize>) -> Vec<DocumentSymbol> {
    let mut kids = a.index.child_statuses(of);
    kids.sort_by_key(|&s| a.index.symbols[s].span.start);
    kids.into_iter().map(|s| symbol(a, s, SymbolKind::CLASS, status_tree(a, Some(s)))).collect()
}

/// The outline: the declarations, then the status tree.
pub fn document_symbols(a: &PolicyAnalysis) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for (i, s) in a.index.symbols.iter().enumerate() {
        let kind = match s.key {
            SymbolKey::Role(_) => SymbolKind::INTERFACE,
            SymbolKey::Timer(_) => SymbolKind::EVENT,
            SymbolKey::Field(_) => SymbolKind::FIELD,
            SymbolKey::Action(..) => SymbolKind::METHOD,
            SymbolKey::Calendar(_) | SymbolKey::Outcome(_) => SymbolKind::CONSTANT,
            _ => continue,
        };
        out.push(symbol(a, i, kind, Vec::new()));
    }
    out.extend(status_tree(a, None));
    out
}
