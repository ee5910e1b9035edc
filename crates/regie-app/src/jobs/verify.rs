//! A fixity check of one asset: every stored file of it is read in full (from the folder or the
//! bucket) and its BLAKE3 compared with its address. A missing or altered file fails the job for
//! good, naming the file; the job changes nothing.

use regie_db::JobOutputs;

use super::failure::JobFailure;
use super::worker::{Completed, JobContext};

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    let asset_id = context.job.asset_id.ok_or_else(|| JobFailure::permanent("the job names no asset"))?;
    let asset = context.regie.queue.asset(&context.job.id, &context.worker, asset_id).await?;
    let mut bytes = 0u64;
    for file in &asset.files {
        let address =
            regie_core::Blake3Hex::parse(&file.blake3).map_err(|error| JobFailure::permanent(error.to_string()))?;
        if !context.regie.store.verify_blob(&address).await? {
            return Err(JobFailure::permanent(format!(
                "the {} file of {} ({}) is missing or no longer matches its BLAKE3: restore it from a copy",
                file.role, asset.house_id, file.blake3
            )));
        }
        bytes += file.size;
    }
    Ok(Completed {
        outputs: JobOutputs { asset_id: Some(asset_id), files: Vec::new(), rendition: None },
        result: serde_json::json!({ "files_verified": asset.files.len(), "bytes_read": bytes }),
    })
}
