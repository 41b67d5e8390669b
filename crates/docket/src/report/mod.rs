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
    use super::terminal_safe;
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
}
