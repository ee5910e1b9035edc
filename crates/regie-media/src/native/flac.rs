//! FLAC: the `STREAMINFO` block (rate, channels, bits, total samples), which the format requires
//! first; the channel count gives FLAC's fixed layouts.

use std::io::{Read, Seek, SeekFrom};

use regie_core::{StreamDescription, StreamKind};

use super::{MOST_CHUNKS, Native, read_exact_or_short, sound_file};

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    // "fLaC", then a block header (last flag, type 0, length 34) and STREAMINFO itself.
    let mut head = [0u8; 4 + 4 + 34];
    if file.seek(SeekFrom::Start(0)).is_err() || read_exact_or_short(file, &mut head) < head.len() {
        return unsure("its STREAMINFO block is cut");
    }
    let block_type = head[4] & 0x7F;
    let length = u32::from_be_bytes([0, head[5], head[6], head[7]]);
    if block_type != 0 || length != 34 {
        return unsure("no STREAMINFO block first");
    }
    let (stream, frames) = match stream_of_streaminfo(&head[8..]) {
        Ok(found) => found,
        Err(reason) => return unsure(&reason),
    };
    if frames == 0 {
        return unsure("no total sample count (a stream, not a file)");
    }
    if !audio_follows(file, size) {
        return unsure("no audio frame after its metadata");
    }
    sound_file("flac", stream, frames, size)
}

/// A FLAC stream described from its 34-byte STREAMINFO (which Matroska carries in its codec
/// private data), and its total sample count (0 when not known).
pub(super) fn stream_of_streaminfo(info: &[u8]) -> Result<(StreamDescription, u64), String> {
    // 20 bits of rate, 3 of channels - 1, 5 of bits - 1, 36 of total samples, from byte 10.
    let packed = u64::from_be_bytes(info.get(10..18).ok_or("a STREAMINFO cut short")?.try_into().expect("8 bytes"));
    let sample_rate = (packed >> 44) as u32;
    let channels = ((packed >> 41) & 0x7) as u32 + 1;
    let bits = ((packed >> 36) & 0x1F) as u32 + 1;
    if sample_rate == 0 {
        return Err("no sample rate".to_owned());
    }
    let sample_format = match bits {
        4..=16 => "s16",
        17..=32 => "s32",
        _ => return Err(format!("{bits} bits a sample")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some("flac".to_owned());
    stream.channels = Some(channels);
    stream.channel_layout = Some(layout(channels).to_owned());
    stream.sample_rate = Some(sample_rate);
    stream.sample_format = Some(sample_format.to_owned());
    stream.bit_depth = Some(bits);
    Ok((stream, packed & 0xF_FFFF_FFFF))
}

/// Whether the metadata blocks end inside the file with a frame's sync code after them (a file
/// cut in its headers has no sound to describe).
fn audio_follows<F: Read + Seek>(file: &mut F, size: u64) -> bool {
    let mut position = 4u64;
    for _ in 0..MOST_CHUNKS {
        let mut header = [0u8; 4];
        if position + 4 > size || file.seek(SeekFrom::Start(position)).is_err() {
            return false;
        }
        if read_exact_or_short(file, &mut header) < 4 {
            return false;
        }
        position += 4 + u64::from(u32::from_be_bytes([0, header[1], header[2], header[3]]));
        if header[0] & 0x80 != 0 {
            let mut sync = [0u8; 2];
            return file.seek(SeekFrom::Start(position)).is_ok()
                && read_exact_or_short(file, &mut sync) == 2
                && sync[0] == 0xFF
                && sync[1] & 0xFE == 0xF8;
        }
    }
    false
}

/// FLAC's channel assignments, by FFmpeg's names.
fn layout(channels: u32) -> &'static str {
    match channels {
        1 => "mono",
        2 => "stereo",
        3 => "3.0",
        4 => "quad",
        5 => "5.0",
        6 => "5.1",
        7 => "6.1",
        _ => "7.1",
    }
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("FLAC: {reason}"))
}
