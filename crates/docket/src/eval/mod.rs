//! Evaluation: transition table × case events × `now` → case states. `engine.rs` applies events
//! and timers to one case; `event.rs` reads events; `batch.rs` holds lines read into events
//! ahead of the run (on another thread); `cases.rs` keeps a run's case states and `index.rs`
//! finds them by id; `log.rs` runs a whole log of interleaved cases; `expr.rs` evaluates
//! conditions and effects; `money.rs` reads exact amounts; `time.rs` reads and prints instants;
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

/// What the unit tests of this module share.
#[cfg(test)]
mod test_support {
    use super::event::Event;
    use super::log::EventSink;

    /// Whatever a sink is given, as text.
    #[derive(Default)]
    pub(crate) struct Record(pub(crate) Vec<String>);
    impl EventSink for Record {
        fn event(&mut self, event: &Event) {
            self.0.push(format!("{event:?}"));
        }
        fn malformed(&mut self, line: usize, message: String) {
            self.0.push(format!("line {line}: {message}"));
        }
    }

    /// The smallest policy with a case that ends: `user go` takes status `a` to terminal `b`.
    pub(crate) fn go_to_done() -> crate::compile::table::TransitionTable {
        crate::compile_bytes(
            "p.policy",
            b"policy p \"P\"\nroles user\noutcomes done\nactions {\n  user go\n}\n\
              initial status a \"A\" {\n  user go -> b\n}\nterminal status b \"B\" outcome done\n"
                .to_vec(),
        )
        .table
        .expect("the test policy compiles")
    }
}
