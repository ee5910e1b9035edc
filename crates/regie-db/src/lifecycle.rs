//! The trash, legal holds and purges. A trashed asset is hidden from every lookup, listing and
//! search (its row, files and bytes stay); a purge removes its files' rows once their bytes are
//! gone and keeps the asset's row as a tombstone. A hold refuses both.

use regie_core::AssetId;
use serde::Serialize;
use uuid::Uuid;

use crate::assets::now;
use crate::changes::note_changes;
use crate::error::QueryContext;
use crate::sql::{Row, query, query_scalar};
use crate::{Database, DbError};

/// An asset in the trash.
#[derive(Debug, Clone, Serialize)]
pub struct TrashedAsset {
    pub asset_id: String,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    pub trashed_at: String,
    pub trashed_by: Option<String>,
    pub reason: Option<String>,
    /// Set when a purge started on it (a killed purge resumes).
    pub purge_started_at: Option<String>,
}

/// A legal hold.
#[derive(Debug, Clone, Serialize)]
pub struct HoldRecord {
    pub id: String,
    pub asset_id: String,
    pub house_id: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: String,
    pub released_at: Option<String>,
    pub released_by: Option<String>,
}

/// An asset as retention rules see it.
#[derive(Debug, Clone)]
pub struct RetentionCandidate {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    pub created_at: String,
    pub metadata: String,
}

impl Database {
    /// Moves an asset to the trash, unless a hold is on it.
    pub async fn trash_asset(&self, asset_id: AssetId, by: &str, reason: Option<&str>) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let id = asset_id.to_string();
        let held: Option<String> = query_scalar(
            "SELECT reason FROM holds WHERE asset_id = $1 AND released_at IS NULL ORDER BY created_at LIMIT 1",
        )
        .bind(&id)
        .fetch_optional(&mut transaction)
        .await
        .during("looking for holds")?;
        if let Some(reason) = held {
            return Err(DbError::Held { asset: id, reason });
        }
        let done = query(
            "UPDATE assets SET trashed_at = $2, trashed_by = $3, trash_reason = $4
             WHERE id = $1 AND trashed_at IS NULL",
        )
        .bind(&id)
        .bind(now())
        .bind(by)
        .bind(reason)
        .execute(&mut transaction)
        .await
        .during("moving an asset to the trash")?;
        if done.rows_affected() == 0 {
            return Err(DbError::AssetNotFound(id));
        }
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("moving an asset to the trash")
    }

    /// Takes an asset out of the trash (not once its purge has started).
    pub async fn restore_asset(&self, asset_id: AssetId) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let id = asset_id.to_string();
        let done = query(
            "UPDATE assets SET trashed_at = NULL, trashed_by = NULL, trash_reason = NULL
             WHERE id = $1 AND trashed_at IS NOT NULL AND purge_started_at IS NULL",
        )
        .bind(&id)
        .execute(&mut transaction)
        .await
        .during("restoring an asset")?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotInTrash(id));
        }
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("restoring an asset")
    }

    /// The trashed asset (not purged) an id or house id names.
    pub async fn resolve_trashed(&self, reference: &str) -> Result<AssetId, DbError> {
        let id: Option<String> = query_scalar(
            "SELECT id FROM assets WHERE (id = $1 OR house_id = $1) AND trashed_at IS NOT NULL AND purged_at IS NULL",
        )
        .bind(reference.trim())
        .fetch_optional(&self.pool)
        .await
        .during("looking up the trash")?;
        let id = id.ok_or_else(|| DbError::NotInTrash(reference.to_owned()))?;
        id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id.clone() })
    }

    /// The trash, oldest first; with `before`, only what was trashed before it.
    pub async fn list_trash(&self, before: Option<&str>) -> Result<Vec<TrashedAsset>, DbError> {
        let rows = query(
            "SELECT a.id, a.house_id, a.name, c.path AS collection, a.trashed_at, a.trashed_by, a.trash_reason,
                    a.purge_started_at
             FROM assets a JOIN collections c ON c.id = a.collection_id
             WHERE a.trashed_at IS NOT NULL AND a.purged_at IS NULL AND ($1 IS NULL OR a.trashed_at < $1)
             ORDER BY a.trashed_at, a.id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .during("listing the trash")?;
        Ok(rows
            .iter()
            .map(|row| TrashedAsset {
                asset_id: row.get("id"),
                house_id: row.get("house_id"),
                name: row.get("name"),
                collection: row.get("collection"),
                trashed_at: row.get("trashed_at"),
                trashed_by: row.get("trashed_by"),
                reason: row.get("trash_reason"),
                purge_started_at: row.get("purge_started_at"),
            })
            .collect())
    }

    /// Assets not in the trash, for retention rules.
    pub async fn retention_candidates(&self) -> Result<Vec<RetentionCandidate>, DbError> {
        let rows = query(
            "SELECT a.id, a.house_id, c.path AS collection, a.created_at, a.metadata
             FROM assets a JOIN collections c ON c.id = a.collection_id
             WHERE a.trashed_at IS NULL ORDER BY a.id",
        )
        .fetch_all(&self.pool)
        .await
        .during("reading assets for retention")?;
        Ok(rows
            .iter()
            .map(|row| RetentionCandidate {
                asset_id: row.get("id"),
                house_id: row.get("house_id"),
                collection: row.get("collection"),
                created_at: row.get("created_at"),
                metadata: row.get("metadata"),
            })
            .collect())
    }

    pub async fn add_hold(&self, asset_id: AssetId, reason: &str, by: &str) -> Result<String, DbError> {
        let id = Uuid::now_v7().to_string();
        query("INSERT INTO holds (id, asset_id, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(asset_id.to_string())
            .bind(reason)
            .bind(by)
            .bind(now())
            .execute(&self.pool)
            .await
            .during("placing a hold")?;
        Ok(id)
    }

    /// Releases the asset's active holds (or the one named); how many were released.
    pub async fn release_holds(&self, asset_id: AssetId, hold: Option<&str>, by: &str) -> Result<u64, DbError> {
        let done = query(
            "UPDATE holds SET released_at = $3, released_by = $4
             WHERE asset_id = $1 AND released_at IS NULL AND ($2 IS NULL OR id = $2)",
        )
        .bind(asset_id.to_string())
        .bind(hold)
        .bind(now())
        .bind(by)
        .execute(&self.pool)
        .await
        .during("releasing holds")?;
        Ok(done.rows_affected())
    }

    /// Holds, active ones only unless `all`; of one asset when given.
    pub async fn list_holds(&self, asset_id: Option<AssetId>, all: bool) -> Result<Vec<HoldRecord>, DbError> {
        let rows = query(
            "SELECT h.*, a.house_id FROM holds h JOIN assets a ON a.id = h.asset_id
             WHERE ($1 IS NULL OR h.asset_id = $1) AND ($2 = 1 OR h.released_at IS NULL)
             ORDER BY h.created_at",
        )
        .bind(asset_id.map(|id| id.to_string()))
        .bind(i64::from(all))
        .fetch_all(&self.pool)
        .await
        .during("listing holds")?;
        Ok(rows.iter().map(hold_row).collect())
    }

    /// Whether a hold is on the asset (trashed or not).
    pub async fn is_held(&self, asset_id: &str) -> Result<bool, DbError> {
        let count: i64 = query_scalar("SELECT COUNT(*) FROM holds WHERE asset_id = $1 AND released_at IS NULL")
            .bind(asset_id)
            .fetch_one(&self.pool)
            .await
            .during("looking for holds")?;
        Ok(count > 0)
    }

    /// The asset's id for a hold: trashed assets can be held too.
    pub async fn resolve_any_asset(&self, reference: &str) -> Result<AssetId, DbError> {
        let id: Option<String> =
            query_scalar("SELECT id FROM assets WHERE (id = $1 OR house_id = $1) AND purged_at IS NULL")
                .bind(reference.trim())
                .fetch_optional(&self.pool)
                .await
                .during("looking up an asset")?;
        let id = id.ok_or_else(|| DbError::AssetNotFound(reference.to_owned()))?;
        id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id.clone() })
    }

    /// Whether another asset still not purged refers to the content.
    pub async fn blob_used_elsewhere(&self, blake3: &str, asset_id: &str) -> Result<bool, DbError> {
        let count: i64 = query_scalar(
            "SELECT COUNT(*) FROM (
                 SELECT f.asset_id FROM asset_files f WHERE f.blake3 = $1 AND f.asset_id <> $2
                 UNION ALL
                 SELECT r.asset_id FROM rendition_files rf JOIN renditions r ON r.id = rf.rendition_id
                 WHERE rf.blake3 = $1 AND r.asset_id <> $2
             ) AS others",
        )
        .bind(blake3)
        .bind(asset_id)
        .fetch_one(&self.pool)
        .await
        .during("looking for other uses of content")?;
        Ok(count > 0)
    }

    pub async fn mark_purge_started(&self, asset_id: &str) -> Result<(), DbError> {
        query("UPDATE assets SET purge_started_at = COALESCE(purge_started_at, $2) WHERE id = $1")
            .bind(asset_id)
            .bind(now())
            .execute(&self.pool)
            .await
            .during("starting a purge")?;
        Ok(())
    }

    /// Ends a purge: the asset's file and rendition rows go (their bytes already went), its row
    /// stays as a tombstone.
    pub async fn finish_purge(&self, asset_id: AssetId) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let id = asset_id.to_string();
        for statement in [
            "DELETE FROM rendition_files WHERE rendition_id IN (SELECT id FROM renditions WHERE asset_id = $1)",
            "DELETE FROM renditions WHERE asset_id = $1",
            "DELETE FROM asset_files WHERE asset_id = $1",
        ] {
            query(statement).bind(&id).execute(&mut transaction).await.during("purging an asset")?;
        }
        query("UPDATE assets SET purged_at = $2 WHERE id = $1")
            .bind(&id)
            .bind(now())
            .execute(&mut transaction)
            .await
            .during("purging an asset")?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("purging an asset")
    }
}

fn hold_row(row: &Row) -> HoldRecord {
    HoldRecord {
        id: row.get("id"),
        asset_id: row.get("asset_id"),
        house_id: row.get("house_id"),
        reason: row.get("reason"),
        created_by: row.get("created_by"),
        created_at: row.get("created_at"),
        released_at: row.get("released_at"),
        released_by: row.get("released_by"),
    }
}
