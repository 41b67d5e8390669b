//! Positions as the protocol counts them: a line and a column in UTF-16 code units, converted to
//! and from the byte offsets the library's spans hold. A label or comment with `é` or an emoji
//! must not shift the columns after it.

use docket::span::Span;
use lsp_types::{Position, Range};

/// The byte offset where each line of a text starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index a text.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The protocol position of a byte offset (clamped to the text, and to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col: usize = text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position { line: line as u32, character: col as u32 }
    }

    /// The byte offset of a protocol position; a column past the line's end is its end, a line
    /// past the text's end the text's end.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else { return text.len() };
        let end = self.starts.get(pos.line as usize + 1).map_or(text.len(), |&e| e);
        let line = text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\n').unwrap_or(line);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The protocol range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range { start: self.position(text, span.start), end: self.position(text, span.end.max(span.start)) }
    }

    /// The span of a protocol range.
    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        Span::new(start, self.offset(text, range.end).max(start))
    }

    /// The range of a whole 1-based line, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Range {
        let i = line.saturating_sub(1);
        let start = self.starts.get(i).copied().unwrap_or(text.len());
        let end = self.starts.get(i + 1).map_or(text.len(), |&e| e.saturating_sub(1));
        let end = if text[..end.max(start)].ends_with('\r') { end - 1 } else { end.max(start) };
        self.range(text, Span::new(start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a \"é😀\" b\nx";
        let ix = LineIndex::new(text);
        let b = text.find(" b").unwrap() + 1;
        // `é` is one unit, the emoji two: `b` is at column 8, not its byte offset 10.
        assert_eq!(ix.position(text, b), Position { line: 0, character: 8 });
        assert_eq!(ix.offset(text, Position { line: 0, character: 8 }), b);
        assert_eq!(ix.offset(text, Position { line: 1, character: 9 }), text.len());
        assert_eq!(ix.offset(text, Position { line: 7, character: 0 }), text.len());
        // A position inside a surrogate pair lands on a character boundary.
        assert!(text.is_char_boundary(ix.offset(text, Position { line: 0, character: 5 })));
    }
}
