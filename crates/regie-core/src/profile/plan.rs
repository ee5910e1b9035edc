//! The exact output a profile makes from one source: frame sizes, rate, scan, audio tracks.
//! Decided here, once, so that the ffmpeg command and the verification agree.

use serde::Serialize;

use super::{AudioCodec, Container, Profile, Scan, Speed, VideoCodec};
use crate::{CoreError, MediaDescription, Rational, StreamKind};

/// What to make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputPlan {
    pub profile: String,
    pub container: Container,
    pub video: Option<VideoPlan>,
    pub audio: Option<AudioPlan>,
    /// The source's duration: every output must last as long, within one frame.
    pub duration_s: f64,
    pub segment_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoPlan {
    pub codec: VideoCodec,
    /// One rung for a single file; several for a ladder, largest first.
    pub rungs: Vec<RungPlan>,
    pub frame_rate: Rational,
    /// The source runs at another rate: frames are dropped or repeated.
    pub convert_rate: bool,
    /// The source is interlaced and the output progressive.
    pub deinterlace: bool,
    /// The output is interlaced, top field first.
    pub interlaced: bool,
    /// Fixed frame size: the picture is scaled to fit and boxed.
    pub boxed: bool,
    pub pixel_format: Option<String>,
    pub preset: Option<String>,
    pub speed: Speed,
    pub crf: Option<u32>,
    pub minrate_kbps: Option<u32>,
    pub bufsize_kbits: Option<u32>,
    pub gop_frames: u32,
    pub b_frames: Option<u32>,
    /// The source's HDR signalling, carried into a 10-bit HEVC or AV1 output.
    pub hdr: Option<HdrSignal>,
    /// A recipient's notice burnt into every rung (set by the caller for a screener).
    pub burn_in: Option<super::watermark::BurnIn>,
}

/// How an HDR picture is to be read: BT.2020 primaries with the PQ (`smpte2084`) or HLG
/// (`arib-std-b67`) transfer, as ffmpeg names them (only these two, so a value is never passed on
/// unchecked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HdrSignal {
    pub primaries: &'static str,
    pub transfer: &'static str,
    /// The matrix that goes with BT.2020 primaries.
    pub matrix: &'static str,
    /// The HDR10 master's display and light levels, read from the source's first frame by the
    /// job (the description of a file does not hold them).
    pub mastering: Option<MasteringDisplay>,
    pub light: Option<ContentLight>,
}

/// The mastering display of an HDR10 picture (SMPTE ST 2086): chromaticities (x, y) from 0 to 1
/// and luminance in cd/m².
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MasteringDisplay {
    pub green: (f64, f64),
    pub blue: (f64, f64),
    pub red: (f64, f64),
    pub white: (f64, f64),
    pub max_luminance: f64,
    pub min_luminance: f64,
}

/// The content light levels of an HDR10 picture (CTA-861.3), in cd/m².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ContentLight {
    pub max_cll: u32,
    pub max_fall: u32,
}

impl MasteringDisplay {
    /// Only values a display can have: chromaticities within 0 to 1, luminances within 0 to
    /// 10,000 cd/m² with the minimum below the maximum.
    pub fn plausible(self) -> Option<Self> {
        let points = [self.green, self.blue, self.red, self.white];
        let chromatic = points.iter().all(|(x, y)| (0.0..=1.0).contains(x) && (0.0..=1.0).contains(y));
        let lit =
            (0.0..=10_000.0).contains(&self.max_luminance) && (0.0..self.max_luminance).contains(&self.min_luminance);
        (chromatic && lit).then_some(self)
    }

    /// As x265's `master-display` takes it: chromaticities in 0.00002 steps, luminance in
    /// 0.0001 cd/m² steps.
    pub fn x265(&self) -> String {
        let point = |(x, y): (f64, f64)| format!("({},{})", (x * 50_000.0).round(), (y * 50_000.0).round());
        format!(
            "G{}B{}R{}WP{}L({},{})",
            point(self.green),
            point(self.blue),
            point(self.red),
            point(self.white),
            (self.max_luminance * 10_000.0).round(),
            (self.min_luminance * 10_000.0).round()
        )
    }

    /// As SVT-AV1's `mastering-display` takes it: plain numbers.
    pub fn svt_av1(&self) -> String {
        let point = |(x, y): (f64, f64)| format!("({x:.4},{y:.4})");
        format!(
            "G{}B{}R{}WP{}L({:.4},{:.4})",
            point(self.green),
            point(self.blue),
            point(self.red),
            point(self.white),
            self.max_luminance,
            self.min_luminance
        )
    }
}

impl HdrSignal {
    /// The HDR signal a source stream declares, if any.
    pub fn of(stream: &crate::StreamDescription) -> Option<Self> {
        if stream.color_primaries.as_deref() != Some("bt2020") {
            return None;
        }
        let transfer = match stream.color_transfer.as_deref()? {
            "smpte2084" => "smpte2084",
            "arib-std-b67" => "arib-std-b67",
            _ => return None,
        };
        Some(Self { primaries: "bt2020", transfer, matrix: "bt2020nc", mastering: None, light: None })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RungPlan {
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: Option<u32>,
    pub maxrate_kbps: Option<u32>,
    pub codec_profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioPlan {
    pub codec: AudioCodec,
    pub tracks: u32,
    /// Channels in each track.
    pub channels: u32,
    /// Channels of the source (over all its audio streams), 0 when tracks are made of silence.
    pub source_channels: u32,
    /// How many audio streams the source has (merged into one before mapping).
    pub source_streams: u32,
    pub sample_rate: u32,
    pub bitrate_kbps: Option<u32>,
}

/// Frame rate assumed for a source that does not say (stills, some raw streams).
const FALLBACK_RATE: Rational = Rational { num: 25, den: 1 };

impl OutputPlan {
    pub fn new(profile: &Profile, source: &MediaDescription) -> Result<Self, CoreError> {
        let refuse = |reason: String| CoreError::invalid("source for profile", &profile.name, reason);
        let duration_s = source.duration_s.filter(|duration| *duration > 0.0).ok_or_else(|| {
            refuse("the source has no duration (a still image or an unreadable file cannot be transcoded)".into())
        })?;
        let video = match &profile.video {
            None => None,
            Some(spec) => {
                let stream = source.main_video().ok_or_else(|| {
                    refuse(format!("the source has no video stream and profile {} makes video", profile.name))
                })?;
                let source_rate = stream.frame_rate.unwrap_or(FALLBACK_RATE);
                let frame_rate = spec.frame_rate.as_deref().and_then(Rational::parse_lenient).unwrap_or(source_rate);
                let source_width = stream.width.unwrap_or(0);
                let source_height = stream.height.unwrap_or(0);
                if source_width == 0 || source_height == 0 {
                    return Err(refuse("the source's video stream has no frame size".into()));
                }
                let aspect = stream
                    .display_aspect_ratio
                    .map(Rational::as_f64)
                    .unwrap_or(f64::from(source_width) / f64::from(source_height));
                let width_for = |height: u32| even((f64::from(height) * aspect).round() as u32);
                let source_interlaced =
                    stream.field_order.as_deref().is_some_and(|order| matches!(order, "tt" | "bb" | "tb" | "bt"));
                let rungs = if !spec.rungs.is_empty() {
                    let mut fitting: Vec<_> = spec.rungs.iter().filter(|rung| rung.height <= source_height).collect();
                    if fitting.is_empty() {
                        fitting.extend(spec.rungs.iter().min_by_key(|rung| rung.height));
                    }
                    fitting
                        .into_iter()
                        .map(|rung| RungPlan {
                            width: width_for(rung.height),
                            height: rung.height,
                            bitrate_kbps: Some(rung.bitrate_kbps),
                            maxrate_kbps: rung.maxrate_kbps,
                            codec_profile: rung.codec_profile.clone().or_else(|| spec.codec_profile.clone()),
                        })
                        .collect()
                } else {
                    let (width, height) = match (spec.width, spec.height, spec.max_height) {
                        (Some(width), Some(height), _) => (width, height),
                        (_, _, Some(max)) if source_height > max => (width_for(max), max),
                        _ => (even(source_width), even(source_height)),
                    };
                    vec![RungPlan {
                        width,
                        height,
                        bitrate_kbps: spec.bitrate_kbps,
                        maxrate_kbps: spec.maxrate_kbps,
                        codec_profile: spec.codec_profile.clone(),
                    }]
                };
                let gop_frames = spec
                    .gop_frames
                    .unwrap_or_else(|| (spec.gop_seconds.unwrap_or(2.0) * frame_rate.as_f64()).round().max(1.0) as u32);
                Some(VideoPlan {
                    codec: spec.codec,
                    rungs,
                    frame_rate,
                    convert_rate: frame_rate != source_rate,
                    deinterlace: source_interlaced && spec.scan == Scan::Progressive,
                    interlaced: spec.scan == Scan::InterlacedTff,
                    boxed: spec.width.is_some(),
                    pixel_format: spec.pixel_format.clone(),
                    preset: spec.preset.clone(),
                    speed: profile.speed,
                    crf: spec.crf,
                    minrate_kbps: spec.minrate_kbps,
                    bufsize_kbits: spec.bufsize_kbits,
                    gop_frames,
                    b_frames: spec.b_frames,
                    // HDR survives only where the output can carry it: 10 bits or more, in a
                    // codec whose streams signal it (tone mapping to SDR is not done here).
                    hdr: HdrSignal::of(stream).filter(|_| {
                        matches!(spec.codec, VideoCodec::Hevc | VideoCodec::Av1)
                            && spec
                                .pixel_format
                                .as_deref()
                                .is_some_and(|format| format.contains("10") || format.contains("12"))
                    }),
                    burn_in: None,
                })
            }
        };
        let source_streams = source.streams_of(StreamKind::Audio).count() as u32;
        let source_channels = source.audio_channel_count();
        let audio = match &profile.audio {
            Some(spec) if source_streams > 0 || spec.silence_when_missing => Some(AudioPlan {
                codec: spec.codec,
                tracks: spec.tracks,
                channels: spec.channels.unwrap_or(source_channels.clamp(1, 8)),
                source_channels,
                source_streams,
                sample_rate: spec.sample_rate,
                bitrate_kbps: spec.bitrate_kbps,
            }),
            _ => None,
        };
        if video.is_none() && audio.is_none() {
            return Err(refuse(format!("the source has no audio and profile {} makes only audio", profile.name)));
        }
        Ok(Self {
            profile: profile.name.clone(),
            container: profile.container,
            video,
            audio,
            duration_s,
            segment_seconds: profile.segment_seconds,
        })
    }

    /// How far an output's duration may differ from the source's: one frame (40 ms without video).
    pub fn duration_tolerance_s(&self) -> f64 {
        let frame = self.video.as_ref().map_or(0.04, |video| 1.0 / video.frame_rate.as_f64());
        frame + 0.001
    }
}

fn even(value: u32) -> u32 {
    (value / 2 * 2).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StreamDescription;

    fn source(width: u32, height: u32, field_order: &str, audio_streams: u32) -> MediaDescription {
        let mut video = StreamDescription::of_kind(StreamKind::Video);
        video.width = Some(width);
        video.height = Some(height);
        video.frame_rate = Rational::new(25, 1);
        video.field_order = Some(field_order.to_owned());
        let mut streams = vec![video];
        for _ in 0..audio_streams {
            let mut audio = StreamDescription::of_kind(StreamKind::Audio);
            audio.channels = Some(2);
            streams.push(audio);
        }
        MediaDescription {
            container: "mov".into(),
            duration_s: Some(10.0),
            bit_rate: None,
            timecode: None,
            operational_pattern: None,
            streams,
            image: None,
            prober: None,
            sequence: None,
        }
    }

    /// A profile from JSON (the same serde shape as its TOML), validated.
    fn profile(json: &str) -> Profile {
        let profile: Profile = serde_json::from_str(json).unwrap();
        profile.validate().unwrap();
        profile
    }

    #[test]
    fn ladder_drops_rungs_above_the_source_and_keeps_the_aspect_ratio() {
        let ladder = profile(
            r#"{"name":"ladder","container":"cmaf","video":{"codec":"h264","rung":[
                {"height":1080,"bitrate_kbps":5000},{"height":720,"bitrate_kbps":3000},
                {"height":360,"bitrate_kbps":800}]},
               "audio":{"codec":"aac","channels":2,"bitrate_kbps":128}}"#,
        );
        let plan = OutputPlan::new(&ladder, &source(1280, 720, "progressive", 1)).unwrap();
        let video = plan.video.unwrap();
        let sizes: Vec<(u32, u32)> = video.rungs.iter().map(|rung| (rung.width, rung.height)).collect();
        assert_eq!(sizes, vec![(1280, 720), (640, 360)]);
        assert_eq!(video.gop_frames, 50);
        assert!(!video.deinterlace);
    }

    #[test]
    fn a_mastering_display_is_written_as_each_encoder_takes_it() {
        let p3 = MasteringDisplay {
            green: (0.265, 0.69),
            blue: (0.15, 0.06),
            red: (0.68, 0.32),
            white: (0.3127, 0.329),
            max_luminance: 1000.0,
            min_luminance: 0.005,
        };
        assert_eq!(p3.x265(), "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)");
        assert_eq!(
            p3.svt_av1(),
            "G(0.2650,0.6900)B(0.1500,0.0600)R(0.6800,0.3200)WP(0.3127,0.3290)L(1000.0000,0.0050)"
        );
        assert!(p3.clone().plausible().is_some());
        assert!(MasteringDisplay { red: (1.5, 0.3), ..p3.clone() }.plausible().is_none());
        assert!(MasteringDisplay { min_luminance: 2000.0, ..p3 }.plausible().is_none());
    }

    #[test]
    fn hdr_signalling_goes_only_into_10_bit_hevc_or_av1() {
        let mut hdr = source(1920, 1080, "progressive", 0);
        hdr.streams[0].color_primaries = Some("bt2020".into());
        hdr.streams[0].color_transfer = Some("smpte2084".into());
        let plan_of = |source: &MediaDescription, codec: &str, pixel_format: &str| {
            let json = format!(r#"{{"name":"p","container":"mp4","video":{{"codec":"{codec}"{pixel_format}}}}}"#);
            OutputPlan::new(&profile(&json), source).unwrap().video.unwrap().hdr
        };
        let pq = Some(HdrSignal {
            primaries: "bt2020",
            transfer: "smpte2084",
            matrix: "bt2020nc",
            mastering: None,
            light: None,
        });
        assert_eq!(plan_of(&hdr, "hevc", r#","pixel_format":"yuv420p10le""#), pq);
        assert_eq!(plan_of(&hdr, "av1", r#","pixel_format":"yuv420p10le""#), pq);
        assert_eq!(plan_of(&hdr, "hevc", r#","pixel_format":"yuv420p""#), None, "8 bits cannot carry PQ");
        assert_eq!(plan_of(&hdr, "h264", r#","pixel_format":"yuv420p10le""#), None);
        hdr.streams[0].color_transfer = Some("bt709".into());
        assert_eq!(plan_of(&hdr, "hevc", r#","pixel_format":"yuv420p10le""#), None, "SDR is not HDR");
    }

    #[test]
    fn a_proxy_of_interlaced_hd_is_deinterlaced_and_capped_at_720_lines() {
        let proxy = profile(
            r#"{"name":"proxy","container":"mp4","video":{"codec":"h264","max_height":720},
               "audio":{"codec":"aac","channels":2,"bitrate_kbps":128}}"#,
        );
        let plan = OutputPlan::new(&proxy, &source(1920, 1080, "tt", 1)).unwrap();
        let video = plan.video.unwrap();
        assert_eq!((video.rungs[0].width, video.rungs[0].height), (1280, 720));
        assert!(video.deinterlace);
    }

    #[test]
    fn broadcast_tracks_are_silent_without_source_audio_and_the_frame_is_fixed() {
        let broadcast = profile(
            r#"{"name":"xdcam","container":"mxf","video":{"codec":"mpeg2","width":1920,"height":1080,
                "frame_rate":"25","scan":"interlaced-tff"},
               "audio":{"codec":"pcm_s24le","channels":1,"tracks":8,"silence_when_missing":true}}"#,
        );
        let plan = OutputPlan::new(&broadcast, &source(1280, 720, "progressive", 0)).unwrap();
        let audio = plan.audio.unwrap();
        assert_eq!((audio.tracks, audio.channels, audio.source_channels), (8, 1, 0));
        let video = plan.video.unwrap();
        assert!(video.boxed && video.interlaced);
        assert_eq!((video.rungs[0].width, video.rungs[0].height), (1920, 1080));
    }

    #[test]
    fn a_video_profile_refuses_an_audio_only_source() {
        let mobile = profile(r#"{"name":"mobile","container":"mp4","video":{"codec":"h264","max_height":540}}"#);
        let mut audio_only = source(2, 2, "progressive", 1);
        audio_only.streams.remove(0);
        let error = OutputPlan::new(&mobile, &audio_only).unwrap_err();
        assert!(error.to_string().contains("no video stream"), "{error}");
    }
}
