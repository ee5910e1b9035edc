//! Viewing events: who played, downloaded, received or rated which asset, and when.

use regie_core::AssetId;
use serde::Serialize;
use uuid::Uuid;

use crate::error::QueryContext;
use crate::sql::{query, query_scalar};
use crate::{Database, DbError};

/// What a user did with an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewingKind {
    Play,
    Download,
    Delivery,
    Rating,
}

impl ViewingKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "play" => Some(Self::Play),
            "download" => Some(Self::Download),
            "delivery" => Some(Self::Delivery),
            "rating" => Some(Self::Rating),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Play => "play",
            Self::Download => "download",
            Self::Delivery => "delivery",
            Self::Rating => "rating",
        }
    }
}

/// One user's interest in one asset, as recommendations read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    pub user_id: String,
    pub asset_id: String,
}

impl Database {
    /// Records a viewing event (`rating` 1-5 for a rating). A play, download or delivery of the
    /// same asset by the same user within a minute of the last is one viewing, not another row.
    pub async fn record_viewing(
        &self,
        user_id: &str,
        asset_id: AssetId,
        kind: ViewingKind,
        rating: Option<u8>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, DbError> {
        let stamp = |time: chrono::DateTime<chrono::Utc>| time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let window_start =
            if kind == ViewingKind::Rating { stamp(at) } else { stamp(at - chrono::Duration::minutes(1)) };
        let inserted = query(
            "INSERT INTO viewing_events (id, user_id, asset_id, kind, rating, at)
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (
               SELECT 1 FROM viewing_events WHERE user_id = $2 AND asset_id = $3 AND kind = $4 AND at > $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(user_id)
        .bind(asset_id.to_string())
        .bind(kind.as_str())
        .bind(rating.map(i32::from))
        .bind(stamp(at))
        .bind(window_start)
        .execute(&self.pool)
        .await
        .during("recording a viewing event")?;
        Ok(inserted.rows_affected() > 0)
    }

    /// The latest viewing events from `since` (RFC 3339), oldest first, at most `limit`.
    pub async fn viewing_events_since(
        &self,
        since: &str,
        limit: u32,
    ) -> Result<Vec<(String, String, String)>, DbError> {
        let rows = query(
            "SELECT asset_id, kind, at FROM viewing_events WHERE at >= $1 AND kind <> 'rating' ORDER BY at LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .during("reading viewing events")?;
        Ok(rows.iter().map(|row| (row.get("asset_id"), row.get("kind"), row.get("at"))).collect())
    }

    /// Every (user, asset) pair with an interest: any play, download or delivery, or a rating of
    /// 3 or more (a low rating says the user did not like it); assets in the trash left out.
    pub async fn interests(&self) -> Result<Vec<Interest>, DbError> {
        let rows = query(
            "SELECT DISTINCT v.user_id, v.asset_id FROM viewing_events v JOIN assets a ON a.id = v.asset_id
             WHERE a.trashed_at IS NULL AND (v.kind <> 'rating' OR v.rating >= 3)
             ORDER BY v.user_id, v.asset_id",
        )
        .fetch_all(&self.pool)
        .await
        .during("reading viewing events")?;
        Ok(rows.iter().map(|row| Interest { user_id: row.get("user_id"), asset_id: row.get("asset_id") }).collect())
    }

    /// The assets one user has an interest in (as `interests` counts them).
    pub async fn interests_of(&self, user_id: &str) -> Result<Vec<String>, DbError> {
        let rows = query(
            "SELECT DISTINCT v.asset_id FROM viewing_events v JOIN assets a ON a.id = v.asset_id
             WHERE v.user_id = $1 AND a.trashed_at IS NULL AND (v.kind <> 'rating' OR v.rating >= 3)
             ORDER BY v.asset_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .during("reading a user's viewing events")?;
        Ok(rows.iter().map(|row| row.get("asset_id")).collect())
    }

    /// How many viewing events there are (recommendation models are refitted when it moves).
    pub async fn viewing_event_count(&self) -> Result<u64, DbError> {
        let count: i64 = query_scalar("SELECT COUNT(*) FROM viewing_events")
            .fetch_one(&self.pool)
            .await
            .during("counting viewing events")?;
        Ok(count as u64)
    }
}
