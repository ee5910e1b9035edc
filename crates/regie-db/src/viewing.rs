//! Viewing events: who played, downloaded, received or rated which asset, and when.

use regie_core::AssetId;
use regie_core::trending::TrendState;
use serde::Serialize;
use uuid::Uuid;

use crate::error::QueryContext;
use crate::sql::{Tx, query, query_scalar};
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

/// Seconds from 2020-01-01T00:00:00Z: the time trends are counted in.
pub fn trend_seconds(at: chrono::DateTime<chrono::Utc>) -> f64 {
    (at.timestamp_millis() - 1_577_836_800_000) as f64 / 1000.0
}

/// An asset's trend as stored.
#[derive(Debug, Clone)]
pub struct TrendRow {
    pub asset_id: String,
    pub state: TrendState,
    pub views: u64,
}

/// Adds a view at `at` to an asset's trend, under the row's lock.
async fn add_to_trend(
    transaction: &mut Tx,
    asset_id: AssetId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbError> {
    let select =
        transaction.backend().locking("SELECT log_1h, log_24h, log_7d, views FROM asset_trends WHERE asset_id = $1");
    let row =
        query(select).bind(asset_id.to_string()).fetch_optional(&mut *transaction).await.during("reading a trend")?;
    let (mut state, views) = match row {
        Some(row) => (
            TrendState { logs: [row.get("log_1h"), row.get("log_24h"), row.get("log_7d")] },
            row.get::<i64, _>("views"),
        ),
        None => (TrendState::default(), 0),
    };
    state.add_view(trend_seconds(at));
    query(
        "INSERT INTO asset_trends (asset_id, log_1h, log_24h, log_7d, views, last_view_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (asset_id) DO UPDATE SET log_1h = excluded.log_1h, log_24h = excluded.log_24h,
           log_7d = excluded.log_7d, views = excluded.views, last_view_at = excluded.last_view_at",
    )
    .bind(asset_id.to_string())
    .bind(state.logs[0])
    .bind(state.logs[1])
    .bind(state.logs[2])
    .bind(views + 1)
    .bind(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    .execute(&mut *transaction)
    .await
    .during("recording a trend")?;
    Ok(())
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
        let mut transaction = self.begin_write().await?;
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
        .execute(&mut transaction)
        .await
        .during("recording a viewing event")?
        .rows_affected()
            > 0;
        if inserted && kind != ViewingKind::Rating {
            add_to_trend(&mut transaction, asset_id, at).await?;
        }
        transaction.commit().await.during("committing a viewing event")?;
        Ok(inserted)
    }

    /// Assets by their decayed popularity in window `window` (an index of
    /// `regie_core::trending::WINDOWS`), most popular first, from `offset`, at most `limit`.
    pub async fn trending(&self, window: usize, offset: u32, limit: u32) -> Result<Vec<TrendRow>, DbError> {
        let column = ["log_1h", "log_24h", "log_7d"].get(window).copied().unwrap_or("log_24h");
        let rows = query(format!(
            "SELECT t.asset_id, t.log_1h, t.log_24h, t.log_7d, t.views FROM asset_trends t JOIN assets a ON a.id = t.asset_id
             WHERE a.trashed_at IS NULL ORDER BY t.{column} DESC, t.asset_id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await
        .during("reading trends")?;
        Ok(rows
            .iter()
            .map(|row| TrendRow {
                asset_id: row.get("asset_id"),
                state: TrendState { logs: [row.get("log_1h"), row.get("log_24h"), row.get("log_7d")] },
                views: row.get::<i64, _>("views").max(0) as u64,
            })
            .collect())
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
