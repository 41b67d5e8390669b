//! Evaluation: transition table × case events × `now` → case states. `engine.rs` applies events
//! and timers to one case; `event.rs` reads events; `batch.rs` holds lines read into events
//! ahead of the run (on another thread); `cases.rs` keeps a run's case states and `index.rs` finds them by id; `log.rs` runs a whole log of interleaved cases;
//! `expr.rs` evaluates conditions and effects; `time.rs` reads and prints instants;
//! `coverage.rs` is what a run touched of its policy, when asked.

pub mod batch;
pub mod cases;
pub mod coverage;
pub mod engine;
pub mod event;
pub mod expr;
pub mod index;
pub mod log;
pub mod money;
pub mod time;
