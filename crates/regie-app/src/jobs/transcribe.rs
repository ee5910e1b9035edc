//! The `transcribe` job: turns an asset's speech into its `transcript` subtitle track.

use regie_media::SpeechLanguage;

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
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
