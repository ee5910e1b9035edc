//! `regie probe FILE [--prober auto|native|ffprobe] [--json]`

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use regie_app::MediaDescription;
use regie_core::StreamKind;

use super::{print_json, success};
use crate::config::LoadedConfig;

pub async fn run(config: &LoadedConfig, file: &Path, prober: &str, json: bool) -> Result<ExitCode> {
    let Some(choice) = regie_app::ProberChoice::parse(prober) else {
        return Err(regie_app::AppError::Invalid(format!("--prober {prober:?}: use auto, native or ffprobe")).into());
    };
    let media = regie_app::probe_file_with(&config.settings()?, file, choice).await?;
    if json {
        print_json(&media)?;
    } else {
        print!("{}", describe(&media));
    }
    Ok(success())
}

/// A readable summary of a media description, one line per stream.
pub fn describe(media: &MediaDescription) -> String {
    let mut text = format!("container  {}\n", media.container);
    if let Some(duration) = media.duration_s {
        text += &format!("duration   {duration:.3} s\n");
    }
    if let Some(bit_rate) = media.bit_rate {
        text += &format!("bit rate   {:.1} Mb/s\n", bit_rate as f64 / 1e6);
    }
    if let Some(timecode) = &media.timecode {
        text += &format!("timecode   {timecode}\n");
    }
    if let Some(prober) = &media.prober {
        text += &format!("prober     {prober}\n");
    }
    if let Some(image) = &media.image {
        let orientation = image.orientation.map(|value| format!(", orientation {value}")).unwrap_or_default();
        let date = image.capture_date.as_deref().map(|date| format!(", captured {date}")).unwrap_or_default();
        text += &format!(
            "image      {} {}x{}{orientation}{date}\n",
            image.format,
            image.width.unwrap_or(0),
            image.height.unwrap_or(0)
        );
    }
    for (index, stream) in media.streams.iter().enumerate() {
        let part =
            |label: &str, value: Option<String>| value.map(|value| format!(" {label}{value}")).unwrap_or_default();
        let details = match stream.kind {
            StreamKind::Video => format!(
                "{}{}{}{}{}",
                part("", stream.width.zip(stream.height).map(|(width, height)| format!("{width}x{height}"))),
                part("@ ", stream.frame_rate.map(|rate| rate.to_string())),
                part("", stream.field_order.clone()),
                part("", stream.pix_fmt.clone()),
                part("profile ", stream.profile.clone()),
            ),
            StreamKind::Audio => format!(
                "{}{}{}{}",
                part("", stream.channels.map(|channels| format!("{channels} ch"))),
                part("", stream.channel_layout.clone()),
                part("", stream.sample_rate.map(|rate| format!("{rate} Hz"))),
                part("", stream.sample_format.clone()),
            ),
            _ => String::new(),
        };
        let kind = serde_json::to_value(stream.kind)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let language = part("lang ", stream.language.clone());
        text += &format!("#{index} {kind:<8} {}{details}{language}\n", stream.codec.as_deref().unwrap_or("?"));
    }
    text
}
