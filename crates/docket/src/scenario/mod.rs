//! Scenarios: a policy, events and expectations in one TOML file, for `docket test`. Each
//! expectation is compared with the JSON case report as a subset: objects compare only the keys
//! written, arrays compare length and each element, and a `reason` matches when the actual
//! reason contains the expected text.

pub mod check;
pub mod names;

use crate::eval::coverage::Coverage;
use crate::eval::log::{EventSink, LogRun};
use crate::report::case;
use crate::versions::Versions;
use chrono::{DateTime, Utc};
use serde_json::Value as Json;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Which `[[expect]]` (0-based, in the order written).
    pub index: usize,
    /// The case it is about.
    pub case: String,
    /// Which `[[expect]]` (1-based) and of which case.
    pub title: String,
    /// Expected, as pretty JSON.
    pub expected: String,
    /// What the report said, limited to the expected keys, as pretty JSON.
    pub actual: String,
    /// How the expectation's event numbers read as file lines in the diff, when it has any
    /// (`line = 3` is shown as the 3rd event's line in the file).
    pub note: Option<String>,
}

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// What it shows.
    pub description: String,
    /// The policy path as written (relative to the scenario file), or the paths of several
    /// versions of it (`policy = ["v1.policy", "v2.policy"]`).
    pub policies: Vec<String>,
    /// Migration plans (paths relative to the scenario file): `migrations = ["plan.toml"]`.
    pub migrations: Vec<String>,
    /// Event keys accepted and ignored besides each action's parameters:
    /// `allow_keys = ["source"]` (and `docket test --allow-keys`).
    pub allow_keys: Vec<String>,
    /// The `[[events]]` tables.
    pub events: Vec<toml::Value>,
    /// The 1-based line of each event in the file (its `[[events]]` header), by index: the
    /// "log line" reports give an event, as they give a `.toml` case file's. Empty when unknown.
    pub event_lines: Vec<usize>,
    /// The `[[expect]]` tables.
    pub expect: Vec<toml::Table>,
}

/// Read a scenario's TOML.
pub fn parse(text: &str) -> Result<Scenario, String> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string().trim_end().to_string())?;
    let needs = "a scenario needs `policy = \"path/to/file.policy\"` (or a list of versions: `policy = [\"v1.policy\", \"v2.policy\"]`)";
    let policies: Vec<String> = match doc.get("policy") {
        Some(toml::Value::String(p)) => vec![p.clone()],
        Some(toml::Value::Array(list)) if !list.is_empty() => {
            list.iter().map(|p| p.as_str().map(str::to_string).ok_or(needs)).collect::<Result<_, _>>()?
        }
        _ => {
            // `polcy = "..."`: say which key was meant.
            let close = doc.keys().find(|k| crate::diag::suggest(k, ["policy"]).is_some());
            return Err(match close {
                Some(k) => format!("{needs}; `{k}` is not a key of a scenario: did you mean `policy`?"),
                None => needs.into(),
            });
        }
    };
    let events = match doc.get("events") {
        None => Vec::new(),
        Some(toml::Value::Array(list)) => list.clone(),
        Some(_) => return Err("`events` must be an array of tables ([[events]])".into()),
    };
    let expect: Vec<toml::Table> = match doc.get("expect") {
        None => return Err("a scenario needs at least one [[expect]] table".into()),
        Some(v) => v
            .as_array()
            .ok_or("`expect` must be an array of tables ([[expect]])")?
            .iter()
            .map(|e| e.as_table().cloned().ok_or_else(|| "each [[expect]] must be a table".to_string()))
            .collect::<Result<_, _>>()?,
    };
    if expect.is_empty() {
        return Err("a scenario needs at least one [[expect]] table".into());
    }
    let description = doc.get("description").and_then(toml::Value::as_str).unwrap_or("").to_string();
    let migrations = match doc.get("migrations") {
        None => vec![],
        Some(toml::Value::Array(list)) => list
            .iter()
            .map(|p| p.as_str().map(str::to_string).ok_or("`migrations` must be a list of plan paths: [\"plan.toml\"]"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`migrations` must be a list of plan paths: [\"plan.toml\"]".into()),
    };
    let allow_keys = match doc.get("allow_keys") {
        None => vec![],
        Some(toml::Value::Array(list)) => list
            .iter()
            .map(|k| k.as_str().map(str::to_string).ok_or("`allow_keys` must be a list of event keys: [\"source\"]"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`allow_keys` must be a list of event keys: [\"source\"]".into()),
    };
    let event_lines = table_lines(text, "events");
    Ok(Scenario { description, policies, migrations, allow_keys, events, event_lines, expect })
}

/// TOML to JSON, times as RFC 3339 strings.
pub fn to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// The part of `actual` that `expected` talks about, so the two can be compared and diffed.
pub fn project(expected: &Json, actual: &Json, key: Option<&str>) -> Json {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => Json::Object(
            e.iter()
                .map(|(k, ev)| {
                    (k.clone(), a.get(k).map_or(Json::String("<missing>".into()), |av| project(ev, av, Some(k))))
                })
                .collect(),
        ),
        (Json::Array(e), Json::Array(a)) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, av)| e.get(i).map_or_else(|| av.clone(), |ev| project(ev, av, key)))
                .collect(),
        ),
        (Json::String(e), Json::String(a)) if key == Some("reason") && a.contains(e.as_str()) => expected.clone(),
        _ => actual.clone(),
    }
}

/// Run a scenario against its compiled policy; returns the expectations that failed.
pub fn run(scenario: &Scenario, versions: &Versions, plans: &[Migration]) -> Result<Vec<Mismatch>, String> {
    run_covered(scenario, versions, plans, None)
}

/// Run a scenario, and with `coverage` add what its evaluations covered of each version (by
/// index in `versions`).
pub fn run_covered(
    scenario: &Scenario,
    versions: &Versions,
    plans: &[Migration],
    mut coverage: Option<&mut Vec<Coverage>>,
) -> Result<Vec<Mismatch>, String> {
    let mut mismatches = Vec::new();
    let mut runs: Vec<(Option<DateTime<Utc>>, Vec<Json>)> = Vec::new();
    for (i, expect) in scenario.expect.iter().enumerate() {
        let at = match expect.get("at") {
            None => None,
            Some(v) => {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Datetime(d) => d.to_string(),
                    _ => return Err(format!("[[expect]] #{}: `at` must be an RFC 3339 time", i + 1)),
                };
                Some(
                    crate::eval::time::parse(&text)
                        .ok_or(format!("[[expect]] #{}: `at` is not an RFC 3339 time: `{text}`", i + 1))?,
                )
            }
        };
        // Expectations at the same instant share one evaluation.
        let reports: &Vec<Json> = match runs.iter().position(|(when, _)| *when == at) {
            Some(i) => &runs[i].1,
            None => {
                runs.push((at, evaluate(scenario, versions, plans, at, coverage.as_deref_mut())?));
                &runs[runs.len() - 1].1
            }
        };
        let case_id = match expect.get("case").and_then(toml::Value::as_str) {
            Some(c) => c.to_string(),
            None if reports.len() == 1 => reports[0]["case"].as_str().unwrap_or_default().to_string(),
            None => {
                return Err(format!(
                    "[[expect]] #{}: say which `case` (the scenario has {} cases)",
                    i + 1,
                    reports.len()
                ));
            }
        };
        let mut wanted = to_json(&toml::Value::Table(expect.clone()));
        if let Json::Object(m) = &mut wanted {
            m.remove("at");
            m.remove("case");
        }
        let note = event_lines_to_file_lines(&mut wanted, &scenario.event_lines);
        let title = match at {
            Some(at) => format!("[[expect]] #{} (case {case_id} at {})", i + 1, crate::eval::time::format(&at)),
            None => format!("[[expect]] #{} (case {case_id})", i + 1),
        };
        let Some(report) = reports.iter().find(|r| r["case"] == Json::String(case_id.clone())) else {
            mismatches.push(Mismatch {
                index: i,
                case: case_id.clone(),
                title,
                expected: format!("case `{case_id}`"),
                actual: "no such case in the events".into(),
                note: None,
            });
            continue;
        };
        let got = project(&wanted, report, None);
        if got != wanted {
            let pretty = |j: &Json| serde_json::to_string_pretty(j).unwrap_or_default();
            mismatches.push(Mismatch {
                index: i,
                case: case_id,
                title,
                expected: pretty(&wanted),
                actual: pretty(&got),
                note,
            });
        }
    }
    Ok(mismatches)
}

/// An expectation's `line = N` (in `rejected` and `history`) counts `[[events]]` tables: it
/// means the Nth event, as people count them when writing a scenario, and stays right when a
/// comment is added above it. The case report gives an event's line in the file, so before the
/// two are compared each N becomes the Nth event's file line; the returned note says which,
/// for the diff's reader. A number beyond the events is left as written (`check` reports it).
fn event_lines_to_file_lines(wanted: &mut Json, lines: &[usize]) -> Option<String> {
    let mut seen = std::collections::BTreeMap::new();
    let Json::Object(map) = wanted else { return None };
    for key in ["rejected", "history"] {
        let Some(Json::Array(items)) = map.get_mut(key) else { continue };
        for item in items {
            let Some(line) = item.get_mut("line") else { continue };
            let Some(n) = line.as_u64().and_then(|n| usize::try_from(n).ok()) else { continue };
            if let Some(&file_line) = n.checked_sub(1).and_then(|i| lines.get(i)) {
                *line = Json::from(file_line);
                seen.insert(n, file_line);
            }
        }
    }
    if seen.is_empty() {
        return None;
    }
    let each: Vec<String> = seen.iter().map(|(n, l)| format!("event #{n} is line {l}")).collect();
    Some(format!("`line = N` counts [[events]]; shown as lines of the file: {}", each.join(", ")))
}

/// The events of a scenario that are not events (a malformed `at`, a missing key), each as
/// `[[events]] #N` with its line and what was expected. A scenario with one cannot run: its
/// event would be skipped and the scenario pass without it.
pub fn malformed_events(scenario: &Scenario) -> Vec<(Option<usize>, String)> {
    scenario
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, ev)| {
            let line = scenario.event_lines.get(i).copied();
            let read = match ev.as_table() {
                Some(t) => crate::eval::event::from_toml_table(t, line.unwrap_or(i + 1)).map(|_| ()),
                None => Err(crate::eval::event::EventError::NotObject),
            };
            read.err().map(|e| {
                let what = match e {
                    crate::eval::event::EventError::NotObject => "an event must be a table ([[events]])".to_string(),
                    e => e.to_string(),
                };
                (line, format!("[[events]] #{}: not an event: {what}", i + 1))
            })
        })
        .collect()
}

/// Evaluate the scenario's events as of `now`; the JSON reports of every case.
/// A checked plan with the indices of its `from` and `to` versions.
pub type Migration = (usize, usize, crate::migrate::Plan);

fn evaluate(
    scenario: &Scenario,
    versions: &Versions,
    plans: &[Migration],
    now: Option<DateTime<Utc>>,
    coverage: Option<&mut Vec<Coverage>>,
) -> Result<Vec<Json>, String> {
    let plans = plans.iter().map(|(f, t, p)| (*f, *t, p)).collect();
    let mut run = LogRun::versioned(versions, true, now).with_migrations(plans).allow_keys(&scenario.allow_keys);
    if coverage.is_some() {
        run = run.with_coverage();
    }
    // Each event is reported at its line in the scenario file, as a `.toml` case file's are.
    run.feed_toml_events_at(&scenario.events, &scenario.event_lines);
    if let Some(m) = run.malformed.first() {
        return Err(format!("the event at line {} is not an event: {}", m.line, m.message));
    }
    run.finish();
    if let Some(total) = coverage {
        total.resize(run.engines.len().max(total.len()), Coverage::default());
        for (sum, engine) in total.iter_mut().zip(&run.engines) {
            if let Some(c) = engine.coverage() {
                sum.merge(&c);
            }
        }
    }
    Ok(run.cases.iter().map(|c| serde_json::to_value(case::build(run.engine(c), c)).unwrap_or(Json::Null)).collect())
}

/// The 1-based line of each expectation in a scenario's TOML text, in order: the line of its
/// `[[expect]]` header (or of its `{` in an inline `expect = [...]`). Read from the parser's
/// spans, so a `[[expect]]` inside a string or a comment is not taken for one. Empty when the
/// text does not parse or has no `expect` array.
pub fn expect_lines(text: &str) -> Vec<usize> {
    table_lines(text, "expect")
}

/// The 1-based line of each table of the array `key` (`[[events]]`, `[[expect]]`), as
/// [`expect_lines`] finds them.
pub fn table_lines(text: &str, key: &str) -> Vec<usize> {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return Vec::new();
    };
    let Some(toml::de::DeValue::Array(items)) = doc.get_ref().get(key).map(toml::Spanned::get_ref) else {
        return Vec::new();
    };
    // Tables come in file order, so one walk over the text counts every line: counting from the
    // start for each table would be quadratic in a long scenario.
    let (mut line, mut counted) = (1, 0);
    items
        .iter()
        .map(|item| {
            let offset = item.span().start.max(counted);
            line += text.get(counted..offset).map_or(0, newlines);
            counted = offset;
            line
        })
        .collect()
}

fn newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "policy = \"p.policy\"\n\n[[events]]\ncase = \"A\"\nat = \"2026-01-01T00:00:00Z\"\nrole = \"r\"\naction = \"a\"\n\n# later\n[[events]]\ncase = \"A\"\nat = \"soon\"\nrole = \"r\"\naction = \"b\"\n\n[[expect]]\nrejected = [{ line = 2 }, { line = 9 }]\n";

    #[test]
    fn events_know_their_lines_in_the_file() {
        let s = parse(TEXT).unwrap();
        assert_eq!(s.event_lines, [3, 10]);
    }

    #[test]
    fn an_expected_event_number_becomes_that_events_file_line() {
        let s = parse(TEXT).unwrap();
        let mut wanted = to_json(&toml::Value::Table(s.expect[0].clone()));
        let note = event_lines_to_file_lines(&mut wanted, &s.event_lines);
        // The second event is at line 10; a number beyond the events is left as written.
        assert_eq!(wanted, serde_json::json!({"rejected": [{"line": 10}, {"line": 9}]}));
        assert_eq!(
            note.as_deref(),
            Some("`line = N` counts [[events]]; shown as lines of the file: event #2 is line 10")
        );
    }

    #[test]
    fn an_event_with_a_malformed_at_is_reported_at_its_line() {
        let s = parse(TEXT).unwrap();
        let found = malformed_events(&s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(10));
        assert!(found[0].1.starts_with("[[events]] #2: not an event: `at` is not an RFC 3339 time"), "{found:?}");
    }

    #[test]
    fn events_that_are_not_an_array_are_refused() {
        let err = parse("policy = \"p\"\nevents = 3\n[[expect]]\nstatus = \"x\"\n").unwrap_err();
        assert!(err.contains("`events` must be an array of tables"), "{err}");
    }
}
