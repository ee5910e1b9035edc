//! Files regie writes for the user (exports, extracts): complete or absent, never over an
//! existing file.

use std::path::Path;

use crate::AppError;

/// A temporary file beside `path` (same file system, so the final rename is atomic).
pub(crate) fn temporary_beside(path: &Path, prefix: &str) -> Result<tempfile::NamedTempFile, AppError> {
    let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let extension = path.extension().map(|extension| format!(".{}", extension.to_string_lossy())).unwrap_or_default();
    tempfile::Builder::new()
        .prefix(prefix)
        .suffix(&extension)
        .tempfile_in(folder)
        .map_err(|source| AppError::DataFolder { path: folder.to_owned(), source })
}

/// Syncs `temporary` and gives it the name `path`, refused when `path` exists.
pub(crate) fn persist_new(temporary: tempfile::NamedTempFile, path: &Path) -> Result<(), AppError> {
    temporary
        .as_file()
        .sync_all()
        .map_err(|source| AppError::DataFolder { path: temporary.path().to_owned(), source })?;
    temporary.persist_noclobber(path).map_err(|error| match error.error.kind() {
        std::io::ErrorKind::AlreadyExists => AppError::OutputExists { path: path.to_owned() },
        _ => AppError::DataFolder { path: path.to_owned(), source: error.error },
    })?;
    Ok(())
}

/// Writes `bytes` as the new file `path`: temp file, fsync, rename; refused when it exists.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    if path.exists() {
        return Err(AppError::OutputExists { path: path.to_owned() });
    }
    let mut temporary = temporary_beside(path, ".regie-export-")?;
    temporary.write_all(bytes).map_err(|source| AppError::DataFolder { path: path.to_owned(), source })?;
    persist_new(temporary, path)
}
