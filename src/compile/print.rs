//! Printing compiled expressions back as policy text, for reasons and reports.

use super::table::{CExpr, TransitionTable};

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
        CExpr::Binary(op, l, r) => {
            let p = op.precedence();
            let s = format!("{} {} {}", text(table, params, l, p), op.symbol(), text(table, params, r, p + 1));
            if p < outer { format!("({s})") } else { s }
        }
    }
}
