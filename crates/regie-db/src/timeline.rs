//! Segments (time ranges of an asset in frames, with their review threads) and approvals. Every
//! change notes the asset in the change feed, so that the search index follows.

use regie_core::AssetId;
use regie_core::timeline::{ApprovalState, Mark};
use serde::Serialize;
use uuid::Uuid;

use crate::assets::now;
use crate::changes::note_changes;
use crate::error::QueryContext;
use crate::sql::{Row, Tx, query};
use crate::{Database, DbError};

/// A segment to record.
#[derive(Debug, Clone)]
pub struct NewSegment {
    pub mark: Mark,
    pub author: Option<String>,
    /// `user`, `qc`, `shots` or `import`.
    pub origin: String,
    pub parent_id: Option<String>,
    pub keyframe: Option<String>,
}

/// A segment as stored (frames only: the time base is the asset's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub id: String,
    pub asset_id: String,
    pub kind: String,
    pub start_frame: u64,
    pub end_frame: u64,
    pub text: String,
    pub author: Option<String>,
    pub origin: String,
    pub parent_id: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub keyframe: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What an edit changes; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct SegmentChange {
    pub kind: Option<String>,
    pub start_frame: Option<u64>,
    pub end_frame: Option<u64>,
    pub text: Option<String>,
}

/// One decision in an asset's review.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRecord {
    pub id: String,
    pub asset_id: String,
    pub state: String,
    pub reason: String,
    pub actor: String,
    pub created_at: String,
}

const SEGMENT_COLUMNS: &str = "id, asset_id, kind, start_frame, end_frame, text, author, origin, parent_id, \
     resolved_at, resolved_by, keyframe, created_at, updated_at";

fn segment_from_row(row: &Row) -> SegmentRow {
    SegmentRow {
        id: row.get("id"),
        asset_id: row.get("asset_id"),
        kind: row.get("kind"),
        start_frame: row.get::<i64, _>("start_frame").max(0) as u64,
        end_frame: row.get::<i64, _>("end_frame").max(0) as u64,
        text: row.get("text"),
        author: row.get("author"),
        origin: row.get("origin"),
        parent_id: row.get("parent_id"),
        resolved_at: row.get("resolved_at"),
        resolved_by: row.get("resolved_by"),
        keyframe: row.get("keyframe"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

pub(crate) async fn insert_segments(
    tx: &mut Tx,
    asset_id: AssetId,
    segments: &[NewSegment],
) -> Result<Vec<String>, DbError> {
    let stamp = now();
    let mut ids = Vec::with_capacity(segments.len());
    for segment in segments {
        let id = Uuid::now_v7().to_string();
        query(format!(
            "INSERT INTO segments ({SEGMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10, $11, $11)"
        ))
        .bind(&id)
        .bind(asset_id.to_string())
        .bind(segment.mark.kind.as_str())
        .bind(segment.mark.start_frame as i64)
        .bind(segment.mark.end_frame as i64)
        .bind(&segment.mark.text)
        .bind(&segment.author)
        .bind(&segment.origin)
        .bind(&segment.parent_id)
        .bind(&segment.keyframe)
        .bind(&stamp)
        .execute(&mut *tx)
        .await
        .during("recording a segment")?;
        ids.push(id);
    }
    Ok(ids)
}

impl Database {
    /// Records segments of an asset in one transaction; their ids, in order.
    pub async fn add_segments(&self, asset_id: AssetId, segments: &[NewSegment]) -> Result<Vec<String>, DbError> {
        let mut transaction = self.begin_write().await?;
        let ids = insert_segments(&mut transaction, asset_id, segments).await?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing segments")?;
        Ok(ids)
    }

    /// Replaces what a measurement wrote before (the segments of `kinds` with `origin`) by its
    /// new findings, in one transaction: a measurement run again never doubles its segments.
    pub async fn replace_measured_segments(
        &self,
        asset_id: AssetId,
        origin: &str,
        kinds: &[&str],
        segments: &[NewSegment],
    ) -> Result<Vec<String>, DbError> {
        let mut transaction = self.begin_write().await?;
        for kind in kinds {
            query("DELETE FROM segments WHERE asset_id = $1 AND origin = $2 AND kind = $3 AND parent_id IS NULL")
                .bind(asset_id.to_string())
                .bind(origin)
                .bind(*kind)
                .execute(&mut transaction)
                .await
                .during("removing measured segments")?;
        }
        let ids = insert_segments(&mut transaction, asset_id, segments).await?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing segments")?;
        Ok(ids)
    }

    /// Records an extract kept as a rendition of the asset and the `subclip` segment that
    /// names it, in one transaction; the segment's id.
    pub async fn record_subclip(
        &self,
        asset_id: AssetId,
        outputs: &crate::JobOutputs,
        segment: &NewSegment,
    ) -> Result<String, DbError> {
        let mut transaction = self.begin_write().await?;
        crate::outputs::record_outputs(&mut transaction, None, outputs, &now()).await?;
        let id = insert_segments(&mut transaction, asset_id, std::slice::from_ref(segment)).await?.remove(0);
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing a subclip")?;
        Ok(id)
    }

    /// Records a rendition made outside a job (keyframes of shots found on demand).
    pub async fn record_rendition(&self, outputs: &crate::JobOutputs) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        crate::outputs::record_outputs(&mut transaction, None, outputs, &now()).await?;
        transaction.commit().await.during("committing a rendition")
    }

    /// An asset's segments in time order (replies after what they answer), of one kind or all.
    pub async fn segments_of(&self, asset_id: AssetId, kind: Option<&str>) -> Result<Vec<SegmentRow>, DbError> {
        let rows = query(format!(
            "SELECT {SEGMENT_COLUMNS} FROM segments WHERE asset_id = $1 AND ($2 IS NULL OR kind = $2)
             ORDER BY start_frame, end_frame, created_at, id"
        ))
        .bind(asset_id.to_string())
        .bind(kind)
        .fetch_all(&self.pool)
        .await
        .during("reading segments")?;
        Ok(rows.iter().map(segment_from_row).collect())
    }

    /// One segment of an asset.
    pub async fn segment(&self, asset_id: AssetId, id: &str) -> Result<SegmentRow, DbError> {
        let row = query(format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE asset_id = $1 AND id = $2"))
            .bind(asset_id.to_string())
            .bind(id.trim())
            .fetch_optional(&self.pool)
            .await
            .during("reading a segment")?;
        row.as_ref().map(segment_from_row).ok_or_else(|| DbError::SegmentNotFound(id.to_owned()))
    }

    /// Changes a segment's kind, range or text.
    pub async fn edit_segment(&self, asset_id: AssetId, id: &str, change: &SegmentChange) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let updated = query(
            "UPDATE segments SET kind = COALESCE($3, kind), start_frame = COALESCE($4, start_frame),
                 end_frame = COALESCE($5, end_frame), text = COALESCE($6, text), updated_at = $7
             WHERE asset_id = $1 AND id = $2",
        )
        .bind(asset_id.to_string())
        .bind(id)
        .bind(&change.kind)
        .bind(change.start_frame.map(|frame| frame as i64))
        .bind(change.end_frame.map(|frame| frame as i64))
        .bind(&change.text)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("editing a segment")?;
        if updated.rows_affected() == 0 {
            return Err(DbError::SegmentNotFound(id.to_owned()));
        }
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing a segment edit")
    }

    /// Removes a segment and the replies under it; how many rows went.
    pub async fn remove_segment(&self, asset_id: AssetId, id: &str) -> Result<u64, DbError> {
        let mut transaction = self.begin_write().await?;
        let found: Vec<String> = crate::sql::query_scalar(
            "WITH RECURSIVE thread(id) AS (
                 SELECT id FROM segments WHERE asset_id = $1 AND id = $2
                 UNION ALL SELECT segments.id FROM segments JOIN thread ON segments.parent_id = thread.id)
             SELECT id FROM thread",
        )
        .bind(asset_id.to_string())
        .bind(id)
        .fetch_all(&mut transaction)
        .await
        .during("finding a segment's replies")?;
        if found.is_empty() {
            return Err(DbError::SegmentNotFound(id.to_owned()));
        }
        // Replies first: each names its parent.
        for reply in found.iter().rev() {
            query("DELETE FROM segments WHERE id = $1")
                .bind(reply)
                .execute(&mut transaction)
                .await
                .during("removing a segment")?;
        }
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing a segment removal")?;
        Ok(found.len() as u64)
    }

    /// Marks a comment resolved (by `actor`) or open again.
    pub async fn resolve_segment(&self, asset_id: AssetId, id: &str, actor: Option<&str>) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let stamp = now();
        let updated = query(
            "UPDATE segments SET resolved_at = $3, resolved_by = $4, updated_at = $5 WHERE asset_id = $1 AND id = $2",
        )
        .bind(asset_id.to_string())
        .bind(id)
        .bind(actor.map(|_| stamp.clone()))
        .bind(actor)
        .bind(&stamp)
        .execute(&mut transaction)
        .await
        .during("resolving a comment")?;
        if updated.rows_affected() == 0 {
            return Err(DbError::SegmentNotFound(id.to_owned()));
        }
        transaction.commit().await.during("committing a resolution")
    }

    /// Records a review decision; the newest is the asset's state.
    pub async fn record_approval(
        &self,
        asset_id: AssetId,
        state: ApprovalState,
        reason: &str,
        actor: &str,
    ) -> Result<ApprovalRecord, DbError> {
        let record = ApprovalRecord {
            id: Uuid::now_v7().to_string(),
            asset_id: asset_id.to_string(),
            state: state.as_str().to_owned(),
            reason: reason.to_owned(),
            actor: actor.to_owned(),
            created_at: now(),
        };
        let mut transaction = self.begin_write().await?;
        query("INSERT INTO approvals (id, asset_id, state, reason, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&record.id)
            .bind(&record.asset_id)
            .bind(&record.state)
            .bind(&record.reason)
            .bind(&record.actor)
            .bind(&record.created_at)
            .execute(&mut transaction)
            .await
            .during("recording an approval")?;
        note_changes(&mut transaction, &[asset_id]).await?;
        transaction.commit().await.during("committing an approval")?;
        Ok(record)
    }

    /// An asset's review decisions, oldest first.
    pub async fn approvals_of(&self, asset_id: AssetId) -> Result<Vec<ApprovalRecord>, DbError> {
        let rows = query(
            "SELECT id, asset_id, state, reason, actor, created_at FROM approvals WHERE asset_id = $1 ORDER BY id",
        )
        .bind(asset_id.to_string())
        .fetch_all(&self.pool)
        .await
        .during("reading approvals")?;
        Ok(rows
            .iter()
            .map(|row| ApprovalRecord {
                id: row.get("id"),
                asset_id: row.get("asset_id"),
                state: row.get("state"),
                reason: row.get("reason"),
                actor: row.get("actor"),
                created_at: row.get("created_at"),
            })
            .collect())
    }
}
