//! Truncated files (issue 12): a transfer cut short still probes as media, so the size the
//! container declares is compared with the bytes actually present. WAV/RF64 and AIFF give their
//! chunk sizes, MP4/MOV their top-level box sizes, MXF the footer partition's offset, Matroska its
//! segment size and MPEG-TS whole 188-byte packets. Only headers are read, each at a bounded
//! number of places; sizes from the file are compared, never used to allocate.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use regie_core::FileFormat;

/// What the container declares against what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// The structure whose size does not fit (`data chunk`, `mdat box`, `footer partition`...).
    pub what: String,
    /// Bytes the file would have if complete (at least).
    pub declared: u64,
    pub present: u64,
}

impl Truncation {
    pub fn message(&self) -> String {
        format!(
            "the {} declares {} bytes but the file holds {}: it is incomplete (cut short in transfer?); ask for it again",
            self.what, self.declared, self.present
        )
    }
}

/// Top-level MP4 boxes walked at most (a real file has a handful).
const MAX_BOXES: usize = 4096;

/// Reads the headers of `path` (of the sniffed `format`) and says whether it is cut short.
/// Formats without a declared size, and files that cannot be read, answer `None`. `head`, when
/// given, is the file's first `SNIFF_LEN` bytes, as for [`crate::Prober::describe`].
pub fn detect_truncation(path: &Path, head: Option<&[u8]>, format: FileFormat) -> Option<Truncation> {
    if let Some(bytes) = crate::probe::whole_file_in(head) {
        return truncation_of(&mut std::io::Cursor::new(bytes), bytes.len() as u64, format);
    }
    let mut file = std::fs::File::open(path).ok()?;
    let present = file.metadata().ok()?.len();
    truncation_of(&mut file, present, format)
}

/// The same over any seekable reader of `present` bytes (tests use a cursor).
pub fn truncation_of(reader: &mut (impl Read + Seek), present: u64, format: FileFormat) -> Option<Truncation> {
    match format {
        FileFormat::Wav => riff(reader, present),
        FileFormat::Aiff => aiff(reader, present),
        FileFormat::Mp4 | FileFormat::Mov => boxes(reader, present),
        FileFormat::Mxf => mxf(reader, present),
        FileFormat::Matroska | FileFormat::Webm => matroska(reader, present),
        FileFormat::Mpegts => transport_stream(reader, present),
        _ => None,
    }
}

fn read_at<const N: usize>(reader: &mut (impl Read + Seek), offset: u64) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    reader.seek(SeekFrom::Start(offset)).ok()?;
    reader.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

/// Up to `N` bytes at `offset` (fewer at the end of the file), zero-filled, and how many were read.
fn read_up_to<const N: usize>(reader: &mut (impl Read + Seek), offset: u64) -> Option<([u8; N], usize)> {
    reader.seek(SeekFrom::Start(offset)).ok()?;
    let mut read = Vec::with_capacity(N);
    reader.take(N as u64).read_to_end(&mut read).ok()?;
    let mut bytes = [0u8; N];
    bytes[..read.len()].copy_from_slice(&read);
    Some((bytes, read.len()))
}

fn cut(what: &str, declared: u64, present: u64) -> Option<Truncation> {
    (declared > present).then(|| Truncation { what: what.to_owned(), declared, present })
}

/// WAV and RF64: the `data` chunk's size (from `ds64` for RF64) against the bytes after it.
fn riff(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    let header: [u8; 12] = read_at(reader, 0)?;
    let rf64 = &header[0..4] == b"RF64";
    let mut data_size_64 = None;
    let mut offset = 12u64;
    for _ in 0..64 {
        let chunk: [u8; 8] = read_at(reader, offset)?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if rf64 && &chunk[0..4] == b"ds64" {
            let ds64: [u8; 16] = read_at(reader, offset + 8)?;
            data_size_64 = Some(u64::from_le_bytes(ds64[8..16].try_into().ok()?));
        }
        if &chunk[0..4] == b"data" {
            let size = if size == 0xFFFF_FFFF { data_size_64? } else { size };
            // 0 is what a writer that never came back to fill the header leaves: unknown.
            return if size == 0 { None } else { cut("data chunk", offset + 8 + size, present) };
        }
        offset += 8 + size + (size & 1);
        if offset >= present {
            return None;
        }
    }
    None
}

/// AIFF and AIFF-C: the `FORM` chunk's size.
fn aiff(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    let header: [u8; 8] = read_at(reader, 0)?;
    let size = u64::from(u32::from_be_bytes([header[4], header[5], header[6], header[7]]));
    cut("FORM chunk", 8 + size, present)
}

/// MP4 and QuickTime: every top-level box must end within the file.
fn boxes(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    let mut offset = 0u64;
    for _ in 0..MAX_BOXES {
        if offset + 8 > present {
            return None;
        }
        let header: [u8; 8] = read_at(reader, offset)?;
        let kind = String::from_utf8_lossy(&header[4..8]).into_owned();
        let size = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            0 => return None, // the box runs to the end of the file
            1 => u64::from_be_bytes(read_at::<8>(reader, offset + 8)?),
            size => u64::from(size),
        };
        if size < 8 {
            return None;
        }
        let end = offset.checked_add(size)?;
        if end > present {
            return cut(&format!("{kind} box"), end, present);
        }
        offset = end;
    }
    None
}

/// The MXF partition pack key, up to the byte that says which partition it is.
const PARTITION_KEY: [u8; 13] = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01];

/// MXF: the header partition names where the footer partition starts; it must be in the file.
fn mxf(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    // A run-in of up to 64 KiB may come before the header partition.
    let (head, read) = read_up_to::<512>(reader, 0)?;
    if read < 64 {
        return None;
    }
    let start = head.windows(PARTITION_KEY.len()).position(|window| window == PARTITION_KEY)?;
    // Key (16), BER length, then versions (4), KAG (4), this (8), previous (8), footer (8).
    let length_byte = *head.get(start + 16)?;
    let length_size = if length_byte < 0x80 { 1 } else { 1 + usize::from(length_byte & 0x7F) };
    let value = start + 16 + length_size;
    let footer_field = value + 4 + 4 + 8 + 8;
    let footer = u64::from_be_bytes(head.get(footer_field..footer_field + 8)?.try_into().ok()?);
    if footer == 0 {
        return None; // an open header partition that does not know its footer yet
    }
    // The footer partition pack itself is at least a key and a length past its offset.
    cut("footer partition", start as u64 + footer + 17, present)
}

/// Matroska and WebM: the Segment element's declared size.
fn matroska(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    let head: [u8; 64] = read_at(reader, 0)?;
    let (ebml_size, ebml_length) = vint(head.get(4..)?)?;
    let segment = 4 + ebml_length as u64 + ebml_size?;
    let id: [u8; 4] = read_at(reader, segment)?;
    if id != [0x18, 0x53, 0x80, 0x67] {
        return None;
    }
    let (size_bytes, read) = read_up_to::<8>(reader, segment + 4)?;
    let (size, length) = vint(&size_bytes[..read])?;
    cut("Matroska segment", segment + 4 + length as u64 + size?, present)
}

/// An EBML variable-length size: the value (`None` when "unknown", all ones) and its length.
fn vint(bytes: &[u8]) -> Option<(Option<u64>, usize)> {
    let first = *bytes.first()?;
    let length = first.leading_zeros() as usize + 1;
    if length > 8 || bytes.len() < length {
        return None;
    }
    let mut value = u64::from(first) & ((1u64 << (8 - length)) - 1);
    for byte in &bytes[1..length] {
        value = (value << 8) | u64::from(*byte);
    }
    let unknown = value == (1u64 << (7 * length)) - 1;
    Some((if unknown { None } else { Some(value) }, length))
}

/// MPEG-TS: 188-byte packets, so a file cut inside a packet does not end on a boundary.
fn transport_stream(reader: &mut (impl Read + Seek), present: u64) -> Option<Truncation> {
    let first: [u8; 1] = read_at(reader, 0)?;
    let second: [u8; 1] = read_at(reader, 188)?;
    if first[0] != 0x47 || second[0] != 0x47 || present.is_multiple_of(188) {
        return None;
    }
    cut("last transport packet", present.div_ceil(188) * 188, present)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn check(bytes: &[u8], format: FileFormat) -> Option<Truncation> {
        truncation_of(&mut Cursor::new(bytes), bytes.len() as u64, format)
    }

    fn wav(data_declared: u32, data_present: usize) -> Vec<u8> {
        let mut bytes = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        bytes.extend(16u32.to_le_bytes());
        bytes.extend([0u8; 16]);
        bytes.extend(b"data");
        bytes.extend(data_declared.to_le_bytes());
        bytes.extend(vec![0u8; data_present]);
        bytes
    }

    #[test]
    fn a_wav_whose_data_chunk_is_cut_is_truncated() {
        assert_eq!(check(&wav(1000, 1000), FileFormat::Wav), None);
        let cut = check(&wav(1000, 100), FileFormat::Wav).unwrap();
        assert_eq!((cut.what.as_str(), cut.declared, cut.present), ("data chunk", 1044, 144));
        assert_eq!(check(&wav(0xFFFF_FFFF, 10), FileFormat::Wav), None, "RF64 size without ds64 is unknown");
        assert_eq!(check(&wav(0, 10), FileFormat::Wav), None, "a header never filled in is unknown");
    }

    #[test]
    fn an_mp4_whose_last_box_runs_past_the_end_is_truncated() {
        let mut bytes = Vec::new();
        bytes.extend(16u32.to_be_bytes());
        bytes.extend(b"ftypisom\0\0\0\0");
        bytes.extend(1000u32.to_be_bytes());
        bytes.extend(b"mdat");
        bytes.extend(vec![0u8; 200]);
        let cut = check(&bytes, FileFormat::Mp4).unwrap();
        assert_eq!((cut.what.as_str(), cut.declared), ("mdat box", 1016));
        bytes.extend(vec![0u8; 792]);
        assert_eq!(check(&bytes, FileFormat::Mp4), None);
    }

    #[test]
    fn an_mxf_whose_footer_is_beyond_the_end_is_truncated() {
        let mut bytes = PARTITION_KEY.to_vec();
        bytes.extend([0x02, 0x04, 0x00, 0x83, 0x00, 0x00, 0x58]);
        bytes.extend([0u8; 4 + 4 + 8 + 8]);
        bytes.extend(5000u64.to_be_bytes());
        bytes.resize(1000, 0);
        let cut = check(&bytes, FileFormat::Mxf).unwrap();
        assert_eq!(cut.what, "footer partition");
        bytes.resize(6000, 0);
        assert_eq!(check(&bytes, FileFormat::Mxf), None);
    }

    #[test]
    fn a_matroska_segment_longer_than_the_file_is_truncated() {
        let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3, 0x84, 0, 0, 0, 0];
        bytes.extend([0x18, 0x53, 0x80, 0x67, 0x42, 0x00]);
        bytes.extend(vec![0u8; 100]);
        assert_eq!(check(&bytes, FileFormat::Matroska).unwrap().declared, 9 + 4 + 2 + 512);
        let mut unknown = bytes[..9].to_vec();
        unknown.extend([0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        unknown.extend(vec![0u8; 100]);
        assert_eq!(check(&unknown, FileFormat::Matroska), None, "an unknown size is not a truncation");
    }

    #[test]
    fn garbage_never_panics() {
        for format in [FileFormat::Wav, FileFormat::Mp4, FileFormat::Mxf, FileFormat::Matroska, FileFormat::Mpegts] {
            for length in [0usize, 1, 7, 13, 100, 600] {
                let noise: Vec<u8> = (0..length).map(|index| (index * 37 % 251) as u8 | 0x80).collect();
                let _ = check(&noise, format);
            }
        }
    }
}
