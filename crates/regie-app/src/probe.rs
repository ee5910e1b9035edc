//! `probe`: describe a file without opening the catalogue or copying anything.

use std::path::Path;

use regie_core::MediaDescription;
use regie_media::{Prober, ToolRunner};

use crate::{AppError, Settings};

pub async fn probe_file(settings: &Settings, path: &Path) -> Result<MediaDescription, AppError> {
    probe_file_with(settings, path, ProberChoice::Auto).await
}

/// Which prober describes a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProberChoice {
    /// The native prober for the formats it reads, ffprobe for the rest and when it is unsure.
    Auto,
    Native,
    Ffprobe,
}

impl ProberChoice {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "auto" => Some(Self::Auto),
            "native" => Some(Self::Native),
            "ffprobe" => Some(Self::Ffprobe),
            _ => None,
        }
    }
}

/// Describes a file with the chosen prober.
pub async fn probe_file_with(
    settings: &Settings,
    path: &Path,
    choice: ProberChoice,
) -> Result<MediaDescription, AppError> {
    ensure_file(path)?;
    let prober = Prober::new(ToolRunner::new(1, settings.probe_timeout));
    Ok(match choice {
        ProberChoice::Auto => prober.describe(path, None).await?,
        ProberChoice::Native => prober.describe_natively(path)?,
        ProberChoice::Ffprobe => prober.describe_with_ffprobe(path).await?,
    })
}

/// Refuses a path that is missing or not a regular file, with an error that says which.
pub fn ensure_file(path: &Path) -> Result<(), AppError> {
    open_regular(path).map(drop)
}

/// Opens a file for reading only if it is a regular file. The open does not wait for a writer
/// (a named pipe would block it for ever) and the check is made on the opened file, so a pipe
/// swapped in after a look at the path is refused too.
pub(crate) fn open_regular(path: &Path) -> Result<std::fs::File, AppError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(
            |source| match source.kind() {
                std::io::ErrorKind::NotFound => AppError::InputMissing { path: path.to_owned() },
                _ => AppError::InputUnreadable { path: path.to_owned(), source },
            },
        )?;
    let metadata = file.metadata().map_err(|source| AppError::InputUnreadable { path: path.to_owned(), source })?;
    if !metadata.is_file() {
        return Err(AppError::NotRegularFile { path: path.to_owned() });
    }
    Ok(file)
}
