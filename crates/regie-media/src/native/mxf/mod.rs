//! MXF (OP1a and OP-Atom): the header partition's metadata sets (preface, packages, tracks,
//! sequences, source clips, timecode components, descriptors), resolved from the material package
//! to the file package's descriptors as FFmpeg resolves them, and the first essence element of
//! each picture track (the codec's own header gives its profile, level and pixel format). Only a
//! closed and complete header partition is read; MPEG-2 and DNxHD pictures and PCM sound are
//! described, anything else is left to ffprobe.

mod essence;
mod structure;

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use regie_core::MediaDescription;

use super::{Native, overall_bit_rate, read_exact_or_short};

/// The first 12 bytes every SMPTE key starts with (byte 7, the registry version, aside).
const SMPTE_PREFIX: [u8; 4] = [0x06, 0x0E, 0x2B, 0x34];
/// KLV packets walked before the metadata and the first essence are found.
const MOST_PACKETS: usize = 20_000;
/// The largest metadata set read into memory.
const LARGEST_SET: u64 = 64 * 1024;
/// Bytes of a picture's first essence element read (an MPEG-2 sequence header with its matrices
/// and extensions, or a DNxHD frame header of 640 bytes).
const FIRST_FRAME_BYTES: u64 = 1024;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    match describe_file(file, size) {
        Ok(Some(description)) => Native::Described(description),
        Ok(None) => Native::NotMine,
        Err(reason) => Native::Unsure(format!("MXF: {reason}")),
    }
}

/// One KLV packet's key, and where its value starts and how long it is.
pub(super) struct Packet {
    key: [u8; 16],
    value: u64,
    length: u64,
}

impl Packet {
    fn end(&self) -> u64 {
        self.value.saturating_add(self.length)
    }

    /// Whether the key is `expected` in its first `bytes` bytes, the version byte aside.
    fn is(&self, expected: &[u8]) -> bool {
        self.key.len() >= expected.len()
            && self.key.iter().zip(expected).enumerate().all(|(index, (found, wanted))| index == 7 || found == wanted)
    }
}

fn packet_at<F: Read + Seek>(file: &mut F, offset: u64, size: u64) -> Option<Packet> {
    let mut head = [0u8; 25];
    file.seek(SeekFrom::Start(offset)).ok()?;
    let read = read_exact_or_short(file, &mut head);
    if read < 17 || head[0..4] != SMPTE_PREFIX {
        return None;
    }
    let key: [u8; 16] = head[0..16].try_into().expect("16 bytes");
    // BER length: one byte under 0x80, else 0x8N then N bytes.
    let (length, length_bytes) = match head[16] {
        short if short < 0x80 => (u64::from(short), 1),
        long => {
            let count = usize::from(long & 0x7F);
            if count == 0 || count > 8 || read < 17 + count {
                return None;
            }
            (head[17..17 + count].iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte)), 1 + count)
        }
    };
    let value = offset + 16 + length_bytes as u64;
    (value <= size).then_some(Packet { key, value, length })
}

fn read_value<F: Read + Seek>(file: &mut F, packet: &Packet, most: u64, size: u64) -> Option<Vec<u8>> {
    let length = packet.length.min(most);
    if packet.value.checked_add(length)? > size {
        return None;
    }
    let mut bytes = vec![0u8; length as usize];
    file.seek(SeekFrom::Start(packet.value)).ok()?;
    (read_exact_or_short(file, &mut bytes) == bytes.len()).then_some(bytes)
}

const PARTITION_PACK: [u8; 13] = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01];
const METADATA_SET: [u8; 13] = [0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0D, 0x01, 0x01, 0x01, 0x01];
const ESSENCE_ELEMENT: [u8; 12] = [0x06, 0x0E, 0x2B, 0x34, 0x01, 0x02, 0x01, 0x01, 0x0D, 0x01, 0x03, 0x01];

/// A metadata set: its kind (byte 14 of its key) and its local tags.
pub(super) struct Set {
    pub kind: u8,
    pub tags: Vec<(u16, Vec<u8>)>,
}

impl Set {
    pub fn tag(&self, tag: u16) -> Option<&[u8]> {
        self.tags.iter().find(|(found, _)| *found == tag).map(|(_, value)| value.as_slice())
    }
}

/// The metadata sets by instance UID, and the first essence element of each track number.
pub(super) struct Header {
    pub sets: HashMap<[u8; 16], Set>,
    pub first_essence: HashMap<u32, Packet>,
}

fn describe_file<F: Read + Seek>(file: &mut F, size: u64) -> Result<Option<MediaDescription>, String> {
    let Some(partition) = packet_at(file, 0, size) else { return Ok(None) };
    if !partition.is(&PARTITION_PACK) || partition.key[13] != 0x02 {
        return Ok(None);
    }
    // Status 4 is "closed and complete": an open or incomplete header's durations may be wrong,
    // and FFmpeg then reads the footer's metadata instead.
    if partition.key[14] != 0x04 {
        return Err(format!("a header partition of status {} (not closed and complete)", partition.key[14]));
    }
    let header = read_header(file, size, partition.end())?;
    let streams = structure::resolve(&header)?;
    let mut described = Vec::with_capacity(streams.streams.len());
    for stream in streams.streams {
        let first_frame = match stream.track_number {
            Some(number) => {
                let packet = header.first_essence.get(&number).ok_or("a picture track without essence")?;
                Some(read_value(file, packet, FIRST_FRAME_BYTES, size).ok_or("a first frame cut short")?)
            }
            None => None,
        };
        described.push(stream.describe(first_frame.as_deref())?);
    }
    let microseconds = described.iter().map(|(_, end)| *end).max().ok_or("no stream")?;
    if microseconds == 0 {
        return Err("no duration".to_owned());
    }
    let seconds = microseconds as f64 / 1e6;
    Ok(Some(MediaDescription {
        container: "mxf".to_owned(),
        duration_s: Some(seconds),
        bit_rate: overall_bit_rate(size, seconds),
        timecode: streams.timecode,
        operational_pattern: Some(streams.operational_pattern),
        streams: described.into_iter().map(|(stream, _)| stream).collect(),
        image: None,
        prober: None,
        sequence: None,
    }))
}

/// Walks the packets after the header partition pack: the metadata sets, then the essence up
/// to the first element of each track.
fn read_header<F: Read + Seek>(file: &mut F, size: u64, start: u64) -> Result<Header, String> {
    let mut header = Header { sets: HashMap::new(), first_essence: HashMap::new() };
    let mut position = start;
    let mut essence_seen = 0usize;
    for _ in 0..MOST_PACKETS {
        if position >= size {
            break;
        }
        let packet = packet_at(file, position, size).ok_or("a KLV packet cut short or not SMPTE")?;
        if packet.end() > size {
            return Err("a KLV packet runs past the end of the file".to_owned());
        }
        position = packet.end();
        if packet.is(&METADATA_SET) {
            if !header.first_essence.is_empty() {
                return Err("metadata after the essence".to_owned());
            }
            let value = read_value(file, &packet, LARGEST_SET, size).ok_or("a metadata set too large")?;
            if value.len() as u64 != packet.length {
                return Err("a metadata set too large".to_owned());
            }
            let set = local_set(packet.key[13..16].try_into().expect("3 bytes"), &value)?;
            let uid: [u8; 16] =
                set.tag(0x3C0A).and_then(|uid| uid.try_into().ok()).ok_or("a set without its instance UID")?;
            if header.sets.insert(uid, set).is_some() {
                return Err("two sets with one instance UID".to_owned());
            }
        } else if packet.is(&ESSENCE_ELEMENT) {
            let number = u32::from_be_bytes(packet.key[12..16].try_into().expect("4 bytes"));
            header.first_essence.entry(number).or_insert(packet);
            essence_seen += 1;
            // Every track's first element comes within the first content package or clip.
            if essence_seen > 64 {
                break;
            }
        } else if packet.is(&PARTITION_PACK) && packet.key[13] == 0x04 {
            break;
        }
    }
    if header.sets.is_empty() {
        return Err("no header metadata".to_owned());
    }
    Ok(header)
}

/// A local set (its key's last three bytes given): 2-byte tags with 2-byte lengths.
fn local_set(kind: [u8; 3], value: &[u8]) -> Result<Set, String> {
    if kind[0] != 0x01 || kind[2] != 0x00 {
        return Err("a metadata set key it does not know".to_owned());
    }
    let mut tags = Vec::new();
    let mut at = 0usize;
    while at + 4 <= value.len() {
        let tag = u16::from_be_bytes([value[at], value[at + 1]]);
        let length = usize::from(u16::from_be_bytes([value[at + 2], value[at + 3]]));
        let body = value.get(at + 4..at + 4 + length).ok_or("a local tag runs past its set")?;
        tags.push((tag, body.to_vec()));
        at += 4 + length;
    }
    if at != value.len() {
        return Err("a metadata set with trailing bytes".to_owned());
    }
    Ok(Set { kind: kind[1], tags })
}
