//! Garbage collection: removes blobs no catalogue row refers to (left by a crash between the
//! blob's rename and its row), temporary files of interrupted copies and work folders of jobs
//! whose worker died. It takes the data folder's lock exclusively, so it never races an ingest
//! or a job that is about to write its row.

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
        let work = self.settings.data_dir.join("work");
        let report = tokio::task::spawn_blocking(move || -> Result<GcReport, AppError> {
            let mut report = GcReport::default();
            for (temporary, size) in store.remove_leftover_temporaries()? {
                report.bytes_freed += size;
                report.removed_temporaries.push(temporary.display().to_string());
            }
            // Work folders of jobs whose worker died: no job runs while gc holds the lock.
            for entry in std::fs::read_dir(&work).into_iter().flatten().flatten() {
                let size: u64 = std::fs::read_dir(entry.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|file| file.metadata().ok())
                    .map(|metadata| metadata.len())
                    .sum();
                if std::fs::remove_dir_all(entry.path()).is_ok() {
                    report.bytes_freed += size;
                    report.removed_temporaries.push(entry.path().display().to_string());
                }
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
