//! Evaluation: transition table × case events × `now` → case states.

pub mod time;
