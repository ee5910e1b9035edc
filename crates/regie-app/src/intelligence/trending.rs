//! Trends: each asset's decayed popularity over the last hour, day and week, kept incrementally
//! with every view (`regie-core::trending`), and the assets in a burst: viewed far above their own
//! weekly rate over the last hour.

use regie_core::access::Access;
use regie_core::trending::{WINDOWS, window_index};
use serde::Serialize;

use crate::{AppError, Regie};

/// Rows read per page while looking for readable (or bursting) assets.
const PAGE: u32 = 200;
/// At most this many rows are read for one answer.
const MAX_SCANNED: u32 = 10_000;

/// One trending asset.
#[derive(Debug, Clone, Serialize)]
pub struct TrendingAsset {
    pub asset_id: String,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    /// Views in the window, each counted by how recent it is (a view one half-life old counts 0.5).
    pub score: f64,
    /// Views an hour, over the last hour and over the week.
    pub hourly_rate: f64,
    pub weekly_rate: f64,
    /// The first over the second.
    pub ratio: f64,
    /// Viewing suddenly well above its usual rate.
    pub burst: bool,
    pub views: u64,
}

/// What `regie trending` answers.
#[derive(Debug, Clone, Serialize)]
pub struct TrendingReport {
    pub window: String,
    pub bursts_only: bool,
    pub assets: Vec<TrendingAsset>,
}

impl Regie {
    /// The most popular assets over `window` (`1h`, `24h`, `7d`), or only those in a burst,
    /// among those `access` may read (all, for the operator).
    pub async fn trending(
        &self,
        access: Option<&Access>,
        window: &str,
        limit: usize,
        bursts_only: bool,
    ) -> Result<TrendingReport, AppError> {
        let index = window_index(window).ok_or_else(|| {
            let names: Vec<&str> = WINDOWS.iter().map(|(name, _)| *name).collect();
            AppError::Invalid(format!("window: one of {}", names.join(", ")))
        })?;
        let limit = limit.clamp(1, crate::intelligence::MAX_RECOMMENDATIONS);
        let now = regie_db::trend_seconds(chrono::Utc::now());
        // Bursts are found among the busiest of the last hour.
        let order = if bursts_only { 0 } else { index };
        let mut assets = Vec::new();
        let mut offset = 0;
        while assets.len() < limit && offset < MAX_SCANNED {
            let rows = self.db.trending(order, offset, PAGE).await?;
            offset += PAGE;
            let last_page = rows.len() < PAGE as usize;
            for row in rows {
                let (burst, ratio) = row.state.burst(now);
                if (bursts_only && !burst) || assets.len() >= limit {
                    continue;
                }
                if let Some(access) = access
                    && self.asset_for(access, &row.asset_id, crate::Permission::Read).await.is_err()
                {
                    continue;
                }
                let record = self.db.get_asset(row.asset_id.parse()?).await?;
                assets.push(TrendingAsset {
                    asset_id: row.asset_id,
                    house_id: record.house_id,
                    name: record.name,
                    collection: record.collection,
                    score: row.state.score(index, now),
                    hourly_rate: row.state.rate_per_hour(0, now),
                    weekly_rate: row.state.rate_per_hour(2, now),
                    ratio,
                    burst,
                    views: row.views,
                });
            }
            if last_page {
                break;
            }
        }
        Ok(TrendingReport { window: WINDOWS[index].0.to_owned(), bursts_only, assets })
    }
}
