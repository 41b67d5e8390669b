//! The command line: clap definitions and one file per verb. Only this layer touches files,
//! standard streams and the clock. Exit codes: 0 ok, 1 problems found, 2 usage or I/O error.

// Writing to stderr never panics here: std's `eprintln!` panics when stderr is a closed pipe or
// a full disk (`2>/dev/full`), which would turn any notice into exit 101. These shadow it for
// every verb; a notice that cannot be written is dropped, and the exit code still tells.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod check;
mod codes;
pub mod color;
mod completions;
mod diff;
mod eval;
mod explain;
mod fail_on;
mod fmt;
mod graph;
mod io;
mod lsp;
mod migrate;
mod render;
mod serve;
mod set;
mod table;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code: everything is fine.
pub const OK: u8 = 0;
/// Exit code: the verb found problems.
pub const PROBLEMS: u8 = 1;
/// Exit code: usage or I/O error.
pub const USAGE: u8 = 2;

/// Docket: a rules engine for marketplace dispute cases.
#[derive(Parser, Debug)]
#[command(name = "docket", version, about, long_about = None, after_help = "Start with `docket check policies/aliexpress.policy`, then `docket eval policies/aliexpress.policy examples/cases.jsonl`.\n\nIn every verb: stdout carries only the output asked for (so --format json stays machine-readable);\ndiagnostics, warnings, confirmations (`formatted FILE`) and each malformed log line (`FILE:LINE: malformed\nline skipped: ...`, also counted in --summary) go to stderr.\nExit status: 0 ok, 1 the verb found something (`check`: a policy with errors; a rejected event, a failed\nscenario, a diff), 2 usage or I/O error. Every verb but `check` that is given a policy with errors prints\nits diagnostics to stderr and exits 2 (`fmt` needs only a policy that parses).")]
pub struct Cli {
    /// When to draw diagnostics in colour: `auto` on a terminal (not when piped or redirected;
    /// `NO_COLOR` turns it off, `CLICOLOR_FORCE=1` on even for a pipe), `always`, or `never`.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = color::ColorChoice::Auto)]
    color: color::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

/// Output formats of the verbs that report as text or JSON only (`table`); verbs with
/// more formats have their own enum, so each `--help` lists exactly what the verb accepts.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate policy files: every problem, with file:line:col and advice.
    #[command(
        after_help = "Examples:\n  docket check policies/*.policy\n  docket check policies/   # every *.policy inside, at any depth, in sorted order\n  git show HEAD:policies/aliexpress.policy | docket check -   # from standard input\n  docket check --format json --deny-warnings policies/aliexpress.policy\n  docket check --format sarif policies/*.policy > docket.sarif   # for GitHub code scanning (upload-sarif)\n  docket check --now now --deny-warnings policies/*.policy   # also: holiday data running out within a year\n  docket check --color always policies/*.policy | less -R   # colour kept through a pager\n\nSilence one warning at one place with a comment at the end of its line, or on the line before:\n  roles buyer, seller, platform   # docket: allow W002 -- the platform acts from the next release\nThe silenced warning leaves the text and the counts; JSON says \"suppressed\": true, SARIF has a suppression.\nAn allow comment that silences nothing is itself a warning (W006).\nColour: on a terminal only (--color auto); NO_COLOR=1 turns it off, CLICOLOR_FORCE=1 on for a pipe.\nExit status: 0 clean, 1 problems found, 2 a file could not be read."
    )]
    Check {
        /// Policy files; a directory for every `*.policy` inside it (at any depth, sorted), `-` to
        /// read one from standard input (named `<stdin>` in diagnostics).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = check::CheckFormat::Text)]
        format: check::CheckFormat,
        /// Treat warnings as failures.
        #[arg(long)]
        deny_warnings: bool,
        /// Also warn (W004) about each calendar whose holiday data ends within a year of this
        /// instant (RFC 3339, or `now` for the clock): deadlines counted then would need days
        /// beyond it. Without it, check reads no clock.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
    /// Explain a diagnostic code: what it means, a policy that draws it, and the fix.
    #[command(
        after_help = "Examples:\n  docket codes          # every code, its severity and its sentence\n  docket codes E043     # the page of one code: meaning, example, what check says, the fix\n  docket explain E043   # the same\n  docket codes --format json | jq '.[] | select(.severity == \"warning\") | .code'\n\nA diagnostic's JSON names its page (\"docs\": \"docket codes E043\"), and SARIF rules carry the fix as help.\nExit status: 0 ok, 2 an unknown code."
    )]
    Codes(codes::CodesArgs),
    /// Print the compiled transition table: per status, inherited rules resolved.
    #[command(after_help = "Example:\n  docket table policies/aliexpress.policy --format json")]
    Table {
        /// Policy file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Evaluate case event logs: where each case stands, why, who may do what, what is due.
    #[command(
        after_help = "Examples:\n  docket eval policies/aliexpress.policy examples/cases.jsonl\n  docket eval policies/aliexpress.policy events.jsonl --now 2026-03-20T00:00:00Z --format json\n  cat events.jsonl | docket eval policies/aliexpress.policy - --summary\n  docket eval policies/aliexpress.policy examples/messy.jsonl --summary --fail-on rejected,stuck   # a malformed line does not fail\n  docket eval policies/aliexpress.policy feed.jsonl --fail-on never > report.txt   # report, never fail\n  docket eval v2026.11.policy v2026.12.policy events.jsonl   # each case under the version in effect when it began\n  docket eval policies/aliexpress.policy feed.jsonl --allow-keys source,trace_id   # keys the feed adds, ignored\n  docket eval policies/aliexpress.policy examples/cases.jsonl --open --breached   # open cases past an SLA deadline\n  docket eval policies/aliexpress.policy examples/cases.jsonl --case AE-0000004 --format json\n  docket eval policies/aliexpress.policy feed.jsonl --status escalated --due-before now --format csv > due.csv\n  docket eval policies/aliexpress.policy feed.jsonl --rejected --summary   # where the cases with rejections stand\n\nFilters (--case, --status, --open, --rejected, --breached, --due-before) combine with AND; a repeated\n--case or --status keeps any of its values. They choose the cases of the text, json and csv reports,\nand with --summary the cases counted (`selected_from` says of how many; malformed lines and events\nafter --now stay the whole log's). The exit status is the whole log's, whatever is shown.\nText reports of several cases give the totals line first and last.\nCSV: a header row, then case,status,label,outcome,amount,next_deadline,next_timer,breached,rejected,\npolicy_version per case (breached and rejected are counts), quoted as RFC 4180 says, CRLF line ends.\n\nEvents are JSON Lines: {\"case\", \"at\", \"role\", \"action\", optional \"id\", parameters...}.\nA key that is none of these and not a parameter of the event's action rejects the event\n(\"unknown key `delivry_due` for `buyer open`; did you mean `delivery_due`?\"), unless --allow-keys names it.\nA .toml file holds hand-written cases as [[events]] tables.\nExit status: 0 every event applied, 1 some event rejected or malformed or a case stuck on a policy error\n(--fail-on: only the kinds listed, and one line on stderr says why), 2 usage or I/O error or a policy with errors.\nA malformed line is reported on stderr as `FILE:LINE: malformed line skipped: ...` in every format."
    )]
    Eval(eval::EvalArgs),
    /// Run scenario files: events with expected statuses, outcomes, fields, deadlines.
    #[command(
        after_help = "Examples:\n  docket test\n  docket test tests/scenarios/aliexpress --format junit > report.xml   # testcases with file, line, time\n  docket test --format json | jq -c 'select(.passed | not)'   # one object per scenario per line\n  docket test --filter aliexpress/r0 --filter refund   # only the files whose path contains either\n  docket test tests/scenarios --allow-keys source   # every scenario accepts and ignores `source`\n  docket test tests/scenarios/aliexpress --coverage   # which statuses, rules, timers, SLAs and rule numbers ran\n  docket test tests/scenarios/aliexpress --coverage-json coverage.json --min-coverage 100   # CI: fail below 100%\n\nA failure is shown as a diff under the `file:line` of its [[expect]]; the text report ends with\nthe failures again, one `file:line` each, then `N passed, N failed`.\nJSON: {\"file\", \"description\", \"passed\", \"time\", \"expectations\": [{\"index\" (1-based), \"line\", \"passed\",\n\"case\", \"at\", \"diff\", \"note\"}], \"error\"}; with junit and json, `N passed, N failed` goes to stderr.\n\nA scenario is a TOML file: `policy = \"path\"`, [[events]] tables, and [[expect]] tables compared\nwith the JSON case report (only the keys written are compared; `at` evaluates as of an instant);\nalso `description`, `migrations = [\"plan.migration.toml\"]` and `allow_keys = [\"source\"]` (event keys\nto accept and ignore). Before it runs, a scenario is checked against its policy: a key the file or an\n[[expect]] table does not have (`stauts`), an expected status, timer, field, role, action or outcome\nthe policy lacks, and an event whose role, action or keys it does not know (unless an [[expect]]\nexpects it rejected: rejected = [{ line = N }]) are errors at their line, with \"did you mean\"; so is an\nevent that is not one (an `at` that is no RFC 3339 time, a missing key). Events are reported at their lines in\nthe file; `line = N` in an expectation counts [[events]] tables (the Nth event), and a diff shows it as that\nevent's file line, with a note saying so.\n\nCoverage (--coverage, --coverage-json FILE, --min-coverage PERCENT), per policy file: the statuses\nentered, the rules taken (action rules, timer rules and automatic transitions, an inherited rule\ncounted once), the timers armed by some status that fired, the SLA deadlines (`deadline` lines)\nbreached; the percentage is of those items. Also the guarded rules whose condition was seen both\ntrue and false, and each rule number cited in a comment on an item's line or just above it (`# R4`),\nwith the items citing it. JSON: {\"policies\": [{\"policy\", \"version\", \"scenarios\", \"covered\", \"total\",\n\"percent\", \"statuses\", \"rules\", \"timers\", \"sla\" (each {\"covered\", \"total\", \"missing\": [{\"kind\", \"what\",\n\"line\"}]}), \"guards\": {\"both\", \"total\", \"only_true\", \"only_false\", \"never\"}, \"not_armed\",\n\"rule_numbers\": [{\"rule\", \"covered\", \"total\", \"missing\"}], \"unmeasured\": [{\"rule\", \"lines\"}]}]}.\nThe text report comes before `N passed, N failed` (on stderr with junit and json).\nExit status: 0 all passed, 1 a scenario failed (or a policy's coverage is below --min-coverage, and\nstderr says which), 2 usage or I/O error, or a scenario's policy with errors (its diagnostics on stderr,\nonce; its scenarios are errors and the others still run)."
    )]
    Test(test::TestArgs),
    /// Rewrite policies in the canonical layout, keeping every comment.
    #[command(
        after_help = "Examples:\n  docket fmt policies/*.policy\n  docket fmt policies/   # every *.policy inside, at any depth\n  docket fmt --check policies/   # for CI: prints a diff, exits 1 if not formatted\n  docket fmt - < draft.policy > tidy.policy   # a filter: standard input to standard output\n  docket fmt --check - < draft.policy   # the diff only\n\nOnly the layout is read: a policy that parses is formatted even if `docket check` finds errors in it.\nExit status: 0 formatted (or already so), 1 --check found an unformatted file, 2 a file that does not parse\n(its diagnostics on stderr) or an I/O error."
    )]
    Fmt(fmt::FmtArgs),
    /// Compare two policy versions by meaning, and replay a case log under both.
    #[command(
        after_help = "Examples:\n  docket diff old.policy policies/aliexpress.policy\n  docket diff HEAD~1:policies/aliexpress.policy policies/aliexpress.policy --cases examples/cases.jsonl\n  docket diff old.policy new.policy --format markdown   # for a pull-request comment\n  docket diff \"origin/main:$f\" \"$f\" --format github   # a notice on each changed declaration's line\n\nDeclarations are matched by name: reordering, reformatting and comments are no change.\nExit status: 0 no change in meaning, 1 changes found, 2 a policy has errors or a file cannot be read."
    )]
    Diff(diff::DiffArgs),
    /// Preview a migration plan: how the open cases of a log would move to a new version.
    #[command(
        after_help = "Examples:\n  docket migrate migrations/2026.11-to-2026.12.toml policies/ --cases events.jsonl\n  docket migrate plan.toml v1.policy v2.policy --cases events.jsonl --format markdown   # for a pull request\n\nA plan names `from` and `to` versions and `at` (when open cases move), maps every status the new\nversion lacks ([statuses]), gives new fields values ([fields]), and says per timer what a running\ndeadline does ([timers]: keep, recompute, restart, earlier, later; default recompute).\nExit status: 0 no open case changes, 1 some do, 2 a bad plan, a policy with errors or an unreadable file."
    )]
    Migrate(migrate::MigrateArgs),
    /// Say in plain words what can happen in a status, or why a case is where it is.
    #[command(
        after_help = "Examples:\n  docket explain policies/aliexpress.policy dispute_open.negotiating\n  docket explain policies/aliexpress.policy --case AE-0000004 --events examples/cases.jsonl\n  docket explain policies/aliexpress.policy --case AE-0000021 --events examples/cases.jsonl --now 2026-02-01T00:00:00Z\n  docket explain policies/aliexpress.policy --case AE-0000021 --events examples/cases.jsonl --format json | jq .deadlines\n  docket explain E043   # a diagnostic code: the same as `docket codes E043`\n\nA status is explained in general. A case is explained for itself: its steps, refused events, missed\nSLA deadlines and outcome with the amount; the actions a rule may allow it now (with the values of\nthe fields their conditions read), when each time-gated action opens for it, the actions closed to\nit and why; the timers that can still fire for it (not one whose field is absent, nor a moving timer\nwhose condition is false for it) and automatic transitions whose condition is not false.\nJSON (--case only): {\"case\", \"policy_version\", \"status\", \"label\", \"as_of\", \"terminal\",\n\"outcome\": {\"kind\", \"amount\", \"policy_line\", \"note\"} or null, \"docs\": [text],\n\"steps\": [{\"at\", \"from\", \"to\", \"cause\", \"line\", \"policy_line\", \"rule\", \"version\"}],\n\"rejected\": [{\"line\", \"role\", \"action\", \"reason\"}], \"breached\": [{\"timer\", \"at\", \"policy_line\", \"note\"}],\n\"actions\" and \"opens\": [{\"role\", \"action\", \"at\", \"condition\", \"holds\", \"values\", \"effect\", \"target\",\n\"policy_line\", \"note\"}], \"closed\": [{\"role\", \"action\", \"condition\", \"values\", \"policy_line\", \"note\"}],\n\"deadlines\": [{\"timer\", \"at\", \"paused\", \"remaining\", \"clock\", \"effect\", \"target\", \"does\", \"policy_line\",\n\"note\"}], \"automatic\": [{\"condition\", \"effect\", \"policy_line\", \"note\"}], \"error\", \"warnings\"}.\n`note` is the comment on the policy line (the rule numbers); `holds` is true when the condition holds\nfor the case as it stands, null when it depends on the event's parameters.\nExit status: 0 explained, 2 usage or I/O error (an unknown status or case, a policy with errors)."
    )]
    Explain(explain::ExplainArgs),
    /// Run the live engine: events over HTTP, deadlines by the clock, durable on SQLite.
    #[command(after_help = serve::AFTER_HELP)]
    Serve(serve::ServeArgs),
    /// Change one timer's duration in place; comments and layout stay as they are.
    #[command(
        after_help = "Examples:\n  docket set policies/aliexpress.policy seller_response 7d\n  docket set policies/aliexpress.policy auto_escalate 1d12h --dry-run\n\nDurations are a number and a unit (s m h d w), or several, largest first: 7d, 36h, 1d12h.\nThe policy must check without errors before, and is checked again before it is written;\nthe file is replaced atomically, and only the duration's own characters change; the confirmation goes to stderr.\nExit status: 0 changed (or already so), 1 the change would break the policy, 2 usage or I/O error\n(an unknown timer, a timer that fires `at` a field, an invalid duration, a policy with errors)."
    )]
    Set(set::SetArgs),
    /// Print a timer's duration as written, or every timer with its duration.
    #[command(
        after_help = "Examples:\n  docket get policies/aliexpress.policy seller_response\n  docket get policies/aliexpress.policy seller_response --format json\n  docket get policies/aliexpress.policy\n\nJSON: {\"timer\", \"duration\", \"seconds\", \"line\"} (an array when no timer is named).\nExit status: 0 ok, 2 usage or I/O error (an unknown timer, a timer that fires `at` a field, a policy with errors)."
    )]
    Get(set::GetArgs),
    /// Draw the statuses and transitions as a Graphviz DOT or Mermaid diagram.
    #[command(
        after_help = "Examples:\n  docket graph policies/aliexpress.policy | dot -Tsvg -o aliexpress.svg\n  docket graph policies/aliexpress.policy --format mermaid\n\nStatuses with children are clusters; a rule written in a parent is drawn once, from the\nparent's heading. Solid edges: actions (role action, then the guard). Dashed: timers (name\nand duration). Dotted: automatic transitions. SLA deadlines and rules that keep the case in\nits status are notes on the status; terminal statuses have a double border and their outcome.\nExit status: 0 ok, 2 usage or I/O error, or a policy with errors."
    )]
    Graph(graph::GraphArgs),
    /// Serve editors: the Language Server Protocol over stdio (diagnostics, hover, go to definition,
    /// references, completion, rename, formatting, quick fixes, outline).
    #[command(
        after_help = "Examples:\n  docket lsp   # started by an editor, never by hand: it reads and writes LSP messages on stdio\n\neditors/README.md shows the setup for VS Code, Neovim, Helix and Zed. Policies (.policy) get every\nproblem `docket check` finds as you type; scenario files (.toml with `policy = ...`) what `docket test`\nwould refuse before running them. Positions are in UTF-16, as the protocol says.\nExit status: 0 after the editor's `shutdown` and `exit`, 2 if the connection fails."
    )]
    Lsp(lsp::LspArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  docket completions bash > ~/.local/share/bash-completion/completions/docket\n  docket completions zsh > \"${fpath[1]}/_docket\"\n  docket completions fish > ~/.config/fish/completions/docket.fish\n  docket completions powershell >> $PROFILE"
    )]
    Completions(completions::CompletionsArgs),
    /// Print a man page (roff) for docket or one of its verbs.
    #[command(
        after_help = "Examples:\n  docket man | man -l -\n  docket man set > docket-set.1\n  docket man > /usr/local/share/man/man1/docket.1"
    )]
    Man(completions::ManArgs),
}

/// Run the command line and return the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { OK });
        }
    };
    color::set(cli.color);
    let code = match cli.command {
        Command::Check { files, format, deny_warnings, now } => match eval::parse_now(now.as_deref()) {
            Ok(now) => check::run(&files, format, deny_warnings, now),
            Err(msg) => {
                eprintln!("{msg}");
                USAGE
            }
        },
        Command::Codes(args) => codes::run(&args),
        Command::Table { file, format } => table::run(&file, format),
        Command::Eval(args) => match fail_on::validate(&args.fail_on) {
            Ok(()) => eval::run(&args),
            Err(msg) => {
                eprintln!("{msg}");
                USAGE
            }
        },
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        // `docket explain E043`: a code, not a policy file, is explained by its page.
        Command::Explain(args)
            if args.status.is_none()
                && args.case.is_none()
                && docket::codes::looks_like_code(&args.policy.to_string_lossy())
                && !args.policy.exists() =>
        {
            codes::run(&codes::CodesArgs {
                code: Some(args.policy.to_string_lossy().into_owned()),
                format: Format::Text,
            })
        }
        Command::Explain(args) => explain::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Set(args) => set::run_set(&args),
        Command::Get(args) => set::run_get(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Completions(args) => completions::run_completions(&args),
        Command::Man(args) => completions::run_man(&args),
    };
    ExitCode::from(code)
}
