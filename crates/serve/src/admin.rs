//! Policy versions while the server runs: a version added through `POST /v1/admin/versions` is
//! compiled and checked by the library, assembled with the versions in effect, kept in the
//! database and loaded again at every start. A new version may only take effect after every
//! version there is, so the versions cases are pinned to keep their places; open cases stay on
//! their version.

use chrono::{DateTime, Utc};
use docket::compile::table::TransitionTable;
use docket::eval::log::LogRun;
use docket::migrate::Plan;
use docket::versions::Versions;
use std::path::Path;

/// What the server runs: the versions of its policy and the migration plans applied through the
/// admin call. Both live as long as the server: adding one makes a new set and the old sets stay
/// (a few tables, once per admin call) for whoever still reads them.
#[derive(Clone, Copy)]
pub struct Policy {
    /// The versions, oldest first.
    pub versions: &'static Versions,
    /// Migration plans: from version, to version (indices), the checked plan.
    pub plans: &'static [(usize, usize, Plan)],
}

impl Policy {
    /// A run of the library's engine over this policy, as `docket eval VERSIONS --migrations
    /// PLANS --now NOW` makes it.
    pub fn run(&self, now: Option<DateTime<Utc>>) -> LogRun<'static> {
        let plans = self.plans.iter().map(|(f, t, p)| (*f, *t, p)).collect();
        LogRun::versioned(self.versions, true, now).with_migrations(plans)
    }

    /// The earliest plan instant that will move this case (on the plan's `from` version, begun by
    /// then, not yet moved), so the scheduler wakes it then.
    pub fn next_move(&self, version: u16, clock: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let clock = clock?;
        self.plans
            .iter()
            .filter(|(from, _, p)| usize::from(version) == *from && clock <= p.text.at)
            .map(|(_, _, p)| p.text.at)
            .min()
    }
}

/// Read a plan and check it against the versions (the library's `migrate::parse` and `check`).
pub fn plan(name: &str, text: &str, versions: &Versions) -> Result<(usize, usize, Plan), Refusal> {
    let at = |e: &docket::migrate::PlanError| format!("{name}:{}: {}", e.line, e.message);
    let plan = docket::migrate::parse(text).map_err(|e| Refusal::Invalid(at(&e)))?;
    let index = |version: &str| versions.tables.iter().position(|t| t.version.as_deref() == Some(version));
    let (Some(from), Some(to)) = (index(&plan.from), index(&plan.to)) else {
        let missing = if index(&plan.from).is_none() { &plan.from } else { &plan.to };
        return Err(Refusal::Conflict(format!("the plan names version \"{missing}\", which the server does not have")));
    };
    docket::migrate::check(text, plan, &versions.tables[from], &versions.tables[to])
        .map(|p| (from, to, p))
        .map_err(|errors| Refusal::Invalid(errors.iter().map(at).collect::<Vec<_>>().join("\n")))
}

/// Why a version cannot be added: a policy with errors (400) or one that does not fit (409).
#[derive(Debug)]
pub enum Refusal {
    /// The text does not compile: the diagnostics, one per line.
    Invalid(String),
    /// It does not fit the versions there are.
    Conflict(String),
}

/// Compile a version's text; files it names (holidays) are read beside the first policy given.
pub fn compile(name: &str, text: &str, beside: &Path) -> Result<TransitionTable, Refusal> {
    let dir = beside.parent().map(Path::to_path_buf).unwrap_or_default();
    let read = move |path: &str| docket::read_beside(&dir, path);
    let compiled = docket::compile_bytes_with(name, text.as_bytes().to_vec(), &read);
    match compiled.table {
        Some(t) if !compiled.diagnostics.iter().any(|d| d.severity == docket::diag::Severity::Error) => Ok(t),
        _ => {
            let lines: Vec<String> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.severity == docket::diag::Severity::Error)
                .map(|d| {
                    let (line, col) = compiled.file.line_col(d.span.start);
                    format!("{name}:{line}:{col}: {} {}", d.code, d.message)
                })
                .collect();
            Err(Refusal::Invalid(lines.join("\n")))
        }
    }
}

/// The versions with one more, which must take effect after all of them and not before `now`:
/// a case begun before `now` was pinned to a version already, and a replay must pin it alike.
pub fn add(current: &Versions, name: &str, table: TransitionTable, now: DateTime<Utc>) -> Result<Versions, Refusal> {
    match table.effective {
        Some(e) if e >= now => {}
        Some(e) => {
            return Err(Refusal::Conflict(format!(
                "the new version takes effect at {}, which has passed: cases begun since are on another version; give an instant from now on",
                docket::eval::time::format(&e)
            )));
        }
        None => {
            return Err(Refusal::Conflict(
                "the new version has no `effective` instant: an added version says from when new cases take it".into(),
            ));
        }
    }
    if !current.is_versioned() && current.tables[0].effective.is_some() {
        return Err(Refusal::Conflict(format!(
            "`{}` declares `effective` and is the only version: served alone it applies to every case, and with a second version cases begun before it would have none",
            current.sources[0]
        )));
    }
    let mut list: Vec<(String, TransitionTable)> =
        current.sources.iter().cloned().zip(current.tables.iter().cloned()).collect();
    let effective = table.effective;
    list.push((name.to_string(), table));
    let versions = Versions::assemble(list)
        .map_err(|errors| Refusal::Conflict(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
    if versions.sources.last().map(String::as_str) != Some(name) {
        let latest = current.tables.iter().filter_map(|t| t.effective).max();
        return Err(Refusal::Conflict(format!(
            "the new version takes effect {}, before the latest version ({}): a version can only be added after the latest",
            effective.map_or("from the beginning".to_string(), |e| docket::eval::time::format(&e)),
            latest.map_or("from the beginning".to_string(), |e| docket::eval::time::format(&e)),
        )));
    }
    Ok(versions)
}

/// The versions as JSON, for the admin call's answer.
pub fn describe(versions: &Versions) -> serde_json::Value {
    let list: Vec<serde_json::Value> = versions
        .tables
        .iter()
        .zip(&versions.sources)
        .map(|(t, source)| {
            serde_json::json!({
                "source": source,
                "version": t.version,
                "effective": t.effective.map(|e| docket::eval::time::format(&e)),
            })
        })
        .collect();
    serde_json::json!({ "policy": versions.tables[0].name, "versions": list })
}

/// The plans applied, for the admin call's answer.
pub fn describe_plans(policy: Policy) -> serde_json::Value {
    let name = |i: usize| policy.versions.tables.get(i).and_then(|t| t.version.clone());
    let list: Vec<serde_json::Value> = policy
        .plans
        .iter()
        .map(|(f, t, p)| {
            serde_json::json!({ "from": name(*f), "to": name(*t), "at": docket::eval::time::format(&p.text.at) })
        })
        .collect();
    serde_json::json!({ "migrations": list })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &str) -> TransitionTable {
        let text = format!(
            "policy p \"P\"\n{header}\n\nroles buyer\n\noutcomes done\n\nactions {{\n  buyer open\n}}\n\ninitial status new \"New\" {{\n  buyer open -> closed\n}}\n\nterminal status closed \"Closed\" outcome done\n"
        );
        match compile("p.policy", &text, Path::new("p.policy")) {
            Ok(t) => t,
            Err(Refusal::Invalid(e) | Refusal::Conflict(e)) => panic!("{e}"),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        docket::eval::time::parse(text).unwrap()
    }

    #[test]
    fn a_version_is_added_only_after_every_other_and_from_now_on() {
        let one = Versions::single("v1.policy", table("version \"1\""));
        let now = at("2030-01-01T00:00:00Z");
        let two = add(&one, "v2", table("version \"2\"\neffective 2031-01-01T00:00:00Z"), now).unwrap();
        assert_eq!(two.sources, ["v1.policy", "v2"]);
        let before = add(&two, "v3", table("version \"3\"\neffective 2030-06-01T00:00:00Z"), now);
        assert!(matches!(before, Err(Refusal::Conflict(m)) if m.contains("before the latest")));
        let past = add(&two, "v3", table("version \"3\"\neffective 2029-06-01T00:00:00Z"), now);
        assert!(matches!(past, Err(Refusal::Conflict(m)) if m.contains("has passed")));
        let same = add(&two, "v3", table("version \"2\"\neffective 2032-01-01T00:00:00Z"), now);
        assert!(matches!(same, Err(Refusal::Conflict(m)) if m.contains("both declare version")));
        let none = add(&two, "v3", table("version \"3\""), now);
        assert!(matches!(none, Err(Refusal::Conflict(m)) if m.contains("no `effective`")));
        let broken = compile("b.policy", "policy b \"B\"\nstatus", Path::new("b.policy"));
        assert!(matches!(broken, Err(Refusal::Invalid(m)) if m.starts_with("b.policy:")));
    }
}
