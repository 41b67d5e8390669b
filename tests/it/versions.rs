//! Policy versions: each case pinned to the version in effect at its first event; version sets
//! that clash are refused; `diff` says what a release with `effective` does.

use std::process::Command;

const V1: &str = "policies/aliexpress.policy";
const V2: &str = "tests/scenarios/versions/aliexpress_2026_12.policy";

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn scratch(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-versions-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn open(case: &str, at: &str) -> String {
    format!(
        "{{\"case\":\"{case}\",\"at\":\"{at}\",\"role\":\"buyer\",\"action\":\"open\",\"reason\":\"damaged\",\"amount\":\"25.00\",\"order_total\":\"40.00\"}}\n"
    )
}

#[test]
fn the_second_version_differs_from_the_first_only_where_it_says() {
    let (out, err, code) = docket(&["diff", V1, V2, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = doc["changes"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["effective", "version", "seller_response"]);
}

#[test]
fn each_case_runs_under_the_version_in_effect_when_it_began() {
    let log = format!("{}{}", open("A", "2026-03-08T09:00:00Z"), open("B", "2026-03-12T09:00:00Z"));
    let dir = scratch("pin", &[("log.jsonl", &log)]);
    let log = dir.join("log.jsonl");
    let (out, err, code) = docket(&["eval", V1, V2, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let reports: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports[0]["policy_version"], "2026.11");
    assert_eq!(reports[0]["deadlines"][0]["at"], "2026-03-13T09:00:00Z");
    assert_eq!(reports[1]["policy_version"], "2026.12");
    assert_eq!(reports[1]["deadlines"][0]["at"], "2026-03-19T09:00:00Z");
    // Given in either order, and as a directory, the versions are the same.
    let (again, _, _) = docket(&["eval", V2, V1, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(again, out);
    let (summary, _, _) = docket(&["eval", V1, V2, log.to_str().unwrap(), "--summary", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["by_version"], serde_json::json!({ "2026.11": 1, "2026.12": 1 }));
    // One policy alone: every case under it, as before versions existed.
    let (alone, _, _) = docket(&["eval", V2, log.to_str().unwrap(), "--format", "json"]);
    assert!(alone.lines().all(|l| l.contains("\"policy_version\":\"2026.12\"")), "{alone}");
}

#[test]
fn a_case_no_version_is_in_effect_for_is_refused() {
    let policy = |version: &str, effective: &str| {
        format!(
            "policy p \"P\"\nversion \"{version}\"\neffective {effective}\nroles user\noutcomes done\n\nactions {{\n  user go\n}}\n\n\
             initial status a \"A\" {{\n  user go -> b\n}}\n\nterminal status b \"B\" outcome done\n"
        )
    };
    let (v1, v2) = (policy("1", "2026-01-01T00:00:00Z"), policy("2", "2026-02-01T00:00:00Z"));
    let log = "{\"case\":\"early\",\"at\":\"2025-12-31T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n\
               {\"case\":\"late\",\"at\":\"2026-02-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n";
    let dir = scratch("none", &[("v1.policy", &v1), ("v2.policy", &v2), ("log.jsonl", log)]);
    let (out, _, code) =
        docket(&["eval", dir.to_str().unwrap(), dir.join("log.jsonl").to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let reports: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports[0]["policy_version"], serde_json::Value::Null);
    assert_eq!(
        reports[0]["rejected"][0]["reason"],
        "no version of policy `p` is in effect at 2025-12-31T00:00:00Z; the earliest takes effect at 2026-01-01T00:00:00Z"
    );
    // At the effective instant itself, the new version applies.
    assert_eq!(reports[1]["policy_version"], "2");
    assert_eq!(reports[1]["status"], "b");
}

#[test]
fn versions_that_clash_are_refused_by_check_and_by_eval() {
    let text = std::fs::read_to_string(V2).unwrap();
    let same_version = text.replace("effective 2026-03-10T00:00:00Z", "effective 2026-04-01T00:00:00Z");
    let same_instant = text.replace("version \"2026.12\"", "version \"2027.01\"");
    let other_policy = text.replace("policy aliexpress_dispute", "policy other_dispute");
    let dir = scratch(
        "clash",
        &[
            ("same_version.policy", &same_version),
            ("same_instant.policy", &same_instant),
            ("other.policy", &other_policy),
        ],
    );
    let log = dir.join("log.jsonl");
    std::fs::write(&log, open("A", "2026-03-08T09:00:00Z")).unwrap();
    for (file, words) in [
        ("same_version.policy", "both declare version \"2026.12\""),
        ("same_instant.policy", "both take effect at 2026-03-10T00:00:00Z"),
        ("other.policy", "versions must be of one policy"),
    ] {
        let path = dir.join(file);
        let (_, err, code) = docket(&["eval", V1, V2, path.to_str().unwrap(), log.to_str().unwrap()]);
        assert_eq!(code, 2, "{file}");
        assert!(err.contains(words), "{file}: {err}");
        if file != "other.policy" {
            let (out, _, code) = docket(&["check", V1, V2, path.to_str().unwrap()]);
            assert_eq!(code, 1, "{file}");
            assert!(out.contains("error[E068]") && out.contains(words), "{file}: {out}");
        }
    }
}

#[test]
fn diff_says_what_the_release_does_under_pinning() {
    let log = format!("{}{}", open("A", "2026-03-08T09:00:00Z"), open("B", "2026-03-12T09:00:00Z"));
    let dir = scratch("diff", &[("log.jsonl", &log)]);
    let log = dir.join("log.jsonl");
    let (out, err, code) = docket(&[
        "diff",
        V1,
        V2,
        "--cases",
        log.to_str().unwrap(),
        "--now",
        "2026-03-14T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    // As if 7 days had always been the rule, A (refunded after 5 days, on 03-13) ends
    // differently too; as released, only B (opened after 2026-03-10) does: its seller
    // deadline moves from 03-17 to 03-19.
    assert_eq!(doc["impact"]["changed_cases"], 2);
    assert_eq!(doc["impact"]["status"]["examples"][0]["case"], "A");
    assert_eq!(doc["pinned"]["effective"], "2026-03-10T00:00:00Z");
    assert_eq!(doc["pinned"]["impact"]["changed_cases"], 1);
    assert_eq!(doc["pinned"]["impact"]["status"]["cases"], 0);
    assert_eq!(doc["pinned"]["impact"]["deadlines"]["examples"][0]["case"], "B");
}
