//! A track's first sample description turned into the codec facts FFmpeg reports: H.264 from its
//! `avcC`, ProRes from its four-character code and first frame header, AAC from its `esds`,
//! uncompressed PCM from QuickTime's sound description, and the start of a `tmcd` track.

use regie_core::timecode::TimeBase;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::avc::{Sps, pixel_format, profile_name, sps_of_avcc, sps_of_nal};
use super::boxes::Fields;
use super::hevc;

/// Bytes before a video sample entry's extension boxes.
const VIDEO_ENTRY_FIXED: usize = 78;
/// Bytes before a version 0 sound description's extension boxes (16 more in version 1).
const SOUND_ENTRY_FIXED: usize = 28;

/// What a video sample description gives, beside what the track's timing gives.
pub(super) struct Picture {
    pub stream: StreamDescription,
    /// The sample aspect ratio from a `pasp` box, which FFmpeg prefers to the codec's.
    pub container_aspect: Option<(u32, u32)>,
    pub codec_aspect: Option<(u32, u32)>,
}

/// The extension boxes after a sample entry's fixed part: (type, body) pairs, bounded by the entry.
fn extensions(bytes: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut found = Vec::new();
    let mut fields = Fields::new(bytes);
    while fields.rest().len() >= 8 {
        let Some(size) = fields.u32() else { break };
        let Some(kind) = fields.kind() else { break };
        let Some(body) = (size as usize).checked_sub(8).and_then(|length| fields.take(length)) else { break };
        found.push((kind, body));
    }
    found
}

fn find<'a>(boxes: &[([u8; 4], &'a [u8])], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes.iter().find(|(found, _)| found == kind).map(|(_, body)| *body)
}

/// A sample aspect ratio from a `pasp` body, when it is a usable one.
fn pixel_aspect(body: &[u8]) -> Option<(u32, u32)> {
    let mut fields = Fields::new(body);
    let (horizontal, vertical) = (fields.u32()?, fields.u32()?);
    (horizontal > 0 && vertical > 0 && horizontal <= i32::MAX as u32 && vertical <= i32::MAX as u32)
        .then_some((horizontal, vertical))
}

/// H.264 (`avc1`, `avc3`): everything from the first sequence parameter set.
pub(super) fn h264(entry: &[u8]) -> Result<Picture, String> {
    let boxes = extensions(entry.get(VIDEO_ENTRY_FIXED..).ok_or("a video sample entry cut short")?);
    let avcc = find(&boxes, b"avcC").ok_or("no avcC")?;
    let container_colour = find(&boxes, b"colr").map(colour_box).transpose()?.flatten();
    let (stream, codec_aspect) = h264_of_avcc(avcc, container_colour)?;
    Ok(Picture { stream, container_aspect: find(&boxes, b"pasp").and_then(pixel_aspect), codec_aspect })
}

/// An H.264 stream described from its decoder configuration (`avcC`, which Matroska carries as
/// its codec private data), and the sample aspect ratio its sequence parameter set gives. The
/// container's colours (primaries, transfer) count when the parameter set has none.
pub(in crate::native) fn h264_of_avcc(
    avcc: &[u8],
    container_colour: Option<(u8, u8)>,
) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    let sps = sps_of_avcc(avcc).ok_or("a sequence parameter set it cannot read")?;
    h264_of_sps(&sps, container_colour)
}

/// An H.264 stream described from the first sequence parameter set in an Annex B byte stream
/// (NAL units after `00 00 01` start codes, as MPEG-TS carries them).
pub(in crate::native) fn h264_of_annex_b(bytes: &[u8]) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    for nal in nal_units(bytes) {
        if nal.first().is_some_and(|header| header & 0x1F == 7) {
            let sps = sps_of_nal(nal).ok_or("a sequence parameter set it cannot read")?;
            return h264_of_sps(&sps, None);
        }
    }
    Err("no sequence parameter set in the first access unit".to_owned())
}

/// The NAL units of an Annex B byte stream: what follows each `00 00 01` start code, up to the
/// next one.
fn nal_units(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let starts: Vec<usize> =
        bytes.windows(3).enumerate().filter(|(_, window)| *window == [0, 0, 1]).map(|(at, _)| at + 3).collect();
    (0..starts.len()).map(move |index| {
        let end = starts.get(index + 1).map_or(bytes.len(), |next| next - 3);
        &bytes[starts[index]..end.max(starts[index])]
    })
}

fn h264_of_sps(
    sps: &Sps,
    container_colour: Option<(u8, u8)>,
) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    if !sps.frame_mbs_only {
        return Err("interlaced H.264 (the field order comes from decoding)".to_owned());
    }
    if sps.level_idc == 11 && sps.constraint_flags & 0x10 != 0 {
        return Err("H.264 level 1b".to_owned());
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("h264".to_owned());
    stream.profile = Some(profile_name(sps).ok_or("an H.264 profile FFmpeg names otherwise")?.to_owned());
    stream.level = Some(u32::from(sps.level_idc)).filter(|level| *level > 0);
    stream.width = Some(sps.width).filter(|width| *width > 0);
    stream.height = Some(sps.height).filter(|height| *height > 0);
    stream.field_order = Some("progressive".to_owned());
    stream.pix_fmt = Some(pixel_format(sps).ok_or("a pixel format it does not name (full range, monochrome)")?);
    stream.chroma = regie_core::media::chroma_and_depth(stream.pix_fmt.as_deref().unwrap_or_default()).0;
    stream.bit_depth = Some(sps.bit_depth_luma);
    if let Some((primaries, transfer)) = sps.colour.or(container_colour) {
        stream.color_primaries = primaries_name(primaries)?;
        stream.color_transfer = transfer_name(transfer)?;
    }
    Ok((stream, sps.sample_aspect_ratio.filter(|(num, den)| *num > 0 && *den > 0)))
}

/// HEVC (`hvc1`, `hev1`): everything from the first sequence parameter set of `hvcC`.
pub(super) fn hevc(entry: &[u8]) -> Result<Picture, String> {
    let boxes = extensions(entry.get(VIDEO_ENTRY_FIXED..).ok_or("a video sample entry cut short")?);
    let hvcc = find(&boxes, b"hvcC").ok_or("no hvcC")?;
    let container_colour = find(&boxes, b"colr").map(colour_box).transpose()?.flatten();
    let (stream, codec_aspect) = hevc_of_hvcc(hvcc, container_colour)?;
    Ok(Picture { stream, container_aspect: find(&boxes, b"pasp").and_then(pixel_aspect), codec_aspect })
}

/// An HEVC stream described from its decoder configuration (`hvcC`, Matroska's codec private
/// data), and the sample aspect ratio its sequence parameter set gives.
pub(in crate::native) fn hevc_of_hvcc(
    hvcc: &[u8],
    container_colour: Option<(u8, u8)>,
) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    let sps = hevc::sps_of_hvcc(hvcc).ok_or("an HEVC sequence parameter set it cannot read")?;
    hevc_of_sps(&sps, container_colour)
}

/// An HEVC stream described from the first sequence parameter set of an Annex B byte stream.
pub(in crate::native) fn hevc_of_annex_b(bytes: &[u8]) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    for nal in nal_units(bytes) {
        if nal.first().is_some_and(|header| (header >> 1) & 0x3F == 33) {
            let sps = hevc::sps_of_nal(nal).ok_or("an HEVC sequence parameter set it cannot read")?;
            return hevc_of_sps(&sps, None);
        }
    }
    Err("no HEVC sequence parameter set in the first access unit".to_owned())
}

fn hevc_of_sps(
    sps: &hevc::HevcSps,
    container_colour: Option<(u8, u8)>,
) -> Result<(StreamDescription, Option<(u32, u32)>), String> {
    if sps.fields {
        return Err("HEVC fields or per-picture structure (the field order comes from decoding)".to_owned());
    }
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("hevc".to_owned());
    stream.profile = Some(hevc::profile_name(sps).ok_or("an HEVC profile FFmpeg names otherwise")?.to_owned());
    stream.level = Some(u32::from(sps.level_idc)).filter(|level| *level > 0);
    stream.width = Some(sps.width).filter(|width| *width > 0);
    stream.height = Some(sps.height).filter(|height| *height > 0);
    stream.field_order = Some("progressive".to_owned());
    let pix_fmt = hevc::pixel_format(sps).ok_or("an HEVC pixel format it does not name")?;
    let (chroma, depth) = regie_core::media::chroma_and_depth(&pix_fmt);
    stream.pix_fmt = Some(pix_fmt);
    stream.chroma = chroma;
    stream.bit_depth = depth;
    if let Some((primaries, transfer)) = sps.colour.or(container_colour) {
        stream.color_primaries = primaries_name(primaries)?;
        stream.color_transfer = transfer_name(transfer)?;
    }
    Ok((stream, sps.sample_aspect_ratio.filter(|(num, den)| *num > 0 && *den > 0)))
}

/// ProRes: the profile from the four-character code, the pixel format, colours and alpha from
/// the first frame's header, the field order from the `fiel` box.
pub(super) fn prores(kind: &[u8; 4], entry: &[u8], first_frame: Option<&[u8]>) -> Result<Picture, String> {
    let (profile, four_four_four) = match kind {
        b"apco" => ("Proxy", false),
        b"apcs" => ("LT", false),
        b"apcn" => ("Standard", false),
        b"apch" => ("HQ", false),
        b"ap4h" => ("4444", true),
        b"ap4x" => ("4444XQ", true),
        _ => return Err("a ProRes variant it does not know".to_owned()),
    };
    let fixed = entry.get(..VIDEO_ENTRY_FIXED).ok_or("a video sample entry cut short")?;
    let boxes = extensions(&entry[VIDEO_ENTRY_FIXED..]);
    let field_order = match find(&boxes, b"fiel").and_then(|body| body.get(..2)) {
        Some([1, _]) => "progressive",
        Some([2, 1]) => "tt",
        Some([2, 6]) => "bt",
        Some([2, 9]) => "tb",
        Some([2, 14]) => "bb",
        _ => return Err("ProRes without a field order it reads".to_owned()),
    };
    // The frame header: size, `icpf`, header size, version, creator, width, height, flags...
    let frame = first_frame.ok_or("ProRes without a readable first frame")?;
    if frame.len() < 28 || &frame[4..8] != b"icpf" {
        return Err("a ProRes frame header it does not read".to_owned());
    }
    let header = &frame[8..];
    let frame_interlaced = (header[12] >> 2) & 3 != 0;
    if frame_interlaced != (field_order != "progressive") {
        return Err("a ProRes field order that disagrees with its frames".to_owned());
    }
    let alpha = header[17] & 0x0F != 0;
    let mut stream = StreamDescription::of_kind(StreamKind::Video);
    stream.codec = Some("prores".to_owned());
    stream.profile = Some(profile.to_owned());
    stream.width = Some(u32::from(u16::from_be_bytes([fixed[24], fixed[25]]))).filter(|width| *width > 0);
    stream.height = Some(u32::from(u16::from_be_bytes([fixed[26], fixed[27]]))).filter(|height| *height > 0);
    stream.field_order = Some(field_order.to_owned());
    let (pix_fmt, depth) = match (four_four_four, alpha) {
        (false, false) => ("yuv422p10le", 10),
        (false, true) => ("yuva422p10le", 10),
        (true, false) => ("yuv444p12le", 12),
        (true, true) => ("yuva444p12le", 12),
    };
    stream.pix_fmt = Some(pix_fmt.to_owned());
    stream.chroma = regie_core::media::chroma_and_depth(pix_fmt).0;
    stream.bit_depth = Some(depth);
    stream.color_primaries = primaries_name(header[14])?;
    stream.color_transfer = transfer_name(header[15])?;
    Ok(Picture { stream, container_aspect: find(&boxes, b"pasp").and_then(pixel_aspect), codec_aspect: None })
}

/// The primaries and transfer of an `nclx`/`nclc` `colr` box (`None` for an ICC profile).
fn colour_box(body: &[u8]) -> Result<Option<(u8, u8)>, String> {
    match body.get(..8) {
        Some([b'n', b'c', b'l', b'x' | b'c', p1, p2, t1, t2]) => {
            let primaries = u16::from_be_bytes([*p1, *p2]);
            let transfer = u16::from_be_bytes([*t1, *t2]);
            match (u8::try_from(primaries), u8::try_from(transfer)) {
                (Ok(primaries), Ok(transfer)) => Ok(Some((primaries, transfer))),
                _ => Err("a colour description out of range".to_owned()),
            }
        }
        _ => Err("a colour box it does not read".to_owned()),
    }
}

/// FFmpeg's name of colour primaries (H.273); `Ok(None)` for unspecified.
pub(in crate::native) fn primaries_name(code: u8) -> Result<Option<String>, String> {
    let name = match code {
        2 => return Ok(None),
        1 => "bt709",
        4 => "bt470m",
        5 => "bt470bg",
        6 => "smpte170m",
        7 => "smpte240m",
        8 => "film",
        9 => "bt2020",
        10 => "smpte428",
        11 => "smpte431",
        12 => "smpte432",
        22 => "ebu3213",
        other => return Err(format!("colour primaries {other}")),
    };
    Ok(Some(name.to_owned()))
}

/// FFmpeg's name of a transfer characteristic (H.273); `Ok(None)` for unspecified.
pub(in crate::native) fn transfer_name(code: u8) -> Result<Option<String>, String> {
    let name = match code {
        2 => return Ok(None),
        1 => "bt709",
        4 => "gamma22",
        5 => "gamma28",
        6 => "smpte170m",
        7 => "smpte240m",
        8 => "linear",
        9 => "log100",
        10 => "log316",
        11 => "iec61966-2-4",
        12 => "bt1361e",
        13 => "iec61966-2-1",
        14 => "bt2020-10",
        15 => "bt2020-12",
        16 => "smpte2084",
        17 => "smpte428",
        18 => "arib-std-b67",
        other => return Err(format!("transfer characteristic {other}")),
    };
    Ok(Some(name.to_owned()))
}

/// The sound description's fixed fields and its extension boxes.
struct Sound<'a> {
    channels: u16,
    sample_size: u16,
    sample_rate: u32,
    boxes: Vec<([u8; 4], &'a [u8])>,
}

fn sound(entry: &[u8]) -> Result<Sound<'_>, String> {
    let mut fields = Fields::new(entry);
    fields.skip(8).ok_or("a sound description cut short")?;
    let version = fields.u16().ok_or("a sound description cut short")?;
    fields.skip(6).ok_or("a sound description cut short")?;
    let channels = fields.u16().ok_or("a sound description cut short")?;
    let sample_size = fields.u16().ok_or("a sound description cut short")?;
    fields.skip(4).ok_or("a sound description cut short")?;
    let sample_rate = fields.u32().ok_or("a sound description cut short")? >> 16;
    let extra = match version {
        0 => 0,
        1 => 16,
        _ => return Err(format!("a version {version} sound description")),
    };
    let rest = entry.get(SOUND_ENTRY_FIXED + extra..).ok_or("a sound description cut short")?;
    Ok(Sound { channels, sample_size, sample_rate, boxes: extensions(rest) })
}

/// AAC (`mp4a` with an MPEG-4 audio `esds`): low complexity only, from its AudioSpecificConfig.
pub(super) fn aac(entry: &[u8]) -> Result<StreamDescription, String> {
    let sound = sound(entry)?;
    let esds = find(&sound.boxes, b"esds")
        .or_else(|| find(&sound.boxes, b"wave").and_then(|wave| find(&extensions(wave), b"esds")))
        .ok_or("mp4a without esds")?;
    let config = audio_specific_config(esds.get(4..).ok_or("an empty esds")?).ok_or("an esds it does not read")?;
    aac_of_config(config)
}

/// AAC described from its AudioSpecificConfig (which Matroska carries as its codec private data):
/// low complexity above 24 kHz only (below, the decoder may find SBR).
pub(in crate::native) fn aac_of_config(config: &[u8]) -> Result<StreamDescription, String> {
    let object_type = config.first().ok_or("an empty AudioSpecificConfig")? >> 3;
    if object_type != 2 {
        return Err(format!("MPEG-4 audio object type {object_type} (only AAC LC is read)"));
    }
    let frequency_index = ((config[0] & 0x07) << 1) | (config.get(1).ok_or("a short AudioSpecificConfig")? >> 7);
    let sample_rate = *[96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
        .get(usize::from(frequency_index))
        .ok_or("an explicit AAC sample rate")?;
    if sample_rate <= 24000 {
        return Err("AAC at 24 kHz or less (the decoder may find SBR)".to_owned());
    }
    let configuration = (config[1] >> 3) & 0x0F;
    let layout = match configuration {
        1 => "mono",
        2 => "stereo",
        4 => "4.0",
        5 => "5.0",
        6 => "5.1",
        other => return Err(format!("AAC channel configuration {other}")),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some("aac".to_owned());
    stream.profile = Some("LC".to_owned());
    stream.channels = Some(u32::from(configuration));
    stream.channel_layout = Some(layout.to_owned());
    stream.sample_rate = Some(sample_rate);
    stream.sample_format = Some("fltp".to_owned());
    Ok(stream)
}

/// The DecoderSpecificInfo inside an ES descriptor (tags 3, 4, then 5).
fn audio_specific_config(descriptors: &[u8]) -> Option<&[u8]> {
    let mut fields = Fields::new(descriptors);
    let mut expected = 3u8;
    loop {
        let tag = fields.u8()?;
        let mut length = 0usize;
        for _ in 0..4 {
            let byte = fields.u8()?;
            length = (length << 7) | usize::from(byte & 0x7F);
            if byte & 0x80 == 0 {
                break;
            }
        }
        if tag != expected {
            return None;
        }
        match tag {
            3 => {
                fields.skip(2)?;
                let flags = fields.u8()?;
                if flags & 0x80 != 0 {
                    fields.skip(2)?;
                }
                if flags & 0x40 != 0 {
                    let url = fields.u8()?;
                    fields.skip(usize::from(url))?;
                }
                if flags & 0x20 != 0 {
                    fields.skip(2)?;
                }
                expected = 4;
            }
            4 => {
                let object = fields.u8()?;
                if object != 0x40 {
                    return None;
                }
                fields.skip(12)?;
                expected = 5;
            }
            _ => return fields.take(length),
        }
    }
}

/// Uncompressed PCM in QuickTime (`sowt`, `twos`, `in24`, `in32`, `fl32`, `fl64`, with `enda`
/// for little-endian) and its `chan` layout.
pub(super) fn pcm(kind: &[u8; 4], entry: &[u8]) -> Result<StreamDescription, String> {
    let sound = sound(entry)?;
    let wave = find(&sound.boxes, b"wave").map(extensions).unwrap_or_default();
    let little = find(&wave, b"enda")
        .or_else(|| find(&sound.boxes, b"enda"))
        .is_some_and(|body| body.get(..2).is_some_and(|flag| flag != [0, 0]));
    let (codec, sample_format, depth) = match (kind, little) {
        (b"sowt", _) => ("pcm_s16le", "s16", 16),
        (b"twos", _) if sound.sample_size == 8 => ("pcm_s8", "u8", 8),
        (b"twos", _) => ("pcm_s16be", "s16", 16),
        (b"in24", false) => ("pcm_s24be", "s32", 24),
        (b"in24", true) => ("pcm_s24le", "s32", 24),
        (b"in32", false) => ("pcm_s32be", "s32", 32),
        (b"in32", true) => ("pcm_s32le", "s32", 32),
        (b"fl32", false) => ("pcm_f32be", "flt", 32),
        (b"fl32", true) => ("pcm_f32le", "flt", 32),
        (b"fl64", false) => ("pcm_f64be", "dbl", 64),
        (b"fl64", true) => ("pcm_f64le", "dbl", 64),
        _ => return Err("a PCM variant it does not know".to_owned()),
    };
    // Without a `chan` box FFmpeg leaves the layout unknown.
    let layout = match find(&sound.boxes, b"chan").map(|body| body.get(4..8)) {
        None => None,
        Some(Some([0x00, 0x64, 0x00, 0x01])) if sound.channels == 1 => Some("mono"),
        Some(Some([0x00, 0x65, 0x00, 0x02])) if sound.channels == 2 => Some("stereo"),
        Some(_) => return Err("a channel layout it does not read".to_owned()),
    };
    let mut stream = StreamDescription::of_kind(StreamKind::Audio);
    stream.codec = Some(codec.to_owned());
    stream.channels = Some(u32::from(sound.channels));
    stream.channel_layout = layout.map(str::to_owned);
    stream.sample_rate = Some(sound.sample_rate).filter(|rate| *rate > 0);
    stream.sample_format = Some(sample_format.to_owned());
    stream.bit_depth = Some(depth);
    Ok(stream)
}

/// The start timecode of a `tmcd` track: its description's rate and flags, and the frame number
/// in its first sample.
pub(super) fn timecode(entry: &[u8], first_sample: Option<&[u8]>) -> Result<String, String> {
    let mut fields = Fields::new(entry);
    fields.skip(12).ok_or("a timecode description cut short")?;
    let flags = fields.u32().ok_or("a timecode description cut short")?;
    let time_scale = fields.u32().ok_or("a timecode description cut short")?;
    let frame_duration = fields.u32().ok_or("a timecode description cut short")?;
    let frames = u64::from(fields.u8().ok_or("a timecode description cut short")?);
    if flags & !0x3 != 0 || frames == 0 || time_scale == 0 || frame_duration == 0 {
        return Err(format!("timecode flags {flags:#x} or rate it does not follow"));
    }
    let sample = first_sample.and_then(|bytes| bytes.get(..4)).ok_or("no timecode sample")?;
    let frame = u64::from(u32::from_be_bytes(sample.try_into().expect("4 bytes")));
    let drop_frame = flags & 1 != 0;
    let rate = Rational::new(u64::from(time_scale), u64::from(frame_duration)).ok_or("a zero timecode rate")?;
    let base = TimeBase { rate, drop_frame, start: 0 };
    if base.nominal() != frames || (drop_frame && frames % 30 != 0) {
        return Err("a timecode rate that disagrees with its frame count".to_owned());
    }
    Ok(base.timecode_of(frame))
}
