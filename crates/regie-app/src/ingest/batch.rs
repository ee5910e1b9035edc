//! Recording prepared files a batch at a time, in the order that keeps the catalogue honest:
//! the copies flushed to disk and renamed to their content addresses (one flush for the whole
//! batch), then every row in one transaction. Thousands of small files pay a few flushes, not
//! three each. A batch takes whatever the workers prepared while the last one was being
//! stored, and what arrives within 20 ms more; one large file is recorded alone. Storing and
//! recording overlap: batch N+1's copies are flushed and renamed while batch N's rows are
//! written (a copy stored before its row is harmless; a row is never written before its copy).

use tokio::sync::mpsc;

use super::one_file::{Prepared, Record};
use super::{FileOutcome, Run};
use crate::AppError;

/// The most files recorded in one transaction (and prepared files waiting for it).
pub(super) const BATCH_LIMIT: usize = 256;
/// How long a batch waits for more files after its first.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(20);

impl Run {
    /// Records what the workers prepare, a batch at a time, until every worker has finished.
    /// Two stages overlap: while one batch's rows are written, the next one's copies are stored.
    pub(super) async fn record_batches(&self, mut prepared: mpsc::Receiver<Prepared>) {
        let (stored_sender, mut stored) = mpsc::channel::<StoredBatch>(1);
        let storing = async move {
            while let Some(batch) = next_batch(&mut prepared).await {
                if stored_sender.send(self.store_batch(batch).await).await.is_err() {
                    return;
                }
            }
        };
        let recording = async {
            while let Some(batch) = stored.recv().await {
                for outcome in self.record_batch(batch).await {
                    self.report(outcome);
                }
                self.index_created().await;
            }
        };
        tokio::join!(storing, recording);
    }

    /// Puts every copy of a batch at its content address, whatever the outcome (a no-op for
    /// content stored already): one flush before and one after the renames.
    async fn store_batch(&self, batch: Vec<Prepared>) -> StoredBatch {
        let started = std::time::Instant::now();
        let mut staged = Vec::with_capacity(batch.len());
        let mut records = Vec::with_capacity(batch.len());
        for Prepared { staged: copy, record } in batch {
            staged.push(copy);
            records.push(record);
        }
        let stored = self.regie.store.store_all(staged).await.map_err(AppError::from);
        StoredBatch { records, stored, storing: started.elapsed() }
    }

    /// Records one stored batch; an outcome for every file of it.
    async fn record_batch(&self, batch: StoredBatch) -> Vec<FileOutcome> {
        let StoredBatch { records, stored, storing } = batch;
        if let Err(error) = stored {
            return failed_all(&records, &error);
        }
        let _recording = self.record_lock.lock().await;
        let started = std::time::Instant::now();
        let files = records.len();
        // Content catalogued since the workers looked (an earlier batch, another process), or
        // twice in this batch, makes a duplicate.
        let digests: Vec<&regie_core::Blake3Hex> = records.iter().map(|record| &record.file.checksums.blake3).collect();
        let known = match self.regie.db.find_by_contents(&digests).await {
            Ok(known) => known,
            Err(error) => return failed_all(&records, &error.into()),
        };
        let mut fresh: Vec<Record> = Vec::new();
        let mut repeats: Vec<Record> = Vec::new();
        let mut first_seen = std::collections::HashSet::new();
        for record in records {
            let blake3 = record.file.checksums.blake3.to_string();
            if known.contains_key(&blake3) || !first_seen.insert(blake3) {
                repeats.push(record);
            } else {
                fresh.push(record);
            }
        }
        let mut outcomes =
            match self.regie.db.insert_assets(fresh.iter().map(|record| self.new_asset(record)).collect()).await {
                Ok(house_ids) => {
                    fresh.into_iter().zip(house_ids).map(|(record, house_id)| ingested(record, house_id)).collect()
                }
                // Another process catalogued some of the same bytes meanwhile: one at a time, so
                // those become duplicates and the rest are recorded.
                Err(regie_db::DbError::ContentAlreadyCatalogued(_)) => self.record_one_by_one(fresh).await,
                Err(error) => failed_all(&fresh, &error.into()),
            };
        for record in repeats {
            outcomes.push(self.duplicate_outcome(&record).await);
        }
        tracing::debug!(
            files,
            stored_ms = storing.as_millis(),
            recorded_ms = started.elapsed().as_millis(),
            "ingest batch"
        );
        outcomes
    }

    async fn record_one_by_one(&self, records: Vec<Record>) -> Vec<FileOutcome> {
        let mut outcomes = Vec::with_capacity(records.len());
        for record in records {
            let outcome = match self.regie.db.insert_asset(self.new_asset(&record)).await {
                Ok(house_id) => ingested(record, house_id),
                Err(regie_db::DbError::ContentAlreadyCatalogued(_)) => self.duplicate_outcome(&record).await,
                Err(error) => FileOutcome::from_error(&record.path, &error.into()),
            };
            outcomes.push(outcome);
        }
        outcomes
    }

    /// The outcome of a file whose content is catalogued already.
    async fn duplicate_outcome(&self, record: &Record) -> FileOutcome {
        let checksums = &record.file.checksums;
        match self.duplicate_of_existing(&record.path, &checksums.blake3, checksums.size).await {
            Ok(Some(outcome)) => outcome,
            Ok(None) => {
                FileOutcome::from_error(&record.path, &AppError::Internal("catalogued content vanished".to_owned()))
            }
            Err(error) => FileOutcome::from_error(&record.path, &error),
        }
    }
}

/// A batch whose copies are at their content addresses (or failed to get there).
struct StoredBatch {
    records: Vec<Record>,
    stored: Result<(), AppError>,
    storing: std::time::Duration,
}

/// The next batch: the first prepared file, and what arrives within the window after it.
async fn next_batch(prepared: &mut mpsc::Receiver<Prepared>) -> Option<Vec<Prepared>> {
    let first = prepared.recv().await?;
    // What arrives within a short window joins the batch: fewer, larger batches cost the
    // catalogue fewer pages written per file, and one file alone waits only this.
    let window = tokio::time::Instant::now() + BATCH_WINDOW;
    let mut batch = vec![first];
    while batch.len() < BATCH_LIMIT {
        match tokio::time::timeout_at(window, prepared.recv()).await {
            Ok(Some(next)) => batch.push(next),
            Ok(None) | Err(_) => break,
        }
    }
    Some(batch)
}

fn ingested(record: Record, house_id: String) -> FileOutcome {
    FileOutcome::ingested(&record.path, record.asset_id, house_id, record.file.checksums.size, record.findings)
}

fn failed_all(records: &[Record], error: &AppError) -> Vec<FileOutcome> {
    records.iter().map(|record| FileOutcome::from_error(&record.path, error)).collect()
}
