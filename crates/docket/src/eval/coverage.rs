//! What an evaluation touched of its policy, for `docket test --coverage`: the statuses entered,
//! the rules taken, each guard's values seen, the timers that fired and the SLA deadlines that
//! were breached. The engine records it only when a run asks (`LogRun::with_coverage`); plain
//! evaluation pays one untaken branch per recording point. Rules and SLA deadlines are known by
//! the byte offset of their text in the policy file, since an inherited rule is copied into every
//! status that inherits it and is still one rule.

use crate::compile::table::{StatusId, TimerId};
use std::collections::BTreeSet;

/// What one run covered of one policy version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Statuses entered (the initial chain included).
    pub entered: BTreeSet<StatusId>,
    /// Rules taken, by the start of their text.
    pub taken: BTreeSet<usize>,
    /// Guarded rules whose condition was seen true when the engine chose, by the start of their text.
    pub guard_true: BTreeSet<usize>,
    /// Guarded rules whose condition was seen false when the engine chose.
    pub guard_false: BTreeSet<usize>,
    /// Timers that reached their deadline (whether or not their condition let them move).
    pub fired: BTreeSet<TimerId>,
    /// SLA deadlines (`deadline NAME` lines) that were breached, by the start of their text.
    pub breached: BTreeSet<usize>,
}

impl Coverage {
    /// Add what another run covered.
    pub fn merge(&mut self, other: &Coverage) {
        self.entered.extend(&other.entered);
        self.taken.extend(&other.taken);
        self.guard_true.extend(&other.guard_true);
        self.guard_false.extend(&other.guard_false);
        self.fired.extend(&other.fired);
        self.breached.extend(&other.breached);
    }
}
