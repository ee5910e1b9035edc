//! The `shots` job: finds an asset's shots (cuts, dissolves, fades) and records them as segments,
//! with a keyframe per shot kept in the asset's `shots` rendition.

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    let (asset, source, media) = context.source().await?;
    if !crate::timeline::has_shots(&media) {
        context.log("info", "not moving pictures: no shots to find").await;
        let outputs = regie_db::JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: None };
        return Ok(Completed { outputs, result: serde_json::json!({"shots": 0}) });
    }
    let (report, outputs) =
        context.regie.find_shots(asset.id, source.path(), &media, &context.work_dir).await.map_err(JobFailure::from)?;
    context
        .log(
            "info",
            &format!(
                "{} shots in {} frames: {} cuts, {} dissolves or fades, {:.1} s",
                report.shots, report.frames, report.cuts, report.gradual, report.elapsed_s
            ),
        )
        .await;
    let result = serde_json::json!({"shots": report.shots, "cuts": report.cuts, "gradual": report.gradual, "frames": report.frames});
    Ok(Completed { outputs, result })
}
