//! The audit trail: every mutation, login, refusal and download, appended to a hash chain whose
//! head is also written beside the database (`audit.head`), so removing the newest entries is
//! found too. `verify_audit` walks the chain and names the first entry that does not fit.

use std::path::PathBuf;

use regie_core::audit::{AuditEntry, ChainBreak, ChainWalker};
use regie_db::{AuditFilter, NewAuditEntry};
use serde::{Deserialize, Serialize};

use crate::{AppError, Regie};

/// Entries read at once while verifying.
const VERIFY_PAGE: u32 = 5_000;

/// The outcome of `audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditVerification {
    pub entries_checked: u64,
    pub intact: bool,
    /// The first break found, if any.
    pub first_break: Option<ChainBreak>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

impl Regie {
    /// Records one action. A failure to record is an error: an action that cannot be audited
    /// must not pass unnoticed.
    pub async fn audit(&self, entry: NewAuditEntry) -> Result<AuditEntry, AppError> {
        let sealed = self.db.append_audit(entry).await?;
        self.write_head(&sealed)?;
        Ok(sealed)
    }

    /// Records several actions at once, in order (a fixity run's events); all or none.
    pub async fn audit_batch(&self, entries: Vec<NewAuditEntry>) -> Result<(), AppError> {
        if entries.is_empty() {
            return Ok(());
        }
        let sealed = self.db.append_audit_batch(entries).await?;
        if let Some(last) = sealed.last() {
            self.write_head(last)?;
        }
        Ok(())
    }

    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.db.list_audit(filter).await?)
    }

    /// Walks the whole chain from the first entry.
    pub async fn verify_audit(&self) -> Result<AuditVerification, AppError> {
        let head = self.read_head();
        let mut walker = ChainWalker::default();
        let mut after = 0;
        loop {
            let page = self.db.audit_page(after, VERIFY_PAGE).await?;
            for entry in &page {
                let broken = walker.check(entry).err().or_else(|| {
                    head.as_ref().filter(|head| head.seq == entry.seq && head.hash != entry.hash).map(|_| ChainBreak {
                        seq: entry.seq,
                        kind: "altered",
                        message: format!("entry {} differs from the head recorded in audit.head", entry.seq),
                    })
                });
                if let Some(broken) = broken {
                    return Ok(AuditVerification {
                        entries_checked: walker.checked,
                        intact: false,
                        first_break: Some(broken),
                    });
                }
            }
            match page.last() {
                Some(last) if page.len() == VERIFY_PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        let end = walker.finish(head.as_ref().map(|head| (head.seq, head.hash.as_str())));
        Ok(AuditVerification { entries_checked: walker.checked, intact: end.is_ok(), first_break: end.err() })
    }

    fn head_path(&self) -> PathBuf {
        self.settings.data_dir.join("audit.head")
    }

    /// Records the newest entry outside the database (temp file, sync, rename). Writers of every
    /// request and process take `audit.head.lock` in turn and each writes through a temporary
    /// name of its own; a head older than the one already written is not written back.
    fn write_head(&self, entry: &AuditEntry) -> Result<(), AppError> {
        use std::io::Write;
        let path = self.head_path();
        let failed = |source: std::io::Error| {
            if regie_storage::is_disk_full(&source) {
                AppError::Storage(regie_storage::StorageError::DiskFull { path: path.clone() })
            } else {
                AppError::DataFolder { path: path.clone(), source }
            }
        };
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.with_extension("head.lock"))
            .map_err(failed)?;
        lock.lock().map_err(failed)?;
        if self.read_head().is_some_and(|head| head.seq >= entry.seq) {
            return Ok(());
        }
        let text = serde_json::to_string(&Head { seq: entry.seq, hash: entry.hash.clone() })
            .map_err(|error| AppError::Internal(error.to_string()))?;
        let temporary = path.with_extension(format!("head.{}.{}", std::process::id(), uuid::Uuid::now_v7().simple()));
        let written = std::fs::File::create(&temporary)
            .and_then(|mut file| file.write_all(text.as_bytes()).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(failed)
    }

    fn read_head(&self) -> Option<Head> {
        let text = std::fs::read_to_string(self.head_path()).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// A time bound for audit filters: RFC 3339, or a date (`2026-11-22`, taken as midnight UTC),
/// rewritten in the trail's own format so text comparison is time comparison.
pub fn audit_time(text: &str) -> Result<String, AppError> {
    let invalid =
        || regie_core::CoreError::invalid("time", text, "use RFC 3339 (2026-11-22T10:00:00Z) or a date (2026-11-22)");
    let parsed = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| invalid())?;
    Ok(parsed.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}
