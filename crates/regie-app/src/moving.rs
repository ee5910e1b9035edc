//! `regie move`: carries this installation (a SQLite catalogue, blobs in the data folder) to a
//! PostgreSQL database and an S3 bucket. Blobs go first, each re-read and checked against its
//! BLAKE3 on the way; rows follow, inserted unless already there. An interrupted move is run
//! again and resumes: blobs already in the target and rows already there are skipped.

use std::sync::Arc;
use std::time::Instant;

use regie_db::{Database, TABLES_IN_ORDER};
use regie_storage::{BlobStore, HashOptions, S3Blobs};
use serde::Serialize;

use crate::{AppError, Regie};

/// Where to move to.
#[derive(Debug, Clone)]
pub struct MoveTarget {
    pub database_url: String,
    /// `None` leaves the blobs where they are.
    pub store_url: Option<String>,
}

/// What a move did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MoveReport {
    pub database: String,
    pub store: Option<String>,
    pub blobs_copied: u64,
    pub bytes_copied: u64,
    /// Already in the target (a resumed move).
    pub blobs_already_there: u64,
    /// Blobs whose content no longer matches their address (or that are missing) in the source:
    /// not copied; restore them and run the move again.
    pub blobs_failed: Vec<String>,
    /// Rows read per table (rows already in the target are kept as they are).
    pub rows: Vec<(String, u64)>,
    pub elapsed_s: f64,
}

/// What the front end is told as the move goes.
pub trait MoveObserver: Send + Sync {
    fn blobs(&self, _total: u64) {}
    fn blob_done(&self, _bytes: u64) {}
    fn table(&self, _table: &str, _rows: u64) {}
    fn rows_done(&self, _rows: u64) {}
}

impl Regie {
    pub async fn move_to(&self, target: &MoveTarget, observer: Arc<dyn MoveObserver>) -> Result<MoveReport, AppError> {
        let started = Instant::now();
        let mut report = MoveReport {
            database: regie_db::redact_url(&target.database_url),
            store: target.store_url.clone(),
            ..MoveReport::default()
        };
        let destination = Database::open_url(&target.database_url).await?;
        if let Some(url) = &target.store_url {
            let staging = self.settings.data_dir.join("store");
            let store = BlobStore::open(staging)?.with_remote(S3Blobs::open(url)?);
            store.check().await?;
            self.move_blobs(&store, &mut report, observer.as_ref()).await?;
        }
        if report.blobs_failed.is_empty() {
            for table in TABLES_IN_ORDER {
                observer.table(table, self.db.row_count(table).await?);
                let observer = Arc::clone(&observer);
                let rows = self.db.copy_table_into(&destination, table, &move |rows| observer.rows_done(rows)).await?;
                report.rows.push((table.to_owned(), rows));
            }
        }
        destination.close().await;
        report.elapsed_s = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Copies every referenced blob that the target does not hold yet, re-hashing it on the way.
    async fn move_blobs(
        &self,
        target: &BlobStore,
        report: &mut MoveReport,
        observer: &dyn MoveObserver,
    ) -> Result<(), AppError> {
        let referenced = self.db.referenced_blobs().await?;
        observer.blobs(referenced.len() as u64);
        for digest in referenced {
            let address = regie_core::Blake3Hex::parse(&digest)?;
            if target.size(&address).await?.is_some() {
                report.blobs_already_there += 1;
                observer.blob_done(0);
                continue;
            }
            let source = match self.store.local_copy(&address).await {
                Ok(source) => source,
                Err(regie_storage::StorageError::BlobMissing { .. }) => {
                    report.blobs_failed.push(format!("{digest}: missing from the source store"));
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let (staging, path) = (target.clone(), source.path().to_owned());
            let staged = tokio::task::spawn_blocking(move || staging.stage(&path, HashOptions::default(), &|_| {}))
                .await
                .map_err(|error| AppError::Internal(error.to_string()))??;
            if staged.checksums.blake3 != address {
                report.blobs_failed.push(format!("{digest}: its content now hashes to {}", staged.checksums.blake3));
                continue;
            }
            let size = staged.checksums.size;
            target.store(staged).await?;
            report.blobs_copied += 1;
            report.bytes_copied += size;
            observer.blob_done(size);
        }
        Ok(())
    }
}
