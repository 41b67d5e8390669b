//! Case events: one JSON Lines record, or one `[[events]]` table of a TOML case file, read into
//! an [`Event`]. Parameter values stay raw until the action they belong to gives them a type.

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;
use thiserror::Error;

/// A parameter value as the event carried it; strings borrow from the log line when they can.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue<'a> {
    /// A string.
    Text(Cow<'a, str>),
    /// A number, exactly as written.
    Number(Cow<'a, str>),
    /// true or false.
    Bool(bool),
    /// `null`.
    Null,
    /// An array, object or a value TOML has and JSON lacks.
    Other(&'static str),
}

/// One case event. Its text borrows from the line it was read from, so reading a log line
/// allocates only for what must outlive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// Case id.
    pub case: Cow<'a, str>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who sent it.
    pub role: Cow<'a, str>,
    /// What they did.
    pub action: Cow<'a, str>,
    /// Delivery id, for ignoring redeliveries.
    pub id: Option<Cow<'a, str>>,
    /// Every other key.
    pub params: Params<'a>,
    /// Line in the log (1-based).
    pub line: usize,
}

/// An event's keys and values, kept inline: events carry a handful, and a log has millions.
pub type Params<'a> = SmallVec<[(Cow<'a, str>, RawValue<'a>); 6]>;

/// Why a line is not an event.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// JSON but not an object.
    #[error("an event must be a JSON object")]
    NotObject,
    /// A required key is missing.
    #[error("the event has no `{0}` key")]
    Missing(&'static str),
    /// A required key has the wrong type.
    #[error("`{0}` must be a string")]
    NotString(&'static str),
    /// `id` is the empty string: every later event with it would be dropped as a redelivery.
    #[error("`id` is empty: leave it out, or give each event an id of its own")]
    EmptyId,
    /// A key appears more than once: which value was meant cannot be known, so no rule is picked
    /// (the first, the last) and the event is refused, for the envelope and parameters alike.
    #[error("the key `{0}` appears more than once in the event")]
    DuplicateKey(String),
    /// `at` is not RFC 3339.
    #[error("`at` is not an RFC 3339 time (such as 2026-03-01T09:00:00Z): `{0}`")]
    BadTime(String),
}

impl RawValue<'_> {
    /// From a TOML value; floats are kept out, since money must be exact.
    pub fn from_toml(v: &toml::Value) -> RawValue<'static> {
        match v {
            toml::Value::String(s) => RawValue::Text(Cow::Owned(s.clone())),
            toml::Value::Integer(i) => RawValue::Number(Cow::Owned(i.to_string())),
            toml::Value::Float(_) => {
                RawValue::Other("a floating-point number (write amounts as strings, such as \"25.00\")")
            }
            toml::Value::Boolean(b) => RawValue::Bool(*b),
            toml::Value::Datetime(d) => RawValue::Text(Cow::Owned(d.to_string())),
            toml::Value::Array(_) => RawValue::Other("a list"),
            toml::Value::Table(_) => RawValue::Other("a table"),
        }
    }

    /// What kind of value it is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            RawValue::Text(_) => "a string",
            RawValue::Number(_) => "a number",
            RawValue::Bool(_) => "true/false",
            RawValue::Null => "null",
            RawValue::Other(k) => k,
        }
    }
}

/// The key serde_json uses to hand over a number's exact text (feature `arbitrary_precision`).
const EXACT_NUMBER: &str = "$serde_json::private::Number";

/// Reads any JSON value into a [`RawValue`] without building a `serde_json::Value`.
struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(RawValue::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RawValue::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(RawValue::Text(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(RawValue::Number(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(RawValue::Number(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        // Only reached without exact numbers; a float is never taken as money.
        Ok(RawValue::Other("an inexact number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RawValue::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawValue::Other("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let first: Option<Key<'de>> = map.next_key()?;
        if first.as_ref().is_some_and(|k| k.0 == EXACT_NUMBER) {
            let text: Key<'de> = map.next_value()?;
            return Ok(RawValue::Number(text.0));
        }
        if first.is_some() {
            map.next_value::<IgnoredAny>()?;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        }
        Ok(RawValue::Other("an object"))
    }
}

impl<'de> serde::Deserialize<'de> for RawValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

/// A string that borrows from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// An event's keys sorted into their places as they are read, before they are checked.
#[derive(Default)]
struct Slots<'a> {
    case: Option<RawValue<'a>>,
    at: Option<RawValue<'a>>,
    role: Option<RawValue<'a>>,
    action: Option<RawValue<'a>>,
    id: Option<RawValue<'a>>,
    params: Params<'a>,
    /// An envelope key given twice (the first found).
    duplicate: Option<Cow<'a, str>>,
}

impl<'a> Slots<'a> {
    fn put(&mut self, key: Cow<'a, str>, value: RawValue<'a>) {
        let slot = match key.as_ref() {
            "case" => &mut self.case,
            "at" => &mut self.at,
            "role" => &mut self.role,
            "action" => &mut self.action,
            "id" => &mut self.id,
            _ => return self.params.push((key, value)),
        };
        if slot.is_some() && self.duplicate.is_none() {
            self.duplicate = Some(key);
        }
        *slot = Some(value);
    }
}

impl<'de> serde::Deserialize<'de> for Slots<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SlotsVisitor;
        impl<'de> Visitor<'de> for SlotsVisitor {
            type Value = Slots<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut slots = Slots::default();
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    let v = map.next_value::<RawValue<'de>>()?;
                    slots.put(k.0, v);
                }
                Ok(slots)
            }
        }
        d.deserialize_map(SlotsVisitor)
    }
}

/// Read one JSON Lines record.
pub fn from_json_line(text: &str, line: usize) -> Result<Event<'_>, EventError> {
    // Nearly every line of a real log is a flat object of plain strings and numbers: read those
    // directly; anything else (escapes, nesting, a syntax error) is read by serde_json, which
    // also words the errors. Both give the same event for the same line.
    if let Some(slots) = flat::scan(text) {
        return event_from_slots(slots, line);
    }
    from_json_by_serde(text, line)
}

/// Read one JSON Lines record with serde_json, whatever its shape.
fn from_json_by_serde(text: &str, line: usize) -> Result<Event<'_>, EventError> {
    match serde_json::from_str::<Slots>(text) {
        Ok(slots) => event_from_slots(slots, line),
        // Valid JSON that is not an object says so; anything else is a syntax error.
        Err(e) if e.is_data() => Err(EventError::NotObject),
        Err(e) => Err(EventError::Json(json_reason(&e))),
    }
}

/// Check an event's required keys, whatever format it came from.
fn event_from_slots(slots: Slots<'_>, line: usize) -> Result<Event<'_>, EventError> {
    fn text<'a>(v: Option<RawValue<'a>>, key: &'static str) -> Result<Cow<'a, str>, EventError> {
        match v {
            None => Err(EventError::Missing(key)),
            Some(RawValue::Text(s)) => Ok(s),
            Some(_) => Err(EventError::NotString(key)),
        }
    }
    let Slots { case, at, role, action, id, params, duplicate } = slots;
    if let Some(key) = duplicate.as_deref().or_else(|| repeated_key(&params)) {
        return Err(EventError::DuplicateKey(shown_key(key)));
    }
    let (case, at_text, role, action) =
        (text(case, "case")?, text(at, "at")?, text(role, "role")?, text(action, "action")?);
    let at = crate::eval::time::parse(&at_text).ok_or_else(|| EventError::BadTime(at_text.into_owned()))?;
    let id = match id {
        None | Some(RawValue::Null) => None,
        Some(RawValue::Text(s)) if s.is_empty() => return Err(EventError::EmptyId),
        Some(RawValue::Text(s) | RawValue::Number(s)) => Some(s),
        Some(_) => return Err(EventError::NotString("id")),
    };
    Ok(Event { case, at, role, action, id, params, line })
}

/// A reader for the one shape nearly every log line has: a JSON object whose values are strings
/// without escapes, numbers, `true`, `false` or `null`. It gives up (`None`) at the first thing
/// outside that shape, valid JSON or not, so that serde_json reads the line instead; what it
/// accepts it reads exactly as serde_json does (a test compares the two on every kind of line).
mod flat {
    use super::{RawValue, Slots};
    use std::borrow::Cow;

    /// JSON's insignificant whitespace.
    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
            i += 1;
        }
        i
    }

    /// A string starting at the quote at `i` with no escape and no control character: its
    /// contents and the index after its closing quote.
    fn string(text: &str, i: usize) -> Option<(&str, usize)> {
        let b = text.as_bytes();
        let start = i + 1;
        let len = b.get(start..)?.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        let end = start + len;
        // The line is UTF-8 and the quote is ASCII, so the slice is on character boundaries.
        (b[end] == b'"').then(|| (&text[start..end], end + 1))
    }

    /// A number in JSON's grammar at `i`: its text and the index after it.
    fn number(text: &str, i: usize) -> Option<(&str, usize)> {
        let b = text.as_bytes();
        let digits = |mut j: usize| {
            let from = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            (j > from).then_some(j)
        };
        let mut j = i + usize::from(b.get(i) == Some(&b'-'));
        j = match b.get(j) {
            Some(b'0') => j + 1,
            Some(b'1'..=b'9') => digits(j)?,
            _ => return None,
        };
        if b.get(j) == Some(&b'.') {
            j = digits(j + 1)?;
        }
        if let Some(b'e' | b'E') = b.get(j) {
            j += 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            j = digits(j)?;
        }
        Some((&text[i..j], j))
    }

    /// A value at `i` (after whitespace) and the index after it.
    fn value(text: &str, i: usize) -> Option<(RawValue<'_>, usize)> {
        let b = text.as_bytes();
        let word = |w: &[u8], v: RawValue<'static>| b.get(i..i + w.len()).filter(|s| *s == w).map(|_| (v, i + w.len()));
        match b.get(i)? {
            b'"' => string(text, i).map(|(s, j)| (RawValue::Text(Cow::Borrowed(s)), j)),
            b'-' | b'0'..=b'9' => number(text, i).map(|(s, j)| (RawValue::Number(Cow::Borrowed(s)), j)),
            b't' => word(b"true", RawValue::Bool(true)),
            b'f' => word(b"false", RawValue::Bool(false)),
            b'n' => word(b"null", RawValue::Null),
            _ => None,
        }
    }

    /// The line's keys sorted into their places, if it has the flat shape.
    pub(super) fn scan(text: &str) -> Option<Slots<'_>> {
        let b = text.as_bytes();
        let mut slots = Slots::default();
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                let (key, j) = string(text, i)?;
                i = skip_ws(b, j);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                let (v, j) = value(text, skip_ws(b, i + 1))?;
                slots.put(Cow::Borrowed(key), v);
                i = skip_ws(b, j);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        (skip_ws(b, i) == b.len()).then_some(slots)
    }
}

/// Up to this many parameters are compared pairwise; more (an event a hostile log can hold by
/// the hundred thousand) are sorted instead, so the check stays O(n log n).
const PAIRWISE_KEYS: usize = 16;

/// The first parameter key (by its second occurrence) that the event gives twice.
fn repeated_key<'p>(params: &'p Params<'_>) -> Option<&'p str> {
    if params.len() <= PAIRWISE_KEYS {
        return params
            .iter()
            .enumerate()
            .find(|(i, (k, _))| params[..*i].iter().any(|(p, _)| p == k))
            .map(|(_, (k, _))| k.as_ref());
    }
    let mut order: Vec<usize> = (0..params.len()).collect();
    order.sort_unstable_by(|&a, &b| params[a].0.cmp(&params[b].0).then(a.cmp(&b)));
    order.windows(2).filter(|w| params[w[0]].0 == params[w[1]].0).map(|w| w[1]).min().map(|i| params[i].0.as_ref())
}

/// A key as a message shows it: a long one is cut, since a repeated key can be a megabyte.
fn shown_key(key: &str) -> String {
    const SHOWN: usize = 60;
    match key.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_string(),
    }
}

/// serde_json's message without its " at line 1 column 5" suffix (the log line is reported).
fn json_reason(e: &serde_json::Error) -> String {
    if e.is_eof() {
        return format!("the line ends before the JSON object does (cut short at column {}?)", e.column());
    }
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

/// Read one `[[events]]` table of a TOML case file as the parser left it: strings borrow from
/// the file's text, so no owned copy of the document is made.
pub fn from_toml_detable<'a>(table: &'a toml::de::DeTable<'_>, line: usize) -> Result<Event<'a>, EventError> {
    use toml::de::DeValue;
    let mut slots = Slots::default();
    for (k, v) in table.iter() {
        let value = match v.get_ref() {
            DeValue::String(s) => RawValue::Text(Cow::Borrowed(s.as_ref())),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => RawValue::Number(Cow::Owned(n.to_string())),
                Err(_) => RawValue::Other("an integer too large for 64 bits"),
            },
            DeValue::Float(_) => {
                RawValue::Other("a floating-point number (write amounts as strings, such as \"25.00\")")
            }
            DeValue::Boolean(b) => RawValue::Bool(*b),
            DeValue::Datetime(d) => RawValue::Text(Cow::Owned(d.to_string())),
            DeValue::Array(_) => RawValue::Other("a list"),
            DeValue::Table(_) => RawValue::Other("a table"),
        };
        slots.put(Cow::Borrowed(k.get_ref().as_ref()), value);
    }
    event_from_slots(slots, line)
}

/// Read one `[[events]]` table of a TOML case file.
pub fn from_toml_table(table: &toml::Table, line: usize) -> Result<Event<'static>, EventError> {
    let mut slots = Slots::default();
    for (k, v) in table {
        slots.put(Cow::Owned(k.clone()), RawValue::from_toml(v));
    }
    event_from_slots(slots, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENVELOPE: &str = r#""case":"A","at":"2026-03-01T09:00:00Z","role":"buyer","action":"open""#;

    #[test]
    fn the_flat_reader_reads_what_it_accepts_as_serde_json_does_and_leaves_the_rest_to_it() {
        let values = [
            r#""x""#,
            r#""""#,
            r#""é ü""#,
            r#""a\"b""#,
            r#""\u0041""#,
            "0",
            "-0",
            "12",
            "-3.50",
            "1e2",
            "1E+28",
            "2.5e-3",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "true",
            "false",
            "null",
            "tru",
            "[1]",
            "{}",
            r#""25.60""#,
            r#""2026-03-01T09:00:00Z""#,
            "\"a\tb\"",
            "18446744073709551616",
            "-9223372036854775809",
        ];
        let keys = ["case", "at", "role", "action", "id", "amount", "reason", r"\u0061t"];
        let ws = ["", " ", "\t", "\r\n", "  "];
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        let (mut compared, mut flat) = (0, 0);
        for _ in 0..20_000 {
            let mut line = format!("{}{{", ws[next(5)]);
            let members = next(7);
            for m in 0..members {
                if m > 0 {
                    line.push(',');
                }
                let key = if next(3) == 0 { keys[next(keys.len())] } else { ["case", "at", "role", "action"][m % 4] };
                let value =
                    if m % 4 == 1 && next(2) == 0 { r#""2026-03-01T09:00:00Z""# } else { values[next(values.len())] };
                line.push_str(&format!(
                    "{}\"{key}\"{}:{}{value}{}",
                    ws[next(5)],
                    ws[next(5)],
                    ws[next(5)],
                    ws[next(5)]
                ));
            }
            line.push('}');
            line.push_str(ws[next(5)]);
            // Now and then a byte or two broken, to reach the reader's ways out.
            for _ in 0..next(3).saturating_sub(1) {
                let at = next(line.len() + 1);
                let at = (0..=at).rev().find(|&i| line.is_char_boundary(i)).unwrap_or(0);
                line.insert(at, ['{', '}', '"', ',', ':', '[', '\\', 'x', '0', ' '][next(10)]);
            }
            let by_serde = from_json_by_serde(&line, 1);
            if let Some(slots) = flat::scan(&line) {
                flat += 1;
                assert_eq!(event_from_slots(slots, 1), by_serde, "{line}");
            }
            assert_eq!(from_json_line(&line, 1), by_serde, "{line}");
            compared += 1;
        }
        // Both ways were taken often.
        assert!(flat > 5_000 && compared - flat > 5_000, "{flat} of {compared} read flat");
        let typical = r#"{"case": "AE-1", "at": "2026-01-01T00:04:30Z", "role": "buyer", "action": "open", "amount": "25.60", "n": 3}"#;
        assert!(flat::scan(typical).is_some());
    }

    #[test]
    fn a_key_given_twice_refuses_the_event_for_envelope_and_parameters_alike() {
        for key in ["case", "at", "role", "action", "id"] {
            let line = format!(r#"{{{ENVELOPE},"id":"1","{key}":"x"}}"#);
            assert_eq!(from_json_line(&line, 1), Err(EventError::DuplicateKey(key.into())), "{line}");
        }
        let line = format!(r#"{{{ENVELOPE},"amount":"1","reason":"damaged","amount":"9"}}"#);
        assert_eq!(from_json_line(&line, 1), Err(EventError::DuplicateKey("amount".into())));
        // The same key written with an escape is the same key.
        let line = format!(r#"{{{ENVELOPE},"amount":"1","\u0061mount":"9"}}"#);
        assert_eq!(from_json_line(&line, 1), Err(EventError::DuplicateKey("amount".into())));
        let line = format!(r#"{{{ENVELOPE},"amount":"1","reason":"damaged"}}"#);
        assert!(from_json_line(&line, 1).is_ok());
    }

    #[test]
    fn repeated_keys_among_many_are_found_by_sorting_and_named_by_second_occurrence() {
        // More keys than are compared pairwise: the sorted path names the key whose second
        // occurrence comes first, as the pairwise path would.
        let mut keys: Vec<String> = (0..5000).map(|i| format!("k{i}")).collect();
        keys.push("k4000".into());
        keys.push("k7".into());
        let body: String = keys.iter().map(|k| format!(r#","{k}":1"#)).collect();
        let line = format!("{{{ENVELOPE}{body}}}");
        assert_eq!(from_json_line(&line, 1), Err(EventError::DuplicateKey("k4000".into())));
        let long = "x".repeat(1000);
        let line = format!(r#"{{{ENVELOPE},"{long}":1,"{long}":2}}"#);
        let Err(EventError::DuplicateKey(shown)) = from_json_line(&line, 1) else { panic!() };
        assert_eq!(shown.chars().count(), 61);
    }
}
