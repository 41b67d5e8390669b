//! `docket eval --format csv`: one row per case with the columns a spreadsheet or a data
//! warehouse wants, quoted as RFC 4180 says (a field with a comma, a double quote or a line break
//! is put in double quotes, and its double quotes doubled; rows end with CRLF).

use crate::report::case::CaseReport;

/// The header row's columns, in order.
pub const COLUMNS: [&str; 10] = [
    "case",
    "status",
    "label",
    "outcome",
    "amount",
    "next_deadline",
    "next_timer",
    "breached",
    "rejected",
    "policy_version",
];

/// The header row, with its line end.
pub fn header() -> String {
    row(COLUMNS.iter().map(|c| c.to_string()))
}

/// One case's row, with its line end: the next deadline is the earliest timed one (a paused clock
/// has no instant); `breached` and `rejected` are counts; absent values are empty fields.
pub fn case_row(r: &CaseReport) -> String {
    let next = r.deadlines.iter().find(|d| d.at.is_some());
    row([
        r.case.clone(),
        r.status.clone(),
        r.label.clone(),
        r.outcome.as_ref().map(|o| o.kind.clone()).unwrap_or_default(),
        r.outcome.as_ref().and_then(|o| o.amount.clone()).unwrap_or_default(),
        next.and_then(|d| d.at.clone()).unwrap_or_default(),
        next.map(|d| d.timer.clone()).unwrap_or_default(),
        r.breached.len().to_string(),
        r.rejected.len().to_string(),
        r.policy_version.clone().unwrap_or_default(),
    ])
}

fn row(fields: impl IntoIterator<Item = String>) -> String {
    let fields: Vec<String> = fields.into_iter().map(|f| quote(&f)).collect();
    format!("{}\r\n", fields.join(","))
}

/// A field as RFC 4180 writes it.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(quote("refunded"), "refunded");
        assert_eq!(quote("Closed: refunded"), "Closed: refunded");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(""), "");
        assert_eq!(header(), format!("{}\r\n", COLUMNS.join(",")));
    }
}
