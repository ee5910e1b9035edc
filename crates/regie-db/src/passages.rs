//! The passages of semantic search: per asset, each passage's source, place, text digest and
//! vector, replaced together; and a generation counter that moves with every write, so a process
//! holding the vectors in memory reads them again only when they changed.

use regie_core::AssetId;
use regie_core::semantic::{PassageSource, QuantizedVector, StoredPassage};

use crate::error::QueryContext;
use crate::sql::{query, query_scalar};
use crate::{Database, DbError};

/// A passage as stored.
#[derive(Debug, Clone)]
pub struct PassageRecord {
    pub source: PassageSource,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub text_sha256: String,
    pub vector: QuantizedVector,
}

impl Database {
    /// Replaces the passages of an asset, in one transaction, and moves the generation on.
    pub async fn replace_passages(
        &self,
        asset_id: AssetId,
        passages: &[PassageRecord],
        model: &str,
    ) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        query("DELETE FROM passages WHERE asset_id = $1")
            .bind(asset_id.to_string())
            .execute(&mut transaction)
            .await
            .during("removing passages")?;
        let now = crate::assets::now();
        for (position, passage) in passages.iter().enumerate() {
            query(
                "INSERT INTO passages (asset_id, position, source, start_ms, end_ms, text_sha256, vector, model,
                    embedded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(asset_id.to_string())
            .bind(position as i64)
            .bind(passage.source.as_str())
            .bind(passage.start_ms.map(|ms| ms as i64))
            .bind(passage.end_ms.map(|ms| ms as i64))
            .bind(passage.text_sha256.clone())
            .bind(passage.vector.encode())
            .bind(model.to_owned())
            .bind(now.clone())
            .execute(&mut transaction)
            .await
            .during("recording a passage")?;
        }
        query(
            "INSERT INTO passage_generation (id, generation) VALUES (1, 1)
             ON CONFLICT (id) DO UPDATE SET generation = passage_generation.generation + 1",
        )
        .execute(&mut transaction)
        .await
        .during("counting passage writes")?;
        transaction.commit().await.during("committing passages")
    }

    /// The passages of an asset, in order.
    pub async fn passages_of(&self, asset_id: AssetId) -> Result<Vec<PassageRecord>, DbError> {
        let rows = query(
            "SELECT source, start_ms, end_ms, text_sha256, vector FROM passages WHERE asset_id = $1 ORDER BY position",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading passages")?;
        rows.iter()
            .map(|row| {
                let source: String = row.get("source");
                let vector: String = row.get("vector");
                Ok(PassageRecord {
                    source: PassageSource::parse(&source)
                        .ok_or(DbError::Corrupt { what: "passage source", reason: source.clone() })?,
                    start_ms: row.get::<Option<i64>, _>("start_ms").map(|ms| ms.max(0) as u64),
                    end_ms: row.get::<Option<i64>, _>("end_ms").map(|ms| ms.max(0) as u64),
                    text_sha256: row.get("text_sha256"),
                    vector: QuantizedVector::decode(&vector)
                        .ok_or(DbError::Corrupt { what: "passage vector", reason: asset_id.to_string() })?,
                })
            })
            .collect()
    }

    /// How many times passages were written (0 before the first).
    pub async fn passage_generation(&self) -> Result<i64, DbError> {
        let generation: Option<i64> = query_scalar("SELECT generation FROM passage_generation WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .during("reading the passage generation")?;
        Ok(generation.unwrap_or(0))
    }

    /// Every passage of every asset not in the trash, for the ranking (a vector that does not
    /// decode is left out).
    pub async fn all_passages(&self) -> Result<Vec<StoredPassage>, DbError> {
        let rows = query(
            "SELECT p.asset_id, p.start_ms, p.vector FROM passages p JOIN assets a ON a.id = p.asset_id
             WHERE a.trashed_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await
        .during("reading passages")?;
        let mut passages = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.get("asset_id");
            let vector: String = row.get("vector");
            let (Ok(asset_id), Some(vector)) = (id.parse::<AssetId>(), QuantizedVector::decode(&vector)) else {
                continue;
            };
            passages.push(StoredPassage {
                asset_id,
                start_ms: row.get::<Option<i64>, _>("start_ms").map(|ms| ms.max(0) as u64),
                vector,
            });
        }
        Ok(passages)
    }
}
