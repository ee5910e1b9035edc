//! `probe`: describe a file without opening the catalogue or copying anything.

use std::path::Path;

use regie_core::MediaDescription;
use regie_media::{Prober, ToolRunner};

use crate::{AppError, Settings};

pub async fn probe_file(settings: &Settings, path: &Path) -> Result<MediaDescription, AppError> {
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::InputMissing { path: path.to_owned() });
        }
        Err(source) => return Err(AppError::InputUnreadable { path: path.to_owned(), source }),
        Ok(metadata) if metadata.is_dir() => {
            let source = std::io::Error::other("it is a folder; probe takes one file");
            return Err(AppError::InputUnreadable { path: path.to_owned(), source });
        }
        Ok(_) => {}
    }
    let prober = Prober::new(ToolRunner::new(1, settings.probe_timeout));
    Ok(prober.describe(path, None).await?)
}
