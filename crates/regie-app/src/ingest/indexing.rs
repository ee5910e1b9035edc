//! The search index takes an ingest's new assets while the run goes on: the index is opened (a
//! new one filled from the catalogue) as the run starts, and each recorded batch's documents go
//! to an index writer whose thread indexes them while the next batches are recorded. The
//! writer is committed, and let go for other processes writing the same index, after
//! [`COMMIT_EVERY`] documents or [`HOLD_AT_MOST`], whichever comes first, and when the run
//! ends: a long ingest becomes searchable as it goes, and a short one waits only for the commit.

use std::time::Duration;

use regie_core::AssetId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::Regie;
use crate::search::{IndexFeeder, IndexUpdate};

/// Documents written to the index per commit during a run.
const COMMIT_EVERY: usize = 10_000;
/// The longest a run keeps the index's writer (another process waits for it meanwhile).
const HOLD_AT_MOST: Duration = Duration::from_secs(2);
/// Recorded batches waiting to be read for the index.
const WAITING_BATCHES: usize = 16;

/// The indexing side of one ingest run.
pub(super) struct Indexing {
    sender: mpsc::Sender<Vec<AssetId>>,
    task: JoinHandle<()>,
}

/// A writer taking this run's documents, not yet committed.
struct OpenWriter {
    feeder: IndexFeeder,
    opened: Instant,
    documents: usize,
}

impl Indexing {
    pub(super) fn start(regie: Regie) -> Self {
        let (sender, mut batches) = mpsc::channel::<Vec<AssetId>>(WAITING_BATCHES);
        let task = tokio::spawn(async move {
            // Opened now, so the end of the run does not wait for it; a failure is reported
            // when the documents are written.
            let _ = regie.search_index().await;
            let mut writer: Option<OpenWriter> = None;
            // Assets of the run gone from the catalogue before they were indexed.
            let mut removed = IndexUpdate::default();
            loop {
                let next = match &writer {
                    Some(open) => match tokio::time::timeout_at(open.opened + HOLD_AT_MOST, batches.recv()).await {
                        Ok(next) => next,
                        Err(_) => {
                            commit(&regie, writer.take()).await;
                            continue;
                        }
                    },
                    None => batches.recv().await,
                };
                let Some(asset_ids) = next else { break };
                let mut update = match regie.index_update(&asset_ids).await {
                    Ok(update) => update,
                    Err(error) => {
                        regie.index_failed(&error).await;
                        continue;
                    }
                };
                let documents = update.take_documents();
                removed.extend(update);
                if documents.is_empty() {
                    continue;
                }
                if writer.is_none() {
                    writer = open_writer(&regie).await;
                }
                let Some(open) = writer.as_mut() else { continue };
                open.documents += documents.len();
                // Replacing: another process following the change feed may have indexed them.
                if let Err(error) = open.feeder.feed(documents, true).await {
                    writer = None;
                    regie.index_failed(&error).await;
                    continue;
                }
                if open.documents >= COMMIT_EVERY {
                    commit(&regie, writer.take()).await;
                }
            }
            commit(&regie, writer.take()).await;
            regie.write_index(removed).await;
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

/// A writer with one indexing thread (the run's own work keeps the other cores busy).
async fn open_writer(regie: &Regie) -> Option<OpenWriter> {
    let opened = async { IndexFeeder::start_with(&regie.search_index().await?, false, 1).await };
    match opened.await {
        Ok(feeder) => Some(OpenWriter { feeder, opened: Instant::now(), documents: 0 }),
        Err(error) => {
            regie.index_failed(&error).await;
            None
        }
    }
}

async fn commit(regie: &Regie, writer: Option<OpenWriter>) {
    let Some(writer) = writer else { return };
    let started = std::time::Instant::now();
    match writer.feeder.finish().await {
        Ok(documents) => {
            tracing::debug!(documents, commit_ms = started.elapsed().as_millis(), "search index updated")
        }
        Err(error) => regie.index_failed(&error).await,
    }
}
