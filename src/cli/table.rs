//! `docket table FILE`.

use super::{Format, OK, io};
use std::path::Path;

/// Print the flattened table.
pub fn run(path: &Path, format: Format) -> u8 {
    let (_, table) = match io::load_table(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let views = docket::report::table::view(&table);
    let out = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&views).unwrap_or_default()),
        Format::Text => docket::report::table::render_text(&views),
    };
    io::emit_then(out.as_bytes(), OK)
}
