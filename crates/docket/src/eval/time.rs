//! Time: parsing and printing UTC instants (RFC 3339) and durations.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// Parse an RFC 3339 instant into UTC. An instant whose UTC year falls outside 0000-9999 (one
/// written near year 0 or 9999 with an offset) is refused: it could not be printed back as RFC 3339.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    if let Some(t) = parse_plain_utc(text) {
        return Some(t);
    }
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc)).filter(|t| (0..=9999).contains(&t.year()))
}

/// The shape nearly every log writes, `2026-03-01T09:00:00Z`, read without the general parser
/// (which costs several times more, and a log has millions). Anything else, and any field out of
/// range (including a leap second), is left to `parse_from_rfc3339`, which decides it.
fn parse_plain_utc(text: &str) -> Option<DateTime<Utc>> {
    let b: &[u8; 20] = text.as_bytes().try_into().ok()?;
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'Z')].iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let second = num(17, 19).filter(|&s| s < 60)?;
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    Some(date.and_hms_opt(num(11, 13)?, num(14, 16)?, second)?.and_utc())
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
    fn the_plain_utc_shape_is_read_as_the_general_parser_reads_it() {
        let general = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc));
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut taken = 0;
        for _ in 0..50_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let r = rng;
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                r % 10_000,
                (r >> 14) % 14,
                (r >> 18) % 33,
                (r >> 24) % 26,
                (r >> 30) % 62,
                (r >> 36) % 62
            );
            if let Some(t) = parse_plain_utc(&text) {
                taken += 1;
                assert_eq!(Some(t), general(&text), "{text}");
            }
            assert_eq!(parse(&text), general(&text), "{text}");
        }
        assert!(taken > 10_000, "{taken}");
        for other in [
            "2026-03-01T09:00:00z",
            "2026-03-01t09:00:00Z",
            "2026-03-01T09:00:60Z",
            "2026-02-30T09:00:00Z",
            "+026-03-01T09:00:00Z",
            "2026-03-01T09:00:00.5Z",
        ] {
            assert_eq!(parse(other), general(other), "{other}");
        }
    }

    #[test]
    fn instants_that_would_leave_rfc_3339_in_utc_are_refused() {
        assert!(parse("9999-12-31T23:00:00-05:00").is_none());
        assert!(parse("0000-01-01T00:30:00+01:00").is_none());
        assert_eq!(parse("9999-12-31T18:00:00-05:00").map(|t| format(&t)).as_deref(), Some("9999-12-31T23:00:00Z"));
        assert_eq!(parse("0000-01-01T00:00:00Z").map(|t| format(&t)).as_deref(), Some("0000-01-01T00:00:00Z"));
    }
}
