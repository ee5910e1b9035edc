//! OpenEXR, single-part scan-line files: the header attributes (channels, data and display
//! windows, pixel aspect ratio, compression) and the last entry of the line offset table, which
//! says the last block of pixels is in the file. Tiled, multi-part and deep files, layered channel
//! names and subsampled channels are left to ffprobe.

use std::io::{Read, Seek, SeekFrom};

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::{LARGEST_HEADER_CHUNK, MOST_CHUNKS, Native, read_chunk, read_exact_or_short, still_picture};

/// Names and types of attributes are at most 31 bytes (255 with long names, which are refused).
const LONGEST_NAME: usize = 32;

#[derive(Default)]
struct Header {
    channels: Option<Vec<(String, i32, i32, i32)>>,
    data_window: Option<[i32; 4]>,
    display_window: Option<[i32; 4]>,
    pixel_aspect: Option<f32>,
    compression: Option<u8>,
}

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut start = [0u8; 8];
    if file.seek(SeekFrom::Start(0)).is_err() || read_exact_or_short(file, &mut start) < 8 {
        return unsure("it is cut short");
    }
    let flags = u32::from_le_bytes([start[4], start[5], start[6], start[7]]);
    if flags & 0xFF != 2 || flags & !0xFF != 0 {
        return unsure("a version or flags other than a single-part scan-line file");
    }
    let mut header = Header::default();
    let mut position = 8u64;
    let mut ended = false;
    for _ in 0..MOST_CHUNKS {
        let Some((name, kind, length, value_at)) = read_attribute_head(file, position) else {
            return unsure("its header is cut short");
        };
        if name.is_empty() {
            position = value_at;
            ended = true;
            break;
        }
        if value_at.saturating_add(length) > size {
            return unsure("an attribute longer than the file");
        }
        let wanted = matches!(
            (name.as_str(), kind.as_str()),
            ("channels", "chlist")
                | ("dataWindow" | "displayWindow", "box2i")
                | ("pixelAspectRatio", "float")
                | ("compression", "compression")
        );
        if wanted {
            if file.seek(SeekFrom::Start(value_at)).is_err() {
                return unsure("its header cannot be read");
            }
            let Some(value) = read_chunk(file, length.min(LARGEST_HEADER_CHUNK)) else {
                return unsure("an attribute cut short");
            };
            if value.len() as u64 != length {
                return unsure("an attribute too long to read");
            }
            if !read_attribute(&mut header, &name, &value) {
                return unsure(&format!("its {name} attribute"));
            }
        }
        position = value_at + length;
    }
    if !ended {
        return unsure("a header without its end");
    }
    let (Some(channels), Some(data), Some(display), Some(compression)) =
        (header.channels, header.data_window, header.display_window, header.compression)
    else {
        return unsure("a header without its required attributes");
    };
    if data != display {
        return unsure("a data window other than its display window");
    }
    let width = i64::from(data[2]) - i64::from(data[0]) + 1;
    let height = i64::from(data[3]) - i64::from(data[1]) + 1;
    if !(1..=1 << 16).contains(&width) || !(1..=1 << 16).contains(&height) {
        return unsure("a size of nothing or of more than 65,536 pixels a side");
    }
    let (width, height) = (width as u32, height as u32);
    let mut names: Vec<&str> = Vec::new();
    for (name, pixel_type, x_sampling, y_sampling) in &channels {
        if !matches!(pixel_type, 1 | 2) || (*x_sampling, *y_sampling) != (1, 1) {
            return unsure("a channel of whole numbers or subsampled");
        }
        names.push(name);
    }
    names.sort_unstable();
    let pix_fmt = match names.as_slice() {
        ["B", "G", "R"] => "gbrpf32le",
        ["A", "B", "G", "R"] => "gbrapf32le",
        ["Y"] => "grayf32le",
        _ => return unsure(&format!("channels {names:?}")),
    };
    if header.pixel_aspect.is_some_and(|aspect| aspect != 1.0) {
        return unsure("non-square pixels");
    }
    let lines_per_block: u64 = match compression {
        0..=2 => 1,
        3 | 5 => 16,
        4 | 6 | 7 | 8 => 32,
        9 => 256,
        _ => return unsure("a compression it does not know"),
    };
    // The offset table follows the header: the last block must lie whole in the file.
    let blocks = u64::from(height).div_ceil(lines_per_block);
    let mut last = [0u8; 8];
    let last_entry = position + (blocks - 1) * 8;
    if file.seek(SeekFrom::Start(last_entry)).is_err() || read_exact_or_short(file, &mut last) < 8 {
        return unsure("its offset table is cut short");
    }
    let last_block = u64::from_le_bytes(last);
    let mut block_head = [0u8; 8];
    if last_block < position + blocks * 8
        || file.seek(SeekFrom::Start(last_block)).is_err()
        || read_exact_or_short(file, &mut block_head) < 8
    {
        return unsure("its last block is missing");
    }
    let block_length = u64::from(u32::from_le_bytes([block_head[4], block_head[5], block_head[6], block_head[7]]));
    if last_block + 8 + block_length > size {
        return unsure("its last block is cut short");
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("exr".to_owned());
    stream.width = Some(width);
    stream.height = Some(height);
    stream.display_aspect_ratio = Rational::new(u64::from(width), u64::from(height));
    stream.pix_fmt = Some(pix_fmt.to_owned());
    let (chroma, depth) = chroma_and_depth(pix_fmt);
    stream.chroma = chroma;
    stream.bit_depth = depth;
    still_picture("exr", stream)
}

/// An attribute's name, type, value length and where its value starts; an empty name ends the
/// header.
fn read_attribute_head<F: Read + Seek>(file: &mut F, position: u64) -> Option<(String, String, u64, u64)> {
    let mut bytes = [0u8; 2 * LONGEST_NAME + 4];
    file.seek(SeekFrom::Start(position)).ok()?;
    let read = read_exact_or_short(file, &mut bytes);
    let bytes = &bytes[..read];
    let name_end = bytes.iter().position(|byte| *byte == 0)?;
    if name_end == 0 {
        return Some((String::new(), String::new(), 0, position + 1));
    }
    let kind_start = name_end + 1;
    let kind_end = kind_start + bytes[kind_start..].iter().position(|byte| *byte == 0)?;
    let length = bytes.get(kind_end + 1..kind_end + 5)?;
    let length = u64::from(u32::from_le_bytes(length.try_into().ok()?));
    let name = String::from_utf8(bytes[..name_end].to_vec()).ok()?;
    let kind = String::from_utf8(bytes[kind_start..kind_end].to_vec()).ok()?;
    Some((name, kind, length, position + kind_end as u64 + 5))
}

/// Reads one attribute the description needs; `false` when its value is malformed.
fn read_attribute(header: &mut Header, name: &str, value: &[u8]) -> bool {
    let i32_at = |at: usize| value.get(at..at + 4).map(|bytes| i32::from_le_bytes(bytes.try_into().expect("4 bytes")));
    match name {
        "channels" => {
            let mut channels = Vec::new();
            let mut at = 0;
            while at < value.len() && value[at] != 0 {
                let Some(end) = value[at..].iter().position(|byte| *byte == 0) else { return false };
                let Ok(channel) = String::from_utf8(value[at..at + end].to_vec()) else { return false };
                at += end + 1;
                let (Some(pixel_type), Some(x), Some(y)) = (i32_at(at), i32_at(at + 8), i32_at(at + 12)) else {
                    return false;
                };
                channels.push((channel, pixel_type, x, y));
                at += 16;
                if channels.len() > 64 {
                    return false;
                }
            }
            header.channels = Some(channels);
        }
        "dataWindow" | "displayWindow" => {
            let (Some(x0), Some(y0), Some(x1), Some(y1)) = (i32_at(0), i32_at(4), i32_at(8), i32_at(12)) else {
                return false;
            };
            let window = Some([x0, y0, x1, y1]);
            if name == "dataWindow" { header.data_window = window } else { header.display_window = window }
        }
        "pixelAspectRatio" => header.pixel_aspect = i32_at(0).map(|bits| f32::from_bits(bits as u32)),
        _ => header.compression = value.first().copied(),
    }
    true
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("EXR: {reason}"))
}

/// The frame rate and start timecode an EXR frame's header declares (`framesPerSecond`,
/// `timeCode`), as scanners and renderers write them into every frame of a sequence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExrTiming {
    pub frame_rate: Option<Rational>,
    pub timecode: Option<String>,
}

impl ExrTiming {
    /// Reads the two attributes from a file's header (bounded; absent or malformed ones are
    /// `None`).
    pub fn read<F: Read + Seek>(file: &mut F, size: u64) -> Self {
        let mut timing = Self::default();
        let mut position = 8u64;
        for _ in 0..MOST_CHUNKS {
            let Some((name, kind, length, value_at)) = read_attribute_head(file, position) else { break };
            if name.is_empty() || value_at.saturating_add(length) > size {
                break;
            }
            let wanted =
                matches!((name.as_str(), kind.as_str()), ("framesPerSecond", "rational") | ("timeCode", "timecode"));
            if wanted && length == 8 && file.seek(SeekFrom::Start(value_at)).is_ok() {
                let mut value = [0u8; 8];
                if read_exact_or_short(file, &mut value) == 8 {
                    let first = u32::from_le_bytes(value[0..4].try_into().expect("4 bytes"));
                    let second = u32::from_le_bytes(value[4..8].try_into().expect("4 bytes"));
                    if name == "framesPerSecond" {
                        timing.frame_rate = i32::try_from(first)
                            .ok()
                            .and_then(|num| Rational::new(u64::try_from(num).ok()?, u64::from(second)))
                            .filter(|rate| rate.num <= 1000 * rate.den);
                    } else {
                        timing.timecode = smpte_timecode(first);
                    }
                }
            }
            position = value_at + length;
        }
        timing
    }
}

/// A timecode packed as SMPTE 12M (OpenEXR's `timeAndFlags`): binary-coded decimal frames,
/// seconds, minutes and hours, the drop-frame flag in bit 6.
fn smpte_timecode(packed: u32) -> Option<String> {
    let digit = |shift: u32, bits: u32| (packed >> shift) & ((1 << bits) - 1);
    let frames = digit(4, 2) * 10 + digit(0, 4);
    let seconds = digit(12, 3) * 10 + digit(8, 4);
    let minutes = digit(20, 3) * 10 + digit(16, 4);
    let hours = digit(28, 2) * 10 + digit(24, 4);
    let units = [digit(0, 4), digit(8, 4), digit(16, 4), digit(24, 4)];
    if units.iter().any(|unit| *unit > 9) || seconds > 59 || minutes > 59 || hours > 23 {
        return None;
    }
    let separator = if packed & (1 << 6) != 0 { ';' } else { ':' };
    Some(format!("{hours:02}:{minutes:02}:{seconds:02}{separator}{frames:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smpte_timecodes_unpack() {
        // 10:00:00:00, then 01:02:03;04 with the drop-frame flag.
        assert_eq!(smpte_timecode(0x1000_0000).as_deref(), Some("10:00:00:00"));
        assert_eq!(smpte_timecode(0x0102_0304 | 1 << 6).as_deref(), Some("01:02:03;04"));
        assert_eq!(smpte_timecode(0x0000_000F), None);
    }
}
