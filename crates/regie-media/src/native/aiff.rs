//! AIFF and AIFF-C: the `COMM` chunk (channels, frames, sample size, the rate as an 80-bit float,
//! and AIFF-C's compression type) and the `SSND` chunk's presence, big-endian, the rest skipped.

use std::io::{Read, Seek, SeekFrom};

use regie_core::{StreamDescription, StreamKind};

use super::{MOST_CHUNKS, Native, read_chunk, read_exact_or_short, sound_file};

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64, magic: &[u8; 12]) -> Native {
    let compressed = &magic[8..12] == b"AIFC";
    let mut common: Option<Vec<u8>> = None;
    let mut sound_size: Option<u64> = None;
    let mut position = 12u64;
    for _ in 0..MOST_CHUNKS {
        if position + 8 > size || (common.is_some() && sound_size.is_some()) {
            break;
        }
        let mut header = [0u8; 8];
        if file.seek(SeekFrom::Start(position)).is_err() || read_exact_or_short(file, &mut header) < 8 {
            break;
        }
        let length = u64::from(u32::from_be_bytes([header[4], header[5], header[6], header[7]]));
        match &header[0..4] {
            b"COMM" => match read_chunk(file, length) {
                Some(body) => common = Some(body),
                None => return unsure("its COMM chunk is cut"),
            },
            b"SSND" => sound_size = Some(length.saturating_sub(8)),
            _ => {}
        }
        position = position.saturating_add(8).saturating_add(length);
        position += position % 2;
    }
    let Some(common) = common else { return unsure("no COMM chunk") };
    let Some(sound_size) = sound_size else { return unsure("no SSND chunk") };
    if common.len() < 18 {
        return unsure("its COMM chunk is too short");
    }
    let channels = u16::from_be_bytes([common[0], common[1]]);
    let frames = u64::from(u32::from_be_bytes([common[2], common[3], common[4], common[5]]));
    let bits = u16::from_be_bytes([common[6], common[7]]);
    let Some(sample_rate) = extended_rate(&common[8..18]) else { return unsure("a sample rate it cannot read") };
    let compression = if compressed {
        if common.len() < 22 {
            return unsure("an AIFF-C COMM chunk without its compression type");
        }
        [common[18], common[19], common[20], common[21]]
    } else {
        *b"NONE"
    };
    let (codec, sample_format) = match (&compression, bits) {
        (b"NONE" | b"twos", 8) => ("pcm_s8", "u8"),
        (b"NONE" | b"twos", 16) => ("pcm_s16be", "s16"),
        (b"NONE" | b"twos", 24) => ("pcm_s24be", "s32"),
        (b"NONE" | b"twos", 32) => ("pcm_s32be", "s32"),
        (b"sowt", 16) => ("pcm_s16le", "s16"),
        (b"fl32" | b"FL32", 32) => ("pcm_f32be", "flt"),
        (b"fl64" | b"FL64", 64) => ("pcm_f64be", "dbl"),
        _ => {
            return unsure(&format!(
                "compression {:?} with {bits} bits is not plain PCM",
                String::from_utf8_lossy(&compression)
            ));
        }
    };
    if channels == 0 || sample_rate == 0 {
        return unsure("no channels or no sample rate");
    }
    let frame_bytes = u64::from(channels) * u64::from(bits) / 8;
    if frames.saturating_mul(frame_bytes) > sound_size || sound_size > size {
        return unsure("fewer sound bytes than its frames need");
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some(codec.to_owned());
    stream.channels = Some(u32::from(channels));
    stream.sample_rate = Some(sample_rate);
    stream.sample_format = Some(sample_format.to_owned());
    stream.bit_depth = Some(u32::from(bits));
    sound_file("aiff", stream, frames, size)
}

/// An 80-bit IEEE extended float as a whole sample rate (up to 10 MHz), or `None`.
fn extended_rate(bytes: &[u8]) -> Option<u32> {
    let exponent = i32::from(u16::from_be_bytes([bytes[0], bytes[1]]) & 0x7FFF);
    let negative = bytes[0] & 0x80 != 0;
    let mantissa = u64::from_be_bytes(bytes[2..10].try_into().ok()?);
    if negative || mantissa == 0 {
        return None;
    }
    let shift = exponent - 16383 - 63;
    if !(-63..=0).contains(&shift) {
        return None;
    }
    let rate = mantissa >> (-shift);
    (1..=10_000_000).contains(&rate).then_some(rate as u32)
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("AIFF: {reason}"))
}

#[cfg(test)]
mod unit {
    use super::extended_rate;

    #[test]
    fn sample_rates_are_read_from_80_bit_floats() {
        // 48000 = 0xBB80 = 1.46484375 × 2^15.
        let rate = [0x40, 0x0E, 0xBB, 0x80, 0, 0, 0, 0, 0, 0];
        assert_eq!(extended_rate(&rate), Some(48_000));
        let rate = [0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0];
        assert_eq!(extended_rate(&rate), Some(44_100));
        assert_eq!(extended_rate(&[0xC0, 0x0E, 0xBB, 0x80, 0, 0, 0, 0, 0, 0]), None, "negative");
        assert_eq!(extended_rate(&[0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), None);
        assert_eq!(extended_rate(&[0; 10]), None);
    }
}
