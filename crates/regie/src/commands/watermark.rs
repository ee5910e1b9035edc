//! `regie watermark detect FILE [--asset ID] [--json]`: whose screener a leaked file is.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use regie_app::Regie;
use regie_app::watermark::WatermarkDetection;

use super::{print_json, success};

pub async fn detect(regie: &Regie, file: &Path, asset: Option<&str>, json: bool) -> Result<ExitCode> {
    let outcome = regie.detect_watermark(file, asset).await;
    regie.close().await;
    let detection = outcome?;
    if json {
        print_json(&detection)?;
    } else {
        print!("{}", render(&detection));
    }
    Ok(if detection.found.is_empty() { ExitCode::from(crate::exit::FAILURE) } else { success() })
}

fn render(detection: &WatermarkDetection) -> String {
    let mut text = format!(
        "{}: {:.1} s of pictures read, {} recipients' marks compared\n",
        detection.file, detection.seconds, detection.compared
    );
    for reading in &detection.found {
        text.push_str(&format!(
            "found: {} (screener of {}, asset {}, mark {} made {}), strength {:.0}, weakest tone {:.1}\n",
            reading.recipient,
            reading.house_id,
            reading.asset_id,
            reading.ordinal,
            reading.created_at,
            reading.strength,
            reading.weakest
        ));
    }
    if let Some(strongest) = &detection.strongest {
        text.push_str(&format!(
            "strongest, below the threshold: {} of {} (strength {:.0}, weakest tone {:.1})\n",
            strongest.recipient, strongest.house_id, strongest.strength, strongest.weakest
        ));
    }
    if let Some(note) = &detection.note {
        text.push_str(note);
        text.push('\n');
    }
    text
}
