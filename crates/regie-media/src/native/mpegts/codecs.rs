//! The elementary streams the MPEG-TS reader describes from their first PES payload, as FFmpeg's
//! parsers and decoders report them: H.264, HEVC, MPEG-2 video, AAC in ADTS, MPEG audio and AC-3.

use regie_core::{StreamDescription, StreamKind};

use crate::native::isobmff::sample_entry::{aac_of_config, h264_of_annex_b, hevc_of_annex_b};
use crate::native::{display_aspect, mp3, mpeg2video};

/// What a stream type (and its descriptors) says the codec is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Codec {
    H264,
    Hevc,
    Mpeg2Video,
    Aac,
    MpegAudio,
    Ac3,
}

impl Codec {
    /// The codec of a PMT stream type; private data (0x06) is AC-3 when an AC-3 descriptor
    /// (0x6A) or registration says so.
    pub fn of(stream_type: u8, descriptors: &[(u8, &[u8])]) -> Result<Self, String> {
        let registered_ac3 =
            descriptors.iter().any(|(tag, body)| *tag == 0x6A || (*tag == 0x05 && body.starts_with(b"AC-3")));
        match stream_type {
            0x1B => Ok(Self::H264),
            0x24 => Ok(Self::Hevc),
            0x02 => Ok(Self::Mpeg2Video),
            0x0F => Ok(Self::Aac),
            0x03 | 0x04 => Ok(Self::MpegAudio),
            0x81 => Ok(Self::Ac3),
            0x06 if registered_ac3 => Ok(Self::Ac3),
            other => Err(format!("stream type {other:#04x}")),
        }
    }

    pub fn is_video(self) -> bool {
        matches!(self, Self::H264 | Self::Hevc | Self::Mpeg2Video)
    }
}

/// A stream described from its first PES payload, and (for sound) the samples a frame holds.
pub(super) fn describe(codec: Codec, payload: &[u8]) -> Result<(StreamDescription, Option<u32>), String> {
    match codec {
        Codec::H264 | Codec::Hevc => {
            let (mut stream, aspect) =
                if codec == Codec::H264 { h264_of_annex_b(payload)? } else { hevc_of_annex_b(payload)? };
            // FFmpeg's HEVC parser leaves a transport stream's field order unset.
            if codec == Codec::Hevc {
                stream.field_order = None;
            }
            if let (Some((num, den)), Some(width), Some(height)) = (aspect, stream.width, stream.height) {
                stream.display_aspect_ratio = Some(display_aspect(width, height, (num, den))?);
            }
            Ok((stream, None))
        }
        Codec::Mpeg2Video => {
            let (mut stream, aspect_known) = mpeg2video::describe(payload)?;
            if !aspect_known {
                return Err("an MPEG-2 aspect ratio it does not settle".to_owned());
            }
            // The decoder reports a progressive sequence as such; an interlaced one's field
            // order comes from its pictures.
            if !mpeg2video::is_progressive(payload) {
                return Err("interlaced MPEG-2 (the field order comes from decoding)".to_owned());
            }
            stream.field_order = Some("progressive".to_owned());
            Ok((stream, None))
        }
        Codec::Aac => {
            let header = payload.get(..7).ok_or("an ADTS header cut short")?;
            if header[0] != 0xFF || header[1] & 0xF6 != 0xF0 {
                return Err("a PES that does not start with an ADTS header".to_owned());
            }
            let object_type = (header[2] >> 6) + 1;
            let frequency = (header[2] >> 2) & 0x0F;
            let channels = ((header[2] & 1) << 2) | (header[3] >> 6);
            // The same facts as an AudioSpecificConfig.
            let config = [(object_type << 3) | (frequency >> 1), ((frequency & 1) << 7) | (channels << 3)];
            Ok((aac_of_config(&config)?, Some(1024)))
        }
        Codec::MpegAudio => {
            let (stream, samples) =
                mp3::stream_of_frame(payload).ok_or("a PES that does not start with an MPEG audio frame")?;
            Ok((stream, Some(samples)))
        }
        Codec::Ac3 => ac3(payload).map(|stream| (stream, Some(1536))),
    }
}

/// AC-3: rate, channels and layout from the first sync frame's bit stream information.
fn ac3(payload: &[u8]) -> Result<StreamDescription, String> {
    let header = payload.get(..8).ok_or("an AC-3 header cut short")?;
    if header[0..2] != [0x0B, 0x77] {
        return Err("a PES that does not start with an AC-3 sync frame".to_owned());
    }
    let sample_rate = match header[4] >> 6 {
        0 => 48_000,
        1 => 44_100,
        2 => 32_000,
        _ => return Err("a reserved AC-3 sample rate".to_owned()),
    };
    let bsid = header[5] >> 3;
    if bsid > 10 {
        return Err("E-AC-3".to_owned());
    }
    let acmod = header[6] >> 5;
    // After acmod: centre and surround mix levels and the Dolby Surround mode, as present.
    let mut skipped = 0;
    if acmod & 1 != 0 && acmod != 1 {
        skipped += 2;
    }
    if acmod & 4 != 0 {
        skipped += 2;
    }
    if acmod == 2 {
        skipped += 2;
    }
    let bit = 3 + skipped;
    let lfe = (u16::from_be_bytes([header[6], header[7]]) >> (15 - bit)) & 1 == 1;
    let (channels, layout) = match (acmod, lfe) {
        (1, false) => (1, "mono"),
        (2, false) => (2, "stereo"),
        (2, true) => (3, "2.1"),
        (3, false) => (3, "3.0"),
        (3, true) => (4, "3.1"),
        (7, false) => (5, "5.0(side)"),
        (7, true) => (6, "5.1(side)"),
        (mode, lfe) => return Err(format!("AC-3 channel mode {mode} (LFE {lfe})")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some("ac3".to_owned());
    stream.channels = Some(channels);
    stream.channel_layout = Some(layout.to_owned());
    stream.sample_rate = Some(sample_rate);
    stream.sample_format = Some("fltp".to_owned());
    Ok(stream)
}
