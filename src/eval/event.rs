//! Case events: one JSON Lines record, or one `[[events]]` table of a TOML case file, read into
//! an [`Event`]. Parameter values stay raw until the action they belong to gives them a type.

use chrono::{DateTime, Utc};
use thiserror::Error;

/// A parameter value as the event carried it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// A string.
    Text(String),
    /// A number, exactly as written.
    Number(String),
    /// true or false.
    Bool(bool),
    /// `null`.
    Null,
    /// An array, object or a value TOML has and JSON lacks.
    Other(&'static str),
}

/// One case event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Case id.
    pub case: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who sent it.
    pub role: String,
    /// What they did.
    pub action: String,
    /// Delivery id, for ignoring redeliveries.
    pub id: Option<String>,
    /// Every other key.
    pub params: Vec<(String, RawValue)>,
    /// Line in the log (1-based).
    pub line: usize,
}

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
    /// `at` is not RFC 3339.
    #[error("`at` is not an RFC 3339 time (such as 2026-03-01T09:00:00Z): `{0}`")]
    BadTime(String),
}

impl RawValue {
    fn from_json(v: &serde_json::Value) -> RawValue {
        match v {
            serde_json::Value::String(s) => RawValue::Text(s.clone()),
            serde_json::Value::Number(n) => RawValue::Number(n.to_string()),
            serde_json::Value::Bool(b) => RawValue::Bool(*b),
            serde_json::Value::Null => RawValue::Null,
            serde_json::Value::Array(_) => RawValue::Other("a list"),
            serde_json::Value::Object(_) => RawValue::Other("an object"),
        }
    }

    /// From a TOML value; floats are kept out, since money must be exact.
    pub fn from_toml(v: &toml::Value) -> RawValue {
        match v {
            toml::Value::String(s) => RawValue::Text(s.clone()),
            toml::Value::Integer(i) => RawValue::Number(i.to_string()),
            toml::Value::Float(_) => {
                RawValue::Other("a floating-point number (write amounts as strings, such as \"25.00\")")
            }
            toml::Value::Boolean(b) => RawValue::Bool(*b),
            toml::Value::Datetime(d) => RawValue::Text(d.to_string()),
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

/// Read one JSON Lines record.
pub fn from_json_line(text: &str, line: usize) -> Result<Event, EventError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| EventError::Json(json_reason(&e)))?;
    let serde_json::Value::Object(map) = value else { return Err(EventError::NotObject) };
    let get = |key: &'static str| -> Result<String, EventError> {
        match map.get(key) {
            None => Err(EventError::Missing(key)),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(EventError::NotString(key)),
        }
    };
    let (case, at, role, action) = (get("case")?, get("at")?, get("role")?, get("action")?);
    let at = crate::eval::time::parse(&at).ok_or(EventError::BadTime(at))?;
    let id = match map.get("id") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(EventError::NotString("id")),
    };
    let params = map
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "case" | "at" | "role" | "action" | "id"))
        .map(|(k, v)| (k.clone(), RawValue::from_json(v)))
        .collect();
    Ok(Event { case, at, role, action, id, params, line })
}

/// serde_json's message without its " at line 1 column 5" suffix (the log line is reported).
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

/// Read one `[[events]]` table of a TOML case file.
pub fn from_toml_table(table: &toml::Table, line: usize) -> Result<Event, EventError> {
    let get = |key: &'static str| -> Result<String, EventError> {
        match table.get(key) {
            None => Err(EventError::Missing(key)),
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(toml::Value::Datetime(d)) if key == "at" => Ok(d.to_string()),
            Some(_) => Err(EventError::NotString(key)),
        }
    };
    let (case, at, role, action) = (get("case")?, get("at")?, get("role")?, get("action")?);
    let at = crate::eval::time::parse(&at).ok_or(EventError::BadTime(at))?;
    let id = match table.get("id") {
        None => None,
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(toml::Value::Integer(i)) => Some(i.to_string()),
        Some(_) => return Err(EventError::NotString("id")),
    };
    let params = table
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "case" | "at" | "role" | "action" | "id"))
        .map(|(k, v)| (k.clone(), RawValue::from_toml(v)))
        .collect();
    Ok(Event { case, at, role, action, id, params, line })
}
