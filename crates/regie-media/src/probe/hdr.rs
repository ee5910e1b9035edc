//! An HDR10 source's mastering display and content light levels, which ffprobe gives only as
//! side data of the frames (in the HEVC SEI or AV1 metadata), read from the first frame.

use std::ffi::OsString;
use std::path::Path;

use regie_core::Rational;
use regie_core::profile::plan::{ContentLight, MasteringDisplay};
use serde::Deserialize;

use crate::runner::file_argument;

/// Arguments for the side data of the first video frame, as JSON.
pub(crate) fn first_frame_arguments(path: &Path) -> Vec<OsString> {
    let fixed = ["-hide_banner", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames"];
    let mut arguments: Vec<OsString> = fixed.into_iter().map(OsString::from).collect();
    for argument in ["-show_entries", "frame=side_data_list", "-print_format", "json", "-i"] {
        arguments.push(argument.into());
    }
    arguments.push(file_argument(path));
    arguments
}

#[derive(Deserialize)]
struct Frames {
    #[serde(default)]
    frames: Vec<Frame>,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    side_data_list: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// The mastering display and light levels in ffprobe's JSON of the first frame; each `None`
/// when absent or implausible.
pub fn parse_hdr_side_data(json: &str) -> (Option<MasteringDisplay>, Option<ContentLight>) {
    let Ok(parsed) = serde_json::from_str::<Frames>(json) else { return (None, None) };
    let Some(frame) = parsed.frames.into_iter().next() else { return (None, None) };
    let mut mastering = None;
    let mut light = None;
    for entry in &frame.side_data_list {
        let number = |key: &str| {
            entry.get(key).and_then(|value| value.as_str()).and_then(Rational::parse_lenient).map(Rational::as_f64)
        };
        let point = |x: &str, y: &str| Some((number(x)?, number(y)?));
        match entry.get("side_data_type").and_then(|value| value.as_str()) {
            Some("Mastering display metadata") => {
                mastering = (|| {
                    MasteringDisplay {
                        green: point("green_x", "green_y")?,
                        blue: point("blue_x", "blue_y")?,
                        red: point("red_x", "red_y")?,
                        white: point("white_point_x", "white_point_y")?,
                        max_luminance: number("max_luminance")?,
                        min_luminance: number("min_luminance")?,
                    }
                    .plausible()
                })();
            }
            Some("Content light level metadata") => {
                let level =
                    |key: &str| entry.get(key).and_then(serde_json::Value::as_u64).filter(|level| *level <= 10_000);
                light = level("max_content")
                    .zip(level("max_average"))
                    .map(|(max_cll, max_fall)| ContentLight { max_cll: max_cll as u32, max_fall: max_fall as u32 });
            }
            _ => {}
        }
    }
    (mastering, light)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffprobes_side_data_gives_the_master_display_and_light_levels() {
        let json = r#"{"frames":[{"side_data_list":[
            {"side_data_type":"Mastering display metadata","red_x":"34000/50000","red_y":"16000/50000",
             "green_x":"13250/50000","green_y":"34500/50000","blue_x":"7500/50000","blue_y":"3000/50000",
             "white_point_x":"15635/50000","white_point_y":"16450/50000","min_luminance":"50/10000",
             "max_luminance":"10000000/10000"},
            {"side_data_type":"Content light level metadata","max_content":1000,"max_average":400},
            {"side_data_type":"H.26[45] User Data Unregistered SEI message"}]}]}"#;
        let (mastering, light) = parse_hdr_side_data(json);
        let mastering = mastering.unwrap();
        assert_eq!(mastering.x265(), "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)");
        assert_eq!(light, Some(ContentLight { max_cll: 1000, max_fall: 400 }));
        assert_eq!(parse_hdr_side_data(r#"{"frames":[{}]}"#), (None, None));
        assert_eq!(parse_hdr_side_data("not json"), (None, None));
        let absurd = json.replace("\"max_content\":1000", "\"max_content\":99999999");
        assert_eq!(parse_hdr_side_data(&absurd).1, None, "no light level beyond 10,000 cd/m²");
    }
}
