//! `docket codes [CODE]`: every diagnostic code with its sentence, or one code's documentation:
//! what it means, a policy that draws it with what `docket check` says of it, and the fix.
//! `docket explain E043` comes here too. The documentation is `docket::codes::DOCS`.

use super::{USAGE, color, io};
use docket::codes::{self, CodeDoc};
use docket::diag::{self, Diagnostic};
use serde::Serialize;

/// Arguments of `docket codes`.
#[derive(clap::Args, Debug)]
pub struct CodesArgs {
    /// A code, such as E043 or w001; without it, every code with its sentence.
    pub code: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = super::Format::Text)]
    pub format: super::Format,
}

/// The name the example is checked under.
const EXAMPLE: &str = "example.policy";

/// One code as `--format json` prints it.
#[derive(Serialize)]
struct CodeJson {
    code: &'static str,
    severity: &'static str,
    summary: &'static str,
    about: &'static str,
    example: Option<&'static str>,
    fix: &'static str,
    fixed: Option<String>,
}

fn json_of(doc: &CodeDoc) -> CodeJson {
    CodeJson {
        code: doc.code,
        severity: codes::severity(doc.code),
        summary: codes::explain(doc.code).unwrap_or_default(),
        about: doc.about,
        example: (!doc.retired()).then_some(doc.example),
        fix: doc.fix_note,
        fixed: if doc.retired() { None } else { doc.fixed() },
    }
}

/// Print every code, or one.
pub fn run(args: &CodesArgs) -> u8 {
    let Some(code) = &args.code else {
        return match args.format {
            super::Format::Json => {
                let all: Vec<CodeJson> = codes::DOCS.iter().map(json_of).collect();
                io::emit(format!("{}\n", serde_json::to_string_pretty(&all).unwrap_or_default()).as_bytes())
            }
            super::Format::Text => io::emit(list().as_bytes()),
        };
    };
    let Some(doc) = codes::doc(code) else {
        let known = codes::DOCS.iter().map(|d| d.code);
        let help = docket::diag::suggest(&code.to_ascii_uppercase(), known)
            .map(|h| format!(" ({h})"))
            .unwrap_or_else(|| " (`docket codes` lists them)".to_string());
        eprintln!("error: there is no diagnostic code `{code}`{help}");
        return USAGE;
    };
    match args.format {
        super::Format::Json => {
            io::emit(format!("{}\n", serde_json::to_string_pretty(&json_of(doc)).unwrap_or_default()).as_bytes())
        }
        super::Format::Text => io::emit(page(doc, color::enabled(color::Stream::Stdout)).as_bytes()),
    }
}

/// Every code, one a line.
fn list() -> String {
    let mut out = String::new();
    for (code, meaning) in codes::CODES {
        out.push_str(&format!("{code}  {:<16} {meaning}\n", codes::severity(code)));
    }
    out.push_str("\n`docket codes CODE` shows what a code means, a policy that draws it, and the fix.\n");
    out
}

/// Wrap a paragraph at 96 columns.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 96 - indent.len() {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn indented(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("    {l}\n") }).collect()
}

/// One code's page.
fn page(doc: &CodeDoc, color: bool) -> String {
    let summary = codes::explain(doc.code).unwrap_or_default();
    let mut out = format!("{} ({}): {summary}\n\n", doc.code, codes::severity(doc.code));
    out.push_str(&wrap(doc.about, ""));
    if doc.retired() {
        out.push_str(&format!("\n{}\n", doc.fix_note));
        return out;
    }
    let shown = match doc.stored {
        codes::Stored::AsWritten => "",
        codes::Stored::Latin1 => ", saved as Latin-1",
        codes::Stored::PastTheLimit => ", with the comments that make it too large",
    };
    out.push_str(&format!("\nExample, `{EXAMPLE}`{shown}:\n\n{}", indented(doc.example)));
    for (name, text) in doc.beside {
        out.push_str(&format!("\nBeside it, `{name}`:\n\n{}", indented(text)));
    }
    let mut command = vec!["docket check", EXAMPLE];
    command.extend(doc.args.iter().copied());
    out.push_str(&format!(
        "\n`{}` says:\n\n{}",
        command.join(" "),
        indented(&check_report(doc, doc.example_bytes(), color))
    ));
    out.push_str(&format!("\nFix: {}.\n\n", doc.fix_note));
    if let Some(fixed) = doc.fixed() {
        let diff = similar::TextDiff::from_lines(doc.example, &fixed);
        let shown = diff.unified_diff().context_radius(1).header(EXAMPLE, &format!("{EXAMPLE} (fixed)")).to_string();
        if shown.is_empty() {
            out.push_str("    (the same text; only how the file is stored changes)\n");
        } else {
            out.push_str(&indented(&shown));
        }
    }
    out
}

/// What `docket check` says of an example, checked in memory as the command checks files: its
/// files beside it are read from the documentation, `--now` is honoured, allow comments apply,
/// and several policy files are checked as versions of one policy.
pub fn check_report(doc: &CodeDoc, bytes: Vec<u8>, color: bool) -> String {
    let beside = doc.beside;
    let read = move |name: &str| {
        beside
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (*t).to_string())
            .ok_or_else(|| format!("no such file (looked for `{name}`)"))
    };
    let now = doc
        .args
        .iter()
        .position(|a| *a == "--now")
        .and_then(|i| doc.args.get(i + 1))
        .and_then(|t| docket::eval::time::parse(t));
    let mut sources = vec![(EXAMPLE.to_string(), bytes)];
    for arg in doc.args.iter().filter(|a| a.ends_with(".policy")) {
        let text = beside.iter().find(|(n, _)| n == arg).map(|(_, t)| t.as_bytes().to_vec()).unwrap_or_default();
        sources.push(((*arg).to_string(), text));
    }
    let mut out = String::new();
    let mut tables = Vec::new();
    for (name, bytes) in sources {
        let compiled = docket::compile_bytes_with(&name, bytes, &read);
        let mut diagnostics: Vec<Diagnostic> = compiled.diagnostics.clone();
        if let (Some(now), Some(table)) = (now, &compiled.table) {
            diagnostics.extend(docket::check::calendar_horizon(&compiled.file, table, now));
            diag::sort(&mut diagnostics);
        }
        let unchecked: &[&str] = if now.is_none() { &["W004"] } else { &[] };
        docket::check::apply_allows(&compiled.file, &mut diagnostics, unchecked);
        for d in diagnostics.iter().filter(|d| !d.suppressed) {
            out.push_str(&diag::render_text_with(&compiled.file, d, color));
            out.push('\n');
        }
        if let Some(table) = compiled.table {
            tables.push((name, table));
        }
    }
    if tables.len() > 1
        && tables.iter().any(|(_, t)| t.effective.is_some())
        && let Err(problems) = docket::versions::Versions::assemble(tables)
    {
        // As `docket check` words it, at the top of the later file.
        for p in problems {
            out.push_str(&format!(
                "error[E068]: {p}\n  --> {}:1:1\n  = help: each version of a policy needs its own `version \"...\"` and `effective INSTANT`\n\n",
                p.file()
            ));
        }
    }
    if out.is_empty() {
        out.push_str("0 error(s), 0 warning(s)\n");
    }
    format!("{}\n", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_renders_and_names_its_code() {
        for doc in codes::DOCS {
            let page = page(doc, false);
            assert!(page.starts_with(&format!("{} (", doc.code)), "{page}");
            if !doc.retired() {
                assert!(page.contains(&format!("[{}]", doc.code)), "{}: the example's report:\n{page}", doc.code);
            }
        }
    }
}
