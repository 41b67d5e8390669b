//! `docket table` and every verb's `--help`.

use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

#[test]
fn the_table_resolves_inherited_rules_per_status_with_their_lines() {
    let (out, err, code) = docket(&["table", "policies/aliexpress.policy", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let table: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses = table.as_array().unwrap();
    let paths: Vec<&str> = statuses.iter().map(|s| s["status"].as_str().unwrap()).collect();
    // Only statuses a case can rest in: parents are resolved into their children.
    assert!(paths.contains(&"dispute_open.negotiating") && !paths.contains(&"dispute_open"), "{paths:?}");
    let negotiating = statuses.iter().find(|s| s["status"] == "dispute_open.negotiating").unwrap();
    let cancel = negotiating["actions"].as_array().unwrap().iter().find(|a| a["action"] == "cancel").unwrap();
    assert_eq!(cancel["transitions"][0]["declared_in"], "dispute_open");
    assert_eq!(cancel["transitions"][0]["target"], "withdrawn");
    assert!(cancel["transitions"][0]["line"].as_u64().unwrap() > 0);
    let timers: Vec<&str> =
        negotiating["timers"].as_array().unwrap().iter().map(|t| t["timer"].as_str().unwrap()).collect();
    assert_eq!(timers, ["auto_escalate", "delivery_overdue"], "the seller's timer is not armed while negotiating");
    let (text, _, _) = docket(&["table", "policies/aliexpress.policy"]);
    assert!(text.contains("dispute_open.awaiting_seller \"Awaiting the seller's confirmation\"\n"), "{text}");
    assert!(
        text.contains("timer seller_response (5d after entering dispute_open.awaiting_seller) transition"),
        "{text}"
    );
}

#[test]
fn a_broken_policy_is_not_tabled() {
    let dir = std::env::temp_dir().join(format!("docket-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.policy");
    std::fs::write(&file, "policy p \"P\"\ninitial status a \"A\" { x y -> nowhere }\n").unwrap();
    let (_, err, code) = docket(&["table", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("has problems; run `docket check` on it"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_verb_teaches_with_an_example() {
    let (help, _, code) = docket(&["--help"]);
    assert_eq!(code, 0);
    let verbs =
        ["check", "table", "eval", "test", "fmt", "diff", "explain", "set", "get", "graph", "completions", "man"];
    for verb in verbs {
        assert!(help.contains(&format!("  {verb}")), "`docket --help` does not list {verb}");
        let (out, err, code) = docket(&[verb, "--help"]);
        assert_eq!(code, 0, "{verb}: {err}");
        assert!(out.contains("Example"), "`docket {verb} --help` shows no example:\n{out}");
        assert!(
            out.contains(&format!("docket {verb}")),
            "`docket {verb} --help` example does not use the verb:\n{out}"
        );
    }
}
