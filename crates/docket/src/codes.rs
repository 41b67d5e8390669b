//! Every diagnostic code, with a sentence on what it means. Codes are stable: tools and CI
//! configurations refer to them, so a code is never reused; one no longer reported is kept here,
//! marked retired, with the code that replaced it. A test keeps this list and the codes used in
//! `src/` in step.
//!
//! `docs.rs` beside this file documents each code for `docket codes CODE`: what it means, a policy
//! that draws it and the fix; a test checks every example and every fix with `docket check`.
//!
//! Severity follows consequence. An error (`E`) means the policy cannot be used, or would do
//! something other than what it says: every verb but `check` refuses it. A warning (`W`) means the
//! policy works as written but something is probably a mistake. So every declaration nothing uses
//! is a warning: a field (W001), a role (W002), an action (W003), a timer (W005; it was the error
//! E044 until an unused timer blocked every verb while an unused field did not). A status no case
//! can reach (E040) stays an error: it is not merely unused, since the rules written in it are
//! dead and the transition meant to lead there is missing or misnamed, which changes what cases do.

mod docs;

pub use docs::DOCS;

/// `(code, meaning)`, sorted by code.
pub const CODES: &[(&str, &str)] = &[
    ("E001", "syntax error: the text does not follow the grammar"),
    ("E002", "the text nests brackets or chains operators too deeply for the parser to read it safely"),
    ("E003", "a number, an amount or a duration is too large to represent"),
    ("E004", "the file is not valid UTF-8 text"),
    ("E005", "the file is larger than a policy may be"),
    ("E010", "a name is declared twice in the same scope, or a timer is armed twice in one status"),
    (
        "E011",
        "a parameter written with a type has a field's name and hides the field; an error when their types differ",
    ),
    ("E020", "a status name does not match any status in scope"),
    ("E021", "a role is used but never declared"),
    ("E022", "a field is used but never declared"),
    ("E023", "a timer is used but never declared"),
    ("E024", "a rule names an action its role does not declare"),
    ("E025", "a name in an expression is not a parameter, a field or a timer"),
    ("E026", "a value is not one of the variants of its enum"),
    ("E027", "a status ends with an outcome that is never declared"),
    ("E028", "a type is unknown, or a parameter has no type and no field of its name to take one from"),
    ("E030", "an operator is given values it cannot combine or compare"),
    ("E031", "a field is given a value of another type"),
    ("E032", "a condition is not true or false"),
    ("E033", "an outcome's amount is missing, of the wrong type, or given where the outcome takes none"),
    ("E034", "a timer fires at a field that does not hold a time"),
    ("E035", "a field's default is not a plain value"),
    ("E040", "a status can never be reached from the initial status"),
    ("E041", "a status that is not terminal has no rule or timer leading out of it"),
    ("E042", "a terminal status has rules or statuses inside it"),
    ("E043", "two rules for the same trigger in one status can both apply"),
    ("E044", "retired: a timer declared but never armed or read is now the warning W005"),
    ("E045", "a timer's duration is zero or negative"),
    ("E046", "automatic transitions can loop forever"),
    ("E047", "a policy or a status with children marks no initial status"),
    ("E048", "more than one status among siblings is marked initial"),
    ("E049", "a terminal status has no outcome, or a status that is not terminal has one"),
    (
        "E060",
        "a calendar is wrong: no or an unknown time zone, bad business hours, or a holiday file that cannot be read or is not valid",
    ),
    ("E061", "a duration in business days or hours names no calendar to count them in"),
    ("E062", "a duration table leaves out a variant of its enum field"),
    ("E063", "a calendar is used but never declared"),
    (
        "E064",
        "an automatic transition, a timer's instant or a pause condition reads the clock, so time passing alone would change it unnoticed",
    ),
    ("E065", "a duration counted on a calendar is used where it needs a fixed length (it can only be added to a time)"),
    ("E066", "a timer counted on a calendar is given a pause (a paused clock resumes with exact time left)"),
    ("E067", "a policy's `effective` is not an RFC 3339 instant"),
    (
        "E068",
        "versions of one policy clash: the same version string or effective instant, a version without a version string, or files of different policies given as versions",
    ),
    ("W001", "a field is declared but never used"),
    ("W002", "a role takes no action anywhere"),
    ("W003", "an action is declared but no rule uses it"),
    ("W004", "a calendar's holiday data ends less than a year after the instant given to `check --now`"),
    ("W005", "a timer is declared but never armed or read"),
    (
        "W006",
        "a `# docket:` comment silences nothing: no such warning on its line, an error or unknown code, or no directive",
    ),
    ("W007", "timers lead a status back to itself through moves that need no event, so a case there moves forever"),
];

/// Whether a code is no longer reported (its sentence says which code replaced it).
pub fn is_retired(code: &str) -> bool {
    explain(code).is_some_and(|m| m.starts_with("retired"))
}

/// The meaning of a code, if it exists.
pub fn explain(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// How a code's documentation shows it: the meaning, what draws it, and how to fix it.
#[derive(Debug)]
pub struct CodeDoc {
    /// The code.
    pub code: &'static str,
    /// What it means and why, in a few sentences.
    pub about: &'static str,
    /// A whole policy that draws the code when checked (empty for a retired code).
    pub example: &'static str,
    /// How the example's text becomes the bytes of its file.
    pub stored: Stored,
    /// Files beside the example, `(name, text)`: another version of it, a holiday file.
    pub beside: &'static [(&'static str, &'static str)],
    /// What else `docket check` is given: `--now` and its instant, the other files to check.
    pub args: &'static [&'static str],
    /// The fix, as replacements in the example: each `(from, to)` once, in order.
    pub fix: &'static [(&'static str, &'static str)],
    /// The fix, in words.
    pub fix_note: &'static str,
}

/// How an example's text is stored, for the codes about the file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// As written, in UTF-8.
    AsWritten,
    /// Saved as Latin-1 (ISO 8859-1), one byte per character, which is not UTF-8 past ASCII.
    Latin1,
    /// As written, followed by generated comments past the size limit.
    PastTheLimit,
}

impl CodeDoc {
    /// The bytes of the example's file.
    pub fn example_bytes(&self) -> Vec<u8> {
        match self.stored {
            Stored::AsWritten => self.example.as_bytes().to_vec(),
            // Every character of the examples is below U+0100, so each is one Latin-1 byte.
            Stored::Latin1 => self.example.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect(),
            Stored::PastTheLimit => {
                let line = "# generated padding, the kind of text that makes a file too large to be a policy\n";
                let mut text = self.example.to_string();
                while text.len() <= crate::syntax::MAX_SOURCE_BYTES {
                    text.push_str(line);
                }
                text.into_bytes()
            }
        }
    }

    /// The example with its fix applied, as stored in UTF-8; `None` if a replacement's text is
    /// not in the example (a mistake in the documentation, which a test catches).
    pub fn fixed(&self) -> Option<String> {
        let mut text = self.example.to_string();
        for (from, to) in self.fix {
            if !text.contains(from) {
                return None;
            }
            text = text.replacen(from, to, 1);
        }
        Some(text)
    }

    /// Whether the code is no longer reported.
    pub fn retired(&self) -> bool {
        is_retired(self.code)
    }
}

/// The documentation of a code (`E043`, or `e043`).
pub fn doc(code: &str) -> Option<&'static CodeDoc> {
    DOCS.iter().find(|d| d.code.eq_ignore_ascii_case(code))
}

/// Whether a word looks like a diagnostic code: `E` or `W` and three digits, in either case.
pub fn looks_like_code(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 4 && matches!(b[0], b'E' | b'W' | b'e' | b'w') && b[1..].iter().all(u8::is_ascii_digit)
}

/// A code's severity in words: warnings are `W` codes, errors `E` codes; E011 is either.
pub fn severity(code: &str) -> &'static str {
    match code {
        _ if is_retired(code) => "retired",
        "E011" => "error or warning",
        c if c.starts_with('W') => "warning",
        _ => "error",
    }
}

/// How a diagnostic's JSON and SARIF refer to its documentation: the command that prints it.
pub fn reference(code: &str) -> String {
    format!("docket codes {code}")
}
