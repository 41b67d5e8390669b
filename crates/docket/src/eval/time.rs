//! Time: parsing and printing UTC instants (RFC 3339) and durations.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// Parse an RFC 3339 instant into UTC. An instant whose UTC year falls outside 0000-9999 (one
/// written near year 0 or 9999 with an offset) is refused: it could not be printed back as RFC 3339.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc)).filter(|t| (0..=9999).contains(&t.year()))
}

/// Print an instant as RFC 3339 UTC with a `Z`, seconds precision unless it has a fraction.
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Print a duration in the policy's own units, largest first: `5d`, `1d12h`, `0s`.
pub fn format_duration(d: TimeDelta) -> String {
    let mut secs = d.num_seconds();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
        secs = -secs;
    }
    for (unit, len) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= len {
            // Weeks only when the whole duration is weeks: `10d` reads better than `1w3d`.
            if unit == "w" && secs % len != 0 {
                continue;
            }
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_that_would_leave_rfc_3339_in_utc_are_refused() {
        assert!(parse("9999-12-31T23:00:00-05:00").is_none());
        assert!(parse("0000-01-01T00:30:00+01:00").is_none());
        assert_eq!(parse("9999-12-31T18:00:00-05:00").map(|t| format(&t)).as_deref(), Some("9999-12-31T23:00:00Z"));
        assert_eq!(parse("0000-01-01T00:00:00Z").map(|t| format(&t)).as_deref(), Some("0000-01-01T00:00:00Z"));
    }
}
