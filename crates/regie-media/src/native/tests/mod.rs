//! The native prober against ffprobe on files ffmpeg writes at test time (every variation of the
//! formats it reads), on truncated copies, and on mutated headers (it must never panic, and what
//! it describes must be what ffprobe says).

mod fuzz;
mod matroska;
mod movies;
mod mpegts;
mod mxf;

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
    ("cbr-128.mp3", "44100", "-ac 2 -c:a libmp3lame -b:a 128k"),
    ("vbr-q4-mono.mp3", "48000", "-ac 1 -c:a libmp3lame -q:a 4"),
    ("no-xing.mp3", "44100", "-ac 2 -c:a libmp3lame -b:a 128k -write_xing 0"),
    ("no-id3.mp3", "32000", "-ac 2 -c:a libmp3lame -b:a 96k -id3v2_version 0"),
    ("id3v1.mp3", "44100", "-ac 2 -c:a libmp3lame -b:a 192k -write_id3v1 1 -metadata title=Reel"),
    ("lsf-mono.mp3", "22050", "-ac 1 -c:a libmp3lame -b:a 32k"),
    ("mpeg25.mp3", "8000", "-ac 1 -c:a libmp3lame -b:a 16k"),
    ("vbr-q0.mp3", "44100", "-ac 2 -c:a libmp3lame -q:a 0"),
    ("layer2.mp2", "48000", "-ac 2 -c:a mp2 -b:a 192k"),
    ("layer2-mono.mp2", "44100", "-ac 1 -c:a mp2 -b:a 96k"),
    ("layer2-no-id3.mp2", "32000", "-ac 2 -c:a mp2 -b:a 128k -id3v2_version 0"),
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
    ("rgb24.tif", "-pix_fmt rgb24"),
    ("rgba-lzw.tif", "-pix_fmt rgba -compression_algo lzw"),
    ("gray-deflate.tif", "-pix_fmt gray -compression_algo deflate"),
    ("gray16le.tif", "-pix_fmt gray16le"),
    ("rgb48le.tif", "-pix_fmt rgb48le"),
    ("rgba64le-packbits.tif", "-pix_fmt rgba64le -compression_algo packbits"),
    ("monob.tif", "-pix_fmt monob"),
    ("pal8.tif", "-pix_fmt pal8"),
    ("ya8.tif", "-pix_fmt ya8"),
    ("yuv420p.tif", "-pix_fmt yuv420p"),
    ("yuv422p.tif", "-pix_fmt yuv422p"),
    ("yuv444p.tif", "-pix_fmt yuv444p"),
    ("yuv410p.tif", "-pix_fmt yuv410p"),
    ("anamorphic.tif", "-pix_fmt rgb24 -vf setsar=16/11"),
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

/// A PNG's chunks rearranged: `pHYs` dropped when `drop_physical`, `extra` (type, body) added
/// before the first `IDAT`.
fn png_rewritten(bytes: &[u8], drop_physical: bool, extra: Option<(&[u8; 4], &[u8])>) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut output = bytes[..8].to_vec();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        if kind == b"IDAT"
            && let Some((extra_kind, body)) = extra.filter(|_| !output.windows(4).any(|window| window == b"IDAT"))
        {
            output.extend((body.len() as u32).to_be_bytes());
            let typed = [extra_kind.as_slice(), body].concat();
            output.extend(&typed);
            output.extend(crc(&typed).to_be_bytes());
        }
        if !(drop_physical && kind == b"pHYs") {
            output.extend(&bytes[at..at + 12 + length]);
        }
        at += 12 + length;
    }
    output
}

#[tokio::test]
async fn pngs_without_a_physical_size_or_with_a_transparent_colour_are_described_as_ffprobe_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    let rgb = std::fs::read(picture(folder.path(), "rgb.png", "-pix_fmt rgb24")).unwrap();
    let gray = std::fs::read(picture(folder.path(), "gray.png", "-pix_fmt gray")).unwrap();
    let rgb48 = std::fs::read(picture(folder.path(), "rgb48.png", "-pix_fmt rgb48be")).unwrap();
    let cases = [
        ("no-phys.png", png_rewritten(&rgb, true, None), "rgb24"),
        ("rgb-trns.png", png_rewritten(&rgb, false, Some((b"tRNS", &[0, 1, 0, 1, 0, 1]))), "rgba"),
        ("gray-trns.png", png_rewritten(&gray, true, Some((b"tRNS", &[0, 7]))), "ya8"),
        ("rgb48-trns.png", png_rewritten(&rgb48, false, Some((b"tRNS", &[0, 1, 0, 1, 0, 1]))), "rgba64be"),
    ];
    for (name, bytes, pix_fmt) in cases {
        let path = folder.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let Native::Described(mine) = native(&path) else { panic!("{name}: {:?}", native(&path)) };
        assert_eq!(mine.streams[0].pix_fmt.as_deref(), Some(pix_fmt), "{name}");
        let staged = folder.path().join(format!("staged-{name}").replace('.', "-"));
        std::fs::copy(&path, &staged).unwrap();
        assert_eq!(mine, ffprobe_description(&prober, &staged).await.unwrap(), "{name}");
    }
    let Native::Described(unknown) = native(&folder.path().join("no-phys.png")) else { unreachable!() };
    assert_eq!(unknown.streams[0].display_aspect_ratio, None);
}

/// A TIFF FFmpeg wrote (Intel byte order) rewritten in Motorola byte order (the picture's
/// samples are left as they are: only headers matter here).
fn tiff_in_motorola_order(bytes: &[u8]) -> Vec<u8> {
    let mut output = bytes.to_vec();
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let swap = |output: &mut Vec<u8>, at: usize, width: usize| output[at..at + width].reverse();
    output[0..4].copy_from_slice(b"MM\0*");
    swap(&mut output, 4, 4);
    let directory = u32_at(4) as usize;
    let count = usize::from(u16_at(directory));
    swap(&mut output, directory, 2);
    for index in 0..count {
        let entry = directory + 2 + index * 12;
        let (kind, values) = (u16_at(entry + 2), u32_at(entry + 4) as usize);
        for (at, width) in [(entry, 2), (entry + 2, 2), (entry + 4, 4)] {
            swap(&mut output, at, width);
        }
        let width = match kind {
            3 => 2,
            4 | 5 => 4,
            _ => 1,
        };
        let items = values * if kind == 5 { 2 } else { 1 };
        let start = if items * width <= 4 {
            entry + 8
        } else {
            swap(&mut output, entry + 8, 4);
            u32_at(entry + 8) as usize
        };
        for item in 0..items {
            swap(&mut output, start + item * width, width);
        }
    }
    swap(&mut output, directory + 2 + count * 12, 4);
    output
}

/// A TIFF FFmpeg wrote with its first directory's entries rearranged by `arrange` (given and
/// returning the 12-byte entries).
fn tiff_with_entries(bytes: &[u8], arrange: impl Fn(Vec<[u8; 12]>) -> Vec<[u8; 12]>) -> Vec<u8> {
    let directory = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let count = usize::from(u16::from_le_bytes([bytes[directory], bytes[directory + 1]]));
    let end = directory + 2 + count * 12;
    let entries = bytes[directory + 2..end].chunks_exact(12).map(|entry| entry.try_into().unwrap()).collect();
    let arranged = arrange(entries);
    let mut output = bytes[..directory].to_vec();
    output.extend((arranged.len() as u16).to_le_bytes());
    output.extend(arranged.iter().flatten());
    output.extend(&bytes[end..end + 4]);
    output.resize(end + 4, 0);
    output.extend(&bytes[end + 4..]);
    output
}

fn tag_of(entry: &[u8; 12]) -> u16 {
    u16::from_le_bytes([entry[0], entry[1]])
}

#[tokio::test]
async fn tiffs_in_motorola_byte_order_or_without_a_resolution_are_described_as_ffprobe_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, options) in [("rgb24.tif", "-pix_fmt rgb24"), ("gray16le.tif", "-pix_fmt gray16le")] {
        let bytes = std::fs::read(picture(folder.path(), name, options)).unwrap();
        let motorola = folder.path().join(format!("mm-{name}"));
        std::fs::write(&motorola, tiff_in_motorola_order(&bytes)).unwrap();
        // Without its resolutions, the picture's aspect is not known.
        let unknown_aspect = folder.path().join(format!("no-resolution-{name}"));
        let without_resolution =
            |entries: Vec<[u8; 12]>| entries.into_iter().filter(|entry| !matches!(tag_of(entry), 282 | 283)).collect();
        std::fs::write(&unknown_aspect, tiff_with_entries(&bytes, without_resolution)).unwrap();
        for path in [motorola, unknown_aspect] {
            let label = path.file_name().unwrap().to_string_lossy().into_owned();
            let Native::Described(mine) = native(&path) else { panic!("{label}: {:?}", native(&path)) };
            let staged = folder.path().join(format!("staged-{label}").replace('.', "-"));
            std::fs::copy(&path, &staged).unwrap();
            assert_eq!(mine, ffprobe_description(&prober, &staged).await.unwrap(), "{label}");
        }
    }
    let Native::Described(motorola) = native(&folder.path().join("mm-gray16le.tif")) else { unreachable!() };
    assert_eq!(motorola.streams[0].pix_fmt.as_deref(), Some("gray16be"));
    let Native::Described(unknown) = native(&folder.path().join("no-resolution-rgb24.tif")) else { unreachable!() };
    assert_eq!(unknown.streams[0].display_aspect_ratio, None);
    // FFmpeg reads no size from a directory whose tags are out of order: left to ffprobe.
    let bytes = std::fs::read(folder.path().join("rgb24.tif")).unwrap();
    let swapped = folder.path().join("swapped.tif");
    std::fs::write(&swapped, tiff_with_entries(&bytes, |entries| entries.into_iter().rev().collect())).unwrap();
    assert!(
        matches!(native(&swapped), Native::Unsure(ref reason) if reason.contains("order")),
        "{:?}",
        native(&swapped)
    );
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

#[test]
fn mpeg_audio_whose_bit_rate_changes_without_a_xing_header_is_left_to_ffprobe() {
    // FFmpeg estimates such a file's duration from the bit rates of the frames it happens to
    // read: the native prober does not guess along.
    let folder = tempfile::tempdir().unwrap();
    let path = make(folder.path(), "vbr-no-xing.mp3", "44100", "-ac 2 -c:a libmp3lame -q:a 2 -write_xing 0");
    assert!(
        matches!(native(&path), Native::Unsure(ref reason) if reason.contains("bit rate changes")),
        "{:?}",
        native(&path)
    );
    // An ADTS AAC stream behind an ID3v2 tag is not MPEG audio.
    let aac = make(folder.path(), "tagged.aac", "44100", "-ac 2 -c:a aac -f adts -write_id3v2 1");
    assert_eq!(native(&aac), Native::NotMine);
}

#[tokio::test]
async fn truncated_copies_are_left_to_ffprobe_or_described_as_it_does() {
    let folder = tempfile::tempdir().unwrap();
    let prober = Prober::new(ToolRunner::new(2, Duration::from_secs(30)));
    for (name, rate, options) in
        [VARIANTS[1], VARIANTS[11], VARIANTS[12], VARIANTS[13], VARIANTS[17], VARIANTS[21], VARIANTS[23], VARIANTS[29]]
    {
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
    for (name, options) in [
        PICTURES[0],
        PICTURES[5],
        PICTURES[11],
        PICTURES[13],
        PICTURES[18],
        PICTURES[19],
        PICTURES[22],
        PICTURES[23],
        PICTURES[26],
        PICTURES[27],
        PICTURES[35],
    ] {
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

#[test]
fn ratios_are_reduced_as_ffmpeg_reduces_them() {
    // Matroska's 33,366,667 ns frames are FFmpeg's 30000/1001 within 30,000.
    assert_eq!(reduce(1_000_000_000, 33_366_667, 30_000), Some((30_000, 1001)));
    assert_eq!(reduce(1_000_000_000, 41_708_333, 30_000), Some((24_000, 1001)));
    assert_eq!(reduce(1_000_000_000, 40_000_000, 30_000), Some((25, 1)));
    assert_eq!(reduce(16 * 576, 9 * 720, 255), Some((64, 45)));
    // Approximated within the bound: pi to 355/113.
    assert_eq!(reduce(3_141_592_653, 1_000_000_000, 400), Some((355, 113)));
    assert_eq!(reduce(0, 5, 255), None);
}

/// Ingest hands over a small file's bytes with its head: the file is described and checked from
/// them, not opened again (here it is not even there).
#[test]
fn a_file_held_whole_in_its_head_is_described_and_checked_from_it() {
    let folder = tempfile::tempdir().unwrap();
    let path = make(folder.path(), "short.wav", "48000", "-ac 1 -c:a pcm_s16le -t 0.2");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() < regie_core::format::SNIFF_LEN);
    let prober = Prober::new(ToolRunner::new(1, Duration::from_secs(30)));
    let from_file = prober.describe_without_ffprobe(&path, None).expect("a WAV is read natively");
    let gone = folder.path().join("gone.wav");
    let from_head = prober.describe_without_ffprobe(&gone, Some(&bytes)).expect("described from the head");
    assert_eq!(from_head, from_file);
    assert_eq!(from_head.duration_s, Some(0.2));
    // A copy cut short declares more than its head holds.
    let cut = &bytes[..bytes.len() - 1000];
    let truncation = crate::detect_truncation(&gone, Some(cut), regie_core::FileFormat::Wav).expect("cut is found");
    assert_eq!(truncation.present, cut.len() as u64);
    assert!(crate::detect_truncation(&gone, Some(&bytes), regie_core::FileFormat::Wav).is_none());
}
