//! The ffmpeg commands for an asset's previews. A video is decoded once for its proxy, its
//! storyboard sprite, and the samples and candidates the poster is chosen from; images get a
//! thumbnail.

use std::ffi::OsString;
use std::path::Path;

use regie_core::derivative::storyboard::StoryboardLayout;
use regie_core::profile::plan::OutputPlan;

use crate::runner::file_argument;
use crate::transcode_args::{Tap, transcode_arguments, transcode_arguments_with_taps};

/// Side of the square grey samples the poster is chosen from.
pub const LUMA_SAMPLE_SIDE: usize = 16;
pub const LUMA_SAMPLE_BYTES: usize = LUMA_SAMPLE_SIDE * LUMA_SAMPLE_SIDE;

/// File names inside the work folder.
pub const STORYBOARD_FILE: &str = "storyboard.jpg";
pub const LUMA_FILE: &str = "luma.gray";
/// Poster candidates, one per storyboard tile, numbered from 1.
pub const POSTER_CANDIDATES: &str = "frame-%04d.jpg";
pub const THUMBNAIL_FILE: &str = "thumbnail.jpg";

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = OsString> {
    items.into_iter().map(OsString::from)
}

/// One process: the proxy (the plan's single file) and, for video, the storyboard sprite, the
/// grey samples and the poster candidates (proxy-sized JPEGs on the same instants) from the same
/// decode, so the chosen poster is exactly the frame its sample was taken from.
pub fn preview_arguments(
    proxy: &OutputPlan,
    storyboard: Option<&StoryboardLayout>,
    source: &Path,
    output_dir: &Path,
) -> Vec<OsString> {
    let (Some(layout), Some(video)) = (storyboard, &proxy.video) else {
        return transcode_arguments(proxy, source, output_dir);
    };
    let rung = &video.rungs[0];
    // One frame per interval from the start; the last, partial interval gives one too (FFmpeg's
    // default drops it, and a clip shorter than one interval then gives no frame at all).
    let every_interval = format!("fps=1/{}:round=down:eof_action=pass", layout.interval_s);
    let taps = [
        Tap {
            chain: format!(
                "{every_interval},scale={}:{},setsar=1,tile={}x{}",
                layout.tile_width, layout.tile_height, layout.columns, layout.rows
            ),
            label: "board",
        },
        Tap {
            chain: format!("{every_interval},scale={LUMA_SAMPLE_SIDE}:{LUMA_SAMPLE_SIDE},format=gray"),
            label: "luma",
        },
        Tap {
            chain: format!("{every_interval},scale={}:{},setsar=1,format=yuvj420p", rung.width, rung.height),
            label: "frames",
        },
    ];
    let mut arguments = transcode_arguments_with_taps(proxy, source, output_dir, &taps);
    arguments.extend(strings(["-map", "[board]", "-frames:v", "1", "-q:v", "5", "-update", "1", "-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(STORYBOARD_FILE)));
    arguments.extend(strings(["-map", "[luma]", "-f", "rawvideo"]));
    arguments.push(file_argument(&output_dir.join(LUMA_FILE)));
    arguments.extend(strings(["-map", "[frames]", "-q:v", "3", "-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(POSTER_CANDIDATES)));
    arguments
}

/// A thumbnail of a still image, at most 320 pixels wide. ffmpeg turns the picture upright by its
/// EXIF orientation itself (the decoder exports it and the command line applies it).
pub fn thumbnail_arguments(source: &Path, output_dir: &Path) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = strings(["-y", "-v", "error", "-i"]).collect();
    arguments.push(file_argument(source));
    let filters = "scale=w='min(320,iw)':h=-2,setsar=1,format=yuvj420p";
    arguments.extend(strings(["-map", "0:v:0", "-frames:v", "1", "-vf", filters, "-q:v", "3", "-update", "1"]));
    arguments.extend(strings(["-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(THUMBNAIL_FILE)));
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_storyboard_samples_and_poster_candidates_share_one_decode() {
        use regie_core::profile::Container;
        let mut proxy = crate::transcode_args::tests::h264_plan("proxy", Container::Mp4, &[(1280, 720, 1350)], false);
        proxy.duration_s = 5.0;
        let layout = StoryboardLayout::new(5.0, 16.0 / 9.0);
        let arguments = preview_arguments(&proxy, Some(&layout), Path::new("/in/a.mp4"), Path::new("/w"));
        let text: Vec<String> = arguments.iter().map(|argument| argument.to_string_lossy().into_owned()).collect();
        assert_eq!(text.iter().filter(|argument| *argument == "-i").count(), 1);
        let graph = &text[text.iter().position(|argument| argument == "-filter_complex").unwrap() + 1];
        assert!(graph.starts_with("[0:v:0]split=4[s0][s1][s2][s3];"), "{graph}");
        assert!(
            graph.contains("[s3]fps=1/1:round=down:eof_action=pass,scale=1280:720,setsar=1,format=yuvj420p[frames]"),
            "{graph}"
        );
        assert_eq!(text.last().unwrap(), "file:/w/frame-%04d.jpg");
    }
}
