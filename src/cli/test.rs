//! `docket test [DIR]`: run scenario files and report each failure as a diff.

use super::{OK, PROBLEMS, USAGE, io};
use docket::scenario::check::Problem;
use docket::scenario::{self, Mismatch, Scenario};
use docket::versions::Versions;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Output formats of `docket test`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    /// For people: a line per scenario, diffs for failures.
    Text,
    /// A JUnit XML report for CI systems (each testcase with its file, line and time).
    Junit,
    /// One JSON object per scenario per line: file, description, passed, time, expectations.
    Json,
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
    /// Run only the scenarios whose file path contains this text; repeatable (any may match).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Event keys every scenario accepts and ignores besides each action's parameters
    /// (comma-separated or repeated), added to a scenario's own `allow_keys = [...]`.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub allow_keys: Vec<String>,
    /// Report, per policy, what the scenarios exercised: statuses entered, rules taken (and
    /// guards seen both true and false), timers fired, SLA deadlines breached, and each rule
    /// number cited in the policy's comments. Printed after the results (on stderr with
    /// --format junit or json).
    #[arg(long)]
    pub coverage: bool,
    /// Write the coverage as JSON to this file (`{"policies": [...]}`), whatever --format is.
    #[arg(long, value_name = "FILE")]
    pub coverage_json: Option<PathBuf>,
    /// Fail (exit 1, saying why on stderr) when a policy's coverage is below this percentage of
    /// its statuses, rules, timers and SLA deadlines.
    #[arg(long, value_name = "PERCENT")]
    pub min_coverage: Option<f64>,
}

/// What the scenarios of one policy file covered, summed as they run.
struct Covered {
    /// The version's table (for its items).
    table: docket::compile::table::TransitionTable,
    /// Where it was read from, as given to `load_spec`.
    spec: String,
    coverage: docket::eval::coverage::Coverage,
    scenarios: usize,
}

/// A policy spec as reports name it: a file relative to the working directory when it is under
/// it (`policies/aliexpress.policy`, however a scenario reached it), else as given.
fn shown(spec: &str) -> String {
    let path = Path::new(spec);
    let (Ok(full), Ok(cwd)) = (std::fs::canonicalize(path), std::env::current_dir()) else {
        return spec.to_string();
    };
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    full.strip_prefix(&cwd).map_or_else(|_| full.display().to_string(), |rel| rel.display().to_string())
}

/// The result of one scenario file.
struct Outcome {
    name: String,
    description: String,
    /// What each `[[expect]]` is about, in order (empty when the file did not parse).
    expects: Vec<Expect>,
    /// How long reading and running it took.
    time: Duration,
    /// `Err` when the scenario could not run at all: every problem found.
    result: Result<Vec<Mismatch>, Vec<Problem>>,
    /// Whether it could not run because its policy could not be loaded (exit 2).
    policy_failed: bool,
}

/// One `[[expect]]` of a scenario, as reports name it.
struct Expect {
    /// Its line in the file (its `[[expect]]` header), when known.
    line: Option<usize>,
    /// The case it is about: written, or the scenario's only case by then.
    case: Option<String>,
    /// The instant it evaluates as of, if written (RFC 3339).
    at: Option<String>,
}

impl Outcome {
    fn passed(&self) -> bool {
        matches!(&self.result, Ok(m) if m.is_empty())
    }

    /// The line of an expectation, by index.
    fn line(&self, index: usize) -> Option<usize> {
        self.expects.get(index).and_then(|e| e.line)
    }

    /// The line a report points at: the first failing expectation's (or the first problem's),
    /// else the first expectation's.
    fn first_line(&self) -> Option<usize> {
        match &self.result {
            Ok(m) if !m.is_empty() => self.line(m[0].index),
            Err(problems) => problems.first().and_then(|p| p.line).or_else(|| self.line(0)),
            _ => self.line(0),
        }
    }

    /// Where a problem is: `file:line`, or the file.
    fn problem_place(&self, p: &Problem) -> String {
        match p.line {
            Some(line) => format!("{}:{line}", self.name),
            None => self.name.clone(),
        }
    }

    /// The problems as text: the first under the `ERROR` heading that gives its place, each
    /// other after its own place.
    fn problems_text(&self, problems: &[Problem]) -> String {
        problems
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { p.message.clone() } else { format!("{}: {}", self.problem_place(p), p.message) })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `file:line` of an expectation, or the file alone when its line is not known.
    fn place(&self, index: usize) -> String {
        match self.line(index) {
            Some(line) => format!("{}:{line}", self.name),
            None => self.name.clone(),
        }
    }
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
    let found = files.len();
    if !args.filter.is_empty() {
        files.retain(|f| args.filter.iter().any(|t| f.display().to_string().contains(t.as_str())));
        if files.is_empty() {
            let filters: Vec<String> = args.filter.iter().map(|t| format!("`{t}`")).collect();
            eprintln!("error: no scenario file's path contains {} (of {found} found)", filters.join(" or "));
            return USAGE;
        }
    }
    if let Some(min) = args.min_coverage
        && !(0.0..=100.0).contains(&min)
    {
        eprintln!("error: --min-coverage {min} is not a percentage from 0 to 100");
        return USAGE;
    }
    let measure = args.coverage || args.coverage_json.is_some() || args.min_coverage.is_some();
    let mut covered: BTreeMap<String, Covered> = BTreeMap::new();
    let mut policies: BTreeMap<Vec<String>, Result<Versions, String>> = BTreeMap::new();
    let outcomes: Vec<Outcome> = files
        .iter()
        .map(|f| {
            let started = Instant::now();
            let mut outcome = run_file(f, &mut policies, &args.allow_keys, measure.then_some(&mut covered));
            outcome.time = started.elapsed();
            outcome
        })
        .collect();
    let reports = match coverage_reports(&covered) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("{msg}");
            return USAGE;
        }
    };
    if let Some(file) = &args.coverage_json {
        let json = serde_json::json!({ "policies": reports });
        let text = format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default());
        if let Err(e) = std::fs::write(file, text) {
            eprintln!("error: cannot write `{}`: {}", file.display(), io::io_reason(&e));
            return USAGE;
        }
    }
    let coverage_text: String = if args.coverage {
        reports.iter().map(|r| format!("\n{}", docket::report::coverage::render_text(r))).collect()
    } else {
        String::new()
    };
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let passed = outcomes.len() - failed;
    let out = match args.format {
        TestFormat::Text => format!("{}{coverage_text}{passed} passed, {failed} failed\n", text(&outcomes)),
        TestFormat::Junit => {
            eprint!("{}", coverage_text.trim_start());
            eprintln!("{passed} passed, {failed} failed");
            junit(&outcomes)
        }
        TestFormat::Json => {
            eprint!("{}", coverage_text.trim_start());
            eprintln!("{passed} passed, {failed} failed");
            json_lines(&outcomes)
        }
    };
    let mut code = if outcomes.iter().any(|o| o.policy_failed) {
        USAGE
    } else if failed > 0 {
        PROBLEMS
    } else {
        OK
    };
    if let Some(min) = args.min_coverage {
        for r in reports.iter().filter(|r| (r.covered as f64) * 100.0 < min * (r.total as f64)) {
            eprintln!(
                "docket: coverage of {} is {:.1}% ({} of {} items), below --min-coverage {min}",
                r.policy, r.percent, r.covered, r.total
            );
            code = code.max(PROBLEMS);
        }
    }
    io::emit_then(out.as_bytes(), code)
}

/// Each policy's coverage, by name; the policy files are read again for their comments.
fn coverage_reports(
    covered: &BTreeMap<String, Covered>,
) -> Result<Vec<docket::report::coverage::PolicyCoverage>, String> {
    covered
        .iter()
        .map(|(name, c)| {
            let (compiled, _) = io::load_spec(&c.spec)?;
            Ok(docket::report::coverage::build(name, &c.table, &compiled.file, &c.coverage, c.scenarios))
        })
        .collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    collect_in(path, out, &mut std::collections::HashSet::new())
}

/// Walk a directory once: `seen` holds the directories already walked (by their real path), so
/// a symbolic link that loops back is not followed again.
fn collect_in(
    path: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), String> {
    if path.is_dir() {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !seen.insert(real) {
            return Ok(());
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("error: cannot read `{}`: {}", path.display(), io::io_reason(&e)))?;
        for entry in entries.flatten() {
            let p = entry.path();
            // A migration plan (`*.migration.toml`) may sit beside the scenarios that use it.
            let plan = p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".migration.toml"));
            if p.is_dir() || (p.extension().is_some_and(|e| e == "toml") && !plan) {
                collect_in(&p, out, seen)?;
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

fn run_file(
    path: &Path,
    policies: &mut BTreeMap<Vec<String>, Result<Versions, String>>,
    keys: &[String],
    covered: Option<&mut BTreeMap<String, Covered>>,
) -> Outcome {
    let name = path.display().to_string();
    let failed = |name, message: String| Outcome {
        name,
        description: String::new(),
        expects: Vec::new(),
        time: Duration::ZERO,
        result: Err(vec![Problem { line: None, message }]),
        policy_failed: false,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return failed(name, format!("cannot read: {}", io::io_reason(&e))),
    };
    let mut scenario = match scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => return failed(name, e),
    };
    scenario.allow_keys.extend(keys.iter().cloned());
    let dir = path.parent().unwrap_or(Path::new("."));
    let specs: Vec<String> = scenario.policies.iter().map(|p| dir.join(p).display().to_string()).collect();
    // A policy that cannot be loaded (it has errors, or cannot be read) stops its scenarios as it
    // stops every verb but `check`: its diagnostics go to stderr once, however many scenarios use
    // it, each of those scenarios is an error naming it, and the run exits 2.
    let table = policies.entry(specs.clone()).or_insert_with(|| {
        io::try_load_versions(&specs).map_err(|messages| {
            for m in &messages {
                eprintln!("{m}");
            }
            let last = messages.iter().rev().find_map(|m| m.lines().last()).unwrap_or_default();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            let more = messages.iter().map(|m| m.lines().count()).sum::<usize>() > 1;
            format!("cannot run: {last}{}", if more { " (the diagnostics are on stderr)" } else { "" })
        })
    });
    let lines = scenario::expect_lines(&text);
    // An error that names its expectation (`[[expect]] #2: ...`) is at that expectation's line.
    let at_expect = |message: String| {
        let n: Option<usize> = message
            .strip_prefix("[[expect]] #")
            .and_then(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok());
        let line = n.and_then(|n: usize| n.checked_sub(1)).and_then(|i| lines.get(i).copied());
        vec![Problem { line, message }]
    };
    let mut policy_failed = false;
    let result = match table {
        Ok(versions) => {
            let problems = scenario::check::check(&text, &scenario, versions);
            if problems.is_empty() {
                let plans: Result<Vec<scenario::Migration>, String> = scenario
                    .migrations
                    .iter()
                    .map(|p| io::load_plan(&dir.join(p), versions).map_err(|m| m.join("\n  ")))
                    .collect();
                let mut coverage = Vec::new();
                let measured = covered.is_some().then_some(&mut coverage);
                let result = plans.and_then(|plans| scenario::run_covered(&scenario, versions, &plans, measured));
                if let Some(covered) = covered {
                    for (i, c) in coverage.iter().enumerate() {
                        let (Some(spec), Some(table)) = (versions.sources.get(i), versions.tables.get(i)) else {
                            continue;
                        };
                        let entry = covered.entry(shown(spec)).or_insert_with(|| Covered {
                            table: table.clone(),
                            spec: spec.clone(),
                            coverage: Default::default(),
                            scenarios: 0,
                        });
                        entry.coverage.merge(c);
                        entry.scenarios += 1;
                    }
                }
                result.map_err(at_expect)
            } else {
                Err(problems)
            }
        }
        Err(e) => {
            policy_failed = true;
            Err(vec![Problem { line: None, message: e.clone() }])
        }
    };
    let expects = expects(&scenario, &lines);
    Outcome { name, description: scenario.description, expects, time: Duration::ZERO, result, policy_failed }
}

/// An instant written in a scenario (a TOML datetime or a string), as RFC 3339.
fn instant(v: &toml::Value) -> Option<String> {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    Some(docket::eval::time::parse(&text).map_or(text, |t| docket::eval::time::format(&t)))
}

/// What each expectation is about. An expectation that names no case is about the only case
/// whose events happened by its instant, as `scenario::run` reads it.
fn expects(scenario: &Scenario, lines: &[usize]) -> Vec<Expect> {
    let events: Vec<(Option<&str>, Option<chrono::DateTime<chrono::Utc>>)> = scenario
        .events
        .iter()
        .map(|e| {
            let at = e.get("at").and_then(instant).and_then(|t| docket::eval::time::parse(&t));
            (e.get("case").and_then(toml::Value::as_str), at)
        })
        .collect();
    scenario
        .expect
        .iter()
        .enumerate()
        .map(|(i, expect)| {
            let at = expect.get("at").and_then(instant);
            let case = expect.get("case").and_then(toml::Value::as_str).map(str::to_string).or_else(|| {
                let by = at.as_deref().and_then(docket::eval::time::parse);
                let cases: BTreeSet<&str> = events
                    .iter()
                    .filter(|(_, t)| by.is_none_or(|by| t.is_some_and(|t| t <= by)))
                    .filter_map(|(c, _)| *c)
                    .collect();
                let mut only = cases.iter();
                match (only.next(), only.next()) {
                    (Some(c), None) => Some((*c).to_string()),
                    _ => None,
                }
            });
            Expect { line: lines.get(i).copied(), case, at }
        })
        .collect()
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
                    out.push_str(&format!("  {}: {}:\n{}", o.place(m.index), m.title, note(m)));
                    out.push_str(&diff(&m.expected, &m.actual));
                }
            }
            Err(problems) => {
                let place = problems.first().map_or_else(|| o.name.clone(), |p| o.problem_place(p));
                let body = o.problems_text(problems).replace('\n', "\n  ");
                out.push_str(&format!("ERROR   {place}\n  {body}\n"));
            }
        }
    }
    out.push_str(&recap(outcomes));
    out
}

/// The failures again, one line each, at the end where a long run's reader looks: every failed
/// expectation's `file:line`, and each scenario that could not run.
fn recap(outcomes: &[Outcome]) -> String {
    let mut lines = Vec::new();
    for o in outcomes {
        match &o.result {
            Ok(mismatches) => {
                lines.extend(mismatches.iter().map(|m| format!("  {}: {}\n", o.place(m.index), m.title)));
            }
            Err(problems) => lines.extend(
                problems
                    .iter()
                    .map(|p| format!("  {}: {}\n", o.problem_place(p), p.message.lines().next().unwrap_or_default())),
            ),
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("\nfailed:\n{}\n", lines.concat())
}

/// The mismatch's note (how its event numbers read as file lines), indented, or nothing.
fn note(m: &Mismatch) -> String {
    m.note.as_ref().map(|n| format!("    ({n})\n")).unwrap_or_default()
}

/// A unified diff, expected against actual, indented for the text report.
fn diff(expected: &str, actual: &str) -> String {
    plain_diff(expected, actual).lines().map(|l| format!("    {l}\n")).collect()
}

/// A unified diff, expected against actual.
fn plain_diff(expected: &str, actual: &str) -> String {
    let expected = format!("{expected}\n");
    let actual = format!("{actual}\n");
    similar::TextDiff::from_lines(&expected, &actual).unified_diff().header("expected", "actual").to_string()
}

/// Seconds, for people: to the microsecond.
fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e6
}

/// One JSON object per scenario per line.
fn json_lines(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let mismatches: &[Mismatch] = o.result.as_deref().unwrap_or_default();
        let expectations: Vec<serde_json::Value> = if o.result.is_err() {
            Vec::new()
        } else {
            o.expects
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let failed = mismatches.iter().find(|m| m.index == i);
                    serde_json::json!({
                        "index": i + 1,
                        "line": e.line,
                        "passed": failed.is_none(),
                        "case": failed.map(|m| Some(m.case.clone())).unwrap_or_else(|| e.case.clone()),
                        "at": e.at,
                        "diff": failed.map(|m| plain_diff(&m.expected, &m.actual)),
                        "note": failed.and_then(|m| m.note.clone()),
                    })
                })
                .collect()
        };
        let line = serde_json::json!({
            "file": o.name,
            "description": o.description,
            "passed": o.passed(),
            "time": seconds(o.time),
            "expectations": expectations,
            "error": o.result.as_ref().err().map(|problems| o.problems_text(problems)),
        });
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Text for an XML attribute or element. XML 1.0 allows no control characters but tab and line
/// breaks, not even as character references: they are written as `\u{1b}`.
fn xml_escape(s: &str) -> String {
    docket::report::markup_text(s, docket::report::Breaks::Keep)
}

fn junit(outcomes: &[Outcome]) -> String {
    let failures = outcomes.iter().filter(|o| matches!(&o.result, Ok(m) if !m.is_empty())).count();
    let errors = outcomes.iter().filter(|o| o.result.is_err()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"docket\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">\n",
        outcomes.len()
    );
    for o in outcomes {
        let line = o.first_line().map(|l| format!(" line=\"{l}\"")).unwrap_or_default();
        out.push_str(&format!(
            "  <testcase classname=\"docket.scenarios\" name=\"{}\" file=\"{}\"{line} time=\"{:.3}\">",
            xml_escape(&o.name),
            xml_escape(&o.name),
            o.time.as_secs_f64()
        ));
        match &o.result {
            Ok(m) if m.is_empty() => {}
            Ok(mismatches) => {
                let body: String = mismatches
                    .iter()
                    .map(|m| format!("{}: {}:\n{}{}", o.place(m.index), m.title, note(m), diff(&m.expected, &m.actual)))
                    .collect();
                out.push_str(&format!(
                    "\n    <failure message=\"{} expectation(s) failed\">{}</failure>\n  ",
                    mismatches.len(),
                    xml_escape(&body)
                ));
            }
            Err(problems) => {
                out.push_str(&format!("\n    <error message=\"{}\"/>\n  ", xml_escape(&o.problems_text(problems))))
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}
