//! From the preface to the streams, as FFmpeg resolves an MXF file: the one material package's
//! tracks in order; a timecode track gives the file's start timecode; every other track's one
//! source clip leads to a file package in this file, its track (the essence's track number) and
//! its descriptor (or the sub-descriptor linked to that track).

use regie_core::timecode::TimeBase;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::essence::{self, PictureCoding};
use super::{Header, Set};
use crate::native::rescale;

const PREFACE: u8 = 0x2F;
const CONTENT_STORAGE: u8 = 0x18;
const MATERIAL_PACKAGE: u8 = 0x36;
const SOURCE_PACKAGE: u8 = 0x37;
const TIMELINE_TRACK: u8 = 0x3B;
const SEQUENCE: u8 = 0x0F;
const SOURCE_CLIP: u8 = 0x11;
const TIMECODE_COMPONENT: u8 = 0x14;
const MULTIPLE_DESCRIPTOR: u8 = 0x44;
const PICTURE_DESCRIPTORS: [u8; 3] = [0x51, 0x28, 0x29];
const SOUND_DESCRIPTORS: [u8; 3] = [0x48, 0x47, 0x42];

/// Data definitions (bytes 8 to 12 after the 0x06 0x0E 0x2B 0x34 0x04 0x01 0x01 prefix).
const PICTURE: [u8; 5] = [0x01, 0x03, 0x02, 0x02, 0x01];
const SOUND: [u8; 5] = [0x01, 0x03, 0x02, 0x02, 0x02];
const TIMECODE: [u8; 5] = [0x01, 0x03, 0x02, 0x01, 0x01];

/// What the header metadata says the streams are.
pub(super) struct Streams {
    pub streams: Vec<Planned>,
    pub timecode: Option<String>,
    pub operational_pattern: String,
}

/// One stream to describe: its timing and what its descriptor says.
pub(super) struct Planned {
    edit_rate: (u64, u64),
    duration: u64,
    /// The essence's track number, for a picture (its first frame is read).
    pub track_number: Option<u32>,
    essence: Essence,
}

enum Essence {
    Picture { coding: PictureCoding, frame_layout: u8, field_dominance: Option<u8>, aspect: Option<(u64, u64)> },
    Sound { channels: u32, bits: u32, sample_rate: u32 },
}

fn set<'a>(header: &'a Header, reference: &[u8], kind: &[u8]) -> Result<&'a Set, String> {
    let uid: [u8; 16] = reference.try_into().map_err(|_| "a reference that is not 16 bytes")?;
    let found = header.sets.get(&uid).ok_or("a reference to a set not in the file")?;
    if kind.contains(&found.kind) { Ok(found) } else { Err(format!("a reference to a set of kind {:#x}", found.kind)) }
}

fn tag(set: &Set, tag: u16) -> Result<&[u8], String> {
    set.tag(tag).ok_or_else(|| format!("a set of kind {:#x} without tag {tag:#06x}", set.kind))
}

fn number(bytes: &[u8]) -> Result<u64, String> {
    match bytes.len() {
        1 | 2 | 4 | 8 => Ok(bytes.iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte))),
        length => Err(format!("a number of {length} bytes")),
    }
}

/// A positive rational (two 32-bit integers).
fn rational(bytes: &[u8]) -> Result<(u64, u64), String> {
    if bytes.len() != 8 {
        return Err("a rational that is not 8 bytes".to_owned());
    }
    let num = i32::from_be_bytes(bytes[0..4].try_into().expect("4 bytes"));
    let den = i32::from_be_bytes(bytes[4..8].try_into().expect("4 bytes"));
    if num <= 0 || den <= 0 {
        return Err("a rational that is not positive".to_owned());
    }
    Ok((num as u64, den as u64))
}

/// A batch: a count, an item size, then the items.
fn batch(bytes: &[u8], item: usize) -> Result<Vec<&[u8]>, String> {
    if bytes.len() < 8 || u32::from_be_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize != item {
        return Err("a batch it cannot read".to_owned());
    }
    let count = u32::from_be_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
    let items = &bytes[8..];
    if items.len() != count.checked_mul(item).ok_or("a batch too large")? {
        return Err("a batch whose count disagrees with its size".to_owned());
    }
    Ok(items.chunks_exact(item).collect())
}

fn data_definition(sequence: &Set) -> Result<[u8; 5], String> {
    let label = tag(sequence, 0x0201)?;
    if label.len() != 16 || label[0..7] != [0x06, 0x0E, 0x2B, 0x34, 0x04, 0x01, 0x01] {
        return Err("a data definition it does not know".to_owned());
    }
    Ok(label[8..13].try_into().expect("5 bytes"))
}

pub(super) fn resolve(header: &Header) -> Result<Streams, String> {
    let prefaces: Vec<&Set> = header.sets.values().filter(|found| found.kind == PREFACE).collect();
    let [preface] = prefaces.as_slice() else { return Err(format!("{} prefaces", prefaces.len())) };
    let pattern = tag(preface, 0x3B09)?;
    if pattern.len() != 16 {
        return Err("an operational pattern that is not a label".to_owned());
    }
    let hex: Vec<String> =
        pattern.chunks(4).map(|chunk| chunk.iter().map(|byte| format!("{byte:02x}")).collect()).collect();
    let operational_pattern =
        regie_core::media::operational_pattern_name(&hex.join(".")).ok_or("an operational pattern it does not name")?;
    let storage = set(header, tag(preface, 0x3B03)?, &[CONTENT_STORAGE])?;
    let packages: Vec<&Set> = batch(tag(storage, 0x1901)?, 16)?
        .into_iter()
        .map(|reference| set(header, reference, &[MATERIAL_PACKAGE, SOURCE_PACKAGE]))
        .collect::<Result<_, _>>()?;
    let materials: Vec<&&Set> = packages.iter().filter(|package| package.kind == MATERIAL_PACKAGE).collect();
    let [material] = materials.as_slice() else { return Err(format!("{} material packages", materials.len())) };
    let mut streams = Streams { streams: Vec::new(), timecode: None, operational_pattern };
    for reference in batch(tag(material, 0x4403)?, 16)? {
        let track = set(header, reference, &[TIMELINE_TRACK])?;
        let edit_rate = rational(tag(track, 0x4B01)?)?;
        let sequence = set(header, tag(track, 0x4803)?, &[SEQUENCE])?;
        let definition = data_definition(sequence)?;
        let components = batch(tag(sequence, 0x1001)?, 16)?;
        let [component] = components.as_slice() else {
            return Err(format!("a sequence of {} components", components.len()));
        };
        if definition == TIMECODE {
            let timecode = set(header, component, &[TIMECODE_COMPONENT])?;
            if streams.timecode.is_none() {
                streams.timecode = Some(timecode_of(timecode, edit_rate)?);
            }
            continue;
        }
        if definition != PICTURE && definition != SOUND {
            return Err("a track that is neither picture, sound nor timecode".to_owned());
        }
        let clip = set(header, component, &[SOURCE_CLIP])?;
        let duration = number(tag(clip, 0x0202)?)?;
        if duration == 0 || duration > i64::MAX as u64 {
            return Err("a clip without a duration".to_owned());
        }
        let package_id = tag(clip, 0x1101)?;
        let source_track_id = number(tag(clip, 0x1102)?)?;
        let package = packages
            .iter()
            .find(|package| package.kind == SOURCE_PACKAGE && package.tag(0x4401) == Some(package_id))
            .ok_or("a clip of a package not in the file")?;
        let source_track = batch(tag(package, 0x4403)?, 16)?
            .into_iter()
            .map(|reference| set(header, reference, &[TIMELINE_TRACK]))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .find(|found| found.tag(0x4801).map(number) == Some(Ok(source_track_id)))
            .ok_or("a clip of a track not in its package")?;
        let track_number = number(tag(source_track, 0x4804)?)? as u32;
        let mut descriptor = set(
            header,
            tag(package, 0x4701)?,
            &[
                MULTIPLE_DESCRIPTOR,
                PICTURE_DESCRIPTORS[0],
                PICTURE_DESCRIPTORS[1],
                PICTURE_DESCRIPTORS[2],
                0x48,
                0x47,
                0x42,
            ],
        )?;
        if descriptor.kind == MULTIPLE_DESCRIPTOR {
            let linked = batch(tag(descriptor, 0x3F01)?, 16)?
                .into_iter()
                .filter_map(|reference| header.sets.get(<&[u8; 16]>::try_from(reference).ok()?))
                .find(|sub| sub.tag(0x3006).map(number) == Some(Ok(source_track_id)));
            descriptor = linked.ok_or("no descriptor linked to a track")?;
        }
        let essence = if definition == PICTURE { picture(descriptor)? } else { sound(descriptor)? };
        let track_number = matches!(essence, Essence::Picture { .. }).then_some(track_number);
        streams.streams.push(Planned { edit_rate, duration, track_number, essence });
    }
    Ok(streams)
}

/// The start timecode of a timecode component, as FFmpeg prints it.
fn timecode_of(component: &Set, edit_rate: (u64, u64)) -> Result<String, String> {
    let start = number(tag(component, 0x1501)?)?;
    let base = number(tag(component, 0x1502)?)?;
    let drop_frame = component.tag(0x1503).map(number).transpose()?.unwrap_or(0) != 0;
    if base == 0 || base > 1000 {
        return Err("a timecode base out of range".to_owned());
    }
    if drop_frame && base % 30 != 0 {
        return Err("a drop-frame timecode at a rate that drops none".to_owned());
    }
    // FFmpeg counts the timecode at the track's edit rate; it must round to the base.
    if (edit_rate.0 + edit_rate.1 / 2) / edit_rate.1 != base {
        return Err("a timecode base that differs from its track's rate".to_owned());
    }
    let rate = Rational::new(edit_rate.0, edit_rate.1).ok_or("a zero edit rate")?;
    Ok(TimeBase { rate, drop_frame, start: 0 }.timecode_of(start))
}

fn picture(descriptor: &Set) -> Result<Essence, String> {
    if !PICTURE_DESCRIPTORS.contains(&descriptor.kind) {
        return Err("a picture track described as something else".to_owned());
    }
    let coding = essence::picture_coding(tag(descriptor, 0x3201)?)?;
    // Colour labels FFmpeg maps onto the stream's colours.
    if descriptor.tag(0x3210).is_some() || descriptor.tag(0x3219).is_some() {
        return Err("colour labels in the descriptor".to_owned());
    }
    let frame_layout = descriptor.tag(0x320C).map(number).transpose()?.unwrap_or(0) as u8;
    let field_dominance = descriptor.tag(0x3212).map(number).transpose()?.map(|value| value as u8);
    let aspect = descriptor.tag(0x320E).map(rational).transpose()?;
    Ok(Essence::Picture { coding, frame_layout, field_dominance, aspect })
}

fn sound(descriptor: &Set) -> Result<Essence, String> {
    if !SOUND_DESCRIPTORS.contains(&descriptor.kind) {
        return Err("a sound track described as something else".to_owned());
    }
    if descriptor.tag(0x3D06).is_some() {
        return Err("compressed sound".to_owned());
    }
    let (rate, rate_den) = rational(tag(descriptor, 0x3D03)?)?;
    if rate_den != 1 || rate > 768_000 {
        return Err("a sample rate that is not a whole number of hertz".to_owned());
    }
    let channels = number(tag(descriptor, 0x3D07)?)?;
    let bits = number(tag(descriptor, 0x3D01)?)?;
    if !(1..=64).contains(&channels) {
        return Err(format!("{channels} channels"));
    }
    Ok(Essence::Sound { channels: channels as u32, bits: bits as u32, sample_rate: rate as u32 })
}

impl Planned {
    /// The stream, and where it ends in microseconds.
    pub fn describe(&self, first_frame: Option<&[u8]>) -> Result<(StreamDescription, u64), String> {
        let (num, den) = self.edit_rate;
        match &self.essence {
            Essence::Picture { coding, frame_layout, field_dominance, aspect } => {
                let frame = first_frame.ok_or("no first frame")?;
                let (mut stream, codec_aspect_known) = essence::describe_picture(*coding, frame)?;
                stream.field_order = Some(
                    match (frame_layout, field_dominance) {
                        (0, _) => "progressive",
                        (1, Some(1)) => "tt",
                        (1, Some(2)) => "bb",
                        (layout, dominance) => {
                            return Err(format!("frame layout {layout} with field dominance {dominance:?}"));
                        }
                    }
                    .to_owned(),
                );
                stream.frame_rate = Rational::new(num, den);
                // FFmpeg takes the descriptor's aspect ratio as the display's, over the
                // codec's.
                match aspect {
                    Some((aspect_num, aspect_den)) => {
                        stream.display_aspect_ratio = Rational::new(*aspect_num, *aspect_den);
                    }
                    None if codec_aspect_known => {}
                    None => return Err("no aspect ratio in the descriptor or the codec".to_owned()),
                }
                let seconds_ticks = rescale(self.duration, den * 1_000_000, num);
                stream.duration_s =
                    Some(format!("{:.6}", self.duration as f64 * (den as f64 / num as f64)).parse().unwrap_or(0.0));
                Ok((stream, seconds_ticks))
            }
            Essence::Sound { channels, bits, sample_rate } => {
                let (codec, sample_format) = match bits {
                    1..=16 => ("pcm_s16le", "s16"),
                    17..=24 => ("pcm_s24le", "s32"),
                    32 => ("pcm_s32le", "s32"),
                    other => return Err(format!("PCM at {other} bits")),
                };
                let samples = rescale(self.duration, den * u64::from(*sample_rate), num);
                let mut stream = StreamDescription::of_kind(StreamKind::Audio);
                stream.codec = Some(codec.to_owned());
                stream.channels = Some(*channels);
                stream.sample_rate = Some(*sample_rate);
                stream.sample_format = Some(sample_format.to_owned());
                stream.bit_depth = Some(if *bits <= 16 { 16 } else { *bits });
                stream.duration_s =
                    Some(format!("{:.6}", samples as f64 * (1.0 / f64::from(*sample_rate))).parse().unwrap_or(0.0));
                Ok((stream, rescale(samples, 1_000_000, u64::from(*sample_rate))))
            }
        }
    }
}
