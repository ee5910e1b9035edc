//! MPEG transport streams (188-byte packets, and 192-byte M2TS): the PAT and the one program's
//! PMT give the streams in order; each stream's first PES gives its start and (from its payload)
//! the codec's facts; the video's first PES timestamps its frame rate; the PES headers in the
//! last 250 KB give the durations, as FFmpeg estimates them (the last timestamp and one frame,
//! less the start). Several programs, B-frames, a timestamp that wraps, or a stream the reader
//! does not know are left to ffprobe.

mod codecs;

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use regie_core::{MediaDescription, Rational, StreamDescription};

use self::codecs::Codec;
use super::{Native, overall_bit_rate, read_exact_or_short, reduce, rescale};

/// FFmpeg's window at the end of the file for durations, and how many times it doubles it.
const DURATION_WINDOW: u64 = 250_000;
/// Bytes read from the start for the tables and every stream's first PES.
const HEAD_BYTES: u64 = 8 << 20;
/// Video PES timestamps read for the frame rate.
const RATE_SAMPLES: usize = 24;
/// Bytes of a first PES payload kept (enough for a sequence header or an SPS).
const FIRST_PAYLOAD: usize = 8 * 1024;
/// 60 seconds in 90 kHz ticks: FFmpeg's bound on a duration's jump at the end.
const MINUTE: u64 = 60 * 90_000;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let Some(layout) = Layout::detect(file) else { return Native::NotMine };
    match describe_stream(file, size, layout) {
        Ok(description) => Native::Described(description),
        Err(reason) => Native::Unsure(format!("MPEG-TS: {reason}")),
    }
}

/// Packet size and where the 188-byte packet starts in it.
#[derive(Clone, Copy)]
struct Layout {
    packet: u64,
    offset: u64,
}

impl Layout {
    fn detect<F: Read + Seek>(file: &mut F) -> Option<Self> {
        let mut head = [0u8; 192 * 4];
        file.seek(SeekFrom::Start(0)).ok()?;
        let read = read_exact_or_short(file, &mut head);
        [Self { packet: 188, offset: 0 }, Self { packet: 192, offset: 4 }].into_iter().find(|layout| {
            (0..4).all(|index| {
                let at = (layout.offset + index * layout.packet) as usize;
                at < read && head[at] == 0x47
            })
        })
    }
}

/// One elementary stream of the program.
struct Elementary {
    pid: u16,
    codec: Codec,
    language: Option<String>,
    first_pts: Option<u64>,
    first_payload: Vec<u8>,
    /// Whether the first PES is whole (the next one on the PID has begun).
    first_complete: bool,
    decode_times: Vec<u64>,
    presentation_delay: Option<u64>,
    reordered: bool,
}

/// A 33-bit timestamp from the five bytes of a PES header's PTS or DTS.
fn timestamp(bytes: &[u8]) -> Option<u64> {
    let bytes = bytes.get(..5)?;
    Some(
        (u64::from(bytes[0] >> 1) & 0x07) << 30
            | u64::from(bytes[1]) << 22
            | (u64::from(bytes[2]) >> 1) << 15
            | u64::from(bytes[3]) << 7
            | u64::from(bytes[4]) >> 1,
    )
}

/// A PES header: its PTS and DTS, and where its payload starts.
fn pes_header(payload: &[u8]) -> Option<(Option<u64>, Option<u64>, usize)> {
    if payload.get(..3)? != [0, 0, 1] {
        return None;
    }
    let flags = *payload.get(7)?;
    let header_length = usize::from(*payload.get(8)?);
    let pts = if flags & 0x80 != 0 { Some(timestamp(payload.get(9..)?)?) } else { None };
    let dts = if flags & 0xC0 == 0xC0 { Some(timestamp(payload.get(14..)?)?) } else { None };
    Some((pts, dts, 9 + header_length))
}

/// One transport packet: PID, whether a unit starts in it, and its payload.
fn packet_parts(packet: &[u8]) -> Option<(u16, bool, &[u8])> {
    if packet.len() != 188 || packet[0] != 0x47 {
        return None;
    }
    let pid = (u16::from(packet[1] & 0x1F) << 8) | u16::from(packet[2]);
    let start = packet[1] & 0x40 != 0;
    let control = (packet[3] >> 4) & 3;
    if control & 1 == 0 {
        return Some((pid, start, &[]));
    }
    let from = if control & 2 != 0 { 5 + usize::from(packet[4]) } else { 4 };
    Some((pid, start, packet.get(from..).unwrap_or(&[])))
}

/// Reads transport packets from `start` to `end` in blocks, calling `each` until it says stop.
fn read_packets<F: Read + Seek>(
    file: &mut F,
    layout: Layout,
    start: u64,
    end: u64,
    mut each: impl FnMut(&[u8]) -> Result<bool, String>,
) -> Result<(), String> {
    let mut block = vec![0u8; (layout.packet * 512) as usize];
    let mut position = start;
    file.seek(SeekFrom::Start(position)).map_err(|error| error.to_string())?;
    while position + layout.packet <= end {
        let wanted = ((end - position) / layout.packet).min(512) * layout.packet;
        let read = read_exact_or_short(file, &mut block[..wanted as usize]);
        let whole = read / layout.packet as usize;
        if whole == 0 {
            break;
        }
        for index in 0..whole {
            let at = index * layout.packet as usize + layout.offset as usize;
            if !each(&block[at..at + 188])? {
                return Ok(());
            }
        }
        position += whole as u64 * layout.packet;
    }
    Ok(())
}

fn describe_stream<F: Read + Seek>(file: &mut F, size: u64, layout: Layout) -> Result<MediaDescription, String> {
    let streams = read_head(file, size, layout)?;
    let mut described = Vec::with_capacity(streams.len());
    for elementary in &streams {
        if !elementary.first_complete || elementary.first_payload.is_empty() {
            return Err("a stream without a whole first PES".to_owned());
        }
        let (mut stream, frame_samples) = codecs::describe(elementary.codec, &elementary.first_payload)?;
        stream.language = elementary.language.clone();
        let frame_ticks = match frame_samples {
            Some(samples) => u64::from(samples) * 90_000 / u64::from(stream.sample_rate.ok_or("no sample rate")?),
            None => {
                let rate = frame_rate(elementary)?;
                stream.frame_rate = Some(rate);
                90_000 * rate.den / rate.num
            }
        };
        described.push((stream, frame_ticks));
    }
    let ends = read_tail(file, size, layout, &streams, &described)?;
    let mut first_start = u64::MAX;
    let mut last_end = 0u64;
    let mut out = Vec::with_capacity(described.len());
    for ((mut stream, _), (elementary, end)) in described.into_iter().zip(streams.iter().zip(ends)) {
        let start = elementary.first_pts.ok_or("a stream without a timestamp")?;
        let ticks = end.checked_sub(start).filter(|ticks| *ticks > 0).ok_or("a timestamp that wraps")?;
        stream.duration_s = format!("{:.6}", ticks as f64 * (1.0 / 90_000.0)).parse().ok();
        let start_us = rescale(start, 1_000_000, 90_000);
        first_start = first_start.min(start_us);
        last_end = last_end.max(start_us + rescale(ticks, 1_000_000, 90_000));
        out.push(stream);
    }
    let microseconds = last_end.checked_sub(first_start).filter(|span| *span > 0).ok_or("no duration")?;
    let seconds = microseconds as f64 / 1e6;
    Ok(MediaDescription {
        container: "mpegts".to_owned(),
        duration_s: Some(seconds),
        bit_rate: overall_bit_rate(size, seconds),
        timecode: None,
        operational_pattern: None,
        streams: out,
        image: None,
        prober: None,
        sequence: None,
    })
}

/// The frame rate FFmpeg measures from the first decode timestamps: their step, when steady.
fn frame_rate(elementary: &Elementary) -> Result<Rational, String> {
    if elementary.reordered {
        return Err("reordered frames (B-frames)".to_owned());
    }
    let times = &elementary.decode_times;
    if times.len() < 8 {
        return Err("too few frames to measure a frame rate".to_owned());
    }
    let step = times[1].checked_sub(times[0]).filter(|step| *step > 0).ok_or("timestamps that go back")?;
    if times.windows(2).any(|pair| pair[1].checked_sub(pair[0]) != Some(step)) {
        return Err("an unsteady frame rate".to_owned());
    }
    let (num, den) = reduce(90_000, step, 60_000).ok_or("no frame rate")?;
    Rational::new(num, den).ok_or_else(|| "no frame rate".to_owned())
}

/// The tables and each stream's first PES, from the start of the file.
fn read_head<F: Read + Seek>(file: &mut F, size: u64, layout: Layout) -> Result<Vec<Elementary>, String> {
    let mut pmt_pid = None;
    let mut streams: Option<Vec<Elementary>> = None;
    let mut started: HashMap<u16, usize> = HashMap::new();
    let mut problem = None;
    read_packets(file, layout, 0, size.min(HEAD_BYTES), |packet| {
        let (pid, unit_start, payload) = packet_parts(packet).ok_or("a packet without its sync byte")?;
        if packet[1] & 0x80 != 0 {
            return Err("a packet flagged with a transport error".to_owned());
        }
        if pid == 0 && unit_start && pmt_pid.is_none() {
            pmt_pid = Some(program_map_pid(payload)?);
            return Ok(true);
        }
        if Some(pid) == pmt_pid && unit_start && streams.is_none() {
            streams = Some(program_streams(payload)?);
            return Ok(true);
        }
        let Some(streams) = streams.as_mut() else { return Ok(true) };
        let Some(index) = streams.iter().position(|stream| stream.pid == pid) else { return Ok(true) };
        let stream = &mut streams[index];
        if unit_start {
            let Some((pts, dts, header_length)) = pes_header(payload) else {
                problem = Some("a PES header it cannot read");
                return Ok(false);
            };
            let count = started.entry(pid).or_insert(0);
            *count += 1;
            if *count == 1 {
                stream.first_pts = pts;
                stream.first_payload.extend(payload.get(header_length..).unwrap_or(&[]));
            } else {
                stream.first_complete = true;
            }
            if stream.codec.is_video() && stream.decode_times.len() < RATE_SAMPLES {
                let pts = pts.ok_or("a video PES without a timestamp")?;
                // A steady delay between decoding and presentation (an encoder's one frame) is
                // not reordering; B-frames make it vary.
                let delay = pts.wrapping_sub(dts.unwrap_or(pts));
                match stream.presentation_delay {
                    None => stream.presentation_delay = Some(delay),
                    Some(first) if first != delay => stream.reordered = true,
                    Some(_) => {}
                }
                stream.decode_times.push(dts.unwrap_or(pts));
            }
        } else if started.get(&pid) == Some(&1) && stream.first_payload.len() < FIRST_PAYLOAD {
            stream.first_payload.extend(payload);
        }
        let done = streams.iter().all(|stream| {
            stream.first_complete && (!stream.codec.is_video() || stream.decode_times.len() >= RATE_SAMPLES)
        });
        Ok(!done)
    })?;
    if let Some(problem) = problem {
        return Err(problem.to_owned());
    }
    let streams = streams.ok_or("no program map table")?;
    if streams.is_empty() {
        return Err("a program without streams".to_owned());
    }
    Ok(streams)
}

/// A PSI section after its pointer field: table ID, then its body without the CRC.
fn section(payload: &[u8], table: u8) -> Result<&[u8], String> {
    let pointer = usize::from(*payload.first().ok_or("an empty table packet")?);
    let section = payload.get(1 + pointer..).ok_or("a table pointer past the packet")?;
    if section.first() != Some(&table) {
        return Err(format!("table {table} expected"));
    }
    let length = usize::from(
        u16::from_be_bytes([*section.get(1).ok_or("a table cut short")?, *section.get(2).ok_or("a table cut short")?])
            & 0x0FFF,
    );
    if length < 9 || 3 + length > section.len() {
        return Err("a table longer than its packet".to_owned());
    }
    Ok(&section[8..3 + length - 4])
}

/// The PID of the one program's map table.
fn program_map_pid(payload: &[u8]) -> Result<u16, String> {
    let programs: Vec<(u16, u16)> = section(payload, 0)?
        .chunks_exact(4)
        .map(|entry| (u16::from_be_bytes([entry[0], entry[1]]), u16::from_be_bytes([entry[2], entry[3]]) & 0x1FFF))
        .filter(|(number, _)| *number != 0)
        .collect();
    match programs.as_slice() {
        [(_, pid)] => Ok(*pid),
        _ => Err(format!("{} programs", programs.len())),
    }
}

/// The elementary streams a program map table lists, in its order.
fn program_streams(payload: &[u8]) -> Result<Vec<Elementary>, String> {
    let body = section(payload, 2)?;
    let info = body.get(2..4).ok_or("a program map table cut short")?;
    let info_length = usize::from(u16::from_be_bytes([info[0], info[1]]) & 0x0FFF);
    let mut entries = body.get(4 + info_length..).ok_or("program information past its table")?;
    let mut streams = Vec::new();
    while entries.len() >= 5 {
        let stream_type = entries[0];
        let pid = u16::from_be_bytes([entries[1], entries[2]]) & 0x1FFF;
        let length = usize::from(u16::from_be_bytes([entries[3], entries[4]]) & 0x0FFF);
        let mut raw = entries.get(5..5 + length).ok_or("stream descriptors past their table")?;
        let mut descriptors = Vec::new();
        while raw.len() >= 2 {
            let body = raw.get(2..2 + usize::from(raw[1])).ok_or("a descriptor past its stream")?;
            descriptors.push((raw[0], body));
            raw = &raw[2 + usize::from(raw[1])..];
        }
        let language = match descriptors.iter().find(|(tag, _)| *tag == 0x0A) {
            Some((_, body)) if body.len() == 4 => {
                Some(String::from_utf8_lossy(&body[..3]).into_owned()).filter(|code| code != "und")
            }
            Some(_) => return Err("several languages on one stream".to_owned()),
            None => None,
        };
        streams.push(Elementary {
            pid,
            codec: Codec::of(stream_type, &descriptors)?,
            language,
            first_pts: None,
            first_payload: Vec::new(),
            first_complete: false,
            decode_times: Vec::new(),
            presentation_delay: None,
            reordered: false,
        });
        entries = &entries[5 + length..];
        if streams.len() > 32 {
            return Err("more than 32 streams".to_owned());
        }
    }
    Ok(streams)
}

/// Each stream's end (its last PES timestamp in FFmpeg's window at the end of the file, plus one
/// frame), in 90 kHz ticks.
fn read_tail<F: Read + Seek>(
    file: &mut F,
    size: u64,
    layout: Layout,
    streams: &[Elementary],
    described: &[(StreamDescription, u64)],
) -> Result<Vec<u64>, String> {
    let window = DURATION_WINDOW.min(size);
    let from = size - window;
    // FFmpeg resyncs on the packet grid from wherever the window starts.
    let start = from.div_ceil(layout.packet) * layout.packet;
    let mut ends: Vec<Option<(u64, u64)>> = vec![None; streams.len()];
    read_packets(file, layout, start, size, |packet| {
        let Some((pid, true, payload)) = packet_parts(packet) else { return Ok(true) };
        let Some(index) = streams.iter().position(|stream| stream.pid == pid) else { return Ok(true) };
        let Some((Some(pts), _, _)) = pes_header(payload) else { return Ok(true) };
        let start = streams[index].first_pts.ok_or("a stream without a timestamp")?;
        let Some(duration) = (pts + described[index].1).checked_sub(start).filter(|duration| *duration > 0) else {
            return Err("a timestamp that wraps".to_owned());
        };
        // FFmpeg keeps the first duration, then a longer one unless it jumps by a minute.
        ends[index] = Some(match ends[index] {
            None => (duration, duration),
            Some((kept, last)) => {
                let keep_new = kept < duration && duration.abs_diff(last) < MINUTE;
                (if keep_new { duration } else { kept }, duration)
            }
        });
        Ok(true)
    })?;
    streams
        .iter()
        .zip(ends)
        .map(|(stream, end)| {
            let (duration, _) = end.ok_or("a stream without a timestamp near the end")?;
            Ok(stream.first_pts.unwrap_or(0) + duration)
        })
        .collect()
}
