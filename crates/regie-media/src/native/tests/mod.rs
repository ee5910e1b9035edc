//! The native prober against ffprobe on files ffmpeg writes at test time (every variation of the
//! formats it reads), on truncated copies, and on mutated headers (it must never panic, and what
//! it describes must be what ffprobe says).

mod fuzz;
mod movies;

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::{Prober, ToolRunner};

#[allow(clippy::disallowed_methods)] // fixtures are made with ffmpeg at test time
fn ffmpeg(arguments: &[&str]) {
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(arguments)
        .output()
        .expect("ffmpeg is installed (scripts/install-deps.sh)");
    assert!(output.status.success(), "ffmpeg {arguments:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Name, sample rate, then the output options.
const VARIANTS: &[(&str, &str, &str)] = &[
    ("s16-mono.wav", "48000", "-ac 1 -c:a pcm_s16le"),
    ("s16-stereo.wav", "48000", "-ac 2 -c:a pcm_s16le"),
    ("s24-mono.wav", "48000", "-ac 1 -c:a pcm_s24le"),
    ("s24-stereo-44k1.wav", "44100", "-ac 2 -c:a pcm_s24le"),
    ("s32-stereo.wav", "48000", "-ac 2 -c:a pcm_s32le"),
    ("f32-stereo.wav", "48000", "-ac 2 -c:a pcm_f32le"),
    ("f64-mono.wav", "96000", "-ac 1 -c:a pcm_f64le"),
    ("u8-mono.wav", "8000", "-ac 1 -c:a pcm_u8"),
    ("s24-5.1.wav", "48000", "-ac 6 -c:a pcm_s24le"),
    ("s24-7.1.wav", "48000", "-ac 8 -c:a pcm_s24le"),
    ("s16-quad.wav", "48000", "-ac 4 -c:a pcm_s16le"),
    ("rf64.wav", "48000", "-ac 2 -c:a pcm_s24le -rf64 always"),
    ("bwf.wav", "48000", "-ac 2 -c:a pcm_s24le -write_bext 1 -metadata time_reference=172800000"),
    ("s16-stereo.aiff", "48000", "-ac 2 -c:a pcm_s16be"),
    ("s24-mono.aiff", "44100", "-ac 1 -c:a pcm_s24be"),
    ("s32-stereo.aiff", "48000", "-ac 2 -c:a pcm_s32be"),
    ("u8-mono.aiff", "8000", "-ac 1 -c:a pcm_s8"),
    ("s16-stereo.flac", "48000", "-ac 2 -c:a flac"),
    ("s24-5.1.flac", "44100", "-ac 6 -c:a flac -sample_fmt s32"),
    ("s16-mono.flac", "96000", "-ac 1 -c:a flac"),
    ("s16-7.1.flac", "48000", "-ac 8 -c:a flac"),
];

/// Pictures: name, then the output options.
const PICTURES: &[(&str, &str)] = &[
    ("rgb.png", "-pix_fmt rgb24"),
    ("rgba.png", "-pix_fmt rgba"),
    ("gray.png", "-pix_fmt gray"),
    ("gray16.png", "-pix_fmt gray16be"),
    ("rgb48.png", "-pix_fmt rgb48be"),
    ("pal8.png", "-pix_fmt pal8"),
    ("ya8.png", "-pix_fmt ya8"),
    ("monob.png", "-pix_fmt monob"),
    ("rgb24.dpx", "-pix_fmt rgb24"),
    ("rgba.dpx", "-pix_fmt rgba"),
    ("rgb48le.dpx", "-pix_fmt rgb48le"),
    ("rgb48be.dpx", "-pix_fmt rgb48be"),
    ("rgba64le.dpx", "-pix_fmt rgba64le"),
    ("gbrp10.dpx", "-pix_fmt gbrp10le"),
    ("gbrp12.dpx", "-pix_fmt gbrp12le"),
    ("gray.dpx", "-pix_fmt gray"),
    ("gray16le.dpx", "-pix_fmt gray16le"),
    ("gray16be.dpx", "-pix_fmt gray16be"),
    ("420.jpg", "-pix_fmt yuvj420p"),
    ("422.jpg", "-pix_fmt yuvj422p"),
    ("444.jpg", "-pix_fmt yuvj444p -q:v 2"),
    ("optimal.jpg", "-pix_fmt yuvj420p -huffman optimal -q:v 31"),
    ("rgb-half-zip.exr", "-pix_fmt gbrpf32le -c:v exr -format 1 -compression 3"),
    ("rgba-float-none.exr", "-pix_fmt gbrapf32le -c:v exr -format 2 -compression 0"),
    ("y-half-rle.exr", "-pix_fmt grayf32le -c:v exr -format 1 -compression 1"),
    ("rgb-float-zip1.exr", "-pix_fmt gbrpf32le -c:v exr -format 2 -compression 2"),
];

fn picture(folder: &Path, name: &str, options: &str) -> PathBuf {
    let path = folder.join(name);
    let mut arguments = vec!["-f", "lavfi", "-i", "testsrc2=size=322x180", "-frames:v", "1"];
    arguments.extend(options.split_whitespace());
    arguments.push(path.to_str().unwrap());
    ffmpeg(&arguments);
    path
}

#[tokio::test]
async fn pictures_are_described_as_ffprobe_describes_them() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    let mut paths: Vec<PathBuf> =
        PICTURES.iter().map(|(name, options)| picture(folder.path(), name, options)).collect();
    // A camera's JPEG has no JFIF segment (its pixel aspect is then unknown): the same picture
    // with its APP0 segment taken out.
    let bytes = std::fs::read(folder.path().join("422.jpg")).unwrap();
    assert_eq!(bytes[2..4], [0xFF, 0xE0]);
    let app0 = usize::from(u16::from_be_bytes([bytes[4], bytes[5]]));
    let without_jfif = folder.path().join("no-jfif.jpg");
    std::fs::write(&without_jfif, [&bytes[..2], &bytes[4 + app0..]].concat()).unwrap();
    paths.push(without_jfif);
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Native::Described(mine) = native(&path) else { panic!("{name}: {:?}", native(&path)) };
        // ffprobe is asked about a copy without an extension, as ingest asks about its staged
        // copy (with `.jpg`, FFmpeg's image2 reader gives a still picture a frame's duration).
        let staged = folder.path().join(format!("staged-{name}").replace('.', "-"));
        std::fs::copy(&path, &staged).unwrap();
        let theirs = ffprobe_description(&prober, &staged).await.unwrap();
        assert_eq!(mine, theirs, "{name}");
        assert_eq!(prober.describe(&path, None).await.unwrap().prober.as_deref(), Some("native"), "{name}");
    }
}

fn make(folder: &Path, name: &str, rate: &str, options: &str) -> PathBuf {
    let path = folder.join(name);
    let source = format!("sine=frequency=440:duration=1.37:sample_rate={rate}");
    let mut arguments = vec!["-f", "lavfi", "-i", &source];
    arguments.extend(options.split_whitespace());
    arguments.push(path.to_str().unwrap());
    ffmpeg(&arguments);
    path
}

/// What ffprobe alone says of a file (its `prober` left out, to compare with the native answer).
async fn ffprobe_description(prober: &Prober, path: &Path) -> Result<MediaDescription, crate::MediaError> {
    let mut description = prober.describe_with_ffprobe(path).await?;
    description.prober = None;
    Ok(description)
}

fn native(path: &Path) -> Native {
    let mut file = std::fs::File::open(path).unwrap();
    let size = file.metadata().unwrap().len();
    probe_native(&mut file, size)
}

#[tokio::test]
async fn the_native_prober_says_what_ffprobe_says_on_every_variation() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, rate, options) in VARIANTS {
        let path = make(folder.path(), name, rate, options);
        let Native::Described(mine) = native(&path) else { panic!("{name}: {:?}", native(&path)) };
        let theirs = ffprobe_description(&prober, &path).await.unwrap();
        assert_eq!(mine, theirs, "{name}");
        let described = prober.describe(&path, None).await.unwrap();
        assert_eq!(described.prober.as_deref(), Some("native"), "{name}: the native prober answers");
    }
}

#[tokio::test]
async fn truncated_copies_are_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, rate, options) in [VARIANTS[1], VARIANTS[11], VARIANTS[12], VARIANTS[13], VARIANTS[17]] {
        let path = make(folder.path(), name, rate, options);
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 4, 11, 12, 20, 36, 44, 60, 80, 100, 200, 1_000, bytes.len() / 2, bytes.len() - 1] {
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut.min(bytes.len())]).unwrap();
            match native(&copy) {
                Native::Described(mine) => {
                    let theirs = ffprobe_description(&prober, &copy).await;
                    assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
                }
                Native::NotMine | Native::Unsure(_) => {}
            }
        }
    }
    for (name, options) in
        [PICTURES[0], PICTURES[5], PICTURES[11], PICTURES[13], PICTURES[18], PICTURES[19], PICTURES[22], PICTURES[23]]
    {
        let bytes = std::fs::read(picture(folder.path(), name, options)).unwrap();
        for cut in [8, 16, 33, 40, 60, 100, bytes.len() / 2, bytes.len() - 12, bytes.len() - 1] {
            let copy = folder.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&copy, &bytes[..cut.min(bytes.len())]).unwrap();
            if let Native::Described(mine) = native(&copy) {
                let theirs = ffprobe_description(&prober, &copy).await;
                assert_eq!(Some(&mine), theirs.as_ref().ok(), "{name} cut at {cut}");
            }
        }
    }
}

#[test]
fn mutated_headers_never_panic() {
    let folder = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut files: Vec<PathBuf> = [VARIANTS[2], VARIANTS[8], VARIANTS[11], VARIANTS[13], VARIANTS[18]]
        .into_iter()
        .map(|(name, rate, options)| make(folder.path(), name, rate, options))
        .collect();
    files.push(picture(folder.path(), PICTURES[1].0, PICTURES[1].1));
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        for _ in 0..3_000 {
            let mut mutated = bytes[..bytes.len().min(400)].to_vec();
            for _ in 0..(next() % 6 + 1) {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = next() as u8;
            }
            let size = if next() % 2 == 0 { mutated.len() as u64 } else { next() };
            let _ = probe_native(&mut std::io::Cursor::new(&mutated), size);
        }
    }
}

#[test]
fn other_files_are_not_its_own() {
    // A file type box cut short is an MP4 the native prober leaves to ffprobe.
    let cut = probe_native(&mut std::io::Cursor::new(b"\x00\x00\x00\x18ftypmp42"), 12);
    assert!(matches!(cut, Native::Unsure(_)), "{cut:?}");
    assert_eq!(probe_native(&mut std::io::Cursor::new(b"\x00\x00\x00\x18ftxpmp42"), 12), Native::NotMine);
    assert_eq!(probe_native(&mut std::io::Cursor::new(b"RIFF"), 4), Native::NotMine);
    let avi = b"RIFF\x10\x00\x00\x00AVI LIST";
    assert_eq!(probe_native(&mut std::io::Cursor::new(avi), 16), Native::NotMine);
}
