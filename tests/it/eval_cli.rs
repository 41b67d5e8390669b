//! `docket eval` and `docket test` driven through the built binary: the JSON contract, exit codes,
//! streaming from stdin, `--now`, `--summary`, malformed lines, determinism.

use std::io::Write;
use std::process::{Command, Stdio};

const POLICY: &str = "policies/aliexpress.policy";

fn docket(args: &[&str], stdin: Option<&str>) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // The command may exit before reading (a usage error): a broken pipe is expected then.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

const LOG: &str = r#"{"case": "A-1", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "25.00", "order_total": "40.00"}
{"case": "B-2", "at": "2026-03-01T10:00:00Z", "role": "buyer", "action": "open", "reason": "not_received", "amount": 40, "order_total": "40.00", "delivery_due": "2026-03-20T00:00:00Z"}
{"case": "A-1", "at": "2026-03-02T09:00:00Z", "role": "seller", "action": "propose", "amount": "10.50"}
"#;

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn json_report_keeps_the_contract_keys_in_first_appearance_order() {
    let (out, err, code) = docket(&["eval", POLICY, "-", "--format", "json"], Some(LOG));
    assert_eq!(code, 0, "{err}");
    let cases = json_lines(&out);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0]["case"], "A-1");
    assert_eq!(cases[1]["case"], "B-2");
    for key in [
        "case",
        "status",
        "label",
        "terminal",
        "outcome",
        "fields",
        "deadlines",
        "breached",
        "allowed",
        "rejected",
        "history",
    ] {
        assert!(cases[0].get(key).is_some(), "missing key {key}");
    }
    let a = &cases[0];
    assert_eq!(a["status"], "dispute_open.negotiating");
    assert_eq!(a["terminal"], false);
    assert_eq!(a["outcome"], serde_json::Value::Null);
    assert_eq!(a["fields"]["offer"], "10.50");
    assert_eq!(a["fields"]["claim"], "25.00");
    assert_eq!(a["history"][1]["cause"], "seller propose");
    assert_eq!(a["history"][1]["at"], "2026-03-02T09:00:00Z");
    assert_eq!(a["deadlines"][0]["timer"], "auto_escalate");
    assert_eq!(a["deadlines"][0]["at"], "2026-03-16T09:00:00Z");
    assert_eq!(a["deadlines"][0]["effect"], "transition");
    assert_eq!(a["deadlines"][0]["target"], "escalated.processing");
    assert_eq!(a["allowed"]["buyer"], serde_json::json!(["accept", "modify", "cancel", "escalate"]));
    // A number amount is read exactly, never through a float.
    assert_eq!(cases[1]["fields"]["claim"], "40");
}

#[test]
fn deadlines_are_sorted_by_time_and_leave_out_false_conditions() {
    let (out, _, _) = docket(&["eval", POLICY, "-", "--format", "json"], Some(LOG));
    let cases = json_lines(&out);
    let timers: Vec<&str> =
        cases[1]["deadlines"].as_array().unwrap().iter().map(|d| d["timer"].as_str().unwrap()).collect();
    assert_eq!(timers, ["seller_response", "auto_escalate", "delivery_overdue"]);
    // A-1 is `damaged`: its delivery_overdue condition is false, and it has no delivery date anyway.
    let timers: Vec<&str> =
        cases[0]["deadlines"].as_array().unwrap().iter().map(|d| d["timer"].as_str().unwrap()).collect();
    assert_eq!(timers, ["auto_escalate"]);
}

#[test]
fn rejected_and_malformed_lines_exit_1_and_name_the_line() {
    let log = format!(
        "{LOG}not json\n{{\"case\": \"A-1\", \"at\": \"2026-03-03T09:00:00Z\", \"role\": \"buyer\"}}\n{{\"case\": \"A-1\", \"at\": \"2026-03-03T09:00:00Z\", \"role\": \"buyer\", \"action\": \"modify\", \"amount\": \"99.00\"}}\n"
    );
    let (out, err, code) = docket(&["eval", POLICY, "-"], Some(&log));
    assert_eq!(code, 1);
    // Malformed lines are notices on stderr, naming the input and the line; rejections are in the report.
    assert!(err.contains("<stdin>:4: malformed line skipped: not valid JSON"), "{err}");
    assert!(err.contains("<stdin>:5: malformed line skipped: the event has no `action` key"), "{err}");
    assert!(!out.contains("malformed line"), "{out}");
    assert!(out.contains("log line 6: buyer modify: the condition `amount <= order_total` does not hold"), "{out}");
    let (json, err, _) = docket(&["eval", POLICY, "-", "--format", "json"], Some(&log));
    let cases = json_lines(&json);
    assert_eq!(cases[0]["rejected"][0]["line"], 6);
    assert_eq!(cases[0]["rejected"][0]["action"], "modify");
    assert!(err.contains("<stdin>:4: malformed line skipped"), "{err}");
}

#[test]
fn now_fires_timers_and_holds_back_later_events() {
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json", "--now", "2026-03-01T12:00:00Z"], Some(LOG));
    assert_eq!(code, 0);
    let cases = json_lines(&out);
    assert_eq!(cases[0]["status"], "dispute_open.awaiting_seller", "the offer of 2026-03-02 has not happened yet");
    assert_eq!(cases[0]["rejected"], serde_json::json!([]));
    let (out, _, _) = docket(&["eval", POLICY, "-", "--format", "json", "--now", "2026-03-06T10:00:00Z"], Some(LOG));
    let cases = json_lines(&out);
    // B-2's seller never answered: refunded by R6 at 2026-03-06T10:00:00Z.
    assert_eq!(cases[1]["status"], "refunding.waiting");
    assert_eq!(cases[1]["history"][1]["cause"], "timer seller_response");
    assert_eq!(cases[1]["fields"]["return_required"], false);
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(docket(&["eval", POLICY, "no/such/log.jsonl"], None).2, 2);
    assert_eq!(docket(&["eval", "no/such.policy", "-"], Some(LOG)).2, 2);
    let (_, err, code) = docket(&["eval", POLICY, "-", "--now", "yesterday"], Some(LOG));
    assert_eq!(code, 2);
    assert!(err.contains("--now `yesterday` is not an RFC 3339 time"), "{err}");
    assert_eq!(docket(&["eval"], None).2, 2);
}

#[test]
fn output_is_byte_for_byte_deterministic() {
    let a = docket(&["eval", POLICY, "-", "--format", "json"], Some(LOG)).0;
    let b = docket(&["eval", POLICY, "-", "--format", "json"], Some(LOG)).0;
    assert_eq!(a, b);
    let a = docket(&["eval", POLICY, "-"], Some(LOG)).0;
    let b = docket(&["eval", POLICY, "-"], Some(LOG)).0;
    assert_eq!(a, b);
}

#[test]
fn summary_counts_cases_events_statuses_and_deadlines() {
    let (out, _, code) = docket(&["eval", POLICY, "-", "--summary", "--format", "json"], Some(LOG));
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["cases"], 2);
    assert_eq!(s["events"], 3);
    assert_eq!(s["applied"], 3);
    assert_eq!(s["by_status"]["dispute_open.negotiating"], 1);
    assert_eq!(s["by_status"]["dispute_open.awaiting_seller"], 1);
    assert_eq!(s["pending_deadlines"]["auto_escalate"], 2);
}

#[test]
fn scenarios_all_pass() {
    let (out, err, code) = docket(&["test", "tests/scenarios"], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn a_failing_scenario_shows_a_diff_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("docket-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = std::fs::canonicalize(POLICY).unwrap();
    let scenario = format!(
        "policy = {:?}\n[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"25.00\"\norder_total = \"40.00\"\n[[expect]]\nstatus = \"released\"\n",
        policy.display().to_string()
    );
    std::fs::write(dir.join("wrong.toml"), scenario).unwrap();
    let (out, _, code) = docket(&["test", dir.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(out.contains("-  \"status\": \"released\"\n    +  \"status\": \"dispute_open.awaiting_seller\""), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    let (xml, _, _) = docket(&["test", dir.to_str().unwrap(), "--format", "junit"], None);
    assert!(xml.contains("<testsuite name=\"docket\" tests=\"1\" failures=\"1\" errors=\"0\">"), "{xml}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn toml_case_files_evaluate_like_logs() {
    let dir = std::env::temp_dir().join(format!("docket-case-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("case.toml");
    std::fs::write(&file, "[[events]]\ncase = \"T\"\nat = 2026-03-01T09:00:00Z\nrole = \"buyer\"\naction = \"open\"\nreason = \"other\"\namount = \"5.00\"\norder_total = \"5.00\"\n[[events]]\ncase = \"T\"\nat = 2026-03-01T10:00:00Z\nrole = \"seller\"\naction = \"accept\"\n").unwrap();
    let (out, err, code) = docket(&["eval", POLICY, file.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(code, 0, "{err}");
    let cases = json_lines(&out);
    assert_eq!(cases[0]["status"], "refunding.waiting");
    assert_eq!(cases[0]["fields"]["return_required"], true);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_that_stops_early_is_not_an_error_and_a_full_disk_is() {
    for verb in [
        &["check", POLICY][..],
        &["table", POLICY],
        &["explain", POLICY],
        &[
            "eval",
            "tests/scenarios/semantics/clock.policy",
            "tests/scenarios/semantics/ties_fire_in_declaration_order.toml",
        ],
    ] {
        // Close our end of stdout before the command writes: it sees a broken pipe.
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(verb)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{verb:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{verb:?}: {err}");
        if std::path::Path::new("/dev/full").exists() {
            let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(verb).stdout(full).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{verb:?}: {err}");
            assert!(err.contains("cannot write the output"), "{verb:?}: {err}");
        }
    }
}

#[test]
fn a_line_cut_short_says_so() {
    let log = "{\"case\": \"A-1\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"buyer\", \"action\": \"op\n";
    let (_, err, code) = docket(&["eval", POLICY, "-"], Some(log));
    assert_eq!(code, 1);
    assert!(
        err.contains("<stdin>:1: malformed line skipped: not valid JSON: the line ends before the JSON object does"),
        "{err}"
    );
}

#[test]
fn the_check_summary_counts_only_files_it_could_read() {
    let (out, err, code) = docket(&["check", POLICY, "no/such.policy"], None);
    assert_eq!(code, 2);
    assert!(out.ends_with("0 error(s), 0 warning(s) in 1 file\n"), "{out}");
    assert!(err.contains("cannot read `no/such.policy`"), "{err}");
}

#[test]
fn a_byte_order_mark_does_not_shift_columns() {
    let dir = std::env::temp_dir().join(format!("docket-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bom.policy");
    std::fs::write(&file, "\u{feff}policy p \"P\" status").unwrap();
    let (out, _, code) = docket(&["check", file.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(code, 1);
    let diags: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The status name is missing at the end of the line: column 20 counting from `policy`, not 21.
    assert_eq!(diags[0]["line"], 1, "{diags:#}");
    assert_eq!(diags[0]["column"], 20, "{diags:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn now_now_reads_the_clock() {
    let before = chrono::Utc::now();
    let (out, err, code) = docket(&["eval", POLICY, "-", "--format", "json", "--now", "now"], Some(LOG));
    assert_eq!(code, 0, "{err}");
    let cases = json_lines(&out);
    let as_of = docket::eval::time::parse(cases[0]["as_of"].as_str().unwrap()).unwrap();
    assert!(as_of >= before - chrono::TimeDelta::seconds(1) && as_of <= chrono::Utc::now(), "{as_of}");
    // Long after the opening, the silent seller has lost (R6) and the refund is overdue.
    assert_eq!(cases[1]["status"], "refunding.waiting");
    assert_eq!(cases[1]["breached"][0]["timer"], "refund_due");
}

#[test]
fn a_toml_case_files_events_are_reported_at_their_lines_in_the_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", "policies/aliexpress.policy", "examples/case.toml", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().lines().next().unwrap()).unwrap();
    let text = std::fs::read_to_string("examples/case.toml").unwrap();
    let headers: Vec<usize> =
        text.lines().enumerate().filter(|(_, l)| l.trim() == "[[events]]").map(|(i, _)| i + 1).collect();
    assert_eq!(report["history"][0]["line"], headers[0]);
    assert_eq!(report["history"][1]["line"], headers[1]);
}

/// `eval` with the given thread count (stdout, stderr, exit code) over a log file.
/// examples/messy.jsonl `copies` times over under other case ids.
fn messy_copies(copies: usize) -> Vec<u8> {
    let messy = std::fs::read_to_string("examples/messy.jsonl").unwrap();
    let mut log = Vec::new();
    for copy in 0..copies {
        log.extend(messy.replace("\"case\": \"AE-", &format!("\"case\": \"AE{copy}-")).as_bytes());
    }
    log
}

fn eval_threads(threads: &str, log: &str, extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["eval", POLICY, log, "--threads", threads];
    args.extend_from_slice(extra);
    docket(&args, None)
}

#[test]
fn eval_gives_the_same_bytes_with_one_thread_or_several_in_every_format() {
    // A log of many batches: messy.jsonl a few hundred times over under other case ids, with a
    // byte-order mark, a line too long to be an event, a line that is not UTF-8 and blank lines.
    let messy = std::fs::read_to_string("examples/messy.jsonl").unwrap();
    let mut log: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    for copy in 0..300 {
        log.extend(messy.replace("\"case\": \"AE-", &format!("\"case\": \"AE{copy}-")).as_bytes());
        if copy == 150 {
            log.extend(format!("{{\"case\": \"long\", \"pad\": \"{}\"}}\n", "x".repeat(1 << 20)).as_bytes());
            log.extend(b"{\"case\": \"\xff\"}\n\n  \r\n");
        }
    }
    let dir = std::env::temp_dir().join(format!("docket-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let generated = dir.join("generated.jsonl");
    std::fs::write(&generated, &log).unwrap();
    assert!(log.len() > 8 << 20, "the log spans several batches");
    for file in ["examples/messy.jsonl", generated.to_str().unwrap()] {
        for extra in [
            &["--format", "text"][..],
            &["--format", "json"],
            &["--format", "csv"],
            &["--summary"],
            &["--summary", "--format", "json"],
        ] {
            let one = eval_threads("1", file, extra);
            assert_eq!(one.2, 1, "{file} {extra:?}: malformed lines and rejections exit 1");
            assert!(one.1.contains("malformed line skipped"), "{file} {extra:?}");
            // Two and three threads split the cases two and three ways, each merged back.
            for threads in ["2", "3"] {
                let several = eval_threads(threads, file, extra);
                assert!(one == several, "{file} {extra:?}: --threads 1 and --threads {threads} differ");
            }
            if file != "examples/messy.jsonl" && extra == ["--format", "json"] {
                // Cases are rendered in chunks of 1,024 on the threads: these are many chunks.
                assert!(one.0.lines().count() > 8 * 1024, "{}", one.0.lines().count());
            }
            if file != "examples/messy.jsonl" && extra == ["--summary"] {
                assert!(one.1.contains("longer than 1024 KiB") && one.1.contains("not valid UTF-8"));
            }
        }
    }
    // The default uses the machine's cores and gives the same; `--threads 0` is a usage error.
    let gen_path = generated.to_str().unwrap();
    assert_eq!(docket(&["eval", POLICY, gen_path, "--summary"], None), eval_threads("1", gen_path, &["--summary"]));
    assert_eq!(eval_threads("0", gen_path, &[]).2, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_that_stops_early_stops_every_render_thread() {
    // Thousands of cases, megabytes of reports: far more than a pipe holds, in many chunks.
    let dir = std::env::temp_dir().join(format!("docket-head-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    std::fs::write(&log, messy_copies(100)).unwrap();
    for threads in ["1", "2", "3"] {
        for format in ["json", "text", "csv"] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
                .args(["eval", POLICY, log.to_str().unwrap(), "--format", format, "--threads", threads])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // Read the start, as `| head -c 100` does, then close the pipe.
            let mut start = [0u8; 100];
            std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut start).unwrap();
            drop(child.stdout.take());
            let began = std::time::Instant::now();
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if began.elapsed() > std::time::Duration::from_secs(60) {
                    child.kill().unwrap();
                    panic!("--threads {threads} --format {format}: still running a minute after its reader left");
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            };
            assert_eq!(status.code(), Some(0), "--threads {threads} --format {format}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
