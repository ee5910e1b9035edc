//! The keeping jobs: `replicate` makes an asset's missing copies, `fixity` runs a schedule's
//! share of checks (and repairs) for one location.

use regie_db::JobOutputs;

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};
use crate::keeping::FixityRequest;

pub(super) async fn replicate(context: &JobContext) -> Result<Completed, JobFailure> {
    let asset_id = context.job.asset_id.ok_or_else(|| JobFailure::permanent("the job names no asset"))?;
    let actor = format!("worker:{}", context.worker);
    let report = context.regie.replicate_asset(&asset_id.to_string(), &actor).await?;
    let failed: Vec<String> = report
        .copies
        .iter()
        .filter_map(|copy| copy.error.as_ref().map(|error| format!("{} to {}: {error}", copy.blake3, copy.to)))
        .collect();
    if !failed.is_empty() {
        // Another attempt may find the location back; a bad source stays bad until repaired.
        return Err(JobFailure::Error { message: failed.join("; "), retryable: true });
    }
    Ok(Completed {
        outputs: JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: None },
        result: serde_json::to_value(&report).unwrap_or_default(),
    })
}

pub(super) async fn fixity(context: &JobContext) -> Result<Completed, JobFailure> {
    let mut request: FixityRequest = serde_json::from_value(context.job.payload.clone())
        .map_err(|error| JobFailure::permanent(format!("the job carries no readable fixity request: {error}")))?;
    request.actor = format!("worker:{}", context.worker);
    let report = context.regie.run_fixity(&request).await?;
    Ok(Completed {
        outputs: JobOutputs { asset_id: None, files: Vec::new(), rendition: None },
        result: serde_json::json!({
            "location": request.location,
            "copies_checked": report.copies_checked,
            "bad": report.bad,
            "repaired": report.repaired,
            "unrepaired": report.unrepaired,
            "bytes_read": report.bytes_read,
            "seconds": report.seconds,
        }),
    })
}
