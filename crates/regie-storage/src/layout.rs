//! How a store folder names its blobs. Stores made from now on use one level of 256 folders
//! (`blobs/ab/<blake3>`, as Git keeps loose objects): a young store then makes at most 256
//! folders, where two levels made one (and flushed it) for nearly every blob of its first
//! hundred thousand. Stores made before keep two levels (`blobs/ab/cd/<blake3>`). The layout is
//! written once, in `layout` beside `blobs/`, before the first blob is stored (a folder that only
//! stages copies for a bucket never gets one).

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::StorageError;

/// The file that names a store folder's layout.
const MARKER: &str = "layout";
const ONE_LEVEL: &str = "blobs/ab/<blake3>";
const TWO_LEVELS: &str = "blobs/ab/cd/<blake3>";

/// The folders between `blobs/` and a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `blobs/ab/<blake3>`: stores made from now on.
    OneLevel,
    /// `blobs/ab/cd/<blake3>`: stores made before the layout was written down.
    TwoLevels,
}

impl Layout {
    /// The layout of the store folder at `root`, and whether its marker is written: as the
    /// marker says; for a folder without one, two levels when blobs are there already (the
    /// marker then written), one level otherwise (written with the first blob, [`Layout::write`]).
    pub(crate) fn of(root: &Path) -> Result<(Self, bool), StorageError> {
        let marker = root.join(MARKER);
        match fs::read_to_string(&marker) {
            Ok(text) => {
                return Self::parse(&text)
                    .map(|layout| (layout, true))
                    .ok_or(StorageError::UnknownLayout { path: marker, found: text });
            }
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => return Err(StorageError::read(&marker, error)),
        }
        let blobs = root.join("blobs");
        let has_blobs = match fs::read_dir(&blobs) {
            Ok(mut entries) => entries.next().is_some(),
            Err(error) if error.kind() == ErrorKind::NotFound => false,
            Err(error) => return Err(StorageError::read(&blobs, error)),
        };
        if !has_blobs {
            return Ok((Self::OneLevel, false));
        }
        Self::TwoLevels.write(root)?;
        Ok((Self::TwoLevels, true))
    }

    /// Where the blob `digest` lives under `blobs`.
    pub(crate) fn path(self, blobs: &Path, digest: &str) -> PathBuf {
        match self {
            Self::OneLevel => blobs.join(&digest[0..2]).join(digest),
            Self::TwoLevels => blobs.join(&digest[0..2]).join(&digest[2..4]).join(digest),
        }
    }

    /// How many folders lie between `blobs/` and a blob.
    pub(crate) fn depth(self) -> usize {
        match self {
            Self::OneLevel => 1,
            Self::TwoLevels => 2,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            ONE_LEVEL => Some(Self::OneLevel),
            TWO_LEVELS => Some(Self::TwoLevels),
            _ => None,
        }
    }

    /// The marker, written whole (temporary file, fsync, rename) so that no store is ever read
    /// with half of one; kept as it is when there already.
    pub(crate) fn write(self, root: &Path) -> Result<(), StorageError> {
        if root.join(MARKER).exists() {
            return Ok(());
        }
        let text = match self {
            Self::OneLevel => ONE_LEVEL,
            Self::TwoLevels => TWO_LEVELS,
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".layout-")
            .tempfile_in(root)
            .map_err(|error| StorageError::write(root, error))?;
        temp.write_all(format!("{text}\n").as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|error| StorageError::write(temp.path(), error))?;
        let marker = root.join(MARKER);
        temp.persist(&marker).map_err(|error| StorageError::write(&marker, error.error))?;
        crate::local::sync_folder(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";

    #[test]
    fn a_new_store_uses_one_level_and_says_so() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("blobs")).unwrap();
        assert_eq!(Layout::of(root.path()).unwrap(), (Layout::OneLevel, false));
        assert!(!root.path().join("layout").exists(), "written with the first blob");
        Layout::OneLevel.write(root.path()).unwrap();
        assert_eq!(fs::read_to_string(root.path().join("layout")).unwrap(), "blobs/ab/<blake3>\n");
        assert_eq!(Layout::of(root.path()).unwrap(), (Layout::OneLevel, true));
        let blobs = root.path().join("blobs");
        assert_eq!(Layout::OneLevel.path(&blobs, DIGEST), blobs.join("af").join(DIGEST));
    }

    #[test]
    fn a_store_with_blobs_and_no_marker_keeps_two_levels_even_once_emptied() {
        let root = tempfile::tempdir().unwrap();
        let blobs = root.path().join("blobs");
        fs::create_dir_all(blobs.join("af/13")).unwrap();
        fs::write(blobs.join("af/13").join(DIGEST), b"x").unwrap();
        assert_eq!(Layout::of(root.path()).unwrap(), (Layout::TwoLevels, true));
        assert_eq!(Layout::TwoLevels.path(&blobs, DIGEST), blobs.join("af/13").join(DIGEST));
        fs::remove_dir_all(&blobs).unwrap();
        assert_eq!(Layout::of(root.path()).unwrap(), (Layout::TwoLevels, true), "the marker decides from then on");
    }

    #[test]
    fn an_unknown_marker_is_refused_with_what_it_says() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("layout"), "blobs/abc/<sha1>\n").unwrap();
        let error = Layout::of(root.path()).unwrap_err().to_string();
        assert!(error.contains("blobs/abc/<sha1>") && error.contains("layout"), "{error}");
    }
}
