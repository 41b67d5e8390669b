//! Every diagnostic code, with a sentence on what it means. Codes are stable: tools and CI
//! configurations refer to them.

/// `(code, meaning)`, sorted by code.
pub const CODES: &[(&str, &str)] = &[("E001", "syntax error: the text does not follow the grammar")];
