//! `docket eval`'s filters (`--case`, `--status`, `--open`, `--rejected`, `--breached`,
//! `--due-before`), combined with AND in the text, JSON and CSV reports and in `--summary`;
//! `--format csv`; the totals line at the top of a long text report.

use std::process::Command;

const POLICY: &str = "policies/aliexpress.policy";
const CASES: &str = "examples/cases.jsonl";

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn eval(extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["eval", POLICY, CASES];
    args.extend_from_slice(extra);
    docket(&args)
}

/// The case ids of a JSON report, in order.
fn ids(json: &str) -> Vec<String> {
    json.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["case"].as_str().unwrap().to_string())
        .collect()
}

/// The case ids of a text report, in order.
fn text_ids(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.strip_prefix("case ")).map(|l| l.split(':').next().unwrap().to_string()).collect()
}

#[test]
fn filters_combine_with_and_in_text_json_and_csv() {
    // Six cases of the log are open; two of them have missed an SLA deadline.
    let (json, err, code) = eval(&["--open", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&json), ["AE-0000002", "AE-0000014", "AE-0000018", "AE-0000021", "AE-0000023", "AE-0000024"]);
    let (json, _, _) = eval(&["--open", "--breached", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000018", "AE-0000021"]);
    let (text, _, _) = eval(&["--open", "--breached"]);
    assert_eq!(text_ids(&text), ["AE-0000018", "AE-0000021"]);
    let (csv, _, _) = eval(&["--breached", "--open", "--format", "csv"]);
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[1].starts_with("AE-0000018,") && rows[2].starts_with("AE-0000021,"), "{csv}");
    // Closed cases with a breach are left out by --open, kept without it.
    let (json, _, _) = eval(&["--breached", "--format", "json"]);
    assert_eq!(ids(&json).len(), 7, "{json}");
}

#[test]
fn case_status_and_due_before_select_cases() {
    let (json, _, _) = eval(&["--case", "AE-0000004", "--case", "AE-0000024", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000004", "AE-0000024"]);
    // A status prefix holds the statuses inside it, by whole names.
    let (json, _, _) = eval(&["--status", "refunding", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000014", "AE-0000018"]);
    let (json, _, _) = eval(&["--status", "refunding.processing", "--status", "withdrawn", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000002", "AE-0000014", "AE-0000018", "AE-0000021", "AE-0000023"]);
    // A pending deadline strictly before the instant.
    let (json, _, _) = eval(&["--due-before", "2026-02-07T11:41:43Z", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000002", "AE-0000014"]);
    let (json, _, _) = eval(&["--due-before", "2026-02-07T11:41:44Z", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000002", "AE-0000014", "AE-0000023"]);
    let (json, _, _) = eval(&["--due-before", "2026-02-07T11:41:44Z", "--status", "withdrawn", "--format", "json"]);
    assert_eq!(ids(&json), ["AE-0000002", "AE-0000023"]);
    let (json, _, _) = eval(&["--rejected", "--format", "json"]);
    assert_eq!(ids(&json), Vec::<String>::new(), "no event of cases.jsonl is rejected");
}

#[test]
fn rejected_selects_the_cases_of_the_messy_log_with_rejections_and_the_exit_stays_the_logs() {
    let (json, _, code) = docket(&["eval", POLICY, "examples/messy.jsonl", "--rejected", "--format", "json"]);
    assert_eq!(code, 1, "the log still has rejected and malformed lines");
    let reports: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!reports.is_empty());
    assert!(reports.iter().all(|r| !r["rejected"].as_array().unwrap().is_empty()), "{json}");
    let total: usize = reports.iter().map(|r| r["rejected"].as_array().unwrap().len()).sum();
    assert_eq!(total, 7);
}

#[test]
fn unknown_statuses_are_usage_errors_and_unknown_cases_warn() {
    let (out, err, code) = eval(&["--status", "dispute"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(err, "error: --status `dispute` is no status of the policy (did you mean `dispute_open`?)\n");
    let (_, err, code) = eval(&["--status", "escalated.procesing"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `escalated.processing`?"), "{err}");
    let (out, err, code) = eval(&["--case", "AE-000004", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(out, "");
    assert_eq!(err, "warning: no case `AE-000004` in `examples/cases.jsonl` (did you mean `AE-0000004`?)\n");
    let (_, err, code) = eval(&["--due-before", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("--due-before `soon` is not an RFC 3339 time"), "{err}");
}

#[test]
fn csv_has_a_header_and_one_rfc_4180_row_per_case() {
    let (csv, err, code) = eval(&["--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(csv.ends_with("\r\n"));
    assert!(!csv.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 40);
    assert_eq!(rows[0], "case,status,label,outcome,amount,next_deadline,next_timer,breached,rejected,policy_version");
    assert_eq!(rows[1], "AE-0000001,refunded,Closed: refunded,refund_buyer,40.47,,,0,0,2026.11");
    let open = rows.iter().find(|r| r.starts_with("AE-0000018,")).unwrap();
    assert_eq!(
        *open,
        "AE-0000018,refunding.processing,Refund processing,,,2026-02-09T13:19:08Z,refund_due,1,0,2026.11"
    );
    // A field with a comma or a quote is quoted, its quotes doubled.
    let dir = std::env::temp_dir().join(format!("docket-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    std::fs::write(
        &log,
        "{\"case\": \"A,\\\"1\\\"\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"buyer\", \"action\": \"open\", \"reason\": \"damaged\", \"amount\": \"5\", \"order_total\": \"5\"}\n",
    )
    .unwrap();
    let (csv, _, _) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "csv"]);
    let row = csv.split("\r\n").nth(1).unwrap();
    assert!(row.starts_with("\"A,\"\"1\"\"\",dispute_open.awaiting_seller,"), "{row}");
    std::fs::remove_dir_all(&dir).unwrap();
    // Totals have no rows: --summary is text or json.
    let (out, err, code) = eval(&["--summary", "--format", "csv"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("--summary prints text or json"), "{err}");
}

#[test]
fn a_long_text_report_gives_the_totals_first_and_last() {
    let totals = "39 cases, 213 events: 211 applied, 0 rejected, 0 malformed, 2 duplicates ignored, 0 after --now";
    let (text, _, _) = eval(&[]);
    assert!(text.starts_with(&format!("{totals}\n\ncase AE-0000001:")), "{}", &text[..200]);
    assert!(text.ends_with(&format!("\n{totals}\n")));
    // One case: short, the totals only at the end, saying what was shown.
    let (text, _, _) = eval(&["--case", "AE-0000004"]);
    assert!(text.starts_with("case AE-0000004:"), "{text}");
    assert!(text.ends_with(&format!("\n{totals}; 1 of 39 cases shown (--case AE-0000004)\n")), "{text}");
    let (text, _, _) = eval(&["--open", "--breached"]);
    assert!(text.starts_with(&format!("{totals}; 2 of 39 cases shown (--open --breached)\n\n")), "{text}");
}

#[test]
fn summary_counts_the_selected_cases() {
    let (out, _, code) = eval(&["--summary", "--format", "json", "--open"]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((s["cases"].as_u64(), s["selected_from"].as_u64()), (Some(6), Some(39)));
    assert_eq!(s["by_outcome"], serde_json::json!({}));
    assert_eq!(s["by_status"]["withdrawn"], 3);
    // --breached keeps the breaches of closed cases, which a summary run otherwise lets go.
    let (out, _, _) = eval(&["--summary", "--format", "json", "--breached"]);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["cases"], 7);
    // Without filters, no `selected_from`, as before.
    let (out, _, _) = eval(&["--summary", "--format", "json"]);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(s.get("selected_from").is_none(), "{s}");
    let (text, _, _) = eval(&["--summary", "--open"]);
    assert!(text.starts_with("cases: 6 (selected, of 39)\n"), "{text}");
}
