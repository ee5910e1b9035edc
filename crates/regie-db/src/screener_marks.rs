//! Screeners' invisible marks: which recipient of which asset got which mark (an ordinal per
//! asset; `regie-core::profile::mark` turns it into frequencies).

use regie_core::AssetId;
use serde::Serialize;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::query;
use crate::{Database, DbError};

/// One recipient's mark on one asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreenerMark {
    pub asset_id: String,
    pub house_id: String,
    pub recipient: String,
    pub ordinal: u32,
    pub created_at: String,
}

/// Attempts at taking the next ordinal when another writer takes the same one first.
const ATTEMPTS: usize = 5;

impl Database {
    /// The ordinal of `recipient`'s mark on the asset: the one given before, or the next free one.
    pub async fn screener_mark(&self, asset_id: AssetId, recipient: &str) -> Result<u32, DbError> {
        for _ in 0..ATTEMPTS {
            let mut transaction = self.begin_write().await?;
            let existing = query("SELECT ordinal FROM screener_marks WHERE asset_id = $1 AND recipient = $2")
                .bind(asset_id.to_string())
                .bind(recipient)
                .fetch_optional(&mut transaction)
                .await
                .during("reading a screener's mark")?;
            if let Some(row) = existing {
                return Ok(u32::try_from(row.get::<i64, _>("ordinal")).unwrap_or(u32::MAX));
            }
            let next = query("SELECT COALESCE(MAX(ordinal) + 1, 0) AS next FROM screener_marks WHERE asset_id = $1")
                .bind(asset_id.to_string())
                .fetch_one(&mut transaction)
                .await
                .during("numbering a screener's mark")?
                .get::<i64, _>("next");
            let inserted =
                query("INSERT INTO screener_marks (asset_id, recipient, ordinal, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(asset_id.to_string())
                    .bind(recipient)
                    .bind(next)
                    .bind(now())
                    .execute(&mut transaction)
                    .await;
            match inserted {
                Ok(_) => {
                    transaction.commit().await.during("committing a screener's mark")?;
                    return Ok(u32::try_from(next).unwrap_or(u32::MAX));
                }
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => continue,
                Err(error) => return Err(DbError::Query { step: "recording a screener's mark", source: error }),
            }
        }
        Err(DbError::Corrupt { what: "screener_marks", reason: "no free mark after several attempts".to_owned() })
    }

    /// Every mark given, or those of one asset, oldest first.
    pub async fn screener_marks(&self, asset_id: Option<AssetId>) -> Result<Vec<ScreenerMark>, DbError> {
        let rows = query(
            "SELECT m.asset_id, a.house_id, m.recipient, m.ordinal, m.created_at
             FROM screener_marks m JOIN assets a ON a.id = m.asset_id
             WHERE $1 = '' OR m.asset_id = $1 ORDER BY m.created_at, m.asset_id, m.ordinal",
        )
        .bind(asset_id.map(|id| id.to_string()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await
        .during("listing screeners' marks")?;
        Ok(rows
            .iter()
            .map(|row| ScreenerMark {
                asset_id: row.get("asset_id"),
                house_id: row.get("house_id"),
                recipient: row.get("recipient"),
                ordinal: u32::try_from(row.get::<i64, _>("ordinal")).unwrap_or(u32::MAX),
                created_at: row.get("created_at"),
            })
            .collect())
    }
}
