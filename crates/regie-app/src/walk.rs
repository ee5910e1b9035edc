//! Turning the paths given on the command line into the list of media files to work on:
//! folders are walked recursively in name order; a symlink is followed only when it leads to a
//! place inside one of the given roots; sidecars and operating-system litter are set aside.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::sidecar::is_sidecar;

/// What walking the inputs found.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Media files to process, with their sizes.
    pub files: Vec<(PathBuf, u64)>,
    /// Inputs that could not be read at all (missing, unreadable folder): each becomes a failure,
    /// with a stable error code and a message that names the path.
    pub failures: Vec<(PathBuf, &'static str, String)>,
    /// Paths deliberately not followed, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Names that file managers leave behind and nobody means to archive.
const LITTER: &[&str] = &[".DS_Store", "Thumbs.db", "desktop.ini", ".directory"];

/// Walks `inputs`; nothing under an `excluded` folder (regie's own data folder) is taken.
pub(crate) fn walk_inputs(inputs: &[PathBuf], excluded: &[PathBuf]) -> Walk {
    let mut walk = Walk::default();
    let excluded: Vec<PathBuf> = excluded.iter().filter_map(|folder| fs::canonicalize(folder).ok()).collect();
    let roots: Vec<PathBuf> =
        inputs.iter().filter_map(|input| fs::canonicalize(input).ok()).filter(|root| root.is_dir()).collect();
    let mut visited_folders: HashSet<PathBuf> = excluded.iter().cloned().collect();
    let mut seen_files = HashSet::new();
    for input in inputs {
        let absolute = std::path::absolute(input).unwrap_or_else(|_| input.clone());
        match fs::metadata(&absolute) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let message = format!("{} does not exist", absolute.display());
                walk.failures.push((absolute, "not-found", message));
            }
            Err(error) => {
                let message = format!("cannot read {}: {error}", absolute.display());
                walk.failures.push((absolute, "source-unreadable", message));
            }
            Ok(metadata) if metadata.is_dir() => {
                walk_folder(&absolute, &roots, &mut visited_folders, &mut seen_files, &mut walk)
            }
            Ok(metadata) if !metadata.is_file() => {
                let message = format!("{} is not a regular file (a device, pipe or socket)", absolute.display());
                walk.failures.push((absolute, "not-media", message));
            }
            Ok(metadata) => {
                if seen_files.insert(fs::canonicalize(&absolute).unwrap_or_else(|_| absolute.clone())) {
                    walk.files.push((absolute, metadata.len()));
                }
            }
        }
    }
    walk
}

fn walk_folder(
    folder: &Path,
    roots: &[PathBuf],
    visited: &mut HashSet<PathBuf>,
    seen_files: &mut HashSet<PathBuf>,
    walk: &mut Walk,
) {
    let canonical = fs::canonicalize(folder).unwrap_or_else(|_| folder.to_owned());
    if !visited.insert(canonical.clone()) {
        return; // seen before through a symlink, or regie's own data folder
    }
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) => {
            let message = format!("cannot read the folder {}: {error}", folder.display());
            walk.failures.push((folder.to_owned(), "source-unreadable", message));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if LITTER.contains(&name) || name.starts_with("._") {
            continue;
        }
        let Ok(link_metadata) = fs::symlink_metadata(&path) else { continue };
        let symlink = link_metadata.file_type().is_symlink();
        if symlink {
            match fs::canonicalize(&path) {
                Ok(target) if roots.iter().any(|root| target.starts_with(root)) => {}
                Ok(target) => {
                    walk.skipped.push((
                        path,
                        format!("symlink to {} leads outside the given folders; not followed", target.display()),
                    ));
                    continue;
                }
                Err(_) => {
                    walk.skipped.push((path, "broken symlink".to_owned()));
                    continue;
                }
            }
        }
        // What a symlink leads to; anything else is what it is (one call less per file).
        let metadata = if symlink {
            let Ok(metadata) = fs::metadata(&path) else { continue };
            metadata
        } else {
            link_metadata
        };
        if metadata.is_dir() {
            walk_folder(&path, roots, visited, seen_files, walk);
        } else if !metadata.is_file() {
            walk.skipped.push((path, "not a regular file (a device, pipe or socket)".to_owned()));
        } else if !is_sidecar(&path) {
            // A file that is no symlink, in a folder already resolved, needs no resolving.
            let canonical = match (symlink, path.file_name()) {
                (false, Some(name)) => canonical.join(name),
                _ => fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
            };
            if seen_files.insert(canonical) {
                walk.files.push((path, metadata.len()));
            }
        }
    }
}

/// Finished uploads, taken one by one as they are (they live inside the data folder, so they are
/// never walked).
pub(crate) fn uploaded_files(paths: &[PathBuf]) -> Walk {
    let mut walk = Walk::default();
    for path in paths {
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => walk.files.push((path.clone(), metadata.len())),
            Ok(_) => walk.failures.push((path.clone(), "not-a-file", format!("{} is not a file", path.display()))),
            Err(error) => walk.failures.push((
                path.clone(),
                "source-unreadable",
                format!("cannot read {}: {error}", path.display()),
            )),
        }
    }
    walk
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn folders_are_walked_in_order_and_sidecars_set_aside() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("in");
        fs::create_dir_all(root.join("sub")).unwrap();
        for name in ["b.mov", "a.mxf", "a.json", "sub/c.wav", ".DS_Store", "manifest.csv"] {
            fs::write(root.join(name), b"x").unwrap();
        }
        let walk = walk_inputs(std::slice::from_ref(&root), &[]);
        let names: Vec<String> =
            walk.files.iter().map(|(path, _)| path.strip_prefix(&root).unwrap().display().to_string()).collect();
        assert_eq!(names, ["a.mxf", "b.mov", "sub/c.wav"]);
    }

    #[test]
    fn symlinks_outside_the_roots_are_not_followed() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("in");
        let outside = folder.path().join("outside");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("secret.mov"), b"x").unwrap();
        fs::write(root.join("inside.mov"), b"x").unwrap();
        symlink(&outside, root.join("escape")).unwrap();
        symlink(root.join("inside.mov"), root.join("alias.mov")).unwrap();
        symlink(&root, root.join("loop")).unwrap();
        let walk = walk_inputs(std::slice::from_ref(&root), &[]);
        assert_eq!(walk.files.len(), 1, "the inside file once, through either name: {:?}", walk.files);
        assert!(walk.skipped.iter().any(|(path, reason)| path.ends_with("escape") && reason.contains("outside")));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the test makes its pipe with mkfifo
    fn the_data_folder_and_pipes_are_never_taken_as_media() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().to_owned();
        fs::create_dir_all(root.join("regie-data/store/blobs")).unwrap();
        fs::write(root.join("regie-data/store/blobs/abc"), b"x").unwrap();
        fs::write(root.join("clip.mov"), b"x").unwrap();
        assert!(std::process::Command::new("mkfifo").arg(root.join("pipe.mov")).status().unwrap().success());
        let walk = walk_inputs(std::slice::from_ref(&root), &[root.join("regie-data")]);
        let names: Vec<_> = walk.files.iter().map(|(path, _)| path.file_name().unwrap().to_owned()).collect();
        assert_eq!(names, ["clip.mov"]);
        assert!(walk.skipped.iter().any(|(path, reason)| path.ends_with("pipe.mov") && reason.contains("regular")));
        let explicit = walk_inputs(&[root.join("pipe.mov")], &[]);
        assert_eq!(explicit.failures[0].1, "not-media");
    }

    #[test]
    fn missing_inputs_are_failures() {
        let walk = walk_inputs(&[PathBuf::from("/definitely/not/here.mov")], &[]);
        assert_eq!(walk.failures.len(), 1);
        assert_eq!(walk.failures[0].1, "not-found");
        assert_eq!(walk.failures[0].2, "/definitely/not/here.mov does not exist");
    }
}
