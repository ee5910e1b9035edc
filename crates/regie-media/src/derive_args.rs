//! The ffmpeg commands for an asset's previews. A video is decoded once for its proxy, its
//! storyboard sprite and the small grey samples the poster is chosen from; the poster is then
//! cut at the chosen instant, and images get a thumbnail turned upright.

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
pub const POSTER_FILE: &str = "poster.jpg";
pub const THUMBNAIL_FILE: &str = "thumbnail.jpg";

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = OsString> {
    items.into_iter().map(OsString::from)
}

/// One process: the proxy (the plan's single file) and, for video, the storyboard sprite and the
/// poster samples from the same decode.
pub fn preview_arguments(
    proxy: &OutputPlan,
    storyboard: Option<&StoryboardLayout>,
    source: &Path,
    output_dir: &Path,
) -> Vec<OsString> {
    let Some(layout) = storyboard.filter(|_| proxy.video.is_some()) else {
        return transcode_arguments(proxy, source, output_dir);
    };
    let interval = layout.interval_s;
    let taps = [
        Tap {
            chain: format!(
                "fps=1/{interval}:round=down,scale={}:{},setsar=1,tile={}x{}",
                layout.tile_width, layout.tile_height, layout.columns, layout.rows
            ),
            label: "board",
        },
        Tap {
            chain: format!("fps=1/{interval}:round=down,scale={LUMA_SAMPLE_SIDE}:{LUMA_SAMPLE_SIDE},format=gray"),
            label: "luma",
        },
    ];
    let mut arguments = transcode_arguments_with_taps(proxy, source, output_dir, &taps);
    arguments.extend(strings(["-map", "[board]", "-frames:v", "1", "-q:v", "5", "-update", "1", "-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(STORYBOARD_FILE)));
    arguments.extend(strings(["-map", "[luma]", "-f", "rawvideo"]));
    arguments.push(file_argument(&output_dir.join(LUMA_FILE)));
    arguments
}

/// The poster: one frame at `at_s`, at the proxy's size.
pub fn poster_arguments(source: &Path, at_s: f64, proxy: &OutputPlan, output_dir: &Path) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = strings(["-y", "-v", "error", "-ss", &format!("{at_s:.3}"), "-i"]).collect();
    arguments.push(file_argument(source));
    let mut filters = Vec::new();
    if let Some(video) = &proxy.video {
        if video.deinterlace {
            filters.push("bwdif=mode=send_frame:parity=auto:deint=all".to_owned());
        }
        let rung = &video.rungs[0];
        filters.push(format!("scale={}:{},setsar=1", rung.width, rung.height));
    }
    filters.push("format=yuvj420p".to_owned());
    arguments.extend(strings(["-map", "0:v:0", "-an", "-sn", "-frames:v", "1", "-vf", &filters.join(",")]));
    arguments.extend(strings(["-q:v", "3", "-update", "1", "-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(POSTER_FILE)));
    arguments
}

/// A thumbnail of a still image, at most 320 pixels wide, turned upright by its EXIF orientation.
pub fn thumbnail_arguments(source: &Path, orientation: Option<u16>, output_dir: &Path) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = strings(["-y", "-v", "error", "-i"]).collect();
    arguments.push(file_argument(source));
    let upright = match orientation {
        Some(2) => "hflip,",
        Some(3) => "hflip,vflip,",
        Some(4) => "vflip,",
        Some(5) => "transpose=0,",
        Some(6) => "transpose=1,",
        Some(7) => "transpose=3,",
        Some(8) => "transpose=2,",
        _ => "",
    };
    let filters = format!("{upright}scale=w='min(320,iw)':h=-2,setsar=1,format=yuvj420p");
    arguments.extend(strings(["-map", "0:v:0", "-frames:v", "1", "-vf", &filters, "-q:v", "3", "-update", "1"]));
    arguments.extend(strings(["-f", "image2"]));
    arguments.push(file_argument(&output_dir.join(THUMBNAIL_FILE)));
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sideways_photo_is_turned_upright() {
        let arguments = thumbnail_arguments(Path::new("/in/p.jpg"), Some(6), Path::new("/w"));
        let text: Vec<String> = arguments.iter().map(|argument| argument.to_string_lossy().into_owned()).collect();
        assert!(text.contains(&"transpose=1,scale=w='min(320,iw)':h=-2,setsar=1,format=yuvj420p".to_owned()));
        assert_eq!(text.last().unwrap(), "file:/w/thumbnail.jpg");
    }
}
