//! MPEG transport streams ffmpeg writes at test time (H.264 and MPEG-2 video, AAC, MP2, AC-3,
//! languages, M2TS): each is described natively exactly as ffprobe describes it, or left to
//! ffprobe; cut anywhere, they are left to ffprobe or described as it describes them.

use std::time::Duration;

use super::movies::{assert_described_as_ffprobe, assert_left_to_ffprobe, movie};
use super::{ffprobe_description, native};
use crate::native::Native;
use crate::{Prober, ToolRunner};

/// Name, then the ffmpeg arguments (the shorthand of `movies::MOVIES`).
pub(super) const STREAMS: &[(&str, &str)] = &[
    ("h264-aac.ts", "V A -c:v libx264 -preset ultrafast -c:a aac"),
    ("mpeg2-mp2.ts", "V(size=720x576) A -c:v mpeg2video -b:v 8M -c:a mp2"),
    ("h264-ac3.m2ts", "V A(channel_layout=5.1) -c:v libx264 -preset ultrafast -c:a ac3"),
    (
        "h264-2997-french.ts",
        "V(rate=30000/1001) A -c:v libx264 -preset ultrafast -c:a aac -metadata:s:a:0 language=fra",
    ),
    (
        "mpeg2-422-two-audio.ts",
        "V(size=1920x1080) A A -map 0 -map 1 -map 2 -c:v mpeg2video -pix_fmt yuv422p -b:v 30M -c:a mp2",
    ),
    ("h264-50p-stereo-ac3.ts", "V(rate=50) A -c:v libx264 -preset ultrafast -c:a ac3 -ac 2"),
    ("hevc-aac.ts", "V A -c:v libx265 -preset ultrafast -x265-params log-level=none:bframes=0 -c:a aac"),
];

#[tokio::test]
async fn transport_streams_are_described_as_ffprobe_describes_them() {
    assert_described_as_ffprobe(STREAMS).await;
}

/// Variations left to ffprobe, and why.
const LEFT_TO_FFPROBE: &[(&str, &str, &str)] = &[
    ("h264-b-frames.ts", "V A -c:v libx264 -preset fast -bf 3 -c:a aac", "B-frames"),
    ("mpeg4.ts", "V -c:v mpeg4", "stream type 0x10"),
    ("interlaced-mpeg2.ts", "V(size=720x576) -c:v mpeg2video -flags +ildct+ilme -top 1", "interlaced MPEG-2"),
    (
        "two-programs.ts",
        "V A -map 0 -map 1 -c:v libx264 -preset ultrafast -c:a aac -program title=one:st=0 -program title=two:st=1",
        "2 programs",
    ),
];

#[test]
fn transport_streams_it_does_not_fully_understand_are_left_to_ffprobe() {
    assert_left_to_ffprobe(LEFT_TO_FFPROBE);
}

#[tokio::test]
async fn transport_streams_cut_anywhere_are_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, recipe) in [STREAMS[0], STREAMS[1]] {
        let bytes = std::fs::read(movie(folder.path(), name, recipe)).unwrap();
        let packets = bytes.len() / 188;
        let mut cuts: Vec<usize> = (1..12).map(|packet| packet * 188).collect();
        cuts.extend([100, 189, 1_000, packets / 4 * 188, packets / 2 * 188, packets / 2 * 188 + 77, bytes.len() - 188]);
        for cut in cuts.into_iter().filter(|cut| *cut < bytes.len()) {
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut]).unwrap();
            if let Native::Described(mine) = native(&copy) {
                let theirs = ffprobe_description(&prober, &copy).await;
                assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
            }
        }
    }
}
