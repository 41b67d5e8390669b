//! `docket check`, proven by data and driven through the built binary.
//!
//! Each `tests/cases/check/<name>.policy` shows one problem (or none), and `<name>.expected`
//! beside it holds exactly what `docket check tests/cases/check/<name>.policy` prints to stdout,
//! then a last line `exit: N`. The harness runs every case in sorted order and shows a unified
//! diff for each mismatch.
//!
//! To accept new output after a deliberate change, run `BLESS=1 cargo test check_cases` and
//! review the rewritten `.expected` files with `git diff` before committing them: a blessed
//! expectation is a claim that the message is right.
//!
//! The rest of this file pins the command line around the cases: `--format json` and
//! `--format github`, `--deny-warnings`, several files at once, and the exit codes (0 clean,
//! 1 problems found, 2 usage or I/O error).

use similar::TextDiff;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CASES: &str = "tests/cases/check";

/// Run the binary from the crate root; stdout, stderr and the exit code.
fn docket(args: &[&str]) -> (String, String, i32) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_docket")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn case_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CASES);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
}

fn case(name: &str) -> String {
    format!("{CASES}/{name}.policy")
}

#[test]
fn every_check_case_prints_what_its_expected_file_says() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut seen = 0;
    for path in case_paths().into_iter().filter(|p| p.extension().is_some_and(|e| e == "policy")) {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (stdout, stderr, code) = docket(&["check", &case(&name)]);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let actual = format!("{stdout}exit: {code}\n");
        let expected_path = path.with_extension("expected");
        seen += 1;
        if bless {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            let diff = TextDiff::from_lines(&expected, &actual)
                .unified_diff()
                .header(&format!("{name}.expected"), &format!("{name} (actual)"))
                .to_string();
            failures.push(diff);
        }
    }
    assert!(seen >= 40, "only {seen} cases found in {CASES}");
    assert!(
        failures.is_empty(),
        "{} case(s) differ from their expectation (BLESS=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_expected_file_has_its_policy() {
    for path in case_paths() {
        match path.extension().and_then(|e| e.to_str()) {
            Some("policy") => assert!(path.with_extension("expected").exists(), "no expectation for {path:?}"),
            Some("expected") => assert!(path.with_extension("policy").exists(), "stale expectation {path:?}"),
            _ => panic!("unexpected file in {CASES}: {path:?}"),
        }
    }
}

#[test]
fn every_case_shows_at_most_one_kind_of_problem() {
    // A case is named for one behaviour; a second code in its output is a cascade to fix or a
    // case to split.
    for path in case_paths().into_iter().filter(|p| p.extension().is_some_and(|e| e == "expected")) {
        let text = fs::read_to_string(&path).unwrap();
        let mut codes: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("error[").or_else(|| l.strip_prefix("warning[")))
            .filter_map(|l| l.get(..4))
            .collect();
        codes.sort();
        codes.dedup();
        assert!(codes.len() <= 1, "{path:?} shows several codes: {codes:?}");
        let name = path.file_stem().unwrap().to_str().unwrap();
        if name.starts_with("clean_") {
            assert!(codes.is_empty(), "{name} should be clean");
            assert!(text.ends_with("exit: 0\n"), "{name} should exit 0");
        }
    }
}

// ---- exit codes ----------------------------------------------------------------------------

#[test]
fn a_clean_file_exits_0_and_says_so() {
    let (out, err, code) = docket(&["check", &case("clean_minimal")]);
    assert_eq!((out.as_str(), err.as_str(), code), ("0 error(s), 0 warning(s) in 1 file\n", "", 0));
}

#[test]
fn an_error_exits_1() {
    let (out, _, code) = docket(&["check", &case("unknown_role")]);
    assert_eq!(code, 1);
    assert!(out.contains("error[E021]: unknown role `seler`"), "{out}");
}

#[test]
fn a_warning_alone_exits_0_unless_warnings_are_denied() {
    let (out, _, code) = docket(&["check", &case("unused_field")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[W001]"));
    let (out, _, code) = docket(&["check", "--deny-warnings", &case("unused_field")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("warning[W001]"));
    assert!(out.ends_with("0 error(s), 1 warning(s) in 1 file\n"), "{out}");
}

#[test]
fn an_unused_timer_is_a_warning_like_every_unused_declaration_and_blocks_no_verb() {
    for name in ["unused_field", "unused_role", "unused_action", "timer_declared_never_used"] {
        let (out, _, code) = docket(&["check", "--format", "json", &case(name)]);
        assert_eq!(code, 0, "{name}: {out}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value[0]["severity"], "warning", "{name}");
        let (_, err, code) = docket(&["table", &case(name)]);
        assert_eq!(code, 0, "{name}: a warning does not stop other verbs: {err}");
    }
}

#[test]
fn deny_warnings_does_not_fail_a_clean_file() {
    let (_, _, code) = docket(&["check", "--deny-warnings", &case("clean_minimal")]);
    assert_eq!(code, 0);
}

#[test]
fn a_missing_file_exits_2_and_names_the_file_on_stderr() {
    let (out, err, code) = docket(&["check", "tests/cases/check/no_such_file.policy"]);
    assert_eq!(code, 2);
    assert_eq!(err, "error: cannot read `tests/cases/check/no_such_file.policy`: no such file\n");
    assert!(!out.contains("error["), "{out}");
}

#[test]
fn a_good_file_and_a_missing_file_exit_2_but_the_good_one_is_still_checked() {
    let (out, err, code) = docket(&["check", &case("unused_field"), "tests/cases/check/no_such_file.policy"]);
    assert_eq!(code, 2);
    assert!(err.contains("`tests/cases/check/no_such_file.policy`"), "{err}");
    assert!(out.contains("warning[W001]: field `claim` is never used"), "{out}");
    assert!(out.contains("--> tests/cases/check/unused_field.policy:7:3"), "{out}");

    // A clean file beside a missing one: still checked, and the run still fails with 2.
    let (out, err, code) = docket(&["check", &case("clean_minimal"), "tests/cases/check/no_such_file.policy"]);
    assert_eq!(code, 2);
    assert!(err.contains("`tests/cases/check/no_such_file.policy`"), "{err}");
    assert!(out.starts_with("0 error(s), 0 warning(s)"), "{out}");

    // A missing file outranks problems found: 2, not 1.
    let (out, _, code) = docket(&["check", "tests/cases/check/no_such_file.policy", &case("unknown_role")]);
    assert_eq!(code, 2);
    assert!(out.contains("error[E021]"), "{out}");
}

#[test]
fn no_file_at_all_is_a_usage_error() {
    let (_, err, code) = docket(&["check"]);
    assert_eq!(code, 2);
    assert!(err.contains("<FILES>"), "{err}");
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let (_, err, code) = docket(&["check", "--format", "yaml", &case("clean_minimal")]);
    assert_eq!(code, 2);
    assert!(err.contains("yaml"), "{err}");
}

// ---- several files -------------------------------------------------------------------------

#[test]
fn several_files_are_reported_in_the_order_given_with_one_summary() {
    let (out, _, code) = docket(&["check", &case("unused_role"), &case("clean_minimal"), &case("unknown_action")]);
    assert_eq!(code, 1);
    let role = out.find("unused_role.policy").unwrap();
    let action = out.find("unknown_action.policy").unwrap();
    assert!(role < action, "{out}");
    assert!(!out.contains("clean_minimal"), "{out}");
    assert!(out.ends_with("1 error(s), 1 warning(s) in 3 files\n"), "{out}");
}

// ---- --format json -------------------------------------------------------------------------

#[test]
fn json_is_an_array_of_located_diagnostics_with_exactly_the_contract_keys() {
    let (out, err, code) = docket(&["check", "--format", "json", &case("unknown_status_did_you_mean")]);
    assert_eq!(code, 1, "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let d = items[0].as_object().unwrap();
    let keys: Vec<&str> = d.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "help",
            "related",
            "suppressed",
            "docs"
        ]
    );
    assert_eq!(d["suppressed"], false);
    assert_eq!(d["docs"], "docket codes E020");
    assert_eq!(d["related"], serde_json::json!([]));
    assert_eq!(d["code"], "E020");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "unknown status `closd`");
    assert_eq!(d["file"], "tests/cases/check/unknown_status_did_you_mean.policy");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(12), Some(18)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(12), Some(23)));
    assert_eq!(d["help"], "did you mean `closed`?");
}

#[test]
fn json_carries_the_places_a_diagnostic_points_at_besides_its_own() {
    // The overlapping rule is on line 17; the rule it overlaps, on line 16, is where `related` points.
    let (out, _, code) = docket(&["check", "--format", "json", &case("overlapping_rules_for_one_action")]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["line"], 17);
    assert_eq!(
        value[0]["related"],
        serde_json::json!([{
            "file": case("overlapping_rules_for_one_action"),
            "line": 16, "column": 3, "end_line": 16, "end_column": 60,
            "label": "the earlier rule"
        }])
    );
    // A duplicate points at the first declaration; E011 at the field it hides.
    let (out, _, _) = docket(&["check", "--format", "json", &case("duplicate_status_among_siblings")]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&value[0]["line"], &value[0]["related"][0]["line"]), (&16.into(), &11.into()));
    assert_eq!(value[0]["related"][0]["label"], "first declared here");
    let (out, _, _) = docket(&["check", "--format", "json", &case("param_typed_with_the_name_of_a_field")]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["related"][0]["line"], 9);
    assert_eq!(value[0]["related"][0]["label"], "the field it hides");
}

#[test]
fn text_draws_a_secondary_place_under_its_own_line_with_dashes() {
    let (out, _, _) = docket(&["check", &case("overlapping_rules_for_one_action")]);
    assert!(
        out.contains(
            "16 |   buyer close when amount > 10 -> closed { claim = amount }\n   |   \
             --------------------------------------------------------- the earlier rule\n17 |"
        ),
        "{out}"
    );
}

#[test]
fn json_has_null_help_when_there_is_none_and_warnings_have_their_severity() {
    let (out, _, code) = docket(&["check", "--format", "json", &case("duplicate_timer_armed_twice")]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(value[0]["help"].is_string());
    let (out, _, code) = docket(&["check", "--format", "json", &case("syntax_number_too_large")]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["code"], "E003");
    let (out, _, code) = docket(&["check", "--format", "json", &case("unused_action")]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["severity"], "warning");
}

#[test]
fn json_for_a_clean_file_is_an_empty_array_and_nothing_else() {
    let (out, _, code) = docket(&["check", "--format", "json", &case("clean_minimal")]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), serde_json::json!([]));
}

#[test]
fn json_gathers_several_files_into_one_array_even_when_one_is_missing() {
    let (out, err, code) = docket(&[
        "check",
        "--format",
        "json",
        &case("unused_field"),
        "tests/cases/check/no_such_file.policy",
        &case("unknown_role"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no_such_file.policy"), "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = value.as_array().unwrap().iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, [case("unused_field"), case("unknown_role")]);
}

#[test]
fn json_and_text_agree_on_every_case() {
    // Same diagnostics, same positions: the JSON is the text's data, serialized.
    for path in case_paths().into_iter().filter(|p| p.extension().is_some_and(|e| e == "policy")) {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (text, _, text_code) = docket(&["check", &case(&name)]);
        let (json, _, json_code) = docket(&["check", "--format", "json", &case(&name)]);
        assert_eq!(text_code, json_code, "{name}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        for d in value.as_array().unwrap() {
            if d["suppressed"] == true {
                // Silenced: only machines see it.
                assert!(!text.contains(d["message"].as_str().unwrap()), "{name}: {text}");
                continue;
            }
            let header = format!(
                "{}[{}]: {}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            );
            let location = format!("--> {}:{}:{}", d["file"].as_str().unwrap(), d["line"], d["column"]);
            assert!(text.contains(&header), "{name}: {header} not in\n{text}");
            assert!(text.contains(&location), "{name}: {location} not in\n{text}");
        }
    }
}

// ---- --format github -----------------------------------------------------------------------

#[test]
fn github_format_prints_one_workflow_command_per_diagnostic() {
    let (out, _, code) = docket(&["check", "--format", "github", &case("unknown_status_did_you_mean")]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "::error file=tests/cases/check/unknown_status_did_you_mean.policy,line=12,col=18,endLine=12,endColumn=23,\
         title=E020::E020 unknown status `closd` (help: did you mean `closed`?)\n"
    );
}

#[test]
fn github_format_marks_warnings_and_prints_no_summary() {
    let (out, _, code) = docket(&["check", "--format", "github", "--deny-warnings", &case("unused_role")]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("::warning file=tests/cases/check/unused_role.policy,line=3,col=22,"), "{out}");
}

#[test]
fn github_format_for_a_clean_file_prints_nothing() {
    let (out, _, code) = docket(&["check", "--format", "github", &case("clean_minimal")]);
    assert_eq!((out.as_str(), code), ("", 0));
}

// ---- diagnostic codes ----------------------------------------------------------------------

/// Every `.rs` file of the library and the command (`crates/docket/src/`, `src/`), with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("src"), root.join("crates/docket/src")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// Whether a string is a diagnostic code: `E` or `W` and three digits.
fn is_code(s: &str) -> bool {
    s.len() == 4 && (s.starts_with('E') || s.starts_with('W')) && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The codes written as the first argument of `Diagnostic::error(...)` or `::warning(...)`.
fn codes_in_constructors(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for call in ["Diagnostic::error(", "Diagnostic::warning("] {
        for (at, _) in text.match_indices(call) {
            let rest = text[at + call.len()..].trim_start();
            if let Some(quoted) = rest.strip_prefix('"') {
                codes.push(quoted.split('"').next().unwrap().to_string());
            }
        }
    }
    codes
}

#[test]
fn every_code_used_in_src_is_listed_in_codes_rs() {
    let listed: Vec<&str> = docket::codes::CODES.iter().map(|(c, _)| *c).collect();
    let mut used = Vec::new();
    for (path, text) in sources() {
        // The list itself, and the pages that document each code with examples.
        if path.ends_with("codes.rs") || path.ends_with("codes/docs.rs") {
            continue;
        }
        for code in codes_in_constructors(&text) {
            assert!(is_code(&code), "{path:?}: `{code}` is not a code like E012 or W001");
            assert!(
                listed.contains(&code.as_str()),
                "{path:?} uses {code}, which crates/docket/src/codes.rs does not list"
            );
            used.push(code);
        }
        // Codes also travel in variables; any quoted code anywhere must be listed too.
        for quoted in text.split('"').skip(1).step_by(2).filter(|s| is_code(s)) {
            assert!(
                listed.contains(&quoted),
                "{path:?} mentions {quoted}, which crates/docket/src/codes.rs does not list"
            );
            used.push(quoted.to_string());
        }
    }
    assert!(used.len() > 40, "the scan found only {} uses; has the constructor changed?", used.len());
    for code in &listed {
        if docket::codes::is_retired(code) {
            // A retired code is kept so configurations that name it still mean something; nothing
            // reports it, so a use would be a mistake.
            assert!(!used.iter().any(|u| u == code), "{code} is retired, but src/ still uses it");
            continue;
        }
        assert!(used.iter().any(|u| u == code), "crates/docket/src/codes.rs lists {code}, but no source uses it");
    }
}

#[test]
fn codes_rs_is_sorted_unique_and_says_one_sentence_each() {
    let codes = docket::codes::CODES;
    for pair in codes.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{} and {} are out of order or repeated", pair[0].0, pair[1].0);
    }
    for (code, meaning) in codes {
        assert!(is_code(code), "{code}");
        assert!(!meaning.is_empty(), "{code} has no sentence");
        assert!(meaning.starts_with(|c: char| c.is_lowercase()), "{code}: start lowercase: {meaning}");
        assert!(!meaning.ends_with('.'), "{code}: no trailing period: {meaning}");
        assert!(!meaning.contains(". "), "{code}: one sentence: {meaning}");
    }
}

#[test]
fn every_message_in_the_cases_keeps_the_house_style() {
    // Lowercase, no trailing period; advice in `help`, which ends without a period too.
    for path in case_paths().into_iter().filter(|p| p.extension().is_some_and(|e| e == "expected")) {
        for line in fs::read_to_string(&path).unwrap().lines() {
            let message = line
                .strip_prefix("error[")
                .or_else(|| line.strip_prefix("warning["))
                .and_then(|l| l.split_once("]: "))
                .map(|(_, m)| m);
            if let Some(m) = message {
                assert!(!m.starts_with(|c: char| c.is_uppercase()), "{path:?}: {m}");
                assert!(!m.ends_with('.'), "{path:?}: {m}");
            }
            if let Some((_, help)) = line.split_once("= help: ") {
                assert!(!help.ends_with('.'), "{path:?}: {help}");
            }
        }
    }
}

#[test]
fn check_now_warns_about_holiday_data_that_runs_out_within_a_year() {
    let policy = "policies/ebay_inr.policy";
    // Without --now, check reads no clock and says nothing of it.
    let (out, _, code) = docket(&["check", "--deny-warnings", policy]);
    assert_eq!(code, 0, "{out}");
    // The bundled data reaches 2030-12-31: a year before that is fine, half a year is not.
    let (out, _, code) = docket(&["check", "--deny-warnings", "--now", "2029-12-01T00:00:00Z", policy]);
    assert_eq!(code, 0, "{out}");
    let (out, _, code) = docket(&["check", "--deny-warnings", "--now", "2030-06-01T00:00:00Z", policy]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("warning[W004]: calendar `uk`'s holiday data ends 2030-12-31"), "{out}");
    assert!(out.contains("holidays \"../calendars/uk-england-wales.toml\""), "{out}");
    let (_, err, code) = docket(&["check", "--now", "soon", policy]);
    assert_eq!(code, 2);
    assert!(err.contains("`soon` is not an RFC 3339 time"), "{err}");
}

#[test]
fn when_no_file_can_be_read_stdout_is_empty_in_every_format() {
    // A directory without policies names nothing to check, as a missing file does.
    let empty = std::env::temp_dir().join(format!("docket-no-policies-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.display().to_string();
    for format in ["text", "json", "github", "sarif"] {
        let (out, err, code) = docket(&["check", "--format", format, "nope.policy", &empty]);
        assert_eq!(code, 2, "{format}");
        assert_eq!(out, "", "{format}: nothing was checked, so nothing is reported");
        assert!(err.contains("error: cannot read `nope.policy`: no such file"), "{format}: {err}");
        assert!(err.contains("holds no `.policy` file"), "{format}: {err}");
    }
    std::fs::remove_dir(&empty).unwrap();
}

#[test]
fn the_readme_shows_what_docket_check_prints() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("### Checking policies").nth(1).unwrap();
    let shown = section.split("```text\n").nth(1).unwrap().split("```").next().unwrap();
    let (out, _, _) = docket(&["check", &case("overlapping_rules_for_one_action")]);
    assert_eq!(out, shown, "README.md shows an old output of docket check");
}
