//! Perceptual fingerprints of assets, and the look-up of near copies: candidates are the assets
//! sharing a 16-bit band with the query's hashes (each band indexed), ranked by how many; their
//! hashes are then compared whole by the caller.

use std::collections::HashMap;

use regie_core::AssetId;
use regie_core::fingerprint::{FrameHash, bands};

use crate::error::QueryContext;
use crate::sql::{Backend, Tx, query};
use crate::{Database, DbError};

/// Rows per INSERT statement (8 values each, well under both backends' limits).
const ROWS_PER_STATEMENT: usize = 500;

fn in_integer_list(backend: Backend, parameter: u8) -> String {
    match backend {
        Backend::Sqlite => format!("(SELECT value FROM json_each(${parameter}))"),
        Backend::Postgres => {
            format!("(SELECT CAST(json_array_elements_text(CAST(${parameter} AS json)) AS INTEGER))")
        }
    }
}

impl Database {
    /// Replaces the fingerprints of an asset, in one transaction.
    pub async fn replace_fingerprints(&self, asset_id: AssetId, hashes: &[FrameHash]) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        query("DELETE FROM fingerprints WHERE asset_id = $1")
            .bind(asset_id.to_string())
            .execute(&mut transaction)
            .await
            .during("removing fingerprints")?;
        for rows in hashes.chunks(ROWS_PER_STATEMENT) {
            insert_rows(&mut transaction, asset_id, rows).await?;
        }
        let samples = hashes.iter().filter(|frame| frame.crop == 100).count() as i64;
        query(
            "INSERT INTO fingerprint_runs (asset_id, samples, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (asset_id) DO UPDATE SET samples = excluded.samples, created_at = excluded.created_at",
        )
        .bind(asset_id.to_string())
        .bind(samples)
        .bind(crate::assets::now())
        .execute(&mut transaction)
        .await
        .during("recording a fingerprint run")?;
        transaction.commit().await.during("committing fingerprints")
    }

    /// The fingerprints of an asset, or `None` when it was never fingerprinted.
    pub async fn fingerprints_of(&self, asset_id: AssetId) -> Result<Option<Vec<FrameHash>>, DbError> {
        let ran: Option<i64> = crate::sql::query_scalar("SELECT samples FROM fingerprint_runs WHERE asset_id = $1")
            .bind(asset_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .during("reading a fingerprint run")?;
        if ran.is_none() {
            return Ok(None);
        }
        Ok(Some(self.fingerprints_of_many(&[asset_id]).await?.remove(&asset_id).unwrap_or_default()))
    }

    /// The fingerprints of several assets.
    pub async fn fingerprints_of_many(
        &self,
        asset_ids: &[AssetId],
    ) -> Result<HashMap<AssetId, Vec<FrameHash>>, DbError> {
        let ids: Vec<String> = asset_ids.iter().map(ToString::to_string).collect();
        let list = match self.backend() {
            Backend::Sqlite => "(SELECT value FROM json_each($1))",
            Backend::Postgres => "(SELECT json_array_elements_text(CAST($1 AS json)))",
        };
        let rows = query(format!(
            "SELECT asset_id, t_ms, crop, hash FROM fingerprints WHERE asset_id IN {list} ORDER BY asset_id, t_ms, crop"
        ))
        .bind(
            serde_json::to_string(&ids)
                .map_err(|error| DbError::Corrupt { what: "asset ids", reason: error.to_string() })?,
        )
        .fetch_all(&self.pool)
        .await
        .during("reading fingerprints")?;
        let mut found: HashMap<AssetId, Vec<FrameHash>> = HashMap::new();
        for row in rows {
            let id: String = row.get("asset_id");
            let id: AssetId = id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id.clone() })?;
            found.entry(id).or_default().push(FrameHash {
                t_ms: row.get::<i64, _>("t_ms").max(0) as u64,
                crop: row.get::<i32, _>("crop").clamp(0, 100) as u8,
                hash: row.get::<i64, _>("hash") as u64,
            });
        }
        Ok(found)
    }

    /// Assets (not `exclude`, not in the trash) sharing a band with any of `hashes`, with how
    /// many of their stored hashes do, most first; at most `limit`.
    pub async fn fingerprint_candidates(
        &self,
        hashes: &[u64],
        exclude: AssetId,
        limit: u32,
    ) -> Result<Vec<(AssetId, u64)>, DbError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let mut lists: [Vec<i64>; 4] = Default::default();
        for hash in hashes {
            for (band, value) in bands(*hash).into_iter().enumerate() {
                lists[band].push(i64::from(value));
            }
        }
        let backend = self.backend();
        // Twice the candidates asked for, so that assets in the trash (left out below) do not
        // crowd out live ones.
        let sql = format!(
            "SELECT asset_id, COUNT(*) AS hits FROM fingerprints
             WHERE (band0 IN {} OR band1 IN {} OR band2 IN {} OR band3 IN {}) AND asset_id <> $5
             GROUP BY asset_id ORDER BY hits DESC, asset_id LIMIT $6",
            in_integer_list(backend, 1),
            in_integer_list(backend, 2),
            in_integer_list(backend, 3),
            in_integer_list(backend, 4),
        );
        let mut statement = query(sql);
        for list in &lists {
            statement = statement.bind(serde_json::to_string(list).expect("integers serialise"));
        }
        let rows = statement
            .bind(exclude.to_string())
            .bind(i64::from(limit) * 2)
            .fetch_all(&self.pool)
            .await
            .during("looking up similar fingerprints")?;
        let mut candidates: Vec<(AssetId, u64)> = rows
            .iter()
            .map(|row| {
                let id: String = row.get("asset_id");
                let id: AssetId = id.parse().map_err(|_| DbError::Corrupt { what: "asset id", reason: id.clone() })?;
                Ok((id, row.get::<i64, _>("hits").max(0) as u64))
            })
            .collect::<Result<_, DbError>>()?;
        let ids: Vec<String> = candidates.iter().map(|(id, _)| id.to_string()).collect();
        let list = match backend {
            Backend::Sqlite => "(SELECT value FROM json_each($1))",
            Backend::Postgres => "(SELECT json_array_elements_text(CAST($1 AS json)))",
        };
        let trashed: Vec<String> =
            crate::sql::query_scalar(format!("SELECT id FROM assets WHERE id IN {list} AND trashed_at IS NOT NULL"))
                .bind(serde_json::to_string(&ids).expect("strings serialise"))
                .fetch_all(&self.pool)
                .await
                .during("leaving out assets in the trash")?;
        candidates.retain(|(id, _)| !trashed.contains(&id.to_string()));
        candidates.truncate(limit as usize);
        Ok(candidates)
    }
}

async fn insert_rows(transaction: &mut Tx, asset_id: AssetId, rows: &[FrameHash]) -> Result<(), DbError> {
    let placeholders: Vec<String> = (0..rows.len())
        .map(|row| {
            let first = row * 8 + 1;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                first,
                first + 1,
                first + 2,
                first + 3,
                first + 4,
                first + 5,
                first + 6,
                first + 7
            )
        })
        .collect();
    let mut statement = query(format!(
        "INSERT INTO fingerprints (asset_id, t_ms, crop, hash, band0, band1, band2, band3) VALUES {}",
        placeholders.join(", ")
    ));
    let id = asset_id.to_string();
    for frame in rows {
        let [band0, band1, band2, band3] = bands(frame.hash);
        statement = statement
            .bind(id.clone())
            .bind(frame.t_ms as i64)
            .bind(i32::from(frame.crop))
            .bind(frame.hash as i64)
            .bind(i32::from(band0))
            .bind(i32::from(band1))
            .bind(i32::from(band2))
            .bind(i32::from(band3));
    }
    statement.execute(&mut *transaction).await.during("recording fingerprints")?;
    Ok(())
}
