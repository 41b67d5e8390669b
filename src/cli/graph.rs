//! `docket graph FILE`: the policy's statuses and transitions as Graphviz DOT or a Mermaid
//! flowchart. The drawing is `docket::report::graph`; this file loads the policy and prints it.

use super::io;
use super::io::emit;
use docket::report::graph::{self, GraphFormat};
use std::path::PathBuf;

/// Output formats of `docket graph`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormatArg {
    /// Graphviz DOT: pipe it to `dot -Tsvg`.
    Dot,
    /// A Mermaid flowchart, for Markdown (GitHub renders ```mermaid blocks).
    Mermaid,
}

/// Arguments of `docket graph`.
#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Policy file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    pub format: GraphFormatArg,
}

/// Print the graph.
pub fn run(args: &GraphArgs) -> u8 {
    let (_, table) = match io::load_table(&args.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let format = match args.format {
        GraphFormatArg::Dot => GraphFormat::Dot,
        GraphFormatArg::Mermaid => GraphFormat::Mermaid,
    };
    emit(graph::render(&table, format).as_bytes())
}
