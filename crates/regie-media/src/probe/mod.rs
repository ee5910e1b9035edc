//! Describing a media file: identify it from its bytes, ask ffprobe, parse the answer into
//! a [`MediaDescription`], and add EXIF facts for still images.

mod args;
mod container;
mod parse;

use std::io::Read;
use std::path::Path;

use regie_core::format::SNIFF_LEN;
use regie_core::{FileFormat, MediaDescription};

pub use parse::parse_ffprobe_json;

use crate::runner::{FFPROBE, ToolRunner};
use crate::{MediaError, exif};

/// Describes media files through ffprobe.
#[derive(Debug, Clone)]
pub struct Prober {
    runner: ToolRunner,
}

impl Prober {
    pub fn new(runner: ToolRunner) -> Self {
        Self { runner }
    }

    /// Describes `path`. `head` is the file's first bytes when the caller already has them
    /// (ingest reads them during the copy); otherwise they are read here.
    pub async fn describe(&self, path: &Path, head: Option<&[u8]>) -> Result<MediaDescription, MediaError> {
        let owned_head;
        let head = match head {
            Some(head) => head,
            None => {
                owned_head = read_head(path)?;
                &owned_head
            }
        };
        if head.is_empty() {
            return Err(MediaError::Empty { path: path.to_owned() });
        }
        let sniffed = FileFormat::sniff(head);
        if !sniffed.is_media() && sniffed != FileFormat::Unknown {
            return Err(MediaError::NotMedia { path: path.to_owned(), format: sniffed.as_str() });
        }
        let output = self.runner.run(FFPROBE, args::ffprobe_arguments(path), path).await?;
        if !output.success {
            let stderr = if output.stderr.is_empty() { "no details".to_owned() } else { output.stderr };
            let error = MediaError::Unreadable { tool: FFPROBE.program, path: path.to_owned(), stderr };
            return Err(error.about(path, path));
        }
        let json = String::from_utf8_lossy(&output.stdout);
        let mut description = parse_ffprobe_json(&json, sniffed).map_err(|error| match error {
            MediaError::NotMedia { format, .. } => MediaError::NotMedia { path: path.to_owned(), format },
            other => other,
        })?;
        if let Some(image) = description.image.as_mut() {
            exif::add_exif(path, image);
        }
        Ok(description)
    }
}

/// The first bytes of a regular file. Opening does not wait for a writer and the type is checked
/// on the opened file, so a named pipe is refused instead of hanging the probe.
fn read_head(path: &Path) -> Result<Vec<u8>, MediaError> {
    use std::os::unix::fs::OpenOptionsExt;
    let read_error = |source| MediaError::Read { path: path.to_owned(), source };
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(read_error)?;
    if !file.metadata().map_err(read_error)?.is_file() {
        return Err(MediaError::NotRegularFile { path: path.to_owned() });
    }
    let mut head = Vec::with_capacity(SNIFF_LEN);
    file.take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|source| MediaError::Read { path: path.to_owned(), source })?;
    Ok(head)
}
