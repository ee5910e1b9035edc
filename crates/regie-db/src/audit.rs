//! The audit trail: appended one entry at a time under the write lock, each sealed with the hash
//! of the entry before it. Nothing here updates or deletes an entry.

use regie_core::audit::{AuditEntry, GENESIS};

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::{Exclusive, Row, query};
use crate::{Database, DbError};

/// An action to record; the sequence number, time and hashes are added when it is appended.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: String,
    pub asset_id: Option<String>,
    pub address: Option<String>,
    pub outcome: String,
    pub detail: String,
}

/// Which entries `audit list` shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub asset_id: Option<String>,
    /// RFC 3339 bounds (`since` inclusive, `until` exclusive).
    pub since: Option<String>,
    pub until: Option<String>,
    /// Keyset cursor: entries after this sequence number.
    pub after: Option<u64>,
    pub limit: u32,
}

impl Database {
    /// Appends one entry and returns it sealed.
    pub async fn append_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry, DbError> {
        let mut sealed = self.append_audit_batch(vec![entry]).await?;
        sealed.pop().ok_or_else(|| DbError::Corrupt { what: "audit trail", reason: "nothing appended".to_owned() })
    }

    /// Appends entries in order in one transaction (a fixity run's events) and returns them
    /// sealed: all of them are recorded, or none.
    pub async fn append_audit_batch(&self, entries: Vec<NewAuditEntry>) -> Result<Vec<AuditEntry>, DbError> {
        let mut transaction = self.begin_write().await?;
        transaction.hold(Exclusive::AuditChain).await.during("waiting for the end of the audit trail")?;
        let last = query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut transaction)
            .await
            .during("reading the end of the audit trail")?;
        let (mut seq, mut prev_hash) = match last {
            Some(row) => (row.get::<i64, _>("seq") as u64 + 1, row.get::<String, _>("hash")),
            None => (1, GENESIS.to_owned()),
        };
        let at = now();
        let mut appended = Vec::with_capacity(entries.len());
        for entry in entries {
            let sealed = AuditEntry {
                seq,
                at: at.clone(),
                actor: entry.actor,
                action: entry.action,
                asset_id: entry.asset_id,
                address: entry.address,
                outcome: entry.outcome,
                detail: entry.detail,
                prev_hash,
                hash: String::new(),
            }
            .seal();
            query(
                "INSERT INTO audit_log (seq, at, actor, action, asset_id, address, outcome, detail, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(sealed.seq as i64)
            .bind(&sealed.at)
            .bind(&sealed.actor)
            .bind(&sealed.action)
            .bind(&sealed.asset_id)
            .bind(&sealed.address)
            .bind(&sealed.outcome)
            .bind(&sealed.detail)
            .bind(&sealed.prev_hash)
            .bind(&sealed.hash)
            .execute(&mut transaction)
            .await
            .during("appending to the audit trail")?;
            seq += 1;
            prev_hash = sealed.hash.clone();
            appended.push(sealed);
        }
        transaction.commit().await.during("committing an audit entry")?;
        Ok(appended)
    }

    /// One page of the trail in sequence order, for verification.
    pub async fn audit_page(&self, after: u64, limit: u32) -> Result<Vec<AuditEntry>, DbError> {
        let rows = query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .during("reading the audit trail")?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
        let rows = query(
            "SELECT * FROM audit_log
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR asset_id = $2)
               AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) AND seq > $5
             ORDER BY seq LIMIT $6",
        )
        .bind(&filter.actor)
        .bind(&filter.asset_id)
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(filter.after.unwrap_or(0) as i64)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await
        .during("listing the audit trail")?;
        Ok(rows.iter().map(entry_from_row).collect())
    }
}

fn entry_from_row(row: &Row) -> AuditEntry {
    AuditEntry {
        seq: row.get::<i64, _>("seq") as u64,
        at: row.get("at"),
        actor: row.get("actor"),
        action: row.get("action"),
        asset_id: row.get("asset_id"),
        address: row.get("address"),
        outcome: row.get("outcome"),
        detail: row.get("detail"),
        prev_hash: row.get("prev_hash"),
        hash: row.get("hash"),
    }
}
