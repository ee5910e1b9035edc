//! The ffmpeg command for an output plan: one process, one decode. A ladder splits the decoded
//! picture once and encodes every rung from it, packaged as CMAF segments with an HLS master
//! playlist and a DASH manifest that share them.

use std::ffi::OsString;
use std::path::Path;

use regie_core::profile::plan::{AudioPlan, OutputPlan, VideoPlan};
use regie_core::profile::{AudioCodec, Container, Speed, VideoCodec};

use crate::runner::file_argument;

/// Arguments (after ffmpeg's own `-nostdin -progress` options) that make `plan` from `source`
/// into `output_dir`, whose main file is `plan.container.main_file()`.
pub fn transcode_arguments(plan: &OutputPlan, source: &Path, output_dir: &Path) -> Vec<OsString> {
    transcode_arguments_with_taps(plan, source, output_dir, &[])
}

/// A further use of the decoded picture in the same process: `chain` filters it into `[label]`,
/// which the caller maps to an output of its own.
pub(crate) struct Tap {
    pub chain: String,
    pub label: &'static str,
}

pub(crate) fn transcode_arguments_with_taps(
    plan: &OutputPlan,
    source: &Path,
    output_dir: &Path,
    taps: &[Tap],
) -> Vec<OsString> {
    let mut arguments = Arguments::default();
    arguments.push_all(["-y", "-v", "warning", "-i"]);
    arguments.push(file_argument(source));
    let mut graph = Vec::new();
    if let Some(video) = &plan.video {
        video_graph(video, taps, &mut graph);
    }
    if let Some(audio) = &plan.audio {
        audio_graph(audio, plan.duration_s, &mut graph);
    }
    if !graph.is_empty() {
        arguments.push_all(["-filter_complex", &graph.join(";")]);
    }
    match &plan.video {
        Some(video) => {
            for index in 0..video.rungs.len() {
                arguments.push_all(["-map", &format!("[v{index}]")]);
            }
            video_codec(video, plan.segment_seconds, &mut arguments);
        }
        None => arguments.push("-vn"),
    }
    match &plan.audio {
        Some(audio) => {
            for track in 0..audio.tracks {
                arguments.push_all(["-map", &format!("[a{track}]")]);
            }
            audio_codec(audio, &mut arguments);
        }
        None => arguments.push("-an"),
    }
    arguments.push_all(["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"]);
    muxer(plan, output_dir, &mut arguments);
    arguments.0
}

#[derive(Default)]
struct Arguments(Vec<OsString>);

impl Arguments {
    fn push(&mut self, argument: impl Into<OsString>) {
        self.0.push(argument.into());
    }

    fn push_all<'a>(&mut self, arguments: impl IntoIterator<Item = &'a str>) {
        self.0.extend(arguments.into_iter().map(OsString::from));
    }
}

fn video_graph(video: &VideoPlan, taps: &[Tap], graph: &mut Vec<String>) {
    let mut chain = vec![];
    if video.deinterlace {
        chain.push("bwdif=mode=send_frame:parity=auto:deint=all".to_owned());
    }
    if video.convert_rate {
        chain.push(format!("fps={}", video.frame_rate));
    }
    let interlace = if video.interlaced { ":interl=1" } else { "" };
    let scale = |width: u32, height: u32| {
        if video.boxed {
            format!(
                "scale={width}:{height}:force_original_aspect_ratio=decrease{interlace},\
                 pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
            )
        } else {
            format!("scale={width}:{height}{interlace},setsar=1")
        }
    };
    let mut finish = vec![];
    if video.interlaced {
        finish.push("setfield=tff".to_owned());
    }
    if let Some(format) = &video.pixel_format {
        finish.push(format!("format={}", filter_value(format)));
    } else if video.codec == VideoCodec::H264 {
        finish.push("format=yuv420p".to_owned());
    }
    let tail = |label: usize, width: u32, height: u32| {
        let mut steps = vec![scale(width, height)];
        if let Some(burn_in) = &video.burn_in {
            steps.extend(marking(burn_in, height));
        }
        steps.extend(finish.iter().cloned());
        format!("{}[v{label}]", steps.join(","))
    };
    let head = if chain.is_empty() { "[0:v:0]".to_owned() } else { format!("[0:v:0]{},", chain.join(",")) };
    if let ([single], []) = (video.rungs.as_slice(), taps) {
        graph.push(format!("{head}{}", tail(0, single.width, single.height)));
        return;
    }
    if taps.is_empty() {
        ladder_graph(video, &head, &finish, graph);
        return;
    }
    let branches = video.rungs.len() + taps.len();
    let labels: String = (0..branches).map(|index| format!("[s{index}]")).collect();
    graph.push(format!("{head}split={branches}{labels}"));
    for (index, rung) in video.rungs.iter().enumerate() {
        graph.push(format!("[s{index}]{}", tail(index, rung.width, rung.height)));
    }
    for (offset, tap) in taps.iter().enumerate() {
        graph.push(format!("[s{}]{}[{}]", video.rungs.len() + offset, tap.chain, tap.label));
    }
}

/// A ladder: the decoded picture is converted once, then each rung is scaled from the rung above
/// it (largest first), so the big conversions and scalings are done once, not once per rung.
fn ladder_graph(video: &VideoPlan, head: &str, finish: &[String], graph: &mut Vec<String>) {
    let mut order: Vec<usize> = (0..video.rungs.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(video.rungs[index].height));
    let converted = if finish.is_empty() { "null".to_owned() } else { finish.join(",") };
    graph.push(format!("{head}{converted}[c0]"));
    for (step, &index) in order.iter().enumerate() {
        let rung = &video.rungs[index];
        let mut scale = format!("[c{step}]scale={}:{},setsar=1", rung.width, rung.height);
        // Burnt into the largest rung; the smaller ones are scaled from it, notice included.
        if let (0, Some(burn_in)) = (step, &video.burn_in) {
            for step in marking(burn_in, rung.height) {
                scale.push(',');
                scale.push_str(&step);
            }
            // The mark is written in 8 bits: the picture goes back to the profile's format.
            if burn_in.mark.is_some() && !finish.is_empty() {
                scale.push(',');
                scale.push_str(&finish.join(","));
            }
        }
        if step + 1 == order.len() {
            graph.push(format!("{scale}[v{index}]"));
        } else {
            graph.push(format!("{scale},split=2[v{index}][c{}]", step + 1));
        }
    }
}

/// A screener's steps: the invisible mark (the picture's brightness varied by the recipient's
/// tones, `eq` with a gamma a hair from 1 so that it takes its exact look-up path, whose
/// brightness is not rounded to hundredths), then the visible notice.
fn marking(burn_in: &regie_core::profile::watermark::BurnIn, height: u32) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(mark) = &burn_in.mark {
        steps.push(format!("eq=brightness={}:gamma=1.0001:eval=frame", mark.brightness_expression()));
    }
    steps.push(drawtext(burn_in, height));
    steps
}

/// The `drawtext` step burning a recipient's notice into a picture `height` lines high: sized
/// and placed as its `[watermark]` says, its text taken literally (no `%{...}` expansion).
fn drawtext(burn_in: &regie_core::profile::watermark::BurnIn, height: u32) -> String {
    use regie_core::profile::watermark::WatermarkPosition;
    let spec = &burn_in.spec;
    let size = (f64::from(height) * spec.text_height).round().max(8.0) as u32;
    let margin = (f64::from(height) * 0.03).round() as u32;
    let (x, y) = match spec.position {
        WatermarkPosition::TopLeft => (format!("{margin}"), format!("{margin}")),
        WatermarkPosition::TopRight => (format!("w-tw-{margin}"), format!("{margin}")),
        WatermarkPosition::BottomLeft => (format!("{margin}"), format!("h-th-{margin}")),
        WatermarkPosition::BottomRight => (format!("w-tw-{margin}"), format!("h-th-{margin}")),
        WatermarkPosition::Center => ("(w-tw)/2".to_owned(), "(h-th)/2".to_owned()),
    };
    format!(
        "drawtext=font=DejaVu Sans:expansion=none:text={}:fontsize={size}:fontcolor=white@{:.2}:\
         box=1:boxcolor=black@{:.2}:boxborderw={}:x={x}:y={y}",
        filter_value(&burn_in.text),
        spec.opacity,
        spec.opacity / 2.0,
        (size / 4).max(2)
    )
}

/// A value as it must be written inside a filter graph: escaped for the filter's option parser
/// (`\\`, `'`, `:`) and then for the graph parser (`\\`, `'`, `[`, `]`, `,`, `;`), so whatever
/// it holds stays one value of one option. Profiles are validated first; this is the second wall.
pub(crate) fn filter_value(value: &str) -> String {
    let escape = |text: &str, special: &[char]| {
        let mut escaped = String::with_capacity(text.len());
        for character in text.chars() {
            if special.contains(&character) {
                escaped.push('\\');
            }
            escaped.push(character);
        }
        escaped
    };
    escape(&escape(value, &['\\', '\'', ':']), &['\\', '\'', '[', ']', ',', ';'])
}

/// Merges the source's audio streams, lays the channels out over the tracks (silence where the
/// source has fewer) and splits them into `[a0]`, `[a1]`...
fn audio_graph(audio: &AudioPlan, duration_s: f64, graph: &mut Vec<String>) {
    let total = audio.tracks * audio.channels;
    let resample = format!("aresample={}", audio.sample_rate);
    let source = if audio.source_channels == 0 {
        format!("anullsrc=r={}:cl=mono,atrim=duration={duration_s:.6}", audio.sample_rate)
    } else if audio.source_streams > 1 {
        let inputs: String = (0..audio.source_streams).map(|index| format!("[0:a:{index}]")).collect();
        format!("{inputs}amerge=inputs={}", audio.source_streams)
    } else {
        "[0:a:0]anull".to_owned()
    };
    if audio.tracks == 1 && audio.source_channels > 0 {
        // One track: let the encoder's channel count (-ac) do a proper downmix.
        graph.push(format!("{source},{resample}[a0]"));
        return;
    }
    let mapping: Vec<String> = (0..total)
        .map(|channel| {
            if channel < audio.source_channels {
                format!("c{channel}=c{channel}")
            } else if audio.source_channels == 0 && channel == 0 {
                "c0=0*c0".to_owned()
            } else {
                format!("c{channel}=0*c0")
            }
        })
        .collect();
    let pan = format!("pan={total}c|{}", mapping.join("|"));
    if audio.tracks == 1 {
        graph.push(format!("{source},{resample},{pan}[a0]"));
        return;
    }
    let labels: String = (0..audio.tracks).map(|track| format!("[a{track}]")).collect();
    if audio.channels == 1 {
        graph.push(format!("{source},{resample},{pan},channelsplit=channel_layout={total}c{labels}"));
    } else {
        // Tracks of several channels each: split the layout in channel groups with pan.
        let split: String = (0..audio.tracks).map(|track| format!("[t{track}]")).collect();
        graph.push(format!("{source},{resample},{pan},asplit={}{split}", audio.tracks));
        for track in 0..audio.tracks {
            let picks: Vec<String> = (0..audio.channels)
                .map(|channel| format!("c{channel}=c{}", track * audio.channels + channel))
                .collect();
            graph.push(format!("[t{track}]pan={}c|{}[a{track}]", audio.channels, picks.join("|")));
        }
    }
}

fn video_codec(video: &VideoPlan, segment_seconds: u32, arguments: &mut Arguments) {
    match video.codec {
        VideoCodec::H264 => {
            arguments.push_all(["-c:v", "libx264"]);
            let preset = video.preset.clone().unwrap_or_else(|| {
                match video.speed {
                    Speed::Fast => "veryfast",
                    Speed::Balanced => "fast",
                    Speed::Quality => "slow",
                }
                .to_owned()
            });
            arguments.push_all(["-preset", &preset, "-sc_threshold", "0"]);
            aligned_keyframes(video, segment_seconds, arguments);
        }
        VideoCodec::Hevc => {
            // Tagged hvc1 (parameter sets in the sample entry), as Apple's players require.
            arguments.push_all(["-c:v", "libx265", "-tag:v", "hvc1"]);
            let preset = match video.speed {
                Speed::Fast => "veryfast",
                Speed::Balanced => "fast",
                Speed::Quality => "slow",
            };
            arguments.push_all(["-preset", preset]);
            // Closed GOPs of fixed length with IDR keyframes: every segment starts decodable.
            let mut params = "log-level=error:scenecut=0:open-gop=0".to_owned();
            if let Some(mastering) = video.hdr.as_ref().and_then(|hdr| hdr.mastering.as_ref()) {
                params += &format!(":master-display={}", mastering.x265());
            }
            if let Some(light) = video.hdr.as_ref().and_then(|hdr| hdr.light) {
                params += &format!(":max-cll={},{}", light.max_cll, light.max_fall);
            }
            arguments.push_all(["-x265-params", &params, "-forced-idr", "1"]);
            aligned_keyframes(video, segment_seconds, arguments);
        }
        VideoCodec::Av1 => {
            let preset = match video.speed {
                Speed::Fast => "10",
                Speed::Balanced => "8",
                Speed::Quality => "6",
            };
            arguments.push_all(["-c:v", "libsvtav1", "-preset", preset]);
            let mut params = Vec::new();
            if let Some(mastering) = video.hdr.as_ref().and_then(|hdr| hdr.mastering.as_ref()) {
                params.push(format!("mastering-display={}", mastering.svt_av1()));
            }
            if let Some(light) = video.hdr.as_ref().and_then(|hdr| hdr.light) {
                params.push(format!("content-light={},{}", light.max_cll, light.max_fall));
            }
            if !params.is_empty() {
                arguments.push_all(["-svtav1-params", &params.join(":")]);
            }
            // SVT-AV1 puts a keyframe every `-g` frames (its intra period); scene cuts add none.
            arguments.push_all(["-g", &video.gop_frames.to_string()]);
        }
        VideoCodec::Mpeg2 => {
            arguments.push_all(["-c:v", "mpeg2video", "-intra_vlc", "1"]);
            arguments.push_all(["-g", &video.gop_frames.to_string()]);
            match video.speed {
                Speed::Fast => {}
                Speed::Balanced => arguments.push_all(["-mbd", "rd"]),
                Speed::Quality => arguments.push_all(["-mbd", "rd", "-trellis", "2", "-cmp", "2", "-subcmp", "2"]),
            }
            if video.interlaced {
                arguments.push_all(["-flags", "+ilme+ildct", "-top", "1"]);
            }
        }
        VideoCodec::Prores => {
            arguments.push_all(["-c:v", "prores_ks", "-vendor", "apl0"]);
            if let Some(quant) = match video.speed {
                Speed::Fast => Some("auto"),
                _ => None,
            } {
                arguments.push_all(["-quant_mat", quant]);
            }
        }
    }
    if let Some(hdr) = &video.hdr {
        arguments.push_all(["-color_primaries", hdr.primaries, "-color_trc", hdr.transfer]);
        arguments.push_all(["-colorspace", hdr.matrix]);
    }
    if let Some(frames) = video.b_frames {
        arguments.push_all(["-bf", &frames.to_string()]);
    }
    if let Some(crf) = video.crf {
        arguments.push_all(["-crf", &crf.to_string()]);
    }
    for (index, rung) in video.rungs.iter().enumerate() {
        if let Some(bitrate) = rung.bitrate_kbps {
            arguments.push_all([&format!("-b:v:{index}") as &str, &format!("{bitrate}k")]);
            let maxrate = rung.maxrate_kbps.unwrap_or(bitrate);
            arguments.push_all([&format!("-maxrate:v:{index}") as &str, &format!("{maxrate}k")]);
            let bufsize = video.bufsize_kbits.unwrap_or(maxrate * 2);
            arguments.push_all([&format!("-bufsize:v:{index}") as &str, &format!("{bufsize}k")]);
        }
        if let Some(profile) = &rung.codec_profile {
            let profile = match (video.codec, profile.as_str()) {
                (VideoCodec::Prores, "proxy") => "0",
                (VideoCodec::Prores, "lt") => "1",
                (VideoCodec::Prores, "standard") => "2",
                (VideoCodec::Prores, "hq") => "3",
                (VideoCodec::Prores, "4444") => "4",
                (VideoCodec::Mpeg2, "422") => "0",
                (_, other) => other,
            };
            arguments.push_all([&format!("-profile:v:{index}") as &str, profile]);
        }
    }
    if let Some(minrate) = video.minrate_kbps {
        arguments.push_all(["-minrate", &format!("{minrate}k")]);
    }
    if video.codec == VideoCodec::Mpeg2
        && let Some(bufsize) = video.bufsize_kbits
    {
        arguments.push_all(["-rc_init_occupancy", &format!("{bufsize}k")]);
    }
}

/// A fixed GOP, and keyframes on the same instants in every rung, so players switch between
/// rungs cleanly.
fn aligned_keyframes(video: &VideoPlan, segment_seconds: u32, arguments: &mut Arguments) {
    let gop = video.gop_frames.to_string();
    arguments.push_all(["-g", &gop, "-keyint_min", &gop]);
    let every = f64::from(video.gop_frames) / video.frame_rate.as_f64();
    let every = if video.rungs.len() > 1 { f64::from(segment_seconds).min(every) } else { every };
    arguments.push_all(["-force_key_frames:v", &format!("expr:gte(t,n_forced*{every})")]);
}

fn audio_codec(audio: &AudioPlan, arguments: &mut Arguments) {
    let codec = match audio.codec {
        AudioCodec::Aac => "aac",
        AudioCodec::PcmS16le => "pcm_s16le",
        AudioCodec::PcmS24le => "pcm_s24le",
    };
    arguments.push_all(["-c:a", codec, "-ar", &audio.sample_rate.to_string()]);
    arguments.push_all(["-ac", &audio.channels.to_string()]);
    if let Some(bitrate) = audio.bitrate_kbps {
        arguments.push_all(["-b:a", &format!("{bitrate}k")]);
    }
}

fn muxer(plan: &OutputPlan, output_dir: &Path, arguments: &mut Arguments) {
    let main = output_dir.join(plan.container.main_file());
    match plan.container {
        Container::Mp4 => arguments.push_all(["-movflags", "+faststart", "-f", "mp4"]),
        Container::Mov => arguments.push_all(["-f", "mov"]),
        Container::Mxf => arguments.push_all(["-f", "mxf"]),
        Container::Wav => arguments.push_all(["-write_bext", "1", "-rf64", "auto", "-f", "wav"]),
        Container::Cmaf => {
            let sets = if plan.audio.is_some() { "id=0,streams=v id=1,streams=a" } else { "id=0,streams=v" };
            arguments.push_all(["-f", "dash", "-seg_duration", &plan.segment_seconds.to_string()]);
            arguments.push_all(["-use_template", "1", "-use_timeline", "0", "-hls_playlist", "1"]);
            arguments.push_all(["-adaptation_sets", sets, "-dash_segment_type", "mp4"]);
            arguments.push_all(["-init_seg_name", "init-$RepresentationID$.m4s"]);
            arguments.push_all(["-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.m4s"]);
            arguments.push(file_argument(&output_dir.join("manifest.mpd")));
            return;
        }
    }
    arguments.push(file_argument(&main));
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use regie_core::Rational;
    use regie_core::profile::plan::RungPlan;

    #[test]
    fn a_screener_notice_is_burnt_into_the_largest_rung_literally() {
        use regie_core::profile::watermark::{BurnIn, WatermarkPosition, WatermarkSpec};
        let spec =
            WatermarkSpec { position: WatermarkPosition::TopRight, opacity: 0.5, text_height: 0.05, invisible: true };
        let mark = regie_core::profile::mark::InvisibleMark::for_ordinal(1);
        let burn_in = BurnIn { text: "ACME · 2026-12-05 · H-1".into(), spec, mark: Some(mark) };
        for rungs in [vec![(1280, 720, 2500)], vec![(1920, 1080, 6000), (640, 360, 700)]] {
            let mut plan = h264_plan("screener", Container::Mp4, &rungs, false);
            plan.video.as_mut().unwrap().burn_in = Some(burn_in.clone());
            let graph = text(&transcode_arguments(&plan, Path::new("in.mov"), Path::new("out")));
            assert_eq!(graph.matches("drawtext=").count(), 1, "{graph}");
            // The mark, once, just before the notice (so that the notice's box is not varied).
            let eq = format!("eq=brightness={}:gamma=1.0001:eval=frame,drawtext=", mark.brightness_expression());
            assert_eq!(graph.matches(&eq).count(), 1, "{graph}");
            let size = rungs[0].1 * 5 / 100;
            assert!(
                graph.contains(&format!("expansion=none:text=ACME · 2026-12-05 · H-1:fontsize={size}:")),
                "{graph}"
            );
            assert!(
                graph.contains("fontcolor=white@0.50")
                    && graph.contains(&format!("x=w-tw-{}:y=", (f64::from(rungs[0].1) * 0.03).round())),
                "{graph}"
            );
        }
    }

    #[test]
    fn filter_values_cannot_leave_their_option() {
        assert_eq!(filter_value("yuv420p"), "yuv420p");
        assert_eq!(filter_value("a,b"), "a\\,b");
        assert_eq!(filter_value("x[y];z"), "x\\[y\\]\\;z");
        assert_eq!(filter_value("a:b"), "a\\\\:b");
        assert_eq!(filter_value("it's"), "it\\\\\\\'s");
    }

    fn text(arguments: &[OsString]) -> String {
        arguments.iter().map(|argument| argument.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    /// An H.264 plan over `rungs` (width, height, kb/s), 25 fps, without audio: shared by the
    /// argument-builder tests.
    pub(crate) fn h264_plan(
        profile: &str,
        container: Container,
        rungs: &[(u32, u32, u32)],
        deinterlace: bool,
    ) -> OutputPlan {
        let rungs = rungs
            .iter()
            .map(|&(width, height, bitrate)| RungPlan {
                width,
                height,
                bitrate_kbps: Some(bitrate),
                maxrate_kbps: None,
                codec_profile: Some("high".into()),
            })
            .collect();
        OutputPlan {
            profile: profile.into(),
            container,
            video: Some(VideoPlan {
                codec: VideoCodec::H264,
                rungs,
                frame_rate: Rational::new(25, 1).unwrap(),
                convert_rate: false,
                deinterlace,
                interlaced: false,
                boxed: false,
                pixel_format: None,
                preset: None,
                speed: Speed::Fast,
                crf: None,
                minrate_kbps: None,
                bufsize_kbits: None,
                gop_frames: 50,
                b_frames: None,
                hdr: None,
                burn_in: None,
            }),
            audio: None,
            duration_s: 10.0,
            segment_seconds: 2,
        }
    }

    fn ladder() -> OutputPlan {
        OutputPlan {
            audio: Some(AudioPlan {
                codec: AudioCodec::Aac,
                tracks: 1,
                channels: 2,
                source_channels: 2,
                source_streams: 1,
                sample_rate: 48_000,
                bitrate_kbps: Some(128),
            }),
            ..h264_plan("web-ladder", Container::Cmaf, &[(1920, 1080, 5000), (1280, 720, 3000)], true)
        }
    }

    #[test]
    fn a_ladder_decodes_once_and_splits_into_its_rungs() {
        let arguments = text(&transcode_arguments(&ladder(), Path::new("/in/a.mxf"), Path::new("/out")));
        assert!(
            arguments.contains(
                "[0:v:0]bwdif=mode=send_frame:parity=auto:deint=all,format=yuv420p[c0];\
                 [c0]scale=1920:1080,setsar=1,split=2[v0][c1];[c1]scale=1280:720,setsar=1[v1]"
            ),
            "{arguments}"
        );
        assert_eq!(arguments.matches("-i ").count(), 1, "{arguments}");
        assert!(arguments.contains("-b:v:0 5000k") && arguments.contains("-b:v:1 3000k"), "{arguments}");
        assert!(arguments.contains("-force_key_frames:v expr:gte(t,n_forced*2)"), "{arguments}");
        assert!(arguments.contains("-hls_playlist 1") && arguments.ends_with("file:/out/manifest.mpd"));
    }

    #[test]
    fn eight_mono_tracks_are_split_from_the_source_channels_with_silence_after_them() {
        let audio = AudioPlan {
            codec: AudioCodec::PcmS24le,
            tracks: 8,
            channels: 1,
            source_channels: 2,
            source_streams: 1,
            sample_rate: 48_000,
            bitrate_kbps: None,
        };
        let mut graph = Vec::new();
        audio_graph(&audio, 10.0, &mut graph);
        assert_eq!(
            graph,
            vec![
                "[0:a:0]anull,aresample=48000,pan=8c|c0=c0|c1=c1|c2=0*c0|c3=0*c0|c4=0*c0|c5=0*c0|c6=0*c0|c7=0*c0,\
                 channelsplit=channel_layout=8c[a0][a1][a2][a3][a4][a5][a6][a7]"
            ]
        );
    }
}
