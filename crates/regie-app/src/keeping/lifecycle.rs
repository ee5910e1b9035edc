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

/// An original moved to a colder tier by a retention rule.
#[derive(Debug, Clone, Serialize)]
pub struct TierMove {
    pub asset_id: String,
    pub house_id: String,
    pub blake3: String,
    pub tier: Tier,
    /// The location that holds it now (copied there first when it was not).
    pub to: Option<String>,
    /// Hotter locations whose copy goes.
    pub removed_from: Vec<String>,
    pub bytes_freed: u64,
    pub error: Option<String>,
}

/// A restored copy whose time is over.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiredRestore {
    pub blake3: String,
    pub location: String,
    pub size: u64,
}

/// What `regie restore` brought back.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub asset_id: String,
    pub house_id: String,
    pub blake3: String,
    pub from: String,
    pub to: String,
    pub size: u64,
    /// When the restored copy goes again (`regie purge` removes it).
    pub expires_at: Option<String>,
    pub already_there: bool,
}

/// `regie purge`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    pub dry_run: bool,
    /// Assets retention rules moved to the trash in this run (purged after the grace period).
    pub trashed: Vec<RuleTrash>,
    /// Originals retention rules moved to a colder tier (their derived files stay).
    pub tier_moves: Vec<TierMove>,
    /// Restored copies whose time was over.
    pub expired_restores: Vec<ExpiredRestore>,
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

        let mut moves = MoveContext::default();
        // Phase one: retention rules move what is due to the trash, or its original to a colder tier.
        for candidate in self.db.retention_candidates().await? {
            let collection = candidate.collection.parse()?;
            let metadata: serde_json::Value = serde_json::from_str(&candidate.metadata).unwrap_or_default();
            for rule in RetentionRule::for_collection(&self.settings.keeping.retention, &collection) {
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
                    if !report.held.iter().any(|held| held.asset_id == candidate.asset_id) {
                        report.held.push(HeldBack {
                            asset_id: candidate.asset_id.clone(),
                            house_id: candidate.house_id.clone(),
                            reason: reason.clone(),
                        });
                    }
                    continue;
                }
                if let RetentionAction::Move(tier) = rule.then {
                    if let Some(moved) =
                        self.move_original(&candidate.asset_id, tier, dry_run, actor, &mut moves).await?
                    {
                        report.tier_moves.push(moved);
                    }
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

        // Restored copies whose time is over go (another good copy remains by construction).
        let stamp = crate::audit_time(&now.to_rfc3339())?;
        for expired in self.db.expired_copies(&stamp).await? {
            let others = self.db.copies_of(&expired.blake3).await?;
            if !others.iter().any(|copy| copy.location != expired.location && copy.state == "ok") {
                continue;
            }
            if !dry_run {
                let store = moves.stores.open(self, &expired.location).await?;
                store.remove_blob(&Blake3Hex::parse(&expired.blake3)?).await?;
                self.db.forget_copy(&expired.blake3, &expired.location).await?;
            }
            report.bytes_freed += expired.size;
            report.expired_restores.push(ExpiredRestore {
                blake3: expired.blake3.clone(),
                location: expired.location.clone(),
                size: expired.size,
            });
        }

        // Phase two: what was trashed before the grace period goes from every location.
        let grace =
            chrono::Duration::from_std(self.settings.keeping.trash_period).unwrap_or(chrono::Duration::days(30));
        let before = crate::audit_time(&(now - grace).to_rfc3339())?;
        let tiers: HashMap<String, Tier> =
            self.list_locations().await?.into_iter().map(|info| (info.name, info.tier)).collect();
        let mut stores = std::mem::take(&mut moves.stores);
        let mut freed_per_tier = std::mem::take(&mut moves.freed_per_tier);
        let added_per_tier = std::mem::take(&mut moves.added_per_tier);
        for expired in &report.expired_restores {
            if let Some(tier) = tiers.get(&expired.location) {
                *freed_per_tier.entry(*tier).or_default() += expired.size;
            }
        }
        report.bytes_freed += report.tier_moves.iter().map(|moved| moved.bytes_freed).sum::<u64>();
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
        let added: f64 = added_per_tier.iter().map(|(tier, bytes)| factors.storage_kwh_per_year(*tier, *bytes)).sum();
        report.kwh_per_year_saved =
            freed_per_tier.iter().map(|(tier, bytes)| factors.storage_kwh_per_year(*tier, *bytes)).sum::<f64>() - added;
        report.kg_co2e_per_year_saved = factors.kg_co2e(report.kwh_per_year_saved);
        Ok(report)
    }

    /// Moves an asset's original to a location of `tier`: copied there (read back) unless a good
    /// copy is there already, then removed from every hotter location; its derived files stay.
    /// `None` when there is nothing left to move.
    async fn move_original(
        &self,
        asset_id: &str,
        tier: Tier,
        dry_run: bool,
        actor: &str,
        moves: &mut MoveContext,
    ) -> Result<Option<TierMove>, AppError> {
        let blobs = self.db.asset_blobs(Some(asset_id)).await?;
        let Some(original) = blobs.iter().find(|blob| blob.role == "original") else { return Ok(None) };
        let locations = self.list_locations().await?;
        let tier_of: HashMap<&str, Tier> = locations.iter().map(|info| (info.name.as_str(), info.tier)).collect();
        let copies = self.db.copies_of(&original.blake3).await?;
        let hot: Vec<&regie_db::CopyRow> = copies
            .iter()
            .filter(|copy| tier_of.get(copy.location.as_str()).is_some_and(|held| *held < tier))
            // A copy restored for a time stays until its time is over.
            .filter(|copy| copy.expires_at.is_none())
            .collect();
        let cold = copies
            .iter()
            .find(|copy| copy.state == "ok" && tier_of.get(copy.location.as_str()).is_some_and(|held| *held >= tier));
        if hot.is_empty() && original.original_tier.is_some() {
            return Ok(None);
        }
        let mut moved = TierMove {
            asset_id: asset_id.to_owned(),
            house_id: original.house_id.clone(),
            blake3: original.blake3.clone(),
            tier,
            to: cold.map(|copy| copy.location.clone()),
            removed_from: hot.iter().map(|copy| copy.location.clone()).collect(),
            bytes_freed: hot.iter().map(|copy| copy.size).sum(),
            error: None,
        };
        if moved.to.is_none() {
            let Some(target) = locations.iter().find(|info| info.tier == tier) else {
                moved.error = Some(format!(
                    "no storage location of tier {tier}: add one with `regie storage add NAME --url URL --tier {tier}`"
                ));
                moved.removed_from.clear();
                moved.bytes_freed = 0;
                return Ok(Some(moved));
            };
            moved.to = Some(target.name.clone());
            if !dry_run {
                let address = Blake3Hex::parse(&original.blake3)?;
                let to = moves.stores.open(self, &target.name).await?;
                let mut copied = None;
                for source in copies.iter().filter(|copy| copy.state == "ok") {
                    let from = moves.stores.open(self, &source.location).await?;
                    match to.copy_from(&from, &address).await {
                        Ok(made) => {
                            copied = Some(made.size);
                            break;
                        }
                        Err(error) => moved.error = Some(error.to_string()),
                    }
                }
                let Some(size) = copied else {
                    moved.removed_from.clear();
                    moved.bytes_freed = 0;
                    return Ok(Some(moved));
                };
                moved.error = None;
                self.db.record_copy(&original.blake3, &target.name, size).await?;
            }
            *moves.added_per_tier.entry(tier).or_default() += original.size;
        }
        if !dry_run {
            self.db.set_original_tier(asset_id, tier.as_str()).await?;
            for copy in &hot {
                let store = moves.stores.open(self, &copy.location).await?;
                store.remove_blob(&Blake3Hex::parse(&copy.blake3)?).await?;
                self.db.forget_copy(&copy.blake3, &copy.location).await?;
            }
            let detail = format!(
                "original {} moved to {} ({tier}); removed from {}",
                original.blake3,
                moved.to.clone().unwrap_or_default(),
                moved.removed_from.join(", ")
            );
            self.audit(audit_entry(actor, "storage.tier-move", asset_id, detail)).await?;
        }
        for copy in &hot {
            if let Some(held) = tier_of.get(copy.location.as_str()) {
                *moves.freed_per_tier.entry(*held).or_default() += copy.size;
            }
        }
        Ok(Some(moved))
    }

    /// Brings an asset's original back into the primary store from a colder copy, for `ttl`
    /// (then `regie purge` removes it again; `None` keeps it).
    pub async fn restore_original(
        &self,
        reference: &str,
        ttl: Option<std::time::Duration>,
        actor: &str,
    ) -> Result<RestoreReport, AppError> {
        let _gc_waits = self.shared_lock().await?;
        let asset_id = self.db.resolve_asset(reference).await?.to_string();
        let blobs = self.db.asset_blobs(Some(&asset_id)).await?;
        let original = blobs
            .iter()
            .find(|blob| blob.role == "original")
            .ok_or_else(|| AppError::Invalid(format!("{reference} has no original to restore")))?;
        let copies = self.db.copies_of(&original.blake3).await?;
        let expires_at = match ttl {
            Some(ttl) => Some(crate::audit_time(
                &(chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(7)))
                    .to_rfc3339(),
            )?),
            None => None,
        };
        let mut report = RestoreReport {
            asset_id: asset_id.clone(),
            house_id: original.house_id.clone(),
            blake3: original.blake3.clone(),
            from: String::new(),
            to: regie_core::keeping::PRIMARY.to_owned(),
            size: original.size,
            expires_at: expires_at.clone(),
            already_there: false,
        };
        if copies.iter().any(|copy| copy.location == regie_core::keeping::PRIMARY && copy.state == "ok") {
            report.already_there = true;
            return Ok(report);
        }
        let address = Blake3Hex::parse(&original.blake3)?;
        let mut stores = StoreCache::default();
        let mut failures = Vec::new();
        for source in copies.iter().filter(|copy| copy.state == "ok") {
            let from = stores.open(self, &source.location).await?;
            match self.store.copy_from(&from, &address).await {
                Ok(made) => {
                    match &expires_at {
                        Some(until) => {
                            self.db
                                .record_copy_until(&original.blake3, regie_core::keeping::PRIMARY, made.size, until)
                                .await?
                        }
                        None => self.db.record_copy(&original.blake3, regie_core::keeping::PRIMARY, made.size).await?,
                    }
                    report.from = source.location.clone();
                    let detail = format!(
                        "original {} restored from {} until {}",
                        original.blake3,
                        source.location,
                        expires_at.as_deref().unwrap_or("kept")
                    );
                    self.audit(audit_entry(actor, "storage.restore", &asset_id, detail)).await?;
                    return Ok(report);
                }
                Err(error) => failures.push(format!("{}: {error}", source.location)),
            }
        }
        Err(AppError::Invalid(format!(
            "no good copy of {reference}'s original to restore from{}",
            if failures.is_empty() { String::new() } else { format!(" ({})", failures.join("; ")) }
        )))
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
    pub(crate) async fn follow_changes_quietly(&self) {
        if let Err(error) = self.follow_changes().await {
            tracing::warn!(%error, "the search index could not follow the change");
        }
    }
}

/// What the tier moves of one purge share.
#[derive(Default)]
struct MoveContext {
    stores: StoreCache,
    freed_per_tier: BTreeMap<Tier, u64>,
    /// Copies made on colder tiers by the moves.
    added_per_tier: BTreeMap<Tier, u64>,
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
