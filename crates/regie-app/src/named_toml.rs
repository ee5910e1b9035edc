//! Named TOML definitions (policies, profiles): a built-in by name, then the house's own
//! `DATA/<folder>/NAME.toml`, then (for the data folder's operator only) a path to a file.
//! A remote caller chooses by plain name only: a name is never a path, so nothing outside the
//! built-ins and the house folder can be read, and whether a file exists elsewhere is never told.

use std::path::{Path, PathBuf};

use regie_core::plain_name::is_plain_name;

use crate::AppError;

/// Where a definition may be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A built-in or a house definition, by plain name: what callers over the API may choose.
    ByName,
    /// Also a path to a TOML file: for the operator of the data folder on the command line.
    ByNameOrPath,
}

/// The definition's text and where it came from (for errors), or `None` when nothing has the name.
pub(crate) fn find_definition(
    name: &str,
    built_ins: &[(&str, &str)],
    data_dir: &Path,
    folder: &str,
    kind: &'static str,
    lookup: Lookup,
) -> Result<Option<(String, String)>, AppError> {
    if let Some((_, text)) = built_ins.iter().find(|(built_in, _)| *built_in == name) {
        return Ok(Some(((*text).to_owned(), format!("built-in {kind} {name}"))));
    }
    let path = if is_plain_name(name) {
        let house = data_dir.join(folder).join(format!("{name}.toml"));
        match (house.is_file(), lookup) {
            (true, _) => house,
            (false, Lookup::ByName) => return Ok(None),
            (false, Lookup::ByNameOrPath) => PathBuf::from(name),
        }
    } else if lookup == Lookup::ByNameOrPath {
        PathBuf::from(name)
    } else {
        return Err(AppError::InvalidName { what: kind, name: name.chars().take(80).collect() });
    };
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&path).map_err(|source| AppError::InputUnreadable { path: path.clone(), source })?;
    Ok(Some((text, path.display().to_string())))
}

/// Why a definition's TOML does not parse, by line, without quoting the file: serde's own words
/// and where they apply.
pub(crate) fn toml_reason(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim_end_matches('\n');
    match error.span() {
        Some(span) => {
            let line = text.get(..span.start).map_or(0, |before| before.matches('\n').count()) + 1;
            format!("line {line}: {message}")
        }
        None => message.to_owned(),
    }
}

/// The built-in names, for "no such name" errors.
pub(crate) fn known(built_ins: &[(&str, &str)]) -> String {
    built_ins.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT_INS: &[(&str, &str)] = &[("one", "x = 1")];

    #[test]
    fn by_name_refuses_paths_without_telling_whether_they_exist() {
        let data = tempfile::tempdir().unwrap();
        for name in ["/etc/passwd", "/no/such/file", "../profiles/one", "/proc/self/environ"] {
            let error =
                find_definition(name, BUILT_INS, data.path(), "profiles", "profile", Lookup::ByName).unwrap_err();
            assert_eq!(error.code(), "invalid-name", "{name}");
            assert!(!error.to_string().contains("root:"), "{error}");
        }
    }

    #[test]
    fn by_name_finds_built_ins_and_house_definitions_only() {
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir(data.path().join("profiles")).unwrap();
        std::fs::write(data.path().join("profiles/house.toml"), "y = 2").unwrap();
        let find = |name| find_definition(name, BUILT_INS, data.path(), "profiles", "profile", Lookup::ByName);
        assert_eq!(find("one").unwrap().unwrap().0, "x = 1");
        assert_eq!(find("house").unwrap().unwrap().0, "y = 2");
        assert!(find("absent").unwrap().is_none());
    }

    #[test]
    fn the_operator_may_name_a_file() {
        let data = tempfile::tempdir().unwrap();
        let file = data.path().join("elsewhere.toml");
        std::fs::write(&file, "z = 3").unwrap();
        let name = file.to_str().unwrap();
        let found = find_definition(name, BUILT_INS, data.path(), "profiles", "profile", Lookup::ByNameOrPath);
        assert_eq!(found.unwrap().unwrap().0, "z = 3");
    }

    #[test]
    fn toml_errors_name_the_line_and_never_quote_it() {
        let text = "a = 1\nroot:x:0:0:secret\n";
        let error = toml::from_str::<toml::Value>(text).unwrap_err();
        let reason = toml_reason(&error, text);
        assert!(reason.starts_with("line 2:"), "{reason}");
        assert!(!reason.contains("secret"), "{reason}");
    }
}
