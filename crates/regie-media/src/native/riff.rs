//! WAV, Broadcast WAV and RF64/BW64: the `fmt ` chunk (plain, float, or extensible with its
//! channel mask) and the `data` chunk's size (from `ds64` in RF64), read chunk by chunk with the
//! rest skipped by seeking.

use std::io::{Read, Seek, SeekFrom};

use regie_core::{StreamDescription, StreamKind};

use super::{MOST_CHUNKS, Native, read_chunk, read_exact_or_short, sound_file};

const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// What the `fmt ` chunk says.
struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
    valid_bits: Option<u16>,
    channel_mask: Option<u32>,
}

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64, magic: &[u8; 12]) -> Native {
    let rf64 = &magic[0..4] != b"RIFF";
    let mut format: Option<Format> = None;
    let mut data_size: Option<u64> = None;
    let mut ds64_data_size: Option<u64> = None;
    let mut position = 12u64;
    for _ in 0..MOST_CHUNKS {
        if position + 8 > size {
            break;
        }
        let mut header = [0u8; 8];
        if file.seek(SeekFrom::Start(position)).is_err() || read_exact_or_short(file, &mut header) < 8 {
            break;
        }
        let id = [header[0], header[1], header[2], header[3]];
        let length = u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
        match &id {
            b"ds64" if rf64 => {
                let Some(body) = read_chunk(file, length) else { return unsure("its ds64 chunk is cut") };
                if body.len() < 16 {
                    return unsure("its ds64 chunk is too short");
                }
                ds64_data_size = Some(u64::from_le_bytes(body[8..16].try_into().expect("8 bytes")));
            }
            b"fmt " => {
                let Some(body) = read_chunk(file, length) else { return unsure("its fmt chunk is cut") };
                match parse_format(&body) {
                    Some(parsed) => format = Some(parsed),
                    None => return unsure("its fmt chunk is too short"),
                }
            }
            b"data" => {
                let length = if rf64 && length == u64::from(u32::MAX) {
                    match ds64_data_size {
                        Some(size) => size,
                        None => return unsure("an RF64 data chunk without its ds64 size"),
                    }
                } else {
                    length
                };
                data_size = Some(length);
                if format.is_some() {
                    break;
                }
                // Some writers put `fmt ` after the data: skip it and look on.
                position = position.saturating_add(8).saturating_add(length);
                position += position % 2;
                continue;
            }
            _ => {}
        }
        position = position.saturating_add(8).saturating_add(length);
        position += position % 2;
    }
    let Some(format) = format else { return unsure("no fmt chunk") };
    let Some(data_size) = data_size else { return unsure("no data chunk") };
    describe_pcm(&format, data_size, size)
}

fn parse_format(body: &[u8]) -> Option<Format> {
    if body.len() < 16 {
        return None;
    }
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let mut format = Format {
        tag: u16_at(0),
        channels: u16_at(2),
        sample_rate: u32_at(4),
        block_align: u16_at(12),
        bits: u16_at(14),
        valid_bits: None,
        channel_mask: None,
    };
    if format.tag == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return None;
        }
        format.valid_bits = Some(u16_at(18)).filter(|bits| *bits > 0);
        format.channel_mask = Some(u32_at(20));
        // The sub-format GUID's first two bytes are the format tag it stands for.
        format.tag = u16_at(24);
    }
    Some(format)
}

fn describe_pcm(format: &Format, data_size: u64, size: u64) -> Native {
    if format.channels == 0 || format.sample_rate == 0 {
        return unsure("no channels or no sample rate");
    }
    let (codec, sample_format) = match (format.tag, format.bits) {
        (FORMAT_PCM, 8) => ("pcm_u8", "u8"),
        (FORMAT_PCM, 16) => ("pcm_s16le", "s16"),
        (FORMAT_PCM, 24) => ("pcm_s24le", "s32"),
        (FORMAT_PCM, 32) => ("pcm_s32le", "s32"),
        (FORMAT_FLOAT, 32) => ("pcm_f32le", "flt"),
        (FORMAT_FLOAT, 64) => ("pcm_f64le", "dbl"),
        (tag, bits) => return unsure(&format!("format tag {tag:#06x} with {bits} bits is not plain PCM")),
    };
    if format.valid_bits.is_some_and(|valid| valid != format.bits) {
        return unsure("fewer valid bits than stored bits");
    }
    let frame_bytes = u32::from(format.channels) * u32::from(format.bits) / 8;
    if u32::from(format.block_align) != frame_bytes {
        return unsure("a block alignment that does not match the channels and bits");
    }
    let channel_layout = match format.channel_mask {
        None | Some(0) => None,
        Some(mask) => match layout_name(mask) {
            Some(name) if mask.count_ones() == u32::from(format.channels) => Some(name.to_owned()),
            _ => return unsure(&format!("channel mask {mask:#x}")),
        },
    };
    // A data chunk longer than the file is a truncated file: ffprobe and the truncation check
    // say what is left of it.
    if data_size > size {
        return unsure("its data chunk runs past the end of the file");
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some(codec.to_owned());
    stream.channels = Some(u32::from(format.channels));
    stream.channel_layout = channel_layout;
    stream.sample_rate = Some(format.sample_rate);
    stream.sample_format = Some(sample_format.to_owned());
    stream.bit_depth = Some(u32::from(format.bits));
    sound_file("wav", stream, data_size / u64::from(frame_bytes), size)
}

/// FFmpeg's name of a WAVE channel mask, for the layouts it names.
fn layout_name(mask: u32) -> Option<&'static str> {
    Some(match mask {
        0x4 => "mono",
        0x3 => "stereo",
        0xB => "2.1",
        0x7 => "3.0",
        0x103 => "3.0(back)",
        0x107 => "4.0",
        0x33 => "quad",
        0x603 => "quad(side)",
        0xF => "3.1",
        0x607 => "5.0(side)",
        0x37 => "5.0",
        0x10F => "4.1",
        0x60F => "5.1(side)",
        0x3F => "5.1",
        0x70F => "6.1",
        0x63F => "7.1",
        _ => return None,
    })
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("WAV: {reason}"))
}
