//! The quality of an encode against its source, measured by ffmpeg's `psnr` and `ssim` filters
//! in one decode of both: each rung is scaled to the comparison size (the ladder's top rung, as
//! a player fills the screen), the source goes through the same deinterlacing and frame-rate
//! conversion the encode did, and both start at zero. No VMAF: Debian's ffmpeg has no libvmaf.

use std::ffi::OsString;
use std::path::Path;

use regie_core::profile::plan::VideoPlan;

use crate::runner::file_argument;

pub use regie_core::quality::Quality;

/// PSNR given for pictures identical to their source (ffmpeg says `inf`).
pub const IDENTICAL_PSNR_DB: f64 = 100.0;

/// The ffmpeg arguments that compare video stream `stream` of `encoded` with `source`, at
/// `width` x `height`, as `plan` made it; the summary is on stderr (see [`parse_quality`]).
pub fn quality_arguments(
    encoded: &Path,
    stream: usize,
    source: &Path,
    plan: &VideoPlan,
    size: (u32, u32),
) -> Vec<OsString> {
    quality_arguments_from(encoded, stream, source, 0.0, plan, size)
}

/// [`quality_arguments`] for an encode of the source from `source_start_s` on (a sample).
pub fn quality_arguments_from(
    encoded: &Path,
    stream: usize,
    source: &Path,
    source_start_s: f64,
    plan: &VideoPlan,
    (width, height): (u32, u32),
) -> Vec<OsString> {
    let mut reference = Vec::new();
    if plan.deinterlace {
        reference.push("bwdif=mode=send_frame:parity=auto:deint=all".to_owned());
    }
    if plan.convert_rate {
        reference.push(format!("fps={}", plan.frame_rate));
    }
    let common = format!("scale={width}:{height}:flags=bicubic,setsar=1,format=yuv444p,setpts=PTS-STARTPTS");
    reference.push(common.clone());
    let graph = format!(
        "[0:v:{stream}]{common},split[e1][e2];[1:v:0]{},split[s1][s2];\
         [e1][s1]psnr=shortest=1;[e2][s2]ssim=shortest=1",
        reference.join(",")
    );
    let mut arguments: Vec<OsString> = ["-v", "info", "-i"].into_iter().map(OsString::from).collect();
    arguments.push(file_argument(encoded));
    if source_start_s > 0.0 {
        arguments.push("-ss".into());
        arguments.push(format!("{source_start_s:.3}").into());
    }
    arguments.push("-i".into());
    arguments.push(file_argument(source));
    for argument in ["-filter_complex", &graph, "-f", "null", "-"] {
        arguments.push(argument.into());
    }
    arguments
}

/// The PSNR and SSIM in ffmpeg's summary lines (`PSNR ... average:41.2 ...`, `SSIM ... All:0.98
/// (...)`); `None` when either is missing.
pub fn parse_quality(stderr: &str) -> Option<Quality> {
    let value_after = |marker: &str, key: &str| {
        let line = stderr.lines().rev().find(|line| line.contains(marker))?;
        let text = line.split(key).nth(1)?.split_whitespace().next()?;
        match text {
            "inf" => Some(IDENTICAL_PSNR_DB),
            number => number.parse::<f64>().ok().filter(|value| value.is_finite()),
        }
    };
    let psnr = value_after("] PSNR ", "average:")?.min(IDENTICAL_PSNR_DB);
    let ssim = value_after("] SSIM ", "All:")?;
    Some(Quality { psnr, ssim })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_lines_give_psnr_and_ssim() {
        let stderr = "frame=   25 fps=0.0 q=-0.0 Lsize=N/A\n\
            [Parsed_ssim_4 @ 0x55] SSIM Y:0.468700 (2.746600) U:0.585609 (3.825900) V:0.625476 (4.265198) All:0.514314 (3.136444)\n\
            [Parsed_psnr_3 @ 0x55] PSNR y:27.173594 u:27.373304 v:27.327631 average:27.231736 min:27.21 max:27.27\n";
        assert_eq!(parse_quality(stderr), Some(Quality { psnr: 27.231736, ssim: 0.514314 }));
        let identical = "[Parsed_psnr_1 @ 0x1] PSNR y:inf u:inf v:inf average:inf min:inf max:inf\n\
                         [Parsed_ssim_2 @ 0x1] SSIM Y:1.000000 (inf) U:1.000000 (inf) V:1.000000 (inf) All:1.000000 (inf)";
        assert_eq!(parse_quality(identical), Some(Quality { psnr: IDENTICAL_PSNR_DB, ssim: 1.0 }));
        assert_eq!(parse_quality("Conversion failed!"), None);
        assert_eq!(parse_quality("[Parsed_psnr_1 @ 0x1] PSNR average:40.0"), None, "no SSIM line");
    }
}
