//! Subtitle tracks read back whole (for export), and transcripts: subtitles made by the speech
//! engine, stored beside sidecar subtitles and indexed like them.

use regie_core::AssetId;
use regie_core::subtitle::SubtitleCue;
use serde::Serialize;
use uuid::Uuid;

use crate::changes::note_changes;
use crate::error::QueryContext;
use crate::sql::{Row, query};
use crate::{Database, DbError};

/// The source name of an asset's transcript (one per asset; a new run replaces it).
pub const TRANSCRIPT_SOURCE: &str = "transcript";

/// A transcript to record.
#[derive(Debug, Clone)]
pub struct NewTranscript {
    pub language: String,
    pub language_probability: f64,
    /// `faster-whisper base`, say.
    pub engine: String,
    pub cues: Vec<SubtitleCue>,
}

/// A subtitle track with its cues.
#[derive(Debug, Clone, Serialize)]
pub struct StoredTrack {
    pub source: String,
    pub language: Option<String>,
    /// `sidecar` (a file read with the media) or `speech` (made by the speech engine).
    pub origin: String,
    pub engine: Option<String>,
    pub language_probability: Option<f64>,
    pub cues: Vec<SubtitleCue>,
}

impl Database {
    /// Records `transcript` as the asset's `transcript` track, replacing an earlier one; the
    /// change feed carries it to the search index.
    pub async fn record_transcript(&self, asset_id: AssetId, transcript: &NewTranscript) -> Result<(), DbError> {
        let cues = serde_json::to_string(&transcript.cues)
            .map_err(|error| DbError::Corrupt { what: "transcript", reason: error.to_string() })?;
        let mut transaction = self.begin_write().await?;
        query(
            "INSERT INTO subtitles (id, asset_id, language, source, cues, created_at, origin, engine, language_probability)
             VALUES ($1, $2, $3, $4, $5, $6, 'speech', $7, $8)
             ON CONFLICT (asset_id, source) DO UPDATE SET language = excluded.language, cues = excluded.cues,
               created_at = excluded.created_at, origin = excluded.origin, engine = excluded.engine,
               language_probability = excluded.language_probability",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(&transcript.language)
        .bind(TRANSCRIPT_SOURCE)
        .bind(cues)
        .bind(crate::assets::now())
        .bind(&transcript.engine)
        .bind(transcript.language_probability)
        .execute(&mut transaction)
        .await
        .during("recording a transcript")?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing a transcript")
    }

    /// Every subtitle track of an asset with its cues, by source name.
    pub async fn subtitle_tracks(&self, asset_id: AssetId) -> Result<Vec<StoredTrack>, DbError> {
        query(
            "SELECT source, language, origin, engine, language_probability, cues FROM subtitles
             WHERE asset_id = $1 ORDER BY source",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading subtitles")?
        .iter()
        .map(track_from_row)
        .collect()
    }
}

fn track_from_row(row: &Row) -> Result<StoredTrack, DbError> {
    Ok(StoredTrack {
        source: row.get("source"),
        language: row.get("language"),
        origin: row.get("origin"),
        engine: row.get("engine"),
        language_probability: row.get("language_probability"),
        cues: serde_json::from_str(row.get::<&str, _>("cues"))
            .map_err(|error| DbError::Corrupt { what: "subtitles", reason: error.to_string() })?,
    })
}
