//! Keys of protected packages, as sealed by the app (this crate never sees a key in the clear).

use regie_core::AssetId;
use serde::Serialize;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::query;
use crate::{Database, DbError};

/// A content key's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentKeyRow {
    /// 32 hex digits.
    pub id: String,
    pub asset_id: String,
    pub rendition: String,
    /// The job that made the rendition.
    pub job_id: Option<String>,
    /// `cenc` or `aes-128`.
    pub scheme: String,
    #[serde(skip)]
    pub sealed: String,
    pub created_at: String,
}

impl Database {
    pub async fn insert_content_key(
        &self,
        id: &str,
        asset_id: AssetId,
        rendition: &str,
        job_id: Option<&str>,
        scheme: &str,
        sealed: &str,
    ) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        query(
            "INSERT INTO content_keys (id, asset_id, rendition, job_id, scheme, sealed, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(asset_id.to_string())
        .bind(rendition)
        .bind(job_id)
        .bind(scheme)
        .bind(sealed)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("recording a content key")?;
        transaction.commit().await.during("committing a content key")
    }

    /// The key of `id`, if there is one.
    pub async fn content_key(&self, id: &str) -> Result<Option<ContentKeyRow>, DbError> {
        let row =
            query("SELECT id, asset_id, rendition, job_id, scheme, sealed, created_at FROM content_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .during("reading a content key")?;
        Ok(row.as_ref().map(key_from_row))
    }

    /// Every key of an asset's renditions.
    pub async fn content_keys_of(&self, asset_id: AssetId) -> Result<Vec<ContentKeyRow>, DbError> {
        let rows = query(
            "SELECT id, asset_id, rendition, job_id, scheme, sealed, created_at FROM content_keys
             WHERE asset_id = $1 ORDER BY created_at",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading content keys")?;
        Ok(rows.iter().map(key_from_row).collect())
    }
}

fn key_from_row(row: &crate::sql::Row) -> ContentKeyRow {
    ContentKeyRow {
        id: row.get("id"),
        asset_id: row.get("asset_id"),
        rendition: row.get("rendition"),
        job_id: row.get("job_id"),
        scheme: row.get("scheme"),
        sealed: row.get("sealed"),
        created_at: row.get("created_at"),
    }
}
