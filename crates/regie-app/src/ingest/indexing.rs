//! The search index takes an ingest's new assets while the run goes on: the index is opened (a
//! new one filled from the catalogue) as the run starts, each recorded batch's documents are
//! read as the next batches are recorded, and they are written in one commit per
//! [`COMMIT_EVERY`] documents, the rest when the run ends. A long ingest becomes searchable as
//! it goes, and a short one waits only for the last commit.

use regie_core::AssetId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::Regie;
use crate::search::IndexUpdate;

/// Documents written to the index per commit during a run.
const COMMIT_EVERY: usize = 10_000;
/// Recorded batches waiting to be read for the index.
const WAITING_BATCHES: usize = 16;

/// The indexing side of one ingest run.
pub(super) struct Indexing {
    sender: mpsc::Sender<Vec<AssetId>>,
    task: JoinHandle<()>,
}

impl Indexing {
    pub(super) fn start(regie: Regie) -> Self {
        let (sender, mut batches) = mpsc::channel::<Vec<AssetId>>(WAITING_BATCHES);
        let task = tokio::spawn(async move {
            // Opened now, so the end of the run does not wait for it; a failure is reported
            // when the documents are written.
            let _ = regie.search_index().await;
            let mut pending = IndexUpdate::default();
            while let Some(asset_ids) = batches.recv().await {
                match regie.index_update(&asset_ids).await {
                    Ok(update) => pending.extend(update),
                    Err(error) => regie.index_failed(&error).await,
                }
                if pending.len() >= COMMIT_EVERY {
                    regie.write_index(std::mem::take(&mut pending)).await;
                }
            }
            regie.write_index(pending).await;
        });
        Self { sender, task }
    }

    /// Queues new assets for the index (waits while the reading is many batches behind).
    pub(super) async fn add(&self, asset_ids: Vec<AssetId>) {
        if !asset_ids.is_empty() {
            // The task ends only when the sender is dropped.
            let _ = self.sender.send(asset_ids).await;
        }
    }

    /// Writes what is left and waits for it.
    pub(super) async fn finish(self) {
        drop(self.sender);
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "the search index was not updated after the ingest");
        }
    }
}
