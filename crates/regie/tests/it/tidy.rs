//! Docs kept true by a test (issue 12): every error code the code can answer is listed in
//! `docs/errors.md`. Codes are collected from the sources: the bodies of every `fn code`, the
//! `let code = match` tables, and the codes given to `ApiError` constructors in the server.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// Every error code written in the crates' sources.
fn error_codes() -> BTreeSet<String> {
    let literal = Regex::new(r#""([a-z][a-z0-9-]*)""#).unwrap();
    let blocks = [
        Regex::new(r"(?s)fn code\(&self\) -> &'static str \{(.*?)\n    \}").unwrap(),
        Regex::new(r"(?s)let code = match (.*?)\};").unwrap(),
    ];
    let direct = [
        Regex::new(r#"StatusCode::[A-Z_]+,\s*"([a-z][a-z0-9-]*)""#).unwrap(),
        Regex::new(r#"(?:bad_request|with_code)\(\s*"([a-z][a-z0-9-]*)""#).unwrap(),
    ];
    let mut sources = Vec::new();
    for crate_folder in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let source_folder = crate_folder.unwrap().path().join("src");
        if source_folder.is_dir() {
            rust_sources(&source_folder, &mut sources);
        }
    }
    let mut codes = BTreeSet::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        for block in &blocks {
            for found in block.captures_iter(&text) {
                codes.extend(literal.captures_iter(&found[1]).map(|code| code[1].to_owned()));
            }
        }
        for pattern in &direct {
            codes.extend(pattern.captures_iter(&text).map(|code| code[1].to_owned()));
        }
    }
    codes
}

#[test]
fn every_error_code_is_documented() {
    let codes = error_codes();
    assert!(codes.len() > 40 && codes.contains("not-found") && codes.contains("malformed-json"), "{codes:?}");
    let documented = std::fs::read_to_string(workspace().join("docs/errors.md")).unwrap();
    let missing: Vec<&String> = codes.iter().filter(|code| !documented.contains(&format!("`{code}`"))).collect();
    assert!(missing.is_empty(), "codes missing from docs/errors.md: {missing:?}");
}
