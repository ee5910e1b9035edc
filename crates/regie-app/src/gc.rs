//! Garbage collection: removes blobs no catalogue row refers to (left by a crash between the
//! blob's rename and its row), temporary files of interrupted copies and work folders of jobs
//! whose worker died. It takes the data folder's lock exclusively, so it never races an ingest
//! or a job that is about to write its row. Uploads nobody touched for a week are removed too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::{AppError, Regie};

#[derive(Debug, Clone, Default, Serialize)]
pub struct GcReport {
    pub removed_blobs: Vec<RemovedBlob>,
    pub removed_temporaries: Vec<String>,
    pub bytes_freed: u64,
    /// Entries of the change feed forgotten (the newest million are kept for the search
    /// indexes of other nodes to catch up from).
    pub changes_pruned: u64,
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
        let uploads = self.settings.data_dir.join("uploads");
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
            for (path, size) in remove_abandoned_uploads(&uploads, SystemTime::now() - UPLOAD_IDLE_LIMIT) {
                report.bytes_freed += size;
                report.removed_temporaries.push(path.display().to_string());
            }
            Ok(report)
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))??;
        let mut report = report;
        // Other locations may be written by processes of other machines: only old leftovers go.
        for location in self.list_locations().await?.into_iter().filter(|location| !location.primary) {
            let store = self.open_location(&location.name).await?;
            for (temporary, size) in store.remove_temporaries_older_than(Duration::from_secs(3600))? {
                report.bytes_freed += size;
                report.removed_temporaries.push(temporary.display().to_string());
            }
        }
        for blob in self.store.list_blobs().await? {
            if referenced.contains(blob.as_str()) {
                continue;
            }
            if let Some(size) = self.store.remove_blob(&blob).await? {
                report.bytes_freed += size;
                report.removed_blobs.push(RemovedBlob { blake3: blob.to_string(), size });
            }
        }
        report.changes_pruned = self.prune_change_feed().await?;
        drop(lock);
        Ok(report)
    }
}

/// An upload whose files have not changed for this long is abandoned.
pub const UPLOAD_IDLE_LIMIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Removes the files of every upload (`ID.part`, `ID.json`, `ID.chunk`, the `ID/` landing folder)
/// none of which changed since `before`; returns what was removed with its size.
fn remove_abandoned_uploads(folder: &Path, before: SystemTime) -> Vec<(PathBuf, u64)> {
    let mut uploads: HashMap<String, (SystemTime, Vec<(PathBuf, u64)>)> = HashMap::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.split('.').next().unwrap_or_default().to_owned();
        let Ok(metadata) = entry.metadata() else { continue };
        let mut newest = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let mut size = metadata.len();
        if metadata.is_dir() {
            for file in std::fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                if let Ok(inner) = file.metadata() {
                    newest = newest.max(inner.modified().unwrap_or(SystemTime::UNIX_EPOCH));
                    size += inner.len();
                }
            }
        }
        let upload = uploads.entry(id).or_insert((SystemTime::UNIX_EPOCH, Vec::new()));
        upload.0 = upload.0.max(newest);
        upload.1.push((entry.path(), size));
    }
    let mut removed = Vec::new();
    for (newest, files) in uploads.into_values() {
        if newest >= before {
            continue;
        }
        for (path, size) in files {
            let gone = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            if gone.is_ok() {
                removed.push((path, size));
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uploads_idle_past_the_limit_are_removed() {
        let folder = tempfile::tempdir().unwrap();
        for name in ["old.part", "old.json", "fresh.part", "fresh.json"] {
            std::fs::write(folder.path().join(name), b"bytes").unwrap();
        }
        std::fs::create_dir(folder.path().join("old")).unwrap();
        std::fs::write(folder.path().join("old/clip.wav"), b"landing").unwrap();
        let a_week_ago = SystemTime::now() - UPLOAD_IDLE_LIMIT - Duration::from_secs(60);
        for name in ["old.part", "old.json", "old/clip.wav", "old"] {
            std::fs::File::options()
                .write(true)
                .open(folder.path().join(name))
                .or_else(|_| std::fs::File::open(folder.path().join(name)))
                .unwrap()
                .set_modified(a_week_ago)
                .unwrap();
        }
        let removed = remove_abandoned_uploads(folder.path(), SystemTime::now() - UPLOAD_IDLE_LIMIT);
        assert_eq!(removed.len(), 3, "{removed:?}");
        let mut left: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["fresh.json", "fresh.part"]);
    }
}
