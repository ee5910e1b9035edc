//! `probe`: describe a file without opening the catalogue or copying anything.

use std::path::Path;

use regie_core::MediaDescription;
use regie_media::{Prober, ToolRunner};

use crate::{AppError, Settings};

pub async fn probe_file(settings: &Settings, path: &Path) -> Result<MediaDescription, AppError> {
    ensure_file(path)?;
    let prober = Prober::new(ToolRunner::new(1, settings.probe_timeout));
    Ok(prober.describe(path, None).await?)
}

/// Refuses a path that is missing or not a file, with an error that says which.
pub(crate) fn ensure_file(path: &Path) -> Result<(), AppError> {
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(AppError::InputMissing { path: path.to_owned() })
        }
        Err(source) => Err(AppError::InputUnreadable { path: path.to_owned(), source }),
        Ok(metadata) if metadata.is_dir() => {
            let source = std::io::Error::other("it is a folder; give one file");
            Err(AppError::InputUnreadable { path: path.to_owned(), source })
        }
        Ok(_) => Ok(()),
    }
}
