//! Counters and histograms for `GET /metrics`, written in the Prometheus text format (0.0.4).
//! Lock-free counters; the histograms' buckets are fixed.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// A histogram with fixed upper bounds, in seconds.
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    /// The sum in microseconds.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Record one observation, in seconds.
    pub fn observe(&self, seconds: f64) {
        let seconds = seconds.max(0.0);
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if seconds <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", c.load(Ordering::Relaxed));
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

const LATENCY: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
const LAG: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 60.0, 3600.0];

/// The service's figures.
pub struct Metrics {
    /// Events by result: applied, rejected, duplicate, malformed.
    pub events: [AtomicU64; 4],
    /// Deadlines fired.
    pub timers_fired: AtomicU64,
    /// Request latency.
    pub latency: Histogram,
    /// How long after its deadline a timer fired.
    pub timer_lag: Histogram,
    /// Transactions committed.
    pub commits: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            events: Default::default(),
            timers_fired: AtomicU64::new(0),
            latency: Histogram::new(LATENCY),
            timer_lag: Histogram::new(LAG),
            commits: AtomicU64::new(0),
        }
    }
}

/// The result words, in the order of `Metrics::events`.
pub const RESULTS: [&str; 4] = ["applied", "rejected", "duplicate", "malformed"];

impl Metrics {
    /// The text format, with the cases by status (read from the store by the caller).
    pub fn render(&self, statuses: &[(String, i64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP docket_events_total Events received, by result.\n# TYPE docket_events_total counter\n");
        for (word, n) in RESULTS.iter().zip(&self.events) {
            let _ = writeln!(out, "docket_events_total{{result=\"{word}\"}} {}", n.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP docket_timers_fired_total Deadlines fired by the scheduler.\n# TYPE docket_timers_fired_total counter\ndocket_timers_fired_total {}",
            self.timers_fired.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP docket_commits_total Transactions committed.\n# TYPE docket_commits_total counter\ndocket_commits_total {}",
            self.commits.load(Ordering::Relaxed)
        );
        out.push_str("# HELP docket_cases Cases by status.\n# TYPE docket_cases gauge\n");
        for (status, n) in statuses {
            let _ = writeln!(out, "docket_cases{{status=\"{}\"}} {n}", escape(status));
        }
        self.latency.write(&mut out, "docket_request_duration_seconds", "HTTP request latency.");
        self.timer_lag.write(&mut out, "docket_timer_lag_seconds", "How long after its deadline a timer fired.");
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_each_observation_in_every_bucket_at_or_above_it() {
        let m = Metrics::default();
        m.latency.observe(0.003);
        let text = m.render(&[("open".into(), 2)]);
        assert!(text.contains("docket_request_duration_seconds_bucket{le=\"0.0025\"} 0"), "{text}");
        assert!(text.contains("docket_request_duration_seconds_bucket{le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("docket_request_duration_seconds_count 1"), "{text}");
        assert!(text.contains("docket_cases{status=\"open\"} 2"), "{text}");
    }
}
