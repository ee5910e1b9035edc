//! Previews made by a worker after ingest: proxy, poster, storyboard, waveform, thumbnail.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::copy_into;
use crate::harness::TestRegie;

/// Ingests one fixture, runs a worker until nothing is left, and returns the asset.
pub fn ingest_and_process(regie: &TestRegie, fixture: &str) -> Value {
    let inbox = regie.scratch("inbox");
    let paths = copy_into(&inbox, &[fixture]);
    let (code, lines) = regie.ingest(&[&paths[0]], &[]);
    assert_eq!(code, 0, "{lines:#?}");
    let output = regie.run(&["worker", "--until-idle"]);
    assert!(output.status.success(), "worker: {}", String::from_utf8_lossy(&output.stderr));
    let id = lines[0]["asset_id"].as_str().unwrap();
    regie.json(&["assets", "show", id, "--json"])
}

pub fn file_of<'a>(asset: &'a Value, role: &str) -> &'a Value {
    asset["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["role"] == role)
        .unwrap_or_else(|| panic!("no {role} file in {asset:#}"))
}

pub fn blob(regie: &TestRegie, blake3: &str) -> PathBuf {
    regie.blob(blake3)
}

/// ffprobe's JSON for a file.
pub fn ffprobe(path: &Path) -> Value {
    let output = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-of", "json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "ffprobe {}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The mean grey level of a picture (0 black to 255 white), by ffmpeg.
fn mean_grey(path: &Path) -> u8 {
    let output = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", "scale=1:1:flags=area,format=gray", "-f", "rawvideo", "-"])
        .output()
        .unwrap();
    assert!(output.status.success());
    output.stdout[0]
}

#[test]
fn interlaced_hd_gets_a_deinterlaced_720_line_proxy_a_poster_a_storyboard_and_a_waveform() {
    let regie = TestRegie::new();
    let asset = ingest_and_process(&regie, "interlaced_1080i25.mxf");

    let proxy = file_of(&asset, "proxy");
    assert_eq!(proxy["format"], "mp4");
    let media = &proxy["media"];
    assert_eq!(media["container"], "mp4");
    let video = media["streams"].as_array().unwrap().iter().find(|stream| stream["type"] == "video").unwrap();
    assert_eq!(
        (video["codec"].as_str(), video["width"].as_u64(), video["height"].as_u64()),
        (Some("h264"), Some(1280), Some(720))
    );
    assert_eq!(video["field_order"], "progressive", "deinterlaced");
    assert_eq!(video["frame_rate"], "25/1");
    let audio = media["streams"].as_array().unwrap().iter().find(|stream| stream["type"] == "audio").unwrap();
    assert_eq!((audio["codec"].as_str(), audio["channels"].as_u64()), (Some("aac"), Some(2)));
    assert!((media["duration_s"].as_f64().unwrap() - 5.0).abs() <= 0.041, "{media:#}");
    let bit_rate = media["bit_rate"].as_u64().unwrap();
    assert!(bit_rate < 2_200_000, "about 1.5 Mb/s, not {bit_rate}");
    let proxy_bytes = std::fs::read(blob(&regie, proxy["blake3"].as_str().unwrap())).unwrap();
    let moov = proxy_bytes.windows(4).position(|window| window == b"moov").unwrap();
    let mdat = proxy_bytes.windows(4).position(|window| window == b"mdat").unwrap();
    assert!(moov < mdat, "fast start: the index comes before the media");

    let poster = blob(&regie, file_of(&asset, "poster")["blake3"].as_str().unwrap());
    let poster_probe = ffprobe(&poster);
    assert_eq!(poster_probe["streams"][0]["codec_name"], "mjpeg");
    assert_eq!(poster_probe["streams"][0]["height"], 720);

    let sprite = blob(&regie, file_of(&asset, "storyboard")["blake3"].as_str().unwrap());
    let sprite_probe = ffprobe(&sprite);
    assert_eq!(
        (sprite_probe["streams"][0]["width"].as_u64(), sprite_probe["streams"][0]["height"].as_u64()),
        (Some(800), Some(90))
    );
    let index =
        std::fs::read_to_string(blob(&regie, file_of(&asset, "storyboard-index")["blake3"].as_str().unwrap())).unwrap();
    assert!(index.starts_with("WEBVTT\n"));
    assert_eq!(index.matches(" --> ").count(), 5, "{index}");
    assert!(index.contains("00:00:04.000 --> 00:00:05.000\nstoryboard#xywh=640,0,160,90"), "{index}");

    let waveform: Value = serde_json::from_slice(
        &std::fs::read(blob(&regie, file_of(&asset, "waveform")["blake3"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!((waveform["channels"].as_u64(), waveform["bits"].as_u64()), (Some(1), Some(8)));
    let data = waveform["data"].as_array().unwrap();
    assert_eq!(data.len() as u64, waveform["length"].as_u64().unwrap() * 2);
    let loudest = data.iter().map(|value| value.as_i64().unwrap().abs()).max().unwrap();
    assert!(loudest > 10, "the tone shows in the peaks ({loudest})");

    let jobs = regie.json(&["jobs", "list", "--json"]);
    assert_eq!(jobs[0]["state"], "succeeded");
    assert_eq!(jobs[0]["progress"], 100.0);
}

#[test]
fn the_poster_is_not_a_black_frame() {
    let regie = TestRegie::new();
    let asset = ingest_and_process(&regie, "late_picture_1080p25.mp4");
    let poster = blob(&regie, file_of(&asset, "poster")["blake3"].as_str().unwrap());
    let grey = mean_grey(&poster);
    assert!(grey > 40, "the programme is black for 3 s; the poster must come after (mean grey {grey})");
}

#[test]
fn a_clip_shorter_than_one_storyboard_interval_gets_its_previews() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    let clip = inbox.join("sting.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "0.4", "-c:v", "libx264"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, lines) = regie.ingest(&[&clip], &[]);
    assert_eq!(code, 0, "{lines:#?}");
    let output = regie.run(&["worker", "--until-idle"]);
    assert!(output.status.success(), "worker: {}", String::from_utf8_lossy(&output.stderr));
    let jobs = regie.json(&["jobs", "list", "--json"]);
    assert_eq!(jobs[0]["state"], "succeeded", "{jobs:#}");
    let asset = regie.json(&["assets", "show", lines[0]["asset_id"].as_str().unwrap(), "--json"]);
    let sprite = ffprobe(&blob(&regie, file_of(&asset, "storyboard")["blake3"].as_str().unwrap()));
    assert_eq!(sprite["streams"][0]["width"], 160, "one tile");
    let index =
        std::fs::read_to_string(blob(&regie, file_of(&asset, "storyboard-index")["blake3"].as_str().unwrap())).unwrap();
    assert_eq!(index.matches(" --> ").count(), 1, "{index}");
    assert!(mean_grey(&blob(&regie, file_of(&asset, "poster")["blake3"].as_str().unwrap())) > 20);
}

#[test]
fn a_sideways_photo_gets_an_upright_thumbnail() {
    let regie = TestRegie::new();
    let asset = ingest_and_process(&regie, "exif.jpg");
    let original = &file_of(&asset, "original")["media"]["image"];
    let (width, height) = (original["width"].as_u64().unwrap(), original["height"].as_u64().unwrap());
    assert!(width > height, "the fixture is stored landscape with orientation 6");
    let thumbnail = ffprobe(&blob(&regie, file_of(&asset, "thumbnail")["blake3"].as_str().unwrap()));
    let stream = &thumbnail["streams"][0];
    assert_eq!(stream["codec_name"], "mjpeg");
    assert!(stream["width"].as_u64().unwrap() <= 320);
    assert!(stream["height"].as_u64().unwrap() > stream["width"].as_u64().unwrap(), "turned upright: {stream:#}");
    assert!(asset["files"].as_array().unwrap().iter().all(|file| file["role"] != "proxy"));
}
