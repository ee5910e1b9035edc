//! Describing a media file: identify it from its bytes; for the formats the native prober reads
//! (WAV, BWF, RF64, AIFF) read the headers here, else (or when it is unsure) ask ffprobe and parse
//! the answer into a [`MediaDescription`]; add EXIF facts for still images. `prober` says which
//! answered.

mod args;
mod container;
mod hdr;
mod parse;

use std::io::Read;
use std::path::Path;

use regie_core::format::SNIFF_LEN;
use regie_core::{FileFormat, MediaDescription};

pub use parse::parse_ffprobe_json;

use crate::native::{Native, probe_native};
use crate::runner::{FFPROBE, ToolRunner};

/// `prober` of a description the native prober made.
pub const NATIVE_PROBER: &str = "native";
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

    /// Describes `path`. `head` is the file's first [`SNIFF_LEN`] bytes (all of them when the
    /// file is shorter) when the caller already has them (ingest reads them during the copy);
    /// otherwise they are read here.
    pub async fn describe(&self, path: &Path, head: Option<&[u8]>) -> Result<MediaDescription, MediaError> {
        let sniffed = sniff(path, head)?;
        if let Some(description) = native_for(sniffed, path, head) {
            return Ok(description);
        }
        self.ffprobe(path, sniffed).await
    }

    /// The native prober's description when it reads the file fully (microseconds, no process
    /// started); `None` when [`Prober::describe`] would ask ffprobe.
    pub fn describe_without_ffprobe(&self, path: &Path, head: Option<&[u8]>) -> Option<MediaDescription> {
        native_for(sniff(path, head).ok()?, path, head)
    }

    /// The mastering display and content light levels an HDR10 video declares in its first
    /// frame (`None` each when it declares none).
    pub async fn hdr_metadata(
        &self,
        path: &Path,
    ) -> Result<
        (Option<regie_core::profile::plan::MasteringDisplay>, Option<regie_core::profile::plan::ContentLight>),
        MediaError,
    > {
        let output = self.runner.run(FFPROBE, hdr::first_frame_arguments(path), path).await?;
        if !output.success {
            let stderr = if output.stderr.is_empty() { "no details".to_owned() } else { output.stderr };
            return Err(MediaError::Unreadable { tool: FFPROBE.program, path: path.to_owned(), stderr });
        }
        Ok(hdr::parse_hdr_side_data(&String::from_utf8_lossy(&output.stdout)))
    }

    /// Describes `path` with the native prober alone: an error says why it leaves a file to
    /// ffprobe (to compare the two probers).
    pub fn describe_natively(&self, path: &Path) -> Result<MediaDescription, MediaError> {
        sniff(path, None)?;
        let read_error = |source| MediaError::Read { path: path.to_owned(), source };
        let mut file = std::fs::File::open(path).map_err(read_error)?;
        let size = file.metadata().map_err(read_error)?.len();
        let unreadable =
            |reason: String| MediaError::Unreadable { tool: NATIVE_PROBER, path: path.to_owned(), stderr: reason };
        match probe_native(&mut file, size) {
            Native::Described(description) => Ok(natively_described(path, description)),
            Native::NotMine => Err(unreadable(
                "not a format it reads (WAV, BWF, RF64, AIFF, FLAC, MP3, PNG, JPEG, TIFF, DPX, EXR, MP4, QuickTime, Matroska, WebM, MXF, MPEG-TS)".to_owned(),
            )),
            Native::Unsure(reason) => Err(unreadable(reason)),
        }
    }

    /// Describes `path` with ffprobe alone, whatever its format (to compare the two probers).
    pub async fn describe_with_ffprobe(&self, path: &Path) -> Result<MediaDescription, MediaError> {
        let sniffed = sniff(path, None)?;
        self.ffprobe(path, sniffed).await
    }

    async fn ffprobe(&self, path: &Path, sniffed: FileFormat) -> Result<MediaDescription, MediaError> {
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
        description.prober = Some(FFPROBE.program.to_owned());
        Ok(description)
    }
}

/// The format of `path` from its first bytes (`head`, or read here); an empty file or one that
/// is not media is an error.
fn sniff(path: &Path, head: Option<&[u8]>) -> Result<FileFormat, MediaError> {
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
    Ok(sniffed)
}

/// The native description of a file whose bytes say it is in a format the native prober reads,
/// when it reads this one fully.
fn native_for(sniffed: FileFormat, path: &Path, head: Option<&[u8]>) -> Option<MediaDescription> {
    let native_format = matches!(
        sniffed,
        FileFormat::Wav
            | FileFormat::Aiff
            | FileFormat::Flac
            | FileFormat::Mp3
            | FileFormat::Png
            | FileFormat::Jpeg
            | FileFormat::Tiff
            | FileFormat::Mp4
            | FileFormat::Mov
            | FileFormat::Matroska
            | FileFormat::Webm
            | FileFormat::Mxf
            | FileFormat::Mpegts
            | FileFormat::Dpx
            | FileFormat::Exr
    );
    if native_format { native_description(path, head) } else { None }
}

/// A native description, with its EXIF facts for a still image and its prober named.
fn natively_described(path: &Path, mut description: MediaDescription) -> MediaDescription {
    if let Some(image) = description.image.as_mut() {
        exif::add_exif(path, image);
    }
    description.prober = Some(NATIVE_PROBER.to_owned());
    description
}

/// The native prober's description, when it is sure of it (otherwise ffprobe is asked). A file
/// shorter than the sniffed head is read from the head, not opened again.
fn native_description(path: &Path, head: Option<&[u8]>) -> Option<MediaDescription> {
    let native = match whole_file_in(head) {
        Some(bytes) => probe_native(&mut std::io::Cursor::new(bytes), bytes.len() as u64),
        None => {
            let mut file = std::fs::File::open(path).ok()?;
            let size = file.metadata().ok()?.len();
            probe_native(&mut file, size)
        }
    };
    match native {
        Native::Described(description) => Some(natively_described(path, description)),
        // Unsure (a codec it does not read, a damaged header): ffprobe says what it can.
        Native::NotMine | Native::Unsure(_) => None,
    }
}

/// The whole file, when its head holds all of it (a head is cut at [`SNIFF_LEN`]).
pub(crate) fn whole_file_in(head: Option<&[u8]>) -> Option<&[u8]> {
    head.filter(|head| head.len() < SNIFF_LEN)
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
