//! `docket test [DIR]`: run scenario files and report each failure as a diff.

use super::{OK, PROBLEMS, USAGE, io};
use crate::scenario::{self, Mismatch};
use crate::versions::Versions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Output formats of `docket test`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    /// For people: a line per scenario, diffs for failures.
    Text,
    /// A JUnit XML report for CI systems.
    Junit,
}

/// Arguments of `docket test`.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Scenario files or directories (searched recursively for `.toml`).
    #[arg(default_value = "tests/scenarios")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
}

/// The result of one scenario file.
struct Outcome {
    name: String,
    description: String,
    /// `Err` when the scenario could not run at all.
    result: Result<Vec<Mismatch>, String>,
}

/// Run the scenarios.
pub fn run(args: &TestArgs) -> u8 {
    let mut files = Vec::new();
    for p in &args.paths {
        if let Err(msg) = collect(p, &mut files) {
            eprintln!("{msg}");
            return USAGE;
        }
    }
    files.sort();
    if files.is_empty() {
        eprintln!("error: no scenario files (*.toml) found");
        return USAGE;
    }
    let mut policies: BTreeMap<Vec<String>, Result<Versions, String>> = BTreeMap::new();
    let outcomes: Vec<Outcome> = files.iter().map(|f| run_file(f, &mut policies)).collect();
    let failed = outcomes.iter().filter(|o| !matches!(&o.result, Ok(m) if m.is_empty())).count();
    let passed = outcomes.len() - failed;
    let out = match args.format {
        TestFormat::Text => format!("{}{passed} passed, {failed} failed\n", text(&outcomes)),
        TestFormat::Junit => {
            eprintln!("{passed} passed, {failed} failed");
            junit(&outcomes)
        }
    };
    io::emit_then(out.as_bytes(), if failed > 0 { PROBLEMS } else { OK })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("error: cannot read `{}`: {}", path.display(), io::io_reason(&e)))?;
        for entry in entries.flatten() {
            let p = entry.path();
            // A migration plan (`*.migration.toml`) may sit beside the scenarios that use it.
            let plan = p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".migration.toml"));
            if p.is_dir() || (p.extension().is_some_and(|e| e == "toml") && !plan) {
                collect(&p, out)?;
            }
        }
        Ok(())
    } else if path.exists() {
        out.push(path.to_path_buf());
        Ok(())
    } else {
        Err(format!("error: cannot read `{}`: no such file or directory", path.display()))
    }
}

fn run_file(path: &Path, policies: &mut BTreeMap<Vec<String>, Result<Versions, String>>) -> Outcome {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Outcome {
                name,
                description: String::new(),
                result: Err(format!("cannot read: {}", io::io_reason(&e))),
            };
        }
    };
    let scenario = match scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => return Outcome { name, description: String::new(), result: Err(e) },
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let specs: Vec<String> = scenario.policies.iter().map(|p| dir.join(p).display().to_string()).collect();
    let table =
        policies.entry(specs.clone()).or_insert_with(|| io::try_load_versions(&specs).map_err(|m| m.join("\n  ")));
    let result = match table {
        Ok(versions) => {
            let plans: Result<Vec<scenario::Migration>, String> = scenario
                .migrations
                .iter()
                .map(|p| io::load_plan(&dir.join(p), versions).map_err(|m| m.join("\n  ")))
                .collect();
            plans.and_then(|plans| scenario::run(&scenario, versions, &plans))
        }
        Err(e) => Err(e.clone()),
    };
    Outcome { name, description: scenario.description, result }
}

fn text(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        match &o.result {
            Ok(m) if m.is_empty() => out.push_str(&format!("ok      {}\n", o.name)),
            Ok(mismatches) => {
                out.push_str(&format!("FAILED  {}\n", o.name));
                if !o.description.is_empty() {
                    out.push_str(&format!("        {}\n", o.description));
                }
                for m in mismatches {
                    out.push_str(&format!("  {}:\n", m.title));
                    out.push_str(&diff(&m.expected, &m.actual));
                }
            }
            Err(e) => out.push_str(&format!("ERROR   {}\n  {e}\n", o.name)),
        }
    }
    out
}

/// A unified diff, expected against actual.
fn diff(expected: &str, actual: &str) -> String {
    let expected = format!("{expected}\n");
    let actual = format!("{actual}\n");
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn junit(outcomes: &[Outcome]) -> String {
    let failures = outcomes.iter().filter(|o| matches!(&o.result, Ok(m) if !m.is_empty())).count();
    let errors = outcomes.iter().filter(|o| o.result.is_err()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"docket\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">\n",
        outcomes.len()
    );
    for o in outcomes {
        out.push_str(&format!("  <testcase classname=\"docket.scenarios\" name=\"{}\">", xml_escape(&o.name)));
        match &o.result {
            Ok(m) if m.is_empty() => {}
            Ok(mismatches) => {
                let body: String =
                    mismatches.iter().map(|m| format!("{}:\n{}", m.title, diff(&m.expected, &m.actual))).collect();
                out.push_str(&format!(
                    "\n    <failure message=\"{} expectation(s) failed\">{}</failure>\n  ",
                    mismatches.len(),
                    xml_escape(&body)
                ));
            }
            Err(e) => out.push_str(&format!("\n    <error message=\"{}\"/>\n  ", xml_escape(e))),
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}
