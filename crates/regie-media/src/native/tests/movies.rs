//! MP4 and QuickTime files ffmpeg writes at test time, across the variations that matter to a
//! media manager: codecs, frame rates, edit lists, fragments, timecode tracks, many audio tracks,
//! odd sizes, anamorphic pixels, colour descriptions. Each is described natively exactly as
//! ffprobe describes it, or (for the few the native prober leaves alone) left to ffprobe.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ffmpeg, ffprobe_description, native};
use crate::native::{Native, probe_native};
use crate::{Prober, ToolRunner};

/// Name, then the ffmpeg arguments after the inputs (`V` is a 2 s 25 fps picture at 320x180, `A`
/// a 2 s 48 kHz tone, `V(...)`/`A(...)` the same with other lavfi options).
pub(super) const MOVIES: &[(&str, &str)] = &[
    ("h264-aac.mp4", "V A -c:v libx264 -preset ultrafast -c:a aac"),
    ("h264-aac-faststart.mp4", "V A -c:v libx264 -c:a aac -movflags +faststart"),
    ("h264-2997.mp4", "V(rate=30000/1001) -c:v libx264 -preset ultrafast"),
    ("h264-23976.mov", "V(rate=24000/1001) A -c:v libx264 -preset ultrafast -c:a pcm_s16le"),
    ("h264-50p-main.mp4", "V(rate=50) -c:v libx264 -profile:v main -preset fast"),
    ("h264-baseline.mp4", "V -c:v libx264 -profile:v baseline"),
    ("h264-odd-size.mp4", "V(size=642x362) -c:v libx264 -preset ultrafast"),
    ("h264-anamorphic.mp4", "V(size=720x576) -vf setsar=64/45 -c:v libx264 -preset ultrafast"),
    ("h264-bt709.mp4", "V -c:v libx264 -color_primaries bt709 -color_trc bt709 -colorspace bt709"),
    (
        "h264-hlg.mp4",
        "V -c:v libx264 -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc",
    ),
    ("h264-10bit.mp4", "V -c:v libx264 -pix_fmt yuv420p10le"),
    ("h264-422.mov", "V -c:v libx264 -pix_fmt yuv422p"),
    ("h264-444.mp4", "V -c:v libx264 -pix_fmt yuv444p"),
    ("h264-intra.mp4", "V -c:v libx264 -pix_fmt yuv422p10le -x264-params keyint=1"),
    ("h264-fragmented.mp4", "V A -c:v libx264 -preset ultrafast -c:a aac -movflags frag_keyframe+empty_moov -g 10"),
    (
        "h264-cmaf.mp4",
        "V A -c:v libx264 -preset ultrafast -c:a aac -movflags frag_keyframe+empty_moov+default_base_moof -g 10",
    ),
    ("h264-timecode.mp4", "V A -c:v libx264 -preset ultrafast -c:a aac -timecode 01:00:00:00"),
    ("h264-french.mp4", "V A -c:v libx264 -preset ultrafast -c:a aac -metadata:s:a:0 language=fra"),
    ("aac-5.1.mp4", "A(channel_layout=5.1) -c:a aac"),
    ("aac-mono-44k1.m4a", "A(sample_rate=44100) -ac 1 -c:a aac"),
    ("aac-stereo.m4a", "A -ac 2 -c:a aac -b:a 256k"),
    ("prores-proxy.mov", "V -c:v prores_ks -profile:v 0"),
    ("prores-lt.mov", "V A -c:v prores_ks -profile:v 1 -c:a pcm_s24le"),
    ("prores-422.mov", "V(size=1920x1080) -c:v prores_ks -profile:v 2 -frames:v 10"),
    ("prores-hq-tc.mov", "V A -c:v prores_ks -profile:v 3 -c:a pcm_s24le -timecode 10:00:00:00"),
    ("prores-4444.mov", "V -c:v prores_ks -profile:v 4 -pix_fmt yuv444p10le"),
    ("prores-4444-alpha.mov", "V -c:v prores_ks -profile:v 4 -pix_fmt yuva444p10le"),
    ("prores-hq-2997-df.mov", "V(rate=30000/1001) A -c:v prores_ks -profile:v 3 -c:a pcm_s24le -timecode 01:00:00;00"),
    ("prores-bt709.mov", "V -c:v prores_ks -color_primaries bt709 -color_trc bt709 -colorspace bt709"),
    ("prores-4-mono-tracks.mov", "V A A A A -map 0 -map 1 -map 2 -map 3 -map 4 -c:v prores_ks -c:a pcm_s24le -ac 1"),
    ("pcm-s16le.mov", "V A -c:v prores_ks -profile:v 0 -c:a pcm_s16le"),
    ("pcm-s16be.mov", "V A -c:v prores_ks -profile:v 0 -c:a pcm_s16be"),
    ("pcm-s24be.mov", "V A -c:v prores_ks -profile:v 0 -c:a pcm_s24be"),
    ("pcm-f32le.mov", "V A -c:v prores_ks -profile:v 0 -c:a pcm_f32le"),
    ("pcm-s32le.mov", "V A -c:v prores_ks -profile:v 0 -c:a pcm_s32le"),
    ("hevc-aac.mp4", "V A -c:v libx265 -preset ultrafast -x265-params log-level=none -c:a aac"),
    (
        "hevc-10bit-pq.mp4",
        "V -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=none -tag:v hvc1 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc",
    ),
    (
        "hevc-422-odd.mov",
        "V(size=642x362:rate=30000/1001) -c:v libx265 -preset ultrafast -pix_fmt yuv422p10le -x265-params log-level=none -tag:v hvc1",
    ),
    (
        "hevc-anamorphic.mp4",
        "V(size=720x576) -vf setsar=64/45 -c:v libx265 -preset ultrafast -x265-params log-level=none",
    ),
];

/// Variations the native prober leaves to ffprobe, and why.
pub(super) const LEFT_TO_FFPROBE: &[(&str, &str)] = &[
    ("h264-interlaced.mp4", "V(size=720x576) -c:v libx264 -flags +ildct+ilme -x264opts tff=1"),
    ("mpeg4.mp4", "V -c:v mpeg4"),
    ("aac-he.m4a", "A(sample_rate=22050) -c:a aac"),
];

/// Expands the shorthand of [`MOVIES`] into ffmpeg arguments.
fn arguments_of(recipe: &str) -> Vec<String> {
    let mut arguments = Vec::new();
    for word in recipe.split_whitespace() {
        let (source, options) = match word.split_once('(') {
            Some((source, rest)) => (source, Some(rest.trim_end_matches(')'))),
            None => (word, None),
        };
        let input = match source {
            "V" => {
                let mut settings = vec!["size=320x180", "rate=25"];
                let extra: Vec<&str> = options.map(|options| options.split(':').collect()).unwrap_or_default();
                settings
                    .retain(|setting| !extra.iter().any(|given| given.split('=').next() == setting.split('=').next()));
                settings.extend(extra);
                format!("testsrc2={}:duration=2", settings.join(":"))
            }
            "A" => {
                let mut settings = vec!["sample_rate=48000".to_owned()];
                let extra = options.unwrap_or_default();
                if extra.starts_with("sample_rate") {
                    settings.clear();
                }
                if !extra.is_empty() && !extra.starts_with("channel_layout") {
                    settings.push(extra.to_owned());
                }
                let tone = format!("sine=frequency=440:duration=2:{}", settings.join(":"));
                match extra.strip_prefix("channel_layout=") {
                    Some(layout) => format!("{tone},aformat=channel_layouts={layout}"),
                    None => tone,
                }
            }
            _ => {
                arguments.push(word.to_owned());
                continue;
            }
        };
        arguments.extend(["-f".to_owned(), "lavfi".to_owned(), "-i".to_owned(), input]);
    }
    arguments
}

pub(super) fn movie(folder: &Path, name: &str, recipe: &str) -> PathBuf {
    let path = folder.join(name);
    let mut arguments = arguments_of(recipe);
    arguments.push(path.to_str().unwrap().to_owned());
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    ffmpeg(&arguments);
    path
}

/// Makes every (name, recipe) and checks the native prober describes each exactly as ffprobe
/// does, listing every difference at once.
pub(super) async fn assert_described_as_ffprobe(recipes: &[(&str, &str)]) {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    let mut differences = Vec::new();
    for (name, recipe) in recipes {
        let path = movie(folder.path(), name, recipe);
        let theirs = ffprobe_description(&prober, &path).await.unwrap();
        match native(&path) {
            Native::Described(mine) if mine == theirs => {}
            Native::Described(mine) => differences.push(format!("{name}:\n mine   {mine:?}\n theirs {theirs:?}")),
            other => differences.push(format!("{name}: {other:?}\n theirs {theirs:?}")),
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Makes every (name, recipe, reason) and checks the native prober leaves each to ffprobe,
/// saying `reason`.
pub(super) fn assert_left_to_ffprobe(cases: &[(&str, &str, &str)]) {
    let folder = tempfile::tempdir().unwrap();
    for (name, recipe, reason) in cases {
        let path = movie(folder.path(), name, recipe);
        match native(&path) {
            Native::Unsure(said) => assert!(said.contains(reason), "{name}: {said}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn movies_are_described_as_ffprobe_describes_them() {
    assert_described_as_ffprobe(MOVIES).await;
}

#[tokio::test]
async fn movies_it_does_not_fully_understand_are_left_to_ffprobe() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, recipe) in LEFT_TO_FFPROBE {
        let path = movie(folder.path(), name, recipe);
        assert!(matches!(native(&path), Native::Unsure(_)), "{name}: {:?}", native(&path));
        let described = prober.describe(&path, None).await.unwrap();
        assert_eq!(described.prober.as_deref(), Some("ffprobe"), "{name}");
    }
}

/// Where every box of a file starts and ends, descending into the boxes that hold boxes.
fn box_boundaries(bytes: &[u8]) -> Vec<usize> {
    fn walk(bytes: &[u8], start: usize, end: usize, found: &mut Vec<usize>) {
        let mut position = start;
        while position + 8 <= end {
            let size = u32::from_be_bytes(bytes[position..position + 4].try_into().unwrap()) as usize;
            let kind = &bytes[position + 4..position + 8];
            if size < 8 || position + size > end {
                return;
            }
            found.extend([position, position + 4, position + 8]);
            if matches!(kind, b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"mvex" | b"moof" | b"traf") {
                walk(bytes, position + 8, position + size, found);
            }
            position += size;
        }
        found.push(position);
    }
    let mut found = Vec::new();
    walk(bytes, 0, bytes.len(), &mut found);
    found.sort_unstable();
    found.dedup();
    found
}

#[tokio::test]
async fn movies_cut_at_any_box_boundary_are_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for index in [1, 14, 24] {
        let mut described = 0;
        let (name, recipe) = MOVIES[index];
        let bytes = std::fs::read(movie(folder.path(), name, recipe)).unwrap();
        let boundaries = box_boundaries(&bytes);
        assert!(boundaries.len() > 20, "{name}: {} boundaries", boundaries.len());
        for cut in boundaries.iter().flat_map(|at| [at.saturating_sub(1), *at, at + 1]) {
            if cut >= bytes.len() {
                continue;
            }
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut]).unwrap();
            if let Native::Described(mine) = native(&copy) {
                let theirs = ffprobe_description(&prober, &copy).await;
                assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
                described += 1;
            }
        }
        // Only whole fragments survive a cut: a file that is not fragmented is never taken for whole.
        let fragmented = name.contains("fragmented");
        assert!(fragmented || described == 0, "{name}: {described} cut copies were described natively");
    }
}

#[test]
fn mutated_movie_headers_never_panic() {
    let folder = tempfile::tempdir().unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for index in [1, 14, 27] {
        let (name, recipe) = MOVIES[index];
        let path = movie(folder.path(), name, recipe);
        let bytes = std::fs::read(path).unwrap();
        // The movie box (at the start with faststart, else at the end) and the first fragment.
        let moov = bytes.windows(4).position(|window| window == b"moov").unwrap() - 4;
        let region = moov..(moov + 6_000).min(bytes.len());
        for _ in 0..3_000 {
            let mut mutated = bytes.clone();
            for _ in 0..(next() % 8 + 1) {
                let at = region.start + (next() % region.len() as u64) as usize;
                mutated[at] = next() as u8;
            }
            let size = if next() % 4 == 0 { next() } else { mutated.len() as u64 };
            let _ = probe_native(&mut std::io::Cursor::new(&mutated), size);
        }
    }
}
