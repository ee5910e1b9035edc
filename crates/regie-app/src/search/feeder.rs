//! Bulk indexing beside async work: a thread owns the index writer and takes batches of
//! documents from a bounded channel, so reading the catalogue and indexing overlap and a slow
//! index holds the reader back instead of filling memory.

use std::sync::Arc;
use std::thread::JoinHandle;

use regie_search::{SearchDocument, SearchError, SearchIndex};
use tokio::sync::mpsc;

use super::join_error;
use crate::AppError;

/// Batches waiting for the writer at most.
const QUEUED_BATCHES: usize = 2;

pub(crate) struct IndexFeeder {
    sender: mpsc::Sender<(Vec<SearchDocument>, bool)>,
    thread: Option<JoinHandle<Result<u64, SearchError>>>,
}

impl IndexFeeder {
    /// A writer on `index` with up to four indexing threads; with `rebuild`, the commit also
    /// drops everything the index held.
    pub(crate) async fn start(index: &Arc<SearchIndex>, rebuild: bool) -> Result<Self, AppError> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from).min(4);
        Self::start_with(index, rebuild, threads).await
    }

    /// A writer on `index` with `threads` indexing threads.
    pub(crate) async fn start_with(index: &Arc<SearchIndex>, rebuild: bool, threads: usize) -> Result<Self, AppError> {
        let opening = Arc::clone(index);
        let mut writer = tokio::task::spawn_blocking(move || opening.bulk(threads)).await.map_err(join_error)??;
        if rebuild {
            writer.delete_all()?;
        }
        let (sender, mut receiver) = mpsc::channel::<(Vec<SearchDocument>, bool)>(QUEUED_BATCHES);
        let thread = std::thread::Builder::new()
            .name("regie-indexer".into())
            .spawn(move || {
                let mut written = 0u64;
                while let Some((documents, replace)) = receiver.blocking_recv() {
                    writer.add(&documents, replace)?;
                    written += documents.len() as u64;
                }
                writer.commit()?;
                Ok(written)
            })
            .map_err(|error| AppError::Internal(format!("cannot start the indexing thread: {error}")))?;
        Ok(Self { sender, thread: Some(thread) })
    }

    /// Hands a batch to the writer, waiting while it is busy with earlier ones; with `replace`,
    /// earlier versions of these documents are removed (only worth its cost for updates).
    pub(crate) async fn feed(&mut self, documents: Vec<SearchDocument>, replace: bool) -> Result<(), AppError> {
        if self.sender.send((documents, replace)).await.is_err() {
            // The writer stopped: its own error says why.
            return Err(Self::outcome(self.thread.take())
                .await
                .err()
                .unwrap_or_else(|| AppError::Internal("the search indexer stopped".into())));
        }
        Ok(())
    }

    /// Commits and returns the number of documents written.
    pub(crate) async fn finish(mut self) -> Result<u64, AppError> {
        let thread = self.thread.take();
        drop(self.sender);
        Self::outcome(thread).await
    }

    async fn outcome(thread: Option<JoinHandle<Result<u64, SearchError>>>) -> Result<u64, AppError> {
        let Some(thread) = thread else { return Err(AppError::Internal("the search indexer stopped".into())) };
        let joined = tokio::task::spawn_blocking(move || thread.join()).await.map_err(join_error)?;
        match joined {
            Ok(result) => Ok(result?),
            Err(_) => Err(AppError::Internal("the search indexer panicked".into())),
        }
    }
}
