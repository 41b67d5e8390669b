//! A batch of log lines read into events ahead of the run that applies them: a reader thread
//! fills a [`Batch`] line by line (the very reading [`EventSink::feed_line`] does), hands it
//! over, and the run feeds it to its sink. The sink sees the same calls in the same order as
//! when it reads the lines itself, so output does not depend on how the work is split.
//!
//! An event borrows its text from its line; a batch keeps the lines' text in one buffer and
//! each event as offsets into it (text that had to be unescaped goes to a second buffer), so a
//! batch is one owned value that can cross threads, and reading allocates nothing per event.

use super::event::{self, Event, Params, RawValue};
use super::log::EventSink;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;

/// A string of a batch: a range of its lines' text, or of its unescaped text.
#[derive(Debug, Clone, Copy)]
struct Loc {
    unescaped: bool,
    start: usize,
    end: usize,
}

/// A parameter value of a batch (see [`RawValue`]).
#[derive(Debug, Clone, Copy)]
enum RawLoc {
    Text(Loc),
    Number(Loc),
    Bool(bool),
    Null,
    Other(&'static str),
}

/// An event of a batch (see [`Event`]).
#[derive(Debug)]
struct LocEvent {
    case: Loc,
    at: DateTime<Utc>,
    role: Loc,
    action: Loc,
    id: Option<Loc>,
    /// Its parameters, in `Batch::params`.
    params: Range<usize>,
    line: usize,
    /// The case id's hash by the batch's hasher (0 without one).
    hash: u64,
}

/// One line's outcome.
#[derive(Debug)]
enum Item {
    Event(LocEvent),
    Malformed(usize, String),
}

/// Lines read into events, in log order, ready to be fed to a sink.
#[derive(Debug, Default)]
pub struct Batch {
    /// The text of the lines that held events.
    text: String,
    /// Strings that had escapes, unescaped.
    unescaped: String,
    params: Vec<(Loc, RawLoc)>,
    items: Vec<Item>,
    /// Hashes each event's case id as it is read, for a run split over threads
    /// ([`Batch::hashing`]).
    hasher: Option<RandomState>,
}

impl Batch {
    /// Bytes of text held: a reader hands the batch over once it passes its chosen size.
    pub fn len_bytes(&self) -> usize {
        self.text.len() + self.unescaped.len()
    }

    /// Lines held (events and malformed lines; blank lines are not kept).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was read into it.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A batch that hashes each event's case id with the hasher of the run it is for
    /// ([`crate::eval::log::LogRun::case_hasher`]), so that the thread reading finds which part
    /// of a split run an event goes to, and the part need not hash the id again.
    pub fn hashing(hasher: RandomState) -> Self {
        Batch { hasher: Some(hasher), ..Batch::default() }
    }

    /// Empty it for reuse, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.unescaped.clear();
        self.params.clear();
        self.items.clear();
    }

    /// Read one JSON Lines record, as [`EventSink::feed_line`] does.
    pub fn push_line(&mut self, text: &str, line: usize) {
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            return;
        }
        let item = match event::from_json_line(text, line) {
            Ok(e) => Item::Event(self.locate(&e, text)),
            Err(err) => Item::Malformed(line, err.to_string()),
        };
        self.items.push(item);
    }

    /// Record a line that is not an event.
    pub fn push_malformed(&mut self, line: usize, message: String) {
        self.items.push(Item::Malformed(line, message));
    }

    /// Keep an event read from `line` as offsets: the line's text is copied in once.
    fn locate(&mut self, e: &Event<'_>, line: &str) -> LocEvent {
        let base = self.text.len();
        self.text.push_str(line);
        let params_start = self.params.len();
        for (k, v) in &e.params {
            let k = self.loc(k, line, base);
            let v = match v {
                RawValue::Text(s) => RawLoc::Text(self.loc(s, line, base)),
                RawValue::Number(s) => RawLoc::Number(self.loc(s, line, base)),
                RawValue::Bool(b) => RawLoc::Bool(*b),
                RawValue::Null => RawLoc::Null,
                RawValue::Other(k) => RawLoc::Other(k),
            };
            self.params.push((k, v));
        }
        LocEvent {
            case: self.loc(&e.case, line, base),
            at: e.at,
            role: self.loc(&e.role, line, base),
            action: self.loc(&e.action, line, base),
            id: e.id.as_ref().map(|s| self.loc(s, line, base)),
            params: params_start..self.params.len(),
            line: e.line,
            hash: self.hasher.as_ref().map_or(0, |h| h.hash_one(&*e.case)),
        }
    }

    /// Where a string of an event read from `line` is kept: a borrowed one is a range of the
    /// line (copied to `base`), an owned one (unescaped) is copied to the unescaped text.
    fn loc(&mut self, s: &str, line: &str, base: usize) -> Loc {
        let (at, within) = (s.as_ptr() as usize, line.as_ptr() as usize);
        if at >= within && at + s.len() <= within + line.len() {
            let start = base + (at - within);
            return Loc { unescaped: false, start, end: start + s.len() };
        }
        let start = self.unescaped.len();
        self.unescaped.push_str(s);
        Loc { unescaped: true, start, end: self.unescaped.len() }
    }

    fn str(&self, loc: Loc) -> &str {
        let from = if loc.unescaped { &self.unescaped } else { &self.text };
        from.get(loc.start..loc.end).unwrap_or_default()
    }

    /// Give the sink every line's outcome, in order.
    pub fn feed(&self, sink: &mut (impl EventSink + ?Sized)) {
        for item in &self.items {
            match item {
                Item::Malformed(line, message) => sink.malformed(*line, message.clone()),
                Item::Event(e) => sink.event(&self.event(e)),
            }
        }
    }

    /// Give one part of a run split `parts` ways ([`crate::eval::log::LogRun::split`]) the
    /// events of its cases, in order, with their hashes; the first part is also given the
    /// malformed lines. Every event goes to exactly one part, and always the same one for a case.
    pub fn feed_part(&self, sink: &mut (impl EventSink + ?Sized), part: usize, parts: usize) {
        // Lines ahead whose index entry, and whose case's state, the sink is told of: far enough
        // for memory to answer before the event is reached, near enough to stay in cache.
        const ENTRY_AHEAD: usize = 16;
        const STATE_AHEAD: usize = 8;
        let mine = |item: Option<&Item>| match item {
            Some(Item::Event(e)) if part_of(e.hash, parts) == part => Some(e.hash),
            _ => None,
        };
        for (i, item) in self.items.iter().enumerate() {
            if let Some(hash) = mine(self.items.get(i + ENTRY_AHEAD)) {
                sink.coming(hash, false);
            }
            if let Some(hash) = mine(self.items.get(i + STATE_AHEAD)) {
                sink.coming(hash, true);
            }
            match item {
                Item::Malformed(line, message) if part == 0 => sink.malformed(*line, message.clone()),
                Item::Malformed(..) => {}
                Item::Event(e) if part_of(e.hash, parts) == part => sink.event_hashed(&self.event(e), e.hash),
                Item::Event(_) => {}
            }
        }
    }

    fn event(&self, e: &LocEvent) -> Event<'_> {
        let params: Params<'_> = self
            .params
            .get(e.params.clone())
            .unwrap_or_default()
            .iter()
            .map(|&(k, v)| {
                let v = match v {
                    RawLoc::Text(s) => RawValue::Text(Cow::Borrowed(self.str(s))),
                    RawLoc::Number(s) => RawValue::Number(Cow::Borrowed(self.str(s))),
                    RawLoc::Bool(b) => RawValue::Bool(b),
                    RawLoc::Null => RawValue::Null,
                    RawLoc::Other(k) => RawValue::Other(k),
                };
                (Cow::Borrowed(self.str(k)), v)
            })
            .collect();
        Event {
            case: Cow::Borrowed(self.str(e.case)),
            at: e.at,
            role: Cow::Borrowed(self.str(e.role)),
            action: Cow::Borrowed(self.str(e.action)),
            id: e.id.map(|s| Cow::Borrowed(self.str(s))),
            params,
            line: e.line,
        }
    }
}

/// The part of a split run a case goes to, by its id's hash. The high bits are used: the case
/// index of each part places its cases by the low bits, which would otherwise all be alike.
pub fn part_of(hash: u64, parts: usize) -> usize {
    ((hash >> 32) % parts.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::test_support::Record;

    #[test]
    fn a_batch_feeds_what_the_lines_fed_one_by_one_give() {
        let lines = [
            r#"{"case":"A","at":"2026-03-01T09:00:00Z","role":"buyer","action":"open","amount":"12.50","n":3,"ok":true,"x":null,"l":[1],"o":{"a":1}}"#,
            "",
            "   \r\n",
            r#"{"case":"B\u0041","at":"2026-03-01T09:00:00Z","role":"b\"uyer","action":"open","id":"d\n1","k\u00e9y":"v\\w"}"#,
            "not json",
            r#"{"case":"A","at":"2026-03-01T09:00:00Z","role":"buyer","action":"open","id":7}"#,
            r#"{"case":"A","case":"B","at":"2026-03-01T09:00:00Z","role":"buyer","action":"open"}"#,
            r#"[1,2]"#,
            r#"{"case":"é","at":"2026-03-01T09:00:00+02:00","role":"buyer","action":"open","id":null}"#,
        ];
        let mut alone = Record::default();
        let mut batch = Batch::default();
        for (i, line) in lines.iter().enumerate() {
            alone.feed_line(line, i + 1);
            batch.push_line(line, i + 1);
        }
        alone.malformed(10, "too long".into());
        batch.push_malformed(10, "too long".into());
        let mut batched = Record::default();
        batch.feed(&mut batched);
        assert_eq!(batched.0, alone.0);
        assert_eq!(alone.0.len(), 8);
        assert!(batch.unescaped.contains("BA") && batch.unescaped.contains("kéy"));
        batch.clear();
        assert!(batch.is_empty() && batch.len_bytes() == 0);
    }
}
