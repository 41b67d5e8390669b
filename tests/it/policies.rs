//! Every bundled policy checks clean, with no warnings.

use std::fs;

#[test]
fn every_bundled_policy_checks_clean() {
    let mut seen = 0;
    let mut entries: Vec<_> = fs::read_dir("policies").unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "policy")) {
        let text = fs::read_to_string(&path).unwrap();
        let compiled = docket::compile_file(docket::span::SourceFile::new(path.display().to_string(), text));
        let rendered: Vec<String> =
            compiled.diagnostics.iter().map(|d| docket::diag::render_text(&compiled.file, d)).collect();
        assert!(rendered.is_empty(), "{}:\n{}", path.display(), rendered.join("\n"));
        assert!(compiled.table.is_some());
        seen += 1;
    }
    assert!(seen >= 1, "no policies found");
}
