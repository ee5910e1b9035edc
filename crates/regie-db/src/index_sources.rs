//! What the search index needs of each asset, read in bulk: one statement per batch instead of
//! a dozen per asset, so a million records are read again in seconds.

use std::collections::HashMap;

use crate::sql::{Backend, Row, Tx, query};
use regie_core::sidecar::DescriptiveMetadata;
use regie_core::subtitle::SubtitleTrack;
use regie_core::{AssetId, MediaDescription};
use uuid::Uuid;

use crate::error::QueryContext;
use crate::{Database, DbError};

/// Separates tags and finding codes inside one column (a control character no tag holds).
const SEPARATOR: char = '\u{1f}';

/// The columns of an index source, in each dialect (tags and finding codes joined in one column).
fn select(backend: Backend) -> String {
    let joined = backend.pick("group_concat({}, char(31))", "string_agg({}, chr(31))");
    format!(
        "SELECT a.id, a.house_id, a.name, c.path AS collection, a.owner_id, a.metadata, a.created_at,
            f.media,
            (SELECT {tags} FROM asset_tags t WHERE t.asset_id = a.id) AS tags,
            (SELECT {codes} FROM findings x WHERE x.asset_id = a.id) AS findings
         FROM assets a
         JOIN collections c ON c.id = a.collection_id
         LEFT JOIN asset_files f ON f.asset_id = a.id AND f.role = 'original'",
        tags = joined.replace("{}", "t.tag"),
        codes = joined.replace("{}", "x.code"),
    )
}

/// `IN (...)` over the ids of a JSON array bound as one text value.
fn in_json_list(backend: Backend) -> &'static str {
    backend.pick("(SELECT value FROM json_each($1))", "(SELECT json_array_elements_text(CAST($1 AS json)))")
}

/// One asset as the search index sees it.
#[derive(Debug, Clone)]
pub struct IndexSource {
    pub id: AssetId,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    pub owner_id: Option<String>,
    pub metadata: DescriptiveMetadata,
    pub created_at: String,
    /// The original file's technical description, when the asset has media.
    pub media: Option<MediaDescription>,
    pub tags: Vec<String>,
    pub finding_codes: Vec<String>,
    pub subtitles: Vec<SubtitleTrack>,
    /// Segments with people's text (markers, chapters, comments, imported logs), in time order;
    /// the texts regie writes itself (shots, QC detections) are not searched.
    pub segments: Vec<IndexedSegment>,
}

/// The searchable part of a segment.
#[derive(Debug, Clone)]
pub struct IndexedSegment {
    pub kind: String,
    pub start_frame: u64,
    pub text: String,
}

impl Database {
    /// Up to `limit` assets after `after`, in id order.
    pub async fn index_sources(&self, after: Option<AssetId>, limit: u32) -> Result<Vec<IndexSource>, DbError> {
        let sql = format!(
            "{} WHERE a.trashed_at IS NULL AND ($1 IS NULL OR a.id > $1) ORDER BY a.id LIMIT $2",
            select(self.backend())
        );
        let rows = query(sql)
            .bind(after.map(|id| id.to_string()))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .during("reading assets to index")?;
        self.with_subtitles(rows.iter().map(source_from_row).collect::<Result<_, _>>()?).await
    }

    /// These assets (those still catalogued).
    pub async fn index_sources_of(&self, ids: &[AssetId]) -> Result<Vec<IndexSource>, DbError> {
        let list: Vec<String> = ids.iter().map(AssetId::to_string).collect();
        let list = serde_json::to_string(&list).map_err(corrupt("asset ids"))?;
        let sql = format!(
            "{} WHERE a.trashed_at IS NULL AND a.id IN {} ORDER BY a.id",
            select(self.backend()),
            in_json_list(self.backend())
        );
        let rows = query(sql).bind(list).fetch_all(&self.pool).await.during("reading assets to index")?;
        self.with_subtitles(rows.iter().map(source_from_row).collect::<Result<_, _>>()?).await
    }

    /// Adds their subtitle tracks to `sources`, in one statement.
    async fn with_subtitles(&self, mut sources: Vec<IndexSource>) -> Result<Vec<IndexSource>, DbError> {
        let ids: Vec<String> = sources.iter().map(|source| source.id.to_string()).collect();
        let ids = serde_json::to_string(&ids).map_err(corrupt("asset ids"))?;
        let rows = query(format!(
            "SELECT asset_id, language, source, cues FROM subtitles WHERE asset_id IN {} ORDER BY asset_id, source",
            in_json_list(self.backend())
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .during("reading subtitles")?;
        let position: HashMap<String, usize> =
            sources.iter().enumerate().map(|(index, source)| (source.id.to_string(), index)).collect();
        for row in rows {
            let Some(&index) = position.get(row.get::<&str, _>("asset_id")) else { continue };
            sources[index].subtitles.push(SubtitleTrack {
                language: row.get("language"),
                source: row.get("source"),
                cues: serde_json::from_str(row.get::<&str, _>("cues")).map_err(corrupt("subtitles"))?,
            });
        }
        let rows = query(format!(
            "SELECT asset_id, kind, start_frame, text FROM segments
             WHERE asset_id IN {} AND text <> '' AND origin IN ('user', 'import', 'ocr')
             ORDER BY asset_id, start_frame",
            in_json_list(self.backend())
        ))
        .bind(serde_json::to_string(&position.keys().collect::<Vec<_>>()).map_err(corrupt("asset ids"))?)
        .fetch_all(&self.pool)
        .await
        .during("reading segments to index")?;
        for row in rows {
            let Some(&index) = position.get(row.get::<&str, _>("asset_id")) else { continue };
            sources[index].segments.push(IndexedSegment {
                kind: row.get("kind"),
                start_frame: row.get::<i64, _>("start_frame").max(0) as u64,
                text: row.get("text"),
            });
        }
        Ok(sources)
    }
}

/// Records the subtitle tracks of a new asset.
pub(crate) async fn insert_subtitles(
    transaction: &mut Tx,
    asset_id: AssetId,
    tracks: &[SubtitleTrack],
    now: &str,
) -> Result<(), DbError> {
    for track in tracks {
        query(
            "INSERT INTO subtitles (id, asset_id, language, source, cues, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (asset_id, source) DO UPDATE SET language = excluded.language, cues = excluded.cues",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(asset_id.to_string())
        .bind(&track.language)
        .bind(&track.source)
        .bind(serde_json::to_string(&track.cues).map_err(corrupt("subtitles"))?)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .during("recording subtitles")?;
    }
    Ok(())
}

fn corrupt(what: &'static str) -> impl Fn(serde_json::Error) -> DbError {
    move |error| DbError::Corrupt { what, reason: error.to_string() }
}

fn source_from_row(row: &Row) -> Result<IndexSource, DbError> {
    let id: String = row.get("id");
    let list = |column: &str| -> Vec<String> {
        row.get::<Option<String>, _>(column)
            .map(|joined| joined.split(SEPARATOR).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut tags = list("tags");
    tags.sort();
    Ok(IndexSource {
        id: id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id.clone() })?,
        house_id: row.get("house_id"),
        name: row.get("name"),
        collection: row.get("collection"),
        owner_id: row.get("owner_id"),
        metadata: serde_json::from_str(row.get::<&str, _>("metadata")).map_err(corrupt("metadata"))?,
        created_at: row.get("created_at"),
        media: row.get::<Option<&str>, _>("media").map(serde_json::from_str).transpose().map_err(corrupt("media"))?,
        tags,
        finding_codes: list("findings"),
        subtitles: Vec::new(),
        segments: Vec::new(),
    })
}
