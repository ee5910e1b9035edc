//! File formats identified from their first bytes (signatures and container headers), never from
//! the extension; the extension is only compared afterwards, and a mismatch becomes a finding.

use serde::{Deserialize, Serialize};

/// How many leading bytes [`FileFormat::sniff`] wants to see; an MXF run-in may push the header
/// partition pack up to 64 KiB in.
pub const SNIFF_LEN: usize = 64 * 1024 + 16;

/// A format regie recognises from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Mp4,
    Mov,
    Mxf,
    Matroska,
    Webm,
    Mpegts,
    Mpegps,
    Avi,
    Wav,
    Aiff,
    Flac,
    Mp3,
    Ogg,
    Jpeg,
    Png,
    Tiff,
    /// SMPTE 268 Digital Picture Exchange: one frame of a film scan.
    Dpx,
    /// OpenEXR: one frame of a scan or a render, in half or full float.
    Exr,
    Gif,
    Webp,
    Pdf,
    Zip,
    Xml,
    Json,
    /// WebVTT text tracks (subtitles, storyboard indexes).
    WebVtt,
    Unknown,
}

impl FileFormat {
    /// Identifies a format from the first bytes of a file (up to [`SNIFF_LEN`]).
    pub fn sniff(head: &[u8]) -> Self {
        sniff_media(head).or_else(|| sniff_document(head)).unwrap_or(Self::Unknown)
    }

    /// The short name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Mxf => "mxf",
            Self::Matroska => "matroska",
            Self::Webm => "webm",
            Self::Mpegts => "mpegts",
            Self::Mpegps => "mpegps",
            Self::Avi => "avi",
            Self::Wav => "wav",
            Self::Aiff => "aiff",
            Self::Flac => "flac",
            Self::Mp3 => "mp3",
            Self::Ogg => "ogg",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Tiff => "tiff",
            Self::Dpx => "dpx",
            Self::Exr => "exr",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
            Self::Zip => "zip",
            Self::Xml => "xml",
            Self::Json => "json",
            Self::WebVtt => "webvtt",
            Self::Unknown => "unknown",
        }
    }

    /// Extensions (lowercase, without dot) that honestly describe this format.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Mp4 => &["mp4", "m4v", "m4a", "mp4v", "f4v", "3gp", "mov"],
            Self::Mov => &["mov", "qt", "mp4", "m4v"],
            Self::Mxf => &["mxf"],
            Self::Matroska => &["mkv", "mka", "mks", "mk3d"],
            Self::Webm => &["webm", "mkv"],
            Self::Mpegts => &["ts", "m2ts", "mts", "m2t", "trp", "tp"],
            Self::Mpegps => &["mpg", "mpeg", "vob", "m2p", "ps"],
            Self::Avi => &["avi"],
            Self::Wav => &["wav", "bwf", "wave", "rf64"],
            Self::Aiff => &["aif", "aiff", "aifc"],
            Self::Flac => &["flac"],
            Self::Mp3 => &["mp3", "mp2", "mpa"],
            Self::Ogg => &["ogg", "oga", "ogv", "opus"],
            Self::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Self::Png => &["png"],
            Self::Tiff => &["tif", "tiff", "dng"],
            Self::Dpx => &["dpx"],
            Self::Exr => &["exr"],
            Self::Gif => &["gif"],
            Self::Webp => &["webp"],
            Self::Pdf => &["pdf"],
            Self::Zip => &["zip"],
            Self::Xml => &["xml"],
            Self::Json => &["json"],
            Self::WebVtt => &["vtt"],
            Self::Unknown => &[],
        }
    }

    /// Whether the bytes say this is audio, video or a still image regie can describe.
    pub fn is_media(self) -> bool {
        !matches!(self, Self::Pdf | Self::Zip | Self::Xml | Self::Json | Self::WebVtt | Self::Unknown)
    }

    /// True when the file's extension does not fit what its bytes are.
    pub fn contradicts_extension(self, extension: Option<&str>) -> bool {
        if self == Self::Unknown {
            return false;
        }
        match extension {
            Some(extension) => !self.extensions().contains(&extension.to_ascii_lowercase().as_str()),
            None => false,
        }
    }
}

fn sniff_media(head: &[u8]) -> Option<FileFormat> {
    sniff_iso_bmff(head)
        .or_else(|| sniff_riff_family(head))
        .or_else(|| sniff_simple_magic(head))
        .or_else(|| sniff_matroska(head))
        .or_else(|| sniff_mxf(head))
        .or_else(|| sniff_mpeg_transport(head))
        .or_else(|| sniff_mpeg_audio(head))
}

/// ISO base media (MP4) and QuickTime share box structure; the `ftyp` brand tells them apart,
/// and old QuickTime files start straight with `moov`, `mdat`, `wide` or `free`.
fn sniff_iso_bmff(head: &[u8]) -> Option<FileFormat> {
    let box_type = head.get(4..8)?;
    if box_type == b"ftyp" {
        let brand = head.get(8..12)?;
        return Some(if brand == b"qt  " { FileFormat::Mov } else { FileFormat::Mp4 });
    }
    match box_type {
        b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot" => Some(FileFormat::Mov),
        _ => None,
    }
}

fn sniff_riff_family(head: &[u8]) -> Option<FileFormat> {
    let container = head.get(0..4)?;
    let form = head.get(8..12)?;
    match (container, form) {
        (b"RIFF" | b"RF64" | b"BW64", b"WAVE") => Some(FileFormat::Wav),
        (b"RIFF", b"AVI ") => Some(FileFormat::Avi),
        (b"RIFF", b"WEBP") => Some(FileFormat::Webp),
        (b"FORM", b"AIFF" | b"AIFC") => Some(FileFormat::Aiff),
        _ => None,
    }
}

fn sniff_simple_magic(head: &[u8]) -> Option<FileFormat> {
    const MAGIC: &[(&[u8], FileFormat)] = &[
        (b"fLaC", FileFormat::Flac),
        (b"OggS", FileFormat::Ogg),
        (b"\xFF\xD8\xFF", FileFormat::Jpeg),
        (b"\x89PNG\r\n\x1a\n", FileFormat::Png),
        (b"II*\0", FileFormat::Tiff),
        (b"MM\0*", FileFormat::Tiff),
        (b"SDPX", FileFormat::Dpx),
        (b"XPDS", FileFormat::Dpx),
        (b"\x76\x2f\x31\x01", FileFormat::Exr),
        (b"GIF87a", FileFormat::Gif),
        (b"GIF89a", FileFormat::Gif),
        (b"\0\0\x01\xBA", FileFormat::Mpegps),
        (b"ID3", FileFormat::Mp3),
    ];
    MAGIC.iter().find(|(magic, _)| head.starts_with(magic)).map(|&(_, format)| format)
}

/// Matroska and WebM are both EBML; the DocType element (0x4282) names which one.
fn sniff_matroska(head: &[u8]) -> Option<FileFormat> {
    if !head.starts_with(b"\x1A\x45\xDF\xA3") {
        return None;
    }
    let header = &head[..head.len().min(64)];
    let doc_type_at = header.windows(2).position(|pair| pair == b"\x42\x82")?;
    let doc_type = header.get(doc_type_at + 3..)?;
    if doc_type.starts_with(b"webm") { Some(FileFormat::Webm) } else { Some(FileFormat::Matroska) }
}

/// An MXF file starts with a header partition pack key, possibly after a run-in of up to 64 KiB.
fn sniff_mxf(head: &[u8]) -> Option<FileFormat> {
    const PARTITION_KEY_PREFIX: &[u8] = b"\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02\x01\x01\x02";
    let search_end = head.len().min(SNIFF_LEN);
    head[..search_end]
        .windows(PARTITION_KEY_PREFIX.len())
        .position(|window| window == PARTITION_KEY_PREFIX)
        .map(|_| FileFormat::Mxf)
}

/// MPEG-TS: a 0x47 sync byte every 188 bytes (or 192 for M2TS with its 4-byte prefix).
fn sniff_mpeg_transport(head: &[u8]) -> Option<FileFormat> {
    for (packet_len, offset) in [(188usize, 0usize), (192, 4)] {
        let packets = (head.len().saturating_sub(offset)) / packet_len;
        if packets >= 3 && (0..packets.min(8)).all(|index| head[offset + index * packet_len] == 0x47) {
            return Some(FileFormat::Mpegts);
        }
    }
    None
}

/// An MPEG audio frame header: 11 sync bits, layer not reserved, bitrate index not "bad".
fn sniff_mpeg_audio(head: &[u8]) -> Option<FileFormat> {
    let (first, second, third) = (*head.first()?, *head.get(1)?, *head.get(2)?);
    let is_sync = first == 0xFF && second & 0xE0 == 0xE0;
    let layer_known = second & 0x06 != 0;
    let bitrate_valid = third & 0xF0 != 0xF0;
    (is_sync && layer_known && bitrate_valid).then_some(FileFormat::Mp3)
}

fn sniff_document(head: &[u8]) -> Option<FileFormat> {
    if head.starts_with(b"%PDF-") {
        return Some(FileFormat::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(FileFormat::Zip);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.starts_with(b"WEBVTT") {
        return Some(FileFormat::WebVtt);
    }
    let first = text.iter().copied().find(|byte| !byte.is_ascii_whitespace())?;
    match first {
        b'<' if text.windows(5).any(|window| window == b"<?xml") || text.len() > 1 => Some(FileFormat::Xml),
        b'{' | b'[' => Some(FileFormat::Json),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(bytes: &[u8]) -> &'static str {
        FileFormat::sniff(bytes).as_str()
    }

    #[test]
    fn iso_bmff_brands_separate_mp4_from_quicktime() {
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"), "mp4");
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\x02\0"), "mov");
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0\0\x08mdat"), "mov");
    }

    #[test]
    fn ebml_doctype_separates_webm_from_matroska() {
        let webm = b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm";
        let mkv = b"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska";
        assert_eq!(sniff(webm), "webm");
        assert_eq!(sniff(mkv), "matroska");
    }

    #[test]
    fn mxf_is_found_after_a_run_in() {
        let mut bytes = vec![0u8; 300];
        bytes.extend_from_slice(b"\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02\x01\x01\x02\x04\x00");
        assert_eq!(sniff(&bytes), "mxf");
    }

    #[test]
    fn transport_stream_needs_repeated_sync_bytes() {
        let mut packets = vec![0u8; 188 * 4];
        for index in 0..4 {
            packets[index * 188] = 0x47;
        }
        assert_eq!(sniff(&packets), "mpegts");
        packets[188 * 2] = 0;
        assert_eq!(sniff(&packets), "unknown");
    }

    #[test]
    fn riff_and_simple_magics_are_recognised() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), "wav");
        assert_eq!(sniff(b"RF64\xFF\xFF\xFF\xFFWAVEds64"), "wav");
        assert_eq!(sniff(b"fLaC\0\0\0\x22"), "flac");
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE1\0\0Exif"), "jpeg");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "png");
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), "tiff");
        assert_eq!(sniff(b"SDPX\0\0\x08\0"), "dpx");
        assert_eq!(sniff(b"XPDS\0\x08\0\0"), "dpx");
        assert_eq!(sniff(b"\x76\x2f\x31\x01\x02\0\0\0"), "exr");
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), "mp3");
        assert_eq!(sniff(b"\xFF\xFB\x90\x64"), "mp3");
    }

    #[test]
    fn random_bytes_and_empty_files_are_unknown() {
        assert_eq!(sniff(b""), "unknown");
        assert_eq!(sniff(&[0x13, 0x37, 0x00, 0x42, 0x99, 0x01, 0x02, 0x03]), "unknown");
    }

    #[test]
    fn extension_mismatch_is_detected_case_insensitively() {
        assert!(FileFormat::Wav.contradicts_extension(Some("mp4")));
        assert!(!FileFormat::Mp4.contradicts_extension(Some("MP4")));
        assert!(!FileFormat::Unknown.contradicts_extension(Some("mp4")));
        assert!(!FileFormat::Mxf.contradicts_extension(None));
    }
}
