//! Numbered image sequences (film scans, renders): `reel1_000001.dpx`, `reel1_000002.dpx`... are
//! one picture sequence, catalogued as one asset. Files are grouped by folder, name before the
//! number, width of the number and extension; a pattern such as `reel1_%06d.dpx` names one
//! sequence. Missing numbers between the first and last frame are gaps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Extensions of the formats scanned or rendered one file per frame.
pub const SEQUENCE_EXTENSIONS: [&str; 2] = ["dpx", "exr"];

/// One frame of a sequence on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFile {
    pub number: u64,
    pub path: PathBuf,
    pub size: u64,
}

/// A numbered sequence of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSequence {
    pub folder: PathBuf,
    /// The name before the frame number (`reel1_`).
    pub prefix: String,
    /// Digits of the frame number, zero-padded.
    pub digits: usize,
    /// The extension as written (`dpx`, `DPX`).
    pub extension: String,
    /// In frame order.
    pub frames: Vec<FrameFile>,
}

impl ImageSequence {
    /// The printf-style name of the frames (`reel1_%06d.dpx`), as FFmpeg's image reader takes it.
    pub fn pattern(&self) -> String {
        format!("{}%0{}d.{}", self.prefix.replace('%', "%%"), self.digits, self.extension)
    }

    /// The file name of frame `number`.
    pub fn frame_name(&self, number: u64) -> String {
        format!("{}{:0width$}.{}", self.prefix, number, self.extension, width = self.digits)
    }

    pub fn first(&self) -> u64 {
        self.frames.first().map_or(0, |frame| frame.number)
    }

    pub fn last(&self) -> u64 {
        self.frames.last().map_or(0, |frame| frame.number)
    }

    pub fn total_size(&self) -> u64 {
        self.frames.iter().map(|frame| frame.size).sum()
    }

    /// Runs of missing frame numbers between the first and the last frame, as (first, last).
    pub fn gaps(&self) -> Vec<(u64, u64)> {
        self.frames
            .windows(2)
            .filter(|pair| pair[1].number > pair[0].number + 1)
            .map(|pair| (pair[0].number + 1, pair[1].number - 1))
            .collect()
    }
}

/// The parts of a frame's file name: what comes before the number, the number's digits, and the
/// extension; `None` when the name does not end in a number before a sequence extension.
fn frame_parts(name: &str) -> Option<(&str, &str, &str)> {
    let (stem, extension) = name.rsplit_once('.')?;
    if !SEQUENCE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()) {
        return None;
    }
    let digits_start = stem.rfind(|character: char| !character.is_ascii_digit()).map_or(0, |at| at + 1);
    let digits = &stem[digits_start..];
    (!digits.is_empty() && digits.len() <= 12).then(|| (&stem[..digits_start], digits, extension))
}

/// Splits `files` into the sequences among them (at least `minimum_frames` frames of the same
/// folder, prefix, number width and extension) and the files that are not part of one.
pub fn group_sequences(files: Vec<(PathBuf, u64)>, minimum_frames: usize) -> (Vec<ImageSequence>, Vec<(PathBuf, u64)>) {
    type Key = (PathBuf, String, usize, String);
    let mut groups: BTreeMap<Key, Vec<FrameFile>> = BTreeMap::new();
    let mut others = Vec::new();
    for (path, size) in files {
        let parts = path.file_name().and_then(|name| name.to_str()).and_then(frame_parts).and_then(
            |(prefix, digits, extension)| {
                let number = digits.parse::<u64>().ok()?;
                Some(((prefix.to_owned(), digits.len(), extension.to_owned()), number))
            },
        );
        match parts {
            Some(((prefix, digits, extension), number)) => {
                let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                groups.entry((folder, prefix, digits, extension)).or_default().push(FrameFile { number, path, size });
            }
            None => others.push((path, size)),
        }
    }
    let mut sequences = Vec::new();
    for ((folder, prefix, digits, extension), mut frames) in groups {
        if frames.len() < minimum_frames.max(1) {
            others.extend(frames.into_iter().map(|frame| (frame.path, frame.size)));
            continue;
        }
        frames.sort_by_key(|frame| frame.number);
        sequences.push(ImageSequence { folder, prefix, digits, extension, frames });
    }
    (sequences, others)
}

/// When `path`'s file name is a frame pattern (`reel1_%06d.dpx`), the folder, the name before
/// the number, the width and the extension it names.
pub fn parse_pattern(path: &Path) -> Option<(PathBuf, String, usize, String)> {
    let name = path.file_name()?.to_str()?;
    let at = name.rfind('%')?;
    let (prefix, rest) = (&name[..at], &name[at + 1..]);
    let (width, rest) = rest.split_once('d')?;
    let digits = if width.is_empty() { 1 } else { width.strip_prefix('0').unwrap_or(width).parse().ok()? };
    let extension = rest.strip_prefix('.')?;
    if !(1..=12).contains(&digits) || !SEQUENCE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()) {
        return None;
    }
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Some((folder, prefix.replace("%%", "%"), digits, extension.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(PathBuf, u64)> {
        names.iter().map(|name| (PathBuf::from(format!("/scans/{name}")), 100)).collect()
    }

    #[test]
    fn numbered_frames_become_one_sequence_with_its_gaps() {
        let (sequences, others) = group_sequences(
            files(&[
                "reel1_000003.dpx",
                "reel1_000001.dpx",
                "reel1_000002.dpx",
                "reel1_000007.dpx",
                "reel1_000008.dpx",
                "notes.txt",
                "poster.png",
            ]),
            2,
        );
        assert_eq!(sequences.len(), 1);
        let reel = &sequences[0];
        assert_eq!((reel.prefix.as_str(), reel.digits, reel.extension.as_str()), ("reel1_", 6, "dpx"));
        assert_eq!(reel.frames.iter().map(|frame| frame.number).collect::<Vec<_>>(), [1, 2, 3, 7, 8]);
        assert_eq!(reel.gaps(), [(4, 6)]);
        assert_eq!(reel.pattern(), "reel1_%06d.dpx");
        assert_eq!(reel.frame_name(12), "reel1_000012.dpx");
        assert_eq!((reel.first(), reel.last(), reel.total_size()), (1, 8, 500));
        assert_eq!(others.len(), 2);
    }

    #[test]
    fn reels_extensions_and_widths_are_separate_and_lone_frames_stay_files() {
        let (sequences, others) = group_sequences(
            files(&[
                "a_0001.dpx",
                "a_0002.dpx",
                "b_0001.dpx",
                "b_0002.dpx",
                "a_0001.exr",
                "a_0002.EXR",
                "c_01.dpx",
                "c_001.dpx",
            ]),
            2,
        );
        let names: Vec<String> = sequences.iter().map(ImageSequence::pattern).collect();
        assert_eq!(names, ["a_%04d.dpx", "b_%04d.dpx"], "names differing in case are not one sequence");
        assert_eq!(others.len(), 4, "{others:?}");
    }

    #[test]
    fn patterns_name_a_sequence() {
        assert_eq!(
            parse_pattern(Path::new("/scans/reel1_%06d.dpx")),
            Some((PathBuf::from("/scans"), "reel1_".to_owned(), 6, "dpx".to_owned()))
        );
        assert_eq!(parse_pattern(Path::new("shot%4d.exr")).map(|parts| parts.2), Some(4));
        assert_eq!(parse_pattern(Path::new("/scans/reel1_000001.dpx")), None);
        assert_eq!(parse_pattern(Path::new("/scans/clip_%06d.mov")), None);
        assert_eq!(parse_pattern(Path::new("/scans/x_%099d.dpx")), None);
    }
}
