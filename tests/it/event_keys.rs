//! Events the policy does not know: an unknown key (a misspelt parameter) rejects its event with a
//! "did you mean", as an unknown role, action or enum value does; `--allow-keys` and a scenario's
//! `allow_keys` accept and ignore keys a feed carries on purpose.

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
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn reports(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A not-received case whose delivery date is misspelt: today it would open without one, and
/// `delivery_overdue` would never be armed.
const MISSPELT: &str = r#"{"case": "A", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "not_received", "amount": "5.00", "order_total": "5.00", "delivry_due": "2026-03-03T00:00:00Z"}
"#;

#[test]
fn a_misspelt_parameter_rejects_the_event_with_a_suggestion() {
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json"], Some(MISSPELT));
    assert_eq!(code, 1);
    let case = &reports(&out)[0];
    assert_eq!(case["status"], "ordered");
    assert_eq!(
        case["rejected"][0]["reason"],
        "unknown key `delivry_due` for `buyer open`; did you mean `delivery_due`?"
    );
    let (text, _, _) = docket(&["eval", POLICY, "-"], Some(MISSPELT));
    assert!(
        text.contains(
            "log line 1: buyer open: unknown key `delivry_due` for `buyer open`; did you mean `delivery_due`?"
        ),
        "{text}"
    );
}

#[test]
fn a_key_far_from_every_parameter_lists_the_parameters_and_the_other_unknown_keys() {
    let log = r#"{"case": "A", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "5", "order_total": "5", "source": "web", "trace": 7}
{"case": "B", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "5", "order_total": "5"}
{"case": "B", "at": "2026-03-01T10:00:00Z", "role": "seller", "action": "accept", "source": "web"}
"#;
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json"], Some(log));
    assert_eq!(code, 1);
    let cases = reports(&out);
    assert_eq!(
        cases[0]["rejected"][0]["reason"],
        "unknown key `source` for `buyer open`; its parameters are reason, amount, order_total, delivery_due (also unknown: `trace`)"
    );
    assert_eq!(
        cases[1]["rejected"][0]["reason"],
        "unknown key `source` for `seller accept`, which takes no parameters"
    );
    assert_eq!(cases[1]["status"], "dispute_open.awaiting_seller", "the rejected accept changed nothing");
}

#[test]
fn allow_keys_accepts_and_ignores_the_keys_named() {
    let log = r#"{"case": "A", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "5", "order_total": "5", "source": "web", "trace": 7}
{"case": "A", "at": "2026-03-01T10:00:00Z", "role": "seller", "action": "accept", "source": "web"}
"#;
    for args in [&["--allow-keys", "source,trace"][..], &["--allow-keys", "source", "--allow-keys", "trace"]] {
        let mut argv = vec!["eval", POLICY, "-", "--format", "json"];
        argv.extend_from_slice(args);
        let (out, err, code) = docket(&argv, Some(log));
        assert_eq!(code, 0, "{args:?}: {err}");
        let case = &reports(&out)[0];
        assert_eq!(case["status"], "refunding.waiting", "{args:?}");
        assert_eq!(case["rejected"], serde_json::json!([]));
    }
    // Only the keys named: another one still rejects its event.
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json", "--allow-keys", "source"], Some(log));
    assert_eq!(code, 1);
    assert!(reports(&out)[0]["rejected"][0]["reason"].as_str().unwrap().starts_with("unknown key `trace`"), "{out}");
}

#[test]
fn unknown_roles_actions_and_enum_values_suggest_the_close_name() {
    let log = r#"{"case": "A", "at": "2026-03-01T09:00:00Z", "role": "buyr", "action": "open"}
{"case": "B", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "opn"}
{"case": "C", "at": "2026-03-01T09:00:00Z", "role": "platform", "action": "open"}
{"case": "D", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damagd", "amount": "5", "order_total": "5"}
{"case": "E", "at": "2026-03-01T09:00:00Z", "role": "courier", "action": "open"}
{"case": "F", "at": "2026-03-01T09:00:00Z", "role": "seller", "action": "dance"}
"#;
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json"], Some(log));
    assert_eq!(code, 1);
    let reasons: Vec<String> =
        reports(&out).iter().map(|c| c["rejected"][0]["reason"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        reasons,
        [
            "unknown role `buyr`; did you mean `buyer`?",
            "role `buyer` has no action `opn`; did you mean `open`?",
            "role `platform` has no action `open`; it is an action of `buyer`",
            "parameter `reason` is `damagd`, not one of not_received, not_as_described, damaged, wrong_item, other; did you mean `damaged`?",
            "unknown role `courier`; the policy's roles are buyer, seller, platform",
            "role `seller` has no action `dance`; its actions are accept, reject, propose, submit_evidence",
        ]
    );
}

#[test]
fn the_bundled_logs_have_no_unknown_key_and_keep_their_results() {
    // cases.jsonl applies every event; messy.jsonl's rejections are the seven it always had, none
    // of them about a key.
    let (out, err, code) = docket(&["eval", POLICY, "examples/cases.jsonl", "--summary", "--format", "json"], None);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((s["cases"].as_u64(), s["rejected"].as_u64()), (Some(39), Some(0)));
    let (out, _, code) = docket(&["eval", POLICY, "examples/messy.jsonl", "--format", "json"], None);
    assert_eq!(code, 1);
    let rejected: Vec<serde_json::Value> =
        reports(&out).iter().flat_map(|c| c["rejected"].as_array().unwrap().clone()).collect();
    assert_eq!(rejected.len(), 7);
    assert!(rejected.iter().all(|r| !r["reason"].as_str().unwrap().contains("unknown key")), "{rejected:#?}");
}

/// A scenario directory with one file, removed when dropped.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("docket-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.toml"), text).unwrap();
        Dir(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scenario(head: &str) -> String {
    let policy = std::fs::canonicalize(POLICY).unwrap();
    format!(
        "policy = {:?}\n{head}\n[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"5.00\"\norder_total = \"5.00\"\nsource = \"web\"\n\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n",
        policy.display().to_string()
    )
}

#[test]
fn a_scenario_allows_keys_with_allow_keys_or_the_command_line() {
    let dir = Dir::new("scenario", &scenario("allow_keys = [\"source\"]"));
    let (out, _, code) = docket(&["test", dir.path()], None);
    assert_eq!(code, 0, "{out}");
    let dir = Dir::new("cli", &scenario(""));
    let (out, _, code) = docket(&["test", dir.path(), "--allow-keys", "source"], None);
    assert_eq!(code, 0, "{out}");
    let dir = Dir::new("bad", &scenario("allow_keys = \"source\""));
    let (out, _, code) = docket(&["test", dir.path()], None);
    assert_eq!(code, 1);
    assert!(out.contains("`allow_keys` must be a list of event keys: [\"source\"]"), "{out}");
}

#[test]
fn explain_and_diff_take_allow_keys_too() {
    let dir = Dir::new("explain", "");
    let log = dir.0.join("log.jsonl");
    std::fs::write(
        &log,
        r#"{"case": "A", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "5", "order_total": "5", "source": "web"}
"#,
    )
    .unwrap();
    let log = log.to_str().unwrap();
    let (out, _, code) = docket(&["explain", POLICY, "--case", "A", "--events", log], None);
    assert_eq!(code, 0);
    assert!(out.contains("unknown key `source` for `buyer open`"), "{out}");
    let (out, err, code) = docket(&["explain", POLICY, "--case", "A", "--events", log, "--allow-keys", "source"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("now in dispute_open.awaiting_seller"), "{out}");
    assert!(!out.contains("unknown key"), "{out}");
    let (_, err, code) =
        docket(&["diff", POLICY, POLICY, "--cases", log, "--allow-keys", "source", "--format", "json"], None);
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = docket(&["diff", POLICY, POLICY, "--allow-keys", "source"], None);
    assert_eq!(code, 2, "--allow-keys needs --cases: {err}");
    // The migration preview: an open case whose opening is rejected is no open case.
    let migrate = |extra: &[&str]| {
        let mut args = vec![
            "migrate",
            "examples/aliexpress-7d.migration.toml",
            POLICY,
            "tests/scenarios/versions/aliexpress_2026_12.policy",
            "--cases",
            log,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let (out, err, _) = docket(&args, None);
        serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
    };
    let without = migrate(&[]).to_string();
    let with = migrate(&["--allow-keys", "source"]).to_string();
    assert_ne!(without, with, "the case opened only with the key allowed");
    assert!(with.contains("\"from\":\"refunding.waiting\""), "the seller let the 5 days pass: {with}");
}

#[test]
fn a_hostile_event_with_thousands_of_unknown_keys_gets_a_short_reason() {
    let keys: String = (0..3000).map(|i| format!(", \"k{i}\": {i}")).collect();
    let log = format!(
        "{{\"case\": \"A\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"seller\", \"action\": \"accept\"{keys}}}\n"
    );
    let (out, _, code) = docket(&["eval", POLICY, "-", "--format", "json"], Some(&log));
    assert_eq!(code, 1);
    let reason = reports(&out)[0]["rejected"][0]["reason"].as_str().unwrap().to_string();
    assert_eq!(
        reason,
        "unknown key `k0` for `seller accept`, which takes no parameters (also unknown: `k1`, `k2`, `k3`, `k4`, `k5`, and 2994 more)"
    );
}
