//! `regie transcribe`, `regie embed`, `regie ocr`, `regie similar`, `regie recommend`, `regie trending` and
//! `regie subtitles`.

use std::process::ExitCode;

use anyhow::Result;
use regie_app::intelligence::SpeechLanguage;
use regie_app::timeline::Actor;
use regie_app::{AppError, Regie};
use regie_core::subtitle::SubtitleFormat;

use super::{cli_actor, print_json, success};
use crate::cli::SubtitlesCommand;

/// A spinner on stderr while a long piece of work runs (hidden off a terminal).
fn spinner(message: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

pub async fn transcribe(regie: &Regie, asset: &str, language: Option<&str>, json: bool) -> Result<ExitCode> {
    let language = match language {
        Some(code) => match SpeechLanguage::parse(code) {
            Some(language) => Some(language),
            None => return Err(AppError::Invalid(format!("--language {code:?}: use fr, en or auto")).into()),
        },
        None => None,
    };
    let spinner = (!json).then(|| spinner(format!("transcribing {asset}")));
    let report = regie.transcribe(asset, language, &Actor::new(cli_actor(), None)).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} cues, {} words in {} ({} {:.0} % sure) from {:.1} s of sound in {:.1} s ({:.1}x real time); see `regie subtitles export {asset}`",
            report.cues,
            report.words,
            report.language,
            if report.language_detected { "detected," } else { "as asked," },
            report.language_probability * 100.0,
            report.duration_s,
            report.elapsed_s,
            report.speed
        );
    }
    Ok(success())
}

pub async fn embed(regie: &Regie, asset: Option<&str>, all: bool, json: bool) -> Result<ExitCode> {
    let reports = if all {
        let bar = (!json).then(|| spinner("embedding the assets whose texts changed".to_owned()));
        let progress = |seen: u64| {
            if let Some(bar) = &bar {
                bar.set_message(format!("embedding the assets whose texts changed: {seen} looked at"));
            }
        };
        let reports = regie.embed_all(&progress).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        reports?
    } else {
        let reference = asset.unwrap_or_default();
        let spinner = (!json).then(|| spinner(format!("embedding {reference}")));
        let report = async { regie.embed_asset(regie.resolve_asset(reference).await?).await }.await;
        if let Some(spinner) = spinner {
            spinner.finish_and_clear();
        }
        vec![report?]
    };
    if json {
        if all {
            print_json(&reports)?;
        } else {
            print_json(&reports[0])?;
        }
        return Ok(success());
    }
    for report in &reports {
        println!(
            "{}: {} passages, {} embedded in {:.1} s",
            report.asset_id, report.passages, report.embedded, report.elapsed_s
        );
    }
    if all {
        println!("{} assets embedded", reports.len());
    }
    Ok(success())
}

pub async fn ocr(regie: &Regie, asset: &str, every: Option<f64>, json: bool) -> Result<ExitCode> {
    let spinner = (!json).then(|| spinner(format!("reading the text in {asset}")));
    let report = regie.find_text(asset, every).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} lines of text in {} pictures (one every {} s, {:.1} s); see `regie segments list {asset} --kind ocr`",
            report.lines, report.samples, report.every_s, report.elapsed_s
        );
    }
    Ok(success())
}

pub async fn similar(regie: &Regie, asset: &str, limit: usize, json: bool) -> Result<ExitCode> {
    let report = regie.similar(asset, limit, None, true).await?;
    if json {
        print_json(&report)?;
    } else if report.similar.is_empty() {
        println!("no similar asset ({} pictures compared)", report.samples);
    } else {
        for other in &report.similar {
            let offset = other.similarity.offset_s.map(|offset| format!("  offset {offset:+.0} s")).unwrap_or_default();
            println!(
                "{:>3.0} %  {}  {}  {}{offset}",
                other.similarity.score * 100.0,
                other.house_id,
                other.name,
                other.asset_id
            );
        }
    }
    Ok(success())
}

pub async fn trending(
    regie: &Regie,
    window: &str,
    bursts: bool,
    user: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<ExitCode> {
    let access = match user {
        Some(user) => Some(regie.access_of(&regie_app::Caller::logged_in(user_named(regie, user).await?)).await?),
        None => None,
    };
    let report = regie.trending(access.as_ref(), window, limit, bursts).await?;
    if json {
        print_json(&report)?;
    } else if report.assets.is_empty() {
        println!("nothing viewed{}", if bursts { " in a burst" } else { "" });
    } else {
        for asset in &report.assets {
            println!(
                "{:>8.2}  {}  {}  {}  {:.1}/h now, {:.1}/h this week{}",
                asset.score,
                asset.house_id,
                asset.name,
                asset.asset_id,
                asset.hourly_rate,
                asset.weekly_rate,
                if asset.burst { "  BURST" } else { "" }
            );
        }
    }
    Ok(success())
}

pub fn simulate_trends(days: f64, seed: u64, json: bool) -> Result<ExitCode> {
    if !(1.0..=60.0).contains(&days) {
        return Err(AppError::Invalid("--simulate: 1 to 60 days".to_owned()).into());
    }
    let figures = regie_core::trending::simulate(500, days, 40, seed);
    if json {
        print_json(&figures)?;
    } else {
        println!(
            "{} assets, {:.0} days, {} views, {} bursts injected: {} found (recall {:.3}), {} false alerts (precision {:.3}), median delay {:.0} min",
            figures.assets,
            figures.days,
            figures.views,
            figures.injected_bursts,
            figures.detected_bursts,
            figures.recall,
            figures.false_alerts,
            figures.precision,
            figures.median_delay_min
        );
    }
    Ok(success())
}

async fn user_named(regie: &Regie, user: &str) -> Result<regie_app::UserRecord> {
    Ok(regie
        .list_users()
        .await?
        .into_iter()
        .find(|record| record.name == user)
        .ok_or_else(|| AppError::NoSuchFile(format!("no user {user:?}: see `regie users list`")))?)
}

pub async fn recommend(regie: &Regie, user: &str, like: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
    let record = user_named(regie, user).await?;
    let access = regie.access_of(&regie_app::Caller::logged_in(record.clone())).await?;
    let limit = limit.clamp(1, regie_app::intelligence::MAX_RECOMMENDATIONS);
    let report = match like {
        Some(asset) => {
            let asset_id = regie.asset_for(&access, asset, regie_app::Permission::Read).await?;
            regie.more_like(asset_id, &access, limit).await?
        }
        None => regie.recommend_for(&record, &access, limit).await?,
    };
    if json {
        print_json(&report)?;
    } else if report.recommendations.is_empty() {
        println!("nothing to recommend yet ({} model)", report.model);
    } else {
        for item in &report.recommendations {
            println!("{:>8.3}  {}  {}  {}  ({})", item.score, item.house_id, item.name, item.asset_id, item.reason);
        }
    }
    Ok(success())
}

pub async fn evaluate(file: &std::path::Path, seed: u64, json: bool) -> Result<ExitCode> {
    let report = regie_app::intelligence::evaluate_file(file, seed).await?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "{} interactions, {} users, {} items; {}",
            report.interactions, report.users, report.items, report.protocol
        );
        println!("| model | Recall@10 | NDCG@10 | fit |\n|---|---|---|---|");
        for model in &report.models {
            println!(
                "| {} | {:.4} | {:.4} | {:.1} s |",
                model.model, model.recall_at_10, model.ndcg_at_10, model.fit_s
            );
        }
    }
    Ok(success())
}

pub async fn subtitles(regie: &Regie, command: SubtitlesCommand) -> Result<ExitCode> {
    match command {
        SubtitlesCommand::List { asset, json } => {
            let asset_id = regie.resolve_asset(&asset).await?;
            let tracks = regie.subtitle_tracks(asset_id).await?;
            if json {
                let listed: Vec<serde_json::Value> = tracks
                    .iter()
                    .map(|track| {
                        serde_json::json!({
                            "source": track.source,
                            "language": track.language,
                            "origin": track.origin,
                            "machine": track.origin != "sidecar",
                            "engine": track.engine,
                            "language_probability": track.language_probability,
                            "cues": track.cues.len(),
                        })
                    })
                    .collect();
                print_json(&listed)?;
            } else if tracks.is_empty() {
                println!("no subtitles");
            } else {
                for track in &tracks {
                    let made = match &track.engine {
                        Some(engine) => format!("machine-made by {engine}"),
                        None => "from a file".to_owned(),
                    };
                    println!(
                        "{}\t{}\t{} cues\t{made}",
                        track.source,
                        track.language.as_deref().unwrap_or("-"),
                        track.cues.len()
                    );
                }
            }
        }
        SubtitlesCommand::Export { asset, source, format, output } => {
            let format = match (&format, &output) {
                (Some(text), _) => {
                    SubtitleFormat::parse(text).ok_or_else(|| anyhow::anyhow!("--format {text:?}: use srt or vtt"))?
                }
                (None, Some(path)) => path
                    .extension()
                    .and_then(|extension| SubtitleFormat::parse(&extension.to_string_lossy()))
                    .unwrap_or(SubtitleFormat::Srt),
                (None, None) => SubtitleFormat::Srt,
            };
            let asset_id = regie.resolve_asset(&asset).await?;
            let export = regie.export_subtitles(asset_id, source.as_deref(), format).await?;
            match output {
                Some(path) => {
                    regie_app::write_new_file(&path, export.text.as_bytes())?;
                    eprintln!("written {}", path.display());
                }
                None => print!("{}", export.text),
            }
        }
    }
    Ok(success())
}
