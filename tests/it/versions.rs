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
    // With open cases migrated on 03-10 to 7 days from when they opened, A (opened 03-08) is
    // still waiting for the seller on 03-14 instead of refunded: both cases end differently.
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        "from = \"2026.11\"\nto = \"2026.12\"\nat = 2026-03-10T00:00:00Z\n[timers]\nseller_response = \"recompute\"\n",
    )
    .unwrap();
    let (out, err, code) = docket(&[
        "diff",
        V1,
        V2,
        "--cases",
        log.to_str().unwrap(),
        "--now",
        "2026-03-14T00:00:00Z",
        "--migration",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["migrated"]["changed_cases"], 2);
    assert_eq!(doc["migrated"]["status"]["examples"][0]["case"], "A");
    assert_eq!(doc["migrated"]["status"]["examples"][0]["new"], "dispute_open.awaiting_seller");
}

const SHOP1: &str = "tests/scenarios/migrations/shop_1.policy";
const SHOP2: &str = "tests/scenarios/migrations/shop_2.policy";

fn plan_errors(name: &str, plan: &str) -> String {
    let dir = scratch(&format!("plan-{name}"), &[("plan.toml", plan), ("log.jsonl", "")]);
    let (out, err, code) = docket(&[
        "migrate",
        dir.join("plan.toml").to_str().unwrap(),
        SHOP1,
        SHOP2,
        "--cases",
        dir.join("log.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{name}: {out}");
    assert!(out.is_empty(), "{name}: {out}");
    err
}

const GOOD: &str = "from = \"1\"\nto = \"2\"\nat = 2026-03-10T00:00:00Z\n\n[statuses]\nwaiting = \"awaiting_seller\"\n";

#[test]
fn a_plan_must_map_every_status_the_new_version_lacks() {
    let err = plan_errors("unmapped", "from = \"1\"\nto = \"2\"\nat = 2026-03-10T00:00:00Z\n");
    assert!(
        err.contains(":1: error: status `waiting` of version \"1\" is not in version \"2\": map it in [statuses], such as `\"waiting\" = \"awaiting_seller\"`"),
        "{err}"
    );
}

#[test]
fn a_plan_may_not_close_a_case_by_mapping_it_to_a_terminal_status() {
    let err = plan_errors("terminal", &GOOD.replace("\"awaiting_seller\"", "\"refund\""));
    assert!(err.contains(":6: error: open status `waiting` would map to terminal status `refund`"), "{err}");
}

#[test]
fn a_plan_names_only_timers_and_fields_the_new_version_has() {
    let err = plan_errors("timer", &format!("{GOOD}\n[timers]\nanswr = \"keep\"\n"));
    assert!(err.contains(":9: error: version \"2\" has no timer `answr`; did you mean `answer`?"), "{err}");
    let err = plan_errors("rule", &format!("{GOOD}\n[timers]\nanswer = \"freeze\"\n"));
    assert!(err.contains(":9: error: timer `answer`: the rule must be one of"), "{err}");
    let err = plan_errors("field", &format!("{GOOD}\n[fields]\npriority = \"urgent\"\n"));
    assert!(err.contains("field `priority` holds enum { normal, high }, and the plan's value is not one"), "{err}");
}

#[test]
fn a_plan_must_name_the_versions_it_is_given() {
    let err = plan_errors("mismatch", &GOOD.replace("to = \"2\"", "to = \"3\""));
    assert!(
        err.contains(":1: error: the plan names version \"3\", which is not among the versions given (\"1\", \"2\")"),
        "{err}"
    );
    let err = plan_errors("backwards", &GOOD.replace("from = \"1\"\nto = \"2\"", "from = \"2\"\nto = \"1\""));
    assert!(err.contains("version \"2\" has no status `waiting` to map"), "{err}");
    let err = plan_errors("not toml", "from = \n");
    assert!(err.contains(":1: error: the plan is not valid TOML"), "{err}");
}

#[test]
fn migrate_previews_the_open_cases_and_eval_reproduces_the_migration() {
    let log = "{\"case\":\"M-1\",\"at\":\"2026-03-08T00:00:00Z\",\"role\":\"buyer\",\"action\":\"open\"}\n\
               {\"case\":\"M-3\",\"at\":\"2026-03-01T00:00:00Z\",\"role\":\"buyer\",\"action\":\"open\"}\n\
               {\"case\":\"M-3\",\"at\":\"2026-03-02T00:00:00Z\",\"role\":\"seller\",\"action\":\"answer\"}\n";
    let dir =
        scratch("preview", &[("log.jsonl", log), ("plan.toml", &format!("{GOOD}\n[timers]\nanswer = \"restart\"\n"))]);
    let (plan, log) = (dir.join("plan.toml"), dir.join("log.jsonl"));
    let (out, err, code) = docket(&[
        "migrate",
        plan.to_str().unwrap(),
        SHOP1,
        SHOP2,
        "--cases",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    // M-3 is closed before the migration; only M-1 moves, and its deadline moves from 03-13
    // (5 days from 03-08) to 03-17 (7 days from 03-10).
    assert_eq!(p["cases"], 2);
    assert_eq!(p["moving"], 1);
    assert_eq!(p["affected"], 1);
    assert_eq!(p["statuses"][0]["from"], "waiting");
    assert_eq!(p["statuses"][0]["to"], "awaiting_seller.normal");
    assert_eq!(p["deadlines"][0]["timer"], "answer");
    assert_eq!(p["deadlines"][0]["rule"], "restart");
    assert_eq!(p["deadlines"][0]["examples"][0]["old"], "2026-03-13T00:00:00Z");
    assert_eq!(p["deadlines"][0]["examples"][0]["new"], "2026-03-17T00:00:00Z");
    assert_eq!(p["deadlines"][0]["examples"][0]["shift"], "+4d");
    let (text, _, _) = docket(&["migrate", plan.to_str().unwrap(), SHOP1, SHOP2, "--cases", log.to_str().unwrap()]);
    assert!(
        text.starts_with(
            "migration 1 -> 2 at 2026-03-10T00:00:00Z: 1 of 2 case(s) begun by then are open on 1 and move; 1 change"
        ),
        "{text}"
    );
    // A plan that changes nothing for the open cases exits 0: AliExpress to 7 days, keeping the
    // running deadline of a case opened on 03-08.
    let same = dir.join("same.toml");
    std::fs::write(
        &same,
        "from = \"2026.11\"\nto = \"2026.12\"\nat = 2026-03-10T00:00:00Z\n[timers]\nseller_response = \"keep\"\n",
    )
    .unwrap();
    let ae = dir.join("ae.jsonl");
    std::fs::write(&ae, open("A", "2026-03-08T09:00:00Z")).unwrap();
    let (out, _, code) = docket(&["migrate", same.to_str().unwrap(), V1, V2, "--cases", ae.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 of 1 case(s) begun by then are open on 2026.11 and move; 0 change"), "{out}");
    // Evaluation with the plan reproduces the migrated history.
    let (out, err, code) = docket(&[
        "eval",
        SHOP1,
        SHOP2,
        log.to_str().unwrap(),
        "--migrations",
        plan.to_str().unwrap(),
        "--now",
        "2026-03-12T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let m1: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(m1["policy_version"], "2");
    assert_eq!(m1["history"][1]["cause"], "migration 1 -> 2");
    assert_eq!(m1["deadlines"][0]["at"], "2026-03-17T00:00:00Z");
}

#[test]
fn the_readme_shows_what_docket_migrate_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme.split("## Changing a policy while cases are open").nth(1).unwrap();
    let shown = section.split("```text\n").nth(1).unwrap().split("```").next().unwrap();
    let (out, _, code) =
        docket(&["migrate", "examples/aliexpress-7d.migration.toml", V1, V2, "--cases", "examples/march.jsonl"]);
    assert_eq!(code, 1);
    assert_eq!(out, shown, "README.md shows an old output of docket migrate");
}

#[test]
fn explain_tells_a_case_under_its_own_version_and_its_migration() {
    let dir = scratch(
        "explain",
        &[("log.jsonl", "{\"case\":\"M-1\",\"at\":\"2026-03-08T00:00:00Z\",\"role\":\"buyer\",\"action\":\"open\"}\n")],
    );
    let log = dir.join("log.jsonl");
    let (out, err, code) = docket(&[
        "explain",
        SHOP1,
        "--version-file",
        SHOP2,
        "--migrations",
        "tests/scenarios/migrations/restart.migration.toml",
        "--case",
        "M-1",
        "--events",
        log.to_str().unwrap(),
        "--now",
        "2026-03-12T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "case M-1: now in awaiting_seller.urgent \"Urgent\" as of 2026-03-12T00:00:00Z, under policy version 2"
        ),
        "{out}"
    );
    // The step under version 1 is cited by its line in version 1, not read from version 2's file.
    assert!(out.contains("new -> waiting, by buyer open (log line 1)\n     policy line 19 of version 1\n"), "{out}");
    assert!(out.contains("waiting -> awaiting_seller.normal, by migration 1 -> 2\n"), "{out}");
    assert!(out.contains("policy line 34: when priority == high -> urgent"), "{out}");
    // Without the plan, the case stays on version 1.
    let (out, _, _) =
        docket(&["explain", SHOP1, "--version-file", SHOP2, "--case", "M-1", "--events", log.to_str().unwrap()]);
    assert!(out.contains("under policy version 1"), "{out}");
}
