//! `docket eval --fail-on KINDS`: which problems of a run make `eval` exit 1, and the line on
//! stderr that says why. Without the option every kind counts and nothing extra is printed, as
//! before the option existed.

use super::{OK, PROBLEMS};
use docket::eval::log::LogRun;

/// A kind of problem a run can have, or a shorthand for a set of them.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// An event the policy did not allow (wrong status, role, condition, a closed case).
    Rejected,
    /// A log line that is not an event (not JSON, a missing key, a bad time).
    Malformed,
    /// A case stopped by a policy error (automatic transitions or timers that never settle).
    Stuck,
    /// Any of the three (the default).
    Any,
    /// None: exit 0 whatever the log holds (2 still means a usage or I/O error).
    Never,
}

/// The problems a run found, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Problems {
    /// Events rejected.
    pub rejected: usize,
    /// Lines that were not events.
    pub malformed: usize,
    /// Cases stopped by a policy error.
    pub stuck: usize,
}

impl Problems {
    /// Count a finished run's problems.
    pub fn of(run: &LogRun) -> Self {
        Problems {
            rejected: run.rejected(),
            malformed: run.malformed_count,
            stuck: run.cases.iter().filter(|c| c.stuck().is_some()).count(),
        }
    }
}

/// Refuse a list that contradicts itself: `never` with anything else.
pub fn validate(kinds: &[FailOn]) -> Result<(), String> {
    if kinds.contains(&FailOn::Never) && kinds.iter().any(|k| *k != FailOn::Never) {
        return Err("error: --fail-on never cannot be combined with other kinds; give `never` alone, or the kinds that should fail".into());
    }
    Ok(())
}

fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// The exit code for these problems, and, when `--fail-on` was given and the run fails, the line
/// saying why (`docket: failing because 3 events were rejected (--fail-on rejected)`).
pub fn verdict(problems: Problems, kinds: &[FailOn]) -> (u8, Option<String>) {
    let counts = |kind: FailOn| kinds.is_empty() || kinds.contains(&kind) || kinds.contains(&FailOn::Any);
    let mut reasons = Vec::new();
    if counts(FailOn::Rejected) && problems.rejected > 0 {
        reasons.push(counted(problems.rejected, "event was rejected", "events were rejected"));
    }
    if counts(FailOn::Malformed) && problems.malformed > 0 {
        reasons.push(counted(problems.malformed, "log line was malformed", "log lines were malformed"));
    }
    if counts(FailOn::Stuck) && problems.stuck > 0 {
        reasons.push(counted(problems.stuck, "case was stuck on a policy error", "cases were stuck on a policy error"));
    }
    if kinds.contains(&FailOn::Never) || reasons.is_empty() {
        return (OK, None);
    }
    if kinds.is_empty() {
        return (PROBLEMS, None);
    }
    let because = match reasons.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let mut given: Vec<&str> = Vec::new();
    for k in kinds {
        let name = match k {
            FailOn::Rejected => "rejected",
            FailOn::Malformed => "malformed",
            FailOn::Stuck => "stuck",
            FailOn::Any => "any",
            FailOn::Never => "never",
        };
        if !given.contains(&name) {
            given.push(name);
        }
    }
    (PROBLEMS, Some(format!("docket: failing because {because} (--fail-on {})", given.join(","))))
}

/// The exit code of a finished run; prints the reason to stderr when there is one.
pub fn exit_code(run: &LogRun, kinds: &[FailOn]) -> u8 {
    let (code, why) = verdict(Problems::of(run), kinds);
    if let Some(why) = why {
        eprintln!("{why}");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::FailOn::*;
    use super::*;

    const ALL: Problems = Problems { rejected: 3, malformed: 1, stuck: 2 };

    #[test]
    fn without_the_option_every_kind_fails_silently() {
        assert_eq!(verdict(ALL, &[]), (PROBLEMS, None));
        assert_eq!(verdict(Problems { stuck: 1, ..Problems::default() }, &[]), (PROBLEMS, None));
        assert_eq!(verdict(Problems::default(), &[]), (OK, None));
    }

    #[test]
    fn only_the_listed_kinds_fail_and_say_so() {
        let malformed_only = Problems { malformed: 1, ..Problems::default() };
        assert_eq!(verdict(malformed_only, &[Rejected]), (OK, None));
        assert_eq!(
            verdict(ALL, &[Rejected]),
            (PROBLEMS, Some("docket: failing because 3 events were rejected (--fail-on rejected)".into()))
        );
        assert_eq!(
            verdict(ALL, &[Stuck, Malformed, Stuck]),
            (
                PROBLEMS,
                Some(
                    "docket: failing because 1 log line was malformed and 2 cases were stuck on a policy error (--fail-on stuck,malformed)"
                        .into()
                )
            )
        );
        assert_eq!(
            verdict(ALL, &[Any]),
            (
                PROBLEMS,
                Some("docket: failing because 3 events were rejected, 1 log line was malformed and 2 cases were stuck on a policy error (--fail-on any)".into())
            )
        );
        assert_eq!(verdict(ALL, &[Never]), (OK, None));
    }

    #[test]
    fn never_stands_alone() {
        assert!(validate(&[Never]).is_ok());
        assert!(validate(&[Rejected, Stuck]).is_ok());
        assert!(validate(&[Never, Rejected]).is_err());
    }
}
