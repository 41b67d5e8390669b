//! Docket's benchmark kit: `gen` writes large, realistic AliExpress dispute logs; `baseline`
//! evaluates them with a hand-written state machine, the yardstick Docket is measured against.
//! `bench/run.sh` builds both, times them on the same log and compares their totals.

pub mod baseline;
pub mod generator;
pub mod rng;
