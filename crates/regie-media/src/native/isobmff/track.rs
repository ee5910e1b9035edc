//! One `trak` box read into what a description needs: its handler, time scale and duration, edit
//! list, first sample description, sample count and timing, and where its first sample lies.

use std::io::{Read, Seek, SeekFrom};

use super::super::read_exact_or_short;
use super::boxes::{BoxHeader, Broken, Fields, MOST_BOXES, body, walk};

/// Small boxes read whole (a sample description with its extensions, an edit list).
const LARGEST_SMALL_BOX: u64 = 64 * 1024;
/// Edit list entries understood (an empty edit and a media edit at most).
const MOST_EDITS: usize = 2;

/// One edit list entry, in the movie's time scale and the track's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Edit {
    pub segment_duration: u64,
    /// -1 is an empty edit (the track starts later).
    pub media_time: i64,
    pub rate_is_one: bool,
}

/// A sample description: its four-character type and its body after the box header.
pub(super) type SampleEntry = ([u8; 4], Vec<u8>);

#[derive(Debug, Default, Clone)]
pub(super) struct Track {
    pub id: u32,
    pub handler: [u8; 4],
    pub time_scale: u32,
    pub media_duration: u64,
    pub language: u16,
    pub edits: Option<Vec<Edit>>,
    /// The type and body of the first sample description, and how many there are.
    pub sample_entry: Option<SampleEntry>,
    pub sample_entries: u32,
    pub samples_timed: u64,
    pub timed_duration: u64,
    pub has_composition_offsets: bool,
    pub sample_count: u64,
    pub first_sample_size: Option<u32>,
    pub first_chunk_offset: Option<u64>,
}

pub(super) fn read_track<F: Read + Seek>(file: &mut F, trak: &BoxHeader) -> Result<Track, String> {
    let mut track = Track::default();
    let mut problem: Option<String> = None;
    walk(file, trak.body_start, trak.end, MOST_BOXES, |file, child| {
        match &child.kind {
            b"tkhd" => {
                let bytes = body(file, &child, 256).ok_or(Broken::Cut)?;
                let mut fields = Fields::new(&bytes);
                let version = fields.u8().ok_or(Broken::Cut)?;
                fields.skip(3 + if version == 1 { 16 } else { 8 }).ok_or(Broken::Cut)?;
                track.id = fields.u32().ok_or(Broken::Cut)?;
            }
            b"edts" => walk(file, child.body_start, child.end, MOST_BOXES, |file, edit| {
                if &edit.kind == b"elst" {
                    match read_edits(file, &edit) {
                        Some(edits) => track.edits = Some(edits),
                        None => problem = Some("an edit list it does not follow".to_owned()),
                    }
                }
                Ok(true)
            })?,
            b"mdia" => read_media(file, &child, &mut track, &mut problem)?,
            _ => {}
        }
        Ok(true)
    })
    .map_err(|broken| format!("its track box is damaged ({broken:?})"))?;
    match problem {
        Some(problem) => Err(problem),
        None => Ok(track),
    }
}

fn read_edits<F: Read + Seek>(file: &mut F, elst: &BoxHeader) -> Option<Vec<Edit>> {
    let bytes = body(file, elst, LARGEST_SMALL_BOX)?;
    let mut fields = Fields::new(&bytes);
    let version = fields.u8()?;
    fields.skip(3)?;
    let count = fields.u32()? as usize;
    if count > MOST_EDITS {
        return None;
    }
    (0..count)
        .map(|_| {
            let (segment_duration, media_time) = if version == 1 {
                (fields.u64()?, fields.u64()? as i64)
            } else {
                (u64::from(fields.u32()?), i64::from(fields.i32()?))
            };
            let rate = fields.u32()?;
            Some(Edit { segment_duration, media_time, rate_is_one: rate == 0x0001_0000 })
        })
        .collect()
}

fn read_media<F: Read + Seek>(
    file: &mut F,
    mdia: &BoxHeader,
    track: &mut Track,
    problem: &mut Option<String>,
) -> Result<(), Broken> {
    walk(file, mdia.body_start, mdia.end, MOST_BOXES, |file, child| {
        match &child.kind {
            b"mdhd" => {
                let bytes = body(file, &child, 256).ok_or(Broken::Cut)?;
                let mut fields = Fields::new(&bytes);
                let version = fields.u8().ok_or(Broken::Cut)?;
                fields.skip(3).ok_or(Broken::Cut)?;
                if version == 1 {
                    fields.skip(16).ok_or(Broken::Cut)?;
                    track.time_scale = fields.u32().ok_or(Broken::Cut)?;
                    track.media_duration = fields.u64().ok_or(Broken::Cut)?;
                } else {
                    fields.skip(8).ok_or(Broken::Cut)?;
                    track.time_scale = fields.u32().ok_or(Broken::Cut)?;
                    track.media_duration = u64::from(fields.u32().ok_or(Broken::Cut)?);
                }
                track.language = fields.u16().ok_or(Broken::Cut)?;
            }
            b"hdlr" => {
                let bytes = body(file, &child, LARGEST_SMALL_BOX).ok_or(Broken::Cut)?;
                let mut fields = Fields::new(&bytes);
                fields.skip(8).ok_or(Broken::Cut)?;
                track.handler = fields.kind().ok_or(Broken::Cut)?;
            }
            b"minf" => walk(file, child.body_start, child.end, MOST_BOXES, |file, info| {
                if &info.kind == b"stbl" {
                    read_sample_table(file, &info, track, problem)?;
                }
                Ok(true)
            })?,
            _ => {}
        }
        Ok(true)
    })
}

fn read_sample_table<F: Read + Seek>(
    file: &mut F,
    stbl: &BoxHeader,
    track: &mut Track,
    problem: &mut Option<String>,
) -> Result<(), Broken> {
    walk(file, stbl.body_start, stbl.end, MOST_BOXES, |file, table| {
        match &table.kind {
            b"stsd" => match read_sample_description(file, &table) {
                Some((count, entry)) => {
                    track.sample_entries = count;
                    track.sample_entry = Some(entry);
                }
                None => *problem = Some("a sample description it cannot bound".to_owned()),
            },
            b"stts" => match sum_time_to_sample(file, &table) {
                Some((samples, duration)) => {
                    track.samples_timed = samples;
                    track.timed_duration = duration;
                }
                None => *problem = Some("a time-to-sample table cut short".to_owned()),
            },
            b"ctts" => track.has_composition_offsets = true,
            b"stsz" | b"stz2" => {
                let mut head = [0u8; 16];
                file.seek(SeekFrom::Start(table.body_start)).map_err(|_| Broken::Cut)?;
                let read = read_exact_or_short(file, &mut head[..table.body_length().min(16) as usize]);
                if &table.kind == b"stsz" && read >= 12 {
                    let uniform = u32::from_be_bytes(head[4..8].try_into().expect("4 bytes"));
                    track.sample_count = u64::from(u32::from_be_bytes(head[8..12].try_into().expect("4 bytes")));
                    track.first_sample_size = if uniform != 0 {
                        Some(uniform)
                    } else if read == 16 {
                        Some(u32::from_be_bytes(head[12..16].try_into().expect("4 bytes")))
                    } else {
                        None
                    };
                } else {
                    *problem = Some("a sample size table it does not read".to_owned());
                }
            }
            b"stco" | b"co64" => {
                let mut head = [0u8; 16];
                file.seek(SeekFrom::Start(table.body_start)).map_err(|_| Broken::Cut)?;
                let read = read_exact_or_short(file, &mut head[..table.body_length().min(16) as usize]);
                let count = if read >= 8 { u32::from_be_bytes(head[4..8].try_into().expect("4 bytes")) } else { 0 };
                track.first_chunk_offset = match (&table.kind, count > 0) {
                    (b"stco", true) if read >= 12 => {
                        Some(u64::from(u32::from_be_bytes(head[8..12].try_into().expect("4 bytes"))))
                    }
                    (b"co64", true) if read >= 16 => Some(u64::from_be_bytes(head[8..16].try_into().expect("8 bytes"))),
                    _ => None,
                };
            }
            _ => {}
        }
        Ok(true)
    })
}

/// The number of sample descriptions and the first one (its type and body after the 8-byte
/// box header).
fn read_sample_description<F: Read + Seek>(file: &mut F, stsd: &BoxHeader) -> Option<(u32, SampleEntry)> {
    let bytes = body(file, stsd, LARGEST_SMALL_BOX)?;
    let mut fields = Fields::new(&bytes);
    fields.skip(4)?;
    let count = fields.u32()?;
    let size = fields.u32()? as usize;
    let kind = fields.kind()?;
    let entry = fields.take(size.checked_sub(8)?)?;
    Some((count, (kind, entry.to_vec())))
}

/// The sum of the sample counts and of the durations in a `stts` box, read in blocks.
fn sum_time_to_sample<F: Read + Seek>(file: &mut F, stts: &BoxHeader) -> Option<(u64, u64)> {
    let mut head = [0u8; 8];
    file.seek(SeekFrom::Start(stts.body_start)).ok()?;
    if read_exact_or_short(file, &mut head) < 8 {
        return None;
    }
    let count = u64::from(u32::from_be_bytes(head[4..8].try_into().expect("4 bytes")));
    if count.checked_mul(8)?.checked_add(8)? > stts.body_length() {
        return None;
    }
    let (mut samples, mut duration) = (0u64, 0u64);
    let mut block = [0u8; 4096];
    let mut left = count as usize;
    while left > 0 {
        let entries = left.min(block.len() / 8);
        if read_exact_or_short(file, &mut block[..entries * 8]) < entries * 8 {
            return None;
        }
        for entry in block[..entries * 8].chunks_exact(8) {
            let sample_count = u64::from(u32::from_be_bytes(entry[0..4].try_into().expect("4 bytes")));
            let delta = u64::from(u32::from_be_bytes(entry[4..8].try_into().expect("4 bytes")));
            samples = samples.saturating_add(sample_count);
            duration = duration.saturating_add(sample_count.saturating_mul(delta));
        }
        left -= entries;
    }
    Some((samples, duration))
}
