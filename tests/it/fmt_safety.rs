//! `docket fmt` never changes meaning, loses or moves a comment, or damages the file it writes
//! (issue 17, items 22 and 23). Each test guards one way it used to.

use std::path::{Path, PathBuf};
use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-fmt-safety-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn no_files(path: &str) -> Result<String, String> {
    Err(format!("no file `{path}` in this test"))
}

/// Format with fmt's own check, which must pass; the output must format to itself.
fn formatted(text: &str) -> String {
    let out = match docket::format::format_checked(text, &no_files) {
        Ok(out) => out,
        Err(docket::format::FormatError::Refused(why)) => panic!("fmt refused: {why}"),
        Err(docket::format::FormatError::Syntax(d)) => panic!("does not parse: {}", d.message),
    };
    assert_eq!(docket::format::format(&out).unwrap(), out, "fmt of fmt differs from fmt");
    out
}

/// Each comment with the declaration it is attached to.
fn attached(text: &str) -> Vec<(String, String)> {
    let ast = docket::syntax::parse(text).unwrap();
    docket::format::attachments(text, &ast).into_iter().map(|(c, _, to)| (c, to)).collect()
}

fn doc_of(text: &str, status: &str) -> Vec<String> {
    let ast = docket::syntax::parse(text).unwrap();
    ast.statuses.iter().find(|s| s.name.name == status).unwrap().docs.clone()
}

const BASE: &str = "policy p \"P\"\n\n## the roles\nroles buyer, seller\n\ntimers {\n  ## answer window\n  reply = 5d  # R4\n}\n\n\
                    ## where it starts\ninitial status open \"Open\" {\n  buyer close -> closed  # closes\n  after reply -> closed\n}\n\n\
                    ## the end\nterminal status closed \"Closed\"\n";

#[test]
fn a_second_roles_line_at_the_end_keeps_every_comment_beside_its_declaration() {
    let text = format!("{BASE}\n## more roles\nroles admin\n");
    let out = formatted(&text);
    assert_eq!(attached(&out), attached(&text));
    assert!(out.contains("## where it starts\ninitial status open"), "{out}");
    assert!(out.contains("reply = 5d  # R4"), "{out}");
    assert!(out.ends_with("## more roles\nroles admin\n"), "{out}");
    // What `explain` shows and `diff` compares: the docs stay on their statuses.
    assert_eq!(doc_of(&out, "open"), ["where it starts"]);
}

#[test]
fn a_doc_comment_between_two_roles_lines_keeps_the_file_parsing() {
    let text = "policy p \"P\"\nroles a\n## doc\nroles b\ninitial status open \"Open\" {\n  a close -> closed\n}\n\
                terminal status closed \"Closed\"\n";
    let out = formatted(text);
    assert!(docket::syntax::parse(&out).is_ok(), "{out}");
    assert!(out.contains("roles a\n\n## doc\nroles b\n"), "{out}");
    assert_eq!(attached(&out), attached(text));
}

#[test]
fn child_statuses_written_before_the_parents_rules_keep_their_trailing_comments() {
    let text = "policy p \"P\"\nroles buyer\ninitial status open \"Open\" {\n  initial status child \"Child\" {  # child comment\n\
                \x20   buyer poke -> open.other  # poke\n  }\n  status other \"Other\"  # other comment\n\
                \x20 buyer close -> closed  # parent rule comment\n}\nterminal status closed \"Closed\"  # closed comment\n";
    let out = formatted(text);
    assert!(out.contains("initial status child \"Child\" {  # child comment\n"), "{out}");
    assert!(out.contains("buyer poke -> open.other  # poke\n"), "{out}");
    assert!(out.contains("status other \"Other\"  # other comment\n"), "{out}");
    assert_eq!(attached(&out), attached(text));
}

#[test]
fn a_title_holding_the_word_version_does_not_move_the_version_line_comments() {
    let text = "policy p \"The version of things\"  # title comment\n# before version\nversion \"1\"  # the version\n\
                roles buyer  # who\ninitial status open \"Open\" {\n  buyer close -> closed\n}\nterminal status closed \"Closed\"\n";
    let out = formatted(text);
    assert!(
        out.starts_with("policy p \"The version of things\"  # title comment\n# before version\nversion \"1\""),
        "{out}"
    );
    assert_eq!(attached(&out), attached(text));
}

#[test]
fn a_comment_holding_the_word_timers_does_not_move_the_timers_block() {
    let text = "policy p \"P\"\nroles buyer\ntimers {  # the timers block\n  # timers are here\n  t = 1d\n}\n\
                initial status open \"Open\" {\n  after t -> closed\n  buyer close -> closed\n}\nterminal status closed \"Closed\"\n";
    let out = formatted(text);
    assert!(out.contains("timers {  # the timers block\n  # timers are here\n  t = 1d\n}\n"), "{out}");
    assert_eq!(attached(&out), attached(text));
}

#[test]
fn a_comment_after_a_closing_brace_stays_after_it() {
    let text =
        "policy p \"P\"\nroles a\ninitial status s \"S\" {\n  a go -> s\n}  # end of s\nterminal status t \"T\"\n";
    let out = formatted(text);
    assert!(out.contains("\n}  # end of s\n"), "{out}");
}

#[test]
fn an_empty_block_keeps_its_doc_and_comments() {
    let text = "policy p \"P\"\nroles a\ntimers {  # none yet\n}\n## doc\nfields {}\ninitial status s \"S\" {\n  a go -> s\n}\n";
    let out = formatted(text);
    assert!(out.contains("timers {  # none yet\n}\n"), "{out}");
    assert!(out.contains("## doc\nfields {}\n"), "{out}");
    // The doc stays on the empty block, not on the status after it.
    assert!(doc_of(&out, "s").is_empty(), "{out}");
}

#[test]
fn the_guard_names_a_comment_the_output_would_move() {
    let text = "policy p \"P\"\nroles a\ninitial status s \"S\" {\n  a go -> s  # about go\n  a stop -> s\n}\n";
    let ast = docket::syntax::parse(text).unwrap();
    let moved = "policy p \"P\"\nroles a\ninitial status s \"S\" {\n  a go -> s\n  a stop -> s  # about go\n}\n";
    let why = docket::format::verify(text, &ast, moved, &no_files).unwrap_err().to_string();
    assert!(why.contains("the comment `# about go` (line 4) would move from item 1 (`a go`) of status `s` to item 2 (`a stop`) of status `s`"), "{why}");
    let lost = "policy p \"P\"\nroles a\ninitial status s \"S\" {\n  a go -> s\n  a stop -> s\n}\n";
    let why = docket::format::verify(text, &ast, lost, &no_files).unwrap_err().to_string();
    assert!(why.contains("`# about go` (line 4) on item 1 (`a go`) of status `s` would be lost"), "{why}");
}

#[test]
fn the_guard_refuses_output_that_means_something_else() {
    let text = "policy p \"P\"\nroles a\ntimers {\n  t = 1d\n}\ninitial status s \"S\" {\n  after t -> s\n}\n";
    let ast = docket::syntax::parse(text).unwrap();
    let changed = text.replace("1d", "2d");
    let why = docket::format::verify(text, &ast, &changed, &no_files).unwrap_err().to_string();
    assert!(why.contains("would mean something else"), "{why}");
    let broken = text.replace("roles a", "roles");
    let why = docket::format::verify(text, &ast, &broken, &no_files).unwrap_err().to_string();
    assert!(why.contains("would not parse"), "{why}");
}

#[test]
fn every_bundled_policy_passes_fmts_own_check_under_any_comment_placement() {
    for path in ["policies/aliexpress.policy", "policies/ebay_inr.policy", "policies/stripe_chargeback.policy"] {
        let text = std::fs::read_to_string(path).unwrap();
        let dir = Path::new(path).parent().unwrap().to_path_buf();
        let read = move |p: &str| docket::read_beside(&dir, p);
        // A comment after every `{` and before every `}` of the file, and a doc on every line
        // that can take one, are all still beside their declarations after formatting.
        let noisy = text.replace("{\n", "{  # opened\n").replace("\n}", "\n# closing\n}");
        for input in [text.clone(), noisy] {
            let out = match docket::format::format_checked(&input, &read) {
                Ok(out) => out,
                Err(docket::format::FormatError::Refused(why)) => panic!("{path}: {why}"),
                Err(docket::format::FormatError::Syntax(d)) => panic!("{path}: {}", d.message),
            };
            assert_eq!(attached(&out), attached(&input), "{path}");
        }
    }
}

#[cfg(unix)]
mod files {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    const MESSY: &str = "policy p \"P\"\nroles   a\ninitial status s \"S\" {  a go -> s  }\n";
    const TIDY: &str = "policy p \"P\"\n\nroles a\n\ninitial status s \"S\" {\n  a go -> s\n}\n";

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("docket"))
            .collect()
    }

    #[test]
    fn fmt_keeps_a_private_files_mode() {
        let dir = scratch("mode");
        let path = dir.join("p.policy");
        std::fs::write(&path, MESSY).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (_, err, code) = docket(&["fmt", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TIDY);
        assert_eq!(mode(&path), 0o600);
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    }

    #[test]
    fn fmt_refuses_a_read_only_file() {
        let dir = scratch("readonly");
        let path = dir.join("p.policy");
        std::fs::write(&path, MESSY).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let (_, err, code) = docket(&["fmt", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is read-only; nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), MESSY);
        assert_eq!(mode(&path), 0o444);
    }

    #[test]
    fn fmt_formats_a_symlinks_target_and_keeps_the_link() {
        let dir = scratch("symlink");
        let target = dir.join("real.policy");
        let link = dir.join("link.policy");
        std::fs::write(&target, MESSY).unwrap();
        std::os::unix::fs::symlink("real.policy", &link).unwrap();
        let (_, err, code) = docket(&["fmt", link.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), TIDY);
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    }

    #[test]
    fn fmt_refuses_a_hard_linked_file_and_leaves_every_name_as_it_was() {
        let dir = scratch("hardlink");
        let a = dir.join("a.policy");
        let b = dir.join("b.policy");
        std::fs::write(&a, MESSY).unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        let (_, err, code) = docket(&["fmt", a.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("has 2 hard links"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), MESSY);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), MESSY);
        use std::os::unix::fs::MetadataExt as _;
        assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 2);
    }

    #[test]
    fn set_refuses_a_hard_linked_file_too() {
        let dir = scratch("set-hardlink");
        let a = dir.join("a.policy");
        std::fs::copy("policies/aliexpress.policy", &a).unwrap();
        std::fs::hard_link(&a, dir.join("b.policy")).unwrap();
        let before = std::fs::read(&a).unwrap();
        let (_, err, code) = docket(&["set", a.to_str().unwrap(), "seller_response", "7d"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("hard links"), "{err}");
        assert_eq!(std::fs::read(&a).unwrap(), before);
    }

    #[test]
    fn concurrent_fmt_runs_never_collide_on_a_temporary_file() {
        let dir = scratch("concurrent");
        let paths: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("p{i}.policy"))).collect();
        for p in &paths {
            std::fs::write(p, MESSY).unwrap();
        }
        // Eight runs at once: two on each file, all in one directory.
        let children: Vec<_> = paths
            .iter()
            .chain(paths.iter())
            .map(|p| {
                Command::new(env!("CARGO_BIN_EXE_docket"))
                    .args(["fmt", p.to_str().unwrap()])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        }
        for p in &paths {
            assert_eq!(std::fs::read_to_string(p).unwrap(), TIDY, "{}", p.display());
        }
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    }
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
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Comments and line breaks anywhere between tokens: fmt's own check always passes, so fmt
    /// never has to refuse a file for where its comments are.
    #[test]
    fn fmt_passes_its_own_check_wherever_comments_are_written(
        edits in proptest::collection::vec((0usize..10_000, 0u8..5), 1..40),
    ) {
        let original = std::fs::read_to_string("policies/aliexpress.policy").unwrap();
        let gaps = token_gaps(&original);
        let mut chosen: Vec<(usize, u8)> = edits.iter().map(|(i, k)| (gaps[i % gaps.len()], *k)).collect();
        chosen.sort();
        chosen.dedup_by_key(|(at, _)| *at);
        let mut text = original.clone();
        for (at, kind) in chosen.into_iter().rev() {
            let with = match kind {
                0 => "\n      ",
                1 => " # a note\n  ",
                2 => "\n# own line\n",
                3 => "  # trailing\n\n",
                _ => " ",
            };
            text.replace_range(at..at + 1, with);
        }
        let read = |p: &str| docket::read_beside(Path::new("policies"), p);
        match docket::format::format_checked(&text, &read) {
            Ok(out) => proptest::prop_assert_eq!(docket::format::format(&out).unwrap(), out),
            Err(docket::format::FormatError::Refused(why)) => proptest::prop_assert!(false, "{why}\n{text}"),
            Err(docket::format::FormatError::Syntax(d)) => proptest::prop_assert!(false, "{}\n{text}", d.message),
        }
    }
}

/// Every input of the fmt fuzz target's committed corpus (seeds and the crashes found so far)
/// passes fmt's own check, so the normal test suite replays them too.
#[test]
fn fmt_passes_its_own_check_on_the_fuzz_corpus() {
    let mut checked = 0;
    for entry in std::fs::read_dir("fuzz/corpus/fmt_roundtrip").unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        match docket::format::format_checked(&text, &no_files) {
            Ok(out) => assert_eq!(docket::format::format(&out).unwrap(), out, "{}", path.display()),
            Err(docket::format::FormatError::Refused(why)) => panic!("{}: {why}", path.display()),
            Err(docket::format::FormatError::Syntax(_)) => {}
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} inputs in fuzz/corpus/fmt_roundtrip");
}

/// Found by the `fmt_roundtrip` fuzz target: fmt prints an empty `{}` body as no body, which its
/// own check took for a change of meaning, so fmt refused a valid policy.
#[test]
fn an_empty_status_body_is_layout_not_meaning() {
    let text = "policy p \"P\"\nroles a\ninitial status s \"S\" {}\nterminal status t \"T\" {  }  # nothing\n";
    let out = formatted(text);
    assert!(out.contains("initial status s \"S\"\n"), "{out}");
    assert!(out.contains("terminal status t \"T\"  # nothing\n"), "{out}");
}
