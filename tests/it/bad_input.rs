//! Hostile and broken input: `docket check` answers every file with a clear message naming it and
//! exit 1 (the file has problems) or 2 (it cannot be read), never a panic, and in bounded time.
//!
//! Generated files go to `CARGO_TARGET_TMPDIR` (under `target/`), named per test so tests running
//! in parallel never share one.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = "policies/aliexpress.policy";

/// The longest any single check in this file may take, in a debug build on a slow machine.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// What one run of the binary produced.
struct Run {
    stdout: String,
    stderr: String,
    code: i32,
    took: Duration,
}

/// Run `docket` from the crate root; kill it and fail if it outlives [`TIME_LIMIT`].
fn docket(args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).map(|_| v)
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            panic!("`docket {}` ran longer than {TIME_LIMIT:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap().unwrap()).into_owned();
    let run = Run { stdout, stderr, code: status.code().unwrap_or(-1), took: start.elapsed() };
    assert!(!run.stderr.contains("panicked"), "`docket {}` panicked:\n{}", args.join(" "), run.stderr);
    assert!(!run.stderr.contains("overflow"), "`docket {}` overflowed:\n{}", args.join(" "), run.stderr);
    run
}

/// A fresh path for a generated file.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad_input");
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A small deterministic generator (xorshift64*): the same bytes on every run and machine.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
    }
}

/// Check one file by path and expect a diagnostic that names it, with the given exit code.
fn check_file(path: &Path, code: i32) -> Run {
    let p = path.to_str().unwrap();
    let run = docket(&["check", p]);
    assert_eq!(run.code, code, "{p}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("--> {p}:")), "the message does not name {p}:\n{}", run.stdout);
    run
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    let path = scratch("empty.policy");
    fs::write(&path, "").unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E001]: the file is empty\n"), "{}", run.stdout);
}

#[test]
fn a_blank_file_is_reported_as_empty() {
    let path = scratch("blank.policy");
    fs::write(&path, "\n\n   \t\r\n\n").unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E001]: the file is empty\n"), "{}", run.stdout);
}

#[test]
fn binary_garbage_is_reported_not_parsed() {
    let mut bytes = Bytes(0x5EED_0001);
    let garbage: Vec<u8> = (0..64 * 1024).map(|_| bytes.next()).collect();
    let path = scratch("garbage.policy");
    fs::write(&path, &garbage).unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E004]: the file is not valid UTF-8 text\n"), "{}", run.stdout);
    // The rendered line is cut to a window, not the whole garbage line.
    assert!(run.stdout.len() < 2_000, "{} bytes of output", run.stdout.len());
}

#[test]
fn printable_garbage_is_a_syntax_error() {
    let mut bytes = Bytes(0x5EED_0002);
    let garbage: String = (0..64 * 1024).map(|_| char::from(bytes.next() % 95 + 32)).collect();
    let path = scratch("printable_garbage.policy");
    fs::write(&path, &garbage).unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E001]: "), "{}", run.stdout);
    assert!(run.stdout.len() < 2_000, "{} bytes of output", run.stdout.len());
}

#[test]
fn control_characters_are_named_not_printed() {
    let path = scratch("control.policy");
    fs::write(&path, "policy p \"P\"\nroles a\u{0}b\n").unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.contains("found a control character (U+0000)"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{0}'), "a NUL reached the terminal");
}

#[test]
fn invalid_utf8_names_the_line_and_column_of_the_first_bad_byte() {
    let mut text = fs::read(POLICY).unwrap();
    // Line 4 is `version "2026.11"`; put a stray continuation byte in its 9th column.
    let line4 = text.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(2).unwrap().0 + 1;
    assert!(text[line4..].starts_with(b"version \""));
    text[line4 + 8] = 0x80;
    let path = scratch("invalid_utf8.policy");
    fs::write(&path, &text).unwrap();
    let run = check_file(&path, 1);
    let p = path.to_str().unwrap();
    assert!(run.stdout.starts_with("error[E004]: the file is not valid UTF-8 text\n"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("--> {p}:4:9\n")), "{}", run.stdout);
    let json = docket(&["check", "--format", "json", p]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((value[0]["line"].as_u64(), value[0]["column"].as_u64()), (Some(4), Some(9)));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = format!("\u{FEFF}{}", fs::read_to_string(POLICY).unwrap());
    let path = scratch("bom.policy");
    fs::write(&path, text).unwrap();
    let run = docket(&["check", path.to_str().unwrap()]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "0 error(s), 0 warning(s) in 1 file\n"));
}

#[test]
fn windows_line_endings_check_clean_and_point_at_the_same_columns() {
    let text = fs::read_to_string(POLICY).unwrap().replace('\n', "\r\n");
    let path = scratch("crlf.policy");
    fs::write(&path, &text).unwrap();
    let run = docket(&["check", path.to_str().unwrap()]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "0 error(s), 0 warning(s) in 1 file\n"));
    let broken = text.replacen("-> refunding { refund = claim }", "-> refundin { refund = claim }", 1);
    let path = scratch("crlf_broken.policy");
    fs::write(&path, broken).unwrap();
    let run = check_file(&path, 1);
    // Where the misspelt name is, counted in the original text with plain line feeds.
    let original = fs::read_to_string(POLICY).unwrap();
    let at = original.find("-> refunding { refund = claim }").unwrap() + 3;
    let line = original[..at].matches('\n').count() + 1;
    let column = at - original[..at].rfind('\n').unwrap();
    let location = format!("--> {}:{line}:{column}\n", path.to_str().unwrap());
    assert!(run.stdout.contains(&location), "{location} not in\n{}", run.stdout);
    assert!(!run.stdout.contains('\r'), "a carriage return reached the terminal");
}

#[test]
fn a_hundred_thousand_open_parentheses_are_refused_quickly() {
    let path = scratch("parens.policy");
    fs::write(&path, "(".repeat(100_000)).unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E002]: brackets nest more than 64 levels deep\n"), "{}", run.stdout);
    assert!(run.stdout.len() < 2_000, "{} bytes of output", run.stdout.len());
}

#[test]
fn a_hundred_thousand_open_braces_are_refused_quickly() {
    let path = scratch("braces.policy");
    fs::write(&path, "{".repeat(100_000)).unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E002]: brackets nest more than 64 levels deep\n"), "{}", run.stdout);
}

#[test]
fn deep_parentheses_inside_a_real_guard_are_refused() {
    let text = policy_with_guard(&format!("{}true{}", "(".repeat(100_000), ")".repeat(100_000)));
    let path = scratch("deep_guard.policy");
    fs::write(&path, text).unwrap();
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E002]: "), "{}", run.stdout);
}

/// The rule in the AliExpress policy that the tests below give a hostile condition.
const PLAIN_RULE: &str = "buyer cancel -> withdrawn";

/// The AliExpress policy with a condition added to one rule.
fn policy_with_guard(guard: &str) -> String {
    let text = fs::read_to_string(POLICY).unwrap();
    assert!(text.contains(PLAIN_RULE), "the policy changed; pick another rule");
    text.replacen(PLAIN_RULE, &format!("buyer cancel when {guard} -> withdrawn"), 1)
}

#[test]
fn a_hundred_thousand_prefix_operators_are_refused_not_overflowed() {
    for (name, guard) in
        [("nots", format!("{}true", "not ".repeat(100_000))), ("negs", format!("{}claim > 0", "- ".repeat(100_000)))]
    {
        let path = scratch(&format!("{name}.policy"));
        fs::write(&path, policy_with_guard(&guard)).unwrap();
        let run = check_file(&path, 1);
        assert!(run.stdout.starts_with("error[E002]: this expression has more than 256 operators\n"), "{}", run.stdout);
    }
}

#[test]
fn very_long_conditions_are_refused_not_overflowed() {
    // Each under the size limit: 100,000 terms of a sum, 60,000 of a conjunction.
    for (name, guard) in [
        ("sum", format!("claim{} > 0", " + claim".repeat(100_000))),
        ("conjunction", format!("info_sent{}", " and info_sent".repeat(60_000))),
    ] {
        let path = scratch(&format!("{name}.policy"));
        fs::write(&path, policy_with_guard(&guard)).unwrap();
        let run = check_file(&path, 1);
        assert!(run.stdout.starts_with("error[E002]: this expression has more than 256 operators\n"), "{}", run.stdout);
    }
}

#[test]
fn the_deepest_accepted_nesting_checks_without_overflow() {
    // 256 operators under 60 parentheses: the limits, together, in a test thread's small stack.
    let guard = format!("{}{}true{}", "(".repeat(60), "not ".repeat(256), ")".repeat(60));
    let compiled = docket::compile_file(docket::span::SourceFile::new("deep", policy_with_guard(&guard)));
    assert!(compiled.diagnostics.is_empty(), "{:?}", compiled.diagnostics);
    let mut text = String::from("policy p \"P\"\nroles buyer\noutcomes done\nactions {\n  buyer close\n}\n");
    for i in 0..63 {
        text.push_str(&format!("initial status s{i} \"S\" {{\n"));
    }
    text.push_str("buyer close -> done_status\n");
    text.push_str(&"}\n".repeat(63));
    text.push_str("terminal status done_status \"Done\" outcome done\n");
    let compiled = docket::compile_file(docket::span::SourceFile::new("nested", text));
    assert!(compiled.diagnostics.is_empty(), "{:?}", compiled.diagnostics);
}

/// Write a file of `size` bytes: `head`, then `line` repeated, then `tail`.
fn big_file(name: &str, head: &str, line: &str, tail: &str, size: usize) -> PathBuf {
    let mut text = String::with_capacity(size + line.len() + tail.len());
    text.push_str(head);
    while text.len() + line.len() + tail.len() <= size {
        text.push_str(line);
    }
    text.push_str(tail);
    let path = scratch(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn fifty_megabytes_of_comments_then_garbage_are_refused_in_seconds() {
    let path = big_file("comments.policy", "policy p \"P\"\n", "# just a comment, repeated\n", "@@@ garbage", 50 << 20);
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E005]: the file is larger than 1024 KiB"), "{}", run.stdout);
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
    // Fifty megabytes need not stay on the disk.
    fs::remove_file(&path).unwrap();
}

#[test]
fn fifty_megabytes_of_valid_statuses_are_refused_in_seconds() {
    let head = "policy p \"P\"\nroles buyer\noutcomes done\nactions {\n  buyer next\n}\n";
    let path = big_file(
        "statuses.policy",
        head,
        "status waiting \"Waiting\" { buyer next -> done_status }\n",
        "terminal status done_status \"Done\" outcome done\n",
        50 << 20,
    );
    let run = check_file(&path, 1);
    assert!(run.stdout.starts_with("error[E005]: the file is larger than 1024 KiB"), "{}", run.stdout);
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
    // Fifty megabytes need not stay on the disk.
    fs::remove_file(&path).unwrap();
}

#[test]
fn a_policy_just_under_the_size_limit_checks_in_seconds() {
    // About 25,000 statuses, each leading to the next: the checker's work grows with the size,
    // not with its square.
    let mut text = String::from("policy p \"P\"\nroles buyer\noutcomes done\nactions {\n  buyer next\n}\n");
    text.push_str("initial status s0 \"S\" { buyer next -> s1 }\n");
    let mut i = 1;
    loop {
        let line = format!("status s{i} \"S\" {{ buyer next -> s{} }}\n", i + 1);
        if text.len() + line.len() + 100 > docket::syntax::MAX_SOURCE_BYTES {
            break;
        }
        text.push_str(&line);
        i += 1;
    }
    text.push_str(&format!("terminal status s{i} \"End\" outcome done\n"));
    let path = scratch("just_under_the_limit.policy");
    fs::write(&path, text).unwrap();
    let run = docket(&["check", path.to_str().unwrap()]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "0 error(s), 0 warning(s) in 1 file\n"), "{}", run.stderr);
    assert!(run.took < Duration::from_secs(20), "took {:?}", run.took);
}

#[test]
fn a_name_as_long_as_the_file_allows_is_shortened_in_every_message() {
    let name = "a".repeat(docket::syntax::MAX_SOURCE_BYTES - 100);
    let path = scratch("long_name.policy");
    fs::write(&path, format!("policy p \"P\"\nroles {name}\n")).unwrap();
    let run = check_file(&path, 1);
    assert!(
        run.stdout.contains("warning[W002]: role `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.len() < 2_000, "{} bytes of output", run.stdout.len());
    let json = docket(&["check", "--format", "json", path.to_str().unwrap()]);
    assert!(json.stdout.len() < 2_000, "{} bytes of output", json.stdout.len());
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let run = docket(&["check", "tests/cases/check/there_is_no_such.policy"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: cannot read `tests/cases/check/there_is_no_such.policy`: no such file\n");
}

#[test]
fn a_directory_is_an_io_error_naming_it() {
    // Verbs that take one policy refuse a directory; `check` and `fmt` check what is inside.
    let run = docket(&["table", "tests/cases/check"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: `tests/cases/check` is a directory, not a policy file\n");
    let empty = scratch("no-policies-here");
    fs::create_dir_all(&empty).unwrap();
    let run = docket(&["check", empty.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, format!("error: `{}` holds no `.policy` file\n", empty.display()));
}

/// Whether a message keeps the house style: lowercase start, no trailing period.
fn house_style(message: &str) -> bool {
    !message.starts_with(|c: char| c.is_uppercase()) && !message.ends_with('.') && !message.is_empty()
}

#[test]
fn the_aliexpress_policy_cut_at_every_byte_never_panics_and_every_cut_is_reported() {
    let text = fs::read_to_string(POLICY).unwrap();
    // The last status, `released`, is the target of rules far above it; every cut before its
    // outcome's name is complete leaves something unfinished or unresolved.
    let complete = text.rfind("release_to_seller").unwrap() + "release_to_seller".len();
    let cuts: Vec<usize> = (0..=text.len()).filter(|&k| text.is_char_boundary(k)).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let chunks: Vec<Vec<usize>> =
        (0..threads).map(|t| cuts.iter().copied().skip(t).step_by(threads).collect()).collect();
    let text = std::sync::Arc::new(text);
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let text = text.clone();
            std::thread::spawn(move || {
                let mut problems = Vec::new();
                for k in chunk {
                    let prefix = &text[..k];
                    let result = std::panic::catch_unwind(|| {
                        let compiled = docket::compile_file(docket::span::SourceFile::new("aliexpress.policy", prefix));
                        let rendered: Vec<String> =
                            compiled.diagnostics.iter().map(|d| docket::diag::render_text(&compiled.file, d)).collect();
                        (compiled, rendered)
                    });
                    let Ok((compiled, _)) = result else {
                        problems.push(format!("cut at byte {k}: panicked"));
                        continue;
                    };
                    let errors =
                        compiled.diagnostics.iter().filter(|d| d.severity == docket::diag::Severity::Error).count();
                    if k < complete && errors == 0 {
                        problems.push(format!("cut at byte {k}: no error for an unfinished policy"));
                    }
                    if k >= complete && !compiled.diagnostics.is_empty() {
                        problems.push(format!("cut at byte {k}: the complete policy has diagnostics"));
                    }
                    if (errors == 0) != compiled.table.is_some() {
                        problems.push(format!("cut at byte {k}: a table exists exactly when there is no error"));
                    }
                    for d in &compiled.diagnostics {
                        if d.span.start > d.span.end || d.span.end > k {
                            problems.push(format!("cut at byte {k}: {} spans {:?}, outside the text", d.code, d.span));
                        }
                        if !house_style(&d.message) {
                            problems
                                .push(format!("cut at byte {k}: {} `{}` breaks the house style", d.code, d.message));
                        }
                        if d.message.contains("something else") || d.message.contains('_') && d.message.contains("Rule")
                        {
                            problems.push(format!("cut at byte {k}: {} `{}` says nothing useful", d.code, d.message));
                        }
                    }
                }
                problems
            })
        })
        .collect();
    let problems: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(
        problems.is_empty(),
        "{} problems, the first:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
}
