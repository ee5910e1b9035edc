//! Matroska and WebM files ffmpeg writes at test time (H.264, VP9, AAC, Opus, Vorbis, FLAC, PCM,
//! subtitles, frame rates, anamorphic pixels, colours, languages, several audio tracks): each is
//! described natively exactly as ffprobe describes it, or left to ffprobe; cut at every element
//! boundary of their headers, they are left to ffprobe or described as it describes them.

use std::time::Duration;

use super::movies::{assert_described_as_ffprobe, assert_left_to_ffprobe, movie};
use super::{ffprobe_description, native};
use crate::native::Native;
use crate::{Prober, ToolRunner};

/// Name, then the ffmpeg arguments (the shorthand of `movies::MOVIES`).
pub(super) const MATROSKAS: &[(&str, &str)] = &[
    ("h264-aac.mkv", "V A -c:v libx264 -preset ultrafast -c:a aac"),
    ("h264-2997-pcm24.mkv", "V(rate=30000/1001) A -c:v libx264 -preset ultrafast -c:a pcm_s24le"),
    ("h264-23976-flac.mkv", "V(rate=24000/1001) A -c:v libx264 -preset ultrafast -c:a flac"),
    ("h264-anamorphic.mkv", "V(size=720x576) -aspect 16:9 -c:v libx264 -preset ultrafast"),
    ("h264-sar.mkv", "V(size=720x576) -vf setsar=64/45 -c:v libx264 -preset ultrafast"),
    (
        "h264-10bit-bt709.mkv",
        "V -c:v libx264 -pix_fmt yuv420p10le -color_primaries bt709 -color_trc bt709 -colorspace bt709",
    ),
    ("h264-50p-french.mkv", "V(rate=50) A -c:v libx264 -preset ultrafast -c:a aac -metadata:s:a:0 language=fra"),
    ("h264-odd.mkv", "V(size=642x362) A(channel_layout=5.1) -c:v libx264 -preset ultrafast -c:a aac"),
    ("pcm-tracks.mkv", "V A A A -map 0 -map 1 -map 2 -map 3 -c:v libx264 -preset ultrafast -c:a pcm_s16le -ac 2"),
    ("pcm-f32.mka", "A -c:a pcm_f32le"),
    ("vp9-opus.webm", "V A -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus"),
    ("vp9-10bit.webm", "V -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p10le"),
    ("vp9-444.webm", "V -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv444p"),
    ("vp9-vorbis-5.1.webm", "V A(channel_layout=5.1) -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libvorbis"),
    ("opus-5.1.webm", "A(channel_layout=5.1) -c:a libopus"),
    ("vorbis-44k1.ogg.mka", "A(sample_rate=44100) -c:a libvorbis"),
    ("flac-24.mka", "A -c:a flac -sample_fmt s32"),
    ("aac-stereo.mka", "A -ac 2 -c:a aac"),
    ("hevc-opus.mkv", "V A -c:v libx265 -preset ultrafast -x265-params log-level=none -c:a libopus"),
    (
        "hevc-10bit.mkv",
        "V(rate=30000/1001) -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=none",
    ),
];

#[tokio::test]
async fn matroska_and_webm_are_described_as_ffprobe_describes_them() {
    assert_described_as_ffprobe(MATROSKAS).await;
}

/// Variations left to ffprobe, and why.
const LEFT_TO_FFPROBE: &[(&str, &str, &str)] = &[
    ("h264-interlaced.mkv", "V(size=720x576) -c:v libx264 -flags +ildct+ilme -x264opts tff=1", "interlaced"),
    ("ffv1.mkv", "V -c:v ffv1 -level 3", "video codec V_MS/VFW/FOURCC"),
    ("ac3.mka", "A -c:a ac3", "audio codec A_AC3"),
    ("h264-timecode.mkv", "V -c:v libx264 -preset ultrafast -timecode 01:00:00:00", "a timecode tag"),
    ("aac-he.mka", "A(sample_rate=22050) -c:a aac", "24 kHz or less"),
];

#[test]
fn matroska_it_does_not_fully_understand_is_left_to_ffprobe() {
    assert_left_to_ffprobe(LEFT_TO_FFPROBE);
}

/// The offsets where an element starts or ends in the headers of a Matroska file, down to the
/// children of `Info` and `Tracks`, and the first blocks of the first cluster.
fn element_boundaries(bytes: &[u8]) -> Vec<usize> {
    fn vint(bytes: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize)> {
        let first = *bytes.get(at)?;
        let length = first.leading_zeros() as usize + 1;
        if length > 8 {
            return None;
        }
        let head = if keep_marker { u64::from(first) } else { u64::from(first) & (0xFF >> length) };
        let value = bytes.get(at + 1..at + length)?.iter().fold(head, |value, byte| (value << 8) | u64::from(*byte));
        Some((value, length))
    }
    fn walk(bytes: &[u8], start: usize, end: usize, depth: usize, found: &mut Vec<usize>) {
        let mut at = start;
        let mut count = 0;
        while at < end && count < 40 {
            let Some((id, id_length)) = vint(bytes, at, true) else { return };
            let Some((size, size_length)) = vint(bytes, at + id_length, false) else { return };
            let body = at + id_length + size_length;
            let next = body.saturating_add(size as usize).min(end);
            found.extend([at, at + id_length, body, next]);
            // The segment, its header elements, track entries, and the first cluster.
            if depth < 3 && matches!(id, 0x1853_8067 | 0x1549_A966 | 0x1654_AE6B | 0xAE | 0x1F43_B675) {
                walk(bytes, body, next, depth + 1, found);
            }
            if id == 0x1F43_B675 {
                return;
            }
            at = next;
            count += 1;
        }
    }
    let mut found = Vec::new();
    walk(bytes, 0, bytes.len(), 0, &mut found);
    found.sort_unstable();
    found.dedup();
    found
}

#[tokio::test]
async fn matroska_cut_at_any_element_boundary_is_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, recipe) in [MATROSKAS[0], MATROSKAS[10], MATROSKAS[14]] {
        let bytes = std::fs::read(movie(folder.path(), name, recipe)).unwrap();
        let boundaries = element_boundaries(&bytes);
        assert!(boundaries.len() > 20, "{name}: {} boundaries", boundaries.len());
        let mut described = 0;
        for cut in boundaries.into_iter().filter(|cut| *cut > 0 && *cut < bytes.len()) {
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut]).unwrap();
            if let Native::Described(mine) = native(&copy) {
                described += 1;
                let theirs = ffprobe_description(&prober, &copy).await;
                assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
            }
        }
        eprintln!("{name}: {described} cuts described");
    }
}
