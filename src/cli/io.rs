//! File access for the verbs: reading a policy, with read errors as plain messages.

use docket::Compiled;
use docket::diag::{self, Severity};
use docket::eval::log::{EventSink, LogRun};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Read and compile a policy; `Err` is an I/O problem already worded for the user.
pub fn load_policy(path: &Path) -> Result<Compiled, String> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not a policy file"));
    }
    let bytes = read_policy_bytes(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
    Ok(docket::compile_bytes(&name, bytes))
}

/// A policy file's bytes, read no further than just past the size a policy may have: a
/// 3 GB file costs no more memory than a policy, and the parser's own limit (E005) reports it.
pub fn read_policy_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let limit = docket::syntax::MAX_SOURCE_BYTES as u64 + 4;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit).read_to_end(&mut bytes)?;
    if bytes.len() as u64 == limit
        && let Err(e) = std::str::from_utf8(&bytes)
        && e.error_len().is_none()
    {
        // The cut fell inside a character: drop its first bytes, so the text is still UTF-8
        // and the size limit, not an encoding error, is what is reported.
        bytes.truncate(e.valid_up_to());
    }
    Ok(bytes)
}

/// The longest log line read as one event. Real events are a few hundred bytes; a longer line
/// (or a stream with no line breaks, such as `/dev/zero`) is reported and skipped, never held.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The errors of a policy that did not compile, rendered for stderr.
pub fn rendered_errors(compiled: &Compiled) -> String {
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| diag::render_text_with(&compiled.file, d, super::color::enabled(super::color::Stream::Stderr)))
        .collect()
}

/// A diagnostic drawn for standard error, in colour when that stream takes it.
pub fn render_for_stderr(file: &docket::span::SourceFile, d: &docket::diag::Diagnostic) -> String {
    diag::render_text_with(file, d, super::color::enabled(super::color::Stream::Stderr))
}

/// An I/O error in words, without Rust's `(os error 2)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// Load a policy for a verb that needs a table: diagnostics go to stderr, errors are fatal.
pub fn load_table(path: &Path) -> Result<(Compiled, docket::compile::table::TransitionTable), u8> {
    let mut compiled = load_policy(path).map_err(|msg| {
        eprintln!("{msg}");
        super::USAGE
    })?;
    let Some(table) = compiled.table.take() else {
        eprint!("{}", rendered_errors(&compiled));
        eprintln!("error: `{}` has problems; run `docket check` on it", compiled.file.name);
        return Err(super::USAGE);
    };
    Ok((compiled, table))
}

/// Write a verb's whole output to stdout. A reader that stops early (`| head`) is not an error;
/// any other failure to write is an I/O error (exit 2).
pub fn emit(bytes: &[u8]) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => super::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => super::OK,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            super::USAGE
        }
    }
}

/// The verb's own exit code, unless writing its output failed.
pub fn emit_then(bytes: &[u8], code: u8) -> u8 {
    match emit(bytes) {
        super::OK => code,
        failed => failed,
    }
}

/// Feed an event log into a run (or a replay): JSON Lines from a file or `-` for stdin, read line
/// by line, or a `.toml` case file. Every malformed line is reported on stderr as it is read
/// (`examples/messy.jsonl:12: malformed line skipped: ...`), in every verb and every output
/// format, so stdout carries only the report; the run still counts it (`--summary`, `--fail-on`).
pub fn feed_log(run: &mut impl EventSink, path: &Path) -> Result<(), String> {
    let name = path.display().to_string();
    let shown = if name == "-" { STDIN_NAME.to_string() } else { name.clone() };
    let run = &mut Noticed { inner: run, file: &shown };
    if path.extension().is_some_and(|e| e == "toml") {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
        return feed_toml(run, &text).map_err(|e| format!("error: `{name}`: {e}"));
    }
    if path.is_dir() {
        return Err(format!("error: `{name}` is a directory, not an event log"));
    }
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, file))
    };
    feed_reader(run, reader).map_err(|e| format!("error: reading `{name}`: {e}"))
}

/// A sink that reports each malformed line on stderr, naming the file and line, before passing
/// it on: one notice per line, written as the log streams, so nothing is kept for it.
struct Noticed<'a, S: EventSink> {
    inner: &'a mut S,
    file: &'a str,
}

impl<S: EventSink> EventSink for Noticed<'_, S> {
    fn event(&mut self, event: &docket::eval::event::Event) {
        self.inner.event(event);
    }

    fn event_hashed(&mut self, event: &docket::eval::event::Event, hash: u64) {
        self.inner.event_hashed(event, hash);
    }

    fn coming(&self, hash: u64, near: bool) {
        self.inner.coming(hash, near);
    }

    fn malformed(&mut self, line: usize, message: String) {
        let text = format!("{}:{line}: malformed line skipped: {message}", self.file);
        eprintln!("{}", docket::report::terminal_safe(&text));
        self.inner.malformed(line, message);
    }
}

/// Feed JSON Lines from a reader; a line that is not UTF-8 is malformed, not fatal.
fn feed_reader(run: &mut impl EventSink, reader: impl BufRead) -> std::io::Result<()> {
    read_lines(reader, |line, read| {
        match read {
            Line::Text(text) => run.feed_line(text, line),
            Line::Malformed(message) => run.malformed(line, message),
        }
        true
    })
}

/// One line of a log as read: its text, or why it cannot be an event.
enum Line<'a> {
    Text(&'a str),
    Malformed(String),
}

/// Read a log line by line, giving each (with its 1-based number) to `each`, until the input
/// ends or `each` returns false. Both ways of feeding a log read it through here.
fn read_lines(mut reader: impl BufRead, mut each: impl FnMut(usize, Line<'_>) -> bool) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    let mut line = 0;
    loop {
        buf.clear();
        let Some(too_long) = read_line_capped(&mut reader, &mut buf)? else { return Ok(()) };
        line += 1;
        let read = if too_long {
            Line::Malformed(format!("the line is longer than {} KiB, more than any event", MAX_LINE_BYTES / 1024))
        } else {
            // A byte-order mark before the first line is not part of the event.
            let bytes = if line == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf) } else { &buf };
            match std::str::from_utf8(bytes) {
                Ok(text) => Line::Text(text),
                Err(_) => Line::Malformed("the line is not valid UTF-8".into()),
            }
        };
        if !each(line, read) {
            return Ok(());
        }
    }
}

/// Text read into a batch before the reader hands it over.
const BATCH_BYTES: usize = 1 << 18;
/// Lines in a batch at most (a log of malformed lines holds little text but a message each).
const BATCH_LINES: usize = 1 << 14;
/// Batches read ahead of the run at most: memory for reading stays a few MiB.
const BATCHES_AHEAD: usize = 2;

/// Feed a log to a run and bring its cases up to the evaluation instant
/// ([`LogRun::finish`]), on `threads` threads: with 2 or more, one reads and parses the log
/// while `threads` others each evaluate a share of the cases (split by a keyed hash of the case
/// id, [`LogRun::split`]), and the shares are merged back in the order one run would have had
/// them. With 1 (or a `.toml` file) everything happens on this thread. The run ends with the
/// same cases, counts and malformed lines either way, so its output does not depend on
/// `threads`.
pub fn eval_log<'t>(mut run: LogRun<'t>, path: &Path, threads: usize) -> Result<LogRun<'t>, String> {
    let name = path.display().to_string();
    let cases = expected_cases(path);
    if threads < 2 || path.extension().is_some_and(|e| e == "toml") || path.is_dir() {
        run.reserve_cases(cases);
        feed_log(&mut run, path)?;
        run.finish();
        return Ok(run);
    }
    let shown = if name == "-" { STDIN_NAME.to_string() } else { name.clone() };
    let file = if name == "-" {
        None
    } else {
        Some(std::fs::File::open(path).map_err(|e| format!("error: cannot read `{name}`: {}", io_reason(&e)))?)
    };
    let hasher = run.case_hasher().clone();
    let mut parts = run.split(threads);
    for part in &mut parts {
        part.reserve_cases(cases / threads);
    }
    feed_parts_ahead(&mut parts, &shown, hasher, file).map_err(|e| format!("error: reading `{name}`: {e}"))?;
    // Cannot fail: `split` makes at least one part.
    LogRun::merge(parts).ok_or_else(|| format!("error: reading `{name}`: no run"))
}

/// About how many cases a log file holds, judged by its size (0 for stdin): room for them is
/// made at once, so the case index does not grow by rehashing every case seen, again and again
/// (4% of `eval --summary` on the 1M-case log in `perf record`). The bundled logs take about
/// 620 bytes a case; counting one per 512 overshoots a little. Room made for cases that never
/// come costs little: the index's slots are not touched until used.
fn expected_cases(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len() / 512).unwrap_or(0))
}

/// Read batches of lines on a thread of their own (a file, or stdin for `None`) and give each to
/// every part, each evaluating on its own thread and finishing its cases at the end; a batch
/// all parts are done with goes back to the reader, so its memory is reused.
fn feed_parts_ahead(
    parts: &mut [LogRun<'_>],
    shown: &str,
    hasher: std::hash::RandomState,
    file: Option<std::fs::File>,
) -> std::io::Result<()> {
    use docket::eval::batch::Batch;
    use std::sync::{Arc, mpsc};
    let count = parts.len();
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..count).map(|_| mpsc::sync_channel::<Arc<Batch>>(BATCHES_AHEAD)).unzip();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let reader: Box<dyn BufRead> = match file {
                Some(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
                None => Box::new(std::io::stdin().lock()),
            };
            let fresh = || Batch::hashing(hasher.clone());
            let mut batch = fresh();
            // Give a batch to every part; false once a part stopped taking them.
            let hand_over = |batch: Batch| {
                let batch = Arc::new(batch);
                senders.iter().all(|tx| tx.send(Arc::clone(&batch)).is_ok())
            };
            let read = read_lines(reader, |line, read| {
                match read {
                    Line::Text(text) => batch.push_line(text, line),
                    Line::Malformed(message) => batch.push_malformed(line, message),
                }
                if batch.len_bytes() < BATCH_BYTES && batch.len() < BATCH_LINES {
                    return true;
                }
                let next = empty_rx.try_recv().unwrap_or_else(|_| fresh());
                hand_over(std::mem::replace(&mut batch, next))
            });
            if !batch.is_empty() {
                hand_over(batch);
            }
            read
        });
        for (k, (part, batches)) in parts.iter_mut().zip(receivers).enumerate() {
            let empty_tx = empty_tx.clone();
            scope.spawn(move || {
                // The first part reports malformed lines on stderr as they come, in line order.
                let mut noticed = Noticed { inner: part, file: shown };
                for batch in batches {
                    batch.feed_part(&mut noticed, k, count);
                    // The last part done with a batch gives it back to be filled again.
                    if let Some(mut batch) = Arc::into_inner(batch) {
                        batch.clear();
                        let _ = empty_tx.send(batch);
                    }
                }
                part.finish();
            });
        }
        reader.join().unwrap_or_else(|_| Err(std::io::Error::other("the reading thread failed")))
    })
}

/// Read one line into `buf`, keeping at most [`MAX_LINE_BYTES`]; the rest of a longer line is
/// skipped without being held. `None` at the end of the input, else whether the line was too long.
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (used, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long && buf.len() + used <= MAX_LINE_BYTES {
            buf.extend_from_slice(&chunk[..used]);
        } else if !too_long {
            too_long = true;
            buf.clear();
        }
        reader.consume(used);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// Feed a TOML case file: `[[events]]` tables, each an event; the index stands for the line.
fn feed_toml(run: &mut impl EventSink, text: &str) -> Result<(), String> {
    run.feed_toml_file(text)
}

/// A compiled policy with its table.
pub type Loaded = (Compiled, docket::compile::table::TransitionTable);

/// Read a policy from a file or `REV:path`, and compile it; errors are printed as diagnostics.
pub fn load_spec(spec: &str) -> Result<Loaded, String> {
    let path = Path::new(spec);
    let mut revision = None;
    let bytes = if path.exists() {
        if path.is_dir() {
            return Err(format!("error: `{spec}` is a directory, not a policy file"));
        }
        read_policy_bytes(path).map_err(|e| format!("error: cannot read `{spec}`: {}", io_reason(&e)))?
    } else if spec.contains(':') {
        // `--end-of-options`: a revision that starts with `-` is a revision, never an option.
        let out = std::process::Command::new("git")
            .args(["show", "--end-of-options", spec])
            .output()
            .map_err(|e| format!("error: cannot run git to read `{spec}`: {e}"))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(format!("error: cannot read `{spec}` from git: {why}"));
        }
        revision = spec.split_once(':');
        out.stdout
    } else {
        return Err(format!("error: cannot read `{spec}`: no such file (for a git revision write REV:path)"));
    };
    let mut compiled = match revision {
        // Files the policy names come from the same revision, beside it.
        Some((rev, file)) => {
            let dir = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
            let read = move |named: &str| git_show(rev, &dir.join(named));
            docket::compile_bytes_with(spec, bytes, &read)
        }
        None => docket::compile_bytes(spec, bytes),
    };
    match compiled.table.take() {
        Some(t) => Ok((compiled, t)),
        None => Err(format!("{}error: `{spec}` has problems; run `docket check` on it", rendered_errors(&compiled))),
    }
}

/// A file's text at a git revision; `..` and `.` in the path are resolved first, as git wants.
fn git_show(rev: &str, path: &Path) -> Result<String, String> {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    let spec = format!("{rev}:{}", parts.join("/"));
    let out = std::process::Command::new("git")
        .args(["show", "--end-of-options", &spec])
        .output()
        .map_err(|e| format!("cannot run git to read `{spec}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("not in git at `{spec}`: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("`{spec}` is not UTF-8 text"))
}

/// The policy files a verb is given: files, `REV:path` revisions, and directories (every
/// `*.policy` in one, by name).
pub fn expand_policy_specs(specs: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for spec in specs {
        let path = Path::new(spec);
        if path.is_dir() {
            let entries =
                std::fs::read_dir(path).map_err(|e| format!("error: cannot read `{spec}`: {}", io_reason(&e)))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "policy"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!("error: `{spec}` holds no `.policy` file"));
            }
            out.extend(files.into_iter().map(|f| f.display().to_string()));
        } else {
            out.push(spec.clone());
        }
    }
    Ok(out)
}

/// Read, compile and assemble the versions of one policy, printing every problem to stderr;
/// `Err` is the exit code.
pub fn load_versions(specs: &[String]) -> Result<docket::versions::Versions, u8> {
    try_load_versions(specs).map_err(|messages| {
        for m in messages {
            eprintln!("{m}");
        }
        super::USAGE
    })
}

/// Read, compile and assemble the versions of one policy; `Err` holds every problem, worded.
pub fn try_load_versions(specs: &[String]) -> Result<docket::versions::Versions, Vec<String>> {
    let files = expand_policy_specs(specs).map_err(|msg| vec![msg])?;
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for spec in &files {
        match load_spec(spec) {
            Ok((_, table)) => loaded.push((spec.clone(), table)),
            Err(msg) => problems.push(msg.trim_end().to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if loaded.len() == 1 {
        let (source, table) = loaded.remove(0);
        return Ok(docket::versions::Versions::single(&source, table));
    }
    docket::versions::Versions::assemble(loaded)
        .map_err(|errors| errors.iter().map(|e| format!("error: {e}")).collect())
}

/// Migration plans read and checked against the versions given: each with the indices of its
/// `from` and `to` versions. Every problem is printed to stderr as `FILE:LINE: error: ...`;
/// `Err` is the exit code.
pub fn load_plans(
    specs: &[PathBuf],
    versions: &docket::versions::Versions,
) -> Result<Vec<(usize, usize, docket::migrate::Plan)>, u8> {
    let mut files = Vec::new();
    for spec in specs {
        if spec.is_dir() {
            let entries = std::fs::read_dir(spec).map_err(|e| {
                eprintln!("error: cannot read `{}`: {}", spec.display(), io_reason(&e));
                super::USAGE
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(spec.clone());
        }
    }
    let mut plans = Vec::new();
    let mut failed = false;
    for file in &files {
        match load_plan(file, versions) {
            Ok(p) => plans.push(p),
            Err(messages) => {
                failed = true;
                for m in messages {
                    eprintln!("{m}");
                }
            }
        }
    }
    if failed { Err(super::USAGE) } else { Ok(plans) }
}

/// One plan, checked; `Err` holds its problems, each naming the file and line.
pub fn load_plan(
    file: &Path,
    versions: &docket::versions::Versions,
) -> Result<(usize, usize, docket::migrate::Plan), Vec<String>> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| vec![format!("error: cannot read `{name}`: {}", io_reason(&e))])?;
    let at = |e: &docket::migrate::PlanError| format!("{name}:{}: error: {}", e.line, e.message);
    let plan = docket::migrate::parse(&text).map_err(|e| vec![at(&e)])?;
    let index = |version: &str| versions.tables.iter().position(|t| t.version.as_deref() == Some(version));
    let given: Vec<String> =
        versions.tables.iter().map(|t| format!("\"{}\"", t.version.clone().unwrap_or_default())).collect();
    let (Some(from), Some(to)) = (index(&plan.from), index(&plan.to)) else {
        let missing = if index(&plan.from).is_none() { &plan.from } else { &plan.to };
        return Err(vec![format!(
            "{name}:1: error: the plan names version \"{missing}\", which is not among the versions given ({})",
            given.join(", ")
        )]);
    };
    docket::migrate::check(&text, plan, &versions.tables[from], &versions.tables[to])
        .map(|p| (from, to, p))
        .map_err(|errors| errors.iter().map(at).collect())
}

/// The name a policy read from standard input goes by in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Where one policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyInput {
    /// Standard input, named `-` on the command line.
    Stdin,
    /// A file.
    File(PathBuf),
}

/// The policies the arguments of `check` and `fmt` name: a file as given, `-` for standard input
/// (once), and every `*.policy` under a directory, at any depth, in sorted order (symbolic links
/// to directories are not followed, so a link cannot make a loop). Each argument that names
/// nothing usable is a message, and the rest are still returned.
pub fn policy_inputs(args: &[PathBuf]) -> (Vec<PolicyInput>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut stdin = false;
    for arg in args {
        if arg.as_os_str() == "-" {
            if stdin {
                problems.push("error: `-` (standard input) is given twice; it can be read once".to_string());
            } else {
                stdin = true;
                inputs.push(PolicyInput::Stdin);
            }
        } else if arg.is_dir() {
            match policies_under(arg) {
                Ok(found) if found.is_empty() => {
                    problems.push(format!("error: `{}` holds no `.policy` file", arg.display()));
                }
                Ok(found) => inputs.extend(found.into_iter().map(PolicyInput::File)),
                Err(msg) => problems.push(msg),
            }
        } else {
            inputs.push(PolicyInput::File(arg.clone()));
        }
    }
    (inputs, problems)
}

/// Every `*.policy` file under a directory, sorted by path.
fn policies_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("error: cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("error: cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "policy") && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The bytes of a policy on standard input. A policy is at most 1 MiB; a little more than that
/// is read, enough for the size check to say so, and no more, so an endless stream ends.
pub fn read_stdin() -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = docket::syntax::MAX_SOURCE_BYTES as u64 + 4096;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("error: cannot read standard input: {}", io_reason(&e)))?;
    Ok(bytes)
}

/// Read and compile a policy from a file or standard input; `Err` is an I/O problem, worded.
pub fn load_input(input: &PolicyInput) -> Result<Compiled, String> {
    match input {
        PolicyInput::File(path) => load_policy(path),
        PolicyInput::Stdin => Ok(docket::compile_bytes(STDIN_NAME, read_stdin()?)),
    }
}

/// Replace a policy file's contents with `text`, as `set` and `fmt` write: atomically, so a crash
/// or a full disk never leaves half a policy behind, and keeping what the file is.
///
/// - A temporary file is written in the same directory (so the rename stays on one file
///   system), under a name no other run uses at the same time (process id, a clock reading and a
///   counter, created with `create_new`, so two runs never share or clobber one), readable only
///   by its owner until it has the original's permissions, then flushed and renamed over the file.
/// - The file keeps its permissions (a 0600 policy stays 0600); a read-only file (or one this
///   user may not write) is refused, as the rename would otherwise replace it anyway.
/// - A symbolic link is followed: its target is rewritten and the link stays a link.
/// - A file with more than one hard link is refused: the rename would give this name a new file
///   and leave the other names with the old text, and writing in place is not atomic.
/// - While writing, the file is locked, and it must still hold `original` (the text read, without
///   a byte-order mark, which the file keeps): two runs at once never lose one change silently.
pub fn replace_file(path: &Path, original: &str, text: &str) -> Result<(), WriteError> {
    replace_file_inner(path, original, text)
}

/// Why [`replace_file`] wrote nothing, worded for the user.
#[derive(Debug)]
pub enum WriteError {
    /// The file no longer holds the text read: another run changed it meanwhile.
    Changed(String),
    /// Anything else: permissions, links, I/O.
    Other(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Changed(m) | WriteError::Other(m) => f.write_str(m),
        }
    }
}

fn replace_file_inner(path: &Path, original: &str, text: &str) -> Result<(), WriteError> {
    use WriteError::Other;
    use std::io::Write as _;
    let name = path.display().to_string();
    let fail = |what: &str, e: &std::io::Error| format!("error: cannot {what} `{name}`: {}", io_reason(e));
    let target = std::fs::canonicalize(path).map_err(|e| Other(fail("find", &e)))?;
    let (Some(dir), Some(file_name)) = (target.parent(), target.file_name()) else {
        return Err(Other(format!("error: `{name}` is not a file that can be replaced")));
    };
    let meta = std::fs::metadata(&target).map_err(|e| Other(fail("read", &e)))?;
    if !meta.is_file() {
        return Err(Other(format!("error: `{name}` is not a regular file; nothing was written")));
    }
    let permissions = meta.permissions();
    if permissions.readonly() {
        return Err(Other(format!("error: `{name}` is read-only; nothing was written")));
    }
    if let Some(links) = hard_links(&meta).filter(|n| *n > 1) {
        return Err(Other(format!(
            "error: `{name}` has {links} hard links; replacing it would leave the other names with the old text, \
             so nothing was written\n  = help: edit a copy and move it over each name, or break the link first"
        )));
    }
    // Opening for writing asks the system whether this user may write the file, which the
    // permission bits alone do not say; the handle also holds the lock.
    let guard = std::fs::OpenOptions::new().read(true).write(true).open(&target).map_err(|e| {
        Other(match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                format!("error: `{name}` is read-only for this user; nothing was written")
            }
            _ => fail("open", &e),
        })
    })?;
    // Another `set` or `fmt` on this file waits here, then finds the file changed and refuses.
    guard.lock().map_err(|e| Other(fail("lock", &e)))?;
    let now = std::fs::read(&target).map_err(|e| Other(fail("read", &e)))?;
    // The text was read without its byte-order mark, which the file keeps.
    let bom = now.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &now[3..] } else { &now[..] };
    if body != original.as_bytes() {
        return Err(WriteError::Changed(format!(
            "error: `{name}` changed while it was being edited; nothing was written"
        )));
    }
    let (tmp, mut f) =
        create_temporary(dir, &file_name.to_string_lossy()).map_err(|e| Other(fail("write beside", &e)))?;
    let result = (|| {
        if bom {
            f.write_all(b"\xEF\xBB\xBF")?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, permissions)?;
        drop(f);
        std::fs::rename(&tmp, &target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Other(fail("write", &e))
    })
}

/// How many names a file has, where the system says.
#[cfg(unix)]
fn hard_links(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    Some(meta.nlink())
}

#[cfg(not(unix))]
fn hard_links(_: &std::fs::Metadata) -> Option<u64> {
    None
}

/// A new temporary file in `dir` beside `file_name`, under a name no one else holds: the process
/// id, the clock's nanoseconds and a counter, created only if it does not exist (retried with
/// the next counter if it does), readable by its owner alone until its permissions are set.
fn create_temporary(dir: &Path, file_name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{file_name}.docket-{}-{nanos:09}-{n}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}
