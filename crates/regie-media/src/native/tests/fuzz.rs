//! A bounded-time fuzzer for the native prober, on the stable toolchain: for each format, inputs
//! made by ffmpeg are mutated (bytes flipped, length fields set to extremes, cuts, repeated
//! spans) and probed for `REGIE_FUZZ_SECONDS` seconds each (2 by default; CI gives more). The
//! prober must never panic and never take a damaged MP4 for whole; an input that makes it panic
//! is written to `target/fuzz-crashes/` and fails the test, to become a regression test.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::matroska::MATROSKAS;
use super::movies::{MOVIES, movie};
use super::mpegts::STREAMS;
use super::mxf::MXFS;
use super::{PICTURES, VARIANTS, make, picture};
use crate::native::{Native, probe_native};

/// Length fields are set to these (and to values near the input's own size).
const EXTREMES: [u32; 8] = [0, 1, 7, 8, 16, 0x7FFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFFF];

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// One mutation of `input`, focused on its first `header` bytes where the headers are.
fn mutate(input: &[u8], header: usize, random: &mut Random) -> Vec<u8> {
    let mut output = input.to_vec();
    for _ in 0..=random.below(4) {
        let region = header.min(output.len());
        if region == 0 {
            break;
        }
        match random.below(6) {
            0 => {
                let at = random.below(region);
                output[at] = random.next() as u8;
            }
            1 if region >= 4 => {
                let at = random.below(region - 3);
                let value = match random.below(3) {
                    0 => EXTREMES[random.below(EXTREMES.len())],
                    1 => (input.len() as u32).wrapping_add(random.below(32) as u32).wrapping_sub(16),
                    _ => random.next() as u32,
                };
                let bytes = if random.below(2) == 0 { value.to_be_bytes() } else { value.to_le_bytes() };
                output[at..at + 4].copy_from_slice(&bytes);
            }
            2 => output.truncate(random.below(output.len() + 1)),
            3 if region >= 16 => {
                let start = random.below(region - 8);
                let end = (start + 8 + random.below(64)).min(output.len());
                let span = output[start..end].to_vec();
                let at = random.below(region);
                output.splice(at..at, span);
            }
            4 if region >= 8 => {
                let start = random.below(region - 4);
                let end = (start + 4 + random.below(32)).min(output.len());
                output.drain(start..end);
            }
            _ => {
                let at = random.below(region);
                output[at] ^= 1 << random.below(8);
            }
        }
    }
    output
}

fn seconds_per_format() -> Duration {
    let seconds = std::env::var("REGIE_FUZZ_SECONDS").ok().and_then(|value| value.parse().ok()).unwrap_or(2.0f64);
    Duration::from_secs_f64(seconds.clamp(0.1, 3600.0))
}

/// The files of one format to start from, and how many of their first bytes hold headers.
fn seeds(folder: &Path) -> Vec<(&'static str, Vec<PathBuf>, usize)> {
    let sound = |names: &[usize]| -> Vec<PathBuf> {
        names.iter().map(|index| make(folder, VARIANTS[*index].0, VARIANTS[*index].1, VARIANTS[*index].2)).collect()
    };
    let movies = |names: &[usize]| -> Vec<PathBuf> {
        names.iter().map(|index| movie(folder, MOVIES[*index].0, MOVIES[*index].1)).collect()
    };
    vec![
        ("wav", sound(&[1, 8, 11, 12]), 512),
        ("aiff", sound(&[13, 14]), 512),
        ("flac", sound(&[17, 18]), 8_192),
        ("mp3", sound(&[21, 22, 23, 29]), 2_048),
        ("png", [0, 5].iter().map(|index| picture(folder, PICTURES[*index].0, PICTURES[*index].1)).collect(), 1_024),
        (
            "dpx",
            [8, 13, 17].iter().map(|index| picture(folder, PICTURES[*index].0, PICTURES[*index].1)).collect(),
            2_048,
        ),
        (
            "jpeg",
            [18, 19, 21].iter().map(|index| picture(folder, PICTURES[*index].0, PICTURES[*index].1)).collect(),
            1_024,
        ),
        (
            "tiff",
            [26, 27, 33].iter().map(|index| picture(folder, PICTURES[*index].0, PICTURES[*index].1)).collect(),
            1_024,
        ),
        ("exr", [22, 24].iter().map(|index| picture(folder, PICTURES[*index].0, PICTURES[*index].1)).collect(), 1_024),
        ("mp4", movies(&[1, 15, 19, 35]), 8_192),
        ("mov", movies(&[24, 27, 29]), 8_192),
        ("mpegts", [0, 1, 2].iter().map(|index| movie(folder, STREAMS[*index].0, STREAMS[*index].1)).collect(), 8_192),
        ("mxf", [0, 3, 7, 8].iter().map(|index| movie(folder, MXFS[*index].0, MXFS[*index].1)).collect(), 16_384),
        (
            "matroska",
            [0, 4, 10, 13].iter().map(|index| movie(folder, MATROSKAS[*index].0, MATROSKAS[*index].1)).collect(),
            8_192,
        ),
    ]
}

#[test]
fn the_native_prober_survives_mutated_inputs_of_every_format() {
    let folder = tempfile::tempdir().unwrap();
    let budget = seconds_per_format();
    let mut random = Random(0x5DEE_CE66_D1CE_4E5B ^ u64::from(std::process::id()));
    for (format, files, header) in seeds(folder.path()) {
        let inputs: Vec<Vec<u8>> = files.iter().map(|path| std::fs::read(path).unwrap()).collect();
        // A movie whose media data comes before its movie box has its headers at the end, so the
        // last bytes are mutated too, one time in three.
        let started = Instant::now();
        let mut runs = 0u64;
        while started.elapsed() < budget {
            let input = &inputs[random.below(inputs.len())];
            let mut mutated = mutate(input, header, &mut random);
            if random.below(3) == 0 && input.len() > header {
                let tail = mutate(&input[input.len() - header..], header, &mut random);
                mutated.truncate(input.len() - header);
                mutated.extend(tail);
            }
            let size = if random.below(8) == 0 { random.next() } else { mutated.len() as u64 };
            let outcome = std::panic::catch_unwind(|| probe_native(&mut std::io::Cursor::new(&mutated), size));
            if outcome.is_err() {
                let crashes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
                std::fs::create_dir_all(&crashes).unwrap();
                let saved = crashes.join(format!("{format}-{runs}.bin"));
                std::fs::write(&saved, &mutated).unwrap();
                panic!("the native prober panicked on a mutated {format} (size {size}), saved as {}", saved.display());
            }
            runs += 1;
        }
        eprintln!("fuzz: {format}: {runs} mutated inputs in {:.1} s, no panic", started.elapsed().as_secs_f64());
        assert!(runs > 100, "{format}: only {runs} inputs in the time given");
    }
}

/// Inputs the fuzzers found crashing the prober, rebuilt from files ffmpeg writes: each must be
/// left to ffprobe (or described), never panic.
#[test]
fn inputs_that_crashed_it_once_are_left_to_ffprobe() {
    let folder = tempfile::tempdir().unwrap();
    // 2026-12-04, the stable fuzzer: a TIFF whose resolutions make a pixel aspect of nearly 2^64
    // overflowed when multiplied by the width.
    let tiff = std::fs::read(picture(folder.path(), "rgb24.tif", "-pix_fmt rgb24")).unwrap();
    let directory = u32::from_le_bytes(tiff[4..8].try_into().unwrap()) as usize;
    let count = usize::from(u16::from_le_bytes([tiff[directory], tiff[directory + 1]]));
    let mut extreme = tiff.clone();
    for index in 0..count {
        let entry = directory + 2 + index * 12;
        let tag = u16::from_le_bytes([tiff[entry], tiff[entry + 1]]);
        let at = u32::from_le_bytes(tiff[entry + 8..entry + 12].try_into().unwrap()) as usize;
        let (num, den) = match tag {
            282 => (1u32, u32::MAX),
            283 => (u32::MAX, 1),
            _ => continue,
        };
        extreme[at..at + 4].copy_from_slice(&num.to_le_bytes());
        extreme[at + 4..at + 8].copy_from_slice(&den.to_le_bytes());
    }
    let outcome = probe_native(&mut std::io::Cursor::new(&extreme), extreme.len() as u64);
    assert!(matches!(outcome, Native::Unsure(ref reason) if reason.contains("aspect")), "{outcome:?}");
    // 2026-12-04, cargo-fuzz: a transport stream whose program map section is no longer than
    // its fixed fields indexed past them.
    let mut stream = Vec::new();
    let mut packet = |pid: u16, section: &[u8]| {
        let mut bytes = vec![0x47, 0x40 | (pid >> 8) as u8, pid as u8, 0x10, 0x00];
        bytes.extend(section);
        bytes.resize(188, 0xFF);
        stream.extend(bytes);
    };
    // PAT: program 1 on PID 0x1000; PMT: a section of 9 bytes (header and CRC only).
    packet(0, &[0x00, 0xB0, 0x0D, 0, 1, 0xC1, 0, 0, 0, 1, 0xF0, 0x00, 0, 0, 0, 0]);
    packet(0x1000, &[0x02, 0xB0, 0x09, 0, 1, 0xC1, 0, 0, 0, 0, 0, 0]);
    packet(0x1FFF, &[]);
    packet(0x1FFF, &[]);
    let outcome = probe_native(&mut std::io::Cursor::new(&stream), stream.len() as u64);
    assert!(matches!(outcome, Native::Unsure(ref reason) if reason.contains("cut short")), "{outcome:?}");
    // An MP3 without a Xing header whose size is claimed to be nearly 2^64 bytes overflowed the
    // duration estimated from the bit rate.
    let mp3 = std::fs::read(make(folder.path(), "no-xing.mp3", "44100", "-c:a libmp3lame -write_xing 0")).unwrap();
    let outcome = probe_native(&mut std::io::Cursor::new(&mp3), u64::MAX - 3);
    assert!(!matches!(outcome, Native::NotMine), "{outcome:?}");
}
