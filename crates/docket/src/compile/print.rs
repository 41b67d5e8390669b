//! Printing compiled expressions back as policy text, for reasons and reports.

use super::table::{CExpr, Step, StepAmount, TransitionTable};

/// An effect as policy text: `refund = claim`.
pub fn effect_text(table: &TransitionTable, params: &[String], effect: &super::table::Effect) -> String {
    let field = table.fields.get(effect.field).map_or("", |f| f.name.as_str());
    format!("{field} = {}", expr_text(table, params, &effect.value))
}

/// An expression as policy text; `params` names the action's parameters.
pub fn expr_text(table: &TransitionTable, params: &[String], e: &CExpr) -> String {
    text(table, params, e, 0)
}

fn text(table: &TransitionTable, params: &[String], e: &CExpr, outer: u8) -> String {
    match e {
        CExpr::Const(v) => match v {
            crate::compile::table::Value::Text(s) => format!("\"{s}\""),
            other => table.show(other),
        },
        CExpr::Field(f) => table.fields.get(*f).map(|f| f.name.clone()).unwrap_or_default(),
        CExpr::Param(i) => params.get(*i).cloned().unwrap_or_else(|| format!("parameter {i}")),
        CExpr::Now => "now".into(),
        CExpr::TimeIn(s) => format!("time_in({})", table.statuses[*s].path),
        CExpr::TimeSince(f) => format!("time_since({})", table.fields[*f].name),
        CExpr::Not(x) => {
            let s = format!("not {}", text(table, params, x, 3));
            if outer > 3 { format!("({s})") } else { s }
        }
        CExpr::Neg(x) => format!("-{}", text(table, params, x, 7)),
        CExpr::Shift(x, step) => {
            let s = format!("{} + {}", text(table, params, x, 5), step_text(table, step));
            if outer > 5 { format!("({s})") } else { s }
        }
        CExpr::DayEdge { end, time, calendar } => {
            let name = if *end { "end_of_day" } else { "start_of_day" };
            format!("{name}({}{})", text(table, params, time, 0), calendar_arg(table, *calendar))
        }
        CExpr::AtTime { time, clock, calendar } => format!(
            "at_time({}, {}{})",
            text(table, params, time, 0),
            clock.format("%H:%M"),
            calendar_arg(table, *calendar)
        ),
        CExpr::Binary(op, l, r) => {
            let p = op.precedence();
            let s = format!("{} {} {}", text(table, params, l, p), op.symbol(), text(table, params, r, p + 1));
            if p < outer { format!("({s})") } else { s }
        }
    }
}

fn calendar_arg(table: &TransitionTable, calendar: Option<usize>) -> String {
    calendar.and_then(|c| table.calendars.get(c)).map(|c| format!(", {}", c.name)).unwrap_or_default()
}

/// A step as policy text: `5d`, `3bd in uk`, `20d in uk`.
pub fn step_text(table: &TransitionTable, step: &Step) -> String {
    use crate::eval::time::format_duration;
    let amount = match step.amount {
        StepAmount::Exact(d) => format_duration(d),
        StepAmount::LocalDays { days, rest } => local_days_text(days, rest),
        StepAmount::BusinessDays(n) => format!("{n}bd"),
        StepAmount::BusinessHours(s) if s % 3600 == 0 => format!("{}bh", s / 3600),
        StepAmount::BusinessHours(s) => format!("{s}s of business time"),
    };
    match step.calendar.and_then(|c| table.calendars.get(c)) {
        Some(c) => format!("{amount} in {}", c.name),
        None => amount,
    }
}

/// `2d`, `48h`, `1d12h`: local days as days, the exact rest in hours and less (never rolled into
/// days, which would change what it counts).
fn local_days_text(days: i64, rest: chrono::TimeDelta) -> String {
    let mut out = if days != 0 { format!("{days}d") } else { String::new() };
    let secs = rest.num_seconds();
    for (unit, len) in [("h", 3600), ("m", 60), ("s", 1)] {
        if (secs / len) % if len == 3600 { i64::MAX } else { 60 } != 0 {
            out.push_str(&format!("{}{unit}", (secs / len) % if len == 3600 { i64::MAX } else { 60 }));
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}
