//! Garbage collection: removes blobs no catalogue row refers to (left by a crash between the
//! blob's rename and its row) and temporary files of interrupted copies. It takes the data
//! folder's lock exclusively, so it never races an ingest that is about to write its row.

use serde::Serialize;

use crate::{AppError, Regie};

#[derive(Debug, Clone, Default, Serialize)]
pub struct GcReport {
    pub removed_blobs: Vec<RemovedBlob>,
    pub removed_temporaries: Vec<String>,
    pub bytes_freed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RemovedBlob {
    pub blake3: String,
    pub size: u64,
}

impl Regie {
    pub async fn gc(&self) -> Result<GcReport, AppError> {
        let (lock, path) = self.lock_file()?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(AppError::Busy { path }),
            Err(std::fs::TryLockError::Error(source)) => return Err(AppError::DataFolder { path, source }),
        }
        let referenced = self.db.referenced_blobs().await?;
        let store = self.store.clone();
        let report = tokio::task::spawn_blocking(move || -> Result<GcReport, AppError> {
            let mut report = GcReport::default();
            for (temporary, size) in store.remove_leftover_temporaries()? {
                report.bytes_freed += size;
                report.removed_temporaries.push(temporary.display().to_string());
            }
            for blob in store.list()? {
                if referenced.contains(blob.as_str()) {
                    continue;
                }
                if let Some(size) = store.remove(&blob)? {
                    report.bytes_freed += size;
                    report.removed_blobs.push(RemovedBlob { blake3: blob.to_string(), size });
                }
            }
            Ok(report)
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        drop(lock);
        Ok(report)
    }
}
