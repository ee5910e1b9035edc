//! Checks a profile before anything of it reaches ffmpeg: every field that becomes an option
//! value or part of a filter graph is one of the values ffmpeg accepts (an enumeration, a number
//! in range), so a crafted profile cannot smuggle filters, options or paths into the command.
//! Fields that go together and containers that fit the streams are checked here too.

use super::{AudioCodec, AudioSpec, Container, Encryption, Profile, VideoCodec, VideoSpec};
use crate::plain_name::is_plain_name;
use crate::{CoreError, Rational};

/// Pixel formats a profile may ask for (ffmpeg's names).
pub const PIXEL_FORMATS: &[&str] = &[
    "yuv420p",
    "yuv422p",
    "yuv444p",
    "yuvj420p",
    "yuvj422p",
    "yuv420p10le",
    "yuv422p10le",
    "yuv444p10le",
    "yuv420p12le",
    "yuv422p12le",
    "yuv444p12le",
    "yuva444p10le",
    "nv12",
    "p010le",
    "rgb24",
    "gbrp10le",
];

/// x264's presets.
pub const H264_PRESETS: &[&str] =
    &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"];

/// The codec profiles each encoder accepts (as regie names them).
fn codec_profiles(codec: VideoCodec) -> &'static [&'static str] {
    match codec {
        VideoCodec::H264 => &["baseline", "main", "high", "high10", "high422", "high444"],
        VideoCodec::Hevc => &["main", "main10"],
        VideoCodec::Av1 => &["main"],
        VideoCodec::Mpeg2 => &["422", "high", "main", "simple"],
        VideoCodec::Prores => &["proxy", "lt", "standard", "hq", "4444"],
    }
}

/// Sample rates an output may have.
const SAMPLE_RATES: &[u32] = &[8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 88_200, 96_000, 192_000];

/// The largest frame side regie makes (8K).
const MAX_SIDE: u32 = 8192;
/// The highest video bit rate a profile may ask for, in kb/s (uncompressed UHD is below it).
const MAX_VIDEO_KBPS: u32 = 2_000_000;

impl Profile {
    /// Checks what serde cannot: values ffmpeg accepts, fields that go together, containers that
    /// fit the streams.
    pub fn validate(&self) -> Result<(), CoreError> {
        let invalid = |reason: &str| Err(CoreError::invalid("profile", &self.name, reason));
        if !is_plain_name(&self.name) {
            return invalid("the name must be letters, digits, '-' and '_' (at most 64)");
        }
        if self.video.is_none() && self.audio.is_none() {
            return invalid("it has neither [video] nor [audio]");
        }
        if (self.container == Container::Cmaf) != self.is_ladder() {
            return invalid("container \"cmaf\" goes with [[video.rung]] entries, and only with them");
        }
        if self.container == Container::Wav && self.video.is_some() {
            return invalid("a WAV file carries no video");
        }
        if let Some(watermark) = &self.watermark {
            if self.video.is_none() {
                return invalid("[watermark] burns a notice into pictures: the profile needs [video]");
            }
            if let Some(problem) = watermark.problem() {
                return invalid(problem);
            }
        }
        if let Some(encryption) = self.encryption {
            if self.container != Container::Cmaf {
                return invalid("encryption protects a packaged ladder: container \"cmaf\"");
            }
            let codec = self.video.as_ref().map(|video| video.codec);
            if encryption == Encryption::Cenc && !matches!(codec, None | Some(VideoCodec::H264 | VideoCodec::Hevc)) {
                return invalid("encryption \"cenc\" is written here for H.264 and HEVC ladders; use \"aes-128\"");
            }
        }
        if !(1..=60).contains(&self.segment_seconds) {
            return invalid("segment_seconds must be 1 to 60");
        }
        if let Some(video) = &self.video
            && let Err(reason) = check_video(video)
        {
            return invalid(&reason);
        }
        if let Some(video) = &self.video {
            let fits = match video.codec {
                VideoCodec::Hevc => matches!(self.container, Container::Mp4 | Container::Mov | Container::Cmaf),
                VideoCodec::Av1 => matches!(self.container, Container::Mp4 | Container::Cmaf),
                _ => true,
            };
            if !fits {
                return invalid("hevc goes in mp4, mov or cmaf; av1 in mp4 or cmaf");
            }
        }
        if let Some(audio) = &self.audio
            && let Err(reason) = check_audio(audio)
        {
            return invalid(&reason);
        }
        Ok(())
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) { Ok(()) } else { Err(format!("{field} must be one of {}", allowed.join(", "))) }
}

fn within(field: &str, value: Option<u32>, low: u32, high: u32) -> Result<(), String> {
    match value {
        Some(value) if !(low..=high).contains(&value) => Err(format!("{field} must be {low} to {high}")),
        _ => Ok(()),
    }
}

fn check_video(video: &VideoSpec) -> Result<(), String> {
    if let Some(rate) = &video.frame_rate {
        let parsed = Rational::parse_lenient(rate)
            .ok_or_else(|| "video.frame_rate is not a frame rate such as 25 or 30000/1001".to_owned())?;
        if !(1.0..=300.0).contains(&parsed.as_f64()) {
            return Err("video.frame_rate must be 1 to 300 frames per second".to_owned());
        }
    }
    if let Some(format) = &video.pixel_format {
        one_of("video.pixel_format", format, PIXEL_FORMATS)?;
    }
    if let Some(profile) = &video.codec_profile {
        one_of("video.codec_profile", profile, codec_profiles(video.codec))?;
    }
    if let Some(preset) = &video.preset {
        if video.codec != VideoCodec::H264 {
            return Err("video.preset applies to h264 only".to_owned());
        }
        one_of("video.preset", preset, H264_PRESETS)?;
    }
    if video.width.is_some() != video.height.is_some() {
        return Err("video.width and video.height go together".to_owned());
    }
    for (field, side) in
        [("video.width", video.width), ("video.height", video.height), ("video.max_height", video.max_height)]
    {
        within(field, side, 16, MAX_SIDE)?;
        if side.is_some_and(|side| side % 2 != 0) {
            return Err(format!("{field} must be even"));
        }
    }
    for (field, rate) in [
        ("video.bitrate_kbps", video.bitrate_kbps),
        ("video.maxrate_kbps", video.maxrate_kbps),
        ("video.minrate_kbps", video.minrate_kbps),
        ("video.bufsize_kbits", video.bufsize_kbits),
    ] {
        within(field, rate, 1, MAX_VIDEO_KBPS)?;
    }
    within("video.crf", video.crf, 0, 51)?;
    within("video.gop_frames", video.gop_frames, 1, 1000)?;
    within("video.b_frames", video.b_frames, 0, 16)?;
    if let Some(seconds) = video.gop_seconds
        && !(seconds.is_finite() && (0.1..=60.0).contains(&seconds))
    {
        return Err("video.gop_seconds must be 0.1 to 60".to_owned());
    }
    if video.rungs.len() > 12 {
        return Err("a ladder has at most 12 rungs".to_owned());
    }
    for rung in &video.rungs {
        if !(16..=MAX_SIDE).contains(&rung.height) || rung.height % 2 != 0 {
            return Err(format!("every rung height must be even, 16 to {MAX_SIDE}"));
        }
        within("rung.bitrate_kbps", Some(rung.bitrate_kbps), 1, MAX_VIDEO_KBPS)?;
        within("rung.maxrate_kbps", rung.maxrate_kbps, 1, MAX_VIDEO_KBPS)?;
        if let Some(profile) = &rung.codec_profile {
            one_of("rung.codec_profile", profile, codec_profiles(video.codec))?;
        }
    }
    Ok(())
}

fn check_audio(audio: &AudioSpec) -> Result<(), String> {
    if audio.tracks == 0 || audio.channels == Some(0) || audio.tracks > 16 {
        return Err("audio.tracks must be 1 to 16, audio.channels at least 1".to_owned());
    }
    within("audio.channels", audio.channels, 1, 16)?;
    if !SAMPLE_RATES.contains(&audio.sample_rate) {
        let rates: Vec<String> = SAMPLE_RATES.iter().map(u32::to_string).collect();
        return Err(format!("audio.sample_rate must be one of {}", rates.join(", ")));
    }
    within("audio.bitrate_kbps", audio.bitrate_kbps, 8, 1024)?;
    if audio.codec == AudioCodec::Aac && audio.bitrate_kbps.is_none() {
        return Err("AAC audio needs audio.bitrate_kbps".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(video: &str) -> Result<(), CoreError> {
        let text = format!("name = \"p\"\ncontainer = \"mp4\"\n[video]\ncodec = \"h264\"\n{video}");
        toml::from_str::<Profile>(&text).unwrap().validate()
    }

    #[test]
    fn hevc_and_av1_go_only_in_containers_that_carry_them() {
        let with = |container: &str, codec: &str, extra: &str| {
            let text = format!("name = \"p\"\ncontainer = \"{container}\"\n[video]\ncodec = \"{codec}\"\n{extra}");
            toml::from_str::<Profile>(&text).unwrap().validate()
        };
        assert!(with("mp4", "hevc", "codec_profile = \"main10\"").is_ok());
        assert!(with("mov", "hevc", "").is_ok());
        assert!(with("mp4", "av1", "codec_profile = \"main\"").is_ok());
        let error = with("mxf", "hevc", "").unwrap_err();
        assert!(error.to_string().contains("hevc goes in mp4, mov or cmaf"), "{error}");
        assert!(with("mov", "av1", "").is_err());
        assert!(with("mp4", "av1", "codec_profile = \"high\"").is_err(), "an H.264 profile");
        assert!(with("mp4", "hevc", "preset = \"slow\"").is_err(), "x264's presets are H.264's");
    }

    #[test]
    fn filter_graph_injection_through_the_pixel_format_is_refused() {
        let error = profile("pixel_format = \"yuv420p,drawtext=textfile=/etc/shadow\"").unwrap_err();
        assert!(error.to_string().contains("video.pixel_format must be one of"), "{error}");
        assert!(profile("pixel_format = \"yuv420p[x];[x]null\"").is_err());
        assert!(profile("pixel_format = \"yuv422p10le\"").is_ok());
    }

    #[test]
    fn option_values_are_enumerations_or_numbers_in_range() {
        assert!(profile("preset = \"fast -f null /tmp/x\"").is_err());
        assert!(profile("codec_profile = \"high -y\"").is_err());
        assert!(profile("codec_profile = \"high\"\npreset = \"slow\"").is_ok());
        assert!(profile("crf = 99").is_err());
        assert!(profile("gop_seconds = nan").is_err());
        assert!(profile("gop_seconds = -1.0").is_err());
        assert!(profile("width = 1919\nheight = 1080").is_err());
        assert!(profile("width = 100000\nheight = 1080").is_err());
        assert!(profile("frame_rate = \"100000\"").is_err());
        assert!(profile("frame_rate = \"30000/1001\"").is_ok());
    }

    #[test]
    fn a_profile_name_is_a_plain_name() {
        let text = "name = \"../x\"\ncontainer = \"wav\"\n[audio]\ncodec = \"pcm_s16le\"";
        assert!(toml::from_str::<Profile>(text).unwrap().validate().is_err());
    }

    #[test]
    fn audio_rates_and_tracks_are_bounded() {
        let audio = |fields: &str| {
            let text = format!("name = \"a\"\ncontainer = \"wav\"\n[audio]\ncodec = \"pcm_s16le\"\n{fields}");
            toml::from_str::<Profile>(&text).unwrap().validate()
        };
        assert!(audio("sample_rate = 48000").is_ok());
        assert!(audio("sample_rate = 12345").is_err());
        assert!(audio("tracks = 17").is_err());
        assert!(audio("channels = 200").is_err());
    }
}
