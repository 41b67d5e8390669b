//! Every verb's `--format` takes exactly the formats the verb has: another is refused while the
//! arguments are parsed (exit 2, with clap's list of the ones it has), and `--help` lists only
//! the verb's own.

use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

const POLICY: &str = "policies/aliexpress.policy";

/// Each verb with `--format`, arguments that would otherwise run, and the formats it has.
fn verbs() -> Vec<(&'static str, Vec<&'static str>, &'static [&'static str])> {
    vec![
        ("check", vec![POLICY], &["text", "json", "github", "sarif"]),
        ("table", vec![POLICY], &["text", "json"]),
        ("eval", vec![POLICY, "examples/cases.jsonl"], &["text", "json", "csv"]),
        ("test", vec!["tests/scenarios/semantics"], &["text", "junit", "json"]),
        ("diff", vec![POLICY, POLICY], &["text", "json", "markdown", "github"]),
        ("get", vec![POLICY], &["text", "json"]),
        ("graph", vec![POLICY], &["dot", "mermaid"]),
    ]
}

/// Every format any verb has, plus one no verb has.
const ALL_FORMATS: &[&str] = &["text", "json", "csv", "github", "junit", "markdown", "dot", "mermaid", "sarif", "yaml"];

#[test]
fn each_verb_refuses_a_format_it_does_not_have_while_parsing() {
    for (verb, args, formats) in verbs() {
        let list = formats.join(", ");
        for format in ALL_FORMATS.iter().filter(|f| !formats.contains(f)) {
            let mut argv = vec![verb];
            argv.extend(&args);
            argv.extend(["--format", format]);
            let (out, err, code) = docket(&argv);
            assert_eq!(code, 2, "{verb} --format {format}: {out}{err}");
            assert_eq!(out, "", "{verb} --format {format} printed a report");
            assert!(err.contains(&format!("invalid value '{format}' for '--format <FORMAT>'")), "{verb}: {err}");
            assert!(err.contains(&format!("[possible values: {list}]")), "{verb} --format {format}: {err}");
        }
    }
}

#[test]
fn eval_and_table_no_longer_take_github() {
    // They used to accept it and print text.
    let (out, err, code) = docket(&["eval", POLICY, "examples/cases.jsonl", "--format", "github"]);
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
    let (out, err, code) = docket(&["table", POLICY, "--format", "github"]);
    assert_eq!((out.as_str(), code), ("", 2), "{err}");
}

#[test]
fn each_verb_help_lists_only_its_formats() {
    for (verb, _, formats) in verbs() {
        let (help, err, code) = docket(&[verb, "--help"]);
        assert_eq!(code, 0, "{verb}: {err}");
        let start = help.find("--format <FORMAT>").unwrap_or_else(|| panic!("{verb} --help has no --format"));
        let section = &help[start..];
        let section = &section[..section.find("[default: ").unwrap()];
        let listed: Vec<&str> =
            section.lines().filter_map(|l| l.trim().strip_prefix("- ")).map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(listed, *formats, "{verb} --help:\n{section}");
    }
}
