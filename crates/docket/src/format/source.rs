//! The source text as the formatter and its guard read it around the AST: where every comment
//! is, and how to step over whitespace and comments to the next or previous byte of code. The AST
//! keeps spans of names and declarations but not of every keyword or brace, so these steps find
//! them (`timers`, `{`, `}`) without searching the text for a word, which a title or a comment
//! could also hold. Every step is a binary search over the comments, so the work stays linear.

/// A comment in the source: where it starts and ends (the end of its line, or of the file) and
/// its text (with its `#`/`##`, trailing spaces trimmed).
#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub at: usize,
    pub end: usize,
    pub text: String,
}

impl Comment {
    /// A doc comment (`##`), which the grammar accepts only just before a declaration.
    pub fn is_doc(&self) -> bool {
        self.text.starts_with("##")
    }
}

/// The text and its comments, in order.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub comments: Vec<Comment>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Self {
        Source { text, comments: comments(text) }
    }

    /// The comment that holds byte `pos`, if any.
    fn comment_holding(&self, pos: usize) -> Option<&Comment> {
        let i = self.comments.partition_point(|c| c.at <= pos);
        self.comments[..i].last().filter(|c| pos < c.end)
    }

    /// The first byte of code at or after `pos` (not whitespace, not in a comment); the length
    /// of the text when there is none.
    pub fn next_code(&self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        while pos < bytes.len() {
            if bytes[pos].is_ascii_whitespace() {
                pos += 1;
            } else if let Some(c) = self.comment_holding(pos) {
                pos = c.end;
            } else {
                return pos;
            }
        }
        bytes.len()
    }

    /// One past the last byte of code before `pos`; 0 when there is none.
    pub fn prev_code_end(&self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        pos = pos.min(bytes.len());
        while pos > 0 {
            if bytes[pos - 1].is_ascii_whitespace() {
                pos -= 1;
            } else if let Some(c) = self.comment_holding(pos - 1) {
                pos = c.at;
            } else {
                return pos;
            }
        }
        0
    }

    /// Where the code of `start..end` really ends: pest may let a rule that ends in a repetition
    /// swallow the whitespace and comments after it, so a span is trimmed back to its last code.
    pub fn code_end(&self, start: usize, end: usize) -> usize {
        self.prev_code_end(end).max(start)
    }

    /// The start of the keyword `word` that ends just before `pos` (with only whitespace and
    /// comments between); `None` if the code before `pos` is not that word.
    pub fn keyword_before(&self, pos: usize, word: &str) -> Option<usize> {
        let end = self.prev_code_end(pos);
        let start = end.checked_sub(word.len())?;
        (self.text.get(start..end) == Some(word)).then_some(start)
    }

    /// The byte of code just before `pos`, with its position.
    pub fn code_byte_before(&self, pos: usize) -> Option<(usize, u8)> {
        let end = self.prev_code_end(pos);
        end.checked_sub(1).map(|i| (i, self.text.as_bytes()[i]))
    }

    /// The end of the source line holding `pos` (the position of its `\n`, or the end of text).
    pub fn line_end(&self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        self.text[pos..].find('\n').map_or(self.text.len(), |n| pos + n)
    }

    /// Whether code precedes the comment on its line.
    pub fn is_trailing(&self, c: &Comment) -> bool {
        let line_start = self.text[..c.at].rfind('\n').map_or(0, |i| i + 1);
        !self.text[line_start..c.at].trim().is_empty()
    }

    /// The 1-based line of byte `pos`.
    pub fn line_of(&self, pos: usize) -> usize {
        self.text.as_bytes()[..pos.min(self.text.len())].iter().filter(|b| **b == b'\n').count() + 1
    }

    /// The end of the string literal that starts at or after `pos` (one past its closing quote).
    pub fn string_end(&self, pos: usize) -> usize {
        let open = self.next_code(pos);
        match self.text.get(open + 1..).and_then(|rest| rest.find('"')) {
            Some(i) if self.text.as_bytes().get(open) == Some(&b'"') => open + 1 + i + 1,
            _ => open,
        }
    }
}

/// Every `#` comment, in order, skipping `#` inside strings.
fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => in_string = false,
            b'"' => in_string = !in_string,
            b'#' if !in_string => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(Comment { at: i, end, text: text[i..end].trim_end().to_string() });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}
