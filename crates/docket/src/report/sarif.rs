//! `docket check --format sarif`: located diagnostics as a SARIF 2.1.0 log, the format GitHub code
//! scanning (`github/codeql-action/upload-sarif`) and other tools read. One run; its rules are the
//! codes the results use, each with its sentence from `crate::codes`. A result's secondary places
//! are its `relatedLocations`; a warning silenced by `# docket: allow` has an `inSource` suppression.
//! Pure: no I/O.

use crate::diag::{LocatedDiagnostic, Severity};
use serde::Serialize;
use std::collections::BTreeSet;

/// The schema the log declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Columns count characters, as `--format json` does (SARIF's default is UTF-16 units).
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    /// The fix, and the command that prints the code's page (code scanning shows it on the alert).
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    /// Other places that explain the result (the first declaration of a duplicate, the earlier
    /// of two overlapping rules), each with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    /// A warning silenced by `# docket: allow`: code scanning shows it as dismissed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A code's usual level: warnings are `W` codes; an `E` code is an error (E011 can also be a
/// warning, and then its result says so).
fn default_level(code: &str) -> &'static str {
    if code.starts_with('W') { "warning" } else { "error" }
}

/// A file path as a SARIF URI reference: backslashes become forward slashes, and the characters
/// a URI may not hold (spaces, `%`, `#`, `?`, `:`, anything not ASCII) are percent-encoded, so
/// an ordinary relative path stands as given.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A rule's help: the fix in words, then where the whole page is (no link: the documentation
/// is the installed `docket`'s own).
fn rule_help(code: &str) -> String {
    let page = crate::codes::reference(code);
    match crate::codes::doc(code) {
        Some(doc) => format!("To fix: {}. For an example and the fix, run `{page}`.", doc.fix_note),
        None => format!("Run `{page}`."),
    }
}

/// The SARIF log of these diagnostics, pretty-printed, ending in a newline.
pub fn render(diagnostics: &[LocatedDiagnostic]) -> String {
    let codes: BTreeSet<&'static str> = diagnostics.iter().map(|d| d.code).collect();
    let rules: Vec<Rule> = codes
        .iter()
        .map(|&code| Rule {
            id: code,
            short_description: Text { text: crate::codes::explain(code).unwrap_or(code).to_string() },
            help: Text { text: rule_help(code) },
            default_configuration: Configuration { level: default_level(code) },
        })
        .collect();
    let results = diagnostics
        .iter()
        .map(|d| {
            let text = match &d.help {
                Some(help) => format!("{} (help: {help})", d.message),
                None => d.message.clone(),
            };
            SarifResult {
                rule_id: d.code,
                rule_index: codes.iter().position(|&c| c == d.code).unwrap_or_default(),
                level: level(d.severity),
                message: Text { text },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri(&d.file) },
                        region: Region {
                            start_line: d.line,
                            start_column: d.column,
                            end_line: d.end_line,
                            end_column: d.end_column,
                        },
                    },
                }],
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(id, r)| RelatedLocation {
                        id,
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation { uri: uri(&r.file) },
                            region: Region {
                                start_line: r.line,
                                start_column: r.column,
                                end_line: r.end_line,
                                end_column: r.end_column,
                            },
                        },
                        message: Text { text: r.label.clone() },
                    })
                    .collect(),
                suppressions: if d.suppressed { vec![Suppression { kind: "inSource" }] } else { vec![] },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool { driver: Driver { name: "docket", version: env!("CARGO_PKG_VERSION"), rules } },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("policies/aliexpress.policy"), "policies/aliexpress.policy");
        assert_eq!(uri("../a-b_c~d/e.policy"), "../a-b_c~d/e.policy");
        assert_eq!(uri("policies\\win.policy"), "policies/win.policy");
        assert_eq!(uri("my policies/50%#1?.policy"), "my%20policies/50%25%231%3F.policy");
        assert_eq!(uri("c:x/é.policy"), "c%3Ax/%C3%A9.policy");
    }
}
