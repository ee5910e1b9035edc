//! `regie ladder compare ASSET --profiles A,B,C [--no-encode] [--json]`: each profile's rendition
//! made when missing (here, by an in-process worker), then bits, encode time and quality side by
//! side.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::{LadderComparison, Regie};

use super::{print_json, success};

pub async fn compare(regie: &Regie, asset: &str, profiles: &[String], no_encode: bool, json: bool) -> Result<ExitCode> {
    let outcome = compare_inner(regie, asset, profiles, no_encode, json).await;
    regie.close().await;
    let comparison = outcome?;
    if json {
        print_json(&comparison)?;
    } else {
        print!("{}", render(&comparison));
    }
    let missing = comparison.unmeasured();
    if missing.is_empty() {
        Ok(success())
    } else {
        eprintln!(
            "not compared: {} (no rendition with measured quality{}; see `regie jobs list`)",
            missing.join(", "),
            if no_encode { ", and --no-encode" } else { "" }
        );
        Ok(ExitCode::from(crate::exit::FAILURE))
    }
}

async fn compare_inner(
    regie: &Regie,
    asset: &str,
    profiles: &[String],
    no_encode: bool,
    json: bool,
) -> Result<LadderComparison> {
    let comparison = regie.compare_ladders(asset, profiles).await?;
    if no_encode || comparison.unmeasured().is_empty() {
        return Ok(comparison);
    }
    for (name, enqueued) in regie.queue_unmeasured_ladders(asset, profiles).await? {
        if !json {
            eprintln!("encoding {name} (job {})", enqueued.job_id);
        }
    }
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let options = regie_app::jobs::WorkerOptions { concurrency: regie.job_concurrency(), until_idle: true };
    // Progress on the terminal; with --json, stdout holds the comparison alone.
    let observer: std::sync::Arc<dyn regie_app::jobs::WorkerObserver> =
        if json { std::sync::Arc::new(Quiet) } else { super::worker::observer(false) };
    regie.run_worker(options, observer, shutdown).await?;
    Ok(regie.compare_ladders(asset, profiles).await?)
}

/// Says nothing of the jobs it runs.
struct Quiet;

impl regie_app::jobs::WorkerObserver for Quiet {}

/// The profiles side by side: one line each, then one line per rung size.
fn render(comparison: &LadderComparison) -> String {
    let duration = comparison.duration_s.map_or("unknown duration".to_owned(), |seconds| format!("{seconds:.1} s"));
    let mut text = format!("{} ({duration})\n\n", comparison.house_id);
    text.push_str(&format!(
        "{:<22} {:<6} {:>10} {:>10} {:>9} {:>7} {:>9} {:>9}\n",
        "profile", "codec", "size MB", "kbit/s", "encode s", "speed", "mean PSNR", "mean SSIM"
    ));
    for figures in &comparison.profiles {
        if !figures.measured {
            text.push_str(&format!("{:<22} not made or not measured\n", figures.profile));
            continue;
        }
        text.push_str(&format!(
            "{:<22} {:<6} {:>10.2} {:>10} {:>9} {:>7} {:>9} {:>9}\n",
            figures.profile,
            figures.codec.as_deref().unwrap_or("?"),
            figures.size as f64 / 1e6,
            figures.bit_rate.map_or("?".to_owned(), |rate| (rate / 1000).to_string()),
            figures.encode_s.map_or("?".to_owned(), |seconds| format!("{seconds:.1}")),
            figures.speed.map_or("?".to_owned(), |speed| format!("{speed:.2}x")),
            figures.mean_psnr.map_or("?".to_owned(), |psnr| format!("{psnr:.2}")),
            figures.mean_ssim.map_or("?".to_owned(), |ssim| format!("{ssim:.4}")),
        ));
    }
    let mut sizes: Vec<(u32, u32)> = comparison
        .profiles
        .iter()
        .flat_map(|figures| figures.rungs.iter().map(|rung| (rung.width, rung.height)))
        .collect();
    sizes.sort_by_key(|&(width, height)| std::cmp::Reverse((height, width)));
    sizes.dedup();
    if sizes.is_empty() {
        return text;
    }
    text.push_str("\nper rung: kbit/s, PSNR dB, SSIM\n");
    text.push_str(&format!("{:<11}", "rung"));
    for figures in &comparison.profiles {
        text.push_str(&format!(" {:>26}", figures.profile));
    }
    text.push('\n');
    for (width, height) in sizes {
        text.push_str(&format!("{:<11}", format!("{width}x{height}")));
        for figures in &comparison.profiles {
            let cell = match figures.rungs.iter().find(|rung| (rung.width, rung.height) == (width, height)) {
                Some(rung) => format!(
                    "{} {:.2} {:.4}",
                    rung.bit_rate.map_or("?".to_owned(), |rate| (rate / 1000).to_string()),
                    rung.psnr,
                    rung.ssim
                ),
                None => "-".to_owned(),
            };
            text.push_str(&format!(" {cell:>26}"));
        }
        text.push('\n');
    }
    text
}
