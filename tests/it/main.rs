//! Docket's integration tests: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may stop at the first surprise

mod allow;
mod authoring;
mod bad_input;
mod check_cases;
mod codes;
mod colour;
mod console;
mod coverage;
mod diff;
mod eval_cli;
mod eval_props;
mod eval_select;
mod event_keys;
mod explain;
mod fail_on;
mod fmt_safety;
mod format;
mod formats;
mod hostile;
mod inputs;
mod lsp;
mod policies;
mod props;
mod sarif;
mod scenario_check;
mod serve;
mod serve_pg;
mod streams;
mod table;
mod test_reports;
mod versions;
