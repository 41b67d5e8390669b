//! Docket's integration tests: one binary, one module per area.

mod eval_cli;
mod policies;
