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

/// What [`markup_text`] does with a tab or line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// Keep it (XML text such as a JUnit failure message).
    Keep,
    /// Write a space (one-line text such as a DOT HTML-like label).
    Space,
}

/// Text for XML (a JUnit report) or a DOT HTML-like label: `&`, `<`, `>` and `"` as entities,
/// and control characters, which XML text cannot hold, shown as `\u{1b}`; tabs and line breaks
/// as `breaks` says.
pub fn markup_text(s: &str, breaks: Breaks) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' if breaks == Breaks::Keep => out.push(c),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Text for a terminal: control characters (ESC, BEL, NUL, ...) that came from a policy's labels
/// or a log's case ids are shown as `\u{1b}`, never sent raw, so a crafted id cannot retitle a
/// terminal or hide text. Line breaks and tabs stay.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // Control characters are bytes below 0x20, 0x7F, and U+0080..U+009F, which UTF-8 writes as
    // 0xC2 0x80..0x9F: a text with none of those bytes (nearly every one) is scanned by byte,
    // cheaply, as every line of `docket eval` output is.
    let suspect = |b: &u8| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f || *b == 0xc2;
    if !text.as_bytes().iter().any(suspect) || !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
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

#[cfg(test)]
mod tests {
    use super::{Breaks, markup_text, terminal_safe};
    use std::borrow::Cow;

    #[test]
    fn only_control_characters_are_escaped_and_other_text_is_borrowed() {
        // `£` and `é` are written with 0xC2/0xC3 lead bytes but are not control characters.
        for plain in ["case A-1: open \"Open\"\n\tfields: amount=£5 café", ""] {
            assert!(matches!(terminal_safe(plain), Cow::Borrowed(t) if t == plain), "{plain:?}");
        }
        assert_eq!(terminal_safe("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(terminal_safe("£\u{7f}\u{85}\u{9f}\u{a0}"), "£\\u{7f}\\u{85}\\u{9f}\u{a0}");
        assert_eq!(terminal_safe("\r\0"), "\\u{d}\\u{0}");
    }

    #[test]
    fn markup_text_escapes_entities_and_control_characters_and_keeps_or_spaces_breaks() {
        let text = "a<b & \"c\">\tline\nnext\r\u{1b}[31m\u{0}";
        assert_eq!(markup_text(text, Breaks::Keep), "a&lt;b &amp; &quot;c&quot;&gt;\tline\nnext\r\\u{1b}[31m\\u{0}");
        assert_eq!(markup_text(text, Breaks::Space), "a&lt;b &amp; &quot;c&quot;&gt; line next \\u{1b}[31m\\u{0}");
    }
}
