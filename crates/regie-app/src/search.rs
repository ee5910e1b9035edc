//! Search: the index in `DATA/search/` is derived from the catalogue. It is filled in one batch
//! after each ingest run and each edit, in bulk by imports and `regie search reindex`, and
//! rebuilt by itself when found missing, corrupt, of an older schema or made under other
//! indexing rules. Queries run under the caller's visibility.
//!
//! Several processes, on several machines, may write the catalogue: each node's index follows the
//! catalogue's change feed (`asset_changes`) and applies what it has not seen before answering a
//! search; how far it has read is kept in `DATA/search.position`.

mod documents;
mod feeder;

use std::sync::Arc;
use std::time::Instant;

use regie_core::AssetId;
use regie_core::access::Visibility;
use regie_search::{SearchIndex, SearchRequest, SearchResults, SortOrder, folder_in};
use serde::Serialize;

pub(crate) use documents::document_of;
pub(crate) use feeder::IndexFeeder;

use crate::{AppError, Regie};

/// Documents for the index, and the assets to take out of it (no longer catalogued).
#[derive(Default)]
pub(crate) struct IndexUpdate {
    documents: Vec<regie_search::SearchDocument>,
    removed: Vec<String>,
}

impl IndexUpdate {
    pub(crate) fn len(&self) -> usize {
        self.documents.len() + self.removed.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds another update's documents and removals to this one.
    pub(crate) fn extend(&mut self, other: IndexUpdate) {
        self.documents.extend(other.documents);
        self.removed.extend(other.removed);
    }

    /// Its documents, leaving the removals.
    pub(crate) fn take_documents(&mut self) -> Vec<regie_search::SearchDocument> {
        std::mem::take(&mut self.documents)
    }
}

/// Assets read and indexed per batch while rebuilding.
const REINDEX_BATCH: u32 = 5_000;

/// Changes of the feed applied per batch.
const FEED_BATCH: u32 = 2_000;

/// Changes the feed keeps; a node further behind fills its index again.
const FEED_KEPT: u64 = 1_000_000;

/// Where a node records the last change of the feed its index holds.
fn position_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    folder_in(data_dir).with_extension("position")
}

fn read_position(data_dir: &std::path::Path) -> u64 {
    std::fs::read_to_string(position_file(data_dir)).ok().and_then(|text| text.trim().parse().ok()).unwrap_or(0)
}

/// Records the position (temporary file, then rename: a crash leaves the old one, which only
/// means changes applied twice).
fn write_position(data_dir: &std::path::Path, seq: u64) -> Result<(), AppError> {
    let path = position_file(data_dir);
    let temporary = path.with_extension("position.tmp");
    std::fs::write(&temporary, seq.to_string())
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|source| AppError::DataFolder { path, source })
}

#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    pub documents: u64,
    pub elapsed_s: f64,
}

/// How a search pages, sorts and counts.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub limit: usize,
    pub cursor: Option<String>,
    pub sort: SortOrder,
    /// Facets to count; empty for none.
    pub facets: Vec<String>,
    /// Also find assets by meaning (when semantic search is on).
    pub semantic: bool,
}

pub use crate::import::ImportReport;

impl SearchOptions {
    /// Facet names from a comma-separated list; empty or `default` means the usual six
    /// (collection, codec, resolution, language, tag, year).
    pub fn facet_list(text: &str) -> Vec<String> {
        let names: Vec<String> =
            text.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned).collect();
        if names.is_empty() || names == ["default"] {
            return regie_search::DEFAULT_FACETS.iter().map(|name| (*name).to_owned()).collect();
        }
        names
    }
}

impl Regie {
    /// The opened index; a new or unusable one is filled from the catalogue first.
    pub(crate) async fn search_index(&self) -> Result<Arc<SearchIndex>, AppError> {
        let mut slot = self.search.lock().await;
        if let Some(index) = slot.as_ref() {
            return Ok(Arc::clone(index));
        }
        let folder = folder_in(&self.settings.data_dir);
        let rules = self.settings.search.clone();
        let (index, rebuilt) =
            tokio::task::spawn_blocking(move || SearchIndex::open(&folder, rules)).await.map_err(join_error)??;
        let index = Arc::new(index);
        if rebuilt && let Err(error) = self.fill(&index, false).await {
            // Half filled is not trusted: the next opening starts again.
            index.mark_stale();
            return Err(error);
        }
        *slot = Some(Arc::clone(&index));
        Ok(index)
    }

    /// Fills the index again from the catalogue; searches see the old contents until the end.
    pub async fn reindex(&self) -> Result<ReindexReport, AppError> {
        let started = Instant::now();
        let index = self.search_index().await?;
        let documents = match self.fill(&index, true).await {
            Ok(documents) => documents,
            Err(error) => {
                self.index_failed(&error).await;
                return Err(error);
            }
        };
        Ok(ReindexReport { documents, elapsed_s: started.elapsed().as_secs_f64() })
    }

    /// Runs a query among the assets `visible` to the caller.
    pub async fn search(
        &self,
        query: &str,
        visible: Visibility,
        options: SearchOptions,
    ) -> Result<SearchResults, AppError> {
        let index = self.search_index().await?;
        self.follow_changes().await?;
        let started = std::time::Instant::now();
        let (semantic, semantic_error) = match self.meaning_of(query, options.semantic).await {
            Ok(found) => (found, None),
            Err(error) => {
                tracing::warn!(%error, "semantic search failed; words only");
                (Vec::new(), Some(error.to_string()))
            }
        };
        let semantic_ms =
            self.semantic_search_applies(query, options.semantic).then(|| started.elapsed().as_secs_f64() * 1e3);
        let query = query.to_owned();
        let run = move || {
            index.search(&SearchRequest {
                text: &query,
                visible: &visible,
                limit: options.limit,
                cursor: options.cursor.as_deref(),
                sort: options.sort,
                facets: &options.facets,
                semantic: &semantic,
            })
        };
        let mut results = tokio::task::spawn_blocking(run).await.map_err(join_error)??;
        results.semantic_error = semantic_error;
        results.semantic_ms = semantic_ms;
        Ok(results)
    }

    /// Whether a query is also searched by meaning: asked, semantic search on, and free text in it.
    fn semantic_search_applies(&self, query: &str, asked: bool) -> bool {
        asked && self.settings.intelligence.semantic_search && free_text(query).is_some()
    }

    /// The assets close in meaning to a query's free text, when semantic search applies.
    async fn meaning_of(&self, query: &str, asked: bool) -> Result<Vec<regie_core::semantic::SemanticMatch>, AppError> {
        match free_text(query) {
            Some(text) if self.semantic_search_applies(query, asked) => self.semantic_matches(&text).await,
            _ => Ok(Vec::new()),
        }
    }

    /// Indexes (again) these assets, after an ingest run or an edit; assets no longer catalogued
    /// leave the index. A failure here never fails the change: the catalogue is the truth and
    /// `search reindex` repairs the index.
    pub(crate) async fn index_assets(&self, asset_ids: &[AssetId]) {
        match self.index_update(asset_ids).await {
            Ok(update) => self.write_index(update).await,
            Err(error) => self.index_failed(&error).await,
        }
    }

    /// What the index takes for these assets, read from the catalogue (their embeddings are
    /// queued meanwhile).
    pub(crate) async fn index_update(&self, asset_ids: &[AssetId]) -> Result<IndexUpdate, AppError> {
        if asset_ids.is_empty() {
            return Ok(IndexUpdate::default());
        }
        let sources = self.db.index_sources_of(asset_ids).await?;
        let documents =
            sources.iter().map(|source| document_of(source, self.settings.timeline.sound_frame_rate)).collect();
        self.queue_embeddings(&sources).await;
        let catalogued: std::collections::HashSet<AssetId> = sources.iter().map(|source| source.id).collect();
        let removed = asset_ids.iter().filter(|id| !catalogued.contains(id)).map(AssetId::to_string).collect();
        Ok(IndexUpdate { documents, removed })
    }

    /// Writes an update into the index in one commit; a failure is reported as
    /// [`Regie::index_assets`] reports it.
    pub(crate) async fn write_index(&self, update: IndexUpdate) {
        if update.is_empty() {
            return;
        }
        let started = Instant::now();
        let documents = update.documents.len();
        let outcome = async {
            let index = self.search_index().await?;
            tokio::task::spawn_blocking(move || index.write(&update.documents, &update.removed))
                .await
                .map_err(join_error)??;
            Ok::<(), AppError>(())
        }
        .await;
        match outcome {
            Ok(()) => tracing::debug!(documents, written_ms = started.elapsed().as_millis(), "search index updated"),
            Err(error) => self.index_failed(&error).await,
        }
    }

    /// Applies to this node's index the changes other processes (other servers, CLIs, workers)
    /// committed since it last looked; one follower at a time per process.
    pub async fn follow_changes(&self) -> Result<(), AppError> {
        let _turn = self.feed.lock().await;
        self.search_index().await?;
        let data_dir = &self.settings.data_dir;
        let mut position = read_position(data_dir);
        loop {
            let mut changes = self.db.changes_after(position, FEED_BATCH).await?;
            if let Some(first) = changes.first().map(|change| change.seq)
                && first > position + 1
            {
                // Changes this node never saw were pruned: only a full fill is sure to hold them.
                tracing::info!(position, first, "the search index is behind the change feed; filling it again");
                self.reindex().await?;
                position = read_position(data_dir);
                changes = self.db.changes_after(position, FEED_BATCH).await?;
            }
            let Some(last) = changes.last() else { break };
            let ids: Vec<AssetId> = changes.iter().filter_map(|change| change.asset_id.parse().ok()).collect();
            self.index_assets(&ids).await;
            position = last.seq;
            write_position(data_dir, position)?;
            if changes.len() < FEED_BATCH as usize {
                break;
            }
        }
        Ok(())
    }

    /// Forgets the oldest changes of the feed (kept: the last million).
    pub async fn prune_change_feed(&self) -> Result<u64, AppError> {
        Ok(self.db.prune_changes(FEED_KEPT).await?)
    }

    /// After a failed index write the index no longer matches the catalogue: it is marked for
    /// a rebuild, which its next opening (here or in another process) does by itself.
    pub(crate) async fn index_failed(&self, error: &AppError) {
        tracing::warn!(%error, "the search index was not updated; it will be rebuilt from the catalogue");
        self.search.lock().await.take();
        regie_search::mark_stale(&folder_in(&self.settings.data_dir));
    }

    /// Writes every asset of the catalogue into `index` in bulk; with `rebuild`, what it held
    /// before is dropped in the same commit (searches see the old contents until then).
    async fn fill(&self, index: &Arc<SearchIndex>, rebuild: bool) -> Result<u64, AppError> {
        // Every change up to here is in what is read below; later ones are applied from the feed.
        let covered = self.db.last_change().await?;
        let mut feeder = IndexFeeder::start(index, rebuild).await?;
        let mut after: Option<AssetId> = None;
        loop {
            let sources = self.db.index_sources(after, REINDEX_BATCH).await?;
            let Some(last) = sources.last() else { break };
            after = Some(last.id);
            feeder
                .feed(
                    sources.iter().map(|source| document_of(source, self.settings.timeline.sound_frame_rate)).collect(),
                    false,
                )
                .await?;
            if sources.len() < REINDEX_BATCH as usize {
                break;
            }
        }
        let documents = feeder.finish().await?;
        write_position(&self.settings.data_dir, covered)?;
        Ok(documents)
    }
}

/// The free text of a query (a query that does not parse gets its error from the index).
fn free_text(query: &str) -> Option<String> {
    regie_search::query::parse(query).ok().and_then(|parsed| parsed.free_text())
}

pub(crate) fn join_error(error: tokio::task::JoinError) -> AppError {
    AppError::Internal(error.to_string())
}
