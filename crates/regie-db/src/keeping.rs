//! Storage locations and copies: where every copy of every blob is, and what the last fixity
//! check found of it. The primary store's copies are recorded with the files that refer to them.

use regie_core::keeping::PRIMARY;
use regie_core::{AssetId, Finding};
use serde::Serialize;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::{Row, Tx, query};
use crate::{Database, DbError};

/// A storage location as stored; `regie-app` gives its settings meaning.
#[derive(Debug, Clone, Serialize)]
pub struct LocationRow {
    pub name: String,
    pub url: String,
    pub tier: String,
    pub settings: serde_json::Value,
    pub created_at: String,
}

/// One copy of one blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyRow {
    pub blake3: String,
    pub location: String,
    pub size: u64,
    pub state: String,
    pub stored_at: String,
    pub checked_at: Option<String>,
    pub quarantined_to: Option<String>,
    /// A copy brought back for a time (a restore): when it goes.
    pub expires_at: Option<String>,
}

/// A copy with what the catalogue knows of its content, for a check or a repair.
#[derive(Debug, Clone, Serialize)]
pub struct CopyOfAsset {
    #[serde(flatten)]
    pub copy: CopyRow,
    /// The MD5 recorded when the content was stored.
    pub md5: String,
    /// One asset the content belongs to (an original, a derived file or a rendition of it).
    pub asset_id: String,
    pub house_id: String,
}

/// A blob of an asset with the locations holding a copy of it, whatever the state.
#[derive(Debug, Clone, Serialize)]
pub struct AssetBlob {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    pub blake3: String,
    pub size: u64,
    pub md5: String,
    /// `original`, `proxy`, ... or `rendition`.
    pub role: String,
    /// The tier the asset's original was moved to by a retention rule, if any.
    pub original_tier: Option<String>,
}

/// Which copies a check or a repair takes.
#[derive(Debug, Clone, Default)]
pub struct CopyFilter {
    pub location: Option<String>,
    pub asset_id: Option<String>,
    /// Only copies not checked since (RFC 3339), or never checked and stored before it.
    pub due_before: Option<String>,
    /// Only copies whose state is not `ok`.
    pub bad_only: bool,
    pub limit: u32,
}

/// Totals of one location and state.
#[derive(Debug, Clone, Serialize)]
pub struct CopyTotals {
    pub location: String,
    pub state: String,
    pub copies: u64,
    pub bytes: u64,
}

/// The blobs of the catalogue: every asset file, and every rendition file with its asset.
const ASSET_BLOBS: &str = "SELECT f.asset_id, f.blake3, f.size, f.md5, f.role FROM asset_files f
     UNION ALL
     SELECT r.asset_id, rf.blake3, rf.size, rf.md5, 'rendition' AS role
     FROM rendition_files rf JOIN renditions r ON r.id = rf.rendition_id";

impl Database {
    pub async fn insert_location(
        &self,
        name: &str,
        url: &str,
        tier: &str,
        settings: &serde_json::Value,
    ) -> Result<(), DbError> {
        query("INSERT INTO storage_locations (name, url, tier, settings, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(name)
            .bind(url)
            .bind(tier)
            .bind(settings.to_string())
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                    DbError::LocationExists(name.to_owned())
                }
                _ => DbError::Query { step: "recording a storage location", source: error },
            })?;
        Ok(())
    }

    pub async fn get_location(&self, name: &str) -> Result<LocationRow, DbError> {
        let row = query("SELECT * FROM storage_locations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .during("reading a storage location")?
            .ok_or_else(|| DbError::LocationNotFound(name.to_owned()))?;
        location_row(&row)
    }

    pub async fn list_locations(&self) -> Result<Vec<LocationRow>, DbError> {
        let rows = query("SELECT * FROM storage_locations ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .during("listing storage locations")?;
        rows.iter().map(location_row).collect()
    }

    /// Removes a location that holds no copy any more (`LocationInUse` otherwise).
    pub async fn delete_location(&self, name: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let held: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM blob_copies WHERE location = $1")
            .bind(name)
            .fetch_one(&mut transaction)
            .await
            .during("counting a location's copies")?;
        if held > 0 {
            return Err(DbError::LocationInUse { name: name.to_owned(), copies: held as u64 });
        }
        let done = query("DELETE FROM storage_locations WHERE name = $1")
            .bind(name)
            .execute(&mut transaction)
            .await
            .during("removing a storage location")?;
        if done.rows_affected() == 0 {
            return Err(DbError::LocationNotFound(name.to_owned()));
        }
        transaction.commit().await.during("removing a storage location")?;
        Ok(())
    }

    /// Records a good copy (made, repaired or found whole) at `location`, checked now.
    pub async fn record_copy(&self, blake3: &str, location: &str, size: u64) -> Result<(), DbError> {
        let now = now();
        query(
            "INSERT INTO blob_copies (blake3, location, size, state, stored_at, checked_at)
             VALUES ($1, $2, $3, 'ok', $4, $4)
             ON CONFLICT (blake3, location) DO UPDATE SET size = excluded.size, state = 'ok',
                 checked_at = excluded.checked_at, quarantined_to = NULL",
        )
        .bind(blake3)
        .bind(location)
        .bind(size as i64)
        .bind(&now)
        .execute(&self.pool)
        .await
        .during("recording a copy")?;
        Ok(())
    }

    /// Records what a check found of a copy (and where a bad one was moved aside).
    pub async fn set_copy_state(
        &self,
        blake3: &str,
        location: &str,
        state: &str,
        quarantined_to: Option<&str>,
    ) -> Result<(), DbError> {
        query(
            "UPDATE blob_copies SET state = $3, checked_at = $4, quarantined_to = COALESCE($5, quarantined_to)
             WHERE blake3 = $1 AND location = $2",
        )
        .bind(blake3)
        .bind(location)
        .bind(state)
        .bind(now())
        .bind(quarantined_to)
        .execute(&self.pool)
        .await
        .during("recording a copy's state")?;
        Ok(())
    }

    /// Forgets a copy (its bytes were removed on purpose).
    pub async fn forget_copy(&self, blake3: &str, location: &str) -> Result<(), DbError> {
        query("DELETE FROM blob_copies WHERE blake3 = $1 AND location = $2")
            .bind(blake3)
            .bind(location)
            .execute(&self.pool)
            .await
            .during("forgetting a copy")?;
        Ok(())
    }

    /// Every copy of one blob.
    pub async fn copies_of(&self, blake3: &str) -> Result<Vec<CopyRow>, DbError> {
        let rows = query("SELECT * FROM blob_copies WHERE blake3 = $1 ORDER BY location")
            .bind(blake3)
            .fetch_all(&self.pool)
            .await
            .during("reading a blob's copies")?;
        Ok(rows.iter().map(copy_row).collect())
    }

    /// The copies a check or repair takes, oldest check first, each with one asset it serves.
    pub async fn copies_to_check(&self, filter: &CopyFilter) -> Result<Vec<CopyOfAsset>, DbError> {
        let sql = format!(
            "SELECT c.*, b.md5, b.asset_id, a.house_id FROM blob_copies c
             JOIN (SELECT blake3, MIN(md5) AS md5, MIN(asset_id) AS asset_id FROM ({ASSET_BLOBS}) AS all_blobs
                   GROUP BY blake3) AS b ON b.blake3 = c.blake3
             JOIN assets a ON a.id = b.asset_id
             WHERE ($1 IS NULL OR c.location = $1)
               AND ($2 IS NULL OR c.blake3 IN (SELECT blake3 FROM ({ASSET_BLOBS}) AS mine WHERE asset_id = $2))
               AND ($3 IS NULL OR COALESCE(c.checked_at, c.stored_at) < $3)
               AND ($4 = 0 OR c.state <> 'ok')
             ORDER BY COALESCE(c.checked_at, c.stored_at), c.blake3, c.location
             LIMIT $5"
        );
        let rows = query(sql)
            .bind(&filter.location)
            .bind(&filter.asset_id)
            .bind(&filter.due_before)
            .bind(i64::from(filter.bad_only))
            .bind(i64::from(filter.limit))
            .fetch_all(&self.pool)
            .await
            .during("choosing copies to check")?;
        Ok(rows
            .iter()
            .map(|row| CopyOfAsset {
                copy: copy_row(row),
                md5: row.get("md5"),
                asset_id: row.get("asset_id"),
                house_id: row.get("house_id"),
            })
            .collect())
    }

    /// Every blob of one asset, or of every asset, with its collection.
    pub async fn asset_blobs(&self, asset_id: Option<&str>) -> Result<Vec<AssetBlob>, DbError> {
        let sql = format!(
            "SELECT b.asset_id, a.house_id, c.path AS collection, b.blake3, b.size, b.md5, b.role, a.original_tier
             FROM ({ASSET_BLOBS}) AS b JOIN assets a ON a.id = b.asset_id
             JOIN collections c ON c.id = a.collection_id
             WHERE ($1 IS NULL OR b.asset_id = $1)
             ORDER BY b.asset_id, b.role, b.blake3"
        );
        let rows = query(sql).bind(asset_id).fetch_all(&self.pool).await.during("listing an asset's blobs")?;
        Ok(rows
            .iter()
            .map(|row| AssetBlob {
                asset_id: row.get("asset_id"),
                house_id: row.get("house_id"),
                collection: row.get("collection"),
                blake3: row.get("blake3"),
                size: row.get::<i64, _>("size") as u64,
                md5: row.get("md5"),
                role: row.get("role"),
                original_tier: row.get("original_tier"),
            })
            .collect())
    }

    /// Records a copy brought back for a time (a restore from a colder tier); it goes after
    /// `expires_at` (RFC 3339).
    pub async fn record_copy_until(
        &self,
        blake3: &str,
        location: &str,
        size: u64,
        expires_at: &str,
    ) -> Result<(), DbError> {
        self.record_copy(blake3, location, size).await?;
        query("UPDATE blob_copies SET expires_at = $3 WHERE blake3 = $1 AND location = $2")
            .bind(blake3)
            .bind(location)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .during("recording a restored copy")?;
        Ok(())
    }

    /// Copies brought back for a time whose time is over (`expires_at` before `now`).
    pub async fn expired_copies(&self, now: &str) -> Result<Vec<CopyRow>, DbError> {
        let rows =
            query("SELECT * FROM blob_copies WHERE expires_at IS NOT NULL AND expires_at < $1 ORDER BY expires_at")
                .bind(now)
                .fetch_all(&self.pool)
                .await
                .during("listing expired copies")?;
        Ok(rows.iter().map(copy_row).collect())
    }

    /// Records the tier an asset's original was moved to.
    pub async fn set_original_tier(&self, asset_id: &str, tier: &str) -> Result<(), DbError> {
        query("UPDATE assets SET original_tier = $2 WHERE id = $1")
            .bind(asset_id)
            .bind(tier)
            .execute(&self.pool)
            .await
            .during("recording a tier move")?;
        Ok(())
    }

    /// Every copy recorded, for placement and status.
    pub async fn all_copies(&self) -> Result<Vec<CopyRow>, DbError> {
        let rows = query("SELECT * FROM blob_copies ORDER BY blake3, location")
            .fetch_all(&self.pool)
            .await
            .during("listing copies")?;
        Ok(rows.iter().map(copy_row).collect())
    }

    /// Copies and bytes per location and state.
    pub async fn copy_totals(&self) -> Result<Vec<CopyTotals>, DbError> {
        let rows = query(
            "SELECT location, state, COUNT(*) AS copies, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM blob_copies
             GROUP BY location, state ORDER BY location, state",
        )
        .fetch_all(&self.pool)
        .await
        .during("adding up copies")?;
        Ok(rows
            .iter()
            .map(|row| CopyTotals {
                location: row.get("location"),
                state: row.get("state"),
                copies: row.get::<i64, _>("copies") as u64,
                bytes: row.get::<i64, _>("bytes") as u64,
            })
            .collect())
    }

    /// Every finished job's kind with its start and end (RFC 3339), for compute time.
    pub async fn job_spans(&self) -> Result<Vec<(String, String, String)>, DbError> {
        let rows = query(
            "SELECT kind, started_at, finished_at FROM jobs
             WHERE started_at IS NOT NULL AND finished_at IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .during("reading job times")?;
        Ok(rows.iter().map(|row| (row.get("kind"), row.get("started_at"), row.get("finished_at"))).collect())
    }

    /// Paths that offered content already catalogued (each stored nothing): how many, and the
    /// bytes they would have taken.
    pub async fn duplicate_bytes(&self) -> Result<(u64, u64), DbError> {
        let row = query(
            "SELECT COUNT(*) AS paths, CAST(COALESCE(SUM(f.size), 0) AS BIGINT) AS bytes FROM duplicates d
             JOIN asset_files f ON f.asset_id = d.asset_id AND f.role = 'original'",
        )
        .fetch_one(&self.pool)
        .await
        .during("adding up duplicates")?;
        Ok((row.get::<i64, _>("paths") as u64, row.get::<i64, _>("bytes") as u64))
    }

    /// Adds findings to an asset already catalogued (fixity's, for example).
    pub async fn add_findings(&self, asset_id: AssetId, findings: &[Finding]) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        crate::assets::insert_findings(&mut transaction, asset_id, findings, &now()).await?;
        crate::changes::note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("recording findings")?;
        Ok(())
    }
}

/// Records that the primary store holds `blake3` (a file or rendition just written there).
pub(crate) async fn record_primary_copy(
    transaction: &mut Tx,
    blake3: &str,
    size: u64,
    now: &str,
) -> Result<(), DbError> {
    query(
        "INSERT INTO blob_copies (blake3, location, size, state, stored_at) VALUES ($1, $2, $3, 'ok', $4)
         ON CONFLICT (blake3, location) DO NOTHING",
    )
    .bind(blake3)
    .bind(PRIMARY)
    .bind(size as i64)
    .bind(now)
    .execute(&mut *transaction)
    .await
    .during("recording a copy")?;
    Ok(())
}

fn location_row(row: &Row) -> Result<LocationRow, DbError> {
    Ok(LocationRow {
        name: row.get("name"),
        url: row.get("url"),
        tier: row.get("tier"),
        settings: serde_json::from_str(row.get::<&str, _>("settings"))
            .map_err(|error| DbError::Corrupt { what: "storage location settings", reason: error.to_string() })?,
        created_at: row.get("created_at"),
    })
}

fn copy_row(row: &Row) -> CopyRow {
    CopyRow {
        blake3: row.get("blake3"),
        location: row.get("location"),
        size: row.get::<i64, _>("size") as u64,
        state: row.get("state"),
        stored_at: row.get("stored_at"),
        checked_at: row.get("checked_at"),
        quarantined_to: row.get("quarantined_to"),
        expires_at: row.get("expires_at"),
    }
}
