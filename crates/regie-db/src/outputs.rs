//! What a finished job leaves in the catalogue: derived files of the asset (proxy, poster...) and
//! renditions, recorded in the transaction that marks the job succeeded.

use crate::sql::{Tx, query, query_scalar};
use regie_core::quality::RungQuality;
use regie_core::{AssetId, MediaDescription, StreamKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assets::upsert_file;
use crate::error::QueryContext;
use crate::{Database, DbError, NewFile};

/// The outputs of one job, all stored in the blob store before they are recorded.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct JobOutputs {
    pub asset_id: Option<AssetId>,
    /// Files of the asset under their role; a file already there under the same role is replaced.
    pub files: Vec<NewFile>,
    pub rendition: Option<NewRendition>,
}

/// A profile's result: one file, or a package (playlists, manifests and segments).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewRendition {
    pub profile: String,
    /// The file a player or a playout server opens first (the master playlist of a ladder).
    pub main_file: String,
    pub files: Vec<RenditionFile>,
    /// Each video rung's quality against the source, when measured.
    #[serde(default)]
    pub quality: Vec<RungQuality>,
    /// Seconds the encode took.
    #[serde(default)]
    pub encode_s: Option<f64>,
}

/// One file of a rendition, by its path inside the package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenditionFile {
    pub path: String,
    pub blake3: String,
    pub md5: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaDescription>,
}

/// A rendition as `assets show` presents it: its files with their checksums, and the technical
/// description of its main file and, for a ladder, of each rung.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenditionRecord {
    pub profile: String,
    pub main_file: String,
    pub file_count: u64,
    pub size: u64,
    pub job_id: Option<String>,
    pub created_at: String,
    /// What the probe says of the main file (for a ladder: every rung's streams).
    pub media: Option<MediaDescription>,
    /// The video streams of a ladder, one per rung, largest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rungs: Vec<regie_core::StreamDescription>,
    /// Every file of the package by its path inside it (the main file carries `media`).
    pub files: Vec<RenditionFile>,
    /// Each video rung's PSNR and SSIM against the source, largest rung first (absent when not
    /// measured: audio, stills, sequences, renditions made before quality was measured).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<RungQuality>,
    /// Seconds the encode took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encode_s: Option<f64>,
    /// How the package is encrypted, and the id of its key (`/api/v1/keys/{key_id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<Protection>,
}

/// A protected package's scheme and key id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protection {
    /// `cenc` or `aes-128`.
    pub scheme: String,
    pub key_id: String,
}

pub(crate) async fn record_outputs(
    transaction: &mut Tx,
    job_id: Option<&str>,
    outputs: &JobOutputs,
    now: &str,
) -> Result<(), DbError> {
    let Some(asset_id) = outputs.asset_id else {
        return Ok(());
    };
    for file in &outputs.files {
        upsert_file(transaction, asset_id, file, now).await?;
    }
    let asset = asset_id.to_string();
    if let Some(rendition) = &outputs.rendition {
        let previous: Option<String> = query_scalar("SELECT id FROM renditions WHERE asset_id = $1 AND profile = $2")
            .bind(&asset)
            .bind(&rendition.profile)
            .fetch_optional(&mut *transaction)
            .await
            .during("looking up a rendition")?;
        if let Some(previous) = previous {
            for statement in
                ["DELETE FROM rendition_files WHERE rendition_id = $1", "DELETE FROM renditions WHERE id = $1"]
            {
                query(statement).bind(&previous).execute(&mut *transaction).await.during("replacing a rendition")?;
            }
        }
        let rendition_id = Uuid::now_v7().to_string();
        let quality = if rendition.quality.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&rendition.quality).map_err(corrupt)?)
        };
        query(
            "INSERT INTO renditions (id, asset_id, profile, job_id, main_file, created_at, quality, encode_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&rendition_id)
        .bind(&asset)
        .bind(&rendition.profile)
        .bind(job_id)
        .bind(&rendition.main_file)
        .bind(now)
        .bind(quality)
        .bind(rendition.encode_s)
        .execute(&mut *transaction)
        .await
        .during("recording a rendition")?;
        for file in &rendition.files {
            let media = file.media.as_ref().map(serde_json::to_string).transpose().map_err(corrupt)?;
            query(
                "INSERT INTO rendition_files (rendition_id, path, blake3, md5, size, media) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&rendition_id)
            .bind(&file.path)
            .bind(&file.blake3)
            .bind(&file.md5)
            .bind(file.size as i64)
            .bind(media)
            .execute(&mut *transaction)
            .await
            .during("recording a rendition file")?;
            crate::keeping::record_primary_copy(transaction, &file.blake3, file.size, now).await?;
        }
    }
    Ok(())
}

impl Database {
    /// The renditions of an asset, by profile name.
    /// The content address and size of one file of an asset's rendition, by its package path.
    pub async fn rendition_file(
        &self,
        asset_id: AssetId,
        profile: &str,
        path: &str,
    ) -> Result<Option<(String, u64)>, DbError> {
        let row = query(
            "SELECT f.blake3, f.size FROM renditions r JOIN rendition_files f ON f.rendition_id = r.id
             WHERE r.asset_id = $1 AND r.profile = $2 AND f.path = $3",
        )
        .bind(asset_id.to_string())
        .bind(profile)
        .bind(path)
        .fetch_optional(&self.pool)
        .await
        .during("looking up a rendition file")?;
        Ok(row.map(|row| (row.get("blake3"), row.get::<i64, _>("size") as u64)))
    }

    pub async fn renditions_of(&self, asset_id: AssetId) -> Result<Vec<RenditionRecord>, DbError> {
        let rows = query(
            "SELECT r.profile, r.main_file, r.job_id, r.created_at, r.quality, r.encode_s,
                    COUNT(f.path) AS file_count, CAST(COALESCE(SUM(f.size), 0) AS BIGINT) AS size
             FROM renditions r LEFT JOIN rendition_files f ON f.rendition_id = r.id
             WHERE r.asset_id = $1
             GROUP BY r.id, r.profile, r.main_file, r.job_id, r.created_at, r.quality, r.encode_s
             ORDER BY r.profile",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading renditions")?;
        let mut renditions: Vec<RenditionRecord> = rows
            .iter()
            .map(|row| {
                let quality: Option<String> = row.get("quality");
                Ok(RenditionRecord {
                    profile: row.get("profile"),
                    main_file: row.get("main_file"),
                    file_count: row.get::<i64, _>("file_count") as u64,
                    size: row.get::<i64, _>("size") as u64,
                    job_id: row.get("job_id"),
                    created_at: row.get("created_at"),
                    media: None,
                    rungs: Vec::new(),
                    files: Vec::new(),
                    quality: quality
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(corrupt)?
                        .unwrap_or_default(),
                    encode_s: row.get("encode_s"),
                    protection: None,
                })
            })
            .collect::<Result<_, DbError>>()?;
        if renditions.is_empty() {
            return Ok(renditions);
        }
        for key in self.content_keys_of(asset_id).await? {
            let made_with = |rendition: &&mut RenditionRecord| {
                rendition.profile == key.rendition && key.job_id.is_some() && rendition.job_id == key.job_id
            };
            if let Some(rendition) = renditions.iter_mut().find(made_with) {
                rendition.protection = Some(Protection { scheme: key.scheme.clone(), key_id: key.id.clone() });
            }
        }
        let files = query(
            "SELECT r.profile, f.path, f.blake3, f.md5, f.size, f.media
             FROM renditions r JOIN rendition_files f ON f.rendition_id = r.id
             WHERE r.asset_id = $1 ORDER BY r.profile, f.path",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading rendition files")?;
        for row in &files {
            let profile: String = row.get("profile");
            let Some(rendition) = renditions.iter_mut().find(|rendition| rendition.profile == profile) else {
                continue;
            };
            let media: Option<String> = row.get("media");
            let media: Option<MediaDescription> =
                media.as_deref().map(serde_json::from_str).transpose().map_err(corrupt)?;
            let path: String = row.get("path");
            if path == rendition.main_file {
                rendition.media.clone_from(&media);
            }
            rendition.files.push(RenditionFile {
                path,
                blake3: row.get("blake3"),
                md5: row.get("md5"),
                size: row.get::<i64, _>("size") as u64,
                media,
            });
        }
        for rendition in &mut renditions {
            if rendition.main_file.ends_with(".m3u8")
                && let Some(media) = &rendition.media
            {
                rendition.rungs =
                    media.streams.iter().filter(|stream| stream.kind == StreamKind::Video).cloned().collect();
                rendition.rungs.sort_by_key(|stream| std::cmp::Reverse(stream.height.unwrap_or(0)));
            }
        }
        Ok(renditions)
    }
}

fn corrupt(error: serde_json::Error) -> DbError {
    DbError::Corrupt { what: "media", reason: error.to_string() }
}
