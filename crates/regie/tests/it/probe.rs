//! `regie probe --json` on every generated format: the JSON keys are a contract.

use serde_json::Value;

use crate::fixtures::media;
use crate::harness::TestRegie;

fn probe(name: &str) -> Value {
    let path = media().join(name);
    TestRegie::new().json(&["probe", "--json", path.to_str().unwrap()])
}

fn first_stream<'a>(media: &'a Value, kind: &str) -> &'a Value {
    media["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stream| stream["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream"))
}

#[test]
fn probe_describes_h264_aac_mp4() {
    let media = probe("h264_aac.mp4");
    assert_eq!(media["container"], "mp4");
    assert!((media["duration_s"].as_f64().unwrap() - 2.0).abs() < 0.1);
    assert!(media["bit_rate"].as_u64().unwrap() > 0);
    let video = first_stream(&media, "video");
    assert_eq!(video["codec"], "h264");
    assert_eq!(video["width"], 1280);
    assert_eq!(video["height"], 720);
    assert_eq!(video["frame_rate"], "30000/1001");
    assert_eq!(video["field_order"], "progressive");
    assert_eq!(video["pix_fmt"], "yuv420p");
    let audio = first_stream(&media, "audio");
    assert_eq!(audio["codec"], "aac");
    assert_eq!(audio["channels"], 2);
    assert_eq!(audio["channel_layout"], "stereo");
    assert_eq!(audio["sample_rate"], 48000);
    assert_eq!(audio["language"], "fra");
    for key in
        ["profile", "display_aspect_ratio", "chroma", "bit_depth", "color_primaries", "color_transfer", "sample_format"]
    {
        assert!(video.get(key).is_some(), "key {key} is always present");
    }
}

#[test]
fn probe_reads_the_prores_timecode_track() {
    let media = probe("prores_tc.mov");
    assert_eq!(media["container"], "mov");
    assert_eq!(media["timecode"], "10:00:00:00");
    let video = first_stream(&media, "video");
    assert_eq!(video["codec"], "prores");
    assert_eq!(video["chroma"], "4:2:2");
    assert_eq!(video["bit_depth"], 10);
}

#[test]
fn probe_sees_mxf_op1a_with_eight_mono_pcm_tracks() {
    let media = probe("xdcam.mxf");
    assert_eq!(media["container"], "mxf");
    assert_eq!(media["timecode"], "10:00:00:00");
    let video = first_stream(&media, "video");
    assert_eq!(video["codec"], "mpeg2video");
    assert_eq!(video["field_order"], "tt");
    let audio: Vec<&Value> =
        media["streams"].as_array().unwrap().iter().filter(|stream| stream["type"] == "audio").collect();
    assert_eq!(audio.len(), 8);
    assert!(
        audio
            .iter()
            .all(|track| track["channels"] == 1 && track["codec"] == "pcm_s24le" && track["sample_rate"] == 48000)
    );
}

#[test]
fn probe_names_matroska_transport_stream_wav_and_flac() {
    let matroska = probe("vp9_opus.mkv");
    assert_eq!(matroska["container"], "matroska");
    assert_eq!(first_stream(&matroska, "video")["codec"], "vp9");
    assert_eq!(first_stream(&matroska, "audio")["codec"], "opus");
    assert_eq!(probe("mpeg2.ts")["container"], "mpegts");
    let wav = probe("pcm24.wav");
    assert_eq!(wav["container"], "wav");
    assert_eq!(first_stream(&wav, "audio")["codec"], "pcm_s24le");
    assert_eq!(probe("tone.flac")["container"], "flac");
}

#[test]
fn probe_reads_image_size_and_exif() {
    let jpeg = probe("exif.jpg");
    assert_eq!(jpeg["container"], "jpeg");
    assert_eq!(jpeg["duration_s"], Value::Null);
    assert_eq!(jpeg["image"]["width"], 320);
    assert_eq!(jpeg["image"]["height"], 240);
    assert_eq!(jpeg["image"]["orientation"], 6);
    assert_eq!(jpeg["image"]["capture_date"], "2026-11-22T10:30:00");
    let png = probe("still.png");
    assert_eq!(png["container"], "png");
    assert_eq!(png["image"]["orientation"], Value::Null);
}

#[test]
fn probe_refuses_broken_files_with_clear_errors() {
    let regie = TestRegie::new();
    for (name, expected) in
        [("truncated.mp4", "not readable media"), ("empty.mov", "is empty"), ("random.mp4", "not readable media")]
    {
        let output = regie.run(&["probe", media().join(name).to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected) && stderr.contains(name), "{name}: {stderr}");
    }
    let missing = regie.run(&["probe", "/no/such/file.mov"]);
    assert_eq!(missing.status.code(), Some(3));
}

#[test]
fn wav_is_described_by_the_native_prober_as_ffprobe_describes_it_and_says_so() {
    let path = media().join("pcm24.wav");
    let regie = TestRegie::new();
    let path = path.to_str().unwrap();
    let mut native = regie.json(&["probe", "--json", path]);
    let mut forced = regie.json(&["probe", "--json", "--prober", "native", path]);
    let mut ffprobe = regie.json(&["probe", "--json", "--prober", "ffprobe", path]);
    assert_eq!((native["prober"].as_str(), forced["prober"].as_str()), (Some("native"), Some("native")));
    assert_eq!(ffprobe["prober"], "ffprobe");
    for description in [&mut native, &mut forced, &mut ffprobe] {
        description.as_object_mut().unwrap().remove("prober");
    }
    assert_eq!(native, ffprobe, "every field the same");
    assert_eq!(native, forced);
    assert_eq!(probe("h264_aac.mp4")["prober"], "native", "MP4 is read natively too");
    for name in ["vp9_opus.mkv", "xdcam.mxf", "interlaced_1080i25.mxf", "mpeg2.ts"] {
        assert_eq!(probe(name)["prober"], "native", "{name} is read natively too");
        let path = media().join(name);
        let mut by_each = ["native", "ffprobe"]
            .map(|prober| regie.json(&["probe", "--json", "--prober", prober, path.to_str().unwrap()]));
        for description in &mut by_each {
            description.as_object_mut().unwrap().remove("prober");
        }
        assert_eq!(by_each[0], by_each[1], "{name}: every field the same");
    }
    // An AVI is a format it does not read: ffprobe is asked.
    let avi = regie.scratch("avi").join("clip.avi");
    crate::fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25",
        "-t",
        "1",
        "-c:v",
        "mpeg4",
        avi.to_str().unwrap(),
    ]);
    let asked = regie.json(&["probe", "--json", avi.to_str().unwrap()]);
    assert_eq!(asked["prober"], "ffprobe", "what it does not read goes to ffprobe");
    assert_eq!(asked["container"], "avi");

    let refused = regie.run(&["probe", "--prober", "native", avi.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a format it reads"));
    let unknown = regie.run(&["probe", "--prober", "mediainfo", path]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("use auto, native or ffprobe"));

    // A WAV whose data chunk claims more than the file holds is left to ffprobe.
    let folder = regie.scratch("cut");
    let cut = folder.join("cut.wav");
    let bytes = std::fs::read(media().join("pcm24.wav")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let described = regie.json(&["probe", "--json", cut.to_str().unwrap()]);
    assert_eq!(described["prober"], "ffprobe", "{described}");
}
