//! Reports: the structs other systems read (serde) and their text renderers.

pub mod case;
pub mod coverage;
pub mod csv;
pub mod explain;
pub mod explain_case;
pub mod graph;
pub mod sarif;
pub mod select;
pub mod summary;
pub mod table;

/// Text for a terminal: control characters (ESC, BEL, NUL, ...) that came from a policy's labels
/// or a log's case ids are shown as `\u{1b}`, never sent raw, so a crafted id cannot retitle a
/// terminal or hide text. Line breaks and tabs stay.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
