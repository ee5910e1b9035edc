//! MXF files ffmpeg writes at test time (OP1a with MPEG-2 in the XDCAM and IMX manners, DNxHD and
//! DNxHR, PCM tracks, timecodes, drop-frame; OP-Atom picture and sound): each is described natively
//! exactly as ffprobe describes it, or left to ffprobe; cut at every packet boundary, they are
//! left to ffprobe or described as it describes them.

use std::time::Duration;

use super::movies::{assert_described_as_ffprobe, assert_left_to_ffprobe, movie};
use super::{ffprobe_description, native};
use crate::native::Native;
use crate::{Prober, ToolRunner};

/// Name, then the ffmpeg arguments (the shorthand of `movies::MOVIES`).
pub(super) const MXFS: &[(&str, &str)] = &[
    (
        "xdcam-hd422.mxf",
        "V(size=1920x1080) A -c:v mpeg2video -pix_fmt yuv422p -b:v 50M -minrate 50M -maxrate 50M -bufsize 17M -flags +ildct+ilme -top 1 -g 12 -c:a pcm_s24le -timecode 10:00:00:00",
    ),
    (
        "mpeg2-420-progressive.mxf",
        "V(size=1280x720:rate=50) A -c:v mpeg2video -b:v 20M -g 12 -c:a pcm_s16le -timecode 01:00:00:00",
    ),
    (
        "mpeg2-2997-df.mxf",
        "V(size=1920x1080:rate=30000/1001) A -c:v mpeg2video -pix_fmt yuv422p -b:v 50M -g 15 -c:a pcm_s24le -timecode 01:00:00;00",
    ),
    ("dnxhd-120.mxf", "V(size=1920x1080) -c:v dnxhd -b:v 120M -pix_fmt yuv422p"),
    (
        "dnxhd-10bit-audio.mxf",
        "V(size=1920x1080) A A -map 0 -map 1 -map 2 -c:v dnxhd -b:v 185M -pix_fmt yuv422p10le -c:a pcm_s24le",
    ),
    ("dnxhr-hq.mxf", "V(size=1280x720) -c:v dnxhd -profile:v dnxhr_hq -pix_fmt yuv422p"),
    ("dnxhr-444.mxf", "V(size=1280x720) -c:v dnxhd -profile:v dnxhr_444 -pix_fmt yuv444p10le"),
    ("atom-dnxhd.mxf", "V(size=1920x1080) -c:v dnxhd -b:v 120M -pix_fmt yuv422p -f mxf_opatom"),
    ("atom-pcm.mxf", "A -c:a pcm_s24le -ac 1 -f mxf_opatom"),
    (
        "h264-intra-422.mxf",
        "V(size=1920x1080) A -c:v libx264 -preset ultrafast -pix_fmt yuv422p10le -x264-params keyint=1 -c:a pcm_s24le",
    ),
    (
        "imx50-d10.mxf",
        "V(size=720x608) A -c:v mpeg2video -pix_fmt yuv422p -g 1 -b:v 50M -minrate 50M -maxrate 50M -bufsize 2000000 -rc_init_occupancy 2000000 -flags +ildct+ilme -top 1 -c:a pcm_s16le -ac 2 -f mxf_d10",
    ),
];

#[tokio::test]
async fn mxf_is_described_as_ffprobe_describes_it() {
    assert_described_as_ffprobe(MXFS).await;
}

#[test]
fn mxf_descriptions_carry_the_broadcast_facts() {
    let folder = tempfile::tempdir().unwrap();
    let Native::Described(xdcam) = native(&movie(folder.path(), MXFS[0].0, MXFS[0].1)) else { panic!() };
    assert_eq!(xdcam.operational_pattern.as_deref(), Some("OP1a"));
    assert_eq!(xdcam.timecode.as_deref(), Some("10:00:00:00"));
    let picture = &xdcam.streams[0];
    assert_eq!((picture.profile.as_deref(), picture.level), (Some("4:2:2"), Some(2)));
    assert_eq!((picture.field_order.as_deref(), picture.height), (Some("tt"), Some(1080)));
    assert_eq!(xdcam.streams[1].codec.as_deref(), Some("pcm_s24le"));
    let Native::Described(drop_frame) = native(&movie(folder.path(), MXFS[2].0, MXFS[2].1)) else { panic!() };
    assert_eq!(drop_frame.timecode.as_deref(), Some("01:00:00;00"));
    let Native::Described(atom) = native(&movie(folder.path(), MXFS[7].0, MXFS[7].1)) else { panic!() };
    assert_eq!(atom.operational_pattern.as_deref(), Some("OPAtom"));
    assert_eq!(atom.streams[0].profile.as_deref(), Some("DNXHD"));
}

/// Variations left to ffprobe, and why.
const LEFT_TO_FFPROBE: &[(&str, &str, &str)] = &[
    (
        "h264-interlaced.mxf",
        "V(size=1920x1080) -c:v libx264 -preset ultrafast -pix_fmt yuv422p10le -flags +ildct+ilme -x264-params keyint=1:tff=1",
        "interlaced H.264",
    ),
    ("dv.mxf", "V(size=720x576) -c:v dvvideo -pix_fmt yuv420p", "picture essence coding"),
    ("dnxhd-bt709.mxf", "V(size=1920x1080) -c:v dnxhd -b:v 120M -pix_fmt yuv422p -color_trc bt709", "colour labels"),
];

#[test]
fn mxf_it_does_not_fully_understand_is_left_to_ffprobe() {
    assert_left_to_ffprobe(LEFT_TO_FFPROBE);
}

/// Where each KLV packet starts, its length starts, and its value starts, up to the first
/// essence of the body, and every local tag of the header metadata.
fn packet_boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut at = 0usize;
    while at + 17 <= bytes.len() && found.len() < 2_000 {
        let (length, length_bytes) = match bytes[at + 16] {
            short if short < 0x80 => (usize::from(short), 1),
            long => {
                let count = usize::from(long & 0x7F);
                let Some(digits) = bytes.get(at + 17..at + 17 + count) else { break };
                (digits.iter().fold(0usize, |value, byte| (value << 8) | usize::from(*byte)), 1 + count)
            }
        };
        let value = at + 16 + length_bytes;
        found.extend([at, at + 16, value]);
        if bytes[at + 4..at + 6] == [0x02, 0x53] {
            let mut tag = value;
            while tag + 4 <= (value + length).min(bytes.len()) {
                found.push(tag);
                tag += 4 + usize::from(u16::from_be_bytes([bytes[tag + 2], bytes[tag + 3]]));
            }
        }
        if bytes[at + 4..at + 6] == [0x01, 0x02] {
            found.push(value + 8);
            break;
        }
        at = value + length;
    }
    found
}

#[tokio::test]
async fn mxf_cut_at_any_packet_boundary_is_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, recipe) in [MXFS[0], MXFS[7]] {
        let bytes = std::fs::read(movie(folder.path(), name, recipe)).unwrap();
        let boundaries = packet_boundaries(&bytes);
        assert!(boundaries.len() > 50, "{name}: {} boundaries", boundaries.len());
        for cut in boundaries.into_iter().filter(|cut| *cut > 0 && *cut < bytes.len()).step_by(3) {
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut]).unwrap();
            if let Native::Described(mine) = native(&copy) {
                let theirs = ffprobe_description(&prober, &copy).await;
                assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
            }
        }
    }
}
