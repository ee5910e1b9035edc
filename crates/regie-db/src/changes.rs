//! The change feed: every write that changes what the search index shows of an asset appends the
//! asset's id here, in the same transaction. Numbers are taken under a lock held until commit, so
//! they are committed in order: a reader that has seen change N has seen every change before it.

use regie_core::AssetId;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::{Exclusive, Tx, query, query_scalar};
use crate::{Database, DbError};

/// One entry of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetChange {
    pub seq: u64,
    pub asset_id: String,
}

/// Appends the ids (duplicates kept once) as the transaction's last statements.
pub(crate) async fn note_changes(transaction: &mut Tx, asset_ids: &[AssetId]) -> Result<(), DbError> {
    if asset_ids.is_empty() {
        return Ok(());
    }
    transaction.hold(Exclusive::ChangeFeed).await.during("waiting for the change feed")?;
    let last: i64 = query_scalar("SELECT COALESCE(MAX(seq), 0) FROM asset_changes")
        .fetch_one(&mut *transaction)
        .await
        .during("reading the end of the change feed")?;
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&AssetId> = asset_ids.iter().filter(|id| seen.insert(**id)).collect();
    let now = now();
    let mut seq = last;
    for chunk in unique.chunks(crate::sql::rows_per_statement(3)) {
        let sql = format!(
            "INSERT INTO asset_changes (seq, asset_id, at) VALUES {}",
            crate::sql::value_rows(transaction.backend(), 3, chunk.len())
        );
        let mut statement = query(sql);
        for id in chunk {
            seq += 1;
            statement = statement.bind(seq).bind(id.to_string()).bind(&now);
        }
        statement.execute(&mut *transaction).await.during("appending to the change feed")?;
    }
    Ok(())
}

impl Database {
    /// Up to `limit` changes after `after`, in order.
    pub async fn changes_after(&self, after: u64, limit: u32) -> Result<Vec<AssetChange>, DbError> {
        let rows = query("SELECT seq, asset_id FROM asset_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .during("reading the change feed")?;
        Ok(rows
            .iter()
            .map(|row| AssetChange { seq: row.get::<i64, _>("seq") as u64, asset_id: row.get("asset_id") })
            .collect())
    }

    /// The number of the last change (0 when none): a full index fill started now covers every
    /// change up to it.
    pub async fn last_change(&self) -> Result<u64, DbError> {
        let last: i64 = query_scalar("SELECT COALESCE(MAX(seq), 0) FROM asset_changes")
            .fetch_one(&self.pool)
            .await
            .during("reading the end of the change feed")?;
        Ok(last as u64)
    }

    /// The number of the first change still kept (changes before it were pruned): a node that
    /// has not seen the one before it must fill its index again.
    pub async fn first_change(&self) -> Result<Option<u64>, DbError> {
        let first: Option<i64> = query_scalar("SELECT MIN(seq) FROM asset_changes")
            .fetch_one(&self.pool)
            .await
            .during("reading the start of the change feed")?;
        Ok(first.map(|seq| seq as u64))
    }

    /// Forgets changes older than the newest `keep`.
    pub async fn prune_changes(&self, keep: u64) -> Result<u64, DbError> {
        let last = self.last_change().await?;
        let Some(before) = last.checked_sub(keep) else { return Ok(0) };
        let done = query("DELETE FROM asset_changes WHERE seq <= $1")
            .bind(before as i64)
            .execute(&self.pool)
            .await
            .during("pruning the change feed")?;
        Ok(done.rows_affected())
    }
}
