//! `check-names`: every media file under the given paths checked against the house naming rule.

use std::path::PathBuf;

use regie_core::naming::{NamingProblem, NamingRule};
use serde::Serialize;

use crate::walk::walk_inputs;

/// The verdict on one file name.
#[derive(Debug, Clone, Serialize)]
pub struct NameCheck {
    pub path: String,
    pub name: String,
    pub ok: bool,
    pub problems: Vec<NamingProblem>,
}

/// Checks every media file under `paths` (sidecars and litter are set aside as in ingest); inputs that
/// cannot be read come back as a check with a `path` problem.
pub fn check_names(rule: &NamingRule, paths: &[PathBuf]) -> Vec<NameCheck> {
    let walk = walk_inputs(paths, &[]);
    let mut checks: Vec<NameCheck> = walk
        .failures
        .into_iter()
        .map(|(path, _code, reason)| NameCheck {
            name: file_name(&path),
            path: path.display().to_string(),
            ok: false,
            problems: vec![NamingProblem { field: "path".to_owned(), message: reason }],
        })
        .collect();
    for (path, _) in walk.files {
        let name = file_name(&path);
        let problems = rule.check(&name);
        checks.push(NameCheck { path: path.display().to_string(), ok: problems.is_empty(), name, problems });
    }
    checks
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}
