//! The lifecycle of an asset: the trash (hidden, restorable during the grace period), legal holds
//! that beat every rule and every delete, `[[retention]]` rules, and purges that remove what is
//! due from every location in two phases (trashed first, deleted once the grace period is over).
//! Every deletion is audited with the content hashes, so the record of what existed outlives
//! the bytes.

use std::collections::{BTreeMap, HashMap};

use regie_core::keeping::{RetentionAction, RetentionRule, Tier};
use regie_core::{AssetId, Blake3Hex};
use regie_db::{HoldRecord, NewAuditEntry, TrashedAsset};
use serde::Serialize;

use super::StoreCache;
use crate::{AppError, Regie};

/// An asset a rule moves to the trash.
#[derive(Debug, Clone, Serialize)]
pub struct RuleTrash {
    pub asset_id: String,
    pub house_id: String,
    pub collection: String,
    /// The rule, in words.
    pub rule: String,
    pub due_at: String,
}

/// One blob of a purged asset: what it was and where its copies were.
#[derive(Debug, Clone, Serialize)]
pub struct PurgedBlob {
    pub blake3: String,
    pub md5: String,
    pub role: String,
    pub size: u64,
    /// Locations whose copy is removed (empty when another asset still uses the content).
    pub locations: Vec<String>,
    pub kept_for_other_assets: bool,
}

/// An asset purged (or, in a dry run, to be purged).
#[derive(Debug, Clone, Serialize)]
pub struct PurgedAsset {
    pub asset_id: String,
    pub house_id: String,
    pub trashed_at: String,
    pub bytes_freed: u64,
    pub blobs: Vec<PurgedBlob>,
}

/// An asset a hold kept from a rule or a purge.
#[derive(Debug, Clone, Serialize)]
pub struct HeldBack {
    pub asset_id: String,
    pub house_id: String,
    pub reason: String,
}

/// `regie purge`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    pub dry_run: bool,
    /// Assets retention rules moved to the trash in this run (purged after the grace period).
    pub trashed: Vec<RuleTrash>,
    pub purged: Vec<PurgedAsset>,
    pub held: Vec<HeldBack>,
    pub bytes_freed: u64,
    pub terabytes_freed: f64,
    /// The storage energy no longer spent per year (from `[footprint]`'s factors).
    pub kwh_per_year_saved: f64,
    pub kg_co2e_per_year_saved: f64,
}

impl Regie {
    /// Moves an asset to the trash (refused under a hold); audited with its content hashes and
    /// the caller's address when it came over HTTP.
    pub async fn trash_asset(
        &self,
        reference: &str,
        actor: &str,
        address: Option<&str>,
        reason: Option<&str>,
    ) -> Result<AssetId, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        self.db.trash_asset(asset_id, actor, reason).await?;
        let detail = self.content_record(&asset_id.to_string(), reason.unwrap_or("deleted")).await?;
        let mut entry = audit_entry(actor, "asset.delete", &asset_id.to_string(), detail);
        entry.address = address.map(str::to_owned);
        self.audit(entry).await?;
        self.follow_changes_quietly().await;
        Ok(asset_id)
    }

    pub async fn restore_from_trash(&self, reference: &str, actor: &str) -> Result<AssetId, AppError> {
        let asset_id = self.db.resolve_trashed(reference).await?;
        self.db.restore_asset(asset_id).await?;
        self.audit(audit_entry(actor, "asset.restore", &asset_id.to_string(), "taken out of the trash".to_owned()))
            .await?;
        self.follow_changes_quietly().await;
        Ok(asset_id)
    }

    pub async fn trash(&self) -> Result<Vec<TrashedAsset>, AppError> {
        Ok(self.db.list_trash(None).await?)
    }

    pub async fn add_hold(&self, reference: &str, reason: &str, actor: &str) -> Result<HoldRecord, AppError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.len() > 2_000 {
            return Err(AppError::Invalid("a hold needs a reason (up to 2,000 characters)".to_owned()));
        }
        let asset_id = self.db.resolve_any_asset(reference).await?;
        let id = self.db.add_hold(asset_id, reason, actor).await?;
        self.audit(audit_entry(actor, "hold.add", &asset_id.to_string(), format!("hold {id}: {reason}"))).await?;
        let holds = self.db.list_holds(Some(asset_id), false).await?;
        holds
            .into_iter()
            .find(|hold| hold.id == id)
            .ok_or_else(|| AppError::Internal("the hold just placed is not there".to_owned()))
    }

    /// Releases the asset's holds (or the one named); how many.
    pub async fn release_holds(&self, reference: &str, hold: Option<&str>, actor: &str) -> Result<u64, AppError> {
        let asset_id = self.db.resolve_any_asset(reference).await?;
        let released = self.db.release_holds(asset_id, hold, actor).await?;
        if released == 0 {
            return Err(AppError::Invalid(format!(
                "{reference} has no active hold{}",
                hold.map(|id| format!(" {id}")).unwrap_or_default()
            )));
        }
        self.audit(audit_entry(actor, "hold.remove", &asset_id.to_string(), format!("{released} hold(s) released")))
            .await?;
        Ok(released)
    }

    pub async fn holds(&self, reference: Option<&str>, all: bool) -> Result<Vec<HoldRecord>, AppError> {
        let asset_id = match reference {
            Some(reference) => Some(self.db.resolve_any_asset(reference).await?),
            None => None,
        };
        Ok(self.db.list_holds(asset_id, all).await?)
    }

    /// Applies the retention rules and purges what has been in the trash longer than the grace
    /// period, from every location. A dry run decides exactly the same and changes nothing.
    pub async fn purge(&self, dry_run: bool, actor: &str) -> Result<PurgeReport, AppError> {
        let _gc_waits = self.shared_lock().await?;
        let now = chrono::Utc::now();
        let mut report = PurgeReport { dry_run, ..PurgeReport::default() };
        let active_holds: HashMap<String, String> =
            self.db.list_holds(None, false).await?.into_iter().map(|hold| (hold.asset_id, hold.reason)).collect();

        // Phase one: retention rules move what is due to the trash.
        for candidate in self.db.retention_candidates().await? {
            let collection = candidate.collection.parse()?;
            let metadata: serde_json::Value = serde_json::from_str(&candidate.metadata).unwrap_or_default();
            for rule in RetentionRule::for_collection(&self.settings.keeping.retention, &collection) {
                if rule.then != RetentionAction::Trash {
                    continue;
                }
                let Some(due) = rule.due_at(
                    &candidate.created_at,
                    metadata["capture_date"].as_str(),
                    metadata["air_date"].as_str(),
                ) else {
                    continue;
                };
                if due > now {
                    continue;
                }
                if let Some(reason) = active_holds.get(&candidate.asset_id) {
                    report.held.push(HeldBack {
                        asset_id: candidate.asset_id.clone(),
                        house_id: candidate.house_id.clone(),
                        reason: reason.clone(),
                    });
                    continue;
                }
                let words = format!(
                    "retention: {} kept {} days from {}",
                    rule.collection,
                    rule.keep.as_secs() / 86_400,
                    serde_json::to_value(rule.from)
                        .ok()
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
                if !dry_run {
                    self.trash_asset(&candidate.asset_id, actor, None, Some(&words)).await?;
                }
                report.trashed.push(RuleTrash {
                    asset_id: candidate.asset_id.clone(),
                    house_id: candidate.house_id.clone(),
                    collection: candidate.collection.clone(),
                    rule: words,
                    due_at: due.to_rfc3339(),
                });
                break;
            }
        }

        // Phase two: what was trashed before the grace period goes from every location.
        let grace =
            chrono::Duration::from_std(self.settings.keeping.trash_period).unwrap_or(chrono::Duration::days(30));
        let before = crate::audit_time(&(now - grace).to_rfc3339())?;
        let tiers: HashMap<String, Tier> =
            self.list_locations().await?.into_iter().map(|info| (info.name, info.tier)).collect();
        let mut stores = StoreCache::default();
        let mut freed_per_tier: BTreeMap<Tier, u64> = BTreeMap::new();
        for trashed in self.db.list_trash(Some(&before)).await? {
            if let Some(reason) = active_holds.get(&trashed.asset_id) {
                report.held.push(HeldBack {
                    asset_id: trashed.asset_id.clone(),
                    house_id: trashed.house_id.clone(),
                    reason: reason.clone(),
                });
                continue;
            }
            let purged = self.purge_asset(&trashed, dry_run, actor, &mut stores, &tiers, &mut freed_per_tier).await?;
            report.bytes_freed += purged.bytes_freed;
            report.purged.push(purged);
        }
        let factors = &self.settings.keeping.footprint;
        report.terabytes_freed = report.bytes_freed as f64 / 1e12;
        report.kwh_per_year_saved =
            freed_per_tier.iter().map(|(tier, bytes)| factors.storage_kwh_per_year(*tier, *bytes)).sum();
        report.kg_co2e_per_year_saved = factors.kg_co2e(report.kwh_per_year_saved);
        Ok(report)
    }

    /// Removes a trashed asset's content from every location (content another asset still uses
    /// stays), then its file rows; the asset's row stays as a tombstone. Resumes a killed purge.
    async fn purge_asset(
        &self,
        trashed: &TrashedAsset,
        dry_run: bool,
        actor: &str,
        stores: &mut StoreCache,
        tiers: &HashMap<String, Tier>,
        freed_per_tier: &mut BTreeMap<Tier, u64>,
    ) -> Result<PurgedAsset, AppError> {
        let mut purged = PurgedAsset {
            asset_id: trashed.asset_id.clone(),
            house_id: trashed.house_id.clone(),
            trashed_at: trashed.trashed_at.clone(),
            bytes_freed: 0,
            blobs: Vec::new(),
        };
        let blobs = self.db.asset_blobs(Some(&trashed.asset_id)).await?;
        if !dry_run {
            self.db.mark_purge_started(&trashed.asset_id).await?;
            // The record of what existed, before any byte goes.
            let detail = self.content_record(&trashed.asset_id, "purge started").await?;
            self.audit(audit_entry(actor, "asset.purge", &trashed.asset_id, detail)).await?;
        }
        let mut seen = std::collections::HashSet::new();
        for blob in blobs.iter().filter(|blob| seen.insert(blob.blake3.clone())) {
            let shared = self.db.blob_used_elsewhere(&blob.blake3, &trashed.asset_id).await?;
            let copies = if shared { Vec::new() } else { self.db.copies_of(&blob.blake3).await? };
            let mut record = PurgedBlob {
                blake3: blob.blake3.clone(),
                md5: blob.md5.clone(),
                role: blob.role.clone(),
                size: blob.size,
                locations: copies.iter().map(|copy| copy.location.clone()).collect(),
                kept_for_other_assets: shared,
            };
            for copy in &copies {
                purged.bytes_freed += copy.size;
                if let Some(tier) = tiers.get(&copy.location) {
                    *freed_per_tier.entry(*tier).or_default() += copy.size;
                }
                if dry_run {
                    continue;
                }
                let store = stores.open(self, &copy.location).await?;
                store.remove_blob(&Blake3Hex::parse(&blob.blake3)?).await?;
                self.db.forget_copy(&blob.blake3, &copy.location).await?;
            }
            record.locations.sort();
            purged.blobs.push(record);
        }
        if !dry_run {
            self.db
                .finish_purge(trashed.asset_id.parse().map_err(|_| AppError::Internal("asset id".to_owned()))?)
                .await?;
        }
        Ok(purged)
    }

    /// The asset's content as the audit trail keeps it: house id and every blob's hashes.
    async fn content_record(&self, asset_id: &str, what: &str) -> Result<String, AppError> {
        let blobs = self.db.asset_blobs(Some(asset_id)).await?;
        let house_id = blobs.first().map(|blob| blob.house_id.clone()).unwrap_or_default();
        let files: Vec<serde_json::Value> = blobs
            .iter()
            .map(|blob| serde_json::json!({ "role": blob.role, "blake3": blob.blake3, "md5": blob.md5, "size": blob.size }))
            .collect();
        Ok(serde_json::json!({ "what": what, "house_id": house_id, "files": files }).to_string())
    }

    /// Brings this process's search index up to date after a change (a failure is logged: the
    /// next search catches up).
    async fn follow_changes_quietly(&self) {
        if let Err(error) = self.follow_changes().await {
            tracing::warn!(%error, "the search index could not follow the change");
        }
    }
}

fn audit_entry(actor: &str, action: &str, asset_id: &str, detail: String) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_owned(),
        action: action.to_owned(),
        asset_id: Some(asset_id.to_owned()),
        address: None,
        outcome: "ok".to_owned(),
        detail,
    }
}
