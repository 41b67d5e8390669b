//! The authoring tools through the built binary: `set` and `get`, `graph`, `completions`, `man`; the
//! editor grammar against the pest grammar; the CI and pre-commit recipes against the real verbs.
//! `BLESS=1 cargo test` rewrites `docs/graph/aliexpress.dot` from `docket graph`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const POLICY: &str = "policies/aliexpress.policy";

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// A private copy of a policy in its own temporary directory, removed when dropped.
struct Scratch {
    dir: PathBuf,
    file: PathBuf,
}

impl Scratch {
    fn new(text: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("docket-authoring-{}-{n}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("policy.policy");
        fs::write(&file, text).unwrap();
        Scratch { dir, file }
    }

    fn path(&self) -> &str {
        self.file.to_str().unwrap()
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.file).unwrap()
    }

    /// Files left in the directory besides the policy (a temporary file would be a leak).
    fn others(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "policy.policy")
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn aliexpress() -> String {
    fs::read_to_string(POLICY).unwrap()
}

// ---- set and get ----

/// The 1-based line of the policy that contains `needle`, and that line.
fn line_of(text: &str, needle: &str) -> (usize, String) {
    let (i, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).unwrap();
    (i + 1, line.to_string())
}

#[test]
fn set_changes_exactly_one_token() {
    let before = aliexpress();
    let scratch = Scratch::new(&before);
    let (n, line) = line_of(&before, "seller_response ");
    let col = line.find("5d").unwrap() + 1;
    let (out, err, code) = docket(&["set", scratch.path(), "seller_response", "7d"]);
    assert_eq!(code, 0, "{err}");
    // The confirmation goes to stderr; stdout carries only requested output.
    assert_eq!(out, "");
    assert!(err.contains(&format!(":{n}:{col}: `seller_response` changed from 5d to 7d")), "{err}");
    let after = scratch.text();
    let changed: Vec<(&str, &str)> = before.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(before.lines().count(), after.lines().count());
    assert_eq!(changed, [(line.as_str(), line.replacen("5d", "7d", 1).as_str())]);
    // Byte for byte, only the token differs: same length here, one byte changed.
    assert_eq!(before.len(), after.len());
    assert_eq!(before.bytes().zip(after.bytes()).filter(|(a, b)| a != b).count(), 1);
    assert!(scratch.others().is_empty(), "left behind: {:?}", scratch.others());
}

#[test]
fn set_keeps_everything_else_when_the_token_grows() {
    let before = aliexpress();
    let scratch = Scratch::new(&before);
    let (_, err, code) = docket(&["set", scratch.path(), "auto_escalate", "2w1d12h"]);
    assert_eq!(code, 0, "{err}");
    let (_, line) = line_of(&before, "auto_escalate ");
    assert_eq!(scratch.text(), before.replacen(&line, &line.replacen("15d", "2w1d12h", 1), 1));
    let (out, _, _) = docket(&["check", scratch.path()]);
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
}

#[test]
fn get_and_set_round_trip() {
    let scratch = Scratch::new(&aliexpress());
    let (out, _, code) = docket(&["get", scratch.path(), "seller_response"]);
    assert_eq!((out.as_str(), code), ("5d\n", 0));
    for duration in ["7d", "36h", "1d12h", "90m", "1w"] {
        let (_, err, code) = docket(&["set", scratch.path(), "seller_response", duration]);
        assert_eq!(code, 0, "{duration}: {err}");
        let (out, _, code) = docket(&["get", scratch.path(), "seller_response"]);
        assert_eq!((out.trim(), code), (duration, 0));
    }
    let (out, _, code) = docket(&["get", scratch.path(), "seller_response", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (n, _) = line_of(&aliexpress(), "seller_response ");
    assert_eq!(json, serde_json::json!({"timer": "seller_response", "duration": "1w", "seconds": 604800, "line": n}));
}

#[test]
fn get_without_a_timer_lists_every_timer() {
    let (out, _, code) = docket(&["get", POLICY]);
    assert_eq!(code, 0);
    assert!(out.starts_with("seller_response    5d\n"), "{out}");
    assert!(out.contains("delivery_overdue   at delivery_due\n"), "{out}");
    let (out, _, _) = docket(&["get", POLICY, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 9);
    let (n, _) = line_of(&aliexpress(), "delivery_overdue ");
    let expected = serde_json::json!({"timer": "delivery_overdue", "duration": null, "seconds": null, "at": "delivery_due", "line": n});
    assert_eq!(json[3], expected);
}

#[test]
fn setting_the_same_duration_writes_nothing() {
    let scratch = Scratch::new(&aliexpress());
    let (out, err, code) = docket(&["set", scratch.path(), "seller_response", "5d"]);
    assert_eq!((out.as_str(), code), ("", 0));
    assert!(err.contains("is already 5d; nothing changed"), "{err}");
    assert_eq!(scratch.text(), aliexpress());
}

#[test]
fn dry_run_shows_the_line_and_writes_nothing() {
    let scratch = Scratch::new(&aliexpress());
    let (out, _, code) = docket(&["set", scratch.path(), "refund_due", "14d", "--dry-run"]);
    assert_eq!(code, 0);
    let (_, line) = line_of(&aliexpress(), "refund_due ");
    assert!(out.contains("would change from 10d to 14d"), "{out}");
    assert!(out.contains(&format!("\n-{line}\n")), "{out}");
    assert!(out.contains(&format!("\n+{}\n", line.replacen("10d", "14d", 1))), "{out}");
    assert_eq!(scratch.text(), aliexpress());
}

#[test]
fn unknown_timer_is_a_usage_error_with_a_suggestion() {
    let scratch = Scratch::new(&aliexpress());
    let (out, err, code) = docket(&["set", scratch.path(), "seller_respons", "7d"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("error: there is no timer `seller_respons` in the `timers` block"), "{err}");
    let (n, _) = line_of(&aliexpress(), "seller_response ");
    assert!(err.contains(&format!("policy.policy:{n}:3")), "points at the suggested timer: {err}");
    assert!(err.contains("help: did you mean `seller_response`?"), "{err}");
    assert_eq!(scratch.text(), aliexpress());
    // Far from every name: the help lists them.
    let (_, err, code) = docket(&["get", scratch.path(), "zzzzzzzz"]);
    assert_eq!(code, 2);
    assert!(err.contains("help: the timers are `seller_response`, `escalation_opens`"), "{err}");
}

#[test]
fn a_timer_that_fires_at_a_field_has_no_duration_to_set() {
    let scratch = Scratch::new(&aliexpress());
    let (_, err, code) = docket(&["set", scratch.path(), "delivery_overdue", "3d"]);
    assert_eq!(code, 2);
    assert!(err.contains("timer `delivery_overdue` fires `at` the time in field `delivery_due`"), "{err}");
    let (n, line) = line_of(&aliexpress(), "delivery_overdue ");
    let col = line.find("delivery_due").unwrap() + 1;
    assert!(err.contains(&format!("policy.policy:{n}:{col}")), "{err}");
    assert_eq!(scratch.text(), aliexpress());
    let (_, _, code) = docket(&["get", scratch.path(), "delivery_overdue"]);
    assert_eq!(code, 2);
}

#[test]
fn invalid_durations_are_refused() {
    let scratch = Scratch::new(&aliexpress());
    for (duration, reason) in [
        ("0d", "a timer must last at least one second"),
        ("-5d", "a timer cannot last a negative time"),
        ("5", "the number has no unit"),
        ("1d12", "the last number has no unit"),
        ("5x", "`x` is not a unit"),
        ("5D", "units are lowercase"),
        ("d", "the unit `d` needs a number before it"),
        ("1.5d", "`.` cannot appear in a duration"),
        ("99999w", "the longest duration is 100 years"),
    ] {
        let (_, err, code) = docket(&["set", scratch.path(), "seller_response", duration]);
        assert_eq!(code, 2, "{duration}");
        assert!(err.contains(&format!("error: `{duration}` is not a valid duration: {reason}")), "{duration}: {err}");
        assert!(err.contains("help: write a number and a unit"), "{err}");
    }
    assert_eq!(scratch.text(), aliexpress());
}

#[test]
fn a_policy_with_errors_is_not_edited() {
    let broken = aliexpress().replacen("-> withdrawn", "-> withdrawm", 1);
    let scratch = Scratch::new(&broken);
    let (_, err, code) = docket(&["set", scratch.path(), "seller_response", "7d"]);
    assert_eq!(code, 2);
    assert!(err.contains("withdrawm"), "the checker's diagnostics are shown: {err}");
    assert!(err.contains("has problems, so it was not edited"), "{err}");
    assert_eq!(scratch.text(), broken);
}

#[test]
fn set_and_get_report_unreadable_files() {
    let (_, err, code) = docket(&["set", "no/such.policy", "seller_response", "7d"]);
    assert_eq!(code, 2);
    assert!(err.contains("error: cannot read `no/such.policy`: no such file"), "{err}");
    let (_, err, code) = docket(&["get", "policies", "seller_response"]);
    assert_eq!(code, 2);
    assert!(err.contains("is a directory"), "{err}");
    let scratch = Scratch::new("policy x \"X\"\ntimers {\n  t = 5d\n}\nstatus");
    let (out, err, code) = docket(&["get", scratch.path(), "t"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("policy.policy:5:7"), "the syntax error is shown: {err}");
    assert!(err.contains("has problems; run `docket check` on it"), "{err}");
}

// ---- graph ----

fn status_paths() -> Vec<String> {
    let compiled = docket::compile_file(docket::span::SourceFile::new(POLICY, aliexpress()));
    compiled.table.unwrap().statuses.iter().map(|s| s.path.clone()).collect()
}

#[test]
fn graph_dot_draws_every_status_and_is_deterministic() {
    let (dot, err, code) = docket(&["graph", POLICY]);
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("digraph \"aliexpress_dispute\" {"));
    for path in status_paths() {
        assert!(dot.contains(&format!("\"{path}\" [")), "no node for {path}");
    }
    for parent in ["dispute_open", "escalated", "refunding"] {
        assert!(dot.contains(&format!("subgraph \"cluster_{parent}\"")), "no cluster for {parent}");
    }
    assert_eq!(docket(&["graph", POLICY]).0, dot);
    assert_eq!(docket(&["graph", POLICY, "--format", "dot"]).0, dot);
}

#[test]
fn graph_draws_a_parent_rule_once_from_the_parent() {
    let (dot, _, _) = docket(&["graph", POLICY]);
    let cancels: Vec<&str> = dot.lines().filter(|l| l.contains("label=\"buyer cancel\\l\"")).collect();
    assert_eq!(cancels.len(), 2, "{cancels:#?}");
    assert!(cancels[0].starts_with("  \"dispute_open\" -> \"withdrawn\""), "{}", cancels[0]);
    assert!(cancels[0].contains("ltail=\"cluster_dispute_open\""));
    assert!(cancels[1].starts_with("  \"escalated\" -> \"withdrawn\""), "{}", cancels[1]);
}

#[test]
fn graph_styles_timers_automatic_transitions_deadlines_and_outcomes() {
    let (dot, _, _) = docket(&["graph", POLICY]);
    let line = |needle: &str| dot.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no {needle}"));
    let timer = line("after seller_response (5d)");
    assert!(timer.starts_with("  \"dispute_open.awaiting_seller\" -> \"refunding\""), "{timer}");
    assert!(timer.contains("style=dashed"));
    let auto = line("when refund == 0");
    assert!(auto.contains("style=dotted"), "{auto}");
    let guarded = line("label=\"platform request_evidence\\lwhen from == buyer");
    assert!(guarded.contains("-> \"escalated.awaiting_buyer\""), "{guarded}");
    // An SLA deadline is a note on its status, never an edge.
    assert!(line("\"refunding\" [shape=plaintext").contains("deadline refund_due (10d)"));
    assert!(!dot.lines().any(|l| l.contains("->") && l.contains("refund_due")));
    let refunded = line("\"refunded\" [");
    assert!(refunded.contains("peripheries=2") && refunded.contains("outcome refund_buyer(refund)"), "{refunded}");
}

#[test]
fn graph_mermaid_is_a_flowchart_with_every_status() {
    let (mermaid, err, code) = docket(&["graph", POLICY, "--format", "mermaid"]);
    assert_eq!(code, 0, "{err}");
    assert!(mermaid.starts_with("flowchart") || mermaid.starts_with("stateDiagram-v2"), "{mermaid}");
    for path in status_paths() {
        assert!(mermaid.contains(&format!("<small>{path}</small>")), "no node for {path}");
    }
    assert!(mermaid.contains("subgraph c_s_dispute_open"));
    assert!(mermaid.contains("s_dispute_open__awaiting_seller -.->|\"after seller_response (5d)\"| s_refunding"));
    assert!(mermaid.contains("linkStyle "));
    assert_eq!(docket(&["graph", POLICY, "--format", "mermaid"]).0, mermaid);
}

#[test]
fn graph_refuses_a_broken_policy() {
    let scratch = Scratch::new(&aliexpress().replacen("-> withdrawn", "-> withdrawm", 1));
    let (out, err, code) = docket(&["graph", scratch.path()]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("has problems"), "{err}");
}

#[test]
fn the_committed_aliexpress_graph_is_up_to_date() {
    let (dot, _, code) = docket(&["graph", POLICY]);
    assert_eq!(code, 0);
    let path = "docs/graph/aliexpress.dot";
    if std::env::var_os("BLESS").is_some() {
        fs::write(path, &dot).unwrap();
    }
    let committed = fs::read_to_string(path).unwrap();
    if committed != dot {
        let diff =
            similar::TextDiff::from_lines(&committed, &dot).unified_diff().header(path, "docket graph").to_string();
        panic!(
            "{path} is stale; run `BLESS=1 cargo test`, then redraw the images as docs/graph/README.md says:\n{diff}"
        );
    }
}

// ---- completions and man ----

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (out, err, code) = docket(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("docket"), "{shell}");
    }
    let (bash, _, _) = docket(&["completions", "bash"]);
    for verb in ["check", "eval", "set", "get", "graph", "completions", "man"] {
        assert!(bash.contains(verb), "bash completion lacks {verb}");
    }
    let (_, err, code) = docket(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

#[test]
fn man_pages() {
    let (out, err, code) = docket(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(".ie"), "roff: {}", &out[..40.min(out.len())]);
    assert!(out.contains(".TH docket 1"), "{out}");
    assert!(out.contains("docket"));
    let (out, _, code) = docket(&["man", "set"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH docket-set 1"), "{out}");
    assert!(out.contains("seller_response 7d"), "the page keeps the example: {out}");
    let (_, err, code) = docket(&["man", "grap"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `graph`?"), "{err}");
}

/// The verbs `docket --help` lists.
fn all_verbs() -> Vec<String> {
    let (help, _, _) = docket(&["--help"]);
    let commands = &help[help.find("Commands:\n").unwrap() + "Commands:\n".len()..];
    commands
        .lines()
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .filter(|v| v != "help")
        .collect()
}

#[test]
fn every_verb_help_has_an_example() {
    let verbs = all_verbs();
    assert!(verbs.len() >= 12, "{verbs:?}");
    for verb in &verbs {
        let (out, err, code) = docket(&[verb, "--help"]);
        assert_eq!(code, 0, "{verb}: {err}");
        assert!(out.contains("Example"), "{verb} --help has no example:\n{out}");
    }
}

// ---- editor grammar ----

fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `match` and `begin` regex in a TextMate grammar.
fn regexes(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("match" | "begin", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => regexes(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| regexes(v, out)),
        _ => {}
    }
}

/// The words of the pest grammar's `keyword` rule.
fn pest_keywords() -> Vec<String> {
    let pest = fs::read_to_string("grammar/policy.pest").unwrap();
    let start = pest.find("\nkeyword").expect("grammar/policy.pest has a `keyword` rule");
    let rule = &pest[start..];
    let end = rule.find("ident_char }").expect("the keyword rule ends with `!ident_char }`");
    let words: Vec<String> = rule[..end].split('"').skip(1).step_by(2).map(str::to_string).collect();
    assert!(words.len() >= 20, "{words:?}");
    words
}

#[test]
fn textmate_grammar_covers_every_keyword() {
    let grammar = read_json("editors/docket.tmLanguage.json");
    assert_eq!(grammar["scopeName"], "source.docket");
    assert_eq!(grammar["fileTypes"], serde_json::json!(["policy"]));
    let mut patterns = Vec::new();
    regexes(&grammar, &mut patterns);
    let words: std::collections::BTreeSet<String> = patterns
        .iter()
        .flat_map(|p| p.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map(str::to_string))
        .collect();
    let missing: Vec<String> = pest_keywords().into_iter().filter(|k| !words.contains(k)).collect();
    assert!(missing.is_empty(), "keywords of grammar/policy.pest missing from the TextMate grammar: {missing:?}");
    for other in [
        "at",
        "on",
        "entry",
        "time_in",
        "time_since",
        "money",
        "time",
        "bool",
        "int",
        "text",
        "duration",
        "calendar",
        "zone",
        "weekend",
        "holidays",
        "hours",
        "in",
        "by",
        "to",
        "restart",
        "pause",
        "any",
        "end_of_day",
        "start_of_day",
        "at_time",
    ] {
        assert!(words.contains(other), "{other}");
    }
}

#[test]
fn vscode_extension_ships_the_same_grammar() {
    let package = read_json("editors/vscode/package.json");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.docket");
    assert_eq!(package["contributes"]["languages"][0]["extensions"], serde_json::json!([".policy"]));
    let path = Path::new("editors/vscode").join(grammar["path"].as_str().unwrap());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        fs::read_to_string("editors/docket.tmLanguage.json").unwrap(),
        "{} differs from editors/docket.tmLanguage.json; copy it over",
        path.display()
    );
    read_json("editors/vscode/language-configuration.json");
}

#[test]
fn editor_sample_checks_clean() {
    let (out, err, code) = docket(&["check", "editors/sample.policy"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
}

// ---- CI recipes ----

/// Verbs being written elsewhere: the recipes may call them before they exist.
const PENDING_VERBS: &[&str] = &["diff", "fmt"];

/// The verbs a shell command line calls: the word after each `docket`.
fn verbs_in(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    words.windows(2).filter(|w| w[0] == "docket" && !w[1].starts_with('-')).map(|w| w[1].to_string()).collect()
}

fn assert_real_verbs(verbs: &[String], origin: &str) {
    assert!(!verbs.is_empty(), "{origin} runs no docket verb");
    for verb in verbs {
        let (_, err, code) = docket(&[verb, "--help"]);
        assert!(
            code == 0 || PENDING_VERBS.contains(&verb.as_str()),
            "{origin} runs `docket {verb}`, which is not a verb: {err}"
        );
    }
}

fn yaml(path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn workflow_steps() -> Vec<serde_yaml::Value> {
    let workflow = yaml(".github/workflows/docket.yml");
    let jobs = workflow["jobs"].as_mapping().unwrap();
    jobs.values().flat_map(|job| job["steps"].as_sequence().unwrap().clone()).collect()
}

#[test]
fn workflow_runs_real_verbs() {
    let steps = workflow_steps();
    let scripts: Vec<String> = steps.iter().filter_map(|s| s["run"].as_str().map(str::to_string)).collect();
    let verbs: Vec<String> = scripts.iter().flat_map(|s| verbs_in(s)).collect();
    assert_real_verbs(&verbs, ".github/workflows/docket.yml");
    for verb in ["check", "test", "diff", "eval"] {
        assert!(verbs.iter().any(|v| v == verb), "the workflow never runs `docket {verb}`");
    }
    let all = scripts.join("\n");
    assert!(all.contains("docket check --format sarif policies/*.policy > docket.sarif"));
    assert!(all.contains("docket test --format junit > docket-junit.xml"));
    assert!(all.contains("docket diff \"origin/$BASE:$f\" \"$f\""));
    assert!(all.contains("docket diff --format github \"origin/$BASE:$f\" \"$f\""));
    // The files the steps write are the files the upload steps read, also after a failure.
    let upload = |action: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
            .unwrap_or_else(|| panic!("no {action} step"))
    };
    let sarif = upload("github/codeql-action/upload-sarif@");
    assert_eq!(sarif["with"]["sarif_file"].as_str(), Some("docket.sarif"));
    assert_eq!(sarif["if"].as_str(), Some("always()"));
    let junit = upload("actions/upload-artifact@");
    assert_eq!(junit["with"]["path"].as_str(), Some("docket-junit.xml"));
    assert_eq!(junit["if"].as_str(), Some("always()"));
    let workflow = yaml(".github/workflows/docket.yml");
    assert_eq!(workflow["permissions"]["security-events"].as_str(), Some("write"), "upload-sarif needs it");
    for script in &scripts {
        let status = Command::new("bash").args(["-n", "-c", script]).status().unwrap();
        assert!(status.success(), "bash cannot parse:\n{script}");
    }
}

/// Run a workflow step's script with the built `docket` on the PATH, in `dir` (the repository
/// when `None`).
fn run_step(name: &str, dir: Option<&Path>, edit: impl Fn(&str) -> String) -> std::process::Output {
    let steps = workflow_steps();
    let step = steps.iter().find(|s| s["name"].as_str() == Some(name)).unwrap_or_else(|| panic!("no step {name}"));
    let script = edit(step["run"].as_str().unwrap());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_docket")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("bash");
    command.args(["-eo", "pipefail", "-c", &script]).env("PATH", path);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.output().unwrap()
}

#[test]
fn workflow_check_step_passes_on_the_bundled_policies() {
    // In a directory of its own, holding the policies, so the log it writes is not left behind.
    let scratch = Scratch::new("");
    std::os::unix::fs::symlink(fs::canonicalize("policies").unwrap(), scratch.dir.join("policies")).unwrap();
    let out = run_step("Check policies", Some(&scratch.dir), str::to_string);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Clean policies give a SARIF log without results.
    let log: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(scratch.dir.join("docket.sarif")).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn workflow_replay_step_passes_on_the_recorded_cases_and_fails_on_rejected_events() {
    let out = run_step("Replay recorded cases", None, str::to_string);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The same step over a log with rejected events fails, and says why.
    let out = run_step("Replay recorded cases", None, |s| s.replace("examples/cases.jsonl", "examples/messy.jsonl"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "examples/messy.jsonl:196: malformed line skipped: an event must be a JSON object\n\
         docket: failing because 7 events were rejected (--fail-on rejected,stuck)\n"
    );
}

#[test]
fn workflow_coverage_step_passes_on_the_bundled_scenarios_and_keeps_its_report() {
    // In a directory of its own, holding the scenarios and policies, so the report it writes is
    // not left behind.
    let scratch = Scratch::new("");
    for d in ["policies", "tests"] {
        std::os::unix::fs::symlink(fs::canonicalize(d).unwrap(), scratch.dir.join(d)).unwrap();
    }
    let out = run_step("Scenario coverage", Some(&scratch.dir), str::to_string);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("by 43 scenario(s): 100.0% (60 of 60 items)"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(scratch.dir.join("docket-coverage.json")).unwrap()).unwrap();
    assert_eq!(report["policies"].as_array().unwrap().len(), 3);
    let steps = workflow_steps();
    let keep = steps
        .iter()
        .find(|s| s["with"]["path"].as_str() == Some("docket-coverage.json"))
        .expect("a step keeps docket-coverage.json");
    assert_eq!(keep["if"].as_str(), Some("always()"), "kept also when coverage is short");
}

#[test]
fn pre_commit_hooks_run_real_verbs() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["docket-check", "docket-fmt", "docket-test"]);
    for hook in hooks {
        let id = hook["id"].as_str().unwrap();
        let entry = hook["entry"].as_str().unwrap();
        assert_eq!(hook["language"].as_str(), Some("rust"), "{id}");
        assert!(hook["name"].as_str().is_some(), "{id} has no name");
        assert_real_verbs(&verbs_in(entry), id);
        assert_eq!(verbs_in(entry), [id.trim_start_matches("docket-")], "{id} runs {entry}");
    }
    let fmt = hooks.iter().find(|h| h["id"].as_str() == Some("docket-fmt")).unwrap();
    assert_eq!(fmt["entry"].as_str(), Some("docket fmt --check"));
    let test = hooks.iter().find(|h| h["id"].as_str() == Some("docket-test")).unwrap();
    assert_eq!(test["pass_filenames"].as_bool(), Some(false), "docket test takes directories, not the staged files");
}

#[test]
fn the_readme_ci_recipes_stand_in_the_files() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let files = std::fs::read_to_string(".github/workflows/docket.yml").unwrap()
        + &std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap();
    let section = &readme[readme.find("## In CI").unwrap()..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |i| i + 1)];
    let mut snippets = 0;
    for block in section.split("```yaml\n").skip(1) {
        let block = &block[..block.find("```").unwrap()];
        snippets += 1;
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let bare = line.trim_start_matches("- ");
            assert!(files.contains(bare), "README line `{line}` is not in the workflow or the hooks file");
        }
    }
    assert_eq!(snippets, 2);
}
