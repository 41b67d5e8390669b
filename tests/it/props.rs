//! Properties of `docket::compile_file` over generated input: arbitrary text, token soup and
//! mutations of the AliExpress policy never panic, every diagnostic points inside its file and
//! renders, and checking is deterministic (the same text twice gives identical diagnostics).
//!
//! Case counts are modest so the suite stays quick in a debug build; a failure is shrunk and
//! saved under `tests/it/proptest-regressions/` so it replays first next time.

use docket::diag::{Diagnostic, render_text};
use docket::span::SourceFile;
use proptest::prelude::*;
use std::sync::OnceLock;

fn aliexpress() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| std::fs::read_to_string("policies/aliexpress.policy").unwrap())
}

/// Check a text twice; assert the runs agree and every diagnostic is well-formed.
fn check_twice(text: &str) -> Vec<Diagnostic> {
    let first = docket::compile_file(SourceFile::new("generated.policy", text));
    let second = docket::compile_file(SourceFile::new("generated.policy", text));
    assert_eq!(first.diagnostics, second.diagnostics, "checking is not deterministic");
    assert_eq!(first.table.is_some(), second.table.is_some());
    for d in &first.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "{} spans {:?} in {} bytes",
            d.code,
            d.span,
            text.len()
        );
        assert!(docket::codes::CODES.iter().any(|(c, _)| *c == d.code), "unlisted code {}", d.code);
        assert!(!d.message.is_empty() && !d.message.ends_with('.'), "{}: `{}`", d.code, d.message);
        let rendered = render_text(&first.file, d);
        assert!(rendered.starts_with("error[") || rendered.starts_with("warning["), "{rendered}");
        assert_eq!(rendered, render_text(&second.file, d));
    }
    first.diagnostics
}

/// Words and punctuation of the language, so generated text gets past the first token.
const TOKENS: &[&str] = &[
    "policy",
    "p",
    "\"P\"",
    "version",
    "roles",
    "buyer",
    "seller",
    ",",
    "outcomes",
    "done",
    "refund(money)",
    "timers",
    "fields",
    "actions",
    "{",
    "}",
    "(",
    ")",
    "t",
    "=",
    "5d",
    "-2d",
    "0d",
    "at",
    "due",
    "claim",
    ":",
    "money",
    "time?",
    "bool",
    "enum",
    "a",
    "b",
    "initial",
    "terminal",
    "status",
    "s",
    "\"S\"",
    "outcome",
    "->",
    "when",
    "else",
    "after",
    "deadline",
    "on",
    "entry",
    "not",
    "and",
    "or",
    "==",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "1",
    "2.50",
    "true",
    "now",
    "time_in(s)",
    "time_since(due)",
    "open",
    "close",
    "x.y",
    "##",
    "# note",
    "\n",
    ";",
];

/// One edit to a text: at a position given as a fraction of its length, so edits stay in bounds.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: f64, len: usize },
    Insert { at: f64, text: String },
    Replace { at: f64, with: char },
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0.0..1.0f64;
    prop_oneof![
        (at.clone(), 1usize..16).prop_map(|(at, len)| Edit::Delete { at, len }),
        (
            at.clone(),
            prop_oneof![any::<char>().prop_map(String::from), prop::sample::select(TOKENS).prop_map(String::from)]
        )
            .prop_map(|(at, text)| Edit::Insert { at, text }),
        (at, any::<char>()).prop_map(|(at, with)| Edit::Replace { at, with }),
    ]
}

/// The char boundary at or before a fraction of the text.
fn boundary(text: &str, at: f64) -> usize {
    let mut i = ((text.len() as f64) * at) as usize;
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &mut String, e: &Edit) {
    match e {
        Edit::Delete { at, len } => {
            let start = boundary(text, *at);
            let end = text[start..].char_indices().nth(*len).map_or(text.len(), |(i, _)| start + i);
            text.replace_range(start..end, "");
        }
        Edit::Insert { at, text: t } => {
            let i = boundary(text, *at);
            text.insert_str(i, t);
        }
        Edit::Replace { at, with } => {
            let i = boundary(text, *at);
            if let Some(c) = text[i..].chars().next() {
                text.replace_range(i..i + c.len_utf8(), &with.to_string());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_twice(&text);
    }

    #[test]
    fn arbitrary_text_after_a_header_never_panics(text in any::<String>()) {
        check_twice(&format!("policy p \"P\"\n{text}"));
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..120)) {
        check_twice(&tokens.join(" "));
    }

    #[test]
    fn mutated_aliexpress_policy_never_panics_and_checks_the_same_twice(edits in prop::collection::vec(edit(), 1..6)) {
        let mut text = aliexpress().to_string();
        for e in &edits {
            apply(&mut text, e);
        }
        check_twice(&text);
    }
}

#[test]
fn the_unmutated_policy_is_clean_so_mutations_start_from_a_valid_text() {
    assert_eq!(check_twice(aliexpress()), vec![]);
}
