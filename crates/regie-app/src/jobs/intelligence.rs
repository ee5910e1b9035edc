//! The jobs of media intelligence: `transcribe` (speech into the `transcript` subtitle track),
//! `ocr` (the text in the pictures into `ocr` segments), `fingerprint` (perceptual fingerprints,
//! and `near-duplicate` findings), `embed` (the passages of semantic search).

use regie_media::SpeechLanguage;

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};

pub(super) async fn transcribe(context: &JobContext) -> Result<Completed, JobFailure> {
    let (asset, source, media) = context.source().await?;
    let outputs = regie_db::JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: None };
    if !crate::intelligence::has_speech(&media) {
        context.log("info", "no sound: nothing to transcribe").await;
        return Ok(Completed { outputs, result: serde_json::json!({"cues": 0}) });
    }
    let asked = context.job.payload.get("language").and_then(|value| value.as_str()).unwrap_or("auto");
    let language = SpeechLanguage::parse(asked)
        .ok_or_else(|| JobFailure::permanent(format!("unknown transcription language {asked:?}: fr, en or auto")))?;
    let report = context
        .regie
        .make_transcript(asset.id, source.path(), &media, &context.work_dir, language)
        .await
        .map_err(JobFailure::from)?;
    context
        .log(
            "info",
            &format!(
                "{} cues, {} words in {} ({:.0} % sure) from {:.1} s of sound in {:.1} s ({:.1}x real time)",
                report.cues,
                report.words,
                report.language,
                report.language_probability * 100.0,
                report.duration_s,
                report.elapsed_s,
                report.speed
            ),
        )
        .await;
    let result = serde_json::json!({"cues": report.cues, "words": report.words, "language": report.language});
    Ok(Completed { outputs, result })
}

/// The `ocr` job: reads the text in an asset's pictures into `ocr` segments.
pub(super) async fn read_text(context: &JobContext) -> Result<Completed, JobFailure> {
    let (asset, source, media) = context.source().await?;
    let outputs = regie_db::JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: None };
    if !crate::intelligence::has_pictures(&media) {
        context.log("info", "no pictures: no text to read").await;
        return Ok(Completed { outputs, result: serde_json::json!({"lines": 0}) });
    }
    let every_s = context.job.payload.get("every_s").and_then(|value| value.as_f64()).unwrap_or(2.0);
    let report = context
        .regie
        .read_on_screen_text(asset.id, source.path(), &media, &context.work_dir, every_s)
        .await
        .map_err(JobFailure::from)?;
    context
        .log(
            "info",
            &format!(
                "{} lines of text in {} pictures (one every {} s) in {:.1} s",
                report.lines, report.samples, report.every_s, report.elapsed_s
            ),
        )
        .await;
    Ok(Completed { outputs, result: serde_json::json!({"lines": report.lines, "samples": report.samples}) })
}

/// The `embed` job: embeds the passages of an asset whose texts changed.
pub(super) async fn embed(context: &JobContext) -> Result<Completed, JobFailure> {
    let asset_id = context.job.asset_id.ok_or_else(|| JobFailure::permanent("an embed job names its asset"))?;
    let report = context.regie.embed_asset(asset_id).await.map_err(JobFailure::from)?;
    context
        .log(
            "info",
            &format!("{} passages, {} embedded in {:.1} s", report.passages, report.embedded, report.elapsed_s),
        )
        .await;
    let outputs = regie_db::JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: None };
    Ok(Completed { outputs, result: serde_json::json!({"passages": report.passages, "embedded": report.embedded}) })
}

/// The `fingerprint` job: fingerprints an asset's pictures and flags the assets it copies.
pub(super) async fn fingerprint(context: &JobContext) -> Result<Completed, JobFailure> {
    let (asset, source, media) = context.source().await?;
    let outputs = regie_db::JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: None };
    if !crate::intelligence::has_pictures_to_fingerprint(&media) {
        context.log("info", "no pictures: nothing to fingerprint").await;
        return Ok(Completed { outputs, result: serde_json::json!({"samples": 0}) });
    }
    let (samples, near_duplicates) =
        context.regie.fingerprint_and_flag(asset.id, source.path(), &media).await.map_err(JobFailure::from)?;
    context.log("info", &format!("{samples} pictures fingerprinted; {near_duplicates} near-duplicates")).await;
    Ok(Completed { outputs, result: serde_json::json!({"samples": samples, "near_duplicates": near_duplicates}) })
}
