//! The library's diagnostics in the protocol's shape: the code, the severity, the label and the
//! help in the message (the protocol has no field for advice), every related place as related
//! information in the same document.

use crate::analysis::{Place, PolicyAnalysis, ScenarioAnalysis};
use docket::diag::Severity;
use lsp_types::{Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};

/// The protocol diagnostics of a policy.
pub fn policy(uri: &Uri, a: &PolicyAnalysis) -> Vec<Diagnostic> {
    let text = &a.file.text;
    a.diagnostics
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(label) = d.label.as_ref().filter(|l| !l.is_empty()) {
                message.push_str(&format!(" ({label})"));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = d
                .related
                .iter()
                .map(|r| DiagnosticRelatedInformation {
                    location: Location { uri: uri.clone(), range: a.lines.range(text, r.span) },
                    message: r.label.clone(),
                })
                .collect();
            Diagnostic {
                range: a.lines.range(text, d.span),
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("docket".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            }
        })
        .collect()
}

/// The protocol diagnostics of a scenario: what `docket test` would refuse before running it.
pub fn scenario(text: &str, a: &ScenarioAnalysis) -> Vec<Diagnostic> {
    a.problems
        .iter()
        .map(|p| Diagnostic {
            range: match p.at {
                Place::Span(s) => a.lines.range(text, s),
                Place::Line(l) => a.lines.line_range(text, l),
            },
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("docket test".into()),
            message: p.message.clone(),
            ..Diagnostic::default()
        })
        .collect()
}
