//! Recording prepared files a batch at a time, in the order that keeps the catalogue honest:
//! the copies flushed to disk and renamed to their content addresses (one flush for the whole
//! batch), then every row in one transaction. Thousands of small files pay a few flushes, not
//! three each. A batch takes whatever the workers prepared while the last one was being
//! recorded, and what arrives within 20 ms more; one large file is recorded alone.

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
    pub(super) async fn record_batches(&self, mut prepared: mpsc::Receiver<Prepared>) {
        while let Some(first) = prepared.recv().await {
            // What arrives within a short window joins the batch: fewer, larger batches cost
            // the catalogue fewer pages written per file, and one file alone waits only this.
            let window = tokio::time::Instant::now() + BATCH_WINDOW;
            let mut batch = vec![first];
            while batch.len() < BATCH_LIMIT {
                match tokio::time::timeout_at(window, prepared.recv()).await {
                    Ok(Some(next)) => batch.push(next),
                    Ok(None) | Err(_) => break,
                }
            }
            for outcome in self.record_batch(batch).await {
                self.report(outcome);
            }
        }
    }

    /// Stores and records one batch; an outcome for every file of it.
    async fn record_batch(&self, batch: Vec<Prepared>) -> Vec<FileOutcome> {
        let _recording = self.record_lock.lock().await;
        let started = std::time::Instant::now();
        let files = batch.len();
        let mut staged = Vec::with_capacity(batch.len());
        let mut records = Vec::with_capacity(batch.len());
        for Prepared { staged: copy, record } in batch {
            staged.push(copy);
            records.push(record);
        }
        // Every copy goes to its content address whatever the outcome (a no-op when stored).
        if let Err(error) = self.regie.store.store_all(staged).await {
            return failed_all(&records, &error.into());
        }
        let stored = started.elapsed();
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
            stored_ms = stored.as_millis(),
            recorded_ms = (started.elapsed() - stored).as_millis(),
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

fn ingested(record: Record, house_id: String) -> FileOutcome {
    FileOutcome::ingested(&record.path, record.asset_id, house_id, record.file.checksums.size, record.findings)
}

fn failed_all(records: &[Record], error: &AppError) -> Vec<FileOutcome> {
    records.iter().map(|record| FileOutcome::from_error(&record.path, error)).collect()
}
