//! Search: the index in `DATA/search/` is derived from the catalogue. It is filled in one batch
//! after each ingest run, rebuilt by `regie search reindex`, and rebuilt by itself when it is
//! found missing, corrupt or of an older schema. Queries run under the caller's visibility.

use std::sync::Arc;
use std::time::Instant;

use regie_core::access::Visibility;
use regie_core::{AssetId, StreamKind};
use regie_db::AssetRecord;
use regie_search::{SearchDocument, SearchIndex, SearchResults, folder_in};
use serde::Serialize;

use crate::{AppError, Regie};

/// Assets read and indexed per batch while rebuilding.
const REINDEX_BATCH: u32 = 1_000;

#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    pub documents: u64,
    pub elapsed_s: f64,
}

impl Regie {
    /// The opened index; a new or unusable one is filled from the catalogue first.
    async fn search_index(&self) -> Result<Arc<SearchIndex>, AppError> {
        let mut slot = self.search.lock().await;
        if let Some(index) = slot.as_ref() {
            return Ok(Arc::clone(index));
        }
        let folder = folder_in(&self.settings.data_dir);
        let (index, rebuilt) =
            tokio::task::spawn_blocking(move || SearchIndex::open(&folder)).await.map_err(join_error)??;
        let index = Arc::new(index);
        if rebuilt {
            self.fill(&index).await?;
        }
        *slot = Some(Arc::clone(&index));
        Ok(index)
    }

    /// Empties the index and fills it again from the catalogue.
    pub async fn reindex(&self) -> Result<ReindexReport, AppError> {
        let started = Instant::now();
        let index = self.search_index().await?;
        let clearing = Arc::clone(&index);
        tokio::task::spawn_blocking(move || clearing.clear()).await.map_err(join_error)??;
        let documents = self.fill(&index).await?;
        Ok(ReindexReport { documents, elapsed_s: started.elapsed().as_secs_f64() })
    }

    /// Runs a query among the assets `visible` to the caller.
    pub async fn search(&self, query: &str, visible: Visibility, limit: usize) -> Result<SearchResults, AppError> {
        let index = self.search_index().await?;
        let query = query.to_owned();
        Ok(tokio::task::spawn_blocking(move || index.search(&query, &visible, limit)).await.map_err(join_error)??)
    }

    /// Indexes (again) these assets; called after an ingest run. A failure here never fails the
    /// ingest: the catalogue is the truth and `search reindex` repairs the index.
    pub(crate) async fn index_assets(&self, asset_ids: &[AssetId]) {
        if asset_ids.is_empty() {
            return;
        }
        let mut records = Vec::with_capacity(asset_ids.len());
        for asset_id in asset_ids {
            match self.db.get_asset(*asset_id).await {
                Ok(record) => records.push(record),
                Err(error) => return not_indexed(&error.into()),
            }
        }
        self.index_records(&records).await;
    }

    /// Indexes (again) assets already read from the catalogue.
    pub(crate) async fn index_records(&self, records: &[AssetRecord]) {
        let documents: Vec<SearchDocument> = records.iter().map(document_of).collect();
        let outcome = async {
            let index = self.search_index().await?;
            tokio::task::spawn_blocking(move || index.write(&documents, &[])).await.map_err(join_error)??;
            Ok::<(), AppError>(())
        }
        .await;
        if let Err(error) = outcome {
            not_indexed(&error);
        }
    }

    /// Writes every asset of the catalogue into `index`, batch by batch.
    async fn fill(&self, index: &Arc<SearchIndex>) -> Result<u64, AppError> {
        let mut after: Option<AssetId> = None;
        let mut written = 0;
        loop {
            let page = self.db.list_assets(None, None, after, REINDEX_BATCH, &Visibility::All).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let mut documents = Vec::with_capacity(page.len());
            for summary in &page {
                documents.push(document_of(&self.db.get_asset(summary.id).await?));
            }
            written += documents.len() as u64;
            let index = Arc::clone(index);
            tokio::task::spawn_blocking(move || index.write(&documents, &[])).await.map_err(join_error)??;
            if page.len() < REINDEX_BATCH as usize {
                break;
            }
        }
        Ok(written)
    }
}

/// What the index holds of an asset.
pub(crate) fn document_of(asset: &AssetRecord) -> SearchDocument {
    let metadata = &asset.metadata;
    let original = asset.files.iter().find(|file| file.role == "original");
    let media = original.and_then(|file| file.media.as_ref());
    let video = media.and_then(|media| media.main_video());
    let resolution = video.and_then(|video| video.height).map(|height| match height {
        0..=576 => "SD",
        577..=1080 => "HD",
        _ => "UHD",
    });
    let channels = media.map(|media| media.audio_channel_count()).unwrap_or(0);
    let audio_layout = match channels {
        0 => None,
        1 => Some("mono".to_owned()),
        2 => Some("stereo".to_owned()),
        6 => Some("5.1".to_owned()),
        count => Some(format!("{count}ch")),
    };
    SearchDocument {
        asset_id: asset.id.to_string(),
        house_id: asset.house_id.clone(),
        name: asset.name.clone(),
        collection: asset.collection.clone(),
        owner_id: asset.owner_id.clone(),
        language: metadata.language.clone().or_else(|| {
            media.and_then(|media| media.streams_of(StreamKind::Audio).find_map(|stream| stream.language.clone()))
        }),
        title: metadata.title.clone(),
        series: metadata.series.clone(),
        episode: metadata.episode.clone(),
        synopsis: metadata.synopsis.clone(),
        keywords: metadata.keywords.clone(),
        contributors: metadata.contributors.iter().map(|contributor| contributor.name.clone()).collect(),
        rights_holder: metadata.rights_holder.clone(),
        tags: asset.tags.clone(),
        container: media.map(|media| media.container.clone()),
        codecs: media
            .map(|media| media.streams.iter().filter_map(|stream| stream.codec.clone()).collect())
            .unwrap_or_default(),
        resolution: resolution.map(str::to_owned),
        frame_rate: video.and_then(|video| video.frame_rate).map(|rate| rate.as_f64()),
        duration_s: media.and_then(|media| media.duration_s),
        audio_layout,
        ingested_at: asset.created_at.clone(),
        findings: asset.findings.iter().map(|finding| finding.code.clone()).collect(),
    }
}

fn not_indexed(error: &AppError) {
    tracing::warn!(%error, "the search index was not updated; run `regie search reindex`");
}

fn join_error(error: tokio::task::JoinError) -> AppError {
    AppError::Internal(error.to_string())
}
