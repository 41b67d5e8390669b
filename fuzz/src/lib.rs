//! The properties the fuzz targets check, shared by the targets in `fuzz_targets/`. Each function
//! panics (which libFuzzer reports as a crash, saving the input) when a property fails, with a
//! message saying which.

use docket::compile::table::TransitionTable;
use docket::eval::log::{EventSink, LogRun};
use docket::report::{case, summary};

/// A policy's files (holiday data) are not read while fuzzing: every read fails.
pub fn no_files(path: &str) -> Result<String, String> {
    Err(format!("no files while fuzzing (`{path}`)"))
}

/// Parser and checker on arbitrary bytes: no panic; every diagnostic renders.
pub fn parse_and_check(data: &[u8]) {
    let (file, decode_error) = docket::source_from_bytes("fuzz.policy", data.to_vec());
    if let Some(d) = decode_error {
        let _ = docket::diag::render_text(&file, &d);
        return;
    }
    let compiled = docket::compile_file_with(file, &no_files);
    for d in &compiled.diagnostics {
        let _ = docket::diag::render_text(&compiled.file, d);
    }
    if let Some(table) = &compiled.table {
        let _ = docket::compile::meaning::meaning(table);
    }
}

/// fmt's round trip: whatever parses formats, and the output passes fmt's own check (same tree,
/// same meaning, every comment attached to the same declaration); formatting it again changes
/// nothing.
pub fn fmt_round_trip(text: &str) {
    let out = match docket::format::format_checked(text, &no_files) {
        Ok(out) => out,
        Err(docket::format::FormatError::Syntax(_)) => return,
        Err(docket::format::FormatError::Refused(why)) => {
            let printed = docket::format::format(text).unwrap_or_default();
            panic!("fmt refused its own output: {why}\n--- input\n{text}\n--- output\n{printed}")
        }
    };
    match docket::format::format(&out) {
        Ok(again) => assert!(again == out, "fmt is not idempotent\n--- once\n{out}\n--- twice\n{again}"),
        Err(d) => panic!("fmt's output does not parse: {}\n--- output\n{out}", d.message),
    }
}

/// Feed a log's bytes as `docket eval` reads them: line by line, a byte-order mark before the
/// first line dropped, a line that is not UTF-8 malformed.
fn feed(run: &mut LogRun<'_>, log: &[u8]) {
    for (n, line) in log.split(|b| *b == b'\n').enumerate() {
        let line = if n == 0 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
        match std::str::from_utf8(line) {
            Ok(text) => run.feed_line(text, n + 1),
            Err(_) => run.malformed(n + 1, "not UTF-8".into()),
        }
    }
    run.finish();
}

/// One run's case reports as JSON lines, and its totals.
fn run_once(table: &TransitionTable, log: &[u8], keep_history: bool, now: Option<&str>) -> (String, summary::Summary) {
    let mut run = LogRun::new(table, keep_history, now.and_then(docket::eval::time::parse));
    feed(&mut run, log);
    let mut out = String::new();
    if keep_history {
        for c in &run.cases {
            let report = case::build(run.engine(c), c);
            match serde_json::to_string(&report) {
                Ok(json) => out.push_str(&json),
                Err(e) => panic!("a case report does not serialize: {e}"),
            }
            out.push('\n');
        }
    }
    (out, summary::build(&run))
}

/// The evaluator on a log: no panic; the totals add up; the same log gives the same output twice;
/// a summary run (no history kept) counts what a full run counts.
pub fn eval_log(table: &TransitionTable, log: &[u8], now: Option<&str>) {
    let (first, totals) = run_once(table, log, true, now);
    let (second, again) = run_once(table, log, true, now);
    assert!(first == second, "two runs over one log differ\n--- first\n{first}\n--- second\n{second}");
    assert!(totals == again, "two runs over one log count differently: {totals:?} / {again:?}");
    let cases: usize = totals.by_status.values().sum();
    assert_eq!(cases, totals.cases, "cases by status do not add up to the cases: {totals:?}");
    let closed: usize = totals.by_outcome.values().sum();
    assert!(closed <= totals.cases, "more outcomes than cases: {totals:?}");
    assert_eq!(
        totals.applied + totals.rejected + totals.duplicates + totals.after_now,
        totals.events,
        "applied, rejected, duplicate and later events do not add up to the events: {totals:?}"
    );
    let (_, lean) = run_once(table, log, false, now);
    let strip = |s: &summary::Summary| {
        (
            s.cases,
            s.events,
            s.applied,
            s.rejected,
            s.malformed,
            s.duplicates,
            s.after_now,
            s.stopped,
            s.by_status.clone(),
            s.by_outcome.clone(),
        )
    };
    assert!(strip(&totals) == strip(&lean), "a summary run counts differently from a full run: {totals:?} / {lean:?}");
}

/// Compile a policy's text for evaluation; `None` when it does not check.
pub fn compile(text: &str) -> Option<TransitionTable> {
    docket::compile_file_with(docket::span::SourceFile::new("fuzz.policy", text), &no_files).table
}

/// `set` as a library edit: the text either keeps its bytes or has exactly the timer's duration
/// token replaced by the duration asked for.
pub fn set_edit(text: &str, timer: &str, duration: &str) {
    let Ok(edited) = docket::edit::set_duration(text, timer, duration) else { return };
    if edited == text {
        return;
    }
    let Ok(old) = docket::edit::get_duration(text, timer) else {
        panic!("set changed `{timer}`, which get cannot find\n--- before\n{text}\n--- after\n{edited}")
    };
    let expected = format!("{}{duration}{}", &text[..old.span.start], &text[old.span.end..]);
    assert!(
        edited == expected,
        "set changed more than the duration of `{timer}` ({:?})\n--- before\n{text}\n--- after\n{edited}",
        old.span
    );
}

/// The `--now` values the eval targets choose from: none (each case as of its last event), a day
/// within the examples' range, and a year later.
pub const NOWS: [Option<&str>; 3] = [None, Some("2026-03-01T00:00:00Z"), Some("2027-03-01T00:00:00Z")];

/// The durations the `set` target tries: valid ones of every shape, and ones `set` must refuse.
pub const DURATIONS: [&str; 12] =
    ["1s", "5d", "7d", "36h", "1d12h", "2w", "3bd", "0d", "-1d", "99999999999999w", "5x", ""];
