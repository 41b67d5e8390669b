//! Where `check` and `fmt` read policies from: `-` for standard input, and directories, walked
//! at any depth in sorted order.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Run the binary from the crate root with `stdin` piped in; stdout, stderr and the exit code.
fn docket(args: &[&str], stdin: &str) -> (String, String, i32) {
    docket_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, stdin)
}

fn docket_in(dir: &Path, args: &[&str], stdin: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn case_text(name: &str) -> String {
    std::fs::read_to_string(format!("tests/cases/check/{name}.policy")).unwrap()
}

/// A fresh temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-inputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_reads_a_policy_from_standard_input() {
    let (out, err, code) = docket(&["check", "-"], &case_text("unused_role"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("warning[W002]: role `platform` takes no action anywhere"), "{out}");
    assert!(out.contains(" --> <stdin>:3:22"), "{out}");
    assert!(out.ends_with("0 error(s), 1 warning(s) in 1 file\n"), "{out}");
    let (out, _, code) = docket(&["check", "--format", "json", "-"], &case_text("unknown_role"));
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["file"], "<stdin>");
    // Beside files, in the order given.
    let (out, _, code) = docket(&["check", "-", "tests/cases/check/unknown_role.policy"], &case_text("unused_role"));
    assert_eq!(code, 1);
    assert!(out.find("<stdin>").unwrap() < out.find("unknown_role.policy").unwrap(), "{out}");
    assert!(out.ends_with("in 2 files\n"), "{out}");
}

#[test]
fn standard_input_can_be_named_once() {
    let (out, err, code) = docket(&["check", "-", "-"], &case_text("clean_minimal"));
    assert_eq!(code, 2);
    assert!(err.contains("`-` (standard input) is given twice"), "{err}");
    assert!(out.ends_with("0 error(s), 0 warning(s) in 1 file\n"), "the policy is still checked once: {out}");
}

#[test]
fn check_walks_a_directory_at_any_depth_in_sorted_order() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("a/deeper")).unwrap();
    std::fs::write(dir.join("b.policy"), case_text("unused_role")).unwrap();
    std::fs::write(dir.join("a/z.policy"), case_text("unused_field")).unwrap();
    std::fs::write(dir.join("a/deeper/c.policy"), case_text("unused_action")).unwrap();
    std::fs::write(dir.join("a/notes.txt"), "not a policy").unwrap();
    let (out, err, code) = docket_in(&dir, &["check", "."], "");
    assert_eq!(code, 0, "{err}");
    let files: Vec<&str> = out.lines().filter_map(|l| l.trim_start().strip_prefix("--> ")).collect();
    assert_eq!(files, ["./a/deeper/c.policy:9:10", "./a/z.policy:7:3", "./b.policy:3:22"], "{out}");
    assert!(out.ends_with("0 error(s), 3 warning(s) in 3 files\n"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_without_policies_is_a_usage_error_and_the_rest_is_still_checked() {
    let dir = scratch("empty");
    let empty = dir.display().to_string();
    let (out, err, code) = docket(&["check", &empty, "tests/cases/check/clean_minimal.policy"], "");
    assert_eq!(code, 2);
    assert!(err.contains(&format!("`{empty}` holds no `.policy` file")), "{err}");
    assert_eq!(out, "0 error(s), 0 warning(s) in 1 file\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_dash_writes_the_formatted_text_to_standard_output() {
    let (out, err, code) = docket(&["fmt", "-"], "policy p \"P\"\nroles   buyer\n");
    assert_eq!((out.as_str(), err.as_str(), code), ("policy p \"P\"\n\nroles buyer\n", "", 0));
    // A formatted text comes back as it went in.
    let (again, _, code) = docket(&["fmt", "-"], &out);
    assert_eq!((again.as_str(), code), (out.as_str(), 0));
}

#[test]
fn fmt_check_dash_prints_the_diff_only() {
    let (out, _, code) = docket(&["fmt", "--check", "-"], "policy p \"P\"\nroles   buyer\n");
    assert_eq!(code, 1);
    assert!(out.starts_with("--- <stdin>\n+++ <stdin> (formatted)\n"), "{out}");
    assert!(out.contains("-roles   buyer\n") && out.contains("+roles buyer\n"), "{out}");
    let (out, _, code) = docket(&["fmt", "--check", "-"], "policy p \"P\"\n\nroles buyer\n");
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn fmt_dash_of_a_text_that_does_not_parse_prints_nothing_and_says_why() {
    let (out, err, code) = docket(&["fmt", "-"], "policy p \"P\"\nroles buyer,\n");
    // A policy with errors stops every verb but `check` with exit 2.
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("--> <stdin>:") && err.contains("`<stdin>` cannot be formatted until it parses"), "{err}");
}

#[test]
fn fmt_formats_every_policy_under_a_directory() {
    let dir = scratch("fmt");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("one.policy"), "policy p \"P\"\nroles   buyer\n").unwrap();
    std::fs::write(dir.join("nested/two.policy"), "policy q \"Q\"\nroles  seller\n").unwrap();
    let (_, _, code) = docket_in(&dir, &["fmt", "--check", "."], "");
    assert_eq!(code, 1);
    let (_, err, code) = docket_in(&dir, &["fmt", "."], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "formatted ./nested/two.policy\nformatted ./one.policy\n");
    assert_eq!(std::fs::read_to_string(dir.join("nested/two.policy")).unwrap(), "policy q \"Q\"\n\nroles seller\n");
    let (_, _, code) = docket_in(&dir, &["fmt", "--check", "."], "");
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
