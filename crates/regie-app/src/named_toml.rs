//! Named TOML definitions (policies, profiles): a built-in by name, then the house's own
//! `DATA/<folder>/NAME.toml`, then a path to a file.

use std::path::{Path, PathBuf};

use crate::AppError;

/// The definition's text and where it came from (for errors), or `None` when nothing has the name.
pub(crate) fn find_definition(
    name: &str,
    built_ins: &[(&str, &str)],
    data_dir: &Path,
    folder: &str,
    kind: &str,
) -> Result<Option<(String, String)>, AppError> {
    if let Some((_, text)) = built_ins.iter().find(|(built_in, _)| *built_in == name) {
        return Ok(Some(((*text).to_owned(), format!("built-in {kind} {name}"))));
    }
    let house = data_dir.join(folder).join(format!("{name}.toml"));
    let path = if house.is_file() { house } else { PathBuf::from(name) };
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&path).map_err(|source| AppError::InputUnreadable { path: path.clone(), source })?;
    Ok(Some((text, path.display().to_string())))
}

/// The built-in names, for "no such name" errors.
pub(crate) fn known(built_ins: &[(&str, &str)]) -> String {
    built_ins.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}
