//! Compile: a checked policy to its transition table. Inheritance is resolved here: per status,
//! the innermost declaration of each action and each timer wins (a child overrides its parent),
//! and automatic transitions are gathered innermost first.

pub mod meaning;
pub mod print;
pub mod table;

use crate::check::CheckedPolicy;
use table::{ArmedTimer, TimerEffect, TransitionTable};

/// Flatten a checked policy into its transition table.
pub fn compile(checked: CheckedPolicy) -> TransitionTable {
    let CheckedPolicy { mut table, own } = checked;
    for s in 0..table.statuses.len() {
        let chain = table.chain(s);
        let mut actions: Vec<(usize, Vec<table::Transition>)> = Vec::new();
        let mut timers: Vec<ArmedTimer> = Vec::new();
        let mut automatic = Vec::new();
        // Innermost first: the first declaration found for an action or timer is the one in force.
        for &a in chain.iter().rev() {
            for (action, list) in &own[a].actions {
                if !actions.iter().any(|(x, _)| x == action) {
                    actions.push((*action, list.clone()));
                }
            }
            for armed in &own[a].timers {
                if !timers.iter().any(|t| t.timer == armed.timer) {
                    let effect = match &armed.rules {
                        Some(list) => TimerEffect::Move(list.clone()),
                        None => TimerEffect::Sla,
                    };
                    timers.push(ArmedTimer {
                        timer: armed.timer,
                        owner: a,
                        effect,
                        span: armed.span,
                        line: armed.line,
                    });
                }
            }
            automatic.extend(own[a].automatic.iter().cloned());
        }
        actions.sort_by_key(|(a, _)| *a);
        timers.sort_by_key(|t| t.timer);
        let st = &mut table.statuses[s];
        st.actions = actions;
        st.timers = timers;
        st.automatic = automatic;
    }
    table
}
