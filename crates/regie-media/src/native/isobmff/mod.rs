//! MP4 and QuickTime (ISO base media): the `moov` box's tracks, their edit lists and sample
//! tables, fragments (`moof`), and the codecs whose facts are in the headers (H.264, ProRes, AAC
//! LC, PCM, timecode). Anything else (another codec, an interlaced H.264 whose field order comes
//! from decoding, an edit list it does not follow, a damaged box) is left to ffprobe.

mod avc;
mod boxes;
mod fragments;
mod hevc;
pub(super) mod sample_entry;
mod track;

use std::io::{Read, Seek, SeekFrom};

use regie_core::{MediaDescription, Rational, StreamDescription, StreamKind};

use self::boxes::{BoxHeader, Broken, Fields, MOST_BOXES, MOST_TOP_LEVEL_BOXES, body, walk};
use self::fragments::FragmentTotals;
use self::track::{Track, read_track};
use super::{Native, display_aspect, overall_bit_rate, read_exact_or_short};

/// Bytes of a first sample read (a timecode sample is 4, a ProRes frame header under 30).
const FIRST_SAMPLE_BYTES: usize = 64;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    match describe_movie(file, size) {
        Ok(description) => Native::Described(description),
        Err(reason) => Native::Unsure(format!("MP4/QuickTime: {reason}")),
    }
}

/// What the top-level boxes hold.
#[derive(Default)]
struct Movie {
    major_brand: Option<[u8; 4]>,
    time_scale: u32,
    tracks: Vec<Track>,
    fragments: FragmentTotals,
}

fn describe_movie<F: Read + Seek>(file: &mut F, size: u64) -> Result<MediaDescription, String> {
    let mut movie = Movie::default();
    let mut problem: Option<String> = None;
    let mut seen_moov = false;
    let mut last_kind = [0u8; 4];
    walk(file, 0, size, MOST_TOP_LEVEL_BOXES, |file, header| {
        last_kind = header.kind;
        match &header.kind {
            b"ftyp" => {
                let bytes = body(file, &header, 4096).ok_or(Broken::Cut)?;
                movie.major_brand = Fields::new(&bytes).kind();
            }
            b"moov" => {
                if seen_moov {
                    problem = Some("two movie boxes".to_owned());
                    return Ok(false);
                }
                seen_moov = true;
                if let Err(reason) = read_movie(file, &header, &mut movie) {
                    problem = Some(reason);
                    return Ok(false);
                }
            }
            b"moof" => {
                if !seen_moov {
                    problem = Some("a fragment before the movie box".to_owned());
                    return Ok(false);
                }
                if let Err(reason) = movie.fragments.add(file, &header) {
                    problem = Some(reason);
                    return Ok(false);
                }
            }
            _ => {}
        }
        Ok(true)
    })
    .map_err(|broken| format!("the file is damaged or cut short ({broken:?})"))?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    if !seen_moov {
        return Err("no movie box".to_owned());
    }
    if &last_kind == b"moof" {
        return Err("its last fragment has no media data".to_owned());
    }
    if movie.time_scale == 0 {
        return Err("a movie time scale of zero".to_owned());
    }
    let container = match movie.major_brand {
        Some(brand) if brand == *b"qt  " => "mov",
        Some(_) => "mp4",
        None => return Err("no file type box".to_owned()),
    };
    let mut streams = Vec::with_capacity(movie.tracks.len());
    let mut span: Option<(i128, i128)> = None;
    let mut timecode = None;
    for track in &movie.tracks {
        let first_sample_end = track
            .first_chunk_offset
            .zip(track.first_sample_size)
            .map(|(offset, length)| offset.saturating_add(u64::from(length)));
        if track.sample_count > 0 && first_sample_end.is_none_or(|end| end > size) {
            return Err("the media data of a track is missing".to_owned());
        }
        let timing = timing_of(track, &movie)?;
        let (mut stream, track_timecode) = stream_of(file, track, &timing)?;
        timecode = timecode.or(track_timecode);
        stream.duration_s = Some(seconds(timing.duration, track.time_scale));
        stream.language = language_of(track.language)?;
        let start = rescale(i128::from(timing.start), 1_000_000, i128::from(track.time_scale));
        let end = start + rescale(i128::from(timing.duration), 1_000_000, i128::from(track.time_scale));
        span = Some(span.map_or((start, end), |(first, last)| (first.min(start), last.max(end))));
        streams.push(stream);
    }
    let (first, last) = span.ok_or("no tracks")?;
    let microseconds = last - first;
    if microseconds <= 0 {
        return Err("no duration".to_owned());
    }
    let duration = microseconds as f64 / 1e6;
    Ok(MediaDescription {
        container: container.to_owned(),
        duration_s: Some(duration),
        bit_rate: overall_bit_rate(size, duration),
        timecode,
        operational_pattern: None,
        streams,
        image: None,
        prober: None,
        sequence: None,
    })
}

fn read_movie<F: Read + Seek>(file: &mut F, moov: &BoxHeader, movie: &mut Movie) -> Result<(), String> {
    let mut problem: Option<String> = None;
    walk(file, moov.body_start, moov.end, MOST_BOXES, |file, child| {
        match &child.kind {
            b"mvhd" => {
                let bytes = body(file, &child, 256).ok_or(Broken::Cut)?;
                let mut fields = Fields::new(&bytes);
                let version = fields.u8().ok_or(Broken::Cut)?;
                fields.skip(3 + if version == 1 { 16 } else { 8 }).ok_or(Broken::Cut)?;
                movie.time_scale = fields.u32().ok_or(Broken::Cut)?;
            }
            b"trak" => match read_track(file, &child) {
                Ok(track) => movie.tracks.push(track),
                Err(reason) => {
                    problem = Some(reason);
                    return Ok(false);
                }
            },
            b"mvex" => {
                if let Err(reason) = movie.fragments.read_defaults(file, &child) {
                    problem = Some(reason);
                    return Ok(false);
                }
            }
            _ => {}
        }
        Ok(true)
    })
    .map_err(|broken| format!("its movie box is damaged ({broken:?})"))?;
    problem.map_or(Ok(()), Err)
}

/// When a track starts and how long it lasts, in its own time scale, and its frames for the
/// frame rate.
struct Timing {
    start: u64,
    duration: u64,
    samples: u64,
    sample_duration: u64,
}

fn timing_of(track: &Track, movie: &Movie) -> Result<Timing, String> {
    if track.time_scale == 0 {
        return Err("a track time scale of zero".to_owned());
    }
    let (fragment_samples, fragment_duration) = movie.fragments.totals(track.id);
    let media = track.media_duration.saturating_add(fragment_duration);
    let samples = track.samples_timed.saturating_add(fragment_samples);
    let sample_duration = track.timed_duration.saturating_add(fragment_duration);
    let in_track_scale = |movie_time: u64| {
        rescale(i128::from(movie_time), i128::from(track.time_scale), i128::from(movie.time_scale)) as u64
    };
    let (start, duration) = match track.edits.as_deref() {
        None | Some([]) => {
            if track.has_composition_offsets {
                return Err("composition offsets without an edit list".to_owned());
            }
            (0, media)
        }
        Some([edit]) if edit.media_time >= 0 && edit.rate_is_one => {
            let edited = in_track_scale(edit.segment_duration);
            (0, if edited == 0 { media } else { edited.min(media) })
        }
        Some([empty, edit]) if empty.media_time == -1 && edit.media_time >= 0 && edit.rate_is_one => {
            (in_track_scale(empty.segment_duration), in_track_scale(edit.segment_duration).min(media))
        }
        Some(_) => return Err("an edit list it does not follow".to_owned()),
    };
    Ok(Timing { start, duration, samples, sample_duration })
}

/// The stream a track is, and the start timecode when it is a timecode track.
fn stream_of<F: Read + Seek>(
    file: &mut F,
    track: &Track,
    timing: &Timing,
) -> Result<(StreamDescription, Option<String>), String> {
    if track.sample_entries != 1 {
        return Err(format!("{} sample descriptions in a track", track.sample_entries));
    }
    let (kind, entry) = track.sample_entry.as_ref().ok_or("a track without a sample description")?;
    let shown = String::from_utf8_lossy(kind).into_owned();
    match &track.handler {
        b"vide" => {
            let picture = match kind {
                b"avc1" | b"avc3" => sample_entry::h264(entry)?,
                b"hvc1" | b"hev1" => sample_entry::hevc(entry)?,
                b"apco" | b"apcs" | b"apcn" | b"apch" | b"ap4h" | b"ap4x" => {
                    let frame = first_sample(file, track);
                    sample_entry::prores(kind, entry, frame.as_deref())?
                }
                _ => return Err(format!("video codec {shown}")),
            };
            let mut stream = picture.stream;
            if timing.samples > 0 && timing.sample_duration > 0 {
                let rate = Rational::new(u64::from(track.time_scale) * timing.samples, timing.sample_duration)
                    .ok_or("no frame rate")?;
                if rate.num > i32::MAX as u64 || rate.den > i32::MAX as u64 {
                    return Err("a frame rate FFmpeg would round".to_owned());
                }
                stream.frame_rate = Some(rate);
            }
            if let (Some((num, den)), Some(width), Some(height)) =
                (picture.container_aspect.or(picture.codec_aspect), stream.width, stream.height)
            {
                stream.display_aspect_ratio = Some(display_aspect(width, height, (num, den))?);
            }
            Ok((stream, None))
        }
        b"soun" => {
            let stream = match kind {
                b"mp4a" => sample_entry::aac(entry)?,
                b"sowt" | b"twos" | b"in24" | b"in32" | b"fl32" | b"fl64" => sample_entry::pcm(kind, entry)?,
                _ => return Err(format!("audio codec {shown}")),
            };
            Ok((stream, None))
        }
        b"tmcd" if kind == b"tmcd" => {
            let sample = first_sample(file, track);
            let timecode = sample_entry::timecode(entry, sample.as_deref())?;
            let mut stream = StreamDescription::of_kind(StreamKind::Data);
            stream.codec = Some("tmcd".to_owned());
            Ok((stream, Some(timecode)))
        }
        handler => Err(format!("a {} track", String::from_utf8_lossy(handler))),
    }
}

/// The first bytes of a track's first sample.
fn first_sample<F: Read + Seek>(file: &mut F, track: &Track) -> Option<Vec<u8>> {
    let offset = track.first_chunk_offset?;
    let length = (track.first_sample_size? as usize).min(FIRST_SAMPLE_BYTES);
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut buffer = vec![0u8; length];
    (read_exact_or_short(file, &mut buffer) == length).then_some(buffer)
}

/// The language FFmpeg reports for an `mdhd` language code (`None` for undetermined).
fn language_of(code: u16) -> Result<Option<String>, String> {
    match code {
        // Macintosh language code 0 is English; 0x7FFF is unspecified.
        0 => Ok(Some("eng".to_owned())),
        0x7FFF => Ok(None),
        1..0x400 => Err(format!("Macintosh language code {code}")),
        packed => {
            let letters: String =
                [10u16, 5, 0].iter().map(|shift| char::from(0x60 + ((packed >> shift) & 0x1F) as u8)).collect();
            if !letters.chars().all(|letter| letter.is_ascii_lowercase()) {
                return Err(format!("language code {packed:#x}"));
            }
            Ok((letters != "und").then_some(letters))
        }
    }
}

/// `value × to / from`, rounded to nearest as FFmpeg's `av_rescale` does.
fn rescale(value: i128, to: i128, from: i128) -> i128 {
    (value * to + from / 2).div_euclid(from)
}

/// A duration in a time scale, in seconds as ffprobe prints them (microseconds).
fn seconds(duration: u64, time_scale: u32) -> f64 {
    (duration as f64 / f64::from(time_scale) * 1e6).round() / 1e6
}
