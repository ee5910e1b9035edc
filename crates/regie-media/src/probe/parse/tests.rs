//! The parser on ffprobe 5.1 output recorded by `recorded/record.sh`.

use super::*;

fn recorded(name: &str, sniffed: FileFormat) -> MediaDescription {
    let path = format!("{}/src/probe/recorded/ffprobe-5.1-{name}.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    parse_ffprobe_json(&json, sniffed).unwrap()
}

fn video(media: &MediaDescription) -> &StreamDescription {
    media.main_video().expect("a video stream")
}

#[test]
fn h264_aac_mp4_is_described_with_ntsc_rate_and_language() {
    let media = recorded("h264_aac", FileFormat::Mp4);
    assert_eq!(media.container, "mp4");
    assert_eq!(media.duration_s, Some(2.002));
    assert_eq!(media.bit_rate, Some(3_199_868));
    let picture = video(&media);
    assert_eq!(picture.codec.as_deref(), Some("h264"));
    assert_eq!(picture.profile.as_deref(), Some("High"));
    assert_eq!(picture.level, Some(31));
    assert_eq!((picture.width, picture.height), (Some(1280), Some(720)));
    assert_eq!(picture.frame_rate.unwrap().to_string(), "30000/1001");
    assert_eq!(picture.field_order.as_deref(), Some("progressive"));
    assert_eq!(picture.chroma.as_deref(), Some("4:2:0"));
    assert_eq!(picture.bit_depth, Some(8));
    assert_eq!(picture.language, None, "und means no language");
    let sound = media.streams_of(StreamKind::Audio).next().unwrap();
    assert_eq!(sound.codec.as_deref(), Some("aac"));
    assert_eq!(sound.channels, Some(2));
    assert_eq!(sound.channel_layout.as_deref(), Some("stereo"));
    assert_eq!(sound.sample_rate, Some(48000));
    assert_eq!(sound.language.as_deref(), Some("fra"));
    assert_eq!(sound.frame_rate, None);
}

#[test]
fn prores_mov_has_its_timecode_and_ten_bit_422() {
    let media = recorded("prores_tc", FileFormat::Mov);
    assert_eq!(media.container, "mov");
    assert_eq!(media.timecode.as_deref(), Some("10:00:00:00"));
    let picture = video(&media);
    assert_eq!(picture.codec.as_deref(), Some("prores"));
    assert_eq!(picture.profile.as_deref(), Some("HQ"));
    assert_eq!(picture.chroma.as_deref(), Some("4:2:2"));
    assert_eq!(picture.bit_depth, Some(10));
    let timecode_track = media.streams_of(StreamKind::Data).next().unwrap();
    assert_eq!(timecode_track.codec.as_deref(), Some("tmcd"));
}

#[test]
fn xdcam_mxf_is_interlaced_with_eight_mono_pcm_tracks() {
    let media = recorded("xdcam", FileFormat::Mxf);
    assert_eq!(media.container, "mxf");
    assert_eq!(media.operational_pattern.as_deref(), Some("OP1a"));
    assert_eq!(media.timecode.as_deref(), Some("10:00:00:00"));
    let picture = video(&media);
    assert_eq!(picture.codec.as_deref(), Some("mpeg2video"));
    assert_eq!(picture.profile.as_deref(), Some("4:2:2"));
    assert_eq!(picture.field_order.as_deref(), Some("tt"));
    assert_eq!(picture.display_aspect_ratio.unwrap().to_string(), "16/9");
    let tracks: Vec<_> = media.streams_of(StreamKind::Audio).collect();
    assert_eq!(tracks.len(), 8);
    assert!(tracks.iter().all(|track| track.channels == Some(1) && track.codec.as_deref() == Some("pcm_s24le")));
    assert!(tracks.iter().all(|track| track.bit_depth == Some(24) && track.sample_rate == Some(48000)));
}

#[test]
fn vp9_opus_matroska_and_mpeg_ts_are_named_by_container() {
    let matroska = recorded("vp9_opus", FileFormat::Matroska);
    assert_eq!(matroska.container, "matroska");
    assert_eq!(video(&matroska).codec.as_deref(), Some("vp9"));
    assert_eq!(matroska.streams_of(StreamKind::Audio).next().unwrap().codec.as_deref(), Some("opus"));
    let transport = recorded("mpeg2", FileFormat::Mpegts);
    assert_eq!(transport.container, "mpegts");
    assert_eq!(video(&transport).codec.as_deref(), Some("mpeg2video"));
}

#[test]
fn wav_reports_24_bit_pcm() {
    let media = recorded("pcm24", FileFormat::Wav);
    assert_eq!(media.container, "wav");
    assert_eq!(media.duration_s, Some(1.0));
    let sound = media.streams_of(StreamKind::Audio).next().unwrap();
    assert_eq!(sound.codec.as_deref(), Some("pcm_s24le"));
    assert_eq!(sound.bit_depth, Some(24));
}

#[test]
fn a_still_image_has_no_duration_and_an_image_section() {
    let media = recorded("still", FileFormat::Jpeg);
    assert_eq!(media.container, "jpeg");
    assert_eq!(media.duration_s, None);
    let image = media.image.clone().expect("image facts");
    assert_eq!((image.format.as_str(), image.width, image.height), ("jpeg", Some(320), Some(240)));
    assert_eq!(video(&media).frame_rate, None);
}

#[test]
fn garbage_and_streamless_output_are_errors() {
    assert_eq!(parse_ffprobe_json("not json", FileFormat::Unknown).unwrap_err().code(), "probe-output-invalid");
    let streamless = r#"{"format": {"format_name": "tty"}, "streams": []}"#;
    assert_eq!(parse_ffprobe_json(streamless, FileFormat::Unknown).unwrap_err().code(), "not-media");
}
