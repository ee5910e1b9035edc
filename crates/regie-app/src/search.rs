//! Search: the index in `DATA/search/` is derived from the catalogue. It is filled in one batch
//! after each ingest run and each edit, in bulk by imports and `regie search reindex`, and
//! rebuilt by itself when found missing, corrupt, of an older schema or made under other
//! indexing rules. Queries run under the caller's visibility.

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

/// Assets read and indexed per batch while rebuilding.
const REINDEX_BATCH: u32 = 5_000;

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
        let query = query.to_owned();
        let run = move || {
            index.search(&SearchRequest {
                text: &query,
                visible: &visible,
                limit: options.limit,
                cursor: options.cursor.as_deref(),
                sort: options.sort,
                facets: &options.facets,
            })
        };
        Ok(tokio::task::spawn_blocking(run).await.map_err(join_error)??)
    }

    /// Indexes (again) these assets, after an ingest run or an edit; assets no longer catalogued
    /// leave the index. A failure here never fails the change: the catalogue is the truth and
    /// `search reindex` repairs the index.
    pub(crate) async fn index_assets(&self, asset_ids: &[AssetId]) {
        if asset_ids.is_empty() {
            return;
        }
        let outcome = async {
            let sources = self.db.index_sources_of(asset_ids).await?;
            let documents: Vec<_> = sources.iter().map(document_of).collect();
            let removed: Vec<String> = asset_ids
                .iter()
                .filter(|id| !sources.iter().any(|source| source.id == **id))
                .map(AssetId::to_string)
                .collect();
            let index = self.search_index().await?;
            tokio::task::spawn_blocking(move || index.write(&documents, &removed)).await.map_err(join_error)??;
            Ok::<(), AppError>(())
        }
        .await;
        if let Err(error) = outcome {
            self.index_failed(&error).await;
        }
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
        let mut feeder = IndexFeeder::start(index, rebuild).await?;
        let mut after: Option<AssetId> = None;
        loop {
            let sources = self.db.index_sources(after, REINDEX_BATCH).await?;
            let Some(last) = sources.last() else { break };
            after = Some(last.id);
            feeder.feed(sources.iter().map(document_of).collect(), false).await?;
            if sources.len() < REINDEX_BATCH as usize {
                break;
            }
        }
        feeder.finish().await
    }
}

pub(crate) fn join_error(error: tokio::task::JoinError) -> AppError {
    AppError::Internal(error.to_string())
}
