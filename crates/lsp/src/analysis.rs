//! What the server knows of one document, computed by the library's own pipeline: a policy is
//! parsed (`syntax::parse_all`), checked (`check::check`) and compiled as `docket check` does
//! it, with its symbol index (`symbols::index`); a scenario is read and checked against its
//! policy as `docket test` does before it runs. Nothing here parses policy text by itself.

use crate::lines::LineIndex;
use docket::ast::Policy;
use docket::compile::table::TransitionTable;
use docket::diag::{Diagnostic, Severity};
use docket::scenario::names::ScenarioNames;
use docket::span::{SourceFile, Span};
use docket::symbols::SymbolIndex;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A policy document, analysed.
#[derive(Debug)]
pub struct PolicyAnalysis {
    /// Its text, named by its path.
    pub file: SourceFile,
    /// Its lines, for protocol positions.
    pub lines: LineIndex,
    /// The syntax tree, when the text parses.
    pub ast: Option<Policy>,
    /// Every name's declaration and uses (empty when the text does not parse).
    pub index: SymbolIndex,
    /// What `docket check` says of it, `# docket: allow` comments applied and the silenced left out.
    pub diagnostics: Vec<Diagnostic>,
    /// The compiled table, when it has no error.
    pub table: Option<TransitionTable>,
}

/// Analyse a policy's text; `dir` is where the files it names (holidays) are read from.
pub fn policy(name: &str, dir: Option<&Path>, text: &str) -> PolicyAnalysis {
    let file = SourceFile::new(name, text);
    let lines = LineIndex::new(text);
    let (ast, mut diagnostics, table) = match docket::syntax::parse_all(text) {
        Err(diagnostics) => (None, diagnostics, None),
        Ok(ast) => {
            let dir = dir.map(Path::to_path_buf);
            let read = move |path: &str| match &dir {
                Some(dir) => docket::read_beside(dir, path),
                None => Err(format!("the policy is not saved in a folder, so `{path}` cannot be found")),
            };
            let outcome = docket::check::check(&file, &ast, &read);
            let table = outcome.checked.map(docket::compile::compile);
            (Some(ast), outcome.diagnostics, table)
        }
    };
    // W004 (holidays running out) needs a "now", which check is not given here, as on the command line.
    docket::check::apply_allows(&file, &mut diagnostics, &["W004"]);
    diagnostics.retain(|d| !d.suppressed);
    let index = ast.as_ref().map(docket::symbols::index).unwrap_or_default();
    PolicyAnalysis { file, lines, ast, index, diagnostics, table }
}

/// One problem of a scenario, at a place in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioProblem {
    /// Where: a span, or a whole 1-based line.
    pub at: Place,
    /// What is wrong, as `docket test` says it.
    pub message: String,
}

/// Where a scenario problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// These bytes.
    Span(Span),
    /// This 1-based line.
    Line(usize),
}

/// A scenario document, analysed.
#[derive(Debug)]
pub struct ScenarioAnalysis {
    /// Its lines.
    pub lines: LineIndex,
    /// The names of the policy it writes, with where.
    pub names: ScenarioNames,
    /// Its policies' paths, resolved against its folder.
    pub policies: Vec<PathBuf>,
    /// Everything `docket test` would refuse before running it.
    pub problems: Vec<ScenarioProblem>,
}

/// Analyse a scenario's text; `load` gives the analysis of a policy by path (the open document
/// if it is open, else the file on disk), `None` when it cannot be read.
pub fn scenario(
    dir: Option<&Path>,
    text: &str,
    load: &dyn Fn(&Path) -> Option<Rc<PolicyAnalysis>>,
) -> ScenarioAnalysis {
    let lines = LineIndex::new(text);
    let names = docket::scenario::names::names(text);
    let mut problems = Vec::new();
    let policies: Vec<PathBuf> =
        names.policies.iter().map(|(p, _)| dir.map_or_else(|| PathBuf::from(p), |d| d.join(p))).collect();
    let mut out = ScenarioAnalysis { lines, names, policies, problems: Vec::new() };
    if let Err(e) = toml::de::DeTable::parse(text) {
        let at = e.span().map_or(Place::Line(1), |r| Place::Span(Span::new(r.start, r.end)));
        out.problems.push(ScenarioProblem { at, message: e.message().trim_end().to_string() });
        return out;
    }
    let scenario = match docket::scenario::parse(text) {
        Ok(s) => s,
        Err(message) => {
            let at = out.names.policies.first().map_or(Place::Line(1), |(_, s)| Place::Span(*s));
            out.problems.push(ScenarioProblem { at, message });
            return out;
        }
    };
    let mut loaded = Vec::new();
    for (i, path) in out.policies.iter().enumerate() {
        let at = out.names.policies.get(i).map_or(Place::Line(1), |(_, s)| Place::Span(*s));
        let shown = out.names.policies.get(i).map_or_else(|| path.display().to_string(), |(p, _)| p.clone());
        match load(path) {
            None => problems.push(ScenarioProblem { at, message: format!("cannot run: cannot read `{shown}`") }),
            Some(a) => match &a.table {
                Some(t) => loaded.push((path.display().to_string(), t.clone())),
                None => {
                    let errors: Vec<&Diagnostic> =
                        a.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
                    let first = errors.first().map_or_else(String::new, |d| {
                        let (line, col) = a.file.line_col(d.span.start);
                        format!(": {}:{line}:{col}: {}", shown, d.message)
                    });
                    problems.push(ScenarioProblem {
                        at,
                        message: format!("cannot run: policy `{shown}` has {} error(s){first}", errors.len()),
                    });
                }
            },
        }
    }
    if problems.is_empty() && !loaded.is_empty() {
        let versions = if loaded.len() == 1 {
            let (source, table) = loaded.remove(0);
            Ok(docket::versions::Versions::single(&source, table))
        } else {
            docket::versions::Versions::assemble(loaded)
        };
        match versions {
            Ok(versions) => {
                for p in docket::scenario::check::check(text, &scenario, &versions) {
                    problems.push(ScenarioProblem { at: Place::Line(p.line.unwrap_or(1)), message: p.message });
                }
            }
            Err(errors) => {
                let at = out.names.policies.first().map_or(Place::Line(1), |(_, s)| Place::Span(*s));
                for e in errors {
                    problems.push(ScenarioProblem { at, message: format!("cannot run: {e}") });
                }
            }
        }
    }
    out.problems = problems;
    out
}
