//! `docket fmt` keeps meaning and is idempotent, over every policy in the repository.

use docket::compile::meaning::{Item, meaning};
use std::path::PathBuf;

fn policies() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from("policies"), PathBuf::from("tests")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "policy") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn meaning_of(text: &str) -> Option<Vec<Item>> {
    meaning_at("x", text)
}

/// The meaning of a policy read as if from `path`, so the files it names (holidays) are found.
fn meaning_at(path: &str, text: &str) -> Option<Vec<Item>> {
    let compiled = docket::compile_file(docket::span::SourceFile::new(path, text));
    compiled.table.map(|t| meaning(&t).into_iter().map(|i| Item { line: 0, ..i }).collect())
}

fn comments(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.find('#').map(|i| l[i..].trim_end().to_string())).collect()
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning_and_comments() {
    let mut formatted_any = 0;
    for path in policies() {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(once) = docket::format::format(&text) else { continue };
        formatted_any += 1;
        let twice = docket::format::format(&once).unwrap();
        assert_eq!(once, twice, "{}: fmt of fmt differs from fmt", path.display());
        let name = path.display().to_string();
        let (before, after) = (meaning_at(&name, &text), meaning_at(&name, &once));
        // The real policies compile (the check cases need not), so the comparison compares
        // something: a holiday file not found would make both sides `None`.
        if !name.starts_with("tests/cases/") {
            assert!(before.is_some(), "{name} does not compile");
        }
        assert_eq!(before.is_some(), after.is_some(), "{}: formatting changed whether it checks", path.display());
        assert_eq!(before, after, "{}: formatting changed the compiled meaning", path.display());
        let mut kept = comments(&once);
        let mut had = comments(&text);
        kept.sort();
        had.sort();
        assert_eq!(had, kept, "{}: formatting lost or changed comments", path.display());
    }
    assert!(formatted_any >= 2);
}

#[test]
fn bundled_policies_are_already_formatted() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("policies").unwrap().map(|e| e.unwrap().path()).collect();
    paths.push("editors/sample.policy".into());
    paths.extend(policies().into_iter().filter(|p| p.starts_with("tests/scenarios")));
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let formatted = docket::format::format(&text).unwrap();
        if formatted != text {
            let diff =
                similar::TextDiff::from_lines(&text, &formatted).unified_diff().header("file", "formatted").to_string();
            panic!("{} is not formatted (run `docket fmt {}`):\n{diff}", path.display(), path.display());
        }
    }
}

#[test]
fn fmt_normalizes_layout_and_parentheses() {
    let messy = "policy p \"P\"\nroles   a\ntimers{t=1d}\nfields{ x : int=0 }\nactions{a go}\ninitial status s \"S\"{a go when ((x > 1) and (x < 5)) or x == 0 -> e {x = x+1}\nafter t -> e}\nterminal status e \"E\" outcome done\noutcomes done\n";
    let out = docket::format::format(messy).unwrap();
    assert!(out.contains("  a go when x > 1 and x < 5 or x == 0 -> e { x = x + 1 }\n"), "{out}");
    assert!(out.contains("timers {\n  t = 1d\n}\n"), "{out}");
    assert_eq!(meaning_of(messy), meaning_of(&out));
}

#[test]
fn fmt_puts_one_space_after_else_on_an_automatic_rule() {
    let text = "policy p \"P\"\nroles a\noutcomes done\nfields {\n  n: int = 0\n}\nactions {\n  a go\n}\n\
                initial status s \"S\" {\n  a go { n = n + 1 }\n  when n > 1 -> y\n  else   when n == 0 -> z\n}\n\
                terminal status y \"Y\" outcome done\nterminal status z \"Z\" outcome done\n";
    let once = docket::format::format(text).unwrap();
    assert!(once.contains("\n  when n > 1 -> y\n  else when n == 0 -> z\n"), "{once}");
    assert_eq!(docket::format::format(&once).unwrap(), once, "fmt of fmt differs from fmt");
    assert!(meaning_of(text).is_some());
    assert_eq!(meaning_of(text), meaning_of(&once));
}

/// Byte offsets of the spaces between tokens (not inside strings or comments).
fn token_gaps(text: &str) -> Vec<usize> {
    let (mut in_string, mut in_comment) = (false, false);
    let mut gaps = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '\n' => {
                in_string = false;
                in_comment = false;
            }
            _ if in_comment => {}
            '"' => in_string = !in_string,
            '#' if !in_string => in_comment = true,
            ' ' if !in_string => gaps.push(i),
            _ => {}
        }
    }
    gaps
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Whatever the layout of a policy, fmt gives the same meaning, keeps every comment, and a
    /// second fmt changes nothing.
    #[test]
    fn fmt_is_idempotent_and_meaning_preserving_under_any_layout(
        edits in proptest::collection::vec((0usize..10_000, 0u8..4), 1..40),
    ) {
        let original = std::fs::read_to_string("policies/aliexpress.policy").unwrap();
        let gaps = token_gaps(&original);
        let mut chosen: Vec<(usize, u8)> = edits.iter().map(|(i, k)| (gaps[i % gaps.len()], *k)).collect();
        chosen.sort();
        chosen.dedup_by_key(|(at, _)| *at);
        let mut text = original.clone();
        for (at, kind) in chosen.into_iter().rev() {
            let with = match kind {
                0 => "   ",
                1 => "\t",
                2 => "\n      ",
                _ => " # a note\n  ",
            };
            text.replace_range(at..at + 1, with);
        }
        let once = docket::format::format(&text).unwrap();
        let twice = docket::format::format(&once).unwrap();
        proptest::prop_assert_eq!(&once, &twice);
        proptest::prop_assert_eq!(meaning_of(&text), meaning_of(&once));
        proptest::prop_assert!(meaning_of(&once).is_some());
        let (mut had, mut kept) = (comments(&text), comments(&once));
        had.sort();
        kept.sort();
        proptest::prop_assert_eq!(had, kept);
    }
}
