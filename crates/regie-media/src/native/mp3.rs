//! MPEG audio (MP3, MP2, MP1): ID3v2 tags skipped, the first frame header, and the Xing/Info
//! header LAME and FFmpeg write in the first frame. The duration follows FFmpeg's rules: the
//! Xing frame count when there is one, otherwise the file's size over the bit rate (which FFmpeg
//! takes from the frames it reads, so a file whose frames change bit rate without a Xing header
//! is left to ffprobe).

use std::io::{Read, Seek, SeekFrom};

use regie_core::{StreamDescription, StreamKind};

use super::{Native, overall_bit_rate, read_exact_or_short, rescale};

/// FFmpeg's time base for MPEG audio: every MPEG sample rate divides it.
const TIME_BASE: u64 = 14_112_000;
/// ID3v2 tags skipped before giving up (FFmpeg reads them back to back).
const MOST_TAGS: usize = 16;
/// Frames checked for one bit rate when there is no Xing header.
const FRAMES_CHECKED: usize = 200;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let Some(start) = first_frame_offset(file, size) else { return unsure("its ID3v2 tags run past the end") };
    let Some(first) = header_at(file, start) else { return Native::NotMine };
    let Some(next) = header_at(file, start + first.length()) else {
        return unsure("no second frame follows the first");
    };
    if next.raw & SAME_HEADER_MASK != first.raw & SAME_HEADER_MASK {
        return unsure("its first two frames disagree");
    }
    let duration = match info_header(file, start, &first) {
        InfoHeader::Frames { frames, bytes } => {
            if bytes.is_some_and(|bytes| disagrees_with_size(bytes, size)) {
                return unsure("its Xing byte count does not match the file size");
            }
            Duration::Samples(frames * u64::from(first.samples()))
        }
        InfoHeader::None => match constant_bit_rate(file, start, size, &first) {
            Some(bit_rate) => Duration::FromBitRate { bytes: size - start, bit_rate },
            None => return unsure("its bit rate changes and it has no Xing header"),
        },
        InfoHeader::Unread(reason) => return unsure(reason),
    };
    let ticks = match duration {
        Duration::Samples(samples) => samples * (TIME_BASE / u64::from(first.sample_rate)),
        Duration::FromBitRate { bytes, bit_rate } => rescale(bytes.saturating_mul(8), TIME_BASE, u64::from(bit_rate)),
    };
    if ticks == 0 {
        return unsure("no duration");
    }
    let seconds = rescale(ticks, 1_000_000, TIME_BASE) as f64 / 1e6;
    let mut stream = first.stream();
    // ffprobe prints the stream's duration as ticks times the time base (a double), the file's
    // from whole microseconds.
    stream.duration_s = format!("{:.6}", ticks as f64 * (1.0 / TIME_BASE as f64)).parse().ok();
    Native::Described(regie_core::MediaDescription {
        container: "mp3".to_owned(),
        duration_s: Some(seconds),
        bit_rate: overall_bit_rate(size, seconds),
        timecode: None,
        operational_pattern: None,
        streams: vec![stream],
        image: None,
        prober: None,
        sequence: None,
    })
}

/// The stream an MPEG audio frame describes (from its first four bytes), and the samples per
/// channel each frame holds.
pub(super) fn stream_of_frame(bytes: &[u8]) -> Option<(StreamDescription, u32)> {
    let header = FrameHeader::parse(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?))?;
    Some((header.stream(), header.samples()))
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("MPEG audio: {reason}"))
}

enum Duration {
    Samples(u64),
    FromBitRate { bytes: u64, bit_rate: u32 },
}

/// Sync, version, layer and sample rate: what FFmpeg requires two frames to share.
const SAME_HEADER_MASK: u32 = 0xFFE0_0000 | (3 << 19) | (3 << 17) | (3 << 10);

/// One MPEG audio frame header.
struct FrameHeader {
    raw: u32,
    /// 1 for MPEG-1, 2 for MPEG-2, 25 for MPEG-2.5.
    version: u8,
    layer: u8,
    bit_rate: u32,
    sample_rate: u32,
    padding: bool,
    channel_mode: u8,
}

impl FrameHeader {
    fn parse(raw: u32) -> Option<Self> {
        if raw & 0xFFE0_0000 != 0xFFE0_0000 {
            return None;
        }
        let version = match (raw >> 19) & 3 {
            0 => 25,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let layer = match (raw >> 17) & 3 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let bit_rate_index = ((raw >> 12) & 0xF) as usize;
        // Index 0 is "free format" (no fixed frame size), 15 is forbidden.
        if bit_rate_index == 0 || bit_rate_index == 15 {
            return None;
        }
        let kilobits = match (version, layer) {
            (1, 1) => [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            (1, 2) => [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            (1, _) => [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
            (_, 1) => [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
            _ => [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        }[bit_rate_index - 1];
        let base_rate = match (raw >> 10) & 3 {
            0 => 44_100,
            1 => 48_000,
            2 => 32_000,
            _ => return None,
        };
        let sample_rate = match version {
            1 => base_rate,
            2 => base_rate / 2,
            _ => base_rate / 4,
        };
        Some(Self {
            raw,
            version,
            layer,
            bit_rate: kilobits * 1000,
            sample_rate,
            padding: raw & 0x200 != 0,
            channel_mode: ((raw >> 6) & 3) as u8,
        })
    }

    /// The stream FFmpeg's decoder reports for frames like this one.
    fn stream(&self) -> StreamDescription {
        let mut stream = StreamDescription::of_kind(StreamKind::Audio);
        stream.codec = Some(["mp1", "mp2", "mp3"][usize::from(self.layer - 1)].to_owned());
        let channels = if self.channel_mode == 3 { 1 } else { 2 };
        stream.channels = Some(channels);
        stream.channel_layout = Some(if channels == 1 { "mono" } else { "stereo" }.to_owned());
        stream.sample_rate = Some(self.sample_rate);
        stream.sample_format = Some("fltp".to_owned());
        stream
    }

    /// Samples per channel in one frame.
    fn samples(&self) -> u32 {
        match (self.layer, self.version) {
            (1, _) => 384,
            (3, 2 | 25) => 576,
            _ => 1152,
        }
    }

    /// The frame's length in bytes, header included.
    fn length(&self) -> u64 {
        let (bit_rate, rate, padding) =
            (u64::from(self.bit_rate), u64::from(self.sample_rate), u64::from(self.padding));
        match (self.layer, self.version) {
            (1, _) => (12 * bit_rate / rate + padding) * 4,
            (3, 2 | 25) => 72 * bit_rate / rate + padding,
            _ => 144 * bit_rate / rate + padding,
        }
    }

    /// Where a Xing or Info header sits in a layer III frame: after the side information.
    fn side_information_end(&self) -> u64 {
        let mono = self.channel_mode == 3;
        4 + match (self.version == 1, mono) {
            (true, false) => 32,
            (true, true) | (false, false) => 17,
            (false, true) => 9,
        }
    }
}

/// Skips the ID3v2 tags at the start of the file; the offset of what follows them.
fn first_frame_offset<F: Read + Seek>(file: &mut F, size: u64) -> Option<u64> {
    let mut offset = 0u64;
    for _ in 0..MOST_TAGS {
        let mut header = [0u8; 10];
        file.seek(SeekFrom::Start(offset)).ok()?;
        if read_exact_or_short(file, &mut header) < 10 || &header[0..3] != b"ID3" {
            return Some(offset);
        }
        // A 28-bit size in four 7-bit bytes, then a footer of 10 bytes when flagged.
        if header[6..10].iter().any(|byte| byte & 0x80 != 0) {
            return None;
        }
        let length = header[6..10].iter().fold(0u64, |length, byte| (length << 7) | u64::from(*byte));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        offset += 10 + length + footer;
        if offset >= size {
            return None;
        }
    }
    None
}

fn header_at<F: Read + Seek>(file: &mut F, offset: u64) -> Option<FrameHeader> {
    let mut bytes = [0u8; 4];
    file.seek(SeekFrom::Start(offset)).ok()?;
    (read_exact_or_short(file, &mut bytes) == 4).then_some(())?;
    FrameHeader::parse(u32::from_be_bytes(bytes))
}

enum InfoHeader {
    /// A Xing or Info header with a frame count (and the byte count, when given).
    Frames {
        frames: u64,
        bytes: Option<u64>,
    },
    None,
    Unread(&'static str),
}

fn info_header<F: Read + Seek>(file: &mut F, start: u64, first: &FrameHeader) -> InfoHeader {
    let mut at_side_end = [0u8; 16];
    let mut at_vbri = [0u8; 4];
    let side_end = start + first.side_information_end();
    let read = |file: &mut F, offset: u64, buffer: &mut [u8]| {
        file.seek(SeekFrom::Start(offset)).is_ok() && read_exact_or_short(file, buffer) == buffer.len()
    };
    if !read(file, side_end, &mut at_side_end) || !read(file, start + 36, &mut at_vbri) {
        return InfoHeader::Unread("its first frame is cut");
    }
    if &at_vbri == b"VBRI" {
        return InfoHeader::Unread("a VBRI header");
    }
    let tag = &at_side_end[0..4];
    if tag != b"Xing" && tag != b"Info" {
        return InfoHeader::None;
    }
    if first.layer != 3 {
        return InfoHeader::Unread("a Xing header outside layer III");
    }
    let flags = u32::from_be_bytes(at_side_end[4..8].try_into().expect("4 bytes"));
    let field = |index: usize| {
        u64::from(u32::from_be_bytes(at_side_end[8 + index * 4..12 + index * 4].try_into().expect("4 bytes")))
    };
    if flags & 1 == 0 {
        return InfoHeader::Unread("a Xing header without a frame count");
    }
    let frames = field(0);
    if frames == 0 {
        return InfoHeader::Unread("a Xing header counting no frame");
    }
    InfoHeader::Frames { frames, bytes: (flags & 2 != 0).then(|| field(1)) }
}

/// FFmpeg drops the Xing frame count when the byte count is off the file size by more than a
/// sixteenth (a concatenated or growing file).
fn disagrees_with_size(bytes: u64, size: u64) -> bool {
    bytes != 0 && size.max(bytes) - size.min(bytes) > size.min(bytes) >> 4
}

/// The bit rate every frame has, checked over the first frames (those FFmpeg reads to settle it).
fn constant_bit_rate<F: Read + Seek>(file: &mut F, start: u64, size: u64, first: &FrameHeader) -> Option<u32> {
    // Frame headers are read from blocks of the file, not one seek each.
    let mut block = Block { start: 0, bytes: Vec::new() };
    let mut offset = start;
    for _ in 0..FRAMES_CHECKED {
        if offset + 4 > size {
            break;
        }
        let Some(header) = block.header_at(file, offset) else {
            // A tag or junk after the last frame ends the check; junk in the middle is not ours.
            return (size - offset <= 128 + 4096).then_some(first.bit_rate);
        };
        if header.bit_rate != first.bit_rate || header.raw & SAME_HEADER_MASK != first.raw & SAME_HEADER_MASK {
            return None;
        }
        offset += header.length();
    }
    Some(first.bit_rate)
}

/// A window of the file, read 64 KiB at a time.
struct Block {
    start: u64,
    bytes: Vec<u8>,
}

impl Block {
    const SIZE: usize = 64 * 1024;

    fn header_at<F: Read + Seek>(&mut self, file: &mut F, offset: u64) -> Option<FrameHeader> {
        let inside = |block: &Self| offset >= block.start && offset + 4 <= block.start + block.bytes.len() as u64;
        if !inside(self) {
            self.bytes.resize(Self::SIZE, 0);
            file.seek(SeekFrom::Start(offset)).ok()?;
            let read = read_exact_or_short(file, &mut self.bytes);
            self.bytes.truncate(read);
            self.start = offset;
            if !inside(self) {
                return None;
            }
        }
        let at = (offset - self.start) as usize;
        FrameHeader::parse(u32::from_be_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes")))
    }
}
